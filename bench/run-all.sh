#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run-all.sh: `make bench`: runs bench/mips, bench/rss, bench/boot and
# bench/io with modest defaults (a few minutes in all) and ends with one
# summary table.
#
# usage: bench/run-all.sh [-n RUNS] [-b BOOT_RUNS] [-N ITERS] [-d DISKS]
#   -n RUNS       runs per VMM for mips and rss               (default 3)
#   -b BOOT_RUNS  boots per VMM for boot and io               (default 1)
#   -N ITERS      mips iterations (lhyve, native; QEMU 10x)   (default 10000000)
#   -d DISKS      disk kinds bench/io measures, e.g. "virtio-blk nvme"
#                                                             (default virtio-blk)
# Always exits 0 once the benchmarks ran: figures, not tests.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh

RUNS=3 BRUNS=1 ITERS=10000000 DISKS=virtio-blk
while getopts "n:b:N:d:h" o; do
	case $o in
	n) RUNS=$OPTARG ;; b) BRUNS=$OPTARG ;; N) ITERS=$OPTARG ;;
	d) DISKS=$OPTARG ;;
	*) sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
	esac
done

need_tools time qemu || exit 2
mkdir -p "$BENCH_BUILD/results"
export BENCH_SUMMARY=$BENCH_BUILD/results/summary.txt
: >"$BENCH_SUMMARY"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit+=" + uncommitted changes"
cpu=$(sed -n 's/^model name[ \t]*: //p' /proc/cpuinfo | head -n 1)
echo "# lhyve benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit"
echo "# host: $cpu, $(nproc) CPUs, $(uname -r), $("$QEMU" --version |
    head -n 1)"

for b in mips rss boot $(for d in $DISKS; do echo "io:$d"; done); do
	echo
	echo "=== bench/${b/:/ -d }"
	case $b in
	mips) bench/mips -n "$RUNS" -N "$ITERS" ;;
	rss) bench/rss -n "$RUNS" ;;
	boot) bench/boot -n "$BRUNS" ;;
	io:*) bench/io -n "$BRUNS" -d "${b#io:}" -o \
	    "$BENCH_BUILD/results/io-${b#io:}" ;;
	esac || summary_add "$b	did not run (exit status $?)"
done

echo
echo "=== summary (median over runs; lhyve/QEMU > 1: lhyve slower/bigger)"
awk -F'\t' '{ printf "%-22s", $1; for (i = 2; i <= NF; i++)
    printf " | %s", $i; printf "\n" }' "$BENCH_SUMMARY"
exit 0
