/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_virtio_blk.c: virtio-blk and virtio-rnd through the real virtio-pci
 * transport and PCI core, driven the way a guest driver would (config
 * space, the modern BAR's registers, rings in a fake guest RAM): the PCI
 * identity and capabilities, feature negotiation, read/write/flush/
 * get-id/discard/write-zeroes against a temporary image file, the limits
 * in config space, the status byte for bad
 * requests (beyond the disk, partial sectors, unknown types, writes to a
 * ro disk), garbage descriptors breaking only the device, INTx and MSI-X
 * delivery, and -s / option errors.
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

#include "dev_harness.h"

extern const struct pci_devemu pci_de_vblk, pci_de_vrnd;
const void *pull_vblk = &pci_de_vblk, *pull_vrnd = &pci_de_vrnd;

#define QSZ		16
/* Where the rings are: the modern tests' places, or legacy's PFN block. */
static uint64_t DESC_GPA = 0x1000, AVAIL_GPA = 0x2000, USED_GPA = 0x3000;
static int ring_qsz = QSZ;
static uint16_t io_base;	/* nonzero: notify through the legacy BAR */
#define HDR_GPA		0x10000
#define DATA_GPA	0x20000
#define STAT_GPA	0x30000
#define DISK_SIZE	(64 * 1024)

static char img[64], roimg[64];
static uint8_t pattern[DISK_SIZE];
static uint16_t avail_idx;

/* ---- the guest side ---- */

/* Configure one function from -s text and bring up the PCI bus. */
static void
start(const char *const *slots, int n, int use)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(parse(slots[i]), 0);
	assert_int_equal(dev_bus_up(use, VTPCI_MODERN_BAR), 0);
}

static void
queue_up(uint16_t vector)
{
	memset(ram, 0, 0x4000);
	avail_idx = 0;
	vq_setup(0, QSZ, vector, DESC_GPA, AVAIL_GPA, USED_GPA);
	assert_int_equal(rd(0x1c, 2), 1);
	wr(0x14, 1, 0x0f);
}

static volatile struct vring_used *
used(void)
{
	return (vr_used(USED_GPA));
}

static void
set_desc(int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	vr_set_desc(DESC_GPA, i, addr, len, flags, next);
}

/* Post chain 'head', notify, and wait for the used ring to reach it. */
static bool
submit(uint16_t head)
{
	struct timespec ts = { 0, 1000000 };

	vr_post(AVAIL_GPA, ring_qsz, &avail_idx, head);
	if (io_base != 0)
		outp(io_base + 0x10, 2, 0);
	else
		wr(VTPCI_NOTIFY_OFF, 2, 0);
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) ==
		    avail_idx)
			return (true);
		nanosleep(&ts, NULL);
	}
	return (false);
}

/* A three-part request: header, data (len, dir), status. */
static uint8_t
blk_req(uint32_t type, uint64_t sector, uint32_t len, bool dev_writes)
{
	uint8_t *h = ram + HDR_GPA;

	memset(h, 0, 16);
	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
	ram[STAT_GPA] = 0xee;
	set_desc(0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	if (len > 0) {
		set_desc(1, DATA_GPA, len, VRING_DESC_F_NEXT |
		    (dev_writes ? VRING_DESC_F_WRITE : 0), 2);
		set_desc(2, STAT_GPA, 1, VRING_DESC_F_WRITE, 0);
	} else {
		set_desc(1, STAT_GPA, 1, VRING_DESC_F_WRITE, 0);
	}
	assert_true(submit(0));
	return (ram[STAT_GPA]);
}

static uint32_t
last_used_len(void)
{
	return (used()->ring[(used()->idx - 1) % ring_qsz].len);
}

static int
setup(void **state)
{
	dev_setup();
	DESC_GPA = 0x1000;
	AVAIL_GPA = 0x2000;
	USED_GPA = 0x3000;
	ring_qsz = QSZ;
	io_base = 0;
	avail_idx = 0;
	for (int i = 0; i < DISK_SIZE; i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 9));
	snprintf(img, sizeof(img), "/tmp/lhyve-tvblk-%d.img", getpid());
	snprintf(roimg, sizeof(roimg), "/tmp/lhyve-tvblk-ro-%d.img",
	    getpid());
	make_file(img, pattern, DISK_SIZE);
	make_file(roimg, pattern, DISK_SIZE);
	return (0);
}

static int
teardown(void **state)
{
	free_config();
	unlink(img);
	unlink(roimg);
	return (0);
}

static void
start_blk(const char *extra)
{
	char s[200];
	const char *v[1] = { s };

	snprintf(s, sizeof(s), "4,virtio-blk,%s%s", img, extra);
	start(v, 1, 4);
}

/* ---- identity ---- */

static void
test_pci_identity(void **state)
{
	int off, types = 0;

	start_blk("");
	assert_int_equal(cfgr_at(4, PCIR_VENDOR, 2), 0x1af4);
	/* Transitional: 0x1001, revision 0, subsystem ID 2 (block). */
	assert_int_equal(cfgr_at(4, PCIR_DEVICE, 2), 0x1001);
	assert_int_equal(cfgr_at(4, PCIR_REVID, 1), 0);
	assert_int_equal(cfgr_at(4, PCIR_SUBVEND_0, 2), 0x1af4);
	assert_int_equal(cfgr_at(4, PCIR_SUBDEV_0, 2), 2);
	assert_int_equal(pci_get_devinst(0, 4, 0)->pi_bar[0].type, PCIBAR_IO);
	/* The four vendor capabilities, each pointing into BAR 4. */
	off = pci_emul_find_capability(pci_get_devinst(0, 4, 0), PCIY_VENDOR);
	while (off > 0) {
		if (cfgr_at(4, off, 1) == PCIY_VENDOR) {
			types |= 1 << cfgr_at(4, off + 3, 1);
			assert_int_equal(cfgr_at(4, off + 4, 1), 4);
		}
		off = cfgr_at(4, off + 1, 1);
	}
	assert_int_equal(types, 0x1e);
	assert_true(pci_emul_find_capability(pci_get_devinst(0, 4, 0),
	    PCIY_MSIX) > 0);
	/* Common config: one queue of QSZ, features with VERSION_1. */
	assert_int_equal(rd(0x12, 2), 1);
	wr(0x16, 2, 0);
	assert_int_equal(rd(0x18, 2), 128);
	wr(0x00, 4, 1);
	assert_int_equal(rd(0x04, 4) & 1, 1);		/* VERSION_1 */
	wr(0x00, 4, 0);
	assert_int_equal(rd(0x04, 4) & (1u << 5), 0);	/* not RO */
	assert_true(rd(0x04, 4) & (1u << 9));		/* FLUSH */
	/* A queue that does not exist has size 0. */
	wr(0x16, 2, 7);
	assert_int_equal(rd(0x18, 2), 0);
	/* Config space: capacity in 512-byte sectors, blk_size. */
	assert_int_equal(rd(VTPCI_DEVCFG_OFF, 4), DISK_SIZE / 512);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 4, 4), 0);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 20, 4), 512);
}

static void
test_feature_negotiation(void **state)
{
	start_blk("");
	/* Without VERSION_1 the modern interface refuses. */
	assert_int_equal(driver_init(1ULL << 9) & VIRTIO_S_FEATURES_OK, 0);
	/* A feature not offered (bit 5, RO, on a writable disk). */
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1 | (1ULL << 5)) &
	    VIRTIO_S_FEATURES_OK, 0);
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1 | (1ULL << 9)),
	    0x0b);
	/* Reading back the driver features. */
	wr(0x08, 4, 1);
	assert_int_equal(rd(0x0c, 4), 1);
	/* Status 0 resets. */
	wr(0x14, 1, 0);
	assert_int_equal(rd(0x14, 1), 0);
}

/* ---- requests ---- */

static void
test_read_write(void **state)
{
	uint8_t buf[1024];

	start_blk("");
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);

	assert_int_equal(blk_req(0, 3, 1024, true), 0);
	assert_memory_equal(ram + DATA_GPA, pattern + 3 * 512, 1024);
	assert_int_equal(last_used_len(), 1025);
	assert_int_equal(used()->ring[0].id, 0);

	memset(ram + DATA_GPA, 0x5a, 1024);
	assert_int_equal(blk_req(1, 10, 1024, false), 0);
	assert_int_equal(last_used_len(), 1);
	read_file(img, buf, 10 * 512, 1024);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(buf[i], 0x5a);
	/* The neighbours are untouched. */
	read_file(img, buf, 9 * 512, 512);
	assert_memory_equal(buf, pattern + 9 * 512, 512);

	assert_int_equal(blk_req(4, 0, 0, false), 0);	/* flush */
	/* The last sector is readable; one past it is not. */
	assert_int_equal(blk_req(0, DISK_SIZE / 512 - 1, 512, true), 0);
	assert_int_equal(blk_req(0, DISK_SIZE / 512, 512, true), 1);
	assert_int_equal(blk_req(0, DISK_SIZE / 512 - 1, 1024, true), 1);
	assert_int_equal(blk_req(1, ~0ULL, 512, false), 1);
	assert_int_equal(blk_req(0, 1ULL << 60, 512, true), 1);
	/* Partial sectors. */
	assert_int_equal(blk_req(0, 0, 100, true), 1);
	assert_int_equal(blk_req(1, 0, 513, false), 1);
	/* Unknown type. */
	assert_int_equal(blk_req(77, 0, 512, true), 2);
	/* The device is still fine. */
	assert_int_equal(rd(0x14, 1) & VIRTIO_S_NEEDS_RESET, 0);
	assert_int_equal(blk_req(0, 0, 512, true), 0);
	assert_memory_equal(ram + DATA_GPA, pattern, 512);
}

static void
test_get_id(void **state)
{
	start_blk(",ser=ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	memset(ram + DATA_GPA, 0xff, 64);
	assert_int_equal(blk_req(8, 0, 64, true), 0);
	/* The first 20 bytes of ser=. */
	assert_memory_equal(ram + DATA_GPA, "ABCDEFGHIJKLMNOPQRST", 20);
	assert_int_equal(ram[DATA_GPA + 20], 0xff);
}

static void
test_discard(void **state)
{
	uint8_t buf[512], z[512];
	struct { uint64_t sector; uint32_t n, flags; } d = { 4, 2, 0 };

	start_blk("");
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1 | (1ULL << 13)),
	    0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	memcpy(ram + DATA_GPA, &d, sizeof(d));
	assert_int_equal(blk_req(11, 0, 16, false), 0);
	memset(z, 0, sizeof(z));
	read_file(img, buf, 5 * 512, 512);
	assert_memory_equal(buf, z, 512);
	read_file(img, buf, 6 * 512, 512);
	assert_memory_equal(buf, pattern + 6 * 512, 512);
	/* Past the end. */
	d.sector = DISK_SIZE / 512 - 1;
	memcpy(ram + DATA_GPA, &d, sizeof(d));
	assert_int_equal(blk_req(11, 0, 16, false), 1);
}

static void
test_write_zeroes(void **state)
{
	uint8_t buf[1024], z[1024];
	struct { uint64_t sector; uint32_t n, flags; } d = { 8, 2, 0 };

	start_blk("");
	/* Both features offered, with their limits (§5.2.4). */
	wr(0x00, 4, 0);
	assert_int_equal(rd(0x04, 4) & (3u << 13), 3u << 13);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 36, 4), 1u << 22);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 40, 4), 1);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 44, 4), 1);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 48, 4), 1u << 22);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 52, 4), 1);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 56, 1), 1);
	/* Not negotiated: UNSUPP. */
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1 | (1ULL << 13)),
	    0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	memcpy(ram + DATA_GPA, &d, sizeof(d));
	assert_int_equal(blk_req(13, 0, 16, false), 2);
	/* A discard with the unmap flag is UNSUPP (§5.2.6.2). */
	d.flags = 1;
	memcpy(ram + DATA_GPA, &d, sizeof(d));
	assert_int_equal(blk_req(11, 0, 16, false), 2);

	assert_int_equal(driver_init(VIRTIO_F_VERSION_1 | (3ULL << 13)),
	    0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	memset(z, 0, sizeof(z));
	/* Without unmap, then with it. */
	d.flags = 0;
	memcpy(ram + DATA_GPA, &d, sizeof(d));
	assert_int_equal(blk_req(13, 0, 16, false), 0);
	assert_int_equal(last_used_len(), 1);
	read_file(img, buf, 7 * 512, 1024);
	assert_memory_equal(buf, pattern + 7 * 512, 512);
	assert_memory_equal(buf + 512, z, 512);
	read_file(img, buf, 9 * 512, 1024);
	assert_memory_equal(buf, z, 512);
	assert_memory_equal(buf + 512, pattern + 10 * 512, 512);
	d.sector = 20;
	d.flags = 1;
	memcpy(ram + DATA_GPA, &d, sizeof(d));
	assert_int_equal(blk_req(13, 0, 16, false), 0);
	read_file(img, buf, 20 * 512, 1024);
	assert_memory_equal(buf, z, 1024);
	/* Unknown flags: UNSUPP; past the end or too long: IOERR. */
	d.flags = 2;
	memcpy(ram + DATA_GPA, &d, sizeof(d));
	assert_int_equal(blk_req(13, 0, 16, false), 2);
	d.flags = 0;
	d.sector = DISK_SIZE / 512 - 1;
	memcpy(ram + DATA_GPA, &d, sizeof(d));
	assert_int_equal(blk_req(13, 0, 16, false), 1);
	d.sector = 0;
	d.n = (1u << 22) + 1;
	memcpy(ram + DATA_GPA, &d, sizeof(d));
	assert_int_equal(blk_req(13, 0, 16, false), 1);
	/* A short segment: IOERR; the device is still fine. */
	assert_int_equal(blk_req(13, 0, 8, false), 1);
	assert_int_equal(rd(0x14, 1) & VIRTIO_S_NEEDS_RESET, 0);
	/* Nothing else changed. */
	read_file(img, buf, 0, 1024);
	assert_memory_equal(buf, pattern, 1024);
}

static void
test_nodelete(void **state)
{
	start_blk(",nodelete");
	wr(0x00, 4, 0);
	assert_int_equal(rd(0x04, 4) & (3u << 13), 0);
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1 | (1ULL << 14)) &
	    VIRTIO_S_FEATURES_OK, 0);
}

static void
test_read_only(void **state)
{
	char s[200];
	const char *v[1] = { s };
	uint8_t buf[512];

	snprintf(s, sizeof(s), "4,virtio-blk,%s,ro", roimg);
	start(v, 1, 4);
	wr(0x00, 4, 0);
	assert_true(rd(0x04, 4) & (1u << 5));		/* RO offered */
	/* Neither DISCARD nor WRITE_ZEROES. */
	assert_int_equal(rd(0x04, 4) & (3u << 13), 0);
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1 | (1ULL << 5)), 0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	memset(ram + DATA_GPA, 0, 512);
	/* A driver that ignores RO still cannot write. */
	assert_int_equal(blk_req(1, 0, 512, false), 1);
	read_file(roimg, buf, 0, 512);
	assert_memory_equal(buf, pattern, 512);
	assert_int_equal(blk_req(0, 1, 512, true), 0);
	assert_memory_equal(ram + DATA_GPA, pattern + 512, 512);
}

static void
test_garbage_descriptors(void **state)
{
	start_blk("");
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);

	/* Data pointing outside guest RAM: the device breaks, lhyve lives. */
	set_desc(0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, 0x7fff0000000ULL, 4096, VRING_DESC_F_NEXT |
	    VRING_DESC_F_WRITE, 2);
	set_desc(2, STAT_GPA, 1, VRING_DESC_F_WRITE, 0);
	assert_false(submit(0));
	assert_true(rd(0x14, 1) & VIRTIO_S_NEEDS_RESET);
	/* Later notifications are ignored until a reset. */
	assert_false(submit(0));
	/* No status byte at all: also a device error. */
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	set_desc(0, HDR_GPA, 16, 0, 0);
	assert_false(submit(0));
	assert_true(rd(0x14, 1) & VIRTIO_S_NEEDS_RESET);
	/* A descriptor loop. */
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	set_desc(0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, DATA_GPA, 16, VRING_DESC_F_NEXT, 0);
	assert_false(submit(0));
	assert_true(rd(0x14, 1) & VIRTIO_S_NEEDS_RESET);
	/* After a reset it works again. */
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	assert_int_equal(blk_req(0, 0, 512, true), 0);
}

/* ---- interrupts ---- */

static void
test_intx(void **state)
{
	struct pci_devinst *pi;

	start_blk("");
	pi = pci_get_devinst(0, 4, 0);
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	fake_reset();
	assert_int_equal(blk_req(0, 0, 512, true), 0);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT,
	    pi->pi_lintr.irq.ioapic_irq), 1);
	/* Reading the ISR returns the queue bit, clears it, lowers INTx. */
	assert_int_equal(rd(VTPCI_ISR_OFF, 1), VIRTIO_ISR_QUEUE);
	assert_int_equal(rd(VTPCI_ISR_OFF, 1), 0);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT,
	    pi->pi_lintr.irq.ioapic_irq), 1);
	assert_int_equal(msi_n, 0);
}

static void
test_msix(void **state)
{
	struct pci_devinst *pi;
	uint64_t tbar;
	int cap;

	start_blk("");
	pi = pci_get_devinst(0, 4, 0);
	tbar = pi->pi_bar[VTPCI_MSIX_BAR].addr;
	/* Vector 1 -> 0xfee00000 / 0x41, unmasked; MSI-X on. */
	mmio(0, tbar + 16, 4, 0xfee00000, NULL);
	mmio(0, tbar + 20, 4, 0, NULL);
	mmio(0, tbar + 24, 4, 0x41, NULL);
	mmio(0, tbar + 28, 4, 0, NULL);
	cap = pci_emul_find_capability(pi, PCIY_MSIX);
	assert_int_equal(cfgr_at(4, cap + 2, 2) & 0x7ff, 1);	/* 2 vectors */
	cfgw_at(4, cap + 2, 2, PCIM_MSIXCTRL_MSIX_ENABLE);
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	/* Vectors beyond the table read back as NO_VECTOR. */
	wr(0x10, 2, 5);
	assert_int_equal(rd(0x10, 2), VIRTIO_MSI_NO_VECTOR);
	wr(0x10, 2, 0);
	assert_int_equal(rd(0x10, 2), 0);
	queue_up(1);
	assert_int_equal(rd(0x1a, 2), 1);
	fake_reset();
	assert_int_equal(blk_req(0, 0, 512, true), 0);
	assert_int_equal(msi_n, 1);
	assert_int_equal(msi_addr, 0xfee00000);
	assert_int_equal(msi_data, 0x41);
	assert_int_equal(fake_nlog, 0);		/* no INTx */
	assert_int_equal(rd(VTPCI_ISR_OFF, 1), 0);	/* ISR unused */
}

static void
test_msi_forced(void **state)
{
	struct pci_devinst *pi;

	set_config_bool("virtio_msix", false);
	start_blk("");
	pi = pci_get_devinst(0, 4, 0);
	assert_int_equal(pci_emul_find_capability(pi, PCIY_MSIX), -1);
	assert_true(pci_emul_find_capability(pi, PCIY_MSI) > 0);
}

/* ---- the legacy interface ---- */

static void
test_legacy(void **state)
{
	struct pci_devinst *pi;

	start_blk(",ser=LEGACY");
	pi = pci_get_devinst(0, 4, 0);
	cfgw_at(4, PCIR_COMMAND, 2, PCIM_CMD_PORTEN | PCIM_CMD_MEMEN |
	    PCIM_CMD_BUSMASTEREN);
	io_base = pi->pi_bar[0].addr;
	assert_true(io_base != 0);
	outp(io_base + 0x12, 1, 0);
	outp(io_base + 0x12, 1, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	/* Low 32 feature bits only: INDIRECT (28), FLUSH (9), no RO. */
	assert_int_equal(inp(io_base + 0x00, 4) & ((1u << 28) | (1u << 9) |
	    (1u << 5)), (1u << 28) | (1u << 9));
	outp(io_base + 0x04, 4, 1u << 9);
	assert_int_equal(inp(io_base + 0x04, 4), 1u << 9);
	/* Device config right after the header (MSI-X is off). */
	assert_int_equal(inp(io_base + 0x14, 4), DISK_SIZE / 512);
	outp(io_base + 0x0e, 2, 0);
	assert_int_equal(inp(io_base + 0x0c, 2), 128);
	/* Rings in one page-aligned block from PFN 0x40. */
	ring_qsz = 128;
	DESC_GPA = 0x40000;
	AVAIL_GPA = DESC_GPA + 128 * 16;
	USED_GPA = 0x41000;
	memset(ram + DESC_GPA, 0, 0x2000);
	outp(io_base + 0x08, 4, 0x40);
	assert_int_equal(inp(io_base + 0x08, 4), 0x40);
	outp(io_base + 0x12, 1, 0x07);
	assert_int_equal(inp(io_base + 0x12, 1), 0x07);
	fake_reset();
	assert_int_equal(blk_req(0, 2, 512, true), 0);
	assert_memory_equal(ram + DATA_GPA, pattern + 1024, 512);
	assert_int_equal(blk_req(8, 0, 20, true), 0);
	assert_memory_equal(ram + DATA_GPA, "LEGACY\0", 7);
	/* INTx and the legacy ISR. */
	assert_true(fake_count(F_IOAPIC_ASSERT,
	    pi->pi_lintr.irq.ioapic_irq) >= 1);
	assert_int_equal(inp(io_base + 0x13, 1), VIRTIO_ISR_QUEUE);
	assert_int_equal(inp(io_base + 0x13, 1), 0);
	/* A PFN pointing outside RAM breaks the device, nothing else. */
	outp(io_base + 0x12, 1, 0);
	outp(io_base + 0x12, 1, 3);
	outp(io_base + 0x08, 4, 0xfffff);
	assert_true(inp(io_base + 0x12, 1) & VIRTIO_S_NEEDS_RESET);
}

/* ---- virtio-rnd ---- */

static void
test_rnd(void **state)
{
	const char *v[1] = { "5,virtio-rnd" };
	uint8_t zero[256];
	int nz = 0;

	start(v, 1, 5);
	assert_int_equal(cfgr_at(5, PCIR_DEVICE, 2), 0x1005);
	assert_int_equal(cfgr_at(5, PCIR_SUBDEV_0, 2), 4);
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	queue_up(VIRTIO_MSI_NO_VECTOR);
	memset(ram + DATA_GPA, 0, 256);
	memset(zero, 0, sizeof(zero));
	set_desc(0, DATA_GPA, 256, VRING_DESC_F_WRITE, 0);
	assert_true(submit(0));
	assert_int_equal(last_used_len(), 256);
	for (int i = 0; i < 256; i++)
		nz += ram[DATA_GPA + i] != 0;
	assert_true(nz > 200);
	/* Out-of-RAM buffer: broken device, no crash. */
	set_desc(0, RAM_SIZE - 16, 256, VRING_DESC_F_WRITE, 0);
	assert_false(submit(0));
	assert_true(rd(0x14, 1) & VIRTIO_S_NEEDS_RESET);
}

/* ---- bad options ---- */

static void
test_bad_options(void **state)
{
	char s[200];

	assert_int_equal(parse("4,virtio-blk"), -1);
	assert_int_equal(parse("4,virtio-blk,,ro"), -1);
	assert_int_equal(parse("4,virtio-blk,ro=1"), -1);
	assert_null(find_config_node("pci.0.4.0"));
	/* Values are checked when the device is created. */
	const char *bad[] = { ",sectorsize=100", ",sectorsize=4096/512",
	    ",sectorsize=abc", ",ro=maybe", ",nocahce", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dev_reconfig();
		snprintf(s, sizeof(s), "4,virtio-blk,%s%s", i + 1 <
		    sizeof(bad) / sizeof(bad[0]) ? img : "/nonexistent/x",
		    bad[i]);
		assert_int_equal(parse(s), 0);
		if (init_pci(NULL) != -1)
			fail_msg("'%s' was accepted", s);
	}
}

static void
test_sectorsize(void **state)
{
	start_blk(",sectorsize=512/4096");
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 20, 4), 512);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 24, 1), 3);	/* 2^3 */
}

static void
test_exclusive(void **state)
{
	/* Two writers of one image: the second is refused. */
	assert_int_equal(two_users("virtio-blk", img, "", ""), -1);
}

static void
test_shared_ro(void **state)
{
	/* Two ro users of one image are fine. */
	assert_int_equal(two_users("virtio-blk", roimg, ",ro", ",ro"), 0);
}

static void
test_ro_and_writer(void **state)
{
	/* A ro user and a writer of one image: refused. */
	assert_int_equal(two_users("virtio-blk", roimg, ",ro", ""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_pci_identity),
		T(test_feature_negotiation),
		T(test_read_write),
		T(test_get_id),
		T(test_discard),
		T(test_write_zeroes),
		T(test_nodelete),
		T(test_read_only),
		T(test_garbage_descriptors),
		T(test_intx),
		T(test_msix),
		T(test_msi_forced),
		T(test_legacy),
		T(test_rnd),
		T(test_bad_options),
		T(test_sectorsize),
		T(test_exclusive),
		T(test_shared_ro),
		T(test_ro_and_writer),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
