/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bhyverun.h: what the rest of lhyve may ask of the top level.
 */
#ifndef LHYVE_BHYVERUN_H
#define LHYVE_BHYVERUN_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/vmm.h"

/* bhyve's exit statuses */
#define EXIT_REBOOT     0
#define EXIT_POWEROFF   1
#define EXIT_HALT       2
#define EXIT_TRIPLEFAULT 3
#define EXIT_ERROR      4

/*
 * Ask lhyve to end with this status (e.g. pc-testdev's debug exit).  The
 * first request wins; every vCPU is stopped, the terminal restored, and the
 * main thread exits.  Safe from any thread; returns.
 */
void bhyve_request_exit(int status);
/* True once an exit has been requested. */
bool bhyve_exiting(void);

/* Start the thread of AP 'vcpuid' at real-mode rip (vmexit_spinup_ap). */
int bhyve_start_ap(struct vmctx *ctx, int vcpuid, uint64_t rip);

/* Parse argv into the config tree (options.c).  0 on success, or the
 * exit status to end with (after printing why). -1 means "exit 0 now"
 * (e.g. -h, config.dump). */
int bhyve_parse_args(int argc, char **argv);
void bhyve_usage(int code);
/* Refuse (one line on stderr, returns 4) features the config tree asks
 * for that lhyve does not have yet; 0 if there are none (options.c). */
int bhyve_check_unsupported(void);

#endif /* LHYVE_BHYVERUN_H */
