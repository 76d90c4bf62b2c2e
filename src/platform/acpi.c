/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * acpi.c: lhyve's ACPI tables, generated in C (ACPI 6.4 chapter 5): RSDP,
 * RSDT, XSDT, FADT, FACS, MADT, HPET, MCFG, a DSDT in AML (aml.c), and
 * with -n the SRAT and SLIT (srat.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/aml.h"
#include "platform/numa.h"
#include "platform/platform_priv.h"

#define ACPI_OEM_ID		"LHYVE"
#define ACPI_CREATOR_ID		"LHYV"
#define ACPI_MAX_TABLES		8

/* System Description Table Header (§5.2.6). */
struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __packed_struct;

/* Root System Description Pointer, revision 2 (§5.2.5.3). */
struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;		/* of all 36 bytes */
	uint8_t reserved[3];
} __packed_struct;

/* Generic Address Structure (§5.2.3.2). */
struct acpi_gas {
	uint8_t space;			/* 0 memory, 1 I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;		/* 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;
} __packed_struct;

#define ACPI_GAS_MEM	0
#define ACPI_GAS_IO	1

/* Fixed ACPI Description Table, revision 6 (§5.2.9, table 5.9). */
struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_id;
} __packed_struct;

_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276 bytes");

/* IAPC_BOOT_ARCH (§5.2.9.3) */
#define FADT_BOOT_LEGACY_DEVICES	0x0001
#define FADT_BOOT_8042			0x0002
#define FADT_BOOT_VGA_NOT_PRESENT	0x0004
#define FADT_BOOT_ASPM_CONTROLS		0x0010

/* Fixed feature flags (§5.2.9, table 5.10) */
#define FADT_F_WBINVD			(1u << 0)
#define FADT_F_PROC_C1			(1u << 2)
#define FADT_F_SLP_BUTTON		(1u << 5)
#define FADT_F_TMR_VAL_EXT		(1u << 8)
#define FADT_F_RESET_REG_SUP		(1u << 10)
#define FADT_F_FORCE_APIC_PHYS		(1u << 19)

/* Firmware ACPI Control Structure (§5.2.10). */
struct acpi_facs {
	char sig[4];
	uint32_t length;
	uint32_t hw_signature;
	uint32_t waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_waking_vector;
	uint8_t version;
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __packed_struct;

_Static_assert(sizeof(struct acpi_facs) == 64, "FACS is 64 bytes");

/* MADT (§5.2.12) and the entries lhyve uses. */
struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_addr;
	uint32_t flags;			/* bit 0: PCAT_COMPAT */
} __packed_struct;

struct madt_lapic {			/* §5.2.12.2 */
	uint8_t type;			/* 0 */
	uint8_t length;			/* 8 */
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags;			/* bit 0: Enabled */
} __packed_struct;

struct madt_ioapic {			/* §5.2.12.3 */
	uint8_t type;			/* 1 */
	uint8_t length;			/* 12 */
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __packed_struct;

struct madt_iso {			/* §5.2.12.5 */
	uint8_t type;			/* 2 */
	uint8_t length;			/* 10 */
	uint8_t bus;			/* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;			/* MPS INTI flags */
} __packed_struct;

struct madt_lapic_nmi {			/* §5.2.12.7 */
	uint8_t type;			/* 4 */
	uint8_t length;			/* 6 */
	uint8_t uid;			/* 0xFF: all processors */
	uint16_t flags;
	uint8_t lint;
} __packed_struct;

/* MPS INTI flags (§5.2.12.5, table 5.26) */
#define MPS_POL_HIGH		0x0001
#define MPS_POL_LOW		0x0003
#define MPS_TRIG_EDGE		0x0004
#define MPS_TRIG_LEVEL		0x000C

/* IA-PC HPET table (IA-PC HPET specification 1.0a, §3.2.4). */
struct acpi_hpet {
	struct acpi_header h;
	uint32_t blockid;
	struct acpi_gas base;
	uint8_t number;
	uint16_t min_tick;
	uint8_t page_prot;
} __packed_struct;

_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET table is 56 bytes");

/* PCI Firmware Specification 3.2 §4.1.2, MCFG. */
struct acpi_mcfg {
	struct acpi_header h;
	uint64_t reserved;
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	uint32_t reserved1;
} __packed_struct;

_Static_assert(sizeof(struct acpi_mcfg) == 60, "MCFG with one entry is 60");

static void
acpi_header_init(struct acpi_header *h, const char *sig, uint32_t len,
    uint8_t rev)
{
	char tid[9];

	memcpy(h->sig, sig, 4);
	h->length = len;
	h->revision = rev;
	platform_strpad(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	/* "LV" + signature, padded: tells the tables apart in dumps. */
	memcpy(tid, "LV", 2);
	memcpy(tid + 2, sig, 4);
	tid[6] = '\0';
	platform_strpad(h->oem_table_id, tid, sizeof(h->oem_table_id));
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
}

/* Checksum the whole table, whose header says how long it is. */
static void
acpi_table_cksum(struct acpi_header *h)
{

	h->checksum = 0;
	h->checksum = platform_cksum(h, h->length);
}

static struct acpi_gas
acpi_gas_io(uint16_t port, uint8_t bits, uint8_t access)
{
	struct acpi_gas g;

	memset(&g, 0, sizeof(g));
	if (port == 0)
		return (g);
	g.space = ACPI_GAS_IO;
	g.bit_width = bits;
	g.access_size = access;
	g.address = port;
	return (g);
}

static void
acpi_build_fadt(struct acpi_fadt *f, const struct platform_desc *d,
    uint64_t facs, uint64_t dsdt)
{
	uint16_t boot;

	acpi_header_init(&f->h, "FACP", sizeof(*f), 6);
	f->minor_version = 0;
	/* The tables sit below 4 GiB, so both address forms agree. */
	f->firmware_ctrl = (uint32_t)facs;
	f->x_firmware_ctrl = facs;
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	f->pm_profile = 0;		/* unspecified */
	f->sci_int = d->sci_irq;
	/*
	 * With SMI_CMD set, the OS writes ACPI_ENABLE there to switch to ACPI
	 * mode and waits for PM1_CNT.SCI_EN (bhyve's pm.c behaves so).
	 */
	f->smi_cmd = d->smi_cmd;
	f->acpi_enable = d->smi_cmd != 0 ? d->acpi_enable : 0;
	f->acpi_disable = d->smi_cmd != 0 ? d->acpi_disable : 0;

	f->pm1a_evt_blk = d->pm1a_evt;
	f->pm1_evt_len = 4;		/* PM1_STS + PM1_EN, 16 bits each */
	f->x_pm1a_evt_blk = acpi_gas_io(d->pm1a_evt, 32, 2);
	f->pm1a_cnt_blk = d->pm1a_cnt;
	f->pm1_cnt_len = 2;
	f->x_pm1a_cnt_blk = acpi_gas_io(d->pm1a_cnt, 16, 2);
	if (d->pm_tmr != 0) {
		f->pm_tmr_blk = d->pm_tmr;
		f->pm_tmr_len = 4;
		f->x_pm_tmr_blk = acpi_gas_io(d->pm_tmr, 32, 3);
	}
	f->century = d->rtc_century;

	boot = FADT_BOOT_ASPM_CONTROLS;
	if (d->nlpc > 0)
		boot |= FADT_BOOT_LEGACY_DEVICES;
	/* Linux leaves the i8042 alone unless this bit is set (FADT >= 2). */
	if (d->kbd_8042)
		boot |= FADT_BOOT_8042;
	if (!d->vga)
		boot |= FADT_BOOT_VGA_NOT_PRESENT;
	f->iapc_boot_arch = boot;

	/*
	 * The power button is a fixed feature (PWR_BUTTON clear): PM1_STS
	 * PWRBTN_STS, raised on SIGTERM.  No sleep button at all.
	 */
	f->flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
	    FADT_F_FORCE_APIC_PHYS;
	if (d->pm_tmr_32bit)
		f->flags |= FADT_F_TMR_VAL_EXT;
	if (d->reset_port != 0) {
		f->flags |= FADT_F_RESET_REG_SUP;
		f->reset_reg = acpi_gas_io(d->reset_port, 8, 1);
		f->reset_value = d->reset_value;
	}
	acpi_table_cksum(&f->h);
}

static void
acpi_build_facs(struct acpi_facs *f)
{

	memcpy(f->sig, "FACS", 4);
	f->length = sizeof(*f);
	f->version = 2;
	/* The FACS has no checksum. */
}

static size_t
acpi_madt_size(const struct platform_desc *d)
{

	return (sizeof(struct acpi_madt) +
	    (size_t)d->ncpu * sizeof(struct madt_lapic) +
	    sizeof(struct madt_ioapic) + 2 * sizeof(struct madt_iso) +
	    sizeof(struct madt_lapic_nmi));
}

static void
acpi_build_madt(uint8_t *p, const struct platform_desc *d)
{
	struct acpi_madt *m;
	struct madt_lapic *l;
	struct madt_ioapic *io;
	struct madt_iso *iso;
	struct madt_lapic_nmi *nmi;
	uint8_t *q;
	int i;

	m = (struct acpi_madt *)p;
	acpi_header_init(&m->h, "APIC", (uint32_t)acpi_madt_size(d), 5);
	m->lapic_addr = (uint32_t)d->lapic_base;
	m->flags = 1;			/* PCAT_COMPAT: there are 8259s */
	q = p + sizeof(*m);

	/* One LAPIC per vCPU; APIC ID = vCPU index, as CPUID.1 EBX says. */
	for (i = 0; i < d->ncpu; i++) {
		l = (struct madt_lapic *)q;
		l->type = 0;
		l->length = sizeof(*l);
		l->uid = (uint8_t)i;
		l->apic_id = (uint8_t)i;
		l->flags = 1;
		q += sizeof(*l);
	}

	io = (struct madt_ioapic *)q;
	io->type = 1;
	io->length = sizeof(*io);
	io->id = d->ioapic_id;
	io->address = (uint32_t)d->ioapic_base;
	io->gsi_base = d->ioapic_gsi_base;
	q += sizeof(*io);

	/* The PIT's IRQ 0 is wired to IOAPIC pin 2 (pin 0 is ExtINT). */
	iso = (struct madt_iso *)q;
	iso->type = 2;
	iso->length = sizeof(*iso);
	iso->source = 0;
	iso->gsi = 2;
	iso->flags = MPS_POL_HIGH | MPS_TRIG_EDGE;
	q += sizeof(*iso);

	/* The SCI is a shareable level, active-low line (§5.2.9: SCI_INT). */
	iso = (struct madt_iso *)q;
	iso->type = 2;
	iso->length = sizeof(*iso);
	iso->source = d->sci_irq;
	iso->gsi = d->sci_irq;
	iso->flags = MPS_POL_LOW | MPS_TRIG_LEVEL;
	q += sizeof(*iso);

	/* NMI comes in on LINT1 of every processor. */
	nmi = (struct madt_lapic_nmi *)q;
	nmi->type = 4;
	nmi->length = sizeof(*nmi);
	nmi->uid = 0xFF;
	nmi->flags = MPS_POL_HIGH | MPS_TRIG_EDGE;
	nmi->lint = 1;

	acpi_table_cksum(&m->h);
}

static void
acpi_build_hpet(struct acpi_hpet *t, const struct platform_desc *d)
{

	acpi_header_init(&t->h, "HPET", sizeof(*t), 1);
	t->blockid = d->hpet_blockid;
	t->base.space = ACPI_GAS_MEM;
	t->base.address = d->hpet_base;
	t->number = 0;
	t->min_tick = 0;
	t->page_prot = 1;		/* 4 KiB protected */
	acpi_table_cksum(&t->h);
}

static void
acpi_build_mcfg(struct acpi_mcfg *t, const struct platform_desc *d)
{

	acpi_header_init(&t->h, "MCFG", sizeof(*t), 1);
	/* The base is that of bus 0, even when bus_start is not 0. */
	t->base = d->ecam_base;
	t->segment = 0;
	t->bus_start = d->bus_start;
	t->bus_end = d->bus_end;
	acpi_table_cksum(&t->h);
}

/* ---- DSDT ---- */

static void
dsdt_pci_crs(struct aml *a, const struct platform_desc *d)
{

	aml_name(a, "_CRS");
	aml_restemplate(a);
	aml_rd_word_bus(a, d->bus_start, d->bus_end);
	/* Configuration mechanism #1 belongs to the host bridge. */
	aml_rd_io(a, 0xCF8, 0xCF8, 1, 8);
	aml_rd_word_io(a, 0x0000, 0x0CF7);
	if (d->pci_io_limit >= d->pci_io_base)
		aml_rd_word_io(a, d->pci_io_base, d->pci_io_limit);
	if (d->mem32_size != 0)
		aml_rd_dword_mem(a, false, (uint32_t)d->mem32_base,
		    (uint32_t)(d->mem32_base + d->mem32_size - 1));
	if (d->mem64_size != 0)
		aml_rd_qword_mem(a, false, d->mem64_base,
		    d->mem64_base + d->mem64_size - 1);
	aml_restemplate_end(a);
}

/*
 * _PRT (§6.2.13): static entries {address, pin, 0, index} where a zero
 * source makes index the interrupt number itself.  APIC mode routes to
 * IOAPIC GSIs, PIC mode to 8259 IRQs; the OS's _PIC(1) picks the former.
 */
static void
dsdt_prt_table(struct aml *a, const char *name, const struct platform_desc *d,
    bool apic)
{
	const struct platform_intx *r;
	int i;

	aml_name(a, name);
	aml_package(a);
	for (i = 0; i < d->nintx; i++) {
		r = &d->intx[i];
		if (!apic && r->isa_irq == 0xFF)
			continue;
		aml_package(a);
		aml_integer(a, ((uint64_t)r->slot << 16) | 0xFFFF);
		aml_integer(a, (uint64_t)(r->pin - 1));
		aml_integer(a, 0);
		aml_integer(a, apic ? r->gsi : r->isa_irq);
		aml_end(a);
	}
	aml_end(a);
}

static void
dsdt_lpc_dev(struct aml *a, const struct platform_lpc_dev *l)
{
	const struct platform_io_range *r;
	int i;

	aml_device(a, l->name);
	aml_name(a, "_HID");
	aml_eisaid(a, l->hid);
	if (l->uid >= 0) {
		aml_name(a, "_UID");
		aml_integer(a, (uint64_t)l->uid);
	}
	aml_name(a, "_CRS");
	aml_restemplate(a);
	for (i = 0; i < l->nio; i++) {
		r = &l->io[i];
		aml_rd_io(a, r->base, r->base, 1, (uint8_t)r->len);
	}
	if (l->irq >= 0)
		aml_rd_irq_noflags(a, (unsigned)l->irq);
	aml_restemplate_end(a);
	aml_end(a);
}

static void
dsdt_build(struct aml *a, const struct platform_desc *d)
{
	int i;

	/*
	 * \_S5 (§7.4.2.5): SLP_TYPa, SLP_TYPb.  The PM1a_CNT handler powers
	 * off when SLP_EN is written with SLP_TYP = PLATFORM_SLP_TYP_S5.
	 */
	aml_name(a, "_S5");
	aml_package(a);
	aml_integer(a, PLATFORM_SLP_TYP_S5);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_end(a);

	/* \_PIC (§5.8.1): the OS says which interrupt model it uses. */
	aml_name(a, "PICM");
	aml_integer(a, 0);
	aml_method(a, "_PIC", 1, false);
	aml_store(a);
	aml_arg(a, 0);
	aml_nameref(a, "\\PICM");
	aml_end(a);

	aml_scope(a, "\\_SB");

	aml_device(a, "PCI0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0A03");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_BBN");
	aml_integer(a, d->bus_start);
	dsdt_pci_crs(a, d);

	dsdt_prt_table(a, "APRT", d, true);
	dsdt_prt_table(a, "PPRT", d, false);
	aml_method(a, "_PRT", 0, false);
	aml_if(a);
	aml_nameref(a, "\\PICM");
	aml_return(a);
	aml_nameref(a, "APRT");
	aml_end(a);
	aml_else(a);
	aml_return(a);
	aml_nameref(a, "PPRT");
	aml_end(a);
	aml_end(a);

	/* The ISA bridge (bhyve's LPC function) and what sits behind it. */
	if (d->nlpc > 0) {
		aml_device(a, "ISA");
		aml_name(a, "_ADR");
		aml_integer(a, d->lpc_adr);
		for (i = 0; i < d->nlpc; i++)
			dsdt_lpc_dev(a, &d->lpc[i]);
		aml_end(a);
	}

	if (d->hpet) {
		aml_device(a, "HPET");
		aml_name(a, "_HID");
		aml_eisaid(a, "PNP0103");
		aml_name(a, "_UID");
		aml_integer(a, 0);
		aml_name(a, "_CRS");
		aml_restemplate(a);
		aml_rd_mem32_fixed(a, true, (uint32_t)d->hpet_base, 0x400);
		aml_restemplate_end(a);
		aml_end(a);
	}
	/*
	 * -f: QEMU's fw_cfg as QEMU describes it (its "QEMU0002" _HID is
	 * what Linux's qemu_fw_cfg driver binds to): selector, data and
	 * DMA registers at 0x510-0x51B.  _STA 0xB: present, enabled,
	 * functioning, not shown in the UI.
	 */
	if (d->fwcfg) {
		aml_device(a, "FWCF");
		aml_name(a, "_HID");
		aml_string(a, "QEMU0002");
		aml_name(a, "_STA");
		aml_integer(a, 0x0B);
		aml_name(a, "_CRS");
		aml_restemplate(a);
		aml_rd_io(a, 0x510, 0x510, 1, 12);
		aml_restemplate_end(a);
		aml_end(a);
	}
	aml_end(a);			/* PCI0 */

	/*
	 * Motherboard resources (PNP0C02): Linux trusts MCFG's ECAM only if
	 * it is reserved here or in E820 (pci_mmcfg_late_init()).  The PM
	 * block is listed too so that nothing else is placed over it.
	 */
	if (d->ecam_base != 0 || d->pm1a_evt != 0) {
		aml_device(a, "MRES");
		aml_name(a, "_HID");
		aml_eisaid(a, "PNP0C02");
		aml_name(a, "_UID");
		aml_integer(a, 0);
		aml_name(a, "_CRS");
		aml_restemplate(a);
		if (d->ecam_base != 0)
			aml_rd_mem32_fixed(a, true, (uint32_t)(d->ecam_base +
			    ((uint64_t)d->bus_start << 20)),
			    (uint32_t)((d->bus_end - d->bus_start + 1) << 20));
		if (d->pm1a_evt != 0)
			aml_rd_io(a, d->pm1a_evt, d->pm1a_evt, 1, 4);
		if (d->pm1a_cnt != 0)
			aml_rd_io(a, d->pm1a_cnt, d->pm1a_cnt, 1, 2);
		if (d->pm_tmr != 0)
			aml_rd_io(a, d->pm_tmr, d->pm_tmr, 1, 4);
		aml_restemplate_end(a);
		aml_end(a);
	}

	aml_end(a);			/* \_SB */
}

static int
acpi_check(const struct platform_desc *d)
{
	int i;

	if (d->ncpu < 1 || d->ncpu > 255)
		return (-EINVAL);
	if (d->lapic_base > UINT32_MAX || d->ioapic_base > UINT32_MAX ||
	    d->hpet_base > UINT32_MAX || d->sci_irq > 15)
		return (-EINVAL);
	if (d->bus_end < d->bus_start)
		return (-EINVAL);
	if (d->mem32_size != 0 &&
	    d->mem32_base + d->mem32_size > (1ULL << 32))
		return (-EINVAL);
	if (d->pci_io_limit >= d->pci_io_base && d->pci_io_base < 0xD00)
		return (-EINVAL);	/* overlaps 0x0-0xCFF */
	if (d->nintx < 0 || d->nintx > PLATFORM_MAX_INTX ||
	    d->nlpc < 0 || d->nlpc > PLATFORM_MAX_LPC)
		return (-EINVAL);
	for (i = 0; i < d->nintx; i++)
		if (d->intx[i].slot > 31 || d->intx[i].pin < 1 ||
		    d->intx[i].pin > 4)
			return (-EINVAL);
	return (platform_numa_check(d));
}

int
platform_acpi_build(struct pbuf *pb, const struct platform_desc *d,
    struct platform_addrs *out)
{
	struct acpi_header *rsdt, *xsdt, *dsdt;
	struct acpi_rsdp *rsdp;
	struct aml a;
	uint64_t tables[ACPI_MAX_TABLES];
	uint64_t g_rsdt, g_xsdt, g_fadt, g_facs, g_dsdt, g_madt;
	uint64_t g_hpet, g_mcfg, g_srat, g_slit;
	uint8_t *madt, *srat, *slit;
	void *fadt, *facs, *hpet, *mcfg;
	size_t ntables, i, len;
	int err;

	err = acpi_check(d);
	if (err != 0)
		return (err);

	aml_init(&a);
	dsdt_build(&a, d);
	err = aml_error(&a);
	if (err != 0)
		goto out;

	ntables = 2 + (d->hpet ? 1 : 0) + (d->ecam_base != 0 ? 1 : 0) +
	    (d->ndomains > 0 ? 2 : 0);
	err = -ENOSPC;
	hpet = mcfg = NULL;
	srat = slit = NULL;
	g_rsdt = g_xsdt = g_fadt = g_facs = g_dsdt = g_madt = 0;
	g_hpet = g_mcfg = g_srat = g_slit = 0;
	/* The RSDP is on a 16-byte boundary for the legacy scan (§5.2.5.1). */
	rsdp = pb_alloc(pb, sizeof(*rsdp), 16, NULL);
	rsdt = pb_alloc(pb, sizeof(*rsdt) + 4 * ntables, 16, &g_rsdt);
	xsdt = pb_alloc(pb, sizeof(*xsdt) + 8 * ntables, 16, &g_xsdt);
	fadt = pb_alloc(pb, sizeof(struct acpi_fadt), 16, &g_fadt);
	madt = pb_alloc(pb, acpi_madt_size(d), 16, &g_madt);
	if (d->hpet)
		hpet = pb_alloc(pb, sizeof(struct acpi_hpet), 16, &g_hpet);
	if (d->ecam_base != 0)
		mcfg = pb_alloc(pb, sizeof(struct acpi_mcfg), 16, &g_mcfg);
	if (d->ndomains > 0) {
		srat = pb_alloc(pb, platform_srat_size(d), 16, &g_srat);
		slit = pb_alloc(pb, platform_slit_size(d), 16, &g_slit);
	}
	/* The FACS must be 64-byte aligned (§5.2.10). */
	facs = pb_alloc(pb, sizeof(struct acpi_facs), 64, &g_facs);
	dsdt = pb_alloc(pb, sizeof(*dsdt) + a.len, 16, &g_dsdt);
	if (rsdp == NULL || rsdt == NULL || xsdt == NULL || fadt == NULL ||
	    madt == NULL || facs == NULL || dsdt == NULL ||
	    (d->hpet && hpet == NULL) || (d->ecam_base != 0 && mcfg == NULL) ||
	    (d->ndomains > 0 && (srat == NULL || slit == NULL)))
		goto out;
	if (pb->gpa + pb->off > (1ULL << 32)) {
		err = -EINVAL;		/* 32-bit pointers (RSDT, FADT) */
		goto out;
	}

	/* DSDT revision 2: integers are 64 bits wide (§5.2.11.1). */
	acpi_header_init(dsdt, "DSDT", (uint32_t)(sizeof(*dsdt) + a.len), 2);
	memcpy((uint8_t *)dsdt + sizeof(*dsdt), a.buf, a.len);
	acpi_table_cksum(dsdt);

	acpi_build_facs(facs);
	acpi_build_fadt(fadt, d, g_facs, g_dsdt);
	acpi_build_madt(madt, d);
	if (hpet != NULL)
		acpi_build_hpet(hpet, d);
	if (mcfg != NULL)
		acpi_build_mcfg(mcfg, d);
	if (srat != NULL) {
		/* -n: the bodies are srat.c's (numa.h). */
		acpi_header_init((struct acpi_header *)srat, "SRAT",
		    (uint32_t)platform_srat_size(d), SRAT_REVISION);
		platform_srat_body(srat + sizeof(struct acpi_header), d);
		acpi_table_cksum((struct acpi_header *)srat);
		acpi_header_init((struct acpi_header *)slit, "SLIT",
		    (uint32_t)platform_slit_size(d), SLIT_REVISION);
		platform_slit_body(slit + sizeof(struct acpi_header), d);
		acpi_table_cksum((struct acpi_header *)slit);
	}

	/* The FADT comes first, by custom; the others in any order. */
	i = 0;
	tables[i++] = g_fadt;
	tables[i++] = g_madt;
	if (hpet != NULL)
		tables[i++] = g_hpet;
	if (mcfg != NULL)
		tables[i++] = g_mcfg;
	if (srat != NULL) {
		tables[i++] = g_srat;
		tables[i++] = g_slit;
	}

	len = sizeof(*rsdt) + 4 * ntables;
	acpi_header_init(rsdt, "RSDT", (uint32_t)len, 1);
	for (i = 0; i < ntables; i++) {
		uint32_t v = (uint32_t)tables[i];
		memcpy((uint8_t *)rsdt + sizeof(*rsdt) + 4 * i, &v, 4);
	}
	acpi_table_cksum(rsdt);

	len = sizeof(*xsdt) + 8 * ntables;
	acpi_header_init(xsdt, "XSDT", (uint32_t)len, 1);
	for (i = 0; i < ntables; i++)
		memcpy((uint8_t *)xsdt + sizeof(*xsdt) + 8 * i, &tables[i], 8);
	acpi_table_cksum(xsdt);

	memcpy(rsdp->sig, "RSD PTR ", 8);
	platform_strpad(rsdp->oem_id, ACPI_OEM_ID, sizeof(rsdp->oem_id));
	rsdp->revision = 2;
	rsdp->rsdt = (uint32_t)g_rsdt;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt = g_xsdt;
	rsdp->checksum = platform_cksum(rsdp, 20);
	rsdp->ext_checksum = platform_cksum(rsdp, sizeof(*rsdp));

	out->rsdp = pb->gpa + (uint64_t)((uint8_t *)rsdp - pb->buf);
	out->rsdt = g_rsdt;
	out->xsdt = g_xsdt;
	out->fadt = g_fadt;
	out->facs = g_facs;
	out->dsdt = g_dsdt;
	out->madt = g_madt;
	out->hpet = g_hpet;
	out->mcfg = g_mcfg;
	out->srat = g_srat;
	out->slit = g_slit;
	err = 0;
out:
	aml_fini(&a);
	return (err);
}
