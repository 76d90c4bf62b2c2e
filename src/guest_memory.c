/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * guest_memory.c: -S and -C on Linux.  bhyve passes VM_MEM_F_WIRED and
 * VM_MEM_F_INCORE to vmm.ko, which wires the guest's pages and, without
 * INCORE, maps them MAP_NOCORE so a core dump of bhyve leaves them out.
 * Here the guest's RAM is ordinary host memory in lhyve's address space
 * (one memfd mapping, vmm.c), so the same two wishes are mlock(2) and
 * madvise(MADV_DONTDUMP) on the ranges vm_map_gpa() gives for
 * [0, lowmem) and [4 GiB, 4 GiB + highmem).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "guest_memory.h"
#include "vmm/vmm.h"

#define MiB	((uint64_t)1 << 20)

/* "8 MiB", "unlimited": the memlock limit, for the error message. */
static void
memlock_limit(char *buf, size_t len)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		snprintf(buf, len, "unknown");
	else if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else if (rl.rlim_cur >= MiB)
		snprintf(buf, len, "%" PRIu64 " MiB",
		    (uint64_t)rl.rlim_cur / MiB);
	else
		snprintf(buf, len, "%" PRIu64 " KiB",
		    (uint64_t)rl.rlim_cur >> 10);
}

int
guest_memory_apply(struct vmctx *ctx, bool wired, bool in_core,
    char *err, size_t errlen)
{
	struct {
		uint64_t gpa;
		size_t len;
	} r[2] = {
		{ 0, vm_get_lowmem_size(ctx) },
		{ VM_HIGHMEM_BASE, vm_get_highmem_size(ctx) },
	};
	uint64_t total;
	char lim[32];
	void *p;
	int error;

	total = (uint64_t)r[0].len + r[1].len;
	for (int i = 0; i < 2; i++) {
		if (r[i].len == 0)
			continue;
		p = vm_map_gpa(ctx, r[i].gpa, r[i].len);
		if (p == NULL) {
			snprintf(err, errlen, "guest memory at 0x%" PRIx64
			    " is not mapped", r[i].gpa);
			return (-EFAULT);
		}
		if (!in_core && madvise(p, r[i].len, MADV_DONTDUMP) != 0) {
			error = -errno;
			snprintf(err, errlen, "memory.guest_in_core=false: "
			    "madvise(MADV_DONTDUMP): %s", strerror(-error));
			return (error);
		}
		if (wired && mlock(p, r[i].len) != 0) {
			error = -errno;
			memlock_limit(lim, sizeof(lim));
			snprintf(err, errlen, "-S (memory.wired): cannot lock "
			    "%" PRIu64 " MiB of guest memory: %s "
			    "(RLIMIT_MEMLOCK is %s; raise it with 'ulimit -l' "
			    "or run without -S)", total / MiB,
			    strerror(-error), lim);
			/* Nothing stays half locked. */
			for (int j = 0; j <= i; j++) {
				p = vm_map_gpa(ctx, r[j].gpa, r[j].len);
				if (p != NULL && r[j].len > 0)
					(void)munlock(p, r[j].len);
			}
			return (error);
		}
	}
	return (0);
}
