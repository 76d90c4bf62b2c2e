/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * halt.S: multiboot guest that halts with interrupts disabled; nothing can
 * wake it, so lhyve ends with bhyve's "halted" status, 2.
 */
#include "guest.h"

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	PUTS32	"cli; hlt: halting for good\n"
	cli
	hlt
	FAIL32	1

	LIB32

	.bss
	.balign	16
	.skip	4096
stack_top:
