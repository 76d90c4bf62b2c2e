/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_numa.c: -n's domains.N.* turned into the platform description's
 * NUMA part (src/platform/numa_setup.c): sizes, the shared rest, vCPU
 * lists, and every refusal.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "platform/numa.h"

#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

static struct platform_desc d;

static int
setup(void **state)
{
	(void)state;
	init_config();
	platform_desc_init(&d, 4, 3 * GiB, 1 * GiB);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	free_config();
	return (0);
}

static void
test_none(void **state)
{
	(void)state;
	assert_int_equal(platform_setup_numa(&d), 0);
	assert_int_equal(d.ndomains, 0);
}

static void
test_sizes_and_cpus(void **state)
{
	(void)state;
	set_config_value("domains.0.size", "3G");
	set_config_value("domains.0.cpus", "0,3");
	set_config_value("domains.1.size", "1024");	/* MiB */
	set_config_value("domains.1.cpus", "1-2");
	assert_int_equal(platform_setup_numa(&d), 0);
	assert_int_equal(d.ndomains, 2);
	assert_int_equal(d.numa_mem[0], 3 * GiB);
	assert_int_equal(d.numa_mem[1], 1 * GiB);
	assert_int_equal(d.cpu_domain[0], 0);
	assert_int_equal(d.cpu_domain[1], 1);
	assert_int_equal(d.cpu_domain[2], 1);
	assert_int_equal(d.cpu_domain[3], 0);
	assert_int_equal(platform_numa_check(&d), 0);
}

static void
test_rest_shared(void **state)
{
	(void)state;
	/* 4 GiB: 1 GiB given, the rest split by three in 2 MiB steps. */
	set_config_value("domains.0.size", "1G");
	create_config_node("domains.1");
	set_config_value("domains.2.cpus", "3");
	create_config_node("domains.3");
	assert_int_equal(platform_setup_numa(&d), 0);
	assert_int_equal(d.ndomains, 4);
	assert_int_equal(d.numa_mem[0], 1 * GiB);
	assert_int_equal(d.numa_mem[1], 1024 * MiB);
	assert_int_equal(d.numa_mem[2], 1024 * MiB);
	assert_int_equal(d.numa_mem[3], 1024 * MiB);
	/* unnamed vCPUs are domain 0's */
	assert_int_equal(d.cpu_domain[0], 0);
	assert_int_equal(d.cpu_domain[3], 2);
	assert_int_equal(platform_numa_check(&d), 0);

	/* An uneven rest: the last one takes the tail. */
	teardown(state);
	setup(state);
	platform_desc_init(&d, 1, 100 * MiB, 0);
	create_config_node("domains.0");
	create_config_node("domains.1");
	create_config_node("domains.2");
	assert_int_equal(platform_setup_numa(&d), 0);
	assert_int_equal(d.numa_mem[0], 32 * MiB);
	assert_int_equal(d.numa_mem[1], 32 * MiB);
	assert_int_equal(d.numa_mem[2], 36 * MiB);
}

static void
expect_refused(const char *var, const char *val, const char *var2,
    const char *val2)
{
	teardown(NULL);
	setup(NULL);
	set_config_value(var, val);
	if (var2 != NULL)
		set_config_value(var2, val2);
	assert_int_equal(platform_setup_numa(&d), -EINVAL);
	assert_int_equal(d.ndomains, 0);
}

static void
test_refused(void **state)
{
	(void)state;
	/* sizes not adding up to the 4 GiB of RAM */
	expect_refused("domains.0.size", "1G", NULL, NULL);
	expect_refused("domains.0.size", "3G", "domains.1.size", "2G");
	expect_refused("domains.0.size", "4G", "domains.1.cpus", "1");
	/* a gap in the ids, an id out of range, not a number */
	expect_refused("domains.1.size", "4G", NULL, NULL);
	expect_refused("domains.8.size", "4G", NULL, NULL);
	expect_refused("domains.x.size", "4G", NULL, NULL);
	/* bad sizes */
	expect_refused("domains.0.size", "lots", NULL, NULL);
	expect_refused("domains.0.size", "4294967295B", NULL, NULL);
	/* bad vCPU lists: past the last vCPU, backwards, garbage, twice */
	expect_refused("domains.0.size", "4G", "domains.0.cpus", "0-4");
	expect_refused("domains.0.size", "4G", "domains.0.cpus", "2-1");
	expect_refused("domains.0.size", "4G", "domains.0.cpus", "a");
	expect_refused("domains.0.size", "4G", "domains.0.cpus", "0,");
	expect_refused("domains.0.cpus", "1", "domains.1.cpus", "0-1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sizes_and_cpus, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rest_shared, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
