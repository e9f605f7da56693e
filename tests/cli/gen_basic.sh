# vitals-gen: the shape of its output (schema fields in schema order, types,
# timestamps), the counts it is asked for, and its exit statuses.
command -v jq > /dev/null || skip "needs jq"

vitals-gen --count 1000 > out
expect_eq "--count 1000 lines" "$(lines out)" 1000
vitals-gen -c 0 > zero
expect_eq "--count 0 lines" "$(lines zero)" 0
# --count counts lines: a duplicate is a line too.
vitals-gen -c 777 --faults 0.5 > faulty
expect_eq "--count with faults" "$(lines faulty)" 777

# Default: 20 patients, one reading each every 5 s, for an hour.
vitals-gen > hour
expect_eq "default lines" "$(lines hour)" 14400
expect_eq "patients" "$(jq -r .patient_id hour | sort -u | wc -l | tr -d ' ')" 20
expect_eq "devices" "$(jq -r .device_id hour | sort -u | wc -l | tr -d ' ')" 20

# The fields of schemas/reading.json, in its order; no truth without
# --truth.
want=$(jq -c '[.fields[].name | select(. != "truth")]' "$TOP/schemas/reading.json")
expect_eq "field order" "$(jq -c '[keys_unsorted[]]' hour | sort -u)" "$want"

# Types as the schema says, values a monitor can show.
jq -c 'select((.patient_id | type) != "string"
	or (.device_id | type) != "string" or (.ward | type) != "string"
	or (.timestamp | test("^2026-01-01T00:[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}Z$") | not)
	or (.heart_rate | type) != "number" or .heart_rate != (.heart_rate | floor)
	or (.respiration_rate | type) != "number" or .respiration_rate != (.respiration_rate | floor)
	or (.temperature | type) != "number" or ((.temperature * 10 | round) - .temperature * 10 | fabs) > 1e-6
	or (.spo2 | type) != "number" or .spo2 > 100 or .spo2 != (.spo2 | floor)
	or (.blood_pressure | test("^[0-9]{2,3}/[0-9]{2,3}$") | not))' hour > bad ||
    fail "jq could not check the readings"
expect_eq "malformed readings" "$(head -n 3 bad)" ""
# Numbers the schema calls double are written as JSON reals.
expect_grep '"spo2":9[0-9]\.0,' hour

# Timestamp order, and each monitor every 5 s exactly, at its own phase.
jq -r .timestamp hour > ts
sort -c ts || fail "timestamps out of order"
expect_eq "first after start" "$(head -n 1 ts | cut -c1-18)" "2026-01-01T00:00:0"
expect_eq "last before the hour" "$(tail -n 1 ts | cut -c1-14)" "2026-01-01T00:"
id=$(head -n 1 hour | jq -r .patient_id)
grep -F "\"$id\"" hour | jq -r .timestamp |
    awk -F'[T:.Z]' '{ ms = (($2 * 60 + $3) * 60 + $4) * 1000 + $5
	if (NR > 1 && ms - prev != 5000) { print "gap " ms - prev; exit 1 }
	prev = ms }' || fail "one monitor's readings are not 5 s apart"
expect_eq "phases" "$(head -n 20 ts | sort -u | wc -l | tr -d ' ')" 20

# --start, --interval, --duration, --patients.
vitals-gen --start 2026-03-01T12:00:00+01:00 -i 2 -d 1m --patients 3 > short
expect_eq "lines of 3 patients, 1 min at 2 s" "$(lines short)" 90
expect_eq "start in UTC" "$(head -n 1 short | jq -r .timestamp | cut -c1-18)" "2026-03-01T11:00:0"
vitals-gen -i 0.5 -d 10s --patients 1 > fast
expect_eq "half-second interval" "$(lines fast)" 20

# Help and version on stdout, exit 0; usage errors exit 2 on stderr.
vitals-gen --help > help 2> help.err
expect_grep '^usage: vitals-gen' help
expect_eq "help stderr" "$(cat help.err)" ""
vitals-gen -h | cmp -s - help || fail "-h differs from --help"
vitals-gen --version > version
expect_grep '^vitals-gen [0-9]' version
expect_status 2 vitals-gen --no-such-option 2> err
expect_grep 'usage: vitals-gen' err
for bad in "--patients 0" "--patients x" "--faults 1.5" "--episodes -1" \
    "--interval 0" "--interval 2x" "--start yesterday" "--duration soon" \
    "--count -3" "--seed -1" "extra-operand"; do
	# shellcheck disable=SC2086
	expect_status 2 vitals-gen $bad 2> err > out
	expect_eq "stdout on usage error ($bad)" "$(cat out)" ""
	expect_grep 'usage: vitals-gen' err
done
