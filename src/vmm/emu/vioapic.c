/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vioapic.c: the emu backend's I/O APIC (Intel 82093AA datasheet §3):
 * IOREGSEL/IOWIN at VM_IOAPIC_BASE, 24 redirection entries, edge inputs
 * delivered on a rising edge, level inputs delivered while asserted and
 * the remote IRR is clear (cleared by the LAPIC's EOI broadcast or the
 * EOI register).  A device's "assert" drives its line to the line's
 * active level as wired on the board (the MADT and _PRT say how); the pin
 * compares the line with its programmed polarity, so a pin programmed
 * opposite to its wiring sees the input inverted, as hardware would.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/vioapic.h"
#include "vmm/emu/vlapic.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOEOI		0x40

#define RTE_MASKED	(1ULL << 16)
#define RTE_LEVEL	(1ULL << 15)
#define RTE_RIRR	(1ULL << 14)
#define RTE_POL_LOW	(1ULL << 13)
#define RTE_DELIVS	(1ULL << 12)
#define RTE_LOGICAL	(1ULL << 11)
#define RTE_RO		(RTE_RIRR | RTE_DELIVS)

/* version 0x11, 24 entries (max redirection entry 23) */
#define IOAPIC_VERSION	(0x11u | ((VIOAPIC_NPINS - 1u) << 16))

/*
 * Lines wired active-low: the SCI (IRQ 9, the MADT's interrupt source
 * override, platform.h PLATFORM_SCI_IRQ) and the PCI INTx pins 16-23 (the
 * _PRT's static GSI entries: level, active low, ACPI §6.2.13).  The rest
 * are ISA lines, active high.
 */
#define WIRED_LOW	((1u << 9) | 0xff0000u)

struct vioapic {
	pthread_mutex_t mtx;
	struct vmctx *ctx;
	uint32_t id, sel;
	uint64_t rte[VIOAPIC_NPINS];
	uint32_t level;			/* inputs now asserted by devices */
};

static struct vioapic *
vio(struct vmctx *ctx)
{
	return (((struct emu_vm *)ctx->backend)->vioapic);
}

/* Send pin's interrupt message; lock held (order: IOAPIC, then LAPIC). */
static void
send(struct vioapic *io, int pin)
{
	uint64_t r = io->rte[pin];

	if (r & RTE_LEVEL)
		io->rte[pin] |= RTE_RIRR;
	vlapic_deliver(io->ctx, NULL, r >> 56, false, (r & RTE_LOGICAL) != 0,
	    0, (r >> 8) & 7, r & 0xff, (r & RTE_LEVEL) != 0);
}

/*
 * Is the pin's input active?  The line's electrical level is high when
 * asserted on an active-high wire or not asserted on an active-low one;
 * the pin's polarity (82093AA §3.2.4, bit 13: 1 = active low) says which
 * level is active.
 */
static bool
active(struct vioapic *io, int pin)
{
	bool high = (((io->level ^ WIRED_LOW) >> pin) & 1) != 0;

	return (high != ((io->rte[pin] & RTE_POL_LOW) != 0));
}

/* Deliver a level-triggered pin if it is active and may be. */
static void
level_check(struct vioapic *io, int pin)
{
	uint64_t r = io->rte[pin];

	if ((r & RTE_LEVEL) && !(r & (RTE_MASKED | RTE_RIRR)) &&
	    active(io, pin))
		send(io, pin);
}

/* The input changed from was_active: edge pins deliver on becoming active. */
static void
input_changed(struct vioapic *io, int pin, bool was_active)
{
	if (io->rte[pin] & RTE_LEVEL)
		level_check(io, pin);
	else if (!was_active && active(io, pin) &&
	    !(io->rte[pin] & RTE_MASKED))
		send(io, pin);
}

int
vioapic_set_irq(struct vmctx *ctx, int pin, int level)
{
	struct vioapic *io = vio(ctx);
	uint32_t bit;
	bool was;

	if (pin < 0 || pin >= VIOAPIC_NPINS)
		return (-EINVAL);
	bit = 1u << pin;
	pthread_mutex_lock(&io->mtx);
	was = active(io, pin);
	if (level != 0)
		io->level |= bit;
	else
		io->level &= ~bit;
	input_changed(io, pin, was);
	if (level < 0) {
		/* a pulse: back to idle (an inverted pin sees its edge now) */
		was = active(io, pin);
		io->level &= ~bit;
		input_changed(io, pin, was);
	}
	pthread_mutex_unlock(&io->mtx);
	return (0);
}

void
vioapic_eoi(struct vmctx *ctx, int vec)
{
	struct vioapic *io = vio(ctx);

	pthread_mutex_lock(&io->mtx);
	for (int pin = 0; pin < VIOAPIC_NPINS; pin++) {
		uint64_t r = io->rte[pin];
		if ((r & 0xff) != (uint64_t)vec || !(r & RTE_RIRR))
			continue;
		io->rte[pin] &= ~RTE_RIRR;
		level_check(io, pin);	/* still asserted: again */
	}
	pthread_mutex_unlock(&io->mtx);
}

static uint32_t
reg_read(struct vioapic *io, uint32_t reg)
{
	int pin;

	switch (reg) {
	case 0: return (io->id << 24);
	case 1: return (IOAPIC_VERSION);
	case 2: return (io->id << 24);		/* arbitration ID */
	}
	if (reg >= 0x10 && reg < 0x10 + 2 * VIOAPIC_NPINS) {
		pin = (reg - 0x10) / 2;
		return (reg & 1 ? io->rte[pin] >> 32 : (uint32_t)io->rte[pin]);
	}
	return (0);
}

static void
reg_write(struct vioapic *io, uint32_t reg, uint32_t v)
{
	uint64_t old, nv;
	int pin;

	if (reg == 0) {
		io->id = (v >> 24) & 0xf;
		return;
	}
	if (reg < 0x10 || reg >= 0x10 + 2 * VIOAPIC_NPINS)
		return;
	pin = (reg - 0x10) / 2;
	old = io->rte[pin];
	if (reg & 1)
		nv = (old & 0xffffffffULL) | ((uint64_t)v << 32);
	else
		nv = (old & ~0xffffffffULL) | v;
	nv = (nv & ~RTE_RO) | (old & RTE_RO);
	if (!(nv & RTE_LEVEL))
		nv &= ~RTE_RIRR;	/* edge mode has no remote IRR */
	io->rte[pin] = nv;
	/*
	 * Unmasking an active level input delivers it (so does making it
	 * active by flipping the polarity, as on hardware).
	 */
	level_check(io, pin);
}

void
vioapic_mmio(struct vmctx *ctx, uint64_t off, int size, bool read,
    uint64_t *data)
{
	struct vioapic *io = vio(ctx);
	uint64_t v = 0;

	pthread_mutex_lock(&io->mtx);
	switch (off) {
	case IOREGSEL:
		if (read)
			v = io->sel;
		else
			io->sel = *data & 0xff;
		break;
	case IOWIN:
		if (read)
			v = reg_read(io, io->sel);
		else
			reg_write(io, io->sel, *data);
		break;
	case IOEOI:
		if (!read) {
			pthread_mutex_unlock(&io->mtx);
			vioapic_eoi(ctx, *data & 0xff);
			return;
		}
		break;
	}
	pthread_mutex_unlock(&io->mtx);
	if (read)
		*data = v;
}

int
vioapic_init(struct vmctx *ctx)
{
	struct vioapic *io = calloc(1, sizeof(*io));

	if (io == NULL)
		return (-ENOMEM);
	pthread_mutex_init(&io->mtx, NULL);
	io->ctx = ctx;
	for (int i = 0; i < VIOAPIC_NPINS; i++)
		io->rte[i] = RTE_MASKED;
	((struct emu_vm *)ctx->backend)->vioapic = io;
	return (0);
}

void
vioapic_cleanup(struct vmctx *ctx)
{
	struct emu_vm *vm = ctx->backend;

	if (vm->vioapic == NULL)
		return;
	pthread_mutex_destroy(&vm->vioapic->mtx);
	free(vm->vioapic);
	vm->vioapic = NULL;
}
