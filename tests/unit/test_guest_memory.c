/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_guest_memory.c: -S and -C (src/guest_memory.c) on a real VM's
 * guest RAM, checked in the kernel's own view of the mapping
 * (/proc/self/smaps VmFlags: "lo" locked, "dd" not in core dumps), and
 * the -S error when mlock is not allowed (RLIMIT_MEMLOCK, no
 * CAP_IPC_LOCK).
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "guest_memory.h"
#include "vmm/vmm.h"

#define RAM	(16ULL << 20)

static struct vmctx *
mkvm(void)
{
	char err[128];
	struct vmctx *ctx = vm_create("t", "emu", 1, err, sizeof(err));

	assert_non_null(ctx);
	assert_int_equal(vm_setup_memory(ctx, RAM), 0);
	return (ctx);
}

/* The VmFlags line of the mapping that holds p. */
static void
vmflags(const void *p, char *flags, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	uintptr_t lo, hi, a = (uintptr_t)p;
	bool in = false;

	assert_non_null(f);
	flags[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, len, "%s", line + 8);
			break;
		}
	}
	fclose(f);
	assert_true(flags[0] != '\0');
}

static bool
has_flag(const char *flags, const char *f)
{
	char pat[8];

	snprintf(pat, sizeof(pat), " %s", f);
	return (strstr(flags, pat) != NULL);
}

static void
test_default(void **state)
{
	struct vmctx *ctx = mkvm();
	char err[256] = "", fl[512];

	(void)state;
	/* No -S, no -C: out of core dumps, not locked (bhyve's default). */
	assert_int_equal(guest_memory_apply(ctx, false, false, err,
	    sizeof(err)), 0);
	vmflags(vm_map_gpa(ctx, 0, RAM), fl, sizeof(fl));
	assert_true(has_flag(fl, "dd"));
	assert_false(has_flag(fl, "lo"));
	vm_destroy(ctx);
}

static void
test_in_core(void **state)
{
	struct vmctx *ctx = mkvm();
	char err[256] = "", fl[512];

	(void)state;
	/* -C: left in core dumps. */
	assert_int_equal(guest_memory_apply(ctx, false, true, err,
	    sizeof(err)), 0);
	vmflags(vm_map_gpa(ctx, 0, RAM), fl, sizeof(fl));
	assert_false(has_flag(fl, "dd"));
	assert_false(has_flag(fl, "lo"));
	vm_destroy(ctx);
}

static void
test_wired(void **state)
{
	struct vmctx *ctx = mkvm();
	char err[256] = "", fl[512];
	struct rlimit rl;

	(void)state;
	/* -S needs the limit (or CAP_IPC_LOCK); make room if we may. */
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur < 2 * RAM &&
	    rl.rlim_max >= 2 * RAM) {
		rl.rlim_cur = 2 * RAM;
		(void)setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	if (guest_memory_apply(ctx, true, false, err, sizeof(err)) != 0) {
		print_message("cannot mlock 16 MiB here (%s): skipped\n", err);
		vm_destroy(ctx);
		skip();
	}
	vmflags(vm_map_gpa(ctx, 0, RAM), fl, sizeof(fl));
	assert_true(has_flag(fl, "lo"));
	assert_true(has_flag(fl, "dd"));
	vm_destroy(ctx);
}

/* Last: gives up CAP_IPC_LOCK for good (this thread's credentials). */
static void
test_wired_refused(void **state)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	struct vmctx *ctx;
	struct rlimit rl = { 64 << 10, 64 << 10 };
	char err[256] = "", fl[512];
	int error;

	(void)state;
	if (syscall(SYS_capget, &h, d) == 0) {
		d[0].effective &= ~(1U << CAP_IPC_LOCK);
		d[0].permitted &= ~(1U << CAP_IPC_LOCK);
		d[0].inheritable &= ~(1U << CAP_IPC_LOCK);
		assert_int_equal(syscall(SYS_capset, &h, d), 0);
	}
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	ctx = mkvm();
	error = guest_memory_apply(ctx, true, false, err, sizeof(err));
	assert_true(error == -ENOMEM || error == -EPERM || error == -EAGAIN);
	if (strstr(err, "-S (memory.wired): cannot lock 16 MiB of guest "
	    "memory: ") != err || strstr(err, "(RLIMIT_MEMLOCK is 64 KiB; "
	    "raise it with 'ulimit -l' or run without -S)") == NULL)
		fail_msg("unexpected message: %s", err);
	/* Nothing stays locked after the failure. */
	vmflags(vm_map_gpa(ctx, 0, RAM), fl, sizeof(fl));
	assert_false(has_flag(fl, "lo"));
	vm_destroy(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_in_core),
		cmocka_unit_test(test_wired),
		cmocka_unit_test(test_wired_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
