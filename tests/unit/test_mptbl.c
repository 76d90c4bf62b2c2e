/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_mptbl.c: unit tests of the MP table (MP spec 1.4): the legacy scan
 * finds it, checksums, and a walk of every entry with exact values.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "platform/platform.h"

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

static uint8_t
sum8(const uint8_t *p, size_t n)
{
	uint8_t s;

	for (s = 0; n > 0; n--)
		s += *p++;
	return (s);
}

/* What Linux's smp_scan_config() does over 0xF0000-0xFFFFF. */
static uint64_t
scan_mpfp(void)
{
	size_t off;

	for (off = 0; off + 16 <= LEN; off += 16)
		if (memcmp(buf + off, "_MP_", 4) == 0 && buf[off + 8] == 1 &&
		    sum8(buf + off, 16) == 0)
			return (BASE + off);
	return (0);
}

static void
desc(struct platform_desc *d, int ncpu)
{

	platform_desc_init(d, ncpu, 1ULL << 30, 0);
	d->hostname = "h";
	d->cpu_signature = 0x000806A1;
	d->cpu_features = 0x178BFBFF;
	assert_int_equal(platform_intx_add(d, 3, 1, 16, 10), 0);
	assert_int_equal(platform_intx_add(d, 4, 2, 17, 11), 0);
	assert_int_equal(platform_intx_add(d, 31, 4, 23, -1), 0);
}

struct counts {
	int proc, bus, ioapic, intr, lintr, pci;
	uint16_t isa_seen;		/* bit per ISA IRQ */
};

static void
walk(const struct platform_desc *d, struct counts *c)
{
	struct platform_addrs a;
	const uint8_t *fp, *ch, *e, *end;
	int nent;

	assert_int_equal(platform_build(buf, LEN, BASE, d, &a), 0);
	assert_int_not_equal(a.mpfp, 0);
	assert_int_equal(scan_mpfp(), a.mpfp);
	fp = buf + (a.mpfp - BASE);
	assert_int_equal(fp[9], 4);			/* spec 1.4 */
	assert_int_equal(fp[11], 0);			/* table present */
	ch = buf + (rd32(fp + 4) - BASE);
	assert_memory_equal(ch, "PCMP", 4);
	assert_int_equal(ch[6], 4);
	assert_int_equal(sum8(ch, rd16(ch + 4)), 0);
	assert_memory_equal(ch + 8, "LHYVE   ", 8);
	assert_int_equal(rd32(ch + 36), 0xFEE00000);
	assert_int_equal(rd16(ch + 40), 0);		/* no extended table */

	memset(c, 0, sizeof(*c));
	end = ch + rd16(ch + 4);
	nent = 0;
	for (e = ch + 44; e < end; nent++) {
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], c->proc);	/* APIC ID */
			assert_int_equal(e[3], c->proc == 0 ? 3 : 1);
			assert_int_equal(rd32(e + 4), d->cpu_signature);
			assert_int_equal(rd32(e + 8), d->cpu_features);
			c->proc++;
			e += 20;
			break;
		case 1:
			assert_int_equal(e[1], c->bus);
			assert_memory_equal(e + 2, c->bus == 0 ? "PCI   " :
			    "ISA   ", 6);
			c->bus++;
			e += 8;
			break;
		case 2:
			assert_int_equal(e[1], d->ioapic_id);
			assert_int_equal(e[3], 1);
			assert_int_equal(rd32(e + 4), 0xFEC00000);
			c->ioapic++;
			e += 8;
			break;
		case 3:
			assert_int_equal(e[6], d->ioapic_id);
			if (e[1] == 3) {		/* ExtINT on pin 0 */
				assert_int_equal(e[4], 1);
				assert_int_equal(e[7], 0);
			} else if (e[4] == 1) {		/* ISA */
				assert_int_equal(e[1], 0);
				c->isa_seen |= 1u << e[5];
				assert_int_equal(e[7], e[5] == 0 ? 2 : e[5]);
				assert_int_equal(rd16(e + 2),
				    e[5] == 9 ? 0x000F : 0);
			} else {			/* PCI */
				const struct platform_intx *r;
				assert_int_equal(e[4], 0);
				assert_true(c->pci < d->nintx);
				r = &d->intx[c->pci];
				assert_int_equal(e[5], r->slot << 2 |
				    (r->pin - 1));
				assert_int_equal(e[7], r->gsi);
				assert_int_equal(rd16(e + 2), 0x000F);
				c->pci++;
			}
			c->intr++;
			e += 8;
			break;
		case 4:
			assert_int_equal(e[1], c->lintr == 0 ? 3 : 1);
			assert_int_equal(e[6], 0xFF);
			assert_int_equal(e[7], c->lintr);	/* LINT0, 1 */
			c->lintr++;
			e += 8;
			break;
		default:
			fail_msg("unexpected MP entry type %u", e[0]);
		}
	}
	assert_ptr_equal(e, end);
	assert_int_equal(nent, rd16(ch + 34));
}

static void
test_mptable(void **state)
{
	struct platform_desc d;
	struct counts c;

	(void)state;
	desc(&d, 4);
	walk(&d, &c);
	assert_int_equal(c.proc, 4);
	assert_int_equal(c.bus, 2);
	assert_int_equal(c.ioapic, 1);
	assert_int_equal(c.pci, 3);
	/* ExtINT + 15 ISA IRQs (not 2) + 3 PCI */
	assert_int_equal(c.intr, 1 + 15 + 3);
	assert_int_equal(c.isa_seen, 0xFFFB);
	assert_int_equal(c.lintr, 2);

	desc(&d, 1);
	walk(&d, &c);
	assert_int_equal(c.proc, 1);

	desc(&d, 64);
	walk(&d, &c);
	assert_int_equal(c.proc, 64);
}

/* A pin PCI uses below 16 is not also an ISA IRQ. */
static void
test_mptable_pci_low_pin(void **state)
{
	struct platform_desc d;
	struct counts c;

	(void)state;
	platform_desc_init(&d, 2, 1ULL << 30, 0);
	d.hostname = "h";
	assert_int_equal(platform_intx_add(&d, 5, 1, 11, 11), 0);
	walk(&d, &c);
	assert_int_equal(c.pci, 1);
	assert_int_equal(c.isa_seen, 0xFFFB & ~(1u << 11));
}

static void
test_mptable_off(void **state)
{
	struct platform_desc d;
	struct platform_addrs a;

	(void)state;
	desc(&d, 2);
	d.mptable = false;			/* -Y */
	assert_int_equal(platform_build(buf, LEN, BASE, &d, &a), 0);
	assert_int_equal(a.mpfp, 0);
	assert_int_equal(scan_mpfp(), 0);
	assert_int_not_equal(a.rsdp, 0);
}

static void
test_mptable_nospace(void **state)
{
	struct platform_desc d;
	struct platform_addrs a;

	(void)state;
	desc(&d, 2);
	d.acpi = false;
	d.smbios = false;
	assert_int_equal(platform_build(buf, 16, BASE, &d, &a), -ENOSPC);
	assert_int_equal(platform_build(buf, 200, BASE, &d, &a), -ENOSPC);
	assert_int_equal(platform_build(buf, LEN, BASE, &d, &a), 0);
	assert_int_equal(a.mpfp, BASE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mptable),
		cmocka_unit_test(test_mptable_pci_low_pin),
		cmocka_unit_test(test_mptable_off),
		cmocka_unit_test(test_mptable_nospace),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
