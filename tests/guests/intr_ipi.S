/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_ipi.S: multiboot guest run with -c 4.  A token passes around the
 * ring of four vCPUs as fixed IPIs (physical destination, SDM vol. 3
 * §11.6.1): each handler sends it to the next APIC ID, 1000 rounds; every
 * vCPU sleeps in sti; hlt between tokens, so each hop is an IPI waking a
 * halted vCPU.  Then one all-excluding-self broadcast and one self IPI.
 */
#include "guest.h"
#include "intr_lib.h"

#define NCPU		4
#define ROUNDS		1000
#define V_TOKEN		0x40
#define V_BCAST		0x41
#define V_SELF		0x42

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	GATE	V_TOKEN, token
	GATE	V_BCAST, bcast
	GATE	V_SELF, self
	PUTS32	"intr_ipi: IPI ping-pong among 4 vCPUs\n"
	call	start_aps
	movl	$(NCPU - 1), %eax
	call	wait_aps
	/* The APs announce that they sleep with IF=1. */
1:	pause
	cmpl	$(NCPU - 1), ready
	jb	1b
	sti
	movl	$(1 << 24), %edx		/* the first token to CPU 1 */
	movl	$V_TOKEN, %eax
	call	icr_send
1:	cli					/* no wake-up lost: sti; hlt */
	cmpl	$ROUNDS, rounds
	jae	2f
	sti
	hlt
	jmp	1b
2:	sti
	PUTS32	"1000 rounds: "
	xorl	%esi, %esi
2:	movl	hits(,%esi,4), %eax
	call	putdec32
	PUTS32	" "
	incl	%esi
	cmpl	$NCPU, %esi
	jb	2b
	PUTS32	"\n"
	xorl	%esi, %esi
2:	cmpl	$ROUNDS, hits(,%esi,4)
	jne	9f
	incl	%esi
	cmpl	$NCPU, %esi
	jb	2b

	/* Broadcast to all but self: the three APs. */
	xorl	%edx, %edx
	movl	$(0x000c0000 | V_BCAST), %eax
	call	icr_send
1:	pause
	cmpl	$(NCPU - 1), bcasts
	jb	1b
	PUTS32	"broadcast: 3 APs took it\n"
	/* Self IPI (shorthand 01). */
	movl	$(0x00040000 | V_SELF), %eax
	call	icr_send
1:	cli
	cmpl	$1, selfs
	jae	2f
	sti
	hlt
	jmp	1b
2:
	PUTS32	"self IPI taken\n"
	cli
	cmpl	$0, strays
	jne	9f
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
9:	FAIL32	1

ap_main:
	lock incl ready
	sti
1:	hlt
	jmp	1b

/* The token: count it, pass it to the next CPU in the ring. */
token:
	pushl	%eax
	pushl	%edx
	call	apic_id
	lock incl hits(,%eax,4)
	testl	%eax, %eax
	jnz	1f
	incl	rounds				/* CPU 0 closes a round */
	cmpl	$ROUNDS, rounds
	jae	2f
1:	incl	%eax
	andl	$(NCPU - 1), %eax
	movl	%eax, %edx
	shll	$24, %edx
	movl	$V_TOKEN, %eax
	call	icr_send
2:	LAPIC_EOI_
	popl	%edx
	popl	%eax
	iret

bcast:
	lock incl bcasts
	LAPIC_EOI_
	iret

self:
	lock incl selfs
	LAPIC_EOI_
	iret

	LIB32
	INTR_LIB
	SMP_LIB	0x8000

	.data
	.balign	4096
hits:	.fill	NCPU, 4, 0
rounds:	.long	0
ready:	.long	0
bcasts:	.long	0
selfs:	.long	0

	INTR_DATA
