/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * trace.c: a debugging trace for the emu backend, meant for diffing a guest
 * run against QEMU's (-d int,cpu_reset,in_asm / -d cpu with one insn per
 * TB): every exception and interrupt delivered (vector, error code, CS:RIP,
 * CR2), the cause of a triple fault, port I/O, MMIO and MSR exits, and
 * optionally every executed instruction with its bytes and the registers.
 * Selected by LHYVE_EMU_TRACE or the config variable emu.trace (-o), a
 * comma or '|' separated list of exc, insn, regs, io, msr, all; written to
 * stderr or to LHYVE_EMU_TRACE_FILE / emu.trace_file; instruction tracing
 * may be held back until a given RIP (hex) first runs with
 * LHYVE_EMU_TRACE_START / emu.trace_start.  When nothing is
 * selected the run loop pays one predictable branch per block.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "vmm/emu/cpu.h"
#include "vmm/emu/trace.h"

int emu_trace_mask;
static FILE *trace_fp;
static pthread_mutex_t trace_mtx = PTHREAD_MUTEX_INITIALIZER;
static bool trace_inited;
/* insn tracing starts when this RIP is first executed (0: at once) */
static uint64_t trace_start;
static _Atomic bool trace_started;
/* write guest lowmem to this file when tracing starts (NULL: don't) */
static const char *trace_dump;

static const struct {
	const char *name;
	int mask;
} trace_names[] = {
	{ "exc", EMU_TR_EXC },
	{ "exceptions", EMU_TR_EXC },
	{ "insn", EMU_TR_INSN | EMU_TR_EXC },
	{ "regs", EMU_TR_REGS | EMU_TR_INSN | EMU_TR_EXC },
	{ "io", EMU_TR_IO },
	{ "msr", EMU_TR_MSR },
	{ "all", EMU_TR_EXC | EMU_TR_INSN | EMU_TR_REGS | EMU_TR_IO |
	    EMU_TR_MSR },
};

/* Parse "exc,io" / "exc|insn"; -EINVAL names the bad word. */
static int
trace_parse(const char *s, int *maskp)
{
	char buf[128], *w, *save = NULL;
	int mask = 0;

	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "lhyve: emu.trace: value too long\n");
		return (-EINVAL);
	}
	strcpy(buf, s);
	for (w = strtok_r(buf, ",| ", &save); w != NULL;
	    w = strtok_r(NULL, ",| ", &save)) {
		size_t k;

		for (k = 0; k < sizeof(trace_names) / sizeof(trace_names[0]);
		    k++) {
			if (strcmp(w, trace_names[k].name) == 0)
				break;
		}
		if (k == sizeof(trace_names) / sizeof(trace_names[0])) {
			fprintf(stderr, "lhyve: emu.trace: unknown item '%s' "
			    "(exc, insn, regs, io, msr, all)\n", w);
			return (-EINVAL);
		}
		mask |= trace_names[k].mask;
	}
	*maskp = mask;
	return (0);
}

int
emu_trace_init(void)
{
	const char *s, *file;
	int mask = 0, error;

	if (trace_inited)
		return (0);
	trace_inited = true;
	s = getenv("LHYVE_EMU_TRACE");
	if (s == NULL || *s == '\0')
		s = get_config_value("emu.trace");
	if (s == NULL || *s == '\0')
		return (0);
	error = trace_parse(s, &mask);
	if (error != 0)
		return (error);
	file = getenv("LHYVE_EMU_TRACE_FILE");
	if (file == NULL || *file == '\0')
		file = get_config_value("emu.trace_file");
	trace_fp = stderr;
	if (file != NULL && *file != '\0') {
		trace_fp = fopen(file, "w");
		if (trace_fp == NULL) {
			error = -errno;
			fprintf(stderr, "lhyve: emu.trace_file %s: %s\n", file,
			    strerror(errno));
			return (error);
		}
		/* large buffer: an insn trace writes millions of lines */
		setvbuf(trace_fp, NULL, _IOFBF, 1 << 20);
	}
	s = getenv("LHYVE_EMU_TRACE_START");
	if (s == NULL || *s == '\0')
		s = get_config_value("emu.trace_start");
	if (s != NULL && *s != '\0')
		trace_start = strtoull(s, NULL, 16);
	trace_started = trace_start == 0;
	trace_dump = getenv("LHYVE_EMU_TRACE_DUMP");
	if (trace_dump == NULL || *trace_dump == '\0')
		trace_dump = get_config_value("emu.trace_dump");
	if (trace_dump != NULL && *trace_dump == '\0')
		trace_dump = NULL;
	emu_trace_mask = mask;
	return (0);
}

void
emu_trace_printf(struct emu_cpu *cpu, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&trace_mtx);
	fprintf(trace_fp, "emu%d: ", cpu->vcpu != NULL ? cpu->vcpu->id : 0);
	va_start(ap, fmt);
	vfprintf(trace_fp, fmt, ap);
	va_end(ap);
	fputc('\n', trace_fp);
	if (trace_fp == stderr || !(emu_trace_mask & EMU_TR_INSN))
		fflush(trace_fp);
	pthread_mutex_unlock(&trace_mtx);
}

static const char *
vec_name(int vec)
{
	static const char *names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "r15",
		"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};

	if (vec >= 0 && vec < 32 && names[vec] != NULL)
		return (names[vec]);
	return ("int");
}

void
emu_trace_deliver(struct emu_cpu *cpu, int vec, bool has_err, uint32_t err,
    bool soft)
{
	char e[24] = "";

	if (has_err)
		snprintf(e, sizeof(e), " err=%#x", err);
	emu_trace_printf(cpu, "%s vec=%d(%s)%s at %04x:%016" PRIx64
	    " rsp=%016" PRIx64 " cr2=%016" PRIx64 " cpl=%d",
	    soft ? "soft-int" : vec < 32 ? "exception" : "interrupt",
	    vec, vec_name(vec), e, cpu->seg[EMU_CS].sel, cpu->rip,
	    cpu->r[R_SP], cpu->cr2, cpu->cpl);
}

void
emu_trace_triple(struct emu_cpu *cpu, int prev, int vec, uint32_t err)
{
	emu_trace_printf(cpu, "TRIPLE FAULT: %s (vec %d, err %#x) while "
	    "delivering %s (vec %d) at %04x:%016" PRIx64 " cr2=%016" PRIx64
	    " idtr=%016" PRIx64 "/%#x", vec_name(vec), vec, err,
	    vec_name(prev), prev, cpu->seg[EMU_CS].sel, cpu->rip, cpu->cr2,
	    cpu->idtr_base, cpu->idtr_limit);
}

void
emu_trace_exit(struct emu_cpu *cpu, const void *arg)
{
	const struct vm_exit *vme = arg;

	switch (vme->exitcode) {
	case VM_EXITCODE_INOUT:
		if (!(emu_trace_mask & EMU_TR_IO))
			return;
		emu_trace_printf(cpu, "%s port=%#x size=%d val=%#x at "
		    "%016" PRIx64, vme->u.inout.in ? "in " : "out",
		    vme->u.inout.port, vme->u.inout.bytes, vme->u.inout.eax,
		    cpu->rip);
		break;
	case VM_EXITCODE_MMIO:
		if (!(emu_trace_mask & EMU_TR_IO))
			return;
		emu_trace_printf(cpu, "mmio %s gpa=%#" PRIx64 " size=%d "
		    "val=%#" PRIx64 " at %016" PRIx64,
		    vme->u.mmio.read ? "read " : "write", vme->u.mmio.gpa,
		    vme->u.mmio.bytes, vme->u.mmio.data, cpu->rip);
		break;
	case VM_EXITCODE_RDMSR:
		if (!(emu_trace_mask & EMU_TR_MSR))
			return;
		emu_trace_printf(cpu, "rdmsr %#x at %016" PRIx64,
		    vme->u.msr.code, cpu->rip);
		break;
	case VM_EXITCODE_WRMSR:
		if (!(emu_trace_mask & EMU_TR_MSR))
			return;
		emu_trace_printf(cpu, "wrmsr %#x val=%#" PRIx64 " at %016"
		    PRIx64, vme->u.msr.code, vme->u.msr.wval, cpu->rip);
		break;
	default:
		break;
	}
}

void
emu_trace_suspend(struct emu_cpu *cpu, int how)
{
	static const char *names[VM_SUSPEND_LAST] = {
		[VM_SUSPEND_RESET] = "reset",
		[VM_SUSPEND_POWEROFF] = "power-off",
		[VM_SUSPEND_HALT] = "halt (HLT with IF=0 on every vCPU)",
		[VM_SUSPEND_TRIPLEFAULT] = "triple fault",
	};

	emu_trace_printf(cpu, "VM suspended: %s; this vCPU at %04x:%016" PRIx64,
	    how > VM_SUSPEND_NONE && how < VM_SUSPEND_LAST ? names[how] : "?",
	    cpu->seg[EMU_CS].sel, cpu->rip);
}

/* The instruction bytes through the execute TLB entry, if it is there. */
static int
insn_bytes(struct emu_cpu *cpu, const struct emu_op *op, char *buf,
    size_t bufsz)
{
	uint64_t la;
	struct emu_tlbe *e;
	const uint8_t *p;
	size_t n = 0;

	if (cpu->long64)
		la = cpu->rip;
	else
		la = (cpu->seg[EMU_CS].base + cpu->rip) & 0xffffffffULL;
	e = &cpu->tlb[(la >> 12) & (EMU_TLB_SIZE - 1)];
	if (e->tag_x != (la & EMU_PAGE_MASK) ||
	    (la & 0xfff) + op->i.len > 0x1000) {
		snprintf(buf, bufsz, "?");
		return (0);
	}
	p = (const uint8_t *)(uintptr_t)(la + e->addend);
	buf[0] = '\0';
	for (int k = 0; k < op->i.len && n + 3 < bufsz; k++)
		n += snprintf(buf + n, bufsz - n, "%s%02x", k ? " " : "",
		    p[k]);
	return (op->i.len);
}

static void
trace_insn(struct emu_cpu *cpu, const struct emu_op *op)
{
	char bytes[64];

	insn_bytes(cpu, op, bytes, sizeof(bytes));
	if (!(emu_trace_mask & EMU_TR_REGS)) {
		emu_trace_printf(cpu, "%04x:%016" PRIx64 " %s",
		    cpu->seg[EMU_CS].sel, cpu->rip, bytes);
		return;
	}
	emu_trace_printf(cpu, "%04x:%016" PRIx64 " %-30s rax=%" PRIx64
	    " rbx=%" PRIx64 " rcx=%" PRIx64 " rdx=%" PRIx64 " rsi=%" PRIx64
	    " rdi=%" PRIx64 " rbp=%" PRIx64 " rsp=%" PRIx64 " r8=%" PRIx64
	    " r9=%" PRIx64 " r10=%" PRIx64 " r11=%" PRIx64 " r12=%" PRIx64
	    " r13=%" PRIx64 " r14=%" PRIx64 " r15=%" PRIx64 " fl=%" PRIx64,
	    cpu->seg[EMU_CS].sel, cpu->rip, bytes, cpu->r[R_AX],
	    cpu->r[R_BX], cpu->r[R_CX], cpu->r[R_DX], cpu->r[R_SI],
	    cpu->r[R_DI], cpu->r[R_BP], cpu->r[R_SP], cpu->r[8], cpu->r[9],
	    cpu->r[10], cpu->r[11], cpu->r[12], cpu->r[13], cpu->r[14],
	    cpu->r[15], emu_get_rflags(cpu));
}

/* Guest lowmem to trace_dump, for comparing memory with a reference. */
static void
dump_lowmem(struct emu_cpu *cpu)
{
	size_t len = vm_get_lowmem_size(cpu->ctx);
	void *p = vm_map_gpa(cpu->ctx, 0, len);
	FILE *f = fopen(trace_dump, "w");

	if (f == NULL || p == NULL || fwrite(p, 1, len, f) != len)
		emu_trace_printf(cpu, "cannot dump guest memory to %s",
		    trace_dump);
	else
		emu_trace_printf(cpu, "guest memory [0, %#zx) written to %s",
		    len, trace_dump);
	if (f != NULL)
		fclose(f);
}

const struct emu_op *
emu_trace_run(struct emu_cpu *cpu, const struct emu_block *b,
    const struct emu_op *op)
{
	(void)b;
	do {
		cpu->cur_op = op;
		if (unlikely(!trace_started) && cpu->rip == trace_start) {
			trace_started = true;
			if (trace_dump != NULL)
				dump_lowmem(cpu);
		}
		if (op->fn != emu_h_end && trace_started)
			trace_insn(cpu, op);
		op = op->fn(cpu, op);
	} while (op != NULL && !cpu->stop);
	return (op);
}
