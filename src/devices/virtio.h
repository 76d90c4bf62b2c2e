/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio.h: the transport-independent virtio core (virtio 1.2): device
 * status and feature negotiation, split virtqueues (§2.7) walked with
 * every guest-supplied index, length and address checked, indirect
 * descriptors (§2.7.5.3) and event-index suppression (§2.7.7, §2.7.10).
 *
 * Three parties meet here:
 *   - a device core (virtio-blk, virtio-rnd, ...) fills a struct
 *     virtio_devops and only ever calls the vq_* and virtio_* functions
 *     below; it never knows which transport carries it;
 *   - a transport (pci_virtio.c; virtio-mmio later) owns the registers the
 *     guest sees and drives the core through virtio_set_status(),
 *     virtio_set_driver_features(), vq_enable(), ...; it delivers
 *     interrupts through its struct virtio_trops;
 *   - guest memory, reached only through vm_map_gpa(): a ring or buffer
 *     that is not wholly guest RAM is refused, never touched.
 *
 * Locking: vs_mtx guards the softc and every queue.  Transports hold it
 * around register accesses (so device callbacks run with it held) and
 * device cores hold it when they complete requests from other threads.
 * vt_intr is called with it held.
 */
#ifndef LHYVE_VIRTIO_H
#define LHYVE_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct vmctx;

/* Device status bits (§2.1). */
#define VIRTIO_S_ACKNOWLEDGE	0x01
#define VIRTIO_S_DRIVER		0x02
#define VIRTIO_S_DRIVER_OK	0x04
#define VIRTIO_S_FEATURES_OK	0x08
#define VIRTIO_S_NEEDS_RESET	0x40
#define VIRTIO_S_FAILED		0x80

/* Transport and ring feature bits (§6). */
#define VIRTIO_F_NOTIFY_ON_EMPTY	(1ULL << 24)	/* legacy only */
#define VIRTIO_F_ANY_LAYOUT		(1ULL << 27)	/* legacy only */
#define VIRTIO_RING_F_INDIRECT_DESC	(1ULL << 28)
#define VIRTIO_RING_F_EVENT_IDX		(1ULL << 29)
#define VIRTIO_F_VERSION_1		(1ULL << 32)

/* ISR bits (§4.1.4.5). */
#define VIRTIO_ISR_QUEUE	0x01
#define VIRTIO_ISR_CONFIG	0x02

/* Device IDs (§5). */
#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_ENTROPY	4

/* Split ring layout (§2.7.5-2.7.8). */
#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT	1
#define VRING_USED_F_NO_NOTIFY		1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];	/* then le16 used_event */
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];	/* then le16 avail_event */
};

_Static_assert(sizeof(struct vring_desc) == 16, "vring_desc layout");
_Static_assert(sizeof(struct vring_used_elem) == 8, "used elem layout");
_Static_assert(offsetof(struct vring_used, ring) == 4, "used layout");

/* Bytes each ring part needs for a queue of n entries (§2.7). */
#define VRING_DESC_SIZE(n)	(16 * (size_t)(n))
#define VRING_AVAIL_SIZE(n)	(6 + 2 * (size_t)(n))
#define VRING_USED_SIZE(n)	(6 + 8 * (size_t)(n))

/* The largest queue a device may offer (§2.7: at most 32768). */
#define VQ_MAX_SIZE		32768
#define VIRTIO_MSI_NO_VECTOR	0xffff

struct virtio_softc;
struct vqueue_info;

/* What a device core provides (bhyve's struct virtio_consts). */
struct virtio_devops {
	const char *vd_name;		/* for messages */
	uint16_t vd_devid;		/* VIRTIO_ID_* */
	int vd_nvq;
	uint16_t vd_qsize;		/* the queue size offered */
	size_t vd_cfgsize;		/* bytes of device config space */
	/* Back to the power-on state; called with vs_mtx held. */
	void (*vd_reset)(void *sc);
	/* The driver notified queue vq ("available buffers"). */
	void (*vd_qnotify)(void *sc, struct vqueue_info *vq);
	/* Device config space; 0 or -1 (the transport then reads ones). */
	int (*vd_cfgread)(void *sc, int offset, int size, uint32_t *retval);
	int (*vd_cfgwrite)(void *sc, int offset, int size, uint32_t value);
	/* The driver accepted these features (FEATURES_OK). */
	void (*vd_apply_features)(void *sc, uint64_t negotiated);
};

/* What a transport provides. */
struct virtio_trops {
	/*
	 * Raise an interrupt: vector is the queue's or config's MSI-X
	 * vector as the driver set it; isr the ISR bit(s) that were set.
	 */
	void (*vt_intr)(struct virtio_softc *vs, uint16_t vector, int isr);
};

struct vqueue_info {
	struct virtio_softc *vq_vs;
	uint16_t vq_num;		/* index in vs_queues */
	uint16_t vq_qsize;		/* as the driver set it */
	bool vq_enabled;		/* rings mapped and checked */
	uint16_t vq_msix_idx;
	uint64_t vq_desc_gpa, vq_avail_gpa, vq_used_gpa;

	/* Host views of the rings, valid while vq_enabled. */
	volatile struct vring_desc *vq_desc;
	volatile struct vring_avail *vq_avail;
	volatile struct vring_used *vq_used;

	uint16_t vq_last_avail;		/* next avail entry we consume */
	uint16_t vq_next_used;		/* our shadow of used->idx */
	uint16_t vq_save_used;		/* used->idx at the last interrupt */
};

struct virtio_softc {
	const struct virtio_devops *vs_ops;
	void *vs_dev;			/* the device's softc */
	const struct virtio_trops *vs_tr;
	void *vs_trarg;			/* the transport's state */
	struct vmctx *vs_ctx;
	pthread_mutex_t vs_mtx;

	uint64_t vs_hostfeat;		/* what we offer */
	uint64_t vs_drvfeat;		/* what the driver wrote */
	uint64_t vs_negotiated;		/* valid once FEATURES_OK */
	uint8_t vs_status;
	uint8_t vs_isr;
	uint8_t vs_cfggen;		/* config generation (§4.1.4.3) */
	uint16_t vs_msix_cfg;		/* config change vector */
	uint16_t vs_curq;		/* queue_select */
	bool vs_legacy;			/* driven through the 0.9.5 interface */
	unsigned vs_nerrs;		/* guest errors logged (rate limit) */
	struct vqueue_info *vs_queues;
};

/* One chain as vq_getchain() found it. */
struct vq_req {
	uint16_t idx;			/* head index, for vq_relchain */
	int readable;			/* driver-to-device buffers first */
	int writable;			/* then device-to-driver ones */
};

/*
 * Set up vs for a device: queues of ops->vd_qsize, the features the
 * device offers (VERSION_1, INDIRECT_DESC and EVENT_IDX are added).
 * 0 or -errno.
 */
int virtio_init(struct virtio_softc *vs, const struct virtio_devops *ops,
    void *dev, uint64_t devfeat, struct vmctx *ctx);
void virtio_fini(struct virtio_softc *vs);
/* Device reset (§2.4): queues, features, status, ISR; calls vd_reset. */
void virtio_reset(struct virtio_softc *vs);
/*
 * The driver wrote the status register.  0 resets.  FEATURES_OK is kept
 * only if the driver's features are a subset of ours (and include
 * VERSION_1 unless vs_legacy); then vd_apply_features is called.
 */
void virtio_set_status(struct virtio_softc *vs, uint8_t status);
/* Mark the device broken (§2.1.2) and tell the driver. */
void virtio_needs_reset(struct virtio_softc *vs, const char *why, ...)
    __attribute__((format(printf, 2, 3)));
/* A config-space change: bump the generation and interrupt. */
void virtio_config_changed(struct virtio_softc *vs);
/* The driver's feature word; ignored outside feature negotiation. */
void virtio_set_driver_features(struct virtio_softc *vs, uint64_t feat);
static inline bool
virtio_negotiated(const struct virtio_softc *vs, uint64_t feat)
{
	return ((vs->vs_negotiated & feat) == feat);
}

/*
 * Enable queue vq with the addresses and size the driver set: checks the
 * size (a power of two, 1..the offered size; any size in 1.x) and that
 * each ring part is aligned (§2.7) and wholly guest RAM.  0 or -1 (the
 * queue stays disabled and the device is marked broken).
 */
int vq_enable(struct vqueue_info *vq);
void vq_reset(struct vqueue_info *vq);

/* True if the driver made buffers available we have not consumed. */
bool vq_has_descs(struct vqueue_info *vq);
/*
 * Take the next available chain: up to niov buffers into iov (host
 * pointers into guest RAM), readable ones first.  Returns the number of
 * buffers (>= 1), 0 if none is available, or -1 if the chain is
 * malformed (an index out of range, a loop or an overlong chain, a
 * readable buffer after a writable one, a bad indirect table, or memory
 * that is not guest RAM).  On -1 the device is marked broken
 * (NEEDS_RESET) and the queue stops: nothing the guest wrote is used.
 */
int vq_getchain(struct vqueue_info *vq, struct iovec *iov, int niov,
    struct vq_req *req);
/* The same, also giving each buffer's guest-physical address in gpa[]. */
int vq_getchain_gpa(struct vqueue_info *vq, struct iovec *iov,
    uint64_t *gpa, int niov, struct vq_req *req);
/*
 * The device wrote the first 'len' bytes of buffers iov[0..n) (the
 * writable part of a chain as vq_getchain_gpa gave it, with gpa[]): tell
 * the backend, whose code cache must forget what DMA overwrote.
 */
void vq_dma_written(struct vqueue_info *vq, const struct iovec *iov,
    const uint64_t *gpa, int n, size_t len);
/* Put the last chain taken back (the device could not handle it now). */
void vq_retchain(struct vqueue_info *vq);
/* Return chain idx to the driver with len bytes written. */
void vq_relchain(struct vqueue_info *vq, uint16_t idx, uint32_t len);
/*
 * After one or more vq_relchain: interrupt the driver unless it asked
 * not to be (NO_INTERRUPT, or the used_event index with EVENT_IDX).
 */
void vq_endchains(struct vqueue_info *vq, bool used_all_avail);

/* Copy helpers over an iovec (bounded by the iovec's total). */
size_t iov_total(const struct iovec *iov, int n);
size_t iov_to_buf(const struct iovec *iov, int n, size_t off, void *buf,
    size_t len);
size_t buf_to_iov(const void *buf, size_t len, struct iovec *iov, int n,
    size_t off);
/*
 * Describe bytes [off, off + len) of iov in dst (at most dmax entries).
 * Returns the entry count, or -1 if the range is out of bounds or needs
 * more than dmax entries.
 */
int iov_slice(const struct iovec *iov, int n, size_t off, size_t len,
    struct iovec *dst, int dmax);

#endif /* LHYVE_VIRTIO_H */
