/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_emu_task.c: unit tests of the emu backend's far returns and task
 * switches: far RET, IRET and IRETQ to an RIP outside the new CS (limit,
 * or not canonical) fault with #GP(0) before any register changes (SDM
 * vol. 2 "RET", "IRET"); a JMP to a TSS with the T bit set gives #DB (BT
 * in DR6) on the new task's first instruction (SDM 3A §18.3.1.5), and
 * CR0.TS is set by the switch.  The guest tier (sys_task) covers the rest.
 */
#include "test_emu.h"

/* 32-bit: a #GP handler records the error code, saved EIP/CS and ESP */
SNIPPET(pm_ret, ".code32",
    ".globl pm_ret_lret\n pm_ret_lret:\n"
    "push $0x18\n push $0x2000\n"
    ".globl pm_ret_lret_at\n pm_ret_lret_at: lret\n"
    ".globl pm_ret_iret\n pm_ret_iret:\n"
    "pushf\n push $0x18\n push $0x2000\n"
    ".globl pm_ret_iret_at\n pm_ret_iret_at: iret\n"
    ".globl pm_ret_gp\n pm_ret_gp:\n"
    "pop %ecx\n mov (%esp), %edx\n mov 4(%esp), %esi\n mov %esp, %edi\n"
    "hlt\n"
    /* the task switch: main jumps to task T (TSS at 0x7100) */
    ".globl pm_ret_tsw\n pm_ret_tsw:\n"
    "mov $0x28, %ax\n ltr %ax\n ljmp $0x30, $0\n hlt\n"
    ".globl pm_ret_task\n pm_ret_task: mov $0x7a5c, %eax\n hlt\n"
    ".globl pm_ret_db\n pm_ret_db:\n"
    "mov (%esp), %edx\n mov %dr6, %esi\n str %di\n mov %cr0, %ebx\n hlt\n");

extern const uint8_t pm_ret_lret[], pm_ret_lret_at[], pm_ret_iret[],
    pm_ret_iret_at[], pm_ret_gp[], pm_ret_tsw[], pm_ret_task[], pm_ret_db[];

#define BASE	0x10000u
#define OFF(sym)	(BASE + (uint32_t)((sym) - pm_ret_start))

static void
put32(struct fx *fx, uint64_t gpa, uint32_t v)
{
	memcpy(fx->ram + gpa, &v, 4);
}

/* GDT at 0x500: flat code/data, code with limit 0xfff, two 32-bit TSSes */
static void
gdt32(struct fx *fx)
{
	put64(fx, 0x500, 0);
	put64(fx, 0x508, 0x00cf9b000000ffffULL);
	put64(fx, 0x510, 0x00cf93000000ffffULL);
	put64(fx, 0x518, 0x00409b0000000fffULL);	/* limit 0xfff */
	put64(fx, 0x520, 0);
	/* 0x28: TSS at 0x7000, 0x30: TSS at 0x7100, limit 0x67 */
	put64(fx, 0x528, 0x0000890070000067ULL);
	put64(fx, 0x530, 0x0000890071000067ULL);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_GDTR, 0x500, 0x37, 0);
}

/* a 32-bit interrupt gate for vec in the IDT at 0x6000 */
static void
idt32(struct fx *fx, int vec, uint32_t off)
{
	put64(fx, 0x6000 + vec * 8, (off & 0xffff) | (0x08ULL << 16) |
	    (0x8eULL << 40) | ((uint64_t)(off >> 16) << 48));
	vm_set_desc(fx->vcpu, VM_REG_GUEST_IDTR, 0x6000, 256 * 8 - 1, 0);
}

static void
start32(struct fx *fx, uint32_t eip)
{
	load(fx, BASE, pm_ret_start, pm_ret_end);
	set_prot32(fx, eip);
	gdt32(fx);
	idt32(fx, 13, OFF(pm_ret_gp));
}

/* far RET to 0x18:0x2000 (limit 0xfff): #GP(0) at the LRET, CS and ESP
 * unchanged (the frame is right below the two pushed dwords) */
static void
test_lret_past_limit(void **state)
{
	struct fx *fx = *state;

	start32(fx, OFF(pm_ret_lret));
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX), OFF(pm_ret_lret_at));
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI), 0x08);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI), 0x80000 - 8 - 12);
}

static void
test_iret_past_limit(void **state)
{
	struct fx *fx = *state;

	start32(fx, OFF(pm_ret_iret));
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX), OFF(pm_ret_iret_at));
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI), 0x08);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI), 0x80000 - 12 - 12);
}

/* 64-bit: IRETQ to a non-canonical RIP: #GP(0), RSP as before */
SNIPPET(lm_iretq, ".code64",
    "mov %rsp, %rbp\n"
    "push $0x10\n push $0x12345\n push $0x2\n push $0x08\n"
    "mov $0x0000800000000000, %rax\n push %rax\n"
    ".globl lm_iretq_at\n lm_iretq_at: iretq\n"
    ".globl lm_iretq_gp\n lm_iretq_gp:\n"
    "pop %rcx\n mov (%rsp), %rdx\n mov 8(%rsp), %rsi\n mov 24(%rsp), %rdi\n"
    "hlt\n");

static void
test_iretq_noncanonical(void **state)
{
	struct fx *fx = *state;
	extern const uint8_t lm_iretq_at[], lm_iretq_gp[];

	load(fx, BASE, lm_iretq_start, lm_iretq_end);
	set_long(fx, BASE);
	idt64(fx, 13, BASE + (lm_iretq_gp - lm_iretq_start));
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX),
	    BASE + (lm_iretq_at - lm_iretq_start));
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI), 0x08);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI), 0x80000 - 5 * 8);
}

/* JMP to a TSS with T set: the switch completes (TR, CR0.TS, the busy
 * bits, the outgoing EIP saved), then #DB with DR6.BT at the new EIP */
static void
test_task_trap_bit(void **state)
{
	struct fx *fx = *state;

	start32(fx, OFF(pm_ret_tsw));
	idt32(fx, 1, OFF(pm_ret_db));
	/* the new task: flat, EIP pm_ret_task, ESP 0x70000, T = 1 */
	put32(fx, 0x7100 + 0x20, OFF(pm_ret_task));
	put32(fx, 0x7100 + 0x24, 0x2);
	put32(fx, 0x7100 + 0x38, 0x70000);
	put32(fx, 0x7100 + 0x48, 0x10);
	put32(fx, 0x7100 + 0x4c, 0x08);
	put32(fx, 0x7100 + 0x50, 0x10);
	put32(fx, 0x7100 + 0x54, 0x10);
	put32(fx, 0x7100 + 0x64, 1);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX), OFF(pm_ret_task));
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI) & 0x8000, 0x8000);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI) & 0xffff, 0x30);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX) & 8, 8);
	/* main's TSS: EIP after the LJMP; main available, the task busy */
	assert_int_equal(*(uint32_t *)(fx->ram + 0x7000 + 0x20),
	    OFF(pm_ret_tsw) + 4 + 3 + 7);
	assert_int_equal(fx->ram[0x52d], 0x89);
	assert_int_equal(fx->ram[0x535], 0x8b);
	/* the #DB frame is on the new task's stack */
	assert_int_equal(reg(fx, VM_REG_GUEST_RSP), 0x70000 - 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lret_past_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_iret_past_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_iretq_noncanonical, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_task_trap_bit, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
