/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * optable.c: the emu backend's handler lookup.  The family files register
 * rows (ops.h); here they are folded once into a table indexed by
 * (map, opcode, ModRM.reg or "any", mandatory prefix), and each decoded
 * instruction gets its handler, operand size, effective segment and aux
 * value when it enters the decoded-instruction cache, so that execution
 * never looks anything up again (threaded dispatch).
 */
#include <inttypes.h>
#include <stdio.h>

#include "vmm/emu/ops.h"

#define NREG	9	/* ModRM.reg 0..7, 8 = any */
#define NPFX	4

static struct emu_opdesc optab[4][256][NREG][NPFX];
static pthread_once_t optab_once = PTHREAD_ONCE_INIT;

static const struct emu_opreg *const families[] = {
	emu_alu_ops, emu_bitops_ops, emu_move_ops, emu_control_ops,
	emu_string_ops, emu_system_ops,
	/* after system: FXSAVE & co. refine its 0F AE group */
	emu_fpu_ops, emu_sse_mov_ops, emu_sse_int_ops, emu_sse_fp_ops,
	emu_sse4_ops, emu_fxsave_ops,
};

static void
optab_build(void)
{
	for (unsigned f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		for (const struct emu_opreg *r = families[f]; r->fn != NULL;
		    r++) {
			struct emu_opdesc *d = &optab[r->map][r->op]
			    [r->reg < 0 ? 8 : r->reg][r->pfx];
			d->fn = r->fn;
			d->flags = r->flags;
			d->aux = r->aux;
		}
	}
}

/* ---- handlers with no family ---- */

H(emu_h_ud)
{
	emu_fault(cpu, EXC_UD, 0);
}

H(emu_h_gp0)
{
	emu_fault(cpu, EXC_GP, 0);
}

H(emu_h_end)
{
	return (NULL);
}

H(emu_h_unimpl)
{
	static _Atomic int reported;

	/* say which, a few times: it is what the next issue must add */
	if (atomic_fetch_add(&reported, 1) < 16)
		fprintf(stderr, "lhyve: emu: vcpu %d: unimplemented "
		    "instruction at rip 0x%" PRIx64 ": map %d op 0x%02x "
		    "reg %d pfx %d; raising #UD\n", cpu->vcpu->id, cpu->rip,
		    op->i.map, op->i.op, op->i.has_modrm ? op->i.reg & 7 : -1,
		    op->i.simd_pfx);
	emu_unimpl(cpu);
}

/* Default segment of a memory operand (SDM 1 §3.7.4): SS when based on
 * rBP or rSP, else DS; an override wins. */
static int
default_seg(const struct emu_insn *i)
{
	if (i->seg != EMU_SEG_NONE)
		return (i->seg);
	if (!i->has_modrm || i->mod == 3)
		return (EMU_DS);
	if (i->addrsize == 2) {
		int rm = i->rm16 & 7;
		if (rm == 2 || rm == 3 || (rm == 6 && i->mod != 0))
			return (EMU_SS);
		return (EMU_DS);
	}
	if (i->base == R_SP || i->base == R_BP)
		return (EMU_SS);
	return (EMU_DS);
}

static const struct emu_opdesc *
lookup(const struct emu_insn *i)
{
	int reg = i->has_modrm ? (i->reg & 7) : 8;
	const struct emu_opdesc *d;

	d = &optab[i->map][i->op][reg][i->simd_pfx];
	if (d->fn == NULL)
		d = &optab[i->map][i->op][8][i->simd_pfx];
	if (d->fn == NULL)
		d = &optab[i->map][i->op][reg][0];
	if (d->fn == NULL)
		d = &optab[i->map][i->op][8][0];
	return (d->fn != NULL ? d : NULL);
}

/* Returns the EMU_F_* flags of the chosen handler. */
int
emu_op_setup(struct emu_cpu *cpu, struct emu_op *op, int mode)
{
	const struct emu_insn *i = &op->i;
	const struct emu_opdesc *d;
	int flags;

	pthread_once(&optab_once, optab_build);
	d = lookup(i);
	op->seg = default_seg(i);
	if (d == NULL) {
		op->fn = emu_h_unimpl;
		op->size = i->opsize;
		op->aux = 0;
		return (EMU_F_TERM);
	}
	flags = d->flags;
	op->fn = d->fn;
	op->size = (flags & EMU_F_BYTE) ? 1 : i->opsize;
	op->aux = (flags & EMU_F_OPREG) ? ((i->op & 7) | ((i->rex & 1) << 3)) :
	    d->aux;
	if ((i->lock && (!(flags & EMU_F_LOCK) || i->mod == 3)) ||
	    ((flags & EMU_F_MEM) && (!i->has_modrm || i->mod == 3)) ||
	    ((flags & EMU_F_NO64) && mode == 64)) {
		op->fn = emu_h_ud;
		flags |= EMU_F_TERM;
	} else if (mode == 64) {
		/* the common 64-bit forms have specialised handlers */
		emu_handler_t h = emu_hot_pick(op);
		if (h != NULL)
			op->fn = h;
	}
	return (flags);
}
