/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vtimer.h: the emu backend's one guest clock and its timer thread.  The
 * TSC, the LAPIC timer (crystal rate), TSC-deadline and the 8254 all count
 * from the host monotonic clock at the rates CPUID 0x15/0x16 advertise;
 * one thread per VM sleeps until the nearest deadline and fires callbacks.
 */
#ifndef LHYVE_EMU_VTIMER_H
#define LHYVE_EMU_VTIMER_H

#include <stdint.h>
#include <time.h>

/* The advertised clocks (CPU-MODEL.md: CPUID 0x15/0x16). */
#define EMU_TSC_HZ	2000000000ULL	/* 2 GHz */
#define EMU_CRYSTAL_HZ	25000000U	/* LAPIC timer input: 40 ns a tick */
#define EMU_CRYSTAL_NS	40U
#define EMU_PIT_HZ	1193182U	/* 8254 input */

static inline uint64_t
emu_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
}

struct emu_vm;
struct emu_timers;

/* Runs on the timer thread, without the timer lock, at or after its deadline. */
typedef void (*emu_timer_fn_t)(void *arg, uint64_t now);

/* Timer slots: one per LAPIC (its vCPU id), then the PIT. */
#define EMU_TIMER_PIT		64	/* VM_MAXCPU */
#define EMU_TIMER_NSLOTS	65

int emu_timers_init(struct emu_vm *vm);
void emu_timers_fini(struct emu_vm *vm);
void emu_timer_setup(struct emu_timers *t, int slot, emu_timer_fn_t fn,
    void *arg);
/* Fire at host-monotonic time deadline_ns (0: disarm). Any thread. */
void emu_timer_arm(struct emu_timers *t, int slot, uint64_t deadline_ns);
/* Disarm and wait until a running callback of that slot has returned. */
void emu_timer_stop(struct emu_timers *t, int slot);

#endif /* LHYVE_EMU_VTIMER_H */
