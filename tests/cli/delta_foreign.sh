# delta-cat on tables another writer made, in the types our writer does
# not write: byte, short, float, binary and decimal columns read from
# Parquet files that DuckDB wrote, decimal and short partition values
# from the log; each printed as Spark's to_json prints it, and filtered by
# --where.  delta-commit refuses to write such a table.
command -v jq > /dev/null || skip "needs jq"
need_verify
duck() { node "$TOP/tests/verify/duckdb-run.mjs" "$@"; }

mkdir -p t/_delta_log "t/d=1.5/p=7" "t/d=__HIVE_DEFAULT_PARTITION__/p=-2"
duck "COPY (SELECT * FROM (VALUES
    (1::TINYINT, (-2)::SMALLINT, 1.1::FLOAT, '\\x00\\xFFab'::BLOB, 'x', 0.1::FLOAT),
    ((-128)::TINYINT, 32767::SMALLINT, 3.4028235e38::FLOAT, ''::BLOB, 'y', 0.5::FLOAT),
    (NULL, NULL, NULL, NULL, 'z', NULL)) v(b, s, f, bin, str, f2))
    TO 't/d=1.5/p=7/part-0.parquet' (FORMAT parquet)" \
    "COPY (SELECT 127::TINYINT AS b, 5::SMALLINT AS s, (-2.5)::FLOAT AS f,
    'hi'::BLOB AS bin, 'w' AS str, 1e-45::FLOAT AS f2)
    TO 't/d=__HIVE_DEFAULT_PARTITION__/p=-2/part-1.parquet' (FORMAT parquet)" > /dev/null
f=',"nullable":true,"metadata":{}}'
schema="{\"type\":\"struct\",\"fields\":[{\"name\":\"b\",\"type\":\"byte\"$f,{\"name\":\"s\",\"type\":\"short\"$f,{\"name\":\"f\",\"type\":\"float\"$f,{\"name\":\"bin\",\"type\":\"binary\"$f,{\"name\":\"str\",\"type\":\"string\"$f,{\"name\":\"f2\",\"type\":\"float\"$f,{\"name\":\"d\",\"type\":\"decimal(5,2)\"$f,{\"name\":\"p\",\"type\":\"short\"$f]}"
size0=$(wc -c < "t/d=1.5/p=7/part-0.parquet" | tr -d ' ')
size1=$(wc -c < "t/d=__HIVE_DEFAULT_PARTITION__/p=-2/part-1.parquet" | tr -d ' ')
{
	echo '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}'
	jq -nc --arg s "$schema" '{metaData: {id: "foreign", format: {provider: "parquet", options: {}},
	    schemaString: $s, partitionColumns: ["d", "p"], configuration: {}, createdTime: 1}}'
	# Stats as Spark writes them: floats in their own digits.
	jq -nc --argjson n "$size0" '{add: {path: "d=1.5/p=7/part-0.parquet",
	    partitionValues: {d: "1.5", p: "7"}, size: $n, modificationTime: 1, dataChange: true,
	    stats: ({numRecords: 3, minValues: {b: -128, s: -2, f: 1.1, str: "x", f2: 0.1},
	        maxValues: {b: 1, s: 32767, f: 3.4028235e38, str: "z", f2: 0.5},
	        nullCount: {b: 1, s: 1, f: 1, bin: 1, str: 0, f2: 1}} | tojson)}}'
	jq -nc --argjson n "$size1" '{add: {path: "d=__HIVE_DEFAULT_PARTITION__/p=-2/part-1.parquet",
	    partitionValues: {d: null, p: "-2"}, size: $n, modificationTime: 1, dataChange: true,
	    stats: ({numRecords: 1, minValues: {b: 127, s: 5, f: -2.5, str: "w", f2: 1e-45},
	        maxValues: {b: 127, s: 5, f: -2.5, str: "w", f2: 1e-45},
	        nullCount: {b: 0, s: 0, f: 0, bin: 0, str: 0, f2: 0}} | tojson)}}'
} > t/_delta_log/00000000000000000000.json

delta-cat t > out 2> err || { cat err; fail "delta-cat t"; }
expect_grep "^delta-cat: version=0 files=2 rows=4\$" err
# As to_json: numbers, floats in their shortest digits (not those of
# the double they widen to), binary in base64, decimals at their scale,
# nulls left out.
cat > want <<'END'
{"b":1,"s":-2,"f":1.1,"bin":"AP9hYg==","str":"x","f2":0.1,"d":1.50,"p":7}
{"b":-128,"s":32767,"f":3.4028235e+38,"bin":"","str":"y","f2":0.5,"d":1.50,"p":7}
{"str":"z","d":1.50,"p":7}
{"b":127,"s":5,"f":-2.5,"bin":"aGk=","str":"w","f2":1e-45,"p":-2}
END
jq -cS . want > want.canon
jq -cS . out > got.canon
cmp -s got.canon want.canon || { diff got.canon want.canon >&2; fail "rows differ"; }
expect_eq "decimal text" "$(grep -c '"d":1.50,' out)" 3
grep -q '"f":1.100000' out && fail "a float printed as the double it widens to"
# DuckDB reads the same values: its text of a float is its shortest too.
sed -n 's/.*"f":\([^,]*\),"bin":"\([^"]*\)","str":"\([^"]*\)".*/\3 \1 \2/p' out | sort > ours
duck "SELECT str || ' ' || f::VARCHAR || ' ' || base64(bin) AS v FROM 't/*/*/*.parquet'
    WHERE f IS NOT NULL ORDER BY str" | jq -r .v > duck.txt
cmp -s ours duck.txt || { diff ours duck.txt >&2; fail "DuckDB reads other values"; }

# --where on these columns and partitions: the rows jq finds, with the
# files the stats and partition values rule out left unread.
where() {	# PRED JQ FILES_READ
	delta-cat --where "$1" t > w.out 2> w.err || { cat w.err; fail "--where $1"; }
	jq -cS "select($2)" out | sort > w.want
	jq -cS . w.out | sort > w.got
	cmp -s w.got w.want || { diff w.got w.want >&2; fail "--where \"$1\""; }
	expect_eq "--where \"$1\": files read" "$(stat_field files w.err)" "$3"
}
where "b = 1 AND f = 1.1" '.b == 1 and .f == 1.1' 1
where "f > 1e38" '.f != null and .f > 1e38' 1
where "f2 < 0.001" '.f2 != null and .f2 < 0.001' 1
where "f2 = 1e-45" '.f2 == 1e-45' 1
where "s >= 0" '.s != null and .s >= 0' 2
where "b < -100" '.b != null and .b < -100' 1
where "p = 7" '.p == 7' 1
where "p < 0 AND str = 'w'" '.p < 0 and .str == "w"' 1
where "str > 'z'" '.str > "z"' 0
# d is a partition column here: its values decide exactly.
where "d = 1.5" '.d == 1.5' 1
where "d < 1.5" '.d != null and .d < 1.5' 0
expect_status 2 delta-cat --where "bin = 'aGk='" t 2> err
expect_grep "column bin is a binary" err
expect_status 2 delta-cat --where "b = 1.5" t 2> err
expect_grep "column b (byte) is compared with an integer" err

# A decimal partition value the column's scale cannot hold is an error.
sed 's/"d":"1.5"/"d":"1.505"/' t/_delta_log/00000000000000000000.json > log.tmp
cp -r t bad && cp log.tmp bad/_delta_log/00000000000000000000.json
expect_status 1 delta-cat bad 2> err
expect_grep "partition value of d is not a decimal" err

# Decimal data columns as DuckDB stores them: INT32 up to 9 digits,
# INT64 up to 18, FIXED_LEN_BYTE_ARRAY(16) up to 38, scale = precision
# too; 1000 rows, so dictionaries and several pages.  Each value is the
# text DuckDB gives it (exactly scale fraction digits), never rounded.
mkdir -p dec/_delta_log
duck "COPY (SELECT i, (i * 0.37)::DECIMAL(9,2) AS a, (i * -1234567890.12345)::DECIMAL(18,5) AS b,
    (i::HUGEINT * 170141183460469231731687303715884105)::DECIMAL(38,0) AS c,
    ((i % 10) * 0.0999)::DECIMAL(4,4) AS d,
    CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 0.000000000000000000000000000001)::DECIMAL(38,37) END AS e
    FROM range(-500, 500) r(i)) TO 'dec/part-0.parquet' (FORMAT parquet)" > /dev/null
dschema="{\"type\":\"struct\",\"fields\":[{\"name\":\"i\",\"type\":\"long\"$f,{\"name\":\"a\",\"type\":\"decimal(9,2)\"$f,{\"name\":\"b\",\"type\":\"decimal(18,5)\"$f,{\"name\":\"c\",\"type\":\"decimal(38,0)\"$f,{\"name\":\"d\",\"type\":\"decimal(4,4)\"$f,{\"name\":\"e\",\"type\":\"decimal(38,37)\"$f]}"
{
	echo '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}'
	jq -nc --arg s "$dschema" '{metaData: {id: "dec", format: {provider: "parquet", options: {}},
	    schemaString: $s, partitionColumns: [], configuration: {}, createdTime: 1}}'
	jq -nc --argjson n "$(wc -c < dec/part-0.parquet | tr -d ' ')" '{add: {path: "part-0.parquet",
	    partitionValues: {}, size: $n, modificationTime: 1, dataChange: true,
	    stats: ({numRecords: 1000, minValues: {i: -500, a: -185.00, d: 0.0000},
	        maxValues: {i: 499, a: 184.63, d: 0.8991}, nullCount: {i: 0, e: 143}} | tojson)}}'
} > dec/_delta_log/00000000000000000000.json
delta-cat dec > out 2> err || { cat err; fail "delta-cat dec"; }
expect_grep "files=1 rows=1000\$" err
# Every field's text as delta-cat printed it, against DuckDB's (which
# has no digit before the point when scale = precision: Spark's has).
perl -ne 'while (/"(\w+)":(-?[0-9.]+)/g) { print "$1=$2\n" }' out > ours
duck "SELECT x FROM (SELECT i, unnest(['i=' || i, 'a=' || a::VARCHAR, 'b=' || b::VARCHAR,
    'c=' || c::VARCHAR, 'd=' || regexp_replace(d::VARCHAR, '^(-?)[.]', '\\10.'),
    'e=' || e::VARCHAR]) AS x
    FROM 'dec/part-0.parquet') WHERE x IS NOT NULL ORDER BY i" | jq -r .x > duck.txt
cmp -s ours duck.txt || { diff ours duck.txt | head >&2; fail "decimals: DuckDB reads other values"; }
expect_eq "decimal values" "$(lines ours)" $((6 * 1000 - 143))
expect_grep '^{"i":-1,"a":-0.37,"b":1234567890.12345,"c":-170141183460469231731687303715884105,"d":-0.0999,"e":-0.0000000000000000000000000000010000000}$' out
expect_grep '^{"i":0,"a":0.00,"b":0.00000,"c":0,"d":0.0000}$' out
# Other columns' statistics still prune beside the decimals'.
delta-cat --where "i > 499" dec > w.out 2> w.err
expect_grep "files=0 skipped=1 rows=0\$" w.err
# Decimals compare exactly: the rows DuckDB selects by the same
# predicate, at 38 digits too.
delta-cat -q --where "a >= 100.5 AND c > 0 AND b <= -123456789012.3456" dec | jq -r .i > w.ours
duck "SELECT i FROM 'dec/part-0.parquet' WHERE a >= 100.5 AND c > 0 AND b <= -123456789012.3456
    ORDER BY i" | jq -r .i > w.duck
[ "$(lines w.duck)" -gt 0 ] || fail "decimal --where: DuckDB selects no row"
cmp -s w.ours w.duck || { diff w.ours w.duck | head >&2; fail "decimal --where: other rows than DuckDB's"; }
delta-cat -q --where "c = 170141183460469231731687303715884105" dec | jq -r .i > w.ours
expect_eq "decimal(38,0) equality" "$(cat w.ours)" 1
# A decimal inside a struct is a number, as Spark's to_json prints it.
mkdir -p sdec/_delta_log
duck "COPY (SELECT i, {'x': (i * 0.25)::DECIMAL(9,2), 'y': 'v' || i} AS s FROM range(0, 3) r(i))
    TO 'sdec/part-0.parquet' (FORMAT parquet)" > /dev/null
sschema="{\"type\":\"struct\",\"fields\":[{\"name\":\"i\",\"type\":\"long\"$f,{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"decimal(9,2)\"$f,{\"name\":\"y\",\"type\":\"string\"$f]}$f]}"
{
	echo '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}'
	jq -nc --arg s "$sschema" '{metaData: {id: "sdec", format: {provider: "parquet", options: {}},
	    schemaString: $s, partitionColumns: [], configuration: {}, createdTime: 1}}'
	jq -nc --argjson n "$(wc -c < sdec/part-0.parquet | tr -d ' ')" '{add: {path: "part-0.parquet",
	    partitionValues: {}, size: $n, modificationTime: 1, dataChange: true}}'
} > sdec/_delta_log/00000000000000000000.json
delta-cat -q sdec > out 2> err || { cat err; fail "delta-cat sdec"; }
expect_grep '^{"i":1,"s":{"x":0.25,"y":"v1"}}$' out
expect_grep '^{"i":2,"s":{"x":0.50,"y":"v2"}}$' out
# A column typeWidening made wider than its older files: their values at
# the table's scale.  One whose integral digits are fewer than a file's
# is refused.
sed 's/decimal(9,2)/decimal(12,4)/' dec/_delta_log/00000000000000000000.json > log.tmp
cp -r dec wide && cp log.tmp wide/_delta_log/00000000000000000000.json
delta-cat wide > out 2> err || { cat err; fail "delta-cat wide"; }
expect_grep '^{"i":-1,"a":-0.3700,"b":1234567890.12345,' out
sed 's/decimal(9,2)/decimal(9,3)/' dec/_delta_log/00000000000000000000.json > log.tmp
cp -r dec dec3 && cp log.tmp dec3/_delta_log/00000000000000000000.json
expect_status 1 delta-cat dec3 2> err
expect_grep "column a is DECIMAL(9,2), which does not hold the table's decimal(9,3)" err

# Read, never written: delta-commit refuses the table and such a schema.
echo '{"b":1,"str":"q","p":1}' > row.ndjson
expect_status 1 delta-commit t row.ndjson 2> err
expect_grep "column b is a byte: tables with it can be read, not written" err
echo "$schema" > foreign.json
expect_status 1 delta-commit --schema ./foreign.json new row.ndjson 2> err
expect_grep "column b is a byte: tables with it can be read, not written" err
[ ! -d new/_delta_log ] || fail "a table was created with a read-only type"
