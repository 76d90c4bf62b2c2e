/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_lpc.h: the "lpc" PCI-ISA bridge (bhyve's pci_lpc.c) and the legacy
 * devices behind it: COM1-COM4 and pc-testdev.  They are created by the
 * lpc function's init (so from init_pci()), reading lpc.* from the config.
 *
 * Entry points for bhyverun.c:
 *   lpc_device_parse(opt)          -l lpcdev[,conf] -> lpc.* / tpm.*
 *   lpc_print_supported_devices()  -l help
 */
#ifndef LHYVE_PCI_LPC_H
#define LHYVE_PCI_LPC_H

#include <stdbool.h>

/* 0, or -1 after printing what is wrong. */
int lpc_device_parse(const char *opt);
void lpc_print_supported_devices(void);

/*
 * Called by init_pci() once every function exists: warns when -l devices
 * were configured but no lpc function will create them.
 */
void lpc_warn_unattached(void);

/* Bus 0 slot and function of the lpc bridge: 0, or -1 if there is none. */
int lpc_bridge_location(int *slot, int *func);
/* Does COM<unit + 1> exist (all four do when the bridge does)? */
bool lpc_uart_present(int unit);

#endif /* LHYVE_PCI_LPC_H */
