/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_adrace.S: multiboot guest run with -c 2: the page walker's accessed
 * and dirty bit updates race with an OS clearing them (SDM vol. 3A 4.8:
 * the processor sets A/D with locked operations).  The AP touches 16
 * pages over and over (INVLPG, then a read of the even pages and a write
 * of the odd ones), so each touch walks the page tables.  The BSP clears
 * A and D in their PTEs with LOCK CMPXCHG, as an OS harvesting dirty bits
 * does, and in the same update counts in the PTE's available bits 11:9.
 * Exact invariants, valid on any correct CPU:
 *   - every value the BSP replaces has the same frame and P/W/U bits and
 *     the count it wrote last: the CPU never changes a bit other than A/D
 *     (a walker that wrote back a stale PTE would lose counts);
 *   - D is never set on a page that is only read;
 *   - at checkpoints (the BSP clears, the AP then touches every page once
 *     more and acknowledges), every PTE has A set, and D set exactly on the
 *     written pages: no A/D update is lost across a clear.
 */
#include "guest.h"
#include "intr_lib.h"

#define NPAGES		16
#define ROUNDS		30000
#define CKPT_EVERY	1000

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	PUTS32	"sys_adrace: A/D bits against locked clears on another vCPU\n"
	call	build_tables
	call	start_aps
	movl	$1, %eax
	call	wait_aps
	call	paging_on
1:	pause
	cmpl	$0, ap_running
	je	1b

	movl	$1, %ebp			/* round */
round:
	xorl	%edi, %edi
1:	call	clear_one
	incl	%edi
	cmpl	$NPAGES, %edi
	jb	1b
	movl	%ebp, %eax
	xorl	%edx, %edx
	movl	$CKPT_EVERY, %ecx
	divl	%ecx
	testl	%edx, %edx
	jnz	2f
	call	checkpoint
2:	incl	%ebp
	cmpl	$ROUNDS, %ebp
	jbe	round

	movl	$1, stop
1:	pause
	cmpl	$0, t_done
	je	1b
	/* the final values: frames, P/W/U and the counts */
	xorl	%edi, %edi
1:	movl	tp_pte, %ebx
	movl	(%ebx,%edi,4), %eax
	call	check_fields
	incl	%edi
	cmpl	$NPAGES, %edi
	jb	1b

	PUTS32	"rounds: "
	movl	$ROUNDS, %eax
	call	putdec32
	PUTS32	" over "
	movl	$NPAGES, %eax
	call	putdec32
	PUTS32	" pages\nlocked clears: "
	movl	nclears, %eax
	call	putdec32
	PUTS32	"\ncheckpoints: "
	movl	nckpt, %eax
	call	putdec32
	PUTS32	", PTEs with A/D wrong after the touch: "
	movl	bad_ckpt, %eax
	call	putdec32
	PUTS32	"\nPTE bits other than A/D changed: "
	movl	bad_fields, %eax
	call	putdec32
	PUTS32	"\nD set by a read: "
	movl	d_on_read, %eax
	call	putdec32
	PUTS32	"\ndata through the mappings wrong: "
	movl	bad_data, %eax
	call	putdec32
	PUTS32	"\n"
	movl	bad_ckpt, %eax
	orl	bad_fields, %eax
	orl	d_on_read, %eax
	orl	bad_data, %eax
	jnz	9f
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
9:	FAIL32	1

/*
 * Clear A and D of page %edi's PTE and count in bits 11:9, one LOCK
 * CMPXCHG; check the value it replaced.
 */
clear_one:
	pushl	%ebx
	movl	tp_pte, %ebx
	leal	(%ebx,%edi,4), %ebx
1:	movl	(%ebx), %eax
	movl	%eax, %edx
	addl	$0x200, %edx
	andl	$0xe00, %edx
	movl	%eax, %ecx
	andl	$~0xe60, %ecx
	orl	%ecx, %edx
	lock cmpxchgl %edx, (%ebx)
	jnz	1b
	incl	nclears
	call	check_fields
	testl	$1, %edi
	jnz	2f
	testl	$0x40, %eax
	jz	2f
	incl	d_on_read
2:	incl	count(,%edi,4)
	popl	%ebx
	ret

/* %eax: a PTE value of page %edi; frame, P/W/U and count must hold */
check_fields:
	pushl	%eax
	pushl	%ecx
	movl	%eax, %ecx
	andl	$~0xe60, %ecx
	movl	%edi, %edx
	shll	$12, %edx
	addl	$tpages + 7, %edx
	cmpl	%edx, %ecx
	jne	1f
	shrl	$9, %eax
	andl	$7, %eax
	movl	count(,%edi,4), %ecx
	andl	$7, %ecx
	cmpl	%ecx, %eax
	je	2f
1:	incl	bad_fields
2:	popl	%ecx
	popl	%eax
	ret

/* clear everything, let the AP touch every page once, check A/D exactly */
checkpoint:
	pushl	%ebp
	xorl	%edi, %edi
1:	call	clear_one
	incl	%edi
	cmpl	$NPAGES, %edi
	jb	1b
	incl	nckpt
	movl	nckpt, %eax
	movl	%eax, ckpt_req
1:	pause
	cmpl	%eax, ckpt_ack
	jne	1b
	xorl	%edi, %edi
1:	movl	tp_pte, %ebx
	movl	(%ebx,%edi,4), %eax
	andl	$0x60, %eax
	movl	$0x60, %ecx			/* written: A and D */
	testl	$1, %edi
	jnz	2f
	movl	$0x20, %ecx			/* read: A only */
2:	cmpl	%ecx, %eax
	je	3f
	incl	bad_ckpt
3:	incl	%edi
	cmpl	$NPAGES, %edi
	jb	1b
	popl	%ebp
	ret

/* 32-bit paging: 4 KiB pages below 4 MiB, 4 MiB pages above (PSE) */
build_tables:
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	orl	$7, %eax
	movl	%eax, pt0(,%ecx,4)
	incl	%ecx
	cmpl	$1024, %ecx
	jb	1b
	movl	$pt0 + 7, pd
	movl	$1, %ecx
1:	movl	%ecx, %eax
	shll	$22, %eax
	orl	$0x87, %eax
	movl	%eax, pd(,%ecx,4)
	incl	%ecx
	cmpl	$1024, %ecx
	jb	1b
	movl	$tpages, %eax
	shrl	$10, %eax			/* (tpages >> 12) * 4 */
	addl	$pt0, %eax
	movl	%eax, tp_pte
	ret

paging_on:
	movl	%cr4, %eax
	orl	$0x10, %eax
	movl	%eax, %cr4
	movl	$pd, %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	jmp	1f
1:	ret

/* ---- the AP: touch the pages until told to stop ---- */
ap_main:
	call	paging_on
	movl	$1, ap_running
1:	call	touch_all
	movl	ckpt_req, %eax
	cmpl	ckpt_ack, %eax
	je	2f
	/* the BSP cleared everything before publishing the request */
	call	touch_all
	movl	%eax, ckpt_ack
2:	cmpl	$0, stop
	je	1b
	movl	$1, t_done
3:	cli
	hlt
	jmp	3b

/* INVLPG then read (even) or write and read back (odd) each page */
touch_all:
	pushl	%eax
	xorl	%edi, %edi
1:	movl	%edi, %esi
	shll	$12, %esi
	addl	$tpages, %esi
	invlpg	(%esi)
	testl	$1, %edi
	jz	2f
	movl	%edi, (%esi)
	cmpl	%edi, (%esi)
	je	3f
	lock incl bad_data
	jmp	3f
2:	cmpl	$0, (%esi)
	je	3f
	lock incl bad_data
3:	incl	%edi
	cmpl	$NPAGES, %edi
	jb	1b
	popl	%eax
	ret

	LIB32
	INTR_LIB
	SMP_LIB	0x8000

	/* its own pages: a write near code would re-decode it each time */
	.data
	.balign	4096
ckpt_req:	.long	0
	.balign	64
ckpt_ack:	.long	0
	.balign	64
stop:		.long	0
t_done:		.long	0
ap_running:	.long	0
bad_data:	.long	0
	.balign	64
tp_pte:		.long	0
nclears:	.long	0
nckpt:		.long	0
bad_ckpt:	.long	0
bad_fields:	.long	0
d_on_read:	.long	0
count:		.fill	NPAGES, 4, 0

	INTR_DATA

	.bss
	.balign	4096
pd:		.skip	4096
pt0:		.skip	4096
tpages:		.skip	NPAGES * 4096
