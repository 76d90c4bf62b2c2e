/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vmm_priv.h: what vmm.c shares with the backends (kvm/, emu/) and nothing
 * else: the VM and vCPU objects, the guest memory map, and the backend
 * operations table.  Only files under src/vmm/ include this.
 */
#ifndef LHYVE_VMM_PRIV_H
#define LHYVE_VMM_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "vmm/vmm.h"

/* One contiguous piece of guest-physical address space backed by host memory. */
struct vm_memseg {
	uint64_t gpa;
	uint64_t len;
	uint8_t *host;          /* host address of gpa */
	bool readonly;          /* guest writes are dropped (ROM) */
};

#define VM_MAX_MEMSEGS 8

struct vmm_ops;

struct vmctx {
	char name[64];
	const struct vmm_ops *ops;
	int ncpus;
	vm_exit_handler_t exit_handler;
	_Atomic int suspend;            /* enum vm_suspend_how, NONE while running */

	/* guest RAM: one memfd mapping, lowmem at 0, highmem at 4 GiB */
	int memfd;
	uint8_t *ram;                   /* host mapping of all RAM, lowmem first */
	size_t ramsize;
	size_t lowmem, highmem;
	struct vm_memseg seg[VM_MAX_MEMSEGS];
	int nseg;

	struct vcpu *vcpu[VM_MAXCPU];
	void *backend;                  /* the backend's own VM state */
};

struct vcpu {
	struct vmctx *ctx;
	int id;
	uint64_t stats[VMST_LAST];
	void *backend;                  /* the backend's own vCPU state */
};

/*
 * A backend.  vmm.c does argument checking, memory setup and bookkeeping,
 * then calls these.  Any op may be NULL where the backend has nothing to
 * do (then vmm.c returns -ENOTSUP or 0, as fits).
 */
struct vmm_ops {
	const char *name;
	/* 0 if this backend can run here (e.g. /dev/kvm opens), else -errno */
	int (*probe)(void);
	int (*vm_init)(struct vmctx *ctx);
	void (*vm_cleanup)(struct vmctx *ctx);
	/* guest memory layout changed (RAM set up, ROM added) */
	int (*memory_changed)(struct vmctx *ctx);
	void (*notify_write)(struct vmctx *ctx, uint64_t gpa, size_t len);
	int (*vcpu_init)(struct vcpu *vcpu);
	void (*vcpu_cleanup)(struct vcpu *vcpu);
	int (*run)(struct vcpu *vcpu, struct vm_exit *vme);
	void (*kick)(struct vcpu *vcpu);
	int (*reset)(struct vcpu *vcpu);
	int (*startup)(struct vcpu *vcpu, uint64_t rip);
	int (*get_register)(struct vcpu *vcpu, int reg, uint64_t *val);
	int (*set_register)(struct vcpu *vcpu, int reg, uint64_t val);
	int (*get_desc)(struct vcpu *vcpu, int reg, uint64_t *base,
	    uint32_t *limit, uint32_t *access);
	int (*set_desc)(struct vcpu *vcpu, int reg, uint64_t base,
	    uint32_t limit, uint32_t access);
	int (*inject_exception)(struct vcpu *vcpu, int vector, int ec_valid,
	    uint32_t ec, int restart);
	int (*get_capability)(struct vcpu *vcpu, enum vm_cap_type cap, int *val);
	int (*set_capability)(struct vcpu *vcpu, enum vm_cap_type cap, int val);
	int (*get_x2apic_state)(struct vcpu *vcpu, enum x2apic_state *s);
	int (*set_x2apic_state)(struct vcpu *vcpu, enum x2apic_state s);
	/* level: 1 assert, 0 deassert, -1 pulse */
	int (*isa_irq)(struct vmctx *ctx, int atpic_irq, int ioapic_irq, int level);
	int (*ioapic_irq)(struct vmctx *ctx, int irq, int level);
	int (*lapic_msi)(struct vmctx *ctx, uint64_t addr, uint64_t msg);
	int (*inject_nmi)(struct vcpu *vcpu);
	int (*hpet_legacy)(struct vmctx *ctx, bool on);
	/* the VM_FXSAVE_SIZE-byte image of vm_get_fpu/vm_set_fpu (vmm.h) */
	int (*get_fpu)(struct vcpu *vcpu, void *fxsave);
	int (*set_fpu)(struct vcpu *vcpu, const void *fxsave);
};

extern const struct vmm_ops vmm_ops_emu;
extern const struct vmm_ops vmm_ops_kvm;
/* Why the kvm backend's last probe or vm_init failed, in words ("" if not). */
const char *kvm_last_error(void);

/* Find the memory segment holding gpa, or NULL (then it is MMIO). */
static inline struct vm_memseg *
vm_find_memseg(struct vmctx *ctx, uint64_t gpa)
{
	for (int i = 0; i < ctx->nseg; i++) {
		struct vm_memseg *s = &ctx->seg[i];
		if (gpa - s->gpa < s->len)
			return (s);
	}
	return (NULL);
}

#endif /* LHYVE_VMM_PRIV_H */
