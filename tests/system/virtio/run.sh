#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: virtio system tests -- boots the Debian cloud kernel on lhyve
# with a virtio-blk disk and a virtio-rnd device, loads the kernel's own
# virtio modules in the guest and checks what the guest and the host see.
#
# Three boots: MSI-X with VCPUS vCPUs; -W (single MSI offered; Linux's
# virtio-pci then uses INTx) with 2 vCPUs; the legacy 0.9.5 interface
# (virtio_pci.force_legacy=1) with MSI-X.  Each checks: the guest reads
# the disk's first MiB with the host's SHA-256, writes a pattern the host
# finds in the file, sees ser= as the serial, the sizes, a ro disk
# refusing writes, virtio_rng as the current hwrng and 4 KiB from it.
#
# usage: tests/system/virtio/run.sh
#   Prints "PASS name", "FAIL name (why)", "SKIP name (why)" lines (the
#   protocol tests/run-all.sh counts); exits 1 if anything failed.
#
# Environment: LHYVE (default build/lhyve), LHYVE_CACHE (default
# ~/.cache/lhyve, where tests/system/fetch.sh puts the kernel and
# busybox), SYSTEM_TIMEOUT (seconds per boot, default 600), VCPUS
# (default 1), KEEP=1 keeps the work directory.

set -u
cd "$(dirname "$0")/../../.." || exit 1

. tests/system/lib.sh
tier_init virtio

# Each guest test runs twice: MSI-X (default) and "-W-smp" (-W, 2 vCPUs).
TESTS=(blk-read-sha256 blk-write-host blk-serial blk-size blk-ro-refuses
    rnd-current rnd-read bad-options)

find_kernel

# -- bad -s options: no guest needed -------------------------------------
bad_options() {
	check_refused bad-options "" "4,virtio-blk" "4,virtio-blk,,ro" \
	    "4,virtio-blk,sectorsize=512" "4,virtio-blk,/nonexistent/disk.img" \
	    "4,virtio-blk,/dev/null,sectorsize=100" \
	    "4,virtio-blk,$WORK/disk.img,nocahce" \
	    "4,virtio-blk,$WORK/disk.img,ro=maybe" \
	    "7,virtio-console" "7,virtio-console,port1" \
	    "7,virtio-console,port1=$WORK/disk.img"
}

require_lhyve
make_work

if [ -z "$VMLINUZ" ] || [ -z "$MODS" ]; then
	head -c 1M /dev/zero >"$WORK/disk.img"
	skip_guest_tests "no Debian kernel in $CACHE (tests/system/fetch.sh)"
fi


# The kernel's virtio modules, in dependency order, in a second cpio
# archive appended to the initramfs (the kernel unpacks both).
M="$WORK/mods/lib/virtio"
mkdir -p "$M"
ORDER="virtio/virtio_ring.ko virtio/virtio.ko virtio/virtio_pci_modern_dev.ko
virtio/virtio_pci_legacy_dev.ko virtio/virtio_pci.ko block/virtio_blk.ko
char/hw_random/virtio-rng.ko"
INS=""
for m in $ORDER; do
	f="$MODS/drivers/$m"
	[ -f "$f" ] || { for t in "${TESTS[@]}"; do skip "$t" "no $f"; done; exit 0; }
	cp "$f" "$M/"
	INS="$INS insmod /lib/virtio/$(basename "$m")"
	# busybox insmod does not read module options off the command line.
	[ "$m" = virtio/virtio_pci.ko ] && INS="$INS \$(grep -o \
	    'force_legacy=1' /proc/cmdline)"
	INS="$INS;"
done

PAT="LHYVE-VIRTIO-PATTERN-0123456789"
tests/system/mkinitramfs.sh \
    -c "$INS true" \
    -c "cat /sys/block/vda/size /sys/block/vdb/size" \
    -c "echo SUM=\$(dd if=/dev/vda bs=65536 count=16 2>/dev/null | sha256sum)" \
    -c "echo SERIAL=\$(cat /sys/block/vda/serial)" \
    -c "yes $PAT | head -c 65536 | dd of=/dev/vda bs=4096 seek=512 conv=fsync 2>/dev/null; echo WRITE-RC=\$?" \
    -c "sync; echo 3 > /proc/sys/vm/drop_caches; echo BACK=\$(dd if=/dev/vda bs=4096 skip=512 count=16 2>/dev/null | sha256sum)" \
    -c "echo RO=\$(cat /sys/block/vdb/ro); [ -b /dev/vdb ] && dd if=/dev/zero of=/dev/vdb bs=4096 count=1 conv=fsync 2>&1; echo RO-WRITE-RC=\$?" \
    -c "echo RNG=\$(cat /sys/devices/virtual/misc/hw_random/rng_current)" \
    -c "echo RNGBYTES=\$(head -c 4096 /dev/hwrng | wc -c)" \
    -c "cat /proc/interrupts | grep -i virtio" \
    -c "echo FEAT=\$(cat /sys/bus/virtio/devices/virtio0/features)" \
    "$WORK/base.cpio.gz" 2>"$WORK/mkinitramfs.log" || initramfs_failed
(cd "$WORK/mods" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc --owner=0:0 --quiet) | gzip -n >"$WORK/mods.cpio.gz"
cat "$WORK/base.cpio.gz" "$WORK/mods.cpio.gz" >"$WORK/initrd.cpio.gz"

# boot_check SUFFIX LHYVE-ARGS...: one boot with fresh disks, then every
# guest-side test, named with SUFFIX ("" or e.g. "-msi-intx").
boot_check() {
	local sfx=$1 rc want got
	shift
	head -c 1M /dev/urandom >"$WORK/disk.img"
	head -c 7M /dev/zero >>"$WORK/disk.img"
	SUM=$(head -c 1M "$WORK/disk.img" | sha256sum | cut -d' ' -f1)
	head -c 1M /dev/urandom >"$WORK/ro.img"
	cp "$WORK/ro.img" "$WORK/ro.orig"
	LOG=$WORK/console$sfx.log
	boot "$LOG" "$@" -m 512M -s 0,hostbridge \
	    -s 31,lpc -l com1,stdio \
	    -s "4,virtio-blk,$WORK/disk.img,ser=LHYVE-SER-42" \
	    -s "5,virtio-rnd" -s "6,virtio-blk,$WORK/ro.img,ro" \
	    --kernel "$VMLINUZ" --initrd "$WORK/initrd.cpio.gz" \
	    --cmdline "console=ttyS0 quiet${XCMD:+ $XCMD}" vm0
	if ! grep -aq LHYVE-POWEROFF "$LOG"; then
		fail_guest_tests "guest did not finish (lhyve exit $rc)" "$sfx"
		tail -n 40 "$LOG" | sed 's/^/    | /'
		return
	fi
	local nf=$nfail
	[ "$(val SUM)" = "$SUM" ] && pass blk-read-sha256$sfx ||
	    fail blk-read-sha256$sfx "guest sha256 '$(val SUM)' != '$SUM'"
	want=$(yes "$PAT" | head -c 65536 | sha256sum | cut -d' ' -f1)
	got=$(dd if="$WORK/disk.img" bs=4096 skip=512 count=16 2>/dev/null |
	    sha256sum | cut -d' ' -f1)
	if [ "$(val WRITE-RC)" = 0 ] && [ "$got" = "$want" ] &&
	    [ "$(val BACK)" = "$want" ]; then
		pass blk-write-host$sfx
	else
		fail blk-write-host$sfx "rc=$(val WRITE-RC) host=$got back=$(val BACK) want=$want"
	fi
	[ "$(val SERIAL)" = LHYVE-SER-42 ] && pass blk-serial$sfx ||
	    fail blk-serial$sfx "serial '$(val SERIAL)'"
	if grep -aqx 16384 "$LOG" && grep -aqx 2048 "$LOG"; then
		pass blk-size$sfx
	else
		fail blk-size$sfx "no 16384/2048 sectors in /sys/block/vd*/size"
	fi
	if [ "$(val RO)" = 1 ] && [ "$(val RO-WRITE-RC)" != 0 ] &&
	    cmp -s "$WORK/ro.img" "$WORK/ro.orig"; then
		pass blk-ro-refuses$sfx
	else
		fail blk-ro-refuses$sfx "ro=$(val RO) rc=$(val RO-WRITE-RC)"
	fi
	[ "$(val RNG)" = virtio_rng.0 ] && pass rnd-current$sfx ||
	    fail rnd-current$sfx "rng_current '$(val RNG)'"
	[ "$(val RNGBYTES)" = 4096 ] && pass rnd-read$sfx ||
	    fail rnd-read$sfx "read $(val RNGBYTES) bytes from /dev/hwrng"
	# MSI-X: a vector per queue; -W: Linux's virtio-pci falls back to INTx.
	if [ "$sfx" != "-W-smp" ]; then
		grep -aq "PCI-MSI.*virtio0-req.0" "$LOG" && pass intr-msix$sfx ||
		    fail intr-msix$sfx "no per-queue MSI-X vector in /proc/interrupts"
	else
		grep -aq "IO-APIC.*virtio" "$LOG" && pass intr-intx$sfx ||
		    fail intr-intx$sfx "virtio not on an IO-APIC line"
	fi
	# Which interface the driver used: VERSION_1 (bit 32) is modern only.
	local v1 iface=modern
	v1=$(val FEAT | cut -c33)
	[ "$sfx" = -legacy ] && iface=legacy
	if { [ "$iface" = modern ] && [ "$v1" = 1 ]; } ||
	    { [ "$iface" = legacy ] && [ "$v1" = 0 ]; }; then
		pass iface$sfx
	else
		fail iface$sfx "wanted the $iface interface; features '$(val FEAT)'"
	fi
	[ "$nfail" -gt "$nf" ] && tail -n 60 "$LOG" | sed 's/^/    | /'
}

boot_check "" -c "$VCPUS"
boot_check "-W-smp" -c 2 -W
# The legacy 0.9.5 interface: Linux's virtio_pci.force_legacy=1.
XCMD="virtio_pci.force_legacy=1" boot_check "-legacy" -c 1
bad_options
[ "$nfail" -eq 0 ]
