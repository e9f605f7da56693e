/*
 * record: the fast codec against jansson, the reference.  For every input
 * the two must agree on whether it is a JSON object and, if so, on every
 * value; printing a record and reading it back must give the same values.
 * A good share of the inputs must take the fast path, or agreement would
 * only prove that the fallback works.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "unit.h"

#include "jsonw.h"
#include "writer.h"
#include "record.h"
#include "rng.h"
#include "schema.h"

/* Checks one input; returns 1 if it was a valid object. */
static int
check_one(struct record *r, const char *line, size_t len)
{
	json_error_t je;
	json_t *ref = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	int ref_ok = ref != NULL && json_is_object(ref);
	char err[160] = "";
	int rc = record_scan(r, line, len, err);

	if ((rc == 0) != ref_ok) {
		fprintf(stderr, "disagree on %.*s: codec %d (%s), jansson %d\n",
		    (int)len, line, rc, err, ref_ok);
		fail();
	}
	if (!ref_ok) {
		assert_true(err[0] != '\0');
		json_decref(ref);
		return 0;
	}
	json_t *got = record_to_json(r);
	if (!json_equal(got, ref)) {
		char *a = json_dumps(got, JSON_COMPACT | JSON_REAL_PRECISION(17));
		char *b = json_dumps(ref, JSON_COMPACT | JSON_REAL_PRECISION(17));
		fprintf(stderr, "values differ on %.*s:\n codec %s\n jansson %s\n",
		    (int)len, line, a, b);
		free(a);
		free(b);
		fail();
	}
	/* Print, read back with jansson: still the same values. */
	struct writer w;
	writer_open_memory(&w);
	record_print(r, &w);
	assert_true(w.len > 0 && w.buf[w.len - 1] == '\n');
	json_t *back = json_loadb(w.buf, w.len - 1, JSON_REJECT_DUPLICATES,
	    &je);
	if (back == NULL || !json_equal(back, ref)) {
		fprintf(stderr, "print round trip failed: %.*s -> %.*s\n",
		    (int)len, line, (int)w.len, w.buf);
		fail();
	}
	json_decref(back);
	writer_close(&w);
	json_decref(got);
	json_decref(ref);
	return 1;
}

static void
check_str(struct record *r, const char *s)
{
	check_one(r, s, strlen(s));
}

static const char *const tricky[] = {
	"{}", " { } ", "{\"a\":1}", "[]", "[1,2]", "\"s\"", "42", "null", "",
	"{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}",
	"{\"heart_rate\":88,\"heart_rate\":89}",
	"{\"x\":1,\"x\":2}", "{\"x\":{\"y\":1,\"y\":2}}",
	"{\"a\":1} x", "{\"a\":1}\t \r", "{\"a\":1}{}",
	"{\"a\":-0}", "{\"a\":-0.0}", "{\"a\":0.0}", "{\"a\":01}", "{\"a\":1.}",
	"{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e5}", "{\"a\":1E-5}", "{\"a\":1e}",
	"{\"a\":1e400}", "{\"a\":-1e400}", "{\"a\":1e-400}", "{\"a\":NaN}",
	"{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":nan}",
	"{\"a\":9223372036854775807}", "{\"a\":9223372036854775808}",
	"{\"a\":-9223372036854775808}", "{\"a\":-9223372036854775809}",
	"{\"a\":123456789012345678}", "{\"a\":1234567890123456789}",
	"{\"a\":0.1234567890123456789}", "{\"a\":36.80}", "{\"a\":98.6}",
	"{\"a\":1.7976931348623157e308}", "{\"a\":4.9e-324}",
	"{\"a\":123456789012345.6}", "{\"a\":0.000000000000000000000001}",
	"{\"a\":\"\\u00e9\"}", "{\"a\":\"\\ud83d\\ude00\"}", "{\"a\":\"\\ud83d\"}",
	"{\"a\":\"\\udc00\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\x\"}",
	"{\"a\":\"tab\\there\"}", "{\"a\":\"q\\\"uote\\\\\"}", "{\"a\":\"\\/\"}",
	"{\"a\":\"raw\ttab\"}", "{\"a\":\"caf\xc3\xa9\"}", "{\"a\":\"\xc3\"}",
	"{\"a\":\"\xff\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xc0\xaf\"}",
	"{\"a\":\"\xf4\x90\x80\x80\"}", "{\"\xc3\xa9\":1}", "{\"k\\n\":1}",
	"{\"\":1}", "{\"a\":\"unterminated}", "{\"a\":tru}", "{\"a\":true}",
	"{\"a\":falsey}", "{\"a\":nul}", "{\"a\":[1,{\"b\":[2,3]}]}",
	"{\"a\":[1,2}", "{\"a\":{]}", "{\"a\":[\"]\"]}", "{\"a\":{\"b\":\"}\"}}",
	"{\"truth\":{\"episode\":\"sepsis\",\"episode_id\":7,\"fault\":null}}",
	"{\"truth\":null}", "{\"a\" : 1 , \"b\" : [ ] }", "\xef\xbb\xbf{}",
	"{\"patient_id\":\"p-1\",\"timestamp\":\"2026-01-01T00:00:00Z\","
	    "\"heart_rate\":\"88\",\"spo2\":97.5,\"blood_pressure\":"
	    "{\"systolic\":120,\"diastolic\":80}}",
};

static void
test_tricky(void **state)
{
	(void)state;
	struct record *r = record_new(unit_reading);

	for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++)
		check_str(r, tricky[i]);
	/* A byte that ends a plain run at every place in an 8-byte word,
	 * after a run and after an escape: the word test finds it there. */
	static const char *const ends[] = {
		"\\\"", "\\\\", "\\n", "\t", "\x1f", "\x7f", "\xc3\xa9",
		"\xff", "\\u00e9",
	};
	for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++)
		for (int k = 0; k < 18; k++) {
			char line[96];
			snprintf(line, sizeof line, "{\"a\":\"%.*s%s%s\"}", k,
			    "abcdefghijklmnopqrstuvwxyz", ends[e],
			    k % 2 ? "\\\"0123456789" : "0123456789abc");
			check_str(r, line);
		}
	/* NUL bytes inside a line. */
	check_one(r, "{\"a\":\"x\0y\"}", 11);
	check_one(r, "{\"a\":1}\0", 8);
	check_one(r, "\0{\"a\":1}", 8);
	record_free(r);
}

static void
test_deep_nesting(void **state)
{
	(void)state;
	struct record *r = record_new(unit_reading);
	size_t n = 100000;
	char *s = malloc(2 * n + 16);

	memcpy(s, "{\"a\":", 5);
	memset(s + 5, '[', n);
	memset(s + 5 + n, ']', n);
	s[5 + 2 * n] = '}';
	check_one(r, s, 6 + 2 * n);	/* too deep for jansson: refused */
	memset(s + 5, '[', 100);
	memset(s + 105, ']', 100);
	s[205] = '}';
	check_one(r, s, 206);		/* fine */
	free(s);
	record_free(r);
}

static const char sample[] =
    "{\"patient_id\":\"p-000204\",\"device_id\":\"d-1d53434b\","
    "\"ward\":\"ICU\",\"timestamp\":\"2026-11-26T13:00:00.000Z\","
    "\"heart_rate\":89,\"temperature\":36.8,\"spo2\":98.8,"
    "\"respiration_rate\":13,\"blood_pressure\":\"128/81\"}";

static void
test_fast_path_taken(void **state)
{
	(void)state;
	struct record *r = record_new(unit_reading);
	uint64_t slow = record_slow_scans;

	assert_int_equal(record_scan(r, sample, strlen(sample), NULL), 0);
	assert_int_equal(record_slow_scans, slow);
	assert_int_equal(r->v[schema_find(unit_reading, "heart_rate", 10)].kind,
	    JK_INT);
	assert_int_equal(r->v[schema_find(unit_reading, "heart_rate", 10)].i, 89);
	assert_true(r->v[schema_find(unit_reading, "temperature", 11)].d == 36.8);
	assert_int_equal(r->nextra, 0);
	check_str(r, sample);
	assert_int_equal(record_slow_scans, slow);
	record_free(r);
}

/* Random values of every shape the fast path has to get right. */
static void
random_value(struct rng *g, char *buf, size_t *n)
{
	static const char *const pieces[] = {
		"\\\"", "\\\\", "\\n", "\\t", "\\/", "\\u0041", "\xc3\xa9", "a",
		"Z", " ", "0", "}", "]", ",", ":",
	};
	switch (rng_below(g, 7)) {
	case 0: /* integer */
		*n += (size_t)sprintf(buf + *n, "%lld",
		    (long long)(rng_next(g) >> rng_below(g, 64)) *
		    (rng_below(g, 2) ? 1 : -1));
		break;
	case 1: /* short decimal */
		*n += (size_t)sprintf(buf + *n, "%.*f", (int)rng_below(g, 8),
		    rng_range(g, -1000, 1000));
		break;
	case 2: /* anything %g makes */
		*n += (size_t)sprintf(buf + *n, "%.*g", 1 + (int)rng_below(g, 17),
		    (rng_uniform(g) - 0.5) * pow(10, (double)rng_below(g, 60)) /
		    1e30);
		break;
	case 3: { /* string with escapes and UTF-8 */
		buf[(*n)++] = '"';
		int k = (int)rng_below(g, 8);
		for (int i = 0; i < k; i++) {
			const char *p = pieces[rng_below(g, 15)];
			*n += (size_t)sprintf(buf + *n, "%s", p);
		}
		buf[(*n)++] = '"';
		break;
	}
	case 4:
		*n += (size_t)sprintf(buf + *n, "%s",
		    rng_below(g, 2) ? "true" : rng_below(g, 2) ? "false" : "null");
		break;
	case 5:
		*n += (size_t)sprintf(buf + *n, "{\"episode\":\"fever\","
		    "\"episode_id\":%d,\"fault\":null}", (int)rng_below(g, 99));
		break;
	default:
		*n += (size_t)sprintf(buf + *n, "[%d,\"x\",[]]",
		    (int)rng_below(g, 9));
		break;
	}
}

static void
test_random_objects(void **state)
{
	(void)state;
	static const char *const keys[] = {
		"patient_id", "heart_rate", "temperature", "spo2", "truth",
		"x", "unknown_key", "ward", "",
	};
	struct record *r = record_new(unit_reading);
	struct rng g;
	char buf[4096];
	int valid = 0;
	uint64_t slow0 = record_slow_scans, scans0 = record_scans;

	rng_seed(&g, 42);
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = 0;
		int k = (int)rng_below(&g, 6);
		buf[n++] = '{';
		for (int i = 0; i < k; i++) {
			if (i > 0)
				buf[n++] = ',';
			if (rng_below(&g, 4) == 0)
				buf[n++] = ' ';
			n += (size_t)sprintf(buf + n, "\"%s\":",
			    keys[rng_below(&g, 9)]);
			random_value(&g, buf, &n);
		}
		buf[n++] = '}';
		valid += check_one(r, buf, n);
	}
	/* Most are valid, and most valid ones never touched jansson. */
	assert_true(valid > 10000);
	uint64_t slow = record_slow_scans - slow0;
	uint64_t scans = record_scans - scans0;
	fprintf(stderr, "random objects: %d valid of 20000, %llu of %llu "
	    "scans took the slow path\n", valid, (unsigned long long)slow,
	    (unsigned long long)scans);
	assert_true(slow < scans / 2);
	record_free(r);
}

/* Mutations of a real reading: flips, cuts, insertions, duplicates. */
static void
test_mutations(void **state)
{
	(void)state;
	static const char inserts[] = "{}[]\",:\\ 0-.eE\x00\xc3\xff\t\r";
	struct record *r = record_new(unit_reading);
	struct rng g;
	char buf[1024];
	size_t base = strlen(sample);

	rng_seed(&g, 7);
	for (int iter = 0; iter < 30000; iter++) {
		size_t n = base;
		memcpy(buf, sample, base);
		int edits = 1 + (int)rng_below(&g, 3);
		for (int e = 0; e < edits; e++) {
			size_t at = rng_below(&g, n + 1);
			switch (rng_below(&g, 4)) {
			case 0: /* replace a byte */
				if (at < n)
					buf[at] = inserts[rng_below(&g,
					    sizeof inserts - 1)];
				break;
			case 1: /* delete a byte */
				if (at < n) {
					memmove(buf + at, buf + at + 1, n - at - 1);
					n--;
				}
				break;
			case 2: /* insert a byte */
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = inserts[rng_below(&g,
				    sizeof inserts - 1)];
				n++;
				break;
			default: /* cut */
				n = at;
				break;
			}
		}
		check_one(r, buf, n);
	}
	record_free(r);
}

static void
test_setters_print(void **state)
{
	(void)state;
	struct schema *silver;
	char err[256];
	struct writer w;

	silver = schema_load("silver", err, sizeof err);
	assert_non_null(silver);
	struct record *r = record_new(silver);
	rec_set_str(r, schema_need(silver, "patient_id"), "p\"1", 3);
	rec_set_time(r, schema_need(silver, "event_time"),
	    INT64_C(1767225600000001));
	rec_set_date(r, schema_need(silver, "event_date"), 20454);
	rec_set_int(r, schema_need(silver, "heart_rate"), 72);
	rec_set_real(r, schema_need(silver, "temperature"), 37.0);
	rec_set_bool(r, schema_need(silver, "alert_fever"), false);
	rec_set_null(r, schema_need(silver, "ward"));
	writer_open_memory(&w);
	record_print(r, &w);
	assert_int_equal(w.len, strlen(
	    "{\"patient_id\":\"p\\\"1\",\"ward\":null,"
	    "\"event_time\":\"2026-01-01T00:00:00.000001Z\","
	    "\"event_date\":\"2026-01-01\",\"heart_rate\":72,"
	    "\"temperature\":37.0,\"alert_fever\":false}\n"));
	assert_memory_equal(w.buf,
	    "{\"patient_id\":\"p\\\"1\",\"ward\":null,"
	    "\"event_time\":\"2026-01-01T00:00:00.000001Z\","
	    "\"event_date\":\"2026-01-01\",\"heart_rate\":72,"
	    "\"temperature\":37.0,\"alert_fever\":false}\n", w.len);
	writer_close(&w);
	record_free(r);
	schema_free(silver);
}

static void
test_fmt_double(void **state)
{
	(void)state;
	char buf[40];
	struct rng g;

	assert_int_equal(fmt_double(buf, 36.8), 4);
	assert_memory_equal(buf, "36.8", 4);
	assert_int_equal(fmt_double(buf, 0.1 + 0.2), 19);
	buf[fmt_double(buf, -0.0)] = '\0';
	assert_string_equal(buf, "-0.0");
	buf[fmt_double(buf, 1e300)] = '\0';
	assert_string_equal(buf, "1e+300");
	buf[fmt_double(buf, 100.0)] = '\0';
	assert_string_equal(buf, "100.0");
	buf[fmt_double(buf, 0.000123)] = '\0';
	assert_string_equal(buf, "0.000123");
	/* Every double reads back to itself, in at most 24 bytes (the
	 * longest is like -2.2250738585072014e-308). */
	rng_seed(&g, 3);
	for (int i = 0; i < 200000; i++) {
		double d;
		uint64_t bits = rng_next(&g);
		if (i % 2)
			d = (double)(int64_t)rng_below(&g, 2000000) / 10.0;
		else
			memcpy(&d, &bits, sizeof d);
		if (!isfinite(d))
			continue;
		size_t n = fmt_double(buf, d);
		buf[n] = '\0';
		assert_true(strtod(buf, NULL) == d);
		assert_true(n <= 24);
		assert_non_null(strpbrk(buf, ".e"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tricky),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_fast_path_taken),
		cmocka_unit_test(test_random_objects),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_setters_print),
		cmocka_unit_test(test_fmt_double),
	};
	return cmocka_run_group_tests(tests, unit_reading_setup,
	    unit_reading_teardown);
}
