# When a live stream goes quiet, --idle-timeout closes windows on time by
# the wall clock; without it they wait for more data.  A reading that then
# falls into a window closed early is late; other readings are not.

reading() {	# patient time heart_rate
	printf '{"patient_id":"%s","event_time":"2026-03-01T%sZ","heart_rate":%s}\n' "$1" "$2" "$3"
}
wait_lines() {	# file n what: up to 10 s
	tries=0
	while [ "$(lines "$1")" -lt "$2" ]; do
		tries=$((tries + 1)); [ $tries -lt 200 ] || fail "$3"
		sleep 0.05
	done
}

# 1-second windows, no lateness: the window [10:00:00, 10:00:01) of a
# reading at 10:00:00.5 is due after half a second of quiet.
mkfifo fifo
vitals-agg --window 1s --lateness 0 --idle-timeout 200ms \
    --rejects rej > idle.out 2> idle.err < fifo &
pid=$!
exec 3> fifo
reading a 10:00:00.5 70 >&3
reading b 10:00:00.6 80 >&3
wait_lines idle.out 2 "windows not closed by the idle timeout"
expect_eq "rows while the stream is open" \
    "$(jq -c '[.patient_id, .window_start[11:19], .readings]' idle.out | tr '\n' ' ')" \
    '["a","10:00:00",1] ["b","10:00:00",1] '
# a's window was written: a reading for it is late.  c had no window
# then: its reading opens one.  The stream goes on after the pause.
reading a 10:00:00.9 71 >&3
reading c 10:00:00.9 90 >&3
reading a 10:00:01.2 72 >&3
exec 3>&-
wait $pid
expect_eq "all rows" \
    "$(jq -c '[.patient_id, .window_start[11:19], .readings]' idle.out | tr '\n' ' ')" \
    '["a","10:00:00",1] ["b","10:00:00",1] ["c","10:00:00",1] ["a","10:00:01",1] '
expect_eq "late reading" "$(jq -r '[.reason, .line] | @tsv' rej)" "late_reading	3"
expect_grep 'in=5 out=4 rejected=1' idle.err

# Without the idle timeout the window stays open while the input is
# quiet, and is written at the end of input.
mkfifo fifo2
vitals-agg --window 1s --lateness 0 --idle-timeout 0 > wait.out 2> wait.err < fifo2 &
pid=$!
exec 4> fifo2
reading a 10:00:00.5 70 >&4
sleep 1.5
expect_eq "rows before the end of input" "$(lines wait.out)" 0
exec 4>&-
wait $pid
expect_eq "rows at the end" "$(lines wait.out)" 1

# The timeout counts from when the input went quiet: with 3 s, nothing is
# written after 1 s, though the window would have been due.
mkfifo fifo3
vitals-agg --window 1s --lateness 0 --idle-timeout 3s > slow.out 2> slow.err < fifo3 &
pid=$!
exec 5> fifo3
reading a 10:00:00.5 70 >&5
sleep 1
expect_eq "rows before the timeout" "$(lines slow.out)" 0
wait_lines slow.out 1 "window not closed after the 3 s timeout"
exec 5>&-
wait $pid

# A row that cannot be written while the input is quiet stops the tool at
# once, with the write error, rather than at the next input.
mkfifo fifo4
vitals-agg --window 1s --lateness 0 --idle-timeout 200ms > /dev/full 2> full.err < fifo4 &
pid=$!
exec 6> fifo4
reading a 10:00:00.5 70 >&6
tries=0
while kill -0 $pid 2> /dev/null; do
	tries=$((tries + 1)); [ $tries -lt 200 ] || fail "still running with its output failed"
	sleep 0.05
done
set +e; wait $pid; rc=$?; set -e
exec 6>&-
expect_eq "exit status" "$rc" 1
expect_grep 'write error: <stdout>: No space left on device' full.err
