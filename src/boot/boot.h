/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * boot.h: loaders that put a guest in memory and set the boot vCPU's
 * registers, without firmware.  They read boot.* from the config tree.
 */
#ifndef LHYVE_BOOT_H
#define LHYVE_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/vmm.h"

/* Where the ACPI RSDP is, for loaders that pass it on (Linux zero page). */
void boot_set_rsdp(uint64_t gpa);

/*
 * Load boot.kernel (with boot.initrd and boot.cmdline) and set up 'bsp' to
 * enter it.  Recognises multiboot v1 (ELF32/ELF64), a Linux bzImage
 * (64-bit boot protocol) and plain ELF64.
 * Returns 0, or -1 with a one-line reason in err.
 */
int boot_load_kernel(struct vmctx *ctx, struct vcpu *bsp, char *err,
    size_t errlen);

/*
 * Map lpc.bootrom (a flat image, size a multiple of 4 KiB, at most 16 MiB)
 * so it ends at 4 GiB, with its last 128 KiB mirrored below 1 MiB as on a
 * PC, and leave the BSP at the reset vector.  0, or -1 with err.
 */
int bootrom_load(struct vmctx *ctx, struct vcpu *bsp, char *err,
    size_t errlen);

#endif /* LHYVE_BOOT_H */
