/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_virtio_block.c: virtio-blk (virtio 1.2 §5.2) on the block_if
 * backend: read, write, flush, get-id, discard and write-zeroes, with
 * read-only enforcement.  The device core below the registration knows only
 * virtio.h; the last lines hand it to the virtio-pci transport.
 *
 * Requests are parsed from the chain's bytes, not its shape (VERSION_1
 * implies any layout, §2.7.4.3): a 16-byte header at the start of the
 * readable part, a status byte at the end of the writable part, data in
 * between.  A request that does not fit that shape, or reaches past the
 * disk, gets VIRTIO_BLK_S_IOERR; only a chain that leaves no room for a
 * status byte (or is malformed itself) breaks the device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block_if.h"
#include "devices/pci_virtio.h"
#include "devices/virtio.h"
#include "devices/dev_opts.h"

#define VTBLK_RINGSZ		128
#define VTBLK_MAXCHAIN		(BLOCKIF_IOV_MAX + 2)	/* hdr, data, status */
#define VTBLK_BLK_ID_BYTES	20

/* Feature bits (§5.2.3). */
#define VTBLK_F_SEG_MAX		(1ULL << 2)
#define VTBLK_F_RO		(1ULL << 5)
#define VTBLK_F_BLK_SIZE	(1ULL << 6)
#define VTBLK_F_FLUSH		(1ULL << 9)
#define VTBLK_F_TOPOLOGY	(1ULL << 10)
#define VTBLK_F_DISCARD		(1ULL << 13)
#define VTBLK_F_WRITE_ZEROES	(1ULL << 14)

/* Request types and status (§5.2.6). */
#define VTBLK_T_IN		0
#define VTBLK_T_OUT		1
#define VTBLK_T_FLUSH		4
#define VTBLK_T_GET_ID		8
#define VTBLK_T_DISCARD		11
#define VTBLK_T_WRITE_ZEROES	13
#define VTBLK_S_OK		0
#define VTBLK_S_IOERR		1
#define VTBLK_S_UNSUPP		2

#define VTBLK_SECT		512	/* request sectors are always 512 B */
#define VTBLK_MAX_DISCARD	(1U << 22)	/* sectors per discard (2 GiB) */
#define VTBLK_MAX_ZEROES	(1U << 22)	/* per write-zeroes (2 GiB) */
#define VTBLK_DWZ_F_UNMAP	1U	/* virtio_blk_discard_write_zeroes */

/* Config space (§5.2.4), the part we fill. */
#define VTBLK_CFG_CAPACITY	0
#define VTBLK_CFG_SEG_MAX	12
#define VTBLK_CFG_BLK_SIZE	20
#define VTBLK_CFG_PHYS_EXP	24
#define VTBLK_CFG_ALIGN_OFF	25
#define VTBLK_CFG_MIN_IO	26
#define VTBLK_CFG_MAX_DISCARD	36
#define VTBLK_CFG_DISCARD_SEG	40
#define VTBLK_CFG_DISCARD_ALIGN	44
#define VTBLK_CFG_MAX_ZEROES	48
#define VTBLK_CFG_ZEROES_SEG	52
#define VTBLK_CFG_ZEROES_UNMAP	56
#define VTBLK_CFG_SIZE		60

struct vtblk_hdr {
	uint32_t type;
	uint32_t ioprio;
	uint64_t sector;
};

struct vtblk_discard {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

struct vtblk_softc;

struct vtblk_ioreq {
	struct blockif_req io_req;	/* first: the callback casts back */
	struct vtblk_softc *io_sc;
	bool io_busy;
	uint16_t io_idx;
	int io_nw;			/* writable buffers */
	size_t io_wlen;			/* their bytes, status included */
	uint32_t io_used;		/* bytes we wrote, for vq_relchain */
	uint8_t *io_status;
	struct iovec io_wiov[VTBLK_MAXCHAIN];
	uint64_t io_wgpa[VTBLK_MAXCHAIN];
};

struct vtblk_softc {
	struct virtio_softc vbsc_vs;
	struct blockif_ctxt *vbsc_bc;
	uint8_t vbsc_cfg[VTBLK_CFG_SIZE];
	char vbsc_ident[VTBLK_BLK_ID_BYTES];
	int vbsc_inflight;
	pthread_cond_t vbsc_idle;	/* inflight reached 0 */
	/* Scratch for the chain being parsed (under vs_mtx). */
	struct iovec vbsc_iov[VTBLK_MAXCHAIN];
	uint64_t vbsc_gpa[VTBLK_MAXCHAIN];
	struct vtblk_ioreq vbsc_ios[VTBLK_RINGSZ];
};

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Return a request to the driver; vs_mtx held. */
static void
vtblk_complete(struct vtblk_softc *sc, struct vtblk_ioreq *io, uint8_t status)
{
	struct virtio_softc *vs = &sc->vbsc_vs;
	struct vqueue_info *vq = &vs->vs_queues[0];

	*io->io_status = status;
	vq_dma_written(vq, io->io_wiov, io->io_wgpa, io->io_nw, io->io_wlen);
	vq_relchain(vq, io->io_idx, io->io_used + 1);
	io->io_busy = false;
}

static void
vtblk_done(struct blockif_req *br, int err)
{
	struct vtblk_ioreq *io = (struct vtblk_ioreq *)br;
	struct vtblk_softc *sc = io->io_sc;
	struct virtio_softc *vs = &sc->vbsc_vs;
	struct vqueue_info *vq = &vs->vs_queues[0];

	pthread_mutex_lock(&vs->vs_mtx);
	if (err != 0 && io->io_req.br_op == BOP_READ)
		io->io_used = 0;
	vtblk_complete(sc, io, err == 0 ? VTBLK_S_OK :
	    err == EOPNOTSUPP ? VTBLK_S_UNSUPP : VTBLK_S_IOERR);
	vq_endchains(vq, !vq_has_descs(vq));
	if (--sc->vbsc_inflight == 0)
		pthread_cond_broadcast(&sc->vbsc_idle);
	pthread_mutex_unlock(&vs->vs_mtx);
}

/* Is [sector, sector + bytes/512) on the disk? */
static bool
vtblk_range_ok(struct vtblk_softc *sc, uint64_t sector, uint64_t bytes)
{
	uint64_t nsect = (uint64_t)blockif_size(sc->vbsc_bc) / VTBLK_SECT;

	return (sector <= nsect && bytes / VTBLK_SECT <= nsect - sector);
}

/*
 * Handle one chain: io has its writable part; riov/nr the readable one.
 * Returns the status for an immediate completion, or -1 if the request
 * went to block_if.
 */
static int
vtblk_request(struct vtblk_softc *sc, struct vtblk_ioreq *io,
    struct iovec *riov, int nr)
{
	struct blockif_req *br = &io->io_req;
	struct vtblk_hdr hdr;
	struct vtblk_discard dis;
	size_t rlen = iov_total(riov, nr), dlen;
	int n, err;

	if (iov_to_buf(riov, nr, 0, &hdr, sizeof(hdr)) != sizeof(hdr))
		return (VTBLK_S_IOERR);
	dlen = io->io_wlen - 1;		/* writable bytes before the status */
	br->br_offset = (off_t)(hdr.sector * VTBLK_SECT);
	br->br_callback = vtblk_done;
	br->br_param = io;

	switch (hdr.type) {
	case VTBLK_T_IN:
		/* §5.2.6.1: whole sectors, on the disk. */
		if (rlen != sizeof(hdr) || dlen % VTBLK_SECT != 0 ||
		    !vtblk_range_ok(sc, hdr.sector, dlen))
			return (VTBLK_S_IOERR);
		n = iov_slice(io->io_wiov, io->io_nw, 0, dlen, br->br_iov,
		    BLOCKIF_IOV_MAX);
		if (n < 0)
			return (VTBLK_S_IOERR);
		br->br_iovcnt = n;
		br->br_resid = dlen;
		io->io_used = dlen;
		err = blockif_read(sc->vbsc_bc, br);
		break;
	case VTBLK_T_OUT:
		dlen = rlen - sizeof(hdr);
		if (blockif_is_ro(sc->vbsc_bc) || io->io_wlen != 1 ||
		    dlen % VTBLK_SECT != 0 ||
		    !vtblk_range_ok(sc, hdr.sector, dlen))
			return (VTBLK_S_IOERR);
		n = iov_slice(riov, nr, sizeof(hdr), dlen, br->br_iov,
		    BLOCKIF_IOV_MAX);
		if (n < 0)
			return (VTBLK_S_IOERR);
		br->br_iovcnt = n;
		br->br_resid = dlen;
		err = blockif_write(sc->vbsc_bc, br);
		break;
	case VTBLK_T_FLUSH:
		br->br_iovcnt = 0;
		br->br_resid = 0;
		err = blockif_flush(sc->vbsc_bc, br);
		break;
	case VTBLK_T_GET_ID:
		/* §5.2.6: up to 20 bytes, NUL-padded when shorter. */
		n = dlen < VTBLK_BLK_ID_BYTES ? dlen : VTBLK_BLK_ID_BYTES;
		io->io_used = buf_to_iov(sc->vbsc_ident, n, io->io_wiov,
		    io->io_nw, 0);
		return (VTBLK_S_OK);
	case VTBLK_T_DISCARD:
	case VTBLK_T_WRITE_ZEROES:
		if (!virtio_negotiated(&sc->vbsc_vs, hdr.type ==
		    VTBLK_T_DISCARD ? VTBLK_F_DISCARD : VTBLK_F_WRITE_ZEROES))
			return (VTBLK_S_UNSUPP);
		/* One segment (max_*_seg = 1), nothing to write back. */
		if (rlen != sizeof(hdr) + sizeof(dis) || io->io_wlen != 1 ||
		    iov_to_buf(riov, nr, sizeof(hdr), &dis, sizeof(dis)) !=
		    sizeof(dis))
			return (VTBLK_S_IOERR);
		/*
		 * §5.2.6.2: unmap is for write-zeroes only; a discard with
		 * it, or any flag we do not know, is UNSUPP.
		 */
		if ((dis.flags & ~VTBLK_DWZ_F_UNMAP) != 0 ||
		    (hdr.type == VTBLK_T_DISCARD && dis.flags != 0))
			return (VTBLK_S_UNSUPP);
		if (dis.num_sectors > (hdr.type == VTBLK_T_DISCARD ?
		    VTBLK_MAX_DISCARD : VTBLK_MAX_ZEROES) ||
		    !vtblk_range_ok(sc, dis.sector,
		    (uint64_t)dis.num_sectors * VTBLK_SECT))
			return (VTBLK_S_IOERR);
		if (dis.num_sectors == 0)
			return (VTBLK_S_OK);
		br->br_iovcnt = 0;
		br->br_offset = (off_t)(dis.sector * VTBLK_SECT);
		br->br_resid = (ssize_t)dis.num_sectors * VTBLK_SECT;
		if (hdr.type == VTBLK_T_DISCARD)
			err = blockif_delete(sc->vbsc_bc, br);
		else
			err = blockif_write_zeroes(sc->vbsc_bc, br,
			    (dis.flags & VTBLK_DWZ_F_UNMAP) != 0);
		break;
	default:
		return (VTBLK_S_UNSUPP);
	}
	if (err != 0)
		return (err == EOPNOTSUPP ? VTBLK_S_UNSUPP : VTBLK_S_IOERR);
	return (-1);
}

/* Pointer to the last byte of the writable part (the status), or NULL. */
static uint8_t *
vtblk_status_byte(struct iovec *wiov, int nw)
{
	for (int i = nw - 1; i >= 0; i--)
		if (wiov[i].iov_len > 0)
			return ((uint8_t *)wiov[i].iov_base +
			    wiov[i].iov_len - 1);
	return (NULL);
}

static void
vtblk_notify(void *arg, struct vqueue_info *vq)
{
	struct vtblk_softc *sc = arg;
	struct virtio_softc *vs = &sc->vbsc_vs;
	struct vtblk_ioreq *io;
	struct vq_req req;
	bool done = false;
	int n, st;

	while ((n = vq_getchain_gpa(vq, sc->vbsc_iov, sc->vbsc_gpa,
	    VTBLK_MAXCHAIN, &req)) > 0) {
		io = &sc->vbsc_ios[req.idx];
		if (io->io_busy) {
			/* The driver handed us a head still in flight. */
			virtio_needs_reset(vs, "request %u reused while in "
			    "flight", req.idx);
			break;
		}
		io->io_idx = req.idx;
		io->io_nw = req.writable;
		memcpy(io->io_wiov, sc->vbsc_iov + req.readable,
		    req.writable * sizeof(struct iovec));
		memcpy(io->io_wgpa, sc->vbsc_gpa + req.readable,
		    req.writable * sizeof(uint64_t));
		io->io_wlen = iov_total(io->io_wiov, io->io_nw);
		io->io_status = vtblk_status_byte(io->io_wiov, io->io_nw);
		if (io->io_status == NULL) {
			virtio_needs_reset(vs, "request %u has no status "
			    "byte", req.idx);
			break;
		}
		io->io_used = 0;
		io->io_busy = true;
		st = vtblk_request(sc, io, sc->vbsc_iov, req.readable);
		if (st >= 0) {
			vtblk_complete(sc, io, st);
			done = true;
		} else {
			sc->vbsc_inflight++;
		}
	}
	if (done)
		vq_endchains(vq, !vq_has_descs(vq));
}

static void
vtblk_reset(void *arg)
{
	struct vtblk_softc *sc = arg;

	/* §2.4: nothing may touch the old rings once reset completes. */
	while (sc->vbsc_inflight > 0)
		pthread_cond_wait(&sc->vbsc_idle, &sc->vbsc_vs.vs_mtx);
	for (int i = 0; i < VTBLK_RINGSZ; i++)
		sc->vbsc_ios[i].io_busy = false;
}

static int
vtblk_cfgread(void *arg, int offset, int size, uint32_t *retval)
{
	struct vtblk_softc *sc = arg;
	uint32_t v = 0;

	if (offset < 0 || offset + size > VTBLK_CFG_SIZE)
		return (-1);
	memcpy(&v, sc->vbsc_cfg + offset, size);
	*retval = v;
	return (0);
}

static int
vtblk_cfgwrite(void *arg, int offset, int size, uint32_t value)
{
	return (-1);	/* no writable fields without CONFIG_WCE */
}

static const struct virtio_devops vtblk_ops = {
	.vd_name = "virtio-blk",
	.vd_devid = VIRTIO_ID_BLOCK,
	.vd_nvq = 1,
	.vd_qsize = VTBLK_RINGSZ,
	.vd_cfgsize = VTBLK_CFG_SIZE,
	.vd_reset = vtblk_reset,
	.vd_qnotify = vtblk_notify,
	.vd_cfgread = vtblk_cfgread,
	.vd_cfgwrite = vtblk_cfgwrite,
};

/* Options a virtio-blk node may carry (BHYVE-CLI.md). */
static const char *const vtblk_opts[] = {
	"device", "path", "ro", "nocache", "direct", "sync", "sectorsize",
	"nodelete", "ser", "bootindex", NULL
};

static void
vtblk_default_ident(struct vtblk_softc *sc, const char *path)
{
	uint32_t h = dev_hash32(path);	/* stable per image path */
	char buf[VTBLK_BLK_ID_BYTES + 1];

	snprintf(buf, sizeof(buf), "LHYVE-%04X-%04X", h >> 16, h & 0xffff);
	memcpy(sc->vbsc_ident, buf, strlen(buf));
}

/* The device core: everything but the transport.  NULL after a message. */
static struct vtblk_softc *
vtblk_create(struct config_node *nvl, const char *ident, struct vmctx *ctx)
{
	struct vtblk_softc *sc;
	const char *ser;
	uint64_t feat;
	int ssz, pssz, psoff, exp;

	if (dev_check_opts(nvl, ident, vtblk_opts) != 0)
		return (NULL);
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (NULL);
	sc->vbsc_bc = blockif_open(nvl, ident);
	if (sc->vbsc_bc == NULL) {
		free(sc);
		return (NULL);
	}
	ssz = blockif_sectsz(sc->vbsc_bc);
	blockif_psectsz(sc->vbsc_bc, &pssz, &psoff);
	feat = VTBLK_F_SEG_MAX | VTBLK_F_BLK_SIZE | VTBLK_F_FLUSH |
	    VTBLK_F_TOPOLOGY;
	if (blockif_is_ro(sc->vbsc_bc))
		feat |= VTBLK_F_RO;
	/* nodelete (and ro) turn off both: neither may free space. */
	if (blockif_candelete(sc->vbsc_bc))
		feat |= VTBLK_F_DISCARD | VTBLK_F_WRITE_ZEROES;
	if (virtio_init(&sc->vbsc_vs, &vtblk_ops, sc, feat, ctx) != 0) {
		blockif_close(sc->vbsc_bc);
		free(sc);
		return (NULL);
	}
	pthread_cond_init(&sc->vbsc_idle, NULL);
	for (int i = 0; i < VTBLK_RINGSZ; i++)
		sc->vbsc_ios[i].io_sc = sc;

	ser = get_config_value_node(nvl, "ser");
	if (ser != NULL)	/* bhyve keeps the first 20 bytes */
		memcpy(sc->vbsc_ident, ser, strnlen(ser, VTBLK_BLK_ID_BYTES));
	else
		vtblk_default_ident(sc, blockif_path(sc->vbsc_bc));

	for (exp = 0; (ssz << exp) < pssz; exp++)
		;
	put_le(sc->vbsc_cfg + VTBLK_CFG_CAPACITY,
	    (uint64_t)blockif_size(sc->vbsc_bc) / VTBLK_SECT, 8);
	put_le(sc->vbsc_cfg + VTBLK_CFG_SEG_MAX, BLOCKIF_IOV_MAX, 4);
	put_le(sc->vbsc_cfg + VTBLK_CFG_BLK_SIZE, ssz, 4);
	sc->vbsc_cfg[VTBLK_CFG_PHYS_EXP] = exp;
	sc->vbsc_cfg[VTBLK_CFG_ALIGN_OFF] = psoff / ssz;
	put_le(sc->vbsc_cfg + VTBLK_CFG_MIN_IO, 1, 2);
	put_le(sc->vbsc_cfg + VTBLK_CFG_MAX_DISCARD, VTBLK_MAX_DISCARD, 4);
	put_le(sc->vbsc_cfg + VTBLK_CFG_DISCARD_SEG, 1, 4);
	put_le(sc->vbsc_cfg + VTBLK_CFG_DISCARD_ALIGN, ssz / VTBLK_SECT, 4);
	put_le(sc->vbsc_cfg + VTBLK_CFG_MAX_ZEROES, VTBLK_MAX_ZEROES, 4);
	put_le(sc->vbsc_cfg + VTBLK_CFG_ZEROES_SEG, 1, 4);
	sc->vbsc_cfg[VTBLK_CFG_ZEROES_UNMAP] = 1;
	return (sc);
}

/* ---- the PCI registration ---- */

static int
pci_vtblk_init(struct pci_devinst *pi, struct config_node *nvl)
{
	struct vtblk_softc *sc;
	int error;

	sc = vtblk_create(nvl, pi->pi_name, pi->pi_vmctx);
	if (sc == NULL)
		return (-EINVAL);
	error = pci_virtio_init(pi, &sc->vbsc_vs, PCIC_STORAGE, 0x00);
	if (error != 0) {
		blockif_close(sc->vbsc_bc);
		virtio_fini(&sc->vbsc_vs);
		free(sc);
	}
	return (error);
}

const struct pci_devemu pci_de_vblk = {
	.pe_emu = "virtio-blk",
	.pe_init = pci_vtblk_init,
	.pe_legacy_config = blockif_legacy_config,
	.pe_barwrite = pci_virtio_barwrite,
	.pe_barread = pci_virtio_barread,
};
PCI_EMUL_SET(pci_de_vblk);
