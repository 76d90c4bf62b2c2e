# SPDX-License-Identifier: BSD-2-Clause
# lib.sh: helpers shared by the benchmark scripts (bench/mips, bench/boot,
# bench/rss): tool checks, a runner that timestamps every console line of
# a VMM and measures its peak RSS, and median [min..max] summaries.
# Sourced, not run.  Benchmarks print figures; they never fail on speed.

# Run from the top of the tree whatever the caller's directory.
BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LHYVE=${LHYVE:-$BENCH_TOP/build/lhyve}
QEMU=${QEMU:-qemu-system-x86_64}
BENCH_BUILD=$BENCH_TOP/build/bench

# need_tools [qemu] [time] [busybox] [cpio]: say what is missing and how to
# install it; returns 1 when something is.
need_tools() {
	local t missing=() pkgs=()
	for t in "$@"; do
		case $t in
		qemu)
			command -v "$QEMU" >/dev/null 2>&1 ||
			    { missing+=("$QEMU"); pkgs+=(qemu-system-x86); } ;;
		time)
			[ -x /usr/bin/time ] && /usr/bin/time -f %M true \
			    >/dev/null 2>&1 ||
			    { missing+=("GNU time"); pkgs+=(time); } ;;
		cpio)
			command -v cpio >/dev/null 2>&1 ||
			    { missing+=(cpio); pkgs+=(cpio); } ;;
		esac
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "bench: missing ${missing[*]}: apt-get install ${pkgs[*]}" >&2
	return 1
}

# need_built FILE...: the build products the benchmarks run.
need_built() {
	local f
	for f in "$@"; do
		if [ ! -e "$f" ]; then
			echo "bench: $f is not built (make bench-build, or" \
			    "make bench)" >&2
			return 1
		fi
	done
}

# run_vmm OUTDIR TIMEOUT MARK MARK_TIMEOUT CMD...
# Runs CMD (a VMM) under GNU time with stdin from /dev/null, its stdout
# (the guest console) read line by line and stamped with host seconds
# since just before the exec: OUTDIR/ts holds "seconds<TAB>line".  When the
# regexp MARK has not been seen MARK_TIMEOUT seconds in, or the run lasts
# TIMEOUT seconds, the VMM is killed (SIGKILL) and OUTDIR/killed says why.
# Sets: rc (the VMM's exit status, 128+signal when killed), t_exit,
# rss_kb, user_s, sys_s (NA when unknown).  stderr goes to OUTDIR/err.
run_vmm() {
	local dir=$1 tmo=$2 mark=$3 mtmo=$4
	shift 4
	local fifo=$dir/fifo tf=$dir/time t0 now line partial="" seen=0
	local tpid vpid el r
	mkdir -p "$dir"
	rm -f "$fifo" "$tf" "$dir/killed"
	: >"$dir/ts"
	mkfifo "$fifo"
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%M %e %U %S' -o "$tf" "$@" </dev/null \
	    >"$fifo" 2>"$dir/err" &
	tpid=$!
	exec 3<"$fifo"
	while :; do
		r=0
		IFS= read -r -t 1 line <&3 || r=$?
		if [ "$r" -eq 0 ]; then
			now=$EPOCHREALTIME
			line=$partial$line
			partial=""
			line=${line%$'\r'}
			printf '%s\t%s\n' \
			    "$(awk -v a="$t0" -v b="$now" \
			    'BEGIN { printf "%.3f", b - a }')" "$line" \
			    >>"$dir/ts"
			[[ $line =~ $mark ]] && seen=1
			continue
		fi
		if [ "$r" -le 128 ]; then
			# EOF; a last line without a newline still counts
			if [ -n "$partial$line" ]; then
				printf '%s\t%s\n' "NA" "$partial$line" \
				    >>"$dir/ts"
			fi
			break
		fi
		partial+=$line
		el=$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
		    'BEGIN { printf "%d", b - a }')
		if [ -e "$dir/killed" ]; then
			continue
		fi
		if [ "$seen" = 0 ] && [ "$el" -ge "$mtmo" ]; then
			echo "no marker after ${mtmo}s" >"$dir/killed"
		elif [ "$el" -ge "$tmo" ]; then
			echo "still running after ${tmo}s" >"$dir/killed"
		else
			continue
		fi
		# the VMM is GNU time's only child; kill it by its pid
		vpid=$(ps -o pid= --ppid "$tpid" | tr -d ' ')
		if [ -n "$vpid" ]; then
			kill -KILL "$vpid" 2>/dev/null || true
		fi
	done
	exec 3<&-
	rc=0
	wait "$tpid" || rc=$?
	t_exit=$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
	    'BEGIN { printf "%.3f", b - a }')
	rm -f "$fifo"
	rss_kb=NA user_s=NA sys_s=NA
	if [ -s "$tf" ]; then
		read -r rss_kb _ user_s sys_s < <(tail -n 1 "$tf") || true
		case $rss_kb in '' | *[!0-9]*) rss_kb=NA ;; esac
	fi
}

# mark_time OUTDIR REGEXP: host seconds at the first console line matching
# REGEXP, or NA.
mark_time() {
	awk -F'\t' -v re="$2" '$2 ~ re { print $1; found = 1; exit }
	    END { if (!found) print "NA" }' "$1/ts"
}

# mark_line OUTDIR REGEXP: the first console line matching REGEXP.
mark_line() {
	awk -F'\t' -v re="$2" '$2 ~ re { sub(/^[^\t]*\t/, ""); print; exit }' \
	    "$1/ts"
}

# last_line OUTDIR: the last non-empty console line (for diagnostics),
# without escape sequences and control characters; "(none)" when none.
last_line() {
	local l
	l=$(awk -F'\t' '{ sub(/^[^\t]*\t/, "") } /[^ \t]/ { l = $0 }
	    END { print l }' "$1/ts" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1b[a-zA-Z]//g' |
	    tr -cd '[:print:]' | cut -c1-100)
	echo "${l:-(none)}"
}

# stat3 VALUES...: "median [min..max]" of the numbers among VALUES (NA and
# empty ones are left out); "NA" when there are none.  FMT (default %.2f)
# formats each figure.
stat3() {
	printf '%s\n' "$@" | awk -v fmt="${FMT:-%.2f}" '
	    /^-?[0-9.]+(e[-+]?[0-9]+)?$/ { v[++n] = $1 + 0 }
	    END {
		if (n == 0) { print "NA"; exit }
		for (i = 2; i <= n; i++) {
			t = v[i]
			for (j = i - 1; j >= 1 && v[j] > t; j--) v[j+1] = v[j]
			v[j+1] = t
		}
		m = (n % 2) ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2
		if (n == 1) printf fmt "\n", m
		else printf fmt " [" fmt ".." fmt "]\n", m, v[1], v[n]
	    }'
}

# median VALUES...: the median alone (NA when none), unformatted.
median() {
	printf '%s\n' "$@" | awk '
	    /^-?[0-9.]+(e[-+]?[0-9]+)?$/ { v[++n] = $1 + 0 }
	    END {
		if (n == 0) { print "NA"; exit }
		for (i = 2; i <= n; i++) {
			t = v[i]
			for (j = i - 1; j >= 1 && v[j] > t; j--) v[j+1] = v[j]
			v[j+1] = t
		}
		print (n % 2) ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2
	    }'
}

# ratio A B [FMT]: A / B, or NA.
ratio() {
	awk -v a="$1" -v b="$2" -v fmt="${3:-%.2f}" 'BEGIN {
	    if (a == "NA" || b == "NA" || a == "" || b == "" || b + 0 == 0)
		print "NA"
	    else printf fmt "\n", a / b }'
}

# summary_add LINE: one row of the table run-all.sh prints at the end
# (BENCH_SUMMARY names the file; nothing happens without it).
summary_add() {
	[ -n "${BENCH_SUMMARY:-}" ] && printf '%s\n' "$1" >>"$BENCH_SUMMARY"
	return 0
}
