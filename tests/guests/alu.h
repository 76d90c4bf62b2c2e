/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alu.h: the body of the ALU guests (alu32.S, alu64.S).  Each group runs
 * one instruction form over every pair of operands from a table, from two
 * starting flag states (all clear, all set), and folds the results and the
 * flags the SDM defines for that instruction into a hash, printed as
 * "<group>: XXXXXXXX".  The expected lines (alu32.expect, alu64.expect)
 * come from the host CPU running the same code in user mode (alu_host.S,
 * `make alu-expect`), so a wrong result or flag in the emulator changes
 * a line, and the line names the group.
 *
 * The including file defines, for its mode (and ALU_HASH_HIGH in 64-bit
 * mode, to hash the upper halves of %rax, %rbx, %rcx too):
 *   R(x)        a pointer-sized register name: R(si) is %esi or %rsi
 *   SET_FLAGS   EFLAGS := %edi   GET_FLAGS   %edx := EFLAGS
 *   PUTS, PUTHEX  print %esi-string / %eax
 */
#ifndef LHYVE_TEST_ALU_H
#define LHYVE_TEST_ALU_H

/* EFLAGS bits (SDM vol. 1 3.4.3) */
#define F_CF	0x001
#define F_PF	0x004
#define F_AF	0x010
#define F_ZF	0x040
#define F_SF	0x080
#define F_OF	0x800
#define F_ALL	(F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_LOGIC	(F_ALL & ~F_AF)			/* AF undefined */
#define F_SHIFT	(F_ALL & ~F_AF & ~F_OF)		/* count > 1 */

#define ALU_NVALS	18	/* entries in alu_vals */

/*
 * OP name, mask, insns...: the subroutine op_<name>.  In: %eax = a,
 * %ebx = b, %ecx = a ^ b, %edi = flags to start from.  Out: %eax, %ebx,
 * %ecx, and %edx = EFLAGS & mask.
 */
.macro OP name, mask, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12
op_\name:
	SET_FLAGS
	\i1
	\i2
	\i3
	\i4
	\i5
	\i6
	\i7
	\i8
	\i9
	\i10
	\i11
	\i12
	GET_FLAGS
	andl	$(\mask), %edx
	ret
	.pushsection .rodata
name_\name:
	.asciz	"\name"
	.popsection
.endm

/* RUN name: run op_<name> over the operand table and print its hash. */
.macro RUN name
	lea	op_\name, R(ax)
	mov	R(ax), alu_fn
	lea	name_\name, R(si)
	call	run_group
.endm

/*
 * The driver.  Counters live in memory so every register is free for the
 * instruction under test.
 */
.macro ALU_DRIVER
run_group:
	PUTS
	movl	$0x811c9dc5, alu_hash
	movl	$0, alu_i
1:	movl	$0, alu_j
2:	movl	$0x2, alu_f		/* reserved bit 1 only */
3:	movl	alu_i, %eax
	movl	alu_vals(,%eax,4), %eax
	movl	alu_j, %ebx
	movl	alu_vals(,%ebx,4), %ebx
	movl	%eax, %ecx
	xorl	%ebx, %ecx
	movl	alu_f, %edi
	call	*alu_fn
	/* hash = rol(hash, 5) ^ x + golden, for x in eax, ebx, ecx, edx */
	movl	alu_hash, %ebp
	roll	$5, %ebp
	xorl	%eax, %ebp
	addl	$0x9e3779b9, %ebp
	roll	$5, %ebp
	xorl	%ebx, %ebp
	addl	$0x9e3779b9, %ebp
	roll	$5, %ebp
	xorl	%ecx, %ebp
	addl	$0x9e3779b9, %ebp
	roll	$5, %ebp
	xorl	%edx, %ebp
	addl	$0x9e3779b9, %ebp
#ifdef ALU_HASH_HIGH
	/* 64-bit mode: the upper halves of the results count too. */
	shrq	$32, %rax
	shrq	$32, %rbx
	shrq	$32, %rcx
	roll	$5, %ebp
	xorl	%eax, %ebp
	roll	$5, %ebp
	xorl	%ebx, %ebp
	roll	$5, %ebp
	xorl	%ecx, %ebp
	addl	$0x9e3779b9, %ebp
#endif
	movl	%ebp, alu_hash
	cmpl	$0x2, alu_f
	jne	4f
	movl	$(0x2 | F_ALL), alu_f
	jmp	3b
4:	incl	alu_j
	cmpl	$ALU_NVALS, alu_j
	jb	2b
	incl	alu_i
	cmpl	$ALU_NVALS, alu_i
	jb	1b
	lea	alu_sep, R(si)
	PUTS
	movl	alu_hash, %eax
	PUTHEX
	lea	alu_nl, R(si)
	PUTS
	ret

	.pushsection .rodata
	.balign	4
alu_vals:
	.long	0x00000000, 0x00000001, 0x00000002, 0x0000007f
	.long	0x00000080, 0x000000ff, 0x00007fff, 0x00008000
	.long	0x0000ffff, 0x7fffffff, 0x80000000, 0x80000001
	.long	0xfffffffe, 0xffffffff, 0x12345678, 0xfedcba98
	.long	0x0f0f0f0f, 0x55aa33cc
alu_vals_end:
alu_title32:	.asciz	"alu32: integer instruction groups, 32-bit code\n"
alu_title16:	.asciz	"alu16: integer instruction groups, real mode\n"
alu_title64:	.asciz	"alu64: integer instruction groups, 64-bit code\n"
alu_ok:		.asciz	"ok\n"
alu_sep:	.asciz	": "
alu_nl:		.asciz	"\n"
	.popsection

	.pushsection .bss
	.balign	8
alu_fn:		.quad	0
alu_hash:	.long	0
alu_i:		.long	0
alu_j:		.long	0
alu_f:		.long	0
alu_scratch:	.quad	0, 0
	.popsection
.endm

/*
 * The forms every mode runs: 8-, 16- and 32-bit operand sizes.  Results in
 * 8/16-bit registers leave the rest of %eax as it was, which the hash sees.
 */
.macro ALU_OPS_COMMON
	OP add,    F_ALL,   "addl %ebx, %eax"
	OP adc,    F_ALL,   "adcl %ebx, %eax"
	OP sub,    F_ALL,   "subl %ebx, %eax"
	OP sbb,    F_ALL,   "sbbl %ebx, %eax"
	OP cmp,    F_ALL,   "cmpl %ebx, %eax"
	OP and,    F_LOGIC, "andl %ebx, %eax"
	OP or,     F_LOGIC, "orl %ebx, %eax"
	OP xor,    F_LOGIC, "xorl %ebx, %eax"
	OP test,   F_LOGIC, "testl %ebx, %eax"
	OP add8,   F_ALL,   "addb %bl, %al"
	OP adc8h,  F_ALL,   "adcb %bh, %ah"
	OP sub8,   F_ALL,   "subb %bl, %ah"
	OP sbb16,  F_ALL,   "sbbw %bx, %ax"
	OP add16,  F_ALL,   "addw %bx, %ax"
	OP cmp8,   F_ALL,   "cmpb %bl, %al"
	OP addimm, F_ALL,   "addl $-3, %eax", "adcl $0x12345, %ebx", "sbbb $0x80, %cl"
	OP inc,    F_ALL,   "incl %eax", "incw %bx", "incb %cl"
	OP dec,    F_ALL,   "decl %eax", "decw %bx", "decb %ch"
	OP neg,    F_ALL,   "negl %eax"
	OP neg8,   F_ALL,   "negb %bl"
	OP not,    F_ALL,   "notl %eax", "notw %bx", "notb %cl"
	OP shl1,   F_LOGIC, "shll $1, %eax"
	OP shr1,   F_LOGIC, "shrl $1, %eax"
	OP sar1,   F_LOGIC, "sarl $1, %eax"
	OP shl4,   F_SHIFT, "shll $4, %eax", "shlw $4, %bx"
	OP shr31,  F_SHIFT, "shrl $31, %eax"
	OP sar31,  F_SHIFT, "sarl $31, %eax"
	OP sar8,   F_SHIFT, "sarb $3, %bl"
	OP shlcl,  F_SHIFT, "movb $7, %cl", "shll %cl, %eax"
	OP shrcl0, F_ALL,   "movb $32, %cl", "shrl %cl, %eax"
	OP rol1,   F_ALL,   "roll $1, %eax"
	OP ror1,   F_ALL,   "rorl $1, %eax"
	OP rol5,   F_ALL & ~F_OF, "roll $5, %eax", "rolb $3, %bl"
	OP ror9,   F_ALL & ~F_OF, "rorl $9, %eax", "rorw $9, %bx"
	OP rcl1,   F_ALL,   "rcll $1, %eax"
	OP rcr1,   F_ALL,   "rcrl $1, %eax"
	OP rcl3,   F_ALL & ~F_OF, "rcll $3, %eax", "rcrb $5, %bl"
	OP shld,   F_SHIFT, "shldl $4, %ebx, %eax"
	OP shrd,   F_SHIFT, "shrdl $12, %ebx, %eax"
	OP shldcl, F_SHIFT, "movb $20, %cl", "shldl %cl, %ebx, %eax"
	OP mul,    F_CF | F_OF, "mull %ebx", "movl %edx, %ecx"
	OP mul8,   F_CF | F_OF, "mulb %bl"
	OP mul16,  F_CF | F_OF, "mulw %bx", "movl %edx, %ecx"
	OP imul1,  F_CF | F_OF, "imull %ebx", "movl %edx, %ecx"
	OP imul2,  F_CF | F_OF, "imull %ebx, %eax"
	OP imul3,  F_CF | F_OF, "imull $-1234567, %ebx, %eax", "imulw $300, %bx, %cx"
	OP imul8,  F_CF | F_OF, "imulb %bl"
	OP div,    0,       "orl $1, %ebx", "xorl %edx, %edx", "divl %ebx", "movl %edx, %ecx"
	OP idiv,   0,       "shrl $1, %ebx", "orl $1, %ebx", "cltd", "idivl %ebx", "movl %edx, %ecx"
	OP div16,  0,       "orw $0x8001, %bx", "xorl %edx, %edx", "divw %bx", "movl %edx, %ecx"
	OP div8,   0,       "orb $0x81, %bl", "andl $0x7fff, %eax", "divb %bl"
	OP bsf,    F_ZF,    "orl $0x10000, %ebx", "bsfl %ebx, %eax"
	OP bsr,    F_ZF,    "orl $0x10, %ebx", "bsrl %ebx, %eax"
	OP bt,     F_CF | F_ZF, "btl %ebx, %eax"
	OP bts,    F_CF | F_ZF, "btsl %ebx, %eax", "btrl $7, %ecx"
	OP btc,    F_CF | F_ZF, "btcl %ebx, %eax", "btcw $17, %cx"
	OP xchg,   F_ALL,   "xchgl %eax, %ebx", "xchgb %cl, %ch"
	OP xadd,   F_ALL,   "xaddl %ebx, %eax"
	OP cmpxchg, F_ALL,  "cmpxchgl %ecx, %ebx"
	OP cmpxchg2, F_ALL, "movl %ebx, %eax", "cmpxchgl %ecx, %ebx"
	OP bswap,  F_ALL,   "bswapl %eax"
	OP movx,   F_ALL,   "movzbl %bl, %eax", "movsbl %bh, %ecx", "movswl %bx, %ebx"
	OP cwde,   F_ALL,   "cwtl", "movl %ebx, %ecx", "cbtw"
	OP cdq,    F_ALL,   "cltd", "movl %edx, %ecx"
	OP lea,    F_ALL,   "leal 0x1234(%eax,%ebx,4), %ecx", "leal -8(%ebx,%ebx,8), %eax", "leaw 7(%eax), %bx"
	OP setcc,  F_ALL,   "xorl %ecx, %ecx", "cmpl %ebx, %eax", "call collect_cc"
	OP setcc8, F_ALL,   "xorl %ecx, %ecx", "cmpb %bl, %al", "call collect_cc"
	OP cmov,   F_ALL,   "cmpl %ebx, %eax", "cmovll %ebx, %ecx", "cmovael %ebx, %eax", "cmovpw %ax, %bx"
	OP lahf,   F_ALL,   "addl %ebx, %eax", "lahf", "movb %ah, %cl", "movb $0xd5, %ah", "sahf"
	OP mem,    F_ALL,   "movl %eax, alu_scratch", "addl %ebx, alu_scratch", "negw alu_scratch + 2", "incb alu_scratch + 1", "movl alu_scratch, %ecx"
	OP stc,    F_ALL,   "stc", "cmc", "cmc"
	OP clc,    F_ALL,   "clc", "adcl $0, %eax"
.endm

/* BCD adjusts exist only outside 64-bit mode. */
.macro ALU_OPS_BCD
	OP daa,    F_ALL & ~F_OF, "addb %bl, %al", "daa"
	OP das,    F_ALL & ~F_OF, "subb %bl, %al", "das"
	OP aaa,    F_AF | F_CF, "addb %bl, %al", "aaa"
	OP aam,    F_SF | F_ZF | F_PF, "orb $1, %bl", "aam $10", "aad $7"
.endm

/* The groups, in the order they print. */
#define ALU_GROUPS_COMMON add, adc, sub, sbb, cmp, and, or, xor, test, \
	add8, adc8h, sub8, sbb16, add16, cmp8, addimm, inc, dec, neg, neg8, \
	not, shl1, shr1, sar1, shl4, shr31, sar31, sar8, shlcl, shrcl0, rol1, \
	ror1, rol5, ror9, rcl1, rcr1, rcl3, shld, shrd, shldcl, mul, mul8, \
	mul16, imul1, imul2, imul3, imul8, div, idiv, div16, div8, bsf, bsr, \
	bt, bts, btc, xchg, xadd, cmpxchg, cmpxchg2, bswap, movx, cwde, cdq, \
	lea, setcc, setcc8, cmov, lahf, mem, stc, clc
#define ALU_GROUPS_BCD daa, das, aaa, aam
#define ALU_GROUPS_64 add64, adc64, sub64, cmp64, and64, neg64, inc64, \
	imm64, shl64, shr64, rol64, shrd64, mul64, imul64, div64, bsr64, \
	bswap64, movsxd, rex, sil, xchg64, cqo

/* Run every group of a mode; print a title first and "ok" last. */
.macro ALU_RUN_ALL32
	lea	alu_title32, R(si)
	PUTS
	.irp op, ALU_GROUPS_COMMON, ALU_GROUPS_BCD
	RUN	\op
	.endr
	lea	alu_ok, R(si)
	PUTS
.endm
/* Real mode runs the 32-bit list (operand and address sizes are explicit,
 * so the hashes match alu32's); only the prefixes flip. */
.macro ALU_RUN_ALL16
	lea	alu_title16, R(si)
	PUTS
	.irp op, ALU_GROUPS_COMMON, ALU_GROUPS_BCD
	RUN	\op
	.endr
	lea	alu_ok, R(si)
	PUTS
.endm
.macro ALU_RUN_ALL64
	lea	alu_title64, R(si)
	PUTS
	.irp op, ALU_GROUPS_COMMON, ALU_GROUPS_64
	RUN	\op
	.endr
	lea	alu_ok, R(si)
	PUTS
.endm

/*
 * collect_cc: %ecx := the 16 condition codes (setcc) of the current flags,
 * one per bit; flags are preserved.
 */
.macro ALU_COLLECT_CC
collect_cc:
	.irp cc, o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g
	set\cc	%dl
	movzbl	%dl, %edx		/* mov and lea leave the flags alone */
	leal	(%edx,%ecx,2), %ecx
	.endr
	ret
.endm

/*
 * 64-bit forms (alu64 only).  Operands are widened first: %rax = a:b,
 * %rbx = b:a rotated, so every 64-bit value has both halves in play; then
 * the starting flags are set again (the shifts left AF and OF undefined).
 */
#define WIDEN	"shlq $32, %rax", "orq %rbx, %rax", "movq %rax, %rbx", \
	"rorq $23, %rbx", "pushq %rdi", "popfq"
.macro ALU_OPS_64
	OP add64,  F_ALL,   WIDEN, "addq %rbx, %rax"
	OP adc64,  F_ALL,   WIDEN, "adcq %rbx, %rax", "sbbq %rax, %rcx"
	OP sub64,  F_ALL,   WIDEN, "subq %rbx, %rax"
	OP cmp64,  F_ALL,   WIDEN, "cmpq %rax, %rbx"
	OP and64,  F_LOGIC, WIDEN, "andq %rbx, %rax", "orq %rax, %rcx"
	OP neg64,  F_ALL,   WIDEN, "negq %rax"
	OP inc64,  F_ALL,   WIDEN, "incq %rax", "decq %rbx"
	OP imm64,  F_LOGIC,   WIDEN, "addq $-5, %rax", "andq $0x7fffffff, %rbx", "xorq $-1, %rcx"
	OP shl64,  F_SHIFT, WIDEN, "shlq $33, %rax", "sarq $63, %rbx"
	OP shr64,  F_LOGIC, WIDEN, "shrq $1, %rax"
	OP rol64,  F_ALL,   WIDEN, "rolq $1, %rax"
	OP shrd64, F_SHIFT, WIDEN, "shrdq $40, %rbx, %rax"
	OP mul64,  F_CF | F_OF, WIDEN, "mulq %rbx", "movq %rdx, %rcx"
	OP imul64, F_CF | F_OF, WIDEN, "imulq %rbx, %rax", "imulq $-77, %rbx, %rcx"
	OP div64,  0,       WIDEN, "btsq $63, %rbx", "xorl %edx, %edx", "divq %rbx", "movq %rdx, %rcx"
	OP bsr64,  F_ZF,    WIDEN, "btsq $62, %rbx", "bsrq %rbx, %rax", "bsfq %rbx, %rcx"
	OP bswap64, F_ALL,  WIDEN, "bswapq %rax"
	OP movsxd, F_ALL,   WIDEN, "movslq %ebx, %rax", "movl %ebx, %ecx"
	OP rex,    F_ALL,   WIDEN, "leaq (%rax,%rbx), %r8", "addq %rbx, %r8", "movb %r8b, %r12b", "xchgq %r8, %rax", "movzbl %r12b, %ecx", "movq %r8, %rbx"
	OP sil,    F_ALL,   WIDEN, "movq %rax, %rsi", "addb %bl, %sil", "movq %rsi, %rax"
	OP xchg64, F_ALL,   WIDEN, "xaddq %rax, %rbx", "cmpxchgq %rbx, %rcx"
	OP cqo,    F_ALL,   WIDEN, "cqto", "movq %rdx, %rcx", "cltq"
.endm

#endif /* LHYVE_TEST_ALU_H */
