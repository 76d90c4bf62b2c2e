/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_virtio.h: the virtio-over-PCI transport (virtio 1.2 §4.1) that a
 * device's PCI registration hands its virtio_softc to.  The device core
 * itself stays transport-free (virtio.h).
 *
 * BAR layout of every virtio-pci function lhyve makes (transitional):
 *   BAR 0  I/O, the legacy 0.9.5 registers then the device config
 *   BAR 1  MSI-X table and PBA (pci_msi.c), unless virtio_msix=false (-W)
 *   BAR 4  64-bit memory, the modern registers, one page each:
 *          0x0000 common config, 0x1000 ISR, 0x2000 device config,
 *          0x3000 notifications (queue q at 0x3000 + 4 * q)
 */
#ifndef LHYVE_PCI_VIRTIO_H
#define LHYVE_PCI_VIRTIO_H

#include <stdint.h>

#include "devices/pci_emul.h"
#include "devices/virtio.h"

#define VIRTIO_PCI_VENDOR	0x1af4	/* Red Hat / virtio (§4.1.2) */
#define VIRTIO_PCI_DEVBASE	0x1040	/* modern: 0x1040 + device ID */

#define VTPCI_LEGACY_BAR	0
#define VTPCI_MSIX_BAR		1
#define VTPCI_MODERN_BAR	4
#define VTPCI_COMMON_OFF	0x0000
#define VTPCI_ISR_OFF		0x1000
#define VTPCI_DEVCFG_OFF	0x2000
#define VTPCI_NOTIFY_OFF	0x3000
#define VTPCI_NOTIFY_MULT	4
#define VTPCI_BAR_SIZE		0x4000

/*
 * Make pi a virtio-pci function for vs (already virtio_init'ed): IDs,
 * class, the capabilities, the BARs, MSI-X (nvq + 1 vectors) or, with
 * virtio_msix=false, one MSI message, and INTx.  0 or -errno.
 */
int pci_virtio_init(struct pci_devinst *pi, struct virtio_softc *vs,
    uint8_t class, uint8_t subclass);

/* For the device's pci_devemu: the BAR accessors of the transport. */
void pci_virtio_barwrite(struct pci_devinst *pi, int baridx,
    uint64_t offset, int size, uint64_t value);
uint64_t pci_virtio_barread(struct pci_devinst *pi, int baridx,
    uint64_t offset, int size);

#endif /* LHYVE_PCI_VIRTIO_H */
