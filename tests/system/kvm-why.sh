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
	# Seen on such a host (Linux 6.18, kvm_pvm pvm_native=Y): after
	# ~110 s of boot the kernel's first LOCK CMPXCHG16B (SLUB) lands in
	# KVM's instruction emulator, which cannot do it: lhyve stops with
	# KVM_EXIT_INTERNAL_ERROR (exit 4) before any console output.
	echo "host KVM is kvm_pvm (no VT-x): its instruction emulator stops" \
	    "Linux at LOCK CMPXCHG16B (KVM_EXIT_INTERNAL_ERROR, docs/kvm.md" \
	    "F1); LHYVE_KVM_PVM=1 runs it anyway"
else
	err=$("$LHYVE" -o backend=kvm -m 64M -s 0,hostbridge -s 31,lpc \
	    --kernel /nonexistent vm0 </dev/null 2>&1 >/dev/null)
	case "$err" in
	*backend=kvm*) echo "lhyve refuses kvm here: ${err%%$'\n'*}" ;;
	esac
fi
exit 0
