/*
 * trainset: which lines train (not the unusable, not episodes, not rows
 * with a feature undefined) and that the counts always add up; the rows
 * are the extractor's features of exactly the training readings, with
 * the episodes still moving the baseline; the reservoir keeps every row
 * with the same chance and the same rows for the same seed; the hash is
 * the file's sha256sum where the header says it is, and the reader's
 * lines where it is not; the provenance keys; Synthea's spot checks,
 * with the held rows' medians for what Synthea did not record.
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
#include <openssl/evp.h>

#include "featurize.h"
#include "iforest.h"
#include "isotime.h"
#include "reader.h"
#include "record.h"
#include "schema.h"
#include "trainset.h"

#define SEC	INT64_C(1000000)
#define WARM	480		/* 40 minutes of 5 s readings */

static struct feature_set fs;
static struct features_config fc;
static char dir[256];

static int
setup(void **state)
{
	char err[256];

	(void)state;
	features_config_init(&fc);
	if (feature_set_parse("default", &fs, err, sizeof err) != 0)
		return -1;
	unit_tmpdir(dir, sizeof dir, "trainset");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unit_rmtree(dir);
	return 0;
}

/* The features' index by name. */
static size_t
feature(const char *name)
{
	for (size_t i = 0; i < fs.n; i++)
		if (strcmp(fs.name[i], name) == 0)
			return i;
	fail_msg("no feature %s", name);
	return 0;
}

/* Silver line k of a patient's history: a reading every 5 s from 08:00,
 * heart rate hr, the rest steady; episode labels it (NULL: none). */
static char *
silver(char *buf, size_t n, const char *pid, int k, int hr,
    const char *episode)
{
	char ts[40], truth[128] = "";
	int64_t t0;

	assert_int_equal(iso_parse("2026-03-01T08:00:00Z", 20, &t0), 0);
	ts[iso_format(ts, t0 + (int64_t)k * 5 * SEC)] = '\0';
	if (episode != NULL)
		snprintf(truth, sizeof truth, ",\"truth\":{\"episode\":\"%s\","
		    "\"episode_id\":3,\"fault\":null}", episode);
	snprintf(buf, n, "{\"patient_id\":\"%s\",\"event_time\":\"%s\","
	    "\"heart_rate\":%d,\"respiration_rate\":%d,\"spo2\":%d.0,"
	    "\"temperature\":36.%d,\"bp_systolic\":%d,\"bp_diastolic\":%d%s}",
	    pid, ts, hr, 14 + k % 3, 96 + k % 3, 5 + k % 4, 118 + k % 5,
	    76 + k % 3, truth);
	return buf;
}

static struct line
line_of(char *text)
{
	struct line ln = { .text = text, .len = strlen(text),
	    .full_len = strlen(text), .source = "test", .lineno = 1 };

	return ln;
}

static void
add(struct trainset *ts, char *text)
{
	struct line ln = line_of(text);

	trainset_add_line(ts, &ln);
}

static void
check_sum(const struct trainset_counts *c)
{
	assert_int_equal(c->read, c->unusable + c->in_episodes +
	    c->incomplete + c->offered - (uint64_t)c->spot_checks);
}

/*
 * Every kind of line, and after each one the counts add up: blank lines
 * are not read at all; a line that is not a Silver reading is unusable
 * (truncated, not JSON, no patient_id, no event_time); an episode is
 * kept out; the warm-up is incomplete; the rest is offered.
 */
static void
test_counts(void **state)
{
	(void)state;
	char err[256], buf[512];
	struct trainset *ts = trainset_new(&fs, &fc, 1000, 1, err,
	    sizeof err);
	const struct trainset_counts *c;
	struct line ln;

	assert_non_null(ts);
	c = trainset_counts(ts);
	add(ts, "");
	add(ts, "  \t");
	assert_int_equal(c->read, 0);
	add(ts, "not json");
	add(ts, "{\"event_time\":\"2026-03-01T08:00:00Z\",\"heart_rate\":70}");
	add(ts, "{\"patient_id\":\"p\",\"heart_rate\":70}");
	add(ts, "{\"patient_id\":\"\","
	    "\"event_time\":\"2026-03-01T08:00:00Z\"}");
	add(ts, "{\"patient_id\":\"p\",\"event_time\":\"later\"}");
	/* A cut line is not a reading even when its head parses. */
	ln = line_of(silver(buf, sizeof buf, "p", 0, 70, NULL));
	ln.truncated = true;
	ln.full_len = ln.len + 100;
	trainset_add_line(ts, &ln);
	assert_int_equal(c->read, 6);
	assert_int_equal(c->unusable, 6);
	check_sum(c);
	for (int k = 0; k < WARM + 100; k++) {
		bool ep = k >= WARM && k % 10 == 0;
		add(ts, silver(buf, sizeof buf, "p", k, 70 + k % 7, ep ?
		    "sepsis" : NULL));
		check_sum(c);
	}
	/* A fault label is no episode: it trains. */
	add(ts, "{\"patient_id\":\"p\",\"event_time\":\"2026-03-01T08:48:20Z\","
	    "\"heart_rate\":72,\"respiration_rate\":14,\"spo2\":97,"
	    "\"temperature\":36.6,\"bp_systolic\":120,\"bp_diastolic\":77,"
	    "\"truth\":{\"episode\":null,\"episode_id\":null,"
	    "\"fault\":\"duplicate\"}}");
	check_sum(c);
	assert_int_equal(c->read, 6 + WARM + 100 + 1);
	assert_int_equal(c->in_episodes, 10);
	/* The warm-up is what the extractor leaves undefined; the first
	 * minutes at least, and never the readings after it. */
	assert_true(c->incomplete >= 12 * 15 && c->incomplete < WARM);
	assert_int_equal(c->offered, WARM + 100 - 10 - c->incomplete + 1);
	assert_int_equal(c->rows, c->offered);
	assert_int_equal(c->spot_checks, 0);
	trainset_free(ts);
}

/*
 * The rows held (all of them, with room to spare) are, in order, the
 * features an extractor fed every reading gives the training ones: the
 * episodes are left out of the rows but not out of the baseline, which
 * an extractor that never saw them would have otherwise.
 */
static void
test_rows_are_features(void **state)
{
	(void)state;
	enum { N = WARM + 300 };
	char err[256], buf[512];
	struct trainset *ts = trainset_new(&fs, &fc, N, 5, err, sizeof err);
	struct extractor *all = extractor_new(&fc, &fs);
	struct extractor *blind = extractor_new(&fc, &fs);
	struct schema *sv = schema_load("silver", err, sizeof err);
	struct record *r = record_new(sv);
	struct silver_fields sf;
	double *want = malloc((size_t)N * fs.n * sizeof *want);
	size_t nwant = 0, differ = 0;
	uint64_t refused;

	assert_non_null(ts);
	silver_fields_init(&sf, sv);
	for (int k = 0; k < N; k++) {
		/* Episodes: a tachycardia for 5 minutes in every 25. */
		bool ep = k >= WARM && k % 300 < 60;
		double v[NVITALS], x[FEATURES_MAX], y[FEATURES_MAX];
		const char *pid;
		size_t plen;
		int64_t t;
		bool complete = true;

		silver(buf, sizeof buf, "p", k, ep ? 150 : 70 + k % 7,
		    ep ? "sepsis" : NULL);
		add(ts, buf);
		assert_int_equal(record_scan(r, buf, strlen(buf), err), 0);
		assert_int_equal(silver_fields_get(&sf, r, &pid, &plen, &t, v,
		    NULL), 0);
		extractor_update(all, pid, plen, t, v, NULL, x);
		if (!ep)
			extractor_update(blind, pid, plen, t, v, NULL, y);
		for (size_t i = 0; i < fs.n; i++)
			complete &= !isnan(x[i]);
		if (ep || !complete)
			continue;
		for (size_t i = 0; i < fs.n; i++) {
			want[nwant * fs.n + i] = x[i];
			differ += (float)x[i] != (float)y[i];
		}
		nwant++;
	}
	struct iforest_rows *rows = trainset_rows(ts, &refused);
	assert_int_equal(refused, 0);
	assert_int_equal(rows->d, fs.n);
	assert_int_equal(rows->n, nwant);
	assert_int_equal(trainset_counts(ts)->rows, nwant);
	assert_true(nwant > 100);
	for (size_t k = 0; k < nwant; k++)
		for (size_t i = 0; i < fs.n; i++)
			if (rows->x[k * fs.n + i] != (float)want[k * fs.n + i])
				fail_msg("row %zu, %s: %g, wanted %g", k,
				    fs.name[i], rows->x[k * fs.n + i],
				    want[k * fs.n + i]);
	/* The episodes did move the baseline: the check has teeth. */
	assert_true(differ > 0);
	/* The names are the feature set's, in row order. */
	for (size_t i = 0; i < fs.n; i++)
		assert_string_equal(trainset_names(ts)[i], fs.name[i]);
	iforest_rows_free(rows);
	free(want);
	record_free(r);
	schema_free(sv);
	extractor_free(all);
	extractor_free(blind);
	trainset_free(ts);
}

/*
 * Algorithm R: every row offered has the same chance, max / offered, to
 * be held.  Each reading's heart rate is 100 + its number, so a held row
 * says which reading it was.  Over 400 seeds each row must be held a
 * number of times within 5 standard deviations of the expectation (and
 * a reading that was never offered, never).  The same seed holds the
 * same rows, in the same order.
 */
static void
test_reservoir(void **state)
{
	(void)state;
	enum { N = WARM + 100, SEEDS = 400, MAX = 40 };
	static char lines[N][512];
	int kept[N] = { 0 };
	size_t hr = feature("heart_rate");
	char err[256];
	uint64_t refused, offered = 0;
	struct iforest_rows *first = NULL;
	bool other = false;

	for (int k = 0; k < N; k++)
		silver(lines[k], sizeof lines[k], "p", k, 100 + k, NULL);
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct trainset *ts = trainset_new(&fs, &fc, MAX, seed, err,
		    sizeof err);
		bool seen[N] = { false };

		assert_non_null(ts);
		for (int k = 0; k < N; k++)
			add(ts, lines[k]);
		offered = trainset_counts(ts)->offered;
		assert_true(offered > 2 * MAX);
		assert_int_equal(trainset_counts(ts)->rows, MAX);
		struct iforest_rows *rows = trainset_rows(ts, &refused);
		assert_int_equal(rows->n, MAX);
		for (size_t i = 0; i < rows->n; i++) {
			int id = (int)rows->x[i * fs.n + hr] - 100;
			assert_true(id >= 0 && id < N);
			assert_false(seen[id]);	/* no row twice */
			seen[id] = true;
			kept[id]++;
		}
		if (seed == 1) {
			first = rows;
		} else {
			other |= memcmp(rows->x, first->x, rows->n * fs.n *
			    sizeof *rows->x) != 0;
			iforest_rows_free(rows);
		}
		trainset_free(ts);
	}
	/* The offered readings are the last ones: the warm-up is not. */
	int from = N - (int)offered;
	double p = (double)MAX / (double)offered;
	double mean = SEEDS * p, sd = sqrt(SEEDS * p * (1 - p));
	for (int k = 0; k < N; k++) {
		if (k < from) {
			assert_int_equal(kept[k], 0);
			continue;
		}
		if (fabs(kept[k] - mean) > 5 * sd)
			fail_msg("reading %d held %d times of %d, expected "
			    "%.1f", k, kept[k], SEEDS, mean);
	}
	/* In groups, a bias by position shows: the first MAX rows (which
	 * fill the reservoir), then the rest in four parts. */
	int edge[6] = { from, from + MAX };
	for (int b = 2; b < 6; b++)
		edge[b] = from + MAX + (int)(offered - MAX) * (b - 1) / 4;
	for (int b = 0; b < 5; b++) {
		double n = edge[b + 1] - edge[b], sum = 0;
		for (int k = edge[b]; k < edge[b + 1]; k++)
			sum += kept[k];
		if (fabs(sum - n * mean) > 5 * sqrt(n) * sd)
			fail_msg("readings %d to %d held %.0f times, expected "
			    "%.0f", edge[b], edge[b + 1] - 1, sum, n * mean);
	}
	assert_true(other);

	struct trainset *ts = trainset_new(&fs, &fc, MAX, 1, err, sizeof err);
	for (int k = 0; k < N; k++)
		add(ts, lines[k]);
	struct iforest_rows *again = trainset_rows(ts, &refused);
	assert_int_equal(again->n, first->n);
	assert_memory_equal(again->x, first->x,
	    first->n * fs.n * sizeof *first->x);
	iforest_rows_free(again);
	iforest_rows_free(first);
	trainset_free(ts);
}

/* SHA-256 of n bytes, in hex. */
static void
sha256(const void *p, size_t n, char hex[65])
{
	unsigned char d[32];
	unsigned len = 0;

	assert_int_equal(EVP_Digest(p, n, d, &len, EVP_sha256(), NULL), 1);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static char *
write_file(const char *name, const char *text, size_t n)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, n, fp), n);
	fclose(fp);
	return path;
}

/* Reads a file with the reader, as iforest-train does; returns the
 * provenance's hash. */
static void
hash_of_file(const char *path, size_t max_line, char hex[65])
{
	char err[256], *paths[] = { (char *)path };
	struct trainset *ts = trainset_new(&fs, &fc, 10, 1, err, sizeof err);
	struct reader *r = reader_open(paths, 1, max_line);
	json_t *prov = json_object();
	struct line ln;

	while (reader_next(r, &ln) == 1)
		trainset_add_line(ts, &ln);
	reader_close(r);
	assert_int_equal(trainset_provenance(ts, prov, "t", NULL, err,
	    sizeof err), 0);
	snprintf(hex, 65, "%s", json_string_value(json_object_get(prov,
	    "training_data_sha256")));
	json_decref(prov);
	trainset_free(ts);
}

/*
 * The hash: of a file with Unix line ends, no blank lines and no
 * over-long one, its sha256sum; otherwise that of the lines the reader
 * gave, each with "\n": without CRs, blank lines and a line cut at
 * max_line past its cut, and with a newline the last line lacked.
 */
static void
test_hash(void **state)
{
	(void)state;
	static const char lf[] = "{\"a\":1}\n{\"b\":2}\nnot json\n";
	static const char crlf[] = "{\"a\":1}\r\n\r\n{\"b\":2}\r\n  \r\n"
	    "not json";
	static const char longer[] = "{\"a\":1}\n{\"b\":2}\n"
	    "not json and more\n";
	char want[65], got[65];

	sha256(lf, sizeof lf - 1, want);
	hash_of_file(write_file("lf", lf, sizeof lf - 1), 1 << 20, got);
	assert_string_equal(got, want);
	hash_of_file(write_file("crlf", crlf, sizeof crlf - 1), 1 << 20, got);
	assert_string_equal(got, want);
	/* Cut at 8 bytes: "not json" is what was kept of the third. */
	hash_of_file(write_file("long", longer, sizeof longer - 1), 8, got);
	assert_string_equal(got, want);
	hash_of_file(write_file("long", longer, sizeof longer - 1), 1 << 20,
	    got);
	assert_string_not_equal(got, want);
	/* No lines: the hash of nothing. */
	sha256("", 0, want);
	hash_of_file(write_file("empty", "\n\n", 2), 1 << 20, got);
	assert_string_equal(got, want);
}

/* The provenance: its keys in the header's order, from the counts; the
 * date of SOURCE_DATE_EPOCH; an evaluation file's contents, or the
 * error; keys already there replaced, others kept. */
static void
test_provenance(void **state)
{
	(void)state;
	static const char *const order[] = { "training_data_sha256",
	    "readings_read", "readings_in_episodes", "readings_incomplete",
	    "synthea_spot_checks", "rows_sampled", "featurize", "date",
	    "trainer", "evaluation" };
	char err[256], buf[512], hex[65];
	struct trainset *ts = trainset_new(&fs, &fc, 50, 1, err, sizeof err);
	const struct trainset_counts *c = trainset_counts(ts);
	json_t *prov = json_object(), *v, *ev;
	const char *key, *evaluation;
	size_t i = 0;

	for (int k = 0; k < WARM + 20; k++)
		add(ts, silver(buf, sizeof buf, "p", k, 70, k % 9 == 0 ?
		    "sepsis" : NULL));
	evaluation = write_file("eval.json", "{\"auc\":0.9}", 11);
	setenv("SOURCE_DATE_EPOCH", "31536000", 1);	/* 1971-01-01 */
	assert_int_equal(trainset_provenance(ts, prov, "me 1.0", evaluation,
	    err, sizeof err), 0);
	unsetenv("SOURCE_DATE_EPOCH");
	json_object_foreach(prov, key, v) {
		assert_true(i < sizeof order / sizeof order[0]);
		assert_string_equal(key, order[i]);
		i++;
	}
	assert_int_equal(i, sizeof order / sizeof order[0]);
	assert_string_equal(json_string_value(json_object_get(prov,
	    "trainer")), "me 1.0");
	assert_int_equal(json_integer_value(json_object_get(prov,
	    "readings_read")), c->read);
	assert_int_equal(c->read, WARM + 20);
	assert_int_equal(json_integer_value(json_object_get(prov,
	    "readings_in_episodes")), c->in_episodes);
	assert_int_equal(c->in_episodes, (WARM + 20 + 8) / 9);
	assert_int_equal(json_integer_value(json_object_get(prov,
	    "readings_incomplete")), c->incomplete);
	assert_int_equal(json_integer_value(json_object_get(prov,
	    "rows_sampled")), c->rows);
	assert_int_equal(json_integer_value(json_object_get(prov,
	    "synthea_spot_checks")), 0);
	assert_string_equal(json_string_value(json_object_get(prov, "date")),
	    "1971-01-01");
	json_t *fj = features_config_to_json(&fc);
	assert_true(json_equal(json_object_get(prov, "featurize"), fj));
	json_decref(fj);
	ev = json_object_get(prov, "evaluation");
	assert_int_equal(json_object_size(ev), 1);
	assert_true(json_real_value(json_object_get(ev, "auc")) == 0.9);
	snprintf(hex, sizeof hex, "%s", json_string_value(json_object_get(prov,
	    "training_data_sha256")));
	json_decref(prov);

	/* The set is not changed by it: one more line, and the hash moves
	 * on.  What was there is replaced where it was, or kept. */
	add(ts, "{}");
	prov = json_pack("{s:i,s:s}", "other", 1, "trainer", "old");
	assert_int_equal(trainset_provenance(ts, prov, "me", NULL, err,
	    sizeof err), 0);
	assert_string_not_equal(json_string_value(json_object_get(prov,
	    "training_data_sha256")), hex);
	assert_int_equal(json_integer_value(json_object_get(prov, "other")),
	    1);
	assert_string_equal(json_string_value(json_object_get(prov,
	    "trainer")), "me");
	assert_null(json_object_get(prov, "evaluation"));
	json_decref(prov);

	/* An evaluation that cannot be read or parsed: -1, "path: why",
	 * and the other keys set. */
	prov = json_object();
	assert_int_equal(trainset_provenance(ts, prov, "me", "/nonexistent/e",
	    err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/e: "));
	assert_int_equal(json_object_size(prov), 9);
	assert_null(json_object_get(prov, "evaluation"));
	json_decref(prov);
	prov = json_object();
	evaluation = write_file("bad.json", "{\"auc\":", 7);
	assert_int_equal(trainset_provenance(ts, prov, "me", evaluation, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, evaluation));
	assert_int_equal(json_object_size(prov), 9);
	json_decref(prov);
	trainset_free(ts);
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

static void
observations(const char *rows)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof path, "%s/observations.csv", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,"
	    "TYPE\n", fp);
	fputs(rows, fp);
	fclose(fp);
}

/* A check-up of patient p on day d: heart rate, breathing, BP, and
 * what more is given. */
#define VISIT(p, d, hr, rr, sys, dia) \
	d "," p ",e,vital-signs,8867-4,Heart rate," hr ",/min,numeric\n" \
	d "," p ",e,vital-signs,9279-1,Respiratory rate," rr ",/min,numeric\n" \
	d "," p ",e,vital-signs,8480-6,Systolic," sys ",mm[Hg],numeric\n" \
	d "," p ",e,vital-signs,8462-4,Diastolic," dia ",mm[Hg],numeric\n"

/*
 * Spot checks: one row per encounter with heart rate, breathing and BP,
 * as recorded; deviations and trends 0; SpO2 and temperature, when not
 * recorded, the median of the rows held at the call (0 with none held).
 * Other categories and non-numeric values are not vital signs.  They go
 * through the reservoir and the counts.
 */
static void
test_synthea(void **state)
{
	(void)state;
	char err[256], buf[512];
	struct trainset *ts = trainset_new(&fs, &fc, 1000, 1, err,
	    sizeof err);
	const struct trainset_counts *c = trainset_counts(ts);
	size_t spo2 = feature("spo2"), temp = feature("temperature");
	struct iforest_rows *rows;
	uint64_t refused;

	/* Nothing readable: -1, and nothing added. */
	assert_int_equal(trainset_add_synthea(ts, "/nonexistent", true, err,
	    sizeof err), -1);
	assert_true(err[0] != '\0');
	assert_int_equal(c->spot_checks, 0);
	assert_int_equal(c->offered, 0);

	observations(VISIT("a", "2020-01-01", "72", "14", "118", "76")
	    "2020-01-01,a,e,laboratory,2708-6,SpO2,50,%,numeric\n"
	    "2020-01-01,a,e,vital-signs,8310-5,Temp,text,Cel,text\n"
	    /* No breathing rate: not an encounter to add. */
	    "2020-02-01,a,e,vital-signs,8867-4,Heart rate,80,/min,numeric\n"
	    "2020-02-01,a,e,vital-signs,8480-6,Systolic,120,mm[Hg],numeric\n"
	    "2020-02-01,a,e,vital-signs,8462-4,Diastolic,80,mm[Hg],numeric\n");
	assert_int_equal(trainset_add_synthea(ts, dir, true, err, sizeof err),
	    1);
	assert_int_equal(c->spot_checks, 1);
	assert_int_equal(c->offered, 1);
	check_sum(c);
	rows = trainset_rows(ts, &refused);
	assert_int_equal(rows->n, 1);
	for (size_t i = 0; i < fs.n; i++) {
		double want = 0;
		if (strcmp(fs.name[i], "heart_rate") == 0)
			want = 72;
		else if (strcmp(fs.name[i], "respiration_rate") == 0)
			want = 14;
		else if (strcmp(fs.name[i], "bp_systolic") == 0)
			want = 118;
		else if (strcmp(fs.name[i], "bp_diastolic") == 0)
			want = 76;
		if (rows->x[i] != want)
			fail_msg("%s: %g, wanted %g", fs.name[i], rows->x[i],
			    want);
	}
	iforest_rows_free(rows);
	trainset_free(ts);

	/* After a history of 51 training rows (SpO2 96 to 98 in turn,
	 * temperature 36.5 to 36.8 in turn), the medians of those. */
	ts = trainset_new(&fs, &fc, 1000, 1, err, sizeof err);
	c = trainset_counts(ts);
	for (int k = 0; c->offered < 51; k++)
		add(ts, silver(buf, sizeof buf, "p", k, 70, NULL));
	rows = trainset_rows(ts, &refused);
	assert_int_equal(rows->n, 51);
	/* The median of 51 values is the 26th smallest. */
	float col[2][51], med[2];
	for (size_t r = 0; r < 51; r++) {
		col[0][r] = rows->x[r * fs.n + spo2];
		col[1][r] = rows->x[r * fs.n + temp];
	}
	iforest_rows_free(rows);
	for (int m = 0; m < 2; m++) {
		qsort(col[m], 51, sizeof col[m][0], cmp_float);
		med[m] = col[m][25];
		/* Not a value every row has, or the check would be weak. */
		assert_true(col[m][0] != col[m][50]);
	}
	observations(VISIT("b", "2021-05-05", "65", "12", "110", "70")
	    VISIT("b", "2021-06-06", "1e39", "12", "110", "70")
	    "2021-06-07,b,e,vital-signs,2708-6,SpO2,91,%,numeric\n"
	    VISIT("b", "2021-06-07", "66", "13", "111", "71"));
	assert_int_equal(trainset_add_synthea(ts, dir, true, err, sizeof err),
	    3);
	assert_int_equal(c->spot_checks, 3);
	assert_int_equal(c->offered, 54);
	check_sum(c);
	rows = trainset_rows(ts, &refused);
	/* The one with a heart rate beyond float32 is refused. */
	assert_int_equal(refused, 1);
	assert_int_equal(rows->n, 53);
	const float *first = &rows->x[51 * fs.n], *third = &rows->x[52 * fs.n];
	assert_true(first[feature("heart_rate")] == 65);
	assert_true(first[spo2] == med[0]);
	assert_true(first[temp] == med[1]);
	assert_true(first[feature("heart_rate_z")] == 0);
	assert_true(first[feature("spo2_trend")] == 0);
	/* Recorded SpO2 wins over the median. */
	assert_true(third[spo2] == 91);
	assert_true(third[temp] == med[1]);
	iforest_rows_free(rows);
	trainset_free(ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_rows_are_features),
		cmocka_unit_test(test_reservoir),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_provenance),
		cmocka_unit_test(test_synthea),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
