/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_rtc.S: multiboot guest that reads the MC146818 RTC (ports
 * 0x70/0x71) the way a firmware does (wait for UIP clear, read until two
 * passes agree; data sheet "Update cycle"), converts the BCD date and
 * time to seconds since 1970, and checks it is within 2 s of the host's
 * UTC time that run.sh passes as the command line (run lhyve with -u).
 */
#include "guest.h"

#define SEL_CODE	0x08
#define SEL_DATA	0x10

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	movl	%ebx, mbi
	lgdt	gdt_desc
	ljmp	$SEL_CODE, $1f
1:	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	PUTS32	"intr_rtc: RTC time against the host clock\n"
	/* The host's time: decimal on the command line. */
	movl	mbi, %ebx
	testl	$MBI_F_CMDLINE, MBI_FLAGS(%ebx)
	jz	9f
	movl	MBI_CMDLINE(%ebx), %esi
	xorl	%eax, %eax
	xorl	%ecx, %ecx
1:	movb	(%esi), %cl
	subb	$'0', %cl
	cmpb	$9, %cl
	ja	2f
	imull	$10, %eax
	addl	%ecx, %eax
	incl	%esi
	jmp	1b
2:	testl	%eax, %eax
	jz	9f
	movl	%eax, host

	/* Register B: BCD (DM = 0) and 24-hour (bit 1) by default. */
	movb	$0x0b, %al
	call	cmos_rd
	andb	$0x06, %al
	cmpb	$0x02, %al
	jne	9f
	PUTS32	"register B: BCD, 24-hour\n"
	/* Read until two passes agree. */
1:	call	read_all
	movl	%eax, %edi
	call	read_all
	cmpl	%eax, %edi
	jne	1b
	movl	%eax, rtc
	subl	host, %eax
	jns	2f
	negl	%eax
2:	cmpl	$2, %eax
	ja	8f
	PUTS32	"RTC time within 2 s of the host: PASS\n"
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
8:	PUTS32	"RTC time within 2 s of the host: FAIL\n"
9:	FAIL32	1

/* %al = CMOS register -> %al. */
cmos_rd:
	outb	%al, $0x70
	inb	$0x71, %al
	ret

/* %al = CMOS register (BCD) -> %eax binary. */
bcd_rd:
	call	cmos_rd
	pushl	%ecx
	movzbl	%al, %eax
	movl	%eax, %ecx
	shrl	$4, %eax
	imull	$10, %eax
	andl	$0xf, %ecx
	addl	%ecx, %eax
	popl	%ecx
	ret

/* Seconds since 1970-01-01 00:00:00 from the RTC -> %eax (1970-2099). */
read_all:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
1:	movb	$0x0a, %al			/* wait while UIP */
	call	cmos_rd
	testb	$0x80, %al
	jnz	1b
	movb	$0x32, %al			/* century */
	call	bcd_rd
	imull	$100, %eax
	movl	%eax, %ebx
	movb	$0x09, %al
	call	bcd_rd
	addl	%eax, %ebx			/* year */
	/* days = 365 (y - 1970) + (y - 1969) / 4 + cum[m] + leap + d - 1 */
	leal	-1970(%ebx), %eax
	imull	$365, %eax, %ecx
	leal	-1969(%ebx), %eax
	shrl	$2, %eax
	addl	%eax, %ecx
	movb	$0x08, %al
	call	bcd_rd				/* month 1-12 */
	addl	cum - 4(,%eax,4), %ecx
	cmpl	$2, %eax
	jbe	2f
	testl	$3, %ebx
	jnz	2f
	incl	%ecx				/* past Feb 29 */
2:	movb	$0x07, %al
	call	bcd_rd
	leal	-1(%ecx,%eax), %ecx		/* + day - 1 */
	imull	$86400, %ecx, %ecx
	movb	$0x04, %al
	call	bcd_rd
	imull	$3600, %eax
	addl	%eax, %ecx
	movb	$0x02, %al
	call	bcd_rd
	imull	$60, %eax
	addl	%eax, %ecx
	movb	$0x00, %al
	call	bcd_rd
	addl	%ecx, %eax
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

	LIB32

	.section .rodata
	.balign	4
cum:	.long	0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.data
mbi:	.long	0
host:	.long	0
rtc:	.long	0

	.bss
	.balign	16
	.skip	4096
stack_top:
