/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vmexit.c: the exit-handler table, one vmexit_<reason>() per exit reason,
 * as in bhyve's bhyverun.c.  Handlers are plain functions of (vcpu, exit),
 * so unit tests can feed them synthetic exits.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bhyverun.h"
#include "config.h"
#include "debug/gdb.h"
#include "devices/inout.h"
#include "devices/mem.h"
#include "vmexit.h"

static bool strictmsr = true;

void
vmexit_init(void)
{
	strictmsr = get_config_bool_default("x86.strictmsr", true);
}

static int
vmexit_inout(struct vcpu *vcpu, struct vm_exit *vme)
{
	if (emulate_inout(vcpu_ctx(vcpu), vcpu, vme) != 0) {
		fprintf(stderr, "lhyve: vcpu %d: unhandled %s of %d byte%s at "
		    "port 0x%x (x86.strictio)\n", vcpu_id(vcpu),
		    vme->u.inout.in ? "in" : "out", vme->u.inout.bytes,
		    vme->u.inout.bytes > 1 ? "s" : "", vme->u.inout.port);
		bhyve_request_exit(EXIT_ERROR);
		return (VMEXIT_ABORT);
	}
	/* A device may have ended the VM (debug exit, reset port). */
	return (bhyve_exiting() ? VMEXIT_ABORT : VMEXIT_CONTINUE);
}

static int
vmexit_mmio(struct vcpu *vcpu, struct vm_exit *vme)
{
	if (emulate_mem(vcpu, vme) != 0) {
		fprintf(stderr, "lhyve: vcpu %d: unhandled MMIO %s of %d "
		    "bytes at 0x%" PRIx64 "\n", vcpu_id(vcpu),
		    vme->u.mmio.read ? "read" : "write", vme->u.mmio.bytes,
		    vme->u.mmio.gpa);
		bhyve_request_exit(EXIT_ERROR);
		return (VMEXIT_ABORT);
	}
	return (bhyve_exiting() ? VMEXIT_ABORT : VMEXIT_CONTINUE);
}

/*
 * MSRs the backend does not own.  bhyve: with x86.strictmsr (the default)
 * the guest gets #GP; with -w reads return 0 and writes are dropped.
 */
static int
vmexit_rdmsr(struct vcpu *vcpu, struct vm_exit *vme)
{
	if (strictmsr)
		return (VMEXIT_FAULT_GP);
	vme->u.msr.rval = 0;
	return (VMEXIT_CONTINUE);
}

static int
vmexit_wrmsr(struct vcpu *vcpu, struct vm_exit *vme)
{
	if (strictmsr)
		return (VMEXIT_FAULT_GP);
	return (VMEXIT_CONTINUE);
}

static int
vmexit_continue(struct vcpu *vcpu, struct vm_exit *vme)
{
	return (VMEXIT_CONTINUE);
}

static int
vmexit_spinup_ap(struct vcpu *vcpu, struct vm_exit *vme)
{
	if (bhyve_start_ap(vcpu_ctx(vcpu), vme->u.spinup_ap.vcpu,
	    vme->u.spinup_ap.rip) != 0) {
		bhyve_request_exit(EXIT_ERROR);
		return (VMEXIT_ABORT);
	}
	return (VMEXIT_CONTINUE);
}

static int
vmexit_suspend(struct vcpu *vcpu, struct vm_exit *vme)
{
	static const int status[VM_SUSPEND_LAST] = {
		[VM_SUSPEND_RESET] = EXIT_REBOOT,
		[VM_SUSPEND_POWEROFF] = EXIT_POWEROFF,
		[VM_SUSPEND_HALT] = EXIT_HALT,
		[VM_SUSPEND_TRIPLEFAULT] = EXIT_TRIPLEFAULT,
	};
	enum vm_suspend_how how = vme->u.suspended.how;

	if (how <= VM_SUSPEND_NONE || how >= VM_SUSPEND_LAST) {
		fprintf(stderr, "lhyve: vcpu %d: bad suspend reason %d\n",
		    vcpu_id(vcpu), how);
		bhyve_request_exit(EXIT_ERROR);
	} else {
		if (how == VM_SUSPEND_TRIPLEFAULT)
			fprintf(stderr, "lhyve: vcpu %d: triple fault at "
			    "rip 0x%" PRIx64 "\n", vcpu_id(vcpu), vme->rip);
		/* Also records the reason with vm_suspend(). */
		vm_suspend(vcpu_ctx(vcpu), how);
		bhyve_request_exit(status[how]);
	}
	return (VMEXIT_ABORT);
}

static int
vmexit_debug(struct vcpu *vcpu, struct vm_exit *vme)
{
	/* -G: kicked out of vm_run to stop for the debugger (debug/gdb.c) */
	if (!bhyve_exiting())
		gdb_cpu_suspend(vcpu);
	return (bhyve_exiting() ? VMEXIT_ABORT : VMEXIT_CONTINUE);
}

/* -G: INT3 with VM_CAP_BPT_EXIT, and the end of a single step. */
static int
vmexit_bpt(struct vcpu *vcpu, struct vm_exit *vme)
{
	gdb_cpu_breakpoint(vcpu, vme);
	return (bhyve_exiting() ? VMEXIT_ABORT : VMEXIT_CONTINUE);
}

static int
vmexit_mtrap(struct vcpu *vcpu, struct vm_exit *vme)
{
	gdb_cpu_mtrap(vcpu);
	return (bhyve_exiting() ? VMEXIT_ABORT : VMEXIT_CONTINUE);
}

static int
vmexit_inst_emul(struct vcpu *vcpu, struct vm_exit *vme)
{
	char hex[3 * 16 + 1] = "";
	int n = vme->u.inst_emul.nbytes;

	for (int i = 0; i < n && i < 16; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x",
		    vme->u.inst_emul.bytes[i]);
	fprintf(stderr, "lhyve: vcpu %d: failed to emulate instruction at "
	    "rip 0x%" PRIx64 ":%s%s%s\n", vcpu_id(vcpu), vme->rip, hex,
	    vme->u.inst_emul.why ? ": " : "",
	    vme->u.inst_emul.why ? vme->u.inst_emul.why : "");
	bhyve_request_exit(EXIT_ERROR);
	return (VMEXIT_ABORT);
}

typedef int (*vmexit_handler_t)(struct vcpu *, struct vm_exit *);

static const vmexit_handler_t handler[VM_EXITCODE_MAX] = {
	[VM_EXITCODE_INOUT] = vmexit_inout,
	[VM_EXITCODE_MMIO] = vmexit_mmio,
	[VM_EXITCODE_RDMSR] = vmexit_rdmsr,
	[VM_EXITCODE_WRMSR] = vmexit_wrmsr,
	[VM_EXITCODE_HLT] = vmexit_continue,
	[VM_EXITCODE_PAUSE] = vmexit_continue,
	[VM_EXITCODE_MTRAP] = vmexit_mtrap,
	[VM_EXITCODE_SPINUP_AP] = vmexit_spinup_ap,
	[VM_EXITCODE_SUSPENDED] = vmexit_suspend,
	[VM_EXITCODE_DEBUG] = vmexit_debug,
	[VM_EXITCODE_INST_EMUL] = vmexit_inst_emul,
	[VM_EXITCODE_BOGUS] = vmexit_continue,
	[VM_EXITCODE_BPT] = vmexit_bpt,
};

int
vmexit_handle(struct vcpu *vcpu, struct vm_exit *vme)
{
	if (vme->exitcode >= VM_EXITCODE_MAX || handler[vme->exitcode] == NULL) {
		fprintf(stderr, "lhyve: vcpu %d: unknown exit code %d\n",
		    vcpu_id(vcpu), vme->exitcode);
		bhyve_request_exit(EXIT_ERROR);
		return (VMEXIT_ABORT);
	}
	return (handler[vme->exitcode](vcpu, vme));
}
