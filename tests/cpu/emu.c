/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * emu.c: runs test cases in lhyve's emu backend through the public
 * backend seam (vmm/vmm.h) only.  One VM for the whole run: long mode
 * with the first 4 GiB identity-mapped (x86_setup_long, the loaders'
 * helper), an IDT whose 32 exception gates (on their own IST stack) each
 * report their vector with "out %al, $(0xc0 + vector)", and per case the
 * instruction followed by "out %al, $0x80" at the same address the native
 * run uses.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boot/x86_setup.h"
#include "vmm/vmm.h"
#include "cputest.h"

#define EMU_RAM		(8ULL << 20)
#define EMU_HANG_MS	3000
/* The code selector x86_setup_long() loads (x86_setup.h). */
#define CT_SEL_CODE	0x10

static struct vmctx *ctx;
static struct vcpu *vcpu;

/* What the exit handler saw during the current case. */
static struct {
	bool done;
	int port;		/* -1: some other exit */
	int exitcode;
	uint64_t rip;
} ex;

/* Watchdog: kicks the vCPU if one case runs for too long. */
static pthread_t wd_thread;
static _Atomic uint64_t wd_case;	/* case serial, 0 = idle */
static _Atomic bool wd_fired;
static _Atomic bool wd_stop;

static const int vmreg[16] = {
	VM_REG_GUEST_RAX, VM_REG_GUEST_RCX, VM_REG_GUEST_RDX, VM_REG_GUEST_RBX,
	VM_REG_GUEST_RSP, VM_REG_GUEST_RBP, VM_REG_GUEST_RSI, VM_REG_GUEST_RDI,
	VM_REG_GUEST_R8, VM_REG_GUEST_R9, VM_REG_GUEST_R10, VM_REG_GUEST_R11,
	VM_REG_GUEST_R12, VM_REG_GUEST_R13, VM_REG_GUEST_R14, VM_REG_GUEST_R15,
};

static int
exit_handler(struct vcpu *v, struct vm_exit *vme)
{
	ex.done = true;
	ex.exitcode = vme->exitcode;
	ex.rip = vme->rip;
	if (vme->exitcode == VM_EXITCODE_INOUT && !vme->u.inout.in)
		ex.port = vme->u.inout.port;
	else
		ex.port = -1;
	if (vme->exitcode == VM_EXITCODE_INOUT && vme->u.inout.in)
		vme->u.inout.eax = 0xffffffff;
	if (vme->exitcode == VM_EXITCODE_MMIO && vme->u.mmio.read)
		vme->u.mmio.data = ~0ULL;
	return (VMEXIT_ABORT);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void *
watchdog(void *arg)
{
	uint64_t seen = 0, since = 0;

	while (!atomic_load(&wd_stop)) {
		uint64_t cur = atomic_load(&wd_case);

		usleep(50 * 1000);
		if (cur == 0 || cur != seen) {
			seen = cur;
			since = now_ms();
			continue;
		}
		if (now_ms() - since > EMU_HANG_MS &&
		    atomic_load(&wd_case) == cur && !atomic_load(&wd_fired)) {
			atomic_store(&wd_fired, true);
			vm_vcpu_kick(vcpu);
		}
	}
	return (NULL);
}

static void
put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* REX.W 0F AE /d [disp32] (FXSAVE64 /0, FXRSTOR64 /1); the next byte. */
static uint8_t *
put_fxop(uint8_t *p, int d, uint64_t addr)
{
	uint32_t a = (uint32_t)addr;

	p[0] = 0x48;
	p[1] = 0x0f;
	p[2] = 0xae;
	p[3] = (uint8_t)(d << 3 | 4);	/* mod 00, rm 100: SIB */
	p[4] = 0x25;			/* no index, no base: disp32 */
	memcpy(p + 5, &a, 4);
	return (p + 9);
}

/*
 * 64-bit interrupt gates (SDM vol. 3 §6.14.1) to the reporting stubs, all
 * on IST 1 (§6.14.5) so that delivery never depends on the test's RSP.
 */
static int
build_idt(char *err, size_t errlen)
{
	uint8_t *idt = vm_map_gpa(ctx, CT_IDT_ADDR, 32 * 16);
	uint8_t *stub = vm_map_gpa(ctx, CT_STUB_ADDR, 32 * 16);
	uint8_t *tss;
	int error;

	if (idt == NULL || stub == NULL) {
		snprintf(err, errlen, "cannot map the IDT");
		return (-1);
	}
	for (int v = 0; v < 32; v++) {
		uint64_t h = CT_STUB_ADDR + 16 * (uint64_t)v;
		uint8_t *g = idt + 16 * v, *s = stub + 16 * v;

		/* IST 1: the frame goes to its own stack, whatever RSP the
		 * instruction under test left (it may be any value). */
		put64(g, (h & 0xffff) | (uint64_t)CT_SEL_CODE << 16 |
		    1ULL << 32 | 0x8eULL << 40 | ((h >> 16) & 0xffff) << 48);
		put64(g + 8, h >> 32);
		/* fxsave64 [CT_FXOUT_ADDR]: the x87/SSE state at the
		 * fault, as the native signal frame has it */
		s = put_fxop(s, 0, CT_FXOUT_ADDR);
		s[0] = 0xe6;			/* out %al, $(0xc0 + v) */
		s[1] = (uint8_t)(CT_PORT_VEC + v);
		s[2] = 0xf4;			/* hlt */
		s[3] = 0xeb;			/* jmp .-3 (the hlt) */
		s[4] = 0xfd;
	}
	/* 64-bit TSS (SDM vol. 3 §8.7): IST1 at offset 0x24. */
	tss = vm_map_gpa(ctx, CT_TSS_ADDR, 104);
	if (tss == NULL) {
		snprintf(err, errlen, "cannot map the TSS");
		return (-1);
	}
	memset(tss, 0, 104);
	put64(tss + 0x24, CT_IST_TOP);
	vm_notify_write(ctx, CT_TSS_ADDR, 104);
	vm_notify_write(ctx, CT_IDT_ADDR, 32 * 16);
	vm_notify_write(ctx, CT_STUB_ADDR, 32 * 16);
	error = vm_set_desc(vcpu, VM_REG_GUEST_IDTR, CT_IDT_ADDR, 32 * 16 - 1,
	    0);
	if (error == 0)
		error = vm_set_desc(vcpu, VM_REG_GUEST_TR, CT_TSS_ADDR, 103,
		    X86_ACC_TSS);
	if (error != 0) {
		snprintf(err, errlen, "vm_set_desc(IDTR/TR): %s",
		    strerror(-error));
		return (-1);
	}
	return (0);
}

/*
 * x87/SSE cases start at CT_FXPRO_ADDR: FXRSTOR64 of the case's image,
 * then a jump to the test code (whose tail saves the state again).  The
 * backend has no FPU-state API in vmm.h, so the guest moves it itself.
 * CR4.OSFXSR and OSXMMEXCPT (SDM vol. 3 §2.5): SSE enabled, unmasked SIMD
 * exceptions are #XM (19) as under Linux natively.  CR0.MP with NE: WAIT
 * honours TS, x87 errors are #MF.
 */
static int
build_fx(char *err, size_t errlen)
{
	uint8_t *p = vm_map_gpa(ctx, CT_FXPRO_ADDR, 16);
	uint64_t cr0, cr4;
	int32_t rel;

	if (p == NULL) {
		snprintf(err, errlen, "cannot map the FXRSTOR stub");
		return (-1);
	}
	p = put_fxop(p, 1, CT_FXIN_ADDR);
	p[0] = 0xe9;			/* jmp rel32 CT_CODE_ADDR */
	rel = (int32_t)(CT_CODE_ADDR - (CT_FXPRO_ADDR + 9 + 5));
	memcpy(p + 1, &rel, 4);
	vm_notify_write(ctx, CT_FXPRO_ADDR, 16);
	if (vm_get_register(vcpu, VM_REG_GUEST_CR0, &cr0) != 0 ||
	    vm_get_register(vcpu, VM_REG_GUEST_CR4, &cr4) != 0 ||
	    vm_set_register(vcpu, VM_REG_GUEST_CR0, (cr0 | 0x2) &
	    ~(uint64_t)0xc) != 0 ||
	    vm_set_register(vcpu, VM_REG_GUEST_CR4, cr4 | 0x600) != 0) {
		snprintf(err, errlen, "cannot set CR0/CR4 for SSE");
		return (-1);
	}
	return (0);
}

int
ct_emu_init(char *err, size_t errlen)
{
	int error;

	ctx = vm_create("cpu-test", "emu", 1, err, errlen);
	if (ctx == NULL)
		return (-1);
	error = vm_setup_memory(ctx, EMU_RAM);
	if (error != 0) {
		snprintf(err, errlen, "vm_setup_memory: %s", strerror(-error));
		goto fail;
	}
	vcpu = vm_vcpu_open(ctx, 0);
	if (vcpu == NULL) {
		snprintf(err, errlen, "vm_vcpu_open: %s", strerror(errno));
		goto fail;
	}
	vm_set_exit_handler(ctx, exit_handler);
	/* HLT after a report must come back to us, not wait for an IRQ. */
	(void)vm_set_capability(vcpu, VM_CAP_HALT_EXIT, 1);
	if (x86_setup_long(ctx, vcpu, CT_CODE_ADDR, CT_STACK_PAGE + 0x800, err,
	    errlen) != 0)
		goto fail;
	if (build_idt(err, errlen) != 0)
		goto fail;
	if (build_fx(err, errlen) != 0)
		goto fail;
	if (pthread_create(&wd_thread, NULL, watchdog, NULL) != 0) {
		snprintf(err, errlen, "cannot start the watchdog thread");
		goto fail;
	}
	return (0);
fail:
	vm_destroy(ctx);
	ctx = NULL;
	return (-1);
}

void
ct_emu_fini(void)
{
	if (ctx == NULL)
		return;
	atomic_store(&wd_stop, true);
	pthread_join(wd_thread, NULL);
	vm_destroy(ctx);
	ctx = NULL;
}

/*
 * DS, ES and SS: the flat 4 GiB data segment x86_setup_long() loaded, or
 * the 16-bit one of the m16 forms; only rewritten when that changes or
 * an exception went through the IDT meanwhile.
 */
static int segs_cur = -1;

static int
set_data_segs(bool seg16)
{
	static const int regs[3] = { VM_REG_GUEST_DS, VM_REG_GUEST_ES,
	    VM_REG_GUEST_SS };
	int error;

	if (segs_cur == (int)seg16)
		return (0);
	for (int i = 0; i < 3; i++) {
		if (seg16)
			error = vm_set_desc(vcpu, regs[i], CT_SEG16_DATA, 0xffff,
			    SEG_ACC_TYPE(0x3) | SEG_ACC_S | SEG_ACC_P);
		else
			error = vm_set_desc(vcpu, regs[i], 0, 0xffffffff,
			    X86_ACC_DATA);
		if (error != 0)
			return (error);
	}
	segs_cur = seg16;
	return (0);
}

static void
fail(struct ct_result *res, int status, const char *fmt, int a)
{
	res->status = status;
	snprintf(res->why, sizeof(res->why), fmt, a);
}

/* Exceptions that push an error code (SDM vol. 3 §6.13). */
static bool
vec_has_err(int v)
{
	return (v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
	    v == 29 || v == 30);
}

void
ct_emu_run(const struct ct_case *c, const uint8_t *bg, struct ct_result *res)
{
	static uint64_t serial;
	uint64_t before[VMST_LAST], after[VMST_LAST];
	struct vm_exit vme;
	uint8_t *code, *mem, *tail;
	int error, len = c->len;

	memset(&res->st, 0, sizeof(res->st));
	res->vector = -1;
	res->status = ST_OK;
	res->why[0] = '\0';
	code = vm_map_gpa(ctx, CT_CODE_ADDR, 64);
	mem = vm_map_gpa(ctx, CT_MEM_ADDR, CT_MEM_SIZE);
	if (code == NULL || mem == NULL) {
		fail(res, ST_EMU_ERROR, "vm_map_gpa failed", 0);
		return;
	}
	memcpy(code, c->insn, len);
	tail = c->fpu ? put_fxop(code + len, 0, CT_FXOUT_ADDR) : code + len;
	tail[0] = 0xe6;				/* out %al, $0x80 */
	tail[1] = CT_PORT_DONE;
	tail[2] = 0xf4;				/* hlt */
	tail[3] = 0xeb;				/* jmp .-3 */
	tail[4] = 0xfd;
	vm_notify_write(ctx, CT_CODE_ADDR, (size_t)(tail - code) + 5);
	if (c->fpu) {
		uint8_t *fx = vm_map_gpa(ctx, CT_FXIN_ADDR, 2 * CT_FX_SIZE);

		if (fx == NULL) {
			fail(res, ST_EMU_ERROR, "vm_map_gpa(fx) failed", 0);
			return;
		}
		memcpy(fx, c->fx, CT_FX_SIZE);
		memset(fx + CT_FX_SIZE, 0, CT_FX_SIZE);
		vm_notify_write(ctx, CT_FXIN_ADDR, 2 * CT_FX_SIZE);
	}
	ct_case_memory(c, bg, mem);
	vm_notify_write(ctx, CT_MEM_ADDR, CT_MEM_SIZE);
	for (int i = 0; i < 16; i++) {
		error = vm_set_register(vcpu, vmreg[i], c->in.gpr[i]);
		if (error != 0) {
			fail(res, ST_EMU_ERROR, "vm_set_register(%d) failed",
			    vmreg[i]);
			return;
		}
	}
	/* 64-bit code or compatibility mode: CS.L (an exception's gate
	 * leaves CS 64-bit, so set it for every case); 16-bit code: CS and
	 * DS/ES/SS as native.c's LDT entries (cputest.h, CT_SEG16_*) */
	if (c->m16)
		error = vm_set_desc(vcpu, VM_REG_GUEST_CS, CT_SEG16_CODE,
		    0xffff, SEG_ACC_TYPE(0xb) | SEG_ACC_S | SEG_ACC_P);
	else
		error = vm_set_desc(vcpu, VM_REG_GUEST_CS, 0, 0xffffffff,
		    c->m32 ? X86_ACC_CODE32 : X86_ACC_CODE64);
	if (error == 0)
		error = set_data_segs(c->m16);
	if (error == 0)
		error = vm_set_register(vcpu, VM_REG_GUEST_FS_BASE, c->fsbase);
	if (error == 0)
		error = vm_set_register(vcpu, VM_REG_GUEST_GS_BASE, c->gsbase);
	if (error != 0) {
		fail(res, ST_EMU_ERROR, "vm_set_desc(CS..GS) failed: %d",
		    error);
		return;
	}
	if (vm_set_register(vcpu, VM_REG_GUEST_RIP, c->fpu ? CT_FXPRO_ADDR :
	    c->m16 ? 0 : CT_CODE_ADDR) != 0 ||
	    vm_set_register(vcpu, VM_REG_GUEST_RFLAGS, c->in.rflags) != 0) {
		fail(res, ST_EMU_ERROR, "cannot set RIP/RFLAGS", 0);
		return;
	}
	vm_get_stats(vcpu, before);
	memset(&ex, 0, sizeof(ex));
	ex.port = -1;
	atomic_store(&wd_fired, false);
	atomic_store(&wd_case, ++serial);
	for (int tries = 0; !ex.done && tries < 16; tries++) {
		memset(&vme, 0, sizeof(vme));
		error = vm_run(vcpu, &vme);
		if (ex.done)
			break;
		if (error != 0) {
			fail(res, ST_EMU_ERROR, "vm_run: error %d", error);
			break;
		}
		if (vme.exitcode == VM_EXITCODE_INOUT && !vme.u.inout.in) {
			/* a backend that returns exits instead of calling */
			ex.done = true;
			ex.port = vme.u.inout.port;
			ex.rip = vme.rip;
			break;
		}
		if (vme.exitcode == VM_EXITCODE_DEBUG &&
		    atomic_load(&wd_fired)) {
			fail(res, ST_EMU_HANG, "emu: no report within %d ms "
			    "(hang?)", EMU_HANG_MS);
			break;
		}
		if (vme.exitcode != VM_EXITCODE_BOGUS &&
		    vme.exitcode != VM_EXITCODE_DEBUG) {
			fail(res, ST_EMU_ERROR, "emu: unexpected exit code %d",
			    vme.exitcode);
			break;
		}
	}
	atomic_store(&wd_case, 0);
	vm_get_stats(vcpu, after);
	if (res->status == ST_OK && !ex.done)
		fail(res, ST_EMU_ERROR, "emu: vm_run kept returning", 0);
	if (res->status == ST_OK && ex.port < 0)
		fail(res, ST_EMU_ERROR, "emu: unexpected exit code %d",
		    ex.exitcode);
	for (int i = 0; i < 16; i++)
		vm_get_register(vcpu, vmreg[i], &res->st.gpr[i]);
	vm_get_register(vcpu, VM_REG_GUEST_RFLAGS, &res->st.rflags);
	/* 16-bit code: report CS.base + IP, as native.c does */
	res->st.rip = ex.rip + (c->m16 ? CT_SEG16_CODE : 0);
	if (c->fpu && ex.port == CT_PORT_DONE)
		res->st.rip -= 9;		/* the FXSAVE64 before the out */
	if (c->fpu) {
		uint8_t *fx = vm_map_gpa(ctx, CT_FXOUT_ADDR, CT_FX_SIZE);

		if (fx != NULL)
			memcpy(res->fx, fx, CT_FX_SIZE);
	}
	if (res->status == ST_OK && ex.port >= CT_PORT_VEC &&
	    ex.port < CT_PORT_VEC + 32) {
		/* The gate's frame: [err], RIP, CS, RFLAGS, RSP, SS. */
		int v = ex.port - CT_PORT_VEC;
		uint64_t sp = res->st.gpr[R_SP] + (vec_has_err(v) ? 8 : 0);
		uint64_t *frame = vm_map_gpa(ctx, sp, 40);

		res->vector = v;
		segs_cur = -1;
		if (frame == NULL) {
			fail(res, ST_EMU_ERROR, "emu: exception frame at "
			    "unmapped RSP (vector %d)", v);
		} else {
			res->st.rip = frame[0] + (c->m16 ? CT_SEG16_CODE : 0);
			res->st.rflags = frame[2];
			res->st.gpr[R_SP] = frame[3];
		}
	} else if (res->status == ST_OK && ex.port != CT_PORT_DONE) {
		fail(res, ST_EMU_ERROR, "emu: unexpected out to port 0x%x",
		    ex.port);
	}
	if (after[VMST_UD_UNIMPL] > before[VMST_UD_UNIMPL])
		fail(res, ST_EMU_UNIMPL, "emu: not implemented (#UD counted "
		    "as unimplemented)", 0);
	res->end_rip = res->st.rip;
	memcpy(res->mem, mem, CT_MEM_SIZE);
}
