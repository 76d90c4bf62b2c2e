/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_hpet_legacy.S: multiboot guest that checks the HPET's legacy
 * replacement route (IA-PC HPET 1.0a §2.3.8.2.4) takes IRQ 0 away from
 * the 8254 PIT.  Channel 0 in mode 2 at ~1 kHz is routed through the
 * IOAPIC (ISA IRQ 0 on pin 2, the PC's override) with the 8259 masked:
 * (1) it ticks; (2) with LEG_RT_CNF set in the HPET's general
 * configuration (ENABLE_CNF and timer 0 left off, so the HPET raises
 * nothing itself) no IRQ 0 arrives for 50 PIT periods of TSC time;
 * (3) with LEG_RT_CNF cleared again the PIT ticks again.  Waits are
 * bounded by the TSC with generous limits; verdicts only, no raw counts
 * on success.
 */
#include "guest.h"
#include "intr_lib.h"

#define HPET		0xfed00000
#define HPET_CONF	0x010
#define HPET_ENABLE	0x1		/* ENABLE_CNF */
#define HPET_LEG_RT	0x2		/* LEG_RT_CNF */

#define V_PIT		0x30
#define DIV0		1193		/* ~1 kHz */
#define NTICKS		5
#define WAIT_MS		2000		/* limit for NTICKS ticks */
#define SETTLE_MS	5		/* for an IRQ already in flight */
#define QUIET_MS	50		/* 50 PIT periods */

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	GATE	V_PIT, pit_irq
	PUTS32	"intr_hpet_legacy: HPET LEG_RT_CNF takes IRQ 0 from the PIT\n"
	call	tsc_hz
	testl	%eax, %eax
	jnz	1f
	PUTS32	"no TSC rate in CPUID 0x15\n"
	FAIL32	2
1:	movl	$0, HPET + HPET_CONF		/* HPET off, no legacy route */
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
	movb	$(DIV0 & 0xff), %al
	outb	%al, $0x40
	movb	$(DIV0 >> 8), %al
	outb	%al, $0x40
	sti

	/* (1) the PIT ticks */
	call	wait_ticks
	testl	%eax, %eax
	jz	1f
	PUTS32	"pit ticks: none\n"
	FAIL32	3
1:	PUTS32	"pit ticks: ok\n"

	/* (2) LEG_RT_CNF only: IRQ 0 is no longer the PIT's */
	movl	$HPET_LEG_RT, HPET + HPET_CONF
	movl	$SETTLE_MS, %eax
	call	busy_ms
	movl	$0, ticks
	movl	$QUIET_MS, %eax
	call	busy_ms
	movl	ticks, %eax
	testl	%eax, %eax
	jz	1f
	PUTS32	"legacy route: pit still ticking: "
	call	putdec32
	PUTS32	"\n"
	FAIL32	4
1:	PUTS32	"legacy route: pit cut off ok\n"

	/* (3) LEG_RT_CNF cleared: IRQ 0 is the PIT's again */
	movl	$0, HPET + HPET_CONF
	call	wait_ticks
	testl	%eax, %eax
	jz	1f
	PUTS32	"route undone: pit ticks: none\n"
	FAIL32	5
1:	PUTS32	"route undone: pit ticks ok\n"

	cli
	movl	$0x14, %ecx			/* mask pin 2 again */
	movl	$(V_PIT | 0x10000), %eax
	call	ioapic_wr
	cmpl	$0, strays
	je	1f
	FAIL32	6
1:	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

/* Reset the count, then wait (interrupts on) until NTICKS ticks have
 * come or WAIT_MS of TSC time have passed.  -> %eax = 0 ticked, 1 not. */
wait_ticks:
	pushl	%ecx
	movl	$0, ticks
	movl	$WAIT_MS, %ecx
1:	cmpl	$NTICKS, ticks
	jae	2f
	movl	$1, %eax
	call	busy_ms
	loop	1b
	movl	$1, %eax
	popl	%ecx
	ret
2:	xorl	%eax, %eax
	popl	%ecx
	ret

pit_irq:
	incl	ticks
	LAPIC_EOI_
	iret

	LIB32
	INTR_LIB

	.data
ticks:		.long	0

	INTR_DATA
