/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bootrom.c: the firmware path (-l bootrom,FILE): map a flat ROM image so
 * it ends at 4 GiB, alias its top below 1 MiB as a PC chipset does, and
 * leave the boot vCPU at the reset vector.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boot/boot.h"
#include "boot/loader.h"
#include "config.h"

#define BOOTROM_MAX		(16ULL << 20)
#define BOOTROM_ALIGN		4096ULL
/* The legacy BIOS window 0xE0000-0xFFFFF mirrors the top of the flash. */
#define BOOTROM_LEGACY_MAX	(128ULL << 10)
#define BOOTROM_LEGACY_END	(1ULL << 20)
#define BOOTROM_TOP		(4ULL << 30)

/*
 * Check a ROM image size: non-zero, whole 4 KiB pages, at most 16 MiB
 * (the flash window below 4 GiB bhyve allows).  0 or -1 with err.
 */
int
bootrom_check_size(uint64_t size, char *err, size_t errlen)
{
	if (size == 0 || size % BOOTROM_ALIGN != 0) {
		snprintf(err, errlen, "size %llu is not a non-zero multiple "
		    "of 4 KiB", (unsigned long long)size);
		return (-1);
	}
	if (size > BOOTROM_MAX) {
		snprintf(err, errlen, "size %llu is larger than 16 MiB",
		    (unsigned long long)size);
		return (-1);
	}
	return (0);
}

int
bootrom_load(struct vmctx *ctx, struct vcpu *bsp, char *err, size_t errlen)
{
	const char *path, *vars;
	uint64_t size, alias;
	uint8_t *rom, *low;
	char why[160];
	int error, fd;

	path = get_config_value("lpc.bootrom");
	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "no boot ROM given (lpc.bootrom)");
		return (-1);
	}
	vars = get_config_value("lpc.bootvars");
	if (vars != NULL) {
		snprintf(err, errlen, "%s: lpc.bootvars (UEFI variable store) "
		    "is not supported yet", vars);
		return (-1);
	}
	if (boot_open_file(path, &fd, &size, why, sizeof(why)) != 0)
		goto fail;
	if (bootrom_check_size(size, why, sizeof(why)) != 0) {
		close(fd);
		goto fail;
	}
	rom = vm_create_rom(ctx, BOOTROM_TOP - size, size);
	if (rom == NULL) {
		snprintf(why, sizeof(why), "cannot map the ROM at 0x%llx: %s",
		    (unsigned long long)(BOOTROM_TOP - size),
		    strerror(errno));
		close(fd);
		goto fail;
	}
	if (boot_read_fd(fd, rom, size, why, sizeof(why)) != 0) {
		close(fd);
		goto fail;
	}
	close(fd);

	/*
	 * The reset vector F000:FFF0 runs at 0xFFFFFFF0 (CS base FFFF0000),
	 * but the first far jump reloads CS the real-mode way and lands in
	 * the F segment below 1 MiB; a PC decodes the top of the flash there
	 * too, so mirror the image's last 128 KiB (or all of a smaller one).
	 */
	alias = size < BOOTROM_LEGACY_MAX ? size : BOOTROM_LEGACY_MAX;
	low = vm_create_rom(ctx, BOOTROM_LEGACY_END - alias, alias);
	if (low == NULL) {
		snprintf(why, sizeof(why), "cannot map the ROM alias at "
		    "0x%llx: %s", (unsigned long long)(BOOTROM_LEGACY_END -
		    alias), strerror(errno));
		goto fail;
	}
	memcpy(low, rom + size - alias, alias);

	if ((error = vm_vcpu_reset(bsp)) != 0) {
		snprintf(why, sizeof(why), "cannot reset the boot vCPU: %s",
		    strerror(-error));
		goto fail;
	}
	return (0);
fail:
	snprintf(err, errlen, "%s: %s", path, why);
	return (-1);
}
