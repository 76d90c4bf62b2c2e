/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * smp.S: multiboot guest run with -c 4 that starts the application
 * processors the MP way (INIT, then two STARTUP IPIs through the local APIC
 * ICR; SDM vol. 3 9.4.4 and 11.6.1), through a real-mode trampoline at
 * 0x8000 that brings each AP to 32-bit protected mode.  Each AP checks in
 * under a lock with its APIC ID and adds 1000 to a shared counter with
 * lock xadd; the BSP waits for them (events, not time) and checks the sum
 * and that all APIC IDs differ.
 */
#include "guest.h"

#define NAPS		3		/* -c 4 */
#define LAPIC		0xfee00000
#define LAPIC_ID	0x020
#define LAPIC_VER	0x030
#define LAPIC_SVR	0x0f0
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define TRAMPOLINE	0x8000		/* SIPI vector 0x08 */
#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define TR(x)		((x) - tramp_start + TRAMPOLINE)

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
	PUTS32	"smp: BSP up\n"

	/* IA32_APIC_BASE: enabled, at 0xFEE00000, and we are the BSP. */
	movl	$0x1b, %ecx
	rdmsr
	andl	$0xfffff900, %eax
	cmpl	$(LAPIC | 0x900), %eax
	je	1f
	FAIL32	1
	/* A local APIC answers: its version register is not all-ones. */
1:	cmpl	$0xffffffff, LAPIC + LAPIC_VER
	jne	1f
	PUTS32	"no local APIC at 0xFEE00000\n"
	FAIL32	2
1:	movl	LAPIC + LAPIC_ID, %eax
	shrl	$24, %eax
	btsl	%eax, apic_ids
	/* Software-enable the APIC (SVR bit 8). */
	orl	$0x100, LAPIC + LAPIC_SVR

	cld
	movl	$tramp_start, %esi
	movl	$TRAMPOLINE, %edi
	movl	$(tramp_end - tramp_start), %ecx
	rep movsb

	/* INIT to all but self, then STARTUP twice (vector 0x08). */
	movl	$0, LAPIC + LAPIC_ICR_HI
	movl	$0x000c4500, LAPIC + LAPIC_ICR_LO
	call	icr_wait
	movl	$0x000c4608, LAPIC + LAPIC_ICR_LO
	call	icr_wait
	movl	$0x000c4608, LAPIC + LAPIC_ICR_LO
	call	icr_wait

	/* Wait for the APs (a hang is the harness's to catch). */
1:	pause
	cmpl	$NAPS, aps_done
	jb	1b
	lock incl print_lock_dummy		/* a full barrier */
	PUTS32	"all APs checked in\n"
	movl	counter, %eax
	PUTS32	"counter: "
	call	putdec32
	PUTS32	"\n"
	cmpl	$(NAPS * 1000), %eax
	je	1f
	FAIL32	3
	/* NAPS + 1 distinct APIC IDs. */
1:	movl	apic_ids, %eax
	xorl	%ecx, %ecx
2:	testl	%eax, %eax
	jz	3f
	movl	%eax, %edx
	decl	%edx
	andl	%edx, %eax
	incl	%ecx
	jmp	2b
3:	cmpl	$(NAPS + 1), %ecx
	je	1f
	FAIL32	4
1:	PUTS32	"distinct APIC IDs ok\n"
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

/* Wait for the ICR's delivery-status bit (12) to clear. */
icr_wait:
	pause
	testl	$0x1000, LAPIC + LAPIC_ICR_LO
	jnz	icr_wait
	ret

/* Each AP, in 32-bit protected mode with flat segments. */
ap_main32:
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	/* A stack of its own: 1 KiB slices handed out by lock xadd. */
	movl	$1024, %eax
	lock xaddl %eax, ap_stack_next
	leal	1024(%eax), %esp
	/* Check in, one at a time: an xchg spinlock. */
1:	movl	$1, %eax
	xchgl	%eax, print_lock
	testl	%eax, %eax
	jz	2f
	pause
	jmp	1b
2:	movl	aps_in, %eax
	incl	%eax
	movl	%eax, aps_in
	PUTS32	"AP "
	call	putdec32
	PUTS32	" up\n"
	movl	LAPIC + LAPIC_ID, %eax
	shrl	$24, %eax
	lock btsl %eax, apic_ids
	movl	$0, print_lock
	/* 1000 atomic adds to the shared counter. */
	movl	$1000, %ecx
1:	movl	$1, %eax
	lock xaddl %eax, counter
	loop	1b
	lock incl aps_done
3:	cli
	hlt
	jmp	3b

	LIB32

/*
 * The trampoline, copied to 0x8000: real mode at 0800:0000 (SIPI vector
 * 0x08), loads a GDT that lives in the trampoline, sets CR0.PE and jumps
 * to ap_main32 with a 32-bit far jump.
 */
tramp_start:
	.code16
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TR(tramp_gdt_desc)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	.byte	0x66, 0xea			/* ljmpl $SEL_CODE, $ap_main32 */
	.long	ap_main32
	.word	SEL_CODE
	.code32
	.balign	8
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
tramp_gdt_desc:
	.word	3 * 8 - 1
	.long	TR(tramp_gdt)
tramp_end:

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

	.data
	.balign	4
ap_stack_next:	.long	ap_stacks
print_lock:	.long	0
print_lock_dummy: .long	0
aps_in:		.long	0
aps_done:	.long	0
counter:	.long	0
apic_ids:	.long	0

	.bss
	.balign	16
ap_stacks:	.skip	1024 * 8
	.skip	4096
stack_top:
