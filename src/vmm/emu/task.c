/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * task.c: hardware task switching in the emu backend (Intel SDM vol. 3A
 * ch. 8 "Task Management", §8.3, table 8-2; vol. 2 "JMP", "CALL", "IRET",
 * "INT n"): far JMP/CALL to a TSS or a task gate, IRET with EFLAGS.NT and
 * interrupts/exceptions through IDT task gates, with 32-bit and 16-bit
 * TSSes, the busy bit, NT and the back link, CR3, LDTR, CR0.TS, DR7's
 * local enables and the TSS T bit.  Legacy protected mode only: long mode
 * has no task switching (#GP).
 *
 * Faults before the "commit point" (the new TSS's descriptor, limit and
 * busy checks, and the old/new TSS being reachable) leave every register
 * as it was.  After it, the new task's state is loaded first and the
 * segment checks fault in the new task's context, as the SDM says (§8.3,
 * and the #TS entry of §6.15): the saved CS:EIP is the new task's.
 */
#include "vmm/emu/task.h"

/* Where the fields live in a 32-bit and a 16-bit TSS (SDM 3A §8.2.1,
 * §8.6). */
struct tss_layout {
	uint32_t eip, eflags, gpr, seg, ldt;
	int fsize;		/* bytes of EIP, EFLAGS and each GPR */
	int segstride;		/* bytes between selector fields */
	int nseg;		/* ES CS SS DS [FS GS] */
	uint32_t minlimit;	/* a smaller limit is #TS (table 8-2) */
	uint32_t savelimit;	/* last byte written when saving a task */
};

static const struct tss_layout tss32 = {
	.eip = 0x20, .eflags = 0x24, .gpr = 0x28, .seg = 0x48, .ldt = 0x60,
	.fsize = 4, .segstride = 4, .nseg = 6, .minlimit = 0x67,
	.savelimit = 0x5f,
};

static const struct tss_layout tss16 = {
	.eip = 0x0e, .eflags = 0x10, .gpr = 0x12, .seg = 0x22, .ldt = 0x2a,
	.fsize = 2, .segstride = 2, .nseg = 4, .minlimit = 0x2b,
	.savelimit = 0x29,
};

#define DESC_P		(1ULL << 47)
#define DESC_BUSY	(2ULL << 40)

static inline uint64_t
rd(struct emu_cpu *cpu, uint32_t la, int size)
{
	return (emu_read_sys(cpu, la, size));
}

static inline void
wr(struct emu_cpu *cpu, uint32_t la, int size, uint64_t v)
{
	emu_write_sys(cpu, la, size, v);
}

/* Set or clear the busy bit of the TSS descriptor sel in the GDT. */
static void
set_busy(struct emu_cpu *cpu, uint16_t sel, bool busy)
{
	uint32_t a = (uint32_t)(cpu->gdtr_base + (sel & ~7) + 5);
	uint8_t b = rd(cpu, a, 1);

	wr(cpu, a, 1, busy ? (b | 2) : (b & ~2));
}

/*
 * The new task's TSS descriptor (table 8-2, vol. 2 "JMP"/"CALL"/"IRET"):
 * a GDT selector within the limit, a TSS type, available for JMP/CALL/INT
 * and busy for IRET, present.  Errors name the TSS selector; they are
 * #GP except for IRET, which gives #TS.
 */
static uint64_t
tss_lookup(struct emu_cpu *cpu, uint16_t sel, enum emu_task_src src,
    uint32_t ext)
{
	int vec = src == EMU_TASK_IRET ? EXC_TS : EXC_GP;
	uint32_t err = (sel & 0xfffc) | ext;
	uint64_t d;
	bool busy;

	if ((sel & 4) || (uint32_t)(sel & ~7) + 7 > cpu->gdtr_limit)
		emu_fault(cpu, vec, err);
	d = rd(cpu, (uint32_t)(cpu->gdtr_base + (sel & ~7)), 8);
	/* S = 0 and type 1, 3, 9 or 11 */
	if (((d >> 40) & 0x15) != 0x01)
		emu_fault(cpu, vec, err);
	busy = d & DESC_BUSY;
	if (busy != (src == EMU_TASK_IRET))
		emu_fault(cpu, vec, err);
	if (!(d & DESC_P))
		emu_fault(cpu, EXC_NP, err);
	return (d);
}

/* A fault-free walk for the bytes [la, la + len) of a TSS (SDM 3A §8.3
 * step 5: both TSSes are checked to be in memory before anything
 * changes). */
static void
probe(struct emu_cpu *cpu, uint32_t la, uint32_t len, int acc)
{
	emu_translate(cpu, la, acc, true);
	emu_translate(cpu, (uint32_t)(la + len - 1), acc, true);
}

/*
 * Load a segment register of the new task from its selector, with the
 * checks of table 8-2: errors are #TS(selector), except a segment not
 * present (#NP, #SS for SS).  CPL is already the new CS's RPL.
 */
static void
task_seg(struct emu_cpu *cpu, int sr, uint32_t ext)
{
	uint16_t sel = cpu->seg[sr].sel;
	int rpl = sel & 3, cpl = cpu->cpl, dpl, type;
	uint32_t err = (sel & 0xfffc) | ext, acc;
	uint64_t d;

	if ((sel & 0xfffc) == 0) {
		if (sr == EMU_CS || sr == EMU_SS)
			emu_fault(cpu, EXC_TS, err);
		return;		/* null data selector: stays unusable */
	}
	d = emu_read_desc_ext(cpu, sel, EXC_TS, ext);
	acc = emu_desc_access(d);
	type = acc & 0xf;
	dpl = (acc >> 5) & 3;
	if (!(acc & SEG_ACC_S))
		emu_fault(cpu, EXC_TS, err);
	switch (sr) {
	case EMU_CS:
		/* code; conforming DPL <= RPL, non-conforming DPL = RPL */
		if (!(type & 8) || ((type & 4) ? dpl > rpl : dpl != rpl))
			emu_fault(cpu, EXC_TS, err);
		if (!(acc & SEG_ACC_P))
			emu_fault(cpu, EXC_NP, err);
		break;
	case EMU_SS:
		if ((type & 8) || !(type & 2) || dpl != cpl || rpl != cpl)
			emu_fault(cpu, EXC_TS, err);
		if (!(acc & SEG_ACC_P))
			emu_fault(cpu, EXC_SS, err);
		break;
	default:
		/* readable; data and non-conforming code: DPL >= CPL, RPL */
		if ((type & 0xa) == 0x8)
			emu_fault(cpu, EXC_TS, err);
		if ((!(type & 8) || !(type & 4)) && (dpl < cpl || dpl < rpl))
			emu_fault(cpu, EXC_TS, err);
		if (!(acc & SEG_ACC_P))
			emu_fault(cpu, EXC_NP, err);
		break;
	}
	emu_desc_set_accessed(cpu, sel, d);
	emu_set_seg_cache(cpu, sr, sel, d | (1ULL << 40));
}

/* LDTR of the new task: null, or an LDT descriptor in the GDT that is
 * present; anything else is #TS(LDT selector). */
static void
task_ldt(struct emu_cpu *cpu, uint16_t sel, uint32_t ext)
{
	struct emu_segreg *l = &cpu->seg[EMU_LDTR];
	uint32_t err = (sel & 0xfffc) | ext;
	uint64_t d;

	l->sel = sel;
	l->base = 0;
	l->limit = 0;
	l->access = SEG_ACC_UNUSABLE;
	if ((sel & 0xfffc) == 0)
		return;
	if ((sel & 4) || (uint32_t)(sel & ~7) + 7 > cpu->gdtr_limit)
		emu_fault(cpu, EXC_TS, err);
	d = rd(cpu, (uint32_t)(cpu->gdtr_base + (sel & ~7)), 8);
	if (((d >> 40) & 0x1f) != 0x02 || !(d & DESC_P))
		emu_fault(cpu, EXC_TS, err);
	l->base = emu_desc_base(d);
	l->limit = emu_desc_limit(d);
	l->access = emu_desc_access(d);
}

/*
 * The switch itself (SDM 3A §8.3 steps 4-13) to the task whose TSS
 * descriptor d (already checked by tss_lookup) sel names.  ret_eip is
 * the EIP saved for the outgoing task.  Returns the new TSS's T bit.
 */
static bool
task_switch(struct emu_cpu *cpu, uint16_t sel, uint64_t d,
    enum emu_task_src src, uint32_t ext, uint64_t ret_eip)
{
	struct emu_segreg *tr = &cpu->seg[EMU_TR];
	const struct tss_layout *nl = (d & (1ULL << 43)) ? &tss32 : &tss16;
	const struct tss_layout *ol = (tr->access & 8) ? &tss32 : &tss16;
	uint32_t nbase = emu_desc_base(d), nlimit = emu_desc_limit(d);
	uint32_t obase = tr->base, cr3 = 0, eip, fl, gpr[8];
	uint16_t segs[6] = { 0 }, ldt, osel = tr->sel;
	bool nest = src == EMU_TASK_CALL || src == EMU_TASK_INT, trap = false;
	uint64_t ofl;

	if (nlimit < nl->minlimit)
		emu_fault(cpu, EXC_TS, (sel & 0xfffc) | ext);
	if ((tr->access & SEG_ACC_UNUSABLE) || tr->limit < ol->savelimit)
		emu_fault(cpu, EXC_TS, (osel & 0xfffc) | ext);
	probe(cpu, obase, ol->savelimit + 1, ACC_W);
	probe(cpu, nbase, nl->minlimit + 1, nest ? ACC_W : ACC_R);

	/* read the whole incoming state before anything changes */
	if (nl == &tss32)
		cr3 = rd(cpu, nbase + 0x1c, 4);
	eip = rd(cpu, nbase + nl->eip, nl->fsize);
	fl = rd(cpu, nbase + nl->eflags, nl->fsize);
	for (int i = 0; i < 8; i++) {
		gpr[i] = rd(cpu, nbase + nl->gpr + i * nl->fsize, nl->fsize);
		/* 16-bit TSS: the upper halves are not maintained (§8.6);
		 * all-ones, as Bochs and QEMU load them */
		if (nl->fsize == 2)
			gpr[i] |= 0xffff0000u;
	}
	for (int i = 0; i < nl->nseg; i++)
		segs[i] = rd(cpu, nbase + nl->seg + i * nl->segstride, 2);
	ldt = rd(cpu, nbase + nl->ldt, 2);
	if (nl == &tss32)
		trap = rd(cpu, nbase + 0x64, 2) & 1;
	if (fl & FL_VM)
		emu_unimpl(cpu);	/* XXX: virtual-8086 tasks */

	/* save the outgoing task (step 8); IRET saves NT clear (step 7) */
	ofl = emu_get_rflags(cpu);
	if (src == EMU_TASK_IRET)
		ofl &= ~(uint64_t)FL_NT;
	wr(cpu, obase + ol->eip, ol->fsize, ret_eip);
	wr(cpu, obase + ol->eflags, ol->fsize, ofl);
	for (int i = 0; i < 8; i++)
		wr(cpu, obase + ol->gpr + i * ol->fsize, ol->fsize, cpu->r[i]);
	for (int i = 0; i < ol->nseg; i++)
		wr(cpu, obase + ol->seg + i * ol->segstride, 2,
		    cpu->seg[i].sel);

	/* busy bits (steps 6, 10), back link and NT (step 9) */
	if (src == EMU_TASK_JMP || src == EMU_TASK_IRET)
		set_busy(cpu, osel, false);
	if (nest) {
		wr(cpu, nbase, 2, osel);
		fl |= FL_NT;
	}
	if (src != EMU_TASK_IRET)
		set_busy(cpu, sel, true);

	/* commit: TR, then the new task's registers (steps 11, 12) */
	tr->sel = sel;
	tr->base = nbase;
	tr->limit = nlimit;
	tr->access = emu_desc_access(d | DESC_BUSY);
	cpu->cr0 |= CR0_TS;
	cpu->dr7 &= ~0x55ULL;		/* L0-L3 (SDM 3A §18.2.4) */
	if (nl == &tss32 && (cpu->cr0 & CR0_PG))
		(void)emu_set_cr(cpu, 3, cr3, false);
	for (int i = 0; i < 8; i++)
		cpu->r[i] = gpr[i];
	emu_set_rflags(cpu, fl);
	cpu->rip = eip;
	/* the selectors first: a fault below is taken in the new task with
	 * these selectors in the segment registers */
	for (int i = 0; i < 6; i++) {
		cpu->seg[i].sel = segs[i];
		cpu->seg[i].base = 0;
		cpu->seg[i].limit = 0;
		cpu->seg[i].access = SEG_ACC_UNUSABLE;
	}
	emu_set_cpl(cpu, segs[EMU_CS] & 3);
	emu_update_mode(cpu);
	task_ldt(cpu, ldt, ext);
	task_seg(cpu, EMU_CS, ext);
	task_seg(cpu, EMU_SS, ext);
	task_seg(cpu, EMU_ES, ext);
	task_seg(cpu, EMU_DS, ext);
	task_seg(cpu, EMU_FS, ext);
	task_seg(cpu, EMU_GS, ext);
	return (trap);
}

/* The new TSS had T set: #DB (a trap, BT in DR6) before its first
 * instruction (SDM 3A §18.3.1.5). */
static void
task_trap(struct emu_cpu *cpu, bool trap)
{
	if (trap) {
		cpu->dr6 |= 1u << 15;
		emu_fault(cpu, EXC_DB, 0);
	}
}

void
emu_task_far(struct emu_cpu *cpu, uint16_t sel, uint64_t d, bool call,
    uint64_t ret_eip)
{
	enum emu_task_src src = call ? EMU_TASK_CALL : EMU_TASK_JMP;
	int type = (d >> 40) & 0x1f, dpl = (d >> 45) & 3;
	uint16_t tsel = sel;

	if (cpu->efer & EFER_LMA)
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if (dpl < cpu->cpl || dpl < (sel & 3))
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if (type == 0x05) {
		/* task gate: its DPL is checked, the TSS's is not */
		if (!(d & DESC_P))
			emu_fault(cpu, EXC_NP, sel & 0xfffc);
		tsel = (d >> 16) & 0xffff;
	} else if ((sel & 4) || (type & 2)) {
		/* a TSS in the LDT, or busy */
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	}
	d = tss_lookup(cpu, tsel, src, 0);
	task_trap(cpu, task_switch(cpu, tsel, d, src, 0, ret_eip));
}

void
emu_task_iret(struct emu_cpu *cpu, uint64_t ret_eip)
{
	struct emu_segreg *tr = &cpu->seg[EMU_TR];
	uint16_t link;
	uint64_t d;

	if (cpu->efer & EFER_LMA)
		emu_fault(cpu, EXC_GP, 0);
	link = rd(cpu, tr->base, 2);
	d = tss_lookup(cpu, link, EMU_TASK_IRET, 0);
	task_trap(cpu, task_switch(cpu, link, d, EMU_TASK_IRET, 0, ret_eip));
}

void
emu_task_gate_int(struct emu_cpu *cpu, uint64_t gate, bool has_err,
    uint32_t err, uint32_t ext, uint64_t ret_eip)
{
	uint16_t tsel = (gate >> 16) & 0xffff;
	uint64_t d, sp;
	bool trap;
	int size;

	d = tss_lookup(cpu, tsel, EMU_TASK_INT, ext);
	trap = task_switch(cpu, tsel, d, EMU_TASK_INT, ext, ret_eip);
	if (has_err) {
		/* on the new task's stack, sized by its TSS (vol. 2 "INT n",
		 * TASK-GATE) */
		struct emu_segreg *ss = &cpu->seg[EMU_SS];
		uint64_t m = emu_sp_mask(cpu);

		size = (d & (1ULL << 43)) ? 4 : 2;
		sp = (cpu->r[R_SP] - size) & m;
		if (!emu_segreg_fits(ss, sp, size))
			emu_fault(cpu, EXC_SS, ext);
		emu_write_la(cpu, (uint32_t)(ss->base + sp), size, err);
		cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | sp;
	}
	task_trap(cpu, trap);
}
