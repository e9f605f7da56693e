/*
 * evaluate: small hand-built streams, each figure worked out in a
 * comment: detection needs `persistence` flagged readings in a row of the
 * same patient in time order; latency runs from the first labelled
 * reading; false alerts count onsets outside episodes and their grace,
 * with the refractory time merging close alerts; ROC-AUC and average
 * precision of the three detectors' scores; the NEWS2 rule and the gate
 * of the combined detector; recall per episode type; the refusal of a
 * stream without labels; the keys of the JSON report.
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

#include "evaluate.h"
#include "record.h"
#include "schema.h"

#define S	INT64_C(1000000)	/* one second in usec */
#define MIN	(60 * S)
#define T0	(INT64_C(1767225600) * S)	/* 2026-01-01 */

static void
near(double got, double want, const char *what)
{
	if (!(fabs(got - want) <= 1e-12))
		fail_msg("%s: got %.17g, expected %.17g", what, got, want);
}

/* A reading at minute m (may be fractional) of the stream. */
static void
add(struct evaluation *e, const char *patient, double m, double score,
    bool anomaly, int news2, bool red, const char *episode, int64_t id)
{
	eval_add(e, patient, strlen(patient), T0 + (int64_t)(m * MIN), score,
	    anomaly, news2, red, episode, episode ? strlen(episode) : 0, id);
}

/* A reading with nothing to say but whether the forest flagged it. */
static void
plain(struct evaluation *e, const char *patient, double m, bool anomaly,
    const char *episode, int64_t id)
{
	add(e, patient, m, anomaly ? 0.7 : 0.4, anomaly, 0, false, episode,
	    id);
}

static struct evaluation *
evaluation(int persistence, int news2_persistence)
{
	struct eval_options o;

	eval_options_init(&o);
	o.rule.persistence = persistence;
	o.rule.news2_persistence = news2_persistence;
	return eval_new(&o);
}

static void
compute(struct evaluation *e, struct eval_result *r)
{
	char err[256];

	if (eval_compute(e, r, err, sizeof err) != 0)
		fail_msg("eval_compute: %s", err);
}

static size_t
type_index(const struct eval_result *r, const char *name)
{
	for (size_t t = 0; t < r->ntypes; t++)
		if (strcmp(r->type_name[t], name) == 0)
			return t;
	fail_msg("no episode type %s", name);
	return 0;
}

/*
 * Persistence 3, one reading a minute, episodes over minutes 10-29.
 * p1 is flagged at 12, 13, 14: the third in a row, at 14, alerts, 4
 * minutes after the first labelled reading.  p2 is flagged at 15 alone
 * and at 20, 21: never three in a row, not detected.  Recall 1/2.
 * p1's readings are added newest first and the two patients interleaved:
 * runs are counted per patient in time order (were they counted as added,
 * p1 would alert at 12, latency 2).
 */
static void
test_persistence(void **state)
{
	(void)state;
	struct evaluation *e = evaluation(3, 60);
	struct eval_result r;

	for (int m = 0; m < 40; m++) {
		int back = 39 - m;
		bool in = back >= 10 && back <= 29;
		plain(e, "p1", back, back >= 12 && back <= 14,
		    in ? "tachycardia" : NULL, 1);
		in = m >= 10 && m <= 29;
		plain(e, "p2", m, m == 15 || m == 20 || m == 21,
		    in ? "tachycardia" : NULL, 2);
	}
	compute(e, &r);
	assert_int_equal(r.readings, 80);
	assert_int_equal(r.positives, 40);
	assert_int_equal(r.patients, 2);
	assert_int_equal(r.episodes, 2);
	const struct eval_detector *d = &r.det[DET_IFOREST];
	assert_int_equal(d->detected, 1);
	near(d->recall, 0.5, "recall");
	near(d->latency_median, 4, "latency");
	assert_int_equal(d->false_alerts, 0);
	/* NEWS2 was 0 throughout; combined is the forest here. */
	assert_int_equal(r.det[DET_NEWS2].detected, 0);
	assert_int_equal(r.det[DET_COMBINED].detected, 1);
	eval_free(e);
}

/*
 * Persistence 2, readings every 30 s over 0-30 min.  Episodes a, b, c, d
 * are labelled from minute 10 (c from 10.5) to 25; the second flagged
 * reading in a row comes at 11.5 (a), 12 (b), 16.5 (c), never (d).
 * Latencies: 1.5, 2, 6.  Median 2; quartiles with linear interpolation
 * over the sorted three: q1 at position 0.5, 1.5 + 0.5 (2 - 1.5) = 1.75;
 * q3 at 1.5, 2 + 0.5 (6 - 2) = 4.  Recall 3/4.
 */
static void
test_latency(void **state)
{
	(void)state;
	struct evaluation *e = evaluation(2, 60);
	struct eval_result r;
	static const struct {
		const char *id;
		double from, alert;	/* alert < 0: none */
	} p[] = {
		{ "a", 10, 11.5 }, { "b", 10, 12 }, { "c", 10.5, 16.5 },
		{ "d", 10, -1 },
	};

	for (int i = 0; i < 4; i++)
		for (double m = 0; m <= 30; m += 0.5) {
			bool in = m >= p[i].from && m <= 25;
			bool flag = m == p[i].alert || m == p[i].alert - 0.5;
			plain(e, p[i].id, m, flag, in ? "hypoxia" : NULL, i);
		}
	compute(e, &r);
	const struct eval_detector *d = &r.det[DET_IFOREST];
	assert_int_equal(d->detected, 3);
	near(d->recall, 0.75, "recall");
	near(d->latency_median, 2, "median");
	near(d->latency_q1, 1.75, "q1");
	near(d->latency_q3, 4, "q3");
	near(d->type_latency[type_index(&r, "hypoxia")], 2, "type median");
	assert_true(isnan(r.det[DET_NEWS2].latency_median));
	eval_free(e);
}

/*
 * Persistence 1 (each flagged reading is an alert), refractory 30 min,
 * grace 60 min.  p1 has a reading a minute over a whole day and one
 * episode over minutes 600-630; it is flagged at
 *   120        onset outside: false 1
 *   140, 165   each within 30 min of the alert before: merged, no onset
 *   300        false 2
 *   590        before the episode, outside it: false 3
 *   605        in the episode: detected (an alert need not be an onset)
 *   680        onset (75 min after 605) but 50 min after the end: grace
 *   705        25 min after 680: no onset
 *   760        onset, 130 min after the end: false 4
 *   1000-1002  one run, one onset: false 5
 * p2 has no episode, 12 hours of readings, and one alert: false 6.
 * Patient-days 1 + 0.5, so 6 / 1.5 = 4 false alerts per patient-day;
 * combined alerts where the forest does, NEWS2 (0 throughout) never.
 */
static void
test_false_alerts(void **state)
{
	(void)state;
	static const int flagged[] = { 120, 140, 165, 300, 590, 605, 680,
	    705, 760, 1000, 1001, 1002 };
	struct evaluation *e = evaluation(1, 60);
	struct eval_result r;

	for (int m = 0; m <= 1440; m++) {
		bool flag = false;
		for (size_t i = 0; i < sizeof flagged / sizeof flagged[0]; i++)
			flag |= flagged[i] == m;
		bool in = m >= 600 && m <= 630;
		plain(e, "p1", m, flag, in ? "sepsis" : NULL, 7);
		if (m <= 720)
			plain(e, "p2", m, m == 100, NULL, 0);
	}
	compute(e, &r);
	near(r.patient_days, 1.5, "patient days");
	for (int d = 0; d < NDETECTORS; d++) {
		const struct eval_detector *x = &r.det[d];
		uint64_t want = d == DET_NEWS2 ? 0 : 6;
		if (x->false_alerts != want)
			fail_msg("%s: %llu false alerts", eval_detector_name(d),
			    (unsigned long long)x->false_alerts);
		near(x->false_alerts_per_patient_day, want / 1.5, "per day");
		assert_int_equal(x->detected, d == DET_NEWS2 ? 0 : 1);
	}
	near(r.det[DET_IFOREST].latency_median, 5, "latency");
	eval_free(e);
}

/*
 * Four readings, C and D in an episode:
 *          score  NEWS2       NEWS2 score  label
 *   A       0.1   2           2            0
 *   B       0.3   3 red       3.5          0
 *   C       0.2   7           7            1
 *   D       0.4   3           3            1
 * iforest: of the 4 (positive, negative) pairs only (C, B) is the wrong
 * way round: AUC 3/4.  From the top: D (recall 1/2, precision 1), B,
 * C (recall 1, precision 2/3): AP = 1/2 + 1/2 x 2/3 = 5/6.
 * news2: only (D, B) is swapped, by the half point of a red parameter
 * (without it, a tie and AUC 7/8): AUC 3/4, AP 5/6 likewise.
 * combined, the larger percentile rank (fraction of scores <= own):
 * A max(1/4, 1/4), B max(3/4, 3/4), C max(2/4, 1), D max(1, 2/4): both
 * positives 1, both negatives below: AUC 1, AP 1.
 */
static void
test_ranking(void **state)
{
	(void)state;
	struct evaluation *e = evaluation(4, 60);
	struct eval_result r;

	/* Each score alone misranks one pair; combined, where the forest
	 * is above the gate (0.55) the NEWS2 rank lifts the reading it
	 * ranks higher, and every pair is right. */
	add(e, "p", 0, 0.1, false, 2, false, NULL, 0);
	add(e, "p", 1, 0.65, false, 3, true, NULL, 0);
	add(e, "p", 2, 0.6, false, 7, false, "fever", 1);
	add(e, "p", 3, 0.7, false, 3, false, "fever", 1);
	compute(e, &r);
	assert_int_equal(r.positives, 2);
	near(r.det[DET_IFOREST].roc_auc, 0.75, "iforest AUC");
	near(r.det[DET_IFOREST].average_precision, 5.0 / 6, "iforest AP");
	near(r.det[DET_NEWS2].roc_auc, 0.75, "news2 AUC");
	near(r.det[DET_NEWS2].average_precision, 5.0 / 6, "news2 AP");
	near(r.det[DET_COMBINED].roc_auc, 1, "combined AUC");
	near(r.det[DET_COMBINED].average_precision, 1, "combined AP");
	eval_free(e);

	/* The same with every score below the gate: NEWS2 does not count,
	 * and combined ranks as the forest does. */
	e = evaluation(4, 60);
	add(e, "p", 0, 0.1, false, 2, false, NULL, 0);
	add(e, "p", 1, 0.3, false, 3, true, NULL, 0);
	add(e, "p", 2, 0.2, false, 7, false, "fever", 1);
	add(e, "p", 3, 0.4, false, 3, false, "fever", 1);
	compute(e, &r);
	near(r.det[DET_COMBINED].roc_auc, 0.75, "combined AUC below the gate");
	eval_free(e);

	/* Perfect separation by both scores: 1 everywhere. */
	e = evaluation(4, 60);
	add(e, "p", 0, 0.1, false, 0, false, NULL, 0);
	add(e, "p", 1, 0.2, false, 1, false, NULL, 0);
	add(e, "p", 2, 0.8, false, 6, false, "fever", 1);
	add(e, "p", 3, 0.9, false, 9, true, "fever", 1);
	compute(e, &r);
	for (int d = 0; d < NDETECTORS; d++) {
		near(r.det[d].roc_auc, 1, "AUC");
		near(r.det[d].average_precision, 1, "AP");
	}
	eval_free(e);
}

/*
 * NEWS2 and combined with news2_persistence 3 (and persistence 3): one
 * patient per case, each its own episode type, its episode the five
 * readings given (a minute apart).  NEWS2 alerts on three readings in a
 * row with total >= 5 or a red parameter; combined on the forest's alert,
 * or on three such readings each with anomaly_score above the 0.55 gate.
 */
static const struct {
	const char *type;
	int news2[5];		/* -1: not scored */
	double score[5];
	const char *red, *anomaly;	/* 'x' where set */
	bool want[NDETECTORS];	/* iforest, news2, combined */
} cases[] = {
	{ "total5", { 5, 5, 5, 0, 0 }, { .5, .5, .5, .5, .5 }, "", "",
	    { false, true, false } },
	{ "total4", { 4, 4, 4, 4, 4 }, { .9, .9, .9, .9, .9 }, "", "",
	    { false, false, false } },
	{ "red", { 3, 3, 3, 0, 0 }, { .5, .5, .5, .5, .5 }, "xxx", "",
	    { false, true, false } },
	{ "red_twice", { 3, 3, 3, 0, 0 }, { .9, .9, .9, .9, .9 }, "x.x", "",
	    { false, false, false } },
	{ "broken", { 5, 5, 4, 5, 5 }, { .9, .9, .9, .9, .9 }, "", "",
	    { false, false, false } },
	{ "above_gate", { 0, 5, 5, 5, 0 }, { .6, .6, .6, .6, .6 }, "", "",
	    { false, true, true } },
	{ "red_above_gate", { 3, 3, 3, 0, 0 }, { .6, .6, .6, .6, .6 }, "xxx",
	    "", { false, true, true } },
	{ "gate_dip", { 5, 5, 5, 0, 0 }, { .6, .5, .6, .6, .6 }, "", "",
	    { false, true, false } },
	{ "forest", { 0, 0, 0, 0, 0 }, { .4, .4, .4, .4, .4 }, "", "xxx",
	    { true, false, true } },
	{ "forest_short", { 5, 5, 0, 0, 0 }, { .9, .9, .4, .4, .4 }, "",
	    "xx", { false, false, false } },
	{ "unscored", { -1, -1, -1, -1, -1 }, { .9, .9, .9, .9, .9 }, "", "",
	    { false, false, false } },
};

static void
test_news2_and_gate(void **state)
{
	(void)state;
	struct evaluation *e = evaluation(3, 3);
	struct eval_result r;
	const size_t n = sizeof cases / sizeof cases[0];

	for (size_t c = 0; c < n; c++) {
		char patient[16];
		snprintf(patient, sizeof patient, "p%zu", c);
		/* A quiet reading before, so that each case starts afresh. */
		add(e, patient, 0, 0.4, false, 0, false, NULL, 0);
		for (int i = 0; i < 5; i++) {
			size_t nr = strlen(cases[c].red);
			size_t na = strlen(cases[c].anomaly);
			add(e, patient, 1 + i, cases[c].score[i],
			    (size_t)i < na && cases[c].anomaly[i] == 'x',
			    cases[c].news2[i],
			    (size_t)i < nr && cases[c].red[i] == 'x',
			    cases[c].type, (int64_t)c + 1);
		}
	}
	compute(e, &r);
	assert_int_equal(r.ntypes, n);
	for (size_t c = 0; c < n; c++) {
		size_t t = type_index(&r, cases[c].type);
		for (int d = 0; d < NDETECTORS; d++)
			if (r.det[d].type_recall[t] != cases[c].want[d])
				fail_msg("%s: %s recall %g", cases[c].type,
				    eval_detector_name(d),
				    r.det[d].type_recall[t]);
	}
	eval_free(e);
}

/*
 * The gate is strict: the header says NEWS2 counts where the forest
 * scored the patient above news2_gate, so a score equal to it does not
 * open the gate.
 * KNOWN BUG (reported): eval_add keeps the score as a float, and
 * (float)0.55 = 0.550000012 > 0.55, so a score at the gate, or up to
 * about 3e-8 below it, passes.  Fails until lib/evaluate.c compares the
 * score as a double (see the report).
 */
static void
test_gate_is_strict(void **state)
{
	(void)state;
	struct evaluation *e = evaluation(3, 3);
	struct eval_result r;

	for (int i = 0; i < 5; i++)
		add(e, "p", i, 0.55, false, 6, false, "hypotension", 1);
	compute(e, &r);
	eval_free(e);
	assert_int_equal(r.det[DET_NEWS2].detected, 1);
	if (r.det[DET_COMBINED].detected != 0)
		fail_msg("KNOWN BUG: a score equal to news2_gate opened the "
		    "gate (evaluate.c compares the score as a float)");
}

/*
 * Persistence 1.  fever: episode 1 (minutes 10-20 of f1) alerted at 13,
 * latency 3; episode 2 (minutes 100-110 of the same patient) never:
 * recall 1/2, median latency 3.  sepsis: episode 3 (s1, minutes 10-20)
 * alerted at 15: recall 1, latency 5.  Overall 2/3, median of 3 and 5: 4.
 * Episodes are told apart by id, not by type.
 */
static void
test_type_recall(void **state)
{
	(void)state;
	struct evaluation *e = evaluation(1, 60);
	struct eval_result r;

	for (int m = 0; m <= 120; m++) {
		const char *type = NULL;
		int64_t id = 0;
		if (m >= 10 && m <= 20)
			type = "fever", id = 1;
		else if (m >= 100 && m <= 110)
			type = "fever", id = 2;
		plain(e, "f1", m, m == 13, type, id);
		plain(e, "s1", m, m == 15, m >= 10 && m <= 20 ? "sepsis" :
		    NULL, 3);
	}
	compute(e, &r);
	assert_int_equal(r.episodes, 3);
	assert_int_equal(r.ntypes, 2);
	assert_string_equal(r.type_name[0], "fever");
	assert_string_equal(r.type_name[1], "sepsis");
	assert_int_equal(r.type_episodes[0], 2);
	assert_int_equal(r.type_episodes[1], 1);
	const struct eval_detector *d = &r.det[DET_IFOREST];
	near(d->type_recall[0], 0.5, "fever recall");
	near(d->type_recall[1], 1, "sepsis recall");
	near(d->type_latency[0], 3, "fever latency");
	near(d->type_latency[1], 5, "sepsis latency");
	near(d->recall, 2.0 / 3, "recall");
	near(d->latency_median, 4, "latency");
	near(r.det[DET_NEWS2].type_recall[1], 0, "news2 sepsis recall");
	assert_true(isnan(r.det[DET_NEWS2].type_latency[1]));
	eval_free(e);
}

static void
test_nothing_to_judge(void **state)
{
	(void)state;
	struct evaluation *e = evaluation(4, 60);
	struct eval_result r;
	char err[256] = "";

	assert_int_equal(eval_compute(e, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "no readings"));
	for (int m = 0; m < 10; m++)
		plain(e, "p", m, m > 5, NULL, 0);
	err[0] = '\0';
	assert_int_equal(eval_compute(e, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "no episode labels"));
	assert_non_null(strstr(err, "--truth"));
	eval_free(e);
}

/* Exactly these keys, no more: the layout of models/evaluation.json. */
static void
expect_keys(json_t *obj, const char *const *keys, size_t n, const char *what)
{
	assert_true(json_is_object(obj));
	for (size_t i = 0; i < n; i++)
		if (json_object_get(obj, keys[i]) == NULL)
			fail_msg("%s: no key %s", what, keys[i]);
	if (json_object_size(obj) != n)
		fail_msg("%s: %zu keys, expected %zu", what,
		    json_object_size(obj), n);
}

static void
test_json(void **state)
{
	(void)state;
	static const char *const top[] = { "readings", "positive_readings",
	    "patients", "patient_days", "episodes", "cadence_seconds",
	    "persistence", "news2_persistence_seconds", "news2_gate",
	    "refractory_minutes", "grace_minutes", "detectors",
	    "by_time_since_admission" };
	static const char *const bands[] = { "first_15_minutes",
	    "first_90_minutes", "later" };
	static const char *const det[] = { "roc_auc", "average_precision",
	    "episode_recall", "episode_recall_by_type",
	    "false_alerts_per_patient_day", "latency_median_minutes",
	    "latency_q1_minutes", "latency_q3_minutes",
	    "latency_median_minutes_by_type" };
	static const char *const names[] = { "iforest", "news2", "combined" };
	struct eval_options o;
	struct eval_result r;
	char err[256];

	eval_options_init(&o);
	o.rule.persistence = 1;
	struct evaluation *e = eval_new(&o);
	for (int m = 0; m <= 60; m++)
		plain(e, "p", m, m == 32, m >= 30 ? "fever" : NULL, 1);
	assert_int_equal(eval_compute(e, &r, err, sizeof err), 0);
	json_t *j = eval_to_json(&r, &o);
	expect_keys(j, top, sizeof top / sizeof top[0], "report");
	assert_int_equal(json_integer_value(json_object_get(j, "readings")),
	    61);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "refractory_minutes")), 30);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "grace_minutes")), 60);
	json_t *dets = json_object_get(j, "detectors");
	expect_keys(dets, names, 3, "detectors");
	for (int d = 0; d < NDETECTORS; d++) {
		json_t *x = json_object_get(dets, eval_detector_name(d));
		expect_keys(x, det, sizeof det / sizeof det[0], names[d]);
		expect_keys(json_object_get(x, "episode_recall_by_type"),
		    (const char *const[]){ "fever" }, 1, "by type");
	}
	/* The patient's hour: 15 readings in the first 15 minutes, 61 in
	 * the first 90, none later; the episode starts in the first 90. */
	json_t *b = json_object_get(j, "by_time_since_admission");
	expect_keys(b, bands, 3, "bands");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b,
	    "first_15_minutes"), "readings")), 15);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b,
	    "first_90_minutes"), "episodes")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b,
	    "later"), "readings")), 0);
	assert_true(json_real_value(json_object_get(j, "cadence_seconds")) ==
	    60.0);
	json_t *f = json_object_get(dets, "iforest");
	/* Detected at 32, two minutes in. */
	assert_true(json_real_value(json_object_get(f,
	    "latency_median_minutes")) == 2.0);
	assert_true(json_real_value(json_object_get(f, "episode_recall")) ==
	    1.0);
	/* Undefined figures are null: NEWS2 detected nothing. */
	assert_true(json_is_null(json_object_get(json_object_get(dets,
	    "news2"), "latency_median_minutes")));
	json_decref(j);
	eval_free(e);
}

/* The label is read as JSON, whatever its spacing or escaping. */
static void
test_truth_episode(void **state)
{
	static const struct {
		const char *text;
		bool in;
		const char *type;
		int64_t id;
	} labels[] = {
		{ "{\"episode\":\"sepsis\",\"episode_id\":7}", true, "sepsis", 7 },
		{ "{ \"episode\" : \"fever\" , \"episode_id\" : 2 }", true,
		    "fever", 2 },
		{ "{\"episode_id\":3,\"episode\":\"hypo\\u0078ia\"}", true,
		    "hypoxia", 3 },
		{ "{\"episode\":\"fever\"}", true, "fever", -1 },
		{ "{\"episode\":null,\"episode_id\":null}", false, NULL, 0 },
		{ "{\"episode\":7}", false, NULL, 0 },
		{ "{\"note\":\"\\\"episode\\\":\\\"x\\\"\"}", false, NULL, 0 },
		{ "[\"episode\",\"fever\"]", false, NULL, 0 },
	};
	char type[64];
	int64_t id;

	(void)state;
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		struct jval v = { .kind = JK_RAW, .s = labels[i].text,
		    .len = (uint32_t)strlen(labels[i].text) };
		id = -2;
		if (truth_episode(&v, type, sizeof type, &id) != labels[i].in)
			fail_msg("%s: expected %s", labels[i].text,
			    labels[i].in ? "an episode" : "none");
		if (labels[i].in) {
			assert_string_equal(type, labels[i].type);
			assert_int_equal(id, labels[i].id);
		}
	}
	/* A truth that is null or absent is no episode. */
	struct jval null = { .kind = JK_NULL }, absent = { .kind = JK_ABSENT };
	assert_false(truth_episode(&null, type, sizeof type, &id));
	assert_false(truth_episode(&absent, type, sizeof type, &id));
}

/*
 * Silver records as vitals-eval reads them.  p1's three readings in a
 * hypoxia episode have a NEWS2 total of 3 but SpO2 scored 3: red, so the
 * NEWS2 rule (persistence 3) detects the episode.  p2's, in a sepsis
 * episode, total 4 with no parameter at 3: not red, not detected.  A
 * record with no anomaly_score, or an event_time that is not a time, is
 * not a scored reading and adds nothing (the counts say so).
 */
static void
test_add_silver(void **state)
{
	(void)state;
	char err[256], line[512];
	struct schema *silver = schema_load("silver", err, sizeof err);
	struct record *rec;
	struct evaluation *e = evaluation(3, 3);
	struct eval_result r;

	assert_non_null(silver);
	rec = record_new(silver);
	for (int i = 0; i < 3; i++) {
		int len = snprintf(line, sizeof line, "{\"patient_id\":\"p1\","
		    "\"event_time\":\"2026-01-01T00:0%d:00Z\","
		    "\"anomaly_score\":0.4,\"is_anomaly\":false,"
		    "\"news2_score\":3,\"news2_spo2\":3,\"news2_heart_rate\":0,"
		    "\"truth\":{\"episode\":\"hypoxia\",\"episode_id\":1}}", i);
		assert_int_equal(record_scan(rec, line, (size_t)len, err), 0);
		assert_true(eval_add_silver(e, rec));
		len = snprintf(line, sizeof line, "{\"patient_id\":\"p2\","
		    "\"event_time\":\"2026-01-01T00:0%d:00Z\","
		    "\"anomaly_score\":0.4,\"is_anomaly\":false,"
		    "\"news2_score\":4,\"news2_spo2\":2,\"news2_systolic\":2,"
		    "\"truth\":{\"episode\":\"sepsis\",\"episode_id\":2}}", i);
		assert_int_equal(record_scan(rec, line, (size_t)len, err), 0);
		assert_true(eval_add_silver(e, rec));
	}
	const char *unscored[] = {
		"{\"patient_id\":\"p3\",\"event_time\":\"2026-01-01T00:00:00Z\"}",
		"{\"patient_id\":\"p3\",\"event_time\":\"noon\","
		    "\"anomaly_score\":0.5}",
		"{\"event_time\":\"2026-01-01T00:00:00Z\",\"anomaly_score\":0.5}",
	};
	for (size_t i = 0; i < sizeof unscored / sizeof unscored[0]; i++) {
		assert_int_equal(record_scan(rec, unscored[i],
		    strlen(unscored[i]), err), 0);
		assert_false(eval_add_silver(e, rec));
	}
	compute(e, &r);
	assert_int_equal(r.readings, 6);
	assert_int_equal(r.patients, 2);
	near(r.det[DET_NEWS2].type_recall[type_index(&r, "hypoxia")], 1,
	    "red hypoxia found by NEWS2");
	near(r.det[DET_NEWS2].type_recall[type_index(&r, "sepsis")], 0,
	    "sepsis below 5 and not red");
	eval_free(e);
	record_free(rec);
	schema_free(silver);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_false_alerts),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_news2_and_gate),
		cmocka_unit_test(test_gate_is_strict),
		cmocka_unit_test(test_type_recall),
		cmocka_unit_test(test_nothing_to_judge),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_truth_episode),
		cmocka_unit_test(test_add_silver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
