# The loopback BigQuery of tests/bq/fake_bq.py, checked with independent
# clients: curl for the wire formats (multipart with CRLF and bare LF,
# resumable upload with 308/Range and a status query, 409 on a duplicate
# jobId, PENDING -> RUNNING -> DONE, a bad row failing the whole job,
# 401, the discovery document's rules, faults), then Google's own `bq`
# command, where it is installed, loading through the fake with both
# upload protocols, none of its requests refused by the validation.
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 for the fake BigQuery"
command -v curl > /dev/null || skip "needs curl"
command -v jq > /dev/null || skip "needs jq"
DISC=/usr/lib/google-cloud-sdk/platform/bq/discovery_next/bigquery.json
disc=""
if [ -f "$DISC" ]; then disc="--discovery $DISC"; else
	echo "notice: no BigQuery discovery document ($DISC): validation not checked"; fi

TOK=tok-fake-secret-7
/usr/bin/python3 "$TOP/tests/bq/fake_bq.py" --port-file port $disc --token "$TOK" \
    --log fake.log 2> fake.err &
fake=$!
trap 'kill $fake 2>/dev/null || :' EXIT
i=0; while [ ! -s port ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat fake.err >&2; fail "the fake did not start"; }
	sleep 0.1
done
API=$(cat port)
case $API in http://127.0.0.1:[0-9]*) ;; *) fail "port file holds '$API'" ;; esac
P=$API/bigquery/v2/projects/test-project
U=$API/upload/bigquery/v2/projects/test-project/jobs

# call METHOD URL [curl args...]: the status on stdout, the body in out,
# the headers in hdr.
call() {
	m=$1 u=$2; shift 2
	curl -s -S -X "$m" -D hdr -o out -w '%{http_code}' -H "Authorization: Bearer $TOK" "$@" "$u"
}
json() { call "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"; }
ctl() { curl -sf -X POST --data-binary "$2" "$API/$1" > /dev/null || fail "control $1 $2"; }
rows() { curl -sf "$API/_tables/test-project/ds/$1" | wc -l | tr -d ' '; }
hdr() { tr -d '\r' < hdr | sed -n "s/^$1: *//Ip"; }
# poll ID: jobs.get until DONE; the states seen in states, the job in out.
poll() {
	: > states
	for i in 1 2 3 4 5 6 7 8 9 10; do
		expect_eq "jobs.get $1" "$(call GET "$P/jobs/$1?location=US")" 200
		jq -r .status.state out >> states
		[ "$(jq -r .status.state out)" != DONE ] || return 0
	done
	fail "job $1 not DONE after 10 polls: $(tr '\n' ' ' < states)"
}
# multipart JOBJSON DATAFILE EOL: a multipart/related body in mp.body,
# its parts separated by EOL (the printf escape \r\n or \n).
multipart() {
	{ printf -- "--b0undary$3Content-Type: application/json; charset=UTF-8$3$3"
	  printf '%s' "$1"
	  printf -- "$3--b0undary$3Content-Type: application/octet-stream$3$3"
	  cat "$2"
	  printf -- "$3--b0undary--$3"; } > mp.body
}
upload() { call POST "$U?uploadType=multipart" -H 'Content-Type: multipart/related; boundary=b0undary' --data-binary @mp.body; }
load_job() {	# JOBID [EXTRA CONFIG.LOAD JSON]
	echo '{"jobReference":{"projectId":"test-project","jobId":"'"$1"'","location":"US"},
	  "configuration":{"load":{"destinationTable":{"projectId":"test-project","datasetId":"ds","tableId":"t"},
	  "sourceFormat":"NEWLINE_DELIMITED_JSON","writeDisposition":"WRITE_APPEND"'"${2:-}"'}}}'
}

# A dataset and a table.
expect_eq "datasets.get before" "$(call GET "$P/datasets/ds")" 404
expect_eq "notFound" "$(jq -r '.error.errors[0].reason' out)" notFound
expect_eq "datasets.insert" "$(json POST "$P/datasets" '{"datasetReference":{"projectId":"test-project","datasetId":"ds"}}')" 200
expect_eq "datasets.insert again" "$(json POST "$P/datasets" '{"datasetReference":{"projectId":"test-project","datasetId":"ds"}}')" 409
expect_eq "duplicate dataset" "$(jq -r '.error.errors[0].reason' out)" duplicate
SCHEMA='[{"name":"name","type":"STRING","mode":"REQUIRED"},{"name":"ts","type":"TIMESTAMP"},{"name":"n","type":"INTEGER"}]'
expect_eq "tables.insert" "$(json POST "$P/datasets/ds/tables" '{"tableReference":{"projectId":"test-project","datasetId":"ds","tableId":"t"},
    "schema":{"fields":'"$SCHEMA"'},"timePartitioning":{"type":"DAY","field":"ts"}}')" 200
expect_eq "tables.get" "$(call GET "$P/datasets/ds/tables/t")" 200
expect_eq "numRows, a string" "$(jq -c '[.numRows, .timePartitioning.field, .schema.fields[0].mode]' out)" '["0","ts","REQUIRED"]'

# Multipart (CRLF) with three rows: PENDING, then RUNNING, then DONE, and
# the rows are there.
cat > three.ndjson <<'EOF'
{"name":"a","ts":"2026-01-01T00:00:00.000000Z","n":1}
{"name":"b","ts":"2026-01-01T01:00:00.000000Z","n":"2"}
{"name":"c","n":3}
EOF
multipart "$(load_job j_multi)" three.ndjson '\r\n'
expect_eq "multipart load" "$(upload)" 200
expect_eq "inserted state" "$(jq -r .status.state out)" PENDING
expect_eq "job id" "$(jq -r .id out)" "test-project:US.j_multi"
expect_eq "rows before DONE" "$(rows t)" 0
poll j_multi
expect_eq "states" "$(tr '\n' ' ' < states)" "RUNNING DONE "
expect_eq "no errorResult" "$(jq -r '.status.errorResult // "none"' out)" none
expect_eq "load statistics" "$(jq -c '.statistics.load | [.outputRows, .badRecords, .inputFileBytes]' out)" \
    "[\"3\",\"0\",\"$(wc -c < three.ndjson | tr -d ' ')\"]"
expect_eq "rows after DONE" "$(rows t)" 3
curl -sf "$API/_tables/test-project/ds/t" | jq -r .name | tr '\n' ' ' > names
expect_eq "stored rows" "$(cat names)" "a b c "
expect_eq "numRows" "$(call GET "$P/datasets/ds/tables/t" >/dev/null; jq -r .numRows out)" 3

# The same jobId again: 409 duplicate, and nothing loaded.
expect_eq "duplicate jobId" "$(upload)" 409
expect_eq "duplicate reason" "$(jq -r '.error.errors[0].reason' out)" duplicate
expect_eq "duplicate message" "$(jq -r '.error.message' out)" "Already Exists: Job test-project:US.j_multi"
expect_eq "rows after the duplicate" "$(rows t)" 3

# Bare LF between the parts (as bq writes them), with maxBadRecords 1: the
# bad line is skipped and counted, the others loaded.
printf '%s\n' '{"name":"d","n":4}' '{"n":5}' '{"name":"e"}' > onebad.ndjson
multipart "$(load_job j_lf ',"maxBadRecords":1')" onebad.ndjson '\n'
expect_eq "LF multipart" "$(upload)" 200
poll j_lf
expect_eq "maxBadRecords 1" "$(jq -c '[.status.errorResult, .statistics.load.outputRows, .statistics.load.badRecords]' out)" '[null,"2","1"]'
jq -r '.status.errors[0].message' out | grep -q 'line 2' || fail "the skipped row's line is not named: $(jq -c .status out)"
expect_eq "rows after LF" "$(rows t)" 5

# A bad row beyond maxBadRecords: DONE with errorResult naming the line,
# nothing appended.
printf '%s\n' '{"name":"f","n":6}' '{"name":"g","ts":"yesterday"}' '{"name":"h"}' > bad.ndjson
multipart "$(load_job j_bad)" bad.ndjson '\r\n'
expect_eq "bad load accepted" "$(upload)" 200
poll j_bad
expect_eq "errorResult reason" "$(jq -r .status.errorResult.reason out)" invalid
jq -r .status.errorResult.message out > msg
expect_grep 'line 2' msg
expect_grep 'ts' msg
expect_eq "nothing appended" "$(rows t)" 5
expect_eq "no outputRows" "$(jq -r '.statistics.load.outputRows // "none"' out)" none

# Resumable in two chunks: 308 without Range before any byte, 308 with
# Range after the first chunk, the same on a status query, 200 and the Job
# with the last byte.
printf '%s\n' '{"name":"r1","n":10}' '{"name":"r2","ts":"2026-02-03T04:05:06Z"}' '{"name":"r3","n":"-12"}' > res.ndjson
len=$(wc -c < res.ndjson | tr -d ' ')
expect_eq "resumable init" "$(call POST "$U?uploadType=resumable" -H 'Content-Type: application/json; charset=UTF-8' \
    -H 'X-Upload-Content-Type: application/octet-stream' -H "X-Upload-Content-Length: $len" --data-binary "$(load_job j_res)")" 200
sess=$(hdr Location)
case $sess in "$U?uploadType=resumable&upload_id="?*) ;; *) fail "Location is '$sess'" ;; esac
expect_eq "empty status query" "$(call PUT "$sess" -H "Content-Range: bytes */$len" --data-binary '')" 308
expect_eq "no Range before any byte" "$(hdr Range)" ""
head -c 25 res.ndjson > c1
tail -c +26 res.ndjson > c2
expect_eq "first chunk" "$(call PUT "$sess" -H "Content-Range: bytes 0-24/$len" --data-binary @c1)" 308
expect_eq "Range after the first chunk" "$(hdr Range)" "bytes=0-24"
expect_eq "status query" "$(call PUT "$sess" -H "Content-Range: bytes */$len" --data-binary '')" 308
expect_eq "Range on the status query" "$(hdr Range)" "bytes=0-24"
expect_eq "no job yet" "$(call GET "$P/jobs/j_res?location=US")" 404
expect_eq "last chunk" "$(call PUT "$sess" -H "Content-Range: bytes 25-$((len - 1))/$len" --data-binary @c2)" 200
expect_eq "the Job" "$(jq -r .jobReference.jobId out)" j_res
expect_eq "status after the end" "$(call PUT "$sess" -H "Content-Range: bytes */$len" --data-binary '')" 200
poll j_res
expect_eq "resumable rows" "$(jq -r .statistics.load.outputRows out)" 3
expect_eq "rows after resumable" "$(rows t)" 8
expect_eq "unknown session" "$(call PUT "$U?uploadType=resumable&upload_id=nosuch" -H "Content-Range: bytes */1" --data-binary '')" 404
# Total unknown (bytes a-b/*) until the last chunk.
expect_eq "init without length" "$(call POST "$U?uploadType=resumable" -H 'Content-Type: application/json' \
    -H 'X-Upload-Content-Type: application/octet-stream' --data-binary "$(load_job j_star)")" 200
sess=$(hdr Location)
expect_eq "chunk of unknown total" "$(call PUT "$sess" -H "Content-Range: bytes 0-24/*" --data-binary @c1)" 308
expect_eq "Range, unknown total" "$(hdr Range)" "bytes=0-24"
expect_eq "last chunk with total" "$(call PUT "$sess" -H "Content-Range: bytes 25-$((len - 1))/$len" --data-binary @c2)" 200
poll j_star
expect_eq "rows after j_star" "$(rows t)" 11

# jobs.list: newest first, state at the top level.
expect_eq "jobs.list" "$(call GET "$P/jobs?projection=minimal&maxResults=2&allUsers=false")" 200
expect_eq "newest first" "$(jq -c '[.jobs[] | [.jobReference.jobId, .state]]' out)" '[["j_star","DONE"],["j_res","DONE"]]'
tokn=$(jq -r .nextPageToken out)
expect_eq "jobs.list page 2" "$(call GET "$P/jobs?projection=minimal&maxResults=2&allUsers=false&pageToken=$tokn")" 200
expect_eq "page 2" "$(jq -c '[.jobs[] | .jobReference.jobId]' out)" '["j_bad","j_lf"]'
expect_eq "failed job's errorResult" "$(jq -r '.jobs[0].errorResult.reason' out)" invalid

# A query job (DDL): DONE with its statementType, the view in the dataset.
expect_eq "query job" "$(json POST "$P/jobs" '{"jobReference":{"projectId":"test-project","jobId":"j_mv"},
    "configuration":{"query":{"useLegacySql":false,"query":"CREATE OR REPLACE MATERIALIZED VIEW `test-project.ds.mv` AS SELECT name, COUNT(*) AS c FROM `test-project.ds.t` GROUP BY name"}}}')" 200
poll j_mv
expect_eq "statementType" "$(jq -r .statistics.query.statementType out)" CREATE_MATERIALIZED_VIEW
expect_eq "the view" "$(call GET "$P/datasets/ds/tables/mv")" 200
expect_eq "view type" "$(jq -r .type out)" MATERIALIZED_VIEW

# No token, a wrong token: 401 with Google's error body.
expect_eq "no token" "$(curl -s -o out -w '%{http_code}' "$P/datasets/ds")" 401
expect_eq "401 body" "$(jq -r '.error.code' out)" 401
expect_eq "wrong token" "$(curl -s -o out -w '%{http_code}' -H 'Authorization: Bearer nope' "$P/jobs/j_multi")" 401

# A 503 fault is served once, then gone.
ctl _fault '{"match":"^GET /bigquery/v2/projects/test-project/datasets/ds$","status":503}'
expect_eq "503 fault" "$(call GET "$P/datasets/ds")" 503
expect_eq "503 reason" "$(jq -r '.error.errors[0].reason' out)" backendError
expect_eq "after the fault" "$(call GET "$P/datasets/ds")" 200
# drop_after: the connection closes mid-upload, no answer, no job; the
# same upload then goes through.
multipart "$(load_job j_drop)" three.ndjson '\r\n'
ctl _fault '{"match":"^POST /upload/","drop_after":100}'
set +e; upload > code 2> curl.err; rc=$?; set -e
[ $rc -ne 0 ] || fail "curl exited 0 on a dropped connection (HTTP $(cat code))"
expect_eq "no job after the drop" "$(call GET "$P/jobs/j_drop?location=US")" 404
expect_eq "upload after the drop" "$(upload)" 200
poll j_drop
expect_eq "rows after j_drop" "$(rows t)" 14

# Google's bq against the fake.
bq_part() {
	command -v bq > /dev/null || { echo "bq cross-check skipped: no bq command"; return 0; }
	[ -n "$disc" ] || { echo "bq cross-check skipped: no discovery document for --discovery_file"; return 0; }
	mkdir gcloud
	echo "$TOK" > tokfile
	: > bigqueryrc
	export CLOUDSDK_CONFIG="$T/gcloud" CLOUDSDK_AUTH_ACCESS_TOKEN_FILE="$T/tokfile" \
	    CLOUDSDK_CORE_DISABLE_PROMPTS=1 CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=1 \
	    CLOUDSDK_CORE_CHECK_GCE_METADATA=false CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true
	unset GOOGLE_APPLICATION_CREDENTIALS CLOUDSDK_CORE_PROJECT BIGQUERYRC
	bqc() {
		timeout 120 bq --bigqueryrc="$T/bigqueryrc" --headless --api="$API" --discovery_file="$DISC" \
		    --project_id=test-project --location=US "$@"
	}
	if ! bqc ls > bq.out 2>&1; then
		echo "bq cross-check skipped: bq cannot talk to the fake: $(tail -n 3 bq.out | tr '\n' ' ')"
		return 0
	fi
	grep -q '^ *ds *$' bq.out || fail "bq ls does not show ds: $(cat bq.out)"
	n0=$(curl -sf "$API/_requests" | wc -l)
	echo "$SCHEMA" > schema.json
	# tables.insert with partitioning and clustering.
	bqc mk --table --time_partitioning_field=ts --clustering_fields=name ds.bqpart schema.json > bq.out 2>&1 ||
	    { cat bq.out >&2; fail "bq mk --table failed"; }
	expect_eq "bq mk: the table" "$(call GET "$P/datasets/ds/tables/bqpart")" 200
	expect_eq "bq mk: layout" "$(jq -c '[.timePartitioning.type, .timePartitioning.field, .clustering.fields]' out)" '["DAY","ts",["name"]]'
	# A new table from the load's schema, resumable upload (bq's default).
	bqc load --source_format=NEWLINE_DELIMITED_JSON ds.bqt three.ndjson schema.json > bq.out 2>&1 ||
	    { cat bq.out >&2; fail "bq load (resumable) failed"; }
	expect_eq "bq: rows" "$(rows bqt)" 3
	curl -sf "$API/_requests" | tail -n +$((n0 + 1)) > bq.req
	grep -q '"PUT".*upload_id' bq.req || fail "bq load did not upload resumably: $(cat bq.req)"
	# Multipart, with a job id of its own, then that id again: bq sees
	# the 409 as "Already Exists" and exits 2.
	if bqc load --help 2>/dev/null | grep -q 'enable_resumable_uploads'; then
		n0=$(curl -sf "$API/_requests" | wc -l)
		bqc load --noenable_resumable_uploads --job_id=bq_dup --source_format=NEWLINE_DELIMITED_JSON \
		    ds.bqt three.ndjson schema.json > bq.out 2>&1 || { cat bq.out >&2; fail "bq load (multipart) failed"; }
		expect_eq "bq: rows after multipart" "$(rows bqt)" 6
		curl -sf "$API/_requests" | tail -n +$((n0 + 1)) > bq.req
		grep -q 'uploadType=multipart' bq.req || fail "bq did not upload multipart: $(cat bq.req)"
		expect_status 2 bqc load --job_id=bq_dup --source_format=NEWLINE_DELIMITED_JSON \
		    ds.bqt three.ndjson schema.json > bq.out 2>&1
		expect_grep 'Already Exists: Job test-project:US.bq_dup' bq.out
		expect_eq "bq: rows after the duplicate" "$(rows bqt)" 6
	else
		echo "bq cross-check: bq load has no --enable_resumable_uploads; multipart not cross-checked"
	fi
	# A bad row: bq reports the job's errorResult and fails.
	set +e; bqc load --source_format=NEWLINE_DELIMITED_JSON ds.bqt bad.ndjson > bq.out 2>&1; rc=$?; set -e
	[ $rc -ne 0 ] || fail "bq load of a bad row exited 0"
	expect_grep 'line 2' bq.out
	expect_eq "bq: rows after the bad row" "$(rows bqt)" 6
	# DDL through bq query; jobs.list as bq reads it.
	bqc query --nouse_legacy_sql 'CREATE MATERIALIZED VIEW ds.bqmv AS SELECT name, COUNT(*) AS c FROM ds.bqt GROUP BY name' > bq.out 2>&1 ||
	    { cat bq.out >&2; fail "bq query (DDL) failed"; }
	expect_eq "bq: the view" "$(call GET "$P/datasets/ds/tables/bqmv")" 200
	expect_eq "bq: view type" "$(jq -r .type out)" MATERIALIZED_VIEW
	bqc ls -j -n 3 > bq.out 2>&1 || { cat bq.out >&2; fail "bq ls -j failed"; }
	grep -q 'query .*SUCCESS' bq.out || fail "bq ls -j: $(cat bq.out)"
	grep -q 'load .*FAILURE' bq.out || fail "bq ls -j: $(cat bq.out)"
	# Every body and query parameter bq sent (and curl's above) passed
	# the validation.
	curl -sf "$API/_violations" > bq.viol
	[ ! -s bq.viol ] || fail "requests broke the discovery rules: $(cat bq.viol)"
	echo "bq cross-check: tables.insert, load (resumable and multipart), 409, errorResult, DDL, jobs.list: ok"
}
bq_part

# The discovery document's rules.
if [ -n "$disc" ]; then
	v0=$(curl -sf "$API/_violations" | wc -l)
	multipart "$(load_job j_unknown ',"bogusOption":true')" three.ndjson '\r\n'
	expect_eq "unknown property" "$(upload)" 400
	expect_eq "400 reason" "$(jq -r '.error.errors[0].reason' out)" invalid
	jq -r .error.message out | grep -q 'bogusOption.*job.configuration.load' ||
	    fail "the message does not name the property: $(jq -r .error.message out)"
	expect_eq "unknown property in a resumable init" "$(call POST "$U?uploadType=resumable" -H 'Content-Type: application/json' \
	    --data-binary "$(load_job j_unknown ',"bogusOption":true')")" 400
	multipart "$(load_job j_int32 ',"maxBadRecords":"1"')" three.ndjson '\r\n'
	expect_eq "int32 as a string" "$(upload)" 400
	jq -r .error.message out | grep -q maxBadRecords || fail "maxBadRecords not named: $(jq -r .error.message out)"
	expect_eq "int64 as a number" "$(json POST "$P/jobs" '{"jobReference":{"jobId":"j_int64"},"configuration":{"jobTimeoutMs":60000,
	    "query":{"query":"SELECT 1","useLegacySql":false}}}')" 400
	jq -r .error.message out | grep -q jobTimeoutMs || fail "jobTimeoutMs not named: $(jq -r .error.message out)"
	expect_eq "bad enum" "$(json POST "$P/datasets/ds/tables" '{"tableReference":{"projectId":"test-project","datasetId":"ds","tableId":"t9"},
	    "timePartitioning":{"type":"WEEK"}}')" 400
	expect_eq "violations recorded" "$(($(curl -sf "$API/_violations" | wc -l) - v0))" 5
	# The same job written correctly goes through.
	expect_eq "int64 as a string" "$(json POST "$P/jobs" '{"jobReference":{"jobId":"j_int64"},"configuration":{"jobTimeoutMs":"60000",
	    "query":{"query":"SELECT 1","useLegacySql":false}}}')" 200
	multipart "$(load_job j_int32 ',"maxBadRecords":1')" three.ndjson '\r\n'
	expect_eq "int32 as a number" "$(upload)" 200
fi

# No token value in the request log.
curl -sf "$API/_requests" > requests.jsonl
[ -s requests.jsonl ] || fail "empty request log"
! grep -q "$TOK" requests.jsonl fake.log fake.err || fail "a token reached the log"
expect_eq "log file = /_requests" "$(lines fake.log)" "$(lines requests.jsonl)"
# No exception in the fake, and SIGTERM ends it with status 0.
[ ! -s fake.err ] || grep -v '^fake_bq: no discovery document' fake.err | { ! grep .; } ||
    fail "the fake wrote to stderr: $(head -c 1000 fake.err)"
kill $fake
set +e; wait $fake; rc=$?; set -e
expect_eq "fake's exit status on SIGTERM" "$rc" 0
