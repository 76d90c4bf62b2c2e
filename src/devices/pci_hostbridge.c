/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_hostbridge.c: the host bridge functions "hostbridge" and
 * "amd_hostbridge" (bhyve's pci_hostbridge.c), with the IDs overridable by
 * pcireg.vendor / pcireg.device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "devices/pci_emul.h"

/*
 * A 16-bit ID from pcireg.<name>, or 'def'.  -1 for a malformed value.
 * XXX: bhyve also takes "host" (copy the host's IDs); not on Linux yet.
 */
static int
pcireg_id(struct pci_devinst *pi, struct config_node *nvl, const char *name,
    int def)
{
	const char *v;
	char *end;
	unsigned long id;

	v = get_config_value_node(nvl, name);
	if (v == NULL)
		return (def);
	errno = 0;
	id = strtoul(v, &end, 0);
	if (errno != 0 || end == v || *end != '\0' || id > 0xffff) {
		fprintf(stderr, "lhyve: %s: %s=%s is not a 16-bit ID\n",
		    pi->pi_name, name, v);
		return (-1);
	}
	return ((int)id);
}

static int
hostbridge_setup(struct pci_devinst *pi, struct config_node *nvl,
    int vendor, int device)
{
	vendor = pcireg_id(pi, nvl, "pcireg.vendor", vendor);
	device = pcireg_id(pi, nvl, "pcireg.device", device);
	if (vendor < 0 || device < 0)
		return (-EINVAL);
	pci_set_cfgdata16(pi, PCIR_VENDOR, vendor);
	pci_set_cfgdata16(pi, PCIR_DEVICE, device);
	pci_set_cfgdata8(pi, PCIR_HDRTYPE, PCIM_HDRTYPE_NORMAL);
	pci_set_cfgdata8(pi, PCIR_CLASS, PCIC_BRIDGE);
	pci_set_cfgdata8(pi, PCIR_SUBCLASS, PCIS_BRIDGE_HOST);
	/*
	 * XXX: bhyve adds a PCIe root-port capability here; that comes with
	 * PCIe/ECAM.
	 */
	return (0);
}

static int
pci_hostbridge_init(struct pci_devinst *pi, struct config_node *nvl)
{
	/* bhyve's IDs: NetApp's vendor ID, which bhyve guests know. */
	return (hostbridge_setup(pi, nvl, 0x1275, 0x1275));
}

static int
pci_amd_hostbridge_init(struct pci_devinst *pi, struct config_node *nvl)
{
	/* AMD's vendor ID with bhyve's made-up device ID. */
	return (hostbridge_setup(pi, nvl, 0x1022, 0x7432));
}

const struct pci_devemu pci_de_hostbridge = {
	.pe_emu = "hostbridge",
	.pe_init = pci_hostbridge_init,
};
PCI_EMUL_SET(pci_de_hostbridge);

const struct pci_devemu pci_de_amd_hostbridge = {
	.pe_emu = "amd_hostbridge",
	.pe_init = pci_amd_hostbridge_init,
};
PCI_EMUL_SET(pci_de_amd_hostbridge);
