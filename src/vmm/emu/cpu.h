/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cpu.h: the emu backend's vCPU: architectural state (GPRs, RIP, lazy
 * flags, segment registers with their hidden descriptor caches, control
 * registers, MSRs), the software TLB, the decoded-instruction cache types,
 * and the inline fast paths every instruction handler uses (register and
 * memory operands).  Intel SDM vol. 3A is the reference throughout.
 */
#ifndef LHYVE_EMU_CPU_H
#define LHYVE_EMU_CPU_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vmm/vmm_priv.h"
#include "vmm/emu/decode.h"

/* hot helpers: always inlined so constant arguments fold away */
#define EMU_INLINE	static inline __attribute__((always_inline))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* ---- general registers (encoding order) ---- */
enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI };

/* ---- RFLAGS (SDM 3A §2.3) ---- */
#define FL_CF	0x0001u
#define FL_1	0x0002u		/* reserved, always 1 */
#define FL_PF	0x0004u
#define FL_AF	0x0010u
#define FL_ZF	0x0040u
#define FL_SF	0x0080u
#define FL_TF	0x0100u
#define FL_IF	0x0200u
#define FL_DF	0x0400u
#define FL_OF	0x0800u
#define FL_IOPL	0x3000u
#define FL_NT	0x4000u
#define FL_RF	0x10000u
#define FL_VM	0x20000u
#define FL_AC	0x40000u
#define FL_VIF	0x80000u
#define FL_VIP	0x100000u
#define FL_ID	0x200000u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* ---- control registers ---- */
#define CR0_PE	(1u << 0)
#define CR0_MP	(1u << 1)
#define CR0_EM	(1u << 2)
#define CR0_TS	(1u << 3)
#define CR0_ET	(1u << 4)
#define CR0_NE	(1u << 5)
#define CR0_WP	(1u << 16)
#define CR0_AM	(1u << 18)
#define CR0_NW	(1u << 29)
#define CR0_CD	(1u << 30)
#define CR0_PG	(1u << 31)

#define CR4_VME		(1u << 0)
#define CR4_PVI		(1u << 1)
#define CR4_TSD		(1u << 2)
#define CR4_DE		(1u << 3)
#define CR4_PSE		(1u << 4)
#define CR4_PAE		(1u << 5)
#define CR4_MCE		(1u << 6)
#define CR4_PGE		(1u << 7)
#define CR4_PCE		(1u << 8)
#define CR4_OSFXSR	(1u << 9)
#define CR4_OSXMMEXCPT	(1u << 10)
#define CR4_UMIP	(1u << 11)

#define EFER_SCE	(1u << 0)
#define EFER_LME	(1u << 8)
#define EFER_LMA	(1u << 10)
#define EFER_NXE	(1u << 11)

/* ---- exception vectors (SDM 3A §6.3.1) ---- */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4,
	EXC_BR = 5, EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10,
	EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14, EXC_MF = 16,
	EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/* #PF error code bits (SDM 3A §4.7) */
#define PFEC_P		(1u << 0)
#define PFEC_W		(1u << 1)
#define PFEC_U		(1u << 2)
#define PFEC_RSVD	(1u << 3)
#define PFEC_I		(1u << 4)

/* ---- segment register with its hidden descriptor cache ---- */
struct emu_segreg {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;		/* byte granular, after G scaling */
	uint32_t access;	/* VMX layout (vmm.h SEG_ACC_*) */
};
/* indices into cpu->seg[] beyond the six data/code registers */
#define EMU_LDTR	6
#define EMU_TR		7
#define EMU_NSEGREG	8

/* ---- software TLB ---- */
#define EMU_TLB_BITS	10
#define EMU_TLB_SIZE	(1u << EMU_TLB_BITS)
#define EMU_TLB_NONE	(~0ULL)		/* never equals a page-aligned tag */
#define EMU_PAGE_MASK	(~0xfffULL)

/*
 * One entry caches one linear page for one privilege level.  A tag equals
 * the linear page address when that kind of access may take the fast path
 * (host = la + addend); pages that are MMIO, ROM (writes) or hold decoded
 * code (writes) keep that tag at EMU_TLB_NONE so the access takes the slow
 * path, which knows what to do.
 */
struct emu_tlbe {
	uint64_t tag_r, tag_w, tag_x;
	uintptr_t addend;
	uint64_t gpa;		/* physical page */
};

/* ---- decoded-instruction cache ---- */
struct emu_cpu;
struct emu_op;
/*
 * A handler runs one decoded instruction and returns the next op to run
 * (op + 1 normally), or NULL to leave the block (branches, mode changes,
 * exits).  cpu->rip holds the instruction's own address on entry.
 */
typedef const struct emu_op *(*emu_handler_t)(struct emu_cpu *,
    const struct emu_op *);

struct emu_op {
	emu_handler_t fn;
	struct emu_insn i;
	uint8_t size;		/* operand size in bytes (1 for byte forms) */
	uint8_t seg;		/* effective segment of the memory operand */
	uint8_t aux;		/* handler-specific (ALU op, condition, ...) */
};

/*
 * A block's remembered successor (block chaining): valid while the vCPU's
 * chain_gen (bumped by anything that changes linear->physical translation,
 * the decode mode, CS outside 64-bit mode, or the cache) is unchanged, in
 * the same TLB class (gen = chain_gen << 1 | CPL 3), and the successor is
 * not stale.
 */
struct emu_link {
	uint64_t la;		/* linear address it was entered at */
	uint32_t gen;
	struct emu_block *b;
};

struct emu_block {
	uint64_t gpa;		/* physical address of the first byte */
	_Atomic uint32_t *pinfo; /* page info word of that page */
	uint32_t pver;		/* its value when the block was decoded */
	uint8_t mode;		/* decode mode 16/32/64 */
	uint16_t nops;
	uint8_t link_next;	/* round-robin slot for the next link */
	struct emu_link link[2];
	struct emu_block *hnext;
	struct emu_op ops[];	/* nops + a terminating op */
};

/*
 * Jump cache: a small direct-mapped table (linear address -> block) in
 * front of the hash, for block entries the two links miss (returns,
 * indirect jumps and calls, blocks with several exits).  Valid under the
 * same rules as a link (chain_gen, and the block's page version).
 */
#define EMU_JC_BITS	10
#define EMU_JC_SIZE	(1u << EMU_JC_BITS)
#define EMU_LINK_PAGES	4096	/* bits in emu_cpu.link_pages */

#define EMU_BLOCK_MAXOPS	64
#define EMU_CACHE_HASH		4096
#define EMU_CACHE_ARENA		(8u << 20)

/*
 * Page info words, one per 4 KiB of guest RAM/ROM: bit 0 says "decoded
 * code lives here" (writes must invalidate), the rest is a version that
 * every invalidation bumps, so a block is stale when the word it saved no
 * longer matches.  Lock-free, so every vCPU sees invalidation.
 */
#define EMU_PI_CODE	1u
#define EMU_PI_VER	2u

/* The emu backend's per-VM state (ctx->backend). */
struct emu_vm {
	_Atomic uint32_t *pinfo[VM_MAX_MEMSEGS];
	uint64_t pinfo_npages[VM_MAX_MEMSEGS];
	_Atomic uint32_t code_gen;	/* bumped when a page becomes code */
	_Atomic int nactive;		/* vCPUs that have run */
	_Atomic int nhalted_noirq;	/* of those, halted with IF=0 */

	/* ---- interrupt controllers and timers (docs/interrupts.md) ---- */
	struct vioapic *vioapic;	/* vioapic.c */
	struct vatpic *vatpic;		/* vatpic.c: the 8259 pair, ELCR */
	struct vatpit *vatpit;		/* vatpit.c: the 8254, port 0x61 */
	struct emu_timers *timers;	/* vtimer.c: the VM's timer thread */
	uint8_t imcr_sel, imcr;		/* IMCR (ports 0x22/0x23) */

	/*
	 * ---- stop-the-world (intr.c; docs/interrupts.md "SMP") ----
	 * A LOCK'd access that cannot be one host atomic (split across
	 * pages, MMIO) sets excl_pending and waits until every other vCPU
	 * is out of guest code (in_guest 0): parked between blocks, asleep
	 * in HLT, in an exit handler or outside vm_run.
	 */
	pthread_mutex_t excl_mtx;
	pthread_cond_t excl_cv;		/* excl_pending went to 0 */
	_Atomic int excl_pending;	/* a vCPU holds (or takes) the world */
	_Atomic int excl_sleepers;	/* waiting on excl_cv */
};

/* run-loop longjmp reasons */
#define EMU_JMP_FAULT	1	/* cpu->exc_* holds an exception to deliver */
#define EMU_JMP_EXIT	2	/* cpu->exit_vme must reach the caller */

enum emu_pgmode { PG_NONE, PG_32, PG_PAE, PG_4LVL };

/*
 * ---- x87 / MMX / SSE state (fpu.c, sse_*.c, sse4.c, fxsave.c) ----
 * SDM 1 ch. 8-12.  The x87 registers are kept in physical order R0..R7
 * (ST(i) is R((TOP + i) & 7)); MMi aliases R(i) bits 63:0.  Power-up
 * values are set lazily on the first FPU/SSE instruction (emu_fpu_init):
 * INIT leaves this state unchanged (SDM 3A table 9-1), so only power-up
 * needs it.
 */
struct emu_x87reg {
	uint64_t mant;		/* significand, explicit integer bit 63 */
	uint16_t sexp;		/* sign (bit 15) and biased exponent */
	uint16_t pad[3];
};

union emu_xmm {
	uint8_t b[16];
	uint16_t w[8];
	uint32_t d[4];
	uint64_t q[2];
	int8_t sb[16];
	int16_t sw[8];
	int32_t sd[4];
	int64_t sq[2];
	float f[4];
	double df[2];
} __attribute__((aligned(16)));

struct emu_fpu {
	union emu_xmm xmm[16];
	struct emu_x87reg st[8];	/* physical R0..R7 */
	uint32_t mxcsr;
	uint16_t fcw;
	uint16_t fsw;		/* with TOP in bits 13:11 */
	uint8_t ftw;		/* abridged: bit i set = R(i) not empty */
	bool init;		/* power-up values have been set */
	uint16_t fop;		/* last non-control opcode, 11 bits */
	uint16_t fcs, fds;
	uint64_t fip, fdp;
};


struct emu_cpu {
	uint64_t r[16];
	uint64_t rip;

	/*
	 * Lazy flags (flags.c): rflags holds every bit except those in
	 * FL_ARITH while lf_op != LF_NONE; those are computed on demand
	 * from the last arithmetic operation.
	 */
	uint64_t rflags;
	uint64_t lf_res, lf_dst, lf_src;
	uint8_t lf_op;
	uint8_t lf_size;	/* 1, 2, 4, 8 */
	uint8_t lf_aux;		/* ADC/SBB carry in, INC/DEC old CF */

	struct emu_segreg seg[EMU_NSEGREG];
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;

	uint64_t cr0, cr2, cr3, cr4, cr8, efer, dr7;
	uint64_t dr[4], dr6;
	/* MSRs the backend owns (CPU-MODEL.md) */
	uint64_t star, lstar, cstar, sfmask, kgs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t apic_base, pat, misc_enable, tsc_aux;
	int64_t tsc_offset;
	int intr_shadow;

	/* derived state, recomputed by emu_update_mode() */
	int cpl;
	int code_mode;		/* 16, 32, 64 */
	int stack_size;		/* 2, 4, 8 */
	bool long64;		/* 64-bit mode (LMA and CS.L) */
	enum emu_pgmode pgmode;
	struct emu_tlbe *tlb;	/* tlbs[cpl == 3] */
	struct emu_tlbe tlbs[2][EMU_TLB_SIZE];
	/* entry maps a global page (G with CR4.PGE): kept across MOV CR3 */
	uint8_t tlb_global[2][EMU_TLB_SIZE];
	uint64_t pdpte[4];	/* PAE PDPTEs latched at MOV CR3 (SDM 3A 4.4.1) */
	uint32_t seen_code_gen;
	uint32_t chain_gen;	/* see struct emu_link */
	/*
	 * Pages (la >> 12, hashed) that blocks were looked up at since
	 * chain_gen last moved: only those can be a link's or jump-cache
	 * entry's target, so INVLPG of any other page leaves chain_gen be.
	 */
	uint64_t link_pages[EMU_LINK_PAGES / 64];

	/* run state */
	struct vcpu *vcpu;
	struct vmctx *ctx;
	struct emu_vm *vm;
	jmp_buf jb;
	bool stop;		/* trace loop: leave the block after this op */
	const struct emu_op *cur_op;	/* trace loop: the op running */
	struct emu_block *cur_block;	/* the block running (or last run) */
	uint64_t insns;		/* executed, not yet in stats[VMST_INSNS] */
	int exc_vec;		/* exception to deliver after a longjmp */
	uint32_t exc_err;
	bool exc_has_err;
	int delivering;		/* vector being delivered, -1 if none */
	int pend_vec;		/* injected by vm_inject_exception, -1 none */
	uint32_t pend_err;
	bool pend_has_err;
	struct vm_exit exit_vme;	/* for EMU_JMP_EXIT / pending exits */
	bool exit_pending;
	bool halted;
	bool halt_counted;	/* counted in vm->nhalted_noirq */
	bool active;		/* counted in vm->nactive */
	int caps[VM_CAP_MAX];
	enum x2apic_state x2apic;

	_Atomic int kick;
	_Atomic int in_guest;	/* running guest code (stop-the-world) */
	bool excl_held;		/* this vCPU has stopped the others */
	pthread_mutex_t mtx;	/* HLT sleep */
	pthread_cond_t cv;

	/*
	 * ---- interrupts (intr.c, vlapic.c; docs/interrupts.md) ----
	 * Other threads (IPIs, the IOAPIC, the timer thread) set intr_req
	 * and wake cv; the run loop reads it between blocks (one relaxed
	 * atomic load) and only then looks at the LAPIC.
	 */
	struct vlapic *vlapic;
	_Atomic int intr_req;		/* re-evaluate pending interrupts */
	bool intr_wait;		/* one is pending but IF=0 or shadowed */
	const struct emu_op *shadow_op;	/* the op that set intr_shadow */
	bool nmi_blocked;	/* in an NMI handler until IRET */
	_Atomic int nmi_pending;
	_Atomic int init_pending;
	_Atomic int sipi_vector;	/* -1: none */
	_Atomic int run_state;		/* EMU_RS_* */

	/* x87/MMX/SSE (see struct emu_fpu) */
	struct emu_fpu fpu;

	/* decoded-instruction cache (cache.c) */
	struct emu_block *hash[EMU_CACHE_HASH];
	struct emu_link jc[EMU_JC_SIZE];	/* jump cache */
	uint8_t *arena;
	size_t arena_used;
	union {
		struct emu_block b;
		uint8_t space[sizeof(struct emu_block) +
		    2 * sizeof(struct emu_op)];
	} scratch;		/* one-off block for page-crossing insns */
};

/* ---- lazy flag ops (flags.c) ---- */
enum {
	LF_NONE, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC,
	/*
	 * SF/ZF/PF from lf_res, AF clear, CF = lf_aux bit 0, OF = lf_aux
	 * bit 1: shifts, multiplies, and rotates after any of these or a
	 * logic op, so none of them has to compute SZP eagerly.
	 */
	LF_RESCO,
};

uint64_t emu_get_rflags(struct emu_cpu *cpu);
void emu_set_rflags(struct emu_cpu *cpu, uint64_t fl);
/* Materialize the arithmetic flags into cpu->rflags (lf_op = LF_NONE). */
void emu_flags_sync(struct emu_cpu *cpu);
bool emu_get_cf(struct emu_cpu *cpu);
bool emu_get_zf(struct emu_cpu *cpu);
bool emu_get_sf(struct emu_cpu *cpu);
bool emu_get_of(struct emu_cpu *cpu);
bool emu_get_pf(struct emu_cpu *cpu);
/* Condition code cc (0..15, the low nibble of Jcc/SETcc/CMOVcc). */
bool emu_cond(struct emu_cpu *cpu, int cc);

EMU_INLINE void
emu_lf(struct emu_cpu *cpu, int op, int size, uint64_t dst, uint64_t src,
    uint64_t res)
{
	cpu->lf_op = op;
	cpu->lf_size = size;
	cpu->lf_dst = dst;
	cpu->lf_src = src;
	cpu->lf_res = res;
}

/* Record a result whose CF/OF are known (LF_RESCO). */
EMU_INLINE void
emu_lf_resco(struct emu_cpu *cpu, int size, uint64_t res, bool cf, bool of)
{
	cpu->lf_op = LF_RESCO;
	cpu->lf_size = size;
	cpu->lf_res = res;
	cpu->lf_aux = (cf ? 1 : 0) | (of ? 2 : 0);
}

/*
 * Inline fast paths for reading the lazy flags (Jcc, SETcc, CMOVcc,
 * INC/DEC's carry): the common last operations (CMP/SUB, TEST/logic, ADD,
 * INC/DEC, shifts) are answered here; the rest go to flags.c.  Values are
 * shifted left so the operand size's sign bit is bit 63: unsigned and
 * signed compares then need no masking or sign extension.
 */
EMU_INLINE unsigned
emu_lf_shift(struct emu_cpu *cpu)
{
	return (64 - 8 * cpu->lf_size);
}

EMU_INLINE bool
emu_cf_fast(struct emu_cpu *cpu)
{
	unsigned sh;

	switch (cpu->lf_op) {
	case LF_NONE:
		return (cpu->rflags & FL_CF);
	case LF_SUB:
		sh = emu_lf_shift(cpu);
		return ((cpu->lf_dst << sh) < (cpu->lf_src << sh));
	case LF_LOGIC:
		return (false);
	case LF_INC:
	case LF_DEC:
	case LF_RESCO:
		return (cpu->lf_aux & 1);
	}
	return (emu_get_cf(cpu));
}

/* Condition cc (0..15) from the lazy state; cc is usually a constant. */
EMU_INLINE bool
emu_cond_fast(struct emu_cpu *cpu, int cc)
{
	unsigned sh;
	uint64_t d, s, r;
	bool v;

	if (cpu->lf_op == LF_SUB) {
		sh = emu_lf_shift(cpu);
		d = cpu->lf_dst << sh;
		s = cpu->lf_src << sh;
		r = cpu->lf_res << sh;
		switch (cc >> 1) {
		case 1: v = d < s; break;			/* B */
		case 2: v = r == 0; break;			/* Z */
		case 3: v = d <= s; break;			/* BE */
		case 4: v = (int64_t)r < 0; break;		/* S */
		case 6: v = (int64_t)d < (int64_t)s; break;	/* L */
		case 7: v = (int64_t)d <= (int64_t)s; break;	/* LE */
		default: return (emu_cond(cpu, cc));		/* O, P */
		}
		return (v ^ (cc & 1));
	}
	if (cpu->lf_op == LF_LOGIC || cpu->lf_op == LF_INC ||
	    cpu->lf_op == LF_DEC || cpu->lf_op == LF_ADD) {
		/* ZF and SF straight from the result */
		r = cpu->lf_res << emu_lf_shift(cpu);
		switch (cc >> 1) {
		case 2: v = r == 0; break;			/* Z */
		case 4: v = (int64_t)r < 0; break;		/* S */
		default: return (emu_cond(cpu, cc));
		}
		return (v ^ (cc & 1));
	}
	return (emu_cond(cpu, cc));
}

/* Set the arithmetic flags to exact values (shifts, multiplies, ...). */
static inline void
emu_set_arith(struct emu_cpu *cpu, uint32_t fl)
{
	cpu->lf_op = LF_NONE;
	cpu->rflags = (cpu->rflags & ~(uint64_t)FL_ARITH) | (fl & FL_ARITH);
}

EMU_INLINE uint64_t
emu_mask(int size)
{
	return (size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1);
}

static inline uint64_t
emu_sext(uint64_t v, int size)
{
	switch (size) {
	case 1: return ((uint64_t)(int64_t)(int8_t)v);
	case 2: return ((uint64_t)(int64_t)(int16_t)v);
	case 4: return ((uint64_t)(int64_t)(int32_t)v);
	}
	return (v);
}

/* Flags of a result for SF/ZF/PF (used by eager computations). */
uint32_t emu_szp(uint64_t res, int size);

/* ---- registers ---- */
EMU_INLINE uint64_t
emu_getreg(struct emu_cpu *cpu, int n, int size, int rex)
{
	switch (size) {
	case 1:
		if (!rex && n >= 4 && n < 8)
			return ((cpu->r[n - 4] >> 8) & 0xff);
		return (cpu->r[n] & 0xff);
	case 2:
		return (cpu->r[n] & 0xffff);
	case 4:
		return (cpu->r[n] & 0xffffffff);
	}
	return (cpu->r[n]);
}

/* Write a register the way x86 does: 32-bit writes zero-extend. */
EMU_INLINE void
emu_setreg(struct emu_cpu *cpu, int n, int size, int rex, uint64_t v)
{
	switch (size) {
	case 1:
		if (!rex && n >= 4 && n < 8)
			cpu->r[n - 4] = (cpu->r[n - 4] & ~0xff00ULL) |
			    ((v & 0xff) << 8);
		else
			cpu->r[n] = (cpu->r[n] & ~0xffULL) | (v & 0xff);
		break;
	case 2:
		cpu->r[n] = (cpu->r[n] & ~0xffffULL) | (v & 0xffff);
		break;
	case 4:
		cpu->r[n] = (uint32_t)v;
		break;
	default:
		cpu->r[n] = v;
	}
}

/* ---- faults (except.c) ---- */
__attribute__((noreturn)) void emu_fault(struct emu_cpu *cpu, int vec,
    uint32_t err);
__attribute__((noreturn)) void emu_fault_noerr(struct emu_cpu *cpu, int vec);
/* #UD for an instruction lhyve does not implement yet (counted). */
__attribute__((noreturn)) void emu_unimpl(struct emu_cpu *cpu);
/* Leave vm_run with cpu->exit_vme (after a VMEXIT_ABORT verdict etc.). */
__attribute__((noreturn)) void emu_exit_longjmp(struct emu_cpu *cpu);
/*
 * Deliver an exception or interrupt: through the IVT in real mode, the
 * IDT otherwise.  soft: INT n / INT3 / INTO (DPL check, no error code);
 * next_rip is the return address pushed for traps and soft interrupts.
 */
void emu_deliver(struct emu_cpu *cpu, int vec, bool has_err, uint32_t err,
    bool soft, uint64_t ret_rip);
/* Handle an exception raised during execution (longjmp target side). */
void emu_exception(struct emu_cpu *cpu, int vec, bool has_err,
    uint32_t err);
bool emu_vec_has_err(int vec);

/* ---- mode (system.c) ---- */
void emu_update_mode(struct emu_cpu *cpu);
void emu_set_cpl(struct emu_cpu *cpu, int cpl);
int emu_set_cr(struct emu_cpu *cpu, int n, uint64_t val, bool check);
int emu_wrmsr_owned(struct emu_cpu *cpu, uint32_t msr, uint64_t val,
    bool *owned);
int emu_rdmsr_owned(struct emu_cpu *cpu, uint32_t msr, uint64_t *val);
void emu_cpuid(struct emu_cpu *cpu, uint32_t leaf, uint32_t sub,
    uint32_t r[4]);
uint64_t emu_rdtsc(struct emu_cpu *cpu);

/* ---- segments (seg.c) ---- */
void emu_load_seg(struct emu_cpu *cpu, int sr, uint16_t sel);
/* Read the 8-byte descriptor for sel from the GDT/LDT; #GP(sel) if out
 * of the table. */
uint64_t emu_read_desc(struct emu_cpu *cpu, uint16_t sel, int vec);
uint32_t emu_desc_access(uint64_t d);
uint64_t emu_desc_base(uint64_t d);
uint32_t emu_desc_limit(uint64_t d);
/* Load CS for a far transfer to sel with the descriptor d at new cpl. */
void emu_load_cs_desc(struct emu_cpu *cpu, uint16_t sel, uint64_t d,
    int cpl);
void emu_set_seg_cache(struct emu_cpu *cpu, int sr, uint16_t sel,
    uint64_t d);
void emu_seg_real(struct emu_cpu *cpu, int sr, uint16_t sel);
uint64_t emu_read_desc_hi(struct emu_cpu *cpu, uint16_t sel, int vec);
void emu_tss_stack(struct emu_cpu *cpu, int dpl, uint32_t ext, uint16_t *ss,
    uint64_t *sp);
uint64_t emu_check_new_ss(struct emu_cpu *cpu, uint16_t sel, int cpl,
    uint32_t ext);
bool emu_seg_fits(uint64_t d, uint64_t off, int size);
bool emu_segreg_fits(const struct emu_segreg *s, uint64_t off, int size);
uint64_t emu_read_desc_ext(struct emu_cpu *cpu, uint16_t sel, int vec,
    uint32_t ext);
void emu_desc_set_accessed(struct emu_cpu *cpu, uint16_t sel, uint64_t d);

/* ---- MMU (mmu.c) ---- */
#define ACC_R	0
#define ACC_W	1
#define ACC_X	2
/* linear address for seg:off, with the segment's limit and type checks */
uint64_t emu_linear_slow(struct emu_cpu *cpu, int sr, uint64_t off,
    int size, int acc);
uint64_t emu_read_slow(struct emu_cpu *cpu, uint64_t la, int size,
    bool sys);
void emu_write_slow(struct emu_cpu *cpu, uint64_t la, int size,
    uint64_t val, bool sys);
/* Fill the TLB for la (may fault), return the entry. */
struct emu_tlbe *emu_tlb_fill(struct emu_cpu *cpu, uint64_t la, int acc,
    bool sys);
void emu_tlb_flush(struct emu_cpu *cpu);
void emu_tlb_flush_nonglobal(struct emu_cpu *cpu);
int emu_load_pdptes(struct emu_cpu *cpu, uint64_t cr3);
void emu_tlb_flush_page(struct emu_cpu *cpu, uint64_t la);
void emu_tlb_flush_write(struct emu_cpu *cpu);
/* guest-physical access (RAM, ROM, MMIO exits) */
uint64_t emu_phys_read(struct emu_cpu *cpu, uint64_t gpa, int size);
void emu_phys_write(struct emu_cpu *cpu, uint64_t gpa, int size,
    uint64_t val);
/* Page-info word for gpa (NULL if not RAM/ROM). */
_Atomic uint32_t *emu_pinfo(struct emu_vm *vm, struct vmctx *ctx,
    uint64_t gpa);
void emu_code_invalidate(struct emu_cpu *cpu, _Atomic uint32_t *pi);
int emu_mem_layout(struct vmctx *ctx);
void emu_notify_write(struct vmctx *ctx, uint64_t gpa, size_t len);
/* Translate la for acc (faults), returning the physical address. */
uint64_t emu_translate(struct emu_cpu *cpu, uint64_t la, int acc, bool sys);

/* Synchronous exit to lhyve's exit handler; returns its verdict. */
int emu_exit_call(struct emu_cpu *cpu, struct vm_exit *vme);

EMU_INLINE uint64_t
emu_linear(struct emu_cpu *cpu, int sr, uint64_t off, int size, int acc)
{
	if (likely(cpu->long64)) {
		uint64_t la = off;
		if (sr >= EMU_FS && sr <= EMU_GS)
			la += cpu->seg[sr].base;
		/* canonical check, SDM 3A §3.3.7.1 */
		if (unlikely((uint64_t)((int64_t)(la << 16) >> 16) != la))
			return (emu_linear_slow(cpu, sr, off, size, acc));
		return (la);
	}
	return (emu_linear_slow(cpu, sr, off, size, acc));
}

EMU_INLINE uint64_t
emu_ld(const void *p, int size)
{
	switch (size) {
	case 1: return (*(const uint8_t *)p);
	case 2: { uint16_t v; memcpy(&v, p, 2); return (v); }
	case 4: { uint32_t v; memcpy(&v, p, 4); return (v); }
	}
	uint64_t v;
	memcpy(&v, p, 8);
	return (v);
}

EMU_INLINE void
emu_st(void *p, int size, uint64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)p = v; return;
	case 2: { uint16_t w = v; memcpy(p, &w, 2); return; }
	case 4: { uint32_t w = v; memcpy(p, &w, 4); return; }
	}
	memcpy(p, &v, 8);
}

/* Read size bytes at linear address la: a TLB hit is a compare and an add. */
EMU_INLINE uint64_t
emu_read_la(struct emu_cpu *cpu, uint64_t la, int size)
{
	struct emu_tlbe *e = &cpu->tlb[(la >> 12) & (EMU_TLB_SIZE - 1)];

	if (likely(e->tag_r == (la & EMU_PAGE_MASK) &&
	    (la & 0xfff) <= 0x1000u - size))
		return (emu_ld((void *)(uintptr_t)(la + e->addend), size));
	return (emu_read_slow(cpu, la, size, false));
}

EMU_INLINE void
emu_write_la(struct emu_cpu *cpu, uint64_t la, int size, uint64_t v)
{
	struct emu_tlbe *e = &cpu->tlb[(la >> 12) & (EMU_TLB_SIZE - 1)];

	if (likely(e->tag_w == (la & EMU_PAGE_MASK) &&
	    (la & 0xfff) <= 0x1000u - size)) {
		emu_st((void *)(uintptr_t)(la + e->addend), size, v);
		return;
	}
	emu_write_slow(cpu, la, size, v, false);
}

EMU_INLINE uint64_t
emu_read(struct emu_cpu *cpu, int sr, uint64_t off, int size)
{
	return (emu_read_la(cpu, emu_linear(cpu, sr, off, size, ACC_R), size));
}

EMU_INLINE void
emu_write(struct emu_cpu *cpu, int sr, uint64_t off, int size, uint64_t v)
{
	emu_write_la(cpu, emu_linear(cpu, sr, off, size, ACC_W), size, v);
}

/*
 * A memory operand for read-modify-write: translated once for writing.
 * p is the host pointer on the fast path (usable for LOCK'd host atomics),
 * or NULL, then la goes through the slow path.
 */
struct emu_mref {
	void *p;
	uint64_t la;
	int size;
	int lk;			/* EMU_MREF_*: what emu_mref_unlock undoes */
	_Atomic uint32_t *pi;	/* EMU_MREF_CODE: the page's info word */
};
#define EMU_MREF_CODE	1	/* host atomic on a code page: invalidate */
#define EMU_MREF_EXCL	2	/* the other vCPUs are stopped */

EMU_INLINE void
emu_mref_get(struct emu_cpu *cpu, struct emu_mref *m, int sr, uint64_t off,
    int size)
{
	uint64_t la = emu_linear(cpu, sr, off, size, ACC_W);
	struct emu_tlbe *e = &cpu->tlb[(la >> 12) & (EMU_TLB_SIZE - 1)];

	m->la = la;
	m->size = size;
	m->lk = 0;
	if (likely(e->tag_w == (la & EMU_PAGE_MASK) &&
	    (la & 0xfff) <= 0x1000u - size)) {
		m->p = (void *)(uintptr_t)(la + e->addend);
		return;
	}
	m->p = NULL;
	/*
	 * A TLB miss (first touch, dirty bit, a flush) must not make a
	 * LOCK'd RMW non-atomic: fill the entry and look again.  Only MMIO,
	 * ROM, code pages and page-crossing operands stay on the slow path.
	 */
	if ((la & 0xfff) <= 0x1000u - size) {
		e = emu_tlb_fill(cpu, la, ACC_W, false);
		if (e->tag_w == (la & EMU_PAGE_MASK))
			m->p = (void *)(uintptr_t)(la + e->addend);
	}
}

EMU_INLINE uint64_t
emu_mref_read(struct emu_cpu *cpu, struct emu_mref *m)
{
	if (m->p != NULL)
		return (emu_ld(m->p, m->size));
	return (emu_read_slow(cpu, m->la, m->size, false));
}

EMU_INLINE void
emu_mref_write(struct emu_cpu *cpu, struct emu_mref *m, uint64_t v)
{
	if (m->p != NULL)
		emu_st(m->p, m->size, v);
	else
		emu_write_slow(cpu, m->la, m->size, v, false);
}

/*
 * LOCK'd access (intr.c): off the fast path, make the operand atomic
 * across vCPUs.  A RAM page holding decoded code gets its host pointer
 * (host atomics; the page's code is invalidated at unlock); a split or
 * MMIO operand stops the other vCPUs until unlock; ROM needs nothing
 * (nobody can change it).  Faults (translation of both pages) happen in
 * emu_mref_lock, never between lock and unlock.
 */
void emu_mref_lock_slow(struct emu_cpu *cpu, struct emu_mref *m);
void emu_mref_unlock_slow(struct emu_cpu *cpu, struct emu_mref *m);

EMU_INLINE void
emu_mref_lock(struct emu_cpu *cpu, struct emu_mref *m)
{
	if (m->p == NULL)
		emu_mref_lock_slow(cpu, m);
}

EMU_INLINE void
emu_mref_unlock(struct emu_cpu *cpu, struct emu_mref *m)
{
	if (unlikely(m->lk != 0))
		emu_mref_unlock_slow(cpu, m);
}

/* Compare-and-swap on a fast-path mref (LOCK prefix); true on success. */
static inline bool
emu_mref_cas(struct emu_mref *m, uint64_t old, uint64_t new)
{
	switch (m->size) {
	case 1: {
		uint8_t o = old;
		return (__atomic_compare_exchange_n((uint8_t *)m->p, &o,
		    (uint8_t)new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	}
	case 2: {
		uint16_t o = old;
		return (__atomic_compare_exchange_n((uint16_t *)m->p, &o,
		    (uint16_t)new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	}
	case 4: {
		uint32_t o = old;
		return (__atomic_compare_exchange_n((uint32_t *)m->p, &o,
		    (uint32_t)new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	}
	}
	uint64_t o = old;
	return (__atomic_compare_exchange_n((uint64_t *)m->p, &o, new, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
}

/* System-structure accesses (GDT, IDT, TSS) are supervisor accesses
 * whatever the CPL (SDM 3A §4.6 "implicit supervisor-mode accesses"). */
static inline uint64_t
emu_read_sys(struct emu_cpu *cpu, uint64_t la, int size)
{
	return (emu_read_slow(cpu, la, size, true));
}

static inline void
emu_write_sys(struct emu_cpu *cpu, uint64_t la, int size, uint64_t v)
{
	emu_write_slow(cpu, la, size, v, true);
}

/* ---- operands of a decoded instruction ---- */

EMU_INLINE uint64_t
emu_amask(int addrsize)
{
	return (addrsize == 8 ? ~0ULL : addrsize == 4 ? 0xffffffffULL :
	    0xffffULL);
}

/* Effective address (offset within the segment) of a ModRM memory operand. */
EMU_INLINE uint64_t
emu_ea(struct emu_cpu *cpu, const struct emu_op *op)
{
	const struct emu_insn *i = &op->i;
	uint64_t a;

	if (i->addrsize == 2) {
		static const int8_t b16[8] = { R_BX, R_BX, R_BP, R_BP, -1, -1,
		    R_BP, R_BX };
		static const int8_t x16[8] = { R_SI, R_DI, R_SI, R_DI, R_SI,
		    R_DI, -1, -1 };
		int rm = i->rm16 & 7;
		a = (uint64_t)i->disp;
		if (!(i->mod == 0 && rm == 6) && b16[rm] >= 0)
			a += cpu->r[(int)b16[rm]];
		if (x16[rm] >= 0)
			a += cpu->r[(int)x16[rm]];
		return (a & 0xffff);
	}
	a = (uint64_t)i->disp;
	if (i->riprel)
		a += cpu->rip + i->len;
	else if (i->base != EMU_REG_NONE)
		a += cpu->r[i->base];
	if (i->index != EMU_REG_NONE)
		a += cpu->r[i->index] << i->scale;
	return (i->addrsize == 4 ? (a & 0xffffffffULL) : a);
}

EMU_INLINE uint64_t
emu_rm_read(struct emu_cpu *cpu, const struct emu_op *op, int size)
{
	if (op->i.mod == 3)
		return (emu_getreg(cpu, op->i.rm, size, op->i.rex));
	return (emu_read(cpu, op->seg, emu_ea(cpu, op), size));
}

EMU_INLINE void
emu_rm_write(struct emu_cpu *cpu, const struct emu_op *op, int size,
    uint64_t v)
{
	if (op->i.mod == 3)
		emu_setreg(cpu, op->i.rm, size, op->i.rex, v);
	else
		emu_write(cpu, op->seg, emu_ea(cpu, op), size, v);
}

EMU_INLINE uint64_t
emu_reg_read(struct emu_cpu *cpu, const struct emu_op *op, int size)
{
	return (emu_getreg(cpu, op->i.reg, size, op->i.rex));
}

EMU_INLINE void
emu_reg_write(struct emu_cpu *cpu, const struct emu_op *op, int size,
    uint64_t v)
{
	emu_setreg(cpu, op->i.reg, size, op->i.rex, v);
}

/* The immediate truncated to size (the decoder sign-extends it). */
EMU_INLINE uint64_t
emu_imm(const struct emu_op *op, int size)
{
	return ((uint64_t)op->i.imm & emu_mask(size));
}

/* ---- the stack ---- */
static inline uint64_t
emu_sp_mask(struct emu_cpu *cpu)
{
	return (emu_amask(cpu->stack_size));
}

static inline void
emu_push(struct emu_cpu *cpu, int size, uint64_t v)
{
	uint64_t m = emu_sp_mask(cpu);
	uint64_t sp = (cpu->r[R_SP] - size) & m;

	emu_write(cpu, EMU_SS, sp, size, v);
	cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | sp;
}

static inline uint64_t
emu_pop(struct emu_cpu *cpu, int size)
{
	uint64_t m = emu_sp_mask(cpu);
	uint64_t sp = cpu->r[R_SP] & m;
	uint64_t v = emu_read(cpu, EMU_SS, sp, size);

	cpu->r[R_SP] = (cpu->r[R_SP] & ~m) | ((sp + size) & m);
	return (v);
}

/* ---- instruction flow ---- */

/* Finish a straight-line instruction and go on with the next op. */
EMU_INLINE const struct emu_op *
emu_next(struct emu_cpu *cpu, const struct emu_op *op)
{
	cpu->rip += op->i.len;
	return (op + 1);
}

/* Mask a branch target to the operand size (SDM: EIP/IP truncation). */
static inline const struct emu_op *
emu_branch(struct emu_cpu *cpu, uint64_t target, int opsize)
{
	if (opsize == 2)
		target &= 0xffff;
	else if (opsize == 4)
		target &= 0xffffffff;
	/* the branch itself faults on a bad target (SDM vol. 2 "JMP") */
	if (cpu->long64) {
		if (unlikely((uint64_t)((int64_t)(target << 16) >> 16) !=
		    target))
			emu_fault(cpu, EXC_GP, 0);
	} else if (unlikely(target > cpu->seg[EMU_CS].limit)) {
		emu_fault(cpu, EXC_GP, 0);
	}
	cpu->rip = target;
	return (NULL);
}

/* ---- handler tables (optable.c) ---- */
#define EMU_F_BYTE	0x01	/* byte operand */
#define EMU_F_TERM	0x02	/* ends a block */
#define EMU_F_LOCK	0x04	/* LOCK allowed (with a memory destination) */
#define EMU_F_D64	0x08	/* 64-bit default operand size in long mode */
#define EMU_F_F64	0x10	/* operand size forced to 64 in long mode */
#define EMU_F_GROUP	0x20	/* aux = group index: look up by ModRM.reg */
#define EMU_F_MEM	0x40	/* ModRM must be a memory operand */
#define EMU_F_REG	0x80	/* ModRM must be a register */
#define EMU_F_NO64	0x100	/* invalid in 64-bit mode */

struct emu_opdesc {
	emu_handler_t fn;
	uint16_t flags;
	uint8_t aux;
};

/* Pick the handler for a decoded instruction and fill in op. */
int emu_op_setup(struct emu_cpu *cpu, struct emu_op *op, int mode);
/* hot.c: a specialised handler for a 64-bit op, or NULL */
emu_handler_t emu_hot_pick(struct emu_op *op);
/*
 * hot.c: for a direct JMP/CALL picked by emu_hot_pick, the handler that
 * goes on with the next op of the block (cache.c decodes the target
 * there when it is in the same page), or NULL.
 */
emu_handler_t emu_hot_follow(const struct emu_op *op);

/* handlers shared across files */
const struct emu_op *emu_h_ud(struct emu_cpu *, const struct emu_op *);
const struct emu_op *emu_h_unimpl(struct emu_cpu *, const struct emu_op *);
const struct emu_op *emu_h_gp0(struct emu_cpu *, const struct emu_op *);
const struct emu_op *emu_h_end(struct emu_cpu *, const struct emu_op *);

/* ---- decoded-instruction cache (cache.c) ---- */
int emu_cache_init(struct emu_cpu *cpu);
void emu_cache_fini(struct emu_cpu *cpu);
void emu_cache_flush(struct emu_cpu *cpu);
/* The block at linear address la = CS:RIP (may fault on the fetch). */
struct emu_block *emu_cache_lookup(struct emu_cpu *cpu, uint64_t la);
/*
 * This vCPU wrote to a page holding decoded code: if that made the
 * running block stale, end it after the current instruction.
 */
void emu_block_stale(struct emu_cpu *cpu);
struct emu_block *emu_block_first_op(struct emu_cpu *cpu,
    struct emu_block *b);

/* Linear address of CS:RIP, with the canonical or CS limit check. */
static inline uint64_t
emu_fetch_la(struct emu_cpu *cpu)
{
	if (cpu->long64) {
		if (unlikely((uint64_t)((int64_t)(cpu->rip << 16) >> 16) !=
		    cpu->rip))
			emu_fault(cpu, EXC_GP, 0);
		return (cpu->rip);
	}
	/* XXX: only the first byte is checked against CS.limit */
	if (unlikely(cpu->rip > cpu->seg[EMU_CS].limit))
		emu_fault(cpu, EXC_GP, 0);
	return ((cpu->seg[EMU_CS].base + cpu->rip) & 0xffffffffULL);
}

/* ---- port I/O (system.c) ---- */
uint32_t emu_port_in(struct emu_cpu *cpu, uint16_t port, int size);
void emu_port_out(struct emu_cpu *cpu, uint16_t port, int size,
    uint32_t v);
void emu_io_check(struct emu_cpu *cpu, uint16_t port, int size);

/* run_state: an AP waits for SIPI before its thread ever starts */
#define EMU_RS_NOTSTARTED	0	/* AP before the first SIPI */
#define EMU_RS_RUNNING		1
#define EMU_RS_WAITSIPI		2	/* INIT received, thread running */

/* ---- interrupts (intr.c) ---- */
/* Something may now be pending for cpu: make its run loop look (any thread). */
void emu_intr_notify(struct emu_cpu *cpu);
/* Between blocks: INIT/SIPI, NMI, then LAPIC/8259 vectors if IF allows. */
void emu_intr_check(struct emu_cpu *cpu);
/* The instruction at op (STI, MOV SS, POP SS) blocks interrupts after it. */
static inline void
emu_intr_shadow(struct emu_cpu *cpu, const struct emu_op *op)
{
	cpu->intr_shadow = 1;
	cpu->shadow_op = op;
}
/*
 * Stop-the-world (intr.c): a vCPU thread enters guest code (vm_run, back
 * from HLT or an exit handler; waits while another vCPU holds the world)
 * and leaves it (HLT sleep, exit handler, vm_run returns).  begin/end
 * bracket an access with every other vCPU out of guest code.
 */
void emu_excl_enter(struct emu_cpu *cpu);
void emu_excl_leave(struct emu_cpu *cpu);
void emu_excl_begin(struct emu_cpu *cpu);
void emu_excl_end(struct emu_cpu *cpu);
/* PAUSE (intr.c): a long spin-wait gives the host CPU away */
void emu_pause_spin(struct emu_cpu *cpu);
/* CR8 is the LAPIC TPR[7:4] (SDM 3A §10.8.6.1) */
uint64_t emu_get_cr8(struct emu_cpu *cpu);
void emu_set_cr8(struct emu_cpu *cpu, uint64_t v);

/* vCPU reset state (emu_backend.c) */
void emu_cpu_reset(struct emu_cpu *cpu);

#endif /* LHYVE_EMU_CPU_H */
