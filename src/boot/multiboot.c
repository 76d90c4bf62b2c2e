/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * multiboot.c: the Multiboot v1 loader (specification 0.6.96): finds the
 * header, loads an ELF32/ELF64 or a.out-kludge kernel and its initrd as
 * module 0, builds the information structure and enters the kernel in
 * 32-bit protected mode with EAX = 0x2BADB002, EBX = the structure.
 */

#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boot/boot.h"
#include "boot/loader.h"
#include "boot/x86_setup.h"
#include "config.h"

#define PAGE_SIZE	4096ULL

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

int
mb_find_header(const uint8_t *buf, size_t len, struct mb_header *hdr,
    char *err, size_t errlen)
{
	size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;
	long bad = -1;

	/*
	 * §3.1: the header lies 32-bit aligned within the first 8192 bytes.
	 * A magic whose checksum does not add up is skipped, as GRUB does,
	 * but remembered so a kernel with a broken header gets told so.
	 */
	for (size_t off = 0; off + 12 <= limit; off += 4) {
		const uint8_t *p = buf + off;
		uint32_t flags, need;

		if (get32(p) != MB_HEADER_MAGIC)
			continue;
		flags = get32(p + 4);
		if ((uint32_t)(MB_HEADER_MAGIC + flags + get32(p + 8)) != 0) {
			if (bad < 0)
				bad = (long)off;
			continue;
		}
		/*
		 * §3.1.2: bits 0-15 are requirements; a loader that does not
		 * know one must refuse.  Bits 16-31 are optional features.
		 */
		if ((flags & MB_HF_REQUIRED_MASK & ~MB_HF_SUPPORTED) != 0) {
			snprintf(err, errlen, "multiboot header at offset %zu "
			    "requires unsupported features (flags 0x%08x, "
			    "unknown required bits 0x%04x)", off, flags,
			    flags & MB_HF_REQUIRED_MASK & ~MB_HF_SUPPORTED);
			return (-1);
		}
		need = (flags & MB_HF_VIDEO_MODE) ? 48 :
		    (flags & MB_HF_AOUT_KLUDGE) ? 32 : 12;
		if (off + need > limit) {
			snprintf(err, errlen, "multiboot header at offset %zu "
			    "is truncated (flags 0x%08x need %u bytes within "
			    "the first %u of the file)", off, flags, need,
			    MB_SEARCH_LIMIT);
			return (-1);
		}
		memset(hdr, 0, sizeof(*hdr));
		hdr->offset = (uint32_t)off;
		hdr->flags = flags;
		if (need >= 32) {
			hdr->header_addr = get32(p + 12);
			hdr->load_addr = get32(p + 16);
			hdr->load_end_addr = get32(p + 20);
			hdr->bss_end_addr = get32(p + 24);
			hdr->entry_addr = get32(p + 28);
		}
		if (need >= 48) {
			hdr->mode_type = get32(p + 32);
			hdr->width = get32(p + 36);
			hdr->height = get32(p + 40);
			hdr->depth = get32(p + 44);
		}
		return (1);
	}
	if (bad >= 0) {
		snprintf(err, errlen, "multiboot header at offset %ld has a "
		    "bad checksum", bad);
		return (-1);
	}
	return (0);
}

int
mb_aout_image(const uint8_t *buf, size_t len, const struct mb_header *hdr,
    struct boot_image *img, char *err, size_t errlen)
{
	uint64_t start, filesz, memsz;

	memset(img, 0, sizeof(*img));
	/*
	 * §3.1.3: header_addr is where the header itself lands; the file
	 * offset of load_addr follows from the header's offset in the file.
	 */
	if (hdr->header_addr < hdr->load_addr ||
	    hdr->header_addr - hdr->load_addr > hdr->offset) {
		snprintf(err, errlen, "multiboot a.out kludge: header_addr "
		    "0x%x and load_addr 0x%x do not match the header's file "
		    "offset %u", hdr->header_addr, hdr->load_addr,
		    hdr->offset);
		return (-1);
	}
	start = hdr->offset - (hdr->header_addr - hdr->load_addr);
	if (hdr->load_end_addr == 0) {
		filesz = len - start;
	} else {
		if (hdr->load_end_addr < hdr->load_addr) {
			snprintf(err, errlen, "multiboot a.out kludge: "
			    "load_end_addr 0x%x below load_addr 0x%x",
			    hdr->load_end_addr, hdr->load_addr);
			return (-1);
		}
		filesz = hdr->load_end_addr - hdr->load_addr;
		if (filesz > len - start) {
			snprintf(err, errlen, "multiboot a.out kludge: %llu "
			    "bytes to load from offset %llu run past the end "
			    "of the file (%zu bytes)",
			    (unsigned long long)filesz,
			    (unsigned long long)start, len);
			return (-1);
		}
	}
	memsz = filesz;
	if (hdr->bss_end_addr != 0) {
		if (hdr->bss_end_addr < hdr->load_addr + filesz) {
			snprintf(err, errlen, "multiboot a.out kludge: "
			    "bss_end_addr 0x%x below the end of the loaded "
			    "data 0x%llx", hdr->bss_end_addr,
			    (unsigned long long)(hdr->load_addr + filesz));
			return (-1);
		}
		memsz = hdr->bss_end_addr - hdr->load_addr;
	}
	if (hdr->load_addr + memsz > (1ULL << 32)) {
		snprintf(err, errlen, "multiboot a.out kludge: image at 0x%x "
		    "size 0x%llx runs past 4 GiB", hdr->load_addr,
		    (unsigned long long)memsz);
		return (-1);
	}
	if (memsz == 0) {
		snprintf(err, errlen, "multiboot a.out kludge: nothing to "
		    "load");
		return (-1);
	}
	img->nseg = 1;
	img->seg[0].paddr = hdr->load_addr;
	img->seg[0].offset = start;
	img->seg[0].filesz = filesz;
	img->seg[0].memsz = memsz;
	img->lo = hdr->load_addr;
	img->hi = hdr->load_addr + memsz;
	img->entry = hdr->entry_addr;
	img->elfclass = 0;
	return (0);
}

/* A bump allocator over the info buffer, 'align' a power of two. */
struct mbi_alloc {
	uint8_t *buf;
	size_t len, used;
	uint64_t gpa;
};

static uint8_t *
mbi_take(struct mbi_alloc *a, size_t n, size_t align, uint32_t *gpap)
{
	size_t off = (a->used + align - 1) & ~(align - 1);

	if (off > a->len || n > a->len - off)
		return (NULL);
	a->used = off + n;
	*gpap = (uint32_t)(a->gpa + off);
	memset(a->buf + off, 0, n);
	return (a->buf + off);
}

static int
mbi_string(struct mbi_alloc *a, const char *s, const char *what,
    uint32_t *gpap, char *err, size_t errlen)
{
	size_t n = strlen(s) + 1;
	uint8_t *p = mbi_take(a, n, 1, gpap);

	if (p == NULL) {
		snprintf(err, errlen, "%s too long (%zu bytes) for the boot "
		    "information area (%zu bytes)", what, n, a->len);
		return (-1);
	}
	memcpy(p, s, n);
	return (0);
}

static void
mmap_entry(uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
	/* §3.3: 'size' does not count itself; base/length are 64-bit. */
	put32(e, MB_MMAP_ENTRY_SIZE - 4);
	put64(e + 4, base);
	put64(e + 12, len);
	put32(e + 20, type);
}

ssize_t
mb_build_info(uint8_t *buf, size_t len, uint64_t gpa,
    const struct mb_params *p, char *err, size_t errlen)
{
	struct mbi_alloc a = { buf, len, 0, gpa };
	uint8_t *mbi, *mmap, *mod;
	uint32_t mbi_gpa, mmap_gpa, mod_gpa, str_gpa, flags;
	uint64_t low640 = p->lowmem < BOOT_LOWMEM_TOP ? p->lowmem :
	    BOOT_LOWMEM_TOP;
	int n = 0;

	/* Everything the guest is given must have a 32-bit address. */
	if (gpa > 0xffffffffULL || len > 0xffffffffULL - gpa) {
		snprintf(err, errlen, "boot information area above 4 GiB");
		return (-1);
	}
	mbi = mbi_take(&a, MBI_SIZE, 8, &mbi_gpa);
	mmap = mbi_take(&a, 4 * MB_MMAP_ENTRY_SIZE, 8, &mmap_gpa);
	if (mbi == NULL || mmap == NULL) {
		snprintf(err, errlen, "boot information area too small");
		return (-1);
	}

	/*
	 * §3.3 mem_lower/mem_upper: KiB of conventional memory from 0, and
	 * KiB from 1 MiB up to the first hole (here the PCI hole or the end
	 * of lowmem).
	 */
	flags = MB_IF_MEMORY | MB_IF_MMAP | MB_IF_LOADER_NAME | MB_IF_CMDLINE;
	put32(mbi + MBI_MEM_LOWER, (uint32_t)(low640 / 1024));
	put32(mbi + MBI_MEM_UPPER, p->lowmem > BOOT_1MB ?
	    (uint32_t)((p->lowmem - BOOT_1MB) / 1024) : 0);

	/* The PC memory map: the 640K-1M legacy area is never RAM to use. */
	mmap_entry(mmap + n++ * MB_MMAP_ENTRY_SIZE, 0, low640,
	    MB_MEMORY_AVAILABLE);
	mmap_entry(mmap + n++ * MB_MMAP_ENTRY_SIZE, BOOT_LOWMEM_TOP,
	    BOOT_1MB - BOOT_LOWMEM_TOP, MB_MEMORY_RESERVED);
	if (p->lowmem > BOOT_1MB)
		mmap_entry(mmap + n++ * MB_MMAP_ENTRY_SIZE, BOOT_1MB,
		    p->lowmem - BOOT_1MB, MB_MEMORY_AVAILABLE);
	if (p->highmem > 0)
		mmap_entry(mmap + n++ * MB_MMAP_ENTRY_SIZE, VM_HIGHMEM_BASE,
		    p->highmem, MB_MEMORY_AVAILABLE);
	put32(mbi + MBI_MMAP_LENGTH, (uint32_t)(n * MB_MMAP_ENTRY_SIZE));
	put32(mbi + MBI_MMAP_ADDR, mmap_gpa);

	if (p->have_module) {
		mod = mbi_take(&a, MB_MOD_SIZE, 8, &mod_gpa);
		if (mod == NULL) {
			snprintf(err, errlen, "boot information area too "
			    "small");
			return (-1);
		}
		if (mbi_string(&a, p->mod_string != NULL ? p->mod_string :
		    "", "module string", &str_gpa, err, errlen) != 0)
			return (-1);
		put32(mod, p->mod_start);
		put32(mod + 4, p->mod_end);
		put32(mod + 8, str_gpa);
		flags |= MB_IF_MODS;
		put32(mbi + MBI_MODS_COUNT, 1);
		put32(mbi + MBI_MODS_ADDR, mod_gpa);
	}

	if (mbi_string(&a, p->loader_name, "boot loader name", &str_gpa, err,
	    errlen) != 0)
		return (-1);
	put32(mbi + MBI_LOADER_NAME, str_gpa);
	/* Verbatim, and always present: an empty string when none given. */
	if (mbi_string(&a, p->cmdline != NULL ? p->cmdline : "",
	    "command line", &str_gpa, err, errlen) != 0)
		return (-1);
	put32(mbi + MBI_CMDLINE, str_gpa);

	put32(mbi + MBI_FLAGS, flags);
	return ((ssize_t)a.used);
}

/* Load boot.initrd page-aligned at or above 'at'; fills the module fields. */
static int
load_initrd(struct vmctx *ctx, const char *path, uint64_t at,
    struct mb_params *mp, char *err, size_t errlen)
{
	uint64_t start, size, lowmem = vm_get_lowmem_size(ctx);
	char why[160];
	void *dst;
	int fd;

	if (boot_open_file(path, &fd, &size, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return (-1);
	}
	/* §3.1.2 bit 0 asks for page alignment; we always give it. */
	start = (at + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (start > lowmem || size > lowmem - start) {
		snprintf(err, errlen, "%s: initrd too big: %llu bytes at "
		    "0x%llx would end past guest RAM at 0x%llx", path,
		    (unsigned long long)size, (unsigned long long)start,
		    (unsigned long long)lowmem);
		close(fd);
		return (-1);
	}
	if (size > 0) {
		dst = vm_map_gpa(ctx, start, size);
		if (dst == NULL) {
			snprintf(err, errlen, "%s: initrd at 0x%llx is "
			    "outside guest RAM", path,
			    (unsigned long long)start);
			close(fd);
			return (-1);
		}
		if (boot_read_fd(fd, dst, size, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", path, why);
			close(fd);
			return (-1);
		}
		vm_notify_write(ctx, start, size);
	}
	close(fd);
	mp->have_module = true;
	mp->mod_start = (uint32_t)start;
	mp->mod_end = (uint32_t)(start + size);	/* last byte + 1 */
	mp->mod_string = path;
	return (0);
}

int
multiboot_load(struct vmctx *ctx, struct vcpu *bsp, const char *path,
    const uint8_t *buf, size_t len, const struct mb_header *hdr, char *err,
    size_t errlen)
{
	struct boot_image img;
	struct mb_params mp;
	const char *initrd;
	uint64_t lowmem = vm_get_lowmem_size(ctx);
	uint8_t *area;
	char why[256];
	int elfclass, error;

	memset(&mp, 0, sizeof(mp));
	/*
	 * §3.1.3: with bit 16 the header's addresses are used instead of the
	 * executable format's, even for an ELF file.
	 */
	if (hdr->flags & MB_HF_AOUT_KLUDGE) {
		if (mb_aout_image(buf, len, hdr, &img, why, sizeof(why)) != 0)
			goto fail;
	} else if (elf_is_elf(buf, len, &elfclass)) {
		if (elf_parse(buf, len, &img, why, sizeof(why)) != 0)
			goto fail;
		if (img.entry > 0xffffffffULL) {
			snprintf(why, sizeof(why), "multiboot ELF64 entry "
			    "point 0x%llx is above 4 GiB (multiboot enters "
			    "in 32-bit mode)", (unsigned long long)img.entry);
			goto fail;
		}
	} else {
		snprintf(why, sizeof(why), "multiboot kernel is not ELF and "
		    "does not set the a.out kludge (header flag 16)");
		goto fail;
	}
	if (lowmem < BOOT_DATA_END) {
		snprintf(why, sizeof(why), "guest RAM (%llu KiB) too small "
		    "for the boot data (%llu KiB)",
		    (unsigned long long)lowmem / 1024,
		    (unsigned long long)BOOT_DATA_END / 1024);
		goto fail;
	}
	if (boot_image_check(&img, lowmem, vm_get_highmem_size(ctx), why,
	    sizeof(why)) != 0)
		goto fail;

	initrd = get_config_value("boot.initrd");
	if (initrd != NULL && initrd[0] != '\0') {
		uint64_t at = BOOT_DATA_END;

		/*
		 * After the last kernel byte below 4 GiB (mod_start is a
		 * 32-bit field); segments in highmem cannot be in the way.
		 */
		for (int i = 0; i < img.nseg; i++) {
			uint64_t end = img.seg[i].paddr + img.seg[i].memsz;

			if (img.seg[i].paddr < VM_HIGHMEM_BASE && end > at)
				at = end;
		}
		if (load_initrd(ctx, initrd, at, &mp, err, errlen) != 0)
			return (-1);
	}
	if (boot_image_load(ctx, buf, len, &img, why, sizeof(why)) != 0)
		goto fail;

	mp.lowmem = lowmem;
	mp.highmem = vm_get_highmem_size(ctx);
	mp.cmdline = get_config_value("boot.cmdline");
	mp.loader_name = "lhyve";
	area = vm_map_gpa(ctx, BOOT_MBI_GPA, BOOT_MBI_END - BOOT_MBI_GPA);
	if (area == NULL) {
		snprintf(why, sizeof(why), "guest RAM does not cover the boot "
		    "information area");
		goto fail;
	}
	if (mb_build_info(area, BOOT_MBI_END - BOOT_MBI_GPA, BOOT_MBI_GPA,
	    &mp, why, sizeof(why)) < 0)
		goto fail;
	vm_notify_write(ctx, BOOT_MBI_GPA, BOOT_MBI_END - BOOT_MBI_GPA);

	/* §3.2: the machine state at entry. */
	if (x86_setup_protected(ctx, bsp, img.entry, BOOT_STACK_TOP, why,
	    sizeof(why)) != 0)
		goto fail;
	if ((error = vm_set_register(bsp, VM_REG_GUEST_RAX,
	    MB_BOOTLOADER_MAGIC)) != 0 ||
	    (error = vm_set_register(bsp, VM_REG_GUEST_RBX,
	    BOOT_MBI_GPA)) != 0) {
		snprintf(why, sizeof(why), "cannot set EAX/EBX: %s",
		    strerror(-error));
		goto fail;
	}
	return (0);
fail:
	snprintf(err, errlen, "%s: %s", path, why);
	return (-1);
}
