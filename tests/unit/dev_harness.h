/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_harness.h: the guest side shared by the PCI device unit tests (nvme,
 * ahci, virtio-blk, virtio-net, virtio-console): a fake guest RAM behind
 * vm_map_gpa, an MSI recorder, config-space and BAR accessors for the
 * function under test, image-file helpers, and a virtio driver's init and
 * queue-setup steps.  Header-only like dev_fakes.h (which it includes), so
 * every program keeps linking as tests/unit/unit.mk says; define RAM_SIZE
 * before including it for a RAM other than 1 MiB.
 */
#ifndef LHYVE_DEV_HARNESS_H
#define LHYVE_DEV_HARNESS_H

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "dev_fakes.h"
#include "devices/pci_emul.h"
#include "devices/pci_virtio.h"
#include "devices/virtio.h"

/* Every helper is static; a program uses the ones it needs. */
#define HARNESS_FN	static __attribute__((unused))

/* ---- fake guest RAM at gpa 0 ---- */
#ifndef RAM_SIZE
#define RAM_SIZE	(1024 * 1024)
#endif
static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));

void *
vm_map_gpa(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return (NULL);
	return (ram + gpa);
}

void
vm_notify_write(struct vmctx *ctx, uint64_t gpa, size_t len)
{
}

HARNESS_FN uint16_t
get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, ram + gpa, 2);
	return (v);
}

HARNESS_FN uint32_t
get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, ram + gpa, 4);
	return (v);
}

HARNESS_FN uint64_t
get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + gpa, 8);
	return (v);
}

HARNESS_FN void
put32(uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, 4);
}

/* ---- MSI: the last message and how many came (devices' threads too) ---- */
static int msi_n;
static uint64_t msi_addr, msi_data;

int
vm_lapic_msi(struct vmctx *ctx, uint64_t addr, uint64_t msg)
{
	__atomic_add_fetch(&msi_n, 1, __ATOMIC_SEQ_CST);
	msi_addr = addr;
	msi_data = msg;
	return (0);
}

/* ---- fixtures ---- */

/* A fresh config tree, port and MMIO maps, fakes and RAM for each test. */
HARNESS_FN void
dev_setup(void)
{
	init_config();
	init_inout(false);
	init_mem();
	fake_reset();
	msi_n = 0;
	memset(ram, 0, sizeof(ram));
}

/* Start over within a test: a new config tree and empty maps. */
HARNESS_FN void
dev_reconfig(void)
{
	free_config();
	init_config();
	init_inout(false);
	init_mem();
}

/* One -s argument (copied: pci_parse_slot writes into it); its result. */
HARNESS_FN int
parse(const char *s)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", s);
	return (pci_parse_slot(buf));
}

/*
 * Slots 4 and 5 both given 'path' for device 'dev', each followed by its
 * own options (image locking); what init_pci then says.
 */
HARNESS_FN int
two_users(const char *dev, const char *path, const char *opts4,
    const char *opts5)
{
	char s[300];

	snprintf(s, sizeof(s), "4,%s,%s%s", dev, path, opts4);
	assert_int_equal(parse(s), 0);
	snprintf(s, sizeof(s), "5,%s,%s%s", dev, path, opts5);
	assert_int_equal(parse(s), 0);
	return (init_pci(NULL));
}

/* ---- the function under test: config space and one memory BAR ---- */
static int dev_slot;
static uint64_t bar;

HARNESS_FN uint32_t
cfgr_at(int slot, int off, int bytes)
{
	uint32_t v = 0;

	pci_cfgrw(1, 0, slot, 0, off, bytes, &v);
	return (v);
}

HARNESS_FN void
cfgw_at(int slot, int off, int bytes, uint32_t v)
{
	pci_cfgrw(0, 0, slot, 0, off, bytes, &v);
}

HARNESS_FN uint32_t
cfgr(int off, int bytes)
{
	return (cfgr_at(dev_slot, off, bytes));
}

HARNESS_FN void
cfgw(int off, int bytes, uint32_t v)
{
	cfgw_at(dev_slot, off, bytes, v);
}

/*
 * Bring up the bus configured so far; then, as firmware would, enable
 * memory decoding and bus mastering on bus 0 'slot' and remember where
 * its BAR 'barno' went.  0, or -1 when init_pci refused.
 */
HARNESS_FN int
dev_bus_up(int slot, int barno)
{
	if (init_pci(NULL) != 0)
		return (-1);
	dev_slot = slot;
	cfgw(PCIR_COMMAND, 2, PCIM_CMD_MEMEN | PCIM_CMD_BUSMASTEREN);
	bar = pci_get_devinst(0, slot, 0)->pi_bar[barno].addr;
	assert_true(bar != 0);
	return (0);
}

HARNESS_FN uint64_t
rd(uint64_t off, int bytes)
{
	return (mmio(1, bar + off, bytes, 0, NULL));
}

HARNESS_FN void
wr(uint64_t off, int bytes, uint64_t v)
{
	(void)mmio(0, bar + off, bytes, v, NULL);
}

HARNESS_FN uint32_t
rd32(uint64_t off)
{
	return ((uint32_t)rd(off, 4));
}

HARNESS_FN void
wr32(uint64_t off, uint32_t v)
{
	wr(off, 4, v);
}

/* ---- backing files ---- */

HARNESS_FN void
make_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

HARNESS_FN void
read_file(const char *path, void *buf, off_t off, size_t len)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

/* ---- virtio over the modern BAR (common config, virtio 1.2 §4.1.4.3) ---- */

/* The driver's init sequence up to FEATURES_OK (§3.1.1); the status. */
HARNESS_FN uint8_t
driver_init(uint64_t feat)
{
	wr(0x14, 1, 0);
	wr(0x14, 1, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	wr(0x08, 4, 0);
	wr(0x0c, 4, (uint32_t)feat);
	wr(0x08, 4, 1);
	wr(0x0c, 4, (uint32_t)(feat >> 32));
	wr(0x14, 1, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER |
	    VIRTIO_S_FEATURES_OK);
	return (rd(0x14, 1));
}

/*
 * Select queue q, give it qsz entries, MSI-X vector 'vector' (< 0: leave
 * it), the three ring addresses, and enable it.
 */
HARNESS_FN void
vq_setup(int q, int qsz, int vector, uint64_t desc, uint64_t avail,
    uint64_t used)
{
	wr(0x16, 2, q);
	wr(0x18, 2, qsz);
	if (vector >= 0)
		wr(0x1a, 2, vector);
	wr(0x20, 4, (uint32_t)desc);
	wr(0x24, 4, desc >> 32);
	wr(0x28, 4, (uint32_t)avail);
	wr(0x2c, 4, avail >> 32);
	wr(0x30, 4, (uint32_t)used);
	wr(0x34, 4, used >> 32);
	wr(0x1c, 2, 1);
}

HARNESS_FN volatile struct vring_desc *
vr_desc(uint64_t table, int i)
{
	return ((volatile struct vring_desc *)(ram + table) + i);
}

HARNESS_FN volatile struct vring_avail *
vr_avail(uint64_t gpa)
{
	return ((volatile struct vring_avail *)(ram + gpa));
}

HARNESS_FN volatile struct vring_used *
vr_used(uint64_t gpa)
{
	return ((volatile struct vring_used *)(ram + gpa));
}

HARNESS_FN void
vr_set_desc(uint64_t table, int i, uint64_t addr, uint32_t len,
    uint16_t flags, uint16_t next)
{
	vr_desc(table, i)->addr = addr;
	vr_desc(table, i)->len = len;
	vr_desc(table, i)->flags = flags;
	vr_desc(table, i)->next = next;
}

/* Make chain 'head' available: the ring slot, then the index (release). */
HARNESS_FN void
vr_post(uint64_t avail, int qsz, uint16_t *idx, uint16_t head)
{
	vr_avail(avail)->ring[*idx % qsz] = head;
	(*idx)++;
	__atomic_store_n(&vr_avail(avail)->idx, *idx, __ATOMIC_RELEASE);
}

#endif /* LHYVE_DEV_HARNESS_H */
