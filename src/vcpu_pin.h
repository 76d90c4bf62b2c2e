/* SPDX-License-Identifier: BSD-2-Clause */
/* vcpu_pin.h: -p vcpu:hostcpu, the vCPU threads' host-CPU affinity. */
#ifndef LHYVE_VCPU_PIN_H
#define LHYVE_VCPU_PIN_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Reads every vcpu.N.cpuset ("3" or "1,3", as -p appends them) from the
 * config tree into sets[N] and marks pinned[N]; vCPUs without one stay
 * unpinned.  Fails (-1, a message in err) for a vCPU the VM does not have
 * (N >= ncpus), a malformed list, or a host CPU this process may not run
 * on (sched_getaffinity), so a bad -p is an error before the VM starts.
 */
int vcpu_pin_parse(int ncpus, cpu_set_t *sets, bool *pinned, char *err,
    size_t errlen);

#endif /* LHYVE_VCPU_PIN_H */
