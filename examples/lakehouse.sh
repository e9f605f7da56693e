#!/bin/sh
# The seed's architecture on one machine: installs what is missing,
# builds, starts the embedded Kafka broker, and streams a ward of
# simulated monitors through Kafka into the three Delta tables.
#
#   examples/lakehouse.sh [OUTDIR]      (default: ./lakehouse-out)
#
# vitals-gen -> kafka-cat-out -> Kafka topic "vitals" -> kafka-cat-in
#   -> bronze_patient_vitals (raw envelopes)
#   -> vitals-clean -> iforest-score -> silver_patient_vitals
#   -> vitals-agg -> gold_patient_summary
# Environment: PATIENTS (200), DURATION (1h of simulated time), EPISODES
# (4 per patient-day, so that alerts happen), FAULTS (0.01), SEED (1),
# PARTITIONS (16), LIVE (set to 1: monitors in real time, the lake fed
# as a live stream until Ctrl-C), BROKERS (a real cluster's -b list
# instead of the embedded broker).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-lakehouse-out}
"$top/scripts/ensure-deps" build
make -s -C "$top" -j2
PATH="$top/build/bin:$PATH"
mkdir -p "$out"
out=$(cd "$out" && pwd)
bronze=$out/bronze_patient_vitals silver=$out/silver_patient_vitals
gold=$out/gold_patient_summary
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || :; done; rm -f "$out/.bronze.fifo" "$out/.silver.fifo"; }
trap cleanup EXIT
# Live, Ctrl-C ends the stream (every stage flushes and commits what it
# holds) and the script goes on to Gold and the summary.
if [ "${LIVE:-}" = 1 ]; then trap : INT TERM; else trap 'exit 130' INT TERM; fi

if [ -n "${BROKERS:-}" ]; then
	B=$BROKERS
else
	# The tables' positions are offsets of a topic that died with the
	# last embedded broker: a new one starts from offset 0 again.
	rm -rf "$bronze" "$silver" "$gold" "$out/gold.state" "$out/bootstrap"
	kafka-broker -q -t vitals --partitions "${PARTITIONS:-16}" \
	    --bootstrap-file "$out/bootstrap" > /dev/null &
	pids="$pids $!"
	while [ ! -s "$out/bootstrap" ]; do sleep 0.1; done
	B=$(cat "$out/bootstrap")
fi
echo "lakehouse: Kafka at $B, topic vitals; tables in $out"

# Devices -> Kafka.  Live, the monitors run in real time beside the lake;
# otherwise the simulated hour is produced first (it fits the embedded
# broker's memory) and the lake drains it.
gen() {
	vitals-gen --patients "${PATIENTS:-200}" --duration "${DURATION:-1h}" \
	    --episodes "${EPISODES:-4}" --faults "${FAULTS:-0.01}" \
	    --seed "${SEED:-1}" --truth --roster "$out/roster.ndjson" "$@" |
	    kafka-cat-out -q -b "$B" -t vitals --rejects "$out/rejects-kafka.ndjson"
}
if [ "${LIVE:-}" = 1 ]; then
	gen --realtime &
	pids="$pids $!"
	until_end=""
	sleep 1	# the roster is written first
else
	gen
	until_end=-e
fi

# Kafka -> Bronze, Silver, Gold, all three fed from the one stream.
# Started again the same way after a crash of any stage, every table
# holds every message (Gold: every window) exactly once: kafka-cat-in
# starts each partition after the lowest position the tables hold, and
# each writer drops what its table has already.
mkfifo "$out/.bronze.fifo" "$out/.silver.fifo"
delta-commit -q --schema bronze "$bronze" < "$out/.bronze.fifo" &
bronze_job=$!
delta-commit -q --schema silver "$silver" < "$out/.silver.fifo" &
silver_job=$!
kafka-cat-in -q -b "$B" -t vitals $until_end --resume-from "$bronze" \
    --resume-from "$silver" --resume-from "$gold" |
    tee "$out/.bronze.fifo" |
    vitals-clean -q --roster "$out/roster.ndjson" --rejects "$out/rejects.ndjson" |
    iforest-score -q | tee "$out/.silver.fifo" |
    vitals-agg -q --resume-from "$gold" --state "$out/gold.state" \
        --rejects "$out/late.ndjson" |
    delta-commit -q --schema gold "$gold" || [ "${LIVE:-}" = 1 ]
wait $bronze_job || [ "${LIVE:-}" = 1 ]
wait $silver_job || [ "${LIVE:-}" = 1 ]
# vitals-agg saved the windows still open at the end in gold.state, for
# the stream to go on.  The embedded broker's stream ends here, so they
# are written now; a real cluster's goes on, and the next run takes them
# up.
if [ -z "${BROKERS:-}" ]; then
	vitals-agg -q --resume-from "$gold" --state "$out/gold.state" --flush < /dev/null |
	    delta-commit -q --schema gold "$gold"
fi

rows() { delta-cat -q "$1" | wc -l | tr -d ' '; }
echo "lakehouse: bronze_patient_vitals $(rows "$bronze") rows," \
    "silver_patient_vitals $(rows "$silver") rows," \
    "gold_patient_summary $(rows "$gold") rows"
echo "lakehouse: alerts raised: $(delta-cat -q "$silver" | grep -c '"is_anomaly":true' || :) anomalous readings," \
    "$(delta-cat -q "$gold" | grep -c '"is_anomaly":true' || :) anomalous windows"
echo "lakehouse: rejected by reason:" $(cat "$out/rejects.ndjson" "$out/late.ndjson" 2>/dev/null |
    sed -n 's/.*"reason":"\([a-z_0-9]*\)".*/\1/p' | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
echo "lakehouse: tables in $out; read one back with: delta-cat $gold | head"
echo "lakehouse: into BigQuery with: bq-load --project PROJECT --dataset vitals --from-delta $gold"
