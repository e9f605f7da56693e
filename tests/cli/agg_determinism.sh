# The same input gives the same bytes, run to run, however it is split
# into files, with --unbuffered or not, and whatever order its readings
# arrive in within the lateness.

vitals-gen --seed 5 --patients 25 --duration 1h --episodes 4 | vitals-clean -q > silver.ndjson
vitals-agg -q silver.ndjson > a.ndjson
vitals-agg -q silver.ndjson > b.ndjson
[ -s a.ndjson ] || fail "no output"
cmp a.ndjson b.ndjson || fail "two runs differ"

split -l 3000 silver.ndjson part.
vitals-agg -q part.* > parts.ndjson
cmp a.ndjson parts.ndjson || fail "split input gives other output"
vitals-agg -q --unbuffered < silver.ndjson > unbuf.ndjson
cmp a.ndjson unbuf.ndjson || fail "--unbuffered gives other output"

# Shuffle the readings within blocks of 100 lines (25 patients read every
# 5 s: 20 s of event time, well within the 2-minute lateness).  Sums are
# exact, so the means do not move; the order of rows does not either.
awk 'BEGIN { srand(7) }
    { buf[n++] = $0 }
    n == 100 { flush() }
    END { flush() }
    function flush(   i, j, t) {
        for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = buf[i]; buf[i] = buf[j]; buf[j] = t }
        for (i = 0; i < n; i++) print buf[i]
        n = 0
    }' silver.ndjson > shuffled.ndjson
cmp -s silver.ndjson shuffled.ndjson && fail "the shuffle changed nothing"
vitals-agg -q shuffled.ndjson > shuffled.out
cmp a.ndjson shuffled.out || fail "arrival order within the lateness changed the output"
