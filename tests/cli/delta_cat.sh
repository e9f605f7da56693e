# delta-cat reads back what delta-commit wrote: every input row exactly
# once (as a multiset), as of older versions too, through checkpoints, a
# log whose early commits were cleaned up, and damaged checkpoint files;
# hostile and typed partition values come back from the log.
command -v jq > /dev/null || skip "needs jq"

vitals-gen --patients 40 --duration 30m --episodes 4 --faults 0.02 --truth --seed 7 \
    | vitals-clean -q --now 2026-06-01T00:00:00Z > silver.ndjson
rows=$(lines silver.ndjson)
[ "$rows" -gt 12000 ] || fail "too few test rows ($rows)"

# Rows as sorted canonical JSON without nulls: a table does not tell an
# absent field from a null one, and delta-cat leaves nulls out.
canon() { jq -cS 'del(.. | nulls)' "$@" | sort; }
same_rows() {	# WHAT GOT WANT
	canon "$2" > got.canon
	canon "$3" > want.canon
	cmp -s got.canon want.canon || { diff got.canon want.canon | head -n 6 >&2;
	    fail "$1: the rows differ"; }
}

# Five commits of 3000 rows; checkpoints at versions 2 and 4.
delta-commit -q --batch-rows 3000 --checkpoint-interval 2 silver silver.ndjson
[ -f silver/_delta_log/00000000000000000004.checkpoint.parquet ] || fail "no checkpoint at 4"
[ -f silver/_delta_log/00000000000000000002.checkpoint.parquet ] || fail "no checkpoint at 2"

delta-cat silver > out 2> err
same_rows "newest version" out silver.ndjson
expect_eq "row count" "$(lines out)" "$rows"
delta-cat --files silver > files.ndjson
nfiles=$(lines files.ndjson)
expect_grep "^delta-cat: version=4 files=$nfiles rows=$rows\$" err
# Each live add once, naming a file that is there with its size.
expect_eq "distinct paths" "$(jq -r .add.path files.ndjson | sort -u | wc -l | tr -d ' ')" "$nfiles"
jq -r '.add | "\(.path) \(.size)"' files.ndjson | while read -r p size; do
	[ "$(wc -c < "silver/$p" | tr -d ' ')" = "$size" ] || fail "$p: size is not $size"
done
expect_eq "numRecords" "$(jq -r '.add.stats | fromjson | .numRecords' files.ndjson |
    awk '{ n += $1 } END { print n }')" "$rows"

# Printed as vitals-clean prints: the same text for every row whose only
# null is truth (field order, numbers, timestamps, dates).
grep '"truth":null}$' silver.ndjson | sed 's/,"truth":null}$/}/' | sort > want.text
grep -v '"truth":' out | sort > got.text
[ "$(lines want.text)" -gt 10000 ] || fail "too few rows to compare as text"
cmp -s got.text want.text || { diff got.text want.text | head -n 4 >&2; fail "rows are not printed as vitals-clean prints them"; }

# Time travel: version v holds the first (v + 1) * 3000 input rows.
for v in 0 1 2 3; do
	delta-cat -q --as-of $v silver > out.v
	head -n $(( (v + 1) * 3000 )) silver.ndjson > want.v
	same_rows "version $v" out.v want.v
done
delta-cat -q --as-of 4 -o out.o silver
cmp -s out.o out || fail "-o or --as-of 4 differs from the newest version"
expect_status 1 delta-cat --as-of 5 silver 2> err
expect_grep "cannot read version 5: commit 5 is not in the log" err

# Log cleanup: commits 0..3 deleted after the checkpoint at 4.
cp -r silver cleaned
rm cleaned/_delta_log/0000000000000000000[0-3].json
delta-cat -q cleaned > out.c 2> err
same_rows "cleaned log" out.c silver.ndjson
[ ! -s err ] || { cat err; fail "a cleaned log warns"; }
delta-commit --positions cleaned > /dev/null || fail "delta-commit cannot open the cleaned table"
# Versions before the checkpoint are gone with their commits.
expect_status 1 delta-cat --as-of 3 cleaned 2> err
expect_grep "the commits before it are gone" err

# A missing, corrupt or stale _last_checkpoint changes nothing.
for last in '' 'not json' '{"version":2,"size":5}' '{"version":99}'; do
	rm -rf lastcp && cp -r cleaned lastcp
	if [ -z "$last" ]; then rm lastcp/_delta_log/_last_checkpoint
	else printf '%s\n' "$last" > lastcp/_delta_log/_last_checkpoint; fi
	delta-cat -q lastcp > out.l 2> err
	same_rows "_last_checkpoint '$last'" out.l silver.ndjson
	[ ! -s err ] || { cat err; fail "_last_checkpoint '$last' warns"; }
done

# A corrupt newest checkpoint: the older one is used, with a warning.
cp -r silver ck1
truncate -s 200 ck1/_delta_log/00000000000000000004.checkpoint.parquet
delta-cat -q ck1 > out.k 2> err
same_rows "corrupt newest checkpoint" out.k silver.ndjson
expect_grep "checkpoint 4 cannot be used (.*); starting from checkpoint 2" err
# Both corrupt, the JSON history there: replayed from version 0.
truncate -s 200 ck1/_delta_log/00000000000000000002.checkpoint.parquet
delta-cat -q ck1 > out.k 2> err
same_rows "corrupt checkpoints" out.k silver.ndjson
expect_grep "checkpoint 4 cannot be used (.*); replaying the log from version 0" err
# Corrupt and the history gone: a clear error, no rows.
truncate -s 200 cleaned/_delta_log/00000000000000000004.checkpoint.parquet
expect_status 1 delta-cat cleaned > out.k 2> err
expect_grep "checkpoint 4 cannot be used" err
[ ! -s out.k ] || fail "rows printed from a table that cannot be read"

# Hostile partition values, Gold-style: directories escaped on disk, the
# values themselves read back from the log.
jq -c 'select(.patient_id != null)' silver.ndjson | head -n 400 | awk '
BEGIN { split("../../etc/passwd|a/b|x y|100%|caf\303\251|=|..|:colon|tab\\there", ids, "|") }
{ n = (NR % 9) + 1; sub(/"patient_id":"[^"]*"/, "\"patient_id\":\"" ids[n] "\""); print }' > hostile.ndjson
delta-commit -q --schema silver --partition-by event_date,patient_id --batch-rows 150 \
    --checkpoint-interval 2 gold hostile.ndjson
delta-cat -q gold > out.h
same_rows "hostile partition values" out.h hostile.ndjson
expect_eq "hostile ids" "$(jq -r .patient_id out.h | sort -u | wc -l | tr -d ' ')" 9

# Typed partition values: a timestamp, a boolean, an integer.
head -n 300 silver.ndjson | jq -c '.event_time |= (.[0:17] + "00.000000Z")' > typed.ndjson
delta-commit -q --schema silver --partition-by event_time,news2_partial,news2_score \
    typed typed.ndjson
ls typed | grep -q '^event_time=2026-01-01 00%3A0' || fail "no timestamp partition directories"
delta-cat -q typed > out.t
same_rows "typed partition values" out.t typed.ndjson

# A file that disagrees with its add: rows still printed, a warning,
# exit 1 (a table without checkpoints, so the JSON log is what counts).
cp -r silver dmg
rm dmg/_delta_log/*.checkpoint.parquet dmg/_delta_log/_last_checkpoint
sed -i '0,/"size":[0-9]*/s//"size":1/' dmg/_delta_log/00000000000000000000.json
expect_status 1 delta-cat -q dmg > out.d 2> err
expect_grep "its add says size 1" err
expect_eq "rows of a damaged table" "$(lines out.d)" "$rows"

# Tables this reader would misread, and usage.
mkdir -p v3/_delta_log
printf '%s\n' '{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}}' \
    "$(head -n 3 silver/_delta_log/00000000000000000000.json | grep metaData)" > v3/_delta_log/00000000000000000000.json
# Deletion vectors listed but in no live file: nothing to misread.
delta-cat v3 > out.v3 2> err
[ ! -s out.v3 ] || fail "rows from a table of no files"
expect_grep "version=0 files=0 rows=0" err
# One file with one: refused.
md=$(grep metaData silver/_delta_log/00000000000000000000.json)
add=$(grep '"add"' silver/_delta_log/00000000000000000000.json | head -n 1 |
    jq -c '.add.deletionVector = {"storageType":"u","pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^","offset":4,"sizeInBytes":40,"cardinality":6}')
mkdir -p dv/_delta_log
printf '%s\n' '{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}}' \
    "$md" "$add" > dv/_delta_log/00000000000000000000.json
expect_status 1 delta-cat dv 2> err
expect_grep "dv: the table needs reader feature deletionVectors (1 live file has one), which delta-cat does not support" err
# Features that change what a reader sees are named; those that do not
# are read through.
mkdir -p feat/_delta_log
printf '%s\n' '{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["timestampNtz","vacuumProtocolCheck","variantType"],"writerFeatures":["timestampNtz"]}}' \
    "$md" > feat/_delta_log/00000000000000000000.json
expect_status 1 delta-cat feat 2> err
expect_grep "the table needs reader features timestampNtz, variantType, which delta-cat does not support" err
sed -i 's/"timestampNtz",//; s/,"variantType"//' feat/_delta_log/00000000000000000000.json
expect_status 0 delta-cat -q feat
mkdir -p v4/_delta_log
printf '%s\n' '{"protocol":{"minReaderVersion":4,"minWriterVersion":7,"readerFeatures":[],"writerFeatures":[]}}' \
    "$md" > v4/_delta_log/00000000000000000000.json
expect_status 1 delta-cat v4 2> err
expect_grep "needs reader version 4; delta-cat reads versions 1 to 3" err
# Reader version 2 is column mapping: read when its mode is none.
mkdir -p cm/_delta_log
printf '%s\n' '{"protocol":{"minReaderVersion":2,"minWriterVersion":5}}' \
    "$(echo "$md" | jq -c '.metaData.configuration["delta.columnMapping.mode"] = "none"')" \
    > cm/_delta_log/00000000000000000000.json
expect_status 0 delta-cat -q cm
sed -i 's/"delta.columnMapping.mode":"none"/"delta.columnMapping.mode":"name"/' cm/_delta_log/00000000000000000000.json
expect_status 1 delta-cat cm 2> err
expect_grep "column mapping is on" err
expect_status 1 delta-cat nowhere 2> err
expect_grep "not a Delta table" err
expect_status 2 delta-cat 2> /dev/null
expect_status 2 delta-cat --as-of x silver 2> /dev/null
expect_status 2 delta-cat silver gold 2> /dev/null
