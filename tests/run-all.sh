#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run-all.sh: runs every test tier that exists (unit, guests, cli, cpu,
# system), prints PASS/FAIL/SKIP per test and ends with one line
# "N passed, N failed[, N skipped]".  Exits non-zero if anything failed or
# nothing ran.  Run after `make all unit-build guests-build` (make check).
#
# Environment: UNIT_TIMEOUT (seconds per unit binary, default 120),
# TIER_TIMEOUT (seconds per tier runner, default 1500).  Both only catch
# hangs; a hang is a failure.

set -u
cd "$(dirname "$0")/.." || exit 1

UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
TIER_TIMEOUT=${TIER_TIMEOUT:-1500}
LOGDIR=build/tests/logs
mkdir -p "$LOGDIR"

passed=0
failed=0
skipped=0

# Indent and cap a log for the failure report.
excerpt() {
	head -n "${2:-60}" "$1" | cat -v | sed 's/^/    | /'
}

# --- unit tier: cmocka programs, TAP output --------------------------------
#
# cmocka 1.1 TAP lines: "ok N - name", "not ok N - name", "not ok N # SKIP
# name", plans "1..N" (one per group).  A program that dies, hangs, prints
# fewer results than it planned, or no results at all is a failure.
run_unit() {
	local bin name log rc plan results npass nfail nskip line
	local srcs bins=()

	srcs=$(ls tests/unit/test_*.c 2>/dev/null)
	for bin in build/tests/unit/test_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		case "$bin" in *.d | *.o) continue ;; esac
		bins+=("$bin")
	done
	# A test source whose program was not built is a failure, not a skip.
	for line in $srcs; do
		name=$(basename "$line" .c)
		if [ ! -x "build/tests/unit/$name" ]; then
			echo "FAIL unit/$name (not built: run make unit-build)"
			failed=$((failed + 1))
		fi
	done

	for bin in "${bins[@]}"; do
		name=$(basename "$bin")
		log=$LOGDIR/unit-$name.log
		# The subshell (kept by the trailing exit) reports a crash as
		# a status, and bash's "Aborted" notice goes to /dev/null.
		(CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 5 "$UNIT_TIMEOUT" "$bin" \
		    </dev/null >"$log" 2>&1; exit $?) 2>/dev/null
		rc=$?
		plan=0
		npass=0
		nfail=0
		nskip=0
		while IFS= read -r line; do
			case "$line" in
			"1.."*)
				plan=$((plan + ${line#1..}))
				;;
			"not ok "*"# SKIP"*)
				echo "SKIP unit/$name/${line##*# SKIP }" \
				    "(skipped by the test)"
				nskip=$((nskip + 1))
				;;
			"not ok "*)
				echo "FAIL unit/$name/${line#not ok * - } (assertion)"
				nfail=$((nfail + 1))
				;;
			"ok "*)
				echo "PASS unit/$name/${line#ok * - }"
				npass=$((npass + 1))
				;;
			esac
		done < <(grep -aE '^(ok |not ok |1\.\.[0-9]+$)' "$log")
		results=$((npass + nfail + nskip))
		passed=$((passed + npass))
		failed=$((failed + nfail))
		skipped=$((skipped + nskip))

		local why=""
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			why="timed out after ${UNIT_TIMEOUT}s"
		elif [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128))"
		elif [ "$results" -eq 0 ]; then
			why="no test results (exit status $rc)"
		elif [ "$results" -lt "$plan" ]; then
			why="$results results for $plan planned tests"
		elif [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
			why="exit status $rc with no failed test"
		fi
		if [ -n "$why" ]; then
			echo "FAIL unit/$name ($why)"
			failed=$((failed + 1))
		fi
		if [ -n "$why" ] || [ "$nfail" -gt 0 ]; then
			echo "    \$ CMOCKA_MESSAGE_OUTPUT=TAP $bin"
			excerpt "$log" 80
		fi
	done
}

# --- script tiers: tests/<tier>/run.sh -----------------------------------
#
# A runner speaks one of two dialects, line by line:
#  - "PASS name", "FAIL name (why)", "SKIP name (why)" (details indented
#    after the line), as tests/guests/run.sh and tests/cli/run.sh do;
#  - TAP: "1..N", "ok N - name", "not ok N - name", "# diagnostics" before a
#    result, "# SKIP" and "# TODO" directives (a TODO failure is a known,
#    listed failure: counted as skipped), "Bail out!".
# Both are turned into PASS/FAIL/SKIP lines; the raw output stays in
# build/tests/logs/<tier>.log.  A runner that dies, hangs, or exits
# non-zero without a failing test is one more failure.
T_DIAG_LINES=${T_DIAG_LINES:-30}

run_tier() {
	# TIER: tests/TIER/run.sh; LABEL (default TIER) names its log.
	local tier=${2:-$1} runner=tests/$1/run.sh log rc line desc dir
	local p=0 f=0 s=0 plan=0 results=0 bail=0
	local diag=()
	[ -f "$runner" ] || return 0
	log=$LOGDIR/$tier.log
	mkdir -p "$(dirname "$log")"
	while IFS= read -r line; do
		case "$line" in
		"PASS "*)
			echo "$line"
			p=$((p + 1))
			;;
		"FAIL "*)
			echo "$line"
			f=$((f + 1))
			;;
		"SKIP "*)
			echo "$line"
			s=$((s + 1))
			;;
		"1.."[0-9]*)
			desc=${line#1..}
			plan=$((plan + ${desc%%[!0-9]*}))
			;;
		"ok "* | "not ok "*)
			results=$((results + 1))
			# "[not ]ok N[ -] description[ # DIRECTIVE reason]"
			[[ $line =~ ^(not )?ok\ *[0-9]*\ *(-\ )?(.*)$ ]]
			desc=${BASH_REMATCH[3]}
			dir=""
			case "$desc" in
			*" # "*)
				dir=${desc##* # }
				desc=${desc% # *}
				;;
			"# "*)
				dir=${desc#\# }
				desc=""
				;;
			esac
			[ -z "$desc" ] && desc="test $results"
			case "$line:$dir" in
			*:[Ss][Kk][Ii][Pp]*)
				echo "SKIP $tier/$desc (${dir#* })"
				s=$((s + 1))
				;;
			"not ok "*:[Tt][Oo][Dd][Oo]*)
				echo "SKIP $tier/$desc (known failure: ${dir#* })"
				s=$((s + 1))
				;;
			"not ok "*)
				echo "FAIL $tier/$desc"
				f=$((f + 1))
				printf '%s\n' "${diag[@]}" | head -n "$T_DIAG_LINES" |
				    sed 's/^/    | /'
				;;
			*)
				echo "PASS $tier/$desc"
				p=$((p + 1))
				;;
			esac
			diag=()
			;;
		"Bail out!"*)
			echo "FAIL $tier ($line)"
			f=$((f + 1))
			bail=1
			;;
		"#"*)
			# TAP diagnostics belong to the next result.
			[ "${#diag[@]}" -lt 1000 ] && diag+=("$line")
			;;
		*)
			echo "$line"
			;;
		esac
	done < <(timeout -k 10 "$TIER_TIMEOUT" bash "$runner" </dev/null 2>&1 |
	    tee "$log"; exit "${PIPESTATUS[0]}")
	wait $!
	rc=$?
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "FAIL $tier (tier timed out after ${TIER_TIMEOUT}s)"
		failed=$((failed + 1))
	elif [ "$bail" -eq 0 ] && [ "$results" -lt "$plan" ]; then
		echo "FAIL $tier ($results results for $plan planned tests)"
		failed=$((failed + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $tier (runner exited with status $rc, no failed test)"
		failed=$((failed + 1))
	elif [ "$rc" -eq 0 ] && [ "$f" -gt 0 ]; then
		echo "FAIL $tier (runner reported failures but exited 0)"
		failed=$((failed + 1))
	fi
	if [ "$f" -gt 0 ]; then
		echo "    (full output of the $tier tier: $log)"
	fi
}

run_unit
# Every tests/system/*/run.sh is a tier of its own (virtio, storage, net...).
SYSTEM_TIERS=$(cd tests && ls -d system/*/run.sh 2>/dev/null |
    sed 's,/run.sh$,,')
for tier in guests cli cpu fuzz system $SYSTEM_TIERS; do
	run_tier "$tier"
done
# The system tiers again on the kvm backend (LHYVE_BACKEND=kvm), where it
# can boot Linux; one SKIP per tier with the reason where it cannot.
# tests/system/run.sh does its own kvm pass.
kvm_why=$(tests/system/kvm-why.sh)
for tier in $SYSTEM_TIERS; do
	if [ -n "$kvm_why" ]; then
		echo "SKIP $tier/kvm ($kvm_why)"
		skipped=$((skipped + 1))
	else
		LHYVE_BACKEND=kvm run_tier "$tier" "$tier-kvm"
	fi
done

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
if [ $((passed + failed)) -eq 0 ]; then
	echo "no test ran" >&2
	failed=1
fi
echo "$summary"
[ "$failed" -eq 0 ]
