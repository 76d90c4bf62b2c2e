/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vioapic.c: the emu backend's I/O APIC (Intel 82093AA datasheet §3):
 * IOREGSEL/IOWIN at VM_IOAPIC_BASE, 24 redirection entries, edge inputs
 * delivered on a rising edge, level inputs delivered while asserted and
 * the remote IRR is clear (cleared by the LAPIC's EOI broadcast or the
 * EOI register).  A device's "assert" means "active": the polarity bit is
 * kept for the guest to read, as the MADT/_PRT already told it how the
 * line is wired.
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
#define RTE_DELIVS	(1ULL << 12)
#define RTE_LOGICAL	(1ULL << 11)
#define RTE_RO		(RTE_RIRR | RTE_DELIVS)

/* version 0x11, 24 entries (max redirection entry 23) */
#define IOAPIC_VERSION	(0x11u | ((VIOAPIC_NPINS - 1u) << 16))

struct vioapic {
	pthread_mutex_t mtx;
	struct vmctx *ctx;
	uint32_t id, sel;
	uint64_t rte[VIOAPIC_NPINS];
	uint32_t level;			/* inputs now asserted */
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

/* Deliver a level-triggered pin if it is asserted and may be. */
static void
level_check(struct vioapic *io, int pin)
{
	uint64_t r = io->rte[pin];

	if ((r & RTE_LEVEL) && !(r & (RTE_MASKED | RTE_RIRR)) &&
	    (io->level & (1u << pin)))
		send(io, pin);
}

int
vioapic_set_irq(struct vmctx *ctx, int pin, int level)
{
	struct vioapic *io = vio(ctx);
	uint32_t bit;

	if (pin < 0 || pin >= VIOAPIC_NPINS)
		return (-EINVAL);
	bit = 1u << pin;
	pthread_mutex_lock(&io->mtx);
	if (level != 0) {
		bool rising = !(io->level & bit);
		io->level |= bit;
		if (io->rte[pin] & RTE_LEVEL)
			level_check(io, pin);
		else if (rising && !(io->rte[pin] & RTE_MASKED))
			send(io, pin);
	}
	if (level <= 0)
		io->level &= ~bit;
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
	/* unmasking an asserted level input delivers it */
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
