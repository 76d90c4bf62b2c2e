/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * except32.S: multiboot guest that checks exception and interrupt delivery
 * in 32-bit protected mode (SDM vol. 3 ch. 6): vector, error code, the
 * saved EIP (fault or trap), CR2, and 2-level paging's #PF error codes and
 * accessed/dirty bits (SDM vol. 3 4.3, 4.7, 4.8).
 */
#include "guest.h"

#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_A		0x020
#define PTE_D		0x040
#define PTE_PS		0x080
#define PROBE_RO	0x00401000	/* 4 KiB page, read-only */
#define PROBE_NP	0x00402000	/* 4 KiB page, not present */
#define PROBE_RW	0x00403000	/* 4 KiB page, writable */

/*
 * EXPECT vec, err, eip: the last exception had this vector, error code and
 * saved EIP (labels), else fail with n.
 */
.macro EXPECT vec, err, eip, n
	cmpl	$\vec, exc_vector
	jne	9998f
	cmpl	$\err, exc_error
	jne	9998f
	cmpl	$\eip, exc_eip
	je	9999f
9998:	call	report
	FAIL32	\n
9999:
.endm

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
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	call	build_idt
	lidt	idt_desc
	PUTS32	"except32: exceptions in 32-bit protected mode\n"

	/* #BP is a trap: the saved EIP is after int3. */
	movl	$1f, resume
	int3
1:	EXPECT	3, 0, 1b, 1
	PUTS32	"int3: #BP, trap ok\n"

	/* #UD is a fault: the saved EIP is the ud2. */
	movl	$2f, resume
1:	ud2
2:	EXPECT	6, 0, 1b, 2
	PUTS32	"ud2: #UD, fault ok\n"

	/* #DE on a divide by zero. */
	movl	$2f, resume
	movl	$7, %eax
	xorl	%edx, %edx
	xorl	%ecx, %ecx
1:	divl	%ecx
2:	EXPECT	0, 0, 1b, 3
	/* ... and on a quotient that does not fit. */
	movl	$2f, resume
	movl	$2, %edx
	movl	$1, %ecx
1:	divl	%ecx
2:	EXPECT	0, 0, 1b, 4
	PUTS32	"div: #DE ok\n"

	/*
	 * Software interrupts with IF set: an interrupt gate (0x80) clears
	 * IF in the handler, a trap gate (0x81) leaves it; iret restores it.
	 * The 8259s are masked first so no timer tick can come in.
	 */
	movb	$0xff, %al
	outb	%al, $0x21
	outb	%al, $0xa1
	sti
	movl	$1f, resume
	int	$0x80
1:	EXPECT	0x80, 0, 1b, 5
	testl	$0x200, exc_eflags_in
	jz	1f
	FAIL32	20
1:	movl	$1f, resume
	int	$0x81
1:	EXPECT	0x81, 0, 1b, 21
	testl	$0x200, exc_eflags_in
	jnz	1f
	FAIL32	22
1:	pushfl
	popl	%eax
	cli
	testl	$0x200, %eax
	jnz	1f
	FAIL32	23
1:	PUTS32	"int 0x80 (interrupt gate), int 0x81 (trap gate) ok\n"

	/* #GP(selector without RPL): an index past the GDT limit. */
	movl	$2f, resume
	movw	$0x1233, %ax		/* index 0x246, RPL 3 */
1:	movw	%ax, %ds
2:	EXPECT	13, 0x1230, 1b, 6
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	PUTS32	"bad selector: #GP(0x1230) ok\n"

	/*
	 * Paging: 4 MiB pages for all of RAM, except the second 4 MiB,
	 * which a page table maps with 4 KiB pages so some can be read-only
	 * or absent.
	 */
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$22, %eax
	orl	$(PTE_P | PTE_W | PTE_PS), %eax
	movl	%eax, pgdir(,%ecx,4)
	incl	%ecx
	cmpl	$16, %ecx
	jb	1b
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$0x400000, %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, pgtab(,%ecx,4)
	incl	%ecx
	cmpl	$1024, %ecx
	jb	1b
	andl	$~PTE_W, pgtab + 1 * 4		/* PROBE_RO */
	movl	$0, pgtab + 2 * 4		/* PROBE_NP */
	movl	$pgtab, %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, pgdir + 1 * 4
	movl	%cr4, %eax
	orl	$0x10, %eax			/* CR4.PSE */
	movl	%eax, %cr4
	movl	$pgdir, %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$0x80010000, %eax		/* PG | WP */
	movl	%eax, %cr0
	PUTS32	"paging on\n"

	/* Not present, read: error 0 (P=0, W/R=0), CR2 = the address. */
	movl	$2f, resume
1:	movl	PROBE_NP + 0x10, %eax
2:	EXPECT	14, 0, 1b, 8
	cmpl	$(PROBE_NP + 0x10), exc_cr2
	je	1f
	FAIL32	9
1:	PUTS32	"#PF not present (read) ok\n"

	/* Read-only, write, CR0.WP set: error 3 (P=1, W/R=1). */
	movl	$2f, resume
1:	movl	$1, PROBE_RO + 0x20
2:	EXPECT	14, 3, 1b, 10
	cmpl	$(PROBE_RO + 0x20), exc_cr2
	je	1f
	FAIL32	11
1:	PUTS32	"#PF write to read-only (CR0.WP) ok\n"

	/* Accessed and dirty: a read sets A only; a write sets D. */
	movl	$0, pgtab + 3 * 4
	movl	$(PROBE_RW | PTE_P | PTE_W), pgtab + 3 * 4
	movl	%cr3, %eax			/* flush the TLB */
	movl	%eax, %cr3
	movl	PROBE_RW, %eax
	movl	pgtab + 3 * 4, %eax
	andl	$(PTE_A | PTE_D), %eax
	cmpl	$PTE_A, %eax
	je	1f
	FAIL32	12
1:	movl	$5, PROBE_RW
	movl	pgtab + 3 * 4, %eax
	andl	$(PTE_A | PTE_D), %eax
	cmpl	$(PTE_A | PTE_D), %eax
	je	1f
	FAIL32	13
	/* The page-directory entry got its accessed bit too. */
1:	testl	$PTE_A, pgdir + 1 * 4
	jnz	1f
	FAIL32	14
1:	PUTS32	"accessed/dirty bits ok\n"

	/* A present PTE made absent: invlpg must drop the stale TLB entry. */
	movl	$0, pgtab + 3 * 4
	invlpg	PROBE_RW
	movl	$2f, resume
1:	movl	PROBE_RW, %eax
2:	EXPECT	14, 0, 1b, 15
	PUTS32	"invlpg ok\n"

	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

/* Print what the last exception was, for a failing EXPECT. */
report:
	PUTS32	"got vector "
	movl	exc_vector, %eax
	call	puthex32
	PUTS32	" error "
	movl	exc_error, %eax
	call	puthex32
	PUTS32	" eip "
	movl	exc_eip, %eax
	call	puthex32
	PUTS32	"\n"
	ret

/*
 * The handlers: one stub per vector pushes a dummy error code where the
 * CPU pushes none (SDM vol. 3 table 6-1), then the vector.
 */
#define HAS_ERROR(v)	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17)
	.balign	16
stubs:
	.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, \
	    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.balign	16
	.if !HAS_ERROR(\v)
	pushl	$0
	.endif
	pushl	$\v
	jmp	common
	.endr
	.balign	16
stub_0x80:
	pushl	$0
	pushl	$0x80
	jmp	common
	.balign	16
stub_0x81:
	pushl	$0
	pushl	$0x81
	jmp	common

/* Stack: vector, error, EIP, CS, EFLAGS.  Record, then resume. */
common:
	pushl	%eax
	movl	4(%esp), %eax
	movl	%eax, exc_vector
	movl	8(%esp), %eax
	movl	%eax, exc_error
	movl	12(%esp), %eax
	movl	%eax, exc_eip
	pushfl
	popl	%eax
	movl	%eax, exc_eflags_in
	movl	%cr2, %eax
	movl	%eax, exc_cr2
	movl	resume, %eax
	movl	%eax, 12(%esp)
	popl	%eax
	addl	$8, %esp
	iret

/* Interrupt gates (type 0xE, DPL 0) for vectors 0-31 and 0x80; a trap
 * gate (type 0xF) for 0x81. */
build_idt:
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$4, %eax
	addl	$stubs, %eax
	call	set_gate
	incl	%ecx
	cmpl	$32, %ecx
	jb	1b
	movl	$0x80, %ecx
	movl	$stub_0x80, %eax
	call	set_gate
	movl	$0x81, %ecx
	movl	$stub_0x81, %eax
	call	set_gate
	movb	$0x8f, idt + 0x81 * 8 + 5
	ret
/* %ecx = vector, %eax = handler */
set_gate:
	movw	%ax, idt(,%ecx,8)
	movw	$SEL_CODE, idt + 2(,%ecx,8)
	movw	$0x8e00, idt + 4(,%ecx,8)
	shrl	$16, %eax
	movw	%ax, idt + 6(,%ecx,8)
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
	.balign	4096
pgdir:	.skip	4096
pgtab:	.skip	4096
idt:	.skip	256 * 8
resume:		.long	0
exc_vector:	.long	0
exc_error:	.long	0
exc_eip:	.long	0
exc_cr2:	.long	0
exc_eflags_in:	.long	0
	.balign	16
	.skip	8192
stack_top:
