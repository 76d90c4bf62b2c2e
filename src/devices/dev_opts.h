/* SPDX-License-Identifier: BSD-2-Clause */
/* dev_opts.h: what every -s device does with its options and identity. */
#ifndef LHYVE_DEV_OPTS_H
#define LHYVE_DEV_OPTS_H

#include <stdint.h>

#include "config.h"

/*
 * Every variable under nvl must be one of the NULL-terminated names in
 * allowed (and a value, not a subtree); otherwise one line naming ident and
 * the option, and -1.  bhyve ignores unknown options; we refuse them so
 * that a typo is not a silently different device.
 */
int dev_check_opts(const struct config_node *nvl, const char *ident,
    const char *const *allowed);

/*
 * 32-bit FNV-1a of a string: the stable hash behind default serial numbers
 * (per image path) and MAC addresses (per slot and VM name).
 */
uint32_t dev_hash32(const char *s);

#endif /* LHYVE_DEV_OPTS_H */
