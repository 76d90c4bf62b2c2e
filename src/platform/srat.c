/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * srat.c: the System Resource Affinity Table (ACPI 6.4 §5.2.16) and the
 * System Locality Information Table (§5.2.17) for -n NUMA domains.
 *
 * SRAT: one Processor Local APIC Affinity structure per vCPU (APIC ID =
 * vCPU index, as the MADT says) and one Memory Affinity structure per
 * piece of RAM a domain owns.  The domains take the RAM in order from
 * address 0; a domain that straddles the end of lowmem gets two pieces,
 * [start, lowmem) and [4 GiB, ...), because the hole below 4 GiB is MMIO.
 * SLIT: 10 on the diagonal (§5.2.17: a locality to itself), 20 elsewhere,
 * the distance Linux assumes between nodes when there is no SLIT.
 */
#include <errno.h>
#include <string.h>

#include "platform/numa.h"
#include "platform/platform_priv.h"

#define GiB4		(1ULL << 32)
#define SRAT_ENABLED	0x1		/* both structures' flag bit 0 */

static void
wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void
wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Call fn for each piece [gpa, gpa + len) of domain i's RAM. */
static int
mem_pieces(const struct platform_desc *d, int dom,
    void (*fn)(void *, int, uint64_t, uint64_t), void *arg)
{
	uint64_t start = 0, end, lo_end, n = 0;

	for (int i = 0; i < dom; i++)
		start += d->numa_mem[i];
	end = start + d->numa_mem[dom];
	lo_end = d->lowmem;
	if (start < lo_end) {
		if (fn != NULL)
			fn(arg, dom, start, (end < lo_end ? end : lo_end) -
			    start);
		n++;
	}
	if (end > lo_end) {
		uint64_t s = start > lo_end ? start : lo_end;

		if (fn != NULL)
			fn(arg, dom, GiB4 + (s - lo_end), end - s);
		n++;
	}
	return ((int)n);
}

int
platform_numa_check(const struct platform_desc *d)
{
	uint64_t total = 0;

	if (d->ndomains == 0)
		return (0);
	if (d->ndomains < 0 || d->ndomains > PLATFORM_MAX_DOMAINS ||
	    d->ncpu > PLATFORM_MAX_CPUS)
		return (-EINVAL);
	for (int i = 0; i < d->ndomains; i++) {
		if (d->numa_mem[i] == 0)
			return (-EINVAL);	/* a node without memory */
		total += d->numa_mem[i];
	}
	if (total != d->lowmem + d->highmem)
		return (-EINVAL);
	for (int c = 0; c < d->ncpu; c++)
		if (d->cpu_domain[c] >= d->ndomains)
			return (-EINVAL);
	return (0);
}

size_t
platform_srat_size(const struct platform_desc *d)
{
	size_t n = SRAT_HDR_LEN + (size_t)d->ncpu * SRAT_CPU_LEN;

	for (int i = 0; i < d->ndomains; i++)
		n += (size_t)mem_pieces(d, i, NULL, NULL) * SRAT_MEM_LEN;
	return (n);
}

static void
put_mem(void *arg, int dom, uint64_t base, uint64_t len)
{
	uint8_t **pp = arg, *m = *pp;

	/* Memory Affinity Structure (§5.2.16.2, table 5.59). */
	m[0] = 1;			/* type */
	m[1] = SRAT_MEM_LEN;
	wr32(m + 2, (uint32_t)dom);	/* proximity domain */
	/* m + 6: reserved */
	wr64(m + 8, base);
	wr64(m + 16, len);
	/* m + 24: reserved */
	wr32(m + 28, SRAT_ENABLED);	/* not hot-pluggable, volatile */
	/* m + 32: reserved */
	*pp = m + SRAT_MEM_LEN;
}

void
platform_srat_body(uint8_t *body, const struct platform_desc *d)
{
	uint8_t *p = body, *c;

	/* Table 5.56: reserved, "1 for backward compatibility". */
	wr32(p, 1);
	p += SRAT_HDR_LEN - 36;
	for (int i = 0; i < d->ncpu; i++) {
		/* Processor Local APIC Affinity (§5.2.16.1, table 5.57). */
		c = p;
		c[0] = 0;			/* type */
		c[1] = SRAT_CPU_LEN;
		c[2] = d->cpu_domain[i];	/* proximity domain [7:0] */
		c[3] = (uint8_t)i;		/* APIC ID */
		wr32(c + 4, SRAT_ENABLED);
		/* c + 8: SAPIC EID 0, domain [31:8] 0, clock domain 0 */
		p += SRAT_CPU_LEN;
	}
	for (int i = 0; i < d->ndomains; i++)
		(void)mem_pieces(d, i, put_mem, &p);
}

size_t
platform_slit_size(const struct platform_desc *d)
{
	return (36 + 8 + (size_t)d->ndomains * d->ndomains);
}

void
platform_slit_body(uint8_t *body, const struct platform_desc *d)
{
	int n = d->ndomains;

	/* §5.2.17, table 5.64: the count, then the n x n matrix. */
	wr64(body, (uint64_t)n);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			body[8 + i * n + j] = i == j ? SLIT_LOCAL :
			    SLIT_REMOTE;
}
