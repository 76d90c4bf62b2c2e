/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linux.h: the Linux bzImage loader, 64-bit boot protocol (Linux's
 * Documentation/arch/x86/boot.rst, "64-bit Boot Protocol", and
 * zero-page.rst).  The pure parts -- header parsing, placement, zero page
 * construction -- are exposed for the unit tests; boot_load_kernel calls
 * linux_probe and linux_load.  See docs/linux-boot.md.
 */
#ifndef LHYVE_BOOT_LINUX_H
#define LHYVE_BOOT_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "platform/e820.h"
#include "vmm/vmm.h"

/* ---- the setup header (boot.rst, "The Real-Mode Kernel Header") ---- */
#define LINUX_SETUP_SECTS	0x1F1	/* u8, 0 means 4 */
#define LINUX_SYSSIZE		0x1F4	/* u32, 16-byte paragraphs */
#define LINUX_VID_MODE		0x1FA	/* u16 */
#define LINUX_BOOT_FLAG		0x1FE	/* u16, 0xAA55 */
#define LINUX_JUMP		0x200	/* u16; byte 0x201 sizes the header */
#define LINUX_HEADER		0x202	/* "HdrS" */
#define LINUX_VERSION		0x206	/* u16, major << 8 | minor */
#define LINUX_TYPE_OF_LOADER	0x210	/* u8 */
#define LINUX_LOADFLAGS		0x211	/* u8 */
#define LINUX_CODE32_START	0x214	/* u32 */
#define LINUX_RAMDISK_IMAGE	0x218	/* u32 */
#define LINUX_RAMDISK_SIZE	0x21C	/* u32 */
#define LINUX_HEAP_END_PTR	0x224	/* u16 */
#define LINUX_EXT_LOADER_VER	0x226	/* u8 */
#define LINUX_EXT_LOADER_TYPE	0x227	/* u8 */
#define LINUX_CMD_LINE_PTR	0x228	/* u32 */
#define LINUX_INITRD_ADDR_MAX	0x22C	/* u32, last usable byte */
#define LINUX_KERNEL_ALIGNMENT	0x230	/* u32 */
#define LINUX_RELOCATABLE	0x234	/* u8 */
#define LINUX_XLOADFLAGS	0x236	/* u16 */
#define LINUX_CMDLINE_SIZE	0x238	/* u32, without the NUL */
#define LINUX_HW_SUBARCH	0x23C	/* u32 */
#define LINUX_HW_SUBARCH_DATA	0x240	/* u64 */
#define LINUX_SETUP_DATA	0x250	/* u64 */
#define LINUX_PREF_ADDRESS	0x258	/* u64 */
#define LINUX_INIT_SIZE		0x260	/* u32 */
#define LINUX_HDR_MAX_END	0x290	/* struct setup_header ends by here */

#define LINUX_BOOT_FLAG_MAGIC	0xAA55
#define LINUX_HDRS_MAGIC	0x53726448u	/* "HdrS" little-endian */
#define LINUX_MIN_VERSION	0x020C	/* 2.12: xloadflags, 64-bit entry */
#define LINUX_RSDP_VERSION	0x020E	/* 2.14+: kernels read acpi_rsdp_addr */

/* loadflags */
#define LINUX_LOADED_HIGH	0x01
#define LINUX_KEEP_SEGMENTS	0x40
#define LINUX_CAN_USE_HEAP	0x80
/* xloadflags */
#define LINUX_XLF_KERNEL_64	0x0001
#define LINUX_XLF_ABOVE_4G	0x0002	/* XLF_CAN_BE_LOADED_ABOVE_4G */

/* ---- the zero page (zero-page.rst) ---- */
#define LINUX_ZP_SIZE		4096
#define LINUX_ZP_ACPI_RSDP	0x070	/* u64 */
#define LINUX_ZP_EXT_RAMDISK_IMAGE 0x0C0 /* u32, high half */
#define LINUX_ZP_EXT_RAMDISK_SIZE 0x0C4	/* u32, high half */
#define LINUX_ZP_EXT_CMD_LINE_PTR 0x0C8	/* u32, high half */
#define LINUX_ZP_E820_ENTRIES	0x1E8	/* u8 */
#define LINUX_ZP_SENTINEL	0x1EF	/* u8, must stay 0 */
#define LINUX_ZP_E820_TABLE	0x2D0	/* 128 x { u64 addr, u64 size, u32 type } */
#define LINUX_ZP_E820_ENTRY_SIZE 20

#define LINUX_TYPE_OF_LOADER_UNDEF 0xFF	/* "no assigned loader ID" */
#define LINUX_ENTRY64_OFFSET	0x200	/* 64-bit entry: load address + 0x200 */
#define LINUX_DEFAULT_CMDLINE	"console=ttyS0"

/*
 * Where lhyve puts the boot data below 1 MiB (the same area the multiboot
 * loader uses for its info structure; see docs/boot.md and loader.h).
 */
#define LINUX_ZEROPAGE_GPA	0x8000ULL
#define LINUX_CMDLINE_GPA	0x9000ULL
#define LINUX_CMDLINE_AREA_END	0x70000ULL	/* the boot stack starts here */
/* Kernels are never put below 1 MiB (legacy hole, boot data). */
#define LINUX_MIN_LOAD		0x100000ULL
#define LINUX_PAGE		4096ULL

/* The parts of a bzImage's setup header the loader uses. */
struct linux_hdr {
	uint16_t version;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint8_t relocatable;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint32_t cmdline_size;
	uint64_t pref_address;
	uint32_t init_size;
	size_t hdr_end;		/* end of the setup header in the file */
	size_t setup_size;	/* real-mode part: (setup_sects + 1) * 512 */
	size_t kernel_off;	/* protected-mode kernel: file offset ... */
	size_t kernel_len;	/* ... and length (syssize * 16) */
};

/* Where everything goes in guest memory. */
struct linux_place {
	uint64_t kernel_addr;	/* protected-mode kernel; entry + 0x200 */
	uint64_t kernel_end;	/* kernel_addr + max(init_size, kernel_len) */
	uint64_t initrd_addr;	/* 0 if no initrd */
	uint64_t initrd_len;
	uint64_t initrd_limit;	/* the initrd had to end by here */
};

/* 1 if buf looks like a bzImage (boot_flag and "HdrS"), else 0. */
int linux_probe(const uint8_t *buf, size_t len);

/*
 * Parse and validate the setup header of the bzImage in buf[0, len):
 * magic, protocol >= 2.12 with XLF_KERNEL_64, LOADED_HIGH, sizes within
 * the file, a power-of-two kernel_alignment for a relocatable kernel.
 * 0, or -1 with a reason in err (no file name).
 */
int linux_parse(const uint8_t *buf, size_t len, struct linux_hdr *h,
    char *err, size_t errlen);

/*
 * Choose the kernel's load address and the initrd's (initrd_len 0: none)
 * for guest RAM [0, lowmem) + [4 GiB, 4 GiB + highmem).  0, or -1 (the
 * kernel does not fit) / -2 (the initrd does not fit) with a reason in
 * err (no file name).
 */
int linux_place(const struct linux_hdr *h, uint64_t lowmem, uint64_t highmem,
    uint64_t initrd_len, struct linux_place *p, char *err, size_t errlen);

/*
 * Check a command line of 'len' bytes (without the NUL) against the
 * kernel's cmdline_size and lhyve's command-line area.  0 or -1 with err.
 */
int linux_check_cmdline(const struct linux_hdr *h, size_t len, char *err,
    size_t errlen);

/*
 * Build the zero page (struct boot_params) into zp[LINUX_ZP_SIZE]: the
 * image's setup header, then what the loader fills in.  cmdline_gpa is
 * where the command line is; rsdp 0 means none.  0, or -1 if the E820
 * map has more entries than the zero page holds.
 */
int linux_build_zeropage(uint8_t *zp, const uint8_t *kbuf,
    const struct linux_hdr *h, const struct linux_place *p,
    uint64_t cmdline_gpa, uint64_t rsdp, const struct e820_entry *e820,
    int ne820);

/*
 * Load the bzImage in kbuf (the file named by boot.kernel) with
 * boot.initrd and boot.cmdline (default "console=ttyS0"), build the zero
 * page with the VM's E820 map (e820_vm_layout) and rsdp (0: none), and
 * leave 'bsp' at the 64-bit entry.  0, or -1 with one line naming the
 * file in err.
 */
int linux_load(struct vmctx *ctx, struct vcpu *bsp, const uint8_t *kbuf,
    size_t klen, uint64_t rsdp, char *err, size_t errlen);

#endif /* LHYVE_BOOT_LINUX_H */
