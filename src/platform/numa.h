/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * numa.h: NUMA domains (-n) in the ACPI tables: the SRAT and SLIT bodies
 * acpi.c wraps in a table header (srat.c), and the glue that fills the
 * platform description from the config tree's domains.N.* (numa_setup.c).
 */
#ifndef LHYVE_PLATFORM_NUMA_H
#define LHYVE_PLATFORM_NUMA_H

#include <stddef.h>
#include <stdint.h>

#include "platform/platform.h"

#define SRAT_REVISION	3
#define SLIT_REVISION	1
#define SRAT_HDR_LEN	48	/* header + reserved u32 + reserved u64 */
#define SRAT_CPU_LEN	16	/* Processor Local APIC Affinity */
#define SRAT_MEM_LEN	40	/* Memory Affinity */
#define SLIT_LOCAL	10	/* ACPI: a domain's distance to itself */
#define SLIT_REMOTE	20	/* what lhyve says of every other one */

/* -EINVAL unless the description's NUMA part is consistent. */
int platform_numa_check(const struct platform_desc *d);
/* Whole table sizes (header included) and bodies (the bytes after the
 * 36-byte standard header, which the caller writes and checksums). */
size_t platform_srat_size(const struct platform_desc *d);
void platform_srat_body(uint8_t *body, const struct platform_desc *d);
size_t platform_slit_size(const struct platform_desc *d);
void platform_slit_body(uint8_t *body, const struct platform_desc *d);

/*
 * domains.N.size / domains.N.cpus (options.c's -n) into d->ndomains,
 * numa_mem[] and cpu_domain[]: ids 0..n-1 without gaps, sizes (suffixes
 * as -m, a bare number is MiB) adding up to the RAM, domains without a
 * size sharing what is left in 2 MiB steps, cpus= a list of vCPUs and
 * ranges ("0-1,3") with every vCPU in at most one domain; vCPUs no domain
 * names go to domain 0.  0, or -EINVAL after printing why.
 */
int platform_setup_numa(struct platform_desc *d);

#endif /* LHYVE_PLATFORM_NUMA_H */
