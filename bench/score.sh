#!/bin/sh
# iforest-score: records/s on 1,000,000 Silver records with the shipped
# model (features, forest, JSON in and out), and scikit-learn 1.2's
# IsolationForest.score_samples on the same rows' feature vectors with a
# forest of the same shape (n_estimators, max_samples), where it is
# installed.  scikit-learn's time covers scoring only, not JSON or
# features, so the comparison flatters it.  Figures to read, not a test.
#
#   sh bench/score.sh [build-dir]      (bench/run calls it with BENCH_SILVER)
#   BENCH_SILVER=file                  Silver input to reuse (else made here)
#   BENCH_RECORDS=1000000              readings to make when there is none
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BUILD:-build}}
BIN=$top/$BUILD/bin
N=${BENCH_RECORDS:-1000000}
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/vl-bench-score.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LC_ALL=C TZ=UTC

silver=${BENCH_SILVER:-}
if [ -z "$silver" ]; then
	silver=$work/silver.ndjson
	"$BIN/vitals-gen" --count "$N" | "$BIN/vitals-clean" -q > "$silver"
fi
rows=$(wc -l < "$silver")
model=$top/models/anomaly_model.json

echo "== iforest-score (shipped model) vs scikit-learn score_samples =="
# The fastest of three runs: a neighbour on a shared host only ever slows
# a run down.
for i in 1 2 3; do
	/usr/bin/time -f '%e %U %S %M' -o "$work/score.$i.time" \
	    "$BIN/iforest-score" -q "$silver" > /dev/null
done
sort -n "$work"/score.[123].time | head -n 1 > "$work/score.time"
read -r wall user sys rss < "$work/score.time"
cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
printf '%-44s %8s %8s %12s\n' tool "cpu s" "wall s" records/s
printf '%-44s %8s %8s %12s\n' "iforest-score ($rows records, best of 3)" "$cpu" \
    "$wall" "$(awk -v n="$rows" -v s="$cpu" 'BEGIN { printf "%.0f", n / s }')"
echo "(one process, one core; peak RSS ${rss} KB)"

if ! "$PY" -c 'import sklearn' 2>/dev/null; then
	echo "scikit-learn: not installed (apt-get install python3-sklearn)"
	exit 0
fi
# The feature vectors iforest-score computed, one CSV row per record
# whose features are all defined (scikit-learn refuses NaN).
"$BIN/iforest-score" -q --show-features "$silver" |
    sed -n 's/.*"features":{\([^}]*\)}.*/\1/p' |
    sed 's/"[a-z_0-9]*"://g' | grep -v null > "$work/features.csv"
"$PY" - "$model" "$work/features.csv" <<'EOF'
import json, sys, time
import numpy as np
from sklearn.ensemble import IsolationForest
m = json.load(open(sys.argv[1]))
X = np.loadtxt(sys.argv[2], delimiter=",", ndmin=2)
f = IsolationForest(n_estimators=m["n_estimators"],
                    max_samples=m["max_samples"], random_state=1).fit(X)
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    f.score_samples(X)
    best = min(best, time.perf_counter() - t)
name = "scikit-learn score_samples (%d rows, d=%d)" % X.shape
print("%-44s %8s %8.2f %12.0f" % (name, "-", best, len(X) / best))
EOF
