#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# kvm-why.sh: prints why the Debian system tests cannot run on lhyve's kvm
# backend on this host (one line), or nothing when they can.  Used by
# tests/system/run.sh and by tests/run-all.sh for the other system tiers,
# which then run a second time with LHYVE_BACKEND=kvm (docs/kvm.md).
#
# usage: tests/system/kvm-why.sh [LHYVE]
# Environment: LHYVE_KVM_PVM=1 runs them on a kvm_pvm host anyway.

LHYVE=${1:-${LHYVE:-build/lhyve}}

if [ ! -e /dev/kvm ]; then
	echo "no /dev/kvm"
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "/dev/kvm not accessible (needs read and write)"
elif [ -d /sys/module/kvm_pvm ] && [ -z "${LHYVE_KVM_PVM:-}" ]; then
	# Measured on such a host (Linux 6.18, kvm_pvm pvm_native=Y;
	# docs/kvm.md "Linux on kvm_pvm"): guest code runs in KVM's
	# instruction emulator (F7), ~90 s before the kernel's first line;
	# at ~3 min SLUB's first LOCK CMPXCHG16B stops it with
	# KVM_EXIT_INTERNAL_ERROR (exit 4).  Hiding CX16 only moves the stop
	# to XRSTOR, INT3, CLAC and POPCNT, which the emulator lacks too and
	# whose CPUID bits kvm_pvm takes from the host CPU (F8).
	echo "host KVM is kvm_pvm (no VT-x): KVM's instruction emulator runs" \
	    "the guest and stops Linux at LOCK CMPXCHG16B (then XRSTOR or" \
	    "INT3, CLAC, POPCNT: docs/kvm.md F1, F7, F8);" \
	    "LHYVE_KVM_PVM=1 runs it anyway"
else
	err=$("$LHYVE" -o backend=kvm -m 64M -s 0,hostbridge -s 31,lpc \
	    --kernel /nonexistent vm0 </dev/null 2>&1 >/dev/null)
	case "$err" in
	*backend=kvm*) echo "lhyve refuses kvm here: ${err%%$'\n'*}" ;;
	esac
fi
exit 0
