# vitals-agg behaves as a Unix filter: help and version on stdout, usage
# errors exit 2, write errors exit 1, `| head` ends the pipeline at once
# and quietly, an unreadable file is reported, closed windows flow out
# while the input is quiet, and SIGTERM writes the open windows, then
# kills the tool with SIGTERM.

reading() {	# patient time heart_rate
	printf '{"patient_id":"%s","event_time":"2026-03-01T%sZ","heart_rate":%s}\n' "$1" "$2" "$3"
}

vitals-agg --help > help 2> help.err
expect_grep '^usage: vitals-agg' help
expect_eq "help on stderr" "$(wc -c < help.err | tr -d ' ')" 0
vitals-agg --version > version
expect_grep '^vitals-agg [0-9]' version
expect_status 2 vitals-agg --no-such-option 2> err
expect_grep 'usage: vitals-agg' err
# Windows must divide a day, so that no window spans two dates.
expect_status 2 vitals-agg --window 7m 2> err
expect_grep 'window 7m: expected a duration that divides a day' err
expect_status 2 vitals-agg --window 0 2> err
expect_status 2 vitals-agg --lateness soon 2> err
expect_grep 'lateness soon' err
expect_status 2 vitals-agg --idle-timeout -1s 2> err
for ok in 1s 10s 5m 15m 1h 1d; do
	vitals-agg -q --window $ok < /dev/null || fail "--window $ok refused"
done

# Output that cannot be written is an error, said once.
reading p 10:00:00 70 > one
expect_status 1 vitals-agg one > /dev/full 2> err
expect_grep 'write error: <stdout>: No space left on device' err
expect_eq "said once" "$(grep -c 'write error' err)" 1

# An unreadable input file is reported; the others are still read.
expect_status 1 vitals-agg missing-file one > out 2> err
expect_grep 'missing-file: No such file or directory' err
expect_eq "other file read" "$(lines out)" 1

# head ends an endless pipeline at once and without noise.
timeout 60 sh -c "vitals-gen -d 3650d | vitals-clean -q | vitals-agg 2> err | head -n 5 > head.out"
rc=$?
expect_eq "pipeline status (124 would be a hang)" "$rc" 0
expect_eq "head got" "$(lines head.out)" 5
expect_eq "stderr after head" "$(cat err)" ""

# A window closed by the data is written while the input is quiet (flush
# before blocking); SIGTERM then writes the windows still open and kills
# the tool with SIGTERM.
mkfifo fifo
vitals-agg --lateness 0 --idle-timeout 0 > live.out 2> live.err < fifo &
pid=$!
exec 3> fifo
reading a 10:00:10 70 >&3
reading b 10:00:20 80 >&3
reading a 10:01:05 75 >&3	# closes 10:00 for a and b
tries=0
while [ "$(lines live.out)" -lt 2 ]; do
	tries=$((tries + 1)); [ $tries -lt 200 ] || fail "closed windows not flushed while input is idle"
	sleep 0.05
done
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
exec 3>&-
expect_eq "killed by SIGTERM" "$rc" 143
expect_eq "windows written, the open one included" \
    "$(jq -c '[.patient_id, .window_start[11:16]]' live.out | tr '\n' ' ')" \
    '["a","10:00"] ["b","10:00"] ["a","10:01"] '
expect_grep 'in=3 out=3 rejected=0' live.err

# --unbuffered: one write per row; default: a few large writes.
for i in $(seq 0 999); do
	reading "p$((i % 10))" "$(printf '1%d:%02d:00' $((i / 600)) $((i / 10 % 60)))" 70
done > many
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
export ASAN_OPTIONS
if command -v strace > /dev/null; then
	strace -f -e trace=write -o plain.trace vitals-agg -q many > /dev/null
	strace -f -e trace=write -o unbuf.trace vitals-agg -q --unbuffered many > /dev/null
	plain=$(grep -c '^[0-9]* *write(1,' plain.trace || true)
	unbuf=$(grep -c '^[0-9]* *write(1,' unbuf.trace || true)
	[ "$plain" -le 40 ] || fail "default mode made $plain writes for 1000 rows"
	expect_eq "writes with --unbuffered" "$unbuf" 1000
fi

# -v says why lines were rejected, for the first 20, then how many more.
for i in $(seq 25); do echo '{"patient_id":"p"}'; done > bad
vitals-agg -v bad > /dev/null 2> verbose.err
expect_eq "reported rejects" "$(grep -c '^vitals-agg: bad:[0-9]*: missing_field: no event_time$' verbose.err)" 20
expect_grep '^vitals-agg: 5 more rejects not shown$' verbose.err
