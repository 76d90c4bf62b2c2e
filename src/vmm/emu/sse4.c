/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sse4.c: SSE4.1/SSE4.2 forms of the emu backend that are neither plain
 * packed arithmetic nor floating point: PEXTRB/W/D/Q, EXTRACTPS,
 * PINSRB/D/Q, MPSADBW, the string compares PCMPESTRI/M and PCMPISTRI/M,
 * CRC32 and POPCNT (SDM vol. 2 per instruction).  The string compares and
 * CRC32 run as the host's instruction (x86-64-v2 host).
 */
#pragma GCC target("sse4.2,popcnt")
#include <immintrin.h>

#include "vmm/emu/simd.h"

/* 66 0F3A 14..17: PEXTRB, PEXTRW, PEXTRD/Q, EXTRACTPS -> r/m */
static H(h_pextr)
{
	union emu_xmm *s = XMM(cpu, op->i.reg);
	unsigned imm = op->i.imm & 0xff;
	uint64_t v;
	int n;

	sse_check(cpu);
	switch (op->i.op) {
	case 0x14: v = s->b[imm & 15]; n = 1; break;
	case 0x15: v = s->w[imm & 7]; n = 2; break;
	case 0x16:
		if (op->i.rex & 8) {
			v = s->q[imm & 1];
			n = 8;
		} else {
			v = s->d[imm & 3];
			n = 4;
		}
		break;
	default: v = s->d[imm & 3]; n = 4; break;
	}
	if (op->i.mod == 3)
		emu_setreg(cpu, op->i.rm, n == 8 ? 8 : 4, 0, v);
	else
		emu_write(cpu, op->seg, emu_ea(cpu, op), n, v);
	return (emu_next(cpu, op));
}

/* 66 0F3A 20 PINSRB, 22 PINSRD/Q */
static H(h_pinsr)
{
	union emu_xmm *d = XMM(cpu, op->i.reg);
	unsigned imm = op->i.imm & 0xff;
	int n = op->i.op == 0x20 ? 1 : (op->i.rex & 8) ? 8 : 4;
	uint64_t v;

	sse_check(cpu);
	if (op->i.mod == 3)
		v = cpu->r[op->i.rm];
	else
		v = emu_read(cpu, op->seg, emu_ea(cpu, op), n);
	if (n == 1)
		d->b[imm & 15] = v;
	else if (n == 4)
		d->d[imm & 3] = v;
	else
		d->q[imm & 1] = v;
	return (emu_next(cpu, op));
}

/* 66 0F3A 42: MPSADBW: eight 4-byte SADs from the blocks imm8 selects */
static H(h_mpsadbw)
{
	union emu_xmm s, d = *XMM(cpu, op->i.reg), r;
	unsigned imm = op->i.imm & 0xff;
	int so = (imm & 3) * 4, dof = ((imm >> 2) & 1) * 4;

	sse_check(cpu);
	sse_src(cpu, op, &s, 16, 16);
	for (int j = 0; j < 8; j++) {
		int sum = 0;
		for (int k = 0; k < 4; k++) {
			int a = d.b[dof + j + k], b = s.b[so + k];
			sum += a > b ? a - b : b - a;
		}
		r.w[j] = sum;
	}
	*XMM(cpu, op->i.reg) = r;
	return (emu_next(cpu, op));
}

/*
 * 66 0F3A 60..63: PCMPESTRM PCMPESTRI PCMPISTRM PCMPISTRI.  imm8 bit 7
 * is ignored, so 128 forms each.  Explicit lengths (EAX/EDX, RAX/RDX
 * with REX.W) are clamped to [-16, 16] first: the instruction saturates
 * their absolute value at 16 (or 8), so the host's 32-bit form then
 * behaves exactly like either width.
 */
struct pcmp_out {
	uint32_t ecx;
	__m128i m;
	uint8_t c, z, s, o;
};

#define PCMP_FL	"\n\tsetc %[c]\n\tsetz %[z]\n\tsets %[s]\n\tseto %[o]"
#define PCMP_O	[c] "=&q"(o->c), [z] "=&q"(o->z), [s] "=&q"(o->s), \
		[o] "=&q"(o->o)
#define PEI(n) case (n): __asm__ volatile("pcmpestri %[imm], %[b], %[a]" PCMP_FL \
	: "=&c"(o->ecx), PCMP_O : [a] "x"(a), [b] "x"(b), "a"(la), "d"(lb), \
	[imm] "i"(n) : "cc"); break;
#define PEM(n) case (n): __asm__ volatile("pcmpestrm %[imm], %[b], %[a]" PCMP_FL \
	: "=&Yz"(o->m), PCMP_O : [a] "x"(a), [b] "x"(b), "a"(la), "d"(lb), \
	[imm] "i"(n) : "cc"); break;
#define PII(n) case (n): __asm__ volatile("pcmpistri %[imm], %[b], %[a]" PCMP_FL \
	: "=&c"(o->ecx), PCMP_O : [a] "x"(a), [b] "x"(b), [imm] "i"(n) : "cc"); \
	break;
#define PIM(n) case (n): __asm__ volatile("pcmpistrm %[imm], %[b], %[a]" PCMP_FL \
	: "=&Yz"(o->m), PCMP_O : [a] "x"(a), [b] "x"(b), [imm] "i"(n) : "cc"); \
	break;
#define P4(X, i)	X(i) X((i) + 1) X((i) + 2) X((i) + 3)
#define P16(X, i)	P4(X, i) P4(X, (i) + 4) P4(X, (i) + 8) P4(X, (i) + 12)
#define P128(X)		P16(X, 0) P16(X, 16) P16(X, 32) P16(X, 48) \
			P16(X, 64) P16(X, 80) P16(X, 96) P16(X, 112)

static void
pcmp_host(int which, unsigned imm, __m128i a, __m128i b, int32_t la,
    int32_t lb, struct pcmp_out *o)
{
	switch (which) {
	case 0:
		switch (imm & 0x7f) { P128(PEM) }
		break;
	case 1:
		switch (imm & 0x7f) { P128(PEI) }
		break;
	case 2:
		switch (imm & 0x7f) { P128(PIM) }
		break;
	default:
		switch (imm & 0x7f) { P128(PII) }
		break;
	}
}

static int32_t
clamp_len(struct emu_cpu *cpu, const struct emu_op *op, int r)
{
	int64_t v = (op->i.rex & 8) ? (int64_t)cpu->r[r] :
	    (int64_t)(int32_t)cpu->r[r];

	return (v < -16 ? -16 : v > 16 ? 16 : (int32_t)v);
}

static H(h_pcmpstr)
{
	int which = op->i.op - 0x60;
	struct pcmp_out o = { 0 };
	union emu_xmm s;
	int32_t la = 0, lb = 0;

	sse_check(cpu);
	sse_src(cpu, op, &s, 16, 0);
	if (which < 2) {
		la = clamp_len(cpu, op, R_AX);
		lb = clamp_len(cpu, op, R_DX);
	}
	pcmp_host(which, op->i.imm, _mm_load_si128((__m128i *)XMM(cpu,
	    op->i.reg)), _mm_load_si128((__m128i *)&s), la, lb, &o);
	if (which & 1)
		emu_setreg(cpu, R_CX, 4, 0, o.ecx);
	else
		_mm_store_si128((__m128i *)XMM(cpu, 0), o.m);
	emu_set_arith(cpu, (o.c ? FL_CF : 0) | (o.z ? FL_ZF : 0) |
	    (o.s ? FL_SF : 0) | (o.o ? FL_OF : 0));
	return (emu_next(cpu, op));
}

/* F2 0F38 F0/F1: CRC32 r32/64, r/m8/16/32/64 (CRC-32C) */
static H(h_crc32)
{
	int n = op->i.op == 0xf0 ? 1 : op->i.opsize;
	int ds = (op->i.rex & 8) ? 8 : 4;
	uint64_t v = emu_rm_read(cpu, op, n), c = cpu->r[op->i.reg];

	switch (n) {
	case 1: c = _mm_crc32_u8((uint32_t)c, v); break;
	case 2: c = _mm_crc32_u16((uint32_t)c, v); break;
	case 4: c = _mm_crc32_u32((uint32_t)c, v); break;
	default: c = _mm_crc32_u64(c, v); break;
	}
	emu_setreg(cpu, op->i.reg, ds, 0, (uint32_t)c);
	return (emu_next(cpu, op));
}

/* F3 0F B8: POPCNT r, r/m: ZF = (src == 0), the other flags cleared */
static H(h_popcnt)
{
	int n = op->i.opsize;
	uint64_t v = emu_rm_read(cpu, op, n);

	emu_setreg(cpu, op->i.reg, n, op->i.rex, __builtin_popcountll(v));
	emu_set_arith(cpu, v == 0 ? FL_ZF : 0);
	return (emu_next(cpu, op));
}

#define P66	EMU_PFX_66

const struct emu_opreg emu_sse4_ops[] = {
	OP3A(0x14, P66, h_pextr, 0), OP3A(0x15, P66, h_pextr, 0),
	OP3A(0x16, P66, h_pextr, 0), OP3A(0x17, P66, h_pextr, 0),
	OP3A(0x20, P66, h_pinsr, 0), OP3A(0x22, P66, h_pinsr, 0),
	OP3A(0x42, P66, h_mpsadbw, 0),
	OP3A(0x60, P66, h_pcmpstr, 0), OP3A(0x61, P66, h_pcmpstr, 0),
	OP3A(0x62, P66, h_pcmpstr, 0), OP3A(0x63, P66, h_pcmpstr, 0),
	OP38(0xf0, EMU_PFX_F2, h_crc32, 0), OP38(0xf1, EMU_PFX_F2, h_crc32, 0),
	OPP(0xb8, EMU_PFX_F3, h_popcnt),
	OPEND
};
