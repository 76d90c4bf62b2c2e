/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elf.c: ELF executables: validating an image and listing its loadable
 * segments (for multiboot ELF kernels too), and the plain ELF64 loader
 * that enters a 64-bit kernel in long mode.
 */

#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "boot/loader.h"
#include "boot/x86_setup.h"

bool
elf_is_elf(const uint8_t *buf, size_t len, int *elfclass)
{
	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return (false);
	if (elfclass != NULL)
		*elfclass = buf[EI_CLASS];
	return (true);
}

/* One program header in a class-independent form. */
struct elf_phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static void
elf_read_phdr(const uint8_t *p, int elfclass, struct elf_phdr *ph)
{
	if (elfclass == ELFCLASS64) {
		Elf64_Phdr h;

		memcpy(&h, p, sizeof(h));
		ph->type = h.p_type;
		ph->offset = h.p_offset;
		ph->vaddr = h.p_vaddr;
		ph->paddr = h.p_paddr;
		ph->filesz = h.p_filesz;
		ph->memsz = h.p_memsz;
	} else {
		Elf32_Phdr h;

		memcpy(&h, p, sizeof(h));
		ph->type = h.p_type;
		ph->offset = h.p_offset;
		ph->vaddr = h.p_vaddr;
		ph->paddr = h.p_paddr;
		ph->filesz = h.p_filesz;
		ph->memsz = h.p_memsz;
	}
}

int
elf_parse(const uint8_t *buf, size_t len, struct boot_image *img, char *err,
    size_t errlen)
{
	uint64_t entry, phoff, vaddr[BOOT_MAX_SEGS];
	size_t ehsize, phsize;
	unsigned phnum, phentsize, type, machine, want;
	int elfclass;

	memset(img, 0, sizeof(*img));
	if (!elf_is_elf(buf, len, &elfclass)) {
		snprintf(err, errlen, "not an ELF file");
		return (-1);
	}
	if (elfclass != ELFCLASS32 && elfclass != ELFCLASS64) {
		snprintf(err, errlen, "unknown ELF class %d", elfclass);
		return (-1);
	}
	if (buf[EI_DATA] != ELFDATA2LSB || buf[EI_VERSION] != EV_CURRENT) {
		snprintf(err, errlen, "not a little-endian ELF version 1 file");
		return (-1);
	}
	ehsize = elfclass == ELFCLASS64 ? sizeof(Elf64_Ehdr) :
	    sizeof(Elf32_Ehdr);
	if (len < ehsize) {
		snprintf(err, errlen, "truncated ELF header (%zu of %zu bytes)",
		    len, ehsize);
		return (-1);
	}
	if (elfclass == ELFCLASS64) {
		Elf64_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		type = eh.e_type;
		machine = eh.e_machine;
		entry = eh.e_entry;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		phsize = sizeof(Elf64_Phdr);
		want = EM_X86_64;
	} else {
		Elf32_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		type = eh.e_type;
		machine = eh.e_machine;
		entry = eh.e_entry;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		phsize = sizeof(Elf32_Phdr);
		want = EM_386;
	}
	if (machine != want) {
		snprintf(err, errlen, "wrong machine: ELF%d e_machine %u, "
		    "expected %s", elfclass == ELFCLASS64 ? 64 : 32, machine,
		    want == EM_X86_64 ? "x86-64 (62)" : "i386 (3)");
		return (-1);
	}
	if (type != ET_EXEC) {
		snprintf(err, errlen, "not an executable (e_type %u, expected "
		    "ET_EXEC)", type);
		return (-1);
	}
	/* PN_XNUM (phnum in section 0) is for huge core files, not kernels. */
	if (phnum == 0 || phnum == PN_XNUM) {
		snprintf(err, errlen, "no usable program headers (e_phnum %u)",
		    phnum);
		return (-1);
	}
	if (phentsize < phsize) {
		snprintf(err, errlen, "bad program header size %u", phentsize);
		return (-1);
	}
	/* phnum * phentsize fits easily: both are 16-bit. */
	if (phoff > len || (uint64_t)phnum * phentsize > len - phoff) {
		snprintf(err, errlen, "program header table (%u entries at "
		    "offset %llu) runs past the end of the file (%zu bytes)",
		    phnum, (unsigned long long)phoff, len);
		return (-1);
	}

	img->elfclass = elfclass;
	img->lo = UINT64_MAX;
	for (unsigned i = 0; i < phnum; i++) {
		struct elf_phdr ph;
		struct boot_seg *s;

		elf_read_phdr(buf + phoff + (uint64_t)i * phentsize, elfclass,
		    &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (ph.filesz > ph.memsz) {
			snprintf(err, errlen, "segment %u: file size %llu "
			    "exceeds memory size %llu", i,
			    (unsigned long long)ph.filesz,
			    (unsigned long long)ph.memsz);
			return (-1);
		}
		if (ph.offset > len || ph.filesz > len - ph.offset) {
			snprintf(err, errlen, "segment %u: data at offset %llu"
			    " size %llu runs past the end of the file (%zu "
			    "bytes)", i, (unsigned long long)ph.offset,
			    (unsigned long long)ph.filesz, len);
			return (-1);
		}
		/* An ELF32 segment must fit the 32-bit physical space. */
		if (ph.paddr + ph.memsz < ph.paddr ||
		    (elfclass == ELFCLASS32 &&
		    ph.paddr + ph.memsz > (1ULL << 32))) {
			snprintf(err, errlen, "segment %u: address 0x%llx size "
			    "0x%llx wraps around", i,
			    (unsigned long long)ph.paddr,
			    (unsigned long long)ph.memsz);
			return (-1);
		}
		if (img->nseg == BOOT_MAX_SEGS) {
			snprintf(err, errlen, "more than %d loadable segments",
			    BOOT_MAX_SEGS);
			return (-1);
		}
		vaddr[img->nseg] = ph.vaddr;
		s = &img->seg[img->nseg++];
		s->paddr = ph.paddr;
		s->offset = ph.offset;
		s->filesz = ph.filesz;
		s->memsz = ph.memsz;
		if (s->paddr < img->lo)
			img->lo = s->paddr;
		if (s->paddr + s->memsz > img->hi)
			img->hi = s->paddr + s->memsz;
	}
	if (img->nseg == 0) {
		snprintf(err, errlen, "no loadable (PT_LOAD) segments");
		return (-1);
	}

	/*
	 * e_entry is virtual.  Where a segment is linked at a virtual address
	 * other than its load address (a higher-half kernel), enter at the
	 * physical copy, as GRUB does; paging is off (or identity) at entry.
	 */
	img->entry = entry;
	for (int i = 0; i < img->nseg; i++) {
		if (entry - vaddr[i] < img->seg[i].memsz) {
			img->entry = img->seg[i].paddr + (entry - vaddr[i]);
			break;
		}
	}
	return (0);
}

int
elf64_load(struct vmctx *ctx, struct vcpu *bsp, const char *path,
    const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	struct boot_image img;
	char why[256];
	int error;

	if (elf_parse(buf, len, &img, why, sizeof(why)) != 0 ||
	    boot_image_check(&img, vm_get_lowmem_size(ctx),
	    vm_get_highmem_size(ctx), why, sizeof(why)) != 0 ||
	    boot_image_load(ctx, buf, len, &img, why, sizeof(why)) != 0 ||
	    x86_setup_long(ctx, bsp, img.entry, BOOT_STACK_TOP, why,
	    sizeof(why)) != 0)
		goto fail;
	/*
	 * Plain ELF64 has no boot-information convention; say so with a
	 * null pointer in the first two argument registers (docs/boot.md).
	 */
	if ((error = vm_set_register(bsp, VM_REG_GUEST_RDI, 0)) != 0 ||
	    (error = vm_set_register(bsp, VM_REG_GUEST_RSI, 0)) != 0) {
		snprintf(why, sizeof(why), "cannot set RDI/RSI: %s",
		    strerror(-error));
		goto fail;
	}
	return (0);
fail:
	snprintf(err, errlen, "%s: %s", path, why);
	return (-1);
}
