# vitals-report --serve: the page on loopback, only its own two paths,
# and a version delta-commit commits reaches an open page in Chromium by
# itself (tests/verify/report-browser.mjs --then), with no patient data
# in the server's log.  Screenshots go to build/report-screenshots/.
command -v jq > /dev/null || skip "needs jq"
command -v curl > /dev/null || skip "needs curl"

vitals-gen --patients 20 --duration 3h --seed 2 --episodes 1 --truth |
    vitals-clean -q | iforest-score -q | vitals-agg -q > gold.ndjson
jq -c 'select(.window_start < "2026-01-01T02:00")' gold.ndjson > first.ndjson
jq -c 'select(.window_start >= "2026-01-01T02:00")' gold.ndjson > rest.ndjson
[ "$(lines rest.ndjson)" -gt 100 ] || fail "too few rows for the second commit"
delta-commit -q --schema gold --partition-by event_date,patient_id gold first.ndjson

vitals-report -v --serve --port 0 gold 2> serve.err &
server=$!
trap 'kill $server 2>/dev/null || :' EXIT
i=0
until grep -q 'serving http://' serve.err; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat serve.err; fail "the server did not start"; }
	kill -0 $server 2>/dev/null || { cat serve.err; fail "the server exited"; }
	sleep 0.1
done
url=$(sed -n 's|.*serving \(http://127\.0\.0\.1:[0-9]*/\) (version 0)$|\1|p' serve.err)
[ -n "$url" ] || { cat serve.err; fail "no loopback URL"; }

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect_eq "the page" "$(code "$url")" 200
expect_eq "the event stream's type" "$(curl -s -m 1 -o /dev/null -w '%{content_type}' "${url}events" || :)" \
    "text/event-stream; charset=utf-8"
expect_eq "another path" "$(code "${url}index.html")" 404
expect_eq "a path out" "$(code --path-as-is "${url}../../etc/passwd")" 404
expect_eq "an encoded path out" "$(code "${url}%2e%2e/%2e%2e/etc/passwd")" 404
expect_eq "POST" "$(code -X POST "$url")" 405
expect_eq "another Host (DNS rebinding)" "$(code -H 'Host: rebind.example:80' "$url")" 403
curl -s -D headers -o page.html "$url"
expect_grep "connect-src 'self'" page.html
expect_grep "^Content-Security-Policy: default-src 'none'" headers
# Nobody but loopback: the port is not open on another address.
addr=$(hostname -I 2>/dev/null | awk '{ print $1 }')
port=${url##*:}; port=${port%/}
if [ -n "$addr" ]; then
	expect_eq "from $addr" "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$addr:$port/" || :)" 000
fi

if command -v chromium > /dev/null && command -v node > /dev/null; then
	node "$TOP/tests/verify/report-browser.mjs" --url "$url" --gold first.ndjson \
	    --shots shots --then "delta-commit -q gold '$T/rest.ndjson'" \
	    --then-rows "$(lines rest.ndjson)" || fail "the live page in Chromium"
	mkdir -p "$TOP/build/report-screenshots"
	cp shots/live.png "$TOP/build/report-screenshots/live.png"
else
	# Without a browser: the event of the new version on the stream.
	curl -s -N -m 5 "${url}events?since=0" > events &
	sleep 0.5
	delta-commit -q gold rest.ndjson
	wait $! || :
	expect_grep '^id: 1$' events
fi
expect_grep "^vitals-report: version=1 rows=$(lines rest.ndjson)\$" serve.err

kill -TERM $server
set +e; wait $server; rc=$?; set -e
expect_eq "killed by SIGTERM" $rc 143
for p in $(jq -r .patient_id gold.ndjson | sort -u); do
	grep -q "$p" serve.err && fail "a patient id is in the server's log"
done
:
