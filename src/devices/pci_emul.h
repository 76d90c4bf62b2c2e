/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_emul.h: the PCI core, in bhyve's shape.  A PCI function type is a
 * const struct pci_devemu put in the PCI_EMUL_SET linker set and found by
 * name; each configured slot (pci.B.S.F in the config tree) becomes a
 * struct pci_devinst with its own configuration space and BARs.  The guest
 * reaches configuration space through mechanism #1 (ports 0xCF8/0xCFC) and
 * the BARs through inout/mem registrations the core makes and moves.
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
		int ioapic_irq;
		pthread_mutex_t lock;
	} pi_lintr;

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
#define PCI_EMUL_ECFG_BASE	0xE0000000ULL
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
 * One configuration-space access (the mechanism #1 ports, later ECAM).
 * Reads of an absent function give all-ones.
 */
void pci_cfgrw(int in, int bus, int slot, int func, int coff, int bytes,
    uint32_t *val);

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
 * model the level of the line (the INTx-disable command bit holds it
 * pending).  XXX: routing is a fixed swizzle onto IOAPIC pins 16-19 until
 * the interrupt-controller issue brings _PRT and PIRQ routing.
 */
void pci_lintr_request(struct pci_devinst *pi);
void pci_lintr_assert(struct pci_devinst *pi);
void pci_lintr_deassert(struct pci_devinst *pi);

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
