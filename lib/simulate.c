/*
 * simulate: the beds of a run, the pacing to the wall clock, and the
 * loop that steps every monitor through time (see simulate.h).
 */
#include "simulate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "isotime.h"
#include "xalloc.h"

static int
by_phase(const void *a, const void *b)
{
	const struct sim_bed *x = a, *y = b;

	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	/* Equal phases: cohort order, so the output is the same on every
	 * platform's qsort. */
	return x->ph.patient < y->ph.patient ? -1 : 1;
}

static void
setup_beds(struct sim *s, const struct sim_config *cfg,
    const struct cohort *c)
{
	struct rng r;

	s->nbed = c->n;
	s->bed = xcalloc(c->n, sizeof *s->bed);
	phys_model_init(&s->model, cfg->interval);
	for (size_t i = 0; i < c->n; i++) {
		struct sim_bed *b = &s->bed[i];
		const struct patient *p = &c->p[i];
		/* Monitors are not synchronised: each has its own phase,
		 * in whole milliseconds like the timestamps. */
		patient_stream(&r, cfg->seed, p->key, STREAM_PHYSIOLOGY);
		b->phase = (int64_t)rng_below(&r, (uint64_t)(cfg->interval /
		    1000)) * 1000;
		phys_init(&b->ph, &s->model, p, &r);
		patient_stream(&r, cfg->seed, p->key, STREAM_EPISODES);
		ep_track_init(&b->ep, p, &r, cfg->episodes, cfg->start);
		b->admit = INT64_MIN;
		if (cfg->admissions > 0) {
			patient_stream(&r, cfg->seed, p->key,
			    STREAM_ADMISSION);
			b->admit = cfg->start + (int64_t)(rng_uniform(&r) *
			    (double)cfg->admissions);
			ep_track_admit(&b->ep, b->admit);
		}
		b->charted = cfg->charted;
		if (cfg->charted) {
			patient_stream(&r, cfg->seed, p->key,
			    STREAM_CHARTING);
			chart_init(&b->chart, &r, b->admit > cfg->start ?
			    b->admit : cfg->start, cfg->interval);
		}
		patient_stream(&b->faults, cfg->seed, p->key, STREAM_FAULTS);
	}
	qsort(s->bed, s->nbed, sizeof *s->bed, by_phase);
}

/* What sim_new refuses, before anything is allocated. */
static int
check_config(const struct sim_config *cfg, const struct cohort *c,
    char *err, size_t errlen)
{
	const char *why = NULL;

	if (c->n == 0)
		why = "no patients to simulate";
	else if (cfg->interval < 1000 || cfg->interval > USEC_PER_DAY ||
	    cfg->interval % 1000 != 0)
		why = "the interval must be whole milliseconds, 1 ms to 1 day";
	else if (cfg->duration < 0)
		why = "the duration must not be negative";
	else if (cfg->count < -1)
		why = "the count must be -1 (none) or more";
	else if (!(cfg->episodes >= 0 && isfinite(cfg->episodes)))
		why = "the episode rate must be finite, 0 or more";
	else if (cfg->admissions < 0 || cfg->admissions > 366 * USEC_PER_DAY)
		why = "the admissions period must be 0 to 366 days";
	else if (!(cfg->faults >= 0 && cfg->faults <= 1))
		why = "the fault rate must be 0 to 1";
	if (why == NULL)
		return 0;
	snprintf(err, errlen, "%s", why);
	return -1;
}

struct sim *
sim_new(const struct sim_config *cfg, const struct cohort *c,
    const struct schema *reading, struct writer *out, char *err,
    size_t errlen)
{
	struct sim *s;

	if (check_config(cfg, c, err, errlen) != 0)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->out = out;
	s->start = cfg->start;
	s->interval = cfg->interval;
	s->realtime = cfg->realtime;
	s->limit = cfg->count >= 0 ? (uint64_t)cfg->count : UINT64_MAX;
	s->end = cfg->count >= 0 || cfg->start > INT64_MAX - cfg->duration ?
	    INT64_MAX : cfg->start + cfg->duration;
	s->faults = faults_new(reading, out, cfg->faults, cfg->truth,
	    cfg->interval, err, errlen);
	if (s->faults == NULL) {
		free(s);
		return NULL;
	}
	faults_add_patients(s->faults, c->p, c->n);
	setup_beds(s, cfg, c);
	return s;
}

void
sim_free(struct sim *s)
{
	if (s == NULL)
		return;
	faults_free(s->faults);
	free(s->bed);
	free(s);
}

struct timespec
sim_due(const struct timespec *wall0, int64_t off)
{
	struct timespec due = *wall0;

	due.tv_sec += off / USEC_PER_SEC;
	due.tv_nsec += off % USEC_PER_SEC * 1000;
	if (due.tv_nsec >= 1000000000) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000;
	}
	return due;
}

/* Waits until simulated time t is due on the wall clock; the output is
 * flushed first so a reader sees every reading as it happens.  Returns
 * -1 if a stop signal came while waiting. */
static int
pace(struct sim *s, int64_t t)
{
	struct timespec due = sim_due(&s->wall0, t - s->start);

	writer_flush(s->out);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) ==
	    EINTR)
		if (cli_stop)
			return -1;
	return cli_stop ? -1 : 0;
}

/* The loop: every interval, each monitor in phase order. */
static void
simulate(struct sim *s)
{
	struct vitals v;
	struct reading r;

	memset(&r, 0, sizeof r);
	for (int64_t base = s->start;; base += s->interval) {
		for (size_t i = 0; i < s->nbed; i++) {
			struct sim_bed *b = &s->bed[i];
			int64_t t = base + b->phase;
			if (t >= s->end || s->lines >= s->limit || cli_stop ||
			    s->out->error != 0)
				return;
			if (t < b->admit)
				continue;
			if (s->realtime && pace(s, t) != 0)
				return;
			phys_next(&b->ph, &s->model, t, &v);
			r.patient = b->ph.patient;
			r.t = t;
			ep_apply(&b->ep, t, &s->episodes, &v, &r);
			phys_round(&v, &r);
			r.absent = b->charted ? chart_absent(&b->chart, t) : 0;
			if (r.absent == ABSENT_ALL)
				continue;	/* off the monitor */
			s->readings++;
			s->lines += faults_emit(s->faults, &r, &b->faults,
			    s->limit - s->lines);
		}
	}
}

void
sim_run(struct sim *s)
{
	clock_gettime(CLOCK_MONOTONIC, &s->wall0);
	simulate(s);
	/* Readings held back as late are still due: a stop signal or the
	 * end of the run lets them out, as a gateway would on shutdown. */
	s->lines += faults_drain(s->faults, s->limit - s->lines);
}
