/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inout.c: port-I/O dispatch, bhyve's inout.c on a 64 K entry table: one
 * slot per port, filled by register_inout() and by the INOUT_PORT linker
 * set, looked up by the first port of each access.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "devices/inout.h"

#define MAX_IOPORTS	0x10000

/* The first N unclaimed accesses are logged, then one in every 1024. */
#define UNCLAIMED_LOG_FIRST	32
#define UNCLAIMED_LOG_EVERY	1024

struct inout_handler {
	const char *name;
	int flags;		/* 0: unclaimed */
	int base;		/* first port of the registration */
	int size;
	inout_func_t handler;
	void *arg;
};

SET_DECLARE(inout_port_set, struct inout_port);

/*
 * Registration is rare (startup, PCI BAR moves) and dispatch frequent, so
 * the table sits behind a reader-writer lock.  A handler runs with the lock
 * released: the PCI config handler may move an I/O BAR, which registers.
 */
static struct inout_handler inout_handlers[MAX_IOPORTS];
static pthread_rwlock_t inout_lock = PTHREAD_RWLOCK_INITIALIZER;
static bool inout_strict;
static bool inout_verbose;
static atomic_ulong inout_unclaimed;

static uint32_t
size_mask(int bytes)
{
	return (bytes >= 4 ? 0xffffffffu : (1u << (bytes * 8)) - 1);
}

static void
log_unclaimed(int in, int port, int bytes, uint32_t val)
{
	unsigned long n;

	n = atomic_fetch_add(&inout_unclaimed, 1);
	if (!inout_verbose)
		return;
	if (n >= UNCLAIMED_LOG_FIRST && n % UNCLAIMED_LOG_EVERY != 0)
		return;
	if (in)
		fprintf(stderr, "lhyve: unclaimed in%c from port 0x%x "
		    "(%lu so far)\n", "?bw?l"[bytes & 7], port, n + 1);
	else
		fprintf(stderr, "lhyve: unclaimed out%c of 0x%x to port 0x%x "
		    "(%lu so far)\n", "?bw?l"[bytes & 7], val, port, n + 1);
}

void
init_inout(bool strictio)
{
	struct inout_port **iopp;
	int error;

	pthread_rwlock_wrlock(&inout_lock);
	memset(inout_handlers, 0, sizeof(inout_handlers));
	pthread_rwlock_unlock(&inout_lock);
	inout_strict = strictio;
	/* XXX: not a bhyve variable; lhyve's knob for I/O debugging. */
	inout_verbose = get_config_bool_default("inout.verbose", false);
	atomic_store(&inout_unclaimed, 0);

	SET_FOREACH(iopp, inout_port_set) {
		error = register_inout(*iopp);
		if (error != 0)
			fprintf(stderr, "lhyve: port 0x%x (%s): %s\n",
			    (*iopp)->port, (*iopp)->name, strerror(-error));
	}
}

static int
check_range(const struct inout_port *iop)
{
	if (iop == NULL || iop->handler == NULL || iop->size <= 0 ||
	    iop->port < 0 || iop->port + iop->size > MAX_IOPORTS ||
	    (iop->flags & IOPORT_F_INOUT) == 0)
		return (-EINVAL);
	return (0);
}

int
register_inout(const struct inout_port *iop)
{
	int error, i;

	if ((error = check_range(iop)) != 0)
		return (error);
	pthread_rwlock_wrlock(&inout_lock);
	for (i = iop->port; i < iop->port + iop->size; i++) {
		if (inout_handlers[i].flags != 0) {
			pthread_rwlock_unlock(&inout_lock);
			return (-EEXIST);
		}
	}
	for (i = iop->port; i < iop->port + iop->size; i++) {
		inout_handlers[i] = (struct inout_handler){
			.name = iop->name,
			.flags = iop->flags & IOPORT_F_INOUT,
			.base = iop->port,
			.size = iop->size,
			.handler = iop->handler,
			.arg = iop->arg,
		};
	}
	pthread_rwlock_unlock(&inout_lock);
	return (0);
}

/*
 * Only a whole registration can go: range and handler must match one made
 * by register_inout(), so a device cannot remove another's ports.
 */
int
unregister_inout(const struct inout_port *iop)
{
	struct inout_handler *h;
	int error, i;

	if ((error = check_range(iop)) != 0)
		return (error);
	pthread_rwlock_wrlock(&inout_lock);
	h = &inout_handlers[iop->port];
	if (h->flags == 0 || h->base != iop->port || h->size != iop->size ||
	    h->handler != iop->handler) {
		pthread_rwlock_unlock(&inout_lock);
		return (-ENOENT);
	}
	for (i = iop->port; i < iop->port + iop->size; i++)
		memset(&inout_handlers[i], 0, sizeof(inout_handlers[i]));
	pthread_rwlock_unlock(&inout_lock);
	return (0);
}

int
emulate_inout(struct vmctx *ctx, struct vcpu *vcpu, struct vm_exit *vme)
{
	struct inout_handler h;
	uint32_t mask, val;
	int bytes, in, port, error;

	bytes = vme->u.inout.bytes;
	in = vme->u.inout.in;
	port = vme->u.inout.port;
	if (bytes != 1 && bytes != 2 && bytes != 4)
		return (-1);	/* a backend bug, never a guest choice */
	mask = size_mask(bytes);

	pthread_rwlock_rdlock(&inout_lock);
	h = inout_handlers[port & (MAX_IOPORTS - 1)];
	pthread_rwlock_unlock(&inout_lock);

	/* The handler sees only the bytes the instruction moves. */
	val = in ? 0 : vme->u.inout.eax & mask;
	error = -1;
	if (h.flags & (in ? IOPORT_F_IN : IOPORT_F_OUT))
		error = h.handler(ctx, in, port, bytes, &val, h.arg);
	if (error != 0) {
		log_unclaimed(in, port, bytes, val);
		if (inout_strict)
			return (-1);
		val = 0xffffffff;	/* the floating ISA bus reads ones */
	}
	/*
	 * IN AL/AX leaves the rest of EAX alone (SDM vol. 2, IN), so merge
	 * into whatever the backend put there.
	 */
	if (in)
		vme->u.inout.eax = (vme->u.inout.eax & ~mask) | (val & mask);
	return (0);
}
