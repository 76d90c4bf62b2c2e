/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_inout.c: port-I/O and MMIO dispatch (inout.c, mem.c) and the two
 * reset devices that hang off the port table (pm.c's 0xCF9, atkbdc.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "dev_fakes.h"

/*
 * pm.c and atkbdc.c are reached only through the INOUT_PORT linker set,
 * which an archive link would leave out; compile them in here.
 */
#include "../../src/devices/atkbdc.c"
#include "../../src/devices/pm.c"

static int static_handler(struct vmctx *, int, int, int, uint32_t *,
    void *);

struct rec {
	int calls, in, port, bytes;
	uint32_t val;
	uint32_t reply;
	int ret;
};

static int
rec_handler(struct vmctx *ctx, int in, int port, int bytes, uint32_t *eax,
    void *arg)
{
	struct rec *r = arg;

	r->calls++;
	r->in = in;
	r->port = port;
	r->bytes = bytes;
	if (in)
		*eax = r->reply;
	else
		r->val = *eax;
	return (r->ret);
}

/* A port the linker set registers at init_inout(). */
static int static_port_hits;

static int
static_handler(struct vmctx *ctx, int in, int port, int bytes, uint32_t *eax,
    void *arg)
{
	static_port_hits++;
	if (in)
		*eax = 0x5a;
	return (0);
}
INOUT_PORT(test_static, 0x1234, IOPORT_F_INOUT, static_handler);

static int
setup(void **state)
{
	init_config();
	init_inout(false);
	init_mem();
	fake_reset();
	return (0);
}

static int
teardown(void **state)
{
	free_config();
	return (0);
}

static void
test_register_overlap(void **state)
{
	struct rec r = { 0 };
	struct inout_port a = { "a", 0x100, 4, IOPORT_F_INOUT, rec_handler,
	    &r };
	struct inout_port b = { "b", 0x102, 2, IOPORT_F_INOUT, rec_handler,
	    &r };
	struct inout_port c = { "c", 0xfe, 4, IOPORT_F_INOUT, rec_handler,
	    &r };
	struct inout_port d = { "d", 0x104, 1, IOPORT_F_INOUT, rec_handler,
	    &r };
	struct inout_port part = { "a", 0x100, 2, IOPORT_F_INOUT,
	    rec_handler, &r };

	assert_int_equal(register_inout(&a), 0);
	assert_int_equal(register_inout(&b), -EEXIST);
	assert_int_equal(register_inout(&c), -EEXIST);
	assert_int_equal(register_inout(&a), -EEXIST);
	assert_int_equal(register_inout(&d), 0);	/* adjacent is fine */
	/* Only a whole registration can be removed. */
	assert_int_equal(unregister_inout(&part), -ENOENT);
	assert_int_equal(unregister_inout(&b), -ENOENT);
	/* ... and only by its owner (the same handler). */
	part.size = 4;
	part.handler = static_handler;
	assert_int_equal(unregister_inout(&part), -ENOENT);
	assert_int_equal(unregister_inout(&a), 0);
	assert_int_equal(unregister_inout(&a), -ENOENT);
	assert_int_equal(register_inout(&b), 0);
	assert_int_equal(register_inout(&c), 0);	/* 0xfe-0x101 now free */
}

static void
test_register_invalid(void **state)
{
	struct inout_port p = { "p", 0xfffe, 4, IOPORT_F_INOUT, rec_handler,
	    NULL };

	assert_int_equal(register_inout(&p), -EINVAL);	/* past 0xffff */
	p.port = 0x10;
	p.size = 0;
	assert_int_equal(register_inout(&p), -EINVAL);
	p.size = 1;
	p.flags = 0;
	assert_int_equal(register_inout(&p), -EINVAL);
	p.flags = IOPORT_F_IN;
	p.handler = NULL;
	assert_int_equal(register_inout(&p), -EINVAL);
	p.port = 0xffff;
	p.handler = rec_handler;
	assert_int_equal(register_inout(&p), 0);	/* the last port */
}

static void
test_dispatch_masks(void **state)
{
	struct rec r = { .reply = 0x12345678 };
	struct inout_port p = { "p", 0x300, 8, IOPORT_F_INOUT, rec_handler,
	    &r };
	uint32_t v;

	assert_int_equal(register_inout(&p), 0);
	/* OUT: the handler sees only the bytes moved. */
	v = 0xaabbccdd;
	assert_int_equal(io(0, 0x301, 1, &v), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.port, 0x301);
	assert_int_equal(r.bytes, 1);
	assert_int_equal(r.in, 0);
	assert_int_equal(r.val, 0xdd);
	v = 0xaabbccdd;
	assert_int_equal(io(0, 0x302, 2, &v), 0);
	assert_int_equal(r.val, 0xccdd);
	v = 0xaabbccdd;
	assert_int_equal(io(0, 0x304, 4, &v), 0);
	assert_int_equal(r.val, 0xaabbccdd);
	/* IN: merged into the old EAX, only the low 'bytes' replaced. */
	v = 0xaabbccdd;
	assert_int_equal(io(1, 0x300, 1, &v), 0);
	assert_int_equal(v, 0xaabbcc78);
	v = 0xaabbccdd;
	assert_int_equal(io(1, 0x300, 2, &v), 0);
	assert_int_equal(v, 0xaabb5678);
	v = 0;
	assert_int_equal(io(1, 0x307, 4, &v), 0);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(r.calls, 6);
}

static void
test_unclaimed(void **state)
{
	struct rec r = { .reply = 0x11, .ret = -1 };
	struct inout_port declines = { "x", 0x600, 1, IOPORT_F_INOUT,
	    rec_handler, &r };
	struct rec r2 = { .reply = 0x22 };
	struct inout_port inonly = { "y", 0x601, 1, IOPORT_F_IN, rec_handler,
	    &r2 };
	uint32_t v;

	v = 0x12345678;
	assert_int_equal(io(1, 0x80, 1, &v), 0);
	assert_int_equal(v, 0x123456ff);
	assert_int_equal(inp(0x80, 2), 0xffff);
	assert_int_equal(inp(0x80, 4), 0xffffffff);
	v = 0x55;
	assert_int_equal(io(0, 0x80, 1, &v), 0);	/* dropped */

	/* A handler returning -1 makes the access unclaimed. */
	assert_int_equal(register_inout(&declines), 0);
	assert_int_equal(inp(0x600, 1), 0xff);
	assert_int_equal(r.calls, 1);
	/* A direction the port does not take is unclaimed too. */
	assert_int_equal(register_inout(&inonly), 0);
	outp(0x601, 1, 0x99);
	assert_int_equal(r2.calls, 0);
	assert_int_equal(inp(0x601, 1), 0x22);
	assert_int_equal(r2.calls, 1);
}

static void
test_strictio(void **state)
{
	struct rec r = { .reply = 0x42 };
	struct inout_port p = { "p", 0x500, 1, IOPORT_F_INOUT, rec_handler,
	    &r };
	struct rec rd = { .ret = -1 };
	struct inout_port d = { "d", 0x501, 1, IOPORT_F_INOUT, rec_handler,
	    &rd };
	uint32_t v = 0;

	init_inout(true);
	assert_int_equal(register_inout(&p), 0);
	assert_int_equal(register_inout(&d), 0);
	assert_int_equal(io(1, 0x80, 1, &v), -1);
	assert_int_equal(io(0, 0x80, 4, &v), -1);
	assert_int_equal(io(1, 0x501, 1, &v), -1);
	v = 0;
	assert_int_equal(io(1, 0x500, 1, &v), 0);
	assert_int_equal(v, 0x42);
	init_inout(false);
	assert_int_equal(io(1, 0x80, 1, &v), 0);
}

static void
test_linker_set(void **state)
{
	struct inout_port p = { "p", 0x1234, 1, IOPORT_F_INOUT, rec_handler,
	    NULL };

	static_port_hits = 0;
	assert_int_equal(inp(0x1234, 1), 0x5a);
	assert_int_equal(static_port_hits, 1);
	assert_int_equal(register_inout(&p), -EEXIST);
	/* init_inout() starts from an empty table each time. */
	init_inout(false);
	assert_int_equal(inp(0x1234, 1), 0x5a);
	assert_int_equal(static_port_hits, 2);
}

static void
test_reset_port_cf9(void **state)
{
	outp(0xcf9, 1, 0x02);		/* select hard reset: stored only */
	assert_int_equal(fake_nsuspend, 0);
	assert_int_equal(inp(0xcf9, 1), 0x02);
	outp(0xcf9, 1, 0x06);		/* RST_CPU: go */
	assert_int_equal(fake_nsuspend, 1);
	assert_int_equal(fake_suspend, VM_SUSPEND_RESET);
	outp(0xcf9, 1, 0x0e);
	assert_int_equal(fake_nsuspend, 2);
	assert_int_equal(inp(0xcf9, 1), 0x0a);
	/* 0xCF9 is a byte register; a word there is unclaimed. */
	assert_int_equal(inp(0xcf9, 2), 0xffff);
}

static void
test_kbd_reset(void **state)
{
	assert_int_equal(inp(0x64, 1), 0x1c);
	assert_int_equal(inp(0x60, 1), 0x00);
	outp(0x64, 1, 0xaa);		/* self-test: ignored */
	outp(0x60, 1, 0xfe);		/* data, not a command */
	assert_int_equal(fake_nsuspend, 0);
	outp(0x64, 1, 0xfe);
	assert_int_equal(fake_nsuspend, 1);
	assert_int_equal(fake_suspend, VM_SUSPEND_RESET);
}

/* ---- MMIO ---- */

struct mrec {
	int calls, dir, size;
	uint64_t addr, val;
	long arg2;
};

static int
mem_handler(struct vcpu *vcpu, int dir, uint64_t addr, int size,
    uint64_t *val, void *arg1, long arg2)
{
	struct mrec *r = arg1;

	r->calls++;
	r->dir = dir;
	r->addr = addr;
	r->size = size;
	r->arg2 = arg2;
	if (dir == MEM_F_READ)
		*val = 0x1122334455667788ULL;
	else
		r->val = *val;
	return (0);
}

static void
test_mem_overlap(void **state)
{
	struct mrec r = { 0 };
	struct mem_range a = { "a", MEM_F_RW, mem_handler, &r, 1,
	    0xd0000000, 0x1000 };
	struct mem_range b = a, c = a, d = a, e = a, f = a;

	b.base = 0xd0000fff;	/* last byte of a */
	b.size = 0x10;
	c.base = 0xcffff000;	/* ends at a's first byte */
	c.size = 0x1001;
	d.base = 0xcffff000;	/* adjacent below */
	d.size = 0x1000;
	e.base = 0xd0001000;	/* adjacent above */
	f.base = 0xc0000000;	/* covers a entirely */
	f.size = 0x20000000;

	assert_int_equal(register_mem(&a), 0);
	assert_int_equal(register_mem(&a), -EEXIST);
	assert_int_equal(register_mem(&b), -EEXIST);
	assert_int_equal(register_mem(&c), -EEXIST);
	assert_int_equal(register_mem(&f), -EEXIST);
	assert_int_equal(register_mem(&d), 0);
	assert_int_equal(register_mem(&e), 0);
	assert_int_equal(register_mem(&f), -EEXIST);
	e.size = 0;
	assert_int_equal(register_mem(&e), -EINVAL);
	e.base = ~0ULL - 0xf;
	e.size = 0x20;			/* wraps past 2^64 */
	assert_int_equal(register_mem(&e), -EINVAL);
	e.size = 0x10;			/* the very top is fine */
	assert_int_equal(register_mem(&e), 0);
	assert_int_equal(unregister_mem(&b), -ENOENT);
	assert_int_equal(unregister_mem(&a), 0);
	assert_int_equal(register_mem(&b), -EEXIST);	/* still hits e */
	b.base = 0xd0000ff0;				/* inside a's old hole */
	assert_int_equal(register_mem(&b), 0);
}

static void
test_mem_dispatch(void **state)
{
	struct mrec r = { 0 }, fr = { 0 };
	struct mem_range a = { "a", MEM_F_RW, mem_handler, &r, 7,
	    0xfed00000, 0x400 };
	struct mem_range fb = { "hole", MEM_F_RW, mem_handler, &fr, 9,
	    0xc0000000, 0x40000000 };
	struct mem_range ro = { "ro", MEM_F_READ, mem_handler, &r, 3,
	    0x100000000ULL, 0x1000 };
	int err;

	assert_int_equal(register_mem(&a), 0);
	assert_int_equal(register_mem_fallback(&fb), 0);
	assert_int_equal(register_mem(&ro), 0);

	assert_int_equal(mmio(1, 0xfed00010, 4, 0, &err), 0x55667788);
	assert_int_equal(err, 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.addr, 0xfed00010);
	assert_int_equal(r.size, 4);
	assert_int_equal(r.arg2, 7);
	assert_int_equal(mmio(1, 0xfed00010, 8, 0, &err),
	    0x1122334455667788ULL);
	assert_int_equal(mmio(1, 0xfed003ff, 1, 0, &err), 0x88);
	mmio(0, 0xfed00020, 2, 0xabcd, &err);
	assert_int_equal(r.dir, MEM_F_WRITE);
	assert_int_equal(r.val, 0xabcd);

	/* The fallback takes what no ordinary range claims. */
	assert_int_equal(mmio(1, 0xfed00400, 4, 0, &err), 0x55667788);
	assert_int_equal(fr.calls, 1);
	assert_int_equal(fr.arg2, 9);
	assert_int_equal(r.calls, 4);

	/* Unclaimed: all-ones of the access size, writes dropped. */
	assert_int_equal(mmio(1, 0x200000000ULL, 1, 0, &err), 0xff);
	assert_int_equal(err, 0);
	assert_int_equal(mmio(1, 0x200000000ULL, 2, 0, &err), 0xffff);
	assert_int_equal(mmio(1, 0x200000000ULL, 4, 0, &err), 0xffffffff);
	assert_int_equal(mmio(1, 0x200000000ULL, 8, 0, &err), ~0ULL);
	mmio(0, 0x200000000ULL, 4, 1, &err);
	assert_int_equal(err, 0);
	/* A read-only range drops writes without calling the device. */
	mmio(0, 0x100000000ULL, 4, 1, &err);
	assert_int_equal(r.calls, 4);
	/* Unregistering uncovers the fallback. */
	assert_int_equal(unregister_mem(&a), 0);
	mmio(1, 0xfed00010, 4, 0, &err);
	assert_int_equal(fr.calls, 2);
	assert_int_equal(unregister_mem(&fb), 0);
	assert_int_equal(mmio(1, 0xfed00010, 4, 0, &err), 0xffffffff);
	assert_int_equal(fr.calls, 2);
}

static void
test_mem_many(void **state)
{
	static struct mrec r[100];
	struct mem_range m;
	int err;

	/* Out-of-order inserts stay searchable (the table sorts). */
	for (int i = 0; i < 100; i++) {
		int k = (i * 37) % 100;

		m = (struct mem_range){ "m", MEM_F_RW, mem_handler, &r[k], k,
		    0x80000000ULL + k * 0x2000, 0x1000 };
		assert_int_equal(register_mem(&m), 0);
	}
	for (int k = 0; k < 100; k++) {
		mmio(1, 0x80000000ULL + k * 0x2000 + 0xff8, 8, 0, &err);
		assert_int_equal(r[k].calls, 1);
		assert_int_equal(r[k].arg2, k);
		/* The gaps between ranges are unclaimed. */
		assert_int_equal(mmio(1, 0x80000000ULL + k * 0x2000 + 0x1000,
		    4, 0, &err), 0xffffffff);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_overlap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_register_invalid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_masks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unclaimed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_strictio, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_linker_set, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reset_port_cf9, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kbd_reset, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mem_overlap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mem_dispatch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mem_many, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
