#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the numa tier -- one boot of the Debian cloud kernel on lhyve
# with two NUMA domains (-n) and two fw_cfg items (-f), checking what
# Linux makes of them: /sys/devices/system/node has node0 and node1 with
# the vCPUs and memory -n gave them and the SLIT distances (10 20 / 20 10);
# the kernel's own qemu_fw_cfg driver (bound through the DSDT's
# QEMU0002 device, reading by DMA) shows both items with their contents.
#
# usage: tests/system/numa/run.sh
#   Prints "PASS name", "FAIL name (why)", "SKIP name (why)" lines;
#   exits 1 if anything failed.  About 15-30 s on 2 cores.
#
# Environment: LHYVE (default build/lhyve), LHYVE_CACHE (default
# ~/.cache/lhyve), SYSTEM_TIMEOUT (seconds, default 600), KEEP=1 keeps
# the work directory.

set -u
cd "$(dirname "$0")/../../.." || exit 1

. tests/system/lib.sh
tier_init numa
# val NAME: the whole value after NAME= (lib.sh's stops at a blank).
val() { grep -a "^$1=" "$LOG" | head -n 1 | cut -d= -f2-; }

TESTS=(nodes node-cpus node-mem distance fwcfg-driver fwcfg-string
    fwcfg-file)

find_kernel
FWMOD=$MODS/drivers/firmware/qemu_fw_cfg.ko

require_lhyve
[ -n "$VMLINUZ" ] || skip_all "no Debian kernel in $CACHE (tests/system/fetch.sh)"
[ -f "$FWMOD" ] || skip_all "no $FWMOD"
make_work

mkdir -p "$WORK/root/lib"
cp "$FWMOD" "$WORK/root/lib/"
printf 'lhyve fw_cfg file item\n' >"$WORK/item.txt"
FW=/sys/firmware/qemu_fw_cfg
tests/system/mkinitramfs.sh -d "$WORK/root" \
    -c "echo NODES=\$(ls -d /sys/devices/system/node/node* | xargs -n1 basename | tr '\n' ,)" \
    -c "echo CPUS0=\$(cat /sys/devices/system/node/node0/cpulist)" \
    -c "echo CPUS1=\$(cat /sys/devices/system/node/node1/cpulist)" \
    -c "echo MEM0=\$(awk '/MemTotal/ {print \$4}' /sys/devices/system/node/node0/meminfo)" \
    -c "echo MEM1=\$(awk '/MemTotal/ {print \$4}' /sys/devices/system/node/node1/meminfo)" \
    -c "echo DIST0=\$(cat /sys/devices/system/node/node0/distance | tr ' ' ,)" \
    -c "echo DIST1=\$(cat /sys/devices/system/node/node1/distance | tr ' ' ,)" \
    -c "insmod /lib/qemu_fw_cfg.ko; echo FWREV=\$(cat $FW/rev)" \
    -c "echo FWSTR=\$(cat $FW/by_name/opt/lhyve/greeting/raw | tr -d '\\000' | tr ' ' _)" \
    -c "echo FWFILE=\$(cat $FW/by_name/opt/lhyve/file/raw | tr ' ' _)" \
    "$WORK/initrd.cpio.gz" 2>"$WORK/mkinitramfs.log" || initramfs_failed

LOG=$WORK/console.log
boot "$LOG" -c 2 -m 512M -s 0,hostbridge -s 31,lpc \
    -l com1,stdio -n id=0,size=384M,cpus=0 -n id=1,size=128M,cpus=1 \
    -f 'opt/lhyve/greeting,string=hello from lhyve' \
    -f "opt/lhyve/file,file=$WORK/item.txt" \
    --kernel "$VMLINUZ" --initrd "$WORK/initrd.cpio.gz" \
    --cmdline "console=ttyS0 quiet" vm0

if ! grep -aq LHYVE-POWEROFF "$LOG"; then
	fail_guest_tests "guest did not finish (lhyve exit $rc)"
	tail -n 40 "$LOG" | sed 's/^/    | /'
	exit 1
fi
[ "$(val NODES)" = "node0,node1," ] && pass nodes ||
    fail nodes "nodes '$(val NODES)'"
[ "$(val CPUS0)" = 0 ] && [ "$(val CPUS1)" = 1 ] && pass node-cpus ||
    fail node-cpus "cpulist '$(val CPUS0)' / '$(val CPUS1)'"
# MemTotal in KiB: what the kernel keeps of each domain's RAM after its
# own reservations (measured: 376 and 94 MiB of 384 and 128; the
# initramfs and early allocations sit at the top, in node 1).
m0=$(val MEM0)
m1=$(val MEM1)
if [ "${m0:-0}" -gt $((320 * 1024)) ] && [ "$m0" -le $((384 * 1024)) ] &&
    [ "${m1:-0}" -gt $((64 * 1024)) ] && [ "$m1" -le $((128 * 1024)) ]; then
	pass node-mem
else
	fail node-mem "MemTotal node0 '$m0' KiB, node1 '$m1' KiB"
fi
[ "$(val DIST0)" = "10,20" ] && [ "$(val DIST1)" = "20,10" ] &&
    pass distance || fail distance "'$(val DIST0)' / '$(val DIST1)'"
[ "$(val FWREV)" = 3 ] && pass fwcfg-driver ||
    fail fwcfg-driver "qemu_fw_cfg rev '$(val FWREV)' (want 3: DMA)"
[ "$(val FWSTR)" = hello_from_lhyve ] && pass fwcfg-string ||
    fail fwcfg-string "'$(val FWSTR)'"
[ "$(val FWFILE)" = lhyve_fw_cfg_file_item ] && pass fwcfg-file ||
    fail fwcfg-file "'$(val FWFILE)'"
[ "$nfail" -gt 0 ] && tail -n 60 "$LOG" | sed 's/^/    | /'
[ "$nfail" -eq 0 ]
