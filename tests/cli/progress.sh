# Progress on stderr: silent in a pipe unless --progress, then a line a
# second; on a terminal one line redrawn in place and cleared at the end;
# never with -q.  kafka-cat-in adds the consumer's lag.
vitals-gen --patients 20 -c 4000 > in.ndjson
slow() { pace 400 0.25 < in.ndjson; }	# about 2.5 s
slow | vitals-clean > /dev/null 2> quiet.err
expect_eq "no progress in a pipe" "$(grep -c ' in, ' quiet.err || :)" 0
slow | vitals-clean --progress > /dev/null 2> prog.err
n=$(grep -c '^vitals-clean: [0-9]* in, [0-9]*/s, 0 rejected, 0 duplicates$' prog.err || :)
[ "$n" -ge 2 ] || { cat prog.err; fail "--progress in a pipe: $n lines"; }
expect_grep '^vitals-clean: in=4000 out=4000 rejected=0 duplicates=0$' prog.err
slow | vitals-clean -q --progress > /dev/null 2> q.err
expect_eq "-q silences it" "$(wc -c < q.err | tr -d ' ')" 0
# A terminal: script(1) gives the tool one for stderr.
if command -v script > /dev/null; then
	printf '%s\n' "#!/bin/sh" "exec perl -e '\$|=1; while (<STDIN>) { print; select(undef,undef,undef,0.25) if \$. % 400 == 0 }'" > slowcat
	chmod +x slowcat
	script -qec "./slowcat < in.ndjson | vitals-clean -o /dev/null" /dev/null > tty.out 2>&1 || :
	grep -q "$(printf '\033\\[K')vitals-clean: [0-9]* in" tty.out || { od -c tty.out | head; fail "no redrawn line on a terminal"; }
	# Cleared at the end: the summary starts a clean line.
	grep -q "$(printf '\r\033\\[K')vitals-clean: in=4000" tty.out || fail "the last progress line was not cleared"
fi
# kafka-cat-in: the lag.  The stream is larger than a pipe holds (the
# tools widen theirs to 1 MiB), so the slow reader holds kafka-cat-in
# back for a few seconds and a progress line shows the lag left.
start_broker -t vitals --partitions 2
vitals-gen --patients 20 -c 24000 > kin.ndjson
kafka-cat-out -q -b "$B" -t vitals kin.ndjson
kafka-cat-in -b "$B" -t vitals -e --progress 2> kin.err | pace 2000 0.25 > /dev/null
grep -q '^kafka-cat-in: [0-9]* in, [0-9]*/s, 0 rejected, 0 duplicates, lag [0-9]*$' kin.err ||
	{ cat kin.err; fail "kafka-cat-in shows no lag"; }
