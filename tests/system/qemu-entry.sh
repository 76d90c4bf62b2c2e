#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# qemu-entry.sh: cross-checks lhyve's Linux loader on a second CPU model, QEMU
# (independent of the emu backend).  lhyve's own linux_load() (through
# tests/system/entry/dump.c, against a fake VM) builds the guest memory
# for the Debian kernel -- kernel at its load address, initrd, zero page
# with lhyve's E820 map, command line, GDT and page tables -- and a
# multiboot shim (entry/stub.S) replays exactly that state under
# qemu-system-x86_64 (TCG): copy, enter long mode with lhyve's tables,
# jump to load address + 0x200 with RSI = the zero page.  Passes when the
# kernel reports lhyve's E820 map, reaches the initramfs, runs its
# commands and powers off.
#
# usage: tests/system/qemu-entry.sh [WORKDIR]
# Exit: 0 pass, 1 fail (reason on stdout), 77 skip (reason on stdout).
# Needs: gcc, binutils, qemu-system-x86, cpio, and the kernel and busybox
# in the cache (tests/system/fetch.sh; this script fetches only if
# LHYVE_FETCH=1).  Environment: QEMU (default qemu-system-x86_64),
# QEMU_TIMEOUT (default 300 s).

set -u
cd "$(dirname "$0")/../.." || exit 1

QEMU=${QEMU:-qemu-system-x86_64}
TMO=${QEMU_TIMEOUT:-300}
# QEMU 7.2's SeaBIOS keeps the top 128 KiB of a 512 MiB guest for its
# tables (its E820 says reserved), so lhyve's map must stop below them.
MEM=512M
LOWMEM=0x1ffe0000

if ! command -v "$QEMU" >/dev/null 2>&1; then
	echo "$QEMU not installed (apt-get install qemu-system-x86)"
	exit 77
fi
if [ -n "${1:-}" ]; then
	W=$1
	mkdir -p "$W"
else
	W=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-qemu-entry.XXXXXX") || exit 1
	trap 'rm -rf "$W"' EXIT
fi

fetch_args=(-q)
if [ "${LHYVE_FETCH:-0}" != 1 ]; then
	# Only look: is everything already in the cache?
	cache=${LHYVE_CACHE:-$HOME/.cache/lhyve}
	if ! ls "$cache"/linux-image-*/boot/vmlinuz-* >/dev/null 2>&1 ||
	    [ ! -x "$cache/busybox-static/bin/busybox" ]; then
		echo "no Debian kernel in $cache (run tests/system/fetch.sh)"
		exit 77
	fi
fi
if ! tests/system/fetch.sh "${fetch_args[@]}" >"$W/fetch.env" 2>"$W/err"; then
	echo "tests/system/fetch.sh failed: $(tail -n 1 "$W/err")"
	exit 77
fi
# shellcheck disable=SC1091
. "$W/fetch.env"

tests/system/mkinitramfs.sh -b "$LHYVE_BUSYBOX" -c 'uname -r' \
    "$W/initrd.gz" 2>"$W/err" || {
	echo "mkinitramfs.sh failed: $(tail -n 1 "$W/err")"
	exit 1
}

# The loader, compiled from the tree (only the sources it needs, so a
# half-finished file elsewhere does not stop the check).
CFLAGS=(-O1 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror
    -D_GNU_SOURCE -Isrc)
if ! gcc "${CFLAGS[@]}" -o "$W/dump" tests/system/entry/dump.c \
    src/boot/linux.c src/boot/x86_setup.c src/boot/boot.c \
    src/boot/multiboot.c src/boot/elf.c src/platform/e820.c \
    2>"$W/err"; then
	echo "cannot build entry/dump.c:"
	sed 's/^/    /' "$W/err" | head -n 20
	exit 1
fi
if ! gcc -m32 -c -o "$W/stub.o" tests/system/entry/stub.S 2>"$W/err" ||
    ! ld -m elf_i386 -nostdlib -N -Ttext=0x100000 -z noexecstack \
    --no-warn-rwx-segments --build-id=none -o "$W/stub.elf" "$W/stub.o" \
    2>>"$W/err"; then
	echo "cannot build entry/stub.S: $(head -n 1 "$W/err")"
	exit 1
fi

MARK=lhyve-loader-says-hello
if ! "$W/dump" "$LHYVE_VMLINUZ" "$W/initrd.gz" "console=ttyS0 -- echo $MARK" \
    "$LOWMEM" "$W" >"$W/dump.env" 2>"$W/err"; then
	echo "linux_load failed: $(cat "$W/err")"
	exit 1
fi
# shellcheck disable=SC1091
. "$W/dump.env"

# Module order matters: the kernel image last, so that copying it up to
# KADDR cannot run over the other modules' sources.
timeout -k 5 "$TMO" "$QEMU" -accel tcg -m "$MEM" -smp 1 -nographic \
    -no-reboot -kernel "$W/stub.elf" -append "$ENTRY" \
    -initrd "$W/low.bin 0x1000,$W/initrd.bin $IADDR,$W/kernel.bin $KADDR" \
    </dev/null >"$W/console.log" 2>&1
rc=$?
tr -d '\r' <"$W/console.log" >"$W/console.txt"

why=""
# lhyve's E820 map for 0x1ffe0000 bytes of lowmem, as Linux prints it.
want_e820="BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
BIOS-e820: [mem 0x000000000009fc00-0x00000000000fffff] reserved
BIOS-e820: [mem 0x0000000000100000-0x000000001ffdffff] usable
BIOS-e820: [mem 0x00000000e0000000-0x00000000efffffff] reserved"
got_e820=$(sed -n 's/^\[ *[0-9.]*\] \(BIOS-e820: .*\)$/\1/p' "$W/console.txt")
uname_out=$(awk '$1 == "LHYVE-CMD-END" && $2 == 1 { on = 0 } on { print }
    $1 == "LHYVE-CMD-BEGIN" && $2 == 1 { on = 1 }' "$W/console.txt")
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	why="QEMU timed out after ${TMO}s"
elif [ "$got_e820" != "$want_e820" ]; then
	why="the kernel did not report lhyve's E820 map"
elif ! grep -q "RAMDISK: \[mem $(printf '0x%08x' "$IADDR")-" "$W/console.txt"; then
	why="the kernel did not find the initrd at $IADDR"
elif [ "$uname_out" != "$LHYVE_KERNEL_RELEASE" ]; then
	why="uname -r printed '$uname_out', want '$LHYVE_KERNEL_RELEASE'"
elif ! grep -qx "$MARK" "$W/console.txt"; then
	why="the command after -- on lhyve's command line did not run"
elif ! grep -qx LHYVE-POWEROFF "$W/console.txt" || [ "$rc" -ne 0 ]; then
	why="no clean power-off (QEMU status $rc)"
fi
if [ -n "$why" ]; then
	echo "$why"
	tail -n 25 "$W/console.txt" | cat -v | sed 's/^/    # /'
	exit 1
fi
echo "Debian $LHYVE_KERNEL_RELEASE booted from lhyve's loader state" \
    "(load $KADDR, initrd $IADDR, $E820 E820 entries)"
exit 0
