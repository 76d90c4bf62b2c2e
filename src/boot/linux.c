/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linux.c: loads a Linux bzImage through the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst): the protected-mode kernel at its
 * preferred address, the initrd as high as the kernel allows, the zero
 * page with the E820 map, the command line, and the BSP in long mode at
 * load address + 0x200 with RSI = the zero page.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/linux.h"
#include "boot/loader.h"
#include "boot/x86_setup.h"
#include "config.h"

_Static_assert(LINUX_ZEROPAGE_GPA >= BOOT_MBI_GPA &&
    LINUX_CMDLINE_AREA_END <= BOOT_MBI_END,
    "Linux boot data must stay in lhyve's boot data area");
_Static_assert(LINUX_ZEROPAGE_GPA + LINUX_ZP_SIZE <= LINUX_CMDLINE_GPA,
    "zero page and command line overlap");

#define MiB	(1ULL << 20)

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

static uint64_t
align_up(uint64_t v, uint64_t a)
{
	return ((v + a - 1) & ~(a - 1));
}

static uint64_t
align_down(uint64_t v, uint64_t a)
{
	return (v & ~(a - 1));
}

static bool
is_pow2(uint64_t v)
{
	return (v != 0 && (v & (v - 1)) == 0);
}

int
linux_probe(const uint8_t *buf, size_t len)
{
	/* boot.rst: boot_flag at 0x1FE and the "HdrS" magic (2.00+). */
	if (len < LINUX_HEADER + 4)
		return (0);
	return (rd16(buf + LINUX_BOOT_FLAG) == LINUX_BOOT_FLAG_MAGIC &&
	    rd32(buf + LINUX_HEADER) == LINUX_HDRS_MAGIC);
}

int
linux_parse(const uint8_t *buf, size_t len, struct linux_hdr *h, char *err,
    size_t errlen)
{
	uint64_t syssize;
	unsigned int sects;

	memset(h, 0, sizeof(*h));
	if (!linux_probe(buf, len)) {
		snprintf(err, errlen, "not a Linux bzImage (no 0xAA55 boot "
		    "flag and \"HdrS\" setup header)");
		return (-1);
	}
	/* The header's length is in the jump at 0x200 (boot.rst, 64-bit). */
	h->hdr_end = LINUX_HEADER + buf[LINUX_JUMP + 1];
	if (h->hdr_end > LINUX_HDR_MAX_END)
		h->hdr_end = LINUX_HDR_MAX_END;
	if (len < LINUX_VERSION + 2) {
		snprintf(err, errlen, "truncated bzImage (%zu bytes, the setup "
		    "header ends at 0x%zx)", len, h->hdr_end);
		return (-1);
	}
	h->version = rd16(buf + LINUX_VERSION);
	if (h->version < LINUX_MIN_VERSION) {
		snprintf(err, errlen, "Linux boot protocol %u.%02u is too old "
		    "(lhyve needs 2.12 or later for the 64-bit entry)",
		    h->version >> 8, h->version & 0xff);
		return (-1);
	}
	if (h->hdr_end < LINUX_INIT_SIZE + 4) {
		snprintf(err, errlen, "setup header too short for protocol "
		    "%u.%02u (ends at 0x%zx)", h->version >> 8,
		    h->version & 0xff, h->hdr_end);
		return (-1);
	}
	if (len < h->hdr_end) {
		snprintf(err, errlen, "truncated bzImage (%zu bytes, the setup "
		    "header ends at 0x%zx)", len, h->hdr_end);
		return (-1);
	}
	h->loadflags = buf[LINUX_LOADFLAGS];
	h->xloadflags = rd16(buf + LINUX_XLOADFLAGS);
	h->relocatable = buf[LINUX_RELOCATABLE];
	h->initrd_addr_max = rd32(buf + LINUX_INITRD_ADDR_MAX);
	h->kernel_alignment = rd32(buf + LINUX_KERNEL_ALIGNMENT);
	h->cmdline_size = rd32(buf + LINUX_CMDLINE_SIZE);
	h->pref_address = rd64(buf + LINUX_PREF_ADDRESS);
	h->init_size = rd32(buf + LINUX_INIT_SIZE);

	if ((h->xloadflags & LINUX_XLF_KERNEL_64) == 0) {
		snprintf(err, errlen, "kernel has no 64-bit entry point "
		    "(XLF_KERNEL_64 clear in xloadflags 0x%x); lhyve boots "
		    "64-bit kernels only", h->xloadflags);
		return (-1);
	}
	if ((h->loadflags & LINUX_LOADED_HIGH) == 0) {
		snprintf(err, errlen, "zImage (kernel loaded below 1 MiB) is "
		    "not supported; use a bzImage");
		return (-1);
	}
	/* boot.rst: setup_sects 0 means 4 (very old images). */
	sects = buf[LINUX_SETUP_SECTS];
	if (sects == 0)
		sects = 4;
	h->setup_size = (size_t)(sects + 1) * 512;
	syssize = rd32(buf + LINUX_SYSSIZE);
	h->kernel_off = h->setup_size;
	h->kernel_len = (size_t)(syssize * 16);
	if (h->kernel_len == 0) {
		snprintf(err, errlen, "bzImage has an empty protected-mode "
		    "kernel (syssize 0)");
		return (-1);
	}
	/*
	 * build.c pads the protected-mode part to exactly syssize * 16
	 * bytes; a signed (Secure Boot) image has more after it.
	 */
	if (len < h->setup_size || len - h->setup_size < h->kernel_len) {
		snprintf(err, errlen, "truncated bzImage (%zu bytes; setup "
		    "%zu + kernel %zu = %zu expected)", len, h->setup_size,
		    h->kernel_len, h->setup_size + h->kernel_len);
		return (-1);
	}
	if (h->relocatable && !is_pow2(h->kernel_alignment)) {
		snprintf(err, errlen, "bad kernel_alignment 0x%x (not a power "
		    "of two)", h->kernel_alignment);
		return (-1);
	}
	return (0);
}

int
linux_place(const struct linux_hdr *h, uint64_t lowmem, uint64_t highmem,
    uint64_t initrd_len, struct linux_place *p, char *err, size_t errlen)
{
	uint64_t need, addr, limit, top, base;

	memset(p, 0, sizeof(*p));
	/*
	 * The kernel needs init_size bytes from its load address for its
	 * decompression and early bss (boot.rst, init_size); the file part
	 * must fit too.
	 */
	need = h->init_size > h->kernel_len ? h->init_size : h->kernel_len;
	/*
	 * Load at pref_address.  A relocatable 64-bit kernel decompresses to
	 * max(load address, LOAD_PHYSICAL_ADDR) (head_64.S), and
	 * LOAD_PHYSICAL_ADDR is what it advertises as pref_address, so
	 * loading lower saves nothing: the init_size region at pref_address
	 * must be RAM anyway.  A non-relocatable kernel runs at pref_address
	 * unconditionally.  Relocatable kernels get the address rounded up
	 * to kernel_alignment and moved above 1 MiB if need be.
	 */
	addr = h->pref_address != 0 ? h->pref_address : LINUX_MIN_LOAD;
	if (h->relocatable) {
		if (addr < LINUX_MIN_LOAD)
			addr = LINUX_MIN_LOAD;
		addr = align_up(addr, h->kernel_alignment);
	} else if (addr < LINUX_MIN_LOAD) {
		snprintf(err, errlen, "non-relocatable kernel wants to run at "
		    "0x%llx, below 1 MiB", (unsigned long long)addr);
		return (-1);
	}
	if (addr >= lowmem || need > lowmem - addr) {
		snprintf(err, errlen, "kernel too big for guest memory: it "
		    "needs RAM up to 0x%llx (load address 0x%llx + init_size "
		    "0x%llx, %llu MiB) and lowmem ends at 0x%llx; give the "
		    "guest at least %llu MiB (-m)",
		    (unsigned long long)(addr + need),
		    (unsigned long long)addr, (unsigned long long)need,
		    (unsigned long long)((addr + need + MiB - 1) / MiB),
		    (unsigned long long)lowmem,
		    (unsigned long long)((addr + need + MiB - 1) / MiB));
		return (-1);
	}
	p->kernel_addr = addr;
	p->kernel_end = addr + need;
	if (initrd_len == 0)
		return (0);

	/*
	 * The initrd goes as high as allowed (boot.rst: "as high as
	 * possible"), page-aligned, ending by initrd_addr_max + 1 and by the
	 * end of lowmem, and above the kernel's init_size region.
	 */
	base = align_up(p->kernel_end, LINUX_PAGE);
	limit = (uint64_t)h->initrd_addr_max + 1;
	if (limit > lowmem)
		limit = lowmem;
	p->initrd_limit = limit;
	if (limit >= base && initrd_len <= limit - base) {
		top = align_down(limit - initrd_len, LINUX_PAGE);
		if (top >= base) {
			p->initrd_addr = top;
			p->initrd_len = initrd_len;
			return (0);
		}
	}
	/*
	 * A kernel that can be loaded above 4 GiB takes its initrd there too
	 * (the ext_ramdisk_* fields, protocol 2.12), as GRUB does.
	 */
	if ((h->xloadflags & LINUX_XLF_ABOVE_4G) != 0 &&
	    initrd_len <= highmem) {
		p->initrd_addr = align_down(VM_HIGHMEM_BASE + highmem -
		    initrd_len, LINUX_PAGE);
		p->initrd_len = initrd_len;
		p->initrd_limit = VM_HIGHMEM_BASE + highmem;
		return (0);
	}
	snprintf(err, errlen, "initrd too big for guest memory: %llu bytes "
	    "(%llu MiB) do not fit between the kernel's end at 0x%llx and "
	    "0x%llx (initrd_addr_max 0x%x, lowmem end 0x%llx); give the guest "
	    "more memory (-m)", (unsigned long long)initrd_len,
	    (unsigned long long)((initrd_len + MiB - 1) / MiB),
	    (unsigned long long)base, (unsigned long long)limit,
	    h->initrd_addr_max, (unsigned long long)lowmem);
	return (-2);
}

int
linux_check_cmdline(const struct linux_hdr *h, size_t len, char *err,
    size_t errlen)
{
	/* cmdline_size: the longest line without its NUL (protocol 2.06). */
	if (len > h->cmdline_size) {
		snprintf(err, errlen, "kernel command line too long: %zu bytes, "
		    "the kernel accepts at most %u (cmdline_size)", len,
		    h->cmdline_size);
		return (-1);
	}
	if (len + 1 > LINUX_CMDLINE_AREA_END - LINUX_CMDLINE_GPA) {
		snprintf(err, errlen, "kernel command line too long: %zu bytes, "
		    "lhyve has room for %llu", len,
		    (unsigned long long)(LINUX_CMDLINE_AREA_END -
		    LINUX_CMDLINE_GPA - 1));
		return (-1);
	}
	return (0);
}

int
linux_build_zeropage(uint8_t *zp, const uint8_t *kbuf,
    const struct linux_hdr *h, const struct linux_place *p,
    uint64_t cmdline_gpa, uint64_t rsdp, const struct e820_entry *e820,
    int ne820)
{
	uint8_t lf;

	if (ne820 < 0 || ne820 > E820_MAX_ENTRIES)
		return (-1);
	/*
	 * boot.rst, 64-bit boot protocol: start from all zeroes, then copy
	 * the setup header from the image.  A zero sentinel (0x1EF) tells
	 * the kernel not to scrub the fields after the header.
	 */
	memset(zp, 0, LINUX_ZP_SIZE);
	memcpy(zp + LINUX_SETUP_SECTS, kbuf + LINUX_SETUP_SECTS,
	    h->hdr_end - LINUX_SETUP_SECTS);

	/* "modify (obligatory)" fields of the header. */
	wr16(zp + LINUX_VID_MODE, 0xFFFF);	/* NORMAL_VGA: no mode change */
	zp[LINUX_TYPE_OF_LOADER] = LINUX_TYPE_OF_LOADER_UNDEF;
	zp[LINUX_EXT_LOADER_VER] = 0;
	zp[LINUX_EXT_LOADER_TYPE] = 0;
	lf = zp[LINUX_LOADFLAGS];
	lf &= (uint8_t)~LINUX_KEEP_SEGMENTS;	/* 32-bit entry only */
	lf |= LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	zp[LINUX_LOADFLAGS] = lf;
	/* End of the real-mode heap, relative to the setup code (unused by
	 * the 64-bit entry, but CAN_USE_HEAP says it is valid). */
	wr16(zp + LINUX_HEAP_END_PTR, 0xFE00);
	wr32(zp + LINUX_CODE32_START, (uint32_t)p->kernel_addr);

	wr32(zp + LINUX_CMD_LINE_PTR, (uint32_t)cmdline_gpa);
	wr32(zp + LINUX_ZP_EXT_CMD_LINE_PTR, (uint32_t)(cmdline_gpa >> 32));
	wr32(zp + LINUX_RAMDISK_IMAGE, (uint32_t)p->initrd_addr);
	wr32(zp + LINUX_ZP_EXT_RAMDISK_IMAGE, (uint32_t)(p->initrd_addr >> 32));
	wr32(zp + LINUX_RAMDISK_SIZE, (uint32_t)p->initrd_len);
	wr32(zp + LINUX_ZP_EXT_RAMDISK_SIZE, (uint32_t)(p->initrd_len >> 32));

	/* A plain PC (hardware_subarch 0), no setup_data chain. */
	wr32(zp + LINUX_HW_SUBARCH, 0);
	wr64(zp + LINUX_HW_SUBARCH_DATA, 0);
	wr64(zp + LINUX_SETUP_DATA, 0);

	/*
	 * acpi_rsdp_addr: read by kernels since 5.0 (protocol 2.14, whose
	 * header field was burnt and moved to the zero page).  Older
	 * kernels find the RSDP by scanning 0xE0000-0xFFFFF.
	 */
	if (rsdp != 0 && h->version >= LINUX_RSDP_VERSION)
		wr64(zp + LINUX_ZP_ACPI_RSDP, rsdp);

	zp[LINUX_ZP_E820_ENTRIES] = (uint8_t)ne820;
	for (int i = 0; i < ne820; i++) {
		uint8_t *e = zp + LINUX_ZP_E820_TABLE +
		    i * LINUX_ZP_E820_ENTRY_SIZE;

		wr64(e, e820[i].addr);
		wr64(e + 8, e820[i].len);
		wr32(e + 16, e820[i].type);
	}
	return (0);
}

int
linux_load(struct vmctx *ctx, struct vcpu *bsp, const uint8_t *kbuf,
    size_t klen, uint64_t rsdp, char *err, size_t errlen)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	struct e820_layout layout;
	struct linux_place place;
	struct linux_hdr h;
	const char *kpath, *ipath, *cmdline;
	uint8_t *zp = NULL, *dst;
	uint64_t isize = 0;
	char why[256];
	size_t clen;
	int ifd = -1, nmap, error = 0;
	int ret = -1;

	kpath = get_config_value("boot.kernel");
	if (kpath == NULL)
		kpath = "kernel";
	ipath = get_config_value("boot.initrd");
	if (ipath != NULL && ipath[0] == '\0')
		ipath = NULL;
	cmdline = get_config_value("boot.cmdline");
	if (cmdline == NULL)
		cmdline = LINUX_DEFAULT_CMDLINE;
	clen = strlen(cmdline);

	if (linux_parse(kbuf, klen, &h, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", kpath, why);
		return (-1);
	}
	if (linux_check_cmdline(&h, clen, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", kpath, why);
		return (-1);
	}
	if (ipath != NULL) {
		if (boot_open_file(ipath, &ifd, &isize, why,
		    sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: cannot open initrd: %s",
			    ipath, why);
			return (-1);
		}
		if (isize == 0) {
			snprintf(err, errlen, "%s: initrd is empty", ipath);
			goto out;
		}
	}
	error = linux_place(&h, vm_get_lowmem_size(ctx),
	    vm_get_highmem_size(ctx), isize, &place, why, sizeof(why));
	if (error != 0) {
		/* Name the file that does not fit. */
		snprintf(err, errlen, "%s: %s", error == -2 ? ipath : kpath,
		    why);
		goto out;
	}

	/* The protected-mode kernel. */
	if (boot_put_guest(ctx, place.kernel_addr, kbuf + h.kernel_off,
	    h.kernel_len, "kernel", why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", kpath, why);
		goto out;
	}
	/* The initrd, read straight into guest RAM. */
	if (ipath != NULL) {
		dst = vm_map_gpa(ctx, place.initrd_addr, isize);
		if (dst == NULL) {
			snprintf(err, errlen, "%s: guest RAM does not cover the "
			    "initrd at 0x%llx", ipath,
			    (unsigned long long)place.initrd_addr);
			goto out;
		}
		if (boot_read_fd(ifd, dst, isize, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", ipath, why);
			goto out;
		}
		vm_notify_write(ctx, place.initrd_addr, isize);
	}
	/* The command line, NUL-terminated. */
	if (boot_put_guest(ctx, LINUX_CMDLINE_GPA, cmdline, clen + 1,
	    "kernel command line", why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", kpath, why);
		goto out;
	}

	/* The zero page, with the VM's memory map. */
	e820_vm_layout(ctx, &layout);
	nmap = e820_build(&layout, map, E820_MAX_ENTRIES);
	if (nmap < 0) {
		snprintf(err, errlen, "%s: E820 map does not fit in the zero "
		    "page (%s)", kpath, strerror(-nmap));
		goto out;
	}
	zp = malloc(LINUX_ZP_SIZE);
	if (zp == NULL) {
		snprintf(err, errlen, "%s: out of memory", kpath);
		goto out;
	}
	linux_build_zeropage(zp, kbuf, &h, &place, LINUX_CMDLINE_GPA, rsdp,
	    map, nmap);
	if (boot_put_guest(ctx, LINUX_ZEROPAGE_GPA, zp, LINUX_ZP_SIZE,
	    "zero page", why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", kpath, why);
		goto out;
	}

	/*
	 * boot.rst, 64-bit boot protocol: long mode, identity-mapped kernel,
	 * zero page and command line, __BOOT_CS 0x10 / __BOOT_DS 0x18,
	 * interrupts off, RSI = the zero page, at load address + 0x200.
	 */
	if (x86_setup_long(ctx, bsp, place.kernel_addr + LINUX_ENTRY64_OFFSET,
	    BOOT_STACK_TOP, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", kpath, why);
		goto out;
	}
	{
		/* The 32-bit protocol wants EBP, EDI, EBX zero; be as tidy. */
		static const int zero_regs[] = {
			VM_REG_GUEST_RAX, VM_REG_GUEST_RBX, VM_REG_GUEST_RCX,
			VM_REG_GUEST_RDX, VM_REG_GUEST_RDI, VM_REG_GUEST_RBP,
		};

		for (size_t i = 0; i < sizeof(zero_regs) /
		    sizeof(zero_regs[0]); i++) {
			error = vm_set_register(bsp, zero_regs[i], 0);
			if (error != 0)
				break;
		}
		if (error == 0)
			error = vm_set_register(bsp, VM_REG_GUEST_RSI,
			    LINUX_ZEROPAGE_GPA);
		if (error != 0) {
			snprintf(err, errlen, "%s: cannot set the boot vCPU's "
			    "registers: %s", kpath, strerror(-error));
			goto out;
		}
	}
	ret = 0;
out:
	free(zp);
	if (ifd >= 0)
		close(ifd);
	return (ret);
}
