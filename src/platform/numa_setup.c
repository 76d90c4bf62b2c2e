/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * numa_setup.c: -n id=N,size=S,cpus=L (options.c stores domains.N.size,
 * domains.N.cpus, domains.N.domain_policy) turned into the NUMA part of
 * the platform description, which srat.c writes as the SRAT and SLIT.
 * domain_policy is bhyve's host-side memory placement (domainset(9)); on
 * Linux it would be mbind(2) of the domain's RAM.  lhyve accepts it and
 * does not act on it (docs/config.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "platform/numa.h"

#define MiB		(1ULL << 20)
#define STEP		(2 * MiB)	/* unsized domains: 2 MiB multiples */

static int
numa_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
numa_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("lhyve: -n (domains): ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return (-EINVAL);
}

/* A decimal number that is all of s. */
static bool
number(const char *s, long max, long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return (false);
	errno = 0;
	*out = strtol(s, &end, 10);
	return (errno == 0 && *end == '\0' && *out <= max);
}

/* "0-1,3" -> cpu_domain[0,1,3] = dom; seen[] catches a vCPU twice. */
static int
parse_cpus(struct platform_desc *d, int dom, const char *list, bool *seen)
{
	char *copy, *p, *tok, *dash;
	long lo, hi;
	int error = 0;

	copy = strdup(list);
	if (copy == NULL)
		return (-ENOMEM);
	for (p = copy; error == 0 && (tok = strsep(&p, ",")) != NULL;) {
		dash = strchr(tok, '-');
		if (dash != NULL)
			*dash++ = '\0';
		if (!number(tok, d->ncpu - 1, &lo) ||
		    (dash != NULL && !number(dash, d->ncpu - 1, &hi))) {
			error = numa_fail("domain %d: cpus '%s' is not a "
			    "list of vCPUs 0 to %d (e.g. 0-1,3)", dom, list,
			    d->ncpu - 1);
			break;
		}
		if (dash == NULL)
			hi = lo;
		if (hi < lo) {
			error = numa_fail("domain %d: cpus '%s': empty range",
			    dom, list);
			break;
		}
		for (long c = lo; c <= hi; c++) {
			if (seen[c]) {
				error = numa_fail("vCPU %ld is in two domains",
				    c);
				break;
			}
			seen[c] = true;
			d->cpu_domain[c] = (uint8_t)dom;
		}
	}
	free(copy);
	return (error);
}

int
platform_setup_numa(struct platform_desc *d)
{
	struct config_node *n, *c;
	const char *v;
	bool seen[PLATFORM_MAX_CPUS] = { false };
	bool sized[PLATFORM_MAX_DOMAINS] = { false };
	uint64_t total, used = 0, share;
	long id;
	int ndom = 0, nunsized, k, error;
	char path[64];

	d->ndomains = 0;
	n = find_config_node("domains");
	if (n == NULL || config_node_first(n) == NULL)
		return (0);
	/* Which ids exist: they must be 0..n-1 (SLIT indexes by them). */
	for (c = config_node_first(n); c != NULL; c = config_node_next(c)) {
		if (!number(config_item_name(c), PLATFORM_MAX_DOMAINS - 1, &id))
			return (numa_fail("domain '%s': ids go from 0 to %d",
			    config_item_name(c), PLATFORM_MAX_DOMAINS - 1));
		ndom++;
	}
	for (int i = 0; i < ndom; i++) {
		snprintf(path, sizeof(path), "domains.%d", i);
		if (find_config_node(path) == NULL)
			return (numa_fail("%d domains need ids 0 to %d; id %d "
			    "is missing", ndom, ndom - 1, i));
	}
	if (d->ncpu > PLATFORM_MAX_CPUS)
		return (numa_fail("too many vCPUs"));
	total = d->lowmem + d->highmem;
	memset(d->cpu_domain, 0, sizeof(d->cpu_domain));
	for (int i = 0; i < ndom; i++) {
		d->numa_mem[i] = 0;
		snprintf(path, sizeof(path), "domains.%d.size", i);
		v = get_config_value(path);
		if (v != NULL) {
			if (parse_size(v, MiB, &d->numa_mem[i]) != 0 ||
			    d->numa_mem[i] == 0 || (d->numa_mem[i] & 0xfff))
				return (numa_fail("domain %d: size '%s' is not "
				    "a memory size (a multiple of 4K)", i, v));
			sized[i] = true;
			used += d->numa_mem[i];
		}
		snprintf(path, sizeof(path), "domains.%d.cpus", i);
		v = get_config_value(path);
		if (v != NULL && (error = parse_cpus(d, i, v, seen)) != 0)
			return (error);
	}
	nunsized = 0;
	for (int i = 0; i < ndom; i++)
		nunsized += !sized[i];
	if (used > total || (used == total && nunsized > 0) ||
	    (used < total && nunsized == 0))
		return (numa_fail("the domains' sizes add up to %llu MiB, the "
		    "guest has %llu MiB (-m)", (unsigned long long)(used / MiB),
		    (unsigned long long)(total / MiB)));
	/* The rest, shared in 2 MiB steps; the last unsized gets the tail. */
	share = nunsized > 0 ? (total - used) / nunsized / STEP * STEP : 0;
	k = 0;
	for (int i = 0; i < ndom; i++) {
		if (sized[i])
			continue;
		d->numa_mem[i] = ++k == nunsized ? total - used -
		    share * (nunsized - 1) : share;
		if (d->numa_mem[i] == 0)
			return (numa_fail("domain %d gets no memory", i));
	}
	d->ndomains = ndom;
	return (0);
}
