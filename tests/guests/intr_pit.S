/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_pit.S: multiboot guest that counts 8254 PIT ticks against the TSC.
 * Channel 0 in mode 2 at ~20 Hz is routed through the IOAPIC (ISA IRQ 0
 * arrives on pin 2, the PC's override) with the 8259 masked: the 10th
 * tick comes no earlier than 10 periods after the count was loaded (and
 * not grossly late).  Channel 2's latched count, sampled twice with each
 * read bracketed by the TSC, runs at 1.193182 MHz within 1% of the TSC;
 * its OUT2 on port 0x61 (how Linux calibrates) rises no earlier than the
 * terminal count.  Orderings and ratios only, so host load cannot make
 * it fail; verdicts only, no raw times.
 */
#include "guest.h"
#include "intr_lib.h"

#define V_PIT		0x30
#define DIV0		59659		/* ~20 Hz */
#define NTICKS		10
#define DIV2		11932		/* ~10 ms */
#define PIT_HZ		1193182
#define BRACKET		20000		/* TSC ticks: a tight enough sample */

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	GATE	V_PIT, pit_irq
	PUTS32	"intr_pit: 8254 ticks against the TSC\n"
	movb	$0xff, %al			/* 8259s: all masked */
	outb	%al, $0x21
	outb	%al, $0xa1
	orl	$0x100, LAPIC + LAPIC_SVR
	/* IOAPIC pin 2: edge, active high, fixed, physical APIC 0. */
	movl	$0x15, %ecx
	xorl	%eax, %eax
	call	ioapic_wr
	movl	$0x14, %ecx
	movl	$V_PIT, %eax
	call	ioapic_wr

	movb	$0x34, %al			/* ch 0, lo/hi, mode 2 */
	outb	%al, $0x43
	RDTSC_
	movl	%eax, t0
	movb	$(DIV0 & 0xff), %al
	outb	%al, $0x40
	movb	$(DIV0 >> 8), %al
	outb	%al, $0x40
1:	cli
	cmpl	$NTICKS, ticks
	jae	2f
	sti
	hlt
	jmp	1b
2:	movl	$0x14, %ecx			/* mask pin 2 again */
	movl	$(V_PIT | 0x10000), %eax
	call	ioapic_wr
	/* not before t0 + NTICKS periods, nor after 3 times that */
	movl	$(NTICKS * DIV0), %eax
	call	pit_to_tsc
	movl	%eax, %edx
	movl	t_last, %eax
	subl	t0, %eax
	cmpl	%edx, %eax
	jb	8f
	leal	(%edx,%edx,2), %edx
	cmpl	%edx, %eax
	ja	8f
	PUTS32	"channel 0 mode 2 via IOAPIC pin 2: 10 ticks, none early\n"

	/* Channel 2's count against the TSC (mode 0, gate on): two latched
	 * reads, each bracketed by the TSC, ~20 ms apart. */
	movl	$20, %edi			/* tries */
3:	decl	%edi
	jz	8f
	movw	$0xffff, %cx
	call	ch2_load
	orb	$1, %al
	outb	%al, $0x61			/* gate on */
	call	ch2_sample
	movl	%ebx, c0
	movl	%esi, s0
	movl	$20, %eax
	call	busy_ms
	call	ch2_sample
	movl	%esi, %eax
	subl	s0, %eax			/* TSC between the samples */
	movl	%eax, %esi
	/* Preempted for long enough that the count may have wrapped
	 * (mode 0 keeps counting past 0): try again. */
	movl	$0xc000, %eax
	call	pit_to_tsc
	cmpl	%eax, %esi
	jae	3b
	movl	c0, %eax
	subl	%ebx, %eax			/* PIT clocks between them */
	jbe	8f
	call	pit_to_tsc
	movl	%eax, %edx
	movl	%esi, %eax
	movl	$1, %ecx
	call	near
	testl	%eax, %eax
	jnz	8f
	PUTS32	"channel 2 count rate matches the TSC within 1%\n"

	/* OUT2 (port 0x61 bit 5) rises at the terminal count, not before. */
	movw	$DIV2, %cx
	call	ch2_load
	testb	$0x20, %al			/* OUT2 low while counting */
	jnz	8f
	movb	%al, %bl
	orb	$1, %bl
	RDTSC_
	movl	%eax, %esi
	movb	%bl, %al
	outb	%al, $0x61			/* gate on: counting starts */
1:	inb	$0x61, %al
	testb	$0x20, %al
	jz	1b
	RDTSC_
	subl	%esi, %eax
	movl	%eax, %edi
	movl	$DIV2, %eax
	call	pit_to_tsc
	cmpl	%eax, %edi
	jb	8f
	PUTS32	"channel 2 mode 0 gated by port 0x61: OUT2 rises, not early\n"
	jmp	7f
8:	PUTS32	"PIT does not agree with the TSC\n"
	FAIL32	1
7:
	cli
	cmpl	$0, strays
	je	1f
	FAIL32	4
1:	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

/* %eax PIT clocks -> %eax TSC ticks (floor). */
pit_to_tsc:
	pushl	%ecx
	pushl	%edx
	pushl	%eax
	call	tsc_hz
	popl	%ecx
	mull	%ecx
	movl	$PIT_HZ, %ecx
	divl	%ecx
	popl	%edx
	popl	%ecx
	ret

/* Load channel 2 (mode 0, lo/hi) with %cx, gate and speaker off.
 * -> %al = port 0x61 as read after loading. */
ch2_load:
	inb	$0x61, %al
	andb	$0xfc, %al
	outb	%al, $0x61
	movb	$0xb0, %al
	outb	%al, $0x43
	movb	%cl, %al
	outb	%al, $0x42
	movb	%ch, %al
	outb	%al, $0x42
	inb	$0x61, %al
	ret

/* One latched channel 2 count: %ebx, %esi = TSC low (mid-bracket). */
ch2_sample:
1:	RDTSC_
	movl	%eax, %esi
	movb	$0x80, %al			/* latch counter 2 */
	outb	%al, $0x43
	inb	$0x42, %al
	movb	%al, %bl
	inb	$0x42, %al
	movb	%al, %bh
	movzwl	%bx, %ebx
	RDTSC_
	movl	%eax, %ecx
	subl	%esi, %ecx
	cmpl	$BRACKET, %ecx
	ja	1b
	shrl	$1, %ecx
	addl	%ecx, %esi
	ret

pit_irq:
	pushl	%eax
	pushl	%edx
	RDTSC_
	movl	%eax, t_last
	incl	ticks
	LAPIC_EOI_
	popl	%edx
	popl	%eax
	iret

	LIB32
	INTR_LIB

	.data
ticks:		.long	0
t0:		.long	0
c0:		.long	0
s0:		.long	0
t_last:		.long	0

	INTR_DATA
