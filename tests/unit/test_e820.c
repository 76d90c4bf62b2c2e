/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_e820.c: unit tests for the E820 map builder (src/platform/e820.c):
 * exact maps for the memory sizes lhyve's layout produces, the range
 * painter (splits, merges, limits) and the process-wide registrations.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "platform/e820.h"
#include "vmm/vmm.h"

#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)
#define RAM	E820_RAM
#define RES	E820_RESERVED
#define NELEM(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* The fake VM for e820_vm_layout: only its memory sizes. */
struct vmctx {
	int unused;
};
static struct vmctx fake_ctx;
static size_t fake_lowmem, fake_highmem;

size_t
vm_get_lowmem_size(struct vmctx *ctx)
{
	return (fake_lowmem);
}

size_t
vm_get_highmem_size(struct vmctx *ctx)
{
	return (fake_highmem);
}

/* Compare a built map with the expected one, entry by entry. */
static void
check_map(const struct e820_entry *got, int n, const struct e820_entry *want,
    int nwant)
{
	for (int i = 0; i < n && i < nwant; i++) {
		if (got[i].addr != want[i].addr || got[i].len != want[i].len ||
		    got[i].type != want[i].type)
			print_message("entry %d: got 0x%llx+0x%llx type %u, "
			    "want 0x%llx+0x%llx type %u\n", i,
			    (unsigned long long)got[i].addr,
			    (unsigned long long)got[i].len, got[i].type,
			    (unsigned long long)want[i].addr,
			    (unsigned long long)want[i].len, want[i].type);
		assert_int_equal(got[i].addr, want[i].addr);
		assert_int_equal(got[i].len, want[i].len);
		assert_int_equal(got[i].type, want[i].type);
	}
	assert_int_equal(n, nwant);
}

static void
build_and_check(uint64_t lowmem, uint64_t highmem,
    const struct e820_entry *want, int nwant)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	struct e820_layout l;
	int n;

	e820_layout_init(&l, lowmem, highmem);
	n = e820_build(&l, map, E820_MAX_ENTRIES);
	check_map(map, n, want, nwant);
}

#define ECAM_ENTRY	{ 0xE0000000ULL, 0x10000000ULL, RES }
#define LOW_ENTRIES	{ 0, 0x9FC00, RAM }, { 0x9FC00, 0x60400, RES }

static void
test_map_64m(void **state)
{
	const struct e820_entry want[] = {
		LOW_ENTRIES,
		{ 0x100000, 64 * MiB - 0x100000, RAM },
		ECAM_ENTRY,
	};

	build_and_check(64 * MiB, 0, want, NELEM(want));
}

static void
test_map_3g(void **state)
{
	const struct e820_entry want[] = {
		LOW_ENTRIES,
		{ 0x100000, 3 * GiB - 0x100000, RAM },
		ECAM_ENTRY,
	};

	build_and_check(3 * GiB, 0, want, NELEM(want));
}

static void
test_map_3g_64m(void **state)
{
	const struct e820_entry want[] = {
		LOW_ENTRIES,
		{ 0x100000, 3 * GiB - 0x100000, RAM },
		ECAM_ENTRY,
		{ 4 * GiB, 64 * MiB, RAM },
	};

	build_and_check(3 * GiB, 64 * MiB, want, NELEM(want));
}

static void
test_map_8g(void **state)
{
	/* -m 8G: 3 GiB low, 5 GiB from 4 GiB. */
	const struct e820_entry want[] = {
		LOW_ENTRIES,
		{ 0x100000, 3 * GiB - 0x100000, RAM },
		ECAM_ENTRY,
		{ 4 * GiB, 5 * GiB, RAM },
	};

	build_and_check(3 * GiB, 5 * GiB, want, NELEM(want));
}

static void
test_map_odd_sizes(void **state)
{
	/* Not a MiB multiple: the RAM entry ends exactly at lowmem. */
	const struct e820_entry odd[] = {
		LOW_ENTRIES,
		{ 0x100000, 0x6543000 - 0x100000, RAM },
		ECAM_ENTRY,
	};
	/* Less than 640 KiB: RAM up to lowmem, the legacy area still. */
	const struct e820_entry tiny[] = {
		{ 0, 0x80000, RAM },
		{ 0x9FC00, 0x60400, RES },
		ECAM_ENTRY,
	};
	/* Between the EBDA and 1 MiB: the reservation cuts the RAM. */
	const struct e820_entry sub1m[] = {
		LOW_ENTRIES,
		ECAM_ENTRY,
	};
	/* Exactly 1 MiB: no RAM above the hole. */
	const struct e820_entry one[] = {
		LOW_ENTRIES,
		ECAM_ENTRY,
	};
	/* Odd highmem. */
	const struct e820_entry hi[] = {
		LOW_ENTRIES,
		{ 0x100000, 3 * GiB - 0x100000, RAM },
		ECAM_ENTRY,
		{ 4 * GiB, 0x1234000, RAM },
	};

	build_and_check(0x6543000, 0, odd, NELEM(odd));
	build_and_check(0x80000, 0, tiny, NELEM(tiny));
	build_and_check(0xC0000, 0, sub1m, NELEM(sub1m));
	build_and_check(MiB, 0, one, NELEM(one));
	build_and_check(3 * GiB, 0x1234000, hi, NELEM(hi));
}

static void
test_ecam_and_extra_reserved(void **state)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	struct e820_layout l;
	/* A ROM at the top of 4 GiB, a range cut out of lowmem. */
	const struct e820_entry want[] = {
		LOW_ENTRIES,
		{ 0x100000, 0x1000000 - 0x100000, RAM },
		{ 0x1000000, 0x2000, RES },
		{ 0x1002000, 256 * MiB - 0x1002000, RAM },
		{ 0xB0000000ULL, 0x8000000ULL, RES },
		{ 0xFFFE0000ULL, 0x20000, RES },
		{ 4 * GiB, GiB, RAM },
	};
	int n;

	e820_layout_init(&l, 256 * MiB, GiB);
	l.ecam_base = 0xB0000000ULL;	/* 128 buses */
	l.ecam_len = 128 * MiB;
	assert_int_equal(e820_layout_reserve(&l, 0xFFFE0000ULL, 0x20000), 0);
	assert_int_equal(e820_layout_reserve(&l, 0x1000000, 0x2000), 0);
	n = e820_build(&l, map, E820_MAX_ENTRIES);
	check_map(map, n, want, NELEM(want));

	/* No ECAM at all. */
	e820_layout_init(&l, 64 * MiB, 0);
	l.ecam_len = 0;
	n = e820_build(&l, map, E820_MAX_ENTRIES);
	assert_int_equal(n, 3);
	assert_int_equal(map[2].addr + map[2].len, 64 * MiB);
}

static void
test_reserved_over_everything(void **state)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	struct e820_layout l;
	/* One reservation swallowing the end of lowmem, the hole and the
	 * start of highmem merges with the ECAM reservation. */
	const struct e820_entry want[] = {
		LOW_ENTRIES,
		{ 0x100000, 3 * GiB - 16 * MiB - 0x100000, RAM },
		{ 3 * GiB - 16 * MiB, GiB + 32 * MiB, RES },
		{ 4 * GiB + 16 * MiB, GiB - 16 * MiB, RAM },
	};
	int n;

	e820_layout_init(&l, 3 * GiB, GiB);
	assert_int_equal(e820_layout_reserve(&l, 3 * GiB - 16 * MiB,
	    GiB + 32 * MiB), 0);
	n = e820_build(&l, map, E820_MAX_ENTRIES);
	check_map(map, n, want, NELEM(want));
}

static void
test_add_split_merge(void **state)
{
	struct e820_entry map[8];
	int n = 0;

	assert_int_equal(e820_add(map, &n, 8, 0x1000, 0x9000, RAM), 0);
	assert_int_equal(n, 1);
	/* Split in the middle. */
	assert_int_equal(e820_add(map, &n, 8, 0x4000, 0x1000, RES), 0);
	assert_int_equal(n, 3);
	assert_int_equal(map[0].addr, 0x1000);
	assert_int_equal(map[0].len, 0x3000);
	assert_int_equal(map[1].addr, 0x4000);
	assert_int_equal(map[1].type, RES);
	assert_int_equal(map[2].addr, 0x5000);
	assert_int_equal(map[2].len, 0x5000);
	/* Painting RAM back merges all three into one. */
	assert_int_equal(e820_add(map, &n, 8, 0x4000, 0x1000, RAM), 0);
	assert_int_equal(n, 1);
	assert_int_equal(map[0].addr, 0x1000);
	assert_int_equal(map[0].len, 0x9000);
	/* Touching on the left, same type: merged; other type: not. */
	assert_int_equal(e820_add(map, &n, 8, 0, 0x1000, RAM), 0);
	assert_int_equal(n, 1);
	assert_int_equal(map[0].addr, 0);
	assert_int_equal(map[0].len, 0xA000);
	assert_int_equal(e820_add(map, &n, 8, 0xA000, 0x1000, E820_ACPI), 0);
	assert_int_equal(n, 2);
	/* A disjoint range before everything stays sorted. */
	assert_int_equal(e820_add(map, &n, 8, 0x100000, 0x1000, E820_NVS), 0);
	assert_int_equal(e820_add(map, &n, 8, 0x20000, 0x1000, RES), 0);
	assert_int_equal(n, 4);
	assert_int_equal(map[2].addr, 0x20000);
	assert_int_equal(map[3].addr, 0x100000);
	/* Covering several entries exactly replaces them. */
	assert_int_equal(e820_add(map, &n, 8, 0, 0x200000, E820_UNUSABLE), 0);
	assert_int_equal(n, 1);
	assert_int_equal(map[0].len, 0x200000);
	assert_int_equal(map[0].type, E820_UNUSABLE);
}

static void
test_add_limits(void **state)
{
	struct e820_entry map[3];
	int n = 0;

	assert_int_equal(e820_add(map, &n, 3, 0, 0, RAM), -EINVAL);
	assert_int_equal(e820_add(map, &n, 3, ~0ULL - 10, 100, RAM), -EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(e820_add(map, &n, 3, 0, 0x10000, RAM), 0);
	assert_int_equal(e820_add(map, &n, 3, 0x2000, 0x1000, RES), 0);
	assert_int_equal(n, 3);
	/* A fourth entry does not fit: error, map unchanged. */
	assert_int_equal(e820_add(map, &n, 3, 0x8000, 0x1000, RES), -ENOSPC);
	assert_int_equal(n, 3);
	assert_int_equal(map[2].addr, 0x3000);
	assert_int_equal(map[2].len, 0xD000);
	/* But one that merges does. */
	assert_int_equal(e820_add(map, &n, 3, 0x3000, 0x1000, RES), 0);
	assert_int_equal(n, 3);
	assert_int_equal(map[1].len, 0x2000);

	/* e820_build into a too-small array. */
	{
		struct e820_layout l;
		struct e820_entry m[4];

		e820_layout_init(&l, 3 * GiB, GiB);
		assert_int_equal(e820_build(&l, m, 4), -ENOSPC);
		assert_int_equal(e820_build(&l, map, 3), -ENOSPC);
	}
}

static void
test_layout_reserve_limits(void **state)
{
	struct e820_layout l;

	e820_layout_init(&l, 64 * MiB, 0);
	assert_int_equal(e820_layout_reserve(&l, 0x1000, 0), -EINVAL);
	assert_int_equal(e820_layout_reserve(&l, ~0ULL, 2), -EINVAL);
	for (int i = 0; i < E820_MAX_RESERVED; i++)
		assert_int_equal(e820_layout_reserve(&l, 0x200000 + i * 0x2000,
		    0x1000), 0);
	assert_int_equal(e820_layout_reserve(&l, 0x800000, 0x1000), -ENOSPC);
	assert_int_equal(l.nreserved, E820_MAX_RESERVED);
}

static void
test_vm_layout_registrations(void **state)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	struct e820_layout l;
	int n;

	fake_lowmem = 512 * MiB;
	fake_highmem = 0;
	e820_reset();
	e820_vm_layout(&fake_ctx, &l);
	assert_int_equal(l.lowmem, 512 * MiB);
	assert_int_equal(l.highmem, 0);
	assert_int_equal(l.ecam_base, 0xE0000000ULL);
	assert_int_equal(l.ecam_len, 256 * MiB);
	assert_int_equal(l.nreserved, 0);

	assert_int_equal(e820_reserve(0xFEFFC000ULL, 0x4000), 0);
	assert_int_equal(e820_reserve(0, 0), -EINVAL);
	e820_set_ecam(0, 0);
	fake_highmem = 2 * GiB;
	e820_vm_layout(&fake_ctx, &l);
	n = e820_build(&l, map, E820_MAX_ENTRIES);
	{
		const struct e820_entry want[] = {
			LOW_ENTRIES,
			{ 0x100000, 512 * MiB - 0x100000, RAM },
			{ 0xFEFFC000ULL, 0x4000, RES },
			{ 4 * GiB, 2 * GiB, RAM },
		};

		check_map(map, n, want, NELEM(want));
	}
	e820_reset();
	e820_vm_layout(&fake_ctx, &l);
	assert_int_equal(l.nreserved, 0);
	assert_int_equal(l.ecam_len, 256 * MiB);
}

static void
test_type_names(void **state)
{
	assert_string_equal(e820_type_name(E820_RAM), "usable");
	assert_string_equal(e820_type_name(E820_RESERVED), "reserved");
	assert_string_equal(e820_type_name(E820_ACPI), "ACPI data");
	assert_string_equal(e820_type_name(E820_NVS), "ACPI NVS");
	assert_string_equal(e820_type_name(E820_UNUSABLE), "unusable");
	assert_string_equal(e820_type_name(99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_64m),
		cmocka_unit_test(test_map_3g),
		cmocka_unit_test(test_map_3g_64m),
		cmocka_unit_test(test_map_8g),
		cmocka_unit_test(test_map_odd_sizes),
		cmocka_unit_test(test_ecam_and_extra_reserved),
		cmocka_unit_test(test_reserved_over_everything),
		cmocka_unit_test(test_add_split_merge),
		cmocka_unit_test(test_add_limits),
		cmocka_unit_test(test_layout_reserve_limits),
		cmocka_unit_test(test_vm_layout_registrations),
		cmocka_unit_test(test_type_names),
	};

	return (cmocka_run_group_tests_name("e820", tests, NULL, NULL));
}
