# The README's first command, examples/lakehouse.sh, on a small ward:
# the broker starts, the three tables are made through Kafka, and they
# add up: every message once in Bronze, Silver is Bronze less what
# vitals-clean rejected or dropped as duplicates, Gold holds each window
# once, and Gold's readings sum to Silver's rows less those vitals-agg
# rejected as late.  The script builds into build/, so it runs against
# the default build only.
command -v kcat > /dev/null || skip "needs kcat (Debian package kcat)"
[ "$BIN" = "$TOP/build/bin" ] || skip "runs against the default build only"

PATIENTS=30 DURATION=20m SEED=4 sh "$TOP/examples/lakehouse.sh" out > log 2>&1 || { cat log; fail "lakehouse.sh failed"; }
cat log
for t in bronze_patient_vitals silver_patient_vitals gold_patient_summary; do
	[ -d "out/$t/_delta_log" ] || fail "no table $t"
done
delta-cat -q out/bronze_patient_vitals > bronze.ndjson
delta-cat -q out/silver_patient_vitals > silver.ndjson
delta-cat -q out/gold_patient_summary > gold.ndjson
nb=$(lines bronze.ndjson)
expect_eq "bronze: each message once" "$(jq -r '"\(.partition) \(.offset)"' bronze.ndjson | sort -u | wc -l | tr -d ' ')" "$nb"
# What vitals-clean does with Bronze here is what it does with it again.
vitals-clean -q --roster out/roster.ndjson bronze.ndjson > again.ndjson
expect_eq "silver rows" "$(lines silver.ndjson)" "$(lines again.ndjson)"
late=0
[ ! -f out/late.ndjson ] || late=$(lines out/late.ndjson)
expect_eq "gold readings = silver rows - late" "$(jq -s 'map(.readings) | add' gold.ndjson)" "$(($(lines silver.ndjson) - late))"
expect_eq "gold: each window once" "$(jq -r '"\(.patient_id) \(.window_start)"' gold.ndjson | sort -u | wc -l | tr -d ' ')" "$(lines gold.ndjson)"
# Gold's position per partition, where a restart would begin, is at the
# end of each partition now that the stream has ended.
expect_eq "gold positions" "$(delta-commit --positions out/gold_patient_summary |
    jq -r '"\(.partition) \(.offset)"' | sort)" "$(jq -s -r 'group_by(.partition)[] |
    "\(.[0].partition) \(map(.offset) | max)"' silver.ndjson | sort)"
expect_grep 'bronze_patient_vitals [0-9]* rows' log
expect_grep 'alerts raised' log
