/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_emu.h: the harness shared by the emu backend's unit tests
 * (test_emu.c, test_emu_sys.c): a VM with 16 MiB of RAM on the emu
 * backend, an exit handler that records port, MMIO and MSR exits, guest
 * snippets assembled from top-level asm, and the entry states the loaders
 * set up (real mode, flat 32-bit protected mode, long mode).
 */
#ifndef LHYVE_TEST_EMU_H
#define LHYVE_TEST_EMU_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/vmm.h"

/* A guest code snippet: name_start[] .. name_end[] in .rodata. */
#define SNIPPET(name, mode, body)					\
	__asm__(".pushsection .rodata\n"				\
	    ".globl " #name "_start\n" #name "_start:\n"		\
	    mode "\n" body "\n"						\
	    ".globl " #name "_end\n" #name "_end:\n"			\
	    ".code64\n.popsection\n");					\
	extern const uint8_t name##_start[], name##_end[]

/* ---- the harness ---- */

static struct {
	char con[64];
	int ncon;
	uint32_t f4;
	bool got_f4;
	int nmmio;
	uint64_t mmio_gpa[4], mmio_data[4];
	bool mmio_read[4];
	int nrdmsr;
} T __attribute__((unused));

static inline int
handler(struct vcpu *vcpu, struct vm_exit *vme)
{
	switch (vme->exitcode) {
	case VM_EXITCODE_INOUT:
		if (!vme->u.inout.in && vme->u.inout.port == 0xf4) {
			T.f4 = vme->u.inout.eax;
			T.got_f4 = true;
			return (VMEXIT_ABORT);
		}
		if (!vme->u.inout.in && vme->u.inout.port == 0xe9 &&
		    T.ncon < (int)sizeof(T.con) - 1)
			T.con[T.ncon++] = vme->u.inout.eax;
		if (vme->u.inout.in && vme->u.inout.port == 0x60)
			vme->u.inout.eax = 0x12345678;
		return (VMEXIT_CONTINUE);
	case VM_EXITCODE_MMIO:
		if (T.nmmio < 4) {
			T.mmio_gpa[T.nmmio] = vme->u.mmio.gpa;
			T.mmio_read[T.nmmio] = vme->u.mmio.read;
			T.mmio_data[T.nmmio] = vme->u.mmio.data;
			T.nmmio++;
		}
		if (vme->u.mmio.read)
			vme->u.mmio.data = 0x8badf00d;
		return (VMEXIT_CONTINUE);
	case VM_EXITCODE_RDMSR:
		T.nrdmsr++;
		if (vme->u.msr.code == 0x1234) {
			vme->u.msr.rval = 0x55aa;
			return (VMEXIT_CONTINUE);
		}
		return (VMEXIT_FAULT_GP);
	default:
		return (VMEXIT_CONTINUE);
	}
}

struct fx {
	struct vmctx *ctx;
	struct vcpu *vcpu;
	uint8_t *ram;
};

#define RAMSIZE (16u << 20)

static inline int
setup(void **state)
{
	static struct fx fx;
	char err[128];

	memset(&T, 0, sizeof(T));
	fx.ctx = vm_create("test", "emu", 1, err, sizeof(err));
	if (fx.ctx == NULL)
		return (-1);
	if (vm_setup_memory(fx.ctx, RAMSIZE) != 0)
		return (-1);
	vm_set_exit_handler(fx.ctx, handler);
	fx.vcpu = vm_vcpu_open(fx.ctx, 0);
	fx.ram = vm_map_gpa(fx.ctx, 0, RAMSIZE);
	if (fx.vcpu == NULL || fx.ram == NULL)
		return (-1);
	vm_set_capability(fx.vcpu, VM_CAP_HALT_EXIT, 1);
	*state = &fx;
	return (0);
}

static inline int
teardown(void **state)
{
	struct fx *fx = *state;

	vm_destroy(fx->ctx);
	return (0);
}

static inline uint64_t
reg(struct fx *fx, int r)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vm_get_register(fx->vcpu, r, &v), 0);
	return (v);
}

static inline void
load(struct fx *fx, uint64_t gpa, const uint8_t *start, const uint8_t *end)
{
	memcpy(fx->ram + gpa, start, end - start);
	vm_notify_write(fx->ctx, gpa, end - start);
}

static inline struct vm_exit
run(struct fx *fx)
{
	struct vm_exit vme;

	assert_int_equal(vm_run(fx->vcpu, &vme), 0);
	return (vme);
}

static inline void
run_to_hlt(struct fx *fx)
{
	struct vm_exit vme = run(fx);

	assert_int_equal(vme.exitcode, VM_EXITCODE_HLT);
}

#define ACC_CODE32 (SEG_ACC_P | SEG_ACC_S | 0xb | SEG_ACC_DB | SEG_ACC_G)
#define ACC_CODE64 (SEG_ACC_P | SEG_ACC_S | 0xb | SEG_ACC_L | SEG_ACC_G)
#define ACC_DATA   (SEG_ACC_P | SEG_ACC_S | 0x3 | SEG_ACC_DB | SEG_ACC_G)

static inline void
set_real(struct fx *fx, uint16_t cs, uint16_t ip, uint16_t sp)
{
	vm_set_register(fx->vcpu, VM_REG_GUEST_CS, cs);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_CS, (uint64_t)cs << 4, 0xffff,
	    SEG_ACC_P | SEG_ACC_S | 0xb);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RIP, ip);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RSP, sp);
}

/* Flat 32-bit protected mode as the multiboot loader sets it up. */
static inline void
set_prot32(struct fx *fx, uint32_t eip)
{
	static const int data[] = { VM_REG_GUEST_DS, VM_REG_GUEST_ES,
	    VM_REG_GUEST_SS, VM_REG_GUEST_FS, VM_REG_GUEST_GS };

	vm_set_register(fx->vcpu, VM_REG_GUEST_CR0, 0x11);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_CS, 0, 0xffffffff, ACC_CODE32);
	vm_set_register(fx->vcpu, VM_REG_GUEST_CS, 0x08);
	for (unsigned i = 0; i < 5; i++) {
		vm_set_desc(fx->vcpu, data[i], 0, 0xffffffff, ACC_DATA);
		vm_set_register(fx->vcpu, data[i], 0x10);
	}
	vm_set_register(fx->vcpu, VM_REG_GUEST_RIP, eip);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RSP, 0x80000);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RFLAGS, 0x2);
}

static inline void
put64(struct fx *fx, uint64_t gpa, uint64_t v)
{
	memcpy(fx->ram + gpa, &v, 8);
}

/* Identity page tables for the first 1 GiB with 2 MiB pages at 0x2000. */
static inline void
page_tables(struct fx *fx)
{
	put64(fx, 0x2000, 0x3000 | 3);
	put64(fx, 0x3000, 0x4000 | 3);
	for (uint64_t i = 0; i < 512; i++)
		put64(fx, 0x4000 + i * 8, (i << 21) | 0x83);
	/* GDT: null, code64, data, code32 */
	put64(fx, 0x500, 0);
	put64(fx, 0x508, 0x00af9a000000ffffULL);
	put64(fx, 0x510, 0x00cf92000000ffffULL);
	put64(fx, 0x518, 0x00cf9a000000ffffULL);
}

/* Long mode as the ELF64 loader sets it up; code at rip. */
static inline void
set_long(struct fx *fx, uint64_t rip)
{
	static const int data[] = { VM_REG_GUEST_DS, VM_REG_GUEST_ES,
	    VM_REG_GUEST_SS, VM_REG_GUEST_FS, VM_REG_GUEST_GS };

	page_tables(fx);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_GDTR, 0x500, 31, 0);
	vm_set_register(fx->vcpu, VM_REG_GUEST_CR3, 0x2000);
	vm_set_register(fx->vcpu, VM_REG_GUEST_CR4, 0x20);
	vm_set_register(fx->vcpu, VM_REG_GUEST_EFER, 0x500);
	vm_set_register(fx->vcpu, VM_REG_GUEST_CR0, 0x80010011);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_CS, 0, 0xffffffff, ACC_CODE64);
	vm_set_register(fx->vcpu, VM_REG_GUEST_CS, 0x08);
	for (unsigned i = 0; i < 5; i++) {
		vm_set_desc(fx->vcpu, data[i], 0, 0xffffffff, ACC_DATA);
		vm_set_register(fx->vcpu, data[i], 0x10);
	}
	vm_set_register(fx->vcpu, VM_REG_GUEST_RIP, rip);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RSP, 0x80000);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RFLAGS, 0x2);
}

/* A 64-bit interrupt gate for vec at the IDT at 0x6000. */
static inline void
idt64(struct fx *fx, int vec, uint64_t off)
{
	uint64_t lo = (off & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
	    (((off >> 16) & 0xffff) << 48);

	put64(fx, 0x6000 + vec * 16, lo);
	put64(fx, 0x6000 + vec * 16 + 8, off >> 32);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_IDTR, 0x6000, 256 * 16 - 1, 0);
}

static inline uint64_t
stat(struct fx *fx, enum vm_stat s)
{
	uint64_t st[VMST_LAST];

	vm_get_stats(fx->vcpu, st);
	return (st[s]);
}

#endif /* LHYVE_TEST_EMU_H */
