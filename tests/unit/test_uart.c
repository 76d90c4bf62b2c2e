/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_uart.c: the 16550A core (uart_emul.c) register by register, and its
 * file and pty backends (uart_backend.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "devices/uart_emul.h"
#include "mevent.h"

/* The interrupt output, as the bus glue would see it. */
static int intr_level, intr_asserts;

static void
intr_assert(void *arg)
{
	assert_ptr_equal(arg, &intr_level);
	intr_level = 1;
	intr_asserts++;
}

static void
intr_deassert(void *arg)
{
	intr_level = 0;
}

static int
setup(void **state)
{
	intr_level = intr_asserts = 0;
	*state = uart_init(intr_assert, intr_deassert, &intr_level);
	return (*state == NULL);
}

static int
teardown(void **state)
{
	uart_deinit(*state);
	return (0);
}

static void
test_reset_values(void **state)
{
	struct uart_softc *sc = *state;

	assert_int_equal(uart_read(sc, REG_IER), 0x00);
	assert_int_equal(uart_read(sc, REG_IIR), 0x01);
	assert_int_equal(uart_read(sc, REG_LCR), 0x00);
	assert_int_equal(uart_read(sc, REG_MCR), 0x00);
	assert_int_equal(uart_read(sc, REG_LSR), 0x60);	/* THRE | TEMT */
	assert_int_equal(uart_read(sc, REG_MSR), 0xb0);	/* DCD DSR CTS */
	assert_int_equal(uart_read(sc, REG_SCR), 0x00);
	assert_int_equal(intr_level, 0);
	/* Out-of-range offsets read as a floating bus. */
	assert_int_equal(uart_read(sc, 8), 0xff);
}

static void
test_dlab(void **state)
{
	struct uart_softc *sc = *state;

	uart_write(sc, REG_IER, 0x05);
	uart_write(sc, REG_LCR, LCR_DLAB | 0x03);
	/* Reset divisor: 1.8432 MHz / 16 / 115200 = 1. */
	assert_int_equal(uart_read(sc, REG_DLL), 0x01);
	assert_int_equal(uart_read(sc, REG_DLH), 0x00);
	uart_write(sc, REG_DLL, 0x0c);	/* 9600 baud */
	uart_write(sc, REG_DLH, 0x34);
	assert_int_equal(uart_read(sc, REG_DLL), 0x0c);
	assert_int_equal(uart_read(sc, REG_DLH), 0x34);
	assert_int_equal(uart_read(sc, REG_LCR), 0x83);
	uart_write(sc, REG_LCR, 0x03);
	/* With DLAB clear, offsets 0/1 are the data and IER again. */
	assert_int_equal(uart_read(sc, REG_IER), 0x05);
	assert_int_equal(uart_read(sc, REG_LCR), 0x03);
	uart_write(sc, REG_IER, 0x00);
	uart_write(sc, REG_LCR, LCR_DLAB);
	assert_int_equal(uart_read(sc, REG_DLL), 0x0c);
	assert_int_equal(uart_read(sc, REG_DLH), 0x34);
	/* A DLAB write to offset 0 is not transmitted. */
	uart_write(sc, REG_DLL, 'X');
	uart_write(sc, REG_LCR, 0x03);
	assert_int_equal(uart_read(sc, REG_LSR), 0x60);
}

static void
test_scr_and_mcr_mask(void **state)
{
	struct uart_softc *sc = *state;

	uart_write(sc, REG_SCR, 0xa5);
	assert_int_equal(uart_read(sc, REG_SCR), 0xa5);
	uart_write(sc, REG_MCR, 0xff);
	assert_int_equal(uart_read(sc, REG_MCR), 0x1f);
	/* LSR and MSR ignore writes. */
	uart_write(sc, REG_LSR, 0x00);
	uart_write(sc, REG_MCR, 0x00);
	assert_int_equal(uart_read(sc, REG_LSR) & 0x60, 0x60);
}

static void
test_thre_interrupt(void **state)
{
	struct uart_softc *sc = *state;

	/* Enabling ETBEI with an empty THR interrupts at once. */
	uart_write(sc, REG_IER, IER_ETXRDY);
	assert_int_equal(intr_level, 1);
	assert_int_equal(uart_read(sc, REG_IIR), IIR_TXRDY);
	/* Reading IIR acknowledged it. */
	assert_int_equal(intr_level, 0);
	assert_int_equal(uart_read(sc, REG_IIR), IIR_NOPEND);
	/* Each transmitted byte empties the THR again. */
	uart_write(sc, REG_DATA, 'a');
	assert_int_equal(intr_level, 1);
	assert_int_equal(uart_read(sc, REG_IIR), IIR_TXRDY);
	/* Re-writing IER with ETBEI already set does not re-arm. */
	uart_write(sc, REG_IER, IER_ETXRDY);
	assert_int_equal(uart_read(sc, REG_IIR), IIR_NOPEND);
	/* Disabling then enabling does. */
	uart_write(sc, REG_IER, 0);
	uart_write(sc, REG_IER, IER_ETXRDY);
	assert_int_equal(uart_read(sc, REG_IIR), IIR_TXRDY);
	/* A pending THRE is masked, not forgotten, by IER. */
	uart_write(sc, REG_DATA, 'b');
	uart_write(sc, REG_IER, 0);
	assert_int_equal(intr_level, 0);
	assert_int_equal(uart_read(sc, REG_IIR), IIR_NOPEND);
}

static void
test_loopback_16450(void **state)
{
	struct uart_softc *sc = *state;

	uart_write(sc, REG_MCR, MCR_LOOPBACK);
	uart_write(sc, REG_DATA, 'A');
	assert_int_equal(uart_read(sc, REG_LSR), 0x61);
	/* RX interrupt only when enabled; no FIFO: plain RXRDY. */
	assert_int_equal(intr_level, 0);
	uart_write(sc, REG_IER, IER_ERXRDY);
	assert_int_equal(intr_level, 1);
	assert_int_equal(uart_read(sc, REG_IIR), IIR_RXRDY);
	assert_int_equal(uart_read(sc, REG_DATA), 'A');
	assert_int_equal(intr_level, 0);
	assert_int_equal(uart_read(sc, REG_LSR), 0x60);
	/* An empty RBR repeats its last byte. */
	assert_int_equal(uart_read(sc, REG_DATA), 'A');
	/* Without the FIFO a second byte overruns (holding register only). */
	uart_write(sc, REG_DATA, '1');
	uart_write(sc, REG_DATA, '2');
	assert_int_equal(uart_read(sc, REG_LSR), 0x63);	/* OE | DR */
	assert_int_equal(uart_read(sc, REG_LSR), 0x61);	/* OE cleared */
	assert_int_equal(uart_read(sc, REG_DATA), '1');
	assert_int_equal(uart_read(sc, REG_LSR), 0x60);
}

static void
test_fifo_overrun(void **state)
{
	struct uart_softc *sc = *state;
	char c;

	uart_write(sc, REG_FCR, FCR_ENABLE);
	assert_int_equal(uart_read(sc, REG_IIR), 0xc1);	/* FIFOs on */
	uart_write(sc, REG_MCR, MCR_LOOPBACK);
	for (c = 0; c < UART_FIFOSZ; c++)
		uart_write(sc, REG_DATA, 'a' + c);
	assert_int_equal(uart_read(sc, REG_LSR), 0x61);	/* full, no OE */
	uart_write(sc, REG_DATA, '!');
	assert_int_equal(uart_read(sc, REG_LSR), 0x63);
	assert_int_equal(uart_read(sc, REG_LSR), 0x61);
	for (c = 0; c < UART_FIFOSZ; c++)
		assert_int_equal(uart_read(sc, REG_DATA), 'a' + c);
	assert_int_equal(uart_read(sc, REG_LSR), 0x60);	/* '!' was lost */

	/* FCR receive reset empties the FIFO. */
	uart_write(sc, REG_DATA, 'x');
	uart_write(sc, REG_FCR, FCR_ENABLE | FCR_RCV_RST);
	assert_int_equal(uart_read(sc, REG_LSR), 0x60);
	/* Leaving FIFO mode empties it too and clears the IIR bits. */
	uart_write(sc, REG_DATA, 'y');
	uart_write(sc, REG_FCR, 0);
	assert_int_equal(uart_read(sc, REG_LSR), 0x60);
	assert_int_equal(uart_read(sc, REG_IIR), 0x01);
}

static void
test_iir_priorities(void **state)
{
	struct uart_softc *sc = *state;

	/* FIFO on, trigger level 4 (FCR[7:6] = 01). */
	uart_write(sc, REG_FCR, FCR_ENABLE | 0x40);
	uart_write(sc, REG_MCR, MCR_LOOPBACK);
	uart_write(sc, REG_IER, IER_ERXRDY | IER_ETXRDY | IER_ERLS |
	    IER_EMSC);
	/* THRE armed by the IER write, MSR deltas from loopback entry. */
	assert_int_equal(uart_read(sc, REG_IIR), 0xc2);
	/* One byte, below the trigger: character timeout outranks THRE. */
	uart_write(sc, REG_DATA, '1');
	assert_int_equal(uart_read(sc, REG_IIR), 0xcc);
	for (int i = 0; i < 3; i++)
		uart_write(sc, REG_DATA, '2' + i);
	assert_int_equal(uart_read(sc, REG_IIR), 0xc4);	/* at trigger */
	/* Overrun: line status is the highest priority. */
	for (int i = 0; i < 13; i++)
		uart_write(sc, REG_DATA, 'x');
	assert_int_equal(uart_read(sc, REG_IIR), 0xc6);
	assert_int_equal(uart_read(sc, REG_LSR), 0x63);
	assert_int_equal(uart_read(sc, REG_IIR), 0xc4);
	for (int i = 0; i < UART_FIFOSZ; i++)
		(void)uart_read(sc, REG_DATA);
	/* Data gone: the THRE from the last THR write. */
	assert_int_equal(uart_read(sc, REG_IIR), 0xc2);
	/* Then the modem-status change of entering loopback (all lines
	 * dropped: DCTS, DDSR, DDCD). */
	assert_int_equal(uart_read(sc, REG_IIR), 0xc0);
	assert_int_equal(intr_level, 1);
	assert_int_equal(uart_read(sc, REG_MSR), 0x0b);
	assert_int_equal(uart_read(sc, REG_IIR), 0xc1);
	assert_int_equal(intr_level, 0);
}

static void
test_msr_loopback(void **state)
{
	struct uart_softc *sc = *state;

	/* Outputs looped to inputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	uart_write(sc, REG_MCR, MCR_LOOPBACK | MCR_DTR | MCR_RTS | MCR_OUT1 |
	    MCR_OUT2);
	/* DCD/DSR/CTS were already high; RI rising is not a delta. */
	assert_int_equal(uart_read(sc, REG_MSR), 0xf0);
	uart_write(sc, REG_MCR, MCR_LOOPBACK | MCR_DTR | MCR_RTS | MCR_OUT2);
	assert_int_equal(uart_read(sc, REG_MSR), 0xb4);	/* TERI */
	assert_int_equal(uart_read(sc, REG_MSR), 0xb0);
	uart_write(sc, REG_MCR, MCR_LOOPBACK | MCR_RTS);
	assert_int_equal(uart_read(sc, REG_MSR), 0x1a);	/* CTS, DDSR DDCD */
	uart_write(sc, REG_MCR, 0);
	assert_int_equal(uart_read(sc, REG_MSR), 0xba);
	assert_int_equal(uart_read(sc, REG_MSR), 0xb0);
}

static void
test_legacy_alloc(void **state)
{
	int io, irq;

	assert_int_equal(uart_legacy_alloc(0, &io, &irq), 0);
	assert_int_equal(io, 0x3f8);
	assert_int_equal(irq, 4);
	assert_int_equal(uart_legacy_alloc(1, &io, &irq), 0);
	assert_int_equal(io, 0x2f8);
	assert_int_equal(irq, 3);
	assert_int_equal(uart_legacy_alloc(2, &io, &irq), 0);
	assert_int_equal(io, 0x3e8);
	assert_int_equal(irq, 4);
	assert_int_equal(uart_legacy_alloc(3, &io, &irq), 0);
	assert_int_equal(io, 0x2e8);
	assert_int_equal(irq, 3);
	assert_int_equal(uart_legacy_alloc(4, &io, &irq), -1);
	assert_int_equal(uart_legacy_alloc(-1, &io, &irq), -1);
}

static void
test_file_backend(void **state)
{
	struct uart_softc *sc = *state;
	char path[] = "/tmp/lhyve-uart-XXXXXX", buf[64];
	const char *msg = "hello, world\r\n\x00\xff";
	ssize_t n;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "old contents", 12), 12);
	close(fd);
	assert_int_equal(uart_set_backend(sc, path), 0);
	for (int i = 0; i < 16; i++)
		uart_write(sc, REG_DATA, msg[i]);
	/* Loopback output stays inside the UART. */
	uart_write(sc, REG_MCR, MCR_LOOPBACK);
	uart_write(sc, REG_DATA, 'L');
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	unlink(path);
	assert_int_equal(n, 16);
	assert_memory_equal(buf, msg, 16);
}

static void
test_bad_backends(void **state)
{
	struct uart_softc *sc = *state;

	assert_int_equal(uart_set_backend(sc, ""), -1);
	assert_int_equal(uart_set_backend(sc, "/nonexistent-dir/x/y"), -1);
	assert_int_equal(uart_set_backend(sc, "tcp=nonsense"), -1);
	assert_int_equal(uart_set_backend(sc, "tcp=127.0.0.1:"), -1);
	assert_int_equal(uart_set_backend(sc, "tcp=[::1"), -1);
	assert_int_equal(uart_set_backend(sc, NULL), 0);	/* none */
}

/* Wait (bounded, only to catch hangs) until the UART has data. */
static bool
wait_rx(struct uart_softc *sc)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < 5000; i++) {
		uart_rx_ready(sc);
		if (uart_read(sc, REG_LSR) & LSR_RXRDY)
			return (true);
		nanosleep(&ts, NULL);
	}
	return (false);
}

static void
test_pty_backend(void **state)
{
	struct uart_softc *sc = *state;
	struct pollfd pfd;
	char buf[32];
	int master;
	ssize_t n;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
		skip();
	assert_int_equal(uart_set_backend(sc, ptsname(master)), 0);

	/* Guest output reaches the other side byte for byte (raw mode). */
	uart_write(sc, REG_DATA, 'o');
	uart_write(sc, REG_DATA, 'k');
	uart_write(sc, REG_DATA, '\n');
	pfd.fd = master;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	n = read(master, buf, sizeof(buf));
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "ok\n", 3);

	/* Input: 20 bytes, more than the FIFO holds, none lost. */
	uart_write(sc, REG_FCR, FCR_ENABLE);
	uart_write(sc, REG_IER, IER_ERXRDY);
	assert_int_equal(write(master, "abcdefghijklmnopqrst", 20), 20);
	assert_true(wait_rx(sc));
	assert_int_equal(intr_level, 1);
	for (int i = 0; i < 20; i++) {
		if (!(uart_read(sc, REG_LSR) & LSR_RXRDY))
			assert_true(wait_rx(sc));
		assert_int_equal(uart_read(sc, REG_DATA), 'a' + i);
	}
	assert_int_equal(uart_read(sc, REG_LSR) & LSR_OE, 0);
	uart_deinit(sc);
	*state = uart_init(intr_assert, intr_deassert, &intr_level);
	close(master);
}

static void *
dispatch_thread(void *arg)
{
	mevent_dispatch();
	return (NULL);
}

static int
tcp_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(port) };
	int s;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(connect(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return (s);
}

/* Guest output reaches the client once the event loop has accepted it. */
static void
wait_connected(struct uart_softc *sc, int c)
{
	struct pollfd pfd = { .fd = c, .events = POLLIN };
	char buf[64];

	for (int i = 0; i < 500; i++) {
		uart_write(sc, REG_DATA, '.');
		if (poll(&pfd, 1, 10) == 1)
			break;
	}
	assert_int_equal(poll(&pfd, 1, 0), 1);
	/* Drain the dots. */
	while (poll(&pfd, 1, 50) == 1 && read(c, buf, sizeof(buf)) > 0)
		;
}

static void
test_tcp_backend(void **state)
{
	struct uart_softc *sc = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct pollfd pfd;
	pthread_t tid;
	char spec[64], buf[16];
	int s, c1, c2, port;

	/* A free port: bind to 0 and see what the kernel picked. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(s);

	assert_int_equal(mevent_init(), 0);
	snprintf(spec, sizeof(spec), "tcp=127.0.0.1:%d", port);
	assert_int_equal(uart_set_backend(sc, spec), 0);
	assert_int_equal(pthread_create(&tid, NULL, dispatch_thread, NULL),
	    0);

	c1 = tcp_connect(port);
	wait_connected(sc, c1);
	uart_write(sc, REG_DATA, 'h');
	uart_write(sc, REG_DATA, 'i');
	pfd.fd = c1;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(c1, buf, 2), 2);
	assert_memory_equal(buf, "hi", 2);

	/* Input from the client lands in the receive FIFO. */
	assert_int_equal(write(c1, "abc", 3), 3);
	assert_true(wait_rx(sc));
	assert_int_equal(uart_read(sc, REG_DATA), 'a');
	if (!(uart_read(sc, REG_LSR) & LSR_RXRDY))
		assert_true(wait_rx(sc));
	assert_int_equal(uart_read(sc, REG_DATA), 'b');
	if (!(uart_read(sc, REG_LSR) & LSR_RXRDY))
		assert_true(wait_rx(sc));
	assert_int_equal(uart_read(sc, REG_DATA), 'c');

	/* One client at a time: a second one is hung up on. */
	c2 = tcp_connect(port);
	pfd.fd = c2;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(c2, buf, sizeof(buf)), 0);
	close(c2);

	/* When the first leaves, the next one is taken. */
	close(c1);
	c2 = -1;
	for (int i = 0; i < 100 && c2 < 0; i++) {
		int c = tcp_connect(port);

		pfd.fd = c;
		uart_write(sc, REG_DATA, '+');
		if (poll(&pfd, 1, 50) == 1 && read(c, buf, 1) == 1 &&
		    buf[0] == '+')
			c2 = c;
		else
			close(c);
	}
	assert_true(c2 >= 0);
	close(c2);

	uart_deinit(sc);
	*state = uart_init(intr_assert, intr_deassert, &intr_level);
	mevent_exit();
	pthread_join(tid, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_values, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dlab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scr_and_mcr_mask, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_thre_interrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_loopback_16450, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fifo_overrun, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_iir_priorities, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_msr_loopback, setup,
		    teardown),
		cmocka_unit_test(test_legacy_alloc),
		cmocka_unit_test_setup_teardown(test_file_backend, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_backends, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pty_backend, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tcp_backend, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
