/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_irq.h: PCI INTx routing (bhyve's pci_irq.c and ioapic.c): the
 * 8-input PIRQ router of Intel's ICH (PIRQA#-PIRQH#, each steered to an
 * ISA IRQ by a register in the LPC bridge's configuration space) and the
 * IOAPIC pins 16-23 that PCI INTx lines are wired to.
 *
 * Each (slot, INTx pin) of bus 0 maps onto router input p = (4 + slot +
 * pin) % 8 (bhyve's fixed swizzle): IOAPIC pin 16 + p and PIRQ p + 1.  A
 * PIRQ gets the least-used permitted ISA IRQ (3-7, 9-12, 14, 15, minus
 * those legacy devices reserved) the first time a device uses it.  The
 * guest sees the result in the _PRT and MP table (platform_setup.c), the
 * INTLINE register, and the PIRQ registers it may reprogram.
 */
#ifndef LHYVE_PCI_IRQ_H
#define LHYVE_PCI_IRQ_H

#include <stdint.h>

#include "devices/pci_emul.h"

#define PCI_IRQ_NPIRQS		8
#define PCI_IRQ_IOAPIC_BASE	16	/* first IOAPIC pin for PCI */
#define PIRQ_DIS		0x80	/* PIRQ register: routing disabled */
#define PIRQ_IRQ		0x0f	/* PIRQ register: the ISA IRQ */

/* Forget every route and count; init_pci() calls it before any pe_init. */
void pci_irq_init(void);
/* An ISA IRQ a legacy device owns: never given to a PIRQ. */
void pci_irq_reserve(int irq);
/* An ISA IRQ already used by a level-triggered source (the SCI). */
void pci_irq_use(int irq);

/* Route one INTx line: fill in what is still 0 in *irq. */
void pci_irq_route(struct pci_devinst *pi, struct pci_irq *irq);
/* The level of the line behind pi's INTx went up / down. */
void pci_irq_assert(struct pci_devinst *pi);
void pci_irq_deassert(struct pci_devinst *pi);

/* PIRQ registers (ICH10 §13.1.x, LPC config 0x60-0x63, 0x68-0x6B). */
uint8_t pirq_read(int pin);		/* pin 1..8 */
void pirq_write(struct vmctx *ctx, int pin, uint8_t val);
/* The ISA IRQ PIRQ 'pin' is steered to, or -1 if disabled/invalid. */
int pirq_irq(int pin);
/* The INTLINE value for a route: its PIRQ's ISA IRQ, else 255. */
int pci_irq_intline(const struct pci_irq *irq);

/*
 * ISA IRQs that carry level-triggered, shared lines (routed PIRQs and the
 * SCI): the bits the 8259 ELCR (0x4D0/0x4D1) should have set.  XXX: no
 * vmm.h call sets the vPIC's ELCR yet; Linux sets it itself from the
 * _PRT in PIC mode.
 */
uint16_t pci_irq_level_mask(void);

#endif /* LHYVE_PCI_IRQ_H */
