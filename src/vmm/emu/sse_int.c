/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sse_int.c: packed-integer instructions of the emu backend on MMX and
 * XMM registers: MMX/SSE2 arithmetic, compares, logic, shifts, packs and
 * unpacks (0F 60..FE), the shift-by-immediate groups 12-14 (0F 71..73),
 * SSSE3 (0F38 00..1E, PALIGNR) and the SSE4.1/4.2 packed-integer forms of
 * 0F38.  Each operation is the host's own instruction (the host is an
 * x86-64-v2 CPU, so results are the hardware's by construction); MMX forms
 * run the 128-bit operation on 64-bit halves arranged so that the low 64
 * bits of the result are the MMX result (SDM vol. 2 per instruction).
 */
#pragma GCC target("sse4.2")
#include <immintrin.h>

#include "vmm/emu/simd.h"

/* how the MMX form maps onto the 128-bit operation */
enum {
	K_LO,		/* operands in the low halves */
	K_HI,		/* PUNPCKH*: the operands' high dwords */
	K_PACK,		/* packs, horizontal ops: [dst | src] as both */
	K_SHUFB,	/* PSHUFB: index bits 2:0 */
	K_UN,		/* unary on the source */
};

/* X(name, kind, expression in d and s) */
#define PBIN_OPS							\
	X(punpcklbw, K_LO, _mm_unpacklo_epi8(d, s))			\
	X(punpcklwd, K_LO, _mm_unpacklo_epi16(d, s))			\
	X(punpckldq, K_LO, _mm_unpacklo_epi32(d, s))			\
	X(packsswb, K_PACK, _mm_packs_epi16(d, s))			\
	X(pcmpgtb, K_LO, _mm_cmpgt_epi8(d, s))				\
	X(pcmpgtw, K_LO, _mm_cmpgt_epi16(d, s))			\
	X(pcmpgtd, K_LO, _mm_cmpgt_epi32(d, s))			\
	X(packuswb, K_PACK, _mm_packus_epi16(d, s))			\
	X(punpckhbw, K_HI, _mm_unpackhi_epi8(d, s))			\
	X(punpckhwd, K_HI, _mm_unpackhi_epi16(d, s))			\
	X(punpckhdq, K_HI, _mm_unpackhi_epi32(d, s))			\
	X(packssdw, K_PACK, _mm_packs_epi32(d, s))			\
	X(punpcklqdq, K_LO, _mm_unpacklo_epi64(d, s))			\
	X(punpckhqdq, K_LO, _mm_unpackhi_epi64(d, s))			\
	X(pcmpeqb, K_LO, _mm_cmpeq_epi8(d, s))				\
	X(pcmpeqw, K_LO, _mm_cmpeq_epi16(d, s))			\
	X(pcmpeqd, K_LO, _mm_cmpeq_epi32(d, s))			\
	X(psrlw, K_LO, _mm_srl_epi16(d, s))				\
	X(psrld, K_LO, _mm_srl_epi32(d, s))				\
	X(psrlq, K_LO, _mm_srl_epi64(d, s))				\
	X(paddq, K_LO, _mm_add_epi64(d, s))				\
	X(pmullw, K_LO, _mm_mullo_epi16(d, s))				\
	X(psubusb, K_LO, _mm_subs_epu8(d, s))				\
	X(psubusw, K_LO, _mm_subs_epu16(d, s))				\
	X(pminub, K_LO, _mm_min_epu8(d, s))				\
	X(pand, K_LO, _mm_and_si128(d, s))				\
	X(paddusb, K_LO, _mm_adds_epu8(d, s))				\
	X(paddusw, K_LO, _mm_adds_epu16(d, s))				\
	X(pmaxub, K_LO, _mm_max_epu8(d, s))				\
	X(pandn, K_LO, _mm_andnot_si128(d, s))				\
	X(pavgb, K_LO, _mm_avg_epu8(d, s))				\
	X(psraw, K_LO, _mm_sra_epi16(d, s))				\
	X(psrad, K_LO, _mm_sra_epi32(d, s))				\
	X(pavgw, K_LO, _mm_avg_epu16(d, s))				\
	X(pmulhuw, K_LO, _mm_mulhi_epu16(d, s))			\
	X(pmulhw, K_LO, _mm_mulhi_epi16(d, s))				\
	X(psubsb, K_LO, _mm_subs_epi8(d, s))				\
	X(psubsw, K_LO, _mm_subs_epi16(d, s))				\
	X(pminsw, K_LO, _mm_min_epi16(d, s))				\
	X(por, K_LO, _mm_or_si128(d, s))				\
	X(paddsb, K_LO, _mm_adds_epi8(d, s))				\
	X(paddsw, K_LO, _mm_adds_epi16(d, s))				\
	X(pmaxsw, K_LO, _mm_max_epi16(d, s))				\
	X(pxor, K_LO, _mm_xor_si128(d, s))				\
	X(psllw, K_LO, _mm_sll_epi16(d, s))				\
	X(pslld, K_LO, _mm_sll_epi32(d, s))				\
	X(psllq, K_LO, _mm_sll_epi64(d, s))				\
	X(pmuludq, K_LO, _mm_mul_epu32(d, s))				\
	X(pmaddwd, K_LO, _mm_madd_epi16(d, s))				\
	X(psadbw, K_LO, _mm_sad_epu8(d, s))				\
	X(psubb, K_LO, _mm_sub_epi8(d, s))				\
	X(psubw, K_LO, _mm_sub_epi16(d, s))				\
	X(psubd, K_LO, _mm_sub_epi32(d, s))				\
	X(psubq, K_LO, _mm_sub_epi64(d, s))				\
	X(paddb, K_LO, _mm_add_epi8(d, s))				\
	X(paddw, K_LO, _mm_add_epi16(d, s))				\
	X(paddd, K_LO, _mm_add_epi32(d, s))				\
	/* SSSE3 */							\
	X(pshufb, K_SHUFB, _mm_shuffle_epi8(d, s))			\
	X(phaddw, K_PACK, _mm_hadd_epi16(d, s))			\
	X(phaddd, K_PACK, _mm_hadd_epi32(d, s))			\
	X(phaddsw, K_PACK, _mm_hadds_epi16(d, s))			\
	X(pmaddubsw, K_LO, _mm_maddubs_epi16(d, s))			\
	X(phsubw, K_PACK, _mm_hsub_epi16(d, s))			\
	X(phsubd, K_PACK, _mm_hsub_epi32(d, s))			\
	X(phsubsw, K_PACK, _mm_hsubs_epi16(d, s))			\
	X(psignb, K_LO, _mm_sign_epi8(d, s))				\
	X(psignw, K_LO, _mm_sign_epi16(d, s))				\
	X(psignd, K_LO, _mm_sign_epi32(d, s))				\
	X(pmulhrsw, K_LO, _mm_mulhrs_epi16(d, s))			\
	X(pabsb, K_UN, _mm_abs_epi8(s))				\
	X(pabsw, K_UN, _mm_abs_epi16(s))				\
	X(pabsd, K_UN, _mm_abs_epi32(s))				\
	/* SSE4.1 / SSE4.2 (66 only) */					\
	X(pmuldq, K_LO, _mm_mul_epi32(d, s))				\
	X(pcmpeqq, K_LO, _mm_cmpeq_epi64(d, s))			\
	X(packusdw, K_PACK, _mm_packus_epi32(d, s))			\
	X(pcmpgtq, K_LO, _mm_cmpgt_epi64(d, s))			\
	X(pminsb, K_LO, _mm_min_epi8(d, s))				\
	X(pminsd, K_LO, _mm_min_epi32(d, s))				\
	X(pminuw, K_LO, _mm_min_epu16(d, s))				\
	X(pminud, K_LO, _mm_min_epu32(d, s))				\
	X(pmaxsb, K_LO, _mm_max_epi8(d, s))				\
	X(pmaxsd, K_LO, _mm_max_epi32(d, s))				\
	X(pmaxuw, K_LO, _mm_max_epu16(d, s))				\
	X(pmaxud, K_LO, _mm_max_epu32(d, s))				\
	X(pmulld, K_LO, _mm_mullo_epi32(d, s))				\
	X(phminposuw, K_UN, _mm_minpos_epu16(s))

enum {
#define X(n, k, e)	PB_##n,
	PBIN_OPS
#undef X
	PB_COUNT
};

static const uint8_t pbin_kind[PB_COUNT] = {
#define X(n, k, e)	[PB_##n] = k,
	PBIN_OPS
#undef X
};

static __m128i
pbin_do(int aux, __m128i d, __m128i s)
{
	switch (aux) {
#define X(n, k, e)	case PB_##n: return (e);
	PBIN_OPS
#undef X
	}
	return (d);
}

EMU_INLINE __m128i
ld128(const union emu_xmm *x)
{
	return (_mm_load_si128((const __m128i *)x));
}

EMU_INLINE void
st128(union emu_xmm *x, __m128i v)
{
	_mm_store_si128((__m128i *)x, v);
}

/* dst = op(dst, src) on xmm (66) or mm (no prefix) */
static H(h_pbin)
{
	if (op->i.simd_pfx == EMU_PFX_66) {
		union emu_xmm s;

		sse_check(cpu);
		sse_src(cpu, op, &s, 16, 16);
		st128(XMM(cpu, op->i.reg), pbin_do(op->aux,
		    ld128(XMM(cpu, op->i.reg)), ld128(&s)));
	} else {
		uint64_t d, s;
		__m128i r, a;

		mmx_check(cpu);
		d = mmx_get(cpu, op->i.reg);
		s = mmx_src(cpu, op);
		switch (pbin_kind[op->aux]) {
		case K_HI:
			/* bytes 4..7 of each in bytes 8..11 */
			r = pbin_do(op->aux, _mm_set_epi64x(d >> 32, 0),
			    _mm_set_epi64x(s >> 32, 0));
			break;
		case K_PACK:
			a = _mm_set_epi64x(s, d);
			r = pbin_do(op->aux, a, a);
			break;
		case K_SHUFB:
			r = pbin_do(op->aux, _mm_cvtsi64_si128(d),
			    _mm_cvtsi64_si128(s & 0x8787878787878787ULL));
			break;
		default:
			r = pbin_do(op->aux, _mm_cvtsi64_si128(d),
			    _mm_cvtsi64_si128(s));
		}
		mmx_set(cpu, op->i.reg, _mm_cvtsi128_si64(r));
	}
	return (emu_next(cpu, op));
}

/*
 * Groups 12-14 (0F 71/72/73): shifts by imm8; aux = (opcode & 3) << 3 |
 * ModRM.reg.  PSRLDQ/PSLLDQ shift bytes (66 only).
 */
static __m128i
pshimm(int aux, __m128i v, unsigned imm)
{
	__m128i c = _mm_cvtsi32_si128(imm);
	uint8_t b[32];

	switch (aux) {
	case (1 << 3) | 2: return (_mm_srl_epi16(v, c));
	case (1 << 3) | 4: return (_mm_sra_epi16(v, c));
	case (1 << 3) | 6: return (_mm_sll_epi16(v, c));
	case (2 << 3) | 2: return (_mm_srl_epi32(v, c));
	case (2 << 3) | 4: return (_mm_sra_epi32(v, c));
	case (2 << 3) | 6: return (_mm_sll_epi32(v, c));
	case (3 << 3) | 2: return (_mm_srl_epi64(v, c));
	case (3 << 3) | 6: return (_mm_sll_epi64(v, c));
	case (3 << 3) | 3:	/* PSRLDQ */
		memset(b, 0, sizeof(b));
		_mm_storeu_si128((__m128i *)b, v);
		return (_mm_loadu_si128((__m128i *)(b + (imm > 16 ? 16 :
		    imm))));
	case (3 << 3) | 7:	/* PSLLDQ */
		memset(b, 0, sizeof(b));
		_mm_storeu_si128((__m128i *)(b + 16), v);
		return (_mm_loadu_si128((__m128i *)(b + 16 - (imm > 16 ? 16 :
		    imm))));
	}
	return (v);
}

static H(h_pshimm)
{
	unsigned imm = op->i.imm & 0xff;
	int aux = ((op->i.op & 3) << 3) | (op->i.reg & 7);

	if (op->i.simd_pfx == EMU_PFX_66) {
		sse_check(cpu);
		st128(XMM(cpu, op->i.rm), pshimm(aux, ld128(XMM(cpu, op->i.rm)),
		    imm));
	} else {
		mmx_check(cpu);
		mmx_set(cpu, op->i.rm, _mm_cvtsi128_si64(pshimm(aux,
		    _mm_cvtsi64_si128(mmx_get(cpu, op->i.rm)), imm)));
	}
	return (emu_next(cpu, op));
}

/* 0F3A 0F: PALIGNR mm/xmm: (dst:src) >> (imm8 * 8) */
static H(h_palignr)
{
	unsigned imm = op->i.imm & 0xff;
	uint8_t b[64];

	memset(b, 0, sizeof(b));
	if (op->i.simd_pfx == EMU_PFX_66) {
		union emu_xmm s;

		sse_check(cpu);
		sse_src(cpu, op, &s, 16, 16);
		memcpy(b, &s, 16);
		memcpy(b + 16, XMM(cpu, op->i.reg), 16);
		memcpy(XMM(cpu, op->i.reg), b + (imm > 32 ? 32 : imm), 16);
	} else {
		uint64_t d, s, r;

		mmx_check(cpu);
		s = mmx_src(cpu, op);
		d = mmx_get(cpu, op->i.reg);
		memcpy(b, &s, 8);
		memcpy(b + 8, &d, 8);
		memcpy(&r, b + (imm > 16 ? 16 : imm), 8);
		mmx_set(cpu, op->i.reg, r);
	}
	return (emu_next(cpu, op));
}

/* 66 0F38 20..25 / 30..35: PMOVSX / PMOVZX; source size by opcode */
static H(h_pmovx)
{
	static const uint8_t n[6] = { 8, 4, 2, 8, 4, 8 };
	int k = op->i.op & 7;
	union emu_xmm s;
	__m128i v, r;

	sse_check(cpu);
	sse_src(cpu, op, &s, n[k], 0);
	v = ld128(&s);
	if (op->i.op < 0x30) {
		switch (k) {
		case 0: r = _mm_cvtepi8_epi16(v); break;
		case 1: r = _mm_cvtepi8_epi32(v); break;
		case 2: r = _mm_cvtepi8_epi64(v); break;
		case 3: r = _mm_cvtepi16_epi32(v); break;
		case 4: r = _mm_cvtepi16_epi64(v); break;
		default: r = _mm_cvtepi32_epi64(v); break;
		}
	} else {
		switch (k) {
		case 0: r = _mm_cvtepu8_epi16(v); break;
		case 1: r = _mm_cvtepu8_epi32(v); break;
		case 2: r = _mm_cvtepu8_epi64(v); break;
		case 3: r = _mm_cvtepu16_epi32(v); break;
		case 4: r = _mm_cvtepu16_epi64(v); break;
		default: r = _mm_cvtepu32_epi64(v); break;
		}
	}
	st128(XMM(cpu, op->i.reg), r);
	return (emu_next(cpu, op));
}

/* 66 0F38 17: PTEST: ZF = (d AND s) == 0, CF = (NOT d AND s) == 0 */
static H(h_ptest)
{
	union emu_xmm s, *d = XMM(cpu, op->i.reg);
	uint32_t fl = 0;

	sse_check(cpu);
	sse_src(cpu, op, &s, 16, 16);
	if (((d->q[0] & s.q[0]) | (d->q[1] & s.q[1])) == 0)
		fl |= FL_ZF;
	if (((~d->q[0] & s.q[0]) | (~d->q[1] & s.q[1])) == 0)
		fl |= FL_CF;
	emu_set_arith(cpu, fl);
	return (emu_next(cpu, op));
}

/* 66 0F38 10/14/15: PBLENDVB, BLENDVPS, BLENDVPD (mask: XMM0 signs) */
static H(h_blendv)
{
	union emu_xmm s, *d = XMM(cpu, op->i.reg), m = *XMM(cpu, 0);

	sse_check(cpu);
	sse_src(cpu, op, &s, 16, 16);
	switch (op->i.op) {
	case 0x10:
		for (int k = 0; k < 16; k++)
			if (m.b[k] & 0x80)
				d->b[k] = s.b[k];
		break;
	case 0x14:
		for (int k = 0; k < 4; k++)
			if (m.d[k] >> 31)
				d->d[k] = s.d[k];
		break;
	default:
		for (int k = 0; k < 2; k++)
			if (m.q[k] >> 63)
				d->q[k] = s.q[k];
	}
	return (emu_next(cpu, op));
}

#define N	EMU_PFX_NONE
#define P66	EMU_PFX_66

/* both the MMX (no prefix) and the XMM (66) rows of an 0F opcode */
#define MX(o, n)	OPPA(o, N, h_pbin, PB_##n), OPPA(o, P66, h_pbin, PB_##n)
#define X66(o, n)	OPPA(o, P66, h_pbin, PB_##n)
#define S3(o, n)	OP38(o, N, h_pbin, PB_##n), OP38(o, P66, h_pbin, PB_##n)
#define S4(o, n)	OP38(o, P66, h_pbin, PB_##n)
#define SHG(o, r)	OPPG(o, r, N, h_pshimm, 0), OPPG(o, r, P66, h_pshimm, 0)

const struct emu_opreg emu_sse_int_ops[] = {
	MX(0x60, punpcklbw), MX(0x61, punpcklwd), MX(0x62, punpckldq),
	MX(0x63, packsswb), MX(0x64, pcmpgtb), MX(0x65, pcmpgtw),
	MX(0x66, pcmpgtd), MX(0x67, packuswb), MX(0x68, punpckhbw),
	MX(0x69, punpckhwd), MX(0x6a, punpckhdq), MX(0x6b, packssdw),
	X66(0x6c, punpcklqdq), X66(0x6d, punpckhqdq),
	MX(0x74, pcmpeqb), MX(0x75, pcmpeqw), MX(0x76, pcmpeqd),
	MX(0xd1, psrlw), MX(0xd2, psrld), MX(0xd3, psrlq), MX(0xd4, paddq),
	MX(0xd5, pmullw), MX(0xd8, psubusb), MX(0xd9, psubusw),
	MX(0xda, pminub), MX(0xdb, pand), MX(0xdc, paddusb),
	MX(0xdd, paddusw), MX(0xde, pmaxub), MX(0xdf, pandn),
	MX(0xe0, pavgb), MX(0xe1, psraw), MX(0xe2, psrad), MX(0xe3, pavgw),
	MX(0xe4, pmulhuw), MX(0xe5, pmulhw), MX(0xe8, psubsb),
	MX(0xe9, psubsw), MX(0xea, pminsw), MX(0xeb, por), MX(0xec, paddsb),
	MX(0xed, paddsw), MX(0xee, pmaxsw), MX(0xef, pxor),
	MX(0xf1, psllw), MX(0xf2, pslld), MX(0xf3, psllq), MX(0xf4, pmuludq),
	MX(0xf5, pmaddwd), MX(0xf6, psadbw), MX(0xf8, psubb), MX(0xf9, psubw),
	MX(0xfa, psubd), MX(0xfb, psubq), MX(0xfc, paddb), MX(0xfd, paddw),
	MX(0xfe, paddd),
	SHG(0x71, 2), SHG(0x71, 4), SHG(0x71, 6),
	SHG(0x72, 2), SHG(0x72, 4), SHG(0x72, 6),
	SHG(0x73, 2), SHG(0x73, 6),
	OPPG(0x73, 3, P66, h_pshimm, 0), OPPG(0x73, 7, P66, h_pshimm, 0),
	/* SSSE3 */
	S3(0x00, pshufb), S3(0x01, phaddw), S3(0x02, phaddd),
	S3(0x03, phaddsw), S3(0x04, pmaddubsw), S3(0x05, phsubw),
	S3(0x06, phsubd), S3(0x07, phsubsw), S3(0x08, psignb),
	S3(0x09, psignw), S3(0x0a, psignd), S3(0x0b, pmulhrsw),
	S3(0x1c, pabsb), S3(0x1d, pabsw), S3(0x1e, pabsd),
	OP3A(0x0f, N, h_palignr, 0), OP3A(0x0f, P66, h_palignr, 0),
	/* SSE4.1, SSE4.2 */
	S4(0x28, pmuldq), S4(0x29, pcmpeqq), S4(0x2b, packusdw),
	S4(0x37, pcmpgtq), S4(0x38, pminsb), S4(0x39, pminsd),
	S4(0x3a, pminuw), S4(0x3b, pminud), S4(0x3c, pmaxsb),
	S4(0x3d, pmaxsd), S4(0x3e, pmaxuw), S4(0x3f, pmaxud),
	S4(0x40, pmulld), S4(0x41, phminposuw),
	OP38(0x20, P66, h_pmovx, 0), OP38(0x21, P66, h_pmovx, 0),
	OP38(0x22, P66, h_pmovx, 0), OP38(0x23, P66, h_pmovx, 0),
	OP38(0x24, P66, h_pmovx, 0), OP38(0x25, P66, h_pmovx, 0),
	OP38(0x30, P66, h_pmovx, 0), OP38(0x31, P66, h_pmovx, 0),
	OP38(0x32, P66, h_pmovx, 0), OP38(0x33, P66, h_pmovx, 0),
	OP38(0x34, P66, h_pmovx, 0), OP38(0x35, P66, h_pmovx, 0),
	OP38(0x17, P66, h_ptest, 0),
	OP38(0x10, P66, h_blendv, 0), OP38(0x14, P66, h_blendv, 0),
	OP38(0x15, P66, h_blendv, 0),
	OPEND
};
