/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * except64.S: multiboot guest that enters long mode and checks exception
 * delivery through a 64-bit IDT (SDM vol. 3 6.14): vectors, error codes,
 * saved RIP, the 16-byte aligned frame, an IST stack from the TSS, #GP on a
 * non-canonical address, and #PF error codes for not-present, write to
 * read-only (CR0.WP) and execute of an XD page (EFER.NXE).
 */
#include "guest.h"

#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_TSS		0x20
#define P_P		0x001
#define P_W		0x002
#define P_PS		0x080
#define P_XD_HI		0x80000000	/* bit 63, in the high dword */
#define RO_PAGE		0x00400000	/* PD[2]: 2 MiB, read-only */
#define XD_PAGE		0x00600000	/* PD[3]: 2 MiB, execute-disable */
#define NP_ADDR		0x40000010	/* PDPT[1] absent */

.macro EXPECT vec, err, rip, n
	cmpq	$\vec, exc_vector(%rip)
	jne	9998f
	cmpq	$\err, exc_error(%rip)
	jne	9998f
	leaq	\rip(%rip), %rax
	cmpq	%rax, exc_rip(%rip)
	je	9999f
9998:	call	report
	FAIL64	\n
9999:
.endm

/* Arrange for the next exception to resume at 'label'. */
.macro RESUME label
	leaq	\label(%rip), %rax
	movq	%rax, resume(%rip)
.endm

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	lgdt	gdt_desc
	ljmp	$SEL_CODE32, $1f
1:	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	/* Identity map 1 GiB with 2 MiB pages, two of them special. */
	movl	$pdpt, %eax
	orl	$(P_P | P_W), %eax
	movl	%eax, pml4
	movl	$pd, %eax
	orl	$(P_P | P_W), %eax
	movl	%eax, pdpt
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(P_P | P_W | P_PS), %eax
	movl	%eax, pd(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
	andl	$~P_W, pd + 2 * 8
	orl	$P_XD_HI, pd + 3 * 8 + 4
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x900, %eax			/* LME | NXE */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax		/* PG | WP | PE */
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $long_entry

	.code64
long_entry:
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	$stack_top, %rsp
	call	setup_tss_idt
	PUTS64	"except64: exceptions in 64-bit mode\n"

	/* #BP through IST1: the handler saw its stack. */
	RESUME	1f
	int3
1:	EXPECT	3, 0, 1b, 1
	movq	exc_rsp(%rip), %rax
	leaq	ist1_bottom(%rip), %rcx
	cmpq	%rcx, %rax
	jb	2f
	leaq	ist1_top(%rip), %rcx
	cmpq	%rcx, %rax
	jb	1f
2:	FAIL64	2
1:	PUTS64	"int3: #BP on the IST1 stack ok\n"

	/* #UD: a fault, and the frame is 16-byte aligned even from an odd
	 * stack (SDM vol. 3 6.14.2). */
	RESUME	2f
	pushq	$0				/* RSP now 8 mod 16 */
1:	ud2
2:	popq	%rax
	EXPECT	6, 0, 1b, 3
	testq	$0xf, exc_frame(%rip)
	jz	1f
	FAIL64	4
1:	PUTS64	"ud2: #UD, aligned frame ok\n"

	/* #DE, 64-bit divide. */
	RESUME	2f
	movl	$1, %eax
	xorl	%edx, %edx
	xorl	%ecx, %ecx
1:	divq	%rcx
2:	EXPECT	0, 0, 1b, 5
	PUTS64	"div: #DE ok\n"

	/* #GP(0): a non-canonical address. */
	RESUME	2f
	movabsq	$0x8000000000000000, %rbx
1:	movq	(%rbx), %rax
2:	EXPECT	13, 0, 1b, 6
	PUTS64	"non-canonical: #GP(0) ok\n"

	/* #PF not present, read: error 0; CR2. */
	RESUME	2f
	movl	$NP_ADDR, %ebx
1:	movq	(%rbx), %rax
2:	EXPECT	14, 0, 1b, 7
	cmpq	$NP_ADDR, exc_cr2(%rip)
	je	1f
	FAIL64	8
1:	PUTS64	"#PF not present ok\n"

	/* #PF write to a read-only page with CR0.WP: error 3. */
	RESUME	2f
	movl	$(RO_PAGE + 0x18), %ebx
1:	movq	%rax, (%rbx)
2:	EXPECT	14, 3, 1b, 9
	PUTS64	"#PF write to read-only ok\n"

	/* Execute from an XD page: #PF, error 0x11 (P, I/D), RIP = target. */
	RESUME	1f
	movl	$XD_PAGE, %ebx
	call	*%rbx
1:	cmpq	$14, exc_vector(%rip)
	jne	2f
	cmpq	$0x11, exc_error(%rip)
	jne	2f
	cmpq	$XD_PAGE, exc_rip(%rip)
	jne	2f
	cmpq	$XD_PAGE, exc_cr2(%rip)
	je	3f
2:	call	report
	FAIL64	10
3:	addq	$8, %rsp			/* the call's return address */
	PUTS64	"#PF execute-disable ok\n"

	/* int 0x80 through a 64-bit interrupt gate. */
	RESUME	1f
	int	$0x80
1:	EXPECT	0x80, 0, 1b, 11
	PUTS64	"int 0x80 ok\n"

	PUTS64	"ok\n"
	xorl	%eax, %eax
	jmp	exit64

report:
	PUTS64	"got vector "
	movq	exc_vector(%rip), %rax
	call	puthex64
	PUTS64	" error "
	movq	exc_error(%rip), %rax
	call	puthex64
	PUTS64	" rip "
	movq	exc_rip(%rip), %rax
	call	puthex64
	PUTS64	"\n"
	ret

#define HAS_ERROR(v)	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17)
	.balign	16
stubs:
	.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, \
	    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.balign	16
	.if !HAS_ERROR(\v)
	pushq	$0
	.endif
	pushq	$\v
	jmp	common
	.endr
	.balign	16
stub_0x80:
	pushq	$0
	pushq	$0x80
	jmp	common

/* Stack: vector, error, RIP, CS, RFLAGS, RSP, SS. */
common:
	pushq	%rax
	leaq	64(%rsp), %rax			/* above SS: where the CPU aligned */
	movq	%rax, exc_frame(%rip)
	movq	%rsp, exc_rsp(%rip)
	movq	8(%rsp), %rax
	movq	%rax, exc_vector(%rip)
	movq	16(%rsp), %rax
	movq	%rax, exc_error(%rip)
	movq	24(%rsp), %rax
	movq	%rax, exc_rip(%rip)
	movq	%cr2, %rax
	movq	%rax, exc_cr2(%rip)
	movq	resume(%rip), %rax
	movq	%rax, 24(%rsp)
	popq	%rax
	addq	$16, %rsp
	iretq

setup_tss_idt:
	/* TSS: IST1 (offset 0x24); the descriptor is 16 bytes (7.2.3). */
	leaq	ist1_top(%rip), %rax
	movq	%rax, tss + 0x24(%rip)
	leaq	tss(%rip), %rax
	movw	$0x67, gdt + SEL_TSS(%rip)
	movw	%ax, gdt + SEL_TSS + 2(%rip)
	shrq	$16, %rax
	movb	%al, gdt + SEL_TSS + 4(%rip)
	movb	$0x89, gdt + SEL_TSS + 5(%rip)	/* present, 64-bit TSS */
	movb	%ah, gdt + SEL_TSS + 7(%rip)
	shrq	$16, %rax
	movl	%eax, gdt + SEL_TSS + 8(%rip)
	movw	$SEL_TSS, %ax
	ltr	%ax
	/* Interrupt gates: 16 bytes each (6.14.1). */
	xorl	%ecx, %ecx
1:	movq	%rcx, %rax
	shlq	$4, %rax
	leaq	stubs(%rip), %rdx
	addq	%rdx, %rax
	call	set_gate
	incl	%ecx
	cmpl	$32, %ecx
	jb	1b
	movl	$0x80, %ecx
	leaq	stub_0x80(%rip), %rax
	call	set_gate
	leaq	idt(%rip), %rdx
	movb	$1, 3 * 16 + 4(%rdx)		/* #BP on IST1 */
	lidt	idt_desc(%rip)
	ret
/* %ecx = vector, %rax = handler */
set_gate:
	pushq	%rdx
	movq	%rcx, %rdx
	shlq	$4, %rdx
	pushq	%rbx
	leaq	idt(%rip), %rbx
	addq	%rbx, %rdx
	popq	%rbx
	movw	%ax, (%rdx)
	movw	$SEL_CODE64, 2(%rdx)
	movw	$0x8e00, 4(%rdx)
	shrq	$16, %rax
	movw	%ax, 6(%rdx)
	shrq	$16, %rax
	movl	%eax, 8(%rdx)
	movl	$0, 12(%rdx)
	popq	%rdx
	ret

	LIB64

	.data
	.balign	16
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
	.quad	0x00cf9a000000ffff	/* 0x18: 32-bit code */
	.quad	0, 0			/* 0x20: the TSS, filled in */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
	.balign	8
idt_desc:
	.word	256 * 16 - 1
	.quad	idt

	.bss
	.balign	4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
idt:	.skip	256 * 16
tss:	.skip	104
	.balign	16
resume:		.quad	0
exc_vector:	.quad	0
exc_error:	.quad	0
exc_rip:	.quad	0
exc_cr2:	.quad	0
exc_rsp:	.quad	0
exc_frame:	.quad	0
	.balign	16
ist1_bottom:
	.skip	4096
ist1_top:
	.skip	8192
stack_top:
