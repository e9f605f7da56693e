# delta-vacuum deletes only what no version within the retention needs:
# never a live file, an uncommitted file younger than the retention,
# anything under _bq_load, hidden, or outside the table (a symlink is not
# followed); a dry run lists exactly what the real run then deletes; old
# log files go only below a checkpoint, and the table still reads.
need_verify
vitals-gen --patients 6 --duration 20m --seed 3 | vitals-clean -q --now 2026-06-01T00:00:00Z > rows.ndjson
delta-commit -q --batch-rows 100 --checkpoint-interval 5 silver rows.ndjson
delta-cat -q silver | sort > before
v=$(ls silver/_delta_log/*.json | wc -l | tr -d ' ')
v=$((v - 1))
part=$(ls -d silver/event_date=* | head -n 1)

# Two files removed by a hand-made commit: one 8 days ago, one 1 day ago.
now=$(date +%s)000
old=$(( $(date +%s) - 8 * 86400 ))000
new=$(( $(date +%s) - 86400 ))000
delta-cat --files silver | head -n 2 > two
p1=$(sed -n 1p two | jq -r .add.path)
p2=$(sed -n 2p two | jq -r .add.path)
{
	printf '{"commitInfo":{"timestamp":%s,"operation":"DELETE"}}\n' "$now"
	sed -n 1p two | jq -c --argjson t "$old" '{remove:{path:.add.path,deletionTimestamp:$t,dataChange:true,partitionValues:.add.partitionValues,size:.add.size}}'
	sed -n 2p two | jq -c --argjson t "$new" '{remove:{path:.add.path,deletionTimestamp:$t,dataChange:true,partitionValues:.add.partitionValues,size:.add.size}}'
} > "silver/_delta_log/$(printf %020d $((v + 1))).json"
delta-cat -q silver | sort > live.rows

# Orphans: one aged past the retention, one fresh (a commit in progress).
echo junk > "$part/part-00000-dead.c000.zstd.parquet"
touch -d '10 days ago' "$part/part-00000-dead.c000.zstd.parquet"
echo junk > "$part/part-00000-writing.c000.zstd.parquet"
# Never touched: bq-load's directory, hidden files, the log, and what a
# symlink points at outside the table.
mkdir -p silver/_bq_load outside
echo state > silver/_bq_load/state.json
echo h > "$part/.hidden.crc"
echo keep > outside/precious
touch -d '30 days ago' silver/_bq_load/state.json "$part/.hidden.crc" outside/precious
ln -s ../outside silver/escape
ln -s ../../outside/precious "$part/part-00000-link.c000.zstd.parquet"
find silver outside | sort > tree.before

# The retention check.
expect_status 1 delta-vacuum -q --retain 1d silver
expect_status 1 delta-vacuum -q --retain 0 silver
expect_status 2 delta-vacuum --retain soon silver
expect_status 1 delta-vacuum -q /nonexistent

# A dry run deletes nothing and names what the run deletes.
delta-vacuum -n silver > dry 2> dry.err
find silver outside | sort > tree.dry
cmp -s tree.before tree.dry || fail "the dry run changed the table"
expect_grep 'files_removed=2' dry.err
delta-vacuum silver > did 2> did.err
cat did.err
sort dry > a; sort did > b
cmp -s a b || { diff a b; fail "the dry run's list differs from the run's"; }
grep -q 'part-00000-dead' did || fail "the old orphan was not deleted"
p1d=$(printf '%s' "$p1" | sed 's/%25/%/g')
grep -qxF "$p1d" did || fail "the file removed 8 days ago was not deleted"
[ "$(wc -l < did | tr -d ' ')" = 2 ] || fail "deleted more than expected: $(cat did)"
[ -f "$part/part-00000-writing.c000.zstd.parquet" ] || fail "a fresh uncommitted file was deleted"
[ -f silver/_bq_load/state.json ] || fail "_bq_load was touched"
[ -f "$part/.hidden.crc" ] || fail "a hidden file was deleted"
[ -f outside/precious ] || fail "a file outside the table was deleted"
[ -L silver/escape ] && [ -L "$part/part-00000-link.c000.zstd.parquet" ] || fail "a symlink was deleted"
p2d=$(printf '%s' "$p2" | sed 's/%25/%/g')
[ -f "silver/$p2d" ] || fail "the file removed a day ago was deleted"
delta-cat -q silver | sort > after
cmp -s live.rows after || fail "the live rows changed"
delta-cat -q --as-of "$v" silver > /dev/null 2>&1 && fail "time travel to before the removal still reads (its file is gone)"

# With a retention of 0 (forced), the file removed a day ago goes too;
# a live file never does.
delta-vacuum -q --retain 0 --force-retention silver > did0
grep -qxF "$p2d" did0 || fail "--retain 0 kept the removed file"
grep -q writing did0 || fail "--retain 0 kept the uncommitted file"
delta-cat -q silver | sort > after0
cmp -s live.rows after0 || fail "the live rows changed with --retain 0"
delta_check -q silver || fail "the independent reader disagrees after vacuum"

# Log cleanup: commits older than the log retention go, below the
# newest old checkpoint only; the table still opens and reads the same.
ls silver/_delta_log/*.checkpoint.parquet > /dev/null || fail "no checkpoint to test with"
ckpt=$(ls silver/_delta_log/*.checkpoint.parquet | tail -n 1 | sed 's|.*/0*\([0-9]\)|\1|; s|\..*||')
touch -d '40 days ago' silver/_delta_log/0*
delta-vacuum -q silver > did.log
grep -q '^_delta_log/00000000000000000000.json$' did.log || fail "old commits were kept"
grep -q "^_delta_log/$(printf %020d "$ckpt").json" did.log && fail "the checkpoint's own commit was deleted"
[ -f "silver/_delta_log/$(printf %020d "$ckpt").checkpoint.parquet" ] || fail "the newest checkpoint was deleted"
last=$(jq .version silver/_delta_log/_last_checkpoint)
[ -f "silver/_delta_log/$(printf %020d "$last").checkpoint.parquet" ] || fail "_last_checkpoint names a deleted checkpoint"
delta-cat -q silver | sort > after.log
cmp -s live.rows after.log || fail "the table reads differently after log cleanup"
delta-cat -q --files --as-of "$ckpt" silver > /dev/null || fail "the log no longer opens at the checkpoint's version"
expect_status 1 delta-cat -q --as-of 0 silver
# Fresh commits are kept even below a checkpoint.
delta-commit -q --batch-rows 100 silver rows.ndjson 2> /dev/null
delta-vacuum -q silver > did.again
[ ! -s did.again ] || fail "a second vacuum deleted: $(cat did.again)"
