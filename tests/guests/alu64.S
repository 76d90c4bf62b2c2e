/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alu64.S: multiboot guest that switches to long mode and runs the integer
 * instruction groups of alu.h, plus the 64-bit forms, in 64-bit mode.
 */
#include "guest.h"
#define ALU_HASH_HIGH	1
/* What alu.h needs from this mode (before including it). */
#define R(x)		%r##x
#define SET_FLAGS	pushq %rdi; popfq
#define GET_FLAGS	pushfq; popq %rdx
#define PUTS		call puts64
#define PUTHEX		call puthex32_64
#include "alu.h"


	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	lgdt	gdt_desc
	/* Identity-map the first 1 GiB with 2 MiB pages (tables in .bss). */
	movl	$pdpt, %eax
	orl	$3, %eax
	movl	%eax, pml4
	movl	$pd, %eax
	orl	$3, %eax
	movl	%eax, pdpt
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax
	movl	%eax, pd(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
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
	orl	$0x80000001, %eax
	movl	%eax, %cr0
	ljmp	$0x08, $long_entry

	.code64
long_entry:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	$stack_top, %rsp
	ALU_RUN_ALL64
	xorl	%eax, %eax
	jmp	exit64

/* %eax as 8 hex digits, from 64-bit code. */
puthex32_64:
	pushq	%rax
	shlq	$32, %rax
	pushq	%rcx
	movl	$8, %ecx
1:	rolq	$4, %rax
	pushq	%rax
	andl	$0xf, %eax
	movb	hexdigits64(%rax), %al
	call	putc64
	popq	%rax
	decl	%ecx
	jnz	1b
	popq	%rcx
	popq	%rax
	ret

	ALU_OPS_COMMON
	ALU_OPS_64
	ALU_COLLECT_CC
	ALU_DRIVER
	LIB64

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.bss
	.balign	4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
	.skip	8192
stack_top:
