/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_config.c: the configuration tree (bhyve_config(5)): paths,
 * node/value conflicts, %(var) expansion, booleans, the dump -> -k round
 * trip, -k errors and expand_number sizes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static int
setup(void **state)
{
	free_config();
	init_config();
	return (0);
}

/* Run the tree's stderr into a temporary file so warnings can be checked
 * (and do not clutter the test output). */
static FILE *saved_err;
static int saved_fd = -1;

static void
capture_stderr(void)
{
	fflush(stderr);
	saved_fd = dup(2);
	saved_err = tmpfile();
	assert_non_null(saved_err);
	dup2(fileno(saved_err), 2);
}

/* Returns what was written to stderr (malloc'd). */
static char *
release_stderr(void)
{
	char *buf;
	long len;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	len = ftell(saved_err);
	buf = calloc(1, len + 1);
	rewind(saved_err);
	assert_int_equal(fread(buf, 1, len, saved_err), (size_t)len);
	fclose(saved_err);
	return (buf);
}

static char *
write_temp(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/lhyve-test-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return (path);
}

static void
test_paths(void **state)
{
	struct config_node *pci, *slot, *n;

	set_config_value("pci.0.3.0.device", "virtio-blk");
	set_config_value("pci.0.3.0.path", "/img");
	set_config_value("name", "vm0");
	assert_string_equal(get_config_value("pci.0.3.0.device"), "virtio-blk");
	assert_string_equal(get_config_value("name"), "vm0");
	assert_null(get_config_value("pci.0.3.0.nothere"));
	assert_null(get_config_value("nothere.at.all"));

	pci = find_config_node("pci");
	assert_non_null(pci);
	assert_true(config_item_is_node(pci));
	assert_ptr_equal(create_config_node("pci"), pci);
	slot = find_relative_config_node(pci, "0.3.0");
	assert_non_null(slot);
	assert_ptr_equal(slot, find_config_node("pci.0.3.0"));
	assert_string_equal(get_config_value_node(slot, "path"), "/img");
	assert_string_equal(config_item_name(slot), "0");

	/* relative creation and set */
	n = create_relative_config_node(pci, "0.4.0");
	assert_non_null(n);
	set_config_value_node(n, "device", "hostbridge");
	assert_string_equal(get_config_value("pci.0.4.0.device"),
	    "hostbridge");
	set_config_value_node(NULL, "top", "1");
	assert_string_equal(get_config_value("top"), "1");

	/* replace */
	set_config_value("name", "vm1");
	assert_string_equal(get_config_value("name"), "vm1");
	set_config_value_if_unset("name", "vm2");
	assert_string_equal(get_config_value("name"), "vm1");
	set_config_value_node_if_unset(slot, "ro", "true");
	assert_string_equal(get_config_value("pci.0.3.0.ro"), "true");

	/* a value is not a node and a node has no value */
	assert_null(find_config_node("name"));
	assert_null(get_config_value("pci.0"));
	assert_null(config_item_value(pci));
}

static void
test_bad_paths(void **state)
{
	static const char *const bad[] = { "", "a..b", ".a", "a.", "a b",
	    "a=b", "tab\tx" };
	char *err;

	capture_stderr();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_config_value(bad[i], "v");
		assert_null(get_config_value(bad[i]));
		assert_null(create_config_node(bad[i]));
	}
	err = release_stderr();
	assert_non_null(strstr(err, "invalid path 'a..b'"));
	free(err);
	assert_null(config_node_first(NULL));	/* nothing was created */
}

static void
test_node_value_conflicts(void **state)
{
	char *err;

	set_config_value("x.y", "1");
	capture_stderr();
	/* a value where a node is */
	set_config_value("x", "2");
	assert_null(get_config_value("x"));
	assert_string_equal(get_config_value("x.y"), "1");
	assert_int_equal(set_config_assignment("x=2"), -EEXIST);
	/* a node where a value is */
	assert_null(create_config_node("x.y"));
	assert_null(create_config_node("x.y.z"));
	set_config_value("x.y.z", "3");
	assert_null(get_config_value("x.y.z"));
	assert_int_equal(set_config_assignment("x.y.z=3"), -EEXIST);
	assert_string_equal(get_config_value("x.y"), "1");
	err = release_stderr();
	assert_non_null(strstr(err, "cannot set 'x' to '2': it is a node"));
	assert_non_null(strstr(err, "cannot create node 'x.y.z': 'x.y' is "
	    "a value"));
	free(err);
}

static void
test_insertion_order(void **state)
{
	static const char *const want[] = { "zeta", "alpha", "mid", "sub" };
	struct config_node *n, *c;
	size_t i = 0;

	set_config_value("o.zeta", "1");
	set_config_value("o.alpha", "2");
	set_config_value("o.mid", "3");
	set_config_value("o.sub.leaf", "4");
	set_config_value("o.alpha", "5");	/* replacing keeps the place */
	n = find_config_node("o");
	for (c = config_node_first(n); c != NULL; c = config_node_next(c)) {
		assert_true(i < 4);
		assert_string_equal(config_item_name(c), want[i]);
		assert_int_equal(config_item_is_node(c), i == 3);
		i++;
	}
	assert_int_equal(i, 4);
	c = config_node_next(config_node_first(n));
	assert_string_equal(config_item_value(c), "5");
}

static void
test_expansion(void **state)
{
	const char *p1, *p2;
	char *err;

	set_config_value("a", "hello");
	set_config_value("b", "%(a) world");
	set_config_value("c", "<%(b)>");
	set_config_value("n.v", "%(c)!");
	assert_string_equal(get_config_value("b"), "hello world");
	assert_string_equal(get_config_value("c"), "<hello world>");
	assert_string_equal(get_config_value("n.v"), "<hello world>!");
	assert_string_equal(get_config_value_node(find_config_node("n"), "v"),
	    "<hello world>!");

	/* the same pointer while the expansion does not change */
	p1 = get_config_value("c");
	p2 = get_config_value("c");
	assert_ptr_equal(p1, p2);
	set_config_value("a", "bye");
	assert_string_equal(get_config_value("c"), "<bye world>");
	assert_string_equal(p1, "<hello world>");	/* still readable */

	set_config_value("pct", "100%");
	assert_string_equal(get_config_value("pct"), "100%");
	set_config_value("esc", "\\%(a)");
	assert_string_equal(get_config_value("esc"), "%(a)");

	capture_stderr();
	set_config_value("missing", "x%(nope)y");
	assert_string_equal(get_config_value("missing"), "xy");
	set_config_value("self", "[%(self)]");
	assert_string_equal(get_config_value("self"), "[[%(self)]]");
	set_config_value("p", "%(q)");
	set_config_value("q", "%(p)");
	assert_string_equal(get_config_value("p"), "%(q)");
	set_config_value("open", "%(a");
	assert_string_equal(get_config_value("open"), "%(a");
	err = release_stderr();
	assert_non_null(strstr(err, "%(nope)"));
	assert_non_null(strstr(err, "recursive reference %(self)"));
	assert_non_null(strstr(err, "recursive reference %(q)"));
	free(err);
}

static void
test_deep_chain(void **state)
{
	char name[16], val[32];
	char *err;

	/* v0 = "end", vN = "%(vN-1)": 16 levels expand, the 17th stops */
	set_config_value("v0", "end");
	for (int i = 1; i <= 20; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		snprintf(val, sizeof(val), "%%(v%d)", i - 1);
		set_config_value(name, val);
	}
	assert_string_equal(get_config_value("v16"), "end");
	capture_stderr();
	assert_string_equal(get_config_value("v20"), "%(v3)");
	err = release_stderr();
	assert_non_null(strstr(err, "recursive reference"));
	free(err);
}

static void
test_booleans(void **state)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{ "true", 1 }, { "on", 1 }, { "yes", 1 }, { "1", 1 },
		{ "TRUE", 1 }, { "On", 1 }, { "YES", 1 },
		{ "false", 0 }, { "off", 0 }, { "no", 0 }, { "0", 0 },
		{ "False", 0 }, { "OFF", 0 },
		{ "", -1 }, { "maybe", -1 }, { "2", -1 }, { "yes ", -1 },
		{ "01", -1 },
	};
	char *err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(parse_bool(cases[i].s), cases[i].want);
	assert_int_equal(parse_bool(NULL), -1);

	set_config_bool("b.t", true);
	set_config_bool("b.f", false);
	assert_string_equal(get_config_value("b.t"), "true");
	assert_string_equal(get_config_value("b.f"), "false");
	assert_true(get_config_bool("b.t"));
	assert_false(get_config_bool("b.f"));
	assert_true(get_config_bool_default("b.none", true));
	assert_false(get_config_bool_default("b.none", false));
	set_default_config_bool("b.f", true);
	assert_false(get_config_bool("b.f"));
	set_default_config_bool("b.d", true);
	assert_true(get_config_bool("b.d"));
	set_config_bool_node(find_config_node("b"), "n", true);
	assert_true(get_config_bool_node(find_config_node("b"), "n"));
	assert_false(get_config_bool_node_default(find_config_node("b"),
	    "none", false));
	set_config_value("b.ref", "%(b.t)");
	assert_true(get_config_bool("b.ref"));

	capture_stderr();
	set_config_value("b.bad", "maybe");
	assert_true(get_config_bool_default("b.bad", true));
	assert_false(get_config_bool_default("b.bad", false));
	err = release_stderr();
	assert_non_null(strstr(err, "b.bad: 'maybe' is not a boolean"));
	free(err);
}

static void
test_unset(void **state)
{
	set_config_value("u.a", "1");
	set_config_value("u.s.x", "2");
	set_config_value("u.b", "3");
	assert_true(unset_config_value("u.a"));
	assert_null(get_config_value("u.a"));
	assert_false(unset_config_value("u.a"));
	assert_true(unset_config_value("u.s"));
	assert_null(find_config_node("u.s"));
	assert_null(get_config_value("u.s.x"));
	assert_string_equal(get_config_value("u.b"), "3");
	/* the last child went away: appending must still work */
	assert_true(unset_config_value("u.b"));
	set_config_value("u.c", "4");
	assert_string_equal(config_item_name(config_node_first(
	    find_config_node("u"))), "c");
	assert_false(unset_config_value("nothing.here"));
}

static char *
dump_to_string(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	dump_config(fp);
	fclose(fp);
	return (buf);
}

static void
test_dump_load_roundtrip(void **state)
{
	char *first, *second, path[64];
	FILE *fp;
	int fd, line = -1;

	set_config_value("name", "vm1");
	set_config_value("cpus", "2");
	set_config_value("memory.size", "1G");
	set_config_value("pci.0.0.0.device", "hostbridge");
	set_config_value("pci.0.3.0.device", "virtio-blk");
	set_config_value("pci.0.3.0.path", "/dir/%(name).img");
	set_config_value("lpc.com1.path", "stdio");
	set_config_value("odd", "a=b#c");
	first = dump_to_string();
	assert_string_equal(first,
	    "name=vm1\n"
	    "cpus=2\n"
	    "memory.size=1G\n"
	    "pci.0.0.0.device=hostbridge\n"
	    "pci.0.3.0.device=virtio-blk\n"
	    "pci.0.3.0.path=/dir/%(name).img\n"
	    "lpc.com1.path=stdio\n"
	    "odd=a=b#c\n");

	strcpy(path, "/tmp/lhyve-test-dump-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	dump_config(fp);
	fclose(fp);

	free_config();
	init_config();
	assert_null(get_config_value("name"));
	assert_int_equal(load_config_file(path, &line), 0);
	assert_int_equal(line, 0);
	second = dump_to_string();
	assert_string_equal(first, second);
	assert_string_equal(get_config_value("pci.0.3.0.path"),
	    "/dir/vm1.img");
	unlink(path);
	free(first);
	free(second);
}

static void
test_load_file_format(void **state)
{
	int line = -1;
	char *path;

	path = write_temp(
	    "# a comment\n"
	    "\n"
	    "   \n"
	    "  # indented comment\n"
	    "name=vm0\r\n"
	    "memory.size=64M   \t\n"
	    "pci.0.2.0.path=/a#b=c\n"
	    "last=no-newline");
	assert_int_equal(load_config_file(path, &line), 0);
	assert_int_equal(line, 0);
	assert_string_equal(get_config_value("name"), "vm0");
	assert_string_equal(get_config_value("memory.size"), "64M");
	assert_string_equal(get_config_value("pci.0.2.0.path"), "/a#b=c");
	assert_string_equal(get_config_value("last"), "no-newline");
	unlink(path);
}

static void
test_load_file_errors(void **state)
{
	static const struct {
		const char *text;
		int error, line;
	} cases[] = {
		{ "a=1\n# c\nb=2\njunk\nc=3\n", -EINVAL, 4 },
		{ "a =1\n", -EINVAL, 1 },
		{ "a= 1\nok=1\n", 0, 0 },	/* a value may start blank */
		{ "\n\n=x\n", -EINVAL, 3 },
		{ "a=\n", -EINVAL, 1 },
		{ " a=1\n", -EINVAL, 1 },
		{ "a..b=1\n", -EINVAL, 1 },
		{ "x.y=1\nx=2\n", -EEXIST, 2 },
	};
	char *path, *err;
	int line;

	capture_stderr();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		free_config();
		init_config();
		path = write_temp(cases[i].text);
		line = -1;
		assert_int_equal(load_config_file(path, &line),
		    cases[i].error);
		assert_int_equal(line, cases[i].line);
		unlink(path);
	}
	free_config();
	init_config();
	/* lines before the bad one were applied */
	path = write_temp("a=1\nbad\n");
	assert_int_equal(load_config_file(path, NULL), -EINVAL);
	assert_string_equal(get_config_value("a"), "1");
	unlink(path);
	line = -1;
	assert_int_equal(load_config_file("/nonexistent/lhyve.conf", &line),
	    -ENOENT);
	assert_int_equal(line, 0);
	err = release_stderr();
	free(err);
}

static void
test_assignment(void **state)
{
	assert_int_equal(set_config_assignment("a.b=c=d"), 0);
	assert_string_equal(get_config_value("a.b"), "c=d");
	assert_int_equal(set_config_assignment("noequals"), -EINVAL);
	assert_int_equal(set_config_assignment("=v"), -EINVAL);
	assert_int_equal(set_config_assignment("k="), -EINVAL);
	assert_int_equal(set_config_assignment(NULL), -EINVAL);
}

static void
test_parse_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t unit;
		int error;
		uint64_t want;
	} cases[] = {
		{ "0", 1, 0, 0 },
		{ "4096", 1, 0, 4096 },
		{ "64", 1ULL << 20, 0, 64ULL << 20 },
		{ "1k", 1ULL << 20, 0, 1024 },
		{ "1K", 1, 0, 1024 },
		{ "64m", 1, 0, 64ULL << 20 },
		{ "64M", 1, 0, 64ULL << 20 },
		{ "2g", 1, 0, 2ULL << 30 },
		{ "2G", 1, 0, 2ULL << 30 },
		{ "3t", 1, 0, 3ULL << 40 },
		{ "3T", 1, 0, 3ULL << 40 },
		{ "1P", 1, 0, 1ULL << 50 },
		{ "7E", 1, 0, 7ULL << 60 },
		{ "512B", 1ULL << 20, 0, 512 },
		{ "0x10", 1, 0, 16 },
		{ "0x10M", 1, 0, 16ULL << 20 },
		{ "18446744073709551615", 1, 0, UINT64_MAX },
		{ "18446744073709551616", 1, -ERANGE, 0 },
		{ "16E", 1, -ERANGE, 0 },
		{ "17179869184G", 1, -ERANGE, 0 },
		{ "17592186044416", 1ULL << 20, -ERANGE, 0 },
		{ "", 1, -EINVAL, 0 },
		{ "lots", 1, -EINVAL, 0 },
		{ "M", 1, -EINVAL, 0 },
		{ "-1", 1, -EINVAL, 0 },
		{ " 1", 1, -EINVAL, 0 },
		{ "1MB", 1, -EINVAL, 0 },
		{ "1X", 1, -EINVAL, 0 },
		{ "1.5G", 1, -EINVAL, 0 },
		{ "1 M", 1, -EINVAL, 0 },
		{ "64", 0, -EINVAL, 0 },
	};
	uint64_t v;
	int error;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		error = parse_size(cases[i].s, cases[i].unit, &v);
		if (error != cases[i].error)
			fail_msg("parse_size(\"%s\", %ju) = %d, want %d",
			    cases[i].s, (uintmax_t)cases[i].unit, error,
			    cases[i].error);
		if (error == 0 && v != cases[i].want)
			fail_msg("parse_size(\"%s\") = %ju, want %ju",
			    cases[i].s, (uintmax_t)v, (uintmax_t)cases[i].want);
		if (error != 0)
			assert_int_equal(v, 12345);	/* untouched */
	}
	assert_int_equal(parse_size(NULL, 1, &v), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_paths, setup),
		cmocka_unit_test_setup(test_bad_paths, setup),
		cmocka_unit_test_setup(test_node_value_conflicts, setup),
		cmocka_unit_test_setup(test_insertion_order, setup),
		cmocka_unit_test_setup(test_expansion, setup),
		cmocka_unit_test_setup(test_deep_chain, setup),
		cmocka_unit_test_setup(test_booleans, setup),
		cmocka_unit_test_setup(test_unset, setup),
		cmocka_unit_test_setup(test_dump_load_roundtrip, setup),
		cmocka_unit_test_setup(test_load_file_format, setup),
		cmocka_unit_test_setup(test_load_file_errors, setup),
		cmocka_unit_test_setup(test_assignment, setup),
		cmocka_unit_test_setup(test_parse_size, setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
