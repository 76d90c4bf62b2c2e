/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_ioapic.S: multiboot guest that drives IOAPIC pins through
 * pc-testdev's IRQ-line ports (a byte to 0x2000 + n sets line n's level)
 * with the 8259s masked (82093AA datasheet §3.2.4): an edge pin delivers
 * once per rising edge; a level pin sets remote IRR when delivered,
 * delivers again after the EOI while still asserted, and not once
 * de-asserted; a masked pin holds its level and delivers when unmasked;
 * pin 19 (PCI, level, active low as the DSDT describes it) the same.
 * Each step is checked in the local APIC's IRR with IF=0 first, so
 * nothing depends on timing.
 */
#include "guest.h"
#include "intr_lib.h"

#define V_EDGE		0x60
#define V_LEVEL		0x61
#define V_MASKED	0x62
#define V_PCI		0x63
#define RTE(pin)	(0x10 + 2 * (pin))
#define LEVEL		(1 << 15)
#define LOW		(1 << 13)
#define MASKED		(1 << 16)
#define REMOTE_IRR	(1 << 14)

/* ZF clear when vector v is pending in the local APIC's IRR. */
.macro IRR_TEST v
	testl	$(1 << ((\v) & 31)), LAPIC + LAPIC_IRR + 0x10 * ((\v) >> 5)
.endm

.macro LINE n, level
	movb	$\level, %al
	movw	$(TESTDEV_IRQ + \n), %dx
	outb	%al, %dx
.endm

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	GATE	V_EDGE, edge_irq
	GATE	V_LEVEL, level_irq
	GATE	V_MASKED, masked_irq
	GATE	V_PCI, pci_irq
	PUTS32	"intr_ioapic: edge, level and remote IRR through pc-testdev lines\n"
	movb	$0xff, %al
	outb	%al, $0x21
	outb	%al, $0xa1
	orl	$0x100, LAPIC + LAPIC_SVR
	movl	$1, %ecx			/* IOAPICVER */
	call	ioapic_rd
	call	puthex32
	PUTS32	" = IOAPIC version: 24 pins\n"
	andl	$0x00ff00ff, %eax
	cmpl	$0x00170011, %eax
	jne	9f

	/* ---- edge, pin 10 ---- */
	cli
	movl	$RTE(10), %ecx
	movl	$V_EDGE, %eax
	call	ioapic_wr
	LINE	10, 1
	IRR_TEST V_EDGE
	jz	9f
	call	take
	cmpl	$1, n_edge
	jne	9f
	LINE	10, 1				/* still high: no edge */
	IRR_TEST V_EDGE
	jnz	9f
	LINE	10, 0
	LINE	10, 1				/* a second rising edge */
	IRR_TEST V_EDGE
	jz	9f
	call	take
	LINE	10, 0
	cmpl	$2, n_edge
	jne	9f
	PUTS32	"edge pin 10: one interrupt per rising edge\n"

	/* ---- level, pin 11 ---- */
	movl	$RTE(11), %ecx
	movl	$(V_LEVEL | LEVEL), %eax
	call	ioapic_wr
	LINE	11, 1
	IRR_TEST V_LEVEL
	jz	9f
	testl	$(1 << (V_LEVEL & 31)), LAPIC + LAPIC_TMR + 0x10 * (V_LEVEL >> 5)
	jz	9f				/* level: TMR set */
	call	take				/* taken twice: see level_irq */
	cmpl	$2, n_level
	jne	9f
	cmpl	$REMOTE_IRR, level_rirr		/* set in the first handler */
	jne	9f
	movl	$RTE(11), %ecx
	call	ioapic_rd
	testl	$REMOTE_IRR, %eax		/* clear after the last EOI */
	jnz	9f
	IRR_TEST V_LEVEL
	jnz	9f
	PUTS32	"level pin 11: remote IRR set until EOI, re-delivered while asserted\n"

	/* ---- masked level, pin 12 ---- */
	movl	$RTE(12), %ecx
	movl	$(V_MASKED | LEVEL | MASKED), %eax
	call	ioapic_wr
	LINE	12, 1
	IRR_TEST V_MASKED
	jnz	9f
	movl	$RTE(12), %ecx
	movl	$(V_MASKED | LEVEL), %eax	/* unmask: delivered now */
	call	ioapic_wr
	IRR_TEST V_MASKED
	jz	9f
	call	take
	cmpl	$1, n_masked
	jne	9f
	PUTS32	"masked level pin 12: held, delivered on unmask\n"

	/* ---- PCI pin 19: level, active low ---- */
	movl	$RTE(19), %ecx
	movl	$(V_PCI | LEVEL | LOW), %eax
	call	ioapic_wr
	LINE	19, 1
	IRR_TEST V_PCI
	jz	9f
	call	take
	cmpl	$1, n_pci
	jne	9f
	movl	$RTE(19), %ecx
	call	ioapic_rd
	testl	$REMOTE_IRR, %eax
	jnz	9f
	PUTS32	"pin 19 (level, active low): delivered, EOI after de-assert\n"

	cmpl	$0, strays
	jne	9f
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
9:	FAIL32	1

/* Open an interrupt window long enough for what is pending. */
take:
	sti
	nop
	nop
	jmp	1f
1:	nop
	jmp	2f
2:	cli
	ret

edge_irq:
	incl	n_edge
	LAPIC_EOI_
	iret

/* First time: note remote IRR, EOI with the line still up.  Second
 * time: drop the line, then EOI. */
level_irq:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	incl	n_level
	cmpl	$1, n_level
	jne	1f
	movl	$RTE(11), %ecx
	call	ioapic_rd
	andl	$REMOTE_IRR, %eax
	movl	%eax, level_rirr
	jmp	2f
1:	LINE	11, 0
2:	LAPIC_EOI_
	popl	%edx
	popl	%ecx
	popl	%eax
	iret

masked_irq:
	pushl	%eax
	pushl	%edx
	incl	n_masked
	LINE	12, 0
	LAPIC_EOI_
	popl	%edx
	popl	%eax
	iret

pci_irq:
	pushl	%eax
	pushl	%edx
	incl	n_pci
	LINE	19, 0
	LAPIC_EOI_
	popl	%edx
	popl	%eax
	iret

	LIB32
	INTR_LIB

	.data
n_edge:		.long	0
n_level:	.long	0
n_masked:	.long	0
n_pci:		.long	0
level_rirr:	.long	0

	INTR_DATA
