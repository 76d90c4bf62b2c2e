/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alu.c: integer arithmetic and logic of the emu backend: ADD/OR/ADC/SBB/
 * AND/SUB/XOR/CMP in every form, INC/DEC, NEG/NOT, TEST, MUL/IMUL/DIV/IDIV,
 * CBW.../CWD..., and the flag instructions (CLC, STC, CMC, CLD, STD, LAHF,
 * SAHF).  Shifts and bit instructions live in bitops.c.  Flags follow SDM
 * vol. 2 per instruction; memory destinations use one translation for the
 * read-modify-write, and a host atomic when LOCK'd (ARCHITECTURE.md, SMP).
 */
#include "vmm/emu/ops.h"

enum { A_ADD, A_OR, A_ADC, A_SBB, A_AND, A_SUB, A_XOR, A_CMP };

EMU_INLINE uint64_t
alu_do(struct emu_cpu *cpu, int aop, int size, uint64_t d, uint64_t s,
    int cin)
{
	uint64_t m = emu_mask(size), r;

	d &= m;
	s &= m;
	switch (aop) {
	case A_ADD:
		r = (d + s) & m;
		emu_lf(cpu, LF_ADD, size, d, s, r);
		break;
	case A_OR:
		r = d | s;
		emu_lf(cpu, LF_LOGIC, size, d, s, r);
		break;
	case A_ADC:
		r = (d + s + cin) & m;
		emu_lf(cpu, LF_ADC, size, d, s, r);
		cpu->lf_aux = cin;
		break;
	case A_SBB:
		r = (d - s - cin) & m;
		emu_lf(cpu, LF_SBB, size, d, s, r);
		cpu->lf_aux = cin;
		break;
	case A_AND:
		r = d & s;
		emu_lf(cpu, LF_LOGIC, size, d, s, r);
		break;
	case A_XOR:
		r = d ^ s;
		emu_lf(cpu, LF_LOGIC, size, d, s, r);
		break;
	default:	/* SUB, CMP */
		r = (d - s) & m;
		emu_lf(cpu, LF_SUB, size, d, s, r);
		break;
	}
	return (r);
}

EMU_INLINE int
carry_in(struct emu_cpu *cpu, int aop)
{
	return ((aop == A_ADC || aop == A_SBB) ? emu_cf_fast(cpu) : 0);
}

/* r/m op= src: the destination is the ModRM r/m operand. */
EMU_INLINE const struct emu_op *
alu_rm(struct emu_cpu *cpu, const struct emu_op *op, int aop, uint64_t src)
{
	int sz = op->size, cin = carry_in(cpu, aop);
	struct emu_mref m;
	uint64_t d, r;

	if (op->i.mod == 3) {
		d = emu_getreg(cpu, op->i.rm, sz, op->i.rex);
		r = alu_do(cpu, aop, sz, d, src, cin);
		if (aop != A_CMP)
			emu_setreg(cpu, op->i.rm, sz, op->i.rex, r);
	} else if (aop == A_CMP) {
		d = emu_read(cpu, op->seg, emu_ea(cpu, op), sz);
		alu_do(cpu, aop, sz, d, src, cin);
	} else {
		emu_mref_get(cpu, &m, op->seg, emu_ea(cpu, op), sz);
		if (op->i.lock)
			emu_mref_lock(cpu, &m);
		if (op->i.lock && m.p != NULL) {
			do {
				d = emu_ld(m.p, sz);
				r = alu_do(cpu, aop, sz, d, src, cin);
			} while (!emu_mref_cas(&m, d, r));
		} else {
			d = emu_mref_read(cpu, &m);
			r = alu_do(cpu, aop, sz, d, src, cin);
			emu_mref_write(cpu, &m, r);
		}
		emu_mref_unlock(cpu, &m);
	}
	return (emu_next(cpu, op));
}

/* reg op= src */
EMU_INLINE const struct emu_op *
alu_r(struct emu_cpu *cpu, const struct emu_op *op, int reg, int aop,
    uint64_t src)
{
	int sz = op->size, cin = carry_in(cpu, aop);
	uint64_t d = emu_getreg(cpu, reg, sz, op->i.rex);
	uint64_t r = alu_do(cpu, aop, sz, d, src, cin);

	if (aop != A_CMP)
		emu_setreg(cpu, reg, sz, op->i.rex, r);
	return (emu_next(cpu, op));
}

#define ALU_FAMILY(aop, name)						\
static H(h_##name##_rm_r)						\
{									\
	return (alu_rm(cpu, op, aop, emu_reg_read(cpu, op, op->size)));	\
}									\
static H(h_##name##_r_rm)						\
{									\
	return (alu_r(cpu, op, op->i.reg, aop,				\
	    emu_rm_read(cpu, op, op->size)));				\
}									\
static H(h_##name##_a_imm)						\
{									\
	return (alu_r(cpu, op, R_AX, aop, emu_imm(op, op->size)));	\
}									\
static H(h_##name##_rm_imm)						\
{									\
	return (alu_rm(cpu, op, aop, emu_imm(op, op->size)));		\
}

ALU_FAMILY(A_ADD, add)
ALU_FAMILY(A_OR, or)
ALU_FAMILY(A_ADC, adc)
ALU_FAMILY(A_SBB, sbb)
ALU_FAMILY(A_AND, and)
ALU_FAMILY(A_SUB, sub)
ALU_FAMILY(A_XOR, xor)
ALU_FAMILY(A_CMP, cmp)

/* ---- TEST ---- */
static inline void
do_test(struct emu_cpu *cpu, int sz, uint64_t a, uint64_t b)
{
	uint64_t r = a & b & emu_mask(sz);

	emu_lf(cpu, LF_LOGIC, sz, a, b, r);
}

static H(h_test_rm_r)
{
	do_test(cpu, op->size, emu_rm_read(cpu, op, op->size),
	    emu_reg_read(cpu, op, op->size));
	return (emu_next(cpu, op));
}

static H(h_test_a_imm)
{
	do_test(cpu, op->size, emu_getreg(cpu, R_AX, op->size, 0),
	    emu_imm(op, op->size));
	return (emu_next(cpu, op));
}

static H(h_test_rm_imm)
{
	do_test(cpu, op->size, emu_rm_read(cpu, op, op->size),
	    emu_imm(op, op->size));
	return (emu_next(cpu, op));
}

/* ---- INC, DEC, NOT, NEG: one-operand read-modify-write ---- */
enum { U_INC, U_DEC, U_NOT, U_NEG };

EMU_INLINE uint64_t
unary_do(struct emu_cpu *cpu, int uop, int sz, uint64_t d, int oldcf)
{
	uint64_t m = emu_mask(sz), r;

	d &= m;
	switch (uop) {
	case U_INC:
		r = (d + 1) & m;
		emu_lf(cpu, LF_INC, sz, d, 1, r);
		cpu->lf_aux = oldcf;	/* INC/DEC leave CF alone */
		break;
	case U_DEC:
		r = (d - 1) & m;
		emu_lf(cpu, LF_DEC, sz, d, 1, r);
		cpu->lf_aux = oldcf;
		break;
	case U_NOT:
		r = ~d & m;		/* no flags */
		break;
	default:
		r = (0 - d) & m;
		emu_lf(cpu, LF_SUB, sz, 0, d, r);
		break;
	}
	return (r);
}

EMU_INLINE const struct emu_op *
unary_rm(struct emu_cpu *cpu, const struct emu_op *op, int uop)
{
	int sz = op->size;
	int oldcf = uop <= U_DEC ? emu_cf_fast(cpu) : 0;
	struct emu_mref m;
	uint64_t d, r;

	if (op->i.mod == 3) {
		d = emu_getreg(cpu, op->i.rm, sz, op->i.rex);
		emu_setreg(cpu, op->i.rm, sz, op->i.rex,
		    unary_do(cpu, uop, sz, d, oldcf));
		return (emu_next(cpu, op));
	}
	emu_mref_get(cpu, &m, op->seg, emu_ea(cpu, op), sz);
	if (op->i.lock)
		emu_mref_lock(cpu, &m);
	if (op->i.lock && m.p != NULL) {
		do {
			d = emu_ld(m.p, sz);
			r = unary_do(cpu, uop, sz, d, oldcf);
		} while (!emu_mref_cas(&m, d, r));
	} else {
		d = emu_mref_read(cpu, &m);
		emu_mref_write(cpu, &m, unary_do(cpu, uop, sz, d, oldcf));
	}
	emu_mref_unlock(cpu, &m);
	return (emu_next(cpu, op));
}

static H(h_inc_rm) { return (unary_rm(cpu, op, U_INC)); }
static H(h_dec_rm) { return (unary_rm(cpu, op, U_DEC)); }
static H(h_not_rm) { return (unary_rm(cpu, op, U_NOT)); }
static H(h_neg_rm) { return (unary_rm(cpu, op, U_NEG)); }

/* 40+r / 48+r (16/32-bit code only: REX prefixes in 64-bit mode) */
static H(h_inc_r)
{
	int sz = op->size, n = op->aux;
	uint64_t d = emu_getreg(cpu, n, sz, 0);

	emu_setreg(cpu, n, sz, 0, unary_do(cpu, U_INC, sz, d,
	    emu_get_cf(cpu)));
	return (emu_next(cpu, op));
}

static H(h_dec_r)
{
	int sz = op->size, n = op->aux;
	uint64_t d = emu_getreg(cpu, n, sz, 0);

	emu_setreg(cpu, n, sz, 0, unary_do(cpu, U_DEC, sz, d,
	    emu_get_cf(cpu)));
	return (emu_next(cpu, op));
}

/* ---- MUL, IMUL, DIV, IDIV (SDM vol. 2 "MUL", "DIV"...) ---- */

/*
 * Set CF=OF=ovf.  SF ZF AF PF are undefined (SDM vol. 2 "MUL", "IMUL");
 * Intel sets SF from the low half's sign bit and PF from its low byte,
 * and clears ZF and AF whatever the product (measured with the CPU
 * tester's --strict-flags, docs/cpu-testing.md).
 */
static void
mul_flags(struct emu_cpu *cpu, int sz, uint64_t lo, bool ovf)
{
	emu_set_arith(cpu, (ovf ? FL_CF | FL_OF : 0) |
	    (((lo >> (sz * 8 - 1)) & 1) ? FL_SF : 0) |
	    (__builtin_parity((unsigned)(lo & 0xff)) ? 0 : FL_PF));
}

static H(h_mul)
{
	int sz = op->size;
	uint64_t s = emu_rm_read(cpu, op, sz), a = emu_getreg(cpu, R_AX, sz, 0);
	unsigned __int128 p = (unsigned __int128)a * s;
	uint64_t lo = (uint64_t)p & emu_mask(sz);
	uint64_t hi = sz == 8 ? (uint64_t)(p >> 64) :
	    (uint64_t)(p >> (sz * 8)) & emu_mask(sz);

	if (sz == 1)
		emu_setreg(cpu, R_AX, 2, 0, (uint64_t)p & 0xffff);
	else {
		emu_setreg(cpu, R_AX, sz, 0, lo);
		emu_setreg(cpu, R_DX, sz, 0, hi);
	}
	mul_flags(cpu, sz, lo, hi != 0);
	return (emu_next(cpu, op));
}

static H(h_imul1)
{
	int sz = op->size;
	int64_t s = emu_sext(emu_rm_read(cpu, op, sz), sz);
	int64_t a = emu_sext(emu_getreg(cpu, R_AX, sz, 0), sz);
	__int128 p = (__int128)a * s;
	uint64_t lo = (uint64_t)p & emu_mask(sz);
	uint64_t hi = sz == 8 ? (uint64_t)(p >> 64) :
	    (uint64_t)(p >> (sz * 8)) & emu_mask(sz);

	if (sz == 1)
		emu_setreg(cpu, R_AX, 2, 0, (uint64_t)p & 0xffff);
	else {
		emu_setreg(cpu, R_AX, sz, 0, lo);
		emu_setreg(cpu, R_DX, sz, 0, hi);
	}
	mul_flags(cpu, sz, lo, (__int128)(int64_t)emu_sext(lo, sz) != p);
	return (emu_next(cpu, op));
}

static inline uint64_t
imul2(struct emu_cpu *cpu, int sz, uint64_t a, uint64_t b)
{
	__int128 p = (__int128)(int64_t)emu_sext(a, sz) *
	    (int64_t)emu_sext(b, sz);
	uint64_t lo = (uint64_t)p & emu_mask(sz);

	mul_flags(cpu, sz, lo, (__int128)(int64_t)emu_sext(lo, sz) != p);
	return (lo);
}

/* 0F AF: IMUL Gv, Ev */
static H(h_imul_r_rm)
{
	int sz = op->size;
	uint64_t r = imul2(cpu, sz, emu_reg_read(cpu, op, sz),
	    emu_rm_read(cpu, op, sz));

	emu_reg_write(cpu, op, sz, r);
	return (emu_next(cpu, op));
}

/* 69 / 6B: IMUL Gv, Ev, imm */
static H(h_imul_r_rm_imm)
{
	int sz = op->size;
	uint64_t r = imul2(cpu, sz, emu_rm_read(cpu, op, sz),
	    emu_imm(op, sz));

	emu_reg_write(cpu, op, sz, r);
	return (emu_next(cpu, op));
}

static H(h_div)
{
	int sz = op->size;
	uint64_t s = emu_rm_read(cpu, op, sz);
	unsigned __int128 n, q;

	if (s == 0)
		emu_fault(cpu, EXC_DE, 0);
	if (sz == 1)
		n = emu_getreg(cpu, R_AX, 2, 0);
	else
		n = ((unsigned __int128)emu_getreg(cpu, R_DX, sz, 0) <<
		    (sz * 8)) | emu_getreg(cpu, R_AX, sz, 0);
	q = n / s;
	if (q > emu_mask(sz))
		emu_fault(cpu, EXC_DE, 0);
	if (sz == 1) {
		emu_setreg(cpu, R_AX, 2, 0, ((uint64_t)(n % s) << 8) |
		    (uint64_t)q);
	} else {
		emu_setreg(cpu, R_AX, sz, 0, (uint64_t)q);
		emu_setreg(cpu, R_DX, sz, 0, (uint64_t)(n % s));
	}
	/* flags undefined: leave them */
	return (emu_next(cpu, op));
}

static H(h_idiv)
{
	int sz = op->size, bits = sz * 8;
	int64_t s = emu_sext(emu_rm_read(cpu, op, sz), sz);
	__int128 n, q, r;

	if (s == 0)
		emu_fault(cpu, EXC_DE, 0);
	if (sz == 1)
		n = (int16_t)emu_getreg(cpu, R_AX, 2, 0);
	else {
		unsigned __int128 u = ((unsigned __int128)emu_getreg(cpu, R_DX,
		    sz, 0) << bits) | emu_getreg(cpu, R_AX, sz, 0);
		/* sign-extend the 2*bits dividend */
		n = (__int128)(u << (128 - 2 * bits)) >> (128 - 2 * bits);
	}
	/* the one quotient __int128 cannot hold: host division would trap */
	if (s == -1 && (unsigned __int128)n == (unsigned __int128)1 << 127)
		emu_fault(cpu, EXC_DE, 0);
	q = n / s;
	r = n % s;
	if (q > (__int128)(emu_mask(sz) >> 1) ||
	    q < -(__int128)(emu_mask(sz) >> 1) - 1)
		emu_fault(cpu, EXC_DE, 0);
	if (sz == 1) {
		emu_setreg(cpu, R_AX, 2, 0, (((uint64_t)r & 0xff) << 8) |
		    ((uint64_t)q & 0xff));
	} else {
		emu_setreg(cpu, R_AX, sz, 0, (uint64_t)q);
		emu_setreg(cpu, R_DX, sz, 0, (uint64_t)r);
	}
	return (emu_next(cpu, op));
}

/* ---- conversions ---- */

/* 98: CBW / CWDE / CDQE */
static H(h_cbw)
{
	int sz = op->size;

	emu_setreg(cpu, R_AX, sz, 0, emu_sext(emu_getreg(cpu, R_AX, sz / 2, 0),
	    sz / 2));
	return (emu_next(cpu, op));
}

/* 99: CWD / CDQ / CQO */
static H(h_cwd)
{
	int sz = op->size;
	uint64_t a = emu_getreg(cpu, R_AX, sz, 0);

	emu_setreg(cpu, R_DX, sz, 0, (a >> (sz * 8 - 1)) & 1 ? ~0ULL : 0);
	return (emu_next(cpu, op));
}

/* ---- flag instructions ---- */

static inline void
flag_op(struct emu_cpu *cpu, uint64_t clear, uint64_t set, uint64_t toggle)
{
	emu_flags_sync(cpu);
	cpu->rflags = ((cpu->rflags & ~clear) | set) ^ toggle;
}

static H(h_clc) { flag_op(cpu, FL_CF, 0, 0); return (emu_next(cpu, op)); }
static H(h_stc) { flag_op(cpu, 0, FL_CF, 0); return (emu_next(cpu, op)); }
static H(h_cmc) { flag_op(cpu, 0, 0, FL_CF); return (emu_next(cpu, op)); }
static H(h_cld) { cpu->rflags &= ~(uint64_t)FL_DF; return (emu_next(cpu, op)); }
static H(h_std) { cpu->rflags |= FL_DF; return (emu_next(cpu, op)); }

/* 9F: LAHF; 9E: SAHF (SF ZF AF PF CF <-> AH) */
static H(h_lahf)
{
	uint64_t fl = emu_get_rflags(cpu);

	emu_setreg(cpu, 4, 1, 0, (fl & 0xd5) | FL_1);	/* AH */
	return (emu_next(cpu, op));
}

static H(h_sahf)
{
	uint64_t ah = (cpu->r[R_AX] >> 8) & 0xd5;

	emu_flags_sync(cpu);
	cpu->rflags = (cpu->rflags & ~0xd5ULL) | ah;
	return (emu_next(cpu, op));
}

/* ---- BCD adjustments (SDM vol. 2 "DAA", "DAS", "AAA", "AAS", "AAM",
 * "AAD"); 16/32-bit code only, the decoder refuses them in 64-bit mode ---- */

static H(h_daa_das)
{
	uint8_t al = cpu->r[R_AX], old = al;
	bool cf = emu_get_cf(cpu), af = emu_get_rflags(cpu) & FL_AF;
	bool sub = op->i.op == 0x2f, ncf = false;

	if ((al & 0xf) > 9 || af) {
		ncf = cf || (sub ? al < 6 : al > 0xf9);
		al = sub ? al - 6 : al + 6;
		af = true;
	}
	if (old > 0x99 || cf) {
		al = sub ? al - 0x60 : al + 0x60;
		ncf = true;
	}
	emu_setreg(cpu, R_AX, 1, 0, al);
	emu_set_arith(cpu, emu_szp(al, 1) | (ncf ? FL_CF : 0) |
	    (af ? FL_AF : 0));
	return (emu_next(cpu, op));
}

static H(h_aaa_aas)
{
	uint16_t ax = cpu->r[R_AX];
	bool adj = (ax & 0xf) > 9 || (emu_get_rflags(cpu) & FL_AF);

	if (adj)
		/* AAS: AX := AX - 6 (the borrow reaches AH), then AH - 1 */
		ax = op->i.op == 0x37 ? ax + 0x106 : (uint16_t)(ax - 6 - 0x100);
	ax = (ax & 0xff00) | (ax & 0x0f);
	emu_setreg(cpu, R_AX, 2, 0, ax);
	emu_set_arith(cpu, emu_szp(ax & 0xff, 1) |
	    (adj ? FL_AF | FL_CF : 0));
	return (emu_next(cpu, op));
}

static H(h_aam)
{
	uint8_t al = cpu->r[R_AX], base = op->i.imm;

	if (base == 0)
		emu_fault(cpu, EXC_DE, 0);
	emu_setreg(cpu, R_AX, 2, 0, ((al / base) << 8) | (al % base));
	emu_set_arith(cpu, emu_szp(al % base, 1));
	return (emu_next(cpu, op));
}

static H(h_aad)
{
	uint8_t al = cpu->r[R_AX], ah = cpu->r[R_AX] >> 8;
	uint8_t t = ah * (uint8_t)op->i.imm, r = al + t;

	emu_setreg(cpu, R_AX, 2, 0, r);
	/* OF AF CF are undefined; Intel gives those of the 8-bit addition
	 * AL + (AH * imm8) */
	emu_lf(cpu, LF_ADD, 1, al, t, r);
	return (emu_next(cpu, op));
}

#define ALU_ROWS(base, name, grpreg)					\
	OP1(base + 0, h_##name##_rm_r, EMU_F_BYTE | EMU_F_LOCK),	\
	OP1(base + 1, h_##name##_rm_r, EMU_F_LOCK),			\
	OP1(base + 2, h_##name##_r_rm, EMU_F_BYTE),			\
	OP1(base + 3, h_##name##_r_rm, 0),				\
	OP1(base + 4, h_##name##_a_imm, EMU_F_BYTE),			\
	OP1(base + 5, h_##name##_a_imm, 0),				\
	OP1G(0x80, grpreg, h_##name##_rm_imm, EMU_F_BYTE | EMU_F_LOCK),	\
	OP1G(0x81, grpreg, h_##name##_rm_imm, EMU_F_LOCK),		\
	OP1G(0x82, grpreg, h_##name##_rm_imm, EMU_F_BYTE | EMU_F_LOCK),	\
	OP1G(0x83, grpreg, h_##name##_rm_imm, EMU_F_LOCK)

const struct emu_opreg emu_alu_ops[] = {
	ALU_ROWS(0x00, add, 0),
	ALU_ROWS(0x08, or, 1),
	ALU_ROWS(0x10, adc, 2),
	ALU_ROWS(0x18, sbb, 3),
	ALU_ROWS(0x20, and, 4),
	ALU_ROWS(0x28, sub, 5),
	ALU_ROWS(0x30, xor, 6),
	/* CMP: no LOCK (SDM 2.1.1 lists the lockable instructions) */
	OP1(0x38, h_cmp_rm_r, EMU_F_BYTE),
	OP1(0x39, h_cmp_rm_r, 0),
	OP1(0x3a, h_cmp_r_rm, EMU_F_BYTE),
	OP1(0x3b, h_cmp_r_rm, 0),
	OP1(0x3c, h_cmp_a_imm, EMU_F_BYTE),
	OP1(0x3d, h_cmp_a_imm, 0),
	OP1G(0x80, 7, h_cmp_rm_imm, EMU_F_BYTE),
	OP1G(0x81, 7, h_cmp_rm_imm, 0),
	OP1G(0x82, 7, h_cmp_rm_imm, EMU_F_BYTE),
	OP1G(0x83, 7, h_cmp_rm_imm, 0),

	OP1(0x40, h_inc_r, EMU_F_OPREG), OP1(0x41, h_inc_r, EMU_F_OPREG),
	OP1(0x42, h_inc_r, EMU_F_OPREG), OP1(0x43, h_inc_r, EMU_F_OPREG),
	OP1(0x44, h_inc_r, EMU_F_OPREG), OP1(0x45, h_inc_r, EMU_F_OPREG),
	OP1(0x46, h_inc_r, EMU_F_OPREG), OP1(0x47, h_inc_r, EMU_F_OPREG),
	OP1(0x48, h_dec_r, EMU_F_OPREG), OP1(0x49, h_dec_r, EMU_F_OPREG),
	OP1(0x4a, h_dec_r, EMU_F_OPREG), OP1(0x4b, h_dec_r, EMU_F_OPREG),
	OP1(0x4c, h_dec_r, EMU_F_OPREG), OP1(0x4d, h_dec_r, EMU_F_OPREG),
	OP1(0x4e, h_dec_r, EMU_F_OPREG), OP1(0x4f, h_dec_r, EMU_F_OPREG),
	OP1G(0xfe, 0, h_inc_rm, EMU_F_BYTE | EMU_F_LOCK),
	OP1G(0xfe, 1, h_dec_rm, EMU_F_BYTE | EMU_F_LOCK),
	OP1G(0xff, 0, h_inc_rm, EMU_F_LOCK),
	OP1G(0xff, 1, h_dec_rm, EMU_F_LOCK),

	OP1(0x84, h_test_rm_r, EMU_F_BYTE),
	OP1(0x85, h_test_rm_r, 0),
	OP1(0xa8, h_test_a_imm, EMU_F_BYTE),
	OP1(0xa9, h_test_a_imm, 0),
	OP1G(0xf6, 0, h_test_rm_imm, EMU_F_BYTE),
	OP1G(0xf6, 1, h_test_rm_imm, EMU_F_BYTE),
	OP1G(0xf7, 0, h_test_rm_imm, 0),
	OP1G(0xf7, 1, h_test_rm_imm, 0),
	OP1G(0xf6, 2, h_not_rm, EMU_F_BYTE | EMU_F_LOCK),
	OP1G(0xf7, 2, h_not_rm, EMU_F_LOCK),
	OP1G(0xf6, 3, h_neg_rm, EMU_F_BYTE | EMU_F_LOCK),
	OP1G(0xf7, 3, h_neg_rm, EMU_F_LOCK),
	OP1G(0xf6, 4, h_mul, EMU_F_BYTE),
	OP1G(0xf7, 4, h_mul, 0),
	OP1G(0xf6, 5, h_imul1, EMU_F_BYTE),
	OP1G(0xf7, 5, h_imul1, 0),
	OP1G(0xf6, 6, h_div, EMU_F_BYTE),
	OP1G(0xf7, 6, h_div, 0),
	OP1G(0xf6, 7, h_idiv, EMU_F_BYTE),
	OP1G(0xf7, 7, h_idiv, 0),
	OP2(0xaf, h_imul_r_rm, 0),
	OP1(0x69, h_imul_r_rm_imm, 0),
	OP1(0x6b, h_imul_r_rm_imm, 0),

	OP1(0x98, h_cbw, 0),
	OP1(0x99, h_cwd, 0),
	OP1(0xf8, h_clc, 0),
	OP1(0xf9, h_stc, 0),
	OP1(0xf5, h_cmc, 0),
	OP1(0xfc, h_cld, 0),
	OP1(0xfd, h_std, 0),
	OP1(0x9f, h_lahf, 0),
	OP1(0x9e, h_sahf, 0),
	OP1(0x27, h_daa_das, 0),
	OP1(0x2f, h_daa_das, 0),
	OP1(0x37, h_aaa_aas, 0),
	OP1(0x3f, h_aaa_aas, 0),
	OP1(0xd4, h_aam, 0),
	OP1(0xd5, h_aad, 0),
	OPEND
};
