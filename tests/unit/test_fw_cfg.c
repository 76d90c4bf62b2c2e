/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_fw_cfg.c: QEMU's fw_cfg device (src/devices/fw_cfg.c) driven
 * through its ports as a guest would: signature, ID, fixed items, the
 * file directory's exact bytes, reads past the end, selector bits, the
 * DMA interface against a fake guest memory (read, skip, select, write
 * refused, bad addresses), the DMA signature, and the file limits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/fw_cfg.h"

/* Fake guest RAM: [0x1000, 0x1000 + sizeof(ram)). */
#define RAM_BASE	0x1000ULL
static uint8_t ram[0x4000];
static uint64_t wrote_gpa, wrote_len;
static int wrote_calls;

static void *
fake_map(void *arg, uint64_t gpa, size_t len)
{
	(void)arg;
	if (gpa < RAM_BASE || len > sizeof(ram) ||
	    gpa - RAM_BASE > sizeof(ram) - len)
		return (NULL);
	return (ram + (gpa - RAM_BASE));
}

static void
fake_wrote(void *arg, uint64_t gpa, size_t len)
{
	(void)arg;
	wrote_gpa = gpa;
	wrote_len = len;
	wrote_calls++;
}

static struct fwcfg *
make(void)
{
	struct fwcfg *sc = fwcfg_create(fake_map, fake_wrote, NULL);

	assert_non_null(sc);
	memset(ram, 0, sizeof(ram));
	wrote_calls = 0;
	return (sc);
}

static void
sel(struct fwcfg *sc, uint16_t key)
{
	uint32_t v = key;

	assert_int_equal(fwcfg_io(sc, 0, FWCFG_PORT_SEL, 2, &v), 0);
}

static uint8_t
rdb(struct fwcfg *sc)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(fwcfg_io(sc, 1, FWCFG_PORT_DATA, 1, &v), 0);
	assert_true(v <= 0xff);
	return ((uint8_t)v);
}

static void
rdn(struct fwcfg *sc, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = rdb(sc);
}

static void
test_signature_id(void **state)
{
	struct fwcfg *sc = make();
	uint8_t b[8];
	uint32_t v;

	(void)state;
	sel(sc, FWCFG_SIGNATURE);
	rdn(sc, b, 6);
	assert_memory_equal(b, "QEMU\0\0", 6);	/* then zeros */
	sel(sc, FWCFG_SIGNATURE);		/* selecting rewinds */
	assert_int_equal(rdb(sc), 'Q');
	sel(sc, FWCFG_ID);
	rdn(sc, b, 4);
	assert_memory_equal(b, "\x03\0\0\0", 4);
	/* A 4-byte read of the data port takes 4 bytes, little-endian. */
	sel(sc, FWCFG_SIGNATURE);
	assert_int_equal(fwcfg_io(sc, 1, FWCFG_PORT_DATA, 4, &v), 0);
	assert_int_equal(v, 0x554d4551);
	/* The write channel and arch-local bits. */
	sel(sc, FWCFG_SIGNATURE | FWCFG_WRITE_CHANNEL);
	assert_int_equal(rdb(sc), 'Q');
	sel(sc, FWCFG_SIGNATURE | FWCFG_ARCH_LOCAL);
	assert_int_equal(rdb(sc), 0);
	/* No such item: zeros. */
	sel(sc, 0x0123);
	assert_int_equal(rdb(sc), 0);
	/* The selector is a 16-bit write-only register. */
	v = 0;
	assert_int_equal(fwcfg_io(sc, 1, FWCFG_PORT_SEL, 2, &v), -1);
	assert_int_equal(fwcfg_io(sc, 0, FWCFG_PORT_SEL, 1, &v), -1);
	/* 0x512/0x513 are nobody's. */
	assert_int_equal(fwcfg_io(sc, 1, 0x512, 1, &v), -1);
	/* A data port write is dropped. */
	v = 0x55;
	sel(sc, FWCFG_SIGNATURE);
	assert_int_equal(fwcfg_io(sc, 0, FWCFG_PORT_DATA, 1, &v), 0);
	assert_int_equal(rdb(sc), 'Q');
	fwcfg_destroy(sc);
}

static void
test_items(void **state)
{
	struct fwcfg *sc = make();
	static const uint8_t two[2] = { 4, 0 };
	uint8_t b[4];

	(void)state;
	assert_int_equal(fwcfg_set_item(sc, FWCFG_NB_CPUS, two, 2), 0);
	sel(sc, FWCFG_NB_CPUS);
	rdn(sc, b, 3);
	assert_memory_equal(b, "\x04\0\0", 3);
	/* The device's own items, and keys past 0x1f, are not settable. */
	assert_int_equal(fwcfg_set_item(sc, FWCFG_SIGNATURE, two, 2),
	    -EINVAL);
	assert_int_equal(fwcfg_set_item(sc, FWCFG_ID, two, 2), -EINVAL);
	assert_int_equal(fwcfg_set_item(sc, FWCFG_FILE_DIR, two, 2), -EINVAL);
	assert_int_equal(fwcfg_set_item(sc, FWCFG_FILE_FIRST, two, 2),
	    -EINVAL);
	fwcfg_destroy(sc);
}

static void
test_directory(void **state)
{
	struct fwcfg *sc = make();
	char name[64];
	uint8_t d[4 + 2 * 64], want[4 + 2 * 64];

	(void)state;
	/* Empty: a count of 0. */
	sel(sc, FWCFG_FILE_DIR);
	rdn(sc, d, 5);
	assert_memory_equal(d, "\0\0\0\0\0", 5);

	assert_int_equal(fwcfg_add_file(sc, "opt/a", "hello", 6), 0);
	assert_int_equal(fwcfg_add_file(sc, "etc/b", "\x01\x02\x03", 3), 0);
	sel(sc, FWCFG_FILE_DIR);
	rdn(sc, d, sizeof(d));
	memset(want, 0, sizeof(want));
	want[3] = 2;				/* BE32 count */
	want[4 + 3] = 6;			/* BE32 size */
	want[4 + 4] = 0x00;			/* BE16 key 0x0020 */
	want[4 + 5] = 0x20;
	memcpy(want + 4 + 8, "opt/a", 5);
	want[68 + 3] = 3;
	want[68 + 5] = 0x21;
	memcpy(want + 68 + 8, "etc/b", 5);
	assert_memory_equal(d, want, sizeof(want));
	assert_int_equal(rdb(sc), 0);		/* end of the directory */

	sel(sc, 0x20);
	rdn(sc, d, 7);
	assert_memory_equal(d, "hello\0\0", 7);
	sel(sc, 0x21);
	rdn(sc, d, 4);
	assert_memory_equal(d, "\x01\x02\x03\0", 4);
	sel(sc, 0x22);				/* no third file */
	assert_int_equal(rdb(sc), 0);

	/* Names: not empty, at most 55 characters, unique. */
	assert_int_equal(fwcfg_add_file(sc, "", "x", 1), -EINVAL);
	assert_int_equal(fwcfg_add_file(sc, "opt/a", "x", 1), -EEXIST);
	memset(name, 'n', 55);
	name[55] = '\0';
	assert_int_equal(fwcfg_add_file(sc, name, "x", 1), 0);
	name[55] = 'n';
	name[56] = '\0';
	assert_int_equal(fwcfg_add_file(sc, name, "x", 1), -ENAMETOOLONG);
	/* A 55-character name keeps its NUL in the 56-byte field. */
	sel(sc, FWCFG_FILE_DIR);
	rdn(sc, d, 4);
	assert_memory_equal(d, "\0\0\0\3", 4);
	for (int i = 0; i < 2 * 64; i++)
		(void)rdb(sc);
	rdn(sc, d, 8);
	assert_memory_equal(d, "\0\0\0\1\0\x22\0\0", 8);
	for (int i = 0; i < 55; i++)
		assert_int_equal(rdb(sc), 'n');
	assert_int_equal(rdb(sc), 0);
	/* Empty files are fine. */
	assert_int_equal(fwcfg_add_file(sc, "opt/empty", NULL, 0), 0);
	sel(sc, 0x23);
	assert_int_equal(rdb(sc), 0);
	fwcfg_destroy(sc);
}

/* A DMA request at guest address acc (in ram). */
static void
dma(struct fwcfg *sc, uint64_t acc, uint32_t control, uint32_t len,
    uint64_t addr)
{
	uint8_t *p = fake_map(NULL, acc, 16);
	uint32_t v;

	assert_non_null(p);
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(control >> (24 - 8 * i));
		p[4 + i] = (uint8_t)(len >> (24 - 8 * i));
	}
	for (int i = 0; i < 8; i++)
		p[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
	/* outl of the big-endian halves, as Linux's iowrite32be(). */
	v = __builtin_bswap32((uint32_t)(acc >> 32));
	assert_int_equal(fwcfg_io(sc, 0, FWCFG_PORT_DMA, 4, &v), 0);
	v = __builtin_bswap32((uint32_t)acc);
	assert_int_equal(fwcfg_io(sc, 0, FWCFG_PORT_DMA_LO, 4, &v), 0);
}

static uint32_t
control_at(uint64_t acc)
{
	uint8_t *p = fake_map(NULL, acc, 4);

	return ((uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]);
}

static void
test_dma(void **state)
{
	struct fwcfg *sc = make();
	uint8_t *buf = ram + 0x100;
	const uint64_t acc = RAM_BASE, dst = RAM_BASE + 0x100;
	uint32_t v;

	(void)state;
	assert_int_equal(fwcfg_add_file(sc, "opt/x", "0123456789", 10), 0);

	/* Select + read 4 of 10 bytes. */
	memset(buf, 0xAA, 32);
	dma(sc, acc, 0x0020u << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ, 4,
	    dst);
	assert_int_equal(control_at(acc), 0);
	assert_memory_equal(buf, "0123\xAA", 5);
	assert_int_equal(wrote_calls, 2);	/* the data, then control */
	assert_int_equal(wrote_gpa, acc);
	assert_int_equal(wrote_len, 4);
	/* Skip 2, then read on: offsets carry over, also to the port. */
	dma(sc, acc, FWCFG_DMA_SKIP, 2, 0);
	assert_int_equal(control_at(acc), 0);
	assert_int_equal(rdb(sc), '6');
	dma(sc, acc, FWCFG_DMA_READ, 8, dst);
	assert_int_equal(control_at(acc), 0);
	/* 3 bytes left, then zeros. */
	assert_memory_equal(buf, "789\0\0\0\0\0\xAA", 9);
	/* Read of length 0: nothing touched, success. */
	dma(sc, acc, FWCFG_DMA_READ, 0, 0);
	assert_int_equal(control_at(acc), 0);
	/* Writes are refused with the error bit. */
	dma(sc, acc, 0x0020u << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_WRITE, 4,
	    dst);
	assert_int_equal(control_at(acc), FWCFG_DMA_ERROR);
	/* A destination outside RAM: the error bit, nothing written. */
	dma(sc, acc, 0x0020u << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ, 4,
	    0x100000000ULL);
	assert_int_equal(control_at(acc), FWCFG_DMA_ERROR);
	dma(sc, acc, FWCFG_DMA_READ, sizeof(ram), dst);
	assert_int_equal(control_at(acc), FWCFG_DMA_ERROR);
	/* An access structure outside RAM is ignored (no crash). */
	v = __builtin_bswap32(0x10);
	assert_int_equal(fwcfg_io(sc, 0, FWCFG_PORT_DMA_LO, 4, &v), 0);
	/* Only whole 32-bit writes at 0x514 / 0x518 count. */
	assert_int_equal(fwcfg_io(sc, 0, FWCFG_PORT_DMA, 2, &v), -1);
	assert_int_equal(fwcfg_io(sc, 0, FWCFG_PORT_DMA + 2, 4, &v), -1);
	/* The DMA signature "QEMU CFG", read in any width. */
	assert_int_equal(fwcfg_io(sc, 1, FWCFG_PORT_DMA, 4, &v), 0);
	assert_int_equal(v, 0x554d4551);
	assert_int_equal(fwcfg_io(sc, 1, FWCFG_PORT_DMA_LO, 4, &v), 0);
	assert_int_equal(v, 0x47464320);
	assert_int_equal(fwcfg_io(sc, 1, FWCFG_PORT_DMA + 7, 1, &v), 0);
	assert_int_equal(v, 'G');
	assert_int_equal(fwcfg_io(sc, 1, FWCFG_PORT_DMA + 6, 4, &v), -1);
	fwcfg_destroy(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_id),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_dma),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
