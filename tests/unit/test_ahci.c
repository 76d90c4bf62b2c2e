/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ahci.c: the AHCI HBA (pci_ahci.c, ahci_ata.c, ahci_atapi.c)
 * through the real PCI core, driven the way a guest driver would: BAR 5
 * registers, command lists, command tables, PRDTs and FIS receive areas
 * in a fake guest RAM, disk and ISO images in temporary files.  Checks
 * the PCI identity and register reset values, IDENTIFY (PACKET) DEVICE
 * words, DMA and PIO reads and writes against the file, NCQ with PxSACT
 * and Set Device Bits FISes, FLUSH, TRIM, READ LOG EXT, SET FEATURES,
 * ATAPI's SCSI/MMC commands and sense data, COMRESET, software and HBA
 * resets, INTx and MSI, malformed commands (sectors past the end, PRDTs
 * out of RAM or too short, tables out of RAM) and the -s grammar.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/ahci.h"
/* Fake guest RAM: 2 MiB at gpa 0. */
#define RAM_SIZE	(2 * 1024 * 1024)
#include "dev_harness.h"

extern const struct pci_devemu pci_de_ahci, pci_de_ahci_hd, pci_de_ahci_cd;
const void *pull_ahci = &pci_de_ahci;

#define SLOT		4
#define CLB(p)		(0x1000 + 0x400 * (p))	/* command lists */
#define FB(p)		(0x3000 + 0x100 * (p))	/* FIS areas */
#define CT(s)		(0x10000 + 0x100 * (s))	/* command tables */
#define DATA		0x40000
#define DISK_SIZE	(256 * 1024)
#define ISO_BLOCKS	64
#define ISO_SIZE	(ISO_BLOCKS * 2048)

static char img[64], iso[64];
static uint8_t pattern[DISK_SIZE], isopat[ISO_SIZE];

/* ---- the guest side ---- */

static uint32_t
pr(int port, int reg)
{
	return (rd32(AHCI_PORT_BASE + AHCI_PORT_SIZE * port + reg));
}

static void
pw(int port, int reg, uint32_t v)
{
	wr32(AHCI_PORT_BASE + AHCI_PORT_SIZE * port + reg, v);
}

static void
start(const char *slotarg)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "%d,%s", SLOT, slotarg);
	assert_int_equal(parse(buf), 0);
	assert_int_equal(dev_bus_up(SLOT, 5), 0);
}

/* What Linux's ahci_port_start does: lists, FIS area, FRE, ST. */
static void
port_up(int port)
{
	pw(port, AHCI_P_CMD, 0);
	pw(port, AHCI_P_CLB, CLB(port));
	pw(port, AHCI_P_CLBU, 0);
	pw(port, AHCI_P_FB, FB(port));
	pw(port, AHCI_P_FBU, 0);
	pw(port, AHCI_P_SERR, 0xffffffff);
	pw(port, AHCI_P_IS, 0xffffffff);
	pw(port, AHCI_P_CMD, AHCI_P_CMD_FRE);
	pw(port, AHCI_P_CMD, AHCI_P_CMD_FRE | AHCI_P_CMD_ST);
	assert_int_equal(pr(port, AHCI_P_CMD) & (AHCI_P_CMD_CR |
	    AHCI_P_CMD_FR), AHCI_P_CMD_CR | AHCI_P_CMD_FR);
}

/* Restart a halted port, as libata's EH does. */
static void
port_restart(int port)
{
	pw(port, AHCI_P_CMD, AHCI_P_CMD_FRE);
	assert_int_equal(pr(port, AHCI_P_CI), 0);
	assert_int_equal(pr(port, AHCI_P_SACT), 0);
	assert_int_equal(pr(port, AHCI_P_CMD) & AHCI_P_CMD_CR, 0);
	pw(port, AHCI_P_IS, 0xffffffff);
	pw(port, AHCI_P_CMD, AHCI_P_CMD_FRE | AHCI_P_CMD_ST);
}

struct prd {
	uint64_t addr;
	uint32_t len;
};

/* Build slot's header and table: an H2D FIS and the PRDT. */
static void
build(int port, int slot, const uint8_t *fis, const uint8_t *acmd,
    const struct prd *prd, int nprd, uint32_t flags)
{
	uint64_t h = CLB(port) + 32 * slot, ct = CT(slot);

	memset(ram + h, 0, 32);
	put32(h, 5 | flags | (uint32_t)nprd << 16);
	put32(h + 4, 0xdeadbeef);		/* PRDBC: must be rewritten */
	put32(h + 8, ct);
	memset(ram + ct, 0, 0x80 + 16 * nprd);
	memcpy(ram + ct, fis, 20);
	if (acmd != NULL)
		memcpy(ram + ct + 0x40, acmd, 16);
	for (int i = 0; i < nprd; i++) {
		put32(ct + 0x80 + 16 * i, (uint32_t)prd[i].addr);
		put32(ct + 0x84 + 16 * i, (uint32_t)(prd[i].addr >> 32));
		put32(ct + 0x8c + 16 * i, prd[i].len - 1);
	}
}

/* Wait until (reg & mask) == 0 or the port reports an error. */
static bool
wait_clear(int port, int reg, uint32_t mask)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < 5000; i++) {
		if ((pr(port, reg) & mask) == 0)
			return (true);
		if (pr(port, AHCI_P_IS) & (AHCI_P_IX_TFE | AHCI_P_IX_HBF))
			return (false);
		nanosleep(&ts, NULL);
	}
	return (false);
}

/* Issue slot and wait; true: it completed without error. */
static bool
issue(int port, int slot)
{
	pw(port, AHCI_P_CI, 1u << slot);
	return (wait_clear(port, AHCI_P_CI, 1u << slot));
}

static void
fis_h2d(uint8_t *f, uint8_t cmd, uint64_t lba, uint32_t count,
    uint8_t feat)
{
	memset(f, 0, 20);
	f[0] = FIS_REG_H2D;
	f[1] = 0x80;
	f[2] = cmd;
	f[3] = feat;
	f[4] = lba;
	f[5] = lba >> 8;
	f[6] = lba >> 16;
	f[7] = 0x40;
	f[8] = lba >> 24;
	f[9] = lba >> 32;
	f[10] = lba >> 40;
	f[12] = count;
	f[13] = count >> 8;
}

/* A one-PRD ATA command on port 0, slot 0. */
static bool
ata(uint8_t cmd, uint64_t lba, uint32_t count, uint8_t feat,
    uint64_t buf, uint32_t len, uint32_t flags)
{
	uint8_t f[20];
	struct prd p = { buf, len };

	fis_h2d(f, cmd, lba, count, feat);
	build(0, 0, f, NULL, &p, len > 0, flags);
	return (issue(0, 0));
}

static uint16_t
idw(int i)
{
	uint16_t v;

	memcpy(&v, ram + DATA + 2 * i, 2);
	return (v);
}

/* ---- fixtures ---- */

static int
setup(void **state)
{
	dev_setup();
	for (int i = 0; i < DISK_SIZE; i++)
		pattern[i] = (uint8_t)(i * 13 + (i >> 9));
	for (int i = 0; i < ISO_SIZE; i++)
		isopat[i] = (uint8_t)(i * 7 + (i >> 11) + 1);
	snprintf(img, sizeof(img), "/tmp/lhyve-tahci-%d.img", getpid());
	snprintf(iso, sizeof(iso), "/tmp/lhyve-tahci-%d.iso", getpid());
	make_file(img, pattern, DISK_SIZE);
	make_file(iso, isopat, ISO_SIZE);
	return (0);
}

static int
teardown(void **state)
{
	free_config();
	unlink(img);
	unlink(iso);
	return (0);
}

static void
start_hd(const char *extra)
{
	char s[200];

	snprintf(s, sizeof(s), "ahci-hd,%s%s", img, extra);
	start(s);
	port_up(0);
}

/* ---- identity and reset values ---- */

static void
test_pci_identity(void **state)
{
	char s[200];
	struct pci_devinst *pi;

	snprintf(s, sizeof(s), "ahci,hd:%s,cd:%s", img, iso);
	start(s);
	pi = pci_get_devinst(0, SLOT, 0);
	assert_int_equal(cfgr(PCIR_VENDOR, 2), 0x8086);
	assert_int_equal(cfgr(PCIR_DEVICE, 2), 0x2821);
	assert_int_equal(cfgr(PCIR_CLASS, 1), 0x01);
	assert_int_equal(cfgr(PCIR_SUBCLASS, 1), 0x06);
	assert_int_equal(cfgr(PCIR_PROGIF, 1), 0x01);
	assert_int_equal(pi->pi_bar[5].type, PCIBAR_MEM32);
	assert_int_equal(pi->pi_bar[5].size, 512);
	assert_true(pci_emul_find_capability(pi, PCIY_MSI) > 0);
	/* CAP: S64A SNCQ SCLO ISS=3 SAM NCS=31 NP=1. */
	assert_int_equal(rd32(AHCI_CAP), 0xc1341f01);
	assert_int_equal(rd32(AHCI_GHC), 0x80000000);
	assert_int_equal(rd32(AHCI_PI), 0x3);
	assert_int_equal(rd32(AHCI_VS), 0x00010300);
	assert_int_equal(rd32(AHCI_IS), 0);
	/* Ports after power-on: the devices' signatures. */
	assert_int_equal(pr(0, AHCI_P_SIG), 0x00000101);
	assert_int_equal(pr(0, AHCI_P_SSTS), 0x133);
	assert_int_equal(pr(0, AHCI_P_TFD), 0x150);
	assert_int_equal(pr(0, AHCI_P_CMD), AHCI_P_CMD_SUD | AHCI_P_CMD_POD);
	assert_int_equal(pr(1, AHCI_P_SIG), 0xeb140101);
	assert_int_equal(pr(1, AHCI_P_TFD), 0x100);
	assert_int_equal(pr(1, AHCI_P_CMD), AHCI_P_CMD_SUD | AHCI_P_CMD_POD |
	    AHCI_P_CMD_ATAPI);
	/* GHC: AE stays, IE is writable, CAP and PI are read-only. */
	wr32(AHCI_GHC, AHCI_GHC_IE);
	assert_int_equal(rd32(AHCI_GHC), 0x80000002);
	wr32(AHCI_CAP, 0);
	wr32(AHCI_PI, 0);
	assert_int_equal(rd32(AHCI_CAP), 0xc1341f01);
	assert_int_equal(rd32(AHCI_PI), 0x3);
	/* Alignment masks of CLB and FB, narrow accesses. */
	pw(0, AHCI_P_CLB, 0x12345fff);
	assert_int_equal(pr(0, AHCI_P_CLB), 0x12345c00);
	pw(0, AHCI_P_FB, 0x12345fff);
	assert_int_equal(pr(0, AHCI_P_FB), 0x12345f00);
	assert_int_equal(mmio(1, bar + AHCI_PORT_BASE + AHCI_P_SIG + 2, 2,
	    0, NULL), 0);
	assert_int_equal(mmio(1, bar + AHCI_VS + 1, 1, 0, NULL), 0x03);
}

static void
test_identify(void **state)
{
	uint16_t sum = 0;
	uint8_t *fis;

	start_hd(",ser=SER123,model=TESTDISK,rev=R1,nmrr=1");
	assert_true(ata(0xec, 0, 0, 0, DATA, 512, 0));
	/* PRDBC, the PIO setup FIS's E_Status, the D2H FIS. */
	assert_int_equal(get32(CLB(0) + 4), 512);
	fis = ram + FB(0);
	assert_int_equal(fis[0x20], FIS_PIO_SETUP);
	assert_int_equal(fis[0x20 + 15], 0x40);
	assert_int_equal(fis[0x40], FIS_REG_D2H);
	assert_int_equal(fis[0x42], 0x40);
	assert_int_equal(pr(0, AHCI_P_TFD), 0x40);
	assert_int_equal(pr(0, AHCI_P_IS), AHCI_P_IX_DHR | AHCI_P_IX_PS);
	assert_int_equal(idw(0), 0x0040);
	/* "SER123" in ATA string order: bytes swapped in each word. */
	assert_int_equal(idw(10), ('S' << 8) | 'E');
	assert_int_equal(idw(11), ('R' << 8) | '1');
	assert_int_equal(idw(12), ('2' << 8) | '3');
	assert_int_equal(idw(13), 0x2020);
	assert_int_equal(idw(19), 0x2020);
	assert_int_equal(idw(23), ('R' << 8) | '1');
	assert_int_equal(idw(27), ('T' << 8) | 'E');
	assert_int_equal(idw(47), 0x8080);
	assert_int_equal(idw(49), 0x0b00);
	assert_int_equal(idw(60), DISK_SIZE / 512);
	assert_int_equal(idw(61), 0);
	assert_int_equal(idw(69), 0x4020);
	assert_int_equal(idw(75), 31);
	assert_int_equal(idw(76), 0x010e);
	assert_int_equal(idw(80), 0x01f0);
	assert_int_equal(idw(82), 0x4068);
	assert_int_equal(idw(83), 0x7400);
	assert_int_equal(idw(84), 0x4020);
	assert_int_equal(idw(85), 0x4068);
	assert_int_equal(idw(86), 0x3400);
	assert_int_equal(idw(87), 0x4020);
	assert_int_equal(idw(88), 0x407f);	/* UDMA6 selected */
	assert_int_equal(idw(100), DISK_SIZE / 512);
	assert_int_equal(idw(101) | idw(102) | idw(103), 0);
	assert_int_equal(idw(105), 8);
	assert_int_equal(idw(106), 0x4000);
	assert_int_equal(idw(169), 1);
	assert_int_equal(idw(217), 1);
	/* Word 255: A5h and a checksum making all bytes sum to 0. */
	assert_int_equal(idw(255) & 0xff, 0xa5);
	for (int i = 0; i < 512; i++)
		sum += ram[DATA + i];
	assert_int_equal(sum & 0xff, 0);

	/* SET FEATURES: write cache off, UDMA2; IDENTIFY shows both. */
	assert_true(ata(0xef, 0, 0, 0x82, 0, 0, 0));
	assert_true(ata(0xef, 0, 0x42, 0x03, 0, 0, 0));
	assert_true(ata(0xec, 0, 0, 0, DATA, 512, 0));
	assert_int_equal(idw(85), 0x4048);
	assert_int_equal(idw(88), 0x047f);
	/* A bad transfer mode and an unknown subcommand abort. */
	assert_false(ata(0xef, 0, 0x47, 0x03, 0, 0, 0));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x0441);
	port_restart(0);
	assert_false(ata(0xef, 0, 0, 0x05, 0, 0, 0));
	port_restart(0);
	/* IDENTIFY PACKET DEVICE on a disk aborts; a short PRDT aborts. */
	assert_false(ata(0xa1, 0, 0, 0, DATA, 512, 0));
	port_restart(0);
	assert_false(ata(0xec, 0, 0, 0, DATA, 256, 0));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x0441);
}

static void
test_sector_sizes(void **state)
{
	start_hd(",sectorsize=4096,nodelete");
	assert_true(ata(0xec, 0, 0, 0, DATA, 512, 0));
	assert_int_equal(idw(100), DISK_SIZE / 4096);
	assert_int_equal(idw(106), 0x5000);	/* logical > 512 words */
	assert_int_equal(idw(117), 2048);
	assert_int_equal(idw(118), 0);
	/* nodelete: no TRIM, no deterministic read after it. */
	assert_int_equal(idw(169), 0);
	assert_int_equal(idw(105), 0);
	assert_int_equal(idw(69), 0);
	/* Sector 3 of 4096 bytes. */
	assert_true(ata(0x25, 3, 1, 0, DATA, 4096, 0));
	assert_memory_equal(ram + DATA, pattern + 3 * 4096, 4096);
	assert_false(ata(0x25, DISK_SIZE / 4096, 1, 0, DATA, 4096, 0));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x1041);
}

/* ---- data ---- */

static void
test_rw_dma(void **state)
{
	uint8_t f[20], buf[2048];
	/* Odd pieces: 100 + 924 + 1024 bytes, scattered. */
	struct prd p[3] = { { DATA + 0x8000, 100 }, { DATA, 924 },
	    { DATA + 0x10000, 1024 } };

	start_hd("");
	for (int i = 0; i < 2048; i++)
		ram[(i < 100 ? DATA + 0x8000 + i : i < 1024 ? DATA + i - 100 :
		    DATA + 0x10000 + i - 1024)] = (uint8_t)(0xa0 ^ i);
	fis_h2d(f, 0x35, 7, 4, 0);		/* WRITE DMA EXT */
	build(0, 3, f, NULL, p, 3, AHCI_CH_W);
	assert_true(issue(0, 3));
	assert_int_equal(get32(CLB(0) + 3 * 32 + 4), 2048);
	read_file(img, buf, 7 * 512, 2048);
	for (int i = 0; i < 2048; i++)
		assert_int_equal(buf[i], (uint8_t)(0xa0 ^ i));
	read_file(img, buf, 6 * 512, 512);
	assert_memory_equal(buf, pattern + 6 * 512, 512);
	read_file(img, buf, 11 * 512, 512);
	assert_memory_equal(buf, pattern + 11 * 512, 512);
	assert_int_equal(pr(0, AHCI_P_TFD), 0x40);
	assert_true(pr(0, AHCI_P_IS) & AHCI_P_IX_DHR);

	/* READ DMA (28-bit) of the neighbours back through one PRD. */
	assert_true(ata(0xc8, 6, 6, 0, DATA + 0x20000, 3072, 0));
	assert_memory_equal(ram + DATA + 0x20000, pattern + 6 * 512, 512);
	assert_int_equal(ram[DATA + 0x20000 + 512], 0xa0);
	assert_memory_equal(ram + DATA + 0x20000 + 2560, pattern + 11 * 512,
	    512);
	/* PIO forms go through the same PRDT, PIO setup FIS on reads. */
	pw(0, AHCI_P_IS, 0xffffffff);
	assert_true(ata(0x24, 100, 2, 0, DATA, 1024, 0));
	assert_memory_equal(ram + DATA, pattern + 100 * 512, 1024);
	assert_int_equal(pr(0, AHCI_P_IS), AHCI_P_IX_DHR | AHCI_P_IX_PS);
	memset(ram + DATA, 0x77, 512);
	assert_true(ata(0x30, 200, 1, 0, DATA, 512, AHCI_CH_W));
	read_file(img, buf, 200 * 512, 512);
	for (int i = 0; i < 512; i++)
		assert_int_equal(buf[i], 0x77);
	/* The last sector; a count of 0 in 28-bit means 256 sectors. */
	assert_true(ata(0x25, DISK_SIZE / 512 - 1, 1, 0, DATA, 512, 0));
	assert_memory_equal(ram + DATA, pattern + DISK_SIZE - 512, 512);
	assert_true(ata(0xc8, 0, 0, 0, DATA, 256 * 512, 0));
	assert_int_equal(get32(CLB(0) + 4), 256 * 512);
	/* FLUSH CACHE EXT, CHECK POWER MODE (count FFh), READ VERIFY. */
	assert_true(ata(0xea, 0, 0, 0, 0, 0, 0));
	assert_true(ata(0xe7, 0, 0, 0, 0, 0, 0));
	assert_true(ata(0xe5, 0, 0, 0, 0, 0, 0));
	assert_int_equal(ram[FB(0) + 0x40 + 12], 0xff);
	assert_true(ata(0x42, 10, 5, 0, 0, 0, 0));
	assert_true(ata(0xe0, 0, 0, 0, 0, 0, 0));
	/* READ NATIVE MAX ADDRESS EXT: the last LBA. */
	assert_true(ata(0x27, 0, 0, 0, 0, 0, 0));
	assert_int_equal(ram[FB(0) + 0x44] | ram[FB(0) + 0x45] << 8,
	    DISK_SIZE / 512 - 1);
	/* Write cache off: a write and its flush, then the completion. */
	assert_true(ata(0xef, 0, 0, 0x82, 0, 0, 0));
	memset(ram + DATA, 0x5e, 1024);
	assert_true(ata(0x35, 300, 2, 0, DATA, 1024, AHCI_CH_W));
	assert_int_equal(get32(CLB(0) + 4), 1024);
	read_file(img, buf, 300 * 512, 1024);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(buf[i], 0x5e);
}

static void
test_many_prds(void **state)
{
	static struct prd p[300];
	uint8_t f[20], buf[300 * 512];

	/* 300 PRDs that cannot merge: more than one block_if request. */
	start_hd("");
	for (int i = 0; i < 300; i++) {
		p[i].addr = DATA + (uint64_t)i * 1024;
		p[i].len = 512;
		memset(ram + p[i].addr, (uint8_t)i, 512);
	}
	fis_h2d(f, 0x35, 0, 300, 0);
	build(0, 1, f, NULL, p, 300, AHCI_CH_W);
	assert_true(issue(0, 1));
	assert_int_equal(get32(CLB(0) + 32 + 4), 300 * 512);
	read_file(img, buf, 0, sizeof(buf));
	for (int i = 0; i < 300; i++)
		assert_int_equal(buf[i * 512 + 17], (uint8_t)i);
	memset(ram + DATA, 0, 300 * 1024);
	fis_h2d(f, 0x25, 0, 300, 0);
	build(0, 1, f, NULL, p, 300, 0);
	assert_true(issue(0, 1));
	for (int i = 0; i < 300; i++)
		assert_int_equal(ram[DATA + i * 1024 + 511], (uint8_t)i);
}

static void
test_ncq(void **state)
{
	uint8_t f[20], *sdb, s;
	struct prd p;
	uint32_t tags = 0;

	start_hd("");
	pw(0, AHCI_P_IE, 0xffffffff);
	/* Eight queued reads, tags = slots, issued together. */
	for (int t = 0; t < 8; t++) {
		fis_h2d(f, 0x60, 10 + 3 * t, 0, 0);
		f[3] = 3;			/* count in FEATURES */
		f[12] = (uint8_t)(t << 3);	/* tag in COUNT 7:3 */
		p.addr = DATA + 0x2000 * t;
		p.len = 3 * 512;
		build(0, t, f, NULL, &p, 1, 0);
		tags |= 1u << t;
	}
	pw(0, AHCI_P_SACT, tags);
	assert_int_equal(pr(0, AHCI_P_SACT), tags);
	pw(0, AHCI_P_CI, tags);
	assert_true(wait_clear(0, AHCI_P_SACT, tags));
	assert_int_equal(pr(0, AHCI_P_CI), 0);
	for (int t = 0; t < 8; t++)
		assert_memory_equal(ram + DATA + 0x2000 * t,
		    pattern + (10 + 3 * t) * 512, 3 * 512);
	assert_true(pr(0, AHCI_P_IS) & AHCI_P_IX_SDB);
	sdb = ram + FB(0) + 0x58;
	assert_int_equal(sdb[0], FIS_SDB);
	assert_int_equal(sdb[1], 0x40);
	assert_int_equal(sdb[2], 0x40);

	/* A queued FUA write, then a failing queued read past the end. */
	memset(ram + DATA, 0x3c, 512);
	fis_h2d(f, 0x61, 40, 0, 0);
	f[7] = 0xc0;			/* FUA */
	f[3] = 1;
	f[12] = 5 << 3;
	p.addr = DATA;
	p.len = 512;
	build(0, 5, f, NULL, &p, 1, AHCI_CH_W);
	pw(0, AHCI_P_SACT, 1u << 5);
	pw(0, AHCI_P_CI, 1u << 5);
	assert_true(wait_clear(0, AHCI_P_SACT, 1u << 5));
	read_file(img, &s, 40 * 512, 1);
	assert_int_equal(s, 0x3c);

	pw(0, AHCI_P_IS, 0xffffffff);
	fis_h2d(f, 0x60, DISK_SIZE / 512, 0, 0);
	f[3] = 1;
	f[12] = 9 << 3;
	build(0, 9, f, NULL, &p, 1, 0);
	pw(0, AHCI_P_SACT, 1u << 9);
	pw(0, AHCI_P_CI, 1u << 9);
	assert_false(wait_clear(0, AHCI_P_SACT, 1u << 9));
	/* Accepted (CI clear), failed by SDB: SACT stays, TFES. */
	assert_int_equal(pr(0, AHCI_P_CI), 0);
	assert_int_equal(pr(0, AHCI_P_SACT), 1u << 9);
	assert_int_equal(pr(0, AHCI_P_TFD), 0x1041);
	assert_int_equal(pr(0, AHCI_P_IS) & (AHCI_P_IX_TFE | AHCI_P_IX_SDB),
	    AHCI_P_IX_TFE | AHCI_P_IX_SDB);
	assert_int_equal(sdb[2], 0x41);
	assert_int_equal(sdb[3], ATA_E_IDNF);
	assert_int_equal(get32(FB(0) + 0x58 + 4), 0);
	/* EH: restart, then READ LOG EXT 10h names tag 9. */
	port_restart(0);
	memset(ram + DATA, 0xff, 512);
	assert_true(ata(0x2f, 0x10, 1, 0, DATA, 512, 0));
	assert_int_equal(ram[DATA], 9);
	assert_int_equal(ram[DATA + 2], 0x41);
	assert_int_equal(ram[DATA + 3], ATA_E_IDNF);
	assert_int_equal(ram[DATA + 4] | ram[DATA + 5] << 8,
	    DISK_SIZE / 512);
	s = 0;
	for (int i = 0; i < 512; i++)
		s += ram[DATA + i];
	assert_int_equal(s, 0);
	/* Read again: no queued error (NQ). */
	assert_true(ata(0x2f, 0x10, 1, 0, DATA, 512, 0));
	assert_int_equal(ram[DATA], 0x80);
	/* Log directory: GPL version 1, log 10h one page. */
	assert_true(ata(0x47, 0x00, 1, 0, DATA, 512, 0));
	assert_int_equal(ram[DATA], 1);
	assert_int_equal(ram[DATA + 0x20], 1);
	assert_int_equal(ram[DATA + 0x60], 0);
	/* An unknown log and a second page abort. */
	assert_false(ata(0x2f, 0x30, 1, 0, DATA, 512, 0));
	port_restart(0);
	assert_false(ata(0x2f, 0x10, 2, 0, DATA, 1024, 0));
}

static void
test_trim(void **state)
{
	uint8_t buf[4096], zero[4096];
	uint64_t e[3];

	start_hd("");
	memset(zero, 0, sizeof(zero));
	memset(ram + DATA, 0, 512);
	/* Ranges: 8 sectors at 16, 8 at 64, an empty entry. */
	e[0] = htole64(16 | 8ULL << 48);
	e[1] = 0;
	e[2] = htole64(64 | 8ULL << 48);
	memcpy(ram + DATA, e, sizeof(e));
	assert_true(ata(0x06, 0, 1, 0x01, DATA, 512, AHCI_CH_W));
	read_file(img, buf, 16 * 512, 4096);
	assert_memory_equal(buf, zero, 4096);
	read_file(img, buf, 64 * 512, 4096);
	assert_memory_equal(buf, zero, 4096);
	read_file(img, buf, 24 * 512, 512);
	assert_memory_equal(buf, pattern + 24 * 512, 512);
	/* Past the end: IDNF; no TRIM bit, too many blocks: ABRT. */
	e[0] = htole64((DISK_SIZE / 512 - 4) | 8ULL << 48);
	memcpy(ram + DATA, e, 8);
	assert_false(ata(0x06, 0, 1, 0x01, DATA, 512, AHCI_CH_W));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x1041);
	port_restart(0);
	assert_false(ata(0x06, 0, 1, 0x00, DATA, 512, AHCI_CH_W));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x0441);
	port_restart(0);
	assert_false(ata(0x06, 0, 9, 0x01, DATA, 9 * 512, AHCI_CH_W));
}

static void
test_trim_nodelete_ro(void **state)
{
	start_hd(",ro");
	memset(ram + DATA, 0, 512);
	ram[DATA] = 1;
	ram[DATA + 6] = 1;
	assert_false(ata(0x06, 0, 1, 0x01, DATA, 512, AHCI_CH_W));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x0441);
	port_restart(0);
	/* A read-only disk refuses writes, queued or not. */
	assert_false(ata(0x35, 0, 1, 0, DATA, 512, AHCI_CH_W));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x0441);
	port_restart(0);
	assert_true(ata(0x25, 0, 1, 0, DATA, 512, 0));
	assert_memory_equal(ram + DATA, pattern, 512);
}

/* ---- malformed commands ---- */

static void
test_bad_commands(void **state)
{
	uint8_t f[20];
	struct prd p;

	start_hd("");
	/* Sectors past the end: IDNF, the slot stays in CI, CCS names it. */
	assert_false(ata(0x25, DISK_SIZE / 512, 1, 0, DATA, 512, 0));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x1041);
	assert_int_equal(pr(0, AHCI_P_CI), 1);
	assert_int_equal((pr(0, AHCI_P_CMD) >> 8) & 0x1f, 0);
	assert_true(pr(0, AHCI_P_IS) & AHCI_P_IX_TFE);
	/* Halted: a new slot is not run until ST goes 1 -> 0 -> 1. */
	fis_h2d(f, 0xec, 0, 0, 0);
	p.addr = DATA;
	p.len = 512;
	build(0, 2, f, NULL, &p, 1, 0);
	pw(0, AHCI_P_CI, 1u << 2);
	assert_int_equal(pr(0, AHCI_P_CI), 0x5);
	port_restart(0);
	assert_true(issue(0, 2));
	/* LBA + count wrapping, an LBA far away. */
	assert_false(ata(0x25, (1ULL << 48) - 1, 2, 0, DATA, 1024, 0));
	port_restart(0);
	assert_false(ata(0x35, DISK_SIZE / 512 - 1, 2, 0, DATA, 1024,
	    AHCI_CH_W));
	port_restart(0);
	/* A PRD outside guest RAM, one that wraps, one too short: ABRT. */
	assert_false(ata(0x25, 0, 1, 0, RAM_SIZE - 256, 512, 0));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x0441);
	port_restart(0);
	assert_false(ata(0x25, 0, 1, 0, 0xfffffffffffffe00ULL, 512, 0));
	port_restart(0);
	assert_false(ata(0x25, 0, 2, 0, DATA, 1000, 0));
	port_restart(0);
	/* No PRD at all for a read. */
	assert_false(ata(0x25, 0, 1, 0, 0, 0, 0));
	port_restart(0);
	/* Nothing reached the file or RAM around it. */
	assert_int_equal(ram[RAM_SIZE - 1], 0);
	/* A FIS that is not H2D, a CFL below 5, an unknown command. */
	fis_h2d(f, 0x25, 0, 1, 0);
	f[0] = 0x34;
	build(0, 0, f, NULL, &p, 1, 0);
	assert_false(issue(0, 0));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x0441);
	port_restart(0);
	f[0] = FIS_REG_H2D;
	build(0, 0, f, NULL, &p, 1, 0);
	put32(CLB(0), 2 | 1u << 16);
	assert_false(issue(0, 0));
	port_restart(0);
	assert_false(ata(0xb0, 0, 0, 0, 0, 0, 0));	/* SMART */
	port_restart(0);
	assert_false(ata(0x00, 0, 0, 0, 0, 0, 0));	/* NOP aborts */
	port_restart(0);
	/* A command table outside RAM: host bus fatal error. */
	build(0, 0, f, NULL, &p, 1, 0);
	put32(CLB(0) + 8, RAM_SIZE);
	pw(0, AHCI_P_CI, 1);
	assert_true(pr(0, AHCI_P_IS) & AHCI_P_IX_HBF);
	assert_int_equal(pr(0, AHCI_P_TFD) & ATA_S_ERR, ATA_S_ERR);
	port_restart(0);
	/* A command list outside RAM. */
	pw(0, AHCI_P_CMD, AHCI_P_CMD_FRE);
	pw(0, AHCI_P_CLB, RAM_SIZE);
	pw(0, AHCI_P_CMD, AHCI_P_CMD_FRE | AHCI_P_CMD_ST);
	pw(0, AHCI_P_CI, 1);
	assert_true(pr(0, AHCI_P_IS) & AHCI_P_IX_HBF);
	/* FIS area outside RAM: FISes are dropped, state still updates. */
	pw(0, AHCI_P_CMD, 0);
	pw(0, AHCI_P_CLB, CLB(0));
	pw(0, AHCI_P_FB, RAM_SIZE - 64);
	pw(0, AHCI_P_IS, 0xffffffff);
	pw(0, AHCI_P_CMD, AHCI_P_CMD_FRE | AHCI_P_CMD_ST);
	assert_true(ata(0xec, 0, 0, 0, DATA, 512, 0));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x40);
	/* CI and SACT are ignored while the port is stopped. */
	pw(0, AHCI_P_CMD, 0);
	pw(0, AHCI_P_CI, 1);
	pw(0, AHCI_P_SACT, 1);
	assert_int_equal(pr(0, AHCI_P_CI), 0);
	assert_int_equal(pr(0, AHCI_P_SACT), 0);
}

/* ---- ATAPI ---- */

static bool
packet(const uint8_t *cdb, uint64_t buf, uint32_t len, bool dma)
{
	uint8_t f[20], acmd[16];
	struct prd p = { buf, len };

	memset(acmd, 0, sizeof(acmd));
	memcpy(acmd, cdb, 12);
	fis_h2d(f, 0xa0, 0, 0, dma ? 1 : 0);
	build(0, 0, f, acmd, &p, len > 0, AHCI_CH_A);
	return (issue(0, 0));
}

/* The sense after a failed packet: key << 16 | asc << 8 | ascq. */
static uint32_t
sense(void)
{
	uint8_t cdb[12] = { 0x03, 0, 0, 0, 18 };

	port_restart(0);
	memset(ram + DATA + 0x1000, 0, 18);
	assert_true(packet(cdb, DATA + 0x1000, 18, false));
	assert_int_equal(ram[DATA + 0x1000], 0x70);
	return ((uint32_t)ram[DATA + 0x1000 + 2] << 16 |
	    (uint32_t)ram[DATA + 0x1000 + 12] << 8 | ram[DATA + 0x1000 + 13]);
}

static void
test_atapi(void **state)
{
	char s[200];
	uint8_t cdb[12], *d = ram + DATA;

	snprintf(s, sizeof(s), "ahci-cd,%s", iso);
	start(s);
	port_up(0);
	/* IDENTIFY DEVICE aborts with the packet signature. */
	assert_false(ata(0xec, 0, 0, 0, DATA, 512, 0));
	assert_int_equal(ram[FB(0) + 0x40 + 5], 0x14);
	assert_int_equal(ram[FB(0) + 0x40 + 6], 0xeb);
	port_restart(0);
	assert_true(ata(0xa1, 0, 0, 0, DATA, 512, 0));
	assert_int_equal(idw(0), 0x85c0);
	assert_int_equal(idw(49), 0x0b00);
	assert_int_equal(idw(82), 0x4210);
	assert_int_equal(idw(27), ('L' << 8) | 'H');
	assert_true(ata(0xef, 0, 0x45, 0x03, 0, 0, 0));
	assert_true(ata(0x08, 0, 0, 0, 0, 0, 0));	/* DEVICE RESET */
	assert_int_equal(pr(0, AHCI_P_TFD), 0x100);

	/* TEST UNIT READY, INQUIRY. */
	memset(cdb, 0, sizeof(cdb));
	assert_true(packet(cdb, 0, 0, false));
	cdb[0] = 0x12;
	cdb[4] = 96;
	assert_true(packet(cdb, DATA, 96, false));
	assert_int_equal(get32(CLB(0) + 4), 36);
	assert_int_equal(d[0], 0x05);
	assert_int_equal(d[1], 0x80);
	assert_memory_equal(d + 8, "LHYVE   SATA DVD ROM    001 ", 28);
	cdb[1] = 1;			/* VPD 80h: the serial */
	cdb[2] = 0x80;
	assert_true(packet(cdb, DATA, 96, true));
	assert_int_equal(d[1], 0x80);
	assert_int_equal(d[3], 15);
	assert_memory_equal(d + 4, "LHYVE-", 6);
	cdb[2] = 0x83;
	assert_false(packet(cdb, DATA, 96, true));
	assert_int_equal(pr(0, AHCI_P_TFD), 0x5441);
	assert_int_equal(sense(), 0x052400);
	/* The sense is gone after REQUEST SENSE. */
	assert_int_equal(sense(), 0);

	/* READ CAPACITY: last block, 2048. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x25;
	assert_true(packet(cdb, DATA, 8, true));
	assert_int_equal(d[3], ISO_BLOCKS - 1);
	assert_int_equal(d[6], 0x08);
	/* READ(10) of blocks 5-7 by DMA, READ(12) of the last by PIO. */
	cdb[0] = 0x28;
	cdb[5] = 5;
	cdb[8] = 3;
	assert_true(packet(cdb, DATA, 3 * 2048, true));
	assert_memory_equal(d, isopat + 5 * 2048, 3 * 2048);
	assert_int_equal(get32(CLB(0) + 4), 3 * 2048);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0xa8;
	cdb[5] = ISO_BLOCKS - 1;
	cdb[9] = 1;
	pw(0, AHCI_P_IS, 0xffffffff);
	assert_true(packet(cdb, DATA, 2048, false));
	assert_memory_equal(d, isopat + (ISO_BLOCKS - 1) * 2048, 2048);
	assert_int_equal(pr(0, AHCI_P_IS), AHCI_P_IX_DHR | AHCI_P_IX_PS);
	/* Past the end: LBA OUT OF RANGE. */
	cdb[5] = ISO_BLOCKS - 1;
	cdb[9] = 2;
	assert_false(packet(cdb, DATA, 4096, true));
	assert_int_equal(sense(), 0x052100);
	/* Too little PRDT for the blocks: ABORTED COMMAND. */
	cdb[9] = 1;
	assert_false(packet(cdb, DATA, 1024, true));
	assert_int_equal(sense(), 0x0b0000);
	/* PRDT outside RAM. */
	assert_false(packet(cdb, RAM_SIZE - 1024, 2048, true));
	port_restart(0);
	/* Writes: DATA PROTECT; an unknown opcode: INVALID COMMAND. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x2a;
	cdb[8] = 1;
	assert_false(packet(cdb, DATA, 2048, true));
	assert_int_equal(sense(), 0x072700);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0xee;
	assert_false(packet(cdb, DATA, 2048, true));
	assert_int_equal(sense(), 0x052000);

	/* READ TOC, format 0, LBA: track 1 at 0, lead-out at 64. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x43;
	cdb[8] = 100;
	assert_true(packet(cdb, DATA, 100, true));
	assert_int_equal(d[0] << 8 | d[1], 18);
	assert_int_equal(d[2], 1);
	assert_int_equal(d[3], 1);
	assert_int_equal(d[5], 0x14);
	assert_int_equal(d[6], 1);
	assert_int_equal(d[14], 0xaa);
	assert_int_equal(d[19], ISO_BLOCKS);
	/* MSF: track 1 at 00:02:00, lead-out 64 + 150 = 00:02:64. */
	cdb[1] = 0x02;
	assert_true(packet(cdb, DATA, 100, true));
	assert_int_equal(d[9] << 16 | d[10] << 8 | d[11], 0x000200);
	assert_int_equal(d[17] << 16 | d[18] << 8 | d[19], 0x000240);
	/* Format 1: sessions. */
	cdb[1] = 0;
	cdb[2] = 1;
	assert_true(packet(cdb, DATA, 100, true));
	assert_int_equal(d[1], 10);
	assert_int_equal(d[6], 1);
	/* A truncated allocation length. */
	cdb[2] = 0;
	cdb[8] = 4;
	assert_true(packet(cdb, DATA, 100, true));
	assert_int_equal(get32(CLB(0) + 4), 4);

	/* GET CONFIGURATION: current profile CD-ROM, core feature. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x46;
	cdb[8] = 200;
	assert_true(packet(cdb, DATA, 200, true));
	assert_int_equal(d[6] << 8 | d[7], 0x0008);
	assert_int_equal(d[8] << 8 | d[9], 0x0000);	/* profile list */
	assert_int_equal(d[12] << 8 | d[13], 0x0010);	/* DVD-ROM */
	assert_int_equal(d[14], 0);
	assert_int_equal(d[16] << 8 | d[17], 0x0008);	/* CD-ROM */
	assert_int_equal(d[18], 1);			/* current */
	assert_int_equal(d[20] << 8 | d[21], 0x0001);	/* core */
	/* RT=2, feature 1Eh only. */
	cdb[1] = 2;
	cdb[3] = 0x1e;
	assert_true(packet(cdb, DATA, 200, true));
	assert_int_equal(d[3], 12);
	assert_int_equal(d[8] << 8 | d[9], 0x001e);
	assert_int_equal(d[10] & 1, 1);

	/* GET EVENT STATUS NOTIFICATION: polled only, media present. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x4a;
	cdb[1] = 1;
	cdb[4] = 0x10;
	cdb[8] = 8;
	assert_true(packet(cdb, DATA, 8, true));
	assert_int_equal(d[1], 6);
	assert_int_equal(d[2], 0x04);
	assert_int_equal(d[5], 0x02);
	cdb[1] = 0;
	assert_false(packet(cdb, DATA, 8, true));
	assert_int_equal(sense(), 0x052400);

	/* MODE SENSE(10) page 2Ah; saved values are not supported. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x5a;
	cdb[2] = 0x2a;
	cdb[8] = 64;
	assert_true(packet(cdb, DATA, 64, true));
	assert_int_equal(d[0] << 8 | d[1], 8 + 22 - 2);
	assert_int_equal(d[8], 0x2a);
	assert_int_equal(d[9], 0x14);
	assert_int_equal(d[14], 0x29);
	cdb[2] = 0xea;
	assert_false(packet(cdb, DATA, 64, true));
	assert_int_equal(sense(), 0x053900);
	/* START STOP, PREVENT ALLOW, READ DISC INFORMATION. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x1b;
	assert_true(packet(cdb, 0, 0, false));
	cdb[0] = 0x1e;
	assert_true(packet(cdb, 0, 0, false));
	cdb[0] = 0x51;
	cdb[8] = 34;
	assert_true(packet(cdb, DATA, 34, true));
	assert_int_equal(d[2], 0x0e);
	/* The ISO file was never written. */
	uint8_t buf[2048];
	read_file(iso, buf, 0, sizeof(buf));
	assert_memory_equal(buf, isopat, sizeof(buf));
}

/* ---- resets and interrupts ---- */

static void
test_resets(void **state)
{
	uint8_t f[20];
	uint8_t *rfis;

	start_hd("");
	rfis = ram + FB(0) + 0x40;
	/* COMRESET: DET=1 takes the link down and the device busy. */
	pw(0, AHCI_P_SCTL, 0x301);
	assert_int_equal(pr(0, AHCI_P_SSTS), 0);
	assert_int_equal(pr(0, AHCI_P_TFD) & ATA_S_BSY, ATA_S_BSY);
	memset(rfis, 0, 20);
	pw(0, AHCI_P_SCTL, 0x300);
	assert_int_equal(pr(0, AHCI_P_SSTS), 0x133);
	assert_int_equal(pr(0, AHCI_P_TFD), 0x150);
	assert_int_equal(pr(0, AHCI_P_SIG), 0x101);
	/* The signature FIS landed in the receive area (FRE is on). */
	assert_int_equal(rfis[0], FIS_REG_D2H);
	assert_int_equal(rfis[2], 0x50);
	assert_int_equal(rfis[3], 0x01);
	assert_int_equal(rfis[4], 0x01);
	assert_int_equal(rfis[12], 0x01);
	/* SPD limited to Gen1 in SControl. */
	pw(0, AHCI_P_SCTL, 0x311);
	pw(0, AHCI_P_SCTL, 0x310);
	assert_int_equal(pr(0, AHCI_P_SSTS), 0x113);
	/* Software reset: SRST then clear, by two control FISes. */
	port_restart(0);
	memset(f, 0, sizeof(f));
	f[0] = FIS_REG_H2D;
	f[15] = 0x04;
	build(0, 0, f, NULL, NULL, 0, AHCI_CH_R | AHCI_CH_C);
	assert_true(issue(0, 0));
	f[15] = 0;
	memset(rfis, 0, 20);
	build(0, 1, f, NULL, NULL, 0, 0);
	assert_true(issue(0, 1));
	assert_int_equal(rfis[0], FIS_REG_D2H);
	assert_int_equal(pr(0, AHCI_P_TFD), 0x150);
	/* CLO clears BSY and DRQ. */
	pw(0, AHCI_P_SCTL, 0x301);
	pw(0, AHCI_P_CMD, AHCI_P_CMD_CLO);
	assert_int_equal(pr(0, AHCI_P_TFD) & (ATA_S_BSY | ATA_S_DRQ), 0);
	assert_int_equal(pr(0, AHCI_P_CMD) & AHCI_P_CMD_CLO, 0);
	pw(0, AHCI_P_SCTL, 0x300);
	/* HBA reset: registers back to defaults, HR reads 0. */
	port_up(0);
	pw(0, AHCI_P_IE, 0x1);
	wr32(AHCI_GHC, AHCI_GHC_IE);
	wr32(AHCI_GHC, AHCI_GHC_HR);
	assert_int_equal(rd32(AHCI_GHC), 0x80000000);
	assert_int_equal(pr(0, AHCI_P_IE), 0);
	assert_int_equal(pr(0, AHCI_P_CMD), AHCI_P_CMD_SUD | AHCI_P_CMD_POD);
	assert_int_equal(pr(0, AHCI_P_SSTS), 0x133);
	assert_int_equal(pr(0, AHCI_P_SIG), 0x101);
	/* Then the port works again. */
	port_up(0);
	assert_true(ata(0x25, 1, 1, 0, DATA, 512, 0));
	assert_memory_equal(ram + DATA, pattern + 512, 512);
}

static void
test_intx(void **state)
{
	struct pci_devinst *pi;
	int irq;

	start_hd("");
	pi = pci_get_devinst(0, SLOT, 0);
	irq = pi->pi_lintr.irq.ioapic_irq;
	fake_reset();
	/* No GHC.IE: events are recorded, no interrupt. */
	pw(0, AHCI_P_IE, AHCI_P_IX_DHR);
	assert_true(ata(0xea, 0, 0, 0, 0, 0, 0));
	assert_int_equal(pr(0, AHCI_P_IS), AHCI_P_IX_DHR);
	assert_int_equal(rd32(AHCI_IS), 1);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, irq), 0);
	wr32(AHCI_GHC, AHCI_GHC_IE);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, irq), 1);
	/* The level holds until PxIS is cleared. */
	wr32(AHCI_IS, 1);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, irq), 0);
	pw(0, AHCI_P_IS, AHCI_P_IX_DHR);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, irq), 1);
	assert_int_equal(rd32(AHCI_IS), 0);
	/* A masked event does not interrupt; unmasking it does. */
	pw(0, AHCI_P_IE, 0);
	assert_true(ata(0xea, 0, 0, 0, 0, 0, 0));
	assert_int_equal(rd32(AHCI_IS), 0);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, irq), 1);
	pw(0, AHCI_P_IE, AHCI_P_IX_DHR);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, irq), 2);
	assert_int_equal(msi_n, 0);
}

static void
test_msi(void **state)
{
	struct pci_devinst *pi;
	int cap;

	start_hd("");
	pi = pci_get_devinst(0, SLOT, 0);
	cap = pci_emul_find_capability(pi, PCIY_MSI);
	cfgw(cap + 4, 4, 0xfee00000);
	cfgw(cap + 8, 4, 0);
	cfgw(cap + 12, 2, 0x4051);
	cfgw(cap + 2, 2, 1);
	assert_true(pci_msi_enabled(pi));
	wr32(AHCI_GHC, AHCI_GHC_IE);
	pw(0, AHCI_P_IE, 0xffffffff);
	assert_true(ata(0x25, 0, 1, 0, DATA, 512, 0));
	assert_int_equal(msi_n, 1);
	assert_int_equal(msi_addr, 0xfee00000);
	assert_int_equal(msi_data, 0x4051);
	/* Not acknowledged: another completion sends no new message... */
	assert_true(ata(0x25, 0, 1, 0, DATA, 512, 0));
	assert_int_equal(msi_n, 1);
	/* ...and acknowledging IS with PxIS still set sends one. */
	wr32(AHCI_IS, 1);
	assert_int_equal(msi_n, 2);
	pw(0, AHCI_P_IS, 0xffffffff);
	wr32(AHCI_IS, 1);
	assert_int_equal(msi_n, 2);
	assert_true(ata(0x25, 0, 1, 0, DATA, 512, 0));
	assert_int_equal(msi_n, 3);
	/* INTx never moved. */
	assert_int_equal(fake_count(F_IOAPIC_ASSERT,
	    pi->pi_lintr.irq.ioapic_irq), 0);
}

/* ---- options ---- */

static void
test_options(void **state)
{
	char s[300];

	/* The grammar: hd:/cd: start ports; options follow their path. */
	snprintf(s, sizeof(s), "4,ahci,hd:%s,nocache,ser=A1,cd:%s,hd:%s,ro",
	    img, iso, iso);
	assert_int_equal(parse(s), 0);
	assert_string_equal(get_config_value("pci.0.4.0.port.0.type"), "hd");
	assert_string_equal(get_config_value("pci.0.4.0.port.0.path"), img);
	assert_string_equal(get_config_value("pci.0.4.0.port.0.nocache"),
	    "true");
	assert_string_equal(get_config_value("pci.0.4.0.port.0.ser"), "A1");
	assert_string_equal(get_config_value("pci.0.4.0.port.1.type"), "cd");
	assert_string_equal(get_config_value("pci.0.4.0.port.1.path"), iso);
	assert_string_equal(get_config_value("pci.0.4.0.port.2.ro"), "true");
	assert_null(get_config_value("pci.0.4.0.port.3.type"));
	snprintf(s, sizeof(s), "5,ahci-cd,%s", iso);
	assert_int_equal(parse(s), 0);
	assert_string_equal(get_config_value("pci.0.5.0.port.0.type"), "cd");
	assert_string_equal(get_config_value("pci.0.5.0.device"), "ahci-cd");
	/* An empty controller is allowed, as in bhyve. */
	assert_int_equal(parse("6,ahci"), 0);
	/* Malformed: no type, no path, a bare option. */
	assert_int_equal(parse("7,ahci,xx:/a"), -1);
	assert_int_equal(parse("7,ahci,/a"), -1);
	assert_int_equal(parse("7,ahci-hd"), -1);
	assert_int_equal(parse("7,ahci,hd:"), -1);
	assert_int_equal(parse("7,ahci,hd:,ro"), -1);
	assert_null(find_config_node("pci.0.7.0"));
}

static void
test_init_errors(void **state)
{
	char s[300];
	const char *bad[] = { ",nocahce", ",ro=maybe", ",nmrr=70000",
	    ",nmrr=x", ",sectorsize=100" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + 2; i++) {
		dev_reconfig();
		if (i < sizeof(bad) / sizeof(bad[0]))
			snprintf(s, sizeof(s), "4,ahci,hd:%s%s", img, bad[i]);
		else if (i == sizeof(bad) / sizeof(bad[0]))
			snprintf(s, sizeof(s), "4,ahci-hd,/nonexistent/x.img");
		else
			snprintf(s, sizeof(s), "4,ahci-cd,/nonexistent/x.iso");
		assert_int_equal(parse(s), 0);
		if (init_pci(NULL) != -1)
			fail_msg("'%s' was accepted", s);
	}
	/* Through -o: a port without a type, a port number too big. */
	dev_reconfig();
	set_config_value("pci.0.4.0.device", "ahci");
	set_config_value("pci.0.4.0.port.0.path", img);
	assert_int_equal(init_pci(NULL), -1);
	dev_reconfig();
	set_config_value("pci.0.4.0.device", "ahci");
	set_config_value("pci.0.4.0.port.32.type", "hd");
	set_config_value("pci.0.4.0.port.32.path", img);
	assert_int_equal(init_pci(NULL), -1);
	/* A writable image is locked: a second writer is refused. */
	dev_reconfig();
	snprintf(s, sizeof(s), "4,ahci,hd:%s,hd:%s", img, img);
	assert_int_equal(parse(s), 0);
	assert_int_equal(init_pci(NULL), -1);
	/* Two read-only users of one ISO share it. */
	dev_reconfig();
	snprintf(s, sizeof(s), "4,ahci,cd:%s,cd:%s", iso, iso);
	assert_int_equal(parse(s), 0);
	assert_int_equal(init_pci(NULL), 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_pci_identity),
		T(test_identify),
		T(test_sector_sizes),
		T(test_rw_dma),
		T(test_many_prds),
		T(test_ncq),
		T(test_trim),
		T(test_trim_nodelete_ro),
		T(test_bad_commands),
		T(test_atapi),
		T(test_resets),
		T(test_intx),
		T(test_msi),
		T(test_options),
		T(test_init_errors),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
