#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the CPU differential tester's deterministic run, as make check
# calls it: builds build/tests/cpu/cputest if needed, then prints TAP (one
# line per instruction form; mismatches excused by tests/cpu/xfail.txt are
# TAP TODO).  Environment: CPU_CASES (cases per form), CPU_SEED, CPU_JOBS;
# extra arguments go to cputest (e.g. --form 'add_*').  The emulator's own
# messages go to build/tests/cpu/emu.log.  See docs/cpu-testing.md.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$top" || exit 2
bin=build/tests/cpu/cputest
log=build/tests/cpu/emu.log
if ! make -s --no-print-directory cpu-build >&2; then
	echo "Bail out! cannot build $bin (make cpu-build failed)"
	exit 2
fi
: > "$log"
"$bin" --seed "${CPU_SEED:-1}" --cases "${CPU_CASES:-2000}" \
    --jobs "${CPU_JOBS:-0}" --xfail tests/cpu/xfail.txt \
    --coverage build/tests/cpu/coverage.txt --emu-log "$log" "$@"
rc=$?
echo "# emulator messages: $log ($(wc -l < "$log") lines)"
exit $rc
