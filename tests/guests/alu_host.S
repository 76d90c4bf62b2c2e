/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alu_host.S: the ALU groups of alu.h as a Linux user program (i386 with
 * -DALU_MODE=32, x86-64 with -DALU_MODE=64), so the host CPU produces the
 * reference transcripts alu32.expect and alu64.expect (`make alu-expect`).
 * Output through write(2), no libc.
 */
#if ALU_MODE == 64
#define ALU_HASH_HIGH	1
#define R(x)		%r##x
#define SET_FLAGS	pushq %rdi; popfq
#define GET_FLAGS	pushfq; popq %rdx
#define PUTS		call host_puts
#define PUTHEX		call host_puthex
#else
#define R(x)		%e##x
#define SET_FLAGS	pushl %edi; popfl
#define GET_FLAGS	pushfl; popl %edx
#define PUTS		call host_puts
#define PUTHEX		call host_puthex
#endif
#include "alu.h"

	.text
	.globl	_start
#if ALU_MODE == 64
	.code64
_start:
	ALU_RUN_ALL64
	movl	$60, %eax		/* exit(0) */
	xorl	%edi, %edi
	syscall

/* write(1, %rsi, strlen) */
host_puts:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rdi
	pushq	%r11
	movq	%rsi, %rdx
1:	cmpb	$0, (%rdx)
	je	2f
	incq	%rdx
	jmp	1b
2:	subq	%rsi, %rdx
	movl	$1, %eax
	movl	$1, %edi
	syscall
	popq	%r11
	popq	%rdi
	popq	%rdx
	popq	%rcx
	popq	%rax
	ret

/* %eax as 8 hex digits */
host_puthex:
	pushq	%rsi
	pushq	%rcx
	pushq	%rax
	leaq	hexbuf + 8, %rsi
	movl	$8, %ecx
1:	decq	%rsi
	movl	%eax, %edx
	andl	$0xf, %edx
	movb	hexdigits(%rdx), %dl
	movb	%dl, (%rsi)
	shrl	$4, %eax
	loop	1b
	call	host_puts
	popq	%rax
	popq	%rcx
	popq	%rsi
	ret
#else
	.code32
_start:
	ALU_RUN_ALL32
	movl	$1, %eax		/* exit(0) */
	xorl	%ebx, %ebx
	int	$0x80

host_puts:
	pushal
	movl	%esi, %ecx
	movl	%esi, %edx
1:	cmpb	$0, (%edx)
	je	2f
	incl	%edx
	jmp	1b
2:	subl	%esi, %edx
	movl	$4, %eax
	movl	$1, %ebx
	int	$0x80
	popal
	ret

host_puthex:
	pushal
	leal	hexbuf + 8, %esi
	movl	$8, %ecx
1:	decl	%esi
	movl	%eax, %edx
	andl	$0xf, %edx
	movb	hexdigits(%edx), %dl
	movb	%dl, (%esi)
	shrl	$4, %eax
	loop	1b
	call	host_puts
	popal
	ret
#endif

	ALU_OPS_COMMON
#if ALU_MODE == 64
	ALU_OPS_64
#else
	ALU_OPS_BCD
#endif
	ALU_COLLECT_CC
	ALU_DRIVER

	.section .rodata
hexdigits:
	.ascii	"0123456789ABCDEF"
	.data
hexbuf:
	.ascii	"00000000"
	.byte	0
