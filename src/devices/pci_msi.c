/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pci_msi.c: MSI and MSI-X for emulated PCI functions (PCI Local Bus 3.0
 * §6.8), in bhyve's shape: the capabilities, their guest-writable bits,
 * the MSI-X table and Pending Bit Array in a BAR of their own, per-vector
 * and function masking, and message delivery through vm_lapic_msi.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/pci_emul.h"
#include "devices/pci_priv.h"

#define MSI_CAPLEN	14	/* 64-bit address, no per-vector masking */
#define MSI_CAPSPAN	16	/* with the padding to a dword */
#define MSIX_CAPLEN	12

/* ---- capabilities ---- */

int
pci_emul_add_msicap(struct pci_devinst *pi, int msgnum)
{
	uint8_t cap[MSI_CAPLEN];
	uint16_t ctrl;
	int mmc;

	/* Multiple Message Capable is a power of two, 1..32 (§6.8.1.3). */
	if (msgnum < 1 || msgnum > 32 || (msgnum & (msgnum - 1)) != 0 ||
	    pi->pi_msi.capoff != 0)
		return (-1);
	mmc = __builtin_ctz(msgnum);
	ctrl = PCIM_MSICTRL_64BIT | (uint16_t)(mmc << 1);
	memset(cap, 0, sizeof(cap));
	cap[0] = PCIY_MSI;
	cap[2] = ctrl & 0xff;
	cap[3] = ctrl >> 8;
	if (pci_emul_add_capability(pi, cap, sizeof(cap)) != 0)
		return (-1);
	pi->pi_msi.capoff = pi->pi_prevcap;
	return (0);
}

int
pci_emul_add_msixcap(struct pci_devinst *pi, int msgnum, int barnum)
{
	uint8_t cap[MSIX_CAPLEN];
	uint32_t tab_size, pba_size;
	uint16_t ctrl;

	if (msgnum < 1 || msgnum > MAX_MSIX_TABLE_ENTRIES || barnum < 0 ||
	    barnum > PCI_BARMAX || pi->pi_msix.capoff != 0)
		return (-1);
	/*
	 * bhyve's layout: the table at offset 0, the PBA on the next 4 KiB
	 * boundary so that a guest (or a later passthrough) can map them
	 * apart (§6.8.2 recommends separate pages).  One bit per vector in
	 * whole qwords.
	 */
	tab_size = ((uint32_t)msgnum * MSIX_TABLE_ENTRY_SIZE + 4095) & ~4095u;
	pba_size = (((uint32_t)msgnum + 63) / 64) * 8;

	pi->pi_msix.table = calloc(msgnum, sizeof(*pi->pi_msix.table));
	pi->pi_msix.pba = calloc(pba_size / 8, sizeof(uint64_t));
	if (pi->pi_msix.table == NULL || pi->pi_msix.pba == NULL)
		goto fail;
	/* Every vector comes out of reset masked (§6.8.2.9). */
	for (int i = 0; i < msgnum; i++)
		pi->pi_msix.table[i].vector_control = PCIM_MSIX_VCTRL_MASK;
	pi->pi_msix.table_bar = barnum;
	pi->pi_msix.pba_bar = barnum;
	pi->pi_msix.table_offset = 0;
	pi->pi_msix.table_count = msgnum;
	pi->pi_msix.pba_offset = tab_size;
	pi->pi_msix.pba_size = (int)pba_size;
	if (pci_emul_alloc_bar(pi, barnum, PCIBAR_MEM32, tab_size + pba_size)
	    != 0)
		goto fail;

	ctrl = (uint16_t)(msgnum - 1);
	memset(cap, 0, sizeof(cap));
	cap[0] = PCIY_MSIX;
	cap[2] = ctrl & 0xff;
	cap[3] = ctrl >> 8;
	/* Table Offset/BIR and PBA Offset/BIR (§6.8.2.4, §6.8.2.5). */
	cap[4] = barnum;
	cap[8] = (tab_size | barnum) & 0xff;
	cap[9] = (tab_size >> 8) & 0xff;
	cap[10] = (tab_size >> 16) & 0xff;
	cap[11] = (tab_size >> 24) & 0xff;
	if (pci_emul_add_capability(pi, cap, sizeof(cap)) != 0)
		goto fail;	/* the BAR stays requested; pe_init fails */
	pi->pi_msix.capoff = pi->pi_prevcap;
	return (0);
fail:
	pci_msi_free(pi);
	return (-1);
}

void
pci_msi_free(struct pci_devinst *pi)
{
	free(pi->pi_msix.table);
	free(pi->pi_msix.pba);
	pi->pi_msix.table = NULL;
	pi->pi_msix.pba = NULL;
	pi->pi_msix.table_count = 0;
	pi->pi_msix.capoff = 0;
}

bool
pci_msi_cfg_wmask(struct pci_devinst *pi, int off, uint8_t *wmask)
{
	int r;

	if (pi->pi_msi.capoff != 0 && off >= pi->pi_msi.capoff &&
	    off < pi->pi_msi.capoff + MSI_CAPSPAN) {
		r = off - pi->pi_msi.capoff;
		switch (r) {
		case PCIR_MSI_CTRL:
			/* MSI Enable and Multiple Message Enable. */
			*wmask = PCIM_MSICTRL_MME_MASK |
			    PCIM_MSICTRL_MSI_ENABLE;
			break;
		case PCIR_MSI_ADDR:
			*wmask = 0xfc;	/* dword-aligned address */
			break;
		case PCIR_MSI_ADDR + 1 ... PCIR_MSI_DATA_64BIT + 1:
			*wmask = 0xff;
			break;
		default:
			/* ID, next pointer, control high, padding */
			*wmask = 0;
			break;
		}
		return (true);
	}
	if (pi->pi_msix.capoff != 0 && off >= pi->pi_msix.capoff &&
	    off < pi->pi_msix.capoff + MSIX_CAPLEN) {
		r = off - pi->pi_msix.capoff;
		/* Only MSI-X Enable and Function Mask (§6.8.2.3). */
		*wmask = r == PCIR_MSIX_CTRL + 1 ?
		    (PCIM_MSIXCTRL_MSIX_ENABLE |
		    PCIM_MSIXCTRL_FUNCTION_MASK) >> 8 : 0;
		return (true);
	}
	return (false);
}

/* Send every pending, unmasked MSI-X vector.  pi_msilock held. */
static void
msix_flush_pending(struct pci_devinst *pi)
{
	struct msix_table_entry *mte;

	if (!pi->pi_msix.enabled || pi->pi_msix.function_mask ||
	    pi->pi_msi.enabled)
		return;
	for (int i = 0; i < pi->pi_msix.table_count; i++) {
		mte = &pi->pi_msix.table[i];
		if ((pi->pi_msix.pba[i / 64] & (1ULL << (i % 64))) == 0 ||
		    (mte->vector_control & PCIM_MSIX_VCTRL_MASK) != 0)
			continue;
		pi->pi_msix.pba[i / 64] &= ~(1ULL << (i % 64));
		vm_lapic_msi(pi->pi_vmctx, mte->addr, mte->msg_data);
	}
}

void
pci_msi_cfg_changed(struct pci_devinst *pi)
{
	uint16_t ctrl;
	int c, mme;

	pthread_mutex_lock(&pi->pi_msilock);
	if ((c = pi->pi_msi.capoff) != 0) {
		ctrl = pci_get_cfgdata16(pi, c + PCIR_MSI_CTRL);
		pi->pi_msi.enabled = (ctrl & PCIM_MSICTRL_MSI_ENABLE) != 0;
		pi->pi_msi.addr = pci_get_cfgdata32(pi, c + PCIR_MSI_ADDR) |
		    (uint64_t)pci_get_cfgdata32(pi, c + PCIR_MSI_ADDR_HIGH) <<
		    32;
		pi->pi_msi.msg_data = pci_get_cfgdata16(pi,
		    c + PCIR_MSI_DATA_64BIT);
		/*
		 * MME above MMC is undefined (§6.8.1.3); never hand out more
		 * messages than the capability offers.
		 */
		mme = (ctrl & PCIM_MSICTRL_MME_MASK) >> 4;
		if (mme > ((ctrl & PCIM_MSICTRL_MMC_MASK) >> 1))
			mme = (ctrl & PCIM_MSICTRL_MMC_MASK) >> 1;
		pi->pi_msi.maxmsgnum = pi->pi_msi.enabled ? 1 << mme : 0;
	}
	if ((c = pi->pi_msix.capoff) != 0) {
		ctrl = pci_get_cfgdata16(pi, c + PCIR_MSIX_CTRL);
		pi->pi_msix.enabled = (ctrl & PCIM_MSIXCTRL_MSIX_ENABLE) != 0;
		pi->pi_msix.function_mask =
		    (ctrl & PCIM_MSIXCTRL_FUNCTION_MASK) != 0;
		msix_flush_pending(pi);
	}
	pthread_mutex_unlock(&pi->pi_msilock);
	/* INTx is silenced while MSI or MSI-X is on (§6.8.1.3, §6.8.2.3). */
	pci_lintr_update(pi);
}

/* ---- the MSI-X table and PBA ---- */

static bool
msix_table_write(struct pci_devinst *pi, uint64_t off, int size,
    uint64_t val)
{
	struct msix_table_entry *mte;
	int idx = (int)(off / MSIX_TABLE_ENTRY_SIZE), r;

	/* Dword or aligned qword accesses only (§6.8.2). */
	if ((size != 4 && size != 8) || (off & (size - 1)) != 0 ||
	    idx >= pi->pi_msix.table_count)
		return (false);
	r = off % MSIX_TABLE_ENTRY_SIZE;
	mte = &pi->pi_msix.table[idx];
	for (int part = 0; part < size / 4; part++, r += 4) {
		uint32_t v = (uint32_t)(val >> (part * 32));

		switch (r) {
		case 0:		/* Message Address, dword aligned */
			mte->addr = (mte->addr & ~0xffffffffULL) | (v & ~3u);
			break;
		case 4:		/* Message Upper Address */
			mte->addr = (mte->addr & 0xffffffffULL) |
			    (uint64_t)v << 32;
			break;
		case 8:
			mte->msg_data = v;
			break;
		default:	/* Vector Control: only the mask bit */
			mte->vector_control = v & PCIM_MSIX_VCTRL_MASK;
			break;
		}
	}
	/* Unmasking a pending vector sends its message now (§6.8.2.9). */
	msix_flush_pending(pi);
	return (true);
}

static uint64_t
msix_table_read(struct pci_devinst *pi, uint64_t off, int size)
{
	uint8_t raw[MSIX_TABLE_ENTRY_SIZE];
	struct msix_table_entry *mte;
	int idx = (int)(off / MSIX_TABLE_ENTRY_SIZE), r;
	uint64_t v = 0;

	if ((off & (size - 1)) != 0 || idx >= pi->pi_msix.table_count)
		return (~0ULL);
	mte = &pi->pi_msix.table[idx];
	/* The entry as the spec lays it out: little-endian dwords. */
	for (int i = 0; i < 8; i++)
		raw[i] = (uint8_t)(mte->addr >> (i * 8));
	for (int i = 0; i < 4; i++) {
		raw[8 + i] = (uint8_t)(mte->msg_data >> (i * 8));
		raw[12 + i] = (uint8_t)(mte->vector_control >> (i * 8));
	}
	r = off % MSIX_TABLE_ENTRY_SIZE;
	for (int i = size - 1; i >= 0; i--)
		v = (v << 8) | raw[r + i];
	return (v);
}

static uint64_t
msix_pba_read(struct pci_devinst *pi, uint64_t off, int size)
{
	uint64_t q;

	if ((off & (size - 1)) != 0)
		return (~0ULL);
	q = pi->pi_msix.pba[off / 8] >> ((off % 8) * 8);
	return (size == 8 ? q : q & ((1ULL << (size * 8)) - 1));
}

bool
pci_msix_bar_access(struct pci_devinst *pi, int baridx, bool write,
    uint64_t off, int size, uint64_t *val)
{
	uint64_t tsize;

	if (pi->pi_msix.table == NULL || (baridx != pi->pi_msix.table_bar &&
	    baridx != pi->pi_msix.pba_bar))
		return (false);
	tsize = (uint64_t)pi->pi_msix.table_count * MSIX_TABLE_ENTRY_SIZE;
	pthread_mutex_lock(&pi->pi_msilock);
	if (baridx == pi->pi_msix.table_bar &&
	    off >= pi->pi_msix.table_offset &&
	    off < pi->pi_msix.table_offset + tsize) {
		off -= pi->pi_msix.table_offset;
		if (write)
			(void)msix_table_write(pi, off, size, *val);
		else
			*val = msix_table_read(pi, off, size);
	} else if (baridx == pi->pi_msix.pba_bar &&
	    off >= pi->pi_msix.pba_offset &&
	    off + size <= pi->pi_msix.pba_offset +
	    (uint64_t)pi->pi_msix.pba_size) {
		/* The PBA is read-only (§6.8.2.10). */
		if (!write)
			*val = msix_pba_read(pi, off - pi->pi_msix.pba_offset,
			    size);
	} else if (!write) {
		/* The rest of the BAR add_msixcap made: reserved, zero. */
		*val = 0;
	}
	pthread_mutex_unlock(&pi->pi_msilock);
	return (true);
}

int
pci_emul_msix_twrite(struct pci_devinst *pi, uint64_t offset, int size,
    uint64_t value)
{
	bool ok;

	if (pi->pi_msix.table == NULL || offset < pi->pi_msix.table_offset)
		return (-1);
	pthread_mutex_lock(&pi->pi_msilock);
	ok = msix_table_write(pi, offset - pi->pi_msix.table_offset, size,
	    value);
	pthread_mutex_unlock(&pi->pi_msilock);
	return (ok ? 0 : -1);
}

uint64_t
pci_emul_msix_tread(struct pci_devinst *pi, uint64_t offset, int size)
{
	uint64_t v = ~0ULL;

	if (pi->pi_msix.table == NULL ||
	    (size != 1 && size != 2 && size != 4 && size != 8))
		return (v);
	(void)pci_msix_bar_access(pi, pi->pi_msix.table_bar, false, offset,
	    size, &v);
	return (v);
}

/* ---- queries and delivery ---- */

bool
pci_msi_enabled(struct pci_devinst *pi)
{
	return (pi->pi_msi.enabled);
}

bool
pci_msix_enabled(struct pci_devinst *pi)
{
	return (pi->pi_msix.enabled && !pi->pi_msi.enabled);
}

int
pci_msi_maxmsgnum(struct pci_devinst *pi)
{
	return (pi->pi_msi.enabled ? pi->pi_msi.maxmsgnum : 0);
}

int
pci_msix_table_bar(struct pci_devinst *pi)
{
	return (pi->pi_msix.table != NULL ? pi->pi_msix.table_bar : -1);
}

int
pci_msix_pba_bar(struct pci_devinst *pi)
{
	return (pi->pi_msix.table != NULL ? pi->pi_msix.pba_bar : -1);
}

void
pci_generate_msi(struct pci_devinst *pi, int msgnum)
{
	uint32_t data;

	pthread_mutex_lock(&pi->pi_msilock);
	if (pi->pi_msi.enabled && msgnum >= 0 &&
	    msgnum < pi->pi_msi.maxmsgnum) {
		/*
		 * With several messages the function puts the message number
		 * in the low bits of the data (§6.8.1.9).
		 */
		data = (pi->pi_msi.msg_data & ~(pi->pi_msi.maxmsgnum - 1)) |
		    (uint32_t)msgnum;
		vm_lapic_msi(pi->pi_vmctx, pi->pi_msi.addr, data);
	}
	pthread_mutex_unlock(&pi->pi_msilock);
}

void
pci_generate_msix(struct pci_devinst *pi, int msgnum)
{
	struct msix_table_entry *mte;

	pthread_mutex_lock(&pi->pi_msilock);
	if (pi->pi_msix.enabled && !pi->pi_msi.enabled && msgnum >= 0 &&
	    msgnum < pi->pi_msix.table_count) {
		mte = &pi->pi_msix.table[msgnum];
		if (pi->pi_msix.function_mask ||
		    (mte->vector_control & PCIM_MSIX_VCTRL_MASK) != 0)
			pi->pi_msix.pba[msgnum / 64] |= 1ULL << (msgnum % 64);
		else
			vm_lapic_msi(pi->pi_vmctx, mte->addr, mte->msg_data);
	}
	pthread_mutex_unlock(&pi->pi_msilock);
}
