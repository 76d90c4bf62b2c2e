/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * guest_memory.h: what bhyve's -S (memory.wired) and -C
 * (memory.guest_in_core) ask of the guest's RAM, applied to the host
 * mapping the backend seam set up.
 */
#ifndef LHYVE_GUEST_MEMORY_H
#define LHYVE_GUEST_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

struct vmctx;

/*
 * After vm_setup_memory(): unless in_core, leave guest RAM out of core
 * dumps (MADV_DONTDUMP; bhyve's default too); if wired, lock it in host
 * memory (mlock: faulted in now, never swapped).  0, or -errno with the
 * reason in err (for -S it names RLIMIT_MEMLOCK and how to raise it).
 */
int guest_memory_apply(struct vmctx *ctx, bool wired, bool in_core,
    char *err, size_t errlen);

#endif /* LHYVE_GUEST_MEMORY_H */
