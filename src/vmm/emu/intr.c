/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * intr.c: how interrupts reach the emu backend's vCPUs.  Between blocks
 * the run loop reads one atomic flag (intr_req); when it is set, this file
 * handles INIT/SIPI, NMI (blocked until IRET), and the highest LAPIC vector
 * or the 8259's vector (through LINT0), delivered through the IDT as an
 * external interrupt when IF=1 and no STI/MOV SS shadow (SDM 3A §6.8.3).
 * It also claims the ports and MMIO pages of the in-emu interrupt and
 * timer hardware before they would exit to lhyve, and stops the world for
 * LOCK'd accesses that cannot be one host atomic (SDM 3A §8.1.2.2).
 */
#include <sched.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/intr.h"
#include "vmm/emu/vatpic.h"
#include "vmm/emu/vatpit.h"
#include "vmm/emu/vioapic.h"
#include "vmm/emu/vlapic.h"
#include "vmm/emu/vtimer.h"

void
emu_intr_notify(struct emu_cpu *cpu)
{
	atomic_store(&cpu->intr_req, 1);
	/* the lock orders this against halt_wait's check of intr_req */
	pthread_mutex_lock(&cpu->mtx);
	pthread_cond_broadcast(&cpu->cv);
	pthread_mutex_unlock(&cpu->mtx);
}

void
emu_intr_extint_changed(struct vmctx *ctx)
{
	for (int i = 0; i < ctx->ncpus; i++) {
		struct vcpu *v = ctx->vcpu[i];
		struct emu_cpu *cpu;

		if (v == NULL || (cpu = v->backend) == NULL ||
		    cpu->vlapic == NULL)
			continue;
		if (vlapic_extint_ok(cpu))
			emu_intr_notify(cpu);
	}
}

void
emu_intr_init(struct emu_cpu *t)
{
	if (atomic_load(&t->run_state) == EMU_RS_NOTSTARTED)
		return;		/* already waiting for SIPI */
	atomic_store(&t->init_pending, 1);
	emu_intr_notify(t);
}

void
emu_intr_sipi(struct emu_cpu *self, struct emu_cpu *t, int vec)
{
	int rs = EMU_RS_NOTSTARTED;
	struct vm_exit vme;

	if (atomic_compare_exchange_strong(&t->run_state, &rs,
	    EMU_RS_RUNNING)) {
		/*
		 * The AP has no thread yet: bhyve's SPINUP_AP exit, from the
		 * sender's vCPU thread, makes lhyve call vm_vcpu_startup()
		 * and start it.
		 */
		if (self == NULL || self->ctx->exit_handler == NULL) {
			atomic_store(&t->run_state, EMU_RS_NOTSTARTED);
			return;
		}
		memset(&vme, 0, sizeof(vme));
		vme.exitcode = VM_EXITCODE_SPINUP_AP;
		vme.u.spinup_ap.vcpu = t->vcpu->id;
		vme.u.spinup_ap.rip = (uint64_t)vec << 12;
		emu_exit_call(self, &vme);
		return;
	}
	/*
	 * Waiting for SIPI, or about to be (an INIT sent but not yet taken
	 * by t's thread: the sender cannot tell, and the MP protocol's
	 * INIT-SIPI pair must not depend on how fast t's thread runs).
	 */
	if (rs == EMU_RS_WAITSIPI || atomic_load(&t->init_pending)) {
		atomic_store(&t->sipi_vector, vec);
		emu_intr_notify(t);
	}
	/* a running CPU ignores SIPI (SDM 3A §8.4.4.1) */
}

static void
unhalt(struct emu_cpu *cpu)
{
	if (!cpu->halted)
		return;
	cpu->halted = false;
	if (cpu->halt_counted) {
		cpu->halt_counted = false;
		atomic_fetch_sub(&cpu->vm->nhalted_noirq, 1);
	}
}

/* Deliver vec as an external interrupt or NMI: no error code, EXT = 1. */
static void
deliver(struct emu_cpu *cpu, int vec)
{
	unhalt(cpu);
	cpu->intr_shadow = 0;
	/* a fault while delivering it is a plain first exception */
	cpu->delivering = -1;
	emu_deliver(cpu, vec, false, 0, false, cpu->rip);
	/* others may be pending behind it: look again next time */
	atomic_store_explicit(&cpu->intr_req, 1, memory_order_relaxed);
}

void
emu_intr_check(struct emu_cpu *cpu)
{
	bool shadow = cpu->intr_shadow != 0, ifl;
	int vec;

	atomic_store(&cpu->intr_req, 0);
	/* another vCPU is stopping the world: wait here, between blocks */
	if (atomic_load(&cpu->vm->excl_pending)) {
		emu_excl_leave(cpu);
		emu_excl_enter(cpu);
	}
	if (atomic_exchange(&cpu->init_pending, 0)) {
		/* INIT (SDM 3A §8.4.1, table 9-1): reset, wait for SIPI */
		unhalt(cpu);
		emu_cpu_reset(cpu);
		vlapic_reset(cpu->vlapic);
		cpu->nmi_blocked = false;
		atomic_store(&cpu->nmi_pending, 0);
		cpu->intr_wait = false;
		if (cpu->vcpu->id != 0)
			atomic_store(&cpu->run_state, EMU_RS_WAITSIPI);
		else
			atomic_store(&cpu->sipi_vector, -1);
		/* a SIPI sent right behind the INIT is taken below */
	}
	if (atomic_load(&cpu->run_state) == EMU_RS_WAITSIPI) {
		vec = atomic_exchange(&cpu->sipi_vector, -1);
		if (vec < 0)
			return;
		cpu->vcpu->ctx->ops->startup(cpu->vcpu, (uint64_t)vec << 12);
		atomic_store(&cpu->run_state, EMU_RS_RUNNING);
	}
	/* NMI: MOV SS blocks it too; one at a time until IRET */
	if (atomic_load(&cpu->nmi_pending) && !cpu->nmi_blocked && !shadow) {
		atomic_store(&cpu->nmi_pending, 0);
		cpu->nmi_blocked = true;
		deliver(cpu, EXC_NMI);
		return;
	}
	ifl = (cpu->rflags & FL_IF) && !shadow;
	cpu->intr_wait = false;
	vec = vlapic_intr(cpu->vlapic, ifl);
	if (vec < 0 && vlapic_extint_ok(cpu) &&
	    vatpic_pending(cpu->ctx)) {
		/* INTA happens only when the CPU takes the interrupt */
		vec = ifl ? vatpic_intack(cpu->ctx) : 0;
	}
	if (vec < 0)
		return;
	if (!ifl) {
		cpu->intr_wait = true;	/* retry when IF=1 and unshadowed */
		return;
	}
	deliver(cpu, vec);
}

/*
 * ---- stop-the-world for LOCK'd accesses off the fast path ----
 *
 * SDM 3A §8.1.2.2: a locked operation is atomic whatever its alignment,
 * even across cache lines and pages (a "split lock": the bus is locked).
 * The emu does LOCK'd read-modify-writes as host atomics on the host
 * pointer of a fast-path page.  When there is no single host pointer (the
 * operand crosses a page, or is MMIO), the other vCPUs are stopped instead
 * (as QEMU's start_exclusive): the requester sets excl_pending and pokes
 * intr_req of every vCPU still in guest code; each one parks at its next
 * block boundary (emu_intr_check).  vCPUs asleep in HLT, inside an exit
 * handler or outside vm_run are out of guest code already (in_guest 0) and
 * are not waited for; they wait in emu_excl_enter before running again.
 * The running fast path pays nothing: the request rides on the intr_req
 * load the run loop makes anyway.  in_guest and excl_pending are a Dekker
 * pair (both sequentially consistent): a vCPU entering either sees the
 * request or is seen by the requester.
 */
static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

void
emu_excl_leave(struct emu_cpu *cpu)
{
	if (!cpu->excl_held)
		atomic_store(&cpu->in_guest, 0);
}

/*
 * Wait until no vCPU holds the world: spin briefly (a stop is a few
 * instructions long), then give the host CPU away (on an overcommitted
 * host the holder may need this very core), then sleep.
 */
static void
excl_wait(struct emu_vm *vm)
{
	for (unsigned n = 0; atomic_load(&vm->excl_pending); n++) {
		if (n < 128) {
			cpu_relax();
		} else if (n < 128 + 32) {
			sched_yield();
		} else {
			pthread_mutex_lock(&vm->excl_mtx);
			atomic_fetch_add(&vm->excl_sleepers, 1);
			while (atomic_load(&vm->excl_pending))
				pthread_cond_wait(&vm->excl_cv, &vm->excl_mtx);
			atomic_fetch_sub(&vm->excl_sleepers, 1);
			pthread_mutex_unlock(&vm->excl_mtx);
			return;
		}
	}
}

void
emu_excl_enter(struct emu_cpu *cpu)
{
	struct emu_vm *vm = cpu->vm;

	if (cpu->excl_held)
		return;		/* an exit handler called inside begin/end */
	for (;;) {
		atomic_store(&cpu->in_guest, 1);
		if (likely(!atomic_load(&vm->excl_pending)))
			return;
		atomic_store(&cpu->in_guest, 0);
		excl_wait(vm);
	}
}

void
emu_excl_begin(struct emu_cpu *cpu)
{
	struct emu_vm *vm = cpu->vm;
	struct vmctx *ctx = cpu->ctx;
	int zero;

	/* out of guest code first: another requester may be waiting for us */
	atomic_store(&cpu->in_guest, 0);
	for (;;) {
		zero = 0;
		if (atomic_compare_exchange_strong(&vm->excl_pending, &zero,
		    1))
			break;
		excl_wait(vm);
	}
	cpu->excl_held = true;
	for (int i = 0; i < ctx->ncpus; i++) {
		struct vcpu *v = ctx->vcpu[i];
		struct emu_cpu *c;

		if (v == NULL || (c = v->backend) == NULL || c == cpu)
			continue;
		/*
		 * A running vCPU reaches a block boundary within 64
		 * instructions, unless the host has preempted its thread:
		 * spin a little, then give the host CPU away.
		 */
		for (unsigned n = 0; atomic_load(&c->in_guest); n++) {
			atomic_store(&c->intr_req, 1);
			if (n < 256)
				cpu_relax();
			else
				sched_yield();
		}
	}
}

void
emu_excl_end(struct emu_cpu *cpu)
{
	struct emu_vm *vm = cpu->vm;

	cpu->excl_held = false;
	atomic_store(&vm->excl_pending, 0);
	/* sleepers counted themselves before looking at excl_pending */
	if (atomic_load(&vm->excl_sleepers) != 0) {
		pthread_mutex_lock(&vm->excl_mtx);
		pthread_cond_broadcast(&vm->excl_cv);
		pthread_mutex_unlock(&vm->excl_mtx);
	}
	emu_excl_enter(cpu);
}

/*
 * ---- PAUSE in a spin-wait loop ----
 *
 * A guest vCPU spinning on a lock (Linux: queued spinlocks, rwlocks,
 * rwsem/mutex owner spinning) waits for another vCPU whose host thread
 * the host may have preempted: on an overcommitted host the spinner then
 * burns its whole time slice (110 M PAUSEs in 25 s of two parallel
 * fork+exec loops on 2 vCPUs).  VMX PAUSE-loop exiting lets a hypervisor
 * give the CPU away in that case (SDM 3C §25.1.3); here the same PAUSE
 * run PAUSE_SPIN times with no more than PAUSE_GAP instructions between
 * two of them yields the host CPU.  A short spin (the holder is running)
 * pays one compare per PAUSE.  The state is per vCPU thread.
 */
#define PAUSE_SPIN	2048
#define PAUSE_GAP	256

static __thread uint64_t pause_rip, pause_insns;
static __thread unsigned pause_n;

void
emu_pause_spin(struct emu_cpu *cpu)
{
	/* cpu->insns moves per block: a spin loop's block is a few insns */
	if (cpu->rip != pause_rip || cpu->insns - pause_insns > PAUSE_GAP) {
		pause_rip = cpu->rip;
		pause_n = 0;
	}
	pause_insns = cpu->insns;
	if (++pause_n < PAUSE_SPIN)
		return;
	pause_n = 0;
	sched_yield();
}

void
emu_mref_lock_slow(struct emu_cpu *cpu, struct emu_mref *m)
{
	uint64_t la = m->la, gpa, last;
	struct vm_memseg *s;

	if ((la & 0xfff) + m->size <= 0x1000) {
		gpa = emu_translate(cpu, la, ACC_W, false);
		s = vm_find_memseg(cpu->ctx, gpa);
		if (s != NULL && gpa - s->gpa + m->size <= s->len) {
			if (s->readonly)
				return;	/* ROM: the write is dropped */
			/*
			 * RAM that holds decoded code (its writes take the
			 * slow path so blocks see them): host atomics on it
			 * too, the code is invalidated after the write.
			 */
			m->p = s->host + (gpa - s->gpa);
			m->pi = emu_pinfo(cpu->vm, cpu->ctx, gpa);
			m->lk = EMU_MREF_CODE;
			return;
		}
	} else {
		/* both pages, for writing, before the world stops */
		last = la + m->size - 1;
		if (!(cpu->efer & EFER_LMA))
			last &= 0xffffffffULL;
		emu_translate(cpu, la, ACC_W, false);
		emu_translate(cpu, last, ACC_W, false);
	}
	emu_excl_begin(cpu);
	m->lk = EMU_MREF_EXCL;
}

void
emu_mref_unlock_slow(struct emu_cpu *cpu, struct emu_mref *m)
{
	if (m->lk == EMU_MREF_CODE) {
		/*
		 * Blocks decoded from the page are stale (new version), but
		 * the code bit stays: they will be decoded again at once,
		 * and clearing it would make that re-decode bump code_gen,
		 * i.e. flush every vCPU's write TLB, on each LOCK'd write.
		 * The next plain slow-path write clears it as usual.
		 */
		if (m->pi != NULL && (atomic_load(m->pi) & EMU_PI_CODE))
			atomic_fetch_add(m->pi, EMU_PI_VER);
		emu_block_stale(cpu);	/* the running block may be stale */
	} else {
		emu_excl_end(cpu);
	}
	m->lk = 0;
}

uint64_t
emu_get_cr8(struct emu_cpu *cpu)
{
	return (vlapic_get_tpr(cpu->vlapic) >> 4);
}

void
emu_set_cr8(struct emu_cpu *cpu, uint64_t v)
{
	vlapic_set_tpr(cpu->vlapic, (v & 0xf) << 4);
}

/* ---- ports and MMIO owned by the emu ---- */

static bool
our_port(uint16_t port)
{
	switch (port) {
	case 0x20: case 0x21: case 0xa0: case 0xa1:	/* 8259 pair */
	case 0x4d0: case 0x4d1:				/* ELCR */
	case 0x40: case 0x41: case 0x42: case 0x43:	/* 8254 */
	case 0x61:					/* port B */
	case 0x22: case 0x23:				/* IMCR */
		return (true);
	}
	return (false);
}

static uint8_t
port_in(struct emu_cpu *cpu, uint16_t port)
{
	struct emu_vm *vm = cpu->vm;

	switch (port) {
	case 0x20: case 0x21: case 0xa0: case 0xa1: case 0x4d0: case 0x4d1:
		return (vatpic_in(cpu->ctx, port));
	case 0x40: case 0x41: case 0x42: case 0x43: case 0x61:
		return (vatpit_in(cpu->ctx, port));
	case 0x22:
		return (vm->imcr_sel);
	case 0x23:
		return (vm->imcr_sel == 0x70 ? vm->imcr : 0xff);
	}
	return (0xff);
}

static void
port_out(struct emu_cpu *cpu, uint16_t port, uint8_t v)
{
	struct emu_vm *vm = cpu->vm;

	switch (port) {
	case 0x20: case 0x21: case 0xa0: case 0xa1: case 0x4d0: case 0x4d1:
		vatpic_out(cpu->ctx, port, v);
		break;
	case 0x40: case 0x41: case 0x42: case 0x43: case 0x61:
		vatpit_out(cpu->ctx, port, v);
		break;
	case 0x22:
		vm->imcr_sel = v;
		break;
	case 0x23:
		/*
		 * IMCR (MP spec §3.6.2.1): 1 routes the 8259's INTR to the
		 * APICs (every LINT0), 0 to the BSP alone (vlapic_extint_ok).
		 */
		if (vm->imcr_sel == 0x70 && vm->imcr != (v & 1)) {
			vm->imcr = v & 1;
			emu_intr_extint_changed(cpu->ctx);
		}
		break;
	}
}

bool
emu_intr_exit(struct emu_cpu *cpu, struct vm_exit *vme)
{
	uint64_t gpa, d;

	if (vme->exitcode == VM_EXITCODE_INOUT) {
		uint16_t port = vme->u.inout.port;
		uint32_t v = 0;

		if (!our_port(port))
			return (false);
		/* wider accesses are consecutive byte ports */
		for (int i = 0; i < vme->u.inout.bytes; i++) {
			if (vme->u.inout.in)
				v |= (uint32_t)(our_port(port + i) ?
				    port_in(cpu, port + i) : 0xff) << (8 * i);
			else if (our_port(port + i))
				port_out(cpu, port + i,
				    vme->u.inout.eax >> (8 * i));
		}
		if (vme->u.inout.in)
			vme->u.inout.eax = v;
		return (true);
	}
	if (vme->exitcode != VM_EXITCODE_MMIO)
		return (false);
	gpa = vme->u.mmio.gpa;
	d = vme->u.mmio.data;
	if ((gpa & ~0xfffULL) == (cpu->apic_base & 0xfffff000ULL) &&
	    (cpu->apic_base & MSR_APIC_BASE_EN)) {
		vlapic_mmio(cpu, gpa & 0xfff, vme->u.mmio.bytes,
		    vme->u.mmio.read, &d);
	} else if (gpa - VM_IOAPIC_BASE < VIOAPIC_SIZE) {
		vioapic_mmio(cpu->ctx, gpa - VM_IOAPIC_BASE,
		    vme->u.mmio.bytes, vme->u.mmio.read, &d);
	} else {
		return (false);
	}
	if (vme->u.mmio.read)
		vme->u.mmio.data = d;
	return (true);
}

/* ---- setup ---- */

int
emu_intr_vm_init(struct vmctx *ctx)
{
	struct emu_vm *vm = ctx->backend;
	int error;

	pthread_mutex_init(&vm->excl_mtx, NULL);
	pthread_cond_init(&vm->excl_cv, NULL);
	if ((error = emu_timers_init(vm)) != 0 ||
	    (error = vioapic_init(ctx)) != 0 ||
	    (error = vatpic_init(ctx)) != 0 ||
	    (error = vatpit_init(ctx)) != 0)
		return (error);
	return (0);
}

void
emu_intr_vm_cleanup(struct vmctx *ctx)
{
	struct emu_vm *vm = ctx->backend;

	if (vm->timers == NULL)
		return;
	vatpit_cleanup(ctx);
	vatpic_cleanup(ctx);
	vioapic_cleanup(ctx);
	emu_timers_fini(vm);
	pthread_mutex_destroy(&vm->excl_mtx);
	pthread_cond_destroy(&vm->excl_cv);
}

int
emu_intr_vcpu_init(struct emu_cpu *cpu)
{
	atomic_store(&cpu->run_state, cpu->vcpu->id == 0 ? EMU_RS_RUNNING :
	    EMU_RS_NOTSTARTED);
	atomic_store(&cpu->sipi_vector, -1);
	return (vlapic_init(cpu));
}

void
emu_intr_vcpu_cleanup(struct emu_cpu *cpu)
{
	vlapic_cleanup(cpu);
}
