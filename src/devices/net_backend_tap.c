/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_backend_tap.c: the tap backend: frames to and from a Linux tap
 * interface (Documentation/networking/tuntap.rst).  "tapN" (or bhyve's
 * "vmnetN") attaches to, or creates, the interface of that name through
 * /dev/net/tun; a path opens a character device: /dev/net/tun itself
 * (the kernel names a new tap), or an already attached one such as a
 * macvtap's /dev/tapNN.
 *
 * With IFF_VNET_HDR every frame carries a virtio-net header, so the
 * guest's checksum and TSO offloads pass straight through to the host
 * kernel, which does the work (or none: a local socket never needs it).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "config.h"
#include "devices/net_backend.h"

/* The largest frame a tap hands us: 64 KiB of GSO payload + headers. */
#define TAP_BUFSZ	(65536 + 256)

struct tap_priv {
	int fd;
	bool vnet_hdr;
	unsigned offloads;	/* TUN_F_* the kernel accepted in a probe */
	/* One frame read ahead (a tap cannot peek). */
	uint8_t *buf;
	ssize_t buflen;		/* 0: empty */
};

static int
tap_attach(int fd, const char *name, bool vnet_hdr)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return (ioctl(fd, TUNSETIFF, &ifr));
}

static int
tap_init(struct net_backend *be, struct config_node *nvl, const char *ident,
    const char *spec, int mtu)
{
	struct tap_priv *tp;
	struct ifreq ifr;
	const char *path;
	int hdrsz = VNET_HDR_LEN;

	tp = calloc(1, sizeof(*tp));
	if (tp == NULL)
		return (-1);
	tp->fd = -1;
	tp->buf = malloc(TAP_BUFSZ);
	if (tp->buf == NULL)
		goto fail;
	path = spec[0] == '/' ? spec : "/dev/net/tun";
	tp->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tp->fd < 0) {
		fprintf(stderr, "lhyve: %s: %s: %s\n", ident, path,
		    strerror(errno));
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	if (spec[0] == '/' && ioctl(tp->fd, TUNGETIFF, &ifr) == 0) {
		/* Already an interface (macvtap): take its flags. */
		tp->vnet_hdr = (ifr.ifr_flags & IFF_VNET_HDR) != 0;
	} else {
		const char *name = spec[0] == '/' ? "tap%d" : spec;

		if (strlen(name) >= IFNAMSIZ) {
			fprintf(stderr, "lhyve: %s: interface name '%s' is "
			    "too long\n", ident, name);
			goto fail;
		}
		tp->vnet_hdr = true;
		if (tap_attach(tp->fd, name, true) != 0) {
			tp->vnet_hdr = false;
			if (tap_attach(tp->fd, name, false) != 0) {
				fprintf(stderr, "lhyve: %s: cannot attach tap "
				    "'%s': %s\n", ident, name,
				    strerror(errno));
				goto fail;
			}
		}
	}
	if (tp->vnet_hdr &&
	    ioctl(tp->fd, TUNSETVNETHDRSZ, &hdrsz) != 0)
		tp->vnet_hdr = false;
	if (tp->vnet_hdr) {
		/* What the kernel can hand us unfinished (tun.c). */
		unsigned want = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

		if (ioctl(tp->fd, TUNSETOFFLOAD, want) == 0)
			tp->offloads = want;
		else if (ioctl(tp->fd, TUNSETOFFLOAD, TUN_F_CSUM) == 0)
			tp->offloads = TUN_F_CSUM;
		(void)ioctl(tp->fd, TUNSETOFFLOAD, 0);
		be->nb_vnet_hdr_len = VNET_HDR_LEN;
	}
	be->nb_priv = tp;
	be->nb_fd = tp->fd;
	return (0);
fail:
	if (tp->fd >= 0)
		close(tp->fd);
	free(tp->buf);
	free(tp);
	return (-1);
}

static void
tap_cleanup(struct net_backend *be)
{
	struct tap_priv *tp = be->nb_priv;

	close(tp->fd);
	free(tp->buf);
	free(tp);
}

static ssize_t
tap_send(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	struct tap_priv *tp = be->nb_priv;
	ssize_t n;

	do {
		n = writev(tp->fd, iov, iovcnt);
	} while (n < 0 && errno == EINTR);
	/* EAGAIN: the host queue is full; the frame is dropped, as a NIC
	 * with a full wire would. */
	return (n);
}

static ssize_t
tap_peek_recvlen(struct net_backend *be)
{
	struct tap_priv *tp = be->nb_priv;
	ssize_t n;

	if (tp->buflen > 0)
		return (tp->buflen);
	do {
		n = read(tp->fd, tp->buf, TAP_BUFSZ);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN ? 0 : -1);
	tp->buflen = n;
	return (n);
}

static ssize_t
tap_recv(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	struct tap_priv *tp = be->nb_priv;
	ssize_t n = tap_peek_recvlen(be);
	size_t done = 0;

	if (n <= 0)
		return (n);
	for (int i = 0; i < iovcnt && done < (size_t)n; i++) {
		size_t l = iov[i].iov_len;

		if (l > (size_t)n - done)
			l = (size_t)n - done;
		memcpy(iov[i].iov_base, tp->buf + done, l);
		done += l;
	}
	tp->buflen = 0;
	return ((ssize_t)done);
}

static uint64_t
tap_get_cap(struct net_backend *be)
{
	struct tap_priv *tp = be->nb_priv;
	uint64_t cap = 0;

	if (!tp->vnet_hdr)
		return (0);
	/* The kernel finishes whatever the guest leaves (tun_get_user). */
	cap |= VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4 |
	    VIRTIO_NET_F_HOST_TSO6 | VIRTIO_NET_F_HOST_ECN;
	if ((tp->offloads & TUN_F_CSUM) != 0)
		cap |= VIRTIO_NET_F_GUEST_CSUM;
	if ((tp->offloads & TUN_F_TSO4) != 0)
		cap |= VIRTIO_NET_F_GUEST_TSO4;
	if ((tp->offloads & TUN_F_TSO6) != 0)
		cap |= VIRTIO_NET_F_GUEST_TSO6;
	return (cap);
}

static int
tap_set_cap(struct net_backend *be, uint64_t features, unsigned hdrlen)
{
	struct tap_priv *tp = be->nb_priv;
	unsigned off = 0;
	int sz = (int)hdrlen;

	if (!tp->vnet_hdr)
		return (hdrlen == 0 ? 0 : -1);
	if (hdrlen != VNET_HDR_LEN && hdrlen != VNET_HDR_LEN_LEGACY)
		return (-1);
	if (ioctl(tp->fd, TUNSETVNETHDRSZ, &sz) != 0)
		return (-1);
	be->nb_vnet_hdr_len = hdrlen;
	/* What the guest can take unfinished decides what the kernel may
	 * leave undone on frames it gives us. */
	if ((features & VIRTIO_NET_F_GUEST_CSUM) != 0) {
		off |= TUN_F_CSUM;
		if ((features & VIRTIO_NET_F_GUEST_TSO4) != 0)
			off |= TUN_F_TSO4;
		if ((features & VIRTIO_NET_F_GUEST_TSO6) != 0)
			off |= TUN_F_TSO6;
		if ((features & VIRTIO_NET_F_GUEST_ECN) != 0 &&
		    (off & (TUN_F_TSO4 | TUN_F_TSO6)) != 0)
			off |= TUN_F_TSO_ECN;
	}
	off &= tp->offloads | TUN_F_TSO_ECN;
	return (ioctl(tp->fd, TUNSETOFFLOAD, off) == 0 ? 0 : -1);
}

const struct net_backend_ops netbe_tap_ops = {
	.nb_name = "tap",
	.nb_init = tap_init,
	.nb_cleanup = tap_cleanup,
	.nb_send = tap_send,
	.nb_peek_recvlen = tap_peek_recvlen,
	.nb_recv = tap_recv,
	.nb_get_cap = tap_get_cap,
	.nb_set_cap = tap_set_cap,
};
