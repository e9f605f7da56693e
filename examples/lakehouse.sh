#!/bin/sh
# The main job on embedded defaults: installs what is missing, builds,
# simulates a ward of patients and runs the stream through the lake.
#
#   examples/lakehouse.sh [OUTDIR]      (default: ./lakehouse-out)
#
# vitals-gen -> vitals-clean -> iforest-score -> Silver (NDJSON and a
# Delta table) -> vitals-agg -> Gold (a Delta table), with the roster,
# rejects and counts.  Kafka and BigQuery come in later issues.
# Environment: PATIENTS (20), DURATION (1h), EPISODES (0.5 per
# patient-day), FAULTS (0.01), SEED (1).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-lakehouse-out}
"$top/scripts/ensure-deps" build
make -s -C "$top" -j2
PATH="$top/build/bin:$PATH"
mkdir -p "$out"

vitals-gen --patients "${PATIENTS:-20}" --duration "${DURATION:-1h}" \
    --episodes "${EPISODES:-0.5}" --faults "${FAULTS:-0.01}" \
    --seed "${SEED:-1}" --truth --roster "$out/roster.ndjson" \
    > "$out/raw.ndjson"
vitals-clean --roster "$out/roster.ndjson" --rejects "$out/rejects.ndjson" \
    "$out/raw.ndjson" | iforest-score > "$out/silver.ndjson"
delta-commit --schema silver "$out/silver" "$out/silver.ndjson"
vitals-agg --rejects "$out/late.ndjson" "$out/silver.ndjson" |
    delta-commit --schema gold --partition-by event_date,patient_id "$out/gold"

echo "lakehouse: Silver $out/silver.ndjson ($(wc -l < "$out/silver.ndjson") records," \
    "$(grep -c '"is_anomaly":true' "$out/silver.ndjson") anomalous)" \
    "and Delta table $out/silver; Gold Delta table $out/gold;" \
    "$(wc -l < "$out/rejects.ndjson") rejected in $out/rejects.ndjson"
echo "lakehouse: read a table back with: delta-cat $out/gold | head"
