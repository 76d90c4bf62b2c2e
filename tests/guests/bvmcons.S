/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bvmcons.S: multiboot guest for -b, the bvm console at port 0x220: the
 * 16-bit probe reads the signature 'b' << 8 | 'v', a byte read 0xFF, a
 * 32-bit read -1 when there is no input (stdin is /dev/null, or COM1
 * owns it) or the byte waiting on stdin, which it prints,
 * and text written a byte per 32-bit OUT comes out on stdout, interleaved
 * with COM1's in the order the guest wrote it.  Without -b the probe
 * reads 0xFFFF and the guest fails with 2 (run.sh checks that too).
 */
#include "guest.h"

#define BVM_PORT	0x220
#define BVM_SIG		0x7662

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	PUTS32	"bvmcons: COM1 first\n"

	movw	$BVM_PORT, %dx
	xorl	%eax, %eax
	inw	%dx, %ax
	cmpl	$BVM_SIG, %eax
	je	1f
	PUTS32	"no bvm console signature: "
	call	puthex32
	PUTS32	"\n"
	FAIL32	2
1:	movl	$bvm_hello, %esi
	call	bvm_puts

	/* A byte-wide probe reads an empty ISA slot's 0xFF. */
	movw	$BVM_PORT, %dx
	movl	$0x12345678, %eax
	inb	%dx, %al
	cmpl	$0x123456ff, %eax
	je	2f
	FAIL32	3
	/* Input: -1 when none is waiting (run.sh), else one byte (the cli
	 * tier pipes "x" in). */
2:	movw	$BVM_PORT, %dx
	xorl	%eax, %eax
	inl	%dx, %eax
	movl	$bvm_noinput, %esi
	cmpl	$0xffffffff, %eax
	je	3f
	cmpl	$0xff, %eax
	jbe	4f
	FAIL32	4
4:	movb	%al, bvm_char
	movl	$bvm_input, %esi
3:	call	bvm_puts
	PUTS32	"bvmcons: COM1 again\n"
	movl	$bvm_bye, %esi
	call	bvm_puts
	xorl	%eax, %eax
	jmp	exit32

/* %esi: a NUL-terminated string, one 32-bit OUT per byte (as FreeBSD's
 * bvm_cnputc does). */
bvm_puts:
	pushl	%eax
	pushl	%edx
	movw	$BVM_PORT, %dx
1:	movzbl	(%esi), %eax
	testl	%eax, %eax
	jz	2f
	/* Only the low byte counts: the rest must be ignored. */
	orl	$0xabcd0000, %eax
	outl	%eax, %dx
	incl	%esi
	jmp	1b
2:	popl	%edx
	popl	%eax
	ret

	LIB32

	.section .rodata
bvm_hello:
	.asciz	"bvmcons: hello through port 0x220\n"
bvm_bye:
	.asciz	"bvmcons: signature 0x7662, ok\n"
bvm_noinput:
	.asciz	"bvmcons: no input\n"

	.data
bvm_input:
	.ascii	"bvmcons: input '"
bvm_char:
	.asciz	"?'\n"

	.bss
	.balign	16
	.skip	4096
stack_top:
