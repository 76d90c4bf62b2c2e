/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_decode.c: unit tests of the emu backend's instruction decoder: a
 * table of tricky encodings with exact expected fields, and an exhaustive
 * length comparison against the host's binutils (objdump) over every
 * opcode of the 1-byte, 0F, 0F38 and 0F3A maps in 16-, 32- and 64-bit code.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "vmm/emu/decode.h"

/* Decode a hex string ("66 48 89 c0") in the given mode. */
static int
dec(int mode, const char *hex, struct emu_insn *in)
{
	uint8_t buf[32];
	size_t n = 0;
	unsigned v;
	int k;

	while (*hex != '\0') {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		assert_int_equal(sscanf(hex, "%2x%n", &v, &k), 1);
		assert_true(n < sizeof(buf));
		buf[n++] = v;
		hex += k;
	}
	return (emu_decode(buf, n, mode, in));
}

/* Same, and check the length is the whole string. */
static void
decl(int mode, const char *hex, int len, struct emu_insn *in)
{
	int r = dec(mode, hex, in);

	if (r != len)
		fail_msg("mode %d '%s': got %d, expected %d", mode, hex, r,
		    len);
	assert_int_equal(in->len, len);
}

/* ---- part 1: hand-written encodings ---- */

static void
test_prefixes(void **state)
{
	struct emu_insn in;

	/* segment overrides: the last one wins */
	decl(32, "26 2e 64 8b 00", 5, &in);
	assert_int_equal(in.seg, EMU_FS);
	assert_int_equal(in.op, 0x8b);
	assert_int_equal(in.map, EMU_MAP_1B);
	decl(64, "65 3e 8b 00", 4, &in);
	assert_int_equal(in.seg, EMU_DS);
	decl(16, "8b 00", 2, &in);
	assert_int_equal(in.seg, EMU_SEG_NONE);

	/* REP: the last of F2/F3 */
	decl(32, "f2 f3 a4", 3, &in);
	assert_int_equal(in.rep, 0xf3);
	assert_int_equal(in.simd_pfx, EMU_PFX_F3);
	decl(32, "f3 f2 a6", 3, &in);
	assert_int_equal(in.rep, 0xf2);

	/* mandatory prefix: F2/F3 beat 66 whatever the order */
	decl(64, "f3 66 0f 10 c1", 5, &in);
	assert_int_equal(in.simd_pfx, EMU_PFX_F3);
	assert_int_equal(in.opsize_pfx, 1);
	decl(64, "66 0f 10 c1", 4, &in);
	assert_int_equal(in.simd_pfx, EMU_PFX_66);
	decl(64, "0f 10 c1", 3, &in);
	assert_int_equal(in.simd_pfx, EMU_PFX_NONE);
	/* CRC32 r32, r/m16: 66 for the size, F2 as the mandatory prefix */
	decl(64, "66 f2 0f 38 f1 c1", 6, &in);
	assert_int_equal(in.simd_pfx, EMU_PFX_F2);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.map, EMU_MAP_0F38);
	assert_int_equal(in.op, 0xf1);

	/* LOCK on a memory RMW; #UD on a register or non-RMW form */
	decl(64, "f0 01 08", 3, &in);
	assert_int_equal(in.lock, 1);
	assert_int_equal(dec(64, "f0 01 c8", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "f0 8b 08", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "f0 90", &in), EMU_DECODE_UD);
	decl(32, "f0 0f c7 0e", 4, &in);	/* lock cmpxchg8b (%esi) */
	decl(32, "f0 0f ba 28 05", 5, &in);	/* lock btsl $5,(%eax) */
	assert_int_equal(dec(32, "f0 0f ba 20 05", &in), EMU_DECODE_UD);
	decl(64, "f0 83 00 01", 4, &in);
	assert_int_equal(dec(64, "f0 83 38 01", &in), EMU_DECODE_UD);
	decl(64, "f0 f7 18", 3, &in);		/* lock negl */
	assert_int_equal(dec(64, "f0 f7 00 00 00 00 00", &in), EMU_DECODE_UD);

	/* 14 prefixes + opcode = 15: fine; 15 prefixes: #GP */
	decl(32, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 15, &in);
	assert_int_equal(dec(32,
	    "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", &in),
	    EMU_DECODE_GP);
	/* 15 bytes is the limit even when the bytes run out later */
	assert_int_equal(dec(64,
	    "66 66 66 66 66 66 66 66 66 66 66 48 c7 80 00", &in),
	    EMU_DECODE_GP);
	decl(64, "66 66 66 48 c7 84 24 00 00 00 00 00 00 00 00", 15, &in);
	/* the tail crosses byte 15: #GP if 15 bytes are there, else MORE */
	assert_int_equal(dec(32,
	    "66 66 66 66 66 66 66 66 66 66 66 66 66 b8 00", &in),
	    EMU_DECODE_GP);
	assert_int_equal(dec(32, "66 66 66 66 66 66 66 66 66 66 66 66 66 b8",
	    &in), EMU_DECODE_MORE);
}

static void
test_rex(void **state)
{
	struct emu_insn in;

	decl(64, "48 89 c8", 3, &in);
	assert_int_equal(in.rex, 0x48);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(in.reg, 1);
	assert_int_equal(in.rm, 0);
	/* REX.R and REX.B fold into reg/rm */
	decl(64, "45 89 c8", 3, &in);
	assert_int_equal(in.reg, 9);
	assert_int_equal(in.rm, 8);
	assert_int_equal(in.opsize, 4);
	/* REX followed by a legacy prefix is ignored */
	decl(64, "48 66 89 c8", 4, &in);
	assert_int_equal(in.rex, 0);
	assert_int_equal(in.opsize, 2);
	/* only the last REX counts */
	decl(64, "48 41 89 c8", 4, &in);
	assert_int_equal(in.rex, 0x41);
	assert_int_equal(in.opsize, 4);
	assert_int_equal(in.rm, 8);
	/* REX.W wins over 66 */
	decl(64, "66 48 89 c8", 4, &in);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(in.opsize_pfx, 1);
	/* 66 48 C7: Iz stays 4 bytes with REX.W */
	decl(64, "66 48 c7 c0 78 56 34 12", 8, &in);
	assert_int_equal(in.immsize, 4);
	assert_int_equal(in.imm, 0x12345678);
	decl(64, "48 c7 c0 ff ff ff ff", 7, &in);
	assert_int_equal(in.imm, -1);
	/* 40-4F are INC/DEC outside 64-bit mode */
	decl(32, "48", 1, &in);
	assert_int_equal(in.op, 0x48);
	assert_int_equal(in.rex, 0);
	/* REX.X extends the SIB index; index 100 without it means none */
	decl(64, "42 8b 04 20", 4, &in);
	assert_int_equal(in.index, 12);
	assert_int_equal(in.base, 0);
	decl(64, "8b 04 20", 3, &in);
	assert_int_equal(in.index, EMU_REG_NONE);
	/* REX.B extends SIB base, and base 101 mod 00 stays "no base" */
	decl(64, "41 8b 04 25 10 00 00 00", 8, &in);
	assert_int_equal(in.base, EMU_REG_NONE);
	assert_int_equal(in.index, EMU_REG_NONE);
	assert_int_equal(in.disp, 0x10);
	assert_int_equal(in.riprel, 0);
	decl(64, "41 8b 44 25 10", 5, &in);	/* mod 01: base r13 */
	assert_int_equal(in.base, 13);
	/* REX.B does not turn RIP-relative into [r13] */
	decl(64, "41 8b 05 00 00 00 00", 7, &in);
	assert_int_equal(in.riprel, 1);
	assert_int_equal(in.base, EMU_REG_NONE);
	decl(64, "41 8b 45 00", 4, &in);		/* [r13+0] */
	assert_int_equal(in.riprel, 0);
	assert_int_equal(in.base, 13);
}

static void
test_modrm32_64(void **state)
{
	struct emu_insn in;

	/* RIP-relative */
	decl(64, "8b 05 f0 ff ff ff", 6, &in);
	assert_int_equal(in.riprel, 1);
	assert_int_equal(in.base, EMU_REG_NONE);
	assert_int_equal(in.rm, EMU_REG_NONE);
	assert_int_equal(in.disp, -16);
	assert_int_equal(in.dispsize, 4);
	/* with 67 still RIP(EIP)-relative */
	decl(64, "67 8b 05 00 01 00 00", 7, &in);
	assert_int_equal(in.riprel, 1);
	assert_int_equal(in.addrsize, 4);
	/* riprel with an immediate after the disp */
	decl(64, "c7 05 00 00 00 00 01 00 00 00", 10, &in);
	assert_int_equal(in.riprel, 1);
	assert_int_equal(in.imm, 1);
	/* the same bytes in 32-bit mode: absolute disp32 */
	decl(32, "8b 05 00 10 00 00", 6, &in);
	assert_int_equal(in.riprel, 0);
	assert_int_equal(in.base, EMU_REG_NONE);
	assert_int_equal(in.disp, 0x1000);
	/* SIB: scale, index, base; disp8 sign-extended */
	decl(32, "8b 44 8b fc", 4, &in);
	assert_int_equal(in.has_sib, 1);
	assert_int_equal(in.scale, 2);
	assert_int_equal(in.index, 1);
	assert_int_equal(in.base, 3);
	assert_int_equal(in.disp, -4);
	assert_int_equal(in.rm, 4);
	/* SIB no base: [index*4 + disp32] */
	decl(32, "8b 04 8d 00 00 00 80", 7, &in);
	assert_int_equal(in.base, EMU_REG_NONE);
	assert_int_equal(in.index, 1);
	assert_int_equal(in.disp, (int32_t)0x80000000);
	/* ESP base: SIB 24 */
	decl(32, "8b 04 24", 3, &in);
	assert_int_equal(in.base, 4);
	assert_int_equal(in.index, EMU_REG_NONE);
	/* mod 10 disp32 */
	decl(64, "8b 80 00 01 00 00", 6, &in);
	assert_int_equal(in.base, 0);
	assert_int_equal(in.disp, 0x100);
	/* mod 11 */
	decl(64, "8b c1", 2, &in);
	assert_int_equal(in.mod, 3);
	assert_int_equal(in.rm, 1);
	assert_int_equal(in.base, EMU_REG_NONE);
	/* 67 in 32-bit mode: 16-bit addressing */
	decl(32, "67 8b 06 34 12", 5, &in);
	assert_int_equal(in.addrsize, 2);
	assert_int_equal(in.dispsize, 2);
	assert_int_equal(in.disp, 0x1234);
	/* 67 in 16-bit mode: 32-bit addressing with a SIB */
	decl(16, "67 8b 04 24", 4, &in);
	assert_int_equal(in.addrsize, 4);
	assert_int_equal(in.has_sib, 1);
}

static void
test_modrm16(void **state)
{
	struct emu_insn in;

	decl(16, "8b 00", 2, &in);		/* [bx+si] */
	assert_int_equal(in.addrsize, 2);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.rm16, 0);
	assert_int_equal(in.base, 3);
	assert_int_equal(in.index, 6);
	decl(16, "8b 06 34 12", 4, &in);	/* [disp16] */
	assert_int_equal(in.base, EMU_REG_NONE);
	assert_int_equal(in.index, EMU_REG_NONE);
	assert_int_equal(in.rm, EMU_REG_NONE);
	assert_int_equal(in.dispsize, 2);
	assert_int_equal(in.disp, 0x1234);
	decl(16, "8b 46 fe", 3, &in);		/* [bp-2] */
	assert_int_equal(in.rm16, 6);
	assert_int_equal(in.base, 5);
	assert_int_equal(in.index, EMU_REG_NONE);
	assert_int_equal(in.disp, -2);
	decl(16, "8b 82 00 80", 4, &in);	/* [bp+si+disp16] */
	assert_int_equal(in.base, 5);
	assert_int_equal(in.index, 6);
	assert_int_equal(in.disp, -32768);
	decl(16, "8b 04", 2, &in);		/* [si]: no SIB in 16-bit */
	assert_int_equal(in.has_sib, 0);
	assert_int_equal(in.base, 6);
	decl(16, "8b 05", 2, &in);		/* [di]: no disp */
	assert_int_equal(in.base, 7);
	assert_int_equal(in.dispsize, 0);
	decl(16, "66 8b 07", 3, &in);
	assert_int_equal(in.opsize, 4);
	/* Iz: 2 bytes in 16-bit code, 4 with 66 */
	decl(16, "05 34 12", 3, &in);
	assert_int_equal(in.imm, 0x1234);
	decl(16, "66 05 78 56 34 12", 6, &in);
	assert_int_equal(in.immsize, 4);
}

static void
test_immediates(void **state)
{
	struct emu_insn in;

	/* B8+r: Iv, imm64 with REX.W */
	decl(64, "48 b8 88 77 66 55 44 33 22 11", 10, &in);
	assert_int_equal(in.immsize, 8);
	assert_true(in.imm == 0x1122334455667788LL);
	decl(64, "b8 ff ff ff ff", 5, &in);
	assert_int_equal(in.immsize, 4);
	decl(64, "66 b8 ff ff", 4, &in);
	assert_int_equal(in.immsize, 2);
	/* moffs: address size */
	decl(64, "a1 88 77 66 55 44 33 22 11", 9, &in);
	assert_int_equal(in.immsize, 8);
	decl(64, "67 a1 44 33 22 11", 6, &in);
	assert_int_equal(in.immsize, 4);
	decl(64, "66 a3 44 33 22 11 00 00 00 00", 10, &in);
	assert_int_equal(in.opsize, 2);
	decl(32, "a0 44 33 22 11", 5, &in);
	decl(16, "a0 22 11", 3, &in);
	decl(16, "67 a2 44 33 22 11", 6, &in);
	/* ENTER Iw, Ib */
	decl(64, "c8 10 00 01", 4, &in);
	assert_int_equal(in.immsize, 2);
	assert_int_equal(in.imm, 16);
	assert_int_equal(in.imm2size, 1);
	assert_int_equal(in.imm2, 1);
	assert_int_equal(in.opsize, 8);
	/* RET Iw, RETF Iw */
	decl(32, "c2 08 00", 3, &in);
	decl(64, "ca fe ff", 3, &in);
	assert_int_equal(in.imm, -2);
	/* far pointers: offset then selector */
	decl(16, "ea 00 7c 00 f0", 5, &in);
	assert_int_equal(in.immsize, 2);
	assert_int_equal(in.imm, 0x7c00);
	assert_int_equal(in.imm2size, 2);
	assert_int_equal(in.imm2, 0xf000);
	decl(32, "ea 78 56 34 12 08 00", 7, &in);
	assert_int_equal(in.imm, 0x12345678);
	assert_int_equal(in.imm2, 8);
	decl(32, "66 9a 34 12 08 00", 6, &in);
	decl(16, "66 ea 00 00 10 00 08 00", 8, &in);
	assert_int_equal(dec(64, "ea 00 00 00 00 08 00", &in), EMU_DECODE_UD);
	/* group 3: TEST has an immediate, NOT/NEG/MUL.. do not */
	decl(32, "f6 c0 01", 3, &in);
	assert_int_equal(in.immsize, 1);
	decl(32, "f6 c8 01", 3, &in);		/* /1: alias of TEST */
	decl(32, "f6 d0", 2, &in);		/* /2 NOT */
	assert_int_equal(in.immsize, 0);
	decl(32, "f7 00 01 00 00 00", 6, &in);
	decl(16, "f7 00 01 00", 4, &in);
	decl(64, "48 f7 00 01 00 00 00", 7, &in);
	decl(64, "f7 30", 2, &in);		/* DIV */
	/* imm8 sign-extension */
	decl(32, "83 c0 80", 3, &in);
	assert_int_equal(in.imm, -128);
	decl(32, "6a ff", 2, &in);
	assert_int_equal(in.imm, -1);
	/* 0F 3A always Ib; 0F 70-73, C2, C4-C6, BA, A4, AC */
	decl(64, "66 0f 3a 0f c1 08", 6, &in);
	assert_int_equal(in.map, EMU_MAP_0F3A);
	assert_int_equal(in.imm, 8);
	decl(64, "66 0f 73 d8 04", 5, &in);
	decl(64, "0f a4 c8 04", 4, &in);
	decl(64, "0f ba e0 1f", 4, &in);
	decl(64, "0f c2 c1 00", 4, &in);
	/* XABORT/XBEGIN */
	decl(64, "c6 f8 01", 3, &in);
	decl(64, "c7 f8 00 01 00 00", 6, &in);
	decl(64, "66 c7 f8 00 01", 5, &in);
	assert_int_equal(dec(64, "c7 f9 00 01 00 00", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "c6 08 01", &in), EMU_DECODE_UD);
	/* INT Ib, AAM Ib */
	decl(32, "cd 80", 2, &in);
	decl(32, "d4 0a", 2, &in);
	assert_int_equal(dec(64, "d4 0a", &in), EMU_DECODE_UD);
}

static void
test_opsize64(void **state)
{
	struct emu_insn in;

	/* d64: PUSH/POP default to 64, 66 makes them 16 */
	decl(64, "50", 1, &in);
	assert_int_equal(in.opsize, 8);
	decl(64, "66 50", 2, &in);
	assert_int_equal(in.opsize, 2);
	decl(64, "41 5f", 2, &in);
	assert_int_equal(in.opsize, 8);
	decl(64, "68 00 00 00 80", 5, &in);	/* push Iz: imm32 */
	assert_int_equal(in.opsize, 8);
	assert_int_equal(in.imm, (int32_t)0x80000000);
	decl(64, "66 68 00 80", 4, &in);
	assert_int_equal(in.opsize, 2);
	decl(64, "ff 30", 2, &in);		/* push m64 */
	assert_int_equal(in.opsize, 8);
	decl(64, "ff 08", 2, &in);		/* dec m32 */
	assert_int_equal(in.opsize, 4);
	decl(64, "9c", 1, &in);
	assert_int_equal(in.opsize, 8);
	decl(64, "c9", 1, &in);
	assert_int_equal(in.opsize, 8);
	decl(64, "0f a0", 2, &in);
	assert_int_equal(in.opsize, 8);
	/* f64: near branches are 64-bit, 66 ignored (Intel), rel32 stays */
	decl(64, "66 e8 00 00 00 00", 6, &in);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(in.immsize, 4);
	decl(64, "66 0f 84 00 00 00 00", 7, &in);
	decl(64, "c3", 1, &in);
	assert_int_equal(in.opsize, 8);
	decl(64, "ff e0", 2, &in);
	assert_int_equal(in.opsize, 8);
	decl(64, "eb fe", 2, &in);
	assert_int_equal(in.imm, -2);
	/* 32-bit: 66 E8 is rel16 */
	decl(32, "66 e8 00 00", 4, &in);
	assert_int_equal(in.opsize, 2);
	decl(16, "e8 00 00", 3, &in);
	decl(16, "0f 84 00 00", 4, &in);
	decl(16, "66 0f 84 00 00 00 00", 7, &in);
	/* far CALL/JMP m16:32 are not f64 */
	decl(64, "ff 18", 2, &in);
	assert_int_equal(in.opsize, 4);
	decl(64, "48 ff 28", 3, &in);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(dec(64, "ff d8", &in), EMU_DECODE_UD);
	/* MOV CR: 64-bit operands in long mode, mod ignored */
	decl(64, "0f 20 05", 3, &in);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(in.mod, 3);
	assert_int_equal(in.dispsize, 0);
	decl(16, "0f 22 c0", 3, &in);
	assert_int_equal(in.opsize, 4);
	decl(64, "44 0f 20 c0", 4, &in);	/* mov %cr8,%rax */
	assert_int_equal(in.reg, 8);
	/* opsize 32 default */
	decl(64, "89 c8", 2, &in);
	assert_int_equal(in.opsize, 4);
	assert_int_equal(in.addrsize, 8);
}

static void
test_invalid(void **state)
{
	static const char *const inv64[] = {
		"06", "07", "0e", "16", "17", "1e", "1f", "27", "2f", "37",
		"3f", "60", "61", "62 00", "82 c0 01", "9a 00 00 00 00 00 00",
		"c4 00", "c5 00", "ce", "d4 0a", "d5 0a", "d6", "ea 00 00 00 00 00 00",
	};
	struct emu_insn in;
	size_t i;

	for (i = 0; i < sizeof(inv64) / sizeof(inv64[0]); i++) {
		if (dec(64, inv64[i], &in) != EMU_DECODE_UD)
			fail_msg("64-bit '%s' is not #UD", inv64[i]);
	}
	/* valid outside 64-bit mode */
	decl(32, "06", 1, &in);
	decl(32, "82 c0 01", 3, &in);
	decl(16, "60", 1, &in);
	/* LES/LDS/BOUND with a memory operand; VEX/EVEX with mod 3 */
	decl(32, "c4 00", 2, &in);
	decl(16, "c5 06 00 10", 4, &in);
	decl(32, "62 00", 2, &in);
	assert_int_equal(dec(32, "c4 e2 79 00 c0", &in), EMU_DECODE_UD);
	assert_int_equal(dec(32, "c5 f8 77", &in), EMU_DECODE_UD);
	assert_int_equal(dec(32, "62 f1 7c 48 10 c0", &in), EMU_DECODE_UD);
	/* XOP and POP Ev */
	decl(64, "8f 00", 2, &in);
	assert_int_equal(dec(64, "8f e9 78 c1 c0", &in), EMU_DECODE_UD);
	/* MOV Sreg: no Sreg 6/7, no MOV to CS */
	decl(32, "8c c8", 2, &in);
	assert_int_equal(dec(32, "8c f0", &in), EMU_DECODE_UD);
	assert_int_equal(dec(32, "8e c8", &in), EMU_DECODE_UD);
	decl(32, "8e d0", 2, &in);
	/* LEA needs memory */
	assert_int_equal(dec(64, "8d c0", &in), EMU_DECODE_UD);
	/* reserved 0F opcodes; UD2/UD1/UD0 are real instructions */
	assert_int_equal(dec(64, "0f 04", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "0f 0a", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "0f 0f c0 9e", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "0f 0e", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "0f 36", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "0f 39", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "0f 38 50 c0", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "0f 3a 00 c0 00", &in), EMU_DECODE_UD);
	decl(64, "0f 0b", 2, &in);
	assert_int_equal(in.has_modrm, 0);
	decl(64, "0f b9 00", 3, &in);
	decl(64, "0f ff 40 00", 4, &in);
	/* mandatory-prefix mismatch: 0F 6C needs 66; 0F D6 none */
	assert_int_equal(dec(64, "0f 6c c0", &in), EMU_DECODE_UD);
	decl(64, "66 0f 6c c0", 4, &in);
	assert_int_equal(dec(64, "0f d6 c0", &in), EMU_DECODE_UD);
	/* 0F 38 00: MMX and 66 forms only */
	decl(64, "0f 38 00 c1", 4, &in);
	decl(64, "66 0f 38 00 c1", 5, &in);
	assert_int_equal(dec(64, "f3 0f 38 00 c1", &in), EMU_DECODE_UD);
	/* groups by reg/mod */
	assert_int_equal(dec(64, "fe 10", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "ff 38", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "0f 00 30", &in), EMU_DECODE_UD);
	decl(64, "0f 01 f8", 3, &in);			/* swapgs */
	assert_int_equal(dec(32, "0f 01 f8", &in), EMU_DECODE_UD);
	decl(64, "0f 01 d0", 3, &in);			/* xgetbv */
	decl(64, "0f 01 10", 3, &in);			/* lgdt */
	assert_int_equal(dec(64, "0f 01 d8", &in), EMU_DECODE_UD); /* vmrun */
	decl(64, "0f ae e8", 3, &in);			/* lfence */
	assert_int_equal(dec(64, "0f ae c0", &in), EMU_DECODE_UD);
	decl(64, "f3 48 0f ae c0", 5, &in);		/* rdfsbase */
	decl(64, "0f c7 f0", 3, &in);			/* rdrand */
	assert_int_equal(dec(64, "0f c7 00", &in), EMU_DECODE_UD);
	assert_int_equal(dec(64, "0f c7 c8", &in), EMU_DECODE_UD);
	decl(64, "48 0f c7 0f", 4, &in);		/* cmpxchg16b */
	assert_int_equal(dec(64, "0f b2 c0", &in), EMU_DECODE_UD);
	decl(64, "0f 1f 44 00 00", 5, &in);		/* nopl */
	decl(64, "f3 0f 1e fa", 4, &in);		/* endbr64 */
	decl(64, "0f 18 08", 3, &in);			/* prefetcht0 */
	assert_int_equal(dec(64, "0f 71 10 01", &in), EMU_DECODE_UD);
	decl(64, "0f 71 d0 01", 4, &in);
	/* x87: memory and register forms */
	decl(32, "d9 c0", 2, &in);
	decl(32, "dd 05 00 00 00 00", 6, &in);
	decl(32, "df e0", 2, &in);
	assert_int_equal(dec(32, "d9 08", &in), EMU_DECODE_UD);
	assert_int_equal(dec(32, "d9 d8", &in), EMU_DECODE_UD);
	assert_int_equal(dec(32, "df e1", &in), EMU_DECODE_UD);
}

static void
test_more(void **state)
{
	static const uint8_t insn[] = {
		0x66, 0x48, 0xc7, 0x84, 0x88, 0x00, 0x01, 0x00, 0x00,
		0x78, 0x56, 0x34, 0x12,
	};
	struct emu_insn in;
	size_t n;

	/* every truncation asks for more bytes; never reads past avail */
	for (n = 0; n < sizeof(insn); n++) {
		uint8_t *p = malloc(n ? n : 1);

		memcpy(p, insn, n);
		assert_int_equal(emu_decode(p, n, 64, &in), EMU_DECODE_MORE);
		free(p);
	}
	assert_int_equal(emu_decode(insn, sizeof(insn), 64, &in),
	    (int)sizeof(insn));
	assert_int_equal(in.base, 0);
	assert_int_equal(in.index, 1);
	assert_int_equal(in.scale, 2);
	assert_int_equal(in.disp, 0x100);
	assert_int_equal(in.imm, 0x12345678);
	assert_int_equal(in.opsize, 8);
}

/*
 * Random byte strings in every mode, each decoded whole and at every
 * truncation, placed so that the byte after 'avail' is a PROT_NONE page:
 * the decoder must never read past avail, and truncation must be
 * consistent (shorter than the length: MORE; at least: the same answer).
 */
static void
test_truncation_fuzz(void **state)
{
	static const int modes[] = { 16, 32, 64 };
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *map, *end, src[15];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	struct emu_insn in;
	int full, r, k, mi, it;
	size_t n;

	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + pg, pg, PROT_NONE), 0);
	end = map + pg;
	for (it = 0; it < 60000; it++) {
		for (k = 0; k < 15; k++) {
			/* xorshift64; bias towards prefixes and escapes */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			src[k] = (x >> 8) & 7 ? (uint8_t)x :
			    (uint8_t)"\x66\x67\xf2\xf3\x0f\x48\x2e\x38"[x >> 61];
		}
		mi = it % 3;
		memcpy(end - 15, src, 15);
		full = emu_decode(end - 15, 15, modes[mi], &in);
		assert_true(full > 0 || full == EMU_DECODE_UD ||
		    full == EMU_DECODE_GP);
		for (n = 0; n < 15; n++) {
			memcpy(end - n, src, n);
			r = emu_decode(end - n, n, modes[mi], &in);
			if (full > 0 && (int)n < full)
				assert_int_equal(r, EMU_DECODE_MORE);
			else if (full > 0)
				assert_int_equal(r, full);
			else if (full == EMU_DECODE_GP)
				assert_int_equal(r, EMU_DECODE_MORE);
			else if (r != EMU_DECODE_MORE)
				assert_int_equal(r, EMU_DECODE_UD);
		}
	}
	munmap(map, 2 * pg);
}

/* ---- part 2: exhaustive comparison with objdump ---- */

#define SLOT_PAD	15	/* NOPs after the last non-NOP byte */

struct kase {
	uint32_t off;
	uint8_t len;		/* bytes in the slot */
	uint8_t map, op, lockpfx;
};

struct batch {
	int mode;
	uint8_t *buf;
	size_t len, cap;
	struct kase *k;
	size_t nk, kcap;
	/* objdump's view, by address */
	uint8_t *olen;		/* bytes of the insn starting here, 0 if none */
	uint8_t *oflag;
	char **otext;		/* only kept for slot starts, for messages */
};

#define OF_BAD		1
#define OF_PFXONLY	2

static void
add_case(struct batch *b, const uint8_t *pfx, size_t npfx, int map, int op,
    int modrm, int sib)
{
	uint8_t s[40];
	size_t n = 0, i;

	if (npfx != 0)
		memcpy(s, pfx, npfx);
	n = npfx;
	if (map != EMU_MAP_1B)
		s[n++] = 0x0f;
	if (map == EMU_MAP_0F38)
		s[n++] = 0x38;
	if (map == EMU_MAP_0F3A)
		s[n++] = 0x3a;
	s[n++] = op;
	if (modrm >= 0)
		s[n++] = modrm;
	if (sib >= 0)
		s[n++] = sib;
	for (i = 0; i < SLOT_PAD; i++)
		s[n++] = 0x90;
	if (b->len + n > b->cap) {
		b->cap = (b->cap + n) * 2;
		b->buf = realloc(b->buf, b->cap);
		assert_non_null(b->buf);
	}
	if (b->nk == b->kcap) {
		b->kcap = b->kcap * 2 + 1024;
		b->k = realloc(b->k, b->kcap * sizeof(*b->k));
		assert_non_null(b->k);
	}
	b->k[b->nk++] = (struct kase){ .off = b->len, .len = n, .map = map,
	    .op = op, .lockpfx = npfx != 0 && memchr(pfx, 0xf0, npfx) != NULL };
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

/* The ModRM forms every opcode is tried with. */
static const int16_t mem_forms[][2] = {
	{ 0x05, -1 },		/* disp32 / RIP-relative / [di] */
	{ 0x04, 0x05 },		/* SIB, no base: disp32 */
	{ 0x04, 0x25 },		/* SIB, no index, no base */
	{ 0x06, -1 },		/* [disp16] in 16-bit addressing */
	{ 0x46, -1 },		/* [bp+disp8] / [rsi+disp8] */
	{ 0x84, 0x00 },		/* SIB + disp32 */
	{ 0x45, -1 },		/* [rbp+disp8] */
	{ 0x80, -1 },		/* disp32 / disp16 */
};

static void
gen_opcode(struct batch *b, int map, int op)
{
	static const uint8_t simd[] = { 0x66, 0xf3, 0xf2 };
	int mode = b->mode, full = map <= EMU_MAP_0F, r, m, i;
	uint8_t p[4];

	/* no prefix: every register form, each reg with memory forms */
	for (r = 0; r < 8; r++) {
		for (m = 0; m < 8; m++) {
			if (full || m == 1)
				add_case(b, NULL, 0, map, op,
				    0xc0 | r << 3 | m, -1);
		}
		add_case(b, NULL, 0, map, op, r << 3, -1);
		if (full)
			add_case(b, NULL, 0, map, op, 0x44 | r << 3, 0x24);
	}
	for (i = 0; i < (int)(sizeof(mem_forms) / sizeof(mem_forms[0])); i++)
		add_case(b, NULL, 0, map, op, mem_forms[i][0], mem_forms[i][1]);

	/* the mandatory / size prefixes */
	for (i = 0; i < 3; i++) {
		p[0] = simd[i];
		for (r = 0; r < 8; r++) {
			for (m = 0; m < 8; m++) {
				if ((map == EMU_MAP_0F) || m == 1)
					add_case(b, p, 1, map, op,
					    0xc0 | r << 3 | m, -1);
			}
			add_case(b, p, 1, map, op, r << 3 | 4, r << 3);
		}
	}
	p[0] = 0x66;
	p[1] = 0xf2;
	add_case(b, p, 2, map, op, 0xc1, -1);
	add_case(b, p, 2, map, op, 0x01, -1);

	/* address size */
	p[0] = 0x67;
	for (i = 0; i < (int)(sizeof(mem_forms) / sizeof(mem_forms[0])); i++)
		add_case(b, p, 1, map, op, mem_forms[i][0], mem_forms[i][1]);
	add_case(b, p, 1, map, op, 0xc0, -1);

	/* REX: W, W with 66, stale REX before 66, REX.B/X */
	if (mode == 64) {
		static const uint8_t rexs[][2] = {
			{ 0x48, 0 }, { 0x66, 0x48 }, { 0x48, 0x66 },
			{ 0x4b, 0 }, { 0x40, 0 },
		};
		for (i = 0; i < 5; i++) {
			size_t np = rexs[i][1] ? 2 : 1;

			add_case(b, rexs[i], np, map, op, 0x00, -1);
			add_case(b, rexs[i], np, map, op, 0x84, 0x25);
			add_case(b, rexs[i], np, map, op, 0xc8, -1);
		}
		/* REX.B/X do not change RIP-relative or SIB no-base forms */
		p[0] = 0x4b;
		add_case(b, p, 1, map, op, 0x05, -1);
		add_case(b, p, 1, map, op, 0x04, 0x25);
		add_case(b, p, 1, map, op, 0x04, 0xe5);
		add_case(b, p, 1, map, op, 0x45, -1);
	}

	/* LOCK and segment overrides */
	p[0] = 0xf0;
	for (r = 0; r < 8; r++)
		add_case(b, p, 1, map, op, r << 3, -1);
	add_case(b, p, 1, map, op, 0xc0, -1);
	p[0] = 0x2e;
	p[1] = 0x64;
	add_case(b, p, 2, map, op, 0x00, -1);
	add_case(b, p, 1, map, op, 0x44, 0x24);
}

static int
is_prefix_byte(int mode, int op)
{
	switch (op) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3: case 0x0f:
		return (1);
	}
	return (mode == 64 && (op & 0xf0) == 0x40);
}

static void
gen_batch(struct batch *b)
{
	int map, op;

	for (map = EMU_MAP_1B; map <= EMU_MAP_0F3A; map++) {
		for (op = 0; op < 256; op++) {
			if (map == EMU_MAP_1B && is_prefix_byte(b->mode, op))
				continue;
			if (map == EMU_MAP_0F && (op == 0x38 || op == 0x3a))
				continue;
			gen_opcode(b, map, op);
		}
	}
}

/* Is every word of objdump's mnemonic text a prefix name? */
static int
prefix_only(const char *t)
{
	static const char *const names[] = {
		"rex", "data16", "data32", "addr16", "addr32", "lock", "rep",
		"repz", "repnz", "repe", "repne", "cs", "ds", "es", "ss",
		"fs", "gs", "bnd", "notrack", "xacquire", "xrelease",
	};
	char w[32];
	int k, any = 0;
	size_t i;

	while (sscanf(t, "%31s%n", w, &k) == 1) {
		int ok = strncmp(w, "rex.", 4) == 0;

		for (i = 0; !ok && i < sizeof(names) / sizeof(names[0]); i++)
			ok = strcmp(w, names[i]) == 0;
		if (!ok)
			return (0);
		any = 1;
		t += k;
	}
	return (any);
}

static pid_t
run_objdump(struct batch *b, const char *in, const char *out)
{
	const char *m = b->mode == 64 ? "i386:x86-64" :
	    b->mode == 32 ? "i386" : "i8086";
	pid_t pid;
	FILE *f;

	f = fopen(in, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(b->buf, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (freopen(out, "w", stdout) == NULL)
			_exit(127);
		/* -M intel64: the CPU model is Intel (near branches ignore 66) */
		if (b->mode == 64)
			execlp("objdump", "objdump", "-D", "-b", "binary", "-m",
			    m, "-M", "intel64", "--insn-width=15", in,
			    (char *)NULL);
		else
			execlp("objdump", "objdump", "-D", "-b", "binary", "-m",
			    m, "--insn-width=15", in, (char *)NULL);
		_exit(127);
	}
	return (pid);
}

static int
parse_objdump(struct batch *b, const char *out)
{
	char line[512], *tab1, *tab2, *q;
	unsigned long addr;
	size_t k = 0;
	FILE *f;
	int n;

	b->olen = calloc(b->len + 1, 1);
	b->oflag = calloc(b->len + 1, 1);
	b->otext = calloc(b->nk, sizeof(char *));
	f = fopen(out, "r");
	if (f == NULL || b->olen == NULL || b->oflag == NULL || b->otext == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL) {
		n = -1;
		if (sscanf(line, " %lx:%n", &addr, &n) != 1 || n < 0 ||
		    line[n] != '\t' || addr >= b->len)
			continue;
		tab1 = line + n + 1;
		tab2 = strchr(tab1, '\t');
		if (tab2 == NULL)
			continue;	/* continuation: no mnemonic */
		*tab2++ = '\0';
		tab2[strcspn(tab2, "\n")] = '\0';
		/* count the hex byte pairs */
		for (n = 0, q = tab1; *q != '\0'; q++)
			if (*q != ' ' && (q[1] == ' ' || q[1] == '\0'))
				n++;
		b->olen[addr] = n;
		/* "%?" is objdump's name for a register that does not exist */
		if (strstr(tab2, "(bad)") != NULL || strncmp(tab2, ".byte",
		    5) == 0 || strstr(tab2, "%?") != NULL)
			b->oflag[addr] |= OF_BAD;
		else if (prefix_only(tab2))
			b->oflag[addr] |= OF_PFXONLY;
		while (k < b->nk && b->k[k].off < addr)
			k++;
		if (k < b->nk && b->k[k].off == addr) {
			size_t l = strlen(tab1) + strlen(tab2) + 4;

			b->otext[k] = malloc(l);
			if (b->otext[k] != NULL)
				snprintf(b->otext[k], l, "%s | %s", tab1, tab2);
		}
	}
	fclose(f);
	return (0);
}

/*
 * Encodings objdump 2.40 rejects that the SDM defines and we decode.
 * Each entry: mode (0 = any), map, opcode, modrm (-1 = any), simd prefix
 * (-1 = any).
 */
static const struct {
	int map, op, modrm_lo, modrm_hi, pfx;
	const char *why;
} od_bad_ok[] = {
	/* SDM A-6 lists the fences by ModRM.reg; binutils wants rm = 0 */
	{ EMU_MAP_0F, 0xae, 0xf1, 0xf7, EMU_PFX_NONE, "MFENCE, rm != 0" },
	{ EMU_MAP_0F, 0xae, 0xf9, 0xff, EMU_PFX_NONE, "SFENCE, rm != 0" },
	/* hint-NOP space: the MPX forms are NOPs while MPX is off */
	{ EMU_MAP_0F, 0x1a, 0x00, 0xff, -1, "BNDLDX/BNDMOV.. as NOP" },
	{ EMU_MAP_0F, 0x1b, 0x00, 0xff, -1, "BNDSTX/BNDMOV.. as NOP" },
	/* a 66/F2 the instruction does not use is ignored by the CPU */
	{ EMU_MAP_0F, 0x09, 0x00, 0xff, EMU_PFX_66, "66 WBINVD" },
	{ EMU_MAP_0F, 0x09, 0x00, 0xff, EMU_PFX_F2, "F2 WBINVD" },
	{ EMU_MAP_0F, 0xbc, 0x00, 0xff, EMU_PFX_F2, "F2 BSF" },
	{ EMU_MAP_0F, 0xbd, 0x00, 0xff, EMU_PFX_F2, "F2 BSR" },
	{ -1, -1, -1, -1, -1, NULL },
};

/*
 * Where objdump decodes something and we answer #UD on purpose, by opcode.
 * A #UD anywhere else (objdump valid, we reject) is a failure.
 */
static const struct {
	int map, op_lo, op_hi;
	const char *why;
} ud_expected[] = {
	{ EMU_MAP_1B, 0x62, 0x62, "EVEX (AVX-512 not advertised)" },
	{ EMU_MAP_1B, 0x8e, 0x8e, "MOV to CS" },
	{ EMU_MAP_1B, 0x8f, 0x8f, "XOP (AMD)" },
	{ EMU_MAP_1B, 0xc0, 0xc1, "group 2 /6: reserved (SAL alias)" },
	{ EMU_MAP_1B, 0xd0, 0xd3, "group 2 /6: reserved (SAL alias)" },
	{ EMU_MAP_1B, 0xc4, 0xc5, "VEX (AVX not advertised)" },
	{ EMU_MAP_1B, 0xd9, 0xd9, "x87 reserved aliases" },
	{ EMU_MAP_1B, 0xdb, 0xdb, "8087/287 FNENI FNDISI FNSETPM FRSTPM" },
	{ EMU_MAP_1B, 0xdd, 0xdf, "x87 reserved aliases (FFREEP...)" },
	{ EMU_MAP_0F, 0x01, 0x01, "SVM/SEV, SGX, TDX, MONITORX, SWAPGS "
	    "outside 64-bit mode..." },
	{ EMU_MAP_0F, 0x0e, 0x0f, "3DNow! (AMD)" },
	{ EMU_MAP_0F, 0x24, 0x24, "MOV from TR (i486)" },
	{ EMU_MAP_0F, 0x26, 0x26, "MOV to TR (i486)" },
	{ EMU_MAP_0F, 0x2b, 0x2b, "F2/F3 MOVNTSD/SS (AMD SSE4a)" },
	{ EMU_MAP_0F, 0x78, 0x79, "EXTRQ/INSERTQ (AMD SSE4a)" },
	{ EMU_MAP_0F, 0xa6, 0xa7, "VIA PadLock" },
	{ EMU_MAP_0F, 0xae, 0xae, "RD/WR FS/GS BASE outside 64-bit mode" },
	{ EMU_MAP_0F, 0xc7, 0xc7, "SENDUIPI (F3 /6 reg)" },
	{ EMU_MAP_0F, 0xd7, 0xd7, "66 F2 0F D7: F2 wins, no F2 form" },
	{ EMU_MAP_0F38, 0xd8, 0xd8, "Key Locker" },
	{ EMU_MAP_0F38, 0xdc, 0xdf, "Key Locker (F3 forms)" },
	{ EMU_MAP_0F38, 0xfa, 0xfb, "Key Locker" },
	{ EMU_MAP_0F38, 0xfc, 0xfc, "RAO-INT" },
	{ -1, 0, 0, NULL },
};

static int
ud_is_expected(int map, int op)
{
	size_t j;

	for (j = 0; ud_expected[j].why != NULL; j++)
		if (ud_expected[j].map == map && op >= ud_expected[j].op_lo &&
		    op <= ud_expected[j].op_hi)
			return (1);
	return (0);
}

struct stats {
	unsigned checked[4], agree[4], both_ud[4], ud_ok[4], ud_lock[4];
	unsigned ops_checked[4], fails;
	uint8_t seen[4][256], ud_ok_seen[4][256];
};

static void
compare_batch(struct batch *b, struct stats *st, int verbose)
{
	struct emu_insn in;
	size_t i, j;

	for (i = 0; i < b->nk; i++) {
		const struct kase *c = &b->k[i];
		const uint8_t *s = b->buf + c->off;
		uint32_t a = c->off;
		int ol = 0, bad, r;

		/* objdump prints a stale prefix as its own "instruction" */
		while (a < c->off + c->len && b->olen[a] != 0 &&
		    (b->oflag[a] & OF_PFXONLY)) {
			ol += b->olen[a];
			a += b->olen[a];
		}
		if (a >= c->off + c->len || b->olen[a] == 0) {
			fail_msg("mode %d: no objdump line at %#x", b->mode, a);
		}
		bad = b->oflag[a] & OF_BAD;
		ol += b->olen[a];
		r = emu_decode(s, c->len, b->mode, &in);
		st->checked[c->map]++;
		st->seen[c->map][c->op] = 1;
		if (bad && r == EMU_DECODE_UD) {
			st->both_ud[c->map]++;
			continue;
		}
		/* objdump shows FWAIT + x87 insn as one (fstsw...): it is two */
		if (!bad && c->map == EMU_MAP_1B && c->op == 0x9b && r > 0 &&
		    r < ol) {
			st->agree[c->map]++;
			continue;
		}
		if (!bad && r == ol) {
			st->agree[c->map]++;
			continue;
		}
		if (!bad && r == EMU_DECODE_UD) {
			if (c->lockpfx) {
				st->ud_lock[c->map]++;
				continue;
			}
			if (!ud_is_expected(c->map, c->op))
				goto mismatch;
			st->ud_ok[c->map]++;
			if (verbose)
				printf("  UD-ok m%d: %s\n", b->mode,
				    b->otext[i] ? b->otext[i] : "?");
			if (verbose && (b->oflag[c->off] & OF_PFXONLY))
				printf("    (bytes %02x %02x %02x %02x %02x)\n",
				    s[0], s[1], s[2], s[3], s[4]);
			st->ud_ok_seen[c->map][c->op] = 1;
			continue;
		}
		if (bad && r > 0) {
			for (j = 0; od_bad_ok[j].why != NULL; j++) {
				if (od_bad_ok[j].map == in.map &&
				    od_bad_ok[j].op == in.op &&
				    in.modrm >= od_bad_ok[j].modrm_lo &&
				    in.modrm <= od_bad_ok[j].modrm_hi &&
				    (od_bad_ok[j].pfx < 0 ||
				    od_bad_ok[j].pfx == in.simd_pfx))
					break;
			}
			if (od_bad_ok[j].why != NULL) {
				st->agree[c->map]++;
				continue;
			}
		}
mismatch:
		st->fails++;
		if (st->fails <= 50 || verbose) {
			char hex[3 * 20 + 1];

			for (j = 0; j < 15 && j < c->len; j++)
				snprintf(hex + 3 * j, 4, "%02x ", s[j]);
			printf("MISMATCH mode %d map %d op %02x: ours %d, "
			    "objdump %s%d [%s] | %s\n", b->mode, c->map, c->op, r,
			    bad ? "(bad) " : "", ol, hex,
			    b->otext[i] ? b->otext[i] : "?");
		}
	}
}

static void
free_batch(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nk && b->otext != NULL; i++)
		free(b->otext[i]);
	free(b->otext);
	free(b->olen);
	free(b->oflag);
	free(b->buf);
	free(b->k);
}

static void
test_objdump(void **state)
{
	static const char *const mapname[] = { "1-byte", "0F", "0F38", "0F3A" };
	struct batch b[3] = { { .mode = 16 }, { .mode = 32 }, { .mode = 64 } };
	char dir[] = "/tmp/test_decode.XXXXXX", in[3][64], out[3][64];
	int verbose = getenv("DECODE_VERBOSE") != NULL, i, m, st_;
	struct stats st;
	pid_t pid[3];

	if (system("objdump --version >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 3; i++) {
		gen_batch(&b[i]);
		snprintf(in[i], sizeof(in[i]), "%s/m%d.bin", dir, b[i].mode);
		snprintf(out[i], sizeof(out[i]), "%s/m%d.txt", dir, b[i].mode);
		pid[i] = run_objdump(&b[i], in[i], out[i]);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(waitpid(pid[i], &st_, 0), pid[i]);
		assert_true(WIFEXITED(st_) && WEXITSTATUS(st_) == 0);
		assert_int_equal(parse_objdump(&b[i], out[i]), 0);
		compare_batch(&b[i], &st, verbose);
		unlink(in[i]);
		unlink(out[i]);
		free_batch(&b[i]);
	}
	rmdir(dir);

	printf("decoder vs objdump (16/32/64-bit together):\n");
	printf("  %-7s %7s %8s %8s %8s %8s %8s %8s\n", "map", "opcodes",
	    "cases", "agree", "both-UD", "UD-ok", "(opcodes)", "lock-UD");
	for (m = 0; m < 4; m++) {
		unsigned n = 0, u = 0, o;

		for (o = 0; o < 256; o++) {
			n += st.seen[m][o];
			u += st.ud_ok_seen[m][o];
		}
		printf("  %-7s %7u %8u %8u %8u %8u %8u %8u\n", mapname[m], n,
		    st.checked[m], st.agree[m], st.both_ud[m], st.ud_ok[m], u,
		    st.ud_lock[m]);
	}
	printf("  (UD-ok: objdump decodes, we reject on purpose: VEX/EVEX/"
	    "XOP, AMD-only, reserved aliases; DECODE_VERBOSE=1 lists them)\n");
	if (st.fails != 0)
		fail_msg("%u length/validity mismatches with objdump",
		    st.fails);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_rex),
		cmocka_unit_test(test_modrm32_64),
		cmocka_unit_test(test_modrm16),
		cmocka_unit_test(test_immediates),
		cmocka_unit_test(test_opsize64),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_more),
		cmocka_unit_test(test_truncation_fuzz),
		cmocka_unit_test(test_objdump),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
