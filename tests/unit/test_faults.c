/*
 * faults: the monitor's lines.  Without faults, each line is the reading
 * itself, fields in the schema's order, with or without the per-patient
 * prefix; with them, every line is checked against the reading it came
 * from for what its kind promises (jansson is the judge of "never valid
 * JSON"), the held-back kinds against the readings they came after, the
 * kinds against a uniform draw, and the counts against the lines.
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

#include "cohort.h"
#include "faults.h"
#include "isotime.h"
#include "writer.h"
#include "physiology.h"
#include "rng.h"
#include "schema.h"

#define SEC	INT64_C(1000000)
#define IVAL	(5 * SEC)		/* the reading interval */

static struct patient pats[3];
static char ids[3][16];
static int64_t t0;

static int
setup(void **state)
{
	if (unit_reading_setup(state) != 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		snprintf(ids[i], sizeof ids[i], "p-%d", i);
		pats[i].id = ids[i];
		pats[i].id_len = strlen(ids[i]);
		snprintf(pats[i].device_id, sizeof pats[i].device_id,
		    "mon-%03d", i);
		pats[i].ward = (enum ward)(i % NWARDS);
	}
	if (iso_parse("2026-03-01T08:00:00Z", 20, &t0) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	return unit_reading_teardown(state);
}

/* Reading k of patient p: k intervals after t0, values from k, each a
 * plausible monitor value as physiology.h rounds them. */
static struct reading
reading_of(const struct patient *p, int k)
{
	struct reading r = { .patient = p, .t = t0 + (int64_t)k * IVAL };

	r.hr = 60 + k % 50;
	r.rr = 12 + k % 9;
	r.sbp = 110 + k % 40;
	r.dbp = 60 + k % 25;
	r.temp = (360 + k % 20) / 10.0;
	r.spo2 = 93 + k % 8;
	return r;
}

/* The lines written to a memory writer since *mark, split in place. */
struct lines {
	char **s;
	size_t n, cap;
	size_t *call;		/* the faults_emit call that wrote each */
};

static size_t
take_lines(struct writer *w, size_t *mark, struct lines *ls, size_t call)
{
	size_t got = 0;

	while (*mark < w->len) {
		char *nl = memchr(w->buf + *mark, '\n', w->len - *mark);
		assert_non_null(nl);
		if (ls->n == ls->cap) {
			ls->cap = ls->cap ? 2 * ls->cap : 1024;
			ls->s = realloc(ls->s, ls->cap * sizeof *ls->s);
			ls->call = realloc(ls->call,
			    ls->cap * sizeof *ls->call);
		}
		ls->s[ls->n] = strndup(w->buf + *mark,
		    (size_t)(nl - (w->buf + *mark)));
		ls->call[ls->n++] = call;
		*mark = (size_t)(nl - w->buf) + 1;
		got++;
	}
	return got;
}

static void
lines_free(struct lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->s[i]);
	free(ls->s);
	free(ls->call);
	memset(ls, 0, sizeof *ls);
}

static void
test_names(void **state)
{
	(void)state;
	static const char *const want[NFAULTS] = { "none", "malformed",
	    "missing_field", "wrong_type", "fahrenheit", "duplicate",
	    "out_of_order", "late", "dropout", "impossible" };

	for (int k = 0; k < NFAULTS; k++)
		assert_string_equal(fault_name((enum fault_kind)k), want[k]);
}

/* A field's expected value as JSON, from the reading. */
static json_t *
expected(const struct reading *r, const char *field)
{
	char bp[32];

	if (strcmp(field, "patient_id") == 0)
		return json_string(r->patient->id);
	if (strcmp(field, "device_id") == 0)
		return json_string(r->patient->device_id);
	if (strcmp(field, "ward") == 0)
		return json_string(ward_name(r->patient->ward));
	if (strcmp(field, "heart_rate") == 0)
		return json_integer(r->hr);
	if (strcmp(field, "respiration_rate") == 0)
		return json_integer(r->rr);
	if (strcmp(field, "temperature") == 0)
		return json_real(r->temp);
	if (strcmp(field, "spo2") == 0)
		return json_real(r->spo2);
	if (strcmp(field, "blood_pressure") == 0) {
		snprintf(bp, sizeof bp, "%d/%d", r->sbp, r->dbp);
		return json_string(bp);
	}
	return NULL;
}

/* True if v is what the reading says for field (numbers by value). */
static bool
matches(const struct reading *r, const char *field, json_t *v)
{
	json_t *want;
	bool ok;

	if (v == NULL)
		return false;
	if (strcmp(field, "timestamp") == 0) {
		int64_t t;
		return json_is_string(v) && iso_parse(json_string_value(v),
		    json_string_length(v), &t) == 0 && t == r->t;
	}
	if ((want = expected(r, field)) == NULL)
		return false;
	if (json_is_number(want) && json_is_number(v))
		ok = json_number_value(want) == json_number_value(v) &&
		    json_is_integer(want) == json_is_integer(v);
	else
		ok = json_equal(want, v);
	json_decref(want);
	return ok;
}

/* The reading fields of a line that are not as the reading says. */
static int
mismatches(const struct reading *r, json_t *line, const char **which)
{
	int n = 0;

	for (size_t i = 0; i < unit_reading->n; i++) {
		const char *name = unit_reading->f[i].name;
		if (strcmp(name, "truth") == 0)
			continue;
		if (!matches(r, name, json_object_get(line, name))) {
			*which = name;
			n++;
		}
	}
	return n;
}

/*
 * Without faults a line is the reading: every field of the schema, in
 * its order, with the reading's values; truth null when on and absent
 * when off, and an episode's label when there is one.  The per-patient
 * prefix changes nothing of the bytes.
 */
static void
test_clean_lines(void **state)
{
	(void)state;
	struct writer w[2];
	struct faults *f[2];
	struct rng g;
	char err[200];

	for (int truth = 0; truth < 2; truth++) {
		for (int k = 0; k < 2; k++) {
			writer_open_memory(&w[k]);
			f[k] = faults_new(unit_reading, &w[k], 0, truth, IVAL,
			    err, sizeof err);
			assert_non_null(f[k]);
		}
		faults_add_patients(f[1], pats, 3);
		rng_seed(&g, 1);
		for (int k = 0; k < 300; k++) {
			struct reading r = reading_of(&pats[k % 3], k);
			if (k % 7 == 0) {
				r.episode = "sepsis";
				r.episode_id = 40 + k;
			}
			for (int i = 0; i < 2; i++)
				assert_int_equal(faults_emit(f[i], &r, &g, 10),
				    1);
		}
		assert_int_equal(faults_drain(f[0], 10), 0);
		assert_int_equal(w[0].len, w[1].len);
		assert_memory_equal(w[0].buf, w[1].buf, w[0].len);

		size_t mark = 0;
		struct lines ls = { 0 };
		take_lines(&w[0], &mark, &ls, 0);
		assert_int_equal(ls.n, 300);
		for (size_t i = 0; i < ls.n; i++) {
			struct reading r = reading_of(&pats[i % 3], (int)i);
			json_error_t je;
			json_t *j = json_loads(ls.s[i], 0, &je);
			const char *key, *which = NULL;
			json_t *v;
			size_t field = 0;
			if (j == NULL)
				fail_msg("%s: %s", ls.s[i], je.text);
			assert_int_equal(mismatches(&r, j, &which), 0);
			/* The schema's order, and nothing else. */
			json_object_foreach(j, key, v) {
				while (field < unit_reading->n &&
				    strcmp(unit_reading->f[field].name, key))
					field++;
				if (field == unit_reading->n)
					fail_msg("%s: key %s out of order",
					    ls.s[i], key);
			}
			assert_int_equal(json_object_size(j),
			    unit_reading->n - !truth);
			json_t *tr = json_object_get(j, "truth");
			if (!truth) {
				assert_null(tr);
			} else if (i % 7 == 0) {
				json_t *want = json_pack("{s:s,s:I,s:n}",
				    "episode", "sepsis", "episode_id",
				    (json_int_t)(40 + i), "fault");
				assert_true(json_equal(tr, want));
				json_decref(want);
			} else {
				assert_true(json_is_null(tr));
			}
			for (int k = 0; k < NFAULTS; k++)
				assert_int_equal(faults_count(f[0],
				    (enum fault_kind)k), 0);
			json_decref(j);
		}
		lines_free(&ls);
		for (int k = 0; k < 2; k++) {
			faults_free(f[k]);
			writer_close(&w[k]);
		}
	}
}

/* The kind a parseable line's truth names; asserts the label's shape. */
static enum fault_kind
kind_of(json_t *line)
{
	json_t *tr = json_object_get(line, "truth"), *fl;

	assert_true(json_is_object(tr));
	assert_int_equal(json_object_size(tr), 3);
	assert_non_null(json_object_get(tr, "episode"));
	assert_non_null(json_object_get(tr, "episode_id"));
	fl = json_object_get(tr, "fault");
	assert_true(json_is_string(fl));
	for (int k = 1; k < NFAULTS; k++)
		if (strcmp(json_string_value(fl),
		    fault_name((enum fault_kind)k)) == 0)
			return (enum fault_kind)k;
	fail_msg("unknown fault %s", json_string_value(fl));
	return FAULT_NONE;
}

static bool
in_range(json_t *v, double lo, double hi)
{
	return json_is_number(v) && json_number_value(v) >= lo &&
	    json_number_value(v) <= hi;
}

/* Checks what a line of kind k does to reading r; emitted is the time
 * of the reading whose faults_emit call wrote it (INT64_MAX: the drain
 * after the last reading, at time last). */
static void
check_kind(enum fault_kind k, const struct reading *r, json_t *j,
    const char *text, int64_t emitted, int64_t last)
{
	const char *which = NULL;
	int bad = mismatches(r, j, &which);
	json_t *v;
	char buf[64];

	switch (k) {
	case FAULT_MISSING_FIELD:
		assert_int_equal(bad, 1);
		assert_null(json_object_get(j, which));
		break;
	case FAULT_WRONG_TYPE:
		assert_int_equal(bad, 1);
		v = json_object_get(j, which);
		if (strcmp(which, "timestamp") == 0) {
			/* Epoch milliseconds. */
			assert_true(json_is_integer(v));
			assert_int_equal(json_integer_value(v), r->t / 1000);
		} else if (strcmp(which, "blood_pressure") == 0) {
			assert_true(json_is_integer(v));
			assert_int_equal(json_integer_value(v), r->sbp);
		} else {
			/* "88", or "n/a", where a number belongs. */
			json_t *want = expected(r, which);
			assert_true(json_is_string(v));
			if (strcmp(json_string_value(v), "n/a") != 0) {
				double d = strtod(json_string_value(v), NULL);
				assert_true(d == json_number_value(want));
			}
			json_decref(want);
		}
		break;
	case FAULT_FAHRENHEIT:
		assert_int_equal(bad, 1);
		assert_string_equal(which, "temperature");
		v = json_object_get(j, "temperature");
		assert_true(fabs(json_number_value(v) -
		    round((r->temp * 9 / 5 + 32) * 10) / 10) < 1e-9);
		break;
	case FAULT_DUPLICATE:
		assert_int_equal(bad, 0);
		break;
	case FAULT_OUT_OF_ORDER:
		/* Held 1.2 to 3 intervals: written before the first reading
		 * at or after it falls due, or by the drain at the end if
		 * none came. */
		assert_int_equal(bad, 0);
		if (emitted == INT64_MAX) {
			assert_true(last < r->t + 3 * IVAL);
			break;
		}
		assert_true(emitted >= r->t + IVAL * 12 / 10);
		assert_true(emitted < r->t + 3 * IVAL + IVAL);
		break;
	case FAULT_LATE:
		/* One to ten minutes. */
		assert_int_equal(bad, 0);
		if (emitted == INT64_MAX) {
			assert_true(last < r->t + 600 * SEC);
			break;
		}
		assert_true(emitted >= r->t + 60 * SEC);
		assert_true(emitted < r->t + 600 * SEC + IVAL);
		break;
	case FAULT_DROPOUT:
		assert_int_equal(bad, 1);
		v = json_object_get(j, which);
		if (strcmp(which, "heart_rate") == 0)
			assert_true(json_is_integer(v) &&
			    json_integer_value(v) == 0);
		else if (strcmp(which, "spo2") == 0)
			assert_true(json_is_null(v) ||
			    (json_is_number(v) && json_number_value(v) == 0));
		else
			fail_msg("dropout of %s: %s", which, text);
		break;
	case FAULT_IMPOSSIBLE:
		assert_int_equal(bad, 1);
		v = json_object_get(j, which);
		if (strcmp(which, "heart_rate") == 0) {
			assert_true(in_range(v, 350, 449));
		} else if (strcmp(which, "temperature") == 0) {
			assert_true(in_range(v, 46.0, 59.9));
		} else if (strcmp(which, "spo2") == 0) {
			assert_true(in_range(v, 101, 130));
		} else if (strcmp(which, "respiration_rate") == 0) {
			assert_true(in_range(v, 90, 149));
		} else {
			assert_string_equal(which, "blood_pressure");
			snprintf(buf, sizeof buf, "%d/%d", r->dbp, r->sbp);
			assert_string_equal(json_string_value(v), buf);
		}
		break;
	default:
		fail_msg("%s: kind %s here", text, fault_name(k));
	}
}

/*
 * Every reading faulty, truth on, one patient: each line is checked
 * against its reading for what its kind does, every reading is written
 * once (a duplicate twice, byte for byte, one after the other), the
 * kinds come out about equally often, and the counts are the lines'.
 */
static void
test_every_fault(void **state)
{
	(void)state;
	enum { N = 9000 };
	static int seen[N];
	uint64_t kinds[NFAULTS] = { 0 }, written = 0;
	struct lines ls = { 0 };
	struct writer w;
	struct faults *f;
	struct rng g;
	char err[200];
	size_t mark = 0, malformed = 0;

	memset(seen, 0, sizeof seen);
	writer_open_memory(&w);
	f = faults_new(unit_reading, &w, 1.0, true, IVAL, err, sizeof err);
	assert_non_null(f);
	faults_add_patients(f, pats, 1);
	rng_seed(&g, 42);
	for (int k = 0; k < N; k++) {
		struct reading r = reading_of(&pats[0], k);
		uint64_t n = faults_emit(f, &r, &g, UINT64_MAX);
		/* It says how many lines it wrote. */
		assert_int_equal(take_lines(&w, &mark, &ls, (size_t)k), n);
		written += n;
	}
	uint64_t n = faults_drain(f, UINT64_MAX);
	assert_int_equal(take_lines(&w, &mark, &ls, N), n);
	written += n;
	assert_int_equal(faults_drain(f, UINT64_MAX), 0);

	for (size_t i = 0; i < ls.n; i++) {
		json_t *j = json_loads(ls.s[i], 0, NULL);
		size_t call = ls.call[i];
		int64_t emitted = call < N ? t0 + (int64_t)call * IVAL :
		    INT64_MAX;
		int64_t t;
		int k;

		if (j == NULL) {
			/* Only a malformed line is not JSON, and it is
			 * written when its reading is. */
			assert_true(call < N);
			assert_int_equal(ls.s[i][0], '{');
			seen[call]++;
			malformed++;
			kinds[FAULT_MALFORMED]++;
			continue;
		}
		enum fault_kind kind = kind_of(j);
		json_t *ts = json_object_get(j, "timestamp");
		if (json_is_string(ts) && iso_parse(json_string_value(ts),
		    json_string_length(ts), &t) == 0) {
			k = (int)((t - t0) / IVAL);
		} else {
			/* Without a usable time it is its call's reading. */
			assert_true(kind == FAULT_WRONG_TYPE ||
			    kind == FAULT_MISSING_FIELD);
			k = (int)call;
		}
		assert_true(k >= 0 && k < N);
		struct reading r = reading_of(&pats[0], k);
		if (kind != FAULT_OUT_OF_ORDER && kind != FAULT_LATE)
			assert_int_equal(k, (int)call);
		check_kind(kind, &r, j, ls.s[i], emitted,
		    t0 + (int64_t)(N - 1) * IVAL);
		if (kind == FAULT_DUPLICATE) {
			/* The copy follows, byte for byte, and is the same
			 * reading, counted once. */
			assert_true(i + 1 < ls.n);
			assert_string_equal(ls.s[i + 1], ls.s[i]);
			i++;
		}
		seen[k]++;
		kinds[kind]++;
		json_decref(j);
	}
	for (int k = 0; k < N; k++)
		if (seen[k] != 1)
			fail_msg("reading %d written %d times", k, seen[k]);
	assert_int_equal(written, N + kinds[FAULT_DUPLICATE]);
	assert_int_equal(faults_count(f, FAULT_NONE), 0);
	for (int k = 1; k < NFAULTS; k++) {
		assert_int_equal(faults_count(f, (enum fault_kind)k), kinds[k]);
		/* Uniform: N / 9 each, 5 standard deviations either way. */
		assert_true(kinds[k] > 1000 - 150 && kinds[k] < 1000 + 150);
	}
	assert_true(malformed > 0);
	lines_free(&ls);
	faults_free(f);
	writer_close(&w);
}

/* The rate is the share of readings made faulty. */
static void
test_rate(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct writer w;
	struct faults *f;
	struct rng g;
	char err[200];
	uint64_t faulty = 0;

	writer_open_memory(&w);
	f = faults_new(unit_reading, &w, 0.3, false, IVAL, err, sizeof err);
	assert_non_null(f);
	rng_seed(&g, 7);
	for (int k = 0; k < N; k++) {
		struct reading r = reading_of(&pats[k % 3], k / 3);
		faults_emit(f, &r, &g, UINT64_MAX);
		w.len = 0;
	}
	faults_drain(f, UINT64_MAX);
	for (int k = 1; k < NFAULTS; k++)
		faulty += faults_count(f, (enum fault_kind)k);
	/* 6000 expected, standard deviation 65. */
	assert_true(faulty > 6000 - 325 && faulty < 6000 + 325);
	faults_free(f);
	writer_close(&w);
}

/*
 * The budget caps the lines of a call, held ones and duplicates
 * included; the return is what was written; drain lets out the rest.
 */
static void
test_budget(void **state)
{
	(void)state;
	struct lines ls = { 0 };
	struct writer w;
	struct faults *f;
	struct rng g;
	char err[200];
	size_t mark = 0;
	uint64_t total = 0, n;

	writer_open_memory(&w);
	f = faults_new(unit_reading, &w, 1.0, true, IVAL, err, sizeof err);
	assert_non_null(f);
	rng_seed(&g, 3);
	struct reading r0 = reading_of(&pats[0], 0);
	assert_int_equal(faults_emit(f, &r0, &g, 0), 0);
	assert_int_equal(w.len, 0);
	for (int k = 1; k < 3000; k++) {
		struct reading r = reading_of(&pats[0], k);
		n = faults_emit(f, &r, &g, 1);
		assert_true(n <= 1);
		assert_int_equal(take_lines(&w, &mark, &ls, (size_t)k), n);
		total += n;
	}
	/* Some readings were held back; drain gives them a few at a time,
	 * in the order they fall due. */
	n = faults_drain(f, 2);
	assert_int_equal(n, 2);
	assert_int_equal(take_lines(&w, &mark, &ls, 0), 2);
	n = faults_drain(f, UINT64_MAX);
	assert_int_equal(take_lines(&w, &mark, &ls, 0), n);
	assert_int_equal(faults_drain(f, UINT64_MAX), 0);
	assert_int_equal(ls.n, total + 2 + n);
	lines_free(&ls);
	faults_free(f);
	writer_close(&w);
}

/*
 * A schema's own fields: one this module does not know is null when it
 * may be, and refused (by name) when it may not; the order is the
 * schema's even when the patient's fields do not lead.
 */
static void
test_schema_fields(void **state)
{
	(void)state;
	static const char own[] = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"timestamp\",\"type\":\"timestamp\",\"nullable\":false,"
	    "\"metadata\":{}},"
	    "{\"name\":\"firmware\",\"type\":\"string\",\"nullable\":true,"
	    "\"metadata\":{}},"
	    "{\"name\":\"patient_id\",\"type\":\"string\",\"nullable\":false,"
	    "\"metadata\":{}},"
	    "{\"name\":\"heart_rate\",\"type\":\"integer\",\"nullable\":true,"
	    "\"metadata\":{}}]}";
	static const char strict[] = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"patient_id\",\"type\":\"string\",\"nullable\":false,"
	    "\"metadata\":{}},"
	    "{\"name\":\"serial\",\"type\":\"string\",\"nullable\":false,"
	    "\"metadata\":{}}]}";
	char err[200] = "", line[256];
	struct schema *s = schema_parse(own, sizeof own - 1, err, sizeof err);
	struct schema *bad = schema_parse(strict, sizeof strict - 1, err,
	    sizeof err);
	struct reading r = reading_of(&pats[1], 2);
	struct writer w;
	struct faults *f;
	struct rng g;

	assert_non_null(s);
	assert_non_null(bad);
	writer_open_memory(&w);
	assert_null(faults_new(bad, &w, 0, false, IVAL, err, sizeof err));
	assert_non_null(strstr(err, "serial"));
	f = faults_new(s, &w, 0, true, IVAL, err, sizeof err);
	assert_non_null(f);
	faults_add_patients(f, pats, 3);
	rng_seed(&g, 1);
	assert_int_equal(faults_emit(f, &r, &g, 1), 1);
	snprintf(line, sizeof line, "{\"timestamp\":"
	    "\"2026-03-01T08:00:10.000Z\",\"firmware\":null,"
	    "\"patient_id\":\"p-1\",\"heart_rate\":%d}\n", r.hr);
	assert_int_equal(w.len, strlen(line));
	assert_memory_equal(w.buf, line, w.len);
	faults_free(f);
	writer_close(&w);
	schema_free(s);
	schema_free(bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_clean_lines),
		cmocka_unit_test(test_every_fault),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_schema_fields),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
