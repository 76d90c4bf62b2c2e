/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mptbl.c: the Intel MultiProcessor Specification 1.4 table (chapter 4),
 * as bhyve's mptbl builds it, for kernels that do not parse ACPI.
 */
#include <errno.h>
#include <string.h>

#include "platform/platform_priv.h"

#define MP_SPEC_REV		4	/* 1.4 */
#define MP_LAPIC_VERSION	0x14
#define MP_IOAPIC_VERSION	0x11
#define MP_BUS_PCI		0	/* bus IDs, as bhyve */
#define MP_BUS_ISA		1

/* MP Floating Pointer Structure (§4.1). */
struct mp_fps {
	char sig[4];			/* "_MP_" */
	uint32_t config;		/* physical address of the table */
	uint8_t length;			/* in 16-byte units: 1 */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t feature[5];		/* [0] = 0: a table is present */
} __packed_struct;

/* MP Configuration Table Header (§4.2). */
struct mp_config {
	char sig[4];			/* "PCMP" */
	uint16_t base_len;
	uint8_t spec_rev;
	uint8_t checksum;
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table;
	uint16_t oem_table_len;
	uint16_t entries;
	uint32_t lapic_addr;
	uint16_t ext_len;
	uint8_t ext_checksum;
	uint8_t reserved;
} __packed_struct;

struct mp_proc {			/* §4.3.1, 20 bytes */
	uint8_t type;			/* 0 */
	uint8_t apic_id;
	uint8_t apic_ver;
	uint8_t flags;			/* bit 0 EN, bit 1 BP */
	uint32_t signature;
	uint32_t features;
	uint8_t reserved[8];
} __packed_struct;

struct mp_bus {				/* §4.3.2 */
	uint8_t type;			/* 1 */
	uint8_t bus_id;
	char bus_type[6];
} __packed_struct;

struct mp_ioapic {			/* §4.3.3 */
	uint8_t type;			/* 2 */
	uint8_t id;
	uint8_t ver;
	uint8_t flags;			/* bit 0 EN */
	uint32_t addr;
} __packed_struct;

struct mp_intr {			/* §4.3.4 (type 3), §4.3.5 (type 4) */
	uint8_t type;
	uint8_t int_type;		/* 0 INT, 1 NMI, 2 SMI, 3 ExtINT */
	uint16_t flags;			/* polarity 1:0, trigger 3:2 */
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_id;
	uint8_t dst_pin;
} __packed_struct;

_Static_assert(sizeof(struct mp_config) == 44, "MP header is 44 bytes");
_Static_assert(sizeof(struct mp_proc) == 20, "MP processor entry is 20");

#define MP_INT			0
#define MP_NMI			1
#define MP_EXTINT		3
#define MP_POL_HIGH		0x1
#define MP_POL_LOW		0x3
#define MP_TRIG_EDGE		0x4
#define MP_TRIG_LEVEL		0xC

static void
mp_intr(struct mp_intr *e, uint8_t type, uint8_t int_type, uint16_t flags,
    uint8_t bus, uint8_t irq, uint8_t dst, uint8_t pin)
{

	e->type = type;
	e->int_type = int_type;
	e->flags = flags;
	e->src_bus = bus;
	e->src_irq = irq;
	e->dst_id = dst;
	e->dst_pin = pin;
}

/* A pin below 16 that PCI INTx uses is not also an ISA IRQ. */
static bool
mp_pin_is_pci(const struct platform_desc *d, int pin)
{
	int i;

	for (i = 0; i < d->nintx; i++)
		if (d->intx[i].gsi == pin)
			return (true);
	return (false);
}

/*
 * I/O interrupt assignments: the 8259 behind pin 0 (ExtINT), ISA IRQ 0 on
 * pin 2, the other ISA IRQs identity-mapped except IRQ 2 (the cascade),
 * (and pins PCI uses), the SCI level/active-low, then every PCI INTx of the routing table:
 * source IRQ = device << 2 | (pin - 1) (§D.3), level/active-low.
 */
static int
mp_build_intrs(struct mp_intr *e, const struct platform_desc *d, int max)
{
	const struct platform_intx *r;
	int n, irq, i;
	uint16_t fl;

	n = 0;
	if (max < 18 + d->nintx)
		return (-ENOSPC);
	mp_intr(&e[n++], 3, MP_EXTINT, 0, MP_BUS_ISA, 0, d->ioapic_id, 0);
	mp_intr(&e[n++], 3, MP_INT, 0, MP_BUS_ISA, 0, d->ioapic_id, 2);
	for (irq = 1; irq < 16; irq++) {
		if (irq == 2 || mp_pin_is_pci(d, irq))
			continue;
		fl = irq == d->sci_irq ? MP_POL_LOW | MP_TRIG_LEVEL : 0;
		mp_intr(&e[n++], 3, MP_INT, fl, MP_BUS_ISA, (uint8_t)irq,
		    d->ioapic_id, (uint8_t)irq);
	}
	for (i = 0; i < d->nintx; i++) {
		r = &d->intx[i];
		mp_intr(&e[n++], 3, MP_INT, MP_POL_LOW | MP_TRIG_LEVEL,
		    MP_BUS_PCI, (uint8_t)(r->slot << 2 | (r->pin - 1)),
		    d->ioapic_id, r->gsi);
	}
	/* Local interrupts: the 8259 on LINT0, NMI on LINT1, all CPUs. */
	mp_intr(&e[n++], 4, MP_EXTINT, 0, MP_BUS_ISA, 0, 0xFF, 0);
	mp_intr(&e[n++], 4, MP_NMI, 0, MP_BUS_ISA, 0, 0xFF, 1);
	return (n);
}

int
platform_mptable_build(struct pbuf *pb, const struct platform_desc *d,
    struct platform_addrs *out)
{
	struct mp_fps *fps;
	struct mp_config *ch;
	struct mp_proc *pe;
	struct mp_bus *be;
	struct mp_ioapic *ie;
	struct mp_intr *intr;
	uint64_t g_fps, g_ch;
	size_t len;
	int i, nint, maxint;

	if (d->ncpu < 1 || d->ncpu > 255 || d->nintx < 0 ||
	    d->nintx > PLATFORM_MAX_INTX || d->sci_irq > 15)
		return (-EINVAL);
	maxint = 16 + d->nintx + 2;
	len = sizeof(*ch) + (size_t)d->ncpu * sizeof(*pe) + 2 * sizeof(*be) +
	    sizeof(*ie) + (size_t)maxint * sizeof(*intr);

	/* The floating pointer is on a 16-byte boundary (§4.1). */
	fps = pb_alloc(pb, sizeof(*fps), 16, &g_fps);
	ch = pb_alloc(pb, len, 16, &g_ch);
	if (fps == NULL || ch == NULL)
		return (-ENOSPC);
	if (g_ch + len > (1ULL << 32))
		return (-EINVAL);

	memcpy(ch->sig, "PCMP", 4);
	ch->spec_rev = MP_SPEC_REV;
	platform_strpad(ch->oem_id, "LHYVE", sizeof(ch->oem_id));
	platform_strpad(ch->product_id, "Hypervisor", sizeof(ch->product_id));
	ch->lapic_addr = (uint32_t)d->lapic_base;

	pe = (struct mp_proc *)(ch + 1);
	for (i = 0; i < d->ncpu; i++, pe++) {
		pe->type = 0;
		pe->apic_id = (uint8_t)i;
		pe->apic_ver = MP_LAPIC_VERSION;
		pe->flags = 0x01 | (i == 0 ? 0x02 : 0);
		pe->signature = d->cpu_signature;
		pe->features = d->cpu_features;
	}

	be = (struct mp_bus *)pe;
	be[0].type = 1;
	be[0].bus_id = MP_BUS_PCI;
	memcpy(be[0].bus_type, "PCI   ", 6);
	be[1].type = 1;
	be[1].bus_id = MP_BUS_ISA;
	memcpy(be[1].bus_type, "ISA   ", 6);

	ie = (struct mp_ioapic *)(be + 2);
	ie->type = 2;
	ie->id = d->ioapic_id;
	ie->ver = MP_IOAPIC_VERSION;
	ie->flags = 0x01;
	ie->addr = (uint32_t)d->ioapic_base;

	intr = (struct mp_intr *)(ie + 1);
	nint = mp_build_intrs(intr, d, maxint);
	if (nint < 0)
		return (nint);

	ch->entries = (uint16_t)(d->ncpu + 2 + 1 + nint);
	ch->base_len = (uint16_t)((uint8_t *)(intr + nint) - (uint8_t *)ch);
	ch->checksum = platform_cksum(ch, ch->base_len);

	memcpy(fps->sig, "_MP_", 4);
	fps->config = (uint32_t)g_ch;
	fps->length = 1;
	fps->spec_rev = MP_SPEC_REV;
	fps->checksum = platform_cksum(fps, sizeof(*fps));

	out->mpfp = g_fps;
	return (0);
}
