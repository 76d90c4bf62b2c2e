/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * task.h: hardware task switching of the emu backend (task.c): far
 * JMP/CALL to a TSS descriptor or a task gate, IRET with EFLAGS.NT, and
 * interrupts/exceptions through an IDT task gate, in legacy protected mode
 * (Intel SDM vol. 3A ch. 8 "Task Management", §8.3).
 */
#ifndef LHYVE_EMU_TASK_H
#define LHYVE_EMU_TASK_H

#include "vmm/emu/cpu.h"

/* What started a task switch (SDM 3A §8.3: busy bit, NT, back link). */
enum emu_task_src {
	EMU_TASK_JMP,
	EMU_TASK_CALL,
	EMU_TASK_IRET,
	EMU_TASK_INT,		/* INT n, exception or interrupt */
};

/*
 * Far JMP (call false) or CALL to sel, whose descriptor d is a TSS
 * (types 1, 3, 9, 11) or a task gate (type 5).  ret_eip is the EIP saved
 * in the current TSS (the next instruction).  #GP in long mode.
 */
void emu_task_far(struct emu_cpu *cpu, uint16_t sel, uint64_t d, bool call,
    uint64_t ret_eip);

/* IRET with EFLAGS.NT = 1 in protected mode: back to the linked task. */
void emu_task_iret(struct emu_cpu *cpu, uint64_t ret_eip);

/*
 * Deliver an interrupt or exception through the IDT task gate `gate`
 * (already checked for type, DPL and presence): switch with nesting, then
 * push the error code, if any, on the new task's stack.
 */
void emu_task_gate_int(struct emu_cpu *cpu, uint64_t gate, bool has_err,
    uint32_t err, uint32_t ext, uint64_t ret_eip);

#endif /* LHYVE_EMU_TASK_H */
