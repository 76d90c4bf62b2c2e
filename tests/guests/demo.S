/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * demo.S: the demo guest run by scripts/demo.sh.  A multiboot kernel that
 * prints a banner naming the backend (from "backend=NAME" in its command
 * line), then echoes what is typed on COM1 until 'q' or Ctrl-D.  With the
 * word "batch" in the command line it prints the banner and powers off.
 */
#include "guest.h"

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	movl	$empty, %ebp		/* command line, "" when absent */
	cmpl	$MB_BOOT_MAGIC, %eax
	jne	1f
	testl	$MBI_F_CMDLINE, MBI_FLAGS(%ebx)
	jz	1f
	movl	MBI_CMDLINE(%ebx), %ebp

1:	PUTS32	"\r\nlhyve demo: a tiny 32-bit multiboot guest running on the "
	movl	%ebp, %esi
	movl	$key_backend, %edi
	call	find_word
	jnz	2f
	movl	$unknown, %esi
2:	call	put_word
	PUTS32	" backend\r\n"

	movl	%ebp, %esi
	movl	$key_batch, %edi
	call	find_word
	jz	echo_loop
	PUTS32	"(batch mode: no console input, powering off)\r\n"
	xorl	%eax, %eax
	jmp	exit32

echo_loop:
	PUTS32	"Type something and it is echoed back by the guest; q or Ctrl-D quits.\r\n> "
3:	movw	$COM1_LSR, %dx
	inb	%dx, %al
	testb	$LSR_DR, %al
	jnz	4f
	pause
	jmp	3b
4:	movw	$COM1, %dx
	inb	%dx, %al
	cmpb	$'q', %al
	je	5f
	cmpb	$0x04, %al		/* Ctrl-D */
	je	5f
	cmpb	$'\r', %al
	je	6f
	cmpb	$'\n', %al
	je	6f
	cmpb	$0x7f, %al		/* DEL: erase on the terminal */
	je	7f
	cmpb	$0x08, %al
	je	7f
	call	putc32
	jmp	3b
6:	PUTS32	"\r\n> "
	jmp	3b
7:	PUTS32	"\b \b"
	jmp	3b
5:	PUTS32	"\r\nbye\r\n"
	xorl	%eax, %eax
	jmp	exit32

/*
 * Look for the word %edi (e.g. "backend=" or "batch") at the start of a
 * space-separated word of the string %esi.  ZF clear and %esi just past
 * the match when found; ZF set when not.
 */
find_word:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
1:	xorl	%ecx, %ecx		/* compare at %esi */
2:	movb	(%edi,%ecx), %al
	testb	%al, %al
	jz	5f			/* the whole key matched */
	cmpb	(%esi,%ecx), %al
	jne	3f
	incl	%ecx
	jmp	2b
3:	/* skip to the next word */
	movb	(%esi), %al
	testb	%al, %al
	jz	4f
	incl	%esi
	cmpb	$' ', %al
	jne	3b
	jmp	1b
4:	xorl	%eax, %eax		/* ZF=1: not found */
	jmp	6f
5:	addl	%ecx, %esi
	orl	$1, %eax		/* ZF=0: found */
6:	popl	%edx
	popl	%ecx
	popl	%eax
	ret

/* Print %esi up to a space or the end. */
put_word:
	pushl	%eax
	pushl	%esi
1:	lodsb
	testb	%al, %al
	jz	2f
	cmpb	$' ', %al
	je	2f
	call	putc32
	jmp	1b
2:	popl	%esi
	popl	%eax
	ret

	LIB32

	.section .rodata
key_backend:	.asciz	"backend="
key_batch:	.asciz	"batch"
unknown:	.asciz	"(unknown)"
empty:		.asciz	""

	.bss
	.balign	16
	.skip	4096
stack_top:
