/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ahci.h: what the AHCI HBA (pci_ahci.c) shares with its ATA disk
 * (ahci_ata.c) and ATAPI CD-ROM (ahci_atapi.c) command sets: register and
 * FIS layouts (AHCI 1.3.1, SATA 3.x, ACS-2), the port and command-slot
 * state, and the completion calls a command set makes.
 *
 * Locking: one mutex per HBA (sc_mtx) guards every register, every port
 * and every slot; command handlers run with it held, on the vCPU thread
 * that wrote PxCI or on a block_if worker finishing a request.
 */
#ifndef LHYVE_AHCI_H
#define LHYVE_AHCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "config.h"
#include "devices/block_if.h"

#define AHCI_MAX_PORTS		32
#define AHCI_MAX_SLOTS		32
/* PRDT pieces one command may map (Linux's libahci uses up to 168). */
#define AHCI_MAX_PIECES		2048

/* HBA registers (AHCI 1.3.1 §3.1). */
#define AHCI_CAP		0x00
#define AHCI_GHC		0x04
#define AHCI_IS			0x08
#define AHCI_PI			0x0c
#define AHCI_VS			0x10
#define AHCI_CCC_CTL		0x14
#define AHCI_CCC_PORTS		0x18
#define AHCI_EM_LOC		0x1c
#define AHCI_EM_CTL		0x20
#define AHCI_CAP2		0x24
#define AHCI_BOHC		0x28

#define AHCI_CAP_S64A		(1u << 31)
#define AHCI_CAP_SNCQ		(1u << 30)
#define AHCI_CAP_SCLO		(1u << 24)
#define AHCI_CAP_ISS_GEN3	(3u << 20)
#define AHCI_CAP_SAM		(1u << 18)
#define AHCI_CAP_NCS_SHIFT	8
#define AHCI_GHC_HR		(1u << 0)
#define AHCI_GHC_IE		(1u << 1)
#define AHCI_GHC_AE		(1u << 31)
#define AHCI_VS_1_3		0x00010300

/* Port registers, at 0x100 + 0x80 * port (§3.3). */
#define AHCI_PORT_BASE		0x100
#define AHCI_PORT_SIZE		0x80
#define AHCI_P_CLB		0x00
#define AHCI_P_CLBU		0x04
#define AHCI_P_FB		0x08
#define AHCI_P_FBU		0x0c
#define AHCI_P_IS		0x10
#define AHCI_P_IE		0x14
#define AHCI_P_CMD		0x18
#define AHCI_P_TFD		0x20
#define AHCI_P_SIG		0x24
#define AHCI_P_SSTS		0x28
#define AHCI_P_SCTL		0x2c
#define AHCI_P_SERR		0x30
#define AHCI_P_SACT		0x34
#define AHCI_P_CI		0x38
#define AHCI_P_SNTF		0x3c
#define AHCI_P_FBS		0x40

/* PxIS / PxIE bits (§3.3.5). */
#define AHCI_P_IX_DHR		(1u << 0)	/* D2H register FIS */
#define AHCI_P_IX_PS		(1u << 1)	/* PIO setup FIS */
#define AHCI_P_IX_DS		(1u << 2)	/* DMA setup FIS */
#define AHCI_P_IX_SDB		(1u << 3)	/* set device bits FIS */
#define AHCI_P_IX_HBF		(1u << 29)	/* host bus fatal */
#define AHCI_P_IX_TFE		(1u << 30)	/* task file error */
#define AHCI_P_IX_MASK		0xfdc000ffu	/* the defined bits */

/* PxCMD bits (§3.3.7). */
#define AHCI_P_CMD_ST		(1u << 0)
#define AHCI_P_CMD_SUD		(1u << 1)
#define AHCI_P_CMD_POD		(1u << 2)
#define AHCI_P_CMD_CLO		(1u << 3)
#define AHCI_P_CMD_FRE		(1u << 4)
#define AHCI_P_CMD_CCS_SHIFT	8
#define AHCI_P_CMD_CCS_MASK	(0x1fu << 8)
#define AHCI_P_CMD_FR		(1u << 14)
#define AHCI_P_CMD_CR		(1u << 15)
#define AHCI_P_CMD_ATAPI	(1u << 24)
#define AHCI_P_CMD_DLAE		(1u << 25)
#define AHCI_P_CMD_ALPE		(1u << 26)
#define AHCI_P_CMD_ASP		(1u << 27)
#define AHCI_P_CMD_ICC_MASK	(0xfu << 28)

/* Signatures (SATA 3.x §11.2, the reset D2H FIS). */
#define AHCI_SIG_ATA		0x00000101
#define AHCI_SIG_ATAPI		0xeb140101

/* SStatus: DET=3 (device, phy up), SPD=3 (6 Gb/s), IPM=1 (active). */
#define AHCI_SSTS_UP		0x133

/* ATA status and error bits (ACS-2 §6.1, §6.2). */
#define ATA_S_ERR		0x01
#define ATA_S_DRQ		0x08
#define ATA_S_DSC		0x10
#define ATA_S_DF		0x20
#define ATA_S_DRDY		0x40
#define ATA_S_BSY		0x80
#define ATA_E_ABRT		0x04
#define ATA_E_IDNF		0x10
#define ATA_E_UNC		0x40

/* FIS types (SATA 3.x §10.3). */
#define FIS_REG_H2D		0x27
#define FIS_REG_D2H		0x34
#define FIS_SDB			0xa1
#define FIS_PIO_SETUP		0x5f

/* Where each FIS lands in the receive area (AHCI §4.2.1). */
#define AHCI_RFIS_PSFIS		0x20
#define AHCI_RFIS_RFIS		0x40
#define AHCI_RFIS_SDBFIS	0x58
#define AHCI_RFIS_SIZE		0x100

/* Command header DW0 (§4.2.2) and the command table (§4.2.3). */
#define AHCI_CH_CFL_MASK	0x1f
#define AHCI_CH_A		(1u << 5)
#define AHCI_CH_W		(1u << 6)
#define AHCI_CH_R		(1u << 8)
#define AHCI_CH_C		(1u << 10)
#define AHCI_CT_CFIS		0x00
#define AHCI_CT_ACMD		0x40
#define AHCI_CT_PRDT		0x80
#define AHCI_PRD_DBC_MASK	0x3fffff

/* How a command's final status reaches the guest. */
enum ahci_fin {
	AHCI_FIN_D2H,		/* register D2H FIS (DMA and non-data) */
	AHCI_FIN_PIO,		/* PIO setup FIS then register D2H FIS */
};

enum ahci_op {
	AHCI_OP_NONE,
	AHCI_OP_RW,		/* read or write, in chunks of IOV_MAX */
	AHCI_OP_FLUSH,
	AHCI_OP_TRIM,		/* one DSM range after another */
};

struct ahci_port;

/* One command slot from issue to completion. */
struct ahci_cmd {
	struct blockif_req c_br;	/* first: the callback casts back */
	struct ahci_port *c_port;
	int c_slot;
	bool c_busy;			/* owns a block_if request */
	bool c_ncq;			/* FPDMA: completes by SDB FIS */
	int c_tag;			/* NCQ tag */
	enum ahci_op c_op;
	enum ahci_fin c_fin;
	bool c_write;
	bool c_fua;			/* flush before completing */
	uint64_t c_lba;			/* for the NCQ error log */
	uint32_t c_count;
	off_t c_off;			/* byte offset of the next chunk */
	/* The PRDT mapped at issue: c_niov pieces, c_pos the next one. */
	struct iovec *c_iov;
	uint64_t *c_gpa;
	int c_niov, c_cap, c_pos;
	uint32_t c_xfer;		/* bytes moved, for PRDBC */
	/* DATA SET MANAGEMENT: the ranges, and the next one. */
	uint64_t *c_dsm;
	int c_ndsm, c_dsmpos;
};

struct ahci_softc;

struct ahci_port {
	struct ahci_softc *p_sc;
	int p_num;
	struct blockif_ctxt *p_bc;	/* NULL: nothing attached */
	bool p_atapi;
	char p_ident[48];		/* "ahci@pci0:4:0 port 1" */

	/* Registers. */
	uint64_t p_clb, p_fb;
	uint32_t p_is, p_ie, p_cmd, p_tfd, p_sig, p_ssts, p_sctl, p_serr;
	uint32_t p_sact, p_ci;
	uint32_t p_started;		/* CI slots taken for processing */
	bool p_err;			/* TFE: halted until ST is cleared */
	bool p_nonq_busy;		/* a non-queued command is in flight */
	bool p_stopping;		/* completions write nothing */
	int p_inflight;

	/* Device state. */
	uint64_t p_nsect;		/* logical sectors */
	uint32_t p_sectsz;
	int p_xfermode;			/* SET FEATURES 03h value */
	int p_mult;			/* SET MULTIPLE MODE */
	bool p_wce;			/* write cache enabled */
	bool p_rahead;			/* read look-ahead enabled */
	uint8_t p_ncqlog[512];		/* log 10h (SATA 3.x §13.7.4) */
	uint8_t p_sense_key, p_sense_asc, p_sense_ascq;	/* ATAPI */
	char p_ser[21], p_rev[9], p_model[41];
	uint16_t p_nmrr;

	struct ahci_cmd *p_cmds;	/* AHCI_MAX_SLOTS of them */
};

struct ahci_softc {
	struct pci_devinst *sc_pi;
	struct vmctx *sc_ctx;
	pthread_mutex_t sc_mtx;
	pthread_cond_t sc_idle;		/* a port's p_inflight dropped */
	uint32_t sc_cap, sc_ghc, sc_pi_mask;
	int sc_nports;
	bool sc_lintr;			/* INTx asserted */
	struct ahci_port sc_port[AHCI_MAX_PORTS];
};

/* ---- pci_ahci.c, for the command sets (sc_mtx held) ---- */

/*
 * Map the first 'need' bytes the command's PRDT describes into cmd's
 * iovec (pieces adjacent in guest and host memory merged).  0, or -1 if
 * an entry is not guest RAM or the table describes fewer than 'need'
 * bytes (short_ok: take what there is; then c_xfer-able bytes are the
 * sum of the iovec).
 */
int ahci_prdt_map(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, uint64_t need, bool short_ok);
/* Copy len bytes into (out) or out of (!out) the PRDT; -1 as above. */
int ahci_prdt_copy(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, void *buf, uint32_t len, bool out, bool short_ok);
/* Bytes the mapped iovec holds. */
uint64_t ahci_iov_bytes(const struct ahci_cmd *cmd);

/*
 * Finish the command in cmd's slot: PRDBC = cmd->c_xfer, the FIS(es) for
 * fin with this status/error (ERR in status: task file error, the port
 * halts with the slot still in PxCI), PxCI cleared, interrupts.  regs, if
 * not NULL, overrides the D2H FIS's bytes 4-13 (LBA, device, count):
 * signatures and CHECK POWER MODE use it.
 */
void ahci_cmd_done(struct ahci_port *p, struct ahci_cmd *cmd, uint8_t status,
    uint8_t error, enum ahci_fin fin, const uint8_t *regs);
/* NCQ: the command is queued (D2H FIS, PxCI cleared; PxSACT stays). */
void ahci_ncq_accept(struct ahci_port *p, struct ahci_cmd *cmd);
/* NCQ: the command finished; err 0 or an ATA error byte (then TFE). */
void ahci_ncq_done(struct ahci_port *p, struct ahci_cmd *cmd, uint8_t error);

/* Start cmd's block_if work (cmd->c_op set up).  0 or an errno. */
int ahci_cmd_submit(struct ahci_port *p, struct ahci_cmd *cmd);

/* ---- ahci_config.c ---- */

/* Open port p's device from its port.N node.  0, or -1 after a message. */
int ahci_port_open(struct ahci_softc *sc, struct ahci_port *p,
    struct config_node *pnvl);
/* The -s <conf> of ahci, ahci-hd and ahci-cd.  0 or -1. */
int pci_ahci_legacy_config(struct config_node *nvl, const char *opts);
int pci_ahci_hd_legacy_config(struct config_node *nvl, const char *opts);
int pci_ahci_cd_legacy_config(struct config_node *nvl, const char *opts);

/* ---- ahci_ata.c ---- */

/* Run one ATA command (cfis: the 20-byte H2D FIS) on a disk port. */
void ata_handle_cmd(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, const uint8_t *cfis);
/* Fill a disk's IDENTIFY DEVICE data (ACS-2 §7.16). */
void ata_identify(struct ahci_port *p, uint16_t *id);
/* Record a failed command in log 10h (NCQ or not). */
void ata_ncqlog_set(struct ahci_port *p, const struct ahci_cmd *cmd,
    uint8_t status, uint8_t error);
/* Log 10h with nothing in it (NQ set), checksummed. */
void ata_ncqlog_clear(struct ahci_port *p);
/* "Set FEATURES" and the commands disks and CD-ROMs share: true if handled. */
bool ata_common_cmd(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, const uint8_t *cfis);
/* An ATA string: space padded, bytes swapped in each word (§3.4.9). */
void ata_string(uint16_t *dst, const char *src, int nwords);
/* Word 255: signature A5h and the checksum byte (§7.16.7.89). */
void ata_id_checksum(uint16_t *id);

/* ---- ahci_atapi.c ---- */

/* Run one ATA command on a CD-ROM port (PACKET carries SCSI/MMC). */
void atapi_handle_cmd(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, const uint8_t *cfis, const uint8_t *acmd);
void atapi_identify(struct ahci_port *p, uint16_t *id);

#endif /* LHYVE_AHCI_H */
