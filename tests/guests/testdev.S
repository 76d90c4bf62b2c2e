/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * testdev.S: multiboot guest that drives pc-testdev's scratch port (0xE0)
 * and its 64 KiB of RAM-like MMIO (0xFF000000) with every access size and
 * with the instruction forms that reach a device: read-modify-write, xchg,
 * cmpxchg, bit ops, push/pop of memory, string moves/compares/stores and
 * string port I/O, forwards and backwards; and reads where nothing is
 * claimed (all-ones).
 */
#include "guest.h"

#define IOPORT		0xe0
#define MMIO		0xff000000
#define UNCLAIMED_MMIO	0xfd000000
#define UNCLAIMED_PORT	0x0230

/* CHECK32 value, operand, n: operand == value, else fail n */
.macro CHECK32 value, operand, n
	cmpl	$\value, \operand
	je	9999f
	movl	\operand, %eax
	call	puthex32
	PUTS32	" "
	FAIL32	\n
9999:
.endm

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	cld
	PUTS32	"testdev: pc-testdev port 0xE0 and MMIO at 0xFF000000\n"

	/* The scratch port, a byte, word or dword at a time. */
	movl	$0x12345678, %eax
	outl	%eax, $IOPORT
	xorl	%eax, %eax
	inb	$IOPORT + 1, %al
	cmpb	$0x56, %al
	je	1f
	FAIL32	1
1:	movb	$0xaa, %al
	outb	%al, $IOPORT + 3
	inw	$IOPORT + 2, %ax
	cmpw	$0xaa34, %ax
	je	1f
	FAIL32	2
1:	inl	$IOPORT, %eax
	cmpl	$0xaa345678, %eax
	je	1f
	FAIL32	3
	/* String port I/O: outsb writes each byte to the same port. */
1:	movl	$port_src, %esi
	movl	$4, %ecx
	movw	$IOPORT, %dx
	rep outsb
	inb	%dx, %al
	cmpb	$'Z', %al
	je	1f
	FAIL32	4
1:	movl	$0x0badcafe, %eax
	outl	%eax, %dx
	movl	$port_dst, %edi
	movl	$3, %ecx
	rep insl
	cmpl	$(port_dst + 12), %edi
	jne	2f
	cmpl	$0x0badcafe, port_dst + 8
	je	1f
2:	FAIL32	5
1:	PUTS32	"port: sizes and string I/O ok\n"

	/* MMIO: sizes and little-endian composition. */
	movl	$0x11223344, MMIO
	CHECK32	0x11223344, MMIO, 10
	movzbl	MMIO + 1, %eax
	cmpl	$0x33, %eax
	je	1f
	FAIL32	11
1:	movzwl	MMIO + 2, %eax
	cmpl	$0x1122, %eax
	je	1f
	FAIL32	12
1:	movb	$0xee, MMIO + 3
	movw	$0xdddd, MMIO + 0
	CHECK32	0xee22dddd, MMIO, 13
	/* Unaligned, inside the window. */
	movl	$0xa1b2c3d4, MMIO + 0x101
	CHECK32	0xa1b2c3d4, MMIO + 0x101, 14
	movzwl	MMIO + 0x102, %eax
	cmpl	$0xb2c3, %eax
	je	1f
	FAIL32	15
	/* The last dword of the window. */
1:	movl	$0x5a5a5a5a, MMIO + 0xfffc
	CHECK32	0x5a5a5a5a, MMIO + 0xfffc, 16
	PUTS32	"mmio: sizes ok\n"

	/* Read-modify-write forms on MMIO. */
	movl	$10, MMIO + 4
	addl	$5, MMIO + 4
	CHECK32	15, MMIO + 4, 20
	incb	MMIO + 4
	negl	MMIO + 4			/* -16 */
	CHECK32	0xfffffff0, MMIO + 4, 21
	movl	$0x77, %eax
	xchgl	%eax, MMIO + 4
	cmpl	$0xfffffff0, %eax
	jne	2f
	CHECK32	0x77, MMIO + 4, 22
	/* cmpxchg: equal (store), then not equal (load into eax). */
	movl	$0x77, %eax
	movl	$0x88, %ecx
	lock cmpxchgl %ecx, MMIO + 4
	jne	2f
	CHECK32	0x88, MMIO + 4, 23
	movl	$0x77, %eax
	lock cmpxchgl %ecx, MMIO + 4
	je	2f
	cmpl	$0x88, %eax
	jne	2f
	/* Bit ops and xadd. */
	movl	$0, MMIO + 8
	btsl	$3, MMIO + 8
	jc	2f
	btsl	$3, MMIO + 8
	jnc	2f
	orb	$0x40, MMIO + 9
	CHECK32	0x4008, MMIO + 8, 24
	movl	$1, %eax
	lock xaddl %eax, MMIO + 8
	cmpl	$0x4008, %eax
	jne	2f
	CHECK32	0x4009, MMIO + 8, 25
	jmp	1f
2:	FAIL32	26
1:	PUTS32	"mmio: read-modify-write ok\n"

	/* push and pop with MMIO operands. */
	movl	$0xfeedf00d, MMIO + 16
	pushl	MMIO + 16
	popl	MMIO + 20
	CHECK32	0xfeedf00d, MMIO + 20, 30
	PUTS32	"mmio: push/pop ok\n"

	/* String ops: RAM -> MMIO, compare, MMIO -> RAM, backwards too. */
	movl	$pattern, %esi
	movl	$(MMIO + 0x200), %edi
	movl	$16, %ecx
	rep movsl
	movl	$pattern, %esi
	movl	$(MMIO + 0x200), %edi
	movl	$16, %ecx
	repe cmpsl
	je	1f
	FAIL32	40
1:	movl	$(MMIO + 0x200), %esi
	movl	$copy, %edi
	movl	$64, %ecx
	rep movsb
	movl	$pattern, %esi
	movl	$copy, %edi
	movl	$16, %ecx
	repe cmpsl
	je	1f
	FAIL32	41
	/* Backwards (DF=1): shift the MMIO copy up by 4 bytes in place. */
1:	std
	movl	$(MMIO + 0x200 + 60), %esi
	movl	$(MMIO + 0x200 + 64), %edi
	movl	$16, %ecx
	rep movsl
	cld
	CHECK32	0x03020100, MMIO + 0x204, 42
	CHECK32	0x3f3e3d3c, MMIO + 0x240, 43
	/* rep stosw into MMIO, then scasw finds the end of the run. */
	movl	$(MMIO + 0x300), %edi
	movw	$0x4242, %ax
	movl	$8, %ecx
	rep stosw
	movw	$0x4343, MMIO + 0x310
	movl	$(MMIO + 0x300), %edi
	movw	$0x4242, %ax
	movl	$20, %ecx
	repe scasw
	cmpl	$(MMIO + 0x312), %edi
	je	1f
	FAIL32	44
	/* lods from MMIO */
1:	movl	$(MMIO + 0x300), %esi
	lodsl
	cmpl	$0x42424242, %eax
	je	1f
	FAIL32	45
1:	PUTS32	"mmio: string ops ok\n"

	/* Nothing claims these: reads are all-ones, writes vanish. */
	movl	$0, UNCLAIMED_MMIO
	CHECK32	0xffffffff, UNCLAIMED_MMIO, 50
	CHECK32	0xffffffff, MMIO + 0x10000, 51
	movw	$UNCLAIMED_PORT, %dx
	movb	$0, %al
	outb	%al, %dx
	inb	%dx, %al
	cmpb	$0xff, %al
	je	1f
	FAIL32	52
1:	inl	%dx, %eax
	cmpl	$0xffffffff, %eax
	je	1f
	FAIL32	53
1:	PUTS32	"unclaimed: all-ones ok\n"

	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

	LIB32

	.section .rodata
port_src:
	.ascii	"WXYZ"
	.balign	4
pattern:
	.irp n, 0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60
	.byte	\n, \n + 1, \n + 2, \n + 3
	.endr

	.bss
	.balign	16
port_dst:	.skip	16
copy:		.skip	64
	.skip	4096
stack_top:
