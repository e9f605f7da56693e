# The Nth-call fault sweep shared by tests/cli/inject_*.sh; sourced after
# tests/lib.sh, in the test's scratch directory.  Builds failio.so
# (failio.c beside this file), then:
#
#   counts NAME CMD...   runs CMD once cleanly under the shim and keeps
#                        how many calls of each kind it made (counts.NAME);
#                        its stdout and stderr go to files, as in the
#                        sweep, so that the same writes are counted
#   sweep NAME CMD...    runs CMD again once for every N of every kind in
#                        counts.NAME, the Nth call failing, each time after
#                        prepare_NAME and followed by check_NAME "KIND #N"
#                        STATUS; CMD's stdout is in out, its stderr in err,
#                        its stdin is $stdin (/dev/null unless set)
#
# check_NAME must leave the variables of the loop alone: name, kind, n,
# i, step and total.
# Every run must exit 0 or 1 within 60 s (a signal, a crash or a hang
# fails the test) and say why when it exits 1; check_NAME judges what it
# left.  The kinds swept are those in $kinds (write open mkdir fsync
# rename link alloc; unlink too where a test adds it).  Allocations are
# too many to try each: a spread of $alloc_runs of them (VL_ALLOC_RUNS,
# 150, unless the test sets fewer for a slow tool), from an offset drawn
# from VL_ALLOC_SEED, and not under ASan, whose allocator the shim's
# would bypass, nor in a coverage build (gcov's writing of its counts at
# exit does not survive a failed allocation).
command -v cc > /dev/null || skip "needs cc to build the failing-I/O shim"
case $BIN in
*asan*|*build-cov*) alloc= ;;
*) alloc=-DFAIL_ALLOC ;;
esac
cc -shared -fPIC $alloc -o failio.so "$TOP/tests/inject/failio.c" -ldl
alloc_seed=${VL_ALLOC_SEED:-$(date +%s)}
[ -z "$alloc" ] || echo "allocation failures from seed $alloc_seed (VL_ALLOC_SEED=$alloc_seed to repeat)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
kinds="write open mkdir fsync rename link alloc"
alloc_runs=${VL_ALLOC_RUNS:-150}
counts() {
	name=$1; shift
	LD_PRELOAD=$PWD/failio.so VL_FAIL_COUNT=$PWD/counts.$name "$@" \
	    < "${stdin:-/dev/null}" > out 2> err ||
	    { cat err; fail "$name: the clean run failed"; }
}
sweep() {
	name=$1; shift
	total=0
	while read -r kind n; do
		case " $kinds " in *" $kind "*) ;; *) continue ;; esac
		i=1 step=1
		if [ "$kind" = alloc ]; then
			step=$(( n / alloc_runs ))
			[ $step -ge 1 ] || step=1
			i=$(( 1 + alloc_seed % step ))
		fi
		while [ "$i" -le "$n" ]; do
			prepare_$name
			set +e
			timeout 60 sh -c 'p=$0 s=$1; shift
			    LD_PRELOAD=$p VL_FAIL_NTH=$s exec "$@"' \
			    "$PWD/failio.so" "$kind:$i" "$@" \
			    < "${stdin:-/dev/null}" > out 2> err
			st=$?
			set -e
			[ $st -le 1 ] || { cat err; fail "$name: $kind #$i: exit status $st"; }
			[ $st = 0 ] || [ -s err ] || fail "$name: $kind #$i: exit 1 without a word"
			check_$name "$kind #$i" $st
			i=$((i + step)); total=$((total + 1))
		done
	done < counts.$name
	echo "$name: $total failing runs"
	[ $total -ge 4 ] || fail "$name: too few calls to fail"
}
