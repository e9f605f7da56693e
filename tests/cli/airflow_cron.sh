# The Airflow DAG and the crontab: both run the bounded steps of
# examples/cron/lake-job.  Airflow cannot be installed here, so the DAG
# file runs against tests/airflow/dag_check.py's stand-in for Airflow's
# API, which checks its structure and prints its tasks in dependency
# order; the test then runs each task's command in that order against
# the embedded broker and the loopback BigQuery (tests/bq/fake_bq.py),
# as a scheduler would.  Then: a second batch, a drain killed half way
# and run again (every message once), a step that finds its lock held,
# a retrain whose model the next drain scores with, and the crontab's
# steps the same as the DAG's.
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
command -v flock > /dev/null || skip "needs flock (util-linux)"
command -v bash > /dev/null || skip "needs bash"
export LAKE_JOB=lake-job PATH="$TOP/examples/cron:$PATH"
/usr/bin/python3 "$TOP/tests/airflow/dag_check.py" "$TOP/examples/airflow/etl_pipeline.py" > tasks ||
	fail "the DAG does not pass its checks"
expect_eq "ETL tasks in order" "$(awk -F'\t' '$1 == "vitals_lakehouse_etl" { printf "%s ", $2 }' tasks)" \
    "drain load report views "

start_broker -t vitals --partitions 4
/usr/bin/python3 "$TOP/tests/bq/fake_bq.py" --port-file port --token tok-1 --log fake.log &
fake=$!
trap 'kill $broker $fake 2>/dev/null || :' EXIT
i=0; while [ ! -s port ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "no fake BigQuery"; sleep 0.1; done
export BQ_ACCESS_TOKEN=tok-1 BQ_LOAD_BACKOFF_MS=20
unset GOOGLE_APPLICATION_CREDENTIALS GCE_METADATA_HOST
export CLOUDSDK_CONFIG="$T/gcloud"
L=$T/lake
cat > env <<ENV
LAKE=$L
BROKERS=$B
TOPIC=vitals
BQ_PROJECT=test-project
BQ_DATASET=vitals
BQ_API=$(cat port)
ENV
export VL_ENV=$T/env
API=$(cat port)
rows() { delta-cat -q "$L/$1" | wc -l | tr -d ' '; }
bq_rows() { curl -sf "$API/_tables/test-project/vitals/gold_patient_summary" | wc -l | tr -d ' '; }

batch() {	# SEED START: a batch of readings into Kafka
	vitals-gen --patients 10 --duration 30m --seed "$1" --start "$2" |
	    tee -a sent.ndjson | kafka-cat-out -q -b "$B" -t vitals
}
run_dag() {	# DAG: every task's command, in order, as a scheduler runs them
	awk -F'\t' -v d="$1" '$1 == d { print $3 }' tasks > cmds
	while read -r cmd; do
		bash -c "$cmd" 2> step.err || { cat step.err; fail "$1: '$cmd' failed"; }
	done < cmds
}
batch 1 2026-01-01T00:00:00Z
run_dag vitals_lakehouse_etl
n=$(lines sent.ndjson)
expect_eq "bronze" "$(rows bronze_patient_vitals)" "$n"
[ "$(rows gold_patient_summary)" -gt 0 ] || fail "no Gold"
expect_eq "BigQuery holds Gold" "$(bq_rows)" "$(rows gold_patient_summary)"
for v in patient_risk_scores ward_alert_counts vital_signs_hourly_trend; do
	curl -sf -H "Authorization: Bearer tok-1" \
	    "$API/bigquery/v2/projects/test-project/datasets/vitals/tables/$v" > view.json ||
		fail "view $v not created"
done
grep -q '<html' "$L/report.html" || fail "no report"
[ ! -e "$L/report.html.tmp" ] || fail "the report's temporary file was left"

# A drain killed half way, then run again: every message once.
batch 2 2026-01-01T01:00:00Z
setsid lake-job drain 2> killed.err &
job=$!
sleep 0.7
kill -9 -- -"$job" 2>/dev/null || :
wait "$job" 2>/dev/null || :
echo "drain killed after 0.7 s: bronze held $(rows bronze_patient_vitals) of $(lines sent.ndjson)"
lake-job drain 2> drain.err || { cat drain.err; fail "the drain after the kill failed"; }
n=$(lines sent.ndjson)
delta-cat -q "$L/bronze_patient_vitals" > bronze.ndjson
expect_eq "bronze after a kill" "$(lines bronze.ndjson)" "$n"
expect_eq "each message once" "$(jq -r '"\(.partition) \(.offset)"' bronze.ndjson | sort -u | wc -l | tr -d ' ')" "$n"
silver=$(rows silver_patient_vitals)
rejected=$(cat "$L"/rejects/clean-*.ndjson 2>/dev/null | wc -l | tr -d ' ')
[ "$silver" -le "$n" ] && [ "$silver" -ge $((n - rejected - 200)) ] ||
	fail "silver holds $silver of $n ($rejected rejected)"
lake-job load 2> load.err || { cat load.err; fail "load failed"; }
expect_eq "BigQuery after the kill" "$(bq_rows)" "$(rows gold_patient_summary)"

# A step whose lock is held exits at once, having done nothing.
flock "$L/.lock-drain" sleep 3 &
holder=$!
sleep 0.3
start=$(date +%s)
lake-job drain 2> held.err || fail "a held lock is not a failure"
expect_grep 'a run is in progress' held.err
[ $(( $(date +%s) - start )) -lt 3 ] || fail "the second drain waited for the lock"
wait $holder

# The weekly retrain, and the next drain scores with its model.
run_dag vitals_lakehouse_retrain
[ -s "$L/model.json" ] || fail "retrain wrote no model"
jq -e '.trees | length > 0' "$L/model.json" > /dev/null || fail "the model has no trees"
batch 3 2026-01-01T02:00:00Z
lake-job drain 2> drain3.err || { cat drain3.err; fail "drain with the new model failed"; }
expect_eq "bronze after three batches" "$(rows bronze_patient_vitals)" "$(lines sent.ndjson)"

# The crontab runs the DAG's steps, on a schedule of five fields each.
grep -v '^#\|^[A-Z_]*=\|^$' "$TOP/examples/cron/crontab" > lines.txt
awk 'NF < 7 || $6 != "lake-job" { bad = 1 } END { exit bad }' lines.txt ||
	fail "a crontab line is not 'M H DOM MON DOW lake-job STEP'"
expect_eq "crontab steps" "$(awk '{ print $7 }' lines.txt | sort | tr '\n' ' ')" \
    "$(awk -F'\t' '{ print $2 }' tasks | sort | tr '\n' ' ')"
