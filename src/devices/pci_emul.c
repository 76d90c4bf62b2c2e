/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_emul.c: the PCI core (bhyve's pci_emul.c): the -s parser, device
 * instantiation from the pci.B.S.F config nodes, configuration mechanism
 * #1 and ECAM, configuration-space write rules, BAR allocation and
 * decoding, the capability list, and INTx (routed by pci_irq.c; MSI and
 * MSI-X live in pci_msi.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/inout.h"
#include "devices/mem.h"
#include "devices/pci_emul.h"
#include "devices/pci_irq.h"
#include "devices/pci_lpc.h"
#include "devices/pci_priv.h"

SET_DECLARE(pci_devemu_set, struct pci_devemu);

#define CAP_START_OFFSET	0x40

struct slotinfo {
	struct pci_devinst *si_funcs[PCI_FUNCMAX + 1];
	int si_intpins[4];	/* users of INTA..INTD in this slot */
	struct pci_irq si_intirq[4];	/* where INTA..INTD go */
};

struct businfo {
	struct slotinfo slots[PCI_SLOTMAX + 1];
};

static struct businfo *pci_businfo[PCI_BUSMAX + 1];

/* BARs asked for during pe_init, placed once every device exists. */
struct bar_req {
	struct pci_devinst *pi;
	int idx;
};
static struct bar_req *bar_reqs;
static int nbar_reqs, bar_reqs_cap;

static uint64_t pci_iobase, pci_membase32, pci_membase64, pci_memlim64;

/*
 * Mechanism #1 state.  There is one CONFIG_ADDRESS register per host
 * bridge, not per CPU (PCI 3.0 §3.2.2.3.2), so vCPUs share it; the mutex
 * also serialises configuration-space updates against each other.
 */
static pthread_mutex_t pci_cfg_mtx = PTHREAD_MUTEX_INITIALIZER;
static uint32_t pci_cfgaddr;

static void bar_register(struct pci_devinst *pi, int idx);
static void bar_unregister(struct pci_devinst *pi, int idx);

/* ---- the device registry and -s ---- */

const struct pci_devemu *
pci_emul_finddev(const char *name)
{
	struct pci_devemu **pdpp;

	if (name == NULL)
		return (NULL);
	SET_FOREACH(pdpp, pci_devemu_set) {
		if (strcmp((*pdpp)->pe_emu, name) == 0)
			return (*pdpp);
	}
	return (NULL);
}

void
pci_print_supported_devices(void)
{
	struct pci_devemu **pdpp;

	SET_FOREACH(pdpp, pci_devemu_set)
		printf("%s\n", (*pdpp)->pe_emu);
}

/* A decimal number with nothing around it, at most 'max'.  0 or -1. */
static int
parse_dec(const char *s, int max, int *out)
{
	long v = 0;

	/* Decimal only, as bhyve's %d; a cap keeps huge inputs finite. */
	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		v = v * 10 + (*s - '0');
		if (v > 1000000000)
			return (-1);
	}
	*out = (int)v;
	return (v <= max ? 0 : -1);
}

int
pci_parse_legacy_config(struct config_node *nvl, const char *opt)
{
	char *copy, *rest, *name, *value;
	int error = 0;

	if (opt == NULL)
		return (0);
	copy = rest = strdup(opt);
	if (copy == NULL)
		return (-1);
	while ((name = strsep(&rest, ",")) != NULL) {
		if (*name == '\0')
			continue;	/* "a,,b" or a trailing comma */
		value = strchr(name, '=');
		if (value != NULL)
			*value++ = '\0';
		if (*name == '\0') {
			fprintf(stderr, "lhyve: option '=%s' has no name\n",
			    value);
			error = -1;
			break;
		}
		set_config_value_node(nvl, name, value != NULL ? value :
		    "true");
	}
	free(copy);
	return (error);
}

/* Split "B:S:F", "S:F" or "S".  0 or -1 after saying what is wrong. */
static int
parse_bsf(const char *opt, char *str, int *bus, int *slot, int *func)
{
	char *part[4];
	int n = 0;

	while (n < 4 && (part[n] = strsep(&str, ":")) != NULL)
		n++;
	if (n == 4) {
		fprintf(stderr, "lhyve: -s %s: expected slot, slot:function "
		    "or bus:slot:function\n", opt);
		return (-1);
	}
	*bus = 0;
	*func = 0;
	for (int i = 0; i < n; i++) {
		int *dst, max, v;
		const char *what;

		if (n == 3 && i == 0) {
			dst = bus, max = PCI_BUSMAX, what = "bus";
		} else if (i == n - 1 && n > 1) {
			dst = func, max = PCI_FUNCMAX, what = "function";
		} else {
			dst = slot, max = PCI_SLOTMAX, what = "slot";
		}
		if (parse_dec(part[i], 0x7fffffff, &v) != 0) {
			fprintf(stderr, "lhyve: -s %s: %s '%s' is not a "
			    "number\n", opt, what, part[i]);
			return (-1);
		}
		if (v > max) {
			fprintf(stderr, "lhyve: -s %s: %s %d is out of range "
			    "(0-%d)\n", opt, what, v, max);
			return (-1);
		}
		*dst = v;
	}
	return (0);
}

int
pci_parse_slot(char *opt)
{
	const struct pci_devemu *pde;
	struct config_node *nvl;
	char node_name[sizeof("pci.255.31.7")];
	char *str, *emul, *conf, *cp;
	int bus, slot, func, error = -1;

	str = strdup(opt);
	if (str == NULL)
		return (-1);
	/* Only the first two commas split: conf is the device's business. */
	cp = strchr(str, ',');
	if (cp == NULL) {
		fprintf(stderr, "lhyve: -s %s: expected "
		    "slot,emulation[,conf]\n", opt);
		goto done;
	}
	*cp = '\0';
	emul = cp + 1;
	conf = NULL;
	if ((cp = strchr(emul, ',')) != NULL) {
		*cp = '\0';
		conf = cp + 1;
	}
	if (parse_bsf(opt, str, &bus, &slot, &func) != 0)
		goto done;
	if (*emul == '\0') {
		fprintf(stderr, "lhyve: -s %s: no emulation given\n", opt);
		goto done;
	}
	pde = pci_emul_finddev(emul);
	if (pde == NULL) {
		fprintf(stderr, "lhyve: -s %s: unknown emulation '%s' "
		    "('-s help' lists them)\n", opt, emul);
		goto done;
	}
	snprintf(node_name, sizeof(node_name), "pci.%d.%d.%d", bus, slot,
	    func);
	if (find_config_node(node_name) != NULL) {
		fprintf(stderr, "lhyve: -s %s: PCI slot %d:%d:%d is already "
		    "in use\n", opt, bus, slot, func);
		goto done;
	}
	nvl = create_config_node(node_name);
	if (nvl == NULL) {
		fprintf(stderr, "lhyve: -s %s: cannot create %s\n", opt,
		    node_name);
		goto done;
	}
	set_config_value_node(nvl, "device", pde->pe_emu);
	if (pde->pe_legacy_config != NULL)
		error = pde->pe_legacy_config(nvl, conf);
	else
		error = pci_parse_legacy_config(nvl, conf);
	if (error != 0) {
		fprintf(stderr, "lhyve: -s %s: bad options for %s\n", opt,
		    pde->pe_emu);
		/* Leave no half-made slot behind. */
		(void)unset_config_value(node_name);
		error = -1;
	}
done:
	free(str);
	return (error);
}

/* ---- BARs ---- */

static bool
bar_decoding(const struct pci_devinst *pi, int idx)
{
	uint16_t cmd = pci_get_cfgdata16(pi, PCIR_COMMAND);

	if (pi->pi_bar[idx].type == PCIBAR_IO)
		return ((cmd & PCIM_CMD_PORTEN) != 0);
	return ((cmd & PCIM_CMD_MEMEN) != 0);
}

static int
pci_emul_io_handler(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	struct pci_devinst *pi = arg;
	const struct pci_devemu *pe = pi->pi_d;
	struct pcibar *bar;

	for (int i = 0; i <= PCI_BARMAX; i++) {
		bar = &pi->pi_bar[i];
		if (bar->type != PCIBAR_IO || port < bar->addr ||
		    port >= bar->addr + bar->size)
			continue;
		if (in)
			*eax = pe->pe_barread != NULL ?
			    (uint32_t)pe->pe_barread(pi, i, port - bar->addr,
			    bytes) : 0xffffffff;
		else if (pe->pe_barwrite != NULL)
			pe->pe_barwrite(pi, i, port - bar->addr, bytes, *eax);
		return (0);
	}
	return (-1);
}

static int
pci_emul_mem_handler(struct vcpu *vcpu, int dir, uint64_t addr, int size,
    uint64_t *val, void *arg1, long arg2)
{
	struct pci_devinst *pi = arg1;
	const struct pci_devemu *pe = pi->pi_d;
	uint64_t off;
	int idx = (int)arg2;

	off = addr - pi->pi_bar[idx].addr;
	if (pci_msix_bar_access(pi, idx, dir == MEM_F_WRITE, off, size, val))
		return (0);
	if (dir == MEM_F_WRITE) {
		if (pe->pe_barwrite == NULL)
			return (0);
		if (size == 8) {
			/* PCI has no 8-byte data phase on a 32-bit BAR path */
			pe->pe_barwrite(pi, idx, off, 4, *val & 0xffffffff);
			pe->pe_barwrite(pi, idx, off + 4, 4, *val >> 32);
		} else {
			pe->pe_barwrite(pi, idx, off, size, *val);
		}
	} else {
		if (pe->pe_barread == NULL) {
			*val = ~0ULL;
		} else if (size == 8) {
			*val = pe->pe_barread(pi, idx, off, 4) & 0xffffffff;
			*val |= pe->pe_barread(pi, idx, off + 4, 4) << 32;
		} else {
			*val = pe->pe_barread(pi, idx, off, size);
		}
	}
	return (0);
}

/* Returns 0 or -errno; the caller decides whether failure is fatal. */
static int
bar_register_one(struct pci_devinst *pi, int idx)
{
	struct pcibar *bar = &pi->pi_bar[idx];
	int error;

	if (bar->registered)
		return (0);
	if (bar->type == PCIBAR_IO) {
		struct inout_port iop = {
			.name = pi->pi_name,
			.port = (int)bar->addr,
			.size = (int)bar->size,
			.flags = IOPORT_F_INOUT,
			.handler = pci_emul_io_handler,
			.arg = pi,
		};
		error = register_inout(&iop);
	} else {
		struct mem_range mr = {
			.name = pi->pi_name,
			.flags = MEM_F_RW,
			.handler = pci_emul_mem_handler,
			.arg1 = pi,
			.arg2 = idx,
			.base = bar->addr,
			.size = bar->size,
		};
		error = register_mem(&mr);
	}
	if (error != 0)
		return (error);
	bar->registered = true;
	if (pi->pi_d->pe_baraddr != NULL)
		pi->pi_d->pe_baraddr(pi, idx, 1, bar->addr);
	return (0);
}

/*
 * A guest may place a BAR anywhere, including over another device or at
 * the all-ones address while sizing; such a BAR simply does not decode
 * (a real bus would have a conflict; we must not crash).
 */
static void
bar_register(struct pci_devinst *pi, int idx)
{
	struct pcibar *bar = &pi->pi_bar[idx];
	int error;

	if (bar->addr == 0)
		return;		/* unplaced */
	error = bar_register_one(pi, idx);
	if (error != 0 && error != -EEXIST)
		fprintf(stderr, "lhyve: %s: BAR %d at 0x%" PRIx64 " does not "
		    "decode: %s\n", pi->pi_name, idx, bar->addr,
		    strerror(-error));
}

static void
bar_unregister(struct pci_devinst *pi, int idx)
{
	struct pcibar *bar = &pi->pi_bar[idx];

	if (!bar->registered)
		return;
	if (bar->type == PCIBAR_IO) {
		struct inout_port iop = {
			.name = pi->pi_name,
			.port = (int)bar->addr,
			.size = (int)bar->size,
			.flags = IOPORT_F_INOUT,
			.handler = pci_emul_io_handler,
			.arg = pi,
		};
		(void)unregister_inout(&iop);
	} else {
		struct mem_range mr = {
			.name = pi->pi_name,
			.base = bar->addr,
			.size = bar->size,
		};
		(void)unregister_mem(&mr);
	}
	bar->registered = false;
	if (pi->pi_d->pe_baraddr != NULL)
		pi->pi_d->pe_baraddr(pi, idx, 0, bar->addr);
}

/* Mirror bar->addr into the BAR register(s). */
static void
bar_set_regs(struct pci_devinst *pi, int idx)
{
	struct pcibar *bar = &pi->pi_bar[idx];

	switch (bar->type) {
	case PCIBAR_IO:
		pci_set_cfgdata32(pi, PCIR_BAR(idx),
		    (uint32_t)(bar->addr & 0xffff) | bar->lobits);
		break;
	case PCIBAR_MEM32:
		pci_set_cfgdata32(pi, PCIR_BAR(idx),
		    (uint32_t)bar->addr | bar->lobits);
		break;
	case PCIBAR_MEM64:
		pci_set_cfgdata32(pi, PCIR_BAR(idx),
		    (uint32_t)bar->addr | bar->lobits);
		pci_set_cfgdata32(pi, PCIR_BAR(idx + 1),
		    (uint32_t)(bar->addr >> 32));
		break;
	default:
		break;
	}
}

static void
bar_move(struct pci_devinst *pi, int idx, uint64_t addr)
{
	bool decode = bar_decoding(pi, idx);

	if (addr == pi->pi_bar[idx].addr)
		return;
	if (decode)
		bar_unregister(pi, idx);
	pi->pi_bar[idx].addr = addr;
	if (decode)
		bar_register(pi, idx);
}

/* A dword write to a BAR register: the sizing protocol of PCI 3.0 §6.2.5.1. */
static void
bar_write(struct pci_devinst *pi, int coff, uint32_t val)
{
	int idx = (coff - PCIR_BAR(0)) / 4;
	struct pcibar *bar = &pi->pi_bar[idx];
	uint64_t mask, addr;

	switch (bar->type) {
	case PCIBAR_NONE:
		break;		/* unimplemented BARs read as zero */
	case PCIBAR_IO:
		mask = ~(bar->size - 1);
		bar_move(pi, idx, val & mask & 0xffff);
		break;
	case PCIBAR_MEM32:
		mask = ~(bar->size - 1);
		bar_move(pi, idx, val & mask & 0xfffffff0);
		break;
	case PCIBAR_MEM64:
		mask = ~(bar->size - 1);
		addr = (bar->addr & ~0xffffffffULL) |
		    (val & mask & 0xfffffff0);
		bar_move(pi, idx, addr);
		break;
	case PCIBAR_MEMHI64:
		bar = &pi->pi_bar[idx - 1];
		mask = ~(bar->size - 1);
		addr = (((uint64_t)val << 32) & mask) |
		    (bar->addr & 0xffffffffULL);
		bar_move(pi, idx - 1, addr);
		idx--;
		break;
	}
	bar_set_regs(pi, idx);
}

int
pci_emul_alloc_bar(struct pci_devinst *pi, int idx, enum pcibar_type type,
    uint64_t size)
{
	struct pcibar *bar;
	struct bar_req *nr;

	if (idx < 0 || idx > PCI_BARMAX || size == 0 ||
	    (type == PCIBAR_MEM64 && idx == PCI_BARMAX) ||
	    (type != PCIBAR_IO && type != PCIBAR_MEM32 &&
	    type != PCIBAR_MEM64) || pi->pi_bar[idx].type != PCIBAR_NONE ||
	    (type == PCIBAR_MEM64 && pi->pi_bar[idx + 1].type != PCIBAR_NONE))
		return (-EINVAL);
	if (size > (1ULL << 40) || (type == PCIBAR_IO && size > 0x10000) ||
	    (type == PCIBAR_MEM32 && size > (1ULL << 30)))
		return (-EINVAL);
	/* A BAR decodes a naturally aligned power of two (PCI 3.0 §6.2.5.1). */
	if ((size & (size - 1)) != 0)
		size = 1ULL << (64 - __builtin_clzll(size));
	if (type == PCIBAR_IO && size < 4)
		size = 4;
	if (type != PCIBAR_IO && size < 16)
		size = 16;

	if (nbar_reqs == bar_reqs_cap) {
		int ncap = bar_reqs_cap ? bar_reqs_cap * 2 : 16;

		nr = realloc(bar_reqs, ncap * sizeof(*nr));
		if (nr == NULL)
			return (-ENOMEM);
		bar_reqs = nr;
		bar_reqs_cap = ncap;
	}
	bar = &pi->pi_bar[idx];
	bar->type = type;
	bar->size = size;
	bar->addr = 0;
	switch (type) {
	case PCIBAR_IO:
		bar->lobits = PCIM_BAR_IO_SPACE;
		break;
	case PCIBAR_MEM32:
		bar->lobits = PCIM_BAR_MEM_32;
		break;
	default:
		/* Large 64-bit BARs live above 4 GiB and are prefetchable. */
		bar->lobits = PCIM_BAR_MEM_64;
		if (size > PCI_EMUL_MEM64_LOW_MAX)
			bar->lobits |= PCIM_BAR_MEM_PREFETCH;
		pi->pi_bar[idx + 1].type = PCIBAR_MEMHI64;
		pi->pi_bar[idx + 1].size = 0;
		break;
	}
	bar_set_regs(pi, idx);
	bar_reqs[nbar_reqs++] = (struct bar_req){ pi, idx };
	return (0);
}

static uint64_t
roundup_pow2(uint64_t v, uint64_t align)
{
	return ((v + align - 1) & ~(align - 1));
}

/*
 * Place one BAR and turn on its decoding, as firmware would; ranges
 * already taken by legacy devices (pc-testdev's ports at 0x2000, say) are
 * skipped.
 */
static int
bar_assign(struct pci_devinst *pi, int idx)
{
	struct pcibar *bar = &pi->pi_bar[idx];
	uint64_t *base, limit, addr;
	uint16_t cmd;
	int error;

	switch (bar->type) {
	case PCIBAR_IO:
		base = &pci_iobase;
		limit = PCI_EMUL_IOLIMIT;
		cmd = PCIM_CMD_PORTEN;
		break;
	case PCIBAR_MEM32:
		base = &pci_membase32;
		limit = PCI_EMUL_MEMLIMIT32;
		cmd = PCIM_CMD_MEMEN;
		break;
	default:
		if (bar->size <= PCI_EMUL_MEM64_LOW_MAX) {
			base = &pci_membase32;
			limit = PCI_EMUL_MEMLIMIT32;
		} else {
			base = &pci_membase64;
			limit = pci_memlim64;
		}
		cmd = PCIM_CMD_MEMEN;
		break;
	}
	pci_set_cfgdata16(pi, PCIR_COMMAND,
	    pci_get_cfgdata16(pi, PCIR_COMMAND) | cmd);
	for (;;) {
		addr = roundup_pow2(*base, bar->size);
		if (addr + bar->size > limit || addr + bar->size < addr)
			return (-ENOSPC);
		*base = addr + bar->size;
		bar->addr = addr;
		error = bar_register_one(pi, idx);
		if (error == 0)
			break;
		if (error != -EEXIST)
			return (error);
	}
	bar_set_regs(pi, idx);
	return (0);
}

static int
bar_req_cmp(const void *a, const void *b)
{
	const struct bar_req *x = a, *y = b;
	uint64_t sx = x->pi->pi_bar[x->idx].size;
	uint64_t sy = y->pi->pi_bar[y->idx].size;
	int kx, ky;

	/* Largest first wastes least alignment; then a stable order. */
	if (sx != sy)
		return (sx > sy ? -1 : 1);
	kx = (x->pi->pi_bus << 16) | (x->pi->pi_slot << 8) |
	    (x->pi->pi_func << 4) | x->idx;
	ky = (y->pi->pi_bus << 16) | (y->pi->pi_slot << 8) |
	    (y->pi->pi_func << 4) | y->idx;
	return (kx - ky);
}

/* ---- capabilities ---- */

int
pci_emul_add_capability(struct pci_devinst *pi, const uint8_t *capdata,
    int caplen)
{
	uint16_t sts;
	int capoff, reallen;

	if (caplen < 2)
		return (-1);
	/* Capabilities are dword aligned (PCI 3.0 §6.7). */
	reallen = (caplen + 3) & ~3;
	sts = pci_get_cfgdata16(pi, PCIR_STATUS);
	if ((sts & PCIM_STATUS_CAPPRESENT) == 0)
		capoff = CAP_START_OFFSET;
	else
		capoff = pi->pi_capend + 1;
	if (capoff + reallen > PCI_REGMAX + 1)
		return (-1);

	if ((sts & PCIM_STATUS_CAPPRESENT) == 0) {
		pci_set_cfgdata8(pi, PCIR_CAP_PTR, capoff);
		pci_set_cfgdata16(pi, PCIR_STATUS,
		    sts | PCIM_STATUS_CAPPRESENT);
	} else {
		pci_set_cfgdata8(pi, pi->pi_prevcap + PCICAP_NEXTPTR, capoff);
	}
	for (int i = 0; i < caplen; i++)
		pci_set_cfgdata8(pi, capoff + i, capdata[i]);
	pci_set_cfgdata8(pi, capoff + PCICAP_NEXTPTR, 0);
	pi->pi_prevcap = capoff;
	pi->pi_capend = capoff + reallen - 1;
	return (0);
}

int
pci_emul_find_capability(struct pci_devinst *pi, uint8_t capid)
{
	int off, n = 0;

	if ((pci_get_cfgdata16(pi, PCIR_STATUS) & PCIM_STATUS_CAPPRESENT)
	    == 0)
		return (-1);
	/* The list lives in our own config data; n bounds a loop anyway. */
	for (off = pci_get_cfgdata8(pi, PCIR_CAP_PTR); off != 0 && n < 64;
	    off = pci_get_cfgdata8(pi, off + PCICAP_NEXTPTR), n++) {
		if (pci_get_cfgdata8(pi, off + PCICAP_ID) == capid)
			return (off);
	}
	return (-1);
}

/* Is 'off' the ID or next pointer of a capability (read-only)? */
static bool
cap_header_byte(struct pci_devinst *pi, int off)
{
	int cap, n = 0;

	if ((pci_get_cfgdata16(pi, PCIR_STATUS) & PCIM_STATUS_CAPPRESENT)
	    == 0 || off < CAP_START_OFFSET || off > pi->pi_capend)
		return (false);
	for (cap = pci_get_cfgdata8(pi, PCIR_CAP_PTR); cap != 0 && n < 64;
	    cap = pci_get_cfgdata8(pi, cap + PCICAP_NEXTPTR), n++) {
		if (off == cap + PCICAP_ID || off == cap + PCICAP_NEXTPTR)
			return (true);
	}
	return (false);
}

/* ---- INTx ---- */

void
pci_lintr_request(struct pci_devinst *pi)
{
	struct businfo *bi = pci_businfo[pi->pi_bus];
	struct slotinfo *si;
	int best = 0;

	if (bi == NULL || pi->pi_lintr.pin != 0)
		return;
	si = &bi->slots[pi->pi_slot];
	/* Spread the functions of a slot over INTA..INTD. */
	for (int p = 1; p < 4; p++)
		if (si->si_intpins[p] < si->si_intpins[best])
			best = p;
	si->si_intpins[best]++;
	pi->pi_lintr.pin = best + 1;
	pci_set_cfgdata8(pi, PCIR_INTPIN, best + 1);
}

/*
 * Every function of a slot that uses the same pin shares one route, as
 * the wires on a board do; pci_irq.c picks the IOAPIC pin and PIRQ.
 */
static void
lintr_route(struct pci_devinst *pi)
{
	struct pci_irq *irq;

	if (pi->pi_lintr.pin == 0)
		return;
	irq = &pci_businfo[pi->pi_bus]->slots[pi->pi_slot].
	    si_intirq[pi->pi_lintr.pin - 1];
	pci_irq_route(pi, irq);
	pi->pi_lintr.irq = *irq;
	pci_set_cfgdata8(pi, PCIR_INTLINE, pci_irq_intline(irq));
}

/*
 * INTx reaches the interrupt controllers unless the command register's
 * INTx Disable is set (§6.2.2) or MSI / MSI-X is on (§6.8.1.3, §6.8.2.3).
 */
static bool
lintr_permitted(struct pci_devinst *pi)
{
	return ((pci_get_cfgdata16(pi, PCIR_COMMAND) & PCIM_CMD_INTxDIS) ==
	    0 && !pi->pi_msi.enabled && !pi->pi_msix.enabled);
}

static void
lintr_set_status(struct pci_devinst *pi, bool on)
{
	uint16_t sts = pci_get_cfgdata16(pi, PCIR_STATUS);

	pci_set_cfgdata16(pi, PCIR_STATUS, on ?
	    sts | PCIM_STATUS_INTxSTATE : sts & ~PCIM_STATUS_INTxSTATE);
}

void
pci_lintr_assert(struct pci_devinst *pi)
{
	if (pi->pi_lintr.pin == 0)
		return;
	pthread_mutex_lock(&pi->pi_lintr.lock);
	if (pi->pi_lintr.state == IDLE) {
		lintr_set_status(pi, true);
		if (lintr_permitted(pi)) {
			pi->pi_lintr.state = ASSERTED;
			pci_irq_assert(pi);
		} else {
			pi->pi_lintr.state = PENDING;
		}
	}
	pthread_mutex_unlock(&pi->pi_lintr.lock);
}

void
pci_lintr_deassert(struct pci_devinst *pi)
{
	if (pi->pi_lintr.pin == 0)
		return;
	pthread_mutex_lock(&pi->pi_lintr.lock);
	if (pi->pi_lintr.state == ASSERTED)
		pci_irq_deassert(pi);
	pi->pi_lintr.state = IDLE;
	lintr_set_status(pi, false);
	pthread_mutex_unlock(&pi->pi_lintr.lock);
}

/* The gates changed: the line keeps its level but may stop reaching. */
void
pci_lintr_update(struct pci_devinst *pi)
{
	if (pi->pi_lintr.pin == 0)
		return;
	pthread_mutex_lock(&pi->pi_lintr.lock);
	if (pi->pi_lintr.state == ASSERTED && !lintr_permitted(pi)) {
		pci_irq_deassert(pi);
		pi->pi_lintr.state = PENDING;
	} else if (pi->pi_lintr.state == PENDING && lintr_permitted(pi)) {
		pi->pi_lintr.state = ASSERTED;
		pci_irq_assert(pi);
	}
	pthread_mutex_unlock(&pi->pi_lintr.lock);
}

int
pci_get_intx_routes(struct pci_intx_route *out, int max)
{
	struct businfo *bi = pci_businfo[0];
	struct pci_irq *irq;
	int n = 0;

	if (bi == NULL)
		return (0);
	for (int s = 0; s <= PCI_SLOTMAX; s++) {
		for (int p = 0; p < 4; p++) {
			irq = &bi->slots[s].si_intirq[p];
			if (bi->slots[s].si_intpins[p] == 0 ||
			    irq->ioapic_irq == 0)
				continue;
			if (n < max) {
				out[n].slot = s;
				out[n].pin = p + 1;
				out[n].ioapic_irq = irq->ioapic_irq;
				out[n].isa_irq = pirq_irq(irq->pirq_pin);
			}
			n++;
		}
	}
	return (n);
}

/* ---- configuration space ---- */

static void
cmd_changed(struct pci_devinst *pi, uint16_t old)
{
	uint16_t new = pci_get_cfgdata16(pi, PCIR_COMMAND);

	for (int i = 0; i <= PCI_BARMAX; i++) {
		uint16_t bit;

		switch (pi->pi_bar[i].type) {
		case PCIBAR_IO:
			bit = PCIM_CMD_PORTEN;
			break;
		case PCIBAR_MEM32:
		case PCIBAR_MEM64:
			bit = PCIM_CMD_MEMEN;
			break;
		default:
			continue;
		}
		if ((old ^ new) & bit) {
			if (new & bit)
				bar_register(pi, i);
			else
				bar_unregister(pi, i);
		}
	}
	if ((old ^ new) & PCIM_CMD_INTxDIS)
		pci_lintr_update(pi);
}

/*
 * One byte of a configuration write outside the BARs, following the type 0
 * header rules of PCI 3.0 §6.2: IDs and class read-only, command bits
 * 0-6 and 8-10 writable, status error bits write-1-to-clear; in the MSI
 * and MSI-X capabilities only the bits §6.8 makes writable.  Returns true
 * if the byte was in one of those two capabilities.
 */
static bool
cfg_write_byte(struct pci_devinst *pi, int off, uint8_t b)
{
	uint8_t old = pci_get_cfgdata8(pi, off), wmask;

	switch (off) {
	case PCIR_COMMAND:
		pci_set_cfgdata8(pi, off, b & 0x7f);
		break;
	case PCIR_COMMAND + 1:
		pci_set_cfgdata8(pi, off, (old & ~0x07) | (b & 0x07));
		break;
	case PCIR_STATUS + 1:
		pci_set_cfgdata8(pi, off, old & ~(b & 0xf9));
		break;
	case PCIR_CACHELNSZ:
	case PCIR_LATTIMER:
	case PCIR_INTLINE:
		pci_set_cfgdata8(pi, off, b);
		break;
	default:
		if (off < CAP_START_OFFSET || off > PCI_REGMAX ||
		    cap_header_byte(pi, off))
			break;	/* read-only */
		if (pci_msi_cfg_wmask(pi, off, &wmask)) {
			pci_set_cfgdata8(pi, off, (old & ~wmask) | (b & wmask));
			return (true);
		}
		pci_set_cfgdata8(pi, off, b);
		break;
	}
	return (false);
}

static uint32_t
cfg_read_raw(struct pci_devinst *pi, int coff, int bytes)
{
	uint32_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = (v << 8) | pci_get_cfgdata8(pi, coff + i);
	return (v);
}

void
pci_cfgrw(int in, int bus, int slot, int func, int coff, int bytes,
    uint32_t *val)
{
	const struct pci_devemu *pe;
	struct pci_devinst *pi;
	uint16_t oldcmd;
	bool msi = false;

	pi = pci_get_devinst(bus, slot, func);
	/* Absent function or a malformed access: master abort, all-ones. */
	if (pi == NULL || (bytes != 1 && bytes != 2 && bytes != 4) ||
	    coff < 0 || coff + bytes > PCIE_REGMAX + 1 ||
	    (coff & (bytes - 1)) != 0) {
		if (in)
			*val = 0xffffffff;
		return;
	}
	pe = pi->pi_d;
	if (in) {
		if (pe->pe_cfgread == NULL ||
		    pe->pe_cfgread(pi, coff, bytes, val) != 0)
			*val = cfg_read_raw(pi, coff, bytes);
		if (bytes < 4)
			*val &= (1u << (bytes * 8)) - 1;
		return;
	}
	if (pe->pe_cfgwrite != NULL &&
	    pe->pe_cfgwrite(pi, coff, bytes, *val) == 0)
		return;
	if (coff >= PCIR_BAR(0) && coff < PCIR_BAR(PCI_BARMAX + 1)) {
		/* Only dword writes move a BAR, as in bhyve. */
		if (bytes == 4)
			bar_write(pi, coff, *val);
		return;
	}
	/*
	 * Extended space (0x100-0xFFF, PCIe 3.0 §7.2.2): no emulated
	 * function has writable registers there unless its pe_cfgwrite
	 * says so; a zero header at 0x100 tells the guest the list is empty.
	 */
	if (coff > PCI_REGMAX)
		return;
	oldcmd = pci_get_cfgdata16(pi, PCIR_COMMAND);
	for (int i = 0; i < bytes; i++)
		msi |= cfg_write_byte(pi, coff + i, *val >> (i * 8));
	if (pci_get_cfgdata16(pi, PCIR_COMMAND) != oldcmd)
		cmd_changed(pi, oldcmd);
	if (msi)
		pci_msi_cfg_changed(pi);
}

/*
 * CONFIG_ADDRESS.  Only a dword access is the register (PCI 3.0
 * §3.2.2.3.2); byte and word accesses to 0xCF8-0xCFB are ordinary I/O
 * (0xCF9 is the reset register in pm.c) and are ignored here rather than
 * being "unclaimed", since Linux's conf1 probe writes 0xCFB.
 */
static int
pci_emul_cfgaddr(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	if (bytes != 4 || port != CONF1_ADDR_PORT) {
		if (in)
			*eax = 0xffffffff;
		return (0);
	}
	pthread_mutex_lock(&pci_cfg_mtx);
	if (in)
		*eax = pci_cfgaddr;
	else
		pci_cfgaddr = *eax & (CONF1_ENABLE | 0x00fffffc);
	pthread_mutex_unlock(&pci_cfg_mtx);
	return (0);
}

/* CONFIG_DATA: any size at 0xCFC-0xCFF; unaligned ones go a byte at a time. */
static int
pci_emul_cfgdata(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	uint32_t addr, v, out = 0;
	int bus, slot, func, coff, first;

	first = port - CONF1_DATA_PORT;
	pthread_mutex_lock(&pci_cfg_mtx);
	addr = pci_cfgaddr;
	if ((addr & CONF1_ENABLE) == 0) {
		pthread_mutex_unlock(&pci_cfg_mtx);
		if (in)
			*eax = 0xffffffff;
		return (0);
	}
	bus = (addr >> 16) & PCI_BUSMAX;
	slot = (addr >> 11) & PCI_SLOTMAX;
	func = (addr >> 8) & PCI_FUNCMAX;
	coff = (addr & 0xfc) + first;
	if ((first & (bytes - 1)) == 0 && first + bytes <= 4) {
		pci_cfgrw(in, bus, slot, func, coff, bytes, eax);
	} else {
		for (int i = 0; i < bytes; i++) {
			if (first + i >= 4) {
				out |= 0xffu << (i * 8);
				continue;
			}
			v = (*eax >> (i * 8)) & 0xff;
			pci_cfgrw(in, bus, slot, func, coff + i, 1, &v);
			out |= (v & 0xff) << (i * 8);
		}
		if (in)
			*eax = out;
	}
	pthread_mutex_unlock(&pci_cfg_mtx);
	return (0);
}

static struct inout_port pci_cfgaddr_port = {
	"pci_cfgaddr", CONF1_ADDR_PORT, 1, IOPORT_F_INOUT, pci_emul_cfgaddr, 0
};
DATA_SET(inout_port_set, pci_cfgaddr_port);
static struct inout_port pci_cfgaddr_hi_port = {
	"pci_cfgaddr", CONF1_ADDR_PORT + 2, 2, IOPORT_F_INOUT,
	pci_emul_cfgaddr, 0
};
DATA_SET(inout_port_set, pci_cfgaddr_hi_port);
static struct inout_port pci_cfgdata_port = {
	"pci_cfgdata", CONF1_DATA_PORT, 4, IOPORT_F_INOUT, pci_emul_cfgdata, 0
};
DATA_SET(inout_port_set, pci_cfgdata_port);

/*
 * ECAM (PCIe 3.0 §7.2.2): function b:s.f's 4 KiB of configuration space
 * at base + (b << 20 | s << 15 | f << 12).  The same pci_cfgrw as the
 * mechanism #1 ports, under the same lock, so both views always agree.
 * An 8-byte access (PCIe allows only up to a dword) is two dwords.
 */
static int
pci_ecam_handler(struct vcpu *vcpu, int dir, uint64_t addr, int size,
    uint64_t *val, void *arg1, long arg2)
{
	uint64_t off = addr - PCI_EMUL_ECFG_BASE;
	int bus, slot, func, coff, in = dir == MEM_F_READ;
	uint32_t lo, hi;

	bus = (int)(off >> 20) & PCI_BUSMAX;
	slot = (int)(off >> 15) & PCI_SLOTMAX;
	func = (int)(off >> 12) & PCI_FUNCMAX;
	coff = (int)(off & PCIE_REGMAX);
	pthread_mutex_lock(&pci_cfg_mtx);
	if (size == 8) {
		lo = (uint32_t)*val;
		hi = (uint32_t)(*val >> 32);
		if ((coff & 7) != 0) {
			lo = hi = 0xffffffff;	/* misaligned: dropped */
		} else {
			pci_cfgrw(in, bus, slot, func, coff, 4, &lo);
			pci_cfgrw(in, bus, slot, func, coff + 4, 4, &hi);
		}
		if (in)
			*val = (uint64_t)hi << 32 | lo;
	} else {
		lo = (uint32_t)*val;
		pci_cfgrw(in, bus, slot, func, coff, size, &lo);
		if (in)
			*val = lo;
	}
	pthread_mutex_unlock(&pci_cfg_mtx);
	return (0);
}

static const struct mem_range pci_ecam_range = {
	.name = "pci-ecam",
	.flags = MEM_F_RW,
	.handler = pci_ecam_handler,
	.base = PCI_EMUL_ECFG_BASE,
	.size = PCI_EMUL_ECFG_SIZE,
};

/* ---- instantiation ---- */

struct pci_devinst *
pci_get_devinst(int bus, int slot, int func)
{
	struct businfo *bi;

	if (bus < 0 || bus > PCI_BUSMAX || slot < 0 || slot > PCI_SLOTMAX ||
	    func < 0 || func > PCI_FUNCMAX)
		return (NULL);
	bi = pci_businfo[bus];
	return (bi != NULL ? bi->slots[slot].si_funcs[func] : NULL);
}

/* Check that everything under "pci" is pci.B.S.F with a device. */
static int
check_pci_tree(struct config_node *root)
{
	struct config_node *b, *s, *f;
	int v;

	for (b = config_node_first(root); b; b = config_node_next(b)) {
		if (!config_item_is_node(b) ||
		    parse_dec(config_item_name(b), PCI_BUSMAX, &v) != 0) {
			fprintf(stderr, "lhyve: pci.%s: not a PCI bus number "
			    "(0-%d)\n", config_item_name(b), PCI_BUSMAX);
			return (-1);
		}
		for (s = config_node_first(b); s; s = config_node_next(s)) {
			if (!config_item_is_node(s) ||
			    parse_dec(config_item_name(s), PCI_SLOTMAX,
			    &v) != 0) {
				fprintf(stderr, "lhyve: pci.%s.%s: not a PCI "
				    "slot number (0-%d)\n",
				    config_item_name(b), config_item_name(s),
				    PCI_SLOTMAX);
				return (-1);
			}
			for (f = config_node_first(s); f;
			    f = config_node_next(f)) {
				if (!config_item_is_node(f) ||
				    parse_dec(config_item_name(f),
				    PCI_FUNCMAX, &v) != 0) {
					fprintf(stderr, "lhyve: pci.%s.%s.%s: "
					    "not a PCI function number "
					    "(0-%d)\n", config_item_name(b),
					    config_item_name(s),
					    config_item_name(f), PCI_FUNCMAX);
					return (-1);
				}
			}
		}
	}
	return (0);
}

/* Find pci.B.S.F whatever the spelling of the numbers ("03" or "3"). */
static struct config_node *
find_numbered_child(struct config_node *parent, int want)
{
	struct config_node *c;
	int v;

	for (c = config_node_first(parent); c; c = config_node_next(c))
		if (parse_dec(config_item_name(c), 0xffff, &v) == 0 &&
		    v == want)
			return (c);
	return (NULL);
}

static int
pci_emul_init(struct vmctx *ctx, const struct pci_devemu *pde, int bus,
    int slot, int func, struct config_node *nvl)
{
	struct pci_devinst *pi;
	int error;

	pi = calloc(1, sizeof(*pi));
	if (pi == NULL)
		return (-ENOMEM);
	pi->pi_d = pde;
	pi->pi_vmctx = ctx;
	pi->pi_bus = bus;
	pi->pi_slot = slot;
	pi->pi_func = func;
	pthread_mutex_init(&pi->pi_lintr.lock, NULL);
	pthread_mutex_init(&pi->pi_msilock, NULL);
	pi->pi_lintr.state = IDLE;
	snprintf(pi->pi_name, PI_NAMESZ, "%s@pci%d:%d:%d", pde->pe_emu, bus,
	    slot, func);
	/* No interrupt line until routed (PCI 3.0 §6.2.4: 255 = unknown). */
	pci_set_cfgdata8(pi, PCIR_INTLINE, 255);
	pci_set_cfgdata8(pi, PCIR_INTPIN, 0);

	/* Visible to pci_lintr_request() during pe_init. */
	pci_businfo[bus]->slots[slot].si_funcs[func] = pi;
	error = pde->pe_init(pi, nvl);
	if (error != 0) {
		pci_businfo[bus]->slots[slot].si_funcs[func] = NULL;
		/* XXX: BAR requests made before the failure are dropped. */
		for (int i = nbar_reqs - 1; i >= 0; i--)
			if (bar_reqs[i].pi == pi)
				bar_reqs[i] = bar_reqs[--nbar_reqs];
		pci_msi_free(pi);
		pthread_mutex_destroy(&pi->pi_lintr.lock);
		pthread_mutex_destroy(&pi->pi_msilock);
		free(pi);
		return (error < 0 ? error : -EINVAL);
	}
	return (0);
}

static void
pci_reset_state(struct vmctx *ctx)
{
	uint64_t top;

	/*
	 * XXX: a second init_pci (only tests do that) forgets the previous
	 * instances without freeing them; devices have no deinit yet.
	 */
	for (int b = 0; b <= PCI_BUSMAX; b++) {
		free(pci_businfo[b]);
		pci_businfo[b] = NULL;
	}
	nbar_reqs = 0;
	pci_cfgaddr = 0;
	pci_irq_init();
	pci_iobase = PCI_EMUL_IOBASE;
	pci_membase32 = PCI_EMUL_MEMBASE32;
	/* bhyve puts the 64-bit window on the next 32 GiB past highmem. */
	top = VM_HIGHMEM_BASE + (ctx != NULL ? vm_get_highmem_size(ctx) : 0);
	pci_membase64 = roundup_pow2(top, PCI_EMUL_MEMSIZE64);
	pci_memlim64 = pci_membase64 + PCI_EMUL_MEMSIZE64;
}

void
pci_get_windows(struct pci_windows *w)
{
	w->io_base = PCI_EMUL_IOBASE;
	w->io_limit = PCI_EMUL_IOLIMIT;
	w->mem32_base = PCI_EMUL_MEMBASE32;
	w->mem32_limit = PCI_EMUL_MEMLIMIT32;
	/* The allocator moved pci_membase64 on; the window did not. */
	w->mem64_base = pci_memlim64 - PCI_EMUL_MEMSIZE64;
	w->mem64_limit = pci_memlim64;
}

int
init_pci(struct vmctx *ctx)
{
	struct config_node *root, *bn, *sn, *fn;
	const struct pci_devemu *pde;
	struct pci_devinst *pi;
	const char *emul;
	int error;

	pci_reset_state(ctx);
	/*
	 * ECAM exists whether or not there are functions (reads of empty
	 * slots are all-ones).  A second init_pci (tests) finds it there.
	 */
	(void)unregister_mem(&pci_ecam_range);
	error = register_mem(&pci_ecam_range);
	if (error != 0) {
		fprintf(stderr, "lhyve: PCI ECAM at 0x%llx: %s\n",
		    (unsigned long long)PCI_EMUL_ECFG_BASE, strerror(-error));
		return (-1);
	}
	root = find_config_node("pci");
	if (root == NULL) {
		lpc_warn_unattached();
		return (0);
	}
	if (check_pci_tree(root) != 0)
		return (-1);

	for (int b = 0; b <= PCI_BUSMAX; b++) {
		if ((bn = find_numbered_child(root, b)) == NULL)
			continue;
		pci_businfo[b] = calloc(1, sizeof(struct businfo));
		if (pci_businfo[b] == NULL)
			return (-1);
		for (int s = 0; s <= PCI_SLOTMAX; s++) {
			if ((sn = find_numbered_child(bn, s)) == NULL)
				continue;
			for (int f = 0; f <= PCI_FUNCMAX; f++) {
				if ((fn = find_numbered_child(sn, f)) == NULL)
					continue;
				emul = get_config_value_node(fn, "device");
				if (emul == NULL) {
					fprintf(stderr, "lhyve: pci.%d.%d.%d: "
					    "no device given\n", b, s, f);
					return (-1);
				}
				pde = pci_emul_finddev(emul);
				if (pde == NULL) {
					fprintf(stderr, "lhyve: pci.%d.%d.%d: "
					    "unknown device '%s'\n", b, s, f,
					    emul);
					return (-1);
				}
				error = pci_emul_init(ctx, pde, b, s, f, fn);
				if (error != 0) {
					fprintf(stderr, "lhyve: pci %d:%d:%d: "
					    "%s failed to initialize\n", b, s,
					    f, emul);
					return (-1);
				}
			}
		}
	}

	if (nbar_reqs > 0)
		qsort(bar_reqs, nbar_reqs, sizeof(*bar_reqs), bar_req_cmp);
	for (int i = 0; i < nbar_reqs; i++) {
		pi = bar_reqs[i].pi;
		error = bar_assign(pi, bar_reqs[i].idx);
		if (error != 0) {
			fprintf(stderr, "lhyve: %s: no room for BAR %d of "
			    "0x%" PRIx64 " bytes: %s\n", pi->pi_name,
			    bar_reqs[i].idx, pi->pi_bar[bar_reqs[i].idx].size,
			    strerror(-error));
			return (-1);
		}
	}
	nbar_reqs = 0;

	for (int b = 0; b <= PCI_BUSMAX; b++) {
		if (pci_businfo[b] == NULL)
			continue;
		for (int s = 0; s <= PCI_SLOTMAX; s++) {
			struct slotinfo *si = &pci_businfo[b]->slots[s];
			bool multi = false;

			for (int f = 0; f <= PCI_FUNCMAX; f++) {
				if ((pi = si->si_funcs[f]) == NULL)
					continue;
				lintr_route(pi);
				if (f != 0)
					multi = true;
			}
			/* Function 0 announces the others (§6.2.1). */
			if (multi && si->si_funcs[0] != NULL) {
				pi = si->si_funcs[0];
				pci_set_cfgdata8(pi, PCIR_HDRTYPE,
				    pci_get_cfgdata8(pi, PCIR_HDRTYPE) |
				    PCIM_MFDEV);
			}
		}
	}
	lpc_warn_unattached();
	return (0);
}
