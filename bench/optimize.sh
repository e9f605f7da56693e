#!/bin/sh
# delta-optimize (issue 13): a streaming day of Gold, and a slice of
# Silver, committed in the small batches a stream commits every 10 s;
# then files, bytes and the time of a full read (delta-cat > /dev/null)
# before and after OPTIMIZE, against the same rows written in one batch.
# The issue's targets: after OPTIMIZE at most one file below the target
# size per partition (Gold: per patient and day), and a full read at most
# 2x the one-batch table's.  Figures to read, not pass/fail.
#
#   BENCH_OPT_PATIENTS=200  BENCH_OPT_DURATION=2h  (Gold)
#   BENCH_OPT_SILVER=1h     (Silver: the same patients, this long)
#   BENCH_OPT_DIR=/dev/shm  where the tables go (delta-commit fsyncs every
#                           small file: on a disk that alone takes minutes)
# A 10 s commit of Gold writes a file per patient whose minute window
# closed: 200 patients make 200 files a minute, 288,000 a day.  The
# default is two hours of that (24,000 files); BENCH_OPT_DURATION=24h is
# the whole day, which takes delta-commit itself an hour and 2 GB here
# (its log state grows with every file, and each checkpoint holds them
# all), so it is not the default.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=$top/${BUILD:-build}/bin
P=${BENCH_OPT_PATIENTS:-200}
D=${BENCH_OPT_DURATION:-2h}
S=${BENCH_OPT_SILVER:-1h}
dir=${BENCH_OPT_DIR:-/dev/shm}
[ -d "$dir" ] && [ -w "$dir" ] || dir=${TMPDIR:-/tmp}
work=$(mktemp -d "$dir/vl-bench-opt.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
export LC_ALL=C TZ=UTC
for tool in vitals-gen vitals-clean vitals-agg delta-commit delta-cat delta-optimize; do
	[ -x "$BIN/$tool" ] || { echo "optimize: build first ($BIN/$tool)" >&2; exit 2; }
done

# secs CMD...: wall seconds of CMD, output discarded.
secs() {
	/usr/bin/time -f '%e' -o "$work/t" "$@" > /dev/null 2>&1
	cat "$work/t"
}
# best CMD...: the best of three reads (the page cache is warm for all).
best() {
	a=$(secs "$@"); b=$(secs "$@"); c=$(secs "$@")
	printf '%s\n%s\n%s\n' "$a" "$b" "$c" | sort -n | head -n 1
}
nfiles() { find "$1" -name '*.parquet' ! -path '*_delta_log*' | wc -l | tr -d ' '; }
live() { "$BIN/delta-cat" --files "$1" | wc -l | tr -d ' '; }
live_bytes() { "$BIN/delta-cat" --files "$1" | jq -s 'map(.add.size) | add'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# below TABLE TARGET: most live files below TARGET bytes in one partition
below() {
	"$BIN/delta-cat" --files "$1" | jq -r --argjson t "$2" \
	    'select(.add.size < $t) | .add.partitionValues | tostring' |
	    sort | uniq -c | sort -rn | awk 'NR == 1 { print $1 } END { if (NR == 0) print 0 }'
}

# run NAME ROWS SCHEMA PARTITION-BY BATCH-ROWS
run() {
	name=$1 rows=$2 schema=$3 pby=$4 batch=$5
	t0=$(date +%s)
	"$BIN/delta-commit" -q --schema "$schema" --partition-by "$pby" \
	    --batch-rows "$batch" "$work/$name" "$rows"
	"$BIN/delta-commit" -q --schema "$schema" --partition-by "$pby" \
	    --batch-rows 100000000 "$work/$name.one" "$rows"
	t1=$(date +%s)
	n=$(wc -l < "$rows" | tr -d ' ')
	versions=$(ls "$work/$name/_delta_log" | grep -c 'json$')
	f0=$(live "$work/$name"); b0=$(live_bytes "$work/$name")
	r0=$(secs "$BIN/delta-cat" -q "$work/$name")	# long: once
	fo=$(live "$work/$name.one"); bo=$(live_bytes "$work/$name.one")
	ro=$(best "$BIN/delta-cat" -q "$work/$name.one")
	/usr/bin/time -f '%e %M' -o "$work/opt.time" "$BIN/delta-optimize" \
	    --no-checkpoint "$work/$name" 2> "$work/opt.err"
	ot=$(cut -d' ' -f1 "$work/opt.time"); om=$(cut -d' ' -f2 "$work/opt.time")
	f1=$(live "$work/$name"); b1=$(live_bytes "$work/$name")
	r1=$(best "$BIN/delta-cat" -q "$work/$name")
	# Until a checkpoint follows, every open replays the removes: the
	# first read is without one (--no-checkpoint), this one with the
	# checkpoint delta-optimize writes by default.
	"$BIN/delta-optimize" -q --checkpoint "$work/$name"
	r2=$(best "$BIN/delta-cat" -q "$work/$name")
	echo "-- $name: $n rows, $versions commits of $batch rows ($((t1 - t0)) s to write both tables)"
	printf '%-28s %9s %12s %10s\n' table files bytes "read s"
	printf '%-28s %9s %12s %10s\n' "small commits" "$f0" "$b0" "$r0"
	printf '%-28s %9s %12s %10s\n' "after OPTIMIZE" "$f1" "$b1" "$r1"
	printf '%-28s %9s %12s %10s\n' "  and a checkpoint" "$f1" "$b1" "$r2"
	printf '%-28s %9s %12s %10s\n' "one batch" "$fo" "$bo" "$ro"
	echo "delta-optimize: $ot s, $om KB max RSS; $(grep -o 'files_read=[0-9]*.*' "$work/opt.err")"
	echo "target: most files below the target size in one partition: $(below "$work/$name" $((256 << 20))) (at most 1)"
	echo "target: full read after OPTIMIZE / one batch: $(ratio "$r1" "$ro")x, with its checkpoint $(ratio "$r2" "$ro")x (at most 2x); before: $(ratio "$r0" "$ro")x"
}

echo "== delta-optimize: $P patients, Gold for $D, Silver for $S (tables in $dir) =="
"$BIN/vitals-gen" --patients "$P" --duration "$D" --seed 13 |
    "$BIN/vitals-clean" -q --now 2027-01-01T00:00:00Z | "$BIN/vitals-agg" -q > "$work/gold.ndjson"
# A 10 s commit of Gold holds about a sixth of the patients' minute windows.
run gold "$work/gold.ndjson" gold event_date,patient_id $(( P / 6 > 0 ? P / 6 : 1 ))
rm -rf "$work/gold" "$work/gold.one" "$work/gold.ndjson"

"$BIN/vitals-gen" --patients "$P" --duration "$S" --seed 14 |
    "$BIN/vitals-clean" -q --now 2027-01-01T00:00:00Z > "$work/silver.ndjson"
n=$(wc -l < "$work/silver.ndjson" | tr -d ' ')
per10=$(awk -v n="$n" -v d="$S" 'BEGIN { u = substr(d, length(d)); v = substr(d, 1, length(d) - 1);
    s = v * (u == "h" ? 3600 : u == "m" ? 60 : u == "d" ? 86400 : 1); r = int(n * 10 / s); print (r > 0 ? r : 1) }')
run silver "$work/silver.ndjson" silver event_date "$per10"
