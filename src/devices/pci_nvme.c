/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_nvme.c: an NVM Express 1.4 controller on PCI (bhyve's "nvme"): the
 * -s options, the PCI identity, the controller registers and doorbells in
 * BAR 0, queue fetching and completion posting, interrupts (MSI-X, one
 * vector per completion queue, or INTx), controller reset and shutdown.
 * The admin commands are in nvme_admin.c, the NVM commands and the
 * backends in nvme_io.c.
 *
 * Locking: sc->mtx guards everything here.  Doorbell writes run the
 * queues on the vCPU thread; block_if completions (worker threads) post
 * their completion entries and resume queues that stopped for a free
 * I/O slot.  A command is fetched only when its completion queue has a
 * free entry reserved for it, so a completion never waits for room.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "devices/nvme_priv.h"
#include "devices/pci_emul.h"
#include "devices/dev_opts.h"

#define NVME_DEF_MAXQ		16
#define NVME_DEF_QSZ		2058
#define NVME_DEF_IOSLOTS	8
#define NVME_MAX_IOSLOTS	256
#define NVME_MSIX_BAR		4
#define NVME_TO			30	/* CAP.TO: 15 s in 500 ms units */

/* Log only a few of the guest's mistakes (first 16, then 1 in 4096). */
static void
nvme_log(struct nvme_softc *sc, const char *what, unsigned a, unsigned b)
{
	static unsigned n;

	if (n++ < 16 || (n & 4095) == 0)
		fprintf(stderr, "lhyve: %s: %s (%u, %u)\n", sc->ident, what,
		    a, b);
}

/* ---- interrupts (§7.5) ---- */

/*
 * INTx is a level: high while an interrupt-enabled CQ holds entries the
 * host has not consumed and vector 0 is not masked (INTMS).
 */
static void
nvme_intx_update(struct nvme_softc *sc)
{
	bool level = false;

	if (pci_msix_enabled(sc->pi))
		return;
	for (int i = 0; i <= sc->maxq; i++) {
		struct nvme_cq *cq = &sc->cq[i];

		if (cq->exists && cq->ien && cq->head != cq->tail)
			level = true;
	}
	if (level && (sc->intms & 1) == 0)
		pci_lintr_assert(sc->pi);
	else
		pci_lintr_deassert(sc->pi);
}

/* Send the messages for completion queues that got entries. */
void
nvme_send_intrs(struct nvme_softc *sc)
{
	bool msix = pci_msix_enabled(sc->pi), any = false;

	for (int i = 0; i <= sc->maxq; i++) {
		struct nvme_cq *cq = &sc->cq[i];

		if (!cq->intr)
			continue;
		cq->intr = false;
		any = true;
		if (msix)
			pci_generate_msix(sc->pi, cq->iv);
	}
	if (any && !msix)
		nvme_intx_update(sc);
}

/* ---- completions (§4.6) ---- */

/*
 * Post the completion of command cid fetched from SQ sqid.  The entry
 * was reserved when the command was fetched.  DW3 (with the phase tag)
 * is stored last so the host never sees half an entry.
 */
void
nvme_complete(struct nvme_softc *sc, uint16_t sqid, uint16_t cid,
    uint32_t dw0, uint16_t status)
{
	struct nvme_sq *sq = &sc->sq[sqid];
	struct nvme_cq *cq = &sc->cq[sq->cqid];
	uint32_t *e, dw3;

	if (status != NVME_SC_SUCCESS && status != NVME_SC_DATA_XFER_ERROR &&
	    status != NVME_SC_INTERNAL)
		status |= NVME_DNR;	/* a retry would fail the same way */
	sq->inflight--;
	if (sq->deleting && sq->inflight == 0)
		pthread_cond_broadcast(&sc->cv);
	if (!cq->exists || cq->reserved <= 0)
		return;		/* reset underneath us: nothing to post */
	cq->reserved--;
	e = (uint32_t *)(cq->ring + (size_t)cq->tail * 16);
	e[0] = dw0;
	e[1] = 0;
	e[2] = sq->head | (uint32_t)sqid << 16;
	dw3 = cid | (uint32_t)cq->phase << 16 | (uint32_t)status << 17;
	__atomic_store_n(&e[3], dw3, __ATOMIC_RELEASE);
	vm_notify_write(sc->ctx, cq->gpa + (uint64_t)cq->tail * 16, 16);
	if (++cq->tail == cq->size) {
		cq->tail = 0;
		cq->phase ^= 1;
	}
	if (cq->ien)
		cq->intr = true;
}

/* ---- I/O slots ---- */

static struct nvme_ioreq *
nvme_get_ioreq(struct nvme_softc *sc)
{
	struct nvme_ioreq *io = sc->freereq;

	if (io != NULL) {
		sc->freereq = io->next;
		sc->nbusy++;
	}
	return (io);
}

void
nvme_put_ioreq(struct nvme_softc *sc, struct nvme_ioreq *io)
{
	io->next = sc->freereq;
	sc->freereq = io;
	if (--sc->nbusy == 0)
		pthread_cond_broadcast(&sc->cv);
}

/* ---- fetching (§4.1) ---- */

/* Free CQ entries not yet promised to a fetched command. */
static int
nvme_cq_room(const struct nvme_cq *cq)
{
	int used = (cq->tail + cq->size - cq->head) % cq->size;

	return (cq->size - 1 - used - cq->reserved);
}

static bool
nvme_running(const struct nvme_softc *sc)
{
	return ((sc->csts & NVME_CSTS_RDY) != 0 &&
	    (sc->csts & NVME_CSTS_CFS) == 0 && !sc->stopped);
}

/* Take commands off SQ qid while they can be completed. */
static void
nvme_run_sq(struct nvme_softc *sc, uint16_t qid)
{
	struct nvme_sq *sq = &sc->sq[qid];
	struct nvme_cmd cmd;
	struct nvme_ioreq *io = NULL;

	/*
	 * Delete I/O SQ may wait (dropping sc->mtx) inside an admin
	 * command: the thread running the admin SQ picks up what another
	 * vCPU's doorbell adds, so admin commands never run concurrently.
	 */
	if (qid == 0) {
		if (sc->in_admin)
			return;
		sc->in_admin = true;
	}
	while (sq->exists && !sq->deleting && sq->head != sq->tail &&
	    nvme_running(sc)) {
		struct nvme_cq *cq = &sc->cq[sq->cqid];

		if (nvme_cq_room(cq) <= 0)
			break;	/* the CQ doorbell resumes us */
		if (qid != 0 && (io = nvme_get_ioreq(sc)) == NULL) {
			sc->slots_wanted = true;
			break;	/* a completion resumes us */
		}
		/* One copy: the guest may rewrite the slot meanwhile. */
		memcpy(&cmd, sq->ring + (size_t)sq->head * 64, sizeof(cmd));
		if (++sq->head == sq->size)
			sq->head = 0;
		cq->reserved++;
		sq->inflight++;
		if (qid == 0)
			nvme_admin_cmd(sc, &cmd);
		else
			nvme_io_cmd(sc, qid, &cmd, io);
	}
	if (qid == 0)
		sc->in_admin = false;
}

/*
 * Delete I/O SQ: commands the host submitted that were never fetched
 * complete as aborted (§5.6), as far as the CQ has room for them.
 */
void
nvme_sq_abort_rest(struct nvme_softc *sc, uint16_t qid)
{
	struct nvme_sq *sq = &sc->sq[qid];
	struct nvme_cq *cq = &sc->cq[sq->cqid];
	uint32_t cdw0;

	while (sq->head != sq->tail && nvme_cq_room(cq) > 0) {
		memcpy(&cdw0, sq->ring + (size_t)sq->head * 64, 4);
		if (++sq->head == sq->size)
			sq->head = 0;
		cq->reserved++;
		sq->inflight++;
		nvme_complete(sc, qid, cdw0 >> 16, 0, NVME_SC_ABORTED_SQ_DEL);
	}
}

void
nvme_run_io_sqs(struct nvme_softc *sc)
{
	sc->slots_wanted = false;
	for (int i = 1; i <= sc->maxq && sc->freereq != NULL; i++)
		if (sc->sq[i].exists && sc->sq[i].head != sc->sq[i].tail)
			nvme_run_sq(sc, i);
}

/* ---- asynchronous error events (§5.2) ---- */

/*
 * Record an error not tied to a command (a bad doorbell write) in the
 * error log and report it through an outstanding Asynchronous Event
 * Request; further error events stay masked until the host reads the
 * Error Information log.
 */
void
nvme_error_event(struct nvme_softc *sc, int info, uint16_t sqid)
{
	uint8_t *e = sc->err_entry;

	sc->err_count++;
	memset(e, 0, sizeof(sc->err_entry));
	memcpy(e, &sc->err_count, 8);
	memcpy(e + 8, &sqid, 2);
	memset(e + 10, 0xff, 2);	/* CID: no command */
	memset(e + 14, 0xff, 2);	/* parameter location: none */
	if (!sc->aen_masked && sc->aen_pending < 0)
		sc->aen_pending = info;
	nvme_aen_flush(sc);
}

/* Complete an outstanding AER with the pending event, if there is one. */
void
nvme_aen_flush(struct nvme_softc *sc)
{
	int info = sc->aen_pending;

	if (info < 0 || sc->aen_masked || sc->naer == 0)
		return;
	sc->naer--;
	sc->aen_masked = true;
	sc->aen_pending = -1;
	/* Type 0 (error status), the info, log page 01h (Figure 146). */
	nvme_complete(sc, 0, sc->aer_cid[sc->naer],
	    (uint32_t)info << 8 | 0x01u << 16, NVME_SC_SUCCESS);
}

/* ---- doorbells (§3.1.24, §3.1.25) ---- */

static void
nvme_doorbell(struct nvme_softc *sc, uint64_t off, uint32_t val)
{
	uint32_t idx = (off - NVME_REG_DBS) / 4;
	uint32_t qid = idx / 2;

	if (!nvme_running(sc))
		return;
	if (idx & 1) {
		struct nvme_cq *cq = qid <= (uint32_t)sc->maxq ?
		    &sc->cq[qid] : NULL;
		uint16_t used, adv;

		if (cq == NULL || !cq->exists) {
			nvme_error_event(sc, NVME_AEI_INVALID_DB_REG, qid);
			goto out;
		}
		/* The new head may not pass entries not yet posted. */
		used = (cq->tail + cq->size - cq->head) % cq->size;
		adv = (uint16_t)((val + cq->size - cq->head) % cq->size);
		if (val >= cq->size || adv > used) {
			nvme_log(sc, "bad CQ head doorbell", qid, val);
			nvme_error_event(sc, NVME_AEI_INVALID_DB_VALUE, qid);
			goto out;
		}
		cq->head = val;
		if (!pci_msix_enabled(sc->pi))
			nvme_intx_update(sc);
		/* SQs that stopped for lack of CQ room. */
		for (int i = 0; i <= sc->maxq; i++)
			if (sc->sq[i].exists && sc->sq[i].cqid == qid)
				nvme_run_sq(sc, i);
	} else {
		struct nvme_sq *sq = qid <= (uint32_t)sc->maxq ?
		    &sc->sq[qid] : NULL;

		if (sq == NULL || !sq->exists) {
			nvme_error_event(sc, NVME_AEI_INVALID_DB_REG, qid);
			goto out;
		}
		if (val >= sq->size) {
			nvme_log(sc, "bad SQ tail doorbell", qid, val);
			nvme_error_event(sc, NVME_AEI_INVALID_DB_VALUE, qid);
			goto out;
		}
		sq->tail = val;
		nvme_run_sq(sc, qid);
	}
out:
	nvme_send_intrs(sc);
}

/* ---- reset, enable, shutdown (§7.3, §7.6) ---- */

/* Wait until no command is on block_if; sc->mtx held. */
static void
nvme_drain(struct nvme_softc *sc)
{
	while (sc->nbusy > 0)
		pthread_cond_wait(&sc->cv, &sc->mtx);
}

/*
 * Controller reset (CC.EN 1 -> 0): in-flight commands finish first (they
 * would write to queues the host is about to free), then every queue and
 * feature goes back to its reset state.  AQA, ASQ and ACQ are kept.
 */
static void
nvme_reset(struct nvme_softc *sc)
{
	sc->stopped = true;
	nvme_drain(sc);
	sc->gen++;
	pthread_cond_broadcast(&sc->cv);	/* a waiting Delete I/O SQ */
	for (int i = 0; i <= sc->maxq; i++) {
		memset(&sc->sq[i], 0, sizeof(sc->sq[i]));
		memset(&sc->cq[i], 0, sizeof(sc->cq[i]));
	}
	sc->naer = 0;
	sc->aen_pending = -1;
	sc->aen_masked = false;
	sc->intms = 0;
	nvme_features_reset(sc);
	sc->csts = 0;
	sc->stopped = false;
	pci_lintr_deassert(sc->pi);
}

/* Map an admin ring; NULL if it is not wholly guest RAM. */
static uint8_t *
nvme_map_ring(struct nvme_softc *sc, uint64_t gpa, uint32_t n, int esz)
{
	if (gpa & (NVME_PAGE - 1))
		return (NULL);
	return (vm_map_gpa(sc->ctx, gpa, (size_t)n * esz));
}

/*
 * CC.EN 0 -> 1: check what the controller cannot work with and report
 * it as a fatal status (§3.1.6: CSTS.CFS), else set up the admin queue
 * pair from AQA/ASQ/ACQ and become ready.
 */
static void
nvme_enable(struct nvme_softc *sc)
{
	struct nvme_sq *sq = &sc->sq[0];
	struct nvme_cq *cq = &sc->cq[0];
	uint32_t sqs = (sc->aqa & 0xfff) + 1, cqs = ((sc->aqa >> 16) & 0xfff) +
	    1;

	if (NVME_CC_CSS(sc->cc) != 0 || NVME_CC_MPS(sc->cc) != 0 ||
	    sqs < 2 || cqs < 2) {
		nvme_log(sc, "bad CC/AQA at enable", sc->cc, sc->aqa);
		sc->csts = NVME_CSTS_CFS;
		return;
	}
	sq->ring = nvme_map_ring(sc, sc->asq, sqs, 64);
	cq->ring = nvme_map_ring(sc, sc->acq, cqs, 16);
	if (sq->ring == NULL || cq->ring == NULL) {
		nvme_log(sc, "admin queue outside guest RAM", sc->asq >> 12,
		    sc->acq >> 12);
		sc->csts = NVME_CSTS_CFS;
		return;
	}
	sq->exists = cq->exists = true;
	sq->size = sqs;
	sq->gpa = sc->asq;
	sq->cqid = 0;
	cq->size = cqs;
	cq->gpa = sc->acq;
	cq->phase = 1;
	cq->ien = true;
	cq->iv = 0;
	cq->nsq = 1;
	sc->csts = NVME_CSTS_RDY;
}

static void
nvme_shutdown_done(struct blockif_req *br, int err)
{
	struct nvme_softc *sc = br->br_param;

	pthread_mutex_lock(&sc->mtx);
	if (sc->csts & NVME_CSTS_SHST_BUSY)
		sc->csts = (sc->csts & ~NVME_CSTS_SHST_MASK) |
		    NVME_CSTS_SHST_DONE;
	if (--sc->nbusy == 0)
		pthread_cond_broadcast(&sc->cv);
	pthread_mutex_unlock(&sc->mtx);
}

/*
 * Shutdown notification (§7.6.2): stop fetching, let what is in flight
 * finish, make it durable, then report shutdown complete.
 */
static void
nvme_shutdown(struct nvme_softc *sc)
{
	sc->stopped = true;
	sc->csts = (sc->csts & ~NVME_CSTS_SHST_MASK) | NVME_CSTS_SHST_BUSY;
	nvme_drain(sc);
	if (sc->bc != NULL) {
		memset(&sc->shut_req, 0, sizeof(sc->shut_req));
		sc->shut_req.br_callback = nvme_shutdown_done;
		sc->shut_req.br_param = sc;
		/* Counted as busy so that a reset waits for it. */
		sc->nbusy++;
		if (blockif_flush(sc->bc, &sc->shut_req) == 0)
			return;
		sc->nbusy--;
	}
	sc->csts = (sc->csts & ~NVME_CSTS_SHST_MASK) | NVME_CSTS_SHST_DONE;
}

static void
nvme_cc_write(struct nvme_softc *sc, uint32_t val)
{
	uint32_t old = sc->cc;

	val &= NVME_CC_WMASK;
	if ((old & NVME_CC_EN) && !(val & NVME_CC_EN)) {
		nvme_reset(sc);
		sc->cc = val;
		return;
	}
	if (!(old & NVME_CC_EN) && (val & NVME_CC_EN)) {
		sc->cc = val;
		sc->csts &= ~NVME_CSTS_SHST_MASK;
		nvme_enable(sc);
		return;
	}
	if (old & NVME_CC_EN) {
		/* While enabled only SHN may change (§3.1.5). */
		sc->cc = (old & ~(3u << 14)) | (val & (3u << 14));
		if (NVME_CC_SHN(val) != 0 && NVME_CC_SHN(old) == 0 &&
		    (sc->csts & NVME_CSTS_SHST_MASK) == 0)
			nvme_shutdown(sc);
		return;
	}
	sc->cc = val;
}

/* ---- BAR 0 ---- */

static uint32_t
nvme_reg_read32(struct nvme_softc *sc, uint64_t off)
{
	switch (off) {
	case NVME_REG_CAP:
		return ((uint32_t)sc->cap);
	case NVME_REG_CAP + 4:
		return ((uint32_t)(sc->cap >> 32));
	case NVME_REG_VS:
		return (NVME_VERSION);
	case NVME_REG_INTMS:
	case NVME_REG_INTMC:
		return (sc->intms);
	case NVME_REG_CC:
		return (sc->cc);
	case NVME_REG_CSTS:
		return (sc->csts);
	case NVME_REG_AQA:
		return (sc->aqa);
	case NVME_REG_ASQ:
		return ((uint32_t)sc->asq);
	case NVME_REG_ASQ + 4:
		return ((uint32_t)(sc->asq >> 32));
	case NVME_REG_ACQ:
		return ((uint32_t)sc->acq);
	case NVME_REG_ACQ + 4:
		return ((uint32_t)(sc->acq >> 32));
	default:
		return (0);	/* NSSR, CMB/PMR (absent), doorbells */
	}
}

static uint64_t
pci_nvme_read(struct pci_devinst *pi, int baridx, uint64_t offset, int size)
{
	struct nvme_softc *sc = pi->pi_arg;
	uint64_t v;

	if (baridx != 0 || offset >= NVME_BAR_SIZE)
		return (~0ULL);
	pthread_mutex_lock(&sc->mtx);
	v = nvme_reg_read32(sc, offset & ~3ULL);
	pthread_mutex_unlock(&sc->mtx);
	v >>= 8 * (offset & 3);
	return (size >= 4 ? v : v & ((1ULL << (8 * size)) - 1));
}

static void
pci_nvme_write(struct pci_devinst *pi, int baridx, uint64_t offset,
    int size, uint64_t value)
{
	struct nvme_softc *sc = pi->pi_arg;
	uint32_t v = (uint32_t)value;

	/* Registers are written as whole dwords (§3.1). */
	if (baridx != 0 || size != 4 || (offset & 3) != 0 ||
	    offset >= NVME_BAR_SIZE)
		return;
	pthread_mutex_lock(&sc->mtx);
	if (offset >= NVME_REG_DBS) {
		nvme_doorbell(sc, offset, v);
		pthread_mutex_unlock(&sc->mtx);
		return;
	}
	switch (offset) {
	case NVME_REG_INTMS:
		sc->intms |= v;
		nvme_intx_update(sc);
		break;
	case NVME_REG_INTMC:
		sc->intms &= ~v;
		nvme_intx_update(sc);
		break;
	case NVME_REG_CC:
		nvme_cc_write(sc, v);
		break;
	case NVME_REG_AQA:
		sc->aqa = v & 0x0fff0fff;
		break;
	case NVME_REG_ASQ:
		sc->asq = (sc->asq & ~0xffffffffULL) | (v & ~0xfffu);
		break;
	case NVME_REG_ASQ + 4:
		sc->asq = (sc->asq & 0xffffffffULL) | (uint64_t)v << 32;
		break;
	case NVME_REG_ACQ:
		sc->acq = (sc->acq & ~0xffffffffULL) | (v & ~0xfffu);
		break;
	case NVME_REG_ACQ + 4:
		sc->acq = (sc->acq & 0xffffffffULL) | (uint64_t)v << 32;
		break;
	default:
		break;	/* CAP, VS, CSTS, NSSR (unsupported): read-only */
	}
	pthread_mutex_unlock(&sc->mtx);
}

/* ---- options ---- */

static const char *const nvme_opts[] = {
	"device", "path", "ram", "maxq", "qsz", "ioslots", "sectsz", "ser",
	"eui64", "dsm", "ro", "nocache", "direct", "sync", "sectorsize",
	"nodelete", "bootindex", NULL
};

/* "ram=MiB[,...]" or "path[,...]" (bhyve's pci_nvme_legacy_config). */
static int
pci_nvme_legacy_config(struct config_node *nvl, const char *opts)
{
	if (opts != NULL && strncmp(opts, "ram=", 4) == 0)
		return (pci_parse_legacy_config(nvl, opts));
	return (blockif_legacy_config(nvl, opts));
}

/* An unsigned option in [lo, hi]; def when absent.  -1 after a message. */
static int
opt_uint(const struct config_node *nvl, const char *ident, const char *name,
    unsigned long lo, unsigned long hi, unsigned long def, unsigned long *out)
{
	const char *s = get_config_value_node(nvl, name);
	char *end;

	*out = def;
	if (s == NULL)
		return (0);
	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' ||
	    *out < lo || *out > hi) {
		fprintf(stderr, "lhyve: %s: %s=%s: expected a number from %lu "
		    "to %lu\n", ident, name, s, lo, hi);
		return (-1);
	}
	return (0);
}

static int
nvme_parse_opts(struct nvme_softc *sc, const struct config_node *nvl)
{
	const char *ident = sc->ident, *s;
	unsigned long v;

	if (dev_check_opts(nvl, ident, nvme_opts) != 0)
		return (-1);
	if (opt_uint(nvl, ident, "maxq", 1, NVME_MAXQ, NVME_DEF_MAXQ, &v))
		return (-1);
	sc->maxq = v;
	if (opt_uint(nvl, ident, "qsz", 2, 65536, NVME_DEF_QSZ, &v))
		return (-1);
	sc->qsz = v;
	if (opt_uint(nvl, ident, "ioslots", 1, NVME_MAX_IOSLOTS,
	    NVME_DEF_IOSLOTS, &v))
		return (-1);
	sc->ioslots = v;
	if (get_config_value_node(nvl, "sectsz") != NULL) {
		if (opt_uint(nvl, ident, "sectsz", 512, 8192, 512, &v))
			return (-1);
		if (v != 512 && v != 4096 && v != 8192) {
			fprintf(stderr, "lhyve: %s: sectsz=%lu: expected 512, "
			    "4096 or 8192\n", ident, v);
			return (-1);
		}
		sc->sectsz = v;
	}
	s = get_config_value_node(nvl, "dsm");
	if (s != NULL && strcmp(s, "auto") != 0 && strcmp(s, "enable") != 0 &&
	    strcmp(s, "disable") != 0) {
		fprintf(stderr, "lhyve: %s: dsm=%s: expected auto, enable or "
		    "disable\n", ident, s);
		return (-1);
	}
	s = get_config_value_node(nvl, "eui64");
	if (s != NULL) {
		char *end;

		errno = 0;
		sc->eui64 = strtoull(s, &end, 0);
		if (errno != 0 || end == s || *end != '\0') {
			fprintf(stderr, "lhyve: %s: eui64=%s is not a number\n",
			    ident, s);
			return (-1);
		}
	}
	return (0);
}

/* ---- init ---- */

static uint64_t
fnv1a(const char *s, uint64_t h)
{
	for (; s != NULL && *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return (h);
}

/* The backing store: ram=MiB or a block_if image.  0 or -1. */
static int
nvme_open_store(struct nvme_softc *sc, struct config_node *nvl)
{
	const char *ram = get_config_value_node(nvl, "ram");
	const char *dsm = get_config_value_node(nvl, "dsm");
	unsigned long mib;
	uint64_t bytes;
	bool candelete;

	if (ram != NULL) {
		if (opt_uint(nvl, sc->ident, "ram", 1, 1UL << 20, 0, &mib))
			return (-1);
		sc->ramsz = (size_t)mib << 20;
		sc->ram = mmap(NULL, sc->ramsz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (sc->ram == MAP_FAILED) {
			sc->ram = NULL;
			fprintf(stderr, "lhyve: %s: ram=%lu: %s\n", sc->ident,
			    mib, strerror(errno));
			return (-1);
		}
		if (sc->sectsz == 0)
			sc->sectsz = 4096;	/* bhyve's ram default */
		bytes = sc->ramsz;
		candelete = true;
		sc->wz_dealloc_zeroes = true;
	} else {
		sc->bc = blockif_open(nvl, sc->ident);
		if (sc->bc == NULL)
			return (-1);
		if (sc->sectsz == 0)
			sc->sectsz = blockif_sectsz(sc->bc);
		if (sc->sectsz != 512 && sc->sectsz != 4096 &&
		    sc->sectsz != 8192)
			sc->sectsz = 4096;
		bytes = blockif_size(sc->bc);
		sc->ro = blockif_is_ro(sc->bc);
		candelete = blockif_candelete(sc->bc);
	}
	sc->lbads = __builtin_ctz(sc->sectsz);
	sc->nsze = bytes >> sc->lbads;
	if (sc->nsze == 0) {
		fprintf(stderr, "lhyve: %s: the disk is smaller than one "
		    "%u-byte block\n", sc->ident, sc->sectsz);
		return (-1);
	}
	if (dsm == NULL || strcmp(dsm, "auto") == 0)
		sc->dsm = candelete;
	else
		sc->dsm = strcmp(dsm, "enable") == 0;
	return (0);
}

static void
nvme_free(struct nvme_softc *sc)
{
	if (sc->bc != NULL)
		blockif_close(sc->bc);
	if (sc->ram != NULL)
		munmap(sc->ram, sc->ramsz);
	free(sc->sq);
	free(sc->cq);
	free(sc->ioreqs);
	pthread_mutex_destroy(&sc->mtx);
	pthread_cond_destroy(&sc->cv);
	free(sc);
}

static int
pci_nvme_init(struct pci_devinst *pi, struct config_node *nvl)
{
	struct nvme_softc *sc;
	struct timespec ts;
	const char *ser, *name;
	uint64_t h;

	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (-ENOMEM);
	sc->pi = pi;
	sc->ctx = pi->pi_vmctx;
	snprintf(sc->ident, sizeof(sc->ident), "%s", pi->pi_name);
	pthread_mutex_init(&sc->mtx, NULL);
	pthread_cond_init(&sc->cv, NULL);
	if (nvme_parse_opts(sc, nvl) != 0 || nvme_open_store(sc, nvl) != 0)
		goto fail;

	sc->sq = calloc(sc->maxq + 1, sizeof(*sc->sq));
	sc->cq = calloc(sc->maxq + 1, sizeof(*sc->cq));
	sc->ioreqs = calloc(sc->ioslots, sizeof(*sc->ioreqs));
	if (sc->sq == NULL || sc->cq == NULL || sc->ioreqs == NULL)
		goto fail;
	for (int i = sc->ioslots - 1; i >= 0; i--) {
		sc->ioreqs[i].sc = sc;
		sc->ioreqs[i].next = sc->freereq;
		sc->freereq = &sc->ioreqs[i];
	}

	/* bhyve's defaults: serial NVME-<slot>-<func>, a derived EUI-64. */
	ser = get_config_value_node(nvl, "ser");
	if (ser != NULL)
		snprintf(sc->ser, sizeof(sc->ser), "%s", ser);
	else
		snprintf(sc->ser, sizeof(sc->ser), "NVME-%d-%d", pi->pi_slot,
		    pi->pi_func);
	name = get_config_value("name");
	h = fnv1a(name, 0xcbf29ce484222325ULL);
	h = fnv1a(pi->pi_name, h);
	if (get_config_value_node(nvl, "eui64") == NULL)
		sc->eui64 = 0x589cfc0000000000ULL | (h & 0xffffffffffULL);
	h = fnv1a(sc->ser, h);
	memcpy(sc->nguid, &h, 8);
	memcpy(sc->nguid + 8, &sc->eui64, 8);

	/*
	 * CAP (§3.1.1): MQES, CQR (contiguous queues required), TO,
	 * DSTRD 0, CSS bit 0 (the NVM command set), MPSMIN = MPSMAX = 4 KiB.
	 */
	sc->cap = (uint64_t)(sc->qsz - 1) | 1ULL << 16 |
	    (uint64_t)NVME_TO << 24 | 1ULL << 37;
	sc->aen_pending = -1;
	nvme_features_reset(sc);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sc->start_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;

	/* Mass storage / NVM / NVM Express (PCI code and ID 1.11 §D.2). */
	pci_set_cfgdata16(pi, PCIR_VENDOR, 0xfb5d);
	pci_set_cfgdata16(pi, PCIR_DEVICE, 0x0a0a);
	pci_set_cfgdata16(pi, PCIR_SUBVEND_0, 0xfb5d);
	pci_set_cfgdata16(pi, PCIR_SUBDEV_0, 0x0a0a);
	pci_set_cfgdata8(pi, PCIR_CLASS, PCIC_STORAGE);
	pci_set_cfgdata8(pi, PCIR_SUBCLASS, 0x08);
	pci_set_cfgdata8(pi, PCIR_PROGIF, 0x02);
	sc->nvec = sc->maxq + 1;
	if (pci_emul_alloc_bar(pi, 0, PCIBAR_MEM64, NVME_BAR_SIZE) != 0 ||
	    pci_emul_add_msixcap(pi, sc->nvec, NVME_MSIX_BAR) != 0) {
		fprintf(stderr, "lhyve: %s: cannot set up the BARs\n",
		    sc->ident);
		goto fail;
	}
	pci_lintr_request(pi);
	pi->pi_arg = sc;
	return (0);
fail:
	nvme_free(sc);
	return (-EINVAL);
}

const struct pci_devemu pci_de_nvme = {
	.pe_emu = "nvme",
	.pe_init = pci_nvme_init,
	.pe_legacy_config = pci_nvme_legacy_config,
	.pe_barwrite = pci_nvme_write,
	.pe_barread = pci_nvme_read,
};
PCI_EMUL_SET(pci_de_nvme);
