/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gdb.h: lhyve's gdb server (bhyve's -G, usr.sbin/bhyve/gdb.c in shape):
 * the GDB remote serial protocol over TCP, one gdb thread per vCPU, all
 * vCPUs stopped while gdb looks (docs/gdb.md).  bhyverun.c starts it and
 * registers vCPU threads; vmexit.c hands it the debug exits.
 */
#ifndef LHYVE_GDB_H
#define LHYVE_GDB_H

#include <stddef.h>

#include "vmm/vmm.h"

/*
 * Listen on gdb.address:gdb.port (config tree; gdb.wait: vCPU 0 waits
 * for the debugger before its first instruction).  Call after vCPU 0 is
 * open and before any vCPU thread starts.  0, or -1 with err set.
 */
int init_gdb(struct vmctx *ctx, char *err, size_t errlen);

/* A vCPU thread starts (before its first vm_run). */
void gdb_cpu_add(struct vcpu *vcpu);
/* VM_EXITCODE_DEBUG: park here while the debugger has the VM stopped. */
void gdb_cpu_suspend(struct vcpu *vcpu);
/* VM_EXITCODE_BPT: gdb's breakpoint (stop), or the guest's own INT3. */
void gdb_cpu_breakpoint(struct vcpu *vcpu, struct vm_exit *vme);
/* VM_EXITCODE_MTRAP: a single step is done. */
void gdb_cpu_mtrap(struct vcpu *vcpu);

#endif /* LHYVE_GDB_H */
