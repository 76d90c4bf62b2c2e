/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_emu_intr.c: unit tests of the emu backend's interrupt controllers,
 * timers and SMP: the LAPIC timer (one-shot, periodic, TSC-deadline),
 * self-IPIs, TPR masking and EOI, the STI shadow, IOAPIC edge and level
 * inputs with remote IRR, the 8259 pair with the LAPIC disabled, the 8254
 * (channel 0 IRQs, channel 2 through port 0x61), INIT/SIPI start-up of an
 * AP, HLT and tight loops woken from other threads, and 4 vCPUs doing
 * LOCK'd increments.  Timing assertions are only generous bounds.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "test_emu.h"
#include "vmm/emu/cpu.h"
#include "vmm/emu/intr.h"
#include "vmm/emu/vioapic.h"
#include "vmm/emu/vlapic.h"

#define LAPIC	"$0xfee00000"
#define CODE	0x10000
#define A(lbl, snip)	"$(" #lbl " - " #snip "_start + 0x10000)"

/* ---- harness additions: more page tables, threads, an IRQ port ---- */

/* Map 3-4 GiB too (LAPIC, IOAPIC), 2 MiB pages, PD at 0x5000. */
static void
map_apic(struct fx *fx)
{
	put64(fx, 0x3000 + 3 * 8, 0x5000 | 3);
	for (uint64_t i = 0; i < 512; i++)
		put64(fx, 0x5000 + i * 8, ((3ULL << 30) + (i << 21)) | 0x9b);
}

static void
start_long(struct fx *fx, const uint8_t *s, const uint8_t *e)
{
	load(fx, CODE, s, e);
	set_long(fx, CODE);
	map_apic(fx);
	vm_set_capability(fx->vcpu, VM_CAP_HALT_EXIT, 0);
}

/*
 * Ports the guests use to drive interrupt lines (as pc-testdev's): AL is
 * the pin/IRQ.  0xe0/0xe1/0xe2 IOAPIC assert/deassert/pulse, 0xe3/0xe4/
 * 0xe5 ISA (8259 only) assert/deassert/pulse.
 */
static struct vmctx *irq_ctx;
static _Atomic int nspinup;
static uint64_t spinup_rip;
static int spinup_vcpu;
static pthread_t ap_thread;
static struct vm_exit ap_vme;

static void *
ap_main(void *arg)
{
	struct vcpu *vcpu = arg;

	for (;;) {
		vm_run(vcpu, &ap_vme);
		if (ap_vme.exitcode == VM_EXITCODE_SUSPENDED ||
		    ap_vme.exitcode == VM_EXITCODE_DEBUG)
			break;
	}
	return (NULL);
}

static int
ihandler(struct vcpu *vcpu, struct vm_exit *vme)
{
	if (vme->exitcode == VM_EXITCODE_INOUT && !vme->u.inout.in &&
	    vme->u.inout.port >= 0xe0 && vme->u.inout.port <= 0xe5) {
		int n = vme->u.inout.eax & 0xff;
		switch (vme->u.inout.port) {
		case 0xe0: vm_ioapic_assert_irq(irq_ctx, n); break;
		case 0xe1: vm_ioapic_deassert_irq(irq_ctx, n); break;
		case 0xe2: vm_ioapic_pulse_irq(irq_ctx, n); break;
		case 0xe3: vm_isa_assert_irq(irq_ctx, n, -1); break;
		case 0xe4: vm_isa_deassert_irq(irq_ctx, n, -1); break;
		case 0xe5: vm_isa_pulse_irq(irq_ctx, n, -1); break;
		}
		return (VMEXIT_CONTINUE);
	}
	if (vme->exitcode == VM_EXITCODE_SPINUP_AP) {
		struct vcpu *ap = vm_vcpu_open(irq_ctx, vme->u.spinup_ap.vcpu);
		atomic_fetch_add(&nspinup, 1);
		spinup_rip = vme->u.spinup_ap.rip;
		spinup_vcpu = vme->u.spinup_ap.vcpu;
		vm_vcpu_startup(ap, vme->u.spinup_ap.rip);
		pthread_create(&ap_thread, NULL, ap_main, ap);
		return (VMEXIT_CONTINUE);
	}
	return (handler(vcpu, vme));
}

static struct fx smp[4];

static int
setup_n(void **state, int n)
{
	char err[128];

	memset(&T, 0, sizeof(T));
	atomic_store(&nspinup, 0);
	smp[0].ctx = vm_create("intr", "emu", n, err, sizeof(err));
	if (smp[0].ctx == NULL || vm_setup_memory(smp[0].ctx, RAMSIZE) != 0)
		return (-1);
	irq_ctx = smp[0].ctx;
	vm_set_exit_handler(smp[0].ctx, ihandler);
	for (int i = 0; i < n; i++) {
		smp[i].ctx = smp[0].ctx;
		smp[i].vcpu = vm_vcpu_open(smp[0].ctx, i);
		smp[i].ram = vm_map_gpa(smp[0].ctx, 0, RAMSIZE);
		if (smp[i].vcpu == NULL || smp[i].ram == NULL)
			return (-1);
	}
	*state = &smp[0];
	return (0);
}

static int setup1(void **state) { return (setup_n(state, 1)); }
static int setup2(void **state) { return (setup_n(state, 2)); }
static int setup4(void **state) { return (setup_n(state, 4)); }

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
}

struct runner {
	struct fx *fx;
	struct vm_exit vme;
	pthread_t t;
};

static void *
runner_main(void *arg)
{
	struct runner *r = arg;

	vm_run(r->fx->vcpu, &r->vme);
	return (NULL);
}

static void
run_bg(struct runner *r, struct fx *fx)
{
	r->fx = fx;
	assert_int_equal(pthread_create(&r->t, NULL, runner_main, r), 0);
}

/* Join with a generous bound; on timeout stop the VM and fail. */
static void
join_bg(struct runner *r, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	if (pthread_timedjoin_np(r->t, NULL, &ts) != 0) {
		vm_suspend(r->fx->ctx, VM_SUSPEND_POWEROFF);
		pthread_join(r->t, NULL);
		fail_msg("vCPU did not finish within %d s", secs);
	}
}

/* Run the BSP to the port 0xF4 exit (the harness aborts there). */
static void
run_to_f4(struct fx *fx)
{
	struct vm_exit vme = run(fx);

	assert_int_equal(vme.exitcode, VM_EXITCODE_DEBUG);
	assert_true(T.got_f4);
}

/* ---- LAPIC timer ---- */

/*
 * ESI = LVT timer, EDX = initial count (divide by 1: 40 ns a tick), ECX =
 * how many interrupts to wait for.  R9 = TMCCT at the end.
 */
SNIPPET(tmr, ".code64",
    "mov " LAPIC ", %rdi\n"
    "movl $0x1ff, 0xf0(%rdi)\n"
    "movl $0xb, 0x3e0(%rdi)\n"
    "mov %esi, 0x320(%rdi)\n"
    "mov %edx, 0x380(%rdi)\n"
    "sti\n"
    "1: hlt\n cmp %rcx, %rbx\n jb 1b\n"
    "cli\n mov 0x390(%rdi), %r9d\n"
    "mov 0x100 + 0x20(%rdi), %r10d\n"	/* ISR bits 64-95 */
    "out %al, $0xf4\n"
    ".globl tmr_isr\n tmr_isr:\n"
    "inc %rbx\n movl $0, 0xb0(%rdi)\n iretq\n");
extern const uint8_t tmr_isr[];

static void
timer_case(struct fx *fx, uint32_t lvt, uint32_t count, int n,
    uint64_t min_ns)
{
	uint64_t t0;

	start_long(fx, tmr_start, tmr_end);
	idt64(fx, 0x40, CODE + (tmr_isr - tmr_start));
	vm_set_register(fx->vcpu, VM_REG_GUEST_RSI, lvt);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RDX, count);
	vm_set_register(fx->vcpu, VM_REG_GUEST_RCX, n);
	t0 = now_ns();
	run_to_f4(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), n);
	assert_true(now_ns() - t0 >= min_ns);
	assert_true(now_ns() - t0 < 5000000000ULL);
	assert_int_equal(reg(fx, VM_REG_GUEST_R10), 0);	/* all EOI'd */
}

static void
test_lapic_timer_oneshot(void **state)
{
	struct fx *fx = *state;

	/* 250000 ticks of 40 ns: 10 ms */
	timer_case(fx, 0x40, 250000, 1, 10000000);
	assert_int_equal(reg(fx, VM_REG_GUEST_R9), 0);	/* TMCCT ran out */
}

static void
test_lapic_timer_periodic(void **state)
{
	struct fx *fx = *state;

	/* 1 ms period, 5 interrupts: at least 5 ms */
	timer_case(fx, 0x20040, 25000, 5, 5000000);
	/* still counting down, within the period */
	assert_true(reg(fx, VM_REG_GUEST_R9) <= 25000);
}

/* TSC-deadline: WRMSR 0x6E0 = now + 2,000,000 TSC ticks (1 ms at 2 GHz) */
SNIPPET(tscdl, ".code64",
    "mov " LAPIC ", %rdi\n"
    "movl $0x1ff, 0xf0(%rdi)\n"
    "movl $0x40040, 0x320(%rdi)\n"
    "rdtsc\n shl $32, %rdx\n or %rax, %rdx\n mov %rdx, %r8\n"
    "lea 2000000(%rdx), %rax\n mov %rax, %rdx\n shr $32, %rdx\n"
    "mov $0x6e0, %ecx\n wrmsr\n"
    "rdmsr\n shl $32, %rdx\n or %rax, %rdx\n mov %rdx, %r11\n"
    "sti\n"
    "1: hlt\n test %rbx, %rbx\n jz 1b\n"
    "cli\n rdtsc\n shl $32, %rdx\n or %rax, %rdx\n sub %r8, %rdx\n"
    "mov %rdx, %r12\n"
    "mov $0x6e0, %ecx\n rdmsr\n mov %rax, %r13\n"
    "out %al, $0xf4\n"
    ".globl tscdl_isr\n tscdl_isr:\n"
    "inc %rbx\n movl $0, 0xb0(%rdi)\n iretq\n");
extern const uint8_t tscdl_isr[];

static void
test_lapic_timer_tscdeadline(void **state)
{
	struct fx *fx = *state;
	uint32_t r[4];

	start_long(fx, tscdl_start, tscdl_end);
	idt64(fx, 0x40, CODE + (tscdl_isr - tscdl_start));
	run_to_f4(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 1);
	/* the MSR read back what was written, then cleared on expiry */
	assert_int_equal(reg(fx, VM_REG_GUEST_R11),
	    reg(fx, VM_REG_GUEST_R8) + 2000000);
	assert_int_equal(reg(fx, VM_REG_GUEST_R13), 0);
	assert_true(reg(fx, VM_REG_GUEST_R12) >= 2000000);
	(void)r;
}

/* ---- self-IPI, TPR, EOI, the STI shadow ---- */

SNIPPET(ipi, ".code64",
    "mov " LAPIC ", %rdi\n"
    "movl $0x1ff, 0xf0(%rdi)\n"
    "movl $0x60, 0x80(%rdi)\n"		/* TPR class 6 */
    "movl $0, 0x310(%rdi)\n"
    "movl $0x40050, 0x300(%rdi)\n"	/* self, fixed, vector 0x50 */
    "mov 0x220(%rdi), %r8d\n"		/* IRR 64-95: bit 16 */
    "mov 0xa0(%rdi), %r9d\n"		/* PPR */
    "sti\n nop\n jmp 1f\n 1: nop\n"
    "mov %rbx, %r10\n"			/* TPR holds it back: 0 */
    "cli\n movl $0, 0x80(%rdi)\n"	/* TPR 0 */
    "sti\n mov $1, %r12\n"		/* shadow: runs first */
    "jmp 1f\n 1: nop\n"
    "mov %rbx, %r11\n"
    "mov 0x120(%rdi), %r14d\n"		/* ISR after EOI */
    "out %al, $0xf4\n"
    ".globl ipi_isr\n ipi_isr:\n"
    "inc %rbx\n mov %r12, %r13\n mov 0x120(%rdi), %r15d\n"
    "movl $0, 0xb0(%rdi)\n iretq\n");
extern const uint8_t ipi_isr[];

static void
test_self_ipi_tpr_eoi(void **state)
{
	struct fx *fx = *state;

	start_long(fx, ipi_start, ipi_end);
	idt64(fx, 0x50, CODE + (ipi_isr - ipi_start));
	run_to_f4(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_R8), 1u << 16);
	assert_int_equal(reg(fx, VM_REG_GUEST_R9), 0x60);
	assert_int_equal(reg(fx, VM_REG_GUEST_R10), 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_R11), 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_R13), 1);	/* after STI+1 */
	assert_int_equal(reg(fx, VM_REG_GUEST_R15), 1u << 16);	/* in ISR */
	assert_int_equal(reg(fx, VM_REG_GUEST_R14), 0);
	/* CR8 is TPR[7:4] */
	assert_int_equal(reg(fx, VM_REG_GUEST_CR8), 0);
}

/* x2APIC: ID/version MSRs, self-IPI MSR 0x83F, EOI MSR 0x80B */
SNIPPET(x2, ".code64",
    "mov $0x80f, %ecx\n mov $0x1ff, %eax\n xor %edx, %edx\n wrmsr\n"
    "mov $0x802, %ecx\n rdmsr\n mov %rax, %r8\n"
    "mov $0x803, %ecx\n rdmsr\n mov %rax, %r9\n"
    "mov $0x80d, %ecx\n rdmsr\n mov %rax, %r10\n"	/* LDR */
    "mov $0x83f, %ecx\n mov $0x51, %eax\n wrmsr\n"
    "sti\n nop\n jmp 1f\n 1: nop\n cli\n"
    "mov $0x1b, %ecx\n rdmsr\n mov %rax, %r11\n"
    "out %al, $0xf4\n"
    ".globl x2_isr\n x2_isr:\n"
    "inc %rbx\n mov $0x80b, %ecx\n xor %eax, %eax\n xor %edx, %edx\n"
    "wrmsr\n iretq\n");
extern const uint8_t x2_isr[];

static void
test_x2apic_self_ipi(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(vm_set_x2apic_state(fx->vcpu, X2APIC_ENABLED), 0);
	start_long(fx, x2_start, x2_end);
	idt64(fx, 0x51, CODE + (x2_isr - x2_start));
	run_to_f4(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_R8), 0);		/* ID */
	assert_int_equal(reg(fx, VM_REG_GUEST_R9), 0x50014);
	assert_int_equal(reg(fx, VM_REG_GUEST_R10), 1);		/* LDR */
	assert_int_equal(reg(fx, VM_REG_GUEST_R11), 0xfee00d00);
}

/* ---- IOAPIC ---- */

/*
 * Pin 6 edge (vector 0x61), pin 5 level (vector 0x60), both to APIC 0.
 * Edge: assert (IRQ), assert again (no edge), deassert, assert (IRQ).
 * Level: assert -> IRQ; the handler sees remote IRR, EOIs; the line is
 * still high so it comes back until the handler deasserts it (3rd time).
 */
SNIPPET(ioa, ".code64",
    "mov " LAPIC ", %rdi\n mov $0xfec00000, %rsi\n"
    "movl $0x1ff, 0xf0(%rdi)\n"
    "movl $0x1c, (%rsi)\n movl $0x61, 0x10(%rsi)\n"
    "movl $0x1d, (%rsi)\n movl $0, 0x10(%rsi)\n"
    "movl $0x1a, (%rsi)\n movl $0x8060, 0x10(%rsi)\n"
    "movl $0x1b, (%rsi)\n movl $0, 0x10(%rsi)\n"
    "movl $1, (%rsi)\n mov 0x10(%rsi), %eax\n mov %eax, %r15d\n"
    "sti\n"
    "mov $6, %al\n out %al, $0xe0\n jmp 1f\n 1:"
    "mov $6, %al\n out %al, $0xe0\n jmp 1f\n 1:"
    "mov $6, %al\n out %al, $0xe1\n jmp 1f\n 1:"
    "mov $6, %al\n out %al, $0xe0\n jmp 1f\n 1:"
    "mov $5, %al\n out %al, $0xe0\n jmp 1f\n 1:"
    "2: cmp $3, %r12\n jb 2b\n"
    "movl $0x1a, (%rsi)\n mov 0x10(%rsi), %eax\n mov %eax, %r14d\n"
    "cli\n out %al, $0xf4\n"
    ".globl ioa_edge\n ioa_edge:\n"
    "inc %rbx\n movl $0, 0xb0(%rdi)\n iretq\n"
    ".globl ioa_level\n ioa_level:\n"
    "inc %r12\n"
    "movl $0x1a, (%rsi)\n mov 0x10(%rsi), %eax\n mov %eax, %r13d\n"
    "cmp $3, %r12\n jb 3f\n mov $5, %al\n out %al, $0xe1\n"
    "3: movl $0, 0xb0(%rdi)\n iretq\n");
extern const uint8_t ioa_edge[], ioa_level[];

static void
test_ioapic_edge_level(void **state)
{
	struct fx *fx = *state;

	start_long(fx, ioa_start, ioa_end);
	idt64(fx, 0x61, CODE + (ioa_edge - ioa_start));
	idt64(fx, 0x60, CODE + (ioa_level - ioa_start));
	run_to_f4(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_R15), 0x170011);	/* version */
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 2);
	assert_int_equal(reg(fx, VM_REG_GUEST_R12), 3);
	/* in the handler: remote IRR set; after the last EOI: clear */
	assert_int_equal(reg(fx, VM_REG_GUEST_R13), 0xc060);
	assert_int_equal(reg(fx, VM_REG_GUEST_R14), 0x8060);
}

/*
 * ---- IOAPIC polarity against the board's wiring ----
 * Driven from C: RTEs through the IOAPIC window, lines through
 * vm_ioapic_*_irq (a device's "assert"), vCPU 0's IRR read back.
 */
static void
ioa_wr(struct vmctx *ctx, uint32_t reg, uint32_t val)
{
	uint64_t v = reg;

	vioapic_mmio(ctx, 0x00, 4, false, &v);
	v = val;
	vioapic_mmio(ctx, 0x10, 4, false, &v);
}

static uint32_t
ioa_rd(struct vmctx *ctx, uint32_t reg)
{
	uint64_t v = reg;

	vioapic_mmio(ctx, 0x00, 4, false, &v);
	vioapic_mmio(ctx, 0x10, 4, true, &v);
	return ((uint32_t)v);
}

static bool
irr_has(struct emu_cpu *cpu, int vec)
{
	uint64_t v = 0;

	vlapic_mmio(cpu, 0x200 + (vec / 32) * 0x10, 4, true, &v);
	return ((v >> (vec % 32)) & 1);
}

static void
test_ioapic_polarity(void **state)
{
	struct fx *fx = *state;
	struct emu_cpu *cpu = fx->vcpu->backend;
	uint64_t svr = 0x1ff;

	vlapic_mmio(cpu, 0xf0, 4, false, &svr);
	/* PCI pin 19 (wired active low), level, programmed active low */
	ioa_wr(fx->ctx, 0x10 + 2 * 19, 0xa050);
	assert_false(irr_has(cpu, 0x50));
	vm_ioapic_assert_irq(fx->ctx, 19);
	assert_true(irr_has(cpu, 0x50));
	assert_int_equal(ioa_rd(fx->ctx, 0x10 + 2 * 19), 0xe050);  /* RIRR */
	/* the SCI (IRQ 9, wired active low), level, active low */
	ioa_wr(fx->ctx, 0x10 + 2 * 9, 0xa053);
	assert_false(irr_has(cpu, 0x53));
	vm_ioapic_assert_irq(fx->ctx, 9);
	assert_true(irr_has(cpu, 0x53));
	/* pin 20 programmed active high against its wiring: the idle line
	 * reads active, so unmasking it delivers at once */
	ioa_wr(fx->ctx, 0x10 + 2 * 20, 0x8051);
	assert_true(irr_has(cpu, 0x51));
	/* ISA pin 5 (active high), edge, programmed active low: the
	 * assert is a falling edge, the de-assert the rising one */
	ioa_wr(fx->ctx, 0x10 + 2 * 5, 0x2052);
	vm_ioapic_assert_irq(fx->ctx, 5);
	assert_false(irr_has(cpu, 0x52));
	vm_ioapic_deassert_irq(fx->ctx, 5);
	assert_true(irr_has(cpu, 0x52));
	/* ISA pin 6 matching (edge, active high): the assert delivers */
	ioa_wr(fx->ctx, 0x10 + 2 * 6, 0x0054);
	vm_ioapic_assert_irq(fx->ctx, 6);
	assert_true(irr_has(cpu, 0x54));
}

/*
 * IMCR: after reset (PIC mode) only the BSP hears the 8259, even through
 * an AP's LINT0 programmed ExtINT; IMCR = 1 connects every LINT0.
 */
static void
imcr_out(struct emu_cpu *cpu, uint16_t port, uint8_t v)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	vme.exitcode = VM_EXITCODE_INOUT;
	vme.u.inout.port = port;
	vme.u.inout.bytes = 1;
	vme.u.inout.eax = v;
	assert_true(emu_intr_exit(cpu, &vme));
}

static void
test_imcr(void **state)
{
	struct emu_cpu *bsp = smp[0].vcpu->backend;
	struct emu_cpu *ap = smp[1].vcpu->backend;
	uint64_t svr = 0x1ff, lint0 = 0x700;	/* ExtINT, unmasked */

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct emu_cpu *c = smp[i].vcpu->backend;
		vlapic_mmio(c, 0xf0, 4, false, &svr);
		vlapic_mmio(c, 0x350, 4, false, &lint0);
	}
	assert_true(vlapic_extint_ok(bsp));
	assert_false(vlapic_extint_ok(ap));
	imcr_out(bsp, 0x22, 0x70);
	imcr_out(bsp, 0x23, 0x01);
	assert_true(vlapic_extint_ok(bsp));
	assert_true(vlapic_extint_ok(ap));
	imcr_out(bsp, 0x23, 0x00);
	assert_false(vlapic_extint_ok(ap));
}

/* ---- 8259 with the LAPIC disabled ---- */

/*
 * LAPIC left software-disabled (SVR 0xff): the 8259 reaches the BSP
 * directly.  Master at 0x20, slave at 0x28; IRQ 3 edge, IRQ 10 level
 * (ELCR).  IRR read back with IF=0; ISR seen inside the handler.
 */
SNIPPET(pic, ".code64",
    "mov $0x11, %al\n out %al, $0x20\n mov $0x20, %al\n out %al, $0x21\n"
    "mov $4, %al\n out %al, $0x21\n mov $1, %al\n out %al, $0x21\n"
    "mov $0x11, %al\n out %al, $0xa0\n mov $0x28, %al\n out %al, $0xa1\n"
    "mov $2, %al\n out %al, $0xa1\n mov $1, %al\n out %al, $0xa1\n"
    "mov $0xf3, %al\n out %al, $0x21\n"	/* IRQ 2, 3 unmasked */
    "mov $0xfb, %al\n out %al, $0xa1\n"	/* IRQ 10 unmasked */
    "mov $0x04, %al\n mov $0x4d1, %dx\n out %al, %dx\n"	/* IRQ 10 level */
    "in %dx, %al\n movzbl %al, %r8d\n"
    "mov $3, %al\n out %al, $0xe5\n"	/* pulse IRQ 3, IF=0 */
    "mov $0x0a, %al\n out %al, $0x20\n in $0x20, %al\n movzbl %al, %r9d\n"
    "sti\n jmp 1f\n 1: nop\n"
    "mov $10, %al\n out %al, $0xe3\n jmp 1f\n 1: nop\n"
    "cli\n in $0x21, %al\n movzbl %al, %r10d\n"
    "out %al, $0xf4\n"
    ".globl pic_irq3\n pic_irq3:\n"
    "inc %rbx\n mov $0x0b, %al\n out %al, $0x20\n in $0x20, %al\n"
    "movzbl %al, %r11d\n mov $0x20, %al\n out %al, $0x20\n iretq\n"
    ".globl pic_irq10\n pic_irq10:\n"
    "inc %r12\n mov $10, %al\n out %al, $0xe4\n"
    "mov $0x0b, %al\n out %al, $0xa0\n in $0xa0, %al\n movzbl %al, %r13d\n"
    "mov $0x20, %al\n out %al, $0xa0\n out %al, $0x20\n iretq\n");
extern const uint8_t pic_irq3[], pic_irq10[];

static void
test_pic_apic_disabled(void **state)
{
	struct fx *fx = *state;

	start_long(fx, pic_start, pic_end);
	idt64(fx, 0x23, CODE + (pic_irq3 - pic_start));
	idt64(fx, 0x2a, CODE + (pic_irq10 - pic_start));
	run_to_f4(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_R8), 0x04);	/* ELCR */
	assert_int_equal(reg(fx, VM_REG_GUEST_R9), 0x08);	/* IRR */
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_R11), 0x08);	/* ISR */
	assert_int_equal(reg(fx, VM_REG_GUEST_R12), 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_R13), 0x04);	/* slave ISR */
	assert_int_equal(reg(fx, VM_REG_GUEST_R10), 0xf3);	/* IMR */
}

/* ---- 8254 ---- */

/*
 * Channel 0, mode 2, 1193 (1 ms) -> IRQ 0 -> vector 0x20 through the 8259;
 * wait for 10 ticks.  Then channel 2, mode 0, 11932 (10 ms) gated by port
 * 0x61: the status read-back shows OUT low, then poll bit 5 until high.
 */
SNIPPET(pit, ".code64",
    "mov $0x11, %al\n out %al, $0x20\n mov $0x20, %al\n out %al, $0x21\n"
    "mov $4, %al\n out %al, $0x21\n mov $1, %al\n out %al, $0x21\n"
    "mov $0xfe, %al\n out %al, $0x21\n"
    "mov $0x34, %al\n out %al, $0x43\n"
    "mov $0xa9, %al\n out %al, $0x40\n mov $0x04, %al\n out %al, $0x40\n"
    "sti\n 1: hlt\n cmp $10, %rbx\n jb 1b\n cli\n"
    "mov $0xff, %al\n out %al, $0x21\n"
    "mov $1, %al\n out %al, $0x61\n"		/* gate 2 high */
    "mov $0xb0, %al\n out %al, $0x43\n"		/* ch2 mode 0 lsb/msb */
    "mov $0x9c, %al\n out %al, $0x42\n mov $0x2e, %al\n out %al, $0x42\n"
    "mov $0x80, %al\n out %al, $0x43\n"		/* latch ch2 */
    "in $0x42, %al\n movzbl %al, %r8d\n in $0x42, %al\n movzbl %al, %eax\n"
    "shl $8, %eax\n or %eax, %r8d\n"
    "mov $0xe8, %al\n out %al, $0x43\n"		/* read-back status ch2 */
    "in $0x42, %al\n movzbl %al, %r9d\n"
    "in $0x61, %al\n movzbl %al, %r10d\n"
    "2: inc %r11\n in $0x61, %al\n test $0x20, %al\n jz 2b\n"
    "mov $0xe8, %al\n out %al, $0x43\n in $0x42, %al\n movzbl %al, %r12d\n"
    "out %al, $0xf4\n"
    ".globl pit_isr\n pit_isr:\n"
    "inc %rbx\n push %rax\n mov $0x20, %al\n out %al, $0x20\n pop %rax\n"
    "iretq\n");
extern const uint8_t pit_isr[];

static void
test_pit(void **state)
{
	struct fx *fx = *state;
	uint64_t t0;

	start_long(fx, pit_start, pit_end);
	idt64(fx, 0x20, CODE + (pit_isr - pit_start));
	t0 = now_ns();
	run_to_f4(fx);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 10);
	/* 10 ticks of 1 ms, then 10 ms of channel 2 */
	assert_true(now_ns() - t0 >= 19000000);
	assert_true(now_ns() - t0 < 10000000000ULL);
	assert_true(reg(fx, VM_REG_GUEST_R8) <= 11932);
	assert_true(reg(fx, VM_REG_GUEST_R8) > 0);
	assert_int_equal(reg(fx, VM_REG_GUEST_R9), 0x30);	/* OUT low */
	assert_int_equal(reg(fx, VM_REG_GUEST_R10) & 0x21, 0x01);
	assert_true(reg(fx, VM_REG_GUEST_R11) >= 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_R12), 0xb0);	/* OUT high */
}

/* ---- waking from other threads ---- */

SNIPPET(wake, ".code64",
    "mov " LAPIC ", %rdi\n movl $0x1ff, 0xf0(%rdi)\n"
    "sti\n movl $1, 0x9200\n"			/* ready for the test */
    "test %rsi, %rsi\n jnz 2f\n"
    "1: hlt\n test %rbx, %rbx\n jz 1b\n jmp 3f\n"
    "2: test %rbx, %rbx\n jz 2b\n"		/* tight loop */
    "3: cli\n out %al, $0xf4\n"
    ".globl wake_isr\n wake_isr:\n"
    "inc %rbx\n movl $0, 0xb0(%rdi)\n iretq\n"
    ".globl wake_nmi\n wake_nmi:\n"
    "inc %rbx\n inc %r12\n iretq\n");
extern const uint8_t wake_isr[], wake_nmi[];

static void
wake_case(struct fx *fx, bool spin, bool nmi)
{
	struct runner r;
	struct timespec d = { 0, 20000000 };

	start_long(fx, wake_start, wake_end);
	idt64(fx, 0x41, CODE + (wake_isr - wake_start));
	idt64(fx, 2, CODE + (wake_nmi - wake_start));
	vm_set_register(fx->vcpu, VM_REG_GUEST_RSI, spin);
	memset(fx->ram + 0x9200, 0, 4);
	run_bg(&r, fx);
	/* the APIC must be enabled first: a disabled one drops fixed IRQs */
	for (int i = 0; i < 500 && !__atomic_load_n(fx->ram + 0x9200,
	    __ATOMIC_ACQUIRE); i++)
		nanosleep(&d, NULL);
	nanosleep(&d, NULL);
	if (nmi)
		assert_int_equal(vm_inject_nmi(fx->vcpu), 0);
	else
		assert_int_equal(vm_lapic_msi(fx->ctx, 0xfee00000, 0x41), 0);
	join_bg(&r, 10);
	assert_true(T.got_f4);
	assert_int_equal(reg(fx, VM_REG_GUEST_RBX), 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_R12), nmi ? 1 : 0);
}

static void
test_hlt_woken_by_msi(void **state)
{
	wake_case(*state, false, false);
}

static void
test_tight_loop_takes_interrupt(void **state)
{
	wake_case(*state, true, false);
}

static void
test_nmi_wakes_hlt(void **state)
{
	wake_case(*state, false, true);
}

/* ---- INIT / SIPI ---- */

/* The AP trampoline at 0x8000 (real mode): its CPUID APIC ID and a flag. */
SNIPPET(tramp, ".code16",
    "mov $1, %eax\n cpuid\n shr $24, %ebx\n mov %ebx, %cs:0x208\n"
    "movl $0xcafe, %cs:0x200\n"
    "lock incl %cs:0x204\n"
    "1: cli\n hlt\n jmp 1b\n");

SNIPPET(bsp, ".code64",
    "mov " LAPIC ", %rdi\n movl $0x1ff, 0xf0(%rdi)\n"
    "movl $0x01000000, 0x310(%rdi)\n"
    "movl $0x4500, 0x300(%rdi)\n"		/* INIT assert */
    "movl $0x8500, 0x300(%rdi)\n"		/* INIT deassert */
    "movl $0x4608, 0x300(%rdi)\n"		/* SIPI 0x8000 */
    "movl $0x4608, 0x300(%rdi)\n"		/* and again */
    "1: pause\n cmpl $0xcafe, 0x8200\n jne 1b\n"
    "out %al, $0xf4\n");

static void
test_init_sipi(void **state)
{
	struct fx *fx = *state;
	uint32_t v;

	start_long(fx, bsp_start, bsp_end);
	memcpy(fx->ram + 0x8000, tramp_start, tramp_end - tramp_start);
	vm_notify_write(fx->ctx, 0x8000, tramp_end - tramp_start);
	run_to_f4(fx);
	assert_int_equal(atomic_load(&nspinup), 1);
	assert_int_equal(spinup_vcpu, 1);
	assert_int_equal(spinup_rip, 0x8000);
	vm_suspend(fx->ctx, VM_SUSPEND_POWEROFF);
	pthread_join(ap_thread, NULL);
	memcpy(&v, fx->ram + 0x8208, 4);
	assert_int_equal(v, 1);				/* APIC ID 1 */
	memcpy(&v, fx->ram + 0x8204, 4);
	assert_int_equal(v, 1);				/* ran once */
}

/* ---- SMP: LOCK'd read-modify-writes from 4 threads ---- */

SNIPPET(locks, ".code64",
    "mov $1000000, %ecx\n"
    "1: lock incl 0x9000\n"
    "mov $1, %eax\n lock xaddl %eax, 0x9004\n"
    "2: mov 0x9008, %eax\n lea 1(%rax), %edx\n"
    "lock cmpxchgl %edx, 0x9008\n jnz 2b\n"
    "dec %ecx\n jnz 1b\n"
    "hlt\n");

static void
test_smp_lock_inc(void **state)
{
	struct runner r[4];
	uint32_t v[3];

	(void)state;
	load(&smp[0], CODE, locks_start, locks_end);
	for (int i = 0; i < 4; i++) {
		set_long(&smp[i], CODE);
		vm_set_register(smp[i].vcpu, VM_REG_GUEST_RSP, 0x80000 -
		    i * 0x1000);
		vm_set_capability(smp[i].vcpu, VM_CAP_HALT_EXIT, 1);
	}
	memset(smp[0].ram + 0x9000, 0, 12);
	for (int i = 0; i < 4; i++)
		run_bg(&r[i], &smp[i]);
	for (int i = 0; i < 4; i++) {
		join_bg(&r[i], 120);
		assert_int_equal(r[i].vme.exitcode, VM_EXITCODE_HLT);
	}
	memcpy(v, smp[0].ram + 0x9000, 12);
	assert_int_equal(v[0], 4000000);
	assert_int_equal(v[1], 4000000);
	assert_int_equal(v[2], 4000000);
}

/*
 * LOCK CMPXCHG16B (a host CMPXCHG16B) and a `lock incl` straddling the
 * 0xA000 page boundary (the stop-the-world path), from 4 threads: the two
 * halves of the pair move together and nothing is lost.
 */
SNIPPET(locks16, ".code64",
    "mov $200000, %r8d\n"
    "1: mov 0x9100, %rax\n mov 0x9108, %rdx\n"
    "2: lea 1(%rax), %rbx\n lea 1(%rdx), %rcx\n"
    "lock cmpxchg16b 0x9100\n jnz 2b\n"
    "lock incl 0x9ffe\n"
    "dec %r8d\n jnz 1b\n"
    "hlt\n");

static void
test_smp_cmpxchg16b_split(void **state)
{
	struct runner r[4];
	uint64_t pair[2];
	uint32_t split;

	(void)state;
	load(&smp[0], CODE, locks16_start, locks16_end);
	for (int i = 0; i < 4; i++) {
		set_long(&smp[i], CODE);
		vm_set_register(smp[i].vcpu, VM_REG_GUEST_RSP, 0x80000 -
		    i * 0x1000);
		vm_set_capability(smp[i].vcpu, VM_CAP_HALT_EXIT, 1);
	}
	memset(smp[0].ram + 0x9100, 0, 16);
	memset(smp[0].ram + 0x9ffe, 0, 4);
	for (int i = 0; i < 4; i++)
		run_bg(&r[i], &smp[i]);
	for (int i = 0; i < 4; i++) {
		join_bg(&r[i], 120);
		assert_int_equal(r[i].vme.exitcode, VM_EXITCODE_HLT);
	}
	memcpy(pair, smp[0].ram + 0x9100, 16);
	memcpy(&split, smp[0].ram + 0x9ffe, 4);
	assert_int_equal(pair[0], 800000);
	assert_int_equal(pair[1], 800000);
	assert_int_equal(split, 800000);
}

/*
 * ---- IPIs among vCPUs ----
 * vCPU 0 sends vector 0x42 to logical (flat) destination 0x02, which
 * vCPU 1 took as its LDR; vCPU 1 answers with "all excluding self".
 */

SNIPPET(ping, ".code64",
    "mov " LAPIC ", %rdi\n movl $0x1ff, 0xf0(%rdi)\n"
    "test %rsi, %rsi\n jnz 2f\n"
    /* vCPU 0: wait for 1 to be ready, IPI it, wait for its answer */
    "1: cmpl $1, 0x9100\n jne 1b\n"
    "movl $0x02000000, 0x310(%rdi)\n movl $0x4842, 0x300(%rdi)\n"
    "sti\n 3: hlt\n test %rbx, %rbx\n jz 3b\n cli\n out %al, $0xf4\n"
    /* vCPU 1: ready, halt; on the IPI answer vCPU 0 (logical flat 1) */
    "2: movl $0xffffffff, 0xe0(%rdi)\n movl $0x02000000, 0xd0(%rdi)\n"
    "sti\n movl $1, 0x9100\n 4: hlt\n test %rbx, %rbx\n jz 4b\n"
    "movl $0xc4042, 0x300(%rdi)\n"	/* all but self */
    "cli\n 5: hlt\n jmp 5b\n"
    ".globl ping_isr\n ping_isr:\n"
    "inc %rbx\n movl $0, 0xb0(%rdi)\n iretq\n");
extern const uint8_t ping_isr[];

static void
test_ipi_between_vcpus(void **state)
{
	struct runner r1;
	uint32_t zero = 0;

	(void)state;
	load(&smp[0], CODE, ping_start, ping_end);
	memcpy(smp[0].ram + 0x9100, &zero, 4);
	for (int i = 0; i < 2; i++) {
		set_long(&smp[i], CODE);
		map_apic(&smp[i]);
		idt64(&smp[i], 0x42, CODE + (ping_isr - ping_start));
		vm_set_register(smp[i].vcpu, VM_REG_GUEST_RSI, i);
		vm_set_register(smp[i].vcpu, VM_REG_GUEST_RSP, 0x80000 -
		    i * 0x1000);
		vm_set_capability(smp[i].vcpu, VM_CAP_HALT_EXIT, 0);
	}
	run_bg(&r1, &smp[1]);
	run_to_f4(&smp[0]);
	vm_suspend(smp[0].ctx, VM_SUSPEND_POWEROFF);
	join_bg(&r1, 10);
	assert_int_equal(reg(&smp[0], VM_REG_GUEST_RBX), 1);
	assert_int_equal(reg(&smp[1], VM_REG_GUEST_RBX), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lapic_timer_oneshot,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(test_lapic_timer_periodic,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(test_lapic_timer_tscdeadline,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(test_self_ipi_tpr_eoi,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(test_x2apic_self_ipi,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(test_ioapic_edge_level,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(test_pic_apic_disabled,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(test_pit, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_hlt_woken_by_msi,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tight_loop_takes_interrupt, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_nmi_wakes_hlt,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(test_init_sipi, setup2,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ipi_between_vcpus,
		    setup2, teardown),
		cmocka_unit_test_setup_teardown(test_smp_lock_inc, setup4,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ioapic_polarity,
		    setup1, teardown),
		cmocka_unit_test_setup_teardown(test_imcr, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_smp_cmpxchg16b_split,
		    setup4, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
