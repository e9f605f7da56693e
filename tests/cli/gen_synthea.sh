# vitals-gen --synthea: both sample exports (two Synthea versions with
# different column layouts) give a cohort of their living patients, with
# Synthea ids, ages from the birth dates and conditions from the codes.
command -v jq > /dev/null || skip "needs jq"
need_shared synthea
need_shared synthea-ca2022

for set in synthea:90 synthea-ca2022:50; do
	dir=$SHARED/${set%:*}
	want=${set#*:}
	vitals-gen --synthea "$dir" --roster roster -c 2000 -v > readings 2> err
	expect_eq "$set: roster" "$(lines roster)" "$want"
	expect_grep "synthea: $want patients" err
	expect_eq "$set: source" "$(jq -r .source roster | sort -u)" synthea

	# Ids, ages (completed years on 2026-01-01) and the living, read
	# from patients.csv by header name with awk.
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	    $c["DEATHDATE"] == "" { split($c["BIRTHDATE"], b, "-")
		age = 2025 - b[1] + (b[2] == "01" && b[3] == "01")
		print $c["Id"] "\t" age "\t" $c["GENDER"] }' "$dir/patients.csv" | sort > want.tsv
	jq -r '[.patient_id, .age, .sex] | @tsv' roster | sort > got.tsv
	cmp want.tsv got.tsv || { diff want.tsv got.tsv | head -n 5; fail "$set: ids, ages or sexes differ"; }
	jq -r .patient_id readings | sort -u > read.ids
	expect_eq "$set: readings from other ids" "$(cut -f1 got.tsv | comm -13 - read.ids)" ""
	expect_eq "$set: 36-character ids" "$(awk 'length($0) != 36' read.ids)" ""

	# Hypertension exactly for the patients with an active 59621000.
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	    $c["CODE"] == "59621000" && $c["START"] <= "2026-01-01" &&
	    ($c["STOP"] == "" || $c["STOP"] > "2026-01-01") { print $c["PATIENT"] }' \
	    "$dir/conditions.csv" | sort -u > htn.all
	cut -f1 want.tsv | comm -12 - htn.all > htn.want
	jq -r 'select(.conditions | index("hypertension")) | .patient_id' roster | sort > htn.got
	cmp htn.want htn.got || fail "$set: hypertensive patients differ"
	[ "$(lines htn.got)" -gt 3 ] || fail "$set: too few hypertensive patients"
	# Blood pressure from the records for nearly all.
	rec=$(jq -r 'select(.bp_recorded) | 1' roster | wc -l)
	[ "$rec" -ge $((want * 9 / 10)) ] || fail "$set: BP recorded for only $rec"
done

# --patients with --synthea takes the first living patients.
vitals-gen --synthea "$SHARED/synthea" --patients 7 -c 0 --roster first
awk -F, 'NR > 1 && $3 == "" { print $1 }' "$SHARED/synthea/patients.csv" | head -n 7 > first.want
jq -r .patient_id first | cmp - first.want || fail "--patients 7 is not the first 7 living"

# A directory without an export is an error, said clearly.
expect_status 1 vitals-gen --synthea . -c 1 > /dev/null 2> err
expect_grep 'patients.csv: No such file or directory' err
