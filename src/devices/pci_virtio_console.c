/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_virtio_console.c: virtio-console (virtio 1.2 §5.3) with the
 * MULTIPORT feature: up to 16 named ports, each a unix socket lhyve
 * listens on (bhyve's backend), stdio, a file or tty, or tcp=ip:port,
 * announced to the driver over the control queues so that Linux shows
 * them as /dev/vportNpM with /sys/class/virtio-ports/vportNpM/name.
 *
 * -s N,virtio-console,NAME=BACKEND[,NAME=BACKEND...] as bhyve, stored as
 * pci.B.S.F.port.NAME.path=BACKEND.  BACKEND is "stdio", "tcp=IP:PORT",
 * "file=PATH" (a tty is read and written; a regular file receives the
 * guest's output) or else the path of a unix socket to create.
 *
 * Queues (§5.3.2): port 0 uses 0 (receiveq, to the driver) and 1
 * (transmitq); the control receiveq and transmitq are 2 and 3; port p > 0
 * uses 2p + 2 and 2p + 3.  The device core below knows only virtio.h and
 * the host backends; the PCI registration is at the end.
 *
 * Threads: the driver's notifications arrive on vCPU threads, host input
 * and connections on the event loop; both take vs_mtx.  Host input is
 * read only while the guest has the port open and has buffers posted:
 * otherwise its watch is disabled, so unread bytes wait in the socket
 * (flow control, and nothing is lost while the guest's port is closed).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "devices/pci_virtio.h"
#include "devices/uart_backend.h"
#include "devices/virtio.h"
#include "mevent.h"

#define VTCON_MAXPORTS		16	/* bhyve's limit */
#define VTCON_RINGSZ		64
#define VTCON_MAXCHAIN		16
#define VTCON_NAMEMAX		64
#define VTCON_PENDMAX		(4 * VTCON_MAXPORTS + 8)

/* Feature bits (§5.3.3). */
#define VTCON_F_SIZE		(1ULL << 0)
#define VTCON_F_MULTIPORT	(1ULL << 1)
#define VTCON_F_EMERG_WRITE	(1ULL << 2)

/* Control events (§5.3.6.2). */
#define VTCON_DEVICE_READY	0
#define VTCON_DEVICE_ADD	1
#define VTCON_DEVICE_REMOVE	2
#define VTCON_PORT_READY	3
#define VTCON_CONSOLE_PORT	4
#define VTCON_RESIZE		5
#define VTCON_PORT_OPEN		6
#define VTCON_PORT_NAME		7

/* Config space (§5.3.4): cols, rows, max_nr_ports, emerg_wr. */
#define VTCON_CFG_MAXPORTS	4
#define VTCON_CFG_EMERG		8
#define VTCON_CFG_SIZE		12

struct vtcon_ctrl {
	uint32_t id;
	uint16_t event;
	uint16_t value;
};
_Static_assert(sizeof(struct vtcon_ctrl) == 8, "virtio_console_control");

struct vtcon_softc;

struct vtcon_port {
	struct vtcon_softc *p_sc;
	int p_id;
	char p_name[VTCON_NAMEMAX];
	/* A unix socket we listen on, or a uart backend (p_ube). */
	int p_lfd, p_cfd;
	struct mevent *p_lmev, *p_cmev;
	char *p_sockpath;
	struct uart_backend *p_ube;
	bool p_host_open;	/* someone is at the host end */
	bool p_added;		/* the driver sent PORT_READY */
	bool p_guest_open;	/* the driver's PORT_OPEN */
	bool p_rx_off;		/* host input watch disabled */
};

struct vtcon_softc {
	struct virtio_softc sc_vs;
	struct virtio_devops sc_ops;	/* per instance: the queue count */
	uint8_t sc_cfg[VTCON_CFG_SIZE];
	int sc_nports;
	bool sc_multiport;		/* negotiated */
	bool sc_ready;			/* DEVICE_READY seen */
	struct vtcon_port sc_ports[VTCON_MAXPORTS];
	/* Control messages waiting for a driver buffer (a ring). */
	struct {
		struct vtcon_ctrl m;
		const char *name;	/* PORT_NAME payload */
	} sc_pend[VTCON_PENDMAX];
	int sc_phead, sc_pcount;
	unsigned sc_nerrs;
	struct iovec sc_iov[VTCON_MAXCHAIN];
	uint64_t sc_gpa[VTCON_MAXCHAIN];
};

static void vtcon_port_rx(struct vtcon_port *p);

static int
vtcon_rxq(int port)
{
	return (port == 0 ? 0 : 2 * port + 2);
}

/* The port a data queue belongs to, or NULL for the control queues. */
static struct vtcon_port *
vtcon_qport(struct vtcon_softc *sc, int q)
{
	int p = q < 2 ? 0 : q / 2 - 1;

	if (q == 2 || q == 3 || p >= sc->sc_nports)
		return (NULL);
	return (&sc->sc_ports[p]);
}

static void
vtcon_log(struct vtcon_softc *sc, const char *msg, unsigned v)
{
	if (sc->sc_nerrs++ < 16)
		fprintf(stderr, "lhyve: virtio-console: %s %u\n", msg, v);
}

/* ---- control messages (§5.3.6.2) ---- */

/* Give queued control messages to the driver while it has buffers. */
static void
vtcon_ctrl_flush(struct vtcon_softc *sc)
{
	struct vqueue_info *vq = &sc->sc_vs.vs_queues[2];
	struct vq_req req;
	struct iovec *w;
	size_t len, need;
	bool any = false;
	int n;

	while (sc->sc_pcount > 0 && (n = vq_getchain_gpa(vq, sc->sc_iov,
	    sc->sc_gpa, VTCON_MAXCHAIN, &req)) > 0) {
		const char *name = sc->sc_pend[sc->sc_phead].name;
		struct vtcon_ctrl m = sc->sc_pend[sc->sc_phead].m;

		sc->sc_phead = (sc->sc_phead + 1) % VTCON_PENDMAX;
		sc->sc_pcount--;
		w = sc->sc_iov + req.readable;
		need = sizeof(m) + (name != NULL ? strlen(name) : 0);
		len = 0;
		if (iov_total(w, req.writable) >= need) {
			len = buf_to_iov(&m, sizeof(m), w, req.writable, 0);
			if (name != NULL)
				len += buf_to_iov(name, strlen(name), w,
				    req.writable, sizeof(m));
			vq_dma_written(vq, w, sc->sc_gpa + req.readable,
			    req.writable, len);
		} else {
			vtcon_log(sc, "control buffer too small for event",
			    m.event);
		}
		vq_relchain(vq, req.idx, len);
		any = true;
	}
	if (any)
		vq_endchains(vq, true);
}

static void
vtcon_ctrl_send(struct vtcon_softc *sc, uint32_t id, uint16_t event,
    uint16_t value, const char *name)
{
	int slot;

	if (!sc->sc_multiport)
		return;
	if (sc->sc_pcount == VTCON_PENDMAX) {
		vtcon_log(sc, "control queue overflow, dropped event", event);
		return;
	}
	slot = (sc->sc_phead + sc->sc_pcount) % VTCON_PENDMAX;
	sc->sc_pend[slot].m.id = id;
	sc->sc_pend[slot].m.event = event;
	sc->sc_pend[slot].m.value = value;
	sc->sc_pend[slot].name = name;
	sc->sc_pcount++;
	vtcon_ctrl_flush(sc);
}

/* Tell the driver whether the host end is there (PORT_OPEN). */
static void
vtcon_host_state(struct vtcon_port *p, bool open)
{
	p->p_host_open = open;
	if (p->p_added)
		vtcon_ctrl_send(p->p_sc, p->p_id, VTCON_PORT_OPEN, open, NULL);
}

static void
vtcon_ctrl_msg(struct vtcon_softc *sc, const struct vtcon_ctrl *m)
{
	struct vtcon_port *p;

	if (m->event == VTCON_DEVICE_READY) {
		/* value 0: the driver failed to set up; nothing to add. */
		if (m->value != 1 || sc->sc_ready)
			return;
		sc->sc_ready = true;
		for (int i = 0; i < sc->sc_nports; i++)
			vtcon_ctrl_send(sc, i, VTCON_DEVICE_ADD, 1, NULL);
		return;
	}
	if (m->id >= (uint32_t)sc->sc_nports) {
		vtcon_log(sc, "control event for unknown port", m->id);
		return;
	}
	p = &sc->sc_ports[m->id];
	switch (m->event) {
	case VTCON_PORT_READY:
		if (m->value != 1 || p->p_added)
			break;
		/* The port exists in the guest: its name, then its state. */
		p->p_added = true;
		vtcon_ctrl_send(sc, p->p_id, VTCON_PORT_NAME, 1, p->p_name);
		if (p->p_host_open)
			vtcon_ctrl_send(sc, p->p_id, VTCON_PORT_OPEN, 1, NULL);
		break;
	case VTCON_PORT_OPEN:
		p->p_guest_open = m->value != 0;
		if (p->p_guest_open)
			vtcon_port_rx(p);
		break;
	default:
		break;
	}
}

/* ---- the host ends ---- */

static void
vtcon_sock_close(struct vtcon_port *p)
{
	if (p->p_cmev != NULL)
		mevent_delete_close(p->p_cmev);
	else if (p->p_cfd >= 0)
		close(p->p_cfd);
	p->p_cmev = NULL;
	p->p_cfd = -1;
	p->p_rx_off = false;
	vtcon_host_state(p, false);
}

/* Stop reading host input until the guest can take it. */
static void
vtcon_rx_pause(struct vtcon_port *p, bool off)
{
	if (p->p_rx_off == off)
		return;
	p->p_rx_off = off;
	if (p->p_ube != NULL)
		uart_backend_rx_enable(p->p_ube, !off);
	else if (p->p_cmev != NULL)
		(void)(off ? mevent_disable(p->p_cmev) :
		    mevent_enable(p->p_cmev));
}

/* Fill one chain's writable buffers from the host; bytes, 0, or -1 EOF. */
static ssize_t
vtcon_host_read(struct vtcon_port *p, struct iovec *w, int nw)
{
	ssize_t n;
	size_t done = 0;
	int c;

	if (p->p_ube == NULL) {
		n = readv(p->p_cfd, w, nw);
		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR ? 0 : -1);
		return (n == 0 ? -1 : n);
	}
	for (int i = 0; i < nw; i++) {
		for (size_t j = 0; j < w[i].iov_len; j++) {
			c = uart_backend_getc(p->p_ube);
			if (c < 0)
				return (done);
			((uint8_t *)w[i].iov_base)[j] = (uint8_t)c;
			done++;
		}
	}
	return (done);
}

/*
 * Host input to the guest's receiveq for port p (vs_mtx held): as much
 * as there are buffers for, then pause the input while none are left.
 */
static void
vtcon_port_rx(struct vtcon_port *p)
{
	struct vtcon_softc *sc = p->p_sc;
	struct vqueue_info *vq = &sc->sc_vs.vs_queues[vtcon_rxq(p->p_id)];
	struct vq_req req;
	struct iovec *w;
	bool any = false, eof = false;
	ssize_t got;
	int n;

	if (!p->p_host_open || (p->p_ube == NULL && p->p_cfd < 0))
		return;
	if (!p->p_guest_open || !vq_has_descs(vq)) {
		vtcon_rx_pause(p, true);
		return;
	}
	vtcon_rx_pause(p, false);
	while ((n = vq_getchain_gpa(vq, sc->sc_iov, sc->sc_gpa,
	    VTCON_MAXCHAIN, &req)) > 0) {
		w = sc->sc_iov + req.readable;
		if (iov_total(w, req.writable) == 0) {
			/* Nothing to fill: give it back empty, not retry. */
			vq_relchain(vq, req.idx, 0);
			any = true;
			continue;
		}
		got = vtcon_host_read(p, w, req.writable);
		if (got <= 0) {
			vq_retchain(vq);
			eof = got < 0;
			break;
		}
		vq_dma_written(vq, w, sc->sc_gpa + req.readable, req.writable,
		    got);
		vq_relchain(vq, req.idx, got);
		any = true;
	}
	if (any)
		vq_endchains(vq, true);
	if (eof && p->p_ube == NULL)
		vtcon_sock_close(p);
	else if (n == 0 && !vq_has_descs(vq))
		vtcon_rx_pause(p, true);
}

/* Guest output to the host end; dropped when nobody is there. */
static void
vtcon_host_write(struct vtcon_port *p, const struct iovec *iov, int n)
{
	struct pollfd pfd;
	const uint8_t *b;
	size_t len;
	ssize_t r;

	for (int i = 0; i < n; i++) {
		b = iov[i].iov_base;
		len = iov[i].iov_len;
		if (p->p_ube != NULL) {
			for (size_t j = 0; j < len; j++)
				uart_backend_putc(p->p_ube, b[j]);
			continue;
		}
		while (len > 0 && p->p_cfd >= 0) {
			r = send(p->p_cfd, b, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r > 0) {
				b += r;
				len -= r;
				continue;
			}
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK)) {
				/* A slow reader: wait a little, then drop. */
				pfd.fd = p->p_cfd;
				pfd.events = POLLOUT;
				if (poll(&pfd, 1, 1000) > 0)
					continue;
				break;
			}
			vtcon_sock_close(p);
		}
	}
}

static void
vtcon_sock_readable(int fd, enum ev_type type, void *arg)
{
	struct vtcon_port *p = arg;
	struct virtio_softc *vs = &p->p_sc->sc_vs;

	pthread_mutex_lock(&vs->vs_mtx);
	if (p->p_cfd == fd)
		vtcon_port_rx(p);
	pthread_mutex_unlock(&vs->vs_mtx);
}

static void
vtcon_sock_accept(int fd, enum ev_type type, void *arg)
{
	struct vtcon_port *p = arg;
	struct virtio_softc *vs = &p->p_sc->sc_vs;
	int s;

	s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0)
		return;
	pthread_mutex_lock(&vs->vs_mtx);
	if (p->p_cfd >= 0) {
		/* One client at a time, as bhyve. */
		pthread_mutex_unlock(&vs->vs_mtx);
		close(s);
		return;
	}
	p->p_cfd = s;
	p->p_rx_off = false;
	p->p_cmev = mevent_add(s, EVF_READ, vtcon_sock_readable, p);
	if (p->p_cmev == NULL) {
		close(s);
		p->p_cfd = -1;
	} else {
		vtcon_host_state(p, true);
	}
	pthread_mutex_unlock(&vs->vs_mtx);
}

static void
vtcon_ube_ready(void *arg)
{
	struct vtcon_port *p = arg;
	struct virtio_softc *vs = &p->p_sc->sc_vs;

	pthread_mutex_lock(&vs->vs_mtx);
	vtcon_port_rx(p);
	pthread_mutex_unlock(&vs->vs_mtx);
}

/* Socket files we made, removed when lhyve exits (bhyverun's exit()). */
static char *sock_paths[VTCON_MAXPORTS * 4];
static int nsock_paths;
static pthread_mutex_t sock_paths_mtx = PTHREAD_MUTEX_INITIALIZER;

static void
vtcon_unlink_sockets(void)
{
	pthread_mutex_lock(&sock_paths_mtx);
	for (int i = 0; i < nsock_paths; i++)
		(void)unlink(sock_paths[i]);
	pthread_mutex_unlock(&sock_paths_mtx);
}

static void
vtcon_remember_socket(const char *path)
{
	pthread_mutex_lock(&sock_paths_mtx);
	if (nsock_paths == 0)
		atexit(vtcon_unlink_sockets);
	if (nsock_paths < (int)(sizeof(sock_paths) / sizeof(sock_paths[0])))
		sock_paths[nsock_paths++] = strdup(path);
	pthread_mutex_unlock(&sock_paths_mtx);
}

/*
 * Listen on a unix socket at path (bhyve's port backend).  A socket file
 * left by an earlier run that nobody answers on is replaced; anything
 * else at path is an error.  0 or -1 after a message.
 */
static int
vtcon_sock_open(struct vtcon_port *p, const char *path, const char *ident)
{
	struct sockaddr_un sun;
	struct stat st;
	int s, t;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "lhyve: %s: port %s: socket path %s is too "
		    "long\n", ident, p->p_name, path);
		return (-1);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "lhyve: %s: port %s: %s exists and is "
			    "not a socket\n", ident, p->p_name, path);
			return (-1);
		}
		t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (t >= 0 && connect(t, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			close(t);
			fprintf(stderr, "lhyve: %s: port %s: %s is in use by "
			    "another program\n", ident, p->p_name, path);
			return (-1);
		}
		if (t >= 0)
			close(t);
		(void)unlink(path);
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(s, 1) != 0) {
		fprintf(stderr, "lhyve: %s: port %s: cannot listen on %s: "
		    "%s\n", ident, p->p_name, path, strerror(errno));
		if (s >= 0)
			close(s);
		return (-1);
	}
	p->p_lfd = s;
	p->p_sockpath = strdup(path);
	vtcon_remember_socket(path);
	p->p_lmev = mevent_add(s, EVF_READ, vtcon_sock_accept, p);
	if (p->p_lmev == NULL) {
		fprintf(stderr, "lhyve: %s: port %s: cannot watch %s\n",
		    ident, p->p_name, path);
		close(s);
		p->p_lfd = -1;
		return (-1);
	}
	return (0);
}

static int
vtcon_port_open(struct vtcon_port *p, const char *be, const char *ident)
{
	if (strcmp(be, "stdio") == 0 || strncmp(be, "tcp=", 4) == 0 ||
	    strncmp(be, "file=", 5) == 0) {
		p->p_ube = uart_backend_open(strncmp(be, "file=", 5) == 0 ?
		    be + 5 : be, vtcon_ube_ready, p);
		if (p->p_ube == NULL) {
			fprintf(stderr, "lhyve: %s: port %s: cannot open "
			    "backend %s\n", ident, p->p_name, be);
			return (-1);
		}
		/* Always there; bytes written with no reader are dropped. */
		p->p_host_open = true;
		return (0);
	}
	if (*be == '\0') {
		fprintf(stderr, "lhyve: %s: port %s: no backend (a socket "
		    "path, stdio, file=PATH or tcp=IP:PORT)\n", ident,
		    p->p_name);
		return (-1);
	}
	return (vtcon_sock_open(p, be, ident));
}

/* ---- the virtio device ---- */

static void
vtcon_notify(void *arg, struct vqueue_info *vq)
{
	struct vtcon_softc *sc = arg;
	struct vtcon_port *p;
	struct vtcon_ctrl m;
	struct vq_req req;
	bool any = false;
	int n;

	/* The driver posted control buffers. */
	if (vq->vq_num == 2) {
		vtcon_ctrl_flush(sc);
		return;
	}
	p = vtcon_qport(sc, vq->vq_num);
	if (vq->vq_num != 3 && p == NULL)
		return;
	if (p != NULL && vq->vq_num == vtcon_rxq(p->p_id)) {
		/* New receive buffers: host input may flow again. */
		vtcon_port_rx(p);
		return;
	}
	/* A transmitq: the control one, or a port's. */
	while ((n = vq_getchain(vq, sc->sc_iov, VTCON_MAXCHAIN, &req)) > 0) {
		if (p == NULL) {
			if (iov_to_buf(sc->sc_iov, req.readable, 0, &m,
			    sizeof(m)) == sizeof(m))
				vtcon_ctrl_msg(sc, &m);
		} else if (p->p_host_open) {
			vtcon_host_write(p, sc->sc_iov, req.readable);
		}
		/* §5.3.6.1: the device writes nothing into these. */
		vq_relchain(vq, req.idx, 0);
		any = true;
	}
	if (any)
		vq_endchains(vq, true);
}

static void
vtcon_reset(void *arg)
{
	struct vtcon_softc *sc = arg;

	sc->sc_ready = false;
	sc->sc_multiport = false;
	sc->sc_phead = sc->sc_pcount = 0;
	for (int i = 0; i < sc->sc_nports; i++) {
		sc->sc_ports[i].p_added = false;
		sc->sc_ports[i].p_guest_open = false;
	}
}

static void
vtcon_apply_features(void *arg, uint64_t neg)
{
	struct vtcon_softc *sc = arg;

	sc->sc_multiport = (neg & VTCON_F_MULTIPORT) != 0;
	if (!sc->sc_multiport && sc->sc_nports > 0) {
		/* §5.3.6: without MULTIPORT port 0 is simply there. */
		sc->sc_ports[0].p_added = true;
		sc->sc_ports[0].p_guest_open = true;
	}
}

static int
vtcon_cfgread(void *arg, int offset, int size, uint32_t *retval)
{
	struct vtcon_softc *sc = arg;
	uint32_t v = 0;

	if (offset < 0 || offset + size > VTCON_CFG_SIZE)
		return (-1);
	memcpy(&v, sc->sc_cfg + offset, size);
	*retval = v;
	return (0);
}

static int
vtcon_cfgwrite(void *arg, int offset, int size, uint32_t value)
{
	struct vtcon_softc *sc = arg;
	struct iovec iov;
	uint8_t c = (uint8_t)value;

	/* §5.3.6.3: emerg_wr sends one byte to port 0, even before setup. */
	if (offset != VTCON_CFG_EMERG || sc->sc_nports == 0 ||
	    !sc->sc_ports[0].p_host_open)
		return (-1);
	iov.iov_base = &c;
	iov.iov_len = 1;
	vtcon_host_write(&sc->sc_ports[0], &iov, 1);
	return (0);
}

/* ---- configuration ---- */

/*
 * -s N,virtio-console,NAME=BACKEND[,...] -> port.NAME.path=BACKEND (bhyve's
 * pci_vtcon_legacy_config).  0 or -1.
 */
static int
vtcon_legacy_config(struct config_node *nvl, const char *opts)
{
	struct config_node *ports, *pn;
	char *copy, *rest, *tok, *eq;
	int error = 0, n = 0;

	if (opts == NULL || *opts == '\0') {
		fprintf(stderr, "lhyve: virtio-console needs a port: "
		    "NAME=SOCKET|stdio|file=PATH|tcp=IP:PORT[,...]\n");
		return (-1);
	}
	ports = create_relative_config_node(nvl, "port");
	copy = rest = strdup(opts);
	if (ports == NULL || copy == NULL) {
		free(copy);
		return (-1);
	}
	while ((tok = strsep(&rest, ",")) != NULL) {
		eq = strchr(tok, '=');
		if (eq == NULL || eq == tok || eq[1] == '\0') {
			fprintf(stderr, "lhyve: virtio-console: '%s': expected "
			    "NAME=BACKEND\n", tok);
			error = -1;
			break;
		}
		*eq = '\0';
		if (strchr(tok, '.') != NULL ||
		    find_relative_config_node(ports, tok) != NULL ||
		    ++n > VTCON_MAXPORTS) {
			fprintf(stderr, "lhyve: virtio-console: port '%s': "
			    "bad or repeated name, or more than %d ports\n",
			    tok, VTCON_MAXPORTS);
			error = -1;
			break;
		}
		pn = create_relative_config_node(ports, tok);
		if (pn == NULL) {
			error = -1;
			break;
		}
		set_config_value_node(pn, "path", eq + 1);
	}
	free(copy);
	return (error);
}

static void
vtcon_close_ports(struct vtcon_softc *sc)
{
	for (int i = 0; i < sc->sc_nports; i++) {
		struct vtcon_port *p = &sc->sc_ports[i];

		if (p->p_ube != NULL)
			uart_backend_close(p->p_ube);
		if (p->p_cmev != NULL)
			mevent_delete_close(p->p_cmev);
		if (p->p_lmev != NULL)
			mevent_delete(p->p_lmev);
		if (p->p_lfd >= 0)
			close(p->p_lfd);
		if (p->p_sockpath != NULL) {
			(void)unlink(p->p_sockpath);
			free(p->p_sockpath);
		}
	}
}

/* The device core from the config node.  NULL after a message. */
static struct vtcon_softc *
vtcon_create(struct config_node *nvl, const char *ident, struct vmctx *ctx)
{
	struct config_node *ports, *it;
	struct vtcon_softc *sc;
	const char *name, *be;
	struct vtcon_port *p;

	ports = find_relative_config_node(nvl, "port");
	if (ports == NULL || config_node_first(ports) == NULL) {
		fprintf(stderr, "lhyve: %s: no ports (port.NAME.path)\n",
		    ident);
		return (NULL);
	}
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (NULL);
	for (it = config_node_first(ports); it != NULL;
	    it = config_node_next(it)) {
		name = config_item_name(it);
		be = config_item_is_node(it) ?
		    get_config_value_node(it, "path") : NULL;
		if (be == NULL || strlen(name) >= VTCON_NAMEMAX ||
		    sc->sc_nports == VTCON_MAXPORTS) {
			fprintf(stderr, "lhyve: %s: port '%s': needs a path, a "
			    "name under %d bytes, and at most %d ports\n",
			    ident, name, VTCON_NAMEMAX, VTCON_MAXPORTS);
			goto fail;
		}
		p = &sc->sc_ports[sc->sc_nports++];
		p->p_sc = sc;
		p->p_id = sc->sc_nports - 1;
		p->p_lfd = p->p_cfd = -1;
		snprintf(p->p_name, sizeof(p->p_name), "%s", name);
		if (vtcon_port_open(p, be, ident) != 0)
			goto fail;
	}
	sc->sc_ops = (struct virtio_devops){
		.vd_name = "virtio-console",
		.vd_devid = VIRTIO_ID_CONSOLE,
		/* §5.3.2: (max_nr_ports + 1) pairs with MULTIPORT. */
		.vd_nvq = 2 * (sc->sc_nports + 1),
		.vd_qsize = VTCON_RINGSZ,
		.vd_cfgsize = VTCON_CFG_SIZE,
		.vd_reset = vtcon_reset,
		.vd_qnotify = vtcon_notify,
		.vd_cfgread = vtcon_cfgread,
		.vd_cfgwrite = vtcon_cfgwrite,
		.vd_apply_features = vtcon_apply_features,
	};
	sc->sc_cfg[VTCON_CFG_MAXPORTS] = (uint8_t)sc->sc_nports;
	if (virtio_init(&sc->sc_vs, &sc->sc_ops, sc, VTCON_F_MULTIPORT |
	    VTCON_F_EMERG_WRITE, ctx) != 0)
		goto fail;
	return (sc);
fail:
	vtcon_close_ports(sc);
	free(sc);
	return (NULL);
}

/* ---- the PCI registration ---- */

static int
pci_vtcon_init(struct pci_devinst *pi, struct config_node *nvl)
{
	struct vtcon_softc *sc;
	int error;

	sc = vtcon_create(nvl, pi->pi_name, pi->pi_vmctx);
	if (sc == NULL)
		return (-EINVAL);
	/* Class: simple communications, other (as bhyve). */
	error = pci_virtio_init(pi, &sc->sc_vs, 0x07, 0x80);
	if (error != 0) {
		pthread_mutex_lock(&sc->sc_vs.vs_mtx);
		vtcon_close_ports(sc);
		pthread_mutex_unlock(&sc->sc_vs.vs_mtx);
		virtio_fini(&sc->sc_vs);
		free(sc);
	}
	return (error);
}

const struct pci_devemu pci_de_vcon = {
	.pe_emu = "virtio-console",
	.pe_init = pci_vtcon_init,
	.pe_legacy_config = vtcon_legacy_config,
	.pe_barwrite = pci_virtio_barwrite,
	.pe_barread = pci_virtio_barread,
};
PCI_EMUL_SET(pci_de_vcon);
