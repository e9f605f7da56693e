#!/bin/sh
# vitals-agg: records/s on 1,000,000 Silver records, beside the same job
# written in jq (on a slice: jq does a few thousand records a second), and
# memory: peak RSS with many windows open, and for a stream ten times
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
	cat > "$work/agg.jq" <<'JQ'
# vitals-agg's job in jq: 1-minute tumbling windows per patient closed by
# a watermark 2 minutes behind the highest event time, late readings
# dropped, rows in (window_end, patient_id) order, the Gold columns.
def usec: (.[0:19] + "Z" | fromdateiso8601) * 1000000 + (.[20:26] | tonumber);
def iso: (. / 1000000 | todate | .[0:19]) + ".000000Z";
def measures: ["heart_rate", "temperature", "spo2", "respiration_rate",
    "bp_systolic", "bp_diastolic", "mean_arterial_pressure", "shock_index",
    "anomaly_score"];
def alerts: ["tachycardia", "bradycardia", "fever", "hypothermia",
    "hypoxia", "hypotension", "hypertension", "tachypnoea"];
def bands: ["low", "low-medium", "medium", "high"];
def W: 60000000;
def L: 120000000;
def fold($r; $t):
  .readings += 1
  | reduce (measures[] | select($r[.] != null)) as $m (.;
      .m[$m] |= (if . == null then {n: 1, sum: $r[$m], min: $r[$m], max: $r[$m]}
                 else .n += 1 | .sum += $r[$m]
                   | .min = ([.min, $r[$m]] | min) | .max = ([.max, $r[$m]] | max) end))
  | if $r.ward != null and (.ward == null or $t >= .ward_t)
    then .ward = $r.ward | .ward_t = $t else . end
  | if $r.news2_score != null then .news2 = ([.news2 // -1, $r.news2_score] | max) else . end
  | if $r.news2_band != null
    then .band = ([.band // -1, (bands | index($r.news2_band))] | max) else . end
  | .alerts = [range(8) as $i | (.alerts[$i] // 0) +
      (if $r["alert_" + alerts[$i]] == true then 1 else 0 end)]
  | .anomalous += (if $r.is_anomaly == true then 1 else 0 end);
def mean: if . == null then null else (.sum / .n * 1000 | round) / 1000 end;
def row:
  .value as $a
  | {patient_id: $a.id, ward: $a.ward, window_start: ($a.start | iso),
     window_end: ($a.start + W | iso), event_date: ($a.start | iso | .[0:10]),
     readings: $a.readings}
  + reduce measures[] as $m ({};
      if $m == "mean_arterial_pressure" then .[$m + "_mean"] = ($a.m[$m] | mean)
      elif $m == "shock_index" then .[$m + "_max"] = $a.m[$m].max
      elif $m == "anomaly_score" then
        .[$m + "_max"] = $a.m[$m].max | .[$m + "_mean"] = ($a.m[$m] | mean)
      else .[$m + "_mean"] = ($a.m[$m] | mean) | .[$m + "_min"] = $a.m[$m].min
        | .[$m + "_max"] = $a.m[$m].max end)
  + {news2_score_max: $a.news2,
     news2_band: (if $a.band != null then bands[$a.band] else null end)}
  + reduce range(8) as $i ({}; .["alert_" + alerts[$i] + "_count"] = $a.alerts[$i])
  + {anomalous_readings: $a.anomalous, is_anomaly: ($a.anomalous > 0)};
def close($limit):
  (.wins | to_entries | map(select(.value.start + W <= $limit))
    | sort_by(.value.start, .value.id)) as $done
  | .out = [$done[] | row]
  | .wins |= with_entries(select(.value.start + W > $limit));
foreach (inputs, null) as $r ({max: null, wins: {}, closed: null};
  if $r == null then close(infinite)
  else
    ($r.event_time | usec) as $t | ($t / W | floor * W) as $start
    | .out = []
    | .max = (if .max == null or $t > .max then $t else .max end)
    | if $start + W <= .max - L then .
      else .wins["\($r.patient_id) \($start)"] |=
        ((. // {id: $r.patient_id, start: $start, readings: 0, m: {}, anomalous: 0})
         | fold($r; $t)) end
    | ((.max - L) / W | floor * W) as $upto
    | if .closed == null or $upto > .closed then .closed = $upto | close($upto) else . end
  end;
  .out[])
JQ
	measure jq jq -n -c -f "$work/agg.jq" "$work/slice.ndjson" > "$work/jq.ndjson"
	measure agg_slice "$BIN/vitals-agg" -q -o "$work/slice-gold.ndjson" "$work/slice.ndjson"
	row "$(jq --version) (same job)" "$JQN" jq
	jq_rate=$(rate "$JQN" "$(field jq 1)")
	echo "  vitals-agg / jq: $(awk -v a="$agg_rate" -v b="$jq_rate" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }')x"
	# Same job: the same rows, every column equal but means, which may
	# differ by 0.001 where jq's floating-point sum rounds the other way
	# (vitals-agg's sums are exact).
	same=$(jq -n --slurpfile a "$work/slice-gold.ndjson" --slurpfile b "$work/jq.ndjson" '
	    ($a | length) == ($b | length) and
	    ([range($a | length) as $i | $a[$i] as $x | $b[$i] as $y |
	      (($x | keys) == ($y | keys)) and
	      all($x | keys[]; $x[.] == $y[.] or
	          (endswith("_mean") and $x[.] != null and $y[.] != null and
	           ($x[.] - $y[.] | fabs) < 0.0011))] | all)')
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
