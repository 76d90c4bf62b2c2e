#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the system tier -- boots the unmodified Debian cloud kernel with a
# busybox initramfs on lhyve and checks exactly what the guest prints and
# how lhyve exits.
#
# usage: tests/system/run.sh [--tap]
#   Default output is the runner protocol tests/run-all.sh counts (lines
#   "PASS name", "FAIL name (why)", "SKIP name (why)"); --tap prints TAP
#   (plan, "ok N - name", "not ok N - name", "ok N # SKIP why") instead.
#
# Until the emu backend boots Linux (issue 6) every lhyve boot test is
# reported as SKIP, unless LHYVE_SYSTEM_TESTS=1 asks for the real run.
# The loader cross-check on QEMU (qemu-entry.sh) runs in both modes when
# the kernel is cached and qemu-system-x86_64 is installed.  Then the
# kernel and busybox are fetched into the cache (tests/system/fetch.sh;
# no fetch happens otherwise) and each test boots
#   lhyve -c N -m 512M -s 0,hostbridge -s 31,lpc -l com1,stdio \
#       --kernel vmlinuz --initrd initrd --cmdline console=ttyS0 vm0
#
# Environment: LHYVE (default build/lhyve), LHYVE_CACHE (see fetch.sh),
# SYSTEM_TIMEOUT (seconds per boot, default 600; only catches hangs).

set -u
cd "$(dirname "$0")/../.." || exit 1

TAP=0
[ "${1:-}" = "--tap" ] && TAP=1

LHYVE=${LHYVE:-build/lhyve}
TMO=${SYSTEM_TIMEOUT:-600}
SKIP_WHY="emu cannot boot Linux yet (issue 6)"
TESTS=(linux-uname linux-nproc-1 linux-poweroff-status)

ntest=0
nfail=0

# result pass|fail|skip NAME [WHY]: one line in the chosen format.
result() {
	local what=$1 name=system/$2 why=${3:-}
	ntest=$((ntest + 1))
	if [ "$TAP" = 1 ]; then
		case "$what" in
		pass) echo "ok $ntest - $name" ;;
		fail) echo "not ok $ntest - $name # $why" ;;
		skip) echo "ok $ntest - $name # SKIP $why" ;;
		esac
	else
		case "$what" in
		pass) echo "PASS $name" ;;
		fail) echo "FAIL $name ($why)" ;;
		skip) echo "SKIP $name ($why)" ;;
		esac
	fi
	[ "$what" = fail ] && nfail=$((nfail + 1))
	return 0
}

# detail FILE: the end of a log, indented (TAP: as diagnostics).
detail() {
	[ -s "$1" ] || return 0
	tail -n "${T_DETAIL_LINES:-30}" "$1" | tr -d '\r' | cat -v |
	    sed 's/^/    # /'
}

[ "$TAP" = 1 ] && echo "1..$((${#TESTS[@]} + 1))"

# The loader cross-check on QEMU (qemu-entry.sh) runs whenever the kernel
# is already cached and QEMU is installed; it never fetches by itself
# unless LHYVE_SYSTEM_TESTS=1.
qlog=$(mktemp "${TMPDIR:-/tmp}/lhyve-qemu-entry.XXXXXX") || exit 1
LHYVE_FETCH=${LHYVE_SYSTEM_TESTS:-0} tests/system/qemu-entry.sh >"$qlog" 2>&1
qrc=$?
case "$qrc" in
0) result pass linux-loader-on-qemu ;;
77) result skip linux-loader-on-qemu "$(head -n 1 "$qlog")" ;;
*)
	result fail linux-loader-on-qemu "$(head -n 1 "$qlog")"
	tail -n +2 "$qlog"
	;;
esac
rm -f "$qlog"

if [ "${LHYVE_SYSTEM_TESTS:-0}" != 1 ]; then
	for t in "${TESTS[@]}"; do
		result skip "$t" "$SKIP_WHY"
	done
	[ "$nfail" -eq 0 ]
	exit
fi

skip_all() {
	for t in "${TESTS[@]}"; do
		result skip "$t" "$1"
	done
	[ "$nfail" -eq 0 ]
	exit
}

[ -x "$LHYVE" ] || skip_all "$LHYVE not built (make)"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-system.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

# The kernel and busybox: fetched once, cached outside the tree.
if ! tests/system/fetch.sh -q >"$WORK/fetch.env" 2>"$WORK/fetch.err"; then
	detail "$WORK/fetch.err"
	skip_all "cannot fetch the Debian kernel (tests/system/fetch.sh failed)"
fi
# shellcheck disable=SC1090
. "$WORK/fetch.env"
if ! tests/system/mkinitramfs.sh -b "$LHYVE_BUSYBOX" -c 'uname -r' \
    -c nproc "$WORK/initrd.gz" 2>"$WORK/mkinitramfs.err"; then
	detail "$WORK/mkinitramfs.err"
	skip_all "cannot build the initramfs (tests/system/mkinitramfs.sh)"
fi

# cmd_output LOG N: what command N printed between its markers.
cmd_output() {
	tr -d '\r' <"$1" | awk -v n="$2" '
	    $1 == "LHYVE-CMD-END" && $2 == n { on = 0 }
	    on { print }
	    $1 == "LHYVE-CMD-BEGIN" && $2 == n { on = 1 }'
}

# boot NCPU: boot the kernel once; output in $WORK/out.NCPU, status in $rc.
boot() {
	local out=$WORK/out.$1
	timeout -k 10 "$TMO" "$LHYVE" -c "$1" -m 512M -s 0,hostbridge \
	    -s 31,lpc -l com1,stdio --kernel "$LHYVE_VMLINUZ" \
	    --initrd "$WORK/initrd.gz" --cmdline console=ttyS0 vm0 \
	    </dev/null >"$out" 2>&1
	rc=$?
}

boot 1
log=$WORK/out.1
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	hung="lhyve timed out after ${TMO}s"
else
	hung=""
fi

got=$(cmd_output "$log" 1)
if [ "$got" = "$LHYVE_KERNEL_RELEASE" ]; then
	result pass linux-uname
else
	result fail linux-uname "${hung:-uname -r printed '$got', want '$LHYVE_KERNEL_RELEASE'}"
	detail "$log"
fi

got=$(cmd_output "$log" 2)
if [ "$got" = 1 ]; then
	result pass linux-nproc-1
else
	result fail linux-nproc-1 "${hung:-nproc printed '$got' with -c 1, want '1'}"
fi

# poweroff -f through ACPI S5: lhyve exits with 1 (powered off), after
# the guest said it was about to.
if [ "$rc" -eq 1 ] && tr -d '\r' <"$log" | grep -qx LHYVE-POWEROFF; then
	result pass linux-poweroff-status
else
	result fail linux-poweroff-status "${hung:-exit status $rc, want 1 after LHYVE-POWEROFF}"
	[ -n "$hung" ] || detail "$log"
fi

[ "$nfail" -eq 0 ]
