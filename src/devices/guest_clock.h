/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * guest_clock.h: the one guest clock.  Every timer device (RTC, HPET, PM
 * timer, and later the emu backend's TSC, LAPIC timer and PIT) derives its
 * time from the host's CLOCK_MONOTONIC counted from VM start, so a guest
 * that cross-checks its clocks finds them consistent (ARCHITECTURE.md,
 * "Time").  XXX: it lives in devices/ for now; vmm/ may not include
 * devices/, so it may move to a place both can share.
 */
#ifndef LHYVE_GUEST_CLOCK_H
#define LHYVE_GUEST_CLOCK_H

#include <stdint.h>
#include <time.h>

#define GUEST_CLOCK_NS_PER_S	1000000000ULL

/*
 * A time source: nanoseconds of guest time, never decreasing.  Device
 * cores take one of these so that unit tests can drive them with a fake
 * clock; guest_clock_source is the real one (arg unused).
 */
typedef uint64_t (*guest_clock_fn_t)(void *arg);

/* Fix the start of guest time to now.  Idempotent; the first use of
 * guest_clock_ns() does it too.  Thread-safe. */
void guest_clock_init(void);
/* Nanoseconds since VM start (CLOCK_MONOTONIC). */
uint64_t guest_clock_ns(void);
/* guest_clock_ns() in guest_clock_fn_t's shape. */
uint64_t guest_clock_source(void *arg);
/*
 * The CLOCK_MONOTONIC instant of guest time 'ns', for arming an absolute
 * timerfd (TFD_TIMER_ABSTIME) on the same clock.
 */
void guest_clock_to_timespec(uint64_t ns, struct timespec *ts);

/*
 * Whole ticks of a 'hz' clock elapsed in 'ns' nanoseconds: floor(ns * hz /
 * 1e9), exact (128-bit intermediate), saturating at UINT64_MAX.
 */
uint64_t guest_clock_ns_to_ticks(uint64_t ns, uint64_t hz);
/*
 * The first nanosecond at which 'ticks' ticks of a 'hz' clock have
 * elapsed: ceil(ticks * 1e9 / hz), so that
 * guest_clock_ns_to_ticks(guest_clock_ticks_to_ns(t, hz), hz) >= t.
 * Saturates at UINT64_MAX; hz 0 gives UINT64_MAX.
 */
uint64_t guest_clock_ticks_to_ns(uint64_t ticks, uint64_t hz);

#endif /* LHYVE_GUEST_CLOCK_H */
