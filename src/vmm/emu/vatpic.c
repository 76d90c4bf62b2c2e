/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vatpic.c: the emu backend's pair of 8259A PICs (Intel 8259A datasheet:
 * ICW1-4, OCW1-3, fully nested/rotating priority, special mask mode,
 * automatic EOI, poll, spurious IR7) cascaded through master IR2, with the
 * PIIX edge/level control registers at 0x4D0/0x4D1.  INTR goes to the BSP
 * through LINT0 (intr.c decides who listens).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/intr.h"
#include "vmm/emu/vatpic.h"

struct pic {
	uint8_t irr, isr, imr;
	uint8_t lines;		/* input levels */
	uint8_t elcr;		/* level-triggered inputs */
	uint8_t base;		/* ICW2: vector of IR0 */
	uint8_t icw;		/* next ICW expected: 2, 3, 4; 0 = ready */
	bool need_icw4;
	bool aeoi, rotate_aeoi, sfnm, smm, poll, read_isr;
	uint8_t lowprio;	/* lowest-priority IR (rotation) */
};

struct vatpic {
	pthread_mutex_t mtx;
	struct pic pic[2];	/* master, slave */
	bool intr;		/* INTR output as last reported */
};

static struct vatpic *
vpic(struct vmctx *ctx)
{
	return (((struct emu_vm *)ctx->backend)->vatpic);
}

/*
 * The highest-priority pin to request, or -1.  Fully nested: an IR in
 * service blocks itself and everything below (unless special mask mode,
 * where only masked in-service levels are ignored).
 */
static int
pic_pending(struct pic *p)
{
	for (int k = 1; k <= 8; k++) {
		int pin = (p->lowprio + k) & 7;
		uint8_t b = 1u << pin;

		if ((p->isr & b) && !p->smm)
			return (-1);
		if ((p->irr & b) && !(p->imr & b))
			return (pin);
		if ((p->isr & b) && p->smm && !(p->imr & b))
			return (-1);
	}
	return (-1);
}

/* The slave's INTR is the master's IR2 (a level, as the wire is). */
static void
cascade(struct vatpic *sc)
{
	struct pic *m = &sc->pic[0];

	if (pic_pending(&sc->pic[1]) >= 0)
		m->irr |= 1u << 2;
	else
		m->irr &= ~(1u << 2);
}

/* After any change: recompute INTR; returns true if it must be told. */
static bool
update(struct vatpic *sc)
{
	bool intr;

	cascade(sc);
	intr = pic_pending(&sc->pic[0]) >= 0;
	sc->intr = intr;
	return (intr);
}

static void
set_pin(struct pic *p, int pin, int level)
{
	uint8_t b = 1u << pin;

	if (level != 0) {
		/* edge: IRR on the rising edge; level: while high */
		if (!(p->lines & b) || (p->elcr & b))
			p->irr |= b;
		p->lines |= b;
	}
	if (level <= 0) {
		p->lines &= ~b;
		if (p->elcr & b)
			p->irr &= ~b;
	}
}

int
vatpic_set_irq(struct vmctx *ctx, int irq, int level)
{
	struct vatpic *sc = vpic(ctx);
	bool intr;

	if (irq < 0 || irq > 15)
		return (-EINVAL);
	pthread_mutex_lock(&sc->mtx);
	set_pin(&sc->pic[irq >> 3], irq & 7, level);
	intr = update(sc);
	pthread_mutex_unlock(&sc->mtx);
	if (intr)
		emu_intr_extint_changed(ctx);
	return (0);
}

bool
vatpic_pending(struct vmctx *ctx)
{
	struct vatpic *sc = vpic(ctx);
	bool intr;

	pthread_mutex_lock(&sc->mtx);
	intr = pic_pending(&sc->pic[0]) >= 0;
	pthread_mutex_unlock(&sc->mtx);
	return (intr);
}

/* INTA on one chip: IRR -> ISR (unless AEOI); pin -1 gives IR7. */
static int
ack(struct pic *p, int pin)
{
	uint8_t b;

	if (pin < 0)
		return (p->base | 7);	/* spurious: no ISR bit */
	b = 1u << pin;
	if (!(p->elcr & b))
		p->irr &= ~b;
	if (p->aeoi) {
		if (p->rotate_aeoi)
			p->lowprio = pin;
	} else {
		p->isr |= b;
	}
	return (p->base | pin);
}

int
vatpic_intack(struct vmctx *ctx)
{
	struct vatpic *sc = vpic(ctx);
	struct pic *m = &sc->pic[0], *s = &sc->pic[1];
	int pin, vec;

	pthread_mutex_lock(&sc->mtx);
	cascade(sc);
	pin = pic_pending(m);
	if (pin == 2) {
		int spin = pic_pending(s);
		ack(m, 2);
		vec = ack(s, spin);
	} else {
		vec = ack(m, pin);
	}
	update(sc);
	pthread_mutex_unlock(&sc->mtx);
	return (vec);
}

/* ---- programming ---- */

static void
eoi(struct pic *p, int pin, bool rotate)
{
	if (pin < 0) {
		/* non-specific: the highest priority in service */
		for (int k = 1; k <= 8; k++) {
			int i = (p->lowprio + k) & 7;
			if (p->isr & (1u << i)) {
				pin = i;
				break;
			}
		}
		if (pin < 0)
			return;
	}
	p->isr &= ~(1u << pin);
	if (rotate)
		p->lowprio = pin;
	/* a level input still high asks again */
	if ((p->elcr & p->lines) & (1u << pin))
		p->irr |= 1u << pin;
}

static void
cmd_write(struct pic *p, uint8_t v)
{
	if (v & 0x10) {
		/* ICW1: restart initialization (8259A datasheet, ICW1) */
		p->icw = 2;
		p->need_icw4 = v & 1;
		p->imr = 0;
		p->isr = 0;
		p->irr &= p->elcr & p->lines;
		p->lowprio = 7;
		p->smm = p->poll = p->read_isr = false;
		p->aeoi = p->rotate_aeoi = p->sfnm = false;
		return;
	}
	if (v & 0x08) {
		/* OCW3 */
		if (v & 0x40)
			p->smm = (v & 0x20) != 0;
		if (v & 0x02)
			p->read_isr = v & 1;
		p->poll = (v & 0x04) != 0;
		return;
	}
	/* OCW2: R SL EOI L2 L1 L0 */
	switch (v >> 5) {
	case 1: eoi(p, -1, false); break;		/* non-specific EOI */
	case 3: eoi(p, v & 7, false); break;		/* specific EOI */
	case 5: eoi(p, -1, true); break;		/* rotate, non-spec. */
	case 4: p->rotate_aeoi = true; break;		/* rotate in AEOI set */
	case 0: p->rotate_aeoi = false; break;		/* ... clear */
	case 7: eoi(p, v & 7, true); break;		/* rotate, specific */
	case 6: p->lowprio = v & 7; break;		/* set priority */
	}
}

static void
data_write(struct pic *p, uint8_t v)
{
	switch (p->icw) {
	case 2:
		p->base = v & 0xf8;
		p->icw = 3;	/* cascaded: ICW3 follows (SNGL never set) */
		return;
	case 3:
		p->icw = p->need_icw4 ? 4 : 0;
		return;
	case 4:
		p->aeoi = (v & 2) != 0;
		p->sfnm = (v & 0x10) != 0;
		p->icw = 0;
		return;
	}
	p->imr = v;	/* OCW1 */
}

/* Poll command (OCW3 P): acknowledge the highest request, as INTA would. */
static uint8_t
poll(struct vatpic *sc, struct pic *p)
{
	int pin = pic_pending(p);

	p->poll = false;
	if (pin < 0)
		return (0);
	ack(p, pin);
	return (0x80 | pin);
}

uint8_t
vatpic_in(struct vmctx *ctx, uint16_t port)
{
	struct vatpic *sc = vpic(ctx);
	struct pic *p;
	uint8_t v;

	pthread_mutex_lock(&sc->mtx);
	cascade(sc);
	if (port == 0x4d0 || port == 0x4d1) {
		v = sc->pic[port & 1].elcr;
	} else {
		p = &sc->pic[(port & 0x80) ? 1 : 0];
		if (p->poll)
			v = poll(sc, p);
		else if (port & 1)
			v = p->imr;
		else
			v = p->read_isr ? p->isr : p->irr;
	}
	pthread_mutex_unlock(&sc->mtx);
	return (v);
}

void
vatpic_out(struct vmctx *ctx, uint16_t port, uint8_t v)
{
	struct vatpic *sc = vpic(ctx);
	struct pic *p;
	bool intr;

	pthread_mutex_lock(&sc->mtx);
	if (port == 0x4d0 || port == 0x4d1) {
		/* IRQ 0, 1, 2, 8, 13 are always edge (PIIX ELCR) */
		sc->pic[port & 1].elcr = v & (port & 1 ? 0xde : 0xf8);
	} else {
		p = &sc->pic[(port & 0x80) ? 1 : 0];
		if (port & 1)
			data_write(p, v);
		else
			cmd_write(p, v);
	}
	intr = update(sc);
	pthread_mutex_unlock(&sc->mtx);
	if (intr)
		emu_intr_extint_changed(ctx);
}

int
vatpic_init(struct vmctx *ctx)
{
	struct vatpic *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return (-ENOMEM);
	pthread_mutex_init(&sc->mtx, NULL);
	for (int i = 0; i < 2; i++) {
		sc->pic[i].lowprio = 7;
		sc->pic[i].base = i ? 0x70 : 0x08;	/* the PC BIOS's */
	}
	((struct emu_vm *)ctx->backend)->vatpic = sc;
	return (0);
}

void
vatpic_cleanup(struct vmctx *ctx)
{
	struct emu_vm *vm = ctx->backend;

	if (vm->vatpic == NULL)
		return;
	pthread_mutex_destroy(&vm->vatpic->mtx);
	free(vm->vatpic);
	vm->vatpic = NULL;
}
