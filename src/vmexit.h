/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vmexit.h: the one place that decides what a VM exit means.
 */
#ifndef LHYVE_VMEXIT_H
#define LHYVE_VMEXIT_H

#include "vmm/vmm.h"

/* Exit policy read from the config tree once, before vCPUs run. */
void vmexit_init(void);
/*
 * Handle one exit: dispatch on vme->exitcode to vmexit_<reason>().
 * Returns VMEXIT_CONTINUE, VMEXIT_ABORT (the vCPU must stop; an exit status
 * has been requested) or, for MSR exits, VMEXIT_FAULT_GP.  Both backends
 * use it: emu synchronously, the run loop after vm_run() for kvm.
 */
int vmexit_handle(struct vcpu *vcpu, struct vm_exit *vme);

#endif /* LHYVE_VMEXIT_H */
