# vitals-gen --seed: byte-identical output run to run, another seed
# differs, and a patient's readings do not depend on how many others there
# are or how long the run is.
command -v jq > /dev/null || skip "needs jq"
opts="--patients 8 -d 20m --episodes 24 --faults 0.05 --truth"

# shellcheck disable=SC2086
vitals-gen --seed 7 $opts > a
# shellcheck disable=SC2086
vitals-gen $opts --seed 7 > b
cmp a b || fail "same seed, different output"
# shellcheck disable=SC2086
vitals-gen --seed 8 $opts > c
cmp -s a c && fail "different seeds, same output"
# The default seed is a seed like any other.
vitals-gen -c 500 > d1
vitals-gen -c 500 --seed 1 > d2
cmp d1 d2 || fail "default seed is not 1"

# The first 5 patients of 9 are the 5 patients of a cohort of 5, reading
# for reading, faults included.
vitals-gen --seed 3 --patients 5 -d 20m --faults 0.05 --roster five.roster > five
vitals-gen --seed 3 --patients 9 -d 20m --faults 0.05 --roster nine.roster > nine
head -n 5 nine.roster | cmp - five.roster || fail "roster of 5 is not the head of 9"
for id in $(jq -r .patient_id five.roster); do
	grep -F "$id" five > one.5
	grep -F "$id" nine > one.9
	[ "$(lines one.5)" -gt 200 ] || fail "too few readings for $id"
	cmp one.5 one.9 || fail "patient $id differs between cohorts of 5 and 9"
done

# The first hour of a two-hour run is the one-hour run (episodes too).
vitals-gen --seed 4 -d 1h --episodes 12 --truth > h1
vitals-gen --seed 4 -d 2h --episodes 12 --truth > h2
head -n "$(lines h1)" h2 | cmp - h1 || fail "1h is not a prefix of 2h"
expect_eq "2h is twice 1h" "$(lines h2)" "$(( $(lines h1) * 2 ))"
