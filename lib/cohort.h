/*
 * cohort: the patients vitals-gen simulates, who they are and what is
 * normal for each of them.
 *
 * A cohort is either built in (cohort_builtin: the age, sex, ward and
 * chronic-condition mix of an adult hospital with a paediatric ward, drawn
 * from published prevalences) or taken from a Synthea export
 * (cohort_synthea: the patient_id is the Synthea Id; age, sex, active
 * conditions by SNOMED CT code and the blood-pressure and body-size records
 * come from the export, everything Synthea does not model from the same
 * population tables as the built-in cohort).  Either way every patient gets
 * resting means for the six vitals (its baseline, see physiology.h), and
 * the roster can be written as NDJSON for enrichment downstream.
 *
 * Everything random about patient k comes from its own streams
 * (patient_stream), never from a shared generator, so a patient is the same
 * whatever the cohort size or the order patients are stepped in.
 */
#ifndef VL_COHORT_H
#define VL_COHORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writer.h"
#include "rng.h"

/* Long-standing conditions, plus an acute infection on admission. */
enum condition {
	COND_HYPERTENSION, COND_DIABETES, COND_COPD, COND_ASTHMA,
	COND_HEART_FAILURE, COND_CKD, COND_OBESITY, COND_CAD, COND_INFECTION,
	NCONDITIONS
};
#define CONDBIT(c)	(1u << (c))

enum ward {
	WARD_ICU, WARD_CARDIOLOGY, WARD_RESPIRATORY, WARD_MEDICINE,
	WARD_SURGERY, WARD_PAEDIATRICS, NWARDS
};

/* The six vitals as continuous values, in the units of the output. */
struct vitals {
	double hr;		/* beats/min */
	double temp;		/* degrees Celsius */
	double spo2;		/* percent */
	double rr;		/* breaths/min */
	double sbp, dbp;	/* mmHg */
};

struct patient {
	char *id;		/* owned by the cohort; valid UTF-8 */
	size_t id_len;
	char device_id[24];	/* "mon-icu-007" */
	enum ward ward;
	double age;		/* years at the cohort's reference time */
	int age_years;		/* completed years */
	char sex;		/* 'M' or 'F' */
	uint32_t conditions;	/* CONDBIT()s */
	double height_cm, weight_kg, bmi;	/* NAN when unknown */
	bool bp_recorded;	/* baseline BP taken from the records */
	struct vitals base;	/* resting means, without the daily rhythm */
	uint64_t key;		/* names the patient's random streams */
};

struct cohort {
	struct patient *p;
	size_t n;
	bool from_synthea;
	size_t deceased;	/* Synthea patients left out: dead on the
				 * reference day */
	size_t unborn;		/* Synthea patients born after it */
	uint64_t bad_rows;	/* malformed Synthea rows skipped */
};

/* The random streams of one patient, one per concern, so that turning
 * faults on does not change the vitals, and so on. */
enum stream {
	STREAM_COHORT, STREAM_PHYSIOLOGY, STREAM_EPISODES, STREAM_FAULTS,
	STREAM_ADMISSION, STREAM_CHARTING
};

/* Seeds *out as stream `which` of the patient with that key under the run's
 * seed.  Same arguments, same sequence. */
void patient_stream(struct rng *out, uint64_t seed, uint64_t key,
    enum stream which);

/*
 * Fills *c with n built-in patients (n >= 1); patient k's key is k, so
 * the first n patients of a larger cohort are these same n.  Cannot fail
 * (dies on no memory).  Free with cohort_free.
 */
void cohort_builtin(struct cohort *c, size_t n, uint64_t seed);

/*
 * Fills *c from the Synthea export in dir, taken at ref_usec (ages,
 * active conditions, latest records).  Deceased and not-yet-born patients
 * are left out and counted.  limit > 0 keeps only the first limit living
 * patients in patients.csv order.  A patient's key is a hash of its Id.
 * Returns 0, or -1 with a message in err and *c empty.
 */
int cohort_synthea(struct cohort *c, const char *dir, int64_t ref_usec,
    size_t limit, uint64_t seed, bool quiet, char *err, size_t errlen);

void cohort_free(struct cohort *c);

/* "hypertension", "copd", ...; "icu", "cardiology", ... */
const char *condition_name(enum condition c);
const char *ward_name(enum ward w);

/* The condition a SNOMED CT code stands for, or -1 for codes that do not
 * change the simulation. */
int condition_from_snomed(uint64_t code);

/*
 * Writes one NDJSON line per patient: patient_id, device_id, ward, age,
 * sex, conditions (array of short names), height_cm, weight_kg, bmi (null
 * when unknown), bp_recorded, baseline (the resting means, as the reading
 * fields are named), source ("builtin" or "synthea").  Errors are the
 * writer's (check writer_close).
 */
void cohort_write_roster(const struct cohort *c, struct writer *w);

#endif
