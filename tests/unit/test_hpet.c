/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_hpet.c: the HPET core (src/devices/hpet.c) against a fake guest
 * clock: capabilities, the main counter (halt, write, enable, halves),
 * one-shot and periodic comparators in 64- and 32-bit mode, level status
 * with write-1-to-clear, routing and the legacy replacement route; and
 * the guest clock's tick conversions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/hpet.h"

#define NS	1000000000ULL
#define T0	7000ULL

static uint64_t fake_now;

static struct {
	int isa, pin;
	enum hpet_intr_op op;
} ilog[64];
static int nlog;

static uint64_t
fake_clock(void *arg)
{
	return (fake_now);
}

static void
fake_intr(void *arg, int isa, int pin, enum hpet_intr_op op)
{
	assert_true(nlog < 64);
	ilog[nlog].isa = isa;
	ilog[nlog].pin = pin;
	ilog[nlog].op = op;
	nlog++;
}

static void
check_log(int i, int isa, int pin, enum hpet_intr_op op)
{
	assert_true(i < nlog);
	assert_int_equal(ilog[i].isa, isa);
	assert_int_equal(ilog[i].pin, pin);
	assert_int_equal(ilog[i].op, op);
}

static void
setup(struct hpet_core *sc)
{
	fake_now = T0;
	nlog = 0;
	hpet_core_init(sc, fake_clock, NULL, fake_intr, NULL);
}

static uint64_t
rd(struct hpet_core *sc, uint64_t off, int size)
{
	uint64_t v = 0xbad;

	assert_int_equal(hpet_core_read(sc, off, size, &v), 0);
	return (v);
}

static void
wr(struct hpet_core *sc, uint64_t off, int size, uint64_t v)
{
	assert_int_equal(hpet_core_write(sc, off, size, v), 0);
}

/* guest ns (from the enable at 'base') when the counter reaches 'ticks' */
static uint64_t
at(uint64_t base, uint64_t ticks)
{
	return (base + guest_clock_ticks_to_ns(ticks, HPET_FREQ));
}

static void
test_guest_clock_math(void **state)
{
	assert_int_equal(guest_clock_ns_to_ticks(NS, HPET_FREQ), 16777216);
	assert_int_equal(guest_clock_ns_to_ticks(59604, HPET_FREQ), 999);
	assert_int_equal(guest_clock_ns_to_ticks(59605, HPET_FREQ), 1000);
	assert_int_equal(guest_clock_ticks_to_ns(1000, HPET_FREQ), 59605);
	assert_int_equal(guest_clock_ticks_to_ns(1ULL << 32, HPET_FREQ),
	    256 * NS);
	/* no overflow: 100 years of a 4 GHz TSC; saturation past 2^64 */
	assert_int_equal(guest_clock_ns_to_ticks(100ULL * 365 * 86400 * NS,
	    4000000000ULL), 100ULL * 365 * 86400 * 4000000000ULL);
	assert_int_equal(guest_clock_ns_to_ticks(UINT64_MAX, 3579545),
	    66030950515326656ULL);
	assert_int_equal(guest_clock_ns_to_ticks(UINT64_MAX, 2 * NS),
	    UINT64_MAX);
	assert_int_equal(guest_clock_ticks_to_ns(UINT64_MAX, 1), UINT64_MAX);
	assert_int_equal(guest_clock_ticks_to_ns(5, 0), UINT64_MAX);
	assert_int_equal(guest_clock_ticks_to_ns(3579545, 3579545), NS);
	assert_int_equal(guest_clock_ticks_to_ns(1, 3579545), 280);
	assert_int_equal(guest_clock_ns_to_ticks(279, 3579545), 0);
	assert_int_equal(guest_clock_ns_to_ticks(280, 3579545), 1);
}

static void
test_capabilities(void **state)
{
	struct hpet_core sc;
	uint64_t cap;

	setup(&sc);
	cap = rd(&sc, HPET_GCAP_ID, 8);
	assert_int_equal(cap, 0x038d7ea48086a701ULL);
	assert_int_equal(cap & 0xff, 1);			/* REV_ID */
	assert_int_equal((cap >> 8) & 0x1f, 7);			/* 8 timers */
	assert_int_equal((cap >> 13) & 1, 1);			/* 64-bit */
	assert_int_equal((cap >> 15) & 1, 1);			/* LEG_RT */
	assert_int_equal((cap >> 16) & 0xffff, 0x8086);
	assert_int_equal(cap >> 32, 59604644);			/* fs */
	assert_int_equal(rd(&sc, HPET_GCAP_ID, 4), 0x8086a701);
	assert_int_equal(rd(&sc, HPET_GCAP_ID + 4, 4), 0x038d7ea4);
	assert_int_equal(rd(&sc, HPET_GCAP_ID + 2, 1), 0x86);
	assert_int_equal(rd(&sc, HPET_GCAP_ID + 2, 2), 0x8086);
	/* read-only */
	wr(&sc, HPET_GCAP_ID, 8, 0);
	assert_int_equal(rd(&sc, HPET_GCAP_ID, 8), 0x038d7ea48086a701ULL);
	/* misaligned or odd sizes read 0 and write nothing */
	assert_int_equal(rd(&sc, HPET_GCAP_ID + 2, 4), 0);
	assert_int_equal(rd(&sc, HPET_GCAP_ID + 4, 8), 0);
	assert_int_equal(rd(&sc, HPET_GCAP_ID, 3), 0);
	assert_int_equal(rd(&sc, 0x400, 4), 0);
	wr(&sc, HPET_GEN_CONF + 1, 2, 0xffff);
	assert_int_equal(rd(&sc, HPET_GEN_CONF, 8), 0);

	for (int n = 0; n < HPET_NTIMERS; n++) {
		assert_int_equal(rd(&sc, HPET_TIMER_CONF(n), 8),
		    0x00ff010400000030ULL);
		assert_int_equal(rd(&sc, HPET_TIMER_COMP(n), 8), ~0ULL);
		assert_int_equal(rd(&sc, HPET_TIMER_FSB(n), 8), 0);
	}
	assert_int_equal(rd(&sc, HPET_GEN_CONF, 8), 0);
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 8), 0);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0);
	/* only the writable config bits stick; FSB is not offered */
	wr(&sc, HPET_TIMER_CONF(4), 8, ~0ULL);
	assert_int_equal(rd(&sc, HPET_TIMER_CONF(4), 8),
	    0x00ff010400000030ULL | HPET_TCNF_INT_TYPE | HPET_TCNF_INT_ENB |
	    HPET_TCNF_TYPE | HPET_TCNF_VAL_SET | HPET_TCNF_32MODE);
	wr(&sc, HPET_GEN_CONF, 8, ~0ULL);
	assert_int_equal(rd(&sc, HPET_GEN_CONF, 8), 3);
	/* the registers past timer 7 are empty */
	wr(&sc, HPET_TIMER_CONF(8), 8, ~0ULL);
	assert_int_equal(rd(&sc, HPET_TIMER_CONF(8), 8), 0);
}

static void
test_counter(void **state)
{
	struct hpet_core sc;
	uint64_t t1;

	setup(&sc);
	fake_now += NS;			/* halted: does not count */
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0);
	wr(&sc, HPET_MAIN_CNT, 8, 0x1234);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0x1234);
	/* enable: counts from the value written */
	t1 = fake_now;
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	fake_now = t1 + 59604;
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0x1234 + 999);
	fake_now = t1 + 59605;
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0x1234 + 1000);
	/* writes while counting are ignored */
	wr(&sc, HPET_MAIN_CNT, 8, 0);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0x1234 + 1000);
	fake_now = t1 + NS;
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0x1234 + HPET_FREQ);
	/* halt: frozen */
	wr(&sc, HPET_GEN_CONF, 4, 0);
	fake_now += 5 * NS;
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0x1234 + HPET_FREQ);
	/* written as two halves */
	wr(&sc, HPET_MAIN_CNT, 4, 0xdeadbeef);
	wr(&sc, HPET_MAIN_CNT + 4, 4, 0x1);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0x1deadbeefULL);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 4), 0xdeadbeef);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT + 4, 4), 0x1);
	/* the low half carries into the high one */
	wr(&sc, HPET_MAIN_CNT, 8, 0xffffff00ULL);
	t1 = fake_now;
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	fake_now = at(t1, 0xff);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 4), 0xffffffff);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT + 4, 4), 0);
	fake_now = at(t1, 0x100);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 4), 0);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT + 4, 4), 1);
	/* halt and resume keep the count */
	wr(&sc, HPET_GEN_CONF, 4, 0);
	fake_now += 1000 * NS;
	t1 = fake_now;
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	fake_now = at(t1, 0x10);
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0x100000010ULL);
}

static void
test_oneshot_edge(void **state)
{
	struct hpet_core sc;
	uint64_t conf;

	setup(&sc);
	conf = HPET_TCNF_INT_ENB | 20 << HPET_TCNF_INT_ROUTE_SHIFT;
	wr(&sc, HPET_TIMER_CONF(2), 4, conf);
	wr(&sc, HPET_TIMER_COMP(2), 8, 1000);
	assert_int_equal(hpet_core_next_event(&sc), UINT64_MAX); /* halted */
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	assert_int_equal(hpet_core_next_event(&sc), T0 + 59605);
	fake_now = T0 + 59604;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 0);
	fake_now = T0 + 59605;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 1);
	check_log(0, -1, 20, HPET_INTR_PULSE);
	/* edge mode leaves no status; one-shot: nothing more */
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 0);
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(2), 8), 1000);
	assert_int_equal(hpet_core_next_event(&sc), UINT64_MAX);
	fake_now += 100 * NS;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 1);
	/* a comparator behind the counter never matches (64-bit) */
	wr(&sc, HPET_TIMER_COMP(2), 8, 5);
	assert_int_equal(hpet_core_next_event(&sc), UINT64_MAX);
	/* a match passed over between looks still interrupts, once */
	wr(&sc, HPET_TIMER_COMP(2), 8, rd(&sc, HPET_MAIN_CNT, 8) + 10);
	fake_now += NS;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 2);
	check_log(1, -1, 20, HPET_INTR_PULSE);
	/* INT_ENB off: no interrupt */
	wr(&sc, HPET_TIMER_CONF(2), 4, 20 << HPET_TCNF_INT_ROUTE_SHIFT);
	wr(&sc, HPET_TIMER_COMP(2), 8, rd(&sc, HPET_MAIN_CNT, 8) + 10);
	assert_int_equal(hpet_core_next_event(&sc), UINT64_MAX);
	fake_now += NS;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 2);
}

static void
test_periodic_level(void **state)
{
	struct hpet_core sc;
	uint64_t conf;

	setup(&sc);
	conf = HPET_TCNF_INT_TYPE | HPET_TCNF_INT_ENB | HPET_TCNF_TYPE |
	    HPET_TCNF_VAL_SET | 16 << HPET_TCNF_INT_ROUTE_SHIFT;
	wr(&sc, HPET_TIMER_CONF(0), 4, conf);
	wr(&sc, HPET_TIMER_COMP(0), 8, 0x100);	/* first match ... */
	wr(&sc, HPET_TIMER_COMP(0), 8, 0x80);	/* ... then the period */
	assert_int_equal(rd(&sc, HPET_TIMER_CONF(0), 4) & HPET_TCNF_VAL_SET,
	    0);
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(0), 8), 0x100);
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	assert_int_equal(hpet_core_next_event(&sc), T0 + 15259);
	fake_now = T0 + 15258;
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 0);
	fake_now = T0 + 15259;
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 1);
	assert_int_equal(nlog, 1);
	check_log(0, -1, 16, HPET_INTR_ASSERT);
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(0), 8), 0x180);
	/* asserted: no timer until the status is cleared */
	assert_int_equal(hpet_core_next_event(&sc), UINT64_MAX);
	/* the comparator accumulates whole periods past the counter */
	fake_now = T0 + 45777;			/* counter 0x300 */
	assert_int_equal(rd(&sc, HPET_MAIN_CNT, 8), 0x300);
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(0), 8), 0x380);
	assert_int_equal(nlog, 1);
	/* write 0: nothing; write 1: clear and lower */
	wr(&sc, HPET_GINTR_STA, 4, 0);
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 1);
	wr(&sc, HPET_GINTR_STA, 4, 0xfe);
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 1);
	wr(&sc, HPET_GINTR_STA, 4, 1);
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 0);
	assert_int_equal(nlog, 2);
	check_log(1, -1, 16, HPET_INTR_DEASSERT);
	assert_int_equal(hpet_core_next_event(&sc), T0 + 53406);
	fake_now = T0 + 53406;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 3);
	check_log(2, -1, 16, HPET_INTR_ASSERT);
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(0), 8), 0x400);

	/* disabling the counter lowers the line, enabling raises it again */
	wr(&sc, HPET_GEN_CONF, 4, 0);
	assert_int_equal(nlog, 4);
	check_log(3, -1, 16, HPET_INTR_DEASSERT);
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 1);
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	assert_int_equal(nlog, 5);
	check_log(4, -1, 16, HPET_INTR_ASSERT);
	/* level to edge drops the status and the line */
	wr(&sc, HPET_TIMER_CONF(0), 4, conf & ~(uint64_t)(HPET_TCNF_INT_TYPE |
	    HPET_TCNF_VAL_SET));
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 0);
	assert_int_equal(nlog, 6);
	check_log(5, -1, 16, HPET_INTR_DEASSERT);
}

static void
test_level_status_without_enable(void **state)
{
	struct hpet_core sc;

	setup(&sc);
	wr(&sc, HPET_TIMER_CONF(5), 4, HPET_TCNF_INT_TYPE |
	    18 << HPET_TCNF_INT_ROUTE_SHIFT);
	wr(&sc, HPET_TIMER_COMP(5), 8, 0x20);
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	assert_int_equal(hpet_core_next_event(&sc), UINT64_MAX);
	fake_now = T0 + 1908;			/* counter 0x20 */
	/* the status is set even with INT_ENB off (§2.3.8) */
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 1 << 5);
	assert_int_equal(nlog, 0);
	/* enabling the interrupt with the status set raises the line */
	wr(&sc, HPET_TIMER_CONF(5), 4, HPET_TCNF_INT_TYPE | HPET_TCNF_INT_ENB |
	    18 << HPET_TCNF_INT_ROUTE_SHIFT);
	assert_int_equal(nlog, 1);
	check_log(0, -1, 18, HPET_INTR_ASSERT);
	/* moving the route moves the line */
	wr(&sc, HPET_TIMER_CONF(5), 4, HPET_TCNF_INT_TYPE | HPET_TCNF_INT_ENB |
	    19 << HPET_TCNF_INT_ROUTE_SHIFT);
	assert_int_equal(nlog, 3);
	check_log(1, -1, 18, HPET_INTR_DEASSERT);
	check_log(2, -1, 19, HPET_INTR_ASSERT);
	/* a shared pin stays up while any timer holds it */
	wr(&sc, HPET_TIMER_CONF(6), 4, HPET_TCNF_INT_TYPE | HPET_TCNF_INT_ENB |
	    19 << HPET_TCNF_INT_ROUTE_SHIFT);
	wr(&sc, HPET_TIMER_COMP(6), 8, 0x30);
	fake_now = T0 + 10000;
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 0x60);
	assert_int_equal(nlog, 3);
	wr(&sc, HPET_GINTR_STA, 4, 1 << 5);
	assert_int_equal(nlog, 3);
	wr(&sc, HPET_GINTR_STA, 4, 1 << 6);
	assert_int_equal(nlog, 4);
	check_log(3, -1, 19, HPET_INTR_DEASSERT);
}

static void
test_32bit_mode(void **state)
{
	struct hpet_core sc;
	uint64_t conf;

	setup(&sc);
	conf = HPET_TCNF_INT_ENB | HPET_TCNF_32MODE |
	    21 << HPET_TCNF_INT_ROUTE_SHIFT;
	wr(&sc, HPET_TIMER_CONF(3), 4, conf);
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(3), 8), 0xffffffffULL);
	wr(&sc, HPET_TIMER_COMP(3), 8, 0x100000010ULL);
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(3), 8), 0x10);
	wr(&sc, HPET_TIMER_COMP(3) + 4, 4, 0x5);	/* upper half ignored */
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(3), 8), 0x10);
	/* the low half matches across the 32-bit wrap */
	wr(&sc, HPET_MAIN_CNT, 8, 0xfffffff0ULL);
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	assert_int_equal(hpet_core_next_event(&sc), T0 + 1908);
	fake_now = T0 + 1908;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 1);
	check_log(0, -1, 21, HPET_INTR_PULSE);
	/* one-shot in 32-bit mode comes round again 2^32 ticks later */
	assert_int_equal(hpet_core_next_event(&sc),
	    T0 + guest_clock_ticks_to_ns(0x20 + (1ULL << 32), HPET_FREQ));

	/* periodic in 32-bit mode: the comparator wraps too */
	wr(&sc, HPET_GEN_CONF, 4, 0);
	wr(&sc, HPET_MAIN_CNT, 8, 0xffffffe0ULL);
	wr(&sc, HPET_TIMER_CONF(3), 4, conf | HPET_TCNF_TYPE |
	    HPET_TCNF_VAL_SET);
	wr(&sc, HPET_TIMER_COMP(3), 4, 0xfffffff0);
	wr(&sc, HPET_TIMER_COMP(3), 4, 0x20);
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	fake_now += 1908;			/* counter 0x1_00000000 */
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(3), 8), 0x10);
	assert_int_equal(nlog, 2);
	check_log(1, -1, 21, HPET_INTR_PULSE);
	/* turning 32-bit mode on truncates a 64-bit comparator */
	wr(&sc, HPET_TIMER_COMP(7), 8, 0x123456789ULL);
	wr(&sc, HPET_TIMER_CONF(7), 4, HPET_TCNF_32MODE);
	assert_int_equal(rd(&sc, HPET_TIMER_COMP(7), 8), 0x23456789);
}

static void
test_routes(void **state)
{
	struct hpet_core sc;
	uint64_t conf;

	setup(&sc);
	/* routes INT_ROUTE_CAP does not list are refused */
	for (unsigned r = 0; r < 32; r++) {
		wr(&sc, HPET_TIMER_CONF(4), 4, r << HPET_TCNF_INT_ROUTE_SHIFT);
		conf = rd(&sc, HPET_TIMER_CONF(4), 4);
		if (r == 2 || r == 8 || (r >= 16 && r <= 23))
			assert_int_equal(conf >> HPET_TCNF_INT_ROUTE_SHIFT &
			    0x1f, r);
		else
			assert_int_equal(conf >> HPET_TCNF_INT_ROUTE_SHIFT &
			    0x1f, (r < 2 ? 0 : r < 8 ? 2 : r < 16 ? 8 : 23));
	}
	/* unrouted (route 0, the reset value): silent */
	wr(&sc, HPET_TIMER_CONF(5), 8, HPET_TCNF_INT_ENB);
	assert_int_equal(rd(&sc, HPET_TIMER_CONF(5), 4) >>
	    HPET_TCNF_INT_ROUTE_SHIFT & 0x1f, 0);
	wr(&sc, HPET_TIMER_COMP(5), 8, 0x10);
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	assert_int_equal(hpet_core_next_event(&sc), UINT64_MAX);
	fake_now += NS;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 0);
}

static void
test_legacy_route(void **state)
{
	struct hpet_core sc;
	uint64_t c;

	setup(&sc);
	/* timer 0 edge periodic, timer 1 level one-shot routed to 17 */
	wr(&sc, HPET_TIMER_CONF(0), 4, HPET_TCNF_INT_ENB | HPET_TCNF_TYPE |
	    HPET_TCNF_VAL_SET);
	wr(&sc, HPET_TIMER_COMP(0), 8, 0x100);
	wr(&sc, HPET_TIMER_COMP(0), 8, 0x100);
	wr(&sc, HPET_TIMER_CONF(1), 4, HPET_TCNF_INT_ENB | HPET_TCNF_INT_TYPE |
	    17 << HPET_TCNF_INT_ROUTE_SHIFT);
	wr(&sc, HPET_TIMER_COMP(1), 8, 0x100);
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE | HPET_CNF_LEG_RT);
	assert_int_equal(rd(&sc, HPET_GEN_CONF, 4), 3);
	fake_now = T0 + 15259;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 2);
	check_log(0, HPET_LEG_T0_ISA, HPET_LEG_T0_PIN, HPET_INTR_PULSE);
	check_log(1, HPET_LEG_T1_ISA, HPET_LEG_T1_PIN, HPET_INTR_ASSERT);
	assert_int_equal(rd(&sc, HPET_GINTR_STA, 4), 2);
	/* timer 0 keeps ticking on IRQ 0 */
	assert_int_equal(hpet_core_next_event(&sc), T0 + 30518);
	fake_now = T0 + 30518;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 3);
	check_log(2, 0, 2, HPET_INTR_PULSE);
	/* leaving legacy mode moves timer 1's line to its own route */
	wr(&sc, HPET_GEN_CONF, 4, HPET_CNF_ENABLE);
	assert_int_equal(nlog, 5);
	check_log(3, 8, 8, HPET_INTR_DEASSERT);
	check_log(4, -1, 17, HPET_INTR_ASSERT);
	/* and timer 0, unrouted, falls silent */
	assert_int_equal(hpet_core_next_event(&sc), UINT64_MAX);
	c = rd(&sc, HPET_TIMER_COMP(0), 8);
	assert_int_equal(c, 0x300);
	fake_now += NS;
	hpet_core_tick(&sc);
	assert_int_equal(nlog, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guest_clock_math),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_oneshot_edge),
		cmocka_unit_test(test_periodic_level),
		cmocka_unit_test(test_level_status_without_enable),
		cmocka_unit_test(test_32bit_mode),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_legacy_route),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
