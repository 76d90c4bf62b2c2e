/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gdb_proto.h: the GDB remote serial protocol's packet layer (gdb_proto.c),
 * free of sockets and vCPUs so unit tests can drive it: framing
 * ($payload#cs), checksums, binary escaping, run-length encoding, hex.
 * GDB manual, "Remote Protocol" > "Overview".
 */
#ifndef LHYVE_GDB_PROTO_H
#define LHYVE_GDB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest packet payload we take and send (qSupported PacketSize). */
#define GDB_PKT_MAX	4096

/* The modulo-256 sum of the payload bytes as sent. */
uint8_t gdb_checksum(const void *data, size_t len);

/*
 * Frame a reply: "$" payload "#" two hex digits.  With GDB_ESC, '#', '$',
 * '}' and '*' are sent as '}' followed by the byte XOR 0x20 (binary data:
 * qXfer, X); with GDB_RLE, runs of a byte are compressed as byte '*' n,
 * n + 29 being the count of further repeats (never '#' or '$').  Returns
 * the framed length, or 0 if out (outlen bytes) is too small.
 */
#define GDB_ESC	0x1
#define GDB_RLE	0x2
size_t gdb_frame(char *out, size_t outlen, const void *payload, size_t len,
    int flags);

/*
 * Undo escaping and run-length encoding in place; returns the new length,
 * or -1 for a malformed payload (an escape or '*' at the wrong place).
 */
long gdb_decode(uint8_t *buf, size_t len);

/* Receiving: feed bytes one at a time. */
enum gdb_rx_event {
	GDB_RX_NONE,		/* nothing complete yet */
	GDB_RX_PACKET,		/* rx->buf[0 .. rx->len) holds a good packet */
	GDB_RX_BADSUM,		/* a packet with a bad checksum (NAK it) */
	GDB_RX_ACK,		/* '+' */
	GDB_RX_NAK,		/* '-': send the last packet again */
	GDB_RX_INTR,		/* 0x03 outside a packet: Ctrl-C */
	GDB_RX_OVERFLOW,	/* a packet longer than GDB_PKT_MAX */
};

struct gdb_rx {
	int state;
	size_t len;
	uint8_t sum;		/* running checksum */
	uint8_t want;		/* the checksum sent */
	uint8_t buf[GDB_PKT_MAX + 1];	/* NUL-terminated payload */
};

void gdb_rx_init(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c);

/* Hex: lower-case digits, two per byte, byte order as in memory. */
void gdb_hex_encode(char *out, const void *data, size_t len);
/* Decode 2 * len hex digits; -1 on a bad digit. */
int gdb_hex_decode(void *out, const char *hex, size_t len);
/* A hex number up to a non-hex character; *end after it.  -1 if none. */
int gdb_parse_hex(const char *s, uint64_t *val, const char **end);

#endif /* LHYVE_GDB_PROTO_H */
