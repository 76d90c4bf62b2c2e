#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: NVMe system tests -- boots the Debian cloud kernel (its NVMe
# driver is built in) on lhyve with two NVMe controllers and checks what
# the guest and the host see.
#
# One boot, 2 vCPUs (so Linux makes two I/O queue pairs, each on its own
# MSI-X vector):
#   - slot 4: an ext4 image built on the host with mkfs.ext4 -d.  The
#     guest mounts /dev/nvme0n1, checks a file's SHA-256, writes a new
#     file, runs fstrim (Dataset Management deallocate), syncs, unmounts
#     and powers off; the host then reads the new file back with debugfs
#     and e2fsck -fn must find the file system clean.
#   - slot 5: ram=16 (4 KiB blocks): the guest writes 1 MiB of random
#     data and reads it back after dropping its caches.
#   - serial, model and firmware in /sys/class/nvme/nvme0/, the sizes,
#     per-queue MSI-X vectors; malformed -s options exit 4.
#
# usage: tests/system/nvme/run.sh
#   Prints "PASS name", "FAIL name (why)", "SKIP name (why)" lines (the
#   protocol tests/run-all.sh counts); exits 1 if anything failed.
#
# Environment: LHYVE (default build/lhyve), LHYVE_BACKEND (default emu;
# passed as -o backend=...), LHYVE_CACHE (default ~/.cache/lhyve, where
# tests/system/fetch.sh puts the kernel and busybox), SYSTEM_TIMEOUT
# (seconds for the boot, default 600), KEEP=1 keeps the work directory.

set -u
cd "$(dirname "$0")/../../.." || exit 1

. tests/system/lib.sh
tier_init nvme

TESTS=(ctrl-identity ns-sizes msix-queues ext4-read-sha256 ext4-write-host
    ext4-fstrim e2fsck-clean ram-roundtrip bad-options)

find_kernel

# -- bad -s options: no guest needed -------------------------------------
bad_options() {
	check_refused bad-options "-o backend=$BACKEND" "4,nvme" "4,nvme,,ro" \
	    "4,nvme,ram=0" "4,nvme,ram=16,maxq=0" "4,nvme,ram=16,qsz=1" \
	    "4,nvme,ram=16,sectsz=1000" "4,nvme,ram=16,dsm=sometimes" \
	    "4,nvme,ram=16,nocahce" "4,nvme,/nonexistent/disk.img"
}

require_lhyve
[ -n "$VMLINUZ" ] ||
    skip_guest_tests "no Debian kernel in $CACHE (tests/system/fetch.sh)"
for tool in mkfs.ext4 debugfs e2fsck; do
	if ! command -v "$tool" >/dev/null 2>&1 &&
	    ! [ -x "/usr/sbin/$tool" ] && ! [ -x "/sbin/$tool" ]; then
		skip_guest_tests "no $tool (e2fsprogs)"
	fi
done
export PATH="$PATH:/usr/sbin:/sbin"

make_work

# The ext4 image: one file of random data, built without root.
mkdir -p "$WORK/fs/dir"
head -c 300000 /dev/urandom >"$WORK/fs/dir/hello.bin"
HELLO=$(sha256sum <"$WORK/fs/dir/hello.bin" | cut -d' ' -f1)
if ! mkfs.ext4 -q -F -L lhyvenvme -d "$WORK/fs" "$WORK/disk.img" 32M \
    >"$WORK/mkfs.log" 2>&1; then
	fail_guest_tests "mkfs.ext4 -d failed"
	sed 's/^/    | /' "$WORK/mkfs.log"
	bad_options
	exit 1
fi
PAT="LHYVE-NVME-PATTERN-0123456789"
WANT=$(yes "$PAT" | head -c 1000000 | sha256sum | cut -d' ' -f1)

# The guest side.  The NVMe driver probes asynchronously: wait for the
# namespaces.  Each value is printed as NAME=value on a line of its own.
G=(
	"for i in \$(seq 100); do [ -b /dev/nvme0n1 ] && [ -b /dev/nvme1n1 ] && break; sleep 0.1; done; ls /dev/nvme*"
	"for c in /sys/class/nvme/nvme*; do echo CTRL=\${c##*/}:\$(cat \$c/serial \$c/model \$c/firmware_rev | tr -d ' ' | tr '\\n' :); done"
	"for n in 0 1; do echo SIZE\$n=\$(cat /sys/block/nvme\${n}n1/size); echo LBS\$n=\$(cat /sys/block/nvme\${n}n1/queue/logical_block_size); done"
	"mkdir -p /mnt && mount -t ext4 /dev/nvme0n1 /mnt; echo MOUNT=\$?"
	"echo HELLO=\$(sha256sum < /mnt/dir/hello.bin)"
	"yes $PAT | head -c 1000000 > /mnt/new.txt; sync; echo WROTE=\$?"
	"fstrim /mnt; echo FSTRIM=\$?"
	"echo BACK=\$(sha256sum < /mnt/new.txt)"
	"umount /mnt; echo UMOUNT=\$?"
	"dd if=/dev/urandom of=/tmp/r bs=4096 count=256 2>/dev/null; dd if=/tmp/r of=/dev/nvme1n1 bs=65536 conv=fsync 2>/dev/null; echo RAMW=\$?"
	"sync; echo 3 > /proc/sys/vm/drop_caches; echo RAMSUM=\$(dd if=/dev/nvme1n1 bs=65536 count=16 2>/dev/null | sha256sum | cut -d' ' -f1)=\$(sha256sum < /tmp/r | cut -d' ' -f1)"
	"grep nvme /proc/interrupts"
	"echo QUEUES=\$(grep -c 'nvme0q[1-9]' /proc/interrupts)"
)
tests/system/mkinitramfs.sh "${G[@]/#/-c}" "$WORK/initrd.cpio.gz" \
    2>"$WORK/mkinitramfs.log" || initramfs_failed

LOG=$WORK/console.log
boot "$LOG" -o backend="$BACKEND" -c 2 -m 512M \
    -s 0,hostbridge -s 31,lpc -l com1,stdio \
    -s "4,nvme,$WORK/disk.img,ser=LHYVE-NVME-DISK" \
    -s "5,nvme,ram=16,ser=LHYVE-NVME-RAM,maxq=2" \
    --kernel "$VMLINUZ" --initrd "$WORK/initrd.cpio.gz" \
    --cmdline "console=ttyS0 quiet" vm0

if ! grep -aq LHYVE-POWEROFF "$LOG"; then
	fail_guest_tests "guest did not finish (lhyve exit $rc)"
	tail -n 40 "$LOG" | sed 's/^/    | /'
	bad_options
	exit 1
fi

# sysfs shows the space-padded Identify strings; the guest strips them.
if grep -aqx "CTRL=nvme0:LHYVE-NVME-DISK:lhyve-NVMe:1.0:" "$LOG" &&
    grep -aqx "CTRL=nvme1:LHYVE-NVME-RAM:lhyve-NVMe:1.0:" "$LOG"; then
	pass ctrl-identity
else
	fail ctrl-identity "$(grep -a '^CTRL=' "$LOG" | tr '\n' ' ')"
fi
# 32 MiB of 512-byte blocks; 16 MiB of 4 KiB blocks (size is in 512 B).
if [ "$(val SIZE0)" = 65536 ] && [ "$(val LBS0)" = 512 ] &&
    [ "$(val SIZE1)" = 32768 ] && [ "$(val LBS1)" = 4096 ]; then
	pass ns-sizes
else
	fail ns-sizes "$(grep -a '^SIZE' "$LOG" | tr '\n' ' ')"
fi
if [ "$(val QUEUES)" = 2 ] && grep -aq "PCI-MSI.*nvme0q0" "$LOG"; then
	pass msix-queues
else
	fail msix-queues "I/O queues with vectors: '$(val QUEUES)'"
fi
[ "$(val MOUNT)" = 0 ] && [ "$(val HELLO)" = "$HELLO" ] &&
    pass ext4-read-sha256 ||
    fail ext4-read-sha256 "mount=$(val MOUNT) sha '$(val HELLO)' != '$HELLO'"
GOT=$(debugfs -R "cat /new.txt" "$WORK/disk.img" 2>/dev/null | sha256sum |
    cut -d' ' -f1)
OLD=$(debugfs -R "cat /dir/hello.bin" "$WORK/disk.img" 2>/dev/null |
    sha256sum | cut -d' ' -f1)
if [ "$(val WROTE)" = 0 ] && [ "$(val UMOUNT)" = 0 ] &&
    [ "$(val BACK)" = "$WANT" ] && [ "$GOT" = "$WANT" ] &&
    [ "$OLD" = "$HELLO" ]; then
	pass ext4-write-host
else
	fail ext4-write-host "wrote=$(val WROTE) umount=$(val UMOUNT) guest=$(val BACK) host=$GOT old=$OLD"
fi
[ "$(val FSTRIM)" = 0 ] && pass ext4-fstrim ||
    fail ext4-fstrim "fstrim exit $(val FSTRIM)"
if e2fsck -fn "$WORK/disk.img" >"$WORK/e2fsck.log" 2>&1; then
	pass e2fsck-clean
else
	fail e2fsck-clean "e2fsck -fn: $(tail -n 3 "$WORK/e2fsck.log" | tr '\n' ' ')"
fi
RS=$(val RAMSUM)
if [ "$(val RAMW)" = 0 ] && [ -n "$RS" ] && [ "${RS%%=*}" = "${RS#*=}" ]; then
	pass ram-roundtrip
else
	fail ram-roundtrip "write rc=$(val RAMW) sums $RS"
fi
[ "$nfail" -gt 0 ] && tail -n 60 "$LOG" | sed 's/^/    | /'
bad_options
[ "$nfail" -eq 0 ]
