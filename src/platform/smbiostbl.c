/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * smbiostbl.c: SMBIOS 2.8 tables (DMTF DSP0134) in the shape bhyve's
 * smbiostbl builds: BIOS, system (with the UUID), chassis, processors,
 * memory array, device and mapped addresses, boot information, end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "platform/platform_priv.h"

#define SMBIOS_MAJOR		2
#define SMBIOS_MINOR		8
#define SMBIOS_HANDLE_NONE	0xFFFE	/* "not provided" */
#define SMBIOS_HOSTNAME_LEN	256	/* bhyve hashes MAXHOSTNAMELEN bytes */

/*
 * Guests that know bhyve look for "BHYVE" as the BIOS vendor and the
 * product name (FreeBSD's vm_guest, systemd-detect-virt): lhyve runs
 * bhyve's device model, so it answers to that name.
 */
#define SMBIOS_BIOS_VENDOR	"BHYVE"
#define SMBIOS_BIOS_VERSION	"lhyve"
#define SMBIOS_BIOS_DATE	"01/01/2025"	/* mm/dd/yyyy (§7.1) */
#define SMBIOS_MANUFACTURER	"lhyve"
#define SMBIOS_PRODUCT		"BHYVE"

/* 2.1 (32-bit) Entry Point (§5.2.1). */
struct smbios_ep {
	char anchor[4];			/* "_SM_" */
	uint8_t checksum;
	uint8_t length;			/* 0x1F */
	uint8_t major;
	uint8_t minor;
	uint16_t max_size;		/* largest structure, with strings */
	uint8_t revision;
	uint8_t formatted[5];
	char ianchor[5];		/* "_DMI_" */
	uint8_t ichecksum;		/* of bytes 0x10-0x1E */
	uint16_t table_len;
	uint32_t table_addr;
	uint16_t nstructs;
	uint8_t bcd_rev;
} __packed_struct;

_Static_assert(sizeof(struct smbios_ep) == 0x1F, "SMBIOS 2.1 EP is 31 bytes");

struct smbios_hdr {
	uint8_t type;
	uint8_t length;			/* formatted area only */
	uint16_t handle;
} __packed_struct;

struct smbios_t0 {			/* BIOS Information (§7.1) */
	struct smbios_hdr h;
	uint8_t vendor, version;
	uint16_t segment;
	uint8_t date, rom_size;
	uint64_t chars;
	uint8_t chars_ext[2];
	uint8_t major, minor, ec_major, ec_minor;
} __packed_struct;

struct smbios_t1 {			/* System Information (§7.2) */
	struct smbios_hdr h;
	uint8_t manufacturer, product, version, serial;
	uint8_t uuid[16];
	uint8_t wakeup;
	uint8_t sku, family;
} __packed_struct;

struct smbios_t3 {			/* System Enclosure (§7.4) */
	struct smbios_hdr h;
	uint8_t manufacturer, type, version, serial, asset;
	uint8_t boot_state, psu_state, thermal_state, security;
	uint32_t oem;
	uint8_t height, cords, nelems, elemlen;
	uint8_t sku;
} __packed_struct;

struct smbios_t4 {			/* Processor Information (§7.5) */
	struct smbios_hdr h;
	uint8_t socket, type, family, manufacturer;
	uint32_t cpuid_eax, cpuid_edx;
	uint8_t version, voltage;
	uint16_t ext_clock, max_speed, cur_speed;
	uint8_t status, upgrade;
	uint16_t l1, l2, l3;
	uint8_t serial, asset, part;
	uint8_t cores, enabled_cores, threads;
	uint16_t chars, family2;
} __packed_struct;

struct smbios_t16 {			/* Physical Memory Array (§7.17) */
	struct smbios_hdr h;
	uint8_t location, use, ecc;
	uint32_t max_kb;
	uint16_t err_handle, ndevs;
	uint64_t max_bytes;
} __packed_struct;

struct smbios_t17 {			/* Memory Device (§7.18) */
	struct smbios_hdr h;
	uint16_t array, err_handle, total_width, data_width, size;
	uint8_t form, set, locator, bank, type;
	uint16_t detail, speed;
	uint8_t manufacturer, serial, asset, part, attributes;
	uint32_t ext_size;
	uint16_t cur_speed, min_mv, max_mv, cur_mv;
} __packed_struct;

struct smbios_t19 {			/* Memory Array Mapped Address (§7.20) */
	struct smbios_hdr h;
	uint32_t start_kb, end_kb;
	uint16_t array;
	uint8_t width;
	uint64_t start, end;
} __packed_struct;

struct smbios_t32 {			/* System Boot Information (§7.33) */
	struct smbios_hdr h;
	uint8_t reserved[6];
	uint8_t status;
} __packed_struct;

_Static_assert(sizeof(struct smbios_t4) == 0x2A, "type 4 (2.6) is 0x2A");
_Static_assert(sizeof(struct smbios_t17) == 0x28, "type 17 (2.8) is 0x28");
_Static_assert(sizeof(struct smbios_t19) == 0x1F, "type 19 (2.7) is 0x1F");

/* Writes structures one after the other, strings and all. */
struct smbios_w {
	struct pbuf *pb;
	uint16_t nstructs;
	uint16_t max_size;
	int err;
};

/*
 * Append one structure: the formatted area (its header's length), then
 * the strings, each NUL-terminated, then the closing NUL; a structure
 * without strings ends in two NULs (§6.1.3).  Returns the formatted
 * area in the buffer so that the caller can refer to its handle.
 */
static void *
smbios_add(struct smbios_w *w, const void *fmt, const char *const *strs,
    int nstrs)
{
	const struct smbios_hdr *h;
	uint8_t *p;
	size_t len, l;
	int i;

	if (w->err != 0)
		return (NULL);
	h = fmt;
	len = h->length + 1;
	for (i = 0; i < nstrs; i++)
		len += strlen(strs[i]) + 1;
	if (nstrs == 0)
		len++;
	p = pb_alloc(w->pb, len, 1, NULL);
	if (p == NULL) {
		w->err = -ENOSPC;
		return (NULL);
	}
	memcpy(p, fmt, h->length);
	((struct smbios_hdr *)p)->handle = w->nstructs;
	len = h->length;
	for (i = 0; i < nstrs; i++) {
		l = strlen(strs[i]) + 1;
		memcpy(p + len, strs[i], l);
		len += l;
	}
	/* pb_alloc zeroed the terminating NUL(s). */
	len += nstrs == 0 ? 2 : 1;
	if (len > w->max_size)
		w->max_size = (uint16_t)len;
	w->nstructs++;
	return (p);
}

static int
smbios_hexval(int c)
{

	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * SMBIOS 2.6+ stores the UUID's first three fields little-endian and the
 * rest as written (§7.2.1), like uuid_enc_le() in bhyve.
 */
int
smbios_parse_uuid(const char *s, uint8_t out[16])
{
	static const int order[16] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
	};
	uint8_t raw[16];
	int i, n, hi, lo;

	if (s == NULL || strlen(s) != 36)
		return (-EINVAL);
	for (i = 0, n = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (-EINVAL);
			i++;
			continue;
		}
		hi = smbios_hexval(s[i]);
		lo = smbios_hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return (-EINVAL);
		raw[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	for (i = 0; i < 16; i++)
		out[i] = raw[order[i]];
	return (0);
}

/*
 * Without -U, bhyve derives a stable UUID as MD5(name, hostname) marked
 * version 3 (RFC 4122 §4.3); the hostname is hashed as a zero-padded
 * buffer of MAXHOSTNAMELEN bytes.
 */
static int
smbios_uuid(const struct platform_desc *d, uint8_t uuid[16])
{
	char host[SMBIOS_HOSTNAME_LEN];
	uint8_t msg[512 + SMBIOS_HOSTNAME_LEN];
	const char *name;
	size_t nl;

	if (d->uuid != NULL)
		return (smbios_parse_uuid(d->uuid, uuid));
	memset(host, 0, sizeof(host));
	if (d->hostname != NULL)
		strncpy(host, d->hostname, sizeof(host) - 1);
	else if (gethostname(host, sizeof(host) - 1) != 0)
		return (-errno);
	name = d->vm_name != NULL ? d->vm_name : "";
	nl = strlen(name);
	if (nl > 512)
		return (-EINVAL);
	memcpy(msg, name, nl);
	memcpy(msg + nl, host, sizeof(host));
	platform_md5(msg, nl + sizeof(host), uuid);
	uuid[6] = (uint8_t)((uuid[6] & 0x0F) | 0x30);
	uuid[8] = (uint8_t)((uuid[8] & 0x3F) | 0x80);
	return (0);
}

static void
smbios_memory(struct smbios_w *w, const struct platform_desc *d)
{
	struct smbios_t16 t16;
	struct smbios_t17 t17;
	struct smbios_t19 t19;
	static const char *const t17s[] = {
		"DIMM 0", "BANK 0", "lhyve", "None", "None", "None"
	};
	uint16_t array;
	uint64_t total, kb, mb;

	total = d->lowmem + d->highmem;

	memset(&t16, 0, sizeof(t16));
	t16.h.type = 16;
	t16.h.length = sizeof(t16);
	t16.location = 0x03;		/* system board */
	t16.use = 0x03;			/* system memory */
	t16.ecc = 0x03;			/* none */
	t16.max_kb = 0x80000000;	/* see max_bytes */
	t16.err_handle = SMBIOS_HANDLE_NONE;
	t16.ndevs = 1;
	t16.max_bytes = total;
	array = w->nstructs;
	smbios_add(w, &t16, NULL, 0);

	/* One device holds all of RAM; size as in §7.18.5. */
	memset(&t17, 0, sizeof(t17));
	t17.h.type = 17;
	t17.h.length = sizeof(t17);
	t17.array = array;
	t17.err_handle = SMBIOS_HANDLE_NONE;
	t17.total_width = 64;
	t17.data_width = 64;
	kb = total >> 10;
	mb = total >> 20;
	if (kb <= 0x7FFF)
		t17.size = (uint16_t)(kb | 0x8000);	/* in KiB */
	else if (mb < 0x7FFF)
		t17.size = (uint16_t)mb;
	else {
		t17.size = 0x7FFF;
		t17.ext_size = (uint32_t)(mb > 0x7FFFFFFF ? 0x7FFFFFFF : mb);
	}
	t17.form = 0x09;		/* DIMM */
	t17.locator = 1;
	t17.bank = 2;
	t17.type = 0x02;		/* unknown */
	t17.detail = 0x0004;		/* unknown */
	t17.manufacturer = 3;
	t17.serial = 4;
	t17.asset = 5;
	t17.part = 6;
	smbios_add(w, &t17, t17s, 6);

	/* One mapped range per RAM range; the end is the last byte. */
	memset(&t19, 0, sizeof(t19));
	t19.h.type = 19;
	t19.h.length = sizeof(t19);
	t19.start_kb = 0xFFFFFFFF;	/* use the 64-bit fields */
	t19.end_kb = 0xFFFFFFFF;
	t19.array = array;
	t19.width = 1;
	t19.start = 0;
	t19.end = d->lowmem - 1;
	smbios_add(w, &t19, NULL, 0);
	if (d->highmem != 0) {
		t19.start = 4ULL << 30;
		t19.end = (4ULL << 30) + d->highmem - 1;
		smbios_add(w, &t19, NULL, 0);
	}
}

static void
smbios_structs(struct smbios_w *w, const struct platform_desc *d,
    const uint8_t uuid[16])
{
	struct smbios_t0 t0;
	struct smbios_t1 t1;
	struct smbios_t3 t3;
	struct smbios_t4 t4;
	struct smbios_t32 t32;
	struct smbios_hdr t127;
	static const char *const t0s[] = {
		SMBIOS_BIOS_VENDOR, SMBIOS_BIOS_VERSION, SMBIOS_BIOS_DATE
	};
	static const char *const t1s[] = {
		SMBIOS_MANUFACTURER, SMBIOS_PRODUCT, "1.0", "None", "None",
		"Virtual Machine"
	};
	static const char *const t3s[] = {
		SMBIOS_MANUFACTURER, "1.0", "None", "None", "None"
	};
	const char *t4s[6];
	char socket[16];
	int i, sockets, cores, threads;

	memset(&t0, 0, sizeof(t0));
	t0.h.type = 0;
	t0.h.length = sizeof(t0);
	t0.vendor = 1;
	t0.version = 2;
	t0.segment = 0xF000;
	t0.date = 3;
	/* ISA, PCI, shadowing, CD boot, EDD (§7.1.1) */
	t0.chars = 0x10 | 0x80 | 0x1000 | 0x8000 | 0x80000;
	t0.chars_ext[0] = 0x01;		/* ACPI */
	t0.chars_ext[1] = 0x01 | 0x10;	/* BIOS Boot Spec, virtual machine */
	t0.ec_major = 0xFF;		/* no embedded controller */
	t0.ec_minor = 0xFF;
	smbios_add(w, &t0, t0s, 3);

	memset(&t1, 0, sizeof(t1));
	t1.h.type = 1;
	t1.h.length = sizeof(t1);
	t1.manufacturer = 1;
	t1.product = 2;
	t1.version = 3;
	t1.serial = 4;
	memcpy(t1.uuid, uuid, 16);
	t1.wakeup = 0x06;		/* power switch */
	t1.sku = 5;
	t1.family = 6;
	smbios_add(w, &t1, t1s, 6);

	memset(&t3, 0, sizeof(t3));
	t3.h.type = 3;
	t3.h.length = sizeof(t3);
	t3.manufacturer = 1;
	t3.type = 0x02;			/* unknown */
	t3.version = 2;
	t3.serial = 3;
	t3.asset = 4;
	t3.boot_state = 0x03;		/* safe */
	t3.psu_state = 0x03;
	t3.thermal_state = 0x03;
	t3.security = 0x03;		/* none */
	t3.sku = 5;
	smbios_add(w, &t3, t3s, 5);

	/* bhyve's -c topology: one type 4 per socket. */
	sockets = d->sockets > 0 ? d->sockets : d->ncpu;
	cores = d->cores > 0 ? d->cores : 1;
	threads = d->threads > 0 ? d->threads : 1;
	for (i = 0; i < sockets; i++) {
		memset(&t4, 0, sizeof(t4));
		t4.h.type = 4;
		t4.h.length = sizeof(t4);
		t4.socket = 1;
		t4.type = 0x03;		/* central processor */
		t4.family = 0x01;	/* other */
		t4.manufacturer = 2;
		t4.cpuid_eax = d->cpu_signature;
		t4.cpuid_edx = d->cpu_features;
		t4.version = 3;
		t4.status = 0x41;	/* populated, enabled */
		t4.upgrade = 0x06;	/* none */
		t4.l1 = t4.l2 = t4.l3 = 0xFFFF;
		t4.serial = 4;
		t4.asset = 5;
		t4.part = 6;
		t4.cores = (uint8_t)(cores > 254 ? 0 : cores);
		t4.enabled_cores = t4.cores;
		t4.threads = (uint8_t)(cores * threads > 254 ? 0 :
		    cores * threads);
		t4.chars = 0x0004;	/* 64-bit capable */
		t4.family2 = 0x01;
		snprintf(socket, sizeof(socket), "CPU #%d", i);
		t4s[0] = socket;
		t4s[1] = "GenuineIntel";
		t4s[2] = " ";
		t4s[3] = "None";
		t4s[4] = "None";
		t4s[5] = "None";
		smbios_add(w, &t4, t4s, 6);
	}

	smbios_memory(w, d);

	memset(&t32, 0, sizeof(t32));
	t32.h.type = 32;
	t32.h.length = sizeof(t32);
	t32.status = 0;			/* no errors detected */
	smbios_add(w, &t32, NULL, 0);

	memset(&t127, 0, sizeof(t127));
	t127.type = 127;
	t127.length = sizeof(t127);
	smbios_add(w, &t127, NULL, 0);
}

int
platform_smbios_build(struct pbuf *pb, const struct platform_desc *d,
    struct platform_addrs *out)
{
	struct smbios_w w;
	struct smbios_ep *ep;
	uint64_t g_ep;
	uint8_t uuid[16];
	size_t start;
	int err;

	if (d->ncpu < 1 || d->lowmem == 0)
		return (-EINVAL);
	err = smbios_uuid(d, uuid);
	if (err != 0)
		return (err);

	/* The entry point is on a 16-byte boundary (§5.2.1). */
	ep = pb_alloc(pb, sizeof(*ep), 16, &g_ep);
	if (ep == NULL)
		return (-ENOSPC);
	start = pb->off;
	memset(&w, 0, sizeof(w));
	w.pb = pb;
	smbios_structs(&w, d, uuid);
	if (w.err != 0)
		return (w.err);
	if (pb->off - start > UINT16_MAX || pb->gpa + pb->off > (1ULL << 32))
		return (-EINVAL);

	memcpy(ep->anchor, "_SM_", 4);
	ep->length = sizeof(*ep);
	ep->major = SMBIOS_MAJOR;
	ep->minor = SMBIOS_MINOR;
	ep->max_size = w.max_size;
	ep->revision = 0;
	memcpy(ep->ianchor, "_DMI_", 5);
	ep->table_len = (uint16_t)(pb->off - start);
	ep->table_addr = (uint32_t)(pb->gpa + start);
	ep->nstructs = w.nstructs;
	ep->bcd_rev = (SMBIOS_MAJOR << 4) | SMBIOS_MINOR;
	ep->ichecksum = platform_cksum((uint8_t *)ep + 0x10, 0x0F);
	ep->checksum = platform_cksum(ep, sizeof(*ep));

	out->smbios = g_ep;
	return (0);
}
