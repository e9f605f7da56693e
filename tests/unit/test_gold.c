/*
 * gold: checking and reading Silver (each reject code with the field it
 * names; Silver is typed, so nothing is coerced), folding readings into a
 * window's Gold row (mean, min and max per measure, nulls where no
 * reading had a value, the ward of the latest reading, the worst band,
 * counts), means exact to 0.001 whatever the order of arrival, integer
 * Gold columns, the saved form round trip and its refusals, the source
 * numbering, and the schema mistakes gold_new dies of.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"

#include <jansson.h>

#include "cli.h"
#include "gold.h"
#include "isotime.h"
#include "writer.h"
#include "record.h"
#include "rng.h"
#include "schema.h"
#include "window.h"

#define MIN	(INT64_C(60) * 1000000)

static struct schema *silver, *gold_schema;
static struct gold *g;
static struct record *in;

static int
setup(void **state)
{
	char err[256];

	(void)state;
	if ((silver = schema_load("silver", err, sizeof err)) == NULL ||
	    (gold_schema = schema_load("gold", err, sizeof err)) == NULL)
		return -1;
	g = gold_new(silver, gold_schema);
	in = record_new(silver);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	record_free(in);
	gold_free(g);
	schema_free(gold_schema);
	schema_free(silver);
	return 0;
}

static int64_t
at(const char *iso)
{
	int64_t t;

	assert_int_equal(iso_parse(iso, strlen(iso), &t), 0);
	return t;
}

/*
 * Reads a Silver line into rd: 0, or -1 with the reason.  The line must
 * outlive rd (its strings point into it), so it is copied into a ring.
 */
static int
read_line(const char *line, struct gold_reading *rd, const char **reason,
    char *detail)
{
	static char ring[64][1024];
	static int next;
	char *copy = ring[next++ % 64];

	snprintf(copy, sizeof ring[0], "%s", line);
	if (record_scan(in, copy, strlen(copy), detail) != 0)
		fail_msg("not JSON: %s", line);
	return gold_read(g, in, rd, reason, detail);
}

/* A Silver line of patient p at event time t, with more fields. */
static const char *
silver_line(const char *t, const char *fields)
{
	static char buf[1024];

	snprintf(buf, sizeof buf, "{\"patient_id\":\"p\",\"event_time\":\"%s\""
	    "%s%s}", t, *fields ? "," : "", fields);
	return buf;
}

static void
expect_refused(const char *line, const char *reason, const char *word)
{
	struct gold_reading rd;
	const char *why = NULL;
	char detail[160] = "";

	if (read_line(line, &rd, &why, detail) == 0)
		fail_msg("%s was read", line);
	assert_non_null(why);
	if (strcmp(why, reason) != 0)
		fail_msg("%s: %s (%s), wanted %s", line, why, detail, reason);
	if (strstr(detail, word) == NULL)
		fail_msg("%s: \"%s\" does not name %s", line, detail, word);
}

static void
test_read_refusals(void **state)
{
	(void)state;
	static const char *const T = "2026-03-01T09:00:00Z";
	static const struct {
		const char *fields, *reason, *word;
	} cases[] = {
		{ "\"heart_rate\":\"88\"", "bad_type", "heart_rate" },
		{ "\"heart_rate\":88.5", "bad_type", "heart_rate" },
		{ "\"heart_rate\":3000000000", "bad_value", "heart_rate" },
		{ "\"spo2\":\"97\"", "bad_type", "spo2" },
		{ "\"anomaly_score\":true", "bad_type", "anomaly_score" },
		{ "\"ward\":7", "bad_type", "ward" },
		{ "\"news2_score\":\"5\"", "bad_type", "news2_score" },
		{ "\"news2_band\":\"purple\"", "bad_value", "news2_band" },
		{ "\"news2_band\":2", "bad_type", "news2_band" },
		{ "\"alert_fever\":\"yes\"", "bad_type", "alert_fever" },
		{ "\"is_anomaly\":1", "bad_type", "is_anomaly" },
		{ "\"alert\":\"true\"", "bad_type", "alert" },
		{ "\"alert\":true,\"alert_reason\":5", "bad_type",
		    "alert_reason" },
		{ "\"topic\":5", "bad_type", "topic" },
		{ "\"partition\":\"3\",\"offset\":1", "bad_type", "partition" },
		{ "\"partition\":3,\"offset\":1.5", "bad_type", "offset" },
		{ "\"partition\":-1,\"offset\":1", "bad_value", "partition" },
		{ "\"partition\":1,\"offset\":-1", "bad_value", "offset" },
	};

	expect_refused("{\"event_time\":\"2026-03-01T09:00:00Z\"}",
	    "missing_field", "patient_id");
	expect_refused("{\"patient_id\":\"p\",\"event_time\":null}",
	    "missing_field", "event_time");
	expect_refused("{\"patient_id\":5,"
	    "\"event_time\":\"2026-03-01T09:00:00Z\"}", "bad_type",
	    "patient_id");
	expect_refused("{\"patient_id\":\"\","
	    "\"event_time\":\"2026-03-01T09:00:00Z\"}",
	    "bad_patient_id", "patient_id");
	expect_refused("{\"patient_id\":\"p\",\"event_time\":1772355600}",
	    "bad_type", "event_time");
	expect_refused("{\"patient_id\":\"p\",\"event_time\":\"noon\"}",
	    "bad_timestamp", "event_time");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_refused(silver_line(T, cases[i].fields), cases[i].reason,
		    cases[i].word);
}

/* What a complete Silver reading is read as. */
static void
test_read(void **state)
{
	(void)state;
	struct gold_reading rd;
	const char *why = NULL;
	char detail[160];

	assert_int_equal(read_line(silver_line("2026-03-01T10:00:00+01:00",
	    "\"ward\":\"icu\",\"heart_rate\":88,\"temperature\":37,"
	    "\"spo2\":97.5,\"news2_score\":6,\"news2_band\":\"medium\","
	    "\"alert_tachycardia\":true,\"alert_fever\":false,"
	    "\"is_anomaly\":true,\"anomaly_score\":0.75,\"topic\":\"vitals\","
	    "\"partition\":4,\"offset\":1234"), &rd, &why, detail), 0);
	assert_int_equal(rd.id_len, 1);
	assert_memory_equal(rd.patient_id, "p", 1);
	assert_int_equal(rd.event_time, at("2026-03-01T09:00:00Z"));
	assert_int_equal(rd.ward_len, 3);
	assert_memory_equal(rd.ward, "icu", 3);
	/* Measures in gold.h's order: heart_rate 0, temperature 1, spo2
	 * 2, ..., anomaly_score 8. */
	assert_int_equal(rd.present, 1u << 0 | 1u << 1 | 1u << 2 | 1u << 8);
	assert_true(rd.measure[0] == 88);
	assert_true(rd.measure[1] == 37);	/* an integer in a double */
	assert_true(rd.measure[2] == 97.5);
	assert_true(rd.measure[8] == 0.75);
	assert_int_equal(rd.news2_score, 6);
	assert_int_equal(rd.news2_band, 2);
	assert_int_equal(rd.alerts, 1u << ALERT_TACHYCARDIA);
	assert_true(rd.is_anomaly);
	assert_int_equal(rd.topic_len, 6);
	assert_memory_equal(rd.topic, "vitals", 6);
	assert_int_equal(rd.partition, 4);
	assert_int_equal(rd.offset, 1234);

	/* Nothing but the keys: no measures, no score, no band, no
	 * position; nulls are as good as absent. */
	assert_int_equal(read_line(silver_line("2026-03-01T09:00:00Z",
	    "\"ward\":null,\"heart_rate\":null,\"news2_band\":null,"
	    "\"topic\":null"), &rd, &why, detail), 0);
	assert_int_equal(rd.present, 0);
	assert_null(rd.ward);
	assert_int_equal(rd.news2_score, VITAL_NONE);
	assert_int_equal(rd.news2_band, -1);
	assert_int_equal(rd.alerts, 0);
	assert_false(rd.is_anomaly);
	assert_null(rd.topic);
	assert_int_equal(rd.partition, -1);
	assert_int_equal(rd.offset, -1);

	/* A partition and offset count only as a pair; the topic alone
	 * is still the topic. */
	assert_int_equal(read_line(silver_line("2026-03-01T09:00:00Z",
	    "\"topic\":\"t\",\"partition\":4"), &rd, &why, detail), 0);
	assert_int_equal(rd.partition, -1);
	assert_int_equal(rd.offset, -1);
	assert_memory_equal(rd.topic, "t", 1);
	assert_int_equal(read_line(silver_line("2026-03-01T09:00:00Z",
	    "\"offset\":4"), &rd, &why, detail), 0);
	assert_int_equal(rd.partition, -1);
	assert_int_equal(rd.offset, -1);
}

/* The row of the one window a table of one patient's readings has. */
struct win {
	struct window_table *t;
	struct record *row;
	json_t *json;
	char *text;		/* the row as printed */
};

static void
win_open(struct win *x)
{
	struct window_options o = { .width = 5 * MIN, .lateness = 0,
	    .data_size = gold_data_size(), .release = gold_release };

	x->t = window_new(&o);
	x->row = record_new(gold_schema);
	x->json = NULL;
	x->text = NULL;
}

static void
win_add(struct win *x, const char *line)
{
	struct gold_reading rd;
	struct window *w;
	const char *why = NULL;
	char detail[160];

	if (read_line(line, &rd, &why, detail) != 0)
		fail_msg("%s: %s", line, detail);
	assert_true(window_add(x->t, 0, -1, rd.patient_id, rd.id_len,
	    rd.event_time, &w) != WINDOW_LATE);
	gold_fold(w->data, &rd);
}

/* Closes the window and prints its row, with pos, while the window is
 * there to borrow from. */
static json_t *
win_row(struct win *x, const struct gold_position *pos)
{
	const struct window *w;
	struct writer out;

	window_finish(x->t);
	assert_non_null(w = window_next(x->t));
	gold_row(g, w, pos, x->row);
	writer_open_memory(&out);
	record_print(x->row, &out);
	x->text = strndup(out.buf, out.len);
	x->json = json_loadb(out.buf, out.len, 0, NULL);
	assert_non_null(x->json);
	writer_close(&out);
	assert_null(window_next(x->t));
	return x->json;
}

static void
win_close(struct win *x)
{
	free(x->text);
	json_decref(x->json);
	record_free(x->row);
	window_free(x->t);
}

static bool
is(json_t *j, const char *key, double v)
{
	json_t *x = json_object_get(j, key);

	if (!json_is_number(x) || fabs(json_number_value(x) - v) > 1e-9) {
		print_message("%s: %s, wanted %g\n", key, x ? json_dumps(x,
		    JSON_ENCODE_ANY) : "absent", v);
		return false;
	}
	return true;
}

/*
 * Four readings of one window, worked by hand:
 *   heart rate 60, 61, 61 and one missing: mean 60.667, min 60, max 61,
 *     integers in Gold as in Silver;
 *   temperature 36.6 and 36.7: mean 36.65;
 *   SpO2 never: mean, min and max null;
 *   anomaly scores 0.1, 0.2, 0.7: mean 0.333, max 0.7;
 *   NEWS2 4 ("low") and 3 ("low-medium": a red parameter): score max 4,
 *     band low-medium, the worse band;
 *   wards a at :01, b at :03, c at :02, then d at :03: d, the latest
 *     reading (the later arrival on a tie); a reading without a ward
 *     after them changes nothing.
 */
static void
test_row(void **state)
{
	(void)state;
	struct gold_position pos = { .topic = "vitals", .topic_len = 6,
	    .partition = 2, .through_offset = 99 };
	struct win x;
	json_t *j;

	win_open(&x);
	win_add(&x, silver_line("2026-03-01T09:01:00Z", "\"ward\":\"a\","
	    "\"heart_rate\":60,\"temperature\":36.6,\"anomaly_score\":0.1,"
	    "\"news2_score\":4,\"news2_band\":\"low\","
	    "\"alert_tachycardia\":true,\"is_anomaly\":false,"
	    "\"alert\":true,\"alert_reason\":\"iforest: spo2 low\""));
	win_add(&x, silver_line("2026-03-01T09:03:00Z", "\"ward\":\"b\","
	    "\"heart_rate\":61,\"temperature\":36.7,\"anomaly_score\":0.2,"
	    "\"news2_score\":3,\"news2_band\":\"low-medium\","
	    "\"alert_tachycardia\":true,\"alert_hypoxia\":false,"
	    "\"alert\":true,\"alert_reason\":\"news2 3: spo2 3\""));
	/* Later in arrival, earlier in time: not the reason kept. */
	win_add(&x, silver_line("2026-03-01T09:02:00Z", "\"ward\":\"c\","
	    "\"heart_rate\":61,\"anomaly_score\":0.7,\"is_anomaly\":true,"
	    "\"alert\":true,\"alert_reason\":\"iforest: heart_rate high\""));
	win_add(&x, silver_line("2026-03-01T09:03:00Z", "\"ward\":\"d\""));
	win_add(&x, silver_line("2026-03-01T09:04:00Z", ""));
	j = win_row(&x, &pos);

	assert_string_equal(json_string_value(json_object_get(j,
	    "patient_id")), "p");
	assert_int_equal(at(json_string_value(json_object_get(j,
	    "window_start"))), at("2026-03-01T09:00:00Z"));
	assert_int_equal(at(json_string_value(json_object_get(j,
	    "window_end"))), at("2026-03-01T09:05:00Z"));
	assert_string_equal(json_string_value(json_object_get(j,
	    "event_date")), "2026-03-01");
	assert_int_equal(json_integer_value(json_object_get(j, "readings")),
	    5);
	assert_true(is(j, "heart_rate_mean", 60.667));
	assert_true(json_is_integer(json_object_get(j, "heart_rate_min")));
	assert_true(is(j, "heart_rate_min", 60));
	assert_true(is(j, "heart_rate_max", 61));
	assert_true(is(j, "temperature_mean", 36.65));
	assert_true(is(j, "temperature_min", 36.6));
	assert_true(is(j, "temperature_max", 36.7));
	/* Null when no reading had a value. */
	assert_true(json_is_null(json_object_get(j, "spo2_mean")));
	assert_true(json_is_null(json_object_get(j, "spo2_min")));
	assert_true(json_is_null(json_object_get(j, "spo2_max")));
	assert_true(json_is_null(json_object_get(j, "shock_index_max")));
	assert_true(is(j, "anomaly_score_mean", 0.333));
	assert_true(is(j, "anomaly_score_max", 0.7));
	assert_true(is(j, "news2_score_max", 4));
	assert_string_equal(json_string_value(json_object_get(j,
	    "news2_band")), "low-medium");
	assert_string_equal(json_string_value(json_object_get(j, "ward")),
	    "d");
	assert_true(is(j, "alert_tachycardia_count", 2));
	assert_true(is(j, "alert_hypoxia_count", 0));
	assert_true(is(j, "alert_fever_count", 0));
	assert_true(is(j, "anomalous_readings", 1));
	assert_true(json_is_true(json_object_get(j, "is_anomaly")));
	assert_true(is(j, "alerting_readings", 3));
	assert_true(json_is_true(json_object_get(j, "alert")));
	assert_string_equal(json_string_value(json_object_get(j,
	    "alert_reason")), "news2 3: spo2 3");
	assert_string_equal(json_string_value(json_object_get(j, "topic")),
	    "vitals");
	assert_true(is(j, "partition", 2));
	assert_true(is(j, "through_offset", 99));
	win_close(&x);

	/* No position, or none known: nulls.  No anomaly: false, not
	 * null; no band and no score: null. */
	win_open(&x);
	win_add(&x, silver_line("2026-03-01T23:59:00Z", "\"heart_rate\":70"));
	j = win_row(&x, NULL);
	assert_true(json_is_null(json_object_get(j, "topic")));
	assert_true(json_is_null(json_object_get(j, "partition")));
	assert_true(json_is_null(json_object_get(j, "through_offset")));
	assert_true(json_is_null(json_object_get(j, "ward")));
	assert_true(json_is_null(json_object_get(j, "news2_band")));
	assert_true(json_is_null(json_object_get(j, "news2_score_max")));
	assert_true(json_is_false(json_object_get(j, "is_anomaly")));
	assert_true(is(j, "anomalous_readings", 0));
	/* No reading said whether it alerted: unknown, not false. */
	assert_true(json_is_null(json_object_get(j, "alert")));
	assert_true(json_is_null(json_object_get(j, "alerting_readings")));
	assert_true(json_is_null(json_object_get(j, "alert_reason")));
	assert_true(is(j, "heart_rate_mean", 70));
	assert_string_equal(json_string_value(json_object_get(j,
	    "event_date")), "2026-03-01");
	win_close(&x);
	pos.partition = -1;
	win_open(&x);
	win_add(&x, silver_line("2026-03-01T09:00:00Z", ""));
	j = win_row(&x, &pos);
	assert_true(json_is_null(json_object_get(j, "topic")));
	assert_true(json_is_null(json_object_get(j, "through_offset")));
	win_close(&x);
	/* A topic and partition whose source has done nothing yet. */
	pos.partition = 1;
	pos.through_offset = -1;
	win_open(&x);
	win_add(&x, silver_line("2026-03-01T09:00:00Z", ""));
	j = win_row(&x, &pos);
	assert_true(is(j, "partition", 1));
	assert_true(json_is_null(json_object_get(j, "through_offset")));
	win_close(&x);
}

/*
 * Means are exact to 0.001 and do not depend on the order of arrival:
 * temperatures of 35 to 36 with six decimals (the decimals as integers
 * of millionths here, summed exactly) give the mean of the exact sum,
 * however they are shuffled.
 * The last value puts the exact mean on a rounding boundary (x.xxx5),
 * where a sum of doubles, a few ulps off one way or the other depending
 * on the order, would round either way.
 */
static void
test_order_independent(void **state)
{
	(void)state;
	enum { N = 400, ORDERS = 4, TRIALS = 10 };
	static int64_t micro[N];
	static int perm[N];
	char line[256];
	struct rng r;

	rng_seed(&r, 11);
	/* Several windows: in each, one order or another of a double sum
	 * lands on the wrong side of the boundary about half the time. */
	for (int trial = 0; trial < TRIALS; trial++) {
		char *first = NULL;
		int64_t sum = 0;

		for (int i = 0; i < N; i++) {
			micro[i] = (int64_t)rng_below(&r, 1000000);
			perm[i] = i;
		}
		for (int i = 0; i < N - 1; i++)
			sum += micro[i];
		/* sum / N millionths = m + 0.5 thousandths, that is,
		 * sum = 1000 N m + 500 N. */
		micro[N - 1] = ((500 * N - sum) % (1000 * N) + 1000 * N) %
		    (1000 * N);
		sum += micro[N - 1];
		assert_int_equal(sum % (1000 * N), 500 * N);
		for (int o = 0; o < ORDERS; o++) {
			struct win x;

			for (int i = N - 1; i > 0 && o > 0; i--) {
				int k = (int)rng_below(&r, (uint64_t)i + 1);
				int t = perm[i];
				perm[i] = perm[k];
				perm[k] = t;
			}
			win_open(&x);
			for (int i = 0; i < N; i++) {
				int k = perm[i];
				snprintf(line, sizeof line, "{\"patient_id\":"
				    "\"q\",\"event_time\":"
				    "\"2026-03-01T09:00:%02d.%06dZ\","
				    "\"temperature\":%lld.%06lld}", k % 60, k,
				    (long long)(35 + micro[k] / 1000000),
				    (long long)(micro[k] % 1000000));
				win_add(&x, line);
			}
			json_t *j = win_row(&x, NULL);
			/* 35 plus the mean of the millionths, half away
			 * from zero, in integers. */
			double want = 35 + (double)((sum + 500 * N) /
			    (1000 * N)) / 1000;
			assert_true(is(j, "temperature_mean", want));
			if (first == NULL)
				first = strdup(x.text);
			else
				assert_string_equal(x.text, first);
			win_close(&x);
		}
		free(first);
	}
}

/* A Gold schema may type a mean as an integer: it is rounded. */
static void
test_integer_columns(void **state)
{
	(void)state;
	static const char text[] = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"patient_id\",\"type\":\"string\",\"nullable\":false,"
	    "\"metadata\":{}},"
	    "{\"name\":\"window_start\",\"type\":\"timestamp\","
	    "\"nullable\":false,\"metadata\":{}},"
	    "{\"name\":\"window_end\",\"type\":\"timestamp\","
	    "\"nullable\":false,\"metadata\":{}},"
	    "{\"name\":\"readings\",\"type\":\"long\",\"nullable\":false,"
	    "\"metadata\":{}},"
	    "{\"name\":\"heart_rate_mean\",\"type\":\"integer\","
	    "\"nullable\":true,\"metadata\":{}},"
	    "{\"name\":\"temperature_max\",\"type\":\"double\","
	    "\"nullable\":true,\"metadata\":{}}]}";
	char err[200];
	struct schema *small = schema_parse(text, sizeof text - 1, err,
	    sizeof err);
	struct gold *sg;
	struct gold_reading rd;
	const char *why;
	char detail[160];
	void *data = calloc(1, gold_data_size());
	struct window w = { .patient_id = "p", .id_len = 1, .data = data };
	struct record *row;
	struct writer out;

	assert_non_null(small);
	sg = gold_new(silver, small);
	row = record_new(small);
	w.start = at("2026-03-01T09:00:00Z");
	w.end = w.start + 5 * MIN;
	static const char *const lines[] = {
		"\"heart_rate\":60,\"temperature\":37.25",
		"\"heart_rate\":61", "\"heart_rate\":61" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(read_line(silver_line("2026-03-01T09:00:00Z",
		    lines[i]), &rd, &why, detail), 0);
		gold_fold(data, &rd);
	}
	gold_row(sg, &w, NULL, row);
	writer_open_memory(&out);
	record_print(row, &out);
	json_t *j = json_loadb(out.buf, out.len, 0, NULL);
	assert_non_null(j);
	/* 60.667 as an integer is 61; the row has the schema's columns
	 * and no others. */
	assert_true(json_is_integer(json_object_get(j, "heart_rate_mean")));
	assert_int_equal(json_integer_value(json_object_get(j,
	    "heart_rate_mean")), 61);
	assert_true(is(j, "temperature_max", 37.25));
	assert_true(is(j, "readings", 3));
	assert_int_equal(json_object_size(j), 6);
	json_decref(j);
	writer_close(&out);
	record_free(row);
	gold_release(data);
	free(data);
	gold_free(sg);
	schema_free(small);
}

/* A saved aggregate, loaded back, gives the same row; a long ward (past
 * the aggregate's own buffer) too. */
static void
test_save_load(void **state)
{
	(void)state;
	static const char *const wards[] = { "icu",
	    "a ward whose name does not fit in thirty-two bytes" };
	struct gold_reading rd;
	const char *why;
	char detail[160], fields[512];
	struct window w = { .patient_id = "p", .id_len = 1 };
	struct record *row = record_new(gold_schema);
	struct writer a, b, saved;

	w.start = at("2026-03-01T09:00:00Z");
	w.end = w.start + 5 * MIN;
	for (size_t k = 0; k < 2; k++) {
		void *data = calloc(1, gold_data_size());
		void *back = calloc(1, gold_data_size());
		for (int i = 0; i < 5; i++) {
			snprintf(fields, sizeof fields, "\"ward\":\"%s\","
			    "\"heart_rate\":%d,\"spo2\":%d.5,"
			    "\"news2_score\":%d,\"news2_band\":\"%s\","
			    "\"alert_fever\":%s,\"is_anomaly\":%s,"
			    "\"anomaly_score\":0.%d1,\"alert\":%s,"
			    "\"alert_reason\":\"%s\"", wards[k], 70 + i,
			    90 + i, i, i == 2 ? "medium" : "low",
			    i % 2 ? "true" : "false", i == 3 ? "true" :
			    "false", i, i >= 3 ? "true" : "false", wards[k]);
			assert_int_equal(read_line(silver_line(
			    "2026-03-01T09:01:00Z", fields), &rd, &why,
			    detail), 0);
			gold_fold(data, &rd);
		}
		writer_open_memory(&saved);
		gold_save(data, &saved);
		json_t *obj = json_loadb(saved.buf, saved.len, 0, NULL);
		assert_non_null(obj);
		assert_int_equal(gold_load(back, obj), 0);
		json_decref(obj);
		writer_close(&saved);

		writer_open_memory(&a);
		writer_open_memory(&b);
		w.data = data;
		gold_row(g, &w, NULL, row);
		record_print(row, &a);
		w.data = back;
		gold_row(g, &w, NULL, row);
		record_print(row, &b);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.buf, b.buf, a.len);
		assert_non_null(memmem(a.buf, a.len, wards[k],
		    strlen(wards[k])));
		assert_non_null(memmem(a.buf, a.len, "\"alerting_readings\":2,",
		    strlen("\"alerting_readings\":2,")));
		writer_close(&a);
		writer_close(&b);
		gold_release(data);
		gold_release(back);
		free(data);
		free(back);
	}
	record_free(row);
}

/* What is not a saved aggregate is refused; what a refused load holds
 * is still released (ASan checks the long ward and reason are freed).
 * The good form is one saved before Silver had alerts, which must still
 * load. */
static void
test_load_refusals(void **state)
{
	(void)state;
	static const char *const good_measures = "[[1,60000000,60,60],"
	    "[0,0,0,0],[0,0,0,0],[0,0,0,0],[0,0,0,0],[0,0,0,0],[0,0,0,0],"
	    "[0,0,0,0],[0,0,0,0]]";
	static const char *const bad[] = {
		"{\"readings\":0,\"measures\":%s,\"ward\":null,\"ward_time\":0,"
		    "\"news2\":[0,0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0,0],"
		    "\"anomalous\":0}",
		"{\"readings\":-1,\"measures\":%s,\"ward\":null,"
		    "\"ward_time\":0,\"news2\":[0,0],\"band\":0,"
		    "\"alerts\":[0,0,0,0,0,0,0,0],\"anomalous\":0}",
		"{\"readings\":1,\"measures\":[%s],\"ward\":null,"
		    "\"ward_time\":0,\"news2\":[0,0],\"band\":0,"
		    "\"alerts\":[0,0,0,0,0,0,0,0],\"anomalous\":0}",
		"{\"readings\":1,\"measures\":%s,\"ward\":7,\"ward_time\":0,"
		    "\"news2\":[0,0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0,0],"
		    "\"anomalous\":0}",
		"{\"readings\":1,\"measures\":%s,\"ward\":\"a ward whose name "
		    "does not fit in thirty-two bytes\",\"ward_time\":0,"
		    "\"news2\":[0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0,0],"
		    "\"anomalous\":0}",
		"{\"readings\":1,\"measures\":%s,\"ward\":\"a ward whose name "
		    "does not fit in thirty-two bytes\",\"ward_time\":0,"
		    "\"news2\":[0,0],\"band\":5,\"alerts\":[0,0,0,0,0,0,0,0],"
		    "\"anomalous\":0}",
		"{\"readings\":1,\"measures\":%s,\"ward\":null,\"ward_time\":0,"
		    "\"news2\":[0,0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0],"
		    "\"anomalous\":0}",
		"{\"readings\":1,\"measures\":%s,\"ward\":null,\"ward_time\":0,"
		    "\"news2\":[0,0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0,-1],"
		    "\"anomalous\":0}",
		"{\"readings\":1,\"measures\":%s,\"ward\":null,\"ward_time\":0,"
		    "\"news2\":[0,0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0,0]}",
		"{\"readings\":1,\"measures\":%s,\"ward\":null,"
		    "\"news2\":[0,0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0,0],"
		    "\"anomalous\":0}",
		"{\"readings\":1,\"measures\":%s,\"ward\":null,\"ward_time\":0,"
		    "\"news2\":[0,0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0,0],"
		    "\"anomalous\":0,\"alerting\":-1,\"alert_reason\":null,"
		    "\"alert_reason_time\":0}",
		"{\"readings\":1,\"measures\":%s,\"ward\":null,\"ward_time\":0,"
		    "\"news2\":[0,0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0,0],"
		    "\"anomalous\":0,\"alerting\":1,\"alert_reason\":7,"
		    "\"alert_reason_time\":0}",
		"{\"readings\":1,\"measures\":%s,\"ward\":null,\"ward_time\":0,"
		    "\"news2\":[0,0],\"band\":0,\"alerts\":[0,0,0,0,0,0,0,0],"
		    "\"anomalous\":0,\"alerting\":1,\"alert_reason\":\"a reason "
		    "that does not fit in thirty-two bytes\"}",
		"[]",
	};
	static const char *const good = "{\"readings\":1,\"measures\":%s,"
	    "\"ward\":null,\"ward_time\":0,\"news2\":[0,0],\"band\":0,"
	    "\"alerts\":[0,0,0,0,0,0,0,0],\"anomalous\":0}";
	char text[1024];
	void *data = calloc(1, gold_data_size());
	json_t *o;

	/* The form the refusals are cut from is itself good. */
	snprintf(text, sizeof text, good, good_measures);
	assert_non_null(o = json_loads(text, 0, NULL));
	assert_int_equal(gold_load(data, o), 0);
	json_decref(o);
	gold_release(data);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(data, 0, gold_data_size());
		snprintf(text, sizeof text, bad[i], good_measures);
		if ((o = json_loads(text, 0, NULL)) == NULL)
			fail_msg("case %zu is not JSON: %s", i, text);
		if (gold_load(data, o) != -1)
			fail_msg("case %zu loaded: %s", i, text);
		json_decref(o);
		gold_release(data);
	}
	free(data);
}

/* Sources are numbered densely from 0, each once; the topic is cut at
 * 256 bytes; a new one's position starts at -1. */
static void
test_sources(void **state)
{
	(void)state;
	struct gold_sources s = { 0 };
	char key[GOLD_SOURCE_KEY], long1[300], long2[300];
	bool added;

	/* The key: the topic, a NUL, the partition in decimal. */
	assert_int_equal(gold_source_key(key, "vitals", 6, 12), 9);
	assert_memory_equal(key, "vitals\0" "12", 9);
	assert_int_equal(gold_source_key(key, NULL, 0, -1), 3);
	assert_memory_equal(key, "\0-1", 3);

	assert_int_equal(gold_source(&s, "vitals", 6, 0, &added), 0);
	assert_true(added);
	assert_int_equal(s.pos[0].through_offset, -1);
	assert_int_equal(s.pos[0].partition, 0);
	assert_int_equal(gold_source(&s, "vitals", 6, 0, &added), 0);
	assert_false(added);
	assert_int_equal(gold_source(&s, "vitals", 6, 1, &added), 1);
	assert_true(added);
	assert_int_equal(gold_source(&s, NULL, 0, -1, &added), 2);
	assert_true(added);
	assert_null(s.pos[2].topic);
	assert_int_equal(gold_source(&s, "other", 5, 0, &added), 3);
	/* Back to an older one: found, not made again. */
	assert_int_equal(gold_source(&s, "vitals", 6, 0, &added), 0);
	assert_false(added);
	assert_int_equal(gold_source(&s, NULL, 0, -1, &added), 2);
	assert_false(added);
	assert_int_equal(gold_source(&s, "vitals", 6, 1, &added), 1);
	assert_false(added);
	assert_memory_equal(s.pos[1].topic, "vitals", 6);
	/* Its topic is the set's own copy. */
	s.pos[3].through_offset = 77;
	assert_int_equal(gold_source(&s, "other", 5, 0, &added), 3);
	assert_int_equal(s.pos[3].through_offset, 77);

	memset(long1, 'x', sizeof long1);
	memcpy(long2, long1, sizeof long2);
	long2[299] = 'y';
	assert_int_equal(gold_source(&s, long1, 300, 0, &added), 4);
	assert_true(added);
	assert_int_equal(s.pos[4].topic_len, 256);
	assert_int_equal(gold_source(&s, long2, 300, 0, &added), 4);
	assert_false(added);
	gold_sources_free(&s);
	assert_int_equal(s.keys.n, 0);
}

/* Runs gold_new on the schemas in a child: its exit status. */
static int
gold_new_status(const struct schema *sv, const struct schema *gs)
{
	pid_t pid;
	int st;

	fflush(NULL);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDERR_FILENO);
		gold_new(sv, gs);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static struct schema *
parse(const char *fields)
{
	char text[4096];

	snprintf(text, sizeof text, "{\"type\":\"struct\",\"fields\":[%s]}",
	    fields);
	return unit_schema(text);
}

/* UNIT_FIELD, short: the schemas below are long. */
#define F UNIT_FIELD

/* The schemas are part of the program: a mismatch is fatal, at once. */
static void
test_schema_mistakes(void **state)
{
	(void)state;
	struct schema *keys = parse(F("patient_id", "string", "false") ","
	    F("window_start", "timestamp", "false") ","
	    F("window_end", "timestamp", "false"));
	struct schema *colour = parse(F("patient_id", "string", "false") ","
	    F("window_start", "timestamp", "false") ","
	    F("window_end", "timestamp", "false") ","
	    F("colour", "string", "true"));
	struct schema *no_end = parse(F("patient_id", "string", "false") ","
	    F("window_start", "timestamp", "false"));
	struct schema *thin = parse(F("patient_id", "string", "false") ","
	    F("event_time", "timestamp", "false"));

	assert_int_equal(gold_new_status(silver, keys), 0);
	assert_int_equal(gold_new_status(silver, colour), EXIT_FAIL);
	assert_int_equal(gold_new_status(silver, no_end), EXIT_FAIL);
	assert_int_equal(gold_new_status(thin, keys), EXIT_FAIL);
	schema_free(keys);
	schema_free(colour);
	schema_free(no_end);
	schema_free(thin);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_refusals),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_integer_columns),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_refusals),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_schema_mistakes),
	};

	cli_init(argc, argv);
	return cmocka_run_group_tests(tests, setup, teardown);
}
