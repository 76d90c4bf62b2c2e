/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * emu_debug.h: the emu backend's debugger hooks (emu_debug.c): INT3 as a
 * VM_EXITCODE_BPT exit (VM_CAP_BPT_EXIT) and single-step, one instruction
 * per vm_run (VM_CAP_MTRAP_EXIT), for lhyve's gdb server (docs/gdb.md).
 */
#ifndef LHYVE_EMU_DEBUG_H
#define LHYVE_EMU_DEBUG_H

#include "vmm/emu/cpu.h"

/* VM_CAP_BPT_EXIT / VM_CAP_MTRAP_EXIT; the vCPU is not in vm_run. */
int emu_dbg_set_cap(struct emu_cpu *cpu, enum vm_cap_type cap, int val);

/*
 * INT3 at op with VM_CAP_BPT_EXIT: leave vm_run with VM_EXITCODE_BPT, the
 * INT3 not run (RIP on it), as a VMX #BP exception exit would.
 */
__attribute__((noreturn)) void emu_dbg_bpt(struct emu_cpu *cpu,
    const struct emu_op *op);

/*
 * Single-step (VM_CAP_MTRAP_EXIT): b's first instruction alone, in the
 * scratch block, with a VM_EXITCODE_MTRAP exit armed for after it.  Called
 * on the block-lookup path only; stepping bumps chain_gen so that no link
 * or jump-cache entry bypasses the lookup, and scratch blocks are never
 * linked or cached.
 */
struct emu_block *emu_dbg_step_block(struct emu_cpu *cpu,
    struct emu_block *b);

#endif /* LHYVE_EMU_DEBUG_H */
