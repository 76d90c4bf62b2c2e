/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvm_priv.h: what the files of the kvm backend (src/vmm/kvm/) share: the
 * backend's VM and vCPU state, and the pure functions (memory-slot layout,
 * CPUID filtering, exit translation) that tests/unit/test_kvm.c checks
 * without a /dev/kvm.
 */
#ifndef LHYVE_KVM_PRIV_H
#define LHYVE_KVM_PRIV_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdatomic.h>

#include "vmm/vmm_priv.h"

/* Newer than the uapi headers of Debian 12 (Linux 6.11, api.rst 7.36). */
#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS 237
#endif

/*
 * Guest-physical pages KVM needs for itself on Intel (api.rst 4.48/4.58):
 * the real-mode TSS (3 pages) and the EPT identity map (1 page).  Placed
 * just below 0xFF000000, in the PCI hole above the LAPIC page and below
 * the highest place a boot ROM (at most 16 MiB, ending at 4 GiB) reaches.
 */
#define KVM_IDENTITY_MAP_GPA	0xfeffc000ULL
#define KVM_TSS_GPA		0xfeffd000ULL

/*
 * GSI routing (kvm.c): GSIs 0-23 are IOAPIC pins (GSI 0 also PIC pin 0 and
 * it goes to IOAPIC pin 2: the in-kernel PIT raises GSI 0, and our MADT
 * overrides ISA IRQ 0 to pin 2); GSIs 24-39 are the 8259 pins alone, so
 * that vm_isa_*_irq can drive the PIC and the IOAPIC separately; GSI 40 is
 * IOAPIC pin 0 for devices that use it.
 */
#define KVM_GSI_PIC_BASE	24
#define KVM_GSI_IOAPIC_PIN0	40	/* IOAPIC pin 0 alone */
#define KVM_NR_IOAPIC_PINS	24

/* One KVM memory slot: a non-overlapping piece of the memsegs. */
struct kvm_slot_desc {
	uint64_t gpa;
	uint64_t len;
	uint8_t *host;
	bool readonly;
};
#define KVM_MAX_SLOTS	(2 * VM_MAX_MEMSEGS + 1)

/* A KVM_GET_SUPPORTED_CPUID answer, or a CPUID table to set. */
#define KVM_MAX_CPUID	128
struct kvm_cpuid_table {
	struct kvm_cpuid2 hdr;
	struct kvm_cpuid_entry2 e[KVM_MAX_CPUID];
};

struct kvm_vm {
	int kvmfd, vmfd;
	int run_size;                   /* of each vCPU's kvm_run mapping */
	uint32_t apic_bus_ns;           /* LAPIC timer tick: 40, else 1 */
	uint32_t tsc_khz;               /* the guest TSC rate */
	struct kvm_cpuid_table supported;
	int nslots;                     /* slots in use, 0..nslots-1 */
	bool hpet_legacy;
	pthread_mutex_t mtx;            /* irq lines, PIT state */
	uint8_t imcr_sel, imcr;         /* IMCR ports 0x22/0x23 */
	_Atomic int nactive;            /* vCPUs that have entered vm_run */
	_Atomic int nhalted;            /* of those, in HLT with IF=0 */
	_Atomic unsigned halt_gen;      /* halt-check round (kvm_run.c) */
	bool guestdbg;                  /* KVM_CAP_SET_GUEST_DEBUG (-G) */
	uint32_t guestdbg2;             /* KVM_CAP_SET_GUEST_DEBUG2 flags */
};

struct kvm_vcpu_sc {
	struct vcpu *vcpu;
	int fd;
	struct kvm_run *run;
	_Atomic pthread_t thread;
	_Atomic bool have_thread;
	_Atomic int kick;               /* vm_vcpu_kick: leave vm_run */
	bool active;                    /* counted in nactive */
	bool halt_counted;              /* counted in nhalted */
	bool ran;                       /* KVM_RUN was called */
	int next_ap;                    /* BSP: next AP to announce */
	bool in_kernel_sipi;            /* AP: its SIPI comes from the LAPIC */
	bool caps[VM_CAP_MAX];
	/* -G (kvm_debug.c): KVM_SET_GUEST_DEBUG from caps[], applied by
	 * the vCPU's own thread before its next KVM_RUN */
	_Atomic bool dbg_dirty;
	uint32_t dbg_control;           /* what KVM has now */
	bool bpt_valid;                 /* the last exit was VM_EXITCODE_BPT */
	uint64_t bpt_rip;               /* ... at this INT3 */
	enum x2apic_state x2apic;
	_Atomic unsigned halt_seen;     /* halt-check generation last seen */
	timer_t peek;                   /* the halt check's periodic signal */
	bool peek_made;
	char why[128];                  /* vme->u.inst_emul.why points here */
	/* register caches (QEMU-style): loaded on demand, written before
	 * KVM_RUN, so that loaders may set registers in any order */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	bool regs_valid, sregs_valid, regs_dirty, sregs_dirty;
};

static inline struct kvm_vm *
kvm_vm(struct vmctx *ctx)
{
	return (ctx->backend);
}

static inline struct kvm_vcpu_sc *
kvm_sc(struct vcpu *vcpu)
{
	return (vcpu->backend);
}

/* kvm.c */
int kvm_slot_layout(const struct vm_memseg *seg, int nseg,
    struct kvm_slot_desc *out, int max);

/* kvm_cpuid.c */
int kvm_cpuid_build(struct vcpu *vcpu, const struct kvm_cpuid_table *sup,
    uint32_t tsc_khz, uint32_t apic_bus_ns, struct kvm_cpuid_table *out);
void kvm_cpuid_filter(struct kvm_cpuid_entry2 *e,
    const struct kvm_cpuid_table *sup);
int kvm_cpuid_set(struct vcpu *vcpu);

/* kvm_regs.c */
int kvm_regs_load(struct kvm_vcpu_sc *sc);
int kvm_sregs_load(struct kvm_vcpu_sc *sc);
int kvm_regs_flush(struct kvm_vcpu_sc *sc);
void kvm_regs_invalidate(struct kvm_vcpu_sc *sc);
int kvm_vcpu_set_reset_state(struct kvm_vcpu_sc *sc);
void kvm_dump_regs(struct kvm_vcpu_sc *sc, const char *why);
int kvm_get_msr(struct kvm_vcpu_sc *sc, uint32_t msr, uint64_t *val);
int kvm_set_msr(struct kvm_vcpu_sc *sc, uint32_t msr, uint64_t val);
uint32_t kvm_seg_access(const struct kvm_segment *s);
void kvm_seg_from_access(struct kvm_segment *s, uint32_t access);
int kvm_op_get_register(struct vcpu *vcpu, int reg, uint64_t *val);
int kvm_op_set_register(struct vcpu *vcpu, int reg, uint64_t val);
int kvm_op_get_desc(struct vcpu *vcpu, int reg, uint64_t *base,
    uint32_t *limit, uint32_t *access);
int kvm_op_set_desc(struct vcpu *vcpu, int reg, uint64_t base,
    uint32_t limit, uint32_t access);
int kvm_op_inject_exception(struct vcpu *vcpu, int vector, int ec_valid,
    uint32_t ec, int restart);
int kvm_op_reset(struct vcpu *vcpu);
int kvm_op_startup(struct vcpu *vcpu, uint64_t rip);
int kvm_op_get_fpu(struct vcpu *vcpu, void *fxsave);
int kvm_op_set_fpu(struct vcpu *vcpu, const void *fxsave);

/* kvm_debug.c */
uint32_t kvm_guestdbg_control(const bool caps[VM_CAP_MAX],
    uint32_t supported2);
int kvm_guestdbg_apply(struct kvm_vcpu_sc *sc, uint32_t supported2,
    bool regs_written);
int kvm_xl_debug(struct vcpu *vcpu, struct kvm_run *run,
    struct vm_exit *vme);
int kvm_xl_emul_int3(struct vcpu *vcpu, struct kvm_run *run,
    struct vm_exit *vme);
int kvm_dbg_get_capability(struct vcpu *vcpu, enum vm_cap_type cap,
    int *val);
int kvm_dbg_set_capability(struct vcpu *vcpu, enum vm_cap_type cap, int val);
void kvm_dbg_soft_exception(struct kvm_vcpu_sc *sc, int vector);

/* kvm_run.c */
/* What kvm_exit_translate decided. */
#define KVM_XL_RESUME	0       /* exit handled: KVM_RUN again */
#define KVM_XL_RETURN	1       /* vme is filled: return from vm_run */
int kvm_exit_translate(struct vcpu *vcpu, struct kvm_run *run,
    struct vm_exit *vme);
int kvm_op_run(struct vcpu *vcpu, struct vm_exit *vme);
void kvm_op_kick(struct vcpu *vcpu);
int kvm_kick_signal_init(void);
int kvm_imcr_io(struct kvm_vm *vm, struct vm_exit *vme);

#endif /* LHYVE_KVM_PRIV_H */
