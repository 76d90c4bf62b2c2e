#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the command-line tier.  Checks lhyve's option handling as bhyve(8)
# and bhyve_config(5) describe it: -h, malformed options (status 4 and an
# error naming the option), -o config.dump=1, -k files, unsupported
# features and backend selection.
#
# bhyve itself ends with 1 (usage), 64 (EX_USAGE) or 4 depending on the
# option; lhyve uses 4 for every command-line error, because 1 is what a
# passing guest test ends with (see src/options.c).
#
# Environment: LHYVE (default build/lhyve), CLI_TIMEOUT (default 60 s).

set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/guests/testlib.sh

LHYVE=${LHYVE:-build/lhyve}
G=build/tests/guests
TMO=${CLI_TIMEOUT:-60}
USAGE_STATUS=4
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lhyve-cli.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
OUT=$WORK/out
ERR=$WORK/err
BASE=(-c 1 -m 64M -s 0,hostbridge -s 31,lpc -l com1,stdio -l pc-testdev)

# --- a tiny assertion kit: begin, want_*, end ------------------------------
# begin NAME ARGS...: run lhyve ARGS (stdin /dev/null) and start collecting
# the reasons NAME fails.
begin() {
	t_name=cli/$1
	shift
	t_why=""
	t_cmd=("$LHYVE" "$@")
	run_capture "$OUT" "$ERR" "$TMO" "${t_cmd[@]}"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		t_why="timed out after ${TMO}s"
	fi
}
# begin_cmd NAME CMD...: the same for an arbitrary command.
begin_cmd() {
	t_name=cli/$1
	shift
	t_why=""
	t_cmd=("$@")
	run_capture "$OUT" "$ERR" "$TMO" "${t_cmd[@]}"
}
why() {
	[ -z "$t_why" ] && t_why=$1
}
want_status() {
	[ "$rc" -eq "$1" ] || why "exit status $rc, expected $1"
}
# want_line LINE: stdout has exactly this line.
want_line() {
	grep -qxF -- "$1" "$OUT" || why "stdout lacks the line '$1'"
}
want_no_line() {
	grep -qxF -- "$1" "$OUT" && why "stdout has the line '$1'"
}
# want_err ERE: stderr matches (case-insensitive).
want_err() {
	grep -qiE -- "$1" "$ERR" || why "stderr does not match /$1/"
}
want_err_nonempty() {
	[ -s "$ERR" ] || why "nothing on stderr"
}
want_err_lines() {
	local n
	n=$(wc -l <"$ERR")
	[ "$n" -eq "$1" ] || why "$n lines on stderr, expected $1"
}
want_out_empty() {
	[ -s "$OUT" ] && why "unexpected output on stdout"
}
end() {
	if [ -z "$t_why" ]; then
		pass "$t_name"
		return
	fi
	fail "$t_name" "$t_why"
	show_cmd "${t_cmd[@]}"
	echo "    exit status $rc"
	detail "stdout" "$OUT"
	detail "stderr" "$ERR"
}

# bad NAME OPTION_RE ARGS...: a command-line error: status 4, nothing on
# stdout, and stderr names the option (OPTION_RE).
bad() {
	local name=$1 re=$2
	shift 2
	begin "$name" "$@"
	want_status "$USAGE_STATUS"
	want_out_empty
	want_err_nonempty
	want_err "$re"
	end
}

if [ ! -x "$LHYVE" ]; then
	fail "cli/lhyve" "$LHYVE not built"
	exit 1
fi

# --- -h ---------------------------------------------------------------------
begin help -h
want_status 0
for o in a A b c C D e g G h H I k l m o p P s S u U w W x Y; do
	grep -qE -- "^[[:space:]]*-$o([:, ]|$)" "$OUT" ||
	    why "usage on stdout has no line for -$o"
done
for o in --kernel --initrd --cmdline; do
	grep -qF -- "$o" "$OUT" || why "usage on stdout does not mention $o"
done
end

# --- malformed options ------------------------------------------------------
bad mem_lots '(^|[^a-z])-m|memory' -m lots vm0
bad mem_zero '(^|[^a-z])-m|memory' -m 0 vm0
bad cpus_zero '(^|[^a-z])-c|cpu' -c 0 vm0
bad cpus_word '(^|[^a-z])-c|cpu' -c many vm0
bad topology '(^|[^a-z])-c|topology' -c cpus=4,sockets=3 vm0
bad slot_99 '(^|[^a-z])-s|slot' -s 99,foo vm0
bad func_8 '(^|[^a-z])-s|slot' -s 0:8,hostbridge vm0
bad slot_garbage '(^|[^a-z])-s|slot' -s x,hostbridge vm0
bad slot_twice '(^|[^a-z])-s|slot|occupied' -s 0,hostbridge -s 0,lpc vm0
bad lpc_unknown '(^|[^a-z])-l|lpc' -l nosuchdevice vm0
bad unknown_opt '(^|[^a-z])-Z' -Z vm0
bad missing_arg '(^|[^a-z])-m' -m
bad no_vmname 'name' -c 1
bad two_names 'extra' -c 1 vm0 extra
bad bad_bool 'strictmsr' -o x86.strictmsr=maybe vm0
bad bad_o 'noequals|-o' -o noequals vm0
bad bad_uuid '(^|[^a-z])-U|uuid' -U not-a-uuid vm0
bad k_missing "$WORK/no-such.conf" -k "$WORK/no-such.conf" vm0
printf 'name=vmk\nthis line has no equals sign\n' >"$WORK/bad.conf"
bad k_badline "bad.conf" -k "$WORK/bad.conf"

# --- -o config.dump=1 -------------------------------------------------------
begin dump -c 2 -m 64M -s 0,hostbridge -s 31,lpc -l com1,stdio \
    -l pc-testdev -o config.dump=1 vm0
want_status 0
want_line "name=vm0"
want_line "cpus=2"
want_line "memory.size=64M"
want_line "pci.0.0.0.device=hostbridge"
want_line "pci.0.31.0.device=lpc"
want_line "lpc.com1.path=stdio"
want_line "lpc.pc-testdev=true"
end

# Flags and the variables they set (bhyve_config(5)).
begin dump_flags -a -C -D -e -H -P -S -u -W -w -Y \
    -U 4f6a0c2e-3b1d-4c5e-9f7a-0123456789ab -o config.dump=1 vm0
want_status 0
want_line "x86.x2apic=false"
want_line "memory.guest_in_core=true"
want_line "destroy_on_poweroff=true"
want_line "x86.strictio=true"
want_line "x86.vmexit_on_hlt=true"
want_line "x86.vmexit_on_pause=true"
want_line "memory.wired=true"
want_line "rtc.use_localtime=false"
want_line "virtio_msix=false"
want_line "x86.strictmsr=false"
want_line "x86.mptable=false"
want_line "uuid=4f6a0c2e-3b1d-4c5e-9f7a-0123456789ab"
end

begin dump_x2apic -x -o config.dump=1 vm0
want_status 0
want_line "x86.x2apic=true"
end

# Without -w the MSR policy is strict, bhyve's default.
begin dump_defaults -o config.dump=1 vm0
want_status 0
want_line "x86.strictmsr=true"
want_line "memory.size=256M"
end

begin dump_topology -c cpus=4,sockets=2,cores=2,threads=1 \
    -o config.dump=1 vm0
want_status 0
want_line "cpus=4"
want_line "sockets=2"
want_line "cores=2"
want_line "threads=1"
end

# The -s grammar: slot, slot:function, bus:slot:function.
begin dump_slots -s 3:1,hostbridge -s 1:4:0,hostbridge -s 31,lpc \
    -o config.dump=1 vm0
want_status 0
want_line "pci.0.3.1.device=hostbridge"
want_line "pci.1.4.0.device=hostbridge"
want_line "pci.0.31.0.device=lpc"
end

begin dump_lpc -l com2,/tmp/lhyve-com2 -l bootrom,/tmp/rom.fd,/tmp/vars.fd \
    -o config.dump=1 vm0
want_status 0
want_line "lpc.com2.path=/tmp/lhyve-com2"
want_line "lpc.bootrom=/tmp/rom.fd"
want_line "lpc.bootvars=/tmp/vars.fd"
end

begin dump_boot --kernel /boot/k --initrd /boot/i \
    --cmdline 'console=ttyS0 root=/dev/vda ro' -o config.dump=1 vm0
want_status 0
want_line "boot.kernel=/boot/k"
want_line "boot.initrd=/boot/i"
want_line "boot.cmdline=console=ttyS0 root=/dev/vda ro"
end

# -o sets any variable; the last assignment wins.
begin dump_o -o foo.bar=baz -o memory.size=1G -o memory.size=2G \
    -o config.dump=1 vm0
want_status 0
want_line "foo.bar=baz"
want_line "memory.size=2G"
want_no_line "memory.size=1G"
end

# --- -k: a flat var=value file, and the dump read back --------------------
cat >"$WORK/vm.conf" <<'CONF'
# a comment, then a blank line

name=vmk
cpus=2
memory.size=128M
pci.0.0.0.device=hostbridge
pci.0.31.0.device=lpc
lpc.com1.path=stdio
CONF
begin k_file -k "$WORK/vm.conf" -o config.dump=1
want_status 0
want_line "name=vmk"
want_line "cpus=2"
want_line "memory.size=128M"
want_line "pci.0.0.0.device=hostbridge"
want_line "pci.0.31.0.device=lpc"
want_line "lpc.com1.path=stdio"
end
cp "$OUT" "$WORK/dump1"

begin k_roundtrip -k "$WORK/dump1" -o config.dump=1
want_status 0
cmp -s "$WORK/dump1" "$OUT" || why "the dump of a dumped config differs"
end

# Options apply in order: -o after -k overrides it; the VM name too.
begin k_override -k "$WORK/vm.conf" -o cpus=4 -o config.dump=1 vm9
want_status 0
want_line "cpus=4"
want_line "name=vm9"
want_no_line "cpus=2"
end

# --- -G: the gdb server ---------------------------------------------------
# -G works now (docs/gdb.md): with no debugger attached and no 'w' the
# guest just runs; port 0 takes a free port and the line says which.
# The debugging itself is the gdb tier (tests/system/gdb/run.sh).
begin gdb_listen -G 127.0.0.1:0 "${BASE[@]}" --kernel $G/hello32.elf \
    --cmdline 'hello32 console=ttyS0 x=1,y=2 "quoted words"' vm0
want_status 1
cmp -s tests/guests/hello32.expect "$OUT" ||
    why "COM1 output differs from tests/guests/hello32.expect"
want_err_lines 1
want_err '^lhyve: gdb: listening on 127\.0\.0\.1:[0-9]+$'
end

# --- -p vcpu:hostcpu: the vCPU thread runs only on that host CPU -----------
bad pin_novcpu '^lhyve: -p 3: the VM has no vcpu 3' -p 3:0 "${BASE[@]}" \
    --kernel $G/hello32.elf vm0
bad pin_nohostcpu '^lhyve: -p 0:1023: host CPU 1023' -p 0:1023 "${BASE[@]}" \
    --kernel $G/hello32.elf vm0
# -G w holds vCPU 0 at its start until a debugger comes: read the affinity
# of the thread named "vcpu 0" meanwhile (the last host CPU we may use).
pin_cpu=$(awk '/^Cpus_allowed_list/ { n = split($2, r, "[,-]"); print r[n] }' \
    /proc/self/status)
t_name=cli/pin_affinity
t_why=""
t_cmd=("$LHYVE" -G w127.0.0.1:0 -p "0:$pin_cpu" "${BASE[@]}" \
    --kernel $G/hello32.elf vm0)
"${t_cmd[@]}" </dev/null >"$OUT" 2>"$ERR" &
pin_pid=$!
pin_got=""
for _ in $(seq 100); do
	for task in /proc/$pin_pid/task/*; do
		[ "$(cat "$task/comm" 2>/dev/null)" = "vcpu 0" ] || continue
		pin_got=$(awk '/^Cpus_allowed_list/ { print $2 }' \
		    "$task/status")
	done
	[ -n "$pin_got" ] && break
	sleep 0.1
done
kill -KILL "$pin_pid" 2>/dev/null
wait "$pin_pid" 2>/dev/null
rc=0
[ "$pin_got" = "$pin_cpu" ] ||
    why "vcpu 0 may run on '$pin_got', expected '$pin_cpu'"
end

# --- features that do not exist yet: one line, status 4 ---------------------
# -K stays refused: lhyve has no keyboard input path (no PS/2, no VNC).
begin unsupported_K -K us "${BASE[@]}" --kernel $G/hello32.elf vm0
want_status 4
want_out_empty
want_err_lines 1
want_err '(^|[^a-z])-K \(keyboard.layout\): not supported'
end

# --- options that work now (docs/config.md) --------------------------------
# -S, -C, -D, -u, -Y together still run a guest: wired memory, in core,
# -D (lhyve's VM always ends with the process), UTC RTC, no MP table.
begin flags_run -S -C -D -u -Y "${BASE[@]}" --kernel $G/hello32.elf \
    --cmdline 'hello32 console=ttyS0 x=1,y=2 "quoted words"' vm0
want_status 1
cmp -s tests/guests/hello32.expect "$OUT" ||
    why "COM1 output differs from tests/guests/hello32.expect"
end

# -S when mlock is not allowed: one line naming RLIMIT_MEMLOCK, status 4.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
    command -v prlimit >/dev/null; then
	begin_cmd wired_refused setpriv --inh-caps=-ipc_lock \
	    --bounding-set=-ipc_lock prlimit --memlock=65536 "$LHYVE" -S \
	    "${BASE[@]}" --kernel $G/hello32.elf vm0
	want_status 4
	want_out_empty
	want_err_lines 1
	want_err '^lhyve: -S \(memory.wired\): cannot lock 64 MiB .*RLIMIT_MEMLOCK is 64 KiB'
	end
else
	skip cli/wired_refused "needs root, setpriv and prlimit"
fi

# -b without a COM port on stdio: the bvm console reads stdin too.
begin_cmd bvmcons_input sh -c "printf x | \"\$0\" -b -m 64M \
    -s 0,hostbridge -s 31,lpc -l pc-testdev --kernel $G/bvmcons.elf vm0" \
    "$LHYVE"
want_status 1
want_line "bvmcons: input 'x'"
want_line "bvmcons: signature 0x7662, ok"
end

# -f file= that cannot be read; a name given twice.
bad fwcfg_nofile "$WORK/none.bin" -f "opt/x,file=$WORK/none.bin" \
    "${BASE[@]}" --kernel $G/hello32.elf vm0
bad fwcfg_twice 'opt/x.*twice' -f opt/x,string=1 -f opt/x,string=2 \
    "${BASE[@]}" --kernel $G/hello32.elf vm0
# -n: the sizes must add up to -m; ids start at 0 without gaps.
bad numa_size '(^|[^a-z])-n.*add up' -n id=0,size=32M "${BASE[@]}" \
    --kernel $G/hello32.elf vm0
bad numa_gap '(^|[^a-z])-n.*id 0 is missing' -n id=1,size=64M \
    "${BASE[@]}" --kernel $G/hello32.elf vm0
bad numa_cpus '(^|[^a-z])-n.*cpus' -n id=0,size=32M,cpus=0-3 \
    -n id=1,size=32M "${BASE[@]}" --kernel $G/hello32.elf vm0

# --- backends -------------------------------------------------------------
begin backend_bogus "${BASE[@]}" -o backend=bogus --kernel $G/hello32.elf vm0
want_status 4
want_out_empty
want_err_nonempty
want_err 'bogus'
end

# Where /dev/kvm exists, nokvm.sh hides it (root and unshare(1) needed).
NOKVM=tests/cli/nokvm.sh
can_hide_kvm=no
if [ ! -e /dev/kvm ]; then
	can_hide_kvm=direct
elif [ "$(id -u)" -eq 0 ] && $NOKVM test ! -e /dev/kvm 2>/dev/null; then
	can_hide_kvm=unshare
fi

# run_nokvm NAME ARGS...: begin NAME with lhyve ARGS, /dev/kvm absent.
run_nokvm() {
	local name=$1
	shift
	if [ "$can_hide_kvm" = direct ]; then
		begin "$name" "$@"
	else
		begin_cmd "$name" "$NOKVM" "$LHYVE" "$@"
	fi
}

if [ "$can_hide_kvm" = no ]; then
	skip cli/backend_kvm_missing "/dev/kvm exists and cannot be hidden"
	skip cli/backend_auto_nokvm "/dev/kvm exists and cannot be hidden"
else
	run_nokvm backend_kvm_missing "${BASE[@]}" -o backend=kvm \
	    --kernel $G/hello32.elf vm0
	want_status 4
	want_out_empty
	want_err_nonempty
	want_err 'kvm'
	end

	# auto falls back to emu and runs the guest.
	run_nokvm backend_auto_nokvm "${BASE[@]}" -o backend=auto \
	    --kernel $G/hello32.elf \
	    --cmdline 'hello32 console=ttyS0 x=1,y=2 "quoted words"' vm0
	want_status 1
	cmp -s tests/guests/hello32.expect "$OUT" ||
	    why "COM1 output differs from tests/guests/hello32.expect"
	end
fi

# lhyve.reboot_in_place: a guest reset starts the VM over instead of
# exiting 0.  The reset guest resets at once, so it boots again and again
# until SIGTERM, which ends lhyve with 1 (power-off) or, if a reset wins
# the race, 0 (and then no further boot).
t_name=cli/reboot_in_place
t_why=""
t_cmd=("$LHYVE" "${BASE[@]}" -o lhyve.reboot_in_place=true \
    --kernel $G/reset.elf vm0)
"${t_cmd[@]}" </dev/null >"$OUT" 2>"$ERR" &
rip_pid=$!
for _ in $(seq 100); do
	[ "$(grep -c 'resetting' "$OUT")" -ge 3 ] && break
	sleep 0.1
done
kill -TERM "$rip_pid" 2>/dev/null
for _ in $(seq 100); do
	kill -0 "$rip_pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$rip_pid" 2>/dev/null; then
	kill -KILL "$rip_pid"
	why "still running 10 s after SIGTERM"
fi
wait "$rip_pid"
rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || why "exit status $rc, expected 1 (or 0)"
boots=$(grep -c 'resetting' "$OUT")
[ "$boots" -ge 3 ] || why "$boots boots, expected at least 3"
end

t_done
