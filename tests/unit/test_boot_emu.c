/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_boot_emu.c: the loaders end to end on the real emu backend.  Tiny
 * hand-assembled kernels (multiboot ELF32, plain ELF64, a boot ROM) are
 * loaded with boot_load_kernel / bootrom_load into a VM from vm_create(...,
 * "emu", ...), run, and report what they see at entry by writing it to
 * port 0x80; they finish by writing to the debug-exit port 0xF4.  The test
 * asserts the exact values, so the entry state is checked as the guest
 * itself observes it, not only as the loader meant to set it.
 */

#include <elf.h>
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
#include "config.h"
#include "vmm/vmm.h"

#define REPORT_PORT	0x80
#define EXIT_PORT	0xf4
#define MAX_REPORTS	32

static uint32_t reports[MAX_REPORTS];
static int nreports;
static int exit_value;

static int
exit_handler(struct vcpu *vcpu, struct vm_exit *vme)
{
	if (vme->exitcode != VM_EXITCODE_INOUT)
		return (VMEXIT_CONTINUE);
	if (vme->u.inout.in) {
		vme->u.inout.eax = 0xffffffff;
		return (VMEXIT_CONTINUE);
	}
	if (vme->u.inout.port == REPORT_PORT && nreports < MAX_REPORTS)
		reports[nreports++] = vme->u.inout.eax;
	if (vme->u.inout.port == EXIT_PORT) {
		exit_value = (int)vme->u.inout.eax;
		return (VMEXIT_ABORT);
	}
	return (VMEXIT_CONTINUE);
}

static char tmpdir[64];
static char kpath[128], rpath[128];

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/*
 * An ELF executable with one PT_LOAD segment holding 'code' at 0x200000
 * (file offset 0x1000), filesz = code size, memsz = filesz + bss.  With mb,
 * a multiboot header (flags 3) sits at offset 0x100.
 */
static size_t
build_elf(uint8_t *buf, size_t cap, int cls, const uint8_t *code,
    size_t codelen, size_t bss, bool mb)
{
	const uint64_t at = 0x200000;
	size_t size = 0x1000 + codelen;

	assert_true(size <= cap);
	memset(buf, 0, size);
	if (cls == ELFCLASS64) {
		Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64,
		    .e_version = EV_CURRENT, .e_entry = at,
		    .e_phoff = sizeof(Elf64_Ehdr),
		    .e_ehsize = sizeof(Elf64_Ehdr),
		    .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1 };
		Elf64_Phdr ph = { .p_type = PT_LOAD, .p_offset = 0x1000,
		    .p_vaddr = at, .p_paddr = at, .p_filesz = codelen,
		    .p_memsz = codelen + bss, .p_flags = PF_R | PF_W | PF_X };

		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS64;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(buf, &eh, sizeof(eh));
		memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	} else {
		Elf32_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_386,
		    .e_version = EV_CURRENT, .e_entry = at,
		    .e_phoff = sizeof(Elf32_Ehdr),
		    .e_ehsize = sizeof(Elf32_Ehdr),
		    .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = 1 };
		Elf32_Phdr ph = { .p_type = PT_LOAD, .p_offset = 0x1000,
		    .p_vaddr = at, .p_paddr = at, .p_filesz = codelen,
		    .p_memsz = codelen + bss, .p_flags = PF_R | PF_W | PF_X };

		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS32;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(buf, &eh, sizeof(eh));
		memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	}
	if (mb) {
		const uint32_t hdr[3] = { 0x1BADB002, 3,
		    (uint32_t)-(0x1BADB002 + 3) };

		memcpy(buf + 0x100, hdr, sizeof(hdr));
	}
	memcpy(buf + 0x1000, code, codelen);
	return (size);
}

/* Make a 16 MiB emu VM, load with 'load', run to the debug exit. */
static void
boot_and_run(int (*load)(struct vmctx *, struct vcpu *, char *, size_t))
{
	struct vmctx *ctx;
	struct vcpu *bsp;
	struct vm_exit vme;
	char err[256];
	int runs;

	nreports = 0;
	exit_value = -1;
	ctx = vm_create("boottest", "emu", 1, err, sizeof(err));
	if (ctx == NULL)
		fail_msg("vm_create(emu): %s", err);
	assert_int_equal(vm_setup_memory(ctx, 16 << 20), 0);
	vm_set_exit_handler(ctx, exit_handler);
	bsp = vm_vcpu_open(ctx, 0);
	assert_non_null(bsp);
	if (load(ctx, bsp, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
	for (runs = 0; runs < 1000 && exit_value < 0; runs++) {
		assert_int_equal(vm_run(bsp, &vme), 0);
		if (vme.exitcode == VM_EXITCODE_SUSPENDED ||
		    vme.exitcode == VM_EXITCODE_INST_EMUL)
			break;
	}
	if (exit_value < 0)
		fail_msg("guest did not reach the debug exit (exit code %d, "
		    "rip 0x%llx, %d reports)", vme.exitcode,
		    (unsigned long long)vme.rip, nreports);
	vm_destroy(ctx);
}

/*
 * 32-bit multiboot kernel: reports EAX, EBX, ESP, CS, DS, CR0, EFLAGS (via
 * the stack), mod_end - mod_start of module 0, the first module byte, the
 * first command-line byte and a bss dword; then exits with 0.
 */
static const uint8_t mb32_code[] = {
	0xe7, 0x80,			/* out %eax,$0x80 */
	0x89, 0xd8, 0xe7, 0x80,		/* mov %ebx,%eax; out */
	0x89, 0xe0, 0xe7, 0x80,		/* mov %esp,%eax; out */
	0x8c, 0xc8, 0xe7, 0x80,		/* mov %cs,%eax; out */
	0x8c, 0xd8, 0xe7, 0x80,		/* mov %ds,%eax; out */
	0x0f, 0x20, 0xc0, 0xe7, 0x80,	/* mov %cr0,%eax; out */
	0x9c, 0x58, 0xe7, 0x80,		/* pushf; pop %eax; out */
	0x8b, 0x73, 0x18,		/* mov 0x18(%ebx),%esi  mods_addr */
	0x8b, 0x46, 0x04,		/* mov 0x4(%esi),%eax   mod_end */
	0x2b, 0x06, 0xe7, 0x80,		/* sub (%esi),%eax; out */
	0x8b, 0x06,			/* mov (%esi),%eax      mod_start */
	0x0f, 0xb6, 0x00, 0xe7, 0x80,	/* movzbl (%eax),%eax; out */
	0x8b, 0x43, 0x10,		/* mov 0x10(%ebx),%eax  cmdline */
	0x0f, 0xb6, 0x00, 0xe7, 0x80,	/* movzbl (%eax),%eax; out */
	0xa1, 0x00, 0x01, 0x20, 0x00,	/* mov 0x200100,%eax    bss */
	0xe7, 0x80,			/* out */
	0xb0, 0x00, 0xe6, 0xf4,		/* mov $0,%al; out %al,$0xf4 */
	0xf4,				/* hlt */
};

static int
load_kernel(struct vmctx *ctx, struct vcpu *bsp, char *err, size_t errlen)
{
	return (boot_load_kernel(ctx, bsp, err, errlen));
}

static void
test_emu_multiboot_elf32(void **state)
{
	static uint8_t f[0x2000], rd[0x1003];

	assert_true(sizeof(mb32_code) < 0x100);
	write_file(kpath, f, build_elf(f, sizeof(f), ELFCLASS32, mb32_code,
	    sizeof(mb32_code), 0x200, true));
	memset(rd, 'Q', sizeof(rd));
	write_file(rpath, rd, sizeof(rd));
	set_config_value("boot.kernel", kpath);
	set_config_value("boot.initrd", rpath);
	set_config_value("boot.cmdline", "Zconsole");
	boot_and_run(load_kernel);

	assert_int_equal(exit_value, 0);
	assert_int_equal(nreports, 11);
	assert_int_equal(reports[0], 0x2BADB002);
	assert_int_equal(reports[1], 0x8000);
	assert_int_equal(reports[2], 0x80000);
	assert_int_equal(reports[3] & 0xffff, 0x10);
	assert_int_equal(reports[4] & 0xffff, 0x18);
	assert_int_equal(reports[5], 0x11);
	assert_int_equal(reports[6], 0x2);
	assert_int_equal(reports[7], 0x1003);
	assert_int_equal(reports[8], 'Q');
	assert_int_equal(reports[9], 'Z');
	assert_int_equal(reports[10], 0);
	unset_config_value("boot.initrd");
	unset_config_value("boot.cmdline");
}

/*
 * Plain ELF64: reports RDI, RSP, CR0, CR4, CR3, a 64-bit shift result, the
 * PML4's first entry read through the identity map, CS and SS.
 */
static const uint8_t k64_code[] = {
	0x48, 0x89, 0xf8, 0xe7, 0x80,		/* mov %rdi,%rax; out */
	0x48, 0x89, 0xe0, 0xe7, 0x80,		/* mov %rsp,%rax; out */
	0x0f, 0x20, 0xc0, 0xe7, 0x80,		/* mov %cr0,%rax; out */
	0x0f, 0x20, 0xe0, 0xe7, 0x80,		/* mov %cr4,%rax; out */
	0x0f, 0x20, 0xd8, 0xe7, 0x80,		/* mov %cr3,%rax; out */
	0x48, 0xb8, 0x00, 0x00, 0x00, 0x00,	/* movabs $0x500000000,%rax */
	0x05, 0x00, 0x00, 0x00,
	0x48, 0xc1, 0xe8, 0x20, 0xe7, 0x80,	/* shr $32,%rax; out */
	0x8b, 0x04, 0x25, 0x00, 0x20, 0x00, 0x00, /* mov 0x2000,%eax */
	0xe7, 0x80,				/* out */
	0x8c, 0xc8, 0xe7, 0x80,			/* mov %cs,%eax; out */
	0x8c, 0xd0, 0xe7, 0x80,			/* mov %ss,%eax; out */
	0x50, 0x58,				/* push %rax; pop %rax */
	0xb0, 0x00, 0xe6, 0xf4,			/* mov $0,%al; out */
	0xf4,					/* hlt */
};

static void
test_emu_elf64(void **state)
{
	static uint8_t f[0x2000];

	write_file(kpath, f, build_elf(f, sizeof(f), ELFCLASS64, k64_code,
	    sizeof(k64_code), 0, false));
	set_config_value("boot.kernel", kpath);
	boot_and_run(load_kernel);

	assert_int_equal(exit_value, 0);
	assert_int_equal(nreports, 9);
	assert_int_equal(reports[0], 0);
	assert_int_equal(reports[1], 0x80000);
	assert_int_equal(reports[2], 0x80000031);
	assert_int_equal(reports[3], 0x20);
	assert_int_equal(reports[4], 0x2000);
	assert_int_equal(reports[5], 5);
	/* The page walk may have set the Accessed bit (0x20), as hardware. */
	assert_int_equal(reports[6] & ~0x20u, 0x3003);
	assert_int_equal(reports[7] & 0xffff, 0x10);
	assert_int_equal(reports[8] & 0xffff, 0x18);
}

/*
 * Boot ROM (8 KiB): the reset vector at 0xFFFFFFF0 far-jumps to F000:E000,
 * which is only reachable through the copy below 1 MiB; that code reports
 * CS and a byte it reads from the ROM's last page through DS = F000.
 */
static int
load_rom(struct vmctx *ctx, struct vcpu *bsp, char *err, size_t errlen)
{
	return (bootrom_load(ctx, bsp, err, errlen));
}

static void
test_emu_bootrom(void **state)
{
	static uint8_t rom[8192];
	static const uint8_t code[] = {
		0x8c, 0xc8, 0xe7, 0x80,		/* mov %cs,%ax; out %ax */
		0x8e, 0xd8,			/* mov %ax,%ds */
		0xa0, 0x00, 0xff,		/* mov 0xff00,%al */
		0xe6, 0x80,			/* out %al,$0x80 */
		0xb0, 0x00, 0xe6, 0xf4,		/* mov $0,%al; out $0xf4 */
		0xf4,
	};
	static const uint8_t reset[] = {
		0xea, 0x00, 0xe0, 0x00, 0xf0,	/* ljmp $0xf000,$0xe000 */
	};

	memset(rom, 0xf4, sizeof(rom));
	memcpy(rom, code, sizeof(code));	/* at 0xFE000 / F000:E000 */
	rom[0x1f00] = 0x5a;			/* F000:FF00 */
	memcpy(rom + 0x1ff0, reset, sizeof(reset));
	write_file(kpath, rom, sizeof(rom));
	set_config_value("lpc.bootrom", kpath);
	boot_and_run(load_rom);
	unset_config_value("lpc.bootrom");

	assert_int_equal(exit_value, 0);
	assert_int_equal(nreports, 2);
	assert_int_equal(reports[0] & 0xffff, 0xf000);
	assert_int_equal(reports[1] & 0xff, 0x5a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emu_multiboot_elf32),
		cmocka_unit_test(test_emu_elf64),
		cmocka_unit_test(test_emu_bootrom),
	};
	int failed;

	init_config();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lhyve-test-boot-emu.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	snprintf(kpath, sizeof(kpath), "%s/kernel", tmpdir);
	snprintf(rpath, sizeof(rpath), "%s/initrd", tmpdir);
	failed = cmocka_run_group_tests_name("boot_emu", tests, NULL, NULL);
	unlink(kpath);
	unlink(rpath);
	rmdir(tmpdir);
	return (failed != 0);
}
