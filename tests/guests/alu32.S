/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alu32.S: multiboot guest that runs the integer instruction groups of
 * alu.h in 32-bit protected mode and prints one hash per group.
 */
#include "guest.h"
/* What alu.h needs from this mode (before including it). */
#define R(x)		%e##x
#define SET_FLAGS	pushl %edi; popfl
#define GET_FLAGS	pushfl; popl %edx
#define PUTS		call puts32
#define PUTHEX		call puthex32
#include "alu.h"


	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	ALU_RUN_ALL32
	xorl	%eax, %eax
	jmp	exit32

	ALU_OPS_COMMON
	ALU_OPS_BCD
	ALU_COLLECT_CC
	ALU_DRIVER
	LIB32

	.bss
	.balign	16
	.skip	4096
stack_top:
