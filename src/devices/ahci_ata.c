/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ahci_ata.c: the ATA command set of an AHCI port's SATA disk (ATA8-ACS /
 * ACS-2): IDENTIFY DEVICE, READ/WRITE DMA (EXT) and their PIO forms,
 * READ/WRITE FPDMA QUEUED (NCQ), FLUSH CACHE (EXT), DATA SET MANAGEMENT
 * (TRIM), SET FEATURES, READ LOG (DMA) EXT with the NCQ error log, and
 * the power and housekeeping commands Linux's libata sends.  Every
 * address and length is checked before block_if sees it.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/ahci.h"

/* ATA commands (ACS-2 Annex B). */
#define ATA_NOP			0x00
#define ATA_DSM			0x06
#define ATA_RECALIBRATE		0x10
#define ATA_READ_PIO		0x20
#define ATA_READ_PIO_EXT	0x24
#define ATA_READ_DMA_EXT	0x25
#define ATA_READ_NATIVE_MAX_EXT	0x27
#define ATA_READ_MUL_EXT	0x29
#define ATA_READ_LOG_EXT	0x2f
#define ATA_WRITE_PIO		0x30
#define ATA_WRITE_PIO_EXT	0x34
#define ATA_WRITE_DMA_EXT	0x35
#define ATA_WRITE_MUL_EXT	0x39
#define ATA_READ_VERIFY		0x40
#define ATA_READ_VERIFY_EXT	0x42
#define ATA_READ_LOG_DMA_EXT	0x47
#define ATA_READ_FPDMA		0x60
#define ATA_WRITE_FPDMA		0x61
#define ATA_INIT_PARAMS		0x91
#define ATA_PACKET_IDENTIFY	0xa1
#define ATA_READ_MUL		0xc4
#define ATA_WRITE_MUL		0xc5
#define ATA_SET_MULTI		0xc6
#define ATA_READ_DMA		0xc8
#define ATA_WRITE_DMA		0xca
#define ATA_STANDBY_IMM		0xe0
#define ATA_IDLE_IMM		0xe1
#define ATA_STANDBY		0xe2
#define ATA_IDLE		0xe3
#define ATA_CHECK_POWER		0xe5
#define ATA_SLEEP		0xe6
#define ATA_FLUSH		0xe7
#define ATA_FLUSH_EXT		0xea
#define ATA_IDENTIFY		0xec
#define ATA_SET_FEATURES	0xef
#define ATA_READ_NATIVE_MAX	0xf8

#define ATA_DSM_MAX_BLOCKS	8	/* IDENTIFY word 105 */
#define ATA_LOG_DIRECTORY	0x00
#define ATA_LOG_NCQ_ERROR	0x10

static void
ata_fail(struct ahci_port *p, struct ahci_cmd *cmd, uint8_t error)
{
	ahci_cmd_done(p, cmd, ATA_S_DRDY | ATA_S_ERR, error, cmd->c_fin, NULL);
}

static void
ata_ok(struct ahci_port *p, struct ahci_cmd *cmd)
{
	ahci_cmd_done(p, cmd, ATA_S_DRDY, 0, cmd->c_fin, NULL);
}

void
ata_string(uint16_t *dst, const char *src, int nwords)
{
	size_t len = strlen(src);
	char c[2];

	for (int i = 0; i < nwords; i++) {
		for (int j = 0; j < 2; j++)
			c[j] = (size_t)(2 * i + j) < len ? src[2 * i + j] : ' ';
		dst[i] = (uint16_t)((uint8_t)c[0] << 8 | (uint8_t)c[1]);
	}
}

void
ata_id_checksum(uint16_t *id)
{
	uint8_t sum = 0xa5;

	id[255] = 0xa5;
	for (int i = 0; i < 255; i++)
		sum += (uint8_t)id[i] + (uint8_t)(id[i] >> 8);
	id[255] |= (uint16_t)((uint8_t)-sum) << 8;
}

/* Words 63 and 88: supported modes, plus the one SET FEATURES chose. */
static void
ata_id_modes(struct ahci_port *p, uint16_t *id)
{
	id[63] = 0x0007;		/* multiword DMA 0-2 */
	id[88] = 0x007f;		/* Ultra DMA 0-6 */
	if ((p->p_xfermode & 0xf8) == 0x20)
		id[63] |= 1u << (8 + (p->p_xfermode & 7));
	else if ((p->p_xfermode & 0xf8) == 0x40)
		id[88] |= 1u << (8 + (p->p_xfermode & 7));
}

void
ata_identify(struct ahci_port *p, uint16_t *id)
{
	uint64_t n = p->p_nsect;
	uint32_t lss = p->p_sectsz / 2;		/* words per sector */
	uint64_t cyl;
	int psz, psoff, exp;

	memset(id, 0, 512);
	/* Legacy CHS: 16 heads, 63 sectors (ATA-5 §8.15 defaults). */
	cyl = n / (16 * 63);
	if (cyl > 16383)
		cyl = 16383;
	id[0] = 0x0040;			/* fixed device */
	id[1] = (uint16_t)cyl;
	id[3] = 16;
	id[6] = 63;
	ata_string(id + 10, p->p_ser, 10);
	ata_string(id + 23, p->p_rev, 4);
	ata_string(id + 27, p->p_model, 20);
	id[47] = 0x8000 | 128;		/* READ/WRITE MULTIPLE: 128 */
	id[49] = 0x0b00;		/* IORDY, LBA, DMA */
	id[50] = 0x4000;
	id[53] = 0x0006;		/* words 64-70 and 88 valid */
	id[54] = (uint16_t)cyl;
	id[55] = 16;
	id[56] = 63;
	id[57] = (uint16_t)(cyl * 16 * 63);
	id[58] = (uint16_t)((cyl * 16 * 63) >> 16);
	id[59] = 0x0100 | (uint16_t)p->p_mult;
	id[60] = (uint16_t)(n > 0x0fffffff ? 0x0fffffff : n);
	id[61] = (uint16_t)((n > 0x0fffffff ? 0x0fffffff : n) >> 16);
	id[64] = 0x0003;		/* PIO 3 and 4 */
	id[65] = id[66] = id[67] = id[68] = 120;
	if (blockif_candelete(p->p_bc))
		/* Deterministic zeroes after TRIM: we punch holes. */
		id[69] = 1u << 14 | 1u << 5;
	id[75] = AHCI_MAX_SLOTS - 1;	/* queue depth - 1 */
	/* SATA capabilities: Gen1-3, NCQ (SATA 3.x §13.2.1, word 76). */
	id[76] = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 8;
	/* ATA/ATAPI-5 to ATA8-ACS: below ACS-3, whose logs we lack. */
	id[80] = 0x01f0;
	/*
	 * Features (words 82-87): NOP, look-ahead, write cache, power
	 * management; FLUSH CACHE (EXT), 48-bit; general purpose logging.
	 */
	id[82] = 1u << 14 | 1u << 6 | 1u << 5 | 1u << 3;
	id[83] = 1u << 14 | 1u << 13 | 1u << 12 | 1u << 10;
	id[84] = 1u << 14 | 1u << 5;
	id[85] = 1u << 14 | 1u << 3 | (p->p_rahead ? 1u << 6 : 0) |
	    (p->p_wce ? 1u << 5 : 0);
	id[86] = 1u << 13 | 1u << 12 | 1u << 10;
	id[87] = 1u << 14 | 1u << 5;
	ata_id_modes(p, id);
	id[100] = (uint16_t)n;
	id[101] = (uint16_t)(n >> 16);
	id[102] = (uint16_t)(n >> 32);
	id[103] = (uint16_t)(n >> 48);
	if (blockif_candelete(p->p_bc))
		id[105] = ATA_DSM_MAX_BLOCKS;
	/* Word 106: sector sizes (ACS-2 §7.16.7.59). */
	blockif_psectsz(p->p_bc, &psz, &psoff);
	for (exp = 0; exp < 15 && ((uint32_t)p->p_sectsz << exp) <
	    (uint32_t)psz; exp++)
		;
	id[106] = 1u << 14 | (exp > 0 ? 1u << 13 : 0) | exp;
	if (p->p_sectsz > 512) {
		id[106] |= 1u << 12;
		id[117] = (uint16_t)lss;
		id[118] = (uint16_t)(lss >> 16);
	}
	id[119] = 1u << 14;
	id[120] = 1u << 14;
	if (blockif_candelete(p->p_bc))
		id[169] = 1;		/* DSM TRIM */
	id[209] = 1u << 14 | (uint16_t)((psoff / p->p_sectsz) & 0x3fff);
	id[217] = p->p_nmrr;
	id[222] = 0x1000 | 0x3f;	/* SATA 1.0a to 3.0 */
	ata_id_checksum(id);
}

void
ata_ncqlog_clear(struct ahci_port *p)
{
	memset(p->p_ncqlog, 0, sizeof(p->p_ncqlog));
	p->p_ncqlog[0] = 0x80;		/* NQ: no queued command failed */
	p->p_ncqlog[511] = (uint8_t)-0x80;
}

void
ata_ncqlog_set(struct ahci_port *p, const struct ahci_cmd *cmd,
    uint8_t status, uint8_t error)
{
	uint8_t *l = p->p_ncqlog, sum = 0;
	uint64_t lba = cmd->c_lba;

	/* SATA 3.x §13.7.4: what the failing command was. */
	memset(l, 0, sizeof(p->p_ncqlog));
	l[0] = cmd->c_ncq ? (uint8_t)(cmd->c_tag & 0x1f) : 0x80;
	l[2] = status;
	l[3] = error;
	l[4] = lba;
	l[5] = lba >> 8;
	l[6] = lba >> 16;
	l[7] = 0x40;
	l[8] = lba >> 24;
	l[9] = lba >> 32;
	l[10] = lba >> 40;
	l[12] = cmd->c_count;
	l[13] = cmd->c_count >> 8;
	for (int i = 0; i < 511; i++)
		sum += l[i];
	l[511] = (uint8_t)-sum;
}

static uint64_t
ata_lba48(const uint8_t *f)
{
	return ((uint64_t)f[4] | (uint64_t)f[5] << 8 | (uint64_t)f[6] << 16 |
	    (uint64_t)f[8] << 24 | (uint64_t)f[9] << 32 |
	    (uint64_t)f[10] << 40);
}

/* Sectors [lba, lba + count) on the disk? */
static bool
ata_range_ok(struct ahci_port *p, uint64_t lba, uint64_t count)
{
	return (lba <= p->p_nsect && count <= p->p_nsect - lba);
}

/* READ/WRITE DMA, PIO and MULTIPLE, 28- and 48-bit (ACS-2 §7.22-7.66). */
static void
ata_rw(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    const uint8_t *cfis, bool ext, bool write)
{
	uint64_t lba;
	uint32_t count;

	if (ext) {
		lba = ata_lba48(cfis);
		count = cfis[12] | (uint32_t)cfis[13] << 8;
		if (count == 0)
			count = 65536;
	} else {
		lba = cfis[4] | (uint32_t)cfis[5] << 8 |
		    (uint32_t)cfis[6] << 16 | (uint32_t)(cfis[7] & 0xf) << 24;
		count = cfis[12];
		if (count == 0)
			count = 256;
	}
	cmd->c_lba = lba;
	cmd->c_count = count;
	if (!ata_range_ok(p, lba, count)) {
		ata_fail(p, cmd, ATA_E_IDNF);
		return;
	}
	if (write && blockif_is_ro(p->p_bc)) {
		ata_fail(p, cmd, ATA_E_ABRT);
		return;
	}
	if (ahci_prdt_map(p, cmd, hdr, (uint64_t)count * p->p_sectsz,
	    false) != 0) {
		ata_fail(p, cmd, ATA_E_ABRT);
		return;
	}
	cmd->c_op = AHCI_OP_RW;
	cmd->c_write = write;
	cmd->c_fua = write && !p->p_wce;
	if (ahci_cmd_submit(p, cmd) != 0)
		ata_fail(p, cmd, ATA_E_ABRT);
}

/* READ/WRITE FPDMA QUEUED (ACS-2 §7.24, §7.63). */
static void
ata_ncq(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    const uint8_t *cfis, bool write)
{
	uint8_t error = 0;

	cmd->c_ncq = true;
	cmd->c_tag = cfis[12] >> 3;
	cmd->c_lba = ata_lba48(cfis);
	cmd->c_count = cfis[3] | (uint32_t)cfis[11] << 8;
	if (cmd->c_count == 0)
		cmd->c_count = 65536;
	if (!ata_range_ok(p, cmd->c_lba, cmd->c_count))
		error = ATA_E_IDNF;
	else if (write && blockif_is_ro(p->p_bc))
		error = ATA_E_ABRT;
	else if (ahci_prdt_map(p, cmd, hdr, (uint64_t)cmd->c_count *
	    p->p_sectsz, false) != 0)
		error = ATA_E_ABRT;
	if (error == 0) {
		cmd->c_op = AHCI_OP_RW;
		cmd->c_write = write;
		/* FUA: DEVICE bit 7 (ACS-2 §7.63.3.3). */
		cmd->c_fua = write && (!p->p_wce || (cfis[7] & 0x80) != 0);
		if (ahci_cmd_submit(p, cmd) != 0)
			error = ATA_E_ABRT;
	}
	/* Queued first; a refusal comes back as a failed completion. */
	ahci_ncq_accept(p, cmd);
	if (error != 0)
		ahci_ncq_done(p, cmd, error);
}

/* DATA SET MANAGEMENT with TRIM (ACS-2 §7.10). */
static void
ata_dsm(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    const uint8_t *cfis)
{
	uint8_t buf[ATA_DSM_MAX_BLOCKS * 512];
	uint32_t nblk = cfis[12] | (uint32_t)cfis[13] << 8;
	uint64_t e, lba, len, *ranges;
	int n = 0;

	if ((cfis[3] & 0x01) == 0 || !blockif_candelete(p->p_bc) ||
	    nblk == 0 || nblk > ATA_DSM_MAX_BLOCKS) {
		ata_fail(p, cmd, ATA_E_ABRT);
		return;
	}
	if (ahci_prdt_copy(p, cmd, hdr, buf, nblk * 512, false, false) < 0) {
		ata_fail(p, cmd, ATA_E_ABRT);
		return;
	}
	ranges = realloc(cmd->c_dsm, nblk * 64 * sizeof(*ranges));
	if (ranges == NULL) {
		ata_fail(p, cmd, ATA_E_ABRT);
		return;
	}
	cmd->c_dsm = ranges;
	for (uint32_t i = 0; i < nblk * 64; i++) {
		memcpy(&e, buf + 8 * i, 8);
		e = le64toh(e);
		lba = e & 0xffffffffffffULL;
		len = e >> 48;
		if (len == 0)
			continue;	/* an unused entry */
		if (!ata_range_ok(p, lba, len)) {
			cmd->c_lba = lba;
			ata_fail(p, cmd, ATA_E_IDNF);
			return;
		}
		ranges[n++] = e;
	}
	cmd->c_ndsm = n;
	if (n == 0) {
		ata_ok(p, cmd);
		return;
	}
	cmd->c_op = AHCI_OP_TRIM;
	if (ahci_cmd_submit(p, cmd) != 0)
		ata_fail(p, cmd, ATA_E_ABRT);
}

/* READ LOG EXT / READ LOG DMA EXT (ACS-2 §7.26, §7.27). */
static void
ata_read_log(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    const uint8_t *cfis)
{
	uint8_t buf[512];
	uint32_t log = cfis[4], page = cfis[5] | (uint32_t)cfis[10] << 8;
	uint32_t count = cfis[12] | (uint32_t)cfis[13] << 8;

	memset(buf, 0, sizeof(buf));
	switch (log) {
	case ATA_LOG_DIRECTORY:
		/* GPL version 1; one page of log 10h (§A.2). */
		buf[0] = 0x01;
		buf[2 * ATA_LOG_NCQ_ERROR] = 1;
		break;
	case ATA_LOG_NCQ_ERROR:
		memcpy(buf, p->p_ncqlog, sizeof(buf));
		break;
	default:
		ata_fail(p, cmd, ATA_E_ABRT);
		return;
	}
	/* Both logs are one page long. */
	if (page != 0 || count != 1) {
		ata_fail(p, cmd, ATA_E_ABRT);
		return;
	}
	if (ahci_prdt_copy(p, cmd, hdr, buf, sizeof(buf), true, false) < 0) {
		ata_fail(p, cmd, ATA_E_ABRT);
		return;
	}
	/* Reading log 10h ends the NCQ error condition (SATA §13.7.4). */
	if (log == ATA_LOG_NCQ_ERROR)
		ata_ncqlog_clear(p);
	ata_ok(p, cmd);
}

bool
ata_common_cmd(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, const uint8_t *cfis)
{
	uint8_t mode;

	switch (cfis[2]) {
	case ATA_SET_FEATURES:
		/* ACS-2 §7.48. */
		switch (cfis[3]) {
		case 0x02:
			p->p_wce = true;
			break;
		case 0x82:
			p->p_wce = false;
			break;
		case 0xaa:
			p->p_rahead = true;
			break;
		case 0x55:
			p->p_rahead = false;
			break;
		case 0x66:	/* keep settings over a reset */
		case 0xcc:	/* revert to defaults on a reset */
			break;
		case 0x03:
			/* Transfer mode: PIO 0-4, MWDMA 0-2, UDMA 0-6. */
			mode = cfis[12];
			if (!(mode <= 0x01 || (mode >= 0x08 && mode <= 0x0c) ||
			    (mode >= 0x20 && mode <= 0x22) ||
			    (mode >= 0x40 && mode <= 0x46))) {
				ata_fail(p, cmd, ATA_E_ABRT);
				return (true);
			}
			p->p_xfermode = mode;
			break;
		default:
			ata_fail(p, cmd, ATA_E_ABRT);
			return (true);
		}
		ata_ok(p, cmd);
		return (true);
	default:
		return (false);
	}
}

void
ata_handle_cmd(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    const uint8_t *cfis)
{
	uint16_t id[256];
	uint8_t regs[10];
	uint64_t max;

	switch (cfis[2]) {
	case ATA_IDENTIFY:
		cmd->c_fin = AHCI_FIN_PIO;
		ata_identify(p, id);
		for (int i = 0; i < 256; i++)
			id[i] = htole16(id[i]);
		if (ahci_prdt_copy(p, cmd, hdr, id, 512, true, false) < 0)
			ata_fail(p, cmd, ATA_E_ABRT);
		else
			ata_ok(p, cmd);
		break;
	case ATA_READ_DMA:
	case ATA_WRITE_DMA:
		ata_rw(p, cmd, hdr, cfis, false, cfis[2] == ATA_WRITE_DMA);
		break;
	case ATA_READ_DMA_EXT:
	case ATA_WRITE_DMA_EXT:
		ata_rw(p, cmd, hdr, cfis, true, cfis[2] == ATA_WRITE_DMA_EXT);
		break;
	case ATA_READ_PIO:
	case ATA_READ_MUL:
		cmd->c_fin = AHCI_FIN_PIO;
		ata_rw(p, cmd, hdr, cfis, false, false);
		break;
	case ATA_WRITE_PIO:
	case ATA_WRITE_MUL:
		ata_rw(p, cmd, hdr, cfis, false, true);
		break;
	case ATA_READ_PIO_EXT:
	case ATA_READ_MUL_EXT:
		cmd->c_fin = AHCI_FIN_PIO;
		ata_rw(p, cmd, hdr, cfis, true, false);
		break;
	case ATA_WRITE_PIO_EXT:
	case ATA_WRITE_MUL_EXT:
		ata_rw(p, cmd, hdr, cfis, true, true);
		break;
	case ATA_READ_FPDMA:
	case ATA_WRITE_FPDMA:
		ata_ncq(p, cmd, hdr, cfis, cfis[2] == ATA_WRITE_FPDMA);
		break;
	case ATA_FLUSH:
	case ATA_FLUSH_EXT:
		/* Durable when it completes: block_if's fdatasync. */
		cmd->c_op = AHCI_OP_FLUSH;
		if (ahci_cmd_submit(p, cmd) != 0)
			ata_fail(p, cmd, ATA_E_ABRT);
		break;
	case ATA_DSM:
		ata_dsm(p, cmd, hdr, cfis);
		break;
	case ATA_READ_LOG_EXT:
		cmd->c_fin = AHCI_FIN_PIO;
		ata_read_log(p, cmd, hdr, cfis);
		break;
	case ATA_READ_LOG_DMA_EXT:
		ata_read_log(p, cmd, hdr, cfis);
		break;
	case ATA_SET_MULTI:
		/* ACS-2 §7.51: a power of two up to word 47's 128. */
		if (cfis[12] > 128 || (cfis[12] & (cfis[12] - 1)) != 0) {
			ata_fail(p, cmd, ATA_E_ABRT);
			break;
		}
		p->p_mult = cfis[12];
		ata_ok(p, cmd);
		break;
	case ATA_READ_VERIFY:
	case ATA_READ_VERIFY_EXT:
		/* Nothing to verify on an image, but the range must exist. */
		cmd->c_lba = cfis[2] == ATA_READ_VERIFY_EXT ? ata_lba48(cfis) :
		    (cfis[4] | (uint32_t)cfis[5] << 8 |
		    (uint32_t)cfis[6] << 16 | (uint32_t)(cfis[7] & 0xf) << 24);
		cmd->c_count = cfis[12] | (cfis[2] == ATA_READ_VERIFY_EXT ?
		    (uint32_t)cfis[13] << 8 : 0);
		if (cmd->c_count == 0)
			cmd->c_count = cfis[2] == ATA_READ_VERIFY_EXT ?
			    65536 : 256;
		if (!ata_range_ok(p, cmd->c_lba, cmd->c_count))
			ata_fail(p, cmd, ATA_E_IDNF);
		else
			ata_ok(p, cmd);
		break;
	case ATA_READ_NATIVE_MAX:
	case ATA_READ_NATIVE_MAX_EXT:
		/* The last LBA; no host protected area (ACS-2 §7.30). */
		max = p->p_nsect > 0 ? p->p_nsect - 1 : 0;
		if (cfis[2] == ATA_READ_NATIVE_MAX && max > 0x0fffffff)
			max = 0x0fffffff;
		memset(regs, 0, sizeof(regs));
		regs[0] = max;
		regs[1] = max >> 8;
		regs[2] = max >> 16;
		regs[3] = 0x40 | (cfis[2] == ATA_READ_NATIVE_MAX ?
		    (uint8_t)((max >> 24) & 0xf) : 0);
		if (cfis[2] == ATA_READ_NATIVE_MAX_EXT) {
			regs[4] = max >> 24;
			regs[5] = max >> 32;
			regs[6] = max >> 40;
		}
		ahci_cmd_done(p, cmd, ATA_S_DRDY, 0, AHCI_FIN_D2H, regs);
		break;
	case ATA_CHECK_POWER:
		/* Count FFh: active or idle (ACS-2 §7.5). */
		memset(regs, 0, sizeof(regs));
		regs[8] = 0xff;
		ahci_cmd_done(p, cmd, ATA_S_DRDY, 0, AHCI_FIN_D2H, regs);
		break;
	case ATA_STANDBY_IMM:
	case ATA_IDLE_IMM:
	case ATA_STANDBY:
	case ATA_IDLE:
	case ATA_SLEEP:
	case ATA_RECALIBRATE:
	case ATA_INIT_PARAMS:
		/* Nothing spins: accepted as done. */
		ata_ok(p, cmd);
		break;
	case ATA_PACKET_IDENTIFY:
	case ATA_NOP:		/* NOP always aborts (ACS-2 §7.17) */
	default:
		if (!ata_common_cmd(p, cmd, hdr, cfis))
			ata_fail(p, cmd, ATA_E_ABRT);
		break;
	}
}
