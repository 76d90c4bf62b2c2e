/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr.h: the glue between the emu backend's interrupt controllers
 * (vlapic, vioapic, vatpic, vatpit) and its vCPUs: INIT/SIPI, and the
 * ports and MMIO pages the emu handles itself instead of exiting.
 */
#ifndef LHYVE_EMU_INTR_H
#define LHYVE_EMU_INTR_H

#include <stdbool.h>
#include <stdint.h>

struct emu_cpu;
struct emu_vm;
struct vm_exit;
struct vmctx;

/* INIT IPI to t (any thread). */
void emu_intr_init(struct emu_cpu *t);
/* Start-up IPI from self to t: the first one starts the AP's thread. */
void emu_intr_sipi(struct emu_cpu *self, struct emu_cpu *t, int vec);

/*
 * An I/O or MMIO exit the emu may own (LAPIC page, IOAPIC, 8259, ELCR,
 * 8254, port 0x61, IMCR): true if it was handled here.
 */
bool emu_intr_exit(struct emu_cpu *cpu, struct vm_exit *vme);

/* The 8259 changed its INTR output: tell the CPUs that listen. */
void emu_intr_extint_changed(struct vmctx *ctx);

/* per-VM and per-vCPU setup (emu_backend.c) */
int emu_intr_vm_init(struct vmctx *ctx);
void emu_intr_vm_cleanup(struct vmctx *ctx);
int emu_intr_vcpu_init(struct emu_cpu *cpu);
void emu_intr_vcpu_cleanup(struct emu_cpu *cpu);

#endif /* LHYVE_EMU_INTR_H */
