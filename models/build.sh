#!/bin/sh
# make model: rebuilds models/anomaly_model.json and models/evaluation.json,
# byte for byte, from the Synthea sample exports in ../shared.
#
#  1. Training history: a simulated day of every patient of both Synthea
#     exports (baselines, conditions and demographics from Synthea), no
#     episodes, cleaned to Silver.  iforest-train also spot-checks the
#     forest on the vital signs Synthea itself recorded (--synthea).
#  2. Evaluation: a separate simulated day of 500 built-in patients with
#     labelled episodes (vitals-gen --episodes --truth), scored by the new
#     model and judged by vitals-eval: models/evaluation.json.
#  3. The same training again, with the evaluation in the provenance.
#  4. The validation day the parameters were chosen on (seed 2027, made
#     like the evaluation day): models/validation.txt.
#  5. Newly admitted patients: 500 admitted over 6 hours of a 12-hour run
#     (vitals-gen --admissions), a quarter of those with an episode
#     arriving already deteriorating or in their first hour, judged by
#     time since admission (seed 91): models/first_hours.txt.
#  6. Charted vitals at cadences from 5 seconds to an hour (vitals-gen
#     --charted: blood pressure hourly, temperature 4-hourly, gaps; seed
#     94): models/cadence.txt.
#
# Everything is seeded and the date is fixed, so the output is the same
# on every machine.  MODEL_* variables below are the model's parameters;
# MODEL_CARD.md explains how they were chosen (on another day, seed 2027,
# so that the figures of this one are not tuned to it).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/${BUILD:-build}/bin}
SHARED=${VL_SHARED:-$top/../shared}
out=${MODEL_OUT:-$top/models}	# where the three files go
export LC_ALL=C TZ=UTC
export SOURCE_DATE_EPOCH=1796601600	# 2026-12-07, when this model was made

MODEL_TRAIN="--seed 1 --trees 100 --max-samples 256 --contamination 0.0006
    --features deviation_max,deviation_norm,trend_z_max,trend_z_norm"
MODEL_FEATURIZE='{"fast_tau_s":30,"trend_span_s":360,"prior_weight_s":900}'
EVAL_OPTIONS=""	# vitals-eval's defaults: --persistence 20s --news2-gate 0.55

for d in synthea synthea-ca2022; do
	if [ ! -f "$SHARED/$d/patients.csv" ]; then
		echo "make model: needs the Synthea exports in $SHARED/$d" \
		    "(set VL_SHARED to the folder that holds them)" >&2
		exit 1
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vl-model.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The history (about 2 GB of Silver) is streamed, not stored: it is made
# again for the second training, which is cheaper than the disk.
history() {
	for d in synthea synthea-ca2022; do
		"$BIN/vitals-gen" --synthea "$SHARED/$d" --duration 24h \
		    --seed 1001 --roster "$work/$d.roster" |
		    "$BIN/vitals-clean" -q --roster "$work/$d.roster"
	done
}

# shellcheck disable=SC2086 # MODEL_TRAIN is a list of options
train() {
	history | "$BIN/iforest-train" -q $MODEL_TRAIN \
	    --feature-settings "$MODEL_FEATURIZE" --synthea "$SHARED/synthea" "$@"
}
echo "make model: training on a day of the patients of $SHARED/synthea" \
    "and synthea-ca2022"
train -o "$work/model.json"

echo "make model: evaluating on a simulated day of 500 patients with episodes"
# The scored day is about 7 GB: it goes to both reports through a FIFO
# rather than to disk.
mkfifo "$work/scored"
# shellcheck disable=SC2086 # EVAL_OPTIONS is a list of options
"$BIN/vitals-eval" $EVAL_OPTIONS "$work/scored" > "$work/evaluation.txt" &
text=$!
"$BIN/vitals-gen" --patients 500 --duration 24h --seed 2026 --episodes 1 \
    --truth --roster "$work/eval.roster" |
    "$BIN/vitals-clean" -q --roster "$work/eval.roster" |
    "$BIN/iforest-score" -q --model "$work/model.json" | tee "$work/scored" |
    "$BIN/vitals-eval" $EVAL_OPTIONS --json > "$work/evaluation.json"
wait "$text"

echo "make model: the validation day the parameters were chosen on"
# shellcheck disable=SC2086 # EVAL_OPTIONS is a list of options
"$BIN/vitals-gen" --patients 500 --duration 24h --seed 2027 --episodes 1 \
    --truth --roster "$work/val.roster" |
    "$BIN/vitals-clean" -q --roster "$work/val.roster" |
    "$BIN/iforest-score" -q --model "$work/model.json" |
    "$BIN/vitals-eval" $EVAL_OPTIONS > "$work/validation.txt"

# day SEED VITALS-GEN-OPTIONS...: a scored day of 500 built-in patients
# with episodes, judged by vitals-eval.
day() {
	seed=$1
	shift
	# shellcheck disable=SC2086 # EVAL_OPTIONS is a list of options
	"$BIN/vitals-gen" --patients 500 --seed "$seed" --episodes 1 --truth \
	    --roster "$work/day.roster" "$@" |
	    "$BIN/vitals-clean" -q --roster "$work/day.roster" |
	    "$BIN/iforest-score" -q --model "$work/model.json" |
	    "$BIN/vitals-eval" $EVAL_OPTIONS
}
echo "make model: newly admitted patients"
day 91 --duration 12h --admissions 6h > "$work/first_hours.txt"
echo "make model: charted vitals at five cadences"
for i in 5 60 300 900 3600; do
	echo "== readings every $i s, charted"
	day 94 --duration 24h -i "$i" --charted
	echo
done > "$work/cadence.txt"

train --evaluation "$work/evaluation.json" -o "$work/final.json"
cp "$work/final.json" "$out/anomaly_model.json"
for f in evaluation.json evaluation.txt validation.txt first_hours.txt \
    cadence.txt; do
	cp "$work/$f" "$out/$f"
done
cat "$work/evaluation.txt"
echo "make model: wrote anomaly_model.json, evaluation.json," \
    "evaluation.txt, validation.txt, first_hours.txt and cadence.txt in $out"
