/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cache.c: the emu backend's decoded-instruction cache.  Blocks of
 * straight-line code are decoded once, with each instruction's handler
 * resolved, and kept per vCPU in a bump arena under a hash keyed by
 * guest-PHYSICAL address and decode mode (16/32/64).  A block never
 * crosses a page, so it depends on one page only; it records that page's
 * info word (mmu.c), and any write to the page from any vCPU or from DMA
 * bumps the word, which makes the block stale everywhere without locks.
 * When the arena fills, the whole cache is dropped (between blocks, so no
 * block is running).
 */
#include <stdlib.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/emu_debug.h"

#define BLOCK_BYTES(n)	(sizeof(struct emu_block) + \
			    ((n) + 1) * sizeof(struct emu_op))

int
emu_cache_init(struct emu_cpu *cpu)
{
	cpu->arena = malloc(EMU_CACHE_ARENA);
	if (cpu->arena == NULL)
		return (-1);
	emu_cache_flush(cpu);
	return (0);
}

void
emu_cache_fini(struct emu_cpu *cpu)
{
	free(cpu->arena);
	cpu->arena = NULL;
}

void
emu_cache_flush(struct emu_cpu *cpu)
{
	memset(cpu->hash, 0, sizeof(cpu->hash));
	cpu->arena_used = 0;
	cpu->chain_gen++;	/* every link pointed into the arena */
	cpu->cur_block = NULL;
}

/*
 * The run loop tests no flag between the ops of a block.  When an
 * instruction of the running block writes to the block's own page (or a
 * LOCK'd write does), the rest of the block may be old code: every op of
 * the block becomes a terminator, so the loop leaves it after the
 * current instruction and the next lookup decodes the page again.  The
 * block is stale (its page version moved), so no path will run it again
 * (links, the jump cache and the hash all check the version).
 */
void
emu_block_stale(struct emu_cpu *cpu)
{
	struct emu_block *b = cpu->cur_block;

	cpu->stop = true;		/* the trace loop still tests it */
	if (b == NULL || b->pinfo == NULL ||
	    atomic_load_explicit(b->pinfo, memory_order_relaxed) == b->pver)
		return;
	for (int k = 0; k < b->nops; k++)
		b->ops[k].fn = emu_h_end;
}

static inline unsigned
hash_of(uint64_t gpa, int mode)
{
	uint64_t h = (gpa ^ (gpa >> 12) ^ ((uint64_t)mode << 3)) *
	    0x9e3779b97f4a7c15ULL;

	return ((unsigned)(h >> 52) & (EMU_CACHE_HASH - 1));
}

/* Fetch the up to 15 bytes of an instruction that crosses a page. */
static int
fetch_cross(struct emu_cpu *cpu, uint64_t la, const uint8_t *p, int n1,
    uint8_t *buf)
{
	uint64_t la2 = la + n1, gpa2;
	int n = 0;

	if (!(cpu->efer & EFER_LMA))
		la2 &= 0xffffffffULL;
	if (n1 >= 15) {
		memcpy(buf, p, 15);
		return (15);
	}
	memcpy(buf, p, n1);
	gpa2 = emu_translate(cpu, la2, ACC_X, false);
	for (n = n1; n < 15; n++)
		buf[n] = emu_phys_read(cpu, gpa2 + (n - n1), 1);
	return (15);
}

static void
decode_fail(struct emu_op *op, int r)
{
	memset(&op->i, 0, sizeof(op->i));
	op->fn = r == EMU_DECODE_GP ? emu_h_gp0 : emu_h_ud;
}

/* One instruction that crosses a page: decoded each time, not cached. */
static struct emu_block *
cross_block(struct emu_cpu *cpu, uint64_t la, const uint8_t *p, int n1,
    int mode)
{
	struct emu_block *b = &cpu->scratch.b;
	uint8_t buf[16];
	int r;

	fetch_cross(cpu, la, p, n1, buf);
	b->nops = 1;
	b->pinfo = NULL;
	r = emu_decode(buf, 15, mode, &b->ops[0].i);
	if (r < 0)
		decode_fail(&b->ops[0], r);
	else
		emu_op_setup(cpu, &b->ops[0], mode);
	b->ops[1].fn = emu_h_end;
	return (b);
}

/*
 * A page became code: every vCPU must drop its fast write TLB entries
 * before its next block (an alias mapping may point at the page).  This
 * one does it now; the others see code_gen move in their between-block
 * slow path, which intr_req sends them to (emu_backend.c).
 */
static void
code_gen_bump(struct emu_cpu *cpu)
{
	struct vmctx *ctx = cpu->ctx;

	atomic_fetch_add(&cpu->vm->code_gen, 1);
	cpu->seen_code_gen = atomic_load(&cpu->vm->code_gen);
	emu_tlb_flush_write(cpu);
	for (int i = 0; i < VM_MAXCPU; i++) {
		struct vcpu *v = ctx->vcpu[i];
		if (v != NULL && v->backend != NULL && v->backend != cpu)
			atomic_store(&((struct emu_cpu *)v->backend)->intr_req,
			    1);
	}
}

static struct emu_block *
fill(struct emu_cpu *cpu, uint64_t la, uint64_t gpa, const uint8_t *p,
    int mode, unsigned h)
{
	_Atomic uint32_t *pi = emu_pinfo(cpu->vm, cpu->ctx, gpa);
	unsigned avail = 0x1000 - (gpa & 0xfff);
	/* offset from p: negative after a jump back within the page */
	int off = 0, pgoff = gpa & 0xfff;
	struct emu_block *b;
	emu_handler_t follow;
	uint32_t old;
	int n = 0;

	if (pi == NULL) {
		/* no page info (allocation failed): run uncached */
		return (cross_block(cpu, la, p, avail, mode));
	}
	if (cpu->arena_used + BLOCK_BYTES(EMU_BLOCK_MAXOPS) > EMU_CACHE_ARENA)
		emu_cache_flush(cpu);
	b = (struct emu_block *)(cpu->arena + cpu->arena_used);

	/*
	 * Mark the page as code before reading it, so that any write from
	 * now on (slow path: the code bit keeps write TLB entries away)
	 * bumps the version we record.  Other vCPUs drop their fast write
	 * entries when they see code_gen move.
	 */
	old = atomic_fetch_or(pi, EMU_PI_CODE);
	if (!(old & EMU_PI_CODE))
		code_gen_bump(cpu);
	b->pinfo = pi;
	b->pver = old | EMU_PI_CODE;
	b->gpa = gpa;
	b->mode = mode;
	b->link_next = 0;
	memset(b->link, 0, sizeof(b->link));

	while (n < EMU_BLOCK_MAXOPS) {
		struct emu_op *op = &b->ops[n];
		int r = emu_decode(p + off, (int)avail - off, mode, &op->i);
		int flags;

		if (r == EMU_DECODE_MORE) {
			if (n == 0)
				return (cross_block(cpu, la, p, avail, mode));
			break;		/* the next block starts there */
		}
		n++;
		if (r < 0) {
			decode_fail(op, r);
			break;
		}
		flags = emu_op_setup(cpu, op, mode);
		off += r;
		/*
		 * A direct JMP/CALL to the same page (64-bit code: the
		 * target is canonical) goes on in this block, at the
		 * target: the page's version covers every op, and the
		 * handler sets RIP for the op after it.
		 */
		if (mode == 64 && (follow = emu_hot_follow(op)) != NULL &&
		    pgoff + off + op->i.imm >= 0 &&
		    pgoff + off + op->i.imm < 0x1000) {
			op->fn = follow;
			off += op->i.imm;
			continue;
		}
		if ((flags & EMU_F_TERM) || off >= (int)avail)
			break;
	}
	b->nops = n;
	b->ops[n].fn = emu_h_end;
	memset(&b->ops[n].i, 0, sizeof(b->ops[n].i));
	cpu->arena_used += BLOCK_BYTES(n);
	cpu->arena_used = (cpu->arena_used + 15) & ~(size_t)15;
	b->hnext = cpu->hash[h];
	cpu->hash[h] = b;
	return (b);
}

/*
 * Outside 64-bit mode every byte of an instruction must lie within
 * CS.limit (SDM 3A §5.3: #GP(0), EIP on the instruction).  A block is
 * cached by physical address, not by CS, so the check is made per entry;
 * it costs nothing unless RIP is within a block's reach of the limit.
 * Near the limit, run one instruction at a time from the scratch block.
 */
static struct emu_block *
cs_limit(struct emu_cpu *cpu, struct emu_block *b)
{
	uint64_t lim = cpu->seg[EMU_CS].limit, end = cpu->rip;

	/* single-step (gdb): one instruction, then VM_EXITCODE_MTRAP */
	if (unlikely(cpu->caps[VM_CAP_MTRAP_EXIT]))
		return (emu_dbg_step_block(cpu, b));
	if (cpu->long64 || lim - cpu->rip >= 15 * EMU_BLOCK_MAXOPS)
		return (b);
	for (int k = 0; k < b->nops; k++) {
		end += b->ops[k].i.len;
		if (end - 1 <= lim)
			continue;
		if (k == 0)
			emu_fault(cpu, EXC_GP, 0);
		return (emu_block_first_op(cpu, b));
	}
	return (b);
}

/*
 * b's first instruction alone, in the scratch block (never linked or
 * cached): near CS.limit, and for the one instruction an STI/MOV SS
 * shadow covers, after which a pending interrupt must be taken.
 */
struct emu_block *
emu_block_first_op(struct emu_cpu *cpu, struct emu_block *b)
{
	struct emu_block *s = &cpu->scratch.b;

	if (b != s) {
		s->ops[0] = b->ops[0];
		s->ops[1].fn = emu_h_end;
		s->nops = 1;
		s->pinfo = NULL;
	}
	return (s);
}

struct emu_block *
emu_cache_lookup(struct emu_cpu *cpu, uint64_t la)
{
	struct emu_tlbe *e;
	uint64_t gpa;
	int mode = cpu->code_mode;
	unsigned h;

	e = &cpu->tlb[(la >> 12) & (EMU_TLB_SIZE - 1)];
	if (e->tag_x != (la & EMU_PAGE_MASK)) {
		e = emu_tlb_fill(cpu, la, ACC_X, false);
		if (e->tag_x != (la & EMU_PAGE_MASK)) {
			/* code in MMIO: nothing to run it from */
			memset(&cpu->exit_vme, 0, sizeof(cpu->exit_vme));
			cpu->exit_vme.exitcode = VM_EXITCODE_INST_EMUL;
			cpu->exit_vme.rip = cpu->rip;
			cpu->exit_vme.u.inst_emul.gla = la;
			cpu->exit_vme.u.inst_emul.why =
			    "instruction fetch from outside guest RAM/ROM";
			emu_exit_longjmp(cpu);
		}
	}
	gpa = e->gpa | (la & 0xfff);
	/* a link or jump-cache entry may now lead to this page (mmu.c) */
	cpu->link_pages[(la >> 18) & (EMU_LINK_PAGES / 64 - 1)] |=
	    1ULL << ((la >> 12) & 63);
	h = hash_of(gpa, mode);
	for (struct emu_block *b = cpu->hash[h]; b != NULL; b = b->hnext) {
		if (b->gpa != gpa || b->mode != mode)
			continue;
		if (atomic_load_explicit(b->pinfo, memory_order_acquire) ==
		    b->pver)
			return (cs_limit(cpu, b));
		break;		/* stale: decode again, shadowing it */
	}
	return (cs_limit(cpu, fill(cpu, la, gpa, (const uint8_t *)(uintptr_t)
	    (la + e->addend), mode, h)));
}
