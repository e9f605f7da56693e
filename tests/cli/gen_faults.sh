# vitals-gen --faults: every kind of fault at about its share of the
# readings, each looking the way it should: malformed lines are not JSON,
# duplicates are byte-identical neighbours, Fahrenheit is 86-113, late and
# out-of-order readings come after later ones; -v counts match the labels.
command -v jq > /dev/null || skip "needs jq"

# 40 patients for an hour: 28800 readings; 18% faulty, so 2% per kind.
vitals-gen --seed 5 --patients 40 -d 1h --faults 0.18 --truth -v > f 2> f.err
readings=28800
count() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" f.err; }

# Lines jq cannot read are exactly the malformed ones.
jq -R -c 'try fromjson catch "BAD"' f > parsed || fail "jq failed"
bad=$(grep -c '^"BAD"$' parsed || true)
expect_eq "unparsable lines" "$bad" "$(count malformed)"
grep -v '^"BAD"$' parsed > ok
expect_eq "parsable lines" "$(lines ok)" "$(( $(lines f) - bad ))"
expect_eq "lines" "$(lines f)" "$(( readings + $(count duplicate) ))"

# The labels agree with the counts, and each kind is near 2%.
for kind in malformed missing_field wrong_type fahrenheit duplicate out_of_order late dropout impossible; do
	n=$(count "$kind")
	[ -n "$n" ] || fail "no count for $kind in: $(cat f.err)"
	[ "$n" -ge 400 ] && [ "$n" -le 760 ] || fail "$kind: $n of $readings readings, expected about 576"
	[ "$kind" = malformed ] && continue
	got=$(jq -r --arg k "$kind" 'select(.truth.fault == $k) | 1' ok | wc -l | tr -d ' ')
	[ "$kind" = duplicate ] && got=$((got / 2))
	expect_eq "$kind lines" "$got" "$n"
done

# Duplicates: the same bytes twice in a row.
awk 'index($0, "\"fault\":\"duplicate\"") { if (held) { if ($0 != prev) { print "differs"; exit 1 } held = 0 } else held = 1 }
    { prev = $0 } END { if (held) exit 1 }' f || fail "duplicates are not identical pairs"

# What each kind looks like.
check() {	# check KIND JQ-CONDITION: every line of that kind satisfies it
	jq -c --arg k "$1" "select(.truth.fault == \$k) | select(($2) | not)" ok > wrong ||
	    fail "jq failed on $1"
	expect_eq "$1 lines not matching $2" "$(head -n 2 wrong)" ""
}
check fahrenheit '.temperature >= 86 and .temperature <= 113'
check missing_field '(keys | length) == 9'
check wrong_type '(.heart_rate | type) == "string" or (.temperature | type) == "string" or
    (.spo2 | type) == "string" or (.respiration_rate | type) == "string" or
    (.blood_pressure | type) == "number" or (.timestamp | type) == "number"'
check dropout '.heart_rate == 0 or .spo2 == 0 or .spo2 == null'
check impossible '.heart_rate > 300 or .temperature > 45 or .spo2 > 100 or
    .respiration_rate > 80 or ((.blood_pressure | split("/") | map(tonumber)) as $b | $b[0] <= $b[1])'
# Nothing else is out of range: Celsius, a plausible heart rate.
jq -c 'select(.truth == null or .truth.fault == "duplicate" or .truth.fault == "late" or .truth.fault == "out_of_order")
    | select(.temperature < 30 or .temperature > 45 or .heart_rate < 20 or .heart_rate > 300 or .spo2 > 100)' ok > odd
expect_eq "out-of-range unlabelled readings" "$(head -n 2 odd)" ""

# Order: normal readings never go back in time; out-of-order ones come
# after a later reading; late ones at least a minute after, except those
# still held at the end of the run, written after the last reading.
jq -r 'select(.timestamp | type == "string") | [(.truth.fault // "none"), .timestamp] | @tsv' ok |
    awk -F'\t' '{ split($2, a, /[T:.Z]/); ms = ((a[2] * 60 + a[3]) * 60 + a[4]) * 1000 + a[5] }
	$1 == "late" { if (ms > max - 55000) early = $0; next }
	$1 == "out_of_order" { if (ms >= max) { print "in order: " $0; bad = 1 } next }
	{ if (ms < max) { print "back in time: " $0; bad = 1 }
	  if (early != "") { print "late not late: " early; bad = 1 }
	  max = ms }
	END { exit bad }' || fail "reading order"

# No --faults, no faults.
vitals-gen -c 5000 --truth > clean
expect_eq "faults without --faults" "$(jq -c 'select(.truth != null)' clean | head -n 1)" ""
