/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_fakes.h: fake interrupt lines and VM calls for the device unit tests.
 * Defining every vmm.h call the devices use keeps vmm.o (and a real VM)
 * out of the link; the fakes record what the devices asked for.
 */
#ifndef LHYVE_DEV_FAKES_H
#define LHYVE_DEV_FAKES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bhyverun.h"
#include "devices/inout.h"
#include "devices/mem.h"
#include "vmm/vmm.h"

#define FAKE_LOG_MAX	64

enum fake_op { F_ISA_ASSERT, F_ISA_DEASSERT, F_ISA_PULSE, F_IOAPIC_ASSERT,
    F_IOAPIC_DEASSERT, F_IOAPIC_PULSE };

static struct {
	enum fake_op op;
	int irq;
} fake_log[FAKE_LOG_MAX];
static int fake_nlog;
static int fake_exit_status = -1;
static int fake_suspend = VM_SUSPEND_NONE;
static int fake_nsuspend;

static void
fake_reset(void)
{
	fake_nlog = 0;
	fake_exit_status = -1;
	fake_suspend = VM_SUSPEND_NONE;
	fake_nsuspend = 0;
}

static void
fake_record(enum fake_op op, int irq)
{
	if (fake_nlog < FAKE_LOG_MAX) {
		fake_log[fake_nlog].op = op;
		fake_log[fake_nlog].irq = irq;
		fake_nlog++;
	}
}

/* How many times op happened on irq since fake_reset(). */
static int __attribute__((unused))
fake_count(enum fake_op op, int irq)
{
	int n = 0;

	for (int i = 0; i < fake_nlog; i++)
		if (fake_log[i].op == op && fake_log[i].irq == irq)
			n++;
	return (n);
}

int
vm_isa_assert_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq)
{
	fake_record(F_ISA_ASSERT, atpic_irq);
	return (0);
}

int
vm_isa_deassert_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq)
{
	fake_record(F_ISA_DEASSERT, atpic_irq);
	return (0);
}

int
vm_isa_pulse_irq(struct vmctx *ctx, int atpic_irq, int ioapic_irq)
{
	fake_record(F_ISA_PULSE, atpic_irq);
	return (0);
}

int
vm_ioapic_assert_irq(struct vmctx *ctx, int irq)
{
	fake_record(F_IOAPIC_ASSERT, irq);
	return (0);
}

int
vm_ioapic_deassert_irq(struct vmctx *ctx, int irq)
{
	fake_record(F_IOAPIC_DEASSERT, irq);
	return (0);
}

int
vm_ioapic_pulse_irq(struct vmctx *ctx, int irq)
{
	fake_record(F_IOAPIC_PULSE, irq);
	return (0);
}

int
vm_suspend(struct vmctx *ctx, enum vm_suspend_how how)
{
	fake_suspend = how;
	fake_nsuspend++;
	return (0);
}

size_t
vm_get_highmem_size(struct vmctx *ctx)
{
	return (0);
}

void
bhyve_request_exit(int status)
{
	if (fake_exit_status < 0)
		fake_exit_status = status;
}

bool
bhyve_exiting(void)
{
	return (fake_exit_status >= 0);
}

/* One port access as a vCPU exit would deliver it.  Returns the emulate
 * status; for IN, *val gets the merged EAX (starting from *val). */
static int __attribute__((unused))
io(int in, int port, int bytes, uint32_t *val)
{
	struct vm_exit vme;
	int error;

	memset(&vme, 0, sizeof(vme));
	vme.exitcode = VM_EXITCODE_INOUT;
	vme.u.inout.port = port;
	vme.u.inout.bytes = bytes;
	vme.u.inout.in = in;
	vme.u.inout.eax = *val;
	error = emulate_inout(NULL, NULL, &vme);
	if (in)
		*val = vme.u.inout.eax;
	return (error);
}

static uint32_t __attribute__((unused))
inp(int port, int bytes)
{
	uint32_t v = 0;

	io(1, port, bytes, &v);
	return (v);
}

static void __attribute__((unused))
outp(int port, int bytes, uint32_t v)
{
	io(0, port, bytes, &v);
}

static uint64_t __attribute__((unused))
mmio(int read, uint64_t gpa, int bytes, uint64_t data, int *err)
{
	struct vm_exit vme;
	int error;

	memset(&vme, 0, sizeof(vme));
	vme.exitcode = VM_EXITCODE_MMIO;
	vme.u.mmio.gpa = gpa;
	vme.u.mmio.bytes = bytes;
	vme.u.mmio.read = read;
	vme.u.mmio.data = data;
	error = emulate_mem(NULL, &vme);
	if (err != NULL)
		*err = error;
	return (vme.u.mmio.data);
}

#endif /* LHYVE_DEV_FAKES_H */
