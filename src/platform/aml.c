/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aml.c: the AML byte-code encoder behind lhyve's DSDT (ACPI 6.4 §20.2,
 * "AML Grammar Definition", and §6.4, "Resource Data Types").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/aml.h"

/* Opcodes, ACPI 6.4 §20.2.3 - §20.3. */
#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0A
#define AML_WORD_PREFIX		0x0B
#define AML_DWORD_PREFIX	0x0C
#define AML_STRING_PREFIX	0x0D
#define AML_QWORD_PREFIX	0x0E
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_VAR_PACKAGE_OP	0x13
#define AML_METHOD_OP		0x14
#define AML_DUAL_NAME_PREFIX	0x2E
#define AML_MULTI_NAME_PREFIX	0x2F
#define AML_EXT_OP_PREFIX	0x5B
#define AML_EXT_DEVICE_OP	0x82
#define AML_ROOT_CHAR		0x5C
#define AML_PARENT_PREFIX	0x5E
#define AML_LOCAL0_OP		0x60
#define AML_ARG0_OP		0x68
#define AML_STORE_OP		0x70
#define AML_IF_OP		0xA0
#define AML_ELSE_OP		0xA1
#define AML_RETURN_OP		0xA4
#define AML_ONES_OP		0xFF

/* What an open frame is; decides what aml_end() inserts. */
enum {
	AML_K_PLAIN,		/* Scope, Device, Method, If, Else */
	AML_K_PACKAGE,		/* + NumElements */
	AML_K_BUFFER,		/* + BufferSize */
};

void
aml_init(struct aml *a)
{

	memset(a, 0, sizeof(*a));
}

void
aml_fini(struct aml *a)
{

	free(a->buf);
	memset(a, 0, sizeof(*a));
}

int
aml_error(const struct aml *a)
{

	if (a->err != 0)
		return (a->err);
	if (a->depth != 0)
		return (-EINVAL);	/* a construct was never closed */
	return (0);
}

static void
aml_fail(struct aml *a, int err)
{

	if (a->err == 0)
		a->err = err;
}

static bool
aml_reserve(struct aml *a, size_t n)
{
	size_t ncap;
	uint8_t *nbuf;

	if (a->err != 0)
		return (false);
	if (a->len + n <= a->cap)
		return (true);
	ncap = a->cap != 0 ? a->cap : 256;
	while (ncap < a->len + n)
		ncap *= 2;
	nbuf = realloc(a->buf, ncap);
	if (nbuf == NULL) {
		aml_fail(a, -ENOMEM);
		return (false);
	}
	a->buf = nbuf;
	a->cap = ncap;
	return (true);
}

void
aml_bytes(struct aml *a, const void *p, size_t n)
{

	if (!aml_reserve(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void
aml_byte(struct aml *a, uint8_t b)
{

	aml_bytes(a, &b, 1);
}

static void
aml_le(struct aml *a, uint64_t v, int n)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(a, b, n);
}

/* A data object inside a Package is one of its elements. */
static void
aml_elem(struct aml *a)
{

	if (a->depth > 0 && a->stack[a->depth - 1].kind == AML_K_PACKAGE)
		a->stack[a->depth - 1].nelem++;
}

static void
aml_push(struct aml *a, int kind)
{

	if (a->depth >= AML_MAX_DEPTH) {
		aml_fail(a, -E2BIG);
		return;
	}
	a->stack[a->depth].start = a->len;
	a->stack[a->depth].kind = kind;
	a->stack[a->depth].nelem = 0;
	a->depth++;
}

/*
 * PkgLength (§20.2.4): the value counts the PkgLength bytes themselves.
 * One byte holds up to 63; otherwise bits 7:6 of the lead byte give the
 * number of following bytes, its low nibble the low 4 bits of the value.
 */
size_t
aml_pkglength_encode(uint8_t out[4], size_t body_len)
{
	size_t n, v;

	if (body_len + 1 <= 0x3F) {
		out[0] = (uint8_t)(body_len + 1);
		return (1);
	}
	for (n = 2; n <= 4; n++) {
		v = body_len + n;
		if (v < (1UL << (4 + 8 * (n - 1))))
			break;
	}
	if (n > 4)
		return (0);
	out[0] = (uint8_t)(((n - 1) << 6) | (v & 0x0F));
	out[1] = (uint8_t)(v >> 4);
	if (n > 2)
		out[2] = (uint8_t)(v >> 12);
	if (n > 3)
		out[3] = (uint8_t)(v >> 20);
	return (n);
}

/* Integer data object, shortest form (§20.2.3 ComputationalData). */
static size_t
aml_integer_encode(uint8_t out[9], uint64_t v)
{
	int i, n;

	if (v == 0) {
		out[0] = AML_ZERO_OP;
		return (1);
	}
	if (v == 1) {
		out[0] = AML_ONE_OP;
		return (1);
	}
	if (v == UINT64_MAX) {
		out[0] = AML_ONES_OP;	/* DSDT revision 2: 64-bit Ones */
		return (1);
	}
	if (v <= 0xFF) {
		out[0] = AML_BYTE_PREFIX;
		n = 1;
	} else if (v <= 0xFFFF) {
		out[0] = AML_WORD_PREFIX;
		n = 2;
	} else if (v <= 0xFFFFFFFF) {
		out[0] = AML_DWORD_PREFIX;
		n = 4;
	} else {
		out[0] = AML_QWORD_PREFIX;
		n = 8;
	}
	for (i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(v >> (8 * i));
	return (1 + n);
}

void
aml_integer(struct aml *a, uint64_t v)
{
	uint8_t b[9];

	aml_elem(a);
	aml_bytes(a, b, aml_integer_encode(b, v));
}

void
aml_string(struct aml *a, const char *s)
{

	aml_elem(a);
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static bool
aml_lead_char(int c)
{

	return ((c >= 'A' && c <= 'Z') || c == '_');
}

static bool
aml_name_char(int c)
{

	return (aml_lead_char(c) || (c >= '0' && c <= '9'));
}

/* NameString (§20.2.2): prefix, then NullName / NameSeg / Dual / Multi. */
int
aml_namestring_encode(uint8_t *out, size_t cap, const char *path)
{
	uint8_t tmp[1 + 255 + 2 + 255 * 4];
	const char *p, *seg;
	size_t n, nsegs, seglen, i, hdr, pos;

	n = 0;
	p = path;
	if (*p == '\\')
		tmp[n++] = AML_ROOT_CHAR, p++;
	else
		while (*p == '^' && n < 255)
			tmp[n++] = AML_PARENT_PREFIX, p++;
	if (*p == '^')
		return (-EINVAL);

	/* Count and check the segments. */
	nsegs = 0;
	if (*p != '\0') {
		seg = p;
		for (;;) {
			seglen = strcspn(seg, ".");
			if (seglen == 0 || seglen > 4 || !aml_lead_char(seg[0]))
				return (-EINVAL);
			for (i = 1; i < seglen; i++)
				if (!aml_name_char(seg[i]))
					return (-EINVAL);
			nsegs++;
			if (seg[seglen] == '\0')
				break;
			seg += seglen + 1;
		}
	}
	if (nsegs > 255)
		return (-EINVAL);

	if (nsegs == 0)
		tmp[n++] = 0x00;	/* NullName */
	else if (nsegs == 2)
		tmp[n++] = AML_DUAL_NAME_PREFIX;
	else if (nsegs > 2) {
		tmp[n++] = AML_MULTI_NAME_PREFIX;
		tmp[n++] = (uint8_t)nsegs;
	}
	hdr = n;
	seg = p;
	for (i = 0; i < nsegs; i++) {
		seglen = strcspn(seg, ".");
		pos = hdr + 4 * i;
		memset(&tmp[pos], '_', 4);
		memcpy(&tmp[pos], seg, seglen);
		seg += seglen + 1;
	}
	n = hdr + 4 * nsegs;
	if (n > cap)
		return (-E2BIG);
	memcpy(out, tmp, n);
	return ((int)n);
}

static void
aml_namestring(struct aml *a, const char *path)
{
	uint8_t b[1 + 255 + 2 + 255 * 4];
	int n;

	n = aml_namestring_encode(b, sizeof(b), path);
	if (n < 0) {
		aml_fail(a, n);
		return;
	}
	aml_bytes(a, b, (size_t)n);
}

void
aml_nameref(struct aml *a, const char *path)
{

	aml_elem(a);
	aml_namestring(a, path);
}

/*
 * EISA ID compression (§6.1.5 _HID): three letters of five bits each
 * ('A' = 1) and four hex digits, stored so that the bytes in memory read
 * in the order the ID is written.
 */
uint32_t
aml_eisaid_value(const char *id)
{
	uint32_t v;
	int i, c, d;

	if (strlen(id) != 7)
		return (0);
	v = 0;
	for (i = 0; i < 3; i++) {
		c = id[i];
		if (c < 'A' || c > 'Z')
			return (0);
		v = (v << 5) | (uint32_t)(c - 'A' + 1);
	}
	for (i = 3; i < 7; i++) {
		c = id[i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return (0);
		v = (v << 4) | (uint32_t)d;
	}
	/* v is big-endian in the ID's order; AML integers are little-endian. */
	return (__builtin_bswap32(v));
}

void
aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v;

	v = aml_eisaid_value(id);
	if (v == 0) {
		aml_fail(a, -EINVAL);
		return;
	}
	/* Always a DWord, so that disassemblers recognise an EisaId. */
	aml_elem(a);
	aml_byte(a, AML_DWORD_PREFIX);
	aml_le(a, v, 4);
}

void
aml_package(struct aml *a)
{

	aml_elem(a);
	aml_byte(a, AML_PACKAGE_OP);
	aml_push(a, AML_K_PACKAGE);
}

void
aml_buffer(struct aml *a)
{

	aml_elem(a);
	aml_byte(a, AML_BUFFER_OP);
	aml_push(a, AML_K_BUFFER);
}

void
aml_name(struct aml *a, const char *path)
{

	aml_byte(a, AML_NAME_OP);
	aml_namestring(a, path);
}

void
aml_scope(struct aml *a, const char *path)
{

	aml_byte(a, AML_SCOPE_OP);
	aml_push(a, AML_K_PLAIN);
	aml_namestring(a, path);
}

void
aml_device(struct aml *a, const char *path)
{

	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_EXT_DEVICE_OP);
	aml_push(a, AML_K_PLAIN);
	aml_namestring(a, path);
}

void
aml_method(struct aml *a, const char *path, int nargs, bool serialized)
{

	if (nargs < 0 || nargs > 7) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_byte(a, AML_METHOD_OP);
	aml_push(a, AML_K_PLAIN);
	aml_namestring(a, path);
	/* MethodFlags: ArgCount 2:0, SerializeFlag 3, SyncLevel 7:4. */
	aml_byte(a, (uint8_t)(nargs | (serialized ? 0x08 : 0)));
}

void
aml_if(struct aml *a)
{

	aml_byte(a, AML_IF_OP);
	aml_push(a, AML_K_PLAIN);
}

void
aml_else(struct aml *a)
{

	aml_byte(a, AML_ELSE_OP);
	aml_push(a, AML_K_PLAIN);
}

void
aml_return(struct aml *a)
{

	aml_byte(a, AML_RETURN_OP);
}

void
aml_store(struct aml *a)
{

	aml_byte(a, AML_STORE_OP);
}

void
aml_arg(struct aml *a, int n)
{

	if (n < 0 || n > 6) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_elem(a);
	aml_byte(a, (uint8_t)(AML_ARG0_OP + n));
}

void
aml_local(struct aml *a, int n)
{

	if (n < 0 || n > 7) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_elem(a);
	aml_byte(a, (uint8_t)(AML_LOCAL0_OP + n));
}

/*
 * Close the innermost construct: insert, at its start, the PkgLength and
 * what sits between it and the contents (NumElements, BufferSize).
 */
void
aml_end(struct aml *a)
{
	struct aml_frame *f;
	uint8_t pre[4 + 9];
	uint8_t extra[9];
	size_t body, nextra, npk;

	if (a->err != 0)
		return;
	if (a->depth == 0) {
		aml_fail(a, -EINVAL);
		return;
	}
	f = &a->stack[--a->depth];
	body = a->len - f->start;
	nextra = 0;
	switch (f->kind) {
	case AML_K_PACKAGE:
		if (f->nelem <= 255) {
			extra[0] = (uint8_t)f->nelem;
			nextra = 1;
		} else {
			/* More than a byte can count: VarPackage (§19.6.150). */
			a->buf[f->start - 1] = AML_VAR_PACKAGE_OP;
			nextra = aml_integer_encode(extra, f->nelem);
		}
		break;
	case AML_K_BUFFER:
		nextra = aml_integer_encode(extra, body);
		break;
	}
	npk = aml_pkglength_encode(pre, body + nextra);
	if (npk == 0) {
		aml_fail(a, -E2BIG);
		return;
	}
	memcpy(pre + npk, extra, nextra);
	if (!aml_reserve(a, npk + nextra))
		return;
	memmove(a->buf + f->start + npk + nextra, a->buf + f->start, body);
	memcpy(a->buf + f->start, pre, npk + nextra);
	a->len += npk + nextra;
}

/* ---- resource descriptors (§6.4) ---- */

void
aml_restemplate(struct aml *a)
{

	aml_buffer(a);
}

void
aml_restemplate_end(struct aml *a)
{

	/* End Tag (§6.4.2.9); checksum 0 means "treat as correct". */
	aml_byte(a, 0x79);
	aml_byte(a, 0x00);
	aml_end(a);
}

void
aml_rd_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align,
    uint8_t len)
{

	/* I/O Port Descriptor (§6.4.2.5): small item 0x08, length 7. */
	aml_byte(a, 0x47);
	aml_byte(a, 0x01);		/* decodes 16 address lines */
	aml_le(a, min, 2);
	aml_le(a, max, 2);
	aml_byte(a, align);
	aml_byte(a, len);
}

void
aml_rd_irq_noflags(struct aml *a, unsigned irq)
{

	if (irq > 15) {
		aml_fail(a, -EINVAL);
		return;
	}
	/* IRQ Descriptor (§6.4.2.1) without the flags byte: edge, high. */
	aml_byte(a, 0x22);
	aml_le(a, 1u << irq, 2);
}

void
aml_rd_mem32_fixed(struct aml *a, bool rw, uint32_t base, uint32_t len)
{

	/* 32-Bit Fixed Memory Range Descriptor (§6.4.3.4). */
	aml_byte(a, 0x86);
	aml_le(a, 9, 2);
	aml_byte(a, rw ? 1 : 0);
	aml_le(a, base, 4);
	aml_le(a, len, 4);
}

/*
 * Address space descriptors (§6.4.3.5): general flags for a bridge's
 * window are ResourceProducer (bit 0 clear), PosDecode (bit 1 clear),
 * MinFixed (bit 2) and MaxFixed (bit 3).
 */
#define AML_ADDR_GFLAGS		0x0C
#define AML_ADDR_MEM		0
#define AML_ADDR_IO		1
#define AML_ADDR_BUS		2

static void
aml_rd_addr(struct aml *a, uint8_t tag, int width, uint8_t type,
    uint8_t tflags, uint64_t min, uint64_t max)
{

	if (max < min) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_byte(a, tag);
	aml_le(a, 3 + 5 * (uint64_t)width, 2);
	aml_byte(a, type);
	aml_byte(a, AML_ADDR_GFLAGS);
	aml_byte(a, tflags);
	aml_le(a, 0, width);		/* granularity */
	aml_le(a, min, width);
	aml_le(a, max, width);
	aml_le(a, 0, width);		/* translation offset */
	aml_le(a, max - min + 1, width);
}

void
aml_rd_word_bus(struct aml *a, uint16_t min, uint16_t max)
{

	aml_rd_addr(a, 0x88, 2, AML_ADDR_BUS, 0, min, max);
}

void
aml_rd_word_io(struct aml *a, uint16_t min, uint16_t max)
{

	/* Type-specific flags: ISA ranges 3 = EntireRange (§6.4.3.5.4). */
	aml_rd_addr(a, 0x88, 2, AML_ADDR_IO, 0x03, min, max);
}

/* Memory type-specific flags (§6.4.3.5.5): RW bit 0, cacheable 2:1. */
static uint8_t
aml_mem_tflags(bool cacheable)
{

	return (0x01 | (cacheable ? 0x02 : 0x00));
}

void
aml_rd_dword_mem(struct aml *a, bool cacheable, uint32_t min, uint32_t max)
{

	aml_rd_addr(a, 0x87, 4, AML_ADDR_MEM, aml_mem_tflags(cacheable),
	    min, max);
}

void
aml_rd_qword_mem(struct aml *a, bool cacheable, uint64_t min, uint64_t max)
{

	aml_rd_addr(a, 0x8A, 8, AML_ADDR_MEM, aml_mem_tflags(cacheable),
	    min, max);
}

void
aml_rd_interrupt(struct aml *a, bool level, bool active_low, bool shared,
    uint32_t gsi)
{

	/* Extended Interrupt Descriptor (§6.4.3.6), one interrupt. */
	aml_byte(a, 0x89);
	aml_le(a, 6, 2);
	aml_byte(a, (uint8_t)(0x01 | (level ? 0 : 0x02) |
	    (active_low ? 0x04 : 0) | (shared ? 0x08 : 0)));
	aml_byte(a, 1);
	aml_le(a, gsi, 4);
}
