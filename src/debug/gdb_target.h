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
	int vmreg;		/* enum vm_reg_name, or -1: reported unavailable */
	bool writable;		/* P/G may set it */
};

/*
 * gdb register numbers 0..GDB_NREGS-1, in g-packet order: rax rbx rcx rdx
 * rsi rdi rbp rsp r8-r15 rip eflags cs ss ds es fs gs (org.gnu.gdb.i386.core),
 * st0-7 and the x87 control registers (core; unavailable), xmm0-15 and
 * mxcsr (org.gnu.gdb.i386.sse; unavailable), fs_base gs_base
 * (org.gnu.gdb.i386.segments), k_gs_base cr0 cr2 cr3 cr4 cr8 efer
 * (org.lhyve.gdb.x86.system).
 */
#define GDB_NREGS	66
#define GDB_REG_RIP	16
#define GDB_REG_EFLAGS	17
extern const struct gdb_reg gdb_regs[GDB_NREGS];

/* The g packet: bytes of all registers (little-endian). */
#define GDB_G_BYTES	608

/* The target description, as served by qXfer:features:read:target.xml. */
extern const char gdb_target_xml[];

/*
 * g-packet hex of the registers: val[i] for available ones (vmreg >= 0
 * and have[i]), "xx" per byte otherwise.  out holds 2 * GDB_G_BYTES + 1.
 */
void gdb_regs_encode(char *out, const uint64_t val[GDB_NREGS],
    const bool have[GDB_NREGS]);
/* One register (p): hex of size bytes, or x's.  Returns its length. */
size_t gdb_reg_encode(char *out, int regno, uint64_t val, bool have);
/*
 * Decode register regno from hex at *hex (P, G); advances *hex.  -1 on
 * bad hex; *val is the value (upper bits zero), unchanged for x's.
 */
int gdb_reg_decode(int regno, const char **hex, uint64_t *val, bool *have);

#endif /* LHYVE_GDB_TARGET_H */
