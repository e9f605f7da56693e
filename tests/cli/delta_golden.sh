# delta-cat on the Delta project's golden tables (../shared/delta-golden,
# written by Spark): every row of those it reads, --where on their
# partition values and statistics (Spark's timestamps with a UTC offset),
# every primitive type, decimals included, as DuckDB reads the same file.
need_shared delta-golden
command -v jq > /dev/null || skip "needs jq"
g=$SHARED/delta-golden

# Partition values escaped on disk, read back from the log.
delta-cat "$g/data-reader-escaped-chars" > out 2> err
expect_eq "escaped-chars rows" "$(lines out)" 3
delta-cat --where "_2 = 'bar+%22'" "$g/data-reader-escaped-chars" > out 2> err
expect_eq "one partition" "$(jq -r ._1 out)" foo2
expect_grep "files=1 skipped=2 rows=1\$" err
delta-cat --where "_2 >= 'bar+%22' AND _1 < 'foo3'" "$g/data-reader-escaped-chars" > out 2> err
expect_eq "a range of partitions and a column" "$(jq -r ._1 out)" foo2

# A timestamp partition column, in Spark's ISO 8601 partition values.
delta-cat "$g/kernel-timestamp-partition-col-ISO8601" > all 2> err
expect_eq "timestamp partitions" "$(lines all)" 2
delta-cat --where "ts = '2024-01-02T12:30:00Z'" "$g/kernel-timestamp-partition-col-ISO8601" > out 2> err
expect_eq "one timestamp" "$(jq -r .str out)" "2024-01-02 12:30:00"
expect_grep "files=1 skipped=1 rows=1\$" err
delta-cat --where "ts > '2024-01-01T10:00:00+01:00' AND ts < '2024-01-02'" \
    "$g/kernel-timestamp-partition-col-ISO8601" > out 2> err
expect_eq "an offset in the literal" "$(jq -r .str out)" "2024-01-01 10:00:00"

# Every primitive type, the decimal(1,0) that Spark stores in an INT32
# included: the table read whole, byte for byte as DuckDB reads its live
# file, each value in Spark's to_json text (its one row is in the log's
# statistics too: numRecords 1, min = max).
t=$g/data-skipping-basic-stats-all-types
delta-cat "$t" > all 2> err || { cat err; fail "delta-cat all-types"; }
expect_grep "files=1 rows=1\$" err
if command -v node > /dev/null && [ -d "$TOP/tests/verify/node_modules/@duckdb" ]; then
	live=$(jq -r 'select(.add) | .add.path' "$t"/_delta_log/00000000000000000000.json)
	node "$TOP/tests/verify/duckdb-run.mjs" "SELECT '{\"as_int\":' || as_int || ',\"as_long\":' || as_long ||
	    ',\"as_byte\":' || as_byte || ',\"as_short\":' || as_short || ',\"as_float\":' || as_float ||
	    ',\"as_double\":' || as_double || ',\"as_string\":' || to_json(as_string) ||
	    ',\"as_date\":\"' || as_date || '\",\"as_timestamp\":\"' ||
	    strftime(as_timestamp, '%Y-%m-%dT%H:%M:%S.%fZ') || '\",\"as_big_decimal\":' ||
	    as_big_decimal::VARCHAR || '}' AS j FROM '$t/$live'" | jq -r .j > duck.ndjson
	cmp -s all duck.ndjson || { diff all duck.ndjson >&2; fail "all-types: DuckDB reads other values"; }
fi
jq -r 'select(.add) | .add.stats | fromjson | .maxValues.as_big_decimal' \
    "$t"/_delta_log/00000000000000000000.json > spark.dec
expect_eq "the decimal Spark wrote" "$(jq -c .as_big_decimal all)" "$(cat spark.dec)"
expect_grep '"as_big_decimal":0}$' all
# The statistics prune, timestamps with Spark's -08:00 included.
for pred in "as_int > 0" "as_byte < 0" "as_short >= 1" "as_float > 0.5" \
    "as_double < -1" "as_string > '0'" "as_date = '2000-01-02'" \
    "as_timestamp < '2000-01-01T08:00:00Z'" "as_timestamp > '2000-01-01T00:00:00.001-08:00'"; do
	delta-cat --where "$pred" "$t" > out 2> err || { cat err; fail "--where $pred"; }
	[ ! -s out ] || fail "--where $pred: rows"
	expect_grep "files=0 skipped=1 rows=0\$" err
done
delta-cat --where "as_timestamp = '2000-01-01T08:00:00Z'" "$t" > out 2> err
cmp -s out all || fail "--where on the timestamp: not the row"
expect_grep "files=1 skipped=0 rows=1\$" err
# Decimal columns compare exactly; the log's statistics of a decimal are
# JSON numbers that jansson would round, so no file is pruned by one.
delta-cat --where "as_big_decimal = 0" "$t" > out 2> err
cmp -s out all || fail "--where on the decimal: not the row"
expect_grep "files=1 skipped=0 rows=1\$" err
delta-cat --where "as_big_decimal > 0" "$t" > out 2> err
expect_eq "--where as_big_decimal > 0" "$(lines out)" 0
expect_grep "files=1 skipped=0 rows=0\$" err
expect_status 2 delta-cat --where "as_big_decimal = 0.5" "$t" 2> err
expect_grep "0.5 is not a decimal(1,0) value for column as_big_decimal" err
# Appending to it is refused.
cp -r "$t" copy
echo '{"as_int":1}' | expect_status 1 delta-commit copy 2> err
expect_grep "column as_byte is a byte: tables with it can be read, not written" err
