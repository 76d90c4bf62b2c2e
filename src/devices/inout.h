/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inout.h: port-I/O dispatch.  Devices register handlers for port ranges;
 * every backend's port-I/O exit reaches emulate_inout().
 */
#ifndef LHYVE_INOUT_H
#define LHYVE_INOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "linker_set.h"
#include "vmm/vmm.h"

/*
 * A port handler.  in: fill *eax with 'bytes' bytes (the caller masks);
 * out: *eax holds the data.  Returns 0, or -1 for "not handled here" (the
 * access is then treated as unclaimed).
 */
typedef int (*inout_func_t)(struct vmctx *ctx, int in, int port, int bytes,
    uint32_t *eax, void *arg);

struct inout_port {
	const char *name;
	int port;
	int size;
	int flags;
	inout_func_t handler;
	void *arg;
};
#define IOPORT_F_IN      0x1
#define IOPORT_F_OUT     0x2
#define IOPORT_F_INOUT   (IOPORT_F_IN | IOPORT_F_OUT)

/* A statically registered port, as bhyve's INOUT_PORT(). */
#define INOUT_PORT(name, port, flags, handler)				\
	static struct inout_port __inout_port_##name = {		\
		#name, (port), 1, (flags), (handler), 0			\
	};								\
	DATA_SET(inout_port_set, __inout_port_##name)

void init_inout(bool strictio);
/* -EEXIST if any port in the range is already taken. */
int register_inout(const struct inout_port *iop);
int unregister_inout(const struct inout_port *iop);
/*
 * Handle one port access from an exit.  Returns 0 (done; for IN,
 * vme->u.inout.eax filled) or -1 for an unclaimed port under strictio.
 * Unclaimed ports otherwise read all-ones and drop writes.
 */
int emulate_inout(struct vmctx *ctx, struct vcpu *vcpu, struct vm_exit *vme);

#endif /* LHYVE_INOUT_H */
