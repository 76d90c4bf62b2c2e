# SPDX-License-Identifier: BSD-2-Clause
# testlib.sh: helpers shared by the shell test runners (tests/guests/run.sh,
# tests/cli/run.sh).  Every result is one line starting with PASS, FAIL or
# SKIP, which tests/run-all.sh counts; details are indented under it.

t_failed=0

# pass NAME
pass() {
	echo "PASS $1"
}

# fail NAME WHY
fail() {
	echo "FAIL $1 ($2)"
	t_failed=$((t_failed + 1))
}

# skip NAME WHY
skip() {
	echo "SKIP $1 ($2)"
}

# detail LABEL FILE: show (the start of) FILE, indented, when not empty.
detail() {
	if [ -s "$2" ]; then
		echo "    --- $1:"
		head -n "${T_DETAIL_LINES:-40}" "$2" | cat -v | sed 's/^/    | /'
	fi
}

# show_cmd ARGS...: the command line, quoted so it can be pasted.
show_cmd() {
	local q
	q=$(printf '%q ' "$@")
	echo "    \$ ${q% } </dev/null"
}

# run_capture OUT ERR TIMEOUT ARGS...: run with stdin from /dev/null (never
# a tty, so lhyve leaves the terminal alone), a hang limit, stdout and
# stderr to files.  Sets $rc (124 or 137 when it timed out).
run_capture() {
	local out=$1 err=$2 tmo=$3
	shift 3
	timeout -k 5 "$tmo" "$@" </dev/null >"$out" 2>"$err"
	rc=$?
}

# t_done: the runner's exit status.
t_done() {
	[ "$t_failed" -eq 0 ]
}
