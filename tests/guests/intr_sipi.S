/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr_sipi.S: multiboot guest run with -c 5 that brings up its four APs
 * one at a time the MP way (INIT, then a STARTUP IPI with a physical
 * destination; SDM vol. 3 §9.4.4), each through a real-mode trampoline
 * on a different page below 1 MiB, page 0 included.  Each AP records the
 * CS it started with (vector << 8) and checks in.  Then a second SIPI to
 * a running AP must be ignored, and INIT + SIPI re-starts AP 1 at another
 * page.
 */
#include "guest.h"
#include "intr_lib.h"

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	INTR_BOOT
	PUTS32	"intr_sipi: INIT/SIPI bring-up of 4 APs\n"
	call	apic_id
	testl	%eax, %eax
	jz	1f
	FAIL32	1
1:	xorl	%esi, %esi
2:	incl	%esi
	movl	%esi, %ebx			/* APIC ID = vCPU id */
	movl	pages - 4(,%esi,4), %edi
	call	start_ap
	call	show_ap
	cmpl	$4, %esi
	jb	2b
	cmpl	$4, ap_count
	jne	9f

	/* A SIPI to a running AP is ignored (SDM §9.4.4.1: only in
	 * wait-for-SIPI); an INIT + SIPI starts it again elsewhere. */
	movl	$(1 << 24), %edx
	movl	$0x00004620, %eax		/* SIPI vector 0x20: ignored */
	call	icr_send
	movl	$1, %ebx
	movl	$0x30000, %edi
	call	start_ap
	PUTS32	"re-INIT: "
	movl	$1, %esi
	call	show_ap
	cmpl	$5, ap_count
	jne	9f
	cmpl	$0, strays
	jne	9f
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32
9:	FAIL32	2

/* Print "AP <esi> started at CS=<hex>", check CS = page >> 4. */
show_ap:
	PUTS32	"AP "
	movl	%esi, %eax
	call	putdec32
	PUTS32	" started in real mode at CS="
	movzwl	ap_cs(,%esi,2), %eax
	call	puthex32
	PUTS32	"\n"
	movl	%edi, %edx
	shrl	$4, %edx
	cmpl	%edx, %eax
	je	1f
	FAIL32	3
1:	ret

ap_main:
	ret

	LIB32
	INTR_LIB
	SMP_LIB	0x8000

	.section .rodata
pages:	.long	0x00000, 0x9f000, 0x08000, 0x10000

	INTR_DATA
