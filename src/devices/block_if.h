/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * block_if.h: the block backend every disk emulation shares (bhyve's
 * block_if): a raw image file or block device, served by a small pool of
 * worker threads so that guest I/O never blocks a vCPU.
 *
 * Options (the device's config node, BHYVE-CLI.md): path, ro, nocache
 * (O_DIRECT), direct / sync (O_SYNC), sectorsize=L[/P], nodelete.  A
 * writable image holds an exclusive OFD write lock on the whole file
 * (fcntl F_OFD_SETLK), a read-only one a shared read lock: two VMs never
 * write one image, and ro users may share it with each other only.  The
 * locks belong to the open file description, so they also conflict within
 * one process (two disks on one image) and with QEMU's image locks.
 *
 * A request's callback runs on a worker thread, never on the caller's:
 * devices may hold their own lock while submitting.
 */
#ifndef LHYVE_BLOCK_IF_H
#define LHYVE_BLOCK_IF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "config.h"

#define BLOCKIF_IOV_MAX		128	/* buffers per request */
#define BLOCKIF_NUMTHR		4	/* worker threads per backend */

enum blockif_op { BOP_READ, BOP_WRITE, BOP_FLUSH, BOP_DELETE,
    BOP_WRITE_ZEROES };

struct blockif_req {
	int br_iovcnt;
	off_t br_offset;		/* bytes */
	ssize_t br_resid;		/* bytes left (DELETE, WRITE_ZEROES:
					   the length) */
	/* err is 0 or an errno value. */
	void (*br_callback)(struct blockif_req *br, int err);
	void *br_param;
	struct iovec br_iov[BLOCKIF_IOV_MAX];

	/* Private to block_if.c. */
	enum blockif_op br_op;
	struct blockif_req *br_next;
	bool br_unmap;			/* WRITE_ZEROES may deallocate */
};

struct blockif_ctxt;

/*
 * Open the backend the node describes; ident names the device in
 * messages (e.g. "virtio-blk@pci0:4:0").  NULL after printing why.
 */
struct blockif_ctxt *blockif_open(const struct config_node *nvl,
    const char *ident);
void blockif_close(struct blockif_ctxt *bc);

off_t blockif_size(const struct blockif_ctxt *bc);
int blockif_sectsz(const struct blockif_ctxt *bc);
/* Physical sector size and the offset of the first aligned sector. */
void blockif_psectsz(const struct blockif_ctxt *bc, int *size, int *off);
bool blockif_is_ro(const struct blockif_ctxt *bc);
bool blockif_candelete(const struct blockif_ctxt *bc);
const char *blockif_path(const struct blockif_ctxt *bc);

/*
 * Queue a request.  0, or an errno value (then the callback will not
 * run).  The request must stay untouched until its callback.
 */
int blockif_read(struct blockif_ctxt *bc, struct blockif_req *br);
int blockif_write(struct blockif_ctxt *bc, struct blockif_req *br);
/* Durable: completes after fdatasync() of everything completed before. */
int blockif_flush(struct blockif_ctxt *bc, struct blockif_req *br);
int blockif_delete(struct blockif_ctxt *bc, struct blockif_req *br);
/*
 * Make [br_offset, br_offset + br_resid) read as zeroes (NVMe Write
 * Zeroes, virtio-blk WRITE_ZEROES, ATA's zeroing TRIM).  unmap: the range
 * may be deallocated (a hole), honoured only when the disk can delete.
 * Files: FALLOC_FL_PUNCH_HOLE or FALLOC_FL_ZERO_RANGE; block devices:
 * BLKZEROOUT; else (or when those are unsupported) zeroes are written.
 * EROFS on a read-only disk.
 */
int blockif_write_zeroes(struct blockif_ctxt *bc, struct blockif_req *br,
    bool unmap);
/* True when blockif_write_zeroes can work (the disk is writable). */
bool blockif_can_write_zeroes(const struct blockif_ctxt *bc);

/*
 * The -s <conf> of a disk: "path[,name[=value]...]" -> path=..., the
 * rest as name=value (bhyve's blockif_legacy_config).  0 or -1.
 */
int blockif_legacy_config(struct config_node *nvl, const char *opts);

#endif /* LHYVE_BLOCK_IF_H */
