/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nvme_priv.h: what the NVMe controller's files share (pci_nvme.c: PCI,
 * registers, queues, interrupts; nvme_admin.c: the admin command set;
 * nvme_io.c: PRPs, the NVM command set and the two backends).  Register,
 * command and status names follow NVM Express Base Specification 1.4.
 */
#ifndef LHYVE_NVME_PRIV_H
#define LHYVE_NVME_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "devices/block_if.h"
#include "devices/pci_emul.h"

/* Controller registers (§3.1), BAR 0. */
#define NVME_REG_CAP		0x00
#define NVME_REG_VS		0x08
#define NVME_REG_INTMS		0x0c
#define NVME_REG_INTMC		0x10
#define NVME_REG_CC		0x14
#define NVME_REG_CSTS		0x1c
#define NVME_REG_NSSR		0x20
#define NVME_REG_AQA		0x24
#define NVME_REG_ASQ		0x28
#define NVME_REG_ACQ		0x30
#define NVME_REG_DBS		0x1000	/* doorbells, CAP.DSTRD = 0 */
#define NVME_BAR_SIZE		0x4000

#define NVME_CC_EN		(1u << 0)
#define NVME_CC_CSS(cc)		(((cc) >> 4) & 7)
#define NVME_CC_MPS(cc)		(((cc) >> 7) & 0xf)
#define NVME_CC_SHN(cc)		(((cc) >> 14) & 3)
#define NVME_CC_IOSQES(cc)	(((cc) >> 16) & 0xf)
#define NVME_CC_IOCQES(cc)	(((cc) >> 20) & 0xf)
#define NVME_CC_WMASK		0x00fffff1u	/* EN, CSS..IOCQES */

#define NVME_CSTS_RDY		(1u << 0)
#define NVME_CSTS_CFS		(1u << 1)
#define NVME_CSTS_SHST_MASK	(3u << 2)
#define NVME_CSTS_SHST_BUSY	(1u << 2)
#define NVME_CSTS_SHST_DONE	(2u << 2)

#define NVME_VERSION		0x00010400u	/* 1.4.0 */
#define NVME_PAGE		4096u		/* CAP.MPSMIN = MPSMAX = 0 */
#define NVME_MDTS		6		/* 2^6 pages: 256 KiB */
#define NVME_MAX_XFER		(NVME_PAGE << NVME_MDTS)
#define NVME_AERL		3		/* 0's based: 4 AERs */
#define NVME_ACL		3		/* 0's based: 4 aborts */
#define NVME_SQES		6		/* 64-byte SQ entries */
#define NVME_CQES		4		/* 16-byte CQ entries */
#define NVME_MAX_DSM_RANGES	256

/* Admin opcodes (§5, Figure 139). */
#define NVME_OPC_DELETE_IO_SQ	0x00
#define NVME_OPC_CREATE_IO_SQ	0x01
#define NVME_OPC_GET_LOG_PAGE	0x02
#define NVME_OPC_DELETE_IO_CQ	0x04
#define NVME_OPC_CREATE_IO_CQ	0x05
#define NVME_OPC_IDENTIFY	0x06
#define NVME_OPC_ABORT		0x08
#define NVME_OPC_SET_FEATURES	0x09
#define NVME_OPC_GET_FEATURES	0x0a
#define NVME_OPC_ASYNC_EVENT	0x0c

/* NVM command set opcodes (§6, Figure 346). */
#define NVME_OPC_FLUSH		0x00
#define NVME_OPC_WRITE		0x01
#define NVME_OPC_READ		0x02
#define NVME_OPC_WRITE_ZEROES	0x08
#define NVME_OPC_DSM		0x09

/*
 * Status: the 15-bit Status Field of a completion entry (§4.6.1.2):
 * SC in bits 7:0, SCT in 10:8, DNR in 14.
 */
#define NVME_SCT_GENERIC	0
#define NVME_SCT_CMD		1
#define NVME_ST(sct, sc)	((uint16_t)(((sct) << 8) | (sc)))
#define NVME_DNR		0x4000

#define NVME_SC_SUCCESS			NVME_ST(0, 0x00)
#define NVME_SC_INVALID_OPCODE		NVME_ST(0, 0x01)
#define NVME_SC_INVALID_FIELD		NVME_ST(0, 0x02)
#define NVME_SC_DATA_XFER_ERROR		NVME_ST(0, 0x04)
#define NVME_SC_INTERNAL		NVME_ST(0, 0x06)
#define NVME_SC_ABORTED_SQ_DEL		NVME_ST(0, 0x08)
#define NVME_SC_INVALID_NS		NVME_ST(0, 0x0b)
#define NVME_SC_CMD_SEQ_ERROR		NVME_ST(0, 0x0c)
#define NVME_SC_INVALID_PRP_OFFSET	NVME_ST(0, 0x13)
#define NVME_SC_LBA_OUT_OF_RANGE	NVME_ST(0, 0x80)
#define NVME_SC_CQ_INVALID		NVME_ST(1, 0x00)
#define NVME_SC_INVALID_QID		NVME_ST(1, 0x01)
#define NVME_SC_INVALID_QSIZE		NVME_ST(1, 0x02)
#define NVME_SC_AER_LIMIT		NVME_ST(1, 0x05)
#define NVME_SC_INVALID_VECTOR		NVME_ST(1, 0x08)
#define NVME_SC_INVALID_LOG_PAGE	NVME_ST(1, 0x09)
#define NVME_SC_INVALID_QDELETION	NVME_ST(1, 0x0c)
#define NVME_SC_NOT_SAVEABLE		NVME_ST(1, 0x0d)
#define NVME_SC_WRITE_RO		NVME_ST(1, 0x82)

/* Asynchronous event information for error events (§5.2, Figure 146). */
#define NVME_AEI_INVALID_DB_REG		0x00
#define NVME_AEI_INVALID_DB_VALUE	0x01

/* A submission queue entry as the guest wrote it (§4.2). */
struct nvme_cmd {
	uint32_t cdw0;		/* OPC 7:0, FUSE 9:8, PSDT 15:14, CID 31:16 */
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_sq {
	bool exists;
	bool deleting;		/* Delete I/O SQ is waiting for it */
	uint16_t size, head, tail, cqid;
	uint64_t gpa;
	uint8_t *ring;		/* host view of the whole ring */
	int inflight;		/* fetched, not yet completed */
};

struct nvme_cq {
	bool exists;
	bool ien;		/* interrupts enabled */
	bool intr;		/* an entry was posted since the last message */
	uint8_t phase;
	uint16_t size, head, tail, iv;
	uint64_t gpa;
	uint8_t *ring;
	int reserved;		/* entries promised to fetched commands */
	int nsq;		/* SQs that complete here */
};

struct nvme_softc;

/* One NVM command in flight on block_if. */
struct nvme_ioreq {
	struct blockif_req br;		/* first: the callback casts back */
	struct nvme_softc *sc;
	struct nvme_ioreq *next;	/* the free list */
	uint16_t sqid, cid;
	uint8_t opc;
	bool flush_after;		/* FUA, or write-through (WCE = 0) */
	bool flushing;
	int nseg;			/* guest ranges to report as written */
	uint64_t seg_gpa[BLOCKIF_IOV_MAX];
	uint32_t seg_len[BLOCKIF_IOV_MAX];
	/* Write Zeroes and deallocate go in pieces. */
	uint64_t off, end;		/* bytes */
	int nrange, cur;
	struct {
		uint64_t off, len;	/* bytes */
	} range[NVME_MAX_DSM_RANGES];
};

struct nvme_softc {
	struct pci_devinst *pi;
	struct vmctx *ctx;
	char ident[PI_NAMESZ];
	pthread_mutex_t mtx;
	pthread_cond_t cv;		/* I/O finished, an SQ drained */

	/* Configuration (-s options). */
	int maxq;			/* I/O queue pairs, 1..NVME_MAXQ */
	uint32_t qsz;			/* CAP.MQES + 1 */
	int ioslots;
	uint32_t sectsz;
	int lbads;			/* log2(sectsz) */
	uint64_t nsze;			/* namespace size in blocks */
	bool ro, dsm, wz_dealloc_zeroes;
	char ser[21];
	uint64_t eui64;
	uint8_t nguid[16];
	struct blockif_ctxt *bc;	/* an image, or ... */
	uint8_t *ram;			/* ... ram=: anonymous memory */
	size_t ramsz;

	/* Registers. */
	uint64_t cap;
	uint32_t cc, csts, aqa, intms;
	uint64_t asq, acq;
	bool stopped;			/* shutting down: fetch nothing */
	bool in_admin;			/* a thread is running the admin SQ */
	uint32_t gen;			/* controller resets so far */

	struct nvme_sq *sq;		/* maxq + 1, [0] the admin queue */
	struct nvme_cq *cq;
	int nvec;			/* MSI-X vectors */

	/* Features (§5.21.1); reset to defaults by a controller reset. */
	uint16_t nsqa, ncqa;		/* Number of Queues, 0's based */
	bool queues_set;
	uint32_t f_arb, f_pm, f_err, f_icoal, f_wan, f_aec;
	uint16_t f_tmp_over, f_tmp_under;
	bool wce;
	uint64_t ivc_cd;		/* Interrupt Vector Config: CD bits */

	/* Asynchronous events (§5.2). */
	uint16_t aer_cid[NVME_AERL + 1];
	int naer;
	int aen_pending;		/* error info to report, or -1 */
	bool aen_masked;		/* until the error log is read */
	uint64_t err_count;
	uint8_t err_entry[64];		/* the one Error Information entry */

	/* I/O slots (ioslots=). */
	struct nvme_ioreq *ioreqs, *freereq;
	int nbusy;
	bool slots_wanted;		/* an SQ stopped for a free slot */
	struct blockif_req shut_req;

	/* SMART counters. */
	uint64_t units_read, units_written;	/* 512-byte units */
	uint64_t host_reads, host_writes;
	uint64_t start_ns;
};

#define NVME_MAXQ	64

/* pci_nvme.c */
void nvme_complete(struct nvme_softc *sc, uint16_t sqid, uint16_t cid,
    uint32_t dw0, uint16_t status);
void nvme_send_intrs(struct nvme_softc *sc);
void nvme_run_io_sqs(struct nvme_softc *sc);
void nvme_sq_abort_rest(struct nvme_softc *sc, uint16_t qid);
void nvme_put_ioreq(struct nvme_softc *sc, struct nvme_ioreq *io);
void nvme_error_event(struct nvme_softc *sc, int info, uint16_t sqid);
void nvme_aen_flush(struct nvme_softc *sc);

/* nvme_admin.c: one admin command; completes it (or keeps an AER). */
void nvme_admin_cmd(struct nvme_softc *sc, const struct nvme_cmd *cmd);
void nvme_features_reset(struct nvme_softc *sc);

/* nvme_io.c */
void nvme_io_cmd(struct nvme_softc *sc, uint16_t sqid,
    const struct nvme_cmd *cmd, struct nvme_ioreq *io);
/*
 * Map the PRP1/PRP2 data pointer of a command for len bytes (§4.3):
 * fills up to max iovecs (and the guest address of each) and returns
 * NVME_SC_SUCCESS or the status the command fails with.
 */
uint16_t nvme_prp_map(struct nvme_softc *sc, uint64_t prp1, uint64_t prp2,
    size_t len, struct iovec *iov, uint64_t *gpa, int max, int *niov);
/* Copy a buffer to / from a command's PRPs; a status. */
uint16_t nvme_prp_out(struct nvme_softc *sc, const struct nvme_cmd *cmd,
    const void *buf, size_t len);
uint16_t nvme_prp_in(struct nvme_softc *sc, const struct nvme_cmd *cmd,
    void *buf, size_t len);

#endif /* LHYVE_NVME_PRIV_H */
