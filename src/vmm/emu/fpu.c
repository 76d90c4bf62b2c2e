/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fpu.c: the x87 FPU of the emu backend (SDM vol. 1 ch. 8, vol. 2 per
 * instruction).  Every computing x87 instruction runs on the host's own
 * x87: the guest's registers, control, status and tag words are loaded
 * with FRSTOR, the instruction's own opcode bytes run (memory operands
 * through a host buffer at [rsi]), and FNSAVE takes the new state back
 * (FNSAVE neither waits nor faults, so an unmasked guest exception just
 * stays pending in the guest's FSW for its next waiting instruction,
 * which raises #MF).  Precision/rounding control, tags, C0..C3, stack
 * faults and the 80-bit results are therefore the hardware's.  The
 * control instructions (FNINIT, FLDCW, FNSTSW, FNSTENV/FLDENV,
 * FNSAVE/FRSTOR...) and the FIP/FDP/FOP bookkeeping are done here.
 */
#include "vmm/emu/simd.h"

/* FNSAVE/FRSTOR image, 32-bit protected-mode format (SDM 1 fig. 8-10) */
struct fsave {
	uint16_t cw, r0, sw, r1, tw, r2;
	uint32_t fip;
	uint16_t fcs, fop;
	uint32_t fdp;
	uint16_t fds, r3;
	uint8_t st[8][10];
} __attribute__((packed));

_Static_assert(sizeof(struct fsave) == 108, "fsave image");

bool
emu_simd_host_ok(void)
{
	__builtin_cpu_init();
	return (__builtin_cpu_supports("ssse3") &&
	    __builtin_cpu_supports("sse4.1") &&
	    __builtin_cpu_supports("sse4.2") &&
	    __builtin_cpu_supports("popcnt"));
}

void
emu_fpu_finit(struct emu_cpu *cpu)
{
	struct emu_fpu *f = &cpu->fpu;

	f->fcw = 0x037f;
	f->fsw = 0;
	f->ftw = 0;
	f->fop = 0;
	f->fip = f->fdp = 0;
	f->fcs = f->fds = 0;
}

/*
 * Power-up state.  SDM 3A table 9-1 gives FCW 0040H for power-up; like
 * other VMMs lhyve presents the FINIT state (037FH, empty stack) instead,
 * which is what firmware-less guests expect.  MXCSR 1F80H.
 */
void
emu_fpu_init(struct emu_cpu *cpu)
{
	memset(&cpu->fpu, 0, sizeof(cpu->fpu));
	emu_fpu_finit(cpu);
	cpu->fpu.mxcsr = 0x1f80;
	cpu->fpu.init = true;
}

void
emu_fpu_fix_es(struct emu_cpu *cpu)
{
	struct emu_fpu *f = &cpu->fpu;

	if (f->fsw & ~f->fcw & 0x3f)
		f->fsw |= FSW_ES | FSW_B;
	else
		f->fsw &= ~(FSW_ES | FSW_B);
}

/* SDM 1 §8.1.7: 00 valid, 01 zero, 10 special, 11 empty */
static int
tag_of(const struct emu_x87reg *r)
{
	int e = r->sexp & 0x7fff;

	if (e == 0x7fff)
		return (2);
	if (e == 0)
		return (r->mant == 0 ? 1 : 2);
	return ((r->mant >> 63) ? 0 : 2);
}

int
emu_fpu_tag(const struct emu_cpu *cpu, int i)
{
	if (!(cpu->fpu.ftw & (1u << i)))
		return (3);
	return (tag_of(&cpu->fpu.st[i]));
}

static uint16_t
full_tw(const struct emu_cpu *cpu)
{
	uint16_t tw = 0;

	for (int i = 0; i < 8; i++)
		tw |= emu_fpu_tag(cpu, i) << (2 * i);
	return (tw);
}

static void
to_img(const struct emu_cpu *cpu, struct fsave *s)
{
	const struct emu_fpu *f = &cpu->fpu;
	int top = (f->fsw >> 11) & 7;

	memset(s, 0, sizeof(*s));
	s->cw = f->fcw;
	s->sw = f->fsw;
	s->tw = full_tw(cpu);
	for (int i = 0; i < 8; i++) {
		const struct emu_x87reg *r = &f->st[(top + i) & 7];
		memcpy(s->st[i], &r->mant, 8);
		memcpy(s->st[i] + 8, &r->sexp, 2);
	}
}

/*
 * A control word as FLDCW/FLDENV/FRSTOR load it: the reserved bits 15:13
 * read as 0 and bit 6 as 1 (what the host does; SDM vol. 1 §8.1.5 marks
 * them reserved).
 */
static inline uint16_t
fcw_fix(uint64_t v)
{
	return ((uint16_t)((v & 0x1f3f) | 0x40));
}

/* Take the host's result (x87 part only; the pointers are the guest's). */
static void
from_img(struct emu_fpu *f, const struct fsave *s)
{
	int top = (s->sw >> 11) & 7;

	f->fcw = s->cw;
	f->fsw = s->sw;
	f->ftw = 0;
	for (int i = 0; i < 8; i++) {
		struct emu_x87reg *r = &f->st[(top + i) & 7];
		if (((s->tw >> (2 * ((top + i) & 7))) & 3) != 3)
			f->ftw |= 1u << ((top + i) & 7);
		memcpy(&r->mant, s->st[i], 8);
		memcpy(&r->sexp, s->st[i] + 8, 2);
	}
}

/*
 * Run one x87 instruction on the host.  n < 512: register form, opcode
 * D8 + (n >> 6), ModRM C0 | (n & 63).  n >= 512: memory form
 * D8 + ((n - 512) >> 3) /((n - 512) & 7) with the operand at [rsi].
 * AH goes in through SAHF (FCMOVcc reads CF/ZF/PF) and comes back
 * through LAHF (FCOMI sets them).
 */
#define X87_ASM(b0, b1)							\
	__asm__ volatile("sahf\n\tfrstor (%[env])\n\t"			\
	    ".byte %c[x0], %c[x1]\n\tlahf\n\tfnsave (%[env])"		\
	    : "+a"(ax) : [env] "r"(img), "S"(mem), [x0] "i"(b0),	\
	    [x1] "i"(b1) : "cc", "memory")
#define C1(n)	case (n): X87_ASM(0xd8 + ((n) >> 6), 0xc0 | ((n) & 63)); break;
#define C4(n)	C1(n) C1((n) + 1) C1((n) + 2) C1((n) + 3)
#define C16(n)	C4(n) C4((n) + 4) C4((n) + 8) C4((n) + 12)
#define C64(n)	C16(n) C16((n) + 16) C16((n) + 32) C16((n) + 48)
#define M1(n)	case 512 + (n): X87_ASM(0xd8 + ((n) >> 3), (((n) & 7) << 3) | 6); \
		break;
#define M8(n)	M1(n) M1((n) + 1) M1((n) + 2) M1((n) + 3) M1((n) + 4) \
		M1((n) + 5) M1((n) + 6) M1((n) + 7)

static uint32_t
host_x87(int n, struct fsave *img, void *mem, uint32_t ah)
{
	uint32_t ax = ah << 8;

	switch (n) {
	C64(0) C64(64) C64(128) C64(192) C64(256) C64(320) C64(384) C64(448)
	M8(0) M8(8) M8(16) M8(24) M8(32) M8(40) M8(48) M8(56)
	}
	return ((ax >> 8) & 0xff);
}

/* memory operand per [escape][reg]: > 0 load size, < 0 store size,
 * 0 = a control instruction done in C */
static const int8_t memsz[8][8] = {
	{ 4, 4, 4, 4, 4, 4, 4, 4 },
	{ 4, 0, -4, -4, 0, 0, 0, 0 },
	{ 4, 4, 4, 4, 4, 4, 4, 4 },
	{ 4, -4, -4, -4, 0, 10, 0, -10 },
	{ 8, 8, 8, 8, 8, 8, 8, 8 },
	{ 8, -8, -8, -8, 0, 0, 0, -2 },
	{ 2, 2, 2, 2, 2, 2, 2, 2 },
	{ 2, -2, -2, -2, 10, 8, -10, -8 },
};

/* FIP/FCS/FOP (and FDP/FDS) of the last non-control instruction */
static void
x87_ptrs(struct emu_cpu *cpu, const struct emu_op *op, bool mem, uint64_t ea)
{
	struct emu_fpu *f = &cpu->fpu;

	f->fop = ((op->i.op & 7) << 8) | op->i.modrm;
	f->fip = cpu->rip;
	f->fcs = cpu->seg[EMU_CS].sel;
	if (mem) {
		f->fdp = ea;
		f->fds = cpu->seg[op->seg].sel;
	}
}

/* ---- environment images (SDM 1 figs. 8-9..8-12) ---- */

static int
env_size(const struct emu_op *op)
{
	return (op->i.opsize == 2 ? 14 : 28);
}

static bool
real_fmt(struct emu_cpu *cpu)
{
	return (!(cpu->cr0 & CR0_PE) || (cpu->rflags & FL_VM));
}

static void
env_store(struct emu_cpu *cpu, const struct emu_op *op, uint8_t *b)
{
	struct emu_fpu *f = &cpu->fpu;
	uint32_t w[7];

	memset(w, 0, sizeof(w));
	if (real_fmt(cpu)) {
		uint32_t ip = f->fip + ((uint32_t)f->fcs << 4);
		uint32_t dp = f->fdp + ((uint32_t)f->fds << 4);
		w[3] = ip & 0xffff;
		w[4] = ((ip >> 16) << 12) | f->fop;
		w[5] = dp & 0xffff;
		w[6] = (dp >> 16) << 12;
	} else {
		w[3] = f->fip;
		w[4] = f->fcs | ((uint32_t)f->fop << 16);
		w[5] = f->fdp;
		w[6] = f->fds;
	}
	w[0] = f->fcw;
	w[1] = f->fsw;
	w[2] = full_tw(cpu);
	if (op->i.opsize == 2) {
		for (int k = 0; k < 7; k++) {
			uint16_t v = w[k];
			memcpy(b + 2 * k, &v, 2);
		}
		return;
	}
	/* the reserved upper halves read as ones on real hardware */
	for (int k = 0; k < 3; k++)
		w[k] |= 0xffff0000u;
	w[6] |= real_fmt(cpu) ? 0 : 0xffff0000u;
	memcpy(b, w, 28);
}

static void
env_load(struct emu_cpu *cpu, const struct emu_op *op, const uint8_t *b)
{
	struct emu_fpu *f = &cpu->fpu;
	uint32_t w[7];
	uint16_t tw;

	if (op->i.opsize == 2) {
		for (int k = 0; k < 7; k++) {
			uint16_t v;
			memcpy(&v, b + 2 * k, 2);
			w[k] = v;
		}
	} else {
		memcpy(w, b, 28);
	}
	f->fcw = fcw_fix(w[0]);
	f->fsw = w[1];
	tw = w[2];
	f->ftw = 0;
	for (int i = 0; i < 8; i++)
		if (((tw >> (2 * i)) & 3) != 3)
			f->ftw |= 1u << i;
	if (real_fmt(cpu)) {
		f->fip = (w[3] & 0xffff) | ((w[4] >> 12) << 16);
		f->fop = w[4] & 0x7ff;
		f->fdp = (w[5] & 0xffff) | ((w[6] >> 12) << 16);
		f->fcs = f->fds = 0;
	} else {
		f->fip = w[3];
		f->fcs = w[4] & 0xffff;
		f->fop = (w[4] >> 16) & 0x7ff;
		f->fdp = w[5];
		f->fds = w[6] & 0xffff;
	}
	emu_fpu_fix_es(cpu);
}

/* D9 /4../7, DD /4 /6 /7: the control instructions with memory */
static const struct emu_op *
x87_ctl_mem(struct emu_cpu *cpu, const struct emu_op *op)
{
	int esc = op->i.op & 7, reg = op->i.reg & 7;
	struct emu_fpu *f = &cpu->fpu;
	uint8_t b[108];
	uint64_t la;
	int es = env_size(op);

	switch (esc << 3 | reg) {
	case 1 << 3 | 4:	/* FLDENV */
		la = simd_la(cpu, op, es, ACC_R, 0);
		simd_read_la(cpu, la, b, es);
		env_load(cpu, op, b);
		break;
	case 1 << 3 | 5:	/* FLDCW */
		f->fcw = fcw_fix(emu_read(cpu, op->seg, emu_ea(cpu, op), 2));
		emu_fpu_fix_es(cpu);
		break;
	case 1 << 3 | 6:	/* FNSTENV: then all exceptions masked */
		la = simd_la(cpu, op, es, ACC_W, 0);
		env_store(cpu, op, b);
		simd_write_la(cpu, la, b, es);
		f->fcw |= 0x3f;
		emu_fpu_fix_es(cpu);
		break;
	case 1 << 3 | 7:	/* FNSTCW */
		emu_write(cpu, op->seg, emu_ea(cpu, op), 2, f->fcw);
		break;
	case 5 << 3 | 4:	/* FRSTOR */
		la = simd_la(cpu, op, es + 80, ACC_R, 0);
		simd_read_la(cpu, la, b, es + 80);
		env_load(cpu, op, b);
		for (int i = 0; i < 8; i++) {
			int top = (f->fsw >> 11) & 7;
			struct emu_x87reg *r = &f->st[(top + i) & 7];
			memcpy(&r->mant, b + es + 10 * i, 8);
			memcpy(&r->sexp, b + es + 10 * i + 8, 2);
		}
		break;
	case 5 << 3 | 6: {	/* FNSAVE, then FNINIT */
		int top = (f->fsw >> 11) & 7;

		la = simd_la(cpu, op, es + 80, ACC_W, 0);
		env_store(cpu, op, b);
		for (int i = 0; i < 8; i++) {
			struct emu_x87reg *r = &f->st[(top + i) & 7];
			memcpy(b + es + 10 * i, &r->mant, 8);
			memcpy(b + es + 10 * i + 8, &r->sexp, 2);
		}
		simd_write_la(cpu, la, b, es + 80);
		emu_fpu_finit(cpu);
		break;
	}
	case 5 << 3 | 7:	/* FNSTSW m16 */
		emu_write(cpu, op->seg, emu_ea(cpu, op), 2, f->fsw);
		break;
	default:
		emu_fault(cpu, EXC_UD, 0);
	}
	return (emu_next(cpu, op));
}

/* is this a waiting instruction (checks for pending exceptions)? */
static bool
x87_waits(int esc, int modrm)
{
	if (modrm < 0xc0) {
		int reg = (modrm >> 3) & 7;
		/* FNSTENV FNSTCW; FNSAVE FNSTSW */
		if (esc == 1 && (reg == 6 || reg == 7))
			return (false);
		if (esc == 5 && (reg == 6 || reg == 7))
			return (false);
		return (true);
	}
	/* FNCLEX FNINIT; FNSTSW AX */
	if (esc == 3 && (modrm == 0xe2 || modrm == 0xe3))
		return (false);
	if (esc == 7 && modrm == 0xe0)
		return (false);
	return (true);
}

/* D8..DF */
static H(h_x87)
{
	struct emu_fpu *f = &cpu->fpu;
	int esc = op->i.op & 7, reg = op->i.reg & 7, n, sz = 0;
	uint8_t mem[16] = { 0 };
	struct fsave img;
	uint64_t ea = 0, la = 0;
	uint32_t ah = 0;

	x87_check(cpu);
	if (x87_waits(esc, op->i.modrm))
		x87_pending(cpu);
	if (op->i.mod == 3) {
		int m = op->i.modrm;

		if (esc == 3 && m == 0xe2) {		/* FNCLEX */
			f->fsw &= 0x7f00;	/* flags, SF, ES, B */
			return (emu_next(cpu, op));
		}
		if (esc == 3 && m == 0xe3) {		/* FNINIT */
			emu_fpu_finit(cpu);
			return (emu_next(cpu, op));
		}
		if (esc == 7 && m == 0xe0) {		/* FNSTSW AX */
			emu_setreg(cpu, R_AX, 2, 0, f->fsw);
			return (emu_next(cpu, op));
		}
		n = (esc << 6) | (m & 63);
		if (esc == 2 || esc == 3)		/* FCMOVcc */
			ah = emu_get_rflags(cpu) & 0xff;
	} else {
		sz = memsz[esc][reg];
		if (sz == 0)
			return (x87_ctl_mem(cpu, op));
		ea = emu_ea(cpu, op);
		if (sz > 0) {
			la = simd_la(cpu, op, sz, ACC_R, 0);
			simd_read_la(cpu, la, mem, sz);
		} else {
			/* check the destination before changing anything */
			la = simd_la(cpu, op, -sz, ACC_W, 0);
		}
		n = 512 + (esc << 3) + reg;
	}
	to_img(cpu, &img);
	ah = host_x87(n, &img, mem, ah);
	/*
	 * A store that raised an unmasked exception leaves memory alone
	 * (SDM 1 §8.5); FNSTSW m16 raises none and stores even with one
	 * pending, as it does not wait (SDM 2 FSTSW).
	 */
	if (sz < 0 && (!(img.sw & ~img.cw & 0x1f) || (esc == 5 && reg == 7)))
		simd_write_la(cpu, la, mem, -sz);	/* may fault: no commit */
	from_img(f, &img);
	x87_ptrs(cpu, op, op->i.mod != 3, ea);
	/* FCOMI/FUCOMI(P): ZF PF CF; OF SF AF cleared */
	if (op->i.mod == 3 && (esc == 3 || esc == 7) && op->i.modrm >= 0xe8 &&
	    op->i.modrm <= 0xf7)
		emu_set_arith(cpu, ah & (FL_ZF | FL_PF | FL_CF));
	return (emu_next(cpu, op));
}

/* 9B: FWAIT: #NM only with MP and TS; then pending exceptions */
static H(h_fwait)
{
	simd_lazy_init(cpu);
	if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		emu_fault(cpu, EXC_NM, 0);
	x87_pending(cpu);
	return (emu_next(cpu, op));
}

const struct emu_opreg emu_fpu_ops[] = {
	OP1(0xd8, h_x87, 0), OP1(0xd9, h_x87, 0), OP1(0xda, h_x87, 0),
	OP1(0xdb, h_x87, 0), OP1(0xdc, h_x87, 0), OP1(0xdd, h_x87, 0),
	OP1(0xde, h_x87, 0), OP1(0xdf, h_x87, 0),
	OP1(0x9b, h_fwait, 0),
	OPEND
};
