# The Nth-call fault sweep of tests/cli/inject_nth.sh (the sweep itself
# is tests/inject/sweep.sh) over the writers it does not cover.  After
# every run with one call failing, the tool exited 0 or 1 (never a signal
# or a hang), said why when 1, and what it writes is as before or
# complete:
#   - vitals-report -o: the page or view file is the old one or the whole
#     new one (the new page equal but for its "generated" time), and no
#     temporary file is left;
#   - bq-load --from-delta: its local record is the old one or the new
#     one, BigQuery (the loopback fake) holds the new version's rows once
#     or not at all, and a re-run loads them exactly once;
#   - iforest-score --state: the state file is the old or the whole new
#     one, exit 0 the new;
#   - delta-vacuum (unlink failing too): the table reads back with the
#     same rows, only files it may delete are gone, the files it printed
#     are gone, exit 0 means all of them, and a re-run finishes the job;
#   - the --rejects file of vitals-clean, iforest-score, vitals-agg,
#     delta-commit, kafka-cat-out and vitals-report, by the rule of
#     lib/rejects.h: exit 0 means the whole file; otherwise it is the old
#     file (the tool failed before opening it) or the first lines of the
#     whole file, each complete, and when a write to it failed the tool
#     said how many rejected records it could not record, which with the
#     lines there make its rejected= count.
# Allocation failures are sampled, 60 a tool at most (VL_ALLOC_RUNS
# fewer), to keep the run short.
. "$TOP/tests/inject/sweep.sh"
[ "$alloc_runs" -le 60 ] || alloc_runs=60
strip_time() { sed 's/"generated":"[^"]*"/"generated":""/' "$1"; }
no_temp() {	# WHAT FILE: no temporary file of FILE left beside it
	[ -z "$(ls "$2".tmp.* 2>/dev/null)" ] || fail "$1: a temporary file of $2 left behind"
}

# A small Gold table of two versions, and Gold rows as NDJSON with bad
# lines among them.
vitals-gen --patients 4 --duration 30m --seed 3 | vitals-clean -q | vitals-agg -q --flush > gold1.ndjson
vitals-gen --patients 4 --duration 30m --seed 4 --start 2026-01-02T00:00:00Z |
    vitals-clean -q | vitals-agg -q --flush > gold2.ndjson
delta-commit -q --schema gold gold.orig gold1.ndjson
rows0=$(delta-cat -q gold.orig | wc -l)

# ---- vitals-report -o, from a table ----
vitals-report -q -o page.new gold.orig
strip_time page.new > page.want
echo 'the report that was there' > page.old
prepare_vr() { cp page.old page.html; }
VR="vitals-report -q -o page.html gold.orig"
prepare_vr
counts vr $VR
check_vr() {
	if cmp -s page.html page.old; then
		[ "$2" = 1 ] || fail "vr: $1: exit 0 but the old page"
	else
		strip_time page.html | cmp -s - page.want || fail "vr: $1: the page is neither the old nor the whole new one"
	fi
	no_temp "vr: $1" page.html
}
sweep vr $VR

# A device is written to, never replaced (as root, a rename over
# /dev/null would replace it).
vitals-report -q -o /dev/null gold.orig
[ -c /dev/null ] || fail "/dev/null is no longer a device"

# ---- vitals-report --view -o and --rejects, from NDJSON ----
awk 'NR % 9 == 0 { print "{\"patient_id\": 7, \"n\": " NR "}" } NR % 13 == 0 { print "not json " NR } { print }' \
    gold1.ndjson > goldbad.ndjson
vitals-report -q --view patient_risk_scores -o view.new --rejects rej.vn < goldbad.ndjson
[ "$(wc -l < rej.vn)" -ge 20 ] || fail "vn: too few rejects to test"
echo 'the view that was there' > view.old
echo 'the rejects that were there' > rej.old
prepare_vn() { cp view.old view.ndjson; cp rej.old rej.ndjson; }
VN="vitals-report --view patient_risk_scores -o view.ndjson --rejects rej.ndjson"
stdin=goldbad.ndjson
prepare_vn
counts vn $VN
# check_rejects WHAT STATUS FILE WHOLE: the rule of lib/rejects.h.
check_rejects() {
	if cmp -s "$3" rej.old; then
		[ "$2" = 1 ] || fail "$1: exit 0 but the old rejects"
		return 0
	fi
	if [ "$2" = 0 ]; then
		cmp -s "$3" "$4" || fail "$1: exit 0 but the rejects are not whole"
		return 0
	fi
	size=$(wc -c < "$3")
	head -c "$size" "$4" | cmp -s - "$3" || fail "$1: the rejects are not the first lines of the whole file"
	[ "$size" = 0 ] || [ "$(tail -c 1 "$3" | od -An -c | tr -d ' ')" = '\n' ] ||
	    fail "$1: the rejects end with part of a line"
	if grep -q "write error: $3" err; then
		lost=$(sed -n "s/.*: \([0-9]*\) rejected records not recorded.*/\1/p" err)
		[ -n "$lost" ] || { cat err; fail "$1: a rejects write failed, and it did not say how many were not recorded"; }
		rejected=$(stat_field rejected err)
		[ -z "$rejected" ] || [ $(( $(wc -l < "$3") + lost )) = "$rejected" ] ||
		    fail "$1: $(wc -l < "$3") rejects recorded and $lost not, of $rejected"
	fi
}
check_vn() {
	if cmp -s view.ndjson view.old; then
		[ "$2" = 1 ] || fail "vn: $1: exit 0 but the old view"
	else
		cmp -s view.ndjson view.new || fail "vn: $1: the view is neither the old nor the whole new one"
	fi
	no_temp "vn: $1" view.ndjson
	check_rejects "vn: $1" "$2" rej.ndjson rej.vn
}
sweep vn $VN
stdin=

# ---- bq-load --from-delta: the local record ----
if [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 "$TOP/tests/bq/fake_bq.py" --port-file port --token tok-inject > fake.log 2>&1 &
	fake=$!
	trap 'kill $fake 2>/dev/null || :' EXIT
	i=0; while [ ! -s port ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "no fake BigQuery"; sleep 0.1; done
	API=$(cat port)
	export BQ_LOAD_BACKOFF_MS=20 BQ_ACCESS_TOKEN=tok-inject
	unset GOOGLE_APPLICATION_CREDENTIALS GCE_METADATA_HOST
	export CLOUDSDK_CONFIG="$T/gcloud"
	reset_bq() { curl -sf -X POST -d '{"all":true}' "$API/_reset" > /dev/null || fail "resetting the fake"; }
	bq_rows() { curl -sf "$API/_tables/test-project/vitals/gold_patient_summary" | wc -l | tr -d ' '; }
	# The table as loaded up to version 0 (so the record says 0), then
	# version 1.  Each run starts from a fake with no history, so the
	# record is where it starts: it loads version 1 alone.
	cp -a gold.orig bqgold.orig
	bq-load -q --api "$API" --project test-project --dataset vitals --from-delta bqgold.orig
	delta-commit -q bqgold.orig gold2.ndjson
	rows1=$(( $(delta-cat -q bqgold.orig | wc -l) - rows0 ))
	record=_bq_load/test-project_vitals_gold_patient_summary.json
	cp "bqgold.orig/$record" record.old
	jq -e '.version == 0' record.old > /dev/null || fail "bq: the first record is not of version 0"
	prepare_bq() { rm -rf bqgold; cp -a bqgold.orig bqgold; reset_bq; }
	BQ="bq-load -q --api $API --project test-project --dataset vitals --from-delta bqgold"
	prepare_bq
	counts bq $BQ
	check_bq() {
		if cmp -s "bqgold/$record" record.old; then
			[ "$2" = 1 ] || fail "bq: $1: exit 0 but the old record"
		else
			jq -e '(.version == 1) and (.job | type == "string")' "bqgold/$record" > /dev/null 2>&1 ||
			    fail "bq: $1: the record is neither the old nor a whole new one"
		fi
		no_temp "bq: $1" "bqgold/$record"
		got=$(bq_rows)
		[ "$got" = 0 ] || [ "$got" = "$rows1" ] || fail "bq: $1: BigQuery holds $got rows, not 0 or $rows1"
		[ "$2" = 1 ] || [ "$got" = "$rows1" ] || fail "bq: $1: exit 0 but $got rows loaded"
		$BQ 2> /dev/null || fail "bq: $1: the re-run failed"
		expect_eq "bq: $1: rows after the re-run" "$(bq_rows)" "$rows1"
		jq -e '.version == 1' "bqgold/$record" > /dev/null || fail "bq: $1: the re-run's record"
	}
	sweep bq $BQ
else
	echo "SKIP part: bq-load's record needs /usr/bin/python3 for the fake BigQuery"
	bq_skipped=1
fi

# ---- delta-vacuum ----
# Commits of 100 rows, a checkpoint every 5; every log file 40 days old,
# so the commits below the last checkpoint go; two files removed 8 days
# ago and two orphans 10 days old go too; a fresh orphan stays.
vitals-gen --patients 6 --duration 10m --seed 3 | vitals-clean -q --now 2026-06-01T00:00:00Z > vac.ndjson
delta-commit -q --schema silver --batch-rows 100 --checkpoint-interval 5 vac.orig vac.ndjson
v=$(( $(ls vac.orig/_delta_log/*.json | wc -l) ))
old=$(( $(date +%s) - 8 * 86400 ))000
delta-cat --files vac.orig | head -n 2 | jq -c --argjson t "$old" \
    '{remove:{path:.add.path,deletionTimestamp:$t,dataChange:true,partitionValues:.add.partitionValues,size:.add.size}}' \
    > "vac.orig/_delta_log/$(printf %020d "$v").json"
touch -d '40 days ago' vac.orig/_delta_log/*
touch "vac.orig/_delta_log/$(printf %020d "$v").json"
part=$(ls -d vac.orig/event_date=* | head -n 1)
for x in dead1 dead2 writing; do echo junk > "$part/part-00000-$x.c000.zstd.parquet"; done
touch -d '10 days ago' "$part"/part-00000-dead?.c000.zstd.parquet
delta-cat -q vac.orig | sort > vac.rows
files_in() { (cd "$1" && find . -type f | sort); }
files_in vac.orig > vac.before
cp -a vac.orig vac
delta-vacuum -q vac > vac.listed
files_in vac > vac.after
gone=$(comm -23 vac.before vac.after | wc -l)
[ "$gone" -ge 6 ] || fail "dv: only $gone files to delete"
prepare_dv() { rm -rf vac; cp -a vac.orig vac; }
DV="delta-vacuum vac"
prepare_dv
counts dv $DV
check_dv() {
	delta-cat -q vac 2> cat.err | sort > rows || { cat cat.err; fail "dv: $1: the table does not read back"; }
	cmp -s rows vac.rows || fail "dv: $1: the rows changed"
	files_in vac > now
	[ -z "$(comm -13 vac.before now)" ] || fail "dv: $1: files appeared"
	[ -z "$(comm -23 vac.after now)" ] || fail "dv: $1: a file it must keep is gone"
	[ "$2" = 1 ] || cmp -s now vac.after || fail "dv: $1: exit 0 but not everything deleted"
	sed 's|^|./|' out | sort > printed
	[ -z "$(comm -12 printed now)" ] || fail "dv: $1: it printed a file it did not delete"
	delta-vacuum -q vac > /dev/null || fail "dv: $1: the re-run failed"
	files_in vac | cmp -s - vac.after || fail "dv: $1: the re-run did not finish the job"
}
kinds="$kinds unlink"
sweep dv $DV
kinds=${kinds% unlink}

# ---- iforest-score --state ----
# The state file is the old one (a run that failed before saving, or
# never read the partition further) or the whole new one, and exit 0
# means the new one.
vitals-gen --patients 3 --duration 10m --seed 5 | vitals-clean -q > st.ndjson
head -n 200 st.ndjson > st1.ndjson
tail -n +201 st.ndjson > st2.ndjson
iforest-score -q --state st.orig st1.ndjson > /dev/null
rm -rf st.new; cp -a st.orig st.new
iforest-score -q --state st.new st2.ndjson > /dev/null
prepare_sc() { rm -rf st; cp -a st.orig st; }
SC="iforest-score -q --state st st2.ndjson"
prepare_sc
counts sc $SC
check_sc() {
	if cmp -s st/local.state st.orig/local.state; then
		[ "$2" = 1 ] || fail "sc: $1: exit 0 but the old state"
	else
		cmp -s st/local.state st.new/local.state || fail "sc: $1: the state is neither the old nor the whole new one"
	fi
	[ -z "$(ls st | grep -v '^local.state$')" ] || fail "sc: $1: left $(ls st)"
}
sweep sc $SC

# ---- the --rejects files of the streaming tools ----
# A raw stream with faults: several blocks (256 kB) of vitals-clean's
# rejects.  Its first half hour is the Silver the other tools read.
vitals-gen --patients 20 --duration 90m --seed 4 --faults 0.3 > raw.ndjson
head -n 7200 raw.ndjson | vitals-clean -q --now 2026-06-01T00:00:00Z > silver.ndjson
# Lines no tool takes, of a few kilobytes each, every seventh line.
pad=$(head -c 1000 /dev/zero | tr '\0' x)
spoil() { awk -v pad="$pad" 'NR % 7 == 0 { print "not json " NR " " pad } { print }' "$1"; }
spoil silver.ndjson > silver.bad
# rejects_sweep NAME CMD...: CMD writes rej.ndjson; the whole file is
# that of a clean run.  $pre runs before each run, $post after each
# check (with the check's arguments).
rejects_sweep() {
	name=$1; shift
	rm -f rej.ndjson
	${pre:-:}
	"$@" > /dev/null 2>&1 || fail "$name: the clean run failed"
	mv rej.ndjson "rej.$name"
	[ "$(wc -c < "rej.$name")" -gt 600000 ] || fail "$name: too few rejects to fill blocks"
	eval "prepare_$name() { cp rej.old rej.ndjson; ${pre:-:}; }"
	eval "check_$name() { check_rejects \"$name: \$1\" \"\$2\" rej.ndjson rej.$name; ${post:-:} \"\$@\"; }"
	prepare_$name
	counts "$name" "$@"
	sweep "$name" "$@"
}
rejects_sweep vc vitals-clean --now 2026-06-01T00:00:00Z -o /dev/null --rejects rej.ndjson raw.ndjson
rejects_sweep is iforest-score -o /dev/null --rejects rej.ndjson silver.bad
rejects_sweep ag vitals-agg -o /dev/null --rejects rej.ndjson silver.bad
# delta-commit: its table is written too, and must read back.
jq -c '.topic = "t" | .partition = 0 | .offset = input_line_number' silver.ndjson | spoil /dev/stdin > dc.bad
dct_reads() {	# a table, if a version was committed, that reads back
	[ -n "$(ls dct/_delta_log/*.json 2>/dev/null)" ] || return 0
	delta-cat -q dct > /dev/null 2> cat.err || { cat cat.err; fail "dc: $1: the table does not read back"; }
}
pre='rm -rf dct'
post=dct_reads
rejects_sweep dc delta-commit --schema silver --batch-rows 4000 --rejects rej.ndjson dct dc.bad
pre= post=
if command -v kcat > /dev/null; then
	start_broker -t vitals --partitions 2
	# start_broker's trap replaced the fake's.
	trap 'kill $broker ${fake:-} 2>/dev/null || :' EXIT
	head -n 8000 raw.ndjson | spoil /dev/stdin > kin.bad
	# No allocation failures: librdkafka asserts (aborts) on them, also
	# when its strdup's malloc fails, which the shim cannot tell from
	# ours; the rejects' own paths are swept with vitals-clean above.
	kinds="write open mkdir fsync rename link"
	rejects_sweep ko kafka-cat-out -b "$B" -t vitals --rejects rej.ndjson kin.bad
else
	echo "SKIP part: kafka-cat-out's rejects need kcat for the embedded broker"
	ko_skipped=1
fi
[ -z "${bq_skipped:-}${ko_skipped:-}" ] || skip "parts skipped (above); the rest passed"
