/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvm_pvm.c: the one place where the kvm backend adjusts to a kvm_pvm host
 * (/sys/module/kvm_pvm: KVM without VT-x/AMD-V, docs/kvm.md "Host KVM
 * faults"), and why.  Nothing here runs on any other KVM.
 *
 * kvm_pvm runs the guest's kernel code deprivileged under shadow paging and
 * hands every instruction it must not run natively, and every write to a
 * guest page its shadow MMU write-protects, to KVM's instruction emulator.
 * That emulator gives up (KVM_EXIT_INTERNAL_ERROR, suberror 1: F1) on two
 * instructions an unmodified 64-bit Linux executes:
 *
 *  - LOCK CMPXCHG16B (SLUB's cmpxchg_double on struct page, when that
 *    page is one the shadow MMU write-protects): KVM's emulator does the
 *    8-byte CMPXCHG8B only.  Linux uses CMPXCHG16B only where
 *    CPUID.1:ECX.CX16 says so and has lock-based fallbacks otherwise, so
 *    the table lhyve sets clears CX16 (kvm_pvm_cpuid).
 *  - INT3 outside real mode (Linux's int3_selftest at boot, text_poke_bp
 *    when another CPU runs into a site being patched): KVM's emulator
 *    delivers software interrupts in real mode only.  lhyve completes it
 *    (kvm_pvm_complete): #BP with RIP after the INT3.
 *
 * Anything else the emulator gives up on stays an emulation failure (exit
 * 4 with the register dump), as before.
 *
 * CPUID: kvm_pvm replaces some bits of the table (measured with
 * KVM_GET_CPUID2 right after KVM_SET_CPUID2: leaf 1 ECX/EDX gain the host
 * CPU's SSE3..AVX, XSAVE, etc., leaf 7 and leaf 0xD sub-leaves 0 and 1 are
 * the host's), but CX16 and TSC-deadline stay as lhyve sets them.  As leaf
 * 0xD sub-leaf 0 then describes the host's XSAVE features, the table also
 * gets the host's sub-leaves 2.. from KVM_GET_SUPPORTED_CPUID, so that the
 * XSAVE layout the guest reads is the one the host CPU uses (without them
 * Linux warns "XSAVE consistency problem" and turns XSAVE off).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/kvm/kvm_priv.h"

/*
 * Whether /dev/kvm is kvm_pvm: its module directory exists only where it
 * is loaded or built in (never on kvm_intel/kvm_amd alone).
 */
bool
kvm_host_is_pvm(void)
{
	return (access("/sys/module/kvm_pvm", F_OK) == 0);
}

/* CPUID.1:ECX.CX16: LOCK CMPXCHG16B (SDM 2A, CPUID table 3-10) */
#define CPUID1_ECX_CX16		(1u << 13)

/* A vCPU's table on kvm_pvm: no CX16; the host's leaf 0xD sub-leaves. */
int
kvm_pvm_cpuid(struct kvm_cpuid_table *t, const struct kvm_cpuid_table *sup)
{
	for (uint32_t i = 0; i < t->hdr.nent; i++) {
		if (t->e[i].function == 1)
			t->e[i].ecx &= ~CPUID1_ECX_CX16;
	}
	for (uint32_t i = 0; i < sup->hdr.nent; i++) {
		const struct kvm_cpuid_entry2 *s = &sup->e[i];

		if (s->function != 0xd || s->index == 0)
			continue;
		if (t->hdr.nent >= KVM_MAX_CPUID)
			return (-ENOSPC);
		t->e[t->hdr.nent++] = *s;
	}
	return (0);
}

/*
 * INT3 (SDM 2A "INT n/INTO/INT3/INT1"): a trap, #BP with RIP after the
 * one-byte instruction.  kvm_pvm delivers an injected #BP through the
 * guest's IDT with RIP as it is (measured with except64, docs/kvm.md).
 */
static int
complete_int3(struct kvm_vcpu_sc *sc)
{
	int error;

	if ((error = kvm_regs_load(sc)) != 0)
		return (error);
	sc->regs.rip += 1;
	sc->regs_dirty = true;
	if ((error = kvm_regs_flush(sc)) != 0)
		return (error);
	return (kvm_op_inject_exception(sc->vcpu, 3, 0, 0, 0));
}

/*
 * An emulation failure on a kvm_pvm host: 0 when lhyve completed the
 * instruction (KVM_RUN again), -ENOTSUP when it is not one of the two
 * above (the caller reports it), another -errno on an ioctl failure.
 */
int
kvm_pvm_complete(struct vcpu *vcpu, struct kvm_run *run)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	const uint8_t *b = run->emulation_failure.insn_bytes;
	int n = (int)run->emulation_failure.insn_size;

	if (!kvm_vm(vcpu->ctx)->pvm ||
	    run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    !(run->emulation_failure.flags &
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) ||
	    n < 1)
		return (-ENOTSUP);
	if (b[0] != 0xcc)
		return (-ENOTSUP);
	return (complete_int3(sc));
}
