/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vmm.h: the backend seam.  Everything above this line (bhyverun, vmexit,
 * devices, platform, boot) talks to a VM only through these calls, shaped
 * after bhyve's libvmmapi.  Below it sit two backends: kvm (Linux KVM) and
 * emu (lhyve's own x86-64 emulator).  Only src/vmm/ knows how guest
 * instructions run.
 *
 * Conventions: calls return 0 on success and -errno on failure; pointers
 * are NULL on failure with errno set.
 */
#ifndef LHYVE_VMM_H
#define LHYVE_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmctx;
struct vcpu;

/* ---- guest physical memory layout (ARCHITECTURE.md) ---- */
#define VM_LOWMEM_LIMIT   (3ULL << 30)  /* lowmem ends at 3 GiB */
#define VM_HIGHMEM_BASE   (4ULL << 30)  /* highmem starts at 4 GiB */
#define VM_PCI_HOLE_BASE  VM_LOWMEM_LIMIT
#define VM_IOAPIC_BASE    0xFEC00000ULL
#define VM_HPET_BASE      0xFED00000ULL
#define VM_LAPIC_BASE     0xFEE00000ULL
#define VM_MAXCPU         64

/* ---- registers (bhyve's enum vm_reg_name, subset) ---- */
enum vm_reg_name {
	VM_REG_GUEST_RAX, VM_REG_GUEST_RBX, VM_REG_GUEST_RCX, VM_REG_GUEST_RDX,
	VM_REG_GUEST_RSI, VM_REG_GUEST_RDI, VM_REG_GUEST_RBP, VM_REG_GUEST_R8,
	VM_REG_GUEST_R9, VM_REG_GUEST_R10, VM_REG_GUEST_R11, VM_REG_GUEST_R12,
	VM_REG_GUEST_R13, VM_REG_GUEST_R14, VM_REG_GUEST_R15,
	VM_REG_GUEST_CR0, VM_REG_GUEST_CR3, VM_REG_GUEST_CR4, VM_REG_GUEST_DR7,
	VM_REG_GUEST_RSP, VM_REG_GUEST_RIP, VM_REG_GUEST_RFLAGS,
	/* segment registers: get/set_register reads/writes the selector,
	 * get/set_desc the hidden descriptor cache */
	VM_REG_GUEST_ES, VM_REG_GUEST_CS, VM_REG_GUEST_SS, VM_REG_GUEST_DS,
	VM_REG_GUEST_FS, VM_REG_GUEST_GS, VM_REG_GUEST_LDTR, VM_REG_GUEST_TR,
	VM_REG_GUEST_IDTR, VM_REG_GUEST_GDTR,
	VM_REG_GUEST_EFER, VM_REG_GUEST_CR2, VM_REG_GUEST_CR8,
	VM_REG_GUEST_INTR_SHADOW,
	VM_REG_GUEST_FS_BASE, VM_REG_GUEST_GS_BASE, VM_REG_GUEST_KGS_BASE,
	VM_REG_LAST
};

/*
 * Segment access rights in the VMX layout bhyve uses:
 * [3:0] type, [4] S, [6:5] DPL, [7] P, [12] AVL, [13] L, [14] D/B, [15] G,
 * [16] unusable.
 */
#define SEG_ACC_TYPE(t)   ((t) & 0xf)
#define SEG_ACC_S         (1u << 4)
#define SEG_ACC_DPL(d)    (((d) & 3u) << 5)
#define SEG_ACC_P         (1u << 7)
#define SEG_ACC_AVL       (1u << 12)
#define SEG_ACC_L         (1u << 13)
#define SEG_ACC_DB        (1u << 14)
#define SEG_ACC_G         (1u << 15)
#define SEG_ACC_UNUSABLE  (1u << 16)

/* ---- capabilities (bhyve's enum vm_cap_type) ---- */
enum vm_cap_type {
	VM_CAP_HALT_EXIT,       /* HLT returns VM_EXITCODE_HLT */
	VM_CAP_MTRAP_EXIT,      /* single-step: exit after every instruction */
	VM_CAP_PAUSE_EXIT,      /* PAUSE returns VM_EXITCODE_PAUSE */
	VM_CAP_UNRESTRICTED_GUEST,
	VM_CAP_ENABLE_INVPCID,
	VM_CAP_BPT_EXIT,        /* INT3 returns VM_EXITCODE_BPT, not #BP (gdb) */
	VM_CAP_MAX
};

enum x2apic_state { X2APIC_DISABLED, X2APIC_ENABLED, X2APIC_STATE_LAST };

enum vm_suspend_how {
	VM_SUSPEND_NONE,
	VM_SUSPEND_RESET,
	VM_SUSPEND_POWEROFF,
	VM_SUSPEND_HALT,
	VM_SUSPEND_TRIPLEFAULT,
	VM_SUSPEND_LAST
};

/* ---- exits ---- */
enum vm_exitcode {
	VM_EXITCODE_INOUT,      /* port I/O, one element (string I/O is unrolled) */
	VM_EXITCODE_MMIO,       /* access to guest-physical address with no RAM */
	VM_EXITCODE_RDMSR,      /* MSR the backend does not own */
	VM_EXITCODE_WRMSR,
	VM_EXITCODE_HLT,        /* only with VM_CAP_HALT_EXIT */
	VM_EXITCODE_PAUSE,      /* only with VM_CAP_PAUSE_EXIT */
	VM_EXITCODE_MTRAP,      /* VM_CAP_MTRAP_EXIT: one instruction ran */
	VM_EXITCODE_SPINUP_AP,  /* an AP received INIT+SIPI */
	VM_EXITCODE_SUSPENDED,  /* reset, power-off, halt, triple fault */
	VM_EXITCODE_DEBUG,      /* the vCPU was asked to stop (vm_vcpu_kick) */
	VM_EXITCODE_INST_EMUL,  /* the backend could not emulate an instruction */
	VM_EXITCODE_BOGUS,      /* nothing to do; run again */
	/* INT3 with VM_CAP_BPT_EXIT: rip on the INT3, not run; inst_length 1 */
	VM_EXITCODE_BPT,
	VM_EXITCODE_MAX
};

struct vm_exit {
	enum vm_exitcode exitcode;
	int inst_length;        /* of the instruction that exited, if known */
	uint64_t rip;           /* of the instruction that exited */
	union {
		struct {
			uint16_t port;
			uint8_t bytes;  /* 1, 2 or 4 */
			bool in;        /* in: handler fills eax */
			uint32_t eax;
		} inout;
		struct {
			uint64_t gpa;
			uint8_t bytes;  /* 1, 2, 4 or 8 */
			bool read;      /* read: handler fills data */
			uint64_t data;
		} mmio;
		struct {
			uint32_t code;  /* ecx */
			uint64_t wval;  /* wrmsr value */
			uint64_t rval;  /* rdmsr: handler fills */
		} msr;
		struct {
			int vcpu;       /* the AP to start */
			uint64_t rip;   /* vector << 12 */
		} spinup_ap;
		struct {
			enum vm_suspend_how how;
		} suspended;
		struct {
			uint8_t bytes[16];
			int nbytes;
			uint64_t gla;   /* linear address of the instruction */
			const char *why;
		} inst_emul;
	} u;
};

/*
 * What an exit handler tells the backend.  The emu backend calls the exit
 * handler synchronously from inside an instruction (port I/O, MMIO, MSR),
 * so that an instruction touching a device need not unwind; the kvm
 * backend returns from vm_run() and the run loop calls the same handler.
 */
#define VMEXIT_CONTINUE 0       /* handled; keep running the vCPU */
#define VMEXIT_ABORT    1       /* stop this vCPU: the VM is going away */
#define VMEXIT_FAULT_GP 2       /* MSR exits only: inject #GP(0) */

typedef int (*vm_exit_handler_t)(struct vcpu *vcpu, struct vm_exit *vme);

/* ---- lifecycle ---- */

/* Which backend: "auto" (kvm if /dev/kvm opens, else emu), "kvm", "emu". */
struct vmctx *vm_create(const char *name, const char *backend, int ncpus,
    char *err, size_t errlen);
void vm_destroy(struct vmctx *ctx);
const char *vm_backend_name(struct vmctx *ctx);
const char *vm_get_name(struct vmctx *ctx);
int vm_get_ncpus(struct vmctx *ctx);

/* The synchronous exit handler (see above); set before the first vm_run. */
void vm_set_exit_handler(struct vmctx *ctx, vm_exit_handler_t fn);

/* Ask every vCPU to leave vm_run with VM_EXITCODE_SUSPENDED. */
int vm_suspend(struct vmctx *ctx, enum vm_suspend_how how);
enum vm_suspend_how vm_get_suspend(struct vmctx *ctx);

/* ---- memory ---- */

/*
 * Guest RAM of 'size' bytes: lowmem from 0 to min(size, 3 GiB), the rest
 * from 4 GiB.  One host mapping backed by a memfd.
 */
int vm_setup_memory(struct vmctx *ctx, size_t size);
size_t vm_get_lowmem_size(struct vmctx *ctx);
size_t vm_get_highmem_size(struct vmctx *ctx);
/*
 * Host pointer for [gpa, gpa + len) if the whole range is guest RAM or ROM,
 * else NULL.  Never returns a pointer that lets len bytes run past it.
 */
void *vm_map_gpa(struct vmctx *ctx, uint64_t gpa, size_t len);
/*
 * A read-only (to the guest) memory region such as a boot ROM at
 * [gpa, gpa + len); returns the host pointer for lhyve to fill.
 */
void *vm_create_rom(struct vmctx *ctx, uint64_t gpa, size_t len);
/* Tell the backend that lhyve (e.g. device DMA) wrote guest memory. */
void vm_notify_write(struct vmctx *ctx, uint64_t gpa, size_t len);

/* ---- vCPUs ---- */
struct vcpu *vm_vcpu_open(struct vmctx *ctx, int vcpuid);
int vcpu_id(struct vcpu *vcpu);
struct vmctx *vcpu_ctx(struct vcpu *vcpu);
/* Run until an exit the caller must see.  Returns 0 with vme filled. */
int vm_run(struct vcpu *vcpu, struct vm_exit *vme);
/* Make vm_run return soon with VM_EXITCODE_DEBUG (any thread). */
void vm_vcpu_kick(struct vcpu *vcpu);
/* Put the vCPU in the architectural reset state (CS:IP F000:FFF0). */
int vm_vcpu_reset(struct vcpu *vcpu);
/* Start an AP in real mode at rip (bhyve's spinup_ap). */
int vm_vcpu_startup(struct vcpu *vcpu, uint64_t rip);

int vm_get_register(struct vcpu *vcpu, int reg, uint64_t *val);
int vm_set_register(struct vcpu *vcpu, int reg, uint64_t val);
int vm_get_desc(struct vcpu *vcpu, int reg, uint64_t *base, uint32_t *limit,
    uint32_t *access);
int vm_set_desc(struct vcpu *vcpu, int reg, uint64_t base, uint32_t limit,
    uint32_t access);
int vm_inject_exception(struct vcpu *vcpu, int vector, int errcode_valid,
    uint32_t errcode, int restart_instruction);
int vm_get_capability(struct vcpu *vcpu, enum vm_cap_type cap, int *val);
int vm_set_capability(struct vcpu *vcpu, enum vm_cap_type cap, int val);
int vm_get_x2apic_state(struct vcpu *vcpu, enum x2apic_state *s);
int vm_set_x2apic_state(struct vcpu *vcpu, enum x2apic_state s);

/*
 * x87/MMX/SSE state (for gdb) as a 512-byte FXSAVE image in the 64-bit
 * layout of SDM vol. 1 §10.5.1 table 10-2 (REX.W FXSAVE64), whatever the
 * guest's mode: FCW 0, FSW 2, abridged FTW 4, FOP 6, FIP 8 and FDP 16
 * (64 bits each), MXCSR 24, MXCSR_MASK 28, ST0-ST7 at 32 + 16 * i (80 bits,
 * stack order), XMM0-XMM15 at 160 + 16 * i; the rest zero.  The vCPU must
 * not be running.  vm_set_fpu ignores MXCSR_MASK and returns -EINVAL for
 * an MXCSR with bits outside it (FXRSTOR would #GP); -ENOTSUP where the
 * backend has no such access.
 */
#define VM_FXSAVE_SIZE	512
int vm_get_fpu(struct vcpu *vcpu, void *fxsave);
int vm_set_fpu(struct vcpu *vcpu, const void *fxsave);

/* ---- interrupts ---- */
int vm_isa_assert_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq);
int vm_isa_deassert_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq);
int vm_isa_pulse_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq);
int vm_ioapic_assert_irq(struct vmctx *ctx, int irq);
int vm_ioapic_deassert_irq(struct vmctx *ctx, int irq);
int vm_ioapic_pulse_irq(struct vmctx *ctx, int irq);
int vm_lapic_msi(struct vmctx *ctx, uint64_t addr, uint64_t msg);
int vm_inject_nmi(struct vcpu *vcpu);
/*
 * The HPET's legacy replacement route is on (LEG_RT_CNF, HPET spec 1.0a
 * §2.3.8.2.4): the backend's PIT no longer drives IRQ 0 / IOAPIC pin 2.
 */
int vm_hpet_legacy(struct vmctx *ctx, bool on);

/* ---- statistics (bhyve's bhyvestats) ---- */
enum vm_stat {
	VMST_EXITS_TOTAL,
	VMST_EXITS_INOUT,
	VMST_EXITS_MMIO,
	VMST_EXITS_MSR,
	VMST_EXITS_HLT,
	VMST_EXITS_PAUSE,
	VMST_EXITS_OTHER,
	VMST_INSNS,             /* instructions executed (emu) */
	VMST_UD_UNIMPL,         /* #UD raised for unimplemented instructions */
	VMST_EXCEPTIONS,        /* exceptions delivered */
	VMST_LAST
};
int vm_get_stats(struct vcpu *vcpu, uint64_t stats[VMST_LAST]);
const char *vm_get_stat_desc(enum vm_stat idx);

#endif /* LHYVE_VMM_H */
