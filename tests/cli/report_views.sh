# vitals-report --view prints the rows of the three BigQuery views, and
# they equal the same SQL run by DuckDB over the Gold table's Parquet
# files (tests/verify/views-duckdb.mjs), now and as of an older version;
# Gold as NDJSON on stdin gives the same rows, and its bad lines are
# rejects that add up.
command -v jq > /dev/null || skip "needs jq"
need_verify

vitals-gen --patients 30 --duration 3h --seed 1 --episodes 1 --truth |
    vitals-clean -q | iforest-score -q | vitals-agg -q > gold.ndjson
rows=$(lines gold.ndjson)
[ "$rows" -gt 5000 ] || fail "too few Gold rows ($rows)"
[ "$(jq -c 'select(.is_anomaly)' gold.ndjson | wc -l)" -gt 0 ] ||
    fail "no anomalous window to count"
delta-commit -q --schema gold --partition-by event_date,patient_id \
    --batch-rows 3000 gold gold.ndjson
# A last window for one patient with no ward: MAX_BY keeps the null of the
# latest row (BigQuery's ANY_VALUE ... HAVING MAX), it does not fall back
# to the ward before.
last=$(jq -s -c 'max_by(.window_end)' gold.ndjson)
echo "$last" | jq -c 'del(.ward) | .window_start = "2026-01-01T03:00:00.000000Z"
    | .window_end = "2026-01-01T03:01:00.000000Z"' > late.ndjson
delta-commit -q gold late.ndjson
v=$(ls gold/_delta_log/*.json | wc -l | tr -d ' ')
v=$((v - 1))
[ "$v" -ge 2 ] || fail "expected several versions, got $v"

for view in patient_risk_scores ward_alert_counts vital_signs_hourly_trend; do
	vitals-report --view $view gold > $view.ndjson 2> err
	expect_grep "^vitals-report: version=$v files=[0-9]* rows=$((rows + 1))\$" err
	node "$TOP/tests/verify/views-duckdb.mjs" gold $view --compare $view.ndjson ||
	    fail "$view differs from DuckDB's"
	vitals-report -q --as-of 0 --view $view -o $view.v0 gold
	node "$TOP/tests/verify/views-duckdb.mjs" gold $view --as-of 0 --compare $view.v0 ||
	    fail "$view as of version 0 differs from DuckDB's"
	cmp -s $view.v0 $view.ndjson && fail "$view: version 0 is the newest"
	# The same rows from NDJSON on stdin, with or without "-".
	delta-cat -q gold | vitals-report -q --view $view > $view.stdin
	cmp -s $view.stdin $view.ndjson || fail "$view: stdin differs from the table"
	delta-cat -q gold | vitals-report -q --view $view - > $view.stdin
	cmp -s $view.stdin $view.ndjson || fail "$view: - differs from the table"
done
pid=$(echo "$last" | jq -r .patient_id)
expect_eq "the null ward of the latest window" \
    "$(jq -r --arg p "$pid" 'select(.patient_id == $p) | .ward // "null"' patient_risk_scores.ndjson)" null
expect_eq "patients" "$(lines patient_risk_scores.ndjson)" \
    "$(jq -r .patient_id gold.ndjson | sort -u | wc -l | tr -d ' ')"
expect_eq "windows" "$(jq -s 'map(.windows) | add' ward_alert_counts.ndjson)" $((rows + 1))

# Bad NDJSON: rejected with a reason, counted, the rest still reported.
{ head -n 100 gold.ndjson; echo 'not json'; echo '{"patient_id":"x"}';
  head -n 1 gold.ndjson | jq -c '.readings = "many"'; echo; } > mixed.ndjson
vitals-report --view ward_alert_counts --rejects rj.ndjson - < mixed.ndjson > w.ndjson 2> err
expect_grep "^vitals-report: in=103 out=100 rejected=3 duplicates=0 blank=1" err
expect_eq "reject reasons" "$(jq -r .reason rj.ndjson | sort | tr '\n' ' ')" \
    "bad_json missing_field schema_mismatch "
expect_eq "windows of the good lines" "$(jq -s 'map(.windows) | add' w.ndjson)" 100

# Usage errors.
expect_status 2 vitals-report --view nonesuch gold 2> /dev/null
expect_status 2 vitals-report --as-of 1 --view ward_alert_counts 2> /dev/null < /dev/null
expect_status 2 vitals-report --rejects x --view ward_alert_counts gold 2> /dev/null
expect_status 2 vitals-report --port 1 gold 2> /dev/null
expect_status 2 vitals-report gold gold 2> /dev/null
expect_status 1 vitals-report --view ward_alert_counts nowhere 2> err
expect_grep "not a Delta table" err
expect_status 1 vitals-report --as-of 99 --view ward_alert_counts gold 2> /dev/null
