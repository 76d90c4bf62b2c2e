/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cpuid.c: the CPU model the emu backend presents (docs CPU-MODEL.md): the
 * CPUID leaves, the MSRs the backend owns (the rest exit to lhyve, where
 * x86.strictmsr decides), and the TSC, which runs from the host monotonic
 * clock at a fixed advertised frequency.
 */
#include <time.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/simd.h"
#include "vmm/emu/vlapic.h"
/* the advertised TSC: 2 GHz from a 25 MHz crystal (CPUID 0x15/0x16) */
#include "vmm/emu/vtimer.h"

/* family 6, model 0x3A, stepping 9 (an Ivy Bridge signature) */
#define EMU_SIGNATURE	0x000306a9U

uint64_t
emu_rdtsc(struct emu_cpu *cpu)
{
	/* the TSC counts the emu's one clock at EMU_TSC_HZ (CPUID 0x15) */
	return (emu_clock_ns() * (EMU_TSC_HZ / 1000000000ULL) +
	    cpu->tsc_offset);
}

static void
str4(uint32_t *r, const char *s)
{
	memcpy(r, s, 4);
}

static int
log2_up(int n)
{
	int b = 0;

	while ((1 << b) < n)
		b++;
	return (b);
}

void
emu_cpuid(struct emu_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	int ncpu = cpu->ctx->ncpus, id = cpu->vcpu->id;
	static const char brand[48] = "lhyve emu x86-64 CPU";

	r[0] = r[1] = r[2] = r[3] = 0;
	switch (leaf) {
	case 0:
		r[0] = 0x16;
		str4(&r[1], "Genu");
		str4(&r[3], "ineI");
		str4(&r[2], "ntel");
		break;
	case 1:
		r[0] = EMU_SIGNATURE;
		/* APIC ID, logical count, CLFLUSH size in 8-byte units */
		r[1] = ((uint32_t)id << 24) | ((ncpu & 0xff) << 16) | (8 << 8);
		/* ECX: SSE3, SSSE3, CX16, x2APIC when enabled, TSC-deadline,
		 * HYPERVISOR */
		r[2] = (1u << 13) | (1u << 24) | (1u << 31);
		/* SSE3 SSSE3 SSE4.1 SSE4.2 POPCNT run on the host's units */
		if (emu_simd_host_ok())
			r[2] |= (1u << 0) | (1u << 9) | (1u << 19) |
			    (1u << 20) | (1u << 23);
		if (cpu->x2apic == X2APIC_ENABLED)
			r[2] |= 1u << 21;
		/*
		 * EDX: FPU PSE TSC MSR PAE CX8 APIC SEP PGE CMOV PAT CLFSH
		 * MMX FXSR SSE SSE2 (+HTT).
		 */
		r[3] = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) |
		    (1u << 6) | (1u << 8) | (1u << 9) | (1u << 11) |
		    (1u << 13) | (1u << 15) | (1u << 16) | (1u << 19) |
		    (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26);
		if (ncpu > 1)
			r[3] |= 1u << 28;
		/* a globally disabled APIC hides itself (SDM 3A §10.4.3) */
		if (!(cpu->apic_base & MSR_APIC_BASE_EN))
			r[3] &= ~(1u << 9);
		break;
	case 6:
		r[0] = 1u << 2;		/* ARAT */
		break;
	case 7:
		/*
		 * Sub-leaf 0 EDX[29]: IA32_ARCH_CAPABILITIES exists (SDM 2
		 * "CPUID" table 3-8).  Nothing else in leaf 7 (max sub-leaf
		 * 0).  (IBRS/eIBRS instead of Linux's retpolines, with
		 * BHI_CTRL so that no BHB-clearing loop runs on each system
		 * call, was tried and measured no faster here.)
		 */
		if (sub == 0)
			r[3] = 1u << 29;
		break;
	case 0xb:
		/* x2APIC topology: one thread per core, ncpu cores */
		r[3] = id;
		if (sub == 0) {
			r[0] = 0;
			r[1] = 1;
			r[2] = (1u << 8) | sub;
		} else if (sub == 1) {
			r[0] = log2_up(ncpu);
			r[1] = ncpu;
			r[2] = (2u << 8) | sub;
		} else {
			r[2] = sub & 0xff;
		}
		break;
	case 0x15:
		r[0] = 1;
		r[1] = EMU_TSC_HZ / EMU_CRYSTAL_HZ;
		r[2] = EMU_CRYSTAL_HZ;
		break;
	case 0x16:
		r[0] = EMU_TSC_HZ / 1000000;
		r[1] = EMU_TSC_HZ / 1000000;
		r[2] = 100;
		break;
	case 0x80000000:
		r[0] = 0x80000008;
		break;
	case 0x80000001:
		r[2] = 1u << 0;		/* LAHF/SAHF in 64-bit mode */
		/* SYSCALL, NX, 1 GiB pages, RDTSCP, LM */
		r[3] = (1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) |
		    (1u << 29);
		break;
	case 0x80000002:
	case 0x80000003:
	case 0x80000004:
		memcpy(r, brand + (leaf - 0x80000002) * 16, 16);
		break;
	case 0x80000007:
		r[3] = 1u << 8;		/* invariant TSC */
		break;
	case 0x80000008:
		r[0] = 39 | (48 << 8);	/* physical, linear address bits */
		break;
	}
}

/* MSR numbers (SDM vol. 4) */
#define MSR_TSC			0x10
#define MSR_APIC_BASE		0x1b
#define MSR_BIOS_SIGN		0x8b
#define MSR_ARCH_CAP		0x10a
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_MISC_ENABLE		0x1a0
#define MSR_PAT			0x277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KGS_BASE		0xc0000102
#define MSR_TSC_AUX		0xc0000103
#define MSR_TSC_DEADLINE	0x6e0

/*
 * IA32_ARCH_CAPABILITIES (SDM 4 table 2-2): an interpreter has no
 * speculative execution, so it says "not affected" to every
 * transient-execution issue that has such a bit.  Linux then leaves out
 * KPTI (RDCL_NO: no CR3 switch, i.e. no TLB flush, on every system call
 * and interrupt), VERW on each return to user mode (MDS_NO, TAA_NO), the
 * ITS return and indirect-branch thunks (ITS_NO: a VMM that does not say
 * so gets them whatever the model) and the BHI, MMIO-stale-data, GDS and
 * RFDS mitigations.  Bits: RDCL_NO 0, SSB_NO 4, MDS_NO 5,
 * IF_PSCHANGE_MC_NO 6, TAA_NO 8, SBDR_SSDP_NO 13, FBSDP_NO 14, PSDP_NO 15,
 * BHI_NO 20, PBRSB_NO 24, GDS_NO 26, RFDS_NO 27, ITS_NO 62.
 */
#define EMU_ARCH_CAP	((1ULL << 0) | (1ULL << 4) | (1ULL << 5) | \
			    (1ULL << 6) | (1ULL << 8) | (1ULL << 13) | \
			    (1ULL << 14) | (1ULL << 15) | (1ULL << 20) | \
			    (1ULL << 24) | (1ULL << 26) | (1ULL << 27) | \
			    (1ULL << 62))

static bool
canonical(uint64_t v)
{
	return ((uint64_t)((int64_t)(v << 16) >> 16) == v);
}

/* 0 with *val for an owned MSR, -1 if lhyve's exit handler decides. */
int
emu_rdmsr_owned(struct emu_cpu *cpu, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_TSC: *val = emu_rdtsc(cpu); break;
	case MSR_APIC_BASE: *val = cpu->apic_base; break;
	case MSR_BIOS_SIGN: *val = 0; break;
	case MSR_ARCH_CAP: *val = EMU_ARCH_CAP; break;
	case MSR_SYSENTER_CS: *val = cpu->sysenter_cs; break;
	case MSR_SYSENTER_ESP: *val = cpu->sysenter_esp; break;
	case MSR_SYSENTER_EIP: *val = cpu->sysenter_eip; break;
	case MSR_MISC_ENABLE: *val = cpu->misc_enable; break;
	case MSR_PAT: *val = cpu->pat; break;
	case MSR_EFER: *val = cpu->efer; break;
	case MSR_STAR: *val = cpu->star; break;
	case MSR_LSTAR: *val = cpu->lstar; break;
	case MSR_CSTAR: *val = cpu->cstar; break;
	case MSR_SFMASK: *val = cpu->sfmask; break;
	case MSR_FS_BASE: *val = cpu->seg[EMU_FS].base; break;
	case MSR_GS_BASE: *val = cpu->seg[EMU_GS].base; break;
	case MSR_KGS_BASE: *val = cpu->kgs_base; break;
	case MSR_TSC_AUX: *val = cpu->tsc_aux; break;
	case MSR_TSC_DEADLINE:
	case 0x800 ... 0x8ff:
		/* x2APIC registers: #GP outside x2APIC mode or if absent */
		if (vlapic_rdmsr(cpu, msr, val) != 0)
			emu_fault(cpu, EXC_GP, 0);
		break;
	default:
		return (-1);
	}
	return (0);
}

/* Returns -1 when the guest gets #GP(0); *owned false: ask lhyve. */
int
emu_wrmsr_owned(struct emu_cpu *cpu, uint32_t msr, uint64_t val, bool *owned)
{
	uint64_t old;

	*owned = true;
	switch (msr) {
	case MSR_TSC:
		cpu->tsc_offset = 0;
		cpu->tsc_offset = val - emu_rdtsc(cpu);
		break;
	case MSR_APIC_BASE:
		/*
		 * SDM 3A §10.12.5: EN/EXTD go disabled -> xAPIC -> x2APIC,
		 * back only through disabled; the BSP bit is read-only.  The
		 * base may move (the page is decoded wherever it is).
		 */
		/* BSP (bit 8) may be written back as read; it is kept */
		if (val & ~(0x7ffffff000ULL | 0xc00ULL | MSR_APIC_BASE_BSP))
			return (-1);
		if ((val & 0xc00) == MSR_APIC_BASE_EXTD)
			return (-1);		/* EXTD without EN */
		old = cpu->apic_base;
		if ((old & 0xc00) == 0xc00 && (val & 0xc00) == 0x800)
			return (-1);		/* x2APIC -> xAPIC */
		if ((old & 0xc00) == 0 && (val & 0xc00) == 0xc00)
			return (-1);		/* disabled -> x2APIC */
		cpu->apic_base = (val & ~(uint64_t)MSR_APIC_BASE_BSP) |
		    (old & MSR_APIC_BASE_BSP);
		vlapic_base_changed(cpu, old);
		break;
	case MSR_BIOS_SIGN:
		break;
	case MSR_ARCH_CAP:
		return (-1);		/* read-only */
	case MSR_SYSENTER_CS: cpu->sysenter_cs = val & 0xffff; break;
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
		if (!canonical(val))
			return (-1);
		if (msr == MSR_SYSENTER_ESP)
			cpu->sysenter_esp = val;
		else
			cpu->sysenter_eip = val;
		break;
	case MSR_MISC_ENABLE: cpu->misc_enable = val; break;
	case MSR_PAT:
		/* each byte a valid memory type: 0, 1, 4, 5, 6, 7 */
		for (int i = 0; i < 8; i++) {
			unsigned t = (val >> (8 * i)) & 0xff;
			if (t > 7 || t == 2 || t == 3)
				return (-1);
		}
		cpu->pat = val;
		break;
	case MSR_EFER:
		old = cpu->efer;
		if (val & ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA |
		    EFER_NXE))
			return (-1);
		if ((cpu->cr0 & CR0_PG) && ((val ^ old) & EFER_LME))
			return (-1);
		/* LMA is read-only: the CPU sets it */
		cpu->efer = (val & ~(uint64_t)EFER_LMA) | (old & EFER_LMA);
		if ((val ^ old) & EFER_NXE)
			emu_tlb_flush(cpu);
		emu_update_mode(cpu);
		break;
	case MSR_STAR: cpu->star = val; break;
	case MSR_LSTAR:
	case MSR_CSTAR:
		if (!canonical(val))
			return (-1);
		if (msr == MSR_LSTAR)
			cpu->lstar = val;
		else
			cpu->cstar = val;
		break;
	case MSR_SFMASK: cpu->sfmask = val & 0xffffffff; break;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KGS_BASE:
		if (!canonical(val))
			return (-1);
		if (msr == MSR_FS_BASE)
			cpu->seg[EMU_FS].base = val;
		else if (msr == MSR_GS_BASE)
			cpu->seg[EMU_GS].base = val;
		else
			cpu->kgs_base = val;
		break;
	case MSR_TSC_AUX: cpu->tsc_aux = val & 0xffffffff; break;
	case MSR_TSC_DEADLINE:
	case 0x800 ... 0x8ff:
		if (vlapic_wrmsr(cpu, msr, val) != 0)
			return (-1);
		break;
	default:
		*owned = false;
		break;
	}
	return (0);
}
