/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nomb.S: an ELF32 kernel without a multiboot header (or, with -DBAD_CHECKSUM,
 * with a header whose checksum is wrong).  lhyve must refuse it with status 4.
 */
#include "guest.h"

#ifdef BAD_CHECKSUM
	.pushsection .multiboot, "a"
	.balign	4
	.long	MB_HEADER_MAGIC
	.long	0
	.long	-MB_HEADER_MAGIC + 1
	.popsection
#endif

	.text
	.code32
	.globl	_start
_start:
	movl	$stack_top, %esp
	PUTS32	"this kernel should never run\n"
	FAIL32	1

	LIB32

	.bss
	.balign	16
	.skip	4096
stack_top:
