#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# demo.sh: boots the bundled demo guest on lhyve's serial console (`make
# demo` builds lhyve and the guests first).
#
# On a terminal the guest prints a banner naming the backend, then echoes
# what you type until you press q or Ctrl-D.  When stdin is not a terminal
# (CI, a pipe), the guest is told "batch": it prints the banner and powers
# off at once.  The guest powers off through pc-testdev (lhyve status 1),
# which this script reports as success (0); any other status is passed on.
#
# Environment: LHYVE (default build/lhyve), BACKEND (auto|emu|kvm, default
# auto: kvm when it works here, else emu), DEMO_KERNEL, DEMO_INITRD,
# DEMO_CMDLINE, DEMO_MEM.  The demo is just a kernel, an optional initrd and
# a command line, so booting a Debian kernel instead is a matter of setting
# DEMO_KERNEL=vmlinuz DEMO_INITRD=initrd.img DEMO_CMDLINE="console=ttyS0".

set -u
cd "$(dirname "$0")/.." || exit 1

LHYVE=${LHYVE:-build/lhyve}
BACKEND=${BACKEND:-auto}

PROBE_KERNEL=build/tests/guests/demo.elf
BASE=(-c 1 -s 0,hostbridge -s 31,lpc -l com1,stdio -l pc-testdev)

# Resolve auto here, so the guest can name the backend in its banner: kvm
# when /dev/kvm is usable and this lhyve's kvm backend runs the bundled
# guest (powering off, status 1), else emu.
backend=$BACKEND
if [ "$backend" = auto ]; then
	backend=emu
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -e "$PROBE_KERNEL" ]; then
		"$LHYVE" "${BASE[@]}" -m 64M -o backend=kvm \
		    --kernel "$PROBE_KERNEL" --cmdline batch probe \
		    </dev/null >/dev/null 2>&1
		[ $? -eq 1 ] && backend=kvm
	fi
fi

if [ -t 0 ]; then
	mode=""
else
	mode=" batch"
fi

DEMO_KERNEL=${DEMO_KERNEL:-build/tests/guests/demo.elf}
DEMO_INITRD=${DEMO_INITRD:-}
DEMO_CMDLINE=${DEMO_CMDLINE:-lhyve-demo backend=$backend$mode}
DEMO_MEM=${DEMO_MEM:-64M}

for f in "$LHYVE" "$DEMO_KERNEL" ${DEMO_INITRD:+"$DEMO_INITRD"}; do
	if [ ! -e "$f" ]; then
		echo "demo.sh: $f is missing (run make demo)" >&2
		exit 4
	fi
done

args=("${BASE[@]}" -m "$DEMO_MEM" -o "backend=$backend"
    --kernel "$DEMO_KERNEL" --cmdline "$DEMO_CMDLINE")
[ -n "$DEMO_INITRD" ] && args+=(--initrd "$DEMO_INITRD")

if [ -t 0 ]; then
	echo "demo.sh: booting $DEMO_KERNEL on lhyve" \
	    "(q or Ctrl-D in the guest ends it)" >&2
fi
"$LHYVE" "${args[@]}" lhyve-demo
rc=$?
case $rc in
0 | 1) exit 0 ;;	# reset or power-off: the guest ended normally
*)
	echo "demo.sh: lhyve exited with status $rc" >&2
	exit "$rc"
	;;
esac
