/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vatpit.c: the emu backend's 8254 programmable interval timer (Intel
 * 8254 datasheet): three channels at 1.193182 MHz counted from the guest
 * clock (vtimer.h), modes 0-5, LSB/MSB/both access, BCD, counter latch and
 * read-back commands, gates.  Channel 0 raises ISA IRQ 0 (IOAPIC pin 2)
 * from the timer thread; channel 2's gate and output are bits 0 and 5 of
 * port 0x61 (Linux calibrates the TSC by polling them).  Counts are
 * computed from the time the counter was loaded, never ticked.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/vatpic.h"
#include "vmm/emu/vatpit.h"
#include "vmm/emu/vioapic.h"
#include "vmm/emu/vtimer.h"

struct chan {
	uint8_t mode;		/* 0..5 */
	uint8_t rw;		/* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool gate;
	bool armed;		/* counting (a count was loaded, gate ok) */
	bool null_count;	/* count written, not yet loaded */
	uint32_t reload;	/* 1..65536 (0 written = 65536 / 10000) */
	uint64_t start;		/* ns when counting began */
	uint32_t frozen;	/* count while the gate holds it */
	bool wlsb;		/* rw 3: the LSB was written, MSB next */
	uint8_t wtmp;
	bool rmsb;		/* rw 3: next read is the MSB */
	bool latched;		/* counter latch */
	uint16_t latch;
	bool latch_msb;
	bool st_latched;	/* read-back status */
	uint8_t status;
};

struct vatpit {
	pthread_mutex_t mtx;
	struct vmctx *ctx;
	struct chan ch[3];
	uint8_t port61;		/* bits 0-3 as written */
	bool refresh;		/* bit 4 toggles on every read */
	uint64_t next_irq;	/* channel 0: ns of the next IRQ 0 edge */
	_Atomic bool hpet_legacy; /* IRQ 0 belongs to the HPET (LEG_RT_CNF) */
};

static struct vatpit *
vpit(struct vmctx *ctx)
{
	return (((struct emu_vm *)ctx->backend)->vatpit);
}

static uint64_t
ns_to_ticks(uint64_t ns)
{
	return ((uint64_t)((unsigned __int128)ns * EMU_PIT_HZ / 1000000000U));
}

static uint64_t
ticks_to_ns(uint64_t t)
{
	return ((uint64_t)(((unsigned __int128)t * 1000000000U +
	    EMU_PIT_HZ - 1) / EMU_PIT_HZ));
}

/* Ticks elapsed since the counter was loaded. */
static uint64_t
elapsed(struct chan *c, uint64_t now)
{
	return (now > c->start ? ns_to_ticks(now - c->start) : 0);
}

/* The counting element now (and the OUT pin through *out). */
static uint32_t
count_out(struct chan *c, uint64_t now, bool *out)
{
	uint64_t e, n = c->reload;
	uint32_t cnt;

	if (!c->armed) {
		/* mode 0 waits low (until its terminal count); others high */
		*out = c->mode != 0 || (!c->null_count && c->frozen == 0 &&
		    c->reload != 0 && c->reload != 65536);
		return (c->frozen & 0xffff);
	}
	e = elapsed(c, now);
	switch (c->mode) {
	case 0:		/* interrupt on terminal count */
	case 1:		/* hardware one-shot: OUT low while counting */
		*out = e >= n;
		cnt = (uint32_t)((n - e) & 0xffff);
		break;
	case 2:		/* rate generator: OUT low for the last tick */
		cnt = n - e % n;
		*out = cnt != 1;
		break;
	case 3: {	/* square wave: high for ceil(n/2), low for floor */
		uint64_t ph = e % n, hi = (n + 1) / 2;
		*out = ph < hi;
		cnt = (uint32_t)(*out ? n - 2 * ph : n - 2 * (ph - hi));
		break;
	}
	default:	/* 4, 5: strobe: OUT low for the tick at TC */
		*out = e != n;
		cnt = (uint32_t)((n - e) & 0xffff);
		break;
	}
	return (cnt & 0xffff);
}

static uint16_t
to_bcd(uint32_t v)
{
	v %= 10000;
	return ((v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) |
	    ((v / 1000) << 12));
}

static uint32_t
from_bcd(uint16_t v)
{
	return ((v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
	    ((v >> 12) & 0xf) * 1000);
}

/* Channel 0's next IRQ 0 edge; called with the lock held. */
static void
ch0_schedule(struct vatpit *sc, uint64_t now)
{
	struct chan *c = &sc->ch[0];
	uint64_t e, n = c->reload, when = 0;

	if (c->armed && c->gate) {
		e = elapsed(c, now);
		if (c->mode == 0 || c->mode == 4) {
			if (e < n)
				when = c->start + ticks_to_ns(n);
		} else if (c->mode == 2 || c->mode == 3) {
			/* OUT rises at the end of each period */
			when = c->start + ticks_to_ns((e / n + 1) * n);
		}
	}
	sc->next_irq = when;
	emu_timer_arm(((struct emu_vm *)sc->ctx->backend)->timers,
	    EMU_TIMER_PIT, when);
}

static void
pit_fire(void *arg, uint64_t now)
{
	struct vatpit *sc = arg;
	bool fire;

	pthread_mutex_lock(&sc->mtx);
	fire = sc->next_irq != 0 && now >= sc->next_irq;
	if (fire || sc->next_irq != 0)
		ch0_schedule(sc, now);
	pthread_mutex_unlock(&sc->mtx);
	/* Under the HPET's legacy route the PIT's output is not wired to
	 * IRQ 0 (HPET spec 1.0a §2.3.8.2.4); the counter keeps counting. */
	if (fire && !atomic_load(&sc->hpet_legacy)) {
		/* IRQ 0 is edge-triggered: 8259 IR0, IOAPIC pin 2 (MADT) */
		vatpic_set_irq(sc->ctx, 0, -1);
		vioapic_set_irq(sc->ctx, 2, -1);
	}
}

static void
load(struct vatpit *sc, int i, uint32_t v)
{
	struct chan *c = &sc->ch[i];
	uint64_t now = emu_clock_ns();

	if (c->bcd)
		v = from_bcd(v);
	if (v == 0)
		v = c->bcd ? 10000 : 65536;
	c->reload = v;
	c->null_count = false;
	c->frozen = v & 0xffff;
	/* modes 1 and 5 wait for a gate edge; the rest start now */
	if (c->mode != 1 && c->mode != 5) {
		c->armed = c->gate;
		c->start = now;
	}
	if (i == 0)
		ch0_schedule(sc, now);
}

static void
set_gate(struct vatpit *sc, int i, bool g)
{
	struct chan *c = &sc->ch[i];
	uint64_t now = emu_clock_ns();
	bool out;

	if (g == c->gate)
		return;
	if (!g) {
		/* modes 0, 2, 3, 4 stop counting while the gate is low */
		if (c->armed && c->mode != 1 && c->mode != 5) {
			c->frozen = count_out(c, now, &out);
			c->armed = false;
		}
	} else if (!c->null_count && c->reload != 0) {
		/* rising edge: 1, 5 (re)trigger; 2, 3 reload; 0, 4 resume */
		c->start = now;
		if (c->mode == 0 || c->mode == 4) {
			uint32_t f = c->frozen ? c->frozen : 65536;
			c->start = now - ticks_to_ns(c->reload - f);
		}
		c->armed = true;
	}
	c->gate = g;
	if (i == 0)
		ch0_schedule(sc, now);
}

static void
control(struct vatpit *sc, uint8_t v)
{
	int sel = v >> 6;
	uint64_t now = emu_clock_ns();
	bool out;

	if (sel == 3) {
		/* read-back (8254 datasheet): bit 5 = !count, 4 = !status */
		for (int i = 0; i < 3; i++) {
			struct chan *c = &sc->ch[i];
			uint32_t cnt;
			if (!(v & (2u << i)))
				continue;
			cnt = count_out(c, now, &out);
			if (!(v & 0x20) && !c->latched) {
				c->latched = true;
				c->latch = c->bcd ? to_bcd(cnt) : cnt;
				c->latch_msb = false;
			}
			if (!(v & 0x10) && !c->st_latched) {
				c->st_latched = true;
				c->status = (out ? 0x80 : 0) |
				    (c->null_count ? 0x40 : 0) | (c->rw << 4) |
				    (c->mode << 1) | (c->bcd ? 1 : 0);
			}
		}
		return;
	}
	struct chan *c = &sc->ch[sel];
	if ((v & 0x30) == 0) {
		/* counter latch command */
		if (!c->latched) {
			uint32_t cnt = count_out(c, now, &out);
			c->latched = true;
			c->latch = c->bcd ? to_bcd(cnt) : cnt;
			c->latch_msb = false;
		}
		return;
	}
	c->rw = (v >> 4) & 3;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* 6, 7 are 2, 3 */
	c->bcd = v & 1;
	c->armed = false;
	c->null_count = true;
	c->wlsb = c->rmsb = false;
	c->latched = c->st_latched = false;
	if (sel == 0)
		ch0_schedule(sc, now);
}

static uint8_t
chan_read(struct chan *c, uint64_t now)
{
	uint16_t v;
	bool out;

	if (c->st_latched) {
		c->st_latched = false;
		return (c->status);
	}
	if (c->latched) {
		v = c->latch;
		if (c->rw == 3 && !c->latch_msb) {
			c->latch_msb = true;
			return (v & 0xff);
		}
		c->latched = false;
		return (c->rw == 1 ? v & 0xff : v >> 8);
	}
	v = count_out(c, now, &out);
	if (c->bcd)
		v = to_bcd(v);
	switch (c->rw) {
	case 1: return (v & 0xff);
	case 2: return (v >> 8);
	}
	c->rmsb = !c->rmsb;
	return (c->rmsb ? v & 0xff : v >> 8);
}

static void
chan_write(struct vatpit *sc, int i, uint8_t v)
{
	struct chan *c = &sc->ch[i];

	switch (c->rw) {
	case 1:
		load(sc, i, v);
		break;
	case 2:
		load(sc, i, (uint32_t)v << 8);
		break;
	case 3:
		if (!c->wlsb) {
			c->wtmp = v;
			c->wlsb = true;
			if (c->mode == 0)	/* mode 0 stops on the LSB */
				c->armed = false;
		} else {
			c->wlsb = false;
			load(sc, i, c->wtmp | ((uint32_t)v << 8));
		}
		break;
	}
}

uint8_t
vatpit_in(struct vmctx *ctx, uint16_t port)
{
	struct vatpit *sc = vpit(ctx);
	uint64_t now = emu_clock_ns();
	uint8_t v = 0xff;
	bool out;

	pthread_mutex_lock(&sc->mtx);
	if (port >= 0x40 && port <= 0x42) {
		v = chan_read(&sc->ch[port - 0x40], now);
	} else if (port == 0x61) {
		count_out(&sc->ch[2], now, &out);
		sc->refresh = !sc->refresh;
		v = (sc->port61 & 0x0f) | (sc->refresh ? 0x10 : 0) |
		    (out ? 0x20 : 0);
	}
	pthread_mutex_unlock(&sc->mtx);
	return (v);
}

void
vatpit_out(struct vmctx *ctx, uint16_t port, uint8_t v)
{
	struct vatpit *sc = vpit(ctx);

	pthread_mutex_lock(&sc->mtx);
	if (port >= 0x40 && port <= 0x42)
		chan_write(sc, port - 0x40, v);
	else if (port == 0x43)
		control(sc, v);
	else if (port == 0x61) {
		sc->port61 = v & 0x0f;
		set_gate(sc, 2, v & 1);
	}
	pthread_mutex_unlock(&sc->mtx);
}

int
vatpit_init(struct vmctx *ctx)
{
	struct emu_vm *vm = ctx->backend;
	struct vatpit *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return (-ENOMEM);
	pthread_mutex_init(&sc->mtx, NULL);
	sc->ctx = ctx;
	for (int i = 0; i < 3; i++) {
		sc->ch[i].gate = i != 2;	/* 0, 1 tied high */
		sc->ch[i].rw = 3;
		sc->ch[i].mode = 3;
		sc->ch[i].reload = 65536;
	}
	vm->vatpit = sc;
	emu_timer_setup(vm->timers, EMU_TIMER_PIT, pit_fire, sc);
	return (0);
}

void
vatpit_cleanup(struct vmctx *ctx)
{
	struct emu_vm *vm = ctx->backend;

	if (vm->vatpit == NULL)
		return;
	emu_timer_stop(vm->timers, EMU_TIMER_PIT);
	pthread_mutex_destroy(&vm->vatpit->mtx);
	free(vm->vatpit);
	vm->vatpit = NULL;
}

void
vatpit_hpet_legacy(struct vmctx *ctx, bool on)
{
	atomic_store(&vpit(ctx)->hpet_legacy, on);
}
