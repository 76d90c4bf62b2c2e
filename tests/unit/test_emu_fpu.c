/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_emu_fpu.c: unit tests of the emu backend's x87 FPU with the host
 * as the oracle (the harness of test_emu_sse.c): x87 sequences run as
 * guest code and as host code from the same data and FXSAVE image, under
 * several control words (rounding and precision control), and the data
 * area plus a final FXSAVE64 (registers, tags, FSW, FCW, FOP) must match
 * byte for byte.  #NM/#MF behaviour and FNSTENV/FNSAVE layouts are
 * checked on the emulator alone.
 */
#include <stdlib.h>

#include "test_emu.h"

#define DATA_GPA	0x30000
#define DATA_SIZE	0x2000
#define CMP_SIZE	0x1200
#define FX_OUT		0x1000
#define INIT_IMG	0x1c00

#define PROLOGUE "fxrstor64 0x1c00(%rbx)\n ldmxcsr 0x3f0(%rbx)\n"

/* one sequence, as guest code (g_name) and as host code (n_name) */
#define DIFF(name, body)						\
	SNIPPET(g_##name, ".code64", "mov $0x30000, %rbx\n" PROLOGUE	\
	    body "\nfxsave64 0x1000(%rbx)\n hlt\n");			\
	__asm__(".text\n.globl n_" #name "\nn_" #name ":\n"		\
	    "push %rbx\n push %rbp\n push %r12\n push %r13\n"		\
	    "push %r14\n push %r15\n mov %rdi, %rbx\n"			\
	    "fxsave64 0x1800(%rbx)\n" PROLOGUE body "\n"		\
	    "fxsave64 0x1000(%rbx)\n fxrstor64 0x1800(%rbx)\n"		\
	    "pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n"	\
	    "pop %rbx\n ret\n");					\
	void n_##name(void *)

#define SAVE_FLAGS(off) "pushfq\n pop %rax\n and $0x8d5, %rax\n mov %rax, " \
	#off "(%rbx)\n"


/* arithmetic, loads/stores of every width, transcendental, compares */
DIFF(x87ops,
    "fldl 0x120(%rbx)\n flds 0x100(%rbx)\n faddp\n"
    "fld1\n fldpi\n fmul %st(1), %st\n fdivrp %st, %st(2)\n fsqrt\n"
    "fldl2e\n fldl2t\n fldlg2\n fldln2\n fldz\n"
    "fsubp %st, %st(3)\n fsubrp %st, %st(1)\n fdivr %st(2), %st\n"
    "fstpt 0x400(%rbx)\n fstpl 0x410(%rbx)\n fsts 0x418(%rbx)\n"
    "fildl 0x40(%rbx)\n fildq 0x48(%rbx)\n filds 0x44(%rbx)\n"
    "fiaddl 0x50(%rbx)\n fimuls 0x54(%rbx)\n fisubrl 0x58(%rbx)\n"
    "fidivs 0x5c(%rbx)\n ficompl 0x60(%rbx)\n fnstsw %ax\n"
    "mov %ax, 0x420(%rbx)\n"
    "fxch %st(2)\n fchs\n fabs\n fcomi %st(1), %st\n" SAVE_FLAGS(0x428)
    "fucomi %st(3), %st\n" SAVE_FLAGS(0x430)
    "fcmovbe %st(2), %st\n fcmovnu %st(1), %st\n"
    "fistl 0x438(%rbx)\n fists 0x43c(%rbx)\n fistpq 0x440(%rbx)\n"
    "fld %st(0)\n fisttpl 0x448(%rbx)\n fld %st(1)\n fbstp 0x450(%rbx)\n"
    "fbld 0x450(%rbx)\n fldt 0x400(%rbx)\n"
    "fsin\n fcos\n fptan\n fpatan\n fld1\n fchs\n f2xm1\n"
    "fyl2x\n fld %st(1)\n fscale\n fprem\n fprem1\n frndint\n"
    "fxtract\n fyl2xp1\n fsincos\n"
    "fcom %st(2)\n fcomp %st(3)\n fucom %st(1)\n fnstsw 0x460(%rbx)\n"
    "ftst\n fxam\n fnstsw %ax\n mov %ax, 0x464(%rbx)\n"
    "fadds 0x100(%rbx)\n fmull 0x128(%rbx)\n fsubs 0x108(%rbx)\n"
    "fdivl 0x130(%rbx)\n fdivrs 0x110(%rbx)\n fsubrl 0x138(%rbx)\n"
    "fcoms 0x104(%rbx)\n fcompl 0x120(%rbx)\n fnstsw %ax\n"
    "mov %ax, 0x468(%rbx)\n"
    "fdecstp\n fincstp\n ffree %st(3)\n fnop\n"
    "fstps 0x470(%rbx)\n fstpl 0x478(%rbx)\n fucompp\n"
    "fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n"
    "fnstsw %ax\n mov %ax, 0x480(%rbx)\n fnclex\n"
    "fstpt 0x490(%rbx)\n fstpt 0x4a0(%rbx)\n"
    "fldz\n fld1\n fdiv %st(1), %st\n fnstsw %ax\n mov %ax, 0x4b0(%rbx)\n"
    "fldl 0x148(%rbx)\n fstps 0x4b8(%rbx)\n fnstsw %ax\n"
    "mov %ax, 0x4bc(%rbx)\n");

/* MMX state after x87 use, EMMS */
DIFF(x87mmx,
    "fld1\n fldpi\n movq 0x00(%rbx), %mm2\n paddd %mm2, %mm2\n"
    "fnstsw %ax\n mov %ax, 0x400(%rbx)\n emms\n fldl2t\n");

/* ---- harness ---- */

static uint8_t nat[DATA_SIZE] __attribute__((aligned(64)));
static uint8_t init_data[DATA_SIZE] __attribute__((aligned(64)));

static void
fill(uint32_t fcw, unsigned seed)
{
	static const float fv[] = { 1.5f, -0.0f, 1e-40f, __builtin_nanf(""),
	    __builtin_inff(), -__builtin_inff(), 3e38f, -2.75f,
	    0.1f, 1e-45f, -7.0f, 2.5f, 16777217.0f, -1e-39f, 0.0f, 65536.5f };
	static const double dv[] = { 1.0 / 3.0, -0.0, 4.9e-324,
	    __builtin_inf(), -2.5, 1e308, __builtin_nan(""), 3.5,
	    -1e-310, 2.0 };
	unsigned s = seed;
	uint32_t v32;
	uint16_t v16;

	memset(init_data, 0, sizeof(init_data));
	for (int k = 0; k < 0x100; k++) {
		s = s * 1103515245 + 12345;
		init_data[k] = s >> 16;
	}
	/* a NUL and a few repeats for the string compares */
	init_data[0x85] = 0;
	memcpy(init_data + 0x90, init_data + 0x80, 8);
	memcpy(init_data + 0x100, fv, sizeof(fv));
	memcpy(init_data + 0x120, dv, sizeof(dv));
	v32 = 0x1f80;
	memcpy(init_data + 0x3f0, &v32, 4);
	/* initial FXSAVE image: FCW 037F, MXCSR, everything else 0 */
	v16 = fcw;
	memcpy(init_data + INIT_IMG, &v16, 2);
	v32 = 0x1f80;
	memcpy(init_data + INIT_IMG + 24, &v32, 4);
}

static void
diff_run(struct fx *fx, const uint8_t *gs, const uint8_t *ge,
    void (*native)(void *), uint32_t fcw, unsigned seed)
{
	const uint8_t *emu = fx->ram + DATA_GPA;

	fill(fcw, seed);
	memcpy(nat, init_data, DATA_SIZE);
	native(nat);
	memcpy(fx->ram + DATA_GPA, init_data, DATA_SIZE);
	vm_notify_write(fx->ctx, DATA_GPA, DATA_SIZE);
	load(fx, 0x10000, gs, ge);
	set_long(fx, 0x10000);
	vm_set_register(fx->vcpu, VM_REG_GUEST_CR4, 0x20 | 0x600);
	vm_set_register(fx->vcpu, VM_REG_GUEST_CR0, 0x80010031);
	run_to_hlt(fx);
	/*
	 * FIP (8..15) and FDP (16..23) are addresses: host vs guest.  FOP
	 * (6..7): recent hosts only save it on unmasked exceptions (no
	 * CPUID bit says so); lhyve models the classic behaviour (FOP of
	 * the last non-control instruction), checked in test_nm_mf.
	 */
	for (int k = 0; k < CMP_SIZE; k++) {
		if (k >= FX_OUT + 6 && k < FX_OUT + 24)
			continue;
		if (emu[k] != nat[k]) {
			print_message("fcw %#x seed %u: byte %#x: emu %02x "
			    "native %02x\n", fcw, seed, k, emu[k], nat[k]);
			fail();
		}
	}
}

static const uint16_t fcws[] = { 0x37f, 0x77f, 0xb7f, 0xf7f, 0x07f,
	0x27f, 0x0ff };

static void
test_x87ops(void **state)
{
	for (unsigned c = 0; c < sizeof(fcws) / sizeof(fcws[0]); c++)
		for (unsigned seed = 1; seed <= 3; seed++)
			diff_run(*state, g_x87ops_start, g_x87ops_end,
			    n_x87ops, fcws[c], seed);
}

static void
test_x87mmx(void **state)
{
	diff_run(*state, g_x87mmx_start, g_x87mmx_end, n_x87mmx, 0x37f, 1);
}

/* ---- emulator-only: #NM, #MF, environment layouts ---- */

SNIPPET(g_nm, ".code64",
    "mov $0x30000, %rbx\n xor %r12d, %r12d\n fld1\n hlt\n"
    ".globl g_nm_handler\n g_nm_handler:\n mov $1, %r12d\n clts\n"
    "iretq\n");
SNIPPET(g_mf, ".code64",
    "mov $0x30000, %rbx\n xor %r12d, %r12d\n fninit\n"
    "movw $0x37b, 0x10(%rbx)\n fldcw 0x10(%rbx)\n"
    "fldz\n fld1\n fdiv %st(1), %st\n fnstsw %ax\n mov %eax, %r13d\n"
    "fnstenv 0x20(%rbx)\n fldcw 0x10(%rbx)\n"
    ".globl g_mf_fault\n g_mf_fault: fld1\n hlt\n"
    ".globl g_mf_handler\n g_mf_handler:\n mov $1, %r12d\n fnclex\n"
    "fnstsw %ax\n mov %eax, %r14d\n fnsave 0x100(%rbx)\n"
    "fnstcw 0x40(%rbx)\n hlt\n");

static void
test_nm_mf(void **state)
{
	struct fx *fx = *state;
	extern const uint8_t g_nm_handler[], g_mf_handler[];
	uint8_t *d = fx->ram + DATA_GPA;
	uint16_t v;

	load(fx, 0x10000, g_nm_start, g_nm_end);
	set_long(fx, 0x10000);
	vm_set_register(fx->vcpu, VM_REG_GUEST_CR0, 0x80010039);
	idt64(fx, 7, 0x10000 + (g_nm_handler - g_nm_start));
	run_to_hlt(fx);
	/* #NM, CLTS in the handler, FLD1 retried */
	assert_int_equal(reg(fx, VM_REG_GUEST_R12), 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_CR0) & 8, 0);

	load(fx, 0x11000, g_mf_start, g_mf_end);
	set_long(fx, 0x11000);
	vm_set_register(fx->vcpu, VM_REG_GUEST_CR0, 0x80010031);
	idt64(fx, 16, 0x11000 + (g_mf_handler - g_mf_start));
	run_to_hlt(fx);
	/* ZE unmasked: pending after FDIV (ES, B set), #MF at the next
	 * waiting instruction */
	assert_int_equal(reg(fx, VM_REG_GUEST_R12), 1);
	assert_int_equal(reg(fx, VM_REG_GUEST_R13) & 0xb8ff, 0xb084);
	memcpy(&v, d + 0x40, 2);
	assert_int_equal(v, 0x37f);	/* FNSAVE re-initialized */
	/* FNSTENV (32-bit format): FCW, FSW, full tag word, FOP */
	memcpy(&v, d + 0x20, 2);
	assert_int_equal(v, 0x37b);
	memcpy(&v, d + 0x24, 2);
	assert_int_equal(v & 0xb8ff, 0xb084);
	memcpy(&v, d + 0x28, 2);
	assert_int_equal(v, 0x4fff);	/* R7 zero, R6 valid, rest empty */
	memcpy(&v, d + 0x32, 2);
	assert_int_equal(v, 0x0f1);	/* "fdiv %st(1), %st" is D8 F1 */
	/* FNCLEX cleared the flags */
	assert_int_equal(reg(fx, VM_REG_GUEST_R14) & 0x80ff, 0);
	/* FNSAVE env FCW at 0x100 */
	memcpy(&v, d + 0x100, 2);
	assert_int_equal(v, 0x37b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_x87ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_x87mmx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nm_mf, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
