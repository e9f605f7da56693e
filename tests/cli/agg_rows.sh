# vitals-agg on a small hand-made stream: exact Gold rows (means, min,
# max, NEWS2 band, alert counts, anomaly and alert fields, nulls, ward),
# readings out of order within the lateness, one late reading and bad
# lines sent to the rejects, and the counts.

cat > in.ndjson <<'IN'
{"patient_id":"p-a","ward":"icu","event_time":"2026-03-01T10:00:05Z","heart_rate":80,"temperature":37.0,"spo2":97.0,"respiration_rate":16,"bp_systolic":120,"bp_diastolic":80,"mean_arterial_pressure":93.3,"shock_index":0.667,"news2_score":0,"news2_band":"low","alert_tachycardia":false,"alert_fever":false,"anomaly_score":0.40,"is_anomaly":false}
{"patient_id":"p-a","ward":"icu-2","event_time":"2026-03-01T10:00:45Z","heart_rate":130,"temperature":38.4,"spo2":91.0,"respiration_rate":22,"bp_systolic":100,"bp_diastolic":60,"mean_arterial_pressure":73.3,"shock_index":1.3,"news2_score":6,"news2_band":"medium","alert_tachycardia":true,"alert_fever":true,"alert_hypoxia":true,"alert_tachypnoea":true,"anomaly_score":0.71,"is_anomaly":true,"alert":true,"alert_reason":"iforest: heart_rate high"}
{"patient_id":"p-b","event_time":"2026-03-01T10:00:30Z","heart_rate":70}
{"patient_id":"p-a","ward":"icu","event_time":"2026-03-01T10:00:20Z","heart_rate":90,"temperature":null,"spo2":null,"respiration_rate":18,"bp_systolic":125,"bp_diastolic":85,"mean_arterial_pressure":98.3,"shock_index":0.72,"news2_score":3,"news2_band":"low-medium","anomaly_score":null,"is_anomaly":null,"alert":true,"alert_reason":"news2 3: heart_rate 3"}
{"patient_id":"p-a","ward":"icu-2","event_time":"2026-03-01T10:01:10Z","heart_rate":85,"temperature":37.2,"spo2":96.0,"respiration_rate":17,"bp_systolic":118,"bp_diastolic":76,"mean_arterial_pressure":90.0,"shock_index":0.72,"news2_score":4,"news2_band":"low","anomaly_score":0.3,"is_anomaly":false,"alert":false,"alert_reason":null}
{"patient_id":"p-a","ward":"icu-2","event_time":"2026-03-01T10:01:30Z","heart_rate":95,"temperature":37.4,"spo2":95,"respiration_rate":25,"bp_systolic":110,"bp_diastolic":70,"mean_arterial_pressure":83.3,"shock_index":0.864,"news2_score":3,"news2_band":"low-medium","alert_tachypnoea":true,"anomaly_score":0.5,"is_anomaly":false}
not json

{"patient_id":"p-c","heart_rate":70}
{"patient_id":"p-c","event_time":"2026-03-01T10:00:00Z","heart_rate":"fast"}
{"patient_id":"p-c","event_time":"yesterday"}
{"patient_id":"p-c","event_time":"2026-03-01T10:00:00Z","news2_band":"purple"}
{"patient_id":"p-b","event_time":"2026-03-01T10:04:00Z","heart_rate":71}
{"patient_id":"p-a","ward":"icu","event_time":"2026-03-01T10:00:50Z","heart_rate":200}
{"patient_id":"p-b","event_time":"2026-03-01T10:03:59.999999Z","heart_rate":72}
IN

# Rows with only a heart rate: p-b's, and all its columns but that null
# (alert too: no reading said; is_anomaly false, the count 0).
hr_only() {	# start end hr
	printf '{"patient_id":"p-b","ward":null,"window_start":"2026-03-01T%s.000000Z","window_end":"2026-03-01T%s.000000Z","event_date":"2026-03-01","readings":1,"heart_rate_mean":%s.0,"heart_rate_min":%s,"heart_rate_max":%s,"temperature_mean":null,"temperature_min":null,"temperature_max":null,"spo2_mean":null,"spo2_min":null,"spo2_max":null,"respiration_rate_mean":null,"respiration_rate_min":null,"respiration_rate_max":null,"bp_systolic_mean":null,"bp_systolic_min":null,"bp_systolic_max":null,"bp_diastolic_mean":null,"bp_diastolic_min":null,"bp_diastolic_max":null,"mean_arterial_pressure_mean":null,"shock_index_max":null,"news2_score_max":null,"news2_band":null,"alert_tachycardia_count":0,"alert_bradycardia_count":0,"alert_fever_count":0,"alert_hypothermia_count":0,"alert_hypoxia_count":0,"alert_hypotension_count":0,"alert_hypertension_count":0,"alert_tachypnoea_count":0,"anomaly_score_max":null,"anomaly_score_mean":null,"anomalous_readings":0,"is_anomaly":false,"alerting_readings":null,"alert":null,"alert_reason":null}\n' "$1" "$2" "$3" "$3" "$3"
}

# Computed by hand.  p-a 10:00: HR (80+130+90)/3 = 100; temperature and
# SpO2 from the two readings that have them; RR 56/3 = 18.667; MAP
# 264.9/3 = 88.3; the worst band is medium (score 6) although another
# reading was low-medium; the ward is that of 10:00:45, the latest, though
# 10:00:20 arrived after it, and so is the alert reason, of the two
# alerting readings; anomaly mean (0.40+0.71)/2 over the two scored
# readings.  p-a 10:01: the highest score is 4 (low), but a red
# parameter at score 3 makes the band low-medium.
{
printf '%s\n' '{"patient_id":"p-a","ward":"icu-2","window_start":"2026-03-01T10:00:00.000000Z","window_end":"2026-03-01T10:01:00.000000Z","event_date":"2026-03-01","readings":3,"heart_rate_mean":100.0,"heart_rate_min":80,"heart_rate_max":130,"temperature_mean":37.7,"temperature_min":37.0,"temperature_max":38.4,"spo2_mean":94.0,"spo2_min":91.0,"spo2_max":97.0,"respiration_rate_mean":18.667,"respiration_rate_min":16,"respiration_rate_max":22,"bp_systolic_mean":115.0,"bp_systolic_min":100,"bp_systolic_max":125,"bp_diastolic_mean":75.0,"bp_diastolic_min":60,"bp_diastolic_max":85,"mean_arterial_pressure_mean":88.3,"shock_index_max":1.3,"news2_score_max":6,"news2_band":"medium","alert_tachycardia_count":1,"alert_bradycardia_count":0,"alert_fever_count":1,"alert_hypothermia_count":0,"alert_hypoxia_count":1,"alert_hypotension_count":0,"alert_hypertension_count":0,"alert_tachypnoea_count":1,"anomaly_score_max":0.71,"anomaly_score_mean":0.555,"anomalous_readings":1,"is_anomaly":true,"alerting_readings":2,"alert":true,"alert_reason":"iforest: heart_rate high"}'
hr_only 10:00:00 10:01:00 70
printf '%s\n' '{"patient_id":"p-a","ward":"icu-2","window_start":"2026-03-01T10:01:00.000000Z","window_end":"2026-03-01T10:02:00.000000Z","event_date":"2026-03-01","readings":2,"heart_rate_mean":90.0,"heart_rate_min":85,"heart_rate_max":95,"temperature_mean":37.3,"temperature_min":37.2,"temperature_max":37.4,"spo2_mean":95.5,"spo2_min":95.0,"spo2_max":96.0,"respiration_rate_mean":21.0,"respiration_rate_min":17,"respiration_rate_max":25,"bp_systolic_mean":114.0,"bp_systolic_min":110,"bp_systolic_max":118,"bp_diastolic_mean":73.0,"bp_diastolic_min":70,"bp_diastolic_max":76,"mean_arterial_pressure_mean":86.65,"shock_index_max":0.864,"news2_score_max":4,"news2_band":"low-medium","alert_tachycardia_count":0,"alert_bradycardia_count":0,"alert_fever_count":0,"alert_hypothermia_count":0,"alert_hypoxia_count":0,"alert_hypotension_count":0,"alert_hypertension_count":0,"alert_tachypnoea_count":1,"anomaly_score_max":0.5,"anomaly_score_mean":0.4,"anomalous_readings":0,"is_anomaly":false,"alerting_readings":0,"alert":false,"alert_reason":null}'
hr_only 10:03:00 10:04:00 72
hr_only 10:04:00 10:05:00 71
} > expected
# Without Kafka positions in the input, a row has none either.
sed -i 's/}$/,"topic":null,"partition":null,"through_offset":null}/' expected

vitals-agg --rejects rejects.ndjson in.ndjson > out 2> err
diff expected out || fail "Gold rows differ from the hand-computed ones"

# Counts: 14 records (the blank line is not one), 5 windows, 5 bad lines
# and 1 late reading rejected, 8 readings aggregated.
expect_grep '^vitals-agg: in=14 out=5 rejected=6 duplicates=0 blank=1$' err
expect_grep '^vitals-agg: aggregated=8 ' err
expect_eq "readings in the rows" "$(jq -s 'map(.readings) | add' out)" 8

# Each reject says why, and where the line came from.
expect_eq "reject reasons" "$(jq -r .reason rejects.ndjson | tr '\n' ' ')" \
    "bad_json missing_field bad_type bad_timestamp bad_value late_reading "
expect_eq "late reading located" \
    "$(jq -r 'select(.reason == "late_reading") | "\(.source):\(.line)"' rejects.ndjson)" \
    "in.ndjson:14"
expect_grep 'falls in window \[2026-03-01T10:00:00.000000Z, 2026-03-01T10:01:00.000000Z), already written (watermark 2026-03-01T10:02:00.000000Z)' rejects.ndjson
expect_grep '"detail":"heart_rate: expected an integer, got a string"' rejects.ndjson

# No lateness: 10:03:59.999999, arriving after 10:04:00, is late in
# 1-minute windows, but not in 5-minute ones, where the out-of-order
# 10:00:50 also still finds its window open.
vitals-agg -q --window 5m --lateness 0 in.ndjson > out5
expect_eq "5-minute windows" \
    "$(jq -c '[.patient_id, .window_start[11:16], .readings]' out5 | tr '\n' ' ')" \
    '["p-a","10:00",6] ["p-b","10:00",3] '
vitals-agg --lateness 0 in.ndjson > out0 2> err0
expect_eq "1-minute windows, no lateness" \
    "$(jq -c '[.patient_id, .window_start[11:16], .readings]' out0 | tr '\n' ' ')" \
    '["p-a","10:00",3] ["p-b","10:00",1] ["p-a","10:01",2] ["p-b","10:04",1] '
expect_grep 'rejected=7 ' err0

# Means are exact: these eight MAPs sum to 657.7, a mean of 82.2125,
# which rounds to 82.213; summed in this order in floating point they
# make 657.6999999999999 and the mean would round to 82.212.
for m in 60.1 99.2 99.0 91.1 82.1 79.9 61.4 84.9; do
	printf '{"patient_id":"p-m","event_time":"2026-03-01T10:00:%02dZ","mean_arterial_pressure":%s}\n' \
	    "${i:=0}" "$m"
	i=$((i + 5))
done > exact.ndjson
expect_eq "exact mean" "$(vitals-agg -q exact.ndjson | jq -c '[.readings, .mean_arterial_pressure_mean]')" "[8,82.213]"

# A line longer than --max-line is counted in and rejected with its
# length, as by every tool; the rest of the stream is aggregated as before.
long=$(printf '{"patient_id":"p-c","pad":"%01100d"}' 0)
{ cat in.ndjson; printf '%s\n' "$long"; } > long.ndjson
vitals-agg --max-line 1k --rejects rejects.ndjson long.ndjson > out 2> err
diff expected out || fail "a long line changed the rows"
expect_grep '^vitals-agg: in=15 out=5 rejected=7 duplicates=0 blank=1$' err
expect_eq "long line rejected" \
    "$(jq -r 'select(.reason == "line_too_long") | "\(.line) \(.detail)"' rejects.ndjson)" \
    "16 line of ${#long} bytes is longer than --max-line"
