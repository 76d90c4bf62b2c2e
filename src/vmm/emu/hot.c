/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hot.c: specialised handlers for the instructions a 64-bit guest runs
 * most (MOV, LEA, MOVZX/MOVSX, CMP/TEST and the common ALU forms, INC/DEC,
 * PUSH/POP, Jcc, CALL/JMP/RET), picked by emu_op_setup when a block is
 * decoded.  Each one is a generic handler of move.c, alu.c or control.c
 * with 64-bit mode, the operand size (1, 4 or 8) and the addressing form
 * (base + disp, base + index * scale + disp, RIP + disp, FS/GS + disp,
 * FS/GS + base + disp) fixed at decode time, so it runs without the
 * generic path's tests of mode, address size, ModRM.mod, REX and segment.
 * Semantics are the generic handlers' (SDM vol. 2 per instruction), but
 * near branches check a non-canonical target before RSP changes; anything
 * else (16-bit operands, LOCK, memory destinations of ALU ops, 16/32-bit
 * code) keeps the generic handler.  tests/cpu compares the non-branch
 * forms with the host CPU; tests/unit/test_emu_hot.c covers the rest.
 */
#include "vmm/emu/ops.h"

/*
 * Addressing forms of a 64-bit memory operand: base + disp, base + index
 * * scale + disp, RIP + disp, and with an FS/GS override (segment base +
 * disp, segment base + base + disp: TLS and the stack-protector canary).
 */
enum { EA_B, EA_BI, EA_RIP, EA_SD, EA_SB, EA_N };

/* the effective address (offset in the segment) */
EMU_INLINE uint64_t
hot_ea(struct emu_cpu *cpu, const struct emu_op *op, int k)
{
	uint64_t a = (uint64_t)op->i.disp;

	if (k == EA_RIP)
		return (a + cpu->rip + op->i.len);
	if (k == EA_SD)
		return (a);
	a += cpu->r[op->i.base];
	if (k == EA_BI)
		a += cpu->r[op->i.index] << op->i.scale;
	return (a);
}

/*
 * The linear address in 64-bit mode: the offset, plus the base for
 * FS/GS, if canonical; else the generic path raises #GP(0) or #SS(0)
 * (SDM 3A §3.3.7.1).
 */
EMU_INLINE uint64_t
hot_la(struct emu_cpu *cpu, int sr, int k, uint64_t ea, int size, int acc)
{
	uint64_t la = ea;

	if (k == EA_SD || k == EA_SB)
		la += cpu->seg[sr].base;
	if (unlikely((uint64_t)((int64_t)(la << 16) >> 16) != la))
		return (emu_linear_slow(cpu, sr, ea, size, acc));
	return (la);
}

EMU_INLINE uint64_t
hot_rd(struct emu_cpu *cpu, const struct emu_op *op, int k, int size)
{
	return (emu_read_la(cpu, hot_la(cpu, op->seg, k, hot_ea(cpu, op, k),
	    size, ACC_R), size));
}

EMU_INLINE void
hot_wr(struct emu_cpu *cpu, const struct emu_op *op, int k, int size,
    uint64_t v)
{
	emu_write_la(cpu, hot_la(cpu, op->seg, k, hot_ea(cpu, op, k), size,
	    ACC_W), size, v);
}

/*
 * Register of size 1, 4 or 8: byte registers 4-7 are AH..BH without a
 * REX prefix, 32-bit writes zero-extend.
 */
EMU_INLINE uint64_t
hot_get(struct emu_cpu *cpu, const struct emu_op *op, int n, int size)
{
	if (size == 1)
		return (emu_getreg(cpu, n, 1, op->i.rex));
	return (size == 8 ? cpu->r[n] : (uint32_t)cpu->r[n]);
}

EMU_INLINE void
hot_set(struct emu_cpu *cpu, const struct emu_op *op, int n, int size,
    uint64_t v)
{
	if (size == 1)
		emu_setreg(cpu, n, 1, op->i.rex, v);
	else
		cpu->r[n] = size == 8 ? v : (uint32_t)v;
}

/* one handler per memory form, for sizes 1, 4 and 8 */
#define HOT_KINDS(M, S)							\
	M(S, EA_B, b) M(S, EA_BI, bi) M(S, EA_RIP, rip)			\
	M(S, EA_SD, sd) M(S, EA_SB, sb)
#define HOT_ALL(M)	HOT_KINDS(M, 1) HOT_KINDS(M, 4) HOT_KINDS(M, 8)
/* the matching table: [size 1, 4, 8][EA_*] */
#define HOT_TAB(pfx)							\
	{ { pfx##1b, pfx##1bi, pfx##1rip, pfx##1sd, pfx##1sb },		\
	  { pfx##4b, pfx##4bi, pfx##4rip, pfx##4sd, pfx##4sb },		\
	  { pfx##8b, pfx##8bi, pfx##8rip, pfx##8sd, pfx##8sb } }

/*
 * ---- MOV (88-8B), MOV r/m, imm (C6/C7 /0), LEA (8D), MOVZX/MOVSX
 * (0F B6/B7/BE/BF) and MOVSXD (63 with REX.W; aux = source size, bit 7
 * signed, as move.c's h_movx) ----
 */
#define HOT_MOV_MEM(S, K, KN)						\
static H(hot_mov_ld##S##KN)						\
{									\
	hot_set(cpu, op, op->i.reg, S, hot_rd(cpu, op, K, S));		\
	return (emu_next(cpu, op));					\
}									\
static H(hot_mov_st##S##KN)						\
{									\
	hot_wr(cpu, op, K, S, hot_get(cpu, op, op->i.reg, S));		\
	return (emu_next(cpu, op));					\
}									\
static H(hot_mov_sti##S##KN)						\
{									\
	hot_wr(cpu, op, K, S, (uint64_t)op->i.imm);			\
	return (emu_next(cpu, op));					\
}									\
static H(hot_lea##S##KN)						\
{									\
	hot_set(cpu, op, op->i.reg, S, hot_ea(cpu, op, K));		\
	return (emu_next(cpu, op));					\
}									\
static H(hot_movx##S##KN)						\
{									\
	int ssz = op->aux & 0x7f;					\
	uint64_t v = hot_rd(cpu, op, K, ssz);				\
									\
	if (op->aux & 0x80)						\
		v = emu_sext(v, ssz);					\
	hot_set(cpu, op, op->i.reg, S, v);				\
	return (emu_next(cpu, op));					\
}

HOT_ALL(HOT_MOV_MEM)

/* the same with two registers */
#define HOT_MOV_RR(S)							\
static H(hot_mov_rm_r##S)						\
{									\
	hot_set(cpu, op, op->i.rm, S, hot_get(cpu, op, op->i.reg, S));	\
	return (emu_next(cpu, op));					\
}									\
static H(hot_mov_r_rm##S)						\
{									\
	hot_set(cpu, op, op->i.reg, S, hot_get(cpu, op, op->i.rm, S));	\
	return (emu_next(cpu, op));					\
}									\
static H(hot_movx_rr##S)						\
{									\
	int ssz = op->aux & 0x7f;					\
	uint64_t v = emu_getreg(cpu, op->i.rm, ssz, op->i.rex);		\
									\
	if (op->aux & 0x80)						\
		v = emu_sext(v, ssz);					\
	hot_set(cpu, op, op->i.reg, S, v);				\
	return (emu_next(cpu, op));					\
}

HOT_MOV_RR(1)
HOT_MOV_RR(4)
HOT_MOV_RR(8)

/* ---- ALU: the lazy-flag records of alu.c's alu_do ---- */

/* group-1 order (ModRM.reg of 80-83), then TEST */
enum { HA_ADD, HA_OR, HA_ADC, HA_SBB, HA_AND, HA_SUB, HA_XOR, HA_CMP,
    HA_TEST };

EMU_INLINE uint64_t
hot_alu(struct emu_cpu *cpu, int aop, int size, uint64_t d, uint64_t s)
{
	uint64_t m = emu_mask(size), r;
	int cin = (aop == HA_ADC || aop == HA_SBB) ? emu_cf_fast(cpu) : 0;

	d &= m;
	s &= m;
	switch (aop) {
	case HA_ADD:
		r = (d + s) & m;
		emu_lf(cpu, LF_ADD, size, d, s, r);
		break;
	case HA_ADC:
		r = (d + s + cin) & m;
		emu_lf(cpu, LF_ADC, size, d, s, r);
		cpu->lf_aux = cin;
		break;
	case HA_SBB:
		r = (d - s - cin) & m;
		emu_lf(cpu, LF_SBB, size, d, s, r);
		cpu->lf_aux = cin;
		break;
	case HA_OR:
		r = d | s;
		emu_lf(cpu, LF_LOGIC, size, d, s, r);
		break;
	case HA_AND:
	case HA_TEST:
		r = d & s;
		emu_lf(cpu, LF_LOGIC, size, d, s, r);
		break;
	case HA_XOR:
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

/* does aop write its destination? */
#define HA_WRITES(aop)	((aop) != HA_CMP && (aop) != HA_TEST)

/*
 * Register forms: dst op= src for 0x (rm, r), 0x+2 (r, rm), 80/81/83
 * (rm, imm), 84/85 (TEST rm, r) and F6/F7 /0 (TEST rm, imm).
 */
#define HOT_ALU_RR(A, AN, S)						\
static H(hot_##AN##_rm_r##S)						\
{									\
	uint64_t r = hot_alu(cpu, A, S, hot_get(cpu, op, op->i.rm, S),	\
	    hot_get(cpu, op, op->i.reg, S));				\
	if (HA_WRITES(A))						\
		hot_set(cpu, op, op->i.rm, S, r);			\
	return (emu_next(cpu, op));					\
}									\
static H(hot_##AN##_r_rm##S)						\
{									\
	uint64_t r = hot_alu(cpu, A, S, hot_get(cpu, op, op->i.reg, S),	\
	    hot_get(cpu, op, op->i.rm, S));				\
	if (HA_WRITES(A))						\
		hot_set(cpu, op, op->i.reg, S, r);			\
	return (emu_next(cpu, op));					\
}									\
static H(hot_##AN##_rm_imm##S)						\
{									\
	uint64_t r = hot_alu(cpu, A, S, hot_get(cpu, op, op->i.rm, S),	\
	    (uint64_t)op->i.imm);					\
	if (HA_WRITES(A))						\
		hot_set(cpu, op, op->i.rm, S, r);			\
	return (emu_next(cpu, op));					\
}

#define HOT_ALU_RR_SIZES(A, AN)						\
	HOT_ALU_RR(A, AN, 1) HOT_ALU_RR(A, AN, 4) HOT_ALU_RR(A, AN, 8)
HOT_ALU_RR_SIZES(HA_ADD, add)
HOT_ALU_RR_SIZES(HA_ADC, adc)
HOT_ALU_RR_SIZES(HA_SBB, sbb)
HOT_ALU_RR_SIZES(HA_OR, or)
HOT_ALU_RR_SIZES(HA_AND, and)
HOT_ALU_RR_SIZES(HA_SUB, sub)
HOT_ALU_RR_SIZES(HA_XOR, xor)
HOT_ALU_RR_SIZES(HA_CMP, cmp)
HOT_ALU_RR_SIZES(HA_TEST, test)

/*
 * Memory forms that only read memory: CMP r/m, r (38/39); CMP r, r/m
 * (3A/3B); CMP r/m, imm (80/81/83 /7); TEST r/m, r (84/85); TEST r/m,
 * imm (F6/F7 /0); and op r, r/m (02 03 0A 0B 22 23 2A 2B 32 33), whose
 * destination is a register.
 */
#define HOT_ALU_MEM1(A, AN, S, K, KN)					\
static H(hot_##AN##_m_r##S##KN)						\
{									\
	hot_alu(cpu, A, S, hot_rd(cpu, op, K, S),			\
	    hot_get(cpu, op, op->i.reg, S));				\
	return (emu_next(cpu, op));					\
}									\
static H(hot_##AN##_r_m##S##KN)						\
{									\
	uint64_t r = hot_alu(cpu, A, S, hot_get(cpu, op, op->i.reg, S),	\
	    hot_rd(cpu, op, K, S));					\
	if (HA_WRITES(A))						\
		hot_set(cpu, op, op->i.reg, S, r);			\
	return (emu_next(cpu, op));					\
}									\
static H(hot_##AN##_m_imm##S##KN)					\
{									\
	hot_alu(cpu, A, S, hot_rd(cpu, op, K, S), (uint64_t)op->i.imm);	\
	return (emu_next(cpu, op));					\
}

#define HOT_ALU_MEM_ALL(A, AN)						\
	HOT_ALU_MEM1(A, AN, 1, EA_B, b) HOT_ALU_MEM1(A, AN, 1, EA_BI, bi) \
	HOT_ALU_MEM1(A, AN, 1, EA_RIP, rip)				\
	HOT_ALU_MEM1(A, AN, 1, EA_SD, sd) HOT_ALU_MEM1(A, AN, 1, EA_SB, sb) \
	HOT_ALU_MEM1(A, AN, 4, EA_B, b) HOT_ALU_MEM1(A, AN, 4, EA_BI, bi) \
	HOT_ALU_MEM1(A, AN, 4, EA_RIP, rip)				\
	HOT_ALU_MEM1(A, AN, 4, EA_SD, sd) HOT_ALU_MEM1(A, AN, 4, EA_SB, sb) \
	HOT_ALU_MEM1(A, AN, 8, EA_B, b) HOT_ALU_MEM1(A, AN, 8, EA_BI, bi) \
	HOT_ALU_MEM1(A, AN, 8, EA_RIP, rip)				\
	HOT_ALU_MEM1(A, AN, 8, EA_SD, sd) HOT_ALU_MEM1(A, AN, 8, EA_SB, sb)
HOT_ALU_MEM_ALL(HA_ADD, add)
HOT_ALU_MEM_ALL(HA_ADC, adc)
HOT_ALU_MEM_ALL(HA_SBB, sbb)
HOT_ALU_MEM_ALL(HA_OR, or)
HOT_ALU_MEM_ALL(HA_AND, and)
HOT_ALU_MEM_ALL(HA_SUB, sub)
HOT_ALU_MEM_ALL(HA_XOR, xor)
HOT_ALU_MEM_ALL(HA_CMP, cmp)
HOT_ALU_MEM_ALL(HA_TEST, test)

/* ---- PUSH r64 (50+r), POP r64 (58+r): SS has base 0 in 64-bit mode ---- */

static H(hot_push_r8)
{
	uint64_t v = cpu->r[op->aux], sp = cpu->r[R_SP] - 8;

	emu_write_la(cpu, hot_la(cpu, EMU_SS, EA_B, sp, 8, ACC_W), 8, v);
	cpu->r[R_SP] = sp;	/* PUSH RSP pushes the old value */
	return (emu_next(cpu, op));
}

static H(hot_pop_r8)
{
	uint64_t sp = cpu->r[R_SP];
	uint64_t v = emu_read_la(cpu, hot_la(cpu, EMU_SS, EA_B, sp, 8,
	    ACC_R), 8);

	cpu->r[R_SP] = sp + 8;
	cpu->r[op->aux] = v;	/* after RSP: POP RSP loads the value */
	return (emu_next(cpu, op));
}

/* ---- INC/DEC r (FE/FF /0 /1 with a register): CF is kept ---- */

#define HOT_INCDEC(S)							\
static H(hot_inc##S)							\
{									\
	uint64_t m = emu_mask(S);					\
	uint64_t d = hot_get(cpu, op, op->i.rm, S) & m;			\
	int cf = emu_cf_fast(cpu);					\
									\
	emu_lf(cpu, LF_INC, S, d, 1, (d + 1) & m);			\
	cpu->lf_aux = cf;						\
	hot_set(cpu, op, op->i.rm, S, d + 1);				\
	return (emu_next(cpu, op));					\
}									\
static H(hot_dec##S)							\
{									\
	uint64_t m = emu_mask(S);					\
	uint64_t d = hot_get(cpu, op, op->i.rm, S) & m;			\
	int cf = emu_cf_fast(cpu);					\
									\
	emu_lf(cpu, LF_DEC, S, d, 1, (d - 1) & m);			\
	cpu->lf_aux = cf;						\
	hot_set(cpu, op, op->i.rm, S, d - 1);				\
	return (emu_next(cpu, op));					\
}

HOT_INCDEC(1)
HOT_INCDEC(4)
HOT_INCDEC(8)

/*
 * ---- near branches in 64-bit mode (operand size 64 whatever 66 says,
 * the CPU model is Intel: decode.h) ----
 * The target is checked before anything changes (SDM vol. 2 "CALL",
 * "JMP", "RET": #GP(0) for a non-canonical RIP; a fault leaves RSP as
 * it was).
 */
EMU_INLINE const struct emu_op *
hot_goto(struct emu_cpu *cpu, uint64_t target)
{
	if (unlikely((uint64_t)((int64_t)(target << 16) >> 16) != target))
		emu_fault(cpu, EXC_GP, 0);
	cpu->rip = target;
	return (NULL);
}

EMU_INLINE void
hot_push8(struct emu_cpu *cpu, uint64_t v)
{
	uint64_t sp = cpu->r[R_SP] - 8;

	emu_write_la(cpu, hot_la(cpu, EMU_SS, EA_B, sp, 8, ACC_W), 8, v);
	cpu->r[R_SP] = sp;
}

/* 70-7F, 0F 80-8F: Jcc, one handler per condition (cc folds away) */
#define HOT_JCC(cc)							\
static H(hot_jcc##cc)							\
{									\
	if (emu_cond_fast(cpu, cc))					\
		return (hot_goto(cpu, cpu->rip + op->i.len +		\
		    op->i.imm));					\
	return (emu_next(cpu, op));					\
}
HOT_JCC(0) HOT_JCC(1) HOT_JCC(2) HOT_JCC(3) HOT_JCC(4) HOT_JCC(5)
HOT_JCC(6) HOT_JCC(7) HOT_JCC(8) HOT_JCC(9) HOT_JCC(10) HOT_JCC(11)
HOT_JCC(12) HOT_JCC(13) HOT_JCC(14) HOT_JCC(15)

static const emu_handler_t t_jcc[16] = {
	hot_jcc0, hot_jcc1, hot_jcc2, hot_jcc3, hot_jcc4, hot_jcc5,
	hot_jcc6, hot_jcc7, hot_jcc8, hot_jcc9, hot_jcc10, hot_jcc11,
	hot_jcc12, hot_jcc13, hot_jcc14, hot_jcc15,
};

/* E8: CALL rel32 */
static H(hot_call_rel)
{
	uint64_t ret = cpu->rip + op->i.len, target = ret + op->i.imm;

	if (unlikely((uint64_t)((int64_t)(target << 16) >> 16) != target))
		emu_fault(cpu, EXC_GP, 0);
	hot_push8(cpu, ret);
	cpu->rip = target;
	return (NULL);
}

/* E9, EB: JMP rel */
static H(hot_jmp_rel)
{
	return (hot_goto(cpu, cpu->rip + op->i.len + op->i.imm));
}

/* C3: RET */
static H(hot_ret)
{
	uint64_t sp = cpu->r[R_SP];
	uint64_t target = emu_read_la(cpu, hot_la(cpu, EMU_SS, EA_B, sp, 8,
	    ACC_R), 8);

	hot_goto(cpu, target);
	cpu->r[R_SP] = sp + 8;
	return (NULL);
}

/*
 * The same, when the target is in the same page and cache.c decoded it
 * as the next op of the block (superblocks across direct branches):
 * no canonical check needed, the block goes on.
 */
static H(hot_jmp_in)
{
	cpu->rip += op->i.len + op->i.imm;
	return (op + 1);
}

static H(hot_call_in)
{
	uint64_t ret = cpu->rip + op->i.len;

	hot_push8(cpu, ret);
	cpu->rip = ret + op->i.imm;
	return (op + 1);
}

emu_handler_t
emu_hot_follow(const struct emu_op *op)
{
	if (op->fn == hot_jmp_rel)
		return (hot_jmp_in);
	if (op->fn == hot_call_rel)
		return (hot_call_in);
	return (NULL);
}

/* FF /2 CALL r/m64, FF /4 JMP r/m64 */
EMU_INLINE const struct emu_op *
hot_call_to(struct emu_cpu *cpu, const struct emu_op *op, uint64_t target)
{
	if (unlikely((uint64_t)((int64_t)(target << 16) >> 16) != target))
		emu_fault(cpu, EXC_GP, 0);
	hot_push8(cpu, cpu->rip + op->i.len);
	cpu->rip = target;
	return (NULL);
}

static H(hot_call_r)
{
	return (hot_call_to(cpu, op, cpu->r[op->i.rm]));
}

static H(hot_jmp_r)
{
	return (hot_goto(cpu, cpu->r[op->i.rm]));
}

#define HOT_BR_MEM(S, K, KN)						\
static H(hot_call_m##KN)						\
{									\
	return (hot_call_to(cpu, op, hot_rd(cpu, op, K, 8)));		\
}									\
static H(hot_jmp_m##KN)							\
{									\
	return (hot_goto(cpu, hot_rd(cpu, op, K, 8)));			\
}

HOT_KINDS(HOT_BR_MEM, 8)

/* ---- MOV r, imm (B8+r; aux = the register, ops.h EMU_F_OPREG) ---- */

static H(hot_mov_r_imm4)
{
	cpu->r[op->aux] = (uint32_t)op->i.imm;
	return (emu_next(cpu, op));
}

static H(hot_mov_r_imm8)
{
	cpu->r[op->aux] = (uint64_t)op->i.imm;
	return (emu_next(cpu, op));
}

/*
 * ---- SHL/SHR/SAR/ROL/ROR of a 32/64-bit register (C1, D1, D3) ----
 * bitops.c's shift_do for counts 1..bits-1, with the same flag results
 * (SDM vol. 2 "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR"; OF for any count as
 * for a 1-bit step, Intel): shifts record LF_RESCO; rotates change CF
 * and OF only, and ROL/ROR by an immediate other than 1 leave OF alone.
 */
enum { HS_ROL = 0, HS_ROR = 1, HS_SHL = 4, HS_SHR = 5, HS_SAR = 7 };

EMU_INLINE uint64_t
hot_msb(uint64_t v, int size)
{
	return ((v >> (size * 8 - 1)) & 1);
}

/* OF as it stands (the generic emu_get_of, inline for the lazy cases) */
EMU_INLINE bool
hot_of(struct emu_cpu *cpu)
{
	if (cpu->lf_op == LF_RESCO)
		return ((cpu->lf_aux & 2) != 0);
	if (cpu->lf_op == LF_LOGIC)
		return (false);
	return (emu_get_of(cpu));
}

/* a rotate's CF and OF (bitops.c's set_cf_of) */
EMU_INLINE void
hot_cf_of(struct emu_cpu *cpu, bool cf, bool of)
{
	if (cpu->lf_op == LF_LOGIC || cpu->lf_op == LF_RESCO) {
		cpu->lf_op = LF_RESCO;
		cpu->lf_aux = (cf ? 1 : 0) | (of ? 2 : 0);
		return;
	}
	emu_flags_sync(cpu);
	cpu->rflags = (cpu->rflags & ~(uint64_t)(FL_CF | FL_OF)) |
	    (cf ? FL_CF : 0) | (of ? FL_OF : 0);
}

/* cnt: the masked count, 1..bits-1; keepof: ROL/ROR leave OF alone */
EMU_INLINE uint64_t
hot_shift(struct emu_cpu *cpu, int sop, int size, uint64_t d, unsigned cnt,
    bool keepof)
{
	int bits = size * 8;
	uint64_t m = emu_mask(size), r;
	bool of1;

	d &= m;
	of1 = hot_msb(d, size) ^ hot_msb(d << 1, size);
	switch (sop) {
	case HS_ROL:
		r = ((d << cnt) | (d >> (bits - cnt))) & m;
		hot_cf_of(cpu, r & 1, keepof ? hot_of(cpu) : of1);
		return (r);
	case HS_ROR:
		r = ((d >> cnt) | (d << (bits - cnt))) & m;
		hot_cf_of(cpu, hot_msb(r, size), keepof ? hot_of(cpu) :
		    hot_msb(d, size) ^ (d & 1));
		return (r);
	case HS_SHL:
		r = (d << cnt) & m;
		emu_lf_resco(cpu, size, r, (d >> (bits - cnt)) & 1, of1);
		return (r);
	case HS_SHR:
		r = d >> cnt;
		emu_lf_resco(cpu, size, r, (d >> (cnt - 1)) & 1,
		    hot_msb(d, size));
		return (r);
	default: {	/* SAR */
		int64_t sd = (int64_t)emu_sext(d, size);
		r = (uint64_t)(sd >> cnt) & m;
		emu_lf_resco(cpu, size, r, (sd >> (cnt - 1)) & 1, false);
		return (r);
	}
	}
}

/*
 * _i: a count fixed at decode time (C1 ib, D1), aux = count | 0x80 when
 * OF stays (ROL/ROR by an immediate other than 1); _cl: D3, a masked
 * count of 0 changes no flag but still zero-extends a 32-bit register.
 */
#define HOT_SHIFT(SOP, SN, S)						\
static H(hot_##SN##_i##S)						\
{									\
	uint64_t d = hot_get(cpu, op, op->i.rm, S);			\
									\
	hot_set(cpu, op, op->i.rm, S, hot_shift(cpu, SOP, S, d,		\
	    op->aux & 0x3f, (op->aux & 0x80) != 0));			\
	return (emu_next(cpu, op));					\
}									\
static H(hot_##SN##_cl##S)						\
{									\
	unsigned cnt = cpu->r[R_CX] & (S == 8 ? 0x3f : 0x1f);		\
	uint64_t d = hot_get(cpu, op, op->i.rm, S);			\
									\
	if (cnt != 0)							\
		d = hot_shift(cpu, SOP, S, d, cnt, false);		\
	hot_set(cpu, op, op->i.rm, S, d);				\
	return (emu_next(cpu, op));					\
}
#define HOT_SHIFT_SIZES(SOP, SN)	HOT_SHIFT(SOP, SN, 4) HOT_SHIFT(SOP, SN, 8)
HOT_SHIFT_SIZES(HS_ROL, rol)
HOT_SHIFT_SIZES(HS_ROR, ror)
HOT_SHIFT_SIZES(HS_SHL, shl)
HOT_SHIFT_SIZES(HS_SHR, shr)
HOT_SHIFT_SIZES(HS_SAR, sar)

/*
 * ---- IMUL r, r/m (0F AF) and IMUL r, r/m, imm (69, 6B), 32/64-bit ----
 * alu.c's imul2 and mul_flags: CF = OF = the product did not fit; SF
 * from the low half's sign bit, PF from its low byte, ZF and AF clear
 * (what Intel CPUs do with the undefined ones).
 */
EMU_INLINE uint64_t
hot_imul(struct emu_cpu *cpu, int size, uint64_t a, uint64_t b)
{
	uint64_t lo;
	bool ovf;

	if (size == 8) {
		int64_t p;
		ovf = __builtin_mul_overflow((int64_t)a, (int64_t)b, &p);
		lo = (uint64_t)p;
	} else {
		int64_t p = (int64_t)(int32_t)a * (int32_t)b;
		lo = (uint32_t)p;
		ovf = p != (int32_t)p;
	}
	emu_set_arith(cpu, (ovf ? FL_CF | FL_OF : 0) |
	    (hot_msb(lo, size) ? FL_SF : 0) |
	    (__builtin_parity((unsigned)(lo & 0xff)) ? 0 : FL_PF));
	return (lo);
}

#define HOT_IMUL_RR(S)							\
static H(hot_imul_rr##S)						\
{									\
	hot_set(cpu, op, op->i.reg, S, hot_imul(cpu, S,		\
	    hot_get(cpu, op, op->i.reg, S),				\
	    hot_get(cpu, op, op->i.rm, S)));				\
	return (emu_next(cpu, op));					\
}									\
static H(hot_imul_rri##S)						\
{									\
	hot_set(cpu, op, op->i.reg, S, hot_imul(cpu, S,		\
	    hot_get(cpu, op, op->i.rm, S), (uint64_t)op->i.imm));	\
	return (emu_next(cpu, op));					\
}
HOT_IMUL_RR(4)
HOT_IMUL_RR(8)

#define HOT_IMUL_MEM(S, K, KN)						\
static H(hot_imul_rm##S##KN)						\
{									\
	uint64_t s = hot_rd(cpu, op, K, S);				\
									\
	hot_set(cpu, op, op->i.reg, S, hot_imul(cpu, S,		\
	    hot_get(cpu, op, op->i.reg, S), s));			\
	return (emu_next(cpu, op));					\
}									\
static H(hot_imul_rmi##S##KN)						\
{									\
	hot_set(cpu, op, op->i.reg, S, hot_imul(cpu, S,		\
	    hot_rd(cpu, op, K, S), (uint64_t)op->i.imm));		\
	return (emu_next(cpu, op));					\
}
HOT_KINDS(HOT_IMUL_MEM, 4)
HOT_KINDS(HOT_IMUL_MEM, 8)

/*
 * ---- SETcc r/m8 (0F 90-9F) with a register, CMOVcc r, r/m (0F 40-4F)
 * 32/64-bit: one register handler per condition (cc folds away); the
 * memory forms of CMOVcc read (and may fault) whatever the condition,
 * and a 32-bit CMOVcc zero-extends its destination either way ----
 */
#define HOT_CC(cc)							\
static H(hot_setcc##cc)							\
{									\
	hot_set(cpu, op, op->i.rm, 1, emu_cond_fast(cpu, cc));		\
	return (emu_next(cpu, op));					\
}									\
static H(hot_cmov##cc##_4)						\
{									\
	if (emu_cond_fast(cpu, cc))					\
		cpu->r[op->i.reg] = (uint32_t)cpu->r[op->i.rm];		\
	else								\
		cpu->r[op->i.reg] &= 0xffffffff;			\
	return (emu_next(cpu, op));					\
}									\
static H(hot_cmov##cc##_8)						\
{									\
	if (emu_cond_fast(cpu, cc))					\
		cpu->r[op->i.reg] = cpu->r[op->i.rm];			\
	return (emu_next(cpu, op));					\
}
HOT_CC(0) HOT_CC(1) HOT_CC(2) HOT_CC(3) HOT_CC(4) HOT_CC(5)
HOT_CC(6) HOT_CC(7) HOT_CC(8) HOT_CC(9) HOT_CC(10) HOT_CC(11)
HOT_CC(12) HOT_CC(13) HOT_CC(14) HOT_CC(15)

#define HOT_CC_TAB(pfx, sfx) {						\
	pfx##0##sfx, pfx##1##sfx, pfx##2##sfx, pfx##3##sfx,		\
	pfx##4##sfx, pfx##5##sfx, pfx##6##sfx, pfx##7##sfx,		\
	pfx##8##sfx, pfx##9##sfx, pfx##10##sfx, pfx##11##sfx,		\
	pfx##12##sfx, pfx##13##sfx, pfx##14##sfx, pfx##15##sfx }
static const emu_handler_t t_setcc[16] = HOT_CC_TAB(hot_setcc, );
static const emu_handler_t t_cmov_rr[2][16] = {
	HOT_CC_TAB(hot_cmov, _4), HOT_CC_TAB(hot_cmov, _8),
};

#define HOT_CMOV_MEM(S, K, KN)						\
static H(hot_cmovm##S##KN)						\
{									\
	uint64_t v = hot_rd(cpu, op, K, S);				\
									\
	if (emu_cond_fast(cpu, op->i.op & 15))				\
		cpu->r[op->i.reg] = v;					\
	else if (S == 4)						\
		cpu->r[op->i.reg] &= 0xffffffff;			\
	return (emu_next(cpu, op));					\
}
HOT_KINDS(HOT_CMOV_MEM, 4)
HOT_KINDS(HOT_CMOV_MEM, 8)

/* ---- picking ---- */

static const emu_handler_t t_mov_ld[3][EA_N] = HOT_TAB(hot_mov_ld);
static const emu_handler_t t_mov_st[3][EA_N] = HOT_TAB(hot_mov_st);
static const emu_handler_t t_mov_sti[3][EA_N] = HOT_TAB(hot_mov_sti);
static const emu_handler_t t_lea[3][EA_N] = HOT_TAB(hot_lea);
static const emu_handler_t t_movx[3][EA_N] = HOT_TAB(hot_movx);
static const emu_handler_t t_mov_rr[2][3] = {
	{ hot_mov_rm_r1, hot_mov_rm_r4, hot_mov_rm_r8 },
	{ hot_mov_r_rm1, hot_mov_r_rm4, hot_mov_r_rm8 },
};
static const emu_handler_t t_movx_rr[3] = {
	hot_movx_rr1, hot_movx_rr4, hot_movx_rr8
};
static const emu_handler_t t_incdec[2][3] = {
	{ hot_inc1, hot_inc4, hot_inc8 }, { hot_dec1, hot_dec4, hot_dec8 },
};
/* [size 4, 8][EA_*] */
#define HOT_TAB48(pfx)							\
	{ { pfx##4b, pfx##4bi, pfx##4rip, pfx##4sd, pfx##4sb },		\
	  { pfx##8b, pfx##8bi, pfx##8rip, pfx##8sd, pfx##8sb } }
static const emu_handler_t t_imul_rm[2][EA_N] = HOT_TAB48(hot_imul_rm);
static const emu_handler_t t_imul_rmi[2][EA_N] = HOT_TAB48(hot_imul_rmi);
static const emu_handler_t t_cmov_m[2][EA_N] = HOT_TAB48(hot_cmovm);
/* [ROL, ROR, -, -, SHL, SHR, -, SAR][count: fixed, CL][size 4, 8] */
#define HOT_SH_ROW(SN)							\
	{ { hot_##SN##_i4, hot_##SN##_i8 }, { hot_##SN##_cl4, hot_##SN##_cl8 } }
static const emu_handler_t t_shift[8][2][2] = {
	[HS_ROL] = HOT_SH_ROW(rol), [HS_ROR] = HOT_SH_ROW(ror),
	[HS_SHL] = HOT_SH_ROW(shl), [HS_SHR] = HOT_SH_ROW(shr),
	[HS_SAR] = HOT_SH_ROW(sar),
};
static const emu_handler_t t_call_m[EA_N] = {
	hot_call_mb, hot_call_mbi, hot_call_mrip, hot_call_msd, hot_call_msb
};
static const emu_handler_t t_jmp_m[EA_N] = {
	hot_jmp_mb, hot_jmp_mbi, hot_jmp_mrip, hot_jmp_msd, hot_jmp_msb
};

/* per ALU op (group-1 order, then TEST): register and memory forms */
#define HOT_ALU_ROW(AN)							\
	{ { hot_##AN##_rm_r1, hot_##AN##_rm_r4, hot_##AN##_rm_r8 },	\
	  { hot_##AN##_r_rm1, hot_##AN##_r_rm4, hot_##AN##_r_rm8 },	\
	  { hot_##AN##_rm_imm1, hot_##AN##_rm_imm4, hot_##AN##_rm_imm8 } }
#define HOT_ALU_MROW(AN)						\
	{ HOT_TAB(hot_##AN##_m_r), HOT_TAB(hot_##AN##_r_m),		\
	  HOT_TAB(hot_##AN##_m_imm) }

/* [aop][form: rm_r, r_rm, rm_imm][size 1, 4, 8] */
static const emu_handler_t t_alu_rr[9][3][3] = {
	[HA_ADD] = HOT_ALU_ROW(add), [HA_OR] = HOT_ALU_ROW(or),
	[HA_ADC] = HOT_ALU_ROW(adc), [HA_SBB] = HOT_ALU_ROW(sbb),
	[HA_AND] = HOT_ALU_ROW(and), [HA_SUB] = HOT_ALU_ROW(sub),
	[HA_XOR] = HOT_ALU_ROW(xor), [HA_CMP] = HOT_ALU_ROW(cmp),
	[HA_TEST] = HOT_ALU_ROW(test),
};
/* [aop][form: m_r, r_m, m_imm][size 1, 4, 8][EA_*] */
static const emu_handler_t t_alu_m[9][3][3][EA_N] = {
	[HA_ADD] = HOT_ALU_MROW(add), [HA_OR] = HOT_ALU_MROW(or),
	[HA_ADC] = HOT_ALU_MROW(adc), [HA_SBB] = HOT_ALU_MROW(sbb),
	[HA_AND] = HOT_ALU_MROW(and), [HA_SUB] = HOT_ALU_MROW(sub),
	[HA_XOR] = HOT_ALU_MROW(xor), [HA_CMP] = HOT_ALU_MROW(cmp),
	[HA_TEST] = HOT_ALU_MROW(test),
};

enum { F_RM_R, F_R_RM, F_RM_IMM };

/* The addressing form of a 64-bit memory operand, or -1. */
static int
ea_kind(const struct emu_op *op)
{
	const struct emu_insn *i = &op->i;
	bool fsgs = op->seg == EMU_FS || op->seg == EMU_GS;

	if (i->addrsize != 8 || i->mod == 3)
		return (-1);
	if (i->riprel)
		return (fsgs ? -1 : EA_RIP);
	if (i->base == EMU_REG_NONE)
		return (fsgs && i->index == EMU_REG_NONE ? EA_SD : -1);
	if (i->index != EMU_REG_NONE)
		return (fsgs ? -1 : EA_BI);
	return (fsgs ? EA_SB : EA_B);
}

/* An ALU form of op with a register or a read-only memory operand. */
static emu_handler_t
pick_alu(const struct emu_op *op, int aop, int form, int si)
{
	int k;

	if (op->i.mod == 3)
		return (t_alu_rr[aop][form][si]);
	/* memory destinations are read-modify-writes: generic (LOCK) */
	if (form != F_R_RM && HA_WRITES(aop))
		return (NULL);
	if ((k = ea_kind(op)) < 0)
		return (NULL);
	return (t_alu_m[aop][form][si][k]);
}

/*
 * Called by emu_op_setup for 64-bit code after the generic handler has
 * been chosen (and the instruction found valid): a specialised handler
 * for the same instruction, or NULL to keep the generic one.  May set
 * op->aux for the handler it returns.
 */
emu_handler_t
emu_hot_pick(struct emu_op *op)
{
	const struct emu_insn *i = &op->i;
	int si, k, aop;

	if (i->lock)
		return (NULL);
	if (i->map == EMU_MAP_0F && i->op >= 0x80 && i->op <= 0x8f)
		return (t_jcc[i->op & 15]);
	if (i->map == EMU_MAP_1B) {
		/* near branches: the operand size is 64 in 64-bit mode */
		switch (i->op) {
		case 0x70 ... 0x7f:
			return (t_jcc[i->op & 15]);
		case 0xe8:
			return (hot_call_rel);
		case 0xe9:
		case 0xeb:
			return (hot_jmp_rel);
		case 0xc3:
			return (hot_ret);
		case 0xff:
			if ((i->reg & 7) != 2 && (i->reg & 7) != 4)
				break;
			if (i->mod == 3)
				return ((i->reg & 7) == 2 ? hot_call_r :
				    hot_jmp_r);
			if ((k = ea_kind(op)) < 0)
				return (NULL);
			return ((i->reg & 7) == 2 ? t_call_m[k] : t_jmp_m[k]);
		}
	}
	switch (op->size) {
	case 1: si = 0; break;
	case 4: si = 1; break;
	case 8: si = 2; break;
	default: return (NULL);
	}
	if (i->map == EMU_MAP_0F && i->op >= 0x90 && i->op <= 0x9f) {
		/* SETcc r/m8: registers (any, REX picks SPL..DIL) */
		return (i->mod == 3 ? t_setcc[i->op & 15] : NULL);
	}
	if (i->map == EMU_MAP_0F && si != 0 && ((i->op >= 0x40 &&
	    i->op <= 0x4f) || i->op == 0xaf)) {
		/* CMOVcc r, r/m; IMUL r, r/m */
		if (i->mod == 3)
			return (i->op == 0xaf ? (si == 1 ? hot_imul_rr4 :
			    hot_imul_rr8) : t_cmov_rr[si - 1][i->op & 15]);
		if ((k = ea_kind(op)) < 0)
			return (NULL);
		return (i->op == 0xaf ? t_imul_rm[si - 1][k] :
		    t_cmov_m[si - 1][k]);
	}
	if (i->map == EMU_MAP_0F) {
		/* MOVZX/MOVSX r32/r64, r/m8 or r/m16 */
		if (i->op != 0xb6 && i->op != 0xb7 && i->op != 0xbe &&
		    i->op != 0xbf)
			return (NULL);
		if (si == 0)
			return (NULL);
		if (i->mod == 3)
			return (t_movx_rr[si]);
		return ((k = ea_kind(op)) < 0 ? NULL : t_movx[si][k]);
	}
	if (i->map != EMU_MAP_1B)
		return (NULL);
	switch (i->op) {
	case 0x88: case 0x89:	/* MOV r/m, r */
	case 0x8a: case 0x8b:	/* MOV r, r/m */
		if (i->mod == 3)
			return (t_mov_rr[(i->op >> 1) & 1][si]);
		if ((k = ea_kind(op)) < 0)
			return (NULL);
		return ((i->op & 2) ? t_mov_ld[si][k] : t_mov_st[si][k]);
	case 0xc6: case 0xc7:	/* MOV r/m, imm: /0 (F8: XABORT, XBEGIN) */
		if ((i->reg & 7) != 0)
			return (NULL);
		if (i->mod == 3)
			return (NULL);
		return ((k = ea_kind(op)) < 0 ? NULL : t_mov_sti[si][k]);
	case 0x8d:	/* LEA: the segment plays no part */
		k = ea_kind(op);
		if (si == 0 || (k != EA_B && k != EA_BI && k != EA_RIP))
			return (NULL);
		return (t_lea[si][k]);
	case 0x63:	/* MOVSXD r64, r/m32: MOVSX from 4 bytes */
		if (si != 2)
			return (NULL);
		op->aux = 0x84;
		if (i->mod == 3)
			return (t_movx_rr[si]);
		return ((k = ea_kind(op)) < 0 ? NULL : t_movx[si][k]);
	case 0xfe:	/* INC/DEC r/m (the memory forms may be LOCK'd) */
	case 0xff:
		if ((i->reg & 7) > 1 || i->mod != 3)
			return (NULL);
		return (t_incdec[i->reg & 1][si]);
	case 0xb8 ... 0xbf:	/* MOV r, imm (aux: the register) */
		if (si == 0)
			return (NULL);
		return (si == 1 ? hot_mov_r_imm4 : hot_mov_r_imm8);
	case 0x69:	/* IMUL r, r/m, imm */
	case 0x6b:
		if (si == 0)
			return (NULL);
		if (i->mod == 3)
			return (si == 1 ? hot_imul_rri4 : hot_imul_rri8);
		return ((k = ea_kind(op)) < 0 ? NULL : t_imul_rmi[si - 1][k]);
	case 0xc1:	/* group 2 of a register: by imm, 1 and CL */
	case 0xd1:
	case 0xd3: {
		int sop = i->reg & 7;
		unsigned cnt;

		if (si == 0 || i->mod != 3 || t_shift[sop][0][0] == NULL)
			return (NULL);
		if (i->op == 0xd3)
			return (t_shift[sop][1][si - 1]);
		cnt = i->op == 0xd1 ? 1 : (unsigned)i->imm & (si == 2 ?
		    0x3f : 0x1f);
		if (cnt == 0)
			return (NULL);
		/* ROL/ROR of a register by an immediate > 1 keep OF */
		op->aux = cnt | (i->op == 0xc1 && cnt > 1 && sop <= HS_ROR ?
		    0x80 : 0);
		return (t_shift[sop][0][si - 1]);
	}
	case 0x50 ... 0x57:
		return (si == 2 ? hot_push_r8 : NULL);
	case 0x58 ... 0x5f:
		return (si == 2 ? hot_pop_r8 : NULL);
	case 0x84: case 0x85:	/* TEST r/m, r */
		return (pick_alu(op, HA_TEST, F_RM_R, si));
	case 0xf6: case 0xf7:	/* TEST r/m, imm (/0 only) */
		if ((i->reg & 7) != 0)
			return (NULL);
		return (pick_alu(op, HA_TEST, F_RM_IMM, si));
	case 0x80:	/* group 1 */
	case 0x81:
	case 0x83:
		return (pick_alu(op, i->reg & 7, F_RM_IMM, si));
	}
	/* 00-03 08-0B 20-23 28-2B 30-33 38-3B: op r/m, r and op r, r/m */
	if (i->op < 0x40 && (i->op & 7) <= 3) {
		aop = i->op >> 3;
		return (pick_alu(op, aop, (i->op & 2) ? F_R_RM : F_RM_R, si));
	}
	return (NULL);
}
