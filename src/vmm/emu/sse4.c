/* SPDX-License-Identifier: BSD-2-Clause */
/* sse4.c: placeholder, being written. */
#include "vmm/emu/simd.h"

const struct emu_opreg emu_sse4_ops[] = {
	OPEND
};
