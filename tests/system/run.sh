#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the system tier -- boots the unmodified Debian cloud kernel with a
# busybox initramfs on lhyve (emu backend) and checks exactly what the
# guest prints, how lhyve exits, and that the kernel's boot log has no
# warning or error that is not on the justified list bootlog-allow.txt.
#
# usage: tests/system/run.sh [--tap]
#   Default output is the runner protocol tests/run-all.sh counts (lines
#   "PASS name", "FAIL name (why)", "SKIP name (why)"); --tap prints TAP
#   (plan, "ok N - name", "not ok N - name", "ok N # SKIP why") instead.
#
# The kernel and busybox are fetched into the cache first
# (tests/system/fetch.sh, a no-op when cached).  If that fails, every test
# FAILs and says why: a missing kernel is not a reason to pass.  Two boots,
# run at the same time, each with the default command line only:
#   lhyve -c N -m 512M -s 0,hostbridge -s 31,lpc -l com1,stdio \
#       --kernel vmlinuz --initrd initrd --cmdline console=ttyS0 vm0
#  - N=4: uname -r, nproc, the clocksource, IO-APIC/LAPIC interrupts on
#    every CPU, then /init's `poweroff -f` (lhyve must exit 1);
#  - N=1: the same, the md5sum of 64 MiB of zeros, then `reboot -f`
#    (lhyve must exit 0).
# Both boot logs are checked against bootlog-allow.txt.  The loader
# cross-check on QEMU (qemu-entry.sh) runs too when QEMU is installed.
#
# Environment: LHYVE (default build/lhyve), LHYVE_CACHE (see fetch.sh),
# SYSTEM_TIMEOUT (seconds per boot, default 180; only catches hangs),
# SYSTEM_KEEP=DIR (keep the boot logs in DIR).

set -u
cd "$(dirname "$0")/../.." || exit 1

TAP=0
[ "${1:-}" = "--tap" ] && TAP=1

LHYVE=${LHYVE:-build/lhyve}
TMO=${SYSTEM_TIMEOUT:-180}
ALLOW=tests/system/bootlog-allow.txt
TESTS=(linux-loader-on-qemu
    linux-c4-uname linux-c4-nproc linux-c4-clocksource linux-c4-interrupts
    linux-poweroff-status
    linux-c1-uname linux-c1-nproc linux-c1-clocksource linux-c1-interrupts
    linux-c1-md5sum linux-reboot-status
    linux-bootlog
    linux-kvm-c4-uname linux-kvm-c4-nproc linux-kvm-c4-clocksource
    linux-kvm-c4-interrupts linux-kvm-poweroff-status linux-kvm-c1-uname
    linux-kvm-c1-nproc linux-kvm-c1-clocksource linux-kvm-c1-interrupts
    linux-kvm-c1-md5sum linux-kvm-reboot-status linux-kvm-bootlog
    linux-sigterm-status)

# What counts as a warning or an error in the kernel's log (extended
# regex, case-insensitive, matched against each kernel line without its
# timestamp).  Broad on purpose: a new line that matches must be looked at
# and either fixed or listed, with a reason, in bootlog-allow.txt.
BOOTLOG_PATTERN='warn|error|fail|\<bug\>|call trace|not supported|'
BOOTLOG_PATTERN+='unsupported|firmware|fw_bug|bogus|invalid|corrupt|'
BOOTLOG_PATTERN+='mismatch|timed out|timeout|unable|cannot|can.t|'
BOOTLOG_PATTERN+='couldn.t|broken|unstable|vulnerable|unknown|panic|'
BOOTLOG_PATTERN+='oops|taint|not found|no .* found|skipping|giving up|'
BOOTLOG_PATTERN+='falling back|stuck|unexpected|overflow|conflict|'
BOOTLOG_PATTERN+='nobody cared|lost|^disabled$'

# The md5sum of 64 MiB of zeros (dd if=/dev/zero bs=1M count=64 | md5sum
# on the host).
MD5_64M_ZEROS=7f614da9329cd3aebf59b91aadc30bf0

ntest=0
nfail=0

# result pass|fail|skip NAME [WHY]: one line in the chosen format.
result() {
	local what=$1 name=system/$2 why=${3:-}
	ntest=$((ntest + 1))
	if [ "$TAP" = 1 ]; then
		case "$what" in
		pass) echo "ok $ntest - $name" ;;
		fail) echo "not ok $ntest - $name # $why" ;;
		skip) echo "ok $ntest - $name # SKIP $why" ;;
		esac
	else
		case "$what" in
		pass) echo "PASS $name" ;;
		fail) echo "FAIL $name ($why)" ;;
		skip) echo "SKIP $name ($why)" ;;
		esac
	fi
	[ "$what" = fail ] && nfail=$((nfail + 1))
	return 0
}

# detail FILE [N]: the end of a log, indented (TAP: as diagnostics).
detail() {
	[ -s "$1" ] || return 0
	tail -n "${2:-30}" "$1" | tr -d '\r' | cat -v | sed 's/^/    # /'
}

# fail_rest WHY: every test not reported yet fails with WHY.
fail_rest() {
	local t
	for t in "${TESTS[@]:$ntest}"; do
		result fail "$t" "$1"
	done
	exit 1
}

[ "$TAP" = 1 ] && echo "1..${#TESTS[@]}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-system.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

# The kernel and busybox: fetched once, cached outside the tree.
if ! tests/system/fetch.sh -q >"$WORK/fetch.env" 2>"$WORK/fetch.err"; then
	detail "$WORK/fetch.err"
	fail_rest "cannot fetch the Debian kernel and busybox: tests/system/fetch.sh failed: $(tail -n 1 "$WORK/fetch.err")"
fi
# shellcheck disable=SC1091
. "$WORK/fetch.env"

# The loader cross-check on QEMU (skipped without qemu-system-x86).
tests/system/qemu-entry.sh >"$WORK/qemu-entry.log" 2>&1
case $? in
0) result pass linux-loader-on-qemu ;;
77) result skip linux-loader-on-qemu "$(head -n 1 "$WORK/qemu-entry.log")" ;;
*)
	result fail linux-loader-on-qemu "$(head -n 1 "$WORK/qemu-entry.log")"
	detail "$WORK/qemu-entry.log"
	;;
esac

[ -x "$LHYVE" ] || fail_rest "$LHYVE not built (make)"

# Commands both boots run, in this order (cmd_output numbers them from 1).
# Command 4 walks ttyS0's IRQ (IO-APIC pin 4) over every CPU, printing
# enough after each move for the serial driver to take interrupts there
# (an IO-APIC interrupt moves on its next arrival); command 5 then shows
# the counts.
IRQWALK='i=0; while [ $i -lt $(nproc) ]; do'
IRQWALK+=' printf "%x\n" $((1 << i)) >/proc/irq/4/smp_affinity || exit 1;'
IRQWALK+=' for j in 1 2 3; do seq 1 30 | tr "\n" " "; echo; done;'
IRQWALK+=' i=$((i + 1)); done'
COMMON=(-c 'uname -r' -c nproc
    -c 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource'
    -c "$IRQWALK" -c 'cat /proc/interrupts')

mkinit() {
	local out=$1
	shift
	if ! tests/system/mkinitramfs.sh -b "$LHYVE_BUSYBOX" "$@" "$out" \
	    2>"$WORK/mkinitramfs.err"; then
		detail "$WORK/mkinitramfs.err"
		fail_rest "cannot build the initramfs (tests/system/mkinitramfs.sh)"
	fi
}
mkinit "$WORK/initrd.c4.gz" "${COMMON[@]}"
mkinit "$WORK/initrd.c1.gz" "${COMMON[@]}" \
    -c 'dd if=/dev/zero bs=1M count=64 2>/dev/null | md5sum' -c 'reboot -f'

# boot NCPU: boot the kernel on backend $BE in the background; console
# output in $WORK/out.NCPU$SFX, lhyve's exit status in $WORK/rc.NCPU$SFX.
boot() {
	(timeout -k 10 "$TMO" "$LHYVE" -o "backend=$BE" -c "$1" -m 512M \
	    -s 0,hostbridge -s 31,lpc -l com1,stdio \
	    --kernel "$LHYVE_VMLINUZ" --initrd "$WORK/initrd.c$1.gz" \
	    --cmdline console=ttyS0 vm0 </dev/null >"$WORK/out.$1$SFX" 2>&1
	echo $? >"$WORK/rc.$1$SFX") &
}

# cmd_output LOG N: what command N printed between its markers.
cmd_output() {
	tr -d '\r' <"$1" | awk -v n="$2" '
	    $1 == "LHYVE-CMD-END" && $2 == n { on = 0 }
	    on { print }
	    $1 == "LHYVE-CMD-BEGIN" && $2 == n { on = 1 }'
}

# check_irqs FILE NCPU: /proc/interrupts (as cat printed it) has NCPU CPU
# columns, the LAPIC timer (LOC) counted on every CPU, IO-APIC pin 2 (the
# PIT, IRQ0 through the interrupt source override) counted, and ttyS0's
# IO-APIC interrupt counted on every CPU (command 4 moved it around).
# Prints the reason when not.
check_irqs() {
	awk -v n="$2" '
	    NR == 1 {
		if (NF != n) { printf "%d CPU columns, want %d", NF, n; bad = 1; exit }
		next
	    }
	    $1 == "LOC:" {
		loc = 1
		for (i = 2; i <= n + 1; i++) if ($(i) + 0 <= 0) {
			printf "LOC (LAPIC timer) is %s on CPU%d", $(i), i - 2
			bad = 1; exit
		}
	    }
	    $1 == "0:" && $(n + 2) == "IO-APIC" {
		s = 0; for (i = 2; i <= n + 1; i++) s += $(i)
		if (s <= 0) { print "IRQ0 (IO-APIC timer) did not count"; bad = 1; exit }
		timer = 1
	    }
	    $(n + 2) == "IO-APIC" && $NF == "ttyS0" {
		for (i = 2; i <= n + 1; i++) if ($(i) + 0 <= 0) {
			printf "IO-APIC ttyS0 interrupts are %s on CPU%d", $(i), i - 2
			bad = 1; exit
		}
		tty = 1
	    }
	    END {
		if (bad) exit 1
		if (!loc) { print "no LOC line"; exit 1 }
		if (!timer) { print "no IO-APIC timer line (IRQ0)"; exit 1 }
		if (!tty) { print "no IO-APIC ttyS0 line"; exit 1 }
	    }' "$1"
}

# check_boot NCPU: the checks common to both boots.
check_boot() {
	local n=$1 log=$WORK/out.$1$SFX got rc hung=""
	rc=$(cat "$WORK/rc.$n$SFX" 2>/dev/null || echo 255)
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		hung="lhyve -c $n timed out after ${TMO}s"
	fi

	got=$(cmd_output "$log" 1)
	if [ "$got" = "$LHYVE_KERNEL_RELEASE" ]; then
		result pass "linux$TAG-c$n-uname"
	else
		result fail "linux$TAG-c$n-uname" "${hung:-uname -r printed '$got', want '$LHYVE_KERNEL_RELEASE' (lhyve exit status $rc)}"
		detail "$log"
	fi

	got=$(cmd_output "$log" 2)
	if [ "$got" = "$n" ]; then
		result pass "linux$TAG-c$n-nproc"
	else
		result fail "linux$TAG-c$n-nproc" "${hung:-nproc printed '$got' with -c $n, want '$n'}"
	fi

	got=$(cmd_output "$log" 3)
	if [ "$got" = tsc ]; then
		result pass "linux$TAG-c$n-clocksource"
	else
		result fail "linux$TAG-c$n-clocksource" "${hung:-current_clocksource is '$got', want 'tsc'}"
	fi

	cmd_output "$log" 5 >"$WORK/irq.$n$SFX"
	if ! tr -d '\r' <"$log" | grep -qx 'LHYVE-CMD-END 4 rc=0'; then
		result fail "linux$TAG-c$n-interrupts" "${hung:-moving the ttyS0 IRQ over the CPUs failed}"
		detail "$WORK/irq.$n$SFX"
	elif got=$(check_irqs "$WORK/irq.$n$SFX" "$n"); then
		result pass "linux$TAG-c$n-interrupts"
	else
		result fail "linux$TAG-c$n-interrupts" "${hung:-/proc/interrupts: $got}"
		detail "$WORK/irq.$n$SFX"
	fi
}

# The boot log: every kernel line (console lines with a printk timestamp)
# that looks like a warning or an error must match an entry of the
# allowlist, and every entry must carry a justification (a comment line
# right above it or above its group).
bootlog_check() {
	local bad=0
	awk '
	    /^[ \t]*$/ { why = 0; next }
	    /^#/ { why = 1; next }
	    !why { printf "%s:%d: entry without a justification comment\n", FILENAME, NR; bad = 1 }
	    END { exit bad }' "$ALLOW" || bad=1
	grep -v '^#' "$ALLOW" | grep -v '^[[:space:]]*$' >"$WORK/allow.re"
	for n in 4 1; do
		tr -d '\r' <"$WORK/out.$n$SFX" |
		    sed -n 's/^\[ *[0-9]*\.[0-9]*\] //p' |
		    grep -iE -- "$BOOTLOG_PATTERN" |
		    grep -vxE -f "$WORK/allow.re" |
		    sed "s/^/-c $n: /"
	done >"$WORK/bootlog.bad"
	if [ -s "$WORK/bootlog.bad" ]; then
		echo "$(wc -l <"$WORK/bootlog.bad") line(s) not in $ALLOW"
		bad=1
	fi
	return $bad
}
# boot_pass: both boots on backend $BE and every check of them, named
# linux$TAG-... (TAG is empty for emu, -kvm for kvm).
boot_pass() {
	t0=$(date +%s)
	boot 4
	boot 1
	wait
	t1=$(date +%s)
	echo "    # $BE: two boots (-c 4 and -c 1, in parallel) took $((t1 - t0)) s"
	if [ -n "${SYSTEM_KEEP:-}" ]; then
		mkdir -p "$SYSTEM_KEEP" && cp "$WORK"/out.* "$SYSTEM_KEEP"/
	fi

	check_boot 4
	# poweroff -f through ACPI S5: lhyve exits with 1 (powered off), after
	# the guest said it was about to.
	log=$WORK/out.4$SFX
	rc=$(cat "$WORK/rc.4$SFX")
	if [ "$rc" -eq 1 ] && tr -d '\r' <"$log" | grep -qx LHYVE-POWEROFF; then
		result pass linux$TAG-poweroff-status
	else
		result fail linux$TAG-poweroff-status "exit status $rc, want 1 after LHYVE-POWEROFF"
		detail "$log" 10
	fi

	check_boot 1
	log=$WORK/out.1$SFX
	got=$(cmd_output "$log" 6)
	if [ "$got" = "$MD5_64M_ZEROS  -" ]; then
		result pass linux$TAG-c1-md5sum
	else
		result fail linux$TAG-c1-md5sum "md5sum of 64 MiB of zeros printed '$got', want '$MD5_64M_ZEROS  -'"
	fi
	# reboot -f (the kernel resets through ACPI's reset register or the
	# keyboard controller/0xCF9): lhyve exits with 0, and /init never got to
	# its own poweroff.
	rc=$(cat "$WORK/rc.1$SFX")
	if [ "$rc" -eq 0 ] && tr -d '\r' <"$log" | grep -qx 'LHYVE-CMD-BEGIN 7 reboot -f' &&
	    ! tr -d '\r' <"$log" | grep -q '^LHYVE-POWEROFF'; then
		result pass linux$TAG-reboot-status
	else
		result fail linux$TAG-reboot-status "exit status $rc, want 0 after 'reboot -f' (command 7)"
		detail "$log" 10
	fi

	if [ ! -f "$ALLOW" ]; then
		result fail linux$TAG-bootlog "$ALLOW missing"
	elif why=$(bootlog_check 2>&1); then
		result pass linux$TAG-bootlog
	else
		result fail linux$TAG-bootlog "${why:-bad allowlist}"
		detail "$WORK/bootlog.bad" 40
	fi
}

# --- emu: the backend everything is proven on ------------------------------
BE=emu SFX= TAG=
boot_pass

# --- kvm: the same boots and checks with -o backend=kvm, where KVM works --
# SKIP (never PASS) where it cannot run, with the reason (docs/kvm.md).
KVM_TESTS=(linux-kvm-c4-uname linux-kvm-c4-nproc linux-kvm-c4-clocksource
    linux-kvm-c4-interrupts linux-kvm-poweroff-status linux-kvm-c1-uname
    linux-kvm-c1-nproc linux-kvm-c1-clocksource linux-kvm-c1-interrupts
    linux-kvm-c1-md5sum linux-kvm-reboot-status linux-kvm-bootlog)
kvm_why=$(tests/system/kvm-why.sh "$LHYVE")
if [ -n "$kvm_why" ]; then
	for t in "${KVM_TESTS[@]}"; do
		result skip "$t" "$kvm_why"
	done
else
	BE=kvm SFX=.kvm TAG=-kvm
	boot_pass
fi
BE=emu SFX= TAG=

# SIGTERM: lhyve presses the ACPI power button (this initramfs has no
# button handler, so the guest ignores it, or the kernel never enabled the
# button) and powers off by itself at the latest 30 s later, or at once
# when the guest cannot see the button; a second SIGTERM forces it.  Either
# way lhyve must end with 1 (powered off), not die of the signal (143).
mkinit "$WORK/initrd.term.gz" -c 'sleep 600'
t0=$(date +%s)
timeout -k 10 "$TMO" "$LHYVE" -c 1 -m 512M -s 0,hostbridge -s 31,lpc \
    -l com1,stdio --kernel "$LHYVE_VMLINUZ" --initrd "$WORK/initrd.term.gz" \
    vm0 </dev/null >"$WORK/out.term" 2>&1 &
term_pid=$!
for _ in $(seq "$TMO"); do
	grep -q 'LHYVE-CMD-BEGIN 1 sleep' "$WORK/out.term" && break
	kill -0 "$term_pid" 2>/dev/null || break
	sleep 1
done
kill -TERM "$term_pid" 2>/dev/null
for _ in $(seq 40); do
	kill -0 "$term_pid" 2>/dev/null || break
	sleep 1
done
kill -TERM "$term_pid" 2>/dev/null
wait "$term_pid"
rc=$?
echo "    # SIGTERM boot took $(($(date +%s) - t0)) s"
if [ "$rc" -eq 1 ] && grep -q 'LHYVE-CMD-BEGIN 1 sleep' "$WORK/out.term"; then
	result pass linux-sigterm-status
else
	result fail linux-sigterm-status "exit status $rc, want 1 after SIGTERM during 'sleep 600'"
	detail "$WORK/out.term" 10
fi

[ "$nfail" -eq 0 ]
