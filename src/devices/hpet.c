/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hpet.c: the High Precision Event Timer (IA-PC HPET specification 1.0a;
 * bhyve's vhpet.c and QEMU's hpet.c show what guests rely on): a 64-bit
 * main counter at HPET_FREQ and eight comparators, one-shot or periodic,
 * edge or level, routed to IOAPIC pins or (legacy replacement) to IRQ 0
 * and IRQ 8.  FSB (MSI) delivery is not offered.
 *
 * Like the RTC, everything is computed from the guest clock at access
 * time; a guest_timer wakes the device only when an enabled comparator
 * is about to match.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/hpet.h"
#include "devices/rtc.h"
#include "devices/mem.h"

#define TIMER_CAPS	(HPET_TCAP_PER_INT | HPET_TCAP_SIZE |		\
	(uint64_t)HPET_INT_ROUTE_CAP << HPET_TCAP_INT_ROUTE_SHIFT)
#define TIMER_WRITABLE	(HPET_TCNF_INT_TYPE | HPET_TCNF_INT_ENB |	\
	HPET_TCNF_TYPE | HPET_TCNF_VAL_SET | HPET_TCNF_32MODE |		\
	HPET_TCNF_INT_ROUTE)
#define LOW32		0xffffffffULL

/* The ACPI HPET table (platform.c) advertises this block ID. */
_Static_assert(HPET_BLOCK_ID == 0x8086a701u, "HPET block ID");

static bool
hpet_enabled(const struct hpet_core *sc)
{
	return ((sc->config & HPET_CNF_ENABLE) != 0);
}

static bool
timer_level(const struct hpet_timer *t)
{
	return ((t->conf & HPET_TCNF_INT_TYPE) != 0);
}

static bool
timer_periodic(const struct hpet_timer *t)
{
	return ((t->conf & HPET_TCNF_TYPE) != 0);
}

static uint64_t
hpet_counter(const struct hpet_core *sc, uint64_t now)
{
	if (!hpet_enabled(sc))
		return (sc->cnt_base);
	return (sc->cnt_base + guest_clock_ns_to_ticks(now - sc->base_ns,
	    HPET_FREQ));
}

/*
 * Where timer n interrupts (§2.3.5, §2.3.8): the legacy replacement route
 * takes timers 0 and 1 to IRQ 0 (IOAPIC pin 2) and IRQ 8; otherwise the
 * INT_ROUTE_CNF pin, if INT_ROUTE_CAP allows it (the reset value 0 does
 * not, so an unrouted timer stays silent).
 */
static bool
timer_route(const struct hpet_core *sc, int n, int *isa, int *pin)
{
	unsigned r;

	if ((sc->config & HPET_CNF_LEG_RT) && n < 2) {
		*isa = n == 0 ? HPET_LEG_T0_ISA : HPET_LEG_T1_ISA;
		*pin = n == 0 ? HPET_LEG_T0_PIN : HPET_LEG_T1_PIN;
		return (true);
	}
	r = (sc->t[n].conf & HPET_TCNF_INT_ROUTE) >> HPET_TCNF_INT_ROUTE_SHIFT;
	if ((HPET_INT_ROUTE_CAP & (1u << r)) == 0)
		return (false);
	*isa = -1;
	*pin = (int)r;
	return (true);
}

static void
intr(struct hpet_core *sc, int isa, int pin, enum hpet_intr_op op)
{
	if (sc->intr != NULL)
		sc->intr(sc->intr_arg, isa, pin, op);
}

/*
 * Level-triggered lines follow ENABLE_CNF . INT_ENB . status (§2.3.6).
 * Timers may share a route, so a line goes down only when no timer
 * wants it any more.
 */
static void
update_lines(struct hpet_core *sc)
{
	int wisa[HPET_NTIMERS], wpin[HPET_NTIMERS];
	struct hpet_timer *t;
	bool dup;

	for (int n = 0; n < HPET_NTIMERS; n++) {
		t = &sc->t[n];
		wisa[n] = wpin[n] = -1;
		if (!hpet_enabled(sc) || !timer_level(t) ||
		    !(t->conf & HPET_TCNF_INT_ENB) ||
		    !(sc->isr & (1ULL << n)) ||
		    !timer_route(sc, n, &wisa[n], &wpin[n]))
			wisa[n] = wpin[n] = -1;
	}
	for (int n = 0; n < HPET_NTIMERS; n++) {
		t = &sc->t[n];
		if (t->line_pin < 0)
			continue;
		dup = false;
		for (int m = 0; m < HPET_NTIMERS && !dup; m++)
			dup = wpin[m] == t->line_pin && wisa[m] == t->line_isa;
		for (int m = 0; m < n && !dup; m++)
			dup = sc->t[m].line_pin == t->line_pin &&
			    sc->t[m].line_isa == t->line_isa;
		if (!dup)
			intr(sc, t->line_isa, t->line_pin, HPET_INTR_DEASSERT);
	}
	for (int n = 0; n < HPET_NTIMERS; n++) {
		if (wpin[n] < 0)
			continue;
		dup = false;
		for (int m = 0; m < HPET_NTIMERS && !dup; m++)
			dup = sc->t[m].line_pin == wpin[n] &&
			    sc->t[m].line_isa == wisa[n];
		for (int m = 0; m < n && !dup; m++)
			dup = wpin[m] == wpin[n] && wisa[m] == wisa[n];
		if (!dup)
			intr(sc, wisa[n], wpin[n], HPET_INTR_ASSERT);
	}
	for (int n = 0; n < HPET_NTIMERS; n++) {
		sc->t[n].line_isa = wisa[n];
		sc->t[n].line_pin = wpin[n];
	}
}

/*
 * Ticks from counter value 'from' to the next value the comparator
 * matches; 0 for never.  A 64-bit comparator matches once; a 32-bit one
 * (32MODE_CNF) compares the low half and so matches every 2^32 ticks.
 */
static uint64_t
match_dist(const struct hpet_timer *t, uint64_t from)
{
	uint32_t d;

	if (t->conf & HPET_TCNF_32MODE) {
		d = (uint32_t)t->comp - (uint32_t)from;
		return (d == 0 ? 1ULL << 32 : d);
	}
	return (t->comp - from);
}

/* A comparator matched (§2.3.9.2): level mode latches the status bit
 * whether or not INT_ENB is set; edge mode just pulses. */
static void
timer_fire(struct hpet_core *sc, int n)
{
	int isa, pin;

	if (timer_level(&sc->t[n]))
		sc->isr |= 1ULL << n;
	else if ((sc->t[n].conf & HPET_TCNF_INT_ENB) &&
	    timer_route(sc, n, &isa, &pin))
		intr(sc, isa, pin, HPET_INTR_PULSE);
}

/*
 * The counter moved from 'from' by 'delta' ticks.  A periodic comparator
 * then advances by whole periods past the new counter (§2.3.9.2.2): the
 * matches missed while nobody looked coalesce into one interrupt.
 */
static void
timer_advance(struct hpet_core *sc, int n, uint64_t from, uint64_t delta)
{
	struct hpet_timer *t = &sc->t[n];
	uint64_t d = match_dist(t, from), k;

	if (d == 0 || d > delta)
		return;
	timer_fire(sc, n);
	if (timer_periodic(t) && t->period != 0) {
		k = (delta - d) / t->period + 1;
		t->comp += k * t->period;
		if (t->conf & HPET_TCNF_32MODE)
			t->comp &= LOW32;
	}
}

static void
hpet_sync(struct hpet_core *sc, uint64_t now)
{
	uint64_t c, delta;

	if (!hpet_enabled(sc))
		return;
	c = hpet_counter(sc, now);
	delta = c - sc->last_cnt;
	if (delta == 0)
		return;
	for (int n = 0; n < HPET_NTIMERS; n++)
		timer_advance(sc, n, sc->last_cnt, delta);
	sc->last_cnt = c;
	update_lines(sc);
}

void
hpet_core_init(struct hpet_core *sc, guest_clock_fn_t now, void *now_arg,
    hpet_intr_fn_t intr_fn, void *intr_arg)
{
	memset(sc, 0, sizeof(*sc));
	sc->now = now;
	sc->now_arg = now_arg;
	sc->intr = intr_fn;
	sc->intr_arg = intr_arg;
	for (int n = 0; n < HPET_NTIMERS; n++) {
		sc->t[n].conf = TIMER_CAPS;
		sc->t[n].comp = ~0ULL;	/* §2.3.9: resets to all ones */
		sc->t[n].line_isa = sc->t[n].line_pin = -1;
	}
	sc->base_ns = now(now_arg);
}

/* ---- registers ---- */

static uint64_t
reg_read(struct hpet_core *sc, uint64_t reg, uint64_t now)
{
	uint64_t toff;
	int n;

	switch (reg) {
	case HPET_GCAP_ID:
		return (HPET_PERIOD_FS << 32 | HPET_BLOCK_ID);
	case HPET_GEN_CONF:
		return (sc->config);
	case HPET_GINTR_STA:
		return (sc->isr);
	case HPET_MAIN_CNT:
		return (hpet_counter(sc, now));
	}
	if (reg < HPET_TIMER_CONF(0) || reg >= HPET_TIMER_CONF(HPET_NTIMERS))
		return (0);
	n = (int)((reg - HPET_TIMER_CONF(0)) / 0x20);
	toff = (reg - HPET_TIMER_CONF(0)) % 0x20;
	if (toff == HPET_TIMER_CONF(0) - 0x100)
		return (sc->t[n].conf);
	if (toff == HPET_TIMER_COMP(0) - 0x100)
		return (sc->t[n].comp);
	return (0);		/* FSB route: FSB delivery not offered */
}

static void
write_config(struct hpet_core *sc, uint64_t now, uint64_t val)
{
	val &= HPET_CNF_ENABLE | HPET_CNF_LEG_RT;
	if (!hpet_enabled(sc) && (val & HPET_CNF_ENABLE))
		sc->base_ns = now;	/* counting resumes from cnt_base */
	else if (hpet_enabled(sc) && !(val & HPET_CNF_ENABLE))
		sc->cnt_base = hpet_counter(sc, now);	/* frozen */
	sc->config = val;
	sc->last_cnt = hpet_counter(sc, now);
}

static void
write_timer_conf(struct hpet_core *sc, int n, uint64_t val, uint64_t mask)
{
	struct hpet_timer *t = &sc->t[n];
	uint64_t nc;
	unsigned r;

	mask &= TIMER_WRITABLE;
	nc = (t->conf & ~mask) | (val & mask);
	/* A pin INT_ROUTE_CAP does not offer is not taken (§2.3.8). */
	r = (nc & HPET_TCNF_INT_ROUTE) >> HPET_TCNF_INT_ROUTE_SHIFT;
	if ((HPET_INT_ROUTE_CAP & (1u << r)) == 0)
		nc = (nc & ~(uint64_t)HPET_TCNF_INT_ROUTE) |
		    (t->conf & HPET_TCNF_INT_ROUTE);
	/* Status is meaningful only in level mode (§2.3.6). */
	if (!(nc & HPET_TCNF_INT_TYPE))
		sc->isr &= ~(1ULL << n);
	if (nc & HPET_TCNF_32MODE) {
		t->comp &= LOW32;
		t->period &= LOW32;
	}
	t->conf = nc;
}

/*
 * A comparator write (§2.3.9.2.2): in one-shot mode, or with VAL_SET_CNF,
 * it sets the next match; in periodic mode it sets the period too.
 * VAL_SET_CNF clears itself after the write (which is what lets Linux
 * write the first match and then the period).
 */
static void
write_timer_comp(struct hpet_core *sc, int n, uint64_t val, uint64_t mask)
{
	struct hpet_timer *t = &sc->t[n];

	if (t->conf & HPET_TCNF_32MODE)
		mask &= LOW32;
	if (!timer_periodic(t) || (t->conf & HPET_TCNF_VAL_SET))
		t->comp = (t->comp & ~mask) | (val & mask);
	t->period = (t->period & ~mask) | (val & mask);
	t->conf &= ~(uint64_t)HPET_TCNF_VAL_SET;
}

static void
reg_write(struct hpet_core *sc, uint64_t reg, uint64_t val, uint64_t mask,
    uint64_t now)
{
	uint64_t toff;
	int n;

	switch (reg) {
	case HPET_GCAP_ID:
		return;			/* read-only */
	case HPET_GEN_CONF:
		write_config(sc, now, (sc->config & ~mask) | (val & mask));
		return;
	case HPET_GINTR_STA:
		sc->isr &= ~(val & mask);	/* write 1 to clear */
		return;
	case HPET_MAIN_CNT:
		/* Software halts the counter before writing it (§2.3.7). */
		if (!hpet_enabled(sc)) {
			sc->cnt_base = (sc->cnt_base & ~mask) | (val & mask);
			sc->last_cnt = sc->cnt_base;
		}
		return;
	}
	if (reg < HPET_TIMER_CONF(0) || reg >= HPET_TIMER_CONF(HPET_NTIMERS))
		return;
	n = (int)((reg - HPET_TIMER_CONF(0)) / 0x20);
	toff = (reg - HPET_TIMER_CONF(0)) % 0x20;
	if (toff == HPET_TIMER_CONF(0) - 0x100)
		write_timer_conf(sc, n, val, mask);
	else if (toff == HPET_TIMER_COMP(0) - 0x100)
		write_timer_comp(sc, n, val, mask);
}

/* Naturally aligned 1, 2, 4 or 8 bytes inside the block; the byte mask
 * of the access within its 64-bit register. */
static bool
access_ok(uint64_t off, int size, uint64_t *mask, int *shift)
{
	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    (off & (uint64_t)(size - 1)) != 0 || off >= HPET_MMIO_SIZE)
		return (false);
	*shift = (int)(off & 7) * 8;
	*mask = size == 8 ? ~0ULL : ((1ULL << (size * 8)) - 1);
	return (true);
}

int
hpet_core_read(struct hpet_core *sc, uint64_t off, int size, uint64_t *val)
{
	uint64_t mask, now;
	int shift;

	*val = 0;
	if (!access_ok(off, size, &mask, &shift))
		return (0);
	now = sc->now(sc->now_arg);
	hpet_sync(sc, now);
	*val = (reg_read(sc, off & ~7ULL, now) >> shift) & mask;
	return (0);
}

int
hpet_core_write(struct hpet_core *sc, uint64_t off, int size, uint64_t val)
{
	uint64_t mask, now;
	int shift;

	if (!access_ok(off, size, &mask, &shift))
		return (0);
	now = sc->now(sc->now_arg);
	hpet_sync(sc, now);
	reg_write(sc, off & ~7ULL, (val & mask) << shift, mask << shift, now);
	update_lines(sc);
	return (0);
}

void
hpet_core_tick(struct hpet_core *sc)
{
	hpet_sync(sc, sc->now(sc->now_arg));
}

uint64_t
hpet_core_next_event(struct hpet_core *sc)
{
	uint64_t next = UINT64_MAX, elapsed, d, t;
	struct hpet_timer *tm;
	int isa, pin;

	if (!hpet_enabled(sc))
		return (UINT64_MAX);
	/* last_cnt is the counter at the last sync, which just happened. */
	elapsed = sc->last_cnt - sc->cnt_base;
	for (int n = 0; n < HPET_NTIMERS; n++) {
		tm = &sc->t[n];
		if (!(tm->conf & HPET_TCNF_INT_ENB) ||
		    !timer_route(sc, n, &isa, &pin) ||
		    (timer_level(tm) && (sc->isr & (1ULL << n))))
			continue;
		d = match_dist(tm, sc->last_cnt);
		if (d == 0 || elapsed + d < elapsed)
			continue;
		t = guest_clock_ticks_to_ns(elapsed + d, HPET_FREQ);
		t = sc->base_ns + t < t ? UINT64_MAX : sc->base_ns + t;
		next = t < next ? t : next;
	}
	return (next);
}

/* ---- the glue: MMIO at VM_HPET_BASE, IOAPIC / ISA lines, a timer ---- */

struct hpet_softc {
	pthread_mutex_t	mtx;
	struct hpet_core core;
	struct vmctx	*ctx;
	struct guest_timer timer;
};

static struct hpet_softc *hpet_sc;

static void
hpet_intr(void *arg, int isa, int pin, enum hpet_intr_op op)
{
	struct hpet_softc *sc = arg;

	switch (op) {
	case HPET_INTR_ASSERT:
		if (isa >= 0)
			(void)vm_isa_assert_irq(sc->ctx, isa, pin);
		else
			(void)vm_ioapic_assert_irq(sc->ctx, pin);
		break;
	case HPET_INTR_DEASSERT:
		if (isa >= 0)
			(void)vm_isa_deassert_irq(sc->ctx, isa, pin);
		else
			(void)vm_ioapic_deassert_irq(sc->ctx, pin);
		break;
	case HPET_INTR_PULSE:
		if (isa >= 0)
			(void)vm_isa_pulse_irq(sc->ctx, isa, pin);
		else
			(void)vm_ioapic_pulse_irq(sc->ctx, pin);
		break;
	}
}

static void
hpet_timer_cb(void *arg)
{
	struct hpet_softc *sc = arg;

	pthread_mutex_lock(&sc->mtx);
	guest_timer_fired(&sc->timer);
	hpet_core_tick(&sc->core);
	guest_timer_arm(&sc->timer, hpet_core_next_event(&sc->core));
	pthread_mutex_unlock(&sc->mtx);
}

static int
hpet_mmio(struct vcpu *vcpu, int dir, uint64_t addr, int size, uint64_t *val,
    void *arg1, long arg2)
{
	struct hpet_softc *sc = arg1;
	uint64_t off = addr - VM_HPET_BASE;

	bool leg_was, leg_now;

	pthread_mutex_lock(&sc->mtx);
	leg_was = (sc->core.config & HPET_CNF_LEG_RT) != 0;
	if (dir == MEM_F_READ)
		(void)hpet_core_read(&sc->core, off, size, val);
	else
		(void)hpet_core_write(&sc->core, off, size, *val);
	leg_now = (sc->core.config & HPET_CNF_LEG_RT) != 0;
	guest_timer_arm(&sc->timer, hpet_core_next_event(&sc->core));
	pthread_mutex_unlock(&sc->mtx);
	/*
	 * The legacy replacement route takes IRQ 0 from the PIT and IRQ 8
	 * from the RTC (HPET spec 1.0a §2.3.8.2.4): tell both.
	 */
	if (leg_was != leg_now) {
		(void)vm_hpet_legacy(sc->ctx, leg_now);
		rtc_set_hpet_legacy(leg_now);
	}
	return (0);
}

int
hpet_init(struct vmctx *ctx)
{
	struct hpet_softc *sc;
	struct mem_range mr;
	int error;

	if (hpet_sc != NULL)
		return (-EEXIST);
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (-ENOMEM);
	sc->ctx = ctx;
	pthread_mutex_init(&sc->mtx, NULL);
	hpet_core_init(&sc->core, guest_clock_source, NULL, hpet_intr, sc);
	error = guest_timer_init(&sc->timer, hpet_timer_cb, sc);
	if (error != 0)
		goto fail;
	memset(&mr, 0, sizeof(mr));
	mr.name = "hpet";
	mr.flags = MEM_F_RW;
	mr.handler = hpet_mmio;
	mr.arg1 = sc;
	mr.base = VM_HPET_BASE;
	mr.size = HPET_MMIO_SIZE;
	error = register_mem(&mr);
	if (error != 0)
		goto fail;
	hpet_sc = sc;
	return (0);

fail:
	guest_timer_fini(&sc->timer);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
	return (error);
}
