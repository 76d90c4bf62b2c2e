/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uart_emul.h: the 16550A UART core (bhyve's uart_emul.c), bus-free.  A bus
 * front end (pci_lpc.c for COM1-4) maps its eight registers and passes
 * interrupt callbacks; a tty backend (uart_backend.h) carries the bytes.
 */
#ifndef LHYVE_UART_EMUL_H
#define LHYVE_UART_EMUL_H

#include <stdbool.h>
#include <stdint.h>

#define UART_IO_BAR_SIZE	8
#define UART_FIFOSZ		16

/* Register offsets (NS16550A data sheet, table 2) */
#define REG_DATA	0	/* RBR (read) / THR (write); DLL with DLAB */
#define REG_IER		1	/* DLM with DLAB */
#define REG_IIR		2	/* read */
#define REG_FCR		2	/* write */
#define REG_LCR		3
#define REG_MCR		4
#define REG_LSR		5
#define REG_MSR		6
#define REG_SCR		7
#define REG_DLL		REG_DATA
#define REG_DLH		REG_IER

#define IER_ERXRDY	0x01	/* received data available */
#define IER_ETXRDY	0x02	/* THR empty */
#define IER_ERLS	0x04	/* receiver line status */
#define IER_EMSC	0x08	/* modem status */

#define IIR_NOPEND	0x01
#define IIR_MLSC	0x00	/* modem status (lowest priority) */
#define IIR_TXRDY	0x02
#define IIR_RXRDY	0x04	/* receive FIFO at its trigger level */
#define IIR_RLS		0x06	/* line status (highest priority) */
#define IIR_RXTOUT	0x0c	/* character timeout: data below trigger */
#define IIR_FIFO_MASK	0xc0	/* both set when the FIFOs are enabled */

#define FCR_ENABLE	0x01
#define FCR_RCV_RST	0x02
#define FCR_XMT_RST	0x04
#define FCR_DMA		0x08
#define FCR_RX_MASK	0xc0

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOPBACK	0x10

#define LSR_RXRDY	0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_DELTA_MASK	0x0f
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

struct uart_softc;

/* Raise / lower the UART's interrupt output (called with the UART locked). */
typedef void (*uart_intr_func_t)(void *arg);

struct uart_softc *uart_init(uart_intr_func_t intr_assert,
    uart_intr_func_t intr_deassert, void *arg);
void uart_deinit(struct uart_softc *sc);

/*
 * Attach a tty backend: "stdio", "tcp=ip:port", or a path (a tty/pty
 * opened read-write, or a regular file written from the start).  NULL:
 * no backend (output dropped, no input).  0, or -1 after printing why.
 */
int uart_set_backend(struct uart_softc *sc, const char *opts);

/* Guest register access; offset 0..7.  Any thread. */
uint8_t uart_read(struct uart_softc *sc, int offset);
void uart_write(struct uart_softc *sc, int offset, uint8_t value);

/* The backend's seam: input may be waiting; pull what the FIFO takes. */
void uart_rx_ready(void *sc);

/* COM1..COM4 resources: 0x3F8/IRQ4, 0x2F8/IRQ3, 0x3E8/IRQ4, 0x2E8/IRQ3. */
int uart_legacy_alloc(int unit, int *ioaddr, int *irq);

#endif /* LHYVE_UART_EMUL_H */
