#!/bin/sh
# vitals-report on a simulated day: the time and peak memory to make the
# page (and one view) from a Gold table of PATIENTS patients over HOURS
# hours of one-minute windows.  The Gold rows are made by the real tools
# for 20 patients, then copied under new patient ids up to PATIENTS, so
# the day costs minutes to make rather than an hour of vitals-gen.
#
#   sh bench/report.sh		PATIENTS=500 HOURS=24 BUILD=build
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
BIN=$top/${BUILD:-build}/bin
PATIENTS=${PATIENTS:-500}
HOURS=${HOURS:-24}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vl-bench-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
for tool in vitals-gen vitals-clean iforest-score vitals-agg delta-commit vitals-report; do
	[ -x "$BIN/$tool" ] || { echo "report: build first ($BIN/$tool)" >&2; exit 2; }
done

"$BIN/vitals-gen" --patients 20 --duration "${HOURS}h" --seed 1 --episodes 1 |
    "$BIN/vitals-clean" -q | "$BIN/iforest-score" -q | "$BIN/vitals-agg" -q > "$tmp/base.ndjson"
copies=$(( (PATIENTS + 19) / 20 ))
awk -v n="$copies" '{ for (i = 0; i < n; i++) { l = $0; sub(/"patient_id":"/, "&" i "-", l); print l } }' \
    "$tmp/base.ndjson" > "$tmp/gold.ndjson"
rows=$(wc -l < "$tmp/gold.ndjson" | tr -d ' ')
"$BIN/delta-commit" -q --schema gold --partition-by event_date,patient_id \
    --batch-rows 100000 "$tmp/gold" "$tmp/gold.ndjson"

measure() {	# NAME CMD...: "wall maxrss_kb" in $tmp/NAME.time
	name=$1; shift
	/usr/bin/time -f '%e %M' -o "$tmp/$name.time" "$@"
}
measure page "$BIN/vitals-report" -q -o "$tmp/report.html" "$tmp/gold"
measure stdin sh -c "'$BIN/vitals-report' -q -o '$tmp/stdin.html' < '$tmp/gold.ndjson'"
measure view "$BIN/vitals-report" -q --view vital_signs_hourly_trend -o "$tmp/trend.ndjson" "$tmp/gold"
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

echo "report: $((copies * 20)) patients, ${HOURS} h, $rows Gold windows ($(mb "$(du -sb "$tmp/gold" | cut -f1)") MB of table)"
printf '%-40s %10s %12s %10s\n' "vitals-report" seconds "peak RSS MB" "output MB"
printf '%-40s %10s %12s %10s\n' "page from the Delta table" "$(cut -d' ' -f1 "$tmp/page.time")" \
    "$(awk '{ printf "%.0f", $2 / 1024 }' "$tmp/page.time")" "$(mb "$(wc -c < "$tmp/report.html")")"
printf '%-40s %10s %12s %10s\n' "page from NDJSON on stdin" "$(cut -d' ' -f1 "$tmp/stdin.time")" \
    "$(awk '{ printf "%.0f", $2 / 1024 }' "$tmp/stdin.time")" "$(mb "$(wc -c < "$tmp/stdin.html")")"
printf '%-40s %10s %12s %10s\n' "--view vital_signs_hourly_trend" "$(cut -d' ' -f1 "$tmp/view.time")" \
    "$(awk '{ printf "%.0f", $2 / 1024 }' "$tmp/view.time")" "$(mb "$(wc -c < "$tmp/trend.ndjson")")"
# The page in a browser: how long a laptop's Chromium takes to draw it,
# the heap it holds, and the redraws a user waits for.
if command -v chromium > /dev/null && command -v node > /dev/null; then
	if node "$top/tests/verify/report-open.mjs" --url "file://$tmp/report.html" > "$tmp/open.json"; then :; fi
	jq -r '"page in headless Chromium: drawn \(.drawn) in \(.ready_s) s, JS heap \(.heap_mb) MB; " +
	    "another patient \(.patient_s) s, another ward \(.ward_s) s; script errors: \(.errors | length)"' \
	    "$tmp/open.json" 2> /dev/null || echo "page in headless Chromium: no figures ($(cat "$tmp/open.json"))"
else
	echo "page in headless Chromium: skipped (needs chromium and node)"
fi
