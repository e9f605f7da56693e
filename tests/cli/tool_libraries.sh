# Each tool loads only the libraries it calls into (the Makefile links
# with --as-needed and -V names a library only from the module that uses
# it): librdkafka in the Kafka tools, libcurl in bq-load, and neither in
# the filters that never talk to a network.
command -v ldd > /dev/null || skip "needs ldd"
for t in "$BIN"/*; do
	name=$(basename "$t")
	ldd "$t" > libs || fail "ldd $name"
	"$t" -V > version || fail "$name -V"
	case $name in
	kafka-*) want_kafka=1 ;;
	*) want_kafka=0 ;;
	esac
	case $name in
	bq-load) want_curl=1 ;;
	*) want_curl=0 ;;
	esac
	expect_eq "$name loads librdkafka" "$(grep -c 'librdkafka\.so' libs || :)" $want_kafka
	expect_eq "$name -V names librdkafka" "$(grep -c 'librdkafka' version || :)" $want_kafka
	expect_eq "$name loads libcurl" "$(grep -c 'libcurl\.so' libs || :)" $want_curl
	expect_eq "$name -V names libcurl" "$(grep -c 'libcurl' version || :)" $want_curl
	expect_grep "^$name [0-9][0-9.]* (jansson " version
done
for t in vitals-clean vitals-gen vitals-eval iforest-score; do
	ldd "$BIN/$t" | grep -q 'libzstd\|libsnappy' && fail "$t loads a Parquet codec it never uses"
done
:
