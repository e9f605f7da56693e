# iforest-score --state DIR: a stream scored in two runs, the state saved
# by the first and read by the second, comes out byte for byte as one
# run would score it (features and alert runs both carried); without the
# state it does not.  Per Kafka partition: after a rebalance the
# consumer that takes a partition over starts from the state its last
# consumer left, and a consumer that went less far does not write its
# stale state over the newer.  A corrupt or cut state file stops the run
# with its name; one made for other features is said and replaced; no
# topic name writes outside DIR; a DIR that cannot be made fails the
# run.
command -v jq > /dev/null || skip "needs jq"

vitals-gen --seed 41 --patients 24 -d 6h --episodes 2 --truth | vitals-clean -q > all.ndjson
n=$(lines all.ndjson); h=$((n / 2))
head -n $h all.ndjson > a.ndjson
tail -n +$((h + 1)) all.ndjson > b.ndjson
iforest-score -q all.ndjson > whole
iforest-score -q --state S a.ndjson > o1
iforest-score -q --state S b.ndjson > o2
[ -s S/local.state ] || fail "no local.state"
cat o1 o2 | cmp -s - whole || fail "scored in two runs with --state: not the one run's output"
iforest-score -q b.ndjson | cmp -s - o2 && fail "without the state the second half scored the same: the test proves nothing"

# Kafka partitions: three, each patient in one, offsets rising.
jq -c --argjson h "$h" '.topic = "vitals" | .partition = ((.patient_id | explode | add) % 3) |
    .offset = input_line_number' all.ndjson > k.ndjson
head -n $h k.ndjson > ka
tail -n +$((h + 1)) k.ndjson > kb
iforest-score -q k.ndjson > kwhole
# Consumer 1 had partition 0, consumer 2 partitions 1 and 2; then one
# consumer has all three.
jq -c 'select(.partition == 0)' ka > ka0
jq -c 'select(.partition != 0)' ka > ka12
iforest-score -q --state K ka0 > /dev/null
iforest-score -q --state K ka12 > /dev/null
[ "$(ls K | sort | tr '\n' ' ')" = "vitals.0.state vitals.1.state vitals.2.state " ] ||
	fail "state files: $(ls K)"
iforest-score -v --state K kb > kout 2> err
tail -n +$((h + 1)) kwhole | cmp -s - kout || fail "after the rebalance: not the one run's output"
expect_grep "state: 24 patients restored from 3 files, 24 saved in 3 files" err
# Consumer 1, late, ends again with what it had: partition 0's newer
# state is kept.
cp K/vitals.0.state newer
iforest-score -v --state K ka0 > /dev/null 2> err
cmp -s K/vitals.0.state newer || fail "a stale consumer wrote over the newer state"
expect_grep "(1 left as another consumer wrote them)" err

# Broken state files stop the run, naming them; nothing is written.
for how in corrupt cut; do
	rm -rf B; mkdir B; cp S/local.state B/
	case $how in
	corrupt) printf 'XXXXXXXX' | dd of=B/local.state conv=notrunc 2> /dev/null ;;
	cut) truncate -s -100 B/local.state ;;
	esac
	cp B/local.state before
	set +e; iforest-score -q --state B b.ndjson > /dev/null 2> err; st=$?; set -e
	[ $st = 1 ] || fail "$how state: exit $st"
	expect_grep "B/local.state" err
	cmp -s B/local.state before || fail "$how state: the file was changed"
done

# A state made for other features (a retrained model): said, its patients
# start again (as without state), and it is replaced.
iforest-train -q --seed 3 --trees 20 --feature-settings '{"fast_tau_s":60}' \
    -o other.json a.ndjson
rm -rf R; cp -a S R
iforest-score -q --model other.json b.ndjson > want
iforest-score -q --model other.json --state R b.ndjson > got 2> err
expect_grep "R/local.state: saved for other features" err
cmp -s want got || fail "with a state of other features: not scored from nothing"
cmp -s R/local.state S/local.state && fail "the state of other features was not replaced"

# A topic name cannot leave DIR.
head -n 100 all.ndjson | jq -c '.topic = "../../x/y" | .partition = 1 | .offset = input_line_number' > evil
mkdir -p E/in
iforest-score -q --state E/in evil > /dev/null
[ "$(ls -A E/in)" = "..%2F..%2Fx%2Fy.1.state" ] || fail "state file of a hostile topic: $(ls -AR E)"
[ "$(ls -A E)" = in ] || fail "something was written beside DIR: $(ls -A E)"

# DIR cannot be made: exit 1 with why.
echo file > notadir
set +e; iforest-score -q --state notadir/sub a.ndjson > /dev/null 2> err; st=$?; set -e
[ $st = 1 ] || fail "unmakeable --state: exit $st"
expect_grep "notadir" err
