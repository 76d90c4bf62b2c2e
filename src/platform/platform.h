/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform.h: the platform description a PC firmware would hand to an OS
 * (ACPI tables with an AML DSDT, the Intel MP table, SMBIOS), built in C
 * from a struct platform_desc the caller fills.  See docs/platform.md.
 *
 * Everything is input: this code does not look at the config tree or at
 * the device models.  bhyverun (or the boot code) fills the description
 * from what it has set up, then calls platform_build() or
 * platform_install().
 */
#ifndef LHYVE_PLATFORM_H
#define LHYVE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmctx;

/*
 * Where the tables go by default: the BIOS area, where the legacy scans
 * look (MP: 0xF0000-0xFFFFF; SMBIOS: 0xF0000-0xFFFFF; RSDP:
 * 0xE0000-0xFFFFF).  The top 4 KiB are left alone for a reset vector.
 * E820 must mark 0xE0000-0xFFFFF reserved.
 */
#define PLATFORM_TABLES_BASE	0xF0000ULL
#define PLATFORM_TABLES_LEN	0xF000ULL

/* The SLP_TYP value of \_S5 in the DSDT: PM1a_CNT bits 12:10 on S5. */
#define PLATFORM_SLP_TYP_S5	5

/* Defaults for the ACPI PM block, bhyve's layout (its acpi.h / pm.c). */
#define PLATFORM_PM1A_EVT	0x400	/* PM1_STS 0x400, PM1_EN 0x402 */
#define PLATFORM_PM1A_CNT	0x404
#define PLATFORM_PM_TMR		0x408	/* 32-bit, 3.579545 MHz */
#define PLATFORM_SMI_CMD	0xB2
#define PLATFORM_ACPI_ENABLE	0xA0
#define PLATFORM_ACPI_DISABLE	0xA1
#define PLATFORM_SCI_IRQ	9
#define PLATFORM_RESET_PORT	0xCF9
#define PLATFORM_RESET_VALUE	0x06

#define PLATFORM_ECAM_BASE	0xE0000000ULL
#define PLATFORM_MAX_LPC	16
#define PLATFORM_LPC_MAX_IO	4
#define PLATFORM_MAX_INTX	128
#define PLATFORM_MAX_DOMAINS	8	/* NUMA domains (SRAT) */
#define PLATFORM_MAX_CPUS	255	/* APIC IDs 0..254 in the MADT */

struct platform_io_range {
	uint16_t base;
	uint16_t len;		/* 1..255 */
};

/* One device behind the LPC (ISA) bridge, as the DSDT describes it. */
struct platform_lpc_dev {
	char name[5];		/* AML NameSeg, e.g. "COM1" */
	char hid[8];		/* EISA ID, e.g. "PNP0501" */
	int uid;		/* _UID; < 0 for none */
	int nio;
	struct platform_io_range io[PLATFORM_LPC_MAX_IO];
	int irq;		/* ISA IRQ 0..15; < 0 for none */
};

/*
 * PCI INTx routing on bus 0: device 'slot', pin 1..4 (INTA#..INTD#, as
 * in config register 0x3D) reaches IOAPIC input 'gsi' and, in PIC mode,
 * 8259 input 'isa_irq' (0xFF if it reaches none).  Both are
 * level-triggered, active-low lines (PCI 3.0 §2.2.6).
 */
struct platform_intx {
	uint8_t slot;
	uint8_t pin;
	uint8_t gsi;
	uint8_t isa_irq;
};

struct platform_desc {
	/* CPUs: APIC IDs 0..ncpu-1, vCPU 0 is the BSP. */
	int ncpu;
	int sockets, cores, threads;	/* SMBIOS type 4 (0: unknown) */
	uint32_t cpu_signature;		/* CPUID.1 EAX, for MP / SMBIOS */
	uint32_t cpu_features;		/* CPUID.1 EDX, for MP / SMBIOS */

	/* Guest RAM: [0, lowmem) and [4 GiB, 4 GiB + highmem). */
	uint64_t lowmem;
	uint64_t highmem;

	/* Interrupt controllers and timers. */
	uint64_t lapic_base;
	uint64_t ioapic_base;
	uint8_t ioapic_id;		/* must match the IOAPIC ID register */
	uint8_t ioapic_npins;		/* 24 */
	uint32_t ioapic_gsi_base;	/* 0 */
	bool hpet;
	uint64_t hpet_base;
	uint32_t hpet_blockid;		/* low half of HPET GCAP_ID */

	/* PCI (segment 0). */
	uint64_t ecam_base;		/* 0: no MCFG */
	uint8_t bus_start, bus_end;
	uint16_t pci_io_base, pci_io_limit;	/* window above 0xCFF */
	uint64_t mem32_base, mem32_size;	/* below the ECAM / IOAPIC */
	uint64_t mem64_base, mem64_size;	/* above highmem; size 0: none */
	uint32_t lpc_adr;		/* _ADR of the ISA bridge: dev << 16 | fn */
	int nintx;
	struct platform_intx intx[PLATFORM_MAX_INTX];

	/* ACPI fixed hardware (FADT). */
	uint16_t pm1a_evt, pm1a_cnt, pm_tmr;
	bool pm_tmr_32bit;
	uint16_t smi_cmd;		/* 0: always in ACPI mode */
	uint8_t acpi_enable, acpi_disable;
	uint8_t sci_irq;
	uint16_t reset_port;
	uint8_t reset_value;
	uint8_t rtc_century;		/* CMOS index of the century; 0: none */
	bool kbd_8042;			/* IAPC_BOOT_ARCH 8042 flag */
	bool fwcfg;			/* QEMU fw_cfg at 0x510 (-f): FWCF */
	bool vga;			/* clear: VGA Not Present */

	/* LPC devices (the DSDT's ISA bridge). */
	int nlpc;
	struct platform_lpc_dev lpc[PLATFORM_MAX_LPC];

	/* SMBIOS type 1: uuid ("-U"), else MD5(vm_name, hostname) as bhyve. */
	const char *vm_name;
	const char *uuid;
	const char *hostname;		/* NULL: gethostname() */

	/*
	 * NUMA (-n; srat.c): with ndomains > 0, an SRAT and a SLIT.  Domain
	 * i is proximity domain i; it owns numa_mem[i] bytes of RAM, the
	 * domains in order from address 0 (lowmem, then highmem; the sizes
	 * add up to lowmem + highmem), and vCPU c is in cpu_domain[c].
	 */
	int ndomains;
	uint64_t numa_mem[PLATFORM_MAX_DOMAINS];
	uint8_t cpu_domain[PLATFORM_MAX_CPUS];

	/* Which tables to build. */
	bool acpi;
	bool mptable;			/* x86.mptable (off with -Y) */
	bool smbios;
};

/* Guest-physical addresses of what platform_build() wrote; 0 if absent. */
struct platform_addrs {
	uint64_t rsdp;			/* for the zero page's acpi_rsdp_addr */
	uint64_t mpfp;			/* MP floating pointer */
	uint64_t smbios;		/* SMBIOS 2.x entry point */
	uint64_t end;			/* first byte after the last table */
	/* Individual ACPI tables, for tests and debugging. */
	uint64_t rsdt, xsdt, fadt, facs, dsdt, madt, hpet, mcfg;
	uint64_t srat, slit;		/* with NUMA domains only */
};

/*
 * Defaults for a bhyve-like PC with ncpu vCPUs and the given RAM: PM
 * block at 0x400, SCI 9, reset at 0xCF9, IOAPIC id 0 with 24 pins, HPET,
 * ECAM at 0xE0000000 for buses 0-255, the 32-bit MMIO window from lowmem
 * to the ECAM, a 32 GiB 64-bit window above highmem, the ISA bridge at
 * 31.0 with the PIC, PIT and RTC; every table on.  No UARTs, no 8042 and
 * no INTx routes: add them.
 */
void platform_desc_init(struct platform_desc *d, int ncpu, uint64_t lowmem,
    uint64_t highmem);
/* Add a device to the ISA bridge (0 or -ENOSPC / -EINVAL). */
int platform_lpc_add(struct platform_desc *d, const char *name,
    const char *hid, int uid, int irq, int nio,
    const struct platform_io_range *io);
/* COM1..COM4 at their standard ports and IRQs (4, 3, 4, 3). */
int platform_lpc_add_uart(struct platform_desc *d, int n);
/* The 8042 at 0x60/0x64, IRQ 1; also sets kbd_8042. */
int platform_lpc_add_kbd(struct platform_desc *d);
/* Add a PCI INTx route (0 or -ENOSPC / -EINVAL). */
int platform_intx_add(struct platform_desc *d, int slot, int pin, int gsi,
    int isa_irq);

/*
 * Build every enabled table into buf, which stands for guest-physical
 * [gpa, gpa + len).  Never writes past len.  Returns 0, or -ENOSPC if it
 * does not fit, -EINVAL for a bad description (e.g. a malformed uuid),
 * -ENOMEM.  Unused bytes of buf are zeroed.
 */
int platform_build(uint8_t *buf, size_t len, uint64_t gpa,
    const struct platform_desc *d, struct platform_addrs *out);
/* platform_build() into guest memory through vm_map_gpa(). */
int platform_install(struct vmctx *ctx, uint64_t gpa, size_t len,
    const struct platform_desc *d, struct platform_addrs *out);

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" -> 16 bytes, SMBIOS order. */
int smbios_parse_uuid(const char *s, uint8_t out[16]);

#endif /* LHYVE_PLATFORM_H */
