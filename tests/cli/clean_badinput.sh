# vitals-clean on hostile input: every bad line gets a reason in the
# rejects, nothing crashes or hangs, memory stays bounded, and the counts
# add up.

now=--now=2026-03-01T12:00:00Z
ok='{"patient_id":"p-1","timestamp":"2026-03-01T09:00:00Z","heart_rate":70}'
{
	printf '%s\r\n' "$ok"                                        # 1 CRLF
	printf '\n   \n'                                             # blank
	printf '{"patient_id":"p-1","timestamp":"2026-03-01T09:00:01Z","heart_rate":1e400}\n'  # 4
	printf '{"patient_id":"p-1","timestamp":"2026-03-01T09:00:02Z","heart_rate":99999999999999999999}\n' # 5
	printf '{"patient_id":"p-1","timestamp":"2026-03-01T09:00:03Z","heart_rate":NaN}\n' # 6
	printf '{"patient_id":"p-1","timestamp":"2026-03-01T09:00:04Z","spo2":Infinity}\n' # 7
	printf '{"patient_id":"p-1","patient_id":"p-2","timestamp":"2026-03-01T09:00:05Z"}\n' # 8
	printf '{"patient_id":"p-1","timestamp":"2026-03-01T09:00:06Z","x":"a\000b"}\n' # 9 NUL
	printf '{"patient_id":"p-\377","timestamp":"2026-03-01T09:00:07Z"}\n' # 10 bad UTF-8
	awk 'BEGIN { printf "{\"patient_id\":\"p-1\",\"x\":"; for (i = 0; i < 5000; i++) printf "["; for (i = 0; i < 5000; i++) printf "]"; print "}" }' # 11 deep
	printf '{"patient_id":"p-1","timestamp":"2026-03-01T09:00:08Z","heart_rate":5000000}\n' # 12
	printf '[1,2,3]\n'                                           # 13
	printf '{"patient_id":"","timestamp":"2026-03-01T09:00:09Z"}\n' # 14
	printf '{"timestamp":"2026-03-01T09:00:10Z"}\n'              # 15
	printf '{"patient_id":"p-1","timestamp":1772355610}\n'        # 16
	printf '{"patient_id":"p-1","timestamp":"1970-01-01T00:00:00Z"}\n' # 17
	printf '{"patient_id":"p-1","timestamp":"2026-02-30T00:00:00Z"}\n' # 18
	awk 'BEGIN { printf "{\"patient_id\":\"p-big\",\"timestamp\":\"2026-03-01T09:00:11Z\",\"note\":\""; for (i = 0; i < 163840; i++) printf "abcdefghijklmnopqrstuvwxyz012345678901234567890123456789012345"; print "\"}" }' # 19: 10 MB, valid
	awk 'BEGIN { for (i = 0; i < 163840; i++) printf "garbage garbage garbage garbage garbage garbage garbage garbage!"; print "" }' # 20: 10 MB, junk
	printf '%s' '{"patient_id":"p-last","timestamp":"2026-03-01T09:00:12Z"}' # 21, no newline
} > in.ndjson

/usr/bin/time -f %M -o rss vitals-clean $now --rejects rej.ndjson in.ndjson > out.ndjson 2> err
cat err
expect_grep 'in=19 out=3 rejected=16 duplicates=0 blank=2' err
expect_eq "rejects written" "$(lines rej.ndjson)" 16
jq -e . rej.ndjson > /dev/null || fail "rejects file is not valid NDJSON"
reason() { jq -r "select(.line == $1) | .reason" rej.ndjson; }
for n in 4 5 6 7 8 9 10 11 13 20; do
	expect_eq "line $n reason" "$(reason $n)" bad_json
done
expect_eq "duplicate keys named" "$(jq -r 'select(.line == 8) | .detail' rej.ndjson | grep -c duplicate)" 1
expect_eq "invalid UTF-8 kept as base64" "$(jq -r 'select(.line == 10) | .text_base64' rej.ndjson | base64 -d | od -An -c | tr -s ' ' | grep -c '377')" 1
expect_eq "line 12" "$(reason 12)" bad_type
expect_eq "line 14" "$(reason 14)" bad_patient_id
expect_eq "line 15" "$(reason 15)" missing_field
expect_eq "line 16" "$(reason 16)" bad_type
expect_eq "line 17" "$(reason 17)" implausible_timestamp
expect_eq "line 18" "$(reason 18)" bad_timestamp
len19=$(( $(sed -n 19p in.ndjson | wc -c) - 1 ))
len20=$(( $(sed -n 20p in.ndjson | wc -c) - 1 ))
[ "$len20" -gt 10000000 ] || fail "test input is wrong"
expect_eq "10 MB junk kept whole" "$(jq -r 'select(.line == 20) | .text | length' rej.ndjson)" "$len20"
expect_eq "records out" "$(jq -r .patient_id out.ndjson | tr '\n' ' ')" "p-1 p-big p-last "

# Memory stays near the size of the longest line (10 MB), not the input.
case $BIN in *asan*) ;; *)
	[ "$(cat rss)" -lt 120000 ] || fail "peak RSS $(cat rss) kB for 10 MB lines"
esac

# A line over --max-line is cut, counted and reported with its length.
vitals-clean $now --max-line 1M --rejects rej2.ndjson in.ndjson > out2.ndjson 2> err2
expect_grep 'in=19 out=2 rejected=17' err2
expect_eq "cut lines" "$(jq -r 'select(.reason == "line_too_long") | [.line, .truncated, .length] | @csv' rej2.ndjson | tr '\n' ' ')" "19,true,$len19 20,true,$len20 "
expect_eq "text kept up to the cap" "$(jq -r 'select(.line == 19) | .text | length' rej2.ndjson)" 1048576
