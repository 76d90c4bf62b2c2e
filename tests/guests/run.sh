#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the guest tier.  Boots each test guest (built by guests.mk) under
# lhyve, on the emu backend always and on kvm when /dev/kvm is usable, and
# checks its exact COM1 transcript (tests/guests/NAME.expect) and lhyve's
# exit status; then checks that bad kernels are refused with status 4.
#
# A guest marked PENDING (a feature still being built) that fails is
# reported as SKIP with the reason; once it passes it is a PASS.
#
# Environment: LHYVE (default build/lhyve), GUEST_TIMEOUT (seconds per run,
# default 60; it only catches hangs), GUESTS (space-separated names to run
# only those).

set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/guests/testlib.sh

LHYVE=${LHYVE:-build/lhyve}
G=build/tests/guests
TMO=${GUEST_TIMEOUT:-60}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-guests.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

BASE=(-c 1 -m 64M -s 0,hostbridge -s 31,lpc -l com1,stdio -l pc-testdev)

if [ -e /dev/kvm ]; then
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		kvm_skip=""
	else
		kvm_skip="/dev/kvm not accessible"
	fi
else
	kvm_skip="no /dev/kvm"
fi

selected() {
	[ -z "${GUESTS:-}" ] && return 0
	case " $GUESTS " in *" $1 "*) return 0 ;; esac
	return 1
}

# guest NAME STATUS ARGS...: run NAME with ARGS on each backend; expect exit
# STATUS and stdout equal to tests/guests/NAME.expect (or $EXPECT.expect).
guest() {
	local name=$1 want=$2 be t out err exp
	shift 2
	selected "$name" || return 0
	exp=tests/guests/${EXPECT:-$name}.expect
	for be in emu kvm; do
		t="guest/$name/$be"
		if [ "$be" = kvm ] && [ -n "$kvm_skip" ]; then
			skip "$t" "$kvm_skip"
			continue
		fi
		out=$WORK/$name.$be.out
		err=$WORK/$name.$be.err
		local cmd=("$LHYVE" "${BASE[@]}" -o "backend=$be" "$@" vm0)
		run_capture "$out" "$err" "$TMO" "${cmd[@]}"
		local why=""
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			why="timed out after ${TMO}s"
		elif [ ! -f "$exp" ]; then
			why="no $exp"
		elif [ "$rc" -ne "$want" ]; then
			why="exit status $rc, expected $want"
		elif ! cmp -s "$exp" "$out"; then
			why="COM1 output differs from $exp"
		else
			pass "$t"
			continue
		fi
		# A guest for a feature still being built: its failure is
		# reported as a skip that says so, its success as a pass.
		if [ -n "${PENDING:-}" ]; then
			skip "$t" "pending, $PENDING: $why; $(tail -n 1 "$out")"
			continue
		fi
		fail "$t" "$why"
		show_cmd "${cmd[@]}"
		echo "    exit status $rc"
		if [ -f "$exp" ]; then
			diff -u "$exp" "$out" >"$WORK/diff" 2>&1
			detail "diff expected got" "$WORK/diff"
		fi
		detail "stderr" "$err"
	done
}

# refused NAME WHAT ARGS...: lhyve must exit 4 with nothing on stdout and
# one line on stderr that names WHAT (the offending file).
refused() {
	local name=$1 what=$2 t out err lines
	shift 2
	selected "$name" || return 0
	t="guest/refuse/$name"
	out=$WORK/$name.out
	err=$WORK/$name.err
	local cmd=("$LHYVE" "${BASE[@]}" -o backend=emu "$@" vm0)
	run_capture "$out" "$err" "$TMO" "${cmd[@]}"
	lines=$(wc -l <"$err")
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "$t" "timed out after ${TMO}s"
	elif [ "$rc" -ne 4 ]; then
		fail "$t" "exit status $rc, expected 4"
	elif [ -s "$out" ]; then
		fail "$t" "the guest ran: output on stdout"
	elif [ "$lines" -ne 1 ]; then
		fail "$t" "$lines lines on stderr, expected one"
	elif ! grep -qF -- "$what" "$err"; then
		fail "$t" "the error does not name $what"
	else
		pass "$t"
		return
	fi
	show_cmd "${cmd[@]}"
	echo "    exit status $rc"
	detail "stdout" "$out"
	detail "stderr" "$err"
}

if [ ! -x "$LHYVE" ]; then
	fail "guest/lhyve" "$LHYVE not built"
	exit 1
fi

# /dev/kvm is usable but this lhyve may not have its kvm backend yet: a
# refusal that says so makes the kvm runs skipped, not failed.
if [ -z "$kvm_skip" ]; then
	run_capture "$WORK/probe.out" "$WORK/probe.err" "$TMO" "$LHYVE" \
	    "${BASE[@]}" -o backend=kvm --kernel $G/hello32.elf vm0
	if [ "$rc" -eq 4 ] && grep -qiE \
	    'unsupported|not (yet )?(supported|implemented|available|built)' \
	    "$WORK/probe.err"; then
		kvm_skip="this lhyve has no kvm backend: $(head -n 1 "$WORK/probe.err")"
	fi
fi

# --- guests that run -------------------------------------------------------
guest hello32 1 --kernel $G/hello32.elf \
	--cmdline 'hello32 console=ttyS0 x=1,y=2 "quoted words"'
guest mbinfo 1 --kernel $G/mbinfo.elf --initrd $G/mbinfo-initrd.txt
guest realmode_rom 1 -l bootrom,$G/realmode_rom.rom
guest realmode_mb 1 --kernel $G/realmode_mb.elf
guest long64 1 --kernel $G/long64.elf
guest long64_e64 1 --kernel $G/long64_e64.elf
guest elf64 1 --kernel $G/elf64.elf
guest demo 1 --kernel $G/demo.elf --cmdline "backend=test batch"
guest alu32 1 --kernel $G/alu32.elf
guest alu16 1 --kernel $G/alu16.elf
guest alu64 1 --kernel $G/alu64.elf
guest except32 1 --kernel $G/except32.elf
guest except64 1 --kernel $G/except64.elf
# sys_*: system architecture (issue 4).  QEMU's TCG skips segment limit
# and type checks, so sys_seg's limit lines follow the SDM, not QEMU.
guest sys_seg 1 --kernel $G/sys_seg.elf
# sys_long differs from QEMU where QEMU departs from the SDM: RSVD #PF
# codes without P, IDT error codes as vector*16+2, #GP instead of #SS for a
# non-canonical stack reference, SYSCALL clearing the arithmetic flags, and
# AMD's SYSRET to a non-canonical RIP (Intel: #GP(0) at CPL 0).
guest sys_long 1 --kernel $G/sys_long.elf
# A 64 KiB ROM from the reset vector to long mode (-o boot.rom maps it below
# 4 GiB and at 0xF0000); same transcript under QEMU -bios.
guest sys_rom64 1 -o boot.rom=$G/sys_rom64.rom
# PAE PDPTEs latched at MOV CR3/CR0 (#GP on reserved bits) and global pages
# kept across MOV CR3, as Intel CPUs do; QEMU (TCG) re-reads PDPTEs on each
# walk, never checks them, and flushes global entries on MOV CR3.
guest sys_paging 1 --kernel $G/sys_paging.elf
# SYSENTER/SYSEXIT in 32-bit PM and long mode (to 64-bit and compatibility
# mode); QEMU (with vendor=GenuineIntel) agrees except that it lets SYSEXIT
# go to a non-canonical RIP/RSP (SDM: #GP(0) at CPL 0).
guest sys_sysenter 1 --kernel $G/sys_sysenter.elf
# Cross-modifying code: the AP patches code the BSP runs after a flag and
# CPUID (same transcript under QEMU -smp 2).
guest sys_xmodify 1 -c 2 --kernel $G/sys_xmodify.elf
guest uart 1 --kernel $G/uart.elf
guest testdev 1 --kernel $G/testdev.elf
# bhyve's IDs: hostbridge 1275:1275 (class 060000), lpc 8086:7000 (060100).
guest pci 1 --kernel $G/pci.elf
# A multi-function slot: function 0 says so in its header type.
guest pci_multifunction 1 -s 4,hostbridge \
	-s 4:1,hostbridge --kernel $G/pci.elf
# Guests for devices that do not exist yet (PENDING says which): they fail
# fast when the device is missing, and are reported as skipped until then.
# Remove the PENDING= when the feature lands.
guest smp 1 -c 4 --kernel $G/smp.elf
guest pic_pit 1 --kernel $G/pic_pit.elf
# Interrupt controllers, timers and SMP (issue 5): verdicts, never raw
# times, so host load cannot change the transcript.
guest intr_lock 1 -c 4 --kernel $G/intr_lock.elf
guest intr_lock_code 1 -c 4 --kernel $G/intr_lock_code.elf
guest intr_lock_split 1 -c 4 --kernel $G/intr_lock_split.elf
guest intr_sipi 1 -c 5 --kernel $G/intr_sipi.elf
guest intr_ipi 1 -c 4 --kernel $G/intr_ipi.elf
guest intr_lapic_timer 1 --kernel $G/intr_lapic_timer.elf
guest intr_pit 1 --kernel $G/intr_pit.elf
guest intr_ioapic 1 --kernel $G/intr_ioapic.elf
guest intr_pic_only 1 --kernel $G/intr_pic_only.elf
# The host's UTC time in seconds, taken now: the guest reads the RTC (-u:
# UTC) and checks that it is within 2 s.
guest intr_rtc 1 -u --kernel $G/intr_rtc.elf --cmdline "$(date -u +%s)"
guest intr_hpet_pm 1 --kernel $G/intr_hpet_pm.elf
guest intr_hpet_legacy 1 --kernel $G/intr_hpet_legacy.elf
# A second vCPU that never gets a SIPI must not keep lhyve from ending (later
# options win, so -c 2 overrides the -c 1 of BASE).
EXPECT=hello32 guest hello32_2cpu 1 -c 2 --kernel $G/hello32.elf \
	--cmdline 'hello32 console=ttyS0 x=1,y=2 "quoted words"'
EXPECT=halt guest halt_2cpu 2 -c 2 --kernel $G/halt.elf
guest triplefault 3 --kernel $G/triplefault.elf
guest triplefault_int3 3 --kernel $G/triplefault_int3.elf
guest halt 2 --kernel $G/halt.elf
guest reset 0 --kernel $G/reset.elf
guest reset_cf9 0 --kernel $G/reset_cf9.elf

# --- what the loaders must refuse ------------------------------------------
refused nomb $G/bad-nomb.elf --kernel $G/bad-nomb.elf
refused badsum $G/bad-badsum.elf --kernel $G/bad-badsum.elf
refused truncated $G/bad-truncated.elf --kernel $G/bad-truncated.elf
refused notelf $G/bad-notelf.bin --kernel $G/bad-notelf.bin
refused empty $G/bad-empty.bin --kernel $G/bad-empty.bin
refused missing $G/does-not-exist.elf --kernel $G/does-not-exist.elf
refused missing_initrd $G/does-not-exist.img \
	--kernel $G/hello32.elf --initrd $G/does-not-exist.img
refused rom_missing $G/does-not-exist.rom -l bootrom,$G/does-not-exist.rom
refused rom_badsize $G/bad-notelf.bin -l bootrom,$G/bad-notelf.bin

t_done
