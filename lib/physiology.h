/*
 * physiology: what a bedside monitor would read from one patient, reading
 * after reading.
 *
 * Each vital is the patient's resting mean (its baseline), plus a daily
 * rhythm, plus autocorrelated noise: a sum of AR(1) processes, slow ones
 * for drifts over tens of minutes and fast ones for the wobble between
 * readings, so consecutive readings are close as on a real monitor, not
 * independent draws.  A shared "arousal" process moves heart rate,
 * respiration and blood pressure together, and a shared pressure process
 * keeps systolic and diastolic correlated.
 *
 * Baselines come from published norms (section 8 of the project's
 * anomaly-and-clinical notes: NHANES for adults, Fleming et al. 2011 for
 * children's heart and respiratory rates by age) plus a per-patient offset,
 * and chronic conditions move them the way they do in life: hypertension
 * raises blood pressure, COPD lowers SpO2 and raises respiration, heart
 * failure raises heart rate and lowers SpO2, and so on.
 *
 * The step is cheap on purpose (no libm call per reading): the AR
 * coefficients and the daily rhythm are tabulated once per run.
 */
#ifndef VL_PHYSIOLOGY_H
#define VL_PHYSIOLOGY_H

#include <stdint.h>

#include "cohort.h"
#include "rng.h"

/* One reading as written: rounded the way the device reports it, plus
 * the ground truth that --truth prints. */
struct reading {
	const struct patient *patient;
	int64_t t;		/* UTC microseconds */
	int hr, rr, sbp, dbp;
	double temp;		/* Celsius, one decimal */
	double spo2;		/* whole percent, as pulse oximeters show */
	unsigned absent;	/* vitals not measured (charting.h's
				 * ABSENT_* bits), written as null */
	const char *episode;	/* injected episode type, or NULL */
	int64_t episode_id;	/* its run-unique id, 0 when none */
};

enum phys_proc {
	PP_AROUSAL, PP_HR_SLOW, PP_HR_FAST, PP_RR, PP_TEMP, PP_SPO2_SLOW,
	PP_SPO2_FAST, PP_BP, PP_SBP, PP_DBP, NPROC
};

/* What every patient shares for a given reading interval. */
struct phys_model {
	double phi[NPROC];	/* AR(1) coefficient per reading */
	double innov[NPROC];	/* innovation SD per reading, before the
				 * patient's own scale */
	float daily[2 * 1440];	/* cos over two days, one per minute */
};

/* One patient's state between readings. */
struct phys {
	const struct patient *patient;
	double x[NPROC];	/* the AR(1) states */
	double k[NPROC];	/* innovation SD, scaled for this patient */
	struct vitals amp;	/* daily rhythm amplitudes */
	int shift;		/* patient's rhythm shift, minutes */
	struct rng rng;
};

/* Tabulates the coefficients for readings interval_usec apart (> 0). */
void phys_model_init(struct phys_model *m, int64_t interval_usec);

/* The population's resting means for that age (years) and sex, before
 * any condition or individual offset. */
void phys_norms(double age, char sex, struct vitals *out);

/* How far people's own resting means spread around the norms: the
 * between-person SDs of the notes' section 8, by age. */
void phys_between_sd(double age, struct vitals *out);

/*
 * What a patient of that age, sex and conditions (CONDBIT()s), in the
 * ICU or not, is expected to rest at before anything of their own is
 * known: the norms plus the conditions' and the ward's shifts, the
 * centre phys_baseline draws a patient's own means around.  lib/featurize
 * measures a newly admitted patient against it.
 */
void phys_expected(double age, char sex, uint32_t conditions, bool icu,
    struct vitals *out);

/*
 * Sets p->base: the norms for p's age and sex, an individual offset drawn
 * from r, then the effects of p's conditions and ward.  A recorded blood
 * pressure (p->bp_recorded, p->base.sbp/dbp already set) is kept as it is.
 */
void phys_baseline(struct patient *p, struct rng *r);

/* Starts p's monitor: noise scales for p, the state drawn from its
 * long-run distribution (so the first reading is already typical). */
void phys_init(struct phys *s, const struct phys_model *m,
    const struct patient *p, const struct rng *stream);

/* Advances one reading interval to time t and writes the vitals. */
void phys_next(struct phys *s, const struct phys_model *m, int64_t t,
    struct vitals *out);

/* Rounds v the way the monitor reports it and clamps it to what a device
 * can show; fills r's vitals, leaves the rest of r alone. */
void phys_round(const struct vitals *v, struct reading *r);

#endif
