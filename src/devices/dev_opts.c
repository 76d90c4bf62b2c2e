/* SPDX-License-Identifier: BSD-2-Clause */
/* dev_opts.c: option checking and stable identity hashes for -s devices. */
#include <stdio.h>
#include <string.h>

#include "devices/dev_opts.h"

int
dev_check_opts(const struct config_node *nvl, const char *ident,
    const char *const *allowed)
{
	struct config_node *it;
	const char *name;
	int i;

	for (it = config_node_first(nvl); it != NULL;
	    it = config_node_next(it)) {
		name = config_item_name(it);
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(name, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL || config_item_is_node(it)) {
			fprintf(stderr, "lhyve: %s: unknown option '%s'\n",
			    ident, name);
			return (-1);
		}
	}
	return (0);
}

uint32_t
dev_hash32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return (h);
}
