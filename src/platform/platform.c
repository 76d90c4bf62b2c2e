/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform.c: lays out the MP table, SMBIOS and ACPI in one buffer (the
 * BIOS area) and fills struct platform_desc with bhyve-like defaults.
 */
#include <errno.h>
#include <string.h>

#include "platform/platform_priv.h"
#include "vmm/vmm.h"

#define GiB	(1ULL << 30)

void
platform_desc_init(struct platform_desc *d, int ncpu, uint64_t lowmem,
    uint64_t highmem)
{
	static const struct platform_io_range pic[] = {
		{ 0x20, 2 }, { 0xA0, 2 }, { 0x4D0, 2 }	/* + ELCR */
	};
	static const struct platform_io_range pit[] = { { 0x40, 4 } };
	static const struct platform_io_range rtc[] = { { 0x70, 2 } };

	memset(d, 0, sizeof(*d));
	d->ncpu = ncpu;
	d->sockets = ncpu;
	d->cores = 1;
	d->threads = 1;
	/* Family 6, model 0x1A stepping 5 (bhyve's MP table default). */
	d->cpu_signature = 0x000106A5;
	d->cpu_features = 0x0783FBFF;
	d->lowmem = lowmem;
	d->highmem = highmem;

	d->lapic_base = VM_LAPIC_BASE;
	d->ioapic_base = VM_IOAPIC_BASE;
	d->ioapic_id = 0;
	d->ioapic_npins = 24;
	d->ioapic_gsi_base = 0;
	d->hpet = true;
	d->hpet_base = VM_HPET_BASE;
	/* Vendor 0x8086, legacy route, 64-bit counter, 8 timers, rev 1. */
	d->hpet_blockid = 0x8086A701;

	d->ecam_base = PLATFORM_ECAM_BASE;
	d->bus_start = 0;
	d->bus_end = 255;
	d->pci_io_base = 0x0D00;
	d->pci_io_limit = 0xFFFF;
	/* The 32-bit window runs from the end of lowmem up to the ECAM. */
	d->mem32_base = lowmem < VM_LOWMEM_LIMIT ? VM_LOWMEM_LIMIT : lowmem;
	d->mem32_size = PLATFORM_ECAM_BASE - d->mem32_base;
	/* 32 GiB, aligned to its size, above highmem (as bhyve). */
	d->mem64_size = 32 * GiB;
	d->mem64_base = (VM_HIGHMEM_BASE + highmem + d->mem64_size - 1) &
	    ~(d->mem64_size - 1);
	d->lpc_adr = 31 << 16;

	d->pm1a_evt = PLATFORM_PM1A_EVT;
	d->pm1a_cnt = PLATFORM_PM1A_CNT;
	d->pm_tmr = PLATFORM_PM_TMR;
	d->pm_tmr_32bit = true;
	d->smi_cmd = PLATFORM_SMI_CMD;
	d->acpi_enable = PLATFORM_ACPI_ENABLE;
	d->acpi_disable = PLATFORM_ACPI_DISABLE;
	d->sci_irq = PLATFORM_SCI_IRQ;
	d->reset_port = PLATFORM_RESET_PORT;
	d->reset_value = PLATFORM_RESET_VALUE;
	d->rtc_century = 0x32;

	(void)platform_lpc_add(d, "PIC", "PNP0000", -1, 2, 3, pic);
	(void)platform_lpc_add(d, "TIMR", "PNP0100", -1, 0, 1, pit);
	(void)platform_lpc_add(d, "RTC", "PNP0B00", -1, 8, 1, rtc);

	d->acpi = true;
	d->mptable = true;
	d->smbios = true;
}

int
platform_lpc_add(struct platform_desc *d, const char *name, const char *hid,
    int uid, int irq, int nio, const struct platform_io_range *io)
{
	struct platform_lpc_dev *l;
	int i;

	if (d->nlpc >= PLATFORM_MAX_LPC)
		return (-ENOSPC);
	if (strlen(name) < 1 || strlen(name) > 4 || strlen(hid) != 7 ||
	    nio < 0 || nio > PLATFORM_LPC_MAX_IO || irq > 15)
		return (-EINVAL);
	for (i = 0; i < nio; i++)
		if (io[i].len == 0 || io[i].len > 255)
			return (-EINVAL);
	l = &d->lpc[d->nlpc++];
	memset(l, 0, sizeof(*l));
	strcpy(l->name, name);
	strcpy(l->hid, hid);
	l->uid = uid;
	l->irq = irq;
	l->nio = nio;
	memcpy(l->io, io, sizeof(*io) * (size_t)nio);
	return (0);
}

int
platform_lpc_add_uart(struct platform_desc *d, int n)
{
	static const uint16_t port[4] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };
	static const int irq[4] = { 4, 3, 4, 3 };
	struct platform_io_range io;
	char name[5];

	if (n < 1 || n > 4)
		return (-EINVAL);
	io.base = port[n - 1];
	io.len = 8;
	name[0] = 'C';
	name[1] = 'O';
	name[2] = 'M';
	name[3] = (char)('0' + n);
	name[4] = '\0';
	return (platform_lpc_add(d, name, "PNP0501", n, irq[n - 1], 1, &io));
}

int
platform_lpc_add_kbd(struct platform_desc *d)
{
	static const struct platform_io_range io[] = { { 0x60, 1 }, { 0x64, 1 } };
	int err;

	err = platform_lpc_add(d, "KBD", "PNP0303", -1, 1, 2, io);
	if (err == 0)
		d->kbd_8042 = true;
	return (err);
}

int
platform_intx_add(struct platform_desc *d, int slot, int pin, int gsi,
    int isa_irq)
{
	struct platform_intx *r;

	if (d->nintx >= PLATFORM_MAX_INTX)
		return (-ENOSPC);
	if (slot < 0 || slot > 31 || pin < 1 || pin > 4 || gsi < 0 ||
	    gsi > 255 || isa_irq > 15 || (isa_irq < 0 && isa_irq != -1))
		return (-EINVAL);
	r = &d->intx[d->nintx++];
	r->slot = (uint8_t)slot;
	r->pin = (uint8_t)pin;
	r->gsi = (uint8_t)gsi;
	r->isa_irq = isa_irq < 0 ? 0xFF : (uint8_t)isa_irq;
	return (0);
}

/*
 * Layout, in this order, each part on a 16-byte boundary: the MP floating
 * pointer and its table, the SMBIOS entry point and its structures, then
 * ACPI (RSDP, RSDT, XSDT, FADT, MADT, HPET, MCFG, FACS on 64, DSDT).
 */
int
platform_build(uint8_t *buf, size_t len, uint64_t gpa,
    const struct platform_desc *d, struct platform_addrs *out)
{
	struct pbuf pb;
	int err;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || d == NULL)
		return (-EINVAL);
	memset(buf, 0, len);
	pb.buf = buf;
	pb.len = len;
	pb.off = 0;
	pb.gpa = gpa;

	if (d->mptable) {
		err = platform_mptable_build(&pb, d, out);
		if (err != 0)
			goto fail;
	}
	if (d->smbios) {
		err = platform_smbios_build(&pb, d, out);
		if (err != 0)
			goto fail;
	}
	if (d->acpi) {
		err = platform_acpi_build(&pb, d, out);
		if (err != 0)
			goto fail;
	}
	out->end = gpa + pb.off;
	return (0);
fail:
	memset(buf, 0, len);
	memset(out, 0, sizeof(*out));
	return (err);
}

int
platform_install(struct vmctx *ctx, uint64_t gpa, size_t len,
    const struct platform_desc *d, struct platform_addrs *out)
{
	uint8_t *p;
	int err;

	p = vm_map_gpa(ctx, gpa, len);
	if (p == NULL)
		return (-EFAULT);
	err = platform_build(p, len, gpa, d, out);
	vm_notify_write(ctx, gpa, len);
	return (err);
}
