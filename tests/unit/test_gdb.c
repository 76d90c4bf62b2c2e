/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_gdb.c: the gdb server's packet layer and memory model
 * (src/debug/gdb_proto.c, gdb_target.c, gdb_mem.c): checksums, framing,
 * escaping, run-length encoding, the receive state machine, the g-packet
 * register layout against the target description, the page walk behind
 * m/M (4-level, PAE, 32-bit with PSE-36), and software breakpoints hidden
 * from reads.  Exact values throughout.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "debug/gdb_mem.h"
#include "debug/gdb_proto.h"
#include "debug/gdb_target.h"
#include "vmm/vmm.h"

/* ---- framing ---- */

static void
frame_is(const void *payload, size_t len, int flags, const char *want,
    size_t wantlen)
{
	char out[256];
	size_t n;

	memset(out, 0, sizeof(out));
	n = gdb_frame(out, sizeof(out), payload, len, flags);
	assert_int_equal(n, wantlen);
	assert_memory_equal(out, want, wantlen);
}

#define FRAME_IS(p, f, w) frame_is(p, sizeof(p) - 1, f, w, sizeof(w) - 1)

static void
test_checksum(void **state)
{
	assert_int_equal(gdb_checksum("OK", 2), 0x9a);
	assert_int_equal(gdb_checksum("", 0), 0);
	/* modulo 256: 3 * 0xff = 0x2fd */
	assert_int_equal(gdb_checksum("\xff\xff\xff", 3), 0xfd);
	FRAME_IS("OK", 0, "$OK#9a");
	FRAME_IS("", 0, "$#00");
	FRAME_IS("T05thread:1;swbreak:;", GDB_RLE,
	    "$T05thread:1;swbreak:;#3b");
}

static void
test_escape(void **state)
{
	/* '#', '$', '}', '*' become '}' and the byte XOR 0x20 */
	FRAME_IS("a#b$c}d*e", GDB_ESC, "$a}\x03" "b}\x04" "c}]d}\x0a" "e#51");
	/* without GDB_ESC the bytes go as they are (text replies) */
	FRAME_IS("abc", GDB_ESC, "$abc#26");
}

static void
test_rle(void **state)
{
	/* 10 zeros: one and 9 more ('*' then 9 + 29 = '&') */
	FRAME_IS("0000000000", GDB_RLE, "$0*&#80");
	/* 7: 6 more would be '#': 5 more, then one */
	FRAME_IS("0000000", GDB_RLE, "$0*\"0#ac");
	/* 8: 7 more would be '$': 5 more, then two */
	FRAME_IS("00000000", GDB_RLE, "$0*\"00#dc");
	/* 4: 3 more is the shortest run worth it; 3 stay as they are */
	FRAME_IS("0000", GDB_RLE, "$0* #7a");
	FRAME_IS("000", GDB_RLE, "$000#90");
	/* 100: at most 97 more ('~'), then two */
	{
		char z[100];

		memset(z, '0', sizeof(z));
		frame_is(z, sizeof(z), GDB_RLE, "$0*~00#38", 9);
	}
	/* unavailable registers: "xxxxxxxx" */
	FRAME_IS("xxxxxxxx", GDB_RLE, "$x*\"xx#b4");
	/* escaped bytes are never run-length encoded */
	FRAME_IS("####", GDB_RLE | GDB_ESC, "$}\x03}\x03}\x03}\x03#00");
	/* too small for the frame */
	{
		char out[5];
		assert_int_equal(gdb_frame(out, sizeof(out), "OK", 2, 0), 0);
	}
}

static void
test_decode(void **state)
{
	uint8_t b[64];
	long n;

	memcpy(b, "0*&", 3);
	n = gdb_decode(b, 3);
	assert_int_equal(n, 10);
	assert_memory_equal(b, "0000000000", 10);

	memcpy(b, "a}\x03" "b}]", 6);
	n = gdb_decode(b, 6);
	assert_int_equal(n, 4);
	assert_memory_equal(b, "a#b}", 4);

	memcpy(b, "*!", 2);		/* a repeat of nothing */
	assert_int_equal(gdb_decode(b, 2), -1);
	memcpy(b, "ab}", 3);		/* an escape with no byte */
	assert_int_equal(gdb_decode(b, 3), -1);
	memcpy(b, "a*\x10", 3);		/* count below 29 */
	assert_int_equal(gdb_decode(b, 3), -1);
}

static enum gdb_rx_event
feed(struct gdb_rx *rx, const char *s, size_t len)
{
	enum gdb_rx_event ev = GDB_RX_NONE;

	for (size_t i = 0; i < len; i++) {
		ev = gdb_rx_byte(rx, (uint8_t)s[i]);
		if (ev != GDB_RX_NONE && i + 1 < len)
			fail_msg("event %d at byte %zu", ev, i);
	}
	return (ev);
}

static void
test_rx(void **state)
{
	struct gdb_rx rx;

	gdb_rx_init(&rx);
	assert_int_equal(gdb_rx_byte(&rx, '+'), GDB_RX_ACK);
	assert_int_equal(gdb_rx_byte(&rx, '-'), GDB_RX_NAK);
	assert_int_equal(gdb_rx_byte(&rx, 0x03), GDB_RX_INTR);
	assert_int_equal(feed(&rx, "$m1000,4#8e", 11), GDB_RX_PACKET);
	assert_int_equal(rx.len, 7);
	assert_string_equal((char *)rx.buf, "m1000,4");
	/* upper-case checksum digits are fine */
	assert_int_equal(feed(&rx, "$OK#9A", 6), GDB_RX_PACKET);
	/* a bad checksum, then a good packet again */
	assert_int_equal(feed(&rx, "$OK#9b", 6), GDB_RX_BADSUM);
	assert_int_equal(feed(&rx, "$OK#9a", 6), GDB_RX_PACKET);
	/* 0x03 inside a packet is data, and an escaped '#' does not end it */
	assert_int_equal(feed(&rx, "$X0,2:}\x03\x03#", 10), GDB_RX_NONE);
	assert_int_equal(feed(&rx, "a3", 2), GDB_RX_PACKET);
	assert_int_equal(rx.len, 8);
	assert_memory_equal(rx.buf, "X0,2:}\x03\x03", 8);
	/* too long */
	gdb_rx_init(&rx);
	assert_int_equal(gdb_rx_byte(&rx, '$'), GDB_RX_NONE);
	for (int i = 0; i < GDB_PKT_MAX; i++)
		assert_int_equal(gdb_rx_byte(&rx, 'a'), GDB_RX_NONE);
	assert_int_equal(gdb_rx_byte(&rx, 'a'), GDB_RX_OVERFLOW);
}

static void
test_hex(void **state)
{
	char out[16];
	uint8_t b[4];
	uint64_t v;
	const char *end;

	gdb_hex_encode(out, "\x00\x7f\xa5\xff", 4);
	assert_string_equal(out, "007fa5ff");
	assert_int_equal(gdb_hex_decode(b, "DEadbE0f", 4), 0);
	assert_memory_equal(b, "\xde\xad\xbe\x0f", 4);
	assert_int_equal(gdb_hex_decode(b, "0g", 1), -1);
	assert_int_equal(gdb_parse_hex("ffffffff80100226,4", &v, &end), 0);
	assert_true(v == 0xffffffff80100226ULL);
	assert_string_equal(end, ",4");
	assert_int_equal(gdb_parse_hex(",4", &v, &end), -1);
	assert_int_equal(gdb_parse_hex("11112222333344445", &v, NULL), -1);
}

/* ---- registers ---- */

static void
test_reg_layout(void **state)
{
	int bytes = 0;
	const char *x = gdb_target_xml;
	char name[32];
	int bits, n = 0;

	for (int i = 0; i < GDB_NREGS; i++)
		bytes += gdb_regs[i].size;
	assert_int_equal(bytes, GDB_G_BYTES);
	assert_string_equal(gdb_regs[GDB_REG_RIP].name, "rip");
	assert_string_equal(gdb_regs[GDB_REG_EFLAGS].name, "eflags");
	/* the description lists exactly the table, in order, same sizes */
	while ((x = strstr(x, "<reg name=\"")) != NULL) {
		assert_int_equal(sscanf(x, "<reg name=\"%31[^\"]\" bitsize=\"%d\"",
		    name, &bits), 2);
		assert_true(n < GDB_NREGS);
		assert_string_equal(name, gdb_regs[n].name);
		assert_int_equal(bits, 8 * gdb_regs[n].size);
		n++;
		x++;
	}
	assert_int_equal(n, GDB_NREGS);
	assert_non_null(strstr(gdb_target_xml,
	    "<architecture>i386:x86-64</architecture>"));
	assert_non_null(strstr(gdb_target_xml,
	    "<feature name=\"org.gnu.gdb.i386.core\">"));
}

static void
test_g_packet(void **state)
{
	static char out[2 * GDB_G_BYTES + 1];
	uint64_t val[GDB_NREGS];
	bool have[GDB_NREGS];

	for (int i = 0; i < GDB_NREGS; i++) {
		val[i] = 0;
		have[i] = true;
	}
	val[0] = 0x1122334455667788ULL;		/* rax */
	val[7] = 0xffffffff80107000ULL;		/* rsp */
	val[GDB_REG_RIP] = 0xffffffff801000e2ULL;
	val[GDB_REG_EFLAGS] = 0x246;
	val[18] = 0x08;				/* cs */
	val[57] = 0x7f0000001000ULL;		/* fs_base */
	val[62] = 0x104000;			/* cr3 */
	have[1] = false;			/* rbx: could not read */
	gdb_regs_encode(out, val, have);
	assert_int_equal(strlen(out), 2 * GDB_G_BYTES);
	/* little-endian, 8 bytes each, in gdb's amd64 order */
	assert_memory_equal(out, "8877665544332211xxxxxxxxxxxxxxxx", 32);
	assert_memory_equal(out + 7 * 16, "00701080ffffffff", 16);
	assert_memory_equal(out + 16 * 16, "e2001080ffffffff", 16);
	/* eflags and the selectors are 4 bytes */
	assert_memory_equal(out + 272, "46020000" "08000000" "00000000", 24);
	/* st0 (offset 164 bytes): 10 bytes, unavailable */
	assert_memory_equal(out + 328, "xxxxxxxxxxxxxxxxxxxx", 20);
	assert_memory_equal(out + 2 * 536, "00100000007f0000", 16);
	assert_memory_equal(out + 2 * 576, "0040100000000000", 16);
	assert_memory_equal(out + 2 * GDB_G_BYTES - 16, "0000000000000000",
	    16);
}

static void
test_reg_decode(void **state)
{
	const char *h = "efcdab8967452301" "46020000";
	uint64_t v = 0;
	bool have;
	char out[40];

	assert_int_equal(gdb_reg_decode(GDB_REG_RIP, &h, &v, &have), 0);
	assert_true(have);
	assert_true(v == 0x0123456789abcdefULL);
	assert_int_equal(gdb_reg_decode(GDB_REG_EFLAGS, &h, &v, &have), 0);
	assert_int_equal(v, 0x246);
	assert_string_equal(h, "");
	h = "xxxxxxxx";
	v = 7;
	assert_int_equal(gdb_reg_decode(GDB_REG_EFLAGS, &h, &v, &have), 0);
	assert_false(have);
	assert_int_equal(v, 7);
	h = "1234";			/* too short */
	assert_int_equal(gdb_reg_decode(GDB_REG_EFLAGS, &h, &v, &have), -1);
	assert_int_equal(gdb_reg_encode(out, 24, 0, true), 20);
	assert_string_equal(out, "xxxxxxxxxxxxxxxxxxxx");	/* st0 */
	assert_int_equal(gdb_reg_encode(out, 20, 0x10, true), 8);
	assert_string_equal(out, "10000000");		/* ds */
}

/* ---- memory: a fake guest of 4 MiB ---- */

#define MEMSZ	(4u << 20)
static uint8_t *mem;
static uint64_t last_written_gpa;
static size_t last_written_len;
static int nwritten;

static void *
fake_map(void *arg, uint64_t gpa, size_t len)
{
	if (gpa >= MEMSZ || len > MEMSZ - gpa)
		return (NULL);
	return (mem + gpa);
}

static void
fake_written(void *arg, uint64_t gpa, size_t len)
{
	last_written_gpa = gpa;
	last_written_len = len;
	nwritten++;
}

static const struct gdb_memif mi = { fake_map, fake_written, NULL };

static void
put64(uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

static void
put32(uint64_t gpa, uint32_t v)
{
	memcpy(mem + gpa, &v, 4);
}

static int
setup_mem(void **state)
{
	mem = calloc(1, MEMSZ);
	nwritten = 0;
	return (mem == NULL);
}

static int
teardown_mem(void **state)
{
	free(mem);
	return (0);
}

#define HI	0xffffffff80000000ULL
/* CR0.PG|PE, CR4.PAE, EFER.LME|LMA */
static const struct gdb_paging pg4 = { 0x80000011, 0x1000, 0x20, 0x500 };

/*
 * 4-level: PML4 0x1000 [511] -> PDPT 0x2000 [510] -> PD 0x3000:
 * [1] -> PT 0x4000, whose [1] maps 0x5000 and [2] maps 0x9000 (the next
 * virtual page lands elsewhere); [2] a 2 MiB page at 0x200000; [0] not
 * present.  PDPT [0] is a 1 GiB page at 0.
 */
static void
build_4level(void)
{
	put64(0x1000 + 511 * 8, 0x2000 | 3);
	put64(0x1000 + 0 * 8, 0x2000 | 3);
	put64(0x2000 + 510 * 8, 0x3000 | 3);
	put64(0x2000 + 0 * 8, 0x0 | 0x83);		/* 1 GiB page */
	put64(0x2000 + 3 * 8, 0xc0000000ULL | 0x83);	/* and at 3 GiB */
	put64(0x3000 + 1 * 8, 0x4000 | 3);
	put64(0x3000 + 2 * 8, 0x200000 | 0x83);	/* 2 MiB page */
	/* NX (bit 63) is not part of the address */
	put64(0x4000 + 1 * 8, 0x8000000000005000ULL | 3);
	put64(0x4000 + 2 * 8, 0x9000 | 3);
}

static void
test_walk_4level(void **state)
{
	uint64_t gpa = 0;

	build_4level();
	assert_int_equal(gdb_gla2gpa(&pg4, &mi, HI + 0x201234, &gpa), 0);
	assert_true(gpa == 0x5234);
	assert_int_equal(gdb_gla2gpa(&pg4, &mi, HI + 0x202ff8, &gpa), 0);
	assert_true(gpa == 0x9ff8);
	assert_int_equal(gdb_gla2gpa(&pg4, &mi, HI + 0x4abcde, &gpa), 0);
	assert_true(gpa == 0x2abcde);
	assert_int_equal(gdb_gla2gpa(&pg4, &mi, 0x12345678, &gpa), 0);
	assert_true(gpa == 0x12345678);		/* 1 GiB page */
	assert_int_equal(gdb_gla2gpa(&pg4, &mi, HI + 0x1000, &gpa), -EFAULT);
	assert_int_equal(gdb_gla2gpa(&pg4, &mi, HI + 0x203000, &gpa),
	    -EFAULT);
	/* non-canonical */
	assert_int_equal(gdb_gla2gpa(&pg4, &mi, 0x0000800000000000ULL, &gpa),
	    -EFAULT);
	/* a table outside guest RAM */
	put64(0x3000 + 3 * 8, 0x40000000ULL | 3);
	assert_int_equal(gdb_gla2gpa(&pg4, &mi, HI + 0x600000, &gpa), -EIO);
}

static void
test_walk_32(void **state)
{
	/* CR0.PG, CR4.PSE; PD at 0x1000 */
	struct gdb_paging pg = { 0x80000001, 0x1000, 0x10, 0 };
	uint64_t gpa = 0;

	put32(0x1000 + 1 * 4, 0x2000 | 3);
	put32(0x2000 + 3 * 4, 0x7000 | 3);
	/* a 4 MiB page at 0x1_00800000 (PSE-36: bits 20:13 = 0x01) */
	put32(0x1000 + 2 * 4, 0x00800000 | (1 << 13) | 0x83);
	assert_int_equal(gdb_gla2gpa(&pg, &mi, 0x00403abc, &gpa), 0);
	assert_true(gpa == 0x7abc);
	assert_int_equal(gdb_gla2gpa(&pg, &mi, 0x00812345, &gpa), 0);
	assert_true(gpa == 0x100812345ULL);
	/* upper bits ignored outside long mode */
	assert_int_equal(gdb_gla2gpa(&pg, &mi, 0x1200403abcULL, &gpa), 0);
	assert_true(gpa == 0x7abc);
	assert_int_equal(gdb_gla2gpa(&pg, &mi, 0x00c00000, &gpa), -EFAULT);
	/* without CR4.PSE, PS is ignored: a page table at 0x800000 */
	pg.cr4 = 0;
	assert_int_equal(gdb_gla2gpa(&pg, &mi, 0x00812345, &gpa), -EIO);
	/* paging off: linear is physical, 32 bits */
	pg.cr0 = 1;
	assert_int_equal(gdb_gla2gpa(&pg, &mi, 0x1000000fffULL, &gpa), 0);
	assert_true(gpa == 0xfff);
}

static void
test_walk_pae(void **state)
{
	/* CR0.PG, CR4.PAE, no LMA: PDPT at 0x1020 (32-byte aligned) */
	struct gdb_paging pg = { 0x80000001, 0x1020, 0x20, 0 };
	uint64_t gpa = 0;

	put64(0x1020 + 0 * 8, 0x2000 | 1);
	put64(0x1020 + 3 * 8, 0x4000 | 1);
	put64(0x2000 + 0 * 8, 0x3000 | 3);
	put64(0x3000 + 5 * 8, 0x9000 | 3);
	put64(0x4000 + 511 * 8, 0x00200000 | 0x83);	/* 2 MiB page */
	assert_int_equal(gdb_gla2gpa(&pg, &mi, 0x5678, &gpa), 0);
	assert_true(gpa == 0x9678);
	assert_int_equal(gdb_gla2gpa(&pg, &mi, 0xffe12345, &gpa), 0);
	assert_true(gpa == 0x212345);
	assert_int_equal(gdb_gla2gpa(&pg, &mi, 0x40000000, &gpa), -EFAULT);
}

static void
test_mem_rw(void **state)
{
	struct gdb_bps bps = { 0 };
	uint8_t buf[16];
	long n;

	build_4level();
	/* the last 4 bytes of virtual page HI+0x201000 and 4 of the next */
	memcpy(mem + 0x5ffc, "\x11\x22\x33\x44", 4);
	memcpy(mem + 0x9000, "\x55\x66\x77\x88", 4);
	n = gdb_mem_rw(&bps, &pg4, &mi, HI + 0x201ffc, buf, 8, false);
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);

	/* M: written through both pages, the emulator told about each */
	memcpy(buf, "\xa1\xa2\xa3\xa4\xa5\xa6", 6);
	n = gdb_mem_rw(&bps, &pg4, &mi, HI + 0x201ffe, buf, 6, true);
	assert_int_equal(n, 6);
	assert_memory_equal(mem + 0x5ffe, "\xa1\xa2", 2);
	assert_memory_equal(mem + 0x9000, "\xa3\xa4\xa5\xa6", 4);
	assert_int_equal(nwritten, 2);
	assert_true(last_written_gpa == 0x9000);
	assert_int_equal(last_written_len, 4);

	/* a read running into an unmapped page stops short there */
	n = gdb_mem_rw(&bps, &pg4, &mi, HI + 0x202ffe, buf, 8, false);
	assert_int_equal(n, 2);
	/* nothing mapped at all: the error */
	n = gdb_mem_rw(&bps, &pg4, &mi, HI + 0x1000, buf, 4, false);
	assert_int_equal(n, -EFAULT);
	/* outside RAM (MMIO): not read */
	n = gdb_mem_rw(&bps, &pg4, &mi, 0xfee00000, buf, 4, false);
	assert_int_equal(n, -EIO);
}

static void
test_breakpoints(void **state)
{
	struct gdb_bps bps = { 0 };
	uint8_t buf[4];

	build_4level();
	memcpy(mem + 0x5100, "\x48\xff\xc3\x90", 4);	/* inc %rbx; nop */
	nwritten = 0;
	assert_int_equal(gdb_bp_insert(&bps, &pg4, &mi, HI + 0x201101), 0);
	assert_int_equal(bps.n, 1);
	assert_int_equal(mem[0x5101], 0xcc);
	assert_int_equal(nwritten, 1);
	assert_true(last_written_gpa == 0x5101);
	/* twice at the same place: still one, the saved byte kept */
	assert_int_equal(gdb_bp_insert(&bps, &pg4, &mi, HI + 0x201101), 0);
	assert_int_equal(bps.n, 1);
	assert_non_null(gdb_bp_find(&bps, 0x5101));
	assert_null(gdb_bp_find(&bps, 0x5100));

	/* m hides it */
	assert_int_equal(gdb_mem_rw(&bps, &pg4, &mi, HI + 0x201100, buf, 4,
	    false), 4);
	assert_memory_equal(buf, "\x48\xff\xc3\x90", 4);
	/* M over it changes what is under it, the INT3 stays */
	assert_int_equal(gdb_mem_rw(&bps, &pg4, &mi, HI + 0x201100,
	    (uint8_t *)"\x49\xfe\xc2\x91", 4, true), 4);
	assert_memory_equal(mem + 0x5100, "\x49\xcc\xc2\x91", 4);
	assert_int_equal(gdb_bp_find(&bps, 0x5101)->saved, 0xfe);
	/* removal puts the guest's byte back */
	assert_int_equal(gdb_bp_remove(&bps, &pg4, &mi, HI + 0x201101), 0);
	assert_int_equal(bps.n, 0);
	assert_memory_equal(mem + 0x5100, "\x49\xfe\xc2\x91", 4);
	assert_int_equal(gdb_bp_remove(&bps, &pg4, &mi, HI + 0x201101),
	    -ENOENT);
	/* not mapped: no breakpoint */
	assert_int_equal(gdb_bp_insert(&bps, &pg4, &mi, HI + 0x1000), -EFAULT);
	/* remove_all; a byte the guest changed meanwhile is left alone */
	assert_int_equal(gdb_bp_insert(&bps, &pg4, &mi, HI + 0x201100), 0);
	assert_int_equal(gdb_bp_insert(&bps, &pg4, &mi, HI + 0x201102), 0);
	mem[0x5102] = 0x0f;
	gdb_bp_remove_all(&bps, &mi);
	assert_int_equal(bps.n, 0);
	assert_memory_equal(mem + 0x5100, "\x49\xfe\x0f\x91", 4);
	/* the table fills up */
	for (int i = 0; i < GDB_MAXBP; i++)
		assert_int_equal(gdb_bp_insert(&bps, &pg4, &mi,
		    HI + 0x201000 + i), 0);
	assert_int_equal(gdb_bp_insert(&bps, &pg4, &mi, HI + 0x201800),
	    -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_rle),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_rx),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_reg_layout),
		cmocka_unit_test(test_g_packet),
		cmocka_unit_test(test_reg_decode),
		cmocka_unit_test_setup_teardown(test_walk_4level, setup_mem,
		    teardown_mem),
		cmocka_unit_test_setup_teardown(test_walk_32, setup_mem,
		    teardown_mem),
		cmocka_unit_test_setup_teardown(test_walk_pae, setup_mem,
		    teardown_mem),
		cmocka_unit_test_setup_teardown(test_mem_rw, setup_mem,
		    teardown_mem),
		cmocka_unit_test_setup_teardown(test_breakpoints, setup_mem,
		    teardown_mem),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
