# parquet_readers: the Parquet writer's sample files (every type, nulls, all
# codecs, dictionary and PLAIN pages, dictionary fallback, several row
# groups, small pages, a nested optional struct, a checkpoint-shaped file
# with maps and lists, Silver rows, no rows) read back by three independent
# readers and checked value by value against the rows that were written
# (tests/verify/parquet-check.mjs).  Then damaged copies, which readers
# accept silently, must make the checker fail.

top=$(cd "$BIN/../.." && pwd)
verify=$top/tests/verify
unit=$(cd "$BIN/.." && pwd)/tests/test_parquet

command -v node >/dev/null 2>&1 ||
	skip "node is not installed (tests/verify needs it)"
[ -d "$verify/node_modules" ] ||
	skip "tests/verify/node_modules is missing: run 'npm ci --no-audit --no-fund' in tests/verify"
[ -x "$unit" ] ||
	skip "$unit is not built: run 'make unit' first"

VL_PARQUET_OUT=$T/out "$unit" >unit.log 2>&1 ||
	{ cat unit.log >&2; fail "test_parquet failed while writing the samples"; }

set --
for f in out/*.parquet; do
	set -- "$@" "$f" --rows "${f%.parquet}.ndjson"
done
expect_eq "sample files" "$(($# / 3))" 9
node "$verify/parquet-check.mjs" "$@" >check.log 2>&1 ||
	{ cat check.log >&2; fail "parquet-check found problems in the samples"; }
expect_grep "parquet-check: 9 passed, 0 failed" check.log
expect_grep "hyparquet, duckdb and parquet-wasm read every row and agree value by value" check.log

# Each damage: mode, sample, column.
while read -r mode sample column; do
	node "$verify/corrupt.mjs" "$mode" "out/$sample.parquet" bad.parquet \
	    $column || fail "corrupt.mjs $mode failed"
	node "$verify/parquet-check.mjs" -q bad.parquet \
	    --rows "out/$sample.ndjson" >bad.log 2>&1 && rc=0 || rc=$?
	[ "$rc" = 1 ] || { cat bad.log >&2; fail "$mode on $sample: parquet-check exited $rc, expected 1"; }
	expect_grep "^FAIL bad.parquet" bad.log
done <<EOF
num-rows types-zstd
plain-value types-none i64
page-byte types-zstd s
page-byte types-gzip dbl
stat-max silver patient_id
stat-max types-snappy i32
page-byte checkpoint add.partitionValues.key_value.value
EOF

# A wrong expected row is a failure too.
sed '3s/"i64":[^,]*/"i64":"123"/' out/types-zstd.ndjson >wrong.ndjson
node "$verify/parquet-check.mjs" -q out/types-zstd.parquet --rows wrong.ndjson \
    >wrong.log 2>&1 && fail "a wrong expected row was not noticed"
expect_grep "row 2, i64: 123n" wrong.log
