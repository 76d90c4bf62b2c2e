/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvm.c: the Linux KVM backend's lifecycle: probing /dev/kvm and the
 * capabilities lhyve needs (naming any that is missing), the VM with its
 * in-kernel LAPIC/IOAPIC/8259 and 8254, guest memory slots over the same
 * memfd mapping the emu uses, vCPU creation, interrupt lines and MSIs, the
 * HPET legacy route, and the operations table (vmm_priv.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm/kvm_priv.h"

/* ---- capabilities ---- */

/*
 * What lhyve needs of KVM (Documentation/virt/kvm/api.rst), all in Linux
 * 5.10 and later.  Each name is printed when missing, so that the one line
 * lhyve prints says which kernel feature to look for.
 */
static const struct {
	int cap;
	const char *name;
} kvm_required_caps[] = {
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ KVM_CAP_PIT_STATE2, "KVM_CAP_PIT_STATE2" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR" },
	{ KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER" },
	{ KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ" },
};

/*
 * Why the last probe or VM creation failed, in words: vmm.c prints it as
 * lhyve's one line.
 */
static char kvm_probe_why[160];

const char *
kvm_last_error(void)
{
	return (kvm_probe_why);
}

static void
kvm_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
kvm_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kvm_probe_why, sizeof(kvm_probe_why), fmt, ap);
	va_end(ap);
}

/*
 * 0 if /dev/kvm opens, speaks API version 12 and has every capability
 * above; else -errno (-ENOTSUP for a missing capability, with the reason
 * in kvm_probe_reason()).
 */
static int
kvm_check(int fd)
{
	int v;

	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		kvm_fail("/dev/kvm speaks API version %d, lhyve needs %d", v,
		    KVM_API_VERSION);
		return (-ENOTSUP);
	}
	for (size_t i = 0; i < sizeof(kvm_required_caps) /
	    sizeof(kvm_required_caps[0]); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION,
		    kvm_required_caps[i].cap) <= 0) {
			kvm_fail("the host's KVM lacks %s",
			    kvm_required_caps[i].name);
			return (-ENOTSUP);
		}
	}
	return (0);
}

static int
kvm_probe(void)
{
	int fd, error;

	kvm_probe_why[0] = '\0';
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		error = -errno;
		kvm_fail("/dev/kvm: %s", strerror(errno));
		return (error);
	}
	error = kvm_check(fd);
	close(fd);
	return (error);
}

/* ---- memory slots ---- */

/*
 * The KVM slots for a memseg list.  vmm.c keeps ROM segments first so that
 * they shadow RAM (the BIOS alias below 1 MiB lies over lowmem); KVM slots
 * must not overlap, so RAM is cut around every earlier segment.  Returns
 * the number of slots written to out (sorted by gpa), or -ENOSPC.
 */
int
kvm_slot_layout(const struct vm_memseg *seg, int nseg,
    struct kvm_slot_desc *out, int max)
{
	int n = 0;

	for (int i = 0; i < nseg; i++) {
		/* the pieces of seg[i] that no earlier segment covers */
		uint64_t start = seg[i].gpa, end = seg[i].gpa + seg[i].len;

		while (start < end) {
			uint64_t piece_end = end;
			bool covered = false;

			for (int j = 0; j < i; j++) {
				if (start >= seg[j].gpa &&
				    start - seg[j].gpa < seg[j].len) {
					/* shadowed: go past segment j */
					start = seg[j].gpa + seg[j].len;
					covered = true;
				}
			}
			if (covered)
				continue;
			for (int j = 0; j < i; j++)
				if (seg[j].gpa > start && seg[j].gpa < piece_end)
					piece_end = seg[j].gpa;
			if (n >= max)
				return (-ENOSPC);
			out[n].gpa = start;
			out[n].len = piece_end - start;
			out[n].host = seg[i].host + (start - seg[i].gpa);
			out[n].readonly = seg[i].readonly;
			n++;
			start = piece_end;
		}
	}
	/* sorted by address: easier to read in a dump and in tests */
	for (int i = 1; i < n; i++) {
		struct kvm_slot_desc t = out[i];
		int j = i - 1;
		while (j >= 0 && out[j].gpa > t.gpa) {
			out[j + 1] = out[j];
			j--;
		}
		out[j + 1] = t;
	}
	return (n);
}

static int
kvm_memory_changed(struct vmctx *ctx)
{
	struct kvm_vm *vm = kvm_vm(ctx);
	struct kvm_slot_desc d[KVM_MAX_SLOTS];
	struct kvm_userspace_memory_region r;
	int n;

	n = kvm_slot_layout(ctx->seg, ctx->nseg, d, KVM_MAX_SLOTS);
	if (n < 0)
		return (n);
	/* Delete every old slot (size 0), then add the new layout. */
	for (int i = 0; i < vm->nslots; i++) {
		memset(&r, 0, sizeof(r));
		r.slot = i;
		if (ioctl(vm->vmfd, KVM_SET_USER_MEMORY_REGION, &r) != 0)
			return (-errno);
	}
	vm->nslots = 0;
	for (int i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.slot = i;
		r.flags = d[i].readonly ? KVM_MEM_READONLY : 0;
		r.guest_phys_addr = d[i].gpa;
		r.memory_size = d[i].len;
		r.userspace_addr = (uintptr_t)d[i].host;
		if (ioctl(vm->vmfd, KVM_SET_USER_MEMORY_REGION, &r) != 0) {
			int error = -errno;
			fprintf(stderr, "lhyve: kvm: memory slot %d at 0x%llx "
			    "(%llu bytes): %s\n", i,
			    (unsigned long long)d[i].gpa,
			    (unsigned long long)d[i].len, strerror(errno));
			return (error);
		}
		vm->nslots = i + 1;
	}
	return (0);
}

/* ---- VM ---- */

/*
 * The GSI table described in kvm_priv.h.  KVM's default table (GSI n to
 * PIC pin n and IOAPIC pin n) would send the PIT to IOAPIC pin 0, where
 * our MADT's interrupt source override does not look.
 */
static int
kvm_set_routing(struct kvm_vm *vm)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[64];
	} rt;
	int n = 0;

	memset(&rt, 0, sizeof(rt));
	for (int pin = 0; pin < KVM_NR_IOAPIC_PINS; pin++) {
		rt.e[n].gsi = pin;
		rt.e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt.e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		rt.e[n].u.irqchip.pin = pin == 0 ? 2 : pin;
		n++;
	}
	/* the PIT's GSI 0 also reaches the master 8259's pin 0 */
	rt.e[n].gsi = 0;
	rt.e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt.e[n].u.irqchip.irqchip = KVM_IRQCHIP_PIC_MASTER;
	rt.e[n].u.irqchip.pin = 0;
	n++;
	for (int irq = 0; irq < 16; irq++) {
		rt.e[n].gsi = KVM_GSI_PIC_BASE + irq;
		rt.e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt.e[n].u.irqchip.irqchip = irq < 8 ? KVM_IRQCHIP_PIC_MASTER :
		    KVM_IRQCHIP_PIC_SLAVE;
		rt.e[n].u.irqchip.pin = irq & 7;
		n++;
	}
	rt.e[n].gsi = KVM_GSI_IOAPIC_PIN0;
	rt.e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt.e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	rt.e[n].u.irqchip.pin = 0;
	n++;
	rt.hdr.nr = n;
	if (ioctl(vm->vmfd, KVM_SET_GSI_ROUTING, &rt) != 0)
		return (-errno);
	return (0);
}

/*
 * Guest RDMSR/WRMSR of any MSR the emu does not own either exits to lhyve
 * (KVM_MSR_EXIT_REASON_FILTER), where x86.strictmsr decides, so that -w
 * means the same on both backends (CPU-MODEL.md "MSRs").  x2APIC MSRs
 * 0x800-0x8FF are never filtered (api.rst 4.127) and stay in-kernel.
 */
static int
kvm_set_msr_policy(struct kvm_vm *vm)
{
	static const struct { uint32_t base, n; } owned[] = {
		{ 0x10, 1 },		/* TSC */
		{ 0x1b, 1 },		/* APIC_BASE */
		{ 0x8b, 1 },		/* BIOS_SIGN (microcode revision) */
		{ 0x10a, 1 },		/* ARCH_CAPABILITIES: KVM's own answer */
		{ 0x174, 3 },		/* SYSENTER_CS/ESP/EIP */
		{ 0x1a0, 1 },		/* MISC_ENABLE */
		{ 0x277, 1 },		/* PAT */
		{ 0x6e0, 1 },		/* TSC_DEADLINE */
		{ 0xc0000080, 5 },	/* EFER STAR LSTAR CSTAR SFMASK */
		{ 0xc0000100, 4 },	/* FS/GS/KERNEL_GS_BASE, TSC_AUX */
	};
	static uint8_t allow[sizeof(owned) / sizeof(owned[0])];
	struct kvm_msr_filter f;
	struct kvm_enable_cap cap;

	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_X86_USER_SPACE_MSR;
	cap.args[0] = KVM_MSR_EXIT_REASON_FILTER | KVM_MSR_EXIT_REASON_UNKNOWN;
	if (ioctl(vm->vmfd, KVM_ENABLE_CAP, &cap) != 0)
		return (-errno);
	memset(&f, 0, sizeof(f));
	f.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		/* one bit per MSR of the range, all allowed (n <= 8) */
		allow[i] = (uint8_t)((1u << owned[i].n) - 1);
		f.ranges[i].flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
		f.ranges[i].base = owned[i].base;
		f.ranges[i].nmsrs = owned[i].n;
		f.ranges[i].bitmap = &allow[i];
	}
	if (ioctl(vm->vmfd, KVM_X86_SET_MSR_FILTER, &f) != 0)
		return (-errno);
	return (0);
}

static void kvm_vm_cleanup(struct vmctx *ctx);

static int
kvm_vm_init(struct vmctx *ctx)
{
	struct kvm_vm *vm;
	struct kvm_pit_config pit;
	struct kvm_enable_cap cap;
	uint64_t idmap = KVM_IDENTITY_MAP_GPA;
	int error, v;

	kvm_probe_why[0] = '\0';
	vm = calloc(1, sizeof(*vm));
	if (vm == NULL)
		return (-ENOMEM);
	vm->kvmfd = vm->vmfd = -1;
	pthread_mutex_init(&vm->mtx, NULL);
	ctx->backend = vm;

	vm->kvmfd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvmfd < 0) {
		error = -errno;
		kvm_fail("/dev/kvm: %s", strerror(errno));
		goto fail;
	}
	if ((error = kvm_check(vm->kvmfd)) != 0)
		goto fail;
	if ((error = kvm_kick_signal_init()) != 0) {
		kvm_fail("cannot install the vCPU kick signal: %s",
		    strerror(-error));
		goto fail;
	}
	vm->run_size = ioctl(vm->kvmfd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run)) {
		error = -EINVAL;
		kvm_fail("KVM_GET_VCPU_MMAP_SIZE: %d", vm->run_size);
		goto fail;
	}
	vm->supported.hdr.nent = KVM_MAX_CPUID;
	if (ioctl(vm->kvmfd, KVM_GET_SUPPORTED_CPUID, &vm->supported) != 0) {
		error = -errno;
		kvm_fail("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto fail;
	}

	vm->vmfd = ioctl(vm->kvmfd, KVM_CREATE_VM, 0);
	if (vm->vmfd < 0) {
		error = -errno;
		kvm_fail("KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	(void)fcntl(vm->vmfd, F_SETFD, FD_CLOEXEC);
	/* Intel's real-mode helpers, out of the guest's way (kvm_priv.h). */
	if (ioctl(vm->vmfd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_GPA) != 0 ||
	    ioctl(vm->vmfd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) != 0) {
		error = -errno;
		kvm_fail("KVM_SET_TSS_ADDR/KVM_SET_IDENTITY_MAP_ADDR: %s",
		    strerror(errno));
		goto fail;
	}
	/* The irqchip must exist before any vCPU (api.rst 4.24). */
	if (ioctl(vm->vmfd, KVM_CREATE_IRQCHIP, 0) != 0) {
		error = -errno;
		kvm_fail("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		goto fail;
	}
	/*
	 * The LAPIC timer at the emu's 25 MHz crystal (40 ns a tick), so
	 * that CPUID 0x15 tells the same story on both backends.  Kernels
	 * before 6.11 tick at 1 GHz; CPUID 0x15 then says so.  Needs the
	 * irqchip, and no vCPU yet.
	 */
	vm->apic_bus_ns = 1;
	if (ioctl(vm->vmfd, KVM_CHECK_EXTENSION,
	    KVM_CAP_X86_APIC_BUS_CYCLES_NS) > 0) {
		memset(&cap, 0, sizeof(cap));
		cap.cap = KVM_CAP_X86_APIC_BUS_CYCLES_NS;
		cap.args[0] = 40;
		if (ioctl(vm->vmfd, KVM_ENABLE_CAP, &cap) == 0)
			vm->apic_bus_ns = 40;
	}
	/* port 0x61 in the kernel too: PIT channel 2's gate and output */
	memset(&pit, 0, sizeof(pit));
	pit.flags = KVM_PIT_SPEAKER_DUMMY;
	if (ioctl(vm->vmfd, KVM_CREATE_PIT2, &pit) != 0) {
		error = -errno;
		kvm_fail("KVM_CREATE_PIT2: %s", strerror(errno));
		goto fail;
	}
	if ((error = kvm_set_routing(vm)) != 0) {
		kvm_fail("KVM_SET_GSI_ROUTING: %s", strerror(-error));
		goto fail;
	}
	if ((error = kvm_set_msr_policy(vm)) != 0) {
		kvm_fail("user-space MSR exits (KVM_X86_SET_MSR_FILTER): %s",
		    strerror(-error));
		goto fail;
	}
	/* -G's breakpoint and step exits (kvm_debug.c); optional */
	vm->guestdbg = ioctl(vm->vmfd, KVM_CHECK_EXTENSION,
	    KVM_CAP_SET_GUEST_DEBUG) > 0;
	v = ioctl(vm->vmfd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
	vm->guestdbg2 = v > 0 ? (uint32_t)v : 0;
	v = ioctl(vm->vmfd, KVM_GET_TSC_KHZ, 0);
	vm->tsc_khz = v > 0 ? (uint32_t)v : 0;
	if (ctx->nseg > 0 && (error = kvm_memory_changed(ctx)) != 0) {
		kvm_fail("guest memory slots: %s", strerror(-error));
		goto fail;
	}
	return (0);
fail:
	kvm_vm_cleanup(ctx);
	return (error);
}

static void
kvm_vm_cleanup(struct vmctx *ctx)
{
	struct kvm_vm *vm = kvm_vm(ctx);

	if (vm == NULL)
		return;
	if (vm->vmfd >= 0)
		close(vm->vmfd);
	if (vm->kvmfd >= 0)
		close(vm->kvmfd);
	pthread_mutex_destroy(&vm->mtx);
	free(vm);
	ctx->backend = NULL;
}

/* ---- vCPUs ---- */

static int
kvm_vcpu_init(struct vcpu *vcpu)
{
	struct kvm_vm *vm = kvm_vm(vcpu->ctx);
	struct kvm_vcpu_sc *sc;
	int error;

	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (-ENOMEM);
	sc->vcpu = vcpu;
	sc->x2apic = X2APIC_DISABLED;
	/* the vCPU id is also its APIC ID (CPUID.1 EBX, MADT) */
	sc->fd = ioctl(vm->vmfd, KVM_CREATE_VCPU, (unsigned long)vcpu->id);
	if (sc->fd < 0) {
		error = -errno;
		fprintf(stderr, "lhyve: kvm: KVM_CREATE_VCPU %d: %s\n",
		    vcpu->id, strerror(errno));
		free(sc);
		return (error);
	}
	(void)fcntl(sc->fd, F_SETFD, FD_CLOEXEC);
	sc->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    sc->fd, 0);
	if (sc->run == MAP_FAILED) {
		error = -errno;
		close(sc->fd);
		free(sc);
		return (error);
	}
	vcpu->backend = sc;
	if ((error = kvm_cpuid_set(vcpu)) != 0 ||
	    (error = kvm_vcpu_set_reset_state(sc)) != 0) {
		fprintf(stderr, "lhyve: kvm: vcpu %d set-up: %s\n", vcpu->id,
		    strerror(-error));
		munmap(sc->run, vm->run_size);
		close(sc->fd);
		free(sc);
		vcpu->backend = NULL;
		return (error);
	}
	return (0);
}

static void
kvm_vcpu_cleanup(struct vcpu *vcpu)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);

	if (sc == NULL)
		return;
	if (sc->peek_made)
		timer_delete(sc->peek);
	munmap(sc->run, kvm_vm(vcpu->ctx)->run_size);
	close(sc->fd);
	free(sc);
	vcpu->backend = NULL;
}

static int
kvm_get_capability(struct vcpu *vcpu, enum vm_cap_type cap, int *val)
{
	switch (cap) {
	case VM_CAP_HALT_EXIT:
	case VM_CAP_PAUSE_EXIT:
		*val = kvm_sc(vcpu)->caps[cap];
		return (0);
	case VM_CAP_UNRESTRICTED_GUEST:
		*val = 1;
		return (0);
	case VM_CAP_BPT_EXIT:
	case VM_CAP_MTRAP_EXIT:
		return (kvm_dbg_get_capability(vcpu, cap, val));
	default:
		return (-ENOTSUP);
	}
}

/*
 * -H and -P: with the in-kernel LAPIC a HLT blocks the vCPU thread in the
 * kernel (it never spins: what -H asks for), and KVM's pause-loop exiting
 * yields a spinning vCPU by itself (what -P is for); neither exit reaches
 * userspace.  Both are accepted and remembered.
 */
static int
kvm_set_capability(struct vcpu *vcpu, enum vm_cap_type cap, int val)
{
	switch (cap) {
	case VM_CAP_HALT_EXIT:
	case VM_CAP_PAUSE_EXIT:
		kvm_sc(vcpu)->caps[cap] = val != 0;
		return (0);
	case VM_CAP_UNRESTRICTED_GUEST:
		return (val ? 0 : -ENOTSUP);
	case VM_CAP_BPT_EXIT:
	case VM_CAP_MTRAP_EXIT:
		return (kvm_dbg_set_capability(vcpu, cap, val));
	default:
		return (-ENOTSUP);
	}
}

static int
kvm_get_x2apic_state(struct vcpu *vcpu, enum x2apic_state *s)
{
	*s = kvm_sc(vcpu)->x2apic;
	return (0);
}

/* -x: CPUID shows x2APIC and the LAPIC starts in x2APIC mode, as on emu. */
static int
kvm_set_x2apic_state(struct vcpu *vcpu, enum x2apic_state s)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	uint64_t base;
	int error;

	sc->x2apic = s;
	if ((error = kvm_cpuid_set(vcpu)) != 0)
		return (error);
	if ((error = kvm_get_msr(sc, 0x1b, &base)) != 0)
		return (error);
	if (s == X2APIC_ENABLED)
		base |= 0xc00;			/* EN | EXTD */
	else
		base &= ~0x400ULL;
	if ((error = kvm_set_msr(sc, 0x1b, base)) != 0)
		return (error);
	/* KVM_SET_SREGS writes APIC_BASE too: keep the cache in step */
	sc->sregs.apic_base = base;
	return (0);
}

/* ---- interrupts ---- */

static int
kvm_line(struct kvm_vm *vm, int gsi, int level)
{
	struct kvm_irq_level l;

	memset(&l, 0, sizeof(l));
	l.irq = gsi;
	if (level < 0) {
		/* a pulse: an edge for edge-triggered inputs */
		l.level = 1;
		if (ioctl(vm->vmfd, KVM_IRQ_LINE, &l) != 0)
			return (-errno);
		level = 0;
	}
	l.level = level;
	if (ioctl(vm->vmfd, KVM_IRQ_LINE, &l) != 0)
		return (-errno);
	return (0);
}

static int
kvm_isa_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq, int level)
{
	struct kvm_vm *vm = kvm_vm(ctx);
	int error = 0;

	if (atpic_irq >= 16 || ioapic_irq >= KVM_NR_IOAPIC_PINS)
		return (-EINVAL);
	if (atpic_irq >= 0)
		error = kvm_line(vm, KVM_GSI_PIC_BASE + atpic_irq, level);
	if (error == 0 && ioapic_irq >= 0)
		error = kvm_line(vm, ioapic_irq == 0 ? KVM_GSI_IOAPIC_PIN0 :
		    ioapic_irq, level);
	return (error);
}

static int
kvm_ioapic_irq(struct vmctx *ctx, int irq, int level)
{
	if (irq < 0 || irq >= KVM_NR_IOAPIC_PINS)
		return (-EINVAL);
	/* GSI 0 is the PIT's; IOAPIC pin 0 has its own */
	return (kvm_line(kvm_vm(ctx), irq == 0 ? KVM_GSI_IOAPIC_PIN0 : irq,
	    level));
}

static int
kvm_lapic_msi(struct vmctx *ctx, uint64_t addr, uint64_t msg)
{
	struct kvm_msi m;

	memset(&m, 0, sizeof(m));
	m.address_lo = (uint32_t)addr;
	m.address_hi = (uint32_t)(addr >> 32);
	m.data = (uint32_t)msg;
	/* > 0 delivered, 0 blocked by the guest (masked): both fine */
	if (ioctl(kvm_vm(ctx)->vmfd, KVM_SIGNAL_MSI, &m) < 0)
		return (-errno);
	return (0);
}

/*
 * An NMI as an MSI with delivery mode NMI to this vCPU's APIC ID (Intel
 * SDM 3A §11.11): a VM ioctl, safe from any thread, where KVM_NMI would
 * wait for the vCPU to leave KVM_RUN.
 */
static int
kvm_inject_nmi(struct vcpu *vcpu)
{
	return (kvm_lapic_msi(vcpu->ctx, VM_LAPIC_BASE |
	    ((uint64_t)vcpu->id << 12), 4u << 8));
}

/*
 * HPET legacy replacement (HPET spec 1.0a §2.3.8.2.4): the in-kernel PIT
 * stops raising IRQ 0 while KVM_PIT_FLAGS_HPET_LEGACY is set.
 */
static int
kvm_hpet_legacy(struct vmctx *ctx, bool on)
{
	struct kvm_vm *vm = kvm_vm(ctx);
	struct kvm_pit_state2 ps;
	int error = 0;

	pthread_mutex_lock(&vm->mtx);
	if (vm->hpet_legacy != on) {
		if (ioctl(vm->vmfd, KVM_GET_PIT2, &ps) != 0) {
			error = -errno;
		} else {
			if (on)
				ps.flags |= KVM_PIT_FLAGS_HPET_LEGACY;
			else
				ps.flags &= ~KVM_PIT_FLAGS_HPET_LEGACY;
			if (ioctl(vm->vmfd, KVM_SET_PIT2, &ps) != 0)
				error = -errno;
			else
				vm->hpet_legacy = on;
		}
	}
	pthread_mutex_unlock(&vm->mtx);
	return (error);
}

const struct vmm_ops vmm_ops_kvm = {
	.name = "kvm",
	.probe = kvm_probe,
	.vm_init = kvm_vm_init,
	.vm_cleanup = kvm_vm_cleanup,
	.memory_changed = kvm_memory_changed,
	.vcpu_init = kvm_vcpu_init,
	.vcpu_cleanup = kvm_vcpu_cleanup,
	.run = kvm_op_run,
	.kick = kvm_op_kick,
	.reset = kvm_op_reset,
	.startup = kvm_op_startup,
	.get_register = kvm_op_get_register,
	.set_register = kvm_op_set_register,
	.get_desc = kvm_op_get_desc,
	.set_desc = kvm_op_set_desc,
	.inject_exception = kvm_op_inject_exception,
	.get_capability = kvm_get_capability,
	.set_capability = kvm_set_capability,
	.get_x2apic_state = kvm_get_x2apic_state,
	.set_x2apic_state = kvm_set_x2apic_state,
	.isa_irq = kvm_isa_irq,
	.ioapic_irq = kvm_ioapic_irq,
	.lapic_msi = kvm_lapic_msi,
	.inject_nmi = kvm_inject_nmi,
	.hpet_legacy = kvm_hpet_legacy,
	.get_fpu = kvm_op_get_fpu,
	.set_fpu = kvm_op_set_fpu,
};
