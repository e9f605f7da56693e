/*
 * simulate: vitals-gen's engine, a ward of bedside monitors run on a
 * simulated clock.  Each patient of a cohort gets a bed: a monitor that
 * takes a reading every interval at its own phase in the interval, its
 * vitals from lib/physiology.c, its episodes from lib/episodes.c, the
 * line it sends (or the faulty line, or nothing yet) from lib/faults.c.
 *
 * Order.  Time goes in steps of one interval from the start; within a
 * step the beds read in phase order, ties in cohort order, so lines come
 * out in timestamp order (but for what faults hold back or repeat).  A
 * bed's phase is a whole number of milliseconds below the interval, drawn
 * from its patient's physiology stream: monitors are not synchronised.
 *
 * Determinism.  Everything random about a patient comes from its own
 * streams (cohort.h's patient_stream, under the seed), so the same
 * config and cohort give the same bytes on every run and machine, and a
 * patient's readings are the same whoever else is in the cohort (only
 * the run-wide episode ids and how lines interleave depend on the
 * others).  Pacing to the wall clock changes when lines are written,
 * never what they say.
 *
 * The run ends at the first of: a reading due at or after start +
 * duration (or, with a count, that many lines written, duration then
 * being ignored), a stop signal (cli_stop), a failed write (out->error).
 * Readings that faults hold back are then written, at most up to the
 * count, as a gateway lets them out on shutdown.
 *
 * Ownership.  sim_new borrows the cohort, the reading schema and the
 * writer, which must outlive the sim (the beds point at the cohort's
 * patients); the sim owns its beds and its faults module, which sim_free
 * frees.  The caller opens and closes the writer; a paced run flushes
 * it before each wait, so a reader sees every reading as it happens.
 *
 *	s = sim_new(&cfg, &cohort, reading_schema, &out, err, sizeof err);
 *	if (s == NULL)
 *		... err ...
 *	sim_run(s);
 *	... s->readings, s->lines, s->episodes, faults_count(s->faults, k) ...
 *	sim_free(s);
 */
#ifndef VL_SIMULATE_H
#define VL_SIMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "charting.h"
#include "cohort.h"
#include "episodes.h"
#include "faults.h"
#include "writer.h"
#include "physiology.h"
#include "rng.h"
#include "schema.h"

/* What to simulate; sim_new checks it. */
struct sim_config {
	uint64_t seed;		/* the run's: names every patient's streams */
	int64_t start;		/* UTC microseconds: the first step */
	int64_t interval;	/* between a monitor's readings: whole
				 * milliseconds, 1 ms to 1 day */
	int64_t duration;	/* readings due before start + duration
				 * (>= 0; the end is capped at INT64_MAX) */
	int64_t count;		/* >= 0: lines in all, and duration is
				 * ignored; -1: no such limit */
	double episodes;	/* expected onsets per patient-day: finite,
				 * >= 0 */
	double faults;		/* share of readings made faulty, 0 to 1 */
	int64_t admissions;	/* 0: every patient is there from the
				 * start; > 0: each is admitted at a time
				 * drawn uniformly in [start, start +
				 * admissions), read from then on, with
				 * ep_track_admit's episodes */
	bool charted;		/* vitals on their own schedules, with
				 * gaps (charting.h) */
	bool truth;		/* a "truth" field on every line */
	bool realtime;		/* each reading waits for its time on the
				 * wall clock (from sim_run's start) */
};

/* One patient's monitor. */
struct sim_bed {
	int64_t phase;		/* offset of its readings in the interval */
	int64_t admit;		/* no reading before this time */
	bool charted;
	struct chart chart;	/* when charted */
	struct phys ph;		/* ph.patient: its patient, in the cohort */
	struct ep_track ep;
	struct rng faults;	/* the patient's fault stream */
};

/*
 * A run.  Callers read the first group (the counts after sim_run) and
 * never write it; the rest is the engine's.
 */
struct sim {
	struct sim_bed *bed;	/* one per patient, in reading order */
	size_t nbed;
	uint64_t readings;	/* readings taken */
	uint64_t lines;		/* lines written: faults drop, repeat and
				 * hold back lines, so not readings */
	struct ep_run episodes;	/* ids handed out, episodes by type */
	struct faults *faults;	/* faulty lines by kind (faults_count) */

	struct phys_model model;
	struct writer *out;
	int64_t start, end, interval;
	uint64_t limit;		/* lines in all; UINT64_MAX: none */
	bool realtime;
	struct timespec wall0;	/* when sim_run started, CLOCK_MONOTONIC */
};

/*
 * A run of cohort c's patients (c->n >= 1) per cfg, writing readings
 * with the fields of schema reading to out.  Returns the sim (free with
 * sim_free), or NULL with a message in err when cfg is out of range or
 * faults_new refuses the schema.  Nothing is written yet.
 */
struct sim *sim_new(const struct sim_config *cfg, const struct cohort *c,
    const struct schema *reading, struct writer *out, char *err,
    size_t errlen);

/* Runs the simulation to its end (see above) and writes the held-back
 * readings.  Call it once.  Write errors are the writer's. */
void sim_run(struct sim *s);

/* Frees the beds and the faults module; NULL is allowed. */
void sim_free(struct sim *s);

/* When a reading off microseconds after the start is due on the wall
 * clock that read wall0 at the start (off >= 0).  Exposed for the tests. */
struct timespec sim_due(const struct timespec *wall0, int64_t off);

#endif
