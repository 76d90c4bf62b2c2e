/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_emu_hot.c: the emu backend's specialised 64-bit handlers (hot.c)
 * and run loop (emu_backend.c): near branches through every operand form,
 * faults on a non-canonical branch target leaving RSP alone, FS/GS-based
 * operands, byte registers with and without REX, and the exact count of
 * executed instructions.  tests/cpu covers the non-branch forms against
 * the host CPU; these cover what it cannot run (control flow, faults).
 */
#include "test_emu.h"

/* CALL rel/r/m (base, base+index), JMP r/m, Jcc taken and not, RET */
SNIPPET(hot_br, ".code64",
    "xor %eax, %eax\n"
    "mov $5, %ecx\n"
    "1: call 9f\n"
    "dec %ecx\n"
    "jnz 1b\n"
    "lea 9f(%rip), %rdx\n"
    "call *%rdx\n"
    "mov $0x20000, %esi\n"
    "mov %rdx, (%rsi)\n"
    "mov %rdx, 8(%rsi)\n"
    "call *(%rsi)\n"
    "call *8(%rsi,%rcx,8)\n"
    "lea 2f(%rip), %rdx\n"
    "jmp *%rdx\n"
    "ud2\n"
    "2: lea 3f(%rip), %rdx\n"
    "mov %rdx, 16(%rsi)\n"
    "jmp *16(%rsi)\n"
    "ud2\n"
    "3: cmp $8, %eax\n"
    "jne 4f\n"
    "mov $0x600d, %ebx\n"
    "4: hlt\n"
    "9: add $1, %eax\n"
    "ret\n");

/* RET and CALL to a non-canonical address: #GP(0), RSP as before */
SNIPPET(hot_gp, ".code64",
    "movabs $0x0000800000000000, %rax\n"
    "push %rax\n"
    ".globl hot_gp_ret\n hot_gp_ret: ret\n"
    "hlt\n"
    ".globl hot_gp_call\n hot_gp_call: call *%rax\n"
    "hlt\n"
    ".globl hot_gp_handler\n hot_gp_handler: pop %rcx\n"
    "mov (%rsp), %rdx\n mov 24(%rsp), %rbx\n hlt\n");

/* FS/GS-relative operands: segment base + disp, + base + disp */
SNIPPET(hot_fs, ".code64",
    "mov %fs:0x28, %rax\n"
    "mov $8, %ebx\n"
    "mov %gs:(%rbx), %rcx\n"
    "sub %fs:0x28, %rax\n"
    "sete %dl\n"
    "movb $0x7f, %gs:0x10\n"
    "cmpb $0x7f, %gs:0x10\n"
    "sete %dh\n"
    "hlt\n");

/* byte registers: AH..BH without REX, SIL..DIL with it */
SNIPPET(hot_byte, ".code64",
    "mov $0x1234, %eax\n"
    "mov %ah, %bl\n"
    "mov $0x20000, %esi\n"
    "mov %ah, (%rsi)\n"
    "movb (%rsi), %ch\n"
    "cmp %ah, (%rsi)\n"
    "sete %cl\n"
    "mov $0x55, %dil\n"
    "mov %dil, %dl\n"
    "movzbl %ah, %edi\n"
    "movsbq (%rsi), %rbp\n"
    "test %ah, %ah\n"
    "setnz %dh\n"
    "hlt\n");

/* six instructions in two blocks */
SNIPPET(hot_count, ".code64",
    "nop\n nop\n mov $1, %eax\n jmp 1f\n 1: add $2, %eax\n hlt\n");

static void
test_branches(void **state)
{
	struct fx *fx = *state;

	load(fx, 0x10000, hot_br_start, hot_br_end);
	set_long(fx, 0x10000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 8);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0x600d);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSP), 0x80000);
}

static void
test_noncanonical_branch(void **state)
{
	struct fx *fx = *state;
	extern const uint8_t hot_gp_ret[], hot_gp_call[], hot_gp_handler[];

	load(fx, 0x10000, hot_gp_start, hot_gp_end);
	set_long(fx, 0x10000);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_IDTR, 0x6000, 256 * 16 - 1, 0);
	idt64(fx, 13, 0x10000 + (hot_gp_handler - hot_gp_start));
	run_to_hlt(fx);
	/* #GP(0) at the RET, with RSP still on the bad return address */
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX),
	    0x10000 + (hot_gp_ret - hot_gp_start));
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0x80000 - 8);

	/* CALL: nothing pushed */
	vm_set_register(fx->vcpu, VM_REG_GUEST_RIP,
	    0x10000 + (hot_gp_call - hot_gp_start));
	vm_set_register(fx->vcpu, VM_REG_GUEST_RSP, 0x70000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX),
	    0x10000 + (hot_gp_call - hot_gp_start));
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0x70000);
	assert_int_equal(stat(fx, VMST_EXCEPTIONS), 2);
}

static void
test_fs_gs(void **state)
{
	struct fx *fx = *state;

	load(fx, 0x10000, hot_fs_start, hot_fs_end);
	set_long(fx, 0x10000);
	put64(fx, 0x30028, 0x1122334455667788ULL);
	put64(fx, 0x31008, 0x0123456789abcdefULL);
	vm_set_register(fx->vcpu, VM_REG_GUEST_FS_BASE, 0x30000);
	vm_set_register(fx->vcpu, VM_REG_GUEST_GS_BASE, 0x31000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0x0123456789abcdefULL);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX) & 0xffff, 0x0101);
	assert_int_equal(fx->ram[0x31010], 0x7f);
}

static void
test_byte_regs(void **state)
{
	struct fx *fx = *state;

	load(fx, 0x10000, hot_byte_start, hot_byte_end);
	set_long(fx, 0x10000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX) & 0xff, 0x12);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX) & 0xffff, 0x1201);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX) & 0xffff, 0x0155);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI), 0x12);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBP), 0x12);
	assert_int_equal(fx->ram[0x20000], 0x12);
}

static void
test_insn_count(void **state)
{
	struct fx *fx = *state;

	load(fx, 0x10000, hot_count_start, hot_count_end);
	set_long(fx, 0x10000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 3);
	assert_int_equal(stat(fx, VMST_INSNS), 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_branches, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_noncanonical_branch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fs_gs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_regs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_insn_count, setup,
		    teardown),
	};

	return (cmocka_run_group_tests_name("emu_hot", tests, NULL, NULL));
}
