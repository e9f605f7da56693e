# delta-optimize: the same rows before and after, as delta-cat and the
# independent readers see them; about one file per partition; an
# OPTIMIZE commit that changes no data (dataChange false, no txn); time
# travel to before it until delta-vacuum deletes the old files; a second
# run has nothing to do; --order-by orders each file; compactions racing
# each other and a running delta-commit, and all of them killed -9 at
# random moments and restarted, leave every row exactly once.
need_verify

# Silver rows with Kafka positions (so delta-commit skips what a table
# has on a restart), over two days, committed in many small batches.
vitals-gen --patients 8 --duration 30m --seed 11 --start 2026-03-01T23:45:00Z |
    vitals-clean -q --now 2026-06-01T00:00:00Z |
    jq -c '.topic = "vitals" | .partition = (input_line_number % 3) | .offset = input_line_number' > rows.ndjson
n=$(lines rows.ndjson)
delta-commit -q --batch-rows 140 --checkpoint-interval 7 silver rows.ndjson
parts=$(ls -d silver/event_date=* | wc -l | tr -d ' ')
[ "$parts" -ge 2 ] || fail "the test needs two partitions, got $parts"
before_files=$(delta-cat --files silver | wc -l | tr -d ' ')
v0=$(ls silver/_delta_log/*.json | wc -l | tr -d ' '); v0=$((v0 - 1))
delta-cat -q silver | sort > rows.before
delta-commit --positions silver > pos.before

# A dry run prints the plan and changes nothing.
ls -R silver | cksum > tree.before
delta-optimize -n silver > plan 2> plan.err
[ "$(ls -R silver | cksum)" = "$(cat tree.before)" ] || fail "the dry run changed the table"
expect_eq "bins planned" "$(lines plan)" "$parts"
expect_eq "files planned" "$(jq '.files | length' plan | paste -sd+ | bc)" "$before_files"

delta-optimize --no-checkpoint silver 2> opt.err
cat opt.err
expect_eq "files read" "$(stat_field files_read opt.err)" "$before_files"
expect_eq "files written" "$(stat_field files_written opt.err)" "$parts"
expect_eq "rows in" "$(stat_field in opt.err)" "$n"
expect_eq "rows out" "$(stat_field out opt.err)" "$n"
expect_eq "version" "$(stat_field version opt.err)" "$((v0 + 1))"
expect_eq "files after" "$(delta-cat --files silver | wc -l | tr -d ' ')" "$parts"
delta-cat -q silver | sort > rows.after
cmp -s rows.before rows.after || fail "the rows changed"
delta_check silver --rows rows.ndjson
parquet_check -q $(delta-cat --files silver | jq -r '.add.path' | sed 's|^|silver/|')
delta-commit --positions silver > pos.after
cmp -s pos.before pos.after || fail "the Kafka positions changed"

# The commit: OPTIMIZE, removes and adds that change no data, no txn.
c=silver/_delta_log/$(printf %020d $((v0 + 1))).json
expect_eq "operation" "$(head -n 1 "$c" | jq -r .commitInfo.operation)" OPTIMIZE
expect_eq "removes" "$(jq -c 'select(.remove) | .remove | [.dataChange, .extendedFileMetadata, (.deletionTimestamp > 0), (.size > 0), (.partitionValues | has("event_date"))]' "$c" | sort -u)" '[false,true,true,true,true]'
expect_eq "adds" "$(jq -c 'select(.add) | .add.dataChange' "$c" | sort -u)" false
expect_eq "remove count" "$(jq -c 'select(.remove)' "$c" | wc -l | tr -d ' ')" "$before_files"
[ -z "$(jq -c 'select(.txn)' "$c")" ] || fail "OPTIMIZE wrote a txn"

# Nothing left to do: no new version.
delta-optimize silver 2> again.err
expect_grep 'nothing to compact' again.err
[ ! -f silver/_delta_log/$(printf %020d $((v0 + 2))).json ] || fail "a second run committed"
# --no-checkpoint, above, wrote none off the interval; --checkpoint writes
# one of the version left, even with nothing to compact (the interval,
# 10, did not call for one at this version).
[ $(( (v0 + 1) % 10 )) != 0 ] || fail "the test needs a version the interval skips"
[ ! -f silver/_delta_log/$(printf %020d $((v0 + 1))).checkpoint.parquet ] || fail "a checkpoint off the interval"
delta-optimize -q --checkpoint silver
[ -f silver/_delta_log/$(printf %020d $((v0 + 1))).checkpoint.parquet ] || fail "--checkpoint wrote none"
expect_eq "_last_checkpoint" "$(jq .version silver/_delta_log/_last_checkpoint)" "$((v0 + 1))"
delta_check -q silver --rows rows.ndjson

# Time travel to before the compaction reads the old files, until a
# vacuum deletes them; then it fails saying which file is missing.
delta-cat -q --as-of "$v0" silver | sort > rows.v0
cmp -s rows.before rows.v0 || fail "time travel to version $v0 differs"
delta-vacuum -q silver > vac
[ ! -s vac ] || fail "vacuum deleted files within the retention: $(cat vac)"
delta-vacuum -q --retain 0 --force-retention silver > vac
expect_eq "files vacuumed" "$(lines vac)" "$before_files"
expect_status 1 delta-cat -q --as-of "$v0" silver > /dev/null 2> tt.err
expect_grep 'No such file' tt.err
delta-cat -q silver | sort > rows.vac
cmp -s rows.before rows.vac || fail "the rows changed after vacuum"
delta_check -q silver --rows rows.ndjson

# --order-by: each partition's file in (patient_id, event_time) order.
vitals-gen --patients 8 --duration 20m --seed 12 | vitals-clean -q --now 2026-06-01T00:00:00Z > g.ndjson
vitals-agg -q < g.ndjson > gold.ndjson
delta-commit -q --schema gold --partition-by event_date --batch-rows 40 gold gold.ndjson
expect_status 1 delta-optimize -q --order-by nosuch gold
expect_status 2 delta-optimize --order-by , gold
expect_status 2 delta-optimize --target-size big gold
gv=$(($(ls gold/_delta_log/*.json | wc -l) - 1))
delta-optimize -q --order-by patient_id,window_start gold
# By default a compaction checkpoints the version it commits, off the
# interval too.
[ $(( (gv + 1) % 10 )) != 0 ] || fail "the test needs a version the interval skips"
[ -f gold/_delta_log/$(printf %020d $((gv + 1))).checkpoint.parquet ] ||
    fail "a compaction wrote no checkpoint"
delta-cat -q gold > gold.rows
jq -r '[.event_date, .patient_id, .window_start] | @tsv' gold.rows > order.got
sort order.got > order.want
cmp -s order.got order.want || fail "--order-by: rows not in order"
delta_check -q gold --rows gold.ndjson
# A small target makes several files a partition, each at most about it.
delta-commit -q --schema gold --partition-by event_date --batch-rows 40 gold2 gold.ndjson
delta-optimize -q --target-size 40k gold2
small=$(delta-cat --files gold2 | jq -r 'select(.add.size < 40960) | .add.partitionValues.event_date' | sort | uniq -d)
[ -z "$small" ] || fail "more than one file below the target in a partition: $small"
delta_check -q gold2 --rows gold.ndjson

# Two compactions at once: one wins, the other finds its files gone and
# plans again (or gives up cleanly); rows exactly once, no stray files.
delta-commit -q --schema silver --batch-rows 60 race rows.ndjson
delta-optimize --target-size 100k race 2> r1.err & p1=$!
delta-optimize --target-size 100k race 2> r2.err & p2=$!
delta-optimize --target-size 100k race 2> r3.err & p3=$!
for p in $p1 $p2 $p3; do wait $p || :; done
cat r1.err r2.err r3.err
grep -v 'was removed by another writer\|in=' r1.err r2.err r3.err && fail "a racing compaction failed otherwise"
[ "$(grep -l OPTIMIZE race/_delta_log/*.json | wc -l)" -ge 1 ] || fail "no racing compaction committed"
find race -name '*.parquet' ! -path '*_delta_log*' | sed 's|^race/||' | sort > on.disk
cat race/_delta_log/*.json | jq -r 'select(.add) | .add.path' | sort -u > in.log
cmp -s on.disk in.log || fail "a compaction that lost left its files behind"
delta_check -q race --rows rows.ndjson
delta-cat -q race | sort > race.rows
cmp -s rows.before race.rows || fail "racing compactions changed the rows"

# Beside a running writer: a paced stream into delta-commit, compacted
# all along; then both killed -9 at random moments and restarted.
seed=${VL_KILL_SEED:-$(date +%s)}
echo "kill moments from seed $seed (VL_KILL_SEED=$seed to repeat)"
awk -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < 400; i++) printf "%.2f\n", 0.05 + rand() * 0.9 }' > moments
m=0
moment() { m=$((m + 1)); sed -n "${m}p" moments; }
pace 10 0.05 < rows.ndjson | delta-commit -q --schema silver --batch-time 1s --checkpoint-interval 4 live 2> live.err &
w=$!
i=0
until [ -d live/_delta_log ] && [ -n "$(ls live/_delta_log/*.json 2> /dev/null)" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the writer did not commit"
	sleep 0.1
done
while kill -0 $w 2> /dev/null; do
	delta-optimize -q --target-size 100k live 2>> liveopt.err || :
	sleep 0.5
done
wait $w || fail "the writer failed beside compactions: $(cat live.err)"
delta-optimize -q --target-size 100k live
delta_check -q live --rows rows.ndjson
grep -v 'planning again' liveopt.err && fail "a compaction beside the writer failed"
[ "$(grep -l OPTIMIZE live/_delta_log/*.json | wc -l)" -ge 2 ] || fail "too few compactions committed beside the writer"

for round in 1 2 3 4 5 6; do
	pace 30 0.05 < rows.ndjson | delta-commit -q --schema silver --batch-time 1s --checkpoint-interval 3 killed 2>> killed.err &
	w=$!
	for k in 1 2 3; do
		sleep "$(moment)"
		[ -n "$(ls killed/_delta_log/*.json 2> /dev/null)" ] || continue
		delta-optimize -q --target-size 100k --order-by patient_id killed 2>> kopt.err &
		o=$!
		sleep "$(moment)"
		kill -9 $o 2> /dev/null || :
		wait $o 2> /dev/null || :
	done
	kill -9 $w 2> /dev/null || :
	wait 2> /dev/null || :
	# Killed before its first commit: no table yet, nothing to check.
	[ -n "$(ls killed/_delta_log/*.json 2> /dev/null)" ] || continue
	delta-cat -q killed > k.rows 2> k.err || { cat k.err; fail "round $round: the table does not read back"; }
	[ -z "$(jq -r .offset k.rows | sort | uniq -d)" ] || fail "round $round: a row twice"
done
# Restarted to the end: every row exactly once.
delta-commit -q --schema silver killed rows.ndjson
delta-optimize -q killed
delta_check -q killed --rows rows.ndjson
delta-cat -q killed | sort > killed.rows
cmp -s rows.before killed.rows || fail "after the kills the rows differ"
echo "killed rounds: $(grep -l '"OPTIMIZE"' killed/_delta_log/*.json | wc -l | tr -d ' ') compactions committed, $(ls killed/_delta_log/*.json | wc -l | tr -d ' ') versions"
