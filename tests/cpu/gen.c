/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gen.c: the case generator.  From a form of the table and a seeded PRNG
 * it encodes one instruction (prefixes, REX, opcode, ModRM/SIB/disp, imm;
 * Intel SDM vol. 2 ch. 2) and draws the register, flag and memory state it
 * runs from: random values mixed with edge values (0, 1, -1, sign bits,
 * small counts), memory operands aimed into the scratch pages through any
 * addressing form, and class constraints (shift counts, divisors, bit
 * offsets, string ranges).  It also says which flags the SDM leaves
 * undefined for this very case (they may depend on the count).
 */
#include <string.h>

#include "cputest.h"

bool ct_host_fsgsbase;

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

void
ct_rng_seed(struct ct_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

uint64_t
ct_rng_next(struct ct_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return (res);
}

uint64_t
ct_rng_below(struct ct_rng *r, uint64_t n)
{
	return (n == 0 ? 0 : ct_rng_next(r) % n);
}

/* ---- values ---- */

static uint64_t
mask_of(int bytes)
{
	return (bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1);
}

/*
 * A register-sized value: often an edge value at a random width (with
 * random bits above it, which narrow operations must ignore), sometimes a
 * small number, otherwise uniform.
 */
static uint64_t
rnd_val(struct ct_rng *r)
{
	static const int widths[] = { 8, 16, 32, 64 };
	uint64_t v, top;
	int w;

	switch (ct_rng_below(r, 8)) {
	case 0:
	case 1:
	case 2:
		w = widths[ct_rng_below(r, 4)];
		top = 1ULL << (w - 1);
		switch (ct_rng_below(r, 8)) {
		case 0: v = 0; break;
		case 1: v = 1; break;
		case 2: v = top - 1; break;		/* 0x7f... */
		case 3: v = top; break;			/* 0x80... */
		case 4: v = top | (top - 1); break;	/* -1 */
		case 5: v = (top | (top - 1)) - 1; break;
		case 6: v = 2; break;
		default: v = top + 1; break;
		}
		if (w < 64 && ct_rng_below(r, 2))
			v |= ct_rng_next(r) << w;
		return (v);
	case 3:
		return (ct_rng_below(r, 16));
	case 4:
		/* a narrow value, sometimes sign-extended */
		w = 1 + (int)ct_rng_below(r, 63);
		v = ct_rng_next(r) & ((1ULL << w) - 1);
		if (ct_rng_below(r, 2) && (v & (1ULL << (w - 1))))
			v |= ~((1ULL << w) - 1);
		return (v);
	default:
		return (ct_rng_next(r));
	}
}

/* A shift/rotate count: the interesting ones for 'osz', and any byte. */
static int
pick_count(struct ct_rng *r, int osz)
{
	int w = osz * 8;
	const int list[] = { 0, 1, 2, 3, w - 1, w, w + 1, 2 * w - 1, 9, 17,
	    31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0xe0 };

	if (ct_rng_below(r, 3) == 0)
		return ((int)ct_rng_below(r, 256));
	return (list[ct_rng_below(r, sizeof(list) / sizeof(list[0]))] & 0xff);
}

/* Register access at an operand size, x86's byte-register rules. */
static void
set_reg(struct ct_case *c, int n, int size, bool rex, uint64_t v)
{
	uint64_t *p;

	if (size == 1 && !rex && n >= 4 && n < 8) {
		p = &c->in.gpr[n - 4];
		*p = (*p & ~0xff00ULL) | ((v & 0xff) << 8);
		return;
	}
	p = &c->in.gpr[n];
	*p = (*p & ~mask_of(size)) | (v & mask_of(size));
}

static uint64_t
get_reg(const struct ct_case *c, int n, int size, bool rex)
{
	if (size == 1 && !rex && n >= 4 && n < 8)
		return ((c->in.gpr[n - 4] >> 8) & 0xff);
	return (c->in.gpr[n] & mask_of(size));
}

static void
put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return (v);
}

/* A patch of random values (edge values at random places). */
static struct ct_patch *
add_patch(struct ct_case *c, struct ct_rng *r, uint64_t addr, int len)
{
	struct ct_patch *p = &c->patch[c->npatch++];

	p->off = (uint16_t)(addr - CT_MEM_ADDR);
	p->len = (uint16_t)len;
	for (int i = 0; i < len; i += 8) {
		uint64_t v = rnd_val(r);
		int k = len - i < 8 ? len - i : 8;

		put_le(p->bytes + i, v, k);
	}
	return (p);
}

/* The bytes of the memory operand at addr inside a patch. */
static uint8_t *
patch_at(struct ct_case *c, uint64_t addr)
{
	for (int i = c->npatch - 1; i >= 0; i--) {
		struct ct_patch *p = &c->patch[i];
		uint64_t off = addr - CT_MEM_ADDR;

		if (off >= p->off && off + 8 <= (uint64_t)p->off + p->len)
			return (p->bytes + (off - p->off));
	}
	return (NULL);
}

void
ct_gen_background(struct ct_rng *r, uint8_t *mem)
{
	for (int i = 0; i < CT_MEM_SIZE; i += 8) {
		uint64_t v = ct_rng_below(r, 4) == 0 ? rnd_val(r) :
		    ct_rng_next(r);

		put_le(mem + i, v, 8);
	}
}

void
ct_case_memory(const struct ct_case *c, const uint8_t *bg, uint8_t *mem)
{
	memcpy(mem, bg, CT_MEM_SIZE);
	for (int i = 0; i < c->npatch; i++)
		memcpy(mem + c->patch[i].off, c->patch[i].bytes,
		    c->patch[i].len);
}

/* ---- flags the SDM leaves undefined (vol. 2, each instruction's
 * "Flags Affected") ---- */

static uint16_t
flag_mask(const struct ct_form *f, int count)
{
	int mc = count & (f->osz == 8 ? 0x3f : 0x1f);	/* masked count */
	uint16_t undef = 0;

	switch (f->cls) {
	case C_LOGIC:
		undef = FL_AF;
		break;
	case C_BCD_DA:
		undef = FL_OF;
		break;
	case C_BCD_AA:
		undef = FL_OF | FL_SF | FL_ZF | FL_PF;
		break;
	case C_BCD_AM:
		undef = FL_OF | FL_AF | FL_CF;
		break;
	case C_MUL:
		undef = FL_SF | FL_ZF | FL_AF | FL_PF;
		break;
	case C_DIV:
		undef = FL_ARITH;
		break;
	case C_BT:
	case C_BTMEM:
		undef = FL_OF | FL_SF | FL_AF | FL_PF;
		break;
	case C_BS:
		undef = FL_CF | FL_OF | FL_SF | FL_AF | FL_PF;
		break;
	case C_SHIFT:
		/* SHL/SHR/SAR: count 0 changes nothing; AF is always
		 * undefined, OF unless the count is 1, CF for SHL/SHR when
		 * the count reaches the operand width. */
		if (mc == 0)
			break;
		undef = FL_AF;
		if (mc != 1)
			undef |= FL_OF;
		if (f->op != SH_SAR && mc >= f->osz * 8)
			undef |= FL_CF;
		break;
	case C_ROT:
	case C_RCX:
		/* Only CF and OF change; OF is defined for 1-bit rotates. */
		if (mc != 0 && mc != 1)
			undef = FL_OF;
		break;
	case C_SHXD:
		if (mc == 0)
			break;
		undef = FL_AF;
		if (mc != 1)
			undef |= FL_OF;
		break;
	default:
		break;
	}
	return ((uint16_t)(FL_ALL & ~undef));
}

/* ---- encoding ---- */

struct enc {
	int reg;		/* ModRM.reg (register or /digit) */
	int oreg;		/* ENC_OPREG register */
	bool mem;		/* r/m is memory */
	int rm;			/* register r/m */
	/* memory operand */
	int mod, rmf;		/* ModRM mod and rm field (with REX.B bit) */
	bool sib, riprel;
	int base, index, scale;	/* -1 for none */
	int dispsize;
	int64_t disp;
	bool asz32;		/* 32-bit address computation */
	bool a16;		/* 16-bit address computation (ModRM rm16) */
	bool emit67;		/* ... asked for by an 0x67 prefix */
	uint64_t target;	/* the linear address of the operand */
	uint64_t segbase;	/* the segment's base: aim at target - it */
	int seg;		/* an override prefix, 0 = none */
};

/* May register n serve as base or index of the memory operand? */
static bool
addr_reg_ok(const struct ct_form *f, const struct enc *e, int n, bool index)
{
	if (index && n == R_SP)
		return (false);
	if (n == R_SP && f->cls == C_STACK)
		return (false);
	if (f->enc == ENC_MODRM && f->cls == C_BTMEM && n == e->reg)
		return (false);
	if (f->cnt == CNT_CL && n == R_CX)
		return (false);
	if ((f->cls == C_DIV || f->cls == C_MUL || f->cls == C_CX8) &&
	    f->enc == ENC_DIGIT && (n == R_AX || n == R_DX))
		return (false);
	if (f->op == 'x' && n == R_AX)	/* CMPXCHG compares with rAX */
		return (false);
	/* PCMPESTRx: EAX/EDX are the lengths, set after the address */
	if ((f->fpx & FPX_STR) && (n == R_AX || n == R_DX))
		return (false);
	return (true);
}

static int
pick_addr_reg(struct ct_rng *r, const struct ct_form *f,
    const struct enc *e, bool index, int avoid)
{
	for (;;) {
		int n = (int)ct_rng_below(r, f->m32 ? 8 : 16);

		if (n != avoid && addr_reg_ok(f, e, n, index))
			return (n);
	}
}

/* Choose an addressing form for the memory operand (SDM vol. 2 §2.1.5,
 * §2.2.1.6 for RIP-relative). */
static void
pick_mem(struct ct_rng *r, const struct ct_form *f, struct enc *e)
{
	int kind = (int)ct_rng_below(r, 12);

	e->base = e->index = -1;
	e->scale = 0;
	e->sib = e->riprel = false;
	if (f->m16 && ct_rng_below(r, 4) != 0) {
		/* 16-bit code: 16-bit addressing unless 0x67 (below) */
		e->emit67 = false;
		e->asz32 = false;
		e->a16 = true;
		e->mod = (int)ct_rng_below(r, 3);
		e->rmf = (int)ct_rng_below(r, 8);
		e->dispsize = e->mod == 1 ? 1 : e->mod == 2 ||
		    (e->mod == 0 && e->rmf == 6) ? 2 : 0;
		return;
	}
	if (f->m16) {
		/* 0x67: 32-bit addressing in 16-bit code */
		e->emit67 = true;
		e->asz32 = true;
		goto kinds;
	}
	if (f->m32 && f->cls == C_LEA && ct_rng_below(r, 4) == 0) {
		/*
		 * 16-bit addressing (0x67 in 32-bit code; SDM vol. 2 table
		 * 2-1): [BX+SI] ... [BX], disp16 alone for mod 00 r/m 110.
		 * Only where nothing is accessed: it cannot reach 2 MiB.
		 */
		e->emit67 = true;
		e->asz32 = false;
		e->mod = (int)ct_rng_below(r, 3);
		e->rmf = (int)ct_rng_below(r, 8);
		e->dispsize = e->mod == 1 ? 1 : e->mod == 2 ||
		    (e->mod == 0 && e->rmf == 6) ? 2 : 0;
		return;
	}
	/* compatibility mode addresses in 32 bits without 0x67 (which
	 * would select 16-bit addressing, unable to reach the scratch) */
	e->emit67 = !f->m32 && ct_rng_below(r, 8) == 0;
	e->asz32 = f->m32 || e->emit67;
kinds:
	if (kind < 4) {
		/* [base], [base+disp8], [base+disp32], no SIB */
		do {
			e->base = pick_addr_reg(r, f, e, false, -1);
		} while ((e->base & 7) == 4);
		e->mod = kind == 0 ? 0 : kind == 1 || kind == 2 ? 1 : 2;
		if (e->mod == 0 && (e->base & 7) == 5)
			e->mod = 1;
		e->rmf = e->base;
	} else if (kind < 9) {
		/* SIB: base + index * scale + disp */
		e->sib = true;
		e->rmf = 4;
		e->mod = (int)ct_rng_below(r, 3);
		e->base = pick_addr_reg(r, f, e, false, -1);
		if (e->mod == 0 && (e->base & 7) == 5)
			e->mod = 1;
		if (ct_rng_below(r, 6) == 0)
			e->index = -1;	/* index field 100: none */
		else
			e->index = pick_addr_reg(r, f, e, true, e->base);
		e->scale = (int)ct_rng_below(r, 4);
	} else if (kind < 11 && (!e->emit67 || f->m16)) {
		/* RIP-relative; in 32-bit code the same encoding is [disp32] */
		e->riprel = !f->m32;
		e->mod = 0;
		e->rmf = 5;
	} else {
		/* SIB without base: [index * scale + disp32] or [disp32] */
		e->sib = true;
		e->rmf = 4;
		e->mod = 0;
		if (ct_rng_below(r, 2))
			e->index = pick_addr_reg(r, f, e, true, -1);
		e->scale = (int)ct_rng_below(r, 4);
	}
	if (e->riprel || (e->sib && e->base == -1) ||
	    (e->mod == 0 && e->rmf == 5))
		e->dispsize = 4;
	else
		e->dispsize = e->mod == 1 ? 1 : e->mod == 2 ? 4 : 0;
}

/*
 * 16-bit addressing (SDM vol. 2 table 2-1): BX or BP plus SI or DI plus
 * disp8/disp16, the sum taken modulo 64 KiB.  One register gets a random
 * 16-bit value, the other what makes the sum land on offset t, so about
 * half the cases wrap around 64 KiB; bits above 15 are random (ignored).
 */
static void
aim_mem16(struct ct_rng *r, struct ct_case *c, struct enc *e, uint64_t t)
{
	static const int8_t b16[8] = { R_BX, R_BX, R_BP, R_BP, -1, -1, R_BP,
	    R_BX };
	static const int8_t x16[8] = { R_SI, R_DI, R_SI, R_DI, R_SI, R_DI,
	    -1, -1 };
	int rm = e->rmf & 7, b = b16[rm], x = x16[rm];
	uint64_t v;

	if (e->mod == 0 && rm == 6) {
		e->disp = (int64_t)(t & 0xffff);	/* [disp16] */
		return;
	}
	v = t - (uint64_t)e->disp;
	if (b >= 0 && x >= 0) {
		uint64_t k = ct_rng_below(r, 0x10000);

		c->in.gpr[b] = (ct_rng_next(r) << 16) | k;
		v -= k;
		b = x;
	} else if (b < 0) {
		b = x;
	}
	c->in.gpr[b] = (ct_rng_next(r) << 16) | (v & 0xffff);
}

/*
 * An FS or GS override (64-bit code) and the segment's base for this
 * case: the effective address is then target - base modulo 2^64, which
 * the addressing form must be able to produce: any base with a base
 * register and 64-bit addressing (small, large, in the upper canonical
 * half, so that base + EA wraps around 2^64), target - [0, 2^32) with
 * 0x67 (the 32-bit EA is zero-extended, then added), and near the
 * target for RIP-relative and disp32-only forms.
 */
static void
pick_fsgs(struct ct_rng *r, struct ct_case *c, struct enc *e)
{
	uint64_t base;

	if (e->riprel)
		base = e->target - CT_CODE_ADDR - ct_rng_below(r, 1ULL << 30) +
		    (1ULL << 29);
	else if (e->base < 0 && !e->asz32)
		base = e->target - ct_rng_below(r, 1ULL << 30) + (1ULL << 29);
	else if (e->asz32)
		base = e->target - ct_rng_below(r, 1ULL << 32);
	else {
		switch (ct_rng_below(r, 4)) {
		case 0:
			base = ct_rng_below(r, 0x200000);
			break;
		case 1:
			base = ct_rng_next(r) & 0x00007fffffffffffULL;
			break;
		case 2:
			base = ct_rng_next(r) | 0xffff800000000000ULL;
			break;
		default:	/* EA = target + a little - base wraps */
			base = 0ULL - ct_rng_below(r, 0x100000);
			break;
		}
	}
	e->segbase = base;
	if (ct_rng_below(r, 2)) {
		e->seg = 0x64;
		c->fsbase = base;
		c->gsbase = ct_rng_next(r) & 0x00007fffffffffffULL;
	} else {
		e->seg = 0x65;
		c->gsbase = base;
		c->fsbase = ct_rng_next(r) & 0x00007fffffffffffULL;
	}
}

/* Give base/index the values that make the operand land on e->target. */
static void
aim_mem(struct ct_rng *r, const struct ct_form *f, struct ct_case *c,
    struct enc *e)
{
	uint64_t idx = 0, base, t = e->target - e->segbase;

	if (e->dispsize == 1)
		e->disp = (int8_t)ct_rng_next(r);
	else if (e->dispsize == 2)
		e->disp = (int16_t)ct_rng_next(r);
	else if (e->dispsize == 4)
		e->disp = (int32_t)(ct_rng_next(r) >> 32) >>
		    (int)ct_rng_below(r, 31);
	else
		e->disp = 0;
	if (f->cls == C_LEA) {
		/* no access: any register values, any displacement */
		return;
	}
	if (e->a16) {
		aim_mem16(r, c, e, t);
		return;
	}
	if (e->index >= 0) {
		idx = (uint64_t)((int64_t)ct_rng_below(r, 1024) - 512);
		if (ct_rng_below(r, 4) == 0)
			idx = 0;
		c->in.gpr[e->index] = e->asz32 ?
		    (ct_rng_next(r) << 32) | (uint32_t)idx : idx;
	}
	if (e->base < 0 && !e->riprel) {
		/* disp32 alone must reach the target */
		e->disp = (int64_t)(t - (idx << e->scale));
		if (e->asz32)
			e->disp = (int32_t)(uint32_t)e->disp;
		return;
	}
	if (e->riprel)
		return;		/* disp fixed once the length is known */
	base = t - (uint64_t)e->disp - (idx << e->scale);
	if (e->asz32)
		base = (ct_rng_next(r) << 32) | (uint32_t)base;
	c->in.gpr[e->base] = base;
}

int
ct_gen_case(const struct ct_form *f, struct ct_rng *r, struct ct_case *c)
{
	struct enc e;
	uint8_t pfx[8], *p;
	int npfx = 0, rex = 0, count = -1, msz, immsize;
	uint64_t imm = 0;
	bool has8, rexbyte, force40, past_limit = false;
	struct ct_patch *mpatch = NULL;
	int nreg = f->m32 ? 8 : 16;	/* no REX outside 64-bit mode */

	memset(c, 0, sizeof(*c));
	memset(&e, 0, sizeof(e));
	for (int i = 0; i < 16; i++)
		c->in.gpr[i] = rnd_val(r);
	c->in.gpr[R_SP] = CT_STACK_PAGE + 0x600 + 8 * ct_rng_below(r, 32);
	if (f->cls == C_STACK && ct_rng_below(r, 8) == 0)
		c->in.gpr[R_SP] += 1 + ct_rng_below(r, 7);
	c->in.rflags = 0x2 | (ct_rng_next(r) & FL_ALL);
	c->in.rip = CT_CODE_ADDR;
	msz = f->msz ? f->msz : f->osz;
	immsize = f->imm;

	/* registers and the r/m operand */
	c->m32 = f->m32;
	c->m16 = f->m16;
	e.reg = f->enc == ENC_DIGIT ? f->digit : (int)ct_rng_below(r, nreg);
	e.oreg = (int)ct_rng_below(r, nreg);
	if (f->op == 'g' && e.oreg == 0)	/* 90 is NOP, not XCHG */
		e.oreg = 1 + (int)ct_rng_below(r, nreg - 1);
	e.mem = false;
	if (f->enc == ENC_MODRM || f->enc == ENC_DIGIT) {
		e.mem = f->rm == RM_MEM ||
		    (f->rm == RM_ANY && ct_rng_below(r, 2));
		e.rm = (int)ct_rng_below(r, nreg);
	}
	if (e.mem || f->enc == ENC_MOFFS) {
		uint64_t lo = CT_MEM_ADDR + 0x40, span = 0x1380;

		if (f->cls == C_BTMEM) {
			lo = CT_MEM_ADDR + 0x100;
			span = 0x1200;
		}
		e.target = lo + ct_rng_below(r, span);
		/* aligned half the time, to the largest power of two that
		 * divides the size (m80: 2, m108: 4): masking with msz - 1
		 * for a size like 108 pulled the operand below the scratch,
		 * where the patch killed the native child */
		if (ct_rng_below(r, 2))
			e.target &= ~(uint64_t)((msz & -msz) - 1);
		/* SDM vol. 3 §4.6: an access spanning two pages is checked
		 * and done on both; make that common enough to be covered */
		if (msz > 1 && f->cls != C_BTMEM && ct_rng_below(r, 25) == 0)
			e.target = CT_STACK_PAGE - 1 -
			    ct_rng_below(r, (uint64_t)msz - 1);
		/*
		 * 16-bit segments: an operand that crosses the limit 0xffff
		 * is #GP (#SS for SS), checked before any access (SDM vol. 3
		 * §5.3); no memory there, so only classes that constrain
		 * nothing in memory
		 */
		if (f->m16 && msz > 1 && f->op != 'x' && (f->cls == C_NONE ||
		    f->cls == C_ARITH || f->cls == C_LOGIC ||
		    f->cls == C_MUL || f->cls == C_SHIFT || f->cls == C_ROT ||
		    f->cls == C_RCX || f->cls == C_SHXD || f->cls == C_BT) &&
		    ct_rng_below(r, 32) == 0) {
			e.target = CT_SEG16_DATA + 0x10000 - 1 -
			    ct_rng_below(r, (uint64_t)msz - 1);
			past_limit = true;
		}
		/* CMPXCHG16B wants 16-byte alignment (#GP otherwise) */
		if (f->cls == C_CX8 && msz == 16 && ct_rng_below(r, 8) != 0)
			e.target &= ~15ULL;
		/* SSE m128 operands must be aligned (#GP): mostly they are */
		if ((f->fpx & FPX_A16) && ct_rng_below(r, 4) != 0)
			e.target &= ~15ULL;
		if ((f->fpx & FPX_A16) && (e.target & 15) != 0)
			c->tags |= TAG_UNALIGN;
	}
	if (e.mem)
		pick_mem(r, f, &e);
	/* BT* r/m16, r16: the offset register is set after aiming, so it
	 * must not be one of BX BP SI DI the 16-bit address uses */
	if (e.mem && e.a16 && f->cls == C_BTMEM)
		e.reg = (int)ct_rng_below(r, 3);	/* AX CX DX */
	if (f->m16)
		e.segbase = CT_SEG16_DATA;	/* DS = ES = SS */
	if (e.mem && !f->m32 && ct_host_fsgsbase && ct_rng_below(r, 16) == 0)
		pick_fsgs(r, c, &e);
	if (e.mem)
		aim_mem(r, f, c, &e);

	/* Byte registers: without any REX, 4-7 are AH CH DH BH. */
	has8 = f->osz == 1 || (f->msz == 1 && !e.mem &&
	    (f->enc == ENC_MODRM || f->enc == ENC_DIGIT));
	force40 = has8 && !f->m32 && ct_rng_below(r, 2);	/* 40: INC */

	/* REX (SDM vol. 2 §2.2.1) */
	if (f->osz == 8 && !f->d64)
		rex |= 8;
	if (f->enc == ENC_MODRM && e.reg >= 8)
		rex |= 4;
	if (e.mem && e.index >= 8)
		rex |= 2;
	if (e.mem && e.base >= 8)
		rex |= 1;
	if (!e.mem && (f->enc == ENC_MODRM || f->enc == ENC_DIGIT) &&
	    e.rm >= 8)
		rex |= 1;
	if (f->enc == ENC_OPREG && e.oreg >= 8)
		rex |= 1;
	rexbyte = rex != 0 || force40;

	/* memory patches before the class constraints that write into them */
	if (e.mem && f->cls != C_LEA && !past_limit) {
		int before = f->cls == C_BTMEM ? 136 : 16;
		int len = f->cls == C_BTMEM ? 288 : 64;

		mpatch = add_patch(c, r, e.target - before, len);
	} else if (f->enc == ENC_MOFFS) {
		add_patch(c, r, e.target - 16, 64);
	}
	if (f->cls == C_STACK || f->cls == C_LEAVE || f->cls == C_ENTER)
		add_patch(c, r, (c->in.gpr[R_SP] & ~7ULL) - 32, 72);

	/* immediate */
	if (immsize > 0)
		imm = rnd_val(r) & mask_of(immsize);

	if (f->cls == C_FP) {
		ct_gen_fp(f, r, c, mpatch);
		/* MASKMOVQ/MASKMOVDQU store through DS:RDI */
		/*
		 * FNSTENV/FNSAVE store FIP, FCS/FOP, FDP, FDS (bytes 12-27 of
		 * the 32-bit format, SDM vol. 1 §8.1.10): where the last x87
		 * instruction was, which differs by construction (and AMD's
		 * FXRSTOR does not even load them): not compared.
		 */
		if (e.mem && (f->fpx & FPX_X87) && f->digit == 6 &&
		    (f->opc[0] == 0xd9 || f->opc[0] == 0xdd)) {
			c->skip_off = (uint16_t)(e.target + 12 - CT_MEM_ADDR);
			c->skip_len = 16;
		}
		if (f->fpx & FPX_RDI)
			c->in.gpr[R_DI] = CT_MEM_ADDR + 0x40 +
			    ct_rng_below(r, 0x1380);
	}

	/* class constraints */
	switch (f->cls) {
	case C_SHIFT:
	case C_ROT:
	case C_RCX:
	case C_SHXD:
		if (f->cnt == CNT_ONE) {
			count = 1;
		} else {
			do {
				count = pick_count(r, f->osz);
			} while (f->cls == C_SHXD && f->osz == 2 &&
			    (count & 31) > 16);
			if (f->cnt == CNT_CL)
				set_reg(c, R_CX, 1, true, (uint64_t)count);
			else
				imm = (uint64_t)count;
		}
		break;
	case C_DIV: {
		int w = f->osz;
		uint64_t m = mask_of(w), d, lo, hi, sign = 1ULL << (8 * w - 1);
		bool sgn = f->digit == 7;

		/* the divisor: sometimes 0, often small or an edge */
		switch (ct_rng_below(r, 10)) {
		case 0: d = 0; break;
		case 1: d = 1; break;
		case 2: d = m; break;			/* -1 */
		case 3: d = 1 + ct_rng_below(r, 16); break;
		default:
			do {
				d = rnd_val(r) & m;
			} while (d == 0);
		}
		lo = rnd_val(r) & m;
		if (sgn) {
			if (ct_rng_below(r, 16) == 0) {
				lo = sign;		/* INT_MIN / -1 */
				d = m;
			}
			hi = (lo & sign) ? m : 0;
			if (ct_rng_below(r, 4) == 0)
				hi = rnd_val(r) & m;
		} else {
			hi = d != 0 && ct_rng_below(r, 5) != 0 ?
			    ct_rng_below(r, d) : rnd_val(r) & m;
		}
		if (w == 1) {
			set_reg(c, R_AX, 2, true, lo | (hi << 8));
		} else {
			set_reg(c, R_AX, w, true, lo);
			set_reg(c, R_DX, w, true, hi);
		}
		if (e.mem)
			put_le(patch_at(c, e.target), d, w);
		else
			set_reg(c, e.rm, w, rexbyte, d);
		break;
	}
	case C_BTMEM:
		if (e.mem) {
			int64_t off = (int64_t)ct_rng_below(r, 2048) - 1024;
			int bits = f->osz * 8;
			uint64_t at;

			set_reg(c, e.reg, f->osz, true, (uint64_t)off);
			/* the operand actually read: SDM vol. 2 "BT" */
			at = e.target + (uint64_t)(f->osz * (off >= 0 ?
			    off / bits : -((-off + bits - 1) / bits)));
			if ((at & 0xfff) + f->osz > 0x1000)
				c->tags |= TAG_XPAGE;
		}
		break;
	case C_BS:
		if (ct_rng_below(r, 4) == 0) {
			if (e.mem)
				put_le(patch_at(c, e.target), 0, f->osz);
			else
				set_reg(c, e.rm, f->osz, rexbyte, 0);
		}
		break;
	default:
		break;
	}
	if (f->cls == C_CX8 && ct_rng_below(r, 2)) {
		/* make the comparison succeed half of the time */
		int h = msz / 2;
		const uint8_t *m = patch_at(c, e.target);

		set_reg(c, R_AX, h, true, get_le(m, h));
		set_reg(c, R_DX, h, true, get_le(m + h, h));
	}
	if (f->cls == C_LEAVE || f->cls == C_ENTER) {
		/* RBP: a frame pointer above RSP on the stack page */
		uint64_t bp = c->in.gpr[R_SP] + 8 * ct_rng_below(r, 24);

		c->in.gpr[R_BP] = bp;
		if (f->cls == C_LEAVE) {
			add_patch(c, r, bp - 8, 24);
		} else {
			int level = ct_rng_below(r, 4) != 0 ?
			    (int)ct_rng_below(r, 4) : (int)ct_rng_below(r, 32);

			/*
			 * The frame must stay in the scratch: the host checks
			 * the new stack top (#PF when it is not mapped) and
			 * only the scratch pages are mapped natively.
			 */
			add_patch(c, r, bp - 8 * 32, 8 * 32 + 8);
			imm = (ct_rng_below(r, 4) == 0 ? ct_rng_below(r, 16) :
			    ct_rng_below(r, 0x1000)) | (uint64_t)level << 16;
		}
	}
	if (f->cls == C_XLAT) {
		uint64_t t = CT_MEM_ADDR + 0x100 + ct_rng_below(r, 0xc00);
		uint64_t al = c->in.gpr[R_AX] & 0xff;

		c->in.gpr[R_BX] = t - al;
		if (f->m32 || ct_rng_below(r, 8) == 0) {
			c->in.gpr[R_BX] = (ct_rng_next(r) << 32) |
			    (uint32_t)(t - al);
			if (!f->m32) {
				pfx[npfx++] = 0x67;
				c->tags |= TAG_A32;
			}
		}
		add_patch(c, r, t - 16, 32);
	}
	if (f->op == 'x' && ct_rng_below(r, 2)) {
		/* CMPXCHG: make the comparison succeed half of the time */
		uint64_t v = e.mem ? get_le(patch_at(c, e.target), f->osz) :
		    get_reg(c, e.rm, f->osz, rexbyte);

		set_reg(c, R_AX, f->osz, true, v);
	}
	if (f->cls == C_STR) {
		/* RSI/RDI in the data page, RCX small; 67: ESI/EDI/ECX */
		bool rep = f->pfx[0] == 0xf3 || f->pfx[0] == 0xf2;
		bool a32 = f->m32 || ct_rng_below(r, 6) == 0;
		int n = rep ? (int)ct_rng_below(r, 18) : 1;
		bool down = (c->in.rflags & FL_DF) != 0;
		uint64_t src = CT_MEM_ADDR + 0x100 + ct_rng_below(r, 0xc00);
		uint64_t dst = CT_MEM_ADDR + 0x100 + ct_rng_below(r, 0xc00);
		int span = n * f->osz;
		struct ct_patch *ps, *pd;

		if (ct_rng_below(r, 2)) {
			src &= ~(uint64_t)(f->osz - 1);
			dst &= ~(uint64_t)(f->osz - 1);
		}
		if (rep)
			c->in.gpr[R_CX] = (uint64_t)n;
		if (rep && n == 0)
			c->tags |= TAG_REP0;
		if (a32 && !f->m32) {
			c->tags |= TAG_A32;
			pfx[npfx++] = 0x67;
		}
		if (a32)
			c->in.gpr[R_CX] = (ct_rng_next(r) << 32) |
			    (uint32_t)c->in.gpr[R_CX];
		c->in.gpr[R_SI] = src;
		c->in.gpr[R_DI] = dst;
		if (a32) {
			c->in.gpr[R_SI] |= ct_rng_next(r) << 32;
			c->in.gpr[R_DI] |= ct_rng_next(r) << 32;
		}
		if (span == 0)
			span = f->osz;
		ps = add_patch(c, r, down ? src + f->osz - span : src, span);
		pd = add_patch(c, r, down ? dst + f->osz - span : dst, span);
		if (ct_rng_below(r, 2)) {
			/* equal strings (one byte perhaps changed) so that
			 * REPE/REPNE run to different ends */
			memcpy(pd->bytes, ps->bytes, span);
			if (ct_rng_below(r, 2))
				pd->bytes[ct_rng_below(r, span)] ^=
				    (uint8_t)(1 + ct_rng_below(r, 255));
		}
		if (ct_rng_below(r, 2)) {
			/* SCAS: rAX equal to one of the elements */
			int k = (int)ct_rng_below(r, span / f->osz);

			set_reg(c, R_AX, f->osz, true,
			    get_le(pd->bytes + k * f->osz, f->osz));
		}
	}
	c->flagmask = flag_mask(f, count);
	if (count >= 0 && f->cnt != CNT_ONE &&
	    (count & (f->osz == 8 ? 0x3f : 0x1f)) == 0)
		c->tags |= TAG_CNT0;
	if ((e.mem && f->cls != C_LEA && f->cls != C_BTMEM) ||
	    f->enc == ENC_MOFFS) {
		if ((e.target & 0xfff) + msz > 0x1000)
			c->tags |= TAG_XPAGE;
	}
	if (e.mem && e.emit67)
		c->tags |= TAG_A32;

	/* prefixes, in a random order (hardware accepts any) */
	for (int i = 0; i < 2; i++)
		if (f->pfx[i] != 0)
			pfx[npfx++] = f->pfx[i];
	/* 66 selects the size that is not the default: 16 in 32/64-bit
	 * code, 32 in 16-bit code */
	if (f->m16 ? f->osz == 4 : f->osz == 2)
		pfx[npfx++] = 0x66;
	if (e.mem && e.emit67)
		pfx[npfx++] = 0x67;
	/*
	 * LOCK (SDM vol. 2 "LOCK"): often on lockable forms with a memory
	 * destination (the emulator's atomic path), rarely anywhere else,
	 * where it must raise #UD.
	 */
	if ((f->lockable && e.mem && ct_rng_below(r, 4) == 0) ||
	    ct_rng_below(r, 64) == 0) {
		pfx[npfx++] = 0xf0;
		c->tags |= TAG_LOCK;
	}
	/*
	 * CS/SS/DS/ES overrides are ignored in 64-bit mode (§3.3.7.1); in
	 * 32-bit code all four are flat; in 16-bit code CS has another base,
	 * so only DS/ES/SS there.  FS/GS (pick_fsgs) carry their own base.
	 */
	if (e.seg != 0) {
		pfx[npfx++] = (uint8_t)e.seg;
		c->tags |= TAG_FSGS;
	} else if (e.mem && ct_rng_below(r, 16) == 0) {
		static const uint8_t segs[4] = { 0x26, 0x3e, 0x36, 0x2e };

		pfx[npfx++] = segs[ct_rng_below(r, f->m16 ? 3 : 4)];
		c->tags |= TAG_SEG;
	}
	for (int i = npfx - 1; i > 0; i--) {
		int j = (int)ct_rng_below(r, i + 1);
		uint8_t t = pfx[i];

		pfx[i] = pfx[j];
		pfx[j] = t;
	}
	p = c->insn;
	memcpy(p, pfx, npfx);
	p += npfx;
	if (rexbyte)
		*p++ = (uint8_t)(0x40 | rex);
	memcpy(p, f->opc, f->nopc);
	if (f->enc == ENC_OPREG)
		p[f->nopc - 1] += (uint8_t)(e.oreg & 7);
	p += f->nopc;
	if (f->enc == ENC_MODRM || f->enc == ENC_DIGIT) {
		uint8_t *disp;

		if (!e.mem) {
			*p++ = (uint8_t)(0xc0 | (e.reg & 7) << 3 | (e.rm & 7));
		} else {
			*p++ = (uint8_t)(e.mod << 6 | (e.reg & 7) << 3 |
			    (e.rmf & 7));
			if (e.sib)
				*p++ = (uint8_t)(e.scale << 6 |
				    (e.index < 0 ? 4 : e.index & 7) << 3 |
				    (e.base < 0 ? 5 : e.base & 7));
		}
		disp = p;
		p += e.mem ? e.dispsize : 0;
		put_le(p, imm, immsize);
		p += immsize;
		c->len = (uint8_t)(p - c->insn);
		if (e.riprel && f->cls != C_LEA)
			e.disp = (int64_t)(e.target - e.segbase -
			    (CT_CODE_ADDR + c->len));
		if (e.mem)
			put_le(disp, (uint64_t)e.disp, e.dispsize);
	} else if (f->enc == ENC_MOFFS) {
		/* moffs: address-size bytes (8 in 64-bit code, 4 in 32) */
		put_le(p, e.target, f->m32 ? 4 : 8);
		p += f->m32 ? 4 : 8;
		c->len = (uint8_t)(p - c->insn);
	} else {
		put_le(p, imm, immsize);
		p += immsize;
		c->len = (uint8_t)(p - c->insn);
	}
	if (c->len > 15 || (f->m32 && rexbyte))
		return (-1);
	return (0);
}
