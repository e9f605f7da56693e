# The Kafka ends through faults of the embedded broker: every broker
# down in the middle of production (SIGUSR1, then SIGUSR2), and produce
# requests that fail with a retriable error (--produce-errors).  The
# idempotent producer delivers every message exactly once afterwards,
# and a consumer started during the outage reads them all once it ends.
command -v kcat > /dev/null || skip "needs kcat (Debian package kcat)"

kafka-broker -q -t vitals --partitions 4 --produce-errors 5 --bootstrap-file bs > /dev/null &
broker=$!
trap 'kill $broker $consumer 2>/dev/null || :' EXIT
consumer=""
i=0; while [ ! -s bs ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "no broker"; sleep 0.1; done
B=$(cat bs)
vitals-gen --patients 20 --duration 10m --seed 2 > in.ndjson
n=$(lines in.ndjson)

kafka-cat-in -q -b "$B" -t vitals -c "$n" > got.ndjson &
consumer=$!
{
	head -n 1000 in.ndjson
	sleep 1; kill -USR1 $broker; sleep 3; kill -USR2 $broker
	tail -n +1001 in.ndjson
} | kafka-cat-out -b "$B" -t vitals 2> err
cat err
expect_grep 'brokers are down' err
expect_eq "delivered" "$(stat_field out err)" "$n"
i=0; while kill -0 $consumer 2>/dev/null; do i=$((i + 1)); [ $i -lt 300 ] || fail "consumer did not finish"; sleep 0.1; done
wait $consumer
expect_eq "consumed during the outage" "$(lines got.ndjson)" "$n"
# Exactly once: the same lines, no repeat, seen by kcat too.
kcat -C -b "$B" -t vitals -e -q > kcat.ndjson
expect_eq "kcat: each line once" "$(sort kcat.ndjson | md5sum)" "$(sort in.ndjson | md5sum)"
expect_eq "envelopes: each line once" "$(jq -r .value got.ndjson | sort | md5sum)" "$(sort in.ndjson | md5sum)"
