/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fw_cfg.S: multiboot guest for -f: reads QEMU's fw_cfg (ports 0x510
 * selector, 0x511 data, 0x514/0x518 DMA) as firmware does: the signature
 * and feature ID, the vCPU count, the file directory, a -f string= item
 * through the data port and again by DMA (same bytes, control 0), a -f
 * file= item by DMA (printed), the DMA signature, and a DMA request past
 * the end of an item (zeros).  run.sh passes
 *   -f opt/lhyve/greeting,string=hello from fw_cfg
 *   -f opt/lhyve/file,file=tests/guests/fw_cfg.txt
 */
#include "guest.h"

#define FW_SEL		0x510
#define FW_DATA		0x511
#define FW_DMA_HI	0x514
#define FW_DMA_LO	0x518
#define DMA_READ	0x02
#define DMA_SELECT	0x08

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	PUTS32	"fw_cfg: QEMU firmware configuration\n"

	/* Signature: key 0, "QEMU". */
	xorl	%eax, %eax
	call	fw_select
	movl	$tmp, %edi
	movl	$4, %ecx
	call	fw_read
	cmpl	$0x554d4551, tmp
	je	1f
	FAIL32	2
1:	PUTS32	"signature QEMU\n"

	/* ID: traditional (bit 0) and DMA (bit 1). */
	movl	$1, %eax
	call	fw_select
	movl	$tmp, %edi
	movl	$4, %ecx
	call	fw_read
	PUTS32	"id "
	movl	tmp, %eax
	call	puthex32
	PUTS32	"\n"
	cmpl	$3, %eax
	je	1f
	FAIL32	3

	/* FW_CFG_NB_CPUS (LE16). */
1:	movl	$5, %eax
	call	fw_select
	movl	$0, tmp
	movl	$tmp, %edi
	movl	$2, %ecx
	call	fw_read
	PUTS32	"vCPUs "
	movl	tmp, %eax
	call	putdec32
	PUTS32	"\n"

	/* The directory. */
	movl	$0x19, %eax
	call	fw_select
	movl	$tmp, %edi
	movl	$4, %ecx
	call	fw_read
	movl	tmp, %eax
	bswapl	%eax
	movl	%eax, nfiles
	PUTS32	"directory: "
	call	putdec32
	PUTS32	" files\n"
	movl	nfiles, %ebx
1:	testl	%ebx, %ebx
	jz	3f
	movl	$ent, %edi
	movl	$64, %ecx
	call	fw_read
	PUTS32	"  "
	movl	$ent + 8, %esi
	call	puts32
	PUTS32	" key "
	movzwl	ent + 4, %eax
	xchgb	%al, %ah
	call	puthex32
	PUTS32	" size "
	movl	ent, %eax
	bswapl	%eax
	call	putdec32
	PUTS32	"\n"
	/* Remember the two files this test asked for. */
	movl	$ent + 8, %esi
	movl	$name_greeting, %edi
	call	strcmp32
	jne	2f
	movzwl	ent + 4, %eax
	xchgb	%al, %ah
	movl	%eax, greet_key
	movl	ent, %eax
	bswapl	%eax
	movl	%eax, greet_size
2:	movl	$ent + 8, %esi
	movl	$name_file, %edi
	call	strcmp32
	jne	2f
	movzwl	ent + 4, %eax
	xchgb	%al, %ah
	movl	%eax, file_key
	movl	ent, %eax
	bswapl	%eax
	movl	%eax, file_size
2:	decl	%ebx
	jmp	1b
3:	cmpl	$0, greet_key
	jne	1f
	FAIL32	4
1:	cmpl	$0, file_key
	jne	1f
	FAIL32	5
	/* The string item through the data port (it ends in a NUL). */
1:	cmpl	$256, greet_size
	jbe	1f
	FAIL32	6
1:	movl	greet_key, %eax
	call	fw_select
	movl	$buf1, %edi
	movl	greet_size, %ecx
	call	fw_read
	PUTS32	"greeting: "
	movl	$buf1, %esi
	call	puts32
	PUTS32	"\n"

	/* DMA signature at 0x514: "QEMU CFG". */
	movw	$FW_DMA_HI, %dx
	inl	%dx, %eax
	cmpl	$0x554d4551, %eax
	je	1f
	FAIL32	7
1:	movw	$FW_DMA_LO, %dx
	inl	%dx, %eax
	cmpl	$0x47464320, %eax
	je	1f
	FAIL32	8
1:	PUTS32	"DMA signature QEMU CFG\n"

	/* The same item by DMA into buf2: the same bytes, control 0. */
	movl	greet_key, %eax
	movl	greet_size, %ecx
	movl	$buf2, %edi
	call	fw_dma_read
	testl	%eax, %eax
	jz	1f
	FAIL32	9
1:	movl	$buf1, %esi
	movl	$buf2, %edi
	movl	greet_size, %ecx
	repe cmpsb
	je	1f
	FAIL32	10
1:	PUTS32	"DMA read: same bytes, control 0\n"

	/* The file item by DMA, printed. */
	cmpl	$4000, file_size
	jbe	1f
	FAIL32	11
1:	movl	file_key, %eax
	movl	file_size, %ecx
	movl	$buf3, %edi
	call	fw_dma_read
	testl	%eax, %eax
	jz	1f
	FAIL32	12
1:	movl	file_size, %eax
	movb	$0, buf3(%eax)
	PUTS32	"file:\n"
	movl	$buf3, %esi
	call	puts32

	/* Past the end: 8 bytes of 0xAA from the signature's 4 + zeros. */
	movl	$0xaaaaaaaa, buf2
	movl	$0xaaaaaaaa, buf2 + 4
	xorl	%eax, %eax
	movl	$8, %ecx
	movl	$buf2, %edi
	call	fw_dma_read
	testl	%eax, %eax
	jnz	1f
	cmpl	$0x554d4551, buf2
	jne	1f
	cmpl	$0, buf2 + 4
	je	2f
1:	FAIL32	13
2:	PUTS32	"DMA past the end reads zeros\n"
	xorl	%eax, %eax
	jmp	exit32

/* %eax: key. */
fw_select:
	pushl	%edx
	movw	$FW_SEL, %dx
	outw	%ax, %dx
	popl	%edx
	ret

/* %ecx bytes of the selected item to %edi. */
fw_read:
	pushl	%edx
	pushl	%eax
	movw	$FW_DATA, %dx
	jecxz	2f
1:	inb	%dx, %al
	stosb
	loop	1b
2:	popl	%eax
	popl	%edx
	ret

/* Select %eax and read %ecx bytes to %edi by DMA; %eax = the control
 * word the device left (0: done). */
fw_dma_read:
	pushl	%edx
	shll	$16, %eax
	orl	$(DMA_SELECT | DMA_READ), %eax
	bswapl	%eax
	movl	%eax, dma_access
	bswapl	%ecx
	movl	%ecx, dma_access + 4
	movl	$0, dma_access + 8
	bswapl	%edi
	movl	%edi, dma_access + 12
	bswapl	%edi
	/* The address, big-endian, high half first. */
	xorl	%eax, %eax
	movw	$FW_DMA_HI, %dx
	outl	%eax, %dx
	movl	$dma_access, %eax
	bswapl	%eax
	movw	$FW_DMA_LO, %dx
	outl	%eax, %dx
	movl	dma_access, %eax
	bswapl	%eax
	popl	%edx
	ret

	LIB32

	.section .rodata
name_greeting:
	.asciz	"opt/lhyve/greeting"
name_file:
	.asciz	"opt/lhyve/file"

	.bss
	.balign	16
dma_access:
	.skip	16
tmp:	.skip	4
nfiles:	.skip	4
greet_key:	.skip	4
greet_size:	.skip	4
file_key:	.skip	4
file_size:	.skip	4
ent:	.skip	64
buf1:	.skip	256
buf2:	.skip	256
buf3:	.skip	4096
	.balign	16
	.skip	4096
stack_top:
