# Several delta-commit processes append to one table at once, starting
# before it exists: versions stay contiguous and no commit is lost.
need_verify

vitals-gen --patients 20 --duration 30m --seed 5 | vitals-clean -q --now 2026-06-01T00:00:00Z > all.ndjson
split -n l/4 all.ndjson part.
for p in part.*; do
	delta-commit -q --batch-rows 150 --checkpoint-interval 4 silver "$p" &
done
wait
commits=$(ls silver/_delta_log/*.json | wc -l | tr -d ' ')
echo "$commits commits from 4 writers"
[ "$commits" -ge 20 ] || fail "too few commits ($commits) to have raced"
delta_check silver --rows all.ndjson
