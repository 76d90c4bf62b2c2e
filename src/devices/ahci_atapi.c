/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ahci_atapi.c: an AHCI port's ATAPI CD/DVD-ROM drive with a read-only
 * ISO image in it: the ATA side (IDENTIFY PACKET DEVICE, PACKET, DEVICE
 * RESET, the signature on IDENTIFY DEVICE) and the SCSI/MMC commands a
 * PACKET carries (SPC-4, MMC-6): TEST UNIT READY, REQUEST SENSE, INQUIRY,
 * READ CAPACITY, READ(10)/(12), MODE SENSE(6)/(10), READ TOC/PMA/ATIP,
 * GET CONFIGURATION, GET EVENT STATUS NOTIFICATION, READ DISC
 * INFORMATION, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL and a few
 * harmless others.  A failed command is a CHECK CONDITION: ERR in status,
 * the sense key in the error register's high nibble, and the sense data
 * kept for REQUEST SENSE (ATA8-APT §6.3).
 */
#include <endian.h>
#include <string.h>

#include "devices/ahci.h"

#define ATAPI_BLOCK		2048
#define ATAPI_REPLY_MAX		256

/* SCSI / MMC operation codes. */
#define SCSI_TEST_UNIT_READY	0x00
#define SCSI_REQUEST_SENSE	0x03
#define SCSI_INQUIRY		0x12
#define SCSI_MODE_SELECT6	0x15
#define SCSI_MODE_SENSE6	0x1a
#define SCSI_START_STOP		0x1b
#define SCSI_PREVENT_ALLOW	0x1e
#define SCSI_READ_CAPACITY	0x25
#define SCSI_READ10		0x28
#define SCSI_WRITE10		0x2a
#define SCSI_SEEK10		0x2b
#define SCSI_VERIFY10		0x2f
#define SCSI_SYNC_CACHE		0x35
#define SCSI_READ_TOC		0x43
#define SCSI_GET_CONFIG		0x46
#define SCSI_GET_EVENT		0x4a
#define SCSI_READ_DISC_INFO	0x51
#define SCSI_MODE_SELECT10	0x55
#define SCSI_MODE_SENSE10	0x5a
#define SCSI_REPORT_LUNS	0xa0
#define SCSI_READ12		0xa8
#define SCSI_WRITE12		0xaa
#define SCSI_SET_CD_SPEED	0xbb
#define SCSI_MECH_STATUS	0xbd

/* Sense keys and additional sense codes (SPC-4 §4.5.6, Annex D). */
#define SK_NOT_READY		0x02
#define SK_MEDIUM_ERROR		0x03
#define SK_ILLEGAL_REQUEST	0x05
#define SK_DATA_PROTECT		0x07
#define SK_ABORTED		0x0b
#define ASC_INVALID_OPCODE	0x20
#define ASC_LBA_OUT_OF_RANGE	0x21
#define ASC_INVALID_FIELD	0x24
#define ASC_WRITE_PROTECTED	0x27
#define ASC_NO_SAVING		0x39

/* ATA commands an ATAPI device takes. */
#define ATA_DEVICE_RESET	0x08
#define ATA_PACKET		0xa0
#define ATA_PACKET_IDENTIFY	0xa1
#define ATA_CHECK_POWER		0xe5
#define ATA_IDENTIFY		0xec

/* MMC profiles (MMC-6 §5.3.1). */
#define PROFILE_CDROM		0x0008
#define PROFILE_DVDROM		0x0010
/* More blocks than a CD holds (80 min): call it a DVD. */
#define ATAPI_CD_MAX_BLOCKS	360000

static inline uint16_t
be16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static inline uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static inline void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void
atapi_identify(struct ahci_port *p, uint16_t *id)
{
	memset(id, 0, 512);
	/*
	 * Word 0 (ACS-2 §7.17.7.1): ATAPI, CD-ROM (05h), removable,
	 * DRQ within 50 us, 12-byte packets.
	 */
	id[0] = 2u << 14 | 5u << 8 | 1u << 7 | 2u << 5;
	ata_string(id + 10, p->p_ser, 10);
	ata_string(id + 23, p->p_rev, 4);
	ata_string(id + 27, p->p_model, 20);
	id[49] = 0x0b00;		/* IORDY, LBA, DMA */
	id[50] = 0x4000;
	id[53] = 0x0006;
	id[63] = 0x0007;
	id[64] = 0x0003;
	id[65] = id[66] = id[67] = id[68] = 120;
	id[76] = 1u << 1 | 1u << 2 | 1u << 3;	/* Gen1-3, no NCQ */
	id[80] = 0x01f0;
	/* NOP, PACKET, DEVICE RESET (words 82-87). */
	id[82] = 1u << 14 | 1u << 9 | 1u << 4;
	id[83] = 1u << 14;
	id[84] = 1u << 14;
	id[85] = 1u << 14 | 1u << 9 | 1u << 4;
	id[87] = 1u << 14;
	id[88] = 0x007f;
	if ((p->p_xfermode & 0xf8) == 0x40)
		id[88] |= 1u << (8 + (p->p_xfermode & 7));
	else if ((p->p_xfermode & 0xf8) == 0x20)
		id[63] |= 1u << (8 + (p->p_xfermode & 7));
	id[222] = 0x1000 | 0x3f;
	ata_id_checksum(id);
}

/* ATAPI's signature in the D2H registers (count, LBA low/mid/high). */
static void
atapi_sig_regs(uint8_t *regs)
{
	memset(regs, 0, 10);
	regs[0] = 0x01;
	regs[1] = 0x14;
	regs[2] = 0xeb;
	regs[8] = 0x01;
}

/* CHECK CONDITION with this sense (ATA8-APT §6.3). */
static void
atapi_check(struct ahci_port *p, struct ahci_cmd *cmd, uint8_t key,
    uint8_t asc)
{
	p->p_sense_key = key;
	p->p_sense_asc = asc;
	p->p_sense_ascq = 0;
	ahci_cmd_done(p, cmd, ATA_S_DRDY | ATA_S_ERR, (uint8_t)(key << 4) |
	    ATA_E_ABRT, cmd->c_fin, NULL);
}

static void
atapi_good(struct ahci_port *p, struct ahci_cmd *cmd)
{
	uint8_t regs[10];

	/* Interrupt reason: I/O and C/D, the command is done. */
	memset(regs, 0, sizeof(regs));
	regs[8] = 0x03;
	ahci_cmd_done(p, cmd, ATA_S_DRDY, 0, cmd->c_fin, regs);
}

/* Return min(len, alloc) bytes of buf (less if the PRDT holds less). */
static void
atapi_reply(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    const void *buf, uint32_t len, uint32_t alloc)
{
	if (len > alloc)
		len = alloc;
	if (len > 0 && ahci_prdt_copy(p, cmd, hdr, (void *)buf, len, true,
	    true) < 0) {
		atapi_check(p, cmd, SK_ABORTED, 0);
		return;
	}
	atapi_good(p, cmd);
}

static void
atapi_inquiry(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    const uint8_t *cdb)
{
	uint8_t buf[64];
	uint32_t alloc = be16(cdb + 3), len;
	const char *prod;

	memset(buf, 0, sizeof(buf));
	buf[0] = 0x05;			/* CD/DVD device */
	if (cdb[1] & 0x01) {
		/* Vital product data: the list and the serial (SPC-4 §7.8). */
		if (cdb[2] == 0x00) {
			buf[3] = 2;
			buf[4] = 0x00;
			buf[5] = 0x80;
			len = 6;
		} else if (cdb[2] == 0x80) {
			len = (uint32_t)strlen(p->p_ser);
			buf[1] = 0x80;
			buf[3] = (uint8_t)len;
			memcpy(buf + 4, p->p_ser, len);
			len += 4;
		} else {
			atapi_check(p, cmd, SK_ILLEGAL_REQUEST,
			    ASC_INVALID_FIELD);
			return;
		}
		atapi_reply(p, cmd, hdr, buf, len, alloc);
		return;
	}
	if (cdb[2] != 0) {
		atapi_check(p, cmd, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	/* Standard data (SPC-4 §6.4.2): removable, SPC-3, format 2. */
	buf[1] = 0x80;
	buf[2] = 0x05;
	buf[3] = 0x02;
	buf[4] = 36 - 5;
	memcpy(buf + 8, "LHYVE   ", 8);
	memset(buf + 16, ' ', 16);
	prod = strncmp(p->p_model, "LHYVE ", 6) == 0 ? p->p_model + 6 :
	    p->p_model;
	memcpy(buf + 16, prod, strnlen(prod, 16));
	memset(buf + 32, ' ', 4);
	memcpy(buf + 32, p->p_rev, strnlen(p->p_rev, 4));
	atapi_reply(p, cmd, hdr, buf, 36, alloc);
}

/* MODE SENSE(6)/(10) (SPC-4 §6.11, §6.12; MMC-6 §7.8 for page 2Ah). */
static void
atapi_mode_sense(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, const uint8_t *cdb, bool ten)
{
	uint8_t buf[ATAPI_REPLY_MAX], *pg;
	uint32_t hlen = ten ? 8 : 4, len, alloc;
	int pc = cdb[2] >> 6, page = cdb[2] & 0x3f;

	alloc = ten ? be16(cdb + 7) : cdb[4];
	if (pc == 3) {
		atapi_check(p, cmd, SK_ILLEGAL_REQUEST, ASC_NO_SAVING);
		return;
	}
	if (page != 0x01 && page != 0x2a && page != 0x3f) {
		atapi_check(p, cmd, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	memset(buf, 0, sizeof(buf));
	len = hlen;
	if (page == 0x01 || page == 0x3f) {
		/* Read error recovery: defaults; nothing is changeable. */
		pg = buf + len;
		pg[0] = 0x01;
		pg[1] = 0x0a;
		if (pc != 1)
			pg[3] = 0x05;	/* read retry count */
		len += 12;
	}
	if (page == 0x2a || page == 0x3f) {
		/* CD/DVD capabilities and mechanical status. */
		pg = buf + len;
		pg[0] = 0x2a;
		pg[1] = 0x14;
		if (pc != 1) {
			pg[2] = 0x3b;	/* CD-R/RW, method 2, DVD-ROM/R */
			pg[4] = 0x71;	/* audio, composite, ports 1/2 */
			pg[5] = 0x7f;	/* CD-DA, accurate stream, ... */
			pg[6] = 0x29;	/* tray, eject, lock */
			put_be16(pg + 8, 706 * 8);	/* max KB/s (8x) */
			put_be16(pg + 10, 0);
			put_be16(pg + 12, 512);		/* buffer KB */
			put_be16(pg + 14, 706 * 8);	/* current KB/s */
		}
		len += 22;
	}
	if (ten)
		put_be16(buf, (uint16_t)(len - 2));
	else
		buf[0] = (uint8_t)(len - 1);
	atapi_reply(p, cmd, hdr, buf, len, alloc);
}

static void
lba_to_msf(uint8_t *out, uint32_t lba)
{
	lba += 150;			/* the 2-second pregap */
	out[0] = 0;
	out[1] = (uint8_t)(lba / (60 * 75));
	out[2] = (uint8_t)((lba / 75) % 60);
	out[3] = (uint8_t)(lba % 75);
}

/* READ TOC/PMA/ATIP (MMC-6 §6.33): one data track, one session. */
static void
atapi_read_toc(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    const uint8_t *cdb)
{
	uint8_t buf[64], *d;
	uint32_t alloc = be16(cdb + 7), len;
	uint32_t leadout = (uint32_t)p->p_nsect;
	bool msf = (cdb[1] & 0x02) != 0;
	int format = cdb[2] & 0x0f, start = cdb[6];

	/* Old drives took the format in the control byte's top bits. */
	if (format == 0)
		format = cdb[9] >> 6;
	memset(buf, 0, sizeof(buf));
	switch (format) {
	case 0:
		if (start > 1 && start != 0xaa) {
			atapi_check(p, cmd, SK_ILLEGAL_REQUEST,
			    ASC_INVALID_FIELD);
			return;
		}
		buf[2] = 1;		/* first track */
		buf[3] = 1;		/* last track */
		len = 4;
		if (start <= 1) {
			d = buf + len;
			d[1] = 0x14;	/* ADR 1, data track */
			d[2] = 1;
			if (msf)
				lba_to_msf(d + 4, 0);
			len += 8;
		}
		d = buf + len;
		d[1] = 0x14;
		d[2] = 0xaa;		/* the lead-out */
		if (msf)
			lba_to_msf(d + 4, leadout);
		else
			put_be32(d + 4, leadout);
		len += 8;
		break;
	case 1:
		/* Session information: session 1 starts at track 1, LBA 0. */
		buf[2] = 1;
		buf[3] = 1;
		buf[5] = 0x14;
		buf[6] = 1;
		if (msf)
			lba_to_msf(buf + 8, 0);
		len = 12;
		break;
	case 2:
		/* Full TOC: points A0h, A1h, A2h and track 1 (§6.33.3.3). */
		buf[2] = 1;
		buf[3] = 1;
		len = 4;
		for (int i = 0; i < 4; i++) {
			d = buf + len;
			d[0] = 1;		/* session */
			d[1] = 0x14;
			d[3] = i == 0 ? 0xa0 : i == 1 ? 0xa1 : i == 2 ? 0xa2 :
			    1;
			if (i == 0 || i == 1)
				d[8] = 1;	/* first / last track */
			else if (i == 2)
				lba_to_msf(d + 7, leadout);
			else
				lba_to_msf(d + 7, 0);
			len += 11;
		}
		break;
	default:
		atapi_check(p, cmd, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	put_be16(buf, (uint16_t)(len - 2));
	atapi_reply(p, cmd, hdr, buf, len, alloc);
}

/* One feature descriptor; returns its length. */
static uint32_t
atapi_feature(uint8_t *d, uint16_t code, uint8_t flags, const uint8_t *data,
    uint8_t dlen)
{
	put_be16(d, code);
	d[2] = flags;
	d[3] = dlen;
	if (dlen > 0)
		memcpy(d + 4, data, dlen);
	return (4u + dlen);
}

/* GET CONFIGURATION (MMC-6 §6.6). */
static void
atapi_get_config(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, const uint8_t *cdb)
{
	uint8_t buf[ATAPI_REPLY_MAX], d[16];
	uint32_t alloc = be16(cdb + 7), len = 8;
	uint16_t start = be16(cdb + 2), cur;
	int rt = cdb[1] & 0x03;
	bool dvd = p->p_nsect > ATAPI_CD_MAX_BLOCKS;
	struct {
		uint16_t code;
		uint8_t flags;	/* version << 2, persistent, current */
		uint8_t dlen;
		uint8_t data[12];
	} feat[] = {
		/* Profile list: DVD-ROM, CD-ROM; the current one marked. */
		{ 0x0000, 0x03, 8, { 0x00, 0x10, dvd, 0, 0x00, 0x08, !dvd,
		    0 } },
		/* Core: ATAPI, DBE. */
		{ 0x0001, 0x07, 8, { 0, 0, 0, 2, 0x01, 0, 0, 0 } },
		/* Morphing: OCEvent. */
		{ 0x0002, 0x07, 4, { 0x02, 0, 0, 0 } },
		/* Removable medium: tray, eject, lock. */
		{ 0x0003, 0x03, 4, { 0x29, 0, 0, 0 } },
		/* Random readable: 2048-byte blocks. */
		{ 0x0010, 0x01, 8, { 0, 0, 0x08, 0, 0, 1, 0, 0 } },
		/* CD read; DVD read. */
		{ 0x001e, 0x08, 4, { 0, 0, 0, 0 } },
		{ 0x001f, 0x00, 4, { 0, 0, 0, 0 } },
	};

	if (rt == 3) {
		atapi_check(p, cmd, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	cur = dvd ? PROFILE_DVDROM : PROFILE_CDROM;
	memset(buf, 0, sizeof(buf));
	for (size_t i = 0; i < sizeof(feat) / sizeof(feat[0]); i++) {
		uint8_t flags = feat[i].flags;

		/* Current: random read always, CD or DVD read by profile. */
		if (feat[i].code == 0x0010 ||
		    (feat[i].code == 0x001e && !dvd) ||
		    (feat[i].code == 0x001f && dvd))
			flags |= 0x01;
		if (feat[i].code < start || (rt == 1 && !(flags & 0x01)) ||
		    (rt == 2 && feat[i].code != start))
			continue;
		memcpy(d, feat[i].data, feat[i].dlen);
		len += atapi_feature(buf + len, feat[i].code, flags, d,
		    feat[i].dlen);
	}
	put_be32(buf, len - 4);
	put_be16(buf + 6, cur);
	atapi_reply(p, cmd, hdr, buf, len, alloc);
}

/* GET EVENT STATUS NOTIFICATION, polled, media class (MMC-6 §6.7). */
static void
atapi_get_event(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, const uint8_t *cdb)
{
	uint8_t buf[8];
	uint32_t alloc = be16(cdb + 7), len;

	if ((cdb[1] & 0x01) == 0) {
		/* Only polling: asynchronous operation is not offered. */
		atapi_check(p, cmd, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	memset(buf, 0, sizeof(buf));
	buf[3] = 0x10;			/* supported: media */
	if (cdb[4] & 0x10) {
		put_be16(buf, 6);
		buf[2] = 0x04;		/* media class */
		buf[4] = 0x00;		/* no change */
		buf[5] = 0x02;		/* media present, tray closed */
		len = 8;
	} else {
		put_be16(buf, 2);
		buf[2] = 0x80;		/* NEA: none of those classes */
		len = 4;
	}
	atapi_reply(p, cmd, hdr, buf, len, alloc);
}

static void
atapi_read(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    uint64_t lba, uint64_t count)
{
	if (lba > p->p_nsect || count > p->p_nsect - lba) {
		atapi_check(p, cmd, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	if (count == 0) {
		atapi_good(p, cmd);
		return;
	}
	cmd->c_lba = lba;
	cmd->c_count = (uint32_t)count;
	if (ahci_prdt_map(p, cmd, hdr, count * ATAPI_BLOCK, false) != 0) {
		atapi_check(p, cmd, SK_ABORTED, 0);
		return;
	}
	cmd->c_op = AHCI_OP_RW;
	cmd->c_write = false;
	if (ahci_cmd_submit(p, cmd) != 0)
		atapi_check(p, cmd, SK_MEDIUM_ERROR, 0x11);
}

static void
atapi_packet(struct ahci_port *p, struct ahci_cmd *cmd, const uint32_t *hdr,
    const uint8_t *cdb)
{
	uint8_t buf[40];

	/* Sense data lives until the next command (SPC-4 §5.11). */
	if (cdb[0] != SCSI_REQUEST_SENSE)
		p->p_sense_key = p->p_sense_asc = p->p_sense_ascq = 0;
	memset(buf, 0, sizeof(buf));
	switch (cdb[0]) {
	case SCSI_TEST_UNIT_READY:
	case SCSI_START_STOP:
	case SCSI_PREVENT_ALLOW:
	case SCSI_SET_CD_SPEED:
	case SCSI_SEEK10:
	case SCSI_VERIFY10:
	case SCSI_SYNC_CACHE:
		atapi_good(p, cmd);
		break;
	case SCSI_REQUEST_SENSE:
		/* Fixed format (SPC-4 §4.5.3). */
		buf[0] = 0x70;
		buf[2] = p->p_sense_key;
		buf[7] = 10;
		buf[12] = p->p_sense_asc;
		buf[13] = p->p_sense_ascq;
		p->p_sense_key = p->p_sense_asc = p->p_sense_ascq = 0;
		atapi_reply(p, cmd, hdr, buf, 18, cdb[4]);
		break;
	case SCSI_INQUIRY:
		atapi_inquiry(p, cmd, hdr, cdb);
		break;
	case SCSI_READ_CAPACITY:
		put_be32(buf, p->p_nsect > 0 ? (uint32_t)(p->p_nsect - 1) : 0);
		put_be32(buf + 4, ATAPI_BLOCK);
		atapi_reply(p, cmd, hdr, buf, 8, 8);
		break;
	case SCSI_READ10:
		atapi_read(p, cmd, hdr, be32(cdb + 2), be16(cdb + 7));
		break;
	case SCSI_READ12:
		atapi_read(p, cmd, hdr, be32(cdb + 2), be32(cdb + 6));
		break;
	case SCSI_MODE_SENSE6:
		atapi_mode_sense(p, cmd, hdr, cdb, false);
		break;
	case SCSI_MODE_SENSE10:
		atapi_mode_sense(p, cmd, hdr, cdb, true);
		break;
	case SCSI_READ_TOC:
		atapi_read_toc(p, cmd, hdr, cdb);
		break;
	case SCSI_GET_CONFIG:
		atapi_get_config(p, cmd, hdr, cdb);
		break;
	case SCSI_GET_EVENT:
		atapi_get_event(p, cmd, hdr, cdb);
		break;
	case SCSI_READ_DISC_INFO:
		/* MMC-6 §6.22: a finalized one-session, one-track disc. */
		if ((cdb[1] & 0x07) != 0) {
			atapi_check(p, cmd, SK_ILLEGAL_REQUEST,
			    ASC_INVALID_FIELD);
			break;
		}
		put_be16(buf, 32);
		buf[2] = 0x0e;		/* session and disc complete */
		buf[3] = 1;
		buf[4] = 1;
		buf[5] = 1;
		buf[6] = 1;
		memset(buf + 16, 0xff, 8);	/* no lead-in/out to write */
		atapi_reply(p, cmd, hdr, buf, 34, be16(cdb + 7));
		break;
	case SCSI_REPORT_LUNS:
		/* One logical unit, LUN 0 (SPC-4 §6.33). */
		put_be32(buf, 8);
		atapi_reply(p, cmd, hdr, buf, 16, be32(cdb + 6));
		break;
	case SCSI_MECH_STATUS:
		/* No changer, tray closed, no slots (MMC-6 §6.11). */
		atapi_reply(p, cmd, hdr, buf, 8, be16(cdb + 8));
		break;
	case SCSI_WRITE10:
	case SCSI_WRITE12:
		atapi_check(p, cmd, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
		break;
	case SCSI_MODE_SELECT6:
	case SCSI_MODE_SELECT10:
		/* Nothing is changeable (MODE SENSE page control 1). */
		atapi_check(p, cmd, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		break;
	default:
		atapi_check(p, cmd, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
		break;
	}
}

void
atapi_handle_cmd(struct ahci_port *p, struct ahci_cmd *cmd,
    const uint32_t *hdr, const uint8_t *cfis, const uint8_t *acmd)
{
	uint16_t id[256];
	uint8_t regs[10];

	switch (cfis[2]) {
	case ATA_PACKET:
		/* Features bit 0: DMA; otherwise PIO (ATA8-ACS §7.18). */
		cmd->c_fin = (cfis[3] & 0x01) ? AHCI_FIN_D2H : AHCI_FIN_PIO;
		atapi_packet(p, cmd, hdr, acmd);
		break;
	case ATA_PACKET_IDENTIFY:
		cmd->c_fin = AHCI_FIN_PIO;
		atapi_identify(p, id);
		for (int i = 0; i < 256; i++)
			id[i] = htole16(id[i]);
		if (ahci_prdt_copy(p, cmd, hdr, id, 512, true, false) < 0)
			ahci_cmd_done(p, cmd, ATA_S_DRDY | ATA_S_ERR,
			    ATA_E_ABRT, AHCI_FIN_D2H, NULL);
		else
			ahci_cmd_done(p, cmd, ATA_S_DRDY, 0, AHCI_FIN_PIO,
			    NULL);
		break;
	case ATA_IDENTIFY:
		/* Abort with the signature: "I am a packet device" (§7.16). */
		atapi_sig_regs(regs);
		ahci_cmd_done(p, cmd, ATA_S_DRDY | ATA_S_ERR, ATA_E_ABRT,
		    AHCI_FIN_D2H, regs);
		break;
	case ATA_DEVICE_RESET:
		/* ACS-2 §7.11: reset, diagnostics passed, the signature. */
		atapi_sig_regs(regs);
		p->p_sense_key = p->p_sense_asc = p->p_sense_ascq = 0;
		ahci_cmd_done(p, cmd, 0, 0x01, AHCI_FIN_D2H, regs);
		break;
	case ATA_CHECK_POWER:
		memset(regs, 0, sizeof(regs));
		regs[8] = 0xff;
		ahci_cmd_done(p, cmd, ATA_S_DRDY, 0, AHCI_FIN_D2H, regs);
		break;
	case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe7:
		/* Standby, idle, flush: nothing to do on a read-only disc. */
		ahci_cmd_done(p, cmd, ATA_S_DRDY, 0, AHCI_FIN_D2H, NULL);
		break;
	default:
		if (!ata_common_cmd(p, cmd, hdr, cfis))
			ahci_cmd_done(p, cmd, ATA_S_DRDY | ATA_S_ERR,
			    ATA_E_ABRT, AHCI_FIN_D2H, NULL);
		break;
	}
}
