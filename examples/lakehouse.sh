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
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || :; done; rm -f "$out/.bronze.fifo"; }
trap cleanup EXIT
# Live, Ctrl-C ends the stream (every stage flushes and commits what it
# holds) and the script goes on to Gold and the summary.
if [ "${LIVE:-}" = 1 ]; then trap : INT TERM; else trap 'exit 130' INT TERM; fi

if [ -n "${BROKERS:-}" ]; then
	B=$BROKERS
else
	rm -f "$out/bootstrap"
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

# Kafka -> Bronze, Silver, Gold.  Started again the same way after a
# crash of any stage, --resume-from makes every table hold every message
# exactly once.
mkfifo "$out/.bronze.fifo"
delta-commit -q --schema bronze "$bronze" < "$out/.bronze.fifo" &
bronze_job=$!
kafka-cat-in -q -b "$B" -t vitals $until_end --resume-from "$bronze" \
    --resume-from "$silver" |
    tee "$out/.bronze.fifo" |
    vitals-clean -q --roster "$out/roster.ndjson" --rejects "$out/rejects.ndjson" |
    iforest-score -q | tee "$out/silver.ndjson" |
    delta-commit -q --schema silver "$silver" - || [ "${LIVE:-}" = 1 ]
wait $bronze_job || [ "${LIVE:-}" = 1 ]
# A drained backlog arrives partition by partition, so event time runs
# far apart between partitions; until vitals-agg keeps a watermark per
# source partition (issue 9), Gold allows the whole run as lateness.
vitals-agg -q --lateness "${DURATION:-1h}" --rejects "$out/late.ndjson" "$out/silver.ndjson" |
    delta-commit -q --schema gold "$gold"

rows() { delta-cat -q "$1" | wc -l | tr -d ' '; }
echo "lakehouse: bronze_patient_vitals $(rows "$bronze") rows," \
    "silver_patient_vitals $(rows "$silver") rows," \
    "gold_patient_summary $(rows "$gold") rows"
echo "lakehouse: alerts raised: $(grep -c '"is_anomaly":true' "$out/silver.ndjson" || :) anomalous readings," \
    "$(delta-cat -q "$gold" | grep -c '"is_anomaly":true' || :) anomalous windows"
echo "lakehouse: rejected by reason:" $(cat "$out/rejects.ndjson" "$out/late.ndjson" 2>/dev/null |
    sed -n 's/.*"reason":"\([a-z_0-9]*\)".*/\1/p' | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
echo "lakehouse: tables in $out; read one back with: delta-cat $gold | head"
