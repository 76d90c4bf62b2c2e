/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_hpet_pm.S: multiboot guest that checks the HPET main counter
 * (IA-PC HPET 1.0a §2.3: rate from GCAP_ID's period in fs) and the ACPI
 * PM timer (3.579545 MHz, port 0x408 as the FADT names it) against the
 * TSC (rate from CPUID 0x15) over ~50 ms: each read is bracketed by two
 * TSC reads and retried until the bracket is tight, so host scheduling
 * cannot skew the ratio; each must agree within 1%.  Verdicts only.
 */
#include "guest.h"
#include "intr_lib.h"

#define HPET		0xfed00000
#define HPET_GCAP	0x000
#define HPET_PERIOD	0x004
#define HPET_CONF	0x010
#define HPET_COUNTER	0x0f0
#define PM_TMR		0x408
#define PM_HZ		3579545
#define BRACKET		20000		/* TSC ticks: 10 us at 2 GHz */
#define WINDOW_MS	50

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	PUTS32	"intr_hpet_pm: HPET and ACPI PM timer rates against the TSC\n"
	call	tsc_hz
	testl	%eax, %eax
	jz	9f
	movl	%eax, tschz
	/* HPET Hz = 10^15 / period (fs) */
	movl	HPET + HPET_PERIOD, %ecx
	testl	%ecx, %ecx
	jz	9f
	movl	$0x00038d7e, %edx
	movl	$0xa4c68000, %eax
	divl	%ecx
	movl	%eax, hpethz
	orl	$1, HPET + HPET_CONF		/* ENABLE_CNF */

	/* ---- HPET ---- */
	movl	$hpet_read, rd
	movl	hpethz, %eax
	call	measure
	testl	%eax, %eax
	jnz	1f
	PUTS32	"HPET counter rate matches the TSC within 1%: PASS\n"
	jmp	2f
1:	PUTS32	"HPET counter rate matches the TSC within 1%: FAIL\n"
	incl	fails
	/* ---- PM timer ---- */
2:	movl	$pm_read, rd
	movl	$PM_HZ, %eax
	call	measure
	testl	%eax, %eax
	jnz	1f
	PUTS32	"ACPI PM timer rate matches the TSC within 1%: PASS\n"
	jmp	2f
1:	PUTS32	"ACPI PM timer rate matches the TSC within 1%: FAIL\n"
	incl	fails
2:	cmpl	$0, fails
	jne	9f
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
9:	FAIL32	1

hpet_read:
	movl	HPET + HPET_COUNTER, %eax
	ret

pm_read:
	movw	$PM_TMR, %dx
	inl	%dx, %eax
	ret

/* One bracketed sample of *rd: %ebx = value, %esi = TSC low (mid). */
sample:
1:	RDTSC_
	movl	%eax, %esi
	call	*rd
	movl	%eax, %ebx
	RDTSC_
	movl	%eax, %ecx
	subl	%esi, %ecx
	cmpl	$BRACKET, %ecx
	ja	1b
	shrl	$1, %ecx
	addl	%ecx, %esi
	ret

/*
 * measure: %eax = the device's Hz.  Two samples WINDOW_MS apart; is the
 * device's count, converted to TSC ticks, within 1% of the TSC's?
 * -> %eax = 0 yes.
 */
measure:
	movl	%eax, devhz
	call	sample
	movl	%ebx, v0
	movl	%esi, s0
	movl	$WINDOW_MS, %eax
	call	busy_ms
	call	sample
	movl	%ebx, %eax
	subl	v0, %eax			/* device ticks */
	mull	tschz
	divl	devhz				/* as TSC ticks */
	movl	%eax, %edx
	movl	%esi, %eax
	subl	s0, %eax			/* TSC ticks */
	movl	$1, %ecx
	call	near
	ret

	LIB32
	INTR_LIB

	.data
tschz:	.long	0
hpethz:	.long	0
devhz:	.long	0
rd:	.long	0
v0:	.long	0
s0:	.long	0
fails:	.long	0

	INTR_DATA
