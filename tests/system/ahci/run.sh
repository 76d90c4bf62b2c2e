#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: AHCI system tests -- boots Debian's generic kernel (the cloud
# kernel has no AHCI, libata, sr or isofs drivers) on lhyve with three
# AHCI functions, one per -s grammar, loads the kernel's own ahci, sd_mod,
# sr_mod, isofs and ext4 modules in the guest, and checks what the guest
# and the host see, in one boot:
#   -s 4,ahci-hd,EXT4.IMG       an ext4 image made with mkfs.ext4 -d: the
#                               guest mounts it, checks a file's SHA-256,
#                               writes a new file, syncs and unmounts; the
#                               host finds the file with debugfs and
#                               e2fsck -fn is clean
#   -s 5,ahci-cd,DATA.ISO       an ISO 9660 image (xorriso): mounted as
#                               isofs, a file's SHA-256 matches
#   -s 6,ahci,hd:RAW.IMG,cd:DATA.ISO   two ports: the raw disk's first
#                               MiB reads back with the host's SHA-256,
#                               the same ISO on the second port
# plus NCQ in use (queue depth 32), TRIM offered (fstrim-able), the
# serial from ser=, a write to the CD refused, and malformed -s options
# refused with exit 4.
#
# usage: tests/system/ahci/run.sh
#   Prints "PASS name", "FAIL name (why)", "SKIP name (why)" lines (the
#   protocol tests/run-all.sh counts); exits 1 if anything failed.
#
# Environment: LHYVE (default build/lhyve), LHYVE_BACKEND (emu, the
# default, or kvm/auto: -o backend=...), LHYVE_CACHE (see fetch.sh; the
# generic kernel is fetched into it with fetch.sh --generic),
# SYSTEM_TIMEOUT (seconds for the boot, default 600), VCPUS (default 1),
# XCMD (more kernel command line), KEEP=1 keeps the work directory.

set -u
cd "$(dirname "$0")/../../.." || exit 1

. tests/system/lib.sh
tier_init ahci

TESTS=(hd-ext4-read hd-ext4-write-host hd-e2fsck-clean hd-ncq hd-trim
    hd-serial cd-iso-read cd-refuses-write multiport-hd-read
    multiport-cd-read no-ata-errors bad-options)

bad_options() {
	check_refused bad-options "" "4,ahci-hd" "4,ahci-cd" \
	    "4,ahci,xx:$WORK/raw.img" "4,ahci,hd:" \
	    "4,ahci-hd,/nonexistent/disk.img" \
	    "4,ahci-hd,$WORK/raw.img,nocahce" \
	    "4,ahci,hd:$WORK/raw.img,ro=maybe" \
	    "4,ahci,hd:$WORK/raw.img,nmrr=-1"
}

require_lhyve
make_work
head -c 8M /dev/zero >"$WORK/raw.img"

if [ "$BACKEND" = kvm ] && [ ! -w /dev/kvm ]; then
	skip_guest_tests "no writable /dev/kvm for LHYVE_BACKEND=kvm"
fi
for tool in mkfs.ext4 debugfs e2fsck xorriso cpio; do
	command -v "$tool" >/dev/null 2>&1 || skip_guest_tests "no $tool"
done
if ! tests/system/fetch.sh -q --generic >"$WORK/fetch.env" \
    2>"$WORK/fetch.err"; then
	fail_guest_tests "tests/system/fetch.sh --generic failed: $(tail -n 1 "$WORK/fetch.err")"
	bad_options
	exit 1
fi
# shellcheck disable=SC1091
. "$WORK/fetch.env"

# -- the guest's modules, with what they depend on, in load order --------
# No modules.dep in an extracted package: read each module's "depends="
# from its .modinfo strings.
declare -A KO
while IFS= read -r f; do
	b=$(basename "$f" .ko)
	KO[${b//-/_}]=$f
done < <(find "$LHYVE_GENERIC_MODULES/kernel" -name '*.ko')
declare -A SEEN
ORDER=()
add_mod() {
	local m=${1//-/_} f d
	[ -n "${SEEN[$m]:-}" ] && return 0
	SEEN[$m]=1
	f=${KO[$m]:-}
	if [ -z "$f" ]; then
		echo "no module $1 in $LHYVE_GENERIC_MODULES" >&2
		return 1
	fi
	for d in $(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_mod "$d" || return 1
	done
	ORDER+=("$f")
}
M="$WORK/root/lib/ahci"
mkdir -p "$M" "$WORK/root/bin"
for m in crc32c_generic ahci sd_mod sr_mod isofs ext4; do
	add_mod "$m" 2>>"$WORK/mods.err" || skip_guest_tests "$(cat "$WORK/mods.err")"
done
INS=""
for f in "${ORDER[@]}"; do
	cp "$f" "$M/"
	INS="$INS insmod /lib/ahci/$(basename "$f");"
done

# -- the images -----------------------------------------------------------
mkdir -p "$WORK/ext4dir/sub" "$WORK/isodir/docs"
head -c 3M /dev/urandom >"$WORK/ext4dir/sub/data.bin"
head -c 2M /dev/urandom >"$WORK/isodir/docs/payload.bin"
HDSUM=$(sha256sum <"$WORK/ext4dir/sub/data.bin" | cut -d' ' -f1)
CDSUM=$(sha256sum <"$WORK/isodir/docs/payload.bin" | cut -d' ' -f1)
mkfs.ext4 -q -F -L lhyveahci -d "$WORK/ext4dir" "$WORK/ext4.img" 64M \
    >"$WORK/mkfs.log" 2>&1 || skip_guest_tests "mkfs.ext4 -d failed"
xorriso -as mkisofs -quiet -R -J -V LHYVE_ISO -o "$WORK/data.iso" \
    "$WORK/isodir" >"$WORK/xorriso.log" 2>&1 || skip_guest_tests "xorriso failed"
head -c 1M /dev/urandom >"$WORK/raw.img"
head -c 7M /dev/zero >>"$WORK/raw.img"
RAWSUM=$(head -c 1M "$WORK/raw.img" | sha256sum | cut -d' ' -f1)
PAT="LHYVE-AHCI-PATTERN-0123456789"
NEWSUM=$(yes "$PAT" | head -c 1048576 | sha256sum | cut -d' ' -f1)

# The guest's side, as a script in the initramfs.  Disks are told apart
# by size (sd names follow probe order): ext4 64 MiB, raw 8 MiB.
cat >"$WORK/root/bin/ahci-test" <<'GUEST'
#!/bin/sh
bysize() {
	for d in /sys/block/$1*; do
		[ "$(cat "$d/size")" = "$2" ] && { basename "$d"; return; }
	done
}
i=0
while [ $i -lt 300 ]; do
	[ -b /dev/sdb ] && [ -b /dev/sr1 ] && break
	sleep 0.1
	i=$((i + 1))
done
ls /sys/block
HD=$(bysize sd 131072)
RAW=$(bysize sd 16384)
echo "HD=$HD RAW=$RAW"
mkdir -p /mnt/hd /mnt/cd /mnt/cd2
mount -t ext4 /dev/$HD /mnt/hd && echo HD-MOUNT=ok
echo HDSUM=$(sha256sum /mnt/hd/sub/data.bin | cut -d' ' -f1)
yes "$PAT" | head -c 1048576 >/mnt/hd/new.bin
sync
echo NEWSUM=$(sha256sum /mnt/hd/new.bin | cut -d' ' -f1)
echo QDEPTH=$(cat /sys/block/$HD/device/queue_depth)
echo TRIM=$(cat /sys/block/$HD/queue/discard_max_bytes)
fstrim /mnt/hd
echo FSTRIM-RC=$?
echo SERIAL=$(cat /sys/block/$RAW/device/vpd_pg80 2>/dev/null | tr -cd 'A-Z0-9-')
umount /mnt/hd && echo HD-UMOUNT=ok
echo RAWSUM=$(dd if=/dev/$RAW bs=65536 count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
for cd in sr0 sr1; do
	mount -t iso9660 -o ro /dev/$cd /mnt/cd && {
		echo CD-$cd=$(sha256sum /mnt/cd/docs/payload.bin | cut -d' ' -f1)
		umount /mnt/cd
	}
done
dd if=/dev/zero of=/dev/sr0 bs=2048 count=1 conv=fsync 2>/dev/null
echo CD-WRITE-RC=$?
dmesg | grep -aiE 'ata[0-9]|scsi|sd |sr |ext4|iso|error|fail|exception|reset' |
    sed 's/^/DMESG /'
GUEST
sed -i "s/\$PAT/$PAT/" "$WORK/root/bin/ahci-test"
chmod 755 "$WORK/root/bin/ahci-test"

tests/system/mkinitramfs.sh -d "$WORK/root" -c "$INS true" \
    -c "/bin/ahci-test" "$WORK/initrd.cpio.gz" 2>"$WORK/mkinitramfs.log" ||
    initramfs_failed

# -- one boot ---------------------------------------------------------------
LOG=$WORK/console.log
start=$(date +%s%N)
boot "$LOG" -o backend="$BACKEND" -c "$VCPUS" -m 512M \
    -s 0,hostbridge -s 31,lpc -l com1,stdio \
    -s "4,ahci-hd,$WORK/ext4.img" \
    -s "5,ahci-cd,$WORK/data.iso" \
    -s "6,ahci,hd:$WORK/raw.img,ser=LHYVE-AHCI-SER,cd:$WORK/data.iso" \
    --kernel "$LHYVE_GENERIC_VMLINUZ" --initrd "$WORK/initrd.cpio.gz" \
    --cmdline "console=ttyS0 quiet${XCMD:+ $XCMD}" vm0
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
printf '# system-ahci: the boot took %d.%03d s (lhyve exit %d)\n' \
    $((ms / 1000)) $((ms % 1000)) "$rc"

if ! grep -aq LHYVE-POWEROFF "$LOG"; then
	fail_guest_tests "guest did not finish (lhyve exit $rc)"
	tail -n 60 "$LOG" | sed 's/^/    | /'
	bad_options
	exit 1
fi

[ "$(val HDSUM)" = "$HDSUM" ] && [ "$(val HD-MOUNT)" = ok ] &&
    pass hd-ext4-read ||
    fail hd-ext4-read "mount=$(val HD-MOUNT) guest sha256 '$(val HDSUM)' != '$HDSUM'"
got=$(debugfs -R "cat /new.bin" "$WORK/ext4.img" 2>/dev/null | sha256sum |
    cut -d' ' -f1)
if [ "$(val NEWSUM)" = "$NEWSUM" ] && [ "$got" = "$NEWSUM" ] &&
    [ "$(val HD-UMOUNT)" = ok ]; then
	pass hd-ext4-write-host
else
	fail hd-ext4-write-host "guest=$(val NEWSUM) host=$got want=$NEWSUM umount=$(val HD-UMOUNT)"
fi
if e2fsck -fn "$WORK/ext4.img" >"$WORK/e2fsck.log" 2>&1; then
	pass hd-e2fsck-clean
else
	fail hd-e2fsck-clean "e2fsck -fn: $(tail -n 3 "$WORK/e2fsck.log" | tr '\n' ' ')"
fi
[ "$(val QDEPTH)" = 32 ] && pass hd-ncq ||
    fail hd-ncq "queue_depth '$(val QDEPTH)', wanted 32 (NCQ)"
t=$(val TRIM)
[ -n "$t" ] && [ "$t" != 0 ] && [ "$(val FSTRIM-RC)" = 0 ] && pass hd-trim ||
    fail hd-trim "discard_max_bytes '$t', fstrim rc '$(val FSTRIM-RC)'"
[ "$(val SERIAL)" = LHYVE-AHCI-SER ] && pass hd-serial ||
    fail hd-serial "serial '$(val SERIAL)'"
n=$(grep -ac "^CD-sr[01]=$CDSUM" "$LOG")
[ "$n" -ge 1 ] && pass cd-iso-read || fail cd-iso-read "no sr with sha256 $CDSUM"
[ "$(val CD-WRITE-RC)" != 0 ] && [ -n "$(val CD-WRITE-RC)" ] &&
    pass cd-refuses-write || fail cd-refuses-write "rc '$(val CD-WRITE-RC)'"
[ "$(val RAWSUM)" = "$RAWSUM" ] && pass multiport-hd-read ||
    fail multiport-hd-read "guest '$(val RAWSUM)' != '$RAWSUM'"
[ "$n" -eq 2 ] && pass multiport-cd-read ||
    fail multiport-cd-read "$n of 2 CD-ROMs read the ISO"
# libata's error handler never had to step in.
eh=$(grep -a '^DMESG' "$LOG" | grep -aiE 'exception|failed command|hard resetting|SError|timeout|I/O error|frozen' | head -n 3)
[ -z "$eh" ] && pass no-ata-errors || fail no-ata-errors "$eh"
[ "$nfail" -gt 0 ] && tail -n 80 "$LOG" | sed 's/^/    | /'
bad_options
[ "$nfail" -eq 0 ]
