/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_gdb.c: the gdb server's packet layer and memory model
 * (src/debug/gdb_proto.c, gdb_target.c, gdb_mem.c): checksums, framing,
 * escaping, run-length encoding, the receive state machine, the g-packet
 * register layout against the target description, the x87/SSE registers
 * from and into the FXSAVE image (and vm_get_fpu/vm_set_fpu on emu, and
 * on kvm where /dev/kvm works), the page walk behind m/M (4-level, PAE,
 * 32-bit with PSE-36), and software breakpoints hidden from reads.  Exact
 * values throughout.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
	gdb_regs_encode(out, val, have, NULL);	/* no FPU access */
	assert_int_equal(strlen(out), 2 * GDB_G_BYTES);
	/* little-endian, 8 bytes each, in gdb's amd64 order */
	assert_memory_equal(out, "8877665544332211xxxxxxxxxxxxxxxx", 32);
	assert_memory_equal(out + 7 * 16, "00701080ffffffff", 16);
	assert_memory_equal(out + 16 * 16, "e2001080ffffffff", 16);
	/* eflags and the selectors are 4 bytes */
	assert_memory_equal(out + 272, "46020000" "08000000" "00000000", 24);
	/* st0 (offset 164 bytes): 10 bytes, unavailable; so is mxcsr */
	assert_memory_equal(out + 328, "xxxxxxxxxxxxxxxxxxxx", 20);
	assert_memory_equal(out + 2 * 532, "xxxxxxxx00100000", 16);
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

/* ---- x87/SSE: the FXSAVE64 image (vmm.h) and gdb's registers ---- */

static void
fx_put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void
fx_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void
fx_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/*
 * FNINIT; FLDPI; FLD1: TOP 6, ST0 = 1.0 in R6, ST1 = pi in R7; abridged
 * tag 0xc0; FIP/FDP with distinct halves; MXCSR with FZ; XMM0 bytes 0..15,
 * XMM15 all ones.
 */
static void
make_image(uint8_t fx[GDB_FX_BYTES])
{
	memset(fx, 0, GDB_FX_BYTES);
	fx_put16(fx + 0, 0x037f);
	fx_put16(fx + 2, 6 << 11);
	fx[4] = 0xc0;
	fx_put16(fx + 6, 0xffef);		/* only 11 bits are FOP */
	fx_put64(fx + 8, 0x1122334455667788ULL);
	fx_put64(fx + 16, 0x99aabbccddeeff00ULL);
	fx_put32(fx + 24, 0x9f80);
	fx_put32(fx + 28, 0xffff);
	fx_put64(fx + 32, 0x8000000000000000ULL);	/* 1.0 */
	fx_put16(fx + 40, 0x3fff);
	fx_put64(fx + 48, 0xc90fdaa22168c235ULL);	/* pi */
	fx_put16(fx + 56, 0x4000);
	for (int i = 0; i < 16; i++)
		fx[160 + i] = i;
	memset(fx + 160 + 15 * 16, 0xff, 16);
}

static void
test_fpu_g_packet(void **state)
{
	static char out[2 * GDB_G_BYTES + 1];
	uint64_t val[GDB_NREGS] = { 0 };
	bool have[GDB_NREGS] = { 0 };
	uint8_t fx[GDB_FX_BYTES];
	char one[40];

	make_image(fx);
	gdb_regs_encode(out, val, have, fx);
	assert_int_equal(strlen(out), 2 * GDB_G_BYTES);
	/* st0 at byte 164, st1 after it: 80 bits each, significand first */
	assert_memory_equal(out + 328, "0000000000000080ff3f", 20);
	assert_memory_equal(out + 348, "35c26821a2da0fc90040", 20);
	assert_memory_equal(out + 368, "00000000000000000000", 20);
	/*
	 * fctrl fstat ftag fiseg fioff foseg fooff fop at byte 244: the full
	 * tag word has R6 and R7 valid (00), the others empty (11); fiseg/
	 * foseg are the upper halves of FIP/FDP; fop 11 bits.
	 */
	assert_memory_equal(out + 488,
	    "7f030000" "00300000" "ff0f0000" "44332211"
	    "88776655" "ccbbaa99" "00ffeedd" "ef070000", 64);
	/* xmm0 at byte 276, xmm15 at 516, mxcsr at 532 */
	assert_memory_equal(out + 552, "000102030405060708090a0b0c0d0e0f",
	    32);
	assert_memory_equal(out + 1032, "ffffffffffffffffffffffffffffffff",
	    32);
	assert_memory_equal(out + 1064, "809f0000", 8);
	/* the general registers around them are still their own */
	assert_memory_equal(out + 1072, "xxxxxxxxxxxxxxxx", 16);

	/* p: the same bytes */
	assert_int_equal(gdb_reg_encode_fx(one, GDB_REG_ST0 + 1, fx), 20);
	assert_string_equal(one, "35c26821a2da0fc90040");
	assert_int_equal(gdb_reg_encode_fx(one, GDB_REG_FTAG, fx), 8);
	assert_string_equal(one, "ff0f0000");
	assert_int_equal(gdb_reg_encode_fx(one, GDB_REG_MXCSR, NULL), 8);
	assert_string_equal(one, "xxxxxxxx");

	/* the tag word classes (SDM vol. 1 §8.1.7): zero, special */
	fx_put64(fx + 48, 0);
	fx_put16(fx + 56, 0);			/* ST1 = +0: R7 01 */
	fx_put16(fx + 40, 0x7fff);			/* ST0 = +inf: R6 10 */
	fx[4] = 0xc1;				/* R0 = ST2 = 0: 01 */
	gdb_reg_encode_fx(one, GDB_REG_FTAG, fx);
	assert_string_equal(one, "fd6f0000");	/* 0110 1111 1111 1101 */
	fx_put16(fx + 40, 0x3fff);
	fx_put64(fx + 32, 0x4000000000000000ULL);	/* unnormal: 10 */
	gdb_reg_encode_fx(one, GDB_REG_FTAG, fx);
	assert_string_equal(one, "fd6f0000");
	fx_put64(fx + 32, 0x8000000000000000ULL);	/* valid again: 00 */
	gdb_reg_encode_fx(one, GDB_REG_FTAG, fx);
	assert_string_equal(one, "fd4f0000");
}

/* G/P: gdb's bytes back into the image. */
static void
test_fpu_put(void **state)
{
	static char out[2 * GDB_G_BYTES + 1];
	uint64_t val[GDB_NREGS] = { 0 };
	bool have[GDB_NREGS] = { 0 }, h;
	uint8_t fx[GDB_FX_BYTES], back[GDB_FX_BYTES], b[GDB_REG_MAX];
	const char *hex;

	/* everything gdb read, written back: the same image (FOP masked) */
	make_image(fx);
	gdb_regs_encode(out, val, have, fx);
	memset(back, 0, sizeof(back));
	fx_put32(back + 28, 0xffff);		/* the backend's mask */
	hex = out;
	for (int i = 0; i < GDB_NREGS; i++) {
		assert_int_equal(gdb_reg_decode_bytes(i, &hex, b, &h), 0);
		assert_true(h == gdb_reg_is_fx(i));
		if (h)
			assert_int_equal(gdb_fx_put(i, back, b), 0);
	}
	assert_string_equal(hex, "");
	fx[7] = 0x07;
	assert_memory_equal(back, fx, GDB_FX_BYTES);

	/* P st3: 10 bytes at 32 + 48, the padding after it untouched */
	make_image(fx);
	memset(fx + 90, 0xee, 6);
	hex = "0102030405060708090a";
	assert_int_equal(gdb_reg_decode_bytes(GDB_REG_ST0 + 3, &hex, b, &h), 0);
	assert_true(h);
	assert_int_equal(gdb_fx_put(GDB_REG_ST0 + 3, fx, b), 0);
	assert_memory_equal(fx + 80,
	    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\xee\xee", 12);
	/* fctrl: 4 bytes from gdb, 2 in the image */
	hex = "7f02ffff";
	gdb_reg_decode_bytes(GDB_REG_FCTRL, &hex, b, &h);
	assert_int_equal(gdb_fx_put(GDB_REG_FCTRL, fx, b), 0);
	assert_memory_equal(fx, "\x7f\x02\x00\x30\xc0", 5);
	/* ftag: full tag word to the abridged one */
	hex = "feff0000";			/* R0 10, R1-R7 empty */
	gdb_reg_decode_bytes(GDB_REG_FTAG, &hex, b, &h);
	assert_int_equal(gdb_fx_put(GDB_REG_FTAG, fx, b), 0);
	assert_int_equal(fx[4], 0x01);
	hex = "ff3f0000";			/* R7 valid */
	gdb_reg_decode_bytes(GDB_REG_FTAG, &hex, b, &h);
	gdb_fx_put(GDB_REG_FTAG, fx, b);
	assert_int_equal(fx[4], 0x80);
	hex = "ffff0000";
	gdb_reg_decode_bytes(GDB_REG_FTAG, &hex, b, &h);
	gdb_fx_put(GDB_REG_FTAG, fx, b);
	assert_int_equal(fx[4], 0x00);
	assert_int_equal(fx[5], 0x00);
	/* fop: 11 bits */
	hex = "ffffffff";
	gdb_reg_decode_bytes(GDB_REG_FOP, &hex, b, &h);
	gdb_fx_put(GDB_REG_FOP, fx, b);
	assert_memory_equal(fx + 6, "\xff\x07\x88\x77", 4);
	/* fioff and fiseg: the two halves of FIP */
	hex = "efbeadde";
	gdb_reg_decode_bytes(GDB_REG_FISEG, &hex, b, &h);
	gdb_fx_put(GDB_REG_FISEG, fx, b);
	assert_memory_equal(fx + 8, "\x88\x77\x66\x55\xef\xbe\xad\xde",
	    8);
	/* xmm7 */
	hex = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
	gdb_reg_decode_bytes(GDB_REG_XMM0 + 7, &hex, b, &h);
	gdb_fx_put(GDB_REG_XMM0 + 7, fx, b);
	assert_memory_equal(fx + 272, "\xf0\xe1\xd2\xc3\xb4\xa5\x96\x87"
	    "\x78\x69\x5a\x4b\x3c\x2d\x1e\x0f", 16);
	/* mxcsr: bits outside MXCSR_MASK refused, image unchanged */
	hex = "00000100";
	gdb_reg_decode_bytes(GDB_REG_MXCSR, &hex, b, &h);
	assert_int_equal(gdb_fx_put(GDB_REG_MXCSR, fx, b), -EINVAL);
	assert_memory_equal(fx + 24, "\x80\x9f\x00\x00", 4);
	hex = "c01f0000";			/* DAZ */
	gdb_reg_decode_bytes(GDB_REG_MXCSR, &hex, b, &h);
	assert_int_equal(gdb_fx_put(GDB_REG_MXCSR, fx, b), 0);
	assert_memory_equal(fx + 24, "\xc0\x1f\x00\x00", 4);
	fx_put32(fx + 28, 0);			/* mask 0: 0xffbf, no DAZ */
	assert_int_equal(gdb_fx_put(GDB_REG_MXCSR, fx, b), -EINVAL);
	/* x's: nothing */
	hex = "xxxxxxxx";
	assert_int_equal(gdb_reg_decode_bytes(GDB_REG_MXCSR, &hex, b, &h), 0);
	assert_false(h);
	hex = "c01f00";				/* too short */
	assert_int_equal(gdb_reg_decode_bytes(GDB_REG_MXCSR, &hex, b, &h), -1);
}

/*
 * vm_get_fpu/vm_set_fpu through a backend: the power-up state (FNINIT's,
 * MXCSR 1F80H; emu and KVM both present it), then an image written and
 * read back, and a reserved MXCSR bit refused.
 */
static void
fpu_backend(const char *backend)
{
	uint8_t fx[VM_FXSAVE_SIZE], got[VM_FXSAVE_SIZE];
	uint32_t mask;
	char err[256];
	struct vmctx *ctx;
	struct vcpu *vcpu;

	ctx = vm_create("fpu", backend, 1, err, sizeof(err));
	if (ctx == NULL && strcmp(backend, "kvm") == 0) {
		skip();
		return;
	}
	assert_non_null(ctx);
	assert_int_equal(vm_setup_memory(ctx, 16 << 20), 0);
	vcpu = vm_vcpu_open(ctx, 0);
	assert_non_null(vcpu);
	memset(got, 0xaa, sizeof(got));
	assert_int_equal(vm_get_fpu(vcpu, got), 0);
	assert_memory_equal(got, "\x7f\x03\x00\x00\x00\x00\x00\x00", 8);
	assert_memory_equal(got + 24, "\x80\x1f\x00\x00", 4);
	memcpy(&mask, got + 28, 4);
	assert_true((mask & 0xffbf) == 0xffbf);
	for (int i = 32; i < VM_FXSAVE_SIZE; i++)
		if (got[i] != 0)
			fail_msg("%s: byte %d of the power-up image is %#x",
			    backend, i, got[i]);

	make_image(fx);
	fx[7] = 0x07;				/* FOP: 11 bits */
	fx_put32(fx + 28, mask);
	assert_int_equal(vm_set_fpu(vcpu, fx), 0);
	memset(got, 0xaa, sizeof(got));
	assert_int_equal(vm_get_fpu(vcpu, got), 0);
	assert_memory_equal(got, fx, 416);
	for (int i = 416; i < VM_FXSAVE_SIZE; i++)
		assert_int_equal(got[i], 0);
	fx_put32(fx + 24, 0x10000 | 0x1f80);
	assert_int_equal(vm_set_fpu(vcpu, fx), -EINVAL);
	assert_int_equal(vm_get_fpu(vcpu, got), 0);
	assert_memory_equal(got + 24, "\x80\x9f\x00\x00", 4);
	vm_destroy(ctx);
}

static void
test_fpu_emu(void **state)
{
	fpu_backend("emu");
}

static void
test_fpu_kvm(void **state)
{
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		skip();
		return;
	}
	fpu_backend("kvm");
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
		cmocka_unit_test(test_fpu_g_packet),
		cmocka_unit_test(test_fpu_put),
		cmocka_unit_test(test_fpu_emu),
		cmocka_unit_test(test_fpu_kvm),
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
