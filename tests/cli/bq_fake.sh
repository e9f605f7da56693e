# The loopback BigQuery itself (tests/bq/fake_bq.py), which bq-load's
# tests rely on: Google's own bq tool loads through it, by resumable and
# by multipart upload, and its requests pass the fake's check against the
# published discovery document; and the fake refuses what BigQuery
# refuses: no token, a job id used twice, an unknown property, an int64
# sent as a number.
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 for the fake BigQuery"
DISC=/usr/lib/google-cloud-sdk/platform/bq/discovery_next/bigquery.json
[ -f "$DISC" ] || skip "needs BigQuery's discovery document (Google Cloud CLI) to check the fake against"
/usr/bin/python3 "$TOP/tests/bq/fake_bq.py" --port-file port --discovery "$DISC" --token tok 2> fake.err &
fake=$!
trap 'kill $fake 2>/dev/null || :' EXIT
i=0; while [ ! -s port ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "no fake server"; sleep 0.1; done
API=$(cat port)
call() { curl -s -o out.json -w '%{http_code}' -H 'Authorization: Bearer tok' -H 'Content-Type: application/json' "$@"; }

expect_eq "no token" "$(curl -s -o /dev/null -w '%{http_code}' "$API/bigquery/v2/projects/p/datasets/d")" 401
expect_eq "dataset" "$(call -X POST -d '{"datasetReference":{"projectId":"p","datasetId":"d"}}' "$API/bigquery/v2/projects/p/datasets")" 200
expect_eq "unknown property" "$(call -X POST -d '{"jobReference":{"projectId":"p","jobId":"j1"},"configuration":{"load":{"nope":1}}}' "$API/bigquery/v2/projects/p/jobs")" 400
expect_grep 'configuration.load.nope: unknown field' out.json
expect_eq "int64 as a number" "$(call -X POST -d '{"jobReference":{"projectId":"p","jobId":"j1"},"configuration":{"jobTimeoutMs":5,"query":{"query":"SELECT 1"}}}' "$API/bigquery/v2/projects/p/jobs")" 400
expect_grep 'jobTimeoutMs: an int64 must be sent as a string' out.json
expect_eq "int32 as a string" "$(call -X POST -d '{"jobReference":{"projectId":"p","jobId":"j1"},"configuration":{"load":{"maxBadRecords":"3"}}}' "$API/bigquery/v2/projects/p/jobs")" 400
expect_eq "a query job" "$(call -X POST -d '{"jobReference":{"projectId":"p","jobId":"j1"},"configuration":{"query":{"query":"SELECT 1","useLegacySql":false}}}' "$API/bigquery/v2/projects/p/jobs")" 200
expect_eq "the same job id again" "$(call -X POST -d '{"jobReference":{"projectId":"p","jobId":"j1"},"configuration":{"query":{"query":"SELECT 1"}}}' "$API/bigquery/v2/projects/p/jobs")" 409
expect_eq "409 reason" "$(jq -r '.error.errors[0].reason' out.json)" duplicate
# A job turns DONE on its second get.
call "$API/bigquery/v2/projects/p/jobs/j1" > /dev/null
call "$API/bigquery/v2/projects/p/jobs/j1" > /dev/null
expect_eq "done" "$(jq -r .status.state out.json)" DONE

command -v bq > /dev/null || { echo "bq cross-check skipped: no bq tool"; exit 0; }
echo tok > tokfile
export CLOUDSDK_CONFIG="$T/gcloud" CLOUDSDK_AUTH_ACCESS_TOKEN_FILE="$T/tokfile"
BQ="bq --api=$API --discovery_file=$DISC --project_id=test-project --location=US"
printf '{"a":"x","n":1}\n{"a":"y","n":"2"}\n' > rows.ndjson
echo '[{"name":"a","type":"STRING","mode":"REQUIRED"},{"name":"n","type":"INTEGER"}]' > schema.json
timeout 120 $BQ mk --dataset test-project:ds > bq.out 2>&1 || { cat bq.out; fail "bq mk failed against the fake"; }
timeout 120 $BQ load --source_format=NEWLINE_DELIMITED_JSON ds.t rows.ndjson schema.json > bq.out 2>&1 ||
    { cat bq.out; fail "bq load (resumable) failed against the fake"; }
timeout 120 $BQ load --noenable_resumable_uploads --source_format=NEWLINE_DELIMITED_JSON ds.t rows.ndjson > bq.out 2>&1 ||
    { cat bq.out; fail "bq load (multipart) failed against the fake"; }
expect_eq "bq's rows arrived" "$(curl -s "$API/_tables/test-project/ds/t" | wc -l | tr -d ' ')" 4
expect_eq "bq's uploads" "$(curl -s "$API/_requests" | jq -r 'select(.path | startswith("/upload")) | .query' | grep -o 'uploadType=[a-z]*' | sort -u | tr '\n' ' ')" \
    "uploadType=multipart uploadType=resumable "
# A bad row fails bq's job, as BigQuery would: nothing appended.
echo '{"n":3}' > bad.ndjson
expect_status 1 timeout 120 $BQ load --source_format=NEWLINE_DELIMITED_JSON ds.t bad.ndjson > bq.out 2>&1
expect_grep 'missing required field a' bq.out
expect_eq "still 4 rows" "$(curl -s "$API/_tables/test-project/ds/t" | wc -l | tr -d ' ')" 4
# What the official client sent, the fake's schema check accepted.
expect_eq "violations by bq" "$(curl -s "$API/_violations" | grep -v 'nope\|jobTimeoutMs\|maxBadRecords' | head -c 300)" ""
