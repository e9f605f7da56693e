# Kafka ends against kcat, side by side on the embedded broker (issue 9):
# the same readings produced keyed by patient_id, then consumed to the
# end, by kafka-cat-out / kafka-cat-in and by kcat; and the whole lake
# through the broker (examples/lakehouse.sh), records per second.
#   BENCH_KAFKA_RECORDS (200000), spread over 16 partitions so the
#   broker's ~5 MB per partition holds them all.
set -eu
BIN=$(cd "$(dirname "$0")/.." && pwd)/${1:-build}/bin
top=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_KAFKA_RECORDS:-200000}
command -v kcat > /dev/null || { echo "== Kafka vs kcat: skipped (no kcat) =="; exit 0; }
w=$(mktemp -d "${TMPDIR:-/tmp}/vl-kbench.XXXXXX")
trap 'kill $broker 2>/dev/null || :; rm -rf "$w"' EXIT
# Three rounds, each with its own topics (the broker keeps about 5 MB per
# partition), the tools taking turns; the best time of each counts, as
# the machine is noisy.
"$BIN/kafka-broker" -q -t ours1 -t ours2 -t ours3 -t theirs1 -t theirs2 \
    -t theirs3 -t idem1 -t idem2 -t idem3 --partitions 16 \
    --bootstrap-file "$w/bs" > /dev/null &
broker=$!
while [ ! -s "$w/bs" ]; do sleep 0.1; done
B=$(cat "$w/bs")
"$BIN/vitals-gen" --patients 400 --count "$N" -o "$w/in.ndjson"
# kcat -K: wants "key:value" lines; making them is not timed.
jq -r '"\(.patient_id):\(tojson)"' "$w/in.ndjson" > "$w/keyed.txt"
secs() { /usr/bin/time -f %e -o "$w/t" "$@"; cat "$w/t"; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
po="" pk="" pi="" co="" ck=""
for i in 1 2 3; do
	po=$(min "$po" "$(secs "$BIN/kafka-cat-out" -q -b "$B" -t ours$i "$w/in.ndjson")")
	pk=$(min "$pk" "$(secs sh -c "kcat -P -b '$B' -t theirs$i -K: < '$w/keyed.txt'")")
	pi=$(min "$pi" "$(secs sh -c "kcat -P -b '$B' -t idem$i -K: -X enable.idempotence=true < '$w/keyed.txt'")")
done
for i in 1 2 3; do
	co=$(min "$co" "$(secs sh -c "'$BIN/kafka-cat-in' -q -b '$B' -t ours$i -e > '$w/ours.out'")")
	ck=$(min "$ck" "$(secs sh -c "kcat -C -q -b '$B' -t theirs$i -e -J > '$w/theirs.out'")")
done
r() { awk -v n="$N" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
echo "== Kafka ends vs kcat 1.7.1, $N readings, 16 partitions, embedded broker, best of 3 =="
printf '%-44s %8s %12s\n' job seconds msgs/s
printf '%-44s %8s %12s\n' "kafka-cat-out (idempotent, acks=all, keyed)" "$po" "$(r "$po")"
printf '%-44s %8s %12s\n' "kcat -P -K: idempotent (the same produce)" "$pi" "$(r "$pi")"
printf '%-44s %8s %12s\n' "kcat -P -K: (defaults, keyed)" "$pk" "$(r "$pk")"
printf '%-44s %8s %12s\n' "kafka-cat-in -e (Bronze envelopes)" "$co" "$(r "$co")"
printf '%-44s %8s %12s\n' "kcat -C -e -J (JSON envelopes)" "$ck" "$(r "$ck")"
echo "consumed: ours $(wc -l < "$w/ours.out"), kcat $(wc -l < "$w/theirs.out") (target: at least kcat's throughput both ways)"
kill $broker 2>/dev/null || :
wait $broker 2>/dev/null || :
/usr/bin/time -f %e -o "$w/t" env PATIENTS=200 DURATION=1h sh "$top/examples/lakehouse.sh" "$w/lake" > "$w/lake.log" 2>&1
lake=$(cat "$w/t")
rows=$(sed -n 's/.*bronze_patient_vitals \([0-9]*\) rows.*/\1/p' "$w/lake.log")
echo "whole lake through the broker (examples/lakehouse.sh, 200 patients, 1h): $rows records in ${lake}s," \
    "$(awk -v n="${rows:-0}" -v s="$lake" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }') records/s end to end"
echo "(the lake's time includes producing the hour into the broker, then Bronze, Silver and Gold)"
