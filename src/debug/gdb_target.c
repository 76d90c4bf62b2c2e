/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gdb_target.c: the x86-64 target as lhyve's gdb server describes it: the
 * register table behind g/G/p/P and the target description gdb reads with
 * qXfer:features:read (GDB manual, "Target Descriptions", "i386 Features").
 * The x87 and SSE registers gdb insists on (the whole
 * org.gnu.gdb.i386.core feature) come from the backend's FXSAVE image
 * (vm_get_fpu) and go back into it, converted as gdb's own i387 FXSAVE
 * code does; a backend without one reports them unavailable ("xx" bytes),
 * which gdb shows as <unavailable>.
 */
#include <errno.h>
#include <string.h>

#include "debug/gdb_proto.h"
#include "debug/gdb_target.h"
#include "vmm/vmm.h"

#define R(n, s, r, w)	{ n, s, r, w, -1, 0 }
#define FX(n, s, o, l)	{ n, s, -1, true, o, l }
#define ST(i)		FX("st" #i, 10, 32 + 16 * (i), 10)
#define XMM(i)		FX("xmm" #i, 16, 160 + 16 * (i), 16)

_Static_assert(GDB_FX_BYTES == VM_FXSAVE_SIZE, "the vmm.h FXSAVE image");

const struct gdb_reg gdb_regs[GDB_NREGS] = {
	R("rax", 8, VM_REG_GUEST_RAX, true),
	R("rbx", 8, VM_REG_GUEST_RBX, true),
	R("rcx", 8, VM_REG_GUEST_RCX, true),
	R("rdx", 8, VM_REG_GUEST_RDX, true),
	R("rsi", 8, VM_REG_GUEST_RSI, true),
	R("rdi", 8, VM_REG_GUEST_RDI, true),
	R("rbp", 8, VM_REG_GUEST_RBP, true),
	R("rsp", 8, VM_REG_GUEST_RSP, true),
	R("r8", 8, VM_REG_GUEST_R8, true),
	R("r9", 8, VM_REG_GUEST_R9, true),
	R("r10", 8, VM_REG_GUEST_R10, true),
	R("r11", 8, VM_REG_GUEST_R11, true),
	R("r12", 8, VM_REG_GUEST_R12, true),
	R("r13", 8, VM_REG_GUEST_R13, true),
	R("r14", 8, VM_REG_GUEST_R14, true),
	R("r15", 8, VM_REG_GUEST_R15, true),
	R("rip", 8, VM_REG_GUEST_RIP, true),
	R("eflags", 4, VM_REG_GUEST_RFLAGS, true),
	/* selectors alone cannot be loaded without their descriptors */
	R("cs", 4, VM_REG_GUEST_CS, false),
	R("ss", 4, VM_REG_GUEST_SS, false),
	R("ds", 4, VM_REG_GUEST_DS, false),
	R("es", 4, VM_REG_GUEST_ES, false),
	R("fs", 4, VM_REG_GUEST_FS, false),
	R("gs", 4, VM_REG_GUEST_GS, false),
	/*
	 * SDM vol. 1 §10.5.1 table 10-2, 64-bit layout.  fiseg/foseg are
	 * bits 63:32 of FIP/FDP there, which is what gdb's amd64 FXSAVE
	 * code puts in them too.
	 */
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7),
	FX("fctrl", 4, 0, 2),
	FX("fstat", 4, 2, 2),
	FX("ftag", 4, 4, 1),		/* abridged in the image */
	FX("fiseg", 4, 12, 4),
	FX("fioff", 4, 8, 4),
	FX("foseg", 4, 20, 4),
	FX("fooff", 4, 16, 4),
	FX("fop", 4, 6, 2),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	FX("mxcsr", 4, 24, 4),
	R("fs_base", 8, VM_REG_GUEST_FS_BASE, true),
	R("gs_base", 8, VM_REG_GUEST_GS_BASE, true),
	R("k_gs_base", 8, VM_REG_GUEST_KGS_BASE, true),
	R("cr0", 8, VM_REG_GUEST_CR0, false),
	R("cr2", 8, VM_REG_GUEST_CR2, true),
	R("cr3", 8, VM_REG_GUEST_CR3, false),
	R("cr4", 8, VM_REG_GUEST_CR4, false),
	R("cr8", 8, VM_REG_GUEST_CR8, false),
	R("efer", 8, VM_REG_GUEST_EFER, false),
};

/*
 * One document, no xi:include, so one qXfer annex serves it all.  Register
 * numbers are implicit (document order), matching gdb_regs[].
 */
const char gdb_target_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "<architecture>i386:x86-64</architecture>\n"
    "<feature name=\"org.gnu.gdb.i386.core\">\n"
    "<flags id=\"i386_eflags\" size=\"4\">\n"
    "<field name=\"CF\" start=\"0\" end=\"0\"/>"
    "<field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/>"
    "<field name=\"AF\" start=\"4\" end=\"4\"/>"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/>"
    "<field name=\"SF\" start=\"7\" end=\"7\"/>"
    "<field name=\"TF\" start=\"8\" end=\"8\"/>"
    "<field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/>"
    "<field name=\"OF\" start=\"11\" end=\"11\"/>"
    "<field name=\"NT\" start=\"14\" end=\"14\"/>"
    "<field name=\"RF\" start=\"16\" end=\"16\"/>"
    "<field name=\"VM\" start=\"17\" end=\"17\"/>"
    "<field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/>"
    "<field name=\"VIP\" start=\"20\" end=\"20\"/>"
    "<field name=\"ID\" start=\"21\" end=\"21\"/>\n"
    "</flags>\n"
    "<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
    "<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
    "<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
    "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
    "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "</feature>\n"
    "<feature name=\"org.gnu.gdb.i386.sse\">\n"
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
    "<union id=\"vec128\">"
    "<field name=\"v4_float\" type=\"v4f\"/>"
    "<field name=\"v2_double\" type=\"v2d\"/>"
    "<field name=\"v16_int8\" type=\"v16i8\"/>"
    "<field name=\"v8_int16\" type=\"v8i16\"/>"
    "<field name=\"v4_int32\" type=\"v4i32\"/>"
    "<field name=\"v2_int64\" type=\"v2i64\"/>"
    "<field name=\"uint128\" type=\"uint128\"/>"
    "</union>\n"
    "<flags id=\"i386_mxcsr\" size=\"4\">"
    "<field name=\"IE\" start=\"0\" end=\"0\"/>"
    "<field name=\"DE\" start=\"1\" end=\"1\"/>"
    "<field name=\"ZE\" start=\"2\" end=\"2\"/>"
    "<field name=\"OE\" start=\"3\" end=\"3\"/>"
    "<field name=\"UE\" start=\"4\" end=\"4\"/>"
    "<field name=\"PE\" start=\"5\" end=\"5\"/>"
    "<field name=\"DAZ\" start=\"6\" end=\"6\"/>"
    "<field name=\"IM\" start=\"7\" end=\"7\"/>"
    "<field name=\"DM\" start=\"8\" end=\"8\"/>"
    "<field name=\"ZM\" start=\"9\" end=\"9\"/>"
    "<field name=\"OM\" start=\"10\" end=\"10\"/>"
    "<field name=\"UM\" start=\"11\" end=\"11\"/>"
    "<field name=\"PM\" start=\"12\" end=\"12\"/>"
    "<field name=\"FZ\" start=\"15\" end=\"15\"/>"
    "</flags>\n"
    "<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm1\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm2\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm3\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm4\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm5\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm6\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm7\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm8\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm9\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm10\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm11\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm12\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm13\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm14\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm15\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" "
    "group=\"vector\"/>\n"
    "</feature>\n"
    "<feature name=\"org.gnu.gdb.i386.segments\">\n"
    "<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>\n"
    "<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
    "</feature>\n"
    "<feature name=\"org.lhyve.gdb.x86.system\">\n"
    "<reg name=\"k_gs_base\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"cr0\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"cr2\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"cr3\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"cr4\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"cr8\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"efer\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "</feature>\n"
    "</target>\n";

size_t
gdb_reg_encode(char *out, int regno, uint64_t val, bool have)
{
	int size = gdb_regs[regno].size;
	uint8_t b[GDB_REG_MAX] = { 0 };

	if (!have || gdb_regs[regno].vmreg < 0) {
		memset(out, 'x', 2 * size);
		out[2 * size] = '\0';
		return (2 * size);
	}
	/* x86 is little-endian, and so is the g packet for it */
	for (int i = 0; i < size && i < 8; i++)
		b[i] = (uint8_t)(val >> (8 * i));
	gdb_hex_encode(out, b, size);
	return (2 * size);
}

size_t
gdb_reg_encode_fx(char *out, int regno, const uint8_t *fx)
{
	int size = gdb_regs[regno].size;
	uint8_t b[GDB_REG_MAX];

	if (fx == NULL || gdb_regs[regno].fx < 0) {
		memset(out, 'x', 2 * size);
		out[2 * size] = '\0';
		return (2 * size);
	}
	gdb_fx_get(regno, fx, b);
	gdb_hex_encode(out, b, size);
	return (2 * size);
}

void
gdb_regs_encode(char *out, const uint64_t val[GDB_NREGS],
    const bool have[GDB_NREGS], const uint8_t *fx)
{
	size_t n = 0;

	for (int i = 0; i < GDB_NREGS; i++) {
		if (gdb_reg_is_fx(i))
			n += gdb_reg_encode_fx(out + n, i, fx);
		else
			n += gdb_reg_encode(out + n, i, val[i], have[i]);
	}
	out[n] = '\0';
}

int
gdb_reg_decode_bytes(int regno, const char **hex, uint8_t b[GDB_REG_MAX],
    bool *have)
{
	int size = gdb_regs[regno].size;
	const char *h = *hex;

	if (strlen(h) < (size_t)(2 * size))
		return (-1);
	if (h[0] == 'x') {
		*have = false;
		*hex = h + 2 * size;
		return (0);
	}
	memset(b, 0, GDB_REG_MAX);
	if (gdb_hex_decode(b, h, size) != 0)
		return (-1);
	*have = true;
	*hex = h + 2 * size;
	return (0);
}

int
gdb_reg_decode(int regno, const char **hex, uint64_t *val, bool *have)
{
	int size = gdb_regs[regno].size;
	uint8_t b[GDB_REG_MAX];
	bool h;

	if (gdb_reg_decode_bytes(regno, hex, b, &h) != 0)
		return (-1);
	*have = h;
	if (!h)
		return (0);
	*val = 0;
	for (int i = 0; i < size && i < 8; i++)
		*val |= (uint64_t)b[i] << (8 * i);
	return (0);
}

/* ---- the x87/SSE registers and the FXSAVE image ---- */

/*
 * The 2-bit tag of an 80-bit register's contents (SDM vol. 1 §8.1.7,
 * table 8-3 classes): 0 valid, 1 zero, 2 special (NaN, infinity,
 * denormal, unnormal); the image's abridged tag says only empty or not.
 */
static int
x87_tag(const uint8_t r[10])
{
	uint64_t mant;
	uint16_t exp;

	memcpy(&mant, r, 8);
	memcpy(&exp, r + 8, 2);
	exp &= 0x7fff;
	if (exp == 0x7fff)
		return (2);
	if (exp == 0)
		return (mant == 0 ? 1 : 2);
	return ((mant >> 63) ? 0 : 2);
}

void
gdb_fx_get(int regno, const uint8_t fx[GDB_FX_BYTES], uint8_t b[GDB_REG_MAX])
{
	const struct gdb_reg *r = &gdb_regs[regno];
	uint16_t fsw, tag = 0;
	int top, st;

	memset(b, 0, GDB_REG_MAX);
	if (regno == GDB_REG_FTAG) {
		/* the tag word is by physical register: R(i) = ST(i - TOP) */
		memcpy(&fsw, fx + 2, 2);
		top = (fsw >> 11) & 7;
		for (int i = 0; i < 8; i++) {
			st = (i - top) & 7;
			if (fx[4] & (1u << i))
				tag |= x87_tag(fx + 32 + 16 * st) << (2 * i);
			else
				tag |= 3u << (2 * i);
		}
		memcpy(b, &tag, 2);
		return;
	}
	memcpy(b, fx + r->fx, r->fxlen);
	if (regno == GDB_REG_FOP)
		b[1] &= 0x07;
}

int
gdb_fx_put(int regno, uint8_t fx[GDB_FX_BYTES], const uint8_t b[GDB_REG_MAX])
{
	const struct gdb_reg *r = &gdb_regs[regno];
	uint32_t mx, mask;
	uint16_t tag;
	uint8_t ftw = 0;

	if (regno == GDB_REG_FTAG) {
		/* abridged: a bit per register, set unless tagged empty */
		memcpy(&tag, b, 2);
		for (int i = 0; i < 8; i++)
			if (((tag >> (2 * i)) & 3) != 3)
				ftw |= 1u << i;
		fx[4] = ftw;
		return (0);
	}
	if (regno == GDB_REG_MXCSR) {
		/* SDM vol. 1 §11.6.6: a zero MXCSR_MASK means 0xFFBF */
		memcpy(&mx, b, 4);
		memcpy(&mask, fx + 28, 4);
		if (mask == 0)
			mask = 0xffbf;
		if (mx & ~mask)
			return (-EINVAL);
	}
	memcpy(fx + r->fx, b, r->fxlen);
	if (regno == GDB_REG_FOP)
		fx[7] &= 0x07;
	return (0);
}
