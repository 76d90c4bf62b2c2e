/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pic_pit.S: multiboot guest that takes timer interrupts the PC/AT way:
 * the 8259 pair remapped to vectors 0x20-0x2F (ICW1-ICW4), only IRQ0
 * unmasked, the 8254 PIT channel 0 in mode 2 (rate generator), and
 * sti; hlt until ten ticks arrived, each acknowledged with a
 * non-specific EOI.  It counts events; it never measures time.
 */
#include "guest.h"

#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define PIT_DIVISOR	1193		/* ~1 kHz */
#define TICKS		10

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	lgdt	gdt_desc
	ljmp	$SEL_CODE, $1f
1:	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	call	build_idt
	lidt	idt_desc
	PUTS32	"pic_pit: timer interrupts through the 8259 and the 8254\n"

	/* ICW1 (edge, cascade, ICW4), ICW2 (vector base), ICW3, ICW4 (8086). */
	movb	$0x11, %al
	outb	%al, $0x20
	outb	%al, $0xa0
	movb	$0x20, %al
	outb	%al, $0x21
	movb	$0x28, %al
	outb	%al, $0xa1
	movb	$0x04, %al
	outb	%al, $0x21
	movb	$0x02, %al
	outb	%al, $0xa1
	movb	$0x01, %al
	outb	%al, $0x21
	outb	%al, $0xa1
	/* OCW1: only IRQ0.  The mask reads back (else: no 8259 here). */
	movb	$0xfe, %al
	outb	%al, $0x21
	movb	$0xff, %al
	outb	%al, $0xa1
	inb	$0x21, %al
	cmpb	$0xfe, %al
	je	1f
	PUTS32	"no 8259 PIC at 0x20/0x21\n"
	FAIL32	1
1:	PUTS32	"8259 initialized, IRQ0 unmasked\n"

	/* PIT channel 0: lobyte/hibyte, mode 2. */
	movb	$0x34, %al
	outb	%al, $0x43
	movb	$(PIT_DIVISOR & 0xff), %al
	outb	%al, $0x40
	movb	$(PIT_DIVISOR >> 8), %al
	outb	%al, $0x40
	/* Latch and read the count: it lies within the divisor. */
	movb	$0x00, %al
	outb	%al, $0x43
	inb	$0x40, %al
	movb	%al, %cl
	inb	$0x40, %al
	movb	%al, %ch
	cmpw	$PIT_DIVISOR, %cx
	jbe	1f
	PUTS32	"no 8254 PIT at 0x40-0x43\n"
	FAIL32	2
1:	PUTS32	"8254 channel 0 counting\n"

	sti
1:	hlt
	cmpl	$TICKS, ticks
	jb	1b
	cli
	cmpl	$0, stray
	je	1f
	FAIL32	3
1:	PUTS32	"10 timer interrupts taken\n"
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

irq0:
	incl	ticks
	pushl	%eax
	movb	$0x20, %al			/* non-specific EOI */
	outb	%al, $0x20
	popl	%eax
	iret

/* Any other vector: count it (the test fails) and carry on. */
stray_handler:
	incl	stray
	iret

build_idt:
	xorl	%ecx, %ecx
1:	movl	$stray_handler, %eax
	cmpl	$0x20, %ecx
	jne	2f
	movl	$irq0, %eax
2:	movw	%ax, idt(,%ecx,8)
	movw	$SEL_CODE, idt + 2(,%ecx,8)
	movw	$0x8e00, idt + 4(,%ecx,8)
	shrl	$16, %eax
	movw	%ax, idt + 6(,%ecx,8)
	incl	%ecx
	cmpl	$256, %ecx
	jb	1b
	ret

	LIB32

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
idt_desc:
	.word	256 * 8 - 1
	.long	idt

	.bss
	.balign	16
idt:	.skip	256 * 8
ticks:	.long	0
stray:	.long	0
	.skip	4096
stack_top:
