/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_priv.h: what the PCI core's files (pci_emul.c, pci_msi.c) share and
 * devices do not use.
 */
#ifndef LHYVE_PCI_PRIV_H
#define LHYVE_PCI_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/pci_emul.h"

/* Re-evaluate whether the INTx line may reach the interrupt controllers. */
void pci_lintr_update(struct pci_devinst *pi);

/*
 * Configuration byte 'off' lies in the MSI or MSI-X capability: *wmask
 * gets its guest-writable bits (0: read-only).  False if it lies in
 * neither.
 */
bool pci_msi_cfg_wmask(struct pci_devinst *pi, int off, uint8_t *wmask);
/* The guest wrote an MSI/MSI-X capability: recompute, flush pending. */
void pci_msi_cfg_changed(struct pci_devinst *pi);
/*
 * A BAR access that the MSI-X table/PBA owns: handled (true) or the
 * device's (false).  write: *val is the data; read: *val is filled.
 */
bool pci_msix_bar_access(struct pci_devinst *pi, int baridx, bool write,
    uint64_t offset, int size, uint64_t *val);
/* Free what the MSI-X capability allocated (a failed pe_init). */
void pci_msi_free(struct pci_devinst *pi);

#endif /* LHYVE_PCI_PRIV_H */
