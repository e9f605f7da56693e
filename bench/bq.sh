# bq-load's upload against curl's, side by side on the loopback BigQuery
# of the tests (issue 10): the same ~100 MB of Gold NDJSON sent as a load
# job's media to the same server in the same run; bytes per second of
# the upload alone (the fake's own work on the rows is not counted).
#   BENCH_BQ_MB (100)
set -eu
BIN=$(cd "$(dirname "$0")/.." && pwd)/${1:-build}/bin
top=$(cd "$(dirname "$0")/.." && pwd)
MB=${BENCH_BQ_MB:-100}
[ -x /usr/bin/python3 ] || { echo "== bq-load vs curl: skipped (no /usr/bin/python3) =="; exit 0; }
command -v curl > /dev/null || { echo "== bq-load vs curl: skipped (no curl) =="; exit 0; }
w=$(mktemp -d "${TMPDIR:-/tmp}/vl-bqbench.XXXXXX")
trap 'kill $fake 2>/dev/null || :; rm -rf "$w"' EXIT
/usr/bin/python3 "$top/tests/bq/fake_bq.py" --port-file "$w/port" --token t > /dev/null 2>&1 &
fake=$!
while [ ! -s "$w/port" ]; do sleep 0.1; done
API=$(cat "$w/port")
# Gold rows enough for the size asked.
"$BIN/vitals-gen" --patients 100 --duration 4h --seed 3 | "$BIN/vitals-clean" -q |
    "$BIN/vitals-agg" -q > "$w/gold1.ndjson"
: > "$w/gold.ndjson"
i=0
while [ "$(wc -c < "$w/gold.ndjson")" -lt $((MB * 1000000)) ]; do
	i=$((i + 1))
	sed "s/\"patient_id\":\"/\"patient_id\":\"r$i-/" "$w/gold1.ndjson" >> "$w/gold.ndjson"
done
bytes=$(wc -c < "$w/gold.ndjson")
best=""
for round in 1 2 3; do
	# A fresh table each round, so each load is a new job.
	BQ_ACCESS_TOKEN=t "$BIN/bq-load" -v --api "$API" --project p --dataset d \
	    --table t$round < "$w/gold.ndjson" 2> "$w/err" || { cat "$w/err"; exit 1; }
	s=$(sed -n 's/.*uploaded [0-9]* bytes in \([0-9.]*\) s.*/\1/p' "$w/err" | tail -n 1)
	best=$(awk -v a="$best" -v b="$s" 'BEGIN { print (a == "" || b < a) ? b : a }')
done
# curl: the same bytes, one resumable session (init, then one PUT).
cbest=""
job='{"jobReference":{"projectId":"p","jobId":"curl_JOB"},"configuration":{"load":{"destinationTable":{"projectId":"p","datasetId":"d","tableId":"t1"},"sourceFormat":"NEWLINE_DELIMITED_JSON"}}}'
for round in 1 2 3; do
	loc=$(curl -sS -D - -o /dev/null -X POST -H 'Authorization: Bearer t' \
	    -H 'Content-Type: application/json' -H "X-Upload-Content-Length: $bytes" \
	    --data "$(echo "$job" | sed "s/JOB/$round/")" \
	    "$API/upload/bigquery/v2/projects/p/jobs?uploadType=resumable" |
	    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	s=$(curl -sS -o /dev/null -w '%{time_total}' -X PUT -H 'Authorization: Bearer t' \
	    -H "Content-Range: bytes 0-$((bytes - 1))/$bytes" -H 'Expect:' \
	    -T "$w/gold.ndjson" "$loc")
	cbest=$(awk -v a="$cbest" -v b="$s" 'BEGIN { print (a == "" || b < a) ? b : a }')
done
mbs() { awk -v n="$bytes" -v s="$1" 'BEGIN { printf "%.1f", (s > 0 ? n / 1e6 / s : 0) }'; }
echo "== bq-load upload vs curl, $bytes bytes of Gold NDJSON to the loopback BigQuery (tests/bq), best of 3 =="
printf '%-48s %8s %8s\n' job seconds MB/s
printf '%-48s %8s %8s\n' "bq-load (resumable, 8 MiB chunks)" "$best" "$(mbs "$best")"
printf '%-48s %8s %8s\n' "curl -T (one resumable PUT)" "$cbest" "$(mbs "$cbest")"
echo "(bq-load's time is that of its requests, from its -v line; making the rows is not counted, as curl's file exists)"
echo "bq-load / curl: $(awk -v a="$cbest" -v b="$best" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')x curl's rate (target: at least 0.9x)"
