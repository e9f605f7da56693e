/*
 * charting: which vitals a reading holds when they are charted, not
 * streamed, as vitals-gen --charted simulates.
 *
 * A bedside monitor streams heart rate, SpO2 and respiration rate; blood
 * pressure comes from a cuff that inflates on a schedule, temperature from
 * a nurse's round.  Records built from charts (and the ICU exports a
 * detector will meet) have each vital on its own schedule, with gaps.  So
 * each reading keeps a vital only when that vital is due:
 *   heart rate, SpO2, respiration rate  every reading;
 *   blood pressure                       hourly (CHART_BP_PERIOD);
 *   temperature                          4-hourly (CHART_TEMP_PERIOD);
 * a scheduled vital never more often than readings are taken.  Each
 * schedule has its own phase (drawn once), the time to the next
 * measurement varies by +-10% (rounds are not punctual), and 5% of
 * scheduled measurements are missed.  A streamed vital is missing from 2%
 * of readings on its own (a probe moved), and about three times a day the
 * patient is off the monitor for 10 to 60 minutes (washing, imaging,
 * a walk): no vital at all, so no reading is sent.  [assumption: NEWS2's
 * hourly observations for a patient under close watch, the RCP's 4- to
 * 6-hourly ones for a stable one; the rest are round figures]
 *
 * Everything random comes from the patient's own charting stream, so the
 * same seed gives the same gaps on every run, and turning charting on
 * changes no vital's value, only which are sent.
 */
#ifndef VL_CHARTING_H
#define VL_CHARTING_H

#include <stdint.h>

#include "rng.h"

/* Bits of a reading's absent mask (struct reading in physiology.h). */
enum {
	ABSENT_HR = 1, ABSENT_RR = 2, ABSENT_SPO2 = 4, ABSENT_TEMP = 8,
	ABSENT_BP = 16, ABSENT_ALL = 31
};

#define CHART_BP_PERIOD		(INT64_C(3600) * 1000000)
#define CHART_TEMP_PERIOD	(INT64_C(4) * 3600 * 1000000)

/* One patient's schedules. */
struct chart {
	struct rng rng;
	int64_t interval;	/* between the monitor's readings */
	int64_t bp_due, temp_due;
	int64_t off_from, off_until;	/* the next time off the monitor */
};

/* Starts the schedules at the patient's first reading (first) for
 * readings interval usec apart; draws only from its copy of stream. */
void chart_init(struct chart *c, const struct rng *stream, int64_t first,
    int64_t interval);

/* The vitals the reading at t lacks (ABSENT_* bits; ABSENT_ALL: send no
 * reading).  Calls come in increasing t, one per reading. */
unsigned chart_absent(struct chart *c, int64_t t);

#endif
