/*
 * test_alert: the persistence rule iforest-score pages by and
 * vitals-eval measures, the reasons written beside each alert, and the
 * options that set the rule.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alert.h"
#include "featurize.h"
#include "unit.h"

#define SEC INT64_C(1000000)
#define BIT(d) (1u << (d))

/* One reading into run; its bits. */
static unsigned
step(const struct alert_rule *r, struct alert_run *run, int64_t t,
    bool anomaly, bool above_gate, int news2, bool red)
{
	struct alert_input in = { .t = t, .is_anomaly = anomaly,
		.above_gate = above_gate, .news2 = news2, .news2_red = red };

	return alert_step(r, run, &in);
}

/* Flagged readings every 5 s: the forest alerts once they cover 20 s,
 * the fifth reading (the first covers no time); an unflagged reading
 * starts the run again. */
static void
test_persistence_by_time(void **state)
{
	struct alert_rule r;
	struct alert_run run = { 0 };
	unsigned got;

	(void)state;
	alert_rule_init(&r);
	for (int k = 0; k < 4; k++)
		assert_int_equal(step(&r, &run, 1000 * SEC + k * 5 * SEC, true,
		    false, 0, false), 0);
	got = step(&r, &run, 1020 * SEC, true, false, 0, false);
	assert_int_equal(got, BIT(DET_IFOREST) | BIT(DET_COMBINED));
	assert_int_equal(step(&r, &run, 1025 * SEC, false, false, 0, false),
	    0);
	assert_int_equal(step(&r, &run, 1030 * SEC, true, false, 0, false),
	    0);
	/* One hourly chart entry after a flagged one is an hour of
	 * evidence. */
	got = step(&r, &run, 4630 * SEC, true, false, 0, false);
	assert_true(got & BIT(DET_IFOREST));
}

/* A count of readings counts them, whatever time they cover. */
static void
test_persistence_by_count(void **state)
{
	struct alert_rule r;
	struct alert_run run = { 0 };
	const char *why;

	(void)state;
	alert_rule_init(&r);
	assert_int_equal(alert_rule_option(&r, "persistence", "3", &why), 0);
	assert_int_equal(r.persistence, 3);
	assert_int_equal(step(&r, &run, 10 * SEC, true, false, 0, false), 0);
	assert_int_equal(step(&r, &run, 10 * SEC, true, false, 0, false), 0);
	assert_true(step(&r, &run, 10 * SEC, true, false, 0, false) &
	    BIT(DET_IFOREST));
}

/* NEWS2 urgent (total >= 5 or a red parameter) for 5 minutes alerts the
 * news2 detector; the combined one only where the forest's score was
 * above the gate all along, and then with ALERT_GATED_NEWS2. */
static void
test_news2_and_gate(void **state)
{
	struct alert_rule r;
	struct alert_run run = { 0 }, gated = { 0 };
	unsigned a = 0, b = 0;

	(void)state;
	alert_rule_init(&r);
	assert_true(alert_news2_urgent(5, false));
	assert_true(alert_news2_urgent(1, true));
	assert_false(alert_news2_urgent(4, false));
	assert_false(alert_news2_urgent(-1, false));
	for (int k = 0; k <= 60; k++) {
		a = step(&r, &run, k * 5 * SEC, false, false, 6, false);
		b = step(&r, &gated, k * 5 * SEC, false, true, 1, true);
		if (k < 60) {
			assert_int_equal(a, 0);
			assert_int_equal(b, 0);
		}
	}
	assert_int_equal(a, BIT(DET_NEWS2));
	assert_int_equal(b, BIT(DET_NEWS2) | BIT(DET_COMBINED) |
	    ALERT_GATED_NEWS2);
	/* Below the gate once: the gated run starts again, the plain one
	 * goes on. */
	b = step(&r, &gated, 305 * SEC, false, false, 1, true);
	assert_int_equal(b, BIT(DET_NEWS2));
	b = step(&r, &gated, 310 * SEC, false, true, 1, true);
	assert_int_equal(b, BIT(DET_NEWS2));
}

/* A reading out of time order is judged against the run but leaves it
 * as it was. */
static void
test_out_of_order(void **state)
{
	struct alert_rule r;
	struct alert_run run = { 0 }, before;

	(void)state;
	alert_rule_init(&r);
	for (int k = 0; k < 4; k++)
		step(&r, &run, 100 * SEC + k * 5 * SEC, true, false, 0, false);
	before = run;
	assert_int_equal(step(&r, &run, 50 * SEC, false, false, 0, false), 0);
	assert_memory_equal(&run, &before, sizeof run);
	assert_true(step(&r, &run, 120 * SEC, true, false, 0, false) &
	    BIT(DET_IFOREST));
}

static void
test_reason(void **state)
{
	double z[NVITALS], tz[NVITALS];
	int points[NVITALS];
	char buf[256], small[12];

	(void)state;
	for (int v = 0; v < NVITALS; v++) {
		z[v] = tz[v] = NAN;
		points[v] = -1;
	}
	z[V_HEART_RATE] = 4.5;
	tz[V_HEART_RATE] = 1.0;
	z[V_SPO2] = -2.5;
	tz[V_RESPIRATION_RATE] = 3.0;
	z[V_TEMPERATURE] = 1.9;	/* under 2: not named */
	z[V_BP_SYSTOLIC] = 2.2;	/* fourth: not named */
	alert_reason(buf, sizeof buf, BIT(DET_IFOREST), z, tz, 3, points);
	assert_string_equal(buf, "iforest: heart_rate high, respiration_rate "
	    "rising, spo2 low");
	/* Nothing off by 2: the largest alone. */
	for (int v = 0; v < NVITALS; v++)
		z[v] = tz[v] = NAN;
	tz[V_TEMPERATURE] = -1.2;
	z[V_HEART_RATE] = 0.5;
	alert_reason(buf, sizeof buf, BIT(DET_IFOREST), z, tz, 3, points);
	assert_string_equal(buf, "iforest: temperature falling");
	/* NEWS2: the parameters scoring 3, then 2, each in vital order. */
	points[V_SPO2] = 2;
	points[V_RESPIRATION_RATE] = 3;
	points[V_HEART_RATE] = 2;
	points[V_TEMPERATURE] = 1;
	alert_reason(buf, sizeof buf, BIT(DET_NEWS2) | BIT(DET_COMBINED) |
	    ALERT_GATED_NEWS2, z, tz, 8, points);
	assert_string_equal(buf, "news2 8: respiration_rate 3, heart_rate 2, "
	    "spo2 2");
	/* Both; and the plain NEWS2 detector alone says nothing of the
	 * combined alert. */
	alert_reason(buf, sizeof buf, BIT(DET_IFOREST) | ALERT_GATED_NEWS2, z,
	    tz, 8, points);
	assert_string_equal(buf, "iforest: temperature falling; news2 8: "
	    "respiration_rate 3, heart_rate 2, spo2 2");
	assert_int_equal(alert_reason(buf, sizeof buf, BIT(DET_NEWS2), z, tz,
	    8, points), 0);
	/* Cut to the buffer, NUL-terminated. */
	assert_int_equal(alert_reason(small, sizeof small, BIT(DET_IFOREST),
	    z, tz, 3, points), sizeof small - 1);
	assert_string_equal(small, "iforest: te");
}

static void
test_options(void **state)
{
	struct alert_rule r;
	const char *why;

	(void)state;
	alert_rule_init(&r);
	assert_int_equal(r.persistence, 0);
	assert_true(r.persistence_time == 20 * SEC);
	assert_true(r.news2_persistence_time == 300 * SEC);
	assert_true(r.news2_gate == 0.55);
	assert_int_equal(alert_rule_option(&r, "news2-persistence", "2m",
	    &why), 0);
	assert_int_equal(r.news2_persistence, 0);
	assert_true(r.news2_persistence_time == 120 * SEC);
	assert_int_equal(alert_rule_option(&r, "news2-gate", "0.7", &why), 0);
	assert_true(r.news2_gate == 0.7);
	assert_int_equal(alert_rule_option(&r, "news2-gate", "1.5", &why), -1);
	assert_non_null(strstr(why, "score"));
	assert_int_equal(alert_rule_option(&r, "persistence", "0s", &why), -1);
	assert_int_equal(alert_rule_option(&r, "persistence", "x", &why), -1);
	assert_true(r.persistence_time == 20 * SEC);
	assert_int_equal(alert_rule_option(&r, "gate", "0.5", &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_persistence_by_time),
		cmocka_unit_test(test_persistence_by_count),
		cmocka_unit_test(test_news2_and_gate),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
