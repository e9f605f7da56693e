#!/bin/sh
# delta-cat --where: a full read of a day of Gold beside a one-patient
# read, with the files each opens, on two layouts of the same rows in
# many small files, partitioned by event_date:
#   as streamed    windows in time order, as vitals-agg writes them: every
#                  file holds every patient, so min/max prune nothing
#   by patient     the same rows sorted by patient and window, as a
#                  compaction that clusters by patient leaves them
# The rows of the one-patient read are checked against the full read
# filtered by jq.  Figures to read, not a pass/fail test.
#
#   sh bench/where.sh [build-dir]        (bench/run calls it)
#   BENCH_WHERE_PATIENTS=50              patients of the simulated day
#   BENCH_WHERE_BATCH=500                rows a commit (a file a day each)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BUILD:-build}}
BIN=$top/$BUILD/bin
P=${BENCH_WHERE_PATIENTS:-50}
BATCH=${BENCH_WHERE_BATCH:-500}
work=$(mktemp -d "${TMPDIR:-/tmp}/vl-bench-where.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LC_ALL=C TZ=UTC

for tool in vitals-gen vitals-clean vitals-agg delta-commit delta-cat; do
	[ -x "$BIN/$tool" ] || { echo "where: build first ($BIN/$tool)" >&2; exit 2; }
done

# best NAME CMD...: the fastest of three runs (a neighbour on a shared
# host only ever slows one), its wall seconds in $work/NAME.time and its
# stderr (the summary) in $work/NAME.err.
best() {
	name=$1; shift
	for i in 1 2 3; do
		/usr/bin/time -f '%e' -o "$work/$name.$i.time" "$@" \
		    > "$work/$name.out" 2> "$work/$name.err"
	done
	sort -n "$work/$name".[123].time | head -n 1 > "$work/$name.time"
}
secs() { cat "$work/$1.time"; }
stat() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$work/$2.err" | tail -n 1; }

"$BIN/vitals-gen" --patients "$P" -d 24h --seed 5 | "$BIN/vitals-clean" -q |
    "$BIN/vitals-agg" -q --flush > "$work/gold.ndjson"
rows=$(wc -l < "$work/gold.ndjson" | tr -d ' ')
"$BIN/delta-commit" -q --schema gold --batch-rows "$BATCH" --partition-by event_date \
    "$work/stream" "$work/gold.ndjson"
sort "$work/gold.ndjson" | "$BIN/delta-commit" -q --schema gold --batch-rows "$BATCH" \
    --partition-by event_date "$work/bypatient"
patient=$(sed -n 's/^{"patient_id":"\([^"]*\)".*/\1/p' "$work/gold.ndjson" | sort -u | sed -n 2p)
pred="patient_id = '$patient'"

echo "== delta-cat --where: a day of Gold, $P patients, $rows windows, $BATCH rows a file =="
printf '%-12s %-26s %8s %8s %8s %10s\n' layout read files skipped rows seconds
for layout in stream bypatient; do
	best "$layout.full" "$BIN/delta-cat" "$work/$layout"
	best "$layout.one" "$BIN/delta-cat" --where "$pred" "$work/$layout"
	printf '%-12s %-26s %8s %8s %8s %10s\n' "$layout" "full" \
	    "$(stat files "$layout.full")" 0 "$(stat rows "$layout.full")" \
	    "$(secs "$layout.full")"
	printf '%-12s %-26s %8s %8s %8s %10s\n' "" "--where patient_id = ..." \
	    "$(stat files "$layout.one")" "$(stat skipped "$layout.one")" \
	    "$(stat rows "$layout.one")" "$(secs "$layout.one")"
	if command -v jq > /dev/null; then
		jq -c --arg p "$patient" 'select(.patient_id == $p)' \
		    "$work/$layout.full.out" | sort > "$work/want"
		jq -c . "$work/$layout.one.out" | sort | cmp -s - "$work/want" ||
		    echo "where: $layout: the one-patient rows DIFFER from the full read's"
	fi
done
echo "(best of 3 wall times; files = data files opened)"
