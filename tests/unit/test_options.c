/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_options.c: bhyve's command line into the config tree: every
 * option's variable, -c topologies, -m forms, -k/-o ordering, config.dump,
 * malformed and unsupported options (status 4, the option named on
 * stderr).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bhyverun.h"
#include "config.h"
#include "devices/pci_emul.h"

/* bhyverun.c is not in liblhyve.a; device code linked in may call these. */
void
bhyve_request_exit(int status)
{
}

bool
bhyve_exiting(void)
{
	return (false);
}

int
bhyve_start_ap(struct vmctx *ctx, int vcpuid, uint64_t rip)
{
	return (-1);
}

static char *out, *err;

static int
setup(void **state)
{
	free_config();
	init_config();
	free(out);
	free(err);
	out = err = NULL;
	return (0);
}

static char *
slurp(FILE *fp)
{
	long len = ftell(fp);
	char *buf = calloc(1, len + 1);

	rewind(fp);
	assert_int_equal(fread(buf, 1, len, fp), (size_t)len);
	fclose(fp);
	return (buf);
}

/*
 * bhyve_parse_args("lhyve", args..., NULL) with stdout and stderr captured
 * into 'out' and 'err'.
 */
static int
run(const char *first, ...)
{
	char *argv[64];
	int argc = 0, rc, ofd, efd;
	FILE *ofp, *efp;
	const char *a;
	va_list ap;

	argv[argc++] = strdup("lhyve");
	va_start(ap, first);
	for (a = first; a != NULL; a = va_arg(ap, const char *)) {
		assert_true(argc < 63);
		argv[argc++] = strdup(a);
	}
	va_end(ap);
	argv[argc] = NULL;

	free(out);
	free(err);
	fflush(stdout);
	fflush(stderr);
	ofd = dup(1);
	efd = dup(2);
	ofp = tmpfile();
	efp = tmpfile();
	dup2(fileno(ofp), 1);
	dup2(fileno(efp), 2);
	rc = bhyve_parse_args(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(ofd, 1);
	dup2(efd, 2);
	close(ofd);
	close(efd);
	fseek(ofp, 0, SEEK_END);
	fseek(efp, 0, SEEK_END);
	out = slurp(ofp);
	err = slurp(efp);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return (rc);
}

static void
assert_var(const char *var, const char *want)
{
	const char *v = get_config_value(var);

	if (want == NULL) {
		if (v != NULL)
			fail_msg("%s=%s, want unset", var, v);
		return;
	}
	if (v == NULL)
		fail_msg("%s unset, want %s", var, want);
	assert_string_equal(v, want);
}

static void
test_defaults_and_name(void **state)
{
	assert_int_equal(run("vm0", NULL), 0);
	assert_var("name", "vm0");
	assert_var("memory.size", "256M");
	assert_var("x86.strictmsr", "true");
	assert_string_equal(err, "");
	assert_string_equal(out, "");
}

static void
test_flags(void **state)
{
	static const struct {
		const char *opt, *var, *value;
	} cases[] = {
		{ "-a", "x86.x2apic", "false" },
		{ "-C", "memory.guest_in_core", "true" },
		{ "-D", "destroy_on_poweroff", "true" },
		{ "-e", "x86.strictio", "true" },
		{ "-H", "x86.vmexit_on_hlt", "true" },
		{ "-P", "x86.vmexit_on_pause", "true" },
		{ "-S", "memory.wired", "true" },
		{ "-u", "rtc.use_localtime", "false" },
		{ "-W", "virtio_msix", "false" },
		{ "-w", "x86.strictmsr", "false" },
		{ "-x", "x86.x2apic", "true" },
		{ "-Y", "x86.mptable", "false" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(state);
		if (run(cases[i].opt, "vm0", NULL) != 0)
			fail_msg("%s: status != 0: %s", cases[i].opt, err);
		assert_var(cases[i].var, cases[i].value);
	}
	/* -A and -I are accepted and change nothing */
	setup(state);
	assert_int_equal(run("-A", "-I", "vm0", NULL), 0);
	assert_null(get_config_value("acpi_tables"));
	/* bundled flags, later ones win */
	setup(state);
	assert_int_equal(run("-HPwx", "-a", "vm0", NULL), 0);
	assert_var("x86.vmexit_on_hlt", "true");
	assert_var("x86.vmexit_on_pause", "true");
	assert_var("x86.strictmsr", "false");
	assert_var("x86.x2apic", "false");
}

static void
test_cpus(void **state)
{
	assert_int_equal(run("-c", "4", "vm0", NULL), 0);
	assert_var("cpus", "4");
	assert_var("sockets", NULL);

	setup(state);
	assert_int_equal(run("-c", "cpus=4,sockets=2,cores=2", "vm0", NULL), 0);
	assert_var("cpus", "4");
	assert_var("sockets", "2");
	assert_var("cores", "2");
	assert_var("threads", NULL);

	setup(state);
	assert_int_equal(run("-c", "sockets=2,cores=2,threads=2", "vm0", NULL),
	    0);
	assert_var("cpus", "8");	/* filled in from the topology */

	setup(state);
	assert_int_equal(run("-c", "", "vm0", NULL), 0);
	assert_var("cpus", "1");
	assert_var("sockets", "1");
	assert_var("cores", "1");
	assert_var("threads", "1");

	setup(state);
	assert_int_equal(run("-c", "0", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -c: cpus: '0' is not a number from "
	    "1 to 65535\n");
	setup(state);
	assert_int_equal(run("-c", "lots", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -c: cpus: 'lots' is not a number "
	    "from 1 to 65535\n");
	setup(state);
	assert_int_equal(run("-c", "cores=x", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -c: cores: 'x'"));
	setup(state);
	assert_int_equal(run("-c", "4,,2", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -c: empty item in '4,,2'\n");
	setup(state);
	assert_int_equal(run("-c", "dies=2", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -c: unknown item 'dies'"));

	/* numcpus must equal sockets * cores * threads (bhyve) */
	setup(state);
	assert_int_equal(run("-c", "cpus=4,sockets=3", "vm0", NULL),
	    EXIT_ERROR);
	assert_string_equal(err, "lhyve: -c: topology (3 sockets, 1 cores, "
	    "1 threads) does not match 4 vCPUs\n");
	setup(state);
	assert_int_equal(run("-c", "2,threads=2", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "(2 sockets, 1 cores, 2 threads) does "
	    "not match 2 vCPUs"));
	/* the same check covers -o */
	setup(state);
	assert_int_equal(run("-c", "4", "-o", "cores=3", "vm0", NULL),
	    EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -c: topology"));
	setup(state);
	assert_int_equal(run("-o", "cpus=zero", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -c: cpus: 'zero'"));
	/* more than VM_MAXCPU */
	setup(state);
	assert_int_equal(run("-c", "65", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -c: 65 vCPUs requested, lhyve "
	    "supports at most 64\n");
}

static void
test_memory(void **state)
{
	static const char *const good[] = { "64M", "64m", "512", "1G", "1g",
	    "65536K", "1t", "0x40M" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		setup(state);
		if (run("-m", good[i], "vm0", NULL) != 0)
			fail_msg("-m %s: %s", good[i], err);
		assert_var("memory.size", good[i]);	/* stored as given */
	}
	setup(state);
	assert_int_equal(run("-m", "lots", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -m: 'lots' is not a memory size "
	    "(e.g. 512M, 2G; a bare number is MiB)\n");
	assert_var("memory.size", "256M");
	setup(state);
	assert_int_equal(run("-m", "64MB", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -m: '64MB'"));
	setup(state);
	assert_int_equal(run("-m", "0", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -m: the memory size must not be "
	    "zero\n");
	setup(state);
	assert_int_equal(run("-m", "99999999999999999999", "vm0", NULL),
	    EXIT_ERROR);
	assert_string_equal(err, "lhyve: -m: '99999999999999999999' is too "
	    "large\n");
	/* a memory.size from -o is checked as well */
	setup(state);
	assert_int_equal(run("-o", "memory.size=lots", "vm0", NULL),
	    EXIT_ERROR);
	assert_string_equal(err, "lhyve: -m (memory.size): 'lots' is not a "
	    "memory size\n");
}

static char *
write_temp(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/lhyve-test-options-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return (path);
}

static void
test_config_file_and_order(void **state)
{
	char *path = write_temp("# vm from a file\n"
	    "name=fromfile\n"
	    "memory.size=1G\n"
	    "x86.vmexit_on_hlt=true\n");

	/* -k then -o: -o wins */
	assert_int_equal(run("-k", path, "-o", "memory.size=2G", NULL), 0);
	assert_var("name", "fromfile");
	assert_var("memory.size", "2G");
	assert_var("x86.vmexit_on_hlt", "true");
	/* -o then -k: the file wins */
	setup(state);
	assert_int_equal(run("-o", "memory.size=2G", "-k", path, NULL), 0);
	assert_var("memory.size", "1G");
	/* -m after -k, and the positional name over the file's */
	setup(state);
	assert_int_equal(run("-k", path, "-m", "128M", "vm9", NULL), 0);
	assert_var("memory.size", "128M");
	assert_var("name", "vm9");
	unlink(path);

	setup(state);
	path = write_temp("name=x\nthis line is bad\n");
	assert_int_equal(run("-k", path, NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -k: "));
	assert_non_null(strstr(err, " line 2: invalid line"));
	unlink(path);

	setup(state);
	assert_int_equal(run("-k", "/nonexistent/vm.conf", "vm0", NULL),
	    EXIT_ERROR);
	assert_string_equal(err, "lhyve: -k: /nonexistent/vm.conf: No such "
	    "file or directory\n");
}

static void
test_o_option(void **state)
{
	assert_int_equal(run("-o", "pci.0.3.0.device=virtio-rnd", "-o",
	    "backend=emu", "-o", "a.b=c=d", "vm0", NULL), 0);
	assert_var("pci.0.3.0.device", "virtio-rnd");
	assert_var("backend", "emu");
	assert_var("a.b", "c=d");

	setup(state);
	assert_int_equal(run("-o", "novalue", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -o: 'novalue' is not var=value\n");
	setup(state);
	assert_int_equal(run("-o", "memory=1G", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -o: 'memory=1G': "));
	/* well-known booleans are checked */
	setup(state);
	assert_int_equal(run("-o", "x86.strictio=maybe", "vm0", NULL),
	    EXIT_ERROR);
	assert_string_equal(err, "lhyve: x86.strictio: 'maybe' is not a "
	    "boolean (true/on/yes/1 or false/off/no/0)\n");
	setup(state);
	assert_int_equal(run("-o", "x86.strictio=%(yes)", "-o", "yes=on",
	    "vm0", NULL), 0);
	assert_true(get_config_bool("x86.strictio"));
}

static void
test_name(void **state)
{
	assert_int_equal(run("-m", "64M", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: no VM name given\n"));
	assert_non_null(strstr(err, "Usage: lhyve"));
	setup(state);
	assert_int_equal(run("-o", "name=byopt", NULL), 0);
	assert_var("name", "byopt");
	setup(state);
	assert_int_equal(run("vm0", "extra", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: unexpected argument 'extra'"));
	/* options after the name are not options (BSD getopt, as bhyve) */
	setup(state);
	assert_int_equal(run("vm0", "-m", "64M", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "unexpected argument '-m'"));
}

static void
test_bad_options(void **state)
{
	assert_int_equal(run("-Z", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -Z: unknown option\n"));
	assert_string_equal(out, "");
	setup(state);
	assert_int_equal(run("--bogus", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: --bogus: unknown option\n"));
	setup(state);
	assert_int_equal(run("vm0x", "-m", NULL), EXIT_ERROR);
	setup(state);
	assert_int_equal(run("-m", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -m: option requires an argument\n");
	setup(state);
	assert_int_equal(run("--kernel", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: --kernel: option requires an "
	    "argument\n");
}

static void
test_help(void **state)
{
	static const char letters[] = "aAbCcDefGgHhIkKlmnoPprSsUuWwxY";
	char line[16];

	assert_int_equal(run("-h", NULL), -1);
	assert_string_equal(err, "");
	assert_true(strncmp(out, "Usage: lhyve ", 13) == 0);
	for (const char *c = letters; *c != '\0'; c++) {
		snprintf(line, sizeof(line), "\n       -%c: ", *c);
		if (strstr(out, line) == NULL)
			fail_msg("usage lacks a line for -%c", *c);
	}
	assert_non_null(strstr(out, "--kernel"));
	assert_non_null(strstr(out, "--initrd"));
	assert_non_null(strstr(out, "--cmdline"));
	/* -h wins even before a bad option, as in bhyve */
	setup(state);
	assert_int_equal(run("-h", "-m", "lots", NULL), -1);
	setup(state);
	assert_int_equal(run("--help", NULL), -1);
	assert_true(strncmp(out, "Usage: lhyve ", 13) == 0);
}

static void
test_config_dump(void **state)
{
	assert_int_equal(run("-o", "config.dump=1", "-m", "64M", "-H", "vm0",
	    NULL), -1);
	assert_string_equal(out,
	    "memory.size=64M\n"
	    "x86.strictmsr=true\n"
	    "x86.vmexit_on_hlt=true\n"	/* tree order: x86 came first */
	    "config.dump=1\n"
	    "name=vm0\n");
	assert_string_equal(err, "");
	/* a dump still works with an unsupported option */
	setup(state);
	assert_int_equal(run("-G", "1234", "-o", "config.dump=yes", "vm0",
	    NULL), -1);
	assert_non_null(strstr(out, "gdb.port=1234\n"));
	setup(state);
	assert_int_equal(run("-o", "config.dump=0", "vm0", NULL), 0);
	assert_string_equal(out, "");
	setup(state);
	assert_int_equal(run("-o", "config.dump=please", "vm0", NULL),
	    EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: config.dump: 'please'"));
}

/* bhyve(8): a dump is a -k file.  Reading it back dumps the same tree. */
static void
test_dump_is_a_config_file(void **state)
{
	char *first, *path;

	assert_int_equal(run("-c", "sockets=1,cores=2", "-m", "1G", "-H",
	    "-w", "-U", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "-o",
	    "disk=/vm/%(name).img", "--kernel", "/k", "--cmdline", "a=b c",
	    "-o", "config.dump=true", "vm7", NULL), -1);
	first = strdup(out);
	assert_non_null(strstr(first, "disk=/vm/%(name).img\n"));
	path = write_temp(first);
	setup(state);
	assert_int_equal(run("-k", path, NULL), -1);
	assert_string_equal(out, first);
	unlink(path);
	free(first);
}

static void
test_uuid(void **state)
{
	assert_int_equal(run("-U", "6ba7b810-9dad-11d1-80B4-00c04fd430c8",
	    "vm0", NULL), 0);
	assert_var("uuid", "6ba7b810-9dad-11d1-80B4-00c04fd430c8");
	setup(state);
	assert_int_equal(run("-U", "6ba7b810-9dad-11d1-80b4-00c04fd430c", "vm0",
	    NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -U: '6ba7b810-9dad-11d1-80b4-"
	    "00c04fd430c' is not a UUID"));
	setup(state);
	assert_int_equal(run("-U", "6ba7b810x9dad-11d1-80b4-00c04fd430c8",
	    "vm0", NULL), EXIT_ERROR);
	setup(state);
	assert_int_equal(run("-o", "uuid=nope", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -U (uuid): 'nope' is not a UUID\n");
}

static void
test_boot_options(void **state)
{
	assert_int_equal(run("--kernel", "/k.elf", "--initrd", "/i.img",
	    "--cmdline", "console=ttyS0 quiet", "vm0", NULL), 0);
	assert_var("boot.kernel", "/k.elf");
	assert_var("boot.initrd", "/i.img");
	assert_var("boot.cmdline", "console=ttyS0 quiet");
	setup(state);
	assert_int_equal(run("--kernel=/k2", "--cmdline=", "vm0", NULL), 0);
	assert_var("boot.kernel", "/k2");
	assert_var("boot.cmdline", "");
	setup(state);
	assert_int_equal(run("--kernel", "", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: --kernel: empty path\n");
}

static void
test_unsupported(void **state)
{
	/* -G and -g work now (src/debug/gdb.c, docs/gdb.md) */
	assert_int_equal(run("-G", "1234", "vm0", NULL), 0);
	assert_string_equal(err, "");
	assert_var("gdb.port", "1234");
	setup(state);
	assert_int_equal(run("-G", "w127.0.0.1:1234", "vm0", NULL), 0);
	assert_var("gdb.wait", "true");
	assert_var("gdb.address", "127.0.0.1");
	assert_var("gdb.port", "1234");
	setup(state);
	assert_int_equal(run("-G", "[::1]:99", "vm0", NULL), 0);
	assert_var("gdb.address", "[::1]");
	setup(state);
	assert_int_equal(run("-G", "port", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -G: 'port' is not a port\n");
	setup(state);
	assert_int_equal(run("-g", "4321", "vm0", NULL), 0);
	assert_var("gdb.port", "4321");
	assert_string_equal(err, "");
	setup(state);
	assert_int_equal(run("-o", "gdb.port=1", "vm0", NULL), 0);
	assert_string_equal(err, "");

	setup(state);
	/* -f, -n and -b work now (fw_cfg.c, srat.c, bvmcons.c) */
	assert_int_equal(run("-f", "opt/x,string=a,b", "-f",
	    "opt/y,file=/etc/hostname", "vm0", NULL), 0);
	assert_string_equal(err, "");
	assert_var("fw_cfg.0.name", "opt/x");
	assert_var("fw_cfg.0.string", "a,b");
	assert_var("fw_cfg.1.name", "opt/y");
	assert_var("fw_cfg.1.file", "/etc/hostname");
	setup(state);
	assert_int_equal(run("-f", "opt/x,data=1", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -f: 'opt/x,data=1' is not"));
	setup(state);
	assert_int_equal(run("-f", "name=opt/z,string=", "vm0", NULL), 0);
	assert_var("fw_cfg.0.name", "opt/z");
	assert_var("fw_cfg.0.string", "");
	setup(state);
	assert_int_equal(run("-f", "opt/0123456789012345678901234567890123456789"
	    "789012345678,string=1", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -f: name longer than 55 "
	    "characters\n");

	setup(state);
	assert_int_equal(run("-K", "us", "vm0", NULL), EXIT_ERROR);
	assert_var("keyboard.layout", "us");
	assert_string_equal(err, "lhyve: -K (keyboard.layout): not supported "
	    "yet\n");

	setup(state);
	assert_int_equal(run("-n", "id=1,size=1G,cpus=0-1,domain_policy=rr",
	    "vm0", NULL), 0);
	assert_var("domains.1.size", "1G");
	assert_var("domains.1.cpus", "0-1");
	assert_var("domains.1.domain_policy", "rr");
	assert_string_equal(err, "");
	setup(state);
	assert_int_equal(run("-n", "size=1G", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -n: 'size=1G': missing id=\n");
	setup(state);
	assert_int_equal(run("-n", "id=0,size=big", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -n: size: 'big'"));

	setup(state);
	assert_int_equal(run("-r", "/snap", "vm0", NULL), EXIT_ERROR);
	assert_var("restore.file", "/snap");
	assert_string_equal(err, "lhyve: -r (restore.file): not supported "
	    "yet\n");

	setup(state);
	assert_int_equal(run("-b", "vm0", NULL), 0);
	assert_var("bvmconsole", "true");
	assert_string_equal(err, "");

	setup(state);
	assert_int_equal(run("-c", "2", "-p", "0:1", "-p", "0:3", "-p", "1:2",
	    "vm0", NULL), 0);
	assert_var("vcpu.0.cpuset", "1,3");
	assert_var("vcpu.1.cpuset", "2");
	assert_string_equal(err, "");
	setup(state);
	assert_int_equal(run("-p", "0-1", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -p: '0-1' is not vcpu:hostcpu\n");
	setup(state);
	assert_int_equal(run("-p", "0:99999", "vm0", NULL), EXIT_ERROR);
	assert_non_null(strstr(err, "lhyve: -p: '0:99999': hostcpu must be"));
	setup(state);
	assert_int_equal(run("-p", "x:1", "vm0", NULL), EXIT_ERROR);
	assert_string_equal(err, "lhyve: -p: 'x:1': invalid vcpu\n");

	/* several at once: one line naming them all */
	setup(state);
	assert_int_equal(run("-r", "/snap", "-K", "de", "vm0", NULL),
	    EXIT_ERROR);
	assert_string_equal(err, "lhyve: -K (keyboard.layout), -r "
	    "(restore.file): not supported yet\n");

	/* the check itself, on a tree built by hand */
	setup(state);
	assert_int_equal(bhyve_check_unsupported(), 0);
	set_config_value("bvmconsole", "false");
	assert_int_equal(bhyve_check_unsupported(), 0);
}

/* -s goes to the PCI code's parser (pci_emul.c). */
/*
 * Emulations register through a linker set; an object in liblhyve.a that
 * nothing references is not linked in, so they may be missing here.
 */
static void
need_emulation(const char *name)
{
	if (pci_emul_finddev(name) == NULL) {
		print_message("skipped: PCI emulation '%s' is not linked into "
		    "this test (linker-set objects in a static archive)\n",
		    name);
		skip();
	}
}

static void
test_pci_slots(void **state)
{
	need_emulation("hostbridge");
	assert_int_equal(run("-s", "0,hostbridge", "-s", "3:1,hostbridge",
	    "vm0", NULL), 0);
	assert_var("pci.0.0.0.device", "hostbridge");
	assert_var("pci.0.3.1.device", "hostbridge");
	setup(state);
	assert_int_equal(run("-s", "99,foo", "vm0", NULL), EXIT_ERROR);
	/* one line, from the PCI parser, naming the option */
	assert_true(strncmp(err, "lhyve: -s 99,foo: ", 18) == 0);
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	setup(state);
	assert_int_equal(run("-s", "help", NULL), -1);
	assert_non_null(strstr(out, "hostbridge"));
}

/* -l goes to the LPC code's parser (pci_lpc.c). */
static void
test_lpc_devices(void **state)
{
	need_emulation("lpc");
	assert_int_equal(run("-s", "31,lpc", "-l", "com1,stdio", "vm0", NULL),
	    0);
	assert_var("pci.0.31.0.device", "lpc");
	assert_var("lpc.com1.path", "stdio");
	setup(state);
	assert_int_equal(run("-l", "com9,stdio", "vm0", NULL), EXIT_ERROR);
	assert_true(strncmp(err, "lhyve: -l com9,stdio: ", 22) == 0);
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	setup(state);
	assert_int_equal(run("-l", "help", NULL), -1);
	assert_non_null(strstr(out, "com1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults_and_name, setup),
		cmocka_unit_test_setup(test_flags, setup),
		cmocka_unit_test_setup(test_cpus, setup),
		cmocka_unit_test_setup(test_memory, setup),
		cmocka_unit_test_setup(test_config_file_and_order, setup),
		cmocka_unit_test_setup(test_o_option, setup),
		cmocka_unit_test_setup(test_name, setup),
		cmocka_unit_test_setup(test_bad_options, setup),
		cmocka_unit_test_setup(test_help, setup),
		cmocka_unit_test_setup(test_config_dump, setup),
		cmocka_unit_test_setup(test_dump_is_a_config_file, setup),
		cmocka_unit_test_setup(test_uuid, setup),
		cmocka_unit_test_setup(test_boot_options, setup),
		cmocka_unit_test_setup(test_unsupported, setup),
		cmocka_unit_test_setup(test_pci_slots, setup),
		cmocka_unit_test_setup(test_lpc_devices, setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
