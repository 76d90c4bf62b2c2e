/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_cmpxchg.S: multiboot guest run with -c 2.  Both vCPUs take one
 * spinlock ITERS times each with `lock cmpxchgl` (0 -> own APIC ID + 1),
 * then a second one with `lock cmpxchg8b`, retrying a failed CMPXCHG at
 * once and releasing with a plain store, as Linux's locks do.  ZF=1 must
 * mean the CMPXCHG wrote (SDM vol. 2 "CMPXCHG": ZF is set iff the
 * destination equalled the accumulator and was replaced), so inside the
 * lock the lock word must hold our own value: every time it does not is
 * counted as a violation.  The counters under the locks must end at
 * exactly 2 x ITERS.
 *
 * Regression: the emu re-read memory after a failed host CAS and called
 * the CMPXCHG successful when the re-read found the expected value (the
 * other vCPU had released the lock in between): two owners of one lock.
 * In a Debian guest that sent a kernfs rwsem's count to -1 and hung
 * module loading on -c 2 (docs/interrupts.md, "Bugs these found").  The
 * same run of the old code counts thousands of violations here (HOLD
 * makes every release land while the other vCPU spins on its CMPXCHG).
 * CMPXCHG8B took ZF from the CAS itself and was not affected; its phase
 * guards it.
 */
#include "guest.h"
#include "intr_lib.h"

#define NCPU		2
#ifndef ITERS
#define ITERS		200000
#endif
#ifndef HOLD
#define HOLD		16
#endif

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	PUTS32	"intr_cmpxchg: 2 vCPUs x 200000 cmpxchg / cmpxchg8b lock rounds\n"
	call	start_aps
	movl	$(NCPU - 1), %eax
	call	wait_aps
	PUTS32	"1 AP up\n"
	call	work
1:	pause
	cmpl	$NCPU, done
	jb	1b
	PUTS32	"cmpxchg lock:   "
	movl	cnt_cx, %eax
	call	putdec32
	PUTS32	" rounds, violations "
	movl	bad_cx, %eax
	call	putdec32
	PUTS32	"\ncmpxchg8b lock: "
	movl	cnt_c8, %eax
	call	putdec32
	PUTS32	" rounds, violations "
	movl	bad_c8, %eax
	call	putdec32
	PUTS32	"\n"
	cmpl	$(NCPU * ITERS), cnt_cx
	jne	9f
	cmpl	$(NCPU * ITERS), cnt_c8
	jne	9f
	cmpl	$0, bad_cx
	jne	9f
	cmpl	$0, bad_c8
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

/*
 * A short wait while holding the lock (the other vCPU is then spinning on
 * its CMPXCHG when we release) and after releasing it (so the other one
 * gets it and the roles alternate).
 */
hold:
	movl	$HOLD, %ecx
1:	decl	%ecx
	jnz	1b
	ret

work:
	call	apic_id
	leal	1(%eax), %esi			/* our lock value: ID + 1 */

	/* lock cmpxchgl: a failed attempt is retried at once */
	movl	$NCPU, %edx
	call	barrier
	movl	$ITERS, %edi
1:	xorl	%eax, %eax
	lock cmpxchgl %esi, lockw
	jnz	1b
	cmpl	%esi, lockw			/* ZF=1: it must be ours */
	je	2f
	lock incl bad_cx
2:	incl	cnt_cx
	call	hold
	movl	$0, lockw			/* release: a plain store */
	call	hold
	decl	%edi
	jnz	1b

	/* lock cmpxchg8b: EDX:EAX = 0 expected, ECX:EBX = ours */
	movl	$(2 * NCPU), %edx
	call	barrier
	movl	$ITERS, %edi
1:	xorl	%eax, %eax
	xorl	%edx, %edx
	movl	%esi, %ebx
	xorl	%ecx, %ecx
	lock cmpxchg8b lockq
	jnz	1b
	cmpl	%esi, lockq
	jne	3f
	cmpl	$0, lockq + 4
	je	2f
3:	lock incl bad_c8
2:	incl	cnt_c8
	call	hold
	movl	$0, lockq
	call	hold
	decl	%edi
	jnz	1b

	lock incl done
	ret

	LIB32
	INTR_LIB
	SMP_LIB	0x8000

	.data
	.balign	4096
lockw:		.long	0
	.balign	64
lockq:		.quad	0
	.balign	64
bad_cx:		.long	0
bad_c8:		.long	0
	/* the plain counters the locks protect: a page of their own */
	.balign	4096
cnt_cx:		.long	0
	.balign	64
cnt_c8:		.long	0
	.balign	64
bar_count:	.long	0
done:		.long	0

	INTR_DATA
