/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * long64.S: multiboot guest that switches to long mode itself (SDM vol. 3
 * 9.8.5: PAE, CR3, EFER.LME, CR0.PG, far jump to a 64-bit code segment) and
 * runs 64-bit code: REX registers, 64-bit immediates and arithmetic, RIP-
 * relative data, and a read through a higher-half alias of the low 1 GiB.
 * Built twice: as an ELF32 and as an ELF64 multiboot kernel.
 */
#include "guest.h"

#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define HIGH_BASE	0xffffffff80000000	/* PML4[511], PDPT[510] */

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	lgdt	gdt_desc
	ljmp	$SEL_CODE32, $1f
1:	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	PUTS32	"hello from 32-bit protected mode, going to long mode\n"

	/*
	 * 4-level tables: the first 1 GiB identity-mapped with 2 MiB pages,
	 * and the same 1 GiB again at HIGH_BASE.  The tables live in .bss,
	 * which the loader zeroes.
	 */
	movl	$pdpt_low, %eax
	orl	$0x3, %eax
	movl	%eax, pml4
	movl	$pdpt_high, %eax
	orl	$0x3, %eax
	movl	%eax, pml4 + 511 * 8
	movl	$pd, %eax
	orl	$0x3, %eax
	movl	%eax, pdpt_low
	movl	%eax, pdpt_high + 510 * 8
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax		/* present, writable, 2 MiB page */
	movl	%eax, pd(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	2b

	movl	%cr4, %eax
	orl	$0x20, %eax		/* CR4.PAE */
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* IA32_EFER */
	rdmsr
	orl	$0x100, %eax		/* LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax	/* PG | PE */
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $long_entry

	.code64
long_entry:
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	leaq	stack_top(%rip), %rsp
	PUTS64	"hello from 64-bit long mode\n"

	/* EFER.LMA must now be set. */
	movl	$0xc0000080, %ecx
	rdmsr
	testl	$0x400, %eax
	jnz	1f
	FAIL64	1

	/* 64-bit immediates and REX registers. */
1:	movabsq	$0x123456789abcdef0, %r8
	movq	%r8, %r15
	addq	%r15, %r15		/* 0x2468acf13579bde0 */
	movabsq	$0x2468acf13579bde0, %r9
	cmpq	%r9, %r15
	je	1f
	FAIL64	2
1:	movq	%r15, %rax
	PUTS64	"r15 = 0x"
	call	puthex64
	PUTS64	"\n"
	/* Carry out of bit 63, and sign extension of imm32. */
	movq	$-1, %r10
	addq	$1, %r10
	jc	1f
	FAIL64	3
1:	testq	%r10, %r10
	jz	1f
	FAIL64	4
1:	movq	$-2, %r11		/* sign-extended imm32 */
	movabsq	$0xfffffffffffffffe, %r12
	cmpq	%r11, %r12
	je	1f
	FAIL64	5
	/* A 32-bit write zero-extends into the 64-bit register. */
1:	movq	%r12, %r13
	movl	$7, %r13d
	cmpq	$7, %r13
	je	1f
	FAIL64	6
	/* 64x64 -> 128 multiply. */
1:	movq	%r8, %rax
	movq	$0x100, %rcx
	mulq	%rcx
	cmpq	$0x12, %rdx
	jne	2f
	movabsq	$0x3456789abcdef000, %rcx
	cmpq	%rcx, %rax
	je	1f
2:	FAIL64	7
	/* push/pop of REX registers keeps all 64 bits. */
1:	pushq	%r8
	popq	%r14
	cmpq	%r8, %r14
	je	1f
	FAIL64	8
	/* RIP-relative load, and the same bytes through the high alias. */
1:	movq	magic(%rip), %rax
	movabsq	$HIGH_BASE, %rbx
	leaq	magic(%rip), %rcx
	addq	%rcx, %rbx
	cmpq	(%rbx), %rax
	je	1f
	FAIL64	9
1:	movabsq	$0x0123456789abcdef, %rcx
	cmpq	%rcx, %rax
	je	1f
	FAIL64	10
1:	PUTS64	"64-bit checks ok\n"
	PUTS64	"ok\n"
	xorl	%eax, %eax
	jmp	exit64

	LIB64
	LIB32

	.section .rodata
	.balign	8
magic:
	.quad	0x0123456789abcdef
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code (L=1) */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat */
	.quad	0x00cf9a000000ffff	/* 0x18: 32-bit code, flat */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.bss
	.balign	4096
pml4:		.skip	4096
pdpt_low:	.skip	4096
pdpt_high:	.skip	4096
pd:		.skip	4096
	.skip	4096
stack_top:
