# vitals-clean behaves as a Unix filter: help and version on stdout,
# usage errors exit 2, write errors exit 1, `| head` ends the pipeline at
# once, a slow stream flows record by record, SIGTERM flushes and dies of
# the signal, --unbuffered writes per record.

now=--now=2026-03-01T12:00:00Z
gen() {	# endless distinct readings
	awk 'BEGIN { for (i = 0; ; i++) printf "{\"patient_id\":\"p-%d\",\"timestamp\":\"2026-03-01T09:%02d:%02dZ\",\"heart_rate\":70}\n", i % 1000, (i / 60) % 60, i % 60 }'
}

vitals-clean --help > help 2> help.err
expect_grep '^usage: vitals-clean' help
expect_eq "help on stderr" "$(wc -c < help.err | tr -d ' ')" 0
vitals-clean --version > version
expect_grep '^vitals-clean [0-9]' version
expect_status 2 vitals-clean --no-such-option 2> err
expect_grep 'usage: vitals-clean' err
expect_status 2 vitals-clean --max-future soon 2> err
expect_grep 'max-future soon' err

# Output that cannot be written is an error, said once.
printf '{"patient_id":"p","timestamp":"2026-03-01T09:00:00Z"}\n' > one
expect_status 1 vitals-clean $now one > /dev/full 2> err
expect_grep 'write error: <stdout>: No space left on device' err

# An unreadable input file is reported; the others are still read.
expect_status 1 vitals-clean $now missing-file one > out 2> err
expect_grep 'missing-file: No such file or directory' err
expect_eq "other file read" "$(lines out)" 1

# head ends an endless pipeline at once and without noise.
timeout 30 sh -c "{ $(command -v awk) 'BEGIN { for (i = 0; ; i++) printf \"{\\\"patient_id\\\":\\\"p-%d\\\",\\\"timestamp\\\":\\\"2026-03-01T09:%02d:%02dZ\\\"}\\n\", i % 1000, (i / 60) % 60, i % 60 }'; } | vitals-clean $now 2> err | head -n 5 > head.out"
rc=$?
expect_eq "pipeline status (124 would be a hang)" "$rc" 0
expect_eq "head got" "$(lines head.out)" 5
expect_eq "stderr after head" "$(cat err)" ""

# A slow stream flows record by record (flush before blocking on input),
# and SIGTERM flushes, then kills the tool with SIGTERM.
mkfifo fifo
vitals-clean $now < fifo > slow.out 2> slow.err &
pid=$!
exec 3> fifo
for i in 1 2 3; do
	printf '{"patient_id":"p-%d","timestamp":"2026-03-01T09:00:00Z"}\n' $i >&3
	tries=0
	while [ "$(lines slow.out)" -lt $i ]; do
		tries=$((tries + 1)); [ $tries -lt 100 ] || fail "record $i not flushed while input is idle"
		sleep 0.05
	done
done
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
exec 3>&-
expect_eq "killed by SIGTERM" "$rc" 143
expect_eq "records kept" "$(lines slow.out)" 3
expect_grep 'in=3 out=3' slow.err

# --unbuffered: one write per record; default: a few large writes.
gen | head -n 2000 > many
# LeakSanitizer cannot run under ptrace.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
export ASAN_OPTIONS
strace -f -e trace=write -o plain.trace vitals-clean -q $now many > /dev/null
strace -f -e trace=write -o unbuf.trace vitals-clean -q --unbuffered $now many > /dev/null
plain=$(grep -c '^[0-9]* *write(1,' plain.trace || true)
unbuf=$(grep -c '^[0-9]* *write(1,' unbuf.trace || true)
[ "$plain" -le 40 ] || fail "default mode made $plain writes for 2000 records"
expect_eq "writes with --unbuffered" "$unbuf" 2000
