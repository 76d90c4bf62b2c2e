/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_lpc.c: the "lpc" PCI-ISA bridge function (bhyve's pci_lpc.c): the
 * -l parser, and at init the legacy devices behind the bridge: the four
 * COM ports (16550 cores on their ISA ports and IRQs) and pc-testdev.
 * Its configuration space holds the PIRQ routing registers (pci_irq.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "devices/inout.h"
#include "devices/pci_emul.h"
#include "devices/pci_irq.h"
#include "devices/pci_lpc.h"
#include "devices/pctestdev.h"
#include "devices/uart_emul.h"

#define LPC_UART_NUM	4

static const char *const lpc_uart_names[LPC_UART_NUM] = {
	"com1", "com2", "com3", "com4"
};

struct lpc_uart_softc {
	struct uart_softc *uart_softc;
	struct vmctx *ctx;
	int iobase;
	int irq;
	bool enabled;
};

static struct lpc_uart_softc lpc_uart_softc[LPC_UART_NUM];
static struct pci_devinst *lpc_bridge;

/* ---- -l ---- */

void
lpc_print_supported_devices(void)
{
	printf("bootrom\n");
	for (int i = 0; i < LPC_UART_NUM; i++)
		printf("%s\n", lpc_uart_names[i]);
	printf("tpm\n");
	printf("%s\n", pctestdev_getname());
}

int
lpc_device_parse(const char *opt)
{
	struct config_node *nvl;
	char *copy, *str, *dev, *rom, *vars, *type, *path;
	char name[sizeof("lpc.com1.path")];
	int error = -1;

	copy = str = strdup(opt);
	if (copy == NULL)
		return (-1);
	dev = strsep(&str, ",");

	if (strcasecmp(dev, "bootrom") == 0) {
		/* bootrom,<rom>[,<vars>][,name=value...] */
		rom = strsep(&str, ",");
		if (rom == NULL || *rom == '\0') {
			fprintf(stderr, "lhyve: -l %s: no ROM file given\n",
			    opt);
			goto done;
		}
		set_config_value("lpc.bootrom", rom);
		vars = strsep(&str, ",");
		if (vars != NULL && *vars != '\0' && strchr(vars, '=') == NULL)
			set_config_value("lpc.bootvars", vars);
		else if (vars != NULL && *vars != '\0' &&
		    pci_parse_legacy_config(create_config_node("lpc"),
		    vars) != 0)
			goto done;
		error = pci_parse_legacy_config(create_config_node("lpc"),
		    str);
		goto done;
	}
	if (strcasecmp(dev, "tpm") == 0) {
		/* tpm,<type>,<path>[,name=value...] */
		type = strsep(&str, ",");
		path = strsep(&str, ",");
		if (type == NULL || *type == '\0' || path == NULL ||
		    *path == '\0') {
			fprintf(stderr, "lhyve: -l %s: expected "
			    "tpm,type,path\n", opt);
			goto done;
		}
		nvl = create_config_node("tpm");
		set_config_value_node(nvl, "type", type);
		set_config_value_node(nvl, "path", path);
		error = pci_parse_legacy_config(nvl, str);
		set_config_value_node_if_unset(nvl, "version", "2.0");
		goto done;
	}
	for (int unit = 0; unit < LPC_UART_NUM; unit++) {
		if (strcasecmp(dev, lpc_uart_names[unit]) != 0)
			continue;
		/* Everything after the first comma is the backend. */
		if (str == NULL || *str == '\0') {
			fprintf(stderr, "lhyve: -l %s: no backend given "
			    "(stdio, a tty path or tcp=ip:port)\n", opt);
			goto done;
		}
		snprintf(name, sizeof(name), "lpc.%s.path",
		    lpc_uart_names[unit]);
		set_config_value(name, str);
		error = 0;
		goto done;
	}
	if (strcasecmp(dev, pctestdev_getname()) == 0) {
		if (str != NULL) {
			fprintf(stderr, "lhyve: -l %s: %s takes no options\n",
			    opt, pctestdev_getname());
			goto done;
		}
		set_config_bool("lpc." PCTESTDEV_NAME, true);
		error = 0;
		goto done;
	}
	fprintf(stderr, "lhyve: -l %s: unknown LPC device '%s' ('-l help' "
	    "lists them)\n", opt, dev);
done:
	free(copy);
	return (error);
}

/* ---- COM ports ---- */

/* ISA serial interrupts are edge-triggered: pulse on each assertion. */
static void
lpc_uart_intr_assert(void *arg)
{
	struct lpc_uart_softc *sc = arg;

	vm_isa_pulse_irq(sc->ctx, sc->irq, sc->irq);
}

static void
lpc_uart_intr_deassert(void *arg)
{
	/* Nothing: an edge has no level to drop. */
}

static int
lpc_uart_io_handler(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg)
{
	struct lpc_uart_softc *sc = arg;
	int offset = port - sc->iobase;

	/* The 16550 has byte registers; a word touches two of them. */
	switch (bytes) {
	case 1:
		if (in)
			*eax = uart_read(sc->uart_softc, offset);
		else
			uart_write(sc->uart_softc, offset, *eax);
		return (0);
	case 2:
		if (offset + 1 >= UART_IO_BAR_SIZE)
			return (-1);
		if (in) {
			*eax = uart_read(sc->uart_softc, offset);
			*eax |= uart_read(sc->uart_softc, offset + 1) << 8;
		} else {
			uart_write(sc->uart_softc, offset, *eax);
			uart_write(sc->uart_softc, offset + 1, *eax >> 8);
		}
		return (0);
	default:
		return (-1);
	}
}

static void
lpc_uarts_free(void)
{
	struct inout_port iop;

	for (int unit = 0; unit < LPC_UART_NUM; unit++) {
		struct lpc_uart_softc *sc = &lpc_uart_softc[unit];

		if (sc->enabled) {
			memset(&iop, 0, sizeof(iop));
			iop.name = lpc_uart_names[unit];
			iop.port = sc->iobase;
			iop.size = UART_IO_BAR_SIZE;
			iop.flags = IOPORT_F_INOUT;
			iop.handler = lpc_uart_io_handler;
			(void)unregister_inout(&iop);
		}
		uart_deinit(sc->uart_softc);
		memset(sc, 0, sizeof(*sc));
	}
}

/*
 * Every COM port exists, as on bhyve; only those with lpc.comN.path have
 * a backend (the others drop output and never receive).
 */
static int
lpc_uarts_init(struct vmctx *ctx)
{
	struct inout_port iop;
	char param[sizeof("lpc.com1.path")];
	const char *backend;
	int error;

	for (int unit = 0; unit < LPC_UART_NUM; unit++) {
		struct lpc_uart_softc *sc = &lpc_uart_softc[unit];
		const char *name = lpc_uart_names[unit];

		sc->ctx = ctx;
		if (uart_legacy_alloc(unit, &sc->iobase, &sc->irq) != 0)
			return (-1);
		/* An edge-triggered ISA IRQ: no PCI line may share it. */
		pci_irq_reserve(sc->irq);
		sc->uart_softc = uart_init(lpc_uart_intr_assert,
		    lpc_uart_intr_deassert, sc);
		if (sc->uart_softc == NULL)
			return (-1);
		snprintf(param, sizeof(param), "lpc.%s.path", name);
		backend = get_config_value(param);
		if (uart_set_backend(sc->uart_softc, backend) != 0) {
			fprintf(stderr, "lhyve: %s: cannot use backend '%s'\n",
			    name, backend);
			return (-1);
		}
		memset(&iop, 0, sizeof(iop));
		iop.name = name;
		iop.port = sc->iobase;
		iop.size = UART_IO_BAR_SIZE;
		iop.flags = IOPORT_F_INOUT;
		iop.handler = lpc_uart_io_handler;
		iop.arg = sc;
		error = register_inout(&iop);
		if (error != 0) {
			fprintf(stderr, "lhyve: %s: ports 0x%x-0x%x: %s\n",
			    name, sc->iobase, sc->iobase + UART_IO_BAR_SIZE -
			    1, strerror(-error));
			return (-1);
		}
		sc->enabled = true;
	}
	return (0);
}

/* ---- the bridge function ---- */

static void lpc_forget_stale(void);

/*
 * The PIRQ routing registers (ICH10 datasheet §13.1.13-14: PIRQA-D_ROUT
 * at 0x60-0x63, PIRQE-H_ROUT at 0x68-0x6B): PIRQ number for a config
 * offset, or 0.
 */
static int
lpc_pirq_pin(int off)
{
	if (off >= 0x60 && off <= 0x63)
		return (off - 0x60 + 1);
	if (off >= 0x68 && off <= 0x6b)
		return (off - 0x68 + 5);
	return (0);
}

static int
pci_lpc_cfgwrite(struct pci_devinst *pi, int coff, int bytes, uint32_t val)
{
	/* Aligned accesses lie wholly inside a PIRQ dword or outside. */
	if (lpc_pirq_pin(coff) == 0)
		return (-1);
	for (int i = 0; i < bytes; i++)
		pirq_write(pi->pi_vmctx, lpc_pirq_pin(coff + i),
		    (uint8_t)(val >> (i * 8)));
	return (0);
}

static int
pci_lpc_cfgread(struct pci_devinst *pi, int coff, int bytes,
    uint32_t *retval)
{
	uint32_t v = 0;

	if (lpc_pirq_pin(coff) == 0)
		return (-1);
	for (int i = bytes - 1; i >= 0; i--)
		v = (v << 8) | pirq_read(lpc_pirq_pin(coff + i));
	*retval = v;
	return (0);
}

int
lpc_bridge_location(int *slot, int *func)
{
	lpc_forget_stale();
	if (lpc_bridge == NULL)
		return (-1);
	*slot = lpc_bridge->pi_slot;
	*func = lpc_bridge->pi_func;
	return (0);
}

bool
lpc_uart_present(int unit)
{
	lpc_forget_stale();
	return (lpc_bridge != NULL && unit >= 0 && unit < LPC_UART_NUM &&
	    lpc_uart_softc[unit].enabled);
}

static int
lpc_id(struct pci_devinst *pi, struct config_node *nvl, const char *name,
    int def, int max)
{
	const char *v;
	char *end;
	unsigned long id;

	v = get_config_value_node(nvl, name);
	if (v == NULL)
		return (def);
	id = strtoul(v, &end, 0);
	if (end == v || *end != '\0' || id > (unsigned long)max) {
		/* XXX: bhyve's "host" (copy the host's IDs) is not here. */
		fprintf(stderr, "lhyve: lpc: %s=%s is not a valid ID\n", name,
		    v);
		return (-1);
	}
	return ((int)id);
}

/*
 * A second init_pci() (only tests do that) leaves the old bridge behind:
 * take its devices down so that the new one can have the ports.
 */
static void
lpc_forget_stale(void)
{
	if (lpc_bridge == NULL || pci_get_devinst(lpc_bridge->pi_bus,
	    lpc_bridge->pi_slot, lpc_bridge->pi_func) == lpc_bridge)
		return;
	lpc_uarts_free();
	pctestdev_deinit();
	lpc_bridge = NULL;
}

static int
pci_lpc_init(struct pci_devinst *pi, struct config_node *nvl)
{
	int vendor, device, revid, subvendor, subdevice;

	lpc_forget_stale();
	if (lpc_bridge != NULL) {
		fprintf(stderr, "lhyve: only one LPC bridge is allowed\n");
		return (-1);
	}
	if (pi->pi_bus != 0) {
		fprintf(stderr, "lhyve: the LPC bridge must be on bus 0\n");
		return (-1);
	}
	if (find_config_node("tpm") != NULL) {
		fprintf(stderr, "lhyve: tpm: TPM emulation is not supported "
		    "yet\n");
		return (-1);
	}

	/* Intel's PIIX3 ISA bridge IDs, as bhyve. */
	vendor = lpc_id(pi, nvl, "pcireg.vendor", 0x8086, 0xffff);
	device = lpc_id(pi, nvl, "pcireg.device", 0x7000, 0xffff);
	revid = lpc_id(pi, nvl, "pcireg.revid", 0, 0xff);
	subvendor = lpc_id(pi, nvl, "pcireg.subvendor", 0, 0xffff);
	subdevice = lpc_id(pi, nvl, "pcireg.subdevice", 0, 0xffff);
	if (vendor < 0 || device < 0 || revid < 0 || subvendor < 0 ||
	    subdevice < 0)
		return (-1);

	if (lpc_uarts_init(pi->pi_vmctx) != 0) {
		lpc_uarts_free();
		return (-1);
	}
	if (get_config_bool_default("lpc." PCTESTDEV_NAME, false) &&
	    pctestdev_init(pi->pi_vmctx) != 0) {
		lpc_uarts_free();
		pctestdev_deinit();
		return (-1);
	}
	/*
	 * The PIRQ registers are served by pci_lpc_cfgread/write from
	 * pci_irq.c.  XXX: the ELCR (0x4D0) belongs to the vPIC in the
	 * backend; pci_irq_level_mask() says what it should hold.
	 */
	pci_set_cfgdata16(pi, PCIR_VENDOR, vendor);
	pci_set_cfgdata16(pi, PCIR_DEVICE, device);
	pci_set_cfgdata8(pi, PCIR_REVID, revid);
	pci_set_cfgdata16(pi, PCIR_SUBVEND_0, subvendor);
	pci_set_cfgdata16(pi, PCIR_SUBDEV_0, subdevice);
	pci_set_cfgdata8(pi, PCIR_CLASS, PCIC_BRIDGE);
	pci_set_cfgdata8(pi, PCIR_SUBCLASS, PCIS_BRIDGE_ISA);
	pci_set_cfgdata8(pi, PCIR_HDRTYPE, PCIM_HDRTYPE_NORMAL);
	lpc_bridge = pi;
	return (0);
}

void
lpc_warn_unattached(void)
{
	struct config_node *lpc, *c;

	lpc_forget_stale();
	if (lpc_bridge != NULL)
		return;
	if ((lpc = find_config_node("lpc")) == NULL)
		return;
	for (c = config_node_first(lpc); c != NULL; c = config_node_next(c)) {
		const char *n = config_item_name(c);

		if (strncmp(n, "com", 3) == 0 ||
		    strcmp(n, PCTESTDEV_NAME) == 0) {
			fprintf(stderr, "lhyve: warning: -l %s needs an LPC "
			    "bridge (e.g. -s 31,lpc); it is not created\n",
			    n);
		}
	}
}

const struct pci_devemu pci_de_lpc = {
	.pe_emu = "lpc",
	.pe_init = pci_lpc_init,
	.pe_cfgread = pci_lpc_cfgread,
	.pe_cfgwrite = pci_lpc_cfgwrite,
};
PCI_EMUL_SET(pci_de_lpc);
