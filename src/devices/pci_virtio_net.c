/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_virtio_net.c: virtio-net (virtio 1.2 §5.1) on a net_backend (tap
 * or slirp): a receive and a transmit queue, MAC, STATUS, MTU and
 * MRG_RXBUF, and checksum/TSO offloads where the backend carries them.
 * The device core below the registration knows only virtio.h and
 * net_backend.h; the last lines hand it to the virtio-pci transport.
 *
 * Receive runs on the mevent thread when the backend has frames (and
 * stops, leaving them queued in the backend, while the guest has no
 * buffers); transmit runs on the vCPU thread that notified.  Both hold
 * vs_mtx.  Frames are parsed from the chain's bytes, not its shape: the
 * header is the first 10 or 12 bytes (§5.1.6), wherever the buffers
 * split.  A frame the guest sends that is too short, too long or asks
 * for an offload we cannot do is dropped and its buffer returned; only
 * a malformed chain (virtio.c's checks) breaks the device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "devices/net_backend.h"
#include "devices/pci_virtio.h"
#include "devices/virtio.h"
#include "devices/dev_opts.h"

#define VTNET_RINGSZ		256
#define VTNET_RXQ		0
#define VTNET_TXQ		1
#define VTNET_NVQ		2
#define VTNET_MAXSEGS		64	/* buffers per transmit chain */
#define VTNET_RXIOV		256	/* buffers per received frame */

/* Device features (§5.1.3) beyond the offloads in net_backend.h. */
#define VIRTIO_NET_F_MTU	(1ULL << 3)
#define VIRTIO_NET_F_MAC	(1ULL << 5)
#define VIRTIO_NET_F_MRG_RXBUF	(1ULL << 15)
#define VIRTIO_NET_F_STATUS	(1ULL << 16)

/* Config space (§5.1.4): mac, status, max_virtqueue_pairs, mtu. */
#define VTNET_CFG_MAC		0
#define VTNET_CFG_STATUS	6
#define VTNET_CFG_MAXPAIRS	8
#define VTNET_CFG_MTU		10
#define VTNET_CFG_SIZE		12
#define VTNET_S_LINK_UP		1

/* The largest frame a guest may send: 64 KiB TSO plus headers. */
#define VTNET_MAX_TXFRAME	(65535 + ETHER_HDR_LEN + 4)

struct vtnet_rxchain {
	uint16_t idx;
	int first, n;		/* its buffers in vsc_rxiov */
	size_t len;
};

struct vtnet_softc {
	struct virtio_softc vsc_vs;
	struct net_backend *vsc_be;
	uint8_t vsc_cfg[VTNET_CFG_SIZE];
	int vsc_mtu;
	uint64_t vsc_becap;		/* offloads the backend carries */
	size_t vsc_hdrlen;		/* the guest's header: 10 or 12 */
	bool vsc_mrg;			/* MRG_RXBUF negotiated */
	bool vsc_rx_waiting;		/* backend receive off until buffers */
	uint64_t vsc_rx_drops, vsc_tx_drops;
	unsigned vsc_nlog;
	/* Scratch, under vs_mtx. */
	struct iovec vsc_rxiov[VTNET_RXIOV];
	uint64_t vsc_rxgpa[VTNET_RXIOV];
	struct iovec vsc_rxslice[VTNET_RXIOV];
	struct vtnet_rxchain vsc_rxch[VTNET_RINGSZ];
	struct iovec vsc_txiov[VTNET_MAXSEGS];
	uint8_t vsc_txbuf[VTNET_MAX_TXFRAME];
};

/* Rate-limited note about something the guest did (not fatal). */
static void
vtnet_log(struct vtnet_softc *sc, const char *what, size_t n)
{
	unsigned k = sc->vsc_nlog++;

	if (k < 16 || (k & 4095) == 0)
		fprintf(stderr, "lhyve: virtio-net: %s (%zu); dropped\n",
		    what, n);
}

/*
 * Finish a partial checksum (§5.1.6.2: VIRTIO_NET_HDR_F_NEEDS_CSUM): the
 * ones' complement sum from csum_start to the end, stored at csum_start +
 * csum_offset, where the driver left the pseudo-header's sum.  0 or -1
 * if the offsets are not inside the frame.
 */
static int
vtnet_csum_finish(uint8_t *frame, size_t len, uint16_t start, uint16_t off)
{
	uint32_t sum = 0;
	uint16_t c;
	size_t i;

	if ((size_t)start + off + 2 > len)
		return (-1);
	for (i = start; i + 1 < len; i += 2)
		sum += (uint32_t)frame[i] << 8 | frame[i + 1];
	if (i < len)
		sum += (uint32_t)frame[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	if (c == 0)
		c = 0xffff;	/* UDP's "no checksum" is 0; both mean 0 */
	frame[start + off] = (uint8_t)(c >> 8);
	frame[start + off + 1] = (uint8_t)c;
	return (0);
}

/* ---- transmit ---- */

/* One frame from the guest: hdr + frame in iov[0..n).  Sent or dropped. */
static void
vtnet_tx_one(struct vtnet_softc *sc, struct iovec *iov, int n)
{
	struct virtio_net_hdr hdr;
	struct iovec fiov[VTNET_MAXSEGS], one;
	size_t len = iov_total(iov, n), flen;
	int fn;

	if (len < sc->vsc_hdrlen + ETHER_HDR_LEN) {
		sc->vsc_tx_drops++;
		vtnet_log(sc, "transmit shorter than a header and an "
		    "Ethernet header", len);
		return;
	}
	flen = len - sc->vsc_hdrlen;
	if (flen > VTNET_MAX_TXFRAME) {
		sc->vsc_tx_drops++;
		vtnet_log(sc, "transmit frame too long", flen);
		return;
	}
	if (sc->vsc_be == NULL) {
		sc->vsc_tx_drops++;	/* no backend: the wire is cut */
		return;
	}
	if (netbe_get_vnet_hdr_len(sc->vsc_be) != 0) {
		/* The backend takes our header as it is (tap checks it). */
		if (netbe_send(sc->vsc_be, iov, n) < 0)
			sc->vsc_tx_drops++;
		return;
	}
	memset(&hdr, 0, sizeof(hdr));
	iov_to_buf(iov, n, 0, &hdr, sc->vsc_hdrlen);
	if ((hdr.gso_type & ~VNET_HDR_GSO_ECN) != VNET_HDR_GSO_NONE) {
		/* We offered no TSO to a backend that cannot segment. */
		sc->vsc_tx_drops++;
		vtnet_log(sc, "segmentation offload not negotiated",
		    hdr.gso_type);
		return;
	}
	if ((hdr.flags & VNET_HDR_F_NEEDS_CSUM) != 0) {
		/* The guest's buffers are read-only to us: finish a copy. */
		iov_to_buf(iov, n, sc->vsc_hdrlen, sc->vsc_txbuf, flen);
		if (vtnet_csum_finish(sc->vsc_txbuf, flen, hdr.csum_start,
		    hdr.csum_offset) != 0) {
			sc->vsc_tx_drops++;
			vtnet_log(sc, "checksum offsets outside the frame",
			    (size_t)hdr.csum_start + hdr.csum_offset);
			return;
		}
		one.iov_base = sc->vsc_txbuf;
		one.iov_len = flen;
		if (netbe_send(sc->vsc_be, &one, 1) < 0)
			sc->vsc_tx_drops++;
		return;
	}
	fn = iov_slice(iov, n, sc->vsc_hdrlen, flen, fiov, VTNET_MAXSEGS);
	if (fn <= 0 || netbe_send(sc->vsc_be, fiov, fn) < 0)
		sc->vsc_tx_drops++;
}

static void
vtnet_tx(struct vtnet_softc *sc, struct vqueue_info *vq)
{
	struct vq_req req;
	bool done = false;
	int n;

	while ((n = vq_getchain(vq, sc->vsc_txiov, VTNET_MAXSEGS,
	    &req)) > 0) {
		/* §5.1.6.2: transmit buffers are all device-readable. */
		vtnet_tx_one(sc, sc->vsc_txiov, req.readable);
		vq_relchain(vq, req.idx, 0);
		done = true;
	}
	if (done)
		vq_endchains(vq, true);
}

/* ---- receive ---- */

/* Stop taking frames until the driver gives buffers (it notifies). */
static void
vtnet_rx_wait(struct vtnet_softc *sc)
{
	if (!sc->vsc_rx_waiting) {
		sc->vsc_rx_waiting = true;
		netbe_rx_disable(sc->vsc_be);
	}
}

/*
 * Move frames from the backend into the receive queue while both have
 * some (§5.1.6.3, §5.1.6.4).  vs_mtx held.
 */
static void
vtnet_rx(struct vtnet_softc *sc)
{
	struct virtio_softc *vs = &sc->vsc_vs;
	struct vqueue_info *vq = &vs->vs_queues[VTNET_RXQ];
	struct virtio_net_hdr hdr;
	size_t behdr, hdrlen = sc->vsc_hdrlen, need, got, left, l;
	ssize_t plen, n;
	struct vq_req req;
	bool done = false;
	int nch, niov, k, ns;

	if (sc->vsc_be == NULL)
		return;
	if ((vs->vs_status & VIRTIO_S_DRIVER_OK) == 0 || !vq->vq_enabled ||
	    (vs->vs_status & VIRTIO_S_NEEDS_RESET) != 0) {
		vtnet_rx_wait(sc);
		return;
	}
	behdr = netbe_get_vnet_hdr_len(sc->vsc_be);
	for (;;) {
		plen = netbe_peek_recvlen(sc->vsc_be);
		if (plen <= 0)
			break;
		if ((size_t)plen < behdr + ETHER_HDR_LEN) {
			(void)netbe_rx_discard(sc->vsc_be);
			sc->vsc_rx_drops++;
			continue;
		}
		need = (size_t)plen - behdr + hdrlen;
		/* Gather chains: one, or as many as the frame needs. */
		nch = niov = 0;
		got = 0;
		while (got < need && niov < VTNET_RXIOV) {
			n = vq_getchain_gpa(vq, sc->vsc_rxiov + niov,
			    sc->vsc_rxgpa + niov, VTNET_RXIOV - niov, &req);
			if (n < 0)
				return;		/* device broken */
			if (n == 0)
				break;
			if (req.readable != 0) {
				virtio_needs_reset(vs, "receive chain %u has "
				    "a device-readable buffer", req.idx);
				return;
			}
			sc->vsc_rxch[nch].idx = req.idx;
			sc->vsc_rxch[nch].first = niov;
			sc->vsc_rxch[nch].n = (int)n;
			sc->vsc_rxch[nch].len = iov_total(sc->vsc_rxiov + niov,
			    (int)n);
			got += sc->vsc_rxch[nch].len;
			niov += (int)n;
			nch++;
			if (!sc->vsc_mrg)
				break;
		}
		if (got < need) {
			/*
			 * Out of buffers: wait for more.  But a frame that
			 * one chain (or every buffer of the ring) cannot
			 * hold never will fit: drop it.
			 */
			bool starved = !sc->vsc_mrg ? nch == 0 :
			    niov < VTNET_RXIOV && nch < vq->vq_qsize;

			for (k = 0; k < nch; k++)
				vq_retchain(vq);
			if (starved) {
				vtnet_rx_wait(sc);
				break;
			}
			/* The frame fits no buffer the driver gave: drop. */
			(void)netbe_rx_discard(sc->vsc_be);
			sc->vsc_rx_drops++;
			vtnet_log(sc, "received frame larger than the receive "
			    "buffers", need);
			continue;
		}
		if (behdr == 0) {
			ns = iov_slice(sc->vsc_rxiov, niov, hdrlen,
			    got - hdrlen, sc->vsc_rxslice, VTNET_RXIOV);
			n = ns > 0 ? netbe_recv(sc->vsc_be, sc->vsc_rxslice,
			    ns) : -1;
			if (n > 0) {
				memset(&hdr, 0, sizeof(hdr));
				/* Slirp's frames carry good checksums. */
				if (virtio_negotiated(vs,
				    VIRTIO_NET_F_GUEST_CSUM))
					hdr.flags = VNET_HDR_F_DATA_VALID;
				hdr.num_buffers = (uint16_t)nch;
				buf_to_iov(&hdr, hdrlen, sc->vsc_rxiov, niov, 0);
				n += hdrlen;
			}
		} else {
			n = netbe_recv(sc->vsc_be, sc->vsc_rxiov, niov);
			if (n >= (ssize_t)hdrlen) {
				uint16_t nb = (uint16_t)nch;
				uint8_t zero = 0;

				/* §5.1.6.4: flags are 0 without GUEST_CSUM. */
				if (!virtio_negotiated(vs,
				    VIRTIO_NET_F_GUEST_CSUM))
					buf_to_iov(&zero, 1, sc->vsc_rxiov,
					    niov, 0);
				if (hdrlen == VNET_HDR_LEN)
					buf_to_iov(&nb, 2, sc->vsc_rxiov,
					    niov, 10);
			}
		}
		if (n <= 0) {
			for (k = 0; k < nch; k++)
				vq_retchain(vq);
			sc->vsc_rx_drops++;
			break;
		}
		/* Hand the chains back, each with the bytes it holds. */
		left = (size_t)n;
		for (k = 0; k < nch; k++) {
			struct vtnet_rxchain *c = &sc->vsc_rxch[k];

			l = c->len < left ? c->len : left;
			vq_dma_written(vq, sc->vsc_rxiov + c->first,
			    sc->vsc_rxgpa + c->first, c->n, l);
			vq_relchain(vq, c->idx, (uint32_t)l);
			left -= l;
		}
		done = true;
	}
	if (done)
		vq_endchains(vq, !vq_has_descs(vq));
}

/* The backend has frames (mevent thread). */
static void
vtnet_rx_callback(int fd, enum ev_type type, void *param)
{
	struct vtnet_softc *sc = param;

	pthread_mutex_lock(&sc->vsc_vs.vs_mtx);
	vtnet_rx(sc);
	pthread_mutex_unlock(&sc->vsc_vs.vs_mtx);
}

/* ---- virtio glue ---- */

static void
vtnet_qnotify(void *arg, struct vqueue_info *vq)
{
	struct vtnet_softc *sc = arg;

	if (vq->vq_num == VTNET_TXQ) {
		vtnet_tx(sc, vq);
	} else if (vq->vq_num == VTNET_RXQ && sc->vsc_be != NULL &&
	    sc->vsc_rx_waiting) {
		/* New buffers: the mevent thread takes frames again. */
		sc->vsc_rx_waiting = false;
		netbe_rx_enable(sc->vsc_be);
	}
}

static void
vtnet_apply_features(void *arg, uint64_t negotiated)
{
	struct vtnet_softc *sc = arg;

	sc->vsc_mrg = (negotiated & VIRTIO_NET_F_MRG_RXBUF) != 0;
	/* §5.1.6: num_buffers is there with VERSION_1 or MRG_RXBUF. */
	sc->vsc_hdrlen = (negotiated & (VIRTIO_F_VERSION_1 |
	    VIRTIO_NET_F_MRG_RXBUF)) != 0 ? VNET_HDR_LEN : VNET_HDR_LEN_LEGACY;
	if (sc->vsc_be != NULL && netbe_get_vnet_hdr_len(sc->vsc_be) != 0 &&
	    netbe_set_cap(sc->vsc_be, negotiated & sc->vsc_becap,
	    (unsigned)sc->vsc_hdrlen) != 0)
		virtio_needs_reset(&sc->vsc_vs, "the backend refused the "
		    "negotiated offloads");
}

static void
vtnet_reset(void *arg)
{
	struct vtnet_softc *sc = arg;

	if (sc->vsc_be != NULL)
		vtnet_rx_wait(sc);
	sc->vsc_mrg = false;
	sc->vsc_hdrlen = VNET_HDR_LEN_LEGACY;
}

static int
vtnet_cfgread(void *arg, int offset, int size, uint32_t *retval)
{
	struct vtnet_softc *sc = arg;
	uint32_t v = 0;

	if (offset < 0 || size < 1 || size > 4 ||
	    offset + size > VTNET_CFG_SIZE)
		return (-1);
	memcpy(&v, sc->vsc_cfg + offset, size);
	*retval = v;
	return (0);
}

static int
vtnet_cfgwrite(void *arg, int offset, int size, uint32_t value)
{
	struct vtnet_softc *sc = arg;

	/*
	 * §5.1.4.2: the legacy interface lets the driver write the MAC
	 * (without CTRL_MAC_ADDR, which we do not offer); the rest is
	 * read-only.
	 */
	if (sc->vsc_vs.vs_legacy && offset >= VTNET_CFG_MAC && size >= 1 &&
	    size <= 4 && offset + size <= VTNET_CFG_MAC + ETHER_ADDR_LEN) {
		memcpy(sc->vsc_cfg + offset, &value, size);
		return (0);
	}
	return (-1);
}

static const struct virtio_devops vtnet_ops = {
	.vd_name = "virtio-net",
	.vd_devid = VIRTIO_ID_NET,
	.vd_nvq = VTNET_NVQ,
	.vd_qsize = VTNET_RINGSZ,
	.vd_cfgsize = VTNET_CFG_SIZE,
	.vd_reset = vtnet_reset,
	.vd_qnotify = vtnet_qnotify,
	.vd_cfgread = vtnet_cfgread,
	.vd_cfgwrite = vtnet_cfgwrite,
	.vd_apply_features = vtnet_apply_features,
};

/* Options a virtio-net node may carry (BHYVE-CLI.md, docs/net.md). */
static const char *const vtnet_opts[] = {
	"device", "backend", "mac", "mtu", "hostfwd", "open", "bootindex",
	NULL
};

/*
 * The device core: options, backend, features, config space.  defmac is
 * the MAC to use without mac=.  NULL after a message.
 */
static struct vtnet_softc *
vtnet_create(struct config_node *nvl, const char *ident, struct vmctx *ctx,
    const uint8_t defmac[ETHER_ADDR_LEN])
{
	struct vtnet_softc *sc;
	const char *v;
	uint8_t mac[ETHER_ADDR_LEN];
	uint64_t feat;
	int mtu = NET_DEFAULT_MTU;
	bool have_mtu = false;

	if (dev_check_opts(nvl, ident, vtnet_opts) != 0)
		return (NULL);
	memcpy(mac, defmac, ETHER_ADDR_LEN);
	v = get_config_value_node(nvl, "mac");
	if (v != NULL && net_parsemac(v, mac) != 0) {
		fprintf(stderr, "lhyve: %s: mac=%s: expected a unicast, "
		    "nonzero xx:xx:xx:xx:xx:xx\n", ident, v);
		return (NULL);
	}
	v = get_config_value_node(nvl, "mtu");
	if (v != NULL) {
		if (net_parsemtu(v, &mtu) != 0) {
			fprintf(stderr, "lhyve: %s: mtu=%s: expected %d to "
			    "%d\n", ident, v, NET_MIN_MTU, NET_MAX_MTU);
			return (NULL);
		}
		have_mtu = true;
	}
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (NULL);
	sc->vsc_mtu = mtu;
	sc->vsc_hdrlen = VNET_HDR_LEN_LEGACY;
	sc->vsc_rx_waiting = true;	/* the backend starts disabled */
	if (get_config_value_node(nvl, "backend") != NULL) {
		sc->vsc_be = netbe_init(nvl, ident, mtu, vtnet_rx_callback,
		    sc);
		if (sc->vsc_be == NULL) {
			free(sc);
			return (NULL);
		}
		sc->vsc_becap = netbe_get_cap(sc->vsc_be);
	}
	feat = VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_MRG_RXBUF;
	if (have_mtu)
		feat |= VIRTIO_NET_F_MTU;	/* bhyve: only with mtu= */
	if (sc->vsc_be != NULL) {
		/*
		 * A backend without headers gets finished frames: we finish
		 * the guest's checksums for it, and vouch for its own.
		 */
		if (netbe_get_vnet_hdr_len(sc->vsc_be) == 0)
			feat |= VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM;
		else
			feat |= sc->vsc_becap;
	}
	if (virtio_init(&sc->vsc_vs, &vtnet_ops, sc, feat, ctx) != 0) {
		netbe_cleanup(sc->vsc_be);
		free(sc);
		return (NULL);
	}
	memcpy(sc->vsc_cfg + VTNET_CFG_MAC, mac, ETHER_ADDR_LEN);
	sc->vsc_cfg[VTNET_CFG_STATUS] = VTNET_S_LINK_UP;
	sc->vsc_cfg[VTNET_CFG_MAXPAIRS] = 1;
	sc->vsc_cfg[VTNET_CFG_MTU] = (uint8_t)mtu;
	sc->vsc_cfg[VTNET_CFG_MTU + 1] = (uint8_t)(mtu >> 8);
	return (sc);
}

/* ---- the PCI registration ---- */

/* bhyve's netbe_legacy_config: the first token is the backend. */
static int
pci_vtnet_legacy_config(struct config_node *nvl, const char *opts)
{
	size_t n;
	char *backend;

	if (opts == NULL || *opts == '\0')
		return (0);
	n = strcspn(opts, ",");
	backend = strndup(opts, n);
	if (backend == NULL)
		return (-1);
	if (n > 0)
		set_config_value_node(nvl, "backend", backend);
	free(backend);
	return (opts[n] == '\0' ? 0 :
	    pci_parse_legacy_config(nvl, opts + n + 1));
}

static int
pci_vtnet_init(struct pci_devinst *pi, struct config_node *nvl)
{
	struct vtnet_softc *sc;
	uint8_t mac[ETHER_ADDR_LEN];
	int error;

	net_genmac(pi->pi_slot, pi->pi_func, get_config_value("name"), mac);
	sc = vtnet_create(nvl, pi->pi_name, pi->pi_vmctx, mac);
	if (sc == NULL)
		return (-EINVAL);
	error = pci_virtio_init(pi, &sc->vsc_vs, PCIC_NETWORK, 0x00);
	if (error != 0) {
		netbe_cleanup(sc->vsc_be);
		virtio_fini(&sc->vsc_vs);
		free(sc);
	}
	return (error);
}

const struct pci_devemu pci_de_vnet = {
	.pe_emu = "virtio-net",
	.pe_init = pci_vtnet_init,
	.pe_legacy_config = pci_vtnet_legacy_config,
	.pe_barwrite = pci_virtio_barwrite,
	.pe_barread = pci_virtio_barread,
};
PCI_EMUL_SET(pci_de_vnet);
