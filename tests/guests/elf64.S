/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elf64.S: a plain ELF64 kernel (no multiboot header) with a 64-bit entry
 * point; lhyve enters it in long mode with identity paging set up.
 */
#include "guest.h"

	.text
	.code64
	.globl	_start
_start:
	leaq	stack_top(%rip), %rsp
	PUTS64	"hello from a plain ELF64 kernel, entered in long mode\n"

	/* Only true in 64-bit mode: a 64-bit immediate round-trips. */
	movabsq	$0xfedcba9876543210, %r11
	rorq	$32, %r11
	movabsq	$0x76543210fedcba98, %rax
	cmpq	%rax, %r11
	je	1f
	FAIL64	1
	/* EFER.LMA and CR0.PG: long mode is really active. */
1:	movl	$0xc0000080, %ecx
	rdmsr
	testl	$0x400, %eax
	jnz	1f
	FAIL64	2
1:	movq	%cr0, %rax
	btq	$31, %rax
	jc	1f
	FAIL64	3
	/* Identity paging: the bss is where the linker put it. */
1:	leaq	probe(%rip), %rbx
	movabsq	$0x1122334455667788, %rax
	movq	%rax, (%rbx)
	movq	$probe, %rcx		/* link-time (physical) address */
	cmpq	%rcx, %rbx
	je	1f
	FAIL64	4
1:	cmpq	(%rcx), %rax
	je	1f
	FAIL64	5
1:	PUTS64	"ok\n"
	xorl	%eax, %eax
	jmp	exit64

	LIB64

	.bss
	.balign	16
probe:	.quad	0
	.skip	4096
stack_top:
