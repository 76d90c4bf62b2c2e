/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio.c: the transport-independent virtio core: status and feature
 * negotiation, and split virtqueues walked defensively (virtio 1.2 §2.7).
 *
 * The rings live in guest memory that running vCPUs change under us.
 * Every field is read once into a local before it is checked and used,
 * every index is checked against the queue size, every buffer and table
 * is mapped with vm_map_gpa() (which refuses anything that is not wholly
 * guest RAM), and a chain may visit at most as many descriptors as its
 * table holds, which ends loops.  A malformed chain marks the device
 * NEEDS_RESET (§2.1.2) and is never used.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio.h"
#include "vmm/vmm.h"

/* Log a guest error: the first 16 per device, then one in 4096. */
static void
vs_log(struct virtio_softc *vs, const char *fmt, va_list ap)
{
	unsigned n = vs->vs_nerrs++;

	if (n >= 16 && (n & 4095) != 0)
		return;
	fprintf(stderr, "lhyve: %s: ", vs->vs_ops->vd_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
virtio_init(struct virtio_softc *vs, const struct virtio_devops *ops,
    void *dev, uint64_t devfeat, struct vmctx *ctx)
{
	if (ops->vd_nvq < 1 || ops->vd_qsize == 0 ||
	    ops->vd_qsize > VQ_MAX_SIZE ||
	    (ops->vd_qsize & (ops->vd_qsize - 1)) != 0)
		return (-EINVAL);
	memset(vs, 0, sizeof(*vs));
	vs->vs_ops = ops;
	vs->vs_dev = dev;
	vs->vs_ctx = ctx;
	vs->vs_hostfeat = devfeat | VIRTIO_F_VERSION_1 |
	    VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX;
	vs->vs_queues = calloc(ops->vd_nvq, sizeof(*vs->vs_queues));
	if (vs->vs_queues == NULL)
		return (-ENOMEM);
	pthread_mutex_init(&vs->vs_mtx, NULL);
	for (int i = 0; i < ops->vd_nvq; i++) {
		vs->vs_queues[i].vq_vs = vs;
		vs->vs_queues[i].vq_num = i;
		vq_reset(&vs->vs_queues[i]);
	}
	vs->vs_msix_cfg = VIRTIO_MSI_NO_VECTOR;
	return (0);
}

void
virtio_fini(struct virtio_softc *vs)
{
	free(vs->vs_queues);
	vs->vs_queues = NULL;
	pthread_mutex_destroy(&vs->vs_mtx);
}

void
vq_reset(struct vqueue_info *vq)
{
	vq->vq_qsize = vq->vq_vs->vs_ops->vd_qsize;
	vq->vq_enabled = false;
	vq->vq_msix_idx = VIRTIO_MSI_NO_VECTOR;
	vq->vq_desc_gpa = vq->vq_avail_gpa = vq->vq_used_gpa = 0;
	vq->vq_desc = NULL;
	vq->vq_avail = NULL;
	vq->vq_used = NULL;
	vq->vq_last_avail = vq->vq_next_used = vq->vq_save_used = 0;
}

void
virtio_reset(struct virtio_softc *vs)
{
	/* The device first, so that it stops using the queues (§2.4). */
	if (vs->vs_ops->vd_reset != NULL)
		vs->vs_ops->vd_reset(vs->vs_dev);
	for (int i = 0; i < vs->vs_ops->vd_nvq; i++)
		vq_reset(&vs->vs_queues[i]);
	vs->vs_drvfeat = 0;
	vs->vs_negotiated = 0;
	vs->vs_status = 0;
	vs->vs_isr = 0;
	vs->vs_msix_cfg = VIRTIO_MSI_NO_VECTOR;
	vs->vs_curq = 0;
	vs->vs_nerrs = 0;
}

void
virtio_set_driver_features(struct virtio_softc *vs, uint64_t feat)
{
	/* §3.1.1: features are fixed once FEATURES_OK is set. */
	if ((vs->vs_status & VIRTIO_S_FEATURES_OK) != 0)
		return;
	vs->vs_drvfeat = feat;
	/* The legacy interface has no FEATURES_OK: the write decides. */
	if (vs->vs_legacy) {
		vs->vs_negotiated = feat & vs->vs_hostfeat;
		if (vs->vs_ops->vd_apply_features != NULL)
			vs->vs_ops->vd_apply_features(vs->vs_dev,
			    vs->vs_negotiated);
	}
}

void
virtio_set_status(struct virtio_softc *vs, uint8_t status)
{
	uint8_t old = vs->vs_status;

	if (status == 0) {
		virtio_reset(vs);
		return;
	}
	/*
	 * §2.2.2: the device must not accept features it did not offer,
	 * and a modern device needs VERSION_1 (§6.1).  Refusing means not
	 * keeping FEATURES_OK, which the driver reads back (§3.1.1 step 6).
	 */
	if ((status & VIRTIO_S_FEATURES_OK) != 0 &&
	    (old & VIRTIO_S_FEATURES_OK) == 0) {
		if ((vs->vs_drvfeat & ~vs->vs_hostfeat) != 0 ||
		    (!vs->vs_legacy &&
		    (vs->vs_drvfeat & VIRTIO_F_VERSION_1) == 0)) {
			status &= ~VIRTIO_S_FEATURES_OK;
		} else {
			vs->vs_negotiated = vs->vs_drvfeat;
			if (vs->vs_ops->vd_apply_features != NULL)
				vs->vs_ops->vd_apply_features(vs->vs_dev,
				    vs->vs_negotiated);
		}
	}
	/* The driver cannot clear FEATURES_OK or set NEEDS_RESET itself. */
	if ((old & VIRTIO_S_FEATURES_OK) != 0)
		status |= VIRTIO_S_FEATURES_OK;
	status = (status & ~VIRTIO_S_NEEDS_RESET) |
	    (old & VIRTIO_S_NEEDS_RESET);
	vs->vs_status = status;
}

void
virtio_needs_reset(struct virtio_softc *vs, const char *why, ...)
{
	va_list ap;

	va_start(ap, why);
	vs_log(vs, why, ap);
	va_end(ap);
	if ((vs->vs_status & VIRTIO_S_NEEDS_RESET) != 0)
		return;
	vs->vs_status |= VIRTIO_S_NEEDS_RESET;
	/* §2.1.2: a device in DRIVER_OK state sends a config interrupt. */
	if ((vs->vs_status & VIRTIO_S_DRIVER_OK) != 0)
		virtio_config_changed(vs);
}

void
virtio_config_changed(struct virtio_softc *vs)
{
	vs->vs_cfggen++;
	vs->vs_isr |= VIRTIO_ISR_CONFIG;
	if (vs->vs_tr != NULL && vs->vs_tr->vt_intr != NULL)
		vs->vs_tr->vt_intr(vs, vs->vs_msix_cfg, VIRTIO_ISR_CONFIG);
}

/* Is [gpa, gpa + len) guest RAM?  Returns the host pointer or NULL. */
static void *
vq_map(struct virtio_softc *vs, uint64_t gpa, size_t len)
{
	if (len == 0 || gpa + len < gpa)
		return (NULL);
	return (vm_map_gpa(vs->vs_ctx, gpa, len));
}

int
vq_enable(struct vqueue_info *vq)
{
	struct virtio_softc *vs = vq->vq_vs;
	uint16_t n = vq->vq_qsize;
	void *d, *a, *u;

	/*
	 * §2.7: a split queue's size need not be a power of two in 1.x,
	 * but it must be nonzero and no larger than what we offered.  The
	 * alignments are §2.7's table (desc 16, avail 2, used 4).
	 */
	if (n == 0 || n > vs->vs_ops->vd_qsize ||
	    (vs->vs_legacy && (n & (n - 1)) != 0)) {
		virtio_needs_reset(vs, "queue %d: bad size %u", vq->vq_num, n);
		return (-1);
	}
	if ((vq->vq_desc_gpa & 15) != 0 || (vq->vq_avail_gpa & 1) != 0 ||
	    (vq->vq_used_gpa & 3) != 0) {
		virtio_needs_reset(vs, "queue %d: misaligned rings",
		    vq->vq_num);
		return (-1);
	}
	/* The event words sit after each ring: 2 more bytes each. */
	d = vq_map(vs, vq->vq_desc_gpa, VRING_DESC_SIZE(n));
	a = vq_map(vs, vq->vq_avail_gpa, VRING_AVAIL_SIZE(n));
	u = vq_map(vs, vq->vq_used_gpa, VRING_USED_SIZE(n));
	if (d == NULL || a == NULL || u == NULL) {
		virtio_needs_reset(vs, "queue %d: rings at 0x%llx/0x%llx/"
		    "0x%llx are not guest RAM", vq->vq_num,
		    (unsigned long long)vq->vq_desc_gpa,
		    (unsigned long long)vq->vq_avail_gpa,
		    (unsigned long long)vq->vq_used_gpa);
		return (-1);
	}
	vq->vq_desc = d;
	vq->vq_avail = a;
	vq->vq_used = u;
	/* §2.7: both indexes start at 0 (the driver zeroed the rings). */
	vq->vq_last_avail = 0;
	vq->vq_next_used = 0;
	vq->vq_save_used = 0;
	vq->vq_enabled = true;
	return (0);
}

static inline bool
vq_usable(const struct vqueue_info *vq)
{
	return (vq->vq_enabled &&
	    (vq->vq_vs->vs_status & VIRTIO_S_NEEDS_RESET) == 0);
}

bool
vq_has_descs(struct vqueue_info *vq)
{
	uint16_t idx;

	if (!vq_usable(vq))
		return (false);
	idx = __atomic_load_n(&vq->vq_avail->idx, __ATOMIC_ACQUIRE);
	return (idx != vq->vq_last_avail);
}

/* Where the avail/used rings keep the event words (§2.7.10). */
static inline volatile uint16_t *
vq_used_event(struct vqueue_info *vq)
{
	return (&vq->vq_avail->ring[vq->vq_qsize]);
}

static inline volatile uint16_t *
vq_avail_event(struct vqueue_info *vq)
{
	return ((volatile uint16_t *)&vq->vq_used->ring[vq->vq_qsize]);
}

static void
vq_notify_used(struct vqueue_info *vq, size_t off, size_t len)
{
	vm_notify_write(vq->vq_vs->vs_ctx, vq->vq_used_gpa + off, len);
}

/* Read descriptor i of a table once, into *d. */
static inline void
desc_read(volatile struct vring_desc *tab, unsigned i, struct vring_desc *d)
{
	d->addr = tab[i].addr;
	d->len = tab[i].len;
	d->flags = tab[i].flags;
	d->next = tab[i].next;
}

/* Add one buffer to the chain being built.  0 or -1. */
static int
chain_add(struct vqueue_info *vq, const struct vring_desc *d,
    struct iovec *iov, uint64_t *gpa, int niov, int *n, struct vq_req *req)
{
	struct virtio_softc *vs = vq->vq_vs;
	void *p = NULL;

	if (*n >= niov) {
		virtio_needs_reset(vs, "queue %d: chain of more than %d "
		    "buffers", vq->vq_num, niov);
		return (-1);
	}
	if ((d->flags & VRING_DESC_F_WRITE) != 0) {
		req->writable++;
	} else if (req->writable != 0) {
		/* §2.7.4.2: readable descriptors come first. */
		virtio_needs_reset(vs, "queue %d: readable buffer after a "
		    "writable one", vq->vq_num);
		return (-1);
	} else {
		req->readable++;
	}
	if (d->len != 0) {
		p = vq_map(vs, d->addr, d->len);
		if (p == NULL) {
			virtio_needs_reset(vs, "queue %d: buffer 0x%llx+%u "
			    "is not guest RAM", vq->vq_num,
			    (unsigned long long)d->addr, d->len);
			return (-1);
		}
	}
	iov[*n].iov_base = p;
	iov[*n].iov_len = d->len;
	if (gpa != NULL)
		gpa[*n] = d->addr;
	(*n)++;
	return (0);
}

/* Walk an indirect table (§2.7.5.3).  0 or -1. */
static int
chain_indirect(struct vqueue_info *vq, const struct vring_desc *id,
    struct iovec *iov, uint64_t *gpa, int niov, int *n, struct vq_req *req)
{
	struct virtio_softc *vs = vq->vq_vs;
	volatile struct vring_desc *tab;
	struct vring_desc d;
	unsigned cnt, i, seen;

	if (!virtio_negotiated(vs, VIRTIO_RING_F_INDIRECT_DESC)) {
		virtio_needs_reset(vs, "queue %d: indirect descriptor "
		    "without the feature", vq->vq_num);
		return (-1);
	}
	/* §2.7.5.3.1: a whole number of descriptors, and no NEXT. */
	if (id->len == 0 || (id->len % sizeof(struct vring_desc)) != 0 ||
	    (id->flags & VRING_DESC_F_NEXT) != 0) {
		virtio_needs_reset(vs, "queue %d: bad indirect descriptor "
		    "(len %u flags 0x%x)", vq->vq_num, id->len, id->flags);
		return (-1);
	}
	cnt = id->len / sizeof(struct vring_desc);
	tab = vq_map(vs, id->addr, id->len);
	if (tab == NULL) {
		virtio_needs_reset(vs, "queue %d: indirect table 0x%llx+%u "
		    "is not guest RAM", vq->vq_num,
		    (unsigned long long)id->addr, id->len);
		return (-1);
	}
	for (i = 0, seen = 0;; seen++) {
		if (seen >= cnt) {
			virtio_needs_reset(vs, "queue %d: indirect chain "
			    "loops", vq->vq_num);
			return (-1);
		}
		desc_read(tab, i, &d);
		if ((d.flags & VRING_DESC_F_INDIRECT) != 0) {
			virtio_needs_reset(vs, "queue %d: nested indirect "
			    "table", vq->vq_num);
			return (-1);
		}
		if (chain_add(vq, &d, iov, gpa, niov, n, req) != 0)
			return (-1);
		if ((d.flags & VRING_DESC_F_NEXT) == 0)
			return (0);
		if (d.next >= cnt) {
			virtio_needs_reset(vs, "queue %d: indirect next %u "
			    "out of %u", vq->vq_num, d.next, cnt);
			return (-1);
		}
		i = d.next;
	}
}

int
vq_getchain_gpa(struct vqueue_info *vq, struct iovec *iov, uint64_t *gpa,
    int niov, struct vq_req *req)
{
	struct virtio_softc *vs = vq->vq_vs;
	struct vring_desc d;
	uint16_t aidx, head, qs = vq->vq_qsize;
	unsigned i, seen;
	int n = 0;

	memset(req, 0, sizeof(*req));
	if (!vq_usable(vq))
		return (0);
	aidx = __atomic_load_n(&vq->vq_avail->idx, __ATOMIC_ACQUIRE);
	if (aidx == vq->vq_last_avail)
		return (0);
	/* §2.7.13.3: the driver may be at most qsize ahead of us. */
	if ((uint16_t)(aidx - vq->vq_last_avail) > qs) {
		virtio_needs_reset(vs, "queue %d: avail idx %u is %u ahead",
		    vq->vq_num, aidx, (uint16_t)(aidx - vq->vq_last_avail));
		return (-1);
	}
	head = vq->vq_avail->ring[vq->vq_last_avail % qs];
	vq->vq_last_avail++;
	if (virtio_negotiated(vs, VIRTIO_RING_F_EVENT_IDX)) {
		/*
		 * Ask to be notified for anything after what we consumed,
		 * then make the store visible before we look at avail->idx
		 * again (the driver's side is vring_need_event, §2.7.10).
		 */
		*vq_avail_event(vq) = vq->vq_last_avail;
		vq_notify_used(vq, 4 + 8 * (size_t)qs, 2);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	if (head >= qs) {
		virtio_needs_reset(vs, "queue %d: head %u out of %u",
		    vq->vq_num, head, qs);
		return (-1);
	}
	req->idx = head;
	/* Each table entry at most once: a longer walk is a loop. */
	for (i = head, seen = 0;; seen++) {
		if (seen >= qs) {
			virtio_needs_reset(vs, "queue %d: chain loops",
			    vq->vq_num);
			return (-1);
		}
		desc_read(vq->vq_desc, i, &d);
		if ((d.flags & VRING_DESC_F_INDIRECT) != 0) {
			if (chain_indirect(vq, &d, iov, gpa, niov, &n,
			    req) != 0)
				return (-1);
			/* §2.7.5.3.1: an indirect descriptor ends a chain. */
			return (n);
		}
		if (chain_add(vq, &d, iov, gpa, niov, &n, req) != 0)
			return (-1);
		if ((d.flags & VRING_DESC_F_NEXT) == 0)
			return (n);
		if (d.next >= qs) {
			virtio_needs_reset(vs, "queue %d: next %u out of %u",
			    vq->vq_num, d.next, qs);
			return (-1);
		}
		i = d.next;
	}
}

int
vq_getchain(struct vqueue_info *vq, struct iovec *iov, int niov,
    struct vq_req *req)
{
	return (vq_getchain_gpa(vq, iov, NULL, niov, req));
}

void
vq_retchain(struct vqueue_info *vq)
{
	vq->vq_last_avail--;
}

void
vq_relchain(struct vqueue_info *vq, uint16_t idx, uint32_t len)
{
	volatile struct vring_used_elem *ue;
	uint16_t slot;

	if (!vq->vq_enabled)
		return;		/* reset while the request ran */
	slot = vq->vq_next_used % vq->vq_qsize;
	ue = &vq->vq_used->ring[slot];
	ue->id = idx;
	ue->len = len;
	vq_notify_used(vq, 4 + 8 * (size_t)slot, 8);
	vq->vq_next_used++;
	/* §2.7.8.2: the element is visible before the index that covers it. */
	__atomic_store_n(&vq->vq_used->idx, vq->vq_next_used,
	    __ATOMIC_RELEASE);
	vq_notify_used(vq, 2, 2);
}

void
vq_endchains(struct vqueue_info *vq, bool used_all_avail)
{
	struct virtio_softc *vs = vq->vq_vs;
	uint16_t old, new, ev;
	bool intr;

	if (!vq->vq_enabled)
		return;
	/* The used index we published before reading the driver's wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	old = vq->vq_save_used;
	new = vq->vq_next_used;
	vq->vq_save_used = new;
	if (old == new)
		return;
	if (virtio_negotiated(vs, VIRTIO_RING_F_EVENT_IDX)) {
		/* §2.7.10: vring_need_event(used_event, new, old). */
		ev = *vq_used_event(vq);
		intr = (uint16_t)(new - ev - 1) < (uint16_t)(new - old);
	} else {
		intr = (vq->vq_avail->flags & VRING_AVAIL_F_NO_INTERRUPT) == 0;
		if (used_all_avail &&
		    virtio_negotiated(vs, VIRTIO_F_NOTIFY_ON_EMPTY))
			intr = true;
	}
	if (!intr)
		return;
	vs->vs_isr |= VIRTIO_ISR_QUEUE;
	if (vs->vs_tr != NULL && vs->vs_tr->vt_intr != NULL)
		vs->vs_tr->vt_intr(vs, vq->vq_msix_idx, VIRTIO_ISR_QUEUE);
}

void
vq_dma_written(struct vqueue_info *vq, const struct iovec *iov,
    const uint64_t *gpa, int n, size_t len)
{
	for (int i = 0; i < n && len > 0; i++) {
		size_t l = iov[i].iov_len < len ? iov[i].iov_len : len;

		if (l != 0)
			vm_notify_write(vq->vq_vs->vs_ctx, gpa[i], l);
		len -= l;
	}
}

/* ---- iovec helpers ---- */

size_t
iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;

	for (int i = 0; i < n; i++)
		t += iov[i].iov_len;
	return (t);
}

size_t
iov_to_buf(const struct iovec *iov, int n, size_t off, void *buf, size_t len)
{
	size_t done = 0;

	for (int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len - done)
			l = len - done;
		memcpy((char *)buf + done, (char *)iov[i].iov_base + off, l);
		done += l;
		off = 0;
	}
	return (done);
}

size_t
buf_to_iov(const void *buf, size_t len, struct iovec *iov, int n, size_t off)
{
	size_t done = 0;

	for (int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len - done)
			l = len - done;
		memcpy((char *)iov[i].iov_base + off, (const char *)buf + done,
		    l);
		done += l;
		off = 0;
	}
	return (done);
}

int
iov_slice(const struct iovec *iov, int n, size_t off, size_t len,
    struct iovec *dst, int dmax)
{
	int k = 0;

	for (int i = 0; i < n && len > 0; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		if (k >= dmax)
			return (-1);
		dst[k].iov_base = (char *)iov[i].iov_base + off;
		dst[k].iov_len = l;
		k++;
		len -= l;
		off = 0;
	}
	return (len == 0 ? k : -1);
}
