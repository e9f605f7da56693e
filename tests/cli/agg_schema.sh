# Every Gold row is valid against schemas/gold.json: exactly the schema's
# columns in its order, required columns never null, every value of its
# column's type; and the windows are what the options say.  The stream
# has episodes, faults, (made up here) anomaly scores and, for most
# patients, Kafka positions, so that every column is seen both null and
# not.

vitals-gen --seed 11 --patients 30 --duration 2h --episodes 6 --faults 0.03 |
    vitals-clean -q |
    jq -c 'if .heart_rate != null and .heart_rate % 7 != 0
        then .anomaly_score = .heart_rate / 250 | .is_anomaly = (.anomaly_score > 0.4) |
            .alert = (.anomaly_score > 0.45) |
            .alert_reason = (if .alert then "iforest: heart_rate high" else null end)
        else . end |
        ((.patient_id | explode | add) % 4) as $p |
        if $p < 3 then .topic = "vitals" | .partition = $p |
            .offset = input_line_number else . end' > silver.ndjson
# A patient whose one reading carries nothing but its keys: every
# nullable column of its row is null.
tail -n 1 silver.ndjson | jq -c '{patient_id: "zz-empty", event_time}' >> silver.ndjson
vitals-agg -q --window 5m silver.ndjson > gold.ndjson
[ "$(lines gold.ndjson)" -gt 100 ] || fail "too few rows to judge"

jq -n -r --slurpfile s "$TOP/schemas/gold.json" '
    ($s[0].fields) as $f |
    def ok($t; $v):
        if $t == "string" then $v | type == "string"
        elif $t == "timestamp" then ($v | type == "string") and
            ($v | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$"))
        elif $t == "date" then ($v | type == "string") and
            ($v | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
        elif $t == "integer" then ($v | type == "number") and ($v | floor == .) and
            $v >= -2147483648 and $v <= 2147483647
        elif $t == "long" then ($v | type == "number") and ($v | floor == .)
        elif $t == "double" then $v | type == "number"
        elif $t == "boolean" then $v | type == "boolean"
        else false end;
    inputs | . as $row |
    (if (keys_unsorted) != ($f | map(.name)) then
        "columns differ: \(keys_unsorted)" else empty end),
    ($f[] | . as $c | $row[$c.name] as $v |
        if $v == null then
            (if $c.nullable then empty else "\($c.name) is null" end)
        elif ok($c.type; $v) | not then
            "\($c.name): \($v) is not a \($c.type)"
        else empty end)' gold.ndjson > problems
[ ! -s problems ] || { head problems >&2; fail "rows not valid against gold.json"; }

# Each nullable column is null somewhere and set somewhere, so both were
# checked; each row is a 5-minute window on its own date.
for c in $(jq -r '.fields[] | select(.nullable) | .name' "$TOP/schemas/gold.json"); do
	[ "$(jq "select(.$c == null)" gold.ndjson | head -c 1)" ] || fail "$c is never null"
	[ "$(jq "select(.$c != null)" gold.ndjson | head -c 1)" ] || fail "$c is always null"
done
expect_eq "window bounds" "$(jq -r '
    def usec: (.[0:19] + "Z" | fromdateiso8601) * 1000000 + (.[20:26] | tonumber);
    select((.window_end | usec) - (.window_start | usec) != 300000000 or
        (.window_start | usec) % 300000000 != 0 or
        .event_date != .window_start[0:10] or
        .is_anomaly != (.anomalous_readings > 0) or
        .readings < 1)' gold.ndjson | head -c 300)" ""
# Emission order, within each source: by window end, then patient_id
# (bytewise).
for p in 0 1 2 null; do
	jq -r "select(.partition == $p) | [.window_end, .patient_id] | @tsv" \
	    gold.ndjson > order
	[ -s order ] || fail "no rows from partition $p"
	LC_ALL=C sort -c order ||
	    fail "rows of partition $p are not in (window_end, patient_id) order"
done
