/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode.h: the x86 instruction decoder of the emu backend.  It turns
 * bytes into a struct emu_insn: the prefixes, the opcode (map + byte),
 * ModRM/SIB/displacement and immediates, and the length, for every opcode
 * of the 1-byte, 0F, 0F38 and 0F3A maps (Intel SDM vol. 2, ch. 2 and
 * appendix A).  It knows nothing about execution: the executor maps
 * (map, op, reg, mandatory prefix) to a handler once, when it fills the
 * decoded-instruction cache.
 */
#ifndef LHYVE_EMU_DECODE_H
#define LHYVE_EMU_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* opcode maps */
enum emu_map { EMU_MAP_1B, EMU_MAP_0F, EMU_MAP_0F38, EMU_MAP_0F3A };

/* segment registers, in encoding order */
enum emu_seg { EMU_ES, EMU_CS, EMU_SS, EMU_DS, EMU_FS, EMU_GS, EMU_SEG_NONE = 7 };

/* mandatory/last SIMD prefix seen (for the 0F maps' SSE forms) */
enum emu_pfx { EMU_PFX_NONE, EMU_PFX_66, EMU_PFX_F3, EMU_PFX_F2 };

/* "no register" for sib index/base */
#define EMU_REG_NONE 0xff

struct emu_insn {
	uint8_t len;            /* total length, 1..15 */
	uint8_t map;            /* enum emu_map */
	uint8_t op;             /* opcode byte within the map */
	uint8_t opsize;         /* effective operand size: 2, 4 or 8
	                         * (byte forms are known from the opcode) */
	uint8_t addrsize;       /* effective address size: 2, 4 or 8 */
	uint8_t seg;            /* segment override, EMU_SEG_NONE if none */
	uint8_t rep;            /* 0, 0xF3 (REP/REPE) or 0xF2 (REPNE) */
	uint8_t simd_pfx;       /* enum emu_pfx: the mandatory prefix */
	uint8_t rex;            /* the REX byte (0x40-0x4F), 0 if none */
	uint8_t lock : 1;       /* F0 prefix present */
	uint8_t has_modrm : 1;
	uint8_t has_sib : 1;
	uint8_t riprel : 1;     /* 64-bit mode, mod=00 rm=101: disp is RIP-relative */
	uint8_t opsize_pfx : 1; /* 66 present (even if consumed as a SIMD prefix) */
	uint8_t addrsize_pfx : 1; /* 67 present */

	/* ModRM, with REX.R / REX.B already folded into reg and rm */
	uint8_t modrm;          /* the raw byte */
	uint8_t mod;            /* 0..3 */
	uint8_t reg;            /* 0..15 (REX.R extended) */
	uint8_t rm;             /* 0..15 (REX.B extended); with mod != 3 and
	                         * no SIB, the base register (16/32/64-bit
	                         * addressing); EMU_REG_NONE for disp-only */
	/* memory operand (mod != 3) */
	uint8_t base;           /* 0..15 or EMU_REG_NONE (after SIB and
	                         * REX.B; 16-bit addressing: see base16) */
	uint8_t index;          /* 0..15 or EMU_REG_NONE (after REX.X) */
	uint8_t scale;          /* 0..3: index << scale */
	uint8_t rm16;           /* 16-bit addressing: the raw rm (0..7) that
	                         * selects BX+SI ... BX; the default segment
	                         * is SS for BP-based forms */
	uint8_t dispsize;       /* 0, 1, 2 or 4 */
	uint8_t immsize;        /* bytes of the first immediate: 0,1,2,4,8 */
	uint8_t imm2size;       /* bytes of the second: ENTER ib, far ptr sel */
	int64_t disp;           /* sign-extended */
	int64_t imm;            /* sign-extended from immsize bytes */
	uint64_t imm2;          /* zero-extended */
};

#define EMU_DECODE_MORE  (-1)   /* 'avail' too short: need more bytes */
#define EMU_DECODE_UD    (-2)   /* invalid opcode in this mode: #UD */
#define EMU_DECODE_GP    (-3)   /* longer than 15 bytes: #GP(0) */

/*
 * Decode one instruction.  mode is 16, 32 (CS.D of a protected-mode code
 * segment, or real/v86 = 16) or 64 (long mode, CS.L).  Returns the length,
 * or one of the EMU_DECODE_* codes.  Never reads past buf[avail - 1].
 */
int emu_decode(const uint8_t *buf, size_t avail, int mode,
    struct emu_insn *out);

#endif /* LHYVE_EMU_DECODE_H */
