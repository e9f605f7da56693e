# delta-commit --merge-schema: a Silver table made before Silver had
# alert and alert_reason takes them in the first commit's metaData (same
# table id, partitioning and configuration); without the option the
# append is refused, saying the option would add them.  Rows written
# before read back with the new columns null, by delta-cat and by DuckDB
# through tests/verify/delta-check (which also checks the checkpoint
# written after); dropping, retyping or adding a non-null column is still
# refused.
need_verify
command -v jq > /dev/null || skip "needs jq"

jq 'del(.fields[] | select(.name == "alert" or .name == "alert_reason"))' \
    "$TOP/schemas/silver.json" > old.json
vitals-gen --patients 6 -d 1h --seed 3 --episodes 12 | vitals-clean -q | iforest-score -q > s.ndjson
head -n 2000 s.ndjson | jq -c 'del(.alert, .alert_reason)' > a.ndjson
tail -n +2001 s.ndjson > b.ndjson
grep -q '"alert":true' b.ndjson || fail "no alert in the appended rows: the test proves little"
delta-commit -q --schema "$PWD/old.json" t a.ndjson
id=$(jq -r 'select(.metaData) | .metaData.id' t/_delta_log/00000000000000000000.json)

expect_status 1 delta-commit -q --schema silver t b.ndjson 2> err
expect_grep "column 42 is alert.*--merge-schema adds the new nullable columns" err
delta-commit -q --merge-schema --schema silver --checkpoint-interval 1 t b.ndjson
jq -c 'select(.metaData) | .metaData | [.id, .partitionColumns, (.schemaString | fromjson | [.fields[].name] | index("alert_reason") != null)]' \
    t/_delta_log/00000000000000000001.json > md
expect_eq "the new metaData" "$(cat md)" "[\"$id\",[\"event_date\"],true]"
[ -f t/_delta_log/00000000000000000001.checkpoint.parquet ] || fail "no checkpoint after the merge"

(jq -c '. + {alert: null, alert_reason: null}' a.ndjson; cat b.ndjson) > want.ndjson
delta_check -q t --rows want.ndjson || fail "delta-check disagrees"
expect_eq "old rows: alert null" "$(delta-cat -q t | jq -c 'select(.alert == null)' | wc -l)" 2000
expect_eq "new rows: alert set" "$(delta-cat -q t | jq -c 'select(.alert != null)' | wc -l)" "$(lines b.ndjson)"
# Appends after the merge need no option.
delta-commit -q --schema silver t b.ndjson

# Not an addition of nullable columns: refused, the option or not.
jq '.fields |= map(select(.name != "truth"))' "$TOP/schemas/silver.json" > dropped.json
jq '(.fields[] | select(.name == "alert") | .type) = "string"' "$TOP/schemas/silver.json" > retyped.json
jq '.fields += [{"name":"extra","type":"long","nullable":false,"metadata":{}}]' "$TOP/schemas/silver.json" > nonnull.json
for s in dropped retyped nonnull; do
	expect_status 1 delta-commit -q --merge-schema --schema "$PWD/$s.json" t b.ndjson 2> err
	expect_grep "schema differs from the one given" err
	grep -q "merge-schema adds" err && fail "$s: --merge-schema offered for a change it cannot make"
done
expect_eq "rows after the refusals" "$(delta-cat -q t | wc -l)" $((2000 + 2 * $(lines b.ndjson)))

# Gold too: its three alert columns are nullable, so a Gold table made
# before them takes them the same way.
jq 'del(.fields[] | select(.name == "alert" or .name == "alert_reason" or .name == "alerting_readings"))' \
    "$TOP/schemas/gold.json" > oldgold.json
vitals-agg -q --flush s.ndjson > gold.ndjson
jq -c 'del(.alert, .alert_reason, .alerting_readings)' gold.ndjson > gold0.ndjson
delta-commit -q --schema "$PWD/oldgold.json" g gold0.ndjson
delta-commit -q --merge-schema --schema gold g gold.ndjson
(jq -c '. + {alert: null, alert_reason: null, alerting_readings: null}' gold0.ndjson; cat gold.ndjson) > gwant.ndjson
delta_check -q g --rows gwant.ndjson || fail "delta-check disagrees on Gold"
