/*
 * metrics: ROC-AUC and average precision on hand-checkable cases, their
 * undefined cases, independence from the order of tied rows, and
 * agreement with sklearn.metrics on random data full of ties (computed by
 * Debian's /usr/bin/python3 at test time; skipped without scikit-learn).
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

#include "unit.h"

#include "metrics.h"
#include "rng.h"
#include "xalloc.h"

#define PYTHON "/usr/bin/python3"

static double
auc(const double *s, const bool *y, size_t n)
{
	double v = NAN;

	assert_int_equal(metrics_roc_auc(s, y, n, &v), 0);
	return v;
}

static double
ap(const double *s, const bool *y, size_t n)
{
	double v = NAN;

	assert_int_equal(metrics_average_precision(s, y, n, &v), 0);
	return v;
}

static void
test_hand(void **state)
{
	(void)state;
	/* The example in scikit-learn's documentation.  AUC: of the 4
	 * (positive, negative) pairs, 0.35 > 0.1, 0.8 > both, 0.35 < 0.4:
	 * 3/4.  AP: thresholds 0.8 (recall 1/2, precision 1), 0.4, then
	 * 0.35 (recall 1, precision 2/3): 1/2 + 1/2 * 2/3 = 5/6. */
	double s[] = { 0.1, 0.4, 0.35, 0.8 };
	bool y[] = { 0, 0, 1, 1 };

	assert_true(auc(s, y, 4) == 0.75);
	assert_true(fabs(ap(s, y, 4) - 5.0 / 6.0) < 1e-15);

	/* Perfect, reversed, and all tied. */
	double r[] = { 4, 3, 2, 1 }, t[] = { 2, 2, 2, 2 };
	bool yy[] = { 1, 1, 0, 0 };
	assert_true(auc(r, yy, 4) == 1.0);
	assert_true(ap(r, yy, 4) == 1.0);
	bool rev[] = { 0, 0, 1, 1 };
	assert_true(auc(r, rev, 4) == 0.0);
	assert_true(fabs(ap(r, rev, 4) - (0.5 * 1 / 3.0 + 0.5 * 2 / 4.0)) <
	    1e-15);
	/* One threshold: AUC 1/2, AP the prevalence. */
	assert_true(auc(t, yy, 4) == 0.5);
	assert_true(ap(t, yy, 4) == 0.5);

	/* A tie between a positive and a negative counts half. */
	double u[] = { 3, 2, 2, 1 };
	bool yu[] = { 1, 1, 0, 0 };
	assert_true(auc(u, yu, 4) == 0.875);
	/* Infinite scores rank like any other: 3 of 4 pairs right. */
	double inf[] = { INFINITY, 1, -INFINITY, 0 };
	bool yi[] = { 1, 0, 0, 1 };
	assert_true(auc(inf, yi, 4) == 0.75);
}

static void
test_undefined(void **state)
{
	(void)state;
	double s[] = { 1, 2, 3 }, v = 42, nan_s[] = { 1, NAN, 3 };
	bool none[] = { 0, 0, 0 }, all[] = { 1, 1, 1 }, mixed[] = { 0, 1, 0 };

	assert_int_equal(metrics_roc_auc(s, none, 3, &v), -1);
	assert_int_equal(metrics_roc_auc(s, all, 3, &v), -1);
	assert_int_equal(metrics_roc_auc(s, mixed, 0, &v), -1);
	assert_int_equal(metrics_roc_auc(nan_s, mixed, 3, &v), -1);
	assert_int_equal(metrics_average_precision(s, none, 3, &v), -1);
	assert_int_equal(metrics_average_precision(nan_s, mixed, 3, &v), -1);
	assert_true(v == 42);
	/* All positive: AP is defined, and 1. */
	assert_true(ap(s, all, 3) == 1.0);
}

/* Random scores from a few values (many ties), positives scoring higher
 * on average. */
static void
random_case(struct rng *g, size_t n, double prevalence, int levels,
    double *s, bool *y)
{
	for (size_t i = 0; i < n; i++) {
		y[i] = rng_uniform(g) < prevalence;
		double v = rng_normal(g) + (y[i] ? 0.8 : 0);
		s[i] = levels ? round(v * levels) / levels : v;
	}
}

static void
test_order_of_ties(void **state)
{
	(void)state;
	struct rng g;
	size_t n = 500;
	double s[500], s2[500];
	bool y[500], y2[500];

	rng_seed(&g, 1);
	random_case(&g, n, 0.3, 2, s, y);
	double a = auc(s, y, n), p = ap(s, y, n);
	for (int k = 0; k < 20; k++) {
		/* A random permutation of the pairs. */
		memcpy(s2, s, sizeof s);
		memcpy(y2, y, sizeof y);
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)rng_below(&g, i + 1);
			double ts = s2[i];
			bool ty = y2[i];
			s2[i] = s2[j]; y2[i] = y2[j];
			s2[j] = ts; y2[j] = ty;
		}
		assert_true(auc(s2, y2, n) == a);
		assert_true(ap(s2, y2, n) == p);
	}
}

static bool
have_sklearn(void)
{
	return access(PYTHON, X_OK) == 0 &&
	    system(PYTHON " -c 'import sklearn.metrics' 2>/dev/null") == 0;
}

static const char script[] =
    "import sys\n"
    "from sklearn.metrics import roc_auc_score, average_precision_score\n"
    "cases = {}\n"
    "for line in open(sys.argv[1]):\n"
    "    c, s, y = line.split()\n"
    "    cases.setdefault(c, ([], []))\n"
    "    cases[c][0].append(float(s)); cases[c][1].append(int(y))\n"
    "for c, (s, y) in cases.items():\n"
    "    print(c, repr(float(roc_auc_score(y, s))),\n"
    "          repr(float(average_precision_score(y, s))))\n";

#define NCASES 40

static void
test_against_sklearn(void **state)
{
	(void)state;
	char dir[] = "/tmp/metricsXXXXXX", data[64], py[64], cmd[256];
	static double s[NCASES][3000];
	static bool y[NCASES][3000];
	size_t n[NCASES];
	struct rng g;
	FILE *fp;

	if (!have_sklearn())
		unit_skip("%s with scikit-learn is not available, so "
		    "nothing checks the metrics against sklearn's", PYTHON);
	assert_non_null(mkdtemp(dir));
	snprintf(data, sizeof data, "%s/cases.txt", dir);
	snprintf(py, sizeof py, "%s/check.py", dir);
	assert_non_null(fp = fopen(py, "w"));
	fputs(script, fp);
	fclose(fp);

	rng_seed(&g, 2024);
	assert_non_null(fp = fopen(data, "w"));
	for (int c = 0; c < NCASES; c++) {
		/* Sizes from 2 to 3000, prevalence from 1% to 90%, scores
		 * from 3 distinct values to all distinct. */
		static const int levels[] = { 0, 1, 2, 10 };
		n[c] = 2 + (size_t)rng_below(&g, c < 10 ? 20 : 2999);
		double prev = 0.01 + 0.89 * rng_uniform(&g);
		random_case(&g, n[c], prev, levels[c % 4], s[c], y[c]);
		/* Both classes, as sklearn needs them for the AUC. */
		y[c][0] = 1;
		y[c][1] = 0;
		for (size_t i = 0; i < n[c]; i++)
			fprintf(fp, "%d %.17g %d\n", c, s[c][i], y[c][i]);
	}
	fclose(fp);

	snprintf(cmd, sizeof cmd, PYTHON " %s %s", py, data);
	assert_non_null(fp = popen(cmd, "r"));
	int got = 0, c;
	double want_auc, want_ap;
	while (fscanf(fp, "%d %lf %lf", &c, &want_auc, &want_ap) == 3) {
		assert_true(c >= 0 && c < NCASES);
		double a = auc(s[c], y[c], n[c]), p = ap(s[c], y[c], n[c]);
		if (fabs(a - want_auc) > 1e-12 || fabs(p - want_ap) > 1e-12)
			fail_msg("case %d (n %zu): auc %.17g ap %.17g, sklearn "
			    "%.17g %.17g", c, n[c], a, p, want_auc, want_ap);
		got++;
	}
	assert_int_equal(pclose(fp), 0);
	assert_int_equal(got, NCASES);
	unlink(data);
	unlink(py);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand),
		cmocka_unit_test(test_undefined),
		cmocka_unit_test(test_order_of_ties),
		cmocka_unit_test(test_against_sklearn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
