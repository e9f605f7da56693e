# Two consumers in one group share the partitions, each feeding its own
# delta-commits into the same Bronze and Silver tables.  They join while
# the stream flows (a rebalance hands partitions over mid-batch), then
# one is killed and the other takes its partitions over after the
# group's session timeout.  Together they put every message in each
# table exactly once.
start_broker -t vitals --partitions 8
vitals-gen --patients 100 --duration 40m --seed 21 > in.ndjson
n=$(lines in.ndjson)
kafka-cat-out -q -b "$B" -t vitals in.ndjson

L=$T/lake
mkdir -p "$L"
member() {	# name
	mkfifo "$L/$1.fifo"
	delta-commit -q -v --schema bronze --batch-rows 2000 --batch-time 2 "$L/bronze" < "$L/$1.fifo" 2> "$1.bronze.err" &
	bj=$!
	kafka-cat-in -v -b "$B" -t vitals -G lake -X session.timeout.ms=6000 \
	    -X heartbeat.interval.ms=500 --resume-from "$L/bronze" \
	    --resume-from "$L/silver" 2> "$1.in.err" |
	    pace 500 0.05 |
	    tee "$L/$1.fifo" | vitals-clean -q |
	    delta-commit -q -v --schema silver --batch-rows 2000 --batch-time 2 "$L/silver" 2> "$1.silver.err" || :
	wait $bj || :
}
member a &
a=$!
sleep 1
member b &
b=$!
# Both hold partitions: then a dies.
i=0; until grep -q 'assigned' b.in.err 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "b was never assigned partitions"; sleep 0.1
done
sleep 2
pkill -9 -P $a -x kafka-cat-in || fail "could not kill a's consumer"
wait $a || :
got_a=$(delta-cat -q "$L/bronze" | wc -l | tr -d ' ')
echo "a killed; bronze holds $got_a of $n"
[ "$got_a" -lt "$n" ] || fail "a was killed after the end: nothing left to take over"
# b takes a's partitions over once a's session times out, and reads on.
i=0; while [ "$(delta-cat -q "$L/silver" 2>/dev/null | wc -l | tr -d ' ')" -lt "$n" ]; do
	i=$((i + 1)); [ $i -lt 1200 ] || fail "b did not finish the stream: silver holds $(delta-cat -q "$L/silver" | wc -l)"
	sleep 0.1
done
# Stopped the way a stream is stopped: b commits what it holds.
pkill -TERM -P $b -x kafka-cat-in || :
wait $b || :
cat b.in.err
delta-cat -q "$L/bronze" > bronze.ndjson
delta-cat -q "$L/silver" > silver.ndjson
key='"\(.partition) \(.offset)"'
expect_eq "bronze rows" "$(lines bronze.ndjson)" "$n"
expect_eq "bronze: each message once" "$(jq -r "$key" bronze.ndjson | sort -u | wc -l | tr -d ' ')" "$n"
expect_eq "bronze values" "$(jq -r .value bronze.ndjson | sort | md5sum)" "$(sort in.ndjson | md5sum)"
expect_eq "silver rows" "$(lines silver.ndjson)" "$n"
expect_eq "silver: each message once" "$(jq -r "$key" silver.ndjson | sort -u | wc -l | tr -d ' ')" "$n"
# Both wrote to the tables.
for m in a b; do
	grep -q 'committed versions' $m.bronze.err || fail "$m committed nothing to bronze"
done
