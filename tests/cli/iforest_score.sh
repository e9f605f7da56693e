# iforest-score, with a small model trained here: every usable record
# comes out once, in order, byte for byte but for anomaly_score (in
# [0, 1], at most 6 decimals), alert and alert_reason (their rule is
# tests/cli/stream_alert.sh's) and is_anomaly (score above the model's
# threshold, or --threshold's); readings inside episodes score higher
# than the rest; missing or non-numeric vitals are scored as missing,
# never NaN; records without patient_id or event_time go to --rejects
# with their reason and the counts add up; --show-features shows the
# model's features; a patient's scores do not depend on the other
# patients in the stream; it behaves as a Unix filter.
command -v jq > /dev/null || skip "needs jq"

vitals-gen --seed 5 --patients 12 -d 2h | vitals-clean -q > train.ndjson
iforest-train -q --seed 3 --trees 30 -o model.json train.ndjson
thr=$(jq .threshold model.json)
vitals-gen --seed 9 --patients 12 -d 3h --episodes 4 --truth | vitals-clean -q > stream.ndjson

# consistent FILE THRESHOLD: is_anomaly is anomaly_score > THRESHOLD.  The
# flag is decided on the unrounded score, so a printed score within
# 5e-7 of the threshold may round across it; such records are left out
# of the comparison and counted.
consistent() {
	jq -r --argjson t "$2" '
	    if (.anomaly_score - $t | fabs) <= 5e-7 then "near"
	    elif .is_anomaly == (.anomaly_score > $t) then "ok"
	    else "BAD \(.patient_id) \(.event_time) \(.anomaly_score) \(.is_anomaly)" end' "$1" |
	    sort | uniq -c > consistent.out
	cat consistent.out
	if grep -q BAD consistent.out; then fail "$1: is_anomaly is not anomaly_score > $2"; fi
}

# A stream of the usable records with bad ones among them: no
# patient_id, a patient_id that is not a string, an event_time that does
# not parse, broken JSON, a JSON array, and a blank line.
{
	head -n 3000 stream.ndjson
	echo '{"event_time":"2026-01-01T00:10:00Z","heart_rate":70}'
	echo '{"patient_id":7,"event_time":"2026-01-01T00:10:00Z","heart_rate":70}'
	echo '{"patient_id":"x","event_time":"yesterday","heart_rate":70}'
	echo '{"patient_id":"x","heart_rate":70}'
	echo '{"patient_id":"x",'
	echo '[1,2]'
	echo
	tail -n +3001 stream.ndjson
} > mixed.ndjson
iforest-score --model model.json --rejects rej.ndjson mixed.ndjson > out.ndjson 2> err
cat err
in=$(stat_field in err)
out=$(stat_field out err)
rejected=$(stat_field rejected err)
expect_eq "in (blank line apart)" "$in" "$(($(lines mixed.ndjson) - 1))"
expect_grep ' blank=1$' err
expect_eq "in = out + rejected" "$in" "$((out + rejected))"
expect_eq "out" "$out" "$(lines out.ndjson)"
expect_eq "rejects file" "$(lines rej.ndjson)" "$rejected"
expect_eq "reasons, in order" "$(jq -r .reason rej.ndjson | tr '\n' ' ')" \
    "missing_field missing_field missing_field missing_field bad_json bad_json "
expect_eq "rejected lines" "$(jq -r .line rej.ndjson | tr '\n' ' ')" \
    "3001 3002 3003 3004 3005 3006 "
expect_eq "rejected text kept" "$(jq -r .text rej.ndjson)" "$(sed -n 3001,3006p mixed.ndjson)"

# Out: the usable records, once each, in order, as they came, plus the
# four fields at the end.  Once by jq (values), once by bytes.
expect_eq "records out" "$(lines out.ndjson)" "$(lines stream.ndjson)"
jq -c 'del(.anomaly_score, .is_anomaly, .alert, .alert_reason)' out.ndjson > out.values
jq -c . stream.ndjson > in.values
cmp in.values out.values || fail "records changed, lost or reordered"
sed -E 's/,"anomaly_score":[^,]*,"is_anomaly":(true|false),"alert":(true,"alert_reason":"[^"]*"|false,"alert_reason":null)}$/}/' out.ndjson > out.bytes
cmp stream.ndjson out.bytes || fail "records not passed through byte for byte"
expect_eq "scores with at most 6 decimals in [0, 1]" \
    "$(grep -o '"anomaly_score":[^,]*' out.ndjson | cut -d: -f2 |
	grep -Evx '0|1|0\.[0-9]{0,5}[1-9]|1\.0*' | head -n 3)" ""
expect_eq "is_anomaly booleans" "$(jq -r '.is_anomaly | type' out.ndjson | sort -u)" boolean
consistent out.ndjson "$thr"
anomalies=$(grep -c '"is_anomaly":true' out.ndjson || true)
[ "$anomalies" -gt 0 ] || fail "no reading above the threshold to test with"

# Inside episodes the scores are higher.
jq -r '[(if .truth.episode != null then "in" else "out" end), .anomaly_score] | @tsv' out.ndjson |
    awk '{ s[$1] += $2; n[$1]++ }
    END { printf "mean score in episodes %.4f (%d), outside %.4f (%d)\n",
	    s["in"] / n["in"], n["in"], s["out"] / n["out"], n["out"]
	exit !(n["in"] > 100 && s["in"] / n["in"] > s["out"] / n["out"]) }' ||
	fail "readings in episodes do not score higher"

# Missing vitals.  Four copies of one patient's first 40 minutes under
# new ids; their last reading has heart_rate null, a string, or absent,
# or no vital at all.  Null, string and absent are the same thing to the
# scorer (missing); every score is a number, the records pass as they are.
p=$(head -n 1 stream.ndjson | jq -r .patient_id)
jq -c --arg p "$p" 'select(.patient_id == $p)' stream.ndjson | head -n 480 > one.ndjson
for v in null str absent none; do
	case $v in
	null) f='.heart_rate = null' ;;
	str) f='.heart_rate = "fast"' ;;
	absent) f='del(.heart_rate)' ;;
	none) f='del(.heart_rate, .respiration_rate, .spo2, .temperature, .bp_systolic, .bp_diastolic)' ;;
	esac
	jq -c --arg id "miss-$v" '.patient_id = $id' one.ndjson | sed '$d'
	tail -n 1 one.ndjson | jq -c --arg id "miss-$v" ".patient_id = \$id | $f"
done > missing.ndjson
iforest-score -q --model model.json missing.ndjson > missing.out
expect_eq "missing: records" "$(lines missing.out)" "$(lines missing.ndjson)"
expect_eq "missing: scores are numbers in [0, 1]" \
    "$(jq -r '.anomaly_score | type == "number" and . >= 0 and . <= 1' missing.out | sort -u)" true
expect_eq "missing: no NaN, no null" "$(grep -ci 'nan\|"anomaly_score":null' missing.out || true)" 0
expect_eq "missing: values untouched" "$(jq -c 'del(.anomaly_score, .is_anomaly, .alert, .alert_reason)' missing.out)" \
    "$(jq -c . missing.ndjson)"
expect_eq "null, string, absent score alike" \
    "$(jq -r 'select(.patient_id != "miss-none") | .anomaly_score' missing.out | awk 'NR % 480 == 0' | sort -u | wc -l)" 1
consistent missing.out "$thr"

# --threshold replaces the model's threshold; the scores stay.
iforest-score -q --model model.json --threshold 0.45 stream.ndjson > t45.ndjson
consistent t45.ndjson 0.45
expect_eq "scores under --threshold" "$(jq -c .anomaly_score t45.ndjson | cksum)" \
    "$(jq -c .anomaly_score out.ndjson | cksum)"
[ "$(grep -c '"is_anomaly":true' t45.ndjson)" -gt "$anomalies" ] ||
	fail "--threshold 0.45 flagged no more readings than $thr"
expect_status 2 iforest-score --model model.json --threshold 1.5 stream.ndjson 2> err
expect_grep 'threshold 1.5' err

# --show-features: a "features" object with the model's names, in order,
# each a number or null; scores and everything else as without it.
head -n 2000 stream.ndjson > head.ndjson
iforest-score -q --model model.json --show-features head.ndjson > feat.ndjson
expect_eq "feature names" "$(jq -c '.features | keys_unsorted' feat.ndjson | sort -u)" \
    "$(jq -c .features model.json)"
expect_eq "feature values" "$(jq -r '.features[] | type' feat.ndjson | sort -u | tr '\n' ' ')" "null number "
expect_eq "scores with --show-features" "$(jq -c .anomaly_score feat.ndjson | cksum)" \
    "$(head -n 2000 out.ndjson | jq -c .anomaly_score | cksum)"
expect_eq "records with --show-features" "$(jq -c 'del(.features, .anomaly_score, .is_anomaly, .alert, .alert_reason)' feat.ndjson | cksum)" \
    "$(jq -c . head.ndjson | cksum)"

# Scoring scored records again replaces the two fields (once each; such
# a record is printed in schema order) and gives the same scores.
iforest-score -q --model model.json head.ndjson > once.ndjson
iforest-score -q --model model.json once.ndjson > twice.ndjson
expect_eq "one anomaly_score per record" \
    "$(awk -F'"anomaly_score"' 'NF != 2' twice.ndjson | head -n 1)" ""
expect_eq "rescored" "$(jq -cS . twice.ndjson | cksum)" "$(jq -cS . once.ndjson | cksum)"

# Per-patient state: each patient scored alone scores as in the
# interleaved stream.
jq -r '[.patient_id, .event_time, .anomaly_score] | @tsv' out.ndjson |
    sort -s -k1,1 > together.tsv
for id in $(cut -f1 together.tsv | uniq); do
	grep -F "\"patient_id\":\"$id\"" stream.ndjson |
	    iforest-score -q --model model.json |
	    jq -r '[.patient_id, .event_time, .anomaly_score] | @tsv'
done > alone.tsv
expect_eq "patients" "$(cut -f1 alone.tsv | uniq | wc -l)" 12
cmp together.tsv alone.tsv || fail "a patient's scores depend on the others in the stream"

# A Unix filter: head ends an endless stream at once and quietly.
set +e
timeout 30 sh -c "{ $(command -v awk) 'BEGIN { for (i = 0; ; i++) printf \"{\\\"patient_id\\\":\\\"p-%d\\\",\\\"event_time\\\":\\\"2026-03-01T09:%02d:%02dZ\\\",\\\"heart_rate\\\":70}\\n\", i % 100, (i / 60) % 60, i % 60 }' |
    iforest-score --model model.json 2> head.err; echo \$? > head.rc; } | head -n 5 > head.out"
rc=$?
set -e
expect_eq "pipeline status (124 would be a hang)" "$rc" 0
expect_eq "head got" "$(lines head.out)" 5
rc=$(cat head.rc)
[ "$rc" = 0 ] || [ "$rc" = 141 ] || fail "iforest-score exited $rc under head"
expect_eq "stderr after head" "$(cat head.err)" ""

# A bad model is an error naming the file; an unknown option a usage
# error.
echo '{"format":"vitals-iforest","version":1}' > bad.json
expect_status 1 iforest-score --model bad.json head.ndjson > out 2> err
expect_grep '^iforest-score: model bad.json: ' err
expect_eq "nothing scored with a bad model" "$(lines out)" 0
head -c 2000 model.json > cut.json
expect_status 1 iforest-score --model cut.json head.ndjson 2> err
expect_grep '^iforest-score: model cut.json: ' err
expect_status 1 iforest-score --model no-such.json head.ndjson 2> err
expect_grep 'no-such.json' err
expect_status 2 iforest-score --model model.json --no-such-option 2> err
expect_grep '^usage: iforest-score' err
