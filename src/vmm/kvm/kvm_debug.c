/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvm_debug.c: the kvm backend's debugger hooks for the gdb server (-G),
 * bhyve's VM_CAP_BPT_EXIT and VM_CAP_MTRAP_EXIT on KVM_SET_GUEST_DEBUG
 * (Documentation/virt/kvm/api.rst 4.59): KVM_GUESTDBG_USE_SW_BP turns a
 * guest INT3 into KVM_EXIT_DEBUG with exception 3 (VM_EXITCODE_BPT, RIP on
 * the INT3), KVM_GUESTDBG_SINGLESTEP runs one instruction and exits with
 * exception 1 and DR6.BS (VM_EXITCODE_MTRAP).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/kvm/kvm_priv.h"

#define EXC_DB		1
#define EXC_BP		3
#define DR6_BS		(1ULL << 14)	/* single step (SDM 3B §18.2.3) */

/*
 * The KVM_SET_GUEST_DEBUG control word for the vCPU's capabilities.
 * While stepping, KVM_GUESTDBG_BLOCKIRQ (Linux 5.15+, announced through
 * KVM_CAP_SET_GUEST_DEBUG2) keeps interrupts out: KVM steps with the
 * guest's own RFLAGS.TF, so an interrupt taken during the step would push
 * that TF into the guest's stack frame and run the whole handler first.
 */
uint32_t
kvm_guestdbg_control(const bool caps[VM_CAP_MAX], uint32_t supported2)
{
	uint32_t c = 0;

	if (caps[VM_CAP_BPT_EXIT])
		c |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
	if (caps[VM_CAP_MTRAP_EXIT]) {
		c |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
		if (supported2 & KVM_GUESTDBG_BLOCKIRQ)
			c |= KVM_GUESTDBG_BLOCKIRQ;
	}
	return (c);
}

/*
 * On the vCPU's thread, after the register caches were written back and
 * before KVM_RUN.  KVM remembers the linear RIP a step starts at when
 * KVM_SET_GUEST_DEBUG is called (and sets TF only while RIP is there), so
 * a step is armed again whenever lhyve wrote the registers (gdb's "s
 * addr", a reinjected #BP).
 */
int
kvm_guestdbg_apply(struct kvm_vcpu_sc *sc, uint32_t supported2,
    bool regs_written)
{
	struct kvm_guest_debug dbg;
	bool dirty = atomic_exchange(&sc->dbg_dirty, false);
	uint32_t want = kvm_guestdbg_control(sc->caps, supported2);

	if (!dirty && !(regs_written && (want & KVM_GUESTDBG_SINGLESTEP)))
		return (0);
	if (want == sc->dbg_control && !(want & KVM_GUESTDBG_SINGLESTEP))
		return (0);
	memset(&dbg, 0, sizeof(dbg));
	dbg.control = want;
	if (ioctl(sc->fd, KVM_SET_GUEST_DEBUG, &dbg) != 0)
		return (-errno);
	sc->dbg_control = want;
	return (0);
}

/*
 * KVM_EXIT_DEBUG.  KVM_XL_RETURN with vme filled, KVM_XL_RESUME for a
 * stale step exit, -ENOTSUP for an exception lhyve never asked for (the
 * caller reports it).  RIP from the register cache (KVM leaves it on the
 * INT3: #BP is intercepted as a fault); debug.arch.pc is CS.base + RIP and
 * only a fallback.
 */
int
kvm_xl_debug(struct vcpu *vcpu, struct kvm_run *run, struct vm_exit *vme)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	uint64_t rip = run->debug.arch.pc;

	if (kvm_regs_load(sc) == 0)
		rip = sc->regs.rip;
	memset(vme, 0, sizeof(*vme));
	vme->rip = rip;
	switch (run->debug.arch.exception) {
	case EXC_BP:
		/*
		 * gdb's INT3 or the guest's own: gdb.c tells them apart and
		 * reinjects #BP for the guest's (kvm_dbg_soft_exception).
		 * gdb only plants the one-byte 0xCC.
		 */
		vme->exitcode = VM_EXITCODE_BPT;
		vme->inst_length = 1;
		sc->bpt_valid = true;
		sc->bpt_rip = rip;
		vcpu->stats[VMST_EXITS_OTHER]++;
		return (KVM_XL_RETURN);
	case EXC_DB:
		/*
		 * While stepping KVM hands every #DB to userspace, the step's
		 * (DR6.BS) and any the guest raised itself: either ends the
		 * step (the guest's own #DB is not delivered).  A step exit
		 * after stepping was turned off is stale: run on.
		 */
		if (!sc->caps[VM_CAP_MTRAP_EXIT]) {
			if (run->debug.arch.dr6 & DR6_BS)
				return (KVM_XL_RESUME);
			return (-ENOTSUP);
		}
		vme->exitcode = VM_EXITCODE_MTRAP;
		vcpu->stats[VMST_EXITS_OTHER]++;
		return (KVM_XL_RETURN);
	}
	return (-ENOTSUP);
}

int
kvm_dbg_get_capability(struct vcpu *vcpu, enum vm_cap_type cap, int *val)
{
	if (!kvm_vm(vcpu->ctx)->guestdbg)
		return (-ENOTSUP);
	*val = kvm_sc(vcpu)->caps[cap];
	return (0);
}

/* Any thread (gdb's, while the vCPU is out of vm_run): applied later. */
int
kvm_dbg_set_capability(struct vcpu *vcpu, enum vm_cap_type cap, int val)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);

	if (!kvm_vm(vcpu->ctx)->guestdbg)
		return (-ENOTSUP);
	sc->caps[cap] = val != 0;
	atomic_store(&sc->dbg_dirty, true);
	return (0);
}

/*
 * Before a #BP is queued for the guest.  After an intercepted #BP
 * (KVM_EXIT_DEBUG) KVM delivers #BP as a software exception (SDM 3C
 * §26.6.1.1): the return address it pushes is RIP plus the length of the
 * instruction that exited (VMX event_exit_inst_len, SVM's next_rip), i.e.
 * KVM expects RIP on the INT3.  gdb.c, written to
 * the seam's rule that RIP is the return address, has already moved RIP
 * past the INT3 of the last VM_EXITCODE_BPT; put it back on the INT3 so
 * that the guest's handler sees the right frame.
 */
void
kvm_dbg_soft_exception(struct kvm_vcpu_sc *sc, int vector)
{
	if (vector != EXC_BP || !sc->bpt_valid || kvm_regs_load(sc) != 0)
		return;
	if (sc->regs.rip == sc->bpt_rip + 1) {
		sc->regs.rip = sc->bpt_rip;
		sc->regs_dirty = true;
	}
}

/*
 * KVM_EXIT_INTERNAL_ERROR (emulation) on an INT3 while VM_CAP_BPT_EXIT is
 * on: a host KVM whose instruction emulator sees INT3 before the
 * exception intercept does (kvm_pvm, docs/kvm.md F1: INT3 outside real
 * mode fails there with or without KVM_SET_GUEST_DEBUG) gave up on
 * exactly the instruction -G asked to exit on, before it changed any
 * state (RIP is still on it).  So it is that exit: VM_EXITCODE_BPT.
 * KVM_XL_RETURN, or -ENOTSUP when this is some other failure.
 */
int
kvm_xl_emul_int3(struct vcpu *vcpu, struct kvm_run *run, struct vm_exit *vme)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);

	if (!sc->caps[VM_CAP_BPT_EXIT] ||
	    run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    !(run->emulation_failure.flags &
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) ||
	    run->emulation_failure.insn_size < 1 ||
	    run->emulation_failure.insn_bytes[0] != 0xcc ||
	    kvm_regs_load(sc) != 0)
		return (-ENOTSUP);
	memset(vme, 0, sizeof(*vme));
	vme->exitcode = VM_EXITCODE_BPT;
	vme->rip = sc->regs.rip;
	vme->inst_length = 1;
	/*
	 * No #BP was intercepted, so KVM knows no instruction length for a
	 * reinjected #BP: kvm_pvm then pushes RIP as it is (measured), and
	 * gdb.c's RIP past the INT3 stays (no kvm_dbg_soft_exception).
	 */
	sc->bpt_valid = false;
	vcpu->stats[VMST_EXITS_OTHER]++;
	return (KVM_XL_RETURN);
}
