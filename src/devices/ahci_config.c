/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ahci_config.c: the AHCI HBA's configuration -- bhyve's -s grammar for
 * ahci (hd:PATH / cd:PATH per port), ahci-hd and ahci-cd into
 * pci.B.S.F.port.N.* nodes, and opening one port's device from its node
 * (options checked, the image opened through block_if, the IDENTIFY
 * strings chosen).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "devices/ahci.h"
#include "devices/block_if.h"
#include "devices/dev_opts.h"

static const char *const ahci_port_opts[] = {
	"type", "path", "ro", "nocache", "direct", "sync", "sectorsize",
	"nodelete", "bootindex", "ser", "rev", "model", "nmrr", NULL
};

/* A default serial number, stable per image path (bhyve hashes it too). */
static void
ahci_default_ser(struct ahci_port *p, const char *path)
{
	uint32_t h = dev_hash32(path);

	snprintf(p->p_ser, sizeof(p->p_ser), "LHYVE-%04X-%04X", h >> 16,
	    h & 0xffff);
}

int
ahci_port_open(struct ahci_softc *sc, struct ahci_port *p,
    struct config_node *pnvl)
{
	const char *type, *s;
	char *end;
	unsigned long n;

	if (dev_check_opts(pnvl, p->p_ident, ahci_port_opts) != 0)
		return (-1);
	type = get_config_value_node(pnvl, "type");
	if (type == NULL || (strcmp(type, "hd") != 0 &&
	    strcmp(type, "cd") != 0)) {
		fprintf(stderr, "lhyve: %s: type must be hd or cd, not '%s'\n",
		    p->p_ident, type != NULL ? type : "");
		return (-1);
	}
	p->p_atapi = strcmp(type, "cd") == 0;
	/* A CD-ROM is read-only media; so shared readers may use it. */
	if (p->p_atapi)
		set_config_value_node(pnvl, "ro", "true");
	s = get_config_value_node(pnvl, "nmrr");
	if (s != NULL) {
		errno = 0;
		n = strtoul(s, &end, 0);
		if (errno != 0 || end == s || *end != '\0' || n > 0xffff) {
			fprintf(stderr, "lhyve: %s: nmrr=%s: expected "
			    "0-65535\n", p->p_ident, s);
			return (-1);
		}
		p->p_nmrr = n;
	}
	p->p_bc = blockif_open(pnvl, p->p_ident);
	if (p->p_bc == NULL)
		return (-1);
	p->p_sectsz = p->p_atapi ? 2048 : (uint32_t)blockif_sectsz(p->p_bc);
	p->p_nsect = (uint64_t)blockif_size(p->p_bc) / p->p_sectsz;

	s = get_config_value_node(pnvl, "ser");
	if (s != NULL)
		snprintf(p->p_ser, sizeof(p->p_ser), "%s", s);
	else
		ahci_default_ser(p, blockif_path(p->p_bc));
	s = get_config_value_node(pnvl, "rev");
	snprintf(p->p_rev, sizeof(p->p_rev), "%s", s != NULL ? s : "001");
	s = get_config_value_node(pnvl, "model");
	snprintf(p->p_model, sizeof(p->p_model), "%s", s != NULL ? s :
	    p->p_atapi ? "LHYVE SATA DVD ROM" : "LHYVE SATA DISK");
	return (0);
}

/*
 * -s N,ahci,hd:PATH[,opts],cd:PATH[,opts],...: each hd:/cd: starts the
 * next port (bhyve's pci_ahci_legacy_config).
 */
int
pci_ahci_legacy_config(struct config_node *nvl, const char *opts)
{
	struct config_node *ports, *pnvl;
	char *copy, *str, *next, *n2;
	const char *type;
	char num[8];
	int port, error = 0;

	if (opts == NULL || *opts == '\0')
		return (0);
	copy = strdup(opts);
	if (copy == NULL)
		return (-1);
	ports = create_relative_config_node(nvl, "port");
	for (port = 0, str = copy; str != NULL; port++, str = next) {
		if (strncmp(str, "hd:", 3) == 0)
			type = "hd";
		else if (strncmp(str, "cd:", 3) == 0)
			type = "cd";
		else
			type = NULL;
		if (type != NULL)
			str += 3;
		next = strstr(str, ",hd:");
		n2 = strstr(str, ",cd:");
		if (next == NULL || (n2 != NULL && n2 < next))
			next = n2;
		if (next != NULL)
			*next++ = '\0';
		if (type == NULL) {
			fprintf(stderr, "lhyve: ahci port %d: '%s' does not "
			    "start with hd: or cd:\n", port, str);
			error = -1;
			break;
		}
		if (port >= AHCI_MAX_PORTS) {
			fprintf(stderr, "lhyve: ahci: at most %d ports\n",
			    AHCI_MAX_PORTS);
			error = -1;
			break;
		}
		snprintf(num, sizeof(num), "%d", port);
		pnvl = ports != NULL ? create_relative_config_node(ports, num) :
		    NULL;
		if (pnvl == NULL) {
			error = -1;
			break;
		}
		set_config_value_node(pnvl, "type", type);
		if (blockif_legacy_config(pnvl, str) != 0) {
			error = -1;
			break;
		}
	}
	free(copy);
	return (error);
}

static int
ahci_one_port_config(struct config_node *nvl, const char *opts,
    const char *type)
{
	struct config_node *pnvl;

	pnvl = create_relative_config_node(nvl, "port.0");
	if (pnvl == NULL)
		return (-1);
	set_config_value_node(pnvl, "type", type);
	return (blockif_legacy_config(pnvl, opts));
}

int
pci_ahci_hd_legacy_config(struct config_node *nvl, const char *opts)
{
	return (ahci_one_port_config(nvl, opts, "hd"));
}

int
pci_ahci_cd_legacy_config(struct config_node *nvl, const char *opts)
{
	return (ahci_one_port_config(nvl, opts, "cd"));
}
