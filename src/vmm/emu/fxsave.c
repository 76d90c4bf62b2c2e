/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fxsave.c: FXSAVE/FXRSTOR (the 512-byte image of SDM vol. 1 §10.5.1,
 * tables 10-2/10-3, including the REX.W "FXSAVE64" layout), LDMXCSR and
 * STMXCSR for the emu backend: the kernel's FPU context switch; and the
 * same image for vm_get_fpu/vm_set_fpu (gdb's x87/SSE registers).
 */
#include <errno.h>

#include "vmm/emu/fxsave.h"
#include "vmm/emu/simd.h"

#define FX_ALIGN	16

/*
 * Build the image.  In 64-bit mode the 16 XMM registers are saved (bytes
 * 160..415), otherwise 8 (160..287); bytes beyond are not written (the
 * processor does not touch 464..511, and leaves the reserved area alone).
 * nxmm: how many XMM registers go in.
 */
static int
fx_build(struct emu_cpu *cpu, uint8_t img[512], bool w64, int nxmm)
{
	struct emu_fpu *f = &cpu->fpu;
	int top = (f->fsw >> 11) & 7;
	uint32_t v32;
	uint16_t v16;

	memset(img, 0, 512);
	memcpy(img + 0, &f->fcw, 2);
	memcpy(img + 2, &f->fsw, 2);
	img[4] = f->ftw;
	v16 = f->fop & 0x7ff;
	memcpy(img + 6, &v16, 2);
	if (w64) {
		memcpy(img + 8, &f->fip, 8);
		memcpy(img + 16, &f->fdp, 8);
	} else {
		v32 = f->fip;
		memcpy(img + 8, &v32, 4);
		memcpy(img + 12, &f->fcs, 2);
		v32 = f->fdp;
		memcpy(img + 16, &v32, 4);
		memcpy(img + 20, &f->fds, 2);
	}
	memcpy(img + 24, &f->mxcsr, 4);
	v32 = MXCSR_MASK;
	memcpy(img + 28, &v32, 4);
	for (int i = 0; i < 8; i++) {
		const struct emu_x87reg *r = &f->st[(top + i) & 7];
		memcpy(img + 32 + 16 * i, &r->mant, 8);
		memcpy(img + 40 + 16 * i, &r->sexp, 2);
	}
	memcpy(img + 160, f->xmm, 16 * nxmm);
	return (160 + 16 * nxmm);
}

/* The inverse, once the image has passed FXRSTOR's checks (MXCSR). */
static void
fx_load(struct emu_cpu *cpu, const uint8_t img[512], bool w64, int nxmm)
{
	struct emu_fpu *f = &cpu->fpu;
	uint32_t v32;
	int top;

	memcpy(&f->fcw, img + 0, 2);
	memcpy(&f->fsw, img + 2, 2);
	f->ftw = img[4];
	memcpy(&f->fop, img + 6, 2);
	f->fop &= 0x7ff;
	if (w64) {
		memcpy(&f->fip, img + 8, 8);
		memcpy(&f->fdp, img + 16, 8);
	} else {
		memcpy(&v32, img + 8, 4);
		f->fip = v32;
		memcpy(&f->fcs, img + 12, 2);
		memcpy(&v32, img + 16, 4);
		f->fdp = v32;
		memcpy(&f->fds, img + 20, 2);
	}
	memcpy(&f->mxcsr, img + 24, 4);
	top = (f->fsw >> 11) & 7;
	for (int i = 0; i < 8; i++) {
		struct emu_x87reg *r = &f->st[(top + i) & 7];
		memcpy(&r->mant, img + 32 + 16 * i, 8);
		memcpy(&r->sexp, img + 40 + 16 * i, 2);
	}
	memcpy(f->xmm, img + 160, 16 * nxmm);
	/*
	 * ES/B follow the flags and masks: an image with an unmasked flag
	 * set must fault the guest's next waiting instruction, never the
	 * host's x87 (fpu.c runs guest instructions on it).
	 */
	emu_fpu_fix_es(cpu);
}

static H(h_fxsave)
{
	uint8_t img[512];
	uint64_t la;
	int n;

	/* #NM with TS or EM (SDM FXSAVE "Protected Mode Exceptions") */
	x87_check(cpu);
	la = simd_la(cpu, op, 512, ACC_W, FX_ALIGN);
	n = fx_build(cpu, img, cpu->long64 && (op->i.rex & 8),
	    cpu->long64 ? 16 : 8);
	simd_write_la(cpu, la, img, n);
	return (emu_next(cpu, op));
}

static H(h_fxrstor)
{
	bool w64 = cpu->long64 && (op->i.rex & 8);
	int nxmm = cpu->long64 ? 16 : 8;
	uint8_t img[512];
	uint32_t mx;
	uint64_t la;

	x87_check(cpu);
	la = simd_la(cpu, op, 512, ACC_R, FX_ALIGN);
	simd_read_la(cpu, la, img, 160 + 16 * nxmm);
	memcpy(&mx, img + 24, 4);
	/* reserved MXCSR bits: #GP(0), nothing loaded */
	if (mx & ~MXCSR_MASK)
		emu_fault(cpu, EXC_GP, 0);
	fx_load(cpu, img, w64, nxmm);
	return (emu_next(cpu, op));
}

static H(h_ldmxcsr)
{
	uint32_t mx;

	sse_check(cpu);
	mx = emu_read(cpu, op->seg, emu_ea(cpu, op), 4);
	if (mx & ~MXCSR_MASK)
		emu_fault(cpu, EXC_GP, 0);
	cpu->fpu.mxcsr = mx;
	return (emu_next(cpu, op));
}

static H(h_stmxcsr)
{
	sse_check(cpu);
	emu_write(cpu, op->seg, emu_ea(cpu, op), 4, cpu->fpu.mxcsr);
	return (emu_next(cpu, op));
}

/*
 * 0F AE /0../3 share the group with the register forms RDFSBASE & co.
 * (F3, mod = 3) that lhyve does not implement: those reach here too.
 */
static H(h_grp15_fx)
{
	if (op->i.mod == 3 || op->i.simd_pfx == EMU_PFX_F3 ||
	    op->i.simd_pfx == EMU_PFX_F2)
		emu_unimpl(cpu);
	switch (op->i.reg & 7) {
	case 0:
		return (h_fxsave(cpu, op));
	case 1:
		return (h_fxrstor(cpu, op));
	case 2:
		return (h_ldmxcsr(cpu, op));
	}
	return (h_stmxcsr(cpu, op));
}

const struct emu_opreg emu_fxsave_ops[] = {
	OP2G(0xae, 0, h_grp15_fx, 0),
	OP2G(0xae, 1, h_grp15_fx, 0),
	OP2G(0xae, 2, h_grp15_fx, 0),
	OP2G(0xae, 3, h_grp15_fx, 0),
	OPEND
};

/*
 * vm_get_fpu/vm_set_fpu (vmm.h): the FXSAVE64 image with all 16 XMM
 * registers whatever the mode.  The vCPU is outside vm_run.  State never
 * touched yet is the power-up state, set now as the guest's first FPU
 * instruction would (struct emu_fpu).
 */
int
emu_get_fpu(struct vcpu *vcpu, void *fxsave)
{
	struct emu_cpu *cpu = vcpu->backend;

	simd_lazy_init(cpu);
	fx_build(cpu, fxsave, true, 16);
	return (0);
}

int
emu_set_fpu(struct vcpu *vcpu, const void *fxsave)
{
	struct emu_cpu *cpu = vcpu->backend;
	uint32_t mx;

	memcpy(&mx, (const uint8_t *)fxsave + 24, 4);
	if (mx & ~MXCSR_MASK)
		return (-EINVAL);
	simd_lazy_init(cpu);
	fx_load(cpu, fxsave, true, 16);
	return (0);
}
