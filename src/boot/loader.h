/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loader.h: what the loaders in src/boot/ share among themselves and with
 * their unit tests: the parsed form of a kernel image, the pure parsers
 * (ELF, multiboot header, multiboot info builder) and the fixed low-memory
 * layout lhyve uses for boot data.  Nothing outside src/boot/ and
 * tests/unit/test_boot.c includes this; bhyverun sees only boot.h.
 */
#ifndef LHYVE_BOOT_LOADER_H
#define LHYVE_BOOT_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmm/vmm.h"

/*
 * Guest-physical layout of the boot data lhyve writes (docs/boot.md).  It
 * all lives in conventional memory below 512 KiB, away from where kernels
 * are linked (1 MiB and up) and below the EBDA/VGA/BIOS area; a kernel
 * segment or module that overlaps [BOOT_DATA_START, BOOT_DATA_END) is
 * refused rather than silently clobbered.
 */
#define BOOT_DATA_START	0x1000ULL
#define BOOT_GDT_GPA	0x1000ULL	/* null, null, code 0x10, data 0x18 */
#define BOOT_PML4_GPA	0x2000ULL	/* long mode: PML4, PDPT, 4 PDs */
#define BOOT_PT_PAGES	6
#define BOOT_MBI_GPA	0x8000ULL	/* multiboot info, mmap, strings */
#define BOOT_MBI_END	0x70000ULL
#define BOOT_STACK_TOP	0x80000ULL	/* initial ESP/RSP, grows down */
#define BOOT_DATA_END	0x80000ULL

/* GDT selectors, as in Linux's boot protocol (__BOOT_CS / __BOOT_DS). */
#define BOOT_SEL_CODE	0x10
#define BOOT_SEL_DATA	0x18
#define BOOT_GDT_ENTRIES 4

/* The conventional-memory boundaries a PC reports (multiboot mem_lower). */
#define BOOT_LOWMEM_TOP	0xA0000ULL	/* 640 KiB */
#define BOOT_1MB	0x100000ULL

/* One piece of a kernel file to place in guest memory. */
struct boot_seg {
	uint64_t paddr;		/* guest-physical destination */
	uint64_t offset;	/* in the file */
	uint64_t filesz;	/* bytes copied from the file */
	uint64_t memsz;		/* bytes in memory; memsz - filesz zeroed */
};

#define BOOT_MAX_SEGS	32

/* A kernel reduced to what a loader needs: segments and an entry point. */
struct boot_image {
	int nseg;
	struct boot_seg seg[BOOT_MAX_SEGS];
	uint64_t entry;		/* guest-physical entry address */
	uint64_t lo, hi;	/* lowest paddr, highest paddr + memsz */
	int elfclass;		/* ELFCLASS32/64, 0 for the a.out kludge */
};

/* ---- ELF (elf.c) ---- */

/*
 * Validate an ELF executable in buf[0, len) and list its PT_LOAD segments
 * into img.  ELF32 must be EM_386, ELF64 EM_X86_64; both ET_EXEC.  The
 * entry is translated from virtual to physical through the segment that
 * holds it (as GRUB does for higher-half kernels).  0, or -1 with a reason
 * in err.  Never reads outside buf.
 */
int elf_parse(const uint8_t *buf, size_t len, struct boot_image *img,
    char *err, size_t errlen);
/* True if buf starts with the ELF magic; *elfclass gets EI_CLASS. */
bool elf_is_elf(const uint8_t *buf, size_t len, int *elfclass);

/* ---- multiboot v1 (multiboot.c) ---- */

#define MB_HEADER_MAGIC		0x1BADB002u
#define MB_BOOTLOADER_MAGIC	0x2BADB002u
#define MB_SEARCH_LIMIT		8192

/* Header flags (multiboot 0.6.96 §3.1.2). */
#define MB_HF_PAGE_ALIGN	(1u << 0)
#define MB_HF_MEMORY_INFO	(1u << 1)
#define MB_HF_VIDEO_MODE	(1u << 2)
#define MB_HF_AOUT_KLUDGE	(1u << 16)
#define MB_HF_SUPPORTED		(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | \
				 MB_HF_VIDEO_MODE)
#define MB_HF_REQUIRED_MASK	0x0000ffffu

/* Info flags (multiboot 0.6.96 §3.3). */
#define MB_IF_MEMORY		(1u << 0)
#define MB_IF_CMDLINE		(1u << 2)
#define MB_IF_MODS		(1u << 3)
#define MB_IF_MMAP		(1u << 6)
#define MB_IF_LOADER_NAME	(1u << 9)

/* Offsets of the info structure's fields (multiboot 0.6.96 §3.3). */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_BOOT_DEVICE		12
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64
#define MBI_SIZE		128	/* 116 used by 0.6.96 + framebuffer */

#define MB_MMAP_ENTRY_SIZE	24	/* size field + 20 bytes */
#define MB_MEMORY_AVAILABLE	1
#define MB_MEMORY_RESERVED	2
#define MB_MOD_SIZE		16

/* The header, as found in the file. */
struct mb_header {
	uint32_t offset;	/* of the magic in the file */
	uint32_t flags;
	/* valid with MB_HF_AOUT_KLUDGE */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	uint32_t entry_addr;
	/* valid with MB_HF_VIDEO_MODE */
	uint32_t mode_type, width, height, depth;
};

/*
 * Look for a multiboot header in the first 8 KiB of buf (4-byte aligned,
 * magic + flags + checksum == 0).  1 found (hdr filled), 0 none, -1 a
 * header that cannot be used (bad checksum, truncated, required flag we
 * cannot honour), with the reason in err.
 */
int mb_find_header(const uint8_t *buf, size_t len, struct mb_header *hdr,
    char *err, size_t errlen);

/* The single segment described by the a.out kludge fields.  0 or -1. */
int mb_aout_image(const uint8_t *buf, size_t len, const struct mb_header *hdr,
    struct boot_image *img, char *err, size_t errlen);

/* What goes into the multiboot information structure. */
struct mb_params {
	uint64_t lowmem;	/* bytes of RAM from 0 */
	uint64_t highmem;	/* bytes of RAM from 4 GiB */
	const char *cmdline;	/* NULL: none */
	const char *loader_name;
	bool have_module;
	uint32_t mod_start, mod_end;
	const char *mod_string;
};

/*
 * Build the info structure, memory map, module list and strings into
 * buf[0, len), which the guest will see at guest-physical 'gpa'.  Returns
 * the bytes used, or -1 with err (it did not fit).
 */
ssize_t mb_build_info(uint8_t *buf, size_t len, uint64_t gpa,
    const struct mb_params *p, char *err, size_t errlen);

/* ---- common loading (boot.c) ---- */

/*
 * Check every segment of img against guest RAM ([0, lowmem) and
 * [4 GiB, 4 GiB + highmem)) and lhyve's boot-data area.  0 or -1.
 */
int boot_image_check(const struct boot_image *img, uint64_t lowmem,
    uint64_t highmem, char *err, size_t errlen);
/* Copy img's segments from buf into guest memory, zeroing bss.  0 or -1. */
int boot_image_load(struct vmctx *ctx, const uint8_t *buf, size_t len,
    const struct boot_image *img, char *err, size_t errlen);
/*
 * Read a whole regular file of at most 'max' bytes into a malloc'd buffer.
 * 0, or -1 with err (no file name in it; the caller adds it).
 */
int boot_read_file(const char *path, size_t max, uint8_t **bufp,
    size_t *lenp, char *err, size_t errlen);

/* Open a regular file for reading and get its size.  0 or -1 with err. */
int boot_open_file(const char *path, int *fdp, uint64_t *sizep, char *err,
    size_t errlen);
/* Read exactly len bytes from the start of fd.  0 or -1 with err. */
int boot_read_fd(int fd, void *dst, size_t len, char *err, size_t errlen);

/*
 * The loaders boot_load_kernel picks between.  'path' names the kernel in
 * error messages, which are complete lines.
 */
int multiboot_load(struct vmctx *ctx, struct vcpu *bsp, const char *path,
    const uint8_t *buf, size_t len, const struct mb_header *hdr, char *err,
    size_t errlen);
int elf64_load(struct vmctx *ctx, struct vcpu *bsp, const char *path,
    const uint8_t *buf, size_t len, char *err, size_t errlen);

/* ---- boot ROM (bootrom.c) ---- */

/* A ROM image size is usable: 4 KiB multiple, 4 KiB-16 MiB.  0 or -1. */
int bootrom_check_size(uint64_t size, char *err, size_t errlen);

#endif /* LHYVE_BOOT_LOADER_H */
