/*
 * featurize: the feature vector of a reading, defined once, for training
 * (iforest-train) and scoring (iforest-score) alike.
 *
 * A reading alone says little: 110/min is ordinary for a toddler and
 * alarming for an athlete.  So for each patient and each of the six vitals
 * the extractor keeps
 *   - a fast mean: an exponentially weighted mean over about a minute,
 *     which averages away the beat-to-beat noise of 5-second readings;
 *   - a baseline: the patient's own usual level and spread, a slow
 *     exponentially weighted mean and variance of minute means, fed with a
 *     lag (30 minutes by default) so that a deterioration does not teach
 *     the baseline that it is normal.  Until the lag has passed, the first
 *     minutes after admission (the warm-up) are used directly;
 *   - the minute means of the last lag + 1 minutes, for trends, and the
 *     trend's own spread: how much the patient's trend usually is, a slow
 *     exponentially weighted mean square of it, sampled once a minute.
 * From these come the features of one vital v:
 *   v          the reading itself
 *   v_z        (fast mean - baseline) / baseline spread
 *   v_trend    fast mean minus the minute mean trend_span ago (for
 *              readings further apart, the latest earlier minute or the
 *              reading before, at most 4 hours back; its spread widened
 *              by the square root of the longer span)
 *   v_trend_z  v_trend / trend spread
 *   v_fast     the fast mean
 * and, over all vitals,
 *   deviation_max   the largest |v_z|
 *   deviation_norm  the root mean square of the v_z
 *   trend_max       the largest |v_trend| in baseline spreads
 *   trend_z_max     the largest |v_trend_z|
 *   trend_z_norm    the root mean square of the v_trend_z
 * An Isolation Forest splits on one feature at a time, so a vital far off
 * in one of eighteen columns is found only by the trees that happen to
 * split on that column early; the aggregates put every vital's deviation
 * in front of every tree.  A trend is measured in its own spread because
 * vitals differ in how fast their noise is: in baseline spreads, the
 * fast-varying respiration rate would have the largest trends of all,
 * and a forest would learn that only a huge trend of any other vital is
 * unusual (trend_max, kept for the models that use it).
 *
 * Cadence.  Time constants follow time, not reading counts: a minute's
 * mean, or a reading after a gap, counts as the minutes since the vital's
 * last one (at most ten) in the baseline and the spreads, so readings
 * seconds or hours apart build the same baseline in the same time.
 *
 * Population priors (prior_weight > 0).  Until a patient's own baseline has
 * formed, a newly admitted patient is measured against what is normal for
 * their age, sex, conditions and ward (phys_expected, from published
 * norms), with the spread between people (phys_between_sd) added to the
 * patient's own: the baseline z divides by is the blend
 *   w * own + (1 - w) * prior,   w = own minutes / (own minutes + weight),
 * and its uncertainty (1 - w) * between-person SD.  So v_z, the trends in
 * their own spread and the aggregates exist from a patient's first reading,
 * and a patient who arrives far from normal (more than CLIP_PRIOR spreads
 * of the blend) does not teach their own baseline that this is normal,
 * for at most two hours.  Without a roster (age unknown) the prior is an
 * adult of 50 with twice the spread.  With prior_weight 0 (models made
 * before priors) those features wait for the warm-up, as below.
 *
 * A feature that cannot be computed is NaN: v when the reading lacks
 * the vital; v_fast, v_z and the trends when the vital has been missing
 * for more than 5 minutes (a single dropout keeps the fast mean), or for
 * a vital charted less often, for half as long again as the time between
 * its readings (at most 6 hours: a 4-hourly temperature stands for 6), and
 * v_z, v_trend_z and the aggregates during warm-up, before there is a
 * baseline.
 * lib/iforest.h scores missing features without imputing them.
 *
 * Memory is bounded: about 2 KB per patient (see features_state_bytes),
 * and patients unseen for patient_idle, or beyond max_patients (least
 * recently seen first), are forgotten.
 */
#ifndef VL_FEATURIZE_H
#define VL_FEATURIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "record.h"
#include "schema.h"
#include "writer.h"

enum vital {
	V_HEART_RATE, V_RESPIRATION_RATE, V_SPO2, V_TEMPERATURE,
	V_BP_SYSTOLIC, V_BP_DIASTOLIC, NVITALS
};

enum feature_kind {
	FK_VALUE, FK_Z, FK_TREND, FK_FAST, FK_TREND_Z, NKINDS,
	/* Over all vitals (their vital is NVITALS): */
	FK_DEVIATION_MAX = NKINDS, FK_DEVIATION_NORM, FK_TREND_MAX,
	FK_TREND_Z_MAX, FK_TREND_Z_NORM
};

#define NAGGREGATES (FK_TREND_Z_NORM - NKINDS + 1)
#define FEATURES_MAX (NVITALS * NKINDS + NAGGREGATES)

/* The Silver field name of a vital ("heart_rate", ...). */
const char *vital_field(enum vital v);

struct feature_set {
	size_t n;
	enum vital vital[FEATURES_MAX];
	enum feature_kind kind[FEATURES_MAX];
	char name[FEATURES_MAX][32];	/* "heart_rate_z" */
};

/*
 * Parses "default" or a comma-separated list of feature names (such as
 * "heart_rate,heart_rate_z,spo2_trend").  Returns 0, or -1 with a message
 * in err for an unknown or repeated name.
 */
int feature_set_parse(const char *list, struct feature_set *fs, char *err,
    size_t errlen);
/* The feature set of a model: its feature names must all be known. */
int feature_set_from_names(char *const *names, size_t n,
    struct feature_set *fs, char *err, size_t errlen);
/* The default set, as a comma-separated list (static string). */
const char *feature_set_default(void);

struct features_config {
	int64_t fast_tau;	/* usec; 60 s */
	int64_t base_tau;	/* usec; 2 h */
	int64_t base_lag;	/* usec, a whole number of minutes; 30 min */
	int64_t warmup;		/* usec of minutes before a baseline counts;
				 * 15 min */
	int64_t trend_span;	/* usec, whole minutes, <= base_lag; 15 min */
	int64_t patient_idle;	/* usec; forget a patient unseen this long;
				 * 6 h */
	int64_t prior_weight;	/* usec (whole minutes) of a patient's own
				 * minutes that count as much as the
				 * population prior; 0: no prior */
	size_t max_patients;	/* 1,000,000 */
};

void features_config_init(struct features_config *c);

/*
 * The configuration travels with the model, so that a scorer computes the
 * features the forest was trained on: as an object of whole seconds
 * ({"fast_tau_s":60,"baseline_tau_s":7200,...}), owned by the caller.
 * From JSON, NULL or absent keys keep c's values; an unknown key, or a
 * value out of range, gives -1 and a message.
 */
json_t *features_config_to_json(const struct features_config *c);
int features_config_from_json(json_t *j, struct features_config *c,
    char *err, size_t errlen);

struct extractor;
struct alert_run;

/* Never NULL (dies on no memory).  fs is copied. */
struct extractor *extractor_new(const struct features_config *c,
    const struct feature_set *fs);
void extractor_free(struct extractor *x);

/* What the roster says of a patient, as Silver carries it: the prior's
 * inputs.  age NaN (and sex 0, conditions 0) when unknown. */
struct patient_facts {
	double age;
	char sex;		/* 'M', 'F' or 0 */
	uint32_t conditions;	/* CONDBIT()s of cohort.h */
	bool icu;
};

/*
 * Feeds one reading of a patient (vitals in enum vital order, NaN when
 * missing) taken at t (usec), and writes the feature vector (fs->n
 * values, NaN where undefined) into out.  facts (NULL: unknown) set the
 * patient's prior when the patient is new, or when their prior was made
 * without an age and facts has one.  Readings out of time order are
 * scored against the patient's current state but do not change it.
 * Never fails.
 */
void extractor_update(struct extractor *x, const char *patient,
    size_t len, int64_t t, const double *vitals,
    const struct patient_facts *facts, double *out);

/*
 * Of the reading extractor_update last fed, valid until the next call:
 * the patient's lib/alert run, which the extractor keeps (zeroed for a
 * new patient, forgotten with the patient) for the caller to advance;
 * and each vital's deviation from the patient's baseline (z) and trend
 * (trend_z), in enum vital order, NaN where undefined, which name the
 * vitals behind an alert.
 */
struct alert_run *extractor_alert_run(struct extractor *x);
void extractor_deviation(const struct extractor *x, double *z,
    double *trend_z);

/*
 * Carrying patients' state across a restart (iforest-score --state).
 * extractor_set_tag marks the patient extractor_update last fed with a
 * number of the caller's (iforest-score: the Kafka partition the reading
 * came from); extractor_save appends the state of the patients of one
 * tag to w (a memory writer, whose buffer it patches) and returns how
 * many; extractor_restore takes such bytes back, adding the patients it
 * does not hold (with that tag) and leaving those it holds alone.  The
 * bytes are for this build on this machine: they hold the state as it is
 * in memory, after a fingerprint of the features configuration and
 * layout; restore returns the patients it added, or refuses, with why
 * and nothing changed, bytes cut short or corrupt (-1) or with another
 * fingerprint (-2).  A patient restored scores exactly
 * as if the run had not stopped.
 */
void extractor_set_tag(struct extractor *x, uint32_t tag);
uint64_t extractor_fingerprint(const struct extractor *x);
size_t extractor_save(const struct extractor *x, uint32_t tag,
    struct writer *w);
int extractor_restore(struct extractor *x, const void *buf, size_t len,
    uint32_t tag, char *err, size_t errlen);

/* Where a Silver record keeps what the extractor needs. */
struct silver_fields {
	int patient_id, event_time, vital[NVITALS];
	int age, sex, conditions, ward;
};

/* Looks the fields up in a Silver-like schema; dies if one is missing
 * (a build error, not a data error). */
void silver_fields_init(struct silver_fields *sf, const struct schema *s);

/*
 * Takes patient, time and vitals from a scanned record: vitals that are
 * absent, null or not numbers are NaN.  facts (may be NULL) gets age,
 * sex, conditions and ward, unknown where the record has none.  Returns
 * 0, or -1 when the record has no patient_id string or no parseable
 * event_time.
 */
int silver_fields_get(const struct silver_fields *sf, const struct record *r,
    const char **patient, size_t *len, int64_t *t, double *vitals,
    struct patient_facts *facts);

/* Patients held now, and the bytes of state each one takes. */
size_t extractor_patients(const struct extractor *x);
size_t features_state_bytes(const struct features_config *c);

#endif
