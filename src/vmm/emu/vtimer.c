/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vtimer.c: the emu backend's timer thread: one per VM, sleeping on a
 * condition variable (CLOCK_MONOTONIC) until the nearest armed deadline,
 * then calling that slot's callback (LAPIC timers, the 8254).  Arming from
 * any thread wakes it, so no timer is ever polled.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "vmm/emu/cpu.h"
#include "vmm/emu/vtimer.h"

struct emu_timers {
	pthread_mutex_t mtx;
	pthread_cond_t cv;		/* something was armed, or quit */
	pthread_cond_t done;		/* a callback returned */
	pthread_t thr;
	bool quit;
	int running;			/* slot whose callback runs, or -1 */
	struct {
		uint64_t deadline;	/* 0: disarmed */
		emu_timer_fn_t fn;
		void *arg;
	} slot[EMU_TIMER_NSLOTS];
};

static void *
timer_thread(void *arg)
{
	struct emu_timers *t = arg;
	struct timespec ts;

	pthread_mutex_lock(&t->mtx);
	while (!t->quit) {
		uint64_t now = emu_clock_ns(), min = 0;
		int fire = -1;

		for (int i = 0; i < EMU_TIMER_NSLOTS; i++) {
			uint64_t d = t->slot[i].deadline;
			if (d == 0 || t->slot[i].fn == NULL)
				continue;
			if (d <= now) {
				fire = i;
				break;
			}
			if (min == 0 || d < min)
				min = d;
		}
		if (fire >= 0) {
			emu_timer_fn_t fn = t->slot[fire].fn;
			void *farg = t->slot[fire].arg;

			t->slot[fire].deadline = 0;
			t->running = fire;
			pthread_mutex_unlock(&t->mtx);
			fn(farg, now);
			pthread_mutex_lock(&t->mtx);
			t->running = -1;
			pthread_cond_broadcast(&t->done);
			continue;
		}
		if (min == 0) {
			pthread_cond_wait(&t->cv, &t->mtx);
		} else {
			ts.tv_sec = min / 1000000000ULL;
			ts.tv_nsec = min % 1000000000ULL;
			pthread_cond_timedwait(&t->cv, &t->mtx, &ts);
		}
	}
	pthread_mutex_unlock(&t->mtx);
	return (NULL);
}

int
emu_timers_init(struct emu_vm *vm)
{
	struct emu_timers *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;
	int error;

	if (t == NULL)
		return (-ENOMEM);
	pthread_mutex_init(&t->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&t->done, NULL);
	t->running = -1;
	error = pthread_create(&t->thr, NULL, timer_thread, t);
	if (error != 0) {
		free(t);
		return (-error);
	}
	pthread_setname_np(t->thr, "emu timers");
	vm->timers = t;
	return (0);
}

void
emu_timers_fini(struct emu_vm *vm)
{
	struct emu_timers *t = vm->timers;

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mtx);
	t->quit = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mtx);
	pthread_join(t->thr, NULL);
	pthread_mutex_destroy(&t->mtx);
	pthread_cond_destroy(&t->cv);
	pthread_cond_destroy(&t->done);
	free(t);
	vm->timers = NULL;
}

void
emu_timer_setup(struct emu_timers *t, int slot, emu_timer_fn_t fn, void *arg)
{
	pthread_mutex_lock(&t->mtx);
	t->slot[slot].fn = fn;
	t->slot[slot].arg = arg;
	t->slot[slot].deadline = 0;
	pthread_mutex_unlock(&t->mtx);
}

void
emu_timer_arm(struct emu_timers *t, int slot, uint64_t deadline_ns)
{
	pthread_mutex_lock(&t->mtx);
	t->slot[slot].deadline = deadline_ns;
	if (deadline_ns != 0)
		pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mtx);
}

void
emu_timer_stop(struct emu_timers *t, int slot)
{
	pthread_mutex_lock(&t->mtx);
	t->slot[slot].deadline = 0;
	t->slot[slot].fn = NULL;
	while (t->running == slot)
		pthread_cond_wait(&t->done, &t->mtx);
	pthread_mutex_unlock(&t->mtx);
}
