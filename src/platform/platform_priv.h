/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform_priv.h: what the table builders in src/platform/ share: a
 * bounded bump allocator over the caller's buffer and checksum helpers.
 */
#ifndef LHYVE_PLATFORM_PRIV_H
#define LHYVE_PLATFORM_PRIV_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "platform/platform.h"

#define __packed_struct	__attribute__((packed))

/* The caller's buffer, standing for guest-physical [gpa, gpa + len). */
struct pbuf {
	uint8_t *buf;
	size_t len;
	size_t off;		/* first free byte */
	uint64_t gpa;
};

/*
 * Reserve n zeroed bytes aligned to 'align' (a power of two, in guest
 * physical terms).  Returns the host pointer and sets *gpa, or NULL if
 * the buffer is too small: nothing is ever written past len.
 */
static inline void *
pb_alloc(struct pbuf *pb, size_t n, size_t align, uint64_t *gpa)
{
	uint64_t at;
	size_t off;

	at = (pb->gpa + pb->off + align - 1) & ~((uint64_t)align - 1);
	off = (size_t)(at - pb->gpa);
	if (off > pb->len || n > pb->len - off)
		return (NULL);
	pb->off = off + n;
	memset(pb->buf + off, 0, n);
	if (gpa != NULL)
		*gpa = at;
	return (pb->buf + off);
}

/* The byte that makes the 8-bit sum of p[0..n) zero, given p's sum. */
static inline uint8_t
platform_cksum(const void *p, size_t n)
{
	const uint8_t *b;
	uint8_t sum;

	sum = 0;
	for (b = p; n > 0; n--)
		sum += *b++;
	return ((uint8_t)(0x100 - sum));
}

static inline void
platform_strpad(void *dst, const char *src, size_t n)
{
	size_t l;

	l = strlen(src);
	if (l > n)
		l = n;
	memset(dst, ' ', n);
	memcpy(dst, src, l);
}

int platform_acpi_build(struct pbuf *pb, const struct platform_desc *d,
    struct platform_addrs *out);
int platform_mptable_build(struct pbuf *pb, const struct platform_desc *d,
    struct platform_addrs *out);
int platform_smbios_build(struct pbuf *pb, const struct platform_desc *d,
    struct platform_addrs *out);

/* RFC 1321 MD5 (md5.c), for the SMBIOS UUID bhyve derives from the name. */
void platform_md5(const void *data, size_t len, uint8_t digest[16]);

#endif /* LHYVE_PLATFORM_PRIV_H */
