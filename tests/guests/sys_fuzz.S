/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_fuzz.S: multiboot guest for the fuzz tier (tests/fuzz/run.sh).  In
 * long mode it runs, alternately at ring 0 and ring 3, chunks of 32 random
 * instruction bytes (xorshift64*, seeded by a hash of the kernel command
 * line) with random registers, catching every exception and SYSCALL
 * through IST1 and going on with the next chunk.  The guest's own code and
 * tables are mapped read-only and supervisor-only (CR0.WP), so ring 3 and
 * most ring-0 chunks cannot corrupt it; a ring-0 chunk that does may end
 * the run with a triple fault, which is a clean outcome.  The 8254 at
 * 1 kHz through the 8259 (IF is set in every chunk) ends chunks that
 * loop.  It prints one
 * line when NRUNS chunks have run and exits through port 0xF4.
 */
#include "guest.h"

#define NRUNS		20000
#define S_CODE		0x08
#define S_DATA		0x10
#define S_UCODE32	0x18
#define S_UDATA		0x20
#define S_UCODE		0x28
#define S_TSS		0x30
#define S_CODE32_K	0x40	/* 32-bit code, for the way in */

#define STATE		0x200000	/* writable, supervisor (2 MiB page) */
#define ST_SEED		(STATE + 0)
#define ST_COUNT	(STATE + 8)
#define ST_REGS		(STATE + 0x100)	/* 16 random registers */
#define TSS		(STATE + 0x1000)
#define IST_TOP		(STATE + 0x10000)
#define KSTACK		(STATE + 0x80000)
#define CODE		0x400000	/* the chunk: writable, user */
#define USTACK		0x680000
#define DATA		0x600000	/* what some registers point into */

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	/* seed: FNV-1a of the command line, if any */
	movl	$0x811c9dc5, %edx
	testl	$MBI_F_CMDLINE, MBI_FLAGS(%ebx)
	jz	2f
	movl	MBI_CMDLINE(%ebx), %esi
1:	movzbl	(%esi), %eax
	testl	%eax, %eax
	jz	2f
	xorl	%eax, %edx
	imull	$0x01000193, %edx
	incl	%esi
	jmp	1b
2:	orl	$1, %edx
	movl	%edx, ST_SEED
	movl	$0x9e3779b9, ST_SEED + 4
	movl	$0, ST_COUNT
	movl	$0, ST_COUNT + 4
	lgdt	gdt_desc
	ljmp	$S_CODE32_K, $1f
1:	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	/* page tables: 0-2 MiB 4 KiB pages read-only supervisor; 2-4 MiB
	 * writable supervisor; the rest of 1 GiB writable user */
	movl	$(pdpt + 7), pml4
	movl	$(pd + 7), pdpt
	movl	$(pt + 7), pd
	movl	$(0x200000 + 0x83), pd + 8
	movl	$2, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x87, %eax
	movl	%eax, pd(,%ecx,8)
	incl	%ecx
	cmpl	$32, %ecx			/* 64 MiB of RAM, no more */
	jb	1b
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	orl	$0x01, %eax
	movl	%eax, pt(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
	movl	%cr4, %eax
	orl	$0x20, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x901, %eax			/* LME NXE SCE */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax		/* CR0.WP comes with the chunks */
	movl	%eax, %cr0
	ljmp	$S_CODE, $long_entry

	.code64
long_entry:
	movq	$KSTACK, %rsp
	/* TSS with RSP0 and IST1 */
	movq	$KSTACK, TSS + 4
	movq	$IST_TOP, TSS + 0x24
	movw	$0x68, TSS + 0x66
	/* IDT: every vector -> handler on IST1, DPL 3 for int n from ring 3 */
	xorl	%ecx, %ecx
1:	movq	%rcx, %rbx
	shlq	$4, %rbx
	addq	$idt, %rbx
	movl	$handler, %eax
	movw	%ax, (%rbx)
	movw	$S_CODE, 2(%rbx)
	movw	$0xee01, 4(%rbx)
	shrl	$16, %eax
	movw	%ax, 6(%rbx)
	movq	$0, 8(%rbx)
	incl	%ecx
	cmpl	$256, %ecx
	jb	1b
	/* the GDT, IDT and page tables are in read-only pages: writable
	 * here because CR0.WP is still clear; `next' sets it */
	lidt	idt_desc
	movw	$S_TSS, %ax
	ltr	%ax
	movl	$0xc0000081, %ecx		/* STAR */
	xorl	%eax, %eax
	movl	$((S_UCODE32 << 16) | S_CODE), %edx
	wrmsr
	movl	$0xc0000082, %ecx		/* LSTAR */
	movl	$sys_entry, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$0xc0000084, %ecx		/* SFMASK: everything */
	movl	$0x47fd7, %eax
	wrmsr
	/* 8259: IRQ0 -> vector 0x20, the rest masked; 8254 mode 2, 1 kHz */
	.irp	pv, 0x2011, 0xa011, 0x2120, 0xa128, 0x2104, 0xa102, 0x2101, \
	    0xa101, 0x21fe, 0xa1ff, 0x4334, 0x40a9, 0x4004
	movb	$(\pv & 0xff), %al
	outb	%al, $(\pv >> 8)
	.endr
	PUTS64	"sys_fuzz: random instruction bytes at ring 0 and ring 3\n"
	jmp	next

sys_entry:
handler:
	movq	$IST_TOP, %rsp
	movb	$0x20, %al			/* EOI, in case it was IRQ0 */
	outb	%al, $0x20
next:
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	lgdt	gdt_desc
	lidt	idt_desc
	movq	cr0_val, %rax
	movq	%rax, %cr0
	movq	cr4_val, %rax
	movq	%rax, %cr4
	incq	ST_COUNT
	cmpq	$NRUNS, ST_COUNT
	jae	done
	/* 32 random bytes, then ud2s */
	xorl	%ecx, %ecx
1:	call	rand
	movq	%rax, CODE(,%rcx,8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	movq	$0x0b0f0b0f0b0f0b0f, %rax
	movq	%rax, CODE + 32
	movq	%rax, CODE + 40
	testq	$1, ST_COUNT
	jnz	ring3
	/* ring 0: no HLT and no port I/O, which would only end the run */
	xorl	%ecx, %ecx
1:	movb	CODE(%rcx), %al
	cmpb	$0xf4, %al
	je	3f
	movb	%al, %dl
	andb	$0xfc, %dl
	cmpb	$0xe4, %dl
	je	3f
	cmpb	$0xec, %dl
	je	3f
	cmpb	$0x6c, %dl
	jne	4f
3:	movb	$0x90, CODE(%rcx)
4:	incl	%ecx
	cmpl	$32, %ecx
	jb	1b
	pushq	$S_DATA
	pushq	$(KSTACK - 0x1000)
	call	rand
	andl	$0xcd5, %eax
	orl	$0x202, %eax
	pushq	%rax
	pushq	$S_CODE
	jmp	go
ring3:
	pushq	$(S_UDATA | 3)
	pushq	$USTACK
	call	rand
	andl	$0xcd5, %eax
	orl	$0x202, %eax
	pushq	%rax
	pushq	$(S_UCODE | 3)
go:
	pushq	$CODE
	/* random registers; three of them point into DATA */
	xorl	%ecx, %ecx
1:	call	rand
	movq	%rax, ST_REGS(,%rcx,8)
	incl	%ecx
	cmpl	$16, %ecx
	jb	1b
	.irp	k, 3, 6, 7
	andl	$0xffff, ST_REGS + \k * 8
	orl	$DATA, ST_REGS + \k * 8
	movl	$0, ST_REGS + \k * 8 + 4
	.endr
	movq	ST_REGS + 0, %rax
	movq	ST_REGS + 8, %rcx
	movq	ST_REGS + 16, %rdx
	movq	ST_REGS + 24, %rbx
	movq	ST_REGS + 40, %rbp
	movq	ST_REGS + 48, %rsi
	movq	ST_REGS + 56, %rdi
	movq	ST_REGS + 64, %r8
	movq	ST_REGS + 72, %r9
	movq	ST_REGS + 80, %r10
	movq	ST_REGS + 88, %r11
	movq	ST_REGS + 96, %r12
	movq	ST_REGS + 104, %r13
	movq	ST_REGS + 112, %r14
	movq	ST_REGS + 120, %r15
	iretq

/* xorshift64* -> %rax; keeps other registers */
rand:
	pushq	%rdx
	movq	ST_SEED, %rax
	movq	%rax, %rdx
	shrq	$12, %rdx
	xorq	%rdx, %rax
	movq	%rax, %rdx
	shlq	$25, %rdx
	xorq	%rdx, %rax
	movq	%rax, %rdx
	shrq	$27, %rdx
	xorq	%rdx, %rax
	movq	%rax, ST_SEED
	movabsq	$0x2545f4914f6cdd1d, %rdx
	imulq	%rdx, %rax
	popq	%rdx
	ret

done:
	movq	$KSTACK, %rsp
	PUTS64	"sys_fuzz: done\n"
	xorl	%eax, %eax
	jmp	exit64

	LIB64

	.data
	.balign	16
gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: data */
	.quad	0x00cffb000000ffff	/* 0x18: 32-bit code, DPL 3 */
	.quad	0x00cff3000000ffff	/* 0x20: data, DPL 3 */
	.quad	0x00affb000000ffff	/* 0x28: 64-bit code, DPL 3 */
	.quad	0x0000892010000067	/* 0x30: TSS at STATE + 0x1000 */
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x40: 32-bit code (boot) */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt
	.balign	8
idt_desc:
	.word	256 * 16 - 1
	.quad	idt
cr0_val:
	.quad	0x80010033
cr4_val:
	.quad	0x620

	.bss
	.balign	4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
pt:	.skip	4096
idt:	.skip	256 * 16
	.skip	8192
stack_top:
