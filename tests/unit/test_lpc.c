/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_lpc.c: the -l grammar and the lpc bridge with what hangs off it:
 * COM1-COM4 on their ISA ports and IRQs, pc-testdev, and the PIRQ routing
 * registers in its configuration space.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "dev_fakes.h"
#include "devices/pci_emul.h"
#include "devices/pci_irq.h"
#include "devices/pci_lpc.h"
#include "devices/pctestdev.h"

/* The hostbridge lives in an object nothing else references: pull it in. */
extern const struct pci_devemu pci_de_hostbridge;
const void *pull_hostbridge = &pci_de_hostbridge;

/* A PCI function with one I/O BAR, to see where the allocator puts it. */
static int
iodev_init(struct pci_devinst *pi, struct config_node *nvl)
{
	return (pci_emul_alloc_bar(pi, 0, PCIBAR_IO, 0x20));
}

const struct pci_devemu pci_de_iodev = {
	.pe_emu = "iodev",
	.pe_init = iodev_init,
};
PCI_EMUL_SET(pci_de_iodev);

/* A PCI function that only uses INTx. */
static int
intxdev_init(struct pci_devinst *pi, struct config_node *nvl)
{
	pci_lintr_request(pi);
	return (0);
}

const struct pci_devemu pci_de_intxdev = {
	.pe_emu = "intxdev",
	.pe_init = intxdev_init,
};
PCI_EMUL_SET(pci_de_intxdev);

/* The PCI core may send MSIs; nothing here does. */
int
vm_lapic_msi(struct vmctx *ctx, uint64_t addr, uint64_t msg)
{
	fail_msg("unexpected MSI 0x%llx 0x%llx", (unsigned long long)addr,
	    (unsigned long long)msg);
	return (-1);
}

static char logpath[64];

static int
setup(void **state)
{
	init_config();
	init_inout(false);
	init_mem();
	fake_reset();
	snprintf(logpath, sizeof(logpath), "/tmp/lhyve-lpc-%d.log",
	    (int)getpid());
	return (0);
}

static int
teardown(void **state)
{
	/* Tear the bridge's UARTs down with an empty machine. */
	unset_config_value("pci");
	unset_config_value("lpc");
	(void)init_pci(NULL);
	free_config();
	unlink(logpath);
	return (0);
}

static int
lparse(const char *s)
{
	return (lpc_device_parse(s));
}

static void
test_parse_com(void **state)
{
	assert_int_equal(lparse("com1,stdio"), 0);
	assert_string_equal(get_config_value("lpc.com1.path"), "stdio");
	assert_int_equal(lparse("COM2,/dev/nmdm0A"), 0);
	assert_string_equal(get_config_value("lpc.com2.path"), "/dev/nmdm0A");
	/* The backend is everything after the first comma. */
	assert_int_equal(lparse("com3,tcp=127.0.0.1:1234"), 0);
	assert_string_equal(get_config_value("lpc.com3.path"),
	    "tcp=127.0.0.1:1234");
	assert_int_equal(lparse("com4,/a,b"), 0);
	assert_string_equal(get_config_value("lpc.com4.path"), "/a,b");
	/* Later wins, as with any config variable. */
	assert_int_equal(lparse("com1,/dev/ttyS9"), 0);
	assert_string_equal(get_config_value("lpc.com1.path"), "/dev/ttyS9");

	assert_int_equal(lparse("com1"), -1);
	assert_int_equal(lparse("com1,"), -1);
	assert_int_equal(lparse("com5,stdio"), -1);
	assert_int_equal(lparse("com,stdio"), -1);
	assert_null(get_config_value("lpc.com5.path"));
}

static void
test_parse_bootrom(void **state)
{
	assert_int_equal(lparse("bootrom,/rom.fd"), 0);
	assert_string_equal(get_config_value("lpc.bootrom"), "/rom.fd");
	assert_null(get_config_value("lpc.bootvars"));
	assert_int_equal(lparse("bootrom,/code.fd,/vars.fd"), 0);
	assert_string_equal(get_config_value("lpc.bootrom"), "/code.fd");
	assert_string_equal(get_config_value("lpc.bootvars"), "/vars.fd");
	unset_config_value("lpc");
	/* A name=value in the vars position is an option, not a file. */
	assert_int_equal(lparse("bootrom,/rom.fd,fwcfg=qemu"), 0);
	assert_null(get_config_value("lpc.bootvars"));
	assert_string_equal(get_config_value("lpc.fwcfg"), "qemu");
	assert_int_equal(lparse("bootrom,/rom.fd,/v.fd,fwcfg=bhyve"), 0);
	assert_string_equal(get_config_value("lpc.bootvars"), "/v.fd");
	assert_string_equal(get_config_value("lpc.fwcfg"), "bhyve");

	assert_int_equal(lparse("bootrom"), -1);
	assert_int_equal(lparse("bootrom,"), -1);
}

static void
test_parse_tpm_testdev_unknown(void **state)
{
	assert_int_equal(lparse("tpm,swtpm,/var/run/swtpm.sock"), 0);
	assert_string_equal(get_config_value("tpm.type"), "swtpm");
	assert_string_equal(get_config_value("tpm.path"),
	    "/var/run/swtpm.sock");
	assert_string_equal(get_config_value("tpm.version"), "2.0");
	assert_int_equal(lparse("tpm,passthru,/dev/tpm0,version=1.2"), 0);
	assert_string_equal(get_config_value("tpm.version"), "1.2");
	assert_int_equal(lparse("tpm,swtpm"), -1);
	assert_int_equal(lparse("tpm"), -1);

	assert_null(get_config_value("lpc.pc-testdev"));
	assert_int_equal(lparse("pc-testdev"), 0);
	assert_string_equal(get_config_value("lpc.pc-testdev"), "true");
	assert_int_equal(lparse("pc-testdev,x"), -1);

	assert_int_equal(lparse("nosuch"), -1);
	assert_int_equal(lparse(""), -1);
	assert_int_equal(lparse(",stdio"), -1);
}

/* The demo's machine: -s 0,hostbridge -s 31,lpc -l com1,FILE -l pc-testdev */
static void
demo_machine(void)
{
	char s0[] = "0,hostbridge", s31[] = "31,lpc", s5[] = "5,iodev";
	char l1[80];

	snprintf(l1, sizeof(l1), "com1,%s", logpath);
	assert_int_equal(pci_parse_slot(s0), 0);
	assert_int_equal(pci_parse_slot(s31), 0);
	assert_int_equal(pci_parse_slot(s5), 0);
	assert_int_equal(lpc_device_parse(l1), 0);
	assert_int_equal(lpc_device_parse("pc-testdev"), 0);
	assert_int_equal(init_pci(NULL), 0);
}

static void
test_lpc_function(void **state)
{
	demo_machine();
	/* PIIX3 ISA bridge IDs, class 06/01, at 0:31.0. */
	outp(CONF1_ADDR_PORT, 4, CONF1_ENABLE | 31 << 11);
	assert_int_equal(inp(CONF1_DATA_PORT, 4), 0x70008086);
	outp(CONF1_ADDR_PORT, 4, CONF1_ENABLE | 31 << 11 | 0x08);
	assert_int_equal(inp(CONF1_DATA_PORT, 4), 0x06010000);
}

static void
test_com1_output(void **state)
{
	const char *msg = "Hello from COM1\r\n";
	char buf[64];
	int fd;
	ssize_t n;

	demo_machine();
	/* A guest's polled output: wait for THRE, write THR. */
	for (const char *p = msg; *p != '\0'; p++) {
		assert_int_equal(inp(0x3fd, 1) & 0x20, 0x20);
		outp(0x3f8, 1, *p);
	}
	fd = open(logpath, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, strlen(msg));
	assert_memory_equal(buf, msg, n);
}

static void
test_com_ports_and_irqs(void **state)
{
	static const struct { int port, irq; } com[4] = {
		{ 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
	};

	demo_machine();
	/* All four exist (bhyve creates them all), backend or not. */
	for (int i = 0; i < 4; i++) {
		outp(com[i].port + 7, 1, 0x40 + i);
		assert_int_equal(inp(com[i].port + 7, 1), 0x40 + i);
		assert_int_equal(inp(com[i].port + 5, 1), 0x60);
		fake_reset();
		/* ETBEI with an empty THR: an edge on the COM port's IRQ. */
		outp(com[i].port + 1, 1, 0x02);
		assert_int_equal(fake_count(F_ISA_PULSE, com[i].irq), 1);
		assert_int_equal(fake_nlog, 1);
		assert_int_equal(inp(com[i].port + 2, 1), 0x02);
		outp(com[i].port + 1, 1, 0x00);
	}
	/* Word access: two registers (SCR + the byte past it is not ours). */
	outp(0x3fb, 2, 0x5503);		/* LCR = 3, MCR = 0x55 & 0x1f */
	assert_int_equal(inp(0x3fb, 2), 0x1503);
	/* Dword accesses are not a 16550 thing. */
	assert_int_equal(inp(0x3f8, 4), 0xffffffff);
	/* Just outside the UARTs. */
	assert_int_equal(inp(0x3f0, 1), 0xff);
}

static void
test_pctestdev(void **state)
{
	int err;

	demo_machine();
	/* 0xE0: a 32-bit register at every width. */
	outp(0xe0, 4, 0x11223344);
	assert_int_equal(inp(0xe0, 4), 0x11223344);
	assert_int_equal(inp(0xe1, 1), 0x33);
	assert_int_equal(inp(0xe2, 2), 0x1122);
	outp(0xe3, 1, 0xaa);
	assert_int_equal(inp(0xe0, 4), 0xaa223344);
	outp(0xe1, 2, 0xbeef);
	assert_int_equal(inp(0xe0, 4), 0xaabeef44);
	/* Running off the end is not the register. */
	assert_int_equal(inp(0xe2, 4), 0xffffffff);

	/* 64 KiB of RAM-like MMIO at 0xFF000000. */
	assert_int_equal(mmio(1, PCTESTDEV_IOMEM, 4, 0, &err), 0);
	mmio(0, PCTESTDEV_IOMEM + 0x10, 8, 0x0123456789abcdefULL, &err);
	assert_int_equal(mmio(1, PCTESTDEV_IOMEM + 0x14, 4, 0, &err),
	    0x01234567);
	assert_int_equal(mmio(1, PCTESTDEV_IOMEM + 0x10, 2, 0, &err),
	    0xcdef);
	mmio(0, PCTESTDEV_IOMEM + 0xffff, 1, 0x5a, &err);
	assert_int_equal(mmio(1, PCTESTDEV_IOMEM + 0xffff, 1, 0, &err),
	    0x5a);
	assert_int_equal(mmio(1, PCTESTDEV_IOMEM + 0x10000, 1, 0, &err),
	    0xff);

	/* IRQ-line ports: ISA IRQs below 16, IOAPIC pins above. */
	fake_reset();
	outp(0x2003, 1, 1);
	outp(0x2003, 1, 0);
	outp(0x2011, 1, 1);
	outp(0x2011, 1, 0);
	assert_int_equal(fake_count(F_ISA_ASSERT, 3), 1);
	assert_int_equal(fake_count(F_ISA_DEASSERT, 3), 1);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 17), 1);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 17), 1);
	assert_int_equal(inp(0x2011, 1), 0);
	assert_int_equal(inp(0x2017, 1), 0);
	assert_int_equal(inp(0x2018, 1), 0xff);	/* 24 lines only */

	/* Debug exit: (V << 1) | 1. */
	assert_int_equal(inp(0xf4, 1), 0);
	assert_int_equal(fake_exit_status, -1);
	outp(0xf4, 1, 0x105);		/* a byte write: V = 5 */
	assert_int_equal(fake_exit_status, 11);
}

static void
test_pctestdev_exit_zero(void **state)
{
	demo_machine();
	outp(0xf4, 4, 0);
	assert_int_equal(fake_exit_status, 1);
}

static void
test_bar_skips_legacy_ports(void **state)
{
	demo_machine();
	/* pc-testdev owns 0x2000-0x2017, so the I/O BAR goes past it. */
	assert_int_equal(pci_get_devinst(0, 5, 0)->pi_bar[0].addr, 0x2020);
}

static void
test_lpc_errors(void **state)
{
	char s0[] = "0,lpc", s1[] = "1,lpc", b1[] = "1:2:0,lpc";

	/* Only one LPC bridge. */
	assert_int_equal(pci_parse_slot(s0), 0);
	assert_int_equal(pci_parse_slot(s1), 0);
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("pci");
	/* Bus 0 only. */
	assert_int_equal(pci_parse_slot(b1), 0);
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("pci");
	/* A backend that cannot open fails the bridge. */
	assert_int_equal(pci_parse_slot(s0), 0);
	assert_int_equal(lpc_device_parse("com2,/nonexistent-dir/tty"), 0);
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("lpc");
	/* TPM is not there yet: refused, not ignored. */
	assert_int_equal(lpc_device_parse("tpm,swtpm,/tmp/x"), 0);
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("tpm");
	/* Only one stdio user. */
	assert_int_equal(lpc_device_parse("com1,stdio"), 0);
	assert_int_equal(lpc_device_parse("com2,stdio"), 0);
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("lpc");
	/* The bridge alone works again after all that. */
	assert_int_equal(init_pci(NULL), 0);
	assert_int_equal(inp(0x3fd, 1), 0x60);
}

static void
test_no_lpc_bridge(void **state)
{
	char s0[] = "0,hostbridge";

	/* -l without -s N,lpc: a warning, and no COM ports or testdev. */
	assert_int_equal(pci_parse_slot(s0), 0);
	assert_int_equal(lpc_device_parse("com1,/dev/null"), 0);
	assert_int_equal(lpc_device_parse("pc-testdev"), 0);
	assert_int_equal(init_pci(NULL), 0);
	assert_int_equal(inp(0x3fd, 1), 0xff);
	outp(0xf4, 1, 0);
	assert_int_equal(fake_exit_status, -1);
}

/* Run init_pci() with stderr going to buf. */
static void
init_pci_capture(char *buf, size_t len, int expect)
{
	FILE *f = tmpfile();
	int saved;
	size_t n;

	assert_non_null(f);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(f), 2);
	assert_int_equal(init_pci(NULL), expect);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void
test_warning_only_without_bridge(void **state)
{
	char s0[] = "0,hostbridge", s31[] = "31,lpc", buf[512];

	assert_int_equal(pci_parse_slot(s0), 0);
	assert_int_equal(lpc_device_parse("com1,/dev/null"), 0);
	assert_int_equal(lpc_device_parse("pc-testdev"), 0);
	init_pci_capture(buf, sizeof(buf), 0);
	assert_non_null(strstr(buf, "-l com1 needs an LPC bridge"));
	assert_non_null(strstr(buf, "-l pc-testdev needs an LPC bridge"));
	/* With the bridge: silence. */
	assert_int_equal(pci_parse_slot(s31), 0);
	init_pci_capture(buf, sizeof(buf), 0);
	assert_string_equal(buf, "");
	assert_int_equal(inp(0x3fd, 1), 0x60);
}

static uint32_t
lpc_cfgr(int off, int bytes)
{
	outp(CONF1_ADDR_PORT, 4, CONF1_ENABLE | 31 << 11 | (off & 0xfc));
	return (inp(CONF1_DATA_PORT + (off & 3), bytes));
}

static void
lpc_cfgw(int off, int bytes, uint32_t v)
{
	outp(CONF1_ADDR_PORT, 4, CONF1_ENABLE | 31 << 11 | (off & 0xfc));
	outp(CONF1_DATA_PORT + (off & 3), bytes, v);
}

static void
test_pirq_registers(void **state)
{
	char s0[] = "0,hostbridge", s31[] = "31,lpc", s5[] = "5,intxdev",
	    s6[] = "6,intxdev", s71[] = "7:1,intxdev";
	int slot = -1, func = -1, err;

	assert_int_equal(pci_parse_slot(s0), 0);
	assert_int_equal(pci_parse_slot(s31), 0);
	assert_int_equal(pci_parse_slot(s5), 0);
	assert_int_equal(pci_parse_slot(s6), 0);
	assert_int_equal(pci_parse_slot(s71), 0);
	assert_int_equal(init_pci(NULL), 0);
	assert_int_equal(lpc_bridge_location(&slot, &func), 0);
	assert_int_equal(slot, 31);
	assert_int_equal(func, 0);
	for (int i = 0; i < 4; i++)
		assert_true(lpc_uart_present(i));
	assert_false(lpc_uart_present(4));

	/*
	 * The COM ports own IRQs 3 and 4 and the SCI uses 9, so the PIRQs
	 * (slot 5 INTA -> PIRQC, 6 -> PIRQD, 7 -> PIRQE) get 5, 6, 7.
	 */
	assert_int_equal(lpc_cfgr(0x60, 4), 0x06058080);
	assert_int_equal(lpc_cfgr(0x68, 4), 0x80808007);
	assert_int_equal(lpc_cfgr(0x62, 1), 0x05);
	assert_int_equal(lpc_cfgr(0x6a, 2), 0x8080);
	assert_int_equal(mmio(1, PCI_EMUL_ECFG_BASE + (31 << 15) + 0x60, 4, 0,
	    &err), 0x06058080);
	assert_int_equal(pci_irq_level_mask(), 1 << 5 | 1 << 6 | 1 << 7 |
	    1 << 9);
	assert_int_equal(pci_get_cfgdata8(pci_get_devinst(0, 5, 0),
	    PCIR_INTLINE), 5);
	assert_int_equal(pci_get_cfgdata8(pci_get_devinst(0, 7, 1),
	    PCIR_INTLINE), 7);

	/* The guest steers PIRQC to IRQ 10: slot 5's INTA follows. */
	lpc_cfgw(0x62, 1, 0x0a);
	assert_int_equal(lpc_cfgr(0x62, 1), 0x0a);
	assert_int_equal(pirq_read(3), 0x0a);
	fake_reset();
	pci_lintr_assert(pci_get_devinst(0, 5, 0));
	assert_int_equal(fake_count(F_ISA_ASSERT, 10), 1);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 18), 1);
	/* Disabling it while asserted drops the PIC line only. */
	lpc_cfgw(0x62, 1, 0x80);
	assert_int_equal(fake_count(F_ISA_DEASSERT, 10), 1);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 18), 0);
	pci_lintr_deassert(pci_get_devinst(0, 5, 0));
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 18), 1);
	assert_int_equal(fake_nlog, 4);
	/* Word and dword writes set every PIRQ they cover. */
	lpc_cfgw(0x68, 4, 0x0e0f0b0c);
	assert_int_equal(lpc_cfgr(0x68, 4), 0x0e0f0b0c);
	assert_int_equal(pirq_irq(8), 14);
	lpc_cfgw(0x60, 2, 0xf3f4);	/* reserved bits 6:4 drop */
	assert_int_equal(lpc_cfgr(0x60, 4), 0x06808384);
	/* The rest of the bridge's device-specific space is plain RW. */
	lpc_cfgw(0x64, 4, 0x12345678);
	assert_int_equal(lpc_cfgr(0x64, 4), 0x12345678);
	assert_int_equal(lpc_cfgr(0x60, 4), 0x06808384);
}

static void
test_no_bridge_queries(void **state)
{
	int slot = 7, func = 7;

	assert_int_equal(init_pci(NULL), 0);
	assert_int_equal(lpc_bridge_location(&slot, &func), -1);
	assert_false(lpc_uart_present(0));
	/* Without COM ports nothing is reserved: PIRQs could use 3 and 4. */
	assert_int_equal(pirq_read(1), PIRQ_DIS);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_parse_com),
		T(test_parse_bootrom),
		T(test_parse_tpm_testdev_unknown),
		T(test_lpc_function),
		T(test_com1_output),
		T(test_com_ports_and_irqs),
		T(test_pctestdev),
		T(test_pctestdev_exit_zero),
		T(test_bar_skips_legacy_ports),
		T(test_lpc_errors),
		T(test_no_lpc_bridge),
		T(test_warning_only_without_bridge),
		T(test_pirq_registers),
		T(test_no_bridge_queries),
	};
#undef T

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
