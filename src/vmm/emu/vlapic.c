/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vlapic.c: the emu backend's local APIC (SDM 3A ch. 10, "Advanced
 * Programmable Interrupt Controller"): one per vCPU, reached through the
 * xAPIC page at APIC_BASE or the x2APIC MSRs.  Its state is guarded by its
 * own mutex because other vCPUs (IPIs), the IOAPIC and the timer thread set
 * IRR bits; the owning vCPU learns of them through emu_intr_notify().
 */
#include <errno.h>
#include <stdlib.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/intr.h"
#include "vmm/emu/vioapic.h"
#include "vmm/emu/vlapic.h"
#include "vmm/emu/vtimer.h"

/* register offsets in the xAPIC page; x2APIC MSR = 0x800 + off / 16 */
#define L_ID		0x020
#define L_VER		0x030
#define L_TPR		0x080
#define L_APR		0x090
#define L_PPR		0x0a0
#define L_EOI		0x0b0
#define L_RRD		0x0c0
#define L_LDR		0x0d0
#define L_DFR		0x0e0
#define L_SVR		0x0f0
#define L_ISR		0x100
#define L_TMR		0x180
#define L_IRR		0x200
#define L_ESR		0x280
#define L_CMCI		0x2f0
#define L_ICRLO		0x300
#define L_ICRHI		0x310
#define L_LVT_TIMER	0x320
#define L_LVT_THERM	0x330
#define L_LVT_PERF	0x340
#define L_LVT_LINT0	0x350
#define L_LVT_LINT1	0x360
#define L_LVT_ERROR	0x370
#define L_TMICT		0x380
#define L_TMCCT		0x390
#define L_DCR		0x3e0
#define L_SELF_IPI	0x3f0		/* x2APIC only */

#define MSR_TSC_DEADLINE	0x6e0

/* LVT index order: the registers from 0x320 up, then CMCI */
enum { LVT_TIMER, LVT_THERM, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR,
    LVT_CMCI, NLVT };

#define LVT_MASKED	0x10000u
#define SVR_ENABLE	0x100u
#define TIMER_ONESHOT	0
#define TIMER_PERIODIC	1
#define TIMER_TSCDL	2

/* version 0x14 with 6 LVT entries (max LVT 5), SDM 3A §10.4.8 */
#define LAPIC_VERSION	(0x14u | (5u << 16))

struct vlapic {
	struct emu_cpu *cpu;
	pthread_mutex_t mtx;
	uint32_t id;
	uint32_t tpr, ldr, dfr, svr, esr, icr_lo, icr_hi;
	uint32_t lvt[NLVT];
	uint32_t isr[8], irr[8], tmr[8];
	/* timer: the count was loaded at t_start; next expiry t_deadline */
	uint32_t tmict, dcr;
	uint64_t t_start, t_deadline;
	uint64_t tsc_deadline;		/* the MSR (0: disarmed) */
};

static int
highest(const uint32_t v[8])
{
	for (int i = 7; i >= 0; i--)
		if (v[i] != 0)
			return (i * 32 + 31 - __builtin_clz(v[i]));
	return (-1);
}

static bool
x2mode(struct vlapic *vl)
{
	return ((vl->cpu->apic_base & MSR_APIC_BASE_EXTD) != 0);
}

static bool
sw_enabled(struct vlapic *vl)
{
	return ((vl->svr & SVR_ENABLE) != 0);
}

/* PPR (SDM 3A §10.8.3.1): the TPR or the class of the highest in service */
static uint32_t
ppr(struct vlapic *vl)
{
	int isrv = highest(vl->isr);
	uint32_t isrc = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return ((vl->tpr & 0xf0) >= isrc ? vl->tpr & 0xff : isrc);
}

static uint32_t
ldr_x2(struct vlapic *vl)
{
	/* x2APIC logical ID (SDM 3A §10.12.10.2): cluster, one bit of 16 */
	return (((vl->id >> 4) << 16) | (1u << (vl->id & 0xf)));
}

int
vlapic_intr(struct vlapic *vl, bool take)
{
	int v;

	pthread_mutex_lock(&vl->mtx);
	v = highest(vl->irr);
	if (v >= 0 && ((uint32_t)v & 0xf0) > (ppr(vl) & 0xf0)) {
		if (take) {
			vl->irr[v / 32] &= ~(1u << (v % 32));
			vl->isr[v / 32] |= 1u << (v % 32);
		}
	} else {
		v = -1;
	}
	pthread_mutex_unlock(&vl->mtx);
	return (v);
}

bool
vlapic_extint_ok(struct emu_cpu *cpu)
{
	struct vlapic *vl = cpu->vlapic;
	uint32_t l0 = vl->lvt[LVT_LINT0];

	/*
	 * A disabled LAPIC turns LINT0 into the CPU's INTR pin (SDM 3A
	 * §10.4.3); only the BSP is wired to the 8259 that way.  Otherwise
	 * LINT0 must be unmasked ExtINT ("virtual wire", MP spec §3.6.2.2).
	 */
	if (!(cpu->apic_base & MSR_APIC_BASE_EN) || !sw_enabled(vl))
		return (cpu->vcpu->id == 0);
	/*
	 * IMCR (MP spec §3.6.2.1): 0, PIC mode and the reset value, wires
	 * the 8259's INTR to the BSP's INTR/LINT0 pin alone; 1 connects it
	 * to the APICs, i.e. every LAPIC's LINT0.
	 */
	if (cpu->vm->imcr == 0 && cpu->vcpu->id != 0)
		return (false);
	return (!(l0 & LVT_MASKED) && ((l0 >> 8) & 7) == APIC_DM_EXTINT);
}

uint8_t
vlapic_get_tpr(struct vlapic *vl)
{
	return (vl->tpr);
}

void
vlapic_set_tpr(struct vlapic *vl, uint8_t tpr)
{
	pthread_mutex_lock(&vl->mtx);
	vl->tpr = tpr;
	pthread_mutex_unlock(&vl->mtx);
	emu_intr_notify(vl->cpu);	/* a lower TPR may unblock one */
}

/* Set a vector in IRR (and TMR for level-triggered ones). */
static void
set_irr(struct vlapic *vl, int vec, bool level)
{
	if (vec < 16)
		return;		/* illegal vector: ESR bit, no interrupt */
	pthread_mutex_lock(&vl->mtx);
	if (!sw_enabled(vl)) {
		/* SDM 3A §10.4.7.2: a software-disabled APIC accepts none */
		pthread_mutex_unlock(&vl->mtx);
		return;
	}
	vl->irr[vec / 32] |= 1u << (vec % 32);
	if (level)
		vl->tmr[vec / 32] |= 1u << (vec % 32);
	else
		vl->tmr[vec / 32] &= ~(1u << (vec % 32));
	pthread_mutex_unlock(&vl->mtx);
	emu_intr_notify(vl->cpu);
}

static void
do_eoi(struct vlapic *vl)
{
	int v;
	bool level;

	pthread_mutex_lock(&vl->mtx);
	v = highest(vl->isr);
	if (v < 0) {
		pthread_mutex_unlock(&vl->mtx);
		return;
	}
	vl->isr[v / 32] &= ~(1u << (v % 32));
	level = (vl->tmr[v / 32] >> (v % 32)) & 1;
	pthread_mutex_unlock(&vl->mtx);
	/* level-triggered: the EOI goes to the IOAPIC (SDM 3A §10.8.5) */
	if (level)
		vioapic_eoi(vl->cpu->ctx, v);
	emu_intr_notify(vl->cpu);
}

/* ---- the timer (SDM 3A §10.5.4) ---- */

static int
timer_mode(struct vlapic *vl)
{
	return ((vl->lvt[LVT_TIMER] >> 17) & 3);
}

static uint64_t
tick_ns(struct vlapic *vl)
{
	/* DCR bits 3, 1:0: 000 = /2 ... 110 = /128, 111 = /1 */
	uint32_t d = (vl->dcr & 3) | ((vl->dcr & 8) >> 1);

	return ((uint64_t)EMU_CRYSTAL_NS * (d == 7 ? 1 : 2u << d));
}

/* Set the next expiry; called with the lock held. */
static void
timer_arm(struct vlapic *vl, uint64_t deadline)
{
	vl->t_deadline = deadline;
	emu_timer_arm(vl->cpu->vm->timers, vl->cpu->vcpu->id, deadline);
}

static uint32_t
timer_ccr(struct vlapic *vl)
{
	uint64_t el, ticks;

	if (vl->tmict == 0 || timer_mode(vl) == TIMER_TSCDL)
		return (0);
	el = emu_clock_ns() - vl->t_start;
	ticks = el / tick_ns(vl);
	if (timer_mode(vl) == TIMER_PERIODIC)
		return (vl->tmict - ticks % vl->tmict);
	if (vl->t_deadline == 0 || ticks >= vl->tmict)
		return (0);
	return (vl->tmict - ticks);
}

static void
timer_fire(void *arg, uint64_t now)
{
	struct vlapic *vl = arg;
	uint32_t lvt;
	bool fire = false;

	pthread_mutex_lock(&vl->mtx);
	if (vl->t_deadline != 0 && now >= vl->t_deadline) {
		fire = true;
		if (timer_mode(vl) == TIMER_PERIODIC && vl->tmict != 0) {
			uint64_t period = vl->tmict * tick_ns(vl);
			uint64_t next = vl->t_deadline + period;
			if (next <= now)	/* fell behind: skip ticks */
				next = now + period;
			timer_arm(vl, next);
		} else {
			vl->t_deadline = 0;
			if (timer_mode(vl) == TIMER_TSCDL)
				vl->tsc_deadline = 0;	/* SDM §10.5.4.1 */
		}
	} else if (vl->t_deadline != 0) {
		timer_arm(vl, vl->t_deadline);	/* woke early */
	}
	lvt = vl->lvt[LVT_TIMER];
	pthread_mutex_unlock(&vl->mtx);
	if (fire && !(lvt & LVT_MASKED))
		set_irr(vl, lvt & 0xff, false);
}

/* ---- the ICR ---- */

static void
send_ipi(struct vlapic *vl, uint32_t lo, uint32_t dest)
{
	int mode = (lo >> 8) & 7;

	/* INIT level de-assert (ICR level 0, trigger level): nothing */
	if (mode == APIC_DM_INIT && !(lo & 0x4000) && (lo & 0x8000))
		return;
	vlapic_deliver(vl->cpu->ctx, vl->cpu, dest, x2mode(vl),
	    (lo & 0x800) != 0, (lo >> 18) & 3, mode, lo & 0xff,
	    (lo & 0x8000) != 0);
}

/* ---- register access ---- */

static int
lvt_index(uint32_t off)
{
	if (off == L_CMCI)
		return (LVT_CMCI);
	if (off >= L_LVT_TIMER && off <= L_LVT_ERROR)
		return ((off - L_LVT_TIMER) >> 4);
	return (-1);
}

/* Read register off; -1 if it does not exist (x2APIC: #GP). */
static int
reg_read(struct vlapic *vl, uint32_t off, uint64_t *val)
{
	bool x2 = x2mode(vl);
	int i;

	*val = 0;
	switch (off) {
	case L_ID: *val = x2 ? vl->id : vl->id << 24; return (0);
	case L_VER: *val = LAPIC_VERSION; return (0);
	case L_TPR: *val = vl->tpr; return (0);
	case L_APR: *val = 0; return (0);
	case L_PPR: *val = ppr(vl); return (0);
	case L_LDR: *val = x2 ? ldr_x2(vl) : vl->ldr; return (0);
	case L_DFR:
		if (x2)
			return (-1);
		*val = vl->dfr;
		return (0);
	case L_SVR: *val = vl->svr; return (0);
	case L_ESR: *val = vl->esr; return (0);
	case L_ICRLO:
		*val = vl->icr_lo;
		if (x2)
			*val |= (uint64_t)vl->icr_hi << 32;
		return (0);
	case L_ICRHI:
		if (x2)
			return (-1);
		*val = vl->icr_hi;
		return (0);
	case L_TMICT: *val = vl->tmict; return (0);
	case L_TMCCT: *val = timer_ccr(vl); return (0);
	case L_DCR: *val = vl->dcr; return (0);
	}
	if (off >= L_ISR && off < L_ISR + 0x80) {
		*val = vl->isr[(off - L_ISR) >> 4];
		return (0);
	}
	if (off >= L_TMR && off < L_TMR + 0x80) {
		*val = vl->tmr[(off - L_TMR) >> 4];
		return (0);
	}
	if (off >= L_IRR && off < L_IRR + 0x80) {
		*val = vl->irr[(off - L_IRR) >> 4];
		return (0);
	}
	if ((i = lvt_index(off)) >= 0) {
		*val = vl->lvt[i];
		return (0);
	}
	return (-1);
}

/*
 * Write register off (called with the lock held); returns -1 for #GP in
 * x2APIC mode.  *post tells the caller what to do once unlocked.
 */
enum { POST_NONE, POST_EOI, POST_IPI, POST_SELF, POST_NOTIFY };

static int
reg_write(struct vlapic *vl, uint32_t off, uint64_t v, int *post)
{
	static const uint32_t lvt_wmask[NLVT] = {
		[LVT_TIMER] = 0x700ff, [LVT_THERM] = 0x107ff,
		[LVT_PERF] = 0x107ff, [LVT_LINT0] = 0x1a7ff,
		[LVT_LINT1] = 0x1a7ff, [LVT_ERROR] = 0x100ff,
		[LVT_CMCI] = 0x107ff,
	};
	bool x2 = x2mode(vl);
	uint32_t v32 = v;
	int i;

	*post = POST_NONE;
	switch (off) {
	case L_ID:
		/* read-only here: lhyve's MADT fixes APIC ID = vCPU id */
		return (x2 ? -1 : 0);
	case L_TPR:
		vl->tpr = v32 & 0xff;
		*post = POST_NOTIFY;
		return (0);
	case L_EOI:
		*post = POST_EOI;
		return (0);
	case L_LDR:
		if (x2)
			return (-1);
		vl->ldr = v32 & 0xff000000u;
		return (0);
	case L_DFR:
		if (x2)
			return (-1);
		vl->dfr = v32 | 0x0fffffffu;
		return (0);
	case L_SVR:
		vl->svr = v32 & 0x11ff;
		if (!sw_enabled(vl))
			for (i = 0; i < NLVT; i++)
				vl->lvt[i] |= LVT_MASKED;
		*post = POST_NOTIFY;
		return (0);
	case L_ESR:
		vl->esr = 0;
		return (0);
	case L_ICRLO:
		vl->icr_lo = v32 & ~0x1000u;	/* delivery status: idle */
		if (x2)
			vl->icr_hi = v >> 32;
		*post = POST_IPI;
		return (0);
	case L_ICRHI:
		if (x2)
			return (-1);
		vl->icr_hi = v32 & 0xff000000u;
		return (0);
	case L_TMICT:
		if (timer_mode(vl) == TIMER_TSCDL)
			return (0);	/* ignored in TSC-deadline mode */
		vl->tmict = v32;
		vl->t_start = emu_clock_ns();
		timer_arm(vl, v32 == 0 ? 0 : vl->t_start + v32 * tick_ns(vl));
		return (0);
	case L_DCR:
		vl->dcr = v32 & 0xb;
		return (0);
	case L_SELF_IPI:
		if (!x2)
			return (0);
		vl->icr_lo = v32 & 0xff;
		*post = POST_SELF;
		return (0);
	}
	if ((i = lvt_index(off)) >= 0) {
		uint32_t nv = v32 & lvt_wmask[i];
		if (!sw_enabled(vl))
			nv |= LVT_MASKED;
		if (i == LVT_TIMER && ((nv ^ vl->lvt[i]) >> 17) & 3) {
			/* a mode change disarms the timer (SDM §10.5.4.1) */
			vl->tsc_deadline = 0;
			vl->tmict = 0;
			timer_arm(vl, 0);
		}
		vl->lvt[i] = nv;
		*post = POST_NOTIFY;	/* LINT0 may route the 8259 now */
		return (0);
	}
	/* read-only or reserved */
	return (x2 ? -1 : 0);
}

static void
do_post(struct vlapic *vl, int post)
{
	switch (post) {
	case POST_EOI:
		do_eoi(vl);
		break;
	case POST_IPI:
		send_ipi(vl, vl->icr_lo, x2mode(vl) ? vl->icr_hi :
		    vl->icr_hi >> 24);
		break;
	case POST_SELF:
		set_irr(vl, vl->icr_lo & 0xff, false);
		break;
	case POST_NOTIFY:
		emu_intr_notify(vl->cpu);
		break;
	}
}

void
vlapic_mmio(struct emu_cpu *cpu, uint64_t off, int size, bool read,
    uint64_t *data)
{
	struct vlapic *vl = cpu->vlapic;
	uint64_t v = 0;
	int post = POST_NONE;

	/*
	 * SDM 3A §10.4.1: registers are 32 bits on 16-byte boundaries;
	 * other accesses read 0 and write nothing here.  In x2APIC mode
	 * the page is not decoded (SDM §10.12.1.2).
	 */
	if ((off & 0xf) != 0 || size != 4 || x2mode(vl) ||
	    off == L_SELF_IPI) {
		if (read)
			*data = 0;
		return;
	}
	pthread_mutex_lock(&vl->mtx);
	if (read) {
		reg_read(vl, off, &v);
		*data = (uint32_t)v;
	} else {
		reg_write(vl, off, *data & 0xffffffffu, &post);
	}
	pthread_mutex_unlock(&vl->mtx);
	do_post(vl, post);
}

int
vlapic_rdmsr(struct emu_cpu *cpu, uint32_t msr, uint64_t *val)
{
	struct vlapic *vl = cpu->vlapic;
	int error;

	if (msr == MSR_TSC_DEADLINE) {
		*val = timer_mode(vl) == TIMER_TSCDL ? vl->tsc_deadline : 0;
		return (0);
	}
	if (!x2mode(vl) || msr == 0x80b || msr == 0x83f)
		return (-1);	/* EOI and SELF IPI are write-only */
	pthread_mutex_lock(&vl->mtx);
	error = reg_read(vl, (msr - 0x800) << 4, val);
	pthread_mutex_unlock(&vl->mtx);
	return (error);
}

int
vlapic_wrmsr(struct emu_cpu *cpu, uint32_t msr, uint64_t val)
{
	struct vlapic *vl = cpu->vlapic;
	uint32_t off = (msr - 0x800) << 4;
	int error, post = POST_NONE;

	if (msr == MSR_TSC_DEADLINE) {
		pthread_mutex_lock(&vl->mtx);
		if (timer_mode(vl) == TIMER_TSCDL) {
			int64_t d = (int64_t)(val - (uint64_t)cpu->tsc_offset);
			uint64_t ns;

			/* the TSC counts EMU_TSC_HZ from the monotonic clock */
			ns = d <= 0 ? 1 : (uint64_t)d / (EMU_TSC_HZ /
			    1000000000ULL);
			vl->tsc_deadline = val;
			timer_arm(vl, val == 0 ? 0 : (ns == 0 ? 1 : ns));
		}
		pthread_mutex_unlock(&vl->mtx);
		return (0);
	}
	if (!x2mode(vl))
		return (-1);
	/* reserved bits of the 32-bit registers must be 0 (SDM §10.12.1.2) */
	if (off != L_ICRLO && (val >> 32) != 0)
		return (-1);
	if (off == L_EOI && val != 0)
		return (-1);
	pthread_mutex_lock(&vl->mtx);
	error = reg_write(vl, off, val, &post);
	pthread_mutex_unlock(&vl->mtx);
	if (error == 0)
		do_post(vl, post);
	return (error);
}

void
vlapic_base_changed(struct emu_cpu *cpu, uint64_t old)
{
	struct vlapic *vl = cpu->vlapic;

	/* disabling the APIC resets it (SDM 3A §10.4.3) */
	if ((old & MSR_APIC_BASE_EN) && !(cpu->apic_base & MSR_APIC_BASE_EN))
		vlapic_reset(vl);
	emu_intr_notify(cpu);
}

/* ---- message routing (SDM 3A §10.6.2) ---- */

static bool
dest_match(struct vlapic *vl, uint32_t dest, bool x2, bool logical)
{
	if (!logical) {
		if (x2)
			return (dest == 0xffffffffu || dest == vl->id);
		return (dest == 0xff || (dest & 0xff) == vl->id);
	}
	if (x2 || x2mode(vl)) {
		uint32_t l = ldr_x2(vl);
		if (x2 && dest == 0xffffffffu)
			return (true);
		return ((dest >> 16) == (l >> 16) && (dest & l & 0xffff));
	}
	dest &= 0xff;
	if (dest == 0xff)
		return (true);
	if ((vl->dfr >> 28) == 0xf)		/* flat */
		return (((vl->ldr >> 24) & dest) != 0);
	/* cluster: high nibble the cluster, low nibble a member bitmap */
	return ((vl->ldr >> 28) == (dest >> 4) &&
	    ((vl->ldr >> 24) & dest & 0xf) != 0);
}

static void
deliver_one(struct vmctx *ctx, struct emu_cpu *self, struct emu_cpu *t,
    int mode, int vec, bool level)
{
	switch (mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWPRI:
		set_irr(t->vlapic, vec, level);
		break;
	case APIC_DM_NMI:
		atomic_store(&t->nmi_pending, 1);
		emu_intr_notify(t);
		break;
	case APIC_DM_INIT:
		emu_intr_init(t);
		break;
	case APIC_DM_SIPI:
		emu_intr_sipi(self, t, vec);
		break;
	default:
		/* SMI, ExtINT through the IOAPIC: not modelled */
		break;
	}
}

void
vlapic_deliver(struct vmctx *ctx, struct emu_cpu *self, uint32_t dest,
    bool x2, bool logical, int shorthand, int mode, int vec, bool level)
{
	struct emu_cpu *low = NULL;

	for (int i = 0; i < ctx->ncpus; i++) {
		struct vcpu *v = ctx->vcpu[i];
		struct emu_cpu *t;
		bool m;

		if (v == NULL || (t = v->backend) == NULL || t->vlapic == NULL)
			continue;
		switch (shorthand) {
		case 1: m = t == self; break;
		case 2: m = true; break;
		case 3: m = t != self; break;
		default: m = dest_match(t->vlapic, dest, x2, logical); break;
		}
		if (!m)
			continue;
		if (mode == APIC_DM_LOWPRI) {
			/* the lowest TPR wins; the first one on a tie */
			if (low == NULL ||
			    t->vlapic->tpr < low->vlapic->tpr)
				low = t;
			continue;
		}
		deliver_one(ctx, self, t, mode, vec, level);
	}
	if (low != NULL)
		deliver_one(ctx, self, low, mode, vec, level);
}

int
vlapic_msi(struct vmctx *ctx, uint64_t addr, uint64_t msg)
{
	/* MSI address/data layout: SDM 3A §10.11.1, §10.11.2 */
	if ((addr & 0xfff00000ULL) != 0xfee00000ULL)
		return (-EINVAL);
	vlapic_deliver(ctx, NULL, (addr >> 12) & 0xff, false,
	    (addr & 4) != 0, 0, (msg >> 8) & 7, msg & 0xff,
	    (msg & 0x8000) != 0);
	return (0);
}

/* ---- lifecycle ---- */

void
vlapic_reset(struct vlapic *vl)
{
	pthread_mutex_lock(&vl->mtx);
	vl->tpr = vl->ldr = vl->esr = vl->icr_lo = vl->icr_hi = 0;
	vl->dfr = 0xffffffffu;
	vl->svr = 0xff;
	for (int i = 0; i < NLVT; i++)
		vl->lvt[i] = LVT_MASKED;
	memset(vl->isr, 0, sizeof(vl->isr));
	memset(vl->irr, 0, sizeof(vl->irr));
	memset(vl->tmr, 0, sizeof(vl->tmr));
	vl->tmict = vl->dcr = 0;
	vl->tsc_deadline = 0;
	timer_arm(vl, 0);
	pthread_mutex_unlock(&vl->mtx);
}

int
vlapic_init(struct emu_cpu *cpu)
{
	struct vlapic *vl = calloc(1, sizeof(*vl));

	if (vl == NULL)
		return (-ENOMEM);
	vl->cpu = cpu;
	vl->id = cpu->vcpu->id;
	pthread_mutex_init(&vl->mtx, NULL);
	cpu->vlapic = vl;
	emu_timer_setup(cpu->vm->timers, cpu->vcpu->id, timer_fire, vl);
	vlapic_reset(vl);
	return (0);
}

void
vlapic_cleanup(struct emu_cpu *cpu)
{
	struct vlapic *vl = cpu->vlapic;

	if (vl == NULL)
		return;
	emu_timer_stop(cpu->vm->timers, cpu->vcpu->id);
	pthread_mutex_destroy(&vl->mtx);
	free(vl);
	cpu->vlapic = NULL;
}
