/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_rom64.S: a flat 64 KiB boot ROM (-o boot.rom=FILE) that goes from the
 * reset vector to long mode the way firmware does: real mode at F000:FFF0
 * with CS.base 0xFFFF0000 (SDM vol. 3A 9.1.4), the reset values of CR0 and
 * EDX (9.1.1, table 9-1), LGDT and CR0.PE into 32-bit protected mode, PAE
 * page tables built in RAM, EFER.LME and CR0.PG into long mode (9.8.5), then
 * 64-bit code run both from the ROM's mirror below 1 MiB and from its alias
 * just below 4 GiB.
 */
#include "guest.h"

/*
 * Offset in real-mode segment F000 (the ROM's mirror at 0xF0000).  The
 * 16-bit code, its data and the reset vector share section .text16, which
 * rom64.ld puts at ROM offset 0x8000, so the difference is known to the
 * assembler (REL relocations cannot hold a -0xF0000 addend in 16 bits).
 */
#define SEG(x)		((x) - text16 + 0x8000)
/* The same byte in the alias of the ROM that ends at 4 GiB. */
#define HIGH(x)		((x) - 0xf0000 + 0xffff0000)

#define S_CODE32	0x08
#define S_DATA		0x10
#define S_CODE64	0x18

#define PML4		0x1000		/* page tables in RAM */
#define PDPT		0x2000
#define PD0		0x3000		/* 0-8 MiB, 2 MiB pages */
#define PD3		0x4000		/* 3-4 GiB: the last 2 MiB */
#define STACK16		0x7000
#define STACK		0x9000

	.section .text16, "ax"
	.code16
text16:
start16:
	cli
	cld
	movl	%edx, %edi		/* EDX as the reset left it */
	xorw	%ax, %ax
	movw	%ax, %ss
	movw	$STACK16, %sp
	movw	%cs, %ax
	movw	%ax, %ds
	movw	$SEG(msg_hello), %si
	call	puts16

	/* CR0 after reset is 0x60000010: CD, NW, ET (table 9-1). */
	movw	$SEG(msg_cr0), %si
	call	puts16
	movl	%cr0, %eax
	call	puthex16
	movw	$SEG(msg_nl), %si
	call	puts16

	/* EDX holds the processor signature, as CPUID.01H:EAX reports it. */
	movw	$SEG(msg_edx), %si
	call	puts16
	movl	$1, %eax
	cpuid
	movw	$SEG(msg_yes), %si
	cmpl	%eax, %edi
	je	1f
	movw	$SEG(msg_no), %si
1:	call	puts16

	/* Into 32-bit protected mode through a GDT that lives in the ROM. */
	lgdtl	%cs:SEG(gdt_desc)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$S_CODE32, $pm32

/* puts16: DS:SI = NUL-terminated string. */
puts16:
	pushw	%ax
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc16
	jmp	1b
2:	popw	%ax
	ret

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

/* puthex16: EAX as 8 hex digits. */
puthex16:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	pushw	%bx
	movl	%eax, %edx
	movw	$8, %cx
1:	roll	$4, %edx
	movw	%dx, %bx
	andw	$0xf, %bx
	movb	%cs:SEG(hexdigits16)(%bx), %al
	call	putc16
	loop	1b
	popw	%bx
	popl	%edx
	popl	%ecx
	popl	%eax
	ret

hexdigits16:
	.ascii	"0123456789ABCDEF"

msg_hello:	.asciz	"sys_rom64: reset vector to long mode from a 64 KiB ROM\n"
msg_cr0:	.asciz	"CR0 at reset: "
msg_nl:		.asciz	"\n"
msg_edx:	.asciz	"EDX at reset = CPUID.01H:EAX: "
msg_yes:	.asciz	"yes\n"
msg_no:		.asciz	"no\n"

	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff		/* 0x08: 32-bit code, accessed */
	.quad	0x00cf93000000ffff		/* 0x10: data, accessed */
	.quad	0x00af9b000000ffff		/* 0x18: 64-bit code, accessed */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	/* The reset vector: the ROM's last 16 bytes. */
	.org	0x7ff0
	ljmp	$0xf000, $SEG(start16)
	.fill	11, 1, 0xf4

	.text
	.code32
pm32:
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	$STACK, %esp
	PUTS32	"protected mode: CS="
	movw	%cs, %ax
	movzwl	%ax, %eax
	call	puthex32
	PUTS32	"\n"

	/* PAE tables in RAM: 0-8 MiB identity, and the top 2 MiB of 4 GiB. */
	movl	$PML4, %edi
	movl	$(5 * 4096 / 4), %ecx
	xorl	%eax, %eax
	rep stosl
	movl	$(PDPT + 3), PML4
	movl	$(PD0 + 3), PDPT
	movl	$(PD3 + 3), PDPT + 3 * 8
	movl	$0x00000083, PD0
	movl	$0x00200083, PD0 + 8
	movl	$0x00400083, PD0 + 16
	movl	$0x00600083, PD0 + 24
	movl	$0xffe00083, PD3 + 511 * 8

	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$PML4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x100, %eax			/* LME */
	wrmsr
	movl	%cr0, %eax
	andl	$~0x60000000, %eax		/* caches on: CD, NW off */
	orl	$0x80000000, %eax		/* PG */
	movl	%eax, %cr0
	ljmp	$S_CODE64, $lm64

	LIB32

	.code64
lm64:
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	$STACK, %rsp
	PUTS64	"long mode: CS="
	movw	%cs, %ax
	movzwl	%ax, %eax
	call	puthex64
	PUTS64	" EFER="
	movl	$0xc0000080, %ecx
	rdmsr
	shlq	$32, %rdx
	orq	%rdx, %rax
	call	puthex64
	PUTS64	" CR0="
	movq	%cr0, %rax
	call	puthex64
	PUTS64	"\n"

	/* 64-bit arithmetic: a REX.W rotate of a 64-bit immediate. */
	PUTS64	"rolq: "
	movabsq	$0x0123456789abcdef, %rax
	rolq	$12, %rax
	call	puthex64
	PUTS64	"\n"

	/* The ROM's alias just below 4 GiB holds the same bytes. */
	movl	$0xfffffff0, %eax
	movq	(%rax), %rax
	movl	$0x000ffff0, %edx
	cmpq	(%rdx), %rax
	je	1f
	FAIL64	1
1:	PUTS64	"reset vector alias: same bytes\n"

	/* Run code from the alias at 0xFFFFxxxx, position-independently. */
	movl	$HIGH(from_high), %eax
	call	*%rax
	PUTS64	"back in the mirror: RIP="
	leaq	(%rip), %rax
	shrq	$16, %rax
	call	puthex64
	PUTS64	"xxxx\n"
	PUTS64	"done\n"
	xorl	%eax, %eax
	jmp	exit64

from_high:
	PUTS64	"running from the 4 GiB alias: RIP="
	leaq	(%rip), %rax
	shrq	$16, %rax
	call	puthex64
	PUTS64	"xxxx\n"
	ret

	LIB64

