/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvm_cpuid.c: the CPUID table a KVM vCPU gets (KVM_SET_CPUID2): the emu's
 * own CPU model (emu_cpuid, CPU-MODEL.md) leaf by leaf, with its feature
 * bits filtered by what this host's KVM can give (KVM_GET_SUPPORTED_CPUID),
 * per-vCPU APIC IDs, and the TSC/crystal leaves 0x15/0x16 telling the rates
 * this host really runs at.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/vlapic.h"
#include "vmm/kvm/kvm_priv.h"

/* The advertised LAPIC crystal with a 40 ns bus cycle: the emu's 25 MHz. */
#define CRYSTAL_HZ(bus_ns)	(1000000000U / (bus_ns))

static const struct kvm_cpuid_entry2 *
sup_find(const struct kvm_cpuid_table *sup, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < sup->hdr.nent; i++) {
		const struct kvm_cpuid_entry2 *s = &sup->e[i];
		if (s->function != fn)
			continue;
		if (!(s->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    s->index == idx)
			return (s);
	}
	return (NULL);
}

/*
 * Keep only the feature bits of one leaf that KVM supports (api.rst 4.46:
 * "userspace ... should not set bits not returned by this ioctl").  Which
 * registers are feature flags depends on the leaf (SDM 2A, CPUID); value
 * registers (signature, topology, brand, clocks) stay as the model says.
 * Two leaf-1 bits are the VMM's to define, not the CPU's: HTT (EDX 28, a
 * topology statement backed by the MADT) and HYPERVISOR (ECX 31).
 */
void
kvm_cpuid_filter(struct kvm_cpuid_entry2 *e, const struct kvm_cpuid_table *sup)
{
	const struct kvm_cpuid_entry2 *s = sup_find(sup, e->function, e->index);
	struct kvm_cpuid_entry2 none;

	if (s == NULL) {
		memset(&none, 0, sizeof(none));
		s = &none;
	}
	switch (e->function) {
	case 1:
		e->ecx &= s->ecx | (1u << 31);
		e->edx &= s->edx | (1u << 28);
		break;
	case 6:
		e->eax &= s->eax;
		break;
	case 7:
		e->ebx &= s->ebx;
		e->ecx &= s->ecx;
		e->edx &= s->edx;
		break;
	case 0x80000001:
		e->ecx &= s->ecx;
		e->edx &= s->edx;
		break;
	case 0x80000007:
		e->edx &= s->edx;
		break;
	case 0x80000008:
		/* no more physical-address bits than the host has */
		if (s->eax != 0 && (e->eax & 0xff) > (s->eax & 0xff))
			e->eax = (e->eax & ~0xffu) | (s->eax & 0xff);
		break;
	}
}

static int
add_leaf(struct kvm_cpuid_table *out, struct emu_cpu *cpu, uint32_t fn,
    uint32_t idx, bool indexed, const struct kvm_cpuid_table *sup)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t r[4];

	if (out->hdr.nent >= KVM_MAX_CPUID)
		return (-ENOSPC);
	e = &out->e[out->hdr.nent++];
	memset(e, 0, sizeof(*e));
	emu_cpuid(cpu, fn, idx, r);
	e->function = fn;
	e->index = idx;
	e->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	e->eax = r[0];
	e->ebx = r[1];
	e->ecx = r[2];
	e->edx = r[3];
	kvm_cpuid_filter(e, sup);
	return (0);
}

/*
 * The table for one vCPU.  tsc_khz is the guest TSC rate (KVM_GET_TSC_KHZ)
 * and apic_bus_ns the LAPIC timer's tick: leaf 0x15 gives the crystal as
 * the LAPIC timer's input and TSC = crystal * EBX / EAX (SDM 3B §18.7.3),
 * leaf 0x16 the base MHz.  Without tsc_khz the model's leaves stay.
 */
int
kvm_cpuid_build(struct vcpu *vcpu, const struct kvm_cpuid_table *sup,
    uint32_t tsc_khz, uint32_t apic_bus_ns, struct kvm_cpuid_table *out)
{
	struct emu_cpu *cpu;
	uint32_t r[4], maxb, maxe;
	int error = 0;

	/* emu_cpuid reads the vCPU, the VM, the x2APIC state and APIC_BASE */
	cpu = calloc(1, sizeof(*cpu));
	if (cpu == NULL)
		return (-ENOMEM);
	cpu->vcpu = vcpu;
	cpu->ctx = vcpu->ctx;
	cpu->x2apic = vcpu->backend != NULL ? kvm_sc(vcpu)->x2apic :
	    X2APIC_DISABLED;
	cpu->apic_base = VM_LAPIC_BASE | MSR_APIC_BASE_EN;

	memset(&out->hdr, 0, sizeof(out->hdr));
	emu_cpuid(cpu, 0, 0, r);
	maxb = r[0];
	for (uint32_t fn = 0; fn <= maxb && error == 0; fn++) {
		if (fn == 0xb) {
			/* topology: thread, core, then the invalid level */
			for (uint32_t sub = 0; sub < 3 && error == 0; sub++)
				error = add_leaf(out, cpu, fn, sub, true, sup);
		} else {
			error = add_leaf(out, cpu, fn, 0,
			    fn == 4 || fn == 7 || fn == 0xd, sup);
		}
	}
	emu_cpuid(cpu, 0x80000000, 0, r);
	maxe = r[0];
	for (uint32_t fn = 0x80000000; fn <= maxe && error == 0; fn++)
		error = add_leaf(out, cpu, fn, 0, false, sup);
	free(cpu);
	if (error != 0)
		return (error);

	for (uint32_t i = 0; i < out->hdr.nent && tsc_khz != 0; i++) {
		struct kvm_cpuid_entry2 *e = &out->e[i];
		uint32_t crystal = CRYSTAL_HZ(apic_bus_ns ? apic_bus_ns : 1);

		if (e->function == 0x15) {
			uint64_t tsc_hz = (uint64_t)tsc_khz * 1000;
			uint64_t q = (tsc_hz + crystal / 2) / crystal;
			int64_t err = (int64_t)(q * crystal) - (int64_t)tsc_hz;

			/*
			 * TSC Hz = crystal * EBX / EAX.  A whole ratio when
			 * that is within 10 ppm of the measured rate (KVM's
			 * own tsc_khz is no closer), as real Intel parts
			 * give, since simple guests divide EBX by EAX.
			 */
			if (q > 0 && (err < 0 ? -err : err) * 100000 <=
			    (int64_t)tsc_hz) {
				e->eax = 1;
				e->ebx = (uint32_t)q;
			} else {
				e->eax = crystal / 1000;
				e->ebx = tsc_khz;
			}
			e->ecx = crystal;
		} else if (e->function == 0x16) {
			e->eax = tsc_khz / 1000;
			e->ebx = tsc_khz / 1000;
		}
	}
	return (0);
}

/* KVM_SET_CPUID2 for a vCPU (again after -x changes the x2APIC bit). */
int
kvm_cpuid_set(struct vcpu *vcpu)
{
	struct kvm_vm *vm = kvm_vm(vcpu->ctx);
	struct kvm_cpuid_table *t;
	int error;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return (-ENOMEM);
	error = kvm_cpuid_build(vcpu, &vm->supported, vm->tsc_khz,
	    vm->apic_bus_ns, t);
	if (error == 0 && ioctl(kvm_sc(vcpu)->fd, KVM_SET_CPUID2, t) != 0)
		error = -errno;
	free(t);
	return (error);
}
