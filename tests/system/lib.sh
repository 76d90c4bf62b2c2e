# SPDX-License-Identifier: BSD-2-Clause
# lib.sh: what the tests/system/*/run.sh tiers share, sourced by them after
# they cd to the top of the tree: the PASS/FAIL/SKIP protocol that
# tests/run-all.sh counts, the common environment knobs, where
# tests/system/fetch.sh put the Debian kernel, the check that malformed
# -s options exit 4, the work directory, one guest boot with its console
# log, and reading NAME=value lines off that log.
#
# A tier sets TESTS (its test names) and, where it has one, a bad_options
# function, then calls tier_init NAME.  The knobs every tier takes:
# LHYVE (default build/lhyve), LHYVE_BACKEND (default emu; only tiers that
# pass -o backend= use BACKEND), LHYVE_CACHE (default ~/.cache/lhyve),
# SYSTEM_TIMEOUT (seconds per boot, default 600), VCPUS (default 1),
# KEEP=1 keeps the work directory.  A tier may define its own pass, fail,
# skip or val after sourcing this file; the functions here use whichever
# is defined when they run.

# tier_init NAME: the defaults; results are named system-NAME/TEST.
tier_init() {
	TIER=system-$1
	LHYVE=${LHYVE:-build/lhyve}
	BACKEND=${LHYVE_BACKEND:-emu}
	CACHE=${LHYVE_CACHE:-$HOME/.cache/lhyve}
	TMO=${SYSTEM_TIMEOUT:-600}
	VCPUS=${VCPUS:-1}
	nfail=0
}

pass() { echo "PASS $TIER/$1"; }
fail() { echo "FAIL $TIER/$1 ($2)"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $TIER/$1 ($2)"; }

# find_kernel: KDIR, VMLINUZ and MODS (its modules' kernel/ directory) of
# the Debian cloud kernel in CACHE; empty where there is none.
find_kernel() {
	KDIR=$(ls -d "$CACHE"/linux-image-*/ 2>/dev/null | head -n 1)
	KDIR=${KDIR%/}
	VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* 2>/dev/null | head -n 1)
	MODS=$(ls -d "$KDIR"/lib/modules/*/kernel 2>/dev/null | head -n 1)
}

# skip_all WHY: every test is a SKIP; exit 0.
skip_all() {
	for t in "${TESTS[@]}"; do skip "$t" "$1"; done
	exit 0
}

# require_lhyve: without a built lhyve every test is a SKIP (exit 0).
require_lhyve() {
	[ -x "$LHYVE" ] || skip_all "no $LHYVE (run make)"
}

# make_work: WORK, a fresh directory removed at exit unless KEEP=1 (this
# directory, even where the tier points WORK somewhere else later).
make_work() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-${TIER#system-}.XXXXXX") ||
	    exit 1
	# shellcheck disable=SC2064
	[ "${KEEP:-0}" = 1 ] || trap "rm -rf $(printf '%q' "$WORK")" EXIT
}

# skip_guests WHY: every test but bad-options is a SKIP.
skip_guests() {
	for t in "${TESTS[@]}"; do
		[ "$t" = bad-options ] || skip "$t" "$1"
	done
}

# skip_guest_tests WHY: skip_guests WHY, then run bad_options (it needs
# no guest) and exit with its verdict.
skip_guest_tests() {
	skip_guests "$1"
	bad_options
	[ "$nfail" -eq 0 ]
	exit
}

# fail_guest_tests WHY [SUFFIX]: every test but bad-options (named with
# SUFFIX) fails for one reason.
fail_guest_tests() {
	for t in "${TESTS[@]}"; do
		[ "$t" = bad-options ] || fail "$t${2:-}" "$1"
	done
}

# initramfs_failed: mkinitramfs.sh failed; every test fails, exit 1.
initramfs_failed() {
	for t in "${TESTS[@]}"; do fail "$t" "mkinitramfs.sh failed"; done
	exit 1
}

# check_refused TEST "LHYVE-OPTIONS" SPEC...: lhyve with each -s SPEC
# (after the hostbridge) must exit 4 with an "lhyve: " message, one that
# names REFUSED_NAMING where that is set.  The options are split on
# blanks.
check_refused() {
	local name=$1 opts=$2 out rc bad="" s
	shift 2
	for s in "$@"; do
		# shellcheck disable=SC2086
		out=$("$LHYVE" $opts -m 64M -s 0,hostbridge -s "$s" \
		    --kernel /dev/null vmbad 2>&1 </dev/null)
		rc=$?
		if [ "$rc" -ne 4 ] ||
		    ! grep -q "lhyve: .*${REFUSED_NAMING:-}" <<<"$out"; then
			bad="$bad '$s'->$rc"
		fi
	done
	if [ -z "$bad" ]; then
		pass "$name"
	else
		fail "$name" "expected exit 4 and a message${REFUSED_NAMING:+ naming $REFUSED_NAMING}:$bad"
	fi
}

# boot LOG LHYVE-ARGS...: one guest run bounded by TMO; the console, CRs
# removed, in LOG (as written in LOG.raw); rc is lhyve's exit status.
boot() {
	local log=$1
	shift
	timeout -k 10 "$TMO" "$LHYVE" "$@" </dev/null >"$log.raw" 2>&1
	rc=$?
	tr -d '\r' <"$log.raw" >"$log"
}

# val NAME: the first word after NAME= at the start of a line of LOG.
val() { grep -a "^$1=" "$LOG" | head -n 1 | cut -d= -f2- | cut -d' ' -f1; }
