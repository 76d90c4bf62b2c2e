/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gdb_target.h: what lhyve's gdb server tells gdb about an x86-64 vCPU
 * (gdb_target.c): the target description (i386:x86-64, GDB manual
 * "Target Descriptions") and the register layout of g/G/p/P packets.
 */
#ifndef LHYVE_GDB_TARGET_H
#define LHYVE_GDB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gdb_reg {
	const char *name;
	int size;		/* bytes in the g packet */
	int vmreg;		/* enum vm_reg_name, or -1 (see fx) */
	bool writable;		/* P/G may set it */
	/*
	 * x87/SSE registers: where they are in vm_get_fpu's FXSAVE64 image
	 * (vmm.h), -1 for the others; fxlen bytes there (the rest of the
	 * register reads as zero).
	 */
	int fx, fxlen;
};

/*
 * gdb register numbers 0..GDB_NREGS-1, in g-packet order: rax rbx rcx rdx
 * rsi rdi rbp rsp r8-r15 rip eflags cs ss ds es fs gs (org.gnu.gdb.i386.core),
 * st0-7 and the x87 control registers (core), xmm0-15 and mxcsr
 * (org.gnu.gdb.i386.sse), fs_base gs_base (org.gnu.gdb.i386.segments),
 * k_gs_base cr0 cr2 cr3 cr4 cr8 efer (org.lhyve.gdb.x86.system).
 */
#define GDB_NREGS	66
#define GDB_REG_RIP	16
#define GDB_REG_EFLAGS	17
#define GDB_REG_ST0	24
#define GDB_REG_FCTRL	32
#define GDB_REG_FSTAT	33
#define GDB_REG_FTAG	34
#define GDB_REG_FISEG	35
#define GDB_REG_FIOFF	36
#define GDB_REG_FOSEG	37
#define GDB_REG_FOOFF	38
#define GDB_REG_FOP	39
#define GDB_REG_XMM0	40
#define GDB_REG_MXCSR	56
extern const struct gdb_reg gdb_regs[GDB_NREGS];

/* The g packet: bytes of all registers (little-endian). */
#define GDB_G_BYTES	608
/* The FXSAVE image behind st0..mxcsr (VM_FXSAVE_SIZE). */
#define GDB_FX_BYTES	512
/* The largest register (xmm). */
#define GDB_REG_MAX	16

/* The target description, as served by qXfer:features:read:target.xml. */
extern const char gdb_target_xml[];

/* Register regno comes from the FXSAVE image (st0..mxcsr). */
static inline bool
gdb_reg_is_fx(int regno)
{
	return (regno >= GDB_REG_ST0 && regno <= GDB_REG_MXCSR);
}

/*
 * g-packet hex of the registers: val[i] for available ones (vmreg >= 0
 * and have[i]), the x87/SSE ones from the FXSAVE image fx (NULL: the
 * backend has none), "xx" per byte otherwise.  out holds 2 * GDB_G_BYTES
 * + 1.
 */
void gdb_regs_encode(char *out, const uint64_t val[GDB_NREGS],
    const bool have[GDB_NREGS], const uint8_t *fx);
/* One register (p): hex of size bytes, or x's.  Returns its length. */
size_t gdb_reg_encode(char *out, int regno, uint64_t val, bool have);
/* One x87/SSE register from the image fx (NULL: x's), as above. */
size_t gdb_reg_encode_fx(char *out, int regno, const uint8_t *fx);
/*
 * Decode register regno from hex at *hex (P, G); advances *hex.  -1 on
 * bad hex; *val is the value (upper bits zero), unchanged for x's.
 */
int gdb_reg_decode(int regno, const char **hex, uint64_t *val, bool *have);
/* The same as bytes: b[0..size-1], little-endian as gdb sends them. */
int gdb_reg_decode_bytes(int regno, const char **hex,
    uint8_t b[GDB_REG_MAX], bool *have);

/*
 * An x87/SSE register's value in gdb's form from the image (b: size
 * bytes), and back into the image.  ftag is the full tag word of SDM
 * vol. 1 §8.1.7, made from the image's abridged one and the registers
 * (§10.5.1.1), as gdb's own FXSAVE code does; fop has 11 bits.
 * gdb_fx_put returns -EINVAL for an mxcsr with bits outside the image's
 * MXCSR_MASK (FXRSTOR would #GP).
 */
void gdb_fx_get(int regno, const uint8_t fx[GDB_FX_BYTES],
    uint8_t b[GDB_REG_MAX]);
int gdb_fx_put(int regno, uint8_t fx[GDB_FX_BYTES],
    const uint8_t b[GDB_REG_MAX]);

#endif /* LHYVE_GDB_TARGET_H */
