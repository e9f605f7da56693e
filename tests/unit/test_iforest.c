/*
 * iforest: c(n), a hand-checkable forest (float32 rounding, signed zeros,
 * infinities, missing values), training (determinism, constant and
 * duplicate data, height limit, contamination), the model file (byte-exact
 * round trip, every kind of corrupt file refused, random corruption never
 * crashes).  Agreement with scikit-learn is checked by
 * tests/cli/iforest_sklearn.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iforest.h"
#include "rng.h"
#include "xalloc.h"

/* c(3) and c(5) by hand: 2 (ln(n - 1) + gamma) - 2 (n - 1) / n. */
#define C3	1.207392357589623
#define C5	2.327020052042847

static void
near(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: got %.17g, expected %.17g", what, got, want);
}

static void
test_c(void **state)
{
	(void)state;
	assert_true(iforest_c(0) == 0.0);
	assert_true(iforest_c(1) == 0.0);
	assert_true(iforest_c(2) == 1.0);
	near(iforest_c(3), C3, 1e-15, "c(3)");
	near(iforest_c(5), C5, 1e-15, "c(5)");
	/* sklearn's c(256), with the full gamma: 0.5772156649 alone would
	 * be 3e-11 off. */
	near(iforest_c(256), 10.244770920119917, 1e-13, "c(256)");
	/* The ln approximation is used from n = 3 on, not the exact
	 * harmonic number (which gives c(3) = 5/3). */
	assert_true(fabs(iforest_c(3) - 5.0 / 3.0) > 0.4);
	for (uint64_t n = 3; n < 5000; n++)
		assert_true(iforest_c(n) > iforest_c(n - 1));
}

/*
 * One tree over features a and b, max_samples 5:
 *   node 0: a <= 5.05 ? node 1 : node 2
 *   node 1: leaf, 3 rows             path 1 + c(3)
 *   node 2: b <= -0.0 ? node 3 : node 4
 *   node 3, node 4: leaves, 1 row     path 2 + c(1) = 2
 * s = 2^-(path / c(5)).
 */
static const char tiny[] =
    "{\"format\":\"vitals-iforest\",\"version\":1,\"features\":[\"a\",\"b\"],"
    "\"n_estimators\":1,\"max_samples\":5,"
    "\"c_max_samples\":2.327020052042847,\"threshold\":0.5,"
    "\"provenance\":{\"note\":\"hand-made\"},\"trees\":[{"
    "\"feature\":[0,-1,1,-1,-1],"
    "\"threshold\":[5.05,null,-0.0,null,null],"
    "\"left\":[1,-1,3,-1,-1],\"right\":[2,-1,4,-1,-1],"
    "\"n_node_samples\":[5,3,2,1,1]}]}";

static struct iforest *
parse(const char *text)
{
	char err[256] = "";
	struct iforest *m = iforest_parse(text, strlen(text), err, sizeof err);

	if (m == NULL)
		fail_msg("parse: %s", err);
	return m;
}

static double
score2(const struct iforest *m, double a, double b)
{
	double x[2] = { a, b };

	return iforest_score(m, x);
}

static void
test_tiny_forest(void **state)
{
	(void)state;
	struct iforest *m = parse(tiny);
	double left = pow(2.0, -(1 + C3) / C5), right = pow(2.0, -2.0 / C5);

	assert_int_equal(m->n_features, 2);
	assert_int_equal(iforest_feature_index(m, "b"), 1);
	assert_int_equal(iforest_feature_index(m, "c"), -1);
	near(score2(m, 1, 0), left, 1e-15, "a=1");
	near(score2(m, 5.0, 0), left, 1e-15, "a=5 (<= goes left)");
	near(score2(m, 6, 0), right, 1e-15, "a=6");
	near(score2(m, 6, 9), right, 1e-15, "a=6 b=9");
	/* float32(5.05) = 5.0500001907... > 5.05: rounded as scikit-learn
	 * rounds it, 5.05 goes right of a threshold of 5.05. */
	assert_true((double)(float)5.05 > 5.05);
	near(score2(m, 5.05, 0), right, 1e-15, "a=5.05");
	/* 1 ulp above 5.0 as a double is still 5.0f: left. */
	near(score2(m, nextafter(5.0, 6), 0), left, 1e-15, "a=5+ulp");
	/* Infinities and values beyond float32 are values. */
	near(score2(m, INFINITY, 0), right, 1e-15, "a=+inf");
	near(score2(m, -INFINITY, 0), left, 1e-15, "a=-inf");
	near(score2(m, 1e39, 0), right, 1e-15, "a=1e39");
	near(score2(m, -1e39, 0), left, 1e-15, "a=-1e39");
	assert_int_equal(m->tree[0].depth, 2);
	/* Anomaly means strictly above the threshold. */
	m->threshold = right;
	assert_false(iforest_is_anomaly(m, right));
	assert_true(iforest_is_anomaly(m, nextafter(right, 1)));
	iforest_free(m);
}

/* A split at -0.0 on b, leaves of 1 and 5 rows: the side shows. */
static const char tiny_zero[] =
    "{\"format\":\"vitals-iforest\",\"version\":1,\"features\":[\"a\",\"b\"],"
    "\"n_estimators\":1,\"max_samples\":6,"
    "\"c_max_samples\":2.7066404880045996,\"threshold\":0.5,"
    "\"provenance\":{},\"trees\":[{"
    "\"feature\":[1,-1,-1],\"threshold\":[-0.0,null,null],"
    "\"left\":[1,-1,-1],\"right\":[2,-1,-1],"
    "\"n_node_samples\":[6,1,5]}]}";

static void
test_signed_zero(void **state)
{
	(void)state;
	struct iforest *m = parse(tiny_zero);
	double c6 = iforest_c(6);
	double left = pow(2.0, -1.0 / c6);		/* 1 + c(1) */
	double right = pow(2.0, -(1.0 + iforest_c(5)) / c6);

	/* Signed zeros compare equal, so +0 <= -0 goes left. */
	near(score2(m, 0, -0.0), left, 1e-15, "b=-0");
	near(score2(m, 0, 0.0), left, 1e-15, "b=+0 <= -0");
	near(score2(m, 0, -1e-46), left, 1e-15, "b rounds to -0");
	near(score2(m, 0, 1e-45), right, 1e-15, "b=+denormal");
	near(score2(m, 0, -1e-45), left, 1e-15, "b=-denormal");
	iforest_free(m);
}

static void
test_missing(void **state)
{
	(void)state;
	struct iforest *m = parse(tiny);
	/* a missing: both sides of the root, weighted 3 : 2. */
	double e = (3 * (1 + C3) + 2 * 2.0) / 5;

	near(score2(m, NAN, 0), pow(2.0, -e / C5), 1e-15, "a missing");
	near(score2(m, NAN, NAN), pow(2.0, -e / C5), 1e-15, "both missing");
	/* b is never looked at on a's left: missing b changes nothing. */
	near(score2(m, 1, NAN), score2(m, 1, 0), 0, "b missing, unused");
	near(score2(m, 6, NAN), pow(2.0, -2.0 / C5), 1e-15, "b missing");
	/* The batch call takes the same paths. */
	double rows[8] = { NAN, 0, 1, NAN, 6, 9, NAN, NAN }, out[4];
	iforest_score_rows(m, rows, 4, out);
	for (int i = 0; i < 4; i++)
		assert_true(out[i] == iforest_score(m, rows + 2 * i));
	iforest_free(m);
}

/* n rows of d columns around 50, the first `outliers` far away. */
static struct iforest_rows *
cluster(uint64_t seed, size_t n, size_t d, size_t outliers)
{
	struct iforest_rows *r = iforest_rows_new(d);
	struct rng g;
	double x[16];

	rng_seed(&g, seed);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < d; j++)
			x[j] = (i < outliers ? 200 : 50) + 5 * rng_normal(&g);
		assert_int_equal(iforest_rows_add(r, x), 0);
	}
	return r;
}

static const char *const names6[] = { "f1", "f2", "f3", "f4", "f5", "f6" };

static struct iforest *
train(const struct iforest_rows *r, const struct iforest_params *p)
{
	char err[256] = "";
	struct iforest *m = iforest_train(r, names6, p, err, sizeof err);

	if (m == NULL)
		fail_msg("train: %s", err);
	return m;
}

static void
test_rows_refused(void **state)
{
	(void)state;
	struct iforest_rows *r = iforest_rows_new(2);
	double ok[2] = { 1, 2 }, nan_row[2] = { 1, NAN },
	    inf_row[2] = { INFINITY, 1 }, big[2] = { 1, 1e39 };

	assert_int_equal(iforest_rows_add(r, ok), 0);
	assert_int_equal(iforest_rows_add(r, nan_row), -1);
	assert_int_equal(iforest_rows_add(r, inf_row), -1);
	assert_int_equal(iforest_rows_add(r, big), -1);
	assert_int_equal(r->n, 1);
	/* Rows are kept as float32. */
	double third[2] = { 0.1, 5.05 };
	assert_int_equal(iforest_rows_add(r, third), 0);
	assert_true(r->x[2] == 0.1f && r->x[3] == 5.05f);
	iforest_rows_free(r);
}

static void
test_train_scores(void **state)
{
	(void)state;
	struct iforest_rows *r = cluster(1, 1000, 3, 10);
	struct iforest_params p = { .seed = 42 };
	struct iforest *m = train(r, &p);
	double center[3] = { 50, 50, 50 }, far[3] = { 200, 200, 200 };
	double odd[3] = { 50, 50, 90 };

	assert_int_equal(m->n_trees, 100);
	assert_int_equal(m->psi, 256);
	for (size_t t = 0; t < m->n_trees; t++) {
		assert_true(m->tree[t].depth <= 8);	/* ceil(log2 256) */
		assert_int_equal(m->tree[t].node[0].count, 256);
	}
	double sc = iforest_score(m, center), sf = iforest_score(m, far);
	double so = iforest_score(m, odd);
	assert_true(sc < 0.5);
	assert_true(sf > 0.6);
	assert_true(so > sc);
	assert_false(iforest_is_anomaly(m, sc));
	assert_true(iforest_is_anomaly(m, sf));

	/* Batch and single scoring agree. */
	double out[1000];
	double *xs = xmalloc(1000 * 3 * sizeof *xs);
	for (size_t i = 0; i < 1000 * 3; i++)
		xs[i] = r->x[i];
	iforest_score_rows(m, xs, 1000, out);
	for (size_t i = 0; i < 1000; i++) {
		assert_true(out[i] == iforest_score(m, xs + 3 * i));
		assert_true(out[i] > 0 && out[i] < 1);
	}
	free(xs);
	iforest_free(m);
	iforest_rows_free(r);
}

static void
test_determinism(void **state)
{
	(void)state;
	struct iforest_rows *r = cluster(2, 500, 4, 5);
	struct iforest_params p = { .seed = 7, .n_trees = 30 };
	struct iforest *a = train(r, &p), *b = train(r, &p), *c;
	char *ta = iforest_dump(a), *tb = iforest_dump(b), *tc;

	assert_string_equal(ta, tb);
	p.seed = 8;
	c = train(r, &p);
	tc = iforest_dump(c);
	assert_true(strcmp(ta, tc) != 0);
	free(ta);
	free(tb);
	free(tc);
	iforest_free(a);
	iforest_free(b);
	iforest_free(c);
	iforest_rows_free(r);
}

static void
test_constant_and_duplicates(void **state)
{
	(void)state;
	struct iforest_rows *r = iforest_rows_new(3);
	struct iforest_params p = { .seed = 1, .n_trees = 20 };
	double x[3] = { 7, 7, 7 }, y[3] = { 1, 2, 3 };
	struct iforest *m;

	/* All rows equal: no feature can split, every tree is a leaf of
	 * 256 rows whose path is c(256): the ratio is 1, s = 0.5. */
	for (int i = 0; i < 300; i++)
		iforest_rows_add(r, x);
	m = train(r, &p);
	for (size_t t = 0; t < m->n_trees; t++)
		assert_int_equal(m->tree[t].n_nodes, 1);
	near(iforest_score(m, x), 0.5, 1e-15, "constant data");
	near(iforest_score(m, y), 0.5, 1e-15, "constant data, other row");
	iforest_free(m);

	/* Two distinct rows, 150 copies each: one split, two leaves of
	 * duplicates. */
	for (int i = 0; i < 150; i++)
		iforest_rows_add(r, y);
	m = train(r, &p);
	for (size_t t = 0; t < m->n_trees; t++) {
		const struct iforest_tree *tr = &m->tree[t];
		assert_int_equal(tr->n_nodes, 3);
		assert_int_equal(tr->node[tr->node[0].left].count +
		    tr->node[tr->node[0].right].count, 256);
	}
	iforest_free(m);
	iforest_rows_free(r);

	/* One column constant: never split on. */
	r = iforest_rows_new(3);
	struct rng g;
	rng_seed(&g, 3);
	for (int i = 0; i < 400; i++) {
		double z[3] = { rng_normal(&g), 4.25, rng_normal(&g) };
		iforest_rows_add(r, z);
	}
	m = train(r, &p);
	for (size_t t = 0; t < m->n_trees; t++)
		for (size_t i = 0; i < m->tree[t].n_nodes; i++)
			assert_int_not_equal(m->tree[t].node[i].feature, 1);
	iforest_free(m);

	/* One row: psi = 1, c(1) = 0, and scikit-learn's ratio is 1. */
	iforest_rows_free(r);
	r = iforest_rows_new(3);
	iforest_rows_add(r, y);
	m = train(r, &p);
	assert_int_equal(m->psi, 1);
	near(iforest_score(m, x), 0.5, 0, "psi 1");
	iforest_free(m);
	iforest_rows_free(r);
}

static void
test_params(void **state)
{
	(void)state;
	struct iforest_rows *r = cluster(4, 300, 2, 0), *empty;
	struct iforest_params p = { .psi = 64, .n_trees = 10,
	    .height_limit = 3, .seed = 5 };
	struct iforest *m = train(r, &p);
	char err[256];
	const char *dup[] = { "x", "x" };

	assert_int_equal(m->psi, 64);
	assert_int_equal(m->n_trees, 10);
	for (size_t t = 0; t < m->n_trees; t++)
		assert_true(m->tree[t].depth <= 3);
	iforest_free(m);

	p.psi = 1000;			/* capped at the 300 rows */
	p.height_limit = 0;
	m = train(r, &p);
	assert_int_equal(m->psi, 300);
	iforest_free(m);

	struct iforest_params bad[] = {
		{ .contamination = 0.6 }, { .contamination = -0.1 },
		{ .contamination = NAN }, { .height_limit = 65 },
		{ .psi = IFOREST_MAX_PSI + 1 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_null(iforest_train(r, names6, &bad[i], err, sizeof err));
		assert_true(err[0] != '\0');
	}
	assert_null(iforest_train(r, dup, &p, err, sizeof err));
	empty = iforest_rows_new(2);
	assert_null(iforest_train(empty, names6, &p, err, sizeof err));
	iforest_rows_free(empty);
	iforest_rows_free(r);
}

static int
by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
test_contamination(void **state)
{
	(void)state;
	struct iforest_rows *r = cluster(5, 2000, 3, 0);
	struct iforest_params p = { .seed = 9, .contamination = 0.1 };
	struct iforest *m = train(r, &p);
	double *s = xmalloc(2000 * sizeof *s), x[3];
	size_t above = 0;

	for (size_t i = 0; i < 2000; i++) {
		for (size_t j = 0; j < 3; j++)
			x[j] = r->x[i * 3 + j];
		s[i] = iforest_score(m, x);
		above += iforest_is_anomaly(m, s[i]);
	}
	/* numpy's linear interpolation at virtual index 0.9 * 1999 =
	 * 1799.1 of the sorted scores: between the 1800th and 1801st. */
	qsort(s, 2000, sizeof *s, by_double);
	assert_true(m->threshold >= s[1799] && m->threshold <= s[1800]);
	near(m->threshold, s[1799] + 0.1 * (s[1800] - s[1799]), 1e-15,
	    "interpolated");
	/* Rows with equal scores sit on the same side. */
	assert_true(above >= 190 && above <= 200);
	free(s);
	iforest_free(m);
	iforest_rows_free(r);
}

static void
test_round_trip(void **state)
{
	(void)state;
	struct iforest_rows *r = cluster(6, 800, 3, 8);
	struct iforest_params p = { .seed = 11, .contamination = 0.05 };
	struct iforest *m = train(r, &p), *back;
	char *a = iforest_dump(m), *b, err[256], dir[] = "/tmp/iforestXXXXXX";
	char path[64];

	json_object_set_new(m->provenance, "data_sha256",
	    json_string("ab12"));
	free(a);
	a = iforest_dump(m);
	back = parse(a);
	b = iforest_dump(back);
	assert_string_equal(a, b);
	near(back->threshold, m->threshold, 0, "threshold");
	for (size_t i = 0; i < 800; i++) {
		double x[3] = { r->x[3 * i], r->x[3 * i + 1],
		    r->x[3 * i + 2] };
		assert_true(iforest_score(m, x) == iforest_score(back, x));
	}
	free(b);
	iforest_free(back);

	/* Through a file. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/model.json", dir);
	assert_int_equal(iforest_save(m, path, err, sizeof err), 0);
	back = iforest_load(path, err, sizeof err);
	assert_non_null(back);
	b = iforest_dump(back);
	assert_string_equal(a, b);
	free(b);
	iforest_free(back);
	unlink(path);
	rmdir(dir);
	snprintf(path, sizeof path, "%s/no/such/dir/model.json", dir);
	assert_int_equal(iforest_save(m, path, err, sizeof err), -1);
	assert_null(iforest_load(path, err, sizeof err));
	free(a);
	iforest_free(m);
	iforest_rows_free(r);
}

/* Replaces the first `from` in tiny with `to`. */
static char *
mutate(const char *from, const char *to)
{
	const char *at = strstr(tiny, from);
	char *s;

	if (at == NULL)
		fail_msg("'%s' not in the model", from);
	s = xmalloc(sizeof tiny + strlen(to));
	memcpy(s, tiny, (size_t)(at - tiny));
	strcpy(s + (at - tiny), to);
	strcat(s, at + strlen(from));
	return s;
}

static void
refused(const char *text, const char *why)
{
	char err[256] = "";
	struct iforest *m = iforest_parse(text, strlen(text), err, sizeof err);

	if (m != NULL) {
		iforest_free(m);
		fail_msg("accepted a corrupt model: %s", why);
	}
	if (err[0] == '\0')
		fail_msg("no message for: %s", why);
}

static void
test_corrupt(void **state)
{
	(void)state;
	static const struct { const char *from, *to, *why; } cases[] = {
		{ "{\"format", "[{\"format", "not an object" },
		{ "vitals-iforest", "vitals-forest", "wrong format" },
		{ "\"version\":1", "\"version\":2", "newer version" },
		{ "\"version\":1", "\"version\":\"1\"", "version a string" },
		{ "\"n_estimators\":1", "\"n_estimators\":1,\"extra\":0",
		    "unknown key" },
		{ "[\"a\",\"b\"]", "[]", "no features" },
		{ "[\"a\",\"b\"]", "[\"a\",\"a\"]", "duplicate names" },
		{ "[\"a\",\"b\"]", "[\"a\",\"\"]", "empty name" },
		{ "[\"a\",\"b\"]", "[\"a\",2]", "name not a string" },
		{ "\"n_estimators\":1", "\"n_estimators\":2",
		    "n_estimators and trees differ" },
		{ "\"n_estimators\":1", "\"n_estimators\":0", "no trees" },
		{ "\"max_samples\":5", "\"max_samples\":0", "max_samples 0" },
		{ "\"max_samples\":5", "\"max_samples\":4",
		    "c_max_samples not c(max_samples); root count above it" },
		{ "2.327020052042847", "2.3", "c_max_samples wrong" },
		{ "\"threshold\":0.5", "\"threshold\":\"high\"",
		    "threshold a string" },
		{ "{\"note\":\"hand-made\"}", "[]",
		    "provenance not an object" },
		{ "\"feature\":[0,-1,1,-1,-1],", "", "array missing" },
		{ "\"n_node_samples\":[5,3,2,1,1]",
		    "\"n_node_samples\":[5,3,2,1,1],\"depth\":[]",
		    "unknown tree key" },
		{ "[0,-1,1,-1,-1]", "[0,-1,1,-1]", "arrays of unequal length" },
		{ "[0,-1,1,-1,-1]", "[2,-1,1,-1,-1]", "feature out of range" },
		{ "[0,-1,1,-1,-1]", "[-1,-1,1,-1,-1]",
		    "split without feature" },
		{ "[0,-1,1,-1,-1]", "[0,0,1,-1,-1]", "leaf with a feature" },
		{ "[0,-1,1,-1,-1]", "[0.5,-1,1,-1,-1]", "feature not integer" },
		{ "[5.05,null", "[null,null", "split without threshold" },
		{ "[5.05,null", "[5.05,1", "leaf with a threshold" },
		{ "[5.05,null", "[\"5.05\",null", "threshold a string" },
		{ "\"left\":[1,", "\"left\":[0,", "child is itself (cycle)" },
		{ "\"left\":[1,-1,3", "\"left\":[1,-1,1",
		    "child before its parent (cycle)" },
		{ "\"left\":[1,-1,3", "\"left\":[1,-1,5",
		    "child out of range" },
		{ "\"right\":[2,", "\"right\":[1,", "both children the same" },
		{ "\"left\":[1,-1,3,-1,-1]", "\"left\":[1,-1,-1,-1,-1]",
		    "half a leaf" },
		{ "\"left\":[1,-1,3,-1,-1],\"right\":[2,-1,4,-1,-1]",
		    "\"left\":[1,-1,3,-1,-1],\"right\":[3,-1,4,-1,-1]",
		    "node with two parents, node unreachable" },
		{ "[5,3,2,1,1]", "[5,3,2,0,1]", "count 0" },
		{ "[5,3,2,1,1]", "[5,3,2,1,2]", "counts do not add up" },
		{ "[5,3,2,1,1]", "[5,3,2,1,-1]", "negative count" },
		{ "{\"feature\"", "{\"features\":[0,2],\"feature\"",
		    "tree feature list out of range" },
		{ "{\"feature\"", "{\"features\":[0],\"feature\"",
		    "node feature beyond the tree's list" },
		{ "{\"feature\"", "{\"features\":[],\"feature\"",
		    "empty tree feature list" },
		{ "]}]}", "]}]", "truncated" },
		{ "\"a\",\"b\"", "\"a\",\"b\\u0000\"", "NUL in a name" },
	};
	struct iforest *m = parse(tiny);

	iforest_free(m);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = mutate(cases[i].from, cases[i].to);
		refused(s, cases[i].why);
		free(s);
	}
	refused("", "empty file");
	refused("{}", "empty object");
	refused("{\"format\":\"vitals-iforest\",\"format\":\"x\"}",
	    "duplicate keys");
	for (size_t n = 1; n < sizeof tiny - 1; n += 7) {
		char *cut = xstrndup(tiny, n);
		refused(cut, "cut short");
		free(cut);
	}
}

/* A chain tree: node i splits into leaf 2i+1... built as text. */
static char *
chain_model(int depth)
{
	size_t cap = 64 + (size_t)depth * 64;
	char *s = xmalloc(cap * 5), *f, *th, *l, *r, *c;
	int n = 2 * depth + 1;

	f = xmalloc(cap); th = xmalloc(cap); l = xmalloc(cap);
	r = xmalloc(cap); c = xmalloc(cap);
	strcpy(f, "["); strcpy(th, "["); strcpy(l, "["); strcpy(r, "[");
	strcpy(c, "[");
	/* Node 2k splits (feature 0, threshold k) into leaf 2k+1 and
	 * node 2k+2; the last node is a leaf. */
	for (int i = 0; i < n; i++) {
		char buf[64];
		const char *sep = i + 1 < n ? "," : "]";
		bool split = i % 2 == 0 && i + 1 < n;
		snprintf(buf, sizeof buf, "%d%s", split ? 0 : -1, sep);
		strcat(f, buf);
		if (split)
			snprintf(buf, sizeof buf, "%d%s", i, sep);
		else
			snprintf(buf, sizeof buf, "null%s", sep);
		strcat(th, buf);
		snprintf(buf, sizeof buf, "%d%s", split ? i + 1 : -1, sep);
		strcat(l, buf);
		snprintf(buf, sizeof buf, "%d%s", split ? i + 2 : -1, sep);
		strcat(r, buf);
		snprintf(buf, sizeof buf, "%d%s",
		    split ? (n - i + 1) / 2 : 1, sep);
		strcat(c, buf);
	}
	snprintf(s, cap * 5, "{\"format\":\"vitals-iforest\",\"version\":1,"
	    "\"features\":[\"a\"],\"n_estimators\":1,\"max_samples\":%d,"
	    "\"c_max_samples\":%.17g,\"threshold\":0.5,\"provenance\":{},"
	    "\"trees\":[{\"feature\":%s,\"threshold\":%s,\"left\":%s,"
	    "\"right\":%s,\"n_node_samples\":%s}]}", depth + 1,
	    iforest_c((uint64_t)depth + 1), f, th, l, r, c);
	free(f); free(th); free(l); free(r); free(c);
	return s;
}

static void
test_depth_limit(void **state)
{
	(void)state;
	char *ok = chain_model(IFOREST_MAX_DEPTH);
	char *deep = chain_model(IFOREST_MAX_DEPTH + 1);
	struct iforest *m = parse(ok);
	double x = 1000, y = -1;

	/* x > every threshold: to the deepest leaf; y: out at node 1. */
	assert_int_equal(m->tree[0].depth, IFOREST_MAX_DEPTH);
	near(iforest_score(m, &x), pow(2.0, -IFOREST_MAX_DEPTH /
	    iforest_c(IFOREST_MAX_DEPTH + 1)), 1e-15, "deepest leaf");
	near(iforest_score(m, &y), pow(2.0, -1 /
	    iforest_c(IFOREST_MAX_DEPTH + 1)), 1e-15, "first leaf");
	iforest_free(m);
	refused(deep, "deeper than IFOREST_MAX_DEPTH");
	free(ok);
	free(deep);
}

/*
 * Random damage to a real model file: each result is refused or, if it
 * still reads as a valid model, scores every row in [0, 1].  Under ASan
 * this is the "a corrupt model never crashes the scorer" check.
 */
static void
test_fuzz(void **state)
{
	(void)state;
	struct iforest_rows *r = cluster(7, 300, 3, 3);
	struct iforest_params p = { .seed = 3, .n_trees = 3, .psi = 16 };
	struct iforest *m = train(r, &p);
	char *good = iforest_dump(m);
	size_t len = strlen(good), accepted = 0;
	struct rng g;
	static const char alphabet[] = "0123456789-.,[]{}\":en";

	rng_seed(&g, 99);
	for (int k = 0; k < 3000; k++) {
		char *s = xstrdup(good), err[256];
		int edits = 1 + (int)rng_below(&g, 3);
		for (int e = 0; e < edits; e++)
			s[rng_below(&g, len)] =
			    alphabet[rng_below(&g, sizeof alphabet - 1)];
		struct iforest *b = iforest_parse(s, len, err, sizeof err);
		if (b != NULL) {
			accepted++;
			for (int i = 0; i < 20; i++) {
				double x[3] = { rng_normal(&g) * 100,
				    i % 3 ? NAN : 50, 50 };
				double sc = iforest_score(b, x);
				assert_true(sc >= 0 && sc <= 1);
			}
			iforest_free(b);
		} else {
			assert_true(err[0] != '\0');
		}
		free(s);
	}
	/* Most single-character edits inside numbers still give a valid
	 * model; both outcomes must be exercised. */
	assert_true(accepted > 0 && accepted < 3000);
	free(good);
	iforest_free(m);
	iforest_rows_free(r);
}

static void
test_tree_feature_lists(void **state)
{
	(void)state;
	/* Three features; the tree sees [2, 0], so its feature 0 is c.
	 * Leaves of 1 and 2 rows: paths 1 and 1 + c(2) = 2. */
	static const char text[] =
	    "{\"format\":\"vitals-iforest\",\"version\":1,"
	    "\"features\":[\"a\",\"b\",\"c\"],\"n_estimators\":1,"
	    "\"max_samples\":3,\"c_max_samples\":1.207392357589623,"
	    "\"threshold\":0.5,\"provenance\":{},\"trees\":[{"
	    "\"features\":[2,0],\"feature\":[0,-1,-1],"
	    "\"threshold\":[10.0,null,null],\"left\":[1,-1,-1],"
	    "\"right\":[2,-1,-1],\"n_node_samples\":[3,1,2]}]}";
	struct iforest *m = parse(text);
	/* a and b say the opposite of c, to catch a wrong mapping. */
	double lo[3] = { 99, 99, 1 }, hi[3] = { 0, 0, 11 };
	char *again = iforest_dump(m);

	near(iforest_score(m, lo), pow(2.0, -1 / C3), 1e-15, "c=1");
	near(iforest_score(m, hi), pow(2.0, -2 / C3), 1e-15, "c=11");
	assert_non_null(strstr(again, "\"features\":[2,0]"));
	free(again);
	iforest_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c),
		cmocka_unit_test(test_tiny_forest),
		cmocka_unit_test(test_signed_zero),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_rows_refused),
		cmocka_unit_test(test_train_scores),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_constant_and_duplicates),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_contamination),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_tree_feature_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
