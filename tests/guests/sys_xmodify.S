/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_xmodify.S: multiboot guest run with -c 2: cross-modifying code (SDM
 * vol. 3A 8.1.3).  Each round the BSP asks the AP to patch code, waits for
 * its "done" flag, runs CPUID (serializing, as the SDM's protocol asks) and
 * then runs the patched code: an immediate in the same block as the wait
 * loop, and a function on another page (its immediate and, every other
 * round, its opcode).  The BSP must see every new version; the AP writes
 * through a page the BSP keeps executing from, so the emulator's decoded
 * blocks and write TLB entries are exercised on both sides.
 */
#include "guest.h"
#include "intr_lib.h"

#define ROUNDS		3000

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	PUTS32	"sys_xmodify: code patched by another vCPU\n"
	call	start_aps
	movl	$1, %eax
	call	wait_aps
	/* warm up: both pieces decoded and cached */
	call	far_fn
	movl	$1, %esi
round:
	movl	%esi, req
1:	pause
	cmpl	%esi, done
	jne	1b
	pushl	%esi
	xorl	%eax, %eax
	cpuid
	popl	%esi
site:
	movl	$0, %eax		/* the AP patches the immediate */
	cmpl	%esi, %eax
	je	2f
	incl	stale_site
2:	call	far_fn
	movl	%esi, %ecx
	testl	$1, %esi
	jz	3f
	notl	%ecx			/* odd rounds: NOT of the value */
3:	cmpl	%ecx, %eax
	je	4f
	incl	stale_far
4:	incl	%esi
	cmpl	$ROUNDS, %esi
	jbe	round
	movl	$0xffffffff, req	/* AP: stop */

	PUTS32	"rounds: "
	movl	$ROUNDS, %eax
	call	putdec32
	PUTS32	"\nstale runs of the patched immediate: "
	movl	stale_site, %eax
	call	putdec32
	PUTS32	"\nstale runs of the patched function: "
	movl	stale_far, %eax
	call	putdec32
	PUTS32	"\n"
	movl	stale_site, %eax
	orl	stale_far, %eax
	jnz	9f
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
9:	FAIL32	1

/*
 * The AP: for round k, write k into the site's immediate, and rewrite
 * far_fn as "mov $k, %eax; ret" (even k) or "mov $~k, %eax; ret" (odd k,
 * as "mov $k, %eax; not %eax; ret"), then publish k in done.
 */
ap_main:
	movl	$1, %esi
1:	cmpl	%esi, req
	je	2f
	cmpl	$0xffffffff, req
	je	3f
	pause
	jmp	1b
2:	movl	%esi, site + 1
	movb	$0xb8, far_fn			/* mov $imm32, %eax */
	movl	%esi, far_fn + 1
	testl	$1, %esi
	jz	4f
	movw	$0xd0f7, far_fn + 5		/* not %eax */
	movb	$0xc3, far_fn + 7		/* ret */
	jmp	5f
4:	movb	$0xc3, far_fn + 5		/* ret */
5:	movl	%esi, done
	incl	%esi
	jmp	1b
3:	cli
	hlt
	jmp	3b

	.balign	4096
far_fn:
	movl	$0, %eax
	ret
	.skip	16, 0x90

	LIB32
	INTR_LIB
	SMP_LIB	0x8000

	.data
	.balign	64
req:		.long	0
	.balign	64
done:		.long	0
stale_site:	.long	0
stale_far:	.long	0

	INTR_DATA
