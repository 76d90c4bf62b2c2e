/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_nvme.c: the NVMe controller through the real PCI core, driven the
 * way a host driver would: BAR 0 registers, admin and I/O queues in a
 * fake guest RAM, doorbells, completion entries with phase tags.  Checks
 * the PCI identity, CAP/VS/CC/CSTS, Identify data, queue creation and
 * deletion errors, read/write/flush/write-zeroes/deallocate against a
 * temporary image and the ram= store, PRP lists, malformed commands and
 * doorbells (exact status codes, asynchronous error events), a full
 * completion queue, MSI-X and INTx, reset, shutdown and -s options.
 */
#include <errno.h>
#include <fcntl.h>
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

/* Fake guest RAM: 2 MiB at gpa 0. */
#define RAM_SIZE	(2 * 1024 * 1024)
#include "dev_harness.h"

extern const struct pci_devemu pci_de_nvme;
const void *pull_nvme = &pci_de_nvme;

#define ASQ_GPA		0x10000
#define ACQ_GPA		0x11000
#define IOSQ_GPA	0x12000
#define IOCQ_GPA	0x14000
#define LIST_GPA	0x18000
#define LIST2_GPA	0x19000
#define DATA_GPA	0x20000		/* 64 KiB of data pages */
#define DISK_SIZE	(64 * 1024)
#define AQ_SIZE		16

/* Status field values as the completion carries them (DNR = 0x4000). */
#define DNR		0x4000
#define ST_OK		0x0000

static char img[64];
static uint8_t pattern[DISK_SIZE];

struct tq {
	int qid;
	uint64_t sq, cq;
	uint16_t size, sqt, cqh;
	uint8_t phase;
};
static struct tq aq, ioq;

struct cqe {
	uint32_t dw0, dw1, dw2, dw3;
};

/* ---- the host side ---- */

static void
start(const char *conf)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "4,nvme,%s", conf);
	assert_int_equal(parse(buf), 0);
	assert_int_equal(dev_bus_up(4, 0), 0);
}

static void
start_img(const char *extra)
{
	char s[200];

	snprintf(s, sizeof(s), "%s%s", img, extra);
	start(s);
}

static void
tq_init(struct tq *q, int qid, uint64_t sq, uint64_t cq, uint16_t size)
{
	q->qid = qid;
	q->sq = sq;
	q->cq = cq;
	q->size = size;
	q->sqt = q->cqh = 0;
	q->phase = 1;
	memset(ram + sq, 0, (size_t)size * 64);
	memset(ram + cq, 0, (size_t)size * 16);
}

/* Put a command on the queue and ring its tail doorbell. */
static void
post(struct tq *q, uint32_t *cmd)
{
	memcpy(ram + q->sq + (size_t)q->sqt * 64, cmd, 64);
	q->sqt = (q->sqt + 1) % q->size;
	wr32(0x1000 + 8 * q->qid, q->sqt);
}

/* Wait (up to ms) for the next completion entry; false if none came. */
static bool
reap(struct tq *q, struct cqe *e, int ms)
{
	volatile uint32_t *p;
	struct timespec ts = { 0, 1000000 };

	p = (volatile uint32_t *)(ram + q->cq + (size_t)q->cqh * 16);
	for (int i = 0; i < ms; i++) {
		if (((__atomic_load_n(&p[3], __ATOMIC_ACQUIRE) >> 16) & 1) ==
		    q->phase) {
			e->dw0 = p[0];
			e->dw1 = p[1];
			e->dw2 = p[2];
			e->dw3 = p[3];
			if (++q->cqh == q->size) {
				q->cqh = 0;
				q->phase ^= 1;
			}
			wr32(0x1000 + 8 * q->qid + 4, q->cqh);
			return (true);
		}
		nanosleep(&ts, NULL);
	}
	return (false);
}

static uint16_t cid_next = 0x100;

/* Submit and wait; returns the 15-bit status, *dw0 the result. */
static uint16_t
cmd_wait(struct tq *q, uint32_t *cmd, uint32_t *dw0)
{
	struct cqe e;
	uint16_t cid = cid_next++;

	cmd[0] = (cmd[0] & 0xffff) | (uint32_t)cid << 16;
	post(q, cmd);
	if (!reap(q, &e, 5000))
		fail_msg("no completion for opcode 0x%x", cmd[0] & 0xff);
	assert_int_equal(e.dw3 & 0xffff, cid);
	assert_int_equal(e.dw2 >> 16, q->qid);
	assert_int_equal(e.dw2 & 0xffff, q->sqt);	/* SQ head */
	if (dw0 != NULL)
		*dw0 = e.dw0;
	return (e.dw3 >> 17);
}

/* A command: CDW0's low half (opcode, FUSE, PSDT), nsid, PRPs, cdw10-12. */
static uint16_t
run(struct tq *q, uint16_t opc, uint32_t nsid, uint64_t prp1, uint64_t prp2,
    uint32_t c10, uint32_t c11, uint32_t c12, uint32_t *dw0)
{
	uint32_t c[16];

	memset(c, 0, sizeof(c));
	c[0] = opc;
	c[1] = nsid;
	memcpy(&c[6], &prp1, 8);
	memcpy(&c[8], &prp2, 8);
	c[10] = c10;
	c[11] = c11;
	c[12] = c12;
	return (cmd_wait(q, c, dw0));
}

static uint16_t
admin(uint16_t opc, uint32_t nsid, uint64_t prp1, uint32_t c10, uint32_t c11,
    uint32_t *dw0)
{
	return (run(&aq, opc, nsid, prp1, 0, c10, c11, 0, dw0));
}

/* Read or write nlb blocks at slba through ioq. */
static uint16_t
rw(uint8_t opc, uint64_t slba, uint32_t nlb, uint64_t prp1, uint64_t prp2)
{
	return (run(&ioq, opc, 1, prp1, prp2, (uint32_t)slba,
	    (uint32_t)(slba >> 32), nlb - 1, NULL));
}

/* CC.EN = 1 with the admin queue pair; returns CSTS. */
static uint32_t
enable(void)
{
	tq_init(&aq, 0, ASQ_GPA, ACQ_GPA, AQ_SIZE);
	wr32(0x24, (AQ_SIZE - 1) << 16 | (AQ_SIZE - 1));
	wr32(0x28, ASQ_GPA);
	wr32(0x2c, 0);
	wr32(0x30, ACQ_GPA);
	wr32(0x34, 0);
	wr32(0x14, 0x460000);		/* IOCQES 4, IOSQES 6 */
	wr32(0x14, 0x460001);
	return (rd32(0x1c));
}

/* Enable and create I/O queue pair 1 (size qs, vector 1). */
static void
bring_up(uint16_t qs)
{
	uint32_t dw0;

	assert_int_equal(enable(), 1);
	assert_int_equal(admin(0x09, 0, 0, 0x07, 0, &dw0), ST_OK);
	tq_init(&ioq, 1, IOSQ_GPA, IOCQ_GPA, qs);
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, (uint32_t)(qs - 1) << 16 | 1,
	    1u << 16 | 3, NULL), ST_OK);
	assert_int_equal(admin(0x01, 0, IOSQ_GPA, (uint32_t)(qs - 1) << 16 | 1,
	    1u << 16 | 1, NULL), ST_OK);
}

static int
setup(void **state)
{
	dev_setup();
	for (int i = 0; i < DISK_SIZE; i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 9));
	snprintf(img, sizeof(img), "/tmp/lhyve-tnvme-%d.img", getpid());
	make_file(img, pattern, DISK_SIZE);
	return (0);
}

static int
teardown(void **state)
{
	free_config();
	unlink(img);
	return (0);
}

/* ---- identity and registers ---- */

static void
test_pci_identity(void **state)
{
	struct pci_devinst *pi;
	int cap;

	start_img("");
	pi = pci_get_devinst(0, 4, 0);
	assert_int_equal(cfgr(PCIR_VENDOR, 2), 0xfb5d);
	assert_int_equal(cfgr(PCIR_DEVICE, 2), 0x0a0a);
	assert_int_equal(cfgr(PCIR_CLASS, 1), 0x01);
	assert_int_equal(cfgr(PCIR_SUBCLASS, 1), 0x08);
	assert_int_equal(cfgr(PCIR_PROGIF, 1), 0x02);
	assert_int_equal(pi->pi_bar[0].type, PCIBAR_MEM64);
	assert_int_equal(pi->pi_bar[0].size, 0x4000);
	cap = pci_emul_find_capability(pi, PCIY_MSIX);
	assert_true(cap > 0);
	assert_int_equal(cfgr(cap + 2, 2) & 0x7ff, 16);	/* 17 vectors */
	assert_int_equal(pci_msix_table_bar(pi), 4);
	assert_true(cfgr(PCIR_INTPIN, 1) != 0);
	/* CAP: MQES 2057, CQR, TO 30, DSTRD 0, CSS NVM, MPS 4 KiB. */
	assert_int_equal(rd32(0x00), 0x1e010809);
	assert_int_equal(rd32(0x04), 0x00000020);
	assert_int_equal(rd32(0x08), 0x00010400);
	assert_int_equal(rd32(0x14), 0);
	assert_int_equal(rd32(0x1c), 0);
	/* Narrow reads see the same bytes. */
	assert_int_equal(mmio(1, bar + 0x0a, 1, 0, NULL), 0x01);
	assert_int_equal(mmio(1, bar + 0x00, 2, 0, NULL), 0x0809);
	/* Read-only registers ignore writes. */
	wr32(0x00, 0);
	wr32(0x08, 0);
	assert_int_equal(rd32(0x00), 0x1e010809);
	assert_int_equal(rd32(0x08), 0x00010400);
	/* AQA keeps its fields; ASQ/ACQ drop the reserved low 12 bits. */
	wr32(0x24, 0xffffffff);
	assert_int_equal(rd32(0x24), 0x0fff0fff);
	wr32(0x28, 0x12345fff);
	assert_int_equal(rd32(0x28), 0x12345000);
}

static void
test_enable_disable(void **state)
{
	start_img("");
	/* CC is read back exactly as written (Linux reads it back). */
	wr32(0x14, 0x460000);
	assert_int_equal(rd32(0x14), 0x460000);
	assert_int_equal(enable(), 1);
	assert_int_equal(rd32(0x14), 0x460001);
	/* While enabled, fields other than SHN do not change. */
	wr32(0x14, 0x460071);
	assert_int_equal(rd32(0x14), 0x460001);
	/* EN = 0: reset, not ready. */
	wr32(0x14, 0x460000);
	assert_int_equal(rd32(0x1c), 0);
	/* A memory page size the controller lacks: fatal status. */
	wr32(0x14, 0x460081);
	assert_int_equal(rd32(0x1c), 2);
	wr32(0x14, 0);
	assert_int_equal(rd32(0x1c), 0);
	/* An admin queue outside guest RAM: fatal status. */
	wr32(0x28, 0);
	wr32(0x2c, 0x100);
	wr32(0x14, 0x460001);
	assert_int_equal(rd32(0x1c), 2);
	/* No doorbell does anything then. */
	wr32(0x1000, 1);
	wr32(0x14, 0);
	/* AQA of one entry is invalid. */
	wr32(0x24, 0);
	wr32(0x28, ASQ_GPA);
	wr32(0x2c, 0);
	wr32(0x14, 0x460001);
	assert_int_equal(rd32(0x1c), 2);
	wr32(0x14, 0);
	/* And a good enable after all that. */
	assert_int_equal(enable(), 1);
	assert_int_equal(admin(0x06, 0, DATA_GPA, 1, 0, NULL), ST_OK);
}

/* ---- Identify ---- */

static void
test_identify(void **state)
{
	const uint64_t d = DATA_GPA;

	start_img(",ser=SER123,eui64=0x0011223344556677");
	assert_int_equal(enable(), 1);
	memset(ram + d, 0xee, 8192);
	assert_int_equal(admin(0x06, 0, d, 1, 0, NULL), ST_OK);
	assert_int_equal(get16(d + 0), 0xfb5d);
	assert_memory_equal(ram + d + 4, "SER123              ", 20);
	assert_memory_equal(ram + d + 24, "lhyve-NVMe ", 11);
	assert_int_equal(ram[d + 63], ' ');
	assert_memory_equal(ram + d + 64, "1.0     ", 8);
	assert_int_equal(ram[d + 77], 6);		/* MDTS */
	assert_int_equal(get32(d + 80), 0x10400);	/* VER */
	assert_int_equal(ram[d + 111], 1);		/* CNTRLTYPE */
	assert_int_equal(ram[d + 259], 3);		/* AERL */
	assert_int_equal(ram[d + 512], 0x66);
	assert_int_equal(ram[d + 513], 0x44);
	assert_int_equal(get32(d + 516), 1);		/* NN */
	assert_int_equal(get16(d + 520), 0x0c);		/* ONCS */
	assert_int_equal(ram[d + 525], 1);		/* VWC */
	assert_int_equal(get32(d + 536), 0);		/* SGLS */
	assert_string_equal((char *)ram + d + 768,
	    "nqn.2014-08.org.nvmexpress:lhyve-SER123");
	assert_int_equal(ram[d + 4095], 0);
	assert_int_equal(ram[d + 4096], 0xee);	/* 4 KiB exactly */

	/* Namespace 1: 128 blocks of 512 bytes. */
	assert_int_equal(admin(0x06, 1, d, 0, 0, NULL), ST_OK);
	assert_int_equal(get64(d + 0), 128);
	assert_int_equal(get64(d + 8), 128);
	assert_int_equal(ram[d + 25], 0);
	assert_int_equal(ram[d + 26], 0);
	assert_int_equal(get32(d + 128), 9 << 16);
	assert_int_equal(ram[d + 99], 0);
	assert_int_equal(ram[d + 120], 0x00);		/* EUI64, big-endian */
	assert_int_equal(ram[d + 127], 0x77);
	/* Other namespaces. */
	assert_int_equal(admin(0x06, 2, d, 0, 0, NULL), DNR | 0x0b);
	assert_int_equal(admin(0x06, 0, d, 0, 0, NULL), DNR | 0x0b);
	assert_int_equal(admin(0x06, 0xffffffff, d, 0, 0, NULL), DNR | 0x0b);
	/* Active namespace list. */
	memset(ram + d, 0xee, 8);
	assert_int_equal(admin(0x06, 0, d, 2, 0, NULL), ST_OK);
	assert_int_equal(get32(d), 1);
	assert_int_equal(get32(d + 4), 0);
	assert_int_equal(admin(0x06, 1, d, 2, 0, NULL), ST_OK);
	assert_int_equal(get32(d), 0);
	assert_int_equal(admin(0x06, 0xfffffffe, d, 2, 0, NULL), DNR | 0x0b);
	/* Descriptor list: EUI-64 then NGUID. */
	assert_int_equal(admin(0x06, 1, d, 3, 0, NULL), ST_OK);
	assert_int_equal(ram[d], 1);
	assert_int_equal(ram[d + 1], 8);
	assert_int_equal(ram[d + 4], 0x00);
	assert_int_equal(ram[d + 11], 0x77);
	assert_int_equal(ram[d + 12], 2);
	assert_int_equal(ram[d + 13], 16);
	assert_int_equal(ram[d + 32], 0);
	/* CNS 6 for the NVM command set: all zero; others refused. */
	assert_int_equal(admin(0x06, 0, d, 6, 0, NULL), ST_OK);
	assert_int_equal(admin(0x06, 0, d, 6, 2u << 24, NULL), DNR | 0x02);
	assert_int_equal(admin(0x06, 0, d, 0x10, 0, NULL), DNR | 0x02);
	/* Identify into memory outside guest RAM, or misaligned. */
	assert_int_equal(admin(0x06, 0, 0x7ff00000000ULL, 1, 0, NULL), 0x04);
	assert_int_equal(admin(0x06, 0, d + 2, 1, 0, NULL), DNR | 0x13);
	/* Identify starting mid-page needs PRP2 for the rest. */
	memset(ram + d, 0, 3 * 4096);
	assert_int_equal(run(&aq, 0x06, 0, d + 0x800, d + 0x2000, 1, 0, 0,
	    NULL), ST_OK);
	assert_int_equal(get16(d + 0x800), 0xfb5d);
	/* Byte 2048 (PSD0's MP, 2500) is the first of the second part. */
	assert_int_equal(get16(d + 0x2000), 2500);
	assert_int_equal(get16(d + 0x1000), 0);
}

/* ---- queues ---- */

static void
test_queue_errors(void **state)
{
	uint32_t dw0;

	start_img(",maxq=4");
	assert_int_equal(enable(), 1);
	/* Number of Queues: 0's based, capped at maxq. */
	assert_int_equal(admin(0x0a, 0, 0, 0x07, 0, &dw0), ST_OK);
	assert_int_equal(dw0, 0x00030003);
	assert_int_equal(admin(0x09, 0, 0, 0x07, 0x00090009, &dw0), ST_OK);
	assert_int_equal(dw0, 0x00030003);
	assert_int_equal(admin(0x09, 0, 0, 0x07, 0x00010000, &dw0), ST_OK);
	assert_int_equal(dw0, 0x00010000);
	assert_int_equal(admin(0x09, 0, 0, 0x07, 0xffff, &dw0), DNR | 0x02);
	/* Create I/O CQ errors. */
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, 7u << 16 | 0, 3, NULL),
	    DNR | 0x101);
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, 7u << 16 | 5, 3, NULL),
	    DNR | 0x101);
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, 0u << 16 | 1, 3, NULL),
	    DNR | 0x102);
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, 2058u << 16 | 1, 3, NULL),
	    DNR | 0x102);
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, 7u << 16 | 1,
	    5u << 16 | 3, NULL), DNR | 0x108);
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, 7u << 16 | 1, 2, NULL),
	    DNR | 0x02);				/* PC = 0 */
	assert_int_equal(admin(0x05, 0, IOCQ_GPA + 8, 7u << 16 | 1, 3, NULL),
	    DNR | 0x02);
	assert_int_equal(admin(0x05, 0, RAM_SIZE - 4096, 511u << 16 | 1, 3,
	    NULL), 0x04);
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, 7u << 16 | 1, 1u << 16 | 3,
	    NULL), ST_OK);
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, 7u << 16 | 1, 3, NULL),
	    DNR | 0x101);				/* exists */
	/* Only two CQs were granted by Number of Queues. */
	assert_int_equal(admin(0x05, 0, IOCQ_GPA + 0x1000, 7u << 16 | 3, 3,
	    NULL), DNR | 0x101);
	/* Set Features Number of Queues now: sequence error. */
	assert_int_equal(admin(0x09, 0, 0, 0x07, 0, NULL), DNR | 0x0c);
	/* Create I/O SQ errors. */
	assert_int_equal(admin(0x01, 0, IOSQ_GPA, 7u << 16 | 1, 2u << 16 | 1,
	    NULL), DNR | 0x100);			/* no CQ 2 */
	assert_int_equal(admin(0x01, 0, IOSQ_GPA, 7u << 16 | 1, 0u << 16 | 1,
	    NULL), DNR | 0x100);
	assert_int_equal(admin(0x01, 0, IOSQ_GPA, 7u << 16 | 2, 1u << 16 | 1,
	    NULL), DNR | 0x101);			/* only 1 SQ granted */
	assert_int_equal(admin(0x01, 0, IOSQ_GPA, 7u << 16 | 1, 1u << 16 | 0,
	    NULL), DNR | 0x02);
	assert_int_equal(admin(0x01, 0, IOSQ_GPA, 7u << 16 | 1, 1u << 16 | 1,
	    NULL), ST_OK);
	/* Deleting a CQ an SQ still uses; unknown queues. */
	assert_int_equal(admin(0x04, 0, 0, 1, 0, NULL), DNR | 0x10c);
	assert_int_equal(admin(0x04, 0, 0, 0, 0, NULL), DNR | 0x101);
	assert_int_equal(admin(0x00, 0, 0, 3, 0, NULL), DNR | 0x101);
	assert_int_equal(admin(0x00, 0, 0, 0, 0, NULL), DNR | 0x101);
	assert_int_equal(admin(0x00, 0, 0, 0xffff, 0, NULL), DNR | 0x101);
	assert_int_equal(admin(0x00, 0, 0, 1, 0, NULL), ST_OK);
	assert_int_equal(admin(0x04, 0, 0, 1, 0, NULL), ST_OK);
	assert_int_equal(admin(0x04, 0, 0, 1, 0, NULL), DNR | 0x101);
	/* Unknown admin opcodes (Keep Alive: KAS = 0), fused, SGL. */
	assert_int_equal(admin(0x18, 0, 0, 0, 0, NULL), DNR | 0x01);
	assert_int_equal(admin(0x80, 0, 0, 0, 0, NULL), DNR | 0x01);
	assert_int_equal(admin(0x06 | 0x4000, 0, DATA_GPA, 1, 0, NULL),
	    DNR | 0x02);
	assert_int_equal(admin(0x06 | 0x100, 0, DATA_GPA, 1, 0, NULL),
	    DNR | 0x02);
	/* Abort: "not aborted". */
	assert_int_equal(admin(0x08, 0, 0, 0x12340001, 0, &dw0), ST_OK);
	assert_int_equal(dw0, 1);
}

/* ---- I/O ---- */

static void
test_read_write(void **state)
{
	uint8_t buf[16384];
	uint64_t list[4];

	start_img("");
	bring_up(8);
	/* One block: PRP1 only. */
	memset(ram + DATA_GPA, 0, 8192);
	assert_int_equal(rw(0x02, 3, 1, DATA_GPA, 0), ST_OK);
	assert_memory_equal(ram + DATA_GPA, pattern + 3 * 512, 512);
	assert_int_equal(ram[DATA_GPA + 512], 0);
	/* Write 2 blocks, check the file and the neighbours. */
	memset(ram + DATA_GPA, 0x5a, 1024);
	assert_int_equal(rw(0x01, 10, 2, DATA_GPA, 0), ST_OK);
	read_file(img, buf, 9 * 512, 2048);
	assert_memory_equal(buf, pattern + 9 * 512, 512);
	for (int i = 512; i < 1536; i++)
		assert_int_equal(buf[i], 0x5a);
	assert_memory_equal(buf + 1536, pattern + 12 * 512, 512);
	/* Across a page: PRP1 at offset 0xe00, PRP2 the next page. */
	memset(ram + DATA_GPA, 0, 3 * 4096);
	assert_int_equal(rw(0x02, 16, 4, DATA_GPA + 0xe00, DATA_GPA + 0x2000),
	    ST_OK);
	assert_memory_equal(ram + DATA_GPA + 0xe00, pattern + 16 * 512, 512);
	assert_memory_equal(ram + DATA_GPA + 0x2000, pattern + 17 * 512,
	    1536);
	/* 16 KiB through a PRP list of scattered pages. */
	list[0] = DATA_GPA + 0x8000;
	list[1] = DATA_GPA + 0x5000;
	list[2] = DATA_GPA + 0x7000;
	memcpy(ram + LIST_GPA, list, sizeof(list));
	memset(ram + DATA_GPA, 0, 0x10000);
	assert_int_equal(rw(0x02, 32, 32, DATA_GPA + 0x3000, LIST_GPA),
	    ST_OK);
	assert_memory_equal(ram + DATA_GPA + 0x3000, pattern + 32 * 512, 4096);
	assert_memory_equal(ram + DATA_GPA + 0x8000, pattern + 40 * 512, 4096);
	assert_memory_equal(ram + DATA_GPA + 0x5000, pattern + 48 * 512, 4096);
	assert_memory_equal(ram + DATA_GPA + 0x7000, pattern + 56 * 512, 4096);
	/* A list chained over two list pages (the list starts at 0xff8). */
	memset(ram + LIST_GPA, 0, 0x2000);
	list[0] = LIST2_GPA;				/* -> next list */
	memcpy(ram + LIST_GPA + 0xff8, &list[0], 8);
	list[0] = DATA_GPA + 0x1000;
	list[1] = DATA_GPA + 0x2000;
	memcpy(ram + LIST2_GPA, list, 16);
	memset(ram + DATA_GPA, 0, 0x10000);
	assert_int_equal(rw(0x02, 0, 24, DATA_GPA, LIST_GPA + 0xff8), ST_OK);
	read_file(img, buf, 0, 12288);
	assert_memory_equal(ram + DATA_GPA, buf, 12288);
	assert_memory_equal(ram + DATA_GPA + 0x1400, "\x5a\x5a", 2);
	/* Flush, also with the broadcast NSID. */
	assert_int_equal(run(&ioq, 0x00, 1, 0, 0, 0, 0, 0, NULL), ST_OK);
	assert_int_equal(run(&ioq, 0x00, 0xffffffff, 0, 0, 0, 0, 0, NULL),
	    ST_OK);
	/* FUA write. */
	memset(ram + DATA_GPA, 0x33, 512);
	assert_int_equal(run(&ioq, 0x01, 1, DATA_GPA, 0, 20, 0, 1u << 30,
	    NULL), ST_OK);
	read_file(img, buf, 20 * 512, 512);
	assert_int_equal(buf[0], 0x33);
	assert_int_equal(buf[511], 0x33);
}

static void
test_malformed_io(void **state)
{
	uint64_t list[2];

	start_img("");
	bring_up(8);
	/* The last block is fine; past it is LBA Out of Range. */
	assert_int_equal(rw(0x02, 127, 1, DATA_GPA, 0), ST_OK);
	assert_int_equal(rw(0x02, 128, 1, DATA_GPA, 0), DNR | 0x80);
	assert_int_equal(rw(0x02, 127, 2, DATA_GPA, 0), DNR | 0x80);
	assert_int_equal(rw(0x01, ~0ULL, 1, DATA_GPA, 0), DNR | 0x80);
	assert_int_equal(rw(0x02, 1ULL << 60, 1, DATA_GPA, 0), DNR | 0x80);
	/* 513 blocks run past the end (checked before MDTS). */
	assert_int_equal(rw(0x02, 0, 513, DATA_GPA, LIST_GPA), DNR | 0x80);
	/* Namespaces, opcodes, fused, SGL. */
	assert_int_equal(run(&ioq, 0x02, 2, DATA_GPA, 0, 0, 0, 0, NULL),
	    DNR | 0x0b);
	assert_int_equal(run(&ioq, 0x02, 0, DATA_GPA, 0, 0, 0, 0, NULL),
	    DNR | 0x0b);
	assert_int_equal(run(&ioq, 0x7f, 1, 0, 0, 0, 0, 0, NULL), DNR | 0x01);
	assert_int_equal(run(&ioq, 0x05, 1, 0, 0, 0, 0, 0, NULL), DNR | 0x01);
	assert_int_equal(run(&ioq, 0x02 | 0x4000, 1, DATA_GPA, 0, 0, 0, 0,
	    NULL), DNR | 0x02);
	assert_int_equal(run(&ioq, 0x02 | 0x200, 1, DATA_GPA, 0, 0, 0, 0,
	    NULL), DNR | 0x02);
	/* PRPs outside guest RAM: Data Transfer Error, nothing touched. */
	assert_int_equal(rw(0x02, 0, 1, 0x7fff0000000ULL, 0), 0x04);
	assert_int_equal(rw(0x01, 0, 1, RAM_SIZE - 256, RAM_SIZE), 0x04);
	assert_int_equal(rw(0x01, 0, 1, RAM_SIZE - 256, 0x7fff0000000ULL),
	    0x04);
	assert_int_equal(rw(0x02, 0, 16, DATA_GPA, 0xfffffffff000ULL), 0x04);
	assert_int_equal(rw(0x02, 0, 24, DATA_GPA, 0x7fff0000000ULL), 0x04);
	list[0] = 0x7fff0000000ULL;
	list[1] = DATA_GPA;
	memcpy(ram + LIST_GPA, list, 16);
	assert_int_equal(rw(0x02, 0, 24, DATA_GPA, LIST_GPA), 0x04);
	/* Misaligned PRPs: Invalid PRP Offset. */
	assert_int_equal(rw(0x02, 0, 1, DATA_GPA + 2, 0), DNR | 0x13);
	assert_int_equal(rw(0x02, 0, 16, DATA_GPA, DATA_GPA + 0x1200),
	    DNR | 0x13);
	list[0] = DATA_GPA + 0x1010;
	memcpy(ram + LIST_GPA, list, 16);
	assert_int_equal(rw(0x02, 0, 24, DATA_GPA, LIST_GPA), DNR | 0x13);
	assert_int_equal(rw(0x02, 0, 24, DATA_GPA, LIST_GPA + 4), DNR | 0x13);
	/* A PRP list that points at itself forever. */
	memset(ram + LIST_GPA, 0, 4096);
	list[0] = LIST_GPA + 0xff8;
	memcpy(ram + LIST_GPA + 0xff8, list, 8);
	assert_int_equal(rw(0x02, 0, 24, DATA_GPA, LIST_GPA + 0xff8),
	    DNR | 0x02);
	/* The controller still works. */
	assert_int_equal(rd32(0x1c), 1);
	assert_int_equal(rw(0x02, 0, 1, DATA_GPA, 0), ST_OK);
	assert_memory_equal(ram + DATA_GPA, pattern, 512);
}

static void
test_mdts(void **state)
{
	char s[200];
	int fd;

	/* A 1 MiB image: 513 blocks fit, but exceed MDTS (256 KiB). */
	fd = open(img, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	snprintf(s, sizeof(s), "%s", img);
	start(s);
	bring_up(8);
	assert_int_equal(rw(0x02, 0, 513, DATA_GPA, LIST_GPA), DNR | 0x02);
}

static void
test_write_zeroes_dsm(void **state)
{
	uint8_t buf[2048], z[2048];
	struct {
		uint32_t cattr, nlb;
		uint64_t slba;
	} r[2] = { { 0, 2, 4 }, { 0, 1, 100 } };

	memset(z, 0, sizeof(z));
	start_img("");
	bring_up(8);
	assert_int_equal(run(&ioq, 0x08, 1, 0, 0, 40, 0, 3, NULL), ST_OK);
	read_file(img, buf, 40 * 512, 2048);
	assert_memory_equal(buf, z, 2048);
	read_file(img, buf, 44 * 512, 512);
	assert_memory_equal(buf, pattern + 44 * 512, 512);
	assert_int_equal(run(&ioq, 0x08, 1, 0, 0, 127, 0, 1, NULL),
	    DNR | 0x80);
	/* Deallocate two ranges. */
	memcpy(ram + DATA_GPA, r, sizeof(r));
	assert_int_equal(run(&ioq, 0x09, 1, DATA_GPA, 0, 1, 1u << 2, 0, NULL),
	    ST_OK);
	read_file(img, buf, 4 * 512, 1024);
	assert_memory_equal(buf, z, 1024);
	read_file(img, buf, 6 * 512, 512);
	assert_memory_equal(buf, pattern + 6 * 512, 512);
	read_file(img, buf, 100 * 512, 512);
	assert_memory_equal(buf, z, 512);
	/* Without AD nothing happens; a range past the end is refused. */
	r[0].slba = 60;
	memcpy(ram + DATA_GPA, r, sizeof(r));
	assert_int_equal(run(&ioq, 0x09, 1, DATA_GPA, 0, 0, 0, 0, NULL),
	    ST_OK);
	read_file(img, buf, 60 * 512, 512);
	assert_memory_equal(buf, pattern + 60 * 512, 512);
	r[0].slba = 127;
	memcpy(ram + DATA_GPA, r, sizeof(r));
	assert_int_equal(run(&ioq, 0x09, 1, DATA_GPA, 0, 0, 1u << 2, 0, NULL),
	    DNR | 0x80);
	assert_int_equal(run(&ioq, 0x09, 1, 0x7fff0000000ULL, 0, 0, 1u << 2,
	    0, NULL), 0x04);
}

static void
test_dsm_disabled(void **state)
{
	start_img(",dsm=disable");
	bring_up(8);
	assert_int_equal(admin(0x06, 0, DATA_GPA, 1, 0, NULL), ST_OK);
	assert_int_equal(get16(DATA_GPA + 520), 0x08);
	assert_int_equal(run(&ioq, 0x09, 1, DATA_GPA, 0, 0, 1u << 2, 0, NULL),
	    DNR | 0x01);
}

static void
test_read_only(void **state)
{
	uint8_t buf[512];

	start_img(",ro");
	bring_up(8);
	assert_int_equal(admin(0x06, 1, DATA_GPA, 0, 0, NULL), ST_OK);
	assert_int_equal(ram[DATA_GPA + 99], 1);		/* NSATTR */
	assert_int_equal(admin(0x06, 0, DATA_GPA, 1, 0, NULL), ST_OK);
	assert_int_equal(get16(DATA_GPA + 520), 0x08);		/* no DSM */
	memset(ram + DATA_GPA, 0, 512);
	assert_int_equal(rw(0x01, 0, 1, DATA_GPA, 0), DNR | 0x182);
	assert_int_equal(run(&ioq, 0x08, 1, 0, 0, 0, 0, 0, NULL), DNR | 0x182);
	read_file(img, buf, 0, 512);
	assert_memory_equal(buf, pattern, 512);
	assert_int_equal(rw(0x02, 1, 1, DATA_GPA, 0), ST_OK);
	assert_memory_equal(ram + DATA_GPA, pattern + 512, 512);
}

static void
test_ram(void **state)
{
	uint8_t z[8192];

	memset(z, 0, sizeof(z));
	start("ram=1,ser=RAMDISK");
	bring_up(8);
	/* 1 MiB of 4 KiB blocks. */
	assert_int_equal(admin(0x06, 1, DATA_GPA, 0, 0, NULL), ST_OK);
	assert_int_equal(get64(DATA_GPA), 256);
	assert_int_equal(get32(DATA_GPA + 128), 12 << 16);
	assert_int_equal(ram[DATA_GPA + 33], 1);		/* DLFEAT */
	assert_int_equal(admin(0x06, 0, DATA_GPA, 1, 0, NULL), ST_OK);
	assert_memory_equal(ram + DATA_GPA + 4, "RAMDISK ", 8);
	assert_int_equal(get16(DATA_GPA + 520), 0x0c);
	/* Fresh: zeroes.  Write two blocks, read them back elsewhere. */
	memset(ram + DATA_GPA, 0xff, 8192);
	assert_int_equal(rw(0x02, 255, 1, DATA_GPA, 0), ST_OK);
	assert_memory_equal(ram + DATA_GPA, z, 4096);
	memcpy(ram + DATA_GPA, pattern, 8192);
	assert_int_equal(rw(0x01, 7, 2, DATA_GPA, DATA_GPA + 4096), ST_OK);
	memset(ram + DATA_GPA + 0x4000, 0, 8192);
	assert_int_equal(rw(0x02, 7, 2, DATA_GPA + 0x4000, DATA_GPA + 0x5000),
	    ST_OK);
	assert_memory_equal(ram + DATA_GPA + 0x4000, pattern, 8192);
	assert_int_equal(rw(0x02, 256, 1, DATA_GPA, 0), DNR | 0x80);
	/* Write Zeroes of the second block. */
	assert_int_equal(run(&ioq, 0x08, 1, 0, 0, 8, 0, 0, NULL), ST_OK);
	assert_int_equal(rw(0x02, 7, 2, DATA_GPA + 0x4000, DATA_GPA + 0x5000),
	    ST_OK);
	assert_memory_equal(ram + DATA_GPA + 0x4000, pattern, 4096);
	assert_memory_equal(ram + DATA_GPA + 0x5000, z, 4096);
	/* Flush is a no-op that succeeds. */
	assert_int_equal(run(&ioq, 0x00, 1, 0, 0, 0, 0, 0, NULL), ST_OK);
}

static void
test_sectsz(void **state)
{
	start_img(",sectsz=4096");
	bring_up(8);
	assert_int_equal(admin(0x06, 1, DATA_GPA, 0, 0, NULL), ST_OK);
	assert_int_equal(get64(DATA_GPA), 16);
	assert_int_equal(get32(DATA_GPA + 128), 12 << 16);
	assert_int_equal(rw(0x02, 2, 1, DATA_GPA, 0), ST_OK);
	assert_memory_equal(ram + DATA_GPA, pattern + 8192, 4096);
	assert_int_equal(rw(0x02, 16, 1, DATA_GPA, 0), DNR | 0x80);
}

/* ---- doorbells and events ---- */

static void
test_doorbell_errors(void **state)
{
	struct cqe e;
	uint32_t c[16];

	start_img("");
	bring_up(8);
	/* An AER is held. */
	memset(c, 0, sizeof(c));
	c[0] = 0x0c | 0xaa00u << 16;
	post(&aq, c);
	assert_false(reap(&aq, &e, 20));
	/* A tail beyond the queue size: an error event, nothing fetched. */
	wr32(0x1000 + 8, 8);
	assert_true(reap(&aq, &e, 1000));
	assert_int_equal(e.dw3 & 0xffff, 0xaa00);
	assert_int_equal(e.dw3 >> 17, 0);
	assert_int_equal(e.dw0, 0x00010100);		/* value, log 01h */
	assert_int_equal(rd32(0x1c), 1);			/* no CFS */
	/* Masked until the error log is read: queue another AER. */
	c[0] = 0x0c | 0xaa01u << 16;
	post(&aq, c);
	wr32(0x1000 + 8 * 9, 0);		/* no SQ 9: a register error */
	assert_false(reap(&aq, &e, 20));
	/* The error log: count 2, SQ 9. */
	memset(ram + DATA_GPA, 0xee, 128);
	assert_int_equal(admin(0x02, 0xffffffff, DATA_GPA, 15u << 16 | 1, 0,
	    NULL), ST_OK);
	assert_int_equal(get64(DATA_GPA), 2);
	assert_int_equal(get16(DATA_GPA + 8), 9);
	assert_int_equal(get16(DATA_GPA + 10), 0xffff);
	assert_int_equal(ram[DATA_GPA + 64], 0xee);
	/* Re-armed: the next bad doorbell (a CQ head) completes the AER. */
	wr32(0x1000 + 8 + 4, 5);		/* head past the tail */
	assert_true(reap(&aq, &e, 1000));
	assert_int_equal(e.dw3 & 0xffff, 0xaa01);
	assert_int_equal(e.dw0, 0x00010100);
	/* Read with RAE: stays masked. */
	assert_int_equal(admin(0x02, 0, DATA_GPA, 15u << 16 | 1u << 15 | 1, 0,
	    NULL), ST_OK);
	assert_int_equal(get64(DATA_GPA), 3);
	c[0] = 0x0c | 0xaa02u << 16;
	post(&aq, c);
	wr32(0x1000 + 8 * 300, 0);	/* beyond maxq */
	assert_false(reap(&aq, &e, 20));
	assert_int_equal(admin(0x02, 0, DATA_GPA, 15u << 16 | 1, 0, NULL),
	    ST_OK);
	wr32(0x1000 + 8 * 5 + 4, 0);
	assert_true(reap(&aq, &e, 1000));
	assert_int_equal(e.dw0, 0x00010000);		/* register */
	/* AER limit: four outstanding at most. */
	for (int i = 0; i < 4; i++) {
		c[0] = 0x0c | (0xab00u + i) << 16;
		post(&aq, c);
	}
	assert_false(reap(&aq, &e, 20));
	assert_int_equal(admin(0x0c, 0, 0, 0, 0, NULL), DNR | 0x105);
	/* I/O still works. */
	assert_int_equal(rw(0x02, 0, 1, DATA_GPA, 0), ST_OK);
	assert_memory_equal(ram + DATA_GPA, pattern, 512);
}

static void
test_cq_full(void **state)
{
	struct cqe e;
	uint32_t c[16];
	uint64_t p = DATA_GPA;

	start_img("");
	assert_int_equal(enable(), 1);
	/* CQ of 2 entries (1 usable), SQ of 4. */
	tq_init(&ioq, 1, IOSQ_GPA, IOCQ_GPA, 2);
	assert_int_equal(admin(0x05, 0, IOCQ_GPA, 1u << 16 | 1, 3, NULL),
	    ST_OK);
	assert_int_equal(admin(0x01, 0, IOSQ_GPA, 3u << 16 | 1, 1u << 16 | 1,
	    NULL), ST_OK);
	memset(c, 0, sizeof(c));
	c[1] = 1;
	memcpy(&c[6], &p, 8);
	/* Two reads on the SQ (its size is 4: the host's view). */
	for (int i = 0; i < 2; i++) {
		c[0] = 0x02 | (0x300u + i) << 16;
		c[10] = i;
		memcpy(ram + IOSQ_GPA + i * 64, c, 64);
	}
	wr32(0x1000 + 8, 2);
	/* The first completes; the second waits for CQ room. */
	{
		volatile uint32_t *q = (volatile uint32_t *)(ram + IOCQ_GPA);
		struct timespec ts = { 0, 1000000 };
		int i;

		for (i = 0; i < 5000 && ((q[3] >> 16) & 1) == 0; i++)
			nanosleep(&ts, NULL);
		assert_int_equal(q[3] & 0xffff, 0x300);
		assert_int_equal(q[2] & 0xffff, 1);	/* SQ head: 1 */
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
		assert_int_equal(q[7], 0);		/* nothing more */
		/* Consume it: the second command goes. */
		wr32(0x1000 + 12, 1);
		for (i = 0; i < 5000 && ((q[7] >> 16) & 1) == 0; i++)
			nanosleep(&ts, NULL);
		assert_int_equal(q[7] & 0xffff, 0x301);
		assert_int_equal(q[6] & 0xffff, 2);
		/* Wrapped: phase 0 on the next pass. */
	}
	(void)e;
}

/* ---- features and logs ---- */

static void
test_features_logs(void **state)
{
	uint32_t dw0;

	start_img("");
	bring_up(8);
	/* Volatile write cache. */
	assert_int_equal(admin(0x0a, 0, 0, 0x06, 0, &dw0), ST_OK);
	assert_int_equal(dw0, 1);
	assert_int_equal(admin(0x09, 0, 0, 0x06, 0, NULL), ST_OK);
	assert_int_equal(admin(0x0a, 0, 0, 0x06, 0, &dw0), ST_OK);
	assert_int_equal(dw0, 0);
	/* Write-through now: writes still complete. */
	memset(ram + DATA_GPA, 0x11, 512);
	assert_int_equal(rw(0x01, 5, 1, DATA_GPA, 0), ST_OK);
	/* Temperature threshold of the composite sensor only. */
	assert_int_equal(admin(0x0a, 0, 0, 0x04, 0, &dw0), ST_OK);
	assert_int_equal(dw0, 343);
	assert_int_equal(admin(0x09, 0, 0, 0x04, 350, NULL), ST_OK);
	assert_int_equal(admin(0x0a, 0, 0, 0x04, 0, &dw0), ST_OK);
	assert_int_equal(dw0, 350);
	assert_int_equal(admin(0x0a, 0, 0, 0x04, 1u << 20, &dw0), ST_OK);
	assert_int_equal(dw0, 0);
	assert_int_equal(admin(0x0a, 0, 0, 0x04, 1u << 16, NULL), DNR | 0x02);
	/* Save is not supported; unknown features. */
	assert_int_equal(admin(0x09, 0, 0, 0x80000006, 1, NULL), DNR | 0x10d);
	assert_int_equal(admin(0x09, 0, 0, 0x0c, 0, NULL), DNR | 0x02);
	assert_int_equal(admin(0x0a, 0, 0, 0x0f, 0, NULL), DNR | 0x02);
	/* Power state 0 only; interrupt vector configuration. */
	assert_int_equal(admin(0x09, 0, 0, 0x02, 1, NULL), DNR | 0x02);
	assert_int_equal(admin(0x09, 0, 0, 0x09, 1u << 16 | 3, NULL), ST_OK);
	assert_int_equal(admin(0x0a, 0, 0, 0x09, 3, &dw0), ST_OK);
	assert_int_equal(dw0, 0x10003);
	assert_int_equal(admin(0x0a, 0, 0, 0x09, 17, NULL), DNR | 0x02);
	/* SEL = 3: capabilities. */
	assert_int_equal(admin(0x0a, 0, 0, 0x306, 0, &dw0), ST_OK);
	assert_int_equal(dw0, 4);

	/* SMART: 1 read of 512 B, 1 write; 1000 units round up to 1. */
	memset(ram + DATA_GPA, 0xee, 1024);
	assert_int_equal(admin(0x02, 0xffffffff, DATA_GPA, 127u << 16 | 2, 0,
	    NULL), ST_OK);
	assert_int_equal(ram[DATA_GPA], 0);
	assert_int_equal(get16(DATA_GPA + 1), 296);
	assert_int_equal(ram[DATA_GPA + 3], 100);
	assert_int_equal(get64(DATA_GPA + 32), 0);	/* no reads */
	assert_int_equal(get64(DATA_GPA + 48), 1);
	assert_int_equal(get64(DATA_GPA + 80), 1);
	assert_int_equal(get64(DATA_GPA + 112), 1);
	assert_int_equal(ram[DATA_GPA + 512], 0xee);
	assert_int_equal(admin(0x02, 1, DATA_GPA, 127u << 16 | 2, 0, NULL),
	    DNR | 0x02);
	/* An offset into the log, and reading past its end gives zeroes. */
	assert_int_equal(run(&aq, 0x02, 0, DATA_GPA, 0, 3u << 16 | 2, 0, 80,
	    NULL), ST_OK);
	assert_int_equal(get64(DATA_GPA), 1);		/* host writes */
	assert_int_equal(run(&aq, 0x02, 0, DATA_GPA, 0, 3u << 16 | 2, 0, 508,
	    NULL), ST_OK);
	assert_int_equal(get32(DATA_GPA + 4), 0);
	assert_int_equal(run(&aq, 0x02, 0, DATA_GPA, 0, 3u << 16 | 2, 0, 516,
	    NULL), DNR | 0x02);
	assert_int_equal(run(&aq, 0x02, 0, DATA_GPA, 0, 3u << 16 | 2, 0, 2,
	    NULL), DNR | 0x02);
	/* Firmware slot log. */
	assert_int_equal(admin(0x02, 0, DATA_GPA, 127u << 16 | 3, 0, NULL),
	    ST_OK);
	assert_int_equal(ram[DATA_GPA], 1);
	assert_memory_equal(ram + DATA_GPA + 8, "1.0     ", 8);
	/* Unknown log page. */
	assert_int_equal(admin(0x02, 0, DATA_GPA, 127u << 16 | 0x7f, 0, NULL),
	    DNR | 0x109);
}

/* ---- interrupts ---- */

static void
test_msix(void **state)
{
	struct pci_devinst *pi;
	uint64_t tbar;
	int cap;

	start_img("");
	pi = pci_get_devinst(0, 4, 0);
	tbar = pi->pi_bar[4].addr;
	/* Vector 0 (admin) -> 0x40, vector 1 (I/O) -> 0x41. */
	for (int v = 0; v < 2; v++) {
		mmio(0, tbar + 16 * v, 4, 0xfee00000, NULL);
		mmio(0, tbar + 16 * v + 4, 4, 0, NULL);
		mmio(0, tbar + 16 * v + 8, 4, 0x40 + v, NULL);
		mmio(0, tbar + 16 * v + 12, 4, 0, NULL);
	}
	cap = pci_emul_find_capability(pi, PCIY_MSIX);
	cfgw(cap + 2, 2, PCIM_MSIXCTRL_MSIX_ENABLE);
	bring_up(8);
	assert_int_equal(msi_n, 3);		/* three admin commands */
	assert_int_equal(msi_data, 0x40);
	fake_reset();
	assert_int_equal(rw(0x02, 0, 1, DATA_GPA, 0), ST_OK);
	assert_int_equal(msi_n, 4);
	assert_int_equal(msi_addr, 0xfee00000);
	assert_int_equal(msi_data, 0x41);
	assert_int_equal(fake_nlog, 0);		/* no INTx */
}

static void
test_intx(void **state)
{
	struct pci_devinst *pi;
	struct cqe e;
	uint32_t c[16];
	int irq;

	start_img("");
	pi = pci_get_devinst(0, 4, 0);
	irq = pi->pi_lintr.irq.ioapic_irq;
	assert_int_equal(enable(), 1);
	fake_reset();
	memset(c, 0, sizeof(c));
	c[0] = 0x06 | 0x500u << 16;
	c[6] = DATA_GPA;
	c[10] = 1;
	post(&aq, c);
	/* Asserted until the host consumes the entry. */
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, irq), 1);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, irq), 0);
	assert_true(reap(&aq, &e, 1000));
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, irq), 1);
	/* INTMS masks it, INTMC unmasks. */
	wr32(0x0c, 1);
	assert_int_equal(rd32(0x0c), 1);
	fake_reset();
	c[0] = 0x06 | 0x501u << 16;
	post(&aq, c);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, irq), 0);
	wr32(0x10, 1);
	assert_int_equal(rd32(0x10), 0);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, irq), 1);
	assert_true(reap(&aq, &e, 1000));
}

/* ---- reset and shutdown ---- */

static void
test_reset_shutdown(void **state)
{
	struct cqe e;
	struct timespec ts = { 0, 1000000 };
	uint32_t dw0;
	int i;

	start_img("");
	bring_up(8);
	memset(ram + DATA_GPA, 0x77, 512);
	assert_int_equal(rw(0x01, 1, 1, DATA_GPA, 0), ST_OK);
	/* Normal shutdown: SHST goes to complete (10b). */
	wr32(0x14, 0x464001);
	for (i = 0; i < 5000 && (rd32(0x1c) & 0xc) != 0x8; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(rd32(0x1c), 0x9);
	assert_int_equal(rd32(0x14), 0x464001);
	/* Nothing is fetched after shutdown. */
	post(&ioq, (uint32_t[16]){ 0x02 | 0x600u << 16, 1, 0, 0, 0, 0,
	    DATA_GPA });
	assert_false(reap(&ioq, &e, 20));
	/* Reset: CSTS clears, I/O queues are gone, AQA/ASQ/ACQ stay. */
	wr32(0x14, 0x460000);
	assert_int_equal(rd32(0x1c), 0);
	assert_int_equal(rd32(0x24), (AQ_SIZE - 1) << 16 | (AQ_SIZE - 1));
	assert_int_equal(rd32(0x28), ASQ_GPA);
	assert_int_equal(enable(), 1);
	assert_int_equal(admin(0x00, 0, 0, 1, 0, NULL), DNR | 0x101);
	/* Features went back to their defaults. */
	assert_int_equal(admin(0x0a, 0, 0, 0x07, 0, &dw0), ST_OK);
	assert_int_equal(dw0, 0x000f000f);
	/* Bring it up again and read what was written before. */
	wr32(0x14, 0x460000);
	bring_up(8);
	assert_int_equal(rw(0x02, 1, 1, DATA_GPA + 4096, 0), ST_OK);
	assert_int_equal(ram[DATA_GPA + 4096], 0x77);
}

/*
 * Commands in flight when their SQ is deleted complete first (§5.6);
 * a reset with I/O in flight waits for it and posts nothing stale.
 */
static void
test_inflight_delete_reset(void **state)
{
	struct cqe e;
	uint32_t c[16];
	uint64_t p = DATA_GPA;
	unsigned seen = 0;
	int n = 0;

	start_img(",ioslots=4");
	bring_up(16);
	memset(c, 0, sizeof(c));
	c[1] = 1;
	memcpy(&c[6], &p, 8);
	for (int i = 0; i < 6; i++) {
		c[0] = 0x02 | (0x700u + i) << 16;
		c[10] = i;
		memcpy(ram + IOSQ_GPA + i * 64, c, 64);
	}
	wr32(0x1000 + 8, 6);
	assert_int_equal(admin(0x00, 0, 0, 1, 0, NULL), ST_OK);
	/*
	 * All six are in the CQ by the time the deletion completed: read,
	 * or aborted (08h) if they were not fetched yet.
	 */
	while (reap(&ioq, &e, 1)) {
		assert_int_equal((e.dw3 & 0xffff) & ~7u, 0x700);
		seen |= 1u << (e.dw3 & 7);
		if ((e.dw3 >> 17) != 0)
			assert_int_equal(e.dw3 >> 17, DNR | 0x08);
		n++;
	}
	assert_int_equal(n, 6);
	assert_int_equal(seen, 0x3f);	/* each once, in any order */
	assert_int_equal(admin(0x04, 0, 0, 1, 0, NULL), ST_OK);
	/* Again, with a reset instead of the deletion. */
	wr32(0x14, 0x460000);
	bring_up(16);
	for (int i = 0; i < 6; i++) {
		c[0] = 0x02 | (0x710u + i) << 16;
		memcpy(ram + IOSQ_GPA + i * 64, c, 64);
	}
	wr32(0x1000 + 8, 6);
	wr32(0x14, 0x460000);
	assert_int_equal(rd32(0x1c), 0);
	memset(ram + IOCQ_GPA, 0, 16 * 16);
	nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	for (int i = 0; i < 16 * 16; i++)
		assert_int_equal(ram[IOCQ_GPA + i], 0);
}

/* xorshift64: the fuzz test's deterministic generator. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

/* A PRP: in the data area, mid-page, at the end of RAM or outside it. */
static uint64_t
rnd_prp(uint64_t *x)
{
	switch (rnd(x) % 5) {
	case 0:
		return (DATA_GPA + (rnd(x) % 0x1c0) * 0x1000);
	case 1:
		return (DATA_GPA + (rnd(x) % 0x1c0000 & ~3ULL));
	case 2:
		return (RAM_SIZE - 4096 + (rnd(x) % 4096));
	case 3:
		return (rnd(x));
	default:
		return (LIST_GPA);
	}
}

/*
 * Seeded random commands on both queues (random opcodes, namespaces,
 * PRPs and dwords; random PRP lists): each completes with some status,
 * and the controller keeps working.  Under ASan/UBSan this is the
 * "never crash, never touch host memory" check.
 */
static void
test_fuzz_commands(void **state)
{
	static const uint8_t aopc[] = { 0x02, 0x06, 0x08, 0x09, 0x0a, 0x7f };
	static const uint8_t iopc[] = { 0x00, 0x01, 0x02, 0x08, 0x09, 0x04 };
	uint64_t x = 0x9e3779b97f4a7c15ULL, l[512];
	uint32_t c[16];

	start_img("");
	bring_up(16);
	for (int i = 0; i < 3000; i++) {
		bool adm = rnd(&x) % 4 == 0;
		uint64_t p1 = rnd_prp(&x), p2 = rnd_prp(&x);

		for (int j = 0; j < 512; j++)
			l[j] = rnd(&x) % 3 ? DATA_GPA +
			    (rnd(&x) % 0x1c0) * 0x1000 : rnd(&x);
		memcpy(ram + LIST_GPA, l, sizeof(l));
		memset(c, 0, sizeof(c));
		c[0] = adm ? aopc[rnd(&x) % 6] : iopc[rnd(&x) % 6];
		if (rnd(&x) % 16 == 0)
			c[0] |= rnd(&x) & 0xc300;
		c[1] = rnd(&x) % 4 ? 1 : (uint32_t)rnd(&x);
		memcpy(&c[6], &p1, 8);
		memcpy(&c[8], &p2, 8);
		for (int j = 10; j < 16; j++)
			c[j] = (uint32_t)rnd(&x);
		if (!adm && rnd(&x) % 2) {
			c[10] = rnd(&x) % 140;		/* near the disk */
			c[11] = 0;
			c[12] &= rnd(&x) % 2 ? 0x4000003f : 0xffff;
		}
		if (adm && c[0] == 0x09 && (c[10] & 0xff) == 0x07)
			c[10] = 0x06;	/* keep our queues */
		(void)cmd_wait(adm ? &aq : &ioq, c, NULL);
	}
	assert_int_equal(rd32(0x1c), 1);
	assert_int_equal(rw(0x02, 0, 1, DATA_GPA, 0), ST_OK);
	assert_int_equal(admin(0x06, 0, DATA_GPA, 1, 0, NULL), ST_OK);
	assert_int_equal(get16(DATA_GPA), 0xfb5d);
}

/* ---- options ---- */

static void
test_options(void **state)
{
	char s[200];
	const char *bad[] = { "ram=0", "ram=abc", "ram=1,maxq=0",
	    "ram=1,maxq=65", "ram=1,qsz=1", "ram=1,qsz=70000",
	    "ram=1,ioslots=0", "ram=1,sectsz=1024", "ram=1,sectsz=x",
	    "ram=1,dsm=maybe", "ram=1,eui64=zz", "ram=1,nocahce",
	    "/nonexistent/disk.img", "@,sectorsize=100", "@,ro=maybe" };

	assert_int_equal(parse("4,nvme"), -1);
	assert_int_equal(parse("4,nvme,,ro"), -1);
	assert_null(find_config_node("pci.0.4.0"));
	/* ram= goes into the node as is. */
	assert_int_equal(parse("4,nvme,ram=16,maxq=4,ser=ABC"), 0);
	assert_string_equal(get_config_value("pci.0.4.0.ram"), "16");
	assert_string_equal(get_config_value("pci.0.4.0.maxq"), "4");
	assert_string_equal(get_config_value("pci.0.4.0.device"), "nvme");
	assert_null(get_config_value("pci.0.4.0.path"));
	free_config();
	init_config();
	assert_int_equal(parse("4,nvme,/x/y.img,qsz=64"), 0);
	assert_string_equal(get_config_value("pci.0.4.0.path"), "/x/y.img");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dev_reconfig();
		if (bad[i][0] == '@')
			snprintf(s, sizeof(s), "4,nvme,%s%s", img, bad[i] + 1);
		else
			snprintf(s, sizeof(s), "4,nvme,%s", bad[i]);
		assert_int_equal(parse(s), 0);
		if (init_pci(NULL) != -1)
			fail_msg("'%s' was accepted", s);
	}
	/* Good values. */
	dev_reconfig();
	start("ram=2,maxq=2,qsz=64,ioslots=1,sectsz=512,dsm=enable");
	assert_int_equal(rd32(0x00), 0x1e01003f);
	bring_up(8);
	assert_int_equal(admin(0x06, 1, DATA_GPA, 0, 0, NULL), ST_OK);
	assert_int_equal(get64(DATA_GPA), 4096);
	assert_int_equal(rw(0x02, 4095, 1, DATA_GPA, 0), ST_OK);
}

static void
test_exclusive(void **state)
{
	assert_int_equal(two_users("nvme", img, "", ""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_pci_identity),
		T(test_enable_disable),
		T(test_identify),
		T(test_queue_errors),
		T(test_read_write),
		T(test_malformed_io),
		T(test_mdts),
		T(test_write_zeroes_dsm),
		T(test_dsm_disabled),
		T(test_read_only),
		T(test_ram),
		T(test_sectsz),
		T(test_doorbell_errors),
		T(test_cq_full),
		T(test_features_logs),
		T(test_msix),
		T(test_intx),
		T(test_reset_shutdown),
		T(test_inflight_delete_reset),
		T(test_fuzz_commands),
		T(test_options),
		T(test_exclusive),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
