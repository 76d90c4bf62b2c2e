/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cputest.h: the CPU differential tester's shared types: instruction forms
 * (the data-driven table), test cases (instruction bytes plus a register,
 * flag and memory state), results, and the three parts that produce them:
 * the generator, the native runner (the host CPU as oracle) and the
 * emulator runner (lhyve's emu backend through vmm.h only).
 */
#ifndef LHYVE_CPUTEST_H
#define LHYVE_CPUTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The fixed layout both runs share (guest-physical == guest-linear ==
 * host-virtual in the native child).  Below 4 GiB so that 32-bit address
 * size (0x67) and disp32-absolute forms reach it; above the boot GDT and
 * page tables x86_setup_long() puts at 0x1000-0x7fff.
 */
#define CT_CODE_ADDR	0x100000ULL	/* the instruction, then the tail */
#define CT_MEM_ADDR	0x200000ULL	/* scratch: data page + stack page */
#define CT_MEM_SIZE	0x2000
#define CT_STACK_PAGE	(CT_MEM_ADDR + 0x1000)
#define CT_IDT_ADDR	0x10000ULL	/* guest only: IDT, its stubs, TSS */
#define CT_STUB_ADDR	0x11000ULL
#define CT_TSS_ADDR	0x12000ULL
#define CT_IST_TOP	0x20000ULL	/* the exception stack (IST 1) */
#define CT_MAX_INSN	16
/* Guest only: the FXRSTOR/FXSAVE images of x87/SSE cases, and the stub
 * that loads the input image before jumping to the test code. */
#define CT_FXIN_ADDR	0x13000ULL
#define CT_FXOUT_ADDR	0x13200ULL
#define CT_FXPRO_ADDR	(CT_CODE_ADDR + 0xc00)
#define CT_FX_SIZE	512

/*
 * 16-bit code (m16 forms): a 16-bit code segment based at CT_CODE_ADDR
 * (IP 0 is the instruction) and 16-bit data segments for DS, ES and SS
 * based at CT_MEM_ADDR, limits 0xffff: natively LDT entries installed
 * with modify_ldt(2), in the guest hidden descriptors.
 */
#define CT_SEG16_CODE	CT_CODE_ADDR
#define CT_SEG16_DATA	CT_MEM_ADDR

/* Ports the guest reports through (guest side only). */
#define CT_PORT_DONE	0x80		/* the instruction completed */
#define CT_PORT_VEC	0xc0		/* 0xc0 + vector: an exception */

/* GPRs in encoding order (ModRM reg/rm numbering). */
enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI, R_R8, R_R9, R_R10,
    R_R11, R_R12, R_R13, R_R14, R_R15 };

/* RFLAGS bits the tester sets and compares (SDM vol. 1 §3.4.3). */
#define FL_CF	0x0001u
#define FL_PF	0x0004u
#define FL_AF	0x0010u
#define FL_ZF	0x0040u
#define FL_SF	0x0080u
#define FL_OF	0x0800u
#define FL_DF	0x0400u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
#define FL_ALL	(FL_ARITH | FL_DF)

struct ct_state {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
};

/* ---- forms ---- */

/* How the operands are encoded. */
enum ct_enc {
	ENC_NONE,	/* opcode only (implicit operands) */
	ENC_MODRM,	/* ModRM: reg field is a register operand */
	ENC_DIGIT,	/* ModRM: reg field is the opcode extension /digit */
	ENC_OPREG,	/* register in the opcode's low 3 bits (+REX.B) */
	ENC_MOFFS,	/* A0-A3: 64-bit absolute address */
};

/* Which r/m operands a ModRM form takes. */
enum ct_rm { RM_ANY, RM_REG, RM_MEM };

/*
 * Semantic class: decides the generator's constraints (counts, divisors,
 * bit offsets, string ranges) and which flags the SDM leaves undefined.
 */
enum ct_cls {
	C_NONE,		/* no flags changed, nothing special */
	C_ARITH,	/* all six arithmetic flags defined */
	C_LOGIC,	/* AF undefined (AND/OR/XOR/TEST) */
	C_SHIFT,	/* SHL/SHR/SAR: depends on the count */
	C_ROT,		/* ROL/ROR */
	C_RCX,		/* RCL/RCR */
	C_SHXD,		/* SHLD/SHRD */
	C_MUL,		/* SF ZF AF PF undefined */
	C_DIV,		/* all six undefined; #DE */
	C_BT,		/* OF SF AF PF undefined, CF defined, ZF kept */
	C_BTMEM,	/* BT* r/m, r: the offset reaches outside the operand */
	C_BS,		/* BSF/BSR: only ZF defined */
	C_LEA,		/* no memory access: any address */
	C_STR,		/* string instruction: RSI/RDI/RCX in the scratch */
	C_STACK,	/* uses the stack: no RSP-based memory operand */
	C_XLAT,		/* AL = [RBX + AL] */
	C_LEAVE,	/* RSP = RBP, pop RBP: RBP on the stack page */
	C_ENTER,	/* a frame of imm16 bytes, nesting level imm8 */
	C_CX8,		/* CMPXCHG8B/16B: EDX:EAX / RDX:RAX often equal */
	C_BCD_DA,	/* DAA/DAS: OF undefined */
	C_BCD_AA,	/* AAA/AAS: OF SF ZF PF undefined */
	C_BCD_AM,	/* AAM/AAD: OF AF CF undefined */
	C_FP,		/* x87/MMX/SSE: the FXSAVE state is part of the case */
};

/* Element types of x87/MMX/SSE operands (what edge values to draw). */
enum ct_et { ET_INT, ET_F32, ET_F64, ET_F80, ET_I16, ET_I32, ET_I64,
    ET_BCD };

/* ct_form.fpx flags */
#define FPX_A16		0x01	/* a 16-byte memory operand must be aligned */
#define FPX_MMX		0x02	/* uses MMX registers (x87 tags change) */
#define FPX_X87		0x04	/* x87 instruction */
#define FPX_STR		0x08	/* PCMPxSTRx: small lengths in EAX/EDX */
#define FPX_RDI		0x10	/* MASKMOVQ/MASKMOVDQU: writes [RDI] */
#define FPX_UNMASK	0x20	/* draw unmasked exceptions more often */

struct ct_form {
	const char *name;	/* unique, no spaces: e.g. add_rm32_r32 */
	uint8_t pfx[2];		/* legacy prefixes before 66/REX (0 = none) */
	uint8_t opc[3];
	uint8_t nopc;
	uint8_t osz;		/* operand size 1, 2, 4, 8 */
	uint8_t enc;		/* enum ct_enc */
	uint8_t digit;		/* ENC_DIGIT: the /digit */
	uint8_t rm;		/* enum ct_rm */
	uint8_t imm;		/* immediate bytes */
	uint8_t cls;		/* enum ct_cls */
	uint8_t op;		/* class detail: shift kind, SHLD vs SHRD ... */
	uint8_t cnt;		/* count source for shifts (CNT_*) */
	uint8_t msz;		/* memory operand size if not osz */
	uint8_t d64;		/* 64-bit by default (push/pop): no REX.W */
	uint8_t lockable;	/* LOCK is legal with a memory destination */
	uint8_t m32;		/* run in compatibility mode (32-bit code) */
	uint8_t m16;		/* ... in a 16-bit code segment (m32 too) */
	uint8_t et;		/* C_FP: enum ct_et of the operands */
	uint8_t fpx;		/* C_FP: FPX_* */
	uint16_t fswmask;	/* C_FP: x87 FSW bits the SDM leaves undefined */
};

#define CNT_NONE 0
#define CNT_ONE	1
#define CNT_CL	2
#define CNT_IMM	3

/* The shift/rotate op numbers are the /digit of C0/C1/D0-D3. */
#define SH_ROL 0
#define SH_ROR 1
#define SH_RCL 2
#define SH_RCR 3
#define SH_SHL 4
#define SH_SHR 5
#define SH_SAR 7

extern struct ct_form *ct_forms;
extern int ct_nforms;
/* Build the table; 0 or -1. */
int ct_forms_init(void);
/* forms_fp.c: the x87, MMX and SSE..SSE4.2 forms */
void ct_fp_forms(void);
struct ct_form *ct_form_add(int osz, int enc, int o0, int o1, int o2,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));


/* ---- cases ---- */

#define CT_PATCH_MAX 320

struct ct_patch {
	uint16_t off;		/* from CT_MEM_ADDR */
	uint16_t len;
	uint8_t bytes[CT_PATCH_MAX];
};

/*
 * Case tags: properties of a case that an expected-failure entry may name
 * ("form-glob:tag"), so that a known bug is excused only where it applies.
 */
#define TAG_XPAGE	0x01	/* a memory operand spans two pages */
#define TAG_A32		0x02	/* 32-bit address size (0x67) */
#define TAG_CNT0	0x04	/* shift/rotate whose masked count is 0 */
#define TAG_REP0	0x08	/* REP string with a zero count */
#define TAG_LOCK	0x10	/* LOCK prefix (legal or, for #UD, not) */
#define TAG_SEG		0x20	/* a (null in 64-bit mode) segment override */
#define TAG_UNALIGN	0x40	/* a 16-byte SSE operand is not aligned */
#define TAG_FSGS	0x80	/* an FS/GS override with a case-set base */
#define TAG_NAMES	{ "xpage", "a32", "cnt0", "rep0", "lock", "seg", \
    "unalign", "fsgs" }
#define TAG_COUNT	8

struct ct_case {
	struct ct_state in;
	uint8_t insn[CT_MAX_INSN];
	uint8_t len;
	uint8_t tags;		/* TAG_* */
	uint8_t m32;		/* compatibility mode: 8 GPRs, low halves */
	uint8_t m16;		/* 16-bit code segment (CT_SEG16_*) */
	uint64_t fsbase, gsbase;	/* TAG_FSGS: the FS and GS bases */
	uint16_t flagmask;	/* RFLAGS bits compared: FL_ALL - undefined */
	int npatch;
	struct ct_patch patch[2];	/* on top of the per-form background */
	uint8_t fpu;		/* x87/SSE case: fx is loaded and compared */
	uint16_t fswmask;	/* FSW bits not compared */
	uint16_t skip_off, skip_len;	/* scratch bytes not compared */
	uint8_t fx[CT_FX_SIZE] __attribute__((aligned(16)));	/* FXSAVE64 */
};

/* Deterministic PRNG (xoshiro256**). */
struct ct_rng {
	uint64_t s[4];
};
void ct_rng_seed(struct ct_rng *r, uint64_t seed);
uint64_t ct_rng_next(struct ct_rng *r);
uint64_t ct_rng_below(struct ct_rng *r, uint64_t n);

/* Fill the per-form memory background (CT_MEM_SIZE bytes). */
void ct_gen_background(struct ct_rng *r, uint8_t *mem);
/* Generate one case of form f.  0, or -1 (the form is malformed). */
int ct_gen_case(const struct ct_form *f, struct ct_rng *r, struct ct_case *c);
/* gen_fp.c: the FXSAVE image of a C_FP case, and FP-typed values in its
 * memory operand's patch (p, or NULL) */
void ct_gen_fp(const struct ct_form *f, struct ct_rng *r, struct ct_case *c,
    struct ct_patch *p);
/* Apply a case's patches to a copy of the background. */
void ct_case_memory(const struct ct_case *c, const uint8_t *bg, uint8_t *mem);

/* ---- results ---- */

enum ct_status {
	ST_OK,			/* ran to the end, or faulted with a vector */
	ST_NATIVE_CRASH,	/* the native child died: tester bug */
	ST_EMU_UNIMPL,		/* the emulator raised #UD for "not yet" */
	ST_EMU_HANG,		/* the emulator did not report back in time */
	ST_EMU_ERROR,		/* vm_run failed or an unexpected exit */
};

struct ct_result {
	struct ct_state st;	/* at the end, or at the fault */
	int vector;		/* -1: no exception */
	int status;		/* enum ct_status */
	uint64_t end_rip;	/* RIP where the instruction ended */
	char why[96];
	uint8_t fx[CT_FX_SIZE] __attribute__((aligned(16)));	/* FXSAVE64 */
	uint8_t mem[CT_MEM_SIZE];
};

/* ---- runners ---- */

/*
 * Run cases [0, n) natively in forked children (one per batch, restarted
 * after a crash), results into res (which must be MAP_SHARED memory).
 * 0 or -1.
 */
int ct_native_run(const struct ct_case *cases, int n, const uint8_t *bg,
    struct ct_result *res);

/* The emulator: one VM for the whole run. */
int ct_emu_init(char *err, size_t errlen);
void ct_emu_fini(void);
void ct_emu_run(const struct ct_case *c, const uint8_t *bg,
    struct ct_result *res);

/* ---- comparing and reporting (report.c) ---- */

/* What differed, per category, over one form's cases. */
enum { D_NATIVE, D_UNIMPL, D_HANG, D_ERROR, D_VECTOR, D_RIP, D_GPR, D_FLAGS,
    D_MEM, D_X87, D_SSE, D_LAST };

struct form_stats {
	int cases, bad, faults;
	int expected;		/* of bad: excused by an xfail.txt entry */
	int first_x;		/* the first such entry, -1 none */
	int cat[D_LAST];
};

/* Where reports go (stdout, or a worker's per-form buffer). */
extern FILE *ct_out;
/* Compare the flags the SDM leaves undefined too (--strict-flags). */
extern bool ct_strict_flags;

/*
 * Compare native (a) and emulated (b) results of case c: a bit set of
 * D_* categories; with verbose, print what differs.
 */
unsigned ct_compare(const struct ct_case *c, const struct ct_result *a,
    const struct ct_result *b, bool verbose);
/* Print case idx of f in full (b == NULL: no result, e.g. a crash). */
void ct_print_case(const struct ct_form *f, int idx, const struct ct_case *c,
    const struct ct_result *a, const struct ct_result *b, bool self,
    uint64_t seed);
/* "k/n mismatch: gpr 3 rflags 1" */
void ct_describe(const struct form_stats *st, char *buf, size_t len);
/* objdump's text for the instruction in 64-, 32- or 16-bit code
 * (bits), or "?" */
void ct_disasm(const uint8_t *insn, int len, int bits, char *out,
    size_t outlen);

/* The host has user-mode WRFSBASE/WRGSBASE (AT_HWCAP2): FS/GS override
 * cases are generated only then (gen.c). */
extern bool ct_host_fsgsbase;

#endif /* LHYVE_CPUTEST_H */
