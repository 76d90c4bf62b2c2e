/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gdbtest.S: the guest of the gdb tier (tests/system/gdb/run.sh).  Enters
 * long mode and runs its loop through a higher-half alias (virtual
 * 0xffffffff80000000 + physical), so that gdb's addresses must go through
 * the page tables.  gdb_bp is where the debugger breaks; gdb_var is what
 * it sets (0x77: spin at gdb_spin until it is changed, for Ctrl-C).
 * Without a debugger it ends with debug-exit value 5 (status 11); when
 * gdb_var was set to 0x5a and the loop ran 3 times, with 0 (status 1).
 * For gdb's x87/SSE registers (tests/system/gdb/fpu.sh): before gdb_bp,
 * FXRSTOR of gdb_fpu_in makes ST0 = 1, ST1 = pi, XMM0 =
 * 0xfedcba98765432100123456789abcdef, MXCSR = 0x9f80 (FZ); after the loop
 * an FXSAVE to gdb_fpu_out (before gdb_fpu_done) shows gdb what it wrote.
 * FXSAVE/FXRSTOR rather than FLD or MOVDQU: kvm_pvm hosts run this code
 * in KVM's instruction emulator (docs/kvm.md F7), which has those two.
 */
#include "guest.h"

#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define HIGH_BASE	0xffffffff80000000	/* PML4[511], PDPT[510] */

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	lgdt	gdt_desc
	ljmp	$SEL_CODE32, $1f
1:	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	/* the low 1 GiB identity-mapped and again at HIGH_BASE (2 MiB pages) */
	movl	$pdpt_low, %eax
	orl	$0x3, %eax
	movl	%eax, pml4
	movl	$pdpt_high, %eax
	orl	$0x3, %eax
	movl	%eax, pml4 + 511 * 8
	movl	$pd, %eax
	orl	$0x3, %eax
	movl	%eax, pdpt_low
	movl	%eax, pdpt_high + 510 * 8
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax
	movl	%eax, pd(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	2b
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $long_entry

	.code64
long_entry:
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	/* on to the higher-half alias, stack included */
	movabsq	$HIGH_BASE, %rax
	leaq	stack_top(%rip), %rsp
	addq	%rax, %rsp
	leaq	high(%rip), %rcx
	addq	%rcx, %rax
	jmp	*%rax

high:
	PUTS64	"gdbtest: running in the higher half\n"
	/* x87 and SSE on (SDM 3A §13.1: CR0.EM off, MP and NE; CR4.OSFXSR) */
	movq	%cr0, %rax
	andq	$~0xc, %rax		/* EM, TS */
	orq	$0x22, %rax		/* MP, NE */
	movq	%rax, %cr0
	movq	%cr4, %rax
	orq	$0x600, %rax		/* OSFXSR, OSXMMEXCPT */
	movq	%rax, %cr4
	fxrstor	gdb_fpu_in(%rip)
	xorl	%ebx, %ebx
	movl	$3, %r12d
	.globl	gdb_bp
gdb_bp:
	incq	%rbx			/* 48 ff c3 */
	nop				/* 90 */
	decl	%r12d
	jnz	gdb_bp
	/* what gdb may have written into the registers, for it to read */
	fxsave	gdb_fpu_out(%rip)
	.globl	gdb_fpu_done
gdb_fpu_done:
	nop
	/* a debugger that set gdb_var to 0x77 stops us here with Ctrl-C */
	.globl	gdb_spin
gdb_spin:
	cmpl	$0x77, gdb_var(%rip)
	je	gdb_spin
	PUTS64	"gdbtest: loops = 0x"
	movq	%rbx, %rax
	call	puthex64
	PUTS64	"\ngdbtest: gdb_var = 0x"
	movl	gdb_var(%rip), %eax
	call	puthex64
	PUTS64	"\n"
	movl	$5, %eax
	cmpq	$3, %rbx
	jne	exit64
	cmpl	$0x5a, gdb_var(%rip)
	jne	exit64
	xorl	%eax, %eax
	jmp	exit64

	LIB64

	.data
	.balign	8
gdt:
	.quad	0
	.quad	0x00209a0000000000	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
	.quad	0x00cf9a000000ffff	/* 0x18: 32-bit code */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
	.globl	gdb_var
gdb_var:
	.long	0x11
	/* an FXSAVE image (SDM vol. 1 §10.5.1, table 10-2) */
	.balign	16
gdb_fpu_in:
	.word	0x037f			/* FCW: FNINIT's */
	.word	6 << 11			/* FSW: TOP = 6 */
	.byte	0xc0, 0			/* abridged FTW: R6, R7 in use */
	.word	0			/* FOP */
	.quad	0, 0			/* FIP, FDP */
	.long	0x9f80, 0		/* MXCSR (FZ), MXCSR_MASK */
	.quad	0x8000000000000000, 0x3fff	/* ST0 = 1 */
	.quad	0xc90fdaa22168c235, 0x4000	/* ST1 = pi */
	.skip	6 * 16
	.quad	0x0123456789abcdef, 0xfedcba9876543210	/* XMM0 */
	.skip	512 - 176
	.globl	gdb_fpu_out
gdb_fpu_out:
	.skip	512

	.bss
	.balign	4096
pml4:	.skip	4096
pdpt_low:	.skip	4096
pdpt_high:	.skip	4096
pd:	.skip	4096
	.skip	4096
stack_top:
