/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gdb_proto.c: the GDB remote serial protocol's packet layer: checksums,
 * framing, binary escaping, run-length encoding and the receive state
 * machine (GDB manual, "Remote Protocol" > "Overview" and "Binary Data").
 */
#include <string.h>

#include "debug/gdb_proto.h"

static const char hexdig[] = "0123456789abcdef";

uint8_t
gdb_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return (sum);
}

static bool
needs_escape(uint8_t c)
{
	return (c == '#' || c == '$' || c == '}' || c == '*');
}

/* One byte, escaped if asked; false if it does not fit. */
static bool
put(char *out, size_t outlen, size_t *n, uint8_t c, int flags)
{
	if ((flags & GDB_ESC) && needs_escape(c)) {
		if (*n + 2 > outlen)
			return (false);
		out[(*n)++] = '}';
		out[(*n)++] = (char)(c ^ 0x20);
		return (true);
	}
	if (*n + 1 > outlen)
		return (false);
	out[(*n)++] = (char)c;
	return (true);
}

size_t
gdb_frame(char *out, size_t outlen, const void *payload, size_t len,
    int flags)
{
	const uint8_t *p = payload;
	size_t n = 0, i = 0, start;
	uint8_t sum;

	if (outlen < 4)
		return (0);
	out[n++] = '$';
	start = n;
	while (i < len) {
		uint8_t c = p[i];
		size_t run = 1;

		if (!put(out, outlen, &n, c, flags))
			return (0);
		i++;
		/*
		 * Run-length encoding ("Overview": "X*n" repeats X n - 29
		 * more times).  Worth it from 3 further repeats on; counts
		 * of 6 and 7 would be '#' and '$', so they are sent as 5;
		 * the count must stay printable (n + 29 <= 126).  Bytes that
		 * need escaping are never run-length encoded: '*' after an
		 * escape pair would be ambiguous.
		 */
		if (!(flags & GDB_RLE) || ((flags & GDB_ESC) &&
		    needs_escape(c)))
			continue;
		while (i + run - 1 < len && p[i + run - 1] == c && run <= 97)
			run++;
		run--;			/* further repeats available */
		if (run < 3)
			continue;
		if (run == 6 || run == 7)
			run = 5;
		if (n + 2 > outlen)
			return (0);
		out[n++] = '*';
		out[n++] = (char)(run + 29);
		i += run;
	}
	sum = gdb_checksum(out + start, n - start);
	if (n + 3 > outlen)
		return (0);
	out[n++] = '#';
	out[n++] = hexdig[sum >> 4];
	out[n++] = hexdig[sum & 0xf];
	if (n < outlen)
		out[n] = '\0';
	return (n);
}

long
gdb_decode(uint8_t *buf, size_t len)
{
	uint8_t tmp[GDB_PKT_MAX];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (c == '}') {
			if (i + 1 >= len || n >= sizeof(tmp))
				return (-1);
			tmp[n++] = buf[++i] ^ 0x20;
		} else if (c == '*') {
			int rep;

			if (n == 0 || i + 1 >= len)
				return (-1);
			rep = buf[++i] - 29;
			if (rep < 0 || n + rep > sizeof(tmp))
				return (-1);
			memset(tmp + n, tmp[n - 1], rep);
			n += rep;
		} else {
			if (n >= sizeof(tmp))
				return (-1);
			tmp[n++] = c;
		}
	}
	memcpy(buf, tmp, n);
	return ((long)n);
}

enum { RX_IDLE, RX_DATA, RX_ESC, RX_CS1, RX_CS2 };

void
gdb_rx_init(struct gdb_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->state = RX_IDLE;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

enum gdb_rx_event
gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
	int v;

	switch (rx->state) {
	case RX_IDLE:
		if (c == '$') {
			rx->state = RX_DATA;
			rx->len = 0;
			rx->sum = 0;
			return (GDB_RX_NONE);
		}
		if (c == '+')
			return (GDB_RX_ACK);
		if (c == '-')
			return (GDB_RX_NAK);
		if (c == 0x03)
			return (GDB_RX_INTR);
		return (GDB_RX_NONE);	/* noise between packets */
	case RX_DATA:
	case RX_ESC:
		if (c == '#' && rx->state == RX_DATA) {
			rx->state = RX_CS1;
			return (GDB_RX_NONE);
		}
		/*
		 * The payload is kept as sent (escapes and all): the
		 * checksum covers it that way, and only binary packets
		 * (X) are decoded, by their handler (gdb_decode).  A '#'
		 * right after '}' is data.
		 */
		rx->state = c == '}' && rx->state == RX_DATA ? RX_ESC :
		    RX_DATA;
		rx->sum += c;
		if (rx->len >= GDB_PKT_MAX) {
			rx->state = RX_IDLE;
			return (GDB_RX_OVERFLOW);
		}
		rx->buf[rx->len++] = c;
		return (GDB_RX_NONE);
	case RX_CS1:
		v = hexval(c);
		rx->want = (uint8_t)((v < 0 ? 0 : v) << 4);
		rx->state = v < 0 ? RX_IDLE : RX_CS2;
		return (v < 0 ? GDB_RX_BADSUM : GDB_RX_NONE);
	case RX_CS2:
		rx->state = RX_IDLE;
		v = hexval(c);
		if (v < 0 || (uint8_t)(rx->want | v) != rx->sum)
			return (GDB_RX_BADSUM);
		rx->buf[rx->len] = '\0';
		return (GDB_RX_PACKET);
	}
	rx->state = RX_IDLE;
	return (GDB_RX_NONE);
}

void
gdb_hex_encode(char *out, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hexdig[p[i] >> 4];
		out[2 * i + 1] = hexdig[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int
gdb_hex_decode(void *out, const char *hex, size_t len)
{
	uint8_t *p = out;

	for (size_t i = 0; i < len; i++) {
		int hi = hexval(hex[2 * i]), lo;

		if (hi < 0)
			return (-1);
		lo = hexval(hex[2 * i + 1]);
		if (lo < 0)
			return (-1);
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
}

int
gdb_parse_hex(const char *s, uint64_t *val, const char **end)
{
	uint64_t v = 0;
	int n = 0, d;

	while ((d = hexval((uint8_t)s[n])) >= 0) {
		if (n >= 16)
			return (-1);
		v = v << 4 | (uint64_t)d;
		n++;
	}
	if (n == 0)
		return (-1);
	*val = v;
	if (end != NULL)
		*end = s + n;
	return (0);
}
