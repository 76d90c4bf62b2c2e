/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * system.c: system instructions of the emu backend and the mode state they
 * change: MOV to/from CR0/2/3/4/8 and DRn, CR0.PE/PG + CR4.PAE + EFER.LME
 * -> long mode (SDM 3A §9.8.5), LGDT/LIDT/SGDT/SIDT/LLDT/LTR/SLDT/STR,
 * SMSW/LMSW, INVLPG, CLTS, VERR/VERW, LAR/LSL, IN/OUT with the TSS I/O
 * permission bitmap, HLT, PAUSE, CLI/STI, CPUID, RDMSR/WRMSR, RDTSC(P),
 * SYSCALL/SYSRET, SWAPGS, SYSENTER/SYSEXIT, fences and CLFLUSH.
 */
#include "vmm/emu/ops.h"

/* ---- mode ---- */

void
emu_set_cpl(struct emu_cpu *cpu, int cpl)
{
	cpu->cpl = cpl;
	cpu->tlb = cpu->tlbs[cpl == 3];
	/* no chain_gen bump: links and the jump cache are per TLB class */
}

void
emu_update_mode(struct emu_cpu *cpu)
{
	enum emu_pgmode pg;
	uint32_t cs = cpu->seg[EMU_CS].access, ss = cpu->seg[EMU_SS].access;
	int old_mode = cpu->code_mode;

	if (!(cpu->cr0 & CR0_PE))
		emu_set_cpl(cpu, 0);
	else if (cpu->rflags & FL_VM)
		emu_set_cpl(cpu, 3);
	cpu->long64 = (cpu->efer & EFER_LMA) && (cs & SEG_ACC_L);
	cpu->code_mode = cpu->long64 ? 64 : (cs & SEG_ACC_DB) ? 32 : 16;
	cpu->stack_size = cpu->long64 ? 8 : (ss & SEG_ACC_DB) ? 4 : 2;
	/*
	 * Links and the jump cache go by linear address: the decode mode,
	 * and outside 64-bit mode CS's base and limit, must not change
	 * under them (in 64-bit mode, interrupts and IRET keep them).
	 */
	if (cpu->code_mode != old_mode || !cpu->long64)
		cpu->chain_gen++;
	if (!(cpu->cr0 & CR0_PG))
		pg = PG_NONE;
	else if (cpu->efer & EFER_LMA)
		pg = PG_4LVL;
	else if (cpu->cr4 & CR4_PAE)
		pg = PG_PAE;
	else
		pg = PG_32;
	if (pg != cpu->pgmode) {
		/* state set from outside (loaders, set_register) */
		if (pg == PG_PAE)
			(void)emu_load_pdptes(cpu, cpu->cr3);
		cpu->pgmode = pg;
		emu_tlb_flush(cpu);
	}
}

/*
 * Will PAE paging be in use with these CR0/CR4 values?  Then the MOV that
 * sets them latches the PDPTEs (SDM 3A §4.4.1).
 */
static bool
pae_paging(struct emu_cpu *cpu, uint64_t cr0, uint64_t cr4)
{
	return ((cr0 & CR0_PG) && (cr4 & CR4_PAE) &&
	    !(cpu->efer & EFER_LME));
}

#define CR4_VALID	0x7ffULL	/* VME..OSXMMEXCPT; nothing else shown */

/*
 * Write a control register.  check: apply the #GP rules of SDM vol. 2
 * "MOV—Move to/from Control Registers" (the loaders set state directly).
 * Returns -1 where the guest gets #GP(0).
 */
int
emu_set_cr(struct emu_cpu *cpu, int n, uint64_t val, bool check)
{
	uint64_t old;

	switch (n) {
	case 0:
		old = cpu->cr0;
		if (check) {
			if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
			    ((val & CR0_NW) && !(val & CR0_CD)))
				return (-1);
			if ((val & CR0_PG) && !(old & CR0_PG) &&
			    (cpu->efer & EFER_LME) &&
			    (!(cpu->cr4 & CR4_PAE) ||
			    (cpu->seg[EMU_CS].access & SEG_ACC_L)))
				return (-1);
			if (!(val & CR0_PG) && cpu->long64)
				return (-1);
			if (((old ^ val) & (CR0_PG | CR0_CD | CR0_NW)) &&
			    pae_paging(cpu, val, cpu->cr4) &&
			    emu_load_pdptes(cpu, cpu->cr3) != 0)
				return (-1);
		}
		cpu->cr0 = val | CR0_ET;
		if ((val & CR0_PG) && (cpu->efer & EFER_LME))
			cpu->efer |= EFER_LMA;
		else if (!(val & CR0_PG))
			cpu->efer &= ~(uint64_t)EFER_LMA;
		if ((old ^ cpu->cr0) & (CR0_PG | CR0_PE | CR0_WP))
			emu_tlb_flush(cpu);
		emu_update_mode(cpu);
		return (0);
	case 2:
		cpu->cr2 = val;
		return (0);
	case 3:
		if (check && (cpu->efer & EFER_LMA) && (val >> 52))
			return (-1);
		if (cpu->pgmode == PG_PAE && emu_load_pdptes(cpu, val) != 0 &&
		    check)
			return (-1);
		cpu->cr3 = val;
		/* global entries stay unless CR4.PGE is clear (§4.10.4.1) */
		if (cpu->cr4 & CR4_PGE)
			emu_tlb_flush_nonglobal(cpu);
		else
			emu_tlb_flush(cpu);
		return (0);
	case 4:
		if (check && ((val & ~CR4_VALID) ||
		    ((cpu->efer & EFER_LMA) && !(val & CR4_PAE))))
			return (-1);
		if (check && ((cpu->cr4 ^ val) & (CR4_PSE | CR4_PAE |
		    CR4_PGE)) && pae_paging(cpu, cpu->cr0, val) &&
		    emu_load_pdptes(cpu, cpu->cr3) != 0)
			return (-1);
		old = cpu->cr4;
		cpu->cr4 = val;
		if ((old ^ val) & (CR4_PSE | CR4_PAE | CR4_PGE))
			emu_tlb_flush(cpu);
		emu_update_mode(cpu);
		return (0);
	case 8:
		if (check && (val >> 4))
			return (-1);
		emu_set_cr8(cpu, val);	/* the LAPIC TPR (intr.c) */
		return (0);
	}
	return (-1);
}

static inline void
need_cpl0(struct emu_cpu *cpu)
{
	if (cpu->cpl != 0)
		emu_fault(cpu, EXC_GP, 0);
}

static inline bool
prot(struct emu_cpu *cpu)
{
	return ((cpu->cr0 & CR0_PE) && !(cpu->rflags & FL_VM));
}

/* 0F 20 / 0F 22: MOV r, CRn / MOV CRn, r (mod is ignored) */
static H(h_mov_from_cr)
{
	int sz = cpu->long64 ? 8 : 4;
	uint64_t v;

	need_cpl0(cpu);
	switch (op->i.reg) {
	case 0: v = cpu->cr0; break;
	case 2: v = cpu->cr2; break;
	case 3: v = cpu->cr3; break;
	case 4: v = cpu->cr4; break;
	case 8: v = emu_get_cr8(cpu); break;
	default: emu_fault(cpu, EXC_UD, 0);
	}
	emu_setreg(cpu, op->i.rm, sz, 1, v);
	return (emu_next(cpu, op));
}

static H(h_mov_to_cr)
{
	int sz = cpu->long64 ? 8 : 4, n = op->i.reg;

	need_cpl0(cpu);
	if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8)
		emu_fault(cpu, EXC_UD, 0);
	if (emu_set_cr(cpu, n, emu_getreg(cpu, op->i.rm, sz, 1), true) != 0)
		emu_fault(cpu, EXC_GP, 0);
	emu_next(cpu, op);
	return (NULL);		/* paging or mode may have changed */
}

/* 0F 21 / 0F 23: debug registers are stored, breakpoints not armed (XXX) */
static uint64_t *
dreg(struct emu_cpu *cpu, int n)
{
	if ((n == 4 || n == 5) && !(cpu->cr4 & CR4_DE))
		n += 2;
	switch (n) {
	case 0: case 1: case 2: case 3: return (&cpu->dr[n]);
	case 6: return (&cpu->dr6);
	case 7: return (&cpu->dr7);
	}
	emu_fault(cpu, EXC_UD, 0);
}

static H(h_mov_from_dr)
{
	need_cpl0(cpu);
	emu_setreg(cpu, op->i.rm, cpu->long64 ? 8 : 4, 1,
	    *dreg(cpu, op->i.reg));
	return (emu_next(cpu, op));
}

static H(h_mov_to_dr)
{
	uint64_t *p;

	need_cpl0(cpu);
	p = dreg(cpu, op->i.reg);
	*p = emu_getreg(cpu, op->i.rm, cpu->long64 ? 8 : 4, 1);
	return (emu_next(cpu, op));
}

/* ---- descriptor tables ---- */

static void
store_dt(struct emu_cpu *cpu, const struct emu_op *op, uint32_t limit,
    uint64_t base)
{
	uint64_t ea = emu_ea(cpu, op);

	emu_write(cpu, op->seg, ea, 2, limit);
	emu_write(cpu, op->seg, (ea + 2) & emu_amask(op->i.addrsize),
	    cpu->long64 ? 8 : 4, cpu->long64 ? base : (uint32_t)base);
}

static void
load_dt(struct emu_cpu *cpu, const struct emu_op *op, uint32_t *limit,
    uint64_t *base)
{
	uint64_t ea = emu_ea(cpu, op), b;
	uint16_t l;

	need_cpl0(cpu);
	l = emu_read(cpu, op->seg, ea, 2);
	b = emu_read(cpu, op->seg, (ea + 2) & emu_amask(op->i.addrsize),
	    cpu->long64 ? 8 : 4);
	if (!cpu->long64 && op->i.opsize == 2)
		b &= 0xffffff;		/* 16-bit operand size: 24-bit base */
	*limit = l;
	*base = b;
}

/* Load LDTR or TR from a GDT system descriptor (16 bytes in long mode). */
static void
load_sysseg(struct emu_cpu *cpu, int sr, uint16_t sel)
{
	uint64_t d, hi = 0, addr;
	int type;

	if (sr == EMU_LDTR && (sel & 0xfffc) == 0) {
		cpu->seg[EMU_LDTR].sel = sel;
		cpu->seg[EMU_LDTR].access = SEG_ACC_UNUSABLE;
		return;
	}
	if ((sel & 0xfffc) == 0)
		emu_fault(cpu, EXC_GP, 0);
	if (sel & 4)
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	d = emu_read_desc(cpu, sel, EXC_GP);
	type = (d >> 40) & 0x1f;	/* S=0 and the type */
	if (sr == EMU_LDTR ? type != 2 : (type != 9 && type != 1))
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if (cpu->efer & EFER_LMA) {
		if ((sel & ~7) + 15 > cpu->gdtr_limit)
			emu_fault(cpu, EXC_GP, sel & 0xfffc);
		hi = emu_read_sys(cpu, cpu->gdtr_base + (sel & ~7) + 8, 8);
	}
	if (!(d & (1ULL << 47)))
		emu_fault(cpu, EXC_NP, sel & 0xfffc);
	if (sr == EMU_TR) {
		/* mark the TSS busy (SDM 3A §7.2.2) */
		d |= 2ULL << 40;
		addr = cpu->gdtr_base + (sel & ~7);
		emu_write_sys(cpu, addr + 5, 1, (d >> 40) & 0xff);
	}
	cpu->seg[sr].sel = sel;
	cpu->seg[sr].base = emu_desc_base(d) | ((hi & 0xffffffff) << 32);
	cpu->seg[sr].limit = emu_desc_limit(d);
	cpu->seg[sr].access = emu_desc_access(d);
}

/* VERR/VERW/LAR/LSL: may the current CPL use this selector?  Never
 * faults on a bad selector (ZF reports it). */
static bool
sel_visible(struct emu_cpu *cpu, uint16_t sel, uint64_t *dp)
{
	uint64_t base = cpu->gdtr_base, d;
	uint32_t limit = cpu->gdtr_limit;
	int type, dpl;

	if ((sel & 0xfffc) == 0)
		return (false);
	if (sel & 4) {
		if (cpu->seg[EMU_LDTR].access & SEG_ACC_UNUSABLE)
			return (false);
		base = cpu->seg[EMU_LDTR].base;
		limit = cpu->seg[EMU_LDTR].limit;
	}
	if ((uint32_t)(sel & ~7) + 7 > limit)
		return (false);
	d = emu_read_sys(cpu, base + (sel & ~7), 8);
	type = (d >> 40) & 0x1f;
	dpl = (d >> 45) & 3;
	*dp = d;
	/* conforming code skips the privilege check */
	if ((type & 0x1c) == 0x1c)
		return (true);
	return (dpl >= cpu->cpl && dpl >= (sel & 3));
}

static void
set_zf(struct emu_cpu *cpu, bool zf)
{
	emu_flags_sync(cpu);
	cpu->rflags = (cpu->rflags & ~(uint64_t)FL_ZF) | (zf ? FL_ZF : 0);
}

/* 0F 00: SLDT, STR, LLDT, LTR, VERR, VERW */
static H(h_grp6)
{
	uint64_t d;
	uint16_t sel;
	int type;

	if (!prot(cpu))
		emu_fault(cpu, EXC_UD, 0);
	switch (op->i.reg & 7) {
	case 0:
	case 1:
		sel = cpu->seg[(op->i.reg & 7) == 0 ? EMU_LDTR : EMU_TR].sel;
		if (op->i.mod == 3)
			emu_setreg(cpu, op->i.rm, op->i.opsize, op->i.rex, sel);
		else
			emu_write(cpu, op->seg, emu_ea(cpu, op), 2, sel);
		break;
	case 2:
		need_cpl0(cpu);
		load_sysseg(cpu, EMU_LDTR, emu_rm_read(cpu, op, 2));
		break;
	case 3:
		need_cpl0(cpu);
		load_sysseg(cpu, EMU_TR, emu_rm_read(cpu, op, 2));
		break;
	case 4:
	case 5:
		sel = emu_rm_read(cpu, op, 2);
		if (!sel_visible(cpu, sel, &d) || !(d & (1ULL << 44))) {
			set_zf(cpu, false);
			break;
		}
		type = (d >> 40) & 0xf;
		if ((op->i.reg & 7) == 4)	/* VERR: data or readable code */
			set_zf(cpu, !(type & 8) || (type & 2));
		else				/* VERW: writable data */
			set_zf(cpu, !(type & 8) && (type & 2));
		break;
	default:
		emu_fault(cpu, EXC_UD, 0);
	}
	return (emu_next(cpu, op));
}

/* 0F 02 LAR, 0F 03 LSL (aux 1) */
static H(h_lar_lsl)
{
	uint16_t sel;
	uint64_t d;
	int type;
	bool ok;

	if (!prot(cpu))
		emu_fault(cpu, EXC_UD, 0);
	sel = emu_rm_read(cpu, op, 2);
	ok = sel_visible(cpu, sel, &d);
	if (ok && !(d & (1ULL << 44))) {
		/* system descriptors: LDT and TSS types; LAR also gates */
		type = (d >> 40) & 0xf;
		ok = type == 1 || type == 2 || type == 3 || type == 9 ||
		    type == 0xb || (op->aux == 0 && (type == 4 || type == 5 ||
		    type == 0xc));
	}
	set_zf(cpu, ok);
	if (ok)
		emu_reg_write(cpu, op, op->size, op->aux ? emu_desc_limit(d) :
		    (d >> 32) & 0x00f0ff00);
	return (emu_next(cpu, op));
}

/* 0F 01: SGDT SIDT LGDT LIDT SMSW LMSW INVLPG, and the register forms */
static H(h_grp7)
{
	int reg = op->i.reg & 7;
	uint64_t v;

	if (op->i.mod == 3) {
		switch (op->i.modrm) {
		case 0xf8:	/* SWAPGS */
			if (!cpu->long64)
				emu_fault(cpu, EXC_UD, 0);
			need_cpl0(cpu);
			v = cpu->seg[EMU_GS].base;
			cpu->seg[EMU_GS].base = cpu->kgs_base;
			cpu->kgs_base = v;
			return (emu_next(cpu, op));
		case 0xf9:	/* RDTSCP */
			if ((cpu->cr4 & CR4_TSD) && cpu->cpl != 0)
				emu_fault(cpu, EXC_GP, 0);
			v = emu_rdtsc(cpu);
			cpu->r[R_AX] = (uint32_t)v;
			cpu->r[R_DX] = v >> 32;
			cpu->r[R_CX] = (uint32_t)cpu->tsc_aux;
			return (emu_next(cpu, op));
		}
		if (reg == 4) {		/* SMSW r */
			emu_setreg(cpu, op->i.rm, op->i.opsize, op->i.rex,
			    cpu->cr0);
			return (emu_next(cpu, op));
		}
		if (reg == 6)
			goto lmsw;
		emu_unimpl(cpu);	/* MONITOR, XGETBV, VMCALL, ... */
	}
	switch (reg) {
	case 0:
		store_dt(cpu, op, cpu->gdtr_limit, cpu->gdtr_base);
		break;
	case 1:
		store_dt(cpu, op, cpu->idtr_limit, cpu->idtr_base);
		break;
	case 2:
		load_dt(cpu, op, &cpu->gdtr_limit, &cpu->gdtr_base);
		break;
	case 3:
		load_dt(cpu, op, &cpu->idtr_limit, &cpu->idtr_base);
		break;
	case 4:
		emu_write(cpu, op->seg, emu_ea(cpu, op), 2, cpu->cr0);
		break;
	case 6:
lmsw:
		/* LMSW: PE MP EM TS only, and it cannot clear PE */
		need_cpl0(cpu);
		v = emu_rm_read(cpu, op, 2) & 0xf;
		v |= cpu->cr0 & CR0_PE;
		emu_set_cr(cpu, 0, (cpu->cr0 & ~0xfULL) | v, false);
		emu_next(cpu, op);
		return (NULL);
	case 7:
		need_cpl0(cpu);
		emu_tlb_flush_page(cpu, emu_linear(cpu, op->seg,
		    emu_ea(cpu, op), 1, ACC_R));
		break;
	default:
		emu_fault(cpu, EXC_UD, 0);
	}
	return (emu_next(cpu, op));
}

static H(h_clts)
{
	need_cpl0(cpu);
	cpu->cr0 &= ~(uint64_t)CR0_TS;
	return (emu_next(cpu, op));
}

/* WBINVD, INVD: no caches to write back */
static H(h_wbinvd)
{
	need_cpl0(cpu);
	return (emu_next(cpu, op));
}

/* 0F AE: fences and CLFLUSH; FXSAVE & co. come with the x87/SSE issue */
static H(h_grp15)
{
	int reg = op->i.reg & 7;

	if (op->i.mod == 3) {
		if (reg >= 5 && op->i.simd_pfx == EMU_PFX_NONE) {
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			return (emu_next(cpu, op));
		}
		emu_unimpl(cpu);
	}
	if (reg == 7) {
		/* CLFLUSH / CLFLUSHOPT: check the address, nothing to flush */
		emu_linear(cpu, op->seg, emu_ea(cpu, op), 1, ACC_R);
		return (emu_next(cpu, op));
	}
	emu_unimpl(cpu);
}

static H(h_ud2)
{
	emu_fault(cpu, EXC_UD, 0);
}

/* ---- port I/O ---- */

/* SDM 1 §19.5: the TSS I/O permission bitmap when CPL > IOPL (or v86). */
void
emu_io_check(struct emu_cpu *cpu, uint16_t port, int size)
{
	struct emu_segreg *tr = &cpu->seg[EMU_TR];
	uint32_t iopl = (cpu->rflags & FL_IOPL) >> 12, base, bits;

	if (!(cpu->cr0 & CR0_PE))
		return;
	if (!(cpu->rflags & FL_VM) && (uint32_t)cpu->cpl <= iopl)
		return;
	/* only a 32/64-bit TSS has a bitmap */
	if ((tr->access & 0xf) != 0xb && (tr->access & 0xf) != 0x9)
		emu_fault(cpu, EXC_GP, 0);
	if (tr->limit < 0x67)
		emu_fault(cpu, EXC_GP, 0);
	base = emu_read_sys(cpu, tr->base + 0x66, 2);
	if (base + port / 8 + 1 > tr->limit)
		emu_fault(cpu, EXC_GP, 0);
	bits = emu_read_sys(cpu, tr->base + base + port / 8, 2);
	if ((bits >> (port & 7)) & ((1u << size) - 1))
		emu_fault(cpu, EXC_GP, 0);
}

uint32_t
emu_port_in(struct emu_cpu *cpu, uint16_t port, int size)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	vme.exitcode = VM_EXITCODE_INOUT;
	vme.u.inout.port = port;
	vme.u.inout.bytes = size;
	vme.u.inout.in = true;
	vme.u.inout.eax = 0xffffffff;
	cpu->vcpu->stats[VMST_EXITS_INOUT]++;
	if (cpu->ctx->exit_handler != NULL)
		emu_exit_call(cpu, &vme);
	return (vme.u.inout.eax & (uint32_t)emu_mask(size));
}

void
emu_port_out(struct emu_cpu *cpu, uint16_t port, int size, uint32_t v)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	vme.exitcode = VM_EXITCODE_INOUT;
	vme.u.inout.port = port;
	vme.u.inout.bytes = size;
	vme.u.inout.in = false;
	vme.u.inout.eax = v & (uint32_t)emu_mask(size);
	cpu->vcpu->stats[VMST_EXITS_INOUT]++;
	if (cpu->ctx->exit_handler != NULL)
		emu_exit_call(cpu, &vme);
}

static inline int
io_size(const struct emu_op *op)
{
	return (op->size == 1 ? 1 : op->size == 2 ? 2 : 4);
}

/* E4/E5/EC/ED: IN; E6/E7/EE/EF: OUT (imm8 or DX port) */
static H(h_in)
{
	int sz = io_size(op);
	uint16_t port = (op->i.op & 8) ? (cpu->r[R_DX] & 0xffff) :
	    (op->i.imm & 0xff);

	emu_io_check(cpu, port, sz);
	emu_setreg(cpu, R_AX, sz, 0, emu_port_in(cpu, port, sz));
	return (emu_next(cpu, op));
}

static H(h_out)
{
	int sz = io_size(op);
	uint16_t port = (op->i.op & 8) ? (cpu->r[R_DX] & 0xffff) :
	    (op->i.imm & 0xff);

	emu_io_check(cpu, port, sz);
	emu_port_out(cpu, port, sz, emu_getreg(cpu, R_AX, sz, 0));
	return (emu_next(cpu, op));
}

/* ---- HLT, PAUSE, CLI, STI ---- */

static void
pending_exit(struct emu_cpu *cpu, const struct emu_op *op, int code)
{
	memset(&cpu->exit_vme, 0, sizeof(cpu->exit_vme));
	cpu->exit_vme.exitcode = code;
	cpu->exit_vme.rip = cpu->rip;
	cpu->exit_vme.inst_length = op->i.len;
	cpu->exit_pending = true;
}

static H(h_hlt)
{
	need_cpl0(cpu);
	cpu->vcpu->stats[VMST_EXITS_HLT]++;
	if (cpu->caps[VM_CAP_HALT_EXIT]) {
		pending_exit(cpu, op, VM_EXITCODE_HLT);
		emu_next(cpu, op);
		return (NULL);
	}
	emu_next(cpu, op);
	cpu->halted = true;	/* the run loop sleeps */
	return (NULL);
}

static H(h_pause)
{
	emu_pause_spin(cpu);
	if (cpu->caps[VM_CAP_PAUSE_EXIT]) {
		cpu->vcpu->stats[VMST_EXITS_PAUSE]++;
		pending_exit(cpu, op, VM_EXITCODE_PAUSE);
		emu_next(cpu, op);
		return (NULL);
	}
	return (emu_next(cpu, op));
}

static void
check_iopl(struct emu_cpu *cpu)
{
	/* XXX: CR4.VME/PVI virtual interrupt flags */
	if (prot(cpu) ? (uint64_t)cpu->cpl > ((cpu->rflags & FL_IOPL) >> 12) :
	    ((cpu->rflags & FL_VM) && (cpu->rflags & FL_IOPL) != FL_IOPL))
		emu_fault(cpu, EXC_GP, 0);
}

static H(h_cli)
{
	check_iopl(cpu);
	cpu->rflags &= ~(uint64_t)FL_IF;
	return (emu_next(cpu, op));
}

static H(h_sti)
{
	check_iopl(cpu);
	/* SDM "STI": interrupts wait one more instruction if IF was 0 */
	if (!(cpu->rflags & FL_IF))
		emu_intr_shadow(cpu, op);
	cpu->rflags |= FL_IF;
	emu_next(cpu, op);
	return (NULL);
}

/* ---- CPUID, MSRs, TSC ---- */

static H(h_cpuid)
{
	uint32_t r[4];

	emu_cpuid(cpu, cpu->r[R_AX], cpu->r[R_CX], r);
	cpu->r[R_AX] = r[0];
	cpu->r[R_BX] = r[1];
	cpu->r[R_CX] = r[2];
	cpu->r[R_DX] = r[3];
	return (emu_next(cpu, op));
}

static H(h_rdtsc)
{
	uint64_t v;

	if ((cpu->cr4 & CR4_TSD) && cpu->cpl != 0)
		emu_fault(cpu, EXC_GP, 0);
	v = emu_rdtsc(cpu);
	cpu->r[R_AX] = (uint32_t)v;
	cpu->r[R_DX] = v >> 32;
	return (emu_next(cpu, op));
}

static H(h_rdmsr)
{
	uint32_t msr = cpu->r[R_CX];
	struct vm_exit vme;
	uint64_t v;

	need_cpl0(cpu);
	if (emu_rdmsr_owned(cpu, msr, &v) != 0) {
		memset(&vme, 0, sizeof(vme));
		vme.exitcode = VM_EXITCODE_RDMSR;
		vme.u.msr.code = msr;
		cpu->vcpu->stats[VMST_EXITS_MSR]++;
		if (cpu->ctx->exit_handler == NULL ||
		    emu_exit_call(cpu, &vme) == VMEXIT_FAULT_GP)
			emu_fault(cpu, EXC_GP, 0);
		v = vme.u.msr.rval;
	}
	cpu->r[R_AX] = (uint32_t)v;
	cpu->r[R_DX] = v >> 32;
	return (emu_next(cpu, op));
}

static H(h_wrmsr)
{
	uint32_t msr = cpu->r[R_CX];
	uint64_t v = (cpu->r[R_DX] << 32) | (uint32_t)cpu->r[R_AX];
	struct vm_exit vme;
	bool owned;

	need_cpl0(cpu);
	if (emu_wrmsr_owned(cpu, msr, v, &owned) != 0)
		emu_fault(cpu, EXC_GP, 0);
	if (!owned) {
		memset(&vme, 0, sizeof(vme));
		vme.exitcode = VM_EXITCODE_WRMSR;
		vme.u.msr.code = msr;
		vme.u.msr.wval = v;
		cpu->vcpu->stats[VMST_EXITS_MSR]++;
		if (cpu->ctx->exit_handler == NULL ||
		    emu_exit_call(cpu, &vme) == VMEXIT_FAULT_GP)
			emu_fault(cpu, EXC_GP, 0);
	}
	emu_next(cpu, op);
	return (NULL);		/* EFER and friends change the mode */
}

/* ---- fast system calls (SDM vol. 2 "SYSCALL", "SYSRET", "SYSENTER") ---- */

static void
flat_seg(struct emu_cpu *cpu, int sr, uint16_t sel, uint32_t access)
{
	cpu->seg[sr].sel = sel;
	cpu->seg[sr].base = 0;
	cpu->seg[sr].limit = 0xffffffff;
	cpu->seg[sr].access = access;
}

#define ACC_CODE64(dpl)	(0xb | SEG_ACC_S | SEG_ACC_DPL(dpl) | SEG_ACC_P | \
			    SEG_ACC_L | SEG_ACC_G)
#define ACC_CODE32(dpl)	(0xb | SEG_ACC_S | SEG_ACC_DPL(dpl) | SEG_ACC_P | \
			    SEG_ACC_DB | SEG_ACC_G)
#define ACC_DATA(dpl)	(0x3 | SEG_ACC_S | SEG_ACC_DPL(dpl) | SEG_ACC_P | \
			    SEG_ACC_DB | SEG_ACC_G)

static H(h_syscall)
{
	uint16_t sel = (cpu->star >> 32) & 0xfffc;
	uint64_t fl;

	/* Intel: SYSCALL exists in 64-bit mode only (no CSTAR entry) */
	if (!(cpu->efer & EFER_SCE) || !cpu->long64)
		emu_fault(cpu, EXC_UD, 0);
	fl = emu_get_rflags(cpu);
	cpu->r[R_CX] = cpu->rip + op->i.len;
	cpu->r[11] = fl & ~(uint64_t)FL_RF;
	emu_set_rflags(cpu, fl & ~cpu->sfmask & ~(uint64_t)FL_RF);
	emu_set_cpl(cpu, 0);
	flat_seg(cpu, EMU_CS, sel, ACC_CODE64(0));
	flat_seg(cpu, EMU_SS, sel + 8, ACC_DATA(0));
	emu_update_mode(cpu);
	cpu->rip = cpu->lstar;
	return (NULL);
}

static H(h_sysret)
{
	uint16_t sel = (cpu->star >> 48) & 0xfffc;
	uint64_t target = cpu->r[R_CX];

	if (!(cpu->efer & EFER_SCE) || !cpu->long64)
		emu_fault(cpu, EXC_UD, 0);
	need_cpl0(cpu);
	if (op->i.rex & 8) {
		if ((uint64_t)((int64_t)(target << 16) >> 16) != target)
			emu_fault(cpu, EXC_GP, 0);
		flat_seg(cpu, EMU_CS, (sel + 16) | 3, ACC_CODE64(3));
	} else {
		target = (uint32_t)target;
		flat_seg(cpu, EMU_CS, sel | 3, ACC_CODE32(3));
	}
	/* SS keeps a flat DPL-3 descriptor whatever the GDT says */
	flat_seg(cpu, EMU_SS, (sel + 8) | 3, ACC_DATA(3));
	emu_set_rflags(cpu, (cpu->r[11] & 0x3c7fd7) | FL_1);
	emu_set_cpl(cpu, 3);
	emu_update_mode(cpu);
	cpu->rip = target;
	return (NULL);
}

static H(h_sysenter)
{
	uint16_t sel = cpu->sysenter_cs & 0xfffc;

	if (!prot(cpu) || sel == 0)
		emu_fault(cpu, EXC_GP, 0);
	emu_flags_sync(cpu);
	cpu->rflags &= ~(uint64_t)(FL_VM | FL_IF | FL_RF);
	emu_set_cpl(cpu, 0);
	if (cpu->efer & EFER_LMA)
		flat_seg(cpu, EMU_CS, sel, ACC_CODE64(0));
	else
		flat_seg(cpu, EMU_CS, sel, ACC_CODE32(0));
	flat_seg(cpu, EMU_SS, sel + 8, ACC_DATA(0));
	emu_update_mode(cpu);
	cpu->r[R_SP] = cpu->long64 ? cpu->sysenter_esp :
	    (uint32_t)cpu->sysenter_esp;
	cpu->rip = cpu->long64 ? cpu->sysenter_eip :
	    (uint32_t)cpu->sysenter_eip;
	return (NULL);
}

static inline bool
emu_noncanon(uint64_t a)
{
	return ((uint64_t)((int64_t)(a << 16) >> 16) != a);
}

static H(h_sysexit)
{
	uint16_t sel = cpu->sysenter_cs & 0xfffc;
	bool to64 = op->i.rex & 8;

	if (!prot(cpu) || sel == 0)
		emu_fault(cpu, EXC_GP, 0);
	need_cpl0(cpu);
	/* 64-bit mode exceptions: RCX or RDX not canonical, before any change */
	if (to64 && (emu_noncanon(cpu->r[R_CX]) || emu_noncanon(cpu->r[R_DX])))
		emu_fault(cpu, EXC_GP, 0);
	emu_set_cpl(cpu, 3);
	if (to64) {
		flat_seg(cpu, EMU_CS, (sel + 32) | 3, ACC_CODE64(3));
		flat_seg(cpu, EMU_SS, (sel + 40) | 3, ACC_DATA(3));
	} else {
		flat_seg(cpu, EMU_CS, (sel + 16) | 3, ACC_CODE32(3));
		flat_seg(cpu, EMU_SS, (sel + 24) | 3, ACC_DATA(3));
	}
	emu_update_mode(cpu);
	cpu->r[R_SP] = to64 ? cpu->r[R_CX] : (uint32_t)cpu->r[R_CX];
	cpu->rip = to64 ? cpu->r[R_DX] : (uint32_t)cpu->r[R_DX];
	return (NULL);
}

#define T EMU_F_TERM
const struct emu_opreg emu_system_ops[] = {
	OP2(0x20, h_mov_from_cr, 0),
	OP2(0x22, h_mov_to_cr, T),
	OP2(0x21, h_mov_from_dr, 0),
	OP2(0x23, h_mov_to_dr, T),	/* serializing */
	OP2(0x00, h_grp6, 0),
	OP2(0x01, h_grp7, T),
	OP2A(0x02, h_lar_lsl, 0, 0),
	OP2A(0x03, h_lar_lsl, 0, 1),
	OP2(0x06, h_clts, 0),
	OP2(0x08, h_wbinvd, T),		/* INVD, WBINVD: serializing */
	OP2(0x09, h_wbinvd, T),
	OP2(0x0b, h_ud2, T),
	OP2(0xae, h_grp15, 0),
	/*
	 * Port I/O ends its block: a device may raise an interrupt in the
	 * access, and the CPU takes it at the next instruction boundary
	 * (interrupts are taken between blocks).  I/O is slow anyway.
	 */
	OP1(0xe4, h_in, EMU_F_BYTE | T),
	OP1(0xe5, h_in, T),
	OP1(0xec, h_in, EMU_F_BYTE | T),
	OP1(0xed, h_in, T),
	OP1(0xe6, h_out, EMU_F_BYTE | T),
	OP1(0xe7, h_out, T),
	OP1(0xee, h_out, EMU_F_BYTE | T),
	OP1(0xef, h_out, T),
	OP1(0xf4, h_hlt, T),
	OP1P(0x90, EMU_PFX_F3, h_pause, T),
	OP1(0xfa, h_cli, 0),
	OP1(0xfb, h_sti, T),
	/*
	 * Serializing instructions end their block (T), so that the next
	 * instruction is looked up again and code another vCPU patched
	 * before this one serialized is seen (SDM 3A §8.1.3, §8.3).
	 */
	OP2(0xa2, h_cpuid, T),
	OP2(0x31, h_rdtsc, 0),
	OP2(0x32, h_rdmsr, 0),
	OP2(0x30, h_wrmsr, T),
	OP2(0x05, h_syscall, T),
	OP2(0x07, h_sysret, T),
	OP2(0x34, h_sysenter, T),
	OP2(0x35, h_sysexit, T),
	OPEND
};
