/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * move.c: data movement in the emu backend: MOV in all its forms (incl.
 * moffs, segment registers, MOVZX/MOVSX/MOVSXD), LEA, XCHG, the stack
 * (PUSH/POP of registers, immediates, memory and segment registers,
 * PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE), XLAT, far-pointer loads (LDS...)
 * and the NOP family (multi-byte NOP, hint NOPs, ENDBR).  SDM vol. 2.
 */
#include "vmm/emu/ops.h"

static H(h_mov_rm_r)
{
	emu_rm_write(cpu, op, op->size, emu_reg_read(cpu, op, op->size));
	return (emu_next(cpu, op));
}

static H(h_mov_r_rm)
{
	emu_reg_write(cpu, op, op->size, emu_rm_read(cpu, op, op->size));
	return (emu_next(cpu, op));
}

static H(h_mov_rm_imm)
{
	emu_rm_write(cpu, op, op->size, emu_imm(op, op->size));
	return (emu_next(cpu, op));
}

/* B0+r, B8+r: MOV r, imm (imm64 with REX.W) */
static H(h_mov_r_imm)
{
	emu_setreg(cpu, op->aux, op->size, op->i.rex, emu_imm(op, op->size));
	return (emu_next(cpu, op));
}

/* A0-A3: MOV with a moffs (an address-size offset, no ModRM) */
static inline uint64_t
moffs(const struct emu_op *op)
{
	return ((uint64_t)op->i.imm & emu_amask(op->i.addrsize));
}

static H(h_mov_a_moffs)
{
	emu_setreg(cpu, R_AX, op->size, 0, emu_read(cpu, op->seg, moffs(op),
	    op->size));
	return (emu_next(cpu, op));
}

static H(h_mov_moffs_a)
{
	emu_write(cpu, op->seg, moffs(op), op->size, emu_getreg(cpu, R_AX,
	    op->size, 0));
	return (emu_next(cpu, op));
}

/* 8C: MOV Ev, Sreg */
static H(h_mov_rm_sreg)
{
	int sr = op->i.reg & 7;

	if (sr > EMU_GS)
		emu_fault(cpu, EXC_UD, 0);
	if (op->i.mod == 3)	/* a register gets the zero-extended selector */
		emu_setreg(cpu, op->i.rm, op->size, op->i.rex,
		    cpu->seg[sr].sel);
	else
		emu_write(cpu, op->seg, emu_ea(cpu, op), 2, cpu->seg[sr].sel);
	return (emu_next(cpu, op));
}

/* 8E: MOV Sreg, Ew */
static H(h_mov_sreg_rm)
{
	int sr = op->i.reg & 7;

	if (sr > EMU_GS || sr == EMU_CS)
		emu_fault(cpu, EXC_UD, 0);
	emu_load_seg(cpu, sr, emu_rm_read(cpu, op, 2));
	/* SDM "MOV": loading SS blocks interrupts for one instruction */
	if (sr == EMU_SS)
		emu_intr_shadow(cpu, op);
	return (emu_next(cpu, op));
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX; aux: source size, bit 7 = signed */
static H(h_movx)
{
	int ssz = op->aux & 0x7f;
	uint64_t v = emu_rm_read(cpu, op, ssz);

	if (op->aux & 0x80)
		v = emu_sext(v, ssz);
	emu_reg_write(cpu, op, op->size, v);
	return (emu_next(cpu, op));
}

/* 63: MOVSXD in 64-bit mode; ARPL elsewhere */
static H(h_movsxd)
{
	if (!cpu->long64)
		emu_unimpl(cpu);	/* XXX: ARPL */
	emu_reg_write(cpu, op, op->size, emu_sext(emu_rm_read(cpu, op, 4), 4));
	return (emu_next(cpu, op));
}

static H(h_lea)
{
	emu_reg_write(cpu, op, op->size, emu_ea(cpu, op));
	return (emu_next(cpu, op));
}

/* 86/87: XCHG r/m, r -- with memory always locked (SDM "XCHG") */
static H(h_xchg)
{
	int sz = op->size;
	uint64_t s = emu_reg_read(cpu, op, sz), d;
	struct emu_mref m;

	if (op->i.mod == 3) {
		d = emu_getreg(cpu, op->i.rm, sz, op->i.rex);
		emu_setreg(cpu, op->i.rm, sz, op->i.rex, s);
	} else {
		emu_mref_get(cpu, &m, op->seg, emu_ea(cpu, op), sz);
		emu_mref_lock(cpu, &m);
		if (m.p != NULL) {
			do {
				d = emu_ld(m.p, sz);
			} while (!emu_mref_cas(&m, d, s));
		} else {
			d = emu_mref_read(cpu, &m);
			emu_mref_write(cpu, &m, s);
		}
		emu_mref_unlock(cpu, &m);
	}
	emu_reg_write(cpu, op, sz, d);
	return (emu_next(cpu, op));
}

/* 90+r: XCHG eAX, r; 90 itself is NOP (no zero-extension of EAX) */
static H(h_xchg_a)
{
	int sz = op->size, n = op->aux;
	uint64_t a, b;

	if (n == R_AX)
		return (emu_next(cpu, op));
	a = emu_getreg(cpu, R_AX, sz, 0);
	b = emu_getreg(cpu, n, sz, 0);
	emu_setreg(cpu, R_AX, sz, 0, b);
	emu_setreg(cpu, n, sz, 0, a);
	return (emu_next(cpu, op));
}

static H(h_nop)
{
	return (emu_next(cpu, op));
}

/* ---- the stack ---- */

static H(h_push_r)
{
	emu_push(cpu, op->size, emu_getreg(cpu, op->aux, op->size, 0));
	return (emu_next(cpu, op));
}

static H(h_pop_r)
{
	uint64_t v = emu_pop(cpu, op->size);

	emu_setreg(cpu, op->aux, op->size, 0, v);
	return (emu_next(cpu, op));
}

static H(h_push_imm)
{
	emu_push(cpu, op->size, emu_imm(op, op->size));
	return (emu_next(cpu, op));
}

static H(h_push_rm)
{
	emu_push(cpu, op->size, emu_rm_read(cpu, op, op->size));
	return (emu_next(cpu, op));
}

/* 8F /0: the address is computed with the incremented stack pointer */
static H(h_pop_rm)
{
	uint64_t m = emu_sp_mask(cpu), oldsp = cpu->r[R_SP];
	uint64_t v = emu_read(cpu, EMU_SS, oldsp & m, op->size);
	uint64_t newsp = (oldsp & ~m) | ((oldsp + op->size) & m), off;

	if (op->i.mod == 3) {
		cpu->r[R_SP] = newsp;
		emu_setreg(cpu, op->i.rm, op->size, op->i.rex, v);
		return (emu_next(cpu, op));
	}
	cpu->r[R_SP] = newsp;
	off = emu_ea(cpu, op);
	cpu->r[R_SP] = oldsp;	/* until the write has succeeded */
	emu_write(cpu, op->seg, off, op->size, v);
	cpu->r[R_SP] = newsp;
	return (emu_next(cpu, op));
}

/* PUSH Sreg: modern CPUs write 16 bits and move the stack by opsize */
static H(h_push_sreg)
{
	uint64_t m = emu_sp_mask(cpu);
	uint64_t sp = (cpu->r[R_SP] - op->size) & m;

	emu_write(cpu, EMU_SS, sp, 2, cpu->seg[op->aux].sel);
	cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | sp;
	return (emu_next(cpu, op));
}

static H(h_pop_sreg)
{
	uint64_t m = emu_sp_mask(cpu), oldsp = cpu->r[R_SP];
	uint16_t sel = emu_read(cpu, EMU_SS, oldsp & m, op->size);

	emu_load_seg(cpu, op->aux, sel);
	cpu->r[R_SP] = (oldsp & ~m) | ((oldsp + op->size) & m);
	if (op->aux == EMU_SS)
		emu_intr_shadow(cpu, op);	/* as MOV SS */
	return (emu_next(cpu, op));
}

static H(h_pusha)
{
	int sz = op->size;
	uint64_t sp = cpu->r[R_SP];

	for (int n = R_AX; n <= R_DI; n++)
		emu_push(cpu, sz, n == R_SP ? sp : cpu->r[n]);
	return (emu_next(cpu, op));
}

static H(h_popa)
{
	int sz = op->size;

	for (int n = R_DI; n >= R_AX; n--) {
		uint64_t v = emu_pop(cpu, sz);
		if (n != R_SP)
			emu_setreg(cpu, n, sz, 0, v);
	}
	return (emu_next(cpu, op));
}

static H(h_pushf)
{
	/* XXX: virtual-8086 mode with IOPL < 3 should #GP */
	emu_push(cpu, op->size, emu_get_rflags(cpu) & ~(uint64_t)(FL_VM |
	    FL_RF));
	return (emu_next(cpu, op));
}

/* POPF: which bits may change depends on CPL and IOPL (SDM "POPF") */
static H(h_popf)
{
	uint64_t v = emu_pop(cpu, op->size), cur = emu_get_rflags(cpu);
	uint64_t chg = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_AC | FL_ID;
	int iopl = (cur & FL_IOPL) >> 12;

	if (cpu->cpl == 0)
		chg |= FL_IOPL;
	if (cpu->cpl <= iopl)
		chg |= FL_IF;
	if (op->size == 2)
		chg &= 0xffff;
	emu_set_rflags(cpu, ((cur & ~chg) | (v & chg)) & ~(uint64_t)FL_RF);
	return (emu_next(cpu, op));
}

/* C8: ENTER imm16, imm8 (SDM "ENTER" operation) */
static H(h_enter)
{
	int sz = op->size, level = op->i.imm2 & 31;
	uint64_t m = emu_sp_mask(cpu), alloc = (uint64_t)op->i.imm & 0xffff;
	uint64_t frame, bp = cpu->r[R_BP];

	emu_push(cpu, sz, emu_getreg(cpu, R_BP, sz, 0));
	frame = cpu->r[R_SP] & m;
	for (int k = 1; k < level; k++) {
		bp = (bp - sz) & m;
		emu_push(cpu, sz, emu_read(cpu, EMU_SS, bp, sz));
	}
	if (level > 0)
		emu_push(cpu, sz, frame);
	emu_setreg(cpu, R_BP, sz, 0, frame);
	cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | ((cpu->r[R_SP] - alloc) & m);
	/* XXX: the SDM checks the final stack pointer before any write */
	return (emu_next(cpu, op));
}

/* C9: LEAVE */
static H(h_leave)
{
	uint64_t m = emu_sp_mask(cpu), bp = cpu->r[R_BP] & m;
	/* read first: a fault must leave RSP as it was */
	uint64_t v = emu_read(cpu, EMU_SS, bp, op->size);

	cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | ((bp + op->size) & m);
	emu_setreg(cpu, R_BP, op->size, 0, v);
	return (emu_next(cpu, op));
}

/* D7: XLAT */
static H(h_xlat)
{
	uint64_t off = (cpu->r[R_BX] + (cpu->r[R_AX] & 0xff)) &
	    emu_amask(op->i.addrsize);

	emu_setreg(cpu, R_AX, 1, 0, emu_read(cpu, op->seg, off, 1));
	return (emu_next(cpu, op));
}

/* LDS/LES/LSS/LFS/LGS: aux = the segment register */
static H(h_lfp)
{
	uint64_t off = emu_ea(cpu, op);
	uint64_t v = emu_read(cpu, op->seg, off, op->size);
	uint16_t sel = emu_read(cpu, op->seg, (off + op->size) &
	    emu_amask(op->i.addrsize), 2);

	emu_load_seg(cpu, op->aux, sel);
	emu_reg_write(cpu, op, op->size, v);
	return (emu_next(cpu, op));
}

#define R8(base, fn, fl)						\
	OP1(base + 0, fn, fl), OP1(base + 1, fn, fl),			\
	OP1(base + 2, fn, fl), OP1(base + 3, fn, fl),			\
	OP1(base + 4, fn, fl), OP1(base + 5, fn, fl),			\
	OP1(base + 6, fn, fl), OP1(base + 7, fn, fl)

const struct emu_opreg emu_move_ops[] = {
	OP1(0x88, h_mov_rm_r, EMU_F_BYTE),
	OP1(0x89, h_mov_rm_r, 0),
	OP1(0x8a, h_mov_r_rm, EMU_F_BYTE),
	OP1(0x8b, h_mov_r_rm, 0),
	OP1G(0xc6, 0, h_mov_rm_imm, EMU_F_BYTE),
	OP1G(0xc7, 0, h_mov_rm_imm, 0),
	R8(0xb0, h_mov_r_imm, EMU_F_BYTE | EMU_F_OPREG),
	R8(0xb8, h_mov_r_imm, EMU_F_OPREG),
	OP1(0xa0, h_mov_a_moffs, EMU_F_BYTE),
	OP1(0xa1, h_mov_a_moffs, 0),
	OP1(0xa2, h_mov_moffs_a, EMU_F_BYTE),
	OP1(0xa3, h_mov_moffs_a, 0),
	OP1(0x8c, h_mov_rm_sreg, 0),
	OP1(0x8e, h_mov_sreg_rm, 0),
	OP2A(0xb6, h_movx, 0, 1),
	OP2A(0xb7, h_movx, 0, 2),
	OP2A(0xbe, h_movx, 0, 0x81),
	OP2A(0xbf, h_movx, 0, 0x82),
	OP1(0x63, h_movsxd, 0),
	OP1(0x8d, h_lea, EMU_F_MEM),
	OP1(0x86, h_xchg, EMU_F_BYTE | EMU_F_LOCK),
	OP1(0x87, h_xchg, EMU_F_LOCK),
	R8(0x90, h_xchg_a, EMU_F_OPREG),

	R8(0x50, h_push_r, EMU_F_OPREG),
	R8(0x58, h_pop_r, EMU_F_OPREG),
	OP1(0x68, h_push_imm, 0),
	OP1(0x6a, h_push_imm, 0),
	OP1G(0x8f, 0, h_pop_rm, 0),
	OP1G(0xff, 6, h_push_rm, 0),
	OP1A(0x06, h_push_sreg, 0, EMU_ES),
	OP1A(0x0e, h_push_sreg, 0, EMU_CS),
	OP1A(0x16, h_push_sreg, 0, EMU_SS),
	OP1A(0x1e, h_push_sreg, 0, EMU_DS),
	OP2A(0xa0, h_push_sreg, 0, EMU_FS),
	OP2A(0xa8, h_push_sreg, 0, EMU_GS),
	OP1A(0x07, h_pop_sreg, 0, EMU_ES),
	OP1A(0x17, h_pop_sreg, 0, EMU_SS),
	OP1A(0x1f, h_pop_sreg, 0, EMU_DS),
	OP2A(0xa1, h_pop_sreg, 0, EMU_FS),
	OP2A(0xa9, h_pop_sreg, 0, EMU_GS),
	OP1(0x60, h_pusha, 0),
	OP1(0x61, h_popa, 0),
	OP1(0x9c, h_pushf, 0),
	/* POPF may set IF or TF: end the block so both are noticed */
	OP1(0x9d, h_popf, EMU_F_TERM),
	OP1(0xc8, h_enter, 0),
	OP1(0xc9, h_leave, 0),
	OP1(0xd7, h_xlat, 0),
	OP1A(0xc4, h_lfp, EMU_F_MEM, EMU_ES),
	OP1A(0xc5, h_lfp, EMU_F_MEM, EMU_DS),
	OP2A(0xb2, h_lfp, EMU_F_MEM, EMU_SS),
	OP2A(0xb4, h_lfp, EMU_F_MEM, EMU_FS),
	OP2A(0xb5, h_lfp, EMU_F_MEM, EMU_GS),

	/* NOP Ev, hint NOPs, prefetches, ENDBR32/64 (F3 0F 1E FA/FB) */
	OP2(0x0d, h_nop, 0),
	OP2(0x18, h_nop, 0), OP2(0x19, h_nop, 0), OP2(0x1a, h_nop, 0),
	OP2(0x1b, h_nop, 0), OP2(0x1c, h_nop, 0), OP2(0x1d, h_nop, 0),
	OP2(0x1e, h_nop, 0), OP2(0x1f, h_nop, 0),
	OPEND
};
