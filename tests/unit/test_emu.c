/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_emu.c: unit tests of the emu backend's CPU through the public
 * vmm.h API.  Small guest programs (assembled by gcc from the top-level
 * asm blocks below, in .code16/.code32/.code64) are copied into guest RAM,
 * run with an exit handler that captures port and MMIO accesses, and the
 * exact register, flag and memory results are checked in real, 32-bit
 * protected and 64-bit long mode: ALU flags, shifts, mul/div, strings,
 * the stack, mode switches, #PF through the IDT, triple fault, self-
 * modifying code, unimplemented opcodes.  64-bit ALU code also runs
 * natively on the host, which is the oracle for its results.
 */
#include "test_emu.h"

/* ---- guest snippets ---- */

/* real mode at 0000:7C00: ADD/SUB flags via PUSHF */
SNIPPET(rm_alu, ".code16",
    "mov $0x7fff, %ax\n add $1, %ax\n pushf\n pop %bx\n"
    "mov $0xff, %cl\n add $1, %cl\n pushf\n pop %dx\n"
    "mov $1, %si\n sub $2, %si\n pushf\n pop %di\n"
    "hlt\n");

/* real mode: MUL/DIV/IDIV, then #DE through the IVT */
SNIPPET(rm_div, ".code16",
    "movw $(1f - rm_div_start + 0x7c00), 0\n movw $0, 2\n"
    "mov $300, %ax\n mov $200, %bx\n mul %bx\n mov %ax, %si\n"
    "mov $0, %dx\n mov $100, %ax\n mov $7, %cx\n div %cx\n"
    "mov %ax, %di\n mov %dx, %bp\n"
    "mov $-7, %ax\n cwd\n mov $2, %cx\n idiv %cx\n"
    "mov %ax, 0x600\n mov %dx, 0x602\n"
    "xor %cx, %cx\n"
    ".globl rm_div_fault\n rm_div_fault: div %cx\n hlt\n"
    "1: mov $0xde, %bx\n hlt\n");

/* 32-bit flat: string instructions with REP, DF */
SNIPPET(pm_str, ".code32",
    "cld\n mov $0x20000, %esi\n mov $0x21000, %edi\n mov $100, %ecx\n"
    "rep movsb\n"
    "mov $0x22000, %edi\n mov $0xabcd1234, %eax\n mov $16, %ecx\n"
    "rep stosl\n"
    "std\n mov $0x2300f, %edi\n mov $0x55, %al\n mov $16, %ecx\n"
    "rep stosb\n mov %edi, 0x24000\n cld\n"
    "mov $0x20000, %esi\n mov $0x21000, %edi\n mov $100, %ecx\n"
    "repe cmpsb\n setz %bl\n mov %ecx, %ebp\n"
    "mov $0x20000, %edi\n mov $0x42, %al\n mov $100, %ecx\n"
    "repne scasb\n mov %edi, %edx\n mov %ecx, 0x24004\n"
    "mov $0x22000, %esi\n lodsl\n"
    "hlt\n");

/* 32-bit flat: PUSHA/POPA, CALL/RET, ENTER/LEAVE, PUSH imm, XCHG */
SNIPPET(pm_stack, ".code32",
    "mov $0x11, %eax\n mov $0x22, %ecx\n mov $0x33, %edx\n"
    "mov $0x44, %ebx\n mov $0x55, %ebp\n mov $0x66, %esi\n"
    "mov $0x77, %edi\n pusha\n"
    "xor %eax, %eax\n xor %ecx, %ecx\n xor %edx, %edx\n xor %ebx, %ebx\n"
    "xor %ebp, %ebp\n xor %esi, %esi\n xor %edi, %edi\n popa\n"
    "push $-2\n pop %eax\n"
    "call 1f\n mov %esp, 0x24010\n"
    "enter $16, $0\n mov %esp, 0x24014\n leave\n mov %ebp, 0x24018\n"
    "mov $5, %ecx\n 2: add %ecx, %edx\n loop 2b\n"
    "xchg %edx, %esi\n"
    "hlt\n"
    "1: mov $0xca11, %ebx\n ret\n");

/*
 * 64-bit ALU code that also runs natively: registers only (the stack
 * just for PUSHF), all GPRs start at 0.  Flags read only where the SDM
 * defines them.
 */
#define ALU64_BODY							\
	"mov $0x123456789abcdef0, %rax\n"				\
	"mov $0x10, %rcx\n imul $3, %rcx, %rdx\n"			\
	"mov $-1, %r8\n add $1, %r8\n pushfq\n pop %r9\n and $0x8d5, %r9\n" \
	"mov $0x8000000000000000, %r10\n sar $63, %r10\n"		\
	"mov %rax, %r11\n shl $4, %r11\n setc %bl\n"			\
	"mov %rax, %r12\n ror $8, %r12\n"				\
	"mov %rax, %r13\n rcl $1, %r13\n setc %bh\n"			\
	"mov $0x00f0, %r14\n bsf %r14, %r15\n bsr %r14, %rsi\n"	\
	"mov %rax, %rdi\n bswap %edi\n"					\
	"mov $7, %rbp\n xadd %rbp, %rdx\n"				\
	"mov $0x30, %rax\n mov $0x99, %rcx\n cmpxchg %rcx, %rdx\n"	\
	"setz %cl\n"							\
	"mov $-5, %eax\n movsxd %eax, %rax\n cqo\n"			\
	"mov $3, %r14\n idiv %r14\n"					\
	"mov %rax, %r14\n neg %r14\n sbb %r14, %r14\n"			\
	"shld $12, %r11, %r12\n shrd $4, %r13, %r10\n"			\
	"bts $33, %r15\n btc $1, %r15\n setc %ch\n"			\
	"lea 0x10(%rsi,%rdi,4), %r8\n"					\
	"mov $0x7f, %al\n inc %al\n pushfq\n pop %r9\n and $0x8d4, %r9\n" \
	"mov $0x1234, %ax\n mul %ax\n"					\
	"adc $0x77, %dx\n sub %r13d, %edi\n cmp %r12, %r11\n"

SNIPPET(lm_alu, ".code64", ALU64_BODY "hlt\n");

/* the same body run on the host: fills r[16] and flags */
__asm__(".text\n.globl native_alu64\nnative_alu64:\n"
    "push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "push %rdi\n"
    "xor %eax, %eax\n xor %ebx, %ebx\n xor %ecx, %ecx\n xor %edx, %edx\n"
    "xor %esi, %esi\n xor %edi, %edi\n xor %ebp, %ebp\n"
    "xor %r8, %r8\n xor %r9, %r9\n xor %r10, %r10\n xor %r11, %r11\n"
    "xor %r12, %r12\n xor %r13, %r13\n xor %r14, %r14\n xor %r15, %r15\n"
    ALU64_BODY
    "pushfq\n push %rax\n mov 16(%rsp), %rax\n"
    "mov %rcx, 8(%rax)\n mov %rdx, 16(%rax)\n mov %rbx, 24(%rax)\n"
    "mov %rbp, 40(%rax)\n mov %rsi, 48(%rax)\n mov %rdi, 56(%rax)\n"
    "mov %r8, 64(%rax)\n mov %r9, 72(%rax)\n mov %r10, 80(%rax)\n"
    "mov %r11, 88(%rax)\n mov %r12, 96(%rax)\n mov %r13, 104(%rax)\n"
    "mov %r14, 112(%rax)\n mov %r15, 120(%rax)\n"
    "pop %rcx\n mov %rcx, 0(%rax)\n pop %rcx\n mov %rcx, 128(%rax)\n"
    "pop %rdi\n"
    "pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "ret\n");
void native_alu64(uint64_t out[17]);

/* real mode -> protected -> long mode, at 0000:8000 */
SNIPPET(mswitch, ".code16",
    "cli\n lgdtl 3f - mswitch_start + 0x8000\n"
    "mov %cr0, %eax\n or $1, %eax\n mov %eax, %cr0\n"
    "ljmpl $0x18, $(1f - mswitch_start + 0x8000)\n"
    ".code32\n"
    "1: mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n"
    "mov $0x7000, %esp\n"
    "mov $0x2000, %eax\n mov %eax, %cr3\n"
    "mov %cr4, %eax\n or $0x20, %eax\n mov %eax, %cr4\n"
    "mov $0xc0000080, %ecx\n rdmsr\n or $0x100, %eax\n wrmsr\n"
    "mov %cr0, %eax\n or $0x80000000, %eax\n mov %eax, %cr0\n"
    "mov $0x33, %esi\n"
    "ljmp $0x08, $(2f - mswitch_start + 0x8000)\n"
    ".code64\n"
    "2: mov $0x1122334455667788, %rbx\n push %rbx\n pop %rdi\n"
    "mov $0x4c, %al\n out %al, $0xe9\n hlt\n"
    ".p2align 3\n"
    "4: .quad 0, 0x00af9a000000ffff, 0x00cf92000000ffff, "
    "0x00cf9a000000ffff\n"
    "3: .word 31\n .long 4b - mswitch_start + 0x8000\n");

/* 64-bit: a write to an unmapped page -> #PF through the IDT */
SNIPPET(lm_pf, ".code64",
    "mov $0x40000000, %rax\n"
    ".globl lm_pf_fault\n lm_pf_fault: movq $1, 8(%rax)\n hlt\n"
    ".globl lm_pf_handler\n lm_pf_handler: mov %cr2, %rbx\n pop %rcx\n"
    "mov (%rsp), %rdx\n hlt\n");

/* 64-bit: #UD from an unimplemented (MOVBE, 0F 38 F0: no handler yet)
 * and an invalid (UD2) opcode */
SNIPPET(lm_ud, ".code64",
    ".globl lm_ud_fault\n lm_ud_fault: movbe (%rax), %eax\n hlt\n"
    ".globl lm_ud_handler\n lm_ud_handler: add $1, %rbx\n"
    "mov (%rsp), %rdx\n add $4, %rdx\n mov %rdx, (%rsp)\n iretq\n");
SNIPPET(lm_ud2, ".code64", "ud2\n nop\n nop\n hlt\n");

/* 64-bit: a fault with no IDT: #UD -> #GP -> #DF -> triple fault */
SNIPPET(lm_triple, ".code64", "ud2\n hlt\n");

/* 64-bit: self-modifying code within one block */
SNIPPET(lm_smc, ".code64",
    "movl $0x5678, (1f - lm_smc_start + 0x10001)\n"
    "1: mov $0x1111, %ebx\n hlt\n");
SNIPPET(lm_dma, ".code64", "mov $1, %eax\n hlt\n");

/* 32-bit: port I/O, string I/O, MMIO, and the debug exit */
SNIPPET(pm_io, ".code32",
    "mov $0x41, %al\n out %al, $0xe9\n"
    "mov $0x60, %dx\n in %dx, %eax\n mov %eax, %ebx\n"
    "mov $0x20000, %esi\n mov $0xe9, %dx\n mov $3, %ecx\n rep outsb\n"
    "movl $0xcafe, 0xd0000000\n mov 0xd0000008, %ecx\n"
    "mov $7, %al\n .globl pm_io_exit\n pm_io_exit: out %al, $0xf4\n hlt\n");

/* 64-bit: CPUID, RDMSR of an MSR lhyve owns and of one it refuses */
SNIPPET(lm_msr, ".code64",
    "xor %eax, %eax\n cpuid\n mov %ebx, %r8d\n"
    "mov $0x1234, %ecx\n rdmsr\n mov %eax, %r9d\n"
    "mov $0xc0000080, %ecx\n rdmsr\n mov %eax, %r10d\n"
    "mov $0x9999, %ecx\n rdmsr\n hlt\n"
    ".globl lm_msr_handler\n lm_msr_handler: mov $0x13, %r11\n"
    "pop %r12\n hlt\n");

/* real mode: HLT with IF=0 and no HALT_EXIT: the VM halts */
SNIPPET(rm_hlt, ".code16", "cli\n hlt\n");

/* ---- tests ---- */

static void
test_reset_state(void **state)
{
	struct fx *fx = *state;
	uint64_t base;
	uint32_t limit, acc;

	assert_int_equal(reg(fx, VM_REG_GUEST_CS), 0xf000);
	assert_int_equal(reg(fx, VM_REG_GUEST_RIP), 0xfff0);
	assert_int_equal(vm_get_desc(fx->vcpu, VM_REG_GUEST_CS, &base, &limit,
	    &acc), 0);
	assert_int_equal(base, 0xffff0000);
	assert_int_equal(limit, 0xffff);
	assert_int_equal(reg(fx, VM_REG_GUEST_RFLAGS), 0x2);
	assert_int_equal(reg(fx, VM_REG_GUEST_CR0), 0x60000010);
}

/* The reset vector runs from a ROM at the top of 4 GiB. */
static void
test_reset_vector_rom(void **state)
{
	struct fx *fx = *state;
	uint8_t *rom = vm_create_rom(fx->ctx, 0xffff0000, 0x10000);
	/* mov $0x1234, %ax; mov %ax, (0x10); hlt */
	static const uint8_t code[] = { 0xb8, 0x34, 0x12, 0xa3, 0x10, 0x00,
	    0xf4 };

	assert_non_null(rom);
	/* F000:FFF0 is linear FFFFFFF0; DS base is 0 */
	memcpy(rom + 0xfff0, code, sizeof(code));
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 0x1234);
	assert_int_equal(fx->ram[0x10], 0x34);	/* RAM, not the ROM */
	assert_int_equal(reg(fx, VM_REG_GUEST_RIP), 0xfff7);
}

static void
test_real_alu_flags(void **state)
{
	struct fx *fx = *state;

	load(fx, 0x7c00, rm_alu_start, rm_alu_end);
	set_real(fx, 0, 0x7c00, 0x7000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 0x8000);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0x896);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX) & 0xff, 0);
	/* POP DX keeps RDX[63:16] (the reset signature 0x306a9) */
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX), 0x30057);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI), 0xffff);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI), 0x97);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSP), 0x7000);
}

static void
test_real_muldiv_de(void **state)
{
	struct fx *fx = *state;
	uint16_t ip, cs, fl;
	extern const uint8_t rm_div_fault[];

	load(fx, 0x7c00, rm_div_start, rm_div_end);
	set_real(fx, 0, 0x7c00, 0x7000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI), 60000);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI), 14);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBP), 2);
	assert_int_equal(fx->ram[0x600] | fx->ram[0x601] << 8, 0xfffd);
	assert_int_equal(fx->ram[0x602] | fx->ram[0x603] << 8, 0xffff);
	/* #DE: handler ran, IP/CS/FLAGS of the faulting DIV on the stack */
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0xde);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSP), 0x7000 - 6);
	memcpy(&ip, fx->ram + 0x7000 - 6, 2);
	memcpy(&cs, fx->ram + 0x7000 - 4, 2);
	memcpy(&fl, fx->ram + 0x7000 - 2, 2);
	assert_int_equal(ip, 0x7c00 + (rm_div_fault - rm_div_start));
	assert_int_equal(cs, 0);
	assert_int_equal(fl & 0x202, 0x2);
	assert_int_equal(stat(fx, VMST_EXCEPTIONS), 1);
}

static void
test_prot32_strings(void **state)
{
	struct fx *fx = *state;
	uint32_t v;

	for (int i = 0; i < 100; i++)
		fx->ram[0x20000 + i] = i * 3 + 1;
	fx->ram[0x20000 + 37] = 0x42;
	load(fx, 0x10000, pm_str_start, pm_str_end);
	set_prot32(fx, 0x10000);
	run_to_hlt(fx);
	assert_memory_equal(fx->ram + 0x21000, fx->ram + 0x20000, 100);
	for (int i = 0; i < 16; i++) {
		memcpy(&v, fx->ram + 0x22000 + i * 4, 4);
		assert_int_equal(v, 0xabcd1234);
		assert_int_equal(fx->ram[0x23000 + i], 0x55);
	}
	assert_int_equal(fx->ram[0x23010], 0);
	memcpy(&v, fx->ram + 0x24000, 4);
	assert_int_equal(v, 0x22fff);		/* STD moved EDI down */
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX) & 0xff, 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBP), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX), 0x20000 + 38);
	memcpy(&v, fx->ram + 0x24004, 4);
	assert_int_equal(v, 100 - 38);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 0xabcd1234);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI), 0x22004);
}

static void
test_prot32_stack(void **state)
{
	struct fx *fx = *state;
	uint32_t v;

	load(fx, 0x10000, pm_stack_start, pm_stack_end);
	set_prot32(fx, 0x10000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 0xfffffffe);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0xca11);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI), 0x33 + 15);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX), 0x66);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI), 0x77);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSP), 0x80000);
	memcpy(&v, fx->ram + 0x24010, 4);
	assert_int_equal(v, 0x80000);
	memcpy(&v, fx->ram + 0x24014, 4);
	assert_int_equal(v, 0x80000 - 4 - 16);	/* ENTER: BP pushed, 16 */
	memcpy(&v, fx->ram + 0x24018, 4);
	assert_int_equal(v, 0x55);		/* LEAVE restored EBP */
}

static void
test_long_alu_vs_host(void **state)
{
	struct fx *fx = *state;
	static const int vr[16] = { VM_REG_GUEST_RAX, VM_REG_GUEST_RCX,
	    VM_REG_GUEST_RDX, VM_REG_GUEST_RBX, -1, VM_REG_GUEST_RBP,
	    VM_REG_GUEST_RSI, VM_REG_GUEST_RDI, VM_REG_GUEST_R8,
	    VM_REG_GUEST_R9, VM_REG_GUEST_R10, VM_REG_GUEST_R11,
	    VM_REG_GUEST_R12, VM_REG_GUEST_R13, VM_REG_GUEST_R14,
	    VM_REG_GUEST_R15 };
	uint64_t host[17];

	native_alu64(host);
	load(fx, 0x10000, lm_alu_start, lm_alu_end);
	set_long(fx, 0x10000);
	run_to_hlt(fx);
	for (int i = 0; i < 16; i++) {
		if (vr[i] < 0)
			continue;
		if (reg(fx, vr[i]) != host[i])
			print_error("register %d: emu %#lx host %#lx\n", i,
			    (unsigned long)reg(fx, vr[i]),
			    (unsigned long)host[i]);
		assert_int_equal(reg(fx, vr[i]), host[i]);
	}
	/* the final CMP defines all six arithmetic flags */
	assert_int_equal(reg(fx, VM_REG_GUEST_RFLAGS) & 0x8d5,
	    host[16] & 0x8d5);
	/* and a few values worked out by hand, should the host be odd */
	/* INC 7F: OF SF AF */
	assert_int_equal(reg(fx, VM_REG_GUEST_R9), 0x890);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSP), 0x80000);
}

static void
test_mode_switch(void **state)
{
	struct fx *fx = *state;
	uint64_t base;
	uint32_t limit, acc;

	page_tables(fx);
	load(fx, 0x8000, mswitch_start, mswitch_end);
	set_real(fx, 0, 0x8000, 0x7000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0x1122334455667788ULL);
	assert_int_equal(reg(fx, VM_REG_GUEST_RDI), 0x1122334455667788ULL);
	assert_int_equal(reg(fx, VM_REG_GUEST_RSI), 0x33);
	assert_int_equal(reg(fx, VM_REG_GUEST_CS), 0x08);
	assert_int_equal(reg(fx, VM_REG_GUEST_EFER), 0x500);
	assert_int_equal(reg(fx, VM_REG_GUEST_CR0) & 0x80000001, 0x80000001);
	assert_int_equal(reg(fx, VM_REG_GUEST_SS), 0x10);
	vm_get_desc(fx->vcpu, VM_REG_GUEST_CS, &base, &limit, &acc);
	assert_true(acc & SEG_ACC_L);
	assert_int_equal(T.ncon, 1);
	assert_int_equal(T.con[0], 'L');
}

static void
test_long_page_fault(void **state)
{
	struct fx *fx = *state;
	extern const uint8_t lm_pf_fault[], lm_pf_handler[];

	load(fx, 0x10000, lm_pf_start, lm_pf_end);
	set_long(fx, 0x10000);
	idt64(fx, 14, 0x10000 + (lm_pf_handler - lm_pf_start));
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_CR2), 0x40000008);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0x40000008);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0x2);	/* W, !P */
	assert_int_equal(reg(fx, VM_REG_GUEST_RDX),
	    0x10000 + (lm_pf_fault - lm_pf_start));
	/* the frame: RIP CS RFLAGS RSP SS left after popping the code */
	assert_int_equal(reg(fx, VM_REG_GUEST_RSP), 0x80000 - 5 * 8);
	assert_int_equal(stat(fx, VMST_EXCEPTIONS), 1);
	/* the walk set the accessed bits on the way */
	assert_true(fx->ram[0x2000] & 0x20);
}

static void
test_long_unimplemented_ud(void **state)
{
	struct fx *fx = *state;
	extern const uint8_t lm_ud_handler[];

	load(fx, 0x10000, lm_ud_start, lm_ud_end);
	set_long(fx, 0x10000);
	idt64(fx, 6, 0x10000 + (lm_ud_handler - lm_ud_start));
	run_to_hlt(fx);
	/* handler ran once, skipped the 4-byte MOVBE, HLT reached */
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_RIP), 0x10000 + 5);
	assert_int_equal(stat(fx, VMST_UD_UNIMPL), 1);

	/* UD2 is an architectural #UD, not an unimplemented one */
	load(fx, 0x11000, lm_ud2_start, lm_ud2_end);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RIP, 0x11000);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RBX, 0);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 1);
	assert_int_equal(stat(fx, VMST_UD_UNIMPL), 1);
	assert_int_equal(stat(fx, VMST_EXCEPTIONS), 2);
}

static void
test_triple_fault(void **state)
{
	struct fx *fx = *state;
	struct vm_exit vme;

	load(fx, 0x10000, lm_triple_start, lm_triple_end);
	set_long(fx, 0x10000);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_IDTR, 0, 0, 0);
	vme = run(fx);
	assert_int_equal(vme.exitcode, VM_EXITCODE_SUSPENDED);
	assert_int_equal(vme.u.suspended.how, VM_SUSPEND_TRIPLEFAULT);
}

static void
test_self_modifying_code(void **state)
{
	struct fx *fx = *state;

	load(fx, 0x10000, lm_smc_start, lm_smc_end);
	set_long(fx, 0x10000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0x5678);
	/* again from the top: the patched block is what is cached now */
	vm_set_register(fx->vcpu, VM_REG_GUEST_RIP, 0x10000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0x5678);
}

static void
test_dma_invalidation(void **state)
{
	struct fx *fx = *state;

	load(fx, 0x10000, lm_dma_start, lm_dma_end);
	set_long(fx, 0x10000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 1);
	/* lhyve (a device's DMA) rewrites the immediate */
	fx->ram[0x10001] = 2;
	vm_notify_write(fx->ctx, 0x10001, 1);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RIP, 0x10000);
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RAX), 2);
}

static void
test_port_and_mmio_exits(void **state)
{
	struct fx *fx = *state;
	struct vm_exit vme;
	extern const uint8_t pm_io_exit[];

	memcpy(fx->ram + 0x20000, "xyz", 3);
	load(fx, 0x10000, pm_io_start, pm_io_end);
	set_prot32(fx, 0x10000);
	vme = run(fx);
	/* VMEXIT_ABORT from the handler: vm_run returns, OUT not retired */
	assert_int_equal(vme.exitcode, VM_EXITCODE_DEBUG);
	assert_true(T.got_f4);
	assert_int_equal(T.f4, 7);
	assert_int_equal(reg(fx, VM_REG_GUEST_RIP),
	    0x10000 + (pm_io_exit - pm_io_start));
	assert_int_equal(T.ncon, 4);
	assert_memory_equal(T.con, "Axyz", 4);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 0x12345678);
	assert_int_equal(T.nmmio, 2);
	assert_int_equal(T.mmio_gpa[0], 0xd0000000);
	assert_false(T.mmio_read[0]);
	assert_int_equal(T.mmio_data[0], 0xcafe);
	assert_int_equal(T.mmio_gpa[1], 0xd0000008);
	assert_true(T.mmio_read[1]);
	assert_int_equal(reg(fx, VM_REG_GUEST_RCX), 0x8badf00d);
	assert_int_equal(stat(fx, VMST_EXITS_INOUT), 1 + 1 + 3 + 1);
	assert_int_equal(stat(fx, VMST_EXITS_MMIO), 2);
}

static void
test_cpuid_msr(void **state)
{
	struct fx *fx = *state;
	extern const uint8_t lm_msr_handler[];

	load(fx, 0x10000, lm_msr_start, lm_msr_end);
	set_long(fx, 0x10000);
	idt64(fx, 13, 0x10000 + (lm_msr_handler - lm_msr_start));
	run_to_hlt(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_R8), 0x756e6547);	/* "Genu" */
	assert_int_equal(reg(fx, VM_REG_GUEST_R9), 0x55aa);
	assert_int_equal(reg(fx, VM_REG_GUEST_R10), 0x500);
	assert_int_equal(reg(fx, VM_REG_GUEST_R11), 0x13);	/* #GP ran */
	assert_int_equal(reg(fx, VM_REG_GUEST_R12), 0);		/* code 0 */
	assert_int_equal(T.nrdmsr, 2);
}

static void
test_hlt_if0_halts_vm(void **state)
{
	struct fx *fx = *state;
	struct vm_exit vme;

	vm_set_capability(fx->vcpu, VM_CAP_HALT_EXIT, 0);
	load(fx, 0x7c00, rm_hlt_start, rm_hlt_end);
	set_real(fx, 0, 0x7c00, 0x7000);
	vme = run(fx);
	assert_int_equal(vme.exitcode, VM_EXITCODE_SUSPENDED);
	assert_int_equal(vme.u.suspended.how, VM_SUSPEND_HALT);
	assert_int_equal(vm_get_suspend(fx->ctx), VM_SUSPEND_HALT);
}

static void
test_kick(void **state)
{
	struct fx *fx = *state;
	struct vm_exit vme;

	load(fx, 0x7c00, rm_alu_start, rm_alu_end);
	set_real(fx, 0, 0x7c00, 0x7000);
	vm_vcpu_kick(fx->vcpu);
	vme = run(fx);
	assert_int_equal(vme.exitcode, VM_EXITCODE_DEBUG);
	assert_int_equal(reg(fx, VM_REG_GUEST_RIP), 0x7c00);
	run_to_hlt(fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_state, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reset_vector_rom, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_real_alu_flags, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_real_muldiv_de, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prot32_strings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prot32_stack, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_alu_vs_host, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mode_switch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_page_fault, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_unimplemented_ud,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_triple_fault, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_self_modifying_code,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_invalidation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_port_and_mmio_exits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpuid_msr, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hlt_if0_halts_vm, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kick, setup, teardown),
	};

	return (cmocka_run_group_tests_name("emu", tests, NULL, NULL));
}
