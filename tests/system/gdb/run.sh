#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the gdb tier: lhyve's gdb server (-G, src/debug/gdb.c) on the
# tests/guests/gdbtest guest, which runs its loop in a higher-half alias
# so that every address goes through the page tables.
#   no-debugger   -G without 'w' and nobody attached: the guest just runs
#   session-*     gdb -batch: breakpoints before and after paging is on,
#                 continue, stepi, info registers, x/4xb with the INT3
#                 hidden, set var through the page tables, the guest's
#                 result after the debugger changed it
#   proto_*       rsp.py, packet by packet: qSupported, ?, qXfer, threads,
#                 g/p/P, m/M/X with escapes, Z0/z0, vCont, s, Ctrl-C,
#                 no-ack mode, D
#   gone-*, kill-*  gdb drops the connection while the guest runs into its
#                 breakpoints; the k packet
#   smp-*         -c 4: a breakpoint on an AP stops every vCPU; each
#                 thread's registers; continue
#   guest-int3*   the except64 guest under -G with a breakpoint set (so
#                 INT3 exits to lhyve): its own INT3 still reaches its #BP
#                 handler with the right frame
#   fpu-*         fpu.sh: x87/SSE registers read and written (g/G/p/P)
# Every check runs on LHYVE_BACKEND (default emu).  With the default, the
# same checks run again on kvm ("kvm-" names) when run-all.sh will not run
# this tier with LHYVE_BACKEND=kvm itself (tests/system/kvm-why.sh prints
# a reason, as on kvm_pvm hosts) and /dev/kvm is usable; else one SKIP
# with the reason.  A kvm check that fails because of a known host-KVM
# fault (docs/kvm.md F1: KVM's emulator gave up, exit 4) is SKIP with the
# error, never PASS.  About 10 s per backend.
#
# usage: tests/system/gdb/run.sh    (after make and make guests-build)
#   Prints "PASS name", "FAIL name (why)", "SKIP name (why)"; exits 1 if
#   anything failed.  Environment: LHYVE (default build/lhyve),
#   LHYVE_BACKEND (emu or kvm), GDB_TIMEOUT (seconds per lhyve run,
#   default 60), KEEP=1 keeps the work directory.

set -u
cd "$(dirname "$0")/../../.." || exit 1

. tests/system/lib.sh
tier_init gdb
G=build/tests/guests
TMO=${GDB_TIMEOUT:-60}	# not SYSTEM_TIMEOUT: these guests take seconds
TAG=""		# name prefix of the backend being run: "" or "kvm-"
BE=emu
CUR_ERR=""	# stderr of the lhyve run the current checks are about

# host_fault: the lhyve run behind CUR_ERR on kvm stopped on a host-KVM
# fault (tests/guests/run.sh has the list): print why and succeed
host_fault() {
	local e
	[ "$BE" = kvm ] && [ -d /sys/module/kvm_pvm ] && [ -n "$CUR_ERR" ] ||
	    return 1
	e=$(grep -m1 'failed to emulate instruction.*KVM_EXIT_INTERNAL_ERROR suberror 1' \
	    "$CUR_ERR" 2>/dev/null) || return 1
	e=${e#*instruction at }
	echo "host KVM fault F1 (docs/kvm.md): kvm_pvm's instruction emulator gave up at ${e%%: KVM_EXIT*}"
}
# pass, skip and fail name the test with TAG; a host fault is a SKIP
pass() { echo "PASS $TIER/$TAG$1"; }
skip() { echo "SKIP $TIER/$TAG$1 ($2)"; }
fail() {
	local why
	if why=$(host_fault); then
		skip "$1" "$why; was: $2"
		return
	fi
	echo "FAIL $TIER/$TAG$1 ($2)"
	nfail=$((nfail + 1))
}
# rsp_results FILE: rsp.py's lines, renamed for the backend, failures
# through fail() (host faults become SKIP)
rsp_results() {
	local line
	while IFS= read -r line; do
		case $line in
		"PASS system-gdb/"*) pass "${line#PASS system-gdb/}" ;;
		"FAIL system-gdb/"*)
			line=${line#FAIL system-gdb/}
			fail "${line%% (*}" "$(echo "${line#* (}" | sed 's/)$//')" ;;
		*) echo "$line" ;;
		esac
	done <"$1"
}

make_work
TOP=$WORK
[ "${KEEP:-0}" = 1 ] && echo "work directory: $TOP"

if [ ! -x "$LHYVE" ] || [ ! -f $G/gdbtest.elf ]; then
	fail setup "build lhyve and the guests first (make all guests-build)"
	exit 1
fi

HIGH=0xffffffff80000000
nm $G/gdbtest.elf.64 >"$TOP/nm"
addr() { awk -v s="$1" '$3 == s { print "0x" $1 }' "$TOP/nm"; }
hi() { printf '0x%x' $((HIGH + $1)); }
LE=$(addr long_entry)
BP=$(hi "$(addr gdb_bp)")
VAR=$(hi "$(addr gdb_var)")

# start NAME ARGS...: lhyve in the background (stdout NAME.out, stderr
# NAME.err, both under $WORK/$BE); waits for its "listening" line and sets
# PORT and LPID.
start() {
	local name=$1
	shift
	PORT=""
	CUR_ERR=$WORK/$name.err
	timeout -k 5 "$TMO" "$LHYVE" "$@" </dev/null >"$WORK/$name.out" \
	    2>"$WORK/$name.err" &
	LPID=$!
	for _ in $(seq 300); do
		PORT=$(sed -n 's/^lhyve: gdb: listening on [^ ]*:\([0-9]*\)$/\1/p' \
		    "$WORK/$name.err" 2>/dev/null)
		[ -n "$PORT" ] && return 0
		kill -0 $LPID 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
# finish: wait for lhyve, rc = its status
finish() {
	wait $LPID
	rc=$?
}

# suite BACKEND TAG: every check on one backend
suite() {
	BE=$1 TAG=$2
	BASE=(-c 1 -m 64M -s 0,hostbridge -s 31,lpc -l com1,stdio -l pc-testdev
	    -o backend=$BE)
	WORK=$TOP/$BE
	mkdir -p "$WORK"
	cp "$TOP/nm" "$WORK/nm"
	if ! command -v gdb >/dev/null; then
		for t in session smp; do
			skip $t "no gdb (scripts/setup-deps.sh)"
		done
	fi

# -- no debugger: -G alone changes nothing -----------------------------------
if start nodbg -G 127.0.0.1:0 "${BASE[@]}" --kernel $G/gdbtest.elf vm0; then
	finish
	want=$'gdbtest: running in the higher half\ngdbtest: loops = 0x0000000000000003\ngdbtest: gdb_var = 0x0000000000000011'
	if [ "$rc" -ne 11 ]; then
		fail no-debugger "exit status $rc, expected 11"
	elif [ "$(cat "$WORK/nodbg.out")" != "$want" ]; then
		fail no-debugger "unexpected COM1 output: $(head -c 200 "$WORK/nodbg.out")"
	else
		pass no-debugger
	fi
else
	fail no-debugger "no listening line: $(head -c 200 "$WORK/nodbg.err")"
fi

# want_lines NAME FILE LINE...: FILE (blanks squeezed) has each LINE, in order
want_lines() {
	local name=$1 file=$2 line missing=""
	shift 2
	tr -s ' \t' '  ' <"$file" >"$file.sq"
	for line in "$@"; do
		grep -qxF -- "$line" "$file.sq" || missing="$missing [$line]"
	done
	if [ -n "$missing" ]; then
		fail "$name" "missing:$missing"
		sed 's/^/    | /' "$file" | head -40
	else
		pass "$name"
	fi
}

# -- gdb -batch ---------------------------------------------------------------
if command -v gdb >/dev/null; then
	if start session -G w127.0.0.1:0 "${BASE[@]}" --kernel $G/gdbtest.elf vm0
	then
		timeout 60 gdb -nx -batch \
		    -ex 'set breakpoint always-inserted on' \
		    -ex "target remote 127.0.0.1:$PORT" \
		    -ex 'info registers rip' \
		    -ex "break *$LE" -ex c \
		    -ex "break *$BP" -ex c \
		    -ex 'info registers rip' \
		    -ex stepi \
		    -ex 'info registers rip rbx' \
		    -ex "x/4xb $BP" \
		    -ex c -ex 'p $rbx' \
		    -ex "set var *(int *)$VAR = 0x5a" \
		    -ex "x/1xw $VAR" \
		    -ex delete -ex c \
		    >"$WORK/gdb.out" 2>&1
		finish
		want_lines session-attach "$WORK/gdb.out" \
		    "0x000000000010000c in ?? ()" \
		    "rip 0x10000c 0x10000c"
		want_lines session-break "$WORK/gdb.out" \
		    "Breakpoint 1, $(printf '0x%016x' "$LE") in ?? ()" \
		    "Breakpoint 2, $BP in ?? ()" \
		    "rip $BP $BP"
		STEP=$(printf '0x%x' $((BP + 3)))
		want_lines session-stepi "$WORK/gdb.out" \
		    "$STEP in ?? ()" "rip $STEP $STEP" "rbx 0x1 1"
		want_lines session-x-hides-int3 "$WORK/gdb.out" \
		    "$BP: 0x48 0xff 0xc3 0x90"
		want_lines session-set-var "$WORK/gdb.out" \
		    "\$1 = 1" "$VAR: 0x0000005a"
		if [ "$rc" -ne 1 ] || ! grep -qx \
		    'gdbtest: gdb_var = 0x000000000000005A' "$WORK/session.out"
		then
			fail session-guest-result "exit status $rc (expected 1), COM1: $(tr '\n' '|' <"$WORK/session.out")"
		else
			pass session-guest-result
		fi
	else
		fail session "no listening line: $(head -c 200 "$WORK/session.err")"
	fi
fi

# -- the raw protocol ---------------------------------------------------------
if command -v python3 >/dev/null; then
	if start proto -G w127.0.0.1:0 "${BASE[@]}" --kernel $G/gdbtest.elf vm0
	then
		python3 tests/system/gdb/rsp.py "$PORT" "$WORK/nm" \
		    >"$WORK/rsp.out"
		finish
		rsp_results "$WORK/rsp.out"
		if [ "$rc" -ne 1 ] || ! grep -qx \
		    'gdbtest: gdb_var = 0x000000000000005A' "$WORK/proto.out"
		then
			fail proto-guest-result "exit status $rc (expected 1), COM1: $(tr '\n' '|' <"$WORK/proto.out")"
		else
			pass proto-guest-result
		fi
	else
		fail proto "no listening line: $(head -c 200 "$WORK/proto.err")"
	fi
else
	skip proto "no python3"
fi

# -- gdb vanishes while the guest runs: breakpoints out, the guest goes on;
# k ends lhyve as a power-off (status 1) --------------------------------------
if command -v python3 >/dev/null; then
	for mode in gone kill; do
		if start $mode -G w127.0.0.1:0 "${BASE[@]}" \
		    --kernel $G/gdbtest.elf vm0; then
			python3 tests/system/gdb/rsp.py "$PORT" "$WORK/nm" $mode |
			    sed "s/proto_gone_setup/$mode-setup/" \
			    >"$WORK/$mode.rsp"
			finish
			rsp_results "$WORK/$mode.rsp"
			want=11 lines=3
			[ $mode = kill ] && want=1 lines=1
			if [ "$rc" -ne "$want" ] ||
			    [ "$(wc -l <"$WORK/$mode.out")" -ne $lines ]; then
				fail $mode-guest-result "exit status $rc (expected $want), COM1: $(tr '\n' '|' <"$WORK/$mode.out")"
			else
				pass $mode-guest-result
			fi
		else
			fail $mode "no listening line: $(head -c 200 "$WORK/$mode.err")"
		fi
	done
fi

# -- SMP: a breakpoint hit by an AP stops every vCPU --------------------------
if command -v gdb >/dev/null; then
	AP=$(printf '0x%x' "0x$(nm $G/smp.elf | awk '$3 == "ap_main32" { print $1 }')")
	APX=$(printf '0x%016x' "$AP")
	# the later -c wins (options apply left to right)
	if start smp -G w127.0.0.1:0 "${BASE[@]}" -c 4 \
	    --kernel $G/smp.elf vm0; then
		timeout 60 gdb -nx -batch \
		    -ex "target remote 127.0.0.1:$PORT" \
		    -ex "break *$AP" -ex c \
		    -ex 'info threads' -ex 'p $rip' \
		    -ex 'thread 1' -ex 'p $rip' \
		    -ex delete -ex c \
		    >"$WORK/smp-gdb.out" 2>&1
		finish
		tr -s ' \t' '  ' <"$WORK/smp-gdb.out" >"$WORK/smp-gdb.sq"
		why=""
		grep -qE "^Thread [234] hit Breakpoint 1, $APX in \?\? \(\)$" \
		    "$WORK/smp-gdb.sq" || why="no AP stopped at ap_main32"
		grep -qE '^ 1 Thread 1 \(vCPU 0\) 0x[0-9a-f]+ in \?\? \(\)$' \
		    "$WORK/smp-gdb.sq" || why="${why:-info threads lacks vCPU 0}"
		grep -qxF "\$1 = (void (*)()) $AP" "$WORK/smp-gdb.sq" ||
		    why="${why:-the stopped AP is not at ap_main32}"
		grep -qxF '[Switching to thread 1 (Thread 1)]' "$WORK/smp-gdb.sq" ||
		    why="${why:-no switch to thread 1}"
		if [ -n "$why" ]; then
			fail smp-all-stop "$why"
			sed 's/^/    | /' "$WORK/smp-gdb.out" | head -30
		else
			pass smp-all-stop
		fi
		if [ "$rc" -ne 1 ] || ! cmp -s tests/guests/smp.expect \
		    "$WORK/smp.out"; then
			fail smp-guest-result "exit status $rc (expected 1), COM1: $(tr '\n' '|' <"$WORK/smp.out")"
		else
			pass smp-guest-result
		fi
	else
		fail smp "no listening line: $(head -c 200 "$WORK/smp.err")"
	fi
fi


# -- the guest's own INT3 while INT3 exits to lhyve: gdb.c gives it back as
# #BP, whose frame must point after the INT3 (on kvm the backend undoes the
# RIP advance KVM makes itself, kvm_debug.c) --------------------------------
if command -v python3 >/dev/null; then
	if start int3 -G w127.0.0.1:0 "${BASE[@]}" --kernel $G/except64.elf vm0
	then
		# a breakpoint on the multiboot header: never run
		python3 - "$PORT" >"$WORK/int3.rsp" 2>&1 <<'PY'
import sys
sys.path.insert(0, "tests/system/gdb")
import rsp
r = rsp.RSP(int(sys.argv[1]))
r.cmd("?")
print("Z0", r.cmd("Z0,100000,1"))
r.send("c")
try:
    print("stop", r.packet())
except EOFError:
    print("end")
PY
		finish
		if ! grep -qx 'Z0 OK' "$WORK/int3.rsp"; then
			fail guest-int3 "Z0 refused: $(tr '\n' '|' <"$WORK/int3.rsp")"
		elif [ "$(sed -n 2p "$WORK/int3.out")" != \
		    "$(sed -n 2p tests/guests/except64.expect)" ]; then
			fail guest-int3 "COM1: $(head -3 "$WORK/int3.out" | tr '\n' '|')"
		else
			pass guest-int3
		fi
		if [ "$rc" -ne 1 ] || ! cmp -s tests/guests/except64.expect \
		    "$WORK/int3.out"; then
			fail guest-int3-result "exit status $rc (expected 1), COM1 differs from except64.expect"
		else
			pass guest-int3-result
		fi
	else
		fail guest-int3 "no listening line: $(head -c 200 "$WORK/int3.err")"
	fi
fi

# -- x87/SSE registers (vm_get_fpu/vm_set_fpu): fpu.sh ------------------------
CUR_ERR=$WORK/fpu.err
tests/system/gdb/fpu.sh "$BE" "$WORK" >"$WORK/fpu.res"
rsp_results "$WORK/fpu.res"
	CUR_ERR=""
}

suite "$BACKEND" ""
if [ "$BACKEND" = emu ]; then
	kvm_why=$(tests/system/kvm-why.sh "$LHYVE")
	if [ -z "$kvm_why" ]; then
		:	# run-all.sh runs this tier with LHYVE_BACKEND=kvm
	elif [ ! -e /dev/kvm ]; then
		skip kvm "no /dev/kvm"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		skip kvm "/dev/kvm not accessible (needs read and write)"
	else
		suite kvm kvm-
	fi
fi

[ "$nfail" -eq 0 ]
