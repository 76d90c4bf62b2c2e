/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.c: how the CPU tester compares a native and an emulated result
 * and how it prints a case: instruction bytes with objdump's disassembly,
 * the input state and memory, both outcomes and what differs, and the
 * command line that reruns it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cputest.h"

FILE *ct_out;
bool ct_strict_flags;

static const char *const gpr_n[16] = { "rax", "rcx", "rdx", "rbx", "rsp",
    "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
    "r15" };
static const char *const dcat_n[D_LAST] = { "native-crash",
    "emu-unimplemented(#UD)", "emu-hang", "emu-error", "vector", "rip",
    "gpr", "rflags", "memory", "x87", "sse" };

/* One line of objdump's disassembly of the instruction, or "?". */
void
ct_disasm(const uint8_t *insn, int len, int bits, char *out, size_t outlen)
{
	char path[] = "/tmp/cputest-XXXXXX", cmd[256], line[256];
	FILE *fp;
	int fd;

	snprintf(out, outlen, "?");
	fd = mkstemp(path);
	if (fd < 0)
		return;
	if (write(fd, insn, len) != len) {
		close(fd);
		unlink(path);
		return;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "objdump -D -b binary -m %s %s "
	    "2>/dev/null", bits == 16 ? "i8086" : bits == 32 ? "i386" :
	    "i386:x86-64", path);
	fp = popen(cmd, "r");
	if (fp != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL) {
			char *t1, *t2;

			if (strncmp(line, "   0:\t", 6) != 0)
				continue;
			t1 = strchr(line + 6, '\t');
			if (t1 == NULL)
				break;
			t2 = t1 + 1;
			t2[strcspn(t2, "\n")] = '\0';
			for (char *s = t2; *s; s++)
				if (*s == '\t')
					*s = ' ';
			snprintf(out, outlen, "%s", t2);
			break;
		}
		pclose(fp);
	}
	unlink(path);
}

static const char *
vec_name(int v, char *buf, size_t len)
{
	static const char *const n[32] = { "#DE", "#DB", "NMI", "#BP", "#OF",
	    "#BR", "#UD", "#NM", "#DF", "#MF9", "#TS", "#NP", "#SS", "#GP",
	    "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP" };

	if (v < 0)
		snprintf(buf, len, "none");
	else if (v < 32 && n[v] != NULL)
		snprintf(buf, len, "%s", n[v]);
	else
		snprintf(buf, len, "vector %d", v);
	return (buf);
}

static void
print_state(const char *tag, const struct ct_state *s)
{
	fprintf(ct_out, "#   %-7s", tag);
	for (int i = 0; i < 16; i++) {
		fprintf(ct_out, " %s=%016" PRIx64, gpr_n[i], s->gpr[i]);
		if (i % 4 == 3 && i != 15)
			fprintf(ct_out, "\n#          ");
	}
	fprintf(ct_out, "\n#           rip=%016" PRIx64 " rflags=%016" PRIx64
	    "\n", s->rip, s->rflags);
}

static void
print_bytes(const char *tag, uint64_t addr, const uint8_t *p, int n)
{
	fprintf(ct_out, "#   %s %#" PRIx64 ":", tag, addr);
	for (int i = 0; i < n; i++)
		fprintf(ct_out, " %02x", p[i]);
	fprintf(ct_out, "\n");
}

static uint64_t
le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return (v);
}

/*
 * The FXSAVE64 images (SDM vol. 1 §10.5.1, table 10-2): FCW, FSW (less
 * the bits the SDM leaves undefined for the instruction), the abridged
 * FTW, MXCSR, MXCSR_MASK, the 80 bits of each ST/MM register and the 16
 * XMM registers.  Not compared: FOP, FIP and FDP (where the last x87
 * instruction was: the guest's and the host's differ by construction, and
 * CPUs with FDP deprecation update them only on errors) and the reserved
 * bytes.
 */
static unsigned
compare_fx(const struct ct_case *c, const uint8_t *a, const uint8_t *b,
    FILE *o)
{
	static const struct {
		const char *name;
		int off, len;
	} f[] = { { "fcw", 0, 2 }, { "fsw", 2, 2 }, { "ftw", 4, 1 },
	    { "mxcsr", 24, 4 }, { "mxcsr_mask", 28, 4 } };
	unsigned d = 0;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint64_t va = le(a + f[i].off, f[i].len);
		uint64_t vb = le(b + f[i].off, f[i].len);
		uint64_t m = f[i].off == 2 ? (uint16_t)~c->fswmask : ~0ULL;

		if (((va ^ vb) & m) == 0)
			continue;
		d |= 1u << (f[i].off >= 24 ? D_SSE : D_X87);
		if (o != NULL)
			fprintf(o, "#   %s: native %#" PRIx64 ", emu %#" PRIx64
			    "%s\n", f[i].name, va, vb, f[i].off == 2 &&
			    c->fswmask ? " (undefined bits masked)" : "");
	}
	for (int i = 0; i < 8; i++) {
		const uint8_t *ra = a + 32 + 16 * i, *rb = b + 32 + 16 * i;

		if (memcmp(ra, rb, 10) == 0)
			continue;
		d |= 1u << D_X87;
		if (o != NULL)
			fprintf(o, "#   st%d/mm%d (physical order from TOP): "
			    "native %04" PRIx64 ":%016" PRIx64 ", emu %04"
			    PRIx64 ":%016" PRIx64 "\n", i, i, le(ra + 8, 2),
			    le(ra, 8), le(rb + 8, 2), le(rb, 8));
	}
	for (int i = 0; i < 16; i++) {
		const uint8_t *xa = a + 160 + 16 * i, *xb = b + 160 + 16 * i;

		if (memcmp(xa, xb, 16) == 0)
			continue;
		d |= 1u << D_SSE;
		if (o != NULL)
			fprintf(o, "#   xmm%d: native %016" PRIx64 "%016" PRIx64
			    ", emu %016" PRIx64 "%016" PRIx64 "\n", i,
			    le(xa + 8, 8), le(xa, 8), le(xb + 8, 8), le(xb, 8));
	}
	return (d);
}

/* Print the FXSAVE image's fields (input or a result). */
static void
print_fx(const char *tag, const uint8_t *x)
{
	fprintf(ct_out, "#   %-7s fcw=%04" PRIx64 " fsw=%04" PRIx64 " ftw=%02x"
	    " mxcsr=%08" PRIx64 "\n", tag, le(x, 2), le(x + 2, 2), x[4],
	    le(x + 24, 4));
	for (int i = 0; i < 8; i++)
		fprintf(ct_out, "%sst%d=%04" PRIx64 ":%016" PRIx64 "%s",
		    i % 2 ? "  " : "#           ", i, le(x + 40 + 16 * i, 2),
		    le(x + 32 + 16 * i, 8), i % 2 ? "\n" : "");
	for (int i = 0; i < 16; i++)
		fprintf(ct_out, "%sxmm%-2d=%016" PRIx64 "%016" PRIx64 "%s",
		    i % 2 ? "  " : "#           ", i, le(x + 168 + 16 * i, 8),
		    le(x + 160 + 16 * i, 8), i % 2 ? "\n" : "");
}

/*
 * Compare native (a) and emulator (b) results of case c.  Returns a bit
 * set of D_* categories; with verbose, prints what differs.
 */
unsigned
ct_compare(const struct ct_case *c, const struct ct_result *a,
    const struct ct_result *b, bool verbose)
{
	FILE *o = verbose ? ct_out : NULL;
	uint16_t mask = ct_strict_flags ? FL_ALL : c->flagmask;
	uint64_t fa = a->st.rflags & FL_ALL, fb = b->st.rflags & FL_ALL;
	/* 32-bit code sees (and the SDM defines) only the low halves of
	 * the first 8 GPRs: the rest is undefined after a mode switch */
	uint64_t gmask = c->m32 ? 0xffffffffULL : ~0ULL;
	int ngpr = c->m32 ? 8 : 16;
	unsigned d = 0;
	char v1[24], v2[24];
	int first = -1, last = -1, nbytes = 0;

	if (a->status == ST_NATIVE_CRASH) {
		if (o != NULL)
			fprintf(o, "#   native: %s\n", a->why);
		return (1u << D_NATIVE);
	}
	if (b->status == ST_EMU_UNIMPL && a->vector == 6 && b->vector == 6) {
		/* both #UD: the emulator counting it as "not implemented"
		 * (e.g. LOCK where illegal) does not make it wrong */
	} else if (b->status != ST_OK) {
		if (o != NULL)
			fprintf(o, "#   %s\n", b->why);
		return (1u << (b->status == ST_EMU_UNIMPL ? D_UNIMPL :
		    b->status == ST_EMU_HANG ? D_HANG : D_ERROR));
	}
	if (a->vector != b->vector) {
		d |= 1u << D_VECTOR;
		if (o != NULL)
			fprintf(o, "#   exception: native %s, emu %s\n",
			    vec_name(a->vector, v1, sizeof(v1)),
			    vec_name(b->vector, v2, sizeof(v2)));
	}
	if ((a->st.rip ^ b->st.rip) & gmask) {
		d |= 1u << D_RIP;
		if (o != NULL)
			fprintf(o, "#   rip: native %#" PRIx64 ", emu %#"
			    PRIx64 "\n", a->st.rip, b->st.rip);
	}
	for (int i = 0; i < ngpr; i++) {
		if (((a->st.gpr[i] ^ b->st.gpr[i]) & gmask) == 0)
			continue;
		d |= 1u << D_GPR;
		if (o != NULL)
			fprintf(o, "#   %s: native %016" PRIx64 ", emu "
			    "%016" PRIx64 "\n", gpr_n[i], a->st.gpr[i],
			    b->st.gpr[i]);
	}
	if ((fa ^ fb) & mask) {
		d |= 1u << D_FLAGS;
		if (o != NULL)
			fprintf(o, "#   rflags: native %#06" PRIx64 ", emu "
			    "%#06" PRIx64 " (compared %#06x, differ %#06"
			    PRIx64 ")\n", fa, fb, mask, (fa ^ fb) & mask);
	}
	for (int i = 0; i < CT_MEM_SIZE; i++) {
		if (a->mem[i] == b->mem[i])
			continue;
		if ((unsigned)(i - c->skip_off) < c->skip_len)
			continue;
		if (first < 0)
			first = i;
		last = i;
		nbytes++;
	}
	if (nbytes > 0) {
		d |= 1u << D_MEM;
		if (o != NULL) {
			int lo = first & ~15, n = 16;

			if (last - lo < 32)
				n = (last - lo + 16) & ~15;
			if (n > 32)
				n = 32;
			fprintf(o, "#   memory: %d bytes differ in %#" PRIx64
			    "-%#" PRIx64 "\n", nbytes,
			    (uint64_t)CT_MEM_ADDR + first,
			    (uint64_t)CT_MEM_ADDR + last);
			print_bytes("native", CT_MEM_ADDR + lo, a->mem + lo, n);
			print_bytes("emu   ", CT_MEM_ADDR + lo, b->mem + lo, n);
		}
	}
	if (c->fpu)
		d |= compare_fx(c, a->fx, b->fx, o);
	return (d);
}

/* Print one case in full: what to reproduce it with.  a == NULL: the
 * input only; b == NULL: no emulator result. */
void
ct_print_case(const struct ct_form *f, int idx, const struct ct_case *c,
    const struct ct_result *a, const struct ct_result *b, bool self,
    uint64_t seed)
{
	char dis[128], v[24];

	ct_disasm(c->insn, c->len, c->m16 ? 16 : c->m32 ? 32 : 64, dis,
	    sizeof(dis));
	fprintf(ct_out, "# %s case %d (seed %" PRIu64 "):", f->name, idx, seed);
	for (int i = 0; i < c->len; i++)
		fprintf(ct_out, " %02x", c->insn[i]);
	fprintf(ct_out, "    %s\n", dis);
	if (c->tags != 0) {
		static const char *const names[TAG_COUNT] = TAG_NAMES;

		fprintf(ct_out, "#   tags:");
		for (int t = 0; t < TAG_COUNT; t++)
			if (c->tags & (1u << t))
				fprintf(ct_out, " %s", names[t]);
		fprintf(ct_out, "\n");
	}
	print_state("in", &c->in);
	if (c->tags & TAG_FSGS)
		fprintf(ct_out, "#           fs.base=%016" PRIx64 " gs.base=%016"
		    PRIx64 "\n", c->fsbase, c->gsbase);
	if (c->fpu)
		print_fx("fx in", c->fx);
	for (int i = 0; i < c->npatch; i++) {
		const struct ct_patch *p = &c->patch[i];

		for (int j = 0; j < p->len; j += 32)
			print_bytes(j == 0 ? "mem in" : "      ",
			    CT_MEM_ADDR + p->off + j, p->bytes + j,
			    p->len - j < 32 ? p->len - j : 32);
	}
	if (a == NULL)
		return;
	fprintf(ct_out, "#   native: %s%s\n", a->vector >= 0 ?
	    "exception " : "ran to the end", a->vector >= 0 ?
	    vec_name(a->vector, v, sizeof(v)) : "");
	print_state("native", &a->st);
	if (c->fpu)
		print_fx("native", a->fx);
	if (b == NULL)
		return;
	if (b->status == ST_OK) {
		fprintf(ct_out, "#   %s: %s%s\n", self ? "native2" : "emu",
		    b->vector >= 0 ? "exception " : "ran to the end",
		    b->vector >= 0 ? vec_name(b->vector, v, sizeof(v)) : "");
		print_state(self ? "native2" : "emu", &b->st);
		if (c->fpu)
			print_fx(self ? "native2" : "emu", b->fx);
	}
	fprintf(ct_out, "# differences:\n");
	ct_compare(c, a, b, true);
	fprintf(ct_out, "#   rerun: build/tests/cpu/cputest --form %s --seed %"
	    PRIu64 " --case %d\n", f->name, seed, idx);
}

void
ct_describe(const struct form_stats *st, char *buf, size_t len)
{
	size_t o;

	if (st->expected > 0)
		o = (size_t)snprintf(buf, len, "%d/%d mismatch, %d of them "
		    "expected:", st->bad, st->cases, st->expected);
	else
		o = (size_t)snprintf(buf, len, "%d/%d mismatch:", st->bad,
		    st->cases);
	for (int k = 0; k < D_LAST && o < len; k++)
		if (st->cat[k] != 0)
			o += (size_t)snprintf(buf + o, len - o, " %s %d",
			    dcat_n[k], st->cat[k]);
}

