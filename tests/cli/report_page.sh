# vitals-report writes one self-contained HTML page: nothing it loads
# from outside, the assets and the licence inside, no data able to end
# its script element; headless Chromium opens it with no script errors,
# its charts hold the data's points, the filters and the patient picker
# work (tests/verify/report-browser.mjs).  Screenshots are kept in
# build/report-screenshots/.
command -v jq > /dev/null || skip "needs jq"

vitals-gen --patients 30 --duration 3h --seed 1 --episodes 1 --truth |
    vitals-clean -q | iforest-score -q | vitals-agg -q > gold.ndjson
delta-commit -q --schema gold --partition-by event_date,patient_id gold gold.ndjson

vitals-report -o report.html gold 2> err
expect_grep "^vitals-report: version=0 files=30 rows=$(lines gold.ndjson)\$" err
# Self-contained: no URL the page would load (the licence and the
# comments name https:// pages; no src=, href= or url() does).
if grep -Eio '(src|href)="[^"d][^"]*"|url\([^)]*\)|@import' report.html; then
	fail "the page loads something from outside"
fi
expect_grep "Copyright (c) 2022 Leon Sorokin" report.html
expect_grep "default-src 'none'" report.html
expect_grep "connect-src 'none'" report.html
expect_eq "script elements" "$(grep -o '<script' report.html | wc -l | tr -d ' ')" 2
expect_eq "ends of script elements" "$(grep -io '</script' report.html | wc -l | tr -d ' ')" 2
# The same page from NDJSON on stdin, but for its provenance.
vitals-report -q < gold.ndjson > stdin.html
data() { sed -n 's/^<script type="application\/json" id="vl-data">\(.*\)<\/script>$/\1/p' "$1" | jq -c "$2"; }
data report.html 'del(.meta)' > a
data stdin.html 'del(.meta)' > b
[ "$(wc -c < a)" -gt 100000 ] || fail "no data in the page"
cmp -s a b || fail "the page's data from stdin differs from the table's"
expect_eq "the page's rows" "$(data report.html .meta.rows)" "$(lines gold.ndjson)"
expect_eq "the page's version" "$(data report.html .meta.version)" 0

# Hostile strings: a ward and a patient made of markup stay text.
hostile='</script><img src=x onerror="alert(1)"><b>&amp;<!--'
two=$(jq -r .patient_id gold.ndjson | sort -u | head -n 2 | tr '\n' ' ')
set -- $two
jq -c --arg a "$1" --arg b "$2" --arg w "$hostile" 'select(.patient_id == $a or .patient_id == $b)
    | if .patient_id == $a then .ward = $w | .patient_id = ("x" + $w) else . end' gold.ndjson > hostile.ndjson
vitals-report -q -o hostile.html < hostile.ndjson
expect_eq "ends of script elements (hostile)" "$(grep -io '</script' hostile.html | wc -l | tr -d ' ')" 2
grep -q '<img src=x' hostile.html && fail "markup from the data is in the page"

command -v chromium > /dev/null || skip "needs chromium (Debian package chromium) for the browser checks"
command -v node > /dev/null || skip "needs node for the browser checks"
node "$TOP/tests/verify/report-browser.mjs" --url "file://$T/report.html" \
    --gold gold.ndjson --shots shots || fail "the page in Chromium"
node "$TOP/tests/verify/report-browser.mjs" --url "file://$T/hostile.html" \
    --gold hostile.ndjson --shots shots-hostile --hostile "$hostile" ||
    fail "the hostile page in Chromium"
mkdir -p "$TOP/build/report-screenshots"
cp shots/*.png "$TOP/build/report-screenshots/"
