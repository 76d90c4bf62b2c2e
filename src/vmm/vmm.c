/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vmm.c: the backend-independent half of the seam: backend choice, guest
 * memory (one memfd mapping, lowmem below 3 GiB and highmem from 4 GiB),
 * ROM regions, vCPU bookkeeping and statistics, and dispatch of every
 * vm_* call to the chosen backend's operations.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/vmm_priv.h"

/*
 * The backend choice.  "auto" picks emu, the backend every test tier
 * proves here, even where /dev/kvm works: see docs/kvm.md ("Choosing a
 * backend") for why and for what would change that.  "kvm" is refused
 * with one line saying what is missing and that emu works.
 */
static const struct vmm_ops *
backend_lookup(const char *name, char *err, size_t errlen)
{
	int error;

	if (name == NULL || strcmp(name, "auto") == 0)
		return (&vmm_ops_emu);
	if (strcmp(name, "emu") == 0)
		return (&vmm_ops_emu);
	if (strcmp(name, "kvm") == 0) {
		error = vmm_ops_kvm.probe();
		if (error != 0) {
			snprintf(err, errlen, "backend=kvm: %s; -o backend=emu "
			    "runs without KVM", kvm_last_error()[0] != '\0' ?
			    kvm_last_error() : strerror(-error));
			return (NULL);
		}
		return (&vmm_ops_kvm);
	}
	snprintf(err, errlen, "backend=%s: unknown backend (auto, kvm or emu)",
	    name);
	return (NULL);
}

struct vmctx *
vm_create(const char *name, const char *backend, int ncpus, char *err,
    size_t errlen)
{
	const struct vmm_ops *ops;
	struct vmctx *ctx;
	int error;

	if (ncpus < 1 || ncpus > VM_MAXCPU) {
		snprintf(err, errlen, "%d vCPUs: must be 1 to %d", ncpus,
		    VM_MAXCPU);
		errno = EINVAL;
		return (NULL);
	}
	ops = backend_lookup(backend, err, errlen);
	if (ops == NULL) {
		errno = ENOTSUP;
		return (NULL);
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	snprintf(ctx->name, sizeof(ctx->name), "%s", name ? name : "vm");
	ctx->ops = ops;
	ctx->ncpus = ncpus;
	ctx->memfd = -1;
	atomic_store(&ctx->suspend, VM_SUSPEND_NONE);
	if (ops->vm_init != NULL && (error = ops->vm_init(ctx)) != 0) {
		snprintf(err, errlen, "backend %s: %s", ops->name,
		    ops == &vmm_ops_kvm && kvm_last_error()[0] != '\0' ?
		    kvm_last_error() : strerror(-error));
		free(ctx);
		errno = -error;
		return (NULL);
	}
	return (ctx);
}

void
vm_destroy(struct vmctx *ctx)
{
	if (ctx == NULL)
		return;
	for (int i = 0; i < VM_MAXCPU; i++) {
		if (ctx->vcpu[i] == NULL)
			continue;
		if (ctx->ops->vcpu_cleanup != NULL)
			ctx->ops->vcpu_cleanup(ctx->vcpu[i]);
		free(ctx->vcpu[i]);
	}
	if (ctx->ops->vm_cleanup != NULL)
		ctx->ops->vm_cleanup(ctx);
	for (int i = 0; i < ctx->nseg; i++) {
		struct vm_memseg *s = &ctx->seg[i];
		if (s->readonly)
			munmap(s->host, s->len);
	}
	if (ctx->ram != NULL)
		munmap(ctx->ram, ctx->ramsize);
	if (ctx->memfd >= 0)
		close(ctx->memfd);
	free(ctx);
}

const char *
vm_backend_name(struct vmctx *ctx)
{
	return (ctx->ops->name);
}

const char *
vm_get_name(struct vmctx *ctx)
{
	return (ctx->name);
}

int
vm_get_ncpus(struct vmctx *ctx)
{
	return (ctx->ncpus);
}

void
vm_set_exit_handler(struct vmctx *ctx, vm_exit_handler_t fn)
{
	ctx->exit_handler = fn;
}

int
vm_suspend(struct vmctx *ctx, enum vm_suspend_how how)
{
	int expected = VM_SUSPEND_NONE;

	if (how <= VM_SUSPEND_NONE || how >= VM_SUSPEND_LAST)
		return (-EINVAL);
	/* The first reason wins, as in bhyve's vm_suspend(). */
	if (!atomic_compare_exchange_strong(&ctx->suspend, &expected, how))
		return (-EALREADY);
	for (int i = 0; i < VM_MAXCPU; i++)
		if (ctx->vcpu[i] != NULL)
			vm_vcpu_kick(ctx->vcpu[i]);
	return (0);
}

enum vm_suspend_how
vm_get_suspend(struct vmctx *ctx)
{
	return (atomic_load(&ctx->suspend));
}

/* ---- memory ---- */

/* Insert a segment; ROM goes before RAM so that it shadows it (the legacy
 * BIOS alias below 1 MiB). */
static int
memseg_add(struct vmctx *ctx, uint64_t gpa, uint64_t len, uint8_t *host,
    bool readonly)
{
	int pos;

	if (ctx->nseg >= VM_MAX_MEMSEGS)
		return (-ENOSPC);
	pos = readonly ? 0 : ctx->nseg;
	memmove(&ctx->seg[pos + 1], &ctx->seg[pos],
	    (ctx->nseg - pos) * sizeof(ctx->seg[0]));
	ctx->seg[pos] = (struct vm_memseg){ gpa, len, host, readonly };
	ctx->nseg++;
	return (0);
}

int
vm_setup_memory(struct vmctx *ctx, size_t size)
{
	uint8_t *p;
	int fd, error;

	if (ctx->ram != NULL)
		return (-EEXIST);
	if (size < (1 << 20) || (size & 0xfff) != 0)
		return (-EINVAL);
	fd = memfd_create("lhyve-ram", MFD_CLOEXEC);
	if (fd < 0)
		return (-errno);
	if (ftruncate(fd, size) != 0) {
		error = -errno;
		close(fd);
		return (error);
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
	    fd, 0);
	if (p == MAP_FAILED) {
		error = -errno;
		close(fd);
		return (error);
	}
	ctx->memfd = fd;
	ctx->ram = p;
	ctx->ramsize = size;
	ctx->lowmem = size < VM_LOWMEM_LIMIT ? size : VM_LOWMEM_LIMIT;
	ctx->highmem = size - ctx->lowmem;
	memseg_add(ctx, 0, ctx->lowmem, p, false);
	if (ctx->highmem > 0)
		memseg_add(ctx, VM_HIGHMEM_BASE, ctx->highmem, p + ctx->lowmem,
		    false);
	if (ctx->ops->memory_changed != NULL)
		return (ctx->ops->memory_changed(ctx));
	return (0);
}

size_t
vm_get_lowmem_size(struct vmctx *ctx)
{
	return (ctx->lowmem);
}

size_t
vm_get_highmem_size(struct vmctx *ctx)
{
	return (ctx->highmem);
}

void *
vm_map_gpa(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	struct vm_memseg *s;

	s = vm_find_memseg(ctx, gpa);
	if (s == NULL || len > s->len - (gpa - s->gpa))
		return (NULL);
	return (s->host + (gpa - s->gpa));
}

void *
vm_create_rom(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	uint8_t *p;
	int error;

	if (len == 0 || (len & 0xfff) != 0 || (gpa & 0xfff) != 0 ||
	    gpa + len < gpa) {
		errno = EINVAL;
		return (NULL);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return (NULL);
	error = memseg_add(ctx, gpa, len, p, true);
	if (error == 0 && ctx->ops->memory_changed != NULL)
		error = ctx->ops->memory_changed(ctx);
	if (error != 0) {
		munmap(p, len);
		errno = -error;
		return (NULL);
	}
	return (p);
}

void
vm_notify_write(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	if (ctx->ops->notify_write != NULL)
		ctx->ops->notify_write(ctx, gpa, len);
}

/* ---- vCPUs ---- */

struct vcpu *
vm_vcpu_open(struct vmctx *ctx, int vcpuid)
{
	struct vcpu *vcpu;
	int error;

	if (vcpuid < 0 || vcpuid >= ctx->ncpus) {
		errno = EINVAL;
		return (NULL);
	}
	if (ctx->vcpu[vcpuid] != NULL)
		return (ctx->vcpu[vcpuid]);
	vcpu = calloc(1, sizeof(*vcpu));
	if (vcpu == NULL)
		return (NULL);
	vcpu->ctx = ctx;
	vcpu->id = vcpuid;
	if (ctx->ops->vcpu_init != NULL &&
	    (error = ctx->ops->vcpu_init(vcpu)) != 0) {
		free(vcpu);
		errno = -error;
		return (NULL);
	}
	ctx->vcpu[vcpuid] = vcpu;
	return (vcpu);
}

int
vcpu_id(struct vcpu *vcpu)
{
	return (vcpu->id);
}

struct vmctx *
vcpu_ctx(struct vcpu *vcpu)
{
	return (vcpu->ctx);
}

int
vm_run(struct vcpu *vcpu, struct vm_exit *vme)
{
	return (vcpu->ctx->ops->run(vcpu, vme));
}

void
vm_vcpu_kick(struct vcpu *vcpu)
{
	if (vcpu->ctx->ops->kick != NULL)
		vcpu->ctx->ops->kick(vcpu);
}

/* Call an optional backend op, or report that the backend lacks it. */
#define OPCALL(ctx, op, ...)						\
	((ctx)->ops->op != NULL ? (ctx)->ops->op(__VA_ARGS__) : -ENOTSUP)

int
vm_vcpu_reset(struct vcpu *vcpu)
{
	return (OPCALL(vcpu->ctx, reset, vcpu));
}

int
vm_vcpu_startup(struct vcpu *vcpu, uint64_t rip)
{
	return (OPCALL(vcpu->ctx, startup, vcpu, rip));
}

int
vm_get_register(struct vcpu *vcpu, int reg, uint64_t *val)
{
	if (reg < 0 || reg >= VM_REG_LAST)
		return (-EINVAL);
	return (OPCALL(vcpu->ctx, get_register, vcpu, reg, val));
}

int
vm_set_register(struct vcpu *vcpu, int reg, uint64_t val)
{
	if (reg < 0 || reg >= VM_REG_LAST)
		return (-EINVAL);
	return (OPCALL(vcpu->ctx, set_register, vcpu, reg, val));
}

int
vm_get_desc(struct vcpu *vcpu, int reg, uint64_t *base, uint32_t *limit,
    uint32_t *access)
{
	return (OPCALL(vcpu->ctx, get_desc, vcpu, reg, base, limit, access));
}

int
vm_set_desc(struct vcpu *vcpu, int reg, uint64_t base, uint32_t limit,
    uint32_t access)
{
	return (OPCALL(vcpu->ctx, set_desc, vcpu, reg, base, limit, access));
}

int
vm_inject_exception(struct vcpu *vcpu, int vector, int errcode_valid,
    uint32_t errcode, int restart_instruction)
{
	if (vector < 0 || vector > 31)
		return (-EINVAL);
	return (OPCALL(vcpu->ctx, inject_exception, vcpu, vector,
	    errcode_valid, errcode, restart_instruction));
}

int
vm_get_capability(struct vcpu *vcpu, enum vm_cap_type cap, int *val)
{
	if (cap < 0 || cap >= VM_CAP_MAX)
		return (-EINVAL);
	return (OPCALL(vcpu->ctx, get_capability, vcpu, cap, val));
}

int
vm_set_capability(struct vcpu *vcpu, enum vm_cap_type cap, int val)
{
	if (cap < 0 || cap >= VM_CAP_MAX)
		return (-EINVAL);
	return (OPCALL(vcpu->ctx, set_capability, vcpu, cap, val));
}

int
vm_get_x2apic_state(struct vcpu *vcpu, enum x2apic_state *s)
{
	return (OPCALL(vcpu->ctx, get_x2apic_state, vcpu, s));
}

int
vm_set_x2apic_state(struct vcpu *vcpu, enum x2apic_state s)
{
	if (s < 0 || s >= X2APIC_STATE_LAST)
		return (-EINVAL);
	return (OPCALL(vcpu->ctx, set_x2apic_state, vcpu, s));
}

int
vm_get_fpu(struct vcpu *vcpu, void *fxsave)
{
	return (OPCALL(vcpu->ctx, get_fpu, vcpu, fxsave));
}

int
vm_set_fpu(struct vcpu *vcpu, const void *fxsave)
{
	return (OPCALL(vcpu->ctx, set_fpu, vcpu, fxsave));
}

/* ---- interrupts ---- */

int
vm_isa_assert_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq)
{
	return (OPCALL(ctx, isa_irq, ctx, atpic_irq, ioapic_irq, 1));
}

int
vm_isa_deassert_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq)
{
	return (OPCALL(ctx, isa_irq, ctx, atpic_irq, ioapic_irq, 0));
}

int
vm_isa_pulse_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq)
{
	return (OPCALL(ctx, isa_irq, ctx, atpic_irq, ioapic_irq, -1));
}

int
vm_ioapic_assert_irq(struct vmctx *ctx, int irq)
{
	return (OPCALL(ctx, ioapic_irq, ctx, irq, 1));
}

int
vm_ioapic_deassert_irq(struct vmctx *ctx, int irq)
{
	return (OPCALL(ctx, ioapic_irq, ctx, irq, 0));
}

int
vm_ioapic_pulse_irq(struct vmctx *ctx, int irq)
{
	return (OPCALL(ctx, ioapic_irq, ctx, irq, -1));
}

int
vm_lapic_msi(struct vmctx *ctx, uint64_t addr, uint64_t msg)
{
	return (OPCALL(ctx, lapic_msi, ctx, addr, msg));
}

int
vm_inject_nmi(struct vcpu *vcpu)
{
	return (OPCALL(vcpu->ctx, inject_nmi, vcpu));
}

int
vm_hpet_legacy(struct vmctx *ctx, bool on)
{
	return (OPCALL(ctx, hpet_legacy, ctx, on));
}

/* ---- statistics ---- */

static const char *const vm_stat_desc[VMST_LAST] = {
	[VMST_EXITS_TOTAL] = "total number of vm exits",
	[VMST_EXITS_INOUT] = "number of times in/out was intercepted",
	[VMST_EXITS_MMIO] = "number of MMIO accesses to devices",
	[VMST_EXITS_MSR] = "number of MSR accesses sent to userspace",
	[VMST_EXITS_HLT] = "number of times hlt was intercepted",
	[VMST_EXITS_PAUSE] = "number of times pause was intercepted",
	[VMST_EXITS_OTHER] = "number of other vm exits",
	[VMST_INSNS] = "instructions executed (emu)",
	[VMST_UD_UNIMPL] = "#UD raised for unimplemented instructions",
	[VMST_EXCEPTIONS] = "exceptions delivered to the guest",
};

int
vm_get_stats(struct vcpu *vcpu, uint64_t stats[VMST_LAST])
{
	memcpy(stats, vcpu->stats, sizeof(vcpu->stats));
	return (0);
}

const char *
vm_get_stat_desc(enum vm_stat idx)
{
	if (idx < 0 || idx >= VMST_LAST)
		return (NULL);
	return (vm_stat_desc[idx]);
}
