/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_boot.c: unit tests for the loaders in src/boot/: the multiboot
 * header scanner, the a.out kludge, the ELF parser, the multiboot info
 * builder, the GDT/page-table builders, and the whole boot_load_kernel /
 * bootrom_load paths against a fake VM (this file supplies vm_map_gpa,
 * vm_set_register, ... and get_config_value, so the loaders run without a
 * backend and every register they set can be checked).  Test kernels are
 * built in memory here; nothing binary is committed.
 */

#include <elf.h>
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

#include "boot/boot.h"
#include "boot/loader.h"
#include "boot/x86_setup.h"
#include "config.h"
#include "vmm/vmm.h"

/* ------------------------------------------------------------------ */
/* The fake VM: RAM in a host buffer, registers in arrays.             */

struct vmctx {
	int unused;
};
struct vcpu {
	int unused;
};

#define FAKE_MAX_ROMS 4

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
	struct {
		uint64_t gpa;
		size_t len;
		uint8_t *p;
	} rom[FAKE_MAX_ROMS];
	int nrom;
	int resets;
	uint64_t notified;	/* bytes reported through vm_notify_write */
} fake;

static struct vmctx fake_ctx;
static struct vcpu fake_bsp;

static void
fake_vm_init(size_t lowmem, size_t highmem)
{
	fake.low = malloc(lowmem);
	assert_non_null(fake.low);
	/* Garbage, so that "zeroed" and "untouched" can be told apart. */
	memset(fake.low, 0xAA, lowmem);
	fake.lowmem = lowmem;
	fake.highmem = highmem;
	if (highmem > 0) {
		fake.high = malloc(highmem);
		assert_non_null(fake.high);
		memset(fake.high, 0xAA, highmem);
	}
}

static void
fake_vm_fini(void)
{
	free(fake.low);
	free(fake.high);
	for (int i = 0; i < fake.nrom; i++)
		free(fake.rom[i].p);
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
	for (int i = 0; i < fake.nrom; i++)
		if (gpa - fake.rom[i].gpa < fake.rom[i].len)
			return (len <= fake.rom[i].len - (gpa -
			    fake.rom[i].gpa) ? fake.rom[i].p + (gpa -
			    fake.rom[i].gpa) : NULL);
	if (gpa < fake.lowmem)
		return (len <= fake.lowmem - gpa ? fake.low + gpa : NULL);
	if (gpa >= VM_HIGHMEM_BASE && gpa - VM_HIGHMEM_BASE < fake.highmem)
		return (len <= fake.highmem - (gpa - VM_HIGHMEM_BASE) ?
		    fake.high + (gpa - VM_HIGHMEM_BASE) : NULL);
	return (NULL);
}

void *
vm_create_rom(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	if (fake.nrom == FAKE_MAX_ROMS)
		return (NULL);
	fake.rom[fake.nrom].gpa = gpa;
	fake.rom[fake.nrom].len = len;
	fake.rom[fake.nrom].p = calloc(1, len);
	return (fake.rom[fake.nrom++].p);
}

void
vm_notify_write(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	fake.notified += len;
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

int
vm_vcpu_reset(struct vcpu *vcpu)
{
	fake.resets++;
	return (0);
}

/* The config tree, reduced to the few boot.* / lpc.* values we read. */
static const char *cfg_kernel, *cfg_initrd, *cfg_cmdline, *cfg_bootrom,
    *cfg_bootvars;

const char *
get_config_value(const char *path)
{
	if (strcmp(path, "boot.kernel") == 0)
		return (cfg_kernel);
	if (strcmp(path, "boot.initrd") == 0)
		return (cfg_initrd);
	if (strcmp(path, "boot.cmdline") == 0)
		return (cfg_cmdline);
	if (strcmp(path, "lpc.bootrom") == 0)
		return (cfg_bootrom);
	if (strcmp(path, "lpc.bootvars") == 0)
		return (cfg_bootvars);
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* Building test kernels in memory.                                    */

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
wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A multiboot header at p: magic, flags, checksum, a.out fields. */
static void
put_mbhdr(uint8_t *p, uint32_t flags, const uint32_t *aout)
{
	wr32(p, MB_HEADER_MAGIC);
	wr32(p + 4, flags);
	wr32(p + 8, -(MB_HEADER_MAGIC + flags));
	if (aout != NULL)
		for (int i = 0; i < 5; i++)
			wr32(p + 12 + 4 * i, aout[i]);
}

struct tseg {
	uint64_t vaddr, paddr, filesz, memsz;
};

#define TSEG_DATA	0x1000	/* segment i's data at file offset (i+1)*4K */
#define TFILE_MAX	(64 * 1024)

/*
 * An ELF executable: header, program headers, an optional multiboot
 * header (flags) at offset 0x200, segment i's bytes = 0x11 * (i + 1) at
 * offset (i + 1) * 4 KiB.  Returns the file size.
 */
static size_t
build_elf(uint8_t *buf, int cls, uint16_t machine, uint64_t entry,
    const struct tseg *segs, int nseg, bool mb, uint32_t mbflags)
{
	size_t size = (size_t)(nseg + 1) * TSEG_DATA;

	memset(buf, 0, TFILE_MAX);
	if (cls == ELFCLASS64) {
		Elf64_Ehdr eh = { 0 };

		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS64;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		eh.e_type = ET_EXEC;
		eh.e_machine = machine;
		eh.e_version = EV_CURRENT;
		eh.e_entry = entry;
		eh.e_phoff = sizeof(eh);
		eh.e_ehsize = sizeof(eh);
		eh.e_phentsize = sizeof(Elf64_Phdr);
		eh.e_phnum = nseg;
		memcpy(buf, &eh, sizeof(eh));
		for (int i = 0; i < nseg; i++) {
			Elf64_Phdr ph = { 0 };

			ph.p_type = PT_LOAD;
			ph.p_offset = (uint64_t)(i + 1) * TSEG_DATA;
			ph.p_vaddr = segs[i].vaddr;
			ph.p_paddr = segs[i].paddr;
			ph.p_filesz = segs[i].filesz;
			ph.p_memsz = segs[i].memsz;
			ph.p_flags = PF_R | PF_X;
			memcpy(buf + sizeof(eh) + i * sizeof(ph), &ph,
			    sizeof(ph));
		}
	} else {
		Elf32_Ehdr eh = { 0 };

		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS32;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		eh.e_type = ET_EXEC;
		eh.e_machine = machine;
		eh.e_version = EV_CURRENT;
		eh.e_entry = (uint32_t)entry;
		eh.e_phoff = sizeof(eh);
		eh.e_ehsize = sizeof(eh);
		eh.e_phentsize = sizeof(Elf32_Phdr);
		eh.e_phnum = nseg;
		memcpy(buf, &eh, sizeof(eh));
		for (int i = 0; i < nseg; i++) {
			Elf32_Phdr ph = { 0 };

			ph.p_type = PT_LOAD;
			ph.p_offset = (uint32_t)(i + 1) * TSEG_DATA;
			ph.p_vaddr = (uint32_t)segs[i].vaddr;
			ph.p_paddr = (uint32_t)segs[i].paddr;
			ph.p_filesz = (uint32_t)segs[i].filesz;
			ph.p_memsz = (uint32_t)segs[i].memsz;
			ph.p_flags = PF_R | PF_X;
			memcpy(buf + sizeof(eh) + i * sizeof(ph), &ph,
			    sizeof(ph));
		}
	}
	for (int i = 0; i < nseg; i++)
		memset(buf + (i + 1) * TSEG_DATA, 0x11 * (i + 1),
		    segs[i].filesz < TSEG_DATA ? segs[i].filesz : TSEG_DATA);
	if (mb)
		put_mbhdr(buf + 0x200, mbflags, NULL);
	return (size);
}

/* A typical small multiboot ELF32 kernel: text at 1 MiB, data+bss above. */
static const struct tseg k32_segs[] = {
	{ 0x100000, 0x100000, 0x800, 0x800 },
	{ 0x101000, 0x101000, 0x100, 0x2345 },	/* bss: 0x2245 bytes */
};

static char tmpdir[64];
/* Every file write_tmp made, for removal at the end. */
static char tmpfiles[64][128];
static int ntmpfiles;

static const char *
write_tmp(const char *name, const void *data, size_t len)
{
	char *path = NULL;
	FILE *fp;

	for (int i = 0; i < ntmpfiles; i++)
		if (strcmp(strrchr(tmpfiles[i], '/') + 1, name) == 0)
			path = tmpfiles[i];
	if (path == NULL) {
		assert_true(ntmpfiles < 64);
		path = tmpfiles[ntmpfiles++];
	}
	snprintf(path, 128, "%s/%s", tmpdir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	if (len > 0)
		assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	return (path);
}

static uint8_t *
gpa(uint64_t a)
{
	uint8_t *p = vm_map_gpa(&fake_ctx, a, 1);

	assert_non_null(p);
	return (p);
}

static bool
all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return (false);
	return (true);
}

#define assert_err_has(err, what) do {					\
	if (strstr((err), (what)) == NULL)				\
		fail_msg("error \"%s\" lacks \"%s\"", (err), (what));	\
} while (0)

static int
setup(void **state)
{
	cfg_kernel = cfg_initrd = cfg_cmdline = cfg_bootrom = NULL;
	cfg_bootvars = NULL;
	fake_vm_init(8 << 20, 0);
	return (0);
}

static int
teardown(void **state)
{
	fake_vm_fini();
	return (0);
}

/* ------------------------------------------------------------------ */
/* Multiboot header scanning.                                          */

static void
test_mb_header_found(void **state)
{
	uint8_t buf[8192] = { 0 };
	struct mb_header h;
	char err[256];

	put_mbhdr(buf + 4096, MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO, NULL);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), 1);
	assert_int_equal(h.offset, 4096);
	assert_int_equal(h.flags, 3);

	/* Last possible place: 12 bytes ending exactly at 8192. */
	memset(buf, 0, sizeof(buf));
	put_mbhdr(buf + 8180, 0, NULL);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), 1);
	assert_int_equal(h.offset, 8180);
}

static void
test_mb_header_not_found(void **state)
{
	uint8_t buf[16384] = { 0 };
	struct mb_header h;
	char err[256];

	/* Beyond the first 8 KiB. */
	put_mbhdr(buf + 8192, 0, NULL);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), 0);
	/* Straddling the 8 KiB limit. */
	put_mbhdr(buf + 8184, 0, NULL);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), 0);
	/* Not 4-byte aligned. */
	memset(buf, 0, sizeof(buf));
	put_mbhdr(buf + 102, 0, NULL);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), 0);
	/* A file shorter than a header. */
	assert_int_equal(mb_find_header(buf, 8, &h, err, sizeof(err)), 0);
	assert_int_equal(mb_find_header(buf, 0, &h, err, sizeof(err)), 0);
}

static void
test_mb_header_bad_checksum(void **state)
{
	uint8_t buf[8192] = { 0 };
	struct mb_header h;
	char err[256];

	put_mbhdr(buf + 64, 3, NULL);
	wr32(buf + 64 + 8, rd32(buf + 64 + 8) + 1);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "multiboot header at offset 64 has a bad "
	    "checksum");

	/* A good header after a bad one is used, as GRUB does. */
	put_mbhdr(buf + 128, 2, NULL);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), 1);
	assert_int_equal(h.offset, 128);
	assert_int_equal(h.flags, 2);
}

static void
test_mb_header_flags(void **state)
{
	uint8_t buf[8192] = { 0 };
	struct mb_header h;
	char err[256];

	/* Bit 3 is a required feature nobody defined: refuse. */
	put_mbhdr(buf, 0x8 | 0x3, NULL);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), -1);
	assert_err_has(err, "unsupported features");
	assert_err_has(err, "0x0008");

	/* Optional high bits (other than 16) are ignored. */
	put_mbhdr(buf, 0x00020003, NULL);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), 1);
	assert_int_equal(h.flags, 0x00020003);

	/* Video (bit 2) is accepted; its fields are read. */
	put_mbhdr(buf, MB_HF_VIDEO_MODE, NULL);
	wr32(buf + 32, 1);
	wr32(buf + 36, 80);
	wr32(buf + 40, 25);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), 1);
	assert_int_equal(h.mode_type, 1);
	assert_int_equal(h.width, 80);
	assert_int_equal(h.height, 25);
}

static void
test_mb_header_truncated(void **state)
{
	uint8_t buf[8192] = { 0 };
	struct mb_header h;
	char err[256];

	/* a.out kludge needs 32 bytes; only 16 remain in the file. */
	put_mbhdr(buf + 240, MB_HF_AOUT_KLUDGE, NULL);
	assert_int_equal(mb_find_header(buf, 256, &h, err, sizeof(err)), -1);
	assert_err_has(err, "truncated");
	/* ... and within the 8 KiB window. */
	memset(buf, 0, sizeof(buf));
	put_mbhdr(buf + 8176, MB_HF_AOUT_KLUDGE, NULL);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), -1);
	assert_err_has(err, "truncated");
}

/* ------------------------------------------------------------------ */
/* The a.out kludge.                                                   */

static void
test_mb_aout(void **state)
{
	uint8_t buf[0x3000] = { 0 };
	struct boot_image img;
	struct mb_header h;
	char err[256];
	/* header_addr, load_addr, load_end_addr, bss_end_addr, entry */
	uint32_t a[5] = { 0x100010, 0x100000, 0x102000, 0x105000, 0x100040 };

	put_mbhdr(buf + 0x10, MB_HF_AOUT_KLUDGE | 3, a);
	assert_int_equal(mb_find_header(buf, sizeof(buf), &h, err,
	    sizeof(err)), 1);
	assert_int_equal(h.load_addr, 0x100000);
	assert_int_equal(mb_aout_image(buf, sizeof(buf), &h, &img, err,
	    sizeof(err)), 0);
	assert_int_equal(img.nseg, 1);
	assert_int_equal(img.seg[0].paddr, 0x100000);
	assert_int_equal(img.seg[0].offset, 0);
	assert_int_equal(img.seg[0].filesz, 0x2000);
	assert_int_equal(img.seg[0].memsz, 0x5000);
	assert_int_equal(img.entry, 0x100040);
	assert_int_equal(img.hi, 0x105000);

	/* load_end_addr 0: load to the end of the file; no bss. */
	h.load_end_addr = 0;
	h.bss_end_addr = 0;
	assert_int_equal(mb_aout_image(buf, sizeof(buf), &h, &img, err,
	    sizeof(err)), 0);
	assert_int_equal(img.seg[0].filesz, 0x3000);
	assert_int_equal(img.seg[0].memsz, 0x3000);

	/* Header placed at file offset 0x10 but claiming 0x20 into the load. */
	h.header_addr = 0x100020;
	assert_int_equal(mb_aout_image(buf, sizeof(buf), &h, &img, err,
	    sizeof(err)), -1);
	assert_err_has(err, "header_addr");
	h.header_addr = 0x0ffff0;	/* below load_addr */
	assert_int_equal(mb_aout_image(buf, sizeof(buf), &h, &img, err,
	    sizeof(err)), -1);

	/* Loading more than the file holds. */
	h.header_addr = 0x100010;
	h.load_end_addr = 0x103001;
	assert_int_equal(mb_aout_image(buf, sizeof(buf), &h, &img, err,
	    sizeof(err)), -1);
	assert_err_has(err, "past the end of the file");

	/* bss ending before the data does. */
	h.load_end_addr = 0x102000;
	h.bss_end_addr = 0x101000;
	assert_int_equal(mb_aout_image(buf, sizeof(buf), &h, &img, err,
	    sizeof(err)), -1);
	assert_err_has(err, "bss_end_addr");

	/* Running past 4 GiB. */
	h.load_addr = 0xfffff000;
	h.header_addr = 0xfffff010;
	h.load_end_addr = 0;
	h.bss_end_addr = 0;
	assert_int_equal(mb_aout_image(buf, sizeof(buf), &h, &img, err,
	    sizeof(err)), -1);
	assert_err_has(err, "4 GiB");
}

/* ------------------------------------------------------------------ */
/* ELF parsing.                                                        */

static void
test_elf32_parse(void **state)
{
	static uint8_t f[TFILE_MAX];
	struct boot_image img;
	char err[256];
	size_t n;

	n = build_elf(f, ELFCLASS32, EM_386, 0x100010, k32_segs, 2, true, 3);
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), 0);
	assert_int_equal(img.elfclass, ELFCLASS32);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.seg[0].paddr, 0x100000);
	assert_int_equal(img.seg[0].offset, 0x1000);
	assert_int_equal(img.seg[0].filesz, 0x800);
	assert_int_equal(img.seg[1].paddr, 0x101000);
	assert_int_equal(img.seg[1].offset, 0x2000);
	assert_int_equal(img.seg[1].filesz, 0x100);
	assert_int_equal(img.seg[1].memsz, 0x2345);
	assert_int_equal(img.lo, 0x100000);
	assert_int_equal(img.hi, 0x103345);
	assert_int_equal(img.entry, 0x100010);
}

static void
test_elf64_parse_higher_half(void **state)
{
	static uint8_t f[TFILE_MAX];
	const struct tseg segs[] = {
		{ 0xffffffff80100000ULL, 0x100000, 0x1000, 0x1000 },
	};
	struct boot_image img;
	char err[256];
	size_t n;

	/* Entry given virtually: translated through the segment. */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0xffffffff80100020ULL, segs,
	    1, false, 0);
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), 0);
	assert_int_equal(img.elfclass, ELFCLASS64);
	assert_int_equal(img.entry, 0x100020);
	/* An entry outside every segment is taken as is. */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x200000, segs, 1, false, 0);
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), 0);
	assert_int_equal(img.entry, 0x200000);
}

static void
test_elf_malformed(void **state)
{
	static uint8_t f[TFILE_MAX];
	struct boot_image img;
	Elf64_Phdr ph;
	char err[256];
	size_t n;

	/* Truncated headers. */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x100000, k32_segs, 1, false,
	    0);
	assert_int_equal(elf_parse(f, 40, &img, err, sizeof(err)), -1);
	assert_string_equal(err, "truncated ELF header (40 of 64 bytes)");
	assert_int_equal(elf_parse(f, 3, &img, err, sizeof(err)), -1);
	assert_string_equal(err, "not an ELF file");

	/* Program header table past EOF: 64 + 56 bytes needed. */
	assert_int_equal(elf_parse(f, 100, &img, err, sizeof(err)), -1);
	assert_err_has(err, "program header table");
	/* A phoff near 2^64 must not wrap the bounds check. */
	wr32(f + offsetof(Elf64_Ehdr, e_phoff), 0xfffffff0);
	wr32(f + offsetof(Elf64_Ehdr, e_phoff) + 4, 0xffffffff);
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_err_has(err, "program header table");

	/* p_offset + p_filesz overflowing 64 bits. */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x100000, k32_segs, 1, false,
	    0);
	memcpy(&ph, f + sizeof(Elf64_Ehdr), sizeof(ph));
	ph.p_offset = UINT64_MAX - 10;
	ph.p_filesz = 100;
	ph.p_memsz = 100;
	memcpy(f + sizeof(Elf64_Ehdr), &ph, sizeof(ph));
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_err_has(err, "past the end of the file");
	/* In-range offset, a size that wraps offset + size to a small value. */
	ph.p_offset = 0x1000;
	ph.p_filesz = UINT64_MAX - 0x800;
	ph.p_memsz = UINT64_MAX - 0x800;
	memcpy(f + sizeof(Elf64_Ehdr), &ph, sizeof(ph));
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_err_has(err, "past the end of the file");

	/* Segment data past EOF (the file is cut short). */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x100000, k32_segs, 1, false,
	    0);
	assert_int_equal(elf_parse(f, 0x1400, &img, err, sizeof(err)), -1);
	assert_string_equal(err, "segment 0: data at offset 4096 size 2048 "
	    "runs past the end of the file (5120 bytes)");

	/* filesz > memsz */
	memcpy(&ph, f + sizeof(Elf64_Ehdr), sizeof(ph));
	ph.p_memsz = 0x10;
	memcpy(f + sizeof(Elf64_Ehdr), &ph, sizeof(ph));
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_err_has(err, "exceeds memory size");

	/* paddr + memsz wrapping around. */
	ph.p_memsz = 0x2000;
	ph.p_paddr = UINT64_MAX - 0xfff;
	memcpy(f + sizeof(Elf64_Ehdr), &ph, sizeof(ph));
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_err_has(err, "wraps around");

	/* Wrong machine, both ways round. */
	n = build_elf(f, ELFCLASS32, EM_X86_64, 0x100000, k32_segs, 1, true, 0);
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_string_equal(err, "wrong machine: ELF32 e_machine 62, "
	    "expected i386 (3)");
	n = build_elf(f, ELFCLASS64, EM_AARCH64, 0x100000, k32_segs, 1, false,
	    0);
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_err_has(err, "wrong machine");

	/* Not ET_EXEC. */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x100000, k32_segs, 1, false,
	    0);
	f[offsetof(Elf64_Ehdr, e_type)] = ET_DYN;
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_err_has(err, "ET_EXEC");

	/* No loadable segment. */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x100000, k32_segs, 1, false,
	    0);
	f[sizeof(Elf64_Ehdr)] = PT_NOTE;
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_string_equal(err, "no loadable (PT_LOAD) segments");

	/* Bad class, big-endian, tiny phentsize. */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x100000, k32_segs, 1, false,
	    0);
	f[EI_CLASS] = 7;
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown ELF class 7");
	f[EI_CLASS] = ELFCLASS64;
	f[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	f[EI_DATA] = ELFDATA2LSB;
	f[offsetof(Elf64_Ehdr, e_phentsize)] = 8;
	assert_int_equal(elf_parse(f, n, &img, err, sizeof(err)), -1);
	assert_err_has(err, "program header size");
}

static void
test_image_check(void **state)
{
	struct boot_image img = { 0 };
	char err[256];

	img.nseg = 1;
	img.seg[0] = (struct boot_seg){ 0x100000, 0, 0x1000, 0x1000 };
	img.entry = 0x100000;
	assert_int_equal(boot_image_check(&img, 8 << 20, 0, err, sizeof(err)),
	    0);
	/* One byte past the end of RAM. */
	img.seg[0].memsz = (8 << 20) - 0x100000 + 1;
	assert_int_equal(boot_image_check(&img, 8 << 20, 0, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "segment 0 (0x100000-0x800001) is outside "
	    "guest RAM (0-0x800000); give the guest more memory (-m) or "
	    "check the link address");
	/* Exactly to the end is fine. */
	img.seg[0].memsz = (8 << 20) - 0x100000;
	assert_int_equal(boot_image_check(&img, 8 << 20, 0, err, sizeof(err)),
	    0);
	/* In the PCI hole. */
	img.seg[0].paddr = 0xc0000000;
	img.seg[0].memsz = 0x1000;
	assert_int_equal(boot_image_check(&img, 8 << 20, 1 << 20, err,
	    sizeof(err)), -1);
	assert_err_has(err, "0-0x800000 and 0x100000000-0x100100000");
	/* In highmem. */
	img.seg[0].paddr = VM_HIGHMEM_BASE + 0x1000;
	assert_int_equal(boot_image_check(&img, 8 << 20, 1 << 20, err,
	    sizeof(err)), 0);
	/* Running past the end of highmem. */
	img.seg[0].paddr = VM_HIGHMEM_BASE + (1 << 20) - 0x800;
	assert_int_equal(boot_image_check(&img, 8 << 20, 1 << 20, err,
	    sizeof(err)), -1);
	assert_err_has(err, "outside guest RAM");
	/* Over lhyve's boot data. */
	img.seg[0].paddr = 0x7f000;
	img.seg[0].memsz = 0x2000;
	assert_int_equal(boot_image_check(&img, 8 << 20, 0, err, sizeof(err)),
	    -1);
	assert_err_has(err, "overlaps lhyve's boot data");
	/* Below it is allowed. */
	img.seg[0].paddr = 0x800;
	img.seg[0].memsz = 0x800;
	assert_int_equal(boot_image_check(&img, 8 << 20, 0, err, sizeof(err)),
	    0);
	/* An entry outside RAM. */
	img.entry = 0x900000;
	assert_int_equal(boot_image_check(&img, 8 << 20, 0, err, sizeof(err)),
	    -1);
	assert_err_has(err, "entry point 0x900000");
}

/* ------------------------------------------------------------------ */
/* The multiboot information structure.                                */

static void
check_mmap_entry(const uint8_t *e, uint64_t base, uint64_t len,
    uint32_t type)
{
	assert_int_equal(rd32(e), 20);
	assert_int_equal(rd64(e + 4), base);
	assert_int_equal(rd64(e + 12), len);
	assert_int_equal(rd32(e + 20), type);
}

static void
test_mb_info(void **state)
{
	static uint8_t buf[4096];
	const uint64_t base = 0x8000;
	struct mb_params p = {
		.lowmem = 64 << 20,
		.highmem = 0,
		.cmdline = "console=ttyS0  x=\"y z\"",
		.loader_name = "lhyve",
		.have_module = true,
		.mod_start = 0x104000,
		.mod_end = 0x104123,
		.mod_string = "/tmp/initrd.img",
	};
	const uint8_t *mm, *mod;
	char err[256];
	ssize_t n;

	memset(buf, 0xAA, sizeof(buf));
	n = mb_build_info(buf, sizeof(buf), base, &p, err, sizeof(err));
	assert_true(n > MBI_SIZE);
	assert_int_equal(rd32(buf + MBI_FLAGS), MB_IF_MEMORY | MB_IF_CMDLINE |
	    MB_IF_MODS | MB_IF_MMAP | MB_IF_LOADER_NAME);
	assert_int_equal(rd32(buf + MBI_MEM_LOWER), 640);
	assert_int_equal(rd32(buf + MBI_MEM_UPPER), 63 * 1024);
	/* Fields we do not provide are zero. */
	assert_int_equal(rd32(buf + MBI_BOOT_DEVICE), 0);
	assert_true(all_bytes(buf + 28, 16, 0));

	/* Memory map: 3 entries without highmem. */
	assert_int_equal(rd32(buf + MBI_MMAP_LENGTH), 3 * 24);
	mm = buf + (rd32(buf + MBI_MMAP_ADDR) - base);
	check_mmap_entry(mm, 0, 0xa0000, 1);
	check_mmap_entry(mm + 24, 0xa0000, 0x60000, 2);
	check_mmap_entry(mm + 48, 0x100000, 63 << 20, 1);

	/* Module 0 and the strings, all inside the buffer. */
	assert_int_equal(rd32(buf + MBI_MODS_COUNT), 1);
	mod = buf + (rd32(buf + MBI_MODS_ADDR) - base);
	assert_int_equal(rd32(mod), 0x104000);
	assert_int_equal(rd32(mod + 4), 0x104123);
	assert_string_equal((const char *)buf + (rd32(mod + 8) - base),
	    "/tmp/initrd.img");
	assert_int_equal(rd32(mod + 12), 0);
	assert_string_equal((const char *)buf + (rd32(buf + MBI_CMDLINE) -
	    base), "console=ttyS0  x=\"y z\"");
	assert_string_equal((const char *)buf + (rd32(buf + MBI_LOADER_NAME) -
	    base), "lhyve");
	assert_true(rd32(buf + MBI_CMDLINE) - base + strlen(p.cmdline) <
	    (size_t)n);
}

static void
test_mb_info_variants(void **state)
{
	static uint8_t buf[4096];
	struct mb_params p = { .lowmem = 3ULL << 30, .highmem = 1ULL << 30,
	    .loader_name = "lhyve" };
	char big[5000], err[256];
	const uint8_t *mm;

	/* No module, no command line: an empty string, no MODS flag. */
	assert_true(mb_build_info(buf, sizeof(buf), 0x8000, &p, err,
	    sizeof(err)) > 0);
	assert_int_equal(rd32(buf + MBI_FLAGS), MB_IF_MEMORY | MB_IF_CMDLINE |
	    MB_IF_MMAP | MB_IF_LOADER_NAME);
	assert_int_equal(rd32(buf + MBI_MODS_COUNT), 0);
	assert_string_equal((const char *)buf + rd32(buf + MBI_CMDLINE) -
	    0x8000, "");
	assert_int_equal(rd32(buf + MBI_MEM_UPPER), (3U << 20) - 1024);
	/* Highmem gets a 4th entry. */
	assert_int_equal(rd32(buf + MBI_MMAP_LENGTH), 4 * 24);
	mm = buf + rd32(buf + MBI_MMAP_ADDR) - 0x8000;
	check_mmap_entry(mm + 72, 4ULL << 30, 1ULL << 30, 1);

	/* A command line that does not fit. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p.cmdline = big;
	assert_int_equal(mb_build_info(buf, sizeof(buf), 0x8000, &p, err,
	    sizeof(err)), -1);
	assert_err_has(err, "command line too long");
	/* An area that would give the guest addresses above 4 GiB. */
	p.cmdline = NULL;
	assert_int_equal(mb_build_info(buf, sizeof(buf), 0xfffff800, &p, err,
	    sizeof(err)), -1);
}

/* ------------------------------------------------------------------ */
/* GDT and page tables.                                                */

static void
test_gdt_and_page_tables(void **state)
{
	static uint8_t pt[BOOT_PT_PAGES * 4096];
	uint8_t gdt[32];

	assert_int_equal(x86_build_gdt(gdt, sizeof(gdt), false), 32);
	assert_int_equal(rd64(gdt), 0);
	assert_int_equal(rd64(gdt + 8), 0);
	assert_int_equal(rd64(gdt + 0x10), 0x00cf9b000000ffffULL);
	assert_int_equal(rd64(gdt + 0x18), 0x00cf93000000ffffULL);
	assert_int_equal(x86_build_gdt(gdt, sizeof(gdt), true), 32);
	assert_int_equal(rd64(gdt + 0x10), 0x00af9b000000ffffULL);
	assert_int_equal(x86_build_gdt(gdt, 31, true), -1);

	assert_int_equal(x86_build_identity_pt(pt, sizeof(pt), 0x2000), 0);
	assert_int_equal(rd64(pt), 0x3003);		/* PML4[0] -> PDPT */
	assert_int_equal(rd64(pt + 8), 0);
	for (int i = 0; i < 4; i++)			/* PDPT[i] -> PD i */
		assert_int_equal(rd64(pt + 4096 + 8 * i),
		    0x4003 + 0x1000 * i);
	assert_int_equal(rd64(pt + 4096 + 32), 0);
	assert_int_equal(rd64(pt + 2 * 4096), 0x83);	/* 0 -> 0, 2M page */
	assert_int_equal(rd64(pt + 2 * 4096 + 8), 0x200083);
	/* The last 2 MiB below 4 GiB (LAPIC/IOAPIC live there). */
	assert_int_equal(rd64(pt + 6 * 4096 - 8), 0xffe00083ULL);
	assert_int_equal(x86_build_identity_pt(pt, sizeof(pt) - 1, 0x2000),
	    -1);
	assert_int_equal(x86_build_identity_pt(pt, sizeof(pt), 0x2100), -1);
}

/* ------------------------------------------------------------------ */
/* Whole loads against the fake VM.                                    */

static void
check_flat32_state(uint64_t entry)
{
	assert_int_equal(fake.reg[VM_REG_GUEST_RIP], entry);
	assert_int_equal(fake.reg[VM_REG_GUEST_RFLAGS], 0x2);
	assert_int_equal(fake.reg[VM_REG_GUEST_CR0], 0x11);
	assert_int_equal(fake.reg[VM_REG_GUEST_CR4], 0);
	assert_int_equal(fake.reg[VM_REG_GUEST_EFER], 0);
	assert_int_equal(fake.reg[VM_REG_GUEST_CS], 0x10);
	assert_int_equal(fake.reg[VM_REG_GUEST_SS], 0x18);
	assert_int_equal(fake.desc[VM_REG_GUEST_CS].base, 0);
	assert_int_equal(fake.desc[VM_REG_GUEST_CS].limit, 0xffffffff);
	assert_int_equal(fake.desc[VM_REG_GUEST_CS].access, 0xc09b);
	for (int r = VM_REG_GUEST_ES; r <= VM_REG_GUEST_GS; r++) {
		if (r == VM_REG_GUEST_CS)
			continue;
		assert_true(fake.desc[r].set);
		assert_int_equal(fake.desc[r].base, 0);
		assert_int_equal(fake.desc[r].limit, 0xffffffff);
		assert_int_equal(fake.desc[r].access, 0xc093);
	}
	assert_int_equal(fake.desc[VM_REG_GUEST_GDTR].base, 0x1000);
	assert_int_equal(fake.desc[VM_REG_GUEST_GDTR].limit, 31);
	assert_int_equal(rd64(gpa(0x1010)), 0x00cf9b000000ffffULL);
	assert_int_equal(fake.desc[VM_REG_GUEST_TR].access, 0x8b);
}

static void
test_load_multiboot_elf32(void **state)
{
	static uint8_t f[TFILE_MAX];
	static uint8_t rd[0x1235];
	uint32_t mbi, mod;
	char err[256];
	size_t n;

	n = build_elf(f, ELFCLASS32, EM_386, 0x100010, k32_segs, 2, true, 3);
	cfg_kernel = write_tmp("k32.elf", f, n);
	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i * 7);
	cfg_initrd = write_tmp("initrd", rd, sizeof(rd));
	cfg_cmdline = "root=/dev/vda  quiet";

	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), 0);
	check_flat32_state(0x100010);
	assert_int_equal(fake.reg[VM_REG_GUEST_RAX], 0x2BADB002);
	mbi = (uint32_t)fake.reg[VM_REG_GUEST_RBX];
	assert_int_equal(mbi, 0x8000);

	/* Segments: data copied, bss zeroed, nothing beyond touched. */
	assert_true(all_bytes(gpa(0x100000), 0x800, 0x11));
	assert_true(all_bytes(gpa(0x100800), 0x800, 0xAA));
	assert_true(all_bytes(gpa(0x101000), 0x100, 0x22));
	assert_true(all_bytes(gpa(0x101100), 0x2245, 0));
	assert_int_equal(*gpa(0x103345), 0xAA);

	/* The initrd: page-aligned after the kernel, mod_end exact. */
	assert_int_equal(rd32(gpa(mbi + MBI_MODS_COUNT)), 1);
	mod = rd32(gpa(mbi + MBI_MODS_ADDR));
	assert_int_equal(rd32(gpa(mod)), 0x104000);
	assert_int_equal(rd32(gpa(mod + 4)), 0x104000 + 0x1235);
	assert_memory_equal(gpa(0x104000), rd, sizeof(rd));
	assert_string_equal((char *)gpa(rd32(gpa(mod + 8))), cfg_initrd);
	assert_string_equal((char *)gpa(rd32(gpa(mbi + MBI_CMDLINE))),
	    "root=/dev/vda  quiet");
	assert_int_equal(rd32(gpa(mbi + MBI_MEM_UPPER)), 7 * 1024);
	assert_int_equal(rd32(gpa(mbi + MBI_FLAGS)), 0x24d);
}

static void
test_load_multiboot_aout(void **state)
{
	static uint8_t f[0x2000];
	uint32_t a[5] = { 0x200000, 0x200000, 0x201000, 0x203000, 0x200020 };
	char err[256];

	memset(f, 0x5A, sizeof(f));
	put_mbhdr(f, MB_HF_AOUT_KLUDGE | MB_HF_PAGE_ALIGN, a);
	cfg_kernel = write_tmp("flat.bin", f, sizeof(f));
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), 0);
	check_flat32_state(0x200020);
	assert_memory_equal(gpa(0x200000), f, 0x1000);
	assert_true(all_bytes(gpa(0x201000), 0x2000, 0));
	assert_int_equal(*gpa(0x203000), 0xAA);
	/* No initrd: no MODS flag. */
	assert_int_equal(rd32(gpa(0x8000)) & MB_IF_MODS, 0);
}

static void
test_load_multiboot_elf64(void **state)
{
	static uint8_t f[TFILE_MAX];
	const struct tseg segs[] = {
		{ 0x100000, 0x100000, 0x200, 0x1000 },
	};
	char err[256];
	size_t n;

	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x100000, segs, 1, true, 2);
	cfg_kernel = write_tmp("k64mb.elf", f, n);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), 0);
	/* Multiboot wins over plain ELF64: 32-bit entry. */
	check_flat32_state(0x100000);
	assert_int_equal(fake.reg[VM_REG_GUEST_RAX], 0x2BADB002);

	/* An entry above 4 GiB cannot be reached in 32-bit mode. */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x100000000ULL, segs, 1, true,
	    2);
	cfg_kernel = write_tmp("k64mb-high.elf", f, n);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_err_has(err, cfg_kernel);
	assert_err_has(err, "above 4 GiB");
}

static void
test_load_elf64(void **state)
{
	static uint8_t f[TFILE_MAX];
	const struct tseg segs[] = {
		{ 0x200000, 0x200000, 0x300, 0x900 },
		{ 0x400000, 0x400000, 0x10, 0x10 },
	};
	uint8_t *pt;
	char err[256];
	size_t n;

	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x200040, segs, 2, false, 0);
	cfg_kernel = write_tmp("k64.elf", f, n);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), 0);
	assert_int_equal(fake.reg[VM_REG_GUEST_RIP], 0x200040);
	assert_int_equal(fake.reg[VM_REG_GUEST_RSP], 0x80000);
	assert_int_equal(fake.reg[VM_REG_GUEST_RFLAGS], 2);
	assert_int_equal(fake.reg[VM_REG_GUEST_CR0], 0x80000031ULL);
	assert_int_equal(fake.reg[VM_REG_GUEST_CR4], 0x20);
	assert_int_equal(fake.reg[VM_REG_GUEST_CR3], 0x2000);
	assert_int_equal(fake.reg[VM_REG_GUEST_EFER], 0x500);
	assert_int_equal(fake.reg[VM_REG_GUEST_RDI], 0);
	assert_true(fake.reg_set[VM_REG_GUEST_RDI]);
	assert_int_equal(fake.reg[VM_REG_GUEST_CS], 0x10);
	assert_int_equal(fake.reg[VM_REG_GUEST_DS], 0x18);
	assert_int_equal(fake.desc[VM_REG_GUEST_CS].access, 0xa09b);
	assert_int_equal(fake.desc[VM_REG_GUEST_SS].access, 0xc093);
	assert_int_equal(rd64(gpa(0x1010)), 0x00af9b000000ffffULL);
	pt = gpa(0x2000);
	assert_int_equal(rd64(pt), 0x3003);
	assert_int_equal(rd64(pt + 3 * 4096 + 8), 0x40200083ULL);
	assert_true(all_bytes(gpa(0x200000), 0x300, 0x11));
	assert_true(all_bytes(gpa(0x200300), 0x600, 0));
	assert_true(all_bytes(gpa(0x400000), 0x10, 0x22));
	/* Nothing multiboot about it. */
	assert_false(fake.reg_set[VM_REG_GUEST_RAX]);
}

static void
test_load_errors(void **state)
{
	static uint8_t f[TFILE_MAX];
	const struct tseg big[] = {
		{ 0x100000, 0x100000, 0x100, 0x800000 },
	};
	const struct tseg low[] = {
		{ 0x10000, 0x10000, 0x100, 0x100 },
	};
	char err[256], want[300];
	size_t n;

	cfg_kernel = NULL;
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "no kernel given (boot.kernel)");

	cfg_kernel = "/nonexistent/kernel";
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/kernel: No such file or "
	    "directory");

	cfg_kernel = tmpdir;
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	assert_string_equal(err, want);

	cfg_kernel = write_tmp("garbage", "hello, world, not a kernel", 26);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a multiboot, bzImage or ELF64 kernel",
	    cfg_kernel);
	assert_string_equal(err, want);

	cfg_kernel = write_tmp("empty", "", 0);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_err_has(err, "not a multiboot, bzImage or ELF64 kernel");

	n = build_elf(f, ELFCLASS32, EM_386, 0x100000, k32_segs, 2, false, 0);
	cfg_kernel = write_tmp("k32-nomb.elf", f, n);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_err_has(err, "ELF32 kernel without a multiboot header");

	/* A multiboot header with a bad checksum, in an otherwise fine ELF. */
	n = build_elf(f, ELFCLASS32, EM_386, 0x100000, k32_segs, 2, true, 3);
	f[0x208] ^= 1;
	cfg_kernel = write_tmp("k32-badsum.elf", f, n);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: multiboot header at offset 512 has "
	    "a bad checksum", cfg_kernel);
	assert_string_equal(err, want);

	/* Truncated after the program headers. */
	n = build_elf(f, ELFCLASS32, EM_386, 0x100000, k32_segs, 2, true, 3);
	cfg_kernel = write_tmp("k32-trunc.elf", f, 0x1800);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_err_has(err, "segment 1: data at offset 8192");

	/* Too big for the 8 MiB guest. */
	n = build_elf(f, ELFCLASS32, EM_386, 0x100000, big, 1, true, 3);
	cfg_kernel = write_tmp("k32-big.elf", f, n);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_err_has(err, "outside guest RAM");
	assert_true(all_bytes(gpa(0x100000), 0x100, 0xAA));

	/* Linked into the boot data area. */
	n = build_elf(f, ELFCLASS64, EM_X86_64, 0x10000, low, 1, false, 0);
	cfg_kernel = write_tmp("k64-low.elf", f, n);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_err_has(err, "overlaps lhyve's boot data");

	/* Multiboot, not ELF, no a.out kludge. */
	memset(f, 0, 64);
	put_mbhdr(f, 3, NULL);
	cfg_kernel = write_tmp("mb-raw", f, 64);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_err_has(err, "a.out kludge");

	/* Nothing set up on the vCPU by any of these. */
	assert_false(fake.reg_set[VM_REG_GUEST_RIP]);
}

static void
test_load_initrd_errors(void **state)
{
	static uint8_t f[TFILE_MAX];
	static uint8_t rd[0x10000];
	char err[256], want[300];
	size_t n;

	n = build_elf(f, ELFCLASS32, EM_386, 0x100000, k32_segs, 2, true, 3);
	cfg_kernel = write_tmp("k32.elf", f, n);

	cfg_initrd = "/nonexistent/initrd";
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/initrd: No such file or "
	    "directory");

	/* A 1 MiB + 64 KiB guest: the kernel ends at 0x103345, leaving
	 * 0xc000 bytes from 0x104000. */
	fake_vm_fini();
	fake_vm_init(0x110000, 0);
	cfg_initrd = write_tmp("initrd-big", rd, sizeof(rd));
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: initrd too big: 65536 bytes at "
	    "0x104000 would end past guest RAM at 0x110000", cfg_initrd);
	assert_string_equal(err, want);

	/* Exactly filling RAM works. */
	cfg_initrd = write_tmp("initrd-fit", rd, 0xc000);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), 0);
	assert_int_equal(rd32(gpa(rd32(gpa(0x8000 + MBI_MODS_ADDR)) + 4)),
	    0x110000);

	/* An empty initrd is a module of length 0. */
	cfg_initrd = write_tmp("initrd-empty", rd, 0);
	assert_int_equal(boot_load_kernel(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), 0);
	assert_int_equal(rd32(gpa(rd32(gpa(0x8000 + MBI_MODS_ADDR)))),
	    0x104000);
	assert_int_equal(rd32(gpa(rd32(gpa(0x8000 + MBI_MODS_ADDR)) + 4)),
	    0x104000);
}

/*
 * Malicious kernels: corrupt header bytes and cut files short at random
 * (fixed seed), and run the whole detection and load path on each.  Every
 * result must be a clean 0 or -1 with a message; under ASan/UBSan this also
 * proves nothing reads or writes out of bounds.
 */
static void
test_fuzz_kernels(void **state)
{
	static uint8_t base[3][TFILE_MAX], f[TFILE_MAX];
	const struct tseg segs64[] = {
		{ 0x200000, 0x200000, 0x300, 0x900 },
		{ 0x400000, 0x400000, 0x10, 0x10 },
	};
	uint32_t a[5] = { 0x200000, 0x200000, 0x201000, 0x203000, 0x200020 };
	size_t blen[3];
	unsigned seed = 12345;
	int ok = 0, refused = 0;

	blen[0] = build_elf(base[0], ELFCLASS32, EM_386, 0x100010, k32_segs, 2,
	    true, 3);
	blen[1] = build_elf(base[1], ELFCLASS64, EM_X86_64, 0x200040, segs64,
	    2, false, 0);
	memset(base[2], 0x5A, 0x2000);
	put_mbhdr(base[2], MB_HF_AOUT_KLUDGE | 3, a);
	blen[2] = 0x2000;

	for (int iter = 0; iter < 3000; iter++) {
		int k = iter % 3, nflip = 1 + rand_r(&seed) % 4, found, ret;
		struct mb_header h;
		char err[256];
		size_t len = blen[k];

		memcpy(f, base[k], len);
		for (int i = 0; i < nflip; i++) {
			/* Mostly the headers, where the parsers look. */
			size_t at = rand_r(&seed) % 0x240;

			switch (rand_r(&seed) % 3) {
			case 0:
				f[at] = (uint8_t)rand_r(&seed);
				break;
			case 1:
				f[at] = 0xff;
				break;
			default:
				f[at] ^= (uint8_t)(1 << (rand_r(&seed) % 8));
				break;
			}
		}
		if (rand_r(&seed) % 4 == 0)
			len = rand_r(&seed) % len;
		err[0] = '\0';
		found = mb_find_header(f, len, &h, err, sizeof(err));
		if (found > 0)
			ret = multiboot_load(&fake_ctx, &fake_bsp, "fuzz", f,
			    len, &h, err, sizeof(err));
		else if (found == 0)
			ret = elf64_load(&fake_ctx, &fake_bsp, "fuzz", f, len,
			    err, sizeof(err));
		else
			ret = -1;
		assert_true(ret == 0 || ret == -1);
		if (ret == 0) {
			ok++;
		} else {
			assert_true(err[0] != '\0');
			assert_non_null(memchr(err, '\0', sizeof(err)));
			assert_null(strchr(err, '\n'));
			refused++;
		}
	}
	/* Both outcomes must occur, or the mutations were not doing much. */
	assert_true(ok > 100);
	assert_true(refused > 100);
}

/* ------------------------------------------------------------------ */
/* Boot ROM.                                                           */

static void
test_bootrom(void **state)
{
	static uint8_t rom[256 * 1024];
	char err[256], want[300];

	assert_int_equal(bootrom_check_size(4096, err, sizeof(err)), 0);
	assert_int_equal(bootrom_check_size(16 << 20, err, sizeof(err)), 0);
	assert_int_equal(bootrom_check_size(0, err, sizeof(err)), -1);
	assert_int_equal(bootrom_check_size(4097, err, sizeof(err)), -1);
	assert_int_equal(bootrom_check_size((16 << 20) + 4096, err,
	    sizeof(err)), -1);
	assert_err_has(err, "16 MiB");

	for (size_t i = 0; i < sizeof(rom); i++)
		rom[i] = (uint8_t)(i >> 12);
	cfg_bootrom = write_tmp("rom.bin", rom, sizeof(rom));
	assert_int_equal(bootrom_load(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), 0);
	assert_int_equal(fake.nrom, 2);
	assert_int_equal(fake.rom[0].gpa, 0xfffc0000ULL);
	assert_int_equal(fake.rom[0].len, sizeof(rom));
	assert_memory_equal(fake.rom[0].p, rom, sizeof(rom));
	/* The top 128 KiB mirrored at 0xE0000-0xFFFFF. */
	assert_int_equal(fake.rom[1].gpa, 0xe0000);
	assert_int_equal(fake.rom[1].len, 128 * 1024);
	assert_memory_equal(fake.rom[1].p, rom + 128 * 1024, 128 * 1024);
	assert_int_equal(fake.resets, 1);
	/* The reset vector's bytes, seen both ways. */
	assert_int_equal(*gpa(0xfffffff0ULL), *gpa(0xffff0));

	/* A small ROM is mirrored whole. */
	fake_vm_fini();
	fake_vm_init(8 << 20, 0);
	cfg_bootrom = write_tmp("rom-small.bin", rom, 8192);
	assert_int_equal(bootrom_load(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), 0);
	assert_int_equal(fake.rom[1].gpa, 0xfe000);
	assert_int_equal(fake.rom[1].len, 8192);

	cfg_bootrom = write_tmp("rom-odd.bin", rom, 5000);
	assert_int_equal(bootrom_load(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: size 5000 is not a non-zero "
	    "multiple of 4 KiB", cfg_bootrom);
	assert_string_equal(err, want);

	cfg_bootrom = "/nonexistent/rom";
	assert_int_equal(bootrom_load(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/rom: No such file or "
	    "directory");

	cfg_bootrom = write_tmp("rom.bin", rom, sizeof(rom));
	cfg_bootvars = "/tmp/vars.fd";
	assert_int_equal(bootrom_load(&fake_ctx, &fake_bsp, err,
	    sizeof(err)), -1);
	assert_err_has(err, "not supported yet");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mb_header_found),
		cmocka_unit_test(test_mb_header_not_found),
		cmocka_unit_test(test_mb_header_bad_checksum),
		cmocka_unit_test(test_mb_header_flags),
		cmocka_unit_test(test_mb_header_truncated),
		cmocka_unit_test(test_mb_aout),
		cmocka_unit_test(test_elf32_parse),
		cmocka_unit_test(test_elf64_parse_higher_half),
		cmocka_unit_test(test_elf_malformed),
		cmocka_unit_test(test_image_check),
		cmocka_unit_test(test_mb_info),
		cmocka_unit_test(test_mb_info_variants),
		cmocka_unit_test(test_gdt_and_page_tables),
		cmocka_unit_test_setup_teardown(test_load_multiboot_elf32,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_multiboot_aout,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_multiboot_elf64,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_elf64, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_initrd_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_kernels, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bootrom, setup,
		    teardown),
	};
	int failed;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lhyve-test-boot.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	failed = cmocka_run_group_tests_name("boot", tests, NULL, NULL);
	for (int i = 0; i < ntmpfiles; i++)
		unlink(tmpfiles[i]);
	if (rmdir(tmpdir) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return (failed != 0);
}
