/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vlapic.h: the emu backend's local APIC, one per vCPU (SDM 3A ch. 10):
 * xAPIC MMIO and x2APIC MSRs, priorities (TPR/PPR), IRR/ISR/TMR and EOI,
 * the LVT, the timer (one-shot, periodic, TSC-deadline) and the ICR, plus
 * the message routing the IOAPIC and MSIs share with IPIs.
 */
#ifndef LHYVE_EMU_VLAPIC_H
#define LHYVE_EMU_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct emu_cpu;
struct vmctx;
struct vlapic;

/* delivery modes (ICR, LVT, IOAPIC RTE, MSI data bits 10:8) */
#define APIC_DM_FIXED	0
#define APIC_DM_LOWPRI	1
#define APIC_DM_SMI	2
#define APIC_DM_NMI	4
#define APIC_DM_INIT	5
#define APIC_DM_SIPI	6
#define APIC_DM_EXTINT	7

#define MSR_APIC_BASE_EN	0x800ULL	/* global enable */
#define MSR_APIC_BASE_EXTD	0x400ULL	/* x2APIC mode */
#define MSR_APIC_BASE_BSP	0x100ULL

int vlapic_init(struct emu_cpu *cpu);
void vlapic_cleanup(struct emu_cpu *cpu);
/* INIT / RESET state (SDM 3A §10.4.7.1): everything but ID and APIC_BASE */
void vlapic_reset(struct vlapic *vl);

/* xAPIC page access (off within the page); false: not an APIC access */
void vlapic_mmio(struct emu_cpu *cpu, uint64_t off, int size, bool read,
    uint64_t *data);
/* x2APIC MSRs 0x800-0x8FF and TSC_DEADLINE: 0, or -1 for #GP(0) */
int vlapic_rdmsr(struct emu_cpu *cpu, uint32_t msr, uint64_t *val);
int vlapic_wrmsr(struct emu_cpu *cpu, uint32_t msr, uint64_t val);
/* APIC_BASE was written with a valid value (mode switches) */
void vlapic_base_changed(struct emu_cpu *cpu, uint64_t old);

/*
 * The highest vector the LAPIC would present to the CPU (IRR above PPR),
 * or -1.  take: the CPU accepts it (IRR -> ISR).
 */
int vlapic_intr(struct vlapic *vl, bool take);
/* May the 8259's INTR reach this CPU (LINT0 ExtINT or LAPIC disabled)? */
bool vlapic_extint_ok(struct emu_cpu *cpu);
uint8_t vlapic_get_tpr(struct vlapic *vl);
void vlapic_set_tpr(struct vlapic *vl, uint8_t tpr);

/*
 * Send an interrupt message: dest is 8 bits (xAPIC ICR, IOAPIC, MSI) or
 * 32 bits (x2APIC ICR, x2 true); shorthand as ICR bits 19:18; self is the
 * sender for shorthands (may be NULL).
 */
void vlapic_deliver(struct vmctx *ctx, struct emu_cpu *self, uint32_t dest,
    bool x2, bool logical, int shorthand, int mode, int vec, bool level);
int vlapic_msi(struct vmctx *ctx, uint64_t addr, uint64_t msg);

#endif /* LHYVE_EMU_VLAPIC_H */
