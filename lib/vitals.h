/*
 * vitals: the clinical arithmetic over one reading.  Pure functions of
 * values; no I/O, nothing allocated, nothing that can fail.
 *
 * Missing values are VITAL_NONE for integers and NaN for reals, and every
 * function that takes them says what a missing input gives.
 *
 * Sources: NEWS2, Royal
 * College of Physicians 2017, Chart 1 (SpO2 scales 1 and 2); shock index after
 * Allgower and Burri; MAP as (SBP + 2 DBP) / 3; plausibility limits after
 * clifpy's outlier configuration and mimic3-benchmarks; paediatric limits
 * simplified from Fleming et al., Lancet 2011.
 */
#ifndef VL_VITALS_H
#define VL_VITALS_H

#include <limits.h>
#include <stdbool.h>

#define VITAL_NONE INT_MIN

struct vitals {
	int heart_rate;		/* /min */
	double temperature;	/* degrees Celsius */
	double spo2;		/* percent */
	int respiration_rate;	/* /min */
	int bp_systolic;	/* mmHg */
	int bp_diastolic;	/* mmHg */
	int age;		/* years, VITAL_NONE when unknown (adult rules) */
	bool spo2_scale2;	/* hypercapnic respiratory failure risk (COPD):
				 * NEWS2 SpO2 scale 2 */
};

/* All fields missing, adult, SpO2 scale 1. */
void vitals_init(struct vitals *v);

/*
 * NEWS2 points per parameter (VITAL_NONE when the vital is missing) and
 * the total over the parameters present.  Values are rounded before
 * banding, as a chart is read: RR, SpO2, pulse and SBP to integers,
 * temperature to 0.1 degree, so SpO2 95.6 counts as 96.
 * Consciousness and supplemental oxygen are not observed by a monitor:
 * they score 0 (alert, on air) and `partial` says so.  SpO2 uses scale 2
 * (target 88-92%) for patients at risk of hypercapnic respiratory
 * failure, scale 1 otherwise; on air, scale 2 scores 0 from 88% up.
 * NEWS2 is not for children: under 16 nothing is scored (total
 * VITAL_NONE), as the RCP chart says.
 */
#define NEWS2_MIN_AGE 16
struct news2 {
	int respiration, spo2, systolic, heart_rate, temperature;
	int total;		/* VITAL_NONE when no parameter was present */
	int scored;		/* parameters present, 0..5 */
	bool red;		/* some single parameter scored 3 */
	bool partial;		/* always true here: ACVPU and O2 unobserved;
				 * also when a parameter was missing */
	int spo2_scale;		/* 1 or 2 */
};
void news2_score(const struct vitals *v, struct news2 *out);

/* "low" (0-4), "low-medium" (0-4 with a red score), "medium" (5-6),
 * "high" (7+); NULL when total is VITAL_NONE.  Static strings. */
const char *news2_band(const struct news2 *n);
/* The band as a number 0..3 (low .. high), -1 for none: for taking the
 * worst band over a window. */
int news2_band_rank(const struct news2 *n);
const char *news2_band_name(int rank);

/* Derived haemodynamics; NaN/VITAL_NONE when an input is missing.
 * MAP is rounded to 0.1 mmHg and the shock index to 0.001. */
double mean_arterial_pressure(int sbp, int dbp);
int pulse_pressure(int sbp, int dbp);
double shock_index(int hr, int sbp);

/* Simple alert rules, one bit each.  Adult thresholds unless age is a
 * child's, when heart and breathing rate limits follow the age band. */
enum alert {
	ALERT_TACHYCARDIA, ALERT_BRADYCARDIA, ALERT_FEVER, ALERT_HYPOTHERMIA,
	ALERT_HYPOXIA, ALERT_HYPOTENSION, ALERT_HYPERTENSION,
	ALERT_TACHYPNOEA, ALERT_COUNT
};
/* "tachycardia", ...: the names used in schemas and options. */
const char *alert_name(enum alert a);
/* Bit (1 << a) set when rule a fires; a missing vital fires nothing. */
unsigned alerts_evaluate(const struct vitals *v);

/*
 * Plausibility: which values a living patient's monitor can report.  Each
 * returns NULL when the value is plausible (or missing), otherwise a
 * short reason such as "heart_rate 400 outside [20,300]" in buf (at least
 * 64 bytes).  Zero heart rate and zero SpO2 are not judged here: they are
 * sensor dropouts, which vitals-clean keeps and flags.
 */
const char *vitals_implausible(const struct vitals *v, char *buf,
    unsigned long buflen);

/* Temperatures in [86, 113] are Fahrenheit by any reading of physiology;
 * converts to Celsius (rounded to 0.1) and returns true, else false. */
bool temperature_from_fahrenheit(double *t);

/*
 * Parses "121/79" (spaces allowed around the slash) into integers.
 * Returns 0, or -1 when the text is not two integers with a slash.
 */
int bp_parse(const char *s, unsigned long len, int *sys, int *dia);

#endif
