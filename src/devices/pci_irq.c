/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_irq.c: PCI INTx routing, as bhyve models it: an ICH-style PIRQ
 * router with eight inputs steered to ISA IRQs for the 8259, and IOAPIC
 * pins 16-23 for the same lines in APIC mode.  Shared lines are ORed
 * here, so a backend only ever sees one assert per rising edge of the
 * combined level (KVM's KVM_IRQ_LINE is a level, not a count).
 */
#include <pthread.h>
#include <stdbool.h>

#include "devices/pci_irq.h"
#include "platform/platform.h"
#include "vmm/vmm.h"

/*
 * The ICH10 PIRQ routing registers (Intel ICH10 datasheet §13.1.13,
 * PIRQ[n]_ROUT): bit 7 disables the routing, bits 3:0 pick the ISA IRQ.
 * Only IRQs 3-7, 9-12 and 14-15 are valid routes; any other value
 * behaves as disabled.
 */
#define PERMITTED_IRQS		0xdef8
#define IRQ_PERMITTED(irq)	(((1u << (irq)) & PERMITTED_IRQS) != 0)
#define NISA_IRQS		16
#define IRQ_RESERVED		0xff	/* irq_counts[]: not for PCI */
#define NIOAPIC_PCI_PINS	8

static pthread_mutex_t pirq_mtx = PTHREAD_MUTEX_INITIALIZER;

static struct pirq {
	uint8_t reg;		/* PIRQ_DIS | PIRQ_IRQ bits */
	int use_count;		/* INTx lines routed to this input */
	int active_count;	/* of those, how many are asserted */
} pirqs[PCI_IRQ_NPIRQS];

static uint8_t irq_counts[NISA_IRQS];	/* level users per ISA IRQ */
static int ioapic_active[NIOAPIC_PCI_PINS];
static uint16_t level_mask;

static bool
pirq_valid_irq(uint8_t reg)
{
	return ((reg & PIRQ_DIS) == 0 && IRQ_PERMITTED(reg & PIRQ_IRQ));
}

void
pci_irq_init(void)
{
	pthread_mutex_lock(&pirq_mtx);
	for (int i = 0; i < PCI_IRQ_NPIRQS; i++) {
		pirqs[i].reg = PIRQ_DIS;
		pirqs[i].use_count = 0;
		pirqs[i].active_count = 0;
	}
	for (int i = 0; i < NISA_IRQS; i++)
		irq_counts[i] = IRQ_PERMITTED(i) ? 0 : IRQ_RESERVED;
	for (int i = 0; i < NIOAPIC_PCI_PINS; i++)
		ioapic_active[i] = 0;
	/*
	 * The ACPI SCI (pm.c) is a level-triggered, shareable ISA IRQ
	 * (ACPI 6.0 §5.2.9): counted as one user, as bhyve's sci_init().
	 */
	irq_counts[PLATFORM_SCI_IRQ] = 1;
	level_mask = 1u << PLATFORM_SCI_IRQ;
	pthread_mutex_unlock(&pirq_mtx);
}

void
pci_irq_reserve(int irq)
{
	if (irq < 0 || irq >= NISA_IRQS)
		return;
	pthread_mutex_lock(&pirq_mtx);
	irq_counts[irq] = IRQ_RESERVED;
	pthread_mutex_unlock(&pirq_mtx);
}

void
pci_irq_use(int irq)
{
	if (irq < 0 || irq >= NISA_IRQS)
		return;
	pthread_mutex_lock(&pirq_mtx);
	if (irq_counts[irq] != IRQ_RESERVED)
		irq_counts[irq]++;
	level_mask |= 1u << irq;
	pthread_mutex_unlock(&pirq_mtx);
}

uint8_t
pirq_read(int pin)
{
	uint8_t v;

	if (pin < 1 || pin > PCI_IRQ_NPIRQS)
		return (PIRQ_DIS);
	pthread_mutex_lock(&pirq_mtx);
	v = pirqs[pin - 1].reg;
	pthread_mutex_unlock(&pirq_mtx);
	return (v);
}

/*
 * The guest (its ACPI _SRS, or a BIOS-less OS programming the router)
 * moves a PIRQ: an asserted line moves with it.
 */
void
pirq_write(struct vmctx *ctx, int pin, uint8_t val)
{
	struct pirq *p;

	if (pin < 1 || pin > PCI_IRQ_NPIRQS)
		return;
	p = &pirqs[pin - 1];
	val &= PIRQ_DIS | PIRQ_IRQ;
	pthread_mutex_lock(&pirq_mtx);
	if (p->reg != val) {
		if (p->active_count != 0 && pirq_valid_irq(p->reg))
			vm_isa_deassert_irq(ctx, p->reg & PIRQ_IRQ, -1);
		p->reg = val;
		if (p->active_count != 0 && pirq_valid_irq(p->reg))
			vm_isa_assert_irq(ctx, p->reg & PIRQ_IRQ, -1);
	}
	pthread_mutex_unlock(&pirq_mtx);
}

int
pirq_irq(int pin)
{
	uint8_t reg = pirq_read(pin);

	return (pirq_valid_irq(reg) ? reg & PIRQ_IRQ : -1);
}

int
pci_irq_intline(const struct pci_irq *irq)
{
	int isa = irq->pirq_pin > 0 ? pirq_irq(irq->pirq_pin) : -1;

	/* PCI 3.0 §6.2.4: 255 means "unknown or not connected". */
	return (isa >= 0 ? isa : 255);
}

uint16_t
pci_irq_level_mask(void)
{
	uint16_t m;

	pthread_mutex_lock(&pirq_mtx);
	m = level_mask;
	pthread_mutex_unlock(&pirq_mtx);
	return (m);
}

/* bhyve's fixed swizzle (the one it uses with a boot ROM): input 0..7. */
static int
swizzle(struct pci_devinst *pi)
{
	return ((4 + pi->pi_slot + pi->pi_lintr.pin) % PCI_IRQ_NPIRQS);
}

/* Steer a PIRQ nobody has used yet to the least-used permitted IRQ. */
static int
pirq_alloc_pin(struct pci_devinst *pi)
{
	int p = swizzle(pi), best = -1;

	pthread_mutex_lock(&pirq_mtx);
	pirqs[p].use_count++;
	if (pirqs[p].reg == PIRQ_DIS) {
		for (int irq = 0; irq < NISA_IRQS; irq++) {
			if (irq_counts[irq] == IRQ_RESERVED)
				continue;
			if (best < 0 || irq_counts[irq] < irq_counts[best])
				best = irq;
		}
		/* Everything reserved: the line reaches the IOAPIC only. */
		if (best >= 0) {
			irq_counts[best]++;
			pirqs[p].reg = (uint8_t)best;
			/* PCI lines are level-triggered (PCI 3.0 §2.2.6). */
			level_mask |= 1u << best;
		}
	}
	pthread_mutex_unlock(&pirq_mtx);
	return (p + 1);
}

void
pci_irq_route(struct pci_devinst *pi, struct pci_irq *irq)
{
	if (irq->ioapic_irq == 0)
		irq->ioapic_irq = PCI_IRQ_IOAPIC_BASE + swizzle(pi);
	if (irq->pirq_pin == 0)
		irq->pirq_pin = pirq_alloc_pin(pi);
}

void
pci_irq_assert(struct pci_devinst *pi)
{
	const struct pci_irq *irq = &pi->pi_lintr.irq;
	int a = irq->ioapic_irq - PCI_IRQ_IOAPIC_BASE;
	struct pirq *p;

	pthread_mutex_lock(&pirq_mtx);
	if (irq->pirq_pin >= 1 && irq->pirq_pin <= PCI_IRQ_NPIRQS) {
		p = &pirqs[irq->pirq_pin - 1];
		if (p->active_count++ == 0 && pirq_valid_irq(p->reg))
			vm_isa_assert_irq(pi->pi_vmctx, p->reg & PIRQ_IRQ, -1);
	}
	if (a >= 0 && a < NIOAPIC_PCI_PINS && ioapic_active[a]++ == 0)
		vm_ioapic_assert_irq(pi->pi_vmctx, irq->ioapic_irq);
	pthread_mutex_unlock(&pirq_mtx);
}

void
pci_irq_deassert(struct pci_devinst *pi)
{
	const struct pci_irq *irq = &pi->pi_lintr.irq;
	int a = irq->ioapic_irq - PCI_IRQ_IOAPIC_BASE;
	struct pirq *p;

	pthread_mutex_lock(&pirq_mtx);
	if (irq->pirq_pin >= 1 && irq->pirq_pin <= PCI_IRQ_NPIRQS) {
		p = &pirqs[irq->pirq_pin - 1];
		if (p->active_count > 0 && --p->active_count == 0 &&
		    pirq_valid_irq(p->reg))
			vm_isa_deassert_irq(pi->pi_vmctx, p->reg & PIRQ_IRQ,
			    -1);
	}
	if (a >= 0 && a < NIOAPIC_PCI_PINS && ioapic_active[a] > 0 &&
	    --ioapic_active[a] == 0)
		vm_ioapic_deassert_irq(pi->pi_vmctx, irq->ioapic_irq);
	pthread_mutex_unlock(&pirq_mtx);
}
