/*
 * evaluate: how well a detector finds the clinical episodes that
 * vitals-gen --truth labels, measured the way a ward would feel it: the
 * share of episodes alerted on, how late, and how many false alerts a
 * patient-day brings, beside the per-reading ROC-AUC and average
 * precision.
 *
 * The three detectors of lib/alert (iforest, news2, combined) are judged
 * side by side on the same readings, each alerting by lib/alert's
 * persistence rule, with the defaults of models/MODEL_CARD.md (chosen on
 * a day of simulated patients for at most 0.5 false alerts per
 * patient-day).  Figures:
 *   roc_auc, average_precision  per reading, label = inside an episode;
 *             scores: anomaly_score, NEWS2 total (+0.5 when a parameter
 *             is red), and for combined the forest's percentile rank,
 *             raised to the NEWS2 score's where the forest scores above
 *             the rule's news2_gate (the combined alert's own rule: NEWS2 counts
 *             where the forest agrees the patient is off baseline);
 *   recall    episodes with at least one alert between their first and
 *             last labelled reading, overall and per episode type;
 *   false alerts per patient-day  alert onsets outside every episode of
 *             the patient (and outside `grace` after its end); an onset
 *             is an alert with no alert of the same detector in the
 *             `refractory` time before it, as a ward would not page twice
 *             for the same concern within that time;
 *   latency   from an episode's first labelled reading to its first
 *             alert: median and quartiles over the detected episodes.
 * The same figures are given by time since admission, taken as the
 * patient's first reading in the stream: the first 15 minutes, the first
 * 90 minutes, and later.  A reading belongs to the band its time since
 * admission falls in, an episode to the band of its first labelled
 * reading, a false alert to the band of the reading it was raised at.
 * The cadence is the median time between a patient's readings.
 */
#ifndef VL_EVALUATE_H
#define VL_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "jansson.h"
#include "record.h"

#define EVAL_MAX_TYPES 16

struct eval_options {
	struct alert_rule rule;	/* when flags become alerts */
	int64_t refractory;	/* usec; 30 min */
	int64_t grace;		/* usec; 60 min */
};

void eval_options_init(struct eval_options *o);

struct evaluation;

struct evaluation *eval_new(const struct eval_options *o);
void eval_free(struct evaluation *e);

/*
 * Adds one scored reading.  episode is NULL outside episodes (then
 * episode_id is ignored); news2_total < 0 when there was no score.
 * Copies what it keeps.  Never fails (dies on no memory).
 */
void eval_add(struct evaluation *e, const char *patient, size_t plen,
    int64_t t, double anomaly_score, bool is_anomaly, int news2_total,
    bool news2_red, const char *episode, size_t elen, int64_t episode_id);

/*
 * Adds one record read with the silver schema (record_scan), as
 * vitals-eval does: patient_id, event_time, anomaly_score, is_anomaly,
 * news2_score, truth, and the NEWS2 red rule from the points of each
 * parameter (red when any one scored 3).  False, adding nothing, when it
 * is not a scored reading: no patient_id, no valid event_time or no
 * anomaly_score.  The first call finds the fields in rec->schema, which
 * every later call must share.
 */
bool eval_add_silver(struct evaluation *e, const struct record *rec);

/*
 * The episode that a record's truth field (vitals-gen --truth writes
 * {"episode":"sepsis","episode_id":7}) labels, parsed as JSON so that any
 * spacing or escaping reads alike: true with the type in type (cut to
 * typelen - 1 bytes, NUL-terminated) and the id in *id (-1 when it is not
 * an integer); false outside episodes (no truth, or episode not a
 * string).
 */
bool truth_episode(const struct jval *truth, char *type, size_t typelen,
    int64_t *id);

/* Per-detector results. */
struct eval_detector {
	double roc_auc, average_precision;	/* NaN when undefined */
	double recall;
	double false_alerts_per_patient_day;
	double latency_median, latency_q1, latency_q3;	/* minutes; NaN when
							 * nothing detected */
	uint64_t detected, false_alerts;
	double type_recall[EVAL_MAX_TYPES];
	double type_latency[EVAL_MAX_TYPES];	/* median, minutes */
};

/* Bands of time since admission. */
enum { BAND_FIRST_15, BAND_FIRST_90, BAND_LATER, NBANDS };

struct eval_band_detector {
	double roc_auc, average_precision, recall;
	double false_alerts_per_patient_day, latency_median;
	uint64_t detected, false_alerts;
};

struct eval_band {
	uint64_t readings, positives, episodes;
	double patient_days;
	struct eval_band_detector det[NDETECTORS];
};

struct eval_result {
	uint64_t readings, positives, patients, episodes;
	double patient_days;
	double cadence_seconds;	/* median time between readings */
	struct eval_band band[NBANDS];
	size_t ntypes;
	char type_name[EVAL_MAX_TYPES][32];
	uint64_t type_episodes[EVAL_MAX_TYPES];
	struct eval_detector det[NDETECTORS];
};

/* Computes everything over the readings added.  Returns 0, or -1 with a
 * message in err when there is nothing to judge (no readings, or no
 * episode labels: run vitals-gen with --truth). */
int eval_compute(struct evaluation *e, struct eval_result *r, char *err,
    size_t errlen);

/* The result as a new JSON object (caller owns it). */
json_t *eval_to_json(const struct eval_result *r,
    const struct eval_options *o);

const char *eval_detector_name(int d);
/* "first_15_minutes", "first_90_minutes", "later". */
const char *eval_band_name(int b);

#endif
