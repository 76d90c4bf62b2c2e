#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fpu.sh: the gdb tier's x87/SSE check on one backend, run by run.sh for
# each backend it covers: gdb reads ST0/ST1, XMM0, MXCSR, FSTAT and FTAG
# as the gdbtest guest set them with FXRSTOR (vm_get_fpu behind g/p),
# writes XMM1 with P and ST0 and MXCSR with G (vm_set_fpu), and reads
# back what the guest's FXSAVE stored at gdb_fpu_done.
#   fpu-read          the values the guest loaded
#   fpu-write         the guest saw what gdb wrote (P and G)
#   fpu-guest-result  the guest still ends as without a debugger
#
# usage: tests/system/gdb/fpu.sh BACKEND WORKDIR   (from run.sh)
#   Prints "PASS system-gdb/NAME", "FAIL system-gdb/NAME (why)" or "SKIP
#   ..." lines (run.sh renames them per backend); lhyve's stderr is in
#   WORKDIR/fpu.err.  Environment: LHYVE (default build/lhyve),
#   GDB_TIMEOUT (default 60).

set -u
cd "$(dirname "$0")/../../.." || exit 1

BE=$1
WORK=$2
LHYVE=${LHYVE:-build/lhyve}
G=build/tests/guests
TMO=${GDB_TIMEOUT:-60}
HIGH=0xffffffff80000000

pass() { echo "PASS system-gdb/$1"; }
fail() { echo "FAIL system-gdb/$1 ($2)"; }
if ! command -v gdb >/dev/null; then
	echo "SKIP system-gdb/fpu (no gdb)"
	exit 0
fi

sym() { nm $G/gdbtest.elf.64 | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
hi() { printf '0x%x' $((HIGH + $1)); }
LE=$(sym long_entry)
BP=$(hi "$(sym gdb_bp)")
DONE=$(hi "$(sym gdb_fpu_done)")
OUT=$(sym gdb_fpu_out)
XMM1=$(hi $((OUT + 176)))	# FXSAVE image: XMM1, ST0, MXCSR
ST0=$(hi $((OUT + 32)))
MXCSR=$(hi $((OUT + 24)))

timeout -k 5 "$TMO" "$LHYVE" -G w127.0.0.1:0 -c 1 -m 64M -s 0,hostbridge \
    -s 31,lpc -l com1,stdio -l pc-testdev -o backend="$BE" \
    --kernel $G/gdbtest.elf vm0 </dev/null >"$WORK/fpu.out" \
    2>"$WORK/fpu.err" &
LPID=$!
PORT=""
for _ in $(seq 300); do
	PORT=$(sed -n 's/^lhyve: gdb: listening on [^ ]*:\([0-9]*\)$/\1/p' \
	    "$WORK/fpu.err" 2>/dev/null)
	[ -n "$PORT" ] && break
	kill -0 $LPID 2>/dev/null || break
	sleep 0.1
done
if [ -z "$PORT" ]; then
	fail fpu "no listening line: $(head -c 200 "$WORK/fpu.err")"
	wait $LPID
	exit 0
fi

# paging first (long_entry), then the higher-half addresses
timeout 60 gdb -nx -batch \
    -ex "target remote 127.0.0.1:$PORT" \
    -ex "break *$LE" -ex c -ex "break *$BP" -ex c \
    -ex 'p $st0' -ex 'p $st1' -ex 'p/x $xmm0.uint128' \
    -ex 'p/x $fstat' -ex 'p/x $ftag' -ex 'info registers mxcsr' \
    -ex 'set var $xmm1.v2_int64[0] = 0x1122334455667788' \
    -ex 'set var $xmm1.v2_int64[1] = 0x0123456789abcdef' \
    -ex 'set remote set-register-packet off' \
    -ex 'set var $st0 = 2.5' -ex 'set var $mxcsr = 0x1f80' \
    -ex delete -ex "break *$DONE" -ex c \
    -ex "x/2gx $XMM1" -ex "p *(long double *)$ST0" -ex "x/1xw $MXCSR" \
    -ex delete -ex c \
    >"$WORK/fpu-gdb.out" 2>&1
wait $LPID
rc=$?

# want NAME LINE...: gdb's output (blanks squeezed) has each LINE
want() {
	local name=$1 line missing=""
	shift
	for line in "$@"; do
		grep -qxF -- "$line" "$WORK/fpu-gdb.sq" || missing="$missing [$line]"
	done
	if [ -n "$missing" ]; then
		fail "$name" "missing:$missing"
		sed 's/^/    | /' "$WORK/fpu-gdb.out" | head -40
	else
		pass "$name"
	fi
}
tr -s ' \t' '  ' <"$WORK/fpu-gdb.out" >"$WORK/fpu-gdb.sq"
want fpu-read '$1 = 1' '$2 = 3.14159265358979323851' \
    '$3 = 0xfedcba98765432100123456789abcdef' '$4 = 0x3000' '$5 = 0xfff' \
    'mxcsr 0x9f80 [ IM DM ZM OM UM PM FZ ]'
want fpu-write "$XMM1: 0x1122334455667788 0x0123456789abcdef" \
    '$6 = 2.5' "$MXCSR: 0x00001f80"
if [ "$rc" -ne 11 ] || [ "$(wc -l <"$WORK/fpu.out")" -ne 3 ]; then
	fail fpu-guest-result "exit status $rc (expected 11), COM1: $(tr '\n' '|' <"$WORK/fpu.out")"
else
	pass fpu-guest-result
fi
