#!/bin/sh
# The main job on embedded defaults: installs what is missing, builds,
# simulates a ward of patients and runs the stream through the lake.
#
#   examples/lakehouse.sh [OUTDIR]      (default: ./lakehouse-out)
#
# Today: vitals-gen -> vitals-clean -> Silver NDJSON, with the roster,
# rejects and counts.  Environment: PATIENTS (20), DURATION (1h),
# EPISODES (0.5 per patient-day), FAULTS (0.01), SEED (1).
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
    "$out/raw.ndjson" > "$out/silver.ndjson"

echo "lakehouse: wrote $out/silver.ndjson ($(wc -l < "$out/silver.ndjson") records)," \
    "$out/rejects.ndjson ($(wc -l < "$out/rejects.ndjson") rejected)"
