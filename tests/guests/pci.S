/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci.S: multiboot guest that walks PCI bus 0 through configuration
 * mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2: address at 0xCF8, data at
 * 0xCFC-0xCFF) and prints every function it finds: vendor:device and class.
 * Also checks that byte and word reads agree with dword reads, that the
 * address register reads back, and that an empty slot reads all-ones.
 */
#include "guest.h"

#define CONFIG_ADDRESS	0xcf8
#define CONFIG_DATA	0xcfc

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	PUTS32	"pci: bus 0\n"

	xorl	%ebx, %ebx		/* device number */
1:	xorl	%edi, %edi		/* function number */
2:	movl	$0, %esi		/* register 0: vendor, device */
	call	cfg_read
	cmpw	$0xffff, %ax
	je	4f
	call	show
	/* More functions only if the header type says multi-function. */
	testl	%edi, %edi
	jnz	3f
	movl	$0x0c, %esi
	call	cfg_read
	testl	$0x00800000, %eax
	jz	4f
3:	incl	%edi
	cmpl	$8, %edi
	jb	2b
4:	incl	%ebx
	cmpl	$32, %ebx
	jb	1b

	/* The address register reads back what was written. */
	movl	$0x8000f808, %eax
	movw	$CONFIG_ADDRESS, %dx
	outl	%eax, %dx
	inl	%dx, %eax
	cmpl	$0x8000f808, %eax
	je	1f
	FAIL32	1
	/* Byte and word reads of the host bridge's ID register. */
1:	xorl	%ebx, %ebx
	xorl	%edi, %edi
	xorl	%esi, %esi
	call	cfg_read
	movl	%eax, %ebp
	movw	$CONFIG_DATA + 2, %dx
	inw	%dx, %ax
	movl	%ebp, %ecx
	shrl	$16, %ecx
	cmpw	%cx, %ax
	je	1f
	FAIL32	2
1:	movw	$CONFIG_DATA + 1, %dx
	inb	%dx, %al
	movl	%ebp, %ecx
	cmpb	%ch, %al
	je	1f
	FAIL32	3
	/* Slot 5 is empty: all-ones. */
1:	movl	$5, %ebx
	call	cfg_read
	cmpl	$0xffffffff, %eax
	je	1f
	FAIL32	4
	/* With the enable bit clear, the data port is not config space. */
1:	movl	$0x00000000, %eax
	movw	$CONFIG_ADDRESS, %dx
	outl	%eax, %dx
	movw	$CONFIG_DATA, %dx
	inl	%dx, %eax
	cmpl	$0xffffffff, %eax
	je	1f
	FAIL32	5
1:	PUTS32	"config mechanism #1 ok\n"
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

/* %eax := config dword: device %ebx, function %edi, register %esi. */
cfg_read:
	pushl	%edx
	movl	%ebx, %eax
	shll	$11, %eax
	movl	%edi, %edx
	shll	$8, %edx
	orl	%edx, %eax
	orl	%esi, %eax
	orl	$0x80000000, %eax
	movw	$CONFIG_ADDRESS, %dx
	outl	%eax, %dx
	movw	$CONFIG_DATA, %dx
	inl	%dx, %eax
	popl	%edx
	ret

/* "00:DD.F VVVV:DDDD class CCCCCC" for device %ebx, function %edi;
 * %eax = the ID dword. */
show:
	pushl	%eax
	PUTS32	"00:"
	movl	%ebx, %eax
	call	puthex2
	PUTS32	"."
	movl	%edi, %eax
	addb	$'0', %al
	call	putc32
	PUTS32	" "
	movl	(%esp), %eax
	call	puthex4
	PUTS32	":"
	movl	(%esp), %eax
	shrl	$16, %eax
	call	puthex4
	PUTS32	" class "
	movl	$0x08, %esi
	call	cfg_read
	shrl	$8, %eax		/* class, subclass, prog-if */
	call	puthex6
	PUTS32	"\n"
	popl	%eax
	ret

/* Low 8 / 16 / 24 bits of %eax in hex; %ecx is clobbered. */
puthex6:
	pushl	%eax
	shll	$8, %eax
	movl	$6, %ecx
	jmp	puthexn
puthex2:
	pushl	%eax
	shll	$24, %eax
	movl	$2, %ecx
	jmp	puthexn
puthex4:
	pushl	%eax
	shll	$16, %eax
	movl	$4, %ecx
puthexn:
	pushl	%edx
	movl	%eax, %edx
1:	roll	$4, %edx
	movl	%edx, %eax
	andl	$0xf, %eax
	movb	hexdigits32(%eax), %al
	call	putc32
	loop	1b
	popl	%edx
	popl	%eax
	ret

	LIB32

	.bss
	.balign	16
	.skip	4096
stack_top:
