# The whole lake fed through Kafka, exactly once across kill -9: a stream
# of over 100,000 messages, and in each round one process of the pipeline
# (kafka-cat-in, vitals-clean, vitals-agg, or the delta-commit of Bronze,
# Silver or Gold) is killed at a random moment, the rest stopped, and the
# pipeline started again the documented way (examples/lakehouse.sh).  At
# the end Bronze and Silver hold every message once, and Gold holds every
# window once with exactly the readings a run that never stopped gives.
start_broker -t vitals --partitions 8

vitals-gen --patients 200 --duration 45m --seed 12 > in.ndjson
n=$(lines in.ndjson)
[ "$n" -ge 100000 ] || fail "only $n messages"
kafka-cat-out -q -b "$B" -t vitals in.ndjson

L=$T/lake
mkdir -p "$L"
# One run of the pipeline; its processes are found by these paths, so
# that nothing else on the machine is touched.
lake() {	# round, kafka-cat-in options...
	r=$1; shift
	rm -f "$L/b.fifo" "$L/s.fifo"
	mkfifo "$L/b.fifo" "$L/s.fifo"
	delta-commit -q --schema bronze --batch-rows 3000 "$L/bronze" < "$L/b.fifo" &
	bj=$!
	delta-commit -q --schema silver --batch-rows 3000 "$L/silver" < "$L/s.fifo" &
	sj=$!
	kafka-cat-in -q -b "$B" -t vitals "$@" --resume-from "$L/bronze" \
	    --resume-from "$L/silver" --resume-from "$L/gold" |
	    pace 500 0.02 |
	    tee "$L/b.fifo" |
	    vitals-clean -q --rejects "$L/clean.$r.ndjson" |
	    iforest-score -q | tee "$L/s.fifo" |
	    vitals-agg -q --resume-from "$L/gold" --state "$L/gold.state" \
	        --rejects "$L/late.$r.ndjson" |
	    delta-commit -q --schema gold --batch-rows 400 "$L/gold" || :
	wait $bj $sj || :
}
seed=${VL_KILL_SEED:-$(date +%s)}
echo "kill delays from seed $seed (VL_KILL_SEED=$seed to repeat)"
awk -v s=$seed 'BEGIN { srand(s); for (i = 0; i < 6; i++) printf "%.2f\n", 0.5 + 1.5 * rand() }' > delays
round=0 partial=0
for victim in kafka-cat-in vitals-clean vitals-agg bronze silver gold; do
	round=$((round + 1))
	d=$(sed -n "${round}p" delays)
	lake $round &
	job=$!
	sleep "$d"
	case $victim in
	kafka-cat-in) pat="kafka-cat-in -q -b $B" ;;
	vitals-clean) pat="vitals-clean -q --rejects $L/clean.$round" ;;
	vitals-agg) pat="vitals-agg -q --resume-from $L/gold" ;;
	*) pat="delta-commit -q --schema $victim .*$L/$victim" ;;
	esac
	pkill -9 -f "$pat" || :
	# The rest stops as a pipeline does when a stage dies; a consumer
	# with nothing to write would wait on, so it is told to stop.
	sleep 0.3
	pkill -TERM -f "kafka-cat-in -q -b $B" || :
	wait $job || :
	got=$(delta-cat -q "$L/silver" 2>/dev/null | wc -l | tr -d ' ')
	echo "round $round: killed $victim after ${d}s, silver holds $got"
	[ "$got" -gt 0 ] && [ "$got" -lt "$n" ] && partial=$((partial + 1))
done
[ $partial -gt 0 ] || fail "no kill landed mid-stream"
# The end of the stream: the last run reads to the end of every
# partition, then the windows still open are written.
lake end -e
vitals-agg -q --resume-from "$L/gold" --state "$L/gold.state" --flush < /dev/null |
    delta-commit -q --schema gold "$L/gold"

delta-cat -q "$L/bronze" > bronze.ndjson
delta-cat -q "$L/silver" > silver.ndjson
delta-cat -q "$L/gold" > gold.ndjson
key='"\(.partition) \(.offset)"'
expect_eq "bronze rows" "$(lines bronze.ndjson)" "$n"
expect_eq "bronze: each message once" "$(jq -r "$key" bronze.ndjson | sort -u | wc -l | tr -d ' ')" "$n"
expect_eq "bronze values" "$(jq -r .value bronze.ndjson | sort | md5sum)" "$(sort in.ndjson | md5sum)"
# A clean stream: vitals-clean keeps every reading.  When a stage before
# it dies, the line in flight can reach it cut short (a pipe carries
# bytes, not lines), and is refused as such; the message itself is read
# again after the restart.  So: at most that one line per killed round.
# The same holds for vitals-agg, which has no late reading either.
for f in clean late; do
	expect_eq "$f rejects at the end" "$(lines "$L/$f.end.ndjson")" 0
	for r in 1 2 3 4 5 6; do
		[ "$(lines "$L/$f.$r.ndjson")" -le 1 ] ||
		    fail "round $r: more than a cut line in $f rejects"
		[ ! -s "$L/$f.$r.ndjson" ] || expect_eq "round $r: the cut line" \
		    "$(jq -r .reason "$L/$f.$r.ndjson")" bad_json
	done
done
expect_eq "silver rows" "$(lines silver.ndjson)" "$n"
expect_eq "silver: each message once" "$(jq -r "$key" silver.ndjson | sort -u | wc -l | tr -d ' ')" "$n"
expect_eq "silver keys" "$(jq -r '"\(.patient_id) \(.event_time[0:23])"' silver.ndjson | sort | md5sum)" \
    "$(jq -r '"\(.patient_id) \(.timestamp[0:23])"' in.ndjson | sort | md5sum)"
expect_eq "gold: each window once" "$(jq -r '"\(.patient_id) \(.window_start)"' gold.ndjson | sort -u | wc -l | tr -d ' ')" "$(lines gold.ndjson)"
expect_eq "gold readings = silver rows" "$(jq -s 'map(.readings) | add' gold.ndjson)" "$n"
# Each window has the readings it should: those of a run over Silver in
# Kafka order that never stopped.
jq -s -c 'sort_by(.partition, .offset)[]' silver.ndjson | vitals-agg -q > ref.ndjson
w='"\(.patient_id) \(.window_start) \(.readings) \(.heart_rate_mean) \(.spo2_min)"'
jq -r "$w" ref.ndjson | sort > want
jq -r "$w" gold.ndjson | sort > got
diff want got > /dev/null || { diff want got | head >&2; fail "Gold windows differ from a run that never stopped"; }
