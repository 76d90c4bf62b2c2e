/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nvme_io.c: the data path of lhyve's NVMe controller: PRP walking
 * (NVMe 1.4 §4.3), the NVM command set (Flush, Read, Write, Write Zeroes,
 * Dataset Management deallocate; §6) and its two backends: a block_if
 * image, served on block_if's worker threads, and ram=, anonymous memory
 * copied on the submitting thread.  Every guest address goes through
 * vm_map_gpa(), so a command can reach guest RAM and nothing else.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "devices/nvme_priv.h"

#define NVME_PENDING		0xffff	/* went to block_if */
#define ZBUF_SIZE		(64 * 1024)

/* Write Zeroes writes from this where block_if cannot zero by itself. */
static uint8_t zbuf[ZBUF_SIZE] __attribute__((aligned(4096)));

/* ---- PRPs (§4.3) ---- */

/* Append [gpa, gpa + len) to the vector, merging with the last piece. */
static uint16_t
prp_add(struct nvme_softc *sc, uint64_t gpa, size_t len, struct iovec *iov,
    uint64_t *gpas, int max, int *n)
{
	uint8_t *p = vm_map_gpa(sc->ctx, gpa, len);
	struct iovec *last = *n > 0 ? &iov[*n - 1] : NULL;

	if (p == NULL)
		return (NVME_SC_DATA_XFER_ERROR);
	if (last != NULL && (uint8_t *)last->iov_base + last->iov_len == p &&
	    (gpas == NULL || gpas[*n - 1] + last->iov_len == gpa)) {
		last->iov_len += len;
		return (NVME_SC_SUCCESS);
	}
	if (*n == max)
		return (NVME_SC_INVALID_FIELD);
	iov[*n].iov_base = p;
	iov[*n].iov_len = len;
	if (gpas != NULL)
		gpas[*n] = gpa;
	(*n)++;
	return (NVME_SC_SUCCESS);
}

uint16_t
nvme_prp_map(struct nvme_softc *sc, uint64_t prp1, uint64_t prp2,
    size_t len, struct iovec *iov, uint64_t *gpa, int max, int *niov)
{
	uint64_t list, e;
	size_t chunk;
	uint16_t st;
	uint32_t nent;

	*niov = 0;
	if (len == 0)
		return (NVME_SC_SUCCESS);
	/* PRP1 may start inside a page, dword aligned (§4.3). */
	if (prp1 & 3)
		return (NVME_SC_INVALID_PRP_OFFSET);
	chunk = NVME_PAGE - (prp1 & (NVME_PAGE - 1));
	if (chunk > len)
		chunk = len;
	st = prp_add(sc, prp1, chunk, iov, gpa, max, niov);
	if (st != NVME_SC_SUCCESS || (len -= chunk) == 0)
		return (st);
	/* One more page: PRP2 points at it. */
	if (len <= NVME_PAGE) {
		if (prp2 & (NVME_PAGE - 1))
			return (NVME_SC_INVALID_PRP_OFFSET);
		return (prp_add(sc, prp2, len, iov, gpa, max, niov));
	}
	/*
	 * Else PRP2 points at a PRP list; the last entry of a list page
	 * points at the next list page when more data remains.  The
	 * transfer is at most MDTS, so a few list pages are the most a
	 * valid command needs: more means a loop.
	 */
	list = prp2;
	for (int pages = 0; len > 0; pages++) {
		const uint64_t *ents;

		if ((list & 7) != 0)
			return (NVME_SC_INVALID_PRP_OFFSET);
		if (pages > 2 + (int)(NVME_MAX_XFER / NVME_PAGE))
			return (NVME_SC_INVALID_FIELD);
		nent = (NVME_PAGE - (list & (NVME_PAGE - 1))) / 8;
		ents = vm_map_gpa(sc->ctx, list, (size_t)nent * 8);
		if (ents == NULL)
			return (NVME_SC_DATA_XFER_ERROR);
		for (uint32_t i = 0; i < nent && len > 0; i++) {
			e = __atomic_load_n(&ents[i], __ATOMIC_RELAXED);
			if (i == nent - 1 && len > NVME_PAGE) {
				list = e;	/* the next list page */
				break;
			}
			if (e & (NVME_PAGE - 1))
				return (NVME_SC_INVALID_PRP_OFFSET);
			chunk = len < NVME_PAGE ? len : NVME_PAGE;
			st = prp_add(sc, e, chunk, iov, gpa, max, niov);
			if (st != NVME_SC_SUCCESS)
				return (st);
			len -= chunk;
		}
	}
	return (NVME_SC_SUCCESS);
}

uint16_t
nvme_prp_out(struct nvme_softc *sc, const struct nvme_cmd *cmd,
    const void *buf, size_t len)
{
	struct iovec iov[BLOCKIF_IOV_MAX];
	uint64_t gpa[BLOCKIF_IOV_MAX];
	const uint8_t *p = buf;
	uint16_t st;
	int n;

	st = nvme_prp_map(sc, cmd->prp1, cmd->prp2, len, iov, gpa,
	    BLOCKIF_IOV_MAX, &n);
	if (st != NVME_SC_SUCCESS)
		return (st);
	for (int i = 0; i < n; i++) {
		memcpy(iov[i].iov_base, p, iov[i].iov_len);
		vm_notify_write(sc->ctx, gpa[i], iov[i].iov_len);
		p += iov[i].iov_len;
	}
	return (NVME_SC_SUCCESS);
}

uint16_t
nvme_prp_in(struct nvme_softc *sc, const struct nvme_cmd *cmd, void *buf,
    size_t len)
{
	struct iovec iov[BLOCKIF_IOV_MAX];
	uint8_t *p = buf;
	uint16_t st;
	int n;

	st = nvme_prp_map(sc, cmd->prp1, cmd->prp2, len, iov, NULL,
	    BLOCKIF_IOV_MAX, &n);
	if (st != NVME_SC_SUCCESS)
		return (st);
	for (int i = 0; i < n; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	return (NVME_SC_SUCCESS);
}

/* ---- the ram= backend ---- */

/* Zero [off, off + len): whole pages go back to the host (read zero). */
static void
ram_zero(struct nvme_softc *sc, uint64_t off, uint64_t len)
{
	uint64_t a = (off + 4095) & ~4095ULL, b = (off + len) & ~4095ULL;

	if (a < b && madvise(sc->ram + a, b - a, MADV_DONTNEED) == 0) {
		memset(sc->ram + off, 0, a - off);
		memset(sc->ram + b, 0, off + len - b);
	} else {
		memset(sc->ram + off, 0, len);
	}
}

static void
ram_rw(struct nvme_softc *sc, struct nvme_ioreq *io, int n, uint64_t off,
    bool write)
{
	struct iovec *iov = io->br.br_iov;

	for (int i = 0; i < n; i++) {
		if (write) {
			memcpy(sc->ram + off, iov[i].iov_base, iov[i].iov_len);
		} else {
			memcpy(iov[i].iov_base, sc->ram + off, iov[i].iov_len);
			vm_notify_write(sc->ctx, io->seg_gpa[i],
			    iov[i].iov_len);
		}
		off += iov[i].iov_len;
	}
}

/* ---- block_if requests ---- */

static void nvme_io_done(struct blockif_req *br, int err);

static void
io_prep(struct nvme_ioreq *io, uint64_t off, size_t len, int n)
{
	io->br.br_iovcnt = n;
	io->br.br_offset = (off_t)off;
	io->br.br_resid = (ssize_t)len;
	io->br.br_callback = nvme_io_done;
	io->br.br_param = io;
}

/* The next piece of a Write Zeroes: up to 128 x 64 KiB of zbuf. */
static int
wz_next(struct nvme_softc *sc, struct nvme_ioreq *io)
{
	uint64_t len = io->end - io->off;
	int n = 0;

	if (len > (uint64_t)BLOCKIF_IOV_MAX * ZBUF_SIZE)
		len = (uint64_t)BLOCKIF_IOV_MAX * ZBUF_SIZE;
	for (uint64_t done = 0; done < len; n++) {
		size_t l = len - done < ZBUF_SIZE ? len - done : ZBUF_SIZE;

		io->br.br_iov[n].iov_base = zbuf;
		io->br.br_iov[n].iov_len = l;
		done += l;
	}
	io_prep(io, io->off, len, n);
	io->off += len;
	return (blockif_write(sc->bc, &io->br));
}

/* The next deallocated range; EOPNOTSUPP-free: ranges are advisory. */
static int
dsm_next(struct nvme_softc *sc, struct nvme_ioreq *io)
{
	int i = io->cur++;

	io_prep(io, io->range[i].off, io->range[i].len, 0);
	return (blockif_delete(sc->bc, &io->br));
}

static uint16_t
errno_status(int err)
{
	return (err == EROFS ? NVME_SC_WRITE_RO : NVME_SC_DATA_XFER_ERROR);
}

/*
 * A block_if request finished (worker thread).  Multi-part commands
 * queue their next part; the last part posts the completion, frees the
 * slot and resumes queues that waited for one.
 */
static void
nvme_io_done(struct blockif_req *br, int err)
{
	struct nvme_ioreq *io = (struct nvme_ioreq *)br;
	struct nvme_softc *sc = io->sc;
	uint16_t st = NVME_SC_SUCCESS;

	pthread_mutex_lock(&sc->mtx);
	if (io->opc == NVME_OPC_DSM && err == EOPNOTSUPP)
		err = 0;
	if (err == 0 && !io->flushing) {
		if (io->opc == NVME_OPC_WRITE_ZEROES && io->off < io->end)
			err = wz_next(sc, io);
		else if (io->opc == NVME_OPC_DSM && io->cur < io->nrange)
			err = dsm_next(sc, io);
		else if (io->flush_after) {
			/* FUA, or no volatile cache (WCE = 0): durable now. */
			io->flushing = true;
			io_prep(io, 0, 0, 0);
			err = blockif_flush(sc->bc, &io->br);
		} else
			goto complete;
		if (err == 0) {
			pthread_mutex_unlock(&sc->mtx);
			return;
		}
	}
complete:
	if (err != 0)
		st = errno_status(err);
	/* A failed read may still have written part of the buffers. */
	for (int i = 0; i < io->nseg; i++)
		vm_notify_write(sc->ctx, io->seg_gpa[i], io->seg_len[i]);
	nvme_complete(sc, io->sqid, io->cid, 0, st);
	nvme_put_ioreq(sc, io);
	if (sc->slots_wanted)
		nvme_run_io_sqs(sc);
	nvme_send_intrs(sc);
	pthread_mutex_unlock(&sc->mtx);
}

/* ---- commands ---- */

/* SLBA (CDW10-11) and 0's based NLB (CDW12 15:0) inside the namespace? */
static bool
lba_ok(const struct nvme_softc *sc, uint64_t slba, uint64_t nlb)
{
	return (slba < sc->nsze && nlb <= sc->nsze - slba);
}

static uint16_t
io_rw(struct nvme_softc *sc, const struct nvme_cmd *cmd,
    struct nvme_ioreq *io, bool write)
{
	uint64_t slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
	uint64_t nlb = (cmd->cdw12 & 0xffff) + 1;
	uint64_t bytes = nlb << sc->lbads, off = slba << sc->lbads;
	uint16_t st;
	int n, err;

	if (!lba_ok(sc, slba, nlb))
		return (NVME_SC_LBA_OUT_OF_RANGE);
	if (bytes > NVME_MAX_XFER)
		return (NVME_SC_INVALID_FIELD);	/* beyond MDTS */
	if (write && sc->ro)
		return (NVME_SC_WRITE_RO);
	st = nvme_prp_map(sc, cmd->prp1, cmd->prp2, bytes, io->br.br_iov,
	    io->seg_gpa, BLOCKIF_IOV_MAX, &n);
	if (st != NVME_SC_SUCCESS)
		return (st);
	if (write) {
		sc->host_writes++;
		sc->units_written += bytes / 512;
	} else {
		sc->host_reads++;
		sc->units_read += bytes / 512;
	}
	if (sc->ram != NULL) {
		ram_rw(sc, io, n, off, write);
		return (NVME_SC_SUCCESS);
	}
	io->nseg = write ? 0 : n;
	for (int i = 0; i < n; i++)
		io->seg_len[i] = io->br.br_iov[i].iov_len;
	io->flush_after = write && ((cmd->cdw12 & (1u << 30)) || !sc->wce);
	io_prep(io, off, bytes, n);
	err = write ? blockif_write(sc->bc, &io->br) :
	    blockif_read(sc->bc, &io->br);
	return (err == 0 ? NVME_PENDING : errno_status(err));
}

/* Write Zeroes (§6.16): SLBA, NLB, FUA; DEAC changes nothing here. */
static uint16_t
io_write_zeroes(struct nvme_softc *sc, const struct nvme_cmd *cmd,
    struct nvme_ioreq *io)
{
	uint64_t slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
	uint64_t nlb = (cmd->cdw12 & 0xffff) + 1;
	int err;

	if (!lba_ok(sc, slba, nlb))
		return (NVME_SC_LBA_OUT_OF_RANGE);
	if (sc->ro)
		return (NVME_SC_WRITE_RO);
	if (sc->ram != NULL) {
		ram_zero(sc, slba << sc->lbads, nlb << sc->lbads);
		return (NVME_SC_SUCCESS);
	}
	io->off = slba << sc->lbads;
	io->end = io->off + (nlb << sc->lbads);
	io->flush_after = (cmd->cdw12 & (1u << 30)) || !sc->wce;
	if (blockif_can_write_zeroes(sc->bc)) {
		/*
		 * block_if zeroes the range itself (fallocate ZERO_RANGE or
		 * BLKZEROOUT), allocated, as "DEAC changes nothing" needs.
		 */
		io_prep(io, io->off, io->end - io->off, 0);
		io->off = io->end;
		err = blockif_write_zeroes(sc->bc, &io->br, false);
	} else
		err = wz_next(sc, io);
	return (err == 0 ? NVME_PENDING : errno_status(err));
}

/* Dataset Management (§6.7): only the deallocate attribute acts. */
static uint16_t
io_dsm(struct nvme_softc *sc, const struct nvme_cmd *cmd,
    struct nvme_ioreq *io)
{
	struct {
		uint32_t cattr, nlb;
		uint64_t slba;
	} r[NVME_MAX_DSM_RANGES];
	int nr = (cmd->cdw10 & 0xff) + 1, err;
	uint16_t st;

	if (!sc->dsm)
		return (NVME_SC_INVALID_OPCODE);
	st = nvme_prp_in(sc, cmd, r, (size_t)nr * sizeof(r[0]));
	if (st != NVME_SC_SUCCESS)
		return (st);
	if ((cmd->cdw11 & (1u << 2)) == 0)
		return (NVME_SC_SUCCESS);	/* hints only */
	if (sc->ro)
		return (NVME_SC_WRITE_RO);
	io->nrange = 0;
	io->cur = 0;
	for (int i = 0; i < nr; i++) {
		if (r[i].nlb == 0)
			continue;
		if (!lba_ok(sc, r[i].slba, r[i].nlb))
			return (NVME_SC_LBA_OUT_OF_RANGE);
		io->range[io->nrange].off = r[i].slba << sc->lbads;
		io->range[io->nrange].len = (uint64_t)r[i].nlb << sc->lbads;
		io->nrange++;
	}
	if (sc->ram != NULL) {
		for (int i = 0; i < io->nrange; i++)
			ram_zero(sc, io->range[i].off, io->range[i].len);
		return (NVME_SC_SUCCESS);
	}
	/* dsm=enable on a store that cannot punch holes: a no-op. */
	if (io->nrange == 0 || !blockif_candelete(sc->bc))
		return (NVME_SC_SUCCESS);
	err = dsm_next(sc, io);
	return (err == 0 ? NVME_PENDING : NVME_SC_INTERNAL);
}

/*
 * One NVM command from I/O SQ sqid, on the slot io (sc->mtx held).  It
 * completes here, or on a block_if worker.
 */
void
nvme_io_cmd(struct nvme_softc *sc, uint16_t sqid, const struct nvme_cmd *cmd,
    struct nvme_ioreq *io)
{
	uint8_t opc = cmd->cdw0 & 0xff;
	uint16_t cid = cmd->cdw0 >> 16, st;
	int err;

	io->sqid = sqid;
	io->cid = cid;
	io->opc = opc;
	io->flush_after = false;
	io->flushing = false;
	io->nseg = 0;
	io->nrange = io->cur = 0;
	io->off = io->end = 0;
	if ((cmd->cdw0 & 0xc300) != 0) {
		/* Fused operations and SGLs (SGLS = 0) are not supported. */
		st = NVME_SC_INVALID_FIELD;
	} else if (cmd->nsid != 1 &&
	    !(opc == NVME_OPC_FLUSH && cmd->nsid == 0xffffffff)) {
		st = NVME_SC_INVALID_NS;
	} else {
		switch (opc) {
		case NVME_OPC_FLUSH:
			st = NVME_SC_SUCCESS;
			if (sc->bc == NULL)
				break;
			io_prep(io, 0, 0, 0);
			io->flushing = true;
			err = blockif_flush(sc->bc, &io->br);
			st = err == 0 ? NVME_PENDING : NVME_SC_INTERNAL;
			break;
		case NVME_OPC_READ:
		case NVME_OPC_WRITE:
			st = io_rw(sc, cmd, io, opc == NVME_OPC_WRITE);
			break;
		case NVME_OPC_WRITE_ZEROES:
			st = io_write_zeroes(sc, cmd, io);
			break;
		case NVME_OPC_DSM:
			st = io_dsm(sc, cmd, io);
			break;
		default:
			st = NVME_SC_INVALID_OPCODE;
			break;
		}
	}
	if (st == NVME_PENDING)
		return;
	nvme_complete(sc, sqid, cid, 0, st);
	nvme_put_ioreq(sc, io);
}
