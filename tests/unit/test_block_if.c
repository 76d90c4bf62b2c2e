/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_block_if.c: the shared disk backend on temporary images: read,
 * write, flush, delete (holes), write-zeroes with and without unmap, ro
 * refusals, the OFD image locks (one writer; ro users share with each
 * other, never with a writer), and open errors naming the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "devices/block_if.h"

#define IMG_SIZE	(1024 * 1024)

static char img[64];
static uint8_t pattern[IMG_SIZE];

/* ---- waiting for a request ---- */

static pthread_mutex_t done_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static int done_n, done_err;

static void
done_cb(struct blockif_req *br, int err)
{
	pthread_mutex_lock(&done_mtx);
	done_n++;
	done_err = err;
	pthread_cond_broadcast(&done_cv);
	pthread_mutex_unlock(&done_mtx);
}

/* Queue br with fn and wait for its callback; the callback's error. */
static int
run(int (*fn)(struct blockif_ctxt *, struct blockif_req *),
    struct blockif_ctxt *bc, struct blockif_req *br)
{
	int err, want;

	pthread_mutex_lock(&done_mtx);
	want = done_n + 1;
	pthread_mutex_unlock(&done_mtx);
	br->br_callback = done_cb;
	err = fn(bc, br);
	if (err != 0)
		return (-err);		/* refused at submission */
	pthread_mutex_lock(&done_mtx);
	while (done_n < want)
		pthread_cond_wait(&done_cv, &done_mtx);
	err = done_err;
	pthread_mutex_unlock(&done_mtx);
	return (err);
}

static int
zeroes_unmap(struct blockif_ctxt *bc, struct blockif_req *br)
{
	return (blockif_write_zeroes(bc, br, true));
}

static int
zeroes_keep(struct blockif_ctxt *bc, struct blockif_req *br)
{
	return (blockif_write_zeroes(bc, br, false));
}

/* ---- fixtures ---- */

static struct config_node *
disk_node(const char *name, const char *opts)
{
	char buf[256];
	struct config_node *n;

	n = create_config_node(name);
	assert_non_null(n);
	snprintf(buf, sizeof(buf), "%s%s", img, opts);
	assert_int_equal(blockif_legacy_config(n, buf), 0);
	return (n);
}

static int
setup(void **state)
{
	int fd;

	init_config();
	for (int i = 0; i < IMG_SIZE; i++)
		pattern[i] = (uint8_t)(i * 13 + (i >> 12) + 1);
	snprintf(img, sizeof(img), "/tmp/lhyve-tbif-%d.img", getpid());
	fd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pattern, IMG_SIZE), IMG_SIZE);
	assert_int_equal(fsync(fd), 0);
	close(fd);
	return (0);
}

static int
teardown(void **state)
{
	free_config();
	unlink(img);
	return (0);
}

static void
read_back(void *buf, off_t off, size_t len)
{
	int fd = open(img, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static long long
blocks_of(void)
{
	struct stat st;

	assert_int_equal(stat(img, &st), 0);
	return ((long long)st.st_blocks);
}

/* ---- tests ---- */

static void
test_open_props(void **state)
{
	struct blockif_ctxt *bc;
	int ps, po;

	bc = blockif_open(disk_node("d", ",sectorsize=512/4096"), "t@1");
	assert_non_null(bc);
	assert_int_equal(blockif_size(bc), IMG_SIZE);
	assert_int_equal(blockif_sectsz(bc), 512);
	blockif_psectsz(bc, &ps, &po);
	assert_int_equal(ps, 4096);
	assert_int_equal(po, 0);
	assert_false(blockif_is_ro(bc));
	assert_true(blockif_candelete(bc));
	assert_true(blockif_can_write_zeroes(bc));
	assert_string_equal(blockif_path(bc), img);
	blockif_close(bc);

	bc = blockif_open(disk_node("e", ",nodelete"), "t@2");
	assert_non_null(bc);
	assert_false(blockif_candelete(bc));
	assert_true(blockif_can_write_zeroes(bc));
	blockif_close(bc);
}

static void
test_read_write_flush(void **state)
{
	struct blockif_ctxt *bc;
	struct blockif_req br;
	uint8_t a[1536], b[512], back[2048];

	bc = blockif_open(disk_node("d", ""), "t@1");
	assert_non_null(bc);
	/* A read split over two buffers. */
	memset(&br, 0, sizeof(br));
	br.br_iov[0].iov_base = a;
	br.br_iov[0].iov_len = sizeof(a);
	br.br_iov[1].iov_base = b;
	br.br_iov[1].iov_len = sizeof(b);
	br.br_iovcnt = 2;
	br.br_offset = 4096;
	br.br_resid = 2048;
	assert_int_equal(run(blockif_read, bc, &br), 0);
	assert_int_equal(br.br_resid, 0);
	assert_memory_equal(a, pattern + 4096, sizeof(a));
	assert_memory_equal(b, pattern + 4096 + sizeof(a), sizeof(b));
	/* A write, then a flush. */
	memset(a, 0xa5, sizeof(a));
	memset(&br, 0, sizeof(br));
	br.br_iov[0].iov_base = a;
	br.br_iov[0].iov_len = 1024;
	br.br_iovcnt = 1;
	br.br_offset = 8192;
	br.br_resid = 1024;
	assert_int_equal(run(blockif_write, bc, &br), 0);
	memset(&br, 0, sizeof(br));
	assert_int_equal(run(blockif_flush, bc, &br), 0);
	read_back(back, 8192 - 512, 2048);
	assert_memory_equal(back, pattern + 8192 - 512, 512);
	for (int i = 512; i < 1536; i++)
		assert_int_equal(back[i], 0xa5);
	assert_memory_equal(back + 1536, pattern + 8192 + 1024, 512);
	/* Reading past the end of the image fails. */
	memset(&br, 0, sizeof(br));
	br.br_iov[0].iov_base = a;
	br.br_iov[0].iov_len = 512;
	br.br_iovcnt = 1;
	br.br_offset = IMG_SIZE;
	br.br_resid = 512;
	assert_int_equal(run(blockif_read, bc, &br), EIO);
	blockif_close(bc);
}

static void
test_delete_and_zeroes(void **state)
{
	struct blockif_ctxt *bc;
	struct blockif_req br;
	uint8_t z[65536], back[65536];
	long long before, after;

	memset(z, 0, sizeof(z));
	bc = blockif_open(disk_node("d", ""), "t@1");
	assert_non_null(bc);
	/* Delete: a hole, fewer blocks, zeroes when read. */
	before = blocks_of();
	memset(&br, 0, sizeof(br));
	br.br_offset = 65536;
	br.br_resid = 65536;
	assert_int_equal(run(blockif_delete, bc, &br), 0);
	after = blocks_of();
	assert_true(after <= before - 65536 / 512);
	read_back(back, 65536, 65536);
	assert_memory_equal(back, z, 65536);
	read_back(back, 65536 - 512, 512);
	assert_memory_equal(back, pattern + 65536 - 512, 512);

	/* Write-zeroes with unmap: a hole too. */
	before = blocks_of();
	memset(&br, 0, sizeof(br));
	br.br_offset = 262144;
	br.br_resid = 65536;
	assert_int_equal(run(zeroes_unmap, bc, &br), 0);
	assert_int_equal(br.br_resid, 0);
	assert_true(blocks_of() <= before - 65536 / 512);
	read_back(back, 262144, 65536);
	assert_memory_equal(back, z, 65536);

	/* Without unmap: zeroes, space kept allocated. */
	before = blocks_of();
	memset(&br, 0, sizeof(br));
	br.br_offset = 524288;
	br.br_resid = 4096;
	assert_int_equal(run(zeroes_keep, bc, &br), 0);
	read_back(back, 524288 - 512, 4096 + 1024);
	assert_memory_equal(back, pattern + 524288 - 512, 512);
	assert_memory_equal(back + 512, z, 4096);
	assert_memory_equal(back + 4608, pattern + 524288 + 4096, 512);
	assert_true(blocks_of() >= before);
	blockif_close(bc);

	/* nodelete: delete refused, write-zeroes with unmap keeps space. */
	bc = blockif_open(disk_node("e", ",nodelete"), "t@2");
	assert_non_null(bc);
	memset(&br, 0, sizeof(br));
	br.br_offset = 655360;
	br.br_resid = 65536;
	assert_int_equal(run(blockif_delete, bc, &br), -EOPNOTSUPP);
	before = blocks_of();
	assert_int_equal(run(zeroes_unmap, bc, &br), 0);
	assert_true(blocks_of() >= before);
	read_back(back, 655360, 65536);
	assert_memory_equal(back, z, 65536);
	blockif_close(bc);
}

static void
test_read_only(void **state)
{
	struct blockif_ctxt *bc;
	struct blockif_req br;
	uint8_t a[512], back[512];

	bc = blockif_open(disk_node("d", ",ro"), "t@1");
	assert_non_null(bc);
	assert_true(blockif_is_ro(bc));
	assert_false(blockif_candelete(bc));
	assert_false(blockif_can_write_zeroes(bc));
	memset(a, 0x11, sizeof(a));
	memset(&br, 0, sizeof(br));
	br.br_iov[0].iov_base = a;
	br.br_iov[0].iov_len = 512;
	br.br_iovcnt = 1;
	br.br_resid = 512;
	assert_int_equal(run(blockif_write, bc, &br), -EROFS);
	br.br_resid = 512;
	assert_int_equal(run(blockif_delete, bc, &br), -EROFS);
	br.br_resid = 512;
	assert_int_equal(run(zeroes_keep, bc, &br), -EROFS);
	read_back(back, 0, 512);
	assert_memory_equal(back, pattern, 512);
	/* Flush and read still work. */
	memset(&br, 0, sizeof(br));
	assert_int_equal(run(blockif_flush, bc, &br), 0);
	blockif_close(bc);
}

static void
test_locks(void **state)
{
	struct blockif_ctxt *w, *r1, *r2, *x;

	/* One writer: a second writer and a reader are refused. */
	w = blockif_open(disk_node("a", ""), "virtio-blk@pci0:4:0");
	assert_non_null(w);
	assert_null(blockif_open(disk_node("b", ""), "virtio-blk@pci0:5:0"));
	assert_null(blockif_open(disk_node("c", ",ro"),
	    "virtio-blk@pci0:6:0"));
	blockif_close(w);
	/* Closed: the lock went with it. */
	w = blockif_open(disk_node("d", ""), "virtio-blk@pci0:4:0");
	assert_non_null(w);
	blockif_close(w);
	/* Readers share; a writer is refused while they hold it. */
	r1 = blockif_open(disk_node("e", ",ro"), "virtio-blk@pci0:4:0");
	r2 = blockif_open(disk_node("f", ",ro"), "virtio-blk@pci0:5:0");
	assert_non_null(r1);
	assert_non_null(r2);
	assert_null(blockif_open(disk_node("g", ""), "virtio-blk@pci0:6:0"));
	blockif_close(r1);
	assert_null(blockif_open(disk_node("h", ""), "virtio-blk@pci0:6:0"));
	blockif_close(r2);
	x = blockif_open(disk_node("i", ""), "virtio-blk@pci0:6:0");
	assert_non_null(x);
	blockif_close(x);
}

static void
test_open_errors(void **state)
{
	struct config_node *n;

	n = create_config_node("m");
	set_config_value_node(n, "path", "/nonexistent/lhyve/disk.img");
	assert_null(blockif_open(n, "virtio-blk@pci0:4:0"));
	n = create_config_node("dir");
	set_config_value_node(n, "path", "/tmp");
	assert_null(blockif_open(n, "virtio-blk@pci0:4:0"));
	n = create_config_node("nopath");
	assert_null(blockif_open(n, "virtio-blk@pci0:4:0"));
	assert_null(blockif_open(disk_node("s", ",sectorsize=768"), "x"));
	assert_null(blockif_open(disk_node("t", ",ro=perhaps"), "x"));
	/* The legacy parser wants the path first. */
	n = create_config_node("l");
	assert_int_equal(blockif_legacy_config(n, "ro,/x"), 0);
	assert_int_equal(blockif_legacy_config(n, "sectorsize=512"), -1);
	assert_int_equal(blockif_legacy_config(n, ""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_open_props),
		T(test_read_write_flush),
		T(test_delete_and_zeroes),
		T(test_read_only),
		T(test_locks),
		T(test_open_errors),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
