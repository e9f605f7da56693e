#!/bin/sh
# How long a Delta table of many small commits takes to open, with and
# without checkpoints: `delta-commit --positions` (which opens the table
# and prints its Kafka positions) timed on one table of N one-row
# commits, read three ways:
#   JSON log only         every commit replayed from version 0
#   checkpoint every 10   the newest checkpoint, then the commits after it
#   checkpoint, cleaned   the same with the commits before it deleted
# Prints the best wall time of RUNS runs each, side by side; not a test.
#
#   sh bench/delta_open.sh		N=1000 RUNS=7 BUILD=build
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
BIN=$top/${BUILD:-build}/bin
N=${N:-1000}
RUNS=${RUNS:-7}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vl-bench-open.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

for tool in vitals-gen vitals-clean delta-commit; do
	[ -x "$BIN/$tool" ] || { echo "delta_open: build first ($BIN/$tool)" >&2; exit 2; }
done

# N rows from three Kafka partitions (so that each commit records a txn
# for the positions), committed one per version, a checkpoint every 10.
"$BIN/vitals-gen" --patients 20 --duration 4h --seed 1 |
    "$BIN/vitals-clean" -q --now 2026-06-01T00:00:00Z | head -n "$N" |
    awk '{ sub(/}$/, ",\"topic\":\"vitals\",\"partition\":" NR % 3 ",\"offset\":" NR "}"); print }' \
    > "$tmp/rows.ndjson"
"$BIN/delta-commit" -q --schema silver --batch-rows 1 --checkpoint-interval 10 \
    "$tmp/checkpoint" "$tmp/rows.ndjson"
log=$tmp/checkpoint/_delta_log
commits=$(ls "$log" | grep -c '^[0-9]*\.json$')
last=$(ls "$log" | sed -n 's/^0*\([0-9][0-9]*\)\.checkpoint\.parquet$/\1/p' | sort -n | tail -n 1)

cp -r "$tmp/checkpoint" "$tmp/json"
rm "$tmp/json/_delta_log/"*.checkpoint.parquet "$tmp/json/_delta_log/_last_checkpoint"
cp -r "$tmp/checkpoint" "$tmp/cleaned"
v=0
while [ "$v" -lt "$last" ]; do
	rm "$tmp/cleaned/_delta_log/$(printf '%020d' "$v").json"
	v=$((v + 1))
done

# Best wall time in milliseconds of RUNS opens; the output must be the
# same whichever way the table was opened.
best_ms() {
	best=
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		"$BIN/delta-commit" --positions "$1" > "$tmp/positions.$2"
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	printf '%d.%03d' $((best / 1000)) $((best % 1000))
}

json=$(best_ms "$tmp/json" json)
ckpt=$(best_ms "$tmp/checkpoint" checkpoint)
cleaned=$(best_ms "$tmp/cleaned" cleaned)
[ -s "$tmp/positions.json" ] &&
    cmp -s "$tmp/positions.json" "$tmp/positions.checkpoint" &&
    cmp -s "$tmp/positions.json" "$tmp/positions.cleaned" ||
    { echo "delta_open: the three opens disagree" >&2; exit 1; }

echo "delta_open: $commits one-row commits, newest checkpoint at version $last" \
    "($(wc -c < "$log/$(printf '%020d' "$last").checkpoint.parquet" | tr -d ' ') bytes)"
printf '%-24s %12s\n' "table" "open ms (best of $RUNS)"
printf '%-24s %12s\n' "JSON log only" "$json"
printf '%-24s %12s\n' "checkpoint every 10" "$ckpt"
printf '%-24s %12s\n' "checkpoint, log cleaned" "$cleaned"
