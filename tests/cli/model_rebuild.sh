# make model rebuilds the committed model byte for byte: the training
# history, the training and the evaluation are all seeded and dated, so
# models/anomaly_model.json, evaluation.json, evaluation.txt,
# validation.txt, first_hours.txt and cadence.txt come out the same from
# this tree.  A change to the
# simulator, the cleaner or the features that changes the model fails here
# until `make model` is run.
need_shared synthea
need_shared synthea-ca2022
case $BIN in
*asan*) skip "the model rebuild is checked by the plain build (slow under ASan)" ;;
esac

MODEL_OUT=$PWD sh "$TOP/models/build.sh" > build.log 2>&1 ||
	fail "models/build.sh failed: $(tail -n 5 build.log)"
for f in anomaly_model.json evaluation.json evaluation.txt validation.txt \
    first_hours.txt cadence.txt; do
	cmp -s "$f" "$TOP/models/$f" ||
		fail "$f differs from models/$f: run make model and commit"
done
# The model carries its own evaluation and says how it was made.
expect_eq "evaluation in the provenance" \
    "$(jq -c .provenance.evaluation anomaly_model.json)" "$(jq -c . evaluation.json)"
expect_eq "trained on" "$(jq -r '.provenance.params | [.n_estimators, .max_samples, .seed] | @tsv' anomaly_model.json)" "100	256	1"
expect_eq "training data hash is 64 hex" \
    "$(jq -r .provenance.training_data_sha256 anomaly_model.json | grep -c '^[0-9a-f]\{64\}$')" 1
