/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_lock.S: multiboot guest run with -c 4.  All four vCPUs (each on its
 * own host thread) hammer one counter: 1,000,000 `lock incl` each, then
 * 1,000,000 `lock xaddl` each on a second counter, then 1,000,000
 * `lock cmpxchgl` read-modify-write loops each on a third, then 250,000
 * critical sections each under an `xchgl` spinlock around a plain `incl`.
 * With LOCK'd operations (and XCHG) atomic across vCPUs every counter ends
 * exact: 4,000,000 and 1,000,000 (SDM vol. 3 §8.1.2).  A barrier before
 * each phase makes them overlap.
 *
 * Variants (guests.mk): LOCK_CODE keeps the counters and the lock word on
 * the page holding the loops (decoded code: the emu's write fast path is
 * off there), LOCK_SPLIT makes each of them straddle a page boundary (a
 * split lock: the emu's stop-the-world path).
 */
#include "guest.h"
#include "intr_lib.h"

#ifndef NCPU
#define NCPU		4
#endif
#ifndef ITERS
#define ITERS		1000000
#endif
#define XITERS		(ITERS / 4)

#if defined(LOCK_CODE)
#define HEADER	"intr_lock_code: 4 vCPUs x 1000000 locked RMWs, counters on the code page\n"
#elif defined(LOCK_SPLIT)
#define HEADER	"intr_lock_split: 4 vCPUs x 1000000 locked RMWs, counters straddling pages\n"
#else
#define HEADER	"intr_lock: 4 vCPUs x 1000000 locked RMWs, one counter\n"
#endif

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	PUTS32	HEADER
	call	start_aps
	movl	$(NCPU - 1), %eax
	call	wait_aps
	PUTS32	"3 APs up\n"
	call	work
	/* Wait for the APs to finish all four phases. */
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
	PUTS32	"\nxchg lock:    "
	movl	cnt_xchg, %eax
	call	putdec32
	PUTS32	"\n"
	cmpl	$(NCPU * ITERS), cnt_inc
	jne	9f
	cmpl	$(NCPU * ITERS), cnt_xadd
	jne	9f
	cmpl	$(NCPU * ITERS), cnt_cmpxchg
	jne	9f
	cmpl	$(NCPU * XITERS), cnt_xchg
	jne	9f
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

	/* LOCK_CODE: the loops and the counters share this page. */
	.balign	4096
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

	/* test-and-test-and-set spinlock: the plain incl is protected */
	movl	$(4 * NCPU), %edx
	call	barrier
	movl	$XITERS, %ecx
1:	movl	$1, %eax
	xchgl	%eax, lockw
	testl	%eax, %eax
	jz	3f
2:	pause
	cmpl	$0, lockw
	jne	2b
	jmp	1b
3:	incl	cnt_xchg
	xorl	%eax, %eax
	xchgl	%eax, lockw			/* release, locked as well */
	decl	%ecx
	jnz	1b

	lock incl done
	ret

#if defined(LOCK_CODE)
	.balign	64
cnt_inc:	.long	0
	.balign	64
cnt_xadd:	.long	0
	.balign	64
cnt_cmpxchg:	.long	0
	.balign	64
lockw:		.long	0
#endif

	LIB32
	INTR_LIB
	SMP_LIB	0x8000

	.data
#if defined(LOCK_SPLIT)
	/* each one at page offset 0xffe: two bytes on either side */
	.balign	4096
	.skip	4094
cnt_inc:	.long	0
	.skip	4092
cnt_xadd:	.long	0
	.skip	4092
cnt_cmpxchg:	.long	0
	.skip	4092
lockw:		.long	0
#elif !defined(LOCK_CODE)
	.balign	4096
cnt_inc:	.long	0
	.balign	64
cnt_xadd:	.long	0
	.balign	64
cnt_cmpxchg:	.long	0
	.balign	64
lockw:		.long	0
#endif
	/* the plain counter the xchg lock protects: a page of its own */
	.balign	4096
cnt_xchg:	.long	0
	.balign	64
bar_count:	.long	0
done:		.long	0

	INTR_DATA
