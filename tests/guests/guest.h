/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * guest.h: constants and gas macros shared by the test guests (COM1 output,
 * the pc-testdev debug exit, the multiboot v1 header).  Included by the .S
 * files through the C preprocessor; assembled by the host gcc/as.
 */
#ifndef LHYVE_TEST_GUEST_H
#define LHYVE_TEST_GUEST_H

/* 16550 UART at COM1: THR (write), RBR (read), LSR (status). */
#define COM1		0x3f8
#define COM1_LSR	0x3fd
#define LSR_DR		0x01	/* receive data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */

/* pc-testdev debug exit: lhyve exits with (value << 1) | 1. */
#define DEBUG_EXIT	0xf4

/* Multiboot v1 (multiboot.txt section 3.1.1, 3.2, 3.3). */
#define MB_HEADER_MAGIC	0x1badb002
#define MB_BOOT_MAGIC	0x2badb002
#define MB_PAGE_ALIGN	0x00000001	/* modules on 4 KiB boundaries */
#define MB_MEMORY_INFO	0x00000002	/* mem_* and mmap_* wanted */

/* multiboot_info offsets and flag bits (section 3.3) */
#define MBI_FLAGS	0
#define MBI_MEM_LOWER	4
#define MBI_MEM_UPPER	8
#define MBI_CMDLINE	16
#define MBI_MODS_COUNT	20
#define MBI_MODS_ADDR	24
#define MBI_MMAP_LENGTH	44
#define MBI_MMAP_ADDR	48
#define MBI_F_MEM	(1 << 0)
#define MBI_F_CMDLINE	(1 << 2)
#define MBI_F_MODS	(1 << 3)
#define MBI_F_MMAP	(1 << 6)

#ifdef __ASSEMBLER__

/*
 * The multiboot header.  It goes in its own section, which the linker
 * script puts first, so it lands in the first 8 KiB of the file.
 */
.macro MULTIBOOT_HEADER flags
	.pushsection .multiboot, "a"
	.balign 4
	.long MB_HEADER_MAGIC
	.long \flags
	.long -(MB_HEADER_MAGIC + (\flags))
	.popsection
.endm

/*
 * 32-bit console helpers (flat segments).  Clobber only what they say.
 *   putc32:    %al = character
 *   puts32:    %esi = NUL-terminated string
 *   puthex32:  %eax, as 8 upper-case hex digits
 *   putdec32:  %eax, unsigned decimal
 *   strcmp32:  %esi vs %edi; ZF set when equal
 *   exit32:    %eax = value for the debug-exit port; never returns
 */
.macro LIB32
	.code32
putc32:
	pushl	%edx
	pushl	%eax
1:	movw	$COM1_LSR, %dx
	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	1b
	popl	%eax
	movw	$COM1, %dx
	outb	%al, %dx
	popl	%edx
	ret

puts32:
	pushl	%esi
	pushl	%eax
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc32
	jmp	1b
2:	popl	%eax
	popl	%esi
	ret

puthex32:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	movl	%eax, %edx
	movl	$8, %ecx
1:	roll	$4, %edx
	movl	%edx, %eax
	andl	$0xf, %eax
	movb	hexdigits32(%eax), %al
	call	putc32
	loop	1b
	popl	%edx
	popl	%ecx
	popl	%eax
	ret

putdec32:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	pushl	%ebx
	movl	$10, %ebx
	xorl	%ecx, %ecx
1:	xorl	%edx, %edx
	divl	%ebx
	pushl	%edx
	incl	%ecx
	testl	%eax, %eax
	jnz	1b
2:	popl	%eax
	addb	$'0', %al
	call	putc32
	loop	2b
	popl	%ebx
	popl	%edx
	popl	%ecx
	popl	%eax
	ret

strcmp32:
	pushl	%esi
	pushl	%edi
	pushl	%eax
1:	movb	(%esi), %al
	cmpb	(%edi), %al
	jne	2f
	incl	%esi
	incl	%edi
	testb	%al, %al
	jnz	1b
2:	popl	%eax
	popl	%edi
	popl	%esi
	ret

exit32:
	outl	%eax, $DEBUG_EXIT
	/* Not reached when the device works; make the failure visible. */
1:	cli
	hlt
	jmp	1b

hexdigits32:
	.ascii	"0123456789ABCDEF"
.endm

/* Print a string literal from 32-bit code. */
.macro PUTS32 str
	.pushsection .rodata
9997:	.asciz	"\str"
	.popsection
	pushl	%esi
	movl	$9997b, %esi
	call	puts32
	popl	%esi
.endm

/* Print "FAIL at <n>" and leave through the debug exit with value n. */
.macro FAIL32 num
	PUTS32	"FAIL at \num\n"
	movl	$\num, %eax
	jmp	exit32
.endm

/*
 * 64-bit console helpers.
 *   putc64: %al   puts64: %rsi   puthex64: %rax (16 digits)   exit64: %eax
 */
.macro LIB64
	.code64
putc64:
	pushq	%rdx
	pushq	%rax
1:	movw	$COM1_LSR, %dx
	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	1b
	popq	%rax
	movw	$COM1, %dx
	outb	%al, %dx
	popq	%rdx
	ret

puts64:
	pushq	%rsi
	pushq	%rax
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc64
	jmp	1b
2:	popq	%rax
	popq	%rsi
	ret

puthex64:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%r9
	movq	%rax, %r9
	movl	$16, %ecx
1:	rolq	$4, %r9
	movq	%r9, %rax
	andl	$0xf, %eax
	leaq	hexdigits64(%rip), %rdx
	movb	(%rdx,%rax), %al
	call	putc64
	decl	%ecx
	jnz	1b
	popq	%r9
	popq	%rdx
	popq	%rcx
	popq	%rax
	ret

exit64:
	outl	%eax, $DEBUG_EXIT
1:	cli
	hlt
	jmp	1b

hexdigits64:
	.ascii	"0123456789ABCDEF"
.endm

.macro PUTS64 str
	.pushsection .rodata
9997:	.asciz	"\str"
	.popsection
	pushq	%rsi
	leaq	9997b(%rip), %rsi
	call	puts64
	popq	%rsi
.endm

.macro FAIL64 num
	PUTS64	"FAIL at \num\n"
	movl	$\num, %eax
	jmp	exit64
.endm

#endif /* __ASSEMBLER__ */
#endif /* LHYVE_TEST_GUEST_H */
