/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * triplefault.S: multiboot guest that loads an empty IDT and raises an
 * exception (ud2, or int3 with -DUSE_INT3): #UD/#BP cannot be delivered, nor
 * the #DF after it, so the CPU shuts down (SDM vol. 3 6.15, "Double Fault").
 */
#include "guest.h"

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
#ifdef USE_INT3
	PUTS32	"int3 with an empty IDT: triple fault next\n"
#else
	PUTS32	"ud2 with an empty IDT: triple fault next\n"
#endif
	lidt	empty_idtr
#ifdef USE_INT3
	int3
#else
	ud2
#endif
	/* Still running: the exception was lost. */
	FAIL32	1

	LIB32

	.section .rodata
	.balign	8
empty_idtr:
	.word	0		/* limit 0: no vector is inside the IDT */
	.long	0

	.bss
	.balign	16
	.skip	4096
stack_top:
