/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_virtio.c: the virtio-pci transport (virtio 1.2 §4.1): the vendor
 * capabilities that locate the modern register blocks in a memory BAR,
 * the common configuration registers, ISR, device config and queue
 * notifications, and interrupts by MSI-X (a vector per queue plus one for
 * config), one MSI message (-W) or INTx.  The device is transitional:
 * BAR 0 also serves the legacy 0.9.5 interface for old drivers (§4.1.4.10).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "devices/pci_virtio.h"

/* Vendor capability types (§4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4

/* Common configuration layout (§4.1.4.3). */
#define VTCC_DFSELECT		0x00
#define VTCC_DF			0x04
#define VTCC_GFSELECT		0x08
#define VTCC_GF			0x0c
#define VTCC_MSIX		0x10
#define VTCC_NUMQ		0x12
#define VTCC_STATUS		0x14
#define VTCC_CFGGEN		0x15
#define VTCC_Q_SELECT		0x16
#define VTCC_Q_SIZE		0x18
#define VTCC_Q_MSIX		0x1a
#define VTCC_Q_ENABLE		0x1c
#define VTCC_Q_NOFF		0x1e
#define VTCC_Q_DESCLO		0x20
#define VTCC_Q_DESCHI		0x24
#define VTCC_Q_AVAILLO		0x28
#define VTCC_Q_AVAILHI		0x2c
#define VTCC_Q_USEDLO		0x30
#define VTCC_Q_USEDHI		0x34
#define VTCC_SIZE		0x38

/* Legacy (0.9.5) I/O BAR layout (§4.1.4.10). */
#define VTLG_HOSTFEAT		0x00
#define VTLG_GUESTFEAT		0x04
#define VTLG_QPFN		0x08
#define VTLG_QNUM		0x0c
#define VTLG_QSEL		0x0e
#define VTLG_QNOTIFY		0x10
#define VTLG_STATUS		0x12
#define VTLG_ISR		0x13
#define VTLG_MSIX_CFG		0x14	/* only while MSI-X is enabled */
#define VTLG_MSIX_Q		0x16
#define VTLG_PFN_SHIFT		12	/* legacy rings are page-aligned */
#define VTLG_ALIGN		4096

/* The transport's state for one function. */
struct pci_virtio {
	struct pci_devinst *pv_pi;
	struct virtio_softc *pv_vs;
	uint32_t pv_dfsel;		/* device_feature_select */
	uint32_t pv_gfsel;		/* driver_feature_select */
	int pv_nvec;			/* MSI-X vectors; 0: MSI or INTx */
};

static void
vtpci_intr(struct virtio_softc *vs, uint16_t vector, int isr)
{
	struct pci_virtio *pv = vs->vs_trarg;
	struct pci_devinst *pi = pv->pv_pi;

	if (pci_msix_enabled(pi)) {
		/* §4.1.4.5: with MSI-X the ISR is not used. */
		vs->vs_isr &= ~isr;
		if (vector != VIRTIO_MSI_NO_VECTOR && vector < pv->pv_nvec)
			pci_generate_msix(pi, vector);
	} else if (pci_msi_enabled(pi)) {
		pci_generate_msi(pi, 0);
	} else {
		/* Level-triggered: it stays up until the ISR is read. */
		pci_lintr_assert(pi);
	}
}

static const struct virtio_trops vtpci_trops = {
	.vt_intr = vtpci_intr,
};

static int
vtpci_add_cap(struct pci_devinst *pi, uint8_t type, uint32_t off,
    uint32_t len, const uint8_t *extra, int nextra)
{
	uint8_t cap[20];
	int caplen = 16 + nextra;

	/* struct virtio_pci_cap (§4.1.4). */
	memset(cap, 0, sizeof(cap));
	cap[0] = PCIY_VENDOR;
	cap[2] = caplen;
	cap[3] = type;
	cap[4] = VTPCI_MODERN_BAR;
	cap[8] = off & 0xff;
	cap[9] = (off >> 8) & 0xff;
	cap[10] = (off >> 16) & 0xff;
	cap[11] = off >> 24;
	cap[12] = len & 0xff;
	cap[13] = (len >> 8) & 0xff;
	cap[14] = (len >> 16) & 0xff;
	cap[15] = len >> 24;
	if (nextra > 0)
		memcpy(cap + 16, extra, nextra);
	return (pci_emul_add_capability(pi, cap, caplen));
}

/* §4.1.2.1: the transitional PCI device ID of a virtio device type. */
static uint16_t
vtpci_devid(uint16_t type)
{
	switch (type) {
	case VIRTIO_ID_NET:
		return (0x1000);
	case VIRTIO_ID_BLOCK:
		return (0x1001);
	case VIRTIO_ID_CONSOLE:
		return (0x1003);
	case VIRTIO_ID_ENTROPY:
		return (0x1005);
	case 5:		/* balloon */
		return (0x1002);
	case 8:		/* SCSI host */
		return (0x1004);
	case 9:		/* 9P transport */
		return (0x1009);
	}
	/* No legacy ID: modern-only (then the legacy BAR goes unused). */
	return (VIRTIO_PCI_DEVBASE + type);
}

int
pci_virtio_init(struct pci_devinst *pi, struct virtio_softc *vs,
    uint8_t class, uint8_t subclass)
{
	const struct virtio_devops *ops = vs->vs_ops;
	struct pci_virtio *pv;
	uint8_t mult[4] = { VTPCI_NOTIFY_MULT, 0, 0, 0 };
	int error;

	if ((size_t)ops->vd_nvq * VTPCI_NOTIFY_MULT > 0x1000 ||
	    ops->vd_cfgsize > 0x1000)
		return (-EINVAL);
	pv = calloc(1, sizeof(*pv));
	if (pv == NULL)
		return (-ENOMEM);
	pv->pv_pi = pi;
	pv->pv_vs = vs;
	vs->vs_tr = &vtpci_trops;
	vs->vs_trarg = pv;

	/*
	 * §4.1.2.1: transitional IDs (0x1000 + ID - 1 for the devices
	 * that had legacy IDs), revision 0, and the subsystem device ID
	 * naming the device type, as legacy drivers expect.
	 */
	pci_set_cfgdata16(pi, PCIR_VENDOR, VIRTIO_PCI_VENDOR);
	pci_set_cfgdata16(pi, PCIR_DEVICE, vtpci_devid(ops->vd_devid));
	pci_set_cfgdata8(pi, PCIR_REVID, 0);
	pci_set_cfgdata16(pi, PCIR_SUBVEND_0, VIRTIO_PCI_VENDOR);
	pci_set_cfgdata16(pi, PCIR_SUBDEV_0, ops->vd_devid);
	pci_set_cfgdata8(pi, PCIR_HDRTYPE, PCIM_HDRTYPE_NORMAL);
	pci_set_cfgdata8(pi, PCIR_CLASS, class);
	pci_set_cfgdata8(pi, PCIR_SUBCLASS, subclass);

	error = pci_emul_alloc_bar(pi, VTPCI_LEGACY_BAR, PCIBAR_IO,
	    VTLG_MSIX_Q + 2 + ops->vd_cfgsize);
	if (error == 0)
		error = pci_emul_alloc_bar(pi, VTPCI_MODERN_BAR, PCIBAR_MEM64,
		    VTPCI_BAR_SIZE);
	if (error == 0)
		error = vtpci_add_cap(pi, VIRTIO_PCI_CAP_COMMON_CFG,
		    VTPCI_COMMON_OFF, VTCC_SIZE, NULL, 0);
	if (error == 0)
		error = vtpci_add_cap(pi, VIRTIO_PCI_CAP_ISR_CFG,
		    VTPCI_ISR_OFF, 1, NULL, 0);
	if (error == 0 && ops->vd_cfgsize > 0)
		error = vtpci_add_cap(pi, VIRTIO_PCI_CAP_DEVICE_CFG,
		    VTPCI_DEVCFG_OFF, ops->vd_cfgsize, NULL, 0);
	if (error == 0)
		error = vtpci_add_cap(pi, VIRTIO_PCI_CAP_NOTIFY_CFG,
		    VTPCI_NOTIFY_OFF, ops->vd_nvq * VTPCI_NOTIFY_MULT, mult,
		    sizeof(mult));
	/* XXX: no VIRTIO_PCI_CAP_PCI_CFG window (§4.1.4.9) yet. */
	if (error == 0) {
		if (get_config_bool_default("virtio_msix", true)) {
			pv->pv_nvec = ops->vd_nvq + 1;
			error = pci_emul_add_msixcap(pi, pv->pv_nvec,
			    VTPCI_MSIX_BAR);
		} else {
			error = pci_emul_add_msicap(pi, 1);
		}
	}
	if (error != 0) {
		vs->vs_tr = NULL;
		vs->vs_trarg = NULL;
		free(pv);
		return (error < 0 ? error : -EINVAL);
	}
	pci_lintr_request(pi);
	pi->pi_arg = pv;
	return (0);
}

static struct vqueue_info *
vtpci_curq(struct virtio_softc *vs)
{
	if (vs->vs_curq >= vs->vs_ops->vd_nvq)
		return (NULL);
	return (&vs->vs_queues[vs->vs_curq]);
}

/* The common configuration as the guest would read it, little-endian. */
static void
vtpci_common_image(struct pci_virtio *pv, uint8_t img[VTCC_SIZE])
{
	struct virtio_softc *vs = pv->pv_vs;
	struct vqueue_info *vq = vtpci_curq(vs);
	uint32_t df = 0;

#define PUT(off, v, n) do {						\
	uint64_t v_ = (v);						\
	for (int i_ = 0; i_ < (n); i_++)				\
		img[(off) + i_] = (uint8_t)(v_ >> (8 * i_));		\
} while (0)
	memset(img, 0, VTCC_SIZE);
	if (pv->pv_dfsel == 0)
		df = (uint32_t)vs->vs_hostfeat;
	else if (pv->pv_dfsel == 1)
		df = (uint32_t)(vs->vs_hostfeat >> 32);
	PUT(VTCC_DFSELECT, pv->pv_dfsel, 4);
	PUT(VTCC_DF, df, 4);
	PUT(VTCC_GFSELECT, pv->pv_gfsel, 4);
	if (pv->pv_gfsel < 2)
		PUT(VTCC_GF, vs->vs_drvfeat >> (32 * pv->pv_gfsel), 4);
	PUT(VTCC_MSIX, vs->vs_msix_cfg, 2);
	PUT(VTCC_NUMQ, vs->vs_ops->vd_nvq, 2);
	PUT(VTCC_STATUS, vs->vs_status, 1);
	PUT(VTCC_CFGGEN, vs->vs_cfggen, 1);
	PUT(VTCC_Q_SELECT, vs->vs_curq, 2);
	if (vq != NULL) {
		/* §4.1.4.3.2: a queue that does not exist has size 0. */
		PUT(VTCC_Q_SIZE, vq->vq_qsize, 2);
		PUT(VTCC_Q_MSIX, vq->vq_msix_idx, 2);
		PUT(VTCC_Q_ENABLE, vq->vq_enabled ? 1 : 0, 2);
		PUT(VTCC_Q_NOFF, vq->vq_num, 2);
		PUT(VTCC_Q_DESCLO, vq->vq_desc_gpa, 8);
		PUT(VTCC_Q_AVAILLO, vq->vq_avail_gpa, 8);
		PUT(VTCC_Q_USEDLO, vq->vq_used_gpa, 8);
	}
#undef PUT
}

static uint64_t
vtpci_common_read(struct pci_virtio *pv, uint64_t off, int size)
{
	uint8_t img[VTCC_SIZE];
	uint64_t v = 0;

	if (off + size > VTCC_SIZE)
		return (0);
	vtpci_common_image(pv, img);
	for (int i = 0; i < size; i++)
		v |= (uint64_t)img[off + i] << (8 * i);
	return (v);
}

/* A vector the driver may use: one we have, or NO_VECTOR (§4.1.5.1.2). */
static uint16_t
vtpci_vector(struct pci_virtio *pv, uint64_t v)
{
	return (v < (uint64_t)pv->pv_nvec ? (uint16_t)v :
	    VIRTIO_MSI_NO_VECTOR);
}

static void
vtpci_set_addr(uint64_t *a, bool hi, uint32_t v)
{
	if (hi)
		*a = (*a & 0xffffffffULL) | ((uint64_t)v << 32);
	else
		*a = (*a & ~0xffffffffULL) | v;
}

/* A status write through either interface. */
static void
vtpci_set_status(struct pci_virtio *pv, uint8_t value)
{
	struct virtio_softc *vs = pv->pv_vs;
	uint8_t old = vs->vs_status;

	virtio_set_status(vs, value);
	if (value == 0)
		pci_lintr_deassert(pv->pv_pi);
	/* Buffers made available before DRIVER_OK are seen now. */
	if ((old & VIRTIO_S_DRIVER_OK) == 0 &&
	    (vs->vs_status & VIRTIO_S_DRIVER_OK) != 0) {
		for (int i = 0; i < vs->vs_ops->vd_nvq; i++)
			if (vq_has_descs(&vs->vs_queues[i]))
				vs->vs_ops->vd_qnotify(vs->vs_dev,
				    &vs->vs_queues[i]);
	}
}

static void
vtpci_common_write(struct pci_virtio *pv, uint64_t off, int size,
    uint64_t value)
{
	struct virtio_softc *vs = pv->pv_vs;
	struct vqueue_info *vq = vtpci_curq(vs);
	uint64_t f;

	/* §4.1.3.1: the driver uses each field's own width. */
	switch (off | (uint64_t)size << 8) {
	case VTCC_DFSELECT | 4 << 8:
		pv->pv_dfsel = value;
		return;
	case VTCC_GFSELECT | 4 << 8:
		pv->pv_gfsel = value;
		return;
	case VTCC_GF | 4 << 8:
		vs->vs_legacy = false;
		if (pv->pv_gfsel >= 2)
			return;
		f = vs->vs_drvfeat;
		if (pv->pv_gfsel == 0)
			f = (f & ~0xffffffffULL) | (uint32_t)value;
		else
			f = (f & 0xffffffffULL) | value << 32;
		virtio_set_driver_features(vs, f);
		return;
	case VTCC_MSIX | 2 << 8:
		vs->vs_msix_cfg = vtpci_vector(pv, value);
		return;
	case VTCC_STATUS | 1 << 8:
		vs->vs_legacy = false;
		vtpci_set_status(pv, value);
		return;
	case VTCC_Q_SELECT | 2 << 8:
		vs->vs_curq = value;
		return;
	}
	if (vq == NULL || vq->vq_enabled) {
		/* §4.1.4.3.2: queue fields are fixed once enabled. */
		if (vq != NULL && off == VTCC_Q_MSIX && size == 2)
			vq->vq_msix_idx = vtpci_vector(pv, value);
		return;
	}
	switch (off | (uint64_t)size << 8) {
	case VTCC_Q_SIZE | 2 << 8:
		vq->vq_qsize = value;
		return;
	case VTCC_Q_MSIX | 2 << 8:
		vq->vq_msix_idx = vtpci_vector(pv, value);
		return;
	case VTCC_Q_ENABLE | 2 << 8:
		if (value == 1)
			(void)vq_enable(vq);
		return;
	case VTCC_Q_DESCLO | 4 << 8:
	case VTCC_Q_DESCHI | 4 << 8:
		vtpci_set_addr(&vq->vq_desc_gpa, off == VTCC_Q_DESCHI, value);
		return;
	case VTCC_Q_AVAILLO | 4 << 8:
	case VTCC_Q_AVAILHI | 4 << 8:
		vtpci_set_addr(&vq->vq_avail_gpa, off == VTCC_Q_AVAILHI,
		    value);
		return;
	case VTCC_Q_USEDLO | 4 << 8:
	case VTCC_Q_USEDHI | 4 << 8:
		vtpci_set_addr(&vq->vq_used_gpa, off == VTCC_Q_USEDHI, value);
		return;
	}
	/* Read-only fields and odd widths: dropped. */
}

static void
vtpci_notify(struct pci_virtio *pv, uint64_t q)
{
	struct virtio_softc *vs = pv->pv_vs;

	if (q >= (uint64_t)vs->vs_ops->vd_nvq ||
	    (vs->vs_status & VIRTIO_S_DRIVER_OK) == 0)
		return;
	if (vs->vs_queues[q].vq_enabled)
		vs->vs_ops->vd_qnotify(vs->vs_dev, &vs->vs_queues[q]);
}

/* ---- the legacy interface (§4.1.4.10) ---- */

/* Where the device config starts in the I/O BAR: after the MSI-X pair
 * only while MSI-X is on (§4.1.4.10). */
static uint64_t
vtlg_cfgoff(struct pci_virtio *pv)
{
	return (pci_msix_enabled(pv->pv_pi) ? VTLG_MSIX_Q + 2 : VTLG_MSIX_CFG);
}

static uint64_t
vtlg_read(struct pci_virtio *pv, uint64_t off, int size)
{
	struct virtio_softc *vs = pv->pv_vs;
	struct vqueue_info *vq = vtpci_curq(vs);
	uint64_t cfg = vtlg_cfgoff(pv);
	uint32_t v = 0;

	if (off >= cfg) {
		off -= cfg;
		if (off + size <= vs->vs_ops->vd_cfgsize &&
		    vs->vs_ops->vd_cfgread != NULL &&
		    vs->vs_ops->vd_cfgread(vs->vs_dev, off, size, &v) == 0)
			return (v);
		return (~0ULL);
	}
	switch (off | (uint64_t)size << 8) {
	case VTLG_HOSTFEAT | 4 << 8:
		return ((uint32_t)vs->vs_hostfeat);
	case VTLG_GUESTFEAT | 4 << 8:
		return ((uint32_t)vs->vs_drvfeat);
	case VTLG_QPFN | 4 << 8:
		return (vq != NULL ? vq->vq_desc_gpa >> VTLG_PFN_SHIFT : 0);
	case VTLG_QNUM | 2 << 8:
		return (vq != NULL ? vs->vs_ops->vd_qsize : 0);
	case VTLG_QSEL | 2 << 8:
		return (vs->vs_curq);
	case VTLG_STATUS | 1 << 8:
		return (vs->vs_status);
	case VTLG_ISR | 1 << 8:
		v = vs->vs_isr;
		vs->vs_isr = 0;
		pci_lintr_deassert(pv->pv_pi);
		return (v);
	case VTLG_MSIX_CFG | 2 << 8:
		return (vs->vs_msix_cfg);
	case VTLG_MSIX_Q | 2 << 8:
		return (vq != NULL ? vq->vq_msix_idx : VIRTIO_MSI_NO_VECTOR);
	}
	return (~0ULL);
}

static void
vtlg_write(struct pci_virtio *pv, uint64_t off, int size, uint64_t value)
{
	struct virtio_softc *vs = pv->pv_vs;
	struct vqueue_info *vq = vtpci_curq(vs);
	uint64_t cfg = vtlg_cfgoff(pv), qs;

	if (off >= cfg) {
		off -= cfg;
		if (off + size <= vs->vs_ops->vd_cfgsize &&
		    vs->vs_ops->vd_cfgwrite != NULL)
			(void)vs->vs_ops->vd_cfgwrite(vs->vs_dev, off, size,
			    value);
		return;
	}
	switch (off | (uint64_t)size << 8) {
	case VTLG_GUESTFEAT | 4 << 8:
		vs->vs_legacy = true;
		virtio_set_driver_features(vs, (uint32_t)value);
		return;
	case VTLG_QPFN | 4 << 8:
		if (vq == NULL)
			return;
		if (value == 0) {
			vq_reset(vq);
			return;
		}
		/* One page-aligned block: desc, avail, then used on the
		 * next page boundary (legacy §2.6 of virtio 0.9.5). */
		qs = vs->vs_ops->vd_qsize;
		vq->vq_qsize = qs;
		vq->vq_desc_gpa = value << VTLG_PFN_SHIFT;
		vq->vq_avail_gpa = vq->vq_desc_gpa + VRING_DESC_SIZE(qs);
		vq->vq_used_gpa = (vq->vq_avail_gpa + VRING_AVAIL_SIZE(qs) +
		    VTLG_ALIGN - 1) & ~(uint64_t)(VTLG_ALIGN - 1);
		(void)vq_enable(vq);
		return;
	case VTLG_QSEL | 2 << 8:
		vs->vs_curq = value;
		return;
	case VTLG_QNOTIFY | 2 << 8:
		vtpci_notify(pv, value);
		return;
	case VTLG_STATUS | 1 << 8:
		vs->vs_legacy = true;
		vtpci_set_status(pv, value);
		return;
	case VTLG_MSIX_CFG | 2 << 8:
		vs->vs_msix_cfg = vtpci_vector(pv, value);
		return;
	case VTLG_MSIX_Q | 2 << 8:
		if (vq != NULL)
			vq->vq_msix_idx = vtpci_vector(pv, value);
		return;
	}
}

uint64_t
pci_virtio_barread(struct pci_devinst *pi, int baridx, uint64_t offset,
    int size)
{
	struct pci_virtio *pv = pi->pi_arg;
	struct virtio_softc *vs = pv->pv_vs;
	uint32_t v = 0;
	uint64_t r = 0;

	if (baridx != VTPCI_MODERN_BAR && baridx != VTPCI_LEGACY_BAR)
		return (~0ULL);
	pthread_mutex_lock(&vs->vs_mtx);
	if (baridx == VTPCI_LEGACY_BAR) {
		r = vtlg_read(pv, offset, size);
	} else if (offset < VTPCI_ISR_OFF) {
		r = vtpci_common_read(pv, offset - VTPCI_COMMON_OFF, size);
	} else if (offset < VTPCI_DEVCFG_OFF) {
		/* §4.1.4.5.1: reading the ISR clears it and the INTx line. */
		if (offset == VTPCI_ISR_OFF) {
			r = vs->vs_isr;
			vs->vs_isr = 0;
			pci_lintr_deassert(pi);
		}
	} else if (offset < VTPCI_NOTIFY_OFF) {
		offset -= VTPCI_DEVCFG_OFF;
		if (offset + size <= vs->vs_ops->vd_cfgsize &&
		    vs->vs_ops->vd_cfgread != NULL &&
		    vs->vs_ops->vd_cfgread(vs->vs_dev, offset, size, &v) == 0)
			r = v;
		else
			r = 0;
	}
	pthread_mutex_unlock(&vs->vs_mtx);
	return (r);
}

void
pci_virtio_barwrite(struct pci_devinst *pi, int baridx, uint64_t offset,
    int size, uint64_t value)
{
	struct pci_virtio *pv = pi->pi_arg;
	struct virtio_softc *vs = pv->pv_vs;

	if (baridx != VTPCI_MODERN_BAR && baridx != VTPCI_LEGACY_BAR)
		return;
	pthread_mutex_lock(&vs->vs_mtx);
	if (baridx == VTPCI_LEGACY_BAR) {
		vtlg_write(pv, offset, size, value);
	} else if (offset < VTPCI_ISR_OFF) {
		vtpci_common_write(pv, offset - VTPCI_COMMON_OFF, size, value);
	} else if (offset >= VTPCI_DEVCFG_OFF && offset < VTPCI_NOTIFY_OFF) {
		offset -= VTPCI_DEVCFG_OFF;
		if (offset + size <= vs->vs_ops->vd_cfgsize &&
		    vs->vs_ops->vd_cfgwrite != NULL)
			(void)vs->vs_ops->vd_cfgwrite(vs->vs_dev, offset,
			    size, value);
	} else if (offset >= VTPCI_NOTIFY_OFF) {
		vtpci_notify(pv, (offset - VTPCI_NOTIFY_OFF) /
		    VTPCI_NOTIFY_MULT);
	}
	pthread_mutex_unlock(&vs->vs_mtx);
}
