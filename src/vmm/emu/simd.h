/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * simd.h: helpers shared by the emu backend's x87/MMX/SSE files (fpu.c,
 * sse_mov.c, sse_int.c, sse_fp.c, sse4.c, fxsave.c): the availability
 * checks of SDM 1 §13.1/Table 12-x (CR0.EM/TS/MP, CR4.OSFXSR), operand
 * access for XMM/MMX registers and 8/16-byte memory operands, and the
 * row helpers for the 0F38/0F3A maps.
 */
#ifndef LHYVE_EMU_SIMD_H
#define LHYVE_EMU_SIMD_H

#include "vmm/emu/ops.h"

/* rows with a mandatory prefix in each map */
#define OPP(o, p, f)	{ EMU_MAP_0F, (o), -1, (p), (f), 0, 0 }
#define OPPA(o, p, f, a) { EMU_MAP_0F, (o), -1, (p), (f), 0, (a) }
#define OPPF(o, p, f, fl) { EMU_MAP_0F, (o), -1, (p), (f), (fl), 0 }
#define OPPG(o, r, p, f, a) { EMU_MAP_0F, (o), (r), (p), (f), 0, (a) }
#define OP38(o, p, f, a) { EMU_MAP_0F38, (o), -1, (p), (f), 0, (a) }
#define OP3A(o, p, f, a) { EMU_MAP_0F3A, (o), -1, (p), (f), 0, (a) }

#define MXCSR_FLAGS	0x3fu
#define MXCSR_DAZ	0x40u
#define MXCSR_PRE	0x07u	/* IE DE ZE: pre-computation (SDM 1 §11.5.2) */
#define MXCSR_OE	0x08u
#define MXCSR_UE	0x10u
#define MXCSR_PE	0x20u
#define MXCSR_OM	0x400u
#define MXCSR_UM	0x800u
#define MXCSR_FTZ	0x8000u
#define MXCSR_MASKS	0x1f80u
#define MXCSR_MASK	0xffffu	/* writable bits (FXSAVE's MXCSR_MASK) */
#define FSW_ES		0x80u
#define FSW_B		0x8000u

/* The host has SSSE3/SSE4.2/POPCNT, which sse_*.c execute on (fpu.c). */
bool emu_simd_host_ok(void);

/* Power-up x87/SSE state (done lazily, see struct emu_fpu). */
void emu_fpu_init(struct emu_cpu *cpu);
/* FNINIT */
void emu_fpu_finit(struct emu_cpu *cpu);
/* Recompute FSW.ES/B from the flags and masks (after CW/SW loads). */
void emu_fpu_fix_es(struct emu_cpu *cpu);
/* Full 2-bit tag of physical register i (SDM 1 §8.1.7). */
int emu_fpu_tag(const struct emu_cpu *cpu, int i);

EMU_INLINE void
simd_lazy_init(struct emu_cpu *cpu)
{
	if (unlikely(!cpu->fpu.init))
		emu_fpu_init(cpu);
}

/* SSE/SSE2/... instructions (SDM 1 §13.1, table 13-1 rows "SSE"). */
EMU_INLINE void
sse_check(struct emu_cpu *cpu)
{
	simd_lazy_init(cpu);
	if (unlikely((cpu->cr0 & CR0_EM) || !(cpu->cr4 & CR4_OSFXSR)))
		emu_fault(cpu, EXC_UD, 0);
	if (unlikely(cpu->cr0 & CR0_TS))
		emu_fault(cpu, EXC_NM, 0);
}

/* x87 instructions: #NM with EM or TS (SDM 3A §2.5, table 2-2). */
EMU_INLINE void
x87_check(struct emu_cpu *cpu)
{
	simd_lazy_init(cpu);
	if (unlikely(cpu->cr0 & (CR0_EM | CR0_TS)))
		emu_fault(cpu, EXC_NM, 0);
}

/* A waiting x87/MMX instruction with an unmasked exception pending: #MF.
 * XXX: with CR0.NE = 0 this should be FERR#/IRQ 13; #MF is raised. */
EMU_INLINE void
x87_pending(struct emu_cpu *cpu)
{
	if (unlikely(cpu->fpu.fsw & FSW_ES))
		emu_fault(cpu, EXC_MF, 0);
}

/*
 * MMX instructions: #UD with EM, #NM with TS, #MF for a pending x87
 * exception; then the x87 is in MMX state: TOP = 0, all tags valid
 * (SDM 1 §9.5.1).
 */
EMU_INLINE void
mmx_check(struct emu_cpu *cpu)
{
	simd_lazy_init(cpu);
	if (unlikely(cpu->cr0 & CR0_EM))
		emu_fault(cpu, EXC_UD, 0);
	if (unlikely(cpu->cr0 & CR0_TS))
		emu_fault(cpu, EXC_NM, 0);
	x87_pending(cpu);
	cpu->fpu.fsw &= ~0x3800;
	cpu->fpu.ftw = 0xff;
}

EMU_INLINE uint64_t
mmx_get(struct emu_cpu *cpu, int n)
{
	return (cpu->fpu.st[n & 7].mant);
}

/* Writing an MMX register sets bits 79:64 of the x87 register to ones. */
EMU_INLINE void
mmx_set(struct emu_cpu *cpu, int n, uint64_t v)
{
	cpu->fpu.st[n & 7].mant = v;
	cpu->fpu.st[n & 7].sexp = 0xffff;
}

#define XMM(cpu, n)	(&(cpu)->fpu.xmm[(n)])

/* ---- memory operands (sse_mov.c) ---- */

/* Linear address of the ModRM memory operand, n bytes, with a #GP(0)
 * check for alignment 'align' (0 = none). */
uint64_t simd_la(struct emu_cpu *cpu, const struct emu_op *op, int n,
    int acc, unsigned align);
/* n bytes at la (any n; pages checked before anything is written). */
void simd_read_la(struct emu_cpu *cpu, uint64_t la, void *buf, int n);
void simd_write_la(struct emu_cpu *cpu, uint64_t la, const void *buf,
    int n);

EMU_INLINE void
simd_read(struct emu_cpu *cpu, const struct emu_op *op, void *buf, int n,
    unsigned align)
{
	uint64_t la = simd_la(cpu, op, n, ACC_R, align);

	if (n == 8) {
		uint64_t v = emu_read_la(cpu, la, 8);
		memcpy(buf, &v, 8);
	} else {
		simd_read_la(cpu, la, buf, n);
	}
}

EMU_INLINE void
simd_write(struct emu_cpu *cpu, const struct emu_op *op, const void *buf,
    int n, unsigned align)
{
	simd_write_la(cpu, simd_la(cpu, op, n, ACC_W, align), buf, n);
}

/*
 * The r/m source of a 128-bit operation: the XMM register, or n bytes
 * of memory (zero-extended to 16); m128 operands of legacy SSE
 * instructions must be 16-byte aligned (SDM 1 §12.x, "#GP if not aligned").
 */
EMU_INLINE void
sse_src(struct emu_cpu *cpu, const struct emu_op *op, union emu_xmm *v,
    int n, unsigned align)
{
	if (op->i.mod == 3) {
		*v = *XMM(cpu, op->i.rm);
		return;
	}
	v->q[0] = v->q[1] = 0;
	simd_read(cpu, op, v, n, align);
}

/* The r/m source of an MMX operation: mm register or m64. */
EMU_INLINE uint64_t
mmx_src(struct emu_cpu *cpu, const struct emu_op *op)
{
	uint64_t v;

	if (op->i.mod == 3)
		return (mmx_get(cpu, op->i.rm));
	simd_read(cpu, op, &v, 8, 0);
	return (v);
}

/* 64-bit general-register operand (REX.W) or 32-bit. */
EMU_INLINE int
simd_gsize(const struct emu_op *op)
{
	return ((op->i.rex & 8) ? 8 : 4);
}

/* The last SSE result's exceptions (sse_fp.c): #XM or #UD when unmasked
 * (SDM 1 §11.5.1, CR4.OSXMMEXCPT). */
void sse_fp_raise(struct emu_cpu *cpu, uint32_t flags);

/* host MXCSR swaps around operations run under the guest's MXCSR */
EMU_INLINE uint32_t
sse_host_mxcsr(void)
{
	uint32_t m;

	__asm__ volatile("stmxcsr %0" : "=m"(m));
	return (m);
}

#endif /* LHYVE_EMU_SIMD_H */
