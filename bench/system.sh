#!/bin/sh
# The system benchmark (issue 12): the whole lake on this machine, in one
# run, every figure beside the others in one table at the end.  Figures
# to read, not a pass/fail test: each target is printed beside its figure
# as met or not met, and a miss never fails the script.
#
#   each stage alone from a file and inside the pipeline: records/s, CPU
#     and peak RSS (every pipeline element under its own /usr/bin/time);
#   the whole pipeline without Kafka, vitals-gen | vitals-clean |
#     iforest-score | vitals-agg | delta-commit (Gold), N / wall;
#   the same pipeline built from jq (bench/clean.jq, bench/agg.jq), on a
#     slice, extrapolated; jq has no Isolation Forest, so that stage is
#     left out and jq's figure is an upper bound of its speed;
#   Miller (bench/clean.mlr, stats1) and DuckDB (tests/verify/duckdb-agg.mjs)
#     on the jobs they can do;
#   the pipeline through the embedded broker, from the first message
#     produced to the last Gold row committed;
#   a real-time stream into Silver: the delay from each reading's creation
#     to the commit of its row;
#   peak RSS of every stage at N and at BENCH_SYSTEM_BIG records.
#
#   sh bench/system.sh [build-dir]        (bench/run calls it last)
#   BENCH_RECORDS=1000000        readings
#   BENCH_PATIENTS=500           monitors (a reading each every 5 s of event time)
#   BENCH_SYSTEM_BIG=10000000    readings of the long stream of the memory row (0: skip)
#   BENCH_SLICE=30000            readings for jq and Miller, which are slow (0: skip):
#                                five minutes of the 500 monitors, so that windows fill
#                                and close as in the whole stream
#   BENCH_RUNS=3                 runs of each timing, the fastest kept
#   BENCH_KAFKA_PARTITIONS=128   partitions of the topic (the broker keeps
#                                about 5 MB of each)
#   BENCH_REALTIME=40            seconds of the real-time stream (0: skip)
#   BENCH_RT_PATIENTS=300        its monitors, one reading a second each
#   BENCH_RESULTS=file           figures bench/run measured already
#                                (delta-commit and DuckDB, NDJSON to Parquet)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BUILD:-build}}
BIN=$top/$BUILD/bin
N=${BENCH_RECORDS:-1000000}
P=${BENCH_PATIENTS:-500}
BIG=${BENCH_SYSTEM_BIG:-10000000}
S=${BENCH_SLICE:-30000}
RUNS=${BENCH_RUNS:-3}
KP=${BENCH_KAFKA_PARTITIONS:-128}
RT=${BENCH_REALTIME:-40}
RTP=${BENCH_RT_PATIENTS:-300}
BATCH=1	# seconds: delta-commit --batch-time of the real-time stream
[ "$S" -le "$N" ] || S=$N
work=$(mktemp -d "${TMPDIR:-/tmp}/vl-bench-system.XXXXXX")
broker=""
trap 'if [ -n "$broker" ]; then kill "$broker" 2>/dev/null || :; fi; rm -rf "$work"' EXIT
export LC_ALL=C TZ=UTC
verify=$top/tests/verify

# t NAME CMD...: runs CMD (one element of a pipeline, say) and leaves
# "wall user sys maxrss_kb" in $work/NAME.time.
t() {
	t_name=$1; shift
	/usr/bin/time -f '%e %U %S %M' -o "$work/$t_name.time" "$@"
}
# field NAME K: the Kth of those (the last line: a killed command has a
# line of its own before it).
field() { tail -n 1 "$work/$1.time" | awk -v f="$2" '{ print $f }'; }
cpu() { tail -n 1 "$work/$1.time" | awk '{ printf "%.2f", $2 + $3 }'; }
mb() { case $1 in ''|-) echo - ;; *) awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' ;; esac; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }
now_ms() { date +%s%N | cut -c1-13; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
lines() { wc -l < "$1" | tr -d ' '; }
# best NAME CMD...: CMD RUNS times, the fastest run (a neighbour on a
# shared host only ever slows a run down) left in $work/NAME.time; the
# output of each run goes to $best_out (/dev/null when it is not set).
best() {
	b_name=$1; shift
	b_i=1
	while [ "$b_i" -le "$RUNS" ]; do
		again t "$b_name.run$b_i" "$@" > "${best_out:-/dev/null}"
		b_i=$((b_i + 1))
	done
	best_out=/dev/null
	for b_f in "$work/$b_name".run*.time; do tail -n 1 "$b_f"; done |
	    sort -n | head -n 1 > "$work/$b_name.time"
}

# again CMD...: CMD, and up to four times more while it is killed from
# outside (status 137 or 143, SIGKILL or SIGTERM): on a shared machine,
# another job's `pkill -x delta-commit` ends ours too.  Each time is
# counted in $work/killed.
again() {
	a_try=1
	while :; do
		a_rc=0
		"$@" || a_rc=$?
		case $a_rc in 137|143) ;; *) return "$a_rc" ;; esac
		echo "$*" >> "$work/killed"
		[ "$a_try" -lt 5 ] || return "$a_rc"
		echo "system.sh: killed from outside (status $a_rc), run again: $*" >&2
		a_try=$((a_try + 1))
	done
}
: > "$work/killed"

# The table: every row goes to $work/table, printed at the end.
table=$work/table
: > "$table"
head_row() { printf '%s\n' "$1" >> "$table"; }
note() { printf '    %s\n' "$1" >> "$table"; }
# row LABEL RECORDS WALL CPU RSS_KB: records/s by wall and per CPU second.
row() {
	printf '%-46s %9s %8s %8s %10s %10s %8s\n' "$1" "$2" "$3" "$4" \
	    "$(rate "$2" "$3")" "$(rate "$2" "$4")" "$(mb "$5")" >> "$table"
}
trow() {	# LABEL RECORDS NAME: a row from a .time file
	row "$1" "$2" "$(field "$3" 1)" "$(cpu "$3")" "$(field "$3" 4)"
}
targets=$work/targets
: > "$targets"
target() {	# WHAT FIGURE MET(1/0)
	if [ "$3" = 1 ]; then m=met; else m="NOT MET"; fi
	printf '  %-62s %-24s %s\n' "$1" "$2" "$m" >> "$targets"
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "-" && a + 0 >= b + 0) ? 1 : 0 }'; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(loadavg)
echo "== system benchmark: $N readings of $P monitors; the table is printed at the end =="

# ---- the inputs of each stage alone, made once (not timed) ----
"$BIN/vitals-gen" --patients "$P" --count "$N" -o "$work/raw.ndjson"
"$BIN/vitals-clean" -q -o "$work/clean.ndjson" "$work/raw.ndjson"
"$BIN/iforest-score" -q -o "$work/silver.ndjson" "$work/clean.ndjson"
"$BIN/vitals-agg" -q -o "$work/gold.ndjson" "$work/silver.ndjson"
n_clean=$(lines "$work/clean.ndjson")
n_silver=$(lines "$work/silver.ndjson")
n_gold=$(lines "$work/gold.ndjson")

# ---- each stage alone, from a file ----
echo "stages alone ..."
best a.gen "$BIN/vitals-gen" --patients "$P" --count "$N" -o /dev/null
best a.clean "$BIN/vitals-clean" -q -o /dev/null "$work/raw.ndjson"
best a.score "$BIN/iforest-score" -q -o /dev/null "$work/clean.ndjson"
best a.agg "$BIN/vitals-agg" -q -o /dev/null "$work/silver.ndjson"
# delta-commit: a new table each run.
commit_alone() {	# NAME TABLE INPUT [OPTION...]
	ca_name=$1 ca_table=$2 ca_in=$3; shift 3
	rm -rf "$ca_table"
	t "$ca_name" "$BIN/delta-commit" -q --schema gold "$@" "$ca_table" "$ca_in"
}
i=1
while [ "$i" -le "$RUNS" ]; do
	again commit_alone "a.commit.run$i" "$work/a.gold" "$work/gold.ndjson"
	i=$((i + 1))
done
for f in "$work"/a.commit.run*.time; do tail -n 1 "$f"; done | sort -n | head -n 1 > "$work/a.commit.time"

# ---- the whole pipeline without Kafka ----
# run_pipeline TAG RECORDS: the five stages, each under /usr/bin/time;
# the wall time in $work/TAG.ms; the status of the last stage.
run_pipeline() {
	rm -rf "$work/$1.gold"
	p0=$(now_ms)
	p_rc=0
	t "$1.gen" "$BIN/vitals-gen" --patients "$P" --count "$2" |
	    t "$1.clean" "$BIN/vitals-clean" -q |
	    t "$1.score" "$BIN/iforest-score" -q |
	    t "$1.agg" "$BIN/vitals-agg" -q |
	    t "$1.commit" "$BIN/delta-commit" -q --schema gold "$work/$1.gold" || p_rc=$?
	echo $(($(now_ms) - p0)) > "$work/$1.ms"
	return "$p_rc"
}
echo "the pipeline without Kafka ..."
i=1
while [ "$i" -le "$RUNS" ]; do
	again run_pipeline "p$i" "$N"
	i=$((i + 1))
done
bp=$(for f in "$work"/p*.ms; do echo "$(cat "$f") $(basename "$f" .ms)"; done | sort -n | head -n 1 | cut -d' ' -f2)
p_ms=$(cat "$work/$bp.ms")
p_rows=$("$BIN/delta-cat" -q "$work/$bp.gold" | wc -l | tr -d ' ')
p_cpu=$(for s in gen clean score agg commit; do cpu "$bp.$s"; echo; done | awk '{ s += $1 } END { printf "%.2f", s }')
p_rss=$(for s in gen clean score agg commit; do field "$bp.$s" 4; done | awk '{ s += $1 } END { print s }')
p_rate=$(rate "$N" "$(secs "$p_ms")")
# What the CPU seconds would allow on idle cores: the busiest stage, or
# all of them shared out over the cores, whichever takes longer.
cores=$(nproc)
idle() {	# RECORDS TAG STAGES...
	i_n=$1 i_tag=$2; shift 2
	for i_s in "$@"; do cpu "$i_tag.$i_s"; echo; done |
	    awk -v n="$i_n" -v c="$cores" '{ s += $1; if ($1 > m) m = $1 }
		END { t = s / c; if (m > t) t = m; printf "%.0f", (t > 0 ? n / t : 0) }'
}
p_idle=$(idle "$N" "$bp" gen clean score agg commit)

head_row "$(printf '%-46s %9s %8s %8s %10s %10s %8s' 'job' records 'wall s' 'cpu s' 'rec/s' 'rec/cpu-s' 'RSS MB')"
head_row "-- each stage alone, from a file (fastest of $RUNS) --"
trow "vitals-gen --count $N (to /dev/null)" "$N" a.gen
trow "vitals-clean" "$N" a.clean
trow "iforest-score" "$n_clean" a.score
trow "vitals-agg" "$n_silver" a.agg
trow "delta-commit --schema gold (Gold rows)" "$n_gold" a.commit
head_row "-- in the pipeline without Kafka (the fastest of $RUNS pipelines) --"
trow "vitals-gen" "$N" "$bp.gen"
trow "vitals-clean" "$N" "$bp.clean"
trow "iforest-score" "$n_clean" "$bp.score"
trow "vitals-agg" "$n_silver" "$bp.agg"
trow "delta-commit (Gold rows)" "$n_gold" "$bp.commit"
row "whole pipeline without Kafka (RSS: sum)" "$N" "$(secs "$p_ms")" "$p_cpu" "$p_rss"
note "$p_rows Gold rows committed (vitals-agg alone wrote $n_gold); in a pipeline every stage's wall is the pipeline's,"
note "so a stage's own speed there is rec/cpu-s"

# ---- the same pipeline from jq, on a slice ----
jq_rate=-
if [ "$S" != 0 ]; then
	echo "the pipeline from jq ($S readings) ..."
	run_jq() {
		rm -rf "$work/$1.gold"
		p0=$(now_ms)
		p_rc=0
		t "$1.gen" "$BIN/vitals-gen" --patients "$P" --count "$S" |
		    t "$1.clean" jq -c -R -f "$top/bench/clean.jq" |
		    t "$1.agg" jq -n -c -f "$top/bench/agg.jq" |
		    t "$1.commit" "$BIN/delta-commit" -q --schema gold "$work/$1.gold" || p_rc=$?
		echo $(($(now_ms) - p0)) > "$work/$1.ms"
		return "$p_rc"
	}
	i=1
	while [ "$i" -le "$RUNS" ]; do
		again run_jq "jq$i"
		i=$((i + 1))
	done
	bj=$(for f in "$work"/jq*.ms; do echo "$(cat "$f") $(basename "$f" .ms)"; done | sort -n | head -n 1 | cut -d' ' -f2)
	j_ms=$(cat "$work/$bj.ms")
	jq_rate=$(rate "$S" "$(secs "$j_ms")")
	j_cpu=$(for s in gen clean agg commit; do cpu "$bj.$s"; echo; done | awk '{ s += $1 } END { printf "%.2f", s }')
	j_rss=$(for s in gen clean agg commit; do field "$bj.$s" 4; done | awk '{ s += $1 } END { print s }')
	# Our pipeline on the same slice: the same Gold rows?
	again run_pipeline ps "$S"
	# (but the anomaly columns, which jq cannot fill: the scores, and the
	# alert iforest-score combines from them and NEWS2).
	noscore='del(.anomaly_score_max, .anomaly_score_mean, .anomalous_readings, .is_anomaly,
	    .alerting_readings, .alert, .alert_reason)'
	"$BIN/delta-cat" -q "$work/$bj.gold" | jq -c "$noscore" > "$work/jq.gold.ndjson"
	"$BIN/delta-cat" -q "$work/ps.gold" | jq -c "$noscore" > "$work/ps.gold.ndjson"
	j_rows=$(lines "$work/jq.gold.ndjson")
	same=$(jq -n --slurpfile a "$work/ps.gold.ndjson" --slurpfile b "$work/jq.gold.ndjson" \
	    -f "$top/bench/gold-same.jq")
	jver=$(jq --version)
	head_row "-- the same pipeline from $jver: $S readings (the first of the same input), fastest of $RUNS --"
	trow "vitals-gen" "$S" "$bj.gen"
	trow "jq -c -R -f bench/clean.jq" "$S" "$bj.clean"
	note "(iforest-score: no Isolation Forest in jq; the stage is left out)"
	trow "jq -n -c -f bench/agg.jq" "$S" "$bj.agg"
	trow "delta-commit (Gold rows)" "$j_rows" "$bj.commit"
	row "whole pipeline from jq (RSS: sum)" "$S" "$(secs "$j_ms")" "$j_cpu" "$j_rss"
	row "  extrapolated to $N readings" "$N" \
	    "$(awk -v ms="$j_ms" -v n="$N" -v s="$S" 'BEGIN { printf "%.0f", ms / 1000 * n / s }')" \
	    "$(awk -v c="$j_cpu" -v n="$N" -v s="$S" 'BEGIN { printf "%.0f", c * n / s }')" "$j_rss"
	if [ "$same" = true ]; then same="the same $j_rows Gold rows as our pipeline on this slice"
	else same="Gold rows DIFFER from our pipeline's on this slice (not the same job)"; fi
	note "jq has no Isolation Forest: its figure is an upper bound of jq's speed on the whole job"
	note "(so its Gold has no anomaly scores); but for those, $same"
fi

# ---- Miller ----
if [ "$S" != 0 ] && command -v mlr > /dev/null; then
	echo "Miller ($S readings) ..."
	head -n "$S" "$work/raw.ndjson" > "$work/raw.slice"
	head -n "$S" "$work/silver.ndjson" > "$work/silver.slice"
	best_out=$work/m.clean.out best m.clean mlr --ijsonl --ojsonl put -f "$top/bench/clean.mlr" "$work/raw.slice"
	# The window of each reading and its flags as 0/1, then count, mean,
	# min, max and sum of every column per patient and window (a superset
	# of Gold's columns).
	cat > "$work/window.mlr" <<'MLR'
$window_start = substr($event_time, 0, 15) . ":00.000000Z";
for (k in $*) {
  if (is_boolean($[k])) { $[k] = $[k] ? 1 : 0 }
}
MLR
	# (A loop over keys alone: Miller 6.6 cannot bind a JSON null, as
	# Silver's nullable columns hold, to a loop's value variable.)
	cols=heart_rate,temperature,spo2,respiration_rate,bp_systolic,bp_diastolic,mean_arterial_pressure
	cols=$cols,shock_index,anomaly_score,news2_score,alert_tachycardia,alert_bradycardia,alert_fever
	cols=$cols,alert_hypothermia,alert_hypoxia,alert_hypotension,alert_hypertension,alert_tachypnoea,is_anomaly
	best_out=$work/m.agg.out best m.agg mlr --ijsonl --ojsonl put -f "$work/window.mlr" \
	    then stats1 -a count,mean,min,max,sum -f "$cols" -g patient_id,window_start "$work/silver.slice"
	# The same records as vitals-clean, the same windows as vitals-agg.
	norm() { jq -S -c 'with_entries(select(.value != null))' "$1" | cksum; }
	head -n "$S" "$work/clean.ndjson" > "$work/clean.slice"
	if [ "$(norm "$work/clean.slice")" = "$(norm "$work/m.clean.out")" ]; then mc="the same $S records as vitals-clean"
	else mc="records DIFFER from vitals-clean's"; fi
	"$BIN/vitals-agg" -q -o "$work/gold.slice" "$work/silver.slice"
	mw=$(lines "$work/m.agg.out") ow=$(lines "$work/gold.slice")
	if [ "$mw" = "$ow" ]; then ma="the same $mw windows as vitals-agg"; else ma="$mw windows, vitals-agg $ow"; fi
	head_row "-- $(mlr --version): $S readings, fastest of $RUNS --"
	trow "mlr put -f bench/clean.mlr" "$S" m.clean
	trow "mlr put then stats1 -g patient_id,window" "$S" m.agg
	note "clean: $mc; aggregation: $ma, but as a batch"
	note "(stats1 holds every window to the end: no watermark, memory grows with the stream)"
elif [ "$S" != 0 ]; then
	head_row "-- Miller: skipped (apt-get install miller) --"
fi

# ---- DuckDB ----
if [ -d "$verify/node_modules/@duckdb" ]; then
	echo "DuckDB ..."
	for th in 1 0; do
		i=1
		while [ "$i" -le "$RUNS" ]; do
			t "d$th.run$i" node "$verify/duckdb-agg.mjs" "$work/silver.ndjson" "$work/duck.ndjson" "$th" > "$work/d$th.run$i.out"
			i=$((i + 1))
		done
		# The query's own seconds (not Node's start); the fastest run.
		sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' "$work/d$th".run*.out | sort -n | head -n 1 > "$work/d$th.secs"
		sed -n 's/.*threads=\([0-9]*\).*/\1/p' "$work/d$th.run1.out" > "$work/d$th.threads"
		for f in "$work/d$th".run*.time; do tail -n 1 "$f"; done | sort -n | head -n 1 > "$work/d$th.time"
	done
	key() { jq -r '[.patient_id, .window_start, .readings, .heart_rate_max, .news2_band, .alert_hypoxia_count, .anomalous_readings] | @tsv' "$1" | sort | cksum; }
	if [ "$(key "$work/duck.ndjson")" = "$(key "$work/gold.ndjson")" ]; then dsame="the same $(lines "$work/duck.ndjson") windows (counts, minima, maxima) as vitals-agg"
	else dsame="windows DIFFER from vitals-agg's"; fi
	dver=$(cd "$verify" && node -e 'console.log(require("@duckdb/node-api/package.json").version)' 2>/dev/null || echo "?")
	head_row "-- DuckDB ($dver, @duckdb/node-api): vitals-agg's job as one query, fastest of $RUNS --"
	row "duckdb-agg.mjs, 1 thread" "$n_silver" "$(cat "$work/d1.secs")" "-" "$(field d1 4)"
	row "duckdb-agg.mjs, all $(cat "$work/d0.threads") threads" "$n_silver" "$(cat "$work/d0.secs")" "-" "$(field d0 4)"
	note "wall: the query alone; RSS: Node's process; $dsame, as a batch (no watermark)"
	if [ -n "${BENCH_RESULTS:-}" ] && [ -s "$BENCH_RESULTS" ]; then
		# bench/run's delta-commit section: "name rows seconds" lines.
		while read -r what rows sec; do
			case $what in
			delta-commit) row "delta-commit, Silver NDJSON to Delta (bench/run)" "$rows" "$sec" - - ;;
			duckdb-parquet) row "DuckDB, NDJSON to Parquet, 1 thread (bench/run)" "$rows" "$sec" - - ;;
			esac
		done < "$BENCH_RESULTS"
		note "(NDJSON to zstd Parquet: the figures of bench/run's delta-commit section above, not measured again)"
	else
		note "(NDJSON to Parquet, delta-commit vs DuckDB: see bench/run's delta-commit section)"
	fi
else
	head_row "-- DuckDB: skipped (cd tests/verify && npm ci) --"
fi

# ---- through the embedded broker ----
echo "through the embedded broker ($KP partitions) ..."
# kafka_run: one run, with a broker of its own; the status of the
# consumer's last stage.
kafka_run() {
	rm -rf "$work/k.gold" "$work/k.rc" "$work/k.end" "$work/k.in.err" "$work/bs"
	"$BIN/kafka-broker" -q -t vitals --partitions "$KP" --bootstrap-file "$work/bs" > /dev/null &
	broker=$!
	while [ ! -s "$work/bs" ]; do sleep 0.1; done
	B=$(cat "$work/bs")
	# The consumer pipeline first, in a group, waiting for its partitions;
	# then the monitors produce.  Wall: from the first message produced to
	# the last Gold row committed.
	# Should messages be lost (the broker keeps about 5 MB of a partition),
	# kafka-cat-in would wait for ever: timeout ends it, and the table says
	# how many it got.
	(
		t k.in timeout $((120 + N / 5000)) "$BIN/kafka-cat-in" -v -b "$B" -G bench -t vitals \
		    -c "$N" 2> "$work/k.in.err" |
		    t k.clean "$BIN/vitals-clean" -q |
		    t k.score "$BIN/iforest-score" -q |
		    t k.agg "$BIN/vitals-agg" -q |
		    t k.commit "$BIN/delta-commit" -q --schema gold "$work/k.gold" || echo $? > "$work/k.rc"
		now_ms > "$work/k.end"
	) &
	consumer=$!
	i=0
	until grep -q 'assigned' "$work/k.in.err" 2>/dev/null || [ "$i" -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
	k0=$(now_ms)
	t k.gen "$BIN/vitals-gen" --patients "$P" --count "$N" |
	    t k.out "$BIN/kafka-cat-out" -q -b "$B" -t vitals
	k_prod=$(($(now_ms) - k0))
	wait "$consumer" || :
	[ -s "$work/k.end" ] || now_ms > "$work/k.end"
	k_ms=$(($(cat "$work/k.end") - k0))
	k_broker=$(awk '/^VmHWM/ { print $2 }' "/proc/$broker/status")
	# The broker's CPU seconds (utime + stime, in clock ticks).
	k_bcpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$broker/stat")
	kill "$broker" 2>/dev/null || :
	wait "$broker" 2>/dev/null || :
	broker=""
	k_rc=$(cat "$work/k.rc" 2>/dev/null || echo 0)
	k_in=$(sed -n 's/.* out=\([0-9]*\).*/\1/p' "$work/k.in.err" | tail -n 1)
	# kafka-cat-in ended by a signal: the status of timeout.
	case ${k_in:-none} in none) k_rc=143 ;; esac
	return "$k_rc"
}
again kafka_run || :
k_rows=$("$BIN/delta-cat" -q "$work/k.gold" | wc -l | tr -d ' ')
k_cpu=$(for s in gen out in clean score agg commit; do cpu "k.$s"; echo; done | awk -v b="$k_bcpu" '{ s += $1 } END { printf "%.2f", s + b }')
k_rss=$(for s in gen out in clean score agg commit; do field "k.$s" 4; done | awk -v b="$k_broker" '{ s += $1 } END { print s + b }')
k_rate=$(rate "$N" "$(secs "$k_ms")")
echo "- 0 $k_bcpu 0" > "$work/k.broker.time"
k_idle=$(idle "$N" k gen out broker in clean score agg commit)
head_row "-- through the embedded broker: $KP partitions, keyed by patient, consumed while produced (one run) --"
trow "vitals-gen" "$N" k.gen
trow "kafka-cat-out (idempotent, acks=all)" "$N" k.out
row "kafka-broker (librdkafka's mock cluster)" "$N" - "$k_bcpu" "${k_broker:-0}"
trow "kafka-cat-in -G -c $N" "$N" k.in
trow "vitals-clean" "$N" k.clean
trow "iforest-score" "$N" k.score
trow "vitals-agg" "$N" k.agg
trow "delta-commit (Gold rows)" "$k_rows" k.commit
row "whole pipeline through Kafka (RSS: sum)" "$N" "$(secs "$k_ms")" "$k_cpu" "$k_rss"
note "produced in $(secs "$k_prod") s; consumed ${k_in:-?} of $N; $k_rows Gold rows;"
note "the consumers' wall includes joining the group before the first message"
[ "${k_in:-0}" = "$N" ] || k_rate="- (consumed ${k_in:-?} of $N)"

# ---- a real-time stream into Silver ----
rt_p99=-
if [ "$RT" != 0 ]; then
	echo "a real-time stream: ${RT}s of $RTP monitors ..."
	rt_run() {
		rm -rf "$work/rt"
		"$BIN/vitals-gen" --realtime --patients "$RTP" -i 1 --duration "${RT}s" |
		    "$BIN/vitals-clean" -q | "$BIN/iforest-score" -q |
		    t rt.commit "$BIN/delta-commit" -q --schema silver --batch-time "${BATCH}s" "$work/rt"
	}
	again rt_run ||
	    echo "system.sh: the real-time stream failed; its delays are of what was committed" >&2
	# Each commit's rows: those of version v that version v-1 had not
	# (delta-cat --as-of, exact per row); the delay of each is the
	# commit's commitInfo timestamp minus the row's event_time.
	log=$work/rt/_delta_log
	: > "$work/rt.prev"
	: > "$work/rt.delays"
	for f in $(ls "$log" | grep '^[0-9]*\.json$' | sort); do
		v=$(echo "$f" | sed 's/^0*\([0-9]\)/\1/; s/\.json$//')
		ts=$(sed -n 's/.*"commitInfo":{"timestamp":\([0-9]*\).*/\1/p' "$log/$f" | head -n 1)
		"$BIN/delta-cat" -q --as-of "$v" "$work/rt" |
		    sed -n 's/.*"patient_id":"\([^"]*\)".*"event_time":"\([^"]*\)".*/\2 \1/p' |
		    sort > "$work/rt.cur"
		comm -13 "$work/rt.prev" "$work/rt.cur" | awk -v ts="$ts" '
		    function days(y, m, d) {	# days since 1970-01-01
			if (m <= 2) { y--; m += 12 }
			return 365 * y + int(y / 4) - int(y / 100) + int(y / 400) + int((153 * (m - 3) + 2) / 5) + d - 719469
		    }
		    {	# 2026-12-07T14:31:00.123456Z, to milliseconds
			d = days(substr($1, 1, 4) + 0, substr($1, 6, 2) + 0, substr($1, 9, 2) + 0)
			e = ((d * 24 + substr($1, 12, 2)) * 60 + substr($1, 15, 2)) * 60000
			e += substr($1, 18, 9) * 1000
			printf "%.3f\n", ts - e
		    }' >> "$work/rt.delays"
		mv "$work/rt.cur" "$work/rt.prev"
	done
	rt_commits=$(ls "$log" | grep -c '^[0-9]*\.json$')
	rt_rows=$(lines "$work/rt.delays")
	sort -n "$work/rt.delays" > "$work/rt.sorted"
	pct() { awk -v p="$1" -v n="$rt_rows" 'BEGIN { k = int(n * p / 100); if (k < n * p / 100) k++; if (k < 1) k = 1 } NR == k { printf "%.0f", $1; exit }' "$work/rt.sorted"; }
	rt_p50=$(pct 50) rt_p99=$(pct 99) rt_max=$(tail -n 1 "$work/rt.sorted" | awk '{ printf "%.0f", $1 }')
	rt_min=$(head -n 1 "$work/rt.sorted" | awk '{ printf "%.0f", $1 }')
	head_row "-- real time: vitals-gen --realtime ($RTP monitors, -i 1) | vitals-clean | iforest-score | delta-commit --batch-time ${BATCH}s (Silver) --"
	note "$rt_rows rows in $rt_commits commits over ${RT}s ($(rate "$rt_rows" "$RT") readings/s); delay from a reading's creation"
	note "(its event_time) to its commit (commitInfo timestamp), every row read back exactly (delta-cat --as-of):"
	note "min $rt_min ms, p50 $rt_p50 ms, p99 $rt_p99 ms, max $rt_max ms; delta-commit peak RSS $(mb "$(field rt.commit 4)") MB"
fi

# ---- memory: N and BIG readings ----
if [ "$BIG" != 0 ]; then
	echo "the pipeline on $BIG readings ..."
	big_rc=0
	again run_pipeline big "$BIG" || big_rc=$?
fi
if [ "$BIG" != 0 ] && [ "$big_rc" != 0 ]; then
	head_row "-- peak RSS at $BIG readings: the pipeline failed (status $big_rc), not measured --"
	flat_all=-
elif [ "$BIG" != 0 ]; then
	big_rows=$("$BIN/delta-cat" -q "$work/big.gold" | wc -l | tr -d ' ')
	head_row "-- peak RSS of each stage in the pipeline: $N and $BIG readings (flat: at most 5% or 256 KB more) --"
	head_row "$(printf '%-46s %12s %12s %8s' stage "RSS MB @$N" "@$BIG" ratio)"
	flat_all=1
	nonflat=""
	for s in gen clean score agg commit; do
		a=$(field "$bp.$s" 4) b=$(field "big.$s" 4)
		case $s in gen) n=vitals-gen ;; clean) n=vitals-clean ;; score) n=iforest-score ;;
		agg) n=vitals-agg ;; commit) n=delta-commit ;; esac
		fl=$(awk -v a="$a" -v b="$b" 'BEGIN { print (b <= a * 1.05 || b - a <= 256) ? "flat" : "grows" }')
		[ "$fl" = flat ] || { flat_all=0; nonflat="$nonflat $n"; }
		printf '%-46s %12s %12s %8s  %s\n' "$n" "$(mb "$a")" "$(mb "$b")" \
		    "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')" "$fl" >> "$table"
	done
	row "whole pipeline without Kafka, $BIG readings" "$BIG" "$(secs "$(cat "$work/big.ms")")" \
	    "$(for s in gen clean score agg commit; do cpu "big.$s"; echo; done | awk '{ s += $1 } END { printf "%.2f", s }')" \
	    "$(for s in gen clean score agg commit; do field "big.$s" 4; done | awk '{ s += $1 } END { print s }')"
	big_batch=$(sed -n 's/.*"numOutputRows":"\([0-9]*\)".*/\1/p' "$work/big.gold/_delta_log/"*.json | sort -n | tail -n 1)
	note "$big_rows Gold rows; delta-commit holds a batch until --batch-bytes (16M), --batch-rows (500000) or --batch-time (30s):"
	note "its largest commit held $big_batch rows here, against $n_gold at $N readings.  With the batch held"
	note "the same, alone from Gold files of $n_gold rows and of ten times as many (patient ids made distinct):"
	: > "$work/gold10.ndjson"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sed "s/\"patient_id\":\"/\"patient_id\":\"r$i-/" "$work/gold.ndjson" >> "$work/gold10.ndjson"
	done
	again commit_alone m.g1 "$work/g1" "$work/gold.ndjson" --batch-rows "$n_gold"
	again commit_alone m.g10 "$work/g10" "$work/gold10.ndjson" --batch-rows "$n_gold"
	rm -rf "$work/gold10.ndjson" "$work/g1" "$work/g10"
	a=$(field m.g1 4) b=$(field m.g10 4)
	fl=$(awk -v a="$a" -v b="$b" 'BEGIN { print (b <= a * 1.05 || b - a <= 256) ? "flat" : "grows" }')
	printf '%-46s %12s %12s %8s  %s\n' "delta-commit --batch-rows $n_gold, alone" "$(mb "$a")" "$(mb "$b")" \
	    "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')" "$fl" >> "$table"
fi

# ---- the table ----
load_end=$(loadavg)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo
echo "== system benchmark: $N readings of $P monitors (vitals-gen defaults otherwise), one run =="
echo "machine: $(nproc) cores, ${cpu_model:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo);" \
    "$(date -u +%Y-%m-%dT%H:%MZ); load average $load_start at the start, $load_end at the end"
echo "(a shared machine is noisy: compare figures within this run; rec/s = records / wall, rec/cpu-s = records / CPU seconds)"
cat "$table"
if [ -s "$work/killed" ]; then
	echo "($(lines "$work/killed") run(s) were killed from outside, by another job on this machine, and run again)"
fi
echo
echo "targets ($N readings, $(nproc) cores):"
target "whole pipeline without Kafka >= 300000 records/s" "$p_rate" "$(ge "$p_rate" 300000)"
printf '      (its CPU seconds would allow about %s records/s on %s idle cores)\n' "$p_idle" "$cores" >> "$targets"
if [ "$jq_rate" != - ]; then
	ratio=$(awk -v a="$p_rate" -v b="$jq_rate" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }')
	target "  and >= 10x the same pipeline from jq (jq: upper bound)" "${ratio}x ($jq_rate rec/s)" "$(ge "$ratio" 10)"
fi
target "through Kafka >= 150000 records/s" "$k_rate" "$(ge "$k_rate" 150000)"
printf '      (its CPU seconds, the broker'"'"'s too, would allow about %s records/s on %s idle cores)\n' \
    "$k_idle" "$cores" >> "$targets"
if [ "$rt_p99" != - ]; then
	lim=$((BATCH * 1000 + 100))
	target "real time: p99 delay to Silver <= commit interval + 100 ms ($lim ms)" "$rt_p99 ms" \
	    "$(awk -v a="$rt_p99" -v l="$lim" 'BEGIN { print (a <= l) ? 1 : 0 }')"
fi
if [ "$BIG" != 0 ] && [ "$flat_all" != - ]; then
	if [ "$flat_all" = 1 ]; then fig="flat, every stage"; else fig="grows:$nonflat"; fi
	target "peak RSS of every stage flat from $N to $BIG readings" "$fig" "$flat_all"
fi
cat "$targets"
