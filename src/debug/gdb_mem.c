/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gdb_mem.c: guest memory for the gdb server: a read-only page walk from
 * linear to guest-physical addresses (Intel SDM vol. 3A ch. 4: 32-bit,
 * PAE and 4-level paging), page-split reads and writes, and the software
 * breakpoints that live in guest memory as INT3 bytes.  The walk sets no
 * accessed/dirty bits and raises nothing: a debugger only looks.
 */
#include <errno.h>
#include <string.h>

#include "debug/gdb_mem.h"

#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define EFER_LMA	(1ULL << 10)
#define PTE_P		0x1ULL
#define PTE_PS		0x80ULL
#define PTE_ADDR	0x000ffffffffff000ULL	/* bits 51:12 */
#define INT3		0xcc

static int
rd64(const struct gdb_memif *mi, uint64_t gpa, uint64_t *v)
{
	const void *p = mi->map(mi->arg, gpa, 8);

	if (p == NULL)
		return (-EIO);
	memcpy(v, p, 8);
	return (0);
}

static int
rd32(const struct gdb_memif *mi, uint64_t gpa, uint64_t *v)
{
	const void *p = mi->map(mi->arg, gpa, 4);
	uint32_t w;

	if (p == NULL)
		return (-EIO);
	memcpy(&w, p, 4);
	*v = w;
	return (0);
}

/*
 * The walk from a table at 'table' down 'levels' levels of 512 8-byte
 * entries (4-level: 4, PAE below the PDPTE: 2).  Large pages: a PS entry
 * at the 1 GiB or 2 MiB level ends the walk (SDM 3A §4.5.4).
 */
static int
walk64(const struct gdb_memif *mi, uint64_t table, int levels, uint64_t gla,
    uint64_t *gpa)
{
	uint64_t e, mask;
	int shift, error;

	for (int l = levels; l >= 1; l--) {
		shift = 12 + 9 * (l - 1);
		error = rd64(mi, table + ((gla >> shift) & 511) * 8, &e);
		if (error != 0)
			return (error);
		if (!(e & PTE_P))
			return (-EFAULT);
		if ((l == 2 || l == 3) && (e & PTE_PS)) {
			mask = (1ULL << shift) - 1;
			*gpa = (e & PTE_ADDR & ~mask) | (gla & mask);
			return (0);
		}
		table = e & PTE_ADDR;
	}
	*gpa = table | (gla & 0xfff);
	return (0);
}

int
gdb_gla2gpa(const struct gdb_paging *pg, const struct gdb_memif *mi,
    uint64_t gla, uint64_t *gpa)
{
	uint64_t e;
	int error;

	if (!(pg->cr0 & CR0_PG)) {
		/* no paging: linear is physical (32 bits outside long mode) */
		*gpa = (pg->efer & EFER_LMA) ? gla : gla & 0xffffffffULL;
		return (0);
	}
	if (pg->efer & EFER_LMA) {
		/* canonical: bits 63:47 all equal (SDM 3A §3.3.7.1) */
		if ((uint64_t)((int64_t)(gla << 16) >> 16) != gla)
			return (-EFAULT);
		return (walk64(mi, pg->cr3 & PTE_ADDR, 4, gla, gpa));
	}
	gla &= 0xffffffffULL;
	if (pg->cr4 & CR4_PAE) {
		/* the PDPTE, then a 2-level walk (SDM 3A §4.4) */
		error = rd64(mi, (pg->cr3 & 0xffffffe0ULL) + (gla >> 30) * 8,
		    &e);
		if (error != 0)
			return (error);
		if (!(e & PTE_P))
			return (-EFAULT);
		return (walk64(mi, e & PTE_ADDR, 2, gla, gpa));
	}
	/* 32-bit paging (SDM 3A §4.3), 4 MiB pages with PSE-36 bits */
	error = rd32(mi, (pg->cr3 & 0xfffff000ULL) + (gla >> 22) * 4, &e);
	if (error != 0)
		return (error);
	if (!(e & PTE_P))
		return (-EFAULT);
	if ((e & PTE_PS) && (pg->cr4 & CR4_PSE)) {
		*gpa = (e & 0xffc00000ULL) | (((e >> 13) & 0xff) << 32) |
		    (gla & 0x3fffff);
		return (0);
	}
	error = rd32(mi, (e & 0xfffff000ULL) + ((gla >> 12) & 0x3ff) * 4, &e);
	if (error != 0)
		return (error);
	if (!(e & PTE_P))
		return (-EFAULT);
	*gpa = (e & 0xfffff000ULL) | (gla & 0xfff);
	return (0);
}

struct gdb_bp *
gdb_bp_find(struct gdb_bps *bps, uint64_t gpa)
{
	for (int i = 0; i < GDB_MAXBP; i++)
		if (bps->bp[i].used && bps->bp[i].gpa == gpa)
			return (&bps->bp[i]);
	return (NULL);
}

int
gdb_bp_insert(struct gdb_bps *bps, const struct gdb_paging *pg,
    const struct gdb_memif *mi, uint64_t gla)
{
	struct gdb_bp *bp = NULL;
	uint64_t gpa;
	uint8_t *p;
	int error;

	error = gdb_gla2gpa(pg, mi, gla, &gpa);
	if (error != 0)
		return (error);
	if (gdb_bp_find(bps, gpa) != NULL)
		return (0);
	p = mi->map(mi->arg, gpa, 1);
	if (p == NULL)
		return (-EIO);
	for (int i = 0; i < GDB_MAXBP && bp == NULL; i++)
		if (!bps->bp[i].used)
			bp = &bps->bp[i];
	if (bp == NULL)
		return (-ENOSPC);
	bp->used = true;
	bp->gla = gla;
	bp->gpa = gpa;
	bp->saved = *p;
	*p = INT3;
	/* the emulator's decoded copy of this page must go (as for DMA) */
	if (mi->written != NULL)
		mi->written(mi->arg, gpa, 1);
	bps->n++;
	return (0);
}

static void
bp_restore(struct gdb_bps *bps, const struct gdb_memif *mi,
    struct gdb_bp *bp)
{
	uint8_t *p = mi->map(mi->arg, bp->gpa, 1);

	/* unless the guest has put something else there meanwhile */
	if (p != NULL && *p == INT3) {
		*p = bp->saved;
		if (mi->written != NULL)
			mi->written(mi->arg, bp->gpa, 1);
	}
	bp->used = false;
	bps->n--;
}

int
gdb_bp_remove(struct gdb_bps *bps, const struct gdb_paging *pg,
    const struct gdb_memif *mi, uint64_t gla)
{
	struct gdb_bp *bp = NULL;
	uint64_t gpa;

	if (gdb_gla2gpa(pg, mi, gla, &gpa) == 0)
		bp = gdb_bp_find(bps, gpa);
	/* the mapping may have changed since: the address gdb gave then */
	for (int i = 0; i < GDB_MAXBP && bp == NULL; i++)
		if (bps->bp[i].used && bps->bp[i].gla == gla)
			bp = &bps->bp[i];
	if (bp == NULL)
		return (-ENOENT);
	bp_restore(bps, mi, bp);
	return (0);
}

void
gdb_bp_remove_all(struct gdb_bps *bps, const struct gdb_memif *mi)
{
	for (int i = 0; i < GDB_MAXBP; i++)
		if (bps->bp[i].used)
			bp_restore(bps, mi, &bps->bp[i]);
}

long
gdb_mem_rw(struct gdb_bps *bps, const struct gdb_paging *pg,
    const struct gdb_memif *mi, uint64_t gla, uint8_t *buf, size_t len,
    bool write)
{
	size_t done = 0, n;
	uint64_t gpa;
	uint8_t *p;
	int error = 0;

	while (done < len) {
		n = 0x1000 - ((gla + done) & 0xfff);
		if (n > len - done)
			n = len - done;
		error = gdb_gla2gpa(pg, mi, gla + done, &gpa);
		if (error != 0)
			break;
		p = mi->map(mi->arg, gpa, n);
		if (p == NULL) {
			error = -EIO;	/* MMIO or a hole: not read here */
			break;
		}
		if (write)
			memcpy(p, buf + done, n);
		else
			memcpy(buf + done, p, n);
		for (int i = 0; i < GDB_MAXBP; i++) {
			struct gdb_bp *bp = &bps->bp[i];
			uint64_t off = bp->gpa - gpa;

			if (!bp->used || off >= n)
				continue;
			if (write) {
				/* the INT3 stays; what gdb wrote is under it */
				bp->saved = buf[done + off];
				p[off] = INT3;
			} else {
				buf[done + off] = bp->saved;
			}
		}
		if (write && mi->written != NULL)
			mi->written(mi->arg, gpa, n);
		done += n;
	}
	return (done > 0 ? (long)done : error);
}
