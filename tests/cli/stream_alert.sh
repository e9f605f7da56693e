# The combined alert iforest-score writes into every Silver record
# (alert, alert_reason) is the rule vitals-eval measures: computed again
# by tests/alert/check.py from the stream's own fields, reading by
# reading, on monitored and on charted vitals, with the defaults and with
# the rule's options; vitals-eval's combined recall is the share of
# episodes the stream alerted in; a forest alert in a tachycardia
# episode names heart_rate; a stream scored twice comes out the same;
# bad options are usage errors.
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
command -v jq > /dev/null || skip "needs jq"
check() { /usr/bin/python3 "$TOP/tests/alert/check.py" "$@"; }

vitals-gen --seed 31 --patients 30 -d 4h --episodes 3 --truth |
    vitals-clean -q > stream.ndjson
iforest-score -q stream.ndjson > scored.ndjson
check scored.ndjson > check.out || { cat check.out; fail "the stream's alerts are not the rule's"; }
cat check.out
read -r _ n _ alerts _ eps _ det _ unsure < check.out
[ "$n" = "$(wc -l < stream.ndjson)" ] || fail "readings lost: $n"
[ "$alerts" -gt 0 ] && [ "$alerts" -lt "$n" ] || fail "alerts: $alerts of $n"
[ "$eps" -ge 5 ] || fail "too few episodes to test: $eps"
if [ "$unsure" = 0 ]; then
	want=$(vitals-eval --json scored.ndjson | jq .detectors.combined.episode_recall)
	got=$(awk -v d="$det" -v e="$eps" 'BEGIN { printf "%.4f", d / e }')
	[ "$(printf %.4f "$want")" = "$got" ] || fail "vitals-eval's combined recall $want, the stream's $got"
fi
grep -q '"alert_reason":"iforest: ' scored.ndjson || fail "no forest alert"
grep -q '"alert_reason":"news2 ' scored.ndjson || fail "no NEWS2 alert"
jq -r 'select(.truth.episode == "tachycardia" and .alert and
    (.alert_reason | startswith("iforest: "))) | .alert_reason' scored.ndjson > tachy
[ -s tachy ] || fail "no forest alert in a tachycardia episode"
grep -vq heart_rate tachy && { sort tachy | uniq -c | sort -rn | head; fail "a tachycardia alert without heart_rate"; }

# Another rule: each option changes it, and the stream follows.
iforest-score -q --persistence 2 --news2-persistence 1m --news2-gate 0.7 \
    stream.ndjson > scored2.ndjson
check scored2.ndjson 10 60 0.7 > check2.out || { cat check2.out; fail "alerts with the rule's options"; }
read -r _ _ _ alerts2 _ < check2.out
[ "$alerts2" != "$alerts" ] || fail "the options changed nothing"
# A count of readings: 2 readings every 5 s are 10 s, as above.
iforest-score -q --persistence 10s --news2-persistence 1m --news2-gate 0.7 \
    stream.ndjson | cmp -s - scored2.ndjson || fail "--persistence 2 is not 10 s of 5-second readings"

# Charted vitals, hourly blood pressure and gaps.
vitals-gen --seed 32 --patients 20 -d 8h -i 300 --charted --episodes 3 --truth |
    vitals-clean -q | iforest-score -q > charted.ndjson
check charted.ndjson > check3.out || { cat check3.out; fail "charted: the stream's alerts are not the rule's"; }
cat check3.out

# Scored again: the same records (the fields replaced, not repeated).
iforest-score -q scored.ndjson > again.ndjson
jq -c '[.patient_id, .event_time, .anomaly_score, .alert, .alert_reason]' scored.ndjson > a1
jq -c '[.patient_id, .event_time, .anomaly_score, .alert, .alert_reason]' again.ndjson > a2
cmp -s a1 a2 || fail "scoring a scored stream changed its alerts"

for bad in "--persistence 0" "--persistence x" "--news2-gate 2" "--news2-persistence -5m"; do
	set +e
	iforest-score $bad < /dev/null > /dev/null 2> err
	st=$?
	set -e
	[ $st = 2 ] || fail "$bad: exit $st, not a usage error"
	grep -q "expected" err || { cat err; fail "$bad: no reason given"; }
done
