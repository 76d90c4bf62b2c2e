/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_platform_setup.c: platform_setup() on a real emu-backend VM with
 * real PCI/LPC devices: the tables it writes into guest memory describe
 * the machine that was built (vCPUs, IOAPIC, INTx routes, COM ports, PCI
 * windows, ECAM, PM block), and -Y drops the MP table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "devices/inout.h"
#include "devices/mem.h"
#include "devices/pci_emul.h"
#include "devices/pci_lpc.h"
#include "devices/pm.h"
#include "platform/platform_setup.h"
#include "vmm/vmm.h"

/* A PCI function that only uses INTx. */
static int
intxdev_init(struct pci_devinst *pi, struct config_node *nvl)
{
	pci_lintr_request(pi);
	return (0);
}

const struct pci_devemu pci_de_intxdev = {
	.pe_emu = "intxdev",
	.pe_init = intxdev_init,
};
PCI_EMUL_SET(pci_de_intxdev);

extern const struct pci_devemu pci_de_hostbridge;
const void *pull_hostbridge = &pci_de_hostbridge;

static struct vmctx *ctx;

static int
setup(void **state)
{
	char err[128];

	init_config();
	init_inout(false);
	init_mem();
	ctx = vm_create("psetup", "emu", 4, err, sizeof(err));
	if (ctx == NULL)
		fail_msg("vm_create(emu): %s", err);
	assert_int_equal(vm_setup_memory(ctx, 64 << 20), 0);
	return (0);
}

static int
teardown(void **state)
{
	unset_config_value("pci");
	unset_config_value("lpc");
	(void)init_pci(NULL);
	vm_destroy(ctx);
	free_config();
	return (0);
}

static void
machine(void)
{
	char s0[] = "0,hostbridge", s31[] = "31,lpc", s3[] = "3,intxdev",
	    s40[] = "4:0,intxdev", s41[] = "4:1,intxdev";

	set_config_value("name", "vm0");
	set_config_value("cpus", "4");
	set_config_value("sockets", "2");
	set_config_value("cores", "2");
	set_config_value("uuid", "12345678-9abc-def0-1234-56789abcdef0");
	assert_int_equal(pci_parse_slot(s0), 0);
	assert_int_equal(pci_parse_slot(s31), 0);
	assert_int_equal(pci_parse_slot(s3), 0);
	assert_int_equal(pci_parse_slot(s40), 0);
	assert_int_equal(pci_parse_slot(s41), 0);
	assert_int_equal(lpc_device_parse("com1,/dev/null"), 0);
	assert_int_equal(init_pci(ctx), 0);
}

static const uint8_t *
gpa(uint64_t a, size_t len)
{
	const uint8_t *p = vm_map_gpa(ctx, a, len);

	assert_non_null(p);
	return (p);
}

static uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return (v);
}

static uint64_t
rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return (v);
}

static uint8_t
sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n-- > 0)
		s += *p++;
	return (s);
}

/* The XSDT entry with this signature, or 0. */
static uint64_t
find_table(uint64_t rsdp, const char *sig)
{
	const uint8_t *r = gpa(rsdp, 36), *x;
	uint64_t xsdt = rd64(r + 24), t;
	uint32_t len;

	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, 36), 0);
	x = gpa(xsdt, 36);
	len = rd32(x + 4);
	x = gpa(xsdt, len);
	assert_int_equal(sum(x, len), 0);
	for (uint32_t o = 36; o + 8 <= len; o += 8) {
		t = rd64(x + o);
		if (memcmp(gpa(t, 4), sig, 4) == 0)
			return (t);
	}
	return (0);
}

static void
test_desc_matches_devices(void **state)
{
	static struct platform_desc d;
	struct pci_intx_route r[8];
	int n;

	machine();
	assert_int_equal(platform_setup_desc(ctx, &d), 0);
	assert_int_equal(d.ncpu, 4);
	assert_int_equal(d.sockets, 2);
	assert_int_equal(d.cores, 2);
	assert_int_equal(d.threads, 1);
	assert_int_equal(d.lowmem, 64 << 20);
	assert_int_equal(d.highmem, 0);
	assert_string_equal(d.vm_name, "vm0");
	assert_string_equal(d.uuid, "12345678-9abc-def0-1234-56789abcdef0");
	assert_true(d.mptable);
	assert_true(d.acpi);
	assert_int_equal(d.ecam_base, 0xE0000000ULL);
	assert_int_equal(d.bus_end, 255);
	assert_int_equal(d.mem32_base, 0xC0000000ULL);
	assert_int_equal(d.mem32_size, 0x20000000ULL);
	assert_int_equal(d.mem64_base, 32ULL << 30);
	assert_int_equal(d.mem64_size, 32ULL << 30);
	assert_int_equal(d.pci_io_base, 0x0D00);
	assert_int_equal(d.pci_io_limit, 0xFFFF);
	assert_int_equal(d.lpc_adr, 31 << 16);
	assert_int_equal(d.pm1a_evt, 0x400);
	assert_int_equal(d.pm1a_cnt, 0x404);
	assert_int_equal(d.pm_tmr, 0x408);
	assert_true(d.pm_tmr_32bit);
	assert_int_equal(d.smi_cmd, 0xB2);
	assert_int_equal(d.sci_irq, 9);
	/* PIC, PIT, RTC, then the four COM ports the bridge created. */
	assert_int_equal(d.nlpc, 7);
	assert_string_equal(d.lpc[3].name, "COM1");
	assert_string_equal(d.lpc[6].name, "COM4");
	assert_int_equal(d.lpc[4].irq, 3);
	assert_false(d.kbd_8042);

	/* intx[] is exactly the routes init_pci made. */
	n = pci_get_intx_routes(r, 8);
	assert_int_equal(n, 3);
	assert_int_equal(d.nintx, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(d.intx[i].slot, r[i].slot);
		assert_int_equal(d.intx[i].pin, r[i].pin);
		assert_int_equal(d.intx[i].gsi, r[i].ioapic_irq);
		assert_int_equal(d.intx[i].isa_irq, r[i].isa_irq);
	}
	/* Slot 3 INTA -> (4+3+1)%8 = 0: GSI 16; 4.0 INTA -> 17, 4.1 INTB
	 * -> 18; the COM IRQs 3/4 and SCI 9 leave 5, 6, 7 to the PIRQs. */
	assert_int_equal(d.intx[0].slot, 3);
	assert_int_equal(d.intx[0].gsi, 16);
	assert_int_equal(d.intx[0].isa_irq, 5);
	assert_int_equal(d.intx[1].slot, 4);
	assert_int_equal(d.intx[1].pin, 1);
	assert_int_equal(d.intx[1].gsi, 17);
	assert_int_equal(d.intx[1].isa_irq, 6);
	assert_int_equal(d.intx[2].pin, 2);
	assert_int_equal(d.intx[2].gsi, 18);
	assert_int_equal(d.intx[2].isa_irq, 7);
}

static void
test_tables_in_guest_memory(void **state)
{
	const uint8_t *t, *mp, *e, *end;
	uint64_t rsdp, madt, mcfg, dsdt, fadt;
	int nlapic = 0, nioapic = 0, npci = 0;
	uint32_t len;
	struct pci_intx_route r[8];

	machine();
	assert_int_equal(pci_get_intx_routes(r, 8), 3);
	assert_int_equal(platform_setup(ctx, &rsdp), 0);
	assert_true(rsdp >= 0xF0000 && rsdp < 0xFF000);
	assert_int_equal(rsdp % 16, 0);

	/* MADT: 4 LAPICs (IDs 0-3) and the one IOAPIC at 0xFEC00000. */
	madt = find_table(rsdp, "APIC");
	assert_true(madt != 0);
	len = rd32(gpa(madt, 8) + 4);
	t = gpa(madt, len);
	assert_int_equal(sum(t, len), 0);
	assert_int_equal(rd32(t + 36), 0xFEE00000);
	for (e = t + 44, end = t + len; e < end; e += e[1]) {
		assert_true(e[1] >= 2);
		if (e[0] == 0) {
			assert_int_equal(e[3], nlapic);	/* APIC ID */
			nlapic++;
		} else if (e[0] == 1) {
			assert_int_equal(e[2], 0);	/* IOAPIC ID */
			assert_int_equal(rd32(e + 4), 0xFEC00000);
			assert_int_equal(rd32(e + 8), 0);
			nioapic++;
		}
	}
	assert_int_equal(nlapic, 4);
	assert_int_equal(nioapic, 1);

	/* MCFG: the ECAM pci_emul.c decodes. */
	mcfg = find_table(rsdp, "MCFG");
	assert_true(mcfg != 0);
	t = gpa(mcfg, 60);
	assert_int_equal(rd64(t + 44), PCI_EMUL_ECFG_BASE);
	assert_int_equal(t[54], 0);
	assert_int_equal(t[55], 255);

	/* FADT: the PM block pm.c serves, DSDT with COM1-4 and the _PRT. */
	fadt = find_table(rsdp, "FACP");
	assert_true(fadt != 0);
	t = gpa(fadt, 276);
	assert_int_equal(rd32(t + 56), PLATFORM_PM1A_EVT);
	assert_int_equal(rd32(t + 64), PLATFORM_PM1A_CNT);
	assert_int_equal(rd32(t + 76), PLATFORM_PM_TMR);
	assert_int_equal(rd32(t + 48), PLATFORM_SMI_CMD);
	dsdt = rd64(t + 140);
	len = rd32(gpa(dsdt, 8) + 4);
	t = gpa(dsdt, len);
	assert_int_equal(sum(t, len), 0);
	assert_non_null(memmem(t, len, "COM1", 4));
	assert_non_null(memmem(t, len, "COM4", 4));
	assert_non_null(memmem(t, len, "_PRT", 4));

	/* MP table: every INTx route as PCI bus 0, slot << 2 | pin - 1. */
	mp = memmem(gpa(0xF0000, 0x10000), 0x10000, "_MP_", 4);
	assert_non_null(mp);
	t = gpa(rd32(mp + 4), 44);
	assert_memory_equal(t, "PCMP", 4);
	len = t[4] | t[5] << 8;
	t = gpa(rd32(mp + 4), len);
	assert_int_equal(sum(t, len), 0);
	for (e = t + 44, end = t + len; e < end;
	    e += e[0] == 0 ? 20 : 8) {
		if (e[0] != 3 || e[4] != 0)	/* I/O interrupt, bus 0 */
			continue;
		for (int i = 0; i < 3; i++) {
			if (e[5] == (r[i].slot << 2 | (r[i].pin - 1))) {
				assert_int_equal(e[7], r[i].ioapic_irq);
				npci++;
			}
		}
	}
	assert_int_equal(npci, 3);
	/* The power button works once the guest is in ACPI mode. */
	assert_false(pm_acpi_enabled());
}

static void
test_no_mptable(void **state)
{
	uint64_t rsdp;

	set_config_value("x86.mptable", "false");
	machine();
	assert_int_equal(platform_setup(ctx, &rsdp), 0);
	assert_null(memmem(gpa(0xF0000, 0xF000), 0xF000, "_MP_", 4));
	assert_non_null(memmem(gpa(0xF0000, 0xF000), 0xF000, "_SM_", 4));
	assert_true(rsdp != 0);
}

static void
test_no_lpc(void **state)
{
	static struct platform_desc d;
	char s0[] = "0,hostbridge";

	assert_int_equal(pci_parse_slot(s0), 0);
	assert_int_equal(init_pci(ctx), 0);
	assert_int_equal(platform_setup_desc(ctx, &d), 0);
	assert_int_equal(d.nlpc, 3);		/* PIC, PIT, RTC only */
	assert_int_equal(d.nintx, 0);
	assert_string_equal(d.vm_name, "psetup");
	assert_null(d.uuid);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_desc_matches_devices),
		T(test_tables_in_guest_memory),
		T(test_no_mptable),
		T(test_no_lpc),
	};
#undef T

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
