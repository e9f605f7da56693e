/*
 * featurize: feature names and the configuration's JSON, then the
 * extractor on hand-built streams whose expected figures follow from the
 * definitions in featurize.h: NaN through the warm-up, a missing vital
 * that leaves the others alone, the fast mean's time constant, a baseline
 * that a shift does not enter within the lag and a far-off minute never
 * enters, the trend of a ramp, patients independent of each other, late
 * readings that change nothing, memory bounded by patient count and
 * idleness, and the fields taken from a scanned Silver line.
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

#include "alert.h"
#include "cohort.h"
#include "featurize.h"
#include "rng.h"

#define S	INT64_C(1000000)	/* one second in usec */
#define MIN	(60 * S)
#define T0	(INT64_C(1767225600) * S)	/* 2026-01-01, a whole minute */

/* A steady patient, in enum vital order; every value and every sum of a
 * minute of them is exact in a float, so their minute means are exact. */
static const double calm[NVITALS] = { 80, 16, 97, 37, 120, 80 };

static const char *const suffixes[NKINDS] = {
	"", "_z", "_trend", "_fast", "_trend_z"
};

/* Every feature there is: 6 vitals x 5 kinds, then the 5 aggregates. */
static void
all_features(struct feature_set *fs)
{
	char list[1024] = "", err[256];

	for (int v = 0; v < NVITALS; v++)
		for (int k = 0; k < NKINDS; k++) {
			strcat(list, vital_field((enum vital)v));
			strcat(list, suffixes[k]);
			strcat(list, ",");
		}
	strcat(list, "deviation_max,deviation_norm,trend_max,trend_z_max,"
	    "trend_z_norm");
	if (feature_set_parse(list, fs, err, sizeof err) != 0)
		fail_msg("all features: %s", err);
}

static double
feat(const struct feature_set *fs, const double *out, const char *name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->name[i], name) == 0)
			return out[i];
	fail_msg("no feature %s", name);
	return NAN;
}

static void
near(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: got %.17g, expected %.17g", what, got, want);
}

/* Equal, NaN equal to NaN: the same computation on the same state. */
static void
same_vector(const double *a, const double *b, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (!(a[i] == b[i] || (isnan(a[i]) && isnan(b[i]))))
			fail_msg("%s: feature %zu: %.17g vs %.17g", what, i,
			    a[i], b[i]);
}

static void
one_feature(struct feature_set *fs, const char *name)
{
	char err[256];

	if (feature_set_parse(name, fs, err, sizeof err) != 0)
		fail_msg("%s: %s", name, err);
}

static struct extractor *
extractor_default(const struct feature_set *fs)
{
	struct features_config c;

	features_config_init(&c);
	return extractor_new(&c, fs);
}

static void
feed(struct extractor *x, const char *id, int64_t t, const double *v,
    double *out)
{
	extractor_update(x, id, strlen(id), t, v, NULL, out);
}

static void
parse_refused(const char *list, const char *message)
{
	struct feature_set fs;
	char err[256] = "";

	assert_int_equal(feature_set_parse(list, &fs, err, sizeof err), -1);
	if (strstr(err, message) == NULL)
		fail_msg("'%s': message '%s'", list, err);
}

static void
test_feature_set_parse(void **state)
{
	(void)state;
	struct feature_set fs;
	char err[256];

	assert_int_equal(feature_set_parse("default", &fs, err, sizeof err), 0);
	assert_int_equal(fs.n, 18);
	assert_string_equal(fs.name[0], "heart_rate");
	assert_string_equal(fs.name[17], "bp_diastolic_trend");
	assert_non_null(strstr(feature_set_default(), "spo2_z"));

	/* One name of each kind, in an order of their own. */
	static const struct {
		enum vital v;
		enum feature_kind k;
	} want[] = {
	    { V_SPO2, FK_TREND }, { NVITALS, FK_DEVIATION_NORM },
	    { V_HEART_RATE, FK_Z }, { V_TEMPERATURE, FK_FAST },
	    { V_BP_SYSTOLIC, FK_VALUE }, { NVITALS, FK_TREND_MAX },
	    { NVITALS, FK_DEVIATION_MAX },
	};
	assert_int_equal(feature_set_parse("spo2_trend,deviation_norm,"
	    "heart_rate_z,temperature_fast,bp_systolic,trend_max,"
	    "deviation_max", &fs, err, sizeof err), 0);
	assert_int_equal(fs.n, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(fs.vital[i], want[i].v);
		assert_int_equal(fs.kind[i], want[i].k);
	}
	all_features(&fs);
	assert_int_equal(fs.n, FEATURES_MAX);

	parse_refused("heart_rate,pulse_z", "unknown feature 'pulse_z'");
	parse_refused("spo2,heart_rate,spo2", "'spo2' given twice");
	parse_refused("trend_max,trend_max", "'trend_max' given twice");
	parse_refused("", "no features");

	char *names[] = { "trend_max", "heart_rate_fast" }, *bad[] = { "hr" };
	assert_int_equal(feature_set_from_names(names, 2, &fs, err,
	    sizeof err), 0);
	assert_int_equal(fs.n, 2);
	assert_int_equal(fs.kind[1], FK_FAST);
	assert_int_equal(feature_set_from_names(bad, 1, &fs, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "'hr'"));
	assert_int_equal(feature_set_from_names(names, 0, &fs, err,
	    sizeof err), -1);
}

static void
test_config_json(void **state)
{
	(void)state;
	struct features_config c, d;
	char err[256];

	features_config_init(&c);
	c.fast_tau = 30 * S;
	c.base_tau = 3 * 3600 * S;
	c.base_lag = 45 * MIN;
	c.warmup = 20 * MIN;
	c.trend_span = 10 * MIN;
	c.patient_idle = 2 * 3600 * S;
	json_t *j = features_config_to_json(&c);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "baseline_lag_s")), 2700);
	features_config_init(&d);
	assert_int_equal(features_config_from_json(j, &d, err, sizeof err), 0);
	assert_true(d.fast_tau == c.fast_tau && d.base_tau == c.base_tau &&
	    d.base_lag == c.base_lag && d.warmup == c.warmup &&
	    d.trend_span == c.trend_span && d.patient_idle == c.patient_idle);
	json_decref(j);

	/* Absent keys keep what was there. */
	j = json_pack("{s:i}", "fast_tau_s", 90);
	assert_int_equal(features_config_from_json(j, &d, err, sizeof err), 0);
	assert_true(d.fast_tau == 90 * S && d.base_lag == 45 * MIN &&
	    d.patient_idle == 2 * 3600 * S);
	json_decref(j);

	/* Each bound, one over; a real and a string are not whole seconds;
	 * the lag and the trend span are counted in whole minutes. */
	static const char *const refused[] = {
	    "{\"fast_tau_s\":0}", "{\"fast_tau_s\":3601}",
	    "{\"baseline_tau_s\":59}", "{\"baseline_tau_s\":604801}",
	    "{\"baseline_lag_s\":86460}", "{\"warmup_s\":59}",
	    "{\"trend_span_s\":30}", "{\"patient_idle_s\":2592001}",
	    "{\"fast_tau_s\":60.0}", "{\"warmup_s\":\"900\"}",
	    "{\"baseline_lag_s\":600,\"trend_span_s\":900}",
	    "{\"baseline_lag_s\":1830}", "{\"trend_span_s\":90}",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		features_config_init(&d);
		j = json_loads(refused[i], 0, NULL);
		assert_non_null(j);
		err[0] = '\0';
		if (features_config_from_json(j, &d, err, sizeof err) != -1)
			fail_msg("accepted %s", refused[i]);
		assert_non_null(strstr(err, "_s must"));
		json_decref(j);
	}

	/* A misspelt key, or a configuration that is not an object, is
	 * refused rather than leaving the defaults in place; none at all
	 * keeps them. */
	static const char *const malformed[] = {
	    "{\"fast_tau\":60}", "{\"fast_tau_s\":60,\"Warmup_s\":900}",
	    "[60]", "\"fast\"",
	};
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		features_config_init(&d);
		j = json_loads(malformed[i], JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		if (features_config_from_json(j, &d, err, sizeof err) != -1)
			fail_msg("accepted %s", malformed[i]);
		json_decref(j);
	}
	features_config_init(&c);
	d = c;
	assert_int_equal(features_config_from_json(NULL, &d, err, sizeof err),
	    0);
	assert_memory_equal(&c, &d, sizeof c);

	/* The prior's weight: off unless given (models made before priors
	 * keep their features), whole minutes, at most a day. */
	assert_true(c.prior_weight == 0);
	j = features_config_to_json(&c);
	assert_null(json_object_get(j, "prior_weight_s"));
	json_decref(j);
	j = json_pack("{s:i}", "prior_weight_s", 900);
	assert_int_equal(features_config_from_json(j, &d, err, sizeof err), 0);
	assert_true(d.prior_weight == 15 * MIN);
	json_decref(j);
	j = features_config_to_json(&d);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "prior_weight_s")), 900);
	json_decref(j);
	static const char *const prior_refused[] = {
	    "{\"prior_weight_s\":30}", "{\"prior_weight_s\":86460}",
	    "{\"prior_weight_s\":-60}",
	};
	for (size_t i = 0; i < 3; i++) {
		j = json_loads(prior_refused[i], 0, NULL);
		if (features_config_from_json(j, &d, err, sizeof err) != -1)
			fail_msg("accepted %s", prior_refused[i]);
		json_decref(j);
	}
}

/*
 * Time constants follow time, not reading counts: a patient read every 10
 * minutes and one read every 5 seconds, both steady and then 4/min faster
 * for good, have the same baseline and the same z at the same moments,
 * since a reading after a gap is worth the minutes of the gap (up to
 * EVIDENCE_CAP), within 15% (the spread is sampled once a reading, so a
 * changing distance from the baseline is sampled more coarsely).  Counted
 * in readings, the 10-minute patient's baseline would move ten times
 * slower, and z would differ by half.  And at an hourly cadence a baseline
 * forms within hours, not days.
 */
static void
test_cadence_follows_time(void **state)
{
	(void)state;
	struct feature_set fs;
	double a[FEATURES_MAX], b[FEATURES_MAX], v[NVITALS];
	int compared = 0;
	double peak = 0;

	one_feature(&fs, "heart_rate_z");
	struct extractor *x = extractor_default(&fs);
	memcpy(v, calm, sizeof v);
	for (int64_t t = T0; t <= T0 + 12 * 60 * MIN; t += 5 * S) {
		v[V_HEART_RATE] = t < T0 + 6 * 60 * MIN ? 80 : 84;
		feed(x, "often", t, v, a);
		peak = a[0] > peak ? a[0] : peak;
		if ((t - T0) % (10 * MIN) != 0)
			continue;
		feed(x, "seldom", t, v, b);
		/* From the step's first 10 minutes on, when the 5-second
		 * patient's fast mean has caught up with the step (the
		 * 10-minute one's is its reading). */
		if (t < T0 + 6 * 60 * MIN + 10 * MIN)
			continue;
		near(b[0], a[0], 0.15 * fmax(1, fabs(a[0])),
		    "z read every 10 minutes");
		compared++;
	}
	assert_int_equal(compared, 36);
	/* The step showed, and was being learnt: z rose, then fell. */
	if (!(peak > 1 && a[0] > 0 && a[0] < peak / 2))
		fail_msg("z peaked at %g, ended at %g", peak, a[0]);

	/* Hourly: the first reading counts a minute, each later one ten,
	 * so the 15 minutes of warm-up are there at the fourth reading. */
	for (int64_t t = T0; t <= T0 + 3 * 60 * MIN; t += 60 * MIN) {
		feed(x, "hourly", t, calm, b);
		assert_int_equal(!isnan(b[0]), t == T0 + 3 * 60 * MIN);
	}
	extractor_free(x);
}

/*
 * A charted vital stands until it is due again: a temperature taken every
 * 4 hours, beside heart rate every 5 seconds, is still the temperature 3
 * hours after it was taken (once its own interval is known), and goes
 * stale after half as long again (6 hours).  A vital streamed every 5
 * seconds goes stale after 5 minutes, as before.
 */
static void
test_charted_vital(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[FEATURES_MAX], v[NVITALS];
	const int64_t end = T0 + 12 * 60 * MIN + 4 * 60 * MIN + 7 * 60 * MIN;

	all_features(&fs);
	struct extractor *x = extractor_default(&fs);
	for (int64_t t = T0; t <= end; t += 5 * S) {
		memcpy(v, calm, sizeof v);
		int64_t since = (t - T0) % (4 * 60 * MIN);
		if (since != 0 || t > T0 + 16 * 60 * MIN)
			v[V_TEMPERATURE] = NAN;
		feed(x, "p", t, v, out);
		double temp = feat(&fs, out, "temperature_fast");
		if (t == T0 + 12 * 60 * MIN + 3 * 60 * MIN)
			assert_true(temp == 37);
		if (t == T0 + 16 * 60 * MIN + 5 * 60 * MIN)
			assert_true(temp == 37);
		if (t == end)
			assert_true(isnan(temp));
		assert_true(feat(&fs, out, "heart_rate_fast") == 80);
	}
	extractor_free(x);
}

/*
 * Hourly readings have no minute mean 15 minutes back: the trend is
 * measured from the reading before, in a spread widened for the hour,
 * so a heart rate rising 10/min an hour has a trend of 10 and a positive
 * trend in spreads, not NaN.
 */
static void
test_sparse_trend(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[FEATURES_MAX], v[NVITALS];
	char err[256];

	if (feature_set_parse("heart_rate_trend,heart_rate_trend_z", &fs, err,
	    sizeof err) != 0)
		fail_msg("%s", err);
	struct extractor *x = extractor_default(&fs);
	memcpy(v, calm, sizeof v);
	for (int k = 0; k < 8; k++) {
		v[V_HEART_RATE] = k < 5 ? 80 : 80 + 10 * (k - 4);
		feed(x, "p", T0 + k * 60 * MIN, v, out);
		if (k == 0)
			assert_true(isnan(out[0]));
		else
			near(out[0], k < 5 ? 0 : 10, 1e-9, "hourly trend");
		if (k >= 6 && !(out[1] > 1))
			fail_msg("trend in spreads at hour %d: %g", k, out[1]);
	}
	extractor_free(x);
}

static struct extractor *
extractor_prior(const struct feature_set *fs, int64_t weight)
{
	struct features_config c;

	features_config_init(&c);
	c.prior_weight = weight;
	return extractor_new(&c, fs);
}

static void
feed_facts(struct extractor *x, const char *id, int64_t t, const double *v,
    const struct patient_facts *f, double *out)
{
	extractor_update(x, id, strlen(id), t, v, f, out);
}

/*
 * With a prior, a patient has a baseline from the first reading: z and
 * the aggregates are never NaN (trends still need trend_span of history),
 * and an ordinary adult is near it.  The prior is the norm for the
 * patient's age: 130/min is far off for an adult of 40 and ordinary for
 * a child of one.
 */
static void
test_prior_from_first_reading(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[FEATURES_MAX], v[NVITALS];
	const struct patient_facts adult = { 40.5, 'F', 0, false };
	const struct patient_facts infant = { 1.5, 'M', 0, false };

	all_features(&fs);
	struct extractor *x = extractor_prior(&fs, 15 * MIN);
	for (int64_t t = T0; t < T0 + 20 * MIN; t += 5 * S) {
		feed_facts(x, "calm", t, calm, &adult, out);
		for (int k = 0; k < NVITALS; k++)
			assert_false(isnan(out[k * NKINDS + FK_Z]));
		assert_false(isnan(feat(&fs, out, "deviation_max")));
		assert_true(feat(&fs, out, "deviation_max") < 1.5);
		assert_int_equal(!isnan(feat(&fs, out, "trend_z_max")),
		    t >= T0 + 15 * MIN);
	}
	memcpy(v, calm, sizeof v);
	v[V_HEART_RATE] = 130;
	feed_facts(x, "adult", T0, v, &adult, out);
	double adult_z = feat(&fs, out, "heart_rate_z");
	feed_facts(x, "infant", T0, v, &infant, out);
	double infant_z = feat(&fs, out, "heart_rate_z");
	if (!(adult_z > 4 && fabs(infant_z) < 1.5))
		fail_msg("130/min: adult z %g, infant z %g", adult_z,
		    infant_z);
	/* Without the roster the prior is wider: an adult of 50 with
	 * twice the spread. */
	feed_facts(x, "unknown", T0, v, NULL, out);
	double unknown_z = feat(&fs, out, "heart_rate_z");
	if (!(unknown_z > 1.5 && unknown_z < adult_z))
		fail_msg("130/min, no facts: z %g (adult %g)", unknown_z,
		    adult_z);
	extractor_free(x);
}

/*
 * A patient who arrives far from the norm (heart rate 140) is not taken
 * at their word: two hours on, z is still large, since those minutes were
 * left out of the baseline.  After that they are believed, and as their
 * own minutes outweigh the prior z comes down.  Without a prior the
 * warm-up minutes make 140 the baseline at once.
 */
static void
test_prior_arrival_far_off(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[FEATURES_MAX], v[NVITALS];
	const struct patient_facts adult = { 40.5, 'M', 0, false };

	one_feature(&fs, "heart_rate_z");
	struct extractor *x = extractor_prior(&fs, 15 * MIN);
	struct extractor *plain = extractor_default(&fs);
	memcpy(v, calm, sizeof v);
	v[V_HEART_RATE] = 140;
	double at2h = NAN, at8h = NAN, plain_at1h = NAN;
	for (int64_t t = T0; t <= T0 + 8 * 60 * MIN; t += 5 * S) {
		feed_facts(x, "p", t, v, &adult, out);
		if (t == T0 + 2 * 60 * MIN)
			at2h = out[0];
		at8h = out[0];
		feed_facts(plain, "p", t, v, &adult, out);
		if (t == T0 + 60 * MIN)
			plain_at1h = out[0];
	}
	if (!(at2h > 4 && fabs(at8h) < 1.5 && fabs(plain_at1h) < 0.5))
		fail_msg("z at 2 h %g, at 8 h %g; without a prior at 1 h %g",
		    at2h, at8h, plain_at1h);
	extractor_free(x);
	extractor_free(plain);
}

/*
 * A baseline counts once warmup (15) minutes are in it and 15 once-a-
 * minute samples of the spread (featurize.c): minute k goes in when minute
 * k + 1 begins, and the spread is first sampled at 2:00, when minute 0 is
 * already in; so the 15th sample, and z, come at 16:00.  Before that the
 * reading and its fast mean are there from the first reading on.
 */
static void
test_warmup(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[FEATURES_MAX];

	all_features(&fs);
	struct extractor *x = extractor_default(&fs);
	for (int64_t t = T0; t < T0 + 20 * MIN; t += 5 * S) {
		feed(x, "p", t, calm, out);
		assert_true(feat(&fs, out, "heart_rate") == 80);
		assert_true(feat(&fs, out, "heart_rate_fast") == 80);
		assert_true(feat(&fs, out, "temperature") == 37);
		bool based = t >= T0 + 16 * MIN;
		for (int v = 0; v < NVITALS; v++)
			assert_int_equal(!isnan(out[v * NKINDS + FK_Z]),
			    based);
		assert_int_equal(!isnan(feat(&fs, out, "deviation_max")),
		    based);
		assert_int_equal(!isnan(feat(&fs, out, "deviation_norm")),
		    based);
		/* A trend needs the minute trend_span (15) ago; in
		 * spreads, the baseline too. */
		assert_int_equal(!isnan(feat(&fs, out, "spo2_trend")),
		    t >= T0 + 15 * MIN);
		assert_int_equal(!isnan(feat(&fs, out, "spo2_trend_z")),
		    based);
		assert_int_equal(!isnan(feat(&fs, out, "trend_z_norm")),
		    based);
		/* A steady patient: the fast mean is the baseline, exactly. */
		if (based) {
			assert_true(feat(&fs, out, "heart_rate_z") == 0);
			assert_true(feat(&fs, out, "deviation_max") == 0);
			assert_true(feat(&fs, out, "trend_max") == 0);
			assert_true(feat(&fs, out, "trend_z_max") == 0);
		}
	}
	extractor_free(x);
}

/*
 * A vital that never comes has NaN for all its features, and every other
 * vital's features are those of a run where it came: one vital's absence
 * leaks into no other column.
 */
static void
test_missing_vital(void **state)
{
	(void)state;
	struct feature_set fs;
	double with[FEATURES_MAX], without[FEATURES_MAX];
	struct rng g;

	all_features(&fs);
	struct extractor *a = extractor_default(&fs);
	struct extractor *b = extractor_default(&fs);
	rng_seed(&g, 7);
	for (int64_t t = T0; t < T0 + 60 * MIN; t += 5 * S) {
		double v[NVITALS];
		for (int i = 0; i < NVITALS; i++)
			v[i] = calm[i] + 2 * rng_normal(&g);
		feed(a, "p", t, v, with);
		v[V_SPO2] = NAN;
		feed(b, "p", t, v, without);
		for (int i = 0; i < NVITALS; i++) {
			const double *w = with + i * NKINDS;
			const double *o = without + i * NKINDS;
			if (i == V_SPO2) {
				for (int k = 0; k < NKINDS; k++)
					assert_true(isnan(o[k]));
			} else {
				same_vector(w, o, NKINDS, vital_field(i));
			}
		}
		if (t < T0 + 16 * MIN)
			continue;
		/* The aggregates are over the five vitals there are. */
		double zmax = 0, sumsq = 0;
		for (int i = 0; i < NVITALS; i++) {
			double z = without[i * NKINDS + FK_Z];
			if (i == V_SPO2)
				continue;
			zmax = fmax(zmax, fabs(z));
			sumsq += z * z;
		}
		assert_true(feat(&fs, without, "deviation_max") == zmax);
		near(feat(&fs, without, "deviation_norm"), sqrt(sumsq / 5),
		    1e-12, "deviation_norm");
		assert_false(isnan(feat(&fs, without, "trend_max")));
	}

	extractor_free(a);
	extractor_free(b);
}

/* A vital missing from one reading has a NaN value but keeps its fast
 * mean and z; missing for more than 5 minutes (the freshness limit in
 * featurize.c) it has none. */
static void
test_vital_dropout(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[FEATURES_MAX], prev[FEATURES_MAX], v[NVITALS];
	int64_t t;

	all_features(&fs);
	struct extractor *x = extractor_default(&fs);
	memcpy(v, calm, sizeof v);
	for (t = T0; t <= T0 + 20 * MIN; t += 5 * S)
		feed(x, "p", t, v, prev);
	v[V_HEART_RATE] = NAN;
	feed(x, "p", t, v, out);
	assert_true(isnan(feat(&fs, out, "heart_rate")));
	assert_true(feat(&fs, out, "heart_rate_fast") == 80);
	assert_true(feat(&fs, out, "heart_rate_z") == 0);
	for (int64_t end = t + 5 * MIN + 5 * S; t <= end; t += 5 * S)
		feed(x, "p", t, v, out);
	assert_true(isnan(feat(&fs, out, "heart_rate_fast")));
	assert_true(isnan(feat(&fs, out, "heart_rate_z")));
	assert_true(isnan(feat(&fs, out, "heart_rate_trend")));
	assert_true(feat(&fs, out, "temperature_z") == 0);
	extractor_free(x);
}

/*
 * The fast mean is exponential in time with fast_tau (60 s): at each
 * reading f += (1 - e^(-dt/tau)) (x - f).  After a step from 80 to 100
 * held over 60 s of intervals the remaining gap is 20 e^-1: with 5 s
 * readings that is after the 12th reading at 100 (the interval before the
 * first one counts), with 15 s readings after the 4th.  The continuous
 * 1 - 1/e at exactly one tau past the first new reading differs from it
 * by one sample's progress, 20/e (1 - e^(-5/60)) = 0.59.
 */
static void
test_fast_mean(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[1], v[NVITALS];
	const double want = 100 - 20 / M_E;

	one_feature(&fs, "heart_rate_fast");
	struct extractor *x = extractor_default(&fs);
	memcpy(v, calm, sizeof v);
	int64_t t;
	for (t = T0; t < T0 + 10 * MIN; t += 5 * S)
		feed(x, "five", t, v, out);
	assert_true(out[0] == 80);
	v[V_HEART_RATE] = 100;
	double last = 80;
	for (int i = 1; i <= 12; i++, t += 5 * S) {
		feed(x, "five", t, v, out);
		assert_true(out[0] > last && out[0] < 100);
		last = out[0];
	}
	near(out[0], want, 1e-9, "5 s readings, one tau");
	feed(x, "five", t, v, out);	/* one tau after the first 100 */
	near(out[0], want, 20 / M_E * (1 - exp(-5.0 / 60)) + 1e-9,
	    "continuous one tau");

	v[V_HEART_RATE] = 80;
	for (t = T0; t < T0 + 10 * MIN; t += 15 * S)
		feed(x, "fifteen", t, v, out);
	v[V_HEART_RATE] = 100;
	for (int i = 1; i <= 4; i++, t += 15 * S)
		feed(x, "fifteen", t, v, out);
	near(out[0], want, 1e-9, "15 s readings, one tau");

	/* After more than 5 minutes without a reading the mean restarts. */
	v[V_HEART_RATE] = 60;
	feed(x, "fifteen", t + 6 * MIN, v, out);
	assert_true(out[0] == 60);
	extractor_free(x);
}

/* One hour of steady readings, the vitals in v, from T0. */
static void
steady_hour(struct extractor *x, const double *v, double *out)
{
	for (int64_t t = T0; t < T0 + 60 * MIN; t += 5 * S)
		feed(x, "p", t, v, out);
}

/*
 * HR 80 for an hour, then 120 for four.  Before the shift the spread of a
 * steady patient is the prior shrunk, 5 sqrt(60 / (60 + n)) <= 5, so the
 * shift is more than 2.5 spreads: its minutes are kept out of the
 * baseline and out of the spread, and z = (fast - 80) / spread stays at
 * least (120 - 40 e^-5 - 80) / 5 > 7.9 from 5 minutes on: through the
 * 30-minute lag, and long after it (the baseline's own tau is 2 h).  The
 * other vitals are steady (z = 0), so deviation_max = |z| and
 * deviation_norm = |z| / sqrt(6).
 */
static void
test_shift_not_absorbed(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[FEATURES_MAX], v[NVITALS];

	all_features(&fs);
	struct extractor *x = extractor_default(&fs);
	memcpy(v, calm, sizeof v);
	steady_hour(x, v, out);
	v[V_HEART_RATE] = 120;
	for (int64_t t = T0 + 60 * MIN; t < T0 + 300 * MIN; t += 5 * S) {
		feed(x, "p", t, v, out);
		if (t < T0 + 65 * MIN)
			continue;
		double z = feat(&fs, out, "heart_rate_z");
		if (!(z > 7.9 && z <= 20))
			fail_msg("z %g at minute %lld", z,
			    (long long)((t - T0) / MIN));
		assert_true(feat(&fs, out, "deviation_max") == z);
		near(feat(&fs, out, "deviation_norm"), z / sqrt(6), 1e-12,
		    "deviation_norm");
	}
	extractor_free(x);
}

/*
 * A baseline is recovered from the features: with heart rate the only
 * vital, trend_max = |v_trend| / spread, so baseline = v_fast - v_z *
 * |v_trend| / trend_max, while the trend is not 0; with trend_span = the
 * lag (30 min) it is not, through the whole lag after a step.  A step of
 * 6 (less than 2.5 spreads, so not clipped) leaves the baseline at 80
 * for all of the lag, then enters it: 3.5 hours on, z < 0.5, where a
 * baseline still at 80 would give z >= 6 / 6 (the spread is a mean of
 * the prior 5 and of squares of gaps of at most 6, so at most 6).
 */
static void
test_baseline_lag(void **state)
{
	(void)state;
	struct feature_set fs;
	struct features_config c;
	double out[FEATURES_MAX], v[NVITALS];

	all_features(&fs);
	features_config_init(&c);
	c.trend_span = c.base_lag;
	struct extractor *x = extractor_new(&c, &fs);
	for (int i = 0; i < NVITALS; i++)
		v[i] = NAN;
	v[V_HEART_RATE] = 80;
	steady_hour(x, v, out);
	v[V_HEART_RATE] = 86;
	int64_t t, shift = T0 + 60 * MIN;
	for (t = shift; t < shift + 30 * MIN; t += 5 * S) {
		feed(x, "p", t, v, out);
		double trend = feat(&fs, out, "heart_rate_trend");
		double base = feat(&fs, out, "heart_rate_fast") -
		    feat(&fs, out, "heart_rate_z") * fabs(trend) /
		    feat(&fs, out, "trend_max");
		assert_true(trend > 0);
		near(base, 80, 1e-9, "baseline within the lag");
	}
	for (; t < shift + 240 * MIN; t += 5 * S)
		feed(x, "p", t, v, out);
	double z = feat(&fs, out, "heart_rate_z");
	if (!(z >= 0 && z < 0.5))
		fail_msg("z %g: the baseline has not taken the step", z);
	extractor_free(x);
}

/*
 * Three minutes at 120 after the warm-up, then 80 again.  77 min later
 * (the minutes have passed the lag) a baseline that took them in would be
 * above 80 and z < 0; it left them out, so z is 0.  Three minutes
 * at 86 are near enough to go in, and do move it.
 */
static void
test_far_minutes_skipped(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[1], v[NVITALS];
	static const double blip[] = { 120, 86 };

	one_feature(&fs, "heart_rate_z");
	for (int i = 0; i < 2; i++) {
		struct extractor *x = extractor_default(&fs);
		memcpy(v, calm, sizeof v);
		for (int64_t t = T0; t < T0 + 120 * MIN; t += 5 * S) {
			v[V_HEART_RATE] = t >= T0 + 40 * MIN &&
			    t < T0 + 43 * MIN ? blip[i] : 80;
			feed(x, "p", t, v, out);
		}
		if (i == 0)	/* 0 but for a few ulps of the fast mean */
			near(out[0], 0, 1e-9, "z after the far blip");
		else
			assert_true(out[0] < -0.01);
		extractor_free(x);
	}
}

/*
 * HR = 80 + r (t - T0), r = 1/min.  In steady state an exponential mean
 * of a ramp sampled every dt lags it by L = dt / (e^(dt/tau) - 1) = 57.5 s,
 * and a minute's mean is the ramp at its middle reading, 27.5 s in.  So
 * at a reading s seconds into its minute, v_trend = r (trend_span + s -
 * 27.5 s - L): slope x trend_span, less 0.5 to 1.4 minutes of slope.
 */
static void
test_trend_of_ramp(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[1], v[NVITALS];
	const double r = 1.0 / 60, lag = 5 / expm1(5.0 / 60);

	one_feature(&fs, "heart_rate_trend");
	struct extractor *x = extractor_default(&fs);
	memcpy(v, calm, sizeof v);
	for (int64_t t = T0; t < T0 + 60 * MIN; t += 5 * S) {
		double secs = (double)(t - T0) / S;
		v[V_HEART_RATE] = 80 + r * secs;
		feed(x, "p", t, v, out);
		if (t < T0 + 20 * MIN)
			continue;
		double s = fmod(secs, 60);
		near(out[0], r * (15 * 60 + s - 27.5 - lag), 1e-3,
		    "trend, exact");
		near(out[0], 15, 1.5, "trend, slope x span");
	}
	extractor_free(x);
}

/*
 * v_trend_z is the trend in the trend's own spread, learnt from the
 * patient, not in the spread of deviations from the baseline.  Three
 * patients end on the same 10-minute ramp of heart rate.  Before it, for
 * hours, one swung between 70 and 90 every 2 minutes: 15 minutes apart it
 * is at the other extreme half the time, 20 away where it strays 10 from
 * its mean, so its trends are wider than its deviations; one every 7.5
 * minutes, whose trends span a whole period and are narrower than its
 * deviations; the third stayed at 80.  Their trends are the same; with
 * heart rate the only vital, trend / trend_z is the trend spread, trend /
 * trend_max the deviation spread, and the two differ by more than 1.5
 * times either way; the steady patient's is not below the floor (1/min).
 * The aggregates of one vital are its |trend_z|.
 */
static void
test_trend_in_own_spread(void **state)
{
	(void)state;
	struct feature_set fs;
	double out[3][FEATURES_MAX], v[NVITALS];
	static const char *const who[3] = { "fast", "slow", "steady" };
	static const int64_t half[3] = { 2 * MIN, 15 * MIN / 2, 0 };

	all_features(&fs);
	struct extractor *x = extractor_default(&fs);
	for (int i = 0; i < NVITALS; i++)
		v[i] = NAN;
	int64_t ramp = T0 + 240 * MIN;
	for (int64_t t = T0; t < ramp + 10 * MIN; t += 5 * S) {
		for (int p = 0; p < 3; p++) {
			double hr = 80;
			if (half[p] && t < ramp - 20 * MIN)
				hr = (t - T0) / half[p] % 2 ? 90 : 70;
			if (t >= ramp)
				hr += (double)(t - ramp) / MIN;
			v[V_HEART_RATE] = hr;
			feed(x, who[p], t, v, out[p]);
		}
	}
	double tr[3], tspread[3], dspread[3];
	for (int p = 0; p < 3; p++) {
		double tz = feat(&fs, out[p], "heart_rate_trend_z");
		tr[p] = feat(&fs, out[p], "heart_rate_trend");
		assert_true(tr[p] > 4 && tz > 0);
		tspread[p] = tr[p] / tz;
		dspread[p] = tr[p] / feat(&fs, out[p], "trend_max");
		assert_true(feat(&fs, out[p], "trend_z_max") == fabs(tz));
		assert_true(feat(&fs, out[p], "trend_z_norm") == fabs(tz));
	}
	near(tr[0], tr[2], 1e-6, "the same ramp");
	near(tr[1], tr[2], 1e-6, "the same ramp");
	if (!(tspread[0] > 1.5 * dspread[0] && tspread[1] < dspread[1] / 1.5))
		fail_msg("trend spreads %g, %g; deviation spreads %g, %g",
		    tspread[0], tspread[1], dspread[0], dspread[1]);
	assert_true(tspread[2] >= 1.0 && tspread[2] < tspread[1]);
	extractor_free(x);
}

/* A noisy reading, now and then with a vital missing. */
static void
noisy(struct rng *g, double *v)
{
	for (int i = 0; i < NVITALS; i++)
		v[i] = rng_uniform(g) < 0.05 ? NAN :
		    calm[i] + 3 * rng_normal(g);
}

static void
test_patients_independent(void **state)
{
	(void)state;
	struct feature_set fs;
	struct rng g;
	enum { N = 1500 };
	static double va[N][NVITALS], vb[N][NVITALS], oa[N][FEATURES_MAX],
	    ob[N][FEATURES_MAX];
	double out[FEATURES_MAX];

	all_features(&fs);
	rng_seed(&g, 11);
	for (int i = 0; i < N; i++) {
		noisy(&g, va[i]);
		noisy(&g, vb[i]);
	}
	/* Different cadences: a every 5 s, b every 7 s. */
	struct extractor *x = extractor_default(&fs);
	for (int i = 0; i < N; i++)
		feed(x, "a", T0 + i * 5 * S, va[i], oa[i]);
	extractor_free(x);
	x = extractor_default(&fs);
	for (int i = 0; i < N; i++)
		feed(x, "b", T0 + i * 7 * S, vb[i], ob[i]);
	extractor_free(x);

	x = extractor_default(&fs);
	for (int i = 0, j = 0; i < N || j < N;) {
		if (j >= N || (i < N && i * 5 <= j * 7)) {
			feed(x, "a", T0 + i * 5 * S, va[i], out);
			same_vector(out, oa[i], fs.n, "a interleaved");
			i++;
		} else {
			feed(x, "b", T0 + j * 7 * S, vb[j], out);
			same_vector(out, ob[j], fs.n, "b interleaved");
			j++;
		}
	}
	assert_int_equal(extractor_patients(x), 2);
	extractor_free(x);
}

/*
 * A reading 90 s late (in an earlier minute) with wild values: it is
 * scored against the state as it was (its fast means, z and trends are
 * those of the reading before it), and every later reading's features are
 * what they are in a stream without it.
 */
static void
test_out_of_order(void **state)
{
	(void)state;
	struct feature_set fs;
	struct rng g;
	enum { N = 800, LATE = 500 };
	static double v[N][NVITALS], ref[N][FEATURES_MAX];
	double out[FEATURES_MAX];
	const double wild[NVITALS] = { 200, 50, 60, 41, 250, 150 };

	all_features(&fs);
	rng_seed(&g, 5);
	for (int i = 0; i < N; i++)
		noisy(&g, v[i]);
	struct extractor *x = extractor_default(&fs);
	for (int i = 0; i < N; i++)
		feed(x, "p", T0 + i * 5 * S, v[i], ref[i]);
	extractor_free(x);

	x = extractor_default(&fs);
	for (int i = 0; i < N; i++) {
		feed(x, "p", T0 + i * 5 * S, v[i], out);
		same_vector(out, ref[i], fs.n, "in order");
		if (i != LATE - 1)
			continue;
		feed(x, "p", T0 + i * 5 * S - 90 * S, wild, out);
		for (size_t k = 0; k < fs.n; k++) {
			if (fs.kind[k] == FK_VALUE)
				assert_true(out[k] == wild[fs.vital[k]]);
			else
				same_vector(&out[k], &ref[i][k], 1, "late");
		}
	}
	extractor_free(x);
}

/* HR 80 then 100 five seconds later: the fast mean of a patient held is
 * between the two, of a new patient the reading itself. */
static bool
remembered(struct extractor *x, const char *id, int64_t t)
{
	double v[NVITALS], out[1];

	memcpy(v, calm, sizeof v);
	v[V_HEART_RATE] = 100;
	feed(x, id, t, v, out);
	return out[0] < 100;
}

static void
test_memory_bounded(void **state)
{
	(void)state;
	struct feature_set fs;
	struct features_config c;
	char id[16];
	double out[1];

	one_feature(&fs, "heart_rate_fast");
	features_config_init(&c);
	c.max_patients = 2;
	struct extractor *x = extractor_new(&c, &fs);
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof id, "p%d", i);
		feed(x, id, T0 + i * S, calm, out);
		assert_true(extractor_patients(x) <= 2);
	}
	assert_int_equal(extractor_patients(x), 2);
	/* Least recently seen goes first: a, b, a, c forgets b. */
	feed(x, "a", T0 + 10 * S, calm, out);
	feed(x, "b", T0 + 11 * S, calm, out);
	feed(x, "a", T0 + 12 * S, calm, out);
	feed(x, "c", T0 + 13 * S, calm, out);
	assert_int_equal(extractor_patients(x), 2);
	assert_true(remembered(x, "a", T0 + 14 * S));
	assert_false(remembered(x, "b", T0 + 15 * S));
	assert_int_equal(extractor_patients(x), 2);
	extractor_free(x);

	/* Idle: unseen for more than patient_idle (1 min) is forgotten. */
	features_config_init(&c);
	c.patient_idle = MIN;
	x = extractor_new(&c, &fs);
	feed(x, "a", T0, calm, out);
	feed(x, "b", T0 + 30 * S, calm, out);
	feed(x, "b", T0 + MIN, calm, out);
	assert_int_equal(extractor_patients(x), 2);
	feed(x, "b", T0 + MIN + 1, calm, out);
	assert_int_equal(extractor_patients(x), 1);
	assert_false(remembered(x, "a", T0 + MIN + 2));
	assert_true(remembered(x, "b", T0 + MIN + 3));
	extractor_free(x);

	/* About 2 KB a patient, and more with a longer lag (the ring of
	 * minute means holds lag + 1 minutes of six vitals). */
	features_config_init(&c);
	size_t bytes = features_state_bytes(&c);
	assert_true(bytes >= 1024 && bytes <= 4096);
	c.base_lag = 60 * MIN;
	assert_true(features_state_bytes(&c) >=
	    bytes + 30 * NVITALS * sizeof(float));
}

/* Scans a Silver line into r and takes the extractor's fields from it. */
static int
silver_get(struct record *r, const char *line, const char **id, size_t *len,
    int64_t *t, double *v)
{
	struct silver_fields sf;
	char err[256];

	silver_fields_init(&sf, r->schema);
	if (record_scan(r, line, strlen(line), err) != 0)
		fail_msg("scan %s: %s", line, err);
	return silver_fields_get(&sf, r, id, len, t, v, NULL);
}

static void
test_silver_fields(void **state)
{
	(void)state;
	const char *id;
	size_t len;
	int64_t t;
	double v[NVITALS];
	char err[256];
	struct schema *silver = schema_load("silver", err, sizeof err);

	assert_non_null(silver);
	struct record *r = record_new(silver);
	const char *line = "{\"patient_id\":\"pt-7\",\"ward\":\"ICU\","
	    "\"event_time\":\"2026-01-01T00:00:05.250000Z\","
	    "\"event_date\":\"2026-01-01\",\"heart_rate\":72,"
	    "\"temperature\":36.6,\"spo2\":null,\"respiration_rate\":\"16\","
	    "\"bp_systolic\":118.5}";
	assert_int_equal(silver_get(r, line, &id, &len, &t, v), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(id, "pt-7", 4);
	assert_true(t == T0 + 5250000);
	assert_true(v[V_HEART_RATE] == 72);
	assert_true(v[V_TEMPERATURE] == 36.6);
	assert_true(v[V_BP_SYSTOLIC] == 118.5);
	assert_true(isnan(v[V_SPO2]));			/* null */
	assert_true(isnan(v[V_RESPIRATION_RATE]));	/* a string */
	assert_true(isnan(v[V_BP_DIASTOLIC]));		/* absent */

	static const char *const bad[] = {
	    "{\"event_time\":\"2026-01-01T00:00:00Z\",\"heart_rate\":72}",
	    "{\"patient_id\":null,\"event_time\":\"2026-01-01T00:00:00Z\"}",
	    "{\"patient_id\":7,\"event_time\":\"2026-01-01T00:00:00Z\"}",
	    "{\"patient_id\":\"\",\"event_time\":\"2026-01-01T00:00:00Z\"}",
	    "{\"patient_id\":\"p\"}",
	    "{\"patient_id\":\"p\",\"event_time\":\"yesterday\"}",
	    "{\"patient_id\":\"p\",\"event_time\":\"2026-02-30T00:00:00Z\"}",
	    "{\"patient_id\":\"p\",\"event_time\":1767225600}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (silver_get(r, bad[i], &id, &len, &t, v) != -1)
			fail_msg("accepted %s", bad[i]);

	/* The roster's facts, for the prior; unknown where absent. */
	struct silver_fields sf;
	struct patient_facts f;
	silver_fields_init(&sf, silver);
	line = "{\"patient_id\":\"p\",\"ward\":\"icu\","
	    "\"event_time\":\"2026-01-01T00:00:00Z\",\"age\":30,"
	    "\"sex\":\"F\",\"conditions\":\"copd,hypertension,nonesuch\"}";
	assert_int_equal(record_scan(r, line, strlen(line), err), 0);
	assert_int_equal(silver_fields_get(&sf, r, &id, &len, &t, v, &f), 0);
	assert_true(f.age == 30.5 && f.sex == 'F' && f.icu);
	assert_int_equal(f.conditions,
	    CONDBIT(COND_COPD) | CONDBIT(COND_HYPERTENSION));
	line = "{\"patient_id\":\"p\",\"ward\":\"icu2\","
	    "\"event_time\":\"2026-01-01T00:00:00Z\",\"sex\":\"X\","
	    "\"conditions\":\"copdx\"}";
	assert_int_equal(record_scan(r, line, strlen(line), err), 0);
	assert_int_equal(silver_fields_get(&sf, r, &id, &len, &t, v, &f), 0);
	assert_true(isnan(f.age) && f.sex == 0 && !f.icu &&
	    f.conditions == 0);
	record_free(r);
	schema_free(silver);
}

/*
 * Saved and restored (iforest-score --state): a restored patient scores
 * bit for bit as if the run had not stopped, alert run included; only
 * the tag asked for is saved; a patient already held keeps its own
 * state; bytes cut short or corrupt (-1), or of another configuration
 * (-2), are refused and change nothing.
 */
static void
test_save_restore(void **state)
{
	struct feature_set fs;
	struct features_config other;
	struct extractor *a, *b, *c;
	struct writer w;
	double v[NVITALS], x[FEATURES_MAX], y[FEATURES_MAX];
	char err[256];
	int64_t t = T0;

	(void)state;
	all_features(&fs);
	a = extractor_default(&fs);
	for (int k = 0; k < 400; k++) {
		for (int i = 0; i < NVITALS; i++)
			v[i] = 60 + i * 10 + (k % 7) - (k > 300 ? 0 : 3);
		feed(a, "p1", t + k * 5 * S, v, x);
		extractor_set_tag(a, 1);
		extractor_alert_run(a)->run[0] = k;
		feed(a, "p2", t + k * 5 * S, v, x);
		extractor_set_tag(a, 2);
	}
	writer_open_memory(&w);
	assert_int_equal(extractor_save(a, 1, &w), 1);
	b = extractor_default(&fs);
	/* Cut short, and corrupt: refused. */
	assert_int_equal(extractor_restore(b, w.buf, w.len - 1, 1, err,
	    sizeof err), -1);
	w.buf[0] ^= 0x55;
	assert_int_equal(extractor_restore(b, w.buf, w.len, 1, err,
	    sizeof err), -1);
	w.buf[0] ^= 0x55;
	/* An id length past the end. */
	w.buf[24] ^= 0x40;
	assert_int_equal(extractor_restore(b, w.buf, w.len, 1, err,
	    sizeof err), -1);
	w.buf[24] ^= 0x40;
	features_config_init(&other);
	other.fast_tau *= 2;
	c = extractor_new(&other, &fs);
	assert_int_equal(extractor_restore(c, w.buf, w.len, 1, err,
	    sizeof err), -2);
	assert_non_null(strstr(err, "other features"));
	assert_int_equal(extractor_patients(c), 0);
	extractor_free(c);
	assert_int_equal(extractor_patients(b), 0);
	assert_int_equal(extractor_restore(b, w.buf, w.len, 1, err,
	    sizeof err), 1);
	assert_int_equal(extractor_restore(b, w.buf, w.len, 1, err,
	    sizeof err), 0);
	assert_int_equal(extractor_patients(b), 1);
	for (int k = 400; k < 460; k++) {
		for (int i = 0; i < NVITALS; i++)
			v[i] = 70 + i * 10 + (k % 5);
		feed(a, "p1", t + k * 5 * S, v, x);
		feed(b, "p1", t + k * 5 * S, v, y);
		assert_memory_equal(x, y, fs.n * sizeof *x);
	}
	assert_int_equal(extractor_alert_run(b)->run[0], 399);
	writer_close(&w);
	extractor_free(a);
	extractor_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feature_set_parse),
		cmocka_unit_test(test_config_json),
		cmocka_unit_test(test_warmup),
		cmocka_unit_test(test_missing_vital),
		cmocka_unit_test(test_vital_dropout),
		cmocka_unit_test(test_fast_mean),
		cmocka_unit_test(test_shift_not_absorbed),
		cmocka_unit_test(test_baseline_lag),
		cmocka_unit_test(test_far_minutes_skipped),
		cmocka_unit_test(test_trend_of_ramp),
		cmocka_unit_test(test_trend_in_own_spread),
		cmocka_unit_test(test_patients_independent),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_memory_bounded),
		cmocka_unit_test(test_silver_fields),
		cmocka_unit_test(test_cadence_follows_time),
		cmocka_unit_test(test_charted_vital),
		cmocka_unit_test(test_sparse_trend),
		cmocka_unit_test(test_prior_from_first_reading),
		cmocka_unit_test(test_prior_arrival_far_off),
		cmocka_unit_test(test_save_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
