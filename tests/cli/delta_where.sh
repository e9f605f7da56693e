# delta-cat --where: the rows it prints are exactly the rows of the whole
# table that satisfy the predicate (checked against jq over the full
# output, and against DuckDB over the live files), whatever it skipped;
# and it skips: partitions, files whose min/max rule the value out (a
# one-patient read of a table sorted by patient opens a few files),
# files whose column is all null, with string bounds cut to 32
# characters.  A bad predicate is a usage error.
command -v jq > /dev/null || skip "needs jq"

# 20 patients over two hours across midnight: two event_date partitions.
vitals-gen --patients 20 -d 2h --seed 3 --start 2026-01-01T23:00:00Z |
    vitals-clean -q > silver.ndjson
rows=$(lines silver.ndjson)
[ "$rows" -gt 20000 ] || fail "too few test rows ($rows)"

# As streamed (rows in time order), and sorted by patient as a
# compaction that clusters by patient leaves it: files separate
# patients.  Commits of 500 rows, a file per partition each.
delta-commit -q --schema silver --batch-rows 500 --partition-by event_date \
    stream silver.ndjson
sort silver.ndjson | delta-commit -q --schema silver --batch-rows 500 \
    --partition-by event_date sorted
# Gold's layout, a partition per day and patient; and a table with rows
# in the null partition (ward, since a patient is never null).
head -n 4000 silver.ndjson | delta-commit -q --schema silver --batch-rows 1000 \
    --partition-by event_date,patient_id bypatient
{ head -n 3000 silver.ndjson; head -n 30 silver.ndjson | jq -c 'del(.ward)'; } |
    delta-commit -q --schema silver --batch-rows 1000 --partition-by ward byward
[ -d byward/ward=__HIVE_DEFAULT_PARTITION__ ] || fail "no null ward partition"

p1=$(jq -r .patient_id silver.ndjson | sort | sed -n 1p)
p7=$(jq -r .patient_id silver.ndjson | sort -u | sed -n 7p)
[ ${#p1} -gt 32 ] || fail "patient ids are not longer than the string bounds"

# check TABLE PREDICATE JQ: delta-cat --where PREDICATE against the whole
# table filtered by jq 'select(JQ)'; leaves the output in where.out, the
# summary in where.err and the files skipped in $skipped, read in $read.
n=0
check() {
	n=$((n + 1))
	[ -f "all.$1" ] || delta-cat -q "$1" > "all.$1"
	jq -c "select($3)" "all.$1" | sort > want.out
	delta-cat --where "$2" "$1" > where.out 2> where.err ||
	    { cat where.err >&2; fail "$1: --where \"$2\" failed"; }
	jq -c . where.out | sort > got.out
	cmp -s got.out want.out || { diff got.out want.out | head -n 4 >&2;
	    fail "$1: --where \"$2\": $(lines got.out) rows, jq finds $(lines want.out)"; }
	expect_grep "^delta-cat: version=[0-9]* files=[0-9]* skipped=[0-9]* rows=$(lines want.out)\$" where.err
	skipped=$(stat_field skipped where.err)
	read=$(stat_field files where.err)
	[ -f "files.$1" ] || delta-cat --files "$1" > "files.$1"
	total=$(lines "files.$1")
	expect_eq "$1: --where \"$2\": files read and skipped" $((read + skipped)) "$total"
	# --files --where names the files it would read.
	expect_eq "$1: --files --where \"$2\"" \
	    "$(delta-cat --files --where "$2" "$1" | wc -l | tr -d ' ')" "$read"
	cp where.out "got.$n.ndjson"
	printf '%s\t%s\t%s\n' "$1" "$2" "got.$n.ndjson" >> duck.list
}
: > duck.list

# One patient: in the sorted table a few files hold it, and the string
# bounds (cut to 32 of the id's 36 characters) still find all its rows.
check sorted "patient_id = '$p1'" ".patient_id == \"$p1\""
[ "$skipped" -gt 0 ] && [ "$read" -le $(( (read + skipped) / 5 )) ] ||
    fail "sorted: one patient read $read files and skipped $skipped"
[ "$(lines where.out)" -gt 1000 ] || fail "sorted: too few rows for one patient"
check sorted "patient_id = '$p7' AND event_time >= '2026-01-02T00:30:00Z'" \
    ".patient_id == \"$p7\" and .event_time >= \"2026-01-02T00:30:00.000000Z\""
[ "$skipped" -gt 0 ] || fail "sorted: one patient after 00:30 skipped nothing"
check sorted "patient_id > '$p7'" ".patient_id > \"$p7\""
check sorted "patient_id <= '$p7'" ".patient_id <= \"$p7\""
# As streamed, every file holds every patient: nothing to skip, and the
# rows are still exactly the patient's.
check stream "patient_id = '$p1'" ".patient_id == \"$p1\""
# Time: files of the stream are cut by event_time.
check stream "event_time >= '2026-01-02T00:30:00Z'" \
    ".event_time >= \"2026-01-02T00:30:00.000000Z\""
[ "$skipped" -gt 0 ] || fail "stream: a late time range skipped nothing"
check stream "event_time < '2026-01-01T23:10:00.5Z' AND heart_rate >= 85" \
    ".event_time < \"2026-01-01T23:10:00.500000Z\" and .heart_rate != null and .heart_rate >= 85"
[ "$skipped" -gt 0 ] || fail "stream: an early time range skipped nothing"
# The partition column.
check stream "event_date = '2026-01-02'" '.event_date == "2026-01-02"'
expect_eq "files of one day" "$read" "$(delta-cat --files stream | grep -c 'event_date":"2026-01-02')"
check stream "event_date < '2026-01-02' AND spo2 < 96.5 AND ward = 'cardiology'" \
    '.event_date < "2026-01-02" and .spo2 != null and .spo2 < 96.5 and .ward == "cardiology"'
check stream "news2_score >= 3 AND alert_tachycardia = true" \
    '.news2_score != null and .news2_score >= 3 and .alert_tachycardia == true'
check stream "heart_rate > 300" '.heart_rate != null and .heart_rate > 300'
expect_eq "heart rate above 300: files read" "$read" 0
# age is null in every row (no roster): every file is skipped by its
# null count.
check stream "age >= 0" '.age != null and .age >= 0'
expect_eq "all-null column: files read" "$read" 0
# Partitions decide exactly; the null partition matches no comparison.
check bypatient "patient_id = '$p1'" ".patient_id == \"$p1\""
expect_eq "bypatient: files read for one patient" "$read" \
    "$(delta-cat --files bypatient | grep -c "$p1")"
check bypatient "event_date = '2026-01-01' AND patient_id < '$p7'" \
    ".event_date == \"2026-01-01\" and .patient_id < \"$p7\""
check byward "ward >= ''" '.ward != null'
expect_eq "byward: the null partition skipped" "$skipped" 1
check byward "ward = 'cardiology'" '.ward == "cardiology"'
# As of an older version.
delta-cat --as-of 3 --where "patient_id = '$p1'" sorted > old.out 2> old.err
delta-cat -q --as-of 3 sorted | jq -c "select(.patient_id == \"$p1\")" | sort > old.want
jq -c . old.out | sort | cmp -s - old.want || fail "--as-of 3 --where differs"

# Strings past the 32 characters the bounds keep: the maximum is the
# prefix and a tie-breaker, DEL or U+10FFFF.  A file of each kind.
d=$(printf '%032d' 0 | tr 0 d)
hi=$(printf '\364\217\277\277')
i=0
for suffix in a b '~' '~~' "$(printf '\303\251')" "${hi}zz" "$hi"; do
	i=$((i + 1))
	head -n 50 silver.ndjson | jq -c --arg v "$d$suffix" '.device_id = $v' |
	    delta-commit -q --schema silver long
done
head -n 50 silver.ndjson | jq -c '.device_id = "cc"' | delta-commit -q --schema silver long
delta-cat --files long | jq -r '.add.stats | fromjson | .maxValues.device_id' | grep -q "^$d$hi\$" ||
    fail "no file with a U+10FFFF maximum"
check long "device_id = '$d${hi}zz'" ".device_id == \"$d${hi}zz\""
expect_eq "a value above its file's maximum" "$(lines where.out)" 50
check long "device_id > '$d$hi'" ".device_id > \"$d$hi\""
check long "device_id = '${d}b'" ".device_id == \"${d}b\""
[ "$skipped" -gt 0 ] || fail "long: skipped nothing"
check long "device_id >= '$d~'" ".device_id >= \"$d~\""
check long "device_id < '$d'" ".device_id < \"$d\""
check long "device_id = 'cc'" '.device_id == "cc"'
expect_eq "long: files read for a short string" "$read" 1

# Usage errors: nothing printed, exit 2, a message that says what.
expect_status 2 delta-cat --where "patient = 'x'" sorted > out 2> err
expect_grep "delta-cat: --where: at character 1: no column patient in the table" err
[ ! -s out ] || fail "rows printed after a usage error"
expect_status 2 delta-cat --where "heart_rate > 'high'" sorted > out 2> err
expect_grep "column heart_rate (integer) is compared with an integer" err
expect_status 2 delta-cat --where "heart_rate > 90 OR spo2 < 92" sorted 2> err
expect_grep "at character 17: OR is not supported" err
expect_status 2 delta-cat --where "heart_rate > 90 AND" sorted 2> err
expect_grep "at character 20: the predicate ends" err
expect_status 2 delta-cat --where "" sorted 2> err
expect_grep "the predicate is empty" err
expect_status 2 delta-cat --where "truth = 'x'" sorted 2> err
expect_grep "column truth is a struct" err
expect_status 2 delta-cat --where 2> /dev/null
# A table that is not there is not a usage error.
expect_status 1 delta-cat --where "patient_id = 'x'" nowhere 2> err
expect_grep "not a Delta table" err

# DuckDB, the same predicates as SQL over the live files.
need_verify
for t in sorted stream bypatient byward long; do
	set --
	while IFS='	' read -r table pred got; do
		[ "$table" = "$t" ] && set -- "$@" "$pred" "$got"
	done < duck.list
	node "$TOP/tests/verify/delta-where.mjs" "$t" "$@" > duck.out ||
	    { cat duck.out; fail "$t: DuckDB disagrees"; }
done
[ "$(grep -c 'the same as DuckDB' duck.out)" -gt 0 ] || fail "DuckDB compared nothing"
