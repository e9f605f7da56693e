/*
 * alert: when a detector's flags become an alert, one rule shared by
 * iforest-score (which writes the combined alert into every Silver
 * record) and vitals-eval (which judges all three detectors), so that
 * what the stream pages on is what was measured.
 *
 * The three detectors:
 *   iforest   the forest's is_anomaly;
 *   news2     the RCP's urgent-response rule: NEWS2 total >= 5, or any
 *             single parameter scoring 3;
 *   combined  the forest, or the NEWS2 rule where the forest agrees that
 *             the patient is off their baseline (anomaly score above
 *             news2_gate).
 * A detector alerts at a reading when the patient's last readings in a
 * row are all flagged and cover at least its persistence time (20 s for
 * the forest, whose features already average a minute; 5 minutes for the
 * NEWS2 rule).  A reading covers the time since the patient's previous
 * one (the first covers none), so the rule follows time, not reading
 * counts: at the monitor's 5-second cadence that is 4 and 60 readings,
 * and one flagged hourly chart entry is an hour of evidence.  A
 * persistence given as a count of readings (persistence > 0) counts them
 * instead.  combined alerts when the forest alerts, or when the gated
 * NEWS2 rule has held for the NEWS2 persistence: a chronically abnormal
 * value that is the patient's own normal does not page, a NEWS2 red on a
 * patient who is off their baseline does.  The defaults are those of
 * models/MODEL_CARD.md.
 *
 * A patient's progress is a struct alert_run, zeroed to start; the caller
 * keeps one per patient (iforest-score in the extractor's patient state,
 * vitals-eval on its stack) and feeds it the patient's readings in time
 * order.
 */
#ifndef VL_ALERT_H
#define VL_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "schema.h"

/* enum vital's NVITALS (lib/featurize), which this header does not
 * include; alert.c checks that they agree. */
#define NVITALS_ALERT 6

enum { DET_IFOREST, DET_NEWS2, DET_COMBINED, NDETECTORS };

struct alert_rule {
	int persistence;	/* readings in a row for iforest; 0: by
				 * persistence_time */
	int64_t persistence_time;	/* usec covered; 20 s */
	int news2_persistence;	/* the same for the NEWS2 rule */
	int64_t news2_persistence_time;	/* 5 min */
	double news2_gate;	/* combined: NEWS2 counts only where the
				 * anomaly score is above this; 0.55 */
};

void alert_rule_init(struct alert_rule *r);

/* What one reading brings to the rule. */
struct alert_input {
	int64_t t;		/* usec */
	bool is_anomaly;	/* the forest's flag */
	bool above_gate;	/* anomaly_score > the rule's news2_gate */
	int news2;		/* NEWS2 total, -1 when there is none */
	bool news2_red;		/* a single parameter scored 3 */
};

struct alert_run {
	bool started;		/* a reading has been seen */
	int64_t last_t;		/* of the previous reading */
	int run[NDETECTORS];	/* flagged readings in a row */
	int64_t covered[NDETECTORS];	/* usec those readings cover */
};

/* The NEWS2 urgent-response rule on one reading. */
bool alert_news2_urgent(int news2, bool red);

/* The bit alert_step adds when the combined alert's gated NEWS2 rule
 * holds (whether or not the forest alerts too). */
#define ALERT_GATED_NEWS2 (1u << NDETECTORS)

/*
 * Advances run by one reading and returns the detectors alerting at it,
 * as bits (1 << DET_IFOREST, ..., and ALERT_GATED_NEWS2).  A reading
 * earlier than the run's last is judged against the run without changing
 * it, as lib/featurize treats readings out of time order.
 */
unsigned alert_step(const struct alert_rule *r, struct alert_run *run,
    const struct alert_input *in);

/* Where a Silver record keeps its NEWS2 score and the points of each
 * parameter. */
struct news2_fields {
	int total;
	int points[NVITALS_ALERT];	/* enum vital order; -1: none */
};

/* Looks the fields up in a Silver-like schema; dies if one is missing. */
void news2_fields_init(struct news2_fields *nf, const struct schema *s);

/*
 * A record's NEWS2 total (-1 when it has none), whether a parameter is
 * red (scored 3), and, when points is not NULL, each vital's points in
 * enum vital order (-1 when none).
 */
int news2_fields_get(const struct news2_fields *nf, const struct record *r,
    bool *red, int *points);

/*
 * Sets the rule from one of the options that tools taking it share:
 * "persistence" and "news2-persistence" (a bare count of readings, "4",
 * or the time they cover, "20s", "5m") and "news2-gate" (a score from 0
 * to 1).  0, or -1 with what was expected in *expected.
 */
int alert_rule_option(struct alert_rule *r, const char *name,
    const char *arg, const char **expected);

/* Writes a persistence as text ("4 readings", "20 s") into buf. */
void alert_persistence_text(char *buf, size_t len, int count, int64_t usec);

/*
 * Why a combined alert was raised, as Silver's alert_reason carries it,
 * from the bits alert_step returned (the forest's part when
 * DET_IFOREST is among them, the NEWS2 part when ALERT_GATED_NEWS2 is):
 * the detector, then the vitals that drove it, most first, at most three,
 *	iforest: heart_rate high, respiration_rate rising
 *	news2 7: respiration_rate 3, spo2 2
 * and both, joined by "; ", when both alert.  For the forest, a vital is
 * named by its deviation from the patient's baseline (z, "high" or
 * "low") or its trend (trend_z, "rising" or "falling"), whichever is
 * larger, when that is at least 2 (the largest alone when none is); for
 * NEWS2, the parameters scoring 2 or 3.  z, trend_z and points are in
 * enum vital order (NaN, or points -1, when unknown).  Writes at most len
 * bytes, NUL-terminated; returns the length.
 */
size_t alert_reason(char *buf, size_t len, unsigned fired, const double *z,
    const double *trend_z, int news2, const int *points);

#endif
