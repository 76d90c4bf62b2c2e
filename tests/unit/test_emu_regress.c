/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_emu_regress.c: regression tests for emu backend bugs found while
 * bringing up the Debian 6.1 kernel (docs/linux-bringup.md), one test per
 * bug, each a small guest program whose results the host checks exactly;
 * plus the debugging trace (src/vmm/emu/trace.c).
 */
#include <stdlib.h>
#include <unistd.h>

#include "test_emu.h"

/*
 * Bug 1: a read that crosses a 4 KiB page with 3, 5, 6 or 7 bytes in the
 * first page returned zeros (or garbage) for those bytes: the first part
 * was read with one load of that odd size.  The kernel's LZ4 decompressor
 * copies 8 bytes at a time at any alignment, so about one match in a
 * thousand came out wrong ("32-bit relocation outside of kernel!").
 *
 * Reads every split of a qword, dword and word across the boundary at
 * 0x11000 (bytes 0x10ff8.. hold 0x01, 0x02, ...) and stores each result
 * at 0x20000 + 8 * k, then writes every split of a qword across 0x13000.
 */
SNIPPET(lm_cross, ".code64",
    "mov $1, %ecx\n"
    "1: mov $0x11000, %rsi\n sub %rcx, %rsi\n"
    "mov (%rsi), %rax\n mov %rax, 0x20000(,%rcx,8)\n"
    "mov (%rsi), %eax\n mov %rax, 0x20100(,%rcx,8)\n"
    "movzwl (%rsi), %eax\n mov %rax, 0x20200(,%rcx,8)\n"
    "inc %ecx\n cmp $8, %ecx\n jb 1b\n"
    /* writes: k bytes below 0x13000 + 0x100 * k */
    "mov $1, %ecx\n mov $0x1122334455667788, %rdx\n"
    "2: mov %rcx, %rdi\n shl $8, %rdi\n add $0x13000, %rdi\n"
    "sub %rcx, %rdi\n mov %rdx, (%rdi)\n"
    "inc %ecx\n cmp $8, %ecx\n jb 2b\n"
    "hlt\n");

static void
test_cross_page_read(void **state)
{
	struct fx *fx = *state;

	for (int i = 0; i < 16; i++)
		fx->ram[0x10ff8 + i] = i + 1;
	load(fx, 0x100000, lm_cross_start, lm_cross_end);
	set_long(fx, 0x100000);
	run_to_hlt(fx);
	for (int k = 1; k < 8; k++) {
		uint64_t want = 0, got;

		/* the 8 bytes at 0x11000 - k are 9 - k, 10 - k, ... */
		for (int b = 0; b < 8; b++)
			want |= (uint64_t)(9 - k + b) << (8 * b);
		memcpy(&got, fx->ram + 0x20000 + 8 * k, 8);
		assert_int_equal(got, want);
		memcpy(&got, fx->ram + 0x20100 + 8 * k, 8);
		assert_int_equal(got, want & 0xffffffff);
		memcpy(&got, fx->ram + 0x20200 + 8 * k, 8);
		assert_int_equal(got, want & 0xffff);
	}
	for (int k = 1; k < 8; k++) {
		uint64_t got;

		memcpy(&got, fx->ram + 0x13000 + 0x100 * k - k, 8);
		assert_int_equal(got, 0x1122334455667788ULL);
		/* nothing around it was touched */
		assert_int_equal(fx->ram[0x13000 + 0x100 * k - k - 1], 0);
		assert_int_equal(fx->ram[0x13000 + 0x100 * k - k + 8], 0);
	}
}

/*
 * The trace facility: with LHYVE_EMU_TRACE=exc,io every delivered
 * exception is logged with its vector, error code and CS:RIP, and port
 * output with port and value.  The guest takes #UD (ud2) through a 64-bit
 * IDT and writes 0x41 to port 0xe9.
 */
SNIPPET(lm_ud, ".code64",
    ".globl lm_ud_fault\n lm_ud_fault: ud2\n"
    ".globl lm_ud_handler\n lm_ud_handler: mov $0x41, %al\n"
    "out %al, $0xe9\n hlt\n");
extern const uint8_t lm_ud_fault[], lm_ud_handler[];

static char trace_path[64];

static int
setup_trace(void **state)
{
	int fd;

	strcpy(trace_path, "/tmp/lhyve-emu-trace.XXXXXX");
	fd = mkstemp(trace_path);
	if (fd < 0)
		return (-1);
	close(fd);
	/* read once per process: this must be the first VM created */
	setenv("LHYVE_EMU_TRACE", "exc,io", 1);
	setenv("LHYVE_EMU_TRACE_FILE", trace_path, 1);
	return (setup(state));
}

static void
test_trace_exceptions(void **state)
{
	struct fx *fx = *state;
	uint64_t fault = 0x100000 + (lm_ud_fault - lm_ud_start);
	uint64_t handler = 0x100000 + (lm_ud_handler - lm_ud_start);
	char buf[4096], want[160];
	FILE *f;
	size_t n;

	load(fx, 0x100000, lm_ud_start, lm_ud_end);
	set_long(fx, 0x100000);
	idt64(fx, 6, handler);
	run_to_hlt(fx);
	assert_int_equal(T.ncon, 1);
	assert_int_equal(T.con[0], 'A');

	f = fopen(trace_path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "emu0: exception vec=6(#UD) at "
	    "0008:%016llx rsp=0000000000080000 cr2=0000000000000000 cpl=0\n",
	    (unsigned long long)fault);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "emu0: out port=0xe9 size=1 val=0x41"));
}

/*
 * A triple fault is traced with its cause: ud2 with an empty IDT raises
 * #UD, its delivery #GP(6 * 8 + 2 + EXT) (vector beyond the IDT limit),
 * which becomes #DF, whose delivery faults with #GP(8 * 8 + 2 + EXT).  Runs after test_trace_exceptions, into the
 * same trace file.
 */
static void
test_trace_triple(void **state)
{
	struct fx *fx = *state;
	uint64_t fault = 0x100000 + (lm_ud_fault - lm_ud_start);
	struct vm_exit vme;
	char buf[8192], want[200];
	FILE *f;
	size_t n;

	load(fx, 0x100000, lm_ud_start, lm_ud_end);
	set_long(fx, 0x100000);
	vm_set_desc(fx->vcpu, VM_REG_GUEST_IDTR, 0, 0, 0);
	vme = run(fx);
	assert_int_equal(vme.exitcode, VM_EXITCODE_SUSPENDED);
	assert_int_equal(vme.u.suspended.how, VM_SUSPEND_TRIPLEFAULT);

	f = fopen(trace_path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	unlink(trace_path);
	snprintf(want, sizeof(want), "emu0: TRIPLE FAULT: #GP (vec 13, err "
	    "0x43) while delivering #DF (vec 8) at 0008:%016llx",
	    (unsigned long long)fault);
	if (strstr(buf, want) == NULL)
		print_message("trace:\n%s", buf);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "exception vec=6(#UD) at 0008:"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* first: the trace settings are read once per process */
		cmocka_unit_test_setup_teardown(test_trace_exceptions,
		    setup_trace, teardown),
		cmocka_unit_test_setup_teardown(test_trace_triple, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cross_page_read, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
