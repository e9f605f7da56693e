/*
 * score_out: a scored record keeps its bytes (spacing, number spellings,
 * unknown keys, a brace inside a string) with the two fields spliced in
 * before its closing brace; "{}" gets no stray comma; a record that has
 * either field already is printed from its slots with both replaced, each
 * once; the score is printed to six decimals and the flag is the
 * caller's; --show-features' object holds the features to three
 * decimals, null when missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "featurize.h"
#include "writer.h"
#include "record.h"
#include "schema.h"
#include "score_out.h"

static struct schema *silver;

static int
setup(void **state)
{
	char err[256];

	(void)state;
	silver = schema_load("silver", err, sizeof err);
	return silver == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	schema_free(silver);
	return 0;
}

/* The alert reason the tests give an anomalous reading: with a quote
 * and a backslash, which the output must escape. */
#define REASON "iforest: \"x\\\" high"
#define REASON_JSON "\"iforest: \\\"x\\\\\\\" high\""

/*
 * Scores one line with score_out and returns what it wrote, as a
 * NUL-terminated copy (the caller frees it).  The reading alerts when it
 * is anomalous, for REASON.  show and x as for score_out_write.
 */
static char *
write_one(const char *line, double score, bool anomalous,
    const struct feature_set *show, const double *x)
{
	struct record *r = record_new(silver);
	struct writer w;
	struct score_out so;
	char err[160], *got;

	if (record_scan(r, line, strlen(line), err) != 0)
		fail_msg("%s: %s", line, err);
	writer_open_memory(&w);
	score_out_init(&so, silver, &w, show);
	struct scored sc = { .score = score, .anomalous = anomalous,
		.alert = anomalous, .reason = REASON };
	score_out_write(&so, line, strlen(line), r, &sc, x);
	got = malloc(w.len + 1);
	assert_non_null(got);
	memcpy(got, w.buf, w.len);
	got[w.len] = '\0';
	score_out_free(&so);
	writer_close(&w);
	record_free(r);
	return got;
}

static void
expect_line(const char *line, double score, bool anomalous,
    const char *want)
{
	char *got = write_one(line, score, anomalous, NULL, NULL);

	if (strcmp(got, want) != 0)
		fail_msg("%s\n got: %s\nwant: %s", line, got, want);
	free(got);
}

static void
test_splice(void **state)
{
	(void)state;
	expect_line("{\"patient_id\":\"p1\",\"event_time\":"
	    "\"2026-01-01T00:00:00Z\",\"heart_rate\":72}", 0.5, false,
	    "{\"patient_id\":\"p1\",\"event_time\":\"2026-01-01T00:00:00Z\","
	    "\"heart_rate\":72,\"anomaly_score\":0.5,\"is_anomaly\":false,"
	    "\"alert\":false,\"alert_reason\":null}\n");
	/* Whatever the writer spelled stays as it was; the blanks after
	 * the brace go, the newline ends the record. */
	expect_line(" { \"patient_id\" : \"p\" , \"temperature\":36.80,"
	    "\"zz\":{\"y\":\"}\"} }  ", 0.75, true,
	    " { \"patient_id\" : \"p\" , \"temperature\":36.80,"
	    "\"zz\":{\"y\":\"}\"} ,\"anomaly_score\":0.75,"
	    "\"is_anomaly\":true,"
	    "\"alert\":true,\"alert_reason\":" REASON_JSON "}\n");
	/* Only keys no schema knows: still not empty. */
	expect_line("{\"zz\":1}", 0.25, false,
	    "{\"zz\":1,\"anomaly_score\":0.25,\"is_anomaly\":false,"
	    "\"alert\":false,\"alert_reason\":null}\n");
	expect_line("{}", 0.25, true,
	    "{\"anomaly_score\":0.25,\"is_anomaly\":true,"
	    "\"alert\":true,\"alert_reason\":" REASON_JSON "}\n");
	expect_line("{ }", 0.25, true,
	    "{ \"anomaly_score\":0.25,\"is_anomaly\":true,"
	    "\"alert\":true,\"alert_reason\":" REASON_JSON "}\n");
}

/* Six decimals, rounded; the flag as given, even where the rounded
 * score would say otherwise. */
static void
test_rounding(void **state)
{
	(void)state;
	expect_line("{\"a\":1}", 0.123456789, false,
	    "{\"a\":1,\"anomaly_score\":0.123457,\"is_anomaly\":false,"
	    "\"alert\":false,\"alert_reason\":null}\n");
	expect_line("{\"a\":1}", 0.5000004, true,
	    "{\"a\":1,\"anomaly_score\":0.5,\"is_anomaly\":true,"
	    "\"alert\":true,\"alert_reason\":" REASON_JSON "}\n");
	expect_line("{\"a\":1}", 0.9999996, true,
	    "{\"a\":1,\"anomaly_score\":1.0,\"is_anomaly\":true,"
	    "\"alert\":true,\"alert_reason\":" REASON_JSON "}\n");
	expect_line("{\"a\":1}", 0.0000004, false,
	    "{\"a\":1,\"anomaly_score\":0.0,\"is_anomaly\":false,"
	    "\"alert\":false,\"alert_reason\":null}\n");
}

/* Scored before: printed from the slots, schema order then extras, the
 * two fields replaced, never twice. */
static void
test_scored_before(void **state)
{
	(void)state;
	expect_line("{\"patient_id\":\"p\",\"anomaly_score\":3,"
	    "\"heart_rate\":70,\"zz\":1}", 0.25, true,
	    "{\"patient_id\":\"p\",\"heart_rate\":70,\"anomaly_score\":0.25,"
	    "\"is_anomaly\":true,\"alert\":true,\"alert_reason\":" REASON_JSON
	    ",\"zz\":1}\n");
	expect_line("{\"is_anomaly\":null, \"heart_rate\":70}", 0.5, false,
	    "{\"heart_rate\":70,\"anomaly_score\":0.5,"
	    "\"is_anomaly\":false,"
	    "\"alert\":false,\"alert_reason\":null}\n");
}

static void
test_show_features(void **state)
{
	struct feature_set fs;
	char err[256], *got;
	double x[3] = { 71.23456, NAN, -0.0004 };
	json_t *j, *f;
	json_error_t je;

	(void)state;
	assert_int_equal(feature_set_parse("heart_rate,spo2_z,"
	    "temperature_trend", &fs, err, sizeof err), 0);
	got = write_one("{\"patient_id\":\"p\", \"heart_rate\":71}", 0.4,
	    false, &fs, x);
	assert_true(got[strlen(got) - 1] == '\n');
	j = json_loads(got, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		fail_msg("%s: %s", got, je.text);
	assert_string_equal(json_string_value(json_object_get(j,
	    "patient_id")), "p");
	assert_true(json_real_value(json_object_get(j, "anomaly_score")) ==
	    0.4);
	assert_true(json_is_false(json_object_get(j, "is_anomaly")));
	f = json_object_get(j, "features");
	assert_int_equal(json_object_size(f), 3);
	assert_true(json_real_value(json_object_get(f, "heart_rate")) ==
	    71.235);
	assert_true(json_is_null(json_object_get(f, "spo2_z")));
	assert_true(json_number_value(json_object_get(f,
	    "temperature_trend")) == 0.0);
	json_decref(j);
	free(got);
}

/* One score_out for many records: the features of one record do not
 * leak into the next. */
static void
test_reuse(void **state)
{
	struct feature_set fs;
	struct record *r = record_new(silver);
	struct writer w;
	struct score_out so;
	char err[256];
	const char *lines[] = { "{\"patient_id\":\"a\"}",
	    "{\"patient_id\":\"b\"}" };
	double x[2][1] = { { 1.0 }, { NAN } };

	(void)state;
	assert_int_equal(feature_set_parse("heart_rate", &fs, err, sizeof err),
	    0);
	writer_open_memory(&w);
	score_out_init(&so, silver, &w, &fs);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(record_scan(r, lines[i], strlen(lines[i]),
		    err), 0);
		struct scored sc = { .score = 0.5 };
		score_out_write(&so, lines[i], strlen(lines[i]), r, &sc, x[i]);
	}
	writer_char(&w, '\0');
	assert_string_equal(w.buf,
	    "{\"patient_id\":\"a\",\"anomaly_score\":0.5,\"is_anomaly\":false,"
	    "\"alert\":false,\"alert_reason\":null,\"features\":{\"heart_rate\":1.0}}\n"
	    "{\"patient_id\":\"b\",\"anomaly_score\":0.5,\"is_anomaly\":false,"
	    "\"alert\":false,\"alert_reason\":null,\"features\":{\"heart_rate\":null}}\n");
	score_out_free(&so);
	writer_close(&w);
	record_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splice),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_scored_before),
		cmocka_unit_test(test_show_features),
		cmocka_unit_test(test_reuse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
