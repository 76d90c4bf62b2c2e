/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_emu_sys.c: unit tests of the emu backend's system architecture:
 * privilege changes (IRETQ to ring 3, INT n through a DPL-3 gate with the
 * TSS stack switch, a user-mode #PF with the U bit), SYSCALL/SYSRET,
 * 32-bit 2-level paging with 4 MiB pages, CR0.WP and A/D bits, and real-
 * mode INT/IRET and far CALL/RET.
 */
#include "test_emu.h"

/* 64-bit: ring 0 -> IRETQ -> ring 3 -> INT 0x80 -> ring 0 -> IRETQ ->
 * ring 3 write to a supervisor page -> #PF */
SNIPPET(lm_ring3, ".code64",
    "mov $0x30, %ax\n ltr %ax\n"
    "push $0x23\n push $0x70000\n push $0x2\n push $0x2b\n"
    "push $(1f - lm_ring3_start + 0x10000)\n iretq\n"
    "1: mov $0x1234, %rax\n int $0x80\n"
    ".globl lm_ring3_after_int\n lm_ring3_after_int:\n"
    "movq $5, 0x200000\n hlt\n"
    ".globl lm_ring3_int80\n lm_ring3_int80:\n"
    "mov 0(%rsp), %r8\n mov 8(%rsp), %r9\n mov 24(%rsp), %r10\n"
    "mov 32(%rsp), %r11\n mov %rsp, %r12\n iretq\n"
    ".globl lm_ring3_pf\n lm_ring3_pf:\n"
    "pop %rcx\n mov %cr2, %rdx\n mov 8(%rsp), %r13\n hlt\n");

/* 64-bit: STAR/LSTAR/SFMASK, SYSRETQ to ring 3, SYSCALL back */
SNIPPET(lm_sys, ".code64",
    "mov $0xc0000081, %ecx\n xor %eax, %eax\n mov $0x00180008, %edx\n"
    "wrmsr\n"
    "mov $0xc0000082, %ecx\n mov $(2f - lm_sys_start + 0x10000), %eax\n"
    "xor %edx, %edx\n wrmsr\n"
    "mov $0xc0000084, %ecx\n mov $0x200, %eax\n wrmsr\n"
    "mov $0xc0000080, %ecx\n rdmsr\n or $1, %eax\n wrmsr\n"
    "mov $(1f - lm_sys_start + 0x10000), %rcx\n mov $0x202, %r11\n"
    "sysretq\n"
    "1: mov $0x42, %rdi\n syscall\n"
    ".globl lm_sys_after\n lm_sys_after: hlt\n"
    "2: mov %rcx, %r8\n mov %r11, %r9\n hlt\n");

/* 32-bit: 2-level paging with PSE, CR0.WP, a #PF through a 32-bit IDT */
SNIPPET(pm_pg, ".code32",
    "mov $0x2000, %eax\n mov %eax, %cr3\n"
    "mov %cr4, %eax\n or $0x10, %eax\n mov %eax, %cr4\n"
    "mov %cr0, %eax\n or $0x80010000, %eax\n mov %eax, %cr0\n"
    "movl $0xfeedbeef, 0x400010\n mov 0x31000, %ebx\n"
    ".globl pm_pg_ro\n pm_pg_ro: movl $1, 0x31000\n hlt\n"
    ".globl pm_pg_np\n pm_pg_np: mov 0x30004, %eax\n hlt\n"
    ".globl pm_pg_handler\n pm_pg_handler:\n"
    "pop %ecx\n mov %cr2, %edx\n mov (%esp), %esi\n hlt\n");

/* real mode: INT 10h through the IVT with IRET, far CALL/RET */
SNIPPET(rm_far, ".code16",
    "movw $(1f - rm_far_start + 0x7c00), 0x40\n movw $0, 0x42\n"
    "mov $5, %ax\n int $0x10\n"
    "lcall $0, $(2f - rm_far_start + 0x7c00)\n"
    "mov %ax, %bx\n hlt\n"
    "1: add $1, %ax\n iret\n"
    "2: shl $1, %ax\n lret\n");

/* GDT at 0x500: code64/data DPL0, code32/data/code64 DPL3, a 64-bit TSS */
static void
gdt_rings(struct fx *fx)
{
	uint64_t tss = 0x7000;

	put64(fx, 0x500, 0);
	put64(fx, 0x508, 0x00af9a000000ffffULL);
	put64(fx, 0x510, 0x00cf92000000ffffULL);
	put64(fx, 0x518, 0x00cffa000000ffffULL);
	put64(fx, 0x520, 0x00cff2000000ffffULL);
	put64(fx, 0x528, 0x00affa000000ffffULL);
	put64(fx, 0x530, 0x67 | ((tss & 0xffffff) << 16) | (0x89ULL << 40) |
	    (((tss >> 24) & 0xff) << 56));
	put64(fx, 0x538, tss >> 32);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_GDTR, 0x500, 0x3f, 0);
	put64(fx, tss + 4, 0x90000);		/* RSP0 */
	/* user-accessible identity map, but 2-4 MiB is supervisor only */
	put64(fx, 0x2000, 0x3000 | 7);
	put64(fx, 0x3000, 0x4000 | 7);
	for (uint64_t i = 0; i < 512; i++)
		put64(fx, 0x4000 + i * 8, (i << 21) | (i == 1 ? 0x83 : 0x87));
}

static void
test_ring3_int_and_user_pf(void **state)
{
	struct fx *fx = *state;
	extern const uint8_t lm_ring3_after_int[], lm_ring3_int80[],
	    lm_ring3_pf[];
	uint64_t base = 0x10000;

	load(fx, base, lm_ring3_start, lm_ring3_end);
	set_long(fx, base);
	gdt_rings(fx);
	idt64(fx, 14, base + (lm_ring3_pf - lm_ring3_start));
	idt64(fx, 0x80, base + (lm_ring3_int80 - lm_ring3_start));
	fx->ram[0x6000 + 0x80 * 16 + 5] = 0xee;	/* gate DPL 3 */
	run_to_hlt(fx);
	/* INT 0x80 from ring 3: the frame on the RSP0 stack */
	assert_int_equal(reg(fx, VM_REG_GUEST_R8),
	    base + (lm_ring3_after_int - lm_ring3_start));
	assert_int_equal(reg(fx, VM_REG_GUEST_R9), 0x2b);
	assert_int_equal(reg(fx, VM_REG_GUEST_R10), 0x70000);
	assert_int_equal(reg(fx, VM_REG_GUEST_R11), 0x23);
	assert_int_equal(reg(fx, VM_REG_GUEST_R12), 0x90000 - 5 * 8);
	/* then the user write to a supervisor page: P | W | U */
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 7);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX), 0x200000);
	assert_int_equal(reg(fx, VM_REG_GUEST_R13), 0x2b);
	assert_int_equal(reg(fx, VM_REG_GUEST_CS), 0x08);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSP), 0x90000 - 5 * 8);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 0x1234);
	/* LTR marked the TSS busy */
	assert_int_equal(fx->ram[0x535], 0x8b);
}

static void
test_syscall_sysret(void **state)
{
	struct fx *fx = *state;
	extern const uint8_t lm_sys_after[];

	load(fx, 0x10000, lm_sys_start, lm_sys_end);
	set_long(fx, 0x10000);
	gdt_rings(fx);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_R8),
	    0x10000 + (lm_sys_after - lm_sys_start));
	assert_int_equal(reg(fx, VM_REG_GUEST_R9), 0x202);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI), 0x42);
	assert_int_equal(reg(fx, VM_REG_GUEST_CS), 0x08);
	assert_int_equal(reg(fx, VM_REG_GUEST_SS), 0x10);
	/* SFMASK cleared IF */
	assert_int_equal(reg(fx, VM_REG_GUEST_RFLAGS) & 0x200, 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_EFER), 0x501);
}

static void
test_paging32(void **state)
{
	struct fx *fx = *state;
	extern const uint8_t pm_pg_ro[], pm_pg_np[], pm_pg_handler[];
	uint64_t h = 0x10000 + (pm_pg_handler - pm_pg_start);
	uint32_t v, pde1, pte;

	load(fx, 0x10000, pm_pg_start, pm_pg_end);
	set_prot32(fx, 0x10000);
	put64(fx, 0x500, 0);
	put64(fx, 0x508, 0x00cf9a000000ffffULL);
	put64(fx, 0x510, 0x00cf92000000ffffULL);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_GDTR, 0x500, 0x17, 0);
	put64(fx, 0x6000 + 14 * 8, (h & 0xffff) | (0x08ULL << 16) |
	    (0x8eULL << 40) | ((h >> 16) << 48));
	vm_set_desc(fx->vcpu, VM_REG_GUEST_IDTR, 0x6000, 0x7ff, 0);
	/* PD: 4 KiB pages below 4 MiB, a 4 MiB page 4M -> 8M */
	v = 0x3000 | 3;
	memcpy(fx->ram + 0x2000, &v, 4);
	v = 0x800000 | 0x83;
	memcpy(fx->ram + 0x2004, &v, 4);
	for (uint32_t i = 0; i < 1024; i++) {
		v = (i << 12) | (i == 0x30 ? 0 : i == 0x31 ? 1 : 3);
		memcpy(fx->ram + 0x3000 + i * 4, &v, 4);
	}

	run_to_hlt(fx);
	memcpy(&v, fx->ram + 0x800010, 4);
	assert_int_equal(v, 0xfeedbeef);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 3);		/* P | W */
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX), 0x31000);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI),
	    0x10000 + (pm_pg_ro - pm_pg_start));
	memcpy(&pde1, fx->ram + 0x2004, 4);
	assert_int_equal(pde1 & 0x60, 0x60);	/* accessed and dirty */
	memcpy(&pte, fx->ram + 0x3000 + 0x31 * 4, 4);
	assert_int_equal(pte & 0x60, 0x20);	/* accessed only */

	/* a read of a not-present page: error code 0 */
	vm_set_register(fx->vcpu, VM_REG_GUEST_RIP,
	    0x10000 + (pm_pg_np - pm_pg_start));
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX), 0x30004);
	assert_int_equal(reg(fx, VM_REG_GUEST_CR2), 0x30004);
}

static void
test_real_int_and_far_call(void **state)
{
	struct fx *fx = *state;

	load(fx, 0x7c00, rm_far_start, rm_far_end);
	set_real(fx, 0, 0x7c00, 0x7000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 12);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSP), 0x7000);
	assert_int_equal(reg(fx, VM_REG_GUEST_CS), 0);
	assert_int_equal(stat(fx, VMST_EXCEPTIONS), 1);	/* the INT */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ring3_int_and_user_pf,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_syscall_sysret, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_paging32, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_real_int_and_far_call,
		    setup, teardown),
	};

	return (cmocka_run_group_tests_name("emu_sys", tests, NULL, NULL));
}
