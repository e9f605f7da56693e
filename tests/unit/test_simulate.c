/*
 * simulate: the engine's contract (lib/simulate.h) without the tool
 * around it.  Beds: one per patient, phases in whole milliseconds below
 * the interval, in phase order and cohort order on ties.  Counts: every
 * bed reads once per interval up to the end, a count limits the lines
 * exactly (faults or not), the episode and fault tallies agree with the
 * lines.  Determinism: the same config gives the same bytes, another
 * seed others, a patient's lines do not depend on the rest of the
 * cohort, and pacing to the wall clock takes the time the readings span
 * without changing a byte.  Pacing arithmetic, and the run's ends: a stop
 * signal, a failed write, a config out of range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"
#include <jansson.h>

#include "cli.h"
#include "cohort.h"
#include "faults.h"
#include "isotime.h"
#include "writer.h"
#include "schema.h"
#include "simulate.h"

#define START	INT64_C(1767225600000000)	/* 2026-01-01T00:00:00Z */
#define SEC	USEC_PER_SEC

/* A config of n minutes of 5 s readings from START, nothing else on. */
static struct sim_config
config(int64_t minutes, uint64_t seed)
{
	struct sim_config c;

	memset(&c, 0, sizeof c);
	c.seed = seed;
	c.start = START;
	c.interval = 5 * SEC;
	c.duration = minutes * 60 * SEC;
	c.count = -1;
	return c;
}

/* What a run writes, and the run (the caller frees both). */
struct output {
	char *text;
	size_t len;
	struct sim *sim;
};

static struct output
run(const struct sim_config *cfg, const struct cohort *c)
{
	struct output o;
	struct writer w;
	char err[256];

	writer_open_memory(&w);
	o.sim = sim_new(cfg, c, unit_reading, &w, err, sizeof err);
	if (o.sim == NULL)
		fail_msg("sim_new: %s", err);
	sim_run(o.sim);
	assert_int_equal(w.error, 0);
	o.len = w.len;
	o.text = malloc(w.len + 1);
	assert_non_null(o.text);
	memcpy(o.text, w.buf, w.len);
	o.text[w.len] = '\0';
	writer_close(&w);
	/* The beds point at the cohort and the faults module at the
	 * writer: only the counts are read after this. */
	return o;
}

static void
output_free(struct output *o)
{
	sim_free(o->sim);
	free(o->text);
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The lines of s that contain needle, concatenated (caller frees). */
static char *
grep(const char *s, const char *needle)
{
	size_t len = strlen(s);
	char *out = malloc(len + 1), *p = out;
	const char *nl;

	assert_non_null(out);
	for (; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		assert_non_null(nl);
		if (memmem(s, (size_t)(nl - s), needle, strlen(needle))) {
			memcpy(p, s, (size_t)(nl - s + 1));
			p += nl - s + 1;
		}
	}
	*p = '\0';
	return out;
}

/* Calls fn on every line of s parsed as JSON (every line must parse). */
static void
each_json(const char *s, void (*fn)(json_t *, void *), void *arg)
{
	json_error_t je;
	const char *nl;

	for (; *s; s = nl + 1) {
		json_t *j;
		nl = strchr(s, '\n');
		assert_non_null(nl);
		j = json_loadb(s, (size_t)(nl - s), JSON_REJECT_DUPLICATES,
		    &je);
		if (j == NULL)
			fail_msg("%.*s: %s", (int)(nl - s), s, je.text);
		fn(j, arg);
		json_decref(j);
	}
}

static int64_t
timestamp(json_t *j)
{
	const char *ts = json_string_value(json_object_get(j, "timestamp"));
	int64_t t;

	assert_non_null(ts);
	assert_int_equal(iso_parse(ts, strlen(ts), &t), 0);
	return t;
}

static void
test_beds(void **state)
{
	struct cohort c;
	struct sim_config cfg = config(1, 3);
	struct writer w;
	struct sim *s;
	char err[256];

	(void)state;
	cohort_builtin(&c, 40, 3);
	writer_open_memory(&w);
	cfg.interval = 7 * SEC;
	s = sim_new(&cfg, &c, unit_reading, &w, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(s->nbed, 40);
	assert_int_equal(s->readings, 0);
	assert_int_equal(s->lines, 0);
	assert_int_equal(w.len, 0);	/* nothing before sim_run */
	for (size_t i = 0; i < s->nbed; i++) {
		const struct sim_bed *b = &s->bed[i];
		assert_true(b->phase >= 0 && b->phase < cfg.interval);
		assert_int_equal(b->phase % 1000, 0);
		assert_true(b->ph.patient >= c.p && b->ph.patient < c.p + c.n);
		if (i > 0)
			assert_true(s->bed[i - 1].phase <= b->phase);
	}
	/* Every patient has its bed. */
	for (size_t k = 0; k < c.n; k++) {
		size_t n = 0;
		for (size_t i = 0; i < s->nbed; i++)
			n += s->bed[i].ph.patient == &c.p[k];
		assert_int_equal(n, 1);
	}
	/* Not all at one phase: the monitors are not synchronised. */
	assert_true(s->bed[0].phase != s->bed[s->nbed - 1].phase);
	sim_free(s);

	/* A 1 ms interval leaves every phase 0: then cohort order. */
	cfg.interval = 1000;
	s = sim_new(&cfg, &c, unit_reading, &w, err, sizeof err);
	assert_non_null(s);
	for (size_t i = 0; i < s->nbed; i++) {
		assert_int_equal(s->bed[i].phase, 0);
		assert_ptr_equal(s->bed[i].ph.patient, &c.p[i]);
	}
	sim_free(s);
	writer_close(&w);
	cohort_free(&c);
}

struct order {
	int64_t last, start, interval;
	size_t lines;
};

static void
check_order(json_t *j, void *arg)
{
	struct order *o = arg;
	int64_t t = timestamp(j);

	assert_true(t >= o->start);
	assert_true(t >= o->last);
	o->last = t;
	o->lines++;
}

/* Every bed once per interval up to the end, in timestamp order. */
static void
test_counts(void **state)
{
	struct cohort c;
	struct sim_config cfg = config(10, 1);
	struct output o;
	struct order ord = { 0, START, 5 * SEC, 0 };

	(void)state;
	cohort_builtin(&c, 7, 1);
	o = run(&cfg, &c);
	assert_int_equal(o.sim->nbed, 7);
	assert_int_equal(o.sim->readings, 7 * 120);
	assert_int_equal(o.sim->lines, o.sim->readings);
	assert_int_equal(count_lines(o.text), o.sim->lines);
	each_json(o.text, check_order, &ord);
	assert_int_equal(ord.lines, 7 * 120);
	assert_true(ord.last < START + cfg.duration);
	for (size_t k = 0; k < c.n; k++) {
		char *mine = grep(o.text, c.p[k].id);
		assert_int_equal(count_lines(mine), 120);
		free(mine);
	}
	output_free(&o);

	/* 7 s of 5 s readings: one reading each, and a second one for the
	 * beds whose phase is under 2 s. */
	cfg.duration = 7 * SEC;
	o = run(&cfg, &c);
	size_t want = c.n;
	for (size_t i = 0; i < o.sim->nbed; i++)
		want += o.sim->bed[i].phase < 2 * SEC;
	assert_int_equal(o.sim->readings, want);
	assert_int_equal(count_lines(o.text), want);
	output_free(&o);

	cfg.duration = 0;
	o = run(&cfg, &c);
	assert_int_equal(o.sim->readings, 0);
	assert_int_equal(o.len, 0);
	output_free(&o);
	cohort_free(&c);
}

/* A count is the number of lines, exactly, with or without faults (which
 * drop, repeat and hold back lines); the duration is then ignored. */
static void
test_count(void **state)
{
	struct cohort c;
	struct sim_config cfg = config(0, 2);
	struct output o, all;

	(void)state;
	cohort_builtin(&c, 5, 2);
	cfg.count = 1234;
	o = run(&cfg, &c);
	assert_int_equal(o.sim->lines, 1234);
	assert_int_equal(count_lines(o.text), 1234);
	assert_int_equal(o.sim->readings, 1234);

	/* The first lines of a longer run. */
	cfg.count = 5000;
	all = run(&cfg, &c);
	assert_true(all.len > o.len);
	assert_memory_equal(all.text, o.text, o.len);
	output_free(&all);
	output_free(&o);

	cfg.faults = 0.5;
	for (int64_t n = 0; n < 700; n += 99) {
		cfg.count = n;
		o = run(&cfg, &c);
		assert_int_equal(o.sim->lines, (uint64_t)n);
		assert_int_equal(count_lines(o.text), (size_t)n);
		output_free(&o);
	}
	cohort_free(&c);
}

static void
test_determinism(void **state)
{
	struct cohort c;
	struct sim_config cfg = config(90, 9);
	struct output a, b, other;

	(void)state;
	cohort_builtin(&c, 12, 9);
	cfg.episodes = 20;
	cfg.faults = 0.2;
	cfg.truth = true;
	a = run(&cfg, &c);
	b = run(&cfg, &c);
	assert_true(a.len > 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.text, b.text, a.len);
	assert_int_equal(a.sim->readings, b.sim->readings);
	assert_int_equal(a.sim->lines, b.sim->lines);
	cfg.seed = 10;
	other = run(&cfg, &c);
	assert_false(other.len == a.len &&
	    memcmp(other.text, a.text, a.len) == 0);
	output_free(&a);
	output_free(&b);
	output_free(&other);
	cohort_free(&c);
}

/* A patient's lines are the same in a cohort of 3 and one of 12 (with
 * no episodes, whose ids are run-wide, and no faults, which move lines). */
static void
test_patient_alone(void **state)
{
	struct cohort small, big;
	struct sim_config cfg = config(30, 4);
	struct output a, b;

	(void)state;
	cohort_builtin(&small, 3, 4);
	cohort_builtin(&big, 12, 4);
	a = run(&cfg, &small);
	b = run(&cfg, &big);
	for (size_t k = 0; k < small.n; k++) {
		char *x = grep(a.text, small.p[k].id);
		char *y = grep(b.text, big.p[k].id);
		assert_string_equal(small.p[k].id, big.p[k].id);
		assert_int_equal(count_lines(x), 30 * 12);
		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	output_free(&a);
	output_free(&b);
	cohort_free(&small);
	cohort_free(&big);
}

struct tally {
	int64_t max_id;
	size_t labelled;
	char seen[4096];	/* episode ids met */
};

static void
check_truth(json_t *j, void *arg)
{
	struct tally *t = arg;
	json_t *truth = json_object_get(j, "truth");
	json_t *id;

	assert_non_null(truth);
	if (json_is_null(truth))
		return;
	id = json_object_get(truth, "episode_id");
	if (json_is_integer(id)) {
		int64_t v = json_integer_value(id);
		assert_true(v >= 1 && v < (int64_t)sizeof t->seen);
		t->seen[v] = 1;
		if (v > t->max_id)
			t->max_id = v;
		t->labelled++;
	}
}

/* The tallies the report prints agree with the lines. */
static void
test_tallies(void **state)
{
	struct cohort c;
	struct sim_config cfg = config(12 * 60, 5);
	struct output o;
	struct tally t;
	uint64_t by_type = 0, faulty = 0;
	int64_t ids = 0;

	(void)state;
	cohort_builtin(&c, 10, 5);
	cfg.episodes = 24;
	cfg.truth = true;
	o = run(&cfg, &c);
	memset(&t, 0, sizeof t);
	each_json(o.text, check_truth, &t);
	assert_true(t.labelled > 0);
	for (int k = 0; k < NEPISODES; k++)
		by_type += o.sim->episodes.count[k];
	for (size_t i = 0; i < sizeof t.seen; i++)
		ids += t.seen[i];
	/* Ids 1..last_id, each seen, each counted once by type. */
	assert_int_equal(o.sim->episodes.last_id, t.max_id);
	assert_int_equal(ids, t.max_id);
	assert_int_equal(by_type, (uint64_t)t.max_id);
	output_free(&o);

	/* Faults: about the share asked for (each reading is faulty with
	 * probability 0.3: 3000 readings put 5 SDs at 0.042). */
	cfg = config(25, 5);
	cfg.faults = 0.3;
	o = run(&cfg, &c);
	for (int k = 1; k < NFAULTS; k++)
		faulty += faults_count(o.sim->faults, k);
	assert_int_equal(o.sim->readings, 10 * 300);
	assert_true(faulty > 0.25 * 3000 && faulty < 0.35 * 3000);
	output_free(&o);
	cohort_free(&c);
}

static void
expect_due(time_t sec, long nsec, int64_t off, time_t want_sec,
    long want_nsec)
{
	struct timespec w0 = { sec, nsec }, due = sim_due(&w0, off);

	if (due.tv_sec != want_sec || due.tv_nsec != want_nsec)
		fail_msg("%lld.%09ld + %lld us: got %lld.%09ld, want "
		    "%lld.%09ld", (long long)sec, nsec, (long long)off,
		    (long long)due.tv_sec, due.tv_nsec, (long long)want_sec,
		    want_nsec);
}

static void
test_pacing_arithmetic(void **state)
{
	(void)state;
	expect_due(0, 0, 0, 0, 0);
	expect_due(100, 250, 1, 100, 1250);
	expect_due(5, 999999000, 1500, 6, 1499000);
	expect_due(10, 500000000, 2500000, 13, 0);
	expect_due(10, 500000000, 2499999, 12, 999999000);
	expect_due(1, 0, 3 * USEC_PER_DAY + 1, 1 + 3 * 86400, 1000);
	expect_due(7, 999999999, 999999, 8, 999998999);
}

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Paced, a run takes as long as its readings span, and writes the same
 * bytes as unpaced. */
static void
test_realtime(void **state)
{
	struct cohort c;
	struct sim_config cfg = config(0, 6);
	struct output fast, paced;
	struct timespec t0, t1;
	int64_t span = 0;

	(void)state;
	cohort_builtin(&c, 3, 6);
	cfg.interval = 10000;		/* 10 ms */
	cfg.duration = 300000;		/* 0.3 s */
	cfg.faults = 0.2;
	fast = run(&cfg, &c);
	cfg.realtime = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	paced = run(&cfg, &c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(fast.len, paced.len);
	assert_memory_equal(fast.text, paced.text, fast.len);
	/* The last reading is due at 290 ms plus the largest phase. */
	for (size_t i = 0; i < paced.sim->nbed; i++)
		if (paced.sim->bed[i].phase > span)
			span = paced.sim->bed[i].phase;
	span += cfg.duration - cfg.interval;
	assert_true(elapsed(&t0, &t1) >= (double)span / 1e6);
	/* Its wall clock started within the call. */
	assert_true(elapsed(&t0, &paced.sim->wall0) >= 0);
	assert_true(elapsed(&paced.sim->wall0, &t1) >= 0);
	output_free(&fast);
	output_free(&paced);
	cohort_free(&c);
}

/* A stop signal or a failed write ends the run. */
static void
test_stops(void **state)
{
	struct cohort c;
	struct sim_config cfg = config(24 * 60, 7);
	struct writer w;
	struct sim *s;
	char err[256];
	int fd;

	(void)state;
	cohort_builtin(&c, 20, 7);
	writer_open_memory(&w);
	s = sim_new(&cfg, &c, unit_reading, &w, err, sizeof err);
	assert_non_null(s);
	cli_stop = SIGTERM;
	sim_run(s);
	cli_stop = 0;
	assert_int_equal(s->readings, 0);
	assert_int_equal(s->lines, 0);
	assert_int_equal(w.len, 0);
	sim_free(s);
	writer_close(&w);

	/* A day of 20 patients is 345600 readings: a full disk stops the
	 * run at the first flush. */
	if ((fd = open("/dev/full", O_WRONLY)) < 0) {
		cohort_free(&c);
		skip();
	}
	writer_open_fd(&w, fd, "/dev/full");
	s = sim_new(&cfg, &c, unit_reading, &w, err, sizeof err);
	assert_non_null(s);
	sim_run(s);
	assert_int_equal(w.error, ENOSPC);
	assert_true(s->readings > 0 && s->readings < 20 * 17280 / 10);
	sim_free(s);
	w.error = 0;		/* expected: no "write error" message */
	w.len = 0;
	writer_close(&w);
	close(fd);
	cohort_free(&c);
}

static void
expect_refused(const struct sim_config *cfg, const struct cohort *c,
    const char *what)
{
	struct writer w;
	char err[256] = "";

	writer_open_memory(&w);
	if (sim_new(cfg, c, unit_reading, &w, err, sizeof err) != NULL)
		fail_msg("%s: accepted", what);
	if (err[0] == '\0')
		fail_msg("%s: refused without a message", what);
	writer_close(&w);
}

/* base with one field changed: which, to v. */
enum knob { K_INTERVAL, K_DURATION, K_COUNT, K_FAULTS, K_EPISODES };

static struct sim_config
with(struct sim_config c, enum knob which, double v)
{
	switch (which) {
	case K_INTERVAL:
		c.interval = (int64_t)v;
		break;
	case K_DURATION:
		c.duration = (int64_t)v;
		break;
	case K_COUNT:
		c.count = (int64_t)v;
		break;
	case K_FAULTS:
		c.faults = v;
		break;
	case K_EPISODES:
		c.episodes = v;
		break;
	}
	return c;
}

static void
test_config_refused(void **state)
{
	static const struct {
		enum knob which;
		double v;
		const char *what;
	} bad[] = {
		{ K_INTERVAL, 0, "interval 0" },
		{ K_INTERVAL, 1500, "interval 1.5 ms" },
		{ K_INTERVAL, (double)(USEC_PER_DAY + 1000), "interval over "
		    "a day" },
		{ K_DURATION, -1, "negative duration" },
		{ K_COUNT, -2, "count -2" },
		{ K_FAULTS, 1.5, "fault rate 1.5" },
		{ K_FAULTS, NAN, "fault rate NaN" },
		{ K_EPISODES, -1, "negative episode rate" },
		{ K_EPISODES, INFINITY, "infinite episode rate" },
	};
	struct cohort c, none;
	struct sim_config base = config(10, 1), cfg;
	struct output o;

	(void)state;
	cohort_builtin(&c, 2, 1);
	memset(&none, 0, sizeof none);
	expect_refused(&base, &none, "no patients");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cfg = with(base, bad[i].which, bad[i].v);
		expect_refused(&cfg, &c, bad[i].what);
	}
	/* The edges are fine. */
	cfg = with(base, K_INTERVAL, (double)USEC_PER_DAY);
	cfg = with(cfg, K_FAULTS, 1);
	cfg = with(cfg, K_COUNT, 0);
	o = run(&cfg, &c);
	assert_int_equal(o.len, 0);
	output_free(&o);
	cfg = with(base, K_INTERVAL, 1000);
	cfg = with(cfg, K_DURATION, 0);
	o = run(&cfg, &c);
	assert_int_equal(o.len, 0);
	output_free(&o);
	cohort_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_beds),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_patient_alone),
		cmocka_unit_test(test_tallies),
		cmocka_unit_test(test_pacing_arithmetic),
		cmocka_unit_test(test_realtime),
		cmocka_unit_test(test_stops),
		cmocka_unit_test(test_config_refused),
	};

	return cmocka_run_group_tests(tests, unit_reading_setup,
	    unit_reading_teardown);
}
