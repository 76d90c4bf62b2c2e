/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fw_cfg.c: QEMU's fw_cfg device, what bhyve's -f fills (bhyve's
 * qemu_fwcfg.c; the interface is QEMU's docs/specs/fw_cfg.rst).
 *
 * The guest writes an item key to the selector (0x510, 16 bits), which
 * also rewinds the item, then reads the item a byte at a time from 0x511;
 * bytes past the end read 0.  The DMA interface (ID bit 1) takes the
 * guest-physical address of a 16-byte FWCfgDmaAccess {BE32 control, BE32
 * length, BE64 address} written big-endian to 0x514 (high half) and 0x518
 * (low half: the write that starts it); the device selects/reads/skips as
 * control asks and writes control back as 0, or with the error bit.
 * Reading 0x514-0x51B gives the DMA signature "QEMU CFG".
 *
 * Items: signature "QEMU" (0x00), ID (0x01: traditional + DMA), RAM size
 * (0x03), vCPU counts (0x05, 0x0F), the file directory (0x19: BE32 count
 * and one {BE32 size, BE16 key, BE16 reserved, char name[56]} per file)
 * and the files from key 0x20 on in the order they were added (QEMU sorts
 * them by name; nothing relies on that order, every reader looks names up
 * in the directory).  Writing items (the write channel) is not supported:
 * a DMA write sets the error bit, a port write is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "devices/fw_cfg.h"
#include "devices/inout.h"
#include "vmm/vmm.h"

#define FWCFG_NFIXED	FWCFG_FILE_FIRST
#define FWCFG_DIRENT	64		/* bytes per directory entry */
/* A file from -f: kept in memory, so keep it sane. */
#define FWCFG_MAX_FILE	(64U << 20)

struct fwcfg_item {
	uint8_t		*data;
	uint32_t	len;
	char		name[FWCFG_MAX_NAME];	/* files only */
};

struct fwcfg {
	pthread_mutex_t	mtx;
	fwcfg_map_fn	map;
	fwcfg_wrote_fn	wrote;
	void		*arg;
	struct fwcfg_item fixed[FWCFG_NFIXED];
	struct fwcfg_item *files;
	int		nfiles;
	uint16_t	key;		/* selector, write/arch bits dropped */
	uint32_t	offset;		/* next byte of the selected item */
	uint32_t	dma_hi;		/* 0x514, host order */
};

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static int
item_set(struct fwcfg_item *it, const void *data, uint32_t len)
{
	uint8_t *copy = NULL;

	if (len > 0) {
		copy = malloc(len);
		if (copy == NULL)
			return (-ENOMEM);
		memcpy(copy, data, len);
	}
	free(it->data);
	it->data = copy;
	it->len = len;
	return (0);
}

/* Regenerate the directory (key 0x19) from the files. */
static int
rebuild_dir(struct fwcfg *sc)
{
	uint32_t len = 4 + (uint32_t)sc->nfiles * FWCFG_DIRENT;
	uint8_t *dir, *e;
	int error;

	dir = calloc(1, len);
	if (dir == NULL)
		return (-ENOMEM);
	put_be32(dir, (uint32_t)sc->nfiles);
	for (int i = 0; i < sc->nfiles; i++) {
		e = dir + 4 + i * FWCFG_DIRENT;
		put_be32(e, sc->files[i].len);
		put_be16(e + 4, (uint16_t)(FWCFG_FILE_FIRST + i));
		/* e + 6: reserved, 0 */
		memcpy(e + 8, sc->files[i].name, FWCFG_MAX_NAME);
	}
	error = item_set(&sc->fixed[FWCFG_FILE_DIR], dir, len);
	free(dir);
	return (error);
}

struct fwcfg *
fwcfg_create(fwcfg_map_fn map, fwcfg_wrote_fn wrote, void *arg)
{
	static const uint8_t id[4] = { FWCFG_ID_TRADITIONAL | FWCFG_ID_DMA };
	struct fwcfg *sc;

	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return (NULL);
	pthread_mutex_init(&sc->mtx, NULL);
	sc->map = map;
	sc->wrote = wrote;
	sc->arg = arg;
	if (item_set(&sc->fixed[FWCFG_SIGNATURE], "QEMU", 4) != 0 ||
	    item_set(&sc->fixed[FWCFG_ID], id, sizeof(id)) != 0 ||
	    rebuild_dir(sc) != 0) {
		fwcfg_destroy(sc);
		return (NULL);
	}
	return (sc);
}

void
fwcfg_destroy(struct fwcfg *sc)
{
	if (sc == NULL)
		return;
	for (int i = 0; i < FWCFG_NFIXED; i++)
		free(sc->fixed[i].data);
	for (int i = 0; i < sc->nfiles; i++)
		free(sc->files[i].data);
	free(sc->files);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
}

int
fwcfg_set_item(struct fwcfg *sc, uint16_t key, const void *data,
    uint32_t len)
{
	int error;

	/* The signature, ID and directory are the device's own. */
	if (key >= FWCFG_NFIXED || key == FWCFG_SIGNATURE ||
	    key == FWCFG_ID || key == FWCFG_FILE_DIR)
		return (-EINVAL);
	pthread_mutex_lock(&sc->mtx);
	error = item_set(&sc->fixed[key], data, len);
	pthread_mutex_unlock(&sc->mtx);
	return (error);
}

int
fwcfg_add_file(struct fwcfg *sc, const char *name, const void *data,
    uint32_t len)
{
	struct fwcfg_item *files, *it;
	int error;

	if (name == NULL || *name == '\0')
		return (-EINVAL);
	if (strlen(name) >= FWCFG_MAX_NAME)
		return (-ENAMETOOLONG);
	pthread_mutex_lock(&sc->mtx);
	error = 0;
	for (int i = 0; i < sc->nfiles && error == 0; i++)
		if (strcmp(sc->files[i].name, name) == 0)
			error = -EEXIST;
	if (error == 0 && sc->nfiles >= FWCFG_MAX_FILES)
		error = -ENOSPC;
	if (error != 0)
		goto out;
	files = realloc(sc->files, (sc->nfiles + 1) * sizeof(*files));
	if (files == NULL) {
		error = -ENOMEM;
		goto out;
	}
	sc->files = files;
	it = &files[sc->nfiles];
	memset(it, 0, sizeof(*it));
	strcpy(it->name, name);		/* length checked above */
	if ((error = item_set(it, data, len)) != 0)
		goto out;
	sc->nfiles++;
	if ((error = rebuild_dir(sc)) != 0) {
		sc->nfiles--;
		free(it->data);
	}
out:
	pthread_mutex_unlock(&sc->mtx);
	return (error);
}

/* The selected item, or NULL (no such key: reads give 0). */
static struct fwcfg_item *
cur_item(struct fwcfg *sc)
{
	if (sc->key < FWCFG_NFIXED)
		return (&sc->fixed[sc->key]);
	if (sc->key < FWCFG_FILE_FIRST + sc->nfiles)
		return (&sc->files[sc->key - FWCFG_FILE_FIRST]);
	return (NULL);
}

static void
select_key(struct fwcfg *sc, uint16_t sel)
{
	/* Bit 14 asks for the write channel, bit 15 for an arch-local
	 * item; x86 has none lhyve provides, so those read as absent. */
	sc->key = (sel & FWCFG_ARCH_LOCAL) ? 0xffff :
	    (uint16_t)(sel & ~FWCFG_WRITE_CHANNEL);
	sc->offset = 0;
}

static uint8_t
read_byte(struct fwcfg *sc)
{
	struct fwcfg_item *it = cur_item(sc);

	if (it == NULL || sc->offset >= it->len)
		return (0);
	return (it->data[sc->offset++]);
}

/*
 * One DMA request at 'addr' (fw_cfg.rst, "DMA interface").  A request
 * the device cannot even read is ignored: there is no control word to
 * report the error in.
 */
static void
dma_run(struct fwcfg *sc, uint64_t addr)
{
	struct fwcfg_item *it;
	uint8_t *acc, *dst;
	uint32_t control, len, n;
	uint64_t gpa;
	bool error = false;

	acc = sc->map(sc->arg, addr, 16);
	if (acc == NULL)
		return;
	control = get_be32(acc);
	len = get_be32(acc + 4);
	gpa = (uint64_t)get_be32(acc + 8) << 32 | get_be32(acc + 12);
	if (control & FWCFG_DMA_SELECT)
		select_key(sc, (uint16_t)(control >> 16));
	it = cur_item(sc);
	if (control & FWCFG_DMA_READ) {
		dst = len > 0 ? sc->map(sc->arg, gpa, len) : NULL;
		if (len > 0 && dst == NULL) {
			error = true;
		} else if (len > 0) {
			n = 0;
			if (it != NULL && sc->offset < it->len) {
				n = it->len - sc->offset;
				if (n > len)
					n = len;
				memcpy(dst, it->data + sc->offset, n);
				sc->offset += n;
			}
			/* Past the end of the item: zeros, as QEMU. */
			memset(dst + n, 0, len - n);
			if (sc->wrote != NULL)
				sc->wrote(sc->arg, gpa, len);
		}
	} else if (control & FWCFG_DMA_SKIP) {
		if (it != NULL)
			sc->offset = len > it->len - sc->offset ? it->len :
			    sc->offset + len;
	} else if (control & FWCFG_DMA_WRITE) {
		error = true;		/* every item is read-only */
	}
	put_be32(acc, error ? FWCFG_DMA_ERROR : 0);
	if (sc->wrote != NULL)
		sc->wrote(sc->arg, addr, 4);
}

int
fwcfg_io(struct fwcfg *sc, int in, int port, int bytes, uint32_t *eax)
{
	static const char dma_sig[8] = "QEMU CFG";
	uint32_t v;
	int off, error = 0;

	pthread_mutex_lock(&sc->mtx);
	switch (port) {
	case FWCFG_PORT_SEL:
		if (bytes != 2 || in)
			error = -1;
		else
			select_key(sc, (uint16_t)*eax);
		break;
	case FWCFG_PORT_DATA:
		if (!in)
			break;		/* the write channel: dropped */
		/* Byte-wide; a wider read takes consecutive bytes. */
		v = 0;
		for (int i = 0; i < bytes; i++)
			v |= (uint32_t)read_byte(sc) << (8 * i);
		*eax = v;
		break;
	default:
		off = port - FWCFG_PORT_DMA;
		if (off < 0 || off + bytes > 8) {
			error = -1;
		} else if (in) {
			v = 0;
			for (int i = 0; i < bytes; i++)
				v |= (uint32_t)(uint8_t)dma_sig[off + i] <<
				    (8 * i);
			*eax = v;
		} else if (bytes != 4 || (off != 0 && off != 4)) {
			error = -1;
		} else if (off == 0) {
			/* The guest wrote the big-endian bytes. */
			sc->dma_hi = __builtin_bswap32(*eax);
		} else {
			dma_run(sc, (uint64_t)sc->dma_hi << 32 |
			    __builtin_bswap32(*eax));
			sc->dma_hi = 0;
		}
		break;
	}
	pthread_mutex_unlock(&sc->mtx);
	return (error);
}

/* ---- the device in the VM ---- */

static struct fwcfg *fwcfg_sc;

static void *
fwcfg_vm_map(void *arg, uint64_t gpa, size_t len)
{
	return (vm_map_gpa(arg, gpa, len));
}

static void
fwcfg_vm_wrote(void *arg, uint64_t gpa, size_t len)
{
	vm_notify_write(arg, gpa, len);
}

static int
fwcfg_port_io(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	return (fwcfg_io(arg, in, port, bytes, eax));
}

bool
fwcfg_wanted(void)
{
	struct config_node *n = find_config_node("fw_cfg");
	const char *v = get_config_value("lpc.fwcfg");

	return ((n != NULL && config_node_first(n) != NULL) ||
	    (v != NULL && strcmp(v, "qemu") == 0));
}

/* Read a -f file=path into memory. */
static int
read_file(const char *path, uint8_t **data, uint32_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, error = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (-errno);
	if (fstat(fd, &st) != 0) {
		error = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > FWCFG_MAX_FILE) {
		error = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out;
	}
	*data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (*data == NULL) {
		error = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, *data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error = n < 0 ? -errno : -EIO;
			free(*data);
			*data = NULL;
			goto out;
		}
		got += (size_t)n;
	}
	*len = (uint32_t)got;
out:
	close(fd);
	return (error);
}

/* fw_cfg.N.{name,string,file} in tree order (options.c numbers them). */
static int
add_user_files(struct fwcfg *sc)
{
	struct config_node *n, *c;
	const char *name, *str, *path;
	uint8_t *data = NULL;
	uint32_t len = 0;
	int error;

	n = find_config_node("fw_cfg");
	for (c = n != NULL ? config_node_first(n) : NULL; c != NULL;
	    c = config_node_next(c)) {
		if (!config_item_is_node(c))
			continue;
		name = get_config_value_node(c, "name");
		str = get_config_value_node(c, "string");
		path = get_config_value_node(c, "file");
		if (name == NULL || (str == NULL) == (path == NULL)) {
			fprintf(stderr, "lhyve: fw_cfg.%s: needs a name and "
			    "one of string= or file=\n", config_item_name(c));
			return (-EINVAL);
		}
		if (str != NULL) {
			/* bhyve keeps the terminating NUL. */
			error = fwcfg_add_file(sc, name, str,
			    (uint32_t)strlen(str) + 1);
		} else {
			error = read_file(path, &data, &len);
			if (error != 0) {
				fprintf(stderr, "lhyve: -f %s,file=%s: %s\n",
				    name, path, strerror(-error));
				return (error);
			}
			error = fwcfg_add_file(sc, name, data, len);
			free(data);
		}
		if (error != 0) {
			fprintf(stderr, "lhyve: -f %s: %s\n", name,
			    error == -ENAMETOOLONG ? "name longer than 55 "
			    "characters" : error == -EEXIST ? "the name is "
			    "given twice" : strerror(-error));
			return (error);
		}
	}
	return (0);
}

static const struct inout_port fwcfg_ports[] = {
	{ "fw_cfg", FWCFG_PORT_SEL, 2, IOPORT_F_INOUT, fwcfg_port_io, NULL },
	{ "fw_cfg-dma", FWCFG_PORT_DMA, 8, IOPORT_F_INOUT, fwcfg_port_io,
	    NULL },
};

int
fwcfg_init(struct vmctx *ctx)
{
	struct inout_port iop;
	struct fwcfg *sc;
	uint8_t b[8];
	uint64_t ram;
	int ncpu, error, nports = 0;

	if (fwcfg_sc != NULL)
		return (-EEXIST);
	sc = fwcfg_create(fwcfg_vm_map, fwcfg_vm_wrote, ctx);
	if (sc == NULL)
		return (-ENOMEM);
	/* QEMU's layout: little-endian numbers. */
	ram = vm_get_lowmem_size(ctx) + vm_get_highmem_size(ctx);
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(ram >> (8 * i));
	error = fwcfg_set_item(sc, FWCFG_RAM_SIZE, b, 8);
	ncpu = vm_get_ncpus(ctx);
	b[0] = (uint8_t)ncpu;
	b[1] = (uint8_t)(ncpu >> 8);
	if (error == 0)
		error = fwcfg_set_item(sc, FWCFG_NB_CPUS, b, 2);
	if (error == 0)
		error = fwcfg_set_item(sc, FWCFG_MAX_CPUS, b, 2);
	if (error != 0) {
		fprintf(stderr, "lhyve: fw_cfg: %s\n", strerror(-error));
		goto fail;
	}
	if ((error = add_user_files(sc)) != 0)
		goto fail;
	for (; nports < 2; nports++) {
		iop = fwcfg_ports[nports];
		iop.arg = sc;
		error = register_inout(&iop);
		if (error != 0) {
			fprintf(stderr, "lhyve: fw_cfg: ports 0x%x-0x%x are "
			    "taken\n", iop.port, iop.port + iop.size - 1);
			goto fail;
		}
	}
	fwcfg_sc = sc;
	return (0);
fail:
	while (nports-- > 0) {
		iop = fwcfg_ports[nports];
		iop.arg = sc;
		(void)unregister_inout(&iop);
	}
	fwcfg_destroy(sc);
	return (error);
}

void
fwcfg_deinit(void)
{
	struct inout_port iop;

	if (fwcfg_sc == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		iop = fwcfg_ports[i];
		iop.arg = fwcfg_sc;
		(void)unregister_inout(&iop);
	}
	fwcfg_destroy(fwcfg_sc);
	fwcfg_sc = NULL;
}
