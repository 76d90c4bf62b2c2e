/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench.S: the benchmark guest, a multiboot kernel that enters long mode
 * and runs one workload chosen on its command line, framed by marker lines
 * on COM1 that the host timestamps, then leaves through the pc-testdev /
 * isa-debug-exit port 0xF4.
 *
 * Command line (multiboot section 3.3; QEMU prepends the kernel path, so
 * only the words below are looked at):
 *   wl=NAME   alu | mem | branch | call | crc  (workloads.S), or
 *             touch: write one qword in every 4 KiB page of n MiB of RAM
 *             from 32 MiB up (the RSS benchmark), then idle-exit
 *   n=N       iterations (decimal; default 1000000)
 * COM1 output:
 *   BENCH-BEGIN wl=NAME n=N
 *   BENCH-END result=<16 hex digits>
 * Exit value 0 (lhyve status 1), or 2 (status 5) with BENCH-ERROR for a bad
 * command line.
 */
#include "guest.h"

#define TOUCH_BASE	(32 << 20)

	MULTIBOOT_HEADER MB_MEMORY_INFO

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	movl	%ebx, mbi_ptr
	lgdt	gdt_desc
	/* Identity-map the first 1 GiB with 2 MiB pages (AMD64 APM 5.3). */
	movl	$pdpt, %eax
	orl	$3, %eax
	movl	%eax, pml4
	movl	$pd, %eax
	orl	$3, %eax
	movl	%eax, pdpt
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax
	movl	%eax, pd(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax		/* PG | PE */
	movl	%eax, %cr0
	ljmp	$0x08, $long_entry

	.code64
long_entry:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	$stack_top, %rsp

	/* The command line, when the loader passed one. */
	movl	mbi_ptr, %ebx
	testl	$MBI_F_CMDLINE, MBI_FLAGS(%rbx)
	jz	have_args
	movl	MBI_CMDLINE(%rbx), %esi
	call	parse_cmdline
have_args:
	cmpb	$0, wl_name
	je	bad_cmdline

	/* Find the workload by name. */
	leaq	wl_table, %rbx
1:	movq	(%rbx), %rdi
	testq	%rdi, %rdi
	jz	bad_cmdline
	leaq	wl_name, %rsi
	call	streq64
	je	2f
	addq	$16, %rbx
	jmp	1b
2:	call	wl_init
	PUTS64	"BENCH-BEGIN wl="
	leaq	wl_name, %rsi
	call	puts64
	PUTS64	" n="
	movq	bench_n, %rax
	call	putdec64
	movb	$'\n', %al
	call	putc64
	movq	bench_n, %rdi
	call	*8(%rbx)
	PUTS64	"BENCH-END result="
	call	puthex64
	movb	$'\n', %al
	call	putc64
	xorl	%eax, %eax
	jmp	exit64

bad_cmdline:
	PUTS64	"BENCH-ERROR usage: wl=alu|mem|branch|call|crc|touch n=N\n"
	movl	$2, %eax
	jmp	exit64

/*
 * touch: n MiB from TOUCH_BASE, one qword per 4 KiB page (each page gets
 * its own address, so a VMM cannot share them); returns the sum read back.
 * Refuses (BENCH-ERROR) a range beyond the memory the loader reported.
 */
wl_touch:
	movq	%rdi, %rcx
	shlq	$20, %rcx
	addq	$TOUCH_BASE, %rcx		/* end of the range */
	movl	mbi_ptr, %edx
	movl	MBI_MEM_UPPER(%rdx), %eax	/* KiB above 1 MiB */
	shlq	$10, %rax
	addq	$(1 << 20), %rax
	cmpq	%rax, %rcx
	ja	1f
	cmpq	$(1 << 30), %rcx
	ja	1f
	movq	$TOUCH_BASE, %rdx
	xorl	%eax, %eax
2:	cmpq	%rcx, %rdx
	jae	3f
	movq	%rdx, (%rdx)
	addq	(%rdx), %rax
	addq	$4096, %rdx
	jmp	2b
3:	ret
1:	PUTS64	"BENCH-ERROR touch range beyond guest RAM\n"
	movl	$2, %eax
	jmp	exit64

/*
 * parse_cmdline: %rsi = NUL-terminated command line.  Sets wl_name (at
 * most 15 characters) from "wl=" and bench_n from "n=".
 */
parse_cmdline:
1:	movb	(%rsi), %al
	testb	%al, %al
	jz	9f
	cmpb	$' ', %al
	jne	2f
	incq	%rsi
	jmp	1b
2:	cmpw	$0x6c77, (%rsi)			/* "wl" */
	jne	4f
	cmpb	$'=', 2(%rsi)
	jne	4f
	addq	$3, %rsi
	leaq	wl_name, %rdi
	movl	$15, %ecx
3:	movb	(%rsi), %al
	testb	%al, %al
	jz	8f
	cmpb	$' ', %al
	je	8f
	testl	%ecx, %ecx
	jz	7f				/* too long: keep skipping */
	movb	%al, (%rdi)
	incq	%rdi
	decl	%ecx
7:	incq	%rsi
	jmp	3b
8:	movb	$0, (%rdi)
	jmp	1b
4:	cmpw	$0x3d6e, (%rsi)			/* "n=" */
	jne	6f
	addq	$2, %rsi
	xorl	%eax, %eax
5:	movzbl	(%rsi), %edx
	subl	$'0', %edx
	cmpl	$9, %edx
	ja	51f
	imulq	$10, %rax, %rax
	addq	%rdx, %rax
	incq	%rsi
	jmp	5b
51:	movq	%rax, bench_n
	jmp	1b
6:	movb	(%rsi), %al			/* skip any other word */
	testb	%al, %al
	jz	9f
	cmpb	$' ', %al
	je	1b
	incq	%rsi
	jmp	6b
9:	ret

/* streq64: ZF set when the strings at %rdi and %rsi are equal. */
streq64:
	pushq	%rdi
	pushq	%rsi
	pushq	%rax
1:	movb	(%rdi), %al
	cmpb	(%rsi), %al
	jne	2f
	incq	%rdi
	incq	%rsi
	testb	%al, %al
	jnz	1b
2:	popq	%rax
	popq	%rsi
	popq	%rdi
	ret

/* putdec64: %rax as unsigned decimal. */
putdec64:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	movl	$10, %ebx
	xorl	%ecx, %ecx
1:	xorl	%edx, %edx
	divq	%rbx
	pushq	%rdx
	incl	%ecx
	testq	%rax, %rax
	jnz	1b
2:	popq	%rax
	addb	$'0', %al
	call	putc64
	decl	%ecx
	jnz	2b
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
	ret

	LIB64

#include "workloads.S"

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.balign	8
wl_table:
	.quad	name_alu, wl_alu
	.quad	name_mem, wl_mem
	.quad	name_branch, wl_branch
	.quad	name_call, wl_call
	.quad	name_crc, wl_crc
	.quad	name_touch, wl_touch
	.quad	0, 0
name_alu:	.asciz	"alu"
name_mem:	.asciz	"mem"
name_branch:	.asciz	"branch"
name_call:	.asciz	"call"
name_crc:	.asciz	"crc"
name_touch:	.asciz	"touch"

	.data
	.balign	8
bench_n:
	.quad	1000000
mbi_ptr:
	.long	0
wl_name:
	.skip	16

	.bss
	.balign	4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
	.skip	16384
stack_top:
