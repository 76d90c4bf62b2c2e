/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_sysenter.S: multiboot guest for SYSENTER/SYSEXIT (SDM vol. 2B
 * "SYSENTER", "SYSEXIT"; vol. 3A 5.8.7) with IA32_SYSENTER_CS/ESP/EIP
 * (MSRs 0x174-0x176): the selectors and flat segments both load without
 * reading the GDT (CS, CS+8 at ring 0; CS+16, CS+24 for a 32-bit return;
 * CS+32, CS+40 for a 64-bit one), EFLAGS.IF/VM/RF cleared on entry, ESP/EIP
 * truncated to 32 bits outside IA-32e mode and not inside it; first in
 * 32-bit protected mode, then in long mode (to 64-bit ring 3, and to
 * compatibility mode), and the #GP(0) cases (SYSENTER_CS null; SYSEXIT to
 * a non-canonical RIP or RSP).  Run under QEMU with an Intel vendor.
 */
#include "guest.h"
#include "sys.h"

#define S_CODE32	0x08	/* = SYSENTER_CS */
#define S_DATA		0x10
#define S_UCODE32	0x18
#define S_UDATA		0x20
#define S_UCODE64	0x28
#define S_UDATA64	0x30
#define S_CODE64	0x38

#define MSR_CS		0x174
#define MSR_ESP		0x175
#define MSR_EIP		0x176

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	lgdt	gdt_desc
	ljmp	$S_CODE32, $1f
1:	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	PUTS32	"sys_sysenter: SYSENTER/SYSEXIT, 32-bit and 64-bit\n"

	/* ---- 32-bit protected mode ---- */
	movl	$MSR_CS, %ecx
	movl	$S_CODE32, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$MSR_ESP, %ecx
	movl	$sysenter_stack, %eax
	movl	$1, %edx			/* bit 32: not used */
	wrmsr
	movl	$MSR_EIP, %ecx
	movl	$entry32, %eax
	movl	$1, %edx			/* bit 32: not used */
	wrmsr
	movl	$back32, after
	movl	$ring3_stack_top, %ecx
	movl	$ring3_32, %edx
	sysexit
back32:
	movl	$stack_top, %esp
	PUTS32	"32-bit sysexit to ring 3:\n"
	SHOW32	"  cs", r3_cs
	SHOW32	"  ss", r3_ss
	movl	r3_sp, %eax
	subl	$ring3_stack_top, %eax
	SHOW32	"  esp - ecx", %eax
	PUTS32	"sysenter to ring 0:\n"
	SHOW32	"  cs", k_cs
	SHOW32	"  ss", k_ss
	movl	k_sp, %eax
	subl	$sysenter_stack, %eax
	SHOW32	"  esp - msr", %eax
	movl	k_fl, %eax
	andl	$0x20300, %eax
	SHOW32	"  eflags vm|rf|if|tf", %eax

	/* ---- long mode ---- */
	call	build_tables
	movl	%cr4, %eax
	orl	$0x20, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	ljmp	$S_CODE64, $long_entry

/* a ring-3 stub for both 32-bit returns (legacy and compatibility mode) */
ring3_32:
	movw	%cs, %ax
	movzwl	%ax, %eax
	movl	%eax, r3_cs
	movw	%ss, %ax
	movzwl	%ax, %eax
	movl	%eax, r3_ss
	movl	%esp, r3_sp
	sysenter

entry32:
	movl	%esp, k_sp
	movw	%cs, %ax
	movzwl	%ax, %eax
	movl	%eax, k_cs
	movw	%ss, %ax
	movzwl	%ax, %eax
	movl	%eax, k_ss
	pushfl
	popl	%eax
	movl	%eax, k_fl
	jmp	*after

build_tables:
	movl	$(pdpt + 7), pml4
	movl	$(pd + 7), pdpt
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x87, %eax			/* P W U PS */
	movl	%eax, pd(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
	ret

	LIB32

	.code64
long_entry:
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	$stack_top, %rsp
	call	setup_idt
	PUTS64	"long mode\n"
	/* full 64-bit MSR values now */
	movl	$MSR_ESP, %ecx
	movl	$0x00002000, %eax
	movl	$0x00000001, %edx
	wrmsr
	movl	$MSR_EIP, %ecx
	movl	$entry64, %eax
	xorl	%edx, %edx
	wrmsr

	/* SYSEXIT with REX.W: 64-bit ring 3 */
	movq	$back64, after
	movabsq	$0x0000000000123450, %rcx
	movq	$ring3_64, %rdx
	sysexitq
back64:
	movq	$stack_top, %rsp
	/* CS 0x08 from SYSENTER is 64-bit, the GDT's 0x08 is not: reload */
	pushq	$S_CODE64
	pushq	$1f
	lretq
1:
	PUTS64	"64-bit sysexit to ring 3:\n"
	SHOW64	"  cs", r3_cs
	SHOW64	"  ss", r3_ss
	SHOW64	"  rsp", r3_sp
	PUTS64	"sysenter from 64-bit ring 3:\n"
	SHOW64	"  cs", k_cs
	SHOW64	"  ss", k_ss
	SHOW64	"  rsp", k_sp

	/* SYSEXIT without REX.W from 64-bit mode: compatibility mode */
	movq	$0, r3_cs
	movq	$back_compat, after
	movabsq	$0xffffffff00123460, %rcx	/* upper half: dropped */
	movq	$ring3_32, %rdx
	sysexitl
back_compat:
	movq	$stack_top, %rsp
	/* CS 0x08 from SYSENTER is 64-bit, the GDT's 0x08 is not: reload */
	pushq	$S_CODE64
	pushq	$1f
	lretq
1:
	PUTS64	"32-bit sysexit from 64-bit mode (compatibility mode):\n"
	SHOW64	"  cs", r3_cs
	SHOW64	"  ss", r3_ss
	SHOW64	"  esp", r3_sp
	PUTS64	"sysenter from compatibility mode:\n"
	SHOW64	"  cs", k_cs
	SHOW64	"  ss", k_ss
	SHOW64	"  rsp", k_sp

	/* #GP(0) cases, all at ring 0 (QEMU lacks the canonical checks) */
	movq	$stack_top, %rsp
	movl	$MSR_CS, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	TRY64	3
	sysenter
	CHECK64	3, "sysenter, SYSENTER_CS = 0"
	TRY64	4
	movq	$ring3_stack_top, %rcx
	movq	$ring3_64, %rdx
	sysexitq
	CHECK64	4, "sysexitq, SYSENTER_CS = 0"
	movl	$MSR_CS, %ecx
	rdmsr
	SHOW64	"SYSENTER_CS", %rax
	movl	$MSR_ESP, %ecx
	rdmsr
	shlq	$32, %rdx
	orq	%rdx, %rax
	SHOW64	"SYSENTER_ESP", %rax
	movl	$MSR_CS, %ecx
	movl	$S_CODE32, %eax
	xorl	%edx, %edx
	wrmsr
	movabsq	$0x0000800000000000, %rbx
	TRY64	1
	movq	$ring3_64, %rcx
	movq	%rbx, %rdx
	sysexitq
	CHECK64	1, "sysexitq to non-canonical rip"
	TRY64	2
	movq	%rbx, %rcx
	movq	$ring3_64, %rdx
	sysexitq
	CHECK64	2, "sysexitq with non-canonical rsp"
	movq	$stack_top, %rsp
	PUTS64	"ok\n"
	xorl	%eax, %eax
	jmp	exit64

ring3_64:
	movw	%cs, %ax
	movzwl	%ax, %eax
	movq	%rax, r3_cs
	movw	%ss, %ax
	movzwl	%ax, %eax
	movq	%rax, r3_ss
	movq	%rsp, r3_sp
	sysenter

entry64:
	movq	%rsp, k_sp
	movw	%cs, %ax
	movzwl	%ax, %eax
	movq	%rax, k_cs
	movw	%ss, %ax
	movzwl	%ax, %eax
	movq	%rax, k_ss
	jmp	*after

setup_idt:
	xorl	%ecx, %ecx
1:	movq	%rcx, %rax
	shlq	$4, %rax
	addq	$stubs64, %rax
	movq	%rcx, %rbx
	shlq	$4, %rbx
	movw	%ax, idt(%rbx)
	movw	$S_CODE64, idt + 2(%rbx)
	movw	$0x8e00, idt + 4(%rbx)
	shrq	$16, %rax
	movw	%ax, idt + 6(%rbx)
	shrq	$16, %rax
	movl	%eax, idt + 8(%rbx)
	incl	%ecx
	cmpl	$32, %ecx
	jb	1b
	lidt	idt_desc
	ret

#define HAS_ERROR(v)	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17)
	.balign	16
stubs64:
	.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, \
	    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.balign	16
	.if !HAS_ERROR(\v)
	pushq	$0
	.endif
	pushq	$\v
	jmp	common64
	.endr

/* Stack: rax, vector, error, RIP, CS, RFLAGS, RSP, SS. */
common64:
	pushq	%rax
	movq	8(%rsp), %rax
	movq	%rax, exc_vec
	movq	16(%rsp), %rax
	movq	%rax, exc_err
	movq	24(%rsp), %rax
	movq	%rax, exc_rip
	movq	exc_resume, %rax
	movq	%rax, 24(%rsp)
	popq	%rax
	addq	$16, %rsp
	iretq

	LIB64
	REPORT64

	.data
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 code, 32-bit */
	.quad	0x00cf93000000ffff	/* 0x10 data */
	.quad	0x00cffb000000ffff	/* 0x18 code DPL 3, 32-bit */
	.quad	0x00cff3000000ffff	/* 0x20 data DPL 3 */
	.quad	0x00affb000000ffff	/* 0x28 code DPL 3, 64-bit */
	.quad	0x00cff3000000ffff	/* 0x30 data DPL 3 */
	.quad	0x00af9b000000ffff	/* 0x38 code, 64-bit */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
idt_desc:
	.word	32 * 16 - 1
	.quad	idt

	.bss
	.balign	4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
idt:	.skip	32 * 16
	.balign	8
after:		.quad	0
r3_cs:		.quad	0
r3_ss:		.quad	0
r3_sp:		.quad	0
k_cs:		.quad	0
k_ss:		.quad	0
k_sp:		.quad	0
k_fl:		.quad	0
exc_resume:	.quad	0
exc_vec:	.quad	0
exc_err:	.quad	0
exc_rip:	.quad	0
exc_cr2:	.quad	0
	.balign	16
	.skip	4096
sysenter_stack:
	.skip	4096
ring3_stack_top:
	.skip	8192
stack_top:
