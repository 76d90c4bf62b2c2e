/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mbinfo.S: multiboot v1 guest that asks for memory information and
 * page-aligned modules, and checks mem_lower/mem_upper, the memory map and
 * module 0 (the --initrd).
 */
#include "guest.h"

/* Set by guests.mk from the generated initrd (mbinfo-initrd.txt). */
#ifndef INITRD_SIZE
#error INITRD_SIZE must be defined
#endif

	MULTIBOOT_HEADER (MB_PAGE_ALIGN | MB_MEMORY_INFO)

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	cmpl	$MB_BOOT_MAGIC, %eax
	je	1f
	FAIL32	1
1:	PUTS32	"multiboot info test\n"
	movl	MBI_FLAGS(%ebx), %edx

	/*
	 * mem_lower/mem_upper (section 3.3): KiB of RAM from 0 and from 1 MiB
	 * up to the first hole.  The exact figures depend on what the platform
	 * reserves, so check them against the memory map instead: the type-1
	 * entries at 0 and at 1 MiB must have exactly those lengths.
	 */
	testl	$MBI_F_MEM, %edx
	jnz	1f
	FAIL32	2
1:	movl	MBI_MEM_UPPER(%ebx), %eax
	cmpl	$(62 * 1024), %eax	/* -m 64M: 62..63 MiB above 1 MiB */
	jb	2f
	cmpl	$(63 * 1024), %eax
	jbe	1f
2:	FAIL32	3
1:	movl	MBI_MEM_LOWER(%ebx), %eax
	cmpl	$512, %eax
	jb	2f
	cmpl	$640, %eax
	jbe	1f
2:	FAIL32	4

	/*
	 * The memory map: entries of size(4) base(8) length(8) type(4), where
	 * 'size' does not count itself.
	 */
1:	testl	$MBI_F_MMAP, %edx
	jnz	1f
	FAIL32	5
1:	movl	MBI_MMAP_ADDR(%ebx), %esi
	movl	MBI_MMAP_LENGTH(%ebx), %ecx
	addl	%esi, %ecx		/* end of the map */
	xorl	%edi, %edi		/* bit 0: low RAM matched, bit 1: upper */
2:	cmpl	%ecx, %esi
	jae	4f
	cmpl	$1, 20(%esi)		/* type 1: available RAM */
	jne	3f
	cmpl	$0, 8(%esi)		/* base above 4 GiB: not ours */
	jne	3f
	cmpl	$0, 16(%esi)		/* length >= 4 GiB: wrong for -m 64M */
	jne	3f
	movl	4(%esi), %eax
	testl	%eax, %eax
	jnz	5f
	movl	MBI_MEM_LOWER(%ebx), %eax
	shll	$10, %eax
	cmpl	%eax, 12(%esi)
	jne	3f
	orl	$1, %edi
	jmp	3f
5:	cmpl	$0x100000, %eax
	jne	3f
	movl	MBI_MEM_UPPER(%ebx), %eax
	shll	$10, %eax
	cmpl	%eax, 12(%esi)
	jne	3f
	orl	$2, %edi
3:	movl	(%esi), %eax
	leal	4(%esi,%eax), %esi
	jmp	2b
4:	testl	$1, %edi
	jnz	1f
	FAIL32	6
1:	testl	$2, %edi
	jnz	1f
	FAIL32	7
1:	PUTS32	"mem_lower and mem_upper agree with the memory map\n"

	/* Module 0 is the initrd: mod_end is its last byte + 1. */
1:	testl	$MBI_F_MODS, %edx
	jnz	1f
	FAIL32	8
1:	PUTS32	"mods_count: "
	movl	MBI_MODS_COUNT(%ebx), %eax
	call	putdec32
	PUTS32	"\n"
	cmpl	$1, %eax
	je	1f
	FAIL32	9
1:	movl	MBI_MODS_ADDR(%ebx), %esi
	movl	0(%esi), %ecx		/* mod_start */
	movl	4(%esi), %eax		/* mod_end */
	subl	%ecx, %eax
	PUTS32	"module 0 size: "
	call	putdec32
	PUTS32	"\n"
	cmpl	$INITRD_SIZE, %eax
	je	1f
	FAIL32	10
1:	testl	$0xfff, %ecx		/* MB_PAGE_ALIGN asked for it */
	jz	1f
	FAIL32	11
	/* The module must not overlap us. */
1:	cmpl	$_end, %ecx
	jae	1f
	FAIL32	12
	/* Its last byte is 'x', the first line is printed. */
1:	movl	4(%esi), %eax
	cmpb	$'x', -1(%eax)
	je	1f
	FAIL32	13
1:	PUTS32	"module 0 says: "
	movl	%ecx, %esi
2:	lodsb
	call	putc32
	cmpb	$'\n', %al
	jne	2b
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

	LIB32

	.bss
	.balign	16
	.skip	4096
stack_top:
