/*
 * episodes: labelled clinical episodes injected into a patient's vitals,
 * so that a detector downstream can be scored against the truth.
 *
 * Onsets follow a Poisson process of a given rate per patient-day, after a
 * settling period at the start (EP_SETTLE) in which no episode begins, so
 * a detector can learn each patient's normal first.  An onset that would
 * fall inside the previous episode, or less than EP_GAP after it, waits.
 * Each episode ramps in linearly, as fast as its kind sets in (an
 * arrhythmia in a minute or two, a fever over half an hour, a sepsis over
 * one to two hours: see onset_minutes in episodes.c), holds, 2-4 hours
 * from onset in all, then fades out over 10-30 minutes as treatment
 * works; every reading from onset to the end of the fade carries its
 * label.  The
 * shifts are those of the notes' section 9 table, one severity drawn per
 * episode so that the vitals of a multi-vital pattern move together.
 *
 * The type is drawn from weights that a patient's conditions and ward
 * change: COPD, asthma and heart failure make hypoxia likelier,
 * hypertension a hypertensive crisis, an infection fever and sepsis, the
 * ICU shock and sepsis.
 */
#ifndef VL_EPISODES_H
#define VL_EPISODES_H

#include <stdbool.h>
#include <stdint.h>

#include "cohort.h"
#include "physiology.h"
#include "rng.h"

enum episode_type {
	EP_TACHYCARDIA, EP_BRADYCARDIA, EP_FEVER, EP_HYPOTHERMIA, EP_HYPOXIA,
	EP_HYPOTENSION, EP_HYPERTENSIVE_CRISIS, EP_TACHYPNOEA, EP_SEPSIS,
	NEPISODES
};

#define EP_SETTLE	(INT64_C(30) * 60 * 1000000)	/* 30 min */
#define EP_GAP		(INT64_C(30) * 60 * 1000000)

struct episode {
	enum episode_type type;
	int64_t id;		/* 0 until its first reading */
	int64_t onset;		/* UTC microseconds */
	int64_t full;		/* end of the ramp */
	int64_t fade;		/* start of the fade */
	int64_t end;		/* first moment after it */
	struct vitals shift;	/* at full strength */
};

/* One patient's episodes. */
struct ep_track {
	struct rng rng;
	double weight[NEPISODES];	/* type weights for this patient */
	double mean_gap;	/* microseconds between onsets; 0: none */
	int64_t next_onset;
	bool active;
	struct episode ep;
};

/* What a whole run shares: the id counter and the counts by type. */
struct ep_run {
	int64_t last_id;
	uint64_t count[NEPISODES];
};

/* "tachycardia", ..., "hypotension", "hypertensive_crisis", "sepsis". */
const char *episode_name(enum episode_type t);

/* The relative likelihood of each type for patient p (ward, conditions,
 * age); not normalised. */
void episode_weights(const struct patient *p, double *w);

/*
 * Starts p's episode track at the run's start time; per_day is the
 * expected number of onsets per patient-day (0 for none).  The track
 * draws only from its own copy of stream.
 */
void ep_track_init(struct ep_track *e, const struct patient *p,
    const struct rng *stream, double per_day, int64_t start);

/*
 * Makes e's patient one admitted at `admit` during the run (vitals-gen
 * --admissions), after ep_track_init: there is no settling period, and
 * with probability EP_ARRIVE_ILL the first onset falls within an hour
 * either side of admission, so that some patients arrive already
 * deteriorating and others deteriorate in their first hour, as newly
 * admitted patients do.  Nothing changes for a track with no episodes.
 */
#define EP_ARRIVE_ILL	0.25
void ep_track_admit(struct ep_track *e, int64_t admit);

/*
 * Applies the episode in progress at time t (readings come in increasing
 * t) to v and labels r (episode name and id, or NULL and 0).  An episode
 * gets the next id from run at its first reading, and is counted there.
 * Returns how strongly it applies, 0 to 1 (0 outside episodes).
 */
double ep_apply(struct ep_track *e, int64_t t, struct ep_run *run,
    struct vitals *v, struct reading *r);

/*
 * Fills *ep as an episode of type `type` starting at onset, with random
 * durations and severity from r.  Exposed for the tests.
 */
void ep_make(struct episode *ep, enum episode_type type, int64_t onset,
    struct rng *r);

/* How far into its effect the episode is at t: 0 before the onset and
 * from the end on, rising to 1 over the ramp, falling over the fade. */
double ep_strength(const struct episode *ep, int64_t t);

#endif
