# vitals-clean: what a Silver record holds for known readings: coercions,
# units, time zones, blood pressure forms, derived values, NEWS2, alerts,
# dropouts, Bronze coordinates and truth passing through.

cat > in.ndjson <<'X'
{"patient_id":"p-1","device_id":"d-1","ward":"ICU","timestamp":"2026-03-01T10:00:00+01:00","heart_rate":"125","temperature":101.3,"spo2":90,"respiration_rate":26.0,"blood_pressure":{"systolic":88,"diastolic":60},"truth":{"episode":"sepsis","episode_id":3,"fault":null}}
{"patient_id":"p-2","timestamp":"2026-03-01T09:00:00.123456789Z","heart_rate":0,"spo2":0,"temperature":"36.9C","blood_pressure":"121 / 79"}
{"topic":"vitals","partition":3,"offset":17,"key":"p-3","value":"{\"patient_id\":\"p-3\",\"timestamp\":\"2026-03-01T09:00:00Z\",\"heart_rate\":70,\"bp_systolic\":130,\"bp_diastolic\":85}","kafka_timestamp":"2026-03-01T09:00:01Z"}
X
vitals-clean -q --now 2026-03-01T12:00:00Z in.ndjson > out.ndjson
expect_eq "records out" "$(lines out.ndjson)" 3

r1() { jq -c "$1" out.ndjson | sed -n 1p; }
expect_eq "UTC time" "$(r1 .event_time)" '"2026-03-01T09:00:00.000000Z"'
expect_eq "event_date" "$(r1 .event_date)" '"2026-03-01"'
expect_eq "heart_rate from text" "$(r1 .heart_rate)" 125
expect_eq "integral real to integer" "$(r1 .respiration_rate)" 26
expect_eq "Fahrenheit converted" "$(r1 .temperature)" 38.5
expect_eq "quality flag" "$(r1 .quality_flags)" '"temperature_fahrenheit"'
expect_eq "bp object" "$(r1 '[.bp_systolic,.bp_diastolic]')" '[88,60]'
expect_eq "MAP" "$(r1 .mean_arterial_pressure)" 69.3
expect_eq "pulse pressure" "$(r1 .pulse_pressure)" 28
expect_eq "shock index" "$(r1 .shock_index)" 1.42
# RR 26 -> 3, SpO2 90 -> 3, SBP 88 -> 3, HR 125 -> 2, T 38.5 -> 1
expect_eq "NEWS2" "$(r1 '[.news2_score,.news2_band,.news2_respiration,.news2_spo2,.news2_systolic,.news2_heart_rate,.news2_temperature,.news2_partial]')" '[12,"high",3,3,3,2,1,true]'
expect_eq "alerts" "$(r1 '[.alert_tachycardia,.alert_fever,.alert_hypoxia,.alert_hypotension,.alert_tachypnoea,.alert_bradycardia,.alert_hypertension,.alert_hypothermia]')" '[true,true,true,true,true,false,false,false]'
expect_eq "truth passes through" "$(r1 .truth)" '{"episode":"sepsis","episode_id":3,"fault":null}'

r2() { jq -c "$1" out.ndjson | sed -n 2p; }
expect_eq "nanoseconds truncated to microseconds" "$(r2 .event_time)" '"2026-03-01T09:00:00.123456Z"'
expect_eq "dropouts kept as missing" "$(r2 '[.heart_rate,.spo2]')" '[null,null]'
expect_eq "dropout flags" "$(r2 .quality_flags)" '"heart_rate_zero,spo2_lead_off"'
expect_eq "temperature with a C unit" "$(r2 .temperature)" 36.9
expect_eq "bp text with spaces" "$(r2 '[.bp_systolic,.bp_diastolic]')" '[121,79]'

r3() { jq -c "$1" out.ndjson | sed -n 3p; }
expect_eq "Bronze coordinates" "$(r3 '[.topic,.partition,.offset,.kafka_timestamp]')" '["vitals",3,17,"2026-03-01T09:00:01.000000Z"]'
expect_eq "separate bp fields" "$(r3 '[.bp_systolic,.bp_diastolic]')" '[130,85]'

# Every output line matches the Silver schema's names and nothing else.
jq -r '.fields[].name' "$TOP/schemas/silver.json" | sort > names
jq -r 'keys[]' out.ndjson | sort -u > used
expect_eq "fields outside the schema" "$(comm -13 names used | tr '\n' ' ')" ""
