/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_virtio_net.c: virtio-net through the real virtio-pci transport and
 * PCI core, driven like a guest driver over rings in a fake guest RAM,
 * with a fake backend plugged in through netbe_test_ops() (exact frames
 * both ways), plus one round trip through the real slirp backend (ARP).
 * Also the option parsers (mac=, mtu=, hostfwd=), the default MAC, and
 * malformed requests: short headers, bad checksum offsets, offloads not
 * negotiated, descriptor loops, buffers outside guest RAM, readable
 * receive buffers.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "dev_harness.h"
#include "devices/net_backend.h"
#include "mevent.h"

extern const struct pci_devemu pci_de_vnet;
const void *pull_vnet = &pci_de_vnet;

/* ---- the fake backend ---- */
#define FQ_MAX		8
static struct {
	uint8_t data[FQ_MAX][8192];
	size_t len[FQ_MAX];
	int head, tail;		/* frames [head, tail) wait */
} fq;
static uint8_t tx_last[70000];
static size_t tx_last_len;
static int tx_count;
static size_t fake_hdrlen;
static uint64_t fake_cap;
static uint64_t setcap_feat;
static int setcap_hdrlen = -1;
static struct net_backend *fake_be;

static int
fake_init(struct net_backend *be, struct config_node *nvl, const char *ident,
    const char *spec, int mtu)
{
	fake_be = be;
	be->nb_fd = -1;		/* no mevent: the test calls the callback */
	be->nb_vnet_hdr_len = fake_hdrlen;
	return (0);
}

static void
fake_cleanup(struct net_backend *be)
{
	fake_be = NULL;
}

static ssize_t
fake_send(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	tx_last_len = 0;
	for (int i = 0; i < iovcnt; i++) {
		memcpy(tx_last + tx_last_len, iov[i].iov_base, iov[i].iov_len);
		tx_last_len += iov[i].iov_len;
	}
	tx_count++;
	return ((ssize_t)tx_last_len);
}

static ssize_t
fake_peek(struct net_backend *be)
{
	return (fq.head == fq.tail ? 0 : (ssize_t)fq.len[fq.head % FQ_MAX]);
}

static ssize_t
fake_recv(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	size_t len, done = 0;
	uint8_t *p;

	if (fq.head == fq.tail)
		return (0);
	len = fq.len[fq.head % FQ_MAX];
	p = fq.data[fq.head % FQ_MAX];
	for (int i = 0; i < iovcnt && done < len; i++) {
		size_t l = iov[i].iov_len < len - done ? iov[i].iov_len :
		    len - done;

		memcpy(iov[i].iov_base, p + done, l);
		done += l;
	}
	fq.head++;
	return ((ssize_t)done);
}

static uint64_t
fake_get_cap(struct net_backend *be)
{
	return (fake_cap);
}

static int
fake_set_cap(struct net_backend *be, uint64_t features, unsigned hdrlen)
{
	setcap_feat = features;
	setcap_hdrlen = (int)hdrlen;
	be->nb_vnet_hdr_len = hdrlen;
	return (0);
}

static const struct net_backend_ops fake_ops = {
	.nb_name = "fake",
	.nb_init = fake_init,
	.nb_cleanup = fake_cleanup,
	.nb_send = fake_send,
	.nb_peek_recvlen = fake_peek,
	.nb_recv = fake_recv,
	.nb_get_cap = fake_get_cap,
	.nb_set_cap = fake_set_cap,
};

const struct net_backend_ops *
netbe_test_ops(const char *spec)
{
	return (strcmp(spec, "fake") == 0 ? &fake_ops : NULL);
}

static void
fq_push(const void *p, size_t len)
{
	memcpy(fq.data[fq.tail % FQ_MAX], p, len);
	fq.len[fq.tail % FQ_MAX] = len;
	fq.tail++;
}

/* The backend "has frames": what the mevent thread would do. */
static void
rx_event(void)
{
	fake_be->nb_cb(-1, EVF_READ, fake_be->nb_cbarg);
}

/* ---- the guest side ---- */
#define QSZ		16
#define SLOT		4
static const uint64_t DESC[2] = { 0x1000, 0x4000 };
static const uint64_t AVAIL[2] = { 0x2000, 0x5000 };
static const uint64_t USED[2] = { 0x3000, 0x6000 };
#define BUF_GPA		0x10000		/* receive buffers, 4 KiB apart */
#define TX_GPA		0x80000
static uint16_t avail_idx[2];

#define F_CSUM		(1ULL << 0)
#define F_GUEST_CSUM	(1ULL << 1)
#define F_MTU		(1ULL << 3)
#define F_MAC		(1ULL << 5)
#define F_HOST_TSO4	(1ULL << 11)
#define F_MRG		(1ULL << 15)
#define F_STATUS	(1ULL << 16)

/* -s text, then the bus; 0 or what init_pci said. */
static int
start(const char *conf)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%d,virtio-net%s%s", SLOT,
	    conf[0] != '\0' ? "," : "", conf);
	assert_int_equal(parse(buf), 0);
	return (dev_bus_up(SLOT, VTPCI_MODERN_BAR));
}

static uint64_t
offered(void)
{
	uint64_t f;

	wr(0x00, 4, 0);
	f = rd(0x04, 4);
	wr(0x00, 4, 1);
	return (f | rd(0x04, 4) << 32);
}

/* The driver's init sequence (§3.1.1) with both queues; the status. */
static uint8_t
driver_up(uint64_t feat)
{
	if ((driver_init(feat) & VIRTIO_S_FEATURES_OK) == 0)
		return (rd(0x14, 1));
	memset(ram, 0, 0x8000);
	for (int q = 0; q < 2; q++) {
		avail_idx[q] = 0;
		vq_setup(q, QSZ, -1, DESC[q], AVAIL[q], USED[q]);
	}
	wr(0x14, 1, 0x0f);
	return (rd(0x14, 1));
}

static volatile struct vring_used *
used(int q)
{
	return (vr_used(USED[q]));
}

static void
set_desc(int q, int i, uint64_t addr, uint32_t len, uint16_t flags,
    uint16_t next)
{
	vr_set_desc(DESC[q], i, addr, len, flags, next);
}

static void
post(int q, uint16_t head)
{
	vr_post(AVAIL[q], QSZ, &avail_idx[q], head);
}

static void
notify(int q)
{
	wr(VTPCI_NOTIFY_OFF + 4 * q, 2, q);
}

static uint8_t
status(void)
{
	return (rd(0x14, 1));
}

/* Post n receive buffers of len bytes (descriptors 0..n-1), notify. */
static void
post_rx(int n, uint32_t len)
{
	for (int i = 0; i < n; i++) {
		set_desc(0, i, BUF_GPA + 0x1000 * i, len, VRING_DESC_F_WRITE,
		    0);
		post(0, i);
	}
	notify(0);
}

static int
setup(void **state)
{
	dev_setup();
	set_config_value("name", "vmtest");
	memset(&fq, 0, sizeof(fq));
	tx_last_len = 0;
	tx_count = 0;
	fake_hdrlen = 0;
	fake_cap = 0;
	setcap_feat = 0;
	setcap_hdrlen = -1;
	return (0);
}

static int
teardown(void **state)
{
	free_config();
	return (0);
}

/* ---- option helpers ---- */

static void
test_parsemac(void **state)
{
	uint8_t m[6] = { 0 };
	const uint8_t want[6] = { 0x00, 0xbe, 0xfa, 0x76, 0x45, 0x00 };
	const uint8_t one[6] = { 0x02, 0x01, 0x0a, 0x0b, 0x0c, 0xff };

	assert_int_equal(net_parsemac("00:be:fa:76:45:00", m), 0);
	assert_memory_equal(m, want, 6);
	assert_int_equal(net_parsemac("2:1:A:b:c:FF", m), 0);
	assert_memory_equal(m, one, 6);
	/* Multicast, zero, short, long, bad digits, bad separators. */
	memset(m, 0x77, 6);
	assert_int_equal(net_parsemac("01:00:5e:00:00:01", m), -1);
	assert_int_equal(net_parsemac("ff:ff:ff:ff:ff:ff", m), -1);
	assert_int_equal(net_parsemac("00:00:00:00:00:00", m), -1);
	assert_int_equal(net_parsemac("02:11:22:33:44", m), -1);
	assert_int_equal(net_parsemac("02:11:22:33:44:55:66", m), -1);
	assert_int_equal(net_parsemac("02:11:22:33:44:5g", m), -1);
	assert_int_equal(net_parsemac("02:11:22:33:44:555", m), -1);
	assert_int_equal(net_parsemac("02-11-22-33-44-55", m), -1);
	assert_int_equal(net_parsemac("", m), -1);
	assert_int_equal(net_parsemac(NULL, m), -1);
	assert_int_equal(m[0], 0x77);	/* untouched on failure */
}

static void
test_parsemtu(void **state)
{
	int mtu = 0;

	assert_int_equal(net_parsemtu("68", &mtu), 0);
	assert_int_equal(mtu, 68);
	assert_int_equal(net_parsemtu("65521", &mtu), 0);
	assert_int_equal(mtu, 65521);
	assert_int_equal(net_parsemtu("9000", &mtu), 0);
	assert_int_equal(mtu, 9000);
	assert_int_equal(net_parsemtu("67", &mtu), -1);
	assert_int_equal(net_parsemtu("65522", &mtu), -1);
	assert_int_equal(net_parsemtu("99999999999999999999", &mtu), -1);
	assert_int_equal(net_parsemtu("15OO", &mtu), -1);
	assert_int_equal(net_parsemtu("+1500", &mtu), -1);
	assert_int_equal(net_parsemtu("", &mtu), -1);
	assert_int_equal(mtu, 9000);
}

static void
test_hostfwd(void **state)
{
	struct net_hostfwd f;

	assert_int_equal(net_parse_hostfwd("tcp:127.0.0.1:2222-:22", &f), 0);
	assert_false(f.udp);
	assert_int_equal(f.host_addr, htonl(0x7f000001));
	assert_int_equal(f.host_port, 2222);
	assert_int_equal(f.guest_addr, 0);
	assert_int_equal(f.guest_port, 22);
	assert_int_equal(net_parse_hostfwd("udp::5353-10.0.2.16:53", &f), 0);
	assert_true(f.udp);
	assert_int_equal(f.host_addr, 0);
	assert_int_equal(f.host_port, 5353);
	assert_int_equal(f.guest_addr, htonl(0x0a000210));
	assert_int_equal(f.guest_port, 53);
	assert_int_equal(net_parse_hostfwd("tcp::65535-:1", &f), 0);
	assert_int_equal(f.host_port, 65535);
	/* Protocol, ports, addresses, shape. */
	assert_int_equal(net_parse_hostfwd("sctp::2222-:22", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp::0-:22", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp::2222-:0", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp::65536-:22", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp::2222-:", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp::2222", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp:1.2.3.999:2222-:22", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp:localhost:2222-:22", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp::22x-:22", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp", &f), -1);
	assert_int_equal(net_parse_hostfwd("", &f), -1);
}

static void
test_genmac(void **state)
{
	uint8_t m[6];
	const uint8_t a[6] = { 0x02, 0x6c, 0x68, 0x0f, 0x30, 0x94 };
	const uint8_t b[6] = { 0x02, 0x6c, 0x68, 0xea, 0x82, 0xf5 };
	const uint8_t c[6] = { 0x02, 0x6c, 0x68, 0x82, 0x68, 0x19 };
	const uint8_t d[6] = { 0x02, 0x6c, 0x68, 0x6a, 0x5b, 0x7b };
	const uint8_t e[6] = { 0x02, 0x6c, 0x68, 0x2c, 0x7f, 0x9d };

	/* FNV-1a of "<slot>-<func>-<name>", low 24 bits. */
	net_genmac(4, 0, "vmtest", m);
	assert_memory_equal(m, a, 6);
	net_genmac(5, 0, "vmtest", m);
	assert_memory_equal(m, b, 6);
	net_genmac(4, 1, "vmtest", m);
	assert_memory_equal(m, c, 6);
	net_genmac(4, 0, "vmnet", m);	/* tests/system/net/run.sh's */
	assert_memory_equal(m, d, 6);
	net_genmac(0, 0, NULL, m);
	assert_memory_equal(m, e, 6);
}

static void
test_legacy_config(void **state)
{
	char s1[] = "4,virtio-net,tap7,mac=02:00:00:00:00:07,mtu=9000";
	char s2[] = "5,virtio-net";
	char s3[] = "6,virtio-net,slirp,hostfwd=tcp::2222-:22;udp::53-:53";

	assert_int_equal(pci_parse_slot(s1), 0);
	assert_string_equal(get_config_value("pci.0.4.0.device"),
	    "virtio-net");
	assert_string_equal(get_config_value("pci.0.4.0.backend"), "tap7");
	assert_string_equal(get_config_value("pci.0.4.0.mac"),
	    "02:00:00:00:00:07");
	assert_string_equal(get_config_value("pci.0.4.0.mtu"), "9000");
	assert_int_equal(pci_parse_slot(s2), 0);
	assert_null(get_config_value("pci.0.5.0.backend"));
	assert_int_equal(pci_parse_slot(s3), 0);
	assert_string_equal(get_config_value("pci.0.6.0.backend"), "slirp");
	assert_string_equal(get_config_value("pci.0.6.0.hostfwd"),
	    "tcp::2222-:22;udp::53-:53");
}

static void
test_bad_options(void **state)
{
	static const char *const bad[] = {
		"fake,mac=01:02:03:04:05:06", "fake,mac=nope",
		"fake,mtu=40", "fake,mtu=70000", "fake,speed=10",
		"nosuchbackend0", "netmap:em0",
		"slirp,hostfwd=tcp::0-:22", "slirp,open=perhaps",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dev_reconfig();
		assert_int_equal(start(bad[i]), -1);
	}
}

/* ---- the device ---- */

static void
test_identity(void **state)
{
	uint64_t f;

	assert_int_equal(start("fake"), 0);
	assert_int_equal(cfgr(PCIR_VENDOR, 2), 0x1af4);
	assert_int_equal(cfgr(PCIR_DEVICE, 2), 0x1000);
	assert_int_equal(cfgr(PCIR_SUBDEV_0, 2), 1);
	assert_int_equal(cfgr(PCIR_CLASS, 1), PCIC_NETWORK);
	assert_int_equal(rd(0x12, 2), 2);	/* rx, tx: no ctrl queue */
	f = offered();
	assert_int_equal(f, F_CSUM | F_GUEST_CSUM | F_MAC | F_MRG |
	    F_STATUS | VIRTIO_RING_F_INDIRECT_DESC |
	    VIRTIO_RING_F_EVENT_IDX | VIRTIO_F_VERSION_1);
	/* Config: the default MAC for slot 4 of "vmtest", link up. */
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 0, 4), 0x0f686c02);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 4, 2), 0x9430);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 6, 2), 1);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 10, 2), 1500);
}

static void
test_mac_mtu(void **state)
{
	assert_int_equal(start("fake,mac=00:be:fa:76:45:01,mtu=9000"), 0);
	assert_int_equal(offered() & F_MTU, F_MTU);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 0, 1), 0x00);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 1, 1), 0xbe);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 5, 1), 0x01);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 10, 2), 9000);
	/* Read-only through the modern interface. */
	wr(VTPCI_DEVCFG_OFF, 1, 0x66);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 0, 1), 0x00);
}

/* A frame: dst, src, type 0x0800, then bytes i*3. */
static size_t
make_frame(uint8_t *p, size_t len)
{
	static const uint8_t eh[14] = { 0x02, 0, 0, 0, 0, 1,
	    0x02, 0x6c, 0x68, 0x0f, 0x30, 0x94, 0x08, 0x00 };

	memcpy(p, eh, 14);
	for (size_t i = 14; i < len; i++)
		p[i] = (uint8_t)(i * 3);
	return (len);
}

static void
test_tx(void **state)
{
	uint8_t frame[200];
	uint8_t *t = ram + TX_GPA;

	assert_int_equal(start("fake"), 0);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_MRG | F_CSUM),
	    0x0f);
	/* Header and frame split oddly over three buffers (any layout). */
	make_frame(frame, sizeof(frame));
	memset(t, 0, 12);
	memcpy(t + 12, frame, sizeof(frame));
	set_desc(1, 0, TX_GPA, 5, VRING_DESC_F_NEXT, 1);
	set_desc(1, 1, TX_GPA + 5, 100, VRING_DESC_F_NEXT, 2);
	set_desc(1, 2, TX_GPA + 105, 12 + sizeof(frame) - 105, 0, 0);
	post(1, 0);
	notify(1);
	assert_int_equal(tx_count, 1);
	assert_int_equal(tx_last_len, sizeof(frame));
	assert_memory_equal(tx_last, frame, sizeof(frame));
	assert_int_equal(used(1)->idx, 1);
	assert_int_equal(used(1)->ring[0].id, 0);
	assert_int_equal(used(1)->ring[0].len, 0);
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET, 0);
}

static void
test_tx_checksum(void **state)
{
	/* IPv4/UDP 10.0.2.15:1234 -> 10.0.2.2:5678 "abcd"; the driver
	 * left the pseudo-header sum 0x182e in the UDP checksum field. */
	static const uint8_t pkt[46] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0x6c, 0x68, 0x0f, 0x30, 0x94,
		0x08, 0x00,
		0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0,
		10, 0, 2, 15, 10, 0, 2, 2,
		0x04, 0xd2, 0x16, 0x2e, 0, 12, 0x18, 0x2e,
		'a', 'b', 'c', 'd',
	};
	uint8_t *t = ram + TX_GPA;

	assert_int_equal(start("fake"), 0);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_CSUM), 0x0f);
	memset(t, 0, 12);
	t[0] = VNET_HDR_F_NEEDS_CSUM;
	t[6] = 34;	/* csum_start: the UDP header */
	t[8] = 6;	/* csum_offset: its checksum field */
	memcpy(t + 12, pkt, sizeof(pkt));
	set_desc(1, 0, TX_GPA, 12 + sizeof(pkt), 0, 0);
	post(1, 0);
	notify(1);
	assert_int_equal(tx_count, 1);
	assert_int_equal(tx_last_len, sizeof(pkt));
	assert_int_equal(tx_last[40], 0x07);
	assert_int_equal(tx_last[41], 0xff);
	assert_memory_equal(tx_last, pkt, 40);
	/* The guest's own buffer is not written. */
	assert_int_equal(t[12 + 40], 0x18);

	/* Offsets beyond the frame: dropped, buffer returned. */
	t[6] = 44;
	t[8] = 1;
	post(1, 0);
	notify(1);
	assert_int_equal(tx_count, 1);
	assert_int_equal(used(1)->idx, 2);
	/* GSO that was never offered: dropped. */
	t[0] = 0;
	t[1] = VNET_HDR_GSO_TCPV4;
	post(1, 0);
	notify(1);
	assert_int_equal(tx_count, 1);
	assert_int_equal(used(1)->idx, 3);
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET, 0);
}

static void
test_tx_malformed(void **state)
{
	assert_int_equal(start("fake"), 0);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1), 0x0f);
	/* Shorter than a header + an Ethernet header: dropped, returned. */
	set_desc(1, 0, TX_GPA, 12 + 13, 0, 0);
	post(1, 0);
	notify(1);
	set_desc(1, 0, TX_GPA, 0, 0, 0);	/* empty */
	post(1, 0);
	notify(1);
	assert_int_equal(tx_count, 0);
	assert_int_equal(used(1)->idx, 2);
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET, 0);

	/* A descriptor loop breaks the device (virtio.c's check). */
	set_desc(1, 0, TX_GPA, 64, VRING_DESC_F_NEXT, 1);
	set_desc(1, 1, TX_GPA, 64, VRING_DESC_F_NEXT, 0);
	post(1, 0);
	notify(1);
	assert_int_equal(tx_count, 0);
	assert_int_equal(used(1)->idx, 2);
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET,
	    VIRTIO_S_NEEDS_RESET);
	/* Reset revives it; then a buffer outside guest RAM breaks it. */
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1), 0x0f);
	set_desc(1, 0, RAM_SIZE - 16, 64, 0, 0);
	post(1, 0);
	notify(1);
	assert_int_equal(tx_count, 0);
	assert_int_equal(used(1)->idx, 0);
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET,
	    VIRTIO_S_NEEDS_RESET);
	/* An address that wraps. */
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1), 0x0f);
	set_desc(1, 0, ~0ULL - 8, 64, 0, 0);
	post(1, 0);
	notify(1);
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET,
	    VIRTIO_S_NEEDS_RESET);
	/* A head index out of range. */
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1), 0x0f);
	post(1, QSZ + 3);
	notify(1);
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET,
	    VIRTIO_S_NEEDS_RESET);
	assert_int_equal(tx_count, 0);
}

static void
test_rx(void **state)
{
	uint8_t frame[100];
	uint8_t *b = ram + BUF_GPA;

	assert_int_equal(start("fake"), 0);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_MRG |
	    F_GUEST_CSUM), 0x0f);
	make_frame(frame, sizeof(frame));
	fq_push(frame, sizeof(frame));
	post_rx(4, 1526);
	rx_event();
	assert_int_equal(used(0)->idx, 1);
	assert_int_equal(used(0)->ring[0].id, 0);
	assert_int_equal(used(0)->ring[0].len, 12 + 100);
	/* flags DATA_VALID (GUEST_CSUM), no GSO, num_buffers 1. */
	assert_int_equal(b[0], VNET_HDR_F_DATA_VALID);
	assert_int_equal(b[1], 0);
	assert_int_equal(b[10] | b[11] << 8, 1);
	assert_memory_equal(b + 12, frame, sizeof(frame));
	assert_int_equal(fq.head, 1);
}

static void
test_rx_mergeable(void **state)
{
	uint8_t frame[3000];
	uint8_t *b = ram + BUF_GPA;

	assert_int_equal(start("fake"), 0);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_MRG), 0x0f);
	make_frame(frame, sizeof(frame));
	fq_push(frame, sizeof(frame));
	post_rx(4, 1024);
	rx_event();
	/* 3012 bytes over three 1 KiB chains. */
	assert_int_equal(used(0)->idx, 3);
	assert_int_equal(used(0)->ring[0].len, 1024);
	assert_int_equal(used(0)->ring[1].len, 1024);
	assert_int_equal(used(0)->ring[2].len, 3012 - 2048);
	assert_int_equal(b[0], 0);	/* no GUEST_CSUM: flags 0 */
	assert_int_equal(b[10] | b[11] << 8, 3);
	assert_memory_equal(b + 12, frame, 1024 - 12);
	assert_memory_equal(b + 0x1000, frame + 1012, 1024);
	assert_memory_equal(b + 0x2000, frame + 2036, 3000 - 2036);
	/* The fourth buffer is still the driver's. */
	assert_int_equal(used(0)->ring[3].len, 0);
}

static void
test_rx_no_buffers(void **state)
{
	uint8_t frame[3000];

	assert_int_equal(start("fake"), 0);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_MRG), 0x0f);
	make_frame(frame, sizeof(frame));
	fq_push(frame, 60);
	rx_event();
	assert_int_equal(used(0)->idx, 0);
	assert_int_equal(fq.head, 0);		/* the frame waits */
	/* Too few buffers for a 3000-byte frame: it waits too. */
	fq.head = fq.tail = 0;
	fq_push(frame, sizeof(frame));
	post_rx(2, 1024);
	rx_event();
	assert_int_equal(used(0)->idx, 0);
	assert_int_equal(fq.head, 0);
	/* One more buffer: now it fits. */
	set_desc(0, 2, BUF_GPA + 0x2000, 1024, VRING_DESC_F_WRITE, 0);
	post(0, 2);
	notify(0);
	rx_event();
	assert_int_equal(used(0)->idx, 3);
	assert_int_equal(used(0)->ring[0].id, 0);
	assert_int_equal(used(0)->ring[2].id, 2);
	assert_int_equal(fq.head, 1);
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET, 0);
}

static void
test_rx_too_small(void **state)
{
	uint8_t frame[3000];
	uint8_t *b = ram + BUF_GPA;

	/* Without MRG_RXBUF a frame must fit one chain, or is dropped. */
	assert_int_equal(start("fake"), 0);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1), 0x0f);
	make_frame(frame, sizeof(frame));
	fq_push(frame, sizeof(frame));
	fq_push(frame, 80);
	post_rx(1, 1024);
	rx_event();
	assert_int_equal(fq.head, 2);
	assert_int_equal(used(0)->idx, 1);
	assert_int_equal(used(0)->ring[0].len, 12 + 80);
	assert_int_equal(b[10] | b[11] << 8, 1);
	assert_memory_equal(b + 12, frame, 80);
}

static void
test_rx_malformed(void **state)
{
	uint8_t frame[64];

	assert_int_equal(start("fake"), 0);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_MRG), 0x0f);
	make_frame(frame, sizeof(frame));
	fq_push(frame, sizeof(frame));
	/* A receive buffer the device may only read. */
	set_desc(0, 0, BUF_GPA, 1024, 0, 0);
	post(0, 0);
	notify(0);
	rx_event();
	assert_int_equal(used(0)->idx, 0);
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET,
	    VIRTIO_S_NEEDS_RESET);
	/* A loop in a receive chain. */
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_MRG), 0x0f);
	set_desc(0, 0, BUF_GPA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	post(0, 0);
	notify(0);
	rx_event();
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET,
	    VIRTIO_S_NEEDS_RESET);
	/* Outside guest RAM. */
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_MRG), 0x0f);
	set_desc(0, 0, RAM_SIZE, 1024, VRING_DESC_F_WRITE, 0);
	post(0, 0);
	notify(0);
	rx_event();
	assert_int_equal(status() & VIRTIO_S_NEEDS_RESET,
	    VIRTIO_S_NEEDS_RESET);
	assert_int_equal(used(0)->idx, 0);
	/* Before DRIVER_OK nothing is taken. */
	wr(0x14, 1, 0);
	rx_event();
	assert_int_equal(fq.head, 0);
}

static void
test_vnet_hdr_backend(void **state)
{
	uint8_t f[12 + 60], *t = ram + TX_GPA, *b = ram + BUF_GPA;

	/* A tap-like backend: offloads offered, headers passed through. */
	fake_hdrlen = 12;
	fake_cap = F_CSUM | F_GUEST_CSUM | F_HOST_TSO4;
	assert_int_equal(start("fake"), 0);
	assert_int_equal(offered() & (F_CSUM | F_GUEST_CSUM | F_HOST_TSO4),
	    F_CSUM | F_GUEST_CSUM | F_HOST_TSO4);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_MRG | F_CSUM |
	    F_HOST_TSO4), 0x0f);
	assert_int_equal(setcap_hdrlen, 12);
	assert_int_equal(setcap_feat, F_CSUM | F_HOST_TSO4);
	/* Transmit: header and all, as the guest wrote it. */
	memset(t, 0, 12);
	t[0] = VNET_HDR_F_NEEDS_CSUM;
	t[1] = VNET_HDR_GSO_TCPV4;
	make_frame(t + 12, 60);
	set_desc(1, 0, TX_GPA, 72, 0, 0);
	post(1, 0);
	notify(1);
	assert_int_equal(tx_last_len, 72);
	assert_memory_equal(tx_last, t, 72);
	/* Receive: flags cleared without GUEST_CSUM, num_buffers set. */
	memset(f, 0, 12);
	f[0] = VNET_HDR_F_DATA_VALID;
	make_frame(f + 12, 60);
	fq_push(f, sizeof(f));
	post_rx(2, 2048);
	rx_event();
	assert_int_equal(used(0)->idx, 1);
	assert_int_equal(used(0)->ring[0].len, 72);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[10] | b[11] << 8, 1);
	assert_memory_equal(b + 12, f + 12, 60);
}

/* ---- the real slirp backend: an ARP round trip ---- */

static void *
dispatch_thread(void *arg)
{
	mevent_dispatch();
	return (NULL);
}

static void
test_slirp_arp(void **state)
{
	static const uint8_t arp[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0x6c, 0x68, 0x0f, 0x30, 0x94, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1,
		0x02, 0x6c, 0x68, 0x0f, 0x30, 0x94, 10, 0, 2, 15,
		0, 0, 0, 0, 0, 0, 10, 0, 2, 2,
	};
	static const uint8_t slirp_mac[6] = { 0x52, 0x55, 0x0a, 0, 2, 2 };
	static const uint8_t guest_mac[6] = { 0x02, 0x6c, 0x68, 0x0f,
	    0x30, 0x94 };
	uint8_t *t = ram + TX_GPA, *b = ram + BUF_GPA + 12;
	struct timespec ts = { 0, 2000000 };
	pthread_t thr;
	int i;

	assert_int_equal(mevent_init(), 0);
	assert_int_equal(pthread_create(&thr, NULL, dispatch_thread, NULL),
	    0);
	assert_int_equal(start("slirp"), 0);
	assert_int_equal(driver_up(VIRTIO_F_VERSION_1 | F_MRG), 0x0f);
	post_rx(4, 1526);
	memset(t, 0, 12);
	memcpy(t + 12, arp, sizeof(arp));
	set_desc(1, 0, TX_GPA, 12 + sizeof(arp), 0, 0);
	post(1, 0);
	notify(1);
	for (i = 0; i < 2500 && __atomic_load_n(&used(0)->idx,
	    __ATOMIC_ACQUIRE) == 0; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(used(0)->idx, 1);
	/* slirp's reply: to us, from 52:55:0a:00:02:02, "10.0.2.2 is-at". */
	assert_true(used(0)->ring[0].len >= 12 + 42);
	assert_memory_equal(b, guest_mac, 6);
	assert_memory_equal(b + 6, slirp_mac, 6);
	assert_int_equal(b[12], 0x08);
	assert_int_equal(b[13], 0x06);
	assert_int_equal(b[21], 2);			/* reply */
	assert_memory_equal(b + 22, slirp_mac, 6);	/* sender */
	assert_int_equal(b[28], 10);
	assert_int_equal(b[31], 2);
	assert_memory_equal(b + 32, guest_mac, 6);	/* target */
	mevent_exit();
	pthread_join(thr, NULL);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_parsemac),
		T(test_parsemtu),
		T(test_hostfwd),
		T(test_genmac),
		T(test_legacy_config),
		T(test_bad_options),
		T(test_identity),
		T(test_mac_mtu),
		T(test_tx),
		T(test_tx_checksum),
		T(test_tx_malformed),
		T(test_rx),
		T(test_rx_mergeable),
		T(test_rx_no_buffers),
		T(test_rx_too_small),
		T(test_rx_malformed),
		T(test_vnet_hdr_backend),
		T(test_slirp_arp),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
