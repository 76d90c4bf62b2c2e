/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_setup.h: put the boot vCPU straight into 32-bit protected mode or
 * 64-bit long mode, as a boot loader would leave it, without firmware.
 * Shared by the multiboot, ELF64 and (later) Linux bzImage loaders.
 */
#ifndef LHYVE_BOOT_X86_SETUP_H
#define LHYVE_BOOT_X86_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/vmm.h"

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_EFER_LME	(1ULL << 8)
#define X86_EFER_LMA	(1ULL << 10)
#define X86_RFLAGS_RSVD	0x2ULL

/* Hidden-descriptor access rights (vmm.h's VMX layout) lhyve boots with. */
#define X86_ACC_CODE32	(SEG_ACC_TYPE(0xb) | SEG_ACC_S | SEG_ACC_P | \
			 SEG_ACC_DB | SEG_ACC_G)
#define X86_ACC_CODE64	(SEG_ACC_TYPE(0xb) | SEG_ACC_S | SEG_ACC_P | \
			 SEG_ACC_L | SEG_ACC_G)
#define X86_ACC_DATA	(SEG_ACC_TYPE(0x3) | SEG_ACC_S | SEG_ACC_P | \
			 SEG_ACC_DB | SEG_ACC_G)
#define X86_ACC_TSS	(SEG_ACC_TYPE(0xb) | SEG_ACC_P)	/* busy TSS */
#define X86_ACC_LDT	(SEG_ACC_TYPE(0x2) | SEG_ACC_P)

/* Page-table entry bits used for the identity map. */
#define X86_PTE_P	(1ULL << 0)
#define X86_PTE_RW	(1ULL << 1)
#define X86_PTE_PS	(1ULL << 7)

/*
 * Fill buf with the boot GDT: null, null, flat code at 0x10 (64-bit if
 * long_mode, else 32-bit), flat data at 0x18.  Returns the bytes written
 * (BOOT_GDT_ENTRIES * 8) or -1 if buf is too small.
 */
int x86_build_gdt(uint8_t *buf, size_t len, bool long_mode);

/*
 * Fill buf (BOOT_PT_PAGES pages) with 4-level page tables that identity-map
 * the first 4 GiB with 2 MiB pages, for the guest to find at 'gpa':
 * PML4 at gpa, PDPT at gpa + 4K, PDs at gpa + 8K ... + 20K.  0 or -1.
 */
int x86_build_identity_pt(uint8_t *buf, size_t len, uint64_t gpa);

/*
 * 32-bit protected mode, paging off (multiboot 0.6.96 §3.2): flat CS/DS,
 * CR0 = PE|ET, EFLAGS = 2, EIP = entry, ESP = esp.  Writes the GDT into
 * guest memory.  0, or -1 with err.
 */
int x86_setup_protected(struct vmctx *ctx, struct vcpu *vcpu, uint64_t entry,
    uint64_t esp, char *err, size_t errlen);

/*
 * 64-bit long mode with the first 4 GiB identity-mapped (the state Linux's
 * 64-bit boot protocol asks for): GDT and page tables in guest memory,
 * CS = 0x10 (64-bit), DS/ES/SS/FS/GS = 0x18, CR0 = PE|ET|NE|PG, CR4 = PAE,
 * EFER = LME|LMA, RFLAGS = 2, RIP = entry, RSP = rsp.  The caller sets the
 * argument registers (RSI, RDI, ...).  0, or -1 with err.
 */
int x86_setup_long(struct vmctx *ctx, struct vcpu *vcpu, uint64_t entry,
    uint64_t rsp, char *err, size_t errlen);

/*
 * Copy len bytes into guest RAM at gpa (and tell the backend), or fail
 * with "guest RAM does not cover the <what> at ..." in err.
 */
int boot_put_guest(struct vmctx *ctx, uint64_t gpa, const void *src,
    size_t len, const char *what, char *err, size_t errlen);

#endif /* LHYVE_BOOT_X86_SETUP_H */
