/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * options.c: bhyve's command line (bhyve(8); amd64 bhyve_optparse() and
 * bhyverun.c's main) turned into configuration variables
 * (bhyve_config(5)).  Options apply in command-line order, so "-k file -o
 * x=y" lets -o override the file, as in bhyve.  After parsing, the values
 * every later stage relies on are checked once (topology, memory size,
 * booleans, UUID), and features lhyve does not have yet are refused by
 * bhyve_check_unsupported(), whichever of -X, -o or -k asked for them.
 *
 * Exit statuses: bhyve ends with usage(1) for an unknown option or a
 * missing VM name, EX_USAGE (64) for a malformed -c/-p/-l/-o/-f value or
 * memory size, and 4 for a bad -s or -k.  lhyve returns 4 (EXIT_ERROR) for
 * all of them: in lhyve 1 means "powered off", which is also what a guest
 * test that passes ends with (pc-testdev: (0 << 1) | 1), so a mistyped
 * test command line must not look like a pass.  See docs/config.md.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bhyverun.h"
#include "config.h"
#include "devices/pci_emul.h"
#include "devices/pci_lpc.h"

#define MiB		(1ULL << 20)
#define CONFLICT	"a node and a value cannot have the same path"
#define OPT_HELP	(-1)	/* a handler's "print and exit 0" */

enum { OPT_KERNEL = 0x100, OPT_INITRD, OPT_CMDLINE };

/*
 * bhyve's amd64 optstring "aehuwxACDHIPSWYk:f:o:p:G:c:s:m:l:K:U:r:", plus
 * the 2013-era -b and -g, and -n (NUMA, bhyve(8) of 2025).  '+' stops at
 * the VM name as BSD getopt does; ':' lets us word the errors.
 */
static const char optstr[] = "+:aAbCDeHhIPSuWwxYc:f:g:G:k:K:l:m:n:o:p:r:s:U:";

static const struct option long_opts[] = {
	{ "kernel",	required_argument, NULL, OPT_KERNEL },
	{ "initrd",	required_argument, NULL, OPT_INITRD },
	{ "cmdline",	required_argument, NULL, OPT_CMDLINE },
	{ "help",	no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Options without an argument: each sets one variable (or nothing). */
static const struct flag_opt {
	int		opt;
	const char	*var;		/* NULL: accepted, does nothing */
	const char	*value;
} flag_opts[] = {
	{ 'a', "x86.x2apic",		"false" },
	{ 'A', NULL,			NULL },	/* ACPI: always (bhyve) */
	{ 'b', "bvmconsole",		"true" },	/* 2013 bvm console */
	{ 'C', "memory.guest_in_core",	"true" },
	{ 'D', "destroy_on_poweroff",	"true" },
	{ 'e', "x86.strictio",		"true" },
	{ 'H', "x86.vmexit_on_hlt",	"true" },
	{ 'I', NULL,			NULL },	/* IOAPIC: always (bhyve) */
	{ 'P', "x86.vmexit_on_pause",	"true" },
	{ 'S', "memory.wired",		"true" },
	{ 'u', "rtc.use_localtime",	"false" },
	{ 'W', "virtio_msix",		"false" },
	{ 'w', "x86.strictmsr",		"false" },
	{ 'x', "x86.x2apic",		"true" },
	{ 'Y', "x86.mptable",		"false" },
};

static int
opt_fail(const char *opt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "lhyve: -X: why", and the status to end with. */
static int
opt_fail(const char *opt, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lhyve: %s: ", opt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return (EXIT_ERROR);
}

/* Set a variable, failing (naming 'opt') if the tree refuses it. */
static int
setvar(const char *opt, const char *var, const char *value)
{
	char *assign;
	int error;

	if (*value == '\0') {
		set_config_value(var, value);
		return (get_config_value(var) != NULL ? 0 :
		    opt_fail(opt, "cannot set %s", var));
	}
	if (asprintf(&assign, "%s=%s", var, value) < 0)
		return (opt_fail(opt, "out of memory"));
	error = set_config_assignment(assign);
	free(assign);
	if (error != 0)
		return (opt_fail(opt, "cannot set %s=%s: %s", var, value,
		    error == -EEXIST ? CONFLICT : strerror(-error)));
	return (0);
}

/* A whole decimal (or 0x/0 prefixed, like bhyve's strtol(.., 0)) number
 * within [min, max]. */
static bool
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (false);
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (false);
	*out = v;
	return (true);
}

/* -c [[cpus=]n][,sockets=n][,cores=n][,threads=n] (bhyve's topology_parse,
 * but every number is checked here, and empty items are refused). */
static int
opt_cpus(const char *opt, char *arg)
{
	static const char *const keys[] = { "cpus", "sockets", "cores",
	    "threads" };
	char *copy, *p, *tok, *eq, *val;
	const char *key;
	int error = 0;
	long n;

	if (*arg == '\0') {
		/* bhyve: an empty -c means one vCPU, by design */
		for (size_t i = 0; i < 4 && error == 0; i++)
			error = setvar(opt, keys[i], "1");
		return (error);
	}
	copy = strdup(arg);
	if (copy == NULL)
		return (opt_fail(opt, "out of memory"));
	for (p = copy; error == 0 && (tok = strsep(&p, ",")) != NULL;) {
		eq = strchr(tok, '=');
		key = NULL;
		if (eq == NULL) {
			key = "cpus";
			val = tok;
		} else {
			*eq = '\0';
			val = eq + 1;
			for (size_t i = 0; i < 4; i++)
				if (strcmp(tok, keys[i]) == 0)
					key = keys[i];
		}
		if (*tok == '\0' && eq == NULL)
			error = opt_fail(opt, "empty item in '%s'", arg);
		else if (key == NULL)
			error = opt_fail(opt, "unknown item '%s' in '%s' "
			    "(cpus=, sockets=, cores=, threads=)", tok, arg);
		else if (!parse_long(val, 1, UINT16_MAX, &n))
			error = opt_fail(opt, "%s: '%s' is not a number from "
			    "1 to %d", key, val, UINT16_MAX);
		else
			error = setvar(opt, key, val);
	}
	free(copy);
	return (error);
}

/* -m size: expand_number suffixes, a bare number is MiB (bhyve(8)).
 * Stored as given; bhyverun parses it with the same parse_size(). */
static int
opt_memory(const char *opt, char *arg)
{
	uint64_t size;
	int error;

	error = parse_size(arg, MiB, &size);
	if (error == -ERANGE)
		return (opt_fail(opt, "'%s' is too large", arg));
	if (error != 0)
		return (opt_fail(opt, "'%s' is not a memory size (e.g. 512M, "
		    "2G; a bare number is MiB)", arg));
	if (size == 0)
		return (opt_fail(opt, "the memory size must not be zero"));
	return (setvar(opt, "memory.size", arg));
}

static int
opt_pci(const char *opt, char *arg)
{
	char *copy;
	int error;

	if (strcmp(arg, "help") == 0) {
		pci_print_supported_devices();
		return (OPT_HELP);
	}
	/* A copy: the parser may cut the string, argv may be read-only. */
	copy = strdup(arg);
	if (copy == NULL)
		return (opt_fail(opt, "out of memory"));
	error = pci_parse_slot(copy);
	free(copy);
	/* The parser has said why, naming "-s <arg>": one line is enough. */
	return (error != 0 ? EXIT_ERROR : 0);
}

static int
opt_lpc(const char *opt, char *arg)
{
	char *copy;
	int error;

	if (strcmp(arg, "help") == 0) {
		lpc_print_supported_devices();
		return (OPT_HELP);
	}
	copy = strdup(arg);
	if (copy == NULL)
		return (opt_fail(opt, "out of memory"));
	error = lpc_device_parse(copy);
	free(copy);
	/* As for -s: the parser has printed the reason. */
	return (error != 0 ? EXIT_ERROR : 0);
}

static int
opt_config_file(const char *opt, char *arg)
{
	int error, line;

	error = load_config_file(arg, &line);
	if (error == 0)
		return (0);
	if (line == 0)
		return (opt_fail(opt, "%s: %s", arg, strerror(-error)));
	if (error == -EINVAL)
		return (opt_fail(opt, "%s line %d: invalid line (expected "
		    "var=value, no blanks around '=')", arg, line));
	return (opt_fail(opt, "%s line %d: %s", arg, line,
	    error == -EEXIST ? CONFLICT : strerror(-error)));
}

static int
opt_assign(const char *opt, char *arg)
{
	int error;

	error = set_config_assignment(arg);
	if (error == -EINVAL)
		return (opt_fail(opt, "'%s' is not var=value", arg));
	if (error == -EEXIST)
		return (opt_fail(opt, "'%s': %s", arg, CONFLICT));
	if (error != 0)
		return (opt_fail(opt, "'%s': %s", arg, strerror(-error)));
	return (0);
}

/* -p vcpu:hostcpu, appended to vcpu.N.cpuset (bhyve's pincpu_parse). */
static int
opt_pin(const char *opt, char *arg)
{
	char key[32], *colon, *list;
	const char *old;
	long vcpu, pcpu;
	int error;

	colon = strchr(arg, ':');
	if (colon == NULL)
		return (opt_fail(opt, "'%s' is not vcpu:hostcpu", arg));
	*colon = '\0';
	error = !parse_long(arg, 0, UINT16_MAX - 1, &vcpu);
	*colon = ':';
	if (error)
		return (opt_fail(opt, "'%s': invalid vcpu", arg));
	if (!parse_long(colon + 1, 0, CPU_SETSIZE - 1, &pcpu))
		return (opt_fail(opt, "'%s': hostcpu must be 0 to %d", arg,
		    CPU_SETSIZE - 1));
	snprintf(key, sizeof(key), "vcpu.%ld.cpuset", vcpu);
	old = get_config_value(key);
	if (asprintf(&list, "%s%s%ld", old ? old : "", old ? "," : "",
	    pcpu) < 0)
		return (opt_fail(opt, "out of memory"));
	error = setvar(opt, key, list);
	free(list);
	return (error);
}

static bool
valid_port(const char *s)
{
	long port;

	return (parse_long(s, 0, 65535, &port));
}

/* -G [w][bind_address:]port (bhyve's parse_gdb_options). */
static int
opt_gdb(const char *opt, char *arg)
{
	char *p, *colon, *addr;
	int error;

	p = arg;
	if (*p == 'w') {
		if ((error = setvar(opt, "gdb.wait", "true")) != 0)
			return (error);
		p++;
	}
	colon = strrchr(p, ':');
	if (colon == NULL) {
		if (!valid_port(p))
			return (opt_fail(opt, "'%s' is not a port", arg));
		return (setvar(opt, "gdb.port", p));
	}
	if (colon == p || !valid_port(colon + 1))
		return (opt_fail(opt, "'%s' is not [w][address:]port", arg));
	addr = strndup(p, colon - p);
	if (addr == NULL)
		return (opt_fail(opt, "out of memory"));
	error = setvar(opt, "gdb.address", addr);
	free(addr);
	if (error == 0)
		error = setvar(opt, "gdb.port", colon + 1);
	return (error);
}

/* -g port: the 2013 bhyve's debug port, now gdb.port. */
static int
opt_gdb_legacy(const char *opt, char *arg)
{
	if (!valid_port(arg))
		return (opt_fail(opt, "'%s' is not a port", arg));
	return (setvar(opt, "gdb.port", arg));
}

/* The first N for which prefix.N does not exist yet. */
static int
next_index(const char *prefix, char *buf, size_t len)
{
	for (int i = 0; i < 4096; i++) {
		snprintf(buf, len, "%s.%d", prefix, i);
		if (find_config_node(buf) == NULL)
			return (i);
	}
	return (-1);
}

/*
 * -f name,string=data | name,file=path (QEMU fw_cfg item).  bhyve keeps
 * these in a list of its own; lhyve puts them in the tree as
 * fw_cfg.N.name and fw_cfg.N.string / fw_cfg.N.file, so -o and -k can
 * express them too.
 */
static int
opt_fwcfg(const char *opt, char *arg)
{
	char node[32], key[48], *comma, *name;
	const char *kind, *data;
	int error, n;

	/* bhyve accepts "-f name=NAME,...", too. */
	if (strncmp(arg, "name=", 5) == 0)
		arg += 5;
	comma = strchr(arg, ',');
	if (comma == NULL || comma == arg)
		goto bad;
	/* The fw_cfg directory's name field is 56 bytes with the NUL. */
	if (comma - arg > 55)
		return (opt_fail(opt, "name longer than 55 characters"));
	if (strncmp(comma + 1, "string=", 7) == 0) {
		kind = "string";
		data = comma + 8;
	} else if (strncmp(comma + 1, "file=", 5) == 0 && comma[6] != '\0') {
		kind = "file";
		data = comma + 6;
	} else
		goto bad;
	n = next_index("fw_cfg", node, sizeof(node));
	if (n < 0)
		return (opt_fail(opt, "too many items"));
	name = strndup(arg, comma - arg);
	if (name == NULL)
		return (opt_fail(opt, "out of memory"));
	snprintf(key, sizeof(key), "%s.name", node);
	error = setvar(opt, key, name);
	free(name);
	if (error != 0)
		return (error);
	snprintf(key, sizeof(key), "%s.%s", node, kind);
	return (setvar(opt, key, data));
bad:
	return (opt_fail(opt, "'%s' is not name,string=data or "
	    "name,file=path", arg));
}

static int
opt_keyboard(const char *opt, char *arg)
{
	if (*arg == '\0')
		return (opt_fail(opt, "empty layout"));
	return (setvar(opt, "keyboard.layout", arg));
}

/*
 * -n id=N[,size=S][,cpus=L][,domain_policy=P] -> domains.N.* (bhyve's
 * bhyve_numa_parse; unknown items are refused here, bhyve ignores them).
 */
static int
opt_numa(const char *opt, char *arg)
{
	char *copy, *p, *tok, *eq, *size = NULL, *cpus = NULL, *pol = NULL;
	char key[64];
	uint64_t bytes;
	long id = -1;
	int error = 0;

	copy = strdup(arg);
	if (copy == NULL)
		return (opt_fail(opt, "out of memory"));
	for (p = copy; error == 0 && (tok = strsep(&p, ",")) != NULL;) {
		eq = strchr(tok, '=');
		if (eq == NULL) {
			error = opt_fail(opt, "'%s' is not name=value", tok);
			break;
		}
		*eq++ = '\0';
		if (strcmp(tok, "id") == 0) {
			if (!parse_long(eq, 0, UINT8_MAX, &id))
				error = opt_fail(opt, "id: '%s' is not 0 to "
				    "255", eq);
		} else if (strcmp(tok, "size") == 0) {
			size = eq;
			if (parse_size(size, MiB, &bytes) != 0)
				error = opt_fail(opt, "size: '%s' is not a "
				    "memory size", size);
		} else if (strcmp(tok, "cpus") == 0)
			cpus = eq;
		else if (strcmp(tok, "domain_policy") == 0)
			pol = eq;
		else
			error = opt_fail(opt, "unknown item '%s' (id=, size=, "
			    "cpus=, domain_policy=)", tok);
	}
	if (error == 0 && id < 0)
		error = opt_fail(opt, "'%s': missing id=", arg);
	if (error == 0 && size != NULL) {
		snprintf(key, sizeof(key), "domains.%ld.size", id);
		error = setvar(opt, key, size);
	}
	if (error == 0 && cpus != NULL) {
		snprintf(key, sizeof(key), "domains.%ld.cpus", id);
		error = setvar(opt, key, cpus);
	}
	if (error == 0 && pol != NULL) {
		snprintf(key, sizeof(key), "domains.%ld.domain_policy", id);
		error = setvar(opt, key, pol);
	}
	if (error == 0 && size == NULL && cpus == NULL && pol == NULL) {
		snprintf(key, sizeof(key), "domains.%ld", id);
		if (create_config_node(key) == NULL)
			error = opt_fail(opt, "cannot create %s", key);
	}
	free(copy);
	return (error);
}

/* -r file: resume from a snapshot (bhyve keeps the path aside; lhyve
 * stores it as restore.file). */
static int
opt_restore(const char *opt, char *arg)
{
	if (*arg == '\0')
		return (opt_fail(opt, "empty path"));
	return (setvar(opt, "restore.file", arg));
}

/* RFC 4122 text form: 8-4-4-4-12 hex digits (uuid_from_string(3)). */
static bool
valid_uuid(const char *s)
{
	if (strlen(s) != 36)
		return (false);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (false);
		} else if (!isxdigit((unsigned char)s[i]))
			return (false);
	}
	return (true);
}

static int
opt_uuid(const char *opt, char *arg)
{
	if (!valid_uuid(arg))
		return (opt_fail(opt, "'%s' is not a UUID "
		    "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", arg));
	return (setvar(opt, "uuid", arg));
}

static int
opt_boot(const char *opt, char *arg)
{
	const char *var;

	if (strcmp(opt, "--kernel") == 0)
		var = "boot.kernel";
	else if (strcmp(opt, "--initrd") == 0)
		var = "boot.initrd";
	else
		var = "boot.cmdline";	/* may be empty */
	if (*arg == '\0' && strcmp(var, "boot.cmdline") != 0)
		return (opt_fail(opt, "empty path"));
	return (setvar(opt, var, arg));
}

/* Options with an argument. */
static const struct arg_opt {
	int		opt;
	const char	*name;
	int		(*parse)(const char *opt, char *arg);
} arg_opts[] = {
	{ 'c', "-c", opt_cpus },
	{ 'f', "-f", opt_fwcfg },
	{ 'g', "-g", opt_gdb_legacy },
	{ 'G', "-G", opt_gdb },
	{ 'k', "-k", opt_config_file },
	{ 'K', "-K", opt_keyboard },
	{ 'l', "-l", opt_lpc },
	{ 'm', "-m", opt_memory },
	{ 'n', "-n", opt_numa },
	{ 'o', "-o", opt_assign },
	{ 'p', "-p", opt_pin },
	{ 'r', "-r", opt_restore },
	{ 's', "-s", opt_pci },
	{ 'U', "-U", opt_uuid },
	{ OPT_KERNEL, "--kernel", opt_boot },
	{ OPT_INITRD, "--initrd", opt_boot },
	{ OPT_CMDLINE, "--cmdline", opt_boot },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
opt_name(int opt, char *buf, size_t len)
{
	for (size_t i = 0; i < NELEM(arg_opts); i++)
		if (arg_opts[i].opt == opt)
			return (arg_opts[i].name);
	snprintf(buf, len, "-%c", isprint(opt) ? opt : '?');
	return (buf);
}

void
bhyve_usage(int code)
{
	FILE *fp = code == 0 ? stdout : stderr;

	fprintf(fp,
	    "Usage: lhyve [-aAbCDeHhIPSuWwxY]\n"
	    "             [-c [[cpus=]numcpus][,sockets=n][,cores=n]"
	    "[,threads=n]]\n"
	    "             [-f name,[string|file]=data] "
	    "[-G [w][bind_address:]port] [-g port]\n"
	    "             [-k config_file] [-K layout] [-l lpcdev[,conf]] "
	    "[-m mem]\n"
	    "             [-n id=n[,size=s][,cpus=l][,domain_policy=p]] "
	    "[-o var=value]\n"
	    "             [-p vcpu:hostcpu] [-r file] "
	    "[-s slot,emulation[,conf]] [-U uuid]\n"
	    "             [--kernel file] [--initrd file] "
	    "[--cmdline string] vmname\n"
	    "       lhyve -l help | -s help\n"
	    "       -a: local APIC is in xAPIC mode (deprecated)\n"
	    "       -A: create ACPI tables (always; accepted for "
	    "compatibility)\n"
	    "       -b: bvm console (legacy)\n"
	    "       -C: include guest memory in core file\n"
	    "       -c: number of CPUs and/or topology specification\n"
	    "       -D: destroy on power-off\n"
	    "       -e: exit on unhandled I/O access\n"
	    "       -f: add a QEMU fw_cfg item\n"
	    "       -G: start a debug server\n"
	    "       -g: debug server port (legacy, same as -G port)\n"
	    "       -H: vmexit from the guest on HLT\n"
	    "       -h: help\n"
	    "       -I: present an IOAPIC (always; accepted for "
	    "compatibility)\n"
	    "       -k: key=value flat config file\n"
	    "       -K: PS2 keyboard layout\n"
	    "       -l: LPC device configuration\n"
	    "       -m: memory size (K/M/G/T suffix; a bare number is MiB)\n"
	    "       -n: NUMA domain specification\n"
	    "       -o: set config 'var' to 'value'\n"
	    "       -P: vmexit from the guest on pause\n"
	    "       -p: pin 'vcpu' to 'hostcpu'\n"
	    "       -r: path to checkpoint file\n"
	    "       -S: guest memory cannot be swapped\n"
	    "       -s: <slot,driver,configinfo> PCI slot config\n"
	    "       -U: UUID\n"
	    "       -u: RTC keeps UTC time\n"
	    "       -W: force virtio to use single-vector MSI\n"
	    "       -w: ignore unimplemented MSRs\n"
	    "       -x: local APIC is in x2APIC mode\n"
	    "       -Y: disable MPtable generation\n"
	    "       --kernel: kernel to boot (multiboot or ELF64)\n"
	    "       --initrd: initial ramdisk (multiboot module 0)\n"
	    "       --cmdline: kernel command line\n");
	fflush(fp);
}

/* Booleans later stages read with get_config_bool*(): a typo must be an
 * error now, not a silent default later. */
static const char *const bool_vars[] = {
	"acpi_tables", "bvmconsole", "config.dump", "destroy_on_poweroff",
	"gdb.wait", "memory.guest_in_core", "memory.wired",
	"rtc.use_localtime", "virtio_msix", "x86.mptable", "x86.strictio",
	"x86.strictmsr", "x86.vmexit_on_hlt", "x86.vmexit_on_pause",
	"x86.x2apic",
};

static int
check_booleans(void)
{
	const char *v;

	for (size_t i = 0; i < NELEM(bool_vars); i++) {
		v = get_config_value(bool_vars[i]);
		if (v != NULL && parse_bool(v) < 0)
			return (opt_fail(bool_vars[i], "'%s' is not a boolean "
			    "(true/on/yes/1 or false/off/no/0)", v));
	}
	return (0);
}

/*
 * bhyve's calc_topology(): sockets defaults to cpus, cores and threads to
 * 1, and an explicit cpus must equal sockets * cores * threads.  When only
 * the topology was given, cpus is filled in so later stages can read it.
 */
static int
check_topology(void)
{
	static const char *const vars[] = { "cpus", "sockets", "cores",
	    "threads" };
	long val[4];
	const char *v;
	uint64_t ncpus, product;
	bool any = false;
	char buf[32];

	for (int i = 0; i < 4; i++) {
		v = get_config_value(vars[i]);
		val[i] = 0;
		if (v == NULL)
			continue;
		any = true;
		if (!parse_long(v, 1, UINT16_MAX, &val[i]))
			return (opt_fail("-c", "%s: '%s' is not a number from "
			    "1 to %d", vars[i], v, UINT16_MAX));
	}
	ncpus = val[0] != 0 ? (uint64_t)val[0] : 1;
	product = (uint64_t)(val[1] ? val[1] : (long)ncpus) *
	    (uint64_t)(val[2] ? val[2] : 1) * (uint64_t)(val[3] ? val[3] : 1);
	if (val[0] != 0 && product != ncpus)
		return (opt_fail("-c", "topology (%ld sockets, %ld cores, %ld "
		    "threads) does not match %ld vCPUs",
		    val[1] ? val[1] : val[0], val[2] ? val[2] : 1,
		    val[3] ? val[3] : 1, val[0]));
	if (product > VM_MAXCPU)
		return (opt_fail("-c", "%ju vCPUs requested, lhyve supports "
		    "at most %d", (uintmax_t)product, VM_MAXCPU));
	if (any && val[0] == 0) {
		snprintf(buf, sizeof(buf), "%ju", (uintmax_t)product);
		return (setvar("-c", "cpus", buf));
	}
	return (0);
}

static int
check_values(void)
{
	const char *v;
	uint64_t size;
	int error;

	if ((error = check_booleans()) != 0 ||
	    (error = check_topology()) != 0)
		return (error);
	v = get_config_value("memory.size");
	if (v != NULL) {
		error = parse_size(v, MiB, &size);
		if (error != 0)
			return (opt_fail("-m (memory.size)", "'%s' is %s", v,
			    error == -ERANGE ? "too large" :
			    "not a memory size"));
		if (size == 0)
			return (opt_fail("-m (memory.size)", "the memory size "
			    "must not be zero"));
	}
	v = get_config_value("uuid");
	if (v != NULL && !valid_uuid(v))
		return (opt_fail("-U (uuid)", "'%s' is not a UUID", v));
	return (0);
}

/*
 * Features that parse but do not exist yet.  Checked on the tree, so
 * "-o keyboard.layout=us" is refused like "-K us".  Remove a line when its
 * feature lands.
 */
static const struct unsupported {
	const char	*var;		/* a value, or a node (is_node) */
	const char	*label;
	bool		is_node;
	bool		if_true;	/* a boolean: refuse only if true */
} unsupported[] = {
	{ "keyboard.layout",	"-K (keyboard.layout)",	false, false },
	{ "restore.file",	"-r (restore.file)",	false, false },
};

static void
append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n ? ", " : "", s);
}

int
bhyve_check_unsupported(void)
{
	const struct unsupported *u;
	struct config_node *n;
	char line[512] = "";

	for (size_t i = 0; i < NELEM(unsupported); i++) {
		u = &unsupported[i];
		if (u->is_node) {
			n = find_config_node(u->var);
			if (n == NULL || config_node_first(n) == NULL)
				continue;
		} else if (u->if_true) {
			if (!get_config_bool_default(u->var, false))
				continue;
		} else if (get_config_value(u->var) == NULL)
			continue;
		append(line, sizeof(line), u->label);
	}
	if (line[0] == '\0')
		return (0);
	fprintf(stderr, "lhyve: %s: not supported yet\n", line);
	return (EXIT_ERROR);
}

static int
apply_option(int c, char *arg)
{
	char buf[8];

	for (size_t i = 0; i < NELEM(flag_opts); i++) {
		if (flag_opts[i].opt != c)
			continue;
		if (flag_opts[i].var == NULL)
			return (0);
		snprintf(buf, sizeof(buf), "-%c", c);
		return (setvar(buf, flag_opts[i].var, flag_opts[i].value));
	}
	for (size_t i = 0; i < NELEM(arg_opts); i++)
		if (arg_opts[i].opt == c)
			return (arg_opts[i].parse(arg_opts[i].name, arg));
	snprintf(buf, sizeof(buf), "-%c", isprint(c) ? c : '?');
	return (opt_fail(buf, "not handled"));
}

int
bhyve_parse_args(int argc, char **argv)
{
	const char *v;
	char buf[8];
	int c, error, dump;

	init_config();
	/* bhyve_init_config()'s defaults, unless the caller set them. */
	set_config_value_if_unset("memory.size", "256M");
	set_config_value_if_unset("x86.strictmsr", "true");

	/* Start afresh (bhyve parses once; the unit tests parse often). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstr, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			bhyve_usage(0);
			return (-1);
		case ':':
			return (opt_fail(opt_name(optopt, buf, sizeof(buf)),
			    "option requires an argument"));
		case '?':
			if (optopt != 0)
				snprintf(buf, sizeof(buf), "-%c",
				    isprint(optopt) ? optopt : '?');
			fprintf(stderr, "lhyve: %s: unknown option\n",
			    optopt != 0 ? buf : argv[optind - 1]);
			bhyve_usage(EXIT_ERROR);
			return (EXIT_ERROR);
		default:
			error = apply_option(c, optarg);
			if (error == OPT_HELP)
				return (-1);
			if (error != 0)
				return (error);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1) {
		fprintf(stderr, "lhyve: unexpected argument '%s' (options go "
		    "before the VM name)\n", argv[1]);
		bhyve_usage(EXIT_ERROR);
		return (EXIT_ERROR);
	}
	if (argc == 1 && (error = setvar("vmname", "name", argv[0])) != 0)
		return (error);
	v = get_config_value("name");
	if (v == NULL || *v == '\0') {
		fprintf(stderr, "lhyve: no VM name given\n");
		bhyve_usage(EXIT_ERROR);
		return (EXIT_ERROR);
	}

	/* bhyve dumps before checking anything else, so a broken
	 * configuration can still be looked at. */
	v = get_config_value("config.dump");
	if (v != NULL) {
		dump = parse_bool(v);
		if (dump < 0)
			return (opt_fail("config.dump", "'%s' is not a "
			    "boolean", v));
		if (dump == 1) {
			dump_config(stdout);
			return (-1);
		}
	}
	if ((error = check_values()) != 0)
		return (error);
	return (bhyve_check_unsupported());
}
