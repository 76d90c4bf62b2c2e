/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * trace.h: the emu backend's debugging trace (trace.c, docs/emu.md
 * "Debugging"): exceptions and interrupts delivered, triple faults and
 * resets, optionally every executed instruction (with or without the
 * registers), all off unless LHYVE_EMU_TRACE or -o emu.trace asks.
 */
#ifndef LHYVE_EMU_TRACE_H
#define LHYVE_EMU_TRACE_H

#include <stdbool.h>
#include <stdint.h>

struct emu_cpu;
struct emu_op;
struct emu_block;

#define EMU_TR_EXC	0x01	/* exceptions and interrupts delivered */
#define EMU_TR_INSN	0x02	/* every executed instruction: CS:RIP, bytes */
#define EMU_TR_REGS	0x04	/* with insn: the GPRs and flags before it */
#define EMU_TR_IO	0x08	/* port I/O and MMIO exits */
#define EMU_TR_MSR	0x10	/* RDMSR/WRMSR exits and #GPs */

/* What to trace; 0 (the default) makes every hook one untaken branch. */
extern int emu_trace_mask;

/* Read LHYVE_EMU_TRACE / emu.trace (once per process); 0 or -errno. */
int emu_trace_init(void);
/* An exception or interrupt is about to be delivered. */
void emu_trace_deliver(struct emu_cpu *cpu, int vec, bool has_err,
    uint32_t err, bool soft);
/* A fault while delivering prev (vec) ends in a triple fault. */
void emu_trace_triple(struct emu_cpu *cpu, int prev, int vec, uint32_t err);
/* The run loop leaves for a VM suspend (reset, power-off, halt, triple). */
void emu_trace_suspend(struct emu_cpu *cpu, int how);
/* A synchronous exit (I/O, MMIO, MSR) seen by emu_exit_call. */
void emu_trace_exit(struct emu_cpu *cpu, const void *vme);
/* Run the ops of b from op the way run_blocks does, logging each. */
const struct emu_op *emu_trace_run(struct emu_cpu *cpu,
    const struct emu_block *b, const struct emu_op *op);
/* One line, prefixed with the vCPU, to the trace stream. */
void emu_trace_printf(struct emu_cpu *cpu, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* LHYVE_EMU_TRACE_H */
