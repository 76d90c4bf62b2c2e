/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nvme_admin.c: the NVMe 1.4 admin command set of lhyve's controller
 * (§5): Identify, I/O queue creation and deletion, Get/Set Features,
 * Get Log Page (error, SMART / health, firmware slot), Abort and
 * Asynchronous Event Request.  Commands run on the thread that rang the
 * admin doorbell, with sc->mtx held, and complete at once (an AER is
 * kept until there is an event; Delete I/O SQ waits for the queue's
 * commands in flight).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "devices/nvme_priv.h"

#define NVME_TEMP_K		296	/* 23 °C */
#define NVME_WCTEMP		343	/* 70 °C */
#define NVME_CCTEMP		358	/* 85 °C */

#define FEAT_ARBITRATION	0x01
#define FEAT_POWER_MGMT		0x02
#define FEAT_TEMP_THRESH	0x04
#define FEAT_ERROR_RECOVERY	0x05
#define FEAT_VWC		0x06
#define FEAT_NUM_QUEUES		0x07
#define FEAT_INTR_COALESCE	0x08
#define FEAT_INTR_VECTOR	0x09
#define FEAT_WRITE_ATOMIC	0x0a
#define FEAT_ASYNC_EVENT	0x0b

#define LOG_ERROR		0x01
#define LOG_SMART		0x02
#define LOG_FW_SLOT		0x03

static void
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void
put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* An ASCII field padded with spaces, as Identify's strings are. */
static void
put_str(uint8_t *p, size_t n, const char *s)
{
	size_t l = strnlen(s, n);

	memset(p, ' ', n);
	memcpy(p, s, l);
}

void
nvme_features_reset(struct nvme_softc *sc)
{
	sc->nsqa = sc->ncqa = sc->maxq - 1;
	sc->queues_set = false;
	sc->f_arb = 0;
	sc->f_pm = 0;
	sc->f_err = 0;
	sc->f_icoal = 0;
	sc->f_wan = 0;
	sc->f_aec = 0;
	sc->f_tmp_over = NVME_WCTEMP;
	sc->f_tmp_under = 0;
	sc->wce = true;
	sc->ivc_cd = 0;
}

/* ---- Identify (§5.15) ---- */

static void
identify_ctrl(struct nvme_softc *sc, uint8_t *d)
{
	char sub[256];

	put16(d + 0, 0xfb5d);			/* VID */
	put16(d + 2, 0xfb5d);			/* SSVID */
	put_str(d + 4, 20, sc->ser);		/* SN */
	put_str(d + 24, 40, "lhyve-NVMe");	/* MN */
	put_str(d + 64, 8, "1.0");		/* FR */
	d[72] = 4;				/* RAB */
	d[73] = 0xfc;				/* IEEE OUI 58-9C-FC */
	d[74] = 0x9c;
	d[75] = 0x58;
	d[77] = NVME_MDTS;
	put16(d + 78, 0);			/* CNTLID */
	put32(d + 80, NVME_VERSION);
	d[111] = 1;				/* CNTRLTYPE: I/O controller */
	d[258] = NVME_ACL;
	d[259] = NVME_AERL;
	d[260] = 0x03;		/* FRMW: one slot, slot 1 read-only */
	d[261] = 0x04;		/* LPA: extended data for Get Log Page */
	d[262] = 0;		/* ELPE: one Error Information entry */
	d[263] = 0;		/* NPSS: power state 0 only */
	put16(d + 266, NVME_WCTEMP);
	put16(d + 268, NVME_CCTEMP);
	d[512] = NVME_SQES << 4 | NVME_SQES;
	d[513] = NVME_CQES << 4 | NVME_CQES;
	put32(d + 516, 1);			/* NN */
	/* ONCS: Write Zeroes, and Dataset Management unless dsm=disable. */
	put16(d + 520, (uint16_t)(1u << 3 | (sc->dsm ? 1u << 2 : 0)));
	d[525] = 0x01;				/* VWC present */
	put32(d + 536, 0);			/* SGLS: PRPs only */
	snprintf(sub, sizeof(sub), "nqn.2014-08.org.nvmexpress:lhyve-%s",
	    sc->ser);
	memcpy(d + 768, sub, strlen(sub));	/* SUBNQN */
	/* Power state 0 (§5.15.2.2): 25 W. */
	put16(d + 2048, 2500);
}

static void
identify_ns(struct nvme_softc *sc, uint8_t *d)
{
	put64(d + 0, sc->nsze);			/* NSZE */
	put64(d + 8, sc->nsze);			/* NCAP */
	put64(d + 16, sc->nsze);		/* NUSE */
	d[25] = 0;				/* NLBAF: one format */
	d[26] = 0;				/* FLBAS: format 0 */
	/* DLFEAT: deallocated blocks read zero where the store says so. */
	d[33] = sc->wz_dealloc_zeroes ? 0x01 : 0x00;
	put64(d + 48, sc->nsze << sc->lbads);	/* NVMCAP */
	d[99] = sc->ro ? 1 : 0;			/* NSATTR: write protected */
	memcpy(d + 104, sc->nguid, 16);
	put64(d + 120, __builtin_bswap64(sc->eui64));	/* big-endian */
	put32(d + 128, (uint32_t)sc->lbads << 16);	/* LBAF0: LBADS */
}

/* Namespace Identification Descriptors (§5.15.2.3, Figure 251). */
static void
identify_ns_descs(struct nvme_softc *sc, uint8_t *d)
{
	d[0] = 1;			/* NIDT: IEEE EUI-64 */
	d[1] = 8;
	put64(d + 4, __builtin_bswap64(sc->eui64));
	d[12] = 2;			/* NIDT: NGUID */
	d[13] = 16;
	memcpy(d + 16, sc->nguid, 16);
}

static uint16_t
admin_identify(struct nvme_softc *sc, const struct nvme_cmd *cmd)
{
	uint8_t d[4096];
	uint8_t cns = cmd->cdw10 & 0xff;
	uint8_t csi = cmd->cdw11 >> 24;

	memset(d, 0, sizeof(d));
	switch (cns) {
	case 0x00:
		if (cmd->nsid != 1)
			return (NVME_SC_INVALID_NS);
		identify_ns(sc, d);
		break;
	case 0x01:
		identify_ctrl(sc, d);
		break;
	case 0x02:
		/* Active NSIDs greater than NSID, ascending. */
		if (cmd->nsid >= 0xfffffffe)
			return (NVME_SC_INVALID_NS);
		if (cmd->nsid < 1)
			put32(d, 1);
		break;
	case 0x03:
		if (cmd->nsid != 1)
			return (NVME_SC_INVALID_NS);
		identify_ns_descs(sc, d);
		break;
	case 0x06:
		/* NVM command set controller data (2.0): nothing limited. */
		if (csi != 0)
			return (NVME_SC_INVALID_FIELD);
		break;
	default:
		return (NVME_SC_INVALID_FIELD);
	}
	return (nvme_prp_out(sc, cmd, d, sizeof(d)));
}

/* ---- queues (§5.3-§5.7) ---- */

static uint16_t
admin_create_cq(struct nvme_softc *sc, const struct nvme_cmd *cmd)
{
	uint16_t qid = cmd->cdw10 & 0xffff;
	uint32_t qsize = (cmd->cdw10 >> 16) + 1;
	uint16_t iv = cmd->cdw11 >> 16;
	bool ien = (cmd->cdw11 & 2) != 0;
	struct nvme_cq *cq;
	uint8_t *ring;

	if (qid == 0 || qid > sc->maxq || qid > sc->ncqa + 1 ||
	    sc->cq[qid].exists)
		return (NVME_SC_INVALID_QID);
	if (qsize < 2 || qsize > sc->qsz)
		return (NVME_SC_INVALID_QSIZE);
	if (ien && iv >= sc->nvec)
		return (NVME_SC_INVALID_VECTOR);
	/* CAP.CQR: physically contiguous, page aligned; 16-byte entries. */
	if ((cmd->cdw11 & 1) == 0 || (cmd->prp1 & (NVME_PAGE - 1)) != 0 ||
	    NVME_CC_IOCQES(sc->cc) != NVME_CQES)
		return (NVME_SC_INVALID_FIELD);
	ring = vm_map_gpa(sc->ctx, cmd->prp1, (size_t)qsize * 16);
	if (ring == NULL)
		return (NVME_SC_DATA_XFER_ERROR);
	cq = &sc->cq[qid];
	memset(cq, 0, sizeof(*cq));
	cq->exists = true;
	cq->ien = ien;
	cq->iv = iv;
	cq->phase = 1;
	cq->size = qsize;
	cq->gpa = cmd->prp1;
	cq->ring = ring;
	return (NVME_SC_SUCCESS);
}

static uint16_t
admin_create_sq(struct nvme_softc *sc, const struct nvme_cmd *cmd)
{
	uint16_t qid = cmd->cdw10 & 0xffff;
	uint32_t qsize = (cmd->cdw10 >> 16) + 1;
	uint16_t cqid = cmd->cdw11 >> 16;
	struct nvme_sq *sq;
	uint8_t *ring;

	if (qid == 0 || qid > sc->maxq || qid > sc->nsqa + 1 ||
	    sc->sq[qid].exists)
		return (NVME_SC_INVALID_QID);
	if (qsize < 2 || qsize > sc->qsz)
		return (NVME_SC_INVALID_QSIZE);
	if (cqid == 0 || cqid > sc->maxq || !sc->cq[cqid].exists)
		return (NVME_SC_CQ_INVALID);
	if ((cmd->cdw11 & 1) == 0 || (cmd->prp1 & (NVME_PAGE - 1)) != 0 ||
	    NVME_CC_IOSQES(sc->cc) != NVME_SQES)
		return (NVME_SC_INVALID_FIELD);
	ring = vm_map_gpa(sc->ctx, cmd->prp1, (size_t)qsize * 64);
	if (ring == NULL)
		return (NVME_SC_DATA_XFER_ERROR);
	sq = &sc->sq[qid];
	memset(sq, 0, sizeof(*sq));
	sq->exists = true;
	sq->size = qsize;
	sq->cqid = cqid;
	sq->gpa = cmd->prp1;
	sq->ring = ring;
	sc->cq[cqid].nsq++;
	return (NVME_SC_SUCCESS);
}

/* NVME_GONE: a reset came while waiting; there is nothing to complete. */
#define NVME_GONE	0xffff

static uint16_t
admin_delete_sq(struct nvme_softc *sc, const struct nvme_cmd *cmd)
{
	uint16_t qid = cmd->cdw10 & 0xffff;
	uint32_t gen = sc->gen;
	struct nvme_sq *sq;

	if (qid == 0 || qid > sc->maxq || !sc->sq[qid].exists)
		return (NVME_SC_INVALID_QID);
	sq = &sc->sq[qid];
	/*
	 * §5.6: the queue's commands complete before the deletion does:
	 * those in flight normally, those never fetched as aborted.  Their
	 * completions still need the CQ.
	 */
	sq->deleting = true;
	while (sq->inflight > 0 && sc->gen == gen)
		pthread_cond_wait(&sc->cv, &sc->mtx);
	if (sc->gen != gen)
		return (NVME_GONE);
	nvme_sq_abort_rest(sc, qid);
	sc->cq[sq->cqid].nsq--;
	memset(sq, 0, sizeof(*sq));
	return (NVME_SC_SUCCESS);
}

static uint16_t
admin_delete_cq(struct nvme_softc *sc, const struct nvme_cmd *cmd)
{
	uint16_t qid = cmd->cdw10 & 0xffff;

	if (qid == 0 || qid > sc->maxq || !sc->cq[qid].exists)
		return (NVME_SC_INVALID_QID);
	if (sc->cq[qid].nsq > 0)
		return (NVME_SC_INVALID_QDELETION);
	memset(&sc->cq[qid], 0, sizeof(sc->cq[qid]));
	return (NVME_SC_SUCCESS);
}

/* ---- features (§5.21, §5.9) ---- */

static bool
io_queues_exist(struct nvme_softc *sc)
{
	for (int i = 1; i <= sc->maxq; i++)
		if (sc->sq[i].exists || sc->cq[i].exists)
			return (true);
	return (false);
}

static uint16_t
admin_set_features(struct nvme_softc *sc, const struct nvme_cmd *cmd,
    uint32_t *dw0)
{
	uint8_t fid = cmd->cdw10 & 0xff;
	uint32_t v = cmd->cdw11;
	uint32_t nsqr, ncqr;

	if (cmd->cdw10 & (1u << 31))
		return (NVME_SC_NOT_SAVEABLE);	/* ONCS.SAVE = 0 */
	switch (fid) {
	case FEAT_ARBITRATION:
		sc->f_arb = v & 0xffffff07;
		break;
	case FEAT_POWER_MGMT:
		if ((v & 0x1f) != 0)		/* only power state 0 */
			return (NVME_SC_INVALID_FIELD);
		sc->f_pm = v & 0xff;
		break;
	case FEAT_TEMP_THRESH:
		/* Only the composite temperature (TMPSEL 0 or all). */
		if (((v >> 16) & 0xf) != 0 && ((v >> 16) & 0xf) != 0xf)
			return (NVME_SC_INVALID_FIELD);
		if (((v >> 20) & 3) == 0)
			sc->f_tmp_over = v & 0xffff;
		else if (((v >> 20) & 3) == 1)
			sc->f_tmp_under = v & 0xffff;
		else
			return (NVME_SC_INVALID_FIELD);
		break;
	case FEAT_ERROR_RECOVERY:
		if (v & (1u << 16))	/* DULBE needs NSFEAT.DAE */
			return (NVME_SC_INVALID_FIELD);
		sc->f_err = v & 0xffff;
		break;
	case FEAT_VWC:
		sc->wce = (v & 1) != 0;
		break;
	case FEAT_NUM_QUEUES:
		nsqr = v & 0xffff;
		ncqr = v >> 16;
		if (nsqr == 0xffff || ncqr == 0xffff)
			return (NVME_SC_INVALID_FIELD);
		if (io_queues_exist(sc))
			return (NVME_SC_CMD_SEQ_ERROR);
		sc->nsqa = nsqr < (uint32_t)sc->maxq - 1 ? nsqr : sc->maxq - 1;
		sc->ncqa = ncqr < (uint32_t)sc->maxq - 1 ? ncqr : sc->maxq - 1;
		sc->queues_set = true;
		*dw0 = sc->nsqa | (uint32_t)sc->ncqa << 16;
		break;
	case FEAT_INTR_COALESCE:
		sc->f_icoal = v & 0xffff;
		break;
	case FEAT_INTR_VECTOR:
		if ((v & 0xffff) >= (uint32_t)sc->nvec)
			return (NVME_SC_INVALID_FIELD);
		if (v & (1u << 16))
			sc->ivc_cd |= 1ULL << (v & 0xffff);
		else
			sc->ivc_cd &= ~(1ULL << (v & 0xffff));
		break;
	case FEAT_WRITE_ATOMIC:
		sc->f_wan = v & 1;
		break;
	case FEAT_ASYNC_EVENT:
		sc->f_aec = v & 0x3ff;
		break;
	default:
		return (NVME_SC_INVALID_FIELD);
	}
	return (NVME_SC_SUCCESS);
}

static uint16_t
admin_get_features(struct nvme_softc *sc, const struct nvme_cmd *cmd,
    uint32_t *dw0)
{
	uint8_t fid = cmd->cdw10 & 0xff;
	uint8_t sel = (cmd->cdw10 >> 8) & 7;
	uint32_t v = cmd->cdw11;

	switch (fid) {
	case FEAT_ARBITRATION:
		*dw0 = sc->f_arb;
		break;
	case FEAT_POWER_MGMT:
		*dw0 = sc->f_pm;
		break;
	case FEAT_TEMP_THRESH:
		if (((v >> 16) & 0xf) != 0 || ((v >> 20) & 3) > 1)
			return (NVME_SC_INVALID_FIELD);
		*dw0 = ((v >> 20) & 3) == 0 ? sc->f_tmp_over : sc->f_tmp_under;
		break;
	case FEAT_ERROR_RECOVERY:
		*dw0 = sc->f_err;
		break;
	case FEAT_VWC:
		*dw0 = sc->wce ? 1 : 0;
		break;
	case FEAT_NUM_QUEUES:
		*dw0 = sc->nsqa | (uint32_t)sc->ncqa << 16;
		break;
	case FEAT_INTR_COALESCE:
		*dw0 = sc->f_icoal;
		break;
	case FEAT_INTR_VECTOR:
		if ((v & 0xffff) >= (uint32_t)sc->nvec)
			return (NVME_SC_INVALID_FIELD);
		*dw0 = (v & 0xffff) |
		    ((sc->ivc_cd >> (v & 0xffff)) & 1 ? 1u << 16 : 0);
		break;
	case FEAT_WRITE_ATOMIC:
		*dw0 = sc->f_wan;
		break;
	case FEAT_ASYNC_EVENT:
		*dw0 = sc->f_aec;
		break;
	default:
		return (NVME_SC_INVALID_FIELD);
	}
	/* SEL 3 (§5.9.2): capabilities: changeable, not saveable. */
	if (sel == 3)
		*dw0 = 0x4;
	return (NVME_SC_SUCCESS);
}

/* ---- logs (§5.14) ---- */

/* Data units (§5.14.1.2): thousands of 512-byte units, rounded up. */
static void
put_units(uint8_t *p, uint64_t n)
{
	put64(p, (n + 999) / 1000);
}

static uint16_t
admin_get_log(struct nvme_softc *sc, const struct nvme_cmd *cmd)
{
	uint8_t lid = cmd->cdw10 & 0xff;
	bool rae = (cmd->cdw10 & (1u << 15)) != 0;
	uint64_t numd = ((cmd->cdw10 >> 16) | (uint64_t)(cmd->cdw11 & 0xffff)
	    << 16) + 1;
	uint64_t off = cmd->cdw12 | (uint64_t)cmd->cdw13 << 32;
	uint64_t len = numd * 4;
	uint8_t d[512], out[NVME_MAX_XFER > 8192 ? 8192 : NVME_MAX_XFER];
	size_t size;
	struct timespec ts;
	uint64_t hours;

	memset(d, 0, sizeof(d));
	switch (lid) {
	case LOG_ERROR:
		size = 64;
		memcpy(d, sc->err_entry, 64);
		break;
	case LOG_SMART:
		/* One log for the controller (LPA bit 0 clear). */
		if (cmd->nsid != 0 && cmd->nsid != 0xffffffff)
			return (NVME_SC_INVALID_FIELD);
		size = 512;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		hours = ((uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec -
		    sc->start_ns) / 3600000000000ULL;
		put16(d + 1, NVME_TEMP_K);	/* composite temperature */
		d[3] = 100;			/* available spare */
		d[4] = 10;			/* available spare threshold */
		put_units(d + 32, sc->units_read);
		put_units(d + 48, sc->units_written);
		put64(d + 64, sc->host_reads);
		put64(d + 80, sc->host_writes);
		put64(d + 112, 1);		/* power cycles */
		put64(d + 128, hours);
		put64(d + 176, sc->err_count);
		break;
	case LOG_FW_SLOT:
		size = 512;
		d[0] = 0x01;			/* AFI: slot 1 active */
		put_str(d + 8, 8, "1.0");	/* FRS1 */
		break;
	default:
		return (NVME_SC_INVALID_LOG_PAGE);
	}
	if ((off & 3) != 0 || off > size)
		return (NVME_SC_INVALID_FIELD);
	if (len > sizeof(out))
		return (NVME_SC_INVALID_FIELD);
	/* Past the end of the log the host reads zeroes. */
	memset(out, 0, len);
	memcpy(out, d + off, size - off < len ? size - off : len);
	if (lid == LOG_ERROR && !rae)
		sc->aen_masked = false;	/* §5.2: reading it re-arms */
	return (nvme_prp_out(sc, cmd, out, len));
}

/* ---- the dispatcher ---- */

void
nvme_admin_cmd(struct nvme_softc *sc, const struct nvme_cmd *cmd)
{
	uint16_t cid = cmd->cdw0 >> 16, st;
	uint8_t opc = cmd->cdw0 & 0xff;
	uint32_t dw0 = 0;

	/* No fused operations, no SGLs (SGLS = 0): PSDT must be 0. */
	if ((cmd->cdw0 & 0xc300) != 0) {
		nvme_complete(sc, 0, cid, 0, NVME_SC_INVALID_FIELD);
		return;
	}
	switch (opc) {
	case NVME_OPC_IDENTIFY:
		st = admin_identify(sc, cmd);
		break;
	case NVME_OPC_CREATE_IO_CQ:
		st = admin_create_cq(sc, cmd);
		break;
	case NVME_OPC_CREATE_IO_SQ:
		st = admin_create_sq(sc, cmd);
		break;
	case NVME_OPC_DELETE_IO_SQ:
		st = admin_delete_sq(sc, cmd);
		break;
	case NVME_OPC_DELETE_IO_CQ:
		st = admin_delete_cq(sc, cmd);
		break;
	case NVME_OPC_SET_FEATURES:
		st = admin_set_features(sc, cmd, &dw0);
		break;
	case NVME_OPC_GET_FEATURES:
		st = admin_get_features(sc, cmd, &dw0);
		break;
	case NVME_OPC_GET_LOG_PAGE:
		st = admin_get_log(sc, cmd);
		break;
	case NVME_OPC_ABORT:
		/*
		 * Commands are on block_if or done: none can be stopped.
		 * DW0 bit 0 set: "not aborted" (§5.1).
		 */
		dw0 = 1;
		st = NVME_SC_SUCCESS;
		break;
	case NVME_OPC_ASYNC_EVENT:
		if (sc->naer > NVME_AERL) {
			st = NVME_SC_AER_LIMIT;
			break;
		}
		sc->aer_cid[sc->naer++] = cid;
		nvme_aen_flush(sc);
		return;		/* completes with an event */
	default:
		/* Keep Alive (KAS = 0), namespace management, ...: absent. */
		st = NVME_SC_INVALID_OPCODE;
		break;
	}
	if (st != NVME_GONE)
		nvme_complete(sc, 0, cid, dw0, st);
}
