# kill -9 at random moments while delta-commit streams commits, many
# times: the table always opens, every commit file is complete, every
# referenced file exists with its size, and after a final restart each
# input row is in the table exactly once.
need_verify

vitals-gen --patients 30 --duration 90m --seed 11 | jq -c --slurp '
	to_entries | map(.key as $i | {topic: "vitals", partition: ($i % 4),
	    offset: (($i / 4) | floor), key: .value.patient_id,
	    value: (.value | tojson), kafka_timestamp: .value.timestamp}) | .[]' \
    | vitals-clean -q --now 2026-06-01T00:00:00Z > silver.ndjson
n=$(lines silver.ndjson)

seed=${VL_KILL_SEED:-$(date +%s)}
echo "kill delays from seed $seed (VL_KILL_SEED=$seed to repeat)"
awk -v s=$seed 'BEGIN { srand(s); for (i = 0; i < 20; i++) printf "%.3f\n", 0.3 + rand() * 0.6 }' > delays
# Like a consumer that resumes: feed what the table does not hold yet,
# slowly, so that commits happen while the process is killed.
feed() {
	delta-commit --positions silver 2>/dev/null |
	    sed 's/.*"partition":\([0-9]*\),"offset":\([0-9]*\).*/\1 \2/' > pos || : > pos
	awk 'FILENAME == "pos" { done[$1] = $2; next }
	    { match($0, /"partition":[0-9]+/); p = substr($0, RSTART + 12, RLENGTH - 12)
	      match($0, /"offset":[0-9]+/); o = substr($0, RSTART + 9, RLENGTH - 9)
	      if (!(p in done) || o + 0 > done[p] + 0) print }' pos silver.ndjson > todo
	split -l 100 todo chunk.
	for c in chunk.*; do cat "$c" || break; sleep 0.03; done 2>/dev/null
	rm -f chunk.* todo
}
kills=0
while read -r d; do
	feed | delta-commit -q --batch-rows 300 --checkpoint-interval 3 silver &
	pid=$!
	sleep "$d"
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null || true
	# The table opens and every commit is whole JSON.
	if [ -d silver/_delta_log ]; then
		delta-commit --positions silver > /dev/null || fail "table does not open after kill at ${d}s"
		for f in silver/_delta_log/*.json; do
			[ -e "$f" ] || continue
			jq -e . "$f" > /dev/null || fail "incomplete commit $f after kill at ${d}s"
		done
	fi
done < delays
echo "$kills processes killed mid-stream"
[ $kills -ge 10 ] || fail "only $kills kills landed; the stream ended too soon to test"
delta_check -q silver

# Restart and replay everything: each row exactly once.
delta-commit silver silver.ndjson 2> err
cat err
delta_check silver --rows silver.ndjson
