/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvm_regs.c: a KVM vCPU's architectural state for the loaders and the
 * gdb server: general registers, control registers, segment registers
 * with their hidden parts in bhyve's VMX access-rights layout, MSRs, the
 * interrupt shadow, x87/SSE state as an FXSAVE image, exception injection,
 * the reset and INIT-SIPI start states, and the register dump printed
 * when KVM gives up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/kvm/kvm_priv.h"

#define MSR_KGS_BASE	0xc0000102

/* ---- the register caches ---- */

int
kvm_regs_load(struct kvm_vcpu_sc *sc)
{
	if (!sc->regs_valid) {
		if (ioctl(sc->fd, KVM_GET_REGS, &sc->regs) != 0)
			return (-errno);
		sc->regs_valid = true;
	}
	return (0);
}

int
kvm_sregs_load(struct kvm_vcpu_sc *sc)
{
	if (!sc->sregs_valid) {
		if (ioctl(sc->fd, KVM_GET_SREGS, &sc->sregs) != 0)
			return (-errno);
		sc->sregs_valid = true;
	}
	return (0);
}

/* Write what was changed back, before KVM_RUN (sregs first: modes). */
int
kvm_regs_flush(struct kvm_vcpu_sc *sc)
{
	if (sc->sregs_dirty) {
		if (ioctl(sc->fd, KVM_SET_SREGS, &sc->sregs) != 0)
			return (-errno);
		sc->sregs_dirty = false;
	}
	if (sc->regs_dirty) {
		if (ioctl(sc->fd, KVM_SET_REGS, &sc->regs) != 0)
			return (-errno);
		sc->regs_dirty = false;
	}
	return (0);
}

/* After KVM_RUN: the kernel's copy is the truth again. */
void
kvm_regs_invalidate(struct kvm_vcpu_sc *sc)
{
	sc->regs_valid = sc->sregs_valid = false;
}

/* ---- MSRs ---- */

int
kvm_get_msr(struct kvm_vcpu_sc *sc, uint32_t msr, uint64_t *val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = msr;
	if (ioctl(sc->fd, KVM_GET_MSRS, &m) != 1)
		return (-EINVAL);
	*val = m.e.data;
	return (0);
}

int
kvm_set_msr(struct kvm_vcpu_sc *sc, uint32_t msr, uint64_t val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = msr;
	m.e.data = val;
	if (ioctl(sc->fd, KVM_SET_MSRS, &m) != 1)
		return (-EINVAL);
	return (0);
}

/* ---- segments: struct kvm_segment <-> the VMX access-rights word ---- */

uint32_t
kvm_seg_access(const struct kvm_segment *s)
{
	if (s->unusable)
		return (SEG_ACC_UNUSABLE);
	return (SEG_ACC_TYPE(s->type) | (s->s ? SEG_ACC_S : 0) |
	    SEG_ACC_DPL(s->dpl) | (s->present ? SEG_ACC_P : 0) |
	    (s->avl ? SEG_ACC_AVL : 0) | (s->l ? SEG_ACC_L : 0) |
	    (s->db ? SEG_ACC_DB : 0) | (s->g ? SEG_ACC_G : 0));
}

void
kvm_seg_from_access(struct kvm_segment *s, uint32_t access)
{
	s->type = access & 0xf;
	s->s = !!(access & SEG_ACC_S);
	s->dpl = (access >> 5) & 3;
	s->present = !!(access & SEG_ACC_P);
	s->avl = !!(access & SEG_ACC_AVL);
	s->l = !!(access & SEG_ACC_L);
	s->db = !!(access & SEG_ACC_DB);
	s->g = !!(access & SEG_ACC_G);
	s->unusable = !!(access & SEG_ACC_UNUSABLE);
}

static struct kvm_segment *
seg_of(struct kvm_sregs *sr, int reg)
{
	switch (reg) {
	case VM_REG_GUEST_ES: return (&sr->es);
	case VM_REG_GUEST_CS: return (&sr->cs);
	case VM_REG_GUEST_SS: return (&sr->ss);
	case VM_REG_GUEST_DS: return (&sr->ds);
	case VM_REG_GUEST_FS: return (&sr->fs);
	case VM_REG_GUEST_GS: return (&sr->gs);
	case VM_REG_GUEST_LDTR: return (&sr->ldt);
	case VM_REG_GUEST_TR: return (&sr->tr);
	}
	return (NULL);
}

static __u64 *
gpr_of(struct kvm_regs *r, int reg)
{
	switch (reg) {
	case VM_REG_GUEST_RAX: return (&r->rax);
	case VM_REG_GUEST_RBX: return (&r->rbx);
	case VM_REG_GUEST_RCX: return (&r->rcx);
	case VM_REG_GUEST_RDX: return (&r->rdx);
	case VM_REG_GUEST_RSI: return (&r->rsi);
	case VM_REG_GUEST_RDI: return (&r->rdi);
	case VM_REG_GUEST_RBP: return (&r->rbp);
	case VM_REG_GUEST_R8: return (&r->r8);
	case VM_REG_GUEST_R9: return (&r->r9);
	case VM_REG_GUEST_R10: return (&r->r10);
	case VM_REG_GUEST_R11: return (&r->r11);
	case VM_REG_GUEST_R12: return (&r->r12);
	case VM_REG_GUEST_R13: return (&r->r13);
	case VM_REG_GUEST_R14: return (&r->r14);
	case VM_REG_GUEST_R15: return (&r->r15);
	case VM_REG_GUEST_RSP: return (&r->rsp);
	case VM_REG_GUEST_RIP: return (&r->rip);
	case VM_REG_GUEST_RFLAGS: return (&r->rflags);
	}
	return (NULL);
}

static __u64 *
sreg_of(struct kvm_sregs *sr, int reg)
{
	switch (reg) {
	case VM_REG_GUEST_CR0: return (&sr->cr0);
	case VM_REG_GUEST_CR2: return (&sr->cr2);
	case VM_REG_GUEST_CR3: return (&sr->cr3);
	case VM_REG_GUEST_CR4: return (&sr->cr4);
	case VM_REG_GUEST_CR8: return (&sr->cr8);
	case VM_REG_GUEST_EFER: return (&sr->efer);
	}
	return (NULL);
}

int
kvm_op_get_register(struct vcpu *vcpu, int reg, uint64_t *val)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	struct kvm_vcpu_events ev;
	struct kvm_debugregs dr;
	struct kvm_segment *s;
	__u64 *p;
	int error;

	if ((p = gpr_of(&sc->regs, reg)) != NULL) {
		if ((error = kvm_regs_load(sc)) != 0)
			return (error);
		*val = *p;
		return (0);
	}
	if ((error = kvm_sregs_load(sc)) != 0)
		return (error);
	if ((p = sreg_of(&sc->sregs, reg)) != NULL) {
		*val = *p;
		return (0);
	}
	if ((s = seg_of(&sc->sregs, reg)) != NULL) {
		*val = s->selector;
		return (0);
	}
	switch (reg) {
	case VM_REG_GUEST_FS_BASE:
		*val = sc->sregs.fs.base;
		return (0);
	case VM_REG_GUEST_GS_BASE:
		*val = sc->sregs.gs.base;
		return (0);
	case VM_REG_GUEST_KGS_BASE:
		return (kvm_get_msr(sc, MSR_KGS_BASE, val));
	case VM_REG_GUEST_DR7:
		if (ioctl(sc->fd, KVM_GET_DEBUGREGS, &dr) != 0)
			return (-errno);
		*val = dr.dr7;
		return (0);
	case VM_REG_GUEST_INTR_SHADOW:
		if (ioctl(sc->fd, KVM_GET_VCPU_EVENTS, &ev) != 0)
			return (-errno);
		*val = ev.interrupt.shadow != 0;
		return (0);
	}
	return (-EINVAL);
}

int
kvm_op_set_register(struct vcpu *vcpu, int reg, uint64_t val)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	struct kvm_vcpu_events ev;
	struct kvm_debugregs dr;
	struct kvm_segment *s;
	__u64 *p;
	int error;

	if ((p = gpr_of(&sc->regs, reg)) != NULL) {
		if ((error = kvm_regs_load(sc)) != 0)
			return (error);
		*p = val;
		sc->regs_dirty = true;
		return (0);
	}
	if ((error = kvm_sregs_load(sc)) != 0)
		return (error);
	if ((p = sreg_of(&sc->sregs, reg)) != NULL) {
		*p = val;
		sc->sregs_dirty = true;
		return (0);
	}
	if ((s = seg_of(&sc->sregs, reg)) != NULL) {
		s->selector = val;
		sc->sregs_dirty = true;
		return (0);
	}
	switch (reg) {
	case VM_REG_GUEST_FS_BASE:
		sc->sregs.fs.base = val;
		sc->sregs_dirty = true;
		return (0);
	case VM_REG_GUEST_GS_BASE:
		sc->sregs.gs.base = val;
		sc->sregs_dirty = true;
		return (0);
	case VM_REG_GUEST_KGS_BASE:
		return (kvm_set_msr(sc, MSR_KGS_BASE, val));
	case VM_REG_GUEST_DR7:
		if (ioctl(sc->fd, KVM_GET_DEBUGREGS, &dr) != 0)
			return (-errno);
		dr.dr7 = val;
		if (ioctl(sc->fd, KVM_SET_DEBUGREGS, &dr) != 0)
			return (-errno);
		return (0);
	case VM_REG_GUEST_INTR_SHADOW:
		if (ioctl(sc->fd, KVM_GET_VCPU_EVENTS, &ev) != 0)
			return (-errno);
		ev.interrupt.shadow = val ? KVM_X86_SHADOW_INT_MOV_SS : 0;
		ev.flags = KVM_VCPUEVENT_VALID_SHADOW;
		if (ioctl(sc->fd, KVM_SET_VCPU_EVENTS, &ev) != 0)
			return (-errno);
		return (0);
	}
	return (-EINVAL);
}

int
kvm_op_get_desc(struct vcpu *vcpu, int reg, uint64_t *base, uint32_t *limit,
    uint32_t *access)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	struct kvm_segment *s;
	int error;

	if ((error = kvm_sregs_load(sc)) != 0)
		return (error);
	if (reg == VM_REG_GUEST_GDTR || reg == VM_REG_GUEST_IDTR) {
		struct kvm_dtable *t = reg == VM_REG_GUEST_GDTR ?
		    &sc->sregs.gdt : &sc->sregs.idt;
		*base = t->base;
		*limit = t->limit;
		*access = 0;
		return (0);
	}
	if ((s = seg_of(&sc->sregs, reg)) == NULL)
		return (-EINVAL);
	*base = s->base;
	*limit = s->limit;
	*access = kvm_seg_access(s);
	return (0);
}

int
kvm_op_set_desc(struct vcpu *vcpu, int reg, uint64_t base, uint32_t limit,
    uint32_t access)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	struct kvm_segment *s;
	int error;

	if ((error = kvm_sregs_load(sc)) != 0)
		return (error);
	if (reg == VM_REG_GUEST_GDTR || reg == VM_REG_GUEST_IDTR) {
		struct kvm_dtable *t = reg == VM_REG_GUEST_GDTR ?
		    &sc->sregs.gdt : &sc->sregs.idt;
		t->base = base;
		t->limit = limit;
		sc->sregs_dirty = true;
		return (0);
	}
	if ((s = seg_of(&sc->sregs, reg)) == NULL)
		return (-EINVAL);
	s->base = base;
	s->limit = limit;
	kvm_seg_from_access(s, access);
	sc->sregs_dirty = true;
	return (0);
}

/*
 * An exception for the guest (loaders, the gdb stub): queued through
 * KVM_SET_VCPU_EVENTS and delivered at the next KVM_RUN.  KVM's RIP is
 * always that of the next instruction to run, so "restart" changes
 * nothing here, as on emu.
 */
int
kvm_op_inject_exception(struct vcpu *vcpu, int vector, int ec_valid,
    uint32_t ec, int restart)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	struct kvm_vcpu_events ev;

	/* #BP after a BPT exit: KVM wants RIP on the INT3 (kvm_debug.c) */
	kvm_dbg_soft_exception(sc, vector);
	if (ioctl(sc->fd, KVM_GET_VCPU_EVENTS, &ev) != 0)
		return (-errno);
	ev.exception.injected = 1;
	ev.exception.nr = vector;
	ev.exception.has_error_code = ec_valid != 0;
	ev.exception.error_code = ec;
	ev.flags = 0;
	if (ioctl(sc->fd, KVM_SET_VCPU_EVENTS, &ev) != 0)
		return (-errno);
	return (0);
}

/* ---- reset and start-up states (SDM 3A §10.1.1, table 10-1) ---- */

static void
realmode_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

/* The power-on state, with RDX the processor signature (CPUID.1 EAX). */
int
kvm_vcpu_set_reset_state(struct kvm_vcpu_sc *sc)
{
	int error;

	if ((error = kvm_sregs_load(sc)) != 0 ||
	    (error = kvm_regs_load(sc)) != 0)
		return (error);
	realmode_seg(&sc->sregs.cs, 0xf000, 0xb);
	sc->sregs.cs.base = 0xffff0000ULL;
	realmode_seg(&sc->sregs.ds, 0, 3);
	realmode_seg(&sc->sregs.es, 0, 3);
	realmode_seg(&sc->sregs.fs, 0, 3);
	realmode_seg(&sc->sregs.gs, 0, 3);
	realmode_seg(&sc->sregs.ss, 0, 3);
	memset(&sc->sregs.ldt, 0, sizeof(sc->sregs.ldt));
	sc->sregs.ldt.limit = 0xffff;
	sc->sregs.ldt.type = 2;
	sc->sregs.ldt.present = 1;
	memset(&sc->sregs.tr, 0, sizeof(sc->sregs.tr));
	sc->sregs.tr.limit = 0xffff;
	sc->sregs.tr.type = 0xb;
	sc->sregs.tr.present = 1;
	sc->sregs.gdt.base = sc->sregs.idt.base = 0;
	sc->sregs.gdt.limit = sc->sregs.idt.limit = 0xffff;
	sc->sregs.cr0 = 0x60000010;		/* CD NW ET */
	sc->sregs.cr2 = sc->sregs.cr3 = sc->sregs.cr4 = 0;
	sc->sregs.cr8 = 0;
	sc->sregs.efer = 0;
	memset(&sc->regs, 0, sizeof(sc->regs));
	sc->regs.rdx = 0x000306a9;		/* as emu_cpu_reset */
	sc->regs.rip = 0xfff0;
	sc->regs.rflags = 0x2;
	sc->regs_dirty = sc->sregs_dirty = true;
	return (0);
}

int
kvm_op_reset(struct vcpu *vcpu)
{
	return (kvm_vcpu_set_reset_state(kvm_sc(vcpu)));
}

/*
 * bhyve's spinup_ap: real mode at rip (CS = rip >> 4).  For the APs the
 * kvm backend announces itself (kvm_run.c), the in-kernel LAPIC performs
 * INIT and SIPI, so the vCPU is left waiting for them.
 */
int
kvm_op_startup(struct vcpu *vcpu, uint64_t rip)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	struct kvm_mp_state mp;
	int error;

	if (sc->in_kernel_sipi)
		return (0);
	if ((error = kvm_vcpu_set_reset_state(sc)) != 0)
		return (error);
	realmode_seg(&sc->sregs.cs, (rip >> 4) & 0xffff, 0xb);
	sc->regs.rip = rip & 0xf;
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	if (ioctl(sc->fd, KVM_SET_MP_STATE, &mp) != 0)
		return (-errno);
	return (0);
}

/* ---- x87/SSE state: vm_get_fpu/vm_set_fpu (vmm.h) ---- */

/*
 * The MXCSR bits this host's FXRSTOR accepts (SDM vol. 1 §11.6.6: the
 * MXCSR_MASK field of an FXSAVE image, 0 meaning 0xFFBF).  KVM loads the
 * guest's MXCSR with the host's own FXRSTOR/XRSTOR, so these are the
 * guest's writable bits too.  struct kvm_fpu has no such field.
 */
static uint32_t
host_mxcsr_mask(void)
{
	static _Atomic uint32_t mask;
	uint8_t img[512] __attribute__((aligned(16)));
	uint32_t m = atomic_load(&mask);

	if (m == 0) {
		memset(img, 0, sizeof(img));
		__asm__ volatile("fxsave64 %0" : "=m"(img));
		memcpy(&m, img + 28, 4);
		if (m == 0)
			m = 0xffbf;
		atomic_store(&mask, m);
	}
	return (m);
}

/*
 * Without KVM_CAP_XSAVE: KVM_GET_FPU (api.rst 4.22) gives the legacy
 * FXSAVE area field by field, in the 64-bit layout (last_ip/last_dp are 64
 * bits, no FCS/FDS), ST(i) in stack order as FXSAVE stores them.  Linux
 * neither fills nor takes its mxcsr field, hence KVM_GET_XSAVE first.
 */
static void
kvm_fpu_to_fxsave(const struct kvm_fpu *k, uint8_t fx[VM_FXSAVE_SIZE])
{
	memset(fx, 0, VM_FXSAVE_SIZE);
	memcpy(fx + 0, &k->fcw, 2);
	memcpy(fx + 2, &k->fsw, 2);
	fx[4] = k->ftwx;
	memcpy(fx + 6, &k->last_opcode, 2);
	memcpy(fx + 8, &k->last_ip, 8);
	memcpy(fx + 16, &k->last_dp, 8);
	memcpy(fx + 24, &k->mxcsr, 4);
	for (int i = 0; i < 8; i++)
		memcpy(fx + 32 + 16 * i, k->fpr[i], 10);
	memcpy(fx + 160, k->xmm, sizeof(k->xmm));
}

static void
kvm_fpu_from_fxsave(const uint8_t fx[VM_FXSAVE_SIZE], struct kvm_fpu *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(&k->fcw, fx + 0, 2);
	memcpy(&k->fsw, fx + 2, 2);
	k->ftwx = fx[4];
	memcpy(&k->last_opcode, fx + 6, 2);
	memcpy(&k->last_ip, fx + 8, 8);
	memcpy(&k->last_dp, fx + 16, 8);
	memcpy(&k->mxcsr, fx + 24, 4);
	for (int i = 0; i < 8; i++)
		memcpy(k->fpr[i], fx + 32 + 16 * i, 10);
	memcpy(k->xmm, fx + 160, sizeof(k->xmm));
}

/* The XSAVE header's XSTATE_BV (SDM vol. 1 §13.4.2): x87 and SSE bits. */
#define XSAVE_HDR	512
#define XSTATE_FP_SSE	0x3ULL

/*
 * KVM_GET_XSAVE (api.rst 4.42) gives the standard-format XSAVE area whose
 * first 512 bytes are the FXSAVE64 image; Linux fills in the initial
 * values of components that are in their init state (XSTATE_BV clear).
 */
int
kvm_op_get_fpu(struct vcpu *vcpu, void *fxsave)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	struct kvm_xsave xs;
	struct kvm_fpu k;
	uint8_t *fx = fxsave;
	uint32_t mask;

	if (ioctl(sc->fd, KVM_GET_XSAVE, &xs) == 0) {
		memcpy(fx, xs.region, 416);
		memset(fx + 416, 0, VM_FXSAVE_SIZE - 416);
	} else {
		if (ioctl(sc->fd, KVM_GET_FPU, &k) != 0)
			return (-errno);
		kvm_fpu_to_fxsave(&k, fx);
	}
	memcpy(&mask, fx + 28, 4);
	if (mask == 0) {
		mask = host_mxcsr_mask();
		memcpy(fx + 28, &mask, 4);
	}
	return (0);
}

/*
 * The image goes into the guest's XSAVE area (read, patched, written
 * back, so that AVX and the other components stay), with XSTATE_BV's x87
 * and SSE bits set: the state is no longer the init state.
 */
int
kvm_op_set_fpu(struct vcpu *vcpu, const void *fxsave)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	const uint8_t *fx = fxsave;
	struct kvm_xsave xs;
	struct kvm_fpu k;
	uint8_t *r = (uint8_t *)xs.region;
	uint64_t bv;
	uint32_t mx;

	/* KVM_SET_FPU takes any MXCSR (the host's XRSTOR would fault) */
	memcpy(&mx, fx + 24, 4);
	if (mx & ~host_mxcsr_mask())
		return (-EINVAL);
	if (ioctl(sc->fd, KVM_GET_XSAVE, &xs) == 0) {
		memcpy(r, fx, 28);		/* all but MXCSR_MASK */
		memcpy(r + 32, fx + 32, 416 - 32);
		memcpy(&bv, r + XSAVE_HDR, 8);
		bv |= XSTATE_FP_SSE;
		memcpy(r + XSAVE_HDR, &bv, 8);
		if (ioctl(sc->fd, KVM_SET_XSAVE, &xs) != 0)
			return (-errno);
		return (0);
	}
	kvm_fpu_from_fxsave(fx, &k);
	if (ioctl(sc->fd, KVM_SET_FPU, &k) != 0)
		return (-errno);
	return (0);
}

/* ---- the dump printed with FAIL_ENTRY and INTERNAL_ERROR ---- */

static void
dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-4s sel=%04x base=%016llx limit=%08x access=%05x\n",
	    name, s->selector, (unsigned long long)s->base, s->limit,
	    kvm_seg_access(s));
}

void
kvm_dump_regs(struct kvm_vcpu_sc *sc, const char *why)
{
	struct kvm_regs *r = &sc->regs;
	struct kvm_sregs *s = &sc->sregs;

	fprintf(stderr, "lhyve: vcpu %d: %s; registers:\n", sc->vcpu->id, why);
	if (kvm_regs_load(sc) != 0 || kvm_sregs_load(sc) != 0) {
		fprintf(stderr, "  (KVM_GET_REGS/KVM_GET_SREGS failed)\n");
		return;
	}
	fprintf(stderr, "  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
	    "  rsi=%016llx rdi=%016llx rbp=%016llx rsp=%016llx\n"
	    "  r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx\n"
	    "  r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n"
	    "  rip=%016llx rflags=%08llx\n",
	    r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
	    r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
	    r->rip, r->rflags);
	dump_seg("cs", &s->cs);
	dump_seg("ss", &s->ss);
	dump_seg("ds", &s->ds);
	dump_seg("es", &s->es);
	dump_seg("fs", &s->fs);
	dump_seg("gs", &s->gs);
	dump_seg("tr", &s->tr);
	dump_seg("ldt", &s->ldt);
	fprintf(stderr, "  gdt=%016llx/%04x idt=%016llx/%04x\n"
	    "  cr0=%08llx cr2=%016llx cr3=%016llx cr4=%08llx cr8=%llx "
	    "efer=%llx apic_base=%llx\n",
	    s->gdt.base, s->gdt.limit, s->idt.base, s->idt.limit,
	    s->cr0, s->cr2, s->cr3, s->cr4, s->cr8, s->efer, s->apic_base);
}
