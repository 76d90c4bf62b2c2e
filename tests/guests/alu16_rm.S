/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alu16_rm.S: the real-mode half of alu16: alu.h's 32-bit instruction groups
 * assembled as 16-bit code (so the 0x66/0x67 prefixes mean the opposite of
 * what they mean in alu32), linked at offset 0 (flat16.ld), copied by
 * alu16.S to 0x10000 and run in real mode with CS = DS = ES = SS = 0x1000.
 */
#include "guest.h"

/* What alu.h needs from this mode (before including it). */
#define R(x)		%e##x
#define SET_FLAGS	pushl %edi; popfl
#define GET_FLAGS	pushfl; popl %edx
#define PUTS		call puts16
#define PUTHEX		call puthex16
#include "alu.h"

	.text
	.code16
/*
 * Offset 0: entered from alu16.S in 16-bit protected mode, CS based at the
 * blob (0x10000).  Give the data registers real-mode-like 64 KiB limits,
 * clear CR0.PE, and far-jump to real mode proper.
 */
pm16_entry:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	%cr0, %eax
	andl	$~1, %eax
	movl	%eax, %cr0
	ljmp	$0x1000, $rm_entry

rm_entry:
	movw	%cs, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$0xfff0, %esp
	cld
	ALU_RUN_ALL16
	xorl	%eax, %eax
	outl	%eax, $DEBUG_EXIT
1:	cli
	hlt
	jmp	1b

putc16:
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

/* DS:SI = NUL-terminated string */
puts16:
	pushw	%ax
	pushw	%si
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc16
	jmp	1b
2:	popw	%si
	popw	%ax
	ret

/* %eax as 8 hex digits */
puthex16:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	pushw	%bx
	movl	%eax, %edx
	movw	$8, %cx
1:	roll	$4, %edx
	movw	%dx, %bx
	andw	$0xf, %bx
	movb	hexdigits16(%bx), %al
	call	putc16
	decw	%cx
	jnz	1b
	popw	%bx
	popl	%edx
	popl	%ecx
	popl	%eax
	ret

	ALU_OPS_COMMON
	ALU_OPS_BCD
	ALU_COLLECT_CC
	ALU_DRIVER

	.section .rodata
hexdigits16:
	.ascii	"0123456789ABCDEF"
