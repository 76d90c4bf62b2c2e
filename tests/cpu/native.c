/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * native.c: the oracle.  Runs test cases on the host CPU in a forked child
 * that maps the code page and scratch memory at the fixed addresses the
 * guest uses, enters each case through native_stub.S and catches faults
 * (SIGFPE, SIGSEGV, SIGILL, SIGBUS, SIGTRAP) as their vector.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/ldt.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "cputest.h"

int ct_native_enter(const struct ct_state *in, uint64_t code, int cs,
    const void *fx);
void ct_native_exit(void);
void ct_native_fault(void);
extern struct ct_state ct_native_out;
extern uint8_t ct_native_fx[CT_FX_SIZE];
extern char ct_native_tmpstack_top[];
/* native_stub.S: what the next case runs with besides its GPRs */
extern struct {
	uint64_t fsbase, gsbase;	/* with on: WRFSBASE/WRGSBASE */
	uint8_t on;
	uint8_t pad;
	uint16_t ds;		/* non-zero: DS, ES and SS selector */
} ct_native_seg;

static struct ct_state fault_state;
static int fault_vector;
static uint8_t fault_fx[CT_FX_SIZE];
static uint16_t cs64;			/* this process's code selector */
/* Linux's 32-bit user code segment (__USER32_CS), for compatibility mode */
#define CS32		0x23
/* 16-bit code and data segments: LDT entries 0 and 1, RPL 3 */
#define CS16		0x07
#define DS16		0x0f
static bool ldt_ok;
static uint16_t ss64;
/* Where compatibility-mode code far-jumps back to 64-bit code. */
#define CT_TRAMPOLINE	(CT_CODE_ADDR + 0x800)
static char altstack[64 * 1024] __attribute__((aligned(16)));

/* gregs[] index for each GPR in encoding order (sys/ucontext.h). */
static const int greg_of[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void
fault_handler(int sig, siginfo_t *si, void *uctx)
{
	ucontext_t *uc = uctx;
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP];

	/* 16-bit code reports IP: the linear address is CS.base + IP */
	if ((g[REG_CSGSFS] & 0xffff) == CS16)
		rip += CT_SEG16_CODE;
	/* A fault anywhere but the test code is a tester bug: die of it. */
	if (rip - CT_CODE_ADDR >= 4096) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigaction(sig, &dfl, NULL);
		return;
	}
	for (int i = 0; i < 16; i++)
		fault_state.gpr[i] = (uint64_t)g[greg_of[i]];
	fault_state.rip = rip;
	fault_state.rflags = (uint64_t)g[REG_EFL];
	/* The kernel stores the hardware vector in the signal frame. */
	fault_vector = (int)g[REG_TRAPNO];
	/* the x87/SSE state at the fault (FXSAVE layout, SDM vol. 1
	 * §10.5.1): the stub restores the host's own after the return */
	if (uc->uc_mcontext.fpregs != NULL)
		memcpy(fault_fx, uc->uc_mcontext.fpregs, CT_FX_SIZE);
	g[REG_RIP] = (greg_t)(uintptr_t)ct_native_fault;
	g[REG_RSP] = (greg_t)(uintptr_t)ct_native_tmpstack_top;
	/* back to 64-bit code if the fault was in compatibility mode, with
	 * the host's SS (bits 63:48, struct sigcontext's ss) if it was the
	 * 16-bit one */
	g[REG_CSGSFS] = (g[REG_CSGSFS] & ~(greg_t)0xffff00000000ffffULL) |
	    cs64 | (greg_t)ss64 << 48;
	g[REG_EFL] &= ~(greg_t)(FL_DF | 0x100);		/* DF, TF */
}

/*
 * The 16-bit segments of the m16 forms (modify_ldt(2)): code at
 * CT_SEG16_CODE and data at CT_SEG16_DATA, byte-granular limit 0xffff,
 * D/B = 0.  The kernel runs 16-bit code in a 64-bit process (with espfix
 * for the 16-bit SS on the way back to user mode).  0 or -1.
 */
static int
ldt_setup(void)
{
	struct user_desc d;

	memset(&d, 0, sizeof(d));
	d.entry_number = 0;
	d.base_addr = (unsigned)CT_SEG16_CODE;
	d.limit = 0xffff;
	d.contents = MODIFY_LDT_CONTENTS_CODE;
	d.useable = 1;
	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)) != 0)
		return (-1);
	d.entry_number = 1;
	d.base_addr = (unsigned)CT_SEG16_DATA;
	d.contents = MODIFY_LDT_CONTENTS_DATA;
	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)) != 0)
		return (-1);
	return (0);
}

/* The child's fixed mappings and handlers; 0 or -1. */
static int
child_setup(void)
{
	struct sigaction sa;
	stack_t ss;
	static const int sigs[] = { SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP };
	void *p;

	p = mmap((void *)CT_CODE_ADDR, 4096, PROT_READ | PROT_WRITE |
	    PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	    -1, 0);
	if (p != (void *)CT_CODE_ADDR) {
		fprintf(stderr, "cputest: cannot map the code page at 0x%llx: "
		    "%s\n", (unsigned long long)CT_CODE_ADDR, strerror(errno));
		return (-1);
	}
	p = mmap((void *)CT_MEM_ADDR, CT_MEM_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)CT_MEM_ADDR) {
		fprintf(stderr, "cputest: cannot map the scratch at 0x%llx: "
		    "%s\n", (unsigned long long)CT_MEM_ADDR, strerror(errno));
		return (-1);
	}
	__asm__ volatile("mov %%cs, %0" : "=r"(cs64));
	__asm__ volatile("mov %%ss, %0" : "=r"(ss64));
	ldt_ok = ldt_setup() == 0;
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) != 0)
		return (-1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return (-1);
	return (0);
}

/* jmp *0(%rip); .quad exit: back to the stub from 64-bit code */
static void
put_jmp_exit(uint8_t *p, uint64_t exitp)
{
	p[0] = 0xff;
	p[1] = 0x25;
	memset(p + 2, 0, 4);
	memcpy(p + 6, &exitp, 8);
}

/* Run cases [from, n) and store each result before the next one. */
static void
child_run(const struct ct_case *cases, int from, int n, const uint8_t *bg,
    struct ct_result *res, volatile int *progress)
{
	uint8_t *code = (uint8_t *)CT_CODE_ADDR;
	uint8_t *mem = (uint8_t *)CT_MEM_ADDR;
	uint64_t exitp = (uint64_t)(uintptr_t)ct_native_exit;

	put_jmp_exit(code + (CT_TRAMPOLINE - CT_CODE_ADDR), exitp);

	for (int i = from; i < n; i++) {
		const struct ct_case *c = &cases[i];
		struct ct_result *r = &res[i];
		int len = c->len;

		*progress = i;
		if (c->m16 && !ldt_ok) {
			memset(&r->st, 0, sizeof(r->st));
			r->vector = -1;
			r->status = ST_NATIVE_CRASH;
			snprintf(r->why, sizeof(r->why), "modify_ldt(2) "
			    "failed: no 16-bit code segment natively");
			continue;
		}
		memcpy(code, c->insn, len);
		if (c->m16) {
			/* ljmp $cs64, $trampoline with a 32-bit offset (66) */
			uint32_t t = (uint32_t)CT_TRAMPOLINE;

			code[len] = 0x66;
			code[len + 1] = 0xea;
			memcpy(code + len + 2, &t, 4);
			memcpy(code + len + 6, &cs64, 2);
		} else if (c->m32) {
			/* ljmp $cs64, $trampoline (valid in 32-bit code) */
			uint32_t t = (uint32_t)CT_TRAMPOLINE;

			code[len] = 0xea;
			memcpy(code + len + 1, &t, 4);
			memcpy(code + len + 5, &cs64, 2);
		} else {
			put_jmp_exit(code + len, exitp);
		}
		ct_case_memory(c, bg, mem);
		ct_native_seg.on = (c->tags & TAG_FSGS) != 0;
		ct_native_seg.fsbase = c->fsbase;
		ct_native_seg.gsbase = c->gsbase;
		ct_native_seg.ds = c->m16 ? DS16 : 0;
		if (ct_native_enter(&c->in, c->m16 ? 0 : CT_CODE_ADDR,
		    c->m16 ? CS16 : c->m32 ? CS32 : cs64, c->fpu ? c->fx :
		    NULL) == 0) {
			r->st = ct_native_out;
			r->st.rip = CT_CODE_ADDR + len;
			r->vector = -1;
			if (c->fpu)
				memcpy(r->fx, ct_native_fx, CT_FX_SIZE);
		} else {
			r->st = fault_state;
			r->vector = fault_vector;
			if (c->fpu)
				memcpy(r->fx, fault_fx, CT_FX_SIZE);
		}
		r->status = ST_OK;
		r->end_rip = r->st.rip;
		r->why[0] = '\0';
		memcpy(r->mem, mem, CT_MEM_SIZE);
	}
	*progress = n;
}

int
ct_native_run(const struct ct_case *cases, int n, const uint8_t *bg,
    struct ct_result *res)
{
	volatile int *progress;
	int from = 0;

	progress = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (progress == MAP_FAILED)
		return (-1);
	while (from < n) {
		pid_t pid, parent;
		int status;

		*progress = from;
		fflush(NULL);
		parent = getpid();
		pid = fork();
		if (pid < 0) {
			munmap((void *)progress, 4096);
			return (-1);
		}
		if (pid == 0) {
			/* never outlive the tester (e.g. a killed worker) */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(3);
			if (child_setup() != 0)
				_exit(2);
			child_run(cases, from, n, bg, res, progress);
			_exit(0);
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    *progress >= n)
			break;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
			munmap((void *)progress, 4096);
			return (-1);
		}
		/* The case in progress killed the child: note it, go on. */
		{
			int bad = *progress;
			struct ct_result *r = &res[bad];

			memset(&r->st, 0, sizeof(r->st));
			r->vector = -1;
			r->status = ST_NATIVE_CRASH;
			snprintf(r->why, sizeof(r->why), "native child died "
			    "(status 0x%x)", status);
			from = bad + 1;
		}
	}
	munmap((void *)progress, 4096);
	return (0);
}
