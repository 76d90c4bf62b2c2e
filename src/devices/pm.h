/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pm.h: the ACPI fixed hardware (bhyve's pm.c): the PM1a event and control
 * blocks, the PM timer, the SMI command port that switches ACPI mode on
 * and off, the SCI, the power button, and the 0xCF9 reset register.  The
 * ports are the ones the FADT (platform.h PLATFORM_*) names.
 */
#ifndef LHYVE_PM_H
#define LHYVE_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/guest_clock.h"
#include "vmm/vmm.h"

#define PM_TMR_FREQ	3579545		/* Hz (ACPI 6.0 §4.8.2.1) */
#define PM_TMR_32BIT	true		/* FADT TMR_VAL_EXT */

/* PM1_STS / PM1_EN bits (ACPI 6.0 §4.8.3.1) */
#define PM1_TMR_STS	0x0001
#define PM1_BM_STS	0x0010
#define PM1_GBL_STS	0x0020
#define PM1_PWRBTN_STS	0x0100
#define PM1_SLPBTN_STS	0x0200
#define PM1_RTC_STS	0x0400
#define PM1_WAK_STS	0x8000
#define PM1_TMR_EN	0x0001
#define PM1_GBL_EN	0x0020
#define PM1_PWRBTN_EN	0x0100
#define PM1_SLPBTN_EN	0x0200
#define PM1_RTC_EN	0x0400
/* PM1_CNT bits (ACPI 6.0 §4.8.3.2.1) */
#define PM1_SCI_EN	0x0001
#define PM1_SLP_TYP	0x1c00
#define PM1_SLP_EN	0x2000

/*
 * Reset the PM state (legacy mode: SCI_EN clear, nothing pending) and
 * remember the VM for the SCI and the power button.  Call before the
 * vCPUs start (platform_setup() does).
 */
void pm_init(struct vmctx *ctx);

/*
 * Press the power button (SIGTERM): set PM1_STS.PWRBTN_STS, which raises
 * the SCI if the guest enabled it.  Returns true if the guest is in ACPI
 * mode with the power button event enabled (SCI_EN and PWRBTN_EN), i.e.
 * it will see the press; false otherwise.  bhyve only watches SIGTERM
 * after the guest wrote ACPI_ENABLE to SMI_CMD, so before that SIGTERM
 * simply kills it: on false the caller should power off at once.
 */
bool pm_power_button(void);

/* Is the guest in ACPI mode (PM1_CNT.SCI_EN)? */
bool pm_acpi_enabled(void);

/* The PM timer's time source; tests use a fake (default: the guest clock). */
void pm_set_clock(guest_clock_fn_t fn, void *arg);

#endif /* LHYVE_PM_H */
