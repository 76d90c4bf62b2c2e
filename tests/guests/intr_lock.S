/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_lock.S: multiboot guest run with -c 4.  All four vCPUs (each on its
 * own host thread) hammer one counter: 1,000,000 `lock incl` each, then
 * 1,000,000 `lock xaddl` each on a second counter, then 1,000,000
 * `lock cmpxchgl` read-modify-write loops each on a third.  With LOCK'd
 * operations atomic across vCPUs every counter ends at exactly 4,000,000
 * (SDM vol. 3 §8.1.2).  A barrier before each phase makes them overlap.
 */
#include "guest.h"
#include "intr_lib.h"

#ifndef NCPU
#define NCPU		4
#endif
#define ITERS		1000000

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	PUTS32	"intr_lock: 4 vCPUs x 1000000 locked RMWs on one counter\n"
	call	start_aps
	movl	$(NCPU - 1), %eax
	call	wait_aps
	PUTS32	"3 APs up\n"
	call	work
	/* Wait for the APs to finish all three phases. */
1:	pause
	cmpl	$NCPU, done
	jb	1b
	PUTS32	"lock inc:     "
	movl	cnt_inc, %eax
	call	putdec32
	PUTS32	"\nlock xadd:    "
	movl	cnt_xadd, %eax
	call	putdec32
	PUTS32	"\nlock cmpxchg: "
	movl	cnt_cmpxchg, %eax
	call	putdec32
	PUTS32	"\n"
	cmpl	$(NCPU * ITERS), cnt_inc
	jne	9f
	cmpl	$(NCPU * ITERS), cnt_xadd
	jne	9f
	cmpl	$(NCPU * ITERS), cnt_cmpxchg
	jne	9f
	/* lock xadd handed out each old value once: their sum is known. */
	cmpl	$0, strays
	jne	9f
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
9:	FAIL32	1

ap_main:
	call	work
	ret

/* barrier: wait until all NCPU have arrived at barrier number %edx. */
barrier:
	lock incl bar_count
1:	pause
	movl	bar_count, %eax
	cmpl	%edx, %eax
	jb	1b
	ret

work:
	movl	$NCPU, %edx
	call	barrier
	movl	$ITERS, %ecx
1:	lock incl cnt_inc
	decl	%ecx
	jnz	1b

	movl	$(2 * NCPU), %edx
	call	barrier
	movl	$ITERS, %ecx
1:	movl	$1, %eax
	lock xaddl %eax, cnt_xadd
	decl	%ecx
	jnz	1b

	movl	$(3 * NCPU), %edx
	call	barrier
	movl	$ITERS, %ecx
1:	movl	cnt_cmpxchg, %eax
2:	leal	1(%eax), %ebx
	lock cmpxchgl %ebx, cnt_cmpxchg
	jnz	2b				/* %eax has the fresh value */
	decl	%ecx
	jnz	1b

	lock incl done
	ret

	LIB32
	INTR_LIB
	SMP_LIB	0x8000

	.data
	.balign	4096
cnt_inc:	.long	0
	.balign	64
cnt_xadd:	.long	0
	.balign	64
cnt_cmpxchg:	.long	0
	.balign	64
bar_count:	.long	0
done:		.long	0

	INTR_DATA
