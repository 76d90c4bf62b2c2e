/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_lib.h: gas macros shared by the interrupt, timer and SMP test guests
 * (intr_*.S): a flat 32-bit GDT and a 256-gate IDT, the local APIC and
 * IOAPIC registers, TSC helpers, and AP start-up through INIT/SIPI and a
 * real-mode trampoline (SDM vol. 3 §9.4.4, §11.6.1).  Included after
 * guest.h.
 */
#ifndef LHYVE_TEST_INTR_LIB_H
#define LHYVE_TEST_INTR_LIB_H

#define SEL_CODE	0x08
#define SEL_DATA	0x10

#define LAPIC		0xfee00000
#define LAPIC_ID	0x020
#define LAPIC_VER	0x030
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_ISR	0x100
#define LAPIC_TMR	0x180
#define LAPIC_IRR	0x200
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TMR	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_TMICT	0x380
#define LAPIC_TMCCT	0x390
#define LAPIC_TDCR	0x3e0

#define IOAPIC		0xfec00000
#define IOAPIC_SEL	0x00
#define IOAPIC_WIN	0x10

#define TESTDEV_IRQ	0x2000		/* pc-testdev: port 0x2000 + n = IRQ n */

#define MAXCPUS		8
#define AP_STACK	4096

#ifdef __ASSEMBLER__

/*
 * Flat protected mode, the stack, and an IDT whose gates all go to
 * `stray` (which counts them in `strays`).  Expects `stack_top`.
 */
.macro INTR_BOOT
	movl	$stack_top, %esp
	lgdt	il_gdt_desc
	ljmp	$SEL_CODE, $1f
1:	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorl	%ecx, %ecx
1:	movl	$stray, %eax
	call	set_gate
	incl	%ecx
	cmpl	$256, %ecx
	jb	1b
	lidt	il_idt_desc
.endm

/* Gate \vec -> \handler (32-bit interrupt gate). */
.macro GATE vec, handler
	movl	$\vec, %ecx
	movl	$\handler, %eax
	call	set_gate
.endm

/* EOI to the local APIC. */
.macro LAPIC_EOI_
	movl	$0, LAPIC + LAPIC_EOI
.endm

/* %edx:%eax = TSC, serialized against earlier loads (lfence). */
.macro RDTSC_
	lfence
	rdtsc
.endm

/*
 * The library routines.
 *   set_gate:    %ecx = vector, %eax = handler
 *   ioapic_rd:   %ecx = register -> %eax
 *   ioapic_wr:   %ecx = register, %eax = value
 *   apic_id:     -> %eax (this CPU's xAPIC ID)
 *   icr_send:    %edx = destination (ICR high), %eax = ICR low; waits idle
 *   tsc_hz:      -> %edx:%eax = TSC Hz from CPUID 0x15 (0 if not given)
 *   mul_check:   see below
 *   lock_print / unlock_print: a spinlock around COM1 output
 */
.macro INTR_LIB
	.code32
set_gate:
	pushl	%eax
	movw	%ax, il_idt(,%ecx,8)
	movw	$SEL_CODE, il_idt + 2(,%ecx,8)
	movw	$0x8e00, il_idt + 4(,%ecx,8)
	shrl	$16, %eax
	movw	%ax, il_idt + 6(,%ecx,8)
	popl	%eax
	ret

stray:
	lock incl strays
	iret

ioapic_rd:
	movl	%ecx, IOAPIC + IOAPIC_SEL
	movl	IOAPIC + IOAPIC_WIN, %eax
	ret

ioapic_wr:
	movl	%ecx, IOAPIC + IOAPIC_SEL
	movl	%eax, IOAPIC + IOAPIC_WIN
	ret

apic_id:
	movl	LAPIC + LAPIC_ID, %eax
	shrl	$24, %eax
	ret

icr_send:
	movl	%edx, LAPIC + LAPIC_ICR_HI
	movl	%eax, LAPIC + LAPIC_ICR_LO
1:	pause
	testl	$0x1000, LAPIC + LAPIC_ICR_LO
	jnz	1b
	ret

/* TSC Hz = ECX * EBX / EAX of CPUID 0x15 (SDM vol. 3 §18.7.3). */
tsc_hz:
	pushl	%ebx
	pushl	%ecx
	movl	$0x15, %eax
	cpuid
	testl	%eax, %eax
	jz	1f
	pushl	%eax
	movl	%ecx, %eax
	mull	%ebx
	popl	%ecx
	divl	%ecx
	xorl	%edx, %edx
	popl	%ecx
	popl	%ebx
	ret
1:	xorl	%eax, %eax
	xorl	%edx, %edx
	popl	%ecx
	popl	%ebx
	ret

/*
 * near: is %eax within %ecx percent of %edx?  -> %eax = 0 yes, 1 no.
 * (|a - b| * 100 <= b * pct, in 64 bits.)
 */
near:
	pushl	%ebx
	pushl	%edx
	pushl	%esi
	movl	%edx, %esi			/* b */
	subl	%edx, %eax
	jae	1f
	negl	%eax
1:	movl	$100, %ebx
	mull	%ebx				/* edx:eax = |a-b| * 100 */
	pushl	%edx
	pushl	%eax
	movl	%esi, %eax
	mull	%ecx				/* edx:eax = b * pct */
	popl	%esi				/* low of |a-b|*100 */
	popl	%ebx				/* high */
	cmpl	%edx, %ebx
	jb	2f
	ja	3f
	cmpl	%eax, %esi
	jbe	2f
3:	movl	$1, %eax
	jmp	4f
2:	xorl	%eax, %eax
4:	popl	%esi
	popl	%edx
	popl	%ebx
	ret

/* busy_ms: spin %eax milliseconds of TSC (CPUID 0x15 rate). */
busy_ms:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	pushl	%ebx
	movl	%eax, %ebx
	call	tsc_hz
	movl	$1000, %ecx
	divl	%ecx				/* TSC ticks per ms */
	mull	%ebx
	movl	%eax, %ebx			/* ticks to wait (< 2^32) */
	RDTSC_
	movl	%eax, %ecx
1:	pause
	RDTSC_
	subl	%ecx, %eax
	cmpl	%ebx, %eax
	jb	1b
	popl	%ebx
	popl	%edx
	popl	%ecx
	popl	%eax
	ret

lock_print:
	pushl	%eax
1:	movl	$1, %eax
	xchgl	%eax, il_print_lock
	testl	%eax, %eax
	jz	2f
	pause
	jmp	1b
2:	popl	%eax
	ret

unlock_print:
	movl	$0, il_print_lock
	ret
.endm

/*
 * AP start-up: start_aps sends INIT, then SIPI twice, to all but self,
 * with the trampoline copied to \page (a page below 1 MiB), and waits
 * until \n APs have checked in.  Each AP comes up in real mode at
 * \page:0, switches to flat protected mode, takes a 4 KiB stack indexed by
 * its APIC ID, loads the IDT, and calls `ap_main` (the guest's).
 * The APs' real-mode CS and their check-in order are kept:
 *   ap_cs[id] (word), ap_count.
 */
.macro SMP_LIB page
	.code32
start_aps:
	pushl	%edi
	pushl	%edx
	movl	$\page, %edi
	call	copy_tramp
	orl	$0x100, LAPIC + LAPIC_SVR
	xorl	%edx, %edx
	movl	$0x000c4500, %eax		/* INIT, all but self */
	call	icr_send
	movl	$(0x000c4600 | (\page >> 12)), %eax	/* SIPI */
	call	icr_send
	movl	$(0x000c4600 | (\page >> 12)), %eax
	call	icr_send
	popl	%edx
	popl	%edi
	ret

/* Copy the trampoline to the page at %edi. */
copy_tramp:
	pushl	%esi
	pushl	%edi
	pushl	%ecx
	cld
	movl	$il_tramp_start, %esi
	movl	$(il_tramp_end - il_tramp_start), %ecx
	rep movsb
	popl	%ecx
	popl	%edi
	popl	%esi
	ret

/*
 * Start one AP: %ebx = its APIC ID, %edi = the trampoline page.  INIT,
 * then one SIPI (physical destination), then wait for its check-in.
 */
start_ap:
	pushl	%eax
	pushl	%edx
	call	copy_tramp
	orl	$0x100, LAPIC + LAPIC_SVR
	movl	ap_count, %eax
	incl	%eax
	movl	%eax, il_want
	movl	%ebx, %edx
	shll	$24, %edx
	movl	$0x00004500, %eax		/* INIT, physical */
	call	icr_send
	movl	%edi, %eax
	shrl	$12, %eax
	orl	$0x00004600, %eax		/* SIPI */
	call	icr_send
	movl	il_want, %eax
	call	wait_aps
	popl	%edx
	popl	%eax
	ret

/* Wait until %eax APs have checked in. */
wait_aps:
1:	pause
	cmpl	%eax, ap_count
	jb	1b
	ret

/*
 * The trampoline: real mode at vector:0000.  It records CS (where it
 * started), loads a GDT kept inside itself, sets CR0.PE and far-jumps to
 * il_ap32.  Position-independent: everything is CS-relative.
 */
il_tramp_start:
	.code16
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	/* ds:offset of the GDT descriptor; its base is patched from CS. */
	movzwl	%ax, %ebx
	shll	$4, %ebx
	addl	$(il_tramp_gdt - il_tramp_start), %ebx
	movl	%ebx, (il_tramp_gdt_desc - il_tramp_start + 2)
	lgdtl	(il_tramp_gdt_desc - il_tramp_start)
	movl	%cr0, %ebx
	orl	$1, %ebx
	movl	%ebx, %cr0
	.byte	0x66, 0xea			/* ljmpl $SEL_CODE, $il_ap32_cs */
	.long	il_ap32_cs
	.word	SEL_CODE
	.code32
	.balign	8
il_tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
il_tramp_gdt_desc:
	.word	3 * 8 - 1
	.long	0
il_tramp_end:

/* Flat now; %ax still holds the real-mode CS.  Only one AP at a time
 * may use il_tramp_cs_seen: serialise with a lock. */
il_ap32_cs:
	movw	$SEL_DATA, %bx
	movw	%bx, %ds
1:	movl	$1, %ebx
	xchgl	%ebx, il_tramp_lock
	testl	%ebx, %ebx
	jnz	1b
	movw	%ax, il_tramp_cs_seen
	/* il_ap32 releases the lock once it has copied it. */
	jmp	il_ap32_locked
il_ap32_locked:
	movw	$SEL_DATA, %ax
	movw	%ax, %es
	movw	%ax, %ss
	movl	LAPIC + LAPIC_ID, %eax
	shrl	$24, %eax
	andl	$(MAXCPUS - 1), %eax
	movl	%eax, %ebx
	incl	%eax
	shll	$12, %eax
	leal	il_ap_stacks(%eax), %esp
	lidt	il_idt_desc
	movw	il_tramp_cs_seen, %ax
	movw	%ax, ap_cs(,%ebx,2)
	movl	$0, il_tramp_lock
	orl	$0x100, LAPIC + LAPIC_SVR
	lock incl ap_count
	call	ap_main
2:	cli
	hlt
	jmp	2b
.endm

/* Data for the macros above; put in .data/.bss by INTR_DATA. */
.macro INTR_DATA
	.section .rodata
	.balign	8
il_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
il_gdt_end:
il_gdt_desc:
	.word	il_gdt_end - il_gdt - 1
	.long	il_gdt
il_idt_desc:
	.word	256 * 8 - 1
	.long	il_idt

	.data
	.balign	4
strays:			.long	0
il_print_lock:		.long	0
il_tramp_lock:		.long	0
il_tramp_cs_seen:	.word	0, 0
ap_count:		.long	0
il_want:		.long	0
ap_cs:			.fill	MAXCPUS, 2, 0

	.bss
	.balign	4096
il_ap_stacks:	.skip	AP_STACK * (MAXCPUS + 1)
il_idt:		.skip	256 * 8
		.skip	8192
stack_top:
.endm

#endif /* __ASSEMBLER__ */
#endif /* LHYVE_TEST_INTR_LIB_H */
