/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode.c: the emu backend's x86 instruction decoder, table-driven, for
 * the 1-byte, 0F, 0F38 and 0F3A opcode maps (Intel SDM vol. 2, ch. 2 and
 * appendix A), in 16-, 32- and 64-bit code.
 *
 * One attribute word per opcode says whether a ModRM byte follows, which
 * immediate follows, and which encodings are invalid (reserved, invalid in
 * 64-bit mode, wrong mandatory prefix, register or memory form only).  The
 * few opcodes whose validity or immediate depends on ModRM.reg/mod (the
 * "groups" of SDM table A-6 and the x87 escapes, tables A-7..A-22) take a
 * short slow path.  Nothing is allocated; the decoder runs on every fill of
 * the decoded-instruction cache.
 *
 * Deliberately rejected (EMU_DECODE_UD): VEX (C4/C5), EVEX (62) and XOP
 * (8F with ModRM.reg != 0) encodings, since the CPU model advertises no
 * AVX/AVX-512/XOP; 3DNow! (0F 0E, 0F 0F) and AMD-only encodings (SSE4a
 * EXTRQ/INSERTQ, SVM, MONITORX...), since the model is GenuineIntel; and
 * a LOCK prefix on anything but a lockable read-modify-write to memory
 * (SDM vol. 2, 2.1.1: "#UD").
 */

#include <string.h>

#include "vmm/emu/decode.h"

/*
 * Attribute word.  Bits 0-3: the immediate kind; then flags; bits 16-19:
 * the mandatory prefixes allowed (0 = the opcode takes no mandatory prefix,
 * 66/F2/F3 keep their legacy meaning).
 */
#define I_NONE	0x0
#define I_B	0x1	/* Ib, Jb */
#define I_W	0x2	/* Iw */
#define I_Z	0x3	/* Iz, Jz: 2 or 4 bytes by operand size */
#define I_V	0x4	/* Iv: 2, 4 or 8 (MOV r, imm: B8+r) */
#define I_MOFFS	0x5	/* moffs: address size (A0-A3) */
#define I_ENTER	0x6	/* Iw then Ib */
#define I_AP	0x7	/* Ap: offset (2 or 4) then selector (2) */
#define I_MASK	0xf

#define M	0x0010	/* a ModRM byte follows */
#define X64	0x0020	/* invalid in 64-bit mode */
#define D64	0x0040	/* default operand size 64 in 64-bit mode (d64) */
#define F64	0x0080	/* operand size forced to 64 in 64-bit mode (f64) */
#define UD	0x0100	/* reserved in every mode */
#define GRP	0x0200	/* validity/immediate depend on ModRM: slow path */
#define LK	0x0400	/* LOCK allowed (with a memory operand) */
#define MEM	0x0800	/* memory form only: mod == 3 is #UD */
#define REG	0x1000	/* register form only: mod != 3 is #UD */
#define CR	0x2000	/* MOV CR/DR: mod is ignored, always a register */
#define NAT	0x4000	/* operand size 8 in 64-bit mode, else 4 (VMREAD..) */

#define P_NP	0x10000
#define P_66	0x20000
#define P_F3	0x40000
#define P_F2	0x80000
#define P_ALL	(P_NP | P_66 | P_F3 | P_F2)
#define P_MMX	(P_NP | P_66)	/* MMX form and its 66 XMM form */
#define P_SHIFT	16

/* Short names, so the tables below read as the SDM's opcode maps. */
#define B	I_B
#define W	I_W
#define Z	I_Z
#define MB	(M | I_B)
#define MZ	(M | I_Z)
#define ML	(M | LK)

/* SDM table A-2: one-byte opcodes.  Prefix bytes and 0F are never looked up. */
static const uint32_t op1b[256] = {
	/* 00 */ ML, ML, M, M, B, Z, X64, X64,
	/* 08 */ ML, ML, M, M, B, Z, X64, UD,
	/* 10 */ ML, ML, M, M, B, Z, X64, X64,
	/* 18 */ ML, ML, M, M, B, Z, X64, X64,
	/* 20 */ ML, ML, M, M, B, Z, UD, X64,
	/* 28 */ ML, ML, M, M, B, Z, UD, X64,
	/* 30 */ ML, ML, M, M, B, Z, UD, X64,
	/* 38 */ M, M, M, M, B, Z, UD, X64,
	/* 40: INC/DEC (REX in 64-bit mode, consumed as a prefix) */
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 48 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ D64, D64, D64, D64, D64, D64, D64, D64,
	/* 58 */ D64, D64, D64, D64, D64, D64, D64, D64,
	/* 60: PUSHA POPA BOUND(62 mod=3 is EVEX) ARPL/MOVSXD */
	/* 60 */ X64, X64, M | X64 | MEM, M, UD, UD, UD, UD,
	/* 68 */ Z | D64, MZ, B | D64, MB, 0, 0, 0, 0,
	/* 70 */ B | F64, B | F64, B | F64, B | F64,
	/* 74 */ B | F64, B | F64, B | F64, B | F64,
	/* 78 */ B | F64, B | F64, B | F64, B | F64,
	/* 7C */ B | F64, B | F64, B | F64, B | F64,
	/* 80 */ MB | GRP, MZ | GRP, MB | X64 | GRP, MB | GRP,
	/* 84 */ M, M, ML, ML,
	/* 88 */ M, M, M, M, M | GRP, M | MEM, M | GRP, M | D64 | GRP,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 98 */ 0, 0, I_AP | X64, 0, D64, D64, 0, 0,
	/* A0 */ I_MOFFS, I_MOFFS, I_MOFFS, I_MOFFS, 0, 0, 0, 0,
	/* A8 */ B, Z, 0, 0, 0, 0, 0, 0,
	/* B0 */ B, B, B, B, B, B, B, B,
	/* B8 */ I_V, I_V, I_V, I_V, I_V, I_V, I_V, I_V,
	/* C0: group 2; C4/C5 with mod=3 are VEX */
	/* C0 */ MB | GRP, MB | GRP, W | F64, F64,
	/* C4 */ M | X64 | MEM, M | X64 | MEM, MB | GRP, MZ | GRP,
	/* C8 */ I_ENTER | D64, D64, W, 0, 0, B, X64, 0,
	/* D0 */ M | GRP, M | GRP, M | GRP, M | GRP, B | X64, B | X64, UD, 0,
	/* D8: x87 escapes */
	/* D8 */ M | GRP, M | GRP, M | GRP, M | GRP,
	/* DC */ M | GRP, M | GRP, M | GRP, M | GRP,
	/* E0 */ B | F64, B | F64, B | F64, B | F64, B, B, B, B,
	/* E8 */ Z | F64, Z | F64, I_AP | X64, B | F64, 0, 0, 0, 0,
	/* F0 */ UD, 0, UD, UD, 0, 0, M | GRP, M | GRP,
	/* F8 */ 0, 0, 0, 0, 0, 0, M | GRP, M | GRP,
};

/* SDM table A-3: two-byte opcodes (0F xx). */
static const uint32_t op0f[256] = {
	/* 00 */ M | GRP, M | GRP, M, M, UD, 0, 0, 0,
	/* 08: 0E FEMMS and 0F 3DNow! are AMD-only */
	/* 08 */ 0, 0, UD, 0, UD, M | MEM, UD, UD,
	/* 10 */ M | P_ALL, M | P_ALL, M | P_ALL | GRP, M | P_MMX | MEM,
	/* 14 */ M | P_MMX, M | P_MMX, M | P_NP | P_66 | P_F3 | GRP,
	/* 17 */ M | P_MMX | MEM,
	/* 18: prefetch and the reserved-NOP hint space */
	/* 18 */ M, M, M, M, M, M, M, M,
	/* 20 */ M | CR | NAT, M | CR | NAT, M | CR | NAT, M | CR | NAT,
	/* 24: MOV to/from test registers (i486 only) */
	/* 24 */ UD, UD, UD, UD,
	/* 28 */ M | P_MMX, M | P_MMX, M | P_ALL, M | P_MMX | MEM,
	/* 2C */ M | P_ALL, M | P_ALL, M | P_MMX, M | P_MMX,
	/* 30 */ 0, 0, 0, 0, 0, 0, UD, 0,
	/* 38: 38 and 3A are the three-byte escapes */
	/* 38 */ UD, UD, UD, UD, UD, UD, UD, UD,
	/* 40 */ M, M, M, M, M, M, M, M,
	/* 48 */ M, M, M, M, M, M, M, M,
	/* 50 */ M | P_MMX | REG, M | P_ALL, M | P_NP | P_F3, M | P_NP | P_F3,
	/* 54 */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* 58 */ M | P_ALL, M | P_ALL, M | P_ALL, M | P_MMX | P_F3,
	/* 5C */ M | P_ALL, M | P_ALL, M | P_ALL, M | P_ALL,
	/* 60 */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* 64 */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* 68 */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* 6C */ M | P_66, M | P_66, M | P_MMX, M | P_MMX | P_F3,
	/* 70 */ MB | P_ALL, MB | P_MMX | GRP, MB | P_MMX | GRP, MB | P_MMX | GRP,
	/* 74 */ M | P_MMX, M | P_MMX, M | P_MMX, P_NP,
	/* 78: VMREAD/VMWRITE (66/F2 forms are AMD SSE4a) */
	/* 78 */ M | NAT | P_NP, M | NAT | P_NP, UD, UD,
	/* 7C */ M | P_66 | P_F2, M | P_66 | P_F2, M | P_MMX | P_F3,
	/* 7F */ M | P_MMX | P_F3,
	/* 80 */ Z | F64, Z | F64, Z | F64, Z | F64,
	/* 84 */ Z | F64, Z | F64, Z | F64, Z | F64,
	/* 88 */ Z | F64, Z | F64, Z | F64, Z | F64,
	/* 8C */ Z | F64, Z | F64, Z | F64, Z | F64,
	/* 90 */ M, M, M, M, M, M, M, M,
	/* 98 */ M, M, M, M, M, M, M, M,
	/* A0 */ D64, D64, 0, M, MB, M, UD, UD,
	/* A8 */ D64, D64, 0, ML, MB, M, M | GRP, M,
	/* B0 */ ML, ML, M | MEM, ML, M | MEM, M | MEM, M, M,
	/* B8: F3 POPCNT (no-prefix B8 is IA-64 JMPE) */
	/* B8 */ M | P_F3, M, MB | GRP, ML, M, M, M, M,
	/* C0 */ ML, ML, MB | P_ALL, M | P_NP | MEM,
	/* C4 */ MB | P_MMX, MB | P_MMX | REG, MB | P_MMX, M | GRP,
	/* C8 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* D0 */ M | P_66 | P_F2, M | P_MMX, M | P_MMX, M | P_MMX,
	/* D4 */ M | P_MMX, M | P_MMX, M | P_66 | P_F3 | P_F2 | GRP,
	/* D7 */ M | P_MMX | REG,
	/* D8 */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* DC */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* E0 */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* E4 */ M | P_MMX, M | P_MMX, M | P_66 | P_F3 | P_F2, M | P_MMX | MEM,
	/* E8 */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* EC */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* F0 */ M | P_F2 | MEM, M | P_MMX, M | P_MMX, M | P_MMX,
	/* F4 */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX | REG,
	/* F8 */ M | P_MMX, M | P_MMX, M | P_MMX, M | P_MMX,
	/* FC */ M | P_MMX, M | P_MMX, M | P_MMX, M,
};

/*
 * SDM table A-4: three-byte opcodes 0F 38 xx, legacy (non-VEX) forms only.
 * Everything takes ModRM and no immediate; the table only says which
 * mandatory prefixes exist.  0 = reserved.
 */
static const uint32_t op0f38[256] = {
	/* SSSE3: PSHUFB .. PMULHRSW */
	[0x00] = M | P_MMX, [0x01] = M | P_MMX, [0x02] = M | P_MMX,
	[0x03] = M | P_MMX, [0x04] = M | P_MMX, [0x05] = M | P_MMX,
	[0x06] = M | P_MMX, [0x07] = M | P_MMX, [0x08] = M | P_MMX,
	[0x09] = M | P_MMX, [0x0a] = M | P_MMX, [0x0b] = M | P_MMX,
	/* SSE4.1: PBLENDVB BLENDVPS BLENDVPD PTEST */
	[0x10] = M | P_66, [0x14] = M | P_66, [0x15] = M | P_66,
	[0x17] = M | P_66,
	/* SSSE3: PABSB/W/D */
	[0x1c] = M | P_MMX, [0x1d] = M | P_MMX, [0x1e] = M | P_MMX,
	/* SSE4.1: PMOVSX*, PMULDQ PCMPEQQ MOVNTDQA PACKUSDW */
	[0x20] = M | P_66, [0x21] = M | P_66, [0x22] = M | P_66,
	[0x23] = M | P_66, [0x24] = M | P_66, [0x25] = M | P_66,
	[0x28] = M | P_66, [0x29] = M | P_66, [0x2a] = M | P_66 | MEM,
	[0x2b] = M | P_66,
	/* SSE4.1: PMOVZX*; SSE4.2 PCMPGTQ; PMINSB .. PHMINPOSUW */
	[0x30] = M | P_66, [0x31] = M | P_66, [0x32] = M | P_66,
	[0x33] = M | P_66, [0x34] = M | P_66, [0x35] = M | P_66,
	[0x37] = M | P_66, [0x38] = M | P_66, [0x39] = M | P_66,
	[0x3a] = M | P_66, [0x3b] = M | P_66, [0x3c] = M | P_66,
	[0x3d] = M | P_66, [0x3e] = M | P_66, [0x3f] = M | P_66,
	[0x40] = M | P_66, [0x41] = M | P_66,
	/* INVEPT INVVPID INVPCID: r64 in 64-bit mode, r32 otherwise */
	[0x80] = M | P_66 | MEM | NAT, [0x81] = M | P_66 | MEM | NAT,
	[0x82] = M | P_66 | MEM | NAT,
	/* SHA; GF2P8MULB */
	[0xc8] = M | P_NP, [0xc9] = M | P_NP, [0xca] = M | P_NP,
	[0xcb] = M | P_NP, [0xcc] = M | P_NP, [0xcd] = M | P_NP,
	[0xcf] = M | P_66,
	/* AESNI */
	[0xdb] = M | P_66, [0xdc] = M | P_66, [0xdd] = M | P_66,
	[0xde] = M | P_66, [0xdf] = M | P_66,
	/* MOVBE (NP/66, memory) and CRC32 (F2) */
	[0xf0] = M | P_NP | P_66 | P_F2 | GRP,
	[0xf1] = M | P_NP | P_66 | P_F2 | GRP,
	/* WRUSS; WRSS/ADCX/ADOX; MOVDIR64B/ENQCMDS/ENQCMD; MOVDIRI */
	[0xf5] = M | P_66 | MEM, [0xf6] = M | P_NP | P_66 | P_F3 | GRP,
	[0xf8] = M | P_66 | P_F3 | P_F2 | MEM, [0xf9] = M | P_NP | MEM,
};

/*
 * SDM table A-5: three-byte opcodes 0F 3A xx, legacy forms.  Every entry
 * takes ModRM and an Ib.  0 = reserved.
 */
static const uint32_t op0f3a[256] = {
	[0x08] = MB | P_66, [0x09] = MB | P_66, [0x0a] = MB | P_66,
	[0x0b] = MB | P_66, [0x0c] = MB | P_66, [0x0d] = MB | P_66,
	[0x0e] = MB | P_66, [0x0f] = MB | P_MMX,
	[0x14] = MB | P_66, [0x15] = MB | P_66, [0x16] = MB | P_66,
	[0x17] = MB | P_66,
	[0x20] = MB | P_66, [0x21] = MB | P_66, [0x22] = MB | P_66,
	[0x40] = MB | P_66, [0x41] = MB | P_66, [0x42] = MB | P_66,
	[0x44] = MB | P_66,
	[0x60] = MB | P_66, [0x61] = MB | P_66, [0x62] = MB | P_66,
	[0x63] = MB | P_66,
	[0xcc] = MB | P_NP, [0xce] = MB | P_66, [0xcf] = MB | P_66,
	[0xdf] = MB | P_66,
};

/*
 * x87 register forms (mod == 3), SDM tables A-8..A-22: bit (modrm & 0x3f)
 * set = defined.  The undocumented aliases (FSTP1, FXCH4, FFREEP, ...)
 * are reserved in the SDM and decode as #UD.
 */
#define BITS(lo, hi) ((~0ULL >> (63 - (hi) + (lo))) << (lo))
static const uint64_t x87_reg_ok[8] = {
	/* D8 */ ~0ULL,
	/* D9: FLD FXCH FNOP; FCHS FABS FTST FXAM; FLD1..FLDZ; F0-FF */
	BITS(0, 15) | BITS(16, 16) | BITS(32, 33) | BITS(36, 37) |
	    BITS(40, 46) | BITS(48, 63),
	/* DA: FCMOVcc; FUCOMPP */
	BITS(0, 31) | BITS(41, 41),
	/* DB: FCMOVNcc; FNCLEX FNINIT; FUCOMI FCOMI */
	BITS(0, 31) | BITS(34, 35) | BITS(40, 55),
	/* DC: FADD FMUL; FSUBR FSUB FDIVR FDIV */
	BITS(0, 15) | BITS(32, 63),
	/* DD: FFREE; FST FSTP; FUCOM FUCOMP */
	BITS(0, 7) | BITS(16, 47),
	/* DE: FADDP FMULP; FCOMPP; FSUBRP FSUBP FDIVRP FDIVP */
	BITS(0, 15) | BITS(25, 25) | BITS(32, 63),
	/* DF: FNSTSW AX; FUCOMIP FCOMIP */
	BITS(32, 32) | BITS(40, 55),
};
/* x87 memory forms: bit reg set = reserved (D9 /1, DB /4 /6, DD /5). */
static const uint8_t x87_mem_bad[8] = {
	0, 1 << 1, 0, (1 << 4) | (1 << 6), 0, 1 << 5, 0, 0,
};

/* 16-bit addressing (SDM table 2-1): base and index per rm. */
static const uint8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
static const uint8_t index16[8] = { 6, 7, 6, 7, EMU_REG_NONE, EMU_REG_NONE,
	EMU_REG_NONE, EMU_REG_NONE };

/* Which 1-byte opcodes are prefixes, and what they are. */
enum { PF_NONE, PF_LOCK, PF_REP, PF_OSZ, PF_ASZ, PF_SEG, PF_REX };

static int
check_lock(const struct emu_insn *in, uint32_t attr)
{
	/*
	 * SDM vol. 2, 2.1.1 and the LOCK entry: #UD unless the instruction
	 * is one of the read-modify-write forms and the destination is in
	 * memory.
	 */
	if (in->mod == 3 || !in->has_modrm)
		return (EMU_DECODE_UD);
	if (attr & LK)
		return (0);
	if (in->map == EMU_MAP_1B) {
		switch (in->op) {
		case 0x80: case 0x81: case 0x82: case 0x83:
			return ((in->reg & 7) == 7 ? EMU_DECODE_UD : 0);
		case 0xf6: case 0xf7:
			return ((in->reg & 7) == 2 || (in->reg & 7) == 3 ?
			    0 : EMU_DECODE_UD);
		case 0xfe: case 0xff:
			return ((in->reg & 7) <= 1 ? 0 : EMU_DECODE_UD);
		}
	} else if (in->map == EMU_MAP_0F) {
		switch (in->op) {
		case 0xba:
			return ((in->reg & 7) >= 5 ? 0 : EMU_DECODE_UD);
		case 0xc7:
			return ((in->reg & 7) == 1 ? 0 : EMU_DECODE_UD);
		}
	}
	return (EMU_DECODE_UD);
}

/*
 * The groups: validity by ModRM.reg/mod and the mandatory prefix (SDM
 * table A-6), and the immediates that depend on ModRM.  May change *imm.
 * Returns 0 or EMU_DECODE_UD.
 */
static int
check_group(const struct emu_insn *in, int mode, unsigned *imm)
{
	unsigned r = in->reg & 7, m3 = in->mod == 3, mrm = in->modrm;

	if (in->map == EMU_MAP_1B) {
		switch (in->op) {
		case 0x80: case 0x81: case 0x82: case 0x83:
			return (0);
		case 0x8c:
			/* MOV Ev,Sreg: Sreg 6 and 7 do not exist */
			return (r <= 5 ? 0 : EMU_DECODE_UD);
		case 0x8e:
			/* MOV Sreg,Ew: nor can CS be loaded (SDM MOV, #UD) */
			return (r <= 5 && r != 1 ? 0 : EMU_DECODE_UD);
		case 0x8f:
			/* 8F /1../7 is the XOP escape (AMD): not supported. */
			return (r == 0 ? 0 : EMU_DECODE_UD);
		case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2:
		case 0xd3:
			/* group 2: /6 is reserved in table A-6 */
			return (r == 6 ? EMU_DECODE_UD : 0);
		case 0xc6:
			/* MOV Eb,Ib; C6 F8 ib is XABORT */
			return (r == 0 || mrm == 0xf8 ? 0 : EMU_DECODE_UD);
		case 0xc7:
			/* MOV Ev,Iz; C7 F8 cw/cd is XBEGIN (same Jz size) */
			return (r == 0 || mrm == 0xf8 ? 0 : EMU_DECODE_UD);
		case 0xf6:
			/* group 3: TEST (/0, and its alias /1) has an Ib */
			*imm = r <= 1 ? I_B : I_NONE;
			return (0);
		case 0xf7:
			*imm = r <= 1 ? I_Z : I_NONE;
			return (0);
		case 0xfe:
			return (r <= 1 ? 0 : EMU_DECODE_UD);
		case 0xff:
			/* /3 and /5 (far CALL/JMP) need a memory m16:xx */
			if (r == 7 || (m3 && (r == 3 || r == 5)))
				return (EMU_DECODE_UD);
			return (0);
		case 0xd8: case 0xd9: case 0xda: case 0xdb:
		case 0xdc: case 0xdd: case 0xde: case 0xdf:
			if (m3)
				return (x87_reg_ok[in->op & 7] >> (mrm & 0x3f) & 1 ?
				    0 : EMU_DECODE_UD);
			return (x87_mem_bad[in->op & 7] >> r & 1 ?
			    EMU_DECODE_UD : 0);
		}
		return (0);
	}

	if (in->map == EMU_MAP_0F38) {
		switch (in->op) {
		case 0xf0: case 0xf1:
			/* MOVBE is memory-only; F2 is CRC32 (any operand) */
			if (in->simd_pfx != EMU_PFX_F2 && m3)
				return (EMU_DECODE_UD);
			return (0);
		case 0xf6:
			/* NP: WRSS (memory); 66 ADCX, F3 ADOX */
			if (in->simd_pfx == EMU_PFX_NONE && m3)
				return (EMU_DECODE_UD);
			return (0);
		}
		return (0);
	}

	/* EMU_MAP_0F */
	switch (in->op) {
	case 0x00:
		/* group 6: SLDT STR LLDT LTR VERR VERW */
		return (r <= 5 ? 0 : EMU_DECODE_UD);
	case 0x01:
		/* group 7 */
		if (!m3)
			return (r != 5 || in->simd_pfx == EMU_PFX_F3 ?
			    0 : EMU_DECODE_UD);	/* /5 mem: F3 RSTORSSP */
		switch (mrm) {
		case 0xc1: case 0xc2: case 0xc3: case 0xc4:	/* VMX */
		case 0xc8: case 0xc9: case 0xca: case 0xcb:	/* MONITOR.. */
		case 0xd0: case 0xd1: case 0xd4: case 0xd5: case 0xd6:
		case 0xf9:					/* RDTSCP */
			return (0);
		case 0xe8:	/* SERIALIZE; F3 SETSSBSY; F2 XSUSLDTRK */
			return (in->simd_pfx != EMU_PFX_66 ? 0 : EMU_DECODE_UD);
		case 0xee: case 0xef:				/* PKRU */
			return (in->simd_pfx == EMU_PFX_NONE ?
			    0 : EMU_DECODE_UD);
		case 0xf8:					/* SWAPGS */
			return (mode == 64 ? 0 : EMU_DECODE_UD);
		}
		return (r == 4 || r == 6 ? 0 : EMU_DECODE_UD);	/* SMSW, LMSW */
	case 0x12:
		/* 66 0F 12 is MOVLPD m64 (no register form) */
		return (in->simd_pfx == EMU_PFX_66 && m3 ? EMU_DECODE_UD : 0);
	case 0x16:
		return (in->simd_pfx == EMU_PFX_66 && m3 ? EMU_DECODE_UD : 0);
	case 0x71: case 0x72: case 0x73:
		/* groups 12-14: register forms only */
		if (!m3)
			return (EMU_DECODE_UD);
		if (r == 2 || r == 4 || r == 6) {
			if (in->op == 0x73 && r == 4)
				return (EMU_DECODE_UD);
			return (0);
		}
		/* PSRLDQ /3 and PSLLDQ /7: 66 only */
		if (in->op == 0x73 && (r == 3 || r == 7) &&
		    in->simd_pfx == EMU_PFX_66)
			return (0);
		return (EMU_DECODE_UD);
	case 0xae:
		/*
		 * group 15.  Memory: FXSAVE FXRSTOR LDMXCSR STMXCSR XSAVE
		 * XRSTOR XSAVEOPT CLFLUSH (66: CLWB CLFLUSHOPT; F3: PTWRITE,
		 * CLRSSBSY); prefixes only pick a sibling of the same length.
		 * Registers: LFENCE MFENCE SFENCE (F3: RD/WR FS/GS BASE,
		 * PTWRITE, INCSSP, UMONITOR; 66 TPAUSE; F2 UMWAIT).
		 */
		if (!m3) {
			switch (in->simd_pfx) {
			case EMU_PFX_66:
				return (r == 4 || r == 5 ? EMU_DECODE_UD : 0);
			case EMU_PFX_F3:
				return (r == 5 || r == 7 ? EMU_DECODE_UD : 0);
			case EMU_PFX_F2:
				return (r <= 3 ? 0 : EMU_DECODE_UD);
			}
			return (0);
		}
		switch (r) {
		case 0: case 1: case 2: case 3:
			return (in->simd_pfx == EMU_PFX_F3 && mode == 64 ?
			    0 : EMU_DECODE_UD);
		case 4:
			return (in->simd_pfx == EMU_PFX_F3 ? 0 : EMU_DECODE_UD);
		case 5:
			return (in->simd_pfx == EMU_PFX_NONE ||
			    in->simd_pfx == EMU_PFX_F3 ? 0 : EMU_DECODE_UD);
		case 7:
			/* SFENCE ignores rm; the prefixed forms do not */
			return (in->simd_pfx == EMU_PFX_NONE ||
			    (mrm & 7) == 0 ? 0 : EMU_DECODE_UD);
		}
		return (0);
	case 0xba:
		/* group 8: BT BTS BTR BTC */
		return (r >= 4 ? 0 : EMU_DECODE_UD);
	case 0xc7:
		/* group 9 */
		if (!m3) {
			/*
			 * CMPXCHG8B/16B; XRSTORS XSAVEC XSAVES; VMPTRLD (66
			 * VMCLEAR, F3 VMXON); VMPTRST
			 */
			if (r == 6 && in->simd_pfx == EMU_PFX_F2)
				return (EMU_DECODE_UD);
			return (r == 1 || r >= 3 ? 0 : EMU_DECODE_UD);
		}
		/* RDRAND /6, RDSEED /7, F3 /7 RDPID */
		if (r == 6)
			return (in->simd_pfx == EMU_PFX_F3 ||
			    in->simd_pfx == EMU_PFX_F2 ? EMU_DECODE_UD : 0);
		if (r == 7)
			return (in->simd_pfx == EMU_PFX_F2 ? EMU_DECODE_UD : 0);
		return (EMU_DECODE_UD);
	case 0xd6:
		/* 66: MOVQ xmm/m64; F3 MOVQ2DQ and F2 MOVDQ2Q: registers */
		if (in->simd_pfx != EMU_PFX_66 && !m3)
			return (EMU_DECODE_UD);
		return (0);
	}
	return (0);
}

/* Little-endian load of n (1..8) bytes; the caller checked the bounds. */
static inline uint64_t
get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return (v);
}

static inline int64_t
sext(uint64_t v, unsigned n)
{
	switch (n) {
	case 1:
		return ((int8_t)v);
	case 2:
		return ((int16_t)v);
	case 4:
		return ((int32_t)v);
	}
	return ((int64_t)v);
}

int
emu_decode(const uint8_t *buf, size_t avail, int mode, struct emu_insn *out)
{
	const uint32_t *tab;
	uint32_t attr;
	unsigned p = 0, b, rex = 0, osz = 0, asz = 0, rep = 0, immk, n, i;
	unsigned rexw, rexr, rexx, rexb;
	uint64_t v;

	/*
	 * Prefixes, opcode, ModRM and SIB go through NEXT: an instruction
	 * is at most 15 bytes (SDM vol. 2, 2.1; longer ones raise #GP(0)),
	 * whatever follows; before that, running out of 'avail' asks for
	 * more.  The tail is checked once, with the same rule, below.
	 */
#define NEXT(x) do {						\
	if (p >= 15)						\
		return (EMU_DECODE_GP);				\
	if (p >= avail)						\
		return (EMU_DECODE_MORE);			\
	(x) = buf[p++];						\
} while (0)

	memset(out, 0, sizeof(*out));
	out->seg = EMU_SEG_NONE;

	/*
	 * Legacy prefixes (SDM vol. 2, 2.1.1), any order and repetition.  A
	 * REX byte counts only when the opcode follows it directly (2.2.1):
	 * any later prefix cancels it.
	 */
	for (;;) {
		NEXT(b);
		switch (b) {
		case 0xf0:
			out->lock = 1;
			break;
		case 0xf2: case 0xf3:
			rep = b;
			break;
		case 0x66:
			osz = 1;
			break;
		case 0x67:
			asz = 1;
			break;
		case 0x26:
			out->seg = EMU_ES;
			break;
		case 0x2e:
			out->seg = EMU_CS;
			break;
		case 0x36:
			out->seg = EMU_SS;
			break;
		case 0x3e:
			out->seg = EMU_DS;
			break;
		case 0x64:
			out->seg = EMU_FS;
			break;
		case 0x65:
			out->seg = EMU_GS;
			break;
		default:
			if (mode == 64 && (b & 0xf0) == 0x40) {
				rex = b;
				continue;
			}
			goto opcode;
		}
		rex = 0;
	}
opcode:
	out->rep = rep;
	out->rex = rex;
	out->opsize_pfx = osz;
	out->addrsize_pfx = asz;
	/* The mandatory prefix: F2/F3 (the last one) win over 66. */
	out->simd_pfx = rep == 0xf3 ? EMU_PFX_F3 : rep == 0xf2 ? EMU_PFX_F2 :
	    osz ? EMU_PFX_66 : EMU_PFX_NONE;
	rexw = rex & 8;
	rexr = (rex & 4) << 1;
	rexx = (rex & 2) << 2;
	rexb = (rex & 1) << 3;

	if (b != 0x0f) {
		out->map = EMU_MAP_1B;
		tab = op1b;
	} else {
		NEXT(b);
		if (b == 0x38) {
			out->map = EMU_MAP_0F38;
			tab = op0f38;
			NEXT(b);
		} else if (b == 0x3a) {
			out->map = EMU_MAP_0F3A;
			tab = op0f3a;
			NEXT(b);
		} else {
			out->map = EMU_MAP_0F;
			tab = op0f;
		}
	}
	out->op = b;
	attr = tab[b];
	if (out->map >= EMU_MAP_0F38 && attr == 0)
		return (EMU_DECODE_UD);
	if ((attr & UD) || (mode == 64 && (attr & X64)))
		return (EMU_DECODE_UD);
	if ((attr >> P_SHIFT) != 0 &&
	    !((attr >> P_SHIFT) & (1u << out->simd_pfx)))
		return (EMU_DECODE_UD);

	/* Address size (SDM vol. 1, 3.6.1 table 3-3; vol. 2, 2.2.1.3). */
	if (mode == 64)
		out->addrsize = asz ? 4 : 8;
	else if (mode == 32)
		out->addrsize = asz ? 2 : 4;
	else
		out->addrsize = asz ? 4 : 2;

	out->base = out->index = EMU_REG_NONE;
	if (attr & M) {
		NEXT(b);
		out->has_modrm = 1;
		out->modrm = b;
		out->mod = b >> 6;
		out->reg = ((b >> 3) & 7) | rexr;
		out->rm = (b & 7) | rexb;
		if (attr & CR) {
			/* MOV CR/DR: mod is ignored (SDM MOV-CR "Description") */
			out->mod = 3;
		} else if (out->mod != 3) {
			unsigned mod = out->mod, rm = b & 7;

			if (attr & REG)
				return (EMU_DECODE_UD);
			if (out->addrsize == 2) {
				/* SDM vol. 2, table 2-1 */
				out->rm16 = rm;
				if (mod == 0 && rm == 6) {
					out->dispsize = 2;
				} else {
					out->base = base16[rm];
					out->index = index16[rm];
					out->dispsize = mod == 1 ? 1 :
					    mod == 2 ? 2 : 0;
				}
			} else {
				/* SDM vol. 2, tables 2-2 and 2-3; 2.2.1.6 */
				if (rm == 4) {
					NEXT(b);
					out->has_sib = 1;
					out->scale = b >> 6;
					i = ((b >> 3) & 7) | rexx;
					out->index = i == 4 ? EMU_REG_NONE : i;
					if ((b & 7) == 5 && mod == 0)
						out->dispsize = 4;
					else
						out->base = (b & 7) | rexb;
				} else if (rm == 5 && mod == 0) {
					out->dispsize = 4;
					out->riprel = mode == 64;
				} else {
					out->base = rm | rexb;
				}
				if (mod == 1)
					out->dispsize = 1;
				else if (mod == 2)
					out->dispsize = 4;
			}
			if (!out->has_sib)
				out->rm = out->base;
		} else if (attr & MEM) {
			return (EMU_DECODE_UD);
		}
	}

	immk = attr & I_MASK;
	if (attr & GRP) {
		if (check_group(out, mode, &immk) != 0)
			return (EMU_DECODE_UD);
		/* FF /2 /4 are near CALL/JMP (f64), /6 PUSH (d64) */
		if (out->map == EMU_MAP_1B && out->op == 0xff) {
			n = out->reg & 7;
			if (n == 2 || n == 4)
				attr |= F64;
			else if (n == 6)
				attr |= D64;
		}
	}
	if (out->lock && check_lock(out, attr) != 0)
		return (EMU_DECODE_UD);

	/*
	 * Operand size (SDM vol. 1, 3.6.1; vol. 2, 2.2.1.2 and A.2.5): in
	 * 64-bit mode REX.W wins over 66; d64 opcodes default to 64 and 66
	 * makes them 16; f64 ones (near branches) are always 64, as on
	 * Intel CPUs, which ignore 66 there.
	 */
	if (attr & NAT)
		out->opsize = mode == 64 ? 8 : 4;
	else if (mode == 64) {
		if (rexw || (attr & F64))
			out->opsize = 8;
		else if (attr & D64)
			out->opsize = osz ? 2 : 8;
		else
			out->opsize = osz ? 2 : 4;
	} else if (mode == 32)
		out->opsize = osz ? 2 : 4;
	else
		out->opsize = osz ? 4 : 2;

	/* Immediates (SDM vol. 2, A.2.2 operand-size codes b, w, z, v). */
	switch (immk) {
	case I_B:
		out->immsize = 1;
		break;
	case I_W:
		out->immsize = 2;
		break;
	case I_Z:
		out->immsize = out->opsize == 2 ? 2 : 4;
		break;
	case I_V:
		out->immsize = out->opsize;
		break;
	case I_MOFFS:
		out->immsize = out->addrsize;
		break;
	case I_ENTER:
		out->immsize = 2;
		out->imm2size = 1;
		break;
	case I_AP:
		out->immsize = out->opsize == 2 ? 2 : 4;
		out->imm2size = 2;
		break;
	}

	/*
	 * The tail (displacement and immediates) in one bounds check, with
	 * the same answer as fetching it byte by byte through NEXT: #GP if
	 * it crosses byte 15 while 15 bytes are there to see, else MORE.
	 */
	n = p + out->dispsize + out->immsize + out->imm2size;
	if (n > 15 && avail >= 15)
		return (EMU_DECODE_GP);
	if (n > avail)
		return (EMU_DECODE_MORE);
	if (out->dispsize != 0) {
		v = get_le(buf + p, out->dispsize);
		p += out->dispsize;
		out->disp = sext(v, out->dispsize);
	}
	if (out->immsize != 0) {
		v = get_le(buf + p, out->immsize);
		p += out->immsize;
		out->imm = sext(v, out->immsize);
	}
	if (out->imm2size != 0) {
		out->imm2 = get_le(buf + p, out->imm2size);
		p += out->imm2size;
	}
#undef NEXT
	out->len = p;
	return ((int)p);
}
