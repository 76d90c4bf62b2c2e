/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys.h: shared macros of the sys_* system-architecture guests: a TRY/CHECK
 * pair that runs one instruction sequence and prints what the exception
 * handler saw (vector, error code, saved IP relative to the sequence), so
 * that the .expect files can be produced by any real implementation.
 */
#ifndef LHYVE_TEST_SYS_H
#define LHYVE_TEST_SYS_H

#ifdef __ASSEMBLER__

/*
 * 32-bit: TRY n ... CHECK n, "name" prints "name: none" or
 * "name: #VV(EEEE) +OOOOOOOO" (saved EIP minus the address of TRY's
 * first instruction).  The handler resumes at CHECK (exc_resume).
 */
.macro TRY32 n
	movl	$0xff, exc_vec
	movl	$t\n\()_res, exc_resume
t\n\()_at:
.endm

.macro CHECK32 n, name
t\n\()_res:
	PUTS32	"\name"
	pushl	$t\n\()_at
	call	report32
	addl	$4, %esp
.endm

/*
 * report32: prints ": none\n" or ": #VV(EEEE) +OOOOOOOO\n"; the reference
 * address is the argument on the stack.
 */
.macro REPORT32
	.code32
report32:
	pushl	%eax
	cmpl	$0xff, exc_vec
	jne	1f
	PUTS32	": none\n"
	popl	%eax
	ret
1:	PUTS32	": #"
	movl	exc_vec, %eax
	call	puthex2_32
	PUTS32	"("
	movl	exc_err, %eax
	call	puthex4_32
	PUTS32	") +"
	movl	exc_eip, %eax
	subl	8(%esp), %eax
	call	puthex32
	PUTS32	"\n"
	popl	%eax
	ret
puthex2_32:
	pushl	%eax
	rorl	$4, %eax
	andl	$0xf, %eax
	movb	hexdigits32(%eax), %al
	call	putc32
	movl	(%esp), %eax
	andl	$0xf, %eax
	movb	hexdigits32(%eax), %al
	call	putc32
	popl	%eax
	ret
puthex4_32:
	pushl	%eax
	shrl	$8, %eax
	call	puthex2_32
	movl	(%esp), %eax
	call	puthex2_32
	popl	%eax
	ret
.endm

/* Print a label and a 32-bit value in hex: "str XXXXXXXX\n" */
.macro SHOW32 str, val
	PUTS32	"\str "
	pushl	%eax
	movl	\val, %eax
	call	puthex32
	popl	%eax
	PUTS32	"\n"
.endm

/* 64-bit versions: the same lines, plus " cr2=XXXXXXXXXXXXXXXX" for #PF. */
.macro TRY64 n
	movq	$0xff, exc_vec
	movq	$t\n\()_res, exc_resume
t\n\()_at:
.endm

.macro CHECK64 n, name
t\n\()_res:
	PUTS64	"\name"
	pushq	$t\n\()_at
	call	report64
	addq	$8, %rsp
.endm

.macro REPORT64
	.code64
report64:
	pushq	%rax
	cmpq	$0xff, exc_vec
	jne	1f
	PUTS64	": none\n"
	popq	%rax
	ret
1:	PUTS64	": #"
	movq	exc_vec, %rax
	call	puthex2_64
	PUTS64	"("
	movq	exc_err, %rax
	call	puthex4_64
	PUTS64	") +"
	movq	exc_rip, %rax
	subq	16(%rsp), %rax
	call	puthex64
	cmpq	$14, exc_vec
	jne	2f
	PUTS64	" cr2="
	movq	exc_cr2, %rax
	call	puthex64
2:	PUTS64	"\n"
	popq	%rax
	ret
puthex2_64:
	pushq	%rax
	pushq	%rdx
	leaq	hexdigits64(%rip), %rdx
	pushq	%rax
	shrq	$4, %rax
	andl	$0xf, %eax
	movb	(%rdx,%rax), %al
	call	putc64
	popq	%rax
	andl	$0xf, %eax
	movb	(%rdx,%rax), %al
	call	putc64
	popq	%rdx
	popq	%rax
	ret
puthex4_64:
	pushq	%rax
	shrq	$8, %rax
	call	puthex2_64
	movq	(%rsp), %rax
	call	puthex2_64
	popq	%rax
	ret
.endm

.macro SHOW64 str, val
	PUTS64	"\str "
	pushq	%rax
	movq	\val, %rax
	call	puthex64
	popq	%rax
	PUTS64	"\n"
.endm

#endif /* __ASSEMBLER__ */
#endif /* LHYVE_TEST_SYS_H */
