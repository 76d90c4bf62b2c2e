/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * control.c: control transfer in the emu backend: near JMP/Jcc/CALL/RET,
 * LOOP/JCXZ, far JMP/CALL/RET, IRET/IRETD/IRETQ and INT n/INT3/INTO/INT1.
 * Every handler here ends its block.  Far transfers load CS from the
 * GDT/LDT with the basic checks of SDM vol. 2 ("JMP", "CALL", "RET",
 * "IRET"), call gates here, task switches in task.c; virtual-8086
 * returns are not implemented yet (XXX).  The new RIP is checked against
 * the new CS before any state changes (#GP(0), nothing committed).
 */
#include "vmm/emu/ops.h"
#include "vmm/emu/emu_debug.h"
#include "vmm/emu/task.h"

static inline uint64_t
next_rip(struct emu_cpu *cpu, const struct emu_op *op)
{
	return (cpu->rip + op->i.len);
}

/* ---- near ---- */

static H(h_jmp_rel)
{
	return (emu_branch(cpu, next_rip(cpu, op) + op->i.imm, op->i.opsize));
}

/*
 * One handler per condition, so the condition folds to a constant and
 * emu_cond_fast() reads just what it needs from the lazy flags.
 */
EMU_INLINE const struct emu_op *
jcc(struct emu_cpu *cpu, const struct emu_op *op, int cc)
{
	if (emu_cond_fast(cpu, cc))
		return (emu_branch(cpu, next_rip(cpu, op) + op->i.imm,
		    op->i.opsize));
	return (emu_next(cpu, op));
}

#define JCC_H(cc) static H(h_jcc_##cc) { return (jcc(cpu, op, cc)); }
JCC_H(0) JCC_H(1) JCC_H(2) JCC_H(3) JCC_H(4) JCC_H(5) JCC_H(6) JCC_H(7)
JCC_H(8) JCC_H(9) JCC_H(10) JCC_H(11) JCC_H(12) JCC_H(13) JCC_H(14)
JCC_H(15)

static H(h_call_rel)
{
	uint64_t ret = next_rip(cpu, op);

	emu_push(cpu, op->i.opsize, ret);
	return (emu_branch(cpu, ret + op->i.imm, op->i.opsize));
}

static H(h_jmp_rm)
{
	return (emu_branch(cpu, emu_rm_read(cpu, op, op->i.opsize),
	    op->i.opsize));
}

static H(h_call_rm)
{
	uint64_t target = emu_rm_read(cpu, op, op->i.opsize);

	emu_push(cpu, op->i.opsize, next_rip(cpu, op));
	return (emu_branch(cpu, target, op->i.opsize));
}

/* C3, C2 iw */
static H(h_ret)
{
	uint64_t target = emu_pop(cpu, op->i.opsize);
	uint64_t m = emu_sp_mask(cpu);

	if (op->i.op == 0xc2)
		cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | ((cpu->r[R_SP] +
		    ((uint64_t)op->i.imm & 0xffff)) & m);
	return (emu_branch(cpu, target, op->i.opsize));
}

/* E0 LOOPNE, E1 LOOPE, E2 LOOP, E3 JCXZ: the count is CX/ECX/RCX by
 * address size */
static H(h_loop)
{
	int as = op->i.addrsize;
	uint64_t c = emu_getreg(cpu, R_CX, as, 0);
	bool take;

	if (op->i.op == 0xe3) {
		take = c == 0;
	} else {
		c = (c - 1) & emu_amask(as);
		emu_setreg(cpu, R_CX, as, 0, c);
		take = c != 0;
		if (op->i.op == 0xe0)
			take = take && !emu_get_zf(cpu);
		else if (op->i.op == 0xe1)
			take = take && emu_get_zf(cpu);
	}
	if (take)
		return (emu_branch(cpu, next_rip(cpu, op) + op->i.imm,
		    op->i.opsize));
	return (emu_next(cpu, op));
}

/* ---- far ---- */

static bool
prot(struct emu_cpu *cpu)
{
	return ((cpu->cr0 & CR0_PE) && !(cpu->rflags & FL_VM));
}

/* Check a code segment descriptor d for a direct far JMP/CALL to sel. */
static void
far_code_check(struct emu_cpu *cpu, uint16_t sel, uint64_t d)
{
	int type = (d >> 40) & 0x1f, dpl = (d >> 45) & 3, rpl = sel & 3;

	if ((type & 0x18) != 0x18)
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if (type & 4) {			/* conforming */
		if (dpl > cpu->cpl)
			emu_fault(cpu, EXC_GP, sel & 0xfffc);
	} else if (rpl > cpu->cpl || dpl != cpu->cpl) {
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	}
	if (!(d & (1ULL << 47)))
		emu_fault(cpu, EXC_NP, sel & 0xfffc);
	if ((cpu->efer & EFER_LMA) && (d & (1ULL << 53)) &&
	    (d & (1ULL << 54)))
		emu_fault(cpu, EXC_GP, sel & 0xfffc);	/* L and D */
}

/*
 * The new RIP against the new CS (SDM vol. 2 "JMP", "CALL", "RET"):
 * #GP(0) past the limit, or when not canonical for a 64-bit segment.
 */
static void
check_target(struct emu_cpu *cpu, uint64_t d, uint64_t off)
{
	if ((cpu->efer & EFER_LMA) && (d & (1ULL << 53))) {
		if ((uint64_t)((int64_t)(off << 16) >> 16) != off)
			emu_fault(cpu, EXC_GP, 0);
	} else if (off > emu_desc_limit(d)) {
		emu_fault(cpu, EXC_GP, 0);
	}
}

/* Push CS:IP for a far CALL on the current stack, both or neither. */
static void
push_ret(struct emu_cpu *cpu, int size, uint64_t ret)
{
	uint64_t m = emu_sp_mask(cpu), sp = cpu->r[R_SP];
	uint16_t oldcs = cpu->seg[EMU_CS].sel;

	emu_write(cpu, EMU_SS, (sp - size) & m, size, oldcs);
	emu_write(cpu, EMU_SS, (sp - 2 * size) & m, size, ret);
	cpu->r[R_SP] = (sp & ~m) | ((sp - 2 * size) & m);
}

/* One write to a stack that is not loaded yet (inner call gate). */
static void
new_stack_write(struct emu_cpu *cpu, uint64_t sd, uint16_t ss, uint64_t sp,
    uint64_t spmask, int size, uint64_t v)
{
	uint64_t la;

	if (cpu->efer & EFER_LMA) {
		la = sp;
		if ((uint64_t)((int64_t)(la << 16) >> 16) != la)
			emu_fault(cpu, EXC_SS, 0);
	} else {
		if (!emu_seg_fits(sd, sp & spmask, size))
			emu_fault(cpu, EXC_SS, ss & 0xfffc);
		la = (emu_desc_base(sd) + (sp & spmask)) & 0xffffffffULL;
	}
	emu_write_sys(cpu, la, size, v);
}

/*
 * CALL or JMP through a call gate (SDM 3A §5.8.4-§5.8.6, vol. 2 "CALL"
 * and "JMP"): 16- and 32-bit gates, 16-byte 64-bit gates in long mode,
 * the stack switch to an inner level with the parameter copy.
 */
static const struct emu_op *
call_gate(struct emu_cpu *cpu, const struct emu_op *op, uint16_t sel,
    uint64_t d, bool call)
{
	bool lm = cpu->efer & EFER_LMA;
	int type = (d >> 40) & 0xf, dpl = (d >> 45) & 3, cdpl, ctype;
	int gsize, nparam, ncpl;
	uint16_t csel = (d >> 16) & 0xffff, nss;
	uint64_t goff = (d & 0xffff) | ((d >> 32) & 0xffff0000ULL), cd;
	uint64_t ret = cpu->rip + op->i.len, nsp, sd = 0, spmask, osp;
	uint64_t params[32];

	if (lm && type != 0xc)
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if (dpl < cpu->cpl || dpl < (sel & 3))
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if (!(d & (1ULL << 47)))
		emu_fault(cpu, EXC_NP, sel & 0xfffc);
	if (lm) {
		uint64_t hi = emu_read_desc_hi(cpu, sel, EXC_GP);
		if ((hi >> 40) & 0x1f)
			emu_fault(cpu, EXC_GP, sel & 0xfffc);
		goff |= hi << 32;
		gsize = 8;
		nparam = 0;
	} else {
		gsize = type == 0xc ? 4 : 2;
		if (gsize == 2)
			goff &= 0xffff;
		nparam = (d >> 32) & 0x1f;
	}
	if ((csel & 0xfffc) == 0)
		emu_fault(cpu, EXC_GP, 0);
	cd = emu_read_desc(cpu, csel, EXC_GP);
	ctype = (cd >> 40) & 0x1f;
	cdpl = (cd >> 45) & 3;
	if ((ctype & 0x18) != 0x18 || cdpl > cpu->cpl)
		emu_fault(cpu, EXC_GP, csel & 0xfffc);
	if (lm && (!(cd & (1ULL << 53)) || (cd & (1ULL << 54))))
		emu_fault(cpu, EXC_GP, csel & 0xfffc);
	if (!call && !(ctype & 4) && cdpl != cpu->cpl)
		emu_fault(cpu, EXC_GP, csel & 0xfffc);
	if (!(cd & (1ULL << 47)))
		emu_fault(cpu, EXC_NP, csel & 0xfffc);
	check_target(cpu, cd, goff);

	if (!call) {
		emu_load_cs_desc(cpu, csel, cd, cpu->cpl);
		cpu->rip = goff;
		return (NULL);
	}
	if ((ctype & 4) || cdpl == cpu->cpl) {
		/* same privilege: CS:IP at the gate's size */
		push_ret(cpu, gsize, ret);
		emu_load_cs_desc(cpu, csel, cd, cpu->cpl);
		cpu->rip = goff;
		return (NULL);
	}

	/* more privilege: SS:SP from the TSS, checked, then the frame */
	ncpl = cdpl;
	emu_tss_stack(cpu, ncpl, 0, &nss, &nsp);
	if (lm) {
		spmask = ~0ULL;
	} else {
		sd = emu_check_new_ss(cpu, nss, ncpl, 0);
		spmask = (sd & (1ULL << 54)) ? 0xffffffffULL : 0xffffULL;
	}
	osp = cpu->r[R_SP];
	for (int i = 0; i < nparam; i++)
		params[i] = emu_read(cpu, EMU_SS, (osp + i * gsize) &
		    emu_sp_mask(cpu), gsize);
	nsp -= gsize;
	new_stack_write(cpu, sd, nss, nsp, spmask, gsize,
	    cpu->seg[EMU_SS].sel);
	nsp -= gsize;
	new_stack_write(cpu, sd, nss, nsp, spmask, gsize, osp);
	for (int i = nparam - 1; i >= 0; i--) {
		nsp -= gsize;
		new_stack_write(cpu, sd, nss, nsp, spmask, gsize, params[i]);
	}
	nsp -= gsize;
	new_stack_write(cpu, sd, nss, nsp, spmask, gsize,
	    cpu->seg[EMU_CS].sel);
	nsp -= gsize;
	new_stack_write(cpu, sd, nss, nsp, spmask, gsize, ret);

	/* commit */
	emu_set_cpl(cpu, ncpl);
	if (lm) {
		cpu->seg[EMU_SS].sel = nss;
		cpu->seg[EMU_SS].base = 0;
		cpu->seg[EMU_SS].limit = 0xffffffff;
		cpu->seg[EMU_SS].access = SEG_ACC_UNUSABLE | SEG_ACC_DPL(ncpl);
		cpu->r[R_SP] = nsp;
	} else {
		emu_set_seg_cache(cpu, EMU_SS, nss, sd | (1ULL << 40));
		cpu->r[R_SP] = (osp & ~spmask) | (nsp & spmask);
	}
	emu_load_cs_desc(cpu, csel, cd, ncpl);
	cpu->rip = goff;
	return (NULL);
}

/*
 * Real mode and virtual-8086 mode: a far transfer keeps the cached CS
 * limit, so the new IP is checked against it before CS changes (SDM
 * vol. 2 "JMP", "CALL", "RET", "IRET": #GP(0), no state change).
 */
static void
check_real_target(struct emu_cpu *cpu, uint64_t ip, int osz)
{
	if ((ip & emu_mask(osz)) > cpu->seg[EMU_CS].limit)
		emu_fault(cpu, EXC_GP, 0);
}

/*
 * Far JMP/CALL (SDM vol. 2 "JMP", "CALL"): real mode, a code segment, a
 * call gate, or a TSS / task gate: a task switch (task.c).
 */
static const struct emu_op *
far_xfer(struct emu_cpu *cpu, const struct emu_op *op, uint16_t sel,
    uint64_t off, bool call)
{
	int osz = op->i.opsize, type;
	uint64_t d;

	off &= emu_mask(osz);
	if (!prot(cpu)) {
		check_real_target(cpu, off, osz);
		if (call)
			push_ret(cpu, osz, cpu->rip + op->i.len);
		emu_seg_real(cpu, EMU_CS, sel);
		return (emu_branch(cpu, off, osz));
	}
	if ((sel & 0xfffc) == 0)
		emu_fault(cpu, EXC_GP, 0);
	d = emu_read_desc(cpu, sel, EXC_GP);
	if (d & (1ULL << 44)) {
		far_code_check(cpu, sel, d);
		check_target(cpu, d, off);
		if (call)
			push_ret(cpu, osz, cpu->rip + op->i.len);
		emu_load_cs_desc(cpu, sel, d, cpu->cpl);
		return (emu_branch(cpu, off, osz));
	}
	type = (d >> 40) & 0xf;
	switch (type) {
	case 0x4:
	case 0xc:
		return (call_gate(cpu, op, sel, d, call));
	case 0x1:
	case 0x3:
	case 0x5:
	case 0x9:
	case 0xb:
		emu_task_far(cpu, sel, d, call, cpu->rip + op->i.len);
		return (NULL);
	}
	emu_fault(cpu, EXC_GP, sel & 0xfffc);
}

static const struct emu_op *
far_jmp(struct emu_cpu *cpu, const struct emu_op *op, uint16_t sel,
    uint64_t off)
{
	return (far_xfer(cpu, op, sel, off, false));
}

static const struct emu_op *
far_call(struct emu_cpu *cpu, const struct emu_op *op, uint16_t sel,
    uint64_t off)
{
	return (far_xfer(cpu, op, sel, off, true));
}

/* EA / 9A: ptr16:16 or ptr16:32 (not in 64-bit mode) */
static H(h_jmp_far_ptr)
{
	return (far_jmp(cpu, op, op->i.imm2, (uint64_t)op->i.imm &
	    emu_mask(op->i.opsize)));
}

static H(h_call_far_ptr)
{
	return (far_call(cpu, op, op->i.imm2, (uint64_t)op->i.imm &
	    emu_mask(op->i.opsize)));
}

/* FF /5, FF /3: m16:16, m16:32, m16:64 */
static void
read_farptr(struct emu_cpu *cpu, const struct emu_op *op, uint16_t *sel,
    uint64_t *off)
{
	uint64_t ea = emu_ea(cpu, op);
	int osz = op->i.opsize;

	*off = emu_read(cpu, op->seg, ea, osz);
	*sel = emu_read(cpu, op->seg, (ea + osz) & emu_amask(op->i.addrsize),
	    2);
}

static H(h_jmp_far_m)
{
	uint16_t sel;
	uint64_t off;

	read_farptr(cpu, op, &sel, &off);
	return (far_jmp(cpu, op, sel, off));
}

static H(h_call_far_m)
{
	uint16_t sel;
	uint64_t off;

	read_farptr(cpu, op, &sel, &off);
	return (far_call(cpu, op, sel, off));
}

/* Check the code segment a RET/IRET returns to (privilege rpl). */
static uint64_t
ret_target(struct emu_cpu *cpu, uint16_t sel)
{
	uint64_t d;
	int type, dpl, rpl = sel & 3;

	if ((sel & 0xfffc) == 0)
		emu_fault(cpu, EXC_GP, 0);
	if (rpl < cpu->cpl)
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	d = emu_read_desc(cpu, sel, EXC_GP);
	type = (d >> 40) & 0x1f;
	dpl = (d >> 45) & 3;
	if ((type & 0x18) != 0x18)
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if ((type & 4) ? dpl > rpl : dpl != rpl)
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if (!(d & (1ULL << 47)))
		emu_fault(cpu, EXC_NP, sel & 0xfffc);
	return (d);
}

/* Check the SS a return to an outer level loads; 0 for a null SS in
 * 64-bit mode. */
static uint64_t
ret_ss(struct emu_cpu *cpu, uint16_t sel, int cpl, bool to64)
{
	uint64_t d;
	int type;

	if ((sel & 0xfffc) == 0) {
		if (to64 && cpl < 3)
			return (0);
		emu_fault(cpu, EXC_GP, 0);
	}
	d = emu_read_desc(cpu, sel, EXC_GP);
	type = (d >> 40) & 0x1f;
	if ((sel & 3) != cpl || ((d >> 45) & 3) != (uint64_t)cpl ||
	    (type & 0x1a) != 0x12)
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if (!(d & (1ULL << 47)))
		emu_fault(cpu, EXC_SS, sel & 0xfffc);
	return (d);
}

/* Leaving for an outer ring: data segments the new CPL may not use
 * become null (SDM "RET", "IRET": "FOR each of segment register...") */
static void
scrub_segs(struct emu_cpu *cpu)
{
	static const int srs[] = { EMU_ES, EMU_DS, EMU_FS, EMU_GS };

	for (unsigned k = 0; k < 4; k++) {
		struct emu_segreg *s = &cpu->seg[srs[k]];
		int dpl = (s->access >> 5) & 3, type = s->access & 0xf;
		if (s->access & SEG_ACC_UNUSABLE)
			continue;
		if ((!(type & 8) || !(type & 4)) && dpl < cpu->cpl) {
			s->sel = 0;
			s->access |= SEG_ACC_UNUSABLE;
		}
	}
}

static void
load_ss_ret(struct emu_cpu *cpu, uint16_t sel, uint64_t d)
{
	if (d == 0) {
		cpu->seg[EMU_SS].sel = sel;
		cpu->seg[EMU_SS].base = 0;
		cpu->seg[EMU_SS].limit = 0xffffffff;
		cpu->seg[EMU_SS].access = SEG_ACC_UNUSABLE |
		    SEG_ACC_DPL(cpu->cpl);
		emu_update_mode(cpu);
	} else {
		emu_set_seg_cache(cpu, EMU_SS, sel, d | (1ULL << 40));
	}
}

/* CB, CA iw: far RET */
static H(h_ret_far)
{
	int osz = op->i.opsize;
	uint64_t m = emu_sp_mask(cpu), sp = cpu->r[R_SP] & m;
	uint64_t imm = op->i.op == 0xca ? ((uint64_t)op->i.imm & 0xffff) : 0;
	uint64_t ip = emu_read(cpu, EMU_SS, sp, osz), d, sd;
	uint16_t sel = emu_read(cpu, EMU_SS, (sp + osz) & m, 2);
	int rpl = sel & 3;

	if (!prot(cpu)) {
		check_real_target(cpu, ip, osz);
		cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | ((sp + 2 * osz + imm) & m);
		emu_seg_real(cpu, EMU_CS, sel);
		return (emu_branch(cpu, ip, osz));
	}
	d = ret_target(cpu, sel);
	ip &= emu_mask(osz);
	if (rpl == cpu->cpl) {
		check_target(cpu, d, ip);
		cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | ((sp + 2 * osz + imm) & m);
		emu_load_cs_desc(cpu, sel, d, rpl);
		return (emu_branch(cpu, ip, osz));
	}
	/* to an outer privilege level: SS:SP follow on the stack */
	{
		uint64_t nsp = emu_read(cpu, EMU_SS, (sp + 2 * osz + imm) & m,
		    osz);
		uint16_t nss = emu_read(cpu, EMU_SS, (sp + 3 * osz + imm) & m,
		    2);
		bool to64 = (cpu->efer & EFER_LMA) && (d & (1ULL << 53));

		sd = ret_ss(cpu, nss, rpl, to64);
		check_target(cpu, d, ip);
		emu_load_cs_desc(cpu, sel, d, rpl);
		load_ss_ret(cpu, nss, sd);
		m = emu_sp_mask(cpu);
		cpu->r[R_SP] = osz == 8 ? nsp + imm :
		    (cpu->r[R_SP] & ~m) | ((nsp + imm) & m);
		scrub_segs(cpu);
	}
	return (emu_branch(cpu, ip, osz));
}

/* CF: IRET / IRETD / IRETQ (SDM vol. 2 "IRET") */
static H(h_iret)
{
	int osz = op->i.opsize;
	uint64_t m = emu_sp_mask(cpu), sp = cpu->r[R_SP] & m;
	uint64_t ip, fl, cur = emu_get_rflags(cpu), chg, d, sd = 0, nsp = 0;
	uint16_t sel, nss = 0;
	int rpl, iopl = (cur & FL_IOPL) >> 12;
	bool lma = cpu->efer & EFER_LMA, pop_ss;

	ip = emu_read(cpu, EMU_SS, sp, osz);
	sel = emu_read(cpu, EMU_SS, (sp + osz) & m, 2);
	fl = emu_read(cpu, EMU_SS, (sp + 2 * osz) & m, osz);

	if (!prot(cpu)) {
		/* real mode; XXX: virtual-8086 IRET with IOPL < 3 */
		check_real_target(cpu, ip, osz);
		cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | ((sp + 3 * osz) & m);
		emu_seg_real(cpu, EMU_CS, sel);
		if (osz == 2)
			fl = (cur & ~0xffffULL) | (fl & 0xffff);
		else
			fl = (fl & 0x257fd5) | (cur & 0x1a0000);
		emu_set_rflags(cpu, fl);
		cpu->nmi_blocked = false;
		return (emu_branch(cpu, ip, osz));
	}
	if (cur & FL_NT) {
		/* a nested task returns through its TSS's back link; long
		 * mode has no task switching (SDM vol. 2 "IRET") */
		if (lma)
			emu_fault(cpu, EXC_GP, 0);
		emu_task_iret(cpu, next_rip(cpu, op));
		cpu->nmi_blocked = false;
		return (NULL);
	}
	if (!lma && (fl & FL_VM) && cpu->cpl == 0)
		emu_unimpl(cpu);	/* XXX: return to virtual-8086 mode */

	d = ret_target(cpu, sel);
	rpl = sel & 3;
	pop_ss = rpl > cpu->cpl || (lma && osz == 8);
	if (pop_ss) {
		bool to64 = lma && (d & (1ULL << 53));
		nsp = emu_read(cpu, EMU_SS, (sp + 3 * osz) & m, osz);
		nss = emu_read(cpu, EMU_SS, (sp + 4 * osz) & m, 2);
		sd = ret_ss(cpu, nss, rpl, to64);
	}
	ip &= emu_mask(osz);
	check_target(cpu, d, ip);

	/* which flags may change, by the CPL we return *from* */
	chg = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_RF | FL_AC | FL_ID;
	if (cpu->cpl == 0)
		chg |= FL_IOPL | FL_VIF | FL_VIP;
	if (cpu->cpl <= iopl)
		chg |= FL_IF;
	if (osz == 2)
		chg &= 0xffff;
	fl = (cur & ~chg) | (fl & chg);

	emu_load_cs_desc(cpu, sel, d, rpl);
	emu_set_rflags(cpu, fl);
	cpu->nmi_blocked = false;	/* IRET ends NMI blocking (SDM §6.7.1) */
	if (pop_ss) {
		load_ss_ret(cpu, nss, sd);
		m = emu_sp_mask(cpu);
		cpu->r[R_SP] = osz == 8 ? nsp : (cpu->r[R_SP] & ~m) | (nsp & m);
		if (rpl > 0)
			scrub_segs(cpu);
	} else {
		cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | ((sp + 3 * osz) & m);
	}
	return (emu_branch(cpu, ip, osz));
}

/* ---- software interrupts ---- */

static const struct emu_op *
soft_int(struct emu_cpu *cpu, const struct emu_op *op, int vec, bool soft)
{
	/* XXX: virtual-8086 mode with IOPL < 3 must #GP(0) */
	emu_deliver(cpu, vec, false, 0, soft, next_rip(cpu, op));
	return (NULL);
}

static H(h_int) { return (soft_int(cpu, op, op->i.imm & 0xff, true)); }
static H(h_int3)
{
	/* a debugger's breakpoint (gdb): exit instead of raising #BP */
	if (unlikely(cpu->caps[VM_CAP_BPT_EXIT]))
		emu_dbg_bpt(cpu, op);
	return (soft_int(cpu, op, EXC_BP, true));
}
static H(h_int1) { return (soft_int(cpu, op, EXC_DB, false)); }

static H(h_into)
{
	if (!emu_get_of(cpu))
		return (emu_next(cpu, op));
	return (soft_int(cpu, op, EXC_OF, true));
}

#define T EMU_F_TERM
/*
 * Jcc does not end a block: not taken, the block just goes on (the
 * handler returns op + 1); taken, it leaves the block like any branch.
 */
#define JCC_ROWS(map, base)						\
	{ map, base + 0, -1, 0, h_jcc_0, 0, 0 },				\
	{ map, base + 1, -1, 0, h_jcc_1, 0, 0 },				\
	{ map, base + 2, -1, 0, h_jcc_2, 0, 0 },				\
	{ map, base + 3, -1, 0, h_jcc_3, 0, 0 },				\
	{ map, base + 4, -1, 0, h_jcc_4, 0, 0 },				\
	{ map, base + 5, -1, 0, h_jcc_5, 0, 0 },				\
	{ map, base + 6, -1, 0, h_jcc_6, 0, 0 },				\
	{ map, base + 7, -1, 0, h_jcc_7, 0, 0 },				\
	{ map, base + 8, -1, 0, h_jcc_8, 0, 0 },				\
	{ map, base + 9, -1, 0, h_jcc_9, 0, 0 },				\
	{ map, base + 10, -1, 0, h_jcc_10, 0, 0 },				\
	{ map, base + 11, -1, 0, h_jcc_11, 0, 0 },				\
	{ map, base + 12, -1, 0, h_jcc_12, 0, 0 },				\
	{ map, base + 13, -1, 0, h_jcc_13, 0, 0 },				\
	{ map, base + 14, -1, 0, h_jcc_14, 0, 0 },				\
	{ map, base + 15, -1, 0, h_jcc_15, 0, 0 }

const struct emu_opreg emu_control_ops[] = {
	OP1(0xeb, h_jmp_rel, T),
	OP1(0xe9, h_jmp_rel, T),
	JCC_ROWS(EMU_MAP_1B, 0x70),
	JCC_ROWS(EMU_MAP_0F, 0x80),
	OP1(0xe8, h_call_rel, T),
	OP1G(0xff, 2, h_call_rm, T),
	OP1G(0xff, 4, h_jmp_rm, T),
	OP1(0xc3, h_ret, T),
	OP1(0xc2, h_ret, T),
	OP1(0xe0, h_loop, T),
	OP1(0xe1, h_loop, T),
	OP1(0xe2, h_loop, T),
	OP1(0xe3, h_loop, T),
	OP1(0xea, h_jmp_far_ptr, T),
	OP1(0x9a, h_call_far_ptr, T),
	OP1G(0xff, 5, h_jmp_far_m, T | EMU_F_MEM),
	OP1G(0xff, 3, h_call_far_m, T | EMU_F_MEM),
	OP1(0xcb, h_ret_far, T),
	OP1(0xca, h_ret_far, T),
	OP1(0xcf, h_iret, T),
	OP1(0xcd, h_int, T),
	OP1(0xcc, h_int3, T),
	OP1(0xf1, h_int1, T),
	OP1(0xce, h_into, T),
	OPEND
};
