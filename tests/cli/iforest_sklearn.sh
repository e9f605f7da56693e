# lib/iforest against scikit-learn 1.2's IsolationForest.  Forests fitted
# by scikit-learn on vitals-like rows (integers, ties, duplicates) and on
# wild rows (every magnitude, signed zeros, float32 denormals), with the
# defaults, contamination=0.05, max_features=0.5, bootstrap with psi=512,
# psi=2 and psi=1, are exported by models/export_sklearn.py and scored by
# our code on training rows, fresh rows and rows on and 1 ulp (double and
# float32) either side of split thresholds: every score within 1e-12 of
# -score_samples and every predict() decision the same.  Then our own
# trainer: its contamination threshold is scikit-learn's offset_ rule
# applied to our scores, and it is deterministic.
. "$(dirname "$1")/../iforest/common.sh"

mkdir sk
"$PY" "$top/tests/iforest/sk_cross.py" prepare sk >prepare.log ||
	fail "scikit-learn side failed: $(tail -n 5 prepare.log)"
n=0
for m in sk/*.json; do
	"$CHECK" score "$m" "${m%.json}.csv" >"${m%.json}.got" ||
		fail "scoring $m failed"
	n=$((n + 1))
done
[ "$n" -eq 12 ] || fail "expected 12 cases, found $n"
"$PY" "$top/tests/iforest/sk_cross.py" compare sk

# The exporter as a script: fit on a labelled CSV, export, load.
awk -F, 'NR == 1 { print $0 ",label"; next }
    NR <= 1001 { print $0 "," ($1 > 110 || $2 < 90 ? "anomaly" : "nominal") }' \
    sk/vitals-default.csv >labelled.csv
"$PY" "$top/models/export_sklearn.py" --csv labelled.csv \
    --label-column label --contamination 0.05 --max-features 0.5 \
    --bootstrap --max-samples 300 --n-estimators 50 --seed 3 -o cli.json ||
	fail "export_sklearn.py failed"
expect_grep '"features": \["v1","v2","v3","v4","v5","v6"\]' cli.json
expect_grep '"sha256":' cli.json
expect_grep '"roc_auc":' cli.json
expect_grep '"features":\[' cli.json	# per-tree lists: max_features < 1
cut -d, -f1-6 labelled.csv >features.csv
"$CHECK" score cli.json features.csv >cli.got || fail "cannot score cli.json"
expect_eq "rows scored" "$(lines cli.got)" 1000
flagged=$(awk '$2 == 1' cli.got | wc -l)
[ "$flagged" -ge 40 ] && [ "$flagged" -le 60 ] ||
	fail "contamination 0.05 flagged $flagged of 1000 training rows"

# Our trainer.
head -n 2001 sk/vitals-default.csv >train.csv
thr=$("$CHECK" train train.csv ours.json 0 0 11 0.05) || fail "train failed"
"$CHECK" score ours.json train.csv >ours.got
"$PY" "$top/tests/iforest/sk_cross.py" threshold ours.got "$thr" 0.05
"$CHECK" train train.csv again.json 0 0 11 0.05 >/dev/null
cmp ours.json again.json || fail "same seed, different model file"
"$CHECK" train train.csv other.json 0 0 12 0.05 >/dev/null
cmp -s ours.json other.json && fail "another seed gave the same model"
:
