# delta-commit compares the schema it is given with the table's by
# names, types and nullability, never by the columns' comments: a Bronze
# table written under other comments takes the builtin schema's appends
# (a documentation edit in schemas/ locks no table out), while a type or
# a nullability changed is still refused, saying which column.
envelope() {	# OFFSET: a Bronze envelope
	printf '{"topic":"t","partition":0,"offset":%s,"key":"p","value":"{}","kafka_timestamp":"2026-01-01T00:00:00.000Z","ingest_time":"2026-01-01T00:00:01.000Z","event_date":"2026-01-01"}\n' "$1"
}
envelope 1 > one.ndjson
envelope 2 > two.ndjson
envelope 3 > three.ndjson
bronze=$TOP/schemas/bronze.json
jq '.fields[].metadata.comment |= "an older comment"' "$bronze" > old.json
jq '(.fields[] | select(.name == "offset") | .type) = "integer"' "$bronze" > int.json
jq '(.fields[] | select(.name == "topic") | .nullable) = true' "$bronze" > null.json
jq -e '[.fields[].metadata.comment] | unique == ["an older comment"]' old.json > /dev/null ||
    fail "old.json has other comments"

delta-commit -q --schema "$PWD/old.json" t one.ndjson
delta-commit -q --schema bronze t two.ndjson
expect_eq "rows after the builtin schema's append" "$(delta-cat -q t | wc -l)" 2
# The table keeps the schema it was created with, comments and all.
jq -r 'select(.metaData) | .metaData.schemaString' t/_delta_log/*.json |
    jq -e '[.fields[].metadata.comment] | unique == ["an older comment"]' > /dev/null ||
    fail "the table's comments changed"

expect_status 1 delta-commit -q --schema "$PWD/int.json" t three.ndjson 2> err
expect_grep "schema differs from the one given: column offset is non-null integer, the table's is non-null long" err
expect_status 1 delta-commit -q --schema "$PWD/null.json" t three.ndjson 2> err
expect_grep "column topic is string, the table's is non-null string" err
expect_eq "rows after the refusals" "$(delta-cat -q t | wc -l)" 2
