#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the fuzz tier.  Boots the sys_fuzz guest (random instruction bytes
# at ring 0 and ring 3, tests/guests/sys_fuzz.S) on an ASan/UBSan build of
# lhyve (tests/fuzz/fuzz.mk, build/asan/lhyve), once per seed, the seeds in
# parallel and each bounded by FUZZ_TIMEOUT seconds.  A run passes when
# lhyve ends by itself with an ordinary status (0-4, or an odd pc-testdev
# status) or is still running at the deadline (the guest is alive), and
# nothing on stderr comes from a sanitizer; a signal or a sanitizer report
# fails it.  Prints one PASS/FAIL line per seed.
#
# Environment: FUZZ_SEEDS (default "1 2 3 4"), FUZZ_TIMEOUT (default 6),
# LHYVE_ASAN (default build/asan/lhyve; built here when missing).

set -u
cd "$(dirname "$0")/../.." || exit 1

SEEDS=${FUZZ_SEEDS:-1 2 3 4}
TMO=${FUZZ_TIMEOUT:-6}
LH=${LHYVE_ASAN:-build/asan/lhyve}
GUEST=build/tests/guests/sys_fuzz.elf
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

# Incremental: a no-op when build/asan is up to date.
if [ -z "${LHYVE_ASAN:-}" ] && ! make -s -j"$(nproc)" -f Makefile \
    -f tests/fuzz/fuzz.mk fuzz-build >"$WORK/build.log" 2>&1; then
	echo "FAIL fuzz/build (make fuzz-build failed)"
	tail -n 20 "$WORK/build.log" | sed 's/^/    | /'
	exit 1
fi

export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99

pids=()
for s in $SEEDS; do
	# the subshell keeps bash from announcing the kill at the deadline
	(timeout --foreground -s KILL "$TMO" "$LH" -c 1 -m 64M -s 0,hostbridge -s 31,lpc \
	    -l com1,stdio -l pc-testdev -o backend=emu \
	    --kernel "$GUEST" --cmdline "seed=$s" vm0 \
	    </dev/null >"$WORK/$s.out" 2>"$WORK/$s.err"; exit $?) &
	pids+=("$!")
done

failed=0
i=0
for s in $SEEDS; do
	{ wait "${pids[$i]}"; } 2>/dev/null
	rc=$?
	i=$((i + 1))
	why=""
	if grep -qE 'Sanitizer|runtime error:' "$WORK/$s.err"; then
		why="sanitizer report"
	elif [ "$rc" -eq 137 ]; then
		: # still running at the deadline: the guest is alive
	elif [ "$rc" -gt 128 ]; then
		why="killed by signal $((rc - 128))"
	elif [ "$rc" -gt 4 ] && [ $((rc % 2)) -eq 0 ]; then
		why="exit status $rc"
	fi
	if [ -z "$why" ]; then
		if [ "$rc" -eq 137 ]; then
			echo "PASS fuzz/seed-$s (alive after ${TMO}s)"
		else
			echo "PASS fuzz/seed-$s (exit status $rc)"
		fi
	else
		echo "FAIL fuzz/seed-$s ($why)"
		echo "    \$ $LH ... --kernel $GUEST --cmdline seed=$s vm0"
		grep -v 'unimplemented instruction' "$WORK/$s.err" |
		    head -n 40 | sed 's/^/    | /'
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
