/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bvmcons.c: the bvm console of the 2013 bhyve (-b).  The protocol, as
 * FreeBSD's sys/dev/bvm/bvm_console.c drives it:
 *
 *   16-bit IN  0x220   the signature 'b' << 8 | 'v' (the probe);
 *   32-bit OUT 0x220   write the low byte to the console;
 *   32-bit IN  0x220   the next input byte, or 0xFFFFFFFF (-1) if none;
 *   8-bit IN   0x220   0xFF, as an empty ISA slot reads, for drivers that
 *                      probe for old ISA cards there.
 *
 * Anything else is not the console's (unclaimed).  Output goes to stdout
 * unbuffered, so it interleaves with a COM port on stdio in the order the
 * guest wrote it; input comes from stdin through the UART backend code
 * (raw mode on a terminal, restored at exit), polled when the guest asks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "devices/bvmcons.h"
#include "devices/inout.h"
#include "devices/uart_backend.h"

static struct {
	bool		active;
	bool		shared;		/* stdout only: stdin is a UART's */
	struct uart_backend *be;
	pthread_mutex_t	mtx;		/* one byte at a time on stdout */
} bvm = { .mtx = PTHREAD_MUTEX_INITIALIZER };

static void
bvmcons_putc(uint8_t c)
{
	ssize_t n;

	if (bvm.be != NULL) {
		uart_backend_putc(bvm.be, c);
		return;
	}
	pthread_mutex_lock(&bvm.mtx);
	do
		n = write(STDOUT_FILENO, &c, 1);
	while (n < 0 && errno == EINTR);
	pthread_mutex_unlock(&bvm.mtx);
}

int
bvmcons_io(int in, int port, int bytes, uint32_t *eax)
{
	int c;

	if (port != BVMCONS_PORT)
		return (-1);
	if (in && bytes == 2) {
		*eax = BVMCONS_SIG;
		return (0);
	}
	if (in && bytes == 1) {
		*eax = 0xff;
		return (0);
	}
	if (bytes != 4)
		return (-1);
	if (in) {
		c = bvm.be != NULL ? uart_backend_getc(bvm.be) : -1;
		*eax = (uint32_t)c;	/* -1 reads as 0xFFFFFFFF: no input */
	} else
		bvmcons_putc((uint8_t)*eax);
	return (0);
}

static int
bvmcons_port_io(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	return (bvmcons_io(in, port, bytes, eax));
}

static const struct inout_port bvmcons_port = {
	"bvmcons", BVMCONS_PORT, 1, IOPORT_F_INOUT, bvmcons_port_io, NULL
};

/* Input is polled by the guest, never pushed: nothing to do when stdin
 * becomes readable (notifications are off anyway). */
static void
bvmcons_rx_ready(void *arg)
{
}

bool
bvmcons_stdio_taken(void)
{
	char path[32];
	const char *v;

	for (int i = 1; i <= 4; i++) {
		snprintf(path, sizeof(path), "lpc.com%d.path", i);
		v = get_config_value(path);
		if (v != NULL && strcmp(v, "stdio") == 0)
			return (true);
	}
	return (false);
}

int
bvmcons_init(bool shared)
{
	int error;

	if (bvm.active)
		return (-EEXIST);
	bvm.shared = shared;
	bvm.be = NULL;
	if (!shared) {
		bvm.be = uart_backend_open("stdio", bvmcons_rx_ready, NULL);
		if (bvm.be == NULL)
			return (-EBUSY);
		/* Level-triggered stdin would wake the event loop forever. */
		uart_backend_rx_enable(bvm.be, false);
	} else
		fflush(stdout);
	error = register_inout(&bvmcons_port);
	if (error != 0) {
		fprintf(stderr, "lhyve: bvmcons: port 0x%x is taken\n",
		    BVMCONS_PORT);
		if (bvm.be != NULL)
			uart_backend_close(bvm.be);
		bvm.be = NULL;
		return (error);
	}
	bvm.active = true;
	return (0);
}

void
bvmcons_deinit(void)
{
	if (!bvm.active)
		return;
	(void)unregister_inout(&bvmcons_port);
	if (bvm.be != NULL)
		uart_backend_close(bvm.be);
	bvm.be = NULL;
	bvm.active = false;
}
