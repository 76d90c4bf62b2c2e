#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# qemu-check.sh: a developer tool, not a test tier.  Runs the guests that
# QEMU can boot (multiboot ELF32, -bios ROM) under qemu-system-x86_64 (TCG)
# and compares them with the same .expect files, to tell a guest bug from
# an lhyve bug.  Needs Debian's qemu-system-x86.  Not run by make check.
#
# QEMU differs from lhyve where multiboot lets it: it prepends the kernel
# path to the command line (so hello32 is not checked here), cannot load
# multiboot ELF64 (long64_e64, elf64), and with -no-reboot it exits 0 on a
# triple fault and never ends a cli;hlt.  Its unassigned memory reads as
# zeros, not all-ones, so testdev is left out too.

set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/guests/testlib.sh

QEMU=${QEMU:-qemu-system-x86_64}
G=build/tests/guests
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-qemu.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
command -v "$QEMU" >/dev/null || { echo "qemu-check.sh: no $QEMU" >&2; exit 2; }

# qguest NAME STATUS QEMU-ARGS...
qguest() {
	local name=$1 want=$2
	shift 2
	run_capture "$WORK/out" "$WORK/err" 60 "$QEMU" -accel tcg \
	    -display none -no-reboot -m 64M -serial stdio \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
	if [ "$rc" -ne "$want" ]; then
		fail "qemu/$name" "exit status $rc, expected $want"
	elif ! cmp -s "tests/guests/$name.expect" "$WORK/out"; then
		fail "qemu/$name" "output differs from tests/guests/$name.expect"
		diff -u "tests/guests/$name.expect" "$WORK/out" | sed 's/^/    | /'
	else
		pass "qemu/$name"
	fi
}

qguest mbinfo 1 -kernel $G/mbinfo.elf -initrd $G/mbinfo-initrd.txt
qguest realmode_rom 1 -bios $G/realmode_rom.rom
qguest realmode_mb 1 -kernel $G/realmode_mb.elf
qguest long64 1 -kernel $G/long64.elf
qguest demo 1 -kernel $G/demo.elf -append "backend=test batch"
qguest alu32 1 -kernel $G/alu32.elf
qguest alu16 1 -kernel $G/alu16.elf
qguest alu64 1 -kernel $G/alu64.elf
qguest except32 1 -kernel $G/except32.elf
qguest except64 1 -kernel $G/except64.elf
qguest uart 1 -kernel $G/uart.elf
qguest smp 1 -smp 4 -kernel $G/smp.elf
qguest pic_pit 1 -kernel $G/pic_pit.elf
qguest triplefault 0 -kernel $G/triplefault.elf
qguest reset 0 -kernel $G/reset.elf
qguest reset_cf9 0 -kernel $G/reset_cf9.elf
t_done
