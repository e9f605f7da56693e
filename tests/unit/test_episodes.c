/*
 * episodes: shift sizes and durations as the notes' section 9 table says,
 * the ramp and fade, labels and ids, the onset rate, the settling period,
 * and conditions making their episode types likelier.
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
#include "episodes.h"
#include "physiology.h"

#define MIN	(INT64_C(60) * 1000000)
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)
#define START	INT64_C(1767225600000000)

static bool
within(double v, double a, double b)
{
	double lo = a < b ? a : b, hi = a < b ? b : a;

	return v >= lo - 1e-9 && v <= hi + 1e-9;
}

/* Every draw of every type stays inside the table's ranges. */
static void
test_shift_table(void **state)
{
	struct rng r;
	struct episode ep;

	(void)state;
	rng_seed(&r, 1);
	for (int i = 0; i < 2000; i++) {
		for (int t = 0; t < NEPISODES; t++) {
			const struct vitals *s = &ep.shift;
			ep_make(&ep, t, START, &r);
			assert_int_equal(ep.type, t);
			switch (t) {
			case EP_TACHYCARDIA:
				assert_true(within(s->hr, 35, 60));
				break;
			case EP_BRADYCARDIA:
				assert_true(within(s->hr, -25, -35));
				break;
			case EP_FEVER:
				assert_true(within(s->temp, 1.5, 2.5));
				assert_true(within(s->hr, 10, 20));
				break;
			case EP_HYPOTHERMIA:
				assert_true(within(s->temp, -2, -3));
				assert_true(within(s->hr, -10, 0));
				break;
			case EP_HYPOXIA:
				assert_true(within(s->spo2, -6, -12));
				assert_true(within(s->rr, 4, 8));
				assert_true(within(s->hr, 5, 15));
				break;
			case EP_HYPOTENSION:
				assert_true(within(s->sbp, -35, -50));
				assert_true(within(s->dbp, -15, -25));
				assert_true(within(s->hr, 25, 40));
				break;
			case EP_HYPERTENSIVE_CRISIS:
				assert_true(within(s->sbp, 60, 80));
				assert_true(within(s->dbp, 30, 45));
				break;
			case EP_TACHYPNOEA:
				assert_true(within(s->rr, 10, 16));
				break;
			case EP_SEPSIS:
				assert_true(within(s->hr, 20, 30));
				assert_true(within(s->rr, 6, 10));
				assert_true(within(s->temp, 1.2, 2.0));
				assert_true(within(s->sbp, -20, -30));
				assert_true(within(s->dbp, -8, -15));
				assert_true(within(s->spo2, -2, -4));
				break;
			}
			/* A ramp as fast as the kind sets in (an
			 * arrhythmia within 3 min, a sepsis over 30-120),
			 * 2-4 h to the fade, a 10-30 min fade. */
			int64_t ramp = ep.full - ep.onset;
			if (t == EP_TACHYCARDIA || t == EP_BRADYCARDIA)
				assert_true(ramp >= MIN / 2 && ramp <= 3 * MIN);
			else if (t == EP_SEPSIS)
				assert_true(ramp >= 30 * MIN &&
				    ramp <= 120 * MIN);
			else
				assert_true(ramp >= 2 * MIN &&
				    ramp <= 90 * MIN);
			assert_true(ep.fade - ep.onset >= 120 * MIN &&
			    ep.fade - ep.onset <= 240 * MIN);
			assert_true(ep.end - ep.fade >= 10 * MIN &&
			    ep.end - ep.fade <= 30 * MIN);
		}
	}
	/* One severity for all vitals: a severe sepsis is severe in each. */
	for (int i = 0; i < 200; i++) {
		ep_make(&ep, EP_SEPSIS, START, &r);
		double f_hr = (ep.shift.hr - 20) / 10,
		    f_sbp = (ep.shift.sbp + 20) / -10;
		assert_true(fabs(f_hr - f_sbp) < 1e-9);
	}
}

static void
test_strength(void **state)
{
	struct episode ep = { .onset = 1000, .full = 2000, .fade = 5000,
	    .end = 6000 };

	(void)state;
	assert_true(ep_strength(&ep, 999) == 0);
	assert_true(ep_strength(&ep, 1000) == 0);
	assert_true(fabs(ep_strength(&ep, 1500) - 0.5) < 1e-12);
	assert_true(ep_strength(&ep, 2000) == 1);
	assert_true(ep_strength(&ep, 4999) == 1);
	assert_true(fabs(ep_strength(&ep, 5750) - 0.25) < 1e-12);
	assert_true(ep_strength(&ep, 6000) == 0);
}

/*
 * A patient stepped a reading a minute for days: labels cover exactly the
 * episodes, ids are new per episode and unique across patients, no
 * episode starts in the settling period, the shift applied is the
 * episode's strength times its shift, and the onset rate is as asked.
 */
static void
test_track(void **state)
{
	struct cohort c;
	struct ep_run run;
	struct rng r;
	struct ep_track t;
	struct reading rd;
	int64_t last_id = 0, cur = 0;
	size_t onsets = 0, days = 0;
	const double rate = 2.0;

	(void)state;
	memset(&run, 0, sizeof run);
	cohort_builtin(&c, 40, 3);
	for (size_t k = 0; k < c.n; k++) {
		patient_stream(&r, 3, c.p[k].key, STREAM_EPISODES);
		ep_track_init(&t, &c.p[k], &r, rate, START);
		cur = 0;
		for (int64_t ts = START; ts < START + 10 * DAY; ts += MIN) {
			struct vitals v = { 70, 36.6, 97, 16, 120, 80 }, v0 = v;
			double s = ep_apply(&t, ts, &run, &v, &rd);
			if (rd.episode == NULL) {
				assert_true(s == 0);
				assert_int_equal(rd.episode_id, 0);
				assert_memory_equal(&v, &v0, sizeof v);
				cur = 0;
				continue;
			}
			assert_true(ts >= START + EP_SETTLE);
			assert_true(s >= 0 && s <= 1);
			assert_true(fabs(v.hr - v0.hr - s * t.ep.shift.hr) <
			    1e-9);
			assert_true(fabs(v.sbp - v0.sbp - s * t.ep.shift.sbp) <
			    1e-9);
			assert_string_equal(rd.episode, episode_name(t.ep.type));
			if (rd.episode_id != cur) {
				/* A new episode: the next id in the run. */
				assert_int_equal(rd.episode_id, last_id + 1);
				last_id = cur = rd.episode_id;
				onsets++;
			}
		}
		days += 10;
	}
	assert_int_equal(run.last_id, last_id);
	uint64_t total = 0;
	for (int i = 0; i < NEPISODES; i++)
		total += run.count[i];
	assert_int_equal(total, onsets);
	/* Onsets are postponed while an episode runs (about 3 h of a
	 * 12 h mean gap), so a little under the asked rate, but close. */
	double per_day = (double)onsets / days;
	printf("  %.2f episodes per patient-day at --episodes %.1f\n",
	    per_day, rate);
	assert_true(per_day > rate * 0.7 && per_day < rate * 1.05);
	cohort_free(&c);
}

static void
test_no_episodes(void **state)
{
	struct cohort c;
	struct ep_run run = { 0 };
	struct rng r;
	struct ep_track t;
	struct reading rd;
	struct vitals v;

	(void)state;
	cohort_builtin(&c, 1, 3);
	rng_seed(&r, 1);
	ep_track_init(&t, &c.p[0], &r, 0, START);
	for (int64_t ts = START; ts < START + 30 * DAY; ts += 10 * MIN)
		assert_true(ep_apply(&t, ts, &run, &v, &rd) == 0);
	assert_int_equal(run.last_id, 0);
	cohort_free(&c);
}

/* How often each type comes up for a patient, from its weights. */
static double
share(const struct patient *p, enum episode_type type)
{
	double w[NEPISODES], total = 0;

	episode_weights(p, w);
	for (int i = 0; i < NEPISODES; i++)
		total += w[i];
	return w[type] / total;
}

static void
test_condition_weights(void **state)
{
	struct patient plain = { .age = 60, .sex = 'F', .ward = WARD_MEDICINE };
	struct patient p;

	(void)state;
	p = plain;
	p.conditions = CONDBIT(COND_COPD);
	assert_true(share(&p, EP_HYPOXIA) > 2 * share(&plain, EP_HYPOXIA));
	p.conditions = CONDBIT(COND_HYPERTENSION);
	assert_true(share(&p, EP_HYPERTENSIVE_CRISIS) >
	    2 * share(&plain, EP_HYPERTENSIVE_CRISIS));
	p.conditions = CONDBIT(COND_INFECTION);
	assert_true(share(&p, EP_SEPSIS) > 2 * share(&plain, EP_SEPSIS));
	p = plain;
	p.ward = WARD_ICU;
	assert_true(share(&p, EP_HYPOTENSION) >
	    1.5 * share(&plain, EP_HYPOTENSION));
	p = plain;
	p.age = 4;
	assert_true(share(&p, EP_HYPERTENSIVE_CRISIS) <
	    0.2 * share(&plain, EP_HYPERTENSIVE_CRISIS));
}

/* Drawn types follow the weights: over a large cohort every type occurs,
 * and COPD patients have hypoxia far more often than the others. */
static void
test_types_drawn(void **state)
{
	struct cohort c;
	struct ep_run run;
	struct rng r;
	struct ep_track t;
	struct reading rd;
	struct vitals v;
	size_t hyp[2] = { 0 }, all[2] = { 0 };

	(void)state;
	memset(&run, 0, sizeof run);
	cohort_builtin(&c, 800, 8);
	for (size_t k = 0; k < c.n; k++) {
		bool copd = c.p[k].conditions & CONDBIT(COND_COPD);
		int64_t seen = 0;
		patient_stream(&r, 8, c.p[k].key, STREAM_EPISODES);
		ep_track_init(&t, &c.p[k], &r, 3, START);
		for (int64_t ts = START; ts < START + 4 * DAY; ts += 5 * MIN) {
			ep_apply(&t, ts, &run, &v, &rd);
			if (rd.episode_id == 0 || rd.episode_id == seen)
				continue;
			seen = rd.episode_id;
			all[copd]++;
			hyp[copd] += t.ep.type == EP_HYPOXIA;
		}
	}
	for (int i = 0; i < NEPISODES; i++) {
		printf("  %-20s %llu\n", episode_name(i),
		    (unsigned long long)run.count[i]);
		assert_true(run.count[i] > 20);
	}
	assert_true(all[1] > 50);
	assert_true((double)hyp[1] / all[1] > 1.5 * (double)hyp[0] / all[0]);
	cohort_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shift_table),
		cmocka_unit_test(test_strength),
		cmocka_unit_test(test_track),
		cmocka_unit_test(test_no_episodes),
		cmocka_unit_test(test_condition_weights),
		cmocka_unit_test(test_types_drawn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
