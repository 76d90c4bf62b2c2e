/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uart.S: multiboot guest that probes COM1 the way an OS driver does (PC16550D
 * data sheet; Linux's 8250 autoconfig): scratch register, IER, divisor
 * latch, LCR, FIFO enable seen in IIR, and loopback mode (MCR bit 4: what is
 * written to THR comes back in RBR, and MSR mirrors MCR's outputs).
 */
#include "guest.h"

#define UART_RBR	(COM1 + 0)
#define UART_IER	(COM1 + 1)
#define UART_IIR	(COM1 + 2)
#define UART_FCR	(COM1 + 2)
#define UART_LCR	(COM1 + 3)
#define UART_MCR	(COM1 + 4)
#define UART_LSR	(COM1 + 5)
#define UART_MSR	(COM1 + 6)
#define UART_SCR	(COM1 + 7)

/* PORT_WRITE port, value (gas macro names ignore case: not OUTB) */
.macro PORT_WRITE port, value
	movw	$\port, %dx
	movb	$\value, %al
	outb	%al, %dx
.endm
/* PORT_EXPECT port, mask, value, n: (inb(port) & mask) == value, else fail */
.macro PORT_EXPECT port, mask, value, n
	movw	$\port, %dx
	inb	%dx, %al
	andb	$\mask, %al
	cmpb	$\value, %al
	je	9999f
	FAIL32	\n
9999:
.endm

	MULTIBOOT_HEADER 0

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	PUTS32	"uart: probing COM1\n"

	PORT_WRITE	UART_SCR, 0x5a
	PORT_EXPECT UART_SCR, 0xff, 0x5a, 1
	PORT_WRITE	UART_SCR, 0xa5
	PORT_EXPECT UART_SCR, 0xff, 0xa5, 2
	PUTS32	"scratch register ok\n"

	/* IER keeps its low four bits. */
	PORT_WRITE	UART_IER, 0x0f
	PORT_EXPECT UART_IER, 0x0f, 0x0f, 3
	PORT_WRITE	UART_IER, 0x00
	PORT_EXPECT UART_IER, 0xff, 0x00, 4
	/* Nothing pending: IIR bit 0 set. */
	PORT_EXPECT UART_IIR, 0x0f, 0x01, 5
	PUTS32	"IER and IIR ok\n"

	/* Divisor latch: 12 = 9600 baud, then 8N1. */
	PORT_WRITE	UART_LCR, 0x80
	PORT_WRITE	COM1 + 0, 0x0c
	PORT_WRITE	COM1 + 1, 0x00
	PORT_EXPECT COM1 + 0, 0xff, 0x0c, 6
	PORT_EXPECT COM1 + 1, 0xff, 0x00, 7
	PORT_EXPECT UART_LCR, 0xff, 0x80, 8
	PORT_WRITE	UART_LCR, 0x03
	PORT_EXPECT UART_LCR, 0xff, 0x03, 9
	/* DLAB off again: offset 1 is IER, still 0. */
	PORT_EXPECT UART_IER, 0xff, 0x00, 10
	PUTS32	"divisor latch and LCR ok\n"

	/* FIFOs on (and cleared): IIR bits 7:6 say so. */
	PORT_WRITE	UART_FCR, 0x07
	PORT_EXPECT UART_IIR, 0xc0, 0xc0, 11
	PUTS32	"FIFO enable seen in IIR ok\n"

	/* Loopback: TX comes back as RX; MSR mirrors DTR/RTS/OUT1/OUT2. */
	PORT_WRITE	UART_MCR, 0x1f
	PORT_EXPECT UART_MSR, 0xf0, 0xf0, 12
	PORT_WRITE	UART_MCR, 0x10
	PORT_EXPECT UART_MSR, 0xf0, 0x00, 13
	PORT_EXPECT UART_LSR, 0x01, 0x00, 14
	PORT_WRITE	UART_RBR, 'Z'
	movl	$1000000, %ecx		/* a bound, not a delay: DR is immediate */
1:	movw	$UART_LSR, %dx
	inb	%dx, %al
	testb	$LSR_DR, %al
	jnz	2f
	loop	1b
	FAIL32	15
2:	PORT_EXPECT UART_RBR, 0xff, 'Z', 16
	PORT_EXPECT UART_LSR, 0x01, 0x00, 17
	PORT_WRITE	UART_MCR, 0x03
	PUTS32	"loopback ok\n"

	/* Idle transmitter: THRE and TEMT. */
	PORT_EXPECT UART_LSR, 0x60, 0x60, 18
	PUTS32	"ok\n"
	xorl	%eax, %eax
	jmp	exit32

	LIB32

	.bss
	.balign	16
	.skip	4096
stack_top:
