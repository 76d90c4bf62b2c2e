/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hello32.S: multiboot v1 ELF32 guest entered in 32-bit protected mode; checks
 * the boot magic and that the multiboot command line is --cmdline verbatim.
 */
#include "guest.h"

#ifndef EXPECTED_CMDLINE
#define EXPECTED_CMDLINE "hello32 console=ttyS0 x=1,y=2 \"quoted words\""
#endif

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	/* Multiboot section 3.2: ESP is undefined, EAX/EBX hold magic and info. */
	movl	$stack_top, %esp
	movl	%eax, %edi
	PUTS32	"hello from 32-bit protected mode\n"

	cmpl	$MB_BOOT_MAGIC, %edi
	je	1f
	PUTS32	"bad magic "
	movl	%edi, %eax
	call	puthex32
	PUTS32	"\n"
	FAIL32	1
1:	PUTS32	"multiboot magic ok\n"

	testl	$MBI_F_CMDLINE, MBI_FLAGS(%ebx)
	jnz	2f
	FAIL32	2
2:	PUTS32	"cmdline: "
	movl	MBI_CMDLINE(%ebx), %esi
	call	puts32
	PUTS32	"\n"
	movl	$expected_cmdline, %edi
	call	strcmp32
	je	3f
	FAIL32	3
3:	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

	LIB32

	.section .rodata
expected_cmdline:
	.asciz	EXPECTED_CMDLINE

	.bss
	.balign	16
	.skip	4096
stack_top:
