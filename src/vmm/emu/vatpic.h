/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vatpic.h: the emu backend's 8259A pair (master at 0x20, slave at 0xA0
 * on the master's IR2) and the ELCR (0x4D0/0x4D1).
 */
#ifndef LHYVE_EMU_VATPIC_H
#define LHYVE_EMU_VATPIC_H

#include <stdbool.h>
#include <stdint.h>

struct vmctx;

int vatpic_init(struct vmctx *ctx);
void vatpic_cleanup(struct vmctx *ctx);
/* ports 0x20/0x21/0xA0/0xA1/0x4D0/0x4D1, one byte */
uint8_t vatpic_in(struct vmctx *ctx, uint16_t port);
void vatpic_out(struct vmctx *ctx, uint16_t port, uint8_t v);
/* ISA IRQ 0..15: 1 assert, 0 deassert, -1 pulse */
int vatpic_set_irq(struct vmctx *ctx, int irq, int level);
/* Is INTR raised? */
bool vatpic_pending(struct vmctx *ctx);
/* The INTA cycle: the vector the 8259s put on the bus (IRQ7/15: spurious). */
int vatpic_intack(struct vmctx *ctx);

#endif /* LHYVE_EMU_VATPIC_H */
