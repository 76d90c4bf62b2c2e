/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_lapic_timer.S: multiboot guest that runs the local APIC timer in
 * its three modes (SDM vol. 3 §11.5.4): one-shot and periodic with the
 * divide configuration and TMCCT, and TSC-deadline (IA32_TSC_DEADLINE,
 * §11.5.4.1).  Every check is a ratio or an ordering against the TSC,
 * whose rate CPUID 0x15 gives along with the timer's crystal: an interrupt
 * is never early, TMCCT counts down at crystal/divide, a stopped timer
 * stays quiet.  It prints verdicts, never raw times.
 */
#include "guest.h"
#include "intr_lib.h"

#define V_TMR		0x50
#define BRACKET		20000		/* TSC ticks: a tight enough sample */
#define ONESHOT		15625		/* x 16 / 25 MHz = 10 ms */
#define PERIOD		3125		/* 2 ms */
#define NPERIODS	10

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	GATE	V_TMR, timer_irq
	PUTS32	"intr_lapic_timer: LAPIC timer one-shot, periodic, TSC-deadline\n"
	orl	$0x100, LAPIC + LAPIC_SVR
	/* K = TSC ticks per timer tick at divide 16 = 16 * TSC/crystal. */
	movl	$0x15, %eax
	cpuid
	testl	%eax, %eax
	jnz	1f
	FAIL32	1
1:	movl	%eax, %ecx
	movl	%ebx, %eax
	xorl	%edx, %edx
	divl	%ecx
	shll	$4, %eax
	movl	%eax, K
	movl	$3, LAPIC + LAPIC_TDCR		/* divide by 16 */

	/* ---- TMCCT against the TSC (masked, a count that lasts) ---- */
	movl	$(V_TMR | 0x10000), LAPIC + LAPIC_LVT_TMR
	movl	$0xffffffff, LAPIC + LAPIC_TMICT
	call	tmcct_rate
	movl	$0, LAPIC + LAPIC_TMICT
	PUTS32	"TMCCT counts down at crystal/16 within 1% of the TSC\n"

	/* ---- one-shot ---- */
	movl	$V_TMR, LAPIC + LAPIC_LVT_TMR
	sti
	RDTSC_
	movl	%eax, t0
	movl	$ONESHOT, LAPIC + LAPIC_TMICT
	movl	LAPIC + LAPIC_TMCCT, %eax
	cmpl	$ONESHOT, %eax
	ja	9f
	call	wait_fire
	movl	t_fire, %eax
	subl	t0, %eax
	movl	$ONESHOT, %edx
	call	not_early
	cmpl	$0, LAPIC + LAPIC_TMCCT
	jne	9f
	movl	$25, %eax			/* would a one-shot fire again? */
	call	busy_ms
	cmpl	$1, fired
	jne	9f
	PUTS32	"one-shot: fires once, not early, TMCCT reads 0 after\n"

	/* ---- periodic ---- */
	movl	$0, fired
	movl	$(V_TMR | (1 << 17)), LAPIC + LAPIC_LVT_TMR
	RDTSC_
	movl	%eax, t0
	movl	$PERIOD, LAPIC + LAPIC_TMICT
1:	cli
	cmpl	$NPERIODS, fired
	jae	2f
	sti
	hlt
	jmp	1b
2:	sti
	movl	t_fire, %eax
	subl	t0, %eax
	movl	$(PERIOD * NPERIODS), %edx
	call	not_early
	movl	LAPIC + LAPIC_TMCCT, %eax	/* it reloaded: 0 < count <= ICT */
	testl	%eax, %eax
	jz	9f
	cmpl	$PERIOD, %eax
	ja	9f
	movl	$0, LAPIC + LAPIC_TMICT		/* stop */
	cmpl	$0, LAPIC + LAPIC_TMCCT
	jne	9f
	movl	$1, %eax			/* let a pending one in */
	call	busy_ms
	movl	fired, %esi
	movl	$20, %eax
	call	busy_ms
	cmpl	fired, %esi
	jne	9f
	PUTS32	"periodic: 10 periods, never early, reloads; TMICT=0 stops it\n"

	/* ---- TSC-deadline ---- */
	movl	$1, %eax
	cpuid
	btl	$24, %ecx
	jc	1f
	FAIL32	2
1:	movl	$0, fired
	movl	$(V_TMR | (2 << 17)), LAPIC + LAPIC_LVT_TMR
	RDTSC_
	addl	$20000000, %eax			/* 10 ms at 2 GHz-ish */
	adcl	$0, %edx
	movl	%eax, deadline
	movl	%edx, deadline + 4
	movl	$0x6e0, %ecx
	wrmsr
	rdmsr
	cmpl	deadline, %eax
	jne	9f
	cmpl	deadline + 4, %edx
	jne	9f
	call	wait_fire
	movl	t_fire, %eax
	subl	deadline, %eax
	js	9f				/* before the deadline */
	movl	$0x6e0, %ecx
	rdmsr
	orl	%edx, %eax
	jnz	9f
	PUTS32	"TSC-deadline: fires at or after the deadline, MSR reads 0 after\n"
	/* A deadline already past fires at once. */
	movl	$0, fired
	movl	$0x6e0, %ecx
	movl	$1, %eax
	xorl	%edx, %edx
	wrmsr
	call	wait_fire
	/* Writing 0 disarms. */
	movl	$0, fired
	RDTSC_
	addl	$20000000, %eax
	adcl	$0, %edx
	movl	$0x6e0, %ecx
	wrmsr
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$25, %eax
	call	busy_ms
	cmpl	$0, fired
	jne	9f
	PUTS32	"TSC-deadline: a past deadline fires at once, 0 disarms\n"
	cli
	cmpl	$0, strays
	jne	9f
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
9:	FAIL32	3

/* Sleep until the timer fired (count >= 1); no wake-up lost. */
wait_fire:
1:	cli
	cmpl	$1, fired
	jae	2f
	sti
	hlt
	jmp	1b
2:	sti
	ret

/* %eax = TSC ticks elapsed, %edx = timer ticks: fail if fewer than
 * %edx * K * 0.999 TSC ticks went by. */
not_early:
	pushl	%eax
	movl	%edx, %eax
	mull	K
	movl	%eax, %ecx
	shrl	$10, %eax			/* ~0.1% slack for rounding */
	subl	%eax, %ecx
	popl	%eax
	cmpl	%ecx, %eax
	jae	1f
	PUTS32	"timer interrupt early\n"
	FAIL32	4
1:	ret

/* One TMCCT sample: %ebx = TMCCT, %esi = TSC low (mid-bracket). */
sample:
1:	RDTSC_
	movl	%eax, %esi
	movl	LAPIC + LAPIC_TMCCT, %ebx
	RDTSC_
	movl	%eax, %ecx
	subl	%esi, %ecx
	cmpl	$BRACKET, %ecx
	ja	1b
	shrl	$1, %ecx
	addl	%ecx, %esi
	ret

/* Two samples ~10 ms apart: TMCCT went down at the TSC rate / K, +-1%. */
tmcct_rate:
	call	sample
	movl	%ebx, c0
	movl	%esi, s0
	movl	$10, %eax
	call	busy_ms
	call	sample
	movl	c0, %eax
	subl	%ebx, %eax			/* timer ticks counted down */
	jbe	8f
	mull	K
	movl	%eax, %edx			/* expected TSC ticks */
	movl	%esi, %eax
	subl	s0, %eax
	movl	$1, %ecx
	call	near
	testl	%eax, %eax
	jnz	8f
	ret
8:	PUTS32	"TMCCT rate off\n"
	FAIL32	5

timer_irq:
	pushl	%eax
	pushl	%edx
	RDTSC_
	movl	%eax, t_fire
	incl	fired
	LAPIC_EOI_
	popl	%edx
	popl	%eax
	iret

	LIB32
	INTR_LIB

	.data
	.balign	8
deadline:	.quad	0
t0:		.long	0
t_fire:		.long	0
fired:		.long	0
K:		.long	0
c0:		.long	0
s0:		.long	0

	INTR_DATA
