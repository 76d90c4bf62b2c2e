/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * block_if.c: file- and block-device-backed disk I/O on a pool of worker
 * threads (bhyve's block_if, on Linux): preadv/pwritev, fdatasync for
 * flushes, hole punching or BLKDISCARD for deletes, zero ranges or
 * BLKZEROOUT for write-zeroes, and OFD locks so that one image has one
 * writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block_if.h"

struct blockif_ctxt {
	int bc_fd;
	char *bc_path;
	bool bc_rdonly;
	bool bc_candelete;
	bool bc_isblk;
	off_t bc_size;
	int bc_sectsz;
	int bc_psectsz;
	int bc_psectoff;

	pthread_mutex_t bc_mtx;
	pthread_cond_t bc_cond;
	bool bc_closing;
	struct blockif_req *bc_head, *bc_tail;
	int bc_nthr;
	pthread_t bc_thr[BLOCKIF_NUMTHR];
};

/* ---- options ---- */

/* A power of two between 512 and 64 KiB?  bhyve's sector size limits. */
static bool
sectsz_ok(unsigned long v)
{
	return (v >= 512 && v <= 65536 && (v & (v - 1)) == 0);
}

/* "L" or "L/P".  0, or -1 after saying what is wrong. */
static int
parse_sectorsize(const char *ident, const char *s, int *l, int *p)
{
	unsigned long a, b;
	char *end;

	errno = 0;
	a = strtoul(s, &end, 10);
	b = a;
	if (errno == 0 && end != s && *end == '/') {
		const char *q = end + 1;

		b = strtoul(q, &end, 10);
		if (end == q)
			b = 0;
	}
	if (errno != 0 || end == s || *end != '\0' || !sectsz_ok(a) ||
	    !sectsz_ok(b) || b < a) {
		fprintf(stderr, "lhyve: %s: sectorsize=%s: expected L or L/P, "
		    "powers of two from 512 to 65536 with P >= L\n", ident, s);
		return (-1);
	}
	*l = a;
	*p = b;
	return (0);
}

int
blockif_legacy_config(struct config_node *nvl, const char *opts)
{
	char *copy, *rest, *tok, *value;
	int error = 0;

	if (opts == NULL || *opts == '\0' || *opts == ',') {
		fprintf(stderr, "lhyve: a disk needs a path: "
		    "PATH[,ro][,nocache][,direct][,sectorsize=L[/P]]...\n");
		return (-1);
	}
	copy = rest = strdup(opts);
	if (copy == NULL)
		return (-1);
	tok = strsep(&rest, ",");
	if (strchr(tok, '=') != NULL) {
		fprintf(stderr, "lhyve: the first disk option must be the "
		    "path, not '%s'\n", tok);
		free(copy);
		return (-1);
	}
	set_config_value_node(nvl, "path", tok);
	while ((tok = strsep(&rest, ",")) != NULL) {
		if (*tok == '\0')
			continue;
		value = strchr(tok, '=');
		if (value != NULL)
			*value++ = '\0';
		if (*tok == '\0') {
			fprintf(stderr, "lhyve: disk option '=%s' has no "
			    "name\n", value);
			error = -1;
			break;
		}
		set_config_value_node(nvl, tok, value != NULL ? value :
		    "true");
	}
	free(copy);
	return (error);
}

/* A boolean option; -1 after saying it is malformed. */
static int
opt_bool(const struct config_node *nvl, const char *ident, const char *name)
{
	const char *v = get_config_value_node(nvl, name);
	int b;

	if (v == NULL)
		return (0);
	b = parse_bool(v);
	if (b < 0)
		fprintf(stderr, "lhyve: %s: %s=%s is not a boolean\n", ident,
		    name, v);
	return (b);
}

/* ---- the worker pool ---- */

static int
do_rw(struct blockif_ctxt *bc, struct blockif_req *br)
{
	struct iovec iov[BLOCKIF_IOV_MAX], *v = iov;
	int n = br->br_iovcnt;
	ssize_t r;

	if (n < 0 || n > BLOCKIF_IOV_MAX)
		return (EINVAL);
	memcpy(iov, br->br_iov, n * sizeof(iov[0]));
	while (br->br_resid > 0 && n > 0) {
		if (br->br_op == BOP_READ)
			r = preadv(bc->bc_fd, v, n, br->br_offset);
		else
			r = pwritev(bc->bc_fd, v, n, br->br_offset);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return (errno);
		}
		if (r == 0)
			return (EIO);	/* the image shrank under us */
		br->br_offset += r;
		br->br_resid -= r;
		/* A short transfer: go on with the rest of the vector. */
		while (n > 0 && (size_t)r >= v->iov_len) {
			r -= v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + r;
			v->iov_len -= r;
		}
	}
	return (0);
}

static int
do_delete(struct blockif_ctxt *bc, struct blockif_req *br)
{
	uint64_t range[2];

	if (!bc->bc_candelete)
		return (EOPNOTSUPP);
	if (bc->bc_isblk) {
		range[0] = br->br_offset;
		range[1] = br->br_resid;
		if (ioctl(bc->bc_fd, BLKDISCARD, range) != 0)
			return (errno);
	} else if (fallocate(bc->bc_fd, FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, br->br_offset, br->br_resid) != 0) {
		return (errno);
	}
	br->br_resid = 0;
	return (0);
}

/* Write real zeroes over [off, off + len): the fallback of every method. */
static int
write_zero_bytes(struct blockif_ctxt *bc, off_t off, off_t len)
{
	/* Aligned, for O_DIRECT (nocache) images. */
	static const uint8_t zero[65536] __attribute__((aligned(4096)));
	ssize_t r;

	while (len > 0) {
		r = pwrite(bc->bc_fd, zero, len < (off_t)sizeof(zero) ? len :
		    (off_t)sizeof(zero), off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return (errno);
		}
		if (r == 0)
			return (EIO);
		off += r;
		len -= r;
	}
	return (0);
}

/* Not supported by this file system or device: try the next way. */
static bool
unsupported(int err)
{
	return (err == EOPNOTSUPP || err == ENOTTY || err == EINVAL ||
	    err == ENOSYS);
}

static int
do_write_zeroes(struct blockif_ctxt *bc, struct blockif_req *br)
{
	off_t off = br->br_offset, len = br->br_resid;
	uint64_t range[2];
	int err;

	if (bc->bc_rdonly)
		return (EROFS);
	if (bc->bc_isblk) {
		/* The kernel picks WRITE ZEROES, unmapping or plain writes. */
		range[0] = off;
		range[1] = len;
		err = ioctl(bc->bc_fd, BLKZEROOUT, range) == 0 ? 0 : errno;
	} else {
		/*
		 * A hole reads as zeroes and gives the space back (only
		 * when the disk may delete); ZERO_RANGE keeps it allocated,
		 * so later writes cannot fail for lack of space.
		 */
		err = EOPNOTSUPP;
		if (br->br_unmap && bc->bc_candelete)
			err = fallocate(bc->bc_fd, FALLOC_FL_PUNCH_HOLE |
			    FALLOC_FL_KEEP_SIZE, off, len) == 0 ? 0 : errno;
		if (unsupported(err))
			err = fallocate(bc->bc_fd, FALLOC_FL_ZERO_RANGE |
			    FALLOC_FL_KEEP_SIZE, off, len) == 0 ? 0 : errno;
	}
	if (unsupported(err))
		err = write_zero_bytes(bc, off, len);
	if (err == 0)
		br->br_resid = 0;
	return (err);
}

static void *
blockif_thr(void *arg)
{
	struct blockif_ctxt *bc = arg;
	struct blockif_req *br;
	int err;

	pthread_mutex_lock(&bc->bc_mtx);
	for (;;) {
		while (bc->bc_head == NULL && !bc->bc_closing)
			pthread_cond_wait(&bc->bc_cond, &bc->bc_mtx);
		if (bc->bc_head == NULL)
			break;
		br = bc->bc_head;
		bc->bc_head = br->br_next;
		if (bc->bc_head == NULL)
			bc->bc_tail = NULL;
		pthread_mutex_unlock(&bc->bc_mtx);

		switch (br->br_op) {
		case BOP_READ:
		case BOP_WRITE:
			err = do_rw(bc, br);
			break;
		case BOP_FLUSH:
			/* Durable once the guest sees it complete. */
			err = fdatasync(bc->bc_fd) == 0 ? 0 : errno;
			break;
		case BOP_DELETE:
			err = do_delete(bc, br);
			break;
		case BOP_WRITE_ZEROES:
			err = do_write_zeroes(bc, br);
			break;
		default:
			err = EINVAL;
			break;
		}
		br->br_callback(br, err);
		pthread_mutex_lock(&bc->bc_mtx);
	}
	pthread_mutex_unlock(&bc->bc_mtx);
	return (NULL);
}

static int
blockif_enqueue(struct blockif_ctxt *bc, struct blockif_req *br,
    enum blockif_op op)
{
	if ((op == BOP_WRITE || op == BOP_DELETE ||
	    op == BOP_WRITE_ZEROES) && bc->bc_rdonly)
		return (EROFS);
	br->br_op = op;
	br->br_next = NULL;
	pthread_mutex_lock(&bc->bc_mtx);
	if (bc->bc_closing) {
		pthread_mutex_unlock(&bc->bc_mtx);
		return (ENXIO);
	}
	if (bc->bc_tail != NULL)
		bc->bc_tail->br_next = br;
	else
		bc->bc_head = br;
	bc->bc_tail = br;
	pthread_cond_signal(&bc->bc_cond);
	pthread_mutex_unlock(&bc->bc_mtx);
	return (0);
}

int
blockif_read(struct blockif_ctxt *bc, struct blockif_req *br)
{
	return (blockif_enqueue(bc, br, BOP_READ));
}

int
blockif_write(struct blockif_ctxt *bc, struct blockif_req *br)
{
	return (blockif_enqueue(bc, br, BOP_WRITE));
}

int
blockif_flush(struct blockif_ctxt *bc, struct blockif_req *br)
{
	return (blockif_enqueue(bc, br, BOP_FLUSH));
}

int
blockif_delete(struct blockif_ctxt *bc, struct blockif_req *br)
{
	if (bc->bc_rdonly)
		return (EROFS);
	if (!bc->bc_candelete)
		return (EOPNOTSUPP);
	return (blockif_enqueue(bc, br, BOP_DELETE));
}

int
blockif_write_zeroes(struct blockif_ctxt *bc, struct blockif_req *br,
    bool unmap)
{
	br->br_unmap = unmap;
	return (blockif_enqueue(bc, br, BOP_WRITE_ZEROES));
}

bool
blockif_can_write_zeroes(const struct blockif_ctxt *bc)
{
	return (!bc->bc_rdonly);
}

/* ---- open and close ---- */

/*
 * One writer per image, readers may share (issue 7): a write lock on the
 * whole file for a writable disk, a read lock for a ro one.  OFD locks
 * (fcntl(2), "Open file description locks") belong to this open of the
 * file, not to the process, so a second disk of this same VM on the image
 * conflicts too, and they are released when the descriptor closes (also
 * when lhyve is killed).  0, or -1 after saying why.
 */
static int
lock_image(int fd, bool ro, const char *ident, const char *path)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = ro ? F_RDLCK : F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;		/* to the end of the file, however long */
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return (0);
	if (errno == EAGAIN || errno == EACCES) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		/* Who holds it: a writer, or readers (we want to write). */
		if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_RDLCK)
			fprintf(stderr, "lhyve: %s: %s is in use read-only by "
			    "another VM or disk; it cannot be opened for "
			    "writing (add ,ro to share it read-only)\n",
			    ident, path);
		else
			fprintf(stderr, "lhyve: %s: %s is in use by another "
			    "VM or disk that may write it; refusing to open "
			    "it%s\n", ident, path, ro ? " even read-only" : "");
		return (-1);
	}
	/* A file system without locks (some FUSE or NFS setups). */
	fprintf(stderr, "lhyve: %s: warning: cannot lock %s (%s); another VM "
	    "could open it too\n", ident, path, strerror(errno));
	return (0);
}

struct blockif_ctxt *
blockif_open(const struct config_node *nvl, const char *ident)
{
	struct blockif_ctxt *bc;
	struct stat st;
	const char *path, *ss;
	int ro, nocache, sync, nodelete, flags, fd = -1;
	int sectsz = 512, psectsz = 512;
	uint64_t size;

	path = get_config_value_node(nvl, "path");
	if (path == NULL || *path == '\0') {
		fprintf(stderr, "lhyve: %s: no disk path given\n", ident);
		return (NULL);
	}
	ro = opt_bool(nvl, ident, "ro");
	nocache = opt_bool(nvl, ident, "nocache");
	/* bhyve_config(5): "sync", with "direct" as its old name. */
	sync = opt_bool(nvl, ident, "sync");
	if (sync == 0)
		sync = opt_bool(nvl, ident, "direct");
	nodelete = opt_bool(nvl, ident, "nodelete");
	if (ro < 0 || nocache < 0 || sync < 0 || nodelete < 0)
		return (NULL);
	ss = get_config_value_node(nvl, "sectorsize");
	if (ss != NULL && parse_sectorsize(ident, ss, &sectsz, &psectsz) != 0)
		return (NULL);

	flags = (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	if (nocache)
		flags |= O_DIRECT;
	if (sync)
		flags |= O_SYNC;
	fd = open(path, flags);
	if (fd < 0 && !ro && (errno == EROFS || errno == EACCES)) {
		fprintf(stderr, "lhyve: %s: %s: %s (use ,ro for a read-only "
		    "disk)\n", ident, path, strerror(errno));
		return (NULL);
	}
	if (fd < 0) {
		fprintf(stderr, "lhyve: %s: cannot open %s: %s\n", ident, path,
		    strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) != 0) {
		fprintf(stderr, "lhyve: %s: %s: %s\n", ident, path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		fprintf(stderr, "lhyve: %s: %s is not a file or a block "
		    "device\n", ident, path);
		goto fail;
	}
	if (lock_image(fd, ro, ident, path) != 0)
		goto fail;
	bc = calloc(1, sizeof(*bc));
	if (bc == NULL)
		goto fail;
	bc->bc_isblk = S_ISBLK(st.st_mode);
	if (bc->bc_isblk) {
		int bs = 0, pbs = 0;

		if (ioctl(fd, BLKGETSIZE64, &size) != 0) {
			fprintf(stderr, "lhyve: %s: %s: %s\n", ident, path,
			    strerror(errno));
			free(bc);
			goto fail;
		}
		if (ss == NULL && ioctl(fd, BLKSSZGET, &bs) == 0 &&
		    ioctl(fd, BLKPBSZGET, &pbs) == 0 && sectsz_ok(bs) &&
		    sectsz_ok(pbs) && pbs >= bs) {
			sectsz = bs;
			psectsz = pbs;
		}
	} else {
		size = st.st_size;
	}
	bc->bc_fd = fd;
	bc->bc_path = strdup(path);
	bc->bc_rdonly = ro;
	bc->bc_candelete = !ro && !nodelete;
	bc->bc_size = size;
	bc->bc_sectsz = sectsz;
	bc->bc_psectsz = psectsz;
	bc->bc_psectoff = 0;
	pthread_mutex_init(&bc->bc_mtx, NULL);
	pthread_cond_init(&bc->bc_cond, NULL);
	for (int i = 0; i < BLOCKIF_NUMTHR; i++) {
		if (pthread_create(&bc->bc_thr[i], NULL, blockif_thr, bc) != 0)
			break;
		pthread_setname_np(bc->bc_thr[i], "blk worker");
		bc->bc_nthr++;
	}
	if (bc->bc_nthr == 0) {
		fprintf(stderr, "lhyve: %s: cannot start I/O threads\n", ident);
		blockif_close(bc);
		return (NULL);
	}
	return (bc);
fail:
	close(fd);
	return (NULL);
}

void
blockif_close(struct blockif_ctxt *bc)
{
	if (bc == NULL)
		return;
	/* Workers finish what is queued, then leave. */
	pthread_mutex_lock(&bc->bc_mtx);
	bc->bc_closing = true;
	pthread_cond_broadcast(&bc->bc_cond);
	pthread_mutex_unlock(&bc->bc_mtx);
	for (int i = 0; i < bc->bc_nthr; i++)
		pthread_join(bc->bc_thr[i], NULL);
	close(bc->bc_fd);
	pthread_mutex_destroy(&bc->bc_mtx);
	pthread_cond_destroy(&bc->bc_cond);
	free(bc->bc_path);
	free(bc);
}

off_t
blockif_size(const struct blockif_ctxt *bc)
{
	return (bc->bc_size);
}

int
blockif_sectsz(const struct blockif_ctxt *bc)
{
	return (bc->bc_sectsz);
}

void
blockif_psectsz(const struct blockif_ctxt *bc, int *size, int *off)
{
	*size = bc->bc_psectsz;
	*off = bc->bc_psectoff;
}

bool
blockif_is_ro(const struct blockif_ctxt *bc)
{
	return (bc->bc_rdonly);
}

bool
blockif_candelete(const struct blockif_ctxt *bc)
{
	return (bc->bc_candelete);
}

const char *
blockif_path(const struct blockif_ctxt *bc)
{
	return (bc->bc_path);
}
