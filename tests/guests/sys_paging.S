/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_paging.S: multiboot guest for what PAE paging caches (SDM vol. 3A
 * 4.4.1, 4.10): the four PDPTEs are latched by MOV CR3 (and MOV CR0 setting
 * PG), so changing the PDPT in memory has no effect until the next load,
 * not even after INVLPG; a present PDPTE with a reserved bit makes that MOV
 * fault with #GP(0) and change nothing; global TLB entries (G with
 * CR4.PGE) survive MOV CR3 until INVLPG or a CR4.PGE toggle, non-global
 * ones do not, and neither does G without CR4.PGE.
 *
 * The "global page after MOV CR3" and "PDPT changed in memory" lines show
 * what Intel CPUs do (the SDM lets a CPU drop TLB entries at any time, but
 * not reload PDPTEs); QEMU (TCG) flushes global entries on MOV CR3 and
 * re-reads PDPTEs on each walk, so it prints BBBBBBBB / a #PF there.
 */
#include "guest.h"
#include "sys.h"

#define S_CODE		0x08
#define S_DATA		0x10

#define P_P	0x001
#define P_W	0x002
#define P_PS	0x080
#define P_G	0x100

#define T_LA	0x008f3000	/* test page; TLB set 0xf3 is not used else */
#define FRAME_A	0x00900000	/* holds 0xaaaaaaaa */
#define FRAME_B	0x00901000	/* holds 0xbbbbbbbb */
#define HI_LA	0x40100000	/* through PDPTE 1 -> pd1: FRAME_A */
#define PTE_T	(pt + 0xf3 * 8)

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	lgdt	gdt_desc
	ljmp	$S_CODE, $1f
1:	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	call	setup
	PUTS32	"sys_paging: PAE PDPTE latch, global pages\n"
	movl	$0xaaaaaaaa, FRAME_A
	movl	$0xbbbbbbbb, FRAME_B
	call	build_tables

	/* PAE paging on */
	movl	%cr4, %eax
	orl	$0x20, %eax
	movl	%eax, %cr4
	movl	$pdpt, %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	jmp	1f
1:	SHOW32	"read through PDPTE 1:", HI_LA

	/* ---- the PDPTE latch ---- */
	movl	$0, pdpt + 8			/* PDPTE 1 not present */
	invlpg	HI_LA
	movl	$0, val
	TRY32	5
	movl	HI_LA, %eax
	movl	%eax, val
	CHECK32	5, "PDPT changed in memory, INVLPG"
	SHOW32	"  read", val
	movl	$pdpt, %eax
	movl	%eax, %cr3
	TRY32	1
	movl	HI_LA, %eax
	CHECK32	1, "after MOV CR3"
	movl	%cr2, %eax
	SHOW32	"  cr2", %eax
	movl	$(pd1 + P_P), pdpt + 8		/* back */
	movl	$pdpt, %eax
	movl	%eax, %cr3
	SHOW32	"PDPTE 1 restored, MOV CR3:", HI_LA

	/* reserved bits in a present PDPTE: #GP(0), CR3 unchanged */
	TRY32	2
	movl	$pdpt_bad, %eax
	movl	%eax, %cr3
	CHECK32	2, "MOV CR3, PDPTE 2 with R/W set"
	movl	%cr3, %eax
	SHOW32	"  cr3 still", %eax
	SHOW32	"  and still mapped:", HI_LA
	/* ...but reserved bits in a not-present PDPTE are ignored */
	movl	$2, pdpt_bad + 16
	TRY32	3
	movl	$pdpt_bad, %eax
	movl	%eax, %cr3
	CHECK32	3, "MOV CR3, PDPTE 2 not present with R/W set"
	movl	$pdpt, %eax
	movl	%eax, %cr3
	movl	$(pd1 + P_P + P_W), pdpt_bad + 16
	/* MOV CR0 setting PG loads them too */
	movl	%cr0, %eax
	andl	$~0x80000000, %eax
	movl	%eax, %cr0
	movl	$pdpt_bad, %eax
	movl	%eax, %cr3			/* paging off: no check */
	TRY32	4
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	CHECK32	4, "MOV CR0 setting PG, PDPTE 2 with R/W set"
	movl	%cr0, %eax
	SHOW32	"  cr0", %eax
	movl	$pdpt, %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	jmp	1f
1:	SHOW32	"paging back on:", HI_LA

	/* ---- global pages ---- */
	movl	%cr4, %eax
	orl	$0x80, %eax			/* PGE */
	movl	%eax, %cr4
	movl	$(FRAME_A + P_P + P_W + P_G), PTE_T
	invlpg	T_LA
	SHOW32	"global page:", T_LA
	movl	$(FRAME_B + P_P + P_W + P_G), PTE_T
	movl	%cr3, %eax
	movl	%eax, %cr3
	SHOW32	"global page after PTE change, MOV CR3:", T_LA
	invlpg	T_LA
	SHOW32	"  then INVLPG:", T_LA

	movl	$(FRAME_A + P_P + P_W + P_G), PTE_T
	invlpg	T_LA
	movl	T_LA, %eax
	movl	$(FRAME_B + P_P + P_W + P_G), PTE_T
	movl	%cr4, %eax
	andl	$~0x80, %eax
	movl	%eax, %cr4
	orl	$0x80, %eax
	movl	%eax, %cr4
	SHOW32	"global page after PTE change, CR4.PGE toggle:", T_LA

	movl	$(FRAME_A + P_P + P_W), PTE_T
	invlpg	T_LA
	movl	T_LA, %eax
	movl	$(FRAME_B + P_P + P_W), PTE_T
	movl	%cr3, %eax
	movl	%eax, %cr3
	SHOW32	"non-global page after PTE change, MOV CR3:", T_LA

	movl	%cr4, %eax
	andl	$~0x80, %eax			/* PGE off */
	movl	%eax, %cr4
	movl	$(FRAME_A + P_P + P_W + P_G), PTE_T
	invlpg	T_LA
	movl	T_LA, %eax
	movl	$(FRAME_B + P_P + P_W + P_G), PTE_T
	movl	%cr3, %eax
	movl	%eax, %cr3
	SHOW32	"G without CR4.PGE after PTE change, MOV CR3:", T_LA

	PUTS32	"done\n"
	xorl	%eax, %eax
	jmp	exit32

/* pd0: 0-1 GiB in 2 MiB pages but 8-10 MiB through pt; pd1: 1 GiB + 0 */
build_tables:
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(P_P + P_W + P_PS), %eax
	movl	%eax, pd0(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
	movl	$(pt + P_P + P_W), pd0 + 4 * 8
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$(0x800000 + P_P + P_W), %eax
	movl	%eax, pt(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
	movl	$(0x800000 + P_P + P_W + P_PS), pd1
	movl	$(pd0 + P_P), pdpt
	movl	$(pd1 + P_P), pdpt + 8
	movl	$(pd0 + P_P), pdpt_bad
	movl	$(pd1 + P_P), pdpt_bad + 8
	movl	$(pd1 + P_P + P_W), pdpt_bad + 16	/* bit 1: reserved */
	ret

setup:
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$4, %eax
	addl	$stubs, %eax
	movw	%ax, idt(,%ecx,8)
	movw	$S_CODE, idt + 2(,%ecx,8)
	movw	$0x8e00, idt + 4(,%ecx,8)
	shrl	$16, %eax
	movw	%ax, idt + 6(,%ecx,8)
	incl	%ecx
	cmpl	$32, %ecx
	jb	1b
	lidt	idt_desc
	ret

#define HAS_ERROR(v)	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17)
	.balign	16
stubs:
	.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, \
	    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.balign	16
	.if !HAS_ERROR(\v)
	pushl	$0
	.endif
	pushl	$\v
	jmp	common
	.endr

/* Stack: eax, vector, error, EIP, CS, EFLAGS; resume at exc_resume. */
common:
	pushl	%eax
	movl	4(%esp), %eax
	movl	%eax, exc_vec
	movl	8(%esp), %eax
	movl	%eax, exc_err
	movl	12(%esp), %eax
	movl	%eax, exc_eip
	movl	exc_resume, %eax
	movl	%eax, 12(%esp)
	popl	%eax
	addl	$8, %esp
	iret

	LIB32
	REPORT32

	.data
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 code */
	.quad	0x00cf93000000ffff	/* 0x10 data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
idt_desc:
	.word	32 * 8 - 1
	.long	idt

	.bss
	.balign	4096
pd0:	.skip	4096
pd1:	.skip	4096
pt:	.skip	4096
idt:	.skip	32 * 8
	.balign	32
pdpt:	.skip	32
pdpt_bad: .skip	32
	.balign	4
exc_resume:	.long	0
exc_vec:	.long	0
exc_err:	.long	0
exc_eip:	.long	0
val:		.long	0
	.balign	16
	.skip	8192
stack_top:
