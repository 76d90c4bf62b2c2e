/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform_setup.c: fills struct platform_desc from the machine lhyve has
 * actually built, so that the ACPI tables, MP table and SMBIOS describe
 * exactly what runs, and installs them in guest memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "devices/pci_emul.h"
#include "devices/fw_cfg.h"
#include "devices/pci_lpc.h"
#include "devices/pm.h"
#include "platform/numa.h"
#include "platform/platform_setup.h"
#include "vmm/vmm.h"

/* A topology value from the config tree (options.c checked it), or def. */
static int
topology_value(const char *name, int def)
{
	const char *v = get_config_value(name);
	long n;
	char *end;

	if (v == NULL)
		return (def);
	n = strtol(v, &end, 10);
	return (end != v && *end == '\0' && n > 0 && n <= 0xffff ?
	    (int)n : def);
}

int
platform_setup_intx(struct platform_desc *d)
{
	struct pci_intx_route r[PLATFORM_MAX_INTX];
	int n, error;

	n = pci_get_intx_routes(r, PLATFORM_MAX_INTX);
	if (n > PLATFORM_MAX_INTX) {
		fprintf(stderr, "lhyve: %d PCI interrupt routes, the platform "
		    "tables hold %d\n", n, PLATFORM_MAX_INTX);
		return (-ENOSPC);
	}
	for (int i = 0; i < n; i++) {
		error = platform_intx_add(d, r[i].slot, r[i].pin,
		    r[i].ioapic_irq, r[i].isa_irq);
		if (error != 0) {
			fprintf(stderr, "lhyve: PCI slot %d INT%c: cannot "
			    "describe its route: %s\n", r[i].slot,
			    'A' + r[i].pin - 1, strerror(-error));
			return (error);
		}
	}
	return (0);
}

int
platform_setup_desc(struct vmctx *ctx, struct platform_desc *d)
{
	struct pci_windows w;
	int ncpu, slot, func, error;

	ncpu = vm_get_ncpus(ctx);
	platform_desc_init(d, ncpu, vm_get_lowmem_size(ctx),
	    vm_get_highmem_size(ctx));
	/* bhyve's calc_topology(): sockets default to the vCPU count. */
	d->sockets = topology_value("sockets", ncpu);
	d->cores = topology_value("cores", 1);
	d->threads = topology_value("threads", 1);
	/* XXX: cpu_signature/cpu_features stay bhyve's defaults; vmm.h has
	 * no way to ask the backend's CPUID model yet. */

	d->uuid = get_config_value("uuid");
	d->vm_name = get_config_value("name");
	if (d->vm_name == NULL)
		d->vm_name = vm_get_name(ctx);
	/* -Y; platform_desc_init turns every table on. */
	d->mptable = get_config_bool_default("x86.mptable", true);
	d->acpi = get_config_bool_default("acpi_tables", true);
	/* -f: describe fw_cfg so Linux's qemu_fw_cfg driver finds it. */
	d->fwcfg = fwcfg_wanted();
	/* -n: NUMA domains for the SRAT/SLIT (numa_setup.c). */
	error = platform_setup_numa(d);
	if (error != 0)
		return (error);

	/* PCI: the ECAM and windows pci_emul.c really uses. */
	d->ecam_base = PCI_EMUL_ECFG_BASE;
	d->bus_start = 0;
	d->bus_end = PCI_BUSMAX;
	pci_get_windows(&w);
	d->mem32_base = w.mem32_base;
	d->mem32_size = w.mem32_limit - w.mem32_base;
	d->mem64_base = w.mem64_base;
	d->mem64_size = w.mem64_limit - w.mem64_base;
	/*
	 * The I/O window starts at 0xD00 (bhyve's _CRS does too): the BARs
	 * go from 0x2000, and legacy devices below that stay the LPC's.
	 */
	d->pci_io_limit = (uint16_t)(w.io_limit - 1);
	error = platform_setup_intx(d);
	if (error != 0)
		return (error);

	/* The LPC bridge and the legacy devices that exist behind it. */
	if (lpc_bridge_location(&slot, &func) == 0) {
		d->lpc_adr = (uint32_t)slot << 16 | (uint32_t)func;
		for (int unit = 0; unit < 4; unit++) {
			if (!lpc_uart_present(unit))
				continue;
			error = platform_lpc_add_uart(d, unit + 1);
			if (error != 0)
				return (error);
		}
	}
	/* atkbdc.c is only the reset line: no 8042 to describe. */

	/* The ACPI PM block is pm.c's (its ports are platform.h's). */
	d->pm1a_evt = PLATFORM_PM1A_EVT;
	d->pm1a_cnt = PLATFORM_PM1A_CNT;
	d->pm_tmr = PLATFORM_PM_TMR;
	d->pm_tmr_32bit = PM_TMR_32BIT;
	d->smi_cmd = PLATFORM_SMI_CMD;
	d->acpi_enable = PLATFORM_ACPI_ENABLE;
	d->acpi_disable = PLATFORM_ACPI_DISABLE;
	d->sci_irq = PLATFORM_SCI_IRQ;
	/*
	 * XXX: the LAPIC, IOAPIC (id 0, 24 pins) and HPET are described at
	 * their fixed addresses although the emu backend models them only
	 * from the interrupt-controller issue on.
	 */
	return (0);
}

int
platform_setup(struct vmctx *ctx, uint64_t *rsdp_gpa)
{
	struct platform_desc *d;
	struct platform_addrs a;
	int error;

	*rsdp_gpa = 0;
	/* ~7 KiB: keep it off the caller's stack. */
	d = malloc(sizeof(*d));
	if (d == NULL)
		return (-ENOMEM);
	error = platform_setup_desc(ctx, d);
	if (error != 0)
		goto done;
	pm_init(ctx);
	error = platform_install(ctx, PLATFORM_TABLES_BASE,
	    PLATFORM_TABLES_LEN, d, &a);
	if (error != 0) {
		fprintf(stderr, "lhyve: cannot write the ACPI/MP/SMBIOS tables "
		    "at 0x%llx: %s\n", (unsigned long long)PLATFORM_TABLES_BASE,
		    strerror(-error));
		goto done;
	}
	*rsdp_gpa = a.rsdp;
done:
	free(d);
	return (error);
}
