/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_linux.c: unit tests for the Linux bzImage loader (src/boot/linux.c):
 * header parsing and validation, kernel and initrd placement, command-line
 * limits, the zero page byte by byte, and linux_load end to end against a
 * fake VM (this file supplies vm_map_gpa, vm_set_register, ... and
 * get_config_value).  bzImages are synthesised here; the Debian kernel
 * fetched by tests/system/fetch.sh is checked too when it is in the cache.
 */

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot/linux.h"
#include "boot/loader.h"
#include "boot/x86_setup.h"
#include "config.h"
#include "platform/e820.h"
#include "vmm/vmm.h"

#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

/* ------------------------------------------------------------------ */
/* The fake VM: RAM in host buffers, registers in arrays.              */

struct vmctx {
	int unused;
};
struct vcpu {
	int unused;
};

static struct {
	uint8_t *low, *high;
	size_t lowmem, highmem;
	uint64_t reg[VM_REG_LAST];
	bool reg_set[VM_REG_LAST];
	struct {
		uint64_t base;
		uint32_t limit, access;
		bool set;
	} desc[VM_REG_LAST];
} fake;

static struct vmctx fake_ctx;
static struct vcpu fake_bsp;

static void
fake_vm_init(size_t lowmem, size_t highmem)
{
	memset(&fake, 0, sizeof(fake));
	/* calloc: the lazily zeroed pages of a memfd, and cheap when big. */
	fake.low = calloc(1, lowmem);
	assert_non_null(fake.low);
	fake.lowmem = lowmem;
	fake.highmem = highmem;
	if (highmem > 0) {
		fake.high = calloc(1, highmem);
		assert_non_null(fake.high);
	}
}

static void
fake_vm_fini(void)
{
	free(fake.low);
	free(fake.high);
	memset(&fake, 0, sizeof(fake));
}

size_t
vm_get_lowmem_size(struct vmctx *ctx)
{
	return (fake.lowmem);
}

size_t
vm_get_highmem_size(struct vmctx *ctx)
{
	return (fake.highmem);
}

void *
vm_map_gpa(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	if (gpa < fake.lowmem)
		return (len <= fake.lowmem - gpa ? fake.low + gpa : NULL);
	if (gpa >= VM_HIGHMEM_BASE && gpa - VM_HIGHMEM_BASE < fake.highmem)
		return (len <= fake.highmem - (gpa - VM_HIGHMEM_BASE) ?
		    fake.high + (gpa - VM_HIGHMEM_BASE) : NULL);
	return (NULL);
}

void
vm_notify_write(struct vmctx *ctx, uint64_t gpa, size_t len)
{
}

int
vm_set_register(struct vcpu *vcpu, int reg, uint64_t val)
{
	if (reg < 0 || reg >= VM_REG_LAST)
		return (-EINVAL);
	fake.reg[reg] = val;
	fake.reg_set[reg] = true;
	return (0);
}

int
vm_set_desc(struct vcpu *vcpu, int reg, uint64_t base, uint32_t limit,
    uint32_t access)
{
	if (reg < 0 || reg >= VM_REG_LAST)
		return (-EINVAL);
	fake.desc[reg].base = base;
	fake.desc[reg].limit = limit;
	fake.desc[reg].access = access;
	fake.desc[reg].set = true;
	return (0);
}

/* The loaders linked in with boot.o reference these; never called here. */
void *
vm_create_rom(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	return (NULL);
}

int
vm_vcpu_reset(struct vcpu *vcpu)
{
	return (0);
}

static const char *cfg_kernel, *cfg_initrd, *cfg_cmdline;

const char *
get_config_value(const char *path)
{
	if (strcmp(path, "boot.kernel") == 0)
		return (cfg_kernel);
	if (strcmp(path, "boot.initrd") == 0)
		return (cfg_initrd);
	if (strcmp(path, "boot.cmdline") == 0)
		return (cfg_cmdline);
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* Synthetic bzImages.                                                 */

static uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] | p[1] << 8));
}

static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static uint64_t
rd64(const uint8_t *p)
{
	return (rd32(p) | (uint64_t)rd32(p + 4) << 32);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* What a synthetic image's header says. */
struct kopts {
	uint8_t setup_sects;
	uint32_t syssize;	/* paragraphs */
	uint16_t version;
	uint8_t hdr_jump;	/* byte 0x201: header end = 0x202 + this */
	uint8_t loadflags;
	uint16_t xloadflags;
	uint8_t relocatable;
	uint32_t kernel_alignment;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	uint64_t pref_address;
	uint32_t init_size;
};

/* A 6.1-like kernel, small: 64 KiB protected-mode part, 32 MiB init. */
static const struct kopts kdef = {
	.setup_sects = 3,
	.syssize = 0x1000,
	.version = 0x020F,
	.hdr_jump = 0x6A,
	.loadflags = LINUX_LOADED_HIGH,
	.xloadflags = 0x7F,
	.relocatable = 1,
	.kernel_alignment = 0x200000,
	.initrd_addr_max = 0x7FFFFFFF,
	.cmdline_size = 2047,
	.pref_address = 0x1000000,
	.init_size = 0x2000000,
};

static size_t
kimage_len(const struct kopts *o)
{
	unsigned sects = o->setup_sects ? o->setup_sects : 4;

	return ((sects + 1) * 512 + (size_t)o->syssize * 16);
}

/* A malloc'd image: MZ, the setup header, a patterned kernel. */
static uint8_t *
make_kernel(const struct kopts *o, size_t *lenp)
{
	size_t len = kimage_len(o);
	unsigned sects = o->setup_sects ? o->setup_sects : 4;
	uint8_t *b = malloc(len);

	assert_non_null(b);
	/* The setup code is garbage the loader must never copy. */
	memset(b, 0xCC, (sects + 1) * 512);
	b[0] = 'M';
	b[1] = 'Z';
	memset(b + LINUX_SETUP_SECTS, 0, LINUX_HDR_MAX_END - LINUX_SETUP_SECTS);
	b[LINUX_SETUP_SECTS] = o->setup_sects;
	wr32(b + LINUX_SYSSIZE, o->syssize);
	wr16(b + LINUX_VID_MODE, 0xFFFD);	/* "ask": must be overridden */
	wr16(b + LINUX_BOOT_FLAG, LINUX_BOOT_FLAG_MAGIC);
	b[LINUX_JUMP] = 0xEB;
	b[LINUX_JUMP + 1] = o->hdr_jump;
	memcpy(b + LINUX_HEADER, "HdrS", 4);
	wr16(b + LINUX_VERSION, o->version);
	b[LINUX_LOADFLAGS] = o->loadflags | LINUX_KEEP_SEGMENTS;
	wr32(b + LINUX_CODE32_START, 0x100000);
	wr32(b + LINUX_INITRD_ADDR_MAX, o->initrd_addr_max);
	wr32(b + LINUX_KERNEL_ALIGNMENT, o->kernel_alignment);
	b[LINUX_RELOCATABLE] = o->relocatable;
	b[LINUX_RELOCATABLE + 1] = 21;		/* min_alignment */
	wr16(b + LINUX_XLOADFLAGS, o->xloadflags);
	wr32(b + LINUX_CMDLINE_SIZE, o->cmdline_size);
	wr32(b + LINUX_HW_SUBARCH, 0x12345678);	/* must be cleared */
	wr64(b + LINUX_SETUP_DATA, 0xDEAD000);	/* must be cleared */
	wr64(b + LINUX_PREF_ADDRESS, o->pref_address);
	wr32(b + LINUX_INIT_SIZE, o->init_size);
	/* Bytes after the header's end must not reach the zero page. */
	for (size_t i = LINUX_HEADER + o->hdr_jump; i < LINUX_HDR_MAX_END; i++)
		b[i] = 0xEE;
	for (size_t i = (sects + 1) * 512; i < len; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	*lenp = len;
	return (b);
}

static int
parse_opts(const struct kopts *o, struct linux_hdr *h, char *err,
    size_t errlen)
{
	uint8_t *b;
	size_t len;
	int r;

	b = make_kernel(o, &len);
	r = linux_parse(b, len, h, err, errlen);
	free(b);
	return (r);
}

/* ------------------------------------------------------------------ */
/* Probe and parse.                                                    */

static void
test_probe(void **state)
{
	uint8_t *b;
	size_t len;

	b = make_kernel(&kdef, &len);
	assert_int_equal(linux_probe(b, len), 1);
	assert_int_equal(linux_probe(b, LINUX_HEADER + 4), 1);
	assert_int_equal(linux_probe(b, LINUX_HEADER + 3), 0);
	b[0] = 0;			/* MZ is optional */
	assert_int_equal(linux_probe(b, len), 1);
	b[LINUX_HEADER + 3] = 'Z';
	assert_int_equal(linux_probe(b, len), 0);
	b[LINUX_HEADER + 3] = 'S';
	b[LINUX_BOOT_FLAG] = 0x56;
	assert_int_equal(linux_probe(b, len), 0);
	free(b);
	/* An ELF file. */
	{
		uint8_t elf[1024] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

		assert_int_equal(linux_probe(elf, sizeof(elf)), 0);
	}
}

static void
test_parse_fields(void **state)
{
	struct linux_hdr h;
	char err[256] = "";

	assert_int_equal(parse_opts(&kdef, &h, err, sizeof(err)), 0);
	assert_int_equal(h.version, 0x020F);
	assert_int_equal(h.hdr_end, 0x26C);
	assert_int_equal(h.setup_size, 4 * 512);
	assert_int_equal(h.kernel_off, 4 * 512);
	assert_int_equal(h.kernel_len, 0x10000);
	assert_int_equal(h.loadflags, LINUX_LOADED_HIGH | LINUX_KEEP_SEGMENTS);
	assert_int_equal(h.xloadflags, 0x7F);
	assert_int_equal(h.relocatable, 1);
	assert_int_equal(h.kernel_alignment, 0x200000);
	assert_int_equal(h.initrd_addr_max, 0x7FFFFFFF);
	assert_int_equal(h.cmdline_size, 2047);
	assert_int_equal(h.pref_address, 0x1000000);
	assert_int_equal(h.init_size, 0x2000000);
}

static void
test_parse_setup_sects_zero(void **state)
{
	struct kopts o = kdef;
	struct linux_hdr h;
	char err[256];

	/* boot.rst: 0 means 4. */
	o.setup_sects = 0;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(h.setup_size, 5 * 512);
	assert_int_equal(h.kernel_off, 5 * 512);
	/* A long header is clamped to struct setup_header's room. */
	o.hdr_jump = 0xFF;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(h.hdr_end, LINUX_HDR_MAX_END);
}

static void
test_parse_errors(void **state)
{
	struct kopts o;
	struct linux_hdr h;
	char err[256];
	uint8_t *b;
	size_t len;

	/* Not a bzImage. */
	b = make_kernel(&kdef, &len);
	memcpy(b + LINUX_HEADER, "HdrX", 4);
	assert_int_equal(linux_parse(b, len, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a Linux bzImage"));
	free(b);

	/* Protocol too old: 2.11 (no xloadflags). */
	o = kdef;
	o.version = 0x020B;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), -1);
	assert_string_equal(err, "Linux boot protocol 2.11 is too old (lhyve "
	    "needs 2.12 or later for the 64-bit entry)");
	o.version = 0x0204;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "2.04 is too old"));

	/* A 2.12 header that claims to end before init_size. */
	o = kdef;
	o.hdr_jump = 0x50;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "setup header too short"));

	/* No 64-bit entry point (a 32-bit kernel). */
	o = kdef;
	o.xloadflags = LINUX_XLF_ABOVE_4G;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no 64-bit entry point"));

	/* zImage. */
	o = kdef;
	o.loadflags = 0;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "zImage"));

	/* Empty kernel. */
	o = kdef;
	o.syssize = 0;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "syssize 0"));

	/* Relocatable with a bad alignment; non-relocatable does not care. */
	o = kdef;
	o.kernel_alignment = 0x300000;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "kernel_alignment 0x300000"));
	o.kernel_alignment = 0;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), -1);
	o.relocatable = 0;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
}

static void
test_parse_truncated(void **state)
{
	struct linux_hdr h;
	char err[256];
	uint8_t *b;
	size_t len;

	b = make_kernel(&kdef, &len);
	/* Every prefix fails cleanly (and never reads past it: ASan/valgrind
	 * would say); the whole file parses. */
	for (size_t l = 0; l < len; l += (l < 0x300 ? 1 : 509)) {
		uint8_t *copy = malloc(l ? l : 1);

		memcpy(copy, b, l);
		assert_int_equal(linux_parse(copy, l, &h, err, sizeof(err)),
		    -1);
		free(copy);
	}
	assert_int_equal(linux_parse(b, len - 1, &h, err, sizeof(err)), -1);
	assert_string_equal(err, "truncated bzImage (67583 bytes; setup 2048 "
	    "+ kernel 65536 = 67584 expected)");
	assert_int_equal(linux_parse(b, 0x240, &h, err, sizeof(err)), -1);
	assert_string_equal(err, "truncated bzImage (576 bytes, the setup "
	    "header ends at 0x26c)");
	assert_int_equal(linux_parse(b, len, &h, err, sizeof(err)), 0);
	free(b);

	/* A signed image carries more after syssize * 16: fine. */
	{
		uint8_t *big = calloc(1, len + 1234);

		b = make_kernel(&kdef, &len);
		memcpy(big, b, len);
		free(b);
		assert_int_equal(linux_parse(big, len + 1234, &h, err,
		    sizeof(err)), 0);
		assert_int_equal(h.kernel_len, 0x10000);
		free(big);
	}
}

/* ------------------------------------------------------------------ */
/* Placement.                                                          */

static void
test_place_default(void **state)
{
	struct linux_place p;
	struct linux_hdr h;
	char err[256];

	assert_int_equal(parse_opts(&kdef, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 0, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.kernel_addr, 0x1000000);
	assert_int_equal(p.kernel_end, 0x3000000);
	assert_int_equal(p.initrd_addr, 0);
	assert_int_equal(p.initrd_len, 0);

	/* An initrd of 1 MiB + 1 byte: page-aligned, ending below 512 MiB. */
	assert_int_equal(linux_place(&h, 512 * MiB, 0, MiB + 1, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.initrd_addr, 0x1FEFF000);
	assert_int_equal(p.initrd_len, MiB + 1);
	assert_int_equal(p.initrd_limit, 512 * MiB);
	assert_true(p.initrd_addr + p.initrd_len <= 512 * MiB);

	/* 3 GiB lowmem: initrd_addr_max (2 GiB - 1) is the limit. */
	assert_int_equal(linux_place(&h, 3 * GiB, GiB, 0x5000, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.initrd_addr, 2 * GiB - 0x5000);
	assert_int_equal(p.initrd_limit, 2 * GiB);
}

static void
test_place_alignment(void **state)
{
	struct kopts o = kdef;
	struct linux_place p;
	struct linux_hdr h;
	char err[256];

	/* A relocatable kernel's pref_address is rounded up. */
	o.pref_address = 0x1100000;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 0, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.kernel_addr, 0x1200000);
	/* ... and kept above 1 MiB. */
	o.pref_address = 0x10000;
	o.kernel_alignment = 0x1000;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 0, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.kernel_addr, 0x100000);
	/* pref_address 0: 1 MiB, aligned. */
	o.pref_address = 0;
	o.kernel_alignment = 0x400000;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 0, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.kernel_addr, 0x400000);

	/* A non-relocatable kernel goes exactly to pref_address. */
	o = kdef;
	o.relocatable = 0;
	o.pref_address = 0x1100000;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 0, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.kernel_addr, 0x1100000);
	assert_int_equal(p.kernel_end, 0x3100000);
	/* ... and is refused below 1 MiB. */
	o.pref_address = 0x80000;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 0, &p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "below 1 MiB"));
}

static void
test_place_too_big(void **state)
{
	struct kopts o = kdef;
	struct linux_place p;
	struct linux_hdr h;
	char err[512];

	/* 16 MiB + 32 MiB init_size does not fit in 32 MiB. */
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 32 * MiB, 0, 0, &p, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "kernel too big for guest memory: it needs "
	    "RAM up to 0x3000000 (load address 0x1000000 + init_size "
	    "0x2000000, 48 MiB) and lowmem ends at 0x2000000; give the guest "
	    "at least 48 MiB (-m)");
	/* Exactly enough. */
	assert_int_equal(linux_place(&h, 48 * MiB, 0, 0, &p, err,
	    sizeof(err)), 0);
	/* One page short. */
	assert_int_equal(linux_place(&h, 48 * MiB - 4096, 0, 0, &p, err,
	    sizeof(err)), -1);
	/* Highmem does not help the kernel. */
	assert_int_equal(linux_place(&h, 32 * MiB, 4 * GiB, 0, &p, err,
	    sizeof(err)), -1);

	/* A huge init_size (4 GiB - 1) never fits below 3 GiB. */
	o.init_size = 0xFFFFFFFF;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 3 * GiB, 8 * GiB, 0, &p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "kernel too big for guest memory"));

	/* init_size smaller than the file part: the file part counts. */
	o = kdef;
	o.init_size = 0x1000;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 0, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.kernel_end, 0x1010000);
}

static void
test_place_initrd_limits(void **state)
{
	struct kopts o = kdef;
	struct linux_place p;
	struct linux_hdr h;
	char err[512];

	/* initrd_addr_max below lowmem: the initrd ends by it + 1. */
	o.initrd_addr_max = 0x0FFFFFFF;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 3 * MiB, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.initrd_addr, 0x10000000 - 3 * MiB);
	assert_int_equal(p.initrd_limit, 0x10000000);

	/* Exactly fills the space between the kernel and the limit. */
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 0x10000000 - 0x3000000,
	    &p, err, sizeof(err)), 0);
	assert_int_equal(p.initrd_addr, 0x3000000);
	/* One byte more does not fit, and without XLF_CAN_BE_LOADED_ABOVE_4G
	 * it cannot go to highmem. */
	o.xloadflags = LINUX_XLF_KERNEL_64;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 512 * MiB, 2 * GiB,
	    0x10000000 - 0x3000000 + 1, &p, err, sizeof(err)), -2);
	assert_string_equal(err, "initrd too big for guest memory: 218103809 "
	    "bytes (209 MiB) do not fit between the kernel's end at 0x3000000 "
	    "and 0x10000000 (initrd_addr_max 0xfffffff, lowmem end "
	    "0x20000000); give the guest more memory (-m)");

	/* Not page-aligned space: the initrd start rounds down, but never
	 * into the kernel's init_size region. */
	o = kdef;
	o.init_size = 0x2000001;		/* kernel ends mid-page */
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 64 * MiB, 0, 64 * MiB - 0x3001000,
	    &p, err, sizeof(err)), 0);
	assert_int_equal(p.initrd_addr, 0x3001000);
	assert_int_equal(linux_place(&h, 64 * MiB, 0, 64 * MiB - 0x3001000 + 1,
	    &p, err, sizeof(err)), -2);

	/* With XLF_CAN_BE_LOADED_ABOVE_4G a big initrd goes to highmem. */
	o = kdef;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_place(&h, 64 * MiB, GiB, 100 * MiB + 1, &p,
	    err, sizeof(err)), 0);
	assert_int_equal(p.initrd_addr, 5 * GiB - 100 * MiB - 4096);
	assert_int_equal(p.initrd_limit, 5 * GiB);
	/* ... but not when highmem is too small. */
	assert_int_equal(linux_place(&h, 64 * MiB, 100 * MiB, 100 * MiB + 1,
	    &p, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "initrd too big"));
}

static void
test_cmdline_limits(void **state)
{
	struct kopts o = kdef;
	struct linux_hdr h;
	char err[256];

	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_check_cmdline(&h, 0, err, sizeof(err)), 0);
	assert_int_equal(linux_check_cmdline(&h, 2047, err, sizeof(err)), 0);
	assert_int_equal(linux_check_cmdline(&h, 2048, err, sizeof(err)), -1);
	assert_string_equal(err, "kernel command line too long: 2048 bytes, "
	    "the kernel accepts at most 2047 (cmdline_size)");
	/* A kernel that accepts more than lhyve has room for. */
	o.cmdline_size = 0x7FFFFFFF;
	assert_int_equal(parse_opts(&o, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_check_cmdline(&h, LINUX_CMDLINE_AREA_END -
	    LINUX_CMDLINE_GPA - 1, err, sizeof(err)), 0);
	assert_int_equal(linux_check_cmdline(&h, LINUX_CMDLINE_AREA_END -
	    LINUX_CMDLINE_GPA, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "lhyve has room for"));
}

/* ------------------------------------------------------------------ */
/* The zero page.                                                      */

static void
test_zeropage(void **state)
{
	const struct e820_entry map[] = {
		{ 0, 0x9FC00, E820_RAM },
		{ 0x9FC00, 0x60400, E820_RESERVED },
		{ 0x100000, 0x1FF00000, E820_RAM },
	};
	struct linux_place p = {
		.kernel_addr = 0x1000000, .kernel_end = 0x3000000,
		.initrd_addr = 0x123456789000ULL, .initrd_len = 0x100000001ULL,
	};
	uint8_t zp[LINUX_ZP_SIZE];
	struct linux_hdr h;
	char err[256];
	uint8_t *b;
	size_t len;

	b = make_kernel(&kdef, &len);
	assert_int_equal(linux_parse(b, len, &h, err, sizeof(err)), 0);
	memset(zp, 0x55, sizeof(zp));
	assert_int_equal(linux_build_zeropage(zp, b, &h, &p, 0x9000,
	    0xF02B0, map, 3), 0);

	/* Before the header: zero but for the fields the loader sets. */
	for (int i = 0; i < LINUX_SETUP_SECTS; i++) {
		uint8_t want = 0;

		if (i >= LINUX_ZP_ACPI_RSDP && i < LINUX_ZP_ACPI_RSDP + 8)
			continue;
		if (i >= LINUX_ZP_EXT_RAMDISK_IMAGE &&
		    i < LINUX_ZP_EXT_CMD_LINE_PTR + 4)
			continue;
		if (i == LINUX_ZP_E820_ENTRIES)
			want = 3;
		assert_int_equal(zp[i], want);
	}
	assert_int_equal(zp[LINUX_ZP_SENTINEL], 0);
	assert_int_equal(rd64(zp + LINUX_ZP_ACPI_RSDP), 0xF02B0);
	assert_int_equal(rd32(zp + LINUX_ZP_EXT_RAMDISK_IMAGE), 0x1234);
	assert_int_equal(rd32(zp + LINUX_ZP_EXT_RAMDISK_SIZE), 1);
	assert_int_equal(rd32(zp + LINUX_ZP_EXT_CMD_LINE_PTR), 0);

	/* The header, copied and then modified. */
	assert_int_equal(zp[LINUX_SETUP_SECTS], 3);
	assert_int_equal(rd32(zp + LINUX_SYSSIZE), 0x1000);
	assert_int_equal(rd16(zp + LINUX_VID_MODE), 0xFFFF);
	assert_int_equal(rd16(zp + LINUX_BOOT_FLAG), 0xAA55);
	assert_memory_equal(zp + LINUX_HEADER, "HdrS", 4);
	assert_int_equal(rd16(zp + LINUX_VERSION), 0x020F);
	assert_int_equal(zp[LINUX_TYPE_OF_LOADER], 0xFF);
	assert_int_equal(zp[LINUX_LOADFLAGS], 0x81);	/* KEEP_SEGMENTS off */
	assert_int_equal(rd32(zp + LINUX_CODE32_START), 0x1000000);
	assert_int_equal(rd32(zp + LINUX_RAMDISK_IMAGE), 0x56789000);
	assert_int_equal(rd32(zp + LINUX_RAMDISK_SIZE), 1);
	assert_int_equal(rd16(zp + LINUX_HEAP_END_PTR), 0xFE00);
	assert_int_equal(zp[LINUX_EXT_LOADER_VER], 0);
	assert_int_equal(zp[LINUX_EXT_LOADER_TYPE], 0);
	assert_int_equal(rd32(zp + LINUX_CMD_LINE_PTR), 0x9000);
	assert_int_equal(rd32(zp + LINUX_INITRD_ADDR_MAX), 0x7FFFFFFF);
	assert_int_equal(rd32(zp + LINUX_KERNEL_ALIGNMENT), 0x200000);
	assert_int_equal(zp[LINUX_RELOCATABLE], 1);
	assert_int_equal(rd16(zp + LINUX_XLOADFLAGS), 0x7F);
	assert_int_equal(rd32(zp + LINUX_CMDLINE_SIZE), 2047);
	assert_int_equal(rd32(zp + LINUX_HW_SUBARCH), 0);
	assert_int_equal(rd64(zp + LINUX_SETUP_DATA), 0);
	assert_int_equal(rd64(zp + LINUX_PREF_ADDRESS), 0x1000000);
	assert_int_equal(rd32(zp + LINUX_INIT_SIZE), 0x2000000);
	/* Nothing past the header's end (0x26C) came from the image. */
	for (int i = 0x26C; i < LINUX_ZP_E820_TABLE; i++)
		assert_int_equal(zp[i], 0);

	/* The E820 table, then zeroes to the end of the page. */
	for (int i = 0; i < 3; i++) {
		const uint8_t *e = zp + LINUX_ZP_E820_TABLE + 20 * i;

		assert_int_equal(rd64(e), map[i].addr);
		assert_int_equal(rd64(e + 8), map[i].len);
		assert_int_equal(rd32(e + 16), map[i].type);
	}
	for (int i = LINUX_ZP_E820_TABLE + 60; i < LINUX_ZP_SIZE; i++)
		assert_int_equal(zp[i], 0);

	/* Protocol 2.12/2.13 kernels get no acpi_rsdp_addr. */
	wr16(b + LINUX_VERSION, 0x020D);
	assert_int_equal(linux_parse(b, len, &h, err, sizeof(err)), 0);
	assert_int_equal(linux_build_zeropage(zp, b, &h, &p, 0x9000,
	    0xF02B0, map, 3), 0);
	assert_int_equal(rd64(zp + LINUX_ZP_ACPI_RSDP), 0);
	/* Too many E820 entries. */
	assert_int_equal(linux_build_zeropage(zp, b, &h, &p, 0x9000, 0, map,
	    E820_MAX_ENTRIES + 1), -1);
	free(b);
}

/* ------------------------------------------------------------------ */
/* linux_load against the fake VM.                                     */

static char tmpdir[64];

static int
setup_tmp(void **state)
{
	strcpy(tmpdir, "/tmp/lhyve-test-linux.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	cfg_kernel = "vmlinuz-test";
	cfg_initrd = NULL;
	cfg_cmdline = NULL;
	e820_reset();
	return (0);
}

static int
teardown_tmp(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* Write len bytes of a pattern to tmpdir/name; returns the path. */
static const char *
make_file(const char *name, size_t len, uint8_t seed)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	for (size_t i = 0; i < len; i++)
		fputc((uint8_t)(i * 13 + seed), f);
	fclose(f);
	return (p);
}

static void
test_load_end_to_end(void **state)
{
	char err[512] = "";
	uint8_t *b, *zp;
	size_t len;
	uint64_t ird, irdlen = 3 * 4096 + 17;
	const char *ipath;

	fake_vm_init(512 * MiB, 0);
	b = make_kernel(&kdef, &len);
	ipath = make_file("initrd.img", irdlen, 5);
	cfg_initrd = ipath;
	cfg_cmdline = NULL;
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0xF02B0, err,
	    sizeof(err)), 0);

	/* The protected-mode kernel at 16 MiB, nothing of the setup code. */
	assert_memory_equal(fake.low + 0x1000000, b + 4 * 512, 0x10000);
	assert_int_equal(fake.low[0x1010000], 0);
	assert_int_equal(fake.low[0x1000000 - 1], 0);

	/* The zero page. */
	zp = fake.low + LINUX_ZEROPAGE_GPA;
	assert_int_equal(zp[LINUX_TYPE_OF_LOADER], 0xFF);
	assert_int_equal(rd32(zp + LINUX_CMD_LINE_PTR), LINUX_CMDLINE_GPA);
	assert_int_equal(rd64(zp + LINUX_ZP_ACPI_RSDP), 0xF02B0);
	ird = rd32(zp + LINUX_RAMDISK_IMAGE) |
	    (uint64_t)rd32(zp + LINUX_ZP_EXT_RAMDISK_IMAGE) << 32;
	assert_int_equal(ird, 512 * MiB - 4 * 4096);
	assert_int_equal(rd32(zp + LINUX_RAMDISK_SIZE), irdlen);
	for (uint64_t i = 0; i < irdlen; i++)
		assert_int_equal(fake.low[ird + i], (uint8_t)(i * 13 + 5));
	/* E820: the 512 MiB map. */
	assert_int_equal(zp[LINUX_ZP_E820_ENTRIES], 4);
	assert_int_equal(rd64(zp + LINUX_ZP_E820_TABLE + 40), 0x100000);
	assert_int_equal(rd64(zp + LINUX_ZP_E820_TABLE + 48),
	    512 * MiB - 0x100000);
	assert_int_equal(rd64(zp + LINUX_ZP_E820_TABLE + 60), 0xE0000000ULL);

	/* The default command line. */
	assert_string_equal((char *)fake.low + LINUX_CMDLINE_GPA,
	    "console=ttyS0");

	/* The 64-bit entry state. */
	assert_int_equal(fake.reg[VM_REG_GUEST_RIP], 0x1000200);
	assert_int_equal(fake.reg[VM_REG_GUEST_RSI], LINUX_ZEROPAGE_GPA);
	assert_true(fake.reg_set[VM_REG_GUEST_RDI]);
	assert_int_equal(fake.reg[VM_REG_GUEST_RDI], 0);
	assert_int_equal(fake.reg[VM_REG_GUEST_RBP], 0);
	assert_int_equal(fake.reg[VM_REG_GUEST_RBX], 0);
	assert_int_equal(fake.reg[VM_REG_GUEST_RFLAGS], 0x2);	/* IF off */
	assert_int_equal(fake.reg[VM_REG_GUEST_CR0] &
	    (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE | X86_CR0_PG);
	assert_true((fake.reg[VM_REG_GUEST_CR4] & X86_CR4_PAE) != 0);
	assert_int_equal(fake.reg[VM_REG_GUEST_EFER] &
	    (X86_EFER_LME | X86_EFER_LMA), X86_EFER_LME | X86_EFER_LMA);
	assert_int_equal(fake.reg[VM_REG_GUEST_CS], 0x10);
	assert_int_equal(fake.reg[VM_REG_GUEST_DS], 0x18);
	assert_int_equal(fake.reg[VM_REG_GUEST_SS], 0x18);
	assert_int_equal(fake.reg[VM_REG_GUEST_ES], 0x18);
	assert_true((fake.desc[VM_REG_GUEST_CS].access & SEG_ACC_L) != 0);
	/* The identity map covers the entry: PML4 -> PDPT -> PD[0][8]. */
	{
		uint64_t cr3 = fake.reg[VM_REG_GUEST_CR3];
		uint64_t pdpt = rd64(fake.low + cr3) & ~0xFFFULL;
		uint64_t pd = rd64(fake.low + pdpt) & ~0xFFFULL;
		uint64_t pde = rd64(fake.low + pd + 8 * 8);

		assert_int_equal(pde & ~0xFFFULL, 0x1000000);
		assert_true((pde & (X86_PTE_P | X86_PTE_PS)) ==
		    (X86_PTE_P | X86_PTE_PS));
	}
	/* The GDT the selectors point into, 64-bit code at 0x10. */
	{
		uint64_t gdt = fake.desc[VM_REG_GUEST_GDTR].base;
		uint64_t code = rd64(fake.low + gdt + 0x10);

		assert_true((code & (1ULL << 53)) != 0);	/* L */
		assert_true((code & (1ULL << 47)) != 0);	/* P */
	}
	free(b);
	fake_vm_fini();
}

static void
test_load_cmdline_and_no_initrd(void **state)
{
	char err[512] = "";
	uint8_t *b, *zp;
	size_t len;

	fake_vm_init(64 * MiB, 0);
	b = make_kernel(&kdef, &len);
	cfg_initrd = NULL;
	cfg_cmdline = "console=ttyS0 root=/dev/vda quiet";
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), 0);
	zp = fake.low + LINUX_ZEROPAGE_GPA;
	assert_string_equal((char *)fake.low + LINUX_CMDLINE_GPA, cfg_cmdline);
	assert_int_equal(rd32(zp + LINUX_RAMDISK_IMAGE), 0);
	assert_int_equal(rd32(zp + LINUX_RAMDISK_SIZE), 0);
	assert_int_equal(rd64(zp + LINUX_ZP_ACPI_RSDP), 0);
	/* An empty --cmdline is passed as an empty line. */
	cfg_cmdline = "";
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), 0);
	assert_int_equal(fake.low[LINUX_CMDLINE_GPA], 0);
	/* Registered reservations reach the zero page. */
	assert_int_equal(e820_reserve(0x2000000, 0x1000), 0);
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), 0);
	assert_int_equal(zp[LINUX_ZP_E820_ENTRIES], 6);
	assert_int_equal(rd64(zp + LINUX_ZP_E820_TABLE + 60), 0x2000000);
	assert_int_equal(rd32(zp + LINUX_ZP_E820_TABLE + 60 + 16),
	    E820_RESERVED);
	e820_reset();
	cfg_cmdline = NULL;
	free(b);
	fake_vm_fini();
}

static void
test_load_errors(void **state)
{
	char err[512];
	uint8_t *b;
	size_t len;
	struct kopts o = kdef;
	char longline[2100];

	fake_vm_init(64 * MiB, 0);
	b = make_kernel(&kdef, &len);

	/* Not a bzImage: the kernel is named. */
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, 100, 0, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "vmlinuz-test: not a Linux bzImage (no "
	    "0xAA55 boot flag and \"HdrS\" setup header)");

	/* Missing initrd: the initrd is named. */
	cfg_initrd = "/nonexistent/initrd.img";
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/initrd.img: cannot open "
	    "initrd: No such file or directory");
	/* An initrd that is a directory. */
	cfg_initrd = tmpdir;
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_ptr_equal(strstr(err, tmpdir), err);
	/* Empty initrd. */
	cfg_initrd = make_file("empty", 0, 0);
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "initrd is empty"));
	/* Too big: 64 MiB - 48 MiB leaves 16 MiB. */
	cfg_initrd = make_file("big", 16 * MiB + 1, 0);
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), -1);
	assert_ptr_equal(strstr(err, cfg_initrd), err);
	assert_non_null(strstr(err, "initrd too big for guest memory"));
	cfg_initrd = NULL;

	/* Command line too long: the kernel is named. */
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	cfg_cmdline = longline;
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "vmlinuz-test: kernel command line too long: "
	    "2099 bytes, the kernel accepts at most 2047 (cmdline_size)");
	cfg_cmdline = NULL;
	free(b);

	/* Kernel too big for a 32 MiB guest. */
	fake_vm_fini();
	fake_vm_init(32 * MiB, 0);
	b = make_kernel(&o, &len);
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), -1);
	assert_ptr_equal(strstr(err, "vmlinuz-test: kernel too big"), err);
	/* Nothing was started. */
	assert_false(fake.reg_set[VM_REG_GUEST_RIP]);
	free(b);

	/* Old protocol. */
	o.version = 0x020A;
	b = make_kernel(&o, &len);
	assert_int_equal(linux_load(&fake_ctx, &fake_bsp, b, len, 0, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "vmlinuz-test: Linux boot protocol 2.10 is "
	    "too old (lhyve needs 2.12 or later for the 64-bit entry)");
	free(b);
	fake_vm_fini();
}

/* ------------------------------------------------------------------ */
/* The Debian kernel, if tests/system/fetch.sh put it in the cache.    */

static char *
find_cached_vmlinuz(void)
{
	const char *cache = getenv("LHYVE_CACHE");
	char dir[512], *found = NULL;
	struct dirent *de;
	DIR *d;

	if (cache != NULL)
		snprintf(dir, sizeof(dir), "%s", cache);
	else if (getenv("HOME") != NULL)
		snprintf(dir, sizeof(dir), "%s/.cache/lhyve", getenv("HOME"));
	else
		return (NULL);
	d = opendir(dir);
	if (d == NULL)
		return (NULL);
	while (found == NULL && (de = readdir(d)) != NULL) {
		char path[1024];
		const char *rel;

		if (strncmp(de->d_name, "linux-image-", 12) != 0 ||
		    strstr(de->d_name, ".tmp") != NULL)
			continue;
		rel = de->d_name + 12;
		snprintf(path, sizeof(path), "%s/%s/boot/vmlinuz-%s", dir,
		    de->d_name, rel);
		if (access(path, R_OK) == 0)
			found = strdup(path);
	}
	closedir(d);
	return (found);
}

static void
test_debian_vmlinuz(void **state)
{
	struct linux_place p;
	struct linux_hdr h;
	char err[512], why[256];
	char *path = find_cached_vmlinuz();
	uint8_t *buf;
	size_t len;

	if (path == NULL) {
		print_message("no Debian kernel in the cache (run "
		    "tests/system/fetch.sh): skipped\n");
		skip();
	}
	assert_int_equal(boot_read_file(path, 1ULL << 30, &buf, &len, why,
	    sizeof(why)), 0);
	assert_int_equal(linux_probe(buf, len), 1);
	assert_int_equal(linux_parse(buf, len, &h, err, sizeof(err)), 0);
	assert_true(h.version >= 0x020C);
	assert_true((h.xloadflags & LINUX_XLF_KERNEL_64) != 0);
	assert_int_equal(h.relocatable, 1);
	assert_true(h.init_size >= h.kernel_len);
	assert_true(h.kernel_off + h.kernel_len <= len);
	assert_true(h.cmdline_size >= 255);

	/* 512 MiB, as the system tests boot it. */
	assert_int_equal(linux_place(&h, 512 * MiB, 0, 2 * MiB, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(p.kernel_addr, h.pref_address);
	assert_int_equal(p.kernel_addr % h.kernel_alignment, 0);
	assert_true(p.kernel_addr >= MiB);
	assert_true(p.kernel_end <= p.initrd_addr);
	assert_int_equal(p.initrd_addr % 4096, 0);
	assert_true(p.initrd_addr + p.initrd_len <= 512 * MiB);
	assert_true(p.initrd_addr + p.initrd_len - 1 <= h.initrd_addr_max);
	/* A guest smaller than pref_address + init_size is refused. */
	assert_int_equal(linux_place(&h, (h.pref_address + h.init_size) / 2,
	    0, 0, &p, err, sizeof(err)), -1);
	print_message("%s: protocol %u.%02u, load 0x%llx, init_size 0x%x\n",
	    path, h.version >> 8, h.version & 0xff,
	    (unsigned long long)h.pref_address, h.init_size);
	free(buf);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_setup_sects_zero),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_place_default),
		cmocka_unit_test(test_place_alignment),
		cmocka_unit_test(test_place_too_big),
		cmocka_unit_test(test_place_initrd_limits),
		cmocka_unit_test(test_cmdline_limits),
		cmocka_unit_test(test_zeropage),
		cmocka_unit_test(test_load_end_to_end),
		cmocka_unit_test(test_load_cmdline_and_no_initrd),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_debian_vmlinuz),
	};

	return (cmocka_run_group_tests_name("linux", tests, setup_tmp,
	    teardown_tmp));
}
