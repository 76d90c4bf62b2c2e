#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: storage system tests -- the Debian cloud kernel on lhyve with
# virtio-blk disks and a virtio-console port, driven by the kernel's own
# drivers (ext4, virtio_blk, virtio_console), checked from the host with
# e2fsprogs and the image files themselves.
#
# Two boots:
#  A  (powers off): mounts an ext4 image made on the host with mkfs.ext4 -d
#     (-o discard), checks a file's SHA-256, writes a new file and syncs,
#     writes, deletes and trims a patterned file; a ro ext4 disk refuses
#     writes; on a raw disk blkdiscard, fallocate(PUNCH_HOLE) on the block
#     device (WRITE_ZEROES with unmap) and BLKZEROOUT (WRITE_ZEROES); a
#     virtio-console port (a unix socket) carries a line each way.  While
#     it runs, a second lhyve on the same writable image is refused (exit
#     4, the slot named) and a second ro user of the ro image is not.
#     Then on the host: debugfs finds the new file intact, e2fsck -fn is
#     clean, the deleted file's data is gone (discarded), the raw disk
#     has holes (du) and zeroes where the guest asked for them.
#  B  (kill -9): the guest writes a file, syncs, prints a marker; lhyve is
#     killed with SIGKILL at the marker; the file is in the image (after
#     e2fsck replays the journal, as the next mount would).
#
# usage: tests/system/storage/run.sh
#   Prints "PASS name", "FAIL name (why)", "SKIP name (why)" lines; exits
#   1 if anything failed.
#
# Environment: LHYVE (default build/lhyve), LHYVE_BACKEND (emu, the
# default, or kvm: passed as -o backend=), LHYVE_CACHE (default
# ~/.cache/lhyve), SYSTEM_TIMEOUT (seconds per boot, default 600), KEEP=1
# keeps the work directory.  Needs e2fsprogs (mkfs.ext4, debugfs,
# e2fsck) and gcc with a static libc (the guest tool blkio).  About 1-2
# minutes on the emu.

set -u
cd "$(dirname "$0")/../../.." || exit 1

. tests/system/lib.sh
tier_init storage
BLD=build/tests/system/storage

TESTS=(ext4-read-sha256 ext4-write-debugfs ext4-e2fsck-clean
    ext4-discard ro-refuses raw-discard-holes raw-write-zeroes-unmap
    raw-write-zeroes exclusive-writer shared-ro missing-path
    kill9-synced-data console-port-name console-guest-to-host
    console-host-to-guest)

require_lhyve
for t in mkfs.ext4 debugfs e2fsck gcc cpio; do
	command -v "$t" >/dev/null 2>&1 ||
	    PATH=$PATH:/sbin:/usr/sbin command -v "$t" >/dev/null 2>&1 ||
	    skip_all "no $t (scripts/setup-deps.sh installs it)"
done
export PATH=$PATH:/sbin:/usr/sbin

find_kernel
[ -n "$VMLINUZ" ] && [ -n "$MODS" ] ||
    skip_all "no Debian kernel in $CACHE (tests/system/fetch.sh)"

make_work

# -- the tools: blkio in the guest (static), unixcat on the host ---------
mkdir -p "$BLD"
if ! gcc -static -O2 -std=gnu11 -Wall -o "$BLD/blkio" \
    tests/system/storage/blkio.c 2>"$WORK/gcc.log" ||
    ! gcc -O2 -std=gnu11 -Wall -o "$BLD/unixcat" \
    tests/system/storage/unixcat.c 2>>"$WORK/gcc.log"; then
	fail_guest_tests "cannot build the test tools"
	sed 's/^/    | /' "$WORK/gcc.log"
	exit 1
fi

# -- the initramfs: busybox, the modules, blkio, the guest script --------
ROOT=$WORK/root
mkdir -p "$ROOT/lib/virtio" "$ROOT/bin" "$ROOT/etc"
cp "$BLD/blkio" "$ROOT/bin/blkio"
INS=""
for m in virtio/virtio_ring.ko virtio/virtio.ko \
    virtio/virtio_pci_modern_dev.ko virtio/virtio_pci_legacy_dev.ko \
    virtio/virtio_pci.ko block/virtio_blk.ko char/virtio_console.ko; do
	f=$MODS/drivers/$m
	[ -f "$f" ] || skip_all "no $f"
	cp "$f" "$ROOT/lib/virtio/"
	INS="$INS insmod /lib/virtio/$(basename "$m");"
done

# Guest helpers: a disk by its serial (ser=), the console port by name.
cat >"$ROOT/etc/st.sh" <<'EOF'
dev_of() {
	for s in /sys/block/vd*/serial; do
		[ "$(cat "$s")" = "$1" ] && { d=${s%/serial}; echo "${d##*/}"; return; }
	done
}
port_of() {
	for n in /sys/class/virtio-ports/*/name; do
		[ "$(cat "$n")" = "$1" ] && { d=${n%/name}; echo "${d##*/}"; return; }
	done
}
DATA=$(dev_of LHYVE-DATA) RO=$(dev_of LHYVE-RO) RAW=$(dev_of LHYVE-RAW)
mkdir -p /mnt /ro
EOF

PAT=LHYVE-BIG-PATTERN-0123456789abcdef
CMDS_A=(
	"$INS true"
	". /etc/st.sh; echo DEVS=\$DATA,\$RO,\$RAW"
	". /etc/st.sh; mount -t ext4 -o discard /dev/\$DATA /mnt; echo MOUNT-RC=\$?"
	"echo HELLO-SHA=\$(sha256sum /mnt/hello.bin | cut -d' ' -f1)"
	"head -c 2097152 /dev/urandom >/mnt/new.bin; sync; echo NEW-SHA=\$(sha256sum /mnt/new.bin | cut -d' ' -f1)"
	"yes $PAT | head -c 8388608 >/mnt/big.bin; sync; rm /mnt/big.bin; sync; fstrim -v /mnt; echo TRIM-RC=\$?"
	". /etc/st.sh; mount -t ext4 /dev/\$RO /ro; echo RO-FLAG=\$(cat /sys/block/\$RO/ro); echo RO-TXT=\$(cat /ro/ro.txt)"
	"echo x >/ro/new.txt; echo RO-WRITE-RC=\$?"
	". /etc/st.sh; dd if=/dev/zero of=/dev/\$RO bs=4096 count=1 conv=fsync; echo RO-DD-RC=\$?"
	". /etc/st.sh; cat /sys/block/\$RAW/queue/discard_max_bytes /sys/block/\$RAW/queue/write_zeroes_max_bytes"
	". /etc/st.sh; blkdiscard -o 0 -l 4194304 /dev/\$RAW; echo DISCARD-RC=\$?"
	". /etc/st.sh; blkio punch /dev/\$RAW 4194304 4194304; echo PUNCH-RC=\$?"
	". /etc/st.sh; blkio zeroout /dev/\$RAW 8388608 4194304; echo ZEROOUT-RC=\$?"
	". /etc/st.sh; P=\$(port_of port1); echo CON-PORT=\$P; timeout 120 sh -c \"exec 3<>/dev/\$P; echo LHYVE-CON-GUEST-LINE >&3; read -r l <&3; echo CON-GOT=\\\$l\""
	"umount /mnt; umount /ro; echo UMOUNT-RC=\$?"
)
CMDS_B=(
	"$INS true"
	". /etc/st.sh; mount -t ext4 /dev/\$DATA /mnt; echo MOUNT-RC=\$?"
	"head -c 1048576 /dev/urandom >/mnt/synced.bin; sync; echo SYNCED-SHA=\$(sha256sum /mnt/synced.bin | cut -d' ' -f1); echo LHYVE-SYNCED; sleep 600"
)
mkinit() {
	local out=$1 args=()
	shift
	for c in "$@"; do args+=(-c "$c"); done
	tests/system/mkinitramfs.sh -d "$ROOT" "${args[@]}" "$out" \
	    2>>"$WORK/mkinitramfs.log"
}
if ! mkinit "$WORK/a.cpio.gz" "${CMDS_A[@]}" ||
    ! mkinit "$WORK/b.cpio.gz" "${CMDS_B[@]}"; then
	fail_guest_tests "mkinitramfs.sh failed"
	sed 's/^/    | /' "$WORK/mkinitramfs.log"
	exit 1
fi

# -- the images ---------------------------------------------------------
mkdir -p "$WORK/tree" "$WORK/rotree"
head -c 1048576 /dev/urandom >"$WORK/tree/hello.bin"
HELLO_SHA=$(sha256sum "$WORK/tree/hello.bin" | cut -d' ' -f1)
echo "read-only-disk-text" >"$WORK/rotree/ro.txt"
if ! mkfs.ext4 -q -F -L lhyvedata -d "$WORK/tree" "$WORK/data.img" 64M \
    >"$WORK/mkfs.log" 2>&1 ||
    ! mkfs.ext4 -q -F -L lhyvero -d "$WORK/rotree" "$WORK/ro.img" 8M \
    >>"$WORK/mkfs.log" 2>&1; then
	fail_guest_tests "mkfs.ext4 -d failed"
	sed 's/^/    | /' "$WORK/mkfs.log"
	exit 1
fi
cp "$WORK/ro.img" "$WORK/ro.orig"
# The raw disk: 16 MiB of a pattern, every block allocated.
yes LHYVE-RAW-DISK-PATTERN | head -c 16777216 >"$WORK/raw.img"
sync "$WORK/raw.img" 2>/dev/null

COMMON=(-o "backend=$BACKEND" -m 512M -s 0,hostbridge -s 31,lpc
    -l com1,stdio)

# wait_for FILE REGEXP SECONDS PID: until REGEXP is in FILE (0), the
# process PID is gone or the time is up (1).
wait_for() {
	local i
	for ((i = 0; i < $3 * 5; i++)); do
		grep -aq "$2" "$1" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || { grep -aq "$2" "$1"; return; }
		sleep 0.2
	done
	return 1
}

# -- boot A --------------------------------------------------------------
SOCK=$WORK/con.sock
"$BLD/unixcat" "$SOCK" "$TMO" LHYVE-CON-HOST-LINE >"$WORK/unixcat.out" \
    2>"$WORK/unixcat.err" &
UCPID=$!
LOGA=$WORK/console-a.log
timeout -k 10 "$TMO" "$LHYVE" "${COMMON[@]}" -c 1 \
    -s "4,virtio-blk,$WORK/data.img,ser=LHYVE-DATA" \
    -s "5,virtio-blk,$WORK/ro.img,ro,ser=LHYVE-RO" \
    -s "6,virtio-blk,$WORK/raw.img,ser=LHYVE-RAW" \
    -s "7,virtio-console,port1=$SOCK" \
    --kernel "$VMLINUZ" --initrd "$WORK/a.cpio.gz" \
    --cmdline "console=ttyS0 quiet" vmstore </dev/null >"$LOGA" 2>&1 &
VMPID=$!

# While A holds its disks: a second VM on them.
SMALL=build/tests/guests/hello32.elf
[ -f "$SMALL" ] || SMALL=/dev/null
second() {
	"$LHYVE" -o "backend=$BACKEND" -m 64M -s 0,hostbridge -s 31,lpc \
	    -l com1,stdio -l pc-testdev "$@" --kernel "$SMALL" vmsecond \
	    </dev/null 2>&1
}
if wait_for "$LOGA" LHYVE-INIT-UP 300 "$VMPID"; then
	out=$(second -s "4,virtio-blk,$WORK/data.img")
	rc=$?
	if [ "$rc" = 4 ] && grep -q "virtio-blk@pci0:4:0: .*in use" <<<"$out"
	then
		pass exclusive-writer
	else
		fail exclusive-writer "second writer: exit $rc, '$out'"
	fi
	out=$(second -s "4,virtio-blk,$WORK/ro.img,ro")
	rc=$?
	if ! grep -q "in use" <<<"$out" && { [ "$rc" != 4 ] ||
	    [ "$SMALL" = /dev/null ]; }; then
		pass shared-ro
	else
		fail shared-ro "second ro user: exit $rc, '$out'"
	fi
else
	fail exclusive-writer "boot A did not start"
	fail shared-ro "boot A did not start"
fi
out=$(second -s "9,virtio-blk,$WORK/no/such.img")
rc=$?
if [ "$rc" = 4 ] && grep -q "virtio-blk@pci0:9:0: .*no/such.img" <<<"$out"
then
	pass missing-path
else
	fail missing-path "exit $rc, '$out'"
fi

wait "$VMPID"
rcA=$?
wait "$UCPID" 2>/dev/null
tr -d '\r' <"$LOGA" >"$LOGA.txt"
LOG=$LOGA.txt
if ! grep -aq LHYVE-POWEROFF "$LOG"; then
	if [ "$rcA" = 4 ] && [ "$BACKEND" != emu ] &&
	    grep -aqi "backend" "$LOG"; then
		skip_all "backend $BACKEND: $(grep -ai backend "$LOG" | head -n 1)"
	fi
	for t in ext4-read-sha256 ext4-write-debugfs ext4-e2fsck-clean \
	    ext4-discard ro-refuses raw-discard-holes raw-write-zeroes-unmap \
	    raw-write-zeroes console-port-name console-guest-to-host \
	    console-host-to-guest; do
		fail "$t" "boot A did not finish (lhyve exit $rcA)"
	done
	tail -n 40 "$LOG" | sed 's/^/    | /'
else
	nf=$nfail
	[ "$(val MOUNT-RC)" = 0 ] && [ "$(val HELLO-SHA)" = "$HELLO_SHA" ] &&
	    pass ext4-read-sha256 ||
	    fail ext4-read-sha256 "mount rc $(val MOUNT-RC), sha '$(val HELLO-SHA)'"
	got=$(debugfs -R "cat /new.bin" "$WORK/data.img" 2>/dev/null |
	    sha256sum | cut -d' ' -f1)
	[ -n "$(val NEW-SHA)" ] && [ "$got" = "$(val NEW-SHA)" ] &&
	    pass ext4-write-debugfs ||
	    fail ext4-write-debugfs "guest '$(val NEW-SHA)' host '$got'"
	if e2fsck -fn "$WORK/data.img" >"$WORK/e2fsck.log" 2>&1 &&
	    [ "$(val UMOUNT-RC)" = 0 ]; then
		pass ext4-e2fsck-clean
	else
		fail ext4-e2fsck-clean "umount rc $(val UMOUNT-RC); e2fsck: $(tail -n 3 "$WORK/e2fsck.log" | tr '\n' ' ')"
	fi
	# Deleted with -o discard and trimmed: its blocks are holes now.
	n=$(grep -ac "$PAT" "$WORK/data.img")
	[ "$(val TRIM-RC)" = 0 ] && [ "$n" = 0 ] && pass ext4-discard ||
	    fail ext4-discard "fstrim rc $(val TRIM-RC), $n pattern lines left in the image"
	if [ "$(val RO-FLAG)" = 1 ] && [ "$(val RO-TXT)" = read-only-disk-text ] &&
	    [ "$(val RO-WRITE-RC)" != 0 ] && [ "$(val RO-DD-RC)" != 0 ] &&
	    cmp -s "$WORK/ro.img" "$WORK/ro.orig"; then
		pass ro-refuses
	else
		fail ro-refuses "ro=$(val RO-FLAG) txt=$(val RO-TXT) write=$(val RO-WRITE-RC) dd=$(val RO-DD-RC)"
	fi
	# raw.img: [0,4M) discarded, [4M,8M) punched (write-zeroes, unmap),
	# [8M,12M) BLKZEROOUT (write-zeroes, kept allocated), [12M,16M) as is.
	zero4=$(head -c 4194304 /dev/zero | sha256sum | cut -d' ' -f1)
	part() { dd if="$WORK/raw.img" bs=1M skip="$1" count=4 2>/dev/null |
	    sha256sum | cut -d' ' -f1; }
	orig=$(yes LHYVE-RAW-DISK-PATTERN | head -c 16777216 | tail -c 4194304 |
	    sha256sum | cut -d' ' -f1)
	kib=$(du -k "$WORK/raw.img" | cut -f1)
	[ "$(val DISCARD-RC)" = 0 ] && [ "$(part 0)" = "$zero4" ] &&
	    [ "$kib" -le 12288 ] && pass raw-discard-holes ||
	    fail raw-discard-holes "rc $(val DISCARD-RC), ${kib} KiB allocated"
	[ "$(val PUNCH-RC)" = 0 ] && [ "$(part 4)" = "$zero4" ] &&
	    [ "$kib" -le 8192 ] && pass raw-write-zeroes-unmap ||
	    fail raw-write-zeroes-unmap "rc $(val PUNCH-RC), ${kib} KiB allocated (want <= 8192)"
	[ "$(val ZEROOUT-RC)" = 0 ] && [ "$(part 8)" = "$zero4" ] &&
	    [ "$(part 12)" = "$orig" ] && pass raw-write-zeroes ||
	    fail raw-write-zeroes "rc $(val ZEROOUT-RC), or the last 4 MiB changed"
	case $(val CON-PORT) in
	vport*p0) pass console-port-name ;;
	*) fail console-port-name "no virtio port named port1 ('$(val CON-PORT)')" ;;
	esac
	grep -q "^GOT=LHYVE-CON-GUEST-LINE$" "$WORK/unixcat.out" &&
	    pass console-guest-to-host ||
	    fail console-guest-to-host "host got '$(cat "$WORK/unixcat.out" "$WORK/unixcat.err")'"
	[ "$(val CON-GOT)" = LHYVE-CON-HOST-LINE ] &&
	    pass console-host-to-guest ||
	    fail console-host-to-guest "guest got '$(val CON-GOT)'"
	[ "$nfail" -gt "$nf" ] && tail -n 60 "$LOG" | sed 's/^/    | /'
fi

# -- boot B: kill -9 after sync --------------------------------------------
LOGB=$WORK/console-b.log
timeout -k 10 "$TMO" "$LHYVE" "${COMMON[@]}" -c 1 \
    -s "4,virtio-blk,$WORK/data.img,ser=LHYVE-DATA" \
    --kernel "$VMLINUZ" --initrd "$WORK/b.cpio.gz" \
    --cmdline "console=ttyS0 quiet" vmkill </dev/null >"$LOGB" 2>&1 &
VMPID=$!
if wait_for "$LOGB" "^LHYVE-SYNCED" "$TMO" "$VMPID"; then
	kill -KILL "$VMPID" 2>/dev/null
	wait "$VMPID" 2>/dev/null
	tr -d '\r' <"$LOGB" >"$LOGB.txt"
	LOG=$LOGB.txt
	# The next mount would replay the journal: e2fsck -fy does.
	cp "$WORK/data.img" "$WORK/killed.img"
	e2fsck -fy "$WORK/killed.img" >"$WORK/e2fsck-b.log" 2>&1
	erc=$?
	got=$(debugfs -R "cat /synced.bin" "$WORK/killed.img" 2>/dev/null |
	    sha256sum | cut -d' ' -f1)
	if [ "$erc" -le 1 ] && [ -n "$(val SYNCED-SHA)" ] &&
	    [ "$got" = "$(val SYNCED-SHA)" ]; then
		pass kill9-synced-data
	else
		fail kill9-synced-data "e2fsck -fy exit $erc, guest '$(val SYNCED-SHA)' host '$got'"
		tail -n 20 "$LOG" | sed 's/^/    | /'
	fi
else
	kill -KILL "$VMPID" 2>/dev/null
	wait "$VMPID" 2>/dev/null
	fail kill9-synced-data "no LHYVE-SYNCED marker"
	tr -d '\r' <"$LOGB" | tail -n 40 | sed 's/^/    | /'
fi
[ "$nfail" -eq 0 ]
