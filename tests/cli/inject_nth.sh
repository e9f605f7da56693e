# Every failure path of a write, reached by injection as SQLite's tests
# reach theirs: a clean run of each tool counts its calls of each kind
# (write, open, mkdir, fsync, rename, link, alloc; tests/inject/failio.c),
# then the tool runs again once for every N of every kind with the Nth
# call failing (allocations sampled; tests/inject/sweep.sh says how).
# Each time it must exit 0 or 1 (never crash or hang), say why when it
# exits 1, and leave what it writes as it was or complete:
#   - delta-commit: the table reads back; it holds the old rows and whole
#     batches of the new ones, none twice; the same command run again
#     completes it exactly;
#   - delta-optimize: the table reads back with the same rows; exit 0
#     means compacted, and after exit 1 the new files it wrote are gone
#     (unless an allocation failed: xalloc exits at once) and the same
#     command run again compacts it;
#   - iforest-train: the model file is the old one or the new one, byte
#     for byte;
#   - vitals-agg --state: the state file is the old one or the new one.
# tests/cli/inject_out.sh sweeps the other writers the same way.
. "$TOP/tests/inject/sweep.sh"

# ---- delta-commit ----
mk_bronze() {	# SEED: Silver records with Kafka positions
	vitals-gen --patients 6 --duration 10m --seed "$1" | vitals-clean -q |
	    jq -c --argjson s "$1" '.topic = "t" | .partition = 0 | .offset = (input_line_number + 100000 * $s)'
}
mk_bronze 1 > old.ndjson
mk_bronze 2 > new.ndjson
delta-commit -q silver.orig old.ndjson --schema silver
key='"\(.offset)"'
prepare_dc() { rm -rf silver; cp -a silver.orig silver; }
DC="delta-commit -q --schema silver --checkpoint-interval 1 --batch-rows 250 silver new.ndjson"
prepare_dc
counts dc $DC > /dev/null
check_dc() {
	delta-cat -q silver > rows 2> cat.err || { cat cat.err; fail "dc: $1: the table does not read back"; }
	jq -r "$key" rows | sort > got
	[ "$(sort -u got | wc -l)" = "$(wc -l < got)" ] || fail "dc: $1: a row twice"
	jq -r "$key" old.ndjson | sort > old.keys
	[ -z "$(comm -23 old.keys got)" ] || fail "dc: $1: old rows lost"
	n_new=$(( $(wc -l < got) - $(wc -l < old.keys) ))
	total=$(wc -l < new.ndjson)
	[ "$2" = 1 ] || [ "$n_new" = "$total" ] || fail "dc: $1: exit 0 with $n_new of $total rows"
	[ $((n_new % 250)) = 0 ] || [ "$n_new" = "$total" ] || fail "dc: $1: $n_new new rows: not whole batches"
	# The same command again completes it, exactly once.
	$DC 2> /dev/null || fail "dc: $1: the re-run failed"
	[ "$(delta-cat -q silver | wc -l)" = "$(( $(wc -l < old.keys) + total ))" ] ||
	    fail "dc: $1: the re-run did not complete the table exactly"
}
sweep dc $DC

# ---- delta-optimize ----
# Ten commits (versions 0 to 9), so that the OPTIMIZE is version 10 and
# writes a checkpoint too; --order-by takes the sorting path.
rows=$(wc -l < old.ndjson)
delta-commit -q --schema silver --batch-rows $(( (rows + 9) / 10 )) opt.orig old.ndjson
[ "$(ls opt.orig/_delta_log/*.json | wc -l)" = 10 ] || fail "do: expected 10 commits to start from"
delta-cat -q opt.orig | sort > opt.rows
files_of() { find "$1" -name '*.parquet' ! -path '*_delta_log*' | sed "s|^$1/||" | sort; }
files_of opt.orig > opt.files
prepare_do() { rm -rf opt; cp -a opt.orig opt; }
DO="delta-optimize -q --order-by patient_id,event_time opt"
prepare_do
counts do $DO > /dev/null
check_do() {
	delta-cat -q opt > rows 2> cat.err || { cat cat.err; fail "do: $1: the table does not read back"; }
	sort rows | cmp -s - opt.rows || fail "do: $1: the rows changed"
	live=$(delta-cat --files opt | wc -l)
	[ "$2" = 1 ] || [ "$live" = 1 ] || fail "do: $1: exit 0 but $live files"
	case $1 in
	alloc*) ;;
	*)	if [ "$2" = 1 ] && [ "$live" != 1 ]; then
			files_of opt | cmp -s - opt.files || fail "do: $1: its new files were left behind"
		fi ;;
	esac
	$DO 2> /dev/null || fail "do: $1: the re-run failed"
	[ "$(delta-cat --files opt | wc -l)" = 1 ] || fail "do: $1: the re-run did not compact"
	delta-cat -q opt | sort | cmp -s - opt.rows || fail "do: $1: the re-run changed the rows"
}
sweep do $DO

# ---- iforest-train ----
vitals-gen --seed 5 --patients 6 -d 1h | vitals-clean -q > train.ndjson
iforest-train -q --seed 1 --trees 10 -o model.orig train.ndjson
iforest-train -q --seed 2 --trees 10 -o model.new train.ndjson
prepare_if() { cp model.orig model.json; }
IF="iforest-train -q --seed 2 --trees 10 -o model.json train.ndjson"
prepare_if
counts if $IF > /dev/null
check_if() {
	if cmp -s model.json model.orig; then
		[ "$2" = 1 ] || fail "if: $1: exit 0 but the old model"
	elif cmp -s model.json model.new; then :; else
		fail "if: $1: the model file is neither the old nor the new one"
	fi
	[ -z "$(ls model.json.* 2>/dev/null)" ] || fail "if: $1: a temporary file left behind"
}
sweep if $IF

# ---- vitals-agg --state ----
mkdir -p g
jq -c 'select(.event_time < "2026-01-01T00:05")' new.ndjson > first.ndjson
vitals-agg -q --resume-from g/gold --state state.orig < old.ndjson > /dev/null
vitals-agg -q --resume-from g/gold --state state.new < first.ndjson > /dev/null
prepare_va() { cp state.orig state; }
VA="vitals-agg -q --resume-from g/gold --state state first.ndjson"
prepare_va
counts va $VA > /dev/null
check_va() {
	if cmp -s state state.orig; then
		[ "$2" = 1 ] || fail "va: $1: exit 0 but the old state"
	elif cmp -s state state.new; then :; else
		fail "va: $1: the state is neither the old nor the new one"
	fi
}
sweep va $VA
