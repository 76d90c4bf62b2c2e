/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gdb_mem.h: guest memory as gdb sees it (gdb_mem.c): linear addresses
 * translated through the vCPU's page tables (bhyve's vm_gla2gpa, without
 * faults and without setting A/D bits), reads and writes split at page
 * boundaries, and the software breakpoints (INT3 bytes written into guest
 * memory, hidden from reads).  Guest memory is reached through a mapper
 * (vm_map_gpa in lhyve, a buffer in the unit tests).
 */
#ifndef LHYVE_GDB_MEM_H
#define LHYVE_GDB_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The paging state of a vCPU (its control registers and EFER). */
struct gdb_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* Guest memory: a host pointer to [gpa, gpa + len) of RAM, or NULL. */
struct gdb_memif {
	void *(*map)(void *arg, uint64_t gpa, size_t len);
	/* lhyve wrote guest memory (decoded code must go): vm_notify_write */
	void (*written)(void *arg, uint64_t gpa, size_t len);
	void *arg;
};

/*
 * gla -> gpa through the page tables the paging state selects: none
 * (CR0.PG clear), 32-bit (with 4 MiB pages under CR4.PSE), PAE, 4-level
 * (SDM 3A ch. 4).  0, or -EFAULT when a level is not present (or a
 * non-canonical address), -EIO when a table is outside guest RAM.
 */
int gdb_gla2gpa(const struct gdb_paging *pg, const struct gdb_memif *mi,
    uint64_t gla, uint64_t *gpa);

/* Software breakpoints (Z0/z0). */
#define GDB_MAXBP	64
struct gdb_bp {
	uint64_t gla, gpa;
	uint8_t saved;		/* the guest's byte under the INT3 */
	bool used;
};
struct gdb_bps {
	struct gdb_bp bp[GDB_MAXBP];
	int n;
};

/* The breakpoint at gpa, or NULL. */
struct gdb_bp *gdb_bp_find(struct gdb_bps *bps, uint64_t gpa);
/* Insert at gla (0, -EFAULT, -EIO, -ENOSPC); inserting twice is fine. */
int gdb_bp_insert(struct gdb_bps *bps, const struct gdb_paging *pg,
    const struct gdb_memif *mi, uint64_t gla);
/* Remove the one at gla, restoring the byte (0, or -ENOENT). */
int gdb_bp_remove(struct gdb_bps *bps, const struct gdb_paging *pg,
    const struct gdb_memif *mi, uint64_t gla);
/* Remove them all (detach). */
void gdb_bp_remove_all(struct gdb_bps *bps, const struct gdb_memif *mi);

/*
 * Read or write len bytes at gla.  Reads see the guest's own bytes under
 * breakpoints; writes under a breakpoint change the saved byte and leave
 * the INT3.  Returns the bytes done before the first unmapped page (gdb
 * accepts a short m reply), or a -errno if none were.
 */
long gdb_mem_rw(struct gdb_bps *bps, const struct gdb_paging *pg,
    const struct gdb_memif *mi, uint64_t gla, uint8_t *buf, size_t len,
    bool write);

#endif /* LHYVE_GDB_MEM_H */
