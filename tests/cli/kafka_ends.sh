# kafka-cat-out and kafka-cat-in against the embedded broker, with kcat
# (Debian's) as the independent second client both ways: keys, values
# and partitions agree; bad lines are rejected with counts that add up;
# a message that is not UTF-8 survives as base64; an unreachable broker
# is an error in bounded time; and --resume-from makes a consumer that is
# killed and restarted put every message in Bronze exactly once.
start_broker -t vitals -t other -t kills --partitions 6

vitals-gen --patients 40 --duration 10m --seed 3 > in.ndjson
n=$(lines in.ndjson)
{ cat in.ndjson; echo 'not json'; echo '[1,2]'; echo; } > mixed.ndjson
kafka-cat-out -b "$B" -t vitals --rejects rj.ndjson mixed.ndjson 2> err
cat err
expect_eq "out" "$(stat_field out err)" "$n"
expect_eq "in" "$(stat_field in err)" $((n + 2))
expect_eq "rejected" "$(stat_field rejected err)" 2
expect_eq "rejects file" "$(jq -r .reason rj.ndjson | sort | uniq -c | tr -s ' ')" " 2 bad_json"

# kcat reads exactly what was sent: each line once, keyed by patient_id,
# every patient on one partition.
kcat -C -b "$B" -t vitals -e -q -f '%p\t%k\t%s\n' > kcat.tsv
expect_eq "kcat count" "$(lines kcat.tsv)" "$n"
expect_eq "kcat values" "$(cut -f3- kcat.tsv | sort | md5sum)" "$(sort in.ndjson | md5sum)"
cut -f3- kcat.tsv | jq -r .patient_id > pids
expect_eq "keys are patient ids" "$(cut -f2 kcat.tsv | md5sum)" "$(md5sum < pids)"
expect_eq "one partition per patient" "$(cut -f1,2 kcat.tsv | sort -u | wc -l | tr -d ' ')" \
    "$(cut -f2 kcat.tsv | sort -u | wc -l | tr -d ' ')"

# kafka-cat-in's envelopes carry the same partitions, keys and values.
kafka-cat-in -q -b "$B" -t vitals -e > env.ndjson
expect_eq "envelopes" "$(lines env.ndjson)" "$n"
jq -r '[.partition, .key, .value] | @tsv' env.ndjson | sort > ours.tsv
jq -R -r 'split("\t") | [(.[0] | tonumber), .[1], (.[2:] | join("\t"))] | @tsv' kcat.tsv | sort > theirs.tsv
expect_eq "envelopes agree with kcat" "$(md5sum < ours.tsv)" "$(md5sum < theirs.tsv)"
expect_eq "offsets are unique" "$(jq -r '"\(.partition) \(.offset)"' env.ndjson | sort -u | wc -l | tr -d ' ')" "$n"
jq -e 'select((.kafka_timestamp | test("^[0-9-]+T[0-9:.]+Z$")) and (.event_date == .kafka_timestamp[0:10]) | not)' env.ndjson > bad && fail "bad timestamps: $(head -1 bad)"
# ...and they are Bronze rows as the schema states, and clean into Silver.
delta-commit -q lake/bronze env.ndjson
expect_eq "bronze rows" "$(delta-cat -q lake/bronze | wc -l | tr -d ' ')" "$n"
vitals-clean -q env.ndjson > silver.ndjson
expect_eq "silver rows" "$(lines silver.ndjson)" "$n"

# What kcat produces with -K, kafka-cat-in turns into correct envelopes;
# bytes that are not UTF-8 come back as base64, exactly.
printf 'k1:{"a":1}\nk2:\377\376x\n' | kcat -P -b "$B" -t other -p 2 -K:
kafka-cat-in -q -b "$B" -t other -p 2 -e > other.ndjson
expect_eq "kcat -K: first" "$(jq -c '[.topic, .partition, .offset, .key, .value]' other.ndjson | head -1)" '["other",2,0,"k1","{\"a\":1}"]'
expect_eq "kcat -K: not UTF-8" "$(sed -n 2p other.ndjson | jq -r '.value_base64' | base64 -d | od -An -c | tr -s ' ')" " 377 376 x"
expect_eq "kcat -K: value null" "$(sed -n 2p other.ndjson | jq -c '[.key, .value]')" '["k2",null]'
vitals-clean -q --rejects crj.ndjson other.ndjson > /dev/null
expect_eq "clean rejects the bytes" "$(jq -r .reason crj.ndjson | sort | tr '\n' ' ')" "bad_utf8 missing_field "
# --key '' sends no key; -p chooses the partition.
head -n 3 in.ndjson | kafka-cat-out -q -b "$B" -t other --key '' -p 5
expect_eq "no key, partition 5" "$(kcat -C -b "$B" -t other -p 5 -e -q -f '%p:%K\n' | sort -u)" "5:-1"
kafka-cat-in -q -b "$B" -t vitals -p 1 -o -3 -e --value-only > tail.ndjson
expect_eq "-o -3 --value-only" "$(lines tail.ndjson)" 3
kafka-cat-in -q -b "$B" -t vitals -e -c 7 > seven.ndjson
expect_eq "-c 7" "$(lines seven.ndjson)" 7

# A consumer group (one member) reads every message once.
kafka-cat-in -q -b "$B" -t vitals -G g1 -e -X session.timeout.ms=6000 > group.ndjson
expect_eq "group" "$(jq -r '"\(.partition) \(.offset)"' group.ndjson | sort -u | wc -l | tr -d ' ')" "$n"

# Unreachable broker: a clear error, exit 1, in bounded time.
start=$(date +%s)
expect_status 1 kafka-cat-out -b 127.0.0.1:1 -t vitals --connect-timeout 2s in.ndjson 2> err
expect_grep 'no broker answered within 2 s' err
expect_status 1 kafka-cat-in -b 127.0.0.1:1 -t vitals --connect-timeout 2s -e 2> err
expect_grep 'no broker answered within 2 s' err
[ $(( $(date +%s) - start )) -lt 15 ] || fail "errors took too long"
# A property that librdkafka refuses is named, its value never shown.
expect_status 2 kafka-cat-out -b "$B" -t vitals -X sasl.password=hunter2 -X no.such.prop=hunter2 < /dev/null 2> err
expect_grep 'no.such.prop: no such librdkafka property' err
grep -q hunter2 err && fail "a property value reached stderr"

# Exactly once into Bronze across kill -9: the consumer or delta-commit
# is killed at random moments of a slowed stream and the pipeline is
# restarted the documented way, with --resume-from; the table ends with
# every message once.  The stream is larger than a pipe holds (the tools
# widen theirs to 1 MiB), so that kafka-cat-in is still reading when it
# is killed rather than only its last output waiting in the pipe.
vitals-gen --patients 40 --duration 50m --seed 4 > kills.ndjson
nk=$(lines kills.ndjson)
kafka-cat-out -q -b "$B" -t kills kills.ndjson
seed=${VL_KILL_SEED:-$(date +%s)}
echo "kill delays from seed $seed (VL_KILL_SEED=$seed to repeat)"
awk -v s=$seed 'BEGIN { srand(s); for (i = 0; i < 6; i++) printf "%.2f\n", 0.3 + rand() }' > delays
rm -rf lake
partial=0 round=0
for d in $(cat delays); do
	round=$((round + 1))
	(kafka-cat-in -q -b "$B" -t kills --resume-from lake/bronze |
	    pace 200 0.05 |
	    delta-commit -q --schema bronze --batch-rows 300 lake/bronze) &
	job=$!
	sleep "$d"
	if [ $((round % 2)) = 0 ]; then victim=delta-commit; else victim=kafka-cat-in; fi
	# Only this test's processes: the pipeline's stages are children of
	# its subshell.
	pkill -9 -P "$job" -x "$victim" || :
	pkill -P "$job" -x kafka-cat-in || :
	wait $job || :
	got=$(delta-cat -q lake/bronze 2>/dev/null | wc -l | tr -d ' ')
	echo "round $round: killed $victim after ${d}s, bronze holds $got"
	[ "$got" -gt 0 ] && [ "$got" -lt "$nk" ] && partial=$((partial + 1))
done
[ $partial -gt 0 ] || fail "no kill landed mid-stream"
kafka-cat-in -q -b "$B" -t kills -e --resume-from lake/bronze | delta-commit -q --schema bronze lake/bronze
delta-cat -q lake/bronze > bronze.ndjson
expect_eq "bronze after kills: rows" "$(lines bronze.ndjson)" "$nk"
expect_eq "bronze after kills: unique" "$(jq -r '"\(.partition) \(.offset)"' bronze.ndjson | sort -u | wc -l | tr -d ' ')" "$nk"
expect_eq "bronze after kills: values" "$(jq -r .value bronze.ndjson | sort | md5sum)" "$(sort kills.ndjson | md5sum)"
