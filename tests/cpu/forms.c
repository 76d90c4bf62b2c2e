/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * forms.c: the table of instruction forms the tester exercises, one row
 * per opcode form of the Intel SDM vol. 2 opcode tables (general-purpose
 * integer instructions in 64-bit mode), expanded over operand sizes.  A
 * row says how the form is encoded and its semantic class; gen.c does the
 * rest.  Names are <mnemonic>_<operands>, e.g. add_rm32_imm8 is 83 /0 ib
 * with a 32-bit operand.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cputest.h"

#define MAXFORMS 4096

static struct ct_form table[MAXFORMS];
static char names[MAXFORMS][40];
struct ct_form *ct_forms = table;
int ct_nforms;
static bool overflow;

static const char *const rm_n[9] = { [1] = "rm8", [2] = "rm16",
    [4] = "rm32", [8] = "rm64" };
static const char *const r_n[9] = { [1] = "r8", [2] = "r16", [4] = "r32",
    [8] = "r64" };
static const char *const acc_n[9] = { [1] = "al", [2] = "ax", [4] = "eax",
    [8] = "rax" };
static const char *const imm_n[9] = { [1] = "imm8", [2] = "imm16",
    [4] = "imm32", [8] = "imm32" };
static const char *const sfx_n[9] = { [1] = "b", [2] = "w", [4] = "d",
    [8] = "q" };

/* Immediate bytes for a full-size immediate (imm32 sign-extended at 64). */
static int
immz(int osz)
{
	return (osz == 8 ? 4 : osz);
}

/* Add a form: opcode bytes end at the first negative one. */
static struct ct_form *
add(int osz, int enc, int o0, int o1, int o2, const char *fmt, ...)
{
	struct ct_form *f;
	va_list ap;

	if (ct_nforms >= MAXFORMS) {
		overflow = true;
		return (&table[MAXFORMS - 1]);
	}
	f = &table[ct_nforms];
	memset(f, 0, sizeof(*f));
	va_start(ap, fmt);
	vsnprintf(names[ct_nforms], sizeof(names[0]), fmt, ap);
	va_end(ap);
	f->name = names[ct_nforms];
	ct_nforms++;
	f->osz = (uint8_t)osz;
	f->enc = (uint8_t)enc;
	f->opc[f->nopc++] = (uint8_t)o0;
	if (o1 >= 0)
		f->opc[f->nopc++] = (uint8_t)o1;
	if (o1 >= 0 && o2 >= 0)
		f->opc[f->nopc++] = (uint8_t)o2;
	f->rm = RM_ANY;
	return (f);
}

/* add() for forms_fp.c */
struct ct_form *
ct_form_add(int osz, int enc, int o0, int o1, int o2, const char *fmt, ...)
{
	char name[40];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return (add(osz, enc, o0, o1, o2, "%s", name));
}

static struct ct_form *
digit(int osz, int o0, int o1, int d, int cls, const char *fmt, ...)
{
	char name[40];
	struct ct_form *f;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	f = add(osz, ENC_DIGIT, o0, o1, -1, "%s", name);
	f->digit = (uint8_t)d;
	f->cls = (uint8_t)cls;
	return (f);
}

static const int sizes[] = { 1, 2, 4, 8 };
static const int wsizes[] = { 2, 4, 8 };	/* no byte form */

/* ADD OR ADC SBB AND SUB XOR CMP: 00-3D, 80/81/83 (SDM vol. 2 A.3) */
static void
alu_forms(void)
{
	static const char *const ops[8] = { "add", "or", "adc", "sbb", "and",
	    "sub", "xor", "cmp" };

	for (int op = 0; op < 8; op++) {
		int cls = op == 1 || op == 4 || op == 6 ? C_LOGIC : C_ARITH;
		int b = op * 8;
		struct ct_form *f;

		for (int i = 0; i < 4; i++) {
			int s = sizes[i], w = s == 1 ? 0 : 1;

			f = add(s, ENC_MODRM, b + w, -1, -1, "%s_%s_%s",
			    ops[op], rm_n[s], r_n[s]);
			f->cls = (uint8_t)cls;
			f->lockable = op != 7;
			f = add(s, ENC_MODRM, b + 2 + w, -1, -1, "%s_%s_%s",
			    ops[op], r_n[s], rm_n[s]);
			f->cls = (uint8_t)cls;
			f = add(s, ENC_NONE, b + 4 + w, -1, -1, "%s_%s_%s",
			    ops[op], acc_n[s], imm_n[s]);
			f->imm = (uint8_t)immz(s);
			f->cls = (uint8_t)cls;
			f = digit(s, 0x80 + w, -1, op, cls, "%s_%s_%s", ops[op],
			    rm_n[s], imm_n[s]);
			f->imm = (uint8_t)immz(s);
			f->lockable = op != 7;
			if (s != 1) {
				f = digit(s, 0x83, -1, op, cls, "%s_%s_imm8",
				    ops[op], rm_n[s]);
				f->imm = 1;
				f->lockable = op != 7;
			}
		}
	}
}

static void
mov_forms(void)
{
	struct ct_form *f;

	for (int i = 0; i < 4; i++) {
		int s = sizes[i], w = s == 1 ? 0 : 1;

		add(s, ENC_MODRM, 0x88 + w, -1, -1, "mov_%s_%s", rm_n[s],
		    r_n[s]);
		add(s, ENC_MODRM, 0x8a + w, -1, -1, "mov_%s_%s", r_n[s],
		    rm_n[s]);
		f = digit(s, 0xc6 + w, -1, 0, C_NONE, "mov_%s_%s", rm_n[s],
		    imm_n[s]);
		f->imm = (uint8_t)immz(s);
		f = add(s, ENC_OPREG, s == 1 ? 0xb0 : 0xb8, -1, -1,
		    "mov_%s_%s", r_n[s], s == 8 ? "imm64" : imm_n[s]);
		f->imm = (uint8_t)s;
		add(s, ENC_MOFFS, 0xa0 + w, -1, -1, "mov_%s_moffs", acc_n[s]);
		add(s, ENC_MOFFS, 0xa2 + w, -1, -1, "mov_moffs_%s", acc_n[s]);
	}
	for (int i = 0; i < 3; i++) {
		int s = wsizes[i];

		f = add(s, ENC_MODRM, 0x8d, -1, -1, "lea_%s_m", r_n[s]);
		f->rm = RM_MEM;
		f->cls = C_LEA;
		/* MOVZX/MOVSX (0F B6/B7/BE/BF), MOVSXD (63) */
		f = add(s, ENC_MODRM, 0x0f, 0xb6, -1, "movzx_%s_rm8", r_n[s]);
		f->msz = 1;
		f = add(s, ENC_MODRM, 0x0f, 0xbe, -1, "movsx_%s_rm8", r_n[s]);
		f->msz = 1;
		if (s != 2) {
			f = add(s, ENC_MODRM, 0x0f, 0xb7, -1, "movzx_%s_rm16",
			    r_n[s]);
			f->msz = 2;
			f = add(s, ENC_MODRM, 0x0f, 0xbf, -1, "movsx_%s_rm16",
			    r_n[s]);
			f->msz = 2;
			f = add(s, ENC_MODRM, 0x63, -1, -1, "movsxd_%s_rm32",
			    r_n[s]);
			f->msz = 4;
		}
	}
}

static void
unary_forms(void)
{
	struct ct_form *f;

	for (int i = 0; i < 4; i++) {
		int s = sizes[i], w = s == 1 ? 0 : 1;

		digit(s, 0xfe + w, -1, 0, C_ARITH, "inc_%s",
		    rm_n[s])->lockable = 1;
		digit(s, 0xfe + w, -1, 1, C_ARITH, "dec_%s",
		    rm_n[s])->lockable = 1;
		digit(s, 0xf6 + w, -1, 2, C_NONE, "not_%s",
		    rm_n[s])->lockable = 1;
		digit(s, 0xf6 + w, -1, 3, C_ARITH, "neg_%s",
		    rm_n[s])->lockable = 1;
		f = add(s, ENC_MODRM, 0x84 + w, -1, -1, "test_%s_%s", rm_n[s],
		    r_n[s]);
		f->cls = C_LOGIC;
		f = add(s, ENC_NONE, 0xa8 + w, -1, -1, "test_%s_%s", acc_n[s],
		    imm_n[s]);
		f->imm = (uint8_t)immz(s);
		f->cls = C_LOGIC;
		f = digit(s, 0xf6 + w, -1, 0, C_LOGIC, "test_%s_%s", rm_n[s],
		    imm_n[s]);
		f->imm = (uint8_t)immz(s);
		/* MUL IMUL DIV IDIV r/m (F6/F7 /4-/7) */
		digit(s, 0xf6 + w, -1, 4, C_MUL, "mul_%s", rm_n[s]);
		digit(s, 0xf6 + w, -1, 5, C_MUL, "imul_%s", rm_n[s]);
		digit(s, 0xf6 + w, -1, 6, C_DIV, "div_%s", rm_n[s]);
		digit(s, 0xf6 + w, -1, 7, C_DIV, "idiv_%s", rm_n[s]);
	}
	for (int i = 0; i < 3; i++) {
		int s = wsizes[i];

		f = add(s, ENC_MODRM, 0x0f, 0xaf, -1, "imul_%s_%s", r_n[s],
		    rm_n[s]);
		f->cls = C_MUL;
		f = add(s, ENC_MODRM, 0x6b, -1, -1, "imul_%s_%s_imm8", r_n[s],
		    rm_n[s]);
		f->cls = C_MUL;
		f->imm = 1;
		f = add(s, ENC_MODRM, 0x69, -1, -1, "imul_%s_%s_%s", r_n[s],
		    rm_n[s], imm_n[s]);
		f->cls = C_MUL;
		f->imm = (uint8_t)immz(s);
	}
}

/* ROL ROR RCL RCR SHL SHR SAR by 1, CL, imm8 (C0/C1, D0-D3) */
static void
shift_forms(void)
{
	static const char *const ops[8] = { "rol", "ror", "rcl", "rcr", "shl",
	    "shr", NULL, "sar" };
	static const char *const cnt_n[4] = { "", "1", "cl", "imm8" };

	for (int op = 0; op < 8; op++) {
		int cls = op < 2 ? C_ROT : op < 4 ? C_RCX : C_SHIFT;

		if (ops[op] == NULL)
			continue;	/* /6 is an undocumented SHL alias */
		for (int i = 0; i < 4; i++) {
			int s = sizes[i], w = s == 1 ? 0 : 1;

			for (int cnt = CNT_ONE; cnt <= CNT_IMM; cnt++) {
				int opc = cnt == CNT_ONE ? 0xd0 :
				    cnt == CNT_CL ? 0xd2 : 0xc0;
				struct ct_form *f;

				f = digit(s, opc + w, -1, op, cls, "%s_%s_%s",
				    ops[op], rm_n[s], cnt_n[cnt]);
				f->op = (uint8_t)op;
				f->cnt = (uint8_t)cnt;
				if (cnt == CNT_IMM)
					f->imm = 1;
			}
		}
	}
	/* SHLD/SHRD r/m, r, imm8|CL (0F A4/A5/AC/AD) */
	for (int i = 0; i < 3; i++) {
		int s = wsizes[i];

		for (int k = 0; k < 4; k++) {
			struct ct_form *f;
			int opc = (k < 2 ? 0xa4 : 0xac) + (k & 1);

			f = add(s, ENC_MODRM, 0x0f, opc, -1, "%s_%s_%s_%s",
			    k < 2 ? "shld" : "shrd", rm_n[s], r_n[s],
			    k & 1 ? "cl" : "imm8");
			f->cls = C_SHXD;
			f->cnt = (uint8_t)(k & 1 ? CNT_CL : CNT_IMM);
			f->imm = (uint8_t)(k & 1 ? 0 : 1);
		}
	}
}

static void
bit_forms(void)
{
	static const char *const bt_n[4] = { "bt", "bts", "btr", "btc" };
	static const char *const cc_n[16] = { "o", "no", "b", "ae", "e", "ne",
	    "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g" };
	struct ct_form *f;

	for (int i = 0; i < 3; i++) {
		int s = wsizes[i];

		for (int k = 0; k < 4; k++) {
			/* BT* r/m, r: 0F A3/AB/B3/BB; r/m, imm8: 0F BA /4-7 */
			f = add(s, ENC_MODRM, 0x0f, 0xa3 + 8 * k, -1,
			    "%s_%s_%s", bt_n[k], rm_n[s], r_n[s]);
			f->cls = C_BTMEM;
			f->lockable = k != 0;
			f = digit(s, 0x0f, 0xba, 4 + k, C_BT, "%s_%s_imm8",
			    bt_n[k], rm_n[s]);
			f->imm = 1;
			f->lockable = k != 0;
		}
		f = add(s, ENC_MODRM, 0x0f, 0xbc, -1, "bsf_%s_%s", r_n[s],
		    rm_n[s]);
		f->cls = C_BS;
		f = add(s, ENC_MODRM, 0x0f, 0xbd, -1, "bsr_%s_%s", r_n[s],
		    rm_n[s]);
		f->cls = C_BS;
		for (int cc = 0; cc < 16; cc++)
			add(s, ENC_MODRM, 0x0f, 0x40 + cc, -1, "cmov%s_%s_%s",
			    cc_n[cc], r_n[s], rm_n[s]);
	}
	for (int cc = 0; cc < 16; cc++)
		digit(1, 0x0f, 0x90 + cc, 0, C_NONE, "set%s_rm8", cc_n[cc]);
	for (int i = 4; i < 6; i++) {
		/* BSWAP r32/r64 (0F C8+r); the 16-bit form is undefined */
		add(i == 4 ? 4 : 8, ENC_OPREG, 0x0f, 0xc8, -1, "bswap_%s",
		    r_n[i == 4 ? 4 : 8]);
	}
}

static void
xchg_forms(void)
{
	struct ct_form *f;

	for (int i = 0; i < 4; i++) {
		int s = sizes[i], w = s == 1 ? 0 : 1;

		f = add(s, ENC_MODRM, 0x86 + w, -1, -1, "xchg_%s_%s", rm_n[s],
		    r_n[s]);
		f->lockable = 1;
		f = add(s, ENC_MODRM, 0x0f, 0xc0 + w, -1, "xadd_%s_%s", rm_n[s],
		    r_n[s]);
		f->cls = C_ARITH;
		f->lockable = 1;
		f = add(s, ENC_MODRM, 0x0f, 0xb0 + w, -1, "cmpxchg_%s_%s",
		    rm_n[s], r_n[s]);
		f->cls = C_ARITH;
		f->lockable = 1;
		f->op = 'x';
		if (s != 1) {
			f = add(s, ENC_OPREG, 0x90, -1, -1, "xchg_%s_%s",
			    acc_n[s], r_n[s]);
			f->op = 'g';
		}
	}
}

static void
misc_forms(void)
{
	static const struct {
		const char *name;
		int osz, opc;
	} one[] = {
		{ "cbw", 2, 0x98 }, { "cwde", 4, 0x98 }, { "cdqe", 8, 0x98 },
		{ "cwd", 2, 0x99 }, { "cdq", 4, 0x99 }, { "cqo", 8, 0x99 },
		{ "lahf", 4, 0x9f }, { "sahf", 4, 0x9e },
		{ "clc", 4, 0xf8 }, { "stc", 4, 0xf9 }, { "cmc", 4, 0xf5 },
		{ "cld", 4, 0xfc }, { "std", 4, 0xfd }, { "nop", 4, 0x90 },
	};
	struct ct_form *f;

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		add(one[i].osz, ENC_NONE, one[i].opc, -1, -1, "%s",
		    one[i].name);
	/* multi-byte NOP 0F 1F /0 (no memory access) and ENDBR64 */
	for (int i = 0; i < 2; i++) {
		f = digit(i == 0 ? 2 : 4, 0x0f, 0x1f, 0, C_LEA, "nop_%s",
		    rm_n[i == 0 ? 2 : 4]);
		f->rm = RM_ANY;
	}
	f = add(4, ENC_NONE, 0x0f, 0x1e, 0xfa, "endbr64");
	f->pfx[0] = 0xf3;
	/* PUSH/POP (64-bit default operand size; 66 gives 16) */
	for (int i = 0; i < 2; i++) {
		int s = i == 0 ? 8 : 2;

		f = digit(s, 0xff, -1, 6, C_STACK, "push_%s", rm_n[s]);
		f->d64 = 1;
		f = digit(s, 0x8f, -1, 0, C_STACK, "pop_%s", rm_n[s]);
		f->d64 = 1;
		f = add(s, ENC_OPREG, 0x50, -1, -1, "push_%s", r_n[s]);
		f->d64 = 1;
		f->cls = C_STACK;
		f = add(s, ENC_OPREG, 0x58, -1, -1, "pop_%s", r_n[s]);
		f->d64 = 1;
		f->cls = C_STACK;
		f = add(s, ENC_NONE, 0x6a, -1, -1, "push%s_imm8", sfx_n[s]);
		f->d64 = 1;
		f->cls = C_STACK;
		f->imm = 1;
		f = add(s, ENC_NONE, 0x68, -1, -1, "push%s_%s", sfx_n[s],
		    imm_n[s]);
		f->d64 = 1;
		f->cls = C_STACK;
		f->imm = (uint8_t)immz(s);
	}
}

/* More of the general-purpose set: frames, XLAT, CMPXCHG8B/16B, POPCNT,
 * CRC32, and opcodes that are invalid in 64-bit mode (#UD). */
static void
more_forms(void)
{
	static const struct {
		const char *name;
		int opc, imm;
	} inval[] = {
		{ "daa", 0x27, 0 }, { "das", 0x2f, 0 }, { "aaa", 0x37, 0 },
		{ "aas", 0x3f, 0 }, { "aam", 0xd4, 1 }, { "aad", 0xd5, 1 },
		{ "push_es", 0x06, 0 }, { "pop_es", 0x07, 0 },
		{ "push_cs", 0x0e, 0 }, { "push_ss", 0x16, 0 },
		{ "pop_ss", 0x17, 0 }, { "push_ds", 0x1e, 0 },
		{ "pop_ds", 0x1f, 0 }, { "pusha", 0x60, 0 },
		{ "popa", 0x61, 0 },
		{ "into", 0xce, 0 }, { "salc", 0xd6, 0 },
		{ "jmpf", 0xea, 6 }, { "callf", 0x9a, 6 },
	};
	struct ct_form *f;

	for (size_t i = 0; i < sizeof(inval) / sizeof(inval[0]); i++) {
		f = add(4, ENC_NONE, inval[i].opc, -1, -1, "ud64_%s",
		    inval[i].name);
		f->imm = (uint8_t)inval[i].imm;
	}
	f = digit(4, 0x82, -1, 0, C_NONE, "ud64_82");
	f->imm = 1;
	f = add(4, ENC_NONE, 0xd7, -1, -1, "xlat");
	f->cls = C_XLAT;
	for (int i = 0; i < 2; i++) {
		int s = i == 0 ? 8 : 2;

		f = add(s, ENC_NONE, 0xc9, -1, -1, "leave%s", sfx_n[s]);
		f->cls = C_LEAVE;
		f->d64 = 1;
		f = add(s, ENC_NONE, 0xc8, -1, -1, "enter%s", sfx_n[s]);
		f->cls = C_ENTER;
		f->d64 = 1;
		f->imm = 3;		/* iw, ib */
	}
	f = digit(4, 0x0f, 0xc7, 1, C_CX8, "cmpxchg8b_m64");
	f->rm = RM_MEM;
	f->msz = 8;
	f->lockable = 1;
	f = digit(8, 0x0f, 0xc7, 1, C_CX8, "cmpxchg16b_m128");
	f->rm = RM_MEM;
	f->msz = 16;
	f->lockable = 1;
	for (int i = 0; i < 3; i++) {
		int s = wsizes[i];

		f = add(s, ENC_MODRM, 0x0f, 0xb8, -1, "popcnt_%s_%s", r_n[s],
		    rm_n[s]);
		f->pfx[0] = 0xf3;
	}
	/* CRC32 (F2 0F 38 F0/F1): the operand size is the source's */
	f = add(4, ENC_MODRM, 0x0f, 0x38, 0xf0, "crc32_r32_rm8");
	f->pfx[0] = 0xf2;
	f->msz = 1;
	f = add(2, ENC_MODRM, 0x0f, 0x38, 0xf1, "crc32_r32_rm16");
	f->pfx[0] = 0xf2;
	f = add(4, ENC_MODRM, 0x0f, 0x38, 0xf1, "crc32_r32_rm32");
	f->pfx[0] = 0xf2;
	f = add(8, ENC_MODRM, 0x0f, 0x38, 0xf0, "crc32_r64_rm8");
	f->pfx[0] = 0xf2;
	f->msz = 1;
	f = add(8, ENC_MODRM, 0x0f, 0x38, 0xf1, "crc32_r64_rm64");
	f->pfx[0] = 0xf2;
}

/*
 * Compatibility mode (32-bit code under a 64-bit OS): every form that
 * exists outside 64-bit mode again, named m32_<form>, with the default
 * operand size 32 for the stack forms, plus what only 32-bit code has:
 * one-byte INC/DEC, BCD, PUSHA/POPA, INTO.
 */
static bool
m32_ok(const struct ct_form *f)
{
	if (f->osz == 8 && !f->d64)
		return (false);		/* REX.W forms */
	if (f->msz == 16 || strncmp(f->name, "ud64_", 5) == 0 ||
	    strncmp(f->name, "movsxd", 6) == 0)	/* 63 is ARPL */
		return (false);
	return (true);
}

static void
m32_forms(void)
{
	static const struct {
		const char *name;
		int opc, imm, cls;
	} bcd[] = {
		{ "daa", 0x27, 0, C_BCD_DA }, { "das", 0x2f, 0, C_BCD_DA },
		{ "aaa", 0x37, 0, C_BCD_AA }, { "aas", 0x3f, 0, C_BCD_AA },
		{ "aam", 0xd4, 1, C_BCD_AM }, { "aad", 0xd5, 1, C_BCD_AM },
		{ "into", 0xce, 0, C_NONE },
	};
	int n = ct_nforms;
	struct ct_form *f;

	for (int i = 0; i < n; i++) {
		const struct ct_form *src = &table[i];
		const char *keep;
		char name[40], *p;

		if (!m32_ok(src))
			continue;
		snprintf(name, sizeof(name), "m32_%s", src->name);
		if (src->osz == 8) {
			/* push_rm64 -> m32_push_rm32, pushq_imm8 ->
			 * m32_pushd_imm8, leaveq -> m32_leaved */
			if ((p = strstr(name, "64")) != NULL)
				memcpy(p, "32", 2);
			else if ((p = strchr(name + 4, 'q')) != NULL)
				*p = 'd';
		}
		f = add(src->osz, src->enc, 0, -1, -1, "%s", name);
		keep = f->name;
		*f = *src;
		f->name = keep;
		f->m32 = 1;
		if (f->osz == 8)
			f->osz = 4;
	}
	for (int i = 0; i < 2; i++) {
		int s = i == 0 ? 4 : 2;

		f = add(s, ENC_OPREG, 0x40, -1, -1, "m32_inc_%s_short", r_n[s]);
		f->cls = C_ARITH;
		f->m32 = 1;
		f = add(s, ENC_OPREG, 0x48, -1, -1, "m32_dec_%s_short", r_n[s]);
		f->cls = C_ARITH;
		f->m32 = 1;
		f = add(s, ENC_NONE, 0x60, -1, -1, "m32_pusha%s", sfx_n[s]);
		f->cls = C_STACK;
		f->m32 = 1;
		f = add(s, ENC_NONE, 0x61, -1, -1, "m32_popa%s", sfx_n[s]);
		f->cls = C_STACK;
		f->m32 = 1;
	}
	for (size_t i = 0; i < sizeof(bcd) / sizeof(bcd[0]); i++) {
		f = add(4, ENC_NONE, bcd[i].opc, -1, -1, "m32_%s", bcd[i].name);
		f->imm = (uint8_t)bcd[i].imm;
		f->cls = (uint8_t)bcd[i].cls;
		f->m32 = 1;
	}
}

/*
 * 16-bit code: the m32 forms with a ModRM operand again, named
 * m16_<form>, run in a 16-bit code segment (default operand and address
 * size 16: 66 selects 32-bit operands, 67 32-bit addressing).  Their
 * memory operands use the 16-bit forms [BX+SI] ... [disp16] with
 * wrap-around at 64 KiB (gen.c).  Not the string, stack, XLAT and moffs
 * forms (SI/DI/SP-relative state in 16-bit segments is not generated),
 * nor CMOVcc/SETcc and the shifts by 1 or CL.
 */
static void
m16_forms(void)
{
	int n = ct_nforms;
	struct ct_form *f;

	for (int i = 0; i < n; i++) {
		const struct ct_form *src = &table[i];
		const char *keep;

		if (!src->m32 || src->cls == C_FP || src->cls == C_STR ||
		    src->cls == C_STACK || src->cls == C_LEAVE ||
		    src->cls == C_ENTER || src->cls == C_XLAT ||
		    (src->enc != ENC_MODRM && src->enc != ENC_DIGIT))
			continue;
		/* to keep the run short: what the mode changes is the
		 * operand and address size, not the condition codes or the
		 * count source, which the m32 forms cover */
		if (strncmp(src->name, "m32_cmov", 8) == 0 ||
		    strncmp(src->name, "m32_set", 7) == 0 ||
		    (src->cnt != CNT_NONE && src->cnt != CNT_IMM))
			continue;
		f = add(src->osz, src->enc, 0, -1, -1, "m16_%s", src->name + 4);
		keep = f->name;
		*f = *src;
		f->name = keep;
		f->m16 = 1;
	}
}

/* MOVS STOS LODS CMPS SCAS, plain, REP/REPE and REPNE */
static void
string_forms(void)
{
	static const struct {
		const char *name;
		int opc;
		bool cond;	/* REPE/REPNE meaningful */
	} str[] = {
		{ "movs", 0xa4, false }, { "stos", 0xaa, false },
		{ "lods", 0xac, false }, { "cmps", 0xa6, true },
		{ "scas", 0xae, true },
	};

	for (size_t k = 0; k < sizeof(str) / sizeof(str[0]); k++) {
		for (int i = 0; i < 4; i++) {
			int s = sizes[i], w = s == 1 ? 0 : 1;
			struct ct_form *f;

			for (int rep = 0; rep < (str[k].cond ? 3 : 2); rep++) {
				static const char *const rep_n[3] = { "",
				    "rep_", "repne_" };
				const char *rn = rep == 1 && str[k].cond ?
				    "repe_" : rep_n[rep];

				f = add(s, ENC_NONE, str[k].opc + w, -1, -1,
				    "%s%s%s", rn, str[k].name, sfx_n[s]);
				f->cls = C_STR;
				f->pfx[0] = rep == 0 ? 0 : rep == 1 ? 0xf3 :
				    0xf2;
			}
		}
	}
}

int
ct_forms_init(void)
{
	ct_nforms = 0;
	alu_forms();
	mov_forms();
	unary_forms();
	shift_forms();
	bit_forms();
	xchg_forms();
	misc_forms();
	string_forms();
	more_forms();
	m32_forms();
	m16_forms();
	ct_fp_forms();
	if (overflow) {
		fprintf(stderr, "cputest: more than %d forms\n", MAXFORMS);
		return (-1);
	}
	return (0);
}
