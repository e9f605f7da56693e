# vitals-agg on a stream from Kafka partitions: each partition has its
# own watermark, so one that lags another is not late; a replayed offset
# is dropped as a repeat; each Gold row says up to which offset its
# partition was done (through_offset, worked out by hand below); and after
# a crash that left only part of Gold committed, a restart from Gold's
# position with --resume-from gold ends with exactly the rows of a run
# that never crashed; and so does a stop and start with --state, which
# carries the open windows over.

r() {	# partition offset patient time
	printf '{"topic":"t","partition":%s,"offset":%s,"patient_id":"%s","event_time":"2026-03-01T%sZ","heart_rate":%s}\n' \
	    "$1" "$2" "$3" "$4" "$((60 + $2))"
}
{
r 0 0 a 10:00:10
r 0 1 c 10:00:40
r 0 2 a 10:00:50
r 0 3 a 10:01:20
r 0 4 a 10:05:00	# partition 0's watermark: 10:04
r 1 0 b 10:00:20	# on time for partition 1, 4 minutes behind
r 1 0 b 10:00:25	# offset 0 again: a replay
r 0 3 a 10:01:25	# a replay, not a late reading
r 1 1 b 10:03:00	# closes b's 10:00 window
r 1 2 b 10:00:30	# late in its own partition
} > in.ndjson

vitals-agg --window 1m --lateness 1m --idle-timeout 0 \
    --rejects rejects.ndjson in.ndjson > gold.ndjson 2> err
expect_grep '^vitals-agg: in=10 out=6 rejected=1 duplicates=2$' err
expect_grep ' replayed=2$' err
expect_eq "late reading" "$(jq -r .reason rejects.ndjson)" late_reading

# a's 10:00 window comes out while c's, opened at offset 1, is still to
# come: partition 0 is done through 0.  After c's, the oldest left is
# a's 10:01 (offset 3): through 2.  And so on; at the end each partition
# is done through its highest offset.
jq -r '[.patient_id, .window_start[11:16], .readings, .topic, .partition,
    .through_offset] | @tsv' gold.ndjson > got
printf '%s\n' 'a	10:00	2	t	0	0' 'c	10:00	1	t	0	2' \
    'a	10:01	1	t	0	3' 'b	10:00	1	t	1	0' \
    'b	10:03	1	t	1	2' 'a	10:05	1	t	0	4' > want
diff want got || fail "rows or positions differ from the hand-worked ones"

# Into a table: its position per partition is the highest through_offset.
mkdir clean crashed
delta-commit -q clean/gold < gold.ndjson
expect_eq "positions" "$(delta-commit --positions clean/gold |
    jq -r '"\(.partition):\(.offset)"' | sort | tr '\n' ' ')" "0:4 1:2 "

# A crash after Gold committed only the first row: Gold is at offset 0 of
# partition 0 and nowhere on partition 1.  The restart reads from offset
# 1 of partition 0 and from the start of partition 1, as kafka-cat-in
# --resume-from would, and drops a's second 10:00 reading (offset 2),
# which Gold holds already.
head -n 1 gold.ndjson | delta-commit -q crashed/gold
jq -c 'select(.partition == 1 or .offset > 0)' in.ndjson |
    vitals-agg --window 1m --lateness 1m --idle-timeout 0 \
    --resume-from crashed/gold 2> err2 | delta-commit -q crashed/gold
expect_grep ' in_gold=1 replayed=2$' err2
key='[.patient_id, .window_start, .readings, .heart_rate_mean, .partition,
    .through_offset] | @tsv'
delta-cat clean/gold | jq -r "$key" | sort > clean.tsv
delta-cat crashed/gold | jq -r "$key" | sort > resumed.tsv
diff clean.tsv resumed.tsv || fail "Gold after the crash and restart differs"
expect_eq "positions after the restart" "$(delta-commit --positions crashed/gold |
    jq -r '"\(.partition):\(.offset)"' | sort | tr '\n' ' ')" "0:4 1:2 "

# A stop with --state: the open windows are saved, not written, and the
# next run takes them up; readings the state covers come again from
# Kafka and are dropped as replays.  The last run, --flush, writes what
# is left.  Gold ends as in the run that never stopped.
agg() { vitals-agg --window 1m --lateness 1m --idle-timeout 0 \
    --resume-from stopped/gold --state stopped/state "$@"; }
mkdir stopped
head -n 6 in.ndjson | agg 2> err3 | delta-commit -q stopped/gold
expect_grep 'stopped/state: 2 open windows saved for the next run' err3
expect_eq "rows before the stop" "$(delta-cat -q stopped/gold | wc -l | tr -d ' ')" 3
# Restarted where Gold is: offset 4 of partition 0, all of partition 1.
jq -c 'select(.partition == 1 or .offset > 3)' in.ndjson | agg --flush 2> err4 |
    delta-commit -q stopped/gold
expect_grep 'stopped/state: 2 open windows taken up' err4
expect_grep '^vitals-agg: in=5 out=3 rejected=1 duplicates=3$' err4
delta-cat stopped/gold | jq -r "$key" | sort > stopped.tsv
diff clean.tsv stopped.tsv || fail "Gold after a stop and a restart with --state differs"

# A state that does not fit Gold (here: Gold lost its last commit) is
# not taken up, with a warning; the windows are built again from where
# Gold is, and nothing is lost.
rm -rf stopped && mkdir stopped
head -n 6 in.ndjson | agg 2> /dev/null > part1.ndjson
head -n 2 part1.ndjson | delta-commit -q stopped/gold
jq -c 'select(.partition == 1 or .offset > 2)' in.ndjson | agg --flush 2> err5 |
    delta-commit -q stopped/gold
expect_grep 'state not taken up: stopped/state: Gold is at offset 2 of partition 0, the state expects 3' err5
delta-cat stopped/gold | jq -r "$key" | sort > stale.tsv
diff clean.tsv stale.tsv || fail "Gold after a stale state differs"
# A damaged state file is ignored the same way.
printf '{"vitals_agg_state":1,"win' > stopped/state
agg < /dev/null 2> err6 > /dev/null
expect_grep 'state not taken up: stopped/state:1: the line is cut short' err6
expect_status 2 vitals-agg --state x in.ndjson 2> err7
expect_grep 'needs --resume-from' err7

# A restart against a table that does not exist yet starts from nothing;
# one against something that is not a Gold table is an error.
vitals-agg -q --resume-from nothing-here in.ndjson > fresh
expect_eq "fresh start" "$(lines fresh)" 6
mkdir notgold && vitals-gen --patients 1 --duration 1m | vitals-clean -q |
    delta-commit -q notgold/silver
expect_status 1 vitals-agg -q --resume-from notgold/silver in.ndjson > /dev/null 2> err3
expect_grep 'not a Gold table' err3
