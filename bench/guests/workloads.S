/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * workloads.S: the CPU-bound integer workloads of bench/mips, in 64-bit
 * code shared by the benchmark guest (bench.S) and the native host driver
 * (native.c), so all three runs execute the very same instructions.
 *
 * Interface (System V AMD64 calling convention):
 *   void     wl_init(void)            fill wl_buf, build the CRC-32 table
 *   uint64_t wl_alu(uint64_t n)       tight register loop
 *   uint64_t wl_mem(uint64_t n)       random read-modify-write over 1 MiB
 *   uint64_t wl_branch(uint64_t n)    data-dependent conditional branches
 *   uint64_t wl_call(uint64_t n)      direct + indirect calls and returns
 *   uint64_t wl_crc(uint64_t n)       table-driven CRC-32 of n bytes
 * Every workload takes the same number of instructions on every iteration
 * (both sides of each data-dependent branch are equally long), so the
 * instruction count is exactly a + b*n; native.c measures a and b by
 * single-stepping the code between wl_text_begin and wl_text_end.  No REP
 * string instructions (single-step would count them per element).
 * Absolute addresses: link non-PIE (the guest at 1 MiB, the host -no-pie).
 */

#define WL_BUF_SIZE	(1 << 20)
#define WL_CRC_WINDOW	0xffff		/* wl_crc wraps over the first 64 KiB */

	.text
	.code64

/* Untimed set-up; outside the counted range. */
	.globl	wl_init
wl_init:
	/* wl_buf[i] = 64-bit LCG sequence (Knuth's MMIX constants) */
	leaq	wl_buf, %rdi
	movl	$WL_BUF_SIZE / 8, %ecx
	movabsq	$6364136223846793005, %r8
	movabsq	$1442695040888963407, %r9
	movl	$1, %eax
1:	imulq	%r8, %rax
	addq	%r9, %rax
	movq	%rax, (%rdi)
	addq	$8, %rdi
	decl	%ecx
	jnz	1b
	/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) table */
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	movl	$8, %edx
3:	shrl	$1, %eax
	jnc	4f
	xorl	$0xedb88320, %eax
4:	decl	%edx
	jnz	3b
	movl	%eax, wl_crc_table(,%rcx,4)
	incl	%ecx
	cmpl	$256, %ecx
	jb	2b
	ret

	.globl	wl_text_begin
wl_text_begin:

/*
 * alu: 12 instructions per iteration, all register to register (adds,
 * logic, rotates, shifts, lea, a 64-bit multiply).
 */
	.globl	wl_alu
wl_alu:
	movq	%rdi, %rcx
	movabsq	$0x9e3779b97f4a7c15, %rax
	movl	$0x12345, %edx
	movq	$-1, %r8
	testq	%rcx, %rcx
	jz	2f
1:	addq	%rcx, %rax
	xorq	%rax, %rdx
	rolq	$13, %rdx
	leaq	(%rdx,%rax,4), %rsi
	imulq	$0x5bd1e995, %rsi, %rsi
	subq	%rsi, %r8
	shrq	$7, %rsi
	xorq	%rsi, %rax
	andq	%rdx, %rsi
	orq	%rsi, %r8
	decq	%rcx
	jnz	1b
2:	xorq	%rdx, %rax
	addq	%r8, %rax
	ret

/*
 * mem: 14 instructions per iteration: an LCG picks a random qword of the
 * 1 MiB buffer, which is read, updated and written back, plus one
 * sequential read.
 */
	.globl	wl_mem
wl_mem:
	movq	%rdi, %rcx
	movabsq	$6364136223846793005, %r9
	movl	$7, %eax
	xorl	%r11d, %r11d
	leaq	wl_buf, %rsi
	testq	%rcx, %rcx
	jz	2f
1:	imulq	%r9, %rax
	incq	%rax
	movq	%rax, %rdx
	shrq	$44, %rdx
	andl	$(WL_BUF_SIZE - 8), %edx
	movq	(%rsi,%rdx), %r8
	addq	%rax, %r8
	movq	%r8, (%rsi,%rdx)
	xorq	%r8, %r11
	movl	%ecx, %edx
	andl	$(WL_BUF_SIZE / 8 - 1), %edx
	addq	(%rsi,%rdx,8), %r11
	decq	%rcx
	jnz	1b
2:	movq	%r11, %rax
	ret

/*
 * branch: 16 instructions per iteration whichever way the three
 * LCG-driven branches go.
 */
	.globl	wl_branch
wl_branch:
	movq	%rdi, %rcx
	pushq	%rbx
	movl	$1, %eax
	xorl	%ebx, %ebx
	xorl	%r8d, %r8d
	testq	%rcx, %rcx
	jz	9f
1:	imull	$1103515245, %eax, %eax
	addl	$12345, %eax
	testl	$0x10000, %eax
	jz	2f
	addq	%rax, %rbx		/* taken: jz, add, jmp */
	jmp	3f
2:	subq	%rax, %rbx		/* not taken: jz, sub, ror */
	rorq	$3, %rbx
3:	testl	$0x400000, %eax
	jnz	4f
	incq	%r8			/* jnz, inc, jmp */
	jmp	5f
4:	xorq	%rbx, %r8		/* jnz, xor, add */
	addq	$3, %r8
5:	cmpl	$0x60000000, %eax
	jb	6f
	notq	%rbx			/* jb, not, jmp */
	jmp	7f
6:	incq	%rbx			/* jb, inc, nop */
	nop
7:	decq	%rcx
	jnz	1b
9:	leaq	(%rbx,%r8), %rax
	popq	%rbx
	ret

/*
 * call: 13 instructions per iteration: a direct call to wl_call_f, which
 * calls one of four leaves through a table (each leaf two instructions)
 * and returns.
 */
	.globl	wl_call
wl_call:
	movq	%rdi, %rcx
	movl	$5, %eax
	testq	%rcx, %rcx
	jz	2f
1:	movl	%ecx, %edx
	andl	$3, %edx
	call	wl_call_f
	decq	%rcx
	jnz	1b
2:	ret

wl_call_f:
	pushq	%rbx
	movq	%rax, %rbx
	call	*wl_call_leaves(,%rdx,8)
	addq	%rbx, %rax
	popq	%rbx
	ret

wl_leaf0:
	leaq	1(%rax,%rax,2), %rax
	ret
wl_leaf1:
	imulq	$0x2545f491, %rax, %rax
	ret
wl_leaf2:
	rolq	$5, %rax
	ret
wl_leaf3:
	notq	%rax
	ret

/*
 * crc: 9 instructions per byte: CRC-32 of n bytes of wl_buf (wrapping
 * over its first 64 KiB), one table lookup per byte.
 */
	.globl	wl_crc
wl_crc:
	movq	%rdi, %rcx
	movl	$-1, %eax
	xorl	%edi, %edi
	leaq	wl_buf, %rsi
	testq	%rcx, %rcx
	jz	2f
1:	movzbl	(%rsi,%rdi), %edx
	xorl	%eax, %edx
	movzbl	%dl, %edx
	shrl	$8, %eax
	xorl	wl_crc_table(,%rdx,4), %eax
	incl	%edi
	andl	$WL_CRC_WINDOW, %edi
	decq	%rcx
	jnz	1b
2:	notl	%eax
	ret

	.globl	wl_text_end
wl_text_end:

	.section .rodata
	.balign	8
wl_call_leaves:
	.quad	wl_leaf0, wl_leaf1, wl_leaf2, wl_leaf3

	.bss
	.balign	4096
	.globl	wl_buf
wl_buf:
	.skip	WL_BUF_SIZE
wl_crc_table:
	.skip	1024

	/* the host link wants no executable stack; the guest link drops it */
	.section .note.GNU-stack, "", @progbits
