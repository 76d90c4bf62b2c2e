/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uart_emul.c: the NS16550A register model (bhyve's uart_emul.c): divisor
 * latch, FIFO control, a 16-byte receive FIFO, line and modem status,
 * loopback, and the interrupt identification priorities.  Transmission is
 * instantaneous, so THR and the transmitter are always empty.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "devices/uart_backend.h"
#include "devices/uart_emul.h"

/* A 1.8432 MHz clock at 115200 baud: divisor 1 (the reset value we show). */
#define DEFAULT_RCLK	1843200
#define DEFAULT_BAUD	115200

struct fifo {
	uint8_t buf[UART_FIFOSZ];
	int rindex;
	int num;
	int size;	/* 16 with FIFOs on, 1 in 16450 mode */
};

struct uart_softc {
	pthread_mutex_t mtx;	/* guards everything below */
	struct uart_backend *be;
	uint8_t rbr;		/* last byte read: an empty RBR repeats it */
	uint8_t ier, lcr, mcr, lsr, msr, fcr, scr;
	uint8_t dll, dlh;
	struct fifo rxfifo;
	bool thre_int_pending;
	bool rx_paused;		/* backend notifications off: FIFO full */
	void *arg;
	uart_intr_func_t intr_assert, intr_deassert;
};

static const struct {
	int ioaddr, irq;
} uart_legacy[] = {
	{ 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
};

int
uart_legacy_alloc(int unit, int *ioaddr, int *irq)
{
	if (unit < 0 || unit >= (int)(sizeof(uart_legacy) /
	    sizeof(uart_legacy[0])))
		return (-1);
	*ioaddr = uart_legacy[unit].ioaddr;
	*irq = uart_legacy[unit].irq;
	return (0);
}

static void
rxfifo_reset(struct uart_softc *sc, int size)
{
	sc->rxfifo.rindex = 0;
	sc->rxfifo.num = 0;
	sc->rxfifo.size = size;
}

static int
rxfifo_available(const struct uart_softc *sc)
{
	return (sc->rxfifo.size - sc->rxfifo.num);
}

static int
rxfifo_putchar(struct uart_softc *sc, uint8_t c)
{
	struct fifo *f = &sc->rxfifo;

	if (f->num >= f->size)
		return (-1);
	f->buf[(f->rindex + f->num) % UART_FIFOSZ] = c;
	f->num++;
	return (0);
}

static int
rxfifo_getchar(struct uart_softc *sc)
{
	struct fifo *f = &sc->rxfifo;
	uint8_t c;

	if (f->num == 0)
		return (-1);
	c = f->buf[f->rindex];
	f->rindex = (f->rindex + 1) % UART_FIFOSZ;
	f->num--;
	return (c);
}

/* Receive trigger level from FCR[7:6] (16550A data sheet, FCR). */
static int
rx_trigger(const struct uart_softc *sc)
{
	static const int level[4] = { 1, 4, 8, 14 };

	return (level[(sc->fcr & FCR_RX_MASK) >> 6]);
}

/*
 * MSR inputs.  In loopback the outputs feed back (RTS->CTS, DTR->DSR,
 * OUT1->RI, OUT2->DCD); otherwise a cable is always "connected" so that a
 * guest opening the port without CLOCAL does not wait for carrier.
 */
static uint8_t
modem_status(uint8_t mcr)
{
	uint8_t msr = 0;

	if (mcr & MCR_LOOPBACK) {
		if (mcr & MCR_RTS)
			msr |= MSR_CTS;
		if (mcr & MCR_DTR)
			msr |= MSR_DSR;
		if (mcr & MCR_OUT1)
			msr |= MSR_RI;
		if (mcr & MCR_OUT2)
			msr |= MSR_DCD;
	} else {
		msr = MSR_DCD | MSR_DSR | MSR_CTS;
	}
	return (msr);
}

/* The highest-priority pending cause (data sheet, IIR table). */
static uint8_t
uart_intr_reason(const struct uart_softc *sc)
{
	if ((sc->lsr & LSR_OE) && (sc->ier & IER_ERLS))
		return (IIR_RLS);
	if (sc->rxfifo.num > 0 && (sc->ier & IER_ERXRDY)) {
		if ((sc->fcr & FCR_ENABLE) == 0 ||
		    sc->rxfifo.num >= rx_trigger(sc))
			return (IIR_RXRDY);
		/*
		 * Below the trigger level the real part raises a timeout
		 * after four character times; nothing else will arrive
		 * sooner here, so raise it at once.
		 */
		return (IIR_RXTOUT);
	}
	if (sc->thre_int_pending && (sc->ier & IER_ETXRDY))
		return (IIR_TXRDY);
	if ((sc->msr & MSR_DELTA_MASK) && (sc->ier & IER_EMSC))
		return (IIR_MLSC);
	return (IIR_NOPEND);
}

static void
uart_toggle_intr(struct uart_softc *sc)
{
	if (uart_intr_reason(sc) == IIR_NOPEND) {
		if (sc->intr_deassert != NULL)
			sc->intr_deassert(sc->arg);
	} else if (sc->intr_assert != NULL) {
		sc->intr_assert(sc->arg);
	}
}

static void
uart_reset(struct uart_softc *sc)
{
	int divisor = DEFAULT_RCLK / DEFAULT_BAUD / 16;

	sc->dll = divisor;
	sc->dlh = divisor >> 8;
	sc->ier = sc->lcr = sc->mcr = sc->fcr = sc->scr = 0;
	sc->lsr = LSR_THRE | LSR_TEMT;
	sc->msr = modem_status(sc->mcr);
	sc->thre_int_pending = false;
	rxfifo_reset(sc, 1);
}

struct uart_softc *
uart_init(uart_intr_func_t intr_assert, uart_intr_func_t intr_deassert,
    void *arg)
{
	struct uart_softc *sc;

	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (NULL);
	pthread_mutex_init(&sc->mtx, NULL);
	sc->intr_assert = intr_assert;
	sc->intr_deassert = intr_deassert;
	sc->arg = arg;
	uart_reset(sc);
	return (sc);
}

void
uart_deinit(struct uart_softc *sc)
{
	if (sc == NULL)
		return;
	if (sc->be != NULL)
		uart_backend_close(sc->be);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
}

int
uart_set_backend(struct uart_softc *sc, const char *opts)
{
	struct uart_backend *be;

	if (opts == NULL)
		return (0);
	be = uart_backend_open(opts, uart_rx_ready, sc);
	if (be == NULL)
		return (-1);
	pthread_mutex_lock(&sc->mtx);
	sc->be = be;
	pthread_mutex_unlock(&sc->mtx);
	return (0);
}

/* Pull backend input into the FIFO; pause the backend when it is full. */
static void
uart_drain(struct uart_softc *sc)
{
	int c;

	if (sc->be == NULL)
		return;
	if (sc->mcr & MCR_LOOPBACK) {
		/* The serial input pin is cut off in loopback: discard. */
		while (uart_backend_getc(sc->be) != -1)
			;
		return;
	}
	while (rxfifo_available(sc) > 0 &&
	    (c = uart_backend_getc(sc->be)) != -1)
		rxfifo_putchar(sc, c);
	if (rxfifo_available(sc) == 0 && !sc->rx_paused) {
		sc->rx_paused = true;
		uart_backend_rx_enable(sc->be, false);
	}
}

void
uart_rx_ready(void *arg)
{
	struct uart_softc *sc = arg;

	pthread_mutex_lock(&sc->mtx);
	uart_drain(sc);
	uart_toggle_intr(sc);
	pthread_mutex_unlock(&sc->mtx);
}

void
uart_write(struct uart_softc *sc, int offset, uint8_t value)
{
	uint8_t msr;

	pthread_mutex_lock(&sc->mtx);
	if ((sc->lcr & LCR_DLAB) && offset == REG_DLL) {
		sc->dll = value;
		goto done;
	}
	if ((sc->lcr & LCR_DLAB) && offset == REG_DLH) {
		sc->dlh = value;
		goto done;
	}
	switch (offset) {
	case REG_DATA:
		if (sc->mcr & MCR_LOOPBACK) {
			if (rxfifo_putchar(sc, value) != 0)
				sc->lsr |= LSR_OE;
		} else if (sc->be != NULL) {
			uart_backend_putc(sc->be, value);
		}
		/* Sent at once: the THR is empty again. */
		sc->thre_int_pending = true;
		break;
	case REG_IER:
		/*
		 * Enabling ETBEI with the THR empty raises THRE at once;
		 * Linux's 8250 driver relies on it (and probes for it).
		 */
		if ((value & IER_ETXRDY) && !(sc->ier & IER_ETXRDY))
			sc->thre_int_pending = true;
		sc->ier = value & 0x0f;
		break;
	case REG_FCR:
		/* Switching between 16450 and FIFO mode empties the FIFOs. */
		if ((sc->fcr ^ value) & FCR_ENABLE)
			rxfifo_reset(sc, (value & FCR_ENABLE) ?
			    UART_FIFOSZ : 1);
		/* The other bits only take effect with FCR[0] set. */
		if ((value & FCR_ENABLE) == 0) {
			sc->fcr = 0;
		} else {
			if (value & FCR_RCV_RST)
				rxfifo_reset(sc, UART_FIFOSZ);
			sc->fcr = value & (FCR_ENABLE | FCR_DMA | FCR_RX_MASK);
		}
		break;
	case REG_LCR:
		sc->lcr = value;
		break;
	case REG_MCR:
		sc->mcr = value & 0x1f;
		msr = modem_status(sc->mcr);
		/* Delta bits record input changes until MSR is read. */
		if ((sc->msr ^ msr) & MSR_CTS)
			msr |= MSR_DCTS;
		if ((sc->msr ^ msr) & MSR_DSR)
			msr |= MSR_DDSR;
		if ((sc->msr ^ msr) & MSR_DCD)
			msr |= MSR_DDCD;
		if ((sc->msr & MSR_RI) && !(msr & MSR_RI))
			msr |= MSR_TERI;
		sc->msr = msr | (sc->msr & MSR_DELTA_MASK);
		break;
	case REG_LSR:
	case REG_MSR:
		/* Factory test registers: writes do nothing. */
		break;
	case REG_SCR:
		sc->scr = value;
		break;
	default:
		break;
	}
done:
	uart_toggle_intr(sc);
	pthread_mutex_unlock(&sc->mtx);
}

uint8_t
uart_read(struct uart_softc *sc, int offset)
{
	uint8_t reg, reason;
	int c;

	pthread_mutex_lock(&sc->mtx);
	if ((sc->lcr & LCR_DLAB) && offset == REG_DLL) {
		reg = sc->dll;
		goto done;
	}
	if ((sc->lcr & LCR_DLAB) && offset == REG_DLH) {
		reg = sc->dlh;
		goto done;
	}
	switch (offset) {
	case REG_DATA:
		c = rxfifo_getchar(sc);
		if (c >= 0)
			sc->rbr = c;
		reg = sc->rbr;
		/* Room again: let the backend deliver more. */
		if (sc->rx_paused && rxfifo_available(sc) > 0) {
			sc->rx_paused = false;
			if (sc->be != NULL)
				uart_backend_rx_enable(sc->be, true);
			uart_drain(sc);
		}
		break;
	case REG_IER:
		reg = sc->ier;
		break;
	case REG_IIR:
		reason = uart_intr_reason(sc);
		/* Reading IIR is what acknowledges a THRE interrupt. */
		if (reason == IIR_TXRDY)
			sc->thre_int_pending = false;
		reg = reason | ((sc->fcr & FCR_ENABLE) ? IIR_FIFO_MASK : 0);
		break;
	case REG_LCR:
		reg = sc->lcr;
		break;
	case REG_MCR:
		reg = sc->mcr;
		break;
	case REG_LSR:
		/* Input from a file: pull it as the guest looks for it. */
		if (sc->rxfifo.num == 0 && sc->be != NULL &&
		    uart_backend_is_pull(sc->be))
			uart_drain(sc);
		reg = sc->lsr | (sc->rxfifo.num > 0 ? LSR_RXRDY : 0);
		/* Error bits clear when read. */
		sc->lsr &= ~LSR_OE;
		break;
	case REG_MSR:
		reg = sc->msr;
		sc->msr &= ~MSR_DELTA_MASK;
		break;
	case REG_SCR:
		reg = sc->scr;
		break;
	default:
		reg = 0xff;
		break;
	}
done:
	uart_toggle_intr(sc);
	pthread_mutex_unlock(&sc->mtx);
	return (reg);
}
