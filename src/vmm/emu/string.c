/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * string.c: string instructions of the emu backend: MOVS, STOS, LODS,
 * CMPS, SCAS, INS and OUTS, with REP/REPE/REPNE, DF, and 16/32/64-bit
 * address sizes (SDM vol. 2 "REP/REPE/REPZ/REPNE/REPNZ").  A REP'd
 * instruction runs a bounded number of iterations per dispatch and then
 * leaves RIP on itself, so the run loop can notice kicks and interrupts in
 * between, as a real CPU takes interrupts between iterations; registers
 * are updated after every element so a fault restarts correctly.  String
 * I/O reaches the exit handler one element per call.
 */
#include "vmm/emu/ops.h"

#define STR_BUDGET	4096	/* iterations per dispatch */

enum { S_MOVS, S_STOS, S_LODS, S_CMPS, S_SCAS, S_INS, S_OUTS };

static inline void
advance(struct emu_cpu *cpu, int reg, int as, int64_t delta)
{
	emu_setreg(cpu, reg, as, 0, cpu->r[reg] + delta);
}

/* One element; returns false if a REPE/REPNE condition ends the loop. */
static inline bool
str_one(struct emu_cpu *cpu, const struct emu_op *op, int kind, int as,
    int64_t delta)
{
	int sz = op->size;
	uint64_t am = emu_amask(as), si = cpu->r[R_SI] & am;
	uint64_t di = cpu->r[R_DI] & am, a, b;
	struct emu_mref m;

	switch (kind) {
	case S_MOVS:
		a = emu_read(cpu, op->seg, si, sz);
		emu_write(cpu, EMU_ES, di, sz, a);
		advance(cpu, R_SI, as, delta);
		advance(cpu, R_DI, as, delta);
		return (true);
	case S_STOS:
		emu_write(cpu, EMU_ES, di, sz, emu_getreg(cpu, R_AX, sz, 0));
		advance(cpu, R_DI, as, delta);
		return (true);
	case S_LODS:
		emu_setreg(cpu, R_AX, sz, 0, emu_read(cpu, op->seg, si, sz));
		advance(cpu, R_SI, as, delta);
		return (true);
	case S_CMPS:
		a = emu_read(cpu, op->seg, si, sz);
		b = emu_read(cpu, EMU_ES, di, sz);
		emu_lf(cpu, LF_SUB, sz, a, b, (a - b) & emu_mask(sz));
		advance(cpu, R_SI, as, delta);
		advance(cpu, R_DI, as, delta);
		break;
	case S_SCAS:
		a = emu_getreg(cpu, R_AX, sz, 0);
		b = emu_read(cpu, EMU_ES, di, sz);
		emu_lf(cpu, LF_SUB, sz, a, b, (a - b) & emu_mask(sz));
		advance(cpu, R_DI, as, delta);
		break;
	case S_INS:
		emu_io_check(cpu, cpu->r[R_DX] & 0xffff, sz);
		/* the destination must be writable before the port is read */
		emu_mref_get(cpu, &m, EMU_ES, di, sz);
		if (m.p == NULL)
			emu_translate(cpu, m.la, ACC_W, false);
		emu_mref_write(cpu, &m, emu_port_in(cpu, cpu->r[R_DX] & 0xffff,
		    sz));
		advance(cpu, R_DI, as, delta);
		return (true);
	default:	/* OUTS */
		emu_io_check(cpu, cpu->r[R_DX] & 0xffff, sz);
		a = emu_read(cpu, op->seg, si, sz);
		emu_port_out(cpu, cpu->r[R_DX] & 0xffff, sz, a);
		advance(cpu, R_SI, as, delta);
		return (true);
	}
	/* CMPS/SCAS: REPE stops on ZF=0, REPNE on ZF=1 */
	if (op->i.rep == 0xf3)
		return (emu_get_zf(cpu));
	return (!emu_get_zf(cpu));
}

/* Is last within an expand-up segment's limit?  (Else go element-wise,
 * so that a fault happens on the right element.) */
static inline bool
seg_ok(struct emu_cpu *cpu, int sr, uint64_t last)
{
	const struct emu_segreg *s = &cpu->seg[sr];

	if ((cpu->cr0 & CR0_PE) && !(s->access & 8) && (s->access & 4))
		return (false);		/* expand-down */
	return (last <= s->limit);
}

/*
 * REP STOS / REP MOVS forward within one page on both sides: one host
 * memset/memmove.  Only for fast-path (RAM, not code, writable) pages.
 */
static bool
str_bulk(struct emu_cpu *cpu, const struct emu_op *op, int kind, int as)
{
	int sz = op->size;
	uint64_t am = emu_amask(as), cnt = emu_getreg(cpu, R_CX, as, 0), n;
	uint64_t di = cpu->r[R_DI] & am, si = cpu->r[R_SI] & am, dla, sla = 0;
	struct emu_tlbe *de, *se;
	uint8_t *dp, *sp = NULL;

	dla = emu_linear(cpu, EMU_ES, di, sz, ACC_W);
	n = (0x1000 - (dla & 0xfff)) / sz;
	if (kind == S_MOVS) {
		sla = emu_linear(cpu, op->seg, si, sz, ACC_R);
		if ((0x1000 - (sla & 0xfff)) / sz < n)
			n = (0x1000 - (sla & 0xfff)) / sz;
	}
	if (cnt < n)
		n = cnt;
	/* the segment limits must hold for the whole run */
	if (n < 2 || (di + n * sz) > am || (si + n * sz) > am)
		return (false);
	if (!cpu->long64 && (!seg_ok(cpu, EMU_ES, di + n * sz - 1) ||
	    (kind == S_MOVS && !seg_ok(cpu, op->seg, si + n * sz - 1))))
		return (false);
	de = &cpu->tlb[(dla >> 12) & (EMU_TLB_SIZE - 1)];
	if (de->tag_w != (dla & EMU_PAGE_MASK))
		return (false);
	dp = (uint8_t *)(uintptr_t)(dla + de->addend);
	if (kind == S_MOVS) {
		se = &cpu->tlb[(sla >> 12) & (EMU_TLB_SIZE - 1)];
		if (se->tag_r != (sla & EMU_PAGE_MASK))
			return (false);
		sp = (uint8_t *)(uintptr_t)(sla + se->addend);
		/* overlapping forward copies repeat a pattern: element-wise */
		if (dp > sp && dp < sp + n * sz)
			return (false);
		memmove(dp, sp, n * sz);
		advance(cpu, R_SI, as, n * sz);
	} else {
		uint64_t a = emu_getreg(cpu, R_AX, sz, 0);
		if (sz == 1) {
			memset(dp, (int)a, n);
		} else {
			for (uint64_t k = 0; k < n; k++)
				emu_st(dp + k * sz, sz, a);
		}
	}
	advance(cpu, R_DI, as, n * sz);
	emu_setreg(cpu, R_CX, as, 0, cnt - n);
	return (true);
}

/*
 * A REP string instruction with a 32-bit address size and ECX = 0 does no
 * iteration, yet hardware still writes ECX as a 32-bit register, clearing
 * bits 63:32, and REP MOVS/STOS (the "fast string" ones) do the same to the
 * index registers they use; REP LODS/CMPS/SCAS leave RSI and RDI alone
 * (observed on the host by the CPU tester; the SDM's REP pseudo-code is
 * silent).
 */
static void
rep0_zext(struct emu_cpu *cpu, int kind)
{
	cpu->r[R_CX] &= 0xffffffffu;
	if (kind == S_MOVS)
		cpu->r[R_SI] &= 0xffffffffu;
	if (kind == S_MOVS || kind == S_STOS)
		cpu->r[R_DI] &= 0xffffffffu;
}

static inline const struct emu_op *
str_run(struct emu_cpu *cpu, const struct emu_op *op, int kind)
{
	int as = op->i.addrsize;
	int64_t delta = (cpu->rflags & FL_DF) ? -(int64_t)op->size : op->size;

	if (!op->i.rep) {
		str_one(cpu, op, kind, as, delta);
		return (emu_next(cpu, op));
	}
	for (int n = 0; n < STR_BUDGET; n++) {
		uint64_t c = emu_getreg(cpu, R_CX, as, 0);
		bool go;

		if (c == 0) {
			if (n == 0 && as == 4)
				rep0_zext(cpu, kind);
			return (emu_next(cpu, op));
		}
		if ((kind == S_STOS || kind == S_MOVS) && delta > 0 &&
		    str_bulk(cpu, op, kind, as))
			continue;
		go = str_one(cpu, op, kind, as, delta);
		emu_setreg(cpu, R_CX, as, 0, c - 1);
		if (!go || c == 1)
			return (emu_next(cpu, op));
	}
	/* budget spent: run this instruction again after a check */
	return (NULL);
}

static H(h_movs) { return (str_run(cpu, op, S_MOVS)); }
static H(h_stos) { return (str_run(cpu, op, S_STOS)); }
static H(h_lods) { return (str_run(cpu, op, S_LODS)); }
static H(h_cmps) { return (str_run(cpu, op, S_CMPS)); }
static H(h_scas) { return (str_run(cpu, op, S_SCAS)); }
static H(h_ins) { return (str_run(cpu, op, S_INS)); }
static H(h_outs) { return (str_run(cpu, op, S_OUTS)); }

const struct emu_opreg emu_string_ops[] = {
	OP1(0xa4, h_movs, EMU_F_BYTE),
	OP1(0xa5, h_movs, 0),
	OP1(0xaa, h_stos, EMU_F_BYTE),
	OP1(0xab, h_stos, 0),
	OP1(0xac, h_lods, EMU_F_BYTE),
	OP1(0xad, h_lods, 0),
	OP1(0xa6, h_cmps, EMU_F_BYTE),
	OP1(0xa7, h_cmps, 0),
	OP1(0xae, h_scas, EMU_F_BYTE),
	OP1(0xaf, h_scas, 0),
	/* port I/O ends its block, as IN/OUT do (system.c) */
	OP1(0x6c, h_ins, EMU_F_BYTE | EMU_F_TERM),
	OP1(0x6d, h_ins, EMU_F_TERM),
	OP1(0x6e, h_outs, EMU_F_BYTE | EMU_F_TERM),
	OP1(0x6f, h_outs, EMU_F_TERM),
	OPEND
};
