/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_kvm.c: the parts of the kvm backend that need no /dev/kvm: the
 * CPUID table built from the emu's model and filtered by a recorded
 * KVM_GET_SUPPORTED_CPUID answer, the KVM memory-slot layout cut around
 * ROM segments, and the translation of recorded kvm_run exits into
 * lhyve's struct vm_exit (I/O, string I/O, IMCR, MMIO, ROM writes, MSRs,
 * aborts, shutdown, system events, KVM failures).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/kvm/kvm_priv.h"

/*
 * KVM_GET_SUPPORTED_CPUID as recorded on the development host (kvm_pvm,
 * Linux 6.18, a Xeon with SSE4.2/AVX-512 and 1 GiB pages), the leaves the
 * model uses: this KVM offers no SSE3..SSE4.2/POPCNT in leaf 1 ECX and no
 * 1 GiB pages or RDTSCP in 0x80000001 EDX.
 */
static const struct kvm_cpuid_entry2 recorded[] = {
	{ .function = 0, .eax = 0x1c, .ebx = 0x756e6547, .ecx = 0x6c65746e,
	    .edx = 0x49656e69 },
	{ .function = 1, .eax = 0x000c06f2, .ebx = 0x01020800,
	    .ecx = 0x81202000, .edx = 0x0f8bfbff },
	{ .function = 6, .eax = 0x4 },
	{ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	    .eax = 2, .ebx = 0x01802852, .ecx = 0x1a010104, .edx = 0x20010000 },
	{ .function = 0xb, .index = 0,
	    .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .edx = 1 },
	{ .function = 0x15 },
	{ .function = 0x16 },
	{ .function = 0x80000000, .eax = 0x80000021 },
	{ .function = 0x80000001, .ecx = 0x121, .edx = 0x20100800 },
	{ .function = 0x80000007, .edx = 0x100 },
	{ .function = 0x80000008, .eax = 0x3930 },
};

static struct kvm_cpuid_table *
recorded_table(void)
{
	static struct kvm_cpuid_table t;

	memset(&t, 0, sizeof(t));
	t.hdr.nent = sizeof(recorded) / sizeof(recorded[0]);
	memcpy(t.e, recorded, sizeof(recorded));
	return (&t);
}

/* A VM of ncpus without a kernel behind it: enough for the pure code. */
struct fake {
	struct vmctx ctx;
	struct kvm_vm vm;
	struct vcpu vcpu[2];
	struct kvm_vcpu_sc sc[2];
};

static int handler_calls;
static struct vm_exit handler_seen[8];
static int handler_rc;
static uint64_t handler_in;      /* what IN/MMIO reads/RDMSR return */

static int
rec_handler(struct vcpu *vcpu, struct vm_exit *vme)
{
	if (handler_calls < 8)
		handler_seen[handler_calls] = *vme;
	switch (vme->exitcode) {
	case VM_EXITCODE_INOUT:
		if (vme->u.inout.in)
			vme->u.inout.eax = (uint32_t)handler_in + handler_calls;
		break;
	case VM_EXITCODE_MMIO:
		if (vme->u.mmio.read)
			vme->u.mmio.data = handler_in;
		break;
	case VM_EXITCODE_RDMSR:
		vme->u.msr.rval = handler_in;
		break;
	default:
		break;
	}
	handler_calls++;
	return (handler_rc);
}

static struct fake *
mkfake(int ncpus)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ctx.ncpus = ncpus;
	f->ctx.backend = &f->vm;
	f->ctx.exit_handler = rec_handler;
	f->ctx.memfd = -1;
	atomic_store(&f->ctx.suspend, VM_SUSPEND_NONE);
	pthread_mutex_init(&f->vm.mtx, NULL);
	for (int i = 0; i < 2; i++) {
		f->vcpu[i].ctx = &f->ctx;
		f->vcpu[i].id = i;
		f->vcpu[i].backend = &f->sc[i];
		f->sc[i].vcpu = &f->vcpu[i];
		f->sc[i].fd = -1;
		f->ctx.vcpu[i] = &f->vcpu[i];
	}
	handler_calls = 0;
	handler_rc = VMEXIT_CONTINUE;
	handler_in = 0;
	memset(handler_seen, 0, sizeof(handler_seen));
	return (f);
}

static const struct kvm_cpuid_entry2 *
leaf(const struct kvm_cpuid_table *t, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < t->hdr.nent; i++)
		if (t->e[i].function == fn && t->e[i].index == idx)
			return (&t->e[i]);
	fail_msg("leaf 0x%x.%u missing", fn, idx);
	return (NULL);
}

/* ---- CPUID ---- */

static void
test_cpuid_filtered(void **state)
{
	struct fake *f = mkfake(2);
	struct kvm_cpuid_table *out = calloc(1, sizeof(*out));
	const struct kvm_cpuid_entry2 *e;

	assert_int_equal(kvm_cpuid_build(&f->vcpu[1], recorded_table(),
	    2299998, 40, out), 0);
	/* the model's leaves: 0..0x16 (0xb thrice), 0x80000000..8 */
	assert_int_equal(out->hdr.nent, 0x17 + 2 + 9);
	e = leaf(out, 0, 0);
	assert_int_equal(e->eax, 0x16);
	assert_int_equal(e->ebx, 0x756e6547);	/* "Genu" */
	e = leaf(out, 1, 0);
	assert_int_equal(e->eax, 0x000306a9);	/* the model's signature */
	/* APIC ID 1, 2 logical CPUs, CLFLUSH 64 bytes */
	assert_int_equal(e->ebx, 0x01020800);
	/* SSE3/SSSE3/SSE4.x/POPCNT filtered out; CX16, TSC-deadline kept;
	 * HYPERVISOR is ours to say; no x2APIC unless -x */
	assert_int_equal(e->ecx, (1u << 13) | (1u << 24) | (1u << 31));
	/* every model bit is supported; HTT (2 CPUs) is ours to say */
	assert_int_equal(e->edx, 0x1789ab79);
	assert_int_equal(leaf(out, 6, 0)->eax, 4);	/* ARAT */
	/* topology: x2APIC ID in EDX of each 0xb subleaf */
	for (uint32_t sub = 0; sub < 3; sub++) {
		e = leaf(out, 0xb, sub);
		assert_int_equal(e->edx, 1);
		assert_int_equal(e->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	}
	assert_int_equal(leaf(out, 0xb, 1)->ebx, 2);
	/* 2.299998 GHz TSC from a 25 MHz crystal: a whole 92 (0.9 ppm) */
	e = leaf(out, 0x15, 0);
	assert_int_equal(e->eax, 1);
	assert_int_equal(e->ebx, 92);
	assert_int_equal(e->ecx, 25000000);
	assert_int_equal(leaf(out, 0x16, 0)->eax, 2299);
	/* LAHF kept; 1 GiB pages and RDTSCP gone: SYSCALL NX LM remain */
	e = leaf(out, 0x80000001, 0);
	assert_int_equal(e->ecx, 1);
	assert_int_equal(e->edx, (1u << 11) | (1u << 20) | (1u << 29));
	assert_int_equal(leaf(out, 0x80000007, 0)->edx, 0x100);
	/* 39 physical bits: fewer than the host's 48, kept */
	assert_int_equal(leaf(out, 0x80000008, 0)->eax, 39 | (48 << 8));
	assert_memory_equal(&leaf(out, 0x80000002, 0)->eax, "lhyve emu", 9);

	/* vCPU 0 of the same VM */
	assert_int_equal(kvm_cpuid_build(&f->vcpu[0], recorded_table(),
	    2299998, 40, out), 0);
	assert_int_equal(leaf(out, 1, 0)->ebx, 0x00020800);
	assert_int_equal(leaf(out, 0xb, 0)->edx, 0);
	free(out);
	free(f);
}

static void
test_cpuid_x2apic_and_clock(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_cpuid_table *out = calloc(1, sizeof(*out));
	const struct kvm_cpuid_entry2 *e;

	f->ctx.ncpus = 1;
	f->sc[0].x2apic = X2APIC_ENABLED;
	/* a 1 GHz LAPIC clock (kernels before 6.11): 2.299998 is no whole
	 * ratio, so EBX/EAX carry the kHz */
	assert_int_equal(kvm_cpuid_build(&f->vcpu[0], recorded_table(),
	    2299998, 1, out), 0);
	e = leaf(out, 1, 0);
	assert_int_equal(e->ecx, (1u << 13) | (1u << 21) | (1u << 24) |
	    (1u << 31));
	assert_int_equal(e->edx, 0x0789ab79);		/* 1 CPU: no HTT */
	e = leaf(out, 0x15, 0);
	assert_int_equal(e->eax, 1000000);
	assert_int_equal(e->ebx, 2299998);
	assert_int_equal(e->ecx, 1000000000);
	free(out);
	free(f);
}

static void
test_cpuid_leaf_unsupported(void **state)
{
	struct kvm_cpuid_table *sup = recorded_table();
	struct kvm_cpuid_entry2 e;

	/* a leaf KVM does not list loses every feature flag */
	sup->hdr.nent = 2;		/* leaves 0 and 1 only */
	memset(&e, 0, sizeof(e));
	e.function = 6;
	e.eax = 4;
	kvm_cpuid_filter(&e, sup);
	assert_int_equal(e.eax, 0);
	memset(&e, 0, sizeof(e));
	e.function = 0x80000001;
	e.ecx = 1;
	e.edx = 1u << 29;
	kvm_cpuid_filter(&e, sup);
	assert_int_equal(e.ecx, 0);
	assert_int_equal(e.edx, 0);
	/* value leaves pass as they are */
	memset(&e, 0, sizeof(e));
	e.function = 0x16;
	e.eax = 2000;
	kvm_cpuid_filter(&e, sup);
	assert_int_equal(e.eax, 2000);
}

/* ---- memory slots ---- */

static void
test_slots_lowmem_roms(void **state)
{
	uint8_t *ram = (uint8_t *)0x10000000, *rom = (uint8_t *)0x20000000,
	    *low = (uint8_t *)0x30000000, *high = (uint8_t *)0x40000000;
	/* vmm.c's order: ROMs first (they shadow RAM), then RAM */
	struct vm_memseg seg[] = {
		{ 0xf0000, 0x10000, low, true },
		{ 0xffff0000ULL, 0x10000, rom, true },
		{ 0, 64 << 20, ram, false },
		{ 4ULL << 30, 1 << 20, high, false },
	};
	struct kvm_slot_desc d[KVM_MAX_SLOTS];
	int n;

	n = kvm_slot_layout(seg, 4, d, KVM_MAX_SLOTS);
	assert_int_equal(n, 5);
	assert_int_equal(d[0].gpa, 0);
	assert_int_equal(d[0].len, 0xf0000);
	assert_ptr_equal(d[0].host, ram);
	assert_false(d[0].readonly);
	assert_int_equal(d[1].gpa, 0xf0000);
	assert_int_equal(d[1].len, 0x10000);
	assert_ptr_equal(d[1].host, low);
	assert_true(d[1].readonly);
	/* RAM resumes above the shadow, at the matching host offset */
	assert_int_equal(d[2].gpa, 0x100000);
	assert_int_equal(d[2].len, (64 << 20) - 0x100000);
	assert_ptr_equal(d[2].host, ram + 0x100000);
	assert_false(d[2].readonly);
	assert_int_equal(d[3].gpa, 0xffff0000ULL);
	assert_true(d[3].readonly);
	assert_int_equal(d[4].gpa, 4ULL << 30);
	assert_int_equal(d[4].len, 1 << 20);
	assert_ptr_equal(d[4].host, high);
}

static void
test_slots_edges(void **state)
{
	uint8_t *ram = (uint8_t *)0x10000000, *a = (uint8_t *)0x20000000,
	    *b = (uint8_t *)0x30000000;
	/* two adjacent ROMs at the very start of RAM, and RAM alone */
	struct vm_memseg seg[] = {
		{ 0, 0x1000, a, true },
		{ 0x1000, 0x2000, b, true },
		{ 0, 0x10000, ram, false },
	};
	struct kvm_slot_desc d[KVM_MAX_SLOTS];
	int n;

	n = kvm_slot_layout(seg, 3, d, KVM_MAX_SLOTS);
	assert_int_equal(n, 3);
	assert_int_equal(d[0].gpa, 0);
	assert_ptr_equal(d[0].host, a);
	assert_int_equal(d[1].gpa, 0x1000);
	assert_int_equal(d[1].len, 0x2000);
	assert_int_equal(d[2].gpa, 0x3000);
	assert_int_equal(d[2].len, 0xd000);
	assert_ptr_equal(d[2].host, ram + 0x3000);
	/* RAM wholly shadowed: no slot for it */
	n = kvm_slot_layout((struct vm_memseg[]){ { 0, 0x2000, a, true },
	    { 0x1000, 0x1000, ram, false } }, 2, d, KVM_MAX_SLOTS);
	assert_int_equal(n, 1);
	/* too many pieces */
	assert_int_equal(kvm_slot_layout(seg, 3, d, 2), -ENOSPC);
}

/* ---- exit translation ---- */

static struct kvm_run *
mkrun(uint32_t reason)
{
	struct kvm_run *run = calloc(1, 8192);

	assert_non_null(run);
	run->exit_reason = reason;
	return (run);
}

static void
test_exit_string_out(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_run *run = mkrun(KVM_EXIT_IO);
	struct vm_exit vme;

	/* rep outsb of "abc" to COM1: three elements, one handler call each */
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = 0x3f8;
	run->io.count = 3;
	run->io.data_offset = 4096;
	memcpy((uint8_t *)run + 4096, "abc", 3);
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	assert_int_equal(handler_calls, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(handler_seen[i].exitcode, VM_EXITCODE_INOUT);
		assert_int_equal(handler_seen[i].u.inout.port, 0x3f8);
		assert_int_equal(handler_seen[i].u.inout.bytes, 1);
		assert_false(handler_seen[i].u.inout.in);
		assert_int_equal(handler_seen[i].u.inout.eax, "abc"[i]);
	}
	assert_int_equal(f->vcpu[0].stats[VMST_EXITS_INOUT], 3);
	free(run);
	free(f);
}

static void
test_exit_string_in(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_run *run = mkrun(KVM_EXIT_IO);
	struct vm_exit vme;
	uint16_t got[2];

	/* rep insw, two words: the handler's answers land in the data area */
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.size = 2;
	run->io.port = 0x1f0;
	run->io.count = 2;
	run->io.data_offset = 4096;
	handler_in = 0x1234;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	memcpy(got, (uint8_t *)run + 4096, 4);
	assert_int_equal(got[0], 0x1234);
	assert_int_equal(got[1], 0x1235);
	assert_true(handler_seen[1].u.inout.in);
	assert_int_equal(handler_seen[1].u.inout.bytes, 2);

	/* an element size KVM never gives */
	run->io.size = 3;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme), -EINVAL);
	free(run);
	free(f);
}

static void
io1(struct fake *f, struct kvm_run *run, int in, uint16_t port, uint8_t v)
{
	struct vm_exit vme;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = 4096;
	((uint8_t *)run)[4096] = v;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
}

static void
test_exit_imcr(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_run *run = mkrun(KVM_EXIT_IO);

	/* MP spec §3.6.2.1: select 0x70 at 0x22, then data at 0x23 */
	io1(f, run, 0, 0x22, 0x70);
	io1(f, run, 0, 0x23, 0x01);
	io1(f, run, 1, 0x23, 0xee);
	assert_int_equal(((uint8_t *)run)[4096], 1);
	io1(f, run, 0, 0x22, 0x10);
	io1(f, run, 1, 0x23, 0xee);
	assert_int_equal(((uint8_t *)run)[4096], 0xff);
	io1(f, run, 1, 0x22, 0xee);
	assert_int_equal(((uint8_t *)run)[4096], 0x10);
	/* none of it reached lhyve's devices */
	assert_int_equal(handler_calls, 0);
	free(run);
	free(f);
}

static void
test_exit_mmio(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_run *run = mkrun(KVM_EXIT_MMIO);
	struct vm_exit vme;
	uint32_t v;

	/* a 4-byte read of the HPET counter */
	run->mmio.phys_addr = 0xfed000f0;
	run->mmio.len = 4;
	run->mmio.is_write = 0;
	handler_in = 0xdeadbeef;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	assert_int_equal(handler_seen[0].exitcode, VM_EXITCODE_MMIO);
	assert_int_equal(handler_seen[0].u.mmio.gpa, 0xfed000f0);
	assert_int_equal(handler_seen[0].u.mmio.bytes, 4);
	assert_true(handler_seen[0].u.mmio.read);
	memcpy(&v, run->mmio.data, 4);
	assert_int_equal(v, 0xdeadbeef);

	/* an 8-byte write */
	run->mmio.phys_addr = 0xc0001000;
	run->mmio.len = 8;
	run->mmio.is_write = 1;
	memcpy(run->mmio.data, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	assert_false(handler_seen[1].u.mmio.read);
	assert_int_equal(handler_seen[1].u.mmio.data, 0x8877665544332211ULL);

	/* a write to a read-only slot (ROM) is dropped, as on emu */
	f->ctx.seg[0] = (struct vm_memseg){ 0xfff00000ULL, 0x100000, NULL,
	    true };
	f->ctx.nseg = 1;
	run->mmio.phys_addr = 0xfff00010ULL;
	run->mmio.len = 1;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	assert_int_equal(handler_calls, 2);
	assert_int_equal(f->vcpu[0].stats[VMST_EXITS_MMIO], 2);

	run->mmio.len = 16;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme), -EINVAL);
	free(run);
	free(f);
}

static void
test_exit_msr(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_run *run = mkrun(KVM_EXIT_X86_RDMSR);
	struct vm_exit vme;

	/* strict policy: #GP through msr.error */
	run->msr.index = 0x3a;
	handler_rc = VMEXIT_FAULT_GP;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	assert_int_equal(handler_seen[0].exitcode, VM_EXITCODE_RDMSR);
	assert_int_equal(handler_seen[0].u.msr.code, 0x3a);
	assert_int_equal(run->msr.error, 1);

	/* -w: reads give what the handler says, no #GP */
	handler_rc = VMEXIT_CONTINUE;
	handler_in = 0x1234567890ULL;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	assert_int_equal(run->msr.error, 0);
	assert_int_equal(run->msr.data, 0x1234567890ULL);

	run->exit_reason = KVM_EXIT_X86_WRMSR;
	run->msr.index = 0xc0010015;
	run->msr.data = 0xabcdef;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	assert_int_equal(handler_seen[2].exitcode, VM_EXITCODE_WRMSR);
	assert_int_equal(handler_seen[2].u.msr.code, 0xc0010015);
	assert_int_equal(handler_seen[2].u.msr.wval, 0xabcdef);
	assert_int_equal(run->msr.error, 0);
	assert_int_equal(f->vcpu[0].stats[VMST_EXITS_MSR], 3);
	free(run);
	free(f);
}

static void
test_exit_abort(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_run *run = mkrun(KVM_EXIT_IO);
	struct vm_exit vme;

	/* pc-testdev's debug exit ended the VM: stop after the 1st element */
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = 0xf4;
	run->io.count = 4;
	run->io.data_offset = 4096;
	handler_rc = VMEXIT_ABORT;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(handler_calls, 1);
	assert_int_equal(vme.exitcode, VM_EXITCODE_DEBUG);

	atomic_store(&f->ctx.suspend, VM_SUSPEND_POWEROFF);
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_SUSPENDED);
	assert_int_equal(vme.u.suspended.how, VM_SUSPEND_POWEROFF);
	free(run);
	free(f);
}

static void
test_exit_shutdown_events(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_run *run = mkrun(KVM_EXIT_SHUTDOWN);
	struct vm_exit vme;

	/* triple fault -> exit status 3 through VM_SUSPEND_TRIPLEFAULT */
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_SUSPENDED);
	assert_int_equal(vme.u.suspended.how, VM_SUSPEND_TRIPLEFAULT);

	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.u.suspended.how, VM_SUSPEND_POWEROFF);
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.u.suspended.how, VM_SUSPEND_RESET);
	/* a crash event is an error (exit status 4), with its number */
	run->system_event.type = KVM_SYSTEM_EVENT_CRASH;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_INST_EMUL);
	assert_string_equal(vme.u.inst_emul.why, "KVM system event 3");

	/* an interrupted KVM_RUN: run again */
	run->exit_reason = KVM_EXIT_INTR;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	assert_int_equal(handler_calls, 0);
	free(run);
	free(f);
}

static void
test_exit_failures(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_run *run = mkrun(KVM_EXIT_INTERNAL_ERROR);
	struct vm_exit vme;

	/* KVM's emulator gave up on IRET (as kvm_pvm does in 32-bit PM) */
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags =
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = 3;
	memcpy(run->emulation_failure.insn_bytes, "\xcf\x52\x50", 3);
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_INST_EMUL);
	assert_int_equal(vme.u.inst_emul.nbytes, 3);
	assert_int_equal(vme.u.inst_emul.bytes[0], 0xcf);
	assert_int_equal(vme.u.inst_emul.bytes[2], 0x50);
	assert_string_equal(vme.u.inst_emul.why, "KVM_EXIT_INTERNAL_ERROR "
	    "suberror 1: KVM could not emulate an instruction");

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = 0x80000021;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_INST_EMUL);
	assert_int_equal(vme.u.inst_emul.nbytes, 0);
	assert_string_equal(vme.u.inst_emul.why, "KVM_EXIT_FAIL_ENTRY: "
	    "hardware entry failure reason 0x80000021");

	run->exit_reason = 1234;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_string_equal(vme.u.inst_emul.why,
	    "unexpected KVM exit reason 1234");
	assert_int_equal(handler_calls, 0);
	free(run);
	free(f);
}

/* ---- -G: KVM_SET_GUEST_DEBUG and KVM_EXIT_DEBUG (kvm_debug.c) ---- */

static void
test_guestdbg_control(void **state)
{
	bool caps[VM_CAP_MAX] = { false };

	assert_int_equal(kvm_guestdbg_control(caps, 0), 0);
	caps[VM_CAP_HALT_EXIT] = true;
	assert_int_equal(kvm_guestdbg_control(caps, 0), 0);
	caps[VM_CAP_BPT_EXIT] = true;
	assert_int_equal(kvm_guestdbg_control(caps, 0), 0x10001);
	caps[VM_CAP_MTRAP_EXIT] = true;
	assert_int_equal(kvm_guestdbg_control(caps, 0), 0x10003);
	/* interrupts held while stepping where KVM can (GUEST_DEBUG2) */
	assert_int_equal(kvm_guestdbg_control(caps, 0x1f0003), 0x110003);
	caps[VM_CAP_BPT_EXIT] = false;
	assert_int_equal(kvm_guestdbg_control(caps, 0x1f0003), 0x100003);
	assert_int_equal(kvm_guestdbg_control(caps, 0x0f0003), 0x3);
}

static void
test_debug_caps(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_vcpu_sc *sc = &f->sc[0];
	int v = -1;

	/* a KVM without KVM_CAP_SET_GUEST_DEBUG: -G is refused */
	assert_int_equal(kvm_dbg_get_capability(&f->vcpu[0], VM_CAP_BPT_EXIT,
	    &v), -ENOTSUP);
	assert_int_equal(kvm_dbg_set_capability(&f->vcpu[0],
	    VM_CAP_MTRAP_EXIT, 1), -ENOTSUP);
	assert_int_equal(v, -1);
	f->vm.guestdbg = true;
	assert_int_equal(kvm_dbg_get_capability(&f->vcpu[0], VM_CAP_BPT_EXIT,
	    &v), 0);
	assert_int_equal(v, 0);
	/* set from gdb's thread: remembered, applied before KVM_RUN */
	assert_int_equal(kvm_dbg_set_capability(&f->vcpu[0], VM_CAP_BPT_EXIT,
	    7), 0);
	assert_true(sc->caps[VM_CAP_BPT_EXIT]);
	assert_true(atomic_load(&sc->dbg_dirty));
	assert_int_equal(kvm_dbg_get_capability(&f->vcpu[0], VM_CAP_BPT_EXIT,
	    &v), 0);
	assert_int_equal(v, 1);
	/* nothing to change: no ioctl (fd is -1), the flag is consumed */
	sc->caps[VM_CAP_BPT_EXIT] = false;
	assert_int_equal(kvm_guestdbg_apply(sc, 0, true), 0);
	assert_false(atomic_load(&sc->dbg_dirty));
	/* a change reaches KVM_SET_GUEST_DEBUG: here EBADF, reported */
	sc->caps[VM_CAP_MTRAP_EXIT] = true;
	atomic_store(&sc->dbg_dirty, true);
	assert_int_equal(kvm_guestdbg_apply(sc, 0, false), -EBADF);
	assert_int_equal(sc->dbg_control, 0);
	free(f);
}

static void
test_exit_debug_bp(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_vcpu_sc *sc = &f->sc[0];
	struct kvm_run *run = mkrun(KVM_EXIT_DEBUG);
	struct vm_exit vme;

	/* INT3 at 0xffffffff801000e2 (gdbtest's gdb_bp), intercepted */
	sc->regs_valid = true;
	sc->regs.rip = 0xffffffff801000e2ULL;
	run->debug.arch.exception = 3;
	run->debug.arch.pc = 0xffffffff801000e2ULL;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_BPT);
	assert_int_equal(vme.rip, 0xffffffff801000e2ULL);
	assert_int_equal(vme.inst_length, 1);
	assert_true(sc->bpt_valid);
	assert_int_equal(sc->bpt_rip, 0xffffffff801000e2ULL);

	/* the guest's own INT3: gdb.c moves RIP past it and injects #BP;
	 * KVM adds the INT3's length itself, so RIP goes back on it */
	sc->regs.rip += 1;
	kvm_dbg_soft_exception(sc, 6);
	assert_int_equal(sc->regs.rip, 0xffffffff801000e3ULL);
	assert_false(sc->regs_dirty);
	kvm_dbg_soft_exception(sc, 3);
	assert_int_equal(sc->regs.rip, 0xffffffff801000e2ULL);
	assert_true(sc->regs_dirty);
	/* RIP moved elsewhere by gdb: left alone */
	sc->regs.rip = 0x1000;
	sc->regs_dirty = false;
	kvm_dbg_soft_exception(sc, 3);
	assert_int_equal(sc->regs.rip, 0x1000);
	assert_false(sc->regs_dirty);

	/* real mode: without the register cache, debug.arch.pc (CS.base +
	 * IP) is all there is */
	sc->regs_valid = false;
	run->debug.arch.pc = 0xf0123;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_BPT);
	assert_int_equal(vme.rip, 0xf0123);
	assert_int_equal(handler_calls, 0);
	free(run);
	free(f);
}

static void
test_exit_debug_step(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_vcpu_sc *sc = &f->sc[0];
	struct kvm_run *run = mkrun(KVM_EXIT_DEBUG);
	struct vm_exit vme;

	sc->regs_valid = true;
	sc->regs.rip = 0x100011;
	run->debug.arch.exception = 1;
	run->debug.arch.dr6 = 0xffff4ff0;	/* BS */
	run->debug.arch.pc = 0x100011;
	/* a step exit that comes after stepping was turned off: run on */
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RESUME);
	sc->caps[VM_CAP_MTRAP_EXIT] = true;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_MTRAP);
	assert_int_equal(vme.rip, 0x100011);
	assert_false(sc->bpt_valid);
	/* the guest's own #DB while stepping ends the step too */
	run->debug.arch.dr6 = 0xffff0ff1;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_MTRAP);
	/* ... and without stepping it was never asked for: exit 4 */
	sc->caps[VM_CAP_MTRAP_EXIT] = false;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_INST_EMUL);
	assert_string_equal(vme.u.inst_emul.why, "KVM_EXIT_DEBUG with "
	    "exception 1 (dr6 0xffff0ff1), which lhyve did not ask for");
	run->debug.arch.exception = 6;
	run->debug.arch.dr6 = 0;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_string_equal(vme.u.inst_emul.why, "KVM_EXIT_DEBUG with "
	    "exception 6 (dr6 0x0), which lhyve did not ask for");
	assert_int_equal(handler_calls, 0);
	free(run);
	free(f);
}

/* Recorded on kvm_pvm: KVM's emulator gives up on gdb's INT3 (F1). */
static void
test_exit_emul_int3(void **state)
{
	struct fake *f = mkfake(1);
	struct kvm_vcpu_sc *sc = &f->sc[0];
	struct kvm_run *run = mkrun(KVM_EXIT_INTERNAL_ERROR);
	struct vm_exit vme;

	sc->regs_valid = true;
	sc->regs.rip = 0x1000a2;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags =
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = 15;
	memcpy(run->emulation_failure.insn_bytes,
	    "\xcc\xb8\x10\x00\x8e\xd8\x8e\xc0\x8e\xd0\x48\xb8\x00\x00\x00", 15);
	/* without -G's breakpoints it stays KVM's failure (exit 4) */
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_INST_EMUL);
	assert_int_equal(vme.u.inst_emul.bytes[0], 0xcc);
	/* with them, it is the breakpoint exit; no #BP was intercepted,
	 * so a reinjected #BP keeps gdb.c's RIP */
	sc->caps[VM_CAP_BPT_EXIT] = true;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_BPT);
	assert_int_equal(vme.rip, 0x1000a2);
	assert_int_equal(vme.inst_length, 1);
	assert_false(sc->bpt_valid);
	/* INT 0x80 (cd 80) or a failure without the bytes: KVM's failure */
	run->emulation_failure.insn_bytes[0] = 0xcd;
	run->emulation_failure.insn_bytes[1] = 0x80;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_INST_EMUL);
	run->emulation_failure.insn_bytes[0] = 0xcc;
	run->emulation_failure.flags = 0;
	assert_int_equal(kvm_exit_translate(&f->vcpu[0], run, &vme),
	    KVM_XL_RETURN);
	assert_int_equal(vme.exitcode, VM_EXITCODE_INST_EMUL);
	assert_int_equal(handler_calls, 0);
	free(run);
	free(f);
}

static void
test_seg_access(void **state)
{
	struct kvm_segment s;

	/* a 64-bit ring-0 code segment: type b, S, P, L, G */
	memset(&s, 0, sizeof(s));
	kvm_seg_from_access(&s, 0xa09b);
	assert_int_equal(s.type, 0xb);
	assert_true(s.s && s.present && s.l && s.g);
	assert_false(s.db || s.avl || s.unusable);
	assert_int_equal(s.dpl, 0);
	assert_int_equal(kvm_seg_access(&s), 0xa09b);
	/* ring-3 data with D/B */
	kvm_seg_from_access(&s, 0xc0f3);
	assert_int_equal(s.dpl, 3);
	assert_int_equal(kvm_seg_access(&s), 0xc0f3);
	kvm_seg_from_access(&s, SEG_ACC_UNUSABLE);
	assert_int_equal(kvm_seg_access(&s), SEG_ACC_UNUSABLE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid_filtered),
		cmocka_unit_test(test_cpuid_x2apic_and_clock),
		cmocka_unit_test(test_cpuid_leaf_unsupported),
		cmocka_unit_test(test_slots_lowmem_roms),
		cmocka_unit_test(test_slots_edges),
		cmocka_unit_test(test_exit_string_out),
		cmocka_unit_test(test_exit_string_in),
		cmocka_unit_test(test_exit_imcr),
		cmocka_unit_test(test_exit_mmio),
		cmocka_unit_test(test_exit_msr),
		cmocka_unit_test(test_exit_abort),
		cmocka_unit_test(test_exit_shutdown_events),
		cmocka_unit_test(test_exit_failures),
		cmocka_unit_test(test_seg_access),
		cmocka_unit_test(test_guestdbg_control),
		cmocka_unit_test(test_debug_caps),
		cmocka_unit_test(test_exit_debug_bp),
		cmocka_unit_test(test_exit_debug_step),
		cmocka_unit_test(test_exit_emul_int3),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
