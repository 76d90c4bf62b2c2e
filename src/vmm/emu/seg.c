/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seg.c: segment registers of the emu backend: descriptor reads from the
 * GDT/LDT, the descriptor -> hidden-cache conversion (VMX access-rights
 * layout, vmm.h), and loading a segment register in real and protected
 * mode with the checks of SDM 3A §5.5-§5.8 (MOV/POP sreg, LDS...).
 */
#include "vmm/emu/cpu.h"

uint32_t
emu_desc_access(uint64_t d)
{
	/* descriptor bits 47:40 and 55:52 are access-rights bits 7:0, 15:12 */
	return (((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 12));
}

uint64_t
emu_desc_base(uint64_t d)
{
	return (((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000ULL));
}

uint32_t
emu_desc_limit(uint64_t d)
{
	uint32_t l = (d & 0xffff) | ((d >> 32) & 0xf0000);

	if (d & (1ULL << 55))
		l = (l << 12) | 0xfff;	/* G: 4 KiB granularity */
	return (l);
}

static uint64_t
desc_addr(struct emu_cpu *cpu, uint16_t sel, int vec, uint32_t ext)
{
	uint64_t base;
	uint32_t limit;

	if (sel & 4) {
		if (cpu->seg[EMU_LDTR].access & SEG_ACC_UNUSABLE)
			emu_fault(cpu, vec, (sel & 0xfffc) | ext);
		base = cpu->seg[EMU_LDTR].base;
		limit = cpu->seg[EMU_LDTR].limit;
	} else {
		base = cpu->gdtr_base;
		limit = cpu->gdtr_limit;
	}
	if ((uint32_t)(sel & ~7) + 7 > limit)
		emu_fault(cpu, vec, (sel & 0xfffc) | ext);
	return (base + (sel & ~7));
}

uint64_t
emu_read_desc(struct emu_cpu *cpu, uint16_t sel, int vec)
{
	return (emu_read_sys(cpu, desc_addr(cpu, sel, vec, 0), 8));
}

/* The same with the EXT bit in the error code (event delivery, SDM 3A
 * §6.13). */
uint64_t
emu_read_desc_ext(struct emu_cpu *cpu, uint16_t sel, int vec, uint32_t ext)
{
	return (emu_read_sys(cpu, desc_addr(cpu, sel, vec, ext), 8));
}

/*
 * The upper half of a 16-byte system descriptor (long mode call gates,
 * LDT/TSS; SDM 3A §5.8.3.1): the table limit must cover all 16 bytes.
 */
uint64_t
emu_read_desc_hi(struct emu_cpu *cpu, uint16_t sel, int vec)
{
	return (emu_read_sys(cpu, desc_addr(cpu, (sel & ~7) + 8, vec, 0), 8));
}

/*
 * SS:ESP for privilege level dpl from the current TSS (SDM 3A §7.2.1,
 * §7.7): 16-bit and 32-bit TSS layouts, and RSPn with a null SS (RPL =
 * dpl) for the 64-bit TSS.  Reads past the TSS limit are #TS(TR | ext).
 */
void
emu_tss_stack(struct emu_cpu *cpu, int dpl, uint32_t ext, uint16_t *ss,
    uint64_t *sp)
{
	struct emu_segreg *tr = &cpu->seg[EMU_TR];
	int type = tr->access & 0xf;
	uint32_t err = (tr->sel & 0xfffc) | ext;

	if (cpu->efer & EFER_LMA) {
		if (tr->limit < (uint32_t)(4 + dpl * 8 + 7))
			emu_fault(cpu, EXC_TS, err);
		*sp = emu_read_sys(cpu, tr->base + 4 + dpl * 8, 8);
		*ss = dpl;
	} else if (type == 0x3 || type == 0x1) {	/* 16-bit TSS */
		if (tr->limit < (uint32_t)(4 + dpl * 4 + 1))
			emu_fault(cpu, EXC_TS, err);
		*sp = emu_read_sys(cpu, tr->base + 2 + dpl * 4, 2);
		*ss = emu_read_sys(cpu, tr->base + 4 + dpl * 4, 2);
	} else if (type == 0xb || type == 0x9) {
		if (tr->limit < (uint32_t)(8 + dpl * 8 + 1))
			emu_fault(cpu, EXC_TS, err);
		*sp = emu_read_sys(cpu, tr->base + 4 + dpl * 8, 4);
		*ss = emu_read_sys(cpu, tr->base + 8 + dpl * 8, 2);
	} else {
		emu_fault(cpu, EXC_TS, err);
	}
}

/*
 * Check the SS selector of a stack switch to privilege level cpl (inner
 * CALL through a gate, interrupt delivery; SDM vol. 2 "CALL", 3A §6.12.1):
 * null -> #TS(ext), RPL/DPL != cpl or not writable data -> #TS(sel),
 * not present -> #SS(sel).  Returns the descriptor.
 */
uint64_t
emu_check_new_ss(struct emu_cpu *cpu, uint16_t sel, int cpl, uint32_t ext)
{
	uint64_t d;
	uint32_t acc;

	if ((sel & 0xfffc) == 0)
		emu_fault(cpu, EXC_TS, ext);
	d = emu_read_desc(cpu, sel, EXC_TS);
	acc = emu_desc_access(d);
	if ((sel & 3) != cpl || ((acc >> 5) & 3) != (uint32_t)cpl ||
	    !(acc & SEG_ACC_S) || (acc & 0xa) != 0x2)
		emu_fault(cpu, EXC_TS, (sel & 0xfffc) | ext);
	if (!(acc & SEG_ACC_P))
		emu_fault(cpu, EXC_SS, (sel & 0xfffc) | ext);
	return (d);
}

/*
 * Offset check of a stack access of size bytes at off in a segment
 * that is not loaded yet (expand-down aware, SDM 3A §5.3): false when
 * the access is outside the segment.
 */
bool
emu_seg_fits(uint64_t d, uint64_t off, int size)
{
	uint32_t acc = emu_desc_access(d), limit = emu_desc_limit(d);
	uint64_t last = off + size - 1;

	if (!(acc & 8) && (acc & 4)) {
		uint64_t max = (acc & SEG_ACC_DB) ? 0xffffffffULL : 0xffffULL;
		return (off > limit && last <= max);
	}
	return (last <= limit);
}

/*
 * Offset check of an access of size bytes at off in a loaded segment
 * register (expand-down aware, SDM 3A §5.3): false when outside.
 */
bool
emu_segreg_fits(const struct emu_segreg *s, uint64_t off, int size)
{
	uint32_t type = s->access & 0xf;
	uint64_t last = off + size - 1;

	if (s->access & SEG_ACC_UNUSABLE)
		return (false);
	if (!(type & 8) && (type & 4)) {
		uint64_t max = (s->access & SEG_ACC_DB) ? 0xffffffffULL :
		    0xffffULL;
		return (off > s->limit && last <= max);
	}
	return (last <= s->limit);
}

/* Set the accessed bit of a descriptor in memory (SDM 3A §3.4.5.1). */
void
emu_desc_set_accessed(struct emu_cpu *cpu, uint16_t sel, uint64_t d)
{
	if (d & (1ULL << 40))
		return;
	emu_write_sys(cpu, desc_addr(cpu, sel, EXC_GP, 0) + 5, 1,
	    ((d >> 40) & 0xff) | 1);
}

void
emu_set_seg_cache(struct emu_cpu *cpu, int sr, uint16_t sel, uint64_t d)
{
	struct emu_segreg *s = &cpu->seg[sr];

	s->sel = sel;
	s->base = emu_desc_base(d);
	s->limit = emu_desc_limit(d);
	s->access = emu_desc_access(d);
	if (sr == EMU_CS || sr == EMU_SS)
		emu_update_mode(cpu);
}

/* Real mode: only the selector and base change (SDM 3A §20.1.1). */
void
emu_seg_real(struct emu_cpu *cpu, int sr, uint16_t sel)
{
	struct emu_segreg *s = &cpu->seg[sr];

	s->sel = sel;
	s->base = (uint64_t)sel << 4;
	if (cpu->rflags & FL_VM) {
		s->limit = 0xffff;
		s->access = SEG_ACC_P | SEG_ACC_S | SEG_ACC_DPL(3) | 3;
	}
	s->access &= ~SEG_ACC_UNUSABLE;
	if (sr == EMU_CS || sr == EMU_SS)
		emu_update_mode(cpu);
}

void
emu_load_cs_desc(struct emu_cpu *cpu, uint16_t sel, uint64_t d, int cpl)
{
	if (!(d & (1ULL << 40)))
		emu_desc_set_accessed(cpu, sel, d);
	d |= 1ULL << 40;
	emu_set_cpl(cpu, cpl);
	emu_set_seg_cache(cpu, EMU_CS, (sel & 0xfffc) | cpl, d);
}

/* MOV sreg / POP sreg / LDS...: SDM 2A "MOV", "POP" operation sections. */
void
emu_load_seg(struct emu_cpu *cpu, int sr, uint16_t sel)
{
	struct emu_segreg *s = &cpu->seg[sr];
	uint64_t d;
	uint32_t acc;
	int type, dpl, rpl = sel & 3;

	if (!(cpu->cr0 & CR0_PE) || (cpu->rflags & FL_VM)) {
		emu_seg_real(cpu, sr, sel);
		return;
	}
	if ((sel & 0xfffc) == 0) {
		if (sr == EMU_SS && (!cpu->long64 || cpu->cpl == 3 ||
		    rpl != cpu->cpl))
			emu_fault(cpu, EXC_GP, 0);
		/* a null selector makes the register unusable; 64-bit
		 * FS/GS keep their base */
		s->sel = sel;
		s->access = SEG_ACC_UNUSABLE | (sr == EMU_SS ?
		    SEG_ACC_DPL(cpu->cpl) : 0);
		if (!(cpu->long64 && (sr == EMU_FS || sr == EMU_GS)))
			s->base = 0;
		if (sr == EMU_SS)
			emu_update_mode(cpu);
		return;
	}
	d = emu_read_desc(cpu, sel, EXC_GP);
	acc = emu_desc_access(d);
	type = acc & 0xf;
	dpl = (acc >> 5) & 3;
	if (!(acc & SEG_ACC_S))
		emu_fault(cpu, EXC_GP, sel & 0xfffc);
	if (sr == EMU_SS) {
		if ((type & 8) || !(type & 2) || rpl != cpu->cpl ||
		    dpl != cpu->cpl)
			emu_fault(cpu, EXC_GP, sel & 0xfffc);
		if (!(acc & SEG_ACC_P))
			emu_fault(cpu, EXC_SS, sel & 0xfffc);
	} else {
		if ((type & 0xa) == 0x8)
			emu_fault(cpu, EXC_GP, sel & 0xfffc);
		/* data and non-conforming code: DPL >= max(CPL, RPL) */
		if ((!(type & 8) || !(type & 4)) &&
		    (rpl > dpl || cpu->cpl > dpl))
			emu_fault(cpu, EXC_GP, sel & 0xfffc);
		if (!(acc & SEG_ACC_P))
			emu_fault(cpu, EXC_NP, sel & 0xfffc);
	}
	emu_desc_set_accessed(cpu, sel, d);
	/* in 64-bit mode this loads a 32-bit FS/GS base; the MSRs hold 64 */
	emu_set_seg_cache(cpu, sr, sel, d | (1ULL << 40));
}
