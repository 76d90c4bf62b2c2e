/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * atkbdc.c: the least of an i8042 keyboard controller that a PC guest
 * needs: the pulse-reset command (0xFE to port 0x64) resets the VM, the
 * status register says "idle, nothing to read", and the data port reads 0.
 * XXX: no PS/2 keyboard or mouse yet (bhyve's atkbdc.c/ps2kbd.c).
 */
#include <stdint.h>

#include "devices/inout.h"

#define KBD_DATA_PORT		0x60
#define KBD_STS_CTL_PORT	0x64

/* Status bits (IBM PC/AT technical reference, 8042 status register) */
#define KBDS_SYS_FLAG		0x04	/* self-test passed */
#define KBDS_CTRL_FLAG		0x08	/* last write was a command */
#define KBDS_INHIBIT		0x10	/* keyboard not inhibited (1) */

#define KBDC_RESET		0xfe	/* pulse output bit 0: CPU reset */

static int
atkbdc_data_handler(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	if (bytes != 1)
		return (-1);
	if (in)
		*eax = 0;	/* the output buffer is never full */
	return (0);
}

static int
atkbdc_sts_ctl_handler(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	if (bytes != 1)
		return (-1);
	if (in) {
		/* Output and input buffers empty: nothing to wait for. */
		*eax = KBDS_SYS_FLAG | KBDS_CTRL_FLAG | KBDS_INHIBIT;
		return (0);
	}
	/* The classic reboot path (Linux reboot=k, DOS, many BIOSes). */
	if ((*eax & 0xff) == KBDC_RESET)
		(void)vm_suspend(ctx, VM_SUSPEND_RESET);
	return (0);
}

INOUT_PORT(atkbdc_data, KBD_DATA_PORT, IOPORT_F_INOUT, atkbdc_data_handler);
INOUT_PORT(atkbdc_sts_ctl, KBD_STS_CTL_PORT, IOPORT_F_INOUT,
    atkbdc_sts_ctl_handler);
