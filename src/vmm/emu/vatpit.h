/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vatpit.h: the emu backend's 8254 PIT (ports 0x40-0x43) and the port
 * 0x61 bits that gate channel 2 and show its output.
 */
#ifndef LHYVE_EMU_VATPIT_H
#define LHYVE_EMU_VATPIT_H

#include <stdbool.h>
#include <stdint.h>

struct vmctx;

int vatpit_init(struct vmctx *ctx);
void vatpit_cleanup(struct vmctx *ctx);
/* ports 0x40-0x43 and 0x61, one byte */
uint8_t vatpit_in(struct vmctx *ctx, uint16_t port);
void vatpit_out(struct vmctx *ctx, uint16_t port, uint8_t v);
/* The HPET's legacy replacement route takes IRQ 0 from the PIT. */
void vatpit_hpet_legacy(struct vmctx *ctx, bool on);

#endif /* LHYVE_EMU_VATPIT_H */
