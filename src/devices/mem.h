/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mem.h: MMIO dispatch.  Devices register guest-physical ranges; every
 * backend's MMIO exit reaches emulate_mem().
 */
#ifndef LHYVE_MEM_H
#define LHYVE_MEM_H

#include <stdint.h>

#include "vmm/vmm.h"

#define MEM_F_READ      0x1
#define MEM_F_WRITE     0x2
#define MEM_F_RW        (MEM_F_READ | MEM_F_WRITE)

/* dir is MEM_F_READ or MEM_F_WRITE; size 1, 2, 4 or 8.  0 or -errno. */
typedef int (*mem_func_t)(struct vcpu *vcpu, int dir, uint64_t addr,
    int size, uint64_t *val, void *arg1, long arg2);

struct mem_range {
	const char *name;
	int flags;
	mem_func_t handler;
	void *arg1;
	long arg2;
	uint64_t base;
	uint64_t size;
};

void init_mem(void);
/* -EEXIST if the range overlaps one already registered. */
int register_mem(const struct mem_range *mr);
/* Fallback ranges lose to ordinary ones (bhyve: the PCI hole). */
int register_mem_fallback(const struct mem_range *mr);
int unregister_mem(const struct mem_range *mr);
/*
 * Handle one MMIO exit.  0 (for reads, vme->u.mmio.data filled), or -1 if
 * no device claims the address under strict mode.  Unclaimed addresses
 * otherwise read all-ones and drop writes.
 */
int emulate_mem(struct vcpu *vcpu, struct vm_exit *vme);

#endif /* LHYVE_MEM_H */
