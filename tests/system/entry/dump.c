/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dump.c: runs lhyve's Linux loader (linux_load) against a fake VM and
 * writes what it put in guest memory as files, so that qemu-entry.sh can
 * replay exactly that boot state under QEMU (tests/system/entry/stub.S).
 * A cross-check of the loader while the emu backend cannot boot Linux.
 *
 * usage: dump KERNEL INITRD CMDLINE LOWMEM OUTDIR
 * Writes OUTDIR/low.bin (guest 0x1000-0x80000: GDT, page tables, zero
 * page, command line), kernel.bin, initrd.bin and prints shell variables
 * (KADDR, IADDR, ENTRY, RSI, CR3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/linux.h"
#include "boot/loader.h"
#include "config.h"
#include "vmm/vmm.h"

struct vmctx {
	int unused;
};
struct vcpu {
	int unused;
};

static uint8_t *ram;
static size_t lowmem;
static uint64_t regs[VM_REG_LAST];
static const char *cfg_kernel, *cfg_initrd, *cfg_cmdline;

size_t
vm_get_lowmem_size(struct vmctx *ctx)
{
	return (lowmem);
}

size_t
vm_get_highmem_size(struct vmctx *ctx)
{
	return (0);
}

void *
vm_map_gpa(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	if (gpa < lowmem && len <= lowmem - gpa)
		return (ram + gpa);
	return (NULL);
}

void *
vm_create_rom(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	return (NULL);
}

void
vm_notify_write(struct vmctx *ctx, uint64_t gpa, size_t len)
{
}

int
vm_vcpu_reset(struct vcpu *vcpu)
{
	return (0);
}

int
vm_set_register(struct vcpu *vcpu, int reg, uint64_t val)
{
	if (reg < 0 || reg >= VM_REG_LAST)
		return (-EINVAL);
	regs[reg] = val;
	return (0);
}

int
vm_set_desc(struct vcpu *vcpu, int reg, uint64_t base, uint32_t limit,
    uint32_t access)
{
	return (0);
}

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

static int
put(const char *dir, const char *name, uint64_t gpa, uint64_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fwrite(ram + gpa, 1, len, f) != len) {
		perror(path);
		return (-1);
	}
	return (fclose(f));
}

int
main(int argc, char **argv)
{
	struct vmctx ctx;
	struct vcpu bsp;
	char err[512];
	uint8_t *kbuf, *zp;
	size_t klen;
	uint64_t kaddr, iaddr, isize;
	struct linux_hdr h;

	if (argc != 6) {
		fprintf(stderr, "usage: dump KERNEL INITRD CMDLINE LOWMEM "
		    "OUTDIR\n");
		return (2);
	}
	cfg_kernel = argv[1];
	cfg_initrd = argv[2];
	cfg_cmdline = argv[3];
	lowmem = strtoull(argv[4], NULL, 0);
	ram = calloc(1, lowmem);
	if (ram == NULL)
		return (1);
	if (boot_read_file(cfg_kernel, 1 << 30, &kbuf, &klen, err,
	    sizeof(err)) != 0 ||
	    linux_load(&ctx, &bsp, kbuf, klen, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "dump: %s\n", err);
		return (1);
	}
	linux_parse(kbuf, klen, &h, err, sizeof(err));
	zp = ram + regs[VM_REG_GUEST_RSI];
	kaddr = regs[VM_REG_GUEST_RIP] - LINUX_ENTRY64_OFFSET;
	iaddr = (uint64_t)(zp[LINUX_RAMDISK_IMAGE] |
	    zp[LINUX_RAMDISK_IMAGE + 1] << 8 |
	    zp[LINUX_RAMDISK_IMAGE + 2] << 16 |
	    (uint32_t)zp[LINUX_RAMDISK_IMAGE + 3] << 24);
	isize = (uint64_t)(zp[LINUX_RAMDISK_SIZE] |
	    zp[LINUX_RAMDISK_SIZE + 1] << 8 |
	    zp[LINUX_RAMDISK_SIZE + 2] << 16 |
	    (uint32_t)zp[LINUX_RAMDISK_SIZE + 3] << 24);
	if (put(argv[5], "low.bin", BOOT_DATA_START,
	    BOOT_DATA_END - BOOT_DATA_START) != 0 ||
	    put(argv[5], "kernel.bin", kaddr, h.kernel_len) != 0 ||
	    put(argv[5], "initrd.bin", iaddr, isize) != 0)
		return (1);
	printf("KADDR=0x%llx\nIADDR=0x%llx\nENTRY=0x%llx\nRSI=0x%llx\n"
	    "CR3=0x%llx\nE820=%u\n", (unsigned long long)kaddr,
	    (unsigned long long)iaddr,
	    (unsigned long long)regs[VM_REG_GUEST_RIP],
	    (unsigned long long)regs[VM_REG_GUEST_RSI],
	    (unsigned long long)regs[VM_REG_GUEST_CR3],
	    zp[LINUX_ZP_E820_ENTRIES]);
	return (0);
}
