/*
 * vitals: NEWS2 against the RCP 2017 chart, band edges, derived values,
 * alert thresholds (adult and child), plausibility and units.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "vitals.h"

/* Scores one parameter by building a reading with only that vital. */
static int
score_rr(int rr)
{
	struct vitals v;
	struct news2 n;

	vitals_init(&v);
	v.respiration_rate = rr;
	news2_score(&v, &n);
	return n.respiration;
}

static int
score_spo2(double s)
{
	struct vitals v;
	struct news2 n;

	vitals_init(&v);
	v.spo2 = s;
	news2_score(&v, &n);
	return n.spo2;
}

static int
score_sbp(int s)
{
	struct vitals v;
	struct news2 n;

	vitals_init(&v);
	v.bp_systolic = s;
	news2_score(&v, &n);
	return n.systolic;
}

static int
score_hr(int h)
{
	struct vitals v;
	struct news2 n;

	vitals_init(&v);
	v.heart_rate = h;
	news2_score(&v, &n);
	return n.heart_rate;
}

static int
score_temp(double t)
{
	struct vitals v;
	struct news2 n;

	vitals_init(&v);
	v.temperature = t;
	news2_score(&v, &n);
	return n.temperature;
}

/* Every band edge of Chart 1, both sides. */
static void
test_news2_chart(void **state)
{
	(void)state;
	int rr[][2] = { {4, 3}, {8, 3}, {9, 1}, {11, 1}, {12, 0}, {20, 0},
	    {21, 2}, {24, 2}, {25, 3}, {40, 3} };
	for (size_t i = 0; i < sizeof rr / sizeof rr[0]; i++)
		assert_int_equal(score_rr(rr[i][0]), rr[i][1]);

	double sp[][2] = { {85, 3}, {91, 3}, {92, 2}, {93, 2}, {94, 1},
	    {95, 1}, {96, 0}, {100, 0}, {95.6, 0}, {95.4, 1}, {91.5, 2} };
	for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++)
		assert_int_equal(score_spo2(sp[i][0]), (int)sp[i][1]);

	int sbp[][2] = { {70, 3}, {90, 3}, {91, 2}, {100, 2}, {101, 1},
	    {110, 1}, {111, 0}, {219, 0}, {220, 3} };
	for (size_t i = 0; i < sizeof sbp / sizeof sbp[0]; i++)
		assert_int_equal(score_sbp(sbp[i][0]), sbp[i][1]);

	int hr[][2] = { {30, 3}, {40, 3}, {41, 1}, {50, 1}, {51, 0}, {90, 0},
	    {91, 1}, {110, 1}, {111, 2}, {130, 2}, {131, 3} };
	for (size_t i = 0; i < sizeof hr / sizeof hr[0]; i++)
		assert_int_equal(score_hr(hr[i][0]), hr[i][1]);

	double t[][2] = { {34.0, 3}, {35.0, 3}, {35.1, 1}, {36.0, 1},
	    {36.1, 0}, {38.0, 0}, {38.1, 1}, {39.0, 1}, {39.1, 2}, {41, 2},
	    {35.04, 3}, {35.05, 1}, {38.04, 0} };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(score_temp(t[i][0]), (int)t[i][1]);
}

static void
test_news2_total_and_band(void **state)
{
	(void)state;
	struct vitals v;
	struct news2 n;

	vitals_init(&v);
	news2_score(&v, &n);
	assert_int_equal(n.total, VITAL_NONE);
	assert_null(news2_band(&n));
	assert_int_equal(n.scored, 0);

	/* All normal: 0, low. */
	v.heart_rate = 72; v.respiration_rate = 16; v.spo2 = 98;
	v.bp_systolic = 125; v.temperature = 36.8;
	news2_score(&v, &n);
	assert_int_equal(n.total, 0);
	assert_int_equal(n.scored, 5);
	assert_string_equal(news2_band(&n), "low");
	assert_true(n.partial);

	/* One red parameter alone: low-medium. */
	v.respiration_rate = 26;
	news2_score(&v, &n);
	assert_int_equal(n.total, 3);
	assert_true(n.red);
	assert_string_equal(news2_band(&n), "low-medium");

	/* 5 and 6 are medium, 7 and up high, whatever the reds. */
	v.heart_rate = 115;	/* +2 */
	news2_score(&v, &n);
	assert_int_equal(n.total, 5);
	assert_string_equal(news2_band(&n), "medium");
	v.temperature = 39.5;	/* +2 */
	news2_score(&v, &n);
	assert_int_equal(n.total, 7);
	assert_string_equal(news2_band(&n), "high");
	assert_int_equal(news2_band_rank(&n), 3);
}

static void
test_derived(void **state)
{
	(void)state;
	assert_true(mean_arterial_pressure(120, 80) == 93.3);
	assert_true(isnan(mean_arterial_pressure(VITAL_NONE, 80)));
	assert_int_equal(pulse_pressure(120, 80), 40);
	assert_true(shock_index(120, 100) == 1.2);
	assert_true(shock_index(70, 120) == 0.583);
	assert_true(isnan(shock_index(70, VITAL_NONE)));
}

static unsigned
alerts_for(int age, int hr, double t, double spo2, int rr, int sbp, int dbp)
{
	struct vitals v;

	vitals_init(&v);
	v.age = age; v.heart_rate = hr; v.temperature = t; v.spo2 = spo2;
	v.respiration_rate = rr; v.bp_systolic = sbp; v.bp_diastolic = dbp;
	return alerts_evaluate(&v);
}

static void
test_alerts(void **state)
{
	(void)state;
	unsigned normal = alerts_for(VITAL_NONE, 72, 36.8, 98, 16, 120, 80);
	assert_int_equal(normal, 0);
	assert_int_equal(alerts_for(40, 101, 36.8, 98, 16, 120, 80),
	    1u << ALERT_TACHYCARDIA);
	assert_int_equal(alerts_for(40, 49, 36.8, 98, 16, 120, 80),
	    1u << ALERT_BRADYCARDIA);
	assert_int_equal(alerts_for(40, 72, 38.0, 98, 16, 120, 80),
	    1u << ALERT_FEVER);
	assert_int_equal(alerts_for(40, 72, 34.9, 98, 16, 120, 80),
	    1u << ALERT_HYPOTHERMIA);
	assert_int_equal(alerts_for(40, 72, 36.8, 91.9, 16, 120, 80),
	    1u << ALERT_HYPOXIA);
	assert_int_equal(alerts_for(40, 72, 36.8, 98, 16, 89, 60),
	    1u << ALERT_HYPOTENSION);
	assert_int_equal(alerts_for(40, 72, 36.8, 98, 16, 180, 100),
	    1u << ALERT_HYPERTENSION);
	assert_int_equal(alerts_for(40, 72, 36.8, 98, 16, 170, 120),
	    1u << ALERT_HYPERTENSION);
	assert_int_equal(alerts_for(40, 72, 36.8, 98, 21, 120, 80),
	    1u << ALERT_TACHYPNOEA);
	/* A baby's 140/min and 50 breaths are normal; an adult's are not. */
	assert_int_equal(alerts_for(0, 140, 36.8, 98, 50, 80, 50), 0);
	assert_int_equal(alerts_for(30, 140, 36.8, 98, 50, 120, 80),
	    (1u << ALERT_TACHYCARDIA) | (1u << ALERT_TACHYPNOEA));
	assert_int_equal(alerts_for(0, 95, 36.8, 98, 40, 80, 50),
	    1u << ALERT_BRADYCARDIA);
	/* Missing vitals fire nothing. */
	assert_int_equal(alerts_for(VITAL_NONE, VITAL_NONE, NAN, NAN,
	    VITAL_NONE, VITAL_NONE, VITAL_NONE), 0);
	assert_string_equal(alert_name(ALERT_TACHYPNOEA), "tachypnoea");
}

static void
test_plausibility(void **state)
{
	(void)state;
	struct vitals v;
	char buf[96];

	vitals_init(&v);
	assert_null(vitals_implausible(&v, buf, sizeof buf));
	v.heart_rate = 0;	/* a dropout, judged elsewhere */
	assert_null(vitals_implausible(&v, buf, sizeof buf));
	v.heart_rate = 400;
	assert_non_null(vitals_implausible(&v, buf, sizeof buf));
	assert_string_equal(buf, "heart_rate 400 outside [20,300]");
	v.heart_rate = 19;
	assert_non_null(vitals_implausible(&v, buf, sizeof buf));
	v.heart_rate = 20;
	assert_null(vitals_implausible(&v, buf, sizeof buf));
	v.temperature = 50;
	assert_non_null(vitals_implausible(&v, buf, sizeof buf));
	v.temperature = 36;
	v.spo2 = 101;
	assert_non_null(vitals_implausible(&v, buf, sizeof buf));
	v.spo2 = 97;
	v.bp_systolic = 80;
	v.bp_diastolic = 90;
	assert_non_null(vitals_implausible(&v, buf, sizeof buf));
	assert_string_equal(buf, "bp_systolic 80 not above bp_diastolic 90");
}

static void
test_units_and_bp(void **state)
{
	(void)state;
	double t = 98.6;
	int s, d;

	assert_true(temperature_from_fahrenheit(&t));
	assert_true(t == 37.0);
	t = 40.1;
	assert_false(temperature_from_fahrenheit(&t));
	assert_true(t == 40.1);
	t = 85.9;
	assert_false(temperature_from_fahrenheit(&t));

	assert_int_equal(bp_parse("121/79", 6, &s, &d), 0);
	assert_int_equal(s, 121);
	assert_int_equal(d, 79);
	assert_int_equal(bp_parse(" 90 / 60 ", 9, &s, &d), 0);
	assert_int_equal(d, 60);
	const char *bad[] = { "", "121", "121/", "/79", "12a/79", "121/79/1",
	    "121.5/79", "-1/2", "12345/1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(bp_parse(bad[i], strlen(bad[i]), &s, &d), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_news2_chart),
		cmocka_unit_test(test_news2_total_and_band),
		cmocka_unit_test(test_derived),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_plausibility),
		cmocka_unit_test(test_units_and_bp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
