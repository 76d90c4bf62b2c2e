/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pm.c: platform power management ports.  For now the Reset Control
 * Register at 0xCF9 (Intel ICH9 datasheet §13.7.5); the ACPI PM1 block and
 * the power button come with ACPI.
 */
#include <pthread.h>
#include <stdint.h>

#include "devices/inout.h"

#define RCR_PORT	0xcf9
#define RCR_SYS_RST	0x02	/* hard (1) or soft (0) reset */
#define RCR_RST_CPU	0x04	/* 0 -> 1 starts the reset */
#define RCR_FULL_RST	0x08	/* also cycle power */

static pthread_mutex_t rcr_mtx = PTHREAD_MUTEX_INITIALIZER;
static uint8_t reset_control;

/*
 * Writing RST_CPU starts a reset of the kind SYS_RST/FULL_RST select;
 * bhyve treats them all as one reset and so do we.  Other bits are kept
 * for reads.
 */
static int
reset_handler(struct vmctx *ctx, int in, int port, int bytes, uint32_t *eax,
    void *arg)
{
	if (bytes != 1)
		return (-1);
	pthread_mutex_lock(&rcr_mtx);
	if (in) {
		*eax = reset_control;
	} else {
		reset_control = *eax & (RCR_SYS_RST | RCR_FULL_RST);
		if (*eax & RCR_RST_CPU)
			(void)vm_suspend(ctx, VM_SUSPEND_RESET);
	}
	pthread_mutex_unlock(&rcr_mtx);
	return (0);
}

INOUT_PORT(reset_reg, RCR_PORT, IOPORT_F_INOUT, reset_handler);
