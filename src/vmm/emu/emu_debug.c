/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * emu_debug.c: the emu backend's debugger hooks, bhyve's VM_CAP_BPT_EXIT
 * and VM_CAP_MTRAP_EXIT: an INT3 leaves vm_run as VM_EXITCODE_BPT instead
 * of raising #BP in the guest, and single-step runs one instruction per
 * vm_run and leaves with VM_EXITCODE_MTRAP (the VMX monitor trap flag).
 * The hooks sit off the hot path: one test in the INT3 handler and one on
 * the block-lookup path (links and the jump cache are disabled while
 * stepping by a chain_gen bump).
 */
#include <errno.h>

#include "vmm/emu/emu_debug.h"

int
emu_dbg_set_cap(struct emu_cpu *cpu, enum vm_cap_type cap, int val)
{
	switch (cap) {
	case VM_CAP_BPT_EXIT:
		cpu->caps[cap] = val != 0;
		return (0);
	case VM_CAP_MTRAP_EXIT:
		/*
		 * A block reached through a link or the jump cache would run
		 * whole: a new chain_gen makes every one of them miss, so each
		 * step goes through emu_cache_lookup (emu_dbg_step_block).
		 */
		cpu->caps[cap] = val != 0;
		cpu->chain_gen++;
		return (0);
	default:
		return (-EINVAL);
	}
}

void
emu_dbg_bpt(struct emu_cpu *cpu, const struct emu_op *op)
{
	memset(&cpu->exit_vme, 0, sizeof(cpu->exit_vme));
	cpu->exit_vme.exitcode = VM_EXITCODE_BPT;
	cpu->exit_vme.rip = cpu->rip;
	cpu->exit_vme.inst_length = op->i.len;
	emu_exit_longjmp(cpu);
}

struct emu_block *
emu_dbg_step_block(struct emu_cpu *cpu, struct emu_block *b)
{
	struct emu_block *s = &cpu->scratch.b;

	/* CS.limit covers every byte of the instruction (SDM 3A §5.3) */
	if (!cpu->long64 && b->nops > 0 &&
	    cpu->rip + b->ops[0].i.len - 1 > cpu->seg[EMU_CS].limit)
		emu_fault(cpu, EXC_GP, 0);
	if (b != s) {
		s->ops[0] = b->ops[0];
		s->nops = 1;
		s->pinfo = NULL;	/* never linked, never in the jump cache */
	}
	s->ops[1].fn = emu_h_end;
	/*
	 * The exit is taken at the next between-block check, after the one
	 * instruction ran, or after the exception it raised was delivered
	 * (RIP then on the handler, as with the monitor trap flag).  A
	 * later exit of the instruction itself (HLT exit, triple fault)
	 * replaces it.
	 */
	memset(&cpu->exit_vme, 0, sizeof(cpu->exit_vme));
	cpu->exit_vme.exitcode = VM_EXITCODE_MTRAP;
	cpu->exit_pending = true;
	return (s);
}
