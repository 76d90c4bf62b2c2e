/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_pic_only.S: multiboot guest that globally disables its local APIC
 * (IA32_APIC_BASE bit 11, SDM vol. 3 §11.4.3) and takes interrupts from
 * the 8259 pair alone, driven through pc-testdev's IRQ-line ports: an
 * edge IRQ on the master, one on the slave through the cascade (with the
 * ISR read back through OCW3), and an ELCR level-triggered IRQ that is
 * taken again after its EOI while the line stays up.  IRR/ISR are read
 * through OCW3 with IF=0 before each interrupt window: no timing.
 */
#include "guest.h"
#include "intr_lib.h"

#define LINE_SET(n, level)			\
	movb	$(level), %al;			\
	movw	$(TESTDEV_IRQ + (n)), %dx;	\
	outb	%al, %dx

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	GATE	0x23, irq3
	GATE	0x2a, irq10
	GATE	0x2b, irq11
	PUTS32	"intr_pic_only: 8259 delivery with the local APIC disabled\n"
	movl	$0x1b, %ecx
	rdmsr
	andl	$~0x800, %eax
	wrmsr
	movl	$1, %eax
	cpuid
	btl	$9, %edx			/* CPUID.1:EDX.APIC now clear */
	jnc	1f
	FAIL32	1
1:	PUTS32	"local APIC disabled (CPUID.1:EDX.APIC clear)\n"

	/* ICW1-4: edge, cascade, vectors 0x20/0x28, slave on IR2, 8086. */
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
	movb	$~((1 << 3) | (1 << 2)), %al	/* IRQ 3 and the cascade */
	outb	%al, $0x21
	movb	$~((1 << 2) | (1 << 3)), %al	/* IRQ 10 and 11 */
	outb	%al, $0xa1

	/* ---- IRQ 3, edge, master ---- */
	cli
	LINE_SET(3, 1)
	movb	$0x0a, %al			/* OCW3: read IRR */
	outb	%al, $0x20
	inb	$0x20, %al
	testb	$(1 << 3), %al
	jz	9f
	call	take
	LINE_SET(3, 0)
	cmpl	$1, n3
	jne	9f
	PUTS32	"IRQ 3 (master, edge): vector 0x23\n"

	/* ---- IRQ 10, edge, slave through IR2 ---- */
	LINE_SET(10, 1)
	movb	$0x0a, %al
	outb	%al, $0xa0
	inb	$0xa0, %al
	testb	$(1 << 2), %al
	jz	9f
	call	take
	LINE_SET(10, 0)
	cmpl	$1, n10
	jne	9f
	cmpb	$(1 << 2), isr10_slave		/* ISR seen in the handler */
	jne	9f
	cmpb	$(1 << 2), isr10_master
	jne	9f
	PUTS32	"IRQ 10 (slave, edge): vector 0x2A, ISR bits on both 8259s\n"

	/* ---- IRQ 11, level through the ELCR ---- */
	movw	$0x4d1, %dx
	movb	$(1 << 3), %al
	outb	%al, %dx
	inb	%dx, %al
	cmpb	$(1 << 3), %al
	jne	9f
	LINE_SET(11, 1)
	call	take				/* twice: see irq11 */
	cmpl	$2, n11
	jne	9f
	movb	$0x0a, %al
	outb	%al, $0xa0
	inb	$0xa0, %al
	testb	$(1 << 3), %al			/* line down: IRR clear */
	jnz	9f
	PUTS32	"IRQ 11 (slave, ELCR level): taken again after EOI while asserted\n"
	cmpl	$0, strays
	jne	9f
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
9:	FAIL32	2

take:
	sti
	nop
	nop
	jmp	1f
1:	nop
	jmp	2f
2:	nop
	jmp	3f
3:	cli
	ret

irq3:
	pushl	%eax
	incl	n3
	movb	$0x20, %al
	outb	%al, $0x20
	popl	%eax
	iret

irq10:
	pushl	%eax
	incl	n10
	movb	$0x0b, %al			/* OCW3: read ISR */
	outb	%al, $0xa0
	inb	$0xa0, %al
	movb	%al, isr10_slave
	movb	$0x0b, %al
	outb	%al, $0x20
	inb	$0x20, %al
	movb	%al, isr10_master
	movb	$0x20, %al
	outb	%al, $0xa0
	outb	%al, $0x20
	popl	%eax
	iret

irq11:
	pushl	%eax
	pushl	%edx
	incl	n11
	cmpl	$1, n11
	je	1f
	LINE_SET(11, 0)
1:	movb	$0x20, %al
	outb	%al, $0xa0
	outb	%al, $0x20
	popl	%edx
	popl	%eax
	iret

	LIB32
	INTR_LIB

	.data
n3:		.long	0
n10:		.long	0
n11:		.long	0
isr10_slave:	.byte	0
isr10_master:	.byte	0

	INTR_DATA
