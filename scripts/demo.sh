#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# demo.sh: boots Debian's stock cloud kernel with a busybox initramfs on
# lhyve, with the guest's serial console on this terminal (`make demo`).
#
# usage: scripts/demo.sh [--tiny]
#
# On a terminal you get an interactive busybox shell in the guest (lhyve
# puts the terminal in raw mode, so ^C goes to the guest); `poweroff` in
# the guest powers it off and lhyve exits with status 1.  When stdin is not
# a terminal (CI, a pipe), the guest runs `uname -a` and powers off, so
# the demo always ends by itself.  The first run downloads the kernel and
# busybox packages into ~/.cache/lhyve (tests/system/fetch.sh).
#
# --tiny boots the small bundled demo guest instead
# (build/tests/guests/demo.elf, `make guests-build`): a banner naming the
# backend, then it echoes what you type until q or Ctrl-D (without a
# terminal: banner, then power-off through pc-testdev).
#
# A guest power-off (lhyve status 1) or reset (0) is a normal end: this
# script then exits 0; any other lhyve status is passed on.
#
# Environment: LHYVE (default build/lhyve), BACKEND (auto|emu|kvm, default
# auto: kvm when it works here, else emu), DEMO_CPUS (default 2), DEMO_MEM
# (default 512M), DEMO_KERNEL, DEMO_INITRD, DEMO_CMDLINE (boot something
# else: e.g. DEMO_KERNEL=vmlinuz DEMO_INITRD=initrd.img).

set -u
cd "$(dirname "$0")/.." || exit 1

LHYVE=${LHYVE:-build/lhyve}
BACKEND=${BACKEND:-auto}
TINY=0
case "${1:-}" in
--tiny) TINY=1 ;;
"") ;;
*)
	sed -n 's/^# usage: /usage: /p' "$0" >&2
	exit 2
	;;
esac

PROBE_KERNEL=build/tests/guests/demo.elf
BASE=(-s 0,hostbridge -s 31,lpc -l com1,stdio)

if [ ! -x "$LHYVE" ]; then
	echo "demo.sh: $LHYVE is missing (run make demo)" >&2
	exit 4
fi

# Resolve auto here, so the tiny guest can name the backend in its banner:
# kvm when /dev/kvm is usable and this lhyve's kvm backend runs the bundled
# guest (powering off, status 1), else emu.
backend=$BACKEND
if [ "$backend" = auto ]; then
	backend=emu
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -e "$PROBE_KERNEL" ]; then
		"$LHYVE" -c 1 "${BASE[@]}" -l pc-testdev -m 64M -o backend=kvm \
		    --kernel "$PROBE_KERNEL" --cmdline batch probe \
		    </dev/null >/dev/null 2>&1
		[ $? -eq 1 ] && backend=kvm
	fi
fi

interactive=0
[ -t 0 ] && interactive=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-demo.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

if [ "$TINY" = 1 ]; then
	mode=""
	[ "$interactive" = 1 ] || mode=" batch"
	DEMO_KERNEL=${DEMO_KERNEL:-build/tests/guests/demo.elf}
	DEMO_CMDLINE=${DEMO_CMDLINE:-lhyve-demo backend=$backend$mode}
	DEMO_MEM=${DEMO_MEM:-64M}
	DEMO_CPUS=${DEMO_CPUS:-1}
	BASE+=(-l pc-testdev)
	hint="q or Ctrl-D in the guest ends it"
elif [ -z "${DEMO_KERNEL:-}" ]; then
	# Debian's cloud kernel and a busybox initramfs.
	if ! tests/system/fetch.sh -q >"$WORK/fetch.env"; then
		echo "demo.sh: cannot fetch the Debian kernel" \
		    "(tests/system/fetch.sh failed; network to Debian's archive?)" >&2
		exit 4
	fi
	# shellcheck disable=SC1091
	. "$WORK/fetch.env"
	DEMO_KERNEL=$LHYVE_VMLINUZ
	if [ "$interactive" = 1 ]; then
		init_args=(-c 'uname -a' -s)
	else
		init_args=(-c 'uname -a' -c 'nproc' -c 'cat /proc/cmdline')
	fi
	if ! tests/system/mkinitramfs.sh -b "$LHYVE_BUSYBOX" \
	    "${init_args[@]}" "$WORK/initrd.gz" 2>"$WORK/mkinitramfs.err"; then
		cat "$WORK/mkinitramfs.err" >&2
		exit 4
	fi
	DEMO_INITRD=${DEMO_INITRD:-$WORK/initrd.gz}
	if [ "$interactive" = 1 ]; then
		hint="about 20 s to a shell on emu; poweroff in the guest ends it"
	else
		hint="no terminal: it runs uname -a and powers off"
	fi
else
	hint="the guest's console is on this terminal"
fi
DEMO_INITRD=${DEMO_INITRD:-}
DEMO_CMDLINE=${DEMO_CMDLINE:-console=ttyS0}
DEMO_MEM=${DEMO_MEM:-512M}
DEMO_CPUS=${DEMO_CPUS:-2}

for f in "$DEMO_KERNEL" ${DEMO_INITRD:+"$DEMO_INITRD"}; do
	if [ ! -e "$f" ]; then
		echo "demo.sh: $f is missing (run make demo)" >&2
		exit 4
	fi
done

args=(-c "$DEMO_CPUS" "${BASE[@]}" -m "$DEMO_MEM" -o "backend=$backend"
    --kernel "$DEMO_KERNEL" --cmdline "$DEMO_CMDLINE")
[ -n "$DEMO_INITRD" ] && args+=(--initrd "$DEMO_INITRD")

echo "demo.sh: booting $DEMO_KERNEL on lhyve ($backend," \
    "$DEMO_CPUS vCPU, $DEMO_MEM; $hint)" >&2
"$LHYVE" "${args[@]}" lhyve-demo
rc=$?
case $rc in
0)
	echo "demo.sh: the guest reset; lhyve exited with status 0" >&2
	exit 0
	;;
1)
	echo "demo.sh: the guest powered off; lhyve exited with status 1" >&2
	exit 0
	;;
*)
	echo "demo.sh: lhyve exited with status $rc" >&2
	exit "$rc"
	;;
esac
