# vitals-gen --roster: one JSON object per patient with what enrichment
# needs, matching the readings, and readable by vitals-clean --roster.
command -v jq > /dev/null || skip "needs jq"

vitals-gen --patients 300 -c 3000 --roster roster > readings
expect_eq "roster lines" "$(lines roster)" 300
expect_eq "roster keys" "$(jq -c '[keys_unsorted[]]' roster | sort -u)" \
    '["patient_id","device_id","ward","age","sex","conditions","height_cm","weight_kg","bmi","bp_recorded","baseline","source"]'
# Every patient in the readings is on the roster, with the same device
# and ward.
jq -r '[.patient_id, .device_id, .ward] | @tsv' roster | sort > r.ids
jq -r '[.patient_id, .device_id, .ward] | @tsv' readings | sort -u > g.ids
expect_eq "readings not on the roster" "$(comm -13 r.ids g.ids)" ""
expect_eq "patients in 3000 readings" "$(lines g.ids)" 300
expect_eq "unique ids" "$(cut -f1 r.ids | uniq -d)" ""

# Values that make sense for each patient.
jq -c 'select((.age | type) != "number" or .age < 0 or .age > 110
	or (.sex != "M" and .sex != "F")
	or ((.ward == "paediatrics") != (.age < 18))
	or (.conditions | type) != "array"
	or ([.conditions[] | select(IN("hypertension","diabetes","copd","asthma",
	    "heart_failure","ckd","obesity","cad","infection") | not)] | length) > 0
	or .weight_kg <= 0 or .height_cm <= 0 or .bp_recorded != false
	or .baseline.systolic <= .baseline.diastolic
	or .baseline.heart_rate < 40 or .baseline.spo2 > 100
	or .source != "builtin")' roster > odd || fail "jq failed"
expect_eq "odd roster entries" "$(head -n 2 odd)" ""
expect_eq "wards" "$(jq -r .ward roster | sort -u | tr '\n' ' ')" \
    "cardiology general_medicine icu paediatrics respiratory surgery "
# Conditions are there at plausible rates.
htn=$(jq -r 'select(.conditions | index("hypertension")) | 1' roster | wc -l)
[ "$htn" -ge 60 ] && [ "$htn" -le 200 ] || fail "$htn of 300 hypertensive"

# A roster is written even when no reading is; vitals-clean takes it.
vitals-gen --patients 4 -c 0 --roster small > none
expect_eq "small roster" "$(lines small)" 4
expect_eq "no readings" "$(lines none)" 0
if [ -x "$BIN/vitals-clean" ]; then
	vitals-gen --patients 4 -c 8 --roster small | vitals-clean --roster small -q > silver ||
	    fail "vitals-clean refused the roster"
	expect_eq "enriched" "$(jq -r 'select(.age != null) | 1' silver | wc -l | tr -d ' ')" 8
fi

# In one pipeline both tools start at once; vitals-clean reads the roster
# only when the first reading arrives, after vitals-gen has written it.
for i in 1 2 3 4 5; do
	vitals-gen --patients 30 -c 300 --seed $i --roster race$i |
	    vitals-clean -q --roster race$i > enriched$i
	expect_eq "run $i: enriched readings" \
	    "$(jq -r 'select(.age != null) | .patient_id' enriched$i | wc -l | tr -d ' ')" 300
done
expect_status 1 vitals-clean --roster no-such-roster < /dev/null 2> err
expect_grep 'roster: ' err

# A roster is configuration: a patient listed twice stops vitals-clean,
# naming the line, rather than enriching with whichever entry came last.
if [ -x "$BIN/vitals-clean" ]; then
	{ cat small; head -n 1 small; } > twice
	expect_status 1 vitals-clean --roster twice < none 2> err
	expect_grep "twice:5: patient $(jq -r .patient_id small | head -n 1) listed twice" err
fi
