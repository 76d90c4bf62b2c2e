/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_long.S: multiboot guest for the long-mode system architecture (SDM
 * vol. 3 ch. 4-6): #PF error codes and CR2 for every permission case at
 * CPL 0 and 3 (P, W/R, U/S, RSVD, I/D, CR0.WP, NX), reserved bits in each
 * kind of entry, 1 GiB pages, accessed/dirty bits, INVLPG, #DF from a
 * contributory pair and from a #PF while delivering a #PF (IST stacks),
 * IRETQ to ring 3 and to compatibility mode, SYSCALL/SYSRET (and SYSRET
 * to a non-canonical RIP), SWAPGS, a 64-bit call gate, and leaving long
 * mode for 32-bit protected mode without paging and coming back.
 * Expected output was produced under QEMU (TCG) and matches the SDM.
 */
#include "guest.h"
#include "sys.h"

#define S_CODE		0x08
#define S_DATA		0x10
#define S_CODE32	0x18
#define S_UCODE32	0x20
#define S_UDATA		0x28
#define S_UCODE		0x30
#define S_TSS		0x38
#define S_GATE		0x48

#define P_P	0x001
#define P_W	0x002
#define P_U	0x004
#define P_A	0x020
#define P_D	0x040
#define P_PS	0x080
#define PG_UW	(P_P | P_W | P_U)

#define T_BASE	0x800000	/* pt: 4 KiB test pages */
#define T_OK	0x800000
#define T_NP	0x801000
#define T_RO	0x802000
#define T_SUP	0x803000
#define T_NX	0x804000
#define T_RSVD	0x805000
#define T_AD	0x806000
#define G1	0x40000000	/* 1 GiB page -> 0 */
#define G1RSVD	0x80000000	/* 1 GiB page, reserved bit 13 */
#define G1NP	0xc0000000
#define PML4PS	0x8000000000	/* PML4[1] with PS */

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	lgdt	gdt_desc
	ljmp	$S_CODE32, $1f
1:	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	call	build_tables
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x901, %eax			/* LME | NXE | SCE */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax		/* PG | WP | PE */
	movl	%eax, %cr0
	ljmp	$S_CODE, $long_entry

/* identity map 1 GiB (2 MiB pages, user, writable) and the test pages */
build_tables:
	movl	$(pdpt + PG_UW), pml4
	movl	$(pdpt + PG_UW), pml4 + 8	/* PML4[1]: PS set below */
	orl	$P_PS, pml4 + 8
	movl	$(pd + PG_UW), pdpt
	movl	$(PG_UW | P_PS), pdpt + 8	/* 1 GiB -> 0 */
	movl	$(PG_UW | P_PS | 0x2000), pdpt + 16	/* bit 13: reserved */
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PG_UW | P_PS), %eax
	movl	%eax, pd(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
	movl	$(pt + PG_UW), pd + 4 * 8
	/* pt: page i maps T_BASE + i * 4096 */
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$(T_BASE + PG_UW), %eax
	movl	%eax, pt(,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
	movl	$0, pt + 1 * 8			/* T_NP */
	andl	$~P_W, pt + 2 * 8		/* T_RO */
	andl	$~P_U, pt + 3 * 8		/* T_SUP */
	orl	$0x80000000, pt + 4 * 8 + 4	/* T_NX: bit 63 */
	orl	$0x00080000, pt + 5 * 8 + 4	/* T_RSVD: bit 51 */
	ret

	.code64
long_entry:
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	$stack_top, %rsp
	call	setup64
	PUTS64	"sys_long: paging, exceptions and privilege in long mode\n"

	/* NX with EFER.NXE clear is a reserved bit (SDM 3A §4.5.4) */
	movl	$0xc0000080, %ecx
	rdmsr
	andl	$~0x800, %eax
	wrmsr
	TRY64	1
	movq	T_NX, %rax
	CHECK64	1, "nxe=0: read nx page"
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x800, %eax
	wrmsr
	invlpg	T_NX

	/* ---- CPL 0 ---- */
	TRY64	2
	movq	T_NP + 8, %rax
	CHECK64	2, "read not present"
	TRY64	3
	movq	%rax, T_NP + 16
	CHECK64	3, "write not present"
	TRY64	4
	movl	$T_NP, %eax
	call	*%rax
	CHECK64	4, "exec not present"
	TRY64	5
	movq	%rax, T_RO
	CHECK64	5, "write read-only, wp=1"
	movq	%cr0, %rax
	andl	$~0x10000, %eax
	movq	%rax, %cr0
	TRY64	6
	movq	%rax, T_RO + 8
	CHECK64	6, "write read-only, wp=0"
	movq	%cr0, %rax
	orl	$0x10000, %eax
	movq	%rax, %cr0
	TRY64	7
	movq	T_SUP, %rax
	CHECK64	7, "read supervisor page"
	TRY64	8
	movl	$T_NX, %eax
	call	*%rax
	CHECK64	8, "exec nx page"
	TRY64	9
	movq	T_NX, %rax
	CHECK64	9, "read nx page"
	TRY64	10
	movq	T_RSVD, %rax
	CHECK64	10, "read, pte bit 51"
	TRY64	11
	movq	%rax, T_RSVD
	CHECK64	11, "write, pte bit 51"
	TRY64	12
	movl	$G1RSVD, %eax
	movq	(%rax), %rax
	CHECK64	12, "read, 1 GiB pdpte bit 13"
	TRY64	13
	movabsq	$PML4PS, %rax
	movq	(%rax), %rax
	CHECK64	13, "read, pml4e with ps"
	TRY64	14
	movl	$G1NP, %eax
	movq	(%rax), %rax
	CHECK64	14, "read, pdpte not present"
	TRY64	15
	movabsq	$0x0000800000000000, %rax
	movq	(%rax), %rax
	CHECK64	15, "read non-canonical"
	TRY64	16
	movabsq	$0x0000800000000000, %rax
	movq	(%rsp,%rax), %rax
	CHECK64	16, "read non-canonical through rsp"

	/* a 1 GiB page */
	movq	$0x1234567890abcdef, %rax
	movq	%rax, marker
	movl	$(G1 + marker), %ebx
	movq	(%rbx), %rax
	SHOW64	"1 GiB page read", %rax
	movq	pdpt + 8, %rax
	andl	$0x60, %eax
	SHOW64	"  pdpte a/d", %rax

	/* accessed and dirty bits */
	movq	T_AD, %rax
	movq	pt + 6 * 8, %rax
	andl	$0x60, %eax
	SHOW64	"pte a/d after read", %rax
	movq	pd + 4 * 8, %rax
	andl	$0x60, %eax
	SHOW64	"pde a/d after read", %rax
	movq	%rax, T_AD
	movq	pt + 6 * 8, %rax
	andl	$0x60, %eax
	SHOW64	"pte a/d after write", %rax

	/* INVLPG: remap T_OK to T_AD's frame */
	movq	$0x5555, %rax
	movq	%rax, T_OK
	movq	$0x6666, %rax
	movq	%rax, T_AD + 8
	movq	T_OK, %rax
	movl	$(T_AD + PG_UW), pt
	invlpg	T_OK
	movq	T_OK + 8, %rax
	SHOW64	"after remap + invlpg", %rax
	movl	$(T_OK + PG_UW), pt
	movq	%cr3, %rax
	movq	%rax, %cr3
	movq	T_OK, %rax
	SHOW64	"after restore + cr3 reload", %rax

	/* code written through a second mapping of the same page runs */
	movl	$(T_AD + PG_UW), pt + 7 * 8	/* 0x807000 -> T_AD's frame */
	invlpg	0x807000
	movl	$0xc3c03148, T_AD + 0x100	/* xor %rax,%rax; ret */
	movl	$(T_AD + 0x100), %ebx
	movq	$7, %rax
	call	*%rbx
	SHOW64	"code page, first version", %rax
	movl	$0xc3c0ff48, 0x807000 + 0x100	/* inc %rax; ret */
	call	*%rbx
	SHOW64	"after a write through the alias", %rax

	/* ---- #DF ---- */
	movb	$0x0e, idt + 0 * 16 + 5		/* #DE gate not present */
	TRY64	20
	xorl	%ecx, %ecx
	divl	%ecx
	CHECK64	20, "#de with its gate not present"
	call	show_ist
	movb	$0x8e, idt + 0 * 16 + 5
	movb	$0x0e, idt + 0x90 * 16 + 5	/* a not-present gate */
	TRY64	21
	int	$0x90
	CHECK64	21, "int to a not-present gate"
	movb	$3, idt + 14 * 16 + 4		/* #PF on IST3, unmapped */
	TRY64	22
	movq	T_NP, %rax
	CHECK64	22, "#pf while delivering #pf"
	SHOW64	"  cr2", exc_cr2
	movb	$0, idt + 14 * 16 + 4
	TRY64	23
	movq	%rax, T_RO
	CHECK64	23, "#pf again, normal stack"

	/* ---- SWAPGS ---- */
	movl	$0xc0000101, %ecx
	movl	$0x1111, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$0xc0000102, %ecx
	movl	$0x2222, %eax
	wrmsr
	swapgs
	movl	$0xc0000101, %ecx
	rdmsr
	SHOW64	"gs base after swapgs", %rax
	swapgs

	/* ---- to ring 3 (64-bit) by IRETQ, IOPL 3 for the console ---- */
	pushq	$(S_UDATA | 3)
	pushq	$ring3_stack_top
	pushq	$0x3002
	pushq	$(S_UCODE | 3)
	pushq	$ring3
	iretq
ring3:
	movw	%cs, %ax
	movzwl	%ax, %eax
	SHOW64	"ring 3 cs", %rax
	TRY64	30
	movq	T_SUP, %rax
	CHECK64	30, "r3: read supervisor page"
	TRY64	31
	movq	%rax, T_SUP
	CHECK64	31, "r3: write supervisor page"
	TRY64	32
	movl	$T_SUP, %eax
	call	*%rax
	CHECK64	32, "r3: exec supervisor page"
	TRY64	33
	movq	%rax, T_RO
	CHECK64	33, "r3: write read-only"
	TRY64	34
	movq	T_NP, %rax
	CHECK64	34, "r3: read not present"
	TRY64	35
	movq	T_RSVD, %rax
	CHECK64	35, "r3: read, pte bit 51"
	TRY64	36
	movl	$T_NX, %eax
	call	*%rax
	CHECK64	36, "r3: exec nx page"
	TRY64	37
	int	$0x80
	CHECK64	37, "r3: int 0x80 (dpl 3)"
	SHOW64	"  saved cs", exc_cs
	SHOW64	"  saved ss", exc_ss
	movq	exc_rsp, %rax
	subq	$ring3_stack_top, %rax
	SHOW64	"  saved rsp - top", %rax
	SHOW64	"  handler ss", exc_hss
	TRY64	38
	int	$0x81
	CHECK64	38, "r3: int 0x81 (dpl 0)"
	TRY64	39
	swapgs
	CHECK64	39, "r3: swapgs"
	TRY64	40
	sysretq
	CHECK64	40, "r3: sysret"

	/* SYSCALL / SYSRET */
	movq	$0x123, %r11
	TRY64	41
	syscall
r3_after_syscall:
	CHECK64	41, "r3: syscall"
	movq	sc_rcx, %rax
	subq	$r3_after_syscall, %rax
	SHOW64	"  rcx - return label", %rax
	movq	sc_r11, %rax
	andl	$0x3fffd7, %eax
	SHOW64	"  r11 (flags)", %rax
	SHOW64	"  cs in kernel", sc_cs
	SHOW64	"  ss in kernel", sc_ss
	SHOW64	"  flags in kernel", sc_fl
	movw	%cs, %ax
	movzwl	%ax, %eax
	SHOW64	"  cs after sysret", %rax
	movw	%ss, %ax
	movzwl	%ax, %eax
	SHOW64	"  ss after sysret", %rax

	/* SYSRET to a non-canonical RIP: #GP(0) at CPL 0 on the SYSRET */
	movq	$1, sc_mode
	TRY64	42
	syscall
	CHECK64	42, "r3: syscall, sysret to non-canonical"
	SHOW64	"  saved cs", exc_cs
	movq	exc_rip, %rax
	subq	$sysret_nc, %rax
	SHOW64	"  saved rip - sysret", %rax
	movq	$0, sc_mode

	/* a 64-bit call gate to ring 0 and LRETQ back */
	movq	%rsp, r3_rsp
	TRY64	43
	rex64 lcall *gate_ptr
r3_after_gate:
	CHECK64	43, "r3: call gate"
	movq	gate_rec, %rax
	subq	$r3_after_gate, %rax
	SHOW64	"  pushed rip - label", %rax
	SHOW64	"  pushed cs", gate_rec + 8
	movq	gate_rec + 16, %rax
	subq	r3_rsp, %rax
	SHOW64	"  pushed rsp - rsp", %rax
	SHOW64	"  pushed ss", gate_rec + 24
	SHOW64	"  ss in gate", gate_ss
	movq	gate_rsp, %rax
	subq	$tss_stack_top, %rax
	SHOW64	"  rsp in gate - rsp0", %rax

	/* IRETQ to compatibility mode at ring 3, back by INT */
	int	$0x82
compat_back:
	SHOW64	"compat: eax", compat_eax
	SHOW64	"  saved cs", exc_cs
	movq	exc_rip, %rax
	subq	$compat_int, %rax
	SHOW64	"  saved rip - int", %rax
	SHOW64	"  saved ss", exc_ss

	/* back to ring 0 through the call gate for the mode switches */
	movq	$1, gate_mode
	rex64 lcall *gate_ptr
	/* not reached */
	FAIL64	99

	/* ---- ring 0 again: long -> compat -> no paging -> long ---- */
kernel_again:
	movq	$stack_top, %rsp
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%cs, %ax
	movzwl	%ax, %eax
	SHOW64	"ring 0 again, cs", %rax
	ljmp	*compat_ptr
	.code32
compat32:
	movl	%cr0, %eax
	andl	$0x7fffffff, %eax
	movl	%eax, %cr0			/* leaves long mode */
	movl	$0xc0000080, %ecx
	rdmsr
	movl	%eax, efer_off
	PUTS32	"paging off in 32-bit protected mode\n"
	movl	efer_off, %eax
	andl	$0x500, %eax
	call	puthex32
	PUTS32	" = efer lme|lma\n"
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0			/* LME still set: LMA again */
	movl	$0xc0000080, %ecx
	rdmsr
	andl	$0x500, %eax
	call	puthex32
	PUTS32	" = efer lme|lma after pg=1\n"
	ljmp	$S_CODE, $long_again
	.code64
long_again:
	PUTS64	"back in 64-bit mode\n"
	PUTS64	"ok\n"
	xorl	%eax, %eax
	jmp	exit64

/* ---- ring 0 entry points ---- */
syscall_entry:
	movq	%rcx, sc_rcx
	movq	%r11, sc_r11
	movw	%cs, %ax
	movzwl	%ax, %eax
	movq	%rax, sc_cs
	movw	%ss, %ax
	movzwl	%ax, %eax
	movq	%rax, sc_ss
	pushfq
	popq	%rax
	movq	%rax, sc_fl
	cmpq	$0, sc_mode
	je	1f
	movq	%rcx, sc_rcx
	movq	$sysret_gp_back, exc_resume
	movabsq	$0x0000800000000000, %rcx
sysret_nc:
	sysretq
sysret_gp_back:
	movq	sc_rcx, %rcx
	movq	$t42_res, exc_resume
1:	sysretq

gate_fn:
	movq	%rsp, gate_rsp
	.irp	k, 0, 8, 16, 24
	movq	\k(%rsp), %rax
	movq	%rax, gate_rec + \k
	.endr
	movw	%ss, %ax
	movzwl	%ax, %eax
	movq	%rax, gate_ss
	cmpq	$0, gate_mode
	jne	kernel_again
	lretq

/* int 0x82 from ring 3: IRETQ to 32-bit ring-3 code */
to_compat:
	pushq	$(S_UDATA | 3)
	pushq	$compat_stack_top
	pushq	$0x3002
	pushq	$(S_UCODE32 | 3)
	pushq	$compat_code
	iretq
	.code32
compat_code:
	movl	$0x12345678, %eax
compat_int:
	int	$0x83
	.code64
/* int 0x83 from compatibility mode: back to 64-bit ring 3 */
from_compat:
	movl	%eax, compat_eax
	movq	(%rsp), %rax
	movq	%rax, exc_rip
	movq	8(%rsp), %rax
	movq	%rax, exc_cs
	movq	32(%rsp), %rax
	movq	%rax, exc_ss
	movq	$compat_back, (%rsp)
	movq	$(S_UCODE | 3), 8(%rsp)
	movq	$ring3_stack_top - 64, 24(%rsp)
	iretq

show_ist:
	movq	exc_hrsp, %rax
	subq	$ist2_top, %rax
	SHOW64	"  handler frame - ist2 top", %rax
	ret

setup64:
	/* TSS: RSP0, IST2 (#DF), IST3 (an unmapped stack for #PF) */
	movq	$tss_stack_top, tss + 4
	movq	$ist2_top, tss + 0x24 + 8
	movq	$(T_NP + 0x1000), tss + 0x24 + 16
	movw	$0x68, tss + 0x66
	movl	$tss, %eax
	movw	$0x67, gdt + S_TSS
	movw	%ax, gdt + S_TSS + 2
	shrl	$16, %eax
	movb	%al, gdt + S_TSS + 4
	movb	$0x89, gdt + S_TSS + 5
	movb	%ah, gdt + S_TSS + 7
	movw	$S_TSS, %ax
	ltr	%ax
	/* 64-bit call gate, DPL 3 -> S_CODE:gate_fn */
	movl	$gate_fn, %eax
	movw	%ax, gdt + S_GATE
	movw	$S_CODE, gdt + S_GATE + 2
	movw	$0xec00, gdt + S_GATE + 4
	shrl	$16, %eax
	movw	%ax, gdt + S_GATE + 6
	/* IDT */
	xorl	%ecx, %ecx
1:	movq	%rcx, %rax
	shlq	$4, %rax
	addq	$stubs, %rax
	movb	$0x8e, %dl
	call	set_idt
	incl	%ecx
	cmpl	$32, %ecx
	jb	1b
	movl	$0x80, %ecx
	movq	$stub_0x80, %rax
	movb	$0xee, %dl
	call	set_idt
	movl	$0x81, %ecx
	movq	$stub_0x81, %rax
	movb	$0x8e, %dl
	call	set_idt
	movl	$0x82, %ecx
	movq	$to_compat, %rax
	movb	$0xee, %dl
	call	set_idt
	movl	$0x83, %ecx
	movq	$from_compat, %rax
	movb	$0xee, %dl
	call	set_idt
	movb	$2, idt + 8 * 16 + 4		/* #DF on IST2 */
	lidt	idt_desc
	/* SYSCALL MSRs */
	movl	$0xc0000081, %ecx		/* STAR */
	xorl	%eax, %eax
	movl	$((S_UCODE32 << 16) | S_CODE), %edx
	wrmsr
	movl	$0xc0000082, %ecx		/* LSTAR */
	movl	$syscall_entry, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$0xc0000084, %ecx		/* SFMASK: IF, TF, DF, AC */
	movl	$0x40700, %eax
	wrmsr
	ret
/* %ecx vector, %rax handler, %dl type byte */
set_idt:
	pushq	%rbx
	movq	%rcx, %rbx
	shlq	$4, %rbx
	addq	$idt, %rbx
	movw	%ax, (%rbx)
	movw	$S_CODE, 2(%rbx)
	movb	$0, 4(%rbx)
	movb	%dl, 5(%rbx)
	shrq	$16, %rax
	movw	%ax, 6(%rbx)
	shrq	$16, %rax
	movl	%eax, 8(%rbx)
	movl	$0, 12(%rbx)
	popq	%rbx
	ret

#define HAS_ERROR(v)	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17)
	.balign	16
stubs:
	.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, \
	    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.balign	16
	.if !HAS_ERROR(\v)
	pushq	$0
	.endif
	pushq	$\v
	jmp	common
	.endr
	.balign	16
stub_0x80:
	pushq	$0
	pushq	$0x80
	jmp	common
stub_0x81:
	pushq	$0
	pushq	$0x81
	jmp	common

/* Stack: rax, vector, error, RIP, CS, RFLAGS, RSP, SS. */
common:
	pushq	%rax
	leaq	24(%rsp), %rax
	movq	%rax, exc_hrsp
	movw	%ss, %ax
	movzwl	%ax, %eax
	movq	%rax, exc_hss
	movq	8(%rsp), %rax
	movq	%rax, exc_vec
	movq	16(%rsp), %rax
	movq	%rax, exc_err
	movq	24(%rsp), %rax
	movq	%rax, exc_rip
	movq	32(%rsp), %rax
	movq	%rax, exc_cs
	movq	48(%rsp), %rax
	movq	%rax, exc_rsp
	movq	56(%rsp), %rax
	movq	%rax, exc_ss
	movq	%cr2, %rax
	movq	%rax, exc_cr2
	movq	exc_resume, %rax
	movq	%rax, 24(%rsp)
	popq	%rax
	addq	$16, %rsp
	iretq

	LIB64
	REPORT64
	LIB32

	.data
	.balign	16
gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: data */
	.quad	0x00cf9b000000ffff	/* 0x18: 32-bit code */
	.quad	0x00cffb000000ffff	/* 0x20: 32-bit code, DPL 3 */
	.quad	0x00cff3000000ffff	/* 0x28: data, DPL 3 */
	.quad	0x00affb000000ffff	/* 0x30: 64-bit code, DPL 3 */
	.quad	0, 0			/* 0x38: TSS */
	.quad	0, 0			/* 0x48: call gate */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt
	.balign	8
idt_desc:
	.word	256 * 16 - 1
	.quad	idt
gate_ptr:
	.quad	0
	.word	S_GATE | 3
compat_ptr:
	.long	compat32
	.word	S_CODE32

	.bss
	.balign	4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
pt:	.skip	4096
idt:	.skip	256 * 16
tss:	.skip	104
	.balign	8
exc_resume:	.quad	0
exc_vec:	.quad	0
exc_err:	.quad	0
exc_rip:	.quad	0
exc_cs:		.quad	0
exc_rsp:	.quad	0
exc_ss:		.quad	0
exc_cr2:	.quad	0
exc_hrsp:	.quad	0
exc_hss:	.quad	0
marker:		.quad	0
sc_rcx:		.quad	0
sc_r11:		.quad	0
sc_cs:		.quad	0
sc_ss:		.quad	0
sc_fl:		.quad	0
sc_mode:	.quad	0
gate_rec:	.skip	32
gate_rsp:	.quad	0
gate_ss:	.quad	0
gate_mode:	.quad	0
r3_rsp:		.quad	0
compat_eax:	.quad	0
efer_off:	.quad	0
	.balign	16
	.skip	4096
ist2_top:
	.skip	4096
tss_stack_top:
	.skip	4096
compat_stack_top:
	.skip	4096
ring3_stack_top:
	.skip	8192
stack_top:
