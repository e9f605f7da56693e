#!/bin/sh
# Scoring speed, printed side by side (not a pass/fail test): rows per
# second on one core for 100 trees, psi 256, d = 6 and d = 20, for
#   - lib/iforest scoring a forest exported from scikit-learn,
#   - lib/iforest scoring a forest it grew itself,
#   - scikit-learn 1.2's score_samples on the same rows.
# Timings include rounding each row to float32 and the 2^-x, not JSON I/O.
# Usage: sh tests/iforest/bench.sh [BUILD]   (default build; run make first)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/iforest-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -I"$top/lib" $(pkg-config --cflags jansson) \
    -o "$T/check" "$top/tests/iforest/iforest_check.c" \
    "$top/$build/libvitals.a" \
    $(pkg-config --libs jansson rdkafka libcurl zlib libzstd snappy) -lm
have_sk=0
"$PY" -c 'import sklearn' 2>/dev/null && have_sk=1
for d in 6 20; do
	if [ $have_sk = 1 ]; then
		"$PY" - "$T" "$d" "$top/models" <<'PYEOF'
import sys, time
import numpy as np
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[3])
import export_sklearn
from sklearn.ensemble import IsolationForest
out, d = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
X = np.round(rng.normal(50, 10, (20000, d)), 1)
m = IsolationForest(random_state=1).fit(X)
export_sklearn.write(m, "%s/sk%d.json" % (out, d))
with open("%s/rows%d.csv" % (out, d), "w") as f:
    f.write(",".join("v%d" % (j + 1) for j in range(d)) + "\n")
    for r in X:
        f.write(",".join(repr(float(v)) for v in r) + "\n")
best = 0
for _ in range(3):
    t = time.perf_counter(); m.score_samples(X); el = time.perf_counter() - t
    best = max(best, len(X) / el)
print("scikit-learn score_samples, d=%d: %.0f rows/s" % (d, best))
PYEOF
	else
		awk -v d=$d 'BEGIN { srand(1); for (j = 1; j <= d; j++)
		    printf "%sv%d", (j > 1 ? "," : ""), j; print "";
		    for (i = 0; i < 20000; i++) { for (j = 1; j <= d; j++)
		    printf "%s%.1f", (j > 1 ? "," : ""), 50 + 20 * (rand() - 0.5);
		    print "" } }' >"$T/rows$d.csv"
	fi
	"$T/check" train "$T/rows$d.csv" "$T/ours$d.json" 256 100 1 >/dev/null
	printf 'lib/iforest, own forest:          '
	"$T/check" bench "$T/ours$d.json" "$T/rows$d.csv" 2
	if [ $have_sk = 1 ]; then
		printf 'lib/iforest, scikit-learn forest: '
		"$T/check" bench "$T/sk$d.json" "$T/rows$d.csv" 2
	fi
done
