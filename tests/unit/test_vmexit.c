/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_vmexit.c: the exit-handler table fed with synthetic exits, as
 * Firecracker tests its exit handling: no guest code runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "bhyverun.h"
#include "config.h"
#include "devices/inout.h"
#include "devices/mem.h"
#include "vmexit.h"
#include "vmm/vmm.h"

/* bhyverun.c is not linked into unit tests: record what it would do. */
static int requested = -1;
static int ap_started = -1;
static uint64_t ap_rip;

void
bhyve_request_exit(int status)
{
	if (requested < 0)
		requested = status;
}

bool
bhyve_exiting(void)
{
	return (requested >= 0);
}

int
bhyve_start_ap(struct vmctx *ctx, int vcpuid, uint64_t rip)
{
	ap_started = vcpuid;
	ap_rip = rip;
	return (vcpuid == 1 ? 0 : -1);
}

static struct vmctx *ctx;
static struct vcpu *vcpu;
static uint32_t last_out;

static int
port_cb(struct vmctx *c, int in, int port, int bytes, uint32_t *eax,
    void *arg)
{
	if (in)
		*eax = 0x12345678;
	else
		last_out = *eax;
	return (0);
}

static int
setup(void **state)
{
	char err[128];

	requested = -1;
	init_config();
	ctx = vm_create("t", "emu", 2, err, sizeof(err));
	assert_non_null(ctx);
	assert_int_equal(vm_setup_memory(ctx, 16 << 20), 0);
	vcpu = vm_vcpu_open(ctx, 0);
	assert_non_null(vcpu);
	return (0);
}

static int
teardown(void **state)
{
	vm_destroy(ctx);
	free_config();
	return (0);
}

static void
test_inout(void **state)
{
	static const struct inout_port p = {
		"test", 0x510, 2, IOPORT_F_INOUT, port_cb, NULL
	};
	struct vm_exit vme = { .exitcode = VM_EXITCODE_INOUT };

	init_inout(false);
	assert_int_equal(register_inout(&p), 0);
	vme.u.inout.port = 0x511;
	vme.u.inout.bytes = 1;
	vme.u.inout.in = false;
	vme.u.inout.eax = 0x42;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);
	assert_int_equal(last_out, 0x42);
	vme.u.inout.in = true;
	vme.u.inout.bytes = 2;
	vme.u.inout.port = 0x510;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);
	assert_int_equal(vme.u.inout.eax & 0xffff, 0x5678);

	/* unclaimed, lenient: all-ones, keep going */
	vme.u.inout.port = 0x9999 & 0xffff;
	vme.u.inout.bytes = 1;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);
	assert_int_equal(vme.u.inout.eax & 0xff, 0xff);
	assert_int_equal(requested, -1);

	/* unclaimed under -e (x86.strictio): the VM ends with status 4 */
	init_inout(true);
	vme.u.inout.port = 0x9999;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_ABORT);
	assert_int_equal(requested, EXIT_ERROR);
}

static void
test_msr_policy(void **state)
{
	struct vm_exit vme = { .exitcode = VM_EXITCODE_RDMSR };

	vme.u.msr.code = 0xC0011234;
	vmexit_init();          /* x86.strictmsr defaults to true */
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_FAULT_GP);
	vme.exitcode = VM_EXITCODE_WRMSR;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_FAULT_GP);

	set_config_bool("x86.strictmsr", false);        /* -w */
	vmexit_init();
	vme.exitcode = VM_EXITCODE_RDMSR;
	vme.u.msr.rval = 0xdead;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);
	assert_int_equal(vme.u.msr.rval, 0);
	vme.exitcode = VM_EXITCODE_WRMSR;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);
	assert_int_equal(requested, -1);
}

static void
check_suspend(enum vm_suspend_how how, int status)
{
	struct vm_exit vme = { .exitcode = VM_EXITCODE_SUSPENDED };

	requested = -1;
	vme.u.suspended.how = how;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_ABORT);
	assert_int_equal(requested, status);
}

static void
test_suspend_statuses(void **state)
{
	/* bhyve(8) EXIT STATUS */
	check_suspend(VM_SUSPEND_RESET, 0);
	check_suspend(VM_SUSPEND_POWEROFF, 1);
	check_suspend(VM_SUSPEND_HALT, 2);
	check_suspend(VM_SUSPEND_TRIPLEFAULT, 3);
	check_suspend(VM_SUSPEND_NONE, 4);
	check_suspend(VM_SUSPEND_LAST, 4);
}

static void
test_misc_exits(void **state)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	vme.exitcode = VM_EXITCODE_HLT;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);
	vme.exitcode = VM_EXITCODE_PAUSE;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);
	vme.exitcode = VM_EXITCODE_BOGUS;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);
	vme.exitcode = VM_EXITCODE_DEBUG;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);

	vme.exitcode = VM_EXITCODE_SPINUP_AP;
	vme.u.spinup_ap.vcpu = 1;
	vme.u.spinup_ap.rip = 0x9000;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_CONTINUE);
	assert_int_equal(ap_started, 1);
	assert_int_equal(ap_rip, 0x9000);
	assert_int_equal(requested, -1);
	vme.u.spinup_ap.vcpu = 7;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_ABORT);
	assert_int_equal(requested, EXIT_ERROR);

	requested = -1;
	vme.exitcode = VM_EXITCODE_INST_EMUL;
	vme.u.inst_emul.nbytes = 2;
	vme.u.inst_emul.bytes[0] = 0x0f;
	vme.u.inst_emul.bytes[1] = 0xff;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_ABORT);
	assert_int_equal(requested, EXIT_ERROR);

	/* an exit code from nowhere is an error, not a crash */
	requested = -1;
	vme.exitcode = VM_EXITCODE_MAX + 5;
	assert_int_equal(vmexit_handle(vcpu, &vme), VMEXIT_ABORT);
	assert_int_equal(requested, EXIT_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspend_statuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_misc_exits, setup, teardown),
	};
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
