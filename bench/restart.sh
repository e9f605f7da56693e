#!/bin/sh
# iforest-score across a restart: a day of patients with episodes, the
# scorer stopped and started again halfway, and the episodes of the
# second half judged by vitals-eval (combined detector) in the first 90
# minutes after the restart and later, three ways:
#   one run        the day scored without stopping
#   --state        the second half scored by a new process that read the
#                  first's --state (the test suite holds it byte for byte
#                  equal to one run; here it is compared, not assumed)
#   no state       the second half scored from nothing: each patient
#                  starts again from the population prior
# and the time --state costs at the restart (saving and reading).
# Figures to read, not a pass/fail test.
#
#   sh bench/restart.sh [build-dir]      (bench/run calls it)
#   BENCH_RESTART_PATIENTS=200
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BUILD:-build}}
BIN=$top/$BUILD/bin
P=${BENCH_RESTART_PATIENTS:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/vl-bench-restart.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LC_ALL=C TZ=UTC
cd "$work"

"$BIN/vitals-gen" --seed 95 --patients "$P" -d 24h --episodes 2 --truth |
    "$BIN/vitals-clean" -q > all.ndjson
n=$(wc -l < all.ndjson); h=$((n / 2))
head -n $h all.ndjson > a.ndjson
tail -n +$((h + 1)) all.ndjson > b.ndjson
"$BIN/iforest-score" -q all.ndjson | tail -n +$((h + 1)) > one
"$BIN/iforest-score" -q --state S a.ndjson > /dev/null
t0=$(date +%s.%N)
"$BIN/iforest-score" -q --state S b.ndjson > state
t1=$(date +%s.%N)
"$BIN/iforest-score" -q b.ndjson > none
t2=$(date +%s.%N)
same=no; cmp -s one state && same=yes

echo "== iforest-score across a restart ($P patients, 24 h, restarted at 12 h) =="
printf '%-10s %9s %9s %9s %9s %14s\n' "scored" "episodes" "recall" "ROC-AUC" "latency" "false/pt-day"
for f in one state none; do
	"$BIN/vitals-eval" --json "$f" > "$f.json"
	for band in first_90_minutes later; do
		jq -r --arg b "$band" --arg f "$f" '.by_time_since_admission[$b] as $x |
		    $x.detectors.combined as $c |
		    [($f + " " + ($b | sub("_minutes"; "") | sub("first_"; "<"))), $x.episodes,
		     $c.episode_recall, $c.roc_auc, $c.latency_median_minutes,
		     $c.false_alerts_per_patient_day] | @tsv' "$f.json"
	done
done | awk -F'\t' '{ printf "%-10s %9s %9s %9s %9s %14s\n", $1, $2, $3, $4, $5, $6 }'
echo "(<90: the first 90 minutes after the restart, counted from each patient's first reading in the half)"
echo "--state output identical to one run: $same; state files: $(du -sk S | cut -f1) KB"
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "second half: %.2f s with --state, %.2f s without\n", b - a, c - b }'
