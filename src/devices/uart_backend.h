/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uart_backend.h: where a UART's bytes go and come from: stdin/stdout,
 * a tty or file path, or one TCP client.  Knows nothing of 16550
 * registers; the core (uart_emul.c) pulls input when told it is ready.
 */
#ifndef LHYVE_UART_BACKEND_H
#define LHYVE_UART_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct uart_backend;

/*
 * Open a backend from its option string.  rx_ready(arg) is called on the
 * event-loop thread when input may be available.  NULL after printing
 * why.
 */
struct uart_backend *uart_backend_open(const char *opts,
    void (*rx_ready)(void *), void *arg);
void uart_backend_close(struct uart_backend *be);
/* One input byte, or -1 if none is waiting (never blocks). */
int uart_backend_getc(struct uart_backend *be);
/* Output one byte.  stdout never drops; a tty or socket that is full may. */
void uart_backend_putc(struct uart_backend *be, uint8_t c);
/* Stop / restart input notifications (the receive FIFO is full / not). */
void uart_backend_rx_enable(struct uart_backend *be, bool on);
/*
 * True when input can't be watched by the event loop (a regular file or
 * /dev/null, always readable): the UART pulls it when the guest looks.
 */
bool uart_backend_is_pull(struct uart_backend *be);
/* Give every terminal put in raw mode its settings back (before exec). */
void uart_backend_restore_ttys(void);

#endif /* LHYVE_UART_BACKEND_H */
