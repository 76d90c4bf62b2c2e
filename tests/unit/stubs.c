/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stubs.c: weak stand-ins for what bhyverun.c (not linked into unit tests)
 * provides.  A test that wants to observe these defines its own, which
 * wins over the weak ones.
 */
#include <stdatomic.h>

#include "bhyverun.h"

static _Atomic int stub_exit_status = -1;

__attribute__((weak)) void
bhyve_request_exit(int status)
{
	int expected = -1;

	atomic_compare_exchange_strong(&stub_exit_status, &expected, status);
}

__attribute__((weak)) bool
bhyve_exiting(void)
{
	return (atomic_load(&stub_exit_status) >= 0);
}

__attribute__((weak)) int
bhyve_start_ap(struct vmctx *ctx, int vcpuid, uint64_t rip)
{
	return (-1);
}
