/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rtc.c: the MC146818A real-time clock and the PC's CMOS RAM (Motorola
 * MC146818A data sheet; bhyve's vrtc.c and rtc.c describe the PC use).
 *
 * The clock is computed lazily from the guest clock on every access, so a
 * guest polling UIP or reading the time never waits for the event loop;
 * a guest_timer on the event loop only wakes the device when IRQ 8 has
 * to rise (an enabled periodic, alarm or update-ended interrupt).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "devices/inout.h"
#include "devices/rtc.h"

#define NS		((int64_t)GUEST_CLOCK_NS_PER_S)
#define SECS_PER_DAY	86400
#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define RTC_DV_HALF_S	(NS / 2)	/* first update after divider reset */

/* ---- arithmetic ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	return (a >= 0 ? a / b : -((-a + b - 1) / b));
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	return (a - floor_div(a, b) * b);
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (the usual
 * era-of-400-years method: March-based years put the leap day last).
 */
int64_t
rtc_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

void
rtc_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z, era, doe, yoe, doy, mp;

	z = days + 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int64_t y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return (m == 2 && leap ? 29 : mdays[m - 1]);
}

/* ---- register formats (data sheet, "Time, calendar and alarm") ---- */

static bool
rtc_binary(const struct rtc_core *sc)
{
	return ((sc->reg[RTC_STATUSB] & RTCSB_BIN) != 0);
}

static uint8_t
enc(const struct rtc_core *sc, int v)
{
	return (rtc_binary(sc) ? (uint8_t)v : (uint8_t)((v / 10) << 4 |
	    v % 10));
}

/* A register byte to its value; -1 if it is not a valid number. */
static int
dec(const struct rtc_core *sc, uint8_t b)
{
	if (rtc_binary(sc))
		return (b);
	if ((b & 0x0f) > 9 || (b >> 4) > 9)
		return (-1);
	return ((b >> 4) * 10 + (b & 0x0f));
}

/* Hours: 0-23 in 24-hour mode, 1-12 with RTC_HOUR_PM in 12-hour mode. */
static uint8_t
enc_hour(const struct rtc_core *sc, int h)
{
	int h12;

	if (sc->reg[RTC_STATUSB] & RTCSB_24HR)
		return (enc(sc, h));
	h12 = h % 12 == 0 ? 12 : h % 12;
	return (enc(sc, h12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

static int
dec_hour(const struct rtc_core *sc, uint8_t b)
{
	int v;

	if (sc->reg[RTC_STATUSB] & RTCSB_24HR) {
		v = dec(sc, b);
		return (v >= 0 && v <= 23 ? v : -1);
	}
	v = dec(sc, b & ~RTC_HOUR_PM);
	if (v < 1 || v > 12)
		return (-1);
	return (v % 12 + ((b & RTC_HOUR_PM) ? 12 : 0));
}

/* Fill the time registers (and the century byte) from seconds since 1970. */
static void
write_time_regs(struct rtc_core *sc, int64_t sec)
{
	int64_t days, sod, y;
	int m, d;

	days = floor_div(sec, SECS_PER_DAY);
	sod = sec - days * SECS_PER_DAY;
	rtc_civil_from_days(days, &y, &m, &d);
	sc->reg[RTC_SEC] = enc(sc, (int)(sod % 60));
	sc->reg[RTC_MIN] = enc(sc, (int)(sod / 60 % 60));
	sc->reg[RTC_HRS] = enc_hour(sc, (int)(sod / 3600));
	/* 1970-01-01 was a Thursday; the register counts Sunday as 1. */
	sc->reg[RTC_WDAY] = enc(sc, (int)floor_mod(days + 4, 7) + 1);
	sc->reg[RTC_DAY] = enc(sc, d);
	sc->reg[RTC_MONTH] = enc(sc, m);
	sc->reg[RTC_YEAR] = enc(sc, (int)floor_mod(y, 100));
	sc->reg[RTC_CENTURY] = enc(sc, (int)floor_mod(floor_div(y, 100), 100));
}

/* The time the registers hold, in seconds since 1970; -1 if malformed
 * (the day of the week is not checked: it follows from the date). */
static int
read_time_regs(const struct rtc_core *sc, int64_t *sec)
{
	int s, mi, h, d, mo, y, c;

	s = dec(sc, sc->reg[RTC_SEC]);
	mi = dec(sc, sc->reg[RTC_MIN]);
	h = dec_hour(sc, sc->reg[RTC_HRS]);
	d = dec(sc, sc->reg[RTC_DAY]);
	mo = dec(sc, sc->reg[RTC_MONTH]);
	y = dec(sc, sc->reg[RTC_YEAR]);
	c = dec(sc, sc->reg[RTC_CENTURY]);
	if (s < 0 || s > 59 || mi < 0 || mi > 59 || h < 0 || mo < 1 ||
	    mo > 12 || y < 0 || y > 99 || c < 0 || c > 99)
		return (-1);
	if (d < 1 || d > days_in_month(c * 100 + y, mo))
		return (-1);
	*sec = rtc_days_from_civil(c * 100 + y, mo, d) * SECS_PER_DAY +
	    h * 3600 + mi * 60 + s;
	return (0);
}

/* ---- the divider chain ---- */

static bool
divider_on(const struct rtc_core *sc)
{
	return ((sc->reg[RTC_STATUSA] & RTCSA_DV_MASK) == RTCSA_DV_32K);
}

/* Updates happen once a second while the divider runs and SET is clear. */
static bool
updating(const struct rtc_core *sc)
{
	return (divider_on(sc) && !(sc->reg[RTC_STATUSB] & RTCSB_SET));
}

/*
 * The periodic interrupt rate for rate-select 'rs' from the 32.768 kHz
 * time base (data sheet table 5): none for 0, 256 Hz and 128 Hz for 1 and
 * 2, else 65536 >> rs (8192 Hz down to 2 Hz).
 */
static uint64_t
periodic_hz(int rs)
{
	if (rs == 0)
		return (0);
	if (rs <= 2)
		return (512 >> rs);
	return (65536 >> rs);
}

static int64_t
rtc_ns_at(const struct rtc_core *sc, uint64_t now)
{
	return ((int64_t)now + sc->off_ns);
}

static int64_t
rtc_sec_at(const struct rtc_core *sc, uint64_t now)
{
	return (floor_div(rtc_ns_at(sc, now), NS));
}

/* ---- alarm ---- */

/* An alarm byte: -1 for "don't care", -2 for a value that never matches. */
static void
alarm_decode(const struct rtc_core *sc, int a[3])
{
	static const int idx[3] = { RTC_HRSALRM, RTC_MINALRM, RTC_SECALRM };
	uint8_t b;
	int v;

	for (int i = 0; i < 3; i++) {
		b = sc->reg[idx[i]];
		if ((b & RTC_ALARM_DONTCARE) == RTC_ALARM_DONTCARE) {
			a[i] = -1;
			continue;
		}
		v = i == 0 ? dec_hour(sc, b) : dec(sc, b);
		a[i] = (v < 0 || v > 59) ? -2 : v;
	}
}

/*
 * The first second of the day at or after 't' (0-86399) that the alarm
 * matches, or -1.  Walks hours and minutes only (at most 1,440 steps).
 */
static int64_t
alarm_first_from(const int a[3], int64_t t)
{
	int64_t h0 = t / 3600, m0 = t / 60 % 60, s0 = t % 60, ms, ss;

	for (int64_t h = h0; h < 24; h++) {
		if (a[0] != -1 && a[0] != h)
			continue;
		for (int64_t m = h == h0 ? m0 : 0; m < 60; m++) {
			if (a[1] != -1 && a[1] != m)
				continue;
			ms = h * 3600 + m * 60;
			ss = h == h0 && m == m0 ? s0 : 0;
			if (a[2] == -1)
				return (ms + ss);
			if (a[2] >= ss)
				return (ms + a[2]);
		}
	}
	return (-1);
}

/*
 * The first second after 'from' at which the alarm matches, or -1: an
 * alarm that can match at all does so within a day.
 */
static int64_t
alarm_next(const struct rtc_core *sc, int64_t from)
{
	int64_t day, r;
	int a[3];

	alarm_decode(sc, a);
	if (a[0] == -2 || a[1] == -2 || a[2] == -2)
		return (-1);
	day = floor_div(from + 1, SECS_PER_DAY);
	r = alarm_first_from(a, from + 1 - day * SECS_PER_DAY);
	if (r >= 0)
		return (day * SECS_PER_DAY + r);
	r = alarm_first_from(a, 0);
	return (r >= 0 ? (day + 1) * SECS_PER_DAY + r : -1);
}

/* ---- interrupts ---- */

/* IRQF = PF.PIE + AF.AIE + UF.UIE (data sheet, register C); IRQ 8 follows. */
static void
update_irq(struct rtc_core *sc)
{
	uint8_t b = sc->reg[RTC_STATUSB], c = sc->reg[RTC_INTR];
	bool irqf;

	irqf = ((c & RTCIR_PF) && (b & RTCSB_PIE)) ||
	    ((c & RTCIR_AF) && (b & RTCSB_AIE)) ||
	    ((c & RTCIR_UF) && (b & RTCSB_UIE));
	if (irqf)
		sc->reg[RTC_INTR] |= RTCIR_IRQF;
	else
		sc->reg[RTC_INTR] &= ~RTCIR_IRQF;
	if (irqf != sc->irq) {
		sc->irq = irqf;
		if (sc->intr != NULL)
			sc->intr(sc->intr_arg, irqf);
	}
}

/*
 * Account for everything that happened in (last, now]: periodic ticks
 * (PF, set whether or not PIE is), updates (UF, fresh time registers)
 * and alarm matches at any of the seconds passed (AF).
 */
static void
rtc_sync(struct rtc_core *sc, uint64_t now)
{
	uint8_t flags = 0;
	uint64_t hz;
	int64_t s0, s1, a;

	if (now <= sc->last)
		return;
	if (divider_on(sc)) {
		hz = periodic_hz(sc->reg[RTC_STATUSA] & RTCSA_RS_MASK);
		if (hz != 0 && guest_clock_ns_to_ticks(now - sc->div_base, hz) >
		    guest_clock_ns_to_ticks(sc->last - sc->div_base, hz))
			flags |= RTCIR_PF;
	}
	if (updating(sc)) {
		s0 = rtc_sec_at(sc, sc->last);
		s1 = rtc_sec_at(sc, now);
		if (s1 > s0) {
			flags |= RTCIR_UF;
			/* Catches matches at seconds nobody looked at. */
			a = alarm_next(sc, s0);
			if (a != -1 && a <= s1)
				flags |= RTCIR_AF;
			write_time_regs(sc, s1);
		}
	}
	sc->last = now;
	sc->reg[RTC_INTR] |= flags;
	update_irq(sc);
}

/*
 * Updates start again: from the time the registers hold (or, if the guest
 * left them malformed, the time they froze at), with the next update
 * 'first' ns away (1 s after SET clears, 0.5 s after a divider reset).
 */
static void
rtc_resume(struct rtc_core *sc, uint64_t now, int64_t first)
{
	int64_t sec;

	if (read_time_regs(sc, &sec) != 0)
		sec = sc->halt_sec;
	sc->off_ns = sec * NS + (NS - first) - (int64_t)now;
	write_time_regs(sc, sec);
}

static void
rtc_halt(struct rtc_core *sc, uint64_t now)
{
	/* rtc_sync() just refreshed the registers. */
	sc->halt_sec = rtc_sec_at(sc, now);
}

static void
write_reg_a(struct rtc_core *sc, uint64_t now, uint8_t val)
{
	bool was = updating(sc), was_div = divider_on(sc);

	sc->reg[RTC_STATUSA] = val & ~RTCSA_UIP;
	if (!was_div && divider_on(sc))
		sc->div_base = now;
	if (was && !updating(sc))
		rtc_halt(sc, now);
	else if (!was && updating(sc))
		rtc_resume(sc, now, was_div ? NS : RTC_DV_HALF_S);
}

static void
write_reg_b(struct rtc_core *sc, uint64_t now, uint8_t val)
{
	uint8_t old = sc->reg[RTC_STATUSB];
	bool was = updating(sc);

	/* Data sheet, register B: setting SET clears UIE. */
	if (val & RTCSB_SET)
		val &= ~RTCSB_UIE;
	sc->reg[RTC_STATUSB] = val;
	if (was && !updating(sc))
		rtc_halt(sc, now);
	else if (!was && updating(sc))
		rtc_resume(sc, now, NS);
	else if (updating(sc) && ((old ^ val) & (RTCSB_BIN | RTCSB_24HR)))
		write_time_regs(sc, rtc_sec_at(sc, now));
}

/*
 * A time register written while the clock runs takes effect at once
 * (bhyve does the same; careful guests set SET first).  The sub-second
 * phase is kept, so updates stay on their beat.
 */
static void
write_time_reg(struct rtc_core *sc, uint64_t now, int index, uint8_t val)
{
	int64_t sec, frac;

	sc->reg[index] = val;
	if (!updating(sc) || read_time_regs(sc, &sec) != 0)
		return;
	frac = floor_mod(rtc_ns_at(sc, now), NS);
	sc->off_ns = sec * NS + frac - (int64_t)now;
	write_time_regs(sc, sec);
}

/* ---- the core's API ---- */

void
rtc_core_init(struct rtc_core *sc, int64_t rtc_ns, guest_clock_fn_t now,
    void *now_arg, rtc_intr_fn_t intr, void *intr_arg)
{
	memset(sc, 0, sizeof(*sc));
	sc->now = now;
	sc->now_arg = now_arg;
	sc->intr = intr;
	sc->intr_arg = intr_arg;
	/* What a PC BIOS leaves: 32.768 kHz, 1024 Hz rate; 24 h, BCD. */
	sc->reg[RTC_STATUSA] = RTCSA_DV_32K | 0x06;
	sc->reg[RTC_STATUSB] = RTCSB_24HR;
	sc->reg[RTC_STATUSD] = RTCSD_VRT;
	sc->last = now(now_arg);
	sc->div_base = sc->last;
	sc->off_ns = rtc_ns - (int64_t)sc->last;
	sc->halt_sec = rtc_sec_at(sc, sc->last);
	write_time_regs(sc, sc->halt_sec);
}

void
rtc_core_checksum(struct rtc_core *sc)
{
	unsigned sum = 0;

	for (int i = RTC_CKSUM_FIRST; i <= RTC_CKSUM_LAST; i++)
		sum += sc->reg[i];
	sc->reg[RTC_CKSUM_MSB] = (uint8_t)(sum >> 8);
	sc->reg[RTC_CKSUM_LSB] = (uint8_t)sum;
}

static void
set_le(struct rtc_core *sc, int index, uint64_t v, int nbytes)
{
	for (int i = 0; i < nbytes; i++)
		sc->reg[index + i] = (uint8_t)(v >> (8 * i));
}

/*
 * The memory-size bytes of a PC CMOS: base memory (640 KiB) at 0x15, the
 * KiB above 1 MiB at 0x17 and 0x30 (16 bits, capped: these date from the
 * AT), and as bhyve's rtc_init sets them for its UEFI firmware, the 64 KiB
 * units between 16 MiB and the end of lowmem at 0x34 and above 4 GiB at
 * 0x5b (24 bits).  All little-endian.
 */
void
rtc_core_set_memsize(struct rtc_core *sc, uint64_t lowmem, uint64_t highmem)
{
	uint64_t ext, lm, hm;

	ext = lowmem > MIB ? (lowmem - MIB) / KIB : 0;
	if (ext > 0xffff)
		ext = 0xffff;
	lm = lowmem > 16 * MIB ? (lowmem - 16 * MIB) / (64 * KIB) : 0;
	if (lm > 0xffff)
		lm = 0xffff;
	hm = highmem / (64 * KIB);
	if (hm > 0xffffff)
		hm = 0xffffff;
	set_le(sc, RTC_BASELO, 640, 2);
	set_le(sc, RTC_EXTLO, ext, 2);
	set_le(sc, RTC_EXTLO2, ext, 2);
	set_le(sc, RTC_LMEM_LSB, lm, 2);
	set_le(sc, RTC_HMEM_LSB, hm, 3);
	rtc_core_checksum(sc);
}

uint8_t
rtc_core_read(struct rtc_core *sc, int index)
{
	uint64_t now = sc->now(sc->now_arg);
	uint8_t v;

	index &= RTC_NREGS - 1;
	rtc_sync(sc, now);
	switch (index) {
	case RTC_STATUSA:
		v = sc->reg[RTC_STATUSA];
		if (updating(sc) && floor_mod(rtc_ns_at(sc, now), NS) >=
		    NS - (int64_t)RTC_UIP_NS)
			v |= RTCSA_UIP;
		return (v);
	case RTC_INTR:
		/* Reading C clears its flags and so lowers IRQ 8. */
		v = sc->reg[RTC_INTR];
		sc->reg[RTC_INTR] = 0;
		update_irq(sc);
		return (v);
	case RTC_STATUSD:
		return (RTCSD_VRT);
	default:
		return (sc->reg[index]);
	}
}

void
rtc_core_write(struct rtc_core *sc, int index, uint8_t val)
{
	uint64_t now = sc->now(sc->now_arg);

	index &= RTC_NREGS - 1;
	rtc_sync(sc, now);
	switch (index) {
	case RTC_STATUSA:
		write_reg_a(sc, now, val);
		break;
	case RTC_STATUSB:
		write_reg_b(sc, now, val);
		break;
	case RTC_INTR:
	case RTC_STATUSD:
		break;			/* read-only */
	case RTC_SEC:
	case RTC_MIN:
	case RTC_HRS:
	case RTC_WDAY:
	case RTC_DAY:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
		write_time_reg(sc, now, index, val);
		break;
	default:
		sc->reg[index] = val;	/* alarms and NVRAM */
		break;
	}
	update_irq(sc);
}

int
rtc_core_io(struct rtc_core *sc, bool in, int port, int bytes, uint32_t *eax)
{
	if (bytes != 1)
		return (-1);
	switch (port) {
	case RTC_ADDR_PORT:
		/* Bit 7 gates NMI on a PC; it is not part of the index. */
		if (in)
			*eax = 0xff;
		else
			sc->addr = *eax & (RTC_NREGS - 1);
		return (0);
	case RTC_DATA_PORT:
		if (in)
			*eax = rtc_core_read(sc, sc->addr);
		else
			rtc_core_write(sc, sc->addr, (uint8_t)*eax);
		return (0);
	case RTC_HADDR_PORT:
		if (in)
			*eax = 0xff;
		else
			sc->haddr = *eax & (RTC_NREGS - 1);
		return (0);
	case RTC_HDATA_PORT:
		if (in)
			*eax = sc->hreg[sc->haddr];
		else
			sc->hreg[sc->haddr] = (uint8_t)*eax;
		return (0);
	default:
		return (-1);
	}
}

void
rtc_core_tick(struct rtc_core *sc)
{
	rtc_sync(sc, sc->now(sc->now_arg));
}

uint64_t
rtc_core_next_event(struct rtc_core *sc)
{
	uint8_t b = sc->reg[RTC_STATUSB];
	uint64_t next = UINT64_MAX, t, hz, k;
	int64_t s;

	/* While IRQ 8 is up only reading C lowers it: no timer needed. */
	if (sc->irq)
		return (UINT64_MAX);
	hz = periodic_hz(sc->reg[RTC_STATUSA] & RTCSA_RS_MASK);
	if (divider_on(sc) && (b & RTCSB_PIE) && hz != 0) {
		k = guest_clock_ns_to_ticks(sc->last - sc->div_base, hz);
		t = sc->div_base + guest_clock_ticks_to_ns(k + 1, hz);
		next = t < next ? t : next;
	}
	if (updating(sc) && (b & RTCSB_UIE)) {
		s = rtc_sec_at(sc, sc->last) + 1;
		t = (uint64_t)(s * NS - sc->off_ns);
		next = t < next ? t : next;
	}
	if (updating(sc) && (b & RTCSB_AIE)) {
		s = alarm_next(sc, rtc_sec_at(sc, sc->last));
		if (s != -1) {
			t = (uint64_t)(s * NS - sc->off_ns);
			next = t < next ? t : next;
		}
	}
	return (next);
}

/* ---- the glue: ports, IRQ 8, a timer on the event loop ---- */

struct rtc_softc {
	pthread_mutex_t	mtx;
	struct rtc_core	core;
	struct vmctx	*ctx;
	struct guest_timer timer;
};

static struct rtc_softc *rtc_sc;
/* IRQ 8 belongs to the HPET (its legacy replacement route is on). */
static _Atomic bool rtc_irq_cut;

void
rtc_set_hpet_legacy(bool on)
{
	atomic_store(&rtc_irq_cut, on);
	/* XXX: a pending IRQF is not re-asserted when the route is undone;
	 * the RTC's next interrupt event asserts the line again. */
	if (on && rtc_sc != NULL)
		(void)vm_isa_deassert_irq(rtc_sc->ctx, RTC_IRQ, RTC_IRQ);
}

static void
rtc_intr(void *arg, bool level)
{
	struct rtc_softc *sc = arg;

	if (level && atomic_load(&rtc_irq_cut))
		return;
	if (level)
		(void)vm_isa_assert_irq(sc->ctx, RTC_IRQ, RTC_IRQ);
	else
		(void)vm_isa_deassert_irq(sc->ctx, RTC_IRQ, RTC_IRQ);
}

static void
rtc_timer_cb(void *arg)
{
	struct rtc_softc *sc = arg;

	pthread_mutex_lock(&sc->mtx);
	guest_timer_fired(&sc->timer);
	rtc_core_tick(&sc->core);
	guest_timer_arm(&sc->timer, rtc_core_next_event(&sc->core));
	pthread_mutex_unlock(&sc->mtx);
}

static int
rtc_port_io(struct vmctx *ctx, int in, int port, int bytes, uint32_t *eax,
    void *arg)
{
	struct rtc_softc *sc = arg;
	int error;

	pthread_mutex_lock(&sc->mtx);
	error = rtc_core_io(&sc->core, in != 0, port, bytes, eax);
	guest_timer_arm(&sc->timer, rtc_core_next_event(&sc->core));
	pthread_mutex_unlock(&sc->mtx);
	return (error);
}

static const struct inout_port rtc_ports[] = {
	{ "rtc", RTC_ADDR_PORT, 2, IOPORT_F_INOUT, rtc_port_io, NULL },
	{ "rtc-upper", RTC_HADDR_PORT, 2, IOPORT_F_INOUT, rtc_port_io, NULL },
};

int
rtc_init(struct vmctx *ctx, bool use_localtime)
{
	struct inout_port iop;
	struct rtc_softc *sc;
	struct timespec ts;
	struct tm tm;
	int64_t rtc_ns;
	int error, nports = 0;

	if (rtc_sc != NULL)
		return (-EEXIST);
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (-ENOMEM);
	sc->ctx = ctx;
	pthread_mutex_init(&sc->mtx, NULL);

	/* The guest clock starts no later than the RTC reads the host. */
	guest_clock_init();
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	rtc_ns = (int64_t)ts.tv_sec * NS + ts.tv_nsec;
	if (use_localtime && localtime_r(&ts.tv_sec, &tm) != NULL)
		rtc_ns += (int64_t)tm.tm_gmtoff * NS;
	rtc_core_init(&sc->core, rtc_ns, guest_clock_source, NULL, rtc_intr,
	    sc);
	rtc_core_set_memsize(&sc->core, vm_get_lowmem_size(ctx),
	    vm_get_highmem_size(ctx));

	error = guest_timer_init(&sc->timer, rtc_timer_cb, sc);
	if (error != 0)
		goto fail;
	for (; nports < 2; nports++) {
		iop = rtc_ports[nports];
		iop.arg = sc;
		error = register_inout(&iop);
		if (error != 0)
			goto fail;
	}
	rtc_sc = sc;
	return (0);

fail:
	while (nports-- > 0) {
		iop = rtc_ports[nports];
		iop.arg = sc;
		(void)unregister_inout(&iop);
	}
	guest_timer_fini(&sc->timer);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
	return (error);
}
