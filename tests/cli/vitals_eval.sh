# vitals-eval on a hand-built stream of two patients and two episodes:
# recall, detected episodes, latency, false alerts per patient-day (with
# grace and refractory), per-type recall, all checked by hand from the
# table below, and ROC-AUC and average precision of the three detectors
# recomputed in awk from the same table; --persistence decides whether a
# single flagged reading is an alert; --json and the text table carry the
# same figures; a stream without episode labels exits 1 and says how to
# get them.
command -v jq > /dev/null || skip "needs jq"

# patient, minute, anomaly_score, is_anomaly, news2_score, a NEWS2
# parameter scoring 3 ("-": none), episode type and id ("-": outside).
cat > table <<'EOF'
a 0 0.40 false 0 - - -
a 1 0.62 true 1 - - -
a 2 0.41 false 0 - - -
a 3 0.42 false 0 - - -
a 4 0.55 false 1 - fever 1
a 5 0.66 true 2 - fever 1
a 6 0.71 true 3 news2_temperature fever 1
a 7 0.75 true 3 news2_temperature fever 1
a 8 0.45 false 5 - - -
a 9 0.43 false 5 - - -
b 0 0.44 false 0 - - -
b 1 0.39 false 0 - - -
b 2 0.50 false 2 - hypoxia 2
b 3 0.58 false 5 - hypoxia 2
b 4 0.52 false 5 - hypoxia 2
b 5 0.47 false 3 - hypoxia 2
b 6 0.38 false 0 - - -
b 7 0.47 false 0 - - -
b 8 0.40 false 0 - - -
b 9 0.37 false 0 - - -
b 45 0.61 true 0 - - -
b 100 0.63 true 0 - - -
EOF
# Readings of patient b are written first, so that the tool has to sort
# by patient and time itself.
awk '{
	red = $6 == "-" ? "" : sprintf(",\"%s\":3", $6)
	truth = "null"
	if ($7 != "-")
		truth = sprintf("{\"episode\":\"%s\",\"episode_id\":%d,\"fault\":null}", $7, $8)
	printf "{\"patient_id\":\"%s\",\"event_time\":\"2026-01-01T%02d:%02d:00Z\",\"anomaly_score\":%s,\"is_anomaly\":%s,\"news2_score\":%d%s,\"truth\":%s}\n",
	    $1, $2 / 60, $2 % 60, $3, $4, $5, red, truth
}' table | sort -r > scored.ndjson
expect_eq "readings written" "$(lines scored.ndjson)" 22

# ROC-AUC (pairs, ties half) and average precision (distinct thresholds
# from the top, recall gained times precision there) of a score column;
# column 9 is the NEWS2 score (total, + 0.5 for a red parameter), column
# 10 the combined one (the forest's percentile rank, fraction <= x, or
# the NEWS2 score's where it is larger and the anomaly score is above the
# gate, 0.55).
awk '{ $9 = $5 + ($6 != "-" ? 0.5 : 0); print }' table |
    awk '{ s[NR] = $3; n2[NR] = $9; l[NR] = $0 }
    END { for (i = 1; i <= NR; i++) {
		a = b = 0
		for (j = 1; j <= NR; j++) { a += s[j] <= s[i]; b += n2[j] <= n2[i] }
		print l[i], (s[i] > 0.55 && b > a ? b : a) / NR } }' > ranked
metric() {	# metric COLUMN -> "auc ap"
	sort -k"$1","$1"gr ranked | awk -v c="$1" '
	{ pos = $7 != "-"; v = $c
	  if (NR > 1 && v != last) { flush() }
	  last = v; gp += pos; gn += !pos; P += pos; N += !pos
	  sc[NR] = v; lab[NR] = pos }
	function flush() { tp += gp; fp += gn; ap += gp * tp / (tp + fp); gp = gn = 0 }
	END { flush()
		for (i = 1; i <= NR; i++) if (lab[i]) for (j = 1; j <= NR; j++)
			if (!lab[j]) auc += sc[i] > sc[j] ? 1 : sc[i] == sc[j] ? 0.5 : 0
		printf "%.6f %.6f\n", auc / (P * N), ap / P }'
}
set -- $(metric 3); auc_if=$1 ap_if=$2
set -- $(metric 9); auc_n2=$1 ap_n2=$2
set -- $(metric 10); auc_co=$1 ap_co=$2
echo "expected ROC-AUC/AP: iforest $auc_if/$ap_if news2 $auc_n2/$ap_n2 combined $auc_co/$ap_co"
# The 0.47 of a positive and a negative tie: the AUC is not a whole
# number of pairs over 96, so the half is there.
expect_eq "a tie in the case" "$(awk -v a="$auc_if" 'BEGIN { x = a * 96; print x != int(x) }')" 1

# near FILE JQPATH EXPECTED: a figure of --json, which rounds to 4 decimals.
near() {
	got=$(jq "$2" "$1")
	awk -v g="$got" -v w="$3" 'BEGIN { d = g - w; exit !(g != "null" && d < 0.00006 && d > -0.00006) }' ||
	    fail "$1: $2 = $got, expected $3"
}

# --persistence 3, NEWS2 rule held for 2 readings.
#   iforest: a's flags at 5, 6, 7 make an alert at a7 (latency 7 - 4 =
#     3 min); the lone flags a1, b45, b100 never make three in a row; b's
#     episode has no flag: recall 1/2.
#   news2: a6, a7 red -> alert at a7 (3 min); b3, b4 total 5 -> alert at
#     b4 (4 - 2 = 2 min); a8, a9 (total 5) continue a's alert 1 and 2 min
#     later: inside the refractory time, no new onset.  Recall 1,
#     latencies 3 and 2: median 2.5, quartiles 2.25 and 2.75.
#   combined: the NEWS2 rule counts where the score is above 0.55: a6, a7
#     yes (alert at a7), b3 yes but b4 (0.52) no, a8/a9 no.  Recall 1/2.
#   No false alerts anywhere.
vitals-eval --json --persistence 3 --news2-persistence 2 scored.ndjson > p3.json
expect_eq "readings" "$(jq .readings p3.json)" 22
expect_eq "positive readings" "$(jq .positive_readings p3.json)" 8
expect_eq "patients" "$(jq .patients p3.json)" 2
expect_eq "episodes" "$(jq .episodes p3.json)" 2
expect_eq "persistence echoed" "$(jq .persistence p3.json)" 3
# 9 minutes of a, 100 of b.
near p3.json .patient_days "$(awk 'BEGIN { print 109 / 1440 }')"
d=.detectors
near p3.json "$d.iforest.episode_recall" 0.5
near p3.json "$d.iforest.latency_median_minutes" 3
near p3.json "$d.iforest.latency_q1_minutes" 3
near p3.json "$d.iforest.episode_recall_by_type.fever" 1
near p3.json "$d.iforest.episode_recall_by_type.hypoxia" 0
near p3.json "$d.iforest.latency_median_minutes_by_type.fever" 3
expect_eq "no latency without detection" \
    "$(jq -c "$d.iforest.latency_median_minutes_by_type.hypoxia" p3.json)" null
near p3.json "$d.iforest.false_alerts_per_patient_day" 0
near p3.json "$d.news2.episode_recall" 1
near p3.json "$d.news2.latency_median_minutes" 2.5
near p3.json "$d.news2.latency_q1_minutes" 2.25
near p3.json "$d.news2.latency_q3_minutes" 2.75
near p3.json "$d.news2.latency_median_minutes_by_type.hypoxia" 2
near p3.json "$d.news2.false_alerts_per_patient_day" 0
near p3.json "$d.combined.episode_recall" 0.5
near p3.json "$d.combined.episode_recall_by_type.hypoxia" 0
near p3.json "$d.combined.latency_median_minutes" 3
near p3.json "$d.combined.false_alerts_per_patient_day" 0
near p3.json "$d.iforest.roc_auc" "$auc_if"
near p3.json "$d.iforest.average_precision" "$ap_if"
near p3.json "$d.news2.roc_auc" "$auc_n2"
near p3.json "$d.news2.average_precision" "$ap_n2"
near p3.json "$d.combined.roc_auc" "$auc_co"
near p3.json "$d.combined.average_precision" "$ap_co"

# The keys: three detectors, each with every figure, per type too.
expect_eq "detectors" "$(jq -c "$d | keys" p3.json)" '["combined","iforest","news2"]'
expect_eq "figures per detector" \
    "$(jq -c "[$d[] | keys] | unique" p3.json)" \
    '[["average_precision","episode_recall","episode_recall_by_type","false_alerts_per_patient_day","latency_median_minutes","latency_median_minutes_by_type","latency_q1_minutes","latency_q3_minutes","roc_auc"]]'
expect_eq "types per detector" \
    "$(jq -c "[$d[] | (.episode_recall_by_type, .latency_median_minutes_by_type) | keys] | unique" p3.json)" \
    '[["fever","hypoxia"]]'

# --persistence 1: every flag is an alert.  a1 is an onset before a's
# episode (false); a5 detects fever at 1 min; b45 falls within the 60 min
# grace after b's episode (ended at b5): not false; b100 is beyond it
# (false).  Two false alerts over 109/1440 patient-days.  combined fires
# wherever the forest does.
vitals-eval --json --persistence 1 --news2-persistence 2 scored.ndjson > p1.json
fpd=$(awk 'BEGIN { print 2 * 1440 / 109 }')
near p1.json "$d.iforest.episode_recall" 0.5
near p1.json "$d.iforest.latency_median_minutes" 1
near p1.json "$d.iforest.false_alerts_per_patient_day" "$fpd"
near p1.json "$d.combined.false_alerts_per_patient_day" "$fpd"
near p1.json "$d.combined.latency_median_minutes_by_type.fever" 1
near p1.json "$d.news2.false_alerts_per_patient_day" 0
# Per-reading figures do not depend on the alert rule.
expect_eq "AUC independent of persistence" \
    "$(jq -c "[$d[].roc_auc]" p1.json)" "$(jq -c "[$d[].roc_auc]" p3.json)"

# Persistence follows time: the flagged readings in a row must cover
# 20 s by default, and a reading covers the time since the patient's
# previous one.  Readings a minute apart each cover 60 s, so every flag
# but a patient's first reading alerts: the figures of --persistence 1.
vitals-eval --json --news2-persistence 2 scored.ndjson > p4.json
expect_eq "default persistence" "$(jq .persistence_seconds p4.json)" 20
expect_eq "no count echoed" "$(jq .persistence p4.json)" null
expect_eq "default equals one reading at a minute's cadence" \
    "$(jq -c .detectors.iforest p4.json)" "$(jq -c .detectors.iforest p1.json)"
expect_eq "cadence" "$(jq .cadence_seconds p4.json)" 60
# 150 s: a5 covers 60 s, a6 120 s, a7 180 s: the alert of --persistence 3
# ...
vitals-eval --json --persistence 150s --news2-persistence 2 scored.ndjson > t150.json
expect_eq "150 s is three readings a minute apart" \
    "$(jq -c '.detectors.iforest | del(.false_alerts_per_patient_day)' t150.json)" \
    "$(jq -c '.detectors.iforest | del(.false_alerts_per_patient_day)' p3.json)"
# ... but the lone b100 covers the 55 minutes since b45, and is a false
# alert (b45, alone after 36 minutes, is inside the grace).
near t150.json "$d.iforest.false_alerts_per_patient_day" "$(awk 'BEGIN { print 1440 / 109 }')"
# 30 min: a's three flags (3 min) are not enough, but b45 and b100 each
# cover a long gap alone: b45 is inside the grace after b's episode, b100
# is a false alert.
vitals-eval --json --persistence 30m --news2-persistence 2 scored.ndjson > t30.json
near t30.json "$d.iforest.episode_recall" 0
expect_eq "no latency" "$(jq -c "$d.iforest.latency_median_minutes" t30.json)" null
near t30.json "$d.iforest.false_alerts_per_patient_day" "$(awk 'BEGIN { print 1440 / 109 }')"
near t30.json "$d.combined.episode_recall" 0.5

# By time since admission (each patient's first reading): a0-a9 and b0-b9
# are in the first 15 minutes, b45 in the first 90, b100 later; both
# episodes start in the first 15 minutes.  a1 is the one false alert in
# the first 15 minutes (--persistence 1), b100 the one later; the first
# 15 minutes hold 9 + 15 minutes of the two stays, later 10 of b.
b=.by_time_since_admission
expect_eq "band readings" "$(jq -c "[$b[].readings]" p1.json)" "[20,21,1]"
expect_eq "band positives" "$(jq -c "[$b[].positive_readings]" p1.json)" "[8,8,0]"
expect_eq "band episodes" "$(jq -c "[$b[].episodes]" p1.json)" "[2,2,0]"
near p1.json "$b.first_15_minutes.detectors.iforest.episode_recall" 0.5
near p1.json "$b.first_15_minutes.detectors.iforest.false_alerts_per_patient_day" \
    "$(awk 'BEGIN { print 1440 / 24 }')"
near p1.json "$b.later.detectors.iforest.false_alerts_per_patient_day" \
    "$(awk 'BEGIN { print 1440 / 10 }')"
expect_eq "no episode later" "$(jq "$b.later.detectors.iforest.episode_recall" p1.json)" null

# --grace 0: b45 is false as well.  news2's a8, a9 stay inside the
# refractory time of the alert at a7 and make no onset ...
vitals-eval --json --persistence 1 --news2-persistence 2 --grace 0 \
    scored.ndjson > g0.json
near g0.json "$d.iforest.false_alerts_per_patient_day" "$(awk 'BEGIN { print 3 * 1440 / 109 }')"
near g0.json "$d.news2.false_alerts_per_patient_day" 0
# ... until the refractory time is 1 min: both are onsets after a's
# episode, and false.
vitals-eval --json --persistence 1 --news2-persistence 2 --grace 0 \
    --refractory 1m scored.ndjson > r1.json
near r1.json "$d.news2.false_alerts_per_patient_day" "$fpd"

# The text output is the same evaluation as a table.
vitals-eval --persistence 3 --news2-persistence 2 scored.ndjson > p3.txt
cat p3.txt
expect_grep '^22 readings (36\.4% in episodes), 2 patients, 0\.1 patient-days, 2 episodes$' p3.txt
expect_grep '^detector *ROC-AUC *AP *recall *false/pt-day *latency min (IQR)$' p3.txt
awk -v a="$auc_if" -v b="$auc_n2" -v c="$auc_co" '
    function row(want_auc, want_recall) {
	if ($2 != sprintf("%.4f", want_auc) || $4 != want_recall) {
		print "bad row: " $0; bad = 1 }
	seen++ }
    $1 == "iforest" && NF == 7 { row(a, "0.500") }
    $1 == "news2" && NF == 7 { row(b, "1.000") }
    $1 == "combined" && NF == 7 { row(c, "0.500") }
    $1 == "fever" { fever = $0 } $1 == "hypoxia" { hyp = $0 }
    END { if (seen != 3) { print "detector rows: " seen; bad = 1 }
	if (fever !~ /^fever +1 +1\.000 \(  3\.0\) +1\.000 \(  3\.0\) +1\.000 \(  3\.0\)$/) {
		print "fever row: " fever; bad = 1 }
	if (hyp !~ /^hypoxia +1 +0\.000 \(  nan\) +1\.000 \(  2\.0\) +0\.000 \(  nan\)$/) {
		print "hypoxia row: " hyp; bad = 1 }
	exit bad }' p3.txt || fail "text table differs from the hand figures"

# Lines that are not scored readings are skipped and said so, a line
# longer than --max-line among them; a blank line is not a reading at all.
{ cat scored.ndjson; echo '{"patient_id":"c","event_time":"2026-01-01T00:00:00Z"}'
  echo 'nope'; echo; printf '{"patient_id":"d","pad":"%05000d"}\n' 0; } |
    vitals-eval --json --persistence 3 --news2-persistence 2 --max-line 4k \
    > skip.json 2> skip.err
expect_eq "skipped lines leave the figures" "$(jq -S . skip.json)" "$(jq -S . p3.json)"
expect_grep '^vitals-eval: 3 lines were not scored Silver readings' skip.err

# No episode labels at all: nothing to judge, and the message says how.
jq -c '.truth = null' scored.ndjson > unlabelled.ndjson
expect_status 1 vitals-eval unlabelled.ndjson > out 2> err
expect_grep 'vitals-gen --truth' err
expect_eq "nothing on stdout" "$(lines out)" 0
jq -c 'del(.truth)' scored.ndjson > nolabel.ndjson
expect_status 1 vitals-eval nolabel.ndjson 2> err
expect_grep 'vitals-gen --truth' err
expect_status 1 vitals-eval /dev/null 2> err
expect_grep 'no readings' err
# An input that cannot be read: the others are still judged, exit 1.
expect_status 1 vitals-eval --json --persistence 3 --news2-persistence 2 \
    scored.ndjson "$T/no-such-file" > part.json 2> err
expect_grep 'no-such-file' err
expect_eq "figures of the readable input" "$(jq -S . part.json)" "$(jq -S . p3.json)"

# Usage errors.
expect_status 2 vitals-eval --persistence 0 scored.ndjson 2> err
expect_grep 'persistence 0' err
expect_status 2 vitals-eval --news2-persistence 5x scored.ndjson 2> err
expect_grep 'news2-persistence 5x' err
expect_status 2 vitals-eval --news2-gate 2 scored.ndjson 2> err
expect_grep 'usage: vitals-eval' err
expect_status 2 vitals-eval --no-such-option 2> err
expect_grep 'usage: vitals-eval' err
