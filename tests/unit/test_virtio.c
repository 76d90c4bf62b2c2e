/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_virtio.c: unit tests of the transport-independent virtio core
 * (src/devices/virtio.c) on a fake guest RAM: status and feature
 * negotiation, queue enabling, split-ring chain walking and every way a
 * guest can make a chain malformed (out-of-RAM buffers, loops, overlong
 * chains, bad indirect tables), used-ring updates and interrupt
 * suppression with and without EVENT_IDX.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "devices/virtio.h"
#include "vmm/vmm.h"

/* ---- fake guest RAM: 256 KiB at gpa 0 ---- */
#define RAM_SIZE	(256 * 1024)
static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
static int nnotify;
static uint64_t notify_lo, notify_hi;

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
	if (nnotify == 0 || gpa < notify_lo)
		notify_lo = gpa;
	if (nnotify == 0 || gpa + len > notify_hi)
		notify_hi = gpa + len;
	nnotify++;
}

/* ---- a fake device and transport ---- */
#define QSZ		8
#define DESC_GPA	0x1000
#define AVAIL_GPA	0x2000
#define USED_GPA	0x3000

static int nreset, nintr, last_isr;
static uint16_t last_vector;
static uint64_t applied;

static void
fdev_reset(void *sc)
{
	nreset++;
}

static void
fdev_apply(void *sc, uint64_t f)
{
	applied = f;
}

static const struct virtio_devops fdev_ops = {
	.vd_name = "fake",
	.vd_devid = 99,
	.vd_nvq = 2,
	.vd_qsize = QSZ,
	.vd_reset = fdev_reset,
	.vd_apply_features = fdev_apply,
};

static void
ftr_intr(struct virtio_softc *vs, uint16_t vector, int isr)
{
	nintr++;
	last_vector = vector;
	last_isr = isr;
}

static const struct virtio_trops ftr = { .vt_intr = ftr_intr };

static struct virtio_softc vs;
static struct vqueue_info *vq;

static volatile struct vring_desc *
desc(int i)
{
	return ((volatile struct vring_desc *)(ram + DESC_GPA) + i);
}

static volatile struct vring_avail *
avail(void)
{
	return ((volatile struct vring_avail *)(ram + AVAIL_GPA));
}

static volatile struct vring_used *
used(void)
{
	return ((volatile struct vring_used *)(ram + USED_GPA));
}

static void
set_desc(volatile struct vring_desc *d, uint64_t addr, uint32_t len,
    uint16_t flags, uint16_t next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Make chain 'head' available. */
static void
push(uint16_t head)
{
	volatile struct vring_avail *a = avail();

	a->ring[a->idx % QSZ] = head;
	a->idx++;
}

/* Negotiate feat (plus VERSION_1) and enable queue 0 on the fixed rings. */
static void
driver_up(uint64_t feat)
{
	virtio_set_status(&vs, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	virtio_set_driver_features(&vs, feat | VIRTIO_F_VERSION_1);
	virtio_set_status(&vs, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER |
	    VIRTIO_S_FEATURES_OK);
	assert_true(vs.vs_status & VIRTIO_S_FEATURES_OK);
	vq->vq_desc_gpa = DESC_GPA;
	vq->vq_avail_gpa = AVAIL_GPA;
	vq->vq_used_gpa = USED_GPA;
	assert_int_equal(vq_enable(vq), 0);
	virtio_set_status(&vs, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER |
	    VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
}

static int
setup(void **state)
{
	memset(ram, 0, sizeof(ram));
	nnotify = nreset = nintr = 0;
	last_isr = 0;
	applied = 0;
	assert_int_equal(virtio_init(&vs, &fdev_ops, NULL, 1ULL << 5, NULL),
	    0);
	vs.vs_tr = &ftr;
	vq = &vs.vs_queues[0];
	return (0);
}

static int
teardown(void **state)
{
	virtio_fini(&vs);
	return (0);
}

static bool
broken(void)
{
	return ((vs.vs_status & VIRTIO_S_NEEDS_RESET) != 0);
}

/* ---- features and status ---- */

static void
test_features_offered(void **state)
{
	assert_int_equal(vs.vs_hostfeat, (1ULL << 5) | VIRTIO_F_VERSION_1 |
	    VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX);
	assert_int_equal(vs.vs_queues[1].vq_qsize, QSZ);
	assert_int_equal(vq->vq_msix_idx, VIRTIO_MSI_NO_VECTOR);
}

static void
test_features_ok(void **state)
{
	virtio_set_status(&vs, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	virtio_set_driver_features(&vs, VIRTIO_F_VERSION_1 | (1ULL << 5));
	virtio_set_status(&vs, 0x0b);
	assert_int_equal(vs.vs_status, 0x0b);
	assert_int_equal(vs.vs_negotiated, VIRTIO_F_VERSION_1 | (1ULL << 5));
	assert_int_equal(applied, VIRTIO_F_VERSION_1 | (1ULL << 5));
	/* Frozen after FEATURES_OK (§3.1.1). */
	virtio_set_driver_features(&vs, VIRTIO_F_VERSION_1);
	assert_int_equal(vs.vs_negotiated, VIRTIO_F_VERSION_1 | (1ULL << 5));
	/* The driver cannot clear FEATURES_OK or set NEEDS_RESET. */
	virtio_set_status(&vs, 0x03 | VIRTIO_S_NEEDS_RESET);
	assert_int_equal(vs.vs_status, 0x0b);
}

static void
test_features_refused(void **state)
{
	/* A feature we did not offer. */
	virtio_set_driver_features(&vs, VIRTIO_F_VERSION_1 | (1ULL << 6));
	virtio_set_status(&vs, 0x0b);
	assert_int_equal(vs.vs_status, 0x03);
	assert_int_equal(vs.vs_negotiated, 0);
	assert_int_equal(applied, 0);
	/* No VERSION_1 on the modern interface. */
	virtio_set_driver_features(&vs, 1ULL << 5);
	virtio_set_status(&vs, 0x0b);
	assert_int_equal(vs.vs_status, 0x03);
	/* Legacy: no FEATURES_OK step, no VERSION_1 needed. */
	vs.vs_legacy = true;
	virtio_set_driver_features(&vs, (1ULL << 5) | (1ULL << 40));
	assert_int_equal(vs.vs_negotiated, 1ULL << 5);
}

static void
test_reset(void **state)
{
	driver_up(0);
	vq->vq_msix_idx = 1;
	vs.vs_isr = 3;
	virtio_set_status(&vs, 0);
	assert_int_equal(nreset, 1);
	assert_int_equal(vs.vs_status, 0);
	assert_int_equal(vs.vs_isr, 0);
	assert_int_equal(vs.vs_negotiated, 0);
	assert_false(vq->vq_enabled);
	assert_int_equal(vq->vq_msix_idx, VIRTIO_MSI_NO_VECTOR);
	assert_int_equal(vq->vq_desc_gpa, 0);
}

/* ---- queue enabling ---- */

static void
test_enable_checks(void **state)
{
	vq->vq_desc_gpa = DESC_GPA;
	vq->vq_avail_gpa = AVAIL_GPA;
	vq->vq_used_gpa = USED_GPA;
	vq->vq_qsize = 0;
	assert_int_equal(vq_enable(vq), -1);
	assert_true(broken());
	virtio_reset(&vs);

	vq->vq_desc_gpa = DESC_GPA;
	vq->vq_avail_gpa = AVAIL_GPA;
	vq->vq_used_gpa = USED_GPA;
	vq->vq_qsize = QSZ * 2;		/* more than offered */
	assert_int_equal(vq_enable(vq), -1);
	virtio_reset(&vs);

	vq->vq_desc_gpa = DESC_GPA + 8;	/* descriptors need 16 */
	vq->vq_avail_gpa = AVAIL_GPA;
	vq->vq_used_gpa = USED_GPA;
	assert_int_equal(vq_enable(vq), -1);
	virtio_reset(&vs);

	vq->vq_desc_gpa = DESC_GPA;
	vq->vq_avail_gpa = AVAIL_GPA;
	vq->vq_used_gpa = RAM_SIZE - 8;	/* used ring runs off RAM */
	assert_int_equal(vq_enable(vq), -1);
	assert_false(vq->vq_enabled);
	virtio_reset(&vs);

	vq->vq_desc_gpa = 0xfffffffffffffff0ULL;	/* wraps */
	vq->vq_avail_gpa = AVAIL_GPA;
	vq->vq_used_gpa = USED_GPA;
	assert_int_equal(vq_enable(vq), -1);
	virtio_reset(&vs);

	/* 1.x allows a size that is not a power of two. */
	vq->vq_desc_gpa = DESC_GPA;
	vq->vq_avail_gpa = AVAIL_GPA;
	vq->vq_used_gpa = USED_GPA;
	vq->vq_qsize = 5;
	assert_int_equal(vq_enable(vq), 0);
	assert_false(broken());
}

/* ---- chains ---- */

static void
test_chain_simple(void **state)
{
	struct iovec iov[8];
	uint64_t gpa[8];
	struct vq_req req;

	driver_up(0);
	assert_false(vq_has_descs(vq));
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 0);

	set_desc(desc(3), 0x8000, 16, VRING_DESC_F_NEXT, 5);
	set_desc(desc(5), 0x9000, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
	    0);
	set_desc(desc(0), 0xa000, 1, VRING_DESC_F_WRITE, 0);
	push(3);
	assert_true(vq_has_descs(vq));
	assert_int_equal(vq_getchain_gpa(vq, iov, gpa, 8, &req), 3);
	assert_int_equal(req.idx, 3);
	assert_int_equal(req.readable, 1);
	assert_int_equal(req.writable, 2);
	assert_ptr_equal(iov[0].iov_base, ram + 0x8000);
	assert_int_equal(iov[0].iov_len, 16);
	assert_ptr_equal(iov[1].iov_base, ram + 0x9000);
	assert_int_equal(iov[1].iov_len, 512);
	assert_ptr_equal(iov[2].iov_base, ram + 0xa000);
	assert_int_equal(gpa[0], 0x8000);
	assert_int_equal(gpa[2], 0xa000);
	assert_false(vq_has_descs(vq));

	/* Put back and take again. */
	vq_retchain(vq);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 3);
	assert_false(broken());
}

static void
test_chain_out_of_ram(void **state)
{
	struct iovec iov[8];
	struct vq_req req;

	driver_up(0);
	set_desc(desc(0), RAM_SIZE - 100, 200, 0, 0);	/* runs past RAM */
	push(0);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), -1);
	assert_true(broken());
	/* The queue is dead until reset: nothing more is taken. */
	set_desc(desc(1), 0x8000, 16, 0, 0);
	push(1);
	assert_false(vq_has_descs(vq));
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 0);
	/* NEEDS_RESET with DRIVER_OK: a config interrupt (§2.1.2). */
	assert_int_equal(nintr, 1);
	assert_int_equal(last_isr, VIRTIO_ISR_CONFIG);
	/* A reset revives it. */
	virtio_set_status(&vs, 0);
	memset(ram, 0, sizeof(ram));
	driver_up(0);
	set_desc(desc(1), 0x8000, 16, 0, 0);
	push(1);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 1);
}

static void
test_chain_addr_wrap(void **state)
{
	struct iovec iov[8];
	struct vq_req req;

	driver_up(0);
	set_desc(desc(0), 0xffffffffffffff00ULL, 0x200, 0, 0);
	push(0);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), -1);
	assert_true(broken());
}

static void
test_chain_zero_len(void **state)
{
	struct iovec iov[8];
	struct vq_req req;

	/* A zero-length buffer maps nothing, wherever it points. */
	driver_up(0);
	set_desc(desc(0), 0xdead00000000ULL, 0, VRING_DESC_F_WRITE, 0);
	push(0);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 1);
	assert_null(iov[0].iov_base);
	assert_int_equal(iov[0].iov_len, 0);
}

static void
test_chain_loop(void **state)
{
	struct iovec iov[64];
	struct vq_req req;

	driver_up(0);
	set_desc(desc(0), 0x8000, 16, VRING_DESC_F_NEXT, 1);
	set_desc(desc(1), 0x8100, 16, VRING_DESC_F_NEXT, 0);
	push(0);
	assert_int_equal(vq_getchain(vq, iov, 64, &req), -1);
	assert_true(broken());
}

static void
test_chain_self_loop(void **state)
{
	struct iovec iov[64];
	struct vq_req req;

	driver_up(0);
	set_desc(desc(2), 0x8000, 16, VRING_DESC_F_NEXT, 2);
	push(2);
	assert_int_equal(vq_getchain(vq, iov, 64, &req), -1);
	assert_true(broken());
}

static void
test_chain_bad_indexes(void **state)
{
	struct iovec iov[8];
	struct vq_req req;

	driver_up(0);
	push(QSZ);			/* head out of the table */
	assert_int_equal(vq_getchain(vq, iov, 8, &req), -1);
	assert_true(broken());

	virtio_set_status(&vs, 0);
	memset(ram, 0, sizeof(ram));
	driver_up(0);
	set_desc(desc(0), 0x8000, 16, VRING_DESC_F_NEXT, 200);
	push(0);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), -1);
	assert_true(broken());

	/* avail->idx more than a queue ahead of us (§2.7.13.3). */
	virtio_set_status(&vs, 0);
	memset(ram, 0, sizeof(ram));
	driver_up(0);
	avail()->idx = QSZ + 1;
	assert_int_equal(vq_getchain(vq, iov, 8, &req), -1);
	assert_true(broken());
}

static void
test_chain_too_long(void **state)
{
	struct iovec iov[3];
	struct vq_req req;

	/* Four valid buffers, room for three. */
	driver_up(0);
	for (int i = 0; i < 4; i++)
		set_desc(desc(i), 0x8000 + 0x100 * i, 16,
		    i < 3 ? VRING_DESC_F_NEXT : 0, i + 1);
	push(0);
	assert_int_equal(vq_getchain(vq, iov, 3, &req), -1);
	assert_true(broken());
}

static void
test_chain_order(void **state)
{
	struct iovec iov[8];
	struct vq_req req;

	/* §2.7.4.2: a readable buffer after a writable one. */
	driver_up(0);
	set_desc(desc(0), 0x8000, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
	    1);
	set_desc(desc(1), 0x8100, 16, 0, 0);
	push(0);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), -1);
	assert_true(broken());
}

/* An indirect table of n entries at 0x6000, chained in order. */
static void
indirect_table(int n, uint16_t last_flags)
{
	volatile struct vring_desc *t =
	    (volatile struct vring_desc *)(ram + 0x6000);

	for (int i = 0; i < n; i++)
		set_desc(&t[i], 0x8000 + 0x200 * i, 0x200,
		    i < n - 1 ? VRING_DESC_F_NEXT : last_flags, i + 1);
}

static void
test_indirect_good(void **state)
{
	struct iovec iov[8];
	struct vq_req req;

	driver_up(VIRTIO_RING_F_INDIRECT_DESC);
	indirect_table(3, VRING_DESC_F_WRITE);
	set_desc(desc(4), 0x6000, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	push(4);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 3);
	assert_int_equal(req.idx, 4);
	assert_int_equal(req.readable, 2);
	assert_int_equal(req.writable, 1);
	assert_ptr_equal(iov[2].iov_base, ram + 0x8400);
	assert_false(broken());
}

static void
test_indirect_bad(void **state)
{
	struct iovec iov[8];
	struct vq_req req;
	volatile struct vring_desc *t =
	    (volatile struct vring_desc *)(ram + 0x6000);
	struct {
		const char *what;
		uint64_t feat;
		uint64_t addr;
		uint32_t len;
		uint16_t flags;
		int fix;		/* 1: loop, 2: nested, 3: next range */
	} cases[] = {
		{ "no feature", 0, 0x6000, 48, VRING_DESC_F_INDIRECT, 0 },
		{ "odd length", VIRTIO_RING_F_INDIRECT_DESC, 0x6000, 40,
		    VRING_DESC_F_INDIRECT, 0 },
		{ "zero length", VIRTIO_RING_F_INDIRECT_DESC, 0x6000, 0,
		    VRING_DESC_F_INDIRECT, 0 },
		{ "with NEXT", VIRTIO_RING_F_INDIRECT_DESC, 0x6000, 48,
		    VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 0 },
		{ "off RAM", VIRTIO_RING_F_INDIRECT_DESC, RAM_SIZE - 16, 48,
		    VRING_DESC_F_INDIRECT, 0 },
		{ "loop", VIRTIO_RING_F_INDIRECT_DESC, 0x6000, 48,
		    VRING_DESC_F_INDIRECT, 1 },
		{ "nested", VIRTIO_RING_F_INDIRECT_DESC, 0x6000, 48,
		    VRING_DESC_F_INDIRECT, 2 },
		{ "next out of table", VIRTIO_RING_F_INDIRECT_DESC, 0x6000,
		    48, VRING_DESC_F_INDIRECT, 3 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		virtio_set_status(&vs, 0);
		memset(ram, 0, sizeof(ram));
		driver_up(cases[c].feat);
		indirect_table(3, 0);
		if (cases[c].fix == 1)
			t[2].flags = VRING_DESC_F_NEXT, t[2].next = 0;
		if (cases[c].fix == 2)
			t[1].flags |= VRING_DESC_F_INDIRECT;
		if (cases[c].fix == 3)
			t[1].next = 3;
		set_desc(desc(0), cases[c].addr, cases[c].len, cases[c].flags,
		    1);
		push(0);
		if (vq_getchain(vq, iov, 8, &req) != -1 || !broken())
			fail_msg("indirect case '%s' accepted", cases[c].what);
	}
}

/* ---- used ring and interrupts ---- */

static void
test_relchain_intr(void **state)
{
	struct iovec iov[8];
	struct vq_req req;

	driver_up(0);
	vq->vq_msix_idx = 1;
	set_desc(desc(6), 0x8000, 64, VRING_DESC_F_WRITE, 0);
	push(6);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 1);
	nnotify = 0;
	vq_relchain(vq, req.idx, 64);
	assert_int_equal(used()->idx, 1);
	assert_int_equal(used()->ring[0].id, 6);
	assert_int_equal(used()->ring[0].len, 64);
	/* The backend heard about both writes to the used ring. */
	assert_true(nnotify >= 2);
	assert_true(notify_lo >= USED_GPA && notify_hi <= USED_GPA + 16);
	vq_endchains(vq, true);
	assert_int_equal(nintr, 1);
	assert_int_equal(last_vector, 1);
	assert_int_equal(last_isr, VIRTIO_ISR_QUEUE);
	assert_int_equal(vs.vs_isr, VIRTIO_ISR_QUEUE);
	/* Nothing new: no interrupt. */
	vq_endchains(vq, true);
	assert_int_equal(nintr, 1);

	/* VRING_AVAIL_F_NO_INTERRUPT suppresses (no EVENT_IDX). */
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT;
	push(6);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 1);
	vq_relchain(vq, req.idx, 1);
	vq_endchains(vq, true);
	assert_int_equal(nintr, 1);
	assert_int_equal(used()->idx, 2);
}

static void
test_event_idx(void **state)
{
	struct iovec iov[8];
	struct vq_req req;
	volatile uint16_t *used_event =
	    (volatile uint16_t *)(ram + AVAIL_GPA + 4 + 2 * QSZ);
	volatile uint16_t *avail_event =
	    (volatile uint16_t *)(ram + USED_GPA + 4 + 8 * QSZ);

	driver_up(VIRTIO_RING_F_EVENT_IDX);
	/* The flag is ignored with EVENT_IDX; used_event decides. */
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT;
	*used_event = 1;	/* interrupt when used idx passes 1 */
	for (int i = 0; i < 3; i++)
		set_desc(desc(i), 0x8000 + 0x100 * i, 16, VRING_DESC_F_WRITE,
		    0);
	push(0);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 1);
	assert_int_equal(*avail_event, 1);
	vq_relchain(vq, 0, 16);
	vq_endchains(vq, false);	/* idx 0 -> 1: not past 1 */
	assert_int_equal(nintr, 0);
	push(1);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 1);
	assert_int_equal(*avail_event, 2);
	vq_relchain(vq, 1, 16);
	vq_endchains(vq, false);	/* 1 -> 2: crosses used_event */
	assert_int_equal(nintr, 1);
	push(2);
	assert_int_equal(vq_getchain(vq, iov, 8, &req), 1);
	vq_relchain(vq, 2, 16);
	vq_endchains(vq, false);	/* 2 -> 3, event still 1 */
	assert_int_equal(nintr, 1);
}

static void
test_relchain_after_reset(void **state)
{
	driver_up(0);
	virtio_set_status(&vs, 0);
	/* A late completion must not write the old rings. */
	vq_relchain(vq, 0, 16);
	vq_endchains(vq, true);
	assert_int_equal(used()->idx, 0);
	assert_int_equal(nintr, 0);
}

/* ---- iovec helpers ---- */

static void
test_iov_helpers(void **state)
{
	char a[4] = "abcd", b[3] = "efg", c[5] = "hijkl", out[12];
	struct iovec iov[3] = {
		{ a, 4 }, { b, 3 }, { c, 5 },
	}, d[3];

	assert_int_equal(iov_total(iov, 3), 12);
	memset(out, 0, sizeof(out));
	assert_int_equal(iov_to_buf(iov, 3, 2, out, 7), 7);
	assert_memory_equal(out, "cdefghi", 7);
	assert_int_equal(iov_to_buf(iov, 3, 10, out, 7), 2);
	assert_int_equal(buf_to_iov("XYZ", 3, iov, 3, 6), 3);
	assert_memory_equal(b, "efX", 3);
	assert_memory_equal(c, "YZjkl", 5);
	assert_int_equal(iov_slice(iov, 3, 3, 5, d, 3), 3);
	assert_ptr_equal(d[0].iov_base, a + 3);
	assert_int_equal(d[0].iov_len, 1);
	assert_int_equal(d[1].iov_len, 3);
	assert_ptr_equal(d[2].iov_base, c);
	assert_int_equal(d[2].iov_len, 1);
	assert_int_equal(iov_slice(iov, 3, 3, 5, d, 2), -1);
	assert_int_equal(iov_slice(iov, 3, 8, 5, d, 3), -1);
	assert_int_equal(iov_slice(iov, 3, 12, 0, d, 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_features_offered),
		T(test_features_ok),
		T(test_features_refused),
		T(test_reset),
		T(test_enable_checks),
		T(test_chain_simple),
		T(test_chain_out_of_ram),
		T(test_chain_addr_wrap),
		T(test_chain_zero_len),
		T(test_chain_loop),
		T(test_chain_self_loop),
		T(test_chain_bad_indexes),
		T(test_chain_too_long),
		T(test_chain_order),
		T(test_indirect_good),
		T(test_indirect_bad),
		T(test_relchain_intr),
		T(test_event_idx),
		T(test_relchain_after_reset),
		T(test_iov_helpers),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
