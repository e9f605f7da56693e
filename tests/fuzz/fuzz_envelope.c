/*
 * libFuzzer target: Bronze envelopes, both ends of them.
 *
 * The input is a Kafka message: its key, a 0x1F byte, then its value; or
 * no key and all of it the value (empty: no payload at all).  Each run
 *   1. cleans the input as one line, as vitals-clean reads any line
 *      (raw reading or envelope), which must not crash;
 *   2. prints the envelope of the message with envelope_print, as
 *      kafka-cat-in does, on a message that kafka-cat-in's consumer
 *      (lib/consumer.h) read from a Kafka cluster in this process
 *      (lib/kafka_broker.h, librdkafka's mock) with the input as its key
 *      and payload (see print_message);
 *      that text must be one line of valid JSON (jansson) with exactly
 *      the fields of schemas/bronze.json, the message's coordinates and
 *      times, and key and value given back losslessly: as the same text
 *      when the bytes are UTF-8 (jansson's json_stringn decides) without
 *      a NUL, else null with <name>_base64 decoding (a strict decoder
 *      here) to the same bytes;
 *   3. reads the printed envelope back with the project's own codec
 *      (record_scan, which vitals-clean and delta-commit read Bronze
 *      with), which must accept it;
 *   4. cleans the printed envelope: a payload that is not UTF-8 is
 *      refused as bad_utf8, none at all as bad_envelope, and a reading
 *      that is not itself an envelope comes out exactly as the input
 *      cleaned in step 1 did (same status and reason, same Silver record
 *      but for the Kafka coordinates the envelope adds).
 * The Kafka timestamp is the cleaners' clock, so both take the same
 * reference for future skew.  The two cleaners live across runs (making
 * them costs more than all the rest), so a reading that repeats one of an
 * earlier run may be a duplicate to one and not to the other: such
 * outcomes are not compared.  Built and run by `make fuzz`.
 */
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "consumer.h"
#include "isotime.h"
#include "kafka.h"
#include "kafka_broker.h"
#include "writer.h"
#include "record.h"
#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOPIC		"vitals"
#define PARTITIONS	4
/* 2026-03-01T10:00:00Z: the cleaners' clock and the message time. */
#define NOW_USEC	INT64_C(1772359200000000)
#define INGEST_USEC	(NOW_USEC + 1234567)

#define check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);\
		abort();						\
	}								\
} while (0)

static struct kafka_broker *broker;
static rd_kafka_t *producer;
static struct kafka_client consumer_kc;
static struct consumer *consumer;
static rd_kafka_message_t *consumed[PARTITIONS];
static struct writer printed;
static struct cleaner *raw, *env;

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "%s: %s\n", what, err);
	abort();
}

/*
 * The cluster, a producer, and kafka-cat-in's consumer with its defaults;
 * one message sent to each partition and read back, kept for the runs.
 * (Not a delivery report's message: the mock broker answers a produce
 * with a LogAppendTime of its own, 1234 ms, that the report takes, while
 * a consumer gets the record as produced.)
 */
static void
start(void)
{
	static const char *topics[] = { TOPIC };
	struct broker_options bo = { .brokers = 1, .partitions = PARTITIONS,
	    .topics = topics, .ntopics = 1 };
	struct consumer_options co = { .topic = TOPIC,
	    .offset = RD_KAFKA_OFFSET_BEGINNING, .connect_timeout_ms = 10000 };
	rd_kafka_message_t *m;
	rd_kafka_conf_t *conf;
	char err[512];
	int n = 0, tries = 0, rc;

	if ((broker = kafka_broker_start(&bo, err, sizeof err)) == NULL)
		die("broker", err);
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers",
	    kafka_broker_bootstraps(broker), err, sizeof err) != RD_KAFKA_CONF_OK)
		die("producer", err);
	if ((producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof err)) == NULL)
		die("producer", err);
	for (int32_t p = 0; p < PARTITIONS; p++)
		if (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(TOPIC),
		    RD_KAFKA_V_PARTITION(p), RD_KAFKA_V_KEY("k", 1),
		    RD_KAFKA_V_VALUE("{}", 2),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_TIMESTAMP(NOW_USEC / 1000), RD_KAFKA_V_END) != 0)
			die("produce", "not queued");
	if (rd_kafka_flush(producer, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("produce", "not delivered");
	consumer_kc.verbose = -1;
	conf = kafka_conf_new(&consumer_kc, -1);
	consumer_defaults(conf);
	if (kafka_conf_set(conf, "bootstrap.servers",
	    kafka_broker_bootstraps(broker), err, sizeof err) != 0)
		die("consumer", err);
	if ((consumer = consumer_open(conf, &consumer_kc, &co, err,
	    sizeof err)) == NULL)
		die("consumer", err);
	while (n < PARTITIONS) {
		if ((rc = consumer_next(consumer, 100, &m, err,
		    sizeof err)) < 0 || ++tries > 300)
			die("consume", rc < 0 ? err : "not all came back");
		if (rc == 1) {
			check(m->partition >= 0 && m->partition < PARTITIONS &&
			    consumed[m->partition] == NULL);
			consumed[m->partition] = m;
			n++;
		}
	}
	writer_open_memory(&printed);
}

/*
 * The envelope of a message with this key and value, as kafka-cat-in
 * prints it.  The message is one consumed at the start with its key and
 * payload pointed at the input: those are plain fields of
 * rd_kafka_message_t, which librdkafka reads neither for the timestamp
 * nor for the topic name, while a round trip through Kafka per run takes
 * milliseconds (tens on a loaded machine) and left the fuzzer a few
 * hundred runs in 30 s.
 */
static rd_kafka_message_t *
print_message(int32_t partition, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	rd_kafka_message_t *m = consumed[partition], saved = *m;

	m->key = (void *)key;
	m->key_len = klen;
	m->payload = (void *)val;
	m->len = vlen;
	printed.len = 0;
	envelope_print(m, INGEST_USEC, &printed);
	m->key = saved.key;
	m->key_len = saved.key_len;
	m->payload = saved.payload;
	m->len = saved.len;
	return m;
}

/* RFC 4648 base64 with padding, strictly: NULL for anything else. */
static unsigned char *
unbase64(const char *s, size_t n, size_t *len)
{
	unsigned char *out;
	size_t k = 0;

	if (n % 4 != 0)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	for (size_t i = 0; i < n; i += 4) {
		unsigned v = 0;
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			char c = s[i + j];
			unsigned d;
			if (c >= 'A' && c <= 'Z')
				d = (unsigned)(c - 'A');
			else if (c >= 'a' && c <= 'z')
				d = (unsigned)(c - 'a' + 26);
			else if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0' + 52);
			else if (c == '+')
				d = 62;
			else if (c == '/')
				d = 63;
			else if (c == '=' && i + 4 == n && j >= 2)
				d = 0, pad++;
			else
				goto bad;
			if (pad > 0 && c != '=')
				goto bad;
			v = v << 6 | d;
		}
		out[k++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[k++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[k++] = (unsigned char)v;
		/* The bits the padding drops must be zero (canonical). */
		if ((pad == 1 && (v & 0xFF) != 0) ||
		    (pad == 2 && (v & 0xFFFF) != 0))
			goto bad;
	}
	*len = k;
	return out;
bad:
	free(out);
	return NULL;
}

static bool
is_utf8(const void *p, size_t n)
{
	json_t *j = json_stringn(p, n);

	json_decref(j);
	return j != NULL;
}

/* The envelope's name / name_base64 pair holds bytes p[0..n) (p NULL: no
 * bytes at all). */
static void
check_bytes(json_t *env, const char *name, const void *p, size_t n)
{
	char b64name[32];
	json_t *v = json_object_get(env, name), *b;

	snprintf(b64name, sizeof b64name, "%s_base64", name);
	b = json_object_get(env, b64name);
	if (p == NULL) {
		check(json_is_null(v) && b == NULL);
	} else if (is_utf8(p, n) && memchr(p, '\0', n) == NULL) {
		check(json_is_string(v) && b == NULL);
		check(json_string_length(v) == n);
		check(memcmp(json_string_value(v), p, n) == 0);
	} else {
		size_t len;
		unsigned char *bytes;
		check(json_is_null(v) && json_is_string(b));
		bytes = unbase64(json_string_value(b), json_string_length(b),
		    &len);
		check(bytes != NULL);
		check(len == n && memcmp(bytes, p, n) == 0);
		free(bytes);
	}
}

static void
check_time(json_t *env, const char *name, int64_t usec)
{
	json_t *v = json_object_get(env, name);
	int64_t t;

	check(json_is_string(v));
	check(iso_parse(json_string_value(v), json_string_length(v), &t) ==
	    0);
	check(t == usec / 1000 * 1000);
}

/* Step 2: the envelope of the message as produced. */
static json_t *
check_envelope(const char *text, size_t len, int32_t partition,
    const void *key, size_t klen, const void *val, size_t vlen)
{
	static const char *const fields[] = { "topic", "partition",
	    "offset", "key", "key_base64", "value", "value_base64",
	    "kafka_timestamp", "ingest_time", "event_date", NULL };
	json_error_t je;
	json_t *env, *v;
	const char *name;
	char day[16];

	check(len > 0 && text[len - 1] == '\n');
	check(memchr(text, '\n', len - 1) == NULL);
	env = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &je);
	if (env == NULL)
		fprintf(stderr, "not JSON: %s\n", je.text);
	check(json_is_object(env));
	json_object_foreach(env, name, v) {
		int i;
		for (i = 0; fields[i] != NULL; i++)
			if (strcmp(name, fields[i]) == 0)
				break;
		check(fields[i] != NULL);
	}
	check(json_is_string(v = json_object_get(env, "topic")) &&
	    strcmp(json_string_value(v), TOPIC) == 0);
	check(json_integer_value(json_object_get(env, "partition")) ==
	    partition);
	check(json_is_integer(v = json_object_get(env, "offset")) &&
	    json_integer_value(v) == consumed[partition]->offset);
	check_bytes(env, "key", key, klen);
	check_bytes(env, "value", val, vlen);
	check_time(env, "kafka_timestamp", NOW_USEC);
	check_time(env, "ingest_time", INGEST_USEC);
	iso_format_date(day, usec_to_days(NOW_USEC));
	check(json_is_string(v = json_object_get(env, "event_date")) &&
	    strcmp(json_string_value(v), day) == 0);
	return env;
}

/* A Silver record as JSON without what only an envelope gives it. */
static json_t *
silver_json(const struct record *r)
{
	static const char *const kafka[] = { "topic", "partition", "offset",
	    "kafka_timestamp" };
	json_t *j = record_to_json(r);

	for (size_t i = 0; i < sizeof kafka / sizeof kafka[0]; i++)
		json_object_del(j, kafka[i]);
	return j;
}

static struct cleaner *
new_cleaner(void)
{
	struct clean_options co;

	clean_options_init(&co);
	co.now = NOW_USEC;
	co.dedup_capacity = 1024;
	return cleaner_new(&co);
}

/* Whether the outcome depends on the readings of earlier runs. */
static bool
repeat(enum clean_status st, const struct clean_result *res)
{
	return st == CLEAN_DUPLICATE || (st == CLEAN_REJECT &&
	    strcmp(res->reason, "conflicting_duplicate") == 0);
}

/* Whether the input is itself an envelope (holds value or value_base64),
 * as jansson reads it. */
static bool
is_envelope(const char *s, size_t n)
{
	json_t *j = json_loadb(s, n, 0, NULL);
	bool yes = json_object_get(j, "value") != NULL ||
	    json_object_get(j, "value_base64") != NULL;

	json_decref(j);
	return yes;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *sep;
	const void *key = NULL, *val;
	size_t klen = 0, vlen;
	int32_t partition = (int32_t)(size % PARTITIONS);
	struct clean_result rr, er;
	const struct record *ro, *eo;
	enum clean_status rs, es;
	struct record *scan;
	char err[256], *line;
	json_t *j;

	if (producer == NULL) {
		start();
		raw = new_cleaner();
		env = new_cleaner();
	}
	if ((sep = memchr(text, 0x1F, size)) != NULL) {
		key = text;
		klen = (size_t)(sep - text);
		val = sep + 1;
		vlen = size - klen - 1;
	} else {
		val = text;
		vlen = size;
	}
	if (vlen == 0)
		val = NULL;

	/* 1. The input as a line. */
	rs = cleaner_run(raw, val ? val : "", vlen, &ro, &rr);

	/* 2. Through Kafka and kafka-cat-in's printing. */
	print_message(partition, key, klen, val, vlen);
	j = check_envelope(printed.buf, printed.len, partition, key, klen, val,
	    vlen);
	json_decref(j);

	/* 3. The project's codec reads it, as delta-commit does. */
	line = malloc(printed.len);
	memcpy(line, printed.buf, printed.len);
	scan = record_new(cleaner_schema(raw));
	/* cleaner_schema is Silver's; any schema does for acceptance. */
	if (record_scan(scan, line, printed.len - 1, err) != 0) {
		fprintf(stderr, "record_scan refuses the envelope: %s\n", err);
		abort();
	}
	record_free(scan);

	/* 4. vitals-clean on the envelope. */
	es = cleaner_run(env, line, printed.len - 1, &eo, &er);
	if (val == NULL) {
		check(es == CLEAN_REJECT &&
		    strcmp(er.reason, "bad_envelope") == 0);
	} else if (!is_utf8(val, vlen) || memchr(val, '\0', vlen) != NULL) {
		check(es == CLEAN_REJECT && strcmp(er.reason, "bad_utf8") == 0);
	} else if (!is_envelope(val, vlen) && !repeat(rs, &rr) &&
	    !repeat(es, &er)) {
		check(es == rs);
		check(er.has_pos && er.pos.partition == partition &&
		    er.pos.offset == consumed[partition]->offset);
		if (es == CLEAN_REJECT) {
			check(strcmp(er.reason, rr.reason) == 0);
		} else if (es == CLEAN_OUT) {
			json_t *a = silver_json(ro), *b = silver_json(eo);
			check(json_equal(a, b));
			json_decref(a);
			json_decref(b);
		}
	}
	free(line);
	return 0;
}
