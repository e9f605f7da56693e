/*
 * clean: one raw reading or Bronze envelope in, one Silver record or a
 * reason out.  Coercion only where the meaning is certain, Fahrenheit,
 * time zones and the date they move, future and ancient times (against
 * the clock or the Kafka timestamp), dropouts kept and flagged,
 * impossible values refused, repeats dropped and conflicting ones
 * refused, the roster's enrichment (SpO2 scale 2 for COPD), NEWS2 and
 * the derived values checked against the RCP chart by hand, fields
 * Silver has no column for counted, and over a mixed stream every line
 * accounted for exactly once.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit.h"

#include <jansson.h>

#include "clean.h"
#include "isotime.h"
#include "writer.h"
#include "record.h"
#include "roster.h"

/* The reference clock: ten minutes after the readings' base time. */
#define NOW	"2026-03-01T09:10:00Z"
#define BASE	"2026-03-01T09:00:00Z"

static int64_t
at(const char *iso)
{
	int64_t t;

	assert_int_equal(iso_parse(iso, strlen(iso), &t), 0);
	return t;
}

static struct cleaner *
new_cleaner(const struct roster *ro)
{
	struct clean_options o;

	clean_options_init(&o);
	o.now = at(NOW);
	o.roster = ro;
	return cleaner_new(&o);
}

/*
 * A reading of p-1 on mon-1 with the given fields, at its own second
 * after BASE, so that readings of one test never repeat each other by
 * accident.  Static; valid until the next call.
 */
static const char *
reading(const char *fields)
{
	static char buf[2048];
	static int seq;
	char ts[40];

	ts[iso_format(ts, at(BASE) + (int64_t)(seq++ % 500) * 1000000)] =
	    '\0';
	snprintf(buf, sizeof buf, "{\"patient_id\":\"p-1\",\"device_id\":"
	    "\"mon-1\",\"timestamp\":\"%s\"%s%s}", ts, *fields ? "," : "",
	    fields);
	return buf;
}

/* Cleans a line: the Silver record as JSON on CLEAN_OUT, else NULL. */
static json_t *
clean(struct cleaner *c, const char *line, enum clean_status *st,
    struct clean_result *res)
{
	const struct record *out = NULL;
	struct writer w;
	json_error_t je;
	json_t *j;

	*st = cleaner_run(c, line, strlen(line), &out, res);
	if (*st != CLEAN_OUT)
		return NULL;
	assert_non_null(out);
	assert_ptr_equal(out->schema, cleaner_schema(c));
	writer_open_memory(&w);
	record_print(out, &w);
	j = json_loadb(w.buf, w.len, 0, &je);
	if (j == NULL)
		fail_msg("Silver record is not JSON: %s: %.*s", je.text,
		    (int)w.len, w.buf);
	writer_close(&w);
	return j;
}

static json_t *
expect_out(struct cleaner *c, const char *line)
{
	struct clean_result res;
	enum clean_status st;
	json_t *j = clean(c, line, &st, &res);

	if (st != CLEAN_OUT)
		fail_msg("%s: status %d, %s: %s", line, st,
		    res.reason ? res.reason : "-", res.detail);
	return j;
}

/* Expects a reject for reason, with detail holding the word given. */
static void
expect_reject(struct cleaner *c, const char *line, const char *reason,
    const char *word)
{
	struct clean_result res;
	enum clean_status st;
	json_t *j = clean(c, line, &st, &res);

	if (st != CLEAN_REJECT) {
		json_decref(j);
		fail_msg("%s: status %d, wanted a reject (%s)", line, st,
		    reason);
	}
	assert_non_null(res.reason);
	if (strcmp(res.reason, reason) != 0)
		fail_msg("%s: %s (%s), wanted %s", line, res.reason,
		    res.detail, reason);
	assert_true(res.detail[0] != '\0');
	if (word != NULL && strstr(res.detail, word) == NULL)
		fail_msg("%s: detail \"%s\" does not name %s", line,
		    res.detail, word);
}

static json_int_t
int_of(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

static double
num_of(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	if (!json_is_number(v))
		fail_msg("%s is not a number", key);
	return json_number_value(v);
}

static const char *
str_of(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The text a value means: "88", 88 and 88.0 are 88; nothing else is. */
static void
test_coercion(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	static const char *const same[] = { "88", "\"88\"", "88.0",
	    "\"88.0\"", "8.8e1" };
	static const char *const bad[] = { "88.5", "\"88.5\"", "\"88 \"",
	    "\" 88\"", "\"0x58\"", "\"inf\"", "\"nan\"", "\"\"", "true",
	    "[88]", "{\"v\":88}", "1e300" };
	char f[128];
	json_t *j;

	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		snprintf(f, sizeof f, "\"heart_rate\":%s", same[i]);
		j = expect_out(c, reading(f));
		assert_int_equal(int_of(j, "heart_rate"), 88);
		json_decref(j);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(f, sizeof f, "\"heart_rate\":%s", bad[i]);
		expect_reject(c, reading(f), "bad_type", "heart_rate");
		snprintf(f, sizeof f, "\"respiration_rate\":%s", bad[i]);
		expect_reject(c, reading(f), "bad_type", "respiration_rate");
	}
	/* SpO2 is a real number: 97.5 is a value, text only if numeric. */
	j = expect_out(c, reading("\"spo2\":\"97.5\""));
	assert_true(num_of(j, "spo2") == 97.5);
	json_decref(j);
	expect_reject(c, reading("\"spo2\":\"n/a\""), "bad_type", "spo2");
	expect_reject(c, reading("\"temperature\":\"warm\""), "bad_type",
	    "temperature");

	/* Ids that are numbers are ids as text; other kinds are not. */
	j = expect_out(c, "{\"patient_id\":42,\"device_id\":7,\"ward\":\"icu\","
	    "\"timestamp\":\"2026-03-01T09:00:00Z\"}");
	assert_string_equal(str_of(j, "patient_id"), "42");
	assert_string_equal(str_of(j, "device_id"), "7");
	assert_string_equal(str_of(j, "ward"), "icu");
	json_decref(j);
	expect_reject(c, reading("\"ward\":3.5"), "bad_type", "ward");
	expect_reject(c, "{\"patient_id\":\"p-1\",\"device_id\":[1],"
	    "\"timestamp\":\"2026-03-01T09:00:00Z\"}", "bad_type",
	    "device_id");
	cleaner_free(c);
}

/* The three spellings of a blood pressure give the same two numbers,
 * and MAP, pulse pressure and shock index follow from them. */
static void
test_blood_pressure(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	static const char *const forms[] = {
		"\"blood_pressure\":\"121/79\"",
		"\"blood_pressure\":\" 121 / 79 \"",
		"\"blood_pressure\":{\"systolic\":121,\"diastolic\":79}",
		"\"bp_systolic\":121,\"bp_diastolic\":79",
	};
	static const char *const bad[] = { "\"121/\"", "\"/79\"", "\"121\"",
	    "\"121/79/3\"", "\"121-79\"", "121", "{\"systolic\":121}",
	    "{\"systolic\":\"121\",\"diastolic\":79}", "[121,79]" };
	char f[160];
	json_t *j;

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		snprintf(f, sizeof f, "\"heart_rate\":88,%s", forms[i]);
		j = expect_out(c, reading(f));
		assert_int_equal(int_of(j, "bp_systolic"), 121);
		assert_int_equal(int_of(j, "bp_diastolic"), 79);
		/* (121 + 2 * 79) / 3 = 93; 121 - 79; 88 / 121 = 0.7273 */
		assert_true(num_of(j, "mean_arterial_pressure") == 93.0);
		assert_int_equal(int_of(j, "pulse_pressure"), 42);
		assert_true(fabs(num_of(j, "shock_index") - 0.727) < 1e-9);
		json_decref(j);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(f, sizeof f, "\"blood_pressure\":%s", bad[i]);
		expect_reject(c, reading(f), "bad_type", "blood_pressure");
	}
	/* One of the two separate fields alone says nothing certain. */
	expect_reject(c, reading("\"bp_systolic\":121"), "bad_type",
	    "blood_pressure");
	/* No heart rate: no shock index, the pressures still count. */
	j = expect_out(c, reading("\"blood_pressure\":\"100/60\""));
	assert_null(json_object_get(j, "shock_index"));
	assert_true(num_of(j, "mean_arterial_pressure") == 73.3);
	json_decref(j);
	cleaner_free(c);
}

/* Fahrenheit by its unit or by a value no Celsius reading can have;
 * flagged either way.  Celsius stays as it is. */
static void
test_temperature(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	static const struct {
		const char *in;
		double want;
		bool flagged;
	} cases[] = {
		{ "98.6", 37.0, true }, { "\"98.6F\"", 37.0, true },
		{ "\"98.6 f\"", 37.0, true }, { "\"101.3F\"", 38.5, true },
		{ "37.1", 37.1, false }, { "\"37.1 C\"", 37.1, false },
		{ "\"37.1c\"", 37.1, false }, { "36", 36.0, false },
	};
	char f[128];
	json_t *j;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(f, sizeof f, "\"temperature\":%s", cases[i].in);
		j = expect_out(c, reading(f));
		if (fabs(num_of(j, "temperature") - cases[i].want) > 1e-9)
			fail_msg("%s: %g, wanted %g", cases[i].in,
			    num_of(j, "temperature"), cases[i].want);
		const char *flags = str_of(j, "quality_flags");
		assert_int_equal(flags != NULL && strstr(flags,
		    "temperature_fahrenheit") != NULL, cases[i].flagged);
		json_decref(j);
	}
	expect_reject(c, reading("\"temperature\":\"F\""), "bad_type",
	    "temperature");
	expect_reject(c, reading("\"temperature\":\"hot F\""), "bad_type",
	    "temperature");
	/* 50 C is not a patient; 120 F (48.9 C) is not either. */
	expect_reject(c, reading("\"temperature\":50"), "implausible_value",
	    "temperature");
	expect_reject(c, reading("\"temperature\":\"120F\""),
	    "implausible_value", "temperature");
	cleaner_free(c);
}

/* Any ISO 8601 offset to UTC, and the UTC date, which the offset can
 * move to another day. */
static void
test_time(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	static const struct {
		const char *in, *utc, *date;
	} cases[] = {
		{ "2026-03-01T10:00:00+01:00", "2026-03-01T09:00:00Z",
		  "2026-03-01" },
		{ "2026-03-01T00:30:00+02:00", "2026-02-28T22:30:00Z",
		  "2026-02-28" },
		{ "2026-02-28T23:30:00-05:00", "2026-03-01T04:30:00Z",
		  "2026-03-01" },
		{ "2026-03-01T08:59:59.123456Z", "2026-03-01T08:59:59.123456Z",
		  "2026-03-01" },
	};
	char line[256];
	json_t *j;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(line, sizeof line, "{\"patient_id\":\"t-%zu\","
		    "\"timestamp\":\"%s\"}", i, cases[i].in);
		j = expect_out(c, line);
		const char *et = str_of(j, "event_time");
		assert_non_null(et);
		assert_int_equal(at(et), at(cases[i].utc));
		assert_string_equal(str_of(j, "event_date"), cases[i].date);
		json_decref(j);
	}
	/* Up to max_future ahead of the clock is accepted, no more. */
	j = expect_out(c, "{\"patient_id\":\"f\","
	    "\"timestamp\":\"2026-03-01T09:15:00Z\"}");
	json_decref(j);
	expect_reject(c, "{\"patient_id\":\"f\","
	    "\"timestamp\":\"2026-03-01T09:15:00.000001Z\"}",
	    "future_timestamp", "clock");
	expect_reject(c, "{\"patient_id\":\"f\","
	    "\"timestamp\":\"1999-12-31T23:59:59Z\"}",
	    "implausible_timestamp", NULL);
	j = expect_out(c, "{\"patient_id\":\"f\","
	    "\"timestamp\":\"2000-01-01T00:00:00Z\"}");
	json_decref(j);
	expect_reject(c, "{\"patient_id\":\"f\"}", "missing_field",
	    "timestamp");
	expect_reject(c, "{\"patient_id\":\"f\",\"timestamp\":null}",
	    "missing_field", "timestamp");
	/* A bare number could be seconds or milliseconds. */
	expect_reject(c, "{\"patient_id\":\"f\",\"timestamp\":1772355600}",
	    "bad_type", "timestamp");
	expect_reject(c, "{\"patient_id\":\"f\",\"timestamp\":\"yesterday\"}",
	    "bad_timestamp", "timestamp");
	expect_reject(c, "{\"patient_id\":\"f\","
	    "\"timestamp\":\"2026-02-30T00:00:00Z\"}", "bad_timestamp",
	    NULL);
	cleaner_free(c);
}

/* A zero is a lead-off or an arrest: kept, as missing, and flagged. */
static void
test_dropouts(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	json_t *j;

	j = expect_out(c, reading("\"heart_rate\":0,\"spo2\":97"));
	assert_null(json_object_get(j, "heart_rate"));
	assert_string_equal(str_of(j, "quality_flags"), "heart_rate_zero");
	assert_true(num_of(j, "spo2") == 97);
	json_decref(j);
	j = expect_out(c, reading("\"heart_rate\":70,\"spo2\":0"));
	assert_null(json_object_get(j, "spo2"));
	assert_null(json_object_get(j, "news2_spo2"));
	assert_string_equal(str_of(j, "quality_flags"), "spo2_lead_off");
	json_decref(j);
	j = expect_out(c, reading("\"heart_rate\":\"0\",\"spo2\":0.0,"
	    "\"temperature\":98.6"));
	const char *fl = str_of(j, "quality_flags");
	assert_non_null(fl);
	assert_non_null(strstr(fl, "heart_rate_zero"));
	assert_non_null(strstr(fl, "spo2_lead_off"));
	assert_non_null(strstr(fl, "temperature_fahrenheit"));
	json_decref(j);
	/* A reading with nothing wrong has no flags at all. */
	j = expect_out(c, reading("\"heart_rate\":70"));
	assert_null(json_object_get(j, "quality_flags"));
	json_decref(j);
	cleaner_free(c);
}

static void
test_impossible(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	static const struct {
		const char *fields, *word;
	} cases[] = {
		{ "\"heart_rate\":400", "heart_rate" },
		{ "\"heart_rate\":5", "heart_rate" },
		{ "\"spo2\":101", "spo2" },
		{ "\"spo2\":30", "spo2" },
		{ "\"respiration_rate\":90", "respiration_rate" },
		{ "\"temperature\":20", "temperature" },
		{ "\"blood_pressure\":\"79/121\"", "bp_systolic" },
		{ "\"blood_pressure\":\"80/80\"", "bp_systolic" },
		{ "\"blood_pressure\":\"350/80\"", "bp_systolic" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_reject(c, reading(cases[i].fields),
		    "implausible_value", cases[i].word);
	cleaner_free(c);
}

/* Identity: an id is text of 1 to 128 characters, no control ones. */
static void
test_identity(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	char line[600], id[200];
	json_t *j;

	expect_reject(c, "{\"timestamp\":\"2026-03-01T09:00:00Z\"}",
	    "missing_field", "patient_id");
	expect_reject(c, "{\"patient_id\":null,"
	    "\"timestamp\":\"2026-03-01T09:00:00Z\"}", "missing_field",
	    "patient_id");
	expect_reject(c, "{\"patient_id\":\"\","
	    "\"timestamp\":\"2026-03-01T09:00:00Z\"}", "bad_patient_id",
	    NULL);
	expect_reject(c, "{\"patient_id\":\"a\\u0001b\","
	    "\"timestamp\":\"2026-03-01T09:00:00Z\"}", "bad_patient_id",
	    NULL);
	expect_reject(c, "{\"patient_id\":true,"
	    "\"timestamp\":\"2026-03-01T09:00:00Z\"}", "bad_patient_id",
	    NULL);
	for (int n = 128; n <= 129; n++) {
		memset(id, 'i', (size_t)n);
		id[n] = '\0';
		snprintf(line, sizeof line, "{\"patient_id\":\"%s\","
		    "\"timestamp\":\"2026-03-01T09:00:00Z\"}", id);
		if (n == 129) {
			expect_reject(c, line, "bad_patient_id", NULL);
			continue;
		}
		j = expect_out(c, line);
		assert_string_equal(str_of(j, "patient_id"), id);
		json_decref(j);
	}
	/* Non-ASCII is fine: characters, not bytes, are the point. */
	j = expect_out(c, "{\"patient_id\":\"Zo\\u00eb\","
	    "\"timestamp\":\"2026-03-01T09:00:00Z\"}");
	assert_string_equal(str_of(j, "patient_id"), "Zo\xc3\xab");
	json_decref(j);
	cleaner_free(c);
}

/* What is not JSON, or not an object, or not a reading's shape. */
static void
test_not_a_reading(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	static const char *const bad[] = { "", "not json", "[1,2]", "42",
	    "\"text\"", "{\"patient_id\":", "{\"patient_id\":\"p\"}}",
	    "{\"a\":1,\"a\":2}" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_reject(c, bad[i], "bad_json", NULL);
	expect_reject(c, reading("\"truth\":\"sepsis\""), "bad_type",
	    "truth");
	expect_reject(c, reading("\"truth\":[1]"), "bad_type", "truth");
	cleaner_free(c);
}

/* The label passes through as it came, and null stays null. */
static void
test_truth(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	json_t *j, *want;

	j = expect_out(c, reading("\"truth\":{\"episode\":\"sepsis\","
	    "\"episode_id\":7,\"fault\":null}"));
	want = json_pack("{s:s,s:i,s:n}", "episode", "sepsis", "episode_id",
	    7, "fault");
	assert_true(json_equal(json_object_get(j, "truth"), want));
	json_decref(want);
	json_decref(j);
	j = expect_out(c, reading("\"truth\":null"));
	assert_true(json_is_null(json_object_get(j, "truth")));
	json_decref(j);
	j = expect_out(c, reading(""));
	assert_null(json_object_get(j, "truth"));
	json_decref(j);
	cleaner_free(c);
}

/* Same patient, device and time: a repeat is dropped, a repeat with
 * other values is refused; another device is another reading. */
static void
test_duplicates(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	const char *a = "{\"patient_id\":\"d\",\"device_id\":\"m1\","
	    "\"timestamp\":\"2026-03-01T09:00:00Z\",\"heart_rate\":70}";
	struct clean_result res;
	enum clean_status st;
	json_t *j;

	j = expect_out(c, a);
	json_decref(j);
	assert_null(clean(c, a, &st, &res));
	assert_int_equal(st, CLEAN_DUPLICATE);
	/* The same reading in another spelling is the same reading. */
	assert_null(clean(c, "{\"heart_rate\":\"70\",\"patient_id\":\"d\","
	    "\"device_id\":\"m1\",\"timestamp\":\"2026-03-01T10:00:00+01:00\"}",
	    &st, &res));
	assert_int_equal(st, CLEAN_DUPLICATE);
	expect_reject(c, "{\"patient_id\":\"d\",\"device_id\":\"m1\","
	    "\"timestamp\":\"2026-03-01T09:00:00Z\",\"heart_rate\":71}",
	    "conflicting_duplicate", NULL);
	j = expect_out(c, "{\"patient_id\":\"d\",\"device_id\":\"m2\","
	    "\"timestamp\":\"2026-03-01T09:00:00Z\",\"heart_rate\":71}");
	json_decref(j);
	j = expect_out(c, "{\"patient_id\":\"d\",\"device_id\":\"m1\","
	    "\"timestamp\":\"2026-03-01T09:00:01Z\",\"heart_rate\":70}");
	json_decref(j);
	cleaner_free(c);
}

/*
 * A Bronze envelope: the reading inside "value", the coordinates carried
 * into Silver and into a reject, and the future judged against the
 * Kafka timestamp rather than the clock.
 */
static void
test_envelope(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	struct clean_result res;
	enum clean_status st;
	json_t *j;

	j = clean(c, "{\"topic\":\"vitals\",\"partition\":3,\"offset\":17,"
	    "\"key\":\"p-3\",\"value\":\"{\\\"patient_id\\\":\\\"p-3\\\","
	    "\\\"timestamp\\\":\\\"2026-03-01T09:00:00Z\\\","
	    "\\\"heart_rate\\\":70}\",\"kafka_timestamp\":"
	    "\"2026-03-01T09:00:01Z\"}", &st, &res);
	assert_int_equal(st, CLEAN_OUT);
	assert_string_equal(str_of(j, "patient_id"), "p-3");
	assert_int_equal(int_of(j, "heart_rate"), 70);
	assert_string_equal(str_of(j, "topic"), "vitals");
	assert_int_equal(int_of(j, "partition"), 3);
	assert_int_equal(int_of(j, "offset"), 17);
	assert_int_equal(at(str_of(j, "kafka_timestamp")),
	    at("2026-03-01T09:00:01Z"));
	assert_true(res.has_pos);
	assert_int_equal(res.pos.partition, 3);
	assert_int_equal(res.pos.offset, 17);
	assert_memory_equal(res.pos.topic, "vitals", 6);
	json_decref(j);

	/* Kafka's own unit, milliseconds, is a time too.  Five minutes
	 * past it is the limit, though the clock is further on. */
	j = clean(c, "{\"topic\":\"v\",\"partition\":0,\"offset\":1,\"value\":"
	    "\"{\\\"patient_id\\\":\\\"k\\\",\\\"timestamp\\\":"
	    "\\\"2026-03-01T09:05:00Z\\\"}\",\"kafka_timestamp\":"
	    "1772355600000}", &st, &res);
	assert_int_equal(st, CLEAN_OUT);
	assert_int_equal(at(str_of(j, "kafka_timestamp")),
	    at("2026-03-01T09:00:00Z"));
	json_decref(j);
	expect_reject(c, "{\"topic\":\"v\",\"partition\":0,\"offset\":2,"
	    "\"value\":\"{\\\"patient_id\\\":\\\"k\\\",\\\"timestamp\\\":"
	    "\\\"2026-03-01T09:05:01Z\\\"}\",\"kafka_timestamp\":"
	    "\"2026-03-01T09:00:00Z\"}", "future_timestamp", "Kafka");

	/* A reject of a bad reading inside still says where it was. */
	assert_null(clean(c, "{\"topic\":\"v\",\"partition\":5,\"offset\":9,"
	    "\"value\":\"{not json\"}", &st, &res));
	assert_int_equal(st, CLEAN_REJECT);
	assert_string_equal(res.reason, "bad_json");
	assert_true(res.has_pos);
	assert_int_equal(res.pos.partition, 5);
	assert_int_equal(res.pos.offset, 9);

	static const char *const bad_env[] = {
		"{\"topic\":\"v\",\"partition\":0,\"value\":\"{}\"}",
		"{\"partition\":0,\"offset\":1,\"value\":\"{}\"}",
		"{\"topic\":\"v\",\"partition\":-1,\"offset\":1,"
		    "\"value\":\"{}\"}",
		"{\"topic\":\"v\",\"partition\":0,\"offset\":-1,"
		    "\"value\":\"{}\"}",
		"{\"topic\":\"v\",\"partition\":\"0\",\"offset\":1,"
		    "\"value\":\"{}\"}",
		"{\"topic\":\"v\",\"partition\":0,\"offset\":1,"
		    "\"value\":{}}",
		"{\"topic\":\"v\",\"partition\":0,\"offset\":1,"
		    "\"value\":null}",
		"{\"topic\":\"v\",\"partition\":0,\"offset\":1,"
		    "\"value\":\"{}\",\"kafka_timestamp\":\"soon\"}",
		"{\"topic\":\"v\",\"partition\":0,\"offset\":1,"
		    "\"value\":\"{}\",\"kafka_timestamp\":-1}",
		"{\"topic\":\"v\",\"partition\":0,\"offset\":1,"
		    "\"value\":\"{}\",\"kafka_timestamp\":true}",
	};
	for (size_t i = 0; i < sizeof bad_env / sizeof bad_env[0]; i++)
		expect_reject(c, bad_env[i], "bad_envelope", NULL);
	/* Bytes that were not text: Bronze kept them as base64. */
	expect_reject(c, "{\"topic\":\"v\",\"partition\":0,\"offset\":1,"
	    "\"value_base64\":\"/w==\"}", "bad_utf8", NULL);
	cleaner_free(c);
}

/*
 * NEWS2 from the RCP 2017 chart, worked by hand:
 *   RR 22 -> 2, SpO2 95 -> 1 (scale 1), SBP 105 -> 1, pulse 115 -> 2,
 *   temperature 38.5 -> 1: total 7, "high";
 *   all in range: 0, "low"; RR 26 alone -> 3: total 3 with a red
 *   parameter, "low-medium".
 * Consciousness and oxygen are not observed: partial, always.
 */
static void
test_news2(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	json_t *j;

	j = expect_out(c, reading("\"respiration_rate\":22,\"spo2\":95,"
	    "\"blood_pressure\":\"105/70\",\"heart_rate\":115,"
	    "\"temperature\":38.5"));
	assert_int_equal(int_of(j, "news2_respiration"), 2);
	assert_int_equal(int_of(j, "news2_spo2"), 1);
	assert_int_equal(int_of(j, "news2_spo2_scale"), 1);
	assert_int_equal(int_of(j, "news2_systolic"), 1);
	assert_int_equal(int_of(j, "news2_heart_rate"), 2);
	assert_int_equal(int_of(j, "news2_temperature"), 1);
	assert_int_equal(int_of(j, "news2_score"), 7);
	assert_string_equal(str_of(j, "news2_band"), "high");
	assert_true(json_is_true(json_object_get(j, "news2_partial")));
	/* Alerts: a pulse over 100 and a temperature of 38 or more. */
	assert_true(json_is_true(json_object_get(j, "alert_tachycardia")));
	assert_true(json_is_true(json_object_get(j, "alert_fever")));
	assert_true(json_is_true(json_object_get(j, "alert_tachypnoea")));
	assert_true(json_is_false(json_object_get(j, "alert_bradycardia")));
	assert_true(json_is_false(json_object_get(j, "alert_hypoxia")));
	assert_true(json_is_false(json_object_get(j, "alert_hypotension")));
	json_decref(j);

	j = expect_out(c, reading("\"respiration_rate\":16,\"spo2\":98,"
	    "\"blood_pressure\":\"125/80\",\"heart_rate\":70,"
	    "\"temperature\":37.0"));
	assert_int_equal(int_of(j, "news2_score"), 0);
	assert_string_equal(str_of(j, "news2_band"), "low");
	json_decref(j);

	j = expect_out(c, reading("\"respiration_rate\":26,\"spo2\":98,"
	    "\"blood_pressure\":\"125/80\",\"heart_rate\":70,"
	    "\"temperature\":37.0"));
	assert_int_equal(int_of(j, "news2_score"), 3);
	assert_string_equal(str_of(j, "news2_band"), "low-medium");
	json_decref(j);

	/* No vitals at all: no score, and no band, rather than a 0. */
	j = expect_out(c, reading(""));
	assert_null(json_object_get(j, "news2_score"));
	assert_null(json_object_get(j, "news2_band"));
	json_decref(j);
	cleaner_free(c);
}

static struct roster *
roster_of(const char *text)
{
	char dir[256], path[300], err[256];
	struct roster *r;
	FILE *fp;

	unit_tmpdir(dir, sizeof dir, "roster");
	snprintf(path, sizeof path, "%s/roster.ndjson", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	if ((r = roster_load(path, err, sizeof err)) == NULL)
		fail_msg("%s", err);
	unit_rmtree(dir);
	return r;
}

/*
 * The roster adds age, sex, conditions and (for a reading without one)
 * the ward; a COPD patient is scored on SpO2 scale 2, where 89% on air
 * is 0 points instead of scale 1's 3.  A patient not in the roster is
 * left as read.  cleaner_set_roster swaps the roster for what follows.
 */
static void
test_roster(void **state)
{
	(void)state;
	struct roster *r1 = roster_of(
	    "{\"patient_id\":\"p-1\",\"ward\":\"icu\",\"age\":70,\"sex\":\"F\","
	    "\"conditions\":[\"copd\",\"hypertension\"]}\n"
	    "{\"patient_id\":\"p-2\",\"ward\":\"general\",\"age\":40,"
	    "\"sex\":\"M\"}\n");
	struct roster *r2 = roster_of("{\"patient_id\":\"p-1\","
	    "\"age\":71}\n");
	struct cleaner *c = new_cleaner(r1);
	json_t *j;

	j = expect_out(c, reading("\"spo2\":89"));
	assert_int_equal(int_of(j, "age"), 70);
	assert_string_equal(str_of(j, "sex"), "F");
	assert_string_equal(str_of(j, "conditions"), "copd,hypertension");
	assert_string_equal(str_of(j, "ward"), "icu");
	assert_int_equal(int_of(j, "news2_spo2_scale"), 2);
	assert_int_equal(int_of(j, "news2_spo2"), 0);
	json_decref(j);
	/* The reading's own ward wins over the roster's. */
	j = expect_out(c, reading("\"ward\":\"theatre\""));
	assert_string_equal(str_of(j, "ward"), "theatre");
	json_decref(j);
	j = expect_out(c, "{\"patient_id\":\"p-2\","
	    "\"timestamp\":\"2026-03-01T09:00:00Z\",\"spo2\":89}");
	assert_int_equal(int_of(j, "news2_spo2_scale"), 1);
	assert_int_equal(int_of(j, "news2_spo2"), 3);
	assert_null(json_object_get(j, "conditions"));
	json_decref(j);
	j = expect_out(c, "{\"patient_id\":\"nobody\","
	    "\"timestamp\":\"2026-03-01T09:00:00Z\",\"spo2\":89}");
	assert_null(json_object_get(j, "age"));
	assert_null(json_object_get(j, "ward"));
	assert_int_equal(int_of(j, "news2_spo2"), 3);
	json_decref(j);

	cleaner_set_roster(c, r2);
	j = expect_out(c, reading(""));
	assert_int_equal(int_of(j, "age"), 71);
	assert_null(json_object_get(j, "sex"));
	json_decref(j);
	cleaner_set_roster(c, NULL);
	j = expect_out(c, reading(""));
	assert_null(json_object_get(j, "age"));
	json_decref(j);
	cleaner_free(c);
	roster_free(r1);
	roster_free(r2);
}

/*
 * Fields Silver has no column for are counted, one each; the fields a
 * reading can carry (blood pressure as two fields among them) are not.
 */
static void
test_unknown_fields(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	json_t *j;

	assert_int_equal(cleaner_unknown_fields(c), 0);
	j = expect_out(c, reading("\"heart_rate\":70,\"spo2\":97"));
	json_decref(j);
	assert_int_equal(cleaner_unknown_fields(c), 0);
	j = expect_out(c, reading("\"firmware\":\"1.2\",\"battery\":80"));
	assert_null(json_object_get(j, "firmware"));
	json_decref(j);
	assert_int_equal(cleaner_unknown_fields(c), 2);
	j = expect_out(c, reading("\"bp_systolic\":121,\"bp_diastolic\":79,"
	    "\"firmware\":\"1.2\""));
	json_decref(j);
	assert_int_equal(cleaner_unknown_fields(c), 3);
	cleaner_free(c);
}

/*
 * A stream of every kind of line: each one comes out, is dropped as a
 * repeat, or is rejected, exactly once, and the totals add up.
 */
static void
test_stream_accounts(void **state)
{
	(void)state;
	struct cleaner *c = new_cleaner(NULL);
	static const char *const lines[] = {
		"{\"patient_id\":\"s\",\"timestamp\":\"2026-03-01T09:00:00Z\","
		    "\"heart_rate\":70}",
		"{\"patient_id\":\"s\",\"timestamp\":\"2026-03-01T09:00:00Z\","
		    "\"heart_rate\":70}",
		"{\"patient_id\":\"s\",\"timestamp\":\"2026-03-01T09:00:00Z\","
		    "\"heart_rate\":99}",
		"{\"patient_id\":\"s\",\"timestamp\":\"2026-03-01T09:00:05Z\","
		    "\"heart_rate\":0}",
		"{\"patient_id\":\"s\",\"timestamp\":\"2026-03-01T09:00:10Z\","
		    "\"heart_rate\":500}",
		"{\"patient_id\":\"s\"}",
		"garbage",
		"{\"patient_id\":\"s\",\"timestamp\":\"2026-03-01T09:00:15Z\","
		    "\"temperature\":\"98.6F\"}",
		"{\"patient_id\":\"s\",\"timestamp\":\"2026-03-01T09:00:15Z\","
		    "\"temperature\":\"98.6F\"}",
		"{\"patient_id\":\"s\",\"timestamp\":\"2027-01-01T00:00:00Z\"}",
	};
	size_t out = 0, dup = 0, rej = 0;
	struct clean_result res;
	enum clean_status st;

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		json_decref(clean(c, lines[i], &st, &res));
		out += st == CLEAN_OUT;
		dup += st == CLEAN_DUPLICATE;
		rej += st == CLEAN_REJECT;
		assert_int_equal(st == CLEAN_REJECT, res.reason != NULL);
	}
	assert_int_equal(out + dup + rej, sizeof lines / sizeof lines[0]);
	assert_int_equal(out, 3);
	assert_int_equal(dup, 2);
	assert_int_equal(rej, 5);
	cleaner_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coercion),
		cmocka_unit_test(test_blood_pressure),
		cmocka_unit_test(test_temperature),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_dropouts),
		cmocka_unit_test(test_impossible),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_not_a_reading),
		cmocka_unit_test(test_truth),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_news2),
		cmocka_unit_test(test_roster),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_stream_accounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
