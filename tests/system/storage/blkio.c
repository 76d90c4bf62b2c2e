/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blkio.c: a small static guest tool for the storage tests and bench/io:
 * ask the guest kernel for write-zeroes (BLKZEROOUT, fallocate on a block
 * device), and time sequential or random O_DIRECT reads and writes.
 * Busybox has neither.  Built with gcc -static by tests/system/storage/
 * run.sh and bench/io, put in the initramfs as /bin/blkio.
 *
 * usage: blkio zeroout DEV OFFSET LEN    BLKZEROOUT (write-zeroes, may
 *                                         fall back to writing zeroes)
 *        blkio punch DEV OFFSET LEN      fallocate(PUNCH_HOLE): write-
 *                                         zeroes with unmap, no fallback
 *        blkio bench DEV MODE BS MIB [SPAN_MIB]
 *            MODE: seqread seqwrite randread randwrite; BS bytes per I/O;
 *            MIB MiB moved in all; random offsets inside the first SPAN_MIB
 *            MiB (default MIB).  Writes end with fdatasync, inside the
 *            timing.  Prints one line:
 *            BLKIO mode=M bs=B ops=N bytes=N sec=S mibps=X iops=Y
 *        blkio now                       CLOCK_MONOTONIC in seconds, to
 *                                         the microsecond (busybox date
 *                                         has no %N), for timing dd
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int
usage(void)
{
	fprintf(stderr, "usage: blkio zeroout|punch DEV OFFSET LEN\n"
	    "       blkio bench DEV seqread|seqwrite|randread|randwrite "
	    "BS MIB [SPAN_MIB]\n       blkio now\n");
	return (2);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
zero_range(const char *dev, const char *how, uint64_t off, uint64_t len)
{
	uint64_t range[2] = { off, len };
	int fd, r;

	fd = open(dev, O_RDWR);
	if (fd < 0) {
		perror(dev);
		return (1);
	}
	if (strcmp(how, "zeroout") == 0)
		r = ioctl(fd, BLKZEROOUT, range);
	else
		r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		    off, len);
	if (r != 0) {
		fprintf(stderr, "blkio: %s %s: %s\n", how, dev,
		    strerror(errno));
		close(fd);
		return (1);
	}
	close(fd);
	printf("BLKIO %s off=%llu len=%llu ok\n", how,
	    (unsigned long long)off, (unsigned long long)len);
	return (0);
}

static int
bench(const char *dev, const char *mode, size_t bs, uint64_t mib,
    uint64_t span_mib)
{
	bool wr = strstr(mode, "write") != NULL;
	bool rnd = strncmp(mode, "rand", 4) == 0;
	uint64_t total = mib << 20, span = span_mib << 20, ops, nblk, x;
	double t0, t1;
	ssize_t r;
	void *buf;
	int fd;

	if (bs < 512 || (bs & 511) != 0 || total < bs || span < bs)
		return (usage());
	if (posix_memalign(&buf, 4096, bs) != 0)
		return (1);
	memset(buf, 0x5a, bs);
	fd = open(dev, (wr ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0) {
		perror(dev);
		return (1);
	}
	ops = total / bs;
	nblk = span / bs;
	x = 0x9e3779b97f4a7c15ULL;
	t0 = now();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t blk;

		if (rnd) {
			/* xorshift64: cheap, and the same on every VMM. */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			blk = x % nblk;
		} else {
			blk = i % nblk;
		}
		if (wr)
			r = pwrite(fd, buf, bs, (off_t)(blk * bs));
		else
			r = pread(fd, buf, bs, (off_t)(blk * bs));
		if (r != (ssize_t)bs) {
			fprintf(stderr, "blkio: %s at %llu: %s\n", mode,
			    (unsigned long long)(blk * bs),
			    r < 0 ? strerror(errno) : "short transfer");
			return (1);
		}
	}
	if (wr && fdatasync(fd) != 0) {
		perror("fdatasync");
		return (1);
	}
	t1 = now();
	close(fd);
	printf("BLKIO mode=%s bs=%zu ops=%llu bytes=%llu sec=%.3f "
	    "mibps=%.2f iops=%.0f\n", mode, bs, (unsigned long long)ops,
	    (unsigned long long)(ops * bs), t1 - t0,
	    (ops * bs) / 1048576.0 / (t1 - t0), ops / (t1 - t0));
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		printf("%.6f\n", now());
		return (0);
	}
	if (argc == 5 && (strcmp(argv[1], "zeroout") == 0 ||
	    strcmp(argv[1], "punch") == 0))
		return (zero_range(argv[2], argv[1],
		    strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0)));
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "bench") == 0)
		return (bench(argv[2], argv[3], strtoul(argv[4], NULL, 0),
		    strtoull(argv[5], NULL, 0), strtoull(argv[argc == 7 ?
		    6 : 5], NULL, 0)));
	return (usage());
}
