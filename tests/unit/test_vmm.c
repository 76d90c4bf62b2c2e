/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_vmm.c: the backend-independent half of the seam: backend choice,
 * the guest memory layout, ROM shadowing and vm_map_gpa's bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/vmm.h"

static struct vmctx *
mkvm(int ncpus)
{
	char err[128];
	struct vmctx *ctx = vm_create("t", "emu", ncpus, err, sizeof(err));

	assert_non_null(ctx);
	assert_string_equal(vm_backend_name(ctx), "emu");
	return (ctx);
}

static void
test_backend_choice(void **state)
{
	char err[256];
	struct vmctx *ctx;

	err[0] = 0;
	ctx = vm_create("t", "bogus", 1, err, sizeof(err));
	assert_null(ctx);
	assert_non_null(strstr(err, "unknown backend"));

	/* kvm: without a usable /dev/kvm, one line naming what is missing */
	err[0] = 0;
	ctx = vm_create("t", "kvm", 1, err, sizeof(err));
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		assert_null(ctx);
		assert_non_null(strstr(err, "backend=kvm"));
		assert_non_null(strstr(err, "backend=emu"));
	} else if (ctx != NULL) {
		assert_string_equal(vm_backend_name(ctx), "kvm");
		vm_destroy(ctx);
	}

	/* auto is emu, the backend the tiers prove (docs/kvm.md) */
	ctx = vm_create("t", "auto", 1, err, sizeof(err));
	assert_non_null(ctx);
	assert_string_equal(vm_backend_name(ctx), "emu");
	vm_destroy(ctx);

	ctx = vm_create("t", "emu", 0, err, sizeof(err));
	assert_null(ctx);
	ctx = vm_create("t", "emu", VM_MAXCPU + 1, err, sizeof(err));
	assert_null(ctx);
}

static void
test_lowmem_only(void **state)
{
	struct vmctx *ctx = mkvm(1);
	uint8_t *p;

	assert_int_equal(vm_setup_memory(ctx, 64 << 20), 0);
	assert_int_equal(vm_get_lowmem_size(ctx), 64 << 20);
	assert_int_equal(vm_get_highmem_size(ctx), 0);
	assert_int_equal(vm_setup_memory(ctx, 64 << 20), -EEXIST);

	p = vm_map_gpa(ctx, 0, 64 << 20);
	assert_non_null(p);
	/* the last byte is mappable, one more is not */
	assert_ptr_equal(vm_map_gpa(ctx, (64 << 20) - 1, 1), p + (64 << 20) - 1);
	assert_null(vm_map_gpa(ctx, (64 << 20) - 1, 2));
	assert_null(vm_map_gpa(ctx, 64 << 20, 1));
	assert_null(vm_map_gpa(ctx, VM_LAPIC_BASE, 4));
	/* a huge length must not wrap around */
	assert_null(vm_map_gpa(ctx, 4096, SIZE_MAX));
	vm_destroy(ctx);
}

static void
test_highmem_split(void **state)
{
	struct vmctx *ctx = mkvm(1);
	uint64_t size = VM_LOWMEM_LIMIT + (64 << 20);
	uint8_t *lo, *hi;

	assert_int_equal(vm_setup_memory(ctx, size), 0);
	assert_int_equal(vm_get_lowmem_size(ctx), VM_LOWMEM_LIMIT);
	assert_int_equal(vm_get_highmem_size(ctx), 64 << 20);
	/* the PCI hole is not RAM */
	assert_null(vm_map_gpa(ctx, VM_LOWMEM_LIMIT, 1));
	assert_null(vm_map_gpa(ctx, VM_LOWMEM_LIMIT - 4096, 8192));
	lo = vm_map_gpa(ctx, 0, 1);
	hi = vm_map_gpa(ctx, VM_HIGHMEM_BASE, 64 << 20);
	assert_non_null(hi);
	/* one mapping: highmem follows lowmem in the memfd */
	assert_ptr_equal(hi, lo + VM_LOWMEM_LIMIT);
	assert_null(vm_map_gpa(ctx, VM_HIGHMEM_BASE + (64 << 20), 1));
	vm_destroy(ctx);
}

static void
test_bad_sizes(void **state)
{
	struct vmctx *ctx = mkvm(1);

	assert_int_equal(vm_setup_memory(ctx, 4096), -EINVAL);
	assert_int_equal(vm_setup_memory(ctx, (16 << 20) + 1), -EINVAL);
	vm_destroy(ctx);
}

static void
test_rom_shadows_ram(void **state)
{
	struct vmctx *ctx = mkvm(1);
	uint8_t *ram, *rom, *hirom;

	assert_int_equal(vm_setup_memory(ctx, 16 << 20), 0);
	ram = vm_map_gpa(ctx, 0, 1 << 20);
	memset(ram + 0xF0000, 0xAA, 0x10000);
	rom = vm_create_rom(ctx, 0xF0000, 0x10000);
	assert_non_null(rom);
	memset(rom, 0x55, 0x10000);
	/* inside the ROM, the ROM wins; just below, RAM */
	assert_ptr_equal(vm_map_gpa(ctx, 0xF0000, 16), rom);
	assert_int_equal(*(uint8_t *)vm_map_gpa(ctx, 0xFFFFF, 1), 0x55);
	assert_ptr_equal(vm_map_gpa(ctx, 0xEFFFF, 1), ram + 0xEFFFF);
	/* a range must lie within one segment */
	assert_null(vm_map_gpa(ctx, 0xFFFF0, 0x20));

	hirom = vm_create_rom(ctx, (4ULL << 30) - 0x10000, 0x10000);
	assert_non_null(hirom);
	assert_ptr_equal(vm_map_gpa(ctx, 0xFFFFFFF0, 16), hirom + 0xFFF0);
	/* misaligned or empty ROMs are refused */
	assert_null(vm_create_rom(ctx, 0x1234, 0x1000));
	assert_null(vm_create_rom(ctx, 0x2000, 0));
	vm_destroy(ctx);
}

static void
test_suspend_first_wins(void **state)
{
	struct vmctx *ctx = mkvm(2);

	assert_int_equal(vm_get_suspend(ctx), VM_SUSPEND_NONE);
	assert_int_equal(vm_suspend(ctx, VM_SUSPEND_LAST), -EINVAL);
	assert_int_equal(vm_suspend(ctx, VM_SUSPEND_TRIPLEFAULT), 0);
	assert_int_equal(vm_suspend(ctx, VM_SUSPEND_RESET), -EALREADY);
	assert_int_equal(vm_get_suspend(ctx), VM_SUSPEND_TRIPLEFAULT);
	vm_destroy(ctx);
}

static void
test_vcpus_and_regs(void **state)
{
	struct vmctx *ctx = mkvm(2);
	struct vcpu *v0, *v1;
	uint64_t val;

	assert_int_equal(vm_setup_memory(ctx, 16 << 20), 0);
	v0 = vm_vcpu_open(ctx, 0);
	v1 = vm_vcpu_open(ctx, 1);
	assert_non_null(v0);
	assert_non_null(v1);
	assert_ptr_equal(vm_vcpu_open(ctx, 0), v0);
	assert_null(vm_vcpu_open(ctx, 2));
	assert_int_equal(vcpu_id(v1), 1);
	assert_ptr_equal(vcpu_ctx(v1), ctx);

	assert_int_equal(vm_set_register(v0, VM_REG_GUEST_RBX, 0x1234), 0);
	assert_int_equal(vm_get_register(v0, VM_REG_GUEST_RBX, &val), 0);
	assert_int_equal(val, 0x1234);
	assert_int_equal(vm_get_register(v1, VM_REG_GUEST_RBX, &val), 0);
	assert_int_not_equal(val, 0x1234);
	assert_int_equal(vm_get_register(v0, VM_REG_LAST, &val), -EINVAL);
	assert_int_equal(vm_get_register(v0, -1, &val), -EINVAL);
	assert_int_equal(vm_inject_exception(v0, 32, 0, 0, 0), -EINVAL);
	vm_destroy(ctx);
}

static void
test_reset_state(void **state)
{
	struct vmctx *ctx = mkvm(1);
	struct vcpu *v;
	uint64_t val, base;
	uint32_t limit, acc;

	assert_int_equal(vm_setup_memory(ctx, 16 << 20), 0);
	v = vm_vcpu_open(ctx, 0);
	assert_int_equal(vm_vcpu_reset(v), 0);
	/* SDM vol. 3 §9.1.1: CS selector F000, base FFFF0000, IP FFF0 */
	assert_int_equal(vm_get_register(v, VM_REG_GUEST_RIP, &val), 0);
	assert_int_equal(val, 0xFFF0);
	assert_int_equal(vm_get_register(v, VM_REG_GUEST_CS, &val), 0);
	assert_int_equal(val, 0xF000);
	assert_int_equal(vm_get_desc(v, VM_REG_GUEST_CS, &base, &limit, &acc),
	    0);
	assert_int_equal(base, 0xFFFF0000);
	assert_int_equal(limit, 0xFFFF);
	assert_int_equal(vm_get_register(v, VM_REG_GUEST_RFLAGS, &val), 0);
	assert_int_equal(val, 0x2);
	assert_int_equal(vm_get_register(v, VM_REG_GUEST_CR0, &val), 0);
	assert_int_equal(val & 1, 0);   /* real mode */
	vm_destroy(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_choice),
		cmocka_unit_test(test_lowmem_only),
		cmocka_unit_test(test_highmem_split),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_rom_shadows_ram),
		cmocka_unit_test(test_suspend_first_wins),
		cmocka_unit_test(test_vcpus_and_regs),
		cmocka_unit_test(test_reset_state),
	};
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
