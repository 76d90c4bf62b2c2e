/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alu16.S: multiboot guest that copies the real-mode ALU blob (alu16_rm.S,
 * included as a flat binary) to 0x10000 and enters it through a 16-bit
 * code segment based there; the blob then leaves protected mode (SDM vol. 3
 * 9.9.2) and runs the ALU groups in real mode.
 */
#include "guest.h"

#define SEL_CODE16	0x08
#define SEL_DATA16	0x10
#define RM_BASE		0x10000

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	cld
	movl	$blob, %esi
	movl	$RM_BASE, %edi
	movl	$(blob_end - blob), %ecx
	rep movsb
	lgdt	gdt_desc
	/* Into the blob's 16-bit protected-mode stub at its offset 0. */
	ljmp	$SEL_CODE16, $0

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00009a010000ffff	/* 0x08: 16-bit code, base 0x10000 */
	.quad	0x000092000000ffff	/* 0x10: 16-bit data, base 0, 64 KiB */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
blob:
	.incbin	"alu16_rm.bin"
blob_end:

	.bss
	.balign	16
	.skip	4096
stack_top:
