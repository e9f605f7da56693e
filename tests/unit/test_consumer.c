/*
 * consumer: the Bronze envelopes kafka-cat-in prints, for messages sent
 * through a Kafka cluster in this process and read back with the
 * consumer, must hold every message losslessly and be readable by the
 * record codec that vitals-clean and delta-commit read Bronze with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "consumer.h"
#include "kafka.h"
#include "kafka_broker.h"
#include "writer.h"
#include "record.h"
#include "schema.h"

struct fixture {
	struct kafka_broker *broker;
	rd_kafka_t *producer;
	struct kafka_client kc;
	struct consumer *consumer;
};

static int
setup(void **state)
{
	static const char *topics[] = { "t" };
	struct broker_options bo = { .brokers = 1, .partitions = 1,
	    .topics = topics, .ntopics = 1 };
	struct consumer_options co = { .topic = "t",
	    .offset = RD_KAFKA_OFFSET_BEGINNING, .connect_timeout_ms = 10000 };
	struct fixture *f = calloc(1, sizeof *f);
	rd_kafka_conf_t *conf;
	char err[512];

	if ((f->broker = kafka_broker_start(&bo, err, sizeof err)) == NULL)
		return -1;
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers",
	    kafka_broker_bootstraps(f->broker), err, sizeof err);
	if ((f->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof err)) == NULL)
		return -1;
	f->kc.verbose = -1;
	conf = kafka_conf_new(&f->kc, -1);
	consumer_defaults(conf);
	kafka_conf_set(conf, "bootstrap.servers",
	    kafka_broker_bootstraps(f->broker), err, sizeof err);
	if ((f->consumer = consumer_open(conf, &f->kc, &co, err,
	    sizeof err)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	consumer_close(f->consumer);
	rd_kafka_destroy(f->producer);
	kafka_broker_stop(f->broker);
	free(f);
	return 0;
}

/* Sends key and value, reads them back and returns the envelope line
 * (without its newline; the caller frees it). */
static char *
round_trip(struct fixture *f, const void *key, size_t klen, const void *val,
    size_t vlen, size_t *len)
{
	rd_kafka_message_t *m;
	struct writer w;
	char err[512], *line;
	int rc, tries = 0;

	assert_int_equal(rd_kafka_producev(f->producer, RD_KAFKA_V_TOPIC("t"),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE((void *)val, vlen),
	    RD_KAFKA_V_TIMESTAMP(INT64_C(1772359200000)), RD_KAFKA_V_END), 0);
	assert_int_equal(rd_kafka_flush(f->producer, 10000), 0);
	while ((rc = consumer_next(f->consumer, 100, &m, err,
	    sizeof err)) != 1) {
		assert_true(rc == 0);
		assert_true(++tries < 100);
	}
	writer_open_memory(&w);
	envelope_print(m, INT64_C(1772359200000000), &w);
	consumer_release(m);
	assert_true(w.len > 0 && w.buf[w.len - 1] == '\n');
	/* The newline becomes the NUL that strstr below needs. */
	*len = w.len - 1;
	line = malloc(w.len);
	memcpy(line, w.buf, *len);
	line[*len] = '\0';
	writer_close(&w);
	return line;
}

/* The codec reads the line (against the Bronze schema) and *field is
 * that field's slot. */
static void
scan(const char *line, size_t len, const char *field, struct jval *out)
{
	char err[256];
	struct schema *s = schema_load("bronze", err, sizeof err);
	struct record *r;

	assert_non_null(s);
	r = record_new(s);
	if (record_scan(r, line, len, err) != 0)
		fail_msg("the codec refuses the envelope: %s", err);
	*out = r->v[schema_find(s, field, strlen(field))];
	record_free(r);
	schema_free(s);
}

static void
test_text_value(void **state)
{
	struct fixture *f = *state;
	const char *v = "{\"patient_id\":\"p\"}";
	struct jval j;
	size_t len;
	char *line = round_trip(f, "k", 1, v, strlen(v), &len);

	assert_non_null(strstr(line, "\"value\":\"{\\\"patient_id\\\":"));
	assert_null(strstr(line, "value_base64"));
	scan(line, len, "value", &j);
	assert_int_equal(j.kind, JK_STRING);
	free(line);
}

/* Found by tests/fuzz/fuzz_envelope.c: a payload with a NUL byte is
 * valid UTF-8 and was printed as "value":"a\u0000b", valid JSON that the
 * codec refuses, so delta-commit rejected the Bronze row and the message
 * was lost.  Such bytes go to value_base64, as bytes that are not UTF-8
 * do. */
static void
test_nul_byte_value(void **state)
{
	struct fixture *f = *state;
	struct jval j;
	size_t len;
	char *line = round_trip(f, "k\0x", 3, "a\0b", 3, &len);

	assert_non_null(strstr(line, "\"key\":null,\"key_base64\":\"awB4\""));
	assert_non_null(strstr(line,
	    "\"value\":null,\"value_base64\":\"YQBi\""));
	scan(line, len, "value_base64", &j);
	assert_int_equal(j.kind, JK_STRING);
	free(line);
}

static void
test_not_utf8_value(void **state)
{
	struct fixture *f = *state;
	struct jval j;
	size_t len;
	char *line = round_trip(f, NULL, 0, "\377\376x", 3, &len);

	assert_non_null(strstr(line, "\"key\":null,\"value\":null,"
	    "\"value_base64\":\"//54\""));
	scan(line, len, "value", &j);
	assert_int_equal(j.kind, JK_NULL);
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_value),
		cmocka_unit_test(test_nul_byte_value),
		cmocka_unit_test(test_not_utf8_value),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
