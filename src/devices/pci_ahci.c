/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_ahci.c: an AHCI 1.3 host bus adapter (Serial ATA AHCI 1.3.1) in
 * bhyve's shape -- `ahci` (up to 32 ports of hd:PATH / cd:PATH),
 * `ahci-hd` and `ahci-cd` -- with the HBA and port registers in BAR 5,
 * command lists and FIS receive areas in guest memory, native command
 * queuing (PxSACT and Set Device Bits FISes), MSI or INTx.  The commands
 * themselves are ahci_ata.c's (disks) and ahci_atapi.c's (CD-ROMs); data
 * moves through block_if's worker threads, never on a vCPU.
 *
 * What a guest cannot do: every command header, command table and PRDT
 * entry is read once into locals and every buffer is checked to be guest
 * RAM (vm_map_gpa) before any I/O; a command that fails that, asks for
 * sectors past the disk or describes too little buffer gets a task-file
 * error (ABRT or IDNF) and the port halts until the driver restarts it
 * (AHCI §6.2.2.1), exactly as a real HBA reports a failed command.  A
 * command list or table that is not guest RAM is a host bus fatal error
 * (PxIS.HBFS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/ahci.h"
#include "devices/block_if.h"
#include "devices/pci_emul.h"
#include "vmm/vmm.h"

#define AHCI_BAR		5
#define AHCI_VENDOR		0x8086	/* bhyve: ICH8 AHCI, 2821h */
#define AHCI_DEVICE		0x2821
#define PCIS_STORAGE_SATA	0x06
#define PCIP_STORAGE_SATA_AHCI	0x01

static inline uint32_t
le32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static inline void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* ---- guest memory ---- */

/* Write len bytes at gpa; false if that is not guest RAM. */
static bool
ahci_gpa_write(struct ahci_softc *sc, uint64_t gpa, const void *buf,
    size_t len)
{
	void *hva = vm_map_gpa(sc->sc_ctx, gpa, len);

	if (hva == NULL)
		return (false);
	memcpy(hva, buf, len);
	vm_notify_write(sc->sc_ctx, gpa, len);
	return (true);
}

static bool
ahci_gpa_read(struct ahci_softc *sc, uint64_t gpa, void *buf, size_t len)
{
	void *hva = vm_map_gpa(sc->sc_ctx, gpa, len);

	if (hva == NULL)
		return (false);
	memcpy(buf, hva, len);
	return (true);
}

static int
ahci_iov_add(struct ahci_cmd *cmd, void *hva, uint64_t gpa, uint64_t len)
{
	struct iovec *last;

	if (cmd->c_niov > 0) {
		last = &cmd->c_iov[cmd->c_niov - 1];
		/* Contiguous for both the guest and us: one piece. */
		if ((uint8_t *)last->iov_base + last->iov_len == hva &&
		    cmd->c_gpa[cmd->c_niov - 1] + last->iov_len == gpa) {
			last->iov_len += len;
			return (0);
		}
	}
	if (cmd->c_niov == cmd->c_cap) {
		int ncap = cmd->c_cap == 0 ? 16 : cmd->c_cap * 2;

		/* Bound what one slot may make us allocate. */
		if (ncap > AHCI_MAX_PIECES)
			return (-1);
		struct iovec *iov;
		uint64_t *g;

		iov = realloc(cmd->c_iov, ncap * sizeof(*iov));
		if (iov == NULL)
			return (-1);
		cmd->c_iov = iov;
		g = realloc(cmd->c_gpa, ncap * sizeof(*g));
		if (g == NULL)
			return (-1);
		cmd->c_gpa = g;
		cmd->c_cap = ncap;
	}
	cmd->c_iov[cmd->c_niov].iov_base = hva;
	cmd->c_iov[cmd->c_niov].iov_len = len;
	cmd->c_gpa[cmd->c_niov] = gpa;
	cmd->c_niov++;
	return (0);
}

int
ahci_prdt_map(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    uint64_t need, bool short_ok)
{
	struct ahci_softc *sc = p->p_sc;
	uint32_t prdtl = hdr[0] >> 16;
	uint64_t ctba, dba, dbc, n, got = 0;
	uint8_t ent[16];
	void *hva;

	ctba = ((uint64_t)hdr[3] << 32 | hdr[2]) & ~0x7fULL;
	cmd->c_niov = 0;
	cmd->c_pos = 0;
	/* §4.2.3.3: PRDTL entries of 16 bytes after the command table. */
	for (uint32_t i = 0; i < prdtl && got < need; i++) {
		if (!ahci_gpa_read(sc, ctba + AHCI_CT_PRDT + 16ULL * i, ent,
		    sizeof(ent)))
			return (-1);
		/* DBA bit 0 is reserved (word alignment); DBC is length-1. */
		dba = ((uint64_t)le32(ent + 4) << 32 | le32(ent)) & ~1ULL;
		dbc = (le32(ent + 12) & AHCI_PRD_DBC_MASK) + 1;
		n = dbc < need - got ? dbc : need - got;
		if (dba + n < dba)
			return (-1);
		hva = vm_map_gpa(sc->sc_ctx, dba, n);
		if (hva == NULL || ahci_iov_add(cmd, hva, dba, n) != 0)
			return (-1);
		got += n;
	}
	if (got < need && !short_ok)
		return (-1);
	return (0);
}

uint64_t
ahci_iov_bytes(const struct ahci_cmd *cmd)
{
	uint64_t n = 0;

	for (int i = 0; i < cmd->c_niov; i++)
		n += cmd->c_iov[i].iov_len;
	return (n);
}

int
ahci_prdt_copy(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    void *buf, uint32_t len, bool out, bool short_ok)
{
	uint8_t *b = buf;
	uint32_t done = 0, n;

	if (ahci_prdt_map(p, cmd, hdr, len, short_ok) != 0)
		return (-1);
	for (int i = 0; i < cmd->c_niov && done < len; i++) {
		n = cmd->c_iov[i].iov_len;
		if (n > len - done)
			n = len - done;
		if (out) {
			memcpy(cmd->c_iov[i].iov_base, b + done, n);
			vm_notify_write(p->p_sc->sc_ctx, cmd->c_gpa[i], n);
		} else {
			memcpy(b + done, cmd->c_iov[i].iov_base, n);
		}
		done += n;
	}
	cmd->c_xfer = done;
	return ((int)done);
}

/* ---- interrupts (§10.6) ---- */

/* IS: the ports with an enabled interrupt pending (§3.1.3). */
static uint32_t
ahci_is(struct ahci_softc *sc)
{
	uint32_t is = 0;

	for (int i = 0; i < sc->sc_nports; i++)
		if (sc->sc_port[i].p_is & sc->sc_port[i].p_ie)
			is |= 1u << i;
	return (is);
}

/*
 * Bring the interrupt line up to date.  INTx is a level: asserted while
 * GHC.IE and IS say so.  MSI is a message: sent when 'edge' says a new
 * enabled event appeared (or the guest acknowledged IS with events still
 * pending), so no event is left without a message.
 */
static void
ahci_irq_update(struct ahci_softc *sc, bool edge)
{
	bool level = (sc->sc_ghc & AHCI_GHC_IE) != 0 && ahci_is(sc) != 0;

	if (pci_msi_enabled(sc->sc_pi)) {
		if (sc->sc_lintr) {
			pci_lintr_deassert(sc->sc_pi);
			sc->sc_lintr = false;
		}
		if (level && edge)
			pci_generate_msi(sc->sc_pi, 0);
		return;
	}
	if (level != sc->sc_lintr) {
		if (level)
			pci_lintr_assert(sc->sc_pi);
		else
			pci_lintr_deassert(sc->sc_pi);
		sc->sc_lintr = level;
	}
}

static void
ahci_port_raise(struct ahci_port *p, uint32_t bits)
{
	uint32_t fresh = bits & ~p->p_is;

	p->p_is |= bits;
	ahci_irq_update(p->p_sc, (fresh & p->p_ie) != 0);
}

/* ---- FISes into the receive area (§4.2.1) ---- */

static void
ahci_fis_write(struct ahci_port *p, int off, const uint8_t *fis, int len)
{
	/* Only while FIS receive is on (PxCMD.FRE, §3.3.7). */
	if ((p->p_cmd & AHCI_P_CMD_FRE) == 0)
		return;
	(void)ahci_gpa_write(p->p_sc, p->p_fb + off, fis, len);
}

/* A register D2H FIS (SATA §10.3.5); regs: bytes 4-13 or NULL. */
static void
ahci_d2h(struct ahci_port *p, uint8_t status, uint8_t error,
    const uint8_t *regs, bool irq)
{
	uint8_t fis[20];

	memset(fis, 0, sizeof(fis));
	fis[0] = FIS_REG_D2H;
	fis[1] = irq ? 0x40 : 0;
	fis[2] = status;
	fis[3] = error;
	if (regs != NULL)
		memcpy(fis + 4, regs, 10);
	ahci_fis_write(p, AHCI_RFIS_RFIS, fis, sizeof(fis));
	p->p_tfd = (uint32_t)error << 8 | status;
}

static void
ahci_pio_setup(struct ahci_port *p, uint8_t status, uint32_t count)
{
	uint8_t fis[20];

	memset(fis, 0, sizeof(fis));
	fis[0] = FIS_PIO_SETUP;
	fis[1] = 0x40 | 0x20;		/* I, D (device to host) */
	fis[2] = ATA_S_DRDY | ATA_S_DRQ;
	fis[15] = status;		/* E_Status, the end status */
	fis[16] = count;
	fis[17] = count >> 8;
	ahci_fis_write(p, AHCI_RFIS_PSFIS, fis, sizeof(fis));
}

void
ahci_cmd_done(struct ahci_port *p, struct ahci_cmd *cmd, uint8_t status,
    uint8_t error, enum ahci_fin fin, const uint8_t *regs)
{
	struct ahci_softc *sc = p->p_sc;
	uint32_t bit = 1u << cmd->c_slot, irq = AHCI_P_IX_DHR;
	uint8_t prdbc[4];

	/* PRDBC: the bytes moved (§4.2.2, DW1). */
	put_le32(prdbc, cmd->c_xfer);
	(void)ahci_gpa_write(sc, p->p_clb + 32ULL * cmd->c_slot + 4, prdbc, 4);
	if (fin == AHCI_FIN_PIO && (status & ATA_S_ERR) == 0) {
		ahci_pio_setup(p, status, cmd->c_xfer);
		irq |= AHCI_P_IX_PS;
	}
	ahci_d2h(p, status, error, regs, true);
	if (status & ATA_S_ERR) {
		/*
		 * §6.2.2.1: a task file error halts the port with the slot
		 * still in PxCI (PxCMD.CCS names it) until software clears
		 * PxCMD.ST.
		 */
		p->p_err = true;
		irq |= AHCI_P_IX_TFE;
		if (!p->p_atapi)
			ata_ncqlog_set(p, cmd, status, error);
	} else {
		p->p_ci &= ~bit;
		p->p_started &= ~bit;
	}
	ahci_port_raise(p, irq);
}

void
ahci_ncq_accept(struct ahci_port *p, struct ahci_cmd *cmd)
{
	uint32_t bit = 1u << cmd->c_slot;

	/* SATA §13.6.4: a D2H FIS with BSY clear, no interrupt. */
	ahci_d2h(p, ATA_S_DRDY, 0, NULL, false);
	p->p_ci &= ~bit;
	p->p_started &= ~bit;
}

void
ahci_ncq_done(struct ahci_port *p, struct ahci_cmd *cmd, uint8_t error)
{
	uint8_t fis[8];
	uint32_t done = 1u << cmd->c_tag, irq = AHCI_P_IX_SDB;
	uint8_t status = ATA_S_DRDY;

	/*
	 * SATA §13.6.4.2: a failing queued command ends with a Set Device
	 * Bits FIS carrying ERR and no completions; the device then wants
	 * log 10h read.  The HBA sets TFES and halts (AHCI §6.2.2.1).
	 */
	if (error != 0) {
		status |= ATA_S_ERR;
		done = 0;
		irq |= AHCI_P_IX_TFE;
		p->p_err = true;
		ata_ncqlog_set(p, cmd, status, error);
	}
	memset(fis, 0, sizeof(fis));
	fis[0] = FIS_SDB;
	fis[1] = 0x40;
	fis[2] = status & 0x77;
	fis[3] = error;
	put_le32(fis + 4, done);
	ahci_fis_write(p, AHCI_RFIS_SDBFIS, fis, sizeof(fis));
	p->p_tfd = (uint32_t)error << 8 | status;
	p->p_sact &= ~done;
	ahci_port_raise(p, irq);
}

/* ---- block_if ---- */

static void ahci_port_run(struct ahci_port *p);

/* Queue the next chunk (or DSM range) of cmd.  0 or an errno. */
static int
ahci_next_io(struct ahci_port *p, struct ahci_cmd *cmd)
{
	struct blockif_req *br = &cmd->c_br;
	uint64_t range;
	int n;

	switch (cmd->c_op) {
	case AHCI_OP_RW:
		n = cmd->c_niov - cmd->c_pos;
		if (n > BLOCKIF_IOV_MAX)
			n = BLOCKIF_IOV_MAX;
		br->br_iovcnt = n;
		br->br_resid = 0;
		for (int i = 0; i < n; i++) {
			br->br_iov[i] = cmd->c_iov[cmd->c_pos + i];
			br->br_resid += br->br_iov[i].iov_len;
		}
		br->br_offset = cmd->c_off;
		return (cmd->c_write ? blockif_write(p->p_bc, br) :
		    blockif_read(p->p_bc, br));
	case AHCI_OP_FLUSH:
		br->br_iovcnt = 0;
		br->br_resid = 0;
		br->br_offset = 0;
		return (blockif_flush(p->p_bc, br));
	case AHCI_OP_TRIM:
		/* ACS-2 §7.10.3.2: LBA in bits 47:0, sectors in 63:48. */
		range = cmd->c_dsm[cmd->c_dsmpos];
		br->br_iovcnt = 0;
		br->br_offset = (off_t)((range & 0xffffffffffffULL) *
		    p->p_sectsz);
		br->br_resid = (ssize_t)((range >> 48) * p->p_sectsz);
		return (blockif_delete(p->p_bc, br));
	default:
		return (EINVAL);
	}
}

/* The I/O went wrong: the guest's view of err. */
static void
ahci_cmd_ioerr(struct ahci_port *p, struct ahci_cmd *cmd, int err)
{
	uint8_t error;

	if (p->p_atapi) {
		/* SPC-4: MEDIUM ERROR, UNRECOVERED READ ERROR. */
		p->p_sense_key = 0x03;
		p->p_sense_asc = 0x11;
		p->p_sense_ascq = 0;
		ahci_cmd_done(p, cmd, ATA_S_DRDY | ATA_S_ERR,
		    (uint8_t)(0x03 << 4) | ATA_E_ABRT, cmd->c_fin, NULL);
		return;
	}
	/* A failed read is an uncorrectable sector; anything else aborts. */
	error = cmd->c_op == AHCI_OP_RW && !cmd->c_write && err != EROFS ?
	    ATA_E_UNC : ATA_E_ABRT;
	if (cmd->c_ncq)
		ahci_ncq_done(p, cmd, error);
	else
		ahci_cmd_done(p, cmd, ATA_S_DRDY | ATA_S_ERR, error,
		    cmd->c_fin, NULL);
}

static void
ahci_io_done(struct blockif_req *br, int err)
{
	struct ahci_cmd *cmd = (struct ahci_cmd *)br;
	struct ahci_port *p = cmd->c_port;
	struct ahci_softc *sc = p->p_sc;
	uint8_t regs[10];

	pthread_mutex_lock(&sc->sc_mtx);
	if (err == 0 && cmd->c_op == AHCI_OP_RW) {
		/* The data landed in guest RAM: tell the code cache. */
		for (int i = 0; i < br->br_iovcnt; i++) {
			if (!cmd->c_write)
				vm_notify_write(sc->sc_ctx,
				    cmd->c_gpa[cmd->c_pos + i],
				    cmd->c_iov[cmd->c_pos + i].iov_len);
			cmd->c_xfer += cmd->c_iov[cmd->c_pos + i].iov_len;
			cmd->c_off += cmd->c_iov[cmd->c_pos + i].iov_len;
		}
		cmd->c_pos += br->br_iovcnt;
		if (cmd->c_pos < cmd->c_niov && !p->p_stopping) {
			err = ahci_next_io(p, cmd);
			if (err == 0)
				goto out;
		} else if (cmd->c_write && cmd->c_fua && !p->p_stopping) {
			/*
			 * Write cache off, or FUA: the data must be on stable
			 * storage before the command completes (ACS-2
			 * §7.48.3).
			 */
			cmd->c_op = AHCI_OP_FLUSH;
			err = ahci_next_io(p, cmd);
			if (err == 0)
				goto out;
		}
	} else if (err == 0 && cmd->c_op == AHCI_OP_TRIM) {
		if (++cmd->c_dsmpos < cmd->c_ndsm && !p->p_stopping) {
			err = ahci_next_io(p, cmd);
			if (err == 0)
				goto out;
		}
	}
	cmd->c_busy = false;
	p->p_inflight--;
	if (p->p_stopping) {
		/* The port was stopped or reset: nothing more to say. */
	} else if (cmd->c_ncq) {
		/* After a queued error the device reports nothing more. */
		if (!p->p_err) {
			if (err == 0)
				ahci_ncq_done(p, cmd, 0);
			else
				ahci_cmd_ioerr(p, cmd, err);
		}
	} else {
		p->p_nonq_busy = false;
		if (err != 0) {
			ahci_cmd_ioerr(p, cmd, err);
		} else if (p->p_atapi) {
			/* ATAPI interrupt reason: I/O and C/D (done). */
			memset(regs, 0, sizeof(regs));
			regs[8] = 0x03;
			ahci_cmd_done(p, cmd, ATA_S_DRDY, 0, cmd->c_fin, regs);
		} else {
			ahci_cmd_done(p, cmd, ATA_S_DRDY, 0, cmd->c_fin, NULL);
		}
		ahci_port_run(p);
	}
	pthread_cond_broadcast(&sc->sc_idle);
out:
	pthread_mutex_unlock(&sc->sc_mtx);
}

int
ahci_cmd_submit(struct ahci_port *p, struct ahci_cmd *cmd)
{
	int err;

	cmd->c_br.br_callback = ahci_io_done;
	cmd->c_br.br_param = cmd;
	cmd->c_dsmpos = 0;
	cmd->c_pos = 0;
	cmd->c_off = (off_t)(cmd->c_lba * p->p_sectsz);
	err = ahci_next_io(p, cmd);
	if (err != 0)
		return (err);
	cmd->c_busy = true;
	p->p_inflight++;
	if (!cmd->c_ncq)
		p->p_nonq_busy = true;
	return (0);
}

/* ---- ports ---- */

/* Wait until no request of p is in flight; completions stay silent. */
static void
ahci_port_quiesce(struct ahci_port *p)
{
	struct ahci_softc *sc = p->p_sc;

	p->p_stopping = true;
	while (p->p_inflight > 0)
		pthread_cond_wait(&sc->sc_idle, &sc->sc_mtx);
	p->p_stopping = false;
	p->p_nonq_busy = false;
}

/* Forget every command (PxCMD.ST cleared, §3.3.7; or a reset). */
static void
ahci_port_idle(struct ahci_port *p)
{
	ahci_port_quiesce(p);
	p->p_ci = 0;
	p->p_sact = 0;
	p->p_started = 0;
	p->p_err = false;
	p->p_cmd &= ~(AHCI_P_CMD_CCS_MASK | AHCI_P_CMD_CR);
}

/*
 * The device side of a reset (COMRESET, HBA reset, SRST): it powers up
 * with its defaults and sends its signature in a D2H FIS (SATA §11.2,
 * ATA8-ACS §9.12).
 */
static void
ahci_dev_reset(struct ahci_port *p)
{
	uint8_t regs[10];
	int spd;

	if (p->p_bc == NULL) {
		p->p_ssts = 0;
		p->p_sig = 0xffffffff;
		p->p_tfd = 0x7f;
		return;
	}
	/* SControl.SPD limits the speed (§3.3.11); we offer Gen3. */
	spd = (p->p_sctl >> 4) & 0xf;
	p->p_ssts = AHCI_SSTS_UP;
	if (spd >= 1 && spd < 3)
		p->p_ssts = (AHCI_SSTS_UP & ~0xf0u) | (uint32_t)spd << 4;
	p->p_sig = p->p_atapi ? AHCI_SIG_ATAPI : AHCI_SIG_ATA;
	p->p_xfermode = 0x46;		/* UDMA6 */
	p->p_mult = 16;
	p->p_wce = true;
	p->p_rahead = true;
	p->p_sense_key = p->p_sense_asc = p->p_sense_ascq = 0;
	if (!p->p_atapi)
		ata_ncqlog_clear(p);
	/* Count 1, LBA low 1, mid/high: the signature (SATA §11.2). */
	memset(regs, 0, sizeof(regs));
	regs[0] = p->p_sig >> 8;
	regs[1] = p->p_sig >> 16;
	regs[2] = p->p_sig >> 24;
	regs[8] = p->p_sig;
	/* Error 01h: diagnostics passed. */
	ahci_d2h(p, p->p_atapi ? 0 : ATA_S_DRDY | ATA_S_DSC, 0x01, regs,
	    false);
}

/* PxSCTL.DET (§3.3.11): 1 holds the link in COMRESET, 0 lets it up. */
static void
ahci_port_sctl(struct ahci_port *p, uint32_t v)
{
	uint32_t det = v & 0xf, olddet = p->p_sctl & 0xf;

	p->p_sctl = v & 0xfff;
	if (det == 1) {
		ahci_port_idle(p);
		p->p_ssts = 0;
		p->p_tfd = ATA_S_BSY | 0x7f;
	} else if (det == 0 && olddet == 1) {
		ahci_dev_reset(p);
	} else if (det == 4) {
		ahci_port_idle(p);
		p->p_ssts = 0x4;	/* phy offline */
	}
}

static void
ahci_port_cmd(struct ahci_port *p, uint32_t v)
{
	const uint32_t rw = AHCI_P_CMD_ST | AHCI_P_CMD_FRE |
	    AHCI_P_CMD_ATAPI | AHCI_P_CMD_DLAE | AHCI_P_CMD_ALPE |
	    AHCI_P_CMD_ASP;
	uint32_t old = p->p_cmd;

	p->p_cmd = (p->p_cmd & ~rw) | (v & rw);
	/* FR follows FRE at once: we receive FISes synchronously. */
	if (p->p_cmd & AHCI_P_CMD_FRE)
		p->p_cmd |= AHCI_P_CMD_FR;
	else
		p->p_cmd &= ~AHCI_P_CMD_FR;
	/* CLO (§3.3.7): clears BSY and DRQ, then reads back 0. */
	if (v & AHCI_P_CMD_CLO)
		p->p_tfd &= ~(uint32_t)(ATA_S_BSY | ATA_S_DRQ);
	if ((old & AHCI_P_CMD_ST) && !(v & AHCI_P_CMD_ST)) {
		ahci_port_idle(p);
	} else if (!(old & AHCI_P_CMD_ST) && (v & AHCI_P_CMD_ST)) {
		p->p_cmd |= AHCI_P_CMD_CR;
		ahci_port_run(p);
	}
}

/* A host bus fatal error (§6.1.2): the port stops until reset. */
static void
ahci_port_fatal(struct ahci_port *p)
{
	p->p_err = true;
	p->p_tfd |= ATA_S_ERR;
	ahci_port_raise(p, AHCI_P_IX_HBF);
}

static void
ahci_exec(struct ahci_port *p, int slot)
{
	struct ahci_softc *sc = p->p_sc;
	struct ahci_cmd *cmd = &p->p_cmds[slot];
	uint8_t raw[32], ct[AHCI_CT_PRDT];
	uint32_t hdr[4];
	uint64_t ctba;

	if (!ahci_gpa_read(sc, p->p_clb + 32ULL * slot, raw, sizeof(raw))) {
		ahci_port_fatal(p);
		return;
	}
	for (int i = 0; i < 4; i++)
		hdr[i] = le32(raw + 4 * i);
	ctba = ((uint64_t)hdr[3] << 32 | hdr[2]) & ~0x7fULL;
	if (!ahci_gpa_read(sc, ctba, ct, sizeof(ct))) {
		ahci_port_fatal(p);
		return;
	}
	if (cmd->c_busy) {
		/*
		 * The slot's previous command (a queued one whose PxCI bit
		 * is already clear) still owns its request: reusing it now
		 * would break block_if's queue.  A real HBA would corrupt
		 * the data; we stop the port instead.
		 */
		ahci_port_fatal(p);
		return;
	}
	cmd->c_slot = slot;
	cmd->c_ncq = false;
	cmd->c_fua = false;
	cmd->c_op = AHCI_OP_NONE;
	cmd->c_fin = AHCI_FIN_D2H;
	cmd->c_xfer = 0;
	cmd->c_niov = 0;
	cmd->c_pos = 0;
	cmd->c_lba = 0;
	cmd->c_count = 0;

	/* A command FIS is at least a 20-byte H2D register FIS (CFL 5). */
	if ((hdr[0] & AHCI_CH_CFL_MASK) < 5 || ct[0] != FIS_REG_H2D) {
		ahci_cmd_done(p, cmd, ATA_S_DRDY | ATA_S_ERR, ATA_E_ABRT,
		    AHCI_FIN_D2H, NULL);
		return;
	}
	if ((ct[1] & 0x80) == 0) {
		/*
		 * A device control update (C clear): the software reset
		 * protocol (§10.4.1).  SRST set: the HBA clears the slot
		 * once sent (the header's R and C bits).  SRST cleared: the
		 * device resets and sends its signature.
		 */
		if (ct[15] & 0x04) {
			p->p_tfd = ATA_S_BSY;
		} else {
			ahci_dev_reset(p);
		}
		p->p_ci &= ~(1u << slot);
		p->p_started &= ~(1u << slot);
		return;
	}
	if (p->p_bc == NULL) {
		ahci_cmd_done(p, cmd, ATA_S_DRDY | ATA_S_ERR, ATA_E_ABRT,
		    AHCI_FIN_D2H, NULL);
		return;
	}
	if (p->p_atapi)
		atapi_handle_cmd(p, cmd, hdr, ct, ct + AHCI_CT_ACMD);
	else
		ata_handle_cmd(p, cmd, hdr, ct);
}

/* Start every newly issued slot, as long as the port may run. */
static void
ahci_port_run(struct ahci_port *p)
{
	uint32_t pend;
	int slot;

	while ((p->p_cmd & AHCI_P_CMD_ST) && !p->p_err && !p->p_nonq_busy &&
	    !p->p_stopping) {
		pend = p->p_ci & ~p->p_started;
		if (pend == 0)
			break;
		slot = __builtin_ctz(pend);
		p->p_started |= 1u << slot;
		p->p_cmd = (p->p_cmd & ~AHCI_P_CMD_CCS_MASK) |
		    (uint32_t)slot << AHCI_P_CMD_CCS_SHIFT;
		ahci_exec(p, slot);
	}
}

/* Power-on / HBA-reset values of a port (§3.3), then its device's. */
static void
ahci_port_init_regs(struct ahci_port *p)
{
	ahci_port_idle(p);
	p->p_is = 0;
	p->p_ie = 0;
	p->p_cmd = AHCI_P_CMD_SUD | AHCI_P_CMD_POD;
	if (p->p_atapi)
		p->p_cmd |= AHCI_P_CMD_ATAPI;
	p->p_sctl = 0;
	p->p_serr = 0;
	ahci_dev_reset(p);
}

/* GHC.HR (§10.4.3): every port and the global registers to defaults. */
static void
ahci_hba_reset(struct ahci_softc *sc)
{
	sc->sc_ghc = AHCI_GHC_AE;
	for (int i = 0; i < sc->sc_nports; i++)
		ahci_port_init_regs(&sc->sc_port[i]);
	ahci_irq_update(sc, false);
}

/* ---- registers ---- */

static uint32_t
ahci_port_read(struct ahci_port *p, int off)
{
	switch (off) {
	case AHCI_P_CLB:
		return ((uint32_t)p->p_clb);
	case AHCI_P_CLBU:
		return ((uint32_t)(p->p_clb >> 32));
	case AHCI_P_FB:
		return ((uint32_t)p->p_fb);
	case AHCI_P_FBU:
		return ((uint32_t)(p->p_fb >> 32));
	case AHCI_P_IS:
		return (p->p_is);
	case AHCI_P_IE:
		return (p->p_ie);
	case AHCI_P_CMD:
		return (p->p_cmd);
	case AHCI_P_TFD:
		return (p->p_tfd);
	case AHCI_P_SIG:
		return (p->p_sig);
	case AHCI_P_SSTS:
		return (p->p_ssts);
	case AHCI_P_SCTL:
		return (p->p_sctl);
	case AHCI_P_SERR:
		return (p->p_serr);
	case AHCI_P_SACT:
		return (p->p_sact);
	case AHCI_P_CI:
		return (p->p_ci);
	default:
		return (0);
	}
}

static void
ahci_port_write(struct ahci_port *p, int off, uint32_t v)
{
	struct ahci_softc *sc = p->p_sc;
	uint32_t old;

	switch (off) {
	case AHCI_P_CLB:	/* 1 KiB aligned (§3.3.1) */
		p->p_clb = (p->p_clb & ~0xffffffffULL) | (v & ~0x3ffu);
		break;
	case AHCI_P_CLBU:
		p->p_clb = (p->p_clb & 0xffffffffULL) | (uint64_t)v << 32;
		break;
	case AHCI_P_FB:		/* 256-byte aligned (§3.3.3) */
		p->p_fb = (p->p_fb & ~0xffffffffULL) | (v & ~0xffu);
		break;
	case AHCI_P_FBU:
		p->p_fb = (p->p_fb & 0xffffffffULL) | (uint64_t)v << 32;
		break;
	case AHCI_P_IS:		/* write 1 to clear */
		p->p_is &= ~v;
		ahci_irq_update(sc, false);
		break;
	case AHCI_P_IE:
		old = p->p_ie;
		p->p_ie = v & AHCI_P_IX_MASK;
		ahci_irq_update(sc, (p->p_is & p->p_ie & ~old) != 0);
		break;
	case AHCI_P_CMD:
		ahci_port_cmd(p, v);
		break;
	case AHCI_P_SCTL:
		ahci_port_sctl(p, v);
		break;
	case AHCI_P_SERR:
		p->p_serr &= ~v;
		break;
	case AHCI_P_SACT:	/* §3.3.13: set only, while running */
		if (p->p_cmd & AHCI_P_CMD_ST)
			p->p_sact |= v;
		break;
	case AHCI_P_CI:		/* §3.3.14: set only, while running */
		if (p->p_cmd & AHCI_P_CMD_ST) {
			p->p_ci |= v;
			ahci_port_run(p);
		}
		break;
	default:
		break;		/* read-only or not implemented */
	}
}

static uint32_t
ahci_read(struct ahci_softc *sc, uint64_t off)
{
	int port;

	if (off >= AHCI_PORT_BASE) {
		port = (off - AHCI_PORT_BASE) / AHCI_PORT_SIZE;
		if (port >= sc->sc_nports)
			return (0);
		return (ahci_port_read(&sc->sc_port[port],
		    (off - AHCI_PORT_BASE) % AHCI_PORT_SIZE));
	}
	switch (off) {
	case AHCI_CAP:
		return (sc->sc_cap);
	case AHCI_GHC:
		return (sc->sc_ghc);
	case AHCI_IS:
		return (ahci_is(sc));
	case AHCI_PI:
		return (sc->sc_pi_mask);
	case AHCI_VS:
		return (AHCI_VS_1_3);
	default:
		return (0);	/* CCC, EM, CAP2, BOHC: not implemented */
	}
}

static void
ahci_write(struct ahci_softc *sc, uint64_t off, uint32_t v)
{
	uint32_t old;
	int port;

	if (off >= AHCI_PORT_BASE) {
		port = (off - AHCI_PORT_BASE) / AHCI_PORT_SIZE;
		if (port < sc->sc_nports)
			ahci_port_write(&sc->sc_port[port],
			    (off - AHCI_PORT_BASE) % AHCI_PORT_SIZE, v);
		return;
	}
	switch (off) {
	case AHCI_GHC:
		if (v & AHCI_GHC_HR) {
			/* Done at once: HR reads back 0 (§3.1.2). */
			ahci_hba_reset(sc);
			break;
		}
		/* AE is fixed at 1: CAP.SAM, AHCI only. */
		old = sc->sc_ghc;
		sc->sc_ghc = AHCI_GHC_AE | (v & AHCI_GHC_IE);
		ahci_irq_update(sc, (sc->sc_ghc & ~old & AHCI_GHC_IE) != 0);
		break;
	case AHCI_IS:
		/*
		 * A port's bit stays while its PxIS & PxIE does (§3.1.3);
		 * with MSI a new message reports what is still pending.
		 */
		ahci_irq_update(sc, (v & ahci_is(sc)) != 0);
		break;
	default:
		break;
	}
}

/* Registers that a narrow write must not disturb around its bytes. */
static bool
ahci_reg_w1(uint64_t off)
{
	uint64_t r;

	if (off == AHCI_IS)
		return (true);
	if (off < AHCI_PORT_BASE)
		return (false);
	r = (off - AHCI_PORT_BASE) % AHCI_PORT_SIZE;
	return (r == AHCI_P_IS || r == AHCI_P_SERR || r == AHCI_P_SACT ||
	    r == AHCI_P_CI);
}

static void
pci_ahci_barwrite(struct pci_devinst *pi, int baridx, uint64_t offset,
    int size, uint64_t value)
{
	struct ahci_softc *sc = pi->pi_arg;
	uint64_t reg = offset & ~3ULL;
	int shift = (offset & 3) * 8;
	uint32_t v, mask;

	if (baridx != AHCI_BAR || size > 4 || (offset & 3) + size > 4)
		return;
	mask = size == 4 ? 0xffffffffu : ((1u << (8 * size)) - 1) << shift;
	v = (uint32_t)(value << shift) & mask;
	pthread_mutex_lock(&sc->sc_mtx);
	/* A byte or word write: plain registers keep their other bytes. */
	if (size < 4 && !ahci_reg_w1(reg))
		v |= ahci_read(sc, reg) & ~mask;
	ahci_write(sc, reg, v);
	pthread_mutex_unlock(&sc->sc_mtx);
}

static uint64_t
pci_ahci_barread(struct pci_devinst *pi, int baridx, uint64_t offset,
    int size)
{
	struct ahci_softc *sc = pi->pi_arg;
	uint32_t v;

	if (baridx != AHCI_BAR || size > 4 || (offset & 3) + size > 4)
		return (~0ULL);
	pthread_mutex_lock(&sc->sc_mtx);
	v = ahci_read(sc, offset & ~3ULL);
	pthread_mutex_unlock(&sc->sc_mtx);
	v >>= (offset & 3) * 8;
	if (size < 4)
		v &= (1u << (8 * size)) - 1;
	return (v);
}

/* ---- configuration ---- */

static void
ahci_free(struct ahci_softc *sc)
{
	for (int i = 0; i < AHCI_MAX_PORTS; i++) {
		struct ahci_port *p = &sc->sc_port[i];

		blockif_close(p->p_bc);
		if (p->p_cmds != NULL) {
			for (int s = 0; s < AHCI_MAX_SLOTS; s++) {
				free(p->p_cmds[s].c_iov);
				free(p->p_cmds[s].c_gpa);
				free(p->p_cmds[s].c_dsm);
			}
			free(p->p_cmds);
		}
	}
	pthread_mutex_destroy(&sc->sc_mtx);
	pthread_cond_destroy(&sc->sc_idle);
	free(sc);
}

static int
pci_ahci_init(struct pci_devinst *pi, struct config_node *nvl)
{
	struct ahci_softc *sc;
	struct config_node *ports, *it;
	struct ahci_port *p;
	const char *name;
	char *end;
	long n;
	int error;

	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (-ENOMEM);
	pthread_mutex_init(&sc->sc_mtx, NULL);
	pthread_cond_init(&sc->sc_idle, NULL);
	sc->sc_pi = pi;
	sc->sc_ctx = pi->pi_vmctx;
	for (int i = 0; i < AHCI_MAX_PORTS; i++) {
		p = &sc->sc_port[i];
		p->p_sc = sc;
		p->p_num = i;
		snprintf(p->p_ident, sizeof(p->p_ident), "%s port %d",
		    pi->pi_name, i);
	}

	/* pci.B.S.F.port.N.{type,path,...} (bhyve_config(5)). */
	ports = find_relative_config_node(nvl, "port");
	if (ports != NULL && !config_item_is_node(ports)) {
		fprintf(stderr, "lhyve: %s: 'port' must hold port.N nodes\n",
		    pi->pi_name);
		goto fail;
	}
	sc->sc_nports = 1;
	for (it = ports != NULL ? config_node_first(ports) : NULL; it != NULL;
	    it = config_node_next(it)) {
		name = config_item_name(it);
		errno = 0;
		n = strtol(name, &end, 10);
		if (errno != 0 || end == name || *end != '\0' || n < 0 ||
		    n >= AHCI_MAX_PORTS || !config_item_is_node(it)) {
			fprintf(stderr, "lhyve: %s: port.%s: ports are "
			    "numbered 0-%d\n", pi->pi_name, name,
			    AHCI_MAX_PORTS - 1);
			goto fail;
		}
		if (sc->sc_port[n].p_bc != NULL)
			continue;
		if (ahci_port_open(sc, &sc->sc_port[n], it) != 0)
			goto fail;
		if (n + 1 > sc->sc_nports)
			sc->sc_nports = n + 1;
	}
	for (int i = 0; i < sc->sc_nports; i++) {
		p = &sc->sc_port[i];
		p->p_cmds = calloc(AHCI_MAX_SLOTS, sizeof(*p->p_cmds));
		if (p->p_cmds == NULL)
			goto fail;
		for (int s = 0; s < AHCI_MAX_SLOTS; s++)
			p->p_cmds[s].c_port = p;
	}
	sc->sc_pi_mask = sc->sc_nports == 32 ? 0xffffffffu :
	    (1u << sc->sc_nports) - 1;
	/*
	 * CAP (§3.1.1): 64-bit addressing, NCQ, command list override,
	 * Gen3 speed, AHCI-only, 32 command slots, nports - 1.
	 */
	sc->sc_cap = AHCI_CAP_S64A | AHCI_CAP_SNCQ | AHCI_CAP_SCLO |
	    AHCI_CAP_ISS_GEN3 | AHCI_CAP_SAM |
	    (uint32_t)(AHCI_MAX_SLOTS - 1) << AHCI_CAP_NCS_SHIFT |
	    (uint32_t)(sc->sc_nports - 1);

	pci_set_cfgdata16(pi, PCIR_VENDOR, AHCI_VENDOR);
	pci_set_cfgdata16(pi, PCIR_DEVICE, AHCI_DEVICE);
	pci_set_cfgdata8(pi, PCIR_CLASS, PCIC_STORAGE);
	pci_set_cfgdata8(pi, PCIR_SUBCLASS, PCIS_STORAGE_SATA);
	pci_set_cfgdata8(pi, PCIR_PROGIF, PCIP_STORAGE_SATA_AHCI);
	error = pci_emul_alloc_bar(pi, AHCI_BAR, PCIBAR_MEM32,
	    AHCI_PORT_BASE + (uint64_t)sc->sc_nports * AHCI_PORT_SIZE);
	if (error != 0 || pci_emul_add_msicap(pi, 1) != 0) {
		fprintf(stderr, "lhyve: %s: cannot set up BAR 5 and MSI\n",
		    pi->pi_name);
		goto fail;
	}
	pci_lintr_request(pi);
	pi->pi_arg = sc;
	pthread_mutex_lock(&sc->sc_mtx);
	ahci_hba_reset(sc);
	pthread_mutex_unlock(&sc->sc_mtx);
	return (0);
fail:
	ahci_free(sc);
	pi->pi_arg = NULL;
	return (-EINVAL);
}

const struct pci_devemu pci_de_ahci = {
	.pe_emu = "ahci",
	.pe_init = pci_ahci_init,
	.pe_legacy_config = pci_ahci_legacy_config,
	.pe_barwrite = pci_ahci_barwrite,
	.pe_barread = pci_ahci_barread,
};
PCI_EMUL_SET(pci_de_ahci);

const struct pci_devemu pci_de_ahci_hd = {
	.pe_emu = "ahci-hd",
	.pe_init = pci_ahci_init,
	.pe_legacy_config = pci_ahci_hd_legacy_config,
	.pe_barwrite = pci_ahci_barwrite,
	.pe_barread = pci_ahci_barread,
};
PCI_EMUL_SET(pci_de_ahci_hd);

const struct pci_devemu pci_de_ahci_cd = {
	.pe_emu = "ahci-cd",
	.pe_init = pci_ahci_init,
	.pe_legacy_config = pci_ahci_cd_legacy_config,
	.pe_barwrite = pci_ahci_barwrite,
	.pe_barread = pci_ahci_barread,
};
PCI_EMUL_SET(pci_de_ahci_cd);
