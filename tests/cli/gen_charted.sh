# vitals-gen --admissions and --charted: patients arrive through the run,
# some already in an episode, and each vital is charted on its own
# schedule with gaps, without changing any value that is sent; the stream
# stays deterministic and vitals-clean takes it whole.
command -v jq > /dev/null || skip "needs jq"
start=2026-01-01T00:00:00Z

# --- admissions -------------------------------------------------------
vitals-gen --seed 5 --patients 200 -d 3h -i 60 --admissions 2h \
    --episodes 2 --truth > adm
# Each patient's first reading is their admission: within the first two
# hours (and the next reading's minute), and spread across them.
jq -r -s 'group_by(.patient_id) | map(min_by(.timestamp))[] |
    [.timestamp, (.truth.episode // "-")] | @tsv' adm > firsts
expect_eq "every patient admitted" "$(lines firsts)" 200
expect_eq "admitted in the first two hours" \
    "$(awk '$1 >= "2026-01-01T02:01:00"' firsts | wc -l)" 0
expect_eq "admissions spread over four half hours" \
    "$(awk '{ b[substr($1, 12, 2) * 2 + int(substr($1, 15, 2) / 30)]++ }
	END { for (k in b) n += k < 4 && b[k] >= 25; print n }' firsts)" 4
# Some arrive already deteriorating: an episode labels their first
# reading.  EP_ARRIVE_ILL is a quarter, half of them before admission:
# about 25 of 200.
ill=$(awk '$2 != "-"' firsts | wc -l)
echo "arrived in an episode: $ill"
[ "$ill" -ge 10 ] && [ "$ill" -le 45 ] || fail "arrived ill: $ill of 200"
# No settling period: episodes start in the first 30 minutes of a stay.
early=$(jq -r -s 'group_by(.patient_id)[] | min_by(.timestamp).timestamp as $a
    | map(select(.truth.episode != null)) | select(length > 0)
    | min_by(.timestamp).timestamp as $e
    | (($e | sub("\\.[0-9]+Z$"; "Z") | fromdate) -
       ($a | sub("\\.[0-9]+Z$"; "Z") | fromdate)) | select(. < 1800)' adm | wc -l)
[ "$early" -ge 10 ] || fail "episodes in a stay's first 30 minutes: $early"
# Without --admissions everyone is there at the start, as before.
vitals-gen --seed 5 --patients 200 -d 10m -i 60 --truth > all
expect_eq "all at the start" "$(jq -r -s 'group_by(.patient_id) |
    map(min_by(.timestamp).timestamp[0:16]) | unique | length' all)" 1

# --- charting -----------------------------------------------------------
vitals-gen --seed 6 --patients 40 -d 12h -i 60 --truth > full
vitals-gen --seed 6 --patients 40 -d 12h -i 60 --truth --charted > chart
vitals-gen --seed 6 --patients 40 -d 12h -i 60 --truth --charted > chart2
cmp -s chart chart2 || fail "--charted is not deterministic"
# What is sent is what the monitor read: every charted value equals the
# unchanged stream's at the same patient and time.
jq -r '[.patient_id, .timestamp, .heart_rate, .temperature, .spo2,
    .respiration_rate, .blood_pressure] | map(. // "-") | @tsv' full |
    sort > full.tsv
jq -r '[.patient_id, .timestamp, .heart_rate, .temperature, .spo2,
    .respiration_rate, .blood_pressure] | map(. // "-") | @tsv' chart |
    sort > chart.tsv
awk -F'\t' 'NR == FNR { v[$1 "|" $2] = $0; next }
    { split(v[$1 "|" $2], f, "\t"); seen++
      if (!(($1 "|" $2) in v)) bad++
      for (i = 3; i <= 7; i++) if ($i != "-" && $i != f[i]) bad++ }
    END { print bad + 0, seen + 0 }' full.tsv chart.tsv > mismatch
expect_eq "charted values are the monitor's" "$(cut -d' ' -f1 mismatch)" 0
expect_eq "every charted reading compared" "$(cut -d' ' -f2 mismatch)" "$(lines chart)"
# Gaps off the monitor: fewer readings, never more.
n_full=$(lines full) n_chart=$(lines chart)
echo "readings: $n_full streamed, $n_chart charted"
[ "$n_chart" -lt "$n_full" ] && [ "$n_chart" -gt $((n_full * 8 / 10)) ] ||
    fail "charted readings: $n_chart of $n_full"
# Each vital on its own schedule: heart rate nearly always, blood
# pressure about hourly, temperature about 4-hourly (12 h: 3 per patient).
jq -r -s 'length as $n | [
    (map(select(.heart_rate != null)) | length / $n),
    (map(select(.blood_pressure != null)) | length / 40 / 12),
    (map(select(.temperature != null)) | length / 40 / 3)] | @tsv' chart > rates
cat rates
awk -F'\t' '{ exit !($1 > 0.95 && $1 < 0.995 && $2 > 0.75 && $2 < 1.15 &&
    $3 > 0.7 && $3 < 1.3) }' rates || fail "schedules: $(cat rates)"
# Hourly readings: temperature still 4-hourly, pressure with every reading
# that is not missed.
vitals-gen --seed 6 --patients 40 -d 24h -i 1h --charted > hourly
jq -r -s 'length as $n | [
    (map(select(.temperature != null)) | length / 40 / 6),
    (map(select(.blood_pressure != null)) | length / $n)] | @tsv' hourly > hrates
awk -F'\t' '{ exit !($1 > 0.6 && $1 < 1.4 && $2 > 0.85) }' hrates ||
    fail "hourly schedules: $(cat hrates)"
# vitals-clean takes a charted stream whole: nothing rejected.
vitals-clean -v --rejects rej < chart > silver 2> clean.err
expect_eq "silver rows" "$(lines silver)" "$n_chart"
expect_eq "no rejects" "$(lines rej)" 0

# Usage errors.
expect_status 2 vitals-gen --admissions soon 2> err
expect_grep 'admissions soon' err
