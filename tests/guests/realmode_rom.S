/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * realmode_rom.S: a flat 128 KiB boot ROM (-l bootrom,FILE).  The CPU starts at
 * the reset vector F000:FFF0 with the CS base at 0xFFFF0000 (SDM vol. 3 9.1.4);
 * a far jump reloads CS to plain real-mode F000, which reaches the ROM's mirror
 * below 1 MiB.  Exercises segment arithmetic, a stack, call/ret and string ops.
 */
#include "guest.h"

/* Offset in segment F000 (linear 0xF0000): distance from f000_base. */
#define SEG_F000(x)	((x) - f000_base)
#define RAM_SEG		0x2000		/* scratch at 0x20000 */

/* CHECKW seg, off, value, n: the word at seg:off is value, else fail n. */
.macro CHECKW seg, off, value, n
	movw	$\seg, %ax
	movw	%ax, %fs
	cmpw	$\value, %fs:\off
	je	9998f
	movb	$\n, %al
	jmp	fail16
9998:
.endm

	.text
	.code16
	/* The lower 64 KiB of the ROM are only padding. */
	.org	0x10000
f000_base:

start16:
	cli
	cld
	/* A real-mode stack in RAM: SS:SP = 0000:7000. */
	xorw	%ax, %ax
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	%cs, %ax
	movw	%ax, %ds
	movw	$SEG_F000(msg_hello), %si
	call	puts16

	/* The mirror: F000:FFF0 holds the far jump we came through. */
	cmpb	$0xea, %ds:0xfff0
	je	1f
	movb	$1, %al
	jmp	fail16

	/*
	 * Segment arithmetic: 1000:0120 and 1012:0000 are both linear 0x10120;
	 * so is FFFF:0130 less 1 MiB... only with A20 off, so do not go there.
	 */
1:	movw	$0x1000, %ax
	movw	%ax, %es
	movw	$0x5aa5, %es:0x120
	movw	$0x1012, %ax
	movw	%ax, %fs
	cmpw	$0x5aa5, %fs:0
	je	1f
	movb	$2, %al
	jmp	fail16
1:	movw	$0x1013, %ax
	movw	%ax, %gs
	movl	$0x12345678, %gs:0	/* linear 0x10130 */
	cmpl	$0x12345678, %es:0x130
	je	1f
	movb	$3, %al
	jmp	fail16
1:	movw	$SEG_F000(msg_segments), %si
	call	puts16

	/*
	 * 16-bit ModRM addressing (SDM vol. 2 table 2-1): every base/index
	 * form, disp8/disp16, BP defaulting to SS, a segment override, and
	 * offset wrap-around at 64 KiB.  Stores go through one form; the
	 * checks read the same linear byte through a different segment.
	 */
	pushw	%ds
	movw	$0x1000, %ax		/* DS base 0x10000, SS base 0 */
	movw	%ax, %ds
	movw	$0x0100, %bx
	movw	$0x0020, %si
	movw	$0x0040, %di
	movw	$0x0300, %bp
	movw	$0x1111, (%bx,%si)	/* DS:0120 = 0x10120 */
	movw	$0x2222, 2(%bx,%di)	/* DS:0142 = 0x10142 */
	movw	$0x3333, (%bp,%si)	/* SS:0320 = 0x00320 */
	movw	$0x4444, 0x10(%bp,%di)	/* SS:0350 = 0x00350 */
	movw	$0x5555, 0x1234(%si)	/* DS:1254 = 0x11254 */
	movw	$0x6666, -2(%di)	/* DS:003E = 0x1003E */
	movw	$0x7777, (%bx)		/* DS:0100 = 0x10100 */
	movw	$0x8888, 0x2000		/* DS:2000 = 0x12000 */
	movw	$0x9999, 0x7ff(%bp)	/* SS:0AFF = 0x00AFF */
	movw	$0xaaaa, %ds:(%bp)	/* DS:0300 = 0x10300 */
	movw	$0xffff, %si
	movb	$0xbb, 3(%si)		/* DS:(FFFF+3)&FFFF = DS:0002 */
	popw	%ds
	.irp chk, "0x1012,0x0,0x1111,10", "0x1014,0x2,0x2222,11", \
	    "0x0032,0x0,0x3333,12", "0x0035,0x0,0x4444,13", \
	    "0x1125,0x4,0x5555,14", "0x1003,0xe,0x6666,15", \
	    "0x1010,0x0,0x7777,16", "0x1200,0x0,0x8888,17", \
	    "0x00af,0xf,0x9999,18", "0x1030,0x0,0xaaaa,19"
	CHECKW	\chk
	.endr
	movw	$0x1000, %ax
	movw	%ax, %fs
	cmpb	$0xbb, %fs:2
	je	1f
	movb	$20, %al
	jmp	fail16
1:	movw	$SEG_F000(msg_modrm), %si
	call	puts16

	/* Stack: push/pop of words and dwords, and a nested call. */
	movw	%sp, %bx
	pushw	$0x1234
	pushl	$0xdeadbeef
	movw	$7, %cx
	call	triple16
	cmpw	$21, %cx
	je	1f
	movb	$4, %al
	jmp	fail16
1:	popl	%eax
	cmpl	$0xdeadbeef, %eax
	je	1f
	movb	$5, %al
	jmp	fail16
1:	popw	%ax
	cmpw	$0x1234, %ax
	jne	2f
	cmpw	%sp, %bx
	je	1f
2:	movb	$6, %al
	jmp	fail16
1:	movw	$SEG_F000(msg_stack), %si
	call	puts16

	/*
	 * Strings: copy a message from the ROM (DS=F000) to RAM (ES=2000) with
	 * rep movsb, compare it with repe cmpsb, and print it from RAM.
	 */
	movw	$RAM_SEG, %ax
	movw	%ax, %es
	movw	$SEG_F000(msg_strings), %si
	xorw	%di, %di
	movw	$(msg_strings_end - msg_strings), %cx
	rep movsb
	cmpw	$(msg_strings_end - msg_strings), %di
	je	1f
	movb	$7, %al
	jmp	fail16
1:	movw	$SEG_F000(msg_strings), %si
	xorw	%di, %di
	movw	$(msg_strings_end - msg_strings), %cx
	repe cmpsb
	je	1f
	movb	$8, %al
	jmp	fail16
	/* rep stosw fills, scasw finds the first non-matching word. */
1:	movw	$0x100, %di
	movw	$0x4141, %ax
	movw	$8, %cx
	rep stosw
	movw	$0x100, %di
	movw	$0x4141, %ax
	movw	$9, %cx
	repe scasw
	je	2f			/* the 9th word (fresh RAM, 0) differs */
	cmpw	$0, %cx
	jne	2f
	cmpw	$0x112, %di
	je	1f
2:	movb	$9, %al
	jmp	fail16
1:	pushw	%ds
	movw	%es, %ax
	movw	%ax, %ds
	xorw	%si, %si
	call	puts16
	popw	%ds

	movw	$SEG_F000(msg_ok), %si
	call	puts16
	xorl	%eax, %eax
	outl	%eax, $DEBUG_EXIT
	jmp	.

/* %cx = 3 * %cx, through a nested call. */
triple16:
	pushw	%ax
	movw	%cx, %ax
	call	double16
	addw	%ax, %cx
	popw	%ax
	ret
double16:
	addw	%cx, %cx
	ret

/* Print "FAIL at <al>" and exit with that value. */
fail16:
	movzbl	%al, %ebx
	movw	%cs, %ax
	movw	%ax, %ds
	movw	$SEG_F000(msg_fail), %si
	call	puts16
	movw	%bx, %ax
	movb	$10, %cl
	divb	%cl			/* al = tens, ah = units */
	testb	%al, %al
	jz	1f
	addb	$'0', %al
	call	putc16
1:	movb	%ah, %al
	addb	$'0', %al
	call	putc16
	movb	$'\n', %al
	call	putc16
	movl	%ebx, %eax
	outl	%eax, $DEBUG_EXIT
	jmp	.

putc16:
	pushw	%dx
	pushw	%ax
1:	movw	$COM1_LSR, %dx
	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	1b
	popw	%ax
	movw	$COM1, %dx
	outb	%al, %dx
	popw	%dx
	ret

/* DS:SI = NUL-terminated string */
puts16:
	pushw	%ax
	pushw	%si
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc16
	jmp	1b
2:	popw	%si
	popw	%ax
	ret

msg_hello:	.asciz	"hello from real mode (boot ROM, reset vector F000:FFF0)\n"
msg_segments:	.asciz	"segment arithmetic ok\n"
msg_modrm:	.asciz	"16-bit addressing forms ok\n"
msg_stack:	.asciz	"stack and call/ret ok\n"
msg_strings:	.asciz	"string ops ok (printed from a copy in RAM)\n"
msg_strings_end:
msg_ok:		.asciz	"ok\n"
msg_fail:	.asciz	"FAIL at "

	/* The reset vector: 16 bytes below 4 GiB, i.e. F000:FFF0. */
	.org	0x1fff0
reset_vector:
	ljmp	$0xf000, $SEG_F000(start16)
	.org	0x20000
