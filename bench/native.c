/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * native.c: runs the bench/mips workloads (bench/guests/workloads.S) on the
 * host CPU, for the native column, and counts their instructions exactly
 * by single-stepping them under ptrace.
 *
 *   native WL N        run workload WL for N iterations; prints
 *                      NATIVE wl=WL n=N result=<hex> seconds=<s>
 *   native -c WL N     count the instructions WL executes inside
 *                      [wl_text_begin, wl_text_end) for N iterations;
 *                      prints COUNT wl=WL n=N insns=<count>
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef uint64_t wl_fn(uint64_t);

void	wl_init(void);
wl_fn	wl_alu, wl_mem, wl_branch, wl_call, wl_crc;
extern const char wl_text_begin[], wl_text_end[];

static const struct {
	const char	*name;
	wl_fn		*fn;
} workloads[] = {
	{ "alu", wl_alu },
	{ "mem", wl_mem },
	{ "branch", wl_branch },
	{ "call", wl_call },
	{ "crc", wl_crc },
};

static wl_fn *
find_workload(const char *name)
{
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (strcmp(workloads[i].name, name) == 0)
			return (workloads[i].fn);
	return (NULL);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * Single-step a child that runs the workload once and count the steps
 * whose RIP lies in the workload text: everything else the child does
 * (libc, the kernel's signal return path) is left out.
 */
static int
count_insns(wl_fn *fn, uint64_t n, uint64_t *count)
{
	struct user_regs_struct regs;
	uintptr_t lo = (uintptr_t)wl_text_begin, hi = (uintptr_t)wl_text_end;
	pid_t pid;
	int st;

	wl_init();	/* inherited by the child: not stepped */
	pid = fork();
	if (pid < 0)
		return (-errno);
	if (pid == 0) {
		volatile uint64_t sink;

		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(125);
		raise(SIGSTOP);
		sink = fn(n);
		(void)sink;
		_exit(0);
	}
	*count = 0;
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return (-ECHILD);
	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) != 0)
			return (-errno);
		if (waitpid(pid, &st, 0) != pid)
			return (-errno);
		if (WIFEXITED(st))
			return (WEXITSTATUS(st) == 0 ? 0 : -EIO);
		if (!WIFSTOPPED(st))
			return (-EIO);
		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0)
			return (-errno);
		/* Each stop follows one instruction; RIP is the next one. */
		if (regs.rip >= lo && regs.rip < hi)
			(*count)++;
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: native [-c] alu|mem|branch|call|crc N\n");
	return (2);
}

int
main(int argc, char **argv)
{
	uint64_t n, result, count = 0;
	wl_fn *fn;
	double t0, t1;
	int counting = 0, error;
	char *end;

	if (argc == 4 && strcmp(argv[1], "-c") == 0) {
		counting = 1;
		argv++;
		argc--;
	}
	if (argc != 3)
		return (usage());
	fn = find_workload(argv[1]);
	errno = 0;
	n = strtoull(argv[2], &end, 10);
	if (fn == NULL || errno != 0 || *end != '\0' || end == argv[2])
		return (usage());

	if (counting) {
		error = count_insns(fn, n, &count);
		if (error != 0) {
			fprintf(stderr, "native: cannot single-step: %s\n",
			    strerror(-error));
			return (1);
		}
		printf("COUNT wl=%s n=%" PRIu64 " insns=%" PRIu64 "\n",
		    argv[1], n, count);
		return (0);
	}
	wl_init();
	t0 = now();
	result = fn(n);
	t1 = now();
	printf("NATIVE wl=%s n=%" PRIu64 " result=%016" PRIX64
	    " seconds=%.6f\n", argv[1], n, result, t1 - t0);
	return (0);
}
