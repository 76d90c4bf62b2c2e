/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvm_run.c: vm_run on KVM_RUN.  Translates each exit in the mmap'd
 * kvm_run area into lhyve's struct vm_exit: port I/O (string I/O one
 * element at a time), MMIO, MSRs the backend does not own, shutdown
 * (triple fault), system events and KVM's failures; I/O, MMIO and MSR
 * exits go to the exit handler right here, as the emu does, so that the
 * handler's answer completes the instruction at the next KVM_RUN.  Also:
 * kicking a vCPU out of KVM_RUN, telling the APs' threads to start, and
 * noticing that every vCPU sits in HLT with interrupts off (exit 2).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/kvm/kvm_priv.h"

/* Interrupts KVM_RUN (kicks, halt checks); the handler does nothing. */
#define KVM_KICK_SIGNAL	(SIGRTMIN + 2)

/* The halt check runs this often on each vCPU thread (kvm_halt_check). */
#define KVM_PEEK_NS	20000000L

#define RFLAGS_IF	0x200ULL

static void
kick_handler(int sig)
{
	(void)sig;
}

int
kvm_kick_signal_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	/* SA_RESTART: device code interrupted by a kick carries on; KVM_RUN
	 * itself returns EINTR whatever the flag (it is never restarted) */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(KVM_KICK_SIGNAL, &sa, NULL) != 0)
		return (-errno);
	return (0);
}

void
kvm_op_kick(struct vcpu *vcpu)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);

	/*
	 * The flag first, then immediate_exit (api.rst 5: a KVM_RUN that
	 * starts after this returns EINTR at once), then the signal for a
	 * KVM_RUN already running.  The run loop clears immediate_exit
	 * before it tests the flag, so no kick is lost.
	 */
	atomic_store(&sc->kick, 1);
	sc->run->immediate_exit = 1;
	if (atomic_load(&sc->have_thread))
		pthread_kill(atomic_load(&sc->thread), KVM_KICK_SIGNAL);
}

/* ---- IMCR (MP spec 1.4 §3.6.2.1): ports 0x22/0x23, not KVM's ---- */

/*
 * 1 if the access was the IMCR's.  KVM's 8259 output always reaches the
 * LAPICs' LINT0 as the LAPICs program it, so the register only has to
 * read back what was written.
 */
int
kvm_imcr_io(struct kvm_vm *vm, struct vm_exit *vme)
{
	uint16_t port = vme->u.inout.port;

	if ((port != 0x22 && port != 0x23) || vme->u.inout.bytes != 1)
		return (0);
	pthread_mutex_lock(&vm->mtx);
	if (vme->u.inout.in) {
		if (port == 0x22)
			vme->u.inout.eax = vm->imcr_sel;
		else
			vme->u.inout.eax = vm->imcr_sel == 0x70 ? vm->imcr :
			    0xff;
	} else if (port == 0x22) {
		vm->imcr_sel = vme->u.inout.eax & 0xff;
	} else if (vm->imcr_sel == 0x70) {
		vm->imcr = vme->u.inout.eax & 1;
	}
	pthread_mutex_unlock(&vm->mtx);
	return (1);
}

/* ---- exit translation ---- */

/* The exit handler said stop: leave vm_run as the emu does. */
static int
leave_aborted(struct vcpu *vcpu, struct vm_exit *vme)
{
	int how = atomic_load(&vcpu->ctx->suspend);

	memset(&vme->u, 0, sizeof(vme->u));
	if (how != VM_SUSPEND_NONE) {
		vme->exitcode = VM_EXITCODE_SUSPENDED;
		vme->u.suspended.how = how;
	} else {
		vme->exitcode = VM_EXITCODE_DEBUG;
	}
	return (KVM_XL_RETURN);
}

static int
call_handler(struct vcpu *vcpu, struct vm_exit *vme)
{
	vcpu->stats[VMST_EXITS_TOTAL]++;
	return (vcpu->ctx->exit_handler(vcpu, vme));
}

static int
xl_io(struct vcpu *vcpu, struct kvm_run *run, struct vm_exit *vme)
{
	struct kvm_vm *vm = kvm_vm(vcpu->ctx);
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	int size = run->io.size;

	if (size != 1 && size != 2 && size != 4)
		return (-EINVAL);
	/* string I/O (INS/OUTS, REP): count elements in the data area */
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		memset(vme, 0, sizeof(*vme));
		vme->exitcode = VM_EXITCODE_INOUT;
		vme->u.inout.port = run->io.port;
		vme->u.inout.bytes = size;
		vme->u.inout.in = run->io.direction == KVM_EXIT_IO_IN;
		if (!vme->u.inout.in)
			memcpy(&vme->u.inout.eax, data, size);
		vcpu->stats[VMST_EXITS_INOUT]++;
		if (!kvm_imcr_io(vm, vme) &&
		    call_handler(vcpu, vme) == VMEXIT_ABORT)
			return (leave_aborted(vcpu, vme));
		if (vme->u.inout.in)
			memcpy(data, &vme->u.inout.eax, size);
	}
	return (KVM_XL_RESUME);
}

static int
xl_mmio(struct vcpu *vcpu, struct kvm_run *run, struct vm_exit *vme)
{
	struct vm_memseg *seg;
	int len = run->mmio.len;

	if (len < 1 || len > 8)
		return (-EINVAL);
	/* a write to a read-only slot (ROM): dropped, as on emu */
	seg = vm_find_memseg(vcpu->ctx, run->mmio.phys_addr);
	if (seg != NULL && seg->readonly && run->mmio.is_write)
		return (KVM_XL_RESUME);
	memset(vme, 0, sizeof(*vme));
	vme->exitcode = VM_EXITCODE_MMIO;
	vme->u.mmio.gpa = run->mmio.phys_addr;
	vme->u.mmio.bytes = len;
	vme->u.mmio.read = !run->mmio.is_write;
	if (run->mmio.is_write)
		memcpy(&vme->u.mmio.data, run->mmio.data, len);
	vcpu->stats[VMST_EXITS_MMIO]++;
	if (call_handler(vcpu, vme) == VMEXIT_ABORT)
		return (leave_aborted(vcpu, vme));
	if (!run->mmio.is_write)
		memcpy(run->mmio.data, &vme->u.mmio.data, len);
	return (KVM_XL_RESUME);
}

/* KVM_CAP_X86_USER_SPACE_MSR exits: x86.strictmsr decides in vmexit.c. */
static int
xl_msr(struct vcpu *vcpu, struct kvm_run *run, struct vm_exit *vme, bool wr)
{
	int rc;

	memset(vme, 0, sizeof(*vme));
	vme->exitcode = wr ? VM_EXITCODE_WRMSR : VM_EXITCODE_RDMSR;
	vme->u.msr.code = run->msr.index;
	if (wr)
		vme->u.msr.wval = run->msr.data;
	vcpu->stats[VMST_EXITS_MSR]++;
	rc = call_handler(vcpu, vme);
	if (rc == VMEXIT_ABORT)
		return (leave_aborted(vcpu, vme));
	/* error = 1: KVM injects #GP(0) (api.rst, KVM_EXIT_X86_RDMSR) */
	run->msr.error = rc == VMEXIT_FAULT_GP;
	if (!wr && rc != VMEXIT_FAULT_GP)
		run->msr.data = vme->u.msr.rval;
	return (KVM_XL_RESUME);
}

/* KVM could not go on: say why with the registers, then exit status 4. */
static int
xl_failure(struct vcpu *vcpu, struct kvm_run *run, struct vm_exit *vme,
    const char *what)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	uint64_t rip = 0;

	memset(vme, 0, sizeof(*vme));
	snprintf(sc->why, sizeof(sc->why), "%s", what);
	kvm_dump_regs(sc, what);
	if (kvm_regs_load(sc) == 0)
		rip = sc->regs.rip;
	vme->rip = rip;
	vme->exitcode = VM_EXITCODE_INST_EMUL;
	vme->u.inst_emul.why = sc->why;
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    (run->emulation_failure.flags &
	    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		int n = run->emulation_failure.insn_size;
		if (n > 15)
			n = 15;
		memcpy(vme->u.inst_emul.bytes,
		    run->emulation_failure.insn_bytes, n);
		vme->u.inst_emul.nbytes = n;
	}
	vcpu->stats[VMST_EXITS_OTHER]++;
	return (KVM_XL_RETURN);
}

static const char *
internal_error_name(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return ("KVM could not emulate an instruction");
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return ("exception while delivering an exception");
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return ("event delivery failed (bad IDT or stack)");
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return ("unexpected hardware exit reason");
	}
	return ("unknown");
}

/*
 * One exit: KVM_XL_RESUME when it is dealt with (run again), KVM_XL_RETURN
 * with vme filled for lhyve's run loop, or -errno for a malformed exit.
 * Depends only on the kvm_run area, the VM's memsegs and the exit handler,
 * so tests/unit/test_kvm.c feeds it recorded kvm_run states.
 */
int
kvm_exit_translate(struct vcpu *vcpu, struct kvm_run *run,
    struct vm_exit *vme)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	char what[128];
	int r;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return (xl_io(vcpu, run, vme));
	case KVM_EXIT_MMIO:
		return (xl_mmio(vcpu, run, vme));
	case KVM_EXIT_X86_RDMSR:
		return (xl_msr(vcpu, run, vme, false));
	case KVM_EXIT_X86_WRMSR:
		return (xl_msr(vcpu, run, vme, true));
	case KVM_EXIT_HLT:
		/* only without the in-kernel LAPIC, i.e. never today */
		vcpu->stats[VMST_EXITS_HLT]++;
		if (!sc->caps[VM_CAP_HALT_EXIT])
			return (KVM_XL_RESUME);
		memset(vme, 0, sizeof(*vme));
		vme->exitcode = VM_EXITCODE_HLT;
		return (KVM_XL_RETURN);
	case KVM_EXIT_SHUTDOWN:
		/* a triple fault (SDM 3A §7.15; api.rst KVM_EXIT_SHUTDOWN) */
		memset(vme, 0, sizeof(*vme));
		if (kvm_regs_load(sc) == 0)
			vme->rip = sc->regs.rip;
		vme->exitcode = VM_EXITCODE_SUSPENDED;
		vme->u.suspended.how = VM_SUSPEND_TRIPLEFAULT;
		vcpu->stats[VMST_EXITS_OTHER]++;
		return (KVM_XL_RETURN);
	case KVM_EXIT_SYSTEM_EVENT:
		memset(vme, 0, sizeof(*vme));
		vme->exitcode = VM_EXITCODE_SUSPENDED;
		vcpu->stats[VMST_EXITS_OTHER]++;
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vme->u.suspended.how = VM_SUSPEND_POWEROFF;
			return (KVM_XL_RETURN);
		case KVM_SYSTEM_EVENT_RESET:
			vme->u.suspended.how = VM_SUSPEND_RESET;
			return (KVM_XL_RETURN);
		}
		snprintf(what, sizeof(what), "KVM system event %u",
		    run->system_event.type);
		return (xl_failure(vcpu, run, vme, what));
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "KVM_EXIT_FAIL_ENTRY: hardware "
		    "entry failure reason 0x%llx",
		    (unsigned long long)
		    run->fail_entry.hardware_entry_failure_reason);
		return (xl_failure(vcpu, run, vme, what));
	case KVM_EXIT_INTERNAL_ERROR:
		/* gdb's INT3 where KVM's emulator saw it first (kvm_debug.c) */
		if ((r = kvm_xl_emul_int3(vcpu, run, vme)) != -ENOTSUP)
			return (r);
		snprintf(what, sizeof(what), "KVM_EXIT_INTERNAL_ERROR "
		    "suberror %u: %s", run->internal.suberror,
		    internal_error_name(run->internal.suberror));
		return (xl_failure(vcpu, run, vme, what));
	case KVM_EXIT_INTR:
		return (KVM_XL_RESUME);
	case KVM_EXIT_DEBUG:
		/* -G: breakpoints and steps (kvm_debug.c) */
		r = kvm_xl_debug(vcpu, run, vme);
		if (r != -ENOTSUP)
			return (r);
		snprintf(what, sizeof(what), "KVM_EXIT_DEBUG with exception %u "
		    "(dr6 0x%llx), which lhyve did not ask for",
		    run->debug.arch.exception,
		    (unsigned long long)run->debug.arch.dr6);
		return (xl_failure(vcpu, run, vme, what));
	}
	snprintf(what, sizeof(what), "unexpected KVM exit reason %u",
	    run->exit_reason);
	return (xl_failure(vcpu, run, vme, what));
}

/* ---- every vCPU in HLT with IF=0: VM_SUSPEND_HALT, exit status 2 ---- */

/*
 * With the in-kernel LAPIC a HLT never reaches userspace: KVM blocks the
 * vCPU thread.  So each vCPU thread is interrupted every KVM_PEEK_NS and
 * looks at its own state (only its own thread may: KVM_RUN holds the
 * vCPU).  A vCPU halted with IF=0, or waiting for INIT/SIPI, counts as
 * halted, as on emu.  When the count reaches the number of running
 * vCPUs, a new round (halt_gen) starts and every vCPU is made to look
 * again at once; the VM halts only when all have looked in this round
 * and all were still halted, so a vCPU woken by a SIPI since its last
 * look is never counted stale.
 */
static void
kvm_halt_check(struct vcpu *vcpu)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	struct vmctx *ctx = vcpu->ctx;
	struct kvm_vm *vm = kvm_vm(ctx);
	struct kvm_mp_state mp;
	bool halted = false, all;
	unsigned g;

	if (ioctl(sc->fd, KVM_GET_MP_STATE, &mp) == 0) {
		if (mp.mp_state == KVM_MP_STATE_HALTED)
			halted = kvm_regs_load(sc) == 0 &&
			    !(sc->regs.rflags & RFLAGS_IF);
		else if (mp.mp_state == KVM_MP_STATE_UNINITIALIZED ||
		    mp.mp_state == KVM_MP_STATE_INIT_RECEIVED)
			halted = true;
	}
	if (halted != sc->halt_counted) {
		sc->halt_counted = halted;
		atomic_fetch_add(&vm->nhalted, halted ? 1 : -1);
	}
	g = atomic_load(&vm->halt_gen);
	atomic_store(&sc->halt_seen, g);
	if (!halted || atomic_load(&vm->nhalted) < atomic_load(&vm->nactive))
		return;
	all = g != 0;
	for (int i = 0; i < ctx->ncpus && all; i++) {
		struct vcpu *v = ctx->vcpu[i];
		struct kvm_vcpu_sc *o = v != NULL ? kvm_sc(v) : NULL;
		if (o != NULL && o->active && atomic_load(&o->halt_seen) != g)
			all = false;
	}
	if (all) {
		vm_suspend(ctx, VM_SUSPEND_HALT);
		return;
	}
	/* a new round: everyone looks again now */
	if (atomic_compare_exchange_strong(&vm->halt_gen, &g, g + 1))
		atomic_store(&sc->halt_seen, g + 1);
	for (int i = 0; i < ctx->ncpus; i++) {
		struct vcpu *v = ctx->vcpu[i];
		struct kvm_vcpu_sc *o = v != NULL ? kvm_sc(v) : NULL;
		if (o != NULL && o != sc && o->active &&
		    atomic_load(&o->have_thread))
			pthread_kill(atomic_load(&o->thread), KVM_KICK_SIGNAL);
	}
}

static void
peek_arm(struct kvm_vcpu_sc *sc, bool on)
{
	struct itimerspec its;
	struct sigevent sev;

	if (!sc->peek_made) {
		if (!on)
			return;
		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = KVM_KICK_SIGNAL;
		sev._sigev_un._tid = gettid();
		if (timer_create(CLOCK_MONOTONIC, &sev, &sc->peek) != 0)
			return;		/* no halt detection, nothing worse */
		sc->peek_made = true;
	}
	memset(&its, 0, sizeof(its));
	if (on) {
		its.it_value.tv_nsec = KVM_PEEK_NS;
		its.it_interval.tv_nsec = KVM_PEEK_NS;
	}
	(void)timer_settime(sc->peek, 0, &its, NULL);
}

/* ---- vm_run ---- */

int
kvm_op_run(struct vcpu *vcpu, struct vm_exit *vme)
{
	struct kvm_vcpu_sc *sc = kvm_sc(vcpu);
	struct vmctx *ctx = vcpu->ctx;
	struct kvm_vm *vm = kvm_vm(ctx);
	sigset_t unblock;
	bool written;
	int how, r, error = 0;

	memset(vme, 0, sizeof(*vme));
	if (!atomic_load(&sc->have_thread)) {
		atomic_store(&sc->thread, pthread_self());
		atomic_store(&sc->have_thread, true);
		sigemptyset(&unblock);
		sigaddset(&unblock, KVM_KICK_SIGNAL);
		pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
	}
	if (!sc->active) {
		sc->active = true;
		atomic_fetch_add(&vm->nactive, 1);
	}
	/*
	 * The BSP's first runs start the APs' threads, one SPINUP_AP exit
	 * each: their KVM_RUN waits in the kernel for INIT and SIPI from the
	 * in-kernel LAPIC (bhyve starts the thread at the SIPI instead).
	 */
	if (vcpu->id == 0 && sc->next_ap < ctx->ncpus) {
		if (sc->next_ap == 0)
			sc->next_ap = 1;
		while (sc->next_ap < ctx->ncpus) {
			struct vcpu *ap = ctx->vcpu[sc->next_ap++];
			if (ap == NULL || ap->backend == NULL ||
			    kvm_sc(ap)->ran)
				continue;
			kvm_sc(ap)->in_kernel_sipi = true;
			vme->exitcode = VM_EXITCODE_SPINUP_AP;
			vme->u.spinup_ap.vcpu = ap->id;
			return (0);
		}
	}
	peek_arm(sc, true);
	for (;;) {
		how = atomic_load(&ctx->suspend);
		if (how != VM_SUSPEND_NONE) {
			atomic_store(&sc->kick, 0);
			vme->exitcode = VM_EXITCODE_SUSPENDED;
			vme->u.suspended.how = how;
			break;
		}
		sc->run->immediate_exit = 0;
		if (atomic_exchange(&sc->kick, 0)) {
			vme->exitcode = VM_EXITCODE_DEBUG;
			break;
		}
		written = sc->regs_dirty || sc->sregs_dirty;
		if ((error = kvm_regs_flush(sc)) != 0) {
			kvm_dump_regs(sc, "KVM_SET_REGS/KVM_SET_SREGS failed");
			break;
		}
		/* after the registers: a step starts at the RIP set now */
		if ((error = kvm_guestdbg_apply(sc, vm->guestdbg2,
		    written)) != 0) {
			fprintf(stderr, "lhyve: vcpu %d: KVM_SET_GUEST_DEBUG: "
			    "%s\n", vcpu->id, strerror(-error));
			break;
		}
		sc->bpt_valid = false;
		sc->ran = true;
		r = ioctl(sc->fd, KVM_RUN, 0);
		kvm_regs_invalidate(sc);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/* a kick, a suspend or the halt check */
				kvm_halt_check(vcpu);
				continue;
			}
			error = -errno;
			fprintf(stderr, "lhyve: vcpu %d: KVM_RUN: %s\n",
			    vcpu->id, strerror(errno));
			break;
		}
		if (sc->halt_counted) {
			sc->halt_counted = false;
			atomic_fetch_sub(&vm->nhalted, 1);
		}
		r = kvm_exit_translate(vcpu, sc->run, vme);
		if (r < 0) {
			error = r;
			fprintf(stderr, "lhyve: vcpu %d: malformed KVM exit %u\n",
			    vcpu->id, sc->run->exit_reason);
			break;
		}
		if (r == KVM_XL_RETURN)
			break;
	}
	peek_arm(sc, false);
	if (error == 0 && vme->exitcode == VM_EXITCODE_SUSPENDED &&
	    vme->rip == 0 && kvm_regs_load(sc) == 0)
		vme->rip = sc->regs.rip;
	return (error);
}
