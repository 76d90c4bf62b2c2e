/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_pci.c: the PCI core (pci_emul.c, pci_msi.c, pci_irq.c) through the
 * guest's eyes: configuration mechanism #1 at every size and offset, ECAM
 * against it, BAR sizing and moving, decoding on the command register,
 * capabilities, MSI and MSI-X, INTx routing and line sharing, and the -s
 * grammar with bad inputs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "dev_fakes.h"
#include "devices/pci_emul.h"
#include "devices/pci_irq.h"

/* MSI deliveries, recorded (vm_lapic_msi is not in dev_fakes.h). */
#define MSI_LOG_MAX	32
static struct {
	uint64_t addr, msg;
} msi_log[MSI_LOG_MAX];
static int msi_nlog;

int
vm_lapic_msi(struct vmctx *ctx, uint64_t addr, uint64_t msg)
{
	if (msi_nlog < MSI_LOG_MAX) {
		msi_log[msi_nlog].addr = addr;
		msi_log[msi_nlog].msg = msg;
	}
	msi_nlog++;
	return (0);
}

/* The hostbridge lives in an object nothing else references: pull it in. */
extern const struct pci_devemu pci_de_hostbridge;
const void *pull_hostbridge = &pci_de_hostbridge;

/* ---- a test function with one BAR of every kind ---- */

struct tdev {
	int reads, writes;
	int last_bar, last_size;
	uint64_t last_off, last_val;
	int baraddr_calls;
};
static struct tdev tdevs[8];
static int ntdevs;

static uint64_t
tdev_barread(struct pci_devinst *pi, int baridx, uint64_t offset, int size)
{
	struct tdev *t = pi->pi_arg;

	t->reads++;
	t->last_bar = baridx;
	t->last_off = offset;
	t->last_size = size;
	/* Recognisable: BAR in the top nibble, offset below. */
	return (((uint64_t)(0xa0 + baridx) << 24) | (offset & 0xffffff));
}

static void
tdev_barwrite(struct pci_devinst *pi, int baridx, uint64_t offset, int size,
    uint64_t value)
{
	struct tdev *t = pi->pi_arg;

	t->writes++;
	t->last_bar = baridx;
	t->last_off = offset;
	t->last_size = size;
	t->last_val = value;
}

static void
tdev_baraddr(struct pci_devinst *pi, int baridx, int enabled, uint64_t addr)
{
	struct tdev *t = pi->pi_arg;

	t->baraddr_calls++;
}

static int
tdev_init(struct pci_devinst *pi, struct config_node *nvl)
{
	static const uint8_t cap1[] = { PCIY_VENDOR, 0xee, 6, 0x11, 0x22,
	    0x33 };
	static const uint8_t cap2[] = { PCIY_PMG, 0xee, 0x03, 0x00, 0x00,
	    0x00, 0x00, 0x00 };

	if (get_config_bool_node_default(nvl, "fail", false))
		return (-1);
	assert_true(ntdevs < 8);
	pi->pi_arg = &tdevs[ntdevs++];
	pci_set_cfgdata16(pi, PCIR_VENDOR, 0x1af4);
	pci_set_cfgdata16(pi, PCIR_DEVICE, 0x1000);
	pci_set_cfgdata8(pi, PCIR_CLASS, PCIC_NETWORK);
	pci_set_cfgdata16(pi, PCIR_SUBVEND_0, 0x1af4);
	if (get_config_bool_node_default(nvl, "nobars", false))
		return (0);
	assert_int_equal(pci_emul_alloc_bar(pi, 0, PCIBAR_IO, 20), 0);
	assert_int_equal(pci_emul_alloc_bar(pi, 1, PCIBAR_MEM32, 4000), 0);
	assert_int_equal(pci_emul_alloc_bar(pi, 2, PCIBAR_MEM64, 1 << 20),
	    0);
	assert_int_equal(pci_emul_alloc_bar(pi, 4, PCIBAR_MEM64, 512 << 20),
	    0);
	/* Bad requests: taken slot, MEM64 at the last BAR, bad type. */
	assert_int_equal(pci_emul_alloc_bar(pi, 3, PCIBAR_IO, 16), -EINVAL);
	assert_int_equal(pci_emul_alloc_bar(pi, 5, PCIBAR_MEM64, 16),
	    -EINVAL);
	assert_int_equal(pci_emul_alloc_bar(pi, 6, PCIBAR_IO, 16), -EINVAL);
	assert_int_equal(pci_emul_add_capability(pi, cap1, sizeof(cap1)), 0);
	assert_int_equal(pci_emul_add_capability(pi, cap2, sizeof(cap2)), 0);
	pci_lintr_request(pi);
	return (0);
}

const struct pci_devemu pci_de_tdev = {
	.pe_emu = "tdev",
	.pe_init = tdev_init,
	.pe_barread = tdev_barread,
	.pe_barwrite = tdev_barwrite,
	.pe_baraddr = tdev_baraddr,
};
PCI_EMUL_SET(pci_de_tdev);

/* A function that overrides config reads and writes at 0x40-0x43. */
static uint32_t hooked_val;

static int
hook_cfgread(struct pci_devinst *pi, int off, int bytes, uint32_t *rv)
{
	if (off != 0x40)
		return (-1);
	*rv = hooked_val;
	return (0);
}

static int
hook_cfgwrite(struct pci_devinst *pi, int off, int bytes, uint32_t val)
{
	if (off != 0x40)
		return (-1);
	hooked_val = val ^ 0xffffffff;
	return (0);
}

static int
hook_init(struct pci_devinst *pi, struct config_node *nvl)
{
	pci_set_cfgdata16(pi, PCIR_VENDOR, 0x8086);
	return (0);
}

/* Its legacy parser keeps the whole conf as one value. */
static int
hook_legacy(struct config_node *nvl, const char *opts)
{
	if (opts != NULL)
		set_config_value_node(nvl, "path", opts);
	return (0);
}

/*
 * A function with MSI (4 messages), MSI-X (3 vectors, table in BAR 1), an
 * I/O BAR 0 of its own and INTx: "msi" / "msix" / "intx" pick which.
 */
static int mdev_reads;

static uint64_t
mdev_barread(struct pci_devinst *pi, int baridx, uint64_t offset, int size)
{
	mdev_reads++;
	return (0x5a);
}

static int
mdev_init(struct pci_devinst *pi, struct config_node *nvl)
{
	pci_set_cfgdata16(pi, PCIR_VENDOR, 0x1b36);
	pci_set_cfgdata16(pi, PCIR_DEVICE, 0x0005);
	if (get_config_bool_node_default(nvl, "bar", true))
		assert_int_equal(pci_emul_alloc_bar(pi, 0, PCIBAR_IO, 16), 0);
	if (get_config_bool_node_default(nvl, "msi", false))
		assert_int_equal(pci_emul_add_msicap(pi, 4), 0);
	if (get_config_bool_node_default(nvl, "msix", false))
		assert_int_equal(pci_emul_add_msixcap(pi, 3, 1), 0);
	if (get_config_bool_node_default(nvl, "intx", false))
		pci_lintr_request(pi);
	return (0);
}

const struct pci_devemu pci_de_mdev = {
	.pe_emu = "mdev",
	.pe_init = mdev_init,
	.pe_barread = mdev_barread,
};
PCI_EMUL_SET(pci_de_mdev);

const struct pci_devemu pci_de_hook = {
	.pe_emu = "hook",
	.pe_init = hook_init,
	.pe_legacy_config = hook_legacy,
	.pe_cfgread = hook_cfgread,
	.pe_cfgwrite = hook_cfgwrite,
};
PCI_EMUL_SET(pci_de_hook);

/* ---- helpers: mechanism #1 as a guest does it ---- */

static uint32_t
cfg_addr(int b, int s, int f, int off)
{
	return (CONF1_ENABLE | b << 16 | s << 11 | f << 8 | (off & 0xfc));
}

static uint32_t
cfgr(int b, int s, int f, int off, int bytes)
{
	outp(CONF1_ADDR_PORT, 4, cfg_addr(b, s, f, off));
	return (inp(CONF1_DATA_PORT + (off & 3), bytes));
}

static void
cfgw(int b, int s, int f, int off, int bytes, uint32_t v)
{
	outp(CONF1_ADDR_PORT, 4, cfg_addr(b, s, f, off));
	outp(CONF1_DATA_PORT + (off & 3), bytes, v);
}

static int
setup(void **state)
{
	init_config();
	init_inout(false);
	init_mem();
	fake_reset();
	memset(tdevs, 0, sizeof(tdevs));
	ntdevs = 0;
	msi_nlog = 0;
	mdev_reads = 0;
	return (0);
}

static int
teardown(void **state)
{
	free_config();
	return (0);
}

/* Standard machine: hostbridge at 0, tdev at 3, hook at 4.0 and 4.1. */
static void
standard_config(void)
{
	char s0[] = "0,hostbridge", s3[] = "3,tdev", s40[] = "4:0,hook",
	    s41[] = "4:1,tdev,nobars";

	assert_int_equal(pci_parse_slot(s0), 0);
	assert_int_equal(pci_parse_slot(s3), 0);
	assert_int_equal(pci_parse_slot(s40), 0);
	assert_int_equal(pci_parse_slot(s41), 0);
	assert_int_equal(init_pci(NULL), 0);
}

/* ---- -s ---- */

static int
parse(const char *s)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%s", s);
	return (pci_parse_slot(buf));
}

static void
test_parse_slot_good(void **state)
{
	assert_int_equal(parse("0,hostbridge"), 0);
	assert_string_equal(get_config_value("pci.0.0.0.device"),
	    "hostbridge");
	assert_int_equal(parse("3:2,hostbridge"), 0);
	assert_string_equal(get_config_value("pci.0.3.2.device"),
	    "hostbridge");
	assert_int_equal(parse("1:31:7,amd_hostbridge,pcireg.vendor=0x1234,"
	    "foo,,bar=a=b"), 0);
	assert_string_equal(get_config_value("pci.1.31.7.device"),
	    "amd_hostbridge");
	assert_string_equal(get_config_value("pci.1.31.7.pcireg.vendor"),
	    "0x1234");
	assert_string_equal(get_config_value("pci.1.31.7.foo"), "true");
	assert_string_equal(get_config_value("pci.1.31.7.bar"), "a=b");
	assert_int_equal(parse("255:0:0,hostbridge"), 0);
	assert_non_null(get_config_value("pci.255.0.0.device"));
	/* Only the first two commas split: the rest is the device's. */
	assert_int_equal(parse("5,hook,/a/b,c=d,e"), 0);
	assert_string_equal(get_config_value("pci.0.5.0.path"),
	    "/a/b,c=d,e");
	assert_null(get_config_value("pci.0.5.0.c"));
}

static void
test_parse_slot_bad(void **state)
{
	assert_int_equal(parse("99,foo"), -1);
	assert_int_equal(parse("32,hostbridge"), -1);
	assert_int_equal(parse("0:8,hostbridge"), -1);
	assert_int_equal(parse("256:0:0,hostbridge"), -1);
	assert_int_equal(parse("0:32:0,hostbridge"), -1);
	assert_int_equal(parse("1:2:3:4,hostbridge"), -1);
	assert_int_equal(parse("x,hostbridge"), -1);
	assert_int_equal(parse("3x,hostbridge"), -1);
	assert_int_equal(parse("-1,hostbridge"), -1);
	assert_int_equal(parse(":1,hostbridge"), -1);
	assert_int_equal(parse("1:,hostbridge"), -1);
	assert_int_equal(parse(",hostbridge"), -1);
	assert_int_equal(parse("99999999999,hostbridge"), -1);
	assert_int_equal(parse("3"), -1);
	assert_int_equal(parse("3,"), -1);
	assert_int_equal(parse("3,nosuchdevice"), -1);
	assert_int_equal(parse("3,Hostbridge"), -1);
	assert_int_equal(parse("3,hostbridge,=x"), -1);
	/* None of these left a slot behind. */
	assert_null(find_config_node("pci.0.3.0"));
	assert_null(find_config_node("pci.0.0.8"));
	assert_null(find_config_node("pci.0.99.0"));
	/* Duplicates, whatever the spelling. */
	assert_int_equal(parse("3,hostbridge"), 0);
	assert_int_equal(parse("3,hostbridge"), -1);
	assert_int_equal(parse("3:0,lpc"), -1);
	assert_int_equal(parse("0:3:0,hostbridge"), -1);
	assert_int_equal(parse("3:1,hostbridge"), 0);
	assert_string_equal(get_config_value("pci.0.3.0.device"),
	    "hostbridge");
}

static void
test_finddev(void **state)
{
	assert_ptr_equal(pci_emul_finddev("hostbridge"), &pci_de_hostbridge);
	assert_ptr_equal(pci_emul_finddev("tdev"), &pci_de_tdev);
	assert_null(pci_emul_finddev("nosuch"));
	assert_null(pci_emul_finddev(NULL));
}

/* ---- mechanism #1 ---- */

static void
test_cfg_sizes(void **state)
{
	standard_config();
	/* hostbridge: NetApp IDs, class 06/00 */
	assert_int_equal(cfgr(0, 0, 0, 0x00, 4), 0x12751275);
	assert_int_equal(cfgr(0, 0, 0, 0x00, 2), 0x1275);
	assert_int_equal(cfgr(0, 0, 0, 0x02, 2), 0x1275);
	assert_int_equal(cfgr(0, 0, 0, 0x08, 4), 0x06000000);
	assert_int_equal(cfgr(0, 0, 0, 0x0b, 1), 0x06);
	assert_int_equal(cfgr(0, 0, 0, 0x0a, 1), 0x00);
	/* tdev: every byte of the ID dword */
	assert_int_equal(cfgr(0, 3, 0, 0x00, 1), 0xf4);
	assert_int_equal(cfgr(0, 3, 0, 0x01, 1), 0x1a);
	assert_int_equal(cfgr(0, 3, 0, 0x02, 1), 0x00);
	assert_int_equal(cfgr(0, 3, 0, 0x03, 1), 0x10);
	assert_int_equal(cfgr(0, 3, 0, 0x00, 4), 0x10001af4);
	/* Unaligned word at 0xCFD: bytes 1 and 2 of the dword. */
	outp(CONF1_ADDR_PORT, 4, cfg_addr(0, 3, 0, 0));
	assert_int_equal(inp(0xcfd, 2), 0x001a);
	/* Dword at 0xCFE: bytes 2, 3 of config, then past 0xCFF: ones. */
	assert_int_equal(inp(0xcfe, 4), 0xffff1000);
	/* Absent functions: master abort reads all-ones. */
	assert_int_equal(cfgr(0, 7, 0, 0x00, 4), 0xffffffff);
	assert_int_equal(cfgr(0, 7, 0, 0x00, 1), 0xff);
	assert_int_equal(cfgr(0, 0, 1, 0x00, 2), 0xffff);
	assert_int_equal(cfgr(2, 0, 0, 0x00, 4), 0xffffffff);
	/* Enable bit clear: no configuration cycle. */
	outp(CONF1_ADDR_PORT, 4, 0x00000000);
	assert_int_equal(inp(CONF1_DATA_PORT, 4), 0xffffffff);
}

static void
test_cfg_address_register(void **state)
{
	standard_config();
	outp(CONF1_ADDR_PORT, 4, 0x80fff8ff);
	/* Reserved bits 1:0 and 30:24 read as zero. */
	assert_int_equal(inp(CONF1_ADDR_PORT, 4), 0x80fff8fc);
	/* Sub-dword accesses to 0xCF8-0xCFB are not CONFIG_ADDRESS. */
	outp(CONF1_ADDR_PORT, 1, 0x00);
	outp(0xcfb, 1, 0x01);
	outp(0xcfa, 2, 0x1234);
	assert_int_equal(inp(CONF1_ADDR_PORT, 4), 0x80fff8fc);
	assert_int_equal(inp(CONF1_ADDR_PORT, 1), 0xff);
	assert_int_equal(inp(0xcfa, 2), 0xffff);
}

static void
test_cfg_write_rules(void **state)
{
	standard_config();
	/* IDs, class, header type are read-only. */
	cfgw(0, 3, 0, 0x00, 4, 0xffffffff);
	cfgw(0, 3, 0, 0x08, 4, 0xffffffff);
	cfgw(0, 3, 0, 0x0e, 1, 0x7f);
	cfgw(0, 3, 0, 0x2c, 4, 0xffffffff);
	assert_int_equal(cfgr(0, 3, 0, 0x00, 4), 0x10001af4);
	assert_int_equal(cfgr(0, 3, 0, 0x08, 4), 0x02000000);
	assert_int_equal(cfgr(0, 3, 0, 0x0e, 1), 0x00);
	assert_int_equal(cfgr(0, 3, 0, 0x2c, 4), 0x00001af4);
	/* Cache line size, latency timer and interrupt line are RW. */
	cfgw(0, 3, 0, 0x0c, 2, 0x4010);
	assert_int_equal(cfgr(0, 3, 0, 0x0c, 2), 0x4010);
	cfgw(0, 3, 0, 0x3c, 4, 0xffffff0b);
	assert_int_equal(cfgr(0, 3, 0, 0x3c, 1), 0x0b);
	assert_int_equal(cfgr(0, 3, 0, 0x3d, 1), 0x01);	/* INTA */
	/* Command: bits 0-6 and 8-10 writable. */
	cfgw(0, 3, 0, 0x04, 2, 0xffff);
	assert_int_equal(cfgr(0, 3, 0, 0x04, 2), 0x077f);
	/* Status: error bits write-one-to-clear, the rest read-only. */
	pci_set_cfgdata16(pci_get_devinst(0, 3, 0), PCIR_STATUS, 0xf910);
	cfgw(0, 3, 0, 0x06, 2, 0x1110);
	assert_int_equal(cfgr(0, 3, 0, 0x06, 2), 0xe810);
	cfgw(0, 3, 0, 0x04, 4, 0xe8000000 | 0x0003);
	assert_int_equal(cfgr(0, 3, 0, 0x04, 4), 0x00100003);
	/* Device-specific space above the header is plain RW. */
	cfgw(0, 4, 1, 0x80, 4, 0xdeadbeef);
	assert_int_equal(cfgr(0, 4, 1, 0x80, 4), 0xdeadbeef);
	cfgw(0, 4, 1, 0x81, 1, 0x00);
	assert_int_equal(cfgr(0, 4, 1, 0x80, 4), 0xdead00ef);
	assert_int_equal(cfgr(0, 4, 1, 0x82, 2), 0xdead);
}

static void
test_cfg_hooks(void **state)
{
	standard_config();
	assert_int_equal(cfgr(0, 4, 0, 0x00, 2), 0x8086);
	cfgw(0, 4, 0, 0x40, 4, 0x12345678);
	assert_int_equal(cfgr(0, 4, 0, 0x40, 4), 0xedcba987);
	/* Not hooked: the default path. */
	cfgw(0, 4, 0, 0x44, 4, 0x12345678);
	assert_int_equal(cfgr(0, 4, 0, 0x44, 4), 0x12345678);
}

static void
test_multifunction(void **state)
{
	standard_config();
	/* Slot 4 has two functions: function 0 says so (bit 7). */
	assert_int_equal(cfgr(0, 4, 0, 0x0e, 1), 0x80);
	assert_int_equal(cfgr(0, 4, 1, 0x0e, 1), 0x00);
	assert_int_equal(cfgr(0, 3, 0, 0x0e, 1), 0x00);
	assert_int_equal(cfgr(0, 0, 0, 0x0c, 4) >> 16, 0x0000);
}

/* ---- BARs ---- */

static uint32_t
bar_size_probe(int s, int idx, uint32_t *orig)
{
	uint32_t v;

	*orig = cfgr(0, s, 0, PCIR_BAR(idx), 4);
	cfgw(0, s, 0, PCIR_BAR(idx), 4, 0xffffffff);
	v = cfgr(0, s, 0, PCIR_BAR(idx), 4);
	cfgw(0, s, 0, PCIR_BAR(idx), 4, *orig);
	return (v);
}

static void
test_bar_layout(void **state)
{
	struct pci_devinst *pi;
	uint32_t bar0, bar1, bar2, bar3, bar4, bar5;

	standard_config();
	pi = pci_get_devinst(0, 3, 0);
	assert_non_null(pi);
	bar0 = cfgr(0, 3, 0, PCIR_BAR(0), 4);
	bar1 = cfgr(0, 3, 0, PCIR_BAR(1), 4);
	bar2 = cfgr(0, 3, 0, PCIR_BAR(2), 4);
	bar3 = cfgr(0, 3, 0, PCIR_BAR(3), 4);
	bar4 = cfgr(0, 3, 0, PCIR_BAR(4), 4);
	bar5 = cfgr(0, 3, 0, PCIR_BAR(5), 4);
	/* I/O: 20 bytes round up to 32, in the window from 0x2000. */
	assert_int_equal(pi->pi_bar[0].size, 32);
	assert_int_equal(bar0, 0x2001);
	/* MEM32: 4000 -> 4 KiB; 1 MiB MEM64 also below 4 GiB (bhyve). */
	assert_int_equal(pi->pi_bar[1].size, 4096);
	assert_int_equal(bar2 & 0xf, 0x4);
	assert_int_equal(bar3, 0);
	assert_int_equal(bar2 & ~0xfu, 0xc0000000);	/* largest first */
	assert_int_equal(bar1, 0xc0100000);
	/* 512 MiB: above 4 GiB, 64-bit prefetchable, naturally aligned. */
	assert_int_equal(bar4 & 0xf, 0xc);
	assert_int_equal(((uint64_t)bar5 << 32) | (bar4 & ~0xfu),
	    PCI_EMUL_MEMSIZE64);
	/* Decoding was turned on for both spaces. */
	assert_int_equal(cfgr(0, 3, 0, PCIR_COMMAND, 2) & 3, 3);
	/* Unused BARs read zero and ignore writes. */
	assert_int_equal(cfgr(0, 0, 0, PCIR_BAR(0), 4), 0);
	cfgw(0, 0, 0, PCIR_BAR(0), 4, 0xffffffff);
	assert_int_equal(cfgr(0, 0, 0, PCIR_BAR(0), 4), 0);
	assert_int_equal(cfgr(0, 4, 1, PCIR_BAR(2), 4), 0);
	/* Expansion ROM BAR: none. */
	cfgw(0, 3, 0, PCIR_BIOS, 4, 0xffffffff);
	assert_int_equal(cfgr(0, 3, 0, PCIR_BIOS, 4), 0);
}

static void
test_bar_sizing(void **state)
{
	uint32_t orig;

	standard_config();
	/* PCI 3.0 §6.2.5.1: write ones, read back ~(size - 1) | type bits. */
	assert_int_equal(bar_size_probe(3, 0, &orig), 0x0000ffe1);
	assert_int_equal(cfgr(0, 3, 0, PCIR_BAR(0), 4), orig);
	assert_int_equal(bar_size_probe(3, 1, &orig), 0xfffff000);
	assert_int_equal(cfgr(0, 3, 0, PCIR_BAR(1), 4), orig);
	assert_int_equal(bar_size_probe(3, 2, &orig), 0xfff00004);
	assert_int_equal(bar_size_probe(3, 3, &orig), 0xffffffff);
	assert_int_equal(bar_size_probe(3, 4, &orig), 0xe000000c);
	assert_int_equal(bar_size_probe(3, 5, &orig), 0xffffffff);
	assert_int_equal(cfgr(0, 3, 0, PCIR_BAR(5), 4), orig);
	/* Sub-dword BAR writes are ignored. */
	cfgw(0, 3, 0, PCIR_BAR(1), 2, 0x0000);
	cfgw(0, 3, 0, PCIR_BAR(1) + 2, 2, 0x0000);
	assert_int_equal(cfgr(0, 3, 0, PCIR_BAR(1), 4), 0xc0100000);
}

static void
test_bar_decoding(void **state)
{
	struct tdev *t;
	uint64_t v;
	int err;

	standard_config();
	t = pci_get_devinst(0, 3, 0)->pi_arg;
	/* I/O BAR at 0x2000. */
	assert_int_equal(inp(0x2004, 2), 0xa0000004 & 0xffff);
	assert_int_equal(t->last_bar, 0);
	assert_int_equal(t->last_off, 4);
	assert_int_equal(t->last_size, 2);
	outp(0x201f, 1, 0x5a);
	assert_int_equal(t->last_off, 0x1f);
	assert_int_equal(t->last_val, 0x5a);
	assert_int_equal(inp(0x2020, 1), 0xff);	/* just past it */
	/* MEM32 BAR at 0xC0100000. */
	v = mmio(1, 0xc0100ffc, 4, 0, &err);
	assert_int_equal(v, 0xa1000ffc);
	mmio(0, 0xc0100008, 4, 0xcafe, &err);
	assert_int_equal(t->last_bar, 1);
	assert_int_equal(t->last_val, 0xcafe);
	/* 8-byte accesses are two dword accesses. */
	mmio(0, 0xc0100010, 8, 0x1111222233334444ULL, &err);
	assert_int_equal(t->last_off, 0x14);
	assert_int_equal(t->last_size, 4);
	assert_int_equal(t->last_val, 0x11112222);
	v = mmio(1, 0xc0100010, 8, 0, &err);
	assert_int_equal(v, 0xa1000014a1000010ULL);
	/* The 64-bit BAR above 4 GiB. */
	v = mmio(1, PCI_EMUL_MEMSIZE64 + 0x100, 4, 0, &err);
	assert_int_equal(v, 0xa4000100);

	/* MEMEN off: memory BARs stop decoding, I/O still works. */
	cfgw(0, 3, 0, PCIR_COMMAND, 2, PCIM_CMD_PORTEN);
	assert_int_equal(mmio(1, 0xc0100000, 4, 0, &err), 0xffffffff);
	assert_int_equal(mmio(1, 0xc0000000, 4, 0, &err), 0xffffffff);
	assert_int_equal(inp(0x2000, 1), 0x00);
	/* PORTEN off too. */
	cfgw(0, 3, 0, PCIR_COMMAND, 2, 0);
	assert_int_equal(inp(0x2000, 1), 0xff);
	/* Move the BARs while off, then turn decoding back on. */
	cfgw(0, 3, 0, PCIR_BAR(0), 4, 0x5000);
	cfgw(0, 3, 0, PCIR_BAR(1), 4, 0xd0000000);
	assert_int_equal(cfgr(0, 3, 0, PCIR_BAR(0), 4), 0x5001);
	cfgw(0, 3, 0, PCIR_COMMAND, 2, PCIM_CMD_PORTEN | PCIM_CMD_MEMEN);
	assert_int_equal(inp(0x5003, 1), 0x03);
	assert_int_equal(inp(0x2000, 1), 0xff);
	assert_int_equal(mmio(1, 0xd0000010, 4, 0, &err), 0xa1000010);
	assert_int_equal(mmio(1, 0xc0100010, 4, 0, &err), 0xffffffff);
	/* Moving with decoding on moves the registration at once. */
	cfgw(0, 3, 0, PCIR_BAR(0), 4, 0x6000);
	assert_int_equal(inp(0x5003, 1), 0xff);
	assert_int_equal(inp(0x6003, 1), 0x03);
	/* Moving the upper half of a 64-bit BAR. */
	cfgw(0, 3, 0, PCIR_BAR(5), 4, 0x10);
	v = mmio(1, 0x1000000000ULL + 0x20, 4, 0, &err);
	assert_int_equal(v, 0xa4000020);
	/* A BAR moved onto a taken port range just does not decode. */
	cfgw(0, 3, 0, PCIR_BAR(0), 4, 0x0cf8);
	assert_int_equal(cfgr(0, 3, 0, PCIR_BAR(0), 4), 0x0ce1);
	assert_int_equal(cfgr(0, 0, 0, 0, 4), 0x12751275);
	cfgw(0, 3, 0, PCIR_BAR(0), 4, 0x7000);
	assert_int_equal(inp(0x7000, 1), 0x00);
	assert_true(t->baraddr_calls > 0);
}

/* ---- capabilities ---- */

static void
test_capabilities(void **state)
{
	struct pci_devinst *pi;

	standard_config();
	pi = pci_get_devinst(0, 3, 0);
	assert_int_equal(cfgr(0, 3, 0, PCIR_STATUS, 2) &
	    PCIM_STATUS_CAPPRESENT, PCIM_STATUS_CAPPRESENT);
	assert_int_equal(cfgr(0, 3, 0, PCIR_CAP_PTR, 1), 0x40);
	/* 6-byte vendor cap at 0x40, padded to 8: next at 0x48. */
	assert_int_equal(cfgr(0, 3, 0, 0x40, 4), 0x11064800 | PCIY_VENDOR);
	assert_int_equal(cfgr(0, 3, 0, 0x44, 2), 0x3322);
	assert_int_equal(cfgr(0, 3, 0, 0x48, 2), PCIY_PMG);	/* last */
	assert_int_equal(pci_emul_find_capability(pi, PCIY_PMG), 0x48);
	assert_int_equal(pci_emul_find_capability(pi, PCIY_VENDOR), 0x40);
	assert_int_equal(pci_emul_find_capability(pi, PCIY_MSI), -1);
	/* ID and next pointer are read-only; the body is the device's. */
	cfgw(0, 3, 0, 0x40, 4, 0xffffffff);
	assert_int_equal(cfgr(0, 3, 0, 0x40, 4), 0xffff4800 | PCIY_VENDOR);
	cfgw(0, 3, 0, 0x48, 2, 0x0000);
	assert_int_equal(cfgr(0, 3, 0, 0x48, 2), PCIY_PMG);
	/* Without capabilities: status bit clear, pointer 0. */
	assert_int_equal(cfgr(0, 0, 0, PCIR_STATUS, 2) &
	    PCIM_STATUS_CAPPRESENT, 0);
	assert_int_equal(cfgr(0, 0, 0, PCIR_CAP_PTR, 1), 0);
	assert_int_equal(pci_emul_find_capability(pci_get_devinst(0, 0, 0),
	    PCIY_PMG), -1);
}

static void
test_capability_overflow(void **state)
{
	static struct pci_devinst pi;
	uint8_t big[200] = { PCIY_VENDOR };

	memset(&pi, 0, sizeof(pi));
	assert_int_equal(pci_emul_add_capability(&pi, big, 180), 0);
	/* 0x40 + 180 = 0xF4; another 16 bytes would pass 0xFF. */
	assert_int_equal(pci_emul_add_capability(&pi, big, 16), -1);
	assert_int_equal(pci_emul_add_capability(&pi, big, 12), 0);
	assert_int_equal(pci_get_cfgdata8(&pi, 0x41), 0xf4);
	assert_int_equal(pci_emul_add_capability(&pi, big, 1), -1);
}

/* ---- INTx ---- */

static void
test_intx(void **state)
{
	struct pci_devinst *pi;
	int irq;

	standard_config();
	pi = pci_get_devinst(0, 3, 0);
	/*
	 * INTA of slot 3: router input (4 + 3 + 1) % 8 = 0, so IOAPIC pin 16
	 * and PIRQA, which gets the least-used permitted ISA IRQ: 3 (no LPC
	 * here reserves the COM IRQs).  INTLINE holds the ISA IRQ.
	 */
	assert_int_equal(cfgr(0, 3, 0, PCIR_INTPIN, 1), 1);
	irq = cfgr(0, 3, 0, PCIR_INTLINE, 1);
	assert_int_equal(irq, 3);
	assert_int_equal(pi->pi_lintr.irq.ioapic_irq, 16);
	assert_int_equal(pi->pi_lintr.irq.pirq_pin, 1);
	assert_int_equal(pirq_read(1), 3);
	assert_int_equal(pirq_read(2), PIRQ_DIS);
	/* No pin: line 255 (unknown). */
	assert_int_equal(cfgr(0, 0, 0, PCIR_INTPIN, 1), 0);
	assert_int_equal(cfgr(0, 0, 0, PCIR_INTLINE, 1), 255);

	pci_lintr_assert(pi);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 16), 1);
	assert_int_equal(fake_count(F_ISA_ASSERT, 3), 1);
	assert_int_equal(cfgr(0, 3, 0, PCIR_STATUS, 2) &
	    PCIM_STATUS_INTxSTATE, PCIM_STATUS_INTxSTATE);
	pci_lintr_assert(pi);			/* already high */
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 16), 1);
	/* INTx disable drops the line but keeps it pending. */
	cfgw(0, 3, 0, PCIR_COMMAND, 2, 0x0403);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 16), 1);
	assert_int_equal(cfgr(0, 3, 0, PCIR_STATUS, 2) &
	    PCIM_STATUS_INTxSTATE, PCIM_STATUS_INTxSTATE);
	cfgw(0, 3, 0, PCIR_COMMAND, 2, 0x0003);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 16), 2);
	pci_lintr_deassert(pi);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 16), 2);
	assert_int_equal(cfgr(0, 3, 0, PCIR_STATUS, 2) &
	    PCIM_STATUS_INTxSTATE, 0);
	/* Asserted while disabled: nothing reaches the IOAPIC. */
	cfgw(0, 3, 0, PCIR_COMMAND, 2, 0x0403);
	pci_lintr_assert(pi);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 16), 2);
	pci_lintr_deassert(pi);
	cfgw(0, 3, 0, PCIR_COMMAND, 2, 0x0003);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 16), 2);
	/* Each IOAPIC edge came with the same PIC edge on IRQ 3. */
	assert_int_equal(fake_count(F_ISA_ASSERT, 3), 2);
	assert_int_equal(fake_count(F_ISA_DEASSERT, 3), 2);
	/* A function without a pin is never heard. */
	pci_lintr_assert(pci_get_devinst(0, 0, 0));
	assert_int_equal(fake_nlog, 8);
}

/* ---- init_pci ---- */

static void
test_init_errors(void **state)
{
	/* No pci node: nothing to do. */
	assert_int_equal(init_pci(NULL), 0);

	set_config_value("pci.0.5.0.device", "nosuch");
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("pci");

	set_config_value("pci.0.5.0.device", "tdev");
	set_config_value("pci.0.5.0.fail", "true");
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("pci");

	set_config_value("pci.0.5.0.nodevice", "x");
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("pci");

	set_config_value("pci.0.40.0.device", "hostbridge");
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("pci");
	set_config_value("pci.0.1.8.device", "hostbridge");
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("pci");
	set_config_value("pci.x.1.0.device", "hostbridge");
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("pci");
	set_config_value("pci.0.1.device", "hostbridge");
	assert_int_equal(init_pci(NULL), -1);
	unset_config_value("pci");

	set_config_value("pci.0.0.0.device", "hostbridge");
	set_config_value("pci.0.0.0.pcireg.vendor", "0x10000");
	assert_int_equal(init_pci(NULL), -1);
	set_config_value("pci.0.0.0.pcireg.vendor", "bogus");
	assert_int_equal(init_pci(NULL), -1);
	set_config_value("pci.0.0.0.pcireg.vendor", "0xabcd");
	set_config_value("pci.0.0.0.pcireg.device", "4660");
	assert_int_equal(init_pci(NULL), 0);
	assert_int_equal(cfgr(0, 0, 0, 0, 4), 0x1234abcd);
}

static void
test_amd_hostbridge_and_spelling(void **state)
{
	/* -k files may spell numbers with leading zeros. */
	set_config_value("pci.0.03.0.device", "amd_hostbridge");
	assert_int_equal(init_pci(NULL), 0);
	assert_int_equal(cfgr(0, 3, 0, 0, 4), 0x74321022);
	assert_int_equal(cfgr(0, 3, 0, 0x08, 4), 0x06000000);
}

static void
test_bar_allocation_many(void **state)
{
	char s[16];
	uint64_t io[4], mem[4];

	/* Four identical functions: distinct, aligned, non-overlapping. */
	for (int i = 0; i < 4; i++) {
		snprintf(s, sizeof(s), "%d,tdev", 10 + i);
		assert_int_equal(pci_parse_slot(s), 0);
	}
	assert_int_equal(init_pci(NULL), 0);
	for (int i = 0; i < 4; i++) {
		struct pci_devinst *pi = pci_get_devinst(0, 10 + i, 0);

		io[i] = pi->pi_bar[0].addr;
		mem[i] = pi->pi_bar[1].addr;
		assert_int_equal(io[i] % 32, 0);
		assert_int_equal(mem[i] % 4096, 0);
		assert_int_equal(pi->pi_bar[4].addr % (512 << 20), 0);
		for (int j = 0; j < i; j++) {
			assert_true(io[i] != io[j]);
			assert_true(mem[i] != mem[j]);
		}
		assert_int_equal(inp(io[i] + 1, 1), 0x01);
	}
	assert_int_equal(pci_get_devinst(0, 10, 0)->pi_bar[0].addr, 0x2000);
	assert_int_equal(pci_get_devinst(0, 13, 0)->pi_bar[0].addr, 0x2060);
}

/* ---- ECAM ---- */

static uint64_t
ecam_addr(int b, int s, int f, int off)
{
	return (PCI_EMUL_ECFG_BASE + ((uint64_t)b << 20 | s << 15 | f << 12 |
	    off));
}

static uint64_t
ecr(int b, int s, int f, int off, int bytes)
{
	int err = -1;
	uint64_t v;

	v = mmio(1, ecam_addr(b, s, f, off), bytes, 0, &err);
	assert_int_equal(err, 0);
	return (v);
}

static void
ecw(int b, int s, int f, int off, int bytes, uint64_t v)
{
	int err = -1;

	mmio(0, ecam_addr(b, s, f, off), bytes, v, &err);
	assert_int_equal(err, 0);
}

static void
test_ecam_equals_conf1(void **state)
{
	static const int fn[][3] = { { 0, 0, 0 }, { 0, 3, 0 }, { 0, 4, 0 },
	    { 0, 4, 1 }, { 0, 7, 0 }, { 1, 0, 0 } };
	int n = 0;

	standard_config();
	/* Every aligned byte, word and dword of the first 256 bytes. */
	for (unsigned i = 0; i < sizeof(fn) / sizeof(fn[0]); i++) {
		for (int off = 0; off < 256; off++) {
			for (int bytes = 1; bytes <= 4; bytes *= 2) {
				if (off % bytes != 0)
					continue;
				assert_int_equal(ecr(fn[i][0], fn[i][1],
				    fn[i][2], off, bytes), cfgr(fn[i][0],
				    fn[i][1], fn[i][2], off, bytes));
				n++;
			}
		}
	}
	assert_int_equal(n, 6 * (256 + 128 + 64));
	/* Spot values, so that "equal" is not "equally wrong". */
	assert_int_equal(ecr(0, 3, 0, 0, 4), 0x10001af4);
	assert_int_equal(ecr(0, 3, 0, 2, 2), 0x1000);
	assert_int_equal(ecr(0, 0, 0, 0x0b, 1), 0x06);
	assert_int_equal(ecr(0, 7, 0, 0, 4), 0xffffffff);
	/* The last function of the last bus, at the window's top. */
	assert_int_equal(ecr(255, 31, 7, 0xffc, 4), 0xffffffff);
	assert_int_equal(PCI_EMUL_ECFG_SIZE, 256ULL << 20);

	/* Writes through either path are seen through the other. */
	ecw(0, 3, 0, PCIR_CACHELNSZ, 1, 0x10);
	assert_int_equal(cfgr(0, 3, 0, PCIR_CACHELNSZ, 1), 0x10);
	cfgw(0, 4, 1, 0x80, 4, 0xcafef00d);
	assert_int_equal(ecr(0, 4, 1, 0x80, 4), 0xcafef00d);
	ecw(0, 4, 1, 0x82, 2, 0x1234);
	assert_int_equal(cfgr(0, 4, 1, 0x80, 4), 0x1234f00d);
	/* The same write rules: IDs read-only, status W1C. */
	ecw(0, 3, 0, PCIR_VENDOR, 4, 0);
	assert_int_equal(cfgr(0, 3, 0, PCIR_VENDOR, 4), 0x10001af4);
	/* Device hooks see ECAM accesses too. */
	ecw(0, 4, 0, 0x40, 4, 0x0f0f0f0f);
	assert_int_equal(ecr(0, 4, 0, 0x40, 4), 0xf0f0f0f0);
	/* BAR sizing through ECAM. */
	ecw(0, 3, 0, PCIR_BAR(1), 4, 0xffffffff);
	assert_int_equal(ecr(0, 3, 0, PCIR_BAR(1), 4), 0xfffff000);
	ecw(0, 3, 0, PCIR_BAR(1), 4, 0xc0100000);
	assert_int_equal(cfgr(0, 3, 0, PCIR_BAR(1), 4), 0xc0100000);
	/* Command register through ECAM turns decoding off. */
	ecw(0, 3, 0, PCIR_COMMAND, 2, 0);
	assert_int_equal(inp(0x2000, 1), 0xff);
	ecw(0, 3, 0, PCIR_COMMAND, 2, PCIM_CMD_PORTEN);
	assert_int_equal(inp(0x2000, 1), 0x00);
}

static void
test_ecam_extended_and_odd(void **state)
{
	standard_config();
	/* No extended capabilities: 0x100-0xFFF read 0, ignore writes. */
	assert_int_equal(ecr(0, 3, 0, PCIR_EXTCAP, 4), 0);
	ecw(0, 3, 0, PCIR_EXTCAP, 4, 0xffffffff);
	assert_int_equal(ecr(0, 3, 0, PCIR_EXTCAP, 4), 0);
	ecw(0, 3, 0, 0xffc, 4, 0x12345678);
	assert_int_equal(ecr(0, 3, 0, 0xffc, 4), 0);
	assert_int_equal(ecr(0, 3, 0, 0x800, 1), 0);
	assert_int_equal(pci_get_cfgdata32(pci_get_devinst(0, 3, 0), 0xffc),
	    0);
	/* Absent functions read all-ones in extended space too. */
	assert_int_equal(ecr(0, 9, 0, PCIR_EXTCAP, 4), 0xffffffff);
	/* An 8-byte access is two dwords. */
	assert_int_equal(ecr(0, 3, 0, 0, 8),
	    (uint64_t)cfgr(0, 3, 0, 4, 4) << 32 | 0x10001af4);
	ecw(0, 4, 1, 0x88, 8, 0x1122334455667788ULL);
	assert_int_equal(cfgr(0, 4, 1, 0x88, 4), 0x55667788);
	assert_int_equal(cfgr(0, 4, 1, 0x8c, 4), 0x11223344);
	/* Misaligned accesses are dropped / read all-ones. */
	assert_int_equal(ecr(0, 3, 0, 1, 2) & 0xffff, 0xffff);
	assert_int_equal(ecr(0, 3, 0, 2, 4), 0xffffffff);
	cfgw(0, 4, 1, 0x80, 4, 0xdeadbeef);
	ecw(0, 4, 1, 0x81, 2, 0);
	ecw(0, 4, 1, 0x82, 4, 0);
	assert_int_equal(cfgr(0, 4, 1, 0x80, 4), 0xdeadbeef);
}

/* ---- MSI ---- */

static void
mdev_config(const char *conf)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s", conf);
	assert_int_equal(pci_parse_slot(buf), 0);
	assert_int_equal(init_pci(NULL), 0);
}

static void
test_msi(void **state)
{
	struct pci_devinst *pi;

	mdev_config("5,mdev,msi,intx");
	pi = pci_get_devinst(0, 5, 0);
	/* PCI 3.0 §6.8.1: ID 05, 64-bit capable, MMC = log2(4) = 2. */
	assert_int_equal(pci_emul_find_capability(pi, PCIY_MSI), 0x40);
	assert_int_equal(cfgr(0, 5, 0, 0x40, 4), 0x00840005);
	assert_int_equal(cfgr(0, 5, 0, 0x44, 4), 0);
	assert_int_equal(cfgr(0, 5, 0, 0x48, 4), 0);
	assert_int_equal(cfgr(0, 5, 0, 0x4c, 4), 0);
	assert_false(pci_msi_enabled(pi));
	assert_int_equal(pci_msi_maxmsgnum(pi), 0);
	/* Only MME and Enable are writable in the control register. */
	cfgw(0, 5, 0, 0x42, 2, 0xffff);
	assert_int_equal(cfgr(0, 5, 0, 0x42, 2), 0x00f5);
	assert_true(pci_msi_enabled(pi));
	assert_int_equal(pci_msi_maxmsgnum(pi), 4);	/* MME > MMC: MMC */
	cfgw(0, 5, 0, 0x42, 2, 0);
	assert_false(pci_msi_enabled(pi));
	/* Address: dword aligned, 64-bit; data 16 bits, then padding. */
	cfgw(0, 5, 0, 0x44, 4, 0xfee01003);
	cfgw(0, 5, 0, 0x48, 4, 0x00000001);
	cfgw(0, 5, 0, 0x4c, 4, 0xffff4041);
	assert_int_equal(cfgr(0, 5, 0, 0x44, 4), 0xfee01000);
	assert_int_equal(cfgr(0, 5, 0, 0x48, 4), 1);
	assert_int_equal(cfgr(0, 5, 0, 0x4c, 4), 0x4041);
	/* ID and next pointer stay. */
	cfgw(0, 5, 0, 0x40, 2, 0xffff);
	assert_int_equal(cfgr(0, 5, 0, 0x40, 2), 0x0005);

	/* Nothing is sent while disabled. */
	pci_generate_msi(pi, 0);
	assert_int_equal(msi_nlog, 0);
	/* Two messages enabled (MME = 1): data low bit = message number. */
	cfgw(0, 5, 0, 0x42, 2, 0x0011);
	assert_int_equal(cfgr(0, 5, 0, 0x42, 2), 0x0095);
	assert_int_equal(pci_msi_maxmsgnum(pi), 2);
	pci_generate_msi(pi, 0);
	pci_generate_msi(pi, 1);
	pci_generate_msi(pi, 2);	/* not enabled: dropped */
	pci_generate_msi(pi, -1);
	assert_int_equal(msi_nlog, 2);
	assert_int_equal(msi_log[0].addr, 0x1fee01000ULL);
	assert_int_equal(msi_log[0].msg, 0x4040);
	assert_int_equal(msi_log[1].addr, 0x1fee01000ULL);
	assert_int_equal(msi_log[1].msg, 0x4041);
	/* A byte write of the address takes effect too. */
	cfgw(0, 5, 0, 0x48, 1, 0);
	pci_generate_msi(pi, 0);
	assert_int_equal(msi_log[2].addr, 0xfee01000ULL);

	/* INTx is held while MSI is on and reaches the IOAPIC after. */
	assert_int_equal(pi->pi_lintr.irq.ioapic_irq, 18);
	pci_lintr_assert(pi);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 18), 0);
	cfgw(0, 5, 0, 0x42, 2, 0);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 18), 1);
	cfgw(0, 5, 0, 0x42, 2, 1);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 18), 1);
	pci_lintr_deassert(pi);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 18), 1);

	/* Bad requests. */
	assert_int_equal(pci_emul_add_msicap(pi, 3), -1);
	assert_int_equal(pci_emul_add_msicap(pi, 64), -1);
	assert_int_equal(pci_emul_add_msicap(pi, 4), -1);	/* twice */
}

/* ---- MSI-X ---- */

static uint64_t
tbl(int read, uint64_t off, int bytes, uint64_t v)
{
	int err = -1;

	v = mmio(read, 0xc0000000 + off, bytes, v, &err);
	assert_int_equal(err, 0);
	return (v);
}

static void
test_msix(void **state)
{
	struct pci_devinst *pi;
	uint32_t orig;

	mdev_config("6,mdev,msix,intx");
	pi = pci_get_devinst(0, 6, 0);
	/* PCI 3.0 §6.8.2: ID 11, table size N - 1, table/PBA in BAR 1. */
	assert_int_equal(pci_emul_find_capability(pi, PCIY_MSIX), 0x40);
	assert_int_equal(cfgr(0, 6, 0, 0x40, 4), 0x00020011);
	assert_int_equal(cfgr(0, 6, 0, 0x44, 4), 0x00000001);
	assert_int_equal(cfgr(0, 6, 0, 0x48, 4), 0x00001001);
	assert_int_equal(pci_msix_table_bar(pi), 1);
	assert_int_equal(pci_msix_pba_bar(pi), 1);
	assert_int_equal(pci_msix_table_bar(pci_get_devinst(0, 6, 0)), 1);
	/* 3 * 16 bytes -> 4 KiB of table + 8 bytes of PBA -> 8 KiB BAR. */
	assert_int_equal(bar_size_probe(6, 1, &orig), 0xffffe000);
	assert_int_equal(orig, 0xc0000000);
	/* The table/PBA offsets and sizes are read-only. */
	cfgw(0, 6, 0, 0x44, 4, 0xffffffff);
	cfgw(0, 6, 0, 0x48, 4, 0);
	cfgw(0, 6, 0, 0x42, 1, 0xff);
	assert_int_equal(cfgr(0, 6, 0, 0x44, 4), 0x00000001);
	assert_int_equal(cfgr(0, 6, 0, 0x48, 4), 0x00001001);
	assert_int_equal(cfgr(0, 6, 0, 0x40, 4), 0x00020011);

	/* Every vector starts masked, everything else zero. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tbl(1, i * 16 + 12, 4, 0), 1);
		assert_int_equal(tbl(1, i * 16, 8, 0), 0);
		assert_int_equal(tbl(1, i * 16 + 8, 4, 0), 0);
	}
	/* Entry 0 by dwords; address bits 1:0 and vector control's reserved
	 * bits read 0. */
	tbl(0, 0x00, 4, 0xfee01003);
	tbl(0, 0x04, 4, 0);
	tbl(0, 0x08, 4, 0x30);
	tbl(0, 0x0c, 4, 0xfffffffe);
	assert_int_equal(tbl(1, 0x00, 4, 0), 0xfee01000);
	assert_int_equal(tbl(1, 0x0c, 4, 0), 0);
	assert_int_equal(tbl(1, 0x08, 1, 0), 0x30);
	assert_int_equal(tbl(1, 0x08, 8, 0), 0x30);
	/* Entry 1 by qwords. */
	tbl(0, 0x10, 8, 0x00000001fee02000ULL);
	tbl(0, 0x18, 8, 0x31);
	assert_int_equal(tbl(1, 0x10, 8, 0), 0x00000001fee02000ULL);
	assert_int_equal(tbl(1, 0x1c, 4, 0), 0);
	/* Entry 2: data only, stays masked. */
	tbl(0, 0x28, 4, 0x32);
	/* Word and misaligned writes are not taken. */
	tbl(0, 0x28, 2, 0xffff);
	tbl(0, 0x2a, 4, 0xffffffff);
	assert_int_equal(tbl(1, 0x28, 4, 0), 0x32);
	assert_int_equal(pci_emul_msix_tread(pi, 0x28, 4), 0x32);
	assert_int_equal(pci_emul_msix_twrite(pi, 0x28, 2, 0), -1);
	assert_int_equal(pci_emul_msix_twrite(pi, 0x30, 4, 0), -1);

	/* Disabled: nothing goes out, nothing becomes pending. */
	pci_generate_msix(pi, 0);
	assert_int_equal(msi_nlog, 0);
	assert_false(pci_msix_enabled(pi));
	assert_int_equal(tbl(1, 0x1000, 8, 0), 0);

	/* Enabled with the function masked: pending bits instead. */
	cfgw(0, 6, 0, 0x42, 2, 0xc000);
	assert_int_equal(cfgr(0, 6, 0, 0x42, 2), 0xc002);
	assert_true(pci_msix_enabled(pi));
	pci_generate_msix(pi, 0);
	pci_generate_msix(pi, 2);
	pci_generate_msix(pi, 3);	/* no such vector */
	assert_int_equal(msi_nlog, 0);
	assert_int_equal(tbl(1, 0x1000, 8, 0), 0x5);
	assert_int_equal(tbl(1, 0x1000, 4, 0), 0x5);
	assert_int_equal(tbl(1, 0x1000, 1, 0), 0x5);
	/* The PBA is read-only. */
	tbl(0, 0x1000, 8, 0);
	assert_int_equal(tbl(1, 0x1000, 8, 0), 0x5);
	/* Function unmasked: vector 0 goes; 2 is still masked. */
	cfgw(0, 6, 0, 0x42, 2, 0x8000);
	assert_int_equal(msi_nlog, 1);
	assert_int_equal(msi_log[0].addr, 0xfee01000);
	assert_int_equal(msi_log[0].msg, 0x30);
	assert_int_equal(tbl(1, 0x1000, 8, 0), 0x4);
	/* Unmasking vector 2 in the table sends it. */
	tbl(0, 0x2c, 4, 0);
	assert_int_equal(msi_nlog, 2);
	assert_int_equal(msi_log[1].addr, 0);
	assert_int_equal(msi_log[1].msg, 0x32);
	assert_int_equal(tbl(1, 0x1000, 8, 0), 0);
	/* Unmasked vectors go at once. */
	pci_generate_msix(pi, 1);
	assert_int_equal(msi_nlog, 3);
	assert_int_equal(msi_log[2].addr, 0x1fee02000ULL);
	assert_int_equal(msi_log[2].msg, 0x31);
	/* Masking vector 1 again makes it pend. */
	tbl(0, 0x1c, 4, 1);
	pci_generate_msix(pi, 1);
	assert_int_equal(msi_nlog, 3);
	assert_int_equal(tbl(1, 0x1000, 4, 0), 0x2);
	/* The rest of the BAR is reserved: zero, and the device never sees
	 * it; BAR 0 is still the device's. */
	assert_int_equal(tbl(1, 0x30, 4, 0), 0);
	assert_int_equal(tbl(1, 0x800, 4, 0), 0);
	assert_int_equal(mdev_reads, 0);
	assert_int_equal(inp(0x2000, 1), 0x5a);
	assert_int_equal(mdev_reads, 1);

	/* INTx is silenced while MSI-X is on. */
	pci_lintr_assert(pi);
	assert_int_equal(fake_nlog, 0);
	cfgw(0, 6, 0, 0x42, 2, 0);
	assert_false(pci_msix_enabled(pi));
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 19), 1);
	pci_generate_msix(pi, 0);
	assert_int_equal(msi_nlog, 3);

	/* Bad requests. */
	assert_int_equal(pci_emul_add_msixcap(pi, 0, 2), -1);
	assert_int_equal(pci_emul_add_msixcap(pi, 2049, 2), -1);
	assert_int_equal(pci_emul_add_msixcap(pi, 1, 6), -1);
	assert_int_equal(pci_emul_add_msixcap(pi, 1, 2), -1);	/* twice */
}

static void
test_msi_and_msix_together(void **state)
{
	struct pci_devinst *pi;

	mdev_config("7,mdev,msi,msix");
	pi = pci_get_devinst(0, 7, 0);
	/* Capabilities chain: MSI at 0x40 (16 bytes), MSI-X at 0x50. */
	assert_int_equal(cfgr(0, 7, 0, 0x40, 2), 0x5005);
	assert_int_equal(cfgr(0, 7, 0, 0x50, 2), 0x0011);
	cfgw(0, 7, 0, 0x4c, 2, 0x0041);
	tbl(0, 0x08, 4, 0x77);
	tbl(0, 0x0c, 4, 0);
	cfgw(0, 7, 0, 0x52, 2, 0x8000);
	cfgw(0, 7, 0, 0x42, 2, 0x0001);
	/* With both on, MSI wins: MSI-X counts as off (bhyve's rule). */
	assert_true(pci_msi_enabled(pi));
	assert_false(pci_msix_enabled(pi));
	pci_generate_msix(pi, 0);
	pci_generate_msi(pi, 0);
	assert_int_equal(msi_nlog, 1);
	assert_int_equal(msi_log[0].msg, 0x41);
	cfgw(0, 7, 0, 0x42, 2, 0);
	pci_generate_msix(pi, 0);
	assert_int_equal(msi_nlog, 2);
	assert_int_equal(msi_log[1].msg, 0x77);
}

/* ---- INTx routing ---- */

static void
test_intx_routing(void **state)
{
	static const struct {
		int s, f, pin, gsi, isa;
	} want[] = {
		/* (4 + slot + pin) % 8 picks IOAPIC 16+n and PIRQ n+1;
		 * PIRQs get ISA IRQs 3, 4, 5, 6 in routing order. */
		{ 5, 0, 1, 18, 3 }, { 5, 1, 2, 19, 4 }, { 5, 2, 3, 20, 5 },
		{ 5, 3, 4, 21, 6 }, { 5, 4, 1, 18, 3 }, { 6, 0, 1, 19, 4 },
		{ 13, 0, 1, 18, 3 }, { 27, 0, 1, 16, 7 },
	};
	struct pci_intx_route r[16];
	struct pci_devinst *a, *b, *c;
	char buf[32];
	int n;

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(buf, sizeof(buf), "%d:%d,mdev,intx,bar=false",
		    want[i].s, want[i].f);
		assert_int_equal(pci_parse_slot(buf), 0);
	}
	assert_int_equal(parse("2,mdev"), 0);	/* no INTx */
	assert_int_equal(init_pci(NULL), 0);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct pci_devinst *pi = pci_get_devinst(0, want[i].s,
		    want[i].f);

		assert_int_equal(cfgr(0, want[i].s, want[i].f, PCIR_INTPIN, 1),
		    want[i].pin);
		assert_int_equal(cfgr(0, want[i].s, want[i].f, PCIR_INTLINE,
		    1), want[i].isa);
		assert_int_equal(pi->pi_lintr.irq.ioapic_irq, want[i].gsi);
		assert_int_equal(pi->pi_lintr.irq.pirq_pin, want[i].gsi - 15);
	}
	/* PIRQA..H registers: the routed ones hold their ISA IRQ. */
	assert_int_equal(pirq_read(1), 7);
	assert_int_equal(pirq_read(2), PIRQ_DIS);
	assert_int_equal(pirq_read(3), 3);
	assert_int_equal(pirq_read(4), 4);
	assert_int_equal(pirq_read(5), 5);
	assert_int_equal(pirq_read(6), 6);
	assert_int_equal(pirq_read(7), PIRQ_DIS);
	assert_int_equal(pirq_read(8), PIRQ_DIS);
	assert_int_equal(pirq_read(0), PIRQ_DIS);
	assert_int_equal(pirq_read(9), PIRQ_DIS);
	/* The ELCR view: routed PIRQs and the SCI are level. */
	assert_int_equal(pci_irq_level_mask(), 1 << 3 | 1 << 4 | 1 << 5 |
	    1 << 6 | 1 << 7 | 1 << 9);

	/* One route per (slot, pin) in use, in slot/pin order. */
	n = pci_get_intx_routes(r, 16);
	assert_int_equal(n, 7);
	assert_int_equal(r[0].slot, 5);
	assert_int_equal(r[0].pin, 1);
	assert_int_equal(r[0].ioapic_irq, 18);
	assert_int_equal(r[0].isa_irq, 3);
	assert_int_equal(r[3].slot, 5);
	assert_int_equal(r[3].pin, 4);
	assert_int_equal(r[3].ioapic_irq, 21);
	assert_int_equal(r[3].isa_irq, 6);
	assert_int_equal(r[4].slot, 6);
	assert_int_equal(r[4].ioapic_irq, 19);
	assert_int_equal(r[5].slot, 13);
	assert_int_equal(r[6].slot, 27);
	assert_int_equal(r[6].ioapic_irq, 16);
	assert_int_equal(r[6].isa_irq, 7);
	assert_int_equal(pci_get_intx_routes(r, 2), 7);	/* count anyway */

	/* Three functions share IOAPIC 18 / PIRQC: the line is their OR. */
	a = pci_get_devinst(0, 5, 0);
	b = pci_get_devinst(0, 5, 4);
	c = pci_get_devinst(0, 13, 0);
	pci_lintr_assert(a);
	pci_lintr_assert(b);
	pci_lintr_assert(c);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 18), 1);
	assert_int_equal(fake_count(F_ISA_ASSERT, 3), 1);
	pci_lintr_deassert(a);
	pci_lintr_deassert(c);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 18), 0);
	assert_int_equal(fake_count(F_ISA_DEASSERT, 3), 0);
	/* The guest moves PIRQC to IRQ 10 while the line is high. */
	pirq_write(NULL, 3, 0x0a);
	assert_int_equal(pirq_read(3), 0x0a);
	assert_int_equal(pirq_irq(3), 10);
	assert_int_equal(fake_count(F_ISA_DEASSERT, 3), 1);
	assert_int_equal(fake_count(F_ISA_ASSERT, 10), 1);
	pci_lintr_deassert(b);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 18), 1);
	assert_int_equal(fake_count(F_ISA_DEASSERT, 10), 1);
	/* Disabled, or steered to a forbidden IRQ: the PIC hears nothing. */
	pirq_write(NULL, 3, 0x8a);
	assert_int_equal(pirq_irq(3), -1);
	pci_lintr_assert(a);
	assert_int_equal(fake_count(F_IOAPIC_ASSERT, 18), 2);
	assert_int_equal(fake_count(F_ISA_ASSERT, 10), 1);
	pirq_write(NULL, 3, 0x08);	/* IRQ 8 is the RTC's */
	assert_int_equal(pirq_irq(3), -1);
	assert_int_equal(fake_nlog, 7);
	pirq_write(NULL, 3, 0x7b);	/* bits 6:4 are reserved */
	assert_int_equal(pirq_read(3), 0x0b);
	assert_int_equal(fake_count(F_ISA_ASSERT, 11), 1);
	pci_lintr_deassert(a);
	assert_int_equal(fake_count(F_ISA_DEASSERT, 11), 1);
	assert_int_equal(fake_count(F_IOAPIC_DEASSERT, 18), 2);
	/* Lines a pin never requested stay quiet. */
	pci_lintr_assert(pci_get_devinst(0, 2, 0));
	assert_int_equal(cfgr(0, 2, 0, PCIR_INTLINE, 1), 255);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_parse_slot_good),
		T(test_parse_slot_bad),
		T(test_finddev),
		T(test_cfg_sizes),
		T(test_cfg_address_register),
		T(test_cfg_write_rules),
		T(test_cfg_hooks),
		T(test_multifunction),
		T(test_bar_layout),
		T(test_bar_sizing),
		T(test_bar_decoding),
		T(test_capabilities),
		T(test_capability_overflow),
		T(test_intx),
		T(test_init_errors),
		T(test_amd_hostbridge_and_spelling),
		T(test_bar_allocation_many),
		T(test_ecam_equals_conf1),
		T(test_ecam_extended_and_odd),
		T(test_msi),
		T(test_msix),
		T(test_msi_and_msix_together),
		T(test_intx_routing),
	};
#undef T

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
