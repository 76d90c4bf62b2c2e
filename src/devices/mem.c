/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mem.c: MMIO dispatch, bhyve's mem.c with a sorted array instead of a
 * red-black tree: two tables (ordinary and fallback ranges), each kept
 * sorted by base and searched by bisection.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "devices/mem.h"

struct mem_table {
	struct mem_range *r;
	int n, cap;
};

/*
 * Registration (startup, PCI BAR moves) is rare, dispatch is not: a
 * reader-writer lock, with handlers called after the lock is dropped since
 * a handler may itself move a BAR.
 */
static pthread_rwlock_t mem_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct mem_table mem_ranges, mem_fallback;
static bool mem_verbose;
static atomic_ulong mem_unclaimed;

void
init_mem(void)
{
	pthread_rwlock_wrlock(&mem_lock);
	free(mem_ranges.r);
	free(mem_fallback.r);
	memset(&mem_ranges, 0, sizeof(mem_ranges));
	memset(&mem_fallback, 0, sizeof(mem_fallback));
	pthread_rwlock_unlock(&mem_lock);
	/* XXX: not a bhyve variable; lhyve's knob for MMIO debugging. */
	mem_verbose = get_config_bool_default("inout.verbose", false);
	atomic_store(&mem_unclaimed, 0);
}

/* Index of the first range whose end lies above addr. */
static int
lower_bound(const struct mem_table *t, uint64_t addr)
{
	int lo = 0, hi = t->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->r[mid].base + t->r[mid].size - 1 < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

static const struct mem_range *
lookup(const struct mem_table *t, uint64_t addr)
{
	int i;

	i = lower_bound(t, addr);
	if (i < t->n && t->r[i].base <= addr)
		return (&t->r[i]);
	return (NULL);
}

static int
insert(struct mem_table *t, const struct mem_range *mr)
{
	struct mem_range *nr;
	uint64_t last;
	int i;

	if (mr == NULL || mr->handler == NULL || mr->size == 0 ||
	    mr->base + (mr->size - 1) < mr->base)
		return (-EINVAL);
	last = mr->base + (mr->size - 1);
	i = lower_bound(t, mr->base);
	/* Ranges are disjoint and sorted, so only r[i] can overlap. */
	if (i < t->n && t->r[i].base <= last)
		return (-EEXIST);
	if (t->n == t->cap) {
		int ncap = t->cap ? t->cap * 2 : 16;

		nr = realloc(t->r, ncap * sizeof(*nr));
		if (nr == NULL)
			return (-ENOMEM);
		t->r = nr;
		t->cap = ncap;
	}
	memmove(&t->r[i + 1], &t->r[i], (t->n - i) * sizeof(*nr));
	t->r[i] = *mr;
	t->n++;
	return (0);
}

static int
remove_range(struct mem_table *t, const struct mem_range *mr)
{
	int i;

	if (mr == NULL || mr->size == 0)
		return (-EINVAL);
	i = lower_bound(t, mr->base);
	if (i >= t->n || t->r[i].base != mr->base ||
	    t->r[i].size != mr->size)
		return (-ENOENT);
	memmove(&t->r[i], &t->r[i + 1], (t->n - i - 1) * sizeof(*mr));
	t->n--;
	return (0);
}

int
register_mem(const struct mem_range *mr)
{
	int error;

	pthread_rwlock_wrlock(&mem_lock);
	error = insert(&mem_ranges, mr);
	pthread_rwlock_unlock(&mem_lock);
	return (error);
}

int
register_mem_fallback(const struct mem_range *mr)
{
	int error;

	pthread_rwlock_wrlock(&mem_lock);
	error = insert(&mem_fallback, mr);
	pthread_rwlock_unlock(&mem_lock);
	return (error);
}

/* Removes the ordinary range of that base and size, else the fallback one. */
int
unregister_mem(const struct mem_range *mr)
{
	int error;

	pthread_rwlock_wrlock(&mem_lock);
	error = remove_range(&mem_ranges, mr);
	if (error == -ENOENT)
		error = remove_range(&mem_fallback, mr);
	pthread_rwlock_unlock(&mem_lock);
	return (error);
}

int
emulate_mem(struct vcpu *vcpu, struct vm_exit *vme)
{
	const struct mem_range *found;
	struct mem_range mr;
	uint64_t addr, val;
	int bytes, dir, error;

	addr = vme->u.mmio.gpa;
	bytes = vme->u.mmio.bytes;
	dir = vme->u.mmio.read ? MEM_F_READ : MEM_F_WRITE;
	if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8)
		return (-1);	/* a backend bug, never a guest choice */

	pthread_rwlock_rdlock(&mem_lock);
	found = lookup(&mem_ranges, addr);
	if (found == NULL)
		found = lookup(&mem_fallback, addr);
	if (found != NULL)
		mr = *found;
	pthread_rwlock_unlock(&mem_lock);

	val = dir == MEM_F_WRITE ? vme->u.mmio.data : 0;
	error = -1;
	if (found != NULL && (mr.flags & dir) != 0)
		error = mr.handler(vcpu, dir, addr, bytes, &val, mr.arg1,
		    mr.arg2);
	if (error != 0) {
		unsigned long n = atomic_fetch_add(&mem_unclaimed, 1);

		if (mem_verbose && (n < 32 || n % 1024 == 0))
			fprintf(stderr, "lhyve: unclaimed MMIO %s of %d bytes "
			    "at 0x%" PRIx64 "\n", dir == MEM_F_READ ?
			    "read" : "write", bytes, addr);
		/*
		 * XXX: bhyve stops the VM here; lhyve has no strict-MMIO
		 * switch yet, so an unclaimed address behaves like an
		 * empty bus: reads float high, writes vanish.
		 */
		val = ~0ULL;
	}
	if (dir == MEM_F_READ)
		vme->u.mmio.data = bytes == 8 ? val :
		    val & ((1ULL << (bytes * 8)) - 1);
	return (0);
}
