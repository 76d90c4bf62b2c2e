/* SPDX-License-Identifier: BSD-2-Clause */
/* vcpu_pin.c: parses -p's vcpu.N.cpuset variables into host CPU sets. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "vcpu_pin.h"

/* One "a,b,c" list into set; every CPU must be in allowed. */
static int
parse_list(const char *vcpu, const char *list, const cpu_set_t *allowed,
    cpu_set_t *set, char *err, size_t errlen)
{
	const char *p = list;
	char *end;
	long cpu;

	CPU_ZERO(set);
	for (;;) {
		errno = 0;
		cpu = strtol(p, &end, 10);
		if (end == p || errno != 0 || cpu < 0 || cpu >= CPU_SETSIZE ||
		    (*end != ',' && *end != '\0')) {
			snprintf(err, errlen, "-p: vcpu.%s.cpuset='%s': not a "
			    "list of host CPUs 0 to %d", vcpu, list,
			    CPU_SETSIZE - 1);
			return (-1);
		}
		if (!CPU_ISSET(cpu, allowed)) {
			snprintf(err, errlen, "-p %s:%ld: host CPU %ld does "
			    "not exist or lhyve may not run on it", vcpu, cpu,
			    cpu);
			return (-1);
		}
		CPU_SET(cpu, set);
		if (*end == '\0')
			return (0);
		p = end + 1;
	}
}

int
vcpu_pin_parse(int ncpus, cpu_set_t *sets, bool *pinned, char *err,
    size_t errlen)
{
	const struct config_node *n, *c;
	cpu_set_t allowed;
	const char *name, *list;
	char *end;
	long id;

	for (int i = 0; i < ncpus; i++)
		pinned[i] = false;
	n = find_config_node("vcpu");
	if (n == NULL)
		return (0);
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		snprintf(err, errlen, "-p: sched_getaffinity: %s",
		    strerror(errno));
		return (-1);
	}
	for (c = config_node_first(n); c != NULL; c = config_node_next(c)) {
		if (!config_item_is_node(c))
			continue;
		list = get_config_value_node(c, "cpuset");
		if (list == NULL)
			continue;
		name = config_item_name(c);
		errno = 0;
		id = strtol(name, &end, 10);
		if (*name == '\0' || *end != '\0' || errno != 0 || id < 0 ||
		    id >= ncpus) {
			snprintf(err, errlen, "-p %s: the VM has no vcpu %s "
			    "(it has %d)", name, name, ncpus);
			return (-1);
		}
		if (parse_list(name, list, &allowed, &sets[id], err,
		    errlen) != 0)
			return (-1);
		pinned[id] = true;
	}
	return (0);
}
