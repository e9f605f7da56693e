#!/bin/sh
# vitals-agg: records/s on 1,000,000 Silver records, beside the same job
# written in jq (bench/agg.jq, on a slice: jq does a few thousand records
# a second), and memory: peak RSS with many windows open, and for a stream ten times
# longer, which must not need more.  Figures to read, not a pass/fail test.
#
#   sh bench/agg.sh [build-dir]      (bench/run calls it with BENCH_SILVER)
#   BENCH_SILVER=file                Silver input to reuse (else made here)
#   BENCH_RECORDS=1000000            readings to make when there is none
#   BENCH_AGG_JQ=20000               readings for jq (0: skip jq)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BUILD:-build}}
BIN=$top/$BUILD/bin
N=${BENCH_RECORDS:-1000000}
JQN=${BENCH_AGG_JQ:-20000}
work=$(mktemp -d "${TMPDIR:-/tmp}/vl-bench-agg.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LC_ALL=C TZ=UTC

# measure NAME CMD...: leaves "wall user sys maxrss_kb" in $work/NAME.time.
measure() {
	name=$1; shift
	/usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@"
}
# best NAME CMD...: measures CMD three times and keeps the fastest run in
# $work/NAME.time: a neighbour on a shared host only ever slows a run.
best() {
	best_name=$1; shift
	for i in 1 2 3; do measure "$best_name.$i" "$@"; done
	sort -n "$work/$best_name".[123].time | head -n 1 > "$work/$best_name.time"
}
field() { awk -v f="$2" '{ print $f }' "$work/$1.time"; }
cpu() { awk '{ printf "%.2f", $2 + $3 }' "$work/$1.time"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
stat() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$work/$2.err" | tail -n 1; }

silver=${BENCH_SILVER:-}
if [ -z "$silver" ] || [ ! -s "$silver" ]; then
	silver=$work/silver.ndjson
	"$BIN/vitals-gen" --count "$N" | "$BIN/vitals-clean" -q > "$silver"
fi
recs=$(wc -l < "$silver")

echo "== vitals-agg (Silver -> Gold, 1-minute windows, 2-minute lateness) vs jq =="
best agg "$BIN/vitals-agg" -o "$work/gold.ndjson" "$silver" 2> "$work/agg.err"
printf '%-30s %9s %8s %8s %11s %9s\n' tool records wall cpu records/s "RSS MB"
row() {	# label records name
	printf '%-30s %9s %8s %8s %11s %9s\n' "$1" "$2" "$(field "$3" 1)" "$(cpu "$3")" \
	    "$(rate "$2" "$(field "$3" 1)")" "$(awk -v k="$(field "$3" 4)" 'BEGIN { printf "%.1f", k / 1024 }')"
}
row "vitals-agg (best of 3)" "$recs" agg
agg_rate=$(rate "$recs" "$(field agg 1)")
echo "  $(stat out agg) rows; target at least 1000000 records/s: $agg_rate"

if [ "$JQN" != 0 ] && command -v jq > /dev/null; then
	head -n "$JQN" "$silver" > "$work/slice.ndjson"
	measure jq jq -n -c -f "$top/bench/agg.jq" "$work/slice.ndjson" > "$work/jq.ndjson"
	measure agg_slice "$BIN/vitals-agg" -q -o "$work/slice-gold.ndjson" "$work/slice.ndjson"
	row "$(jq --version) (same job)" "$JQN" jq
	jq_rate=$(rate "$JQN" "$(field jq 1)")
	echo "  vitals-agg / jq: $(awk -v a="$agg_rate" -v b="$jq_rate" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }')x"
	same=$(jq -n --slurpfile a "$work/slice-gold.ndjson" --slurpfile b "$work/jq.ndjson" \
	    -f "$top/bench/gold-same.jq")
	if [ "$same" = true ]; then
		echo "  outputs: the same $(wc -l < "$work/jq.ndjson") rows on the first $JQN records"
	else
		echo "  outputs: DIFFER (the comparison is not of the same job)"
	fi
fi
echo

echo "== vitals-agg memory: bounded by the open windows, not by the stream =="
# Open windows: one reading for each of P patients in the same minute;
# all P windows are open when the input ends.
open_stream() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
	    printf "{\"patient_id\":\"%08d-0000-4000-8000-000000000000\",\"ward\":\"general_medicine\",\"event_time\":\"2026-01-01T00:00:%02d.000000Z\",\"heart_rate\":70,\"temperature\":36.6,\"spo2\":97.0}\n", i, i % 60 }'
}
open_stream 100000 > "$work/open1.ndjson"
open_stream 200000 > "$work/open2.ndjson"
measure open1 "$BIN/vitals-agg" -o /dev/null "$work/open1.ndjson" 2> "$work/open1.err"
measure open2 "$BIN/vitals-agg" -o /dev/null "$work/open2.ndjson" 2> "$work/open2.err"
# A stream, and one ten times longer, of the same 2000 patients.
"$BIN/vitals-gen" --patients 2000 --count 100000 | "$BIN/vitals-clean" -q > "$work/short.ndjson"
"$BIN/vitals-gen" --patients 2000 --count 1000000 | "$BIN/vitals-clean" -q > "$work/long.ndjson"
measure short "$BIN/vitals-agg" -o /dev/null "$work/short.ndjson" 2> "$work/short.err"
measure long "$BIN/vitals-agg" -o /dev/null "$work/long.ndjson" 2> "$work/long.err"
printf '%-44s %9s %12s %9s\n' input records "open (peak)" "RSS MB"
mem() {	# label name
	printf '%-44s %9s %12s %9s\n' "$1" "$(stat in "$2")" "$(stat windows_open_peak "$2")" \
	    "$(awk -v k="$(field "$2" 4)" 'BEGIN { printf "%.1f", k / 1024 }')"
}
mem "100000 patients, one reading each" open1
mem "200000 patients, one reading each" open2
mem "2000 patients, 100000 readings" short
mem "2000 patients, 1000000 readings (10x longer)" long
echo "  bytes per open window: $(awk -v a="$(field open1 4)" -v b="$(field open2 4)" \
    'BEGIN { printf "%.0f", (b - a) * 1024 / 100000 }') (RSS difference / 100000 windows)"
echo "  10x longer stream: RSS $(awk -v a="$(field short 4)" -v b="$(field long 4)" \
    'BEGIN { printf "%.2f", b / a }')x, peak open windows $(stat windows_open_peak short) vs $(stat windows_open_peak long)"
