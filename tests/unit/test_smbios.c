/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_smbios.c: unit tests of the SMBIOS tables: entry point and
 * checksums, a walk of every structure, the UUID, memory sizes, and
 * `dmidecode --from-dump` as an oracle.
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

#include "platform/platform.h"
#include "platform/platform_priv.h"

#define BASE	0xF0000ULL
#define LEN	0xF000

static uint8_t buf[LEN];

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

static void
desc(struct platform_desc *d, int ncpu, uint64_t low, uint64_t high)
{

	platform_desc_init(d, ncpu, low, high);
	d->vm_name = "vm0";
	d->hostname = "host";
}

/* The legacy scan for the 2.1 entry point (Linux dmi_scan_machine()). */
static const uint8_t *
scan_ep(void)
{
	size_t off;

	for (off = 0; off + 31 <= LEN; off += 16)
		if (memcmp(buf + off, "_SM_", 4) == 0 &&
		    sum8(buf + off, buf[off + 5]) == 0 &&
		    memcmp(buf + off + 16, "_DMI_", 5) == 0 &&
		    sum8(buf + off + 16, 15) == 0)
			return (buf + off);
	return (NULL);
}

struct sm {
	const uint8_t *s[64];		/* formatted areas, in order */
	int n;
};

/* The string number 'idx' of structure s (1-based). */
static const char *
sm_str(const uint8_t *s, int idx)
{
	const char *p;

	p = (const char *)s + s[1];
	while (--idx > 0)
		p += strlen(p) + 1;
	return (p);
}

static const uint8_t *
walk(const struct platform_desc *d, struct sm *sm)
{
	struct platform_addrs a;
	const uint8_t *ep, *t, *p, *end;
	size_t maxlen, l;

	assert_int_equal(platform_build(buf, LEN, BASE, d, &a), 0);
	ep = scan_ep();
	assert_non_null(ep);
	assert_int_equal(BASE + (uint64_t)(ep - buf), a.smbios);
	assert_int_equal(ep[5], 0x1F);
	assert_int_equal(ep[6], 2);
	assert_int_equal(ep[7], 8);
	assert_int_equal(ep[0x1E], 0x28);
	t = buf + (rd32(ep + 0x18) - BASE);
	end = t + rd16(ep + 0x16);
	sm->n = 0;
	maxlen = 0;
	for (p = t; p < end;) {
		const uint8_t *s = p;
		assert_true(s[1] >= 4);
		assert_int_equal(rd16(s + 2), sm->n);	/* handle */
		p += s[1];
		/* strings, then one NUL (or two without strings) */
		if (p[0] == 0)
			p += 2;
		else {
			while (p[0] != 0)
				p += strlen((const char *)p) + 1;
			p++;
		}
		l = (size_t)(p - s);
		if (l > maxlen)
			maxlen = l;
		assert_true(sm->n < 64);
		sm->s[sm->n++] = s;
		if (s[0] == 127)
			break;
	}
	assert_ptr_equal(p, end);
	assert_int_equal(sm->n, rd16(ep + 0x1C));
	assert_int_equal(maxlen, rd16(ep + 8));
	return (ep);
}

static void
test_structs(void **state)
{
	static const uint8_t types[] = { 0, 1, 3, 4, 4, 4, 16, 17, 19, 19,
	    32, 127 };
	struct platform_desc d;
	struct sm sm;
	const uint8_t *s;
	int i;

	(void)state;
	desc(&d, 3, 2ULL << 30, 1ULL << 30);
	walk(&d, &sm);
	assert_int_equal(sm.n, sizeof(types));
	for (i = 0; i < sm.n; i++)
		assert_int_equal(sm.s[i][0], types[i]);

	s = sm.s[0];
	assert_string_equal(sm_str(s, s[4]), "BHYVE");
	s = sm.s[1];
	assert_int_equal(s[1], 27);
	assert_string_equal(sm_str(s, s[4]), "lhyve");
	assert_string_equal(sm_str(s, s[5]), "BHYVE");
	assert_string_equal(sm_str(s, s[0x1A]), "Virtual Machine");
	for (i = 0; i < 3; i++) {
		s = sm.s[3 + i];
		assert_int_equal(s[1], 0x2A);
		assert_string_equal(sm_str(s, s[4]),
		    i == 0 ? "CPU #0" : i == 1 ? "CPU #1" : "CPU #2");
		assert_int_equal(rd32(s + 8), d.cpu_signature);
		assert_int_equal(s[0x23], 1);		/* cores */
		assert_int_equal(s[0x25], 1);		/* threads */
	}
	s = sm.s[6];					/* type 16 */
	assert_int_equal(rd64(s + 0x0F), 3ULL << 30);
	s = sm.s[7];					/* type 17 */
	assert_int_equal(rd16(s + 4), rd16(sm.s[6] + 2));
	assert_int_equal(rd16(s + 0x0C), 3072);	/* MiB */
	s = sm.s[8];					/* type 19 */
	assert_int_equal(rd16(s + 0x0C), rd16(sm.s[6] + 2));
	assert_int_equal(rd64(s + 0x0F), 0);
	assert_int_equal(rd64(s + 0x17), (2ULL << 30) - 1);
	s = sm.s[9];
	assert_int_equal(rd64(s + 0x0F), 4ULL << 30);
	assert_int_equal(rd64(s + 0x17), (5ULL << 30) - 1);
}

static uint16_t
t17_size(uint64_t low, uint64_t high, uint32_t *ext)
{
	struct platform_desc d;
	struct sm sm;
	int i;

	desc(&d, 1, low, high);
	walk(&d, &sm);
	for (i = 0; i < sm.n; i++)
		if (sm.s[i][0] == 17) {
			*ext = rd32(sm.s[i] + 0x1C);
			return (rd16(sm.s[i] + 0x0C));
		}
	fail_msg("no type 17");
	return (0);
}

static void
test_memsize(void **state)
{
	uint32_t ext;

	(void)state;
	/* 16 MiB = 16384 KiB: KiB units, bit 15 set (§7.18.5). */
	assert_int_equal(t17_size(16ULL << 20, 0, &ext), 0xC000);
	assert_int_equal(t17_size(32ULL << 20, 0, &ext), 32);
	assert_int_equal(t17_size(3ULL << 30, 61ULL << 30, &ext), 0x7FFF);
	assert_int_equal(ext, 65536);
}

static void
test_uuid(void **state)
{
	static const uint8_t given[16] = {
		0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
	};
	/* Python: md5(b"vm0" + b"host" + 252 * b"\0"), version 3 */
	static const uint8_t derived[16] = {
		0xd6, 0x87, 0xcb, 0x5e, 0x80, 0x26, 0x3e, 0x7e,
		0x8c, 0xb6, 0x77, 0x8e, 0x9c, 0x34, 0xa0, 0x04,
	};
	struct platform_desc d;
	struct sm sm;
	uint8_t u[16];

	(void)state;
	assert_int_equal(smbios_parse_uuid(
	    "12345678-9ABC-def0-1234-56789abcdef0", u), 0);
	assert_memory_equal(u, given, 16);
	assert_int_equal(smbios_parse_uuid(
	    "12345678-9abc-def0-1234-56789abcdef", u), -EINVAL);
	assert_int_equal(smbios_parse_uuid(
	    "12345678+9abc-def0-1234-56789abcdef0", u), -EINVAL);
	assert_int_equal(smbios_parse_uuid(
	    "1234567g-9abc-def0-1234-56789abcdef0", u), -EINVAL);

	desc(&d, 1, 1ULL << 30, 0);
	d.uuid = "12345678-9abc-def0-1234-56789abcdef0";
	walk(&d, &sm);
	assert_memory_equal(sm.s[1] + 8, given, 16);

	d.uuid = NULL;
	walk(&d, &sm);
	assert_memory_equal(sm.s[1] + 8, derived, 16);

	d.vm_name = "vm1";
	walk(&d, &sm);
	assert_memory_not_equal(sm.s[1] + 8, derived, 16);
	assert_int_equal(sm.s[1][8 + 6] >> 4, 3);	/* version 3 */
	assert_int_equal(sm.s[1][8 + 8] >> 6, 2);	/* RFC 4122 variant */
}

static void
test_md5(void **state)
{
	static const char m80[] = "1234567890123456789012345678901234567890"
	    "1234567890123456789012345678901234567890";
	uint8_t dg[16];

	(void)state;
	/* RFC 1321 appendix A.5 */
	platform_md5("", 0, dg);
	assert_memory_equal(dg, "\xd4\x1d\x8c\xd9\x8f\x00\xb2\x04"
	    "\xe9\x80\x09\x98\xec\xf8\x42\x7e", 16);
	platform_md5("abc", 3, dg);
	assert_memory_equal(dg, "\x90\x01\x50\x98\x3c\xd2\x4f\xb0"
	    "\xd6\x96\x3f\x7d\x28\xe1\x7f\x72", 16);
	platform_md5(m80, 80, dg);
	assert_memory_equal(dg, "\x57\xed\xf4\xa2\x2b\xe3\xc9\x55"
	    "\xac\x49\xda\x2e\x21\x07\xb6\x7a", 16);
}

static void
test_smbios_off_and_bounds(void **state)
{
	struct platform_desc d;
	struct platform_addrs a;

	(void)state;
	desc(&d, 2, 1ULL << 30, 0);
	d.smbios = false;
	assert_int_equal(platform_build(buf, LEN, BASE, &d, &a), 0);
	assert_int_equal(a.smbios, 0);
	assert_null(scan_ep());

	desc(&d, 2, 1ULL << 30, 0);
	d.mptable = false;
	d.acpi = false;
	assert_int_equal(platform_build(buf, 100, BASE, &d, &a), -ENOSPC);
}

/*
 * dmidecode --from-dump reads the format --dump-bin writes: the entry
 * point at 0 with its table address set to 0x20, the table at 0x20.
 */
static void
test_dmidecode(void **state)
{
	struct platform_desc d;
	struct sm sm;
	const uint8_t *ep;
	uint8_t dump[LEN];
	char path[] = "/tmp/lhyve-dmi-XXXXXX";
	char cmd[256], line[512];
	uint16_t tlen;
	FILE *f, *p;
	int fd, ntype4, ok_uuid, ok_ver, ok_size, ok_prod, bad;

	(void)state;
	if (system("command -v dmidecode >/dev/null 2>&1") != 0) {
		print_message("dmidecode not installed: skipped\n");
		skip();
	}
	desc(&d, 4, 2ULL << 30, 1ULL << 30);
	d.uuid = "12345678-9abc-def0-1234-56789abcdef0";
	ep = walk(&d, &sm);
	tlen = rd16(ep + 0x16);
	memset(dump, 0, sizeof(dump));
	memcpy(dump, ep, 0x1F);
	memcpy(dump + 0x20, buf + (rd32(ep + 0x18) - BASE), tlen);
	dump[0x18] = 0x20;
	dump[0x19] = dump[0x1A] = dump[0x1B] = 0;
	dump[0x15] = 0;
	dump[0x15] = (uint8_t)(0x100 - sum8(dump + 0x10, 15));
	dump[4] = 0;
	dump[4] = (uint8_t)(0x100 - sum8(dump, 0x1F));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(dump, 1, 0x20 + tlen, f), 0x20 + tlen);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "dmidecode --from-dump %s 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	ntype4 = ok_uuid = ok_ver = ok_size = ok_prod = bad = 0;
	while (fgets(line, sizeof(line), p) != NULL) {
		if (strstr(line, "DMI type 4,") != NULL)
			ntype4++;
		if (strstr(line, "UUID: 12345678-9abc-def0-1234-56789abcdef0"))
			ok_uuid = 1;
		if (strstr(line, "SMBIOS 2.8 present."))
			ok_ver = 1;
		if (strstr(line, "Size: 3 GB"))
			ok_size = 1;
		if (strstr(line, "Product Name: BHYVE"))
			ok_prod = 1;
		if (strstr(line, "nvalid") || strstr(line, "Wrong") ||
		    strstr(line, "TRUNCATED") || strstr(line, "Bad") ||
		    strstr(line, "Unknown Type") || strstr(line, "No SMBIOS") ||
		    strstr(line, "<OUT OF SPEC>") || strstr(line, "<BAD INDEX>"))
			bad = 1, print_message("dmidecode: %s", line);
	}
	assert_int_equal(pclose(p), 0);
	unlink(path);
	assert_int_equal(ntype4, 4);
	assert_true(ok_uuid && ok_ver && ok_size && ok_prod);
	assert_false(bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structs),
		cmocka_unit_test(test_memsize),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_md5),
		cmocka_unit_test(test_smbios_off_and_bounds),
		cmocka_unit_test(test_dmidecode),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
