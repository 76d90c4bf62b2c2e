/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_backend_slirp.c: the slirp backend: unprivileged user-mode
 * networking through libslirp (Debian's libslirp 4.7).  The guest sits on
 * 10.0.2.0/24 behind a NAT at 10.0.2.2 (which also reaches the host's
 * loopback), gets 10.0.2.15 by DHCP and a DNS proxy at 10.0.2.3;
 * hostfwd= rules (bhyve's grammar, ';'-separated) forward host ports to
 * the guest.
 *
 * libslirp is not thread-safe, so every call into it is made with
 * sp_mtx held.  A dedicated thread owns slirp's poll fds and timers: it
 * asks slirp for its fds and deadline, polls them with the mutex
 * released, and hands the results back.  Frames the guest sends enter
 * slirp on the vCPU thread that notified (slirp_input under the mutex),
 * which then wakes the poll thread through an eventfd: the frame may have
 * opened a socket or moved a deadline that its poll() does not know yet.
 *
 * Frames slirp sends to the guest go into a datagram socket pair whose
 * other end the device reads from the mevent thread.  That decouples the
 * two locks (slirp's callbacks never take the device's), and the pair's
 * queue is the back-pressure while the guest has no receive buffers; a
 * frame that does not fit is dropped and TCP resends it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "config.h"
#include "devices/net_backend.h"

#define SLIRP_BUFSZ	(NET_MAX_MTU + ETHER_HDR_LEN + 64)
#define SLIRP_NTIMERS	8
#define SLIRP_SNDBUF	(4 * 1024 * 1024)

struct slirp_timer {
	bool used;
	SlirpTimerId id;
	SlirpTimerCb cb;		/* the pre-version-4 kind */
	void *cb_opaque;
	int64_t expire_ms;		/* -1: not armed */
};

struct slirp_priv {
	Slirp *sp_slirp;
	pthread_mutex_t sp_mtx;		/* every libslirp call */
	pthread_t sp_thr;
	bool sp_thr_started;
	bool sp_stop;
	int sp_pair[2];			/* [1] slirp writes, [0] device reads */
	int sp_wakefd;
	/* Owned by the poll thread. */
	struct pollfd *sp_pfds;
	int sp_npfds, sp_maxpfds;
	struct slirp_timer sp_timers[SLIRP_NTIMERS];
	uint8_t *sp_txbuf;		/* linear copy of a gathered frame */
	unsigned sp_nerrs;
	uint64_t sp_drops;
	char sp_ident[48];
};

static int64_t
sp_clock_ns(void *opaque)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

static void
sp_wake(struct slirp_priv *sp)
{
	uint64_t one = 1;

	(void)!write(sp->sp_wakefd, &one, sizeof(one));
}

static ssize_t
sp_send_packet(const void *buf, size_t len, void *opaque)
{
	struct slirp_priv *sp = opaque;

	/* Full queue: drop (libslirp.h: "TCP will handle retransmissions"). */
	if (send(sp->sp_pair[1], buf, len, MSG_DONTWAIT) < 0)
		sp->sp_drops++;
	return ((ssize_t)len);
}

static void
sp_guest_error(const char *msg, void *opaque)
{
	struct slirp_priv *sp = opaque;
	unsigned n = sp->sp_nerrs++;

	if (n < 16 || (n & 4095) == 0)
		fprintf(stderr, "lhyve: %s: slirp: %s\n", sp->sp_ident, msg);
}

static struct slirp_timer *
sp_timer_alloc(struct slirp_priv *sp)
{
	for (int i = 0; i < SLIRP_NTIMERS; i++) {
		if (!sp->sp_timers[i].used) {
			memset(&sp->sp_timers[i], 0, sizeof(sp->sp_timers[i]));
			sp->sp_timers[i].used = true;
			sp->sp_timers[i].expire_ms = -1;
			return (&sp->sp_timers[i]);
		}
	}
	return (NULL);
}

static void *
sp_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_timer *t = sp_timer_alloc(opaque);

	if (t != NULL) {
		t->cb = cb;
		t->cb_opaque = cb_opaque;
	}
	return (t);
}

static void *
sp_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct slirp_timer *t = sp_timer_alloc(opaque);

	if (t != NULL) {
		t->id = id;
		t->cb_opaque = cb_opaque;
	}
	return (t);
}

static void
sp_timer_free(void *timer, void *opaque)
{
	struct slirp_timer *t = timer;

	if (t != NULL)
		t->used = false;
}

static void
sp_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct slirp_timer *t = timer;

	if (t != NULL)
		t->expire_ms = expire_ms;
	/* Called under sp_mtx, maybe from a vCPU: let the poller re-plan. */
	sp_wake(opaque);
}

static void
sp_register_poll_fd(int fd, void *opaque)
{
}

static void
sp_unregister_poll_fd(int fd, void *opaque)
{
}

static void
sp_notify(void *opaque)
{
	sp_wake(opaque);
}

static const SlirpCb sp_callbacks = {
	.send_packet = sp_send_packet,
	.guest_error = sp_guest_error,
	.clock_get_ns = sp_clock_ns,
	.timer_new = sp_timer_new,
	.timer_free = sp_timer_free,
	.timer_mod = sp_timer_mod,
	.register_poll_fd = sp_register_poll_fd,
	.unregister_poll_fd = sp_unregister_poll_fd,
	.notify = sp_notify,
	.timer_new_opaque = sp_timer_new_opaque,
};

static int
sp_add_poll(int fd, int events, void *opaque)
{
	struct slirp_priv *sp = opaque;
	struct pollfd *p;
	short ev = 0;

	if (sp->sp_npfds == sp->sp_maxpfds) {
		int n = sp->sp_maxpfds * 2 + 16;

		p = realloc(sp->sp_pfds, n * sizeof(*p));
		if (p == NULL)
			return (-1);
		sp->sp_pfds = p;
		sp->sp_maxpfds = n;
	}
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	p = &sp->sp_pfds[sp->sp_npfds];
	p->fd = fd;
	p->events = ev;
	p->revents = 0;
	return (sp->sp_npfds++);
}

static int
sp_get_revents(int idx, void *opaque)
{
	struct slirp_priv *sp = opaque;
	short re;
	int ev = 0;

	if (idx < 0 || idx >= sp->sp_npfds)
		return (0);
	re = sp->sp_pfds[idx].revents;
	if (re & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (re & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return (ev);
}

/* Fire expired timers; returns ms until the next one (or UINT32_MAX). */
static uint32_t
sp_run_timers(struct slirp_priv *sp)
{
	int64_t now = sp_clock_ns(sp) / 1000000, next = -1;

	for (int i = 0; i < SLIRP_NTIMERS; i++) {
		struct slirp_timer *t = &sp->sp_timers[i];

		if (!t->used || t->expire_ms < 0)
			continue;
		if (t->expire_ms <= now) {
			t->expire_ms = -1;
			if (t->cb != NULL)
				t->cb(t->cb_opaque);
			else
				slirp_handle_timer(sp->sp_slirp, t->id,
				    t->cb_opaque);
			continue;
		}
		if (next < 0 || t->expire_ms - now < next)
			next = t->expire_ms - now;
	}
	return (next < 0 ? UINT32_MAX : (uint32_t)next);
}

static void *
sp_thread(void *arg)
{
	struct slirp_priv *sp = arg;
	uint32_t timeout, tt;
	uint64_t cnt;
	int n;

	pthread_mutex_lock(&sp->sp_mtx);
	while (!sp->sp_stop) {
		sp->sp_npfds = 0;
		(void)sp_add_poll(sp->sp_wakefd, SLIRP_POLL_IN, sp);
		timeout = UINT32_MAX;
		slirp_pollfds_fill(sp->sp_slirp, &timeout, sp_add_poll, sp);
		tt = sp_run_timers(sp);
		if (tt < timeout)
			timeout = tt;
		pthread_mutex_unlock(&sp->sp_mtx);
		n = poll(sp->sp_pfds, sp->sp_npfds,
		    timeout == UINT32_MAX ? -1 : (int)timeout);
		pthread_mutex_lock(&sp->sp_mtx);
		if (n > 0 && (sp->sp_pfds[0].revents & POLLIN) != 0)
			(void)!read(sp->sp_wakefd, &cnt, sizeof(cnt));
		slirp_pollfds_poll(sp->sp_slirp, n < 0, sp_get_revents, sp);
	}
	pthread_mutex_unlock(&sp->sp_mtx);
	return (NULL);
}

static int
sp_hostfwd(struct slirp_priv *sp, const char *ident, const char *rules)
{
	struct net_hostfwd fwd;
	struct in_addr ha, ga;
	char *copy, *rest, *rule;
	int error = 0;

	copy = rest = strdup(rules);
	if (copy == NULL)
		return (-1);
	while ((rule = strsep(&rest, ";")) != NULL) {
		if (*rule == '\0')
			continue;
		if (net_parse_hostfwd(rule, &fwd) != 0) {
			fprintf(stderr, "lhyve: %s: bad hostfwd rule '%s' "
			    "(want tcp|udp:[HOSTADDR]:HOSTPORT-"
			    "[GUESTADDR]:GUESTPORT)\n", ident, rule);
			error = -1;
			break;
		}
		ha.s_addr = fwd.host_addr;
		ga.s_addr = fwd.guest_addr;	/* 0: slirp's DHCP start */
		if (slirp_add_hostfwd(sp->sp_slirp, fwd.udp, ha,
		    fwd.host_port, ga, fwd.guest_port) < 0) {
			fprintf(stderr, "lhyve: %s: hostfwd '%s': cannot "
			    "listen on the host port: %s\n", ident, rule,
			    strerror(errno));
			error = -1;
			break;
		}
	}
	free(copy);
	return (error);
}

static void
sp_free(struct slirp_priv *sp)
{
	if (sp->sp_thr_started) {
		pthread_mutex_lock(&sp->sp_mtx);
		sp->sp_stop = true;
		pthread_mutex_unlock(&sp->sp_mtx);
		sp_wake(sp);
		pthread_join(sp->sp_thr, NULL);
	}
	if (sp->sp_slirp != NULL)
		slirp_cleanup(sp->sp_slirp);
	for (int i = 0; i < 2; i++)
		if (sp->sp_pair[i] >= 0)
			close(sp->sp_pair[i]);
	if (sp->sp_wakefd >= 0)
		close(sp->sp_wakefd);
	pthread_mutex_destroy(&sp->sp_mtx);
	free(sp->sp_pfds);
	free(sp->sp_txbuf);
	free(sp);
}

static int
slirpbe_init(struct net_backend *be, struct config_node *nvl,
    const char *ident, const char *spec, int mtu)
{
	struct slirp_priv *sp;
	SlirpConfig cfg;
	const char *v;
	int open_net = 1, sndbuf = SLIRP_SNDBUF;

	v = get_config_value_node(nvl, "open");
	if (v != NULL && (open_net = parse_bool(v)) < 0) {
		fprintf(stderr, "lhyve: %s: open=%s is not a boolean\n",
		    ident, v);
		return (-1);
	}
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL)
		return (-1);
	sp->sp_pair[0] = sp->sp_pair[1] = sp->sp_wakefd = -1;
	pthread_mutex_init(&sp->sp_mtx, NULL);
	snprintf(sp->sp_ident, sizeof(sp->sp_ident), "%s", ident);
	sp->sp_txbuf = malloc(SLIRP_BUFSZ);
	if (sp->sp_txbuf == NULL)
		goto fail;

	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 4;
	/*
	 * bhyve's slirp is always restricted (no connections out of the
	 * 10.0.2.0/24 network, not even DNS); lhyve's is open unless
	 * open=false, since DHCP alone makes a poor network.
	 */
	cfg.restricted = !open_net;
	cfg.in_enabled = true;
	inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
	inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
	cfg.vhostname = "lhyve";
	cfg.if_mtu = mtu;
	cfg.if_mru = mtu;
	cfg.enable_emu = false;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
	    sp->sp_pair) != 0 ||
	    (sp->sp_wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		fprintf(stderr, "lhyve: %s: slirp: %s\n", ident,
		    strerror(errno));
		goto fail;
	}
	(void)setsockopt(sp->sp_pair[1], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf));
	(void)setsockopt(sp->sp_pair[0], SOL_SOCKET, SO_RCVBUF, &sndbuf,
	    sizeof(sndbuf));

	sp->sp_slirp = slirp_new(&cfg, &sp_callbacks, sp);
	if (sp->sp_slirp == NULL) {
		fprintf(stderr, "lhyve: %s: cannot start slirp\n", ident);
		goto fail;
	}
	v = get_config_value_node(nvl, "hostfwd");
	if (v != NULL && sp_hostfwd(sp, ident, v) != 0)
		goto fail;
	if (pthread_create(&sp->sp_thr, NULL, sp_thread, sp) != 0) {
		fprintf(stderr, "lhyve: %s: cannot start the slirp thread\n",
		    ident);
		goto fail;
	}
	pthread_setname_np(sp->sp_thr, "slirp");
	sp->sp_thr_started = true;
	be->nb_priv = sp;
	be->nb_fd = sp->sp_pair[0];
	be->nb_vnet_hdr_len = 0;
	return (0);
fail:
	sp_free(sp);
	return (-1);
}

static void
slirpbe_cleanup(struct net_backend *be)
{
	sp_free(be->nb_priv);
}

static ssize_t
slirpbe_send(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	struct slirp_priv *sp = be->nb_priv;
	const uint8_t *pkt;
	size_t len;

	if (iovcnt == 1) {
		pkt = iov[0].iov_base;
		len = iov[0].iov_len;
	} else {
		len = 0;
		for (int i = 0; i < iovcnt; i++) {
			if (iov[i].iov_len > SLIRP_BUFSZ - len)
				return (-1);
			memcpy(sp->sp_txbuf + len, iov[i].iov_base,
			    iov[i].iov_len);
			len += iov[i].iov_len;
		}
		pkt = sp->sp_txbuf;
	}
	if (len < ETHER_HDR_LEN || len > SLIRP_BUFSZ)
		return (-1);
	pthread_mutex_lock(&sp->sp_mtx);
	slirp_input(sp->sp_slirp, pkt, (int)len);
	pthread_mutex_unlock(&sp->sp_mtx);
	sp_wake(sp);
	return ((ssize_t)len);
}

static ssize_t
slirpbe_peek_recvlen(struct net_backend *be)
{
	struct slirp_priv *sp = be->nb_priv;
	ssize_t n;

	n = recv(sp->sp_pair[0], NULL, 0, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	return (n);
}

static ssize_t
slirpbe_recv(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	struct slirp_priv *sp = be->nb_priv;
	struct msghdr msg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = (struct iovec *)iov;
	msg.msg_iovlen = iovcnt;
	n = recvmsg(sp->sp_pair[0], &msg, MSG_DONTWAIT);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	return (n);
}

static uint64_t
slirpbe_get_cap(struct net_backend *be)
{
	/*
	 * None: slirp takes and gives finished frames.  (virtio-net itself
	 * completes checksums for it, pci_virtio_net.c.)
	 */
	return (0);
}

static int
slirpbe_set_cap(struct net_backend *be, uint64_t features, unsigned hdrlen)
{
	return (0);	/* the device strips and adds headers itself */
}

const struct net_backend_ops netbe_slirp_ops = {
	.nb_name = "slirp",
	.nb_init = slirpbe_init,
	.nb_cleanup = slirpbe_cleanup,
	.nb_send = slirpbe_send,
	.nb_peek_recvlen = slirpbe_peek_recvlen,
	.nb_recv = slirpbe_recv,
	.nb_get_cap = slirpbe_get_cap,
	.nb_set_cap = slirpbe_set_cap,
};
