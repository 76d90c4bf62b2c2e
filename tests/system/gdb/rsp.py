#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# rsp.py: a raw GDB remote-protocol client for the gdb tier: drives lhyve's
# -G server packet by packet where gdb itself hides the details (acks,
# run-length encoding, qXfer, threads, vCont, X, Ctrl-C, no-ack mode) and
# prints one "PASS system-gdb/proto_NAME" or "FAIL ..." line per check.
#
# usage: rsp.py PORT NM_FILE [gone|kill]
#   NM_FILE: `nm` of the guest, for addresses; gone: drop the connection
#   while the guest runs into breakpoints; kill: the k packet.

import re
import socket
import sys
import time

HIGH = 0xffffffff80000000
failed = 0


def result(name, why):
    global failed
    if why:
        failed += 1
        print("FAIL system-gdb/proto_%s (%s)" % (name, why), flush=True)
    else:
        print("PASS system-gdb/proto_%s" % name, flush=True)


class RSP:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""
        self.ack = True

    def byte(self):
        while not self.buf:
            d = self.s.recv(4096)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        c, self.buf = self.buf[:1], self.buf[1:]
        return c

    def send(self, payload):
        if isinstance(payload, str):
            payload = payload.encode("latin1")
        frame = b"$" + payload + b"#%02x" % (sum(payload) & 0xff)
        self.s.sendall(frame)
        if self.ack:
            c = self.byte()
            if c != b"+":
                raise ValueError("no ack for %r: %r" % (payload, c))

    def packet(self):
        """The next packet, checksum checked, run-length decoded."""
        while self.byte() != b"$":
            pass
        raw = b""
        while True:
            c = self.byte()
            if c == b"#":
                break
            raw += c
        cs = int(self.byte() + self.byte(), 16)
        if cs != sum(raw) & 0xff:
            raise ValueError("bad checksum on %r" % raw)
        if self.ack:
            self.s.sendall(b"+")
        out = b""
        i = 0
        while i < len(raw):
            if raw[i:i + 1] == b"*":
                out += out[-1:] * (raw[i + 1] - 29)
                i += 2
            else:
                out += raw[i:i + 1]
                i += 1
        return out.decode("latin1")

    def cmd(self, payload):
        self.send(payload)
        return self.packet()


def le64(v):
    return v.to_bytes(8, "little").hex()


def check(name, got, want):
    result(name, None if got == want else "got %r, want %r" % (got, want))


def main():
    port = int(sys.argv[1])
    sym = {}
    with open(sys.argv[2]) as f:
        for line in f:
            p = line.split()
            if len(p) == 3:
                sym[p[2]] = int(p[0], 16)
    le, bp, spin, var = (sym["long_entry"], sym["gdb_bp"], sym["gdb_spin"],
                         sym["gdb_var"])
    r = RSP(port)

    check("qSupported", r.cmd("qSupported:multiprocess+;swbreak+;xmlRegisters=i386"),
          "PacketSize=1000;qXfer:features:read+;swbreak+;QStartNoAckMode+")
    check("stop_at_attach", r.cmd("?"), "T05thread:1;")

    # the target description, in chunks of 0x200
    xml, off = "", 0
    while True:
        rep = r.cmd("qXfer:features:read:target.xml:%x,200" % off)
        xml += rep[1:]
        off += len(rep) - 1
        if rep[0] == "l" or off > 65536:
            break
    result("qXfer_target_xml",
           None if xml.startswith("<?xml") and xml.endswith("</target>\n")
           and xml.count("<reg ") == 66
           and "<architecture>i386:x86-64</architecture>" in xml
           else "bad document (%d bytes)" % len(xml))
    check("qXfer_unknown_annex",
          r.cmd("qXfer:features:read:other.xml:0,100"), "E02")

    check("threads", [r.cmd("qfThreadInfo"), r.cmd("qsThreadInfo"),
                      r.cmd("qC"), r.cmd("T1"), r.cmd("T2"), r.cmd("Hg1"),
                      r.cmd("Hc-1"), r.cmd("qAttached")],
          ["m1", "l", "QC1", "OK", "E01", "OK", "OK", "1"])

    g = r.cmd("g")
    # st0 (byte 164) and fctrl (244) of the power-up x87 state (FNINIT's)
    result("g_packet", None if len(g) == 1216 and g[256:272] == le64(0x10000c)
           and g[328:348] == "0" * 20 and g[488:496] == "7f030000"
           else "got %r" % g[:500])
    check("p_rip", r.cmd("p10"), le64(0x10000c))
    check("p_eflags", r.cmd("p11"), "02000000")

    # paging is off: addresses are physical (32 bits)
    check("m_phys", r.cmd("m%x,4" % var), "11000000")
    check("m_unmapped", r.cmd("m%x,4" % (HIGH + var)), "E0e")
    # X with bytes that must be escaped: } # $ *
    check("X_probe", r.cmd("X%x,0:" % var), "OK")
    check("X_escaped", [r.cmd(b"X%x,4:}]}\x03}\x04}\x0a" % var),
                        r.cmd("m%x,4" % var)], ["OK", "7d23242a"])
    check("M_spin", [r.cmd("M%x,4:77000000" % var), r.cmd("m%x,4" % var)],
          ["OK", "77000000"])

    # a breakpoint while paging is off, hit once paging is on
    check("Z0_insert", r.cmd("Z0,%x,1" % le), "OK")
    check("Z0_hidden", r.cmd("m%x,4" % le), "66b81000")
    check("Z1_unsupported", r.cmd("Z1,%x,1" % le), "")
    check("continue_to_bp", r.cmd("vCont;c"), "T05thread:1;swbreak:;")
    check("bp_rip", r.cmd("p10"), le64(le))
    check("z0_remove", [r.cmd("z0,%x,1" % le), r.cmd("z0,%x,1" % le)],
          ["OK", "E02"])
    # now through the page tables: the higher-half alias of gdb_bp
    check("m_paged", r.cmd("m%x,4" % (HIGH + bp)), "48ffc390")
    check("vCont?", r.cmd("vCont?"), "vCont;c;C;s;S")
    # mov $0x10,%ax (4 bytes), then mov %eax,%ds (2 bytes)
    check("vCont_step", [r.cmd("vCont;s:1;c"), r.cmd("p10")],
          ["T05thread:1;", le64(le + 4)])
    check("s_step", [r.cmd("s"), r.cmd("p10")], ["T05thread:1;", le64(le + 6)])
    check("P_r13", [r.cmd("Pd=efbeadde00000000"), r.cmd("pd")],
          ["OK", "efbeadde00000000"])
    check("P_cs_refused", r.cmd("P12=33000000"), "E01")
    check("p_bad", r.cmd("p99"), "E16")

    # run into the spin loop, then Ctrl-C (again, on a slow machine, until
    # the guest got there)
    for _ in range(20):
        r.send("c")
        time.sleep(0.5)
        r.s.sendall(b"\x03")
        stop = r.packet()
        rip = int.from_bytes(bytes.fromhex(r.cmd("p10")), "little")
        if stop != "T02thread:1;" or HIGH + spin <= rip < HIGH + spin + 9:
            break
    result("ctrl_c", None if stop == "T02thread:1;"
           and HIGH + spin <= rip < HIGH + spin + 9
           else "stop %r at rip %#x" % (stop, rip))
    check("M_paged", [r.cmd("M%x,4:5a000000" % (HIGH + var)),
                      r.cmd("m%x,4" % var)], ["OK", "5a000000"])

    check("QStartNoAckMode", r.cmd("QStartNoAckMode"), "OK")
    r.ack = False
    check("noack", r.cmd("qC"), "QC1")
    check("detach", r.cmd("D"), "OK")
    r.s.close()
    return 1 if failed else 0


def gone(port, nmfile, kill):
    """gdb vanishes while the guest runs into its breakpoints (or kills)."""
    sym = {}
    with open(nmfile) as f:
        for line in f:
            p = line.split()
            if len(p) == 3:
                sym[p[2]] = int(p[0], 16)
    r = RSP(port)
    r.cmd("?")
    r.cmd("Z0,%x,1" % sym["long_entry"])
    check("gone_setup", [r.cmd("c"), r.cmd("z0,%x,1" % sym["long_entry"]),
                         r.cmd("Z0,%x,1" % (HIGH + sym["gdb_bp"])),
                         r.cmd("c")],
          ["T05thread:1;swbreak:;", "OK", "OK", "T05thread:1;swbreak:;"])
    if kill:
        r.send("k")
    else:
        # running, with the INT3 in place, when the connection drops
        r.send("c")
    r.s.close()
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        if len(sys.argv) > 3:
            sys.exit(gone(int(sys.argv[1]), sys.argv[2],
                          sys.argv[3] == "kill"))
        sys.exit(main())
    except Exception as e:    # a broken session fails the remaining checks
        result("session", "%s: %s" % (type(e).__name__, e))
        sys.exit(1)
