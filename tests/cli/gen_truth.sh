# vitals-gen --episodes --truth: the labelled readings move the way the
# episode type says, against the patient's own baseline from the roster;
# every type occurs; ids are unique per episode; the settling period holds;
# without --truth there is no label at all.
command -v jq > /dev/null || skip "needs jq"

vitals-gen --seed 3 --patients 150 -d 12h -i 120 --episodes 3 --truth \
    --roster roster -v > ep 2> ep.err

# Mean shift from the patient's baseline, per episode type, and for the
# unlabelled readings ("none").
jq -n -r --slurpfile r roster '
    ($r | map({(.patient_id): .baseline}) | add) as $b
    | [inputs | $b[.patient_id] as $p
	| (.blood_pressure | split("/") | map(tonumber)) as $bp
	| {e: (.truth.episode // "none"),
	   hr: (.heart_rate - $p.heart_rate), t: (.temperature - $p.temperature),
	   s: (.spo2 - $p.spo2), rr: (.respiration_rate - $p.respiration_rate),
	   sbp: ($bp[0] - $p.systolic), dbp: ($bp[1] - $p.diastolic)}]
    | group_by(.e)[]
    | [.[0].e, length, (map(.hr) | add / length), (map(.t) | add / length),
       (map(.s) | add / length), (map(.rr) | add / length),
       (map(.sbp) | add / length), (map(.dbp) | add / length)]
    | @tsv' ep > shifts || fail "jq failed"
cat shifts
expect_eq "types seen (9 and none)" "$(lines shifts)" 10

# Thresholds: about half the notes' mildest shift (labels cover the ramp
# and the fade too), and the untouched vitals stay put.
awk -F'\t' '
function need(ok, what) { if (!ok) { print $1 ": " what; bad = 1 } }
{ e = $1; hr = $3; t = $4; s = $5; rr = $6; sbp = $7; dbp = $8 }
e == "none" { need(hr > -4 && hr < 4 && t > -0.2 && t < 0.2 && s > -1 && s < 1 &&
    rr > -1.5 && rr < 1.5 && sbp > -5 && sbp < 5, "unlabelled readings off baseline") }
e == "tachycardia" { need(hr >= 20, "HR"); need(sbp > -6 && sbp < 6, "SBP moved") }
e == "bradycardia" { need(hr <= -14, "HR") }
e == "fever" { need(t >= 0.9 && hr >= 5, "T, HR") }
e == "hypothermia" { need(t <= -1.2, "T") }
e == "hypoxia" { need(s <= -3.5 && rr >= 2, "SpO2, RR") }
e == "hypotension" { need(sbp <= -20 && dbp <= -8 && hr >= 14, "BP, HR") }
e == "hypertensive_crisis" { need(sbp >= 35 && dbp >= 17, "BP"); need(hr > -5 && hr < 5, "HR moved") }
e == "tachypnoea" { need(rr >= 6, "RR"); need(hr > -5 && hr < 5, "HR moved") }
e == "sepsis" { need(hr >= 12 && rr >= 3.5 && t >= 0.7 && sbp <= -11 && s <= -1,
    "HR, RR, T, SBP, SpO2") }
END { exit bad }' shifts || fail "episode shifts not as expected"

# An id is one episode: one patient, one type; ids run 1..N.
jq -r 'select(.truth != null) | [.truth.episode_id, .patient_id, .truth.episode] | @tsv' ep |
    sort -u > ids
expect_eq "ids shared by episodes" "$(cut -f1 ids | uniq -d)" ""
n=$(lines ids)
expect_eq "ids run 1..N" "$(cut -f1 ids | sort -n | tail -n 1)" "$n"
expect_grep "episodes=$n\$" ep.err
# With all three keys, faults null here.
expect_eq "truth objects" "$(jq -c 'select(.truth != null) | .truth | keys' ep | sort -u)" \
    '["episode","episode_id","fault"]'
expect_eq "faults without --faults" "$(jq -c 'select(.truth.fault != null)' ep | head -n 1)" ""
# Nothing starts in the first 30 minutes.
expect_eq "labels before 00:30" \
    "$(jq -r 'select(.truth != null) | .timestamp' ep | sort | head -n 1 | cut -c12-16 | awk '$1 < "00:30"')" ""

# No --truth: no label at all; --truth without episodes: all null.
vitals-gen -c 2000 --episodes 50 > plain
expect_eq "truth without --truth" "$(grep -c truth plain || true)" 0
vitals-gen -c 2000 --truth > nulls
expect_eq "truth null" "$(jq -c .truth nulls | sort -u)" "null"
