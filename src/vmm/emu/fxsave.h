/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fxsave.h: the emu backend's vm_get_fpu/vm_set_fpu ops (fxsave.c), the
 * guest's x87/SSE state as the FXSAVE64 image of vmm.h, for gdb.
 */
#ifndef LHYVE_EMU_FXSAVE_H
#define LHYVE_EMU_FXSAVE_H

#include "vmm/vmm_priv.h"

int emu_get_fpu(struct vcpu *vcpu, void *fxsave);
int emu_set_fpu(struct vcpu *vcpu, const void *fxsave);

#endif /* LHYVE_EMU_FXSAVE_H */
