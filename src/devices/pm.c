/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pm.c: platform power management, as bhyve's pm.c: the ACPI fixed
 * hardware the FADT describes (PM1a event and control blocks, PM timer,
 * SMI_CMD, the SCI on IRQ 9, the power button) and the Reset Control
 * Register at 0xCF9 (Intel ICH9 datasheet §13.7.5).
 */
#include <pthread.h>
#include <stdint.h>

#include "devices/inout.h"
#include "devices/pm.h"
#include "platform/platform.h"

#define RCR_PORT	0xcf9
#define RCR_SYS_RST	0x02	/* hard (1) or soft (0) reset */
#define RCR_RST_CPU	0x04	/* 0 -> 1 starts the reset */
#define RCR_FULL_RST	0x08	/* also cycle power */

static pthread_mutex_t rcr_mtx = PTHREAD_MUTEX_INITIALIZER;
static uint8_t reset_control;

/*
 * Writing RST_CPU starts a reset of the kind SYS_RST/FULL_RST select;
 * bhyve treats them all as one reset and so do we.  Other bits are kept
 * for reads.  The FADT's RESET_REG is this port with value 6.
 */
static int
reset_handler(struct vmctx *ctx, int in, int port, int bytes, uint32_t *eax,
    void *arg)
{
	if (bytes != 1)
		return (-1);
	pthread_mutex_lock(&rcr_mtx);
	if (in) {
		*eax = reset_control;
	} else {
		reset_control = *eax & (RCR_SYS_RST | RCR_FULL_RST);
		if (*eax & RCR_RST_CPU)
			(void)vm_suspend(ctx, VM_SUSPEND_RESET);
	}
	pthread_mutex_unlock(&rcr_mtx);
	return (0);
}

INOUT_PORT(reset_reg, RCR_PORT, IOPORT_F_INOUT, reset_handler);

/* ---- ACPI fixed hardware ---- */

/* Status bits the guest clears by writing 1 (ACPI 6.0 §4.8.3.1.1). */
#define PM1_STS_W1C	(PM1_TMR_STS | PM1_BM_STS | PM1_GBL_STS | \
			 PM1_PWRBTN_STS | PM1_SLPBTN_STS | PM1_RTC_STS | \
			 PM1_WAK_STS)
/*
 * Enables the guest may set.  No event but the power button ever fires
 * here; GBL_EN and RTC_EN are kept because ACPICA complains if they do
 * not stick (bhyve keeps the same three).
 */
#define PM1_EN_RW	(PM1_GBL_EN | PM1_PWRBTN_EN | PM1_RTC_EN)

static pthread_mutex_t pm_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct vmctx *pm_ctx;
static uint16_t pm1_status, pm1_enable, pm1_control;
static uint8_t smi_cmd_last;
static bool sci_active;
static guest_clock_fn_t pm_clock = guest_clock_source;
static void *pm_clock_arg;

/*
 * The SCI is a shareable, level-triggered, active-low ISA interrupt
 * (ACPI 6.0 §5.2.9 SCI_INT; the MADT overrides IRQ 9 to GSI 9 level/low).
 * It is high while an enabled status bit is set and the guest has the
 * events routed to the SCI (SCI_EN; clear means SMI, which we have not).
 * pm_mtx held.
 */
static void
sci_update(struct vmctx *ctx)
{
	bool need = (pm1_control & PM1_SCI_EN) != 0 &&
	    (pm1_status & pm1_enable & PM1_EN_RW) != 0;

	if (need == sci_active)
		return;
	sci_active = need;
	if (ctx == NULL)
		return;
	if (need)
		vm_isa_assert_irq(ctx, PLATFORM_SCI_IRQ, PLATFORM_SCI_IRQ);
	else
		vm_isa_deassert_irq(ctx, PLATFORM_SCI_IRQ, PLATFORM_SCI_IRQ);
}

/* A handler's ctx, or the VM pm_init() was given (unit tests pass NULL). */
static struct vmctx *
pm_vm(struct vmctx *ctx)
{
	return (ctx != NULL ? ctx : pm_ctx);
}

/*
 * PM1a_EVT_BLK: PM1_STS (2 bytes) then PM1_EN (2 bytes).  The FADT says
 * word access; byte and dword accesses are served a byte at a time so
 * that no access width reads garbage.
 */
static int
pm1_evt_handler(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	int first = port - PLATFORM_PM1A_EVT;
	uint32_t v = 0;

	pthread_mutex_lock(&pm_mtx);
	for (int i = 0; i < bytes; i++) {
		int off = first + i;
		uint16_t *reg = off < 2 ? &pm1_status : &pm1_enable;
		int sh = (off & 1) * 8;
		uint16_t b = (uint16_t)(((*eax >> (i * 8)) & 0xff) << sh);

		if (off >= 4) {
			v |= 0xffu << (i * 8);	/* past the block */
			continue;
		}
		if (in)
			v |= (uint32_t)((*reg >> sh) & 0xff) << (i * 8);
		else if (off < 2)
			pm1_status &= ~(b & PM1_STS_W1C);
		else
			pm1_enable = (pm1_enable & ~(0xff << sh)) |
			    (b & PM1_EN_RW);
	}
	if (in)
		*eax = v;
	else
		sci_update(pm_vm(ctx));
	pthread_mutex_unlock(&pm_mtx);
	return (0);
}

/*
 * PM1a_CNT_BLK.  SCI_EN belongs to the firmware (the guest flips it
 * through SMI_CMD, §4.8.2.1), SLP_EN is write-only and GBL_RLS/BM_RLD do
 * nothing here; only SLP_TYP is kept.  SLP_EN with the \_S5 SLP_TYP
 * powers the VM off (the DSDT's contract, docs/platform.md); other sleep
 * states do not exist (the DSDT offers none).
 */
static int
pm1_cnt_handler(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	int first = port - PLATFORM_PM1A_CNT;
	uint32_t v = 0;
	bool sleep = false;

	pthread_mutex_lock(&pm_mtx);
	for (int i = 0; i < bytes; i++) {
		int off = first + i;
		uint8_t b = (uint8_t)(*eax >> (i * 8));

		if (off >= 2) {
			v |= 0xffu << (i * 8);
			continue;
		}
		if (in) {
			v |= (uint32_t)((pm1_control >> (off * 8)) & 0xff) <<
			    (i * 8);
		} else if (off == 1) {
			pm1_control = (pm1_control & ~PM1_SLP_TYP) |
			    (((uint16_t)b << 8) & PM1_SLP_TYP);
			if (((uint16_t)b << 8) & PM1_SLP_EN)
				sleep = true;
		}
	}
	if (in)
		*eax = v;
	if (sleep && ((pm1_control & PM1_SLP_TYP) >> 10) ==
	    PLATFORM_SLP_TYP_S5)
		(void)vm_suspend(pm_vm(ctx), VM_SUSPEND_POWEROFF);
	pthread_mutex_unlock(&pm_mtx);
	return (0);
}

/*
 * The ACPI PM timer: a free-running 3.579545 MHz counter, 32 bits wide
 * (TMR_VAL_EXT), read-only, derived from the one guest clock so that it
 * agrees with the TSC, HPET and RTC.
 */
static int
pm_tmr_handler(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	uint64_t ticks;
	int first = port - PLATFORM_PM_TMR;

	if (!in)
		return (0);	/* read-only: writes are ignored */
	pthread_mutex_lock(&pm_mtx);
	ticks = guest_clock_ns_to_ticks(pm_clock(pm_clock_arg), PM_TMR_FREQ);
	pthread_mutex_unlock(&pm_mtx);
	ticks &= PM_TMR_32BIT ? 0xffffffffULL : 0xffffffULL;
	ticks >>= first * 8;
	*eax = bytes == 4 ? (uint32_t)ticks :
	    (uint32_t)(ticks & ((1ULL << (bytes * 8)) - 1));
	if (first + bytes > 4)	/* past the block */
		*eax |= ~0u << ((4 - first) * 8);
	return (0);
}

/*
 * SMI_CMD: the OS writes ACPI_ENABLE and then polls PM1_CNT.SCI_EN
 * (ACPI 6.0 §4.8.2.1, §16.3.1); ACPI_DISABLE goes back to legacy mode.
 * Reads give the last value written, as the ICH's APM_CNT does.
 */
static int
smi_cmd_handler(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	if (bytes != 1)
		return (-1);
	pthread_mutex_lock(&pm_mtx);
	if (in) {
		*eax = smi_cmd_last;
	} else {
		smi_cmd_last = (uint8_t)*eax;
		if (smi_cmd_last == PLATFORM_ACPI_ENABLE)
			pm1_control |= PM1_SCI_EN;
		else if (smi_cmd_last == PLATFORM_ACPI_DISABLE)
			pm1_control &= ~PM1_SCI_EN;
		sci_update(pm_vm(ctx));
	}
	pthread_mutex_unlock(&pm_mtx);
	return (0);
}

static struct inout_port pm1_evt_port = {
	"pm1_evt", PLATFORM_PM1A_EVT, 4, IOPORT_F_INOUT, pm1_evt_handler, 0
};
DATA_SET(inout_port_set, pm1_evt_port);
static struct inout_port pm1_cnt_port = {
	"pm1_cnt", PLATFORM_PM1A_CNT, 2, IOPORT_F_INOUT, pm1_cnt_handler, 0
};
DATA_SET(inout_port_set, pm1_cnt_port);
static struct inout_port pm_tmr_port = {
	"pm_tmr", PLATFORM_PM_TMR, 4, IOPORT_F_INOUT, pm_tmr_handler, 0
};
DATA_SET(inout_port_set, pm_tmr_port);
INOUT_PORT(smi_cmd, PLATFORM_SMI_CMD, IOPORT_F_INOUT, smi_cmd_handler);

void
pm_init(struct vmctx *ctx)
{
	pthread_mutex_lock(&pm_mtx);
	if (sci_active && pm_ctx != NULL)
		vm_isa_deassert_irq(pm_ctx, PLATFORM_SCI_IRQ,
		    PLATFORM_SCI_IRQ);
	sci_active = false;
	pm_ctx = ctx;
	pm1_status = 0;
	pm1_enable = 0;
	/* With no SMI_CMD the OS assumes ACPI mode (FADT SMI_CMD = 0). */
	pm1_control = PLATFORM_SMI_CMD == 0 ? PM1_SCI_EN : 0;
	smi_cmd_last = 0;
	pthread_mutex_unlock(&pm_mtx);
	guest_clock_init();
}

bool
pm_power_button(void)
{
	bool seen;

	pthread_mutex_lock(&pm_mtx);
	pm1_status |= PM1_PWRBTN_STS;
	sci_update(pm_ctx);
	seen = (pm1_control & PM1_SCI_EN) != 0 &&
	    (pm1_enable & PM1_PWRBTN_EN) != 0;
	pthread_mutex_unlock(&pm_mtx);
	return (seen);
}

bool
pm_acpi_enabled(void)
{
	bool on;

	pthread_mutex_lock(&pm_mtx);
	on = (pm1_control & PM1_SCI_EN) != 0;
	pthread_mutex_unlock(&pm_mtx);
	return (on);
}

void
pm_set_clock(guest_clock_fn_t fn, void *arg)
{
	pthread_mutex_lock(&pm_mtx);
	pm_clock = fn != NULL ? fn : guest_clock_source;
	pm_clock_arg = fn != NULL ? arg : NULL;
	pthread_mutex_unlock(&pm_mtx);
}
