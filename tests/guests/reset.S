/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reset.S: multiboot guest that resets the machine, through the keyboard
 * controller's pulse-reset command (0xFE to port 0x64) or, with -DUSE_CF9,
 * through the reset control register at 0xCF9 (write 0x06: full reset).
 * bhyve ends with status 0 on a guest reset.
 */
#include "guest.h"

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
#ifdef USE_CF9
	PUTS32	"resetting through port 0xCF9\n"
	movb	$0x06, %al
	movw	$0xcf9, %dx
	outb	%al, %dx
#else
	PUTS32	"resetting through the keyboard controller\n"
	movb	$0xfe, %al
	outb	%al, $0x64
#endif
	/* A reset takes effect at once on lhyve; give a slow one some room. */
	movl	$1000, %ecx
1:	pause
	loop	1b
	FAIL32	1

	LIB32

	.bss
	.balign	16
	.skip	4096
stack_top:
