# A commit that fails while the input is idle, in the middle of a stream,
# or at the end of input: delta-commit says why, exits 1 (not killed by a
# signal), counts as out only what a committed version holds, names the
# records it could not commit, and leaves the table as it was.
need_verify

vitals-gen --patients 10 --duration 30m --seed 5 | vitals-clean -q --now 2026-06-01T00:00:00Z > silver.ndjson
head -n 40 silver.ndjson > first.ndjson
sed -n '41,140p' silver.ndjson > next.ndjson

cc -shared -fPIC -o failio.so "$TOP/tests/inject/failio.c" -ldl
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
# While the file "fail" exists, publishing a Delta version fails.
failing() { LD_PRELOAD=$PWD/failio.so VL_FAIL_COMMIT_WHILE=$PWD/fail "$@"; }

# Each case starts from a table holding first.ndjson (one version).
fresh() { rm -rf t fail; delta-commit -q --schema silver t first.ndjson; }
unharmed() {
	expect_eq "$1: log" "$(ls t/_delta_log | grep -v '^\.' )" 00000000000000000000.json
	delta_check t --rows first.ndjson
}

# 1. Idle: the rows arrive, the input goes quiet, the batch falls due by
# time and its commit fails, while the writer of the pipe is still alive.
fresh
set +e
{ cat next.ndjson; sleep 0.5; touch fail; sleep 4; } |
    failing delta-commit --batch-time 1 t 2> err
rc=$?
set -e
cat err
expect_eq "idle failure: exit status" $rc 1
expect_grep 'Input/output error' err
expect_eq "idle failure: in" "$(stat_field in err)" 100
expect_eq "idle failure: out" "$(stat_field out err)" 0
expect_grep '^delta-commit: 100 records not committed' err
unharmed "idle failure"

# 2. Mid-batch: two batches are due by rows before the input ends; the
# first commit fails, nothing after it is read or committed.
fresh
touch fail
expect_status 1 failing delta-commit --batch-rows 30 t next.ndjson 2> err
cat err
expect_eq "mid-batch failure: out" "$(stat_field out err)" 0
expect_eq "mid-batch failure: in" "$(stat_field in err)" 30
expect_grep '^delta-commit: 30 records not committed' err
unharmed "mid-batch failure"

# A failure after some batches did commit: those count, the rest do not.
rm -f fail
delta-commit -q t next.ndjson
expect_eq "second batch" "$(ls t/_delta_log | grep -c json)" 2

# 3. End of input: the last batch's commit fails.
fresh
touch fail
expect_status 1 failing delta-commit t next.ndjson 2> err
cat err
expect_eq "end-of-input failure: out" "$(stat_field out err)" 0
expect_grep '^delta-commit: 100 records not committed' err
unharmed "end-of-input failure"

# Without the failure the same commands succeed, so the cases above fail
# for the injected reason only.
rm -f fail
{ cat next.ndjson; sleep 1.5; } | failing delta-commit --batch-time 1 t 2> err
expect_eq "idle commit: out" "$(stat_field out err)" 100
cat first.ndjson next.ndjson > all.ndjson
delta_check t --rows all.ndjson
