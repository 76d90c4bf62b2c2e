/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sse_fp.c: SSE/SSE2/SSE3/SSE4.1 floating point of the emu backend:
 * arithmetic (ADD SUB MUL DIV SQRT MIN MAX RCP RSQRT, HADD/HSUB/ADDSUB),
 * compares (CMPxx, COMIS, UCOMIS), every CVT form, ROUND*, DPPS/DPPD,
 * the logical ops, BLENDPS/PD, PBLENDW, INSERTPS/EXTRACTPS.  Each
 * operation is the host instruction run under the guest's MXCSR
 * (rounding, DAZ, FTZ) with every exception masked; the flags it raises
 * go into the guest MXCSR and, when one is unmasked there, the result is
 * dropped and #XM (CR4.OSXMMEXCPT) or #UD is raised (SDM 1 §11.5).
 * With OE or UE unmasked each element is redone alone for the flags
 * hardware gives then (fp_post_unmasked); DPPS/DPPD with any exception
 * unmasked are replayed stage by stage to find where they stop
 * (dp_staged).
 */
#pragma GCC target("sse4.2")
#include <immintrin.h>

#include "vmm/emu/simd.h"

/*
 * 'flags' are what the operation raised with every exception masked.
 * SDM 1 §11.5.2-11.5.3: the pre-computation exceptions (IE, DE, ZE) of
 * all elements are detected first; if one of them is unmasked, only
 * their flags are set, nothing is computed or written (no OE/UE/PE) and
 * #XM follows.  Otherwise the masked responses stand, the computation
 * runs and its post-computation flags (OE, UE, PE) join them; an
 * unmasked one of those again drops the result and raises #XM.
 */
void
sse_fp_raise(struct emu_cpu *cpu, uint32_t flags)
{
	uint32_t unmasked = ~(cpu->fpu.mxcsr >> 7) & MXCSR_FLAGS;
	uint32_t pre = flags & MXCSR_PRE;

	if (pre & unmasked)
		flags = pre;
	flags &= MXCSR_FLAGS;
	cpu->fpu.mxcsr |= flags;
	if (flags & unmasked)
		emu_fault(cpu, (cpu->cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD,
		    0);
}

/*
 * The MXCSR the host computes under: guest control, all masked, flags
 * clear.  FTZ only acts while UE is masked (SDM 1 §10.2.3.3), so it is
 * dropped when the guest unmasks UE.
 */
EMU_INLINE uint32_t
run_mx(struct emu_cpu *cpu)
{
	uint32_t mx = cpu->fpu.mxcsr;

	if (!(mx & MXCSR_UM))
		mx &= ~MXCSR_FTZ;
	return ((mx & ~MXCSR_FLAGS) | MXCSR_MASKS);
}

#define FPASM(insn)							\
	__asm__ volatile("ldmxcsr %[m]\n\t" insn " %[s], %[d]\n\t"	\
	    "stmxcsr %[o]\n\tldmxcsr %[h]"				\
	    : [d] "+x"(d), [o] "=m"(out)				\
	    : [s] "x"(s), [m] "m"(mx), [h] "m"(host))
#define FPASMI(insn, imm)						\
	__asm__ volatile("ldmxcsr %[m]\n\t" insn " %[i], %[s], %[d]\n\t" \
	    "stmxcsr %[o]\n\tldmxcsr %[h]"				\
	    : [d] "+x"(d), [o] "=m"(out)				\
	    : [s] "x"(s), [m] "m"(mx), [h] "m"(host), [i] "i"(imm))

/* binary/unary ops: id = base * 4 + prefix (NP ps, 66 pd, F3 ss, F2 sd) */
#define FP_OPS								\
	X(0, "sqrtps", "sqrtpd", "sqrtss", "sqrtsd")			\
	X(1, "rsqrtps", "orps", "rsqrtss", "orps")				\
	X(2, "rcpps", "orps", "rcpss", "orps")					\
	X(3, "addps", "addpd", "addss", "addsd")			\
	X(4, "mulps", "mulpd", "mulss", "mulsd")			\
	X(5, "cvtps2pd", "cvtpd2ps", "cvtss2sd", "cvtsd2ss")		\
	X(6, "cvtdq2ps", "cvtps2dq", "cvttps2dq", "orps")			\
	X(7, "subps", "subpd", "subss", "subsd")			\
	X(8, "minps", "minpd", "minss", "minsd")			\
	X(9, "divps", "divpd", "divss", "divsd")			\
	X(10, "maxps", "maxpd", "maxss", "maxsd")			\
	X(11, "orps", "haddpd", "orps", "haddps")				\
	X(12, "orps", "hsubpd", "orps", "hsubps")				\
	X(13, "orps", "addsubpd", "orps", "addsubps")				\
	X(14, "orps", "cvttpd2dq", "cvtdq2pd", "cvtpd2dq")

enum { FB_SQRT, FB_RSQRT, FB_RCP, FB_ADD, FB_MUL, FB_CVT5A, FB_CVT5B,
	FB_SUB, FB_MIN, FB_DIV, FB_MAX, FB_HADD, FB_HSUB, FB_ADDSUB,
	FB_CVTE6 };

static uint32_t
fp_bin(int id, union emu_xmm *dst, const union emu_xmm *src, uint32_t mx)
{
	__m128i d = _mm_load_si128((const __m128i *)dst);
	__m128i s = _mm_load_si128((const __m128i *)src);
	uint32_t out = 0, host = sse_host_mxcsr();

	switch (id) {
#define X(b, a0, a1, a2, a3)						\
	case (b) * 4 + 0: FPASM(a0); break;				\
	case (b) * 4 + 1: FPASM(a1); break;				\
	case (b) * 4 + 2: FPASM(a2); break;				\
	case (b) * 4 + 3: FPASM(a3); break;
	FP_OPS
#undef X
	}
	_mm_store_si128((__m128i *)dst, d);
	return (out & MXCSR_FLAGS);
}

/*
 * Which elements feed result element k (bit j: dst element j, bit n + j:
 * src element j, n elements of 'esz' bytes), for the operations that can
 * overflow or underflow; 0 for the others.
 */
static unsigned
fp_feeds(int base, int pfx, int k, int *n, int *esz)
{
	bool dbl = pfx == EMU_PFX_66 || (pfx == EMU_PFX_F2 &&
	    base != FB_HADD && base != FB_HSUB && base != FB_ADDSUB);

	*esz = dbl ? 8 : 4;
	*n = 16 / *esz;
	if (k >= *n)
		return (0);
	switch (base) {
	case FB_ADD: case FB_SUB: case FB_MUL: case FB_DIV:
		if (pfx >= EMU_PFX_F3 && k > 0)
			return (0);
		return (1u << k | 1u << (*n + k));
	case FB_ADDSUB:
		return (1u << k | 1u << (*n + k));
	case FB_HADD: case FB_HSUB:
		if (k < *n / 2)
			return (3u << 2 * k);
		return (3u << (*n + 2 * (k - *n / 2)));
	case FB_CVT5A:
		/* CVTPD2PS / CVTSD2SS: float k from double k of the source */
		if (pfx != EMU_PFX_66 && pfx != EMU_PFX_F2)
			return (0);
		*esz = 4;
		*n = 4;
		if (k >= (pfx == EMU_PFX_66 ? 2 : 1))
			return (0);
		return (1u << (2 + k));	/* the inputs are 2 doubles */
	}
	return (0);
}

static bool
fp_tiny(const union emu_xmm *v, int k, int esz)
{
	if (esz == 4)
		return ((v->d[k] & 0x7f800000u) == 0 && (v->d[k] & 0x7fffffu));
	return ((v->q[k] & 0x7ff0000000000000ull) == 0 &&
	    (v->q[k] & 0xfffffffffffffull));
}

/*
 * Whether a (x) op b (y) is inexact when rounded to the precision of
 * the element type with an unbounded exponent: the x87 with precision
 * control 24/53 bits, whose exponent range covers every such result.
 * kind: 0 add, 1 sub, 2 mul, 3 div, 4 round a double to float.
 */
static bool
fp_inexact_unbounded(int kind, bool dbl, uint64_t a, uint64_t b,
    unsigned rc)
{
	uint8_t env[28];
	uint16_t cw = 0x7f | (dbl ? 0x200 : 0) | (rc & 3) << 10, sw;
	uint32_t fa = (uint32_t)a, fb = (uint32_t)b, one = 0x3f800000u;

	__asm__ volatile("fnstenv %0\n\tfldcw %1\n\tfnclex"
	    : "=m"(env) : "m"(cw));
#define X87(ld, insn, x, y)						\
	__asm__ volatile(ld " %1\n\t" insn " %2\n\tfnstsw %0\n\t"	\
	    "fstp %%st(0)" : "=a"(sw) : "m"(x), "m"(y))
	switch (kind * 2 + dbl) {
	case 0: X87("flds", "fadds", fa, fb); break;
	case 1: X87("fldl", "faddl", a, b); break;
	case 2: X87("flds", "fsubs", fa, fb); break;
	case 3: X87("fldl", "fsubl", a, b); break;
	case 4: X87("flds", "fmuls", fa, fb); break;
	case 5: X87("fldl", "fmull", a, b); break;
	case 6: X87("flds", "fdivs", fa, fb); break;
	case 7: X87("fldl", "fdivl", a, b); break;
	default: X87("fldl", "fmuls", a, one); break;
	}
#undef X87
	__asm__ volatile("fldenv %0" : : "m"(env));
	return (sw & 0x20);
}

/* DAZ: a denormal input counts as a zero of its sign (SDM 1 §10.2.3.4) */
static uint64_t
fp_daz(uint64_t v, bool dbl)
{
	if (dbl && (v & 0x7ff0000000000000ull) == 0)
		return (v & 0x8000000000000000ull);
	if (!dbl && (v & 0x7f800000u) == 0)
		return (v & 0x80000000u);
	return (v);
}

/*
 * The precision flag of element k when its overflow/underflow is
 * unmasked: set only if the result rounded with an unbounded exponent is
 * inexact (the denormalization or the overflow itself does not count).
 */
static uint32_t
fp_post_pe(struct emu_cpu *cpu, int base, int pfx, int k, unsigned feeds,
    const union emu_xmm *d, const union emu_xmm *s)
{
	bool dbl = pfx == EMU_PFX_66 || (pfx == EMU_PFX_F2 &&
	    base != FB_HADD && base != FB_HSUB && base != FB_ADDSUB);
	int in = dbl ? 2 : 4, m = 0, kind;
	uint64_t e[2] = { 0, 0 };

	if (base == FB_CVT5A) {
		dbl = true;
		in = 2;
	}
	for (int j = 0; j < 2 * in && m < 2; j++) {
		const union emu_xmm *v = j < in ? d : s;

		if (!(feeds & (1u << j)))
			continue;
		e[m] = dbl ? v->q[j % in] : v->d[j % in];
		if (cpu->fpu.mxcsr & MXCSR_DAZ)
			e[m] = fp_daz(e[m], dbl);
		m++;
	}
	switch (base) {
	case FB_ADD: case FB_HADD: kind = 0; break;
	case FB_SUB: case FB_HSUB: kind = 1; break;
	case FB_MUL: kind = 2; break;
	case FB_DIV: kind = 3; break;
	case FB_ADDSUB: kind = (k & 1) ? 0 : 1; break;
	default:
		return (fp_inexact_unbounded(4, false, e[0], 0,
		    cpu->fpu.mxcsr >> 13) ? MXCSR_PE : 0);
	}
	return (fp_inexact_unbounded(kind, dbl, e[0], e[1],
	    cpu->fpu.mxcsr >> 13) ? MXCSR_PE : 0);
}

/*
 * The post-computation flags with OE or UE unmasked (SDM 1 §11.5.2.x,
 * §4.9.1.4-5): an overflowing element then flags OE, a tiny one UE even
 * when exact, and either PE only if inexact before the exponent's limits
 * apply (fp_post_pe).  The masked run's flags are
 * aggregated over the elements, so each element is recomputed alone
 * (the elements that do not feed it are 1.0: exact, no flags).
 */
static uint32_t
fp_post_unmasked(struct emu_cpu *cpu, int id, const union emu_xmm *dst,
    const union emu_xmm *src, uint32_t fl)
{
	uint32_t um = ~(cpu->fpu.mxcsr >> 7) & MXCSR_FLAGS, post = 0;
	int base = id / 4, pfx = id % 4, n, esz, k;
	unsigned feeds;

	/* the others cannot overflow or underflow: flags as computed */
	if (fp_feeds(base, pfx, 0, &n, &esz) == 0)
		return (fl);
	for (k = 0; k < 4; k++) {
		union emu_xmm d, s;
		uint32_t f;
		int in, iesz;

		if ((feeds = fp_feeds(base, pfx, k, &n, &esz)) == 0)
			continue;
		/* the inputs' element size (CVTPD2PS: doubles in) */
		iesz = base == FB_CVT5A ? 8 : esz;
		in = 16 / iesz;
		d = *dst;
		s = *src;
		for (int j = 0; j < 2 * in; j++) {
			union emu_xmm *v = j < in ? &d : &s;
			int e = j % in;

			if (feeds & (1u << j))
				continue;
			if (iesz == 4)
				v->d[e] = 0x3f800000u;
			else
				v->q[e] = 0x3ff0000000000000ull;
		}
		f = fp_bin(id, &d, &s, run_mx(cpu)) & ~MXCSR_PRE;
		if ((um & MXCSR_OE) && (f & MXCSR_OE))
			f = MXCSR_OE | fp_post_pe(cpu, base, pfx, k, feeds,
			    dst, src);
		else if ((um & MXCSR_UE) && ((f & MXCSR_UE) ||
		    fp_tiny(&d, k, esz)))
			f = MXCSR_UE | fp_post_pe(cpu, base, pfx, k, feeds,
			    dst, src);
		post |= f;
	}
	return ((fl & MXCSR_PRE) | post);
}

/*
 * Memory source size of each form: packed 16 (aligned), scalars 4/8.
 * The F3/F2 forms of 5B (CVTTPS2DQ), 7C/7D/D0 (HADDPS, HSUBPS, ADDSUBPS)
 * and E6 (CVTPD2DQ) are packed m128 forms, only CVTDQ2PD reads m64.
 */
static int
fp_srcsize(int base, int pfx)
{
	switch (base) {
	case FB_CVT5A:
		return ((const int[4]){ 8, 16, 4, 8 })[pfx];
	case FB_CVTE6:
		return (pfx == EMU_PFX_F3 ? 8 : 16);
	case FB_CVT5B: case FB_HADD: case FB_HSUB: case FB_ADDSUB:
		return (16);
	}
	return ((const int[4]){ 16, 16, 4, 8 })[pfx];
}

static H(h_fp)
{
	int pfx = op->i.simd_pfx, n = fp_srcsize(op->aux, pfx);
	union emu_xmm s, d;
	uint32_t fl;

	sse_check(cpu);
	sse_src(cpu, op, &s, n, n == 16 ? 16 : 0);
	d = *XMM(cpu, op->i.reg);
	fl = fp_bin(op->aux * 4 + pfx, &d, &s, run_mx(cpu));
	if (unlikely((~cpu->fpu.mxcsr & (MXCSR_OM | MXCSR_UM)) != 0) &&
	    !(fl & MXCSR_PRE & ~(cpu->fpu.mxcsr >> 7)))
		fl = fp_post_unmasked(cpu, op->aux * 4 + pfx,
		    XMM(cpu, op->i.reg), &s, fl);
	if (fl)
		sse_fp_raise(cpu, fl);
	*XMM(cpu, op->i.reg) = d;
	return (emu_next(cpu, op));
}

/* 0F C2: CMPPS/PD/SS/SD imm8 (bits 2:0; SSE has 8 predicates) */
#define CMP8(insn)							\
	switch (imm & 7) {						\
	case 0: FPASMI(insn, 0); break; case 1: FPASMI(insn, 1); break; \
	case 2: FPASMI(insn, 2); break; case 3: FPASMI(insn, 3); break; \
	case 4: FPASMI(insn, 4); break; case 5: FPASMI(insn, 5); break; \
	case 6: FPASMI(insn, 6); break; default: FPASMI(insn, 7); break; \
	}
#define R4(insn, b)							\
	case (b): FPASMI(insn, b); break;				\
	case (b) + 1: FPASMI(insn, (b) + 1); break;			\
	case (b) + 2: FPASMI(insn, (b) + 2); break;			\
	case (b) + 3: FPASMI(insn, (b) + 3); break;
#define R16(insn, b)	R4(insn, b) R4(insn, (b) + 4) R4(insn, (b) + 8) \
			R4(insn, (b) + 12)
#define R64(insn, b)	R16(insn, b) R16(insn, (b) + 16) R16(insn, (b) + 32) \
			R16(insn, (b) + 48)
#define R256(insn)	R64(insn, 0) R64(insn, 64) R64(insn, 128) R64(insn, 192)

/* kind: 0 CMPxx, 1 ROUNDxx, 2 DPPS, 3 DPPD; sub = ps/pd/ss/sd */
static uint32_t
fp_imm(int kind, int sub, unsigned imm, union emu_xmm *dst,
    const union emu_xmm *src, uint32_t mx)
{
	__m128i d = _mm_load_si128((const __m128i *)dst);
	__m128i s = _mm_load_si128((const __m128i *)src);
	uint32_t out = 0, host = sse_host_mxcsr();

	if (kind == 0) {
		switch (sub) {
		case 0: CMP8("cmpps"); break;
		case 1: CMP8("cmppd"); break;
		case 2: CMP8("cmpss"); break;
		default: CMP8("cmpsd"); break;
		}
	} else if (kind == 1) {
		switch (sub * 16 + (imm & 15)) {
		R16("roundps", 0) R16("roundpd", 16) R16("roundss", 32)
		R16("roundsd", 48)
		}
	} else if (kind == 2) {
		switch (imm & 0xff) {
		R256("dpps")
		}
	} else {
		switch (imm & 0x33) {
		R64("dppd", 0)
		}
	}
	_mm_store_si128((__m128i *)dst, d);
	return (out & MXCSR_FLAGS);
}

static H(h_cmp)
{
	int pfx = op->i.simd_pfx, n = ((const int[4]){ 16, 16, 4, 8 })[pfx];
	union emu_xmm s, d;
	uint32_t fl;

	sse_check(cpu);
	sse_src(cpu, op, &s, n, n == 16 ? 16 : 0);
	d = *XMM(cpu, op->i.reg);
	fl = fp_imm(0, pfx, op->i.imm, &d, &s, run_mx(cpu));
	if (fl)
		sse_fp_raise(cpu, fl);
	*XMM(cpu, op->i.reg) = d;
	return (emu_next(cpu, op));
}

/*
 * One stage of DPPS/DPPD with some exception unmasked: the packed
 * operation id (fp_bin) on d, s, its flags with the SIMD rules for
 * unmasked OE/UE (fp_post_unmasked) and #XM when one is unmasked; the
 * flags of the earlier stages (*acc, masked ones) are set with it.  Else
 * the flags join *acc and d holds the stage's results.
 */
static void
dp_stage(struct emu_cpu *cpu, int id, union emu_xmm *d,
    const union emu_xmm *s, uint32_t *acc)
{
	uint32_t um = ~(cpu->fpu.mxcsr >> 7) & MXCSR_FLAGS;
	union emu_xmm in = *d;
	uint32_t f;

	f = fp_bin(id, d, s, run_mx(cpu));
	if ((um & (MXCSR_OE | MXCSR_UE)) && !(f & MXCSR_PRE & um))
		f = fp_post_unmasked(cpu, id, &in, s, f);
	if (f & MXCSR_PRE & um)
		f &= MXCSR_PRE;
	if (f & um) {
		cpu->fpu.mxcsr |= *acc;
		sse_fp_raise(cpu, f);
	}
	*acc |= f;
}

/*
 * DPPS/DPPD (SDM vol. 2 "DPPS", "DPPD") with an exception unmasked:
 * "exceptions are determined separately for each add and multiply
 * operation, in the order of their execution".  The stages are those
 * of the SDM's pseudo-code: the products the imm8 high nibble selects
 * (the others are +0.0 and raise nothing), then the pairwise sums, then
 * (DPPS) the sum of the two sums, each rounded.  The first stage with an
 * unmasked exception stops the instruction with its flags and those of
 * the stages before it (#XM, nothing written).  Returns if none does:
 * the host's one DPPS/DPPD then gave the exact result and flags.
 */
static void
dp_staged(struct emu_cpu *cpu, bool dbl, unsigned imm,
    const union emu_xmm *dst, const union emu_xmm *src)
{
	union emu_xmm a, b;
	uint32_t acc = 0;
	int n = dbl ? 2 : 4;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (int k = 0; k < n; k++) {
		if (!(imm & (0x10 << k)))
			continue;
		if (dbl) {
			a.q[k] = dst->q[k];
			b.q[k] = src->q[k];
		} else {
			a.d[k] = dst->d[k];
			b.d[k] = src->d[k];
		}
	}
	dp_stage(cpu, FB_MUL * 4 + (dbl ? EMU_PFX_66 : EMU_PFX_NONE), &a, &b,
	    &acc);
	/* the products are in a: sum 0 + 1 (and 2 + 3) */
	memset(&b, 0, sizeof(b));
	if (dbl) {
		b.q[0] = a.q[1];
		a.q[1] = 0;
		dp_stage(cpu, FB_ADD * 4 + EMU_PFX_66, &a, &b, &acc);
		return;
	}
	b.d[0] = a.d[1];
	b.d[1] = a.d[3];
	a.d[1] = a.d[2];
	a.d[2] = a.d[3] = 0;
	dp_stage(cpu, FB_ADD * 4 + EMU_PFX_NONE, &a, &b, &acc);
	memset(&b, 0, sizeof(b));
	b.d[0] = a.d[1];
	a.d[1] = 0;
	dp_stage(cpu, FB_ADD * 4 + EMU_PFX_NONE, &a, &b, &acc);
}

/* 66 0F3A 08..0B ROUNDPS/PD/SS/SD, 40/41 DPPS/DPPD */
static H(h_round_dp)
{
	int o = op->i.op, kind, sub = 0, n = 16;
	union emu_xmm s, d;
	uint32_t fl;

	sse_check(cpu);
	if (o >= 0x40) {
		kind = o == 0x40 ? 2 : 3;
	} else {
		kind = 1;
		sub = o - 8;
		n = sub == 2 ? 4 : sub == 3 ? 8 : 16;
	}
	sse_src(cpu, op, &s, n, n == 16 ? 16 : 0);
	d = *XMM(cpu, op->i.reg);
	fl = fp_imm(kind, sub, op->i.imm, &d, &s, run_mx(cpu));
	if (kind >= 2 && unlikely((cpu->fpu.mxcsr & MXCSR_MASKS) !=
	    MXCSR_MASKS))
		dp_staged(cpu, kind == 3, op->i.imm, XMM(cpu, op->i.reg), &s);
	if (fl)
		sse_fp_raise(cpu, fl);
	*XMM(cpu, op->i.reg) = d;
	return (emu_next(cpu, op));
}

/* 0F 2E/2F: UCOMISS/COMISS (NP), UCOMISD/COMISD (66) */
static H(h_comis)
{
	bool dbl = op->i.simd_pfx == EMU_PFX_66;
	union emu_xmm s;
	__m128i d, sv;
	uint32_t out = 0, host = sse_host_mxcsr(), mx;
	uint8_t z, p, c;

	sse_check(cpu);
	sse_src(cpu, op, &s, dbl ? 8 : 4, 0);
	mx = run_mx(cpu);
	d = _mm_load_si128((const __m128i *)XMM(cpu, op->i.reg));
	sv = _mm_load_si128((const __m128i *)&s);
#define COMI(insn)							\
	__asm__ volatile("ldmxcsr %[m]\n\t" insn " %[s], %[d]\n\t"	\
	    "setz %[z]\n\tsetp %[p]\n\tsetc %[c]\n\t"			\
	    "stmxcsr %[o]\n\tldmxcsr %[h]"				\
	    : [z] "=&q"(z), [p] "=&q"(p), [c] "=&q"(c), [o] "=m"(out) \
	    : [d] "x"(d), [s] "x"(sv), [m] "m"(mx), [h] "m"(host) : "cc")
	switch ((op->i.op & 1) | dbl << 1) {
	case 0: COMI("ucomiss"); break;
	case 1: COMI("comiss"); break;
	case 2: COMI("ucomisd"); break;
	default: COMI("comisd"); break;
	}
#undef COMI
	if (out & MXCSR_FLAGS)
		sse_fp_raise(cpu, out);
	emu_set_arith(cpu, (z ? FL_ZF : 0) | (p ? FL_PF : 0) |
	    (c ? FL_CF : 0));
	return (emu_next(cpu, op));
}

/* F3/F2 0F 2A: CVTSI2SS/SD xmm, r/m32/64 */
static H(h_cvtsi2s)
{
	int gs = simd_gsize(op);
	uint64_t g;
	__m128i d;
	uint32_t out = 0, host = sse_host_mxcsr(), mx;

	sse_check(cpu);
	g = emu_rm_read(cpu, op, gs);
	mx = run_mx(cpu);
	d = _mm_load_si128((const __m128i *)XMM(cpu, op->i.reg));
#define CVT(insn, v)							\
	__asm__ volatile("ldmxcsr %[m]\n\t" insn " %[g], %[d]\n\t"	\
	    "stmxcsr %[o]\n\tldmxcsr %[h]"				\
	    : [d] "+x"(d), [o] "=m"(out)				\
	    : [g] "r"(v), [m] "m"(mx), [h] "m"(host))
	if (op->i.simd_pfx == EMU_PFX_F3) {
		if (gs == 8)
			CVT("cvtsi2ssq", g);
		else
			CVT("cvtsi2ssl", (uint32_t)g);
	} else {
		if (gs == 8)
			CVT("cvtsi2sdq", g);
		else
			CVT("cvtsi2sdl", (uint32_t)g);
	}
#undef CVT
	if (out & MXCSR_FLAGS)
		sse_fp_raise(cpu, out);
	_mm_store_si128((__m128i *)XMM(cpu, op->i.reg), d);
	return (emu_next(cpu, op));
}

/* F3/F2 0F 2C/2D: CVT(T)SS2SI / CVT(T)SD2SI r32/64, xmm/m32/64 */
static H(h_cvts2si)
{
	bool dbl = op->i.simd_pfx == EMU_PFX_F2, t = op->i.op == 0x2c;
	int gs = simd_gsize(op);
	union emu_xmm s;
	__m128i sv;
	uint64_t r = 0;
	uint32_t out = 0, host = sse_host_mxcsr(), mx;

	sse_check(cpu);
	sse_src(cpu, op, &s, dbl ? 8 : 4, 0);
	sv = _mm_load_si128((const __m128i *)&s);
	mx = run_mx(cpu);
#define CVT(insn, rr)							\
	__asm__ volatile("ldmxcsr %[m]\n\t" insn " %[s], %[r]\n\t"	\
	    "stmxcsr %[o]\n\tldmxcsr %[h]"				\
	    : [r] "=r"(rr), [o] "=m"(out)				\
	    : [s] "x"(sv), [m] "m"(mx), [h] "m"(host))
	{
		uint32_t r32 = 0;
		switch ((gs == 8) | t << 1 | dbl << 2) {
		case 0: CVT("cvtss2si", r32); break;
		case 1: CVT("cvtss2si", r); break;
		case 2: CVT("cvttss2si", r32); break;
		case 3: CVT("cvttss2si", r); break;
		case 4: CVT("cvtsd2si", r32); break;
		case 5: CVT("cvtsd2si", r); break;
		case 6: CVT("cvttsd2si", r32); break;
		default: CVT("cvttsd2si", r); break;
		}
		if (gs == 4)
			r = r32;
	}
#undef CVT
	if (out & MXCSR_FLAGS)
		sse_fp_raise(cpu, out);
	emu_setreg(cpu, op->i.reg, gs, 0, r);
	return (emu_next(cpu, op));
}

/*
 * MMX conversions: NP/66 0F 2A CVTPI2PS/PD xmm, mm/m64; NP/66 0F 2C/2D
 * CVT(T)PS2PI mm, xmm/m64 and CVT(T)PD2PI mm, xmm/m128.
 */
static H(h_cvtpi)
{
	bool pd = op->i.simd_pfx == EMU_PFX_66;
	uint32_t out = 0, host = sse_host_mxcsr(), mx;
	union emu_xmm s;
	__m128i d, sv;

	sse_check(cpu);
	if (op->i.op == 0x2a) {
		uint64_t m;

		/* from a register the x87 goes to MMX state (SDM CVTPI2PS) */
		if (op->i.mod == 3) {
			mmx_check(cpu);
			m = mmx_get(cpu, op->i.rm);
		} else {
			m = mmx_src(cpu, op);
		}
		sv = _mm_cvtsi64_si128(m);
		d = _mm_load_si128((const __m128i *)XMM(cpu, op->i.reg));
		mx = run_mx(cpu);
		/* cvtpi2ps/pd have MMX operands: emulate via the XMM forms */
		if (pd) {
			__asm__ volatile("ldmxcsr %[m]\n\tcvtdq2pd %[s], %[d]\n\t"
			    "stmxcsr %[o]\n\tldmxcsr %[h]"
			    : [d] "=x"(d), [o] "=m"(out)
			    : [s] "x"(sv), [m] "m"(mx), [h] "m"(host));
		} else {
			__m128i t;
			__asm__ volatile("ldmxcsr %[m]\n\tcvtdq2ps %[s], %[t]\n\t"
			    "stmxcsr %[o]\n\tldmxcsr %[h]"
			    : [t] "=x"(t), [o] "=m"(out)
			    : [s] "x"(sv), [m] "m"(mx), [h] "m"(host));
			d = _mm_unpacklo_epi64(t, _mm_unpackhi_epi64(d, d));
		}
		if (out & MXCSR_FLAGS)
			sse_fp_raise(cpu, out);
		_mm_store_si128((__m128i *)XMM(cpu, op->i.reg), d);
		return (emu_next(cpu, op));
	}
	/* #MF first, but the x87 enters MMX state only once the source is
	 * read: a misaligned m128 (#GP) leaves TOP and the tags alone */
	x87_pending(cpu);
	sse_src(cpu, op, &s, pd ? 16 : 8, pd ? 16 : 0);
	mmx_check(cpu);
	/* CVT(T)PS2PI convert the low two floats only: no flags from the
	 * upper half of a register source */
	if (!pd)
		s.q[1] = 0;
	sv = _mm_load_si128((const __m128i *)&s);
	mx = run_mx(cpu);
#define CV(insn)							\
	__asm__ volatile("ldmxcsr %[m]\n\t" insn " %[s], %[d]\n\t"	\
	    "stmxcsr %[o]\n\tldmxcsr %[h]"				\
	    : [d] "=x"(d), [o] "=m"(out)				\
	    : [s] "x"(sv), [m] "m"(mx), [h] "m"(host))
	switch ((op->i.op == 0x2c) | pd << 1) {
	case 0: CV("cvtps2dq"); break;
	case 1: CV("cvttps2dq"); break;
	case 2: CV("cvtpd2dq"); break;
	default: CV("cvttpd2dq"); break;
	}
#undef CV
	if (out & MXCSR_FLAGS)
		sse_fp_raise(cpu, out);
	mmx_set(cpu, op->i.reg, _mm_cvtsi128_si64(d));
	return (emu_next(cpu, op));
}

/* 0F 54..57: ANDPS ANDNPS ORPS XORPS (and the PD forms): no exceptions */
static H(h_logic)
{
	union emu_xmm s, *d = XMM(cpu, op->i.reg);

	sse_check(cpu);
	sse_src(cpu, op, &s, 16, 16);
	for (int k = 0; k < 2; k++) {
		switch (op->i.op) {
		case 0x54: d->q[k] &= s.q[k]; break;
		case 0x55: d->q[k] = ~d->q[k] & s.q[k]; break;
		case 0x56: d->q[k] |= s.q[k]; break;
		default: d->q[k] ^= s.q[k]; break;
		}
	}
	return (emu_next(cpu, op));
}

/* 66 0F3A 0C BLENDPS, 0D BLENDPD, 0E PBLENDW */
static H(h_blend)
{
	union emu_xmm s, *d = XMM(cpu, op->i.reg);
	unsigned imm = op->i.imm & 0xff;

	sse_check(cpu);
	sse_src(cpu, op, &s, 16, 16);
	switch (op->i.op) {
	case 0x0c:
		for (int k = 0; k < 4; k++)
			if (imm & (1u << k))
				d->d[k] = s.d[k];
		break;
	case 0x0d:
		for (int k = 0; k < 2; k++)
			if (imm & (1u << k))
				d->q[k] = s.q[k];
		break;
	default:
		for (int k = 0; k < 8; k++)
			if (imm & (1u << k))
				d->w[k] = s.w[k];
	}
	return (emu_next(cpu, op));
}

/* 66 0F3A 21: INSERTPS xmm, xmm/m32, imm8 */
static H(h_insertps)
{
	union emu_xmm *d = XMM(cpu, op->i.reg);
	unsigned imm = op->i.imm & 0xff;
	uint32_t v;

	sse_check(cpu);
	if (op->i.mod == 3)
		v = XMM(cpu, op->i.rm)->d[(imm >> 6) & 3];
	else
		v = emu_read(cpu, op->seg, emu_ea(cpu, op), 4);
	d->d[(imm >> 4) & 3] = v;
	for (int k = 0; k < 4; k++)
		if (imm & (1u << k))
			d->d[k] = 0;
	return (emu_next(cpu, op));
}

#define N	EMU_PFX_NONE
#define P66	EMU_PFX_66
#define F3	EMU_PFX_F3
#define F2	EMU_PFX_F2
#define ALL4(o, b)	OPPA(o, N, h_fp, b), OPPA(o, P66, h_fp, b), \
			OPPA(o, F3, h_fp, b), OPPA(o, F2, h_fp, b)

const struct emu_opreg emu_sse_fp_ops[] = {
	ALL4(0x51, FB_SQRT), ALL4(0x58, FB_ADD), ALL4(0x59, FB_MUL),
	ALL4(0x5a, FB_CVT5A), ALL4(0x5c, FB_SUB), ALL4(0x5d, FB_MIN),
	ALL4(0x5e, FB_DIV), ALL4(0x5f, FB_MAX),
	OPPA(0x52, N, h_fp, FB_RSQRT), OPPA(0x52, F3, h_fp, FB_RSQRT),
	OPPA(0x53, N, h_fp, FB_RCP), OPPA(0x53, F3, h_fp, FB_RCP),
	OPPA(0x5b, N, h_fp, FB_CVT5B), OPPA(0x5b, P66, h_fp, FB_CVT5B),
	OPPA(0x5b, F3, h_fp, FB_CVT5B),
	OPPA(0x7c, P66, h_fp, FB_HADD), OPPA(0x7c, F2, h_fp, FB_HADD),
	OPPA(0x7d, P66, h_fp, FB_HSUB), OPPA(0x7d, F2, h_fp, FB_HSUB),
	OPPA(0xd0, P66, h_fp, FB_ADDSUB), OPPA(0xd0, F2, h_fp, FB_ADDSUB),
	OPPA(0xe6, P66, h_fp, FB_CVTE6), OPPA(0xe6, F3, h_fp, FB_CVTE6),
	OPPA(0xe6, F2, h_fp, FB_CVTE6),
	OPP(0xc2, N, h_cmp), OPP(0xc2, P66, h_cmp), OPP(0xc2, F3, h_cmp),
	OPP(0xc2, F2, h_cmp),
	OPP(0x2e, N, h_comis), OPP(0x2e, P66, h_comis),
	OPP(0x2f, N, h_comis), OPP(0x2f, P66, h_comis),
	OPP(0x2a, F3, h_cvtsi2s), OPP(0x2a, F2, h_cvtsi2s),
	OPP(0x2c, F3, h_cvts2si), OPP(0x2c, F2, h_cvts2si),
	OPP(0x2d, F3, h_cvts2si), OPP(0x2d, F2, h_cvts2si),
	OPP(0x2a, N, h_cvtpi), OPP(0x2a, P66, h_cvtpi),
	OPP(0x2c, N, h_cvtpi), OPP(0x2c, P66, h_cvtpi),
	OPP(0x2d, N, h_cvtpi), OPP(0x2d, P66, h_cvtpi),
	OPP(0x54, N, h_logic), OPP(0x54, P66, h_logic),
	OPP(0x55, N, h_logic), OPP(0x55, P66, h_logic),
	OPP(0x56, N, h_logic), OPP(0x56, P66, h_logic),
	OPP(0x57, N, h_logic), OPP(0x57, P66, h_logic),
	OP3A(0x08, P66, h_round_dp, 0), OP3A(0x09, P66, h_round_dp, 0),
	OP3A(0x0a, P66, h_round_dp, 0), OP3A(0x0b, P66, h_round_dp, 0),
	OP3A(0x40, P66, h_round_dp, 0), OP3A(0x41, P66, h_round_dp, 0),
	OP3A(0x0c, P66, h_blend, 0), OP3A(0x0d, P66, h_blend, 0),
	OP3A(0x0e, P66, h_blend, 0),
	OP3A(0x21, P66, h_insertps, 0),
	OPEND
};
