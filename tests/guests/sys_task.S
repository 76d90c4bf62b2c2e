/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_task.S: multiboot guest for 32-bit hardware task switching (SDM vol.
 * 3A ch. 8 "Task Management", §8.3; vol. 2 "JMP", "CALL", "IRET", "INT n"):
 * far JMP to a TSS and back, CALL through a task gate and IRET with NT
 * through the back link, INT n through an IDT task gate to a task with its
 * own LDT and CR3, a 16-bit TSS, the busy bits, NT, CR0.TS, the state
 * saved in the outgoing TSS, faults before the commit point (in the old
 * task: #GP/#TS/#NP with the TSS or gate selector) and after it (in the
 * new task, through #TS/#NP/#SS task gates), a kernel stack overflow into
 * a guard page ending in #DF through a task gate (the classic 32-bit way
 * to survive it), and a ring-3 task.  Paging is on (32-bit, PSE).
 * Last, far RET, IRET and an interrupt gate to an offset past the new CS
 * limit: #GP(0) before anything changes (CS and ESP as they were).
 */
#include "guest.h"
#include "sys.h"

#define S_CODE		0x08
#define S_DATA		0x10
#define S_CODE3		0x18
#define S_DATA3		0x20
#define S_TSS_MAIN	0x28
#define S_TSS_A		0x30	/* worker task A */
#define S_TSS_B		0x38	/* task B: own LDT and CR3, via INT 0x40 */
#define S_GATE_A	0x40	/* task gate -> A, DPL 3 */
#define S_TSS_DF	0x48	/* #DF handler task */
#define S_TSS_TS	0x50	/* #TS handler task */
#define S_TSS_NP	0x58	/* #NP handler task */
#define S_TSS_SHORT	0x60	/* limit 0x66 */
#define S_TSS_NOTP	0x68	/* not present */
#define S_TSS_BADCS	0x70	/* CS is a data segment */
#define S_TSS_SS	0x78	/* #SS handler task */
#define S_LDT_B		0x80
#define S_TSS16		0x88	/* 16-bit TSS */
#define S_CODE16B	0x90	/* code, base task16 */
#define S_GATE_MAIN3	0x98	/* task gate -> main, DPL 3 */
#define S_TSS_R3	0xa0	/* a ring-3 task */
#define S_GATE_NP	0xa8	/* task gate, not present */
#define S_GATE_LDT	0xb0	/* task gate -> selector 0x0c (the LDT) */
#define S_TSS_LDTBAD	0xb8	/* LDT selector names a code segment */
#define S_TSS_SSNP	0xc0	/* SS not present */
#define S_TSS_DSNP	0xc8	/* DS not present */
#define S_NPDATA	0xd0	/* data, not present */
#define S_LIMCODE	0xd8	/* code, limit 0xfff */

#define NT		0x4000
#define MARK_LA		0x00c00000	/* main: itself; task B: 0x400000 */

/* CHECK32 with the saved EIP shown relative to \ref (a fault in a task
 * other than the one that ran the TRY) */
.macro CHECKR n, name, ref
t\n\()_res:
	PUTS32	"\name"
	pushl	$\ref
	call	report32
	addl	$4, %esp
.endm

/* a 32-bit TSS descriptor, limit 0x67, available */
.macro TSSD tss, sel
	movl	$\tss, %eax
	movl	$0x67, %ebx
	movl	$\sel, %edi
	movb	$0x89, %cl
	call	set_sys_desc
.endm

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
	movw	$S_TSS_MAIN, %ax
	ltr	%ax
	PUTS32	"sys_task: 32-bit hardware task switching\n"
	movl	MARK_LA, %eax
	SHOW32	"main reads the marker:", %eax

	/* ---- 1. JMP to a TSS and back ---- */
	movl	$0x11110001, %eax
	movl	$0x11110002, %ebx
	movl	$0x11110003, %ecx
	movl	$0x11110004, %edx
	movl	$0x11110005, %esi
	movl	$0x11110006, %edi
	movl	$0x11110007, %ebp
	ljmp	$S_TSS_A, $0
back1:
	movl	%cr0, %eax
	andl	$8, %eax
	SHOW32	"cr0.ts after the switch", %eax
	clts
	movl	tss_main + 0x20, %eax
	subl	$back1, %eax
	SHOW32	"main tss: eip - back1", %eax
	movl	tss_main + 0x24, %eax
	andl	$~0x8d5, %eax
	SHOW32	"main tss: eflags (not cf..of)", %eax
	SHOW32	"main tss: eax", tss_main + 0x28
	SHOW32	"main tss: ecx", tss_main + 0x2c
	SHOW32	"main tss: edx", tss_main + 0x30
	SHOW32	"main tss: ebx", tss_main + 0x34
	movl	tss_main + 0x38, %eax
	subl	$stack_top, %eax
	SHOW32	"main tss: esp - top", %eax
	SHOW32	"main tss: ebp", tss_main + 0x3c
	SHOW32	"main tss: esi", tss_main + 0x40
	SHOW32	"main tss: edi", tss_main + 0x44
	SHOW32	"main tss: es", tss_main + 0x48
	SHOW32	"main tss: cs", tss_main + 0x4c
	SHOW32	"main tss: ss", tss_main + 0x50
	SHOW32	"main tss: ds", tss_main + 0x54
	call	show_busy
	SHOW32	"A tss: link", tss_a
	movl	tss_a + 0x20, %eax
	subl	$a_left, %eax
	SHOW32	"A tss: eip - a_left", %eax

	/* ---- 2. CALL through a task gate, IRET back (nesting) ---- */
	lcall	$S_GATE_A, $0
	SHOW32	"A tss: link", tss_a
	movl	tss_a + 0x24, %eax
	andl	$NT, %eax
	SHOW32	"A tss: eflags.nt (IRET saves it clear)", %eax
	pushfl
	popl	%eax
	andl	$NT, %eax
	SHOW32	"main eflags.nt", %eax
	call	show_busy
	clts

	/* ---- 3. INT n through an IDT task gate: LDT and CR3 ---- */
	int	$0x40
	movl	MARK_LA, %eax
	SHOW32	"main reads the marker:", %eax
	movl	%cr3, %eax
	subl	$pd_main, %eax
	SHOW32	"main cr3 - pd_main", %eax
	SHOW32	"B tss: link", tss_b
	sldt	%ax
	movzwl	%ax, %eax
	SHOW32	"main ldtr", %eax
	movzbl	gdt + S_TSS_B + 5, %eax
	SHOW32	"B access byte", %eax
	clts

	/* ---- 4. a 16-bit TSS ---- */
	ljmp	$S_TSS16, $0
	movzwl	t16_ax, %eax
	SHOW32	"task16 saw ax", %eax
	movzwl	tss16 + 0x0e, %eax
	subl	$(t16_left - task16), %eax
	SHOW32	"tss16: ip - t16_left", %eax
	movzwl	tss16 + 0x18, %eax
	SHOW32	"tss16: bx", %eax
	movzwl	tss16 + 0x24, %eax
	SHOW32	"tss16: cs", %eax
	movzbl	gdt + S_TSS16 + 5, %eax
	SHOW32	"tss16 access byte", %eax
	clts

	/* ---- 5. faults before the commit point: the old task's context */
	TRY32	10
	ljmp	$S_TSS_MAIN, $0
	CHECK32	10, "jmp to the busy current task"
	orb	$2, gdt + S_TSS_A + 5
	TRY32	11
	lcall	$S_GATE_A, $0
	CHECK32	11, "call through a gate to a busy task"
	andb	$~2, gdt + S_TSS_A + 5
	TRY32	12
	lcall	$S_TSS_SHORT, $0
	CHECK32	12, "call a tss with limit 0x66"
	SHOW32	"  handler task's back link", ft_link
	SHOW32	"  access byte of main then", ft_busy
	TRY32	13
	ljmp	$S_TSS_NOTP, $0
	CHECK32	13, "jmp to a tss not present"
	TRY32	14
	ljmp	$S_GATE_NP, $0
	CHECK32	14, "jmp through a task gate not present"
	TRY32	15
	ljmp	$S_GATE_LDT, $0
	CHECK32	15, "jmp through a gate to an ldt selector"
	movw	$S_TSS_A, tss_main
	call	set_nt
	TRY32	16
	iret
	CHECK32	16, "iret, nt, link to an available tss"
	call	clear_nt
	movw	$S_DATA, tss_main
	call	set_nt
	TRY32	17
	iret
	CHECK32	17, "iret, nt, link to a data segment"
	call	clear_nt
	movw	$0x0c, tss_main
	call	set_nt
	TRY32	18
	iret
	CHECK32	18, "iret, nt, link in the ldt"
	call	clear_nt
	movw	$0, tss_main
	str	%ax
	movzwl	%ax, %eax
	SHOW32	"tr", %eax
	clts

	/* ---- 6. faults after the commit point: the new task's context */
	TRY32	20
	ljmp	$S_TSS_BADCS, $0
	CHECKR	20, "jmp to a task whose cs is data", task_bad
	call	show_fault_task
	TRY32	21
	lcall	$S_TSS_LDTBAD, $0
	CHECKR	21, "call a task whose ldt is a code segment", task_bad
	call	show_fault_task
	TRY32	22
	ljmp	$S_TSS_SSNP, $0
	CHECKR	22, "jmp to a task whose ss is not present", task_bad
	call	show_fault_task
	TRY32	23
	ljmp	$S_TSS_DSNP, $0
	CHECKR	23, "jmp to a task whose ds is not present", task_bad
	call	show_fault_task
	str	%ax
	movzwl	%ax, %eax
	SHOW32	"tr", %eax
	clts

	/* ---- 7. stack overflow into a guard page -> #DF task gate ---- */
	movl	%esp, good_esp
	movl	$(guard + 0x1008), %esp
	TRY32	30
	pushl	%eax
	pushl	%eax
	pushl	%eax
	CHECK32	30, "kernel stack overflow into the guard page"
	movl	ft_cr2, %eax
	subl	$guard, %eax
	SHOW32	"  cr2 - guard", %eax
	movl	ft_esp, %eax
	subl	$guard, %eax
	SHOW32	"  saved esp - guard", %eax
	SHOW32	"  handler task's back link", ft_link
	SHOW32	"  access byte of main then", ft_busy
	movl	%esp, %eax
	subl	good_esp, %eax
	SHOW32	"  esp - good esp", %eax
	clts

	/* ---- 8. far returns past the new CS limit: #GP(0), no change ---- */
	movl	%esp, good_esp
	TRY32	50
	pushl	$S_LIMCODE
	pushl	$0x2000
	lret
	CHECK32	50, "lret past the new cs limit"
	SHOW32	"  saved cs", exc_cs
	movl	%esp, %eax
	subl	good_esp, %eax
	SHOW32	"  esp - esp before", %eax
	movl	good_esp, %esp
	TRY32	51
	pushfl
	pushl	$S_LIMCODE
	pushl	$0x2000
	iret
	CHECK32	51, "iret past the new cs limit"
	SHOW32	"  saved cs", exc_cs
	movl	%esp, %eax
	subl	good_esp, %eax
	SHOW32	"  esp - esp before", %eax
	movl	good_esp, %esp
	TRY32	52
	pushl	$S_LIMCODE
	pushl	$(lim_back - lim_page)
	lret
	CHECK32	52, "lret within the limit"
	movl	good_esp, %esp
	TRY32	53
	int	$0x43
	CHECK32	53, "int to a gate offset past its cs limit"
	SHOW32	"  saved cs", exc_cs
	clts

	/* ---- 9. a ring-3 task ---- */
	ljmp	$S_TSS_R3, $0
	SHOW32	"r3 tss: cs", tss_r3 + 0x4c
	SHOW32	"r3 tss: ss", tss_r3 + 0x50
	movzbl	gdt + S_TSS_R3 + 5, %eax
	SHOW32	"r3 access byte", %eax
	call	show_busy

	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

set_nt:
	pushfl
	orl	$NT, (%esp)
	popfl
	ret
clear_nt:
	pushfl
	andl	$~NT, (%esp)
	popfl
	ret

show_busy:
	movzbl	gdt + S_TSS_MAIN + 5, %eax
	shll	$8, %eax
	movb	gdt + S_TSS_A + 5, %al
	SHOW32	"access bytes main:A", %eax
	ret

show_fault_task:
	SHOW32	"  faulting task", ft_link
	SHOW32	"  its access byte then", ft_busy
	SHOW32	"  its tss: cs", ft_cs
	ret

/* ---- task A: counts its entries in ESI (kept in its TSS) ---- */
task_a:
	incl	%esi
	PUTS32	"task A: entry "
	pushl	%eax
	movl	%esi, %eax
	call	puthex32
	PUTS32	" eax "
	popl	%eax
	call	puthex32
	PUTS32	" tr "
	str	%ax
	movzwl	%ax, %eax
	call	puthex32
	PUTS32	" link "
	movzwl	tss_a, %eax
	call	puthex32
	PUTS32	" eflags "
	pushfl
	popl	%eax
	andl	$~0x8d5, %eax
	call	puthex32
	PUTS32	" cr0.ts "
	movl	%cr0, %eax
	andl	$8, %eax
	call	puthex32
	PUTS32	"\n"
	clts
	movl	$0xa0000000, %eax
	addl	%esi, %eax
	pushfl
	testl	$NT, (%esp)
	popl	%ebx
	jnz	1f
	ljmp	$S_TSS_MAIN, $0
a_left:
	jmp	task_a
1:	iret
	jmp	task_a

/* ---- task B: its CS/SS/DS are in its LDT, its CR3 maps the marker
 * elsewhere; entered by INT 0x40 ---- */
task_b:
	PUTS32	"task B: ldtr "
	sldt	%ax
	movzwl	%ax, %eax
	call	puthex32
	PUTS32	" cs "
	movw	%cs, %ax
	movzwl	%ax, %eax
	call	puthex32
	PUTS32	" ss "
	movw	%ss, %ax
	movzwl	%ax, %eax
	call	puthex32
	PUTS32	" marker "
	movl	MARK_LA, %eax
	call	puthex32
	PUTS32	" link "
	movzwl	tss_b, %eax
	call	puthex32
	PUTS32	" eflags.nt "
	pushfl
	popl	%eax
	andl	$NT, %eax
	call	puthex32
	PUTS32	"\n"
	iret
	jmp	task_b

/* ---- the ring-3 task (IOPL 3 for COM1) ---- */
task_r3:
	movw	%cs, %ax
	movzwl	%ax, %eax
	SHOW32	"r3 task: cs", %eax
	TRY32	40
	ljmp	$S_TSS_A, $0
	CHECK32	40, "r3: jmp to a dpl 0 tss"
	SHOW32	"  saved cs", exc_cs
	TRY32	41
	int	$0x42
	CHECK32	41, "r3: int through a dpl 0 task gate"
	TRY32	42
	int	$0x41
	CHECK32	42, "r3: int through a dpl 3 task gate"
	ljmp	$(S_GATE_MAIN3 | 3), $0
	jmp	task_r3

/* ---- handler tasks for #DF, #TS, #NP, #SS (IDT task gates) ---- */
/* the stack is empty at the switches away, so that the error code the
 * next entry pushes is on top */
.macro FTASK vec, tss
ft\vec:
	popl	%ecx			/* the error code */
	movl	$\vec, %eax
	movl	$\tss, %ebx
	call	ftask
	testl	%eax, %eax
	jnz	1f
	iret
	jmp	ft\vec
1:	ljmp	$S_TSS_MAIN, $0
	jmp	ft\vec
.endm
	FTASK	8, tss_df
	FTASK	10, tss_ts
	FTASK	11, tss_np
	FTASK	12, tss_ss

/*
 * %eax vector, %ecx error code, %ebx this task's TSS.  The interrupted
 * task is our back link.  If it is main, it resumes at exc_resume (on
 * good_esp after #DF); any other task faulted after the commit point
 * and is abandoned: main (not busy any more) is resumed by a JMP.
 * Returns %eax 0 for IRET, 1 for that JMP.
 */
ftask:
	movl	%eax, exc_vec
	movl	%ecx, exc_err
	movl	%cr2, %eax
	movl	%eax, ft_cr2
	movzwl	(%ebx), %edx
	movl	%edx, ft_link
	movzbl	gdt + 5(%edx), %eax
	movl	%eax, ft_busy
	movl	gdt + 2(%edx), %esi
	andl	$0x00ffffff, %esi	/* the TSS base (below 16 MiB) */
	movl	0x20(%esi), %eax
	movl	%eax, exc_eip
	movl	0x38(%esi), %eax
	movl	%eax, ft_esp
	movl	0x4c(%esi), %eax
	movl	%eax, ft_cs
	cmpl	$S_TSS_MAIN, %edx
	jne	1f
	movl	exc_resume, %eax
	movl	%eax, 0x20(%esi)
	cmpl	$8, exc_vec
	jne	2f
	movl	good_esp, %eax
	movl	%eax, 0x38(%esi)
2:	xorl	%eax, %eax
	ret
1:	andb	$~2, gdt + 5(%edx)
	andb	$~2, gdt + S_TSS_MAIN + 5
	pushfl
	andl	$~NT, (%esp)
	popfl
	movl	$1, %eax
	ret

/* a task whose TSS is broken never runs: its entry */
task_bad:
	PUTS32	"FAIL: a broken task ran\n"
	movl	$99, %eax
	jmp	exit32

/* ---- setup ---- */
setup:
	/* markers: physical 0xc00000 and 0x400000 */
	movl	$0xc0c0c0c0, MARK_LA
	movl	$0x40404040, 0x400000
	/* page tables: 4 KiB pages below 4 MiB (guard unmapped), 4 MiB
	 * pages above; everything user-accessible */
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	orl	$7, %eax
	movl	%eax, pt0(,%ecx,4)
	incl	%ecx
	cmpl	$1024, %ecx
	jb	1b
	movl	$guard, %eax
	shrl	$12, %eax
	movl	$0, pt0(,%eax,4)
	movl	$pt0 + 7, pd_main
	movl	$1, %ecx
1:	movl	%ecx, %eax
	shll	$22, %eax
	orl	$0x87, %eax
	movl	%eax, pd_main(,%ecx,4)
	movl	%eax, pd_b(,%ecx,4)
	incl	%ecx
	cmpl	$16, %ecx
	jb	1b
	movl	$pt0 + 7, pd_b
	movl	$0x00400087, pd_b + 3 * 4
	movl	%cr4, %eax
	orl	$0x10, %eax			/* PSE */
	movl	%eax, %cr4
	movl	$pd_main, %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0

	/* TSSes */
	movl	$tss_main, %edi
	movl	$0, %eax
	movl	$stack_top, %ebx
	call	init_tss
	movl	$tss_a, %edi
	movl	$task_a, %eax
	movl	$a_stack_top, %ebx
	call	init_tss
	movl	$0xa0000000, tss_a + 0x28	/* EAX */
	movl	$0, tss_a + 0x40		/* ESI: entry count */
	movl	$tss_b, %edi
	movl	$task_b, %eax
	movl	$b_stack_top, %ebx
	call	init_tss
	movl	$pd_b, tss_b + 0x1c
	movw	$S_LDT_B, tss_b + 0x60
	movw	$0x04, tss_b + 0x4c		/* CS: LDT entry 0 */
	movw	$0x0c, tss_b + 0x50		/* SS, DS, ES: LDT entry 1 */
	movw	$0x0c, tss_b + 0x54
	movw	$0x0c, tss_b + 0x48
	.irp	t, df, ts, np, ss
	movl	$tss_\t, %edi
	movl	$0, %eax
	movl	$\t\()_stack_top, %ebx
	call	init_tss
	.endr
	movl	$ft8, tss_df + 0x20
	movl	$ft10, tss_ts + 0x20
	movl	$ft11, tss_np + 0x20
	movl	$ft12, tss_ss + 0x20
	.irp	t, short, notp, badcs, ldtbad, ssnp, dsnp
	movl	$tss_\t, %edi
	movl	$task_bad, %eax
	movl	$b_stack_top, %ebx
	call	init_tss
	.endr
	movw	$S_DATA, tss_badcs + 0x4c
	movw	$S_CODE, tss_ldtbad + 0x60
	movw	$S_NPDATA, tss_ssnp + 0x50
	movw	$S_NPDATA, tss_dsnp + 0x54
	movl	$tss_r3, %edi
	movl	$task_r3, %eax
	movl	$r3_stack_top, %ebx
	call	init_tss
	movl	$0x3002, tss_r3 + 0x24		/* IOPL 3 */
	movw	$(S_CODE3 | 3), tss_r3 + 0x4c
	.irp	o, 0x48, 0x50, 0x54, 0x58, 0x5c
	movw	$(S_DATA3 | 3), tss_r3 + \o
	.endr
	movl	$r3_kstack_top, tss_r3 + 4	/* ESP0 */
	movl	$S_DATA, tss_r3 + 8		/* SS0 */
	/* the 16-bit TSS: IP 0 in S_CODE16B (base task16) */
	movw	$0, tss16 + 0x0e
	movw	$2, tss16 + 0x10
	movw	$0x1616, tss16 + 0x12		/* AX */
	movw	$0x1010, tss16 + 0x18		/* BX */
	movw	$0x1000, tss16 + 0x1a		/* SP: 16-bit, in t16_stack */
	movw	$S_DATA, tss16 + 0x22		/* ES */
	movw	$S_CODE16B, tss16 + 0x24	/* CS */
	movw	$S_DATA, tss16 + 0x26		/* SS */
	movw	$S_DATA, tss16 + 0x28		/* DS */
	movw	$0, tss16 + 0x2a		/* LDT */

	/* GDT system descriptors */
	TSSD	tss_main, S_TSS_MAIN
	TSSD	tss_a, S_TSS_A
	TSSD	tss_b, S_TSS_B
	TSSD	tss_df, S_TSS_DF
	TSSD	tss_ts, S_TSS_TS
	TSSD	tss_np, S_TSS_NP
	TSSD	tss_ss, S_TSS_SS
	TSSD	tss_notp, S_TSS_NOTP
	TSSD	tss_badcs, S_TSS_BADCS
	TSSD	tss_r3, S_TSS_R3
	TSSD	tss_ldtbad, S_TSS_LDTBAD
	TSSD	tss_ssnp, S_TSS_SSNP
	TSSD	tss_dsnp, S_TSS_DSNP
	movb	$0x09, gdt + S_TSS_NOTP + 5
	movl	$tss_short, %eax
	movl	$0x66, %ebx
	movl	$S_TSS_SHORT, %edi
	movb	$0x89, %cl
	call	set_sys_desc
	movl	$tss16, %eax
	movl	$0x2b, %ebx
	movl	$S_TSS16, %edi
	movb	$0x81, %cl
	call	set_sys_desc
	movl	$ldt_b, %eax
	movl	$15, %ebx
	movl	$S_LDT_B, %edi
	movb	$0x82, %cl
	call	set_sys_desc
	/* S_CODE16B: 32-bit code, base task16, limit 0xfff */
	movl	$task16, %eax
	movw	$0x0fff, gdt + S_CODE16B
	movw	%ax, gdt + S_CODE16B + 2
	shrl	$16, %eax
	movb	%al, gdt + S_CODE16B + 4
	movb	$0x9b, gdt + S_CODE16B + 5
	movb	$0x40, gdt + S_CODE16B + 6
	movb	%ah, gdt + S_CODE16B + 7
	/* task gates */
	movl	$(S_TSS_A << 16), gdt + S_GATE_A
	movl	$0xe500, gdt + S_GATE_A + 4
	movl	$(S_TSS_MAIN << 16), gdt + S_GATE_MAIN3
	movl	$0xe500, gdt + S_GATE_MAIN3 + 4
	movl	$(S_TSS_A << 16), gdt + S_GATE_NP
	movl	$0x0500, gdt + S_GATE_NP + 4
	movl	$(0x0c << 16), gdt + S_GATE_LDT
	movl	$0x8500, gdt + S_GATE_LDT + 4

	/* IDT: interrupt gates to the stubs; task gates for #DF, #TS,
	 * #NP, #SS and vectors 0x40-0x42 */
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$4, %eax
	addl	$stubs, %eax
	call	set_idt
	incl	%ecx
	cmpl	$32, %ecx
	jb	1b
	movl	$8, %ecx
	movl	$S_TSS_DF, %eax
	movl	$0x8500, %ebx
	call	set_idt_task
	movl	$10, %ecx
	movl	$S_TSS_TS, %eax
	call	set_idt_task
	movl	$11, %ecx
	movl	$S_TSS_NP, %eax
	call	set_idt_task
	movl	$12, %ecx
	movl	$S_TSS_SS, %eax
	call	set_idt_task
	movl	$0x40, %ecx
	movl	$S_TSS_B, %eax
	call	set_idt_task
	movl	$0x42, %ecx
	movl	$S_TSS_A, %eax
	call	set_idt_task
	movl	$0x41, %ecx
	movl	$0xe500, %ebx
	call	set_idt_task
	/* S_LIMCODE: base lim_page, limit 0xfff; gate 0x43 -> 0x2000 in it */
	movl	$lim_page, %eax
	movw	%ax, gdt + S_LIMCODE + 2
	shrl	$16, %eax
	movb	%al, gdt + S_LIMCODE + 4
	movb	%ah, gdt + S_LIMCODE + 7
	movl	$0x43, %ecx
	movl	$0x2000, %eax
	call	set_idt
	movw	$S_LIMCODE, idt + 0x43 * 8 + 2
	lidt	idt_desc
	ret

/* %edi TSS, %eax EIP, %ebx ESP: ring 0, flat, CR3 pd_main, no LDT */
init_tss:
	pushl	%eax
	pushl	%edi
	xorl	%eax, %eax
	movl	$0x68, %ecx
	rep stosb
	popl	%edi
	popl	%eax
	movl	$pd_main, 0x1c(%edi)
	movl	%eax, 0x20(%edi)
	movl	$2, 0x24(%edi)
	movl	%ebx, 0x38(%edi)
	movl	$S_DATA, 0x48(%edi)
	movl	$S_CODE, 0x4c(%edi)
	movl	$S_DATA, 0x50(%edi)
	movl	$S_DATA, 0x54(%edi)
	movl	$S_DATA, 0x58(%edi)
	movl	$S_DATA, 0x5c(%edi)
	movw	$0x68, 0x66(%edi)
	ret
/* %eax base, %ebx limit (< 1 MiB), %edi selector, %cl access byte */
set_sys_desc:
	movw	%bx, gdt(%edi)
	movw	%ax, gdt + 2(%edi)
	shrl	$16, %eax
	movb	%al, gdt + 4(%edi)
	movb	%cl, gdt + 5(%edi)
	shrl	$16, %ebx
	movb	%bl, gdt + 6(%edi)
	movb	%ah, gdt + 7(%edi)
	ret
set_idt:
	movw	%ax, idt(,%ecx,8)
	movw	$S_CODE, idt + 2(,%ecx,8)
	movw	$0x8e00, idt + 4(,%ecx,8)
	shrl	$16, %eax
	movw	%ax, idt + 6(,%ecx,8)
	ret
/* %ecx vector, %eax TSS selector, %bx access:0 */
set_idt_task:
	movw	$0, idt(,%ecx,8)
	movw	%ax, idt + 2(,%ecx,8)
	movw	%bx, idt + 4(,%ecx,8)
	movw	$0, idt + 6(,%ecx,8)
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

/* Stack: ds, eax, vector, error, EIP, CS, EFLAGS [, ESP, SS]. */
common:
	pushl	%eax
	pushl	%ds
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movl	8(%esp), %eax
	movl	%eax, exc_vec
	movl	12(%esp), %eax
	movl	%eax, exc_err
	movl	16(%esp), %eax
	movl	%eax, exc_eip
	movl	20(%esp), %eax
	movl	%eax, exc_cs
	movl	exc_resume, %eax
	movl	%eax, 16(%esp)
	popl	%ds
	popl	%eax
	addl	$8, %esp
	iret

	LIB32
	REPORT32

/* task16: 32-bit code at offset 0 of S_CODE16B */
	.balign	16
task16:
	movw	%ax, t16_ax
	movl	$0x12345678, %ebx
	ljmp	$S_TSS_MAIN, $0
t16_left:
	jmp	task16

	/* S_LIMCODE's base: a return within its limit comes back */
	.balign	4096
lim_page:
	.skip	0xff0, 0xcc
lim_back:
	ljmp	$S_CODE, $t52_res
	.skip	9, 0xcc

	.data
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 code */
	.quad	0x00cf93000000ffff	/* 0x10 data */
	.quad	0x00cffb000000ffff	/* 0x18 code DPL 3 */
	.quad	0x00cff3000000ffff	/* 0x20 data DPL 3 */
	.fill	(S_NPDATA - 0x28) / 8, 8, 0
	.quad	0x00cf13000000ffff	/* 0xd0 data, not present */
	.quad	0x00409b0000000fff	/* 0xd8 code, limit 0xfff */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
idt_desc:
	.word	256 * 8 - 1
	.long	idt
ldt_b:
	.quad	0x00cf9b000000ffff	/* 0x04 code */
	.quad	0x00cf93000000ffff	/* 0x0c data */

	.bss
	.balign	4096
pd_main:	.skip	4096
pd_b:		.skip	4096
pt0:		.skip	4096
idt:		.skip	256 * 8
	.balign	128
tss_main:	.skip	128
tss_a:		.skip	128
tss_b:		.skip	128
tss_df:		.skip	128
tss_ts:		.skip	128
tss_np:		.skip	128
tss_ss:		.skip	128
tss_short:	.skip	128
tss_notp:	.skip	128
tss_badcs:	.skip	128
tss_ldtbad:	.skip	128
tss_ssnp:	.skip	128
tss_dsnp:	.skip	128
tss_r3:		.skip	128
tss16:		.skip	128
	.balign	4
exc_resume:	.long	0
exc_vec:	.long	0
exc_err:	.long	0
exc_eip:	.long	0
exc_cs:		.long	0
ft_link:	.long	0
ft_busy:	.long	0
ft_cr2:		.long	0
ft_esp:		.long	0
ft_cs:		.long	0
good_esp:	.long	0
t16_ax:		.long	0
	.balign	4096
	.skip	2048
a_stack_top:
	.skip	2048
b_stack_top:
	.skip	1024
df_stack_top:
	.skip	1024
ts_stack_top:
	.skip	1024
np_stack_top:
	.skip	1024
ss_stack_top:
	.skip	2048
r3_stack_top:
	.skip	2048
r3_kstack_top:
	.balign	4096
guard:	.skip	4096		/* not mapped */
	.skip	8192
stack_top:
