# vitals-gen as a Unix filter: `| head` ends it at once and quietly, write
# errors exit 1 with "write error", SIGTERM writes what it holds and kills
# it with SIGTERM, --realtime paces and flushes each reading.

# An endless run (a thousand simulated days) ends only because head went.
timeout 30 sh -c 'vitals-gen -d 1000d 2> err | head -n 5 > got'
rc=$?
expect_eq "pipeline status (124 would be a hang)" "$rc" 0
expect_eq "head got" "$(lines got)" 5
expect_eq "stderr after head" "$(cat err)" ""

# Output that cannot be written is an error, said once.
expect_status 1 vitals-gen -c 100000 > /dev/full 2> err
expect_grep 'write error: <stdout>: No space left on device' err
expect_eq "said once" "$(lines err)" 1
expect_status 1 vitals-gen -c 100000 -o /dev/full 2> err
expect_grep 'write error: /dev/full' err
expect_status 1 vitals-gen -c 10 -o no/such/dir/out 2> err
expect_grep 'no/such/dir/out: No such file or directory' err
expect_status 1 vitals-gen -c 10 --roster no/such/dir/r > /dev/null 2> err
expect_grep 'no/such/dir/r' err
expect_status 1 vitals-gen -c 10 --roster /dev/full > /dev/null 2> err
expect_grep 'write error' err

# --realtime: readings come when their time does, each flushed at once;
# SIGTERM then writes what is held back (late readings too) and the tool
# dies of SIGTERM.
vitals-gen --realtime -i 0.2 --patients 2 -d 1h --faults 0.3 > live 2> live.err &
pid=$!
tries=0
while [ "$(lines live)" -lt 4 ]; do
	tries=$((tries + 1))
	[ $tries -lt 100 ] || fail "realtime readings not flushed as they come"
	sleep 0.05
done
sleep 0.5
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
expect_eq "killed by SIGTERM" "$rc" 143
n=$(lines live)
# About 10 readings a second for about a second: far fewer than a
# simulated hour (36000), so the output was paced.
[ "$n" -ge 6 ] && [ "$n" -le 200 ] || fail "$n lines in about a second of --realtime"
expect_eq "ends with a whole line" "$(tail -c 1 live | od -An -c | tr -d ' ')" '\n'
expect_eq "stderr" "$(cat live.err)" ""
# The clock starts now.
today=$(date -u +%Y-%m-%d)
expect_eq "realtime starts today" "$(head -c 200 live | grep -o '"timestamp":"[0-9-]*' | head -n 1 | cut -d'"' -f4)" "$today"

# SIGINT in the simulated mode: the same.
vitals-gen -d 100000d > /dev/null &
pid=$!
sleep 0.3
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
expect_eq "killed by SIGINT" "$rc" 130
