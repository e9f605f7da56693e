# delta-commit exactly once: records that carry their Kafka position are
# committed with a txn per partition; replaying them, whole or in part,
# adds nothing twice; --positions reads the positions back.
need_verify

# Bronze envelopes over 3 partitions, as kafka-cat-in writes them.
vitals-gen --patients 12 --duration 20m --seed 3 | jq -c --slurp '
	to_entries | map(.key as $i | {topic: "vitals", partition: ($i % 3),
	    offset: (($i / 3) | floor), key: .value.patient_id,
	    value: (.value | tojson), kafka_timestamp: .value.timestamp}) | .[]' > bronze.ndjson
vitals-clean -q --now 2026-06-01T00:00:00Z bronze.ndjson > silver.ndjson
n=$(lines silver.ndjson)

# First half, then everything: the first half is skipped the second time.
head -n $((n / 2)) silver.ndjson > half.ndjson
delta-commit silver half.ndjson 2> e1
expect_grep "in=$((n / 2)) out=$((n / 2)) rejected=0 duplicates=0" e1
delta-commit silver silver.ndjson 2> e2
expect_grep "in=$n out=$((n - n / 2)) rejected=0 duplicates=$((n / 2))" e2
# And again: nothing new at all.
delta-commit silver silver.ndjson 2> e3
expect_grep "in=$n out=0 rejected=0 duplicates=$n" e3
expect_eq "versions" "$(ls silver/_delta_log/*.json | wc -l | tr -d ' ')" 2
delta_check silver --rows silver.ndjson

# Positions: the highest offset of each partition, as JSON lines.
delta-commit --positions silver | sort > positions
jq -s -c 'group_by(.partition) | map({app_id: "vitals-lakehouse", topic: "vitals",
    partition: .[0].partition, offset: (map(.offset) | max)}) | .[]' silver.ndjson | sort > want
expect_eq "positions" "$(cat positions)" "$(cat want)"
# A txn of some other writer, not "<app>:<topic>:<partition>", is left
# out, and what is printed stays one JSON object per line.
cp -r silver foreign
printf '%s\n' '{"txn":{"appId":"spark:vitals:abc","version":7}}' \
    '{"txn":{"appId":"streaming-query-1","version":3}}' \
    > foreign/_delta_log/00000000000000000002.json
delta-commit --positions foreign | sort > fpositions
expect_eq "foreign txns left out" "$(cat fpositions)" "$(cat want)"
jq -e . fpositions > /dev/null || fail "--positions printed a line that is not JSON"

# Records within one batch that repeat an offset are skipped too.
cat half.ndjson half.ndjson > twice.ndjson
delta-commit --schema silver other twice.ndjson 2> e4
expect_grep "in=$n out=$((n / 2)) rejected=0 duplicates=$((n / 2))" e4

# A different --app-id is a different consumer: it commits again.
delta-commit --app-id backfill other half.ndjson 2> e5
expect_grep "out=$((n / 2)) rejected=0 duplicates=0" e5

# Two writers of the same partition, as after a Kafka rebalance: writer A
# holds a batch of partitions 0 and 1 while writer B, which took
# partition 0 over from the table's position, commits part of it first.
# A's commit then leaves out the rows B committed and commits the rest:
# every row once, and A's counts say so.
jq -c 'select(.partition <= 1)' silver.ndjson > two.ndjson
jq -c 'select(.partition == 0)' two.ndjson | head -n 30 > b.ndjson
mkfifo a.fifo
delta-commit -v --batch-rows 1000000 --batch-time 1h race/silver < a.fifo 2> ea &
a=$!
exec 4> a.fifo
cat two.ndjson >&4
# A has read its lines (its batch is open) before B commits.
i=0; while [ ! -d race/silver ] || [ -z "$(find race/silver -name '*.parquet')" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "writer A opened no batch"; sleep 0.1
done
sleep 0.3
delta-commit -q race/silver b.ndjson
exec 4>&-
wait $a || fail "writer A failed: $(cat ea)"
expect_grep "in=$(lines two.ndjson) out=$(($(lines two.ndjson) - 30)) rejected=0 duplicates=30" ea
expect_grep '30 rows were committed by another writer first' ea
delta-cat -q race/silver > race.ndjson
expect_eq "race: rows" "$(lines race.ndjson)" "$(lines two.ndjson)"
expect_eq "race: each offset once" "$(jq -r '"\(.partition) \(.offset)"' race.ndjson | sort -u | wc -l | tr -d ' ')" "$(lines two.ndjson)"
delta_check race/silver --rows two.ndjson

# A table replayed into another: Bronze committed in many small batches,
# read back by delta-cat and cleaned into Silver in small batches too.
# delta-cat reads the files in the order the log added them, so each
# partition's offsets rise and nothing is taken for a row already
# committed (in the files' byte order, random names put later batches
# first, and their offsets made the earlier rows look old).
jq -c '.event_date = .kafka_timestamp[0:10]' bronze.ndjson |
    delta-commit -q --schema bronze --batch-rows 100 replay/bronze
[ "$(ls replay/bronze/_delta_log/*.json | wc -l)" -ge 8 ] || fail "replay: too few Bronze versions"
delta-cat -q replay/bronze | vitals-clean -q --now 2026-06-01T00:00:00Z |
    delta-commit --schema silver --batch-rows 150 replay/silver 2> er
expect_grep "in=$n out=$n rejected=0 duplicates=0" er
delta_check replay/silver --rows silver.ndjson
