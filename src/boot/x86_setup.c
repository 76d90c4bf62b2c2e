/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_setup.c: the CPU state a boot loader hands over, built directly in
 * the boot vCPU: 32-bit flat protected mode (multiboot) and 64-bit long
 * mode with an identity map (plain ELF64, Linux's 64-bit boot protocol).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/loader.h"
#include "boot/x86_setup.h"

/* GDT descriptors in memory form (SDM vol. 3 §3.4.5): base 0, limit 4 GiB. */
#define GDT_CODE32	0x00cf9b000000ffffULL	/* G, D, P, S, type B */
#define GDT_CODE64	0x00af9b000000ffffULL	/* G, L, P, S, type B */
#define GDT_DATA	0x00cf93000000ffffULL	/* G, B, P, S, type 3 */

#define PAGE_SIZE	4096
#define NELEM(a)	((int)(sizeof(a) / sizeof((a)[0])))

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int
x86_build_gdt(uint8_t *buf, size_t len, bool long_mode)
{
	if (len < BOOT_GDT_ENTRIES * 8)
		return (-1);
	memset(buf, 0, BOOT_GDT_ENTRIES * 8);
	put64(buf + BOOT_SEL_CODE, long_mode ? GDT_CODE64 : GDT_CODE32);
	put64(buf + BOOT_SEL_DATA, GDT_DATA);
	return (BOOT_GDT_ENTRIES * 8);
}

int
x86_build_identity_pt(uint8_t *buf, size_t len, uint64_t gpa)
{
	uint64_t pdpt = gpa + PAGE_SIZE;
	uint64_t pd = gpa + 2 * PAGE_SIZE;

	if (len < BOOT_PT_PAGES * PAGE_SIZE || (gpa & (PAGE_SIZE - 1)) != 0)
		return (-1);
	memset(buf, 0, BOOT_PT_PAGES * PAGE_SIZE);
	put64(buf, pdpt | X86_PTE_P | X86_PTE_RW);
	for (int i = 0; i < 4; i++) {
		uint8_t *pdp = buf + (2 + i) * PAGE_SIZE;

		put64(buf + PAGE_SIZE + 8 * i,
		    (pd + i * PAGE_SIZE) | X86_PTE_P | X86_PTE_RW);
		/* 512 entries of 2 MiB each: GiB i, identity. */
		for (int j = 0; j < 512; j++)
			put64(pdp + 8 * j, ((uint64_t)i << 30) |
			    ((uint64_t)j << 21) | X86_PTE_P | X86_PTE_RW |
			    X86_PTE_PS);
	}
	return (0);
}

/* Write a buffer into guest RAM, or fail with a message. */
int
boot_put_guest(struct vmctx *ctx, uint64_t gpa, const void *src, size_t len,
    const char *what, char *err, size_t errlen)
{
	void *dst = vm_map_gpa(ctx, gpa, len);

	if (dst == NULL) {
		snprintf(err, errlen, "guest RAM does not cover the %s at "
		    "0x%llx-0x%llx", what, (unsigned long long)gpa,
		    (unsigned long long)(gpa + len));
		return (-1);
	}
	memcpy(dst, src, len);
	vm_notify_write(ctx, gpa, len);
	return (0);
}

struct reg_val {
	int reg;
	uint64_t val;
};

struct desc_val {
	int reg;
	uint64_t base;
	uint32_t limit;
	uint32_t access;
};

/* Load registers and hidden descriptors; any failure names the register. */
static int
load_state(struct vcpu *vcpu, const struct reg_val *regs, int nregs,
    const struct desc_val *descs, int ndescs, char *err, size_t errlen)
{
	int error;

	for (int i = 0; i < ndescs; i++) {
		error = vm_set_desc(vcpu, descs[i].reg, descs[i].base,
		    descs[i].limit, descs[i].access);
		if (error != 0) {
			snprintf(err, errlen, "cannot set descriptor %d of the "
			    "boot vCPU: %s", descs[i].reg, strerror(-error));
			return (-1);
		}
	}
	for (int i = 0; i < nregs; i++) {
		error = vm_set_register(vcpu, regs[i].reg, regs[i].val);
		if (error != 0) {
			snprintf(err, errlen, "cannot set register %d of the "
			    "boot vCPU: %s", regs[i].reg, strerror(-error));
			return (-1);
		}
	}
	return (0);
}

/*
 * The descriptor part shared by both modes.  GDTR points at our GDT so a
 * kernel that reloads a selector before its own lgdt still finds a flat
 * segment; IDTR is empty so an early fault ends in a triple fault (exit 3)
 * instead of running garbage.  LDTR/TR hold the minimal valid values a
 * hardware backend needs for VM entry.
 */
static int
load_segments(struct vcpu *vcpu, uint32_t code_acc, char *err, size_t errlen)
{
	const struct desc_val descs[] = {
		{ VM_REG_GUEST_CS, 0, 0xffffffff, code_acc },
		{ VM_REG_GUEST_DS, 0, 0xffffffff, X86_ACC_DATA },
		{ VM_REG_GUEST_ES, 0, 0xffffffff, X86_ACC_DATA },
		{ VM_REG_GUEST_SS, 0, 0xffffffff, X86_ACC_DATA },
		{ VM_REG_GUEST_FS, 0, 0xffffffff, X86_ACC_DATA },
		{ VM_REG_GUEST_GS, 0, 0xffffffff, X86_ACC_DATA },
		{ VM_REG_GUEST_GDTR, BOOT_GDT_GPA, BOOT_GDT_ENTRIES * 8 - 1,
		    0 },
		{ VM_REG_GUEST_IDTR, 0, 0, 0 },
		{ VM_REG_GUEST_LDTR, 0, 0, X86_ACC_LDT },
		{ VM_REG_GUEST_TR, 0, 0, X86_ACC_TSS },
	};
	const struct reg_val sels[] = {
		{ VM_REG_GUEST_CS, BOOT_SEL_CODE },
		{ VM_REG_GUEST_DS, BOOT_SEL_DATA },
		{ VM_REG_GUEST_ES, BOOT_SEL_DATA },
		{ VM_REG_GUEST_SS, BOOT_SEL_DATA },
		{ VM_REG_GUEST_FS, BOOT_SEL_DATA },
		{ VM_REG_GUEST_GS, BOOT_SEL_DATA },
		{ VM_REG_GUEST_LDTR, 0 },
		{ VM_REG_GUEST_TR, 0 },
	};

	return (load_state(vcpu, sels, NELEM(sels), descs, NELEM(descs), err,
	    errlen));
}

int
x86_setup_protected(struct vmctx *ctx, struct vcpu *vcpu, uint64_t entry,
    uint64_t esp, char *err, size_t errlen)
{
	uint8_t gdt[BOOT_GDT_ENTRIES * 8];
	/* Multiboot 0.6.96 §3.2: PE set, PG clear, IF and VM clear. */
	const struct reg_val ctl[] = {
		{ VM_REG_GUEST_EFER, 0 },
		{ VM_REG_GUEST_CR4, 0 },
		{ VM_REG_GUEST_CR3, 0 },
		{ VM_REG_GUEST_CR0, X86_CR0_PE | X86_CR0_ET },
	};
	const struct reg_val regs[] = {
		{ VM_REG_GUEST_RFLAGS, X86_RFLAGS_RSVD },
		{ VM_REG_GUEST_RSP, esp },
		{ VM_REG_GUEST_RIP, entry },
	};

	if (entry > 0xffffffffULL || esp > 0xffffffffULL) {
		snprintf(err, errlen, "32-bit entry point 0x%llx is above "
		    "4 GiB", (unsigned long long)entry);
		return (-1);
	}
	x86_build_gdt(gdt, sizeof(gdt), false);
	if (boot_put_guest(ctx, BOOT_GDT_GPA, gdt, sizeof(gdt), "boot GDT", err,
	    errlen) != 0)
		return (-1);
	/* Control registers first: they decide how the rest is read. */
	if (load_state(vcpu, ctl, NELEM(ctl), NULL, 0, err, errlen) != 0 ||
	    load_segments(vcpu, X86_ACC_CODE32, err, errlen) != 0 ||
	    load_state(vcpu, regs, NELEM(regs), NULL, 0, err, errlen) != 0)
		return (-1);
	return (0);
}

int
x86_setup_long(struct vmctx *ctx, struct vcpu *vcpu, uint64_t entry,
    uint64_t rsp, char *err, size_t errlen)
{
	uint8_t *pt;
	uint8_t gdt[BOOT_GDT_ENTRIES * 8];
	/*
	 * The state Linux's 64-bit boot protocol specifies (boot.rst, "64-bit
	 * boot protocol"): long mode, paging with an identity map of the
	 * loaded image and boot data, __BOOT_CS 0x10, __BOOT_DS 0x18.
	 */
	const struct reg_val ctl[] = {
		{ VM_REG_GUEST_CR4, X86_CR4_PAE },
		{ VM_REG_GUEST_CR3, BOOT_PML4_GPA },
		{ VM_REG_GUEST_EFER, X86_EFER_LME | X86_EFER_LMA },
		{ VM_REG_GUEST_CR0, X86_CR0_PE | X86_CR0_ET | X86_CR0_NE |
		    X86_CR0_PG },
	};
	const struct reg_val regs[] = {
		{ VM_REG_GUEST_RFLAGS, X86_RFLAGS_RSVD },
		{ VM_REG_GUEST_RSP, rsp },
		{ VM_REG_GUEST_RIP, entry },
	};

	if (entry >= (4ULL << 30)) {
		snprintf(err, errlen, "entry point 0x%llx is outside the "
		    "identity-mapped first 4 GiB", (unsigned long long)entry);
		return (-1);
	}
	x86_build_gdt(gdt, sizeof(gdt), true);
	if (boot_put_guest(ctx, BOOT_GDT_GPA, gdt, sizeof(gdt), "boot GDT", err,
	    errlen) != 0)
		return (-1);
	/* The tables are built in place: 24 KiB is too much for a buffer. */
	pt = vm_map_gpa(ctx, BOOT_PML4_GPA, BOOT_PT_PAGES * PAGE_SIZE);
	if (pt == NULL) {
		snprintf(err, errlen, "guest RAM does not cover the boot page "
		    "tables at 0x%llx", (unsigned long long)BOOT_PML4_GPA);
		return (-1);
	}
	x86_build_identity_pt(pt, BOOT_PT_PAGES * PAGE_SIZE, BOOT_PML4_GPA);
	vm_notify_write(ctx, BOOT_PML4_GPA, BOOT_PT_PAGES * PAGE_SIZE);
	/* Control registers first: they decide how the rest is read. */
	if (load_state(vcpu, ctl, NELEM(ctl), NULL, 0, err, errlen) != 0 ||
	    load_segments(vcpu, X86_ACC_CODE64, err, errlen) != 0 ||
	    load_state(vcpu, regs, NELEM(regs), NULL, 0, err, errlen) != 0)
		return (-1);
	return (0);
}
