/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_virtio_rnd.c: virtio-rnd, the entropy device (virtio 1.2 §5.4):
 * every writable buffer the driver offers comes back full of bytes from
 * the host's getrandom(2).  The core knows only virtio.h; the last lines
 * register it on the virtio-pci transport.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "devices/pci_virtio.h"
#include "devices/virtio.h"

#define VTRND_RINGSZ	64
#define VTRND_MAXCHAIN	16

struct vtrnd_softc {
	struct virtio_softc vrsc_vs;
	struct iovec vrsc_iov[VTRND_MAXCHAIN];
	uint64_t vrsc_gpa[VTRND_MAXCHAIN];
};

/* Fill one buffer; the bytes written (short only if getrandom fails). */
static size_t
vtrnd_fill(void *p, size_t len)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = getrandom((char *)p + done, len - done, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		done += r;
	}
	return (done);
}

static void
vtrnd_notify(void *arg, struct vqueue_info *vq)
{
	struct vtrnd_softc *sc = arg;
	struct vq_req req;
	struct iovec *w;
	uint64_t *wg;
	size_t len, got;
	bool done = false;
	int n;

	while ((n = vq_getchain_gpa(vq, sc->vrsc_iov, sc->vrsc_gpa,
	    VTRND_MAXCHAIN, &req)) > 0) {
		/* §5.4.6.1: the device only writes; readable parts are ignored. */
		w = sc->vrsc_iov + req.readable;
		wg = sc->vrsc_gpa + req.readable;
		len = 0;
		for (int i = 0; i < req.writable; i++) {
			got = vtrnd_fill(w[i].iov_base, w[i].iov_len);
			len += got;
			if (got < w[i].iov_len)
				break;
		}
		vq_dma_written(vq, w, wg, req.writable, len);
		vq_relchain(vq, req.idx, len);
		done = true;
	}
	if (done)
		vq_endchains(vq, true);
}

static const struct virtio_devops vtrnd_ops = {
	.vd_name = "virtio-rnd",
	.vd_devid = VIRTIO_ID_ENTROPY,
	.vd_nvq = 1,
	.vd_qsize = VTRND_RINGSZ,
	.vd_cfgsize = 0,
	.vd_qnotify = vtrnd_notify,
};

/* ---- the PCI registration ---- */

static int
pci_vtrnd_init(struct pci_devinst *pi, struct config_node *nvl)
{
	struct vtrnd_softc *sc;
	char probe;
	int error;

	/* Fail at startup, not in the guest, if the host has no getrandom. */
	if (getrandom(&probe, 1, GRND_NONBLOCK) < 0 && errno == ENOSYS) {
		fprintf(stderr, "lhyve: %s: getrandom() is not available\n",
		    pi->pi_name);
		return (-ENOSYS);
	}
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (-ENOMEM);
	error = virtio_init(&sc->vrsc_vs, &vtrnd_ops, sc, 0, pi->pi_vmctx);
	if (error == 0)
		error = pci_virtio_init(pi, &sc->vrsc_vs, 0xff, 0x00);
	if (error != 0) {
		if (sc->vrsc_vs.vs_queues != NULL)
			virtio_fini(&sc->vrsc_vs);
		free(sc);
	}
	return (error);
}

const struct pci_devemu pci_de_vrnd = {
	.pe_emu = "virtio-rnd",
	.pe_init = pci_vtrnd_init,
	.pe_barwrite = pci_virtio_barwrite,
	.pe_barread = pci_virtio_barread,
};
PCI_EMUL_SET(pci_de_vrnd);
