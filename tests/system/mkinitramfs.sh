#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# mkinitramfs.sh: builds a busybox initramfs (gzip'd cpio "newc") whose
# /init mounts proc, sysfs and devtmpfs, runs a list of commands framed by
# marker lines on the console, and powers the machine off.
#
# usage: mkinitramfs.sh [-b BUSYBOX] [-c CMD]... [-d DIR]... [-f FILE] [-s] OUT.cpio.gz
#   -b BUSYBOX  a statically linked busybox (default: $LHYVE_BUSYBOX, else
#               the one tests/system/fetch.sh caches, else /bin/busybox)
#   -c CMD      a shell command to run (repeatable, in order)
#   -d DIR      copy DIR's tree into the initramfs root (repeatable):
#               extra files such as kernel modules, scripts, test tools
#   -f FILE     more commands, one per line ('#' lines and blank lines
#               are skipped)
#   -s          after the commands, start an interactive shell on the
#               console; power off when it exits (make demo)
# Needs: bash, cpio, gzip, binutils (readelf).  No root: the two device
# nodes the kernel needs before /init runs are written as a hand-made cpio
# archive appended to cpio's (the kernel unpacks concatenated archives,
# Documentation/driver-api/early-userspace/buffer-format.rst).
#
# What the guest prints on the console (lines may end in \r\n):
#   LHYVE-INIT-UP uptime=<s>
#   LHYVE-CMD-BEGIN <n> <command>
#   ... the command's output ...
#   LHYVE-CMD-END <n> rc=<exit status>
#   LHYVE-POWEROFF
# Commands may also come from the kernel command line: everything after
# "--" is handed to /init as arguments and run as one more command.
# "lhyve.shell=1" on the kernel command line has the effect of -s.

set -euo pipefail

usage() {
	sed -n '/^# usage:/,/^# Needs:/s/^# \{0,1\}//p' "$0" | sed '$d' >&2
	exit 2
}

BB=${LHYVE_BUSYBOX:-}
SHELL_AFTER=0
CMDS=()
DIRS=()
while getopts b:c:d:f:sh opt; do
	case "$opt" in
	b) BB=$OPTARG ;;
	c) CMDS+=("$OPTARG") ;;
	d) DIRS+=("$OPTARG") ;;
	f)
		while IFS= read -r line || [ -n "$line" ]; do
			case "$line" in
			'' | '#'*) ;;
			*) CMDS+=("$line") ;;
			esac
		done <"$OPTARG"
		;;
	s) SHELL_AFTER=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
OUT=$1

if [ -z "$BB" ]; then
	cached=${LHYVE_CACHE:-$HOME/.cache/lhyve}/busybox-static/bin/busybox
	if [ -x "$cached" ]; then
		BB=$cached
	else
		BB=/bin/busybox
	fi
fi
for tool in cpio gzip readelf; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "mkinitramfs.sh: $tool not found (apt-get install cpio" \
		    "gzip binutils)" >&2
		exit 1
	fi
done
if [ ! -x "$BB" ]; then
	echo "mkinitramfs.sh: $BB: no busybox there (run" \
	    "tests/system/fetch.sh or apt-get install busybox-static)" >&2
	exit 1
fi
# A dynamic busybox would need a libc in the initramfs.
if readelf -l "$BB" 2>/dev/null | grep -q INTERP; then
	echo "mkinitramfs.sh: $BB is dynamically linked; use busybox-static" >&2
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-initramfs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R"/{bin,sbin,etc,proc,sys,dev,tmp,run,root}
cp "$BB" "$R/bin/busybox"
chmod 755 "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done

# Extra trees given with -d, copied over the base (symlinks kept).
for d in "${DIRS[@]+"${DIRS[@]}"}"; do
	if [ ! -d "$d" ]; then
		echo "mkinitramfs.sh: -d $d: not a directory" >&2
		exit 1
	fi
	cp -a "$d"/. "$R"/
done

# The command list, one per line, as given.
: >"$R/etc/lhyve-commands"
for c in "${CMDS[@]+"${CMDS[@]}"}"; do
	printf '%s\n' "$c" >>"$R/etc/lhyve-commands"
done
echo "$SHELL_AFTER" >"$R/etc/lhyve-shell"

# The interactive shell's profile.  busybox's poweroff/reboot/halt without
# -f only signal PID 1, and PID 1 here is /init (a shell), which ignores
# them; so in the shell they act at once, as with -f.
cat >"$R/etc/profile" <<'PROFILE'
export PATH=/bin
export PS1='lhyve-guest:$PWD# '
poweroff() { /bin/poweroff -f "$@"; }
reboot() { /bin/reboot -f "$@"; }
halt() { /bin/poweroff -f "$@"; }
PROFILE

cat >"$R/init" <<'EOF'
#!/bin/sh
# /init of lhyve's test initramfs (tests/system/mkinitramfs.sh).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

echo "LHYVE-INIT-UP uptime=$(cut -d' ' -f1 /proc/uptime)"

n=0
run() {
	n=$((n + 1))
	echo "LHYVE-CMD-BEGIN $n $*"
	sh -c "$*"
	echo "LHYVE-CMD-END $n rc=$?"
}

while IFS= read -r cmd; do
	run "$cmd"
done </etc/lhyve-commands
# Arguments after "--" on the kernel command line: one more command.
[ $# -gt 0 ] && run "$*"

shell=$(cat /etc/lhyve-shell)
for p in $(cat /proc/cmdline); do
	[ "$p" = lhyve.shell=1 ] && shell=1
done
if [ "$shell" = 1 ]; then
	echo "LHYVE-SHELL (type poweroff to end)"
	# setsid + cttyhack: a controlling tty, so ^C works in the shell.
	setsid cttyhack sh -l
fi
echo "LHYVE-POWEROFF"
poweroff -f
# poweroff -f returns only if the machine did not power off.
echo "LHYVE-POWEROFF-FAILED"
sleep 3600
EOF
chmod 755 "$R/init"

# Reproducible: fixed times, sorted names, root-owned.
find "$R" -exec touch -h -d @0 {} +

# newc_node NAME MODE MAJOR MINOR INO: one cpio "newc" header for a device
# node (no data); the name is NUL-terminated and padded to 4 bytes.
newc_node() {
	local name=$1 mode=$2 maj=$3 min=$4 ino=$5 nsz hdr pad
	nsz=$((${#name} + 1))
	hdr=$(printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
	    "$ino" "$mode" 0 0 1 0 0 0 0 "$maj" "$min" "$nsz" 0)
	printf '%s%s\0' "$hdr" "$name"
	pad=$(((4 - (110 + nsz) % 4) % 4))
	head -c "$pad" /dev/zero
}

mkdir -p "$(dirname "$OUT")"
{
	(cd "$R" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	    cpio --null -o -H newc --owner=0:0 --reproducible --quiet)
	# /dev/console (c 5,1) and /dev/null (c 1,3): the kernel opens the
	# console for /init before anything is mounted.
	newc_node dev/console $((0020000 | 0600)) 5 1 900001
	newc_node dev/null $((0020000 | 0666)) 1 3 900002
	newc_node TRAILER!!! 0 0 0 0
} | gzip -9 -n >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "mkinitramfs.sh: wrote $OUT ($(stat -c %s "$OUT") bytes," \
    "${#CMDS[@]} commands)" >&2
