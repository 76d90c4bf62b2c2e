/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * e820.c: builds the guest's E820 memory map from lhyve's memory layout
 * (vmm.h) plus the ranges devices and the platform reserve.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/e820.h"
#include "platform/platform.h"
#include "vmm/vmm.h"

/* 256 buses of 32 devices x 8 functions x 4 KiB (PCIe 6.0 §7.2.2). */
#define E820_ECAM_DEFAULT_LEN	(256ULL << 20)

void
e820_layout_init(struct e820_layout *l, uint64_t lowmem, uint64_t highmem)
{
	memset(l, 0, sizeof(*l));
	l->lowmem = lowmem;
	l->highmem = highmem;
	l->ecam_base = PLATFORM_ECAM_BASE;
	l->ecam_len = E820_ECAM_DEFAULT_LEN;
}

int
e820_layout_reserve(struct e820_layout *l, uint64_t addr, uint64_t len)
{
	if (len == 0 || addr + len < addr)
		return (-EINVAL);
	if (l->nreserved == E820_MAX_RESERVED)
		return (-ENOSPC);
	l->reserved[l->nreserved].addr = addr;
	l->reserved[l->nreserved].len = len;
	l->nreserved++;
	return (0);
}

int
e820_add(struct e820_entry *out, int *n, int max, uint64_t addr,
    uint64_t len, uint32_t type)
{
	struct e820_entry *tmp;
	uint64_t end = addr + len;
	int i, j, k;

	if (len == 0 || end < addr || *n < 0 || *n > max)
		return (-EINVAL);
	/* Each old entry yields at most two pieces; one more for the new. */
	tmp = malloc(((size_t)*n * 2 + 1) * sizeof(*tmp));
	if (tmp == NULL)
		return (-ENOMEM);
	k = 0;
	for (i = 0; i < *n; i++) {
		const struct e820_entry *e = &out[i];
		uint64_t eend = e->addr + e->len;

		if (eend <= addr || e->addr >= end) {
			tmp[k++] = *e;
			continue;
		}
		if (e->addr < addr)
			tmp[k++] = (struct e820_entry){ e->addr, addr - e->addr,
			    e->type };
		if (eend > end)
			tmp[k++] = (struct e820_entry){ end, eend - end,
			    e->type };
	}
	tmp[k++] = (struct e820_entry){ addr, len, type };

	/* Insertion sort: the pieces are nearly sorted and few. */
	for (i = 1; i < k; i++) {
		struct e820_entry e = tmp[i];

		for (j = i; j > 0 && tmp[j - 1].addr > e.addr; j--)
			tmp[j] = tmp[j - 1];
		tmp[j] = e;
	}
	/* Merge touching neighbours of the same type. */
	for (i = 0, j = 0; i < k; i++) {
		if (j > 0 && tmp[j - 1].type == tmp[i].type &&
		    tmp[j - 1].addr + tmp[j - 1].len == tmp[i].addr)
			tmp[j - 1].len += tmp[i].len;
		else
			tmp[j++] = tmp[i];
	}
	if (j > max) {
		free(tmp);
		return (-ENOSPC);
	}
	memcpy(out, tmp, (size_t)j * sizeof(*tmp));
	*n = j;
	free(tmp);
	return (0);
}

int
e820_build(const struct e820_layout *l, struct e820_entry *out, int max)
{
	int n = 0, error = 0;

	/* RAM first, so that every reservation below cuts into it. */
	if (l->lowmem > 0)
		error = e820_add(out, &n, max, 0, l->lowmem, E820_RAM);
	if (error == 0 && l->highmem > 0)
		error = e820_add(out, &n, max, VM_HIGHMEM_BASE, l->highmem,
		    E820_RAM);
	/*
	 * The PC's low megabyte: the top KiB of conventional memory is where
	 * a BIOS keeps its EBDA, and 0xA0000-0xFFFFF is VGA memory, option
	 * ROMs and the BIOS; lhyve's ACPI, MP and SMBIOS tables live at
	 * 0xF0000 (platform.h) and must not be handed out as RAM.  Reported
	 * even when guest RAM does not reach that far, as a PC would.
	 */
	if (error == 0)
		error = e820_add(out, &n, max, E820_EBDA_START,
		    E820_LEGACY_END - E820_EBDA_START, E820_RESERVED);
	/*
	 * The ECAM window: Linux uses MCFG only if the window is reserved in
	 * E820 or by a motherboard resource (pci_mmcfg_reserved()).
	 */
	if (error == 0 && l->ecam_len > 0)
		error = e820_add(out, &n, max, l->ecam_base, l->ecam_len,
		    E820_RESERVED);
	for (int i = 0; error == 0 && i < l->nreserved; i++)
		error = e820_add(out, &n, max, l->reserved[i].addr,
		    l->reserved[i].len, E820_RESERVED);
	return (error != 0 ? error : n);
}

/* ---- process-wide registrations ---- */

static struct {
	bool ecam_set;
	uint64_t ecam_base, ecam_len;
	int nreserved;
	struct e820_range reserved[E820_MAX_RESERVED];
} e820_global;

int
e820_reserve(uint64_t addr, uint64_t len)
{
	if (len == 0 || addr + len < addr)
		return (-EINVAL);
	if (e820_global.nreserved == E820_MAX_RESERVED)
		return (-ENOSPC);
	e820_global.reserved[e820_global.nreserved].addr = addr;
	e820_global.reserved[e820_global.nreserved].len = len;
	e820_global.nreserved++;
	return (0);
}

void
e820_set_ecam(uint64_t base, uint64_t len)
{
	e820_global.ecam_set = true;
	e820_global.ecam_base = base;
	e820_global.ecam_len = len;
}

void
e820_reset(void)
{
	memset(&e820_global, 0, sizeof(e820_global));
}

void
e820_vm_layout(struct vmctx *ctx, struct e820_layout *l)
{
	e820_layout_init(l, vm_get_lowmem_size(ctx), vm_get_highmem_size(ctx));
	if (e820_global.ecam_set) {
		l->ecam_base = e820_global.ecam_base;
		l->ecam_len = e820_global.ecam_len;
	}
	for (int i = 0; i < e820_global.nreserved; i++)
		(void)e820_layout_reserve(l, e820_global.reserved[i].addr,
		    e820_global.reserved[i].len);
}

const char *
e820_type_name(uint32_t type)
{
	switch (type) {
	case E820_RAM:
		return ("usable");
	case E820_RESERVED:
		return ("reserved");
	case E820_ACPI:
		return ("ACPI data");
	case E820_NVS:
		return ("ACPI NVS");
	case E820_UNUSABLE:
		return ("unusable");
	default:
		return ("unknown");
	}
}
