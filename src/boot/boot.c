/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * boot.c: boot_load_kernel, which reads boot.kernel and hands it to the
 * right loader (multiboot first, then plain ELF64), and the file reading
 * and segment placement the loaders share.
 */

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/boot.h"
#include "boot/linux.h"
#include "boot/loader.h"
#include "config.h"

/* No kernel lhyve can boot is this big; a bigger file is a mistake. */
#define BOOT_KERNEL_MAX	(1ULL << 30)

int
boot_open_file(const char *path, int *fdp, uint64_t *sizep, char *err,
    size_t errlen)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		close(fd);
		return (-1);
	}
	*fdp = fd;
	*sizep = (uint64_t)st.st_size;
	return (0);
}

int
boot_read_fd(int fd, void *dst, size_t len, char *err, size_t errlen)
{
	uint8_t *p = dst;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "read error: %s",
			    strerror(errno));
			return (-1);
		}
		if (n == 0) {
			snprintf(err, errlen, "file shrank while being read "
			    "(%zu of %zu bytes)", done, len);
			return (-1);
		}
		done += (size_t)n;
	}
	return (0);
}

int
boot_read_file(const char *path, size_t max, uint8_t **bufp, size_t *lenp,
    char *err, size_t errlen)
{
	uint64_t size;
	uint8_t *buf;
	int fd;

	if (boot_open_file(path, &fd, &size, err, errlen) != 0)
		return (-1);
	if (size > max) {
		snprintf(err, errlen, "file too big (%llu bytes, at most %zu)",
		    (unsigned long long)size, max);
		close(fd);
		return (-1);
	}
	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory reading %llu bytes",
		    (unsigned long long)size);
		close(fd);
		return (-1);
	}
	if (boot_read_fd(fd, buf, size, err, errlen) != 0) {
		free(buf);
		close(fd);
		return (-1);
	}
	close(fd);
	*bufp = buf;
	*lenp = size;
	return (0);
}

/* True if [gpa, gpa + len) is all RAM in the layout vm_setup_memory makes. */
static bool
in_ram(uint64_t gpa, uint64_t len, uint64_t lowmem, uint64_t highmem)
{
	if (gpa + len < gpa)
		return (false);
	if (gpa + len <= lowmem)
		return (true);
	return (gpa >= VM_HIGHMEM_BASE &&
	    gpa + len - VM_HIGHMEM_BASE <= highmem);
}

static void
ram_desc(char *buf, size_t len, uint64_t lowmem, uint64_t highmem)
{
	if (highmem == 0)
		snprintf(buf, len, "0-0x%llx", (unsigned long long)lowmem);
	else
		snprintf(buf, len, "0-0x%llx and 0x%llx-0x%llx",
		    (unsigned long long)lowmem,
		    (unsigned long long)VM_HIGHMEM_BASE,
		    (unsigned long long)(VM_HIGHMEM_BASE + highmem));
}

int
boot_image_check(const struct boot_image *img, uint64_t lowmem,
    uint64_t highmem, char *err, size_t errlen)
{
	char ram[96];

	ram_desc(ram, sizeof(ram), lowmem, highmem);
	for (int i = 0; i < img->nseg; i++) {
		const struct boot_seg *s = &img->seg[i];
		uint64_t end = s->paddr + s->memsz;

		if (!in_ram(s->paddr, s->memsz, lowmem, highmem)) {
			snprintf(err, errlen, "segment %d (0x%llx-0x%llx) is "
			    "outside guest RAM (%s); give the guest more "
			    "memory (-m) or check the link address", i,
			    (unsigned long long)s->paddr,
			    (unsigned long long)end, ram);
			return (-1);
		}
		if (s->paddr < BOOT_DATA_END && end > BOOT_DATA_START) {
			snprintf(err, errlen, "segment %d (0x%llx-0x%llx) "
			    "overlaps lhyve's boot data at 0x%llx-0x%llx; "
			    "link the kernel at 1 MiB or above", i,
			    (unsigned long long)s->paddr,
			    (unsigned long long)end,
			    (unsigned long long)BOOT_DATA_START,
			    (unsigned long long)BOOT_DATA_END);
			return (-1);
		}
	}
	if (!in_ram(img->entry, 1, lowmem, highmem)) {
		snprintf(err, errlen, "entry point 0x%llx is outside guest "
		    "RAM (%s)", (unsigned long long)img->entry, ram);
		return (-1);
	}
	return (0);
}

int
boot_image_load(struct vmctx *ctx, const uint8_t *buf, size_t len,
    const struct boot_image *img, char *err, size_t errlen)
{
	for (int i = 0; i < img->nseg; i++) {
		const struct boot_seg *s = &img->seg[i];
		uint8_t *dst;

		/* The parsers checked these; a loader bug must not overrun. */
		if (s->filesz > s->memsz || s->offset > len ||
		    s->filesz > len - s->offset) {
			snprintf(err, errlen, "segment %d: bad file range", i);
			return (-1);
		}
		dst = vm_map_gpa(ctx, s->paddr, s->memsz);
		if (dst == NULL) {
			snprintf(err, errlen, "segment %d (0x%llx-0x%llx) is "
			    "outside guest RAM", i,
			    (unsigned long long)s->paddr,
			    (unsigned long long)(s->paddr + s->memsz));
			return (-1);
		}
		memcpy(dst, buf + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		vm_notify_write(ctx, s->paddr, s->memsz);
	}
	return (0);
}

static uint64_t boot_rsdp;

void
boot_set_rsdp(uint64_t gpa)
{
	boot_rsdp = gpa;
}

int
boot_load_kernel(struct vmctx *ctx, struct vcpu *bsp, char *err,
    size_t errlen)
{
	struct mb_header hdr;
	const char *path;
	char why[256];
	uint8_t *buf;
	size_t len;
	int elfclass, found, ret = -1;

	path = get_config_value("boot.kernel");
	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "no kernel given (boot.kernel)");
		return (-1);
	}
	if (boot_read_file(path, BOOT_KERNEL_MAX, &buf, &len, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return (-1);
	}

	/* Multiboot 0.6.96 §3.1.1: a valid header decides, whatever else. */
	found = mb_find_header(buf, len, &hdr, why, sizeof(why));
	if (found < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
	} else if (found > 0) {
		ret = multiboot_load(ctx, bsp, path, buf, len, &hdr, err,
		    errlen);
	} else if (linux_probe(buf, len)) {
		ret = linux_load(ctx, bsp, buf, len, boot_rsdp, err, errlen);
	} else if (elf_is_elf(buf, len, &elfclass) &&
	    elfclass == ELFCLASS64) {
		ret = elf64_load(ctx, bsp, path, buf, len, err, errlen);
	} else if (elf_is_elf(buf, len, &elfclass) &&
	    elfclass == ELFCLASS32) {
		snprintf(err, errlen, "%s: ELF32 kernel without a multiboot "
		    "header (32-bit kernels boot only through multiboot)",
		    path);
	} else {
		snprintf(err, errlen, "%s: not a multiboot, bzImage or ELF64 "
		    "kernel", path);
	}
	free(buf);
	return (ret);
}
