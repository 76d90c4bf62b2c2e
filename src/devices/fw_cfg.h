/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fw_cfg.h: QEMU's firmware configuration device (docs/specs/fw_cfg.rst in
 * QEMU; bhyve's qemu_fwcfg.c), which -f name,string=|file= fills: a
 * selector at I/O port 0x510, a byte-wide data port at 0x511 and a DMA
 * address register at 0x514-0x51B.  A bus-free core that tests drive
 * directly, and fwcfg_init(), which puts it on the ports.
 */
#ifndef LHYVE_FW_CFG_H
#define LHYVE_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWCFG_PORT_SEL		0x510	/* 16-bit write: select an item */
#define FWCFG_PORT_DATA		0x511	/* 8-bit read: the next byte */
#define FWCFG_PORT_DMA		0x514	/* 2 x 32-bit, big-endian address */
#define FWCFG_PORT_DMA_LO	0x518	/* writing this starts the DMA */
#define FWCFG_NPORTS		12	/* 0x510-0x51B, as QEMU reserves */

/* Item keys (QEMU's include/standard-headers/linux/qemu_fw_cfg.h). */
#define FWCFG_SIGNATURE		0x0000	/* "QEMU" */
#define FWCFG_ID		0x0001	/* LE32 feature bits */
#define FWCFG_RAM_SIZE		0x0003	/* LE64 bytes */
#define FWCFG_NB_CPUS		0x0005	/* LE16 */
#define FWCFG_MAX_CPUS		0x000f	/* LE16 */
#define FWCFG_FILE_DIR		0x0019	/* BE32 count, then the entries */
#define FWCFG_FILE_FIRST	0x0020	/* the first file's key */
#define FWCFG_MAX_FILES		0x1000
#define FWCFG_WRITE_CHANNEL	0x4000	/* selector bits that are not */
#define FWCFG_ARCH_LOCAL	0x8000	/*   part of the key */
#define FWCFG_MAX_NAME		56	/* name field, NUL included */

#define FWCFG_ID_TRADITIONAL	0x01	/* ports 0x510/0x511 */
#define FWCFG_ID_DMA		0x02	/* the DMA interface at 0x514 */

/* FWCfgDmaAccess.control (all fields big-endian in guest memory). */
#define FWCFG_DMA_ERROR		0x01
#define FWCFG_DMA_READ		0x02
#define FWCFG_DMA_SKIP		0x04
#define FWCFG_DMA_SELECT	0x08	/* the key is in bits 31:16 */
#define FWCFG_DMA_WRITE		0x10
#define FWCFG_DMA_SIGNATURE	0x51454d5520434647ULL	/* "QEMU CFG" */

/* Host pointer for guest-physical [gpa, gpa + len) in RAM, or NULL. */
typedef void *(*fwcfg_map_fn)(void *arg, uint64_t gpa, size_t len);
/* Tell the backend the device wrote [gpa, gpa + len) (may be NULL). */
typedef void (*fwcfg_wrote_fn)(void *arg, uint64_t gpa, size_t len);

struct fwcfg;

/* A device with the signature, ID (traditional + DMA) and an empty file
 * directory.  NULL on ENOMEM. */
struct fwcfg *fwcfg_create(fwcfg_map_fn map, fwcfg_wrote_fn wrote,
    void *arg);
void fwcfg_destroy(struct fwcfg *sc);
/* Set a fixed item (key < 0x20); the data is copied.  0 or -errno. */
int fwcfg_set_item(struct fwcfg *sc, uint16_t key, const void *data,
    uint32_t len);
/* Add a named file at the next free key (0x20 on); the data is copied.
 * -EINVAL (empty name), -ENAMETOOLONG (55 characters at most), -EEXIST
 * (the name is taken), -ENOSPC, -ENOMEM. */
int fwcfg_add_file(struct fwcfg *sc, const char *name, const void *data,
    uint32_t len);
/* One port access to 0x510-0x51B: 0, or -1 for one the device refuses
 * (the access is then unclaimed). */
int fwcfg_io(struct fwcfg *sc, int in, int port, int bytes, uint32_t *eax);

/* The items the config tree asks for (fw_cfg.N.name with fw_cfg.N.string
 * or fw_cfg.N.file, lpc.fwcfg=qemu), if any: true when a device is
 * wanted. */
bool fwcfg_wanted(void);
struct vmctx;
/* Create the device from the config tree (user items, vCPU count, RAM
 * size) on ports 0x510-0x51B.  0 or -errno after printing why. */
int fwcfg_init(struct vmctx *ctx);
void fwcfg_deinit(void);

#endif /* LHYVE_FW_CFG_H */
