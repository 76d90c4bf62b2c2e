/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gen_fp.c: the x87/MMX/SSE part of the case generator: the FXSAVE64
 * image a case starts from (FCW with rounding and precision control and
 * exception masks, FSW with TOP, the abridged tag word, ST0-7, MXCSR with
 * rounding, DAZ/FTZ, masks and sticky flags, XMM0-15; SDM vol. 1 §10.5.1)
 * and typed edge values (zeros, denormals, QNaN/SNaN, infinities, extreme
 * and random numbers) in the registers and the memory operand.
 */
#include <string.h>

#include "cputest.h"

static void
put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
below(struct ct_rng *r, uint64_t n)
{
	return (ct_rng_below(r, n));
}

/* An IEEE binary32/64 edge value: ebits exponent bits, mbits fraction. */
static uint64_t
ieee_val(struct ct_rng *r, int ebits, int mbits)
{
	uint64_t fmask = (1ULL << mbits) - 1, emax = (1ULL << ebits) - 1;
	uint64_t bias = emax >> 1, sign = below(r, 2), e, m;

	switch (below(r, 16)) {
	case 0: e = 0; m = 0; break;				/* +-0 */
	case 1:							/* denormal */
		e = 0;
		m = below(r, 3) == 0 ? 1 : below(r, 2) ? fmask :
		    (ct_rng_next(r) & fmask) | 1;
		break;
	case 2: e = 1; m = below(r, 2) ? 0 : ct_rng_next(r) & fmask; break;
	case 3: e = emax - 1; m = below(r, 2) ? fmask :
		ct_rng_next(r) & fmask; break;			/* huge */
	case 4: e = emax; m = 0; break;				/* inf */
	case 5:							/* QNaN */
		e = emax;
		m = (1ULL << (mbits - 1)) | (below(r, 2) ? 0 :
		    ct_rng_next(r) & fmask);
		break;
	case 6:							/* SNaN */
		e = emax;
		m = (ct_rng_next(r) & (fmask >> 1)) | 1;
		break;
	case 7:
	case 8: {
		/* a small integer or half-integer (rounding, conversions) */
		int64_t k = (int64_t)below(r, 64) - 32;
		int sh = (int)below(r, 2);
		uint64_t a = (uint64_t)(k < 0 ? -k : k);

		if (a == 0)
			return (sign << (ebits + mbits));
		sign = k < 0;
		e = bias + 63 - (uint64_t)__builtin_clzll(a);
		m = (a << (mbits - (e - bias))) & fmask;
		if (sh && e > bias)
			e--;			/* halve it: x.5 values */
		break;
	}
	case 9:
		/* near 2^31, 2^32, 2^63, 2^64: integer conversion limits */
		e = bias + (uint64_t[]){ 30, 31, 32, 62, 63, 64 }[below(r, 6)];
		m = below(r, 2) ? 0 : below(r, 2) ? fmask : below(r, 4);
		break;
	case 10:
	case 11:
	case 12:
		/* moderate numbers around 1 */
		e = bias - 8 + below(r, 16);
		m = ct_rng_next(r) & fmask;
		break;
	default:
		return (ct_rng_next(r) & ((1ULL << (1 + ebits + mbits)) - 1));
	}
	return (sign << (ebits + mbits) | e << mbits | m);
}

/* An x87 extended value: mant (with the explicit integer bit J), sexp. */
static void
f80_val(struct ct_rng *r, uint8_t *p)
{
	uint64_t m, j = 1ULL << 63, s = below(r, 2) << 15, e;

	switch (below(r, 18)) {
	case 0: e = 0; m = 0; break;
	case 1: e = 0; m = (ct_rng_next(r) >> 1) | 1; break;	/* denormal */
	case 2: e = 0; m = j | ct_rng_next(r); break;		/* pseudo-den */
	case 3: e = 1 + below(r, 0x7ffe); m = ct_rng_next(r) >> 1;
		break;						/* unnormal */
	case 4: e = 0x7fff; m = j; break;			/* inf */
	case 5: e = 0x7fff; m = j | j >> 1 | (below(r, 2) ? 0 :
		ct_rng_next(r) >> 2); break;			/* QNaN */
	case 6: e = 0x7fff; m = j | ((ct_rng_next(r) >> 2) | 1); break;
	case 7: e = 0x7fff; m = ct_rng_next(r) >> 1; break;	/* pseudo */
	case 8: e = 0x7ffe; m = ~0ULL; break;			/* max */
	case 9: e = 1; m = j; break;				/* min */
	case 10:
	case 11: {
		int64_t k = (int64_t)below(r, 200) - 100;
		uint64_t a = (uint64_t)(k < 0 ? -k : k);

		if (a == 0) {
			e = 0;
			m = 0;
			break;
		}
		s = k < 0 ? 0x8000 : 0;
		e = 0x3fff + 63 - (uint64_t)__builtin_clzll(a);
		m = a << __builtin_clzll(a);
		if (below(r, 3) == 0 && e > 0x3fff)
			e--;				/* halves */
		break;
	}
	case 12:
		/* a double's value: the low 11 bits clear */
		e = 0x3fff - 30 + below(r, 60);
		m = (j | ct_rng_next(r)) & ~0x7ffULL;
		break;
	case 13:
		/* near integer limits 2^15, 2^31, 2^63, 2^64 */
		e = 0x3fff + (uint64_t[]){ 14, 15, 30, 31, 62, 63, 64 }[
		    below(r, 7)];
		m = j | (below(r, 2) ? 0 : below(r, 2) ? ~0ULL : below(r, 4));
		break;
	case 14:
		/* big and tiny exponents (FSCALE, FXTRACT, over/underflow) */
		e = below(r, 2) ? 0x7ffe - below(r, 64) : 1 + below(r, 64);
		m = j | ct_rng_next(r);
		break;
	default:
		e = 0x3fff - 16 + below(r, 32);
		m = j | ct_rng_next(r);
		break;
	}
	put_le(p, m, 8);
	put_le(p + 8, s | e, 2);
}

/* A signed integer of 'bytes' bytes: 0, +-1, min, max, small, random. */
static uint64_t
int_val(struct ct_rng *r, int bytes)
{
	uint64_t top = 1ULL << (8 * bytes - 1);

	switch (below(r, 8)) {
	case 0: return (0);
	case 1: return (1);
	case 2: return (~0ULL);
	case 3: return (top);
	case 4: return (top - 1);
	case 5: return ((uint64_t)((int64_t)below(r, 2000) - 1000));
	default: return (ct_rng_next(r));
	}
}

/* Packed BCD (FBLD): 18 digits and a sign byte, sometimes invalid. */
static void
bcd_val(struct ct_rng *r, uint8_t *p)
{
	int nd = (int)below(r, 19);

	memset(p, 0, 10);
	for (int i = 0; i < nd; i++) {
		int d = (int)below(r, 10);

		p[i / 2] |= (uint8_t)(d << (4 * (i % 2)));
	}
	if (below(r, 16) == 0)
		p[below(r, 9)] |= 0xa0;		/* an invalid digit */
	p[9] = below(r, 2) ? 0x80 : 0;
	if (below(r, 16) == 0)
		p[9] |= (uint8_t)below(r, 0x80);
}

/* 8 bytes of packed-integer data: lanes of edge values or small chars. */
static uint64_t
pack_val(struct ct_rng *r)
{
	static const uint8_t bytes[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe };
	static const uint16_t words[] = { 0x0000, 0xffff, 0x7fff, 0x8000,
	    0x0001, 0x00ff, 0xff00, 0x0080 };
	uint64_t v = 0;

	switch (below(r, 6)) {
	case 0:
		for (int i = 0; i < 8; i++)
			v |= (uint64_t)bytes[below(r, 6)] << (8 * i);
		return (v);
	case 1:
		for (int i = 0; i < 4; i++)
			v |= (uint64_t)words[below(r, 8)] << (16 * i);
		return (v);
	case 2:
		/* a small alphabet (PCMPxSTRx matches, PSHUFB indices) */
		for (int i = 0; i < 8; i++)
			v |= (uint64_t)("\0abcAB\x80\x0f"[below(r, 8)]) <<
			    (8 * i);
		return (v);
	case 3:
		return (int_val(r, 8));
	default:
		return (ct_rng_next(r));
	}
}

/* Fill n bytes with elements of type et. */
static void
fill(struct ct_rng *r, int et, uint8_t *p, int n)
{
	uint8_t t[16];

	for (int i = 0; i < n;) {
		int k;

		switch (et) {
		case ET_F32:
			put_le(t, ieee_val(r, 8, 23), 4);
			k = 4;
			break;
		case ET_F64:
			put_le(t, ieee_val(r, 11, 52), 8);
			k = 8;
			break;
		case ET_F80:
			f80_val(r, t);
			k = 10;
			break;
		case ET_I16:
			put_le(t, int_val(r, 2), 2);
			k = 2;
			break;
		case ET_I32:
			put_le(t, int_val(r, 4), 4);
			k = 4;
			break;
		case ET_I64:
			put_le(t, int_val(r, 8), 8);
			k = 8;
			break;
		case ET_BCD:
			bcd_val(r, t);
			k = 10;
			break;
		default:
			put_le(t, pack_val(r), 8);
			k = 8;
			break;
		}
		if (k > n - i)
			k = n - i;
		memcpy(p + i, t, k);
		i += k;
	}
}

void
ct_gen_fp(const struct ct_form *f, struct ct_rng *r, struct ct_case *c,
    struct ct_patch *p)
{
	uint8_t *x = c->fx;
	uint16_t fcw, fsw;
	uint32_t mxcsr;
	bool x87 = (f->fpx & FPX_X87) != 0;
	int et = f->et;

	c->fpu = 1;
	c->fswmask = f->fswmask;
	memset(x, 0, CT_FX_SIZE);
	/* FCW: all masked, 64-bit precision, nearest (the FNINIT state)
	 * most of the time; any rounding, precision or mask sometimes */
	fcw = 0x037f;
	if (below(r, 2))
		fcw = (uint16_t)((fcw & ~0x0c00) | below(r, 4) << 10);
	if (below(r, 4) == 0)
		fcw = (uint16_t)((fcw & ~0x0300) |
		    (uint16_t[]){ 0, 2, 3 }[below(r, 3)] << 8);
	if (x87 && below(r, (f->fpx & FPX_UNMASK) ? 3 : 8) == 0)
		fcw = (uint16_t)((fcw & ~0x3f) | below(r, 64));
	/* FSW: TOP, condition codes; sometimes sticky exception flags (ES
	 * follows them, as FXRSTOR of a saved state would have it) */
	fsw = (uint16_t)(below(r, 8) << 11 | (ct_rng_next(r) & 0x4700));
	if (below(r, 8) == 0) {
		fsw |= (uint16_t)below(r, 64);
		if (fsw & ~fcw & 0x3f)
			fsw |= 0x8080;
	}
	put_le(x + 0, fcw, 2);
	put_le(x + 2, fsw, 2);
	/* abridged tags: all valid, all empty (after EMMS) or any */
	x[4] = below(r, 4) != 0 ? 0xff : below(r, 2) ? 0 :
	    (uint8_t)ct_rng_next(r);
	if (!x87 && !(f->fpx & FPX_MMX) && below(r, 2))
		x[4] = 0;
	mxcsr = 0x1f80;
	if (below(r, 2))
		mxcsr = (mxcsr & ~0x6000u) | (uint32_t)below(r, 4) << 13;
	if (below(r, 4) == 0)
		mxcsr |= 0x40;				/* DAZ */
	if (below(r, 4) == 0)
		mxcsr |= 0x8000;			/* FTZ */
	if (below(r, (f->fpx & FPX_UNMASK) ? 2 : 6) == 0)
		mxcsr = (mxcsr & ~0x1f80u) | (uint32_t)below(r, 64) << 7;
	if (below(r, 2))
		mxcsr |= (uint32_t)below(r, 64);	/* sticky flags */
	put_le(x + 24, mxcsr, 4);
	/* ST0-7 / MM0-7 */
	for (int i = 0; i < 8; i++) {
		uint8_t *s = x + 32 + 16 * i;

		if (x87 || below(r, 4) == 0) {
			f80_val(r, s);
		} else {
			put_le(s, pack_val(r), 8);
			put_le(s + 8, below(r, 2) ? 0xffff : ct_rng_next(r),
			    2);
		}
	}
	/* XMM0-15: elements of the form's type, sometimes any type */
	for (int i = 0; i < 16; i++) {
		int t = et == ET_F32 || et == ET_F64 ? et : ET_INT;

		if (below(r, 8) == 0)
			t = (int)below(r, 3);		/* INT, F32, F64 */
		fill(r, t, x + 160 + 16 * i, 16);
	}
	/* the memory operand's bytes, with an element at the target */
	if (p != NULL) {
		fill(r, et, p->bytes, p->len);
		if (p->len >= 26)
			fill(r, et, p->bytes + 16, 10);
	}
	if (f->fpx & FPX_STR) {
		/* PCMPESTRx lengths in EAX/EDX: mostly within -20..20 */
		for (int k = 0; k < 2; k++) {
			int reg = k == 0 ? R_AX : R_DX;

			if (below(r, 4) != 0)
				c->in.gpr[reg] = (uint64_t)((int64_t)below(r,
				    41) - 20);
		}
	}
}
