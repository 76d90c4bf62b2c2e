/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_backend.c: picks a network backend by the "backend" value of a
 * device's config node and forwards to it (net_backend_tap.c,
 * net_backend_slirp.c); also the MAC, MTU and hostfwd parsers and the
 * default MAC that virtio-net uses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "devices/net_backend.h"
#include "devices/dev_opts.h"

/* Unit tests plug a fake backend in here (tests/unit/test_virtio_net.c). */
__attribute__((weak)) const struct net_backend_ops *
netbe_test_ops(const char *spec)
{
	return (NULL);
}

struct net_backend *
netbe_init(struct config_node *nvl, const char *ident, int mtu,
    net_be_rxeof_t cb, void *param)
{
	const struct net_backend_ops *ops;
	struct net_backend *be;
	const char *spec;

	spec = get_config_value_node(nvl, "backend");
	if (spec == NULL || *spec == '\0') {
		fprintf(stderr, "lhyve: %s: no network backend\n", ident);
		return (NULL);
	}
	if ((ops = netbe_test_ops(spec)) != NULL) {
		/* a test's own */
	} else if (strcmp(spec, "slirp") == 0) {
		ops = &netbe_slirp_ops;
	} else if (strncmp(spec, "tap", 3) == 0 ||
	    strncmp(spec, "vmnet", 5) == 0 || spec[0] == '/') {
		ops = &netbe_tap_ops;
	} else {
		/* netgraph, netmap and VALE are FreeBSD's own. */
		fprintf(stderr, "lhyve: %s: unknown network backend '%s' "
		    "(tapN, vmnetN, /dev/net/tun, /dev/tapN or slirp)\n",
		    ident, spec);
		return (NULL);
	}
	be = calloc(1, sizeof(*be));
	if (be == NULL)
		return (NULL);
	be->nb_ops = ops;
	be->nb_fd = -1;
	be->nb_cb = cb;
	be->nb_cbarg = param;
	snprintf(be->nb_ident, sizeof(be->nb_ident), "%s", ident);
	if (ops->nb_init(be, nvl, ident, spec, mtu) != 0) {
		free(be);
		return (NULL);
	}
	/* Frames wait in the backend until the device is ready for them. */
	if (cb != NULL && be->nb_fd >= 0) {
		be->nb_mevp = mevent_add_disabled(be->nb_fd, EVF_READ, cb,
		    param);
		if (be->nb_mevp == NULL) {
			fprintf(stderr, "lhyve: %s: cannot watch the backend\n",
			    ident);
			ops->nb_cleanup(be);
			free(be);
			return (NULL);
		}
	}
	return (be);
}

void
netbe_cleanup(struct net_backend *be)
{
	if (be == NULL)
		return;
	if (be->nb_mevp != NULL)
		mevent_delete(be->nb_mevp);
	be->nb_ops->nb_cleanup(be);
	free(be);
}

uint64_t
netbe_get_cap(struct net_backend *be)
{
	return (be->nb_ops->nb_get_cap(be));
}

int
netbe_set_cap(struct net_backend *be, uint64_t features, unsigned hdrlen)
{
	return (be->nb_ops->nb_set_cap(be, features, hdrlen));
}

size_t
netbe_get_vnet_hdr_len(struct net_backend *be)
{
	return (be->nb_vnet_hdr_len);
}

ssize_t
netbe_send(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	return (be->nb_ops->nb_send(be, iov, iovcnt));
}

ssize_t
netbe_peek_recvlen(struct net_backend *be)
{
	return (be->nb_ops->nb_peek_recvlen(be));
}

ssize_t
netbe_recv(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	return (be->nb_ops->nb_recv(be, iov, iovcnt));
}

ssize_t
netbe_rx_discard(struct net_backend *be)
{
	static uint8_t sink[1];
	struct iovec iov = { sink, sizeof(sink) };
	ssize_t len = netbe_peek_recvlen(be);

	if (len > 0)
		(void)netbe_recv(be, &iov, 1);
	return (len);
}

void
netbe_rx_enable(struct net_backend *be)
{
	if (be->nb_mevp != NULL)
		mevent_enable(be->nb_mevp);
}

void
netbe_rx_disable(struct net_backend *be)
{
	if (be->nb_mevp != NULL)
		mevent_disable(be->nb_mevp);
}

/* ---- option helpers ---- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
net_parsemac(const char *str, uint8_t mac[ETHER_ADDR_LEN])
{
	uint8_t m[ETHER_ADDR_LEN];
	const char *p = str;
	int i, d, v;

	if (str == NULL)
		return (-1);
	for (i = 0; i < ETHER_ADDR_LEN; i++) {
		/* ether_aton(3): one or two hex digits per byte. */
		v = 0;
		for (d = 0; d < 2 && hexval(*p) >= 0; d++, p++)
			v = v * 16 + hexval(*p);
		if (d == 0)
			return (-1);
		m[i] = (uint8_t)v;
		if (i < ETHER_ADDR_LEN - 1 && *p++ != ':')
			return (-1);
	}
	if (*p != '\0')
		return (-1);
	/* A NIC's own address is unicast and not zero (bhyve's check). */
	if ((m[0] & 1) != 0 || (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0)
		return (-1);
	memcpy(mac, m, ETHER_ADDR_LEN);
	return (0);
}

int
net_parsemtu(const char *str, int *mtu)
{
	long v = 0;

	if (str == NULL || *str == '\0')
		return (-1);
	for (const char *p = str; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return (-1);
		v = v * 10 + (*p - '0');
		if (v > NET_MAX_MTU)
			return (-1);
	}
	if (v < NET_MIN_MTU)
		return (-1);
	*mtu = (int)v;
	return (0);
}

void
net_genmac(int slot, int func, const char *vmname,
    uint8_t mac[ETHER_ADDR_LEN])
{
	char buf[300];
	uint32_t h;

	snprintf(buf, sizeof(buf), "%d-%d-%s", slot, func,
	    vmname != NULL ? vmname : "");
	h = dev_hash32(buf);
	mac[0] = NET_MAC_OUI0;
	mac[1] = NET_MAC_OUI1;
	mac[2] = NET_MAC_OUI2;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

/* "[ADDR]:PORT" into network-order addr and host-order port. */
static int
parse_addrport(char *s, uint32_t *addr, uint16_t *port)
{
	struct in_addr in;
	char *colon = strrchr(s, ':');
	long v = 0;

	if (colon == NULL)
		return (-1);
	*colon = '\0';
	if (*s == '\0') {
		*addr = htonl(INADDR_ANY);
	} else {
		if (inet_pton(AF_INET, s, &in) != 1)
			return (-1);
		*addr = in.s_addr;
	}
	s = colon + 1;
	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return (-1);
	}
	if (v == 0)
		return (-1);	/* a port nobody could name */
	*port = (uint16_t)v;
	return (0);
}

int
net_parse_hostfwd(const char *rule, struct net_hostfwd *fwd)
{
	char buf[128], *host, *guest;
	int error = -1;

	if (rule == NULL || strlen(rule) >= sizeof(buf))
		return (-1);
	memset(fwd, 0, sizeof(*fwd));
	snprintf(buf, sizeof(buf), "%s", rule);
	host = strchr(buf, ':');
	if (host == NULL)
		return (-1);
	*host++ = '\0';
	if (strcmp(buf, "tcp") == 0)
		fwd->udp = false;
	else if (strcmp(buf, "udp") == 0)
		fwd->udp = true;
	else
		return (-1);
	guest = strchr(host, '-');
	if (guest == NULL)
		return (-1);
	*guest++ = '\0';
	if (parse_addrport(host, &fwd->host_addr, &fwd->host_port) == 0 &&
	    parse_addrport(guest, &fwd->guest_addr, &fwd->guest_port) == 0)
		error = 0;
	return (error);
}
