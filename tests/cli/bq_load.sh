# bq-load against the loopback BigQuery of tests/bq/fake_bq.py (BigQuery
# itself cannot run here; the fake checks every request body against
# BigQuery's published v2 discovery document where the Google Cloud CLI
# ships it).  Gold from a Delta table, incrementally; every row exactly
# once after each single fault, after losing the local record, and after
# kill -9 at random moments; NDJSON on stdin with rejects; schema
# mismatch, and the columns added to a table made before Gold had them;
# the views; dry run; every kind of credential, none of them
# ever printed.
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 for the fake BigQuery"
command -v openssl > /dev/null || skip "needs openssl"
DISC=/usr/lib/google-cloud-sdk/platform/bq/discovery_next/bigquery.json
disc=""
if [ -f "$DISC" ]; then disc="--discovery $DISC"; else
	echo "notice: no BigQuery discovery document: request bodies not validated"; fi

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.pem 2> /dev/null
openssl pkey -in sa.pem -pubout -out sa.pub
/usr/bin/python3 "$TOP/tests/bq/fake_bq.py" --port-file port $disc \
    --token tok-secret-1 --jwt-public-key sa.pub \
    --refresh cid:csecret-9:rtoken-9 --log fake.log &
fake=$!
trap 'kill $fake 2>/dev/null || :' EXIT
i=0; while [ ! -s port ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "no fake server"; sleep 0.1; done
API=$(cat port)
export BQ_LOAD_BACKOFF_MS=20 BQ_ACCESS_TOKEN=tok-secret-1
unset GOOGLE_APPLICATION_CREDENTIALS GCE_METADATA_HOST
export CLOUDSDK_CONFIG="$T/gcloud"
bq() { bq-load --api "$API" --project test-project --dataset vitals "$@"; }
ctl() { curl -sf -X POST -d "$2" "$API/$1" > /dev/null; }
rows_in_bq() { curl -sf "$API/_tables/test-project/vitals/gold_patient_summary" | wc -l | tr -d ' '; }
keys() { jq -r '"\(.patient_id) \(.window_start) \(.readings)"' | sort; }
check_once() {	# WHAT: BigQuery holds each Gold row once
	delta-cat -q gold | keys > want
	# (Rows loaded from stdin below are of 2027; Gold's never are.)
	curl -sf "$API/_tables/test-project/vitals/gold_patient_summary" | keys | grep -v ' 2027-' > got
	[ "$(sort -u got | wc -l)" = "$(wc -l < got)" ] || fail "$1: a row is in BigQuery twice"
	diff want got > /dev/null || { diff want got | head -5 >&2; fail "$1: BigQuery's rows differ from Gold's"; }
}
gold_version() {	# SEED: one more Gold version
	vitals-gen --patients 5 --duration 10m --seed "$1" --start 2026-03-0"$(( $1 % 9 + 1 ))"T00:00:00Z |
	    vitals-clean -q | vitals-agg -q | delta-commit -q gold
}

# Two versions, loaded as one job; the rows are Gold's, partition column
# (event_date) included.
gold_version 1
gold_version 2
bq --from-delta gold 2> err || { cat err; fail "first load failed"; }
expect_grep 'loaded versions 0 to 1: jobs=1 adopted=0' err
expect_eq "loaded" "$(stat_field out err)" "$(delta-cat -q gold | wc -l | tr -d ' ')"
check_once "first load"
curl -sf "$API/_tables/test-project/vitals/gold_patient_summary" | head -n 1 | jq -e '.event_date and .through_offset == null' > /dev/null ||
    fail "event_date not put back into the rows"
curl -sf "$API/bigquery/v2/projects/test-project/datasets/vitals/tables/gold_patient_summary" -H "Authorization: Bearer tok-secret-1" > table.json
expect_eq "partitioned" "$(jq -r '.timePartitioning.field' table.json)" event_date
expect_eq "clustered" "$(jq -r '.clustering.fields | join(",")' table.json)" patient_id,ward
# Up to date: nothing sent again.
jobs0=$(curl -sf "$API/_jobs" | wc -l)
bq --from-delta gold 2> err
expect_grep 'up to date with gold at version 1' err
expect_eq "no new job" "$(curl -sf "$API/_jobs" | wc -l)" "$jobs0"

# A compaction's rewrite (dataChange false) is never loaded again: one
# file copied under a new name, removed and added in one version.
v=$(ls gold/_delta_log/*.json | wc -l)
add=$(jq -c 'select(.add) | .add' gold/_delta_log/00000000000000000001.json | head -n 1)
old=$(echo "$add" | jq -r .path)
new=$(dirname "$old")/part-00000-rewritten.c000.zstd.parquet
cp "gold/$old" "gold/$new"
echo "$add" | jq -c --arg new "$new" '
    {remove: {path: .path, deletionTimestamp: 1, dataChange: false, partitionValues, size}},
    {add: (.path = $new | .dataChange = false)},
    {commitInfo: {operation: "OPTIMIZE"}}' > "gold/_delta_log/$(printf %020d "$v").json"
bq --from-delta gold 2> err || { cat err; fail "load after a rewrite failed"; }
expect_eq "rewrite not loaded" "$(stat_field out err)" 0
check_once "after a rewrite"

# Each single fault, then the next version loads exactly once.
seed=10
for fault in '{"match":"POST /upload","status":503}' \
    '{"match":"POST /upload","status":429}' \
    '{"match":"POST /upload","drop_after":300}' \
    '{"match":"GET .*/jobs/","status":500,"count":2}' \
    '{"match":"/upload","fail_job":true}' \
    '{"match":"/upload","slow":5}' \
    '{"match":"GET .*/jobs\\?","status":503}' \
    '{"match":"GET .*/tables/","status":502}'; do
	seed=$((seed + 1))
	gold_version $seed
	ctl _fault "$fault"
	bq -v --from-delta gold 2> err || { cat err; fail "load after fault $fault failed"; }
	check_once "after $fault"
	case $fault in *fail_job*) expect_grep 'loading again as generation 1' err ;; esac
	ctl _reset '{}'
done

# A load over 5 MiB goes resumable, in 8 MiB chunks: a connection dropped
# in the middle of a chunk, and a 503 on the next, are resumed from what
# the server says it holds, not sent again whole.
vitals-gen --patients 60 --duration 3h --seed 99 --start 2026-04-01T00:00:00Z |
    vitals-clean -q | vitals-agg -q | delta-commit -q gold
ctl _fault '{"match":"PUT /upload","drop_after":3000000}'
ctl _fault '{"match":"PUT /upload","status":503}'
bq -v --from-delta gold 2> err || { cat err; fail "resumable load failed"; }
expect_grep 'uploaded [0-9]\{8,\} bytes' err
check_once "after a resumable upload broke"
[ "$(curl -sf "$API/_requests" | jq -r 'select(.method == "PUT" and .body_length == 0) | .path' | wc -l)" -ge 1 ] ||
    fail "no status query after the broken chunk"
# Each byte stored once: the chunks the server took add up to the upload.
expect_eq "chunks stored" "$(curl -sf "$API/_requests" | jq -s '[.[] | select(.method == "PUT" and (.status == 308 or .status == 200)) | .body_length] | add')" \
    "$(sed -n 's/.*uploaded \([0-9]*\) bytes.*/\1/p' err | tail -n 1)"
ctl _reset '{}'

# quotaExceeded is not retried: exit 75, for a scheduler to back off;
# the next run loads the version.
gold_version 40
ctl _fault '{"match":"POST /upload","status":403,"reason":"quotaExceeded","count":5}'
expect_status 75 bq --from-delta gold 2> err
expect_grep 'quotaExceeded' err
expect_eq "one try only" "$(curl -sf "$API/_requests" | jq -r 'select(.status == 403) | .path' | wc -l | tr -d ' ')" 1
ctl _reset '{}'
bq --from-delta gold 2> err || { cat err; fail "load after the quota came back failed"; }
check_once "after quotaExceeded"

# The local record lost: the job history says where the last load ended.
gold_version 30
rm -f gold/_bq_load/*.json
bq --from-delta gold 2> err || { cat err; fail "load without the record failed"; }
check_once "after losing the record"

# kill -9 at random moments (before, during and after the job), then the
# same command again.
seed_k=${VL_KILL_SEED:-$(date +%s)}
echo "kill delays from seed $seed_k"
for d in $(awk -v s=$seed_k 'BEGIN { srand(s); for (i = 0; i < 5; i++) printf "%.2f\n", rand() * 0.6 }'); do
	seed=$((seed + 1))
	gold_version $seed
	ctl _fault '{"match":"/upload","slow":4}'
	bq-load --api "$API" --project test-project --dataset vitals --from-delta gold 2> /dev/null &
	job=$!
	sleep "$d"
	kill -9 $job 2> /dev/null || :
	wait $job 2> /dev/null || :
	ctl _reset '{}'
	bq --from-delta gold 2> err || { cat err; fail "load after kill -9 failed"; }
	check_once "after kill -9 at ${d}s"
	if grep -q 'up to date' err; then
		echo "kill at ${d}s: the killed run's job was found in the history"
		found=$((${found:-0} + 1))
	else
		echo "kill at ${d}s: loaded by the second run ($(stat_field out err) rows)"
	fi
done
# Some kills landed while the job ran (it is slowed to make sure).
[ "${found:-0}" -gt 0 ] || fail "no kill landed after the job was created"

# NDJSON on stdin: bad lines go to the rejects; the same input twice is
# loaded once (the second job is adopted).
delta-cat -q gold | head -n 20 | jq -c '.window_start |= sub("2026-03";"2027-03") | .event_date |= sub("2026-03";"2027-03")' > new.ndjson
{ cat new.ndjson; echo 'not json'; echo '{"patient_id":"x","nope":1}'; echo '{"ward":"icu"}'
  head -n 1 new.ndjson | jq -c '.readings = "many"'; } > mixed.ndjson
before=$(rows_in_bq)
bq --rejects rj.ndjson < mixed.ndjson 2> err || { cat err; fail "stdin load failed"; }
expect_grep 'in=24 out=20 rejected=4 ' err
expect_eq "reasons" "$(jq -r .reason rj.ndjson | sort | tr '\n' ' ')" "bad_json missing_field schema_mismatch unknown_field "
expect_grep 'readings is not a long' rj.ndjson
bq -v < new.ndjson 2> err
expect_grep 'adopted=1' err
expect_eq "stdin: loaded once" "$(rows_in_bq)" "$((before + 20))"

# A table whose schema differs is refused before anything is sent.
curl -sf -X POST -H "Authorization: Bearer tok-secret-1" -H 'Content-Type: application/json' \
    -d '{"tableReference":{"projectId":"test-project","datasetId":"vitals","tableId":"other"},"schema":{"fields":[{"name":"patient_id","type":"INTEGER"}]}}' \
    "$API/bigquery/v2/projects/test-project/datasets/vitals/tables" > /dev/null
expect_status 1 bq --table other --from-delta gold 2> err
expect_grep 'exists with another schema: column patient_id is NULLABLE INTEGER' err

# A table made before Gold had its alert columns takes them (NULLABLE,
# added by tables.patch), then the rows; a REQUIRED column missing is
# still refused.
jq -c '{tableReference: {projectId: "test-project", datasetId: "vitals", tableId: "evolved"},
    schema: {fields: [.schema.fields[] | select(.name != "alert" and .name != "alert_reason" and .name != "alerting_readings")]}}' \
    table.json > evolved.json
jq -e '.schema.fields | length > 30' evolved.json > /dev/null || fail "no Gold table schema to cut down"
curl -sf -X POST -H "Authorization: Bearer tok-secret-1" -H 'Content-Type: application/json' \
    -d @evolved.json "$API/bigquery/v2/projects/test-project/datasets/vitals/tables" > /dev/null
bq -v --table evolved --from-delta gold 2> err || { cat err; fail "loading into a table without the alert columns"; }
expect_grep "vitals.evolved: added 3 columns Gold has" err
curl -sf "$API/bigquery/v2/projects/test-project/datasets/vitals/tables/evolved" -H "Authorization: Bearer tok-secret-1" |
    jq -e '[.schema.fields[] | select(.name == "alert" or .name == "alert_reason" or .name == "alerting_readings") | .mode] == ["NULLABLE", "NULLABLE", "NULLABLE"]' > /dev/null ||
	fail "the alert columns were not added"
expect_eq "rows loaded into the evolved table" "$(curl -sf "$API/_tables/test-project/vitals/evolved" | wc -l | tr -d ' ')" \
    "$(delta-cat -q gold | wc -l | tr -d ' ')"
jq -c '.tableReference.tableId = "required" | .schema.fields |= map(select(.name != "readings"))' evolved.json > required.json
curl -sf -X POST -H "Authorization: Bearer tok-secret-1" -H 'Content-Type: application/json' \
    -d @required.json "$API/bigquery/v2/projects/test-project/datasets/vitals/tables" > /dev/null
expect_status 1 bq --table required --from-delta gold 2> err
expect_grep 'exists with another schema: column readings is missing' err

# The views: three query jobs, their SQL from schemas/bigquery.
bq --create-views 2> err || { cat err; fail "views failed"; }
for v in patient_risk_scores ward_alert_counts vital_signs_hourly_trend; do
	curl -sf "$API/_jobs" | grep -q "CREATE OR REPLACE MATERIALIZED VIEW \`test-project.vitals.$v\`" ||
	    fail "no job created $v"
done

# Dry run: the requests, no credential, nothing sent.
gold_version 60
n0=$(curl -sf "$API/_requests" | wc -l)
bq -n --from-delta gold > dry.txt 2> err
n1=$(curl -sf "$API/_requests" | wc -l)
expect_eq "dry run sends nothing" "$n1" "$n0"
expect_grep 'POST .*/upload/bigquery/v2/projects/test-project/jobs?uploadType=' dry.txt
expect_grep 'bytes of data' dry.txt
bq --from-delta gold 2> err || { cat err; fail "load after the dry run failed"; }
check_once "after the dry run"

# Credentials: a token file, a command, a service-account key (RS256
# JWT), an authorized_user refresh token, the metadata server; none of
# their secrets on stderr or in the dry run.
unset BQ_ACCESS_TOKEN
echo tok-secret-1 > tokfile
bq -v --token-file tokfile --from-delta gold 2> err || { cat err; fail "token file"; }
bq -v --token-command 'echo tok-secret-1' --from-delta gold 2> err || { cat err; fail "token command"; }
jq -n --rawfile k sa.pem --arg uri "$API/token" '{type:"service_account", project_id:"test-project",
    private_key_id:"k1", private_key:$k, client_email:"loader@test-project.iam.gserviceaccount.com",
    token_uri:$uri}' > sa.json
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json bq -v --from-delta gold 2> err || { cat err; fail "service account"; }
expect_grep 'credentials: service account loader@test-project' err
jq -n --arg uri "$API/token" '{type:"authorized_user", client_id:"cid", client_secret:"csecret-9",
    refresh_token:"rtoken-9", token_uri:$uri}' > au.json
GOOGLE_APPLICATION_CREDENTIALS=$T/au.json bq -v --from-delta gold 2> err || { cat err; fail "authorized_user"; }
GCE_METADATA_HOST=${API#http://} bq -v --from-delta gold 2> err || { cat err; fail "metadata server"; }
# A wrong token: refused with BigQuery's message.
echo wrong > bad
expect_status 1 bq --token-file bad --from-delta gold 2> err
expect_grep 'HTTP 401' err
cat err* dry.txt > all.txt
for s in tok-secret-1 csecret-9 rtoken-9 "BEGIN PRIVATE KEY"; do
	grep -q -- "$s" all.txt && fail "a secret ($s) reached the output"
done
# Plain http only to a loopback address.
BQ_ACCESS_TOKEN=tok-secret-1 expect_status 1 bq-load --api http://example.com --project p --dataset d --from-delta gold 2> err
expect_grep 'plain http only to a loopback address' err

# Looker Studio: a Linking API URL on the table and the views.
url=$(bq --looker-url)
case $url in https://lookerstudio.google.com/reporting/create\?*) ;; *) fail "not a Linking API URL: $url" ;; esac
for p in ds.ds0.connector=bigQuery ds.ds0.projectId=test-project ds.ds0.datasetId=vitals \
    ds.ds0.tableId=gold_patient_summary ds.ds1.tableId=patient_risk_scores ds.ds3.tableId=vital_signs_hourly_trend; do
	case $url in *"$p"*) ;; *) fail "Looker URL lacks $p" ;; esac
done
# Every body the client sent passed the published schema.
if [ -n "$disc" ]; then
	expect_eq "schema violations" "$(curl -sf "$API/_violations" | head -c 500)" ""
fi
