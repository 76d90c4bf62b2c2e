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

struct mevent;

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

/*
 * A one-shot device timer at an absolute guest time: a CLOCK_MONOTONIC
 * timerfd watched by the event loop (mevent EVF_READ), so it has
 * nanosecond resolution where EVF_TIMER has milliseconds.  The owner
 * guards it with its own lock: guest_timer_arm() and guest_timer_fired()
 * are called with that lock held; func runs on the event-loop thread
 * without it and should take it, then call guest_timer_fired().
 */
struct guest_timer {
	int		fd;
	struct mevent	*ev;
	uint64_t	armed;		/* guest ns it is set for, or none */
	void		(*func)(void *arg);
	void		*arg;
};

/* 0 or -errno. */
int guest_timer_init(struct guest_timer *gt, void (*func)(void *arg),
    void *arg);
void guest_timer_fini(struct guest_timer *gt);
/* Fire at guest time 'ns' (at once if it has passed); UINT64_MAX: never.
 * Re-arming to the time already set costs no system call. */
void guest_timer_arm(struct guest_timer *gt, uint64_t ns);
/* The owner's func tells the timer it went off (it is disarmed). */
void guest_timer_fired(struct guest_timer *gt);

#endif /* LHYVE_GUEST_CLOCK_H */
