/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ops.h: how an instruction family registers its handlers.  Each family
 * file (alu.c, bitops.c, move.c, control.c, string.c, system.c) exports one table of
 * (map, opcode, ModRM.reg, mandatory prefix) -> handler rows; optable.c
 * folds them into the lookup table that the code cache consults once per
 * decoded instruction.  Adding an instruction is adding a row.
 */
#ifndef LHYVE_EMU_OPS_H
#define LHYVE_EMU_OPS_H

#include "vmm/emu/cpu.h"

/* one registration row */
struct emu_opreg {
	uint8_t map;		/* enum emu_map */
	uint8_t op;
	int8_t reg;		/* ModRM.reg 0..7, or -1 for any */
	uint8_t pfx;		/* enum emu_pfx, EMU_PFX_NONE for "any" */
	emu_handler_t fn;
	uint16_t flags;		/* EMU_F_* */
	uint8_t aux;
};

/* row helpers: 1-byte map, 0F map, with or without a ModRM.reg group */
#define OP1(o, f, fl)		{ EMU_MAP_1B, (o), -1, 0, (f), (fl), 0 }
#define OP1A(o, f, fl, a)	{ EMU_MAP_1B, (o), -1, 0, (f), (fl), (a) }
#define OP1G(o, r, f, fl)	{ EMU_MAP_1B, (o), (r), 0, (f), (fl), 0 }
#define OP1GA(o, r, f, fl, a)	{ EMU_MAP_1B, (o), (r), 0, (f), (fl), (a) }
#define OP1P(o, p, f, fl)	{ EMU_MAP_1B, (o), -1, (p), (f), (fl), 0 }
#define OP2(o, f, fl)		{ EMU_MAP_0F, (o), -1, 0, (f), (fl), 0 }
#define OP2A(o, f, fl, a)	{ EMU_MAP_0F, (o), -1, 0, (f), (fl), (a) }
#define OP2G(o, r, f, fl)	{ EMU_MAP_0F, (o), (r), 0, (f), (fl), 0 }
#define OP2P(o, p, f, fl)	{ EMU_MAP_0F, (o), -1, (p), (f), (fl), 0 }
#define OPEND			{ 0, 0, 0, 0, NULL, 0, 0 }

/* the opcode's low 3 bits + REX.B name a register: aux = that register */
#define EMU_F_OPREG	0x200
/* the handler needs its op size in aux as well (spare) */

#define H(name)	\
	const struct emu_op *name(struct emu_cpu *cpu, const struct emu_op *op)

extern const struct emu_opreg emu_alu_ops[];
extern const struct emu_opreg emu_bitops_ops[];
extern const struct emu_opreg emu_move_ops[];
extern const struct emu_opreg emu_control_ops[];
extern const struct emu_opreg emu_string_ops[];
extern const struct emu_opreg emu_system_ops[];
/* x87, MMX, SSE..SSE4.2 (fpu.c, sse_*.c, sse4.c, fxsave.c) */
extern const struct emu_opreg emu_fpu_ops[];
extern const struct emu_opreg emu_sse_mov_ops[];
extern const struct emu_opreg emu_sse_int_ops[];
extern const struct emu_opreg emu_sse_fp_ops[];
extern const struct emu_opreg emu_sse4_ops[];
extern const struct emu_opreg emu_fxsave_ops[];

#endif /* LHYVE_EMU_OPS_H */
