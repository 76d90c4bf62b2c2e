/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_rtc.c: the MC146818A core (src/devices/rtc.c) against a fake guest
 * clock: time formats, SET, UIP, register C, alarms, periodic rates,
 * divider reset, ports, and the CMOS memory bytes and checksum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/rtc.h"

#define NS	1000000000ULL
#define MS	1000000ULL
#define US	1000ULL
#define T0	5000ULL			/* guest ns at init */
/* 2024-03-05 13:45:30 UTC, a Tuesday */
#define TUE_1345_30	1709646330LL

static uint64_t fake_now;
static int nraise, nlower;
static bool line;

static uint64_t
fake_clock(void *arg)
{
	return (fake_now);
}

static void
fake_intr(void *arg, bool level)
{
	assert_true(level != line);	/* only changes are reported */
	line = level;
	if (level)
		nraise++;
	else
		nlower++;
}

static void
setup_at(struct rtc_core *sc, int64_t sec)
{
	fake_now = T0;
	nraise = nlower = 0;
	line = false;
	rtc_core_init(sc, sec * (int64_t)NS, fake_clock, NULL, fake_intr, NULL);
}

static uint8_t
rd(struct rtc_core *sc, int i)
{
	return (rtc_core_read(sc, i));
}

static void
wr(struct rtc_core *sc, int i, uint8_t v)
{
	rtc_core_write(sc, i, v);
}

static void
test_calendar(void **state)
{
	int64_t y;
	int m, d;

	assert_int_equal(rtc_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(rtc_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(rtc_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(rtc_days_from_civil(2024, 3, 5), 19787);
	for (int64_t days = -800000; days < 800000; days += 13) {
		rtc_civil_from_days(days, &y, &m, &d);
		assert_int_equal(rtc_days_from_civil(y, m, d), days);
	}
	rtc_civil_from_days(-1, &y, &m, &d);
	assert_int_equal(y, 1969);
	assert_int_equal(m, 12);
	assert_int_equal(d, 31);
}

static void
test_reset_bcd_24h(void **state)
{
	struct rtc_core sc;

	setup_at(&sc, TUE_1345_30);
	assert_int_equal(rd(&sc, RTC_SEC), 0x30);
	assert_int_equal(rd(&sc, RTC_MIN), 0x45);
	assert_int_equal(rd(&sc, RTC_HRS), 0x13);
	assert_int_equal(rd(&sc, RTC_WDAY), 3);
	assert_int_equal(rd(&sc, RTC_DAY), 0x05);
	assert_int_equal(rd(&sc, RTC_MONTH), 0x03);
	assert_int_equal(rd(&sc, RTC_YEAR), 0x24);
	assert_int_equal(rd(&sc, RTC_CENTURY), 0x20);
	assert_int_equal(rd(&sc, RTC_STATUSA), 0x26);
	assert_int_equal(rd(&sc, RTC_STATUSB), 0x02);
	assert_int_equal(rd(&sc, RTC_INTR), 0x00);
	assert_int_equal(rd(&sc, RTC_STATUSD), 0x80);
	/* D and C are read-only */
	wr(&sc, RTC_STATUSD, 0x00);
	wr(&sc, RTC_INTR, 0xff);
	assert_int_equal(rd(&sc, RTC_STATUSD), 0x80);
	assert_int_equal(rd(&sc, RTC_INTR), 0x00);
	/* time advances with the guest clock */
	fake_now += 29 * NS + 999999999;
	assert_int_equal(rd(&sc, RTC_SEC), 0x59);
	fake_now += 1;
	assert_int_equal(rd(&sc, RTC_SEC), 0x00);
	assert_int_equal(rd(&sc, RTC_MIN), 0x46);
	fake_now += 3600 * 11 * NS;
	assert_int_equal(rd(&sc, RTC_HRS), 0x00);
	assert_int_equal(rd(&sc, RTC_MIN), 0x46);
	assert_int_equal(rd(&sc, RTC_DAY), 0x06);
	assert_int_equal(rd(&sc, RTC_WDAY), 4);
	assert_int_equal(nraise, 0);
}

static void
test_binary_and_12h(void **state)
{
	struct rtc_core sc;

	setup_at(&sc, TUE_1345_30);
	wr(&sc, RTC_STATUSB, RTCSB_24HR | RTCSB_BIN);
	assert_int_equal(rd(&sc, RTC_SEC), 30);
	assert_int_equal(rd(&sc, RTC_MIN), 45);
	assert_int_equal(rd(&sc, RTC_HRS), 13);
	assert_int_equal(rd(&sc, RTC_DAY), 5);
	assert_int_equal(rd(&sc, RTC_YEAR), 24);
	assert_int_equal(rd(&sc, RTC_CENTURY), 20);
	/* binary, 12 h: 1 PM */
	wr(&sc, RTC_STATUSB, RTCSB_BIN);
	assert_int_equal(rd(&sc, RTC_HRS), 0x81);
	/* BCD, 12 h */
	wr(&sc, RTC_STATUSB, 0);
	assert_int_equal(rd(&sc, RTC_HRS), 0x81);
	/* 23:xx is 11 PM; midnight is 12 AM; noon is 12 PM */
	fake_now += 10 * 3600 * NS;
	assert_int_equal(rd(&sc, RTC_HRS), 0x91);
	wr(&sc, RTC_STATUSB, RTCSB_BIN);
	assert_int_equal(rd(&sc, RTC_HRS), 0x8b);
	wr(&sc, RTC_STATUSB, 0);
	fake_now += 3600 * NS;
	assert_int_equal(rd(&sc, RTC_HRS), 0x12);
	fake_now += 12 * 3600 * NS;
	assert_int_equal(rd(&sc, RTC_HRS), 0x92);
	fake_now += 3600 * NS;
	assert_int_equal(rd(&sc, RTC_HRS), 0x81);
}

static void
test_century_rollover(void **state)
{
	struct rtc_core sc;

	setup_at(&sc, 4102444799LL);	/* 2099-12-31 23:59:59 */
	assert_int_equal(rd(&sc, RTC_YEAR), 0x99);
	assert_int_equal(rd(&sc, RTC_CENTURY), 0x20);
	assert_int_equal(rd(&sc, RTC_WDAY), 5);	/* Thursday */
	fake_now += NS;
	assert_int_equal(rd(&sc, RTC_SEC), 0x00);
	assert_int_equal(rd(&sc, RTC_MIN), 0x00);
	assert_int_equal(rd(&sc, RTC_HRS), 0x00);
	assert_int_equal(rd(&sc, RTC_DAY), 0x01);
	assert_int_equal(rd(&sc, RTC_MONTH), 0x01);
	assert_int_equal(rd(&sc, RTC_YEAR), 0x00);
	assert_int_equal(rd(&sc, RTC_CENTURY), 0x21);
	assert_int_equal(rd(&sc, RTC_WDAY), 6);	/* Friday */
}

static void
test_set_write_readback(void **state)
{
	struct rtc_core sc;

	setup_at(&sc, TUE_1345_30);
	fake_now += 300 * MS;
	/* SET clears UIE and stops updates */
	wr(&sc, RTC_STATUSB, RTCSB_SET | RTCSB_UIE | RTCSB_24HR);
	assert_int_equal(rd(&sc, RTC_STATUSB), RTCSB_SET | RTCSB_24HR);
	wr(&sc, RTC_SEC, 0x58);
	wr(&sc, RTC_MIN, 0x59);
	wr(&sc, RTC_HRS, 0x23);
	wr(&sc, RTC_DAY, 0x31);
	wr(&sc, RTC_MONTH, 0x12);
	wr(&sc, RTC_YEAR, 0x99);
	wr(&sc, RTC_CENTURY, 0x19);
	fake_now += 5 * NS;		/* halted: nothing moves */
	assert_int_equal(rd(&sc, RTC_SEC), 0x58);
	assert_int_equal(rd(&sc, RTC_YEAR), 0x99);
	assert_int_equal(rd(&sc, RTC_STATUSA) & RTCSA_UIP, 0);
	wr(&sc, RTC_STATUSB, RTCSB_24HR);
	assert_int_equal(rd(&sc, RTC_SEC), 0x58);
	assert_int_equal(rd(&sc, RTC_WDAY), 6);	/* Friday, recomputed */
	/* the first update comes a full second after SET clears */
	fake_now += NS - 1;
	assert_int_equal(rd(&sc, RTC_SEC), 0x58);
	fake_now += 1;
	assert_int_equal(rd(&sc, RTC_SEC), 0x59);
	fake_now += NS;
	assert_int_equal(rd(&sc, RTC_SEC), 0x00);
	assert_int_equal(rd(&sc, RTC_MIN), 0x00);
	assert_int_equal(rd(&sc, RTC_HRS), 0x00);
	assert_int_equal(rd(&sc, RTC_DAY), 0x01);
	assert_int_equal(rd(&sc, RTC_MONTH), 0x01);
	assert_int_equal(rd(&sc, RTC_YEAR), 0x00);
	assert_int_equal(rd(&sc, RTC_CENTURY), 0x20);
	assert_int_equal(rd(&sc, RTC_WDAY), 7);	/* Saturday */
	/* the guest's offset persists */
	fake_now += 3600 * NS;
	assert_int_equal(rd(&sc, RTC_HRS), 0x01);
	assert_int_equal(rd(&sc, RTC_YEAR), 0x00);

	/* a malformed time under SET: the clock resumes where it froze */
	wr(&sc, RTC_STATUSB, RTCSB_SET | RTCSB_24HR);
	wr(&sc, RTC_MONTH, 0x13);
	fake_now += 10 * NS;
	wr(&sc, RTC_STATUSB, RTCSB_24HR);
	assert_int_equal(rd(&sc, RTC_MONTH), 0x01);
	assert_int_equal(rd(&sc, RTC_HRS), 0x01);
	assert_int_equal(rd(&sc, RTC_SEC), 0x00);

	/* a time register written while running takes effect, phase kept */
	fake_now += 250 * MS;
	wr(&sc, RTC_MIN, 0x30);
	assert_int_equal(rd(&sc, RTC_MIN), 0x30);
	assert_int_equal(rd(&sc, RTC_SEC), 0x00);
	fake_now += 750 * MS - 1;
	assert_int_equal(rd(&sc, RTC_SEC), 0x00);
	fake_now += 1;
	assert_int_equal(rd(&sc, RTC_SEC), 0x01);
	assert_int_equal(rd(&sc, RTC_MIN), 0x30);
}

static void
test_uip_window(void **state)
{
	struct rtc_core sc;

	setup_at(&sc, TUE_1345_30);	/* an update due at T0 + 1 s */
	fake_now = T0 + NS - RTC_UIP_NS - 1;
	assert_int_equal(rd(&sc, RTC_STATUSA), 0x26);
	fake_now++;
	assert_int_equal(rd(&sc, RTC_STATUSA), 0xa6);
	assert_int_equal(rd(&sc, RTC_SEC), 0x30);
	fake_now = T0 + NS - 1;
	assert_int_equal(rd(&sc, RTC_STATUSA), 0xa6);
	fake_now++;
	assert_int_equal(rd(&sc, RTC_STATUSA), 0x26);
	assert_int_equal(rd(&sc, RTC_SEC), 0x31);
	/* UIP is read-only */
	wr(&sc, RTC_STATUSA, 0xa6);
	assert_int_equal(rd(&sc, RTC_STATUSA), 0x26);
	/* no UIP while SET holds updates off */
	fake_now = T0 + 2 * NS - 100 * US;
	wr(&sc, RTC_STATUSB, RTCSB_SET | RTCSB_24HR);
	assert_int_equal(rd(&sc, RTC_STATUSA), 0x26);
}

static void
test_regc_clear_on_read(void **state)
{
	struct rtc_core sc;

	setup_at(&sc, TUE_1345_30);
	wr(&sc, RTC_STATUSA, RTCSA_DV_32K);	/* no periodic */
	wr(&sc, RTC_STATUSB, RTCSB_UIE | RTCSB_24HR);
	assert_int_equal(rtc_core_next_event(&sc), T0 + NS);
	fake_now = T0 + NS - 1;
	rtc_core_tick(&sc);
	assert_int_equal(nraise, 0);
	fake_now++;
	rtc_core_tick(&sc);
	assert_int_equal(nraise, 1);
	assert_true(line);
	/* no timer while the line is up */
	assert_int_equal(rtc_core_next_event(&sc), UINT64_MAX);
	fake_now += 3 * NS;		/* more updates: still one edge */
	rtc_core_tick(&sc);
	assert_int_equal(nraise, 1);
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_IRQF | RTCIR_UF);
	assert_false(line);
	assert_int_equal(nlower, 1);
	assert_int_equal(rd(&sc, RTC_INTR), 0x00);
	assert_int_equal(rtc_core_next_event(&sc), T0 + 5 * NS);
	/* flags without their enable: set, but no IRQF, no interrupt */
	wr(&sc, RTC_STATUSB, RTCSB_24HR);
	fake_now += NS;
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_UF);
	assert_int_equal(nraise, 1);
	/* enabling with the flag already set raises the line at once */
	fake_now += NS;
	rtc_core_tick(&sc);
	wr(&sc, RTC_STATUSB, RTCSB_UIE | RTCSB_24HR);
	assert_int_equal(nraise, 2);
	/* ... and disabling lowers it, the flag staying */
	wr(&sc, RTC_STATUSB, RTCSB_24HR);
	assert_int_equal(nlower, 2);
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_UF);
}

static void
test_alarm(void **state)
{
	struct rtc_core sc;

	setup_at(&sc, TUE_1345_30);
	wr(&sc, RTC_STATUSA, RTCSA_DV_32K);
	wr(&sc, RTC_HRSALRM, 0x13);
	wr(&sc, RTC_MINALRM, 0x46);
	wr(&sc, RTC_SECALRM, 0x00);
	wr(&sc, RTC_STATUSB, RTCSB_AIE | RTCSB_24HR);
	assert_int_equal(rtc_core_next_event(&sc), T0 + 30 * NS);
	fake_now = T0 + 30 * NS - 1;
	rtc_core_tick(&sc);
	assert_int_equal(nraise, 0);
	fake_now++;
	rtc_core_tick(&sc);
	assert_int_equal(nraise, 1);
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_IRQF | RTCIR_AF | RTCIR_UF);
	/* next match is a day later */
	assert_int_equal(rtc_core_next_event(&sc), T0 + (30 + 86400) * NS);

	/* don't care hours and minutes: every minute at :15 */
	wr(&sc, RTC_HRSALRM, 0xc0);
	wr(&sc, RTC_MINALRM, 0xff);
	wr(&sc, RTC_SECALRM, 0x15);
	assert_int_equal(rtc_core_next_event(&sc), T0 + 45 * NS);
	/* all don't care: every second */
	wr(&sc, RTC_SECALRM, 0xc3);
	assert_int_equal(rtc_core_next_event(&sc), T0 + 31 * NS);
	/* 12-hour mode: 1:46:00 PM is 0x81 */
	wr(&sc, RTC_STATUSB, RTCSB_AIE);
	wr(&sc, RTC_HRSALRM, 0x81);
	wr(&sc, RTC_MINALRM, 0x46);
	wr(&sc, RTC_SECALRM, 0x00);
	assert_int_equal(rtc_core_next_event(&sc), T0 + (30 + 86400) * NS);
	wr(&sc, RTC_HRSALRM, 0x01);	/* 1 AM */
	assert_int_equal(rtc_core_next_event(&sc),
	    T0 + (30 + 12 * 3600) * NS);
	/* an alarm that can never match */
	wr(&sc, RTC_HRSALRM, 0x13);	/* not a 12-hour value */
	assert_int_equal(rtc_core_next_event(&sc), UINT64_MAX);

	/* AF without AIE, found lazily across seconds nobody read */
	wr(&sc, RTC_STATUSB, RTCSB_24HR);
	wr(&sc, RTC_HRSALRM, 0xff);
	wr(&sc, RTC_MINALRM, 0x50);
	wr(&sc, RTC_SECALRM, 0x07);
	assert_int_equal(rd(&sc, RTC_INTR), 0);
	fake_now += 200 * NS;		/* 13:46:00 + 200 s = 13:49:20 */
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_UF);
	fake_now += 107 * NS;		/* 13:51:07: passed 13:50:07 */
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_UF | RTCIR_AF);
	fake_now += 2 * 86400 * NS;
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_UF | RTCIR_AF);
	assert_int_equal(nraise, 1);
}

static void
test_periodic_rates(void **state)
{
	static const uint64_t first_ns[16] = {
		0, 3906250, 7812500, 122071, 244141, 488282, 976563,
		1953125, 3906250, 7812500, 15625000, 31250000, 62500000,
		125000000, 250000000, 500000000,
	};
	struct rtc_core sc;

	for (int rs = 0; rs < 16; rs++) {
		setup_at(&sc, TUE_1345_30);
		/* the divider restarts when it leaves reset */
		wr(&sc, RTC_STATUSA, 0x70);
		fake_now += 12345;
		wr(&sc, RTC_STATUSA, RTCSA_DV_32K | rs);
		wr(&sc, RTC_STATUSB, RTCSB_PIE | RTCSB_24HR);
		if (rs == 0) {
			assert_int_equal(rtc_core_next_event(&sc),
			    UINT64_MAX);
			continue;
		}
		assert_int_equal(rtc_core_next_event(&sc),
		    T0 + 12345 + first_ns[rs]);
		fake_now = T0 + 12345 + first_ns[rs] - 1;
		rtc_core_tick(&sc);
		assert_int_equal(nraise, 0);
		fake_now++;
		rtc_core_tick(&sc);
		assert_int_equal(nraise, 1);
		/* at 2 Hz the first tick meets the first update */
		assert_int_equal(rd(&sc, RTC_INTR), RTCIR_IRQF | RTCIR_PF |
		    (rs == 15 ? RTCIR_UF : 0));
		assert_int_equal(nlower, 1);
	}
	/* 1024 Hz: the tenth tick is at ceil(10 s / 1024) */
	setup_at(&sc, TUE_1345_30);
	wr(&sc, RTC_STATUSB, RTCSB_PIE | RTCSB_24HR);
	fake_now = T0 + 9765625 - 1;
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_IRQF | RTCIR_PF);
	assert_int_equal(rtc_core_next_event(&sc), T0 + 9765625);
	/* PF is set without PIE too */
	wr(&sc, RTC_STATUSB, RTCSB_24HR);
	fake_now += MS;
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_PF);
	assert_int_equal(rd(&sc, RTC_INTR), 0);
}

static void
test_divider_reset(void **state)
{
	struct rtc_core sc;

	setup_at(&sc, TUE_1345_30);
	fake_now += 400 * MS;
	assert_int_equal(rd(&sc, RTC_INTR), RTCIR_PF);	/* 1024 Hz ran */
	wr(&sc, RTC_STATUSA, 0x76);	/* divider held in reset */
	fake_now += 10 * NS;
	assert_int_equal(rd(&sc, RTC_SEC), 0x30);
	assert_int_equal(rd(&sc, RTC_STATUSA), 0x76);
	assert_int_equal(rd(&sc, RTC_INTR), 0);	/* no PF, no UF */
	wr(&sc, RTC_STATUSA, 0x26);
	/* the first update comes half a second later */
	fake_now += 500 * MS - 1;
	assert_int_equal(rd(&sc, RTC_SEC), 0x30);
	fake_now++;
	assert_int_equal(rd(&sc, RTC_SEC), 0x31);
	fake_now += NS;
	assert_int_equal(rd(&sc, RTC_SEC), 0x32);
}

static void
test_ports_and_nvram(void **state)
{
	struct rtc_core sc;
	uint32_t v;

	setup_at(&sc, TUE_1345_30);
	/* bit 7 of the index (NMI disable) is not part of it */
	v = 0x80 | RTC_STATUSA;
	assert_int_equal(rtc_core_io(&sc, false, RTC_ADDR_PORT, 1, &v), 0);
	assert_int_equal(rtc_core_io(&sc, true, RTC_DATA_PORT, 1, &v), 0);
	assert_int_equal(v, 0x26);
	v = 0;
	assert_int_equal(rtc_core_io(&sc, true, RTC_DATA_PORT, 2, &v), -1);
	/* NVRAM: lower bank at 0x40, upper bank at the same index */
	v = 0x40;
	rtc_core_io(&sc, false, RTC_ADDR_PORT, 1, &v);
	v = 0xa5;
	rtc_core_io(&sc, false, RTC_DATA_PORT, 1, &v);
	v = 0x40;
	rtc_core_io(&sc, false, RTC_HADDR_PORT, 1, &v);
	v = 0x5a;
	rtc_core_io(&sc, false, RTC_HDATA_PORT, 1, &v);
	v = 0;
	rtc_core_io(&sc, true, RTC_HDATA_PORT, 1, &v);
	assert_int_equal(v, 0x5a);
	rtc_core_io(&sc, true, RTC_DATA_PORT, 1, &v);
	assert_int_equal(v, 0xa5);
	assert_int_equal(rd(&sc, 0x40), 0xa5);
	assert_int_equal(rd(&sc, 0x7f), 0x00);
	/* alarm registers are plain storage */
	wr(&sc, RTC_SECALRM, 0x42);
	assert_int_equal(rd(&sc, RTC_SECALRM), 0x42);
}

static void
check_mem(uint64_t lowmem, uint64_t highmem, const uint8_t want[14])
{
	static const int idx[14] = { 0x15, 0x16, 0x17, 0x18, 0x30, 0x31,
	    0x34, 0x35, 0x5b, 0x5c, 0x5d, 0x2e, 0x2f, 0x32 };
	struct rtc_core sc;

	setup_at(&sc, TUE_1345_30);
	rtc_core_set_memsize(&sc, lowmem, highmem);
	/* the index rides along so that a failure names the byte */
	for (int i = 0; i < 14; i++)
		assert_int_equal(idx[i] << 8 | rd(&sc, idx[i]),
		    idx[i] << 8 | want[i]);
}

static void
test_memsize(void **state)
{
	/* 0x15 0x16 | 0x17 0x18 | 0x30 0x31 | 0x34 0x35 | 0x5b-0x5d |
	 * checksum 0x2e 0x2f | century */
	static const uint8_t m8[14] = { 0x80, 0x02, 0x00, 0x1c, 0x00, 0x1c,
	    0, 0, 0, 0, 0, 0x00, 0x9e, 0x20 };
	static const uint8_t m32[14] = { 0x80, 0x02, 0x00, 0x7c, 0x00, 0x7c,
	    0x00, 0x01, 0, 0, 0, 0x00, 0xfe, 0x20 };
	static const uint8_t m256[14] = { 0x80, 0x02, 0xff, 0xff, 0xff, 0xff,
	    0x00, 0x0f, 0, 0, 0, 0x02, 0x80, 0x20 };
	static const uint8_t m8g[14] = { 0x80, 0x02, 0xff, 0xff, 0xff, 0xff,
	    0x00, 0xbf, 0x00, 0x40, 0x01, 0x02, 0x80, 0x20 };
	struct rtc_core sc;

	check_mem(8ULL << 20, 0, m8);
	check_mem(32ULL << 20, 0, m32);
	check_mem(256ULL << 20, 0, m256);
	check_mem(3ULL << 30, 5ULL << 30, m8g);

	/* the checksum covers 0x10-0x2d only */
	setup_at(&sc, TUE_1345_30);
	wr(&sc, 0x10, 0x12);
	wr(&sc, 0x2d, 0xf0);
	wr(&sc, 0x0e, 0x77);
	wr(&sc, 0x30, 0x77);
	rtc_core_checksum(&sc);
	assert_int_equal(rd(&sc, RTC_CKSUM_MSB), 0x01);
	assert_int_equal(rd(&sc, RTC_CKSUM_LSB), 0x02);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_reset_bcd_24h),
		cmocka_unit_test(test_binary_and_12h),
		cmocka_unit_test(test_century_rollover),
		cmocka_unit_test(test_set_write_readback),
		cmocka_unit_test(test_uip_window),
		cmocka_unit_test(test_regc_clear_on_read),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_periodic_rates),
		cmocka_unit_test(test_divider_reset),
		cmocka_unit_test(test_ports_and_nvram),
		cmocka_unit_test(test_memsize),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
