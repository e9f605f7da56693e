#include "trainset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "evaluate.h"
#include "record.h"
#include "rng.h"
#include "schema.h"
#include "sha256.h"
#include "synthea.h"
#include "xalloc.h"

/* Mixed into the forest's seed so that the reservoir's stream is not the
 * one the trees are grown from. */
#define RESERVOIR_SEED_MIX	0x5eed

struct trainset {
	struct feature_set fs;
	struct features_config fc;
	const char *names[FEATURES_MAX];	/* into fs.name */

	struct schema *silver;
	struct silver_fields sf;
	int f_truth;
	struct record *rec;
	struct extractor *ex;
	struct sha256 *sha;

	size_t max;		/* reservoir capacity, in rows */
	float *x;		/* max * fs.n, row-major; n.rows are held */
	struct rng rng;
	struct trainset_counts n;
};

struct trainset *
trainset_new(const struct feature_set *fs, const struct features_config *fc,
    size_t max_rows, uint64_t seed, char *err, size_t errlen)
{
	struct trainset *ts;
	struct schema *silver;

	if ((silver = schema_load("silver", err, errlen)) == NULL)
		return NULL;
	ts = xcalloc(1, sizeof *ts);
	ts->fs = *fs;
	ts->fc = *fc;
	for (size_t i = 0; i < fs->n; i++)
		ts->names[i] = ts->fs.name[i];
	ts->silver = silver;
	silver_fields_init(&ts->sf, silver);
	ts->f_truth = schema_need(silver, "truth");
	ts->rec = record_new(silver);
	ts->ex = extractor_new(fc, fs);
	ts->sha = sha256_new();
	ts->max = max_rows;
	ts->x = xmalloc(max_rows * fs->n * sizeof *ts->x);
	rng_seed(&ts->rng, seed ^ RESERVOIR_SEED_MIX);
	return ts;
}

void
trainset_free(struct trainset *ts)
{
	if (ts == NULL)
		return;
	free(ts->x);
	sha256_free(ts->sha);
	extractor_free(ts->ex);
	record_free(ts->rec);
	schema_free(ts->silver);
	free(ts);
}

/*
 * Vitter's algorithm R: the first max rows fill the reservoir, and the
 * k-th row after that replaces a random one with probability max / k, so
 * every row seen is held with the same probability.
 */
static void
reservoir_add(struct trainset *ts, const double *x)
{
	size_t at, d = ts->fs.n;

	ts->n.offered++;
	if (ts->n.rows < ts->max) {
		at = ts->n.rows++;
	} else {
		uint64_t j = rng_below(&ts->rng, ts->n.offered);
		if (j >= ts->max)
			return;
		at = (size_t)j;
	}
	for (size_t i = 0; i < d; i++)
		ts->x[at * d + i] = (float)x[i];
}

void
trainset_add_line(struct trainset *ts, const struct line *ln)
{
	double vitals[NVITALS], x[FEATURES_MAX];
	struct patient_facts facts;
	char err[512], type[64];
	const char *pid;
	size_t plen;
	int64_t t, id;

	if (reader_line_blank(ln))
		return;
	ts->n.read++;
	sha256_add(ts->sha, ln->text, ln->len);
	sha256_add(ts->sha, "\n", 1);
	if (ln->truncated ||
	    record_scan(ts->rec, ln->text, ln->len, err) != 0 ||
	    silver_fields_get(&ts->sf, ts->rec, &pid, &plen, &t, vitals, &facts) != 0) {
		ts->n.unusable++;
		return;
	}
	extractor_update(ts->ex, pid, plen, t, vitals, &facts, x);
	/* A reading labelled with an episode is not normal history. */
	if (truth_episode(&ts->rec->v[ts->f_truth], type, sizeof type, &id)) {
		ts->n.in_episodes++;
		return;
	}
	for (size_t i = 0; i < ts->fs.n; i++) {
		if (isnan(x[i])) {
			ts->n.incomplete++;
			return;
		}
	}
	reservoir_add(ts, x);
}

/* What a spot check needs: the set, and the values of what Synthea did
 * not record. */
struct spot {
	struct trainset *ts;
	const double *median;
};

static void
add_spot_check(void *arg, const double *vitals)
{
	struct spot *sp = arg;
	const struct feature_set *fs = &sp->ts->fs;
	double x[FEATURES_MAX];

	for (size_t i = 0; i < fs->n; i++) {
		double v;
		switch (fs->kind[i]) {
		case FK_VALUE:
		case FK_FAST:
			v = vitals[fs->vital[i]];
			x[i] = isnan(v) ? sp->median[i] : v;
			break;
		default:	/* at rest: on baseline, no trend; the
				 * aggregates have no vital to read */
			x[i] = 0;
		}
	}
	reservoir_add(sp->ts, x);
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/* The upper median of each feature over the rows held, 0 when none are. */
static void
column_medians(const struct trainset *ts, double *median)
{
	size_t d = ts->fs.n, n = ts->n.rows;
	float *col = xmalloc((n ? n : 1) * sizeof *col);

	for (size_t j = 0; j < d; j++) {
		for (size_t i = 0; i < n; i++)
			col[i] = ts->x[i * d + j];
		qsort(col, n, sizeof *col, cmp_float);
		median[j] = n ? col[n / 2] : 0;
	}
	free(col);
}

long
trainset_add_synthea(struct trainset *ts, const char *dir, bool quiet,
    char *err, size_t errlen)
{
	double median[FEATURES_MAX];
	struct spot sp = { ts, median };
	long n;

	column_medians(ts, median);
	n = synthea_vital_encounters(dir, quiet, add_spot_check, &sp, err,
	    errlen);
	if (n > 0)
		ts->n.spot_checks += n;
	return n;
}

const struct trainset_counts *
trainset_counts(const struct trainset *ts)
{
	return &ts->n;
}

const char *const *
trainset_names(const struct trainset *ts)
{
	return ts->names;
}

struct iforest_rows *
trainset_rows(const struct trainset *ts, uint64_t *refused)
{
	size_t d = ts->fs.n;
	struct iforest_rows *rows = iforest_rows_new(d);
	double row[FEATURES_MAX];

	*refused = 0;
	for (size_t i = 0; i < ts->n.rows; i++) {
		for (size_t j = 0; j < d; j++)
			row[j] = ts->x[i * d + j];
		if (iforest_rows_add(rows, row) != 0)
			(*refused)++;
	}
	return rows;
}

int
trainset_provenance(const struct trainset *ts, json_t *prov,
    const char *trainer, const char *evaluation, char *err, size_t errlen)
{
	const char *sde;
	char hex[65], date[32];
	struct tm *tm;
	time_t when;

	sha256_hex(ts->sha, hex);
	json_object_set_new(prov, "training_data_sha256", json_string(hex));
	json_object_set_new(prov, "readings_read", json_integer(ts->n.read));
	json_object_set_new(prov, "readings_in_episodes",
	    json_integer(ts->n.in_episodes));
	json_object_set_new(prov, "readings_incomplete",
	    json_integer(ts->n.incomplete));
	json_object_set_new(prov, "synthea_spot_checks",
	    json_integer(ts->n.spot_checks));
	json_object_set_new(prov, "rows_sampled", json_integer(ts->n.rows));
	json_object_set_new(prov, "featurize",
	    features_config_to_json(&ts->fc));
	/* A fixed date for reproducible builds: SOURCE_DATE_EPOCH. */
	sde = getenv("SOURCE_DATE_EPOCH");
	when = sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	if ((tm = gmtime(&when)) == NULL) {
		snprintf(err, errlen, "SOURCE_DATE_EPOCH=%s is not a date",
		    sde ? sde : "");
		return -1;
	}
	strftime(date, sizeof date, "%Y-%m-%d", tm);
	json_object_set_new(prov, "date", json_string(date));
	json_object_set_new(prov, "trainer", json_string(trainer));
	if (evaluation != NULL) {
		json_error_t je;
		json_t *ev = json_load_file(evaluation, 0, &je);
		if (ev == NULL) {
			snprintf(err, errlen, "%s: %s", evaluation, je.text);
			return -1;
		}
		json_object_set_new(prov, "evaluation", ev);
	}
	return 0;
}
