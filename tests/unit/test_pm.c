/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_pm.c: the ACPI fixed hardware in pm.c through the guest's ports:
 * PM1 status/enable (write-1-to-clear), PM1 control and S5 power-off,
 * SMI_CMD's ACPI enable/disable, the SCI level, the power button, the PM
 * timer against a fake clock, and the 0xCF9 reset register.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dev_fakes.h"
#include "devices/pm.h"
#include "platform/platform.h"

#define PM1_STS		PLATFORM_PM1A_EVT
#define PM1_EN		(PLATFORM_PM1A_EVT + 2)
#define PM1_CNT		PLATFORM_PM1A_CNT
#define PM_TMR		PLATFORM_PM_TMR
#define SMI_CMD		PLATFORM_SMI_CMD
#define SCI		PLATFORM_SCI_IRQ

static int vm_dummy;
#define CTX	((struct vmctx *)&vm_dummy)

static uint64_t fake_ns;

static uint64_t
fake_clock(void *arg)
{
	assert_ptr_equal(arg, &fake_ns);
	return (fake_ns);
}

static int
setup(void **state)
{
	init_inout(false);
	fake_reset();
	pm_init(CTX);
	pm_set_clock(fake_clock, &fake_ns);
	fake_ns = 0;
	return (0);
}

static int
teardown(void **state)
{
	pm_set_clock(NULL, NULL);
	return (0);
}

static void
acpi_enable(void)
{
	outp(SMI_CMD, 1, PLATFORM_ACPI_ENABLE);
	assert_int_equal(inp(PM1_CNT, 2) & PM1_SCI_EN, PM1_SCI_EN);
}

static void
test_pm1_status_enable(void **state)
{
	/* Nothing pending, nothing enabled after reset. */
	assert_int_equal(inp(PM1_STS, 2), 0);
	assert_int_equal(inp(PM1_EN, 2), 0);
	/* Only GBL_EN, PWRBTN_EN and RTC_EN stick. */
	outp(PM1_EN, 2, 0xffff);
	assert_int_equal(inp(PM1_EN, 2), 0x0520);
	outp(PM1_EN, 2, 0x0100);
	assert_int_equal(inp(PM1_EN, 2), 0x0100);
	/* Status bits cannot be set by the guest... */
	outp(PM1_STS, 2, 0xffff);
	assert_int_equal(inp(PM1_STS, 2), 0);
	/* ... only by the hardware, and are cleared by writing 1. */
	assert_false(pm_power_button());	/* not in ACPI mode */
	assert_int_equal(inp(PM1_STS, 2), PM1_PWRBTN_STS);
	outp(PM1_STS, 2, 0);
	outp(PM1_STS, 2, (uint16_t)~PM1_PWRBTN_STS);
	assert_int_equal(inp(PM1_STS, 2), PM1_PWRBTN_STS);
	outp(PM1_STS, 2, PM1_PWRBTN_STS);
	assert_int_equal(inp(PM1_STS, 2), 0);
	/* Byte and dword views of the same block. */
	(void)pm_power_button();
	assert_int_equal(inp(PM1_STS + 1, 1), 0x01);
	assert_int_equal(inp(PM1_STS, 1), 0x00);
	assert_int_equal(inp(PM1_STS, 4), 0x01000100);
	assert_int_equal(inp(PM1_EN + 1, 1), 0x01);
	outp(PM1_STS + 1, 1, 0x01);
	assert_int_equal(inp(PM1_STS, 2), 0);
	/* Word at the last byte runs off the block. */
	assert_int_equal(inp(PM1_EN + 1, 2), 0xff01);
	/* Legacy mode: none of this raised the SCI. */
	assert_int_equal(fake_nlog, 0);
}

static void
test_sci_and_power_button(void **state)
{
	outp(PM1_EN, 2, PM1_PWRBTN_EN);
	/* Legacy mode: the press is recorded but there is no SCI. */
	assert_false(pm_power_button());
	assert_int_equal(fake_count(F_ISA_ASSERT, SCI), 0);
	assert_false(pm_acpi_enabled());
	/* The OS switches to ACPI mode: the pending press raises the SCI. */
	acpi_enable();
	assert_true(pm_acpi_enabled());
	assert_int_equal(fake_count(F_ISA_ASSERT, SCI), 1);
	/* W1C drops the level. */
	outp(PM1_STS, 2, PM1_PWRBTN_STS);
	assert_int_equal(fake_count(F_ISA_DEASSERT, SCI), 1);
	/* Now a press is seen at once; a second one is not a new edge. */
	assert_true(pm_power_button());
	assert_int_equal(fake_count(F_ISA_ASSERT, SCI), 2);
	assert_true(pm_power_button());
	assert_int_equal(fake_count(F_ISA_ASSERT, SCI), 2);
	/* Disabling the event drops the SCI, enabling brings it back. */
	outp(PM1_EN, 2, 0);
	assert_int_equal(fake_count(F_ISA_DEASSERT, SCI), 2);
	outp(PM1_EN, 2, PM1_PWRBTN_EN);
	assert_int_equal(fake_count(F_ISA_ASSERT, SCI), 3);
	/* Back to legacy mode: the SCI goes away, SCI_EN clears. */
	outp(SMI_CMD, 1, PLATFORM_ACPI_DISABLE);
	assert_int_equal(inp(PM1_CNT, 2) & PM1_SCI_EN, 0);
	assert_int_equal(fake_count(F_ISA_DEASSERT, SCI), 3);
	/* ACPI mode but the event not enabled: no SCI, false. */
	outp(PM1_STS, 2, 0xffff);
	outp(PM1_EN, 2, 0);
	acpi_enable();
	assert_false(pm_power_button());
	assert_int_equal(fake_count(F_ISA_ASSERT, SCI), 3);
	/* The SCI is IRQ 9 on both the PIC and IOAPIC pin 9, nothing else. */
	for (int i = 0; i < fake_nlog; i++)
		assert_int_equal(fake_log[i].irq, SCI);
	assert_int_equal(fake_nlog, 6);
	/* pm_init drops an active SCI and goes back to legacy mode. */
	outp(PM1_EN, 2, PM1_PWRBTN_EN);
	assert_int_equal(fake_count(F_ISA_ASSERT, SCI), 4);
	pm_init(CTX);
	assert_int_equal(fake_count(F_ISA_DEASSERT, SCI), 4);
	assert_int_equal(inp(PM1_STS, 2), 0);
	assert_int_equal(inp(PM1_CNT, 2), 0);
}

static void
test_smi_cmd(void **state)
{
	/* Other commands do nothing; reads give the last value written. */
	outp(SMI_CMD, 1, 0x55);
	assert_int_equal(inp(PM1_CNT, 2), 0);
	assert_int_equal(inp(SMI_CMD, 1), 0x55);
	acpi_enable();
	assert_int_equal(inp(SMI_CMD, 1), PLATFORM_ACPI_ENABLE);
	/* Only byte accesses are the register. */
	outp(SMI_CMD, 2, PLATFORM_ACPI_DISABLE);
	assert_int_equal(inp(PM1_CNT, 2) & PM1_SCI_EN, PM1_SCI_EN);
	assert_int_equal(inp(SMI_CMD, 2), 0xffff);
}

static void
test_pm1_control_and_s5(void **state)
{
	acpi_enable();
	/* SCI_EN cannot be cleared through PM1_CNT (only SMI_CMD). */
	outp(PM1_CNT, 2, 0);
	assert_int_equal(inp(PM1_CNT, 2), PM1_SCI_EN);
	/* SLP_TYP is kept, SLP_EN reads 0; no SLP_EN, no sleep. */
	outp(PM1_CNT, 2, PLATFORM_SLP_TYP_S5 << 10);
	assert_int_equal(inp(PM1_CNT, 2), 0x1401);
	assert_int_equal(fake_nsuspend, 0);
	/* Sleep types other than \_S5's do nothing (there are none). */
	outp(PM1_CNT, 2, 1 << 10 | PM1_SLP_EN);
	outp(PM1_CNT, 2, 0 << 10 | PM1_SLP_EN);
	outp(PM1_CNT, 2, 7 << 10 | PM1_SLP_EN);
	assert_int_equal(fake_nsuspend, 0);
	assert_int_equal(inp(PM1_CNT, 2), 0x1c01);
	/* SLP_TYP = 5 with SLP_EN: S5, powered off. */
	outp(PM1_CNT, 2, PLATFORM_SLP_TYP_S5 << 10 | PM1_SLP_EN);
	assert_int_equal(fake_nsuspend, 1);
	assert_int_equal(fake_suspend, VM_SUSPEND_POWEROFF);
	assert_int_equal(inp(PM1_CNT, 2), 0x1401);
}

static void
test_s5_byte_write_and_legacy(void **state)
{
	/* ACPICA writes the word, but the high byte alone is enough, and
	 * S5 works in legacy mode too (the OS may skip ACPI_ENABLE). */
	outp(PM1_CNT + 1, 1, (PLATFORM_SLP_TYP_S5 << 2) | 0x20);
	assert_int_equal(fake_nsuspend, 1);
	assert_int_equal(fake_suspend, VM_SUSPEND_POWEROFF);
	/* Past the 2-byte block. */
	assert_int_equal(inp(PM1_CNT + 1, 2), 0xff14);
}

static void
test_pm_timer(void **state)
{
	/* 3.579545 MHz from the guest clock, floor(ns * f / 1e9). */
	assert_int_equal(inp(PM_TMR, 4), 0);
	fake_ns = 1000000000ULL;
	assert_int_equal(inp(PM_TMR, 4), 3579545);
	fake_ns = 1500000000ULL;
	assert_int_equal(inp(PM_TMR, 4), 5369317);
	fake_ns = 279;			/* 0.9987 ticks */
	assert_int_equal(inp(PM_TMR, 4), 0);
	fake_ns = 280;			/* 1.0023 ticks */
	assert_int_equal(inp(PM_TMR, 4), 1);
	/* Monotonic over a run of small steps. */
	for (uint32_t prev = 0, i = 0; i < 1000; i++) {
		uint32_t v;

		fake_ns = 1000000000ULL + i * 97;
		v = inp(PM_TMR, 4);
		if (i > 0)
			assert_true(v >= prev);
		prev = v;
	}
	/* 32 bits wide (TMR_VAL_EXT): it wraps after 2^32 ticks (~20 min). */
	fake_ns = guest_clock_ticks_to_ns((1ULL << 32) + 5, PM_TMR_FREQ);
	assert_int_equal(inp(PM_TMR, 4), 5);
	fake_ns = guest_clock_ticks_to_ns(0xfedcba98ULL, PM_TMR_FREQ);
	assert_int_equal(inp(PM_TMR, 4), 0xfedcba98);
	/* Narrow reads see parts of the same counter. */
	assert_int_equal(inp(PM_TMR, 2), 0xba98);
	assert_int_equal(inp(PM_TMR + 2, 1), 0xdc);
	assert_int_equal(inp(PM_TMR + 2, 4), 0xfffffedc);
	/* Read-only. */
	outp(PM_TMR, 4, 0);
	assert_int_equal(inp(PM_TMR, 4), 0xfedcba98);
	/* The real clock goes forward. */
	pm_set_clock(NULL, NULL);
	{
		uint32_t a = inp(PM_TMR, 4), b = inp(PM_TMR, 4);

		assert_true((uint32_t)(b - a) < 3579545);
	}
}

static void
test_reset_register(void **state)
{
	/* The FADT reset register: 0xCF9 <- 6. */
	outp(PLATFORM_RESET_PORT, 1, 0x02);
	assert_int_equal(fake_nsuspend, 0);
	assert_int_equal(inp(PLATFORM_RESET_PORT, 1), 0x02);
	outp(PLATFORM_RESET_PORT, 1, PLATFORM_RESET_VALUE);
	assert_int_equal(fake_nsuspend, 1);
	assert_int_equal(fake_suspend, VM_SUSPEND_RESET);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_pm1_status_enable),
		T(test_sci_and_power_button),
		T(test_smi_cmd),
		T(test_pm1_control_and_s5),
		T(test_s5_byte_write_and_legacy),
		T(test_pm_timer),
		T(test_reset_register),
	};
#undef T

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
