/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * except.c: exceptions and interrupts of the emu backend: raising a guest
 * fault (longjmp back to the run loop, blink style), the double-fault and
 * triple-fault rules (SDM 3A §6.15, table 6-5), and delivery through the
 * real-mode IVT, 32-bit IDT gates (interrupt, trap and task gates, the
 * last through task.c) and 64-bit IDT gates with stack switch and IST
 * (SDM 3A §6.12, §6.14).
 */
#include "vmm/emu/cpu.h"
#include "vmm/emu/task.h"
#include "vmm/emu/trace.h"

bool
emu_vec_has_err(int vec)
{
	switch (vec) {
	case EXC_DF: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP:
	case EXC_PF: case EXC_AC:
		return (true);
	}
	return (false);
}

void
emu_fault(struct emu_cpu *cpu, int vec, uint32_t err)
{
	cpu->exc_vec = vec;
	cpu->exc_err = err;
	cpu->exc_has_err = emu_vec_has_err(vec);
	longjmp(cpu->jb, EMU_JMP_FAULT);
}

void
emu_fault_noerr(struct emu_cpu *cpu, int vec)
{
	emu_fault(cpu, vec, 0);
}

void
emu_unimpl(struct emu_cpu *cpu)
{
	cpu->vcpu->stats[VMST_UD_UNIMPL]++;
	emu_fault(cpu, EXC_UD, 0);
}

void
emu_exit_longjmp(struct emu_cpu *cpu)
{
	longjmp(cpu->jb, EMU_JMP_EXIT);
}

static bool
contributory(int vec)
{
	return (vec == EXC_DE || (vec >= EXC_TS && vec <= EXC_GP));
}

/*
 * An exception was raised (by an instruction or by the delivery of an
 * earlier one).  A fault while delivering #DF is a triple fault: it leaves
 * a pending VM_SUSPEND_TRIPLEFAULT exit for the run loop.
 */
void
emu_exception(struct emu_cpu *cpu, int vec, bool has_err, uint32_t err)
{
	int prev = cpu->delivering;

	if (prev >= 0) {
		/* SDM 3A table 6-5: which pairs become #DF */
		if (prev == EXC_DF) {
			if (unlikely(emu_trace_mask))
				emu_trace_triple(cpu, prev, vec, err);
			cpu->delivering = -1;
			cpu->exit_pending = true;
			memset(&cpu->exit_vme, 0, sizeof(cpu->exit_vme));
			cpu->exit_vme.exitcode = VM_EXITCODE_SUSPENDED;
			cpu->exit_vme.u.suspended.how = VM_SUSPEND_TRIPLEFAULT;
			return;
		}
		if ((contributory(prev) && contributory(vec)) ||
		    (prev == EXC_PF && (contributory(vec) || vec == EXC_PF))) {
			vec = EXC_DF;
			has_err = true;
			err = 0;
		}
	}
	cpu->delivering = vec;
	emu_deliver(cpu, vec, has_err, err, false, cpu->rip);
	cpu->delivering = -1;
}

/* ---- delivery ---- */

static void
deliver_real(struct emu_cpu *cpu, int vec, uint64_t ret_rip)
{
	uint64_t fl = emu_get_rflags(cpu);
	uint16_t ip, cs;

	if ((uint32_t)vec * 4 + 3 > cpu->idtr_limit)
		emu_fault(cpu, EXC_GP, vec * 8 + 2);
	ip = emu_read_sys(cpu, cpu->idtr_base + vec * 4, 2);
	cs = emu_read_sys(cpu, cpu->idtr_base + vec * 4 + 2, 2);
	emu_push(cpu, 2, fl);
	emu_push(cpu, 2, cpu->seg[EMU_CS].sel);
	emu_push(cpu, 2, ret_rip);
	cpu->rflags &= ~(uint64_t)(FL_IF | FL_TF | FL_AC | FL_RF);
	emu_seg_real(cpu, EMU_CS, cs);
	cpu->rip = ip;
}

/* Stack pointer for privilege level dpl from the TSS (SDM 3A §7.2.1):
 * seg.c reads it with the TSS limit checks (#TS). */
static void
tss_stack(struct emu_cpu *cpu, int dpl, uint32_t ext, uint16_t *ss,
    uint64_t *sp)
{
	emu_tss_stack(cpu, dpl, ext, ss, sp);
}

/* Read an IDT gate and check it (SDM 3A §6.12.1.1). */
static uint64_t
read_gate(struct emu_cpu *cpu, int vec, bool soft, uint32_t ext,
    uint64_t *hi)
{
	int gsize = (cpu->efer & EFER_LMA) ? 16 : 8;
	uint32_t idterr = vec * 8 + 2 + ext;
	uint64_t lo;
	int type, dpl;

	if ((uint32_t)vec * gsize + gsize - 1 > cpu->idtr_limit)
		emu_fault(cpu, EXC_GP, idterr);
	lo = emu_read_sys(cpu, cpu->idtr_base + vec * gsize, 8);
	*hi = gsize == 16 ? emu_read_sys(cpu, cpu->idtr_base + vec * gsize +
	    8, 8) : 0;
	type = (lo >> 40) & 0x1f;	/* S and type */
	dpl = (lo >> 45) & 3;
	if (gsize == 16) {
		if (type != 0xe && type != 0xf)
			emu_fault(cpu, EXC_GP, idterr);
	} else if (type != 0x5 && type != 0x6 && type != 0x7 && type != 0xe &&
	    type != 0xf) {
		emu_fault(cpu, EXC_GP, idterr);
	}
	if (soft && dpl < cpu->cpl)
		emu_fault(cpu, EXC_GP, idterr);
	if (!(lo & (1ULL << 47)))
		emu_fault(cpu, EXC_NP, idterr);
	return (lo);
}

void
emu_deliver(struct emu_cpu *cpu, int vec, bool has_err, uint32_t err,
    bool soft, uint64_t ret_rip)
{
	uint32_t ext = soft ? 0 : 1;
	uint64_t lo, hi, cd, target, fl, sp, ssbase, spmask, newsd = 0;
	uint64_t frame[6];
	int nf = 0, wsize, dcpl, type, gtype;
	uint16_t sel, newss = 0;
	bool lm = cpu->efer & EFER_LMA, sw;

	cpu->vcpu->stats[VMST_EXCEPTIONS]++;
	if (unlikely(emu_trace_mask & EMU_TR_EXC))
		emu_trace_deliver(cpu, vec, has_err, err, soft);
	if (!(cpu->cr0 & CR0_PE)) {
		deliver_real(cpu, vec, ret_rip);
		return;
	}
	/* XXX: virtual-8086 mode delivery is not implemented */

	lo = read_gate(cpu, vec, soft, ext, &hi);
	gtype = (lo >> 40) & 0xf;
	if (gtype == 0x5) {
		/* task gate (32-bit IDT only): a task switch (task.c) */
		emu_task_gate_int(cpu, lo, has_err, err, ext, ret_rip);
		return;
	}
	sel = (lo >> 16) & 0xffff;
	target = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ULL) | (hi << 32);
	if ((sel & 0xfffc) == 0)
		emu_fault(cpu, EXC_GP, ext);
	cd = emu_read_desc_ext(cpu, sel, EXC_GP, ext);
	type = (cd >> 40) & 0x1f;
	dcpl = (cd >> 45) & 3;
	if ((type & 0x18) != 0x18 || dcpl > cpu->cpl)
		emu_fault(cpu, EXC_GP, (sel & 0xfffc) | ext);
	if (lm && (!(cd & (1ULL << 53)) || (cd & (1ULL << 54))))
		emu_fault(cpu, EXC_GP, (sel & 0xfffc) | ext);
	if (!(cd & (1ULL << 47)))
		emu_fault(cpu, EXC_NP, (sel & 0xfffc) | ext);
	if (type & 4)
		dcpl = cpu->cpl;	/* conforming: stay at CPL */
	/* the handler's offset against its CS, before anything changes
	 * (vol. 2 "INT n": #GP(EXT); 64-bit: not canonical) */
	if (!lm)
		target &= (gtype & 8) ? 0xffffffffULL : 0xffffULL;
	if ((lm && (cd & (1ULL << 53))) ?
	    (uint64_t)((int64_t)(target << 16) >> 16) != target :
	    target > emu_desc_limit(cd))
		emu_fault(cpu, EXC_GP, ext);

	fl = emu_get_rflags(cpu);
	if (lm) {
		int ist = (lo >> 32) & 7;

		wsize = 8;
		sw = dcpl < cpu->cpl || ist != 0;
		if (ist != 0)
			sp = emu_read_sys(cpu, cpu->seg[EMU_TR].base + 0x24 +
			    (ist - 1) * 8, 8);
		else if (dcpl < cpu->cpl)
			sp = emu_read_sys(cpu, cpu->seg[EMU_TR].base + 4 +
			    dcpl * 8, 8);
		else
			sp = cpu->r[R_SP];
		sp &= ~0xfULL;		/* SDM 3A §6.14.2: 16-byte aligned */
		ssbase = 0;
		spmask = ~0ULL;
		/* 64-bit mode always pushes SS:RSP */
		frame[nf++] = cpu->seg[EMU_SS].sel;
		frame[nf++] = cpu->r[R_SP];
		newss = dcpl;		/* null selector, RPL = new CPL */
		sw = dcpl < cpu->cpl;
	} else {
		wsize = (gtype & 8) ? 4 : 2;
		sw = dcpl < cpu->cpl;
		if (sw) {
			uint64_t sd;
			tss_stack(cpu, dcpl, ext, &newss, &sp);
			/* null, RPL/DPL, writable data (#TS), present (#SS) */
			sd = emu_check_new_ss(cpu, newss, dcpl, ext);
			newsd = sd;
			ssbase = emu_desc_base(sd);
			spmask = (sd & (1ULL << 54)) ? 0xffffffffULL : 0xffffULL;
			frame[nf++] = cpu->seg[EMU_SS].sel;
			frame[nf++] = cpu->r[R_SP];
		} else {
			sp = cpu->r[R_SP];
			ssbase = cpu->seg[EMU_SS].base;
			spmask = emu_sp_mask(cpu);
		}
	}
	frame[nf++] = fl;
	frame[nf++] = cpu->seg[EMU_CS].sel;
	frame[nf++] = ret_rip;
	if (has_err)
		frame[nf++] = err;

	/*
	 * The whole frame must fit in the stack segment before anything is
	 * written (vol. 2 "INT n": #SS(EXT) on the current stack, #SS(new
	 * SS | EXT) on an inner one); 64-bit mode has no limit.
	 */
	for (int i = 1; !lm && i <= nf; i++) {
		uint64_t off = (sp - (uint64_t)i * wsize) & spmask;

		if (sw ? !emu_seg_fits(newsd, off, wsize) :
		    !emu_segreg_fits(&cpu->seg[EMU_SS], off, wsize))
			emu_fault(cpu, EXC_SS, sw ? ((newss & 0xfffc) |
			    ext) : ext);
	}
	/* write the frame as supervisor accesses, then commit */
	for (int i = 0; i < nf; i++) {
		uint64_t la;
		sp -= wsize;
		la = ssbase + (sp & spmask);
		if (!lm)
			la &= 0xffffffffULL;
		emu_write_sys(cpu, la, wsize, frame[i]);
	}

	if (lm) {
		if (sw) {
			cpu->seg[EMU_SS].sel = newss;
			cpu->seg[EMU_SS].base = 0;
			cpu->seg[EMU_SS].limit = 0xffffffff;
			cpu->seg[EMU_SS].access = SEG_ACC_UNUSABLE |
			    SEG_ACC_DPL(dcpl);
		}
		cpu->r[R_SP] = sp;
	} else if (sw) {
		emu_desc_set_accessed(cpu, newss, newsd);
		emu_set_seg_cache(cpu, EMU_SS, newss, newsd | (1ULL << 40));
		cpu->r[R_SP] = (cpu->r[R_SP] & ~spmask) | (sp & spmask);
	} else {
		cpu->r[R_SP] = (cpu->r[R_SP] & ~spmask) | (sp & spmask);
	}
	emu_load_cs_desc(cpu, sel, cd, dcpl);
	if (wsize == 2)
		target &= 0xffff;
	else if (wsize == 4)
		target &= 0xffffffffULL;
	cpu->rip = target;
	cpu->rflags &= ~(uint64_t)(FL_TF | FL_NT | FL_RF | FL_VM);
	if (!(gtype & 1))
		cpu->rflags &= ~(uint64_t)FL_IF;	/* interrupt gate */
}
