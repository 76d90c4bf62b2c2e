/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sse_mov.c: MMX/SSE/SSE2/SSE3 data movement of the emu backend: MOVAPS
 * MOVUPS MOVSS MOVSD MOVLPS/HPS/LHPS/HLPS, MOVD/MOVQ, MOVDQA/MOVDQU,
 * LDDQU, MOVNT*, MOVMSKPS/PD, PMOVMSKB, MOVQ2DQ/MOVDQ2Q, MASKMOVQ/DQU,
 * MOVSLDUP/MOVSHDUP/MOVDDUP, UNPCK*PS/PD, SHUFPS/PD, PSHUF*, PINSRW/
 * PEXTRW, EMMS, MOVNTI; and the 8/16-byte memory operand helpers every
 * SIMD file uses (SDM vol. 2 per instruction; alignment: SDM 1 §12.x).
 */
#include "vmm/emu/simd.h"

/* ---- memory ---- */

uint64_t
simd_la(struct emu_cpu *cpu, const struct emu_op *op, int n, int acc,
    unsigned align)
{
	uint64_t la = emu_linear(cpu, op->seg, emu_ea(cpu, op), n, acc);

	if (align != 0 && (la & (align - 1)) != 0)
		emu_fault(cpu, EXC_GP, 0);
	return (la);
}

static inline uint64_t
la_off(struct emu_cpu *cpu, uint64_t la, int i)
{
	return (cpu->long64 ? la + i : (uint32_t)(la + i));
}

void
simd_read_la(struct emu_cpu *cpu, uint64_t la, void *buf, int n)
{
	uint8_t *p = buf;
	int i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t v = emu_read_la(cpu, la_off(cpu, la, i), 8);
		memcpy(p + i, &v, 8);
	}
	for (; i + 2 <= n; i += 2) {
		uint16_t v = emu_read_la(cpu, la_off(cpu, la, i), 2);
		memcpy(p + i, &v, 2);
	}
	if (i < n)
		p[i] = emu_read_la(cpu, la_off(cpu, la, i), 1);
}

void
simd_write_la(struct emu_cpu *cpu, uint64_t la, const void *buf, int n)
{
	const uint8_t *p = buf;
	int i = 0;

	/* no partial writes: both pages must be writable first */
	if ((la & 0xfff) + n > 0x1000 || n > 8) {
		emu_translate(cpu, la, ACC_W, false);
		for (int k = 0x1000 - (la & 0xfff); k < n; k += 0x1000)
			emu_translate(cpu, la_off(cpu, la, k), ACC_W, false);
		emu_translate(cpu, la_off(cpu, la, n - 1), ACC_W, false);
	}
	for (; i + 8 <= n; i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		emu_write_la(cpu, la_off(cpu, la, i), 8, v);
	}
	for (; i + 2 <= n; i += 2) {
		uint16_t v;
		memcpy(&v, p + i, 2);
		emu_write_la(cpu, la_off(cpu, la, i), 2, v);
	}
	if (i < n)
		emu_write_la(cpu, la_off(cpu, la, i), 1, p[i]);
}

/* ---- full-register moves ---- */

/*
 * 0F 10/11 (MOVUPS/MOVUPD/MOVSS/MOVSD), 0F 28/29 (MOVAPS/MOVAPD), 0F 6F/7F
 * (MOVQ mm, MOVDQA, MOVDQU), F2 0F F0 LDDQU, 0F 2B/E7 MOVNT*, 66 0F38 2A
 * MOVNTDQA.  aux bit 0: store direction, bit 1: aligned.
 */
#define MV_ST	1
#define MV_AL	2

static H(h_movx)
{
	int st = op->aux & MV_ST;
	unsigned al = (op->aux & MV_AL) ? 16 : 0;
	union emu_xmm v;

	sse_check(cpu);
	if (!st) {
		sse_src(cpu, op, &v, 16, al);
		*XMM(cpu, op->i.reg) = v;
	} else if (op->i.mod == 3) {
		*XMM(cpu, op->i.rm) = *XMM(cpu, op->i.reg);
	} else {
		simd_write(cpu, op, XMM(cpu, op->i.reg), 16, al);
	}
	return (emu_next(cpu, op));
}

/* MOVSS (F3) / MOVSD (F2) 0F 10/11: scalar moves */
static H(h_movs)
{
	int n = op->i.simd_pfx == EMU_PFX_F3 ? 4 : 8;
	union emu_xmm *d;

	sse_check(cpu);
	if (op->aux & MV_ST) {
		if (op->i.mod != 3) {
			simd_write(cpu, op, XMM(cpu, op->i.reg), n, 0);
			return (emu_next(cpu, op));
		}
		d = XMM(cpu, op->i.rm);
		memcpy(d, XMM(cpu, op->i.reg), n);
	} else {
		d = XMM(cpu, op->i.reg);
		if (op->i.mod == 3) {
			memcpy(d, XMM(cpu, op->i.rm), n);
		} else {
			union emu_xmm v = { .q = { 0, 0 } };
			simd_read(cpu, op, &v, n, 0);
			*d = v;
		}
	}
	return (emu_next(cpu, op));
}

/* 0F 6F / 0F 7F without prefix: MOVQ mm, mm/m64 and back */
static H(h_movq_mm)
{
	uint64_t v;

	mmx_check(cpu);
	if (!(op->aux & MV_ST)) {
		mmx_set(cpu, op->i.reg, mmx_src(cpu, op));
	} else {
		v = mmx_get(cpu, op->i.reg);
		if (op->i.mod == 3)
			mmx_set(cpu, op->i.rm, v);
		else
			simd_write(cpu, op, &v, 8, 0);
	}
	return (emu_next(cpu, op));
}

/* 0F 6E: MOVD/MOVQ mm/xmm, r/m32/64 (zero-extended) */
static H(h_movd_load)
{
	int gs = simd_gsize(op);
	uint64_t v = emu_rm_read(cpu, op, gs);

	if (op->i.simd_pfx == EMU_PFX_66) {
		sse_check(cpu);
		XMM(cpu, op->i.reg)->q[0] = v;
		XMM(cpu, op->i.reg)->q[1] = 0;
	} else {
		mmx_check(cpu);
		mmx_set(cpu, op->i.reg, v);
	}
	return (emu_next(cpu, op));
}

/* 0F 7E (NP/66): MOVD/MOVQ r/m32/64, mm/xmm */
static H(h_movd_store)
{
	int gs = simd_gsize(op);
	uint64_t v;

	if (op->i.simd_pfx == EMU_PFX_66) {
		sse_check(cpu);
		v = XMM(cpu, op->i.reg)->q[0];
	} else {
		mmx_check(cpu);
		v = mmx_get(cpu, op->i.reg);
	}
	emu_rm_write(cpu, op, gs, v & emu_mask(gs));
	return (emu_next(cpu, op));
}

/* F3 0F 7E: MOVQ xmm, xmm/m64 (zero upper) */
static H(h_movq_load)
{
	union emu_xmm v;

	sse_check(cpu);
	sse_src(cpu, op, &v, 8, 0);
	v.q[1] = 0;
	*XMM(cpu, op->i.reg) = v;
	return (emu_next(cpu, op));
}

/* 66 0F D6: MOVQ xmm/m64, xmm (register destination: zero upper) */
static H(h_movq_store)
{
	union emu_xmm *s = XMM(cpu, op->i.reg);

	sse_check(cpu);
	if (op->i.mod == 3) {
		XMM(cpu, op->i.rm)->q[0] = s->q[0];
		XMM(cpu, op->i.rm)->q[1] = 0;
	} else {
		simd_write(cpu, op, s, 8, 0);
	}
	return (emu_next(cpu, op));
}

/* F3 0F D6 MOVQ2DQ xmm, mm; F2 0F D6 MOVDQ2Q mm, xmm */
static H(h_movq2dq)
{
	sse_check(cpu);
	mmx_check(cpu);
	if (op->i.simd_pfx == EMU_PFX_F3) {
		XMM(cpu, op->i.reg)->q[0] = mmx_get(cpu, op->i.rm);
		XMM(cpu, op->i.reg)->q[1] = 0;
	} else {
		mmx_set(cpu, op->i.reg, XMM(cpu, op->i.rm)->q[0]);
	}
	return (emu_next(cpu, op));
}

/* ---- half moves: 0F 12/13/16/17 ---- */

/* 0F 12 NP/66 (load low), 0F 16 NP/66 (load high); aux = 0 low, 1 high */
static H(h_movlh_load)
{
	union emu_xmm *d = XMM(cpu, op->i.reg);
	uint64_t v;

	sse_check(cpu);
	if (op->i.mod == 3) {
		/* MOVHLPS / MOVLHPS */
		union emu_xmm *s = XMM(cpu, op->i.rm);
		if (op->aux == 0)
			d->q[0] = s->q[1];
		else
			d->q[1] = s->q[0];
	} else {
		simd_read(cpu, op, &v, 8, 0);
		d->q[op->aux] = v;
	}
	return (emu_next(cpu, op));
}

/* 0F 13/17: MOVLPS/MOVLPD/MOVHPS/MOVHPD m64, xmm */
static H(h_movlh_store)
{
	sse_check(cpu);
	simd_write(cpu, op, &XMM(cpu, op->i.reg)->q[op->aux], 8, 0);
	return (emu_next(cpu, op));
}

/* F3 0F 12 MOVSLDUP, F3 0F 16 MOVSHDUP, F2 0F 12 MOVDDUP */
static H(h_movdup)
{
	union emu_xmm s, *d = XMM(cpu, op->i.reg);

	sse_check(cpu);
	if (op->i.simd_pfx == EMU_PFX_F2) {
		sse_src(cpu, op, &s, 8, 0);
		d->q[0] = d->q[1] = s.q[0];
		return (emu_next(cpu, op));
	}
	sse_src(cpu, op, &s, 16, 16);
	for (int k = 0; k < 4; k += 2)
		d->d[k] = d->d[k + 1] = s.d[k + op->aux];
	return (emu_next(cpu, op));
}

/* ---- masks ---- */

/* 0F 50: MOVMSKPS / 66 MOVMSKPD r32, xmm */
static H(h_movmsk)
{
	union emu_xmm *s = XMM(cpu, op->i.rm);
	uint32_t m = 0;

	sse_check(cpu);
	if (op->i.simd_pfx == EMU_PFX_66) {
		m = (s->q[0] >> 63) | ((s->q[1] >> 63) << 1);
	} else {
		for (int k = 0; k < 4; k++)
			m |= (s->d[k] >> 31) << k;
	}
	emu_setreg(cpu, op->i.reg, simd_gsize(op), 0, m);
	return (emu_next(cpu, op));
}

/* 0F D7: PMOVMSKB r32, mm/xmm */
static H(h_pmovmskb)
{
	uint32_t m = 0;

	if (op->i.simd_pfx == EMU_PFX_66) {
		union emu_xmm *s = XMM(cpu, op->i.rm);
		uint64_t lo, hi;

		sse_check(cpu);
		/* gather the sign bits 8 at a time (multiply trick) */
		lo = ((s->q[0] & 0x8080808080808080ULL) >> 7) *
		    0x0102040810204080ULL;
		hi = ((s->q[1] & 0x8080808080808080ULL) >> 7) *
		    0x0102040810204080ULL;
		m = (lo >> 56) | ((hi >> 56) << 8);
	} else {
		uint64_t v;

		mmx_check(cpu);
		v = mmx_get(cpu, op->i.rm);
		m = (((v & 0x8080808080808080ULL) >> 7) *
		    0x0102040810204080ULL) >> 56;
	}
	emu_setreg(cpu, op->i.reg, simd_gsize(op), 0, m);
	return (emu_next(cpu, op));
}

/* 0F F7: MASKMOVQ mm, mm / 66 MASKMOVDQU xmm, xmm -> DS:rDI */
static H(h_maskmov)
{
	uint8_t d[16], m[16];
	int n = op->i.simd_pfx == EMU_PFX_66 ? 16 : 8;
	int sr = op->i.seg != EMU_SEG_NONE ? op->i.seg : EMU_DS;
	uint64_t off = cpu->r[R_DI] & emu_amask(op->i.addrsize), la;

	if (n == 16) {
		sse_check(cpu);
		memcpy(d, XMM(cpu, op->i.reg), 16);
		memcpy(m, XMM(cpu, op->i.rm), 16);
	} else {
		uint64_t a, b;

		mmx_check(cpu);
		a = mmx_get(cpu, op->i.reg);
		b = mmx_get(cpu, op->i.rm);
		memcpy(d, &a, 8);
		memcpy(m, &b, 8);
	}
	la = emu_linear(cpu, sr, off, n, ACC_W);
	/* translate first: no partial writes */
	emu_translate(cpu, la, ACC_W, false);
	emu_translate(cpu, la_off(cpu, la, n - 1), ACC_W, false);
	for (int k = 0; k < n; k++)
		if (m[k] & 0x80)
			emu_write_la(cpu, la_off(cpu, la, k), 1, d[k]);
	return (emu_next(cpu, op));
}

/* 0F C3: MOVNTI m32/64, r32/64 */
static H(h_movnti)
{
	int gs = simd_gsize(op);

	emu_write(cpu, op->seg, emu_ea(cpu, op), gs,
	    emu_getreg(cpu, op->i.reg, gs, op->i.rex));
	return (emu_next(cpu, op));
}

/* 0F 77: EMMS: all tags empty (SDM 1 §9.5.2) */
static H(h_emms)
{
	simd_lazy_init(cpu);
	if (cpu->cr0 & CR0_EM)
		emu_fault(cpu, EXC_UD, 0);
	if (cpu->cr0 & CR0_TS)
		emu_fault(cpu, EXC_NM, 0);
	x87_pending(cpu);
	cpu->fpu.ftw = 0;
	cpu->fpu.fsw &= ~0x3800;	/* TOP := 0, as every MMX instruction */
	return (emu_next(cpu, op));
}

/* ---- shuffles and unpacks ---- */

/* 0F 14/15: UNPCKLPS/UNPCKHPS (NP), UNPCKLPD/UNPCKHPD (66); aux 1 = high */
static H(h_unpckp)
{
	union emu_xmm s, d = *XMM(cpu, op->i.reg), r;
	int h = op->aux;

	sse_check(cpu);
	sse_src(cpu, op, &s, 16, 16);
	if (op->i.simd_pfx == EMU_PFX_66) {
		r.q[0] = d.q[h];
		r.q[1] = s.q[h];
	} else {
		r.d[0] = d.d[2 * h];
		r.d[1] = s.d[2 * h];
		r.d[2] = d.d[2 * h + 1];
		r.d[3] = s.d[2 * h + 1];
	}
	*XMM(cpu, op->i.reg) = r;
	return (emu_next(cpu, op));
}

/* 0F C6: SHUFPS / 66 SHUFPD */
static H(h_shufp)
{
	union emu_xmm s, d = *XMM(cpu, op->i.reg), r;
	unsigned imm = op->i.imm & 0xff;

	sse_check(cpu);
	sse_src(cpu, op, &s, 16, 16);
	if (op->i.simd_pfx == EMU_PFX_66) {
		r.q[0] = d.q[imm & 1];
		r.q[1] = s.q[(imm >> 1) & 1];
	} else {
		r.d[0] = d.d[imm & 3];
		r.d[1] = d.d[(imm >> 2) & 3];
		r.d[2] = s.d[(imm >> 4) & 3];
		r.d[3] = s.d[(imm >> 6) & 3];
	}
	*XMM(cpu, op->i.reg) = r;
	return (emu_next(cpu, op));
}

/* 0F 70: PSHUFW (NP), PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2) */
static H(h_pshuf)
{
	unsigned imm = op->i.imm & 0xff;
	union emu_xmm s, r;

	if (op->i.simd_pfx == EMU_PFX_NONE) {
		uint64_t v, o = 0;

		mmx_check(cpu);
		v = mmx_src(cpu, op);
		for (int k = 0; k < 4; k++)
			o |= ((v >> (16 * ((imm >> (2 * k)) & 3))) & 0xffff) <<
			    (16 * k);
		mmx_set(cpu, op->i.reg, o);
		return (emu_next(cpu, op));
	}
	sse_check(cpu);
	sse_src(cpu, op, &s, 16, 16);
	r = s;
	switch (op->i.simd_pfx) {
	case EMU_PFX_66:
		for (int k = 0; k < 4; k++)
			r.d[k] = s.d[(imm >> (2 * k)) & 3];
		break;
	case EMU_PFX_F3:
		for (int k = 0; k < 4; k++)
			r.w[4 + k] = s.w[4 + ((imm >> (2 * k)) & 3)];
		break;
	default:
		for (int k = 0; k < 4; k++)
			r.w[k] = s.w[(imm >> (2 * k)) & 3];
		break;
	}
	*XMM(cpu, op->i.reg) = r;
	return (emu_next(cpu, op));
}

/* 0F C4: PINSRW mm/xmm, r32/m16, imm8 */
static H(h_pinsrw)
{
	uint16_t v;

	if (op->i.mod == 3)
		v = cpu->r[op->i.rm];
	else
		v = emu_read(cpu, op->seg, emu_ea(cpu, op), 2);
	if (op->i.simd_pfx == EMU_PFX_66) {
		sse_check(cpu);
		XMM(cpu, op->i.reg)->w[op->i.imm & 7] = v;
	} else {
		uint64_t m;
		int sh = 16 * (op->i.imm & 3);

		mmx_check(cpu);
		m = mmx_get(cpu, op->i.reg);
		m = (m & ~(0xffffULL << sh)) | ((uint64_t)v << sh);
		mmx_set(cpu, op->i.reg, m);
	}
	return (emu_next(cpu, op));
}

/* 0F C5: PEXTRW r32, mm/xmm, imm8 */
static H(h_pextrw)
{
	uint16_t v;

	if (op->i.simd_pfx == EMU_PFX_66) {
		sse_check(cpu);
		v = XMM(cpu, op->i.rm)->w[op->i.imm & 7];
	} else {
		mmx_check(cpu);
		v = mmx_get(cpu, op->i.rm) >> (16 * (op->i.imm & 3));
	}
	emu_setreg(cpu, op->i.reg, simd_gsize(op), 0, v);
	return (emu_next(cpu, op));
}

#define N	EMU_PFX_NONE
#define P66	EMU_PFX_66
#define F3	EMU_PFX_F3
#define F2	EMU_PFX_F2

const struct emu_opreg emu_sse_mov_ops[] = {
	OPPA(0x10, N, h_movx, 0), OPPA(0x10, P66, h_movx, 0),
	OPPA(0x11, N, h_movx, MV_ST), OPPA(0x11, P66, h_movx, MV_ST),
	OPPA(0x10, F3, h_movs, 0), OPPA(0x10, F2, h_movs, 0),
	OPPA(0x11, F3, h_movs, MV_ST), OPPA(0x11, F2, h_movs, MV_ST),
	OPPA(0x12, N, h_movlh_load, 0), OPPA(0x12, P66, h_movlh_load, 0),
	OPPA(0x16, N, h_movlh_load, 1), OPPA(0x16, P66, h_movlh_load, 1),
	OPPA(0x13, N, h_movlh_store, 0), OPPA(0x13, P66, h_movlh_store, 0),
	OPPA(0x17, N, h_movlh_store, 1), OPPA(0x17, P66, h_movlh_store, 1),
	OPPA(0x12, F3, h_movdup, 0), OPPA(0x16, F3, h_movdup, 1),
	OPPA(0x12, F2, h_movdup, 0),
	OPPA(0x14, N, h_unpckp, 0), OPPA(0x14, P66, h_unpckp, 0),
	OPPA(0x15, N, h_unpckp, 1), OPPA(0x15, P66, h_unpckp, 1),
	OPPA(0x28, N, h_movx, MV_AL), OPPA(0x28, P66, h_movx, MV_AL),
	OPPA(0x29, N, h_movx, MV_AL | MV_ST),
	OPPA(0x29, P66, h_movx, MV_AL | MV_ST),
	OPPA(0x2b, N, h_movx, MV_AL | MV_ST),
	OPPA(0x2b, P66, h_movx, MV_AL | MV_ST),
	OPP(0x50, N, h_movmsk), OPP(0x50, P66, h_movmsk),
	OPP(0x6e, N, h_movd_load), OPP(0x6e, P66, h_movd_load),
	OPP(0x7e, N, h_movd_store), OPP(0x7e, P66, h_movd_store),
	OPP(0x7e, F3, h_movq_load),
	OPPA(0x6f, N, h_movq_mm, 0), OPPA(0x7f, N, h_movq_mm, MV_ST),
	OPPA(0x6f, P66, h_movx, MV_AL), OPPA(0x7f, P66, h_movx, MV_AL | MV_ST),
	OPPA(0x6f, F3, h_movx, 0), OPPA(0x7f, F3, h_movx, MV_ST),
	OPPA(0xf0, F2, h_movx, 0),
	OPP(0xd6, P66, h_movq_store), OPP(0xd6, F3, h_movq2dq),
	OPP(0xd6, F2, h_movq2dq),
	OPPA(0xe7, N, h_movq_mm, MV_ST), OPPA(0xe7, P66, h_movx, MV_AL | MV_ST),
	OP38(0x2a, P66, h_movx, MV_AL),
	OPP(0xd7, N, h_pmovmskb), OPP(0xd7, P66, h_pmovmskb),
	OPP(0xf7, N, h_maskmov), OPP(0xf7, P66, h_maskmov),
	OPPF(0xc3, N, h_movnti, EMU_F_MEM),
	OPP(0x77, N, h_emms),
	OPP(0xc6, N, h_shufp), OPP(0xc6, P66, h_shufp),
	OPP(0x70, N, h_pshuf), OPP(0x70, P66, h_pshuf),
	OPP(0x70, F3, h_pshuf), OPP(0x70, F2, h_pshuf),
	OPP(0xc4, N, h_pinsrw), OPP(0xc4, P66, h_pinsrw),
	OPP(0xc5, N, h_pextrw), OPP(0xc5, P66, h_pextrw),
	OPEND
};
