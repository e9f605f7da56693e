# Sourced by tests/cli/iforest_*.sh (after tests/lib.sh): finds the tree,
# skips without Debian's scikit-learn, and builds tests/iforest/iforest_check
# into $T against the library the tools were built with (ASan or not).
top=$(cd "$(dirname "$1")/../.." && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import sklearn' 2>/dev/null ||
	skip "needs /usr/bin/python3 with scikit-learn (apt-get install python3-sklearn)"

lib=$BIN/../libvitals.a
[ -f "$lib" ] || fail "no $lib: run make first"
san=
nm "$lib" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined"
# A library built for make coverage needs gcov's runtime.
nm "$lib" 2>/dev/null | grep -q __gcov_ && san="$san --coverage"
${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
    -Wstrict-prototypes -Wmissing-prototypes -Wno-sign-compare -O2 -g $san \
    -I"$top/lib" $(pkg-config --cflags jansson) \
    -o "$T/iforest_check" "$top/tests/iforest/iforest_check.c" "$lib" \
    $(pkg-config --libs jansson rdkafka libcurl zlib libzstd snappy) -lm ||
	fail "cannot build iforest_check"
CHECK=$T/iforest_check
