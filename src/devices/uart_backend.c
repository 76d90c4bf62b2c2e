/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uart_backend.c: the tty backends behind a UART (bhyve's uart_backend.c):
 * "stdio" (stdin through the event loop, stdout written unbuffered, the
 * terminal raw while attached), a path (a tty/pty read-write, or a regular
 * file for output), and "tcp=ip:port" (one client at a time).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "devices/uart_backend.h"
#include "mevent.h"

enum be_kind { BE_STDIO, BE_TTY, BE_FILE, BE_TCP };

struct uart_backend {
	enum be_kind kind;
	pthread_mutex_t mtx;	/* guards the fds against accept/close */
	int rfd, wfd;		/* -1 when absent */
	int lfd;		/* tcp: the listening socket */
	bool eof;		/* input side gone: no more reads */
	bool rx_on;
	struct mevent *rmev, *lmev;
	void (*rx_ready)(void *);
	void *arg;
};

/* ---- raw terminals, restored on every way out ---- */

#define MAX_RAW_TTYS	8

static struct {
	int fd;
	struct termios saved;
} raw_ttys[MAX_RAW_TTYS];
static volatile int nraw_ttys;
static pthread_mutex_t raw_mtx = PTHREAD_MUTEX_INITIALIZER;
static bool stdio_in_use;

/* Async-signal-safe: tcsetattr is on the POSIX list. */
static void
restore_ttys(int how)
{
	for (int i = 0; i < nraw_ttys; i++)
		(void)tcsetattr(raw_ttys[i].fd, how, &raw_ttys[i].saved);
}

static void
restore_ttys_atexit(void)
{
	restore_ttys(TCSADRAIN);
}

void
uart_backend_restore_ttys(void)
{
	restore_ttys(TCSADRAIN);
}

static void
fatal_signal(int sig)
{
	restore_ttys(TCSANOW);
	/* SA_RESETHAND put the default back: die of the same signal. */
	raise(sig);
}

/*
 * Only bhyverun.c calls exit(), and it runs the atexit handler; a fatal
 * signal gets the terminal back too.  Signals someone else handles (the
 * event loop's SIGTERM, say) are left alone.
 */
static void
install_restore_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
	    SIGINT, SIGHUP, SIGQUIT, SIGTERM };
	struct sigaction sa, old;

	atexit(restore_ttys_atexit);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL)
			(void)sigaction(sigs[i], &sa, NULL);
	}
}

static int
make_raw(int fd)
{
	struct termios t, saved;
	static bool handlers;

	if (!isatty(fd))
		return (0);
	if (tcgetattr(fd, &saved) != 0)
		return (-errno);
	pthread_mutex_lock(&raw_mtx);
	if (nraw_ttys == MAX_RAW_TTYS) {
		pthread_mutex_unlock(&raw_mtx);
		return (-ENOSPC);
	}
	raw_ttys[nraw_ttys].fd = fd;
	raw_ttys[nraw_ttys].saved = saved;
	nraw_ttys++;
	if (!handlers) {
		handlers = true;
		install_restore_handlers();
	}
	pthread_mutex_unlock(&raw_mtx);
	t = saved;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t) != 0)
		return (-errno);
	return (0);
}

/* ---- common ---- */

static void
be_readable(int fd, enum ev_type type, void *arg)
{
	struct uart_backend *be = arg;

	be->rx_ready(be->arg);
}

static struct uart_backend *
be_alloc(enum be_kind kind, void (*rx_ready)(void *), void *arg)
{
	struct uart_backend *be;

	be = calloc(1, sizeof(*be));
	if (be == NULL)
		return (NULL);
	be->kind = kind;
	pthread_mutex_init(&be->mtx, NULL);
	be->rfd = be->wfd = be->lfd = -1;
	be->rx_on = true;
	be->rx_ready = rx_ready;
	be->arg = arg;
	return (be);
}

/*
 * Watch the input fd.  epoll refuses regular files and /dev/null, which
 * are always readable: their input is pulled by the UART as its FIFO
 * empties (uart_drain), up to end of file.
 */
static void
be_watch_input(struct uart_backend *be)
{
	be->rmev = mevent_add(be->rfd, EVF_READ, be_readable, be);
}

/* Write all of buf, waiting out a full pipe or tty.  false: fd is gone. */
static bool
write_all(int fd, const uint8_t *buf, size_t len, bool may_drop)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (may_drop)
				return (true);
			(void)poll(&pfd, 1, -1);
			continue;
		}
		return (false);
	}
	return (true);
}

/* ---- stdio ---- */

static struct uart_backend *
stdio_open(void (*rx_ready)(void *), void *arg)
{
	struct uart_backend *be;
	int error;

	if (stdio_in_use) {
		fprintf(stderr, "lhyve: the stdio backend is already in use "
		    "by another device\n");
		return (NULL);
	}
	be = be_alloc(BE_STDIO, rx_ready, arg);
	if (be == NULL)
		return (NULL);
	be->rfd = STDIN_FILENO;
	be->wfd = STDOUT_FILENO;
	/* Anything buffered by stdio must come out before the guest's. */
	fflush(stdout);
	error = make_raw(STDIN_FILENO);
	if (error != 0)
		fprintf(stderr, "lhyve: cannot put the terminal in raw mode: "
		    "%s\n", strerror(-error));
	be_watch_input(be);
	stdio_in_use = true;
	return (be);
}

/* ---- a path ---- */

static struct uart_backend *
path_open(const char *path, void (*rx_ready)(void *), void *arg)
{
	struct uart_backend *be;
	struct stat st;
	int fd, error;

	if (stat(path, &st) != 0 && errno != ENOENT) {
		fprintf(stderr, "lhyve: %s: %s\n", path, strerror(errno));
		return (NULL);
	}
	be = NULL;
	if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) {
		/* A log of the guest's output, written from the start. */
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			goto fail;
		be = be_alloc(BE_FILE, rx_ready, arg);
		if (be == NULL) {
			close(fd);
			return (NULL);
		}
		be->wfd = fd;
		be->eof = true;
		return (be);
	}
	fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	be = be_alloc(BE_TTY, rx_ready, arg);
	if (be == NULL) {
		close(fd);
		return (NULL);
	}
	be->rfd = be->wfd = fd;
	if (isatty(fd) && (error = make_raw(fd)) != 0)
		fprintf(stderr, "lhyve: %s: cannot set raw mode: %s\n", path,
		    strerror(-error));
	be_watch_input(be);
	return (be);
fail:
	fprintf(stderr, "lhyve: cannot open %s: %s\n", path, strerror(errno));
	return (NULL);
}

/* ---- tcp=ip:port ---- */

static void
tcp_drop_client(struct uart_backend *be)
{
	if (be->rmev != NULL)
		mevent_delete(be->rmev);
	be->rmev = NULL;
	if (be->rfd >= 0)
		close(be->rfd);
	be->rfd = be->wfd = -1;
}

static void
tcp_accept(int fd, enum ev_type type, void *arg)
{
	struct uart_backend *be = arg;
	int s;

	s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0)
		return;
	pthread_mutex_lock(&be->mtx);
	if (be->rfd >= 0) {
		/* One client at a time, as bhyve. */
		pthread_mutex_unlock(&be->mtx);
		close(s);
		return;
	}
	be->rfd = be->wfd = s;
	be->eof = false;
	be->rmev = be->rx_on ?
	    mevent_add(s, EVF_READ, be_readable, be) :
	    mevent_add_disabled(s, EVF_READ, be_readable, be);
	pthread_mutex_unlock(&be->mtx);
}

static struct uart_backend *
tcp_open(const char *spec, void (*rx_ready)(void *), void *arg)
{
	struct addrinfo hints, *ai = NULL;
	struct uart_backend *be;
	char *host, *port, *copy;
	int s = -1, one = 1, error;

	copy = strdup(spec);
	if (copy == NULL)
		return (NULL);
	host = copy;
	if (*host == '[') {		/* [v6addr]:port */
		host++;
		port = strchr(host, ']');
		if (port == NULL || port[1] != ':')
			goto bad;
		*port = '\0';
		port += 2;
	} else {
		port = strrchr(host, ':');
		if (port == NULL)
			goto bad;
		*port++ = '\0';
	}
	if (*port == '\0')
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	error = getaddrinfo(*host != '\0' ? host : NULL, port, &hints, &ai);
	if (error != 0) {
		fprintf(stderr, "lhyve: tcp=%s: %s\n", spec,
		    gai_strerror(error));
		free(copy);
		return (NULL);
	}
	s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s, ai->ai_addr, ai->ai_addrlen) != 0 || listen(s, 1) != 0) {
		fprintf(stderr, "lhyve: tcp=%s: %s\n", spec, strerror(errno));
		goto fail;
	}
	be = be_alloc(BE_TCP, rx_ready, arg);
	if (be == NULL)
		goto fail;
	be->lfd = s;
	be->lmev = mevent_add(s, EVF_READ, tcp_accept, be);
	if (be->lmev == NULL) {
		fprintf(stderr, "lhyve: tcp=%s: cannot watch the socket\n",
		    spec);
		free(be);
		goto fail;
	}
	freeaddrinfo(ai);
	free(copy);
	return (be);
bad:
	fprintf(stderr, "lhyve: tcp=%s: expected tcp=ip:port\n", spec);
fail:
	if (s >= 0)
		close(s);
	if (ai != NULL)
		freeaddrinfo(ai);
	free(copy);
	return (NULL);
}

/* ---- the interface ---- */

struct uart_backend *
uart_backend_open(const char *opts, void (*rx_ready)(void *), void *arg)
{
	if (opts == NULL || *opts == '\0') {
		fprintf(stderr, "lhyve: empty serial backend\n");
		return (NULL);
	}
	if (strcmp(opts, "stdio") == 0)
		return (stdio_open(rx_ready, arg));
	if (strncmp(opts, "tcp=", 4) == 0)
		return (tcp_open(opts + 4, rx_ready, arg));
	return (path_open(opts, rx_ready, arg));
}

void
uart_backend_close(struct uart_backend *be)
{
	if (be == NULL)
		return;
	if (be->rmev != NULL)
		mevent_delete(be->rmev);
	if (be->lmev != NULL)
		mevent_delete(be->lmev);
	switch (be->kind) {
	case BE_STDIO:
		stdio_in_use = false;
		break;
	case BE_TCP:
		if (be->lfd >= 0)
			close(be->lfd);
		/* FALLTHROUGH */
	case BE_TTY:
		if (be->rfd >= 0)
			close(be->rfd);
		break;
	case BE_FILE:
		close(be->wfd);
		break;
	}
	pthread_mutex_destroy(&be->mtx);
	free(be);
}

bool
uart_backend_is_pull(struct uart_backend *be)
{
	return (be->rfd >= 0 && be->rmev == NULL && !be->eof &&
	    be->kind != BE_TCP);
}

int
uart_backend_getc(struct uart_backend *be)
{
	struct pollfd pfd;
	uint8_t c;
	ssize_t n;
	int ret = -1;

	pthread_mutex_lock(&be->mtx);
	if (be->eof || be->rfd < 0)
		goto out;
	/*
	 * stdin stays blocking (it may share its file description with
	 * stdout, which must not turn non-blocking), so ask first.
	 */
	pfd.fd = be->rfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) <= 0 || (pfd.revents & (POLLIN | POLLHUP)) == 0)
		goto out;
	n = read(be->rfd, &c, 1);
	if (n == 1) {
		ret = c;
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		/* End of input: stop watching, or level triggering spins. */
		if (be->kind == BE_TCP) {
			tcp_drop_client(be);
		} else {
			be->eof = true;
			if (be->rmev != NULL)
				mevent_delete(be->rmev);
			be->rmev = NULL;
		}
	}
out:
	pthread_mutex_unlock(&be->mtx);
	return (ret);
}

void
uart_backend_putc(struct uart_backend *be, uint8_t c)
{
	pthread_mutex_lock(&be->mtx);
	switch (be->kind) {
	case BE_STDIO:
	case BE_FILE:
		/* Tests compare transcripts: never drop, never reorder. */
		(void)write_all(be->wfd, &c, 1, false);
		break;
	case BE_TTY:
		/* Nobody reading the pty must not stall the guest. */
		(void)write_all(be->wfd, &c, 1, true);
		break;
	case BE_TCP:
		if (be->wfd >= 0 &&
		    send(be->wfd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
		    errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			tcp_drop_client(be);
		break;
	}
	pthread_mutex_unlock(&be->mtx);
}

void
uart_backend_rx_enable(struct uart_backend *be, bool on)
{
	pthread_mutex_lock(&be->mtx);
	be->rx_on = on;
	if (be->rmev != NULL) {
		if (on)
			mevent_enable(be->rmev);
		else
			mevent_disable(be->rmev);
	}
	pthread_mutex_unlock(&be->mtx);
}
