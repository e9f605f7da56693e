# Tombstones in checkpoints (PROTOCOL.md "Checkpoints": a checkpoint
# keeps each remove until it is older than
# delta.deletedFileRetentionDuration).  A compacted table, then a
# checkpoint after the compaction: DuckDB finds the compaction's removes
# in the checkpoint, with their fields, and the expired ones of a
# hand-made commit left out; once the log below the checkpoint (the
# compaction's commit included) is cleaned, as Spark's metadata cleanup
# does, delta-vacuum still keeps the removed files within the retention (their
# own age would have had them deleted) and deletes them after it.
need_verify
duck() { node "$TOP/tests/verify/duckdb-run.mjs" "$@"; }

vitals-gen --patients 4 --duration 10m --seed 7 | vitals-clean -q --now 2026-06-01T00:00:00Z > rows.ndjson
delta-commit -q --batch-rows 40 silver rows.ndjson
delta-cat -q silver | sort > rows.before
delta-cat --files silver | jq -r .add.path | sort > small
nsmall=$(lines small)
[ "$nsmall" -ge 6 ] || fail "the test needs many small files, got $nsmall"

# Two of the small files removed by hand first: one 8 days ago (expired
# under the default 7 days), one without a timestamp (expired, as Spark
# takes a missing one).
v=$(ls silver/_delta_log/*.json | wc -l | tr -d ' ')
old=$(( $(date +%s) - 8 * 86400 ))000
delta-cat --files silver | head -n 2 > two
{
	printf '{"commitInfo":{"timestamp":%s,"operation":"DELETE"}}\n' "$(date +%s)000"
	sed -n 1p two | jq -c --argjson t "$old" '{remove:{path:.add.path,deletionTimestamp:$t,dataChange:true}}'
	sed -n 2p two | jq -c '{remove:{path:.add.path,dataChange:true}}'
} > "silver/_delta_log/$(printf %020d "$v").json"
jq -r .add.path two | sort > gone

delta-optimize -q silver 2> opt.err
vo=$((v + 1))
jq -c 'select(.remove) | .remove' "silver/_delta_log/$(printf %020d "$vo").json" > opt.removes
expect_eq "the compaction removed the rest" "$(lines opt.removes)" "$((nsmall - 2))"
# A later append writes the checkpoint, so the removes lie below it.
vitals-gen --patients 1 --duration 2m --seed 8 | vitals-clean -q --now 2026-06-01T00:00:00Z |
    delta-commit -q --checkpoint-interval 1 silver
ck=$(jq .version silver/_delta_log/_last_checkpoint)
expect_eq "the checkpoint is the append's" "$ck" "$((vo + 1))"
ckfile=silver/_delta_log/$(printf %020d "$ck").checkpoint.parquet
delta-cat -q silver | sort > rows.live

# DuckDB reads the tombstones as the OPTIMIZE commit wrote them, and not
# the expired two.
duck "SELECT remove.path AS path, remove.deletionTimestamp AS deletionTimestamp,
    remove.dataChange AS dataChange, remove.extendedFileMetadata AS extendedFileMetadata,
    map_extract(remove.partitionValues, 'event_date')[1] AS day, remove.size AS size
    FROM read_parquet('$ckfile') WHERE remove IS NOT NULL ORDER BY path" > duck.removes
jq -c '{path, deletionTimestamp, dataChange, extendedFileMetadata, day: .partitionValues.event_date, size}' \
    opt.removes | sort > want.removes
jq -c . duck.removes | sort > got.removes
cmp -s got.removes want.removes || { diff got.removes want.removes | head >&2; fail "the checkpoint's tombstones differ from the removes"; }
while read -r p; do
	grep -qF "\"$p\"" got.removes && fail "expired tombstone $p is in the checkpoint"
done < gone
# The independent checker replays the whole log and agrees.
delta_check -q silver || fail "delta-check disagrees with the checkpoint"
expect_eq "_last_checkpoint counts the tombstones" "$(jq .size silver/_delta_log/_last_checkpoint)" \
    "$(duck "SELECT count(*) AS n FROM read_parquet('$ckfile')" | jq .n)"

# The removed files made to look old, as a day's stream compacted a
# week later would be: by age alone a vacuum would delete them now.
jq -r .path opt.removes | sed 's/%25/%/g' > removed.paths
while read -r p; do touch -d '10 days ago' "silver/$p"; done < removed.paths
# The log below the checkpoint cleaned, as Spark's metadata cleanup
# does: only the checkpoint knows the removes now (the OPTIMIZE commit
# is gone with the rest).
i=0
while [ "$i" -lt "$ck" ]; do rm "silver/_delta_log/$(printf %020d "$i").json"; i=$((i + 1)); done
delta-cat -q silver | sort > rows.after
cmp -s rows.live rows.after || fail "the rows changed"

# Within the retention: every removed file is kept.
delta-vacuum silver > did 2> did.err || { cat did.err; fail "delta-vacuum"; }
while read -r p; do [ -f "silver/$p" ] || fail "removed file $p deleted within the retention"; done < removed.paths
grep -q . did && fail "deleted within the retention: $(cat did)"
expect_grep "files_removed=0" did.err
# The two expired removes have no tombstone left, so their files are
# judged by their age (fresh): kept too.
while read -r p; do [ -f "silver/$(printf %s "$p" | sed 's/%25/%/g')" ] || fail "$p deleted"; done < gone

# After the retention (1 s, forced): the tombstones' files go, and the
# two others, orphans older than that now; the live ones stay.
sleep 2
delta-vacuum --retain 1s --force-retention silver > did 2> did.err || { cat did.err; fail "delta-vacuum --retain 1s"; }
sort did > did.sorted
{ cat removed.paths; sed 's/%25/%/g' gone; } | sort > removed.sorted
cmp -s did.sorted removed.sorted || { diff did.sorted removed.sorted | head >&2; fail "after the retention: not exactly the removed files"; }
while read -r p; do [ ! -e "silver/$p" ] || fail "$p still there"; done < removed.paths
delta-cat -q silver | sort > rows.final
cmp -s rows.live rows.final || fail "the live rows changed"
