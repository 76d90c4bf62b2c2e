/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mmu.c: the emu backend's memory path: segment limit and type checks,
 * the page walk (32-bit, PAE and 4-level paging with A/D bits, NX, #PF
 * error codes; Intel SDM vol. 3A ch. 4), the per-vCPU software TLB, the
 * slow paths of guest memory accesses, and guest-physical accesses (RAM,
 * ROM that drops writes, MMIO exits, code-page invalidation).
 */
#include <errno.h>
#include <stdlib.h>

#include "vmm/emu/cpu.h"

#define PTE_P	(1ULL << 0)
#define PTE_W	(1ULL << 1)
#define PTE_U	(1ULL << 2)
#define PTE_A	(1ULL << 5)
#define PTE_D	(1ULL << 6)
#define PTE_PS	(1ULL << 7)
#define PTE_NX	(1ULL << 63)
/* physical address bits of an entry: MAXPHYADDR is 39 (CPU-MODEL.md) */
#define PTE_ADDR	0x0000007ffffff000ULL
#define PTE_RSVD_PA	0x000fff8000000000ULL

/* ---- segmentation (SDM 3A §3.4.5, §5.3) ---- */

static __attribute__((noreturn)) void
seg_fault(struct emu_cpu *cpu, int sr)
{
	emu_fault(cpu, sr == EMU_SS ? EXC_SS : EXC_GP, 0);
}

uint64_t
emu_linear_slow(struct emu_cpu *cpu, int sr, uint64_t off, int size, int acc)
{
	struct emu_segreg *s;
	uint64_t la, last;
	uint32_t type;

	if (cpu->long64) {
		la = off;
		if (sr == EMU_FS || sr == EMU_GS)
			la += cpu->seg[sr].base;
		if ((uint64_t)((int64_t)(la << 16) >> 16) != la)
			seg_fault(cpu, sr);
		return (la);
	}
	s = &cpu->seg[sr];
	if ((cpu->cr0 & CR0_PE) && !(cpu->rflags & FL_VM)) {
		if (s->access & SEG_ACC_UNUSABLE)
			seg_fault(cpu, sr);
		type = s->access & 0xf;
		if (acc == ACC_W && ((type & 8) || !(type & 2)))
			seg_fault(cpu, sr);
		if (acc == ACC_R && (type & 0xa) == 0x8)
			seg_fault(cpu, sr);	/* execute-only code */
		last = off + size - 1;
		if (!(type & 8) && (type & 4)) {
			/* expand-down data: valid offsets are (limit, max] */
			uint64_t max = (s->access & SEG_ACC_DB) ? 0xffffffffULL :
			    0xffffULL;
			if (off <= s->limit || last > max)
				seg_fault(cpu, sr);
		} else if (last > s->limit) {
			seg_fault(cpu, sr);
		}
	} else if (off + size - 1 > s->limit) {
		/* real mode: the cached limit still applies (SDM 3A §20.1.1) */
		seg_fault(cpu, sr);
	}
	return ((s->base + off) & 0xffffffffULL);
}

/* ---- guest-physical memory ---- */

_Atomic uint32_t *
emu_pinfo(struct emu_vm *vm, struct vmctx *ctx, uint64_t gpa)
{
	for (int i = 0; i < ctx->nseg; i++) {
		struct vm_memseg *s = &ctx->seg[i];
		if (gpa - s->gpa < s->len && vm->pinfo[i] != NULL)
			return (&vm->pinfo[i][(gpa - s->gpa) >> 12]);
	}
	return (NULL);
}

/*
 * A write hit a page holding decoded code: bump the page's version (every
 * vCPU's blocks from it become stale) and clear its code bit so that the
 * write fast path may be used again until code is decoded there anew.
 */
void
emu_code_invalidate(struct emu_cpu *cpu, _Atomic uint32_t *pi)
{
	uint32_t old = atomic_load_explicit(pi, memory_order_relaxed);

	while (old & EMU_PI_CODE) {
		if (atomic_compare_exchange_weak(pi, &old,
		    (old + EMU_PI_VER) & ~EMU_PI_CODE))
			break;
	}
	if (cpu != NULL)
		emu_block_stale(cpu);	/* the running block may be stale */
}

static uint64_t
mmio_access(struct emu_cpu *cpu, uint64_t gpa, int size, bool read,
    uint64_t val)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	vme.exitcode = VM_EXITCODE_MMIO;
	vme.u.mmio.gpa = gpa;
	vme.u.mmio.bytes = size;
	vme.u.mmio.read = read;
	vme.u.mmio.data = read ? 0 : val & emu_mask(size);
	cpu->vcpu->stats[VMST_EXITS_MMIO]++;
	if (cpu->ctx->exit_handler == NULL)
		return (read ? emu_mask(size) : 0);
	emu_exit_call(cpu, &vme);
	return (vme.u.mmio.data & emu_mask(size));
}

uint64_t
emu_phys_read(struct emu_cpu *cpu, uint64_t gpa, int size)
{
	struct vm_memseg *s = vm_find_memseg(cpu->ctx, gpa);

	if (s != NULL && gpa - s->gpa + size <= s->len)
		return (emu_ld(s->host + (gpa - s->gpa), size));
	return (mmio_access(cpu, gpa, size, true, 0));
}

void
emu_phys_write(struct emu_cpu *cpu, uint64_t gpa, int size, uint64_t val)
{
	struct vm_memseg *s = vm_find_memseg(cpu->ctx, gpa);
	_Atomic uint32_t *pi;

	if (s == NULL || gpa - s->gpa + size > s->len) {
		mmio_access(cpu, gpa, size, false, val);
		return;
	}
	if (s->readonly)
		return;		/* ROM: writes are dropped */
	pi = emu_pinfo(cpu->vm, cpu->ctx, gpa);
	if (pi != NULL && (atomic_load_explicit(pi, memory_order_relaxed) &
	    EMU_PI_CODE))
		emu_code_invalidate(cpu, pi);
	emu_st(s->host + (gpa - s->gpa), size, val);
}

/* Host pointer to a page-table entry, or NULL if it is not in RAM. */
static void *
pte_ptr(struct emu_cpu *cpu, uint64_t gpa, int size)
{
	struct vm_memseg *s = vm_find_memseg(cpu->ctx, gpa);

	if (s == NULL || s->readonly || gpa - s->gpa + size > s->len)
		return (NULL);
	return (s->host + (gpa - s->gpa));
}

/* ---- the page walk (SDM 3A §4.3-§4.5) ---- */

struct walk {
	uint64_t gpa;		/* physical page */
	bool r_ok, w_ok, x_ok;
	bool dirty;
	bool global;		/* G in the leaf, with CR4.PGE */
};

static __attribute__((noreturn)) void
page_fault(struct emu_cpu *cpu, uint64_t la, uint32_t ec)
{
	cpu->cr2 = la;
	emu_fault(cpu, EXC_PF, ec);
}

/*
 * PAE paging: the four PDPTEs are read when CR3 is loaded (and when CR0.PG,
 * CR0.CD/NW, CR4.PAE/PGE/PSE change with PAE paging on), not on each walk;
 * a present one with a reserved bit set makes that MOV fault with #GP(0)
 * (SDM 3A §4.4.1).  Returns -1 then, leaving the latched set unchanged.
 */
int
emu_load_pdptes(struct emu_cpu *cpu, uint64_t cr3)
{
	/* bits 2:1, 8:5 and 63:MAXPHYADDR (table 4-8) */
	const uint64_t rsvd = ~((1ULL << 39) - 1) | 0x1e6;
	uint64_t v[4];

	for (int i = 0; i < 4; i++) {
		void *p = pte_ptr(cpu, (cr3 & 0xffffffe0ULL) + i * 8, 8);
		v[i] = p != NULL ? __atomic_load_n((uint64_t *)p,
		    __ATOMIC_RELAXED) : 0;
		if ((v[i] & PTE_P) && (v[i] & rsvd))
			return (-1);
	}
	memcpy(cpu->pdpte, v, sizeof(v));
	return (0);
}

static void
walk(struct emu_cpu *cpu, uint64_t la, int acc, bool user, struct walk *w)
{
	uint64_t base, e, nxbit, pte_w, pte_u, nx;
	uint64_t pagemask;
	uint64_t ev[4];
	void *ep[4];
	int n, esize, levels, shift;
	bool nxe = cpu->efer & EFER_NXE;
	uint32_t ec = (acc == ACC_W ? PFEC_W : 0) | (user ? PFEC_U : 0);

	if (acc == ACC_X && nxe && cpu->pgmode != PG_32)
		ec |= PFEC_I;
	nxbit = nxe ? 0 : PTE_NX;	/* NX is reserved unless EFER.NXE */

restart:
	pte_w = PTE_W;
	pte_u = PTE_U;
	nx = 0;
	pagemask = 0xfff;
	n = 0;
	switch (cpu->pgmode) {
	case PG_32:
		base = cpu->cr3 & 0xfffff000ULL;
		esize = 4;
		levels = 2;
		shift = 22;
		break;
	case PG_PAE:
		/* the PDPTE latched at MOV CR3 (emu_load_pdptes) */
		e = cpu->pdpte[(la >> 30) & 3];
		if (!(e & PTE_P))
			page_fault(cpu, la, ec);
		if (e & (PTE_RSVD_PA | 0x1e6))
			page_fault(cpu, la, ec | PFEC_P | PFEC_RSVD);
		base = e & PTE_ADDR;
		esize = 8;
		levels = 2;
		shift = 21;
		break;
	default:
		base = cpu->cr3 & PTE_ADDR;
		esize = 8;
		levels = 4;
		shift = 39;
		break;
	}

	for (;;) {
		uint64_t idx = (la >> shift) & (esize == 4 ? 0x3ff : 0x1ff);
		void *p = pte_ptr(cpu, base + idx * esize, esize);
		bool leaf;

		e = 0;
		if (p != NULL)
			e = esize == 4 ? __atomic_load_n((uint32_t *)p,
			    __ATOMIC_RELAXED) : __atomic_load_n((uint64_t *)p,
			    __ATOMIC_RELAXED);
		if (!(e & PTE_P))
			page_fault(cpu, la, ec);
		if (esize == 8 && (e & (nxbit | PTE_RSVD_PA)))
			page_fault(cpu, la, ec | PFEC_P | PFEC_RSVD);
		pte_w &= e;
		pte_u &= e;
		if (esize == 8)
			nx |= e & PTE_NX;
		ev[n] = e;
		ep[n++] = p;
		levels--;
		leaf = levels == 0;
		if (!leaf && (e & PTE_PS)) {
			if (esize == 4 && !(cpu->cr4 & CR4_PSE)) {
				leaf = false;	/* PS ignored without PSE */
			} else if (cpu->pgmode == PG_4LVL && shift == 39) {
				page_fault(cpu, la, ec | PFEC_P | PFEC_RSVD);
			} else {
				leaf = true;
				pagemask = (1ULL << shift) - 1;
			}
		}
		if (leaf && pagemask != 0xfff) {
			/*
			 * Large pages: the bits between PAT (12) and the page
			 * offset are reserved (SDM 3A §4.3 table 4-4: 21:13
			 * without PSE-36; §4.5 tables 4-17, 4-15: 20:13 for
			 * 2 MiB, 29:13 for 1 GiB).
			 */
			uint64_t rsv = esize == 4 ? 0x3fe000ULL :
			    (pagemask & ~0x1fffULL);
			if (e & rsv)
				page_fault(cpu, la, ec | PFEC_P | PFEC_RSVD);
		}
		if (leaf) {
			if (esize == 4)
				base = pagemask == 0xfff ? (e & 0xfffff000ULL) :
				    (e & 0xffc00000ULL);
			else
				base = e & PTE_ADDR & ~pagemask;
			break;
		}
		base = (esize == 4 ? (e & 0xfffff000ULL) : (e & PTE_ADDR));
		shift -= (esize == 4 ? 10 : 9);
	}

	/* permissions, SDM 3A §4.6 (no SMEP/SMAP: not advertised) */
	w->r_ok = !user || pte_u;
	w->w_ok = w->r_ok && (pte_w || (!user && !(cpu->cr0 & CR0_WP)));
	w->x_ok = w->r_ok && !(nx && nxe);
	if ((acc == ACC_R && !w->r_ok) || (acc == ACC_W && !w->w_ok) ||
	    (acc == ACC_X && !w->x_ok))
		page_fault(cpu, la, ec | PFEC_P);

	/*
	 * Accessed bits on every level, dirty on the leaf for writes, as a
	 * compare-and-swap against the entry the walk used: if another vCPU
	 * changed it meanwhile, the translation is redone with the new
	 * entry, as a locked update by the page walker would (SDM 3A §4.8).
	 */
	for (int i = 0; i < n; i++) {
		uint64_t set = PTE_A | ((i == n - 1 && acc == ACC_W) ?
		    PTE_D : 0);
		bool ok;

		if ((ev[i] & set) == set)
			continue;
		if (esize == 4) {
			uint32_t old = (uint32_t)ev[i];
			ok = __atomic_compare_exchange_n((uint32_t *)ep[i],
			    &old, old | (uint32_t)set, false,
			    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
		} else {
			uint64_t old = ev[i];
			ok = __atomic_compare_exchange_n((uint64_t *)ep[i],
			    &old, old | set, false, __ATOMIC_SEQ_CST,
			    __ATOMIC_RELAXED);
		}
		if (!ok)
			goto restart;
	}
	w->global = (cpu->cr4 & CR4_PGE) && (e & (1ULL << 8));
	w->dirty = acc == ACC_W || (e & PTE_D);
	w->gpa = base + (la & pagemask & EMU_PAGE_MASK);
}

uint64_t
emu_translate(struct emu_cpu *cpu, uint64_t la, int acc, bool sys)
{
	struct walk w;

	if (cpu->pgmode == PG_NONE)
		return (la);
	walk(cpu, la, acc, !sys && cpu->cpl == 3, &w);
	return (w.gpa | (la & 0xfff));
}

/* ---- the software TLB ---- */

struct emu_tlbe *
emu_tlb_fill(struct emu_cpu *cpu, uint64_t la, int acc, bool sys)
{
	struct emu_tlbe *tlb = sys ? cpu->tlbs[0] : cpu->tlb;
	struct emu_tlbe *e = &tlb[(la >> 12) & (EMU_TLB_SIZE - 1)];
	uint64_t page = la & EMU_PAGE_MASK;
	struct vm_memseg *s;
	struct walk w;

	if (cpu->pgmode == PG_NONE) {
		w.gpa = page;
		w.r_ok = w.w_ok = w.x_ok = w.dirty = true;
		w.global = false;
	} else {
		walk(cpu, la, acc, !sys && cpu->cpl == 3, &w);
	}
	e->tag_r = e->tag_w = e->tag_x = EMU_TLB_NONE;
	(&cpu->tlb_global[0][0])[e - &cpu->tlbs[0][0]] = w.global;
	e->gpa = w.gpa;
	s = vm_find_memseg(cpu->ctx, w.gpa);
	if (s == NULL || w.gpa - s->gpa + 0x1000 > s->len)
		return (e);	/* MMIO: every access takes the slow path */
	e->addend = (uintptr_t)(s->host + (w.gpa - s->gpa)) - page;
	if (w.r_ok)
		e->tag_r = page;
	if (w.x_ok)
		e->tag_x = page;
	if (w.w_ok && w.dirty && !s->readonly) {
		_Atomic uint32_t *pi = emu_pinfo(cpu->vm, cpu->ctx, w.gpa);
		if (pi == NULL || !(atomic_load(pi) & EMU_PI_CODE))
			e->tag_w = page;
	}
	return (e);
}

void
emu_tlb_flush(struct emu_cpu *cpu)
{
	memset(cpu->tlbs, 0xff, sizeof(cpu->tlbs));
	cpu->chain_gen++;
	memset(cpu->link_pages, 0, sizeof(cpu->link_pages));
}

/* MOV CR3 with CR4.PGE: global entries stay (SDM 3A §4.10.4.1). */
void
emu_tlb_flush_nonglobal(struct emu_cpu *cpu)
{
	for (int k = 0; k < 2; k++)
		for (unsigned i = 0; i < EMU_TLB_SIZE; i++) {
			struct emu_tlbe *e = &cpu->tlbs[k][i];
			if (!cpu->tlb_global[k][i])
				e->tag_r = e->tag_w = e->tag_x = EMU_TLB_NONE;
		}
	cpu->chain_gen++;
	memset(cpu->link_pages, 0, sizeof(cpu->link_pages));
}

void
emu_tlb_flush_page(struct emu_cpu *cpu, uint64_t la)
{
	for (int k = 0; k < 2; k++) {
		struct emu_tlbe *e = &cpu->tlbs[k][(la >> 12) &
		    (EMU_TLB_SIZE - 1)];
		e->tag_r = e->tag_w = e->tag_x = EMU_TLB_NONE;
	}
	/*
	 * Links and jump-cache entries hold translations too, but only of
	 * pages a block was looked up at since chain_gen last moved
	 * (cache.c sets their bits); most INVLPGs (data pages: COW faults,
	 * munmap, TLB shootdowns) hit none of them and keep every link.
	 * Like the TLB, this is per 4 KiB page, also inside a large page.
	 */
	if (cpu->link_pages[(la >> 18) & (EMU_LINK_PAGES / 64 - 1)] &
	    (1ULL << ((la >> 12) & 63))) {
		cpu->chain_gen++;
		memset(cpu->link_pages, 0, sizeof(cpu->link_pages));
	}
}

void
emu_tlb_flush_write(struct emu_cpu *cpu)
{
	for (int k = 0; k < 2; k++)
		for (unsigned i = 0; i < EMU_TLB_SIZE; i++)
			cpu->tlbs[k][i].tag_w = EMU_TLB_NONE;
}

/* ---- slow paths of linear accesses ---- */

static inline uint64_t
la_add(struct emu_cpu *cpu, uint64_t la, int n)
{
	la += n;
	return (cpu->efer & EFER_LMA ? la : (la & 0xffffffffULL));
}

uint64_t
emu_read_slow(struct emu_cpu *cpu, uint64_t la, int size, bool sys)
{
	struct emu_tlbe *e;
	uint64_t v = 0;

	if ((la & 0xfff) + size > 0x1000) {
		/* split across pages: translate both before any access */
		uint64_t la2 = la_add(cpu, la, size - 1);
		emu_translate(cpu, la2, ACC_R, sys);
		/* byte by byte: the first part may be 3, 5, 6 or 7 bytes */
		for (int i = 0; i < size; i++)
			v |= emu_read_slow(cpu, la_add(cpu, la, i), 1, sys) <<
			    (8 * i);
		return (v & emu_mask(size));
	}
	if (size == 3 || size > 8)
		return (0);	/* not reached: callers use 1, 2, 4, 8 */
	e = emu_tlb_fill(cpu, la, ACC_R, sys);
	if (e->tag_r == (la & EMU_PAGE_MASK))
		return (emu_ld((void *)(uintptr_t)(la + e->addend), size));
	return (emu_phys_read(cpu, e->gpa | (la & 0xfff), size));
}

static void
write_bytes(struct emu_cpu *cpu, uint64_t la, int n, uint64_t val, bool sys)
{
	for (int i = 0; i < n; i++)
		emu_write_slow(cpu, la_add(cpu, la, i), 1, val >> (8 * i),
		    sys);
}

void
emu_write_slow(struct emu_cpu *cpu, uint64_t la, int size, uint64_t val,
    bool sys)
{
	struct emu_tlbe *e;

	if ((la & 0xfff) + size > 0x1000) {
		emu_translate(cpu, la, ACC_W, sys);
		emu_translate(cpu, la_add(cpu, la, size - 1), ACC_W, sys);
		write_bytes(cpu, la, size, val, sys);
		return;
	}
	if (size != 1 && size != 2 && size != 4 && size != 8) {
		write_bytes(cpu, la, size, val, sys);
		return;
	}
	e = emu_tlb_fill(cpu, la, ACC_W, sys);
	if (e->tag_w == (la & EMU_PAGE_MASK)) {
		emu_st((void *)(uintptr_t)(la + e->addend), size, val);
		return;
	}
	emu_phys_write(cpu, e->gpa | (la & 0xfff), size, val);
}

/* ---- layout and DMA notifications ---- */

int
emu_mem_layout(struct vmctx *ctx)
{
	struct emu_vm *vm = ctx->backend;

	for (int i = 0; i < VM_MAX_MEMSEGS; i++) {
		free(vm->pinfo[i]);
		vm->pinfo[i] = NULL;
		vm->pinfo_npages[i] = 0;
	}
	for (int i = 0; i < ctx->nseg; i++) {
		uint64_t n = (ctx->seg[i].len + 0xfff) >> 12;
		vm->pinfo[i] = calloc(n, sizeof(uint32_t));
		if (vm->pinfo[i] == NULL)
			return (-ENOMEM);
		vm->pinfo_npages[i] = n;
	}
	return (0);
}

/* lhyve (device DMA, loaders) wrote guest memory: drop decoded code. */
void
emu_notify_write(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	struct emu_vm *vm = ctx->backend;
	uint64_t end = gpa + len;

	if (vm == NULL || len == 0)
		return;
	for (uint64_t p = gpa & EMU_PAGE_MASK; p < end; p += 0x1000) {
		_Atomic uint32_t *pi = emu_pinfo(vm, ctx, p);
		if (pi != NULL && (atomic_load(pi) & EMU_PI_CODE))
			emu_code_invalidate(NULL, pi);
	}
}
