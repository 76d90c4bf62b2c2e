/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gdb.c: lhyve's gdb server (-G [w][addr:]port, bhyve(8)): the GDB remote
 * serial protocol over TCP, served from the event loop's thread.  One gdb
 * thread per vCPU.  All-stop, as bhyve: when one vCPU stops (breakpoint,
 * single step, Ctrl-C) every vCPU is kicked out of vm_run and parks in
 * its exit handler (gdb_cpu_suspend and friends) until gdb resumes it, so
 * registers and memory are only touched while nobody runs.
 *
 * The vCPU sets (bit i = vCPU i), under gdb_lock:
 *   active     vCPU threads that have started (gdb_cpu_add);
 *   suspended  vCPUs that must not run (cleared to resume);
 *   waiting    vCPUs parked in park().
 * The VM is stopped when every active vCPU is parked and none may run.
 * The last vCPU to park sends the stop reply gdb waits for.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bhyverun.h"
#include "config.h"
#include "debug/gdb.h"
#include "debug/gdb_mem.h"
#include "debug/gdb_proto.h"
#include "debug/gdb_target.h"
#include "mevent.h"

#define BIT(i)		(1ULL << (i))
#define SIG_INT		2	/* gdb's signal numbers in stop replies */
#define SIG_TRAP	5

struct vcpu_dbg {
	bool stepping;		/* one instruction to run (MTRAP armed) */
	bool stepped;		/* ... ran; to be reported */
	bool hit_swbreak;	/* stopped on gdb's INT3; to be reported */
};

static struct {
	bool enabled;
	struct vmctx *ctx;
	struct vcpu *vcpu[VM_MAXCPU];
	uint64_t active, suspended, waiting;
	struct vcpu_dbg vs[VM_MAXCPU];
	int stopped_vcpu;	/* whose event the next stop reply tells, -1 */
	int cur_vcpu;		/* Hg: the vCPU of g/G/p/P/m/M/Z */
	int stop_sig;		/* for a stop without a vCPU event */
	bool reply_due;		/* gdb waits for a stop reply */
	bool detaching;		/* gdb left while the VM ran: clean up at stop */
	char last_stop[64];	/* the stop reply, for '?' */
	struct gdb_bps bps;

	/* the connection */
	int listen_fd, fd;
	struct mevent *listen_ev, *read_ev;
	bool noack;
	struct gdb_rx rx;
	char out[2 * GDB_PKT_MAX + 8];	/* last packet sent, framed */
	size_t outlen;
	char reply[2 * GDB_PKT_MAX + 8];
} gd = {
	.stopped_vcpu = -1,
	.listen_fd = -1,
	.fd = -1,
};

static pthread_mutex_t gdb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gdb_idle = PTHREAD_COND_INITIALIZER;

/* ---- guest memory through the backend seam ---- */

static void *
mi_map(void *arg, uint64_t gpa, size_t len)
{
	return (vm_map_gpa(arg, gpa, len));
}

static void
mi_written(void *arg, uint64_t gpa, size_t len)
{
	/* the DMA path: the emulator drops decoded code of those pages */
	vm_notify_write(arg, gpa, len);
}

static struct gdb_memif
memif(void)
{
	return ((struct gdb_memif){ .map = mi_map, .written = mi_written,
	    .arg = gd.ctx });
}

static int
get_paging(struct vcpu *vcpu, struct gdb_paging *pg)
{
	int error;

	if ((error = vm_get_register(vcpu, VM_REG_GUEST_CR0, &pg->cr0)) != 0 ||
	    (error = vm_get_register(vcpu, VM_REG_GUEST_CR3, &pg->cr3)) != 0 ||
	    (error = vm_get_register(vcpu, VM_REG_GUEST_CR4, &pg->cr4)) != 0 ||
	    (error = vm_get_register(vcpu, VM_REG_GUEST_EFER, &pg->efer)) != 0)
		return (error);
	return (0);
}

/* ---- sending (any thread, gdb_lock held) ---- */

static void
send_raw(const char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;
	struct pollfd pfd;

	while (gd.fd >= 0 && done < len) {
		n = send(gd.fd, buf + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			pfd.fd = gd.fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 5000) > 0)
				continue;
		}
		/*
		 * A dead or stuck debugger: let the event loop see EOF and
		 * clean up there (this may be a vCPU thread).
		 */
		shutdown(gd.fd, SHUT_RDWR);
		return;
	}
}

static void
send_packet(const void *payload, size_t len, int flags)
{
	gd.outlen = gdb_frame(gd.out, sizeof(gd.out), payload, len, flags);
	if (gd.outlen == 0)
		gd.outlen = gdb_frame(gd.out, sizeof(gd.out), "E01", 3, 0);
	send_raw(gd.out, gd.outlen);
}

static void
send_str(const char *s)
{
	send_packet(s, strlen(s), GDB_RLE);
}

static void
send_error(int errnum)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "E%02x", errnum & 0xff);
	send_str(buf);
}

/* ---- stopping and resuming vCPUs (gdb_lock held) ---- */

/* Every active vCPU parked and none allowed to run. */
static bool
vm_stopped(void)
{
	return (gd.suspended != 0 && (gd.active & ~gd.waiting) == 0 &&
	    (gd.suspended & ~gd.waiting) == 0);
}

static int
thread_id(int vcpuid)
{
	return (vcpuid + 1);	/* gdb thread ids start at 1 */
}

static void detach_stopped(void);

/* The VM has just stopped: tell gdb, if it is waiting. */
static void
stopped(void)
{
	int id = gd.stopped_vcpu;
	struct vcpu_dbg *vs;

	if (gd.detaching) {
		detach_stopped();
		return;
	}
	/* all-stop: a step cut short by another stop is forgotten */
	for (int i = 0; i < VM_MAXCPU; i++) {
		if (gd.vs[i].stepping) {
			gd.vs[i].stepping = false;
			vm_set_capability(gd.vcpu[i], VM_CAP_MTRAP_EXIT, 0);
		}
	}
	if (!gd.reply_due)
		return;
	gd.reply_due = false;
	if (id >= 0) {
		vs = &gd.vs[id];
		gd.cur_vcpu = id;
		snprintf(gd.last_stop, sizeof(gd.last_stop), "T%02xthread:%x;%s",
		    SIG_TRAP, thread_id(id), vs->hit_swbreak ? "swbreak:;" : "");
		vs->hit_swbreak = false;
		vs->stepped = false;
	} else {
		snprintf(gd.last_stop, sizeof(gd.last_stop), "T%02xthread:%x;",
		    gd.stop_sig, thread_id(gd.cur_vcpu));
	}
	send_str(gd.last_stop);
}

/* Stop every vCPU: kick those that run; the last one to park reports. */
static void
suspend_vcpus(void)
{
	gd.suspended = gd.active != 0 ? gd.active : BIT(0);
	for (int i = 0; i < VM_MAXCPU; i++)
		if ((gd.active & ~gd.waiting) & BIT(i))
			vm_vcpu_kick(gd.vcpu[i]);
	if (vm_stopped())
		stopped();
}

static void
resume_vcpus(void)
{
	gd.stopped_vcpu = -1;
	gd.last_stop[0] = '\0';
	gd.suspended = 0;
	pthread_cond_broadcast(&gdb_idle);
}

/* Run one instruction on vCPU id, the others stay parked. */
static void
step_vcpu(int id)
{
	gd.vs[id].stepping = true;
	vm_set_capability(gd.vcpu[id], VM_CAP_MTRAP_EXIT, 1);
	gd.stopped_vcpu = -1;
	gd.last_stop[0] = '\0';
	gd.suspended &= ~BIT(id);
	pthread_cond_broadcast(&gdb_idle);
}

/*
 * A vCPU thread waits here while it must not run.  Timed, so that a VM
 * exit (which joins every vCPU thread) is never held up by a debugger.
 */
static void
park(int id)
{
	struct timespec ts;

	gd.waiting |= BIT(id);
	if (vm_stopped())
		stopped();
	while ((gd.suspended & BIT(id)) && !bhyve_exiting()) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&gdb_idle, &gdb_lock, &ts);
	}
	gd.waiting &= ~BIT(id);
}

static void
set_bpt_exits(int on)
{
	for (int i = 0; i < VM_MAXCPU; i++)
		if (gd.active & BIT(i))
			vm_set_capability(gd.vcpu[i], VM_CAP_BPT_EXIT, on);
}

/* gdb is gone and the VM is stopped: undo everything, run freely. */
static void
detach_stopped(void)
{
	struct gdb_memif mi = memif();

	gdb_bp_remove_all(&gd.bps, &mi);
	set_bpt_exits(0);
	for (int i = 0; i < VM_MAXCPU; i++) {
		if ((gd.active & BIT(i)) && gd.vs[i].stepping)
			vm_set_capability(gd.vcpu[i], VM_CAP_MTRAP_EXIT, 0);
		memset(&gd.vs[i], 0, sizeof(gd.vs[i]));
	}
	gd.detaching = false;
	gd.reply_due = false;
	resume_vcpus();
}

/* ---- the vCPU side (vCPU threads) ---- */

void
gdb_cpu_add(struct vcpu *vcpu)
{
	int id = vcpu_id(vcpu);

	if (!gd.enabled)
		return;
	pthread_mutex_lock(&gdb_lock);
	gd.vcpu[id] = vcpu;
	gd.active |= BIT(id);
	if (gd.bps.n > 0)
		vm_set_capability(vcpu, VM_CAP_BPT_EXIT, 1);
	/*
	 * Started while the VM is stopped (gdb.wait, or an AP started by a
	 * single step): wait before the first instruction.
	 */
	if (gd.suspended != 0) {
		gd.suspended |= BIT(id);
		park(id);
	}
	pthread_mutex_unlock(&gdb_lock);
}

void
gdb_cpu_suspend(struct vcpu *vcpu)
{
	int id = vcpu_id(vcpu);

	if (!gd.enabled)
		return;
	pthread_mutex_lock(&gdb_lock);
	if (gd.suspended & BIT(id))
		park(id);
	pthread_mutex_unlock(&gdb_lock);
}

void
gdb_cpu_mtrap(struct vcpu *vcpu)
{
	int id = vcpu_id(vcpu);
	struct vcpu_dbg *vs = &gd.vs[id];

	if (!gd.enabled)
		return;
	pthread_mutex_lock(&gdb_lock);
	vm_set_capability(vcpu, VM_CAP_MTRAP_EXIT, 0);
	if (vs->stepping) {
		vs->stepping = false;
		vs->stepped = true;
		/* until this step is the one reported (or gdb is gone) */
		while (vs->stepped && !bhyve_exiting()) {
			if (gd.stopped_vcpu < 0) {
				gd.stopped_vcpu = id;
				suspend_vcpus();
			}
			park(id);
		}
	}
	pthread_mutex_unlock(&gdb_lock);
}

void
gdb_cpu_breakpoint(struct vcpu *vcpu, struct vm_exit *vme)
{
	int id = vcpu_id(vcpu);
	struct vcpu_dbg *vs = &gd.vs[id];
	struct gdb_memif mi = memif();
	struct gdb_paging pg;
	uint64_t gpa;
	bool ours = false, int3 = true;
	uint8_t *p;

	pthread_mutex_lock(&gdb_lock);
	if (get_paging(vcpu, &pg) == 0 &&
	    gdb_gla2gpa(&pg, &mi, vme->rip, &gpa) == 0) {
		ours = gdb_bp_find(&gd.bps, gpa) != NULL;
		p = vm_map_gpa(gd.ctx, gpa, 1);
		int3 = p == NULL || *p == 0xcc;
	}
	if (ours && gd.enabled) {
		if (vs->stepping) {
			/* stepped onto a breakpoint: report that instead */
			vs->stepping = false;
			vm_set_capability(vcpu, VM_CAP_MTRAP_EXIT, 0);
		}
		vs->hit_swbreak = true;
		for (;;) {
			if (gd.stopped_vcpu < 0) {
				gd.stopped_vcpu = id;
				suspend_vcpus();
			}
			park(id);
			if (!vs->hit_swbreak || bhyve_exiting())
				break;		/* reported */
			if (gdb_bp_find(&gd.bps, gpa) == NULL) {
				/* removed before it was reported: go on */
				vs->hit_swbreak = false;
				break;
			}
		}
		/* RIP is still on the INT3's address: that instruction runs */
	} else if (int3) {
		/*
		 * The guest's own INT3: #BP, as it would have been without
		 * VM_CAP_BPT_EXIT (a trap: RIP after the INT3).
		 */
		vm_set_register(vcpu, VM_REG_GUEST_RIP,
		    vme->rip + vme->inst_length);
		vm_inject_exception(vcpu, 3, 0, 0, 0);
	}
	/*
	 * Else a breakpoint removed while this vCPU ran its stale decoded
	 * copy: the guest's byte is back, run it.
	 */
	pthread_mutex_unlock(&gdb_lock);
}

/* ---- commands (the event loop's thread, gdb_lock held) ---- */

static struct vcpu *
cur_vcpu(void)
{
	return (gd.vcpu[gd.cur_vcpu] != NULL ? gd.vcpu[gd.cur_vcpu] :
	    vm_vcpu_open(gd.ctx, gd.cur_vcpu));
}

static uint64_t
threads(void)
{
	return (gd.active | BIT(0));
}

/* "1f" -> vCPU 30; 0 (any) and -1 (all) -> *any; -1 on a bad id. */
static int
parse_thread(const char *s, int any)
{
	uint64_t t;

	if (s[0] == '-' && s[1] == '1')
		return (any);
	if (gdb_parse_hex(s, &t, NULL) != 0)
		return (-1);
	if (t == 0)
		return (any);
	if (t > VM_MAXCPU || !(threads() & BIT(t - 1)))
		return (-1);
	return ((int)t - 1);
}

static void
cmd_read_regs(void)
{
	struct vcpu *vcpu = cur_vcpu();
	uint64_t val[GDB_NREGS];
	bool have[GDB_NREGS], have_fx;
	uint8_t fx[GDB_FX_BYTES];

	for (int i = 0; i < GDB_NREGS; i++) {
		val[i] = 0;
		have[i] = gdb_regs[i].vmreg >= 0 &&
		    vm_get_register(vcpu, gdb_regs[i].vmreg, &val[i]) == 0;
	}
	/* x87/SSE: unavailable where the backend cannot give them */
	have_fx = vm_get_fpu(vcpu, fx) == 0;
	gdb_regs_encode(gd.reply, val, have, have_fx ? fx : NULL);
	send_str(gd.reply);
}

static int
write_reg(struct vcpu *vcpu, int regno, uint64_t v)
{
	uint64_t old;

	if (gdb_regs[regno].vmreg < 0)
		return (-EINVAL);
	if (!gdb_regs[regno].writable) {
		/* gdb writes back what it read along with the rest: fine */
		if (vm_get_register(vcpu, gdb_regs[regno].vmreg, &old) == 0 &&
		    old == v)
			return (0);
		return (-EPERM);
	}
	if (regno == GDB_REG_EFLAGS &&
	    vm_get_register(vcpu, VM_REG_GUEST_RFLAGS, &old) == 0)
		v = (old & ~0xffffffffULL) | (v & 0xffffffffULL);
	return (vm_set_register(vcpu, gdb_regs[regno].vmreg, v));
}

/*
 * G: general registers one by one; the x87/SSE ones are gathered into the
 * FXSAVE image and written once at the end, and only if gdb changed
 * something (it sends everything back with any one change).  A backend
 * without FPU access had them sent as unavailable: what gdb returns for
 * them (zeros) is ignored.
 */
static void
cmd_write_regs(const char *hex)
{
	struct vcpu *vcpu = cur_vcpu();
	uint8_t fx[GDB_FX_BYTES], fx0[GDB_FX_BYTES], b[GDB_REG_MAX];
	bool have, have_fx;
	uint64_t v;

	have_fx = vm_get_fpu(vcpu, fx0) == 0;
	if (have_fx)
		memcpy(fx, fx0, sizeof(fx));
	for (int i = 0; i < GDB_NREGS && *hex != '\0'; i++) {
		if (gdb_reg_is_fx(i)) {
			if (gdb_reg_decode_bytes(i, &hex, b, &have) != 0) {
				send_error(EINVAL);
				return;
			}
			if (have && have_fx && gdb_fx_put(i, fx, b) != 0) {
				send_error(EINVAL);
				return;
			}
			continue;
		}
		if (gdb_reg_decode(i, &hex, &v, &have) != 0) {
			send_error(EINVAL);
			return;
		}
		/* unwritable ones that gdb sends back unchanged are fine */
		if (have && gdb_regs[i].vmreg >= 0 &&
		    write_reg(vcpu, i, v) != 0) {
			send_error(EPERM);
			return;
		}
	}
	if (have_fx && memcmp(fx, fx0, sizeof(fx)) != 0 &&
	    vm_set_fpu(vcpu, fx) != 0) {
		send_error(EPERM);
		return;
	}
	send_str("OK");
}

static void
cmd_read_reg(const char *arg)
{
	uint64_t regno, v = 0;
	uint8_t fx[GDB_FX_BYTES];
	bool have;

	if (gdb_parse_hex(arg, &regno, NULL) != 0 || regno >= GDB_NREGS) {
		send_error(EINVAL);
		return;
	}
	if (gdb_reg_is_fx((int)regno)) {
		have = vm_get_fpu(cur_vcpu(), fx) == 0;
		gdb_reg_encode_fx(gd.reply, (int)regno, have ? fx : NULL);
		send_str(gd.reply);
		return;
	}
	have = gdb_regs[regno].vmreg >= 0 &&
	    vm_get_register(cur_vcpu(), gdb_regs[regno].vmreg, &v) == 0;
	gdb_reg_encode(gd.reply, (int)regno, v, have);
	send_str(gd.reply);
}

/* P for an x87/SSE register: read the image, change it, write it back. */
static int
write_fx_reg(struct vcpu *vcpu, int regno, const uint8_t b[GDB_REG_MAX])
{
	uint8_t fx[GDB_FX_BYTES];
	int error;

	if ((error = vm_get_fpu(vcpu, fx)) != 0 ||
	    (error = gdb_fx_put(regno, fx, b)) != 0)
		return (error);
	return (vm_set_fpu(vcpu, fx));
}

static void
cmd_write_reg(const char *arg)
{
	uint64_t regno, v = 0;
	uint8_t b[GDB_REG_MAX];
	const char *hex;
	bool have;
	int error;

	if (gdb_parse_hex(arg, &regno, &hex) != 0 || regno >= GDB_NREGS ||
	    *hex++ != '=') {
		send_error(EINVAL);
		return;
	}
	if (gdb_reg_is_fx((int)regno)) {
		if (gdb_reg_decode_bytes((int)regno, &hex, b, &have) != 0) {
			send_error(EINVAL);
			return;
		}
		/* a reserved MXCSR bit is EINVAL, anything else EPERM */
		error = have ? write_fx_reg(cur_vcpu(), (int)regno, b) : -EPERM;
	} else {
		if (gdb_reg_decode((int)regno, &hex, &v, &have) != 0) {
			send_error(EINVAL);
			return;
		}
		error = have && write_reg(cur_vcpu(), (int)regno, v) == 0 ?
		    0 : -EPERM;
	}
	if (error != 0) {
		send_error(error == -EINVAL ? EINVAL : EPERM);
		return;
	}
	send_str("OK");
}

/* "addr,len" then *rest after it */
static int
parse_addr_len(const char *s, uint64_t *addr, uint64_t *len,
    const char **rest)
{
	if (gdb_parse_hex(s, addr, &s) != 0 || *s++ != ',' ||
	    gdb_parse_hex(s, len, &s) != 0)
		return (-1);
	if (rest != NULL)
		*rest = s;
	return (0);
}

static long
mem_rw(uint64_t addr, uint8_t *buf, size_t len, bool write)
{
	struct gdb_memif mi = memif();
	struct gdb_paging pg;

	if (get_paging(cur_vcpu(), &pg) != 0)
		return (-EIO);
	return (gdb_mem_rw(&gd.bps, &pg, &mi, addr, buf, len, write));
}

static void
cmd_read_mem(const char *arg)
{
	uint8_t buf[GDB_PKT_MAX / 2];
	uint64_t addr, len;
	long n;

	if (parse_addr_len(arg, &addr, &len, NULL) != 0) {
		send_error(EINVAL);
		return;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);
	n = mem_rw(addr, buf, len, false);
	if (n < 0 || (n == 0 && len > 0)) {
		send_error(EFAULT);
		return;
	}
	gdb_hex_encode(gd.reply, buf, n);
	send_str(gd.reply);
}

/* M addr,len:hex and X addr,len:binary */
static void
cmd_write_mem(const char *arg, size_t arglen, bool binary)
{
	uint8_t buf[GDB_PKT_MAX];
	uint64_t addr, len;
	const char *data;
	long n;

	if (parse_addr_len(arg, &addr, &len, &data) != 0 || *data++ != ':' ||
	    len > sizeof(buf)) {
		send_error(EINVAL);
		return;
	}
	if (binary) {
		size_t raw = arglen - (size_t)(data - arg);
		memcpy(buf, data, raw);
		n = gdb_decode(buf, raw);
		if (n != (long)len) {
			send_error(EINVAL);
			return;
		}
	} else if (strlen(data) != 2 * len ||
	    gdb_hex_decode(buf, data, len) != 0) {
		send_error(EINVAL);
		return;
	}
	n = len == 0 ? 0 : mem_rw(addr, buf, len, true);
	if (n < 0 || (uint64_t)n != len) {
		send_error(EFAULT);
		return;
	}
	send_str("OK");
}

/* Z0/z0 addr,kind: software breakpoints; other kinds are not supported. */
static void
cmd_breakpoint(const char *arg, bool insert)
{
	struct gdb_memif mi = memif();
	struct gdb_paging pg;
	uint64_t addr, kind;
	int error;

	if (arg[0] != '0' || arg[1] != ',') {
		send_str("");	/* hardware breakpoints, watchpoints */
		return;
	}
	if (parse_addr_len(arg + 2, &addr, &kind, NULL) != 0) {
		send_error(EINVAL);
		return;
	}
	error = get_paging(cur_vcpu(), &pg);
	if (error == 0 && insert) {
		error = gdb_bp_insert(&gd.bps, &pg, &mi, addr);
		if (error == 0 && gd.bps.n == 1)
			set_bpt_exits(1);
	} else if (error == 0) {
		error = gdb_bp_remove(&gd.bps, &pg, &mi, addr);
		if (error == 0 && gd.bps.n == 0)
			set_bpt_exits(0);
	}
	if (error != 0)
		send_error(-error);
	else
		send_str("OK");
}

static void
set_rip(const char *arg)
{
	uint64_t rip;

	if (gdb_parse_hex(arg, &rip, NULL) == 0)
		vm_set_register(cur_vcpu(), VM_REG_GUEST_RIP, rip);
}

static void
do_continue(void)
{
	gd.reply_due = true;
	resume_vcpus();
}

static void
do_step(int id)
{
	gd.reply_due = true;
	step_vcpu(id);
}

/* vCont;action[:thread]... (c, C, s, S); a step wins over continues. */
static void
cmd_vcont(const char *s)
{
	int step = -1, id;

	while (*s == ';') {
		char a = s[1];

		s += 2;
		if (a == 'C' || a == 'S') {
			while (*s != '\0' && *s != ':' && *s != ';')
				s++;	/* the signal: nothing to deliver */
		} else if (a != 'c' && a != 's') {
			send_str("");
			return;
		}
		id = gd.cur_vcpu;
		if (*s == ':') {
			id = parse_thread(s + 1, gd.cur_vcpu);
			if (id < 0) {
				send_error(EINVAL);
				return;
			}
			while (*s != '\0' && *s != ';')
				s++;
		}
		if ((a == 's' || a == 'S') && step < 0)
			step = id;
	}
	if (step >= 0)
		do_step(step);
	else
		do_continue();
}

static void
cmd_query(const char *q)
{
	char buf[96];
	uint64_t off, len, t;
	size_t xlen = strlen(gdb_target_xml), n;

	if (strncmp(q, "qSupported", 10) == 0) {
		snprintf(buf, sizeof(buf), "PacketSize=%x;qXfer:features:read+;"
		    "swbreak+;QStartNoAckMode+", GDB_PKT_MAX);
		send_str(buf);
	} else if (strncmp(q, "qXfer:features:read:", 20) == 0) {
		q += 20;
		if (strncmp(q, "target.xml:", 11) != 0) {
			send_error(ENOENT);
			return;
		}
		if (parse_addr_len(q + 11, &off, &len, NULL) != 0) {
			send_error(EINVAL);
			return;
		}
		if (len > GDB_PKT_MAX / 2)
			len = GDB_PKT_MAX / 2;
		n = off >= xlen ? 0 : xlen - off < len ? xlen - off : len;
		gd.reply[0] = off + n < xlen ? 'm' : 'l';
		if (n > 0)
			memcpy(gd.reply + 1, gdb_target_xml + off, n);
		send_packet(gd.reply, n + 1, GDB_ESC);
	} else if (strcmp(q, "qfThreadInfo") == 0) {
		n = 0;
		buf[n++] = 'm';
		for (int i = 0; i < VM_MAXCPU && n < sizeof(buf) - 8; i++)
			if (threads() & BIT(i))
				n += snprintf(buf + n, sizeof(buf) - n, "%s%x",
				    n > 1 ? "," : "", thread_id(i));
		send_str(buf);
	} else if (strcmp(q, "qsThreadInfo") == 0) {
		send_str("l");
	} else if (strcmp(q, "qC") == 0) {
		snprintf(buf, sizeof(buf), "QC%x", thread_id(gd.cur_vcpu));
		send_str(buf);
	} else if (strcmp(q, "qAttached") == 0) {
		send_str("1");
	} else if (strncmp(q, "qThreadExtraInfo,", 17) == 0 &&
	    gdb_parse_hex(q + 17, &t, NULL) == 0 && t >= 1) {
		n = snprintf(buf, sizeof(buf) / 2, "vCPU %d", (int)t - 1);
		gdb_hex_encode(gd.reply, buf, n);
		send_str(gd.reply);
	} else if (strncmp(q, "qSymbol", 7) == 0) {
		send_str("OK");
	} else {
		send_str("");	/* not supported */
	}
}

static void
close_connection(void)
{
	bool stepping = false;

	if (gd.read_ev != NULL)
		mevent_delete_close(gd.read_ev);
	else if (gd.fd >= 0)
		close(gd.fd);
	gd.read_ev = NULL;
	gd.fd = -1;
	gd.reply_due = false;
	/* gdb left: breakpoints out, the VM runs freely */
	if (vm_stopped()) {
		detach_stopped();
		return;
	}
	for (int i = 0; i < VM_MAXCPU; i++)
		stepping |= gd.vs[i].stepping;
	if (gd.bps.n == 0 && !stepping)
		return;		/* running, nothing to undo */
	gd.detaching = true;
	suspend_vcpus();
}

/* Commands that need the VM stopped. */
static bool
needs_stop(char c)
{
	return (strchr("gGpPmMXZzcsCSv", c) != NULL);
}

static void
handle_packet(char *pkt, size_t len)
{
	int id;

	if (needs_stop(pkt[0]) && !vm_stopped() &&
	    strncmp(pkt, "vCont?", 6) != 0 &&
	    strncmp(pkt, "vMustReplyEmpty", 15) != 0) {
		send_error(EBUSY);
		return;
	}
	switch (pkt[0]) {
	case '?':
		if (vm_stopped() && !gd.reply_due) {
			if (gd.last_stop[0] == '\0')
				snprintf(gd.last_stop, sizeof(gd.last_stop),
				    "T%02xthread:%x;", gd.stop_sig,
				    thread_id(gd.cur_vcpu));
			send_str(gd.last_stop);
		} else {
			gd.reply_due = true;	/* when the stop completes */
		}
		break;
	case 'g':
		cmd_read_regs();
		break;
	case 'G':
		cmd_write_regs(pkt + 1);
		break;
	case 'p':
		cmd_read_reg(pkt + 1);
		break;
	case 'P':
		cmd_write_reg(pkt + 1);
		break;
	case 'm':
		cmd_read_mem(pkt + 1);
		break;
	case 'M':
		cmd_write_mem(pkt + 1, len - 1, false);
		break;
	case 'X':
		cmd_write_mem(pkt + 1, len - 1, true);
		break;
	case 'Z':
	case 'z':
		cmd_breakpoint(pkt + 1, pkt[0] == 'Z');
		break;
	case 'c':
		set_rip(pkt + 1);
		do_continue();
		break;
	case 's':
		set_rip(pkt + 1);
		do_step(gd.cur_vcpu);
		break;
	case 'H':
		id = parse_thread(pkt + 2, -2);
		if (id < 0 && id != -2) {
			send_error(EINVAL);
			break;
		}
		if (pkt[1] == 'g' && id >= 0)
			gd.cur_vcpu = id;
		send_str("OK");
		break;
	case 'T':
		send_str(parse_thread(pkt + 1, -1) >= 0 ? "OK" : "E01");
		break;
	case 'q':
		cmd_query(pkt);
		break;
	case 'Q':
		if (strcmp(pkt, "QStartNoAckMode") == 0) {
			send_str("OK");
			gd.noack = true;
		} else {
			send_str("");
		}
		break;
	case 'v':
		if (strcmp(pkt, "vCont?") == 0)
			send_str("vCont;c;C;s;S");
		else if (strncmp(pkt, "vCont;", 6) == 0)
			cmd_vcont(pkt + 5);
		else
			send_str("");
		break;
	case 'D':
		send_str("OK");
		if (vm_stopped())
			detach_stopped();
		break;
	case 'k':
		/* kill: end lhyve as a power-off would (no reply, per spec) */
		bhyve_request_exit(EXIT_POWEROFF);
		resume_vcpus();
		break;
	default:
		send_str("");
	}
}

static void
read_cb(int fd, enum ev_type type, void *arg)
{
	uint8_t buf[4096];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	pthread_mutex_lock(&gdb_lock);
	if (n <= 0) {
		close_connection();
		pthread_mutex_unlock(&gdb_lock);
		return;
	}
	for (ssize_t i = 0; i < n && gd.fd >= 0; i++) {
		switch (gdb_rx_byte(&gd.rx, buf[i])) {
		case GDB_RX_PACKET:
			if (!gd.noack)
				send_raw("+", 1);
			handle_packet((char *)gd.rx.buf, gd.rx.len);
			break;
		case GDB_RX_BADSUM:
		case GDB_RX_OVERFLOW:
			if (!gd.noack)
				send_raw("-", 1);
			break;
		case GDB_RX_NAK:
			send_raw(gd.out, gd.outlen);
			break;
		case GDB_RX_INTR:
			/* Ctrl-C: stop everything, report SIGINT */
			if (!vm_stopped() && gd.stopped_vcpu < 0) {
				gd.stop_sig = SIG_INT;
				gd.reply_due = true;
				suspend_vcpus();
			}
			break;
		default:
			break;
		}
	}
	pthread_mutex_unlock(&gdb_lock);
}

static void
accept_cb(int fd, enum ev_type type, void *arg)
{
	int s, one = 1;

	s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0)
		return;
	pthread_mutex_lock(&gdb_lock);
	if (gd.fd >= 0 || gd.detaching) {
		/* one debugger at a time */
		pthread_mutex_unlock(&gdb_lock);
		close(s);
		return;
	}
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	gd.fd = s;
	gd.noack = false;
	gdb_rx_init(&gd.rx);
	gd.read_ev = mevent_add(s, EVF_READ, read_cb, NULL);
	if (gd.read_ev == NULL) {
		close(s);
		gd.fd = -1;
		pthread_mutex_unlock(&gdb_lock);
		return;
	}
	/* gdb expects a stopped target after it attaches */
	gd.stop_sig = SIG_TRAP;
	gd.last_stop[0] = '\0';
	if (!vm_stopped())
		suspend_vcpus();
	pthread_mutex_unlock(&gdb_lock);
}

/* ---- start-up ---- */

static int
gdb_listen(const char *addr, const char *port, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *ai, *a;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[64], serv[16];
	int s = -1, one = 1, error;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	error = getaddrinfo(addr, port, &hints, &ai);
	if (error != 0) {
		snprintf(err, errlen, "gdb: %s:%s: %s", addr, port,
		    gai_strerror(error));
		return (-1);
	}
	for (a = ai; a != NULL && s < 0; a = a->ai_next) {
		s = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (s < 0)
			continue;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, a->ai_addr, a->ai_addrlen) != 0 ||
		    listen(s, 1) != 0) {
			error = errno;
			close(s);
			s = -1;
		}
	}
	freeaddrinfo(ai);
	if (s < 0) {
		snprintf(err, errlen, "gdb: cannot listen on %s:%s: %s", addr,
		    port, strerror(error != 0 ? error : EADDRNOTAVAIL));
		return (-1);
	}
	/* the port actually bound (gdb.port=0 picks a free one) */
	if (getsockname(s, (struct sockaddr *)&ss, &sl) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv,
	    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		fprintf(stderr, "lhyve: gdb: listening on %s%s%s:%s\n",
		    strchr(host, ':') != NULL ? "[" : "", host,
		    strchr(host, ':') != NULL ? "]" : "", serv);
	return (s);
}

int
init_gdb(struct vmctx *ctx, char *err, size_t errlen)
{
	const char *port, *addr;
	char host[64];
	struct vcpu *bsp;
	int v;

	port = get_config_value("gdb.port");
	if (port == NULL)
		return (0);
	addr = get_config_value("gdb.address");
	if (addr == NULL)
		addr = "127.0.0.1";	/* bhyve: localhost unless told */
	/* "[::1]" (-G [::1]:port): the brackets are not the address */
	if (addr[0] == '[' && strlen(addr) >= 2 &&
	    addr[strlen(addr) - 1] == ']' && strlen(addr) < sizeof(host)) {
		snprintf(host, sizeof(host), "%.*s", (int)strlen(addr) - 2,
		    addr + 1);
		addr = host;
	}
	bsp = vm_vcpu_open(ctx, 0);
	if (bsp == NULL || vm_get_capability(bsp, VM_CAP_BPT_EXIT, &v) != 0 ||
	    vm_get_capability(bsp, VM_CAP_MTRAP_EXIT, &v) != 0) {
		snprintf(err, errlen, "-G (gdb.port): the %s backend has no "
		    "breakpoint and single-step exits yet; use -o backend=emu",
		    vm_backend_name(ctx));
		return (-1);
	}
	gd.ctx = ctx;
	gd.listen_fd = gdb_listen(addr, port, err, errlen);
	if (gd.listen_fd < 0)
		return (-1);
	gd.listen_ev = mevent_add(gd.listen_fd, EVF_READ, accept_cb, NULL);
	if (gd.listen_ev == NULL) {
		snprintf(err, errlen, "gdb: cannot watch the listening socket");
		close(gd.listen_fd);
		return (-1);
	}
	gd.enabled = true;
	if (get_config_bool_default("gdb.wait", false)) {
		/* vCPU 0 parks in gdb_cpu_add until gdb resumes it */
		gd.suspended = BIT(0);
		gd.stop_sig = SIG_TRAP;
	}
	return (0);
}
