/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_acpi.c: unit tests of the AML encoder and of the ACPI tables
 * (checksums, field values, layout, bounds), with `iasl -d` as an oracle.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "platform/aml.h"
#include "platform/platform.h"

#define BASE	0xF0000ULL
#define LEN	0xF000

static uint8_t buf[LEN];

/* ---- helpers ---- */

static void
desc_default(struct platform_desc *d, int ncpu)
{

	platform_desc_init(d, ncpu, 2ULL << 30, 1ULL << 30);
	assert_int_equal(platform_lpc_add_uart(d, 1), 0);
	assert_int_equal(platform_lpc_add_uart(d, 2), 0);
	assert_int_equal(platform_lpc_add_kbd(d), 0);
	assert_int_equal(platform_intx_add(d, 3, 1, 16, 10), 0);
	assert_int_equal(platform_intx_add(d, 4, 1, 17, 11), 0);
	assert_int_equal(platform_intx_add(d, 4, 2, 18, -1), 0);
	d->vm_name = "vm0";
	d->hostname = "host";
}

static const uint8_t *
at(uint64_t gpa)
{

	assert_true(gpa >= BASE && gpa < BASE + LEN);
	return (buf + (gpa - BASE));
}

static uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return (v);
}

static uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return (v);
}

static uint64_t
rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return (v);
}

static uint8_t
sum8(const uint8_t *p, size_t n)
{
	uint8_t s;

	for (s = 0; n > 0; n--)
		s += *p++;
	return (s);
}

/* A table at gpa: right signature, length within the buffer, sum 0. */
static const uint8_t *
table(uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	t = at(gpa);
	assert_memory_equal(t, sig, 4);
	len = rd32(t + 4);
	assert_true(len >= 36 || memcmp(sig, "FACS", 4) == 0);
	assert_true(gpa + len <= BASE + LEN);
	if (memcmp(sig, "FACS", 4) != 0)
		assert_int_equal(sum8(t, len), 0);
	return (t);
}

static void
build(struct platform_desc *d, struct platform_addrs *a)
{

	assert_int_equal(platform_build(buf, sizeof(buf), BASE, d, a), 0);
}

/* ---- AML encoder ---- */

static void
expect_pkglen(size_t body, size_t n, const uint8_t *want)
{
	uint8_t out[4];

	assert_int_equal(aml_pkglength_encode(out, body), n);
	assert_memory_equal(out, want, n);
}

static void
test_aml_pkglength(void **state)
{

	(void)state;
	/* Encoded value = body + its own length; 1 byte up to 63. */
	expect_pkglen(0, 1, (const uint8_t[]){ 0x01 });
	expect_pkglen(62, 1, (const uint8_t[]){ 0x3F });
	/* 63: 64 does not fit one byte -> 2 bytes, value 65. */
	expect_pkglen(63, 2, (const uint8_t[]){ 0x41, 0x04 });
	/* Largest 2-byte value 4095 = body 4093. */
	expect_pkglen(4093, 2, (const uint8_t[]){ 0x4F, 0xFF });
	/* 4094 + 2 = 4096 does not fit -> 3 bytes, value 4097. */
	expect_pkglen(4094, 3, (const uint8_t[]){ 0x81, 0x00, 0x01 });
	/* Largest 3-byte value 0xFFFFF; next one needs 4 bytes. */
	expect_pkglen(0xFFFFF - 3, 3, (const uint8_t[]){ 0x8F, 0xFF, 0xFF });
	expect_pkglen(0xFFFFF - 2, 4,
	    (const uint8_t[]){ 0xC1, 0x00, 0x00, 0x01 });
	expect_pkglen(0xFFFFFFF - 4, 4,
	    (const uint8_t[]){ 0xCF, 0xFF, 0xFF, 0xFF });
	{
		uint8_t out[4];
		assert_int_equal(aml_pkglength_encode(out, 0xFFFFFFF - 3), 0);
	}
}

static void
expect_aml_int(uint64_t v, size_t n, const uint8_t *want)
{
	struct aml a;

	aml_init(&a);
	aml_integer(&a, v);
	assert_int_equal(aml_error(&a), 0);
	assert_int_equal(a.len, n);
	assert_memory_equal(a.buf, want, n);
	aml_fini(&a);
}

static void
test_aml_integer(void **state)
{

	(void)state;
	expect_aml_int(0, 1, (const uint8_t[]){ 0x00 });
	expect_aml_int(1, 1, (const uint8_t[]){ 0x01 });
	expect_aml_int(2, 2, (const uint8_t[]){ 0x0A, 0x02 });
	expect_aml_int(0xFF, 2, (const uint8_t[]){ 0x0A, 0xFF });
	expect_aml_int(0x100, 3, (const uint8_t[]){ 0x0B, 0x00, 0x01 });
	expect_aml_int(0xFFFF, 3, (const uint8_t[]){ 0x0B, 0xFF, 0xFF });
	expect_aml_int(0x10000, 5,
	    (const uint8_t[]){ 0x0C, 0x00, 0x00, 0x01, 0x00 });
	expect_aml_int(0xFFFFFFFF, 5,
	    (const uint8_t[]){ 0x0C, 0xFF, 0xFF, 0xFF, 0xFF });
	expect_aml_int(0x100000000ULL, 9, (const uint8_t[]){ 0x0E, 0, 0, 0, 0,
	    1, 0, 0, 0 });
	expect_aml_int(UINT64_MAX, 1, (const uint8_t[]){ 0xFF });
	expect_aml_int(UINT64_MAX - 1, 9, (const uint8_t[]){ 0x0E, 0xFE, 0xFF,
	    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
}

static void
expect_name(const char *path, int n, const char *want)
{
	uint8_t out[64];

	assert_int_equal(aml_namestring_encode(out, sizeof(out), path), n);
	if (n > 0)
		assert_memory_equal(out, want, (size_t)n);
}

static void
test_aml_namestring(void **state)
{

	(void)state;
	expect_name("_HID", 4, "_HID");
	expect_name("RTC", 4, "RTC_");
	expect_name("\\PICM", 5, "\\PICM");
	expect_name("\\_SB.PCI0", 10, "\\\x2E_SB_PCI0");
	expect_name("^FOO", 5, "^FOO_");
	expect_name("^^A.B", 11, "^^\x2E" "A___B___");
	expect_name("\\_SB.PCI0.ISA.COM1", 19, "\\\x2F\x04_SB_PCI0ISA_COM1");
	expect_name("\\", 2, "\\\x00");
	expect_name("", 1, "\x00");
	expect_name("1ABC", -EINVAL, NULL);
	expect_name("ABCDE", -EINVAL, NULL);
	expect_name("abc", -EINVAL, NULL);
	expect_name("A..B", -EINVAL, NULL);
	expect_name("A.", -EINVAL, NULL);
	expect_name("\\^A", -EINVAL, NULL);
	{
		uint8_t small[4];
		assert_int_equal(aml_namestring_encode(small, sizeof(small),
		    "\\_SB.PCI0"), -E2BIG);
	}
}

static void
test_aml_eisaid(void **state)
{

	(void)state;
	/* The values iasl produces for EisaId("...") */
	assert_int_equal(aml_eisaid_value("PNP0A03"), 0x030AD041);
	assert_int_equal(aml_eisaid_value("PNP0501"), 0x0105D041);
	assert_int_equal(aml_eisaid_value("PNP0C02"), 0x020CD041);
	assert_int_equal(aml_eisaid_value("PNP0a03"), 0);
	assert_int_equal(aml_eisaid_value("PNP0A0"), 0);
}

static void
expect_aml(struct aml *a, const uint8_t *want, size_t n)
{

	assert_int_equal(aml_error(a), 0);
	assert_int_equal(a->len, n);
	assert_memory_equal(a->buf, want, n);
	aml_fini(a);
}

static void
test_aml_constructs(void **state)
{
	static const uint8_t scope[] = {
		0x10, 0x13, '\\', '_', 'S', 'B', '_',
		0x5B, 0x82, 0x0B, 'P', 'C', 'I', '0',
		0x08, '_', 'U', 'I', 'D', 0x00,
	};
	static const uint8_t pkg[] = {
		0x12, 0x08, 0x03, 0x01, 0x0A, 0x02, 0x12, 0x02, 0x00,
	};
	static const uint8_t bufr[] = { 0x11, 0x05, 0x0A, 0x02, 0xAA, 0xBB };
	static const uint8_t method[] = {
		0x14, 0x0D, '_', 'P', 'I', 'C', 0x01,
		0x70, 0x68, '\\', 'P', 'I', 'C', 'M',
	};
	static const uint8_t ifelse[] = {
		0xA0, 0x04, 0x01, 0xA4, 0x00,
		0xA1, 0x03, 0xA4, 0x01,
	};
	static const uint8_t str[] = { 0x0D, 'a', 'b', 0x00 };
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_scope(&a, "\\_SB");
	aml_device(&a, "PCI0");
	aml_name(&a, "_UID");
	aml_integer(&a, 0);
	aml_end(&a);
	aml_end(&a);
	expect_aml(&a, scope, sizeof(scope));

	aml_init(&a);
	aml_package(&a);
	aml_integer(&a, 1);
	aml_integer(&a, 2);
	aml_package(&a);
	aml_end(&a);
	aml_end(&a);
	expect_aml(&a, pkg, sizeof(pkg));

	aml_init(&a);
	aml_buffer(&a);
	aml_bytes(&a, "\xAA\xBB", 2);
	aml_end(&a);
	expect_aml(&a, bufr, sizeof(bufr));

	aml_init(&a);
	aml_method(&a, "_PIC", 1, false);
	aml_store(&a);
	aml_arg(&a, 0);
	aml_nameref(&a, "\\PICM");
	aml_end(&a);
	expect_aml(&a, method, sizeof(method));

	aml_init(&a);
	aml_if(&a);
	aml_integer(&a, 1);
	aml_return(&a);
	aml_integer(&a, 0);
	aml_end(&a);
	aml_else(&a);
	aml_return(&a);
	aml_integer(&a, 1);
	aml_end(&a);
	expect_aml(&a, ifelse, sizeof(ifelse));

	aml_init(&a);
	aml_string(&a, "ab");
	expect_aml(&a, str, sizeof(str));
}

static void
test_aml_big_package(void **state)
{
	struct aml a;
	int i;

	(void)state;
	/* 30 words: 90 bytes of elements -> a 2-byte PkgLength. */
	aml_init(&a);
	aml_package(&a);
	for (i = 0; i < 30; i++)
		aml_integer(&a, 0x1234);
	aml_end(&a);
	assert_int_equal(aml_error(&a), 0);
	assert_int_equal(a.len, 1 + 2 + 1 + 90);
	assert_int_equal(a.buf[0], 0x12);
	/* value 93 = 0x5D: lead 0x4D, then 0x05 */
	assert_int_equal(a.buf[1], 0x4D);
	assert_int_equal(a.buf[2], 0x05);
	assert_int_equal(a.buf[3], 30);
	assert_int_equal(a.buf[4], 0x0B);
	aml_fini(&a);

	/* 300 elements: VarPackage with a Word count. */
	aml_init(&a);
	aml_package(&a);
	for (i = 0; i < 300; i++)
		aml_integer(&a, 0);
	aml_end(&a);
	assert_int_equal(aml_error(&a), 0);
	assert_int_equal(a.buf[0], 0x13);
	/* body = 3 (count) + 300 -> value 305 = 0x131: 0x41, 0x13 */
	assert_int_equal(a.buf[1], 0x41);
	assert_int_equal(a.buf[2], 0x13);
	assert_int_equal(a.buf[3], 0x0B);
	assert_int_equal(rd16(&a.buf[4]), 300);
	assert_int_equal(a.len, 3 + 3 + 300);
	aml_fini(&a);
}

static void
test_aml_errors(void **state)
{
	struct aml a;
	int i;

	(void)state;
	aml_init(&a);
	aml_end(&a);			/* nothing open */
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_fini(&a);

	aml_init(&a);
	aml_scope(&a, "\\_SB");		/* never closed */
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_fini(&a);

	aml_init(&a);
	aml_device(&a, "lower");
	aml_end(&a);
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_fini(&a);

	aml_init(&a);
	aml_eisaid(&a, "BAD");
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_fini(&a);

	aml_init(&a);
	for (i = 0; i < AML_MAX_DEPTH + 1; i++)
		aml_package(&a);
	assert_int_equal(aml_error(&a), -E2BIG);
	aml_fini(&a);

	aml_init(&a);
	aml_restemplate(&a);
	aml_rd_irq_noflags(&a, 16);
	aml_restemplate_end(&a);
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_fini(&a);
}

static void
test_aml_resources(void **state)
{
	static const uint8_t io[] = { 0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03,
	    0x01, 0x08 };
	static const uint8_t irq[] = { 0x22, 0x10, 0x00 };
	static const uint8_t mem[] = { 0x86, 0x09, 0x00, 0x01, 0x00, 0x00,
	    0xD0, 0xFE, 0x00, 0x04, 0x00, 0x00 };
	static const uint8_t bus[] = { 0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t intr[] = { 0x89, 0x06, 0x00, 0x0D, 0x01,
	    0x10, 0x00, 0x00, 0x00 };
	struct aml a;
	size_t off;

	(void)state;
	aml_init(&a);
	aml_restemplate(&a);
	aml_rd_io(&a, 0x3F8, 0x3F8, 1, 8);
	aml_rd_irq_noflags(&a, 4);
	aml_rd_mem32_fixed(&a, true, 0xFED00000, 0x400);
	aml_rd_word_bus(&a, 0, 255);
	aml_rd_dword_mem(&a, false, 0xC0000000, 0xDFFFFFFF);
	aml_rd_qword_mem(&a, true, 0x800000000ULL, 0xFFFFFFFFFULL);
	aml_rd_interrupt(&a, true, true, true, 16);
	aml_restemplate_end(&a);
	assert_int_equal(aml_error(&a), 0);

	/* Buffer, PkgLength (2 bytes: body > 62), BufferSize (byte). */
	assert_int_equal(a.buf[0], 0x11);
	assert_int_equal(a.buf[1] >> 6, 1);
	assert_int_equal(a.buf[3], 0x0A);
	assert_int_equal(a.buf[4], a.len - 5);
	off = 5;
	assert_memory_equal(a.buf + off, io, sizeof(io));
	off += sizeof(io);
	assert_memory_equal(a.buf + off, irq, sizeof(irq));
	off += sizeof(irq);
	assert_memory_equal(a.buf + off, mem, sizeof(mem));
	off += sizeof(mem);
	assert_memory_equal(a.buf + off, bus, sizeof(bus));
	off += sizeof(bus);
	/* DWordMemory: tag 0x87, length 0x17, type 0, flags, RW, ... */
	assert_int_equal(a.buf[off], 0x87);
	assert_int_equal(rd16(&a.buf[off + 1]), 0x17);
	assert_int_equal(a.buf[off + 5], 0x01);
	assert_int_equal(rd32(&a.buf[off + 10]), 0xC0000000);
	assert_int_equal(rd32(&a.buf[off + 14]), 0xDFFFFFFF);
	assert_int_equal(rd32(&a.buf[off + 22]), 0x20000000);
	off += 3 + 0x17;
	assert_int_equal(a.buf[off], 0x8A);
	assert_int_equal(rd16(&a.buf[off + 1]), 0x2B);
	assert_int_equal(a.buf[off + 5], 0x03);
	assert_int_equal(rd64(&a.buf[off + 14]), 0x800000000ULL);
	assert_int_equal(rd64(&a.buf[off + 38]), 0x800000000ULL);
	off += 3 + 0x2B;
	assert_memory_equal(a.buf + off, intr, sizeof(intr));
	off += sizeof(intr);
	assert_int_equal(a.buf[off], 0x79);
	assert_int_equal(a.buf[off + 1], 0x00);
	assert_int_equal(off + 2, a.len);
	aml_fini(&a);
}

/* ---- tables ---- */

/* The first valid RSDP on a 16-byte boundary, as an OS scans for it. */
static uint64_t
scan_rsdp(void)
{
	size_t off;

	for (off = 0; off + 36 <= LEN; off += 16)
		if (memcmp(buf + off, "RSD PTR ", 8) == 0 &&
		    sum8(buf + off, 20) == 0 && sum8(buf + off, 36) == 0)
			return (BASE + off);
	return (0);
}

static void
test_rsdp(void **state)
{
	struct platform_desc d;
	struct platform_addrs a;
	const uint8_t *r;

	(void)state;
	desc_default(&d, 4);
	build(&d, &a);
	assert_int_not_equal(a.rsdp, 0);
	assert_int_equal(a.rsdp % 16, 0);
	assert_int_equal(scan_rsdp(), a.rsdp);
	r = at(a.rsdp);
	assert_int_equal(r[15], 2);			/* revision */
	assert_int_equal(rd32(r + 16), a.rsdt);
	assert_int_equal(rd32(r + 20), 36);		/* length */
	assert_int_equal(rd64(r + 24), a.xsdt);
	assert_memory_equal(r + 9, "LHYVE ", 6);
	assert_true(a.end <= BASE + LEN);
}

static void
test_sdt(void **state)
{
	struct platform_desc d;
	struct platform_addrs a;
	const uint8_t *x, *r, *t;
	uint32_t n, i;
	int seen_fadt, seen_madt, seen_hpet, seen_mcfg;

	(void)state;
	desc_default(&d, 4);
	build(&d, &a);
	x = table(a.xsdt, "XSDT");
	r = table(a.rsdt, "RSDT");
	n = (rd32(x + 4) - 36) / 8;
	assert_int_equal(n, 4);
	assert_int_equal((rd32(r + 4) - 36) / 4, n);
	seen_fadt = seen_madt = seen_hpet = seen_mcfg = 0;
	for (i = 0; i < n; i++) {
		uint64_t g = rd64(x + 36 + 8 * i);
		assert_int_equal(rd32(r + 36 + 4 * i), g);
		assert_int_equal(g % 16, 0);
		t = at(g);
		if (memcmp(t, "FACP", 4) == 0) {
			table(g, "FACP");
			seen_fadt++;
			assert_int_equal(i, 0);
		} else if (memcmp(t, "APIC", 4) == 0) {
			table(g, "APIC");
			seen_madt++;
		} else if (memcmp(t, "HPET", 4) == 0) {
			table(g, "HPET");
			seen_hpet++;
		} else if (memcmp(t, "MCFG", 4) == 0) {
			table(g, "MCFG");
			seen_mcfg++;
		} else
			fail_msg("unexpected table %.4s", (const char *)t);
	}
	assert_int_equal(seen_fadt + seen_madt + seen_hpet + seen_mcfg, 4);
	assert_int_equal(seen_fadt * seen_madt * seen_hpet * seen_mcfg, 1);

	/* Without HPET and ECAM: two tables. */
	d.hpet = false;
	d.ecam_base = 0;
	build(&d, &a);
	x = table(a.xsdt, "XSDT");
	assert_int_equal(rd32(x + 4), 36 + 2 * 8);
	assert_int_equal(a.hpet, 0);
	assert_int_equal(a.mcfg, 0);
}

static void
check_gas(const uint8_t *g, uint8_t space, uint8_t bits, uint8_t access,
    uint64_t addr)
{

	assert_int_equal(g[0], space);
	assert_int_equal(g[1], bits);
	assert_int_equal(g[2], 0);
	assert_int_equal(g[3], access);
	assert_int_equal(rd64(g + 4), addr);
}

static void
test_fadt(void **state)
{
	struct platform_desc d;
	struct platform_addrs a;
	const uint8_t *f, *facs;
	uint32_t flags;

	(void)state;
	desc_default(&d, 2);
	build(&d, &a);
	f = table(a.fadt, "FACP");
	assert_int_equal(rd32(f + 4), 276);
	assert_int_equal(f[8], 6);			/* revision */
	assert_int_equal(rd32(f + 36), a.facs);
	assert_int_equal(rd32(f + 40), a.dsdt);
	assert_int_equal(rd64(f + 132), a.facs);	/* X_FIRMWARE_CTRL */
	assert_int_equal(rd64(f + 140), a.dsdt);	/* X_DSDT */
	assert_int_equal(rd16(f + 46), 9);		/* SCI_INT */
	assert_int_equal(rd32(f + 48), 0xB2);		/* SMI_CMD */
	assert_int_equal(f[52], 0xA0);
	assert_int_equal(f[53], 0xA1);
	assert_int_equal(rd32(f + 56), 0x400);		/* PM1a_EVT_BLK */
	assert_int_equal(rd32(f + 60), 0);
	assert_int_equal(rd32(f + 64), 0x404);		/* PM1a_CNT_BLK */
	assert_int_equal(rd32(f + 76), 0x408);		/* PM_TMR_BLK */
	assert_int_equal(f[88], 4);
	assert_int_equal(f[89], 2);
	assert_int_equal(f[91], 4);
	assert_int_equal(f[108], 0x32);			/* CENTURY */
	/* IAPC_BOOT_ARCH: legacy devices, 8042, no VGA, no ASPM */
	assert_int_equal(rd16(f + 109), 0x0017);
	flags = rd32(f + 112);
	assert_true(flags & (1u << 10));		/* RESET_REG_SUP */
	assert_false(flags & (1u << 4));		/* fixed power button */
	assert_true(flags & (1u << 8));			/* 32-bit timer */
	assert_false(flags & (1u << 20));		/* not HW_REDUCED */
	assert_int_equal(flags, 0x00080525);
	check_gas(f + 116, 1, 8, 1, 0xCF9);		/* RESET_REG */
	assert_int_equal(f[128], 6);			/* RESET_VALUE */
	check_gas(f + 148, 1, 32, 2, 0x400);		/* X_PM1a_EVT_BLK */
	check_gas(f + 160, 0, 0, 0, 0);
	check_gas(f + 172, 1, 16, 2, 0x404);		/* X_PM1a_CNT_BLK */
	check_gas(f + 208, 1, 32, 3, 0x408);		/* X_PM_TMR_BLK */

	facs = at(a.facs);
	assert_int_equal(a.facs % 64, 0);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(rd32(facs + 4), 64);
	assert_int_equal(facs[32], 2);			/* version */

	table(a.dsdt, "DSDT");
	assert_int_equal(at(a.dsdt)[8], 2);		/* 64-bit integers */

	/* No 8042, no SMI_CMD, 24-bit timer, VGA. */
	platform_desc_init(&d, 1, 1ULL << 30, 0);
	d.hostname = "h";
	d.smi_cmd = 0;
	d.pm_tmr_32bit = false;
	d.vga = true;
	build(&d, &a);
	f = table(a.fadt, "FACP");
	assert_int_equal(rd16(f + 109), 0x0011);
	assert_int_equal(rd32(f + 48), 0);
	assert_int_equal(f[52], 0);
	assert_false(rd32(f + 112) & (1u << 8));
}

static void
check_madt(int ncpu)
{
	struct platform_desc d;
	struct platform_addrs a;
	const uint8_t *m, *e, *end;
	int nlapic, nio, niso, nnmi;

	desc_default(&d, ncpu);
	build(&d, &a);
	m = table(a.madt, "APIC");
	assert_int_equal(rd32(m + 36), 0xFEE00000);
	assert_int_equal(rd32(m + 40), 1);		/* PCAT_COMPAT */
	nlapic = nio = niso = nnmi = 0;
	end = m + rd32(m + 4);
	for (e = m + 44; e < end; e += e[1]) {
		assert_true(e[1] >= 2 && e + e[1] <= end);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], 8);
			assert_int_equal(e[2], nlapic);	/* UID */
			assert_int_equal(e[3], nlapic);	/* APIC ID = index */
			assert_int_equal(rd32(e + 4), 1);
			nlapic++;
			break;
		case 1:
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], 0);
			assert_int_equal(rd32(e + 4), 0xFEC00000);
			assert_int_equal(rd32(e + 8), 0);
			nio++;
			break;
		case 2:
			assert_int_equal(e[1], 10);
			assert_int_equal(e[2], 0);
			if (niso == 0) {
				assert_int_equal(e[3], 0);
				assert_int_equal(rd32(e + 4), 2);
				assert_int_equal(rd16(e + 8), 0x0005);
			} else {
				assert_int_equal(e[3], 9);
				assert_int_equal(rd32(e + 4), 9);
				assert_int_equal(rd16(e + 8), 0x000F);
			}
			niso++;
			break;
		case 4:
			assert_int_equal(e[1], 6);
			assert_int_equal(e[2], 0xFF);
			assert_int_equal(e[5], 1);	/* LINT1 */
			nnmi++;
			break;
		default:
			fail_msg("unexpected MADT entry %u", e[0]);
		}
	}
	assert_ptr_equal(e, end);
	assert_int_equal(nlapic, ncpu);
	assert_int_equal(nio, 1);
	assert_int_equal(niso, 2);
	assert_int_equal(nnmi, 1);
}

static void
test_madt(void **state)
{

	(void)state;
	check_madt(1);
	check_madt(4);
	check_madt(64);
}

static void
test_hpet_mcfg(void **state)
{
	struct platform_desc d;
	struct platform_addrs a;
	const uint8_t *h, *m;

	(void)state;
	desc_default(&d, 1);
	build(&d, &a);
	h = table(a.hpet, "HPET");
	assert_int_equal(rd32(h + 4), 56);
	assert_int_equal(rd32(h + 36), 0x8086A701);
	check_gas(h + 40, 0, 0, 0, 0xFED00000);
	assert_int_equal(h[55], 1);
	m = table(a.mcfg, "MCFG");
	assert_int_equal(rd32(m + 4), 60);
	assert_int_equal(rd64(m + 44), 0xE0000000);
	assert_int_equal(rd16(m + 52), 0);
	assert_int_equal(m[54], 0);
	assert_int_equal(m[55], 255);

	d.bus_end = 63;
	build(&d, &a);
	m = table(a.mcfg, "MCFG");
	assert_int_equal(m[55], 63);
}

/* Every length short of what is needed fails and writes nothing past it. */
static void
test_bounds(void **state)
{
	static uint8_t big[LEN + 64];
	struct platform_desc d;
	struct platform_addrs a;
	size_t need, len;
	int err, i;

	(void)state;
	desc_default(&d, 8);
	assert_int_equal(platform_build(big, LEN, BASE, &d, &a), 0);
	need = a.end - BASE;
	for (len = 0; len < need; len++) {
		memset(big, 0xA5, sizeof(big));
		err = platform_build(big, len, BASE, &d, &a);
		assert_int_equal(err, -ENOSPC);
		assert_int_equal(a.rsdp, 0);
		for (i = 0; i < 64; i++)
			assert_int_equal(big[len + i], 0xA5);
	}
	assert_int_equal(platform_build(big, need, BASE, &d, &a), 0);
	assert_int_equal(a.end, BASE + need);
}

static void
test_bad_desc(void **state)
{
	struct platform_desc d;
	struct platform_addrs a;

	(void)state;
	desc_default(&d, 0);
	assert_int_equal(platform_build(buf, LEN, BASE, &d, &a), -EINVAL);
	desc_default(&d, 2);
	d.pci_io_base = 0x800;
	assert_int_equal(platform_build(buf, LEN, BASE, &d, &a), -EINVAL);
	desc_default(&d, 2);
	d.uuid = "not-a-uuid";
	assert_int_equal(platform_build(buf, LEN, BASE, &d, &a), -EINVAL);
	desc_default(&d, 2);
	/* Tables must stay below 4 GiB (32-bit pointers). */
	assert_int_equal(platform_build(buf, LEN, (1ULL << 32) - 0x100, &d,
	    &a), -EINVAL);

	assert_int_equal(platform_intx_add(&d, 32, 1, 16, -1), -EINVAL);
	assert_int_equal(platform_intx_add(&d, 1, 5, 16, -1), -EINVAL);
	assert_int_equal(platform_lpc_add_uart(&d, 5), -EINVAL);
	assert_int_equal(platform_lpc_add(&d, "TOOLONG", "PNP0501", 0, 4, 0,
	    NULL), -EINVAL);
}

/* ---- iasl as an oracle ---- */

/* -n: 4 vCPUs, 2 GiB low + 1 GiB high RAM, domain 0 = 2.5 GiB with vCPUs
 * 0-1, domain 1 = 0.5 GiB with vCPUs 2-3. */
static void
desc_numa(struct platform_desc *d)
{

	desc_default(d, 4);
	d->ndomains = 2;
	d->numa_mem[0] = 5ULL << 29;
	d->numa_mem[1] = 1ULL << 29;
	d->cpu_domain[2] = d->cpu_domain[3] = 1;
}

static void
check_srat_mem(const uint8_t *m, uint32_t dom, uint64_t base, uint64_t len)
{

	assert_int_equal(m[0], 1);			/* Memory Affinity */
	assert_int_equal(m[1], 40);
	assert_int_equal(rd32(m + 2), dom);
	assert_int_equal(rd16(m + 6), 0);
	assert_int_equal(rd64(m + 8), base);
	assert_int_equal(rd64(m + 16), len);
	assert_int_equal(rd32(m + 24), 0);
	assert_int_equal(rd32(m + 28), 1);		/* enabled */
	assert_int_equal(rd64(m + 32), 0);
}

static void
test_srat_slit(void **state)
{
	struct platform_desc d;
	struct platform_addrs a;
	const uint8_t *t, *x, *e;
	uint32_t n, i;
	int seen = 0;

	(void)state;
	desc_numa(&d);
	build(&d, &a);
	/* Both listed in the XSDT (and RSDT) after the others. */
	x = table(a.xsdt, "XSDT");
	n = (rd32(x + 4) - 36) / 8;
	assert_int_equal(n, 6);
	for (i = 0; i < n; i++) {
		if (rd64(x + 36 + 8 * i) == a.srat)
			seen |= 1;
		if (rd64(x + 36 + 8 * i) == a.slit)
			seen |= 2;
	}
	assert_int_equal(seen, 3);

	/* SRAT: header, 4 CPUs, domain 0 split at the hole, domain 1. */
	t = table(a.srat, "SRAT");
	assert_int_equal(t[8], 3);			/* revision */
	assert_int_equal(rd32(t + 4), 48 + 4 * 16 + 3 * 40);
	assert_int_equal(rd32(t + 36), 1);		/* reserved = 1 */
	assert_int_equal(rd64(t + 40), 0);
	for (i = 0; i < 4; i++) {
		e = t + 48 + 16 * i;
		assert_int_equal(e[0], 0);		/* LAPIC affinity */
		assert_int_equal(e[1], 16);
		assert_int_equal(e[2], i < 2 ? 0 : 1);	/* proximity */
		assert_int_equal(e[3], i);		/* APIC ID */
		assert_int_equal(rd32(e + 4), 1);	/* enabled */
		assert_int_equal(e[8], 0);
		assert_int_equal(e[9] | e[10] | e[11], 0);
		assert_int_equal(rd32(e + 12), 0);
	}
	e = t + 48 + 4 * 16;
	check_srat_mem(e, 0, 0, 2ULL << 30);
	check_srat_mem(e + 40, 0, 4ULL << 30, 1ULL << 29);
	check_srat_mem(e + 80, 1, (4ULL << 30) + (1ULL << 29), 1ULL << 29);

	/* SLIT: 2 localities, 10 to itself, 20 to the other. */
	t = table(a.slit, "SLIT");
	assert_int_equal(t[8], 1);
	assert_int_equal(rd32(t + 4), 36 + 8 + 4);
	assert_int_equal(rd64(t + 36), 2);
	assert_memory_equal(t + 44, "\x0a\x14\x14\x0a", 4);

	/* One domain holding all RAM: one piece per RAM range. */
	desc_default(&d, 1);
	d.ndomains = 1;
	d.numa_mem[0] = 3ULL << 30;
	build(&d, &a);
	t = table(a.srat, "SRAT");
	assert_int_equal(rd32(t + 4), 48 + 16 + 2 * 40);
	check_srat_mem(t + 64, 0, 0, 2ULL << 30);
	check_srat_mem(t + 104, 0, 4ULL << 30, 1ULL << 30);
	assert_int_equal(rd64(table(a.slit, "SLIT") + 36), 1);

	/* Without -n: neither table. */
	desc_default(&d, 4);
	build(&d, &a);
	assert_int_equal(a.srat, 0);
	assert_int_equal(a.slit, 0);

	/* Inconsistent descriptions are refused. */
	desc_numa(&d);
	d.numa_mem[1] += 4096;			/* more than the RAM */
	assert_int_equal(platform_build(buf, sizeof(buf), BASE, &d, &a),
	    -EINVAL);
	desc_numa(&d);
	d.cpu_domain[3] = 2;			/* no such domain */
	assert_int_equal(platform_build(buf, sizeof(buf), BASE, &d, &a),
	    -EINVAL);
	desc_numa(&d);
	d.numa_mem[0] += d.numa_mem[1];
	d.numa_mem[1] = 0;			/* a domain without RAM */
	assert_int_equal(platform_build(buf, sizeof(buf), BASE, &d, &a),
	    -EINVAL);
	desc_numa(&d);
	d.ndomains = PLATFORM_MAX_DOMAINS + 1;
	assert_int_equal(platform_build(buf, sizeof(buf), BASE, &d, &a),
	    -EINVAL);
}

static bool
have_iasl(void)
{

	return (system("command -v iasl >/dev/null 2>&1") == 0);
}

static char *
slurp(const char *path)
{
	FILE *f;
	char *s;
	long n;

	f = fopen(path, "rb");
	if (f == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (s != NULL && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return (s);
}

/* Output (stdout and stderr) of a shell command, or NULL. */
static char *
run(const char *cmd)
{
	char full[1024];

	snprintf(full, sizeof(full), "%s > iasl.out 2>&1", cmd);
	if (system(full) == -1)
		return (NULL);
	return (slurp("iasl.out"));
}

static bool
clean(const char *s)
{

	return (strstr(s, "Error") == NULL && strstr(s, "Warning") == NULL &&
	    strstr(s, "Incorrect") == NULL && strstr(s, "Invalid") == NULL &&
	    strstr(s, "WARNING") == NULL && strstr(s, "ERROR") == NULL);
}

/* Write the table at gpa to SIG.dat and disassemble it; returns the dsl. */
static char *
iasl_disasm(uint64_t gpa, bool expect_clean)
{
	const uint8_t *t;
	const char *sig;
	char name[16], cmd[64], dsl[16];
	char *out, *text;
	uint32_t len;
	FILE *f;

	t = at(gpa);
	len = rd32(t + 4);
	sig = (const char *)t;
	snprintf(name, sizeof(name), "%.4s.dat", sig);
	snprintf(dsl, sizeof(dsl), "%.4s.dsl", sig);
	f = fopen(name, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(t, 1, len, f), len);
	fclose(f);
	unlink(dsl);
	snprintf(cmd, sizeof(cmd), "iasl -d %s", name);
	out = run(cmd);
	assert_non_null(out);
	if (expect_clean && !clean(out))
		fail_msg("iasl -d %s:\n%s", name, out);
	text = slurp(dsl);
	if (text == NULL)
		fail_msg("iasl -d %s wrote no %s:\n%s", name, dsl, out);
	if (expect_clean && !clean(text))
		fail_msg("%s has warnings:\n%s", dsl, text);
	free(out);
	return (text);
}

static void
test_iasl(void **state)
{
	static const char *const want[] = {
		"Device (PCI0)", "EisaId (\"PNP0A03\")", "Name (_BBN, Zero)",
		"WordBusNumber (ResourceProducer", "0x0CF7,",
		"QWordMemory (ResourceProducer", "0xDFFFFFFF,",
		"Method (_PRT, 0", "Method (_PIC, 1", "Name (_S5, Package",
		"0x0003FFFF,", "Device (ISA)", "Name (_ADR, 0x001F0000)",
		"Device (COM1)", "Device (COM2)", "EisaId (\"PNP0501\")",
		"Device (RTC)", "EisaId (\"PNP0B00\")", "Device (TIMR)",
		"EisaId (\"PNP0100\")", "Device (PIC)", "EisaId (\"PNP0000\")",
		"Device (KBD)", "EisaId (\"PNP0303\")", "Device (HPET)",
		"EisaId (\"PNP0103\")", "0xFED00000,", "Device (MRES)",
		"0xE0000000,",
	};
	static const char *const want_srat[] = {
		"Processor Local APIC/SAPIC Affinity", "Memory Affinity",
		"Base Address : 0000000100000000",
		"Address Length : 0000000020000000",
		"Base Address : 0000000120000000",
		"Proximity Domain : 00000001",
	};
	static const char *const want_fwcf[] = {
		"Device (FWCF)", "Name (_HID, \"QEMU0002\")",
		"Name (_STA, 0x0B)", "0x0510,", "0x0C,",
	};
	static const char *const want_slit[] = {
		"Localities : 0000000000000002", "0A 14", "14 0A",
	};
	struct platform_desc d;
	struct platform_addrs a;
	char dir[] = "/tmp/lhyve-acpi-XXXXXX";
	char cwd[4096], *text, *out;
	uint8_t saved;
	size_t i;

	(void)state;
	if (!have_iasl()) {
		print_message("iasl not installed (acpica-tools): skipped\n");
		skip();
	}
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);

	desc_default(&d, 4);
	build(&d, &a);
	/*
	 * Not the RSDP: iasl takes only tables with a header from a binary
	 * file ("RSD " is no valid signature); test_rsdp checks it.
	 */
	free(iasl_disasm(a.rsdt, true));
	free(iasl_disasm(a.xsdt, true));
	free(iasl_disasm(a.fadt, true));
	free(iasl_disasm(a.facs, true));
	free(iasl_disasm(a.madt, true));
	free(iasl_disasm(a.hpet, true));
	free(iasl_disasm(a.mcfg, true));
	text = iasl_disasm(a.dsdt, true);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(text, want[i]) == NULL)
			fail_msg("DSDT lacks \"%s\":\n%s", want[i], text);
	free(text);

	/* The disassembled DSDT compiles back without complaint. */
	out = run("iasl -p redsdt DSDT.dsl");
	assert_non_null(out);
	if (strstr(out, "0 Errors, 0 Warnings, 0 Remarks") == NULL)
		fail_msg("iasl DSDT.dsl:\n%s", out);
	free(out);

	/* The oracle can fail: a broken checksum is reported. */
	saved = buf[a.hpet - BASE + 9];
	buf[a.hpet - BASE + 9] ^= 0x5A;
	text = iasl_disasm(a.hpet, false);
	assert_non_null(strstr(text, "Incorrect checksum"));
	free(text);
	buf[a.hpet - BASE + 9] = saved;

	/* -n: SRAT and SLIT as iasl decodes them. */
	desc_numa(&d);
	build(&d, &a);
	text = iasl_disasm(a.srat, true);
	for (i = 0; i < sizeof(want_srat) / sizeof(want_srat[0]); i++)
		if (strstr(text, want_srat[i]) == NULL)
			fail_msg("SRAT lacks \"%s\":\n%s", want_srat[i], text);
	free(text);
	text = iasl_disasm(a.slit, true);
	for (i = 0; i < sizeof(want_slit) / sizeof(want_slit[0]); i++)
		if (strstr(text, want_slit[i]) == NULL)
			fail_msg("SLIT lacks \"%s\":\n%s", want_slit[i], text);
	free(text);
	/* -f: the fw_cfg device in the DSDT, and it compiles back. */
	d.fwcfg = true;
	build(&d, &a);
	text = iasl_disasm(a.dsdt, true);
	for (i = 0; i < sizeof(want_fwcf) / sizeof(want_fwcf[0]); i++)
		if (strstr(text, want_fwcf[i]) == NULL)
			fail_msg("DSDT lacks \"%s\":\n%s", want_fwcf[i], text);
	free(text);
	out = run("iasl -p redsdt DSDT.dsl");
	assert_non_null(out);
	if (strstr(out, "0 Errors, 0 Warnings, 0 Remarks") == NULL)
		fail_msg("iasl DSDT.dsl (FWCF):\n%s", out);
	free(out);

	assert_int_equal(system("rm -f *.dat *.dsl *.aml iasl.out"), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aml_pkglength),
		cmocka_unit_test(test_aml_integer),
		cmocka_unit_test(test_aml_namestring),
		cmocka_unit_test(test_aml_eisaid),
		cmocka_unit_test(test_aml_constructs),
		cmocka_unit_test(test_aml_big_package),
		cmocka_unit_test(test_aml_errors),
		cmocka_unit_test(test_aml_resources),
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_sdt),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_hpet_mcfg),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_bad_desc),
		cmocka_unit_test(test_srat_slit),
		cmocka_unit_test(test_iasl),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
