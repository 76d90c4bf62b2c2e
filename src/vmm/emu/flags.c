/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flags.c: lazy condition flags.  Arithmetic instructions only record
 * (operation, size, operands, result); CF/PF/AF/ZF/SF/OF are computed when
 * something reads them (Jcc, SETcc, PUSHF, ...), as most results are never
 * tested.  Flag definitions: Intel SDM vol. 1 §3.4.3 and appendix A.
 */
#include "vmm/emu/cpu.h"

static inline uint64_t
sign_bit(int size)
{
	return (1ULL << (size * 8 - 1));
}

static inline bool
parity8(uint64_t v)
{
	/* PF is set when the low byte has an even number of 1 bits */
	return (!__builtin_parity((unsigned)(v & 0xff)));
}

uint32_t
emu_szp(uint64_t res, int size)
{
	uint32_t fl = 0;

	res &= emu_mask(size);
	if (res == 0)
		fl |= FL_ZF;
	if (res & sign_bit(size))
		fl |= FL_SF;
	if (parity8(res))
		fl |= FL_PF;
	return (fl);
}

bool
emu_get_cf(struct emu_cpu *cpu)
{
	uint64_t m = emu_mask(cpu->lf_size);
	uint64_t d = cpu->lf_dst & m, s = cpu->lf_src & m, r = cpu->lf_res & m;

	switch (cpu->lf_op) {
	case LF_NONE:
		return (cpu->rflags & FL_CF);
	case LF_ADD:
		return (r < d);
	case LF_ADC:
		return (r < d || (cpu->lf_aux && r == d));
	case LF_SUB:
		return (d < s);
	case LF_SBB:
		/* borrow of d - s - cin */
		return (cpu->lf_aux ? d <= s : d < s);
	case LF_LOGIC:
		return (false);
	case LF_INC:
	case LF_DEC:
		return (cpu->lf_aux & 1);
	case LF_RESCO:
		return (cpu->lf_aux & 1);
	}
	return (false);
}

bool
emu_get_zf(struct emu_cpu *cpu)
{
	if (cpu->lf_op == LF_NONE)
		return (cpu->rflags & FL_ZF);
	return ((cpu->lf_res & emu_mask(cpu->lf_size)) == 0);
}

bool
emu_get_sf(struct emu_cpu *cpu)
{
	if (cpu->lf_op == LF_NONE)
		return (cpu->rflags & FL_SF);
	return ((cpu->lf_res & sign_bit(cpu->lf_size)) != 0);
}

bool
emu_get_pf(struct emu_cpu *cpu)
{
	if (cpu->lf_op == LF_NONE)
		return (cpu->rflags & FL_PF);
	return (parity8(cpu->lf_res));
}

bool
emu_get_of(struct emu_cpu *cpu)
{
	uint64_t sb = sign_bit(cpu->lf_size);
	uint64_t d = cpu->lf_dst, s = cpu->lf_src, r = cpu->lf_res;

	switch (cpu->lf_op) {
	case LF_NONE:
		return (cpu->rflags & FL_OF);
	case LF_ADD:
	case LF_ADC:
	case LF_INC:
		/* both operands of one sign, result of the other */
		return (((d ^ r) & (s ^ r) & sb) != 0);
	case LF_SUB:
	case LF_SBB:
	case LF_DEC:
		return (((d ^ s) & (d ^ r) & sb) != 0);
	case LF_RESCO:
		return ((cpu->lf_aux & 2) != 0);
	}
	return (false);
}

static bool
get_af(struct emu_cpu *cpu)
{
	switch (cpu->lf_op) {
	case LF_NONE:
		return (cpu->rflags & FL_AF);
	case LF_LOGIC:
	case LF_RESCO:
		return (false);	/* undefined; real CPUs clear it */
	}
	/* carry/borrow out of bit 3 */
	return (((cpu->lf_dst ^ cpu->lf_src ^ cpu->lf_res) & 0x10) != 0);
}

void
emu_flags_sync(struct emu_cpu *cpu)
{
	uint32_t fl = 0;

	if (cpu->lf_op == LF_NONE)
		return;
	if (emu_get_cf(cpu))
		fl |= FL_CF;
	if (emu_get_pf(cpu))
		fl |= FL_PF;
	if (get_af(cpu))
		fl |= FL_AF;
	if (emu_get_zf(cpu))
		fl |= FL_ZF;
	if (emu_get_sf(cpu))
		fl |= FL_SF;
	if (emu_get_of(cpu))
		fl |= FL_OF;
	emu_set_arith(cpu, fl);
}

uint64_t
emu_get_rflags(struct emu_cpu *cpu)
{
	emu_flags_sync(cpu);
	return (cpu->rflags | FL_1);
}

void
emu_set_rflags(struct emu_cpu *cpu, uint64_t fl)
{
	cpu->lf_op = LF_NONE;
	cpu->rflags = (fl | FL_1) & 0x3f7fd5;
}

/* SDM vol. 1 appendix B: the 16 conditions of Jcc/SETcc/CMOVcc. */
bool
emu_cond(struct emu_cpu *cpu, int cc)
{
	bool r;

	switch (cc >> 1) {
	case 0: r = emu_get_of(cpu); break;			/* O */
	case 1: r = emu_get_cf(cpu); break;			/* B */
	case 2: r = emu_get_zf(cpu); break;			/* Z */
	case 3: r = emu_get_cf(cpu) || emu_get_zf(cpu); break;	/* BE */
	case 4: r = emu_get_sf(cpu); break;			/* S */
	case 5: r = emu_get_pf(cpu); break;			/* P */
	case 6: r = emu_get_sf(cpu) != emu_get_of(cpu); break;	/* L */
	default:						/* LE */
		r = emu_get_zf(cpu) || emu_get_sf(cpu) != emu_get_of(cpu);
		break;
	}
	return (r ^ (cc & 1));
}
