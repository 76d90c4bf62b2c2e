/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pctestdev.h: bhyve's pc-testdev (QEMU's pc-testdev plus isa-debug-exit),
 * an LPC device for test guests.  Created by the lpc bridge when
 * lpc.pc-testdev is true.
 */
#ifndef LHYVE_PCTESTDEV_H
#define LHYVE_PCTESTDEV_H

#include "vmm/vmm.h"

#define PCTESTDEV_NAME		"pc-testdev"
#define PCTESTDEV_DEBUGEXIT	0xf4		/* write V: exit (V << 1) | 1 */
#define PCTESTDEV_IOPORT	0xe0		/* a 4-byte scratch register */
#define PCTESTDEV_IOMEM		0xff000000ULL	/* 64 KiB of RAM-like MMIO */
#define PCTESTDEV_IOMEM_LEN	0x10000
#define PCTESTDEV_IRQ_BASE	0x2000		/* 0x2000 + n: IRQ n level */
#define PCTESTDEV_IRQ_NUM	24

const char *pctestdev_getname(void);
/* Register the ports and the MMIO window.  0 or -errno. */
int pctestdev_init(struct vmctx *ctx);
/* Remove whatever pctestdev_init() registered. */
void pctestdev_deinit(void);

#endif /* LHYVE_PCTESTDEV_H */
