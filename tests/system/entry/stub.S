# SPDX-License-Identifier: BSD-2-Clause
# stub.S: a multiboot (v1) ELF32 shim for QEMU that replays the Linux boot
# state lhyve's loader built (tests/system/entry/dump.c): it copies each
# module to the address at the end of its string, enters long mode with
# lhyve's GDT (0x1000) and page tables (CR3 0x2000), and jumps to the
# 64-bit entry given at the end of its command line with RSI = 0x8000.
# Modules are copied in the order given, with memmove semantics.

	.set	MB_MAGIC, 0x1BADB002
	.set	MB_FLAGS, 0
	.set	MAXMODS, 8

	.section .text
	.code32
	.globl	_start
	.align	4
mbhdr:
	.long	MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

_start:
	cli
	cld
	movl	$stack_top, %esp
	movl	%ebx, %ebp			# multiboot info

	movl	16(%ebp), %esi			# cmdline: "... 0xENTRY"
	call	lasthex
	movl	%eax, entry

	# Read the whole module list before anything is overwritten.
	movl	20(%ebp), %ecx			# mods_count
	cmpl	$MAXMODS, %ecx
	jbe	1f
	movl	$MAXMODS, %ecx
1:	movl	%ecx, nmods
	movl	24(%ebp), %ebx			# mods_addr
	movl	$mods, %edi
2:	testl	%ecx, %ecx
	jz	3f
	movl	0(%ebx), %eax			# mod_start
	movl	%eax, 0(%edi)
	movl	4(%ebx), %eax			# mod_end
	subl	0(%ebx), %eax
	movl	%eax, 4(%edi)
	movl	8(%ebx), %esi			# string: "file 0xDEST"
	pushl	%ecx
	pushl	%edi
	call	lasthex
	popl	%edi
	popl	%ecx
	movl	%eax, 8(%edi)
	addl	$16, %ebx
	addl	$12, %edi
	decl	%ecx
	jmp	2b

3:	# Copy them: memmove(dst, src, len).
	movl	$mods, %ebx
	movl	nmods, %edx
4:	testl	%edx, %edx
	jz	6f
	movl	0(%ebx), %esi
	movl	4(%ebx), %ecx
	movl	8(%ebx), %edi
	cmpl	%esi, %edi
	jbe	5f
	# dst above src: copy backwards.
	leal	-1(%esi,%ecx), %esi
	leal	-1(%edi,%ecx), %edi
	std
	rep movsb
	cld
	jmp	55f
5:	rep movsb
55:	addl	$12, %ebx
	decl	%edx
	jmp	4b

6:	# Long mode with lhyve's tables (x86_setup.c layout).
	movl	%cr4, %eax
	orl	$0x20, %eax			# PAE
	movl	%eax, %cr4
	movl	$0x2000, %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx		# EFER
	rdmsr
	orl	$0x100, %eax			# LME
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000021, %eax		# PG | NE | PE
	movl	%eax, %cr0
	lgdt	gdtr
	ljmp	$0x10, $long64

# lasthex: %esi = NUL-terminated string; returns in %eax the value of its
# last space-separated token, read as hex ("0x" prefix optional).
lasthex:
	movl	%esi, %edi
1:	cmpb	$0, (%esi)			# find the end
	je	2f
	incl	%esi
	jmp	1b
2:	cmpl	%edi, %esi			# back to the last space
	je	3f
	cmpb	$' ', -1(%esi)
	je	3f
	decl	%esi
	jmp	2b
3:	xorl	%eax, %eax
	cmpb	$'0', (%esi)
	jne	4f
	cmpb	$'x', 1(%esi)
	jne	4f
	addl	$2, %esi
4:	movzbl	(%esi), %edx
	subl	$'0', %edx
	jb	7f
	cmpl	$9, %edx
	jbe	6f
	movzbl	(%esi), %edx
	orl	$0x20, %edx			# lower case
	subl	$'a', %edx
	jb	7f
	cmpl	$5, %edx
	ja	7f
	addl	$10, %edx
6:	shll	$4, %eax
	orl	%edx, %eax
	incl	%esi
	jmp	4b
7:	ret

	.code64
long64:
	movl	$0x18, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$0x80000, %rsp
	movq	$0x8000, %rsi
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	movl	entry(%rip), %eax
	jmp	*%rax

	.section .data
	.align	8
gdtr:
	.word	31
	.long	0x1000
entry:	.long	0
nmods:	.long	0
mods:	.space	12 * MAXMODS

	.section .bss
	.align	16
	.space	4096
stack_top:
