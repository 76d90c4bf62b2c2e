/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_seg.S: multiboot guest for protected-mode segmentation (SDM vol. 3
 * ch. 3, 5): segment-register loads and their #GP/#NP/#SS error codes,
 * limit checks on the whole access, expand-down segments, read-only and
 * execute-only segments, the accessed bit, LAR/LSL/VERR/VERW, the CS limit
 * on code fetch, call gates (same level and with a stack switch and
 * parameter copy), far RET and IRET to ring 3 nulling data segments, and
 * the TSS I/O bitmap.  It prints what it sees; the transcript was checked
 * under QEMU.
 */
#include "guest.h"
#include "sys.h"

#define S_CODE		0x08
#define S_DATA		0x10
#define S_CODE3		0x18
#define S_DATA3		0x20
#define S_TSS		0x28
#define S_SMALL		0x30	/* data, byte limit 0xfff */
#define S_EXPDN		0x38	/* expand-down data, limit 0xfff, B=1 */
#define S_NPDATA	0x40	/* data, not present */
#define S_XONLY		0x48	/* execute-only code */
#define S_CONF		0x50	/* conforming readable code, DPL 0 */
#define S_RODATA	0x58	/* read-only data */
#define S_GATE3		0x60	/* call gate DPL 3 -> S_CODE:gate_fn, 2 params */
#define S_LDT		0x68
#define S_EXPDN16	0x70	/* expand-down data, limit 0xfff, B=0 */
#define S_DATA1		0x78	/* data, DPL 1 */
#define S_NPCODE	0x80	/* code, not present */
#define S_GATE0		0x88	/* call gate DPL 0 */
#define S_GATENP	0x90	/* call gate DPL 3, not present */
#define S_LIMCODE	0x98	/* code, limit = end of lim_page */
#define S_SMALL3	0xa0	/* data DPL 3, byte limit 0xfff */
#define S_GATEOUT	0xa8	/* call gate -> S_CODE3 (outer level) */
#define S_GATECONF	0xb0	/* call gate DPL 3 -> S_CONF:conf_fn */
#define S_NOTACC	0xb8	/* data, accessed bit clear */
#define S_GATEJ		0xc0	/* call gate DPL 3 -> S_CODE:jmp_fn */

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
	PUTS32	"sys_seg: protected-mode segmentation\n"

	/* ---- segment-register loads at CPL 0 ---- */
	TRY32	1
	movw	$0, %ax
	movw	%ax, %es
	CHECK32	1, "mov es, null"
	TRY32	2
	movl	%es:0x1000, %eax
	CHECK32	2, "read through null es"
	TRY32	3
	movw	$0x1f8, %ax
	movw	%ax, %es
	CHECK32	3, "mov es, beyond gdt limit"
	TRY32	4
	movw	$S_NPDATA, %ax
	movw	%ax, %es
	CHECK32	4, "mov es, not present"
	TRY32	5
	movw	$S_NPDATA, %ax
	movw	%ax, %ss
	CHECK32	5, "mov ss, not present"
	TRY32	6
	movw	$S_XONLY, %ax
	movw	%ax, %es
	CHECK32	6, "mov es, execute-only code"
	TRY32	7
	movw	$S_CONF, %ax
	movw	%ax, %es
	CHECK32	7, "mov es, readable conforming code"
	TRY32	8
	movl	%es:0x100000, %eax
	CHECK32	8, "read through code es"
	TRY32	9
	movl	%eax, %es:0x100000
	CHECK32	9, "write through code es"
	TRY32	10
	movw	$S_RODATA, %ax
	movw	%ax, %ss
	CHECK32	10, "mov ss, read-only data"
	TRY32	11
	movw	$S_DATA3, %ax
	movw	%ax, %ss
	CHECK32	11, "mov ss, dpl 3 data"
	TRY32	12
	movw	$S_TSS, %ax
	movw	%ax, %es
	CHECK32	12, "mov es, tss"
	TRY32	13
	movw	$0, %ax
	movw	%ax, %ss
	CHECK32	13, "mov ss, null"
	TRY32	14
	movw	$(S_DATA1 | 2), %ax
	movw	%ax, %es
	CHECK32	14, "mov es, rpl 2 > dpl 1"
	TRY32	15
	movw	$(S_DATA1 | 1), %ax
	movw	%ax, %es
	CHECK32	15, "mov es, rpl 1 = dpl 1"
	TRY32	16
	movw	$S_RODATA, %ax
	movw	%ax, %es
	movl	%eax, %es:0x1000
	CHECK32	16, "write to read-only es"
	TRY32	17
	movw	$S_NOTACC, %ax
	movw	%ax, %es
	CHECK32	17, "mov es, accessed bit clear"
	movzbl	gdt + S_NOTACC + 5, %eax
	SHOW32	"  access byte now", %eax

	/* ---- limits ---- */
	movw	$S_SMALL, %ax
	movw	%ax, %es
	TRY32	20
	movl	%es:0xffc, %eax
	CHECK32	20, "dword at limit-3"
	TRY32	21
	movl	%es:0xffd, %eax
	CHECK32	21, "dword at limit-2"
	TRY32	22
	movb	%es:0xfff, %al
	CHECK32	22, "byte at limit"
	TRY32	23
	movw	%ax, %es:0x1000
	CHECK32	23, "word past limit"
	movw	$S_EXPDN, %ax
	movw	%ax, %es
	TRY32	24
	movb	%es:0xfff, %al
	CHECK32	24, "expand-down: byte at limit"
	TRY32	25
	movl	%es:0x1000, %eax
	CHECK32	25, "expand-down: dword at limit+1"
	TRY32	26
	movl	%es:0xffe, %eax
	CHECK32	26, "expand-down: dword straddling limit"
	TRY32	27
	movl	$0xfffffffc, %ebx
	movl	%es:(%ebx), %eax
	CHECK32	27, "expand-down: dword at 4 GiB - 4"
	TRY32	28
	movl	$0xfffffffd, %ebx
	movl	%es:(%ebx), %eax
	CHECK32	28, "expand-down: dword at 4 GiB - 3"
	movw	$S_EXPDN16, %ax
	movw	%ax, %es
	TRY32	29
	movw	%es:0xfffe, %ax
	CHECK32	29, "expand-down 16: word at 0xfffe"
	TRY32	30
	movl	%es:0xfffe, %eax
	CHECK32	30, "expand-down 16: dword at 0xfffe"
	TRY32	31
	movl	%es:0x10000, %eax
	CHECK32	31, "expand-down 16: dword at 0x10000"
	movw	$S_DATA, %ax
	movw	%ax, %es

	/* ---- LDT ---- */
	movw	$S_LDT, %ax
	lldt	%ax
	TRY32	35
	movw	$0x04, %ax
	movw	%ax, %es
	CHECK32	35, "mov es, ldt entry 0"
	TRY32	36
	movw	$0x14, %ax
	movw	%ax, %es
	CHECK32	36, "mov es, beyond ldt limit"
	movw	$S_DATA, %ax
	movw	%ax, %es

	/* ---- LAR, LSL, VERR, VERW ---- */
	PUTS32	"selector  LAR        LSL        VERR VERW\n"
	movl	$sel_list, %esi
	call	probe_list

	/* ---- code segment limit (QEMU's TCG does not check it) ---- */
#ifndef NO_CS_LIMIT
	TRY32	40
	ljmp	$S_LIMCODE, $lim_last
	CHECK32	40, "fetch straddling cs limit"
	ljmp	$S_CODE, $1f
1:	TRY32	41
	ljmp	$S_LIMCODE, $lim_jmp
	CHECK32	41, "near jmp past cs limit"
	ljmp	$S_CODE, $1f
1:	TRY32	42
	ljmp	$S_LIMCODE, $(lim_page + 0x1000)
	CHECK32	42, "far jmp past cs limit"
	ljmp	$S_CODE, $1f
1:
#endif

	/* ---- far transfers at CPL 0 ---- */
	TRY32	50
	pushl	$0x11111111
	pushl	$0x22222222
	lcall	$S_GATE3, $0
	CHECK32	50, "call gate, same level"
	SHOW32	"  cs", gate_rec + 4
	SHOW32	"  p0", gate_rec + 8
	SHOW32	"  p1", gate_rec + 12
	TRY32	51
	lcall	$S_GATEOUT, $0
	CHECK32	51, "call gate to outer level"
	TRY32	52
	lcall	$S_NPCODE, $0
	CHECK32	52, "call not-present code"
	TRY32	53
	lcall	$S_DATA, $0
	CHECK32	53, "call data segment"
	TRY32	54
	lcall	$S_TSS, $0
	CHECK32	54, "call busy tss"
	TRY32	55
	lcall	$S_CODE3, $0
	CHECK32	55, "call dpl 3 code"
	TRY32	56
	ljmp	$S_GATEJ, $0
	CHECK32	56, "jmp through call gate, same level"
	SHOW32	"  cs", conf_cs

	/* ---- to ring 3 by IRET: DS/ES (DPL 0) become null ---- */
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	$S_DATA3, %ax
	movw	%ax, %fs
	movw	$S_CONF, %ax
	movw	%ax, %gs
	pushl	$(S_DATA3 | 3)
	pushl	$ring3_stack_top
	pushfl
	pushl	$(S_CODE3 | 3)
	pushl	$ring3
	iret

ring3:
	movw	%ds, %ax
	movw	%ax, %ss:r3_sel
	movw	%es, %ax
	movw	%ax, %ss:r3_sel + 2
	movw	%fs, %ax
	movw	%ax, %ss:r3_sel + 4
	movw	%gs, %ax
	movw	%ax, %ss:r3_sel + 6
	movw	$(S_DATA3 | 3), %ax
	movw	%ax, %ds
	movw	%ax, %es
	SHOW32	"ring 3 after iret: ds:es", r3_sel
	SHOW32	"ring 3 after iret: fs:gs", r3_sel + 4
	movw	%cs, %ax
	movzwl	%ax, %eax
	SHOW32	"ring 3 cs", %eax

	TRY32	60
	movw	$S_DATA, %ax
	movw	%ax, %fs
	CHECK32	60, "r3: mov fs, dpl 0 data"
	TRY32	61
	movw	$S_DATA3, %ax
	movw	%ax, %fs
	CHECK32	61, "r3: mov fs, dpl 3 data with rpl 0"
	TRY32	62
	movw	$S_DATA3, %ax
	movw	%ax, %ss
	CHECK32	62, "r3: mov ss, rpl 0"
	TRY32	63
	cli
	CHECK32	63, "r3: cli"
	TRY32	64
	hlt
	CHECK32	64, "r3: hlt"
	TRY32	65
	movl	%cr0, %eax
	CHECK32	65, "r3: mov from cr0"
	TRY32	66
	inb	$0x60, %al
	CHECK32	66, "r3: in 0x60 (bitmap)"
	TRY32	67
	movw	$COM1_LSR, %dx
	inb	%dx, %al
	CHECK32	67, "r3: in com1 lsr (bitmap)"
	TRY32	68
	int	$0x80
	CHECK32	68, "r3: int 0x80 (dpl 0 gate)"
	TRY32	69
	int3
	CHECK32	69, "r3: int3 (dpl 3 gate)"
	SHOW32	"  saved cs", exc_cs
	SHOW32	"  saved ss", exc_ss
	movl	exc_esp, %eax
	subl	$ring3_stack_top, %eax
	SHOW32	"  saved esp - top", %eax
	movl	exc_hesp, %eax
	subl	$tss_stack_top, %eax
	SHOW32	"  handler esp - esp0", %eax

	/* call gate with a stack switch and two parameters */
	movl	%esp, r3_esp
	TRY32	70
	pushl	$0x11111111
	pushl	$0x22222222
	lcall	$(S_GATE3 | 3), $0
r3_ret70:
	movw	%ds, %ax
	movw	%ax, %ss:r3_sel
	movw	%es, %ax
	movw	%ax, %ss:r3_sel + 2
	movw	%fs, %ax
	movw	%ax, %ss:r3_sel + 4
	movw	%gs, %ax
	movw	%ax, %ss:r3_sel + 6
	movw	$(S_DATA3 | 3), %ax
	movw	%ax, %ds
	movw	%ax, %es
	CHECK32	70, "r3: call gate to ring 0"
	SHOW32	"  ret eip - label", gate_rec
	SHOW32	"  cs", gate_rec + 4
	SHOW32	"  p0", gate_rec + 8
	SHOW32	"  p1", gate_rec + 12
	movl	gate_rec + 16, %eax
	subl	r3_esp, %eax
	SHOW32	"  old esp - esp", %eax
	SHOW32	"  old ss", gate_rec + 20
	movl	gate_esp, %eax
	subl	$tss_stack_top, %eax
	SHOW32	"  gate esp - esp0", %eax
	movl	%esp, %eax
	subl	r3_esp, %eax
	SHOW32	"  esp after lret $8", %eax
	SHOW32	"  after lret: ds:es", r3_sel
	SHOW32	"  after lret: fs:gs", r3_sel + 4
	TRY32	71
	lcall	$(S_GATECONF | 3), $0
	CHECK32	71, "r3: call gate to conforming code"
	SHOW32	"  cs in conforming code", conf_cs
	TRY32	72
	lcall	$(S_GATE0 | 3), $0
	CHECK32	72, "r3: call dpl 0 gate"
	TRY32	73
	lcall	$(S_GATENP | 3), $0
	CHECK32	73, "r3: call not-present gate"
	TRY32	74
	ljmp	$(S_GATEJ | 3), $0
	CHECK32	74, "r3: jmp through gate to ring 0"
	TRY32	75
	ljmp	$S_CODE, $0
	CHECK32	75, "r3: jmp to dpl 0 code"
	/* #SS from a small stack segment, delivered on the ring-0 stack */
	movl	%esp, r3_esp
	TRY32	76
	movw	$(S_SMALL3 | 3), %ax
	movw	%ax, %ss
	movl	$0x8, %esp
	pushl	%eax
	pushl	%eax
	pushl	%eax
t76_res:
	movw	$(S_DATA3 | 3), %ax
	movw	%ax, %ss
	movl	r3_esp, %esp
	PUTS32	"r3: push below a small ss"
	pushl	$t76_at
	call	report32
	addl	$4, %esp
	SHOW32	"  saved esp", exc_esp
	SHOW32	"  saved ss", exc_ss

	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

/* ---- called through gates ---- */
gate_fn:
	movl	%esp, gate_esp
	movl	(%esp), %eax
	subl	$r3_ret70, %eax
	movl	%eax, gate_rec
	.irp	k, 4, 8, 12, 16, 20
	movl	\k(%esp), %eax
	movl	%eax, gate_rec + \k
	.endr
	movw	%cs, %ax
	movzwl	%ax, %eax
	movl	%eax, gate_rec + 4
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	$(S_DATA3 | 3), %ax
	movw	%ax, %fs
	movw	$S_CONF, %ax
	movw	%ax, %gs
	lret	$8

jmp_fn:
	movw	%cs, %ax
	movzwl	%ax, %eax
	movl	%eax, conf_cs
	ljmp	$S_CODE, $t56_res

conf_fn:
	movw	%cs, %ax
	movzwl	%ax, %eax
	movl	%eax, conf_cs
	lret

/* %esi: list of selectors (0xffff ends); one line each */
probe_list:
1:	movzwl	(%esi), %ebx
	cmpl	$0xffff, %ebx
	je	9f
	movl	%ebx, %eax
	call	puthex4_32
	PUTS32	"      "
	xorl	%eax, %eax
	larl	%ebx, %eax
	call	show_zf_val
	xorl	%eax, %eax
	lsll	%ebx, %eax
	call	show_zf_val
	verr	%bx
	call	show_zf
	PUTS32	"    "
	verw	%bx
	call	show_zf
	PUTS32	"\n"
	addl	$2, %esi
	jmp	1b
9:	ret
/* print "Z " or "- " from ZF, then %eax when ZF */
show_zf_val:
	jnz	1f
	PUTS32	"Z "
	call	puthex32
	PUTS32	" "
	ret
1:	PUTS32	"-          "
	ret
show_zf:
	jnz	1f
	PUTS32	"Z"
	ret
1:	PUTS32	"-"
	ret

/* ---- setup ---- */
setup:
	/* TSS: ESP0/SS0, the I/O bitmap lets ring 3 reach COM1 and 0xF4 */
	movl	$tss_stack_top, tss + 4
	movl	$S_DATA, tss + 8
	movw	$0x68, tss + 0x66
	movl	$tss + 0x68, %edi
	movl	$0xff, %eax
	movl	$8193, %ecx
	rep stosb
	movb	$0x00, tss + 0x68 + (COM1 / 8)
	movb	$0x0f, tss + 0x68 + (DEBUG_EXIT / 8)
	movl	$tss, %eax
	movl	$(0x68 + 8192), %ebx
	movl	$S_TSS, %edi
	movb	$0x89, %cl
	call	set_sys_desc
	movl	$ldt, %eax
	movl	$15, %ebx
	movl	$S_LDT, %edi
	movb	$0x82, %cl
	call	set_sys_desc
	movw	$S_TSS, %ax
	ltr	%ax
	/* call gates */
	movl	$gate_fn, %eax
	movl	$S_GATE3, %edi
	movl	$(S_CODE << 16), %ebx
	movl	$0xec02, %ecx
	call	set_gate_desc
	movl	$S_GATE0, %edi
	movl	$0x8c02, %ecx
	call	set_gate_desc
	movl	$S_GATENP, %edi
	movl	$0x6c02, %ecx
	call	set_gate_desc
	movl	$S_GATEOUT, %edi
	movl	$0xec00, %ecx
	movl	$(S_CODE3 << 16), %ebx
	call	set_gate_desc
	movl	$jmp_fn, %eax
	movl	$S_GATEJ, %edi
	movl	$0xec00, %ecx
	movl	$(S_CODE << 16), %ebx
	call	set_gate_desc
	movl	$conf_fn, %eax
	movl	$S_GATECONF, %edi
	movl	$0xec00, %ecx
	movl	$(S_CONF << 16), %ebx
	call	set_gate_desc
	/* S_LIMCODE: 4 KiB granular, limit = last byte of lim_page */
	movl	$(lim_page + 0xfff), %eax
	shrl	$12, %eax
	movw	%ax, gdt + S_LIMCODE
	shrl	$16, %eax
	orb	$0xc0, %al
	movb	%al, gdt + S_LIMCODE + 6
	/* IDT */
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$4, %eax
	addl	$stubs, %eax
	call	set_idt
	incl	%ecx
	cmpl	$32, %ecx
	jb	1b
	movl	$0x80, %ecx
	movl	$stub_0x80, %eax
	call	set_idt
	movb	$0xee, idt + 3 * 8 + 5		/* int3 allowed from ring 3 */
	lidt	idt_desc
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
/* %eax offset, %ebx selector << 16, %edi gdt selector, %cx access:count */
set_gate_desc:
	pushl	%eax
	movw	%ax, %bx
	movl	%ebx, gdt(%edi)
	andl	$0xffff0000, %eax
	movb	%cl, %al
	movb	%ch, %ah
	movl	%eax, gdt + 4(%edi)
	popl	%eax
	ret
set_idt:
	movw	%ax, idt(,%ecx,8)
	movw	$S_CODE, idt + 2(,%ecx,8)
	movw	$0x8e00, idt + 4(,%ecx,8)
	shrl	$16, %eax
	movw	%ax, idt + 6(,%ecx,8)
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
	.balign	16
stub_0x80:
	pushl	$0
	pushl	$0x80
	jmp	common

/* Stack: ds, eax, vector, error, EIP, CS, EFLAGS [, ESP, SS]. */
common:
	pushl	%eax
	pushl	%ds
	movw	$S_DATA, %ax
	movw	%ax, %ds
	movl	%esp, exc_hesp
	addl	$16, exc_hesp			/* the saved EIP */
	movl	8(%esp), %eax
	movl	%eax, exc_vec
	movl	12(%esp), %eax
	movl	%eax, exc_err
	movl	16(%esp), %eax
	movl	%eax, exc_eip
	movl	20(%esp), %eax
	movl	%eax, exc_cs
	movl	$0, exc_esp
	movl	$0, exc_ss
	testb	$3, %al
	jz	1f
	movl	28(%esp), %eax
	movl	%eax, exc_esp
	movl	32(%esp), %eax
	movl	%eax, exc_ss
1:	movl	exc_resume, %eax
	movl	%eax, 16(%esp)
	popl	%ds
	popl	%eax
	addl	$8, %esp
	iret

	LIB32
	REPORT32

	/* a page of code whose last bytes CS.limit cuts */
	.balign	4096
lim_page:
	.skip	0xff0 - (. - lim_page), 0x90
lim_jmp:
	jmp	lim_page + 0x1000
	.skip	0xffe - (. - lim_page), 0x90
lim_last:
	movl	$0x12345678, %eax		/* bytes 0xffe..0x1002 */
	.skip	16, 0x90

	.data
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 code */
	.quad	0x00cf93000000ffff	/* 0x10 data */
	.quad	0x00cffb000000ffff	/* 0x18 code DPL 3 */
	.quad	0x00cff3000000ffff	/* 0x20 data DPL 3 */
	.quad	0			/* 0x28 TSS */
	.quad	0x0040930000000fff	/* 0x30 small data */
	.quad	0x0040970000000fff	/* 0x38 expand-down, B=1 */
	.quad	0x00cf13000000ffff	/* 0x40 data, not present */
	.quad	0x00cf99000000ffff	/* 0x48 execute-only code */
	.quad	0x00cf9f000000ffff	/* 0x50 conforming readable code */
	.quad	0x00cf91000000ffff	/* 0x58 read-only data */
	.quad	0			/* 0x60 call gate DPL 3 */
	.quad	0			/* 0x68 LDT */
	.quad	0x0000970000000fff	/* 0x70 expand-down, B=0 */
	.quad	0x00cfb3000000ffff	/* 0x78 data DPL 1 */
	.quad	0x00cf1b000000ffff	/* 0x80 code, not present */
	.quad	0			/* 0x88 call gate DPL 0 */
	.quad	0			/* 0x90 call gate, not present */
	.quad	0x00009b0000000000	/* 0x98 limited code (limit set) */
	.quad	0x0040f30000000fff	/* 0xa0 small data DPL 3 */
	.quad	0			/* 0xa8 call gate -> ring 3 code */
	.quad	0			/* 0xb0 call gate -> conforming */
	.quad	0x00cf92000000ffff	/* 0xb8 data, not accessed */
	.quad	0			/* 0xc0 call gate -> jmp_fn */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
idt_desc:
	.word	256 * 8 - 1
	.long	idt
ldt:
	.quad	0x00cf93000000ffff	/* 0x04 data */
	.quad	0x00cff3000000ffff	/* 0x0c data DPL 3 */
sel_list:
	.word	0x0000, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028, 0x0030
	.word	0x0038, 0x0040, 0x0048, 0x0050, 0x0058, 0x0060, 0x0068
	.word	0x0078, 0x007b, 0x0098, 0x000c, 0x0014, 0x01f8, 0xffff

	.bss
	.balign	4096
idt:	.skip	256 * 8
tss:	.skip	0x68 + 8192 + 1
	.balign	4
exc_resume:	.long	0
exc_vec:	.long	0
exc_err:	.long	0
exc_eip:	.long	0
exc_cs:		.long	0
exc_esp:	.long	0
exc_ss:		.long	0
exc_hesp:	.long	0
gate_rec:	.skip	24
gate_esp:	.long	0
conf_cs:	.long	0
r3_sel:		.skip	8
r3_esp:		.long	0
	.balign	16
	.skip	4096
tss_stack_top:
	.skip	4096
ring3_stack_top:
	.skip	8192
stack_top:
