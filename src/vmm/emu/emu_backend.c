/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * emu_backend.c: the emu backend's operations table (vmm_priv.h): VM and
 * vCPU lifecycle, the vm_run loop (decoded blocks run back to back, with
 * suspend, kick and HLT handled between blocks; guest faults longjmp back
 * here and are delivered as exceptions), synchronous exits to lhyve's exit
 * handler, and register/descriptor access for loaders.
 */
#include <errno.h>
#include <stdlib.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/emu_debug.h"
#include "vmm/emu/fxsave.h"
#include "vmm/emu/intr.h"
#include "vmm/emu/trace.h"
#include "vmm/emu/vatpit.h"
#include "vmm/emu/vatpic.h"
#include "vmm/emu/vioapic.h"
#include "vmm/emu/vlapic.h"

/* ---- exits ---- */

int
emu_exit_call(struct emu_cpu *cpu, struct vm_exit *vme)
{
	int rc;

	/* the LAPIC, IOAPIC, 8259, 8254 and IMCR live here, not in lhyve */
	if ((vme->exitcode == VM_EXITCODE_INOUT ||
	    vme->exitcode == VM_EXITCODE_MMIO) && emu_intr_exit(cpu, vme)) {
		if (unlikely(emu_trace_mask))
			emu_trace_exit(cpu, vme);
		return (VMEXIT_CONTINUE);
	}
	vme->rip = cpu->rip;
	vme->inst_length = cpu->cur_op != NULL ? cpu->cur_op->i.len : 0;
	cpu->vcpu->stats[VMST_EXITS_TOTAL]++;
	/* out of guest code while lhyve handles it (stop-the-world) */
	emu_excl_leave(cpu);
	rc = cpu->ctx->exit_handler(cpu->vcpu, vme);
	emu_excl_enter(cpu);
	if (unlikely(emu_trace_mask))
		emu_trace_exit(cpu, vme);
	if (rc == VMEXIT_ABORT) {
		/*
		 * The VM is going away: leave vm_run at once, with the
		 * instruction not completed (RIP still on it).
		 */
		cpu->exit_vme = *vme;
		cpu->exit_vme.exitcode = VM_EXITCODE_DEBUG;
		emu_exit_longjmp(cpu);
	}
	return (rc);
}

/* ---- reset state (SDM 3A §9.1.1, table 9-1) ---- */

void
emu_cpu_reset(struct emu_cpu *cpu)
{
	struct emu_vm *vm = cpu->vm;

	/* counted in HLT or in wait-for-SIPI: uncount either way */
	if (cpu->halt_counted)
		atomic_fetch_sub(&vm->nhalted_noirq, 1);
	memset(cpu->r, 0, sizeof(cpu->r));
	cpu->r[R_DX] = 0x000306a9;	/* processor signature */
	cpu->rip = 0xfff0;
	cpu->lf_op = LF_NONE;
	cpu->rflags = FL_1;
	for (int sr = 0; sr < EMU_NSEGREG; sr++) {
		cpu->seg[sr].sel = 0;
		cpu->seg[sr].base = 0;
		cpu->seg[sr].limit = 0xffff;
		cpu->seg[sr].access = SEG_ACC_P | SEG_ACC_S | 0x3;
	}
	cpu->seg[EMU_CS].sel = 0xf000;
	cpu->seg[EMU_CS].base = 0xffff0000ULL;
	cpu->seg[EMU_CS].access = SEG_ACC_P | SEG_ACC_S | 0xb;
	cpu->seg[EMU_LDTR].access = SEG_ACC_P | 0x2;
	cpu->seg[EMU_TR].access = SEG_ACC_P | 0xb;
	cpu->gdtr_base = cpu->idtr_base = 0;
	cpu->gdtr_limit = cpu->idtr_limit = 0xffff;
	cpu->cr0 = CR0_CD | CR0_NW | CR0_ET;
	cpu->cr2 = cpu->cr3 = cpu->cr4 = cpu->cr8 = 0;
	cpu->efer = 0;
	memset(cpu->dr, 0, sizeof(cpu->dr));
	cpu->dr6 = 0xffff0ff0;
	cpu->dr7 = 0x400;
	cpu->star = cpu->lstar = cpu->cstar = cpu->sfmask = 0;
	cpu->kgs_base = 0;
	cpu->sysenter_cs = cpu->sysenter_esp = cpu->sysenter_eip = 0;
	cpu->apic_base = VM_LAPIC_BASE | 0x800 | (cpu->vcpu->id == 0 ?
	    0x100 : 0);
	if (cpu->x2apic == X2APIC_ENABLED)
		cpu->apic_base |= 0x400;
	cpu->pat = 0x0007040600070406ULL;
	cpu->misc_enable = 1;		/* fast strings */
	cpu->tsc_aux = 0;
	cpu->intr_shadow = 0;
	cpu->halted = false;
	cpu->halt_counted = false;
	cpu->delivering = -1;
	cpu->pend_vec = -1;
	cpu->exit_pending = false;
	cpu->pgmode = PG_NONE;
	emu_set_cpl(cpu, 0);
	emu_tlb_flush(cpu);
	emu_update_mode(cpu);
}

/* ---- VM ---- */

static int
emu_probe(void)
{
	return (0);
}

static int
emu_vm_init(struct vmctx *ctx)
{
	struct emu_vm *vm = calloc(1, sizeof(*vm));

	if (vm == NULL)
		return (-ENOMEM);
	ctx->backend = vm;
	if (emu_trace_init() != 0)
		return (-EINVAL);
	if (ctx->nseg > 0 && emu_mem_layout(ctx) != 0)
		return (-ENOMEM);
	return (emu_intr_vm_init(ctx));
}

static void
emu_vm_cleanup(struct vmctx *ctx)
{
	struct emu_vm *vm = ctx->backend;

	if (vm == NULL)
		return;
	emu_intr_vm_cleanup(ctx);
	for (int i = 0; i < VM_MAX_MEMSEGS; i++)
		free(vm->pinfo[i]);
	free(vm);
	ctx->backend = NULL;
}

static int
emu_memory_changed(struct vmctx *ctx)
{
	int error = emu_mem_layout(ctx);

	/* page-info words moved: every cached block and TLB entry goes */
	for (int i = 0; i < VM_MAXCPU; i++) {
		struct vcpu *v = ctx->vcpu[i];
		if (v != NULL && v->backend != NULL) {
			emu_cache_flush(v->backend);
			emu_tlb_flush(v->backend);
		}
	}
	return (error);
}

/* ---- vCPU ---- */

static int
emu_vcpu_init(struct vcpu *vcpu)
{
	struct emu_cpu *cpu;

	cpu = aligned_alloc(64, (sizeof(*cpu) + 63) & ~(size_t)63);
	if (cpu == NULL)
		return (-ENOMEM);
	memset(cpu, 0, sizeof(*cpu));
	cpu->vcpu = vcpu;
	cpu->ctx = vcpu->ctx;
	cpu->vm = vcpu->ctx->backend;
	if (emu_cache_init(cpu) != 0) {
		free(cpu);
		return (-ENOMEM);
	}
	pthread_mutex_init(&cpu->mtx, NULL);
	pthread_cond_init(&cpu->cv, NULL);
	cpu->x2apic = X2APIC_DISABLED;
	cpu->seen_code_gen = atomic_load(&cpu->vm->code_gen);
	emu_cpu_reset(cpu);
	if (emu_intr_vcpu_init(cpu) != 0) {
		emu_cache_fini(cpu);
		free(cpu);
		return (-ENOMEM);
	}
	vcpu->backend = cpu;
	return (0);
}

static void
emu_vcpu_cleanup(struct vcpu *vcpu)
{
	struct emu_cpu *cpu = vcpu->backend;

	if (cpu == NULL)
		return;
	emu_intr_vcpu_cleanup(cpu);
	emu_cache_fini(cpu);
	pthread_mutex_destroy(&cpu->mtx);
	pthread_cond_destroy(&cpu->cv);
	free(cpu);
	vcpu->backend = NULL;
}

static void
emu_kick(struct vcpu *vcpu)
{
	struct emu_cpu *cpu = vcpu->backend;

	pthread_mutex_lock(&cpu->mtx);
	atomic_store(&cpu->kick, 1);
	pthread_cond_broadcast(&cpu->cv);
	pthread_mutex_unlock(&cpu->mtx);
}

static int
emu_reset(struct vcpu *vcpu)
{
	struct emu_cpu *cpu = vcpu->backend;

	emu_cpu_reset(cpu);
	vlapic_reset(cpu->vlapic);
	cpu->nmi_blocked = false;
	atomic_store(&cpu->nmi_pending, 0);
	return (0);
}

/* INIT-SIPI: real mode at vector << 12 (bhyve's vm_vcpu_startup) */
static int
emu_startup(struct vcpu *vcpu, uint64_t rip)
{
	struct emu_cpu *cpu = vcpu->backend;

	emu_cpu_reset(cpu);
	cpu->seg[EMU_CS].sel = (rip >> 4) & 0xffff;
	cpu->seg[EMU_CS].base = rip & ~0xfULL;
	cpu->rip = rip & 0xf;
	cpu->chain_gen++;
	atomic_store(&cpu->run_state, EMU_RS_RUNNING);
	return (0);
}

/* ---- the run loop ---- */

/*
 * HLT without HALT_EXIT (or an AP waiting for SIPI): sleep on the condvar
 * until a kick, suspend or an interrupt request (intr.c decides whether
 * that request wakes the CPU).
 */
static void
halt_wait(struct emu_cpu *cpu)
{
	struct emu_vm *vm = cpu->vm;

	if (!(cpu->rflags & FL_IF) && !cpu->halt_counted) {
		/* HLT with IF=0 on every vCPU: the VM has halted */
		cpu->halt_counted = true;
		if (atomic_fetch_add(&vm->nhalted_noirq, 1) + 1 >=
		    atomic_load(&vm->nactive))
			vm_suspend(cpu->ctx, VM_SUSPEND_HALT);
	}
	emu_excl_leave(cpu);
	pthread_mutex_lock(&cpu->mtx);
	while (!atomic_load(&cpu->kick) &&
	    atomic_load(&cpu->ctx->suspend) == VM_SUSPEND_NONE &&
	    !atomic_load(&cpu->intr_req) &&
	    (cpu->halted || atomic_load(&cpu->run_state) == EMU_RS_WAITSIPI))
		pthread_cond_wait(&cpu->cv, &cpu->mtx);
	pthread_mutex_unlock(&cpu->mtx);
	emu_excl_enter(cpu);
}

/* Remember b as a successor of prev (round robin over its two links). */
static inline void
set_link(struct emu_block *prev, uint64_t la, uint32_t gen,
    struct emu_block *b)
{
	struct emu_link *l = &prev->link[prev->link_next];

	prev->link_next ^= 1;
	l->la = la;
	l->gen = gen;
	l->b = b;
}

/*
 * The block to run at la: a link of the previous block, else the jump
 * cache, else the hash (cache.c).  prev is NULL when the last block may
 * not be linked (scratch, or chain_gen moved while it ran).
 */
static inline struct emu_block *
next_block(struct emu_cpu *cpu, struct emu_block *prev, uint64_t la)
{
	/*
	 * A link or jump-cache entry holds for one TLB class (CPL 3 or
	 * not): the same linear address may translate differently, or
	 * fault, in the other, and CPL changes do not bump chain_gen.
	 */
	uint32_t raw = cpu->chain_gen, gen = raw << 1 | (cpu->cpl == 3);
	struct emu_block *b;
	struct emu_link *j;

	if (prev != NULL) {
		for (int k = 0; k < 2; k++) {
			struct emu_link *l = &prev->link[k];
			b = l->b;
			if (l->la == la && l->gen == gen && b != NULL &&
			    atomic_load_explicit(b->pinfo,
			    memory_order_relaxed) == b->pver)
				return (b);
		}
	}
	j = &cpu->jc[(la ^ (la >> EMU_JC_BITS) ^ (la >> 2 * EMU_JC_BITS)) &
	    (EMU_JC_SIZE - 1)];
	b = j->b;
	if (j->la == la && j->gen == gen && b != NULL &&
	    atomic_load_explicit(b->pinfo, memory_order_relaxed) == b->pver) {
		/*
		 * Link it too: a block entered from prev through the jump
		 * cache (a loop back to its own start, a target another
		 * block reached first) would otherwise never get a link
		 * and pay the hash and the jump-cache miss every time.
		 */
		if (prev != NULL)
			set_link(prev, la, gen, b);
		return (b);
	}
	b = emu_cache_lookup(cpu, la);
	/* remember unless the lookup flushed the cache or this is scratch */
	if (cpu->chain_gen == raw && b->pinfo != NULL) {
		j->la = la;
		j->gen = gen;
		j->b = b;
		if (prev != NULL)
			set_link(prev, la, gen, b);
	}
	return (b);
}

/*
 * Another vCPU (or this one) decoded code from a page for the first time:
 * its fast write TLB entries for that page must go (writes to a code page
 * take the slow path, which invalidates).  cache.c sets intr_req on the
 * other vCPUs when it bumps code_gen, so this runs behind the one test.
 */
static void
code_gen_check(struct emu_cpu *cpu)
{
	uint32_t gen = atomic_load_explicit(&cpu->vm->code_gen,
	    memory_order_acquire);

	if (gen != cpu->seen_code_gen) {
		cpu->seen_code_gen = gen;
		emu_tlb_flush_write(cpu);
	}
}

/*
 * The between-block checks behind run_blocks' one test, in order: a
 * pending exit, a VM suspend, a kick, interrupts, HLT / wait-for-SIPI.
 * Returns false when vm_run must return (vme set).
 */
static bool
attention(struct emu_cpu *cpu, struct vm_exit *vme)
{
	int how;

	for (;;) {
		if (unlikely(cpu->exit_pending)) {
			cpu->exit_pending = false;
			*vme = cpu->exit_vme;
			return (false);
		}
		how = atomic_load_explicit(&cpu->ctx->suspend,
		    memory_order_relaxed);
		if (how != VM_SUSPEND_NONE) {
			if (unlikely(emu_trace_mask))
				emu_trace_suspend(cpu, how);
			vme->exitcode = VM_EXITCODE_SUSPENDED;
			vme->u.suspended.how = how;
			atomic_store(&cpu->kick, 0);
			return (false);
		}
		if (atomic_load_explicit(&cpu->kick, memory_order_relaxed)) {
			atomic_store(&cpu->kick, 0);
			vme->exitcode = VM_EXITCODE_DEBUG;
			return (false);
		}
		code_gen_check(cpu);
		/* interrupts: intr_req, or one waiting for IF */
		if (atomic_load_explicit(&cpu->intr_req,
		    memory_order_relaxed) || (cpu->intr_wait &&
		    (cpu->rflags & FL_IF)))
			emu_intr_check(cpu);
		if (!cpu->halted && atomic_load_explicit(&cpu->run_state,
		    memory_order_relaxed) != EMU_RS_WAITSIPI)
			return (true);
		halt_wait(cpu);
	}
}

/* Run blocks until something must leave vm_run; returns with vme set. */
static void
run_blocks(struct emu_cpu *cpu, struct vm_exit *vme)
{
	struct emu_block *prev = NULL;

	/* the first time through, look at everything */
	goto slow;
	for (;;) {
		struct emu_block *b;
		const struct emu_op *op, *last;
		uint32_t gen;

		/*
		 * Between blocks, one test of the flags that other threads
		 * and the exit paths set; everything else is behind it.  A
		 * suspend always comes with a kick (vm_suspend kicks every
		 * vCPU after setting ctx->suspend); wait-for-SIPI is only
		 * entered behind the test (emu_intr_check) and left in it.
		 */
		if (unlikely((atomic_load_explicit(&cpu->kick,
		    memory_order_relaxed) | atomic_load_explicit(&cpu->intr_req,
		    memory_order_relaxed)) != 0 || (cpu->exit_pending |
		    cpu->halted | cpu->intr_wait))) {
slow:
			if (!attention(cpu, vme))
				return;
			prev = NULL;
		}
		gen = cpu->chain_gen;
		b = next_block(cpu, prev, emu_fetch_la(cpu));
		/*
		 * An STI/MOV SS shadow covers one instruction: run it alone,
		 * so that an interrupt it held back is taken right after it
		 * (SDM 3A §6.8.3), not at the end of a longer block.
		 */
		if (unlikely(cpu->intr_shadow) && b->nops > 1)
			b = emu_block_first_op(cpu, b);
		cpu->cur_block = b;
		op = b->ops;
		if (unlikely(emu_trace_mask & EMU_TR_INSN)) {
			cpu->stop = false;
			emu_trace_run(cpu, b, op);
			last = cpu->cur_op;
		} else {
			/*
			 * The dispatch loop: nothing but the handler calls.
			 * A write that makes this block stale (self-modifying
			 * code) turns its ops into terminators instead
			 * (emu_block_stale), so no flag is tested per op.
			 */
			do {
				last = op;
				op = op->fn(cpu, op);
			} while (op != NULL);
		}
		cpu->insns += last - b->ops + 1;
		/* link from b only if nothing moved chain_gen meanwhile */
		prev = b->pinfo != NULL && gen == cpu->chain_gen ? b : NULL;
		/* STI/MOV SS shadow: over once an instruction follows it */
		if (unlikely(cpu->intr_shadow) && last != cpu->shadow_op)
			cpu->intr_shadow = 0;
	}
}

static int
emu_run(struct vcpu *vcpu, struct vm_exit *vme)
{
	struct emu_cpu *cpu = vcpu->backend;
	int jr;

	if (!cpu->active) {
		cpu->active = true;
		atomic_fetch_add(&cpu->vm->nactive, 1);
	}
	/* lhyve runs this vCPU: it no longer waits for a first SIPI */
	{
		int rs = EMU_RS_NOTSTARTED;
		atomic_compare_exchange_strong(&cpu->run_state, &rs,
		    EMU_RS_RUNNING);
	}
	memset(vme, 0, sizeof(*vme));
	cpu->exit_pending = false;
	cpu->cur_op = NULL;
	emu_excl_enter(cpu);

	jr = setjmp(cpu->jb);
	/* left a stop-the-world access midway (an aborted MMIO exit) */
	if (unlikely(cpu->excl_held) && jr != 0)
		emu_excl_end(cpu);
	if (jr == EMU_JMP_FAULT) {
		cpu->intr_shadow = 0;
		/* may longjmp here again for a fault during delivery */
		emu_exception(cpu, cpu->exc_vec, cpu->exc_has_err,
		    cpu->exc_err);
	} else if (jr == EMU_JMP_EXIT) {
		cpu->delivering = -1;
		*vme = cpu->exit_vme;
		if (vme->exitcode == VM_EXITCODE_DEBUG &&
		    atomic_load(&cpu->ctx->suspend) != VM_SUSPEND_NONE) {
			vme->exitcode = VM_EXITCODE_SUSPENDED;
			vme->u.suspended.how = atomic_load(&cpu->ctx->suspend);
		}
		goto out;
	} else if (cpu->pend_vec >= 0) {
		int vec = cpu->pend_vec;

		cpu->pend_vec = -1;
		cpu->halted = false;
		emu_exception(cpu, vec, cpu->pend_has_err, cpu->pend_err);
	}
	run_blocks(cpu, vme);
out:
	emu_excl_leave(cpu);
	cpu->cur_op = NULL;
	vcpu->stats[VMST_INSNS] += cpu->insns;
	cpu->insns = 0;
	if (vme->rip == 0)
		vme->rip = cpu->rip;
	vcpu->stats[VMST_EXITS_TOTAL]++;
	if (vme->exitcode != VM_EXITCODE_HLT &&
	    vme->exitcode != VM_EXITCODE_PAUSE)
		vcpu->stats[VMST_EXITS_OTHER]++;
	return (0);
}

/* ---- registers ---- */

/* vmm.h register order -> encoding order */
static const int8_t gpr_map[] = {
	[VM_REG_GUEST_RAX] = R_AX, [VM_REG_GUEST_RBX] = R_BX,
	[VM_REG_GUEST_RCX] = R_CX, [VM_REG_GUEST_RDX] = R_DX,
	[VM_REG_GUEST_RSI] = R_SI, [VM_REG_GUEST_RDI] = R_DI,
	[VM_REG_GUEST_RBP] = R_BP, [VM_REG_GUEST_R8] = 8,
	[VM_REG_GUEST_R9] = 9, [VM_REG_GUEST_R10] = 10,
	[VM_REG_GUEST_R11] = 11, [VM_REG_GUEST_R12] = 12,
	[VM_REG_GUEST_R13] = 13, [VM_REG_GUEST_R14] = 14,
	[VM_REG_GUEST_R15] = 15,
};

static int
segidx(int reg)
{
	switch (reg) {
	case VM_REG_GUEST_ES: return (EMU_ES);
	case VM_REG_GUEST_CS: return (EMU_CS);
	case VM_REG_GUEST_SS: return (EMU_SS);
	case VM_REG_GUEST_DS: return (EMU_DS);
	case VM_REG_GUEST_FS: return (EMU_FS);
	case VM_REG_GUEST_GS: return (EMU_GS);
	case VM_REG_GUEST_LDTR: return (EMU_LDTR);
	case VM_REG_GUEST_TR: return (EMU_TR);
	}
	return (-1);
}

static int
emu_get_register(struct vcpu *vcpu, int reg, uint64_t *val)
{
	struct emu_cpu *cpu = vcpu->backend;

	if (reg <= VM_REG_GUEST_R15) {
		*val = cpu->r[gpr_map[reg]];
		return (0);
	}
	if (segidx(reg) >= 0) {
		*val = cpu->seg[segidx(reg)].sel;
		return (0);
	}
	switch (reg) {
	case VM_REG_GUEST_CR0: *val = cpu->cr0; break;
	case VM_REG_GUEST_CR3: *val = cpu->cr3; break;
	case VM_REG_GUEST_CR4: *val = cpu->cr4; break;
	case VM_REG_GUEST_DR7: *val = cpu->dr7; break;
	case VM_REG_GUEST_RSP: *val = cpu->r[R_SP]; break;
	case VM_REG_GUEST_RIP: *val = cpu->rip; break;
	case VM_REG_GUEST_RFLAGS: *val = emu_get_rflags(cpu); break;
	case VM_REG_GUEST_EFER: *val = cpu->efer; break;
	case VM_REG_GUEST_CR2: *val = cpu->cr2; break;
	case VM_REG_GUEST_CR8: *val = emu_get_cr8(cpu); break;
	case VM_REG_GUEST_INTR_SHADOW: *val = cpu->intr_shadow; break;
	case VM_REG_GUEST_FS_BASE: *val = cpu->seg[EMU_FS].base; break;
	case VM_REG_GUEST_GS_BASE: *val = cpu->seg[EMU_GS].base; break;
	case VM_REG_GUEST_KGS_BASE: *val = cpu->kgs_base; break;
	default:
		return (-EINVAL);
	}
	return (0);
}

static int
emu_set_register(struct vcpu *vcpu, int reg, uint64_t val)
{
	struct emu_cpu *cpu = vcpu->backend;

	if (reg <= VM_REG_GUEST_R15) {
		cpu->r[gpr_map[reg]] = val;
		return (0);
	}
	if (segidx(reg) >= 0) {
		cpu->seg[segidx(reg)].sel = val;
		return (0);
	}
	switch (reg) {
	case VM_REG_GUEST_CR0: emu_set_cr(cpu, 0, val, false); break;
	case VM_REG_GUEST_CR3: emu_set_cr(cpu, 3, val, false); break;
	case VM_REG_GUEST_CR4: emu_set_cr(cpu, 4, val, false); break;
	case VM_REG_GUEST_CR2: cpu->cr2 = val; break;
	case VM_REG_GUEST_CR8: emu_set_cr8(cpu, val); break;
	case VM_REG_GUEST_DR7: cpu->dr7 = val; break;
	case VM_REG_GUEST_RSP: cpu->r[R_SP] = val; break;
	case VM_REG_GUEST_RIP: cpu->rip = val; break;
	case VM_REG_GUEST_RFLAGS:
		emu_set_rflags(cpu, val);
		emu_update_mode(cpu);
		break;
	case VM_REG_GUEST_EFER:
		/* loaders may set LMA directly along with CR0.PG */
		cpu->efer = val;
		emu_tlb_flush(cpu);
		emu_update_mode(cpu);
		break;
	case VM_REG_GUEST_INTR_SHADOW: cpu->intr_shadow = val; break;
	case VM_REG_GUEST_FS_BASE: cpu->seg[EMU_FS].base = val; break;
	case VM_REG_GUEST_GS_BASE: cpu->seg[EMU_GS].base = val; break;
	case VM_REG_GUEST_KGS_BASE: cpu->kgs_base = val; break;
	default:
		return (-EINVAL);
	}
	return (0);
}

static int
emu_get_desc(struct vcpu *vcpu, int reg, uint64_t *base, uint32_t *limit,
    uint32_t *access)
{
	struct emu_cpu *cpu = vcpu->backend;
	int sr = segidx(reg);

	if (reg == VM_REG_GUEST_GDTR || reg == VM_REG_GUEST_IDTR) {
		bool g = reg == VM_REG_GUEST_GDTR;
		*base = g ? cpu->gdtr_base : cpu->idtr_base;
		*limit = g ? cpu->gdtr_limit : cpu->idtr_limit;
		*access = 0;
		return (0);
	}
	if (sr < 0)
		return (-EINVAL);
	*base = cpu->seg[sr].base;
	*limit = cpu->seg[sr].limit;
	*access = cpu->seg[sr].access;
	return (0);
}

static int
emu_set_desc(struct vcpu *vcpu, int reg, uint64_t base, uint32_t limit,
    uint32_t access)
{
	struct emu_cpu *cpu = vcpu->backend;
	int sr = segidx(reg);

	if (reg == VM_REG_GUEST_GDTR) {
		cpu->gdtr_base = base;
		cpu->gdtr_limit = limit;
		return (0);
	}
	if (reg == VM_REG_GUEST_IDTR) {
		cpu->idtr_base = base;
		cpu->idtr_limit = limit;
		return (0);
	}
	if (sr < 0)
		return (-EINVAL);
	cpu->seg[sr].base = base;
	cpu->seg[sr].limit = limit;
	cpu->seg[sr].access = access;
	/* as VMX: the CPL is the DPL of SS (and of a non-conforming CS) */
	if ((sr == EMU_SS || sr == EMU_CS) && (cpu->cr0 & CR0_PE) &&
	    !(access & SEG_ACC_UNUSABLE))
		emu_set_cpl(cpu, (access >> 5) & 3);
	emu_update_mode(cpu);
	return (0);
}

static int
emu_inject_exception(struct vcpu *vcpu, int vector, int ec_valid,
    uint32_t ec, int restart)
{
	struct emu_cpu *cpu = vcpu->backend;

	/* RIP is always on the next instruction to run, so "restart" and
	 * "trap after" are the same here */
	cpu->pend_vec = vector;
	cpu->pend_has_err = ec_valid;
	cpu->pend_err = ec;
	return (0);
}

static int
emu_get_capability(struct vcpu *vcpu, enum vm_cap_type cap, int *val)
{
	struct emu_cpu *cpu = vcpu->backend;

	switch (cap) {
	case VM_CAP_HALT_EXIT:
	case VM_CAP_PAUSE_EXIT:
	case VM_CAP_MTRAP_EXIT:
	case VM_CAP_BPT_EXIT:
		*val = cpu->caps[cap];
		return (0);
	case VM_CAP_UNRESTRICTED_GUEST:
		*val = 1;	/* real mode runs as is */
		return (0);
	default:
		return (-ENOTSUP);
	}
}

static int
emu_set_capability(struct vcpu *vcpu, enum vm_cap_type cap, int val)
{
	struct emu_cpu *cpu = vcpu->backend;

	switch (cap) {
	case VM_CAP_HALT_EXIT:
	case VM_CAP_PAUSE_EXIT:
		cpu->caps[cap] = val != 0;
		return (0);
	case VM_CAP_UNRESTRICTED_GUEST:
		return (val ? 0 : -ENOTSUP);
	case VM_CAP_MTRAP_EXIT:
	case VM_CAP_BPT_EXIT:
		return (emu_dbg_set_cap(cpu, cap, val));	/* emu_debug.c */
	default:
		/* XXX: INVPCID is not there yet */
		return (-ENOTSUP);
	}
}

static int
emu_get_x2apic_state(struct vcpu *vcpu, enum x2apic_state *s)
{
	*s = ((struct emu_cpu *)vcpu->backend)->x2apic;
	return (0);
}

static int
emu_set_x2apic_state(struct vcpu *vcpu, enum x2apic_state s)
{
	struct emu_cpu *cpu = vcpu->backend;
	uint64_t old = cpu->apic_base;

	cpu->x2apic = s;
	if (s == X2APIC_ENABLED)
		cpu->apic_base |= MSR_APIC_BASE_EXTD;
	else
		cpu->apic_base &= ~MSR_APIC_BASE_EXTD;
	vlapic_base_changed(cpu, old);
	return (0);
}

/* ---- interrupt sources (vlapic.c, vioapic.c, vatpic.c) ---- */

static int
emu_isa_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq, int level)
{
	int error = 0;

	if (atpic_irq >= 0)
		error = vatpic_set_irq(ctx, atpic_irq, level);
	if (error == 0 && ioapic_irq >= 0)
		error = vioapic_set_irq(ctx, ioapic_irq, level);
	return (error);
}

static int
emu_ioapic_irq(struct vmctx *ctx, int irq, int level)
{
	return (vioapic_set_irq(ctx, irq, level));
}

static int
emu_hpet_legacy(struct vmctx *ctx, bool on)
{
	vatpit_hpet_legacy(ctx, on);
	return (0);
}

static int
emu_lapic_msi(struct vmctx *ctx, uint64_t addr, uint64_t msg)
{
	return (vlapic_msi(ctx, addr, msg));
}

static int
emu_inject_nmi(struct vcpu *vcpu)
{
	struct emu_cpu *cpu = vcpu->backend;

	atomic_store(&cpu->nmi_pending, 1);
	emu_intr_notify(cpu);
	return (0);
}

const struct vmm_ops vmm_ops_emu = {
	.name = "emu",
	.probe = emu_probe,
	.vm_init = emu_vm_init,
	.vm_cleanup = emu_vm_cleanup,
	.memory_changed = emu_memory_changed,
	.notify_write = emu_notify_write,
	.vcpu_init = emu_vcpu_init,
	.vcpu_cleanup = emu_vcpu_cleanup,
	.run = emu_run,
	.kick = emu_kick,
	.reset = emu_reset,
	.startup = emu_startup,
	.get_register = emu_get_register,
	.set_register = emu_set_register,
	.get_desc = emu_get_desc,
	.set_desc = emu_set_desc,
	.inject_exception = emu_inject_exception,
	.get_capability = emu_get_capability,
	.set_capability = emu_set_capability,
	.get_x2apic_state = emu_get_x2apic_state,
	.set_x2apic_state = emu_set_x2apic_state,
	.isa_irq = emu_isa_irq,
	.ioapic_irq = emu_ioapic_irq,
	.lapic_msi = emu_lapic_msi,
	.inject_nmi = emu_inject_nmi,
	.hpet_legacy = emu_hpet_legacy,
	.get_fpu = emu_get_fpu,
	.set_fpu = emu_set_fpu,
};
