# On a stream full of faults (out-of-order and late readings among them),
# the counts add up: in = aggregated + rejected + duplicates, every reject
# is in the rejects file, every aggregated reading is in some row.  Which
# readings are late, and how many windows there are, is checked against a
# model of the watermark written independently in jq.

vitals-gen --seed 3 --count 20000 --faults 0.05 |
    vitals-clean -q > silver.ndjson
{
	printf '%s\n' '{"patient_id":' '{"event_time":"2026-01-01T00:00:00Z"}' \
	    '{"patient_id":"x","event_time":"2026-01-01T00:00:00Z","spo2":"low"}'
	cat silver.ndjson
	printf '%s\n' '[1,2]' '{"patient_id":"","event_time":"2026-01-01T00:00:00Z"}'
} > in.ndjson

vitals-agg --stats --rejects rej.ndjson in.ndjson > gold.ndjson 2> err
in=$(stat_field in err)
out=$(stat_field out err)
rejected=$(stat_field rejected err)
duplicates=$(stat_field duplicates err)
aggregated=$(stat_field aggregated err)
expect_eq "in" "$in" "$(lines in.ndjson)"
expect_eq "in = aggregated + rejected + duplicates" "$in" \
    "$((aggregated + rejected + duplicates))"
expect_eq "out = rows" "$out" "$(lines gold.ndjson)"
expect_eq "rejects file" "$(lines rej.ndjson)" "$rejected"
expect_eq "readings in rows" "$(jq -s 'map(.readings) | add' gold.ndjson)" "$aggregated"
expect_eq "per-reason counts add up" \
    "$(grep '^{' err | jq '.reasons | add')" "$rejected"
expect_eq "bad lines" \
    "$(jq -r 'select(.reason != "late_reading") | .reason' rej.ndjson | sort | tr '\n' ' ')" \
    "bad_json bad_json bad_patient_id bad_type missing_field "

# The model: event times in microseconds, the watermark is the highest so
# far less 2 minutes, a reading is late when its minute ended at or before
# the watermark; the rest make one window per patient and minute.
jq -n -r '
    def usec: (.[0:19] + "Z" | fromdateiso8601) * 1000000 +
        (.[20:26] | tonumber);
    foreach (inputs | .event_time | usec) as $t (
        {max: null, n: 0};
        .n += 1 | .t = $t |
        .max = (if .max == null or $t > .max then $t else .max end) |
        .late = ((($t / 60000000 | floor) + 1) * 60000000 <= .max - 120000000);
        if .late then "late \(.n + 3)" else empty end)' silver.ndjson > model.late
jq -r 'select(.reason == "late_reading") | "late \(.line)"' rej.ndjson > agg.late
[ "$(lines model.late)" -gt 10 ] || fail "the faults made too few late readings to test"
diff model.late agg.late || fail "late readings differ from the model"

jq -n '
    def usec: (.[0:19] + "Z" | fromdateiso8601) * 1000000 +
        (.[20:26] | tonumber);
    [inputs | [.patient_id, (.event_time | usec)]] |
    reduce .[] as [$p, $t] ({max: null, keys: {}};
        .max = (if .max == null or $t > .max then $t else .max end) |
        (($t / 60000000 | floor)) as $m |
        if ($m + 1) * 60000000 <= .max - 120000000 then .
        else .keys["\($p) \($m)"] = 1 end) |
    .keys | length' silver.ndjson > model.windows
expect_eq "windows" "$(cat model.windows)" "$out"
