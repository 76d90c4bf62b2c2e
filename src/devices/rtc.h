/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rtc.h: the MC146818A real-time clock and CMOS RAM (what bhyve keeps in
 * vmm.ko as vrtc plus usr.sbin/bhyve/amd64/rtc.c), as a userspace device
 * shared by both backends.  A bus-free core (struct rtc_core: registers,
 * time from a guest_clock_fn_t, an interrupt callback) that tests drive
 * directly, and rtc_init(), which puts it on ports 0x70-0x73 and IRQ 8.
 */
#ifndef LHYVE_RTC_H
#define LHYVE_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/guest_clock.h"
#include "vmm/vmm.h"

#define RTC_IRQ		8
#define RTC_ADDR_PORT	0x70	/* bit 7 of the index: NMI disable */
#define RTC_DATA_PORT	0x71
#define RTC_HADDR_PORT	0x72	/* upper 128-byte bank */
#define RTC_HDATA_PORT	0x73

/* CMOS indices (MC146818A data sheet, "Address map"; PC/AT CMOS layout) */
#define RTC_SEC		0x00
#define RTC_SECALRM	0x01
#define RTC_MIN		0x02
#define RTC_MINALRM	0x03
#define RTC_HRS		0x04
#define RTC_HRSALRM	0x05
#define RTC_WDAY	0x06	/* 1 = Sunday */
#define RTC_DAY		0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_STATUSA	0x0a
#define RTC_STATUSB	0x0b
#define RTC_INTR	0x0c	/* register C */
#define RTC_STATUSD	0x0d
#define RTC_NVRAM_START	0x0e
#define RTC_BASELO	0x15	/* base memory in KiB */
#define RTC_BASEHI	0x16
#define RTC_EXTLO	0x17	/* memory above 1 MiB in KiB, capped */
#define RTC_EXTHI	0x18
#define RTC_CKSUM_FIRST	0x10	/* checksum covers 0x10-0x2d ... */
#define RTC_CKSUM_LAST	0x2d
#define RTC_CKSUM_MSB	0x2e	/* ... and is stored big-endian here */
#define RTC_CKSUM_LSB	0x2f
#define RTC_EXTLO2	0x30	/* copy of 0x17/0x18 */
#define RTC_EXTHI2	0x31
#define RTC_CENTURY	0x32
#define RTC_LMEM_LSB	0x34	/* 64 KiB units between 16 MiB and lowmem end */
#define RTC_LMEM_MSB	0x35
#define RTC_HMEM_LSB	0x5b	/* 64 KiB units above 4 GiB (3 bytes) */
#define RTC_HMEM_SB	0x5c
#define RTC_HMEM_MSB	0x5d
#define RTC_NREGS	128

/* Register A */
#define RTCSA_UIP	0x80	/* update in progress (read-only) */
#define RTCSA_DV_MASK	0x70	/* divider */
#define RTCSA_DV_32K	0x20	/* 32.768 kHz time base: the one that runs */
#define RTCSA_RS_MASK	0x0f	/* periodic rate select */
/* Register B */
#define RTCSB_SET	0x80	/* inhibit updates so software can set time */
#define RTCSB_PIE	0x40
#define RTCSB_AIE	0x20
#define RTCSB_UIE	0x10
#define RTCSB_SQWE	0x08
#define RTCSB_BIN	0x04	/* DM: binary, not BCD */
#define RTCSB_24HR	0x02
#define RTCSB_DSE	0x01	/* daylight saving: kept, not acted on */
/* Register C */
#define RTCIR_IRQF	0x80
#define RTCIR_PF	0x40
#define RTCIR_AF	0x20
#define RTCIR_UF	0x10
/* Register D */
#define RTCSD_VRT	0x80	/* valid RAM and time */

#define RTC_HOUR_PM	0x80	/* in 12-hour mode */
#define RTC_ALARM_DONTCARE	0xc0	/* 0xc0-0xff match any value */
/* UIP is set this long before each update (data sheet t_BUC). */
#define RTC_UIP_NS	244000ULL

/* Raise (true) or lower (false) the IRQ 8 line; called with the core's
 * caller holding whatever lock guards it. */
typedef void (*rtc_intr_fn_t)(void *arg, bool level);

/*
 * The core.  Not thread-safe: the caller serializes (rtc_init's glue holds
 * a mutex).  All fields are private to rtc.c; tests only use them through
 * the functions below.
 */
struct rtc_core {
	guest_clock_fn_t now;
	void		*now_arg;
	rtc_intr_fn_t	intr;
	void		*intr_arg;

	uint8_t		addr;		/* index written to 0x70 */
	uint8_t		haddr;		/* index written to 0x72 */
	uint8_t		reg[RTC_NREGS];	/* clock registers + NVRAM */
	uint8_t		hreg[RTC_NREGS]; /* upper bank */

	/*
	 * While updating (divider on, SET clear), the RTC's time in ns
	 * since 1970 (in the RTC's own zone) is guest time + off_ns, and the
	 * time registers are regenerated from it; otherwise they hold the
	 * time as the guest left it and halt_sec is the time they froze at.
	 */
	int64_t		off_ns;
	int64_t		halt_sec;
	uint64_t	div_base;	/* guest ns the divider started */
	uint64_t	last;		/* events accounted up to here */
	bool		irq;		/* IRQ 8 is asserted */
};

/* Reset state with the clock at 'rtc_ns' (ns since 1970, UTC or local)
 * at the guest time now() returns now.  intr may be NULL. */
void rtc_core_init(struct rtc_core *sc, int64_t rtc_ns, guest_clock_fn_t now,
    void *now_arg, rtc_intr_fn_t intr, void *intr_arg);
/* The memory-size bytes a PC BIOS leaves (see rtc.c) and the checksum. */
void rtc_core_set_memsize(struct rtc_core *sc, uint64_t lowmem,
    uint64_t highmem);
/* Recompute the checksum at 0x2e/0x2f over 0x10-0x2d. */
void rtc_core_checksum(struct rtc_core *sc);

/* Register access by CMOS index (0-127), as through 0x70/0x71. */
uint8_t rtc_core_read(struct rtc_core *sc, int index);
void rtc_core_write(struct rtc_core *sc, int index, uint8_t val);
/* One port access to 0x70-0x73.  0, or -1 for an access lhyve refuses
 * (not one byte; the caller then treats it as unclaimed). */
int rtc_core_io(struct rtc_core *sc, bool in, int port, int bytes,
    uint32_t *eax);
/* Account for time passing (a timer fired): may raise IRQ 8. */
void rtc_core_tick(struct rtc_core *sc);
/* The guest time at which IRQ 8 may next need raising, or UINT64_MAX. */
uint64_t rtc_core_next_event(struct rtc_core *sc);

/* Calendar helpers, exported for tests: days since 1970-01-01 (may be
 * negative) and back (proleptic Gregorian). */
int64_t rtc_days_from_civil(int64_t y, int m, int d);
void rtc_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/*
 * Create the RTC on ports 0x70-0x73 and IRQ 8, time from the host's
 * clock (UTC, or local time if use_localtime), the memory bytes from the
 * VM's RAM layout.  0 or -errno.
 */
int rtc_init(struct vmctx *ctx, bool use_localtime);
/* The HPET's legacy replacement route is on: the RTC no longer drives
 * IRQ 8 (HPET spec 1.0a §2.3.8.2.4). */
void rtc_set_hpet_legacy(bool on);

#endif /* LHYVE_RTC_H */
