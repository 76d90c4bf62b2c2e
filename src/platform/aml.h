/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aml.h: a small AML byte-code encoder (ACPI 6.x, chapter 20), so that lhyve
 * builds its DSDT in C without running an ASL compiler.
 *
 * The builder appends to a growing byte buffer.  Constructs that carry a
 * PkgLength (Scope, Device, Method, If, Else, Package, Buffer) are opened
 * with aml_<construct>() and closed with aml_end(); the PkgLength is
 * inserted when the construct is closed, with the shortest encoding.
 * Package elements are counted automatically.  Errors are sticky: check
 * aml_error() once at the end.
 *
 *	aml_scope(a, "\\_SB");
 *	  aml_device(a, "PCI0");
 *	    aml_name(a, "_HID"); aml_eisaid(a, "PNP0A03");
 *	  aml_end(a);
 *	aml_end(a);
 */
#ifndef LHYVE_PLATFORM_AML_H
#define LHYVE_PLATFORM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH	32

struct aml_frame {
	size_t start;		/* offset where the PkgLength goes */
	int kind;		/* AML_K_* (aml.c) */
	unsigned nelem;		/* Package: elements so far */
};

struct aml {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;		/* first error, -errno; 0 if none */
	int depth;
	struct aml_frame stack[AML_MAX_DEPTH];
};

void aml_init(struct aml *a);
void aml_fini(struct aml *a);
/* 0, or the first error (-ENOMEM, -EINVAL, -E2BIG); also if still open. */
int aml_error(const struct aml *a);

/* ---- encodings, exposed for the unit tests (ACPI 6.4 §20.2) ---- */

/*
 * PkgLength for a construct whose contents after the PkgLength are
 * body_len bytes (the encoded value counts the PkgLength bytes too).
 * Writes 1..4 bytes to out and returns how many; 0 if too long.
 */
size_t aml_pkglength_encode(uint8_t out[4], size_t body_len);
/*
 * NameString from an ASL path ("\\_SB.PCI0", "^FOO", "_HID"; segments
 * shorter than 4 characters are padded with '_').  Returns its length,
 * or -EINVAL for a malformed path or -E2BIG if cap is too small.
 */
int aml_namestring_encode(uint8_t *out, size_t cap, const char *path);
/* The 32-bit compressed EISA ID of "PNP0A03"; 0 if malformed. */
uint32_t aml_eisaid_value(const char *id);

/* ---- data objects (each counts as one element inside a Package) ---- */
void aml_integer(struct aml *a, uint64_t v);	/* shortest encoding */
void aml_string(struct aml *a, const char *s);
void aml_eisaid(struct aml *a, const char *id);
void aml_nameref(struct aml *a, const char *path);
void aml_package(struct aml *a);		/* ... aml_end() */
void aml_buffer(struct aml *a);			/* raw bytes ... aml_end() */
void aml_bytes(struct aml *a, const void *p, size_t n);

/* ---- named objects and control flow ---- */
void aml_name(struct aml *a, const char *path);	/* the next object is its value */
void aml_scope(struct aml *a, const char *path);
void aml_device(struct aml *a, const char *path);
void aml_method(struct aml *a, const char *path, int nargs, bool serialized);
void aml_if(struct aml *a);			/* predicate, then terms */
void aml_else(struct aml *a);			/* right after an If's aml_end() */
void aml_return(struct aml *a);			/* the next term is the value */
void aml_store(struct aml *a);			/* source, then target */
void aml_arg(struct aml *a, int n);		/* Arg0..Arg6 */
void aml_local(struct aml *a, int n);		/* Local0..Local7 */
void aml_end(struct aml *a);

/* ---- resource templates (ACPI 6.4 §6.4) ---- */
void aml_restemplate(struct aml *a);		/* a Buffer */
void aml_restemplate_end(struct aml *a);	/* EndTag, then closes it */
/* IO (Decode16, min, max, align, len) */
void aml_rd_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align,
    uint8_t len);
/* IRQNoFlags () {irq} */
void aml_rd_irq_noflags(struct aml *a, unsigned irq);
/* Memory32Fixed (ReadWrite|ReadOnly, base, len) */
void aml_rd_mem32_fixed(struct aml *a, bool rw, uint32_t base, uint32_t len);
/* WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, ...) */
void aml_rd_word_bus(struct aml *a, uint16_t min, uint16_t max);
/* WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange) */
void aml_rd_word_io(struct aml *a, uint16_t min, uint16_t max);
/* DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, ...) */
void aml_rd_dword_mem(struct aml *a, bool cacheable, uint32_t min,
    uint32_t max);
/* QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, ...) */
void aml_rd_qword_mem(struct aml *a, bool cacheable, uint64_t min,
    uint64_t max);
/* Interrupt (ResourceConsumer, Level|Edge, ActiveLow|High, Shared?) {gsi} */
void aml_rd_interrupt(struct aml *a, bool level, bool active_low,
    bool shared, uint32_t gsi);

#endif /* LHYVE_PLATFORM_AML_H */
