/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vioapic.h: the emu backend's I/O APIC (Intel 82093AA datasheet): 24
 * pins at VM_IOAPIC_BASE, edge and level inputs with remote IRR.
 */
#ifndef LHYVE_EMU_VIOAPIC_H
#define LHYVE_EMU_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct vmctx;

#define VIOAPIC_NPINS	24
#define VIOAPIC_SIZE	0x1000

int vioapic_init(struct vmctx *ctx);
void vioapic_cleanup(struct vmctx *ctx);
void vioapic_mmio(struct vmctx *ctx, uint64_t off, int size, bool read,
    uint64_t *data);
/* level: 1 assert, 0 deassert, -1 pulse; -EINVAL for a bad pin */
int vioapic_set_irq(struct vmctx *ctx, int pin, int level);
/* A LAPIC EOI'd a level-triggered vector. */
void vioapic_eoi(struct vmctx *ctx, int vec);

#endif /* LHYVE_EMU_VIOAPIC_H */
