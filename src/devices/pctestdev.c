/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pctestdev.c: bhyve's pc-testdev, the device test guests use to report:
 * the isa-debug-exit port (0xF4), a scratch I/O register (0xE0), 64 KiB of
 * RAM-like MMIO at 0xFF000000, and IRQ-line ports at 0x2000 + n.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bhyverun.h"
#include "devices/inout.h"
#include "devices/mem.h"
#include "devices/pctestdev.h"

#define DEBUGEXIT_LEN	4
#define IOPORT_LEN	4

static pthread_mutex_t pctestdev_mtx = PTHREAD_MUTEX_INITIALIZER;
static uint32_t pctestdev_ioport_data;
static uint8_t pctestdev_iomem[PCTESTDEV_IOMEM_LEN];

const char *
pctestdev_getname(void)
{
	return (PCTESTDEV_NAME);
}

/* QEMU's isa-debug-exit: the process ends with (value << 1) | 1. */
static int
pctestdev_debugexit_io(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	if (in)
		*eax = 0;
	else
		bhyve_request_exit((int)((*eax << 1) | 1));
	return (0);
}

/* A 32-bit register reachable a byte, word or dword at a time. */
static int
pctestdev_ioport_io(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	uint32_t mask;
	int shift;

	if (port + bytes > PCTESTDEV_IOPORT + IOPORT_LEN)
		return (-1);
	shift = (port - PCTESTDEV_IOPORT) * 8;
	mask = (bytes == 4 ? 0xffffffffu : (1u << (bytes * 8)) - 1) << shift;
	pthread_mutex_lock(&pctestdev_mtx);
	if (in)
		*eax = (pctestdev_ioport_data & mask) >> shift;
	else
		pctestdev_ioport_data = (pctestdev_ioport_data & ~mask) |
		    ((*eax << shift) & mask);
	pthread_mutex_unlock(&pctestdev_mtx);
	return (0);
}

/*
 * QEMU's testdev-irq: a byte write sets the level of IRQ n.  ISA IRQs
 * (0-15) go to both the 8259 and the IOAPIC, the rest to the IOAPIC.
 * They do nothing until the interrupt-controller issue lands.
 */
static int
pctestdev_irq_io(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	int irq = port - PCTESTDEV_IRQ_BASE;

	if (bytes != 1)
		return (-1);
	if (in) {
		*eax = 0;
		return (0);
	}
	if (irq < 16) {
		if (*eax & 0xff)
			vm_isa_assert_irq(ctx, irq, irq);
		else
			vm_isa_deassert_irq(ctx, irq, irq);
	} else {
		if (*eax & 0xff)
			vm_ioapic_assert_irq(ctx, irq);
		else
			vm_ioapic_deassert_irq(ctx, irq);
	}
	return (0);
}

static int
pctestdev_iomem_io(struct vcpu *vcpu, int dir, uint64_t addr, int size,
    uint64_t *val, void *arg1, long arg2)
{
	uint64_t off = addr - PCTESTDEV_IOMEM;
	uint64_t v = 0;
	int n;

	/* An access straddling the end touches only the bytes inside. */
	n = off + size > PCTESTDEV_IOMEM_LEN ? PCTESTDEV_IOMEM_LEN - off :
	    size;
	pthread_mutex_lock(&pctestdev_mtx);
	if (dir == MEM_F_WRITE) {
		v = *val;
		memcpy(&pctestdev_iomem[off], &v, n);
	} else {
		v = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
		memcpy(&v, &pctestdev_iomem[off], n);
		*val = v;
	}
	pthread_mutex_unlock(&pctestdev_mtx);
	return (0);
}

static const struct {
	const char *name;
	int port, size;
	inout_func_t handler;
} pctestdev_ports[] = {
	{ "pc-testdev debug-exit", PCTESTDEV_DEBUGEXIT, DEBUGEXIT_LEN,
	    pctestdev_debugexit_io },
	{ "pc-testdev ioport", PCTESTDEV_IOPORT, IOPORT_LEN,
	    pctestdev_ioport_io },
	{ "pc-testdev irq", PCTESTDEV_IRQ_BASE, PCTESTDEV_IRQ_NUM,
	    pctestdev_irq_io },
};

void
pctestdev_deinit(void)
{
	struct inout_port iop;
	struct mem_range mr;

	for (size_t i = 0; i < sizeof(pctestdev_ports) /
	    sizeof(pctestdev_ports[0]); i++) {
		memset(&iop, 0, sizeof(iop));
		iop.name = pctestdev_ports[i].name;
		iop.port = pctestdev_ports[i].port;
		iop.size = pctestdev_ports[i].size;
		iop.flags = IOPORT_F_INOUT;
		iop.handler = pctestdev_ports[i].handler;
		(void)unregister_inout(&iop);
	}
	memset(&mr, 0, sizeof(mr));
	mr.base = PCTESTDEV_IOMEM;
	mr.size = PCTESTDEV_IOMEM_LEN;
	(void)unregister_mem(&mr);
}

int
pctestdev_init(struct vmctx *ctx)
{
	struct inout_port iop;
	struct mem_range mr;
	int error;

	for (size_t i = 0; i < sizeof(pctestdev_ports) /
	    sizeof(pctestdev_ports[0]); i++) {
		memset(&iop, 0, sizeof(iop));
		iop.name = pctestdev_ports[i].name;
		iop.port = pctestdev_ports[i].port;
		iop.size = pctestdev_ports[i].size;
		iop.flags = IOPORT_F_INOUT;
		iop.handler = pctestdev_ports[i].handler;
		if ((error = register_inout(&iop)) != 0)
			goto fail;
	}

	memset(&mr, 0, sizeof(mr));
	mr.name = "pc-testdev iomem";
	mr.flags = MEM_F_RW;
	mr.handler = pctestdev_iomem_io;
	mr.base = PCTESTDEV_IOMEM;
	mr.size = PCTESTDEV_IOMEM_LEN;
	if ((error = register_mem(&mr)) != 0) {
		iop.name = mr.name;
		goto fail;
	}

	pthread_mutex_lock(&pctestdev_mtx);
	pctestdev_ioport_data = 0;
	memset(pctestdev_iomem, 0, sizeof(pctestdev_iomem));
	pthread_mutex_unlock(&pctestdev_mtx);
	return (0);
fail:
	/* The caller undoes the rest with pctestdev_deinit(). */
	fprintf(stderr, "lhyve: %s: cannot register %s: %s\n",
	    PCTESTDEV_NAME, iop.name, strerror(-error));
	return (error);
}
