/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * e820.h: the guest's BIOS memory map (INT 15h AX=E820h, ACPI 6.5 §15),
 * as a PC firmware would report it for lhyve's memory layout: RAM below
 * the EBDA, the legacy hole, lowmem, the PCI hole with the ECAM window
 * reserved, highmem.  The Linux loader puts it in the zero page.  See
 * docs/linux-boot.md.
 */
#ifndef LHYVE_PLATFORM_E820_H
#define LHYVE_PLATFORM_E820_H

#include <stdint.h>

struct vmctx;

/* Address range types (ACPI 6.5 table 15.312). */
#define E820_RAM	1
#define E820_RESERVED	2
#define E820_ACPI	3	/* ACPI reclaimable */
#define E820_NVS	4
#define E820_UNUSABLE	5

/* The fixed PC low-memory map (what a legacy BIOS reports). */
#define E820_EBDA_START		0x9FC00ULL	/* top 1 KiB of the 640 KiB */
#define E820_LEGACY_START	0xA0000ULL	/* VGA, option ROMs, BIOS */
#define E820_LEGACY_END		0x100000ULL

/* The zero page holds at most 128 entries (boot_params.e820_table). */
#define E820_MAX_ENTRIES	128
/* Extra reserved ranges a layout can carry. */
#define E820_MAX_RESERVED	16

struct e820_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
};

struct e820_range {
	uint64_t addr;
	uint64_t len;
};

/* What the map is built from. */
struct e820_layout {
	uint64_t lowmem;	/* RAM [0, lowmem) */
	uint64_t highmem;	/* RAM [4 GiB, 4 GiB + highmem) */
	uint64_t ecam_base;	/* PCI ECAM window, reserved; len 0: none */
	uint64_t ecam_len;
	int nreserved;		/* more reserved ranges (ROMs, ...) */
	struct e820_range reserved[E820_MAX_RESERVED];
};

/*
 * A layout for [0, lowmem) + [4 GiB, 4 GiB + highmem) with the default
 * ECAM window (PLATFORM_ECAM_BASE, 256 buses = 256 MiB) and no extra
 * reserved ranges.
 */
void e820_layout_init(struct e820_layout *l, uint64_t lowmem,
    uint64_t highmem);
/* Add a reserved range: 0, -EINVAL (empty or wraps), -ENOSPC. */
int e820_layout_reserve(struct e820_layout *l, uint64_t addr, uint64_t len);

/*
 * Build the map into out[0, max): sorted by address, no overlaps,
 * neighbours of equal type merged, reserved ranges winning over RAM.
 * Returns the number of entries, or -ENOSPC if more than max are needed.
 */
int e820_build(const struct e820_layout *l, struct e820_entry *out, int max);

/*
 * Paint [addr, addr + len) with 'type' in the map out[0, *n) (sorted,
 * non-overlapping, at most max entries): overlapped parts of existing
 * entries are cut away, equal neighbours merged.  0, -EINVAL, -ENOSPC
 * (the map is left unchanged on error).
 */
int e820_add(struct e820_entry *out, int *n, int max, uint64_t addr,
    uint64_t len, uint32_t type);

/*
 * The process-wide part, as bhyve's e820.c: device and platform code that
 * claims guest-physical space a kernel must not use as RAM registers it
 * here during setup; the loader then builds the VM's map from it.
 */
/* Reserve a range in every map built by e820_vm_layout.  0 or -errno. */
int e820_reserve(uint64_t addr, uint64_t len);
/* Move (or with len 0 drop) the ECAM window.  Default: 0xE0000000/256M. */
void e820_set_ecam(uint64_t base, uint64_t len);
/* Forget what e820_reserve / e820_set_ecam said (for tests). */
void e820_reset(void);
/* The VM's layout: its memory sizes plus the registered ranges. */
void e820_vm_layout(struct vmctx *ctx, struct e820_layout *l);

/* "usable", "reserved", ... as Linux prints them. */
const char *e820_type_name(uint32_t type);

#endif /* LHYVE_PLATFORM_E820_H */
