/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * guest_clock.c: the one guest clock (guest_clock.h): host CLOCK_MONOTONIC
 * nanoseconds since VM start, and exact conversions to and from ticks of
 * a device's advertised frequency; and one-shot device timers on the
 * event loop.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/timerfd.h>

#include "devices/guest_clock.h"
#include "mevent.h"

static pthread_once_t guest_clock_once = PTHREAD_ONCE_INIT;
static uint64_t guest_clock_start;	/* CLOCK_MONOTONIC ns at VM start */

static uint64_t
host_monotonic_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * GUEST_CLOCK_NS_PER_S +
	    (uint64_t)ts.tv_nsec);
}

static void
guest_clock_latch(void)
{
	guest_clock_start = host_monotonic_ns();
}

void
guest_clock_init(void)
{
	(void)pthread_once(&guest_clock_once, guest_clock_latch);
}

uint64_t
guest_clock_ns(void)
{
	uint64_t now;

	guest_clock_init();
	now = host_monotonic_ns();
	return (now > guest_clock_start ? now - guest_clock_start : 0);
}

uint64_t
guest_clock_source(void *arg)
{
	return (guest_clock_ns());
}

void
guest_clock_to_timespec(uint64_t ns, struct timespec *ts)
{
	uint64_t host;

	guest_clock_init();
	host = guest_clock_start + ns;
	if (host < ns)		/* "never": as far as a timespec reaches */
		host = UINT64_MAX;
	ts->tv_sec = (time_t)(host / GUEST_CLOCK_NS_PER_S);
	ts->tv_nsec = (long)(host % GUEST_CLOCK_NS_PER_S);
}

uint64_t
guest_clock_ns_to_ticks(uint64_t ns, uint64_t hz)
{
	unsigned __int128 t;

	t = (unsigned __int128)ns * hz / GUEST_CLOCK_NS_PER_S;
	return (t > UINT64_MAX ? UINT64_MAX : (uint64_t)t);
}

uint64_t
guest_clock_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	unsigned __int128 t;

	if (hz == 0)
		return (UINT64_MAX);
	t = ((unsigned __int128)ticks * GUEST_CLOCK_NS_PER_S + hz - 1) / hz;
	return (t > UINT64_MAX ? UINT64_MAX : (uint64_t)t);
}

static void
guest_timer_cb(int fd, enum ev_type type, void *param)
{
	struct guest_timer *gt = param;
	uint64_t n;

	/* Nonblocking: a re-arm since the wake-up may have emptied it. */
	(void)!read(fd, &n, sizeof(n));
	gt->func(gt->arg);
}

int
guest_timer_init(struct guest_timer *gt, void (*func)(void *arg), void *arg)
{
	int error;

	memset(gt, 0, sizeof(*gt));
	gt->armed = UINT64_MAX;
	gt->func = func;
	gt->arg = arg;
	guest_clock_init();
	gt->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (gt->fd < 0)
		return (-errno);
	gt->ev = mevent_add(gt->fd, EVF_READ, guest_timer_cb, gt);
	if (gt->ev == NULL) {
		error = -errno;
		close(gt->fd);
		gt->fd = -1;
		return (error);
	}
	return (0);
}

void
guest_timer_fini(struct guest_timer *gt)
{
	if (gt->ev != NULL)
		(void)mevent_delete(gt->ev);
	if (gt->fd >= 0)
		close(gt->fd);
	gt->ev = NULL;
	gt->fd = -1;
}

void
guest_timer_arm(struct guest_timer *gt, uint64_t ns)
{
	struct itimerspec its;

	if (ns == gt->armed || gt->fd < 0)
		return;
	/* An all-zero it_value disarms; a guest time maps to a later one. */
	memset(&its, 0, sizeof(its));
	if (ns != UINT64_MAX)
		guest_clock_to_timespec(ns, &its.it_value);
	if (timerfd_settime(gt->fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		gt->armed = ns;
}

void
guest_timer_fired(struct guest_timer *gt)
{
	gt->armed = UINT64_MAX;
}
