/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bhyverun.c: lhyve's main, in the shape of bhyve's: options -> config tree
 * -> VM and memory -> platform devices -> boot -> one thread per vCPU, each
 * running vm_run() and the exit-handler table, while the main thread runs
 * the event loop.  The only file that calls exit().
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bhyverun.h"
#include "boot/boot.h"
#include "config.h"
#include "debug/gdb.h"
#include "guest_memory.h"
#include "devices/bvmcons.h"
#include "devices/fw_cfg.h"
#include "devices/hpet.h"
#include "devices/inout.h"
#include "devices/mem.h"
#include "devices/pci_emul.h"
#include "devices/pm.h"
#include "devices/rtc.h"
#include "devices/uart_backend.h"
#include "mevent.h"
#include "platform/platform_setup.h"
#include "vcpu_pin.h"
#include "vmexit.h"
#include "vmm/vmm.h"

#define DEFAULT_MEMSIZE  (256ULL << 20)   /* bhyve's default: 256M */

static struct vmctx *the_ctx;
static int guest_ncpus;
static pthread_t vcpu_thread[VM_MAXCPU];
static _Atomic bool vcpu_started[VM_MAXCPU];
/* -p: each pinned vCPU thread starts with its host CPU set. */
static cpu_set_t vcpu_cpuset[VM_MAXCPU];
static bool vcpu_pinned[VM_MAXCPU];
static _Atomic int exit_status = -1;    /* -1 while running */

bool
bhyve_exiting(void)
{
	return (atomic_load(&exit_status) >= 0);
}

void
bhyve_request_exit(int status)
{
	int expected = -1;

	if (!atomic_compare_exchange_strong(&exit_status, &expected, status))
		return;         /* the first request wins */
	if (the_ctx != NULL)
		vm_suspend(the_ctx, status == EXIT_REBOOT ? VM_SUSPEND_RESET :
		    VM_SUSPEND_POWEROFF);
	mevent_exit();
}

/* One vCPU's run loop (bhyve's vm_loop). */
static void *
vcpu_loop(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm_exit vme;
	char name[16];
	int error, rc;

	snprintf(name, sizeof(name), "vcpu %d", vcpu_id(vcpu));
	pthread_setname_np(pthread_self(), name);
	gdb_cpu_add(vcpu);	/* -G: may wait for the debugger here */
	while (!bhyve_exiting()) {
		memset(&vme, 0, sizeof(vme));
		error = vm_run(vcpu, &vme);
		if (error != 0) {
			fprintf(stderr, "lhyve: vcpu %d: vm_run: %s\n",
			    vcpu_id(vcpu), strerror(-error));
			bhyve_request_exit(EXIT_ERROR);
			break;
		}
		rc = vmexit_handle(vcpu, &vme);
		if (rc == VMEXIT_ABORT)
			break;
	}
	return (NULL);
}

static int
vcpu_thread_start(struct vcpu *vcpu)
{
	int id = vcpu_id(vcpu), error;

	if (atomic_exchange(&vcpu_started[id], true))
		return (-EALREADY);
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	if (vcpu_pinned[id])
		pthread_attr_setaffinity_np(&attr, sizeof(cpu_set_t),
		    &vcpu_cpuset[id]);
	error = pthread_create(&vcpu_thread[id], &attr, vcpu_loop, vcpu);
	pthread_attr_destroy(&attr);
	if (error != 0) {
		atomic_store(&vcpu_started[id], false);
		return (-error);
	}
	return (0);
}

int
bhyve_start_ap(struct vmctx *ctx, int vcpuid, uint64_t rip)
{
	struct vcpu *vcpu;
	int error;

	if (vcpuid <= 0 || vcpuid >= guest_ncpus)
		return (-EINVAL);
	vcpu = vm_vcpu_open(ctx, vcpuid);
	if (vcpu == NULL)
		return (-errno);
	error = vm_vcpu_startup(vcpu, rip);
	if (error == 0)
		error = vcpu_thread_start(vcpu);
	if (error != 0)
		fprintf(stderr, "lhyve: cannot start vcpu %d: %s\n", vcpuid,
		    strerror(-error));
	return (error);
}

/* Per-vCPU capabilities from the config tree (bhyve's fbsdrun_set_capabilities). */
static int
vcpu_setup(struct vcpu *vcpu)
{
	int error;

	if (get_config_bool_default("x86.vmexit_on_hlt", false) &&
	    (error = vm_set_capability(vcpu, VM_CAP_HALT_EXIT, 1)) != 0)
		return (error);
	if (get_config_bool_default("x86.vmexit_on_pause", false) &&
	    (error = vm_set_capability(vcpu, VM_CAP_PAUSE_EXIT, 1)) != 0)
		return (error);
	if (get_config_bool_default("x86.x2apic", false) &&
	    (error = vm_set_x2apic_state(vcpu, X2APIC_ENABLED)) != 0)
		return (error);
	return (0);
}

static void
poweroff_timeout_cb(int fd, enum ev_type type, void *arg)
{
	fprintf(stderr, "lhyve: the guest did not power off in time\n");
	bhyve_request_exit(EXIT_POWEROFF);
}

/*
 * SIGTERM presses the ACPI power button, as bhyve does, so the guest can
 * shut down cleanly.  A guest that has not enabled ACPI would never see
 * it (bhyve only catches SIGTERM after ACPI_ENABLE): power off at once.
 * A second SIGTERM, or 30 s without a power-off, forces the exit.
 */
static _Atomic bool sigterm_seen;

static void
sigterm_cb(int fd, enum ev_type type, void *arg)
{
	static int presses;

	atomic_store(&sigterm_seen, true);
	if (++presses > 1 || !pm_power_button())
		bhyve_request_exit(EXIT_POWEROFF);
	else
		(void)mevent_add(30000, EVF_TIMER, poweroff_timeout_cb, NULL);
}

/*
 * A guest reset with lhyve.reboot_in_place: start over as a fresh process
 * with the same command line (bhyve exits 0 and leaves the restart to its
 * wrapper script; this is that loop built in).  Nothing of the old VM
 * survives: file descriptors are closed, the terminal is restored first.
 */
static void
reboot_in_place(char **argv)
{
	/* SIGTERM stays blocked across exec: one that arrives meanwhile
	 * waits for the new event loop's signalfd instead of killing us. */
	uart_backend_restore_ttys();
	close_range(3, ~0U, 0);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "lhyve: reboot in place: %s\n", strerror(errno));
}

static void
print_unimpl_stats(void)
{
	uint64_t st[VMST_LAST];
	struct vcpu *vcpu;

	for (int i = 0; i < guest_ncpus; i++) {
		if (!atomic_load(&vcpu_started[i]))
			continue;
		vcpu = vm_vcpu_open(the_ctx, i);
		if (vcpu == NULL || vm_get_stats(vcpu, st) != 0)
			continue;
		if (st[VMST_UD_UNIMPL] != 0)
			fprintf(stderr, "lhyve: vcpu %d: %" PRIu64 " "
			    "unimplemented instruction(s) raised #UD\n", i,
			    st[VMST_UD_UNIMPL]);
	}
}

static void
fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("lhyve: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_ERROR);
}

int
main(int argc, char **argv)
{
	char err[256] = "";
	const char *name, *val;
	struct vcpu *bsp;
	uint64_t memsize, rsdp;
	sigset_t sigs;
	int error, status;

	init_config();
	error = bhyve_parse_args(argc, argv);
	if (error == -1)
		exit(0);
	if (error != 0)
		exit(error);

	name = get_config_value("name");
	if (name == NULL)
		fail("no VM name given");
	val = get_config_value("cpus");
	guest_ncpus = val != NULL ? atoi(val) : 1;
	if (vcpu_pin_parse(guest_ncpus, vcpu_cpuset, vcpu_pinned, err,
	    sizeof(err)) != 0)
		fail("%s", err);
	memsize = DEFAULT_MEMSIZE;
	val = get_config_value("memory.size");
	if (val != NULL && parse_size(val, 1ULL << 20, &memsize) != 0)
		fail("memory.size=%s: not a size", val);
	if (memsize < (1ULL << 20) || (memsize & 0xfff) != 0)
		fail("memory.size=%s: must be at least 1M and a multiple of "
		    "4K", val);

	/*
	 * SIGTERM is read from the event loop's signalfd: block it before the
	 * backend starts any thread (the emu's timer thread), so that no
	 * thread takes it with the default action.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	the_ctx = vm_create(name, get_config_value("backend"), guest_ncpus,
	    err, sizeof(err));
	if (the_ctx == NULL)
		fail("%s", err);
	error = vm_setup_memory(the_ctx, memsize);
	if (error != 0)
		fail("cannot set up %" PRIu64 " bytes of guest memory: %s",
		    memsize, strerror(-error));
	/* -S wires guest RAM, -C keeps it in core dumps (guest_memory.c). */
	if (guest_memory_apply(the_ctx,
	    get_config_bool_default("memory.wired", false),
	    get_config_bool_default("memory.guest_in_core", false),
	    err, sizeof(err)) != 0)
		fail("%s", err);

	if (mevent_init() != 0)
		fail("cannot start the event loop");
	/* Signals go to the event loop; add them before any thread starts. */
	signal(SIGPIPE, SIG_IGN);
	if (mevent_add(SIGTERM, EVF_SIGNAL, sigterm_cb, NULL) == NULL)
		fail("cannot catch SIGTERM");

	init_inout(get_config_bool_default("x86.strictio", false));
	init_mem();
	/* Legacy devices before PCI, so BAR placement sees their ports. */
	error = rtc_init(the_ctx, get_config_bool_default("rtc.use_localtime",
	    true));
	if (error != 0)
		fail("rtc: %s", strerror(-error));
	error = hpet_init(the_ctx);
	if (error != 0)
		fail("hpet: %s", strerror(-error));
	if (init_pci(the_ctx) != 0)
		exit(EXIT_ERROR);       /* init_pci said why */
	/* -b: after the COM ports, so it knows whether one has stdio. */
	if (get_config_bool_default("bvmconsole", false) &&
	    bvmcons_init(bvmcons_stdio_taken()) != 0)
		exit(EXIT_ERROR);       /* bvmcons_init said why */
	/* -f (or lpc.fwcfg=qemu): QEMU's fw_cfg at 0x510. */
	if (fwcfg_wanted() && fwcfg_init(the_ctx) != 0)
		exit(EXIT_ERROR);       /* fwcfg_init said why */
	/* ACPI, MP table, SMBIOS in the BIOS area, described from the
	 * devices that now exist; loaders pass the RSDP on. */
	if (platform_setup(the_ctx, &rsdp) != 0)
		exit(EXIT_ERROR);       /* platform_setup said why */
	boot_set_rsdp(rsdp);
	vmexit_init();
	vm_set_exit_handler(the_ctx, vmexit_handle);

	bsp = vm_vcpu_open(the_ctx, 0);
	if (bsp == NULL)
		fail("cannot create vcpu 0: %s", strerror(errno));
	error = vcpu_setup(bsp);
	if (error != 0)
		fail("vcpu 0: %s", strerror(-error));

	/* boot.rom is lhyve's name for a ROM without an LPC bridge (issue 4) */
	if (get_config_value("boot.rom") != NULL &&
	    get_config_value("lpc.bootrom") == NULL)
		set_config_value("lpc.bootrom", get_config_value("boot.rom"));
	if (get_config_value("lpc.bootrom") != NULL) {
		if (bootrom_load(the_ctx, bsp, err, sizeof(err)) != 0)
			fail("%s", err);
	} else if (get_config_value("boot.kernel") != NULL) {
		if (boot_load_kernel(the_ctx, bsp, err, sizeof(err)) != 0)
			fail("%s", err);
	} else {
		fail("nothing to boot: give --kernel FILE or -l bootrom,FILE");
	}
	for (int i = 1; i < guest_ncpus; i++) {
		struct vcpu *ap = vm_vcpu_open(the_ctx, i);
		if (ap == NULL || (error = vcpu_setup(ap)) != 0)
			fail("cannot set up vcpu %d", i);
	}

	/* -G: the gdb server, before any vCPU thread runs (debug/gdb.c) */
	if (init_gdb(the_ctx, err, sizeof(err)) != 0)
		fail("%s", err);
	error = vcpu_thread_start(bsp);
	if (error != 0)
		fail("cannot start vcpu 0: %s", strerror(-error));

	mevent_dispatch();

	/* An exit was requested: stop every vCPU, then end the process. */
	status = atomic_load(&exit_status);
	for (int i = 0; i < guest_ncpus; i++) {
		if (!atomic_load(&vcpu_started[i]))
			continue;
		vm_vcpu_kick(vm_vcpu_open(the_ctx, i));
		pthread_join(vcpu_thread[i], NULL);
	}
	print_unimpl_stats();
	fflush(stdout);
	fflush(stderr);
	/* A reset racing with SIGTERM must not swallow the SIGTERM. */
	if (status == EXIT_REBOOT && !atomic_load(&sigterm_seen) &&
	    get_config_bool_default("lhyve.reboot_in_place", false))
		reboot_in_place(argv);
	exit(status < 0 ? EXIT_ERROR : status);
}
