/*
 * physiology: what a simulated day of a built-in cohort looks like, set
 * against the published ranges (notes section 8), and the properties that
 * make it look like monitoring rather than independent draws: high lag-1
 * autocorrelation, HR and RR moving together, SBP and DBP moving
 * together, a daily rhythm, and conditions showing in the vitals.
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

#include "cohort.h"
#include "isotime.h"
#include "physiology.h"

#define START	INT64_C(1767225600000000)	/* 2026-01-01T00:00:00Z */
#define NV	6

/* The six rounded vitals of a reading as doubles, in one order. */
static void
as_array(const struct reading *r, double *x)
{
	x[0] = r->hr;
	x[1] = r->temp;
	x[2] = r->spo2;
	x[3] = r->rr;
	x[4] = r->sbp;
	x[5] = r->dbp;
}

/* One patient's readings: n steps of interval, from START. */
static double *
simulate(const struct phys_model *m, const struct patient *p, size_t n,
    int64_t interval, uint64_t seed)
{
	double *x = malloc(n * NV * sizeof *x);
	struct rng r;
	struct phys s;
	struct vitals v;
	struct reading rd;

	assert_non_null(x);
	patient_stream(&r, seed, p->key, STREAM_PHYSIOLOGY);
	phys_init(&s, m, p, &r);
	for (size_t i = 0; i < n; i++) {
		phys_next(&s, m, START + (int64_t)i * interval, &v);
		phys_round(&v, &rd);
		as_array(&rd, x + i * NV);
	}
	return x;
}

static double
mean(const double *x, size_t n, int k)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += x[i * NV + k];
	return s / n;
}

static double
corr(const double *x, const double *y, size_t n, int kx, int ky)
{
	double mx = mean(x, n, kx), my = mean(y, n, ky), sxy = 0, sxx = 0,
	    syy = 0;

	for (size_t i = 0; i < n; i++) {
		double a = x[i * NV + kx] - mx, b = y[i * NV + ky] - my;
		sxy += a * b;
		sxx += a * a;
		syy += b * b;
	}
	return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

/* --- a simulated day ------------------------------------------------- */

#define NPAT	300
#define DAY_N	1440		/* one reading a minute */

static struct cohort cohort;
static double *day[NPAT];

static int
setup_day(void **state)
{
	struct phys_model m;

	(void)state;
	cohort_builtin(&cohort, NPAT, 2026);
	phys_model_init(&m, 60 * USEC_PER_SEC);
	for (size_t k = 0; k < NPAT; k++)
		day[k] = simulate(&m, &cohort.p[k], DAY_N, 60 * USEC_PER_SEC,
		    2026);
	return 0;
}

static int
teardown_day(void **state)
{
	(void)state;
	for (size_t k = 0; k < NPAT; k++)
		free(day[k]);
	cohort_free(&cohort);
	return 0;
}

/* Pooled mean and SD of vital k over the adults' whole day. */
static void
pooled(int k, double *m, double *sd)
{
	double s = 0, ss = 0;
	size_t n = 0;

	for (size_t p = 0; p < NPAT; p++) {
		if (cohort.p[p].age < 18)
			continue;
		for (size_t i = 0; i < DAY_N; i++) {
			double v = day[p][i * NV + k];
			s += v;
			ss += v * v;
			n++;
		}
	}
	*m = s / n;
	*sd = sqrt((ss - s * s / n) / (n - 1));
}

static void
test_published_ranges(void **state)
{
	/* Adult inpatients: NHANES means (HR 72, BP 122/71) and the notes'
	 * suggested spreads, widened for an older, sicker population. */
	static const struct {
		const char *name;
		double mlo, mhi, sdlo, sdhi;
	} want[NV] = {
		{ "heart_rate", 68, 85, 9, 16 },
		{ "temperature", 36.3, 36.9, 0.2, 0.45 },
		{ "spo2", 94, 98.5, 1, 3.5 },
		{ "respiration_rate", 14, 20, 2, 4.5 },
		{ "systolic", 118, 138, 14, 24 },
		{ "diastolic", 65, 82, 8, 15 },
	};
	double m, sd;

	(void)state;
	for (int k = 0; k < NV; k++) {
		pooled(k, &m, &sd);
		printf("  %-16s mean %6.2f  sd %5.2f\n", want[k].name, m, sd);
		assert_true(m >= want[k].mlo && m <= want[k].mhi);
		assert_true(sd >= want[k].sdlo && sd <= want[k].sdhi);
	}
	/* Every reading is one a monitor can show. */
	for (size_t p = 0; p < NPAT; p++)
		for (size_t i = 0; i < DAY_N; i++) {
			const double *x = day[p] + i * NV;
			assert_true(x[0] >= 25 && x[0] <= 250);
			assert_true(x[1] >= 30 && x[1] <= 44);
			assert_true(x[2] >= 50 && x[2] <= 100);
			assert_true(x[2] == floor(x[2]));
			assert_true(fabs(x[1] * 10 - round(x[1] * 10)) < 1e-9);
			assert_true(x[5] < x[4]);
		}
}

/* Children by age: infants far faster than adults. */
static void
test_children(void **state)
{
	double hr = 0, rr = 0;
	size_t n = 0;

	(void)state;
	for (size_t p = 0; p < NPAT; p++) {
		if (cohort.p[p].age >= 2)
			continue;
		hr += mean(day[p], DAY_N, 0);
		rr += mean(day[p], DAY_N, 3);
		n++;
	}
	assert_true(n >= 3);
	assert_true(hr / n > 110 && hr / n < 155);
	assert_true(rr / n > 25 && rr / n < 50);
}

static double
group_mean(enum condition c, bool with, int k)
{
	double s = 0;
	size_t n = 0;

	for (size_t p = 0; p < NPAT; p++) {
		const struct patient *pt = &cohort.p[p];
		if (pt->age < 18 ||
		    ((pt->conditions & CONDBIT(c)) != 0) != with)
			continue;
		s += mean(day[p], DAY_N, k);
		n++;
	}
	assert_true(n >= 5);
	return s / n;
}

static void
test_conditions_show(void **state)
{
	(void)state;
	/* Hypertension raises systolic; COPD lowers SpO2 and quickens
	 * breathing.  (Rarer conditions are checked on the baselines of a
	 * larger cohort in test_cohort.) */
	assert_true(group_mean(COND_HYPERTENSION, true, 4) >
	    group_mean(COND_HYPERTENSION, false, 4) + 10);
	assert_true(group_mean(COND_COPD, true, 2) <
	    group_mean(COND_COPD, false, 2) - 2.5);
	assert_true(group_mean(COND_COPD, true, 3) >
	    group_mean(COND_COPD, false, 3) + 1);
}

/* Temperature peaks late in the afternoon and is lowest before dawn;
 * blood pressure dips at night. */
static void
test_daily_rhythm(void **state)
{
	double t_pm = 0, t_am = 0, bp_day = 0, bp_night = 0;

	(void)state;
	for (size_t p = 0; p < NPAT; p++)
		for (size_t i = 0; i < 60; i++) {
			t_pm += day[p][(17 * 60 + i) * NV + 1];
			t_am += day[p][(5 * 60 + i) * NV + 1];
			bp_day += day[p][(11 * 60 + i) * NV + 4];
			bp_night += day[p][(23 * 60 + i) * NV + 4];
		}
	assert_true((t_pm - t_am) / (NPAT * 60) > 0.25);
	assert_true((bp_day - bp_night) / (NPAT * 60) > 4);
}

/* --- two hours at the default five seconds --------------------------- */

static void
test_autocorrelation(void **state)
{
	struct phys_model m;
	struct cohort c;
	double lag1[NV] = { 0 }, hr_rr = 0, sbp_dbp = 0;
	size_t n = 1440, np = 60;

	(void)state;
	cohort_builtin(&c, np, 9);
	phys_model_init(&m, 5 * USEC_PER_SEC);
	for (size_t p = 0; p < np; p++) {
		double *x = simulate(&m, &c.p[p], n, 5 * USEC_PER_SEC, 9);
		for (int k = 0; k < NV; k++)
			lag1[k] += corr(x, x + NV, n - 1, k, k) / np;
		hr_rr += corr(x, x, n, 0, 3) / np;
		sbp_dbp += corr(x, x, n, 4, 5) / np;
		free(x);
	}
	for (int k = 0; k < NV; k++)
		printf("  lag-1 autocorrelation of vital %d: %.3f\n", k,
		    lag1[k]);
	printf("  HR-RR %.3f, SBP-DBP %.3f\n", hr_rr, sbp_dbp);
	/* Independent draws would give about 0. */
	assert_true(lag1[0] > 0.85);	/* HR */
	assert_true(lag1[1] > 0.8);	/* temperature, at 0.1 C steps */
	assert_true(lag1[2] > 0.5);	/* SpO2, whole percent */
	assert_true(lag1[3] > 0.8);	/* RR */
	assert_true(lag1[4] > 0.85);	/* SBP */
	assert_true(lag1[5] > 0.8);	/* DBP */
	assert_true(hr_rr > 0.25);
	assert_true(sbp_dbp > 0.5);
	cohort_free(&c);
}

/* The same stream gives the same readings; another seed does not. */
static void
test_reproducible(void **state)
{
	struct phys_model m;
	struct cohort c;
	double *a, *b, *d;

	(void)state;
	cohort_builtin(&c, 1, 4);
	phys_model_init(&m, 5 * USEC_PER_SEC);
	a = simulate(&m, &c.p[0], 500, 5 * USEC_PER_SEC, 4);
	b = simulate(&m, &c.p[0], 500, 5 * USEC_PER_SEC, 4);
	d = simulate(&m, &c.p[0], 500, 5 * USEC_PER_SEC, 5);
	assert_memory_equal(a, b, 500 * NV * sizeof *a);
	assert_memory_not_equal(a, d, 500 * NV * sizeof *a);
	free(a);
	free(b);
	free(d);
	cohort_free(&c);
}

/* Norms at the ages the notes quote. */
static void
test_norms(void **state)
{
	struct vitals v;

	(void)state;
	phys_norms(0, 'F', &v);
	assert_true(fabs(v.hr - 127) < 1 && fabs(v.rr - 44) < 1);
	phys_norms(1.0 / 12, 'F', &v);
	assert_true(fabs(v.hr - 145) < 2);
	phys_norms(2, 'M', &v);
	assert_true(fabs(v.hr - 113) < 1 && fabs(v.rr - 26) < 1);
	phys_norms(40, 'F', &v);
	assert_true(v.hr == 74 && v.rr == 16 && fabs(v.spo2 - 97.5) < 1e-9);
	phys_norms(40, 'M', &v);
	assert_true(v.hr == 71);
	phys_norms(50, 'M', &v);
	assert_true(fabs(v.temp - 36.6) < 1e-9);
	phys_norms(90, 'M', &v);
	assert_true(v.temp < 36.6 && v.spo2 < 96.5);
}

/* Rounding and clamping as the device reports. */
static void
test_round(void **state)
{
	struct vitals v = { .hr = 72.5, .temp = 36.849, .spo2 = 100.7,
	    .rr = 15.4, .sbp = 120.2, .dbp = 119.9 };
	struct reading r;

	(void)state;
	phys_round(&v, &r);
	assert_int_equal(r.hr, 73);
	assert_true(r.temp == 36.8);
	assert_true(r.spo2 == 100);
	assert_int_equal(r.rr, 15);
	assert_int_equal(r.sbp, 120);
	assert_int_equal(r.dbp, 110);	/* kept below the systolic */
	v.hr = 900;
	v.temp = 12;
	phys_round(&v, &r);
	assert_int_equal(r.hr, 250);
	assert_true(r.temp == 30);
}

int
main(void)
{
	const struct CMUnitTest day_tests[] = {
		cmocka_unit_test(test_published_ranges),
		cmocka_unit_test(test_children),
		cmocka_unit_test(test_conditions_show),
		cmocka_unit_test(test_daily_rhythm),
	};
	const struct CMUnitTest other[] = {
		cmocka_unit_test(test_autocorrelation),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_norms),
		cmocka_unit_test(test_round),
	};
	return cmocka_run_group_tests_name("simulated day", day_tests,
	    setup_day, teardown_day) | cmocka_run_group_tests_name("other",
	    other, NULL, NULL);
}
