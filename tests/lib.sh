# Helpers for the CLI tests; sourced before the test script, which is
# passed as $1.  Every helper fails the test with a message on stderr.
set -eu

# fd 3 is the test's own stderr, so a failure message reaches the log even
# from inside a helper whose stderr the test redirected.
exec 3>&2
fail() { echo "FAIL: $*" >&3; exit 1; }
skip() { echo "$*"; exit 77; }

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# expect_status EXPECTED CMD...: runs CMD and checks its exit status.
expect_status() {
	want=$1; shift
	set +e; "$@"; got=$?; set -e
	[ "$got" = "$want" ] || fail "exit status of '$*' was $got, expected $want"
}

# expect_grep PATTERN FILE
expect_grep() {
	grep -q -- "$1" "$2" || { echo "--- $2:" >&2; head -c 2000 "$2" >&2; fail "'$1' not found in $2"; }
}

lines() { wc -l < "$1" | tr -d ' '; }

# pace N SECONDS: copies stdin to stdout line by line, pausing SECONDS
# after every N lines, so a backlog flows like a live stream.  Not awk:
# mawk fills its whole input buffer before it hands on a line, so the
# last lines of a stream that pauses would sit there until end of input.
pace() {
	perl -e '$| = 1; my ($n, $s) = @ARGV; @ARGV = ();
	    while (<STDIN>) { print; select(undef, undef, undef, $s) if $. % $n == 0 }' "$1" "$2"
}

# stat_field NAME FILE: the value of NAME=... in a tool's summary line.
stat_field() {
	sed -n "s/.* $1=\([0-9]*\).*/\1/p; s/^[^ ]*: $1=\([0-9]*\).*/\1/p" "$2" | tail -n 1
}

need_shared() {
	[ -d "$SHARED/$1" ] || skip "needs ../shared/$1 (not present)"
}


# need_verify: the independent readers in tests/verify (npm ci there).
need_verify() {
	command -v node > /dev/null || skip "needs node for the independent readers"
	[ -d "$TOP/tests/verify/node_modules/@duckdb" ] ||
	    skip "needs tests/verify/node_modules (run: cd tests/verify && npm ci)"
}
delta_check() { node "$TOP/tests/verify/delta-check.mjs" "$@"; }
parquet_check() { node "$TOP/tests/verify/parquet-check.mjs" "$@"; }

# start_broker ARGS...: the embedded Kafka broker (kafka-broker ARGS), in
# $broker, killed when the test exits; its address in $B.  Needs kcat,
# the second client every Kafka test uses.
start_broker() {
	command -v kcat > /dev/null || skip "needs kcat (Debian package kcat)"
	kafka-broker -q "$@" --bootstrap-file bs > /dev/null &
	broker=$!
	trap 'kill $broker 2>/dev/null || :' EXIT
	i=0
	while [ ! -s bs ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the broker did not start"
		sleep 0.1
	done
	B=$(cat bs)
}

. "$1"
