/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_emul.h: the PCI core, in bhyve's shape.  A PCI function type is a
 * const struct pci_devemu put in the PCI_EMUL_SET linker set and found by
 * name; each configured slot (pci.B.S.F in the config tree) becomes a
 * struct pci_devinst with its own configuration space and BARs.  The guest
 * reaches configuration space through mechanism #1 (ports 0xCF8/0xCFC) or
 * ECAM (memory-mapped, 4 KiB per function at PCI_EMUL_ECFG_BASE), and the
 * BARs through inout/mem registrations the core makes and moves.  Devices
 * interrupt through INTx (routed by pci_irq.c onto IOAPIC pins 16-23 and
 * the PIRQ router's ISA IRQs), MSI or MSI-X (pci_msi.c).
 *
 * Entry points for bhyverun.c:
 *   pci_parse_slot(opt)          -s slot,emulation[,conf] -> pci.B.S.F.*
 *   pci_print_supported_devices() -s help
 *   init_pci(ctx)                instantiate every pci.B.S.F node; call it
 *                                after init_inout() and init_mem()
 */
#ifndef LHYVE_PCI_EMUL_H
#define LHYVE_PCI_EMUL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "devices/pcireg.h"
#include "linker_set.h"
#include "vmm/vmm.h"

struct pci_devinst;

/* One PCI function type (bhyve's struct pci_devemu). */
struct pci_devemu {
	const char *pe_emu;		/* name used by -s and pci.B.S.F.device */

	/* Set up the function from its config node: IDs, BARs, caps. */
	int (*pe_init)(struct pci_devinst *pi, struct config_node *nvl);
	/* Parse the -s <conf> string into nvl; NULL: the generic parser. */
	int (*pe_legacy_config)(struct config_node *nvl, const char *opts);

	/*
	 * Configuration-space hooks: return 0 if the device handled the
	 * access (cfgread fills *retval), anything else to let the core do
	 * its default.
	 */
	int (*pe_cfgwrite)(struct pci_devinst *pi, int offset, int bytes,
	    uint32_t val);
	int (*pe_cfgread)(struct pci_devinst *pi, int offset, int bytes,
	    uint32_t *retval);

	/* BAR accesses: size is 1, 2 or 4 (8-byte MMIO is split in two). */
	void (*pe_barwrite)(struct pci_devinst *pi, int baridx,
	    uint64_t offset, int size, uint64_t value);
	uint64_t (*pe_barread)(struct pci_devinst *pi, int baridx,
	    uint64_t offset, int size);
	/* Told when a BAR starts or stops decoding at an address. */
	void (*pe_baraddr)(struct pci_devinst *pi, int baridx, int enabled,
	    uint64_t address);
};
#define PCI_EMUL_SET(x)		DATA_SET(pci_devemu_set, x)

enum pcibar_type {
	PCIBAR_NONE,
	PCIBAR_IO,
	PCIBAR_MEM32,
	PCIBAR_MEM64,
	PCIBAR_MEMHI64		/* the upper half of the BAR before it */
};

struct pcibar {
	enum pcibar_type type;
	uint64_t size;
	uint64_t addr;
	uint8_t lobits;		/* the read-only low bits of the register */
	bool registered;	/* the range is in inout/mem right now */
};

enum lintr_stat { IDLE, ASSERTED, PENDING };

/* Where one INTx line goes (bhyve's struct pci_irq); 0: not routed. */
struct pci_irq {
	int ioapic_irq;		/* IOAPIC input, 16..23 */
	int pirq_pin;		/* PIRQ router input, 1..8 (PIRQA#..PIRQH#) */
};

/* One MSI-X table entry as the guest sees it (PCI 3.0 §6.8.2.6-9). */
struct msix_table_entry {
	uint64_t addr;
	uint32_t msg_data;
	uint32_t vector_control;
};

#define PI_NAMESZ	40

struct pci_devinst {
	const struct pci_devemu *pi_d;
	struct vmctx *pi_vmctx;
	uint8_t pi_bus, pi_slot, pi_func;
	char pi_name[PI_NAMESZ];
	int pi_prevcap;			/* offset of the last capability */
	int pi_capend;			/* last byte of the capability area */

	struct {
		int8_t pin;		/* 1..4 for INTA..INTD, 0: none */
		enum lintr_stat state;
		struct pci_irq irq;
		pthread_mutex_t lock;
	} pi_lintr;

	/*
	 * MSI and MSI-X state, derived from the capabilities when the guest
	 * writes them; pi_msilock guards both and the MSI-X table (devices
	 * generate messages from their own threads).
	 */
	pthread_mutex_t pi_msilock;
	struct {
		int capoff;		/* 0: no MSI capability */
		bool enabled;
		uint64_t addr;
		uint16_t msg_data;
		int maxmsgnum;		/* messages the guest enabled */
	} pi_msi;
	struct {
		int capoff;		/* 0: no MSI-X capability */
		bool enabled;
		bool function_mask;
		int table_bar, pba_bar;
		uint32_t table_offset;	/* in table_bar */
		int table_count;
		uint32_t pba_offset;	/* in pba_bar */
		int pba_size;		/* bytes */
		struct msix_table_entry *table;
		uint64_t *pba;		/* pending bits, one per vector */
	} pi_msix;

	void *pi_arg;			/* the device's softc */

	/* 4 KiB so that ECAM can reach extended space later. */
	uint8_t pi_cfgdata[PCIE_REGMAX + 1];
	struct pcibar pi_bar[PCI_BARMAX + 1];
};

/* Windows the BAR allocator hands out (bhyve's pci_emul.c values). */
#define PCI_EMUL_IOBASE		0x2000
#define PCI_EMUL_IOLIMIT	0x10000
#define PCI_EMUL_MEMBASE32	VM_PCI_HOLE_BASE	/* 3 GiB */
#define PCI_EMUL_MEMLIMIT32	0xE0000000ULL	/* ECAM window follows */
#define PCI_EMUL_ECFG_BASE	0xE0000000ULL	/* = PLATFORM_ECAM_BASE */
/* ECAM: 1 MiB per bus (PCIe 3.0 §7.2.2), buses 0-255 as the MCFG says. */
#define PCI_EMUL_ECFG_SIZE	((uint64_t)(PCI_BUSMAX + 1) << 20)
#define PCI_EMUL_MEMSIZE64	(32ULL << 30)
/* 64-bit BARs up to this size go below 4 GiB, as bhyve does. */
#define PCI_EMUL_MEM64_LOW_MAX	(128ULL << 20)

/* -s parsing (BHYVE-CLI.md).  0, or -1 after printing the problem. */
int pci_parse_slot(char *opt);
/* Generic <conf>: name[=value],...; a bare name means true.  0 or -1. */
int pci_parse_legacy_config(struct config_node *nvl, const char *opt);
void pci_print_supported_devices(void);
const struct pci_devemu *pci_emul_finddev(const char *name);

/* Instantiate every pci.B.S.F node.  0, or -1 after printing why. */
int init_pci(struct vmctx *ctx);
/* The function at bus:slot.func, or NULL. */
struct pci_devinst *pci_get_devinst(int bus, int slot, int func);

/*
 * One configuration-space access (the mechanism #1 ports and ECAM share
 * it).  Reads of an absent function give all-ones; offsets 0x100-0xFFF
 * (PCIe extended space) read what the device put there (zero: no
 * extended capabilities) and ignore writes unless pe_cfgwrite takes them.
 */
void pci_cfgrw(int in, int bus, int slot, int func, int coff, int bytes,
    uint32_t *val);

/* The windows the BAR allocator uses (for the DSDT's _CRS). */
struct pci_windows {
	uint64_t io_base, io_limit;		/* [base, limit) */
	uint64_t mem32_base, mem32_limit;
	uint64_t mem64_base, mem64_limit;
};
void pci_get_windows(struct pci_windows *w);

/*
 * The INTx routes of bus 0 as init_pci() made them, one per (slot, pin)
 * in use, in slot/pin order: fills up to max entries, returns how many
 * there are.
 */
struct pci_intx_route {
	int slot, pin;		/* pin 1..4 = INTA#..INTD# */
	int ioapic_irq;		/* GSI */
	int isa_irq;		/* 8259 input in PIC mode; -1: none */
};
int pci_get_intx_routes(struct pci_intx_route *out, int max);

/*
 * Ask for BAR idx of 'size' bytes (rounded up to a power of two); for
 * PCIBAR_MEM64 idx + 1 becomes the upper half.  Called from pe_init; the
 * address is assigned, and decoding enabled, once every device is set up.
 * 0 or -errno.
 */
int pci_emul_alloc_bar(struct pci_devinst *pi, int idx,
    enum pcibar_type type, uint64_t size);
/* Append a capability (ID, next, body); the core links it.  0 or -1. */
int pci_emul_add_capability(struct pci_devinst *pi, const uint8_t *capdata,
    int caplen);
/* The offset of the first capability with that ID, or -1. */
int pci_emul_find_capability(struct pci_devinst *pi, uint8_t capid);

/*
 * INTx (PCI 3.0 §2.2.6): request a pin in pe_init; assert/deassert
 * model the level of the line (the INTx-disable command bit, or MSI /
 * MSI-X being on, holds it pending).  init_pci() routes each slot's pin
 * through pci_irq.c: IOAPIC pin 16 + (4 + slot + pin) % 8 and PIRQ
 * (4 + slot + pin) % 8 + 1 (bhyve's fixed swizzle); INTLINE gets the
 * PIRQ's ISA IRQ.
 */
void pci_lintr_request(struct pci_devinst *pi);
void pci_lintr_assert(struct pci_devinst *pi);
void pci_lintr_deassert(struct pci_devinst *pi);

/*
 * MSI (PCI 3.0 §6.8.1), in bhyve's shape (pci_msi.c).  Call the add
 * functions from pe_init.  pci_emul_add_msicap: a 64-bit-address MSI
 * capability for msgnum (1, 2, 4, ... 32) messages.  pci_emul_add_msixcap:
 * an MSI-X capability for msgnum (1-2048) vectors with its table at
 * offset 0 of a new 32-bit memory BAR barnum and the PBA on the next
 * 4 KiB boundary after it; the core serves the table and PBA, so the
 * device's pe_barread/pe_barwrite never see them.  Both return 0 or -1.
 */
int pci_emul_add_msicap(struct pci_devinst *pi, int msgnum);
int pci_emul_add_msixcap(struct pci_devinst *pi, int msgnum, int barnum);
bool pci_msi_enabled(struct pci_devinst *pi);
bool pci_msix_enabled(struct pci_devinst *pi);	/* and MSI is off */
int pci_msi_maxmsgnum(struct pci_devinst *pi);
int pci_msix_table_bar(struct pci_devinst *pi);	/* -1: no MSI-X */
int pci_msix_pba_bar(struct pci_devinst *pi);
/*
 * Send message msgnum through vm_lapic_msi if the guest enabled it.
 * MSI-X: a masked vector (or the function mask) sets its pending bit
 * instead; the message goes out when the guest unmasks it.
 */
void pci_generate_msi(struct pci_devinst *pi, int msgnum);
void pci_generate_msix(struct pci_devinst *pi, int msgnum);
/*
 * MSI-X table/PBA accesses at an offset of the table BAR (bhyve's; the
 * core already routes them, these exist for devices ported from bhyve).
 * twrite: 0, or -1 for an access the table does not take.
 */
int pci_emul_msix_twrite(struct pci_devinst *pi, uint64_t offset, int size,
    uint64_t value);
uint64_t pci_emul_msix_tread(struct pci_devinst *pi, uint64_t offset,
    int size);

static inline void
pci_set_cfgdata8(struct pci_devinst *pi, int offset, uint8_t val)
{
	pi->pi_cfgdata[offset & PCIE_REGMAX] = val;
}

static inline void
pci_set_cfgdata16(struct pci_devinst *pi, int offset, uint16_t val)
{
	pci_set_cfgdata8(pi, offset, val);
	pci_set_cfgdata8(pi, offset + 1, val >> 8);
}

static inline void
pci_set_cfgdata32(struct pci_devinst *pi, int offset, uint32_t val)
{
	pci_set_cfgdata16(pi, offset, val);
	pci_set_cfgdata16(pi, offset + 2, val >> 16);
}

static inline uint8_t
pci_get_cfgdata8(const struct pci_devinst *pi, int offset)
{
	return (pi->pi_cfgdata[offset & PCIE_REGMAX]);
}

static inline uint16_t
pci_get_cfgdata16(const struct pci_devinst *pi, int offset)
{
	return (pci_get_cfgdata8(pi, offset) |
	    (uint16_t)pci_get_cfgdata8(pi, offset + 1) << 8);
}

static inline uint32_t
pci_get_cfgdata32(const struct pci_devinst *pi, int offset)
{
	return (pci_get_cfgdata16(pi, offset) |
	    (uint32_t)pci_get_cfgdata16(pi, offset + 2) << 16);
}

#endif /* LHYVE_PCI_EMUL_H */
