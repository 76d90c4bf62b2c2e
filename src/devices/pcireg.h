/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcireg.h: PCI configuration-space register names, under the names
 * FreeBSD's <dev/pci/pcireg.h> gives them so that device code reads like
 * bhyve's.  Offsets and bits are from the PCI Local Bus Specification 3.0,
 * chapter 6 (type 0 header).
 */
#ifndef LHYVE_PCIREG_H
#define LHYVE_PCIREG_H

#define PCI_BUSMAX		255
#define PCI_SLOTMAX		31
#define PCI_FUNCMAX		7
#define PCI_REGMAX		255	/* conventional config space */
#define PCIE_REGMAX		4095	/* PCIe extended config space */
#define PCI_BARMAX		5

/* Type 0 header (PCI 3.0 §6.1) */
#define PCIR_VENDOR		0x00
#define PCIR_DEVICE		0x02
#define PCIR_COMMAND		0x04
#define PCIM_CMD_PORTEN		0x0001
#define PCIM_CMD_MEMEN		0x0002
#define PCIM_CMD_BUSMASTEREN	0x0004
#define PCIM_CMD_SPECIALEN	0x0008
#define PCIM_CMD_MWRICEN	0x0010
#define PCIM_CMD_PERRESPEN	0x0040
#define PCIM_CMD_SERRESPEN	0x0100
#define PCIM_CMD_BACKTOBACK	0x0200
#define PCIM_CMD_INTxDIS	0x0400
#define PCIR_STATUS		0x06
#define PCIM_STATUS_INTxSTATE	0x0008
#define PCIM_STATUS_CAPPRESENT	0x0010
#define PCIM_STATUS_66CAPABLE	0x0020
#define PCIM_STATUS_MDPERR	0x0100
#define PCIM_STATUS_STABORT	0x0800
#define PCIM_STATUS_RTABORT	0x1000
#define PCIM_STATUS_RMABORT	0x2000
#define PCIM_STATUS_SERR	0x4000
#define PCIM_STATUS_PERR	0x8000
#define PCIR_REVID		0x08
#define PCIR_PROGIF		0x09
#define PCIR_SUBCLASS		0x0a
#define PCIR_CLASS		0x0b
#define PCIR_CACHELNSZ		0x0c
#define PCIR_LATTIMER		0x0d
#define PCIR_HDRTYPE		0x0e
#define PCIM_HDRTYPE		0x7f
#define PCIM_HDRTYPE_NORMAL	0x00
#define PCIM_HDRTYPE_BRIDGE	0x01
#define PCIM_MFDEV		0x80
#define PCIR_BIST		0x0f
#define PCIR_BARS		0x10
#define PCIR_BAR(x)		(PCIR_BARS + (x) * 4)
#define PCIM_BAR_SPACE		0x00000001
#define PCIM_BAR_MEM_SPACE	0
#define PCIM_BAR_IO_SPACE	1
#define PCIM_BAR_MEM_TYPE	0x00000006
#define PCIM_BAR_MEM_32		0
#define PCIM_BAR_MEM_64		4
#define PCIM_BAR_MEM_PREFETCH	0x00000008
#define PCIM_BAR_MEM_BASE	0xfffffffffffffff0ULL
#define PCIM_BAR_IO_BASE	0xfffffffc
#define PCIR_CIS		0x28
#define PCIR_SUBVEND_0		0x2c
#define PCIR_SUBDEV_0		0x2e
#define PCIR_BIOS		0x30
#define PCIR_CAP_PTR		0x34
#define PCIR_INTLINE		0x3c
#define PCIR_INTPIN		0x3d
#define PCIR_MINGNT		0x3e
#define PCIR_MAXLAT		0x3f

/* Capability list (PCI 3.0 §6.7) */
#define PCICAP_ID		0x0
#define PCICAP_NEXTPTR		0x1
#define PCIY_PMG		0x01
#define PCIY_MSI		0x05
#define PCIY_VENDOR		0x09
#define PCIY_EXPRESS		0x10
#define PCIY_MSIX		0x11

/* MSI capability (PCI 3.0 §6.8.1) */
#define PCIR_MSI_CTRL		0x02
#define PCIM_MSICTRL_VECTOR	0x0100	/* per-vector masking capable */
#define PCIM_MSICTRL_64BIT	0x0080
#define PCIM_MSICTRL_MME_MASK	0x0070	/* multiple message enable */
#define PCIM_MSICTRL_MMC_MASK	0x000e	/* multiple message capable */
#define PCIM_MSICTRL_MSI_ENABLE	0x0001
#define PCIR_MSI_ADDR		0x04
#define PCIR_MSI_ADDR_HIGH	0x08
#define PCIR_MSI_DATA		0x08	/* 32-bit address form */
#define PCIR_MSI_DATA_64BIT	0x0c

/* MSI-X capability (PCI 3.0 §6.8.2) */
#define PCIR_MSIX_CTRL		0x02
#define PCIM_MSIXCTRL_MSIX_ENABLE	0x8000
#define PCIM_MSIXCTRL_FUNCTION_MASK	0x4000
#define PCIM_MSIXCTRL_TABLE_SIZE	0x07ff
#define PCIR_MSIX_TABLE		0x04
#define PCIR_MSIX_PBA		0x08
#define PCIM_MSIX_BIR_MASK	0x7
#define PCIM_MSIX_VCTRL_MASK	0x1
#define MSIX_TABLE_ENTRY_SIZE	16
#define MAX_MSIX_TABLE_ENTRIES	2048

/* PCI Express extended configuration space (PCIe 3.0 §7.9) */
#define PCIR_EXTCAP		0x100

/* Class codes (PCI Code and ID Assignment Specification) */
#define PCIC_STORAGE		0x01
#define PCIC_NETWORK		0x02
#define PCIC_DISPLAY		0x03
#define PCIC_BRIDGE		0x06
#define PCIS_BRIDGE_HOST	0x00
#define PCIS_BRIDGE_ISA		0x01
#define PCIC_SIMPLECOMM		0x07
#define PCIS_SIMPLECOMM_UART	0x00

/* Configuration mechanism #1 (PCI 3.0 §3.2.2.3.2) */
#define CONF1_ADDR_PORT		0x0cf8
#define CONF1_DATA_PORT		0x0cfc
#define CONF1_ENABLE		0x80000000u

#endif /* LHYVE_PCIREG_H */
