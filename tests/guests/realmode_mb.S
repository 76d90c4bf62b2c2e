/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * realmode_mb.S: multiboot guest that leaves protected mode for real mode the
 * way the SDM describes it (vol. 3 9.9.2: through a 16-bit code segment with
 * 64 KiB limits, clear CR0.PE, far jump), runs real-mode code copied below
 * 1 MiB, then returns to 32-bit protected mode.
 */
#include "guest.h"

#define SEL_CODE32	0x08
#define SEL_DATA32	0x10
#define SEL_CODE16	0x18
#define SEL_DATA16	0x20
#define RM_BASE		0x8000		/* the real-mode blob runs at 0800:0000 */
#define RM_SEG		(RM_BASE >> 4)
#define RM(x)		((x) - rm_start)	/* offset inside the blob */

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	/* Multiboot leaves GDTR undefined (section 3.2): bring our own. */
	lgdt	gdt_desc
	ljmp	$SEL_CODE32, $1f
1:	movw	$SEL_DATA32, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	PUTS32	"hello from 32-bit protected mode, going to real mode\n"

	/* Copy the real-mode blob below 1 MiB. */
	cld
	movl	$rm_start, %esi
	movl	$RM_BASE, %edi
	movl	$(rm_end - rm_start), %ecx
	rep movsb
	movl	%esp, saved_esp
	ljmp	$SEL_CODE16, $(RM_BASE + RM(rm_pm16))

back32:
	/* Back from real mode, CS = SEL_CODE32; the rest are still real-mode. */
	movw	$SEL_DATA32, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	saved_esp, %esp
	/* The real-mode code left its verdict at 0x7000. */
	cmpl	$0x600d600d, 0x7000
	je	1f
	FAIL32	20
1:	PUTS32	"back in 32-bit protected mode\n"
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

	LIB32

	/*
	 * The real-mode blob: position-independent within itself (relative
	 * calls and jumps, data by RM() offsets from CS = DS = 0800).
	 */
rm_start:
	.code16
rm_pm16:
	/* 16-bit protected mode: give every data register a 64 KiB limit. */
	movw	$SEL_DATA16, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	%cr0, %eax
	andl	$~1, %eax
	movl	%eax, %cr0
	ljmp	$RM_SEG, $RM(rm_real)
rm_real:
	movw	%cs, %ax
	movw	%ax, %ds
	movw	%ax, %es
	xorw	%ax, %ax
	movw	%ax, %ss
	movw	$0x7c00, %sp
	lidt	RM(rm_idtr)
	movw	$RM(msg_rm), %si
	call	rm_puts

	/* Real-mode addressing: CS is 0800, so CS:0 is linear 0x8000. */
	movw	$RM(rm_start), %bx
	xorw	%ax, %ax
	movw	%ax, %fs
	movb	%fs:RM_BASE, %al
	cmpb	%cs:(%bx), %al
	je	1f
	movw	$RM(msg_fail_seg), %si
	call	rm_puts
	jmp	rm_back
1:	movw	$RM(msg_seg), %si
	call	rm_puts
	/* Leave a verdict for 32-bit code: 0000:7000 (below our stack). */
	movl	$0x600d600d, %fs:0x7000

rm_back:
	cli
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	/* A far jump with a 32-bit offset: 66 EA imm32 sel16. */
	.byte	0x66, 0xea
	.long	back32
	.word	SEL_CODE32

rm_putc:
	pushw	%dx
	pushw	%ax
1:	movw	$COM1_LSR, %dx
	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	1b
	popw	%ax
	movw	$COM1, %dx
	outb	%al, %dx
	popw	%dx
	ret
rm_puts:
	pushw	%ax
	pushw	%si
1:	lodsb
	testb	%al, %al
	jz	2f
	call	rm_putc
	jmp	1b
2:	popw	%si
	popw	%ax
	ret

rm_idtr:
	.word	0x3ff		/* the real-mode IVT at 0 */
	.long	0
msg_rm:		.asciz	"hello from real mode at 0800:0000\n"
msg_seg:	.asciz	"real-mode segment arithmetic ok\n"
msg_fail_seg:	.asciz	"FAIL at 21\n"
rm_end:
	.code32

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code, flat */
	.quad	0x00cf92000000ffff	/* 0x10: 32-bit data, flat */
	.quad	0x00009a000000ffff	/* 0x18: 16-bit code, base 0, 64 KiB */
	.quad	0x000092000000ffff	/* 0x20: 16-bit data, base 0, 64 KiB */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.bss
	.balign	16
saved_esp:
	.long	0
	.skip	4096
stack_top:
