/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bitops.c: shifts and rotates (ROL/ROR/RCL/RCR/SHL/SHR/SAR, SHLD/SHRD),
 * bit tests (BT/BTS/BTR/BTC), BSF/BSR, BSWAP, SETcc/CMOVcc and the
 * exchange-and-compare family (XADD, CMPXCHG, CMPXCHG8B/16B) of the emu
 * backend.  Flag results follow SDM vol. 2 per instruction.  Where the
 * SDM calls a flag undefined, we give what the Intel CPUs we present
 * (CPUID "GenuineIntel") give, measured on the host with the CPU tester's
 * --strict-flags (docs/cpu-testing.md, "Undefined flags"): OF of a
 * multi-bit shift/rotate is the OF of its first 1-bit step, AF is clear,
 * BSF/BSR clear all but ZF and PF.
 */
#include "vmm/emu/ops.h"

static inline uint64_t
msb(uint64_t v, int sz)
{
	return ((v >> (sz * 8 - 1)) & 1);
}

/* Rotates change CF and OF only. */
static inline void
set_cf_of(struct emu_cpu *cpu, bool cf, bool of)
{
	/* after a logic op, shift or multiply only CF/OF change: stay lazy */
	if (cpu->lf_op == LF_LOGIC || cpu->lf_op == LF_RESCO) {
		cpu->lf_op = LF_RESCO;
		cpu->lf_aux = (cf ? 1 : 0) | (of ? 2 : 0);
		return;
	}
	emu_flags_sync(cpu);
	cpu->rflags = (cpu->rflags & ~(uint64_t)(FL_CF | FL_OF)) |
	    (cf ? FL_CF : 0) | (of ? FL_OF : 0);
}

/*
 * Group 2 (SDM vol. 2 "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR").  cnt is the
 * masked count, never 0.  OF is defined for a count of 1 only; Intel
 * computes it for any count as for a 1-bit step of the original operand
 * (so the count-1 formula serves every count): SHL/ROL/RCL
 * MSB ^ MSB-1, SHR MSB, SAR 0, ROR MSB ^ LSB, RCR MSB ^ CF.  An 8/16-bit
 * RCL/RCR whose count is a multiple of 9/17 leaves every flag alone.
 * ROL/ROR of a register by an immediate count other than 1 (imm) leave
 * OF alone (with a memory operand or CL they follow the rule above).
 */
static uint64_t
shift_do(struct emu_cpu *cpu, int sop, int sz, uint64_t d, unsigned cnt,
    bool imm)
{
	int bits = sz * 8;
	uint64_t m = emu_mask(sz), r, cf;
	bool of1 = (msb(d, sz) ^ msb(d << 1, sz)) != 0;	/* SHL/ROL/RCL */
	unsigned c;

	d &= m;
	switch (sop) {
	case 0:		/* ROL */
		c = cnt % bits;
		r = c ? ((d << c) | (d >> (bits - c))) & m : d;
		set_cf_of(cpu, r & 1, imm && cnt > 1 ? emu_get_of(cpu) : of1);
		return (r);
	case 1:		/* ROR */
		c = cnt % bits;
		r = c ? ((d >> c) | (d << (bits - c))) & m : d;
		set_cf_of(cpu, msb(r, sz), imm && cnt > 1 ? emu_get_of(cpu) :
		    msb(d, sz) ^ (d & 1));
		return (r);
	case 2:		/* RCL: rotate through CF, a (bits + 1)-bit rotate */
		c = sz <= 2 ? cnt % (bits + 1) : cnt;
		if (c == 0)
			return (d);
		cf = emu_get_cf(cpu);
		r = d;
		for (unsigned k = 0; k < c; k++) {
			uint64_t nc = msb(r, sz);
			r = ((r << 1) | cf) & m;
			cf = nc;
		}
		set_cf_of(cpu, cf, of1);
		return (r);
	case 3: {	/* RCR */
		bool of;
		c = sz <= 2 ? cnt % (bits + 1) : cnt;
		if (c == 0)
			return (d);
		cf = emu_get_cf(cpu);
		of = msb(d, sz) ^ cf;
		r = d;
		for (unsigned k = 0; k < c; k++) {
			uint64_t nc = r & 1;
			r = (r >> 1) | (cf << (bits - 1));
			cf = nc;
		}
		set_cf_of(cpu, cf, of);
		return (r);
	}
	case 4:		/* SHL */
	case 6:		/* SAL (undocumented alias) */
		r = cnt < 64 ? (d << cnt) & m : 0;
		cf = cnt <= (unsigned)bits ? (d >> (bits - cnt)) & 1 : 0;
		emu_lf_resco(cpu, sz, r, cf, of1);
		return (r);
	case 5:		/* SHR */
		r = cnt < 64 ? d >> cnt : 0;
		cf = cnt <= 64 ? (d >> (cnt - 1)) & 1 : 0;
		emu_lf_resco(cpu, sz, r, cf, msb(d, sz));
		return (r);
	default: {	/* SAR */
		int64_t sd = (int64_t)emu_sext(d, sz);
		r = (uint64_t)(sd >> (cnt < 64 ? cnt : 63)) & m;
		cf = (uint64_t)(sd >> (cnt - 1 < 64 ? cnt - 1 : 63)) & 1;
		emu_lf_resco(cpu, sz, r, cf, false);
		return (r);
	}
	}
}

static inline const struct emu_op *
shift_rm(struct emu_cpu *cpu, const struct emu_op *op, unsigned cnt,
    bool imm)
{
	int sz = op->size;
	struct emu_mref m;
	uint64_t d;

	cnt &= sz == 8 ? 0x3f : 0x1f;
	if (op->i.mod == 3) {
		/*
		 * A masked count of 0 changes no flags, but a 32-bit register
		 * destination is still written, so bits 63:32 are cleared
		 * (SDM vol. 1 3.4.1.1; what hardware does).
		 */
		d = emu_getreg(cpu, op->i.rm, sz, op->i.rex);
		if (cnt != 0)
			emu_setreg(cpu, op->i.rm, sz, op->i.rex,
			    shift_do(cpu, op->i.reg & 7, sz, d, cnt, imm));
		else if (sz == 4)
			emu_setreg(cpu, op->i.rm, sz, op->i.rex, d);
		return (emu_next(cpu, op));
	}
	emu_mref_get(cpu, &m, op->seg, emu_ea(cpu, op), sz);
	d = emu_mref_read(cpu, &m);
	if (cnt != 0)
		emu_mref_write(cpu, &m, shift_do(cpu, op->i.reg & 7, sz, d,
		    cnt, imm));
	return (emu_next(cpu, op));
}

static H(h_shift_1) { return (shift_rm(cpu, op, 1, false)); }
static H(h_shift_cl) { return (shift_rm(cpu, op, cpu->r[R_CX] & 0xff,
    false)); }
static H(h_shift_imm) { return (shift_rm(cpu, op, op->i.imm & 0xff,
    op->i.mod == 3)); }

/* SHLD/SHRD (SDM vol. 2 "SHLD", "SHRD"); aux: 0 SHLD, 1 SHRD */
static inline const struct emu_op *
shxd(struct emu_cpu *cpu, const struct emu_op *op, unsigned cnt)
{
	int sz = op->size, bits = sz * 8;
	uint64_t m = emu_mask(sz), s = emu_reg_read(cpu, op, sz), d, r, cf;
	struct emu_mref mr = { 0 };
	unsigned __int128 t;

	cnt &= sz == 8 ? 0x3f : 0x1f;
	if (op->i.mod == 3) {
		d = emu_getreg(cpu, op->i.rm, sz, op->i.rex);
	} else {
		emu_mref_get(cpu, &mr, op->seg, emu_ea(cpu, op), sz);
		d = emu_mref_read(cpu, &mr);
	}
	if (cnt == 0) {
		/* As for shifts: a 32-bit register is zero-extended. */
		if (op->i.mod == 3 && sz == 4)
			emu_setreg(cpu, op->i.rm, sz, op->i.rex, d);
		return (emu_next(cpu, op));
	}
	if (op->aux == 0) {
		t = ((unsigned __int128)d << bits) | s;
		r = (uint64_t)((t << cnt) >> bits) & m;
		cf = (uint64_t)(t >> (2 * bits - cnt)) & 1;
	} else {
		t = ((unsigned __int128)s << bits) | d;
		r = (uint64_t)(t >> cnt) & m;
		cf = (uint64_t)(t >> (cnt - 1)) & 1;
	}
	/* OF as for a 1-bit shift at any count (Intel; see shift_do):
	 * SHLD MSB ^ MSB-1 of the destination, SHRD its MSB ^ the
	 * source's LSB.  AF clear. */
	emu_set_arith(cpu, emu_szp(r, sz) | (cf ? FL_CF : 0) |
	    ((op->aux == 0 ? msb(d, sz) ^ msb(d << 1, sz) :
	    msb(d, sz) ^ (s & 1)) ? FL_OF : 0));
	if (op->i.mod == 3)
		emu_setreg(cpu, op->i.rm, sz, op->i.rex, r);
	else
		emu_mref_write(cpu, &mr, r);
	return (emu_next(cpu, op));
}

static H(h_shxd_imm) { return (shxd(cpu, op, op->i.imm & 0xff)); }
static H(h_shxd_cl) { return (shxd(cpu, op, cpu->r[R_CX] & 0xff)); }

/* ---- BT/BTS/BTR/BTC; aux: 0 BT, 1 BTS, 2 BTR, 3 BTC ---- */
static inline uint64_t
bt_apply(int kind, uint64_t d, int bit)
{
	switch (kind) {
	case 1: return (d | (1ULL << bit));
	case 2: return (d & ~(1ULL << bit));
	case 3: return (d ^ (1ULL << bit));
	}
	return (d);
}

static const struct emu_op *
bt_common(struct emu_cpu *cpu, const struct emu_op *op, uint64_t bitoff,
    bool regoff)
{
	int sz = op->size, bits = sz * 8, kind = op->aux, bit;
	struct emu_mref m;
	uint64_t d, r, off;

	if (op->i.mod == 3) {
		bit = bitoff & (bits - 1);
		d = emu_getreg(cpu, op->i.rm, sz, op->i.rex);
		if (kind != 0)
			emu_setreg(cpu, op->i.rm, sz, op->i.rex,
			    bt_apply(kind, d, bit));
	} else {
		off = emu_ea(cpu, op);
		if (regoff) {
			/* a register bit offset may address outside the
			 * operand: signed, in operand-size units */
			int64_t so = (int64_t)emu_sext(bitoff, sz);
			off = (off + (uint64_t)((so >> (__builtin_ctz(bits))) *
			    sz)) & emu_amask(op->i.addrsize);
			bit = so & (bits - 1);
		} else {
			bit = bitoff & (bits - 1);
		}
		if (kind == 0) {
			d = emu_read(cpu, op->seg, off, sz);
		} else {
			emu_mref_get(cpu, &m, op->seg, off, sz);
			if (op->i.lock)
				emu_mref_lock(cpu, &m);
			if (op->i.lock && m.p != NULL) {
				do {
					d = emu_ld(m.p, sz);
					r = bt_apply(kind, d, bit);
				} while (!emu_mref_cas(&m, d, r));
			} else {
				d = emu_mref_read(cpu, &m);
				emu_mref_write(cpu, &m, bt_apply(kind, d, bit));
			}
			emu_mref_unlock(cpu, &m);
		}
	}
	emu_flags_sync(cpu);
	cpu->rflags = (cpu->rflags & ~(uint64_t)FL_CF) | ((d >> bit) & 1);
	return (emu_next(cpu, op));
}

static H(h_bt_r) { return (bt_common(cpu, op, emu_reg_read(cpu, op, op->size),
    true)); }
static H(h_bt_imm) { return (bt_common(cpu, op, op->i.imm & 0xff, false)); }

/*
 * BSF/BSR: ZF=1 and the destination unchanged for a zero source.  The
 * other flags are undefined; Intel clears CF OF SF AF and sets PF from
 * the index found (PF=1 for a zero source, as for an index of 0).
 */
static H(h_bsf)
{
	int sz = op->size;
	uint64_t s = emu_rm_read(cpu, op, sz);
	unsigned idx;

	if (s == 0) {
		emu_set_arith(cpu, FL_ZF | FL_PF);
	} else {
		idx = op->aux ? 63 - __builtin_clzll(s) : __builtin_ctzll(s);
		emu_reg_write(cpu, op, sz, idx);
		emu_set_arith(cpu, __builtin_parity(idx) ? 0 : FL_PF);
	}
	return (emu_next(cpu, op));
}

static H(h_bswap)
{
	int n = op->aux;

	if (op->size == 8)
		cpu->r[n] = __builtin_bswap64(cpu->r[n]);
	else if (op->size == 4)
		cpu->r[n] = __builtin_bswap32((uint32_t)cpu->r[n]);
	else
		emu_setreg(cpu, n, 2, 0, 0);	/* undefined; CPUs give 0 */
	return (emu_next(cpu, op));
}

/* ---- SETcc, CMOVcc ---- */
static H(h_setcc)
{
	emu_rm_write(cpu, op, 1, emu_cond_fast(cpu, op->i.op & 0xf));
	return (emu_next(cpu, op));
}

static H(h_cmovcc)
{
	int sz = op->size;
	uint64_t s = emu_rm_read(cpu, op, sz);	/* read (and fault) always */

	if (emu_cond_fast(cpu, op->i.op & 0xf))
		emu_reg_write(cpu, op, sz, s);
	else if (sz == 4)
		cpu->r[op->i.reg] &= 0xffffffff;	/* still zero-extends */
	return (emu_next(cpu, op));
}

/* ---- XADD, CMPXCHG, CMPXCHG8B/16B ---- */
static H(h_xadd)
{
	int sz = op->size;
	uint64_t s = emu_reg_read(cpu, op, sz), d, r, m = emu_mask(sz);
	struct emu_mref mr;

	if (op->i.mod == 3) {
		d = emu_getreg(cpu, op->i.rm, sz, op->i.rex);
		r = (d + s) & m;
		emu_reg_write(cpu, op, sz, d);
		emu_setreg(cpu, op->i.rm, sz, op->i.rex, r);
	} else {
		emu_mref_get(cpu, &mr, op->seg, emu_ea(cpu, op), sz);
		if (op->i.lock)
			emu_mref_lock(cpu, &mr);
		if (op->i.lock && mr.p != NULL) {
			do {
				d = emu_ld(mr.p, sz);
				r = (d + s) & m;
			} while (!emu_mref_cas(&mr, d, r));
		} else {
			d = emu_mref_read(cpu, &mr);
			r = (d + s) & m;
			emu_mref_write(cpu, &mr, r);
		}
		emu_mref_unlock(cpu, &mr);
		emu_reg_write(cpu, op, sz, d);
	}
	emu_lf(cpu, LF_ADD, sz, d, s, r);
	return (emu_next(cpu, op));
}

/*
 * One host compare-and-swap on a fast-path mref: the value memory held
 * when the CAS ran, i.e. exp on success.  The guest must see exactly that
 * value: re-reading after a failed CAS could find exp put back by another
 * vCPU meanwhile, and the guest would take ZF=1 for a CAS that wrote
 * nothing (two owners of one lock: a Linux rwsem count went to -1 that
 * way and hung the guest).
 */
static uint64_t
cas_seen(const struct emu_mref *m, uint64_t exp, uint64_t nv)
{
	switch (m->size) {
	case 1: {
		uint8_t o = exp;
		__atomic_compare_exchange_n((uint8_t *)m->p, &o, (uint8_t)nv,
		    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		return (o);
	}
	case 2: {
		uint16_t o = exp;
		__atomic_compare_exchange_n((uint16_t *)m->p, &o, (uint16_t)nv,
		    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		return (o);
	}
	case 4: {
		uint32_t o = exp;
		__atomic_compare_exchange_n((uint32_t *)m->p, &o, (uint32_t)nv,
		    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		return (o);
	}
	}
	uint64_t o = exp;
	__atomic_compare_exchange_n((uint64_t *)m->p, &o, nv, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return (o);
}

static H(h_cmpxchg)
{
	int sz = op->size;
	uint64_t a = emu_getreg(cpu, R_AX, sz, 0), s = emu_reg_read(cpu, op, sz);
	uint64_t d;
	struct emu_mref mr;

	if (op->i.mod == 3) {
		d = emu_getreg(cpu, op->i.rm, sz, op->i.rex);
		if (d == a)
			emu_setreg(cpu, op->i.rm, sz, op->i.rex, s);
	} else {
		emu_mref_get(cpu, &mr, op->seg, emu_ea(cpu, op), sz);
		if (op->i.lock)
			emu_mref_lock(cpu, &mr);
		if (op->i.lock && mr.p != NULL) {
			d = cas_seen(&mr, a, s);
		} else {
			d = emu_mref_read(cpu, &mr);
			/* the destination is always written (SDM) */
			emu_mref_write(cpu, &mr, d == a ? s : d);
		}
		emu_mref_unlock(cpu, &mr);
	}
	emu_lf(cpu, LF_SUB, sz, a, d, (a - d) & emu_mask(sz));
	if (d != a)
		emu_setreg(cpu, R_AX, sz, 0, d);
	return (emu_next(cpu, op));
}

/*
 * Host CMPXCHG16B at p (16-byte aligned): *lo:*hi get the old value.
 * false when the host has no such instruction (the caller then does it
 * with the world stopped).
 */
static bool
cas16(void *p, uint64_t *lo, uint64_t *hi, uint64_t elo, uint64_t ehi,
    uint64_t nlo, uint64_t nhi)
{
#if defined(__x86_64__)
	uint64_t a = elo, d = ehi;

	__asm__ __volatile__("lock cmpxchg16b %0"
	    : "+m" (*(volatile unsigned __int128 *)p), "+a" (a), "+d" (d)
	    : "b" (nlo), "c" (nhi)
	    : "memory", "cc");
	*lo = a;
	*hi = d;
	return (true);
#else
	(void)p; (void)lo; (void)hi; (void)elo; (void)ehi; (void)nlo;
	(void)nhi;
	return (false);
#endif
}

static H(h_cmpxchg8b)
{
	uint64_t off = emu_ea(cpu, op), cur;
	bool eq;

	if (op->i.rex & 8) {
		/* CMPXCHG16B: 16-byte aligned (#GP(0) otherwise) */
		uint64_t la = emu_linear(cpu, op->seg, off, 16, ACC_W);
		uint64_t lo, hi;
		struct emu_mref mr;

		if (la & 15)
			emu_fault(cpu, EXC_GP, 0);
		/*
		 * LOCK'd: one host CMPXCHG16B on RAM (an aligned guest
		 * operand is an aligned host one: memsegs are page
		 * aligned); MMIO stops the world (emu_mref_lock).
		 */
		emu_mref_get(cpu, &mr, op->seg, off, 16);
		if (op->i.lock)
			emu_mref_lock(cpu, &mr);
		if (op->i.lock && mr.p != NULL && cas16(mr.p, &lo, &hi,
		    cpu->r[R_AX], cpu->r[R_DX], cpu->r[R_BX], cpu->r[R_CX])) {
			eq = lo == cpu->r[R_AX] && hi == cpu->r[R_DX];
		} else {
			/* LOCK'd RAM here only on hosts without cas16 */
			bool stw = op->i.lock && mr.p != NULL;

			if (stw)
				emu_excl_begin(cpu);
			lo = emu_read_la(cpu, la, 8);
			hi = emu_read_la(cpu, la + 8, 8);
			eq = lo == cpu->r[R_AX] && hi == cpu->r[R_DX];
			/* the destination is always written (SDM) */
			emu_write_la(cpu, la, 8, eq ? cpu->r[R_BX] : lo);
			emu_write_la(cpu, la + 8, 8, eq ? cpu->r[R_CX] : hi);
			if (stw)
				emu_excl_end(cpu);
		}
		emu_mref_unlock(cpu, &mr);
		if (!eq) {
			cpu->r[R_AX] = lo;
			cpu->r[R_DX] = hi;
		}
	} else {
		struct emu_mref mr;
		uint64_t exp = (cpu->r[R_DX] << 32) | (uint32_t)cpu->r[R_AX];
		uint64_t nv = (cpu->r[R_CX] << 32) | (uint32_t)cpu->r[R_BX];

		emu_mref_get(cpu, &mr, op->seg, off, 8);
		if (op->i.lock)
			emu_mref_lock(cpu, &mr);
		if (op->i.lock && mr.p != NULL) {
			cur = cas_seen(&mr, exp, nv);
			eq = cur == exp;
		} else {
			cur = emu_mref_read(cpu, &mr);
			eq = cur == exp;
			emu_mref_write(cpu, &mr, eq ? nv : cur);
		}
		emu_mref_unlock(cpu, &mr);
		if (!eq) {
			cpu->r[R_AX] = (uint32_t)cur;
			cpu->r[R_DX] = cur >> 32;
		}
	}
	emu_flags_sync(cpu);
	cpu->rflags = (cpu->rflags & ~(uint64_t)FL_ZF) | (eq ? FL_ZF : 0);
	return (emu_next(cpu, op));
}

#define CC_ROWS(base, fn, fl)						\
	OP2(base + 0, fn, fl), OP2(base + 1, fn, fl),			\
	OP2(base + 2, fn, fl), OP2(base + 3, fn, fl),			\
	OP2(base + 4, fn, fl), OP2(base + 5, fn, fl),			\
	OP2(base + 6, fn, fl), OP2(base + 7, fn, fl),			\
	OP2(base + 8, fn, fl), OP2(base + 9, fn, fl),			\
	OP2(base + 10, fn, fl), OP2(base + 11, fn, fl),			\
	OP2(base + 12, fn, fl), OP2(base + 13, fn, fl),			\
	OP2(base + 14, fn, fl), OP2(base + 15, fn, fl)

const struct emu_opreg emu_bitops_ops[] = {
	OP1(0xc0, h_shift_imm, EMU_F_BYTE),
	OP1(0xc1, h_shift_imm, 0),
	OP1(0xd0, h_shift_1, EMU_F_BYTE),
	OP1(0xd1, h_shift_1, 0),
	OP1(0xd2, h_shift_cl, EMU_F_BYTE),
	OP1(0xd3, h_shift_cl, 0),
	OP2A(0xa4, h_shxd_imm, 0, 0),
	OP2A(0xa5, h_shxd_cl, 0, 0),
	OP2A(0xac, h_shxd_imm, 0, 1),
	OP2A(0xad, h_shxd_cl, 0, 1),

	OP2A(0xa3, h_bt_r, 0, 0),
	OP2A(0xab, h_bt_r, EMU_F_LOCK, 1),
	OP2A(0xb3, h_bt_r, EMU_F_LOCK, 2),
	OP2A(0xbb, h_bt_r, EMU_F_LOCK, 3),
	{ EMU_MAP_0F, 0xba, 4, 0, h_bt_imm, 0, 0 },
	{ EMU_MAP_0F, 0xba, 5, 0, h_bt_imm, EMU_F_LOCK, 1 },
	{ EMU_MAP_0F, 0xba, 6, 0, h_bt_imm, EMU_F_LOCK, 2 },
	{ EMU_MAP_0F, 0xba, 7, 0, h_bt_imm, EMU_F_LOCK, 3 },
	OP2A(0xbc, h_bsf, 0, 0),
	OP2A(0xbd, h_bsf, 0, 1),
	OP2(0xc8, h_bswap, EMU_F_OPREG), OP2(0xc9, h_bswap, EMU_F_OPREG),
	OP2(0xca, h_bswap, EMU_F_OPREG), OP2(0xcb, h_bswap, EMU_F_OPREG),
	OP2(0xcc, h_bswap, EMU_F_OPREG), OP2(0xcd, h_bswap, EMU_F_OPREG),
	OP2(0xce, h_bswap, EMU_F_OPREG), OP2(0xcf, h_bswap, EMU_F_OPREG),

	CC_ROWS(0x90, h_setcc, EMU_F_BYTE),
	CC_ROWS(0x40, h_cmovcc, 0),

	OP2(0xc0, h_xadd, EMU_F_BYTE | EMU_F_LOCK),
	OP2(0xc1, h_xadd, EMU_F_LOCK),
	OP2(0xb0, h_cmpxchg, EMU_F_BYTE | EMU_F_LOCK),
	OP2(0xb1, h_cmpxchg, EMU_F_LOCK),
	OP2G(0xc7, 1, h_cmpxchg8b, EMU_F_LOCK | EMU_F_MEM),
	OPEND
};
