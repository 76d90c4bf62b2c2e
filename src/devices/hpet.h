/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hpet.h: the High Precision Event Timer (IA-PC HPET specification 1.0a),
 * what bhyve keeps in vmm.ko as vhpet, as a userspace device shared by
 * both backends: a bus-free core (struct hpet_core: registers, time from a
 * guest_clock_fn_t, an interrupt callback) that tests drive directly, and
 * hpet_init(), which maps it at 0xFED00000.
 */
#ifndef LHYVE_HPET_H
#define LHYVE_HPET_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/guest_clock.h"
#include "vmm/vmm.h"

#define HPET_NTIMERS		8	/* as bhyve */
#define HPET_MMIO_SIZE		0x400
/*
 * The counter runs at 2^24 Hz (bhyve's HPET_FREQ); the period the guest
 * reads is 10^15 / 2^24 fs truncated, 1.3e-8 slow: far inside what any
 * guest checks.
 */
#define HPET_FREQ		16777216ULL
#define HPET_PERIOD_FS		59604644ULL

/* Register offsets (spec §2.3.1, table 2) */
#define HPET_GCAP_ID		0x000
#define HPET_GEN_CONF		0x010
#define HPET_GINTR_STA		0x020
#define HPET_MAIN_CNT		0x0f0
#define HPET_TIMER_CONF(n)	(0x100 + 0x20 * (n))
#define HPET_TIMER_COMP(n)	(0x108 + 0x20 * (n))
#define HPET_TIMER_FSB(n)	(0x110 + 0x20 * (n))

/* General capabilities and ID (§2.3.4) */
#define HPET_CAP_REV_ID		0x01
#define HPET_CAP_NUM_TIM_SHIFT	8	/* index of the last timer */
#define HPET_CAP_COUNT_SIZE	(1u << 13)	/* 64-bit main counter */
#define HPET_CAP_LEG_RT		(1u << 15)
#define HPET_CAP_VENDOR_SHIFT	16
#define HPET_VENDOR_ID		0x8086
/* The low half, which the ACPI HPET table repeats as its block ID. */
#define HPET_BLOCK_ID	(HPET_CAP_REV_ID |				\
	(HPET_NTIMERS - 1) << HPET_CAP_NUM_TIM_SHIFT |			\
	HPET_CAP_COUNT_SIZE | HPET_CAP_LEG_RT |				\
	(uint32_t)HPET_VENDOR_ID << HPET_CAP_VENDOR_SHIFT)

/* General configuration (§2.3.5) */
#define HPET_CNF_ENABLE		(1u << 0)
#define HPET_CNF_LEG_RT		(1u << 1)

/* Timer N configuration and capability (§2.3.8) */
#define HPET_TCNF_INT_TYPE	(1u << 1)	/* 1: level */
#define HPET_TCNF_INT_ENB	(1u << 2)
#define HPET_TCNF_TYPE		(1u << 3)	/* 1: periodic */
#define HPET_TCAP_PER_INT	(1u << 4)
#define HPET_TCAP_SIZE		(1u << 5)	/* 64-bit comparator */
#define HPET_TCNF_VAL_SET	(1u << 6)
#define HPET_TCNF_32MODE	(1u << 8)
#define HPET_TCNF_INT_ROUTE_SHIFT 9
#define HPET_TCNF_INT_ROUTE	(0x1fu << HPET_TCNF_INT_ROUTE_SHIFT)
#define HPET_TCNF_FSB_EN	(1u << 14)
#define HPET_TCAP_FSB_INT_DEL	(1u << 15)
#define HPET_TCAP_INT_ROUTE_SHIFT 32
/* IOAPIC pins a timer may use: 2 and 8 (the legacy ones) and 16-23. */
#define HPET_INT_ROUTE_CAP	0x00ff0104u

/* Legacy replacement route (§2.3.5): timer 0 and timer 1. */
#define HPET_LEG_T0_ISA		0
#define HPET_LEG_T0_PIN		2
#define HPET_LEG_T1_ISA		8
#define HPET_LEG_T1_PIN		8

enum hpet_intr_op { HPET_INTR_DEASSERT, HPET_INTR_ASSERT, HPET_INTR_PULSE };

/*
 * Drive an interrupt line: 'isa_irq' >= 0 for the legacy replacement
 * route (an ISA IRQ that also reaches IOAPIC pin 'pin'), -1 for an IOAPIC
 * pin alone.
 */
typedef void (*hpet_intr_fn_t)(void *arg, int isa_irq, int pin,
    enum hpet_intr_op op);

struct hpet_timer {
	uint64_t	conf;		/* Tn_CONF_CAP */
	uint64_t	comp;		/* the comparator: the next match */
	uint64_t	period;		/* periodic increment */
	int		line_isa;	/* the route asserted now ... */
	int		line_pin;	/* ... or -1 */
};

/* The core.  Not thread-safe: hpet_init's glue holds a mutex. */
struct hpet_core {
	guest_clock_fn_t now;
	void		*now_arg;
	hpet_intr_fn_t	intr;
	void		*intr_arg;

	uint64_t	config;		/* GEN_CONF */
	uint64_t	isr;		/* GINTR_STA: level-mode status */
	/* The main counter is cnt_base + ticks since base_ns while
	 * enabled, and cnt_base while halted. */
	uint64_t	cnt_base;
	uint64_t	base_ns;
	uint64_t	last_cnt;	/* comparator matches accounted up to */
	struct hpet_timer t[HPET_NTIMERS];
};

/* Reset state (counter halted at 0).  intr may be NULL. */
void hpet_core_init(struct hpet_core *sc, guest_clock_fn_t now,
    void *now_arg, hpet_intr_fn_t intr, void *intr_arg);
/*
 * One access at 'off' (0 - 0x3ff) of 1, 2, 4 or 8 bytes, naturally
 * aligned; anything else reads 0 and writes nothing (the spec leaves it
 * undefined).  Always 0.
 */
int hpet_core_read(struct hpet_core *sc, uint64_t off, int size,
    uint64_t *val);
int hpet_core_write(struct hpet_core *sc, uint64_t off, int size,
    uint64_t val);
/* Account for time passing (a timer fired): may interrupt. */
void hpet_core_tick(struct hpet_core *sc);
/* The guest time at which an interrupt may next be due, or UINT64_MAX. */
uint64_t hpet_core_next_event(struct hpet_core *sc);

/* Create the HPET at VM_HPET_BASE.  0 or -errno. */
int hpet_init(struct vmctx *ctx);

#endif /* LHYVE_HPET_H */
