/*
 * window: boundaries, out-of-order readings within the lateness, late
 * readings refused, emission order, the idle close, the flush at end of
 * input, memory bounded by the open windows, and every answer on a long
 * random stream checked against a plain model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rng.h"
#include "window.h"

#define S	INT64_C(1000000)	/* one second in usec */
#define MIN	(60 * S)

/* Test windows count their readings in their data. */
static int releases;

static void
count_release(void *data)
{
	(void)data;
	releases++;
}

static struct window_table *
table(int64_t width, int64_t lateness)
{
	struct window_options o = {
		.width = width, .lateness = lateness,
		.data_size = sizeof(int), .release = count_release
	};

	return window_new(&o);
}

/* Adds a reading and counts it into its window; returns the status. */
static int
add(struct window_table *t, const char *id, int64_t time)
{
	struct window *w;
	int st = window_add(t, 0, -1, id, strlen(id), time, &w);

	if (st == WINDOW_LATE) {
		assert_null(w);
	} else {
		assert_non_null(w);
		assert_true(w->start <= time && time < w->end);
		assert_string_equal(w->patient_id, id);
		(*(int *)w->data)++;
	}
	return st;
}

/* Expects the next closed window to be (id, start) holding n readings. */
static void
expect_next(struct window_table *t, const char *id, int64_t start, int n)
{
	const struct window *w = window_next(t);

	assert_non_null(w);
	assert_string_equal(w->patient_id, id);
	assert_int_equal(w->start, start);
	assert_int_equal(*(int *)w->data, n);
}

static void
test_boundaries(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 0);
	struct window *w;

	assert_int_equal(window_start_of(t, 0), 0);
	assert_int_equal(window_start_of(t, MIN - 1), 0);
	assert_int_equal(window_start_of(t, MIN), MIN);
	/* Before the epoch, windows still start on whole minutes. */
	assert_int_equal(window_start_of(t, -1), -MIN);
	assert_int_equal(window_start_of(t, -MIN), -MIN);

	/* The last microsecond of a window and the first of the next. */
	assert_int_equal(add(t, "a", MIN - 1), WINDOW_OPENED);
	assert_int_equal(window_add(t, 0, -1, "a", 1, MIN, &w), WINDOW_OPENED);
	assert_int_equal(w->start, MIN);
	assert_int_equal(w->end, 2 * MIN);
	/* The reading at exactly MIN moved the watermark (lateness 0) to
	 * the end of [0, MIN): that window is closed. */
	expect_next(t, "a", 0, 1);
	assert_null(window_next(t));
	assert_int_equal(window_open_count(t), 1);
	/* A window that ends exactly at the watermark has closed. */
	assert_int_equal(window_watermark(t, 0), MIN);
	assert_int_equal(add(t, "b", MIN - 1), WINDOW_LATE);
	window_free(t);
}

static void
test_out_of_order_within_lateness(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 2 * MIN);

	assert_int_equal(add(t, "p", 10 * S), WINDOW_OPENED);
	assert_int_equal(add(t, "p", 70 * S), WINDOW_OPENED);
	assert_int_equal(add(t, "p", 170 * S), WINDOW_OPENED);
	/* The watermark is 170 - 120 = 50 s: [0, 60) is still open. */
	assert_int_equal(window_watermark(t, 0), 50 * S);
	assert_null(window_next(t));
	assert_int_equal(add(t, "p", 59 * S), WINDOW_FOUND);
	assert_int_equal(add(t, "p", 65 * S), WINDOW_FOUND);
	assert_int_equal(window_open_count(t), 3);
	/* 180 s: the watermark reaches 60 s and [0, 60) closes with both
	 * of its readings, the out-of-order one included. */
	assert_int_equal(add(t, "p", 180 * S), WINDOW_OPENED);
	expect_next(t, "p", 0, 2);
	assert_null(window_next(t));
	window_free(t);
}

static void
test_late_refused(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 2 * MIN);

	add(t, "p", 30 * S);
	add(t, "p", 200 * S);
	expect_next(t, "p", 0, 1);
	/* [0, 60) was written: a reading for it is refused, for any
	 * patient, and does not move the watermark back. */
	assert_int_equal(add(t, "p", 59 * S), WINDOW_LATE);
	assert_int_equal(add(t, "q", 0), WINDOW_LATE);
	assert_int_equal(window_watermark(t, 0), 80 * S);
	/* Older than the watermark but in a window still open: taken. */
	assert_int_equal(add(t, "q", 61 * S), WINDOW_OPENED);
	assert_null(window_next(t));
	window_finish(t);
	/* After the end, everything is late. */
	assert_int_equal(add(t, "p", 201 * S), WINDOW_LATE);
	expect_next(t, "q", MIN, 1);
	expect_next(t, "p", 3 * MIN, 1);
	assert_null(window_next(t));
	window_free(t);
}

static void
test_emission_order(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 5 * MIN);

	/* Arrival order is scrambled; ids sort bytewise ("b" > "ab" > "a",
	 * "p10" < "p9"), windows by end. */
	add(t, "p9", 61 * S);
	add(t, "b", 5 * S);
	add(t, "p10", 62 * S);
	add(t, "ab", 6 * S);
	add(t, "a", 7 * S);
	add(t, "p9", 8 * S);
	add(t, "a", 9 * S);
	assert_null(window_next(t));
	add(t, "z", 7 * MIN);		/* watermark 2 min: both periods */
	expect_next(t, "a", 0, 2);
	expect_next(t, "ab", 0, 1);
	expect_next(t, "b", 0, 1);
	expect_next(t, "p9", 0, 1);
	expect_next(t, "p10", MIN, 1);
	expect_next(t, "p9", MIN, 1);
	assert_null(window_next(t));
	window_free(t);
}

static void
test_idle_close(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 2 * MIN);

	assert_int_equal(window_idle_due(t, 0), -1);
	window_clock(t, 3600 * S);
	window_idle(t, 0);	/* nothing seen: nothing to do */
	assert_null(window_next(t));

	window_clock(t, 0);
	add(t, "p", 10 * S);
	add(t, "q", 70 * S);
	/* [0, 60) ends at 60; with 120 s lateness it is due when event time
	 * reaches 180 s, 110 s after the newest reading. */
	assert_int_equal(window_idle_due(t, 0), 110 * S);
	/* A timeout longer than that is waited for in full. */
	assert_int_equal(window_idle_due(t, 200 * S), 200 * S);
	window_clock(t, 110 * S - 1);
	window_idle(t, 0);
	assert_null(window_next(t));
	window_clock(t, 110 * S);
	window_idle(t, 111 * S);	/* not quiet for the timeout yet */
	assert_null(window_next(t));
	window_idle(t, 0);
	expect_next(t, "p", 0, 1);
	assert_null(window_next(t));
	/* [60, 120) is due at 170 s of quiet, 60 s from now. */
	assert_int_equal(window_idle_due(t, 0), 60 * S);
	/* The watermark itself did not move: a replay that paused goes on
	 * without its next readings being late... */
	assert_int_equal(window_watermark(t, 0), -50 * S);
	assert_int_equal(add(t, "q", 75 * S), WINDOW_FOUND);
	/* ...except those for the window already written. */
	assert_int_equal(add(t, "p", 20 * S), WINDOW_LATE);
	/* Another patient had no window then: it opens. */
	assert_int_equal(add(t, "r", 20 * S), WINDOW_OPENED);
	assert_int_equal(window_held_count(t), 3);
	/* When the watermark passes the early-closed window, only the
	 * watermark refuses its readings and the key is forgotten. */
	add(t, "q", 119 * S);
	assert_int_equal(window_watermark(t, 0), -1 * S);
	add(t, "q", 181 * S);
	expect_next(t, "r", 0, 1);
	assert_null(window_next(t));
	assert_int_equal(add(t, "p", 20 * S), WINDOW_LATE);
	assert_int_equal(window_held_count(t), 2);
	window_free(t);
}

static void
test_finish_flushes_everything(void **state)
{
	(void)state;
	struct window_table *t = table(5 * MIN, 10 * MIN);
	char id[32];

	releases = 0;
	for (int i = 0; i < 30; i++) {
		snprintf(id, sizeof id, "p%02d", i % 10);
		add(t, id, i * 20 * S);
	}
	/* 10 patients over 580 s: periods [0, 300) and [300, 600). */
	assert_null(window_next(t));
	assert_int_equal(window_open_count(t), 20);
	window_finish(t);
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof id, "p%02d", i % 10);
		expect_next(t, id, i < 10 ? 0 : 5 * MIN,
		    i < 10 ? 2 - (i % 10 >= 5) : 1 + (i % 10 >= 5));
	}
	assert_null(window_next(t));
	assert_int_equal(window_open_count(t), 0);
	assert_int_equal(window_held_count(t), 0);
	assert_int_equal(releases, 20);
	window_free(t);
	assert_int_equal(releases, 20);
}

static void
test_free_releases_open_windows(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 0);

	releases = 0;
	add(t, "a", 0);
	add(t, "b", 0);
	add(t, "a", MIN);		/* closes [0, 60) for a and b */
	expect_next(t, "a", 0, 1);	/* handed out, b still queued */
	window_free(t);
	assert_int_equal(releases, 3);
}

/*
 * One reading per patient every 5 s with up to 100 s of disorder: the
 * open windows never exceed patients x (lateness / width + 2), and a
 * stream ten times longer needs no more of them.
 */
static size_t
peak_for(int hours)
{
	enum { P = 40 };
	struct window_table *t = table(MIN, 2 * MIN);
	const struct window *w;
	struct rng g;
	char id[32];
	size_t bound = P * (2 + 2);

	rng_seed(&g, 5);
	for (int64_t k = 0; k < hours * 720; k++) {
		for (int p = 0; p < P; p++) {
			int64_t time = k * 5 * S +
			    (int64_t)rng_below(&g, 100 * S);
			snprintf(id, sizeof id, "patient-%d", p);
			add(t, id, time);
			while ((w = window_next(t)) != NULL)
				;
			assert_true(window_open_count(t) <= bound);
			assert_true(window_held_count(t) <= bound);
		}
	}
	window_finish(t);
	while (window_next(t) != NULL)
		;
	assert_int_equal(window_held_count(t), 0);
	size_t peak = window_peak_open(t);
	window_free(t);
	return peak;
}

/* Adds a reading of source src at position pos; returns the status. */
static int
add_at(struct window_table *t, uint32_t src, int64_t pos, const char *id,
    int64_t time)
{
	struct window *w;
	int st = window_add(t, src, pos, id, strlen(id), time, &w);

	if (w != NULL)
		(*(int *)w->data)++;
	return st;
}

/*
 * Each source has its own watermark: a partition minutes behind another
 * (a consumer catching up) has its readings taken, and its windows close
 * by its own event time.
 */
static void
test_sources_own_watermark(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 2 * MIN);

	assert_int_equal(add_at(t, 0, 0, "a", 10 * MIN), WINDOW_OPENED);
	/* With one watermark for the stream this would be late by 7 min. */
	assert_int_equal(add_at(t, 1, 0, "b", 1 * MIN), WINDOW_OPENED);
	assert_int_equal(add_at(t, 1, 1, "b", 1 * MIN + S), WINDOW_FOUND);
	assert_null(window_next(t));
	assert_int_equal(window_watermark(t, 0), 8 * MIN);
	assert_int_equal(window_watermark(t, 1), -1 * MIN + S);
	/* Source 1 moves on: its window [1m, 2m) closes, a's stays open. */
	add_at(t, 1, 2, "b", 4 * MIN);
	expect_next(t, "b", 1 * MIN, 2);
	assert_null(window_next(t));
	assert_int_equal(window_open_count(t), 2);
	/* ...and its late readings are judged by its own watermark. */
	assert_int_equal(add_at(t, 1, 3, "c", 1 * MIN), WINDOW_LATE);
	assert_int_equal(add_at(t, 1, 4, "c", 3 * MIN), WINDOW_OPENED);
	window_finish(t);
	expect_next(t, "c", 3 * MIN, 1);
	expect_next(t, "b", 4 * MIN, 1);
	expect_next(t, "a", 10 * MIN, 1);
	assert_null(window_next(t));
	window_free(t);
}

/* A position at or below the highest of its source is a replay. */
static void
test_replay_refused(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 2 * MIN);

	assert_int_equal(add_at(t, 0, 5, "a", 10 * S), WINDOW_OPENED);
	assert_int_equal(add_at(t, 0, 5, "a", 11 * S), WINDOW_REPLAYED);
	assert_int_equal(add_at(t, 0, 3, "a", 12 * S), WINDOW_REPLAYED);
	/* Another source's positions are its own. */
	assert_int_equal(add_at(t, 1, 3, "b", 12 * S), WINDOW_OPENED);
	/* Without a position nothing is a replay. */
	assert_int_equal(add_at(t, 0, -1, "a", 13 * S), WINDOW_FOUND);
	assert_int_equal(add_at(t, 0, 6, "a", 14 * S), WINDOW_FOUND);
	window_finish(t);
	expect_next(t, "a", 0, 3);
	expect_next(t, "b", 0, 1);
	window_free(t);
}

/*
 * window_done: every reading at or before it is in a window handed out.
 * Windows close out of opening order (a's opened first, stays open
 * longest), so it waits for the oldest.
 */
static void
test_done_position(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 0);

	assert_int_equal(window_done(t, 0), -1);
	add_at(t, 0, 10, "a", 59 * S);	/* [0, 1m), opened first */
	add_at(t, 0, 11, "b", 1 * MIN);	/* closes [0, 1m) at once */
	expect_next(t, "a", 0, 1);
	/* b's window [1m, 2m) holds offset 11. */
	assert_int_equal(window_done(t, 0), 10);
	add_at(t, 0, 12, "c", 1 * MIN + S);
	add_at(t, 0, 13, "b", 2 * MIN);	/* closes [1m, 2m): b, c */
	expect_next(t, "b", 1 * MIN, 1);
	/* c's window, holding 12, is still to be handed out. */
	assert_int_equal(window_done(t, 0), 11);
	expect_next(t, "c", 1 * MIN, 1);
	assert_int_equal(window_done(t, 0), 12);
	assert_null(window_next(t));
	/* A late reading is refused, so it is done with. */
	assert_int_equal(add_at(t, 0, 14, "a", 30 * S), WINDOW_LATE);
	assert_int_equal(window_done(t, 0), 12);
	window_finish(t);
	expect_next(t, "b", 2 * MIN, 1);
	assert_int_equal(window_done(t, 0), 14);
	assert_int_equal(window_done(t, 7), -1);
	window_free(t);
}

/*
 * A source that goes quiet while another streams has its windows closed
 * by the clock: the input as a whole is never quiet, and the streaming
 * source's windows close by its own watermark, not by the clock.
 */
static void
test_quiet_source_closed(void **state)
{
	(void)state;
	struct window_table *t = table(MIN, 2 * MIN);
	const struct window *w;
	int a_at = -1, b_at = -1;

	window_clock(t, 1000 * S);
	add_at(t, 0, 0, "a", 50 * S);
	for (int i = 1; i <= 200; i++) {
		/* Source 1 streams one reading per second, in real time. */
		window_clock(t, (1000 + i) * S);
		add_at(t, 1, i, "b", (10 + i) * S);
		window_idle(t, 30 * S);
		while ((w = window_next(t)) != NULL) {
			if (strcmp(w->patient_id, "a") == 0)
				a_at = i;
			else if (w->start == 0)
				b_at = i;
		}
	}
	/* a's [0, 1m) is due when its event time has run on to 3m: 130 s of
	 * quiet.  b's closes when b's readings reach 3m, at i = 170. */
	assert_int_equal(a_at, 130);
	assert_int_equal(b_at, 170);
	window_free(t);
}

static void
test_memory_bounded(void **state)
{
	(void)state;
	size_t short_run = peak_for(1), long_run = peak_for(10);

	assert_true(short_run >= 40 * 3);
	assert_int_equal(long_run, short_run);
}

/*
 * A random stream with readings up to 150 s out of order, checked against
 * a model that knows every window's readings: late exactly when the
 * window ended at or before the watermark, each window written once,
 * after its end, with all its readings, in (end, patient) order.
 */
static void
test_against_model(void **state)
{
	(void)state;
	enum { P = 7, PERIODS = 2000, N = 60000 };
	const int64_t width = 30 * S, lateness = 90 * S;
	struct window_table *t = table(width, lateness);
	static int count[P][PERIODS], written[P][PERIODS];
	int64_t max_time = INT64_MIN, wm = INT64_MIN, last_end = INT64_MIN;
	const struct window *w;
	char id[32], last_id[32] = "";
	struct rng g;
	int late = 0;

	memset(count, 0, sizeof count);
	memset(written, 0, sizeof written);
	rng_seed(&g, 99);
	for (int i = 0; i < N; i++) {
		int p = (int)rng_below(&g, P);
		int64_t time = i * S - (int64_t)rng_below(&g, 150 * S);
		if (time < 0)
			time = 0;
		snprintf(id, sizeof id, "p%d", p);
		if (time > max_time)
			max_time = time;
		if (max_time - lateness > wm)
			wm = max_time - lateness;
		int64_t period = time / width;
		bool want_late = (period + 1) * width <= wm;
		int st = add(t, id, time);
		assert_int_equal(st == WINDOW_LATE, want_late);
		if (want_late)
			late++;
		else
			count[p][period]++;
		while ((w = window_next(t)) != NULL) {
			int q = atoi(w->patient_id + 1);
			int64_t k = w->start / width;
			assert_true(w->end <= wm);
			assert_int_equal(written[q][k], 0);
			written[q][k] = 1;
			assert_int_equal(*(int *)w->data, count[q][k]);
			assert_true(w->end > last_end || (w->end == last_end &&
			    strcmp(w->patient_id, last_id) > 0));
			last_end = w->end;
			snprintf(last_id, sizeof last_id, "%s", w->patient_id);
		}
	}
	window_finish(t);
	while ((w = window_next(t)) != NULL) {
		int q = atoi(w->patient_id + 1);
		int64_t k = w->start / width;
		assert_int_equal(written[q][k], 0);
		written[q][k] = 1;
		assert_int_equal(*(int *)w->data, count[q][k]);
	}
	for (int p = 0; p < P; p++)
		for (int k = 0; k < PERIODS; k++)
			assert_int_equal(written[p][k], count[p][k] > 0);
	/* The stream did exercise both paths. */
	assert_true(late > N / 20);
	assert_true(late < N / 2);
	window_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_out_of_order_within_lateness),
		cmocka_unit_test(test_late_refused),
		cmocka_unit_test(test_emission_order),
		cmocka_unit_test(test_idle_close),
		cmocka_unit_test(test_finish_flushes_everything),
		cmocka_unit_test(test_free_releases_open_windows),
		cmocka_unit_test(test_sources_own_watermark),
		cmocka_unit_test(test_replay_refused),
		cmocka_unit_test(test_done_position),
		cmocka_unit_test(test_quiet_source_closed),
		cmocka_unit_test(test_memory_bounded),
		cmocka_unit_test(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
