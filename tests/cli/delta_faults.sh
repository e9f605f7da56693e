# delta-commit when things go wrong: a full disk and a read-only directory
# give a clear error and exit 1 with the table unharmed; a table of a newer
# protocol is refused; records that do not fit the schema go to the
# rejects; --dry-run changes nothing.
need_verify

vitals-gen --patients 20 --duration 1h --seed 9 | vitals-clean -q --now 2026-06-01T00:00:00Z > silver.ndjson
head -n 100 silver.ndjson > small.ndjson

# A real small file system if we may mount one, else the failing-I/O shim.
mnt=$PWD/mnt
mkdir -p "$mnt"
if [ -z "${VL_FAULTS_SHIM:-}" ] && mount -t tmpfs -o size=200k tmpfs "$mnt" 2>/dev/null; then
	trap 'umount "$mnt" 2>/dev/null || true' EXIT
	how=tmpfs
	full() { "$@"; }
	readonly_fs() { mount -o remount,ro "$mnt" && "$@"; }
else
	how=shim
	cc -shared -fPIC -o failio.so "$TOP/tests/inject/failio.c" -ldl
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
	full() { LD_PRELOAD=$PWD/failio.so VL_FAIL_ENOSPC_AFTER=200000 "$@"; }
	readonly_fs() { LD_PRELOAD=$PWD/failio.so VL_FAIL_EROFS=1 "$@"; }
fi
echo "faults by $how"

# A first small batch fits; the big one does not.
delta-commit -q --schema silver silver-ok small.ndjson
cp -r silver-ok "$mnt/t"
before=$(ls "$mnt/t/_delta_log" | sort)
expect_status 1 full delta-commit --codec none "$mnt/t" silver.ndjson 2> err
cat err
expect_grep 'No space left on device' err
expect_eq "log after a full disk" "$(ls "$mnt/t/_delta_log" | grep -v '^\.tmp' | sort)" "$(echo "$before" | grep -v '^\.tmp')"
delta_check "$mnt/t" --rows small.ndjson

expect_status 1 readonly_fs delta-commit "$mnt/t" small.ndjson 2> err
cat err
expect_grep 'Read-only file system' err
delta_check "$mnt/t" --rows small.ndjson
[ $how = tmpfs ] && umount "$mnt"

# A table this writer does not support is refused, and left alone.
mkdir -p dv/_delta_log
printf '%s\n' '{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}}' \
    "$(sed -n 3p silver-ok/_delta_log/00000000000000000000.json)" > dv/_delta_log/00000000000000000000.json
expect_status 1 delta-commit dv small.ndjson 2> err
expect_grep 'protocol (3, 7) with table features is newer than this writer supports' err
expect_eq "nothing written" "$(find dv -type f | wc -l | tr -d ' ')" 1

# Records that do not fit the schema never reach a file.
{
	sed -n 1p small.ndjson | jq -c '.heart_rate = "fast"'
	sed -n 2p small.ndjson | jq -c '.extra_field = 1'
	sed -n 3p small.ndjson | jq -c 'del(.patient_id)'
	sed -n 4p small.ndjson | jq -c '.event_time = "yesterday"'
	sed -n 5p small.ndjson | jq -c '.heart_rate = 3000000000'
	sed -n 6p small.ndjson | jq -c '.truth = {"episode": 5}'
	echo '{"broken'
	sed -n 7p small.ndjson
} > mixed.ndjson
delta-commit --schema silver --rejects rej.ndjson silver-mixed mixed.ndjson 2> err
expect_grep 'in=8 out=1 rejected=7 duplicates=0' err
expect_eq "reasons" "$(jq -r .reason rej.ndjson | tr '\n' ' ')" \
    "schema_mismatch unknown_field missing_field schema_mismatch schema_mismatch schema_mismatch bad_json "
expect_grep 'heart_rate is not an integer' rej.ndjson
expect_grep "no column 'extra_field'" rej.ndjson
expect_grep 'patient_id is required' rej.ndjson
sed -n 7p small.ndjson > one.ndjson
delta_check silver-mixed --rows one.ndjson

# --dry-run prints the actions and writes nothing.
delta-commit -n --schema silver silver-dry small.ndjson > actions 2> err
[ ! -e silver-dry ] || fail "--dry-run created the table"
expect_eq "actions" "$(jq -r 'keys[0]' actions | tr '\n' ' ')" "commitInfo protocol metaData add "
expect_eq "rows in the dry-run add" "$(jq -r 'select(.add) | .add.stats | fromjson | .numRecords' actions)" 100
delta-commit -n silver-ok small.ndjson > actions2 2>/dev/null
expect_eq "dry run on an existing table" "$(jq -r 'keys[0]' actions2 | tr '\n' ' ')" "commitInfo add "
expect_eq "table untouched by --dry-run" "$(ls silver-ok/_delta_log | grep -c json)" 1
