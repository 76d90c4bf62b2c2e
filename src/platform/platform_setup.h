/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform_setup.h: the glue between the machine lhyve built (config tree,
 * guest memory, PCI and LPC devices, the ACPI PM block) and the platform
 * description (platform.h) that tells the guest about it.
 */
#ifndef LHYVE_PLATFORM_SETUP_H
#define LHYVE_PLATFORM_SETUP_H

#include <stdint.h>

#include "platform/platform.h"

struct vmctx;

/*
 * Describe the running machine in *d: vCPUs and topology (cpus, sockets,
 * cores, threads), RAM (vm_get_lowmem/highmem_size), -U uuid, the VM
 * name, -Y (x86.mptable), the COM ports that exist, the LPC bridge's
 * address, the PCI windows and ECAM, every INTx route, the PM block.
 * Call after init_pci().  0 or -errno (after printing why).
 */
int platform_setup_desc(struct vmctx *ctx, struct platform_desc *d);

/* Add one intx[] entry per PCI INTx route init_pci() made (bus 0). */
int platform_setup_intx(struct platform_desc *d);

/*
 * platform_setup_desc(), pm_init(), then write the MP table, SMBIOS and
 * ACPI tables at PLATFORM_TABLES_BASE; *rsdp_gpa gets the RSDP's address
 * (for the Linux zero page), 0 if ACPI is off.  0 or -errno (printed).
 */
int platform_setup(struct vmctx *ctx, uint64_t *rsdp_gpa);

#endif /* LHYVE_PLATFORM_SETUP_H */
