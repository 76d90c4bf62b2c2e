/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_backend.h: where a network device's frames go on the host (bhyve's
 * net_backends.h, on Linux): a tap interface, or libslirp's user-mode
 * stack; plus the helpers virtio-net's options need (MAC and MTU parsing,
 * the stable default MAC).
 *
 * The device pulls received frames: when the backend has one, the
 * callback given to netbe_init() runs on the mevent thread; the device
 * asks netbe_peek_recvlen() for its length, gathers guest buffers and
 * calls netbe_recv().  If the guest has no buffers the device calls
 * netbe_rx_disable() and, once buffers arrive, netbe_rx_enable(): frames
 * then wait in the backend (the tap queue, slirp's socket pair), which
 * is the back-pressure.
 *
 * Frames cross this seam as plain Ethernet frames, except that a backend
 * whose netbe_get_vnet_hdr_len() is nonzero (a tap opened with
 * IFF_VNET_HDR) puts a struct virtio_net_hdr of that length in front of
 * each one in both directions, carrying checksum and segmentation
 * offload (virtio 1.2 §5.1.6).
 */
#ifndef LHYVE_NET_BACKEND_H
#define LHYVE_NET_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "mevent.h"

struct config_node;
struct net_backend;

#define ETHER_ADDR_LEN		6
#define ETHER_HDR_LEN		14
/* MTU limits for mtu=: IPv4's minimum, and the largest frame that fits
 * a 16-bit IP length behind an Ethernet header (slirp's IF_MTU_MAX). */
#define NET_MIN_MTU		68
#define NET_MAX_MTU		65521
#define NET_DEFAULT_MTU		1500

/* virtio-net header (virtio 1.2 §5.1.6); 10 bytes, 12 with num_buffers. */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;	/* MRG_RXBUF or VERSION_1 only */
};
#define VNET_HDR_LEN_LEGACY	10
#define VNET_HDR_LEN		12

#define VNET_HDR_F_NEEDS_CSUM	1
#define VNET_HDR_F_DATA_VALID	2
#define VNET_HDR_GSO_NONE	0
#define VNET_HDR_GSO_TCPV4	1
#define VNET_HDR_GSO_UDP	3
#define VNET_HDR_GSO_TCPV6	4
#define VNET_HDR_GSO_ECN	0x80

/* The offload feature bits a backend may support (§5.1.3). */
#define VIRTIO_NET_F_CSUM		(1ULL << 0)
#define VIRTIO_NET_F_GUEST_CSUM		(1ULL << 1)
#define VIRTIO_NET_F_GUEST_TSO4		(1ULL << 7)
#define VIRTIO_NET_F_GUEST_TSO6		(1ULL << 8)
#define VIRTIO_NET_F_GUEST_ECN		(1ULL << 9)
#define VIRTIO_NET_F_GUEST_UFO		(1ULL << 10)
#define VIRTIO_NET_F_HOST_TSO4		(1ULL << 11)
#define VIRTIO_NET_F_HOST_TSO6		(1ULL << 12)
#define VIRTIO_NET_F_HOST_ECN		(1ULL << 13)
#define VIRTIO_NET_F_HOST_UFO		(1ULL << 14)

/* Called on the mevent thread when the backend has frames. */
typedef void (*net_be_rxeof_t)(int fd, enum ev_type type, void *param);

/*
 * Open the backend named by nvl's "backend" value (tapN, vmnetN, a path
 * such as /dev/net/tun or /dev/tapNN, or slirp with its options, which
 * are values of nvl too).  mtu is the device's: slirp sizes its frames
 * by it.  Receive starts disabled.  NULL after a message naming ident.
 */
struct net_backend *netbe_init(struct config_node *nvl, const char *ident,
    int mtu, net_be_rxeof_t cb, void *param);
void netbe_cleanup(struct net_backend *be);

/* Offload features (VIRTIO_NET_F_* above) the backend can carry. */
uint64_t netbe_get_cap(struct net_backend *be);
/*
 * The driver accepted these features with a vnet_hdr_len-byte header:
 * the backend switches its own header and offloads to match.  0 or -1.
 */
int netbe_set_cap(struct net_backend *be, uint64_t features,
    unsigned vnet_hdr_len);
/* 0, or the virtio-net header length on the backend's frames. */
size_t netbe_get_vnet_hdr_len(struct net_backend *be);

/* Send one frame (gathered from iov).  Its length, or -1 (dropped). */
ssize_t netbe_send(struct net_backend *be, const struct iovec *iov,
    int iovcnt);
/* The length of the next received frame, 0 if none, -1 on error. */
ssize_t netbe_peek_recvlen(struct net_backend *be);
/* Move the next frame into iov (truncated to it).  Bytes, 0, or -1. */
ssize_t netbe_recv(struct net_backend *be, const struct iovec *iov,
    int iovcnt);
/* Drop the next frame.  Its length, 0 if none. */
ssize_t netbe_rx_discard(struct net_backend *be);
void netbe_rx_enable(struct net_backend *be);
void netbe_rx_disable(struct net_backend *be);

/* ---- option helpers (net_backend.c) ---- */

/*
 * "xx:xx:xx:xx:xx:xx" (hex, one or two digits each) into mac.  Refuses
 * multicast and all-zero addresses, as bhyve does.  0 or -1.
 */
int net_parsemac(const char *str, uint8_t mac[ETHER_ADDR_LEN]);
/* A decimal MTU in [NET_MIN_MTU, NET_MAX_MTU].  0 or -1. */
int net_parsemtu(const char *str, int *mtu);
/*
 * The default MAC of the function at slot:func of VM vmname: lhyve's
 * locally administered prefix 02:6c:68 ("lh") and three bytes of the
 * FNV-1a hash of "<slot>-<func>-<vmname>" (bhyve hashes the same string
 * with MD5 under its own OUI).  Stable across runs.
 */
void net_genmac(int slot, int func, const char *vmname,
    uint8_t mac[ETHER_ADDR_LEN]);
#define NET_MAC_OUI0	0x02
#define NET_MAC_OUI1	0x6c
#define NET_MAC_OUI2	0x68

/*
 * One slirp hostfwd rule, "tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT"
 * (bhyve's grammar; an empty address is any host address / the guest's
 * DHCP address).  Addresses in network order, ports in host order.
 * 0 or -1.
 */
struct net_hostfwd {
	bool udp;
	uint32_t host_addr, guest_addr;
	uint16_t host_port, guest_port;
};
int net_parse_hostfwd(const char *rule, struct net_hostfwd *fwd);

/* ---- backend implementations (net_backend_*.c) ---- */

/* What each backend file provides; net_backend.c dispatches. */
struct net_backend_ops {
	const char *nb_name;
	/* 0 or -1 after a message; sets be->nb_priv. */
	int (*nb_init)(struct net_backend *be, struct config_node *nvl,
	    const char *ident, const char *spec, int mtu);
	void (*nb_cleanup)(struct net_backend *be);
	ssize_t (*nb_send)(struct net_backend *be, const struct iovec *iov,
	    int iovcnt);
	ssize_t (*nb_peek_recvlen)(struct net_backend *be);
	ssize_t (*nb_recv)(struct net_backend *be, const struct iovec *iov,
	    int iovcnt);
	uint64_t (*nb_get_cap)(struct net_backend *be);
	int (*nb_set_cap)(struct net_backend *be, uint64_t features,
	    unsigned vnet_hdr_len);
};

struct net_backend {
	const struct net_backend_ops *nb_ops;
	void *nb_priv;
	int nb_fd;			/* what mevent watches for receive */
	struct mevent *nb_mevp;
	net_be_rxeof_t nb_cb;
	void *nb_cbarg;
	size_t nb_vnet_hdr_len;
	char nb_ident[48];
};

/* NULL; a unit test overrides this weak hook to add a fake backend. */
const struct net_backend_ops *netbe_test_ops(const char *spec);

extern const struct net_backend_ops netbe_tap_ops;
extern const struct net_backend_ops netbe_slirp_ops;

#endif /* LHYVE_NET_BACKEND_H */
