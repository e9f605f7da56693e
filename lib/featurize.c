#include "featurize.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "cohort.h"
#include "hash.h"
#include "isotime.h"
#include "physiology.h"
#include "xalloc.h"

#define MINUTE	(INT64_C(60) * 1000000)

static const char *const vital_fields[NVITALS] = {
	"heart_rate", "respiration_rate", "spo2", "temperature",
	"bp_systolic", "bp_diastolic",
};
static const char *const kind_suffix[NKINDS] = {
	"", "_z", "_trend", "_fast", "_trend_z"
};

/*
 * The smallest spread a baseline is allowed, in each vital's unit, on the
 * scale of minute means: without a floor, a very steady patient would turn
 * a blip into a huge z.  [assumption: about the steadiest within-patient
 * spread of minute means seen in the simulation]
 */
static const double sd_floor[NVITALS] = { 2.0, 1.0, 0.5, 0.08, 3.0, 2.0 };

/*
 * What a patient's spread is taken to be before their own has been
 * measured for long, and how many minutes of their own it takes to count
 * as much: an hour.  Without this prior the first hours of a stay, with a
 * spread from a few quiet minutes, raise most of the false alarms.
 * [assumption: typical within-patient spreads of the fast mean around a
 * lagged baseline, from the simulation]
 */
static const double sd_prior[NVITALS] = { 5.0, 1.5, 1.0, 0.25, 7.0, 5.0 };
#define PRIOR_MINUTES 60.0

/*
 * The same for a trend, which has a spread of its own: a vital whose noise
 * is fast (respiration rate) changes over 5 minutes by about as much as it
 * ever strays from its baseline, a slow one (temperature) by a third of
 * that.  Measured in the trend's own spread, every vital's trend has the
 * same tail, so a temperature or pressure ramp is seen as soon as it is as
 * unusual as a respiration-rate ramp.  Priors are for a 5-minute span, and
 * grow with the square root of the span.  [assumption: within-patient
 * spreads of the 5-minute trend, from the simulation]
 */
static const double trend_prior[NVITALS] = { 2.5, 1.3, 0.6, 0.05, 4.5, 3.0 };
static const double trend_floor[NVITALS] = { 1.0, 0.5, 0.25, 0.02, 1.5, 1.0 };

/* The default features: each vital, its deviation from the patient's own
 * baseline, and its recent trend. */
static const char default_set[] =
    "heart_rate,respiration_rate,spo2,temperature,bp_systolic,bp_diastolic,"
    "heart_rate_z,respiration_rate_z,spo2_z,temperature_z,bp_systolic_z,"
    "bp_diastolic_z,heart_rate_trend,respiration_rate_trend,spo2_trend,"
    "temperature_trend,bp_systolic_trend,bp_diastolic_trend";

const char *
vital_field(enum vital v)
{
	return vital_fields[v];
}

const char *
feature_set_default(void)
{
	return default_set;
}

static const char *const aggregate_names[NAGGREGATES] = {
	"deviation_max", "deviation_norm", "trend_max", "trend_z_max",
	"trend_z_norm"
};

static bool
repeated(const struct feature_set *fs, const char *name, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < fs->n; i++) {
		if (strcmp(fs->name[i], name) == 0) {
			snprintf(err, errlen, "feature '%s' given twice", name);
			return true;
		}
	}
	return false;
}

static int
add_feature(struct feature_set *fs, const char *name, char *err,
    size_t errlen)
{
	for (int k = 0; k < NAGGREGATES; k++) {
		if (strcmp(name, aggregate_names[k]) != 0)
			continue;
		if (repeated(fs, name, err, errlen))
			return -1;
		fs->vital[fs->n] = NVITALS;
		fs->kind[fs->n] = (enum feature_kind)(FK_DEVIATION_MAX + k);
		snprintf(fs->name[fs->n], sizeof fs->name[0], "%s", name);
		fs->n++;
		return 0;
	}
	for (int v = 0; v < NVITALS; v++) {
		for (int k = 0; k < NKINDS; k++) {
			char full[32];
			snprintf(full, sizeof full, "%s%s", vital_fields[v],
			    kind_suffix[k]);
			if (strcmp(full, name) != 0)
				continue;
			if (repeated(fs, full, err, errlen))
				return -1;
			fs->vital[fs->n] = (enum vital)v;
			fs->kind[fs->n] = (enum feature_kind)k;
			snprintf(fs->name[fs->n], sizeof fs->name[0], "%s", full);
			fs->n++;
			return 0;
		}
	}
	snprintf(err, errlen, "unknown feature '%s' (a vital such as "
	    "heart_rate, optionally with _z, _trend, _trend_z or _fast, or "
	    "deviation_max, deviation_norm, trend_max, trend_z_max, "
	    "trend_z_norm)", name);
	return -1;
}

int
feature_set_parse(const char *list, struct feature_set *fs, char *err,
    size_t errlen)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	memset(fs, 0, sizeof *fs);
	if (strcmp(list, "default") == 0)
		list = default_set;
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ",", &save))
		rc = add_feature(fs, tok, err, errlen);
	free(copy);
	if (rc == 0 && fs->n == 0) {
		snprintf(err, errlen, "no features");
		rc = -1;
	}
	return rc;
}

int
feature_set_from_names(char *const *names, size_t n, struct feature_set *fs,
    char *err, size_t errlen)
{
	memset(fs, 0, sizeof *fs);
	if (n == 0 || n > FEATURES_MAX) {
		snprintf(err, errlen, "a model needs 1 to %d features",
		    FEATURES_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (add_feature(fs, names[i], err, errlen) != 0)
			return -1;
	return 0;
}

void
features_config_init(struct features_config *c)
{
	c->fast_tau = 60 * INT64_C(1000000);
	c->base_tau = 120 * MINUTE;
	c->base_lag = 30 * MINUTE;
	c->warmup = 15 * MINUTE;
	c->trend_span = 15 * MINUTE;
	c->patient_idle = 6 * 60 * MINUTE;
	c->max_patients = 1000000;
	c->prior_weight = 0;
}

/* Minute means further than this many spreads from the baseline do not
 * update it. */
#define CLIP_SD 2.5
/* The same while the prior still decides, in spreads of the blend, and
 * for at most CLIP_PRIOR_MINUTES in a row: a patient who is simply unlike
 * the population is believed after two hours. */
#define CLIP_PRIOR 3.5
#define CLIP_PRIOR_MINUTES 120

static const struct {
	const char *key;
	size_t offset;
	int64_t min_s, max_s;
	bool minutes;	/* the extractor counts it in whole minutes */
} config_keys[] = {
	{ "fast_tau_s", offsetof(struct features_config, fast_tau), 1, 3600,
	    false },
	{ "baseline_tau_s", offsetof(struct features_config, base_tau), 60,
	    7 * 86400, false },
	{ "baseline_lag_s", offsetof(struct features_config, base_lag), 60,
	    86400, true },
	{ "warmup_s", offsetof(struct features_config, warmup), 60, 86400,
	    false },
	{ "trend_span_s", offsetof(struct features_config, trend_span), 60,
	    86400, true },
	{ "patient_idle_s", offsetof(struct features_config, patient_idle),
	    60, 30 * 86400, false },
	{ "prior_weight_s", offsetof(struct features_config, prior_weight),
	    0, 86400, true },
};

json_t *
features_config_to_json(const struct features_config *c)
{
	json_t *j = json_object();

	for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0];
	    i++) {
		const int64_t *v = (const int64_t *)((const char *)c +
		    config_keys[i].offset);
		/* A model without a prior reads as it did before priors
		 * existed, and a scorer that predates them refuses a model
		 * that has one (an unknown key) rather than mis-scoring. */
		if (*v == 0 && config_keys[i].min_s == 0)
			continue;
		json_object_set_new(j, config_keys[i].key,
		    json_integer(*v / 1000000));
	}
	return j;
}

int
features_config_from_json(json_t *j, struct features_config *c, char *err,
    size_t errlen)
{
	const size_t nkeys = sizeof config_keys / sizeof config_keys[0];
	const char *key;
	json_t *v;

	if (j == NULL)
		return 0;
	if (!json_is_object(j)) {
		snprintf(err, errlen, "the feature configuration must be an "
		    "object");
		return -1;
	}
	/* A misspelt key would silently keep its default. */
	json_object_foreach(j, key, v) {
		size_t i = 0;
		while (i < nkeys && strcmp(key, config_keys[i].key) != 0)
			i++;
		if (i == nkeys) {
			snprintf(err, errlen, "unknown feature setting \"%s\"",
			    key);
			return -1;
		}
	}
	for (size_t i = 0; i < nkeys; i++) {
		v = json_object_get(j, config_keys[i].key);
		if (v == NULL)
			continue;
		if (!json_is_integer(v) ||
		    json_integer_value(v) < config_keys[i].min_s ||
		    json_integer_value(v) > config_keys[i].max_s) {
			snprintf(err, errlen, "%s must be whole seconds from "
			    "%lld to %lld", config_keys[i].key,
			    (long long)config_keys[i].min_s,
			    (long long)config_keys[i].max_s);
			return -1;
		}
		if (config_keys[i].minutes && json_integer_value(v) % 60 != 0) {
			snprintf(err, errlen, "%s must be whole minutes",
			    config_keys[i].key);
			return -1;
		}
		*(int64_t *)((char *)c + config_keys[i].offset) =
		    json_integer_value(v) * 1000000;
	}
	if (c->trend_span > c->base_lag) {
		snprintf(err, errlen, "trend_span_s must not exceed "
		    "baseline_lag_s");
		return -1;
	}
	return 0;
}

/* A minute's readings of one vital. */
struct bin {
	float sum;
	uint16_t n;
};

struct vstate {
	double fast;		/* exponentially weighted recent mean */
	int64_t fast_t;		/* time of its last update; 0: none */
	double base;		/* the lagged baseline */
	double dvar;		/* mean square of (fast - base), sampled
				 * once a minute: the spread z divides by */
	double nd;		/* minutes of evidence in dvar */
	double tvar;		/* mean square of the trend, sampled once a
				 * minute: the spread v_trend_z divides by */
	double nt;		/* minutes of evidence in tvar */
	double folded;		/* minutes of evidence in the baseline */
	int64_t fold_minute;	/* the last minute folded */
	int64_t sample_minute;	/* the last minute sampled into dvar */
	double gap;		/* usec between this vital's readings, an
				 * exponentially weighted mean; 0: unknown */
	double last, prev;	/* the last reading and the one before */
	int64_t prev_t;		/* when that was; 0: none */
	uint32_t clipped;	/* minutes left out by the prior, in a row */
};

/* A patient's feature state.  Patients are found by id in a chained
 * table of their own, not lib/strindex, because the idle ones are
 * forgotten (the recency list), and strindex only grows. */
struct feat_patient {
	char *id;
	size_t len;
	uint64_t hash;
	struct feat_patient *chain;	/* hash bucket */
	struct feat_patient *newer, *older; /* recency list */
	uint32_t tag;			/* extractor_set_tag's */
	/* From here to the end (the bins too) is what extractor_save
	 * writes as it is in memory. */
	int64_t last_t;
	int64_t minute;			/* minute of the current bin */
	int64_t next_fold;		/* next minute for the baseline */
	double warm;			/* minutes of evidence folded */
	bool aged;			/* the prior knew the age */
	float prior_mean[NVITALS], prior_sd[NVITALS];
	struct vstate v[NVITALS];
	struct alert_run alert;		/* lib/alert's, kept here so that it
					 * is forgotten with the rest */
	struct bin bins[];		/* ring: ring_len * NVITALS */
};

/* Everything a feature vector is made of, for one reading. */
struct derived {
	double fast[NVITALS], z[NVITALS], trend[NVITALS], trend_z[NVITALS];
	double dev_max, dev_norm, trend_max, trend_z_max, trend_z_norm;
};

struct extractor {
	struct features_config c;
	struct feature_set fs;
	int lag_min, warmup_min, trend_min, ring_len;
	double trend_scale;		/* of trend_prior, for the span */
	double base_alpha;		/* per minute */
	double prior_w;			/* minutes; 0: no prior */
	int64_t cached_dt;
	double cached_alpha;
	struct feat_patient **buckets;
	size_t nbuckets, npatients;
	struct feat_patient *newest, *oldest;
	struct feat_patient *last;	/* of the last update */
	struct derived d;		/* of the last update, where
					 * extractor_deviation finds it */
};

static int
minutes(int64_t usec)
{
	int64_t m = usec / MINUTE;

	return m < 1 ? 1 : m > 1440 ? 1440 : (int)m;
}

struct extractor *
extractor_new(const struct features_config *c, const struct feature_set *fs)
{
	struct extractor *x = xcalloc(1, sizeof *x);

	x->c = *c;
	x->fs = *fs;
	x->lag_min = minutes(c->base_lag);
	x->warmup_min = minutes(c->warmup);
	x->trend_min = minutes(c->trend_span);
	if (x->trend_min > x->lag_min)
		x->trend_min = x->lag_min;
	x->ring_len = x->lag_min + 1;
	x->trend_scale = sqrt(x->trend_min / 5.0);
	x->base_alpha = 1 - exp(-(double)MINUTE / (double)c->base_tau);
	x->prior_w = (double)(c->prior_weight / MINUTE);
	x->nbuckets = 1024;
	x->buckets = xcalloc(x->nbuckets, sizeof *x->buckets);
	x->cached_dt = -1;
	return x;
}

size_t
features_state_bytes(const struct features_config *c)
{
	return sizeof(struct feat_patient) + sizeof(struct feat_patient *) +
	    (size_t)(minutes(c->base_lag) + 1) * NVITALS * sizeof(struct bin) +
	    16;
}

size_t
extractor_patients(const struct extractor *x)
{
	return x->npatients;
}

static void
unlink_recency(struct extractor *x, struct feat_patient *p)
{
	if (p->newer)
		p->newer->older = p->older;
	else
		x->newest = p->older;
	if (p->older)
		p->older->newer = p->newer;
	else
		x->oldest = p->newer;
	p->newer = p->older = NULL;
}

static void
push_newest(struct extractor *x, struct feat_patient *p)
{
	p->older = x->newest;
	p->newer = NULL;
	if (x->newest)
		x->newest->newer = p;
	x->newest = p;
	if (x->oldest == NULL)
		x->oldest = p;
}

static void
forget(struct extractor *x, struct feat_patient *p)
{
	struct feat_patient **pp = &x->buckets[p->hash & (x->nbuckets - 1)];

	while (*pp != p)
		pp = &(*pp)->chain;
	*pp = p->chain;
	unlink_recency(x, p);
	free(p->id);
	free(p);
	x->npatients--;
}

void
extractor_free(struct extractor *x)
{
	if (x == NULL)
		return;
	while (x->oldest != NULL)
		forget(x, x->oldest);
	free(x->buckets);
	free(x);
}

static void
grow(struct extractor *x)
{
	size_t n = x->nbuckets * 2;
	struct feat_patient **b = xcalloc(n, sizeof *b);

	for (size_t i = 0; i < x->nbuckets; i++) {
		struct feat_patient *p = x->buckets[i], *next;
		for (; p != NULL; p = next) {
			next = p->chain;
			p->chain = b[p->hash & (n - 1)];
			b[p->hash & (n - 1)] = p;
		}
	}
	free(x->buckets);
	x->buckets = b;
	x->nbuckets = n;
}

static struct feat_patient *
find_or_add(struct extractor *x, const char *id, size_t len, int64_t t,
    bool *added)
{
	uint64_t h = hash_bytes(id, len, 0);
	struct feat_patient *p;

	*added = false;
	for (p = x->buckets[h & (x->nbuckets - 1)]; p != NULL; p = p->chain)
		if (p->hash == h && p->len == len && memcmp(p->id, id, len) == 0)
			return p;
	*added = true;
	if (x->npatients >= x->nbuckets)
		grow(x);
	p = xcalloc(1, sizeof *p + (size_t)x->ring_len * NVITALS *
	    sizeof(struct bin));
	p->id = xstrndup(id, len);
	p->len = len;
	p->hash = h;
	p->last_t = t;
	p->minute = t / MINUTE;
	p->next_fold = p->minute;
	p->chain = x->buckets[h & (x->nbuckets - 1)];
	x->buckets[h & (x->nbuckets - 1)] = p;
	push_newest(x, p);
	x->npatients++;
	return p;
}

/* The patient's prior from what the roster says (facts NULL or age NaN:
 * an adult of 50, with phys_norms' figures for a sex not given, and
 * twice the spread). */
static void
set_prior(struct feat_patient *p, const struct patient_facts *f)
{
	bool aged = f != NULL && !isnan(f->age);
	struct vitals m, sd;

	phys_expected(aged ? f->age : 50, aged ? f->sex : 0,
	    aged ? f->conditions : 0, f != NULL && f->icu, &m);
	phys_between_sd(aged ? f->age : 50, &sd);
	const double mean[NVITALS] = { m.hr, m.rr, m.spo2, m.temp, m.sbp,
	    m.dbp };
	const double spread[NVITALS] = { sd.hr, sd.rr, sd.spo2, sd.temp,
	    sd.sbp, sd.dbp };
	for (int v = 0; v < NVITALS; v++) {
		p->prior_mean[v] = (float)mean[v];
		p->prior_sd[v] = (float)(aged ? spread[v] : 2 * spread[v]);
	}
	p->aged = aged;
}

static struct bin *
bin_at(const struct extractor *x, struct feat_patient *p, int64_t minute)
{
	int64_t slot = minute % x->ring_len;

	if (slot < 0)
		slot += x->ring_len;
	return &p->bins[slot * NVITALS];
}

/* A patient's own spread, drawn towards the prior while they have few
 * minutes of their own, and never below the floor. */
static double
shrunk_sd(double prior, double floor, double var_own, double nown)
{
	double n = nown, var = (PRIOR_MINUTES * prior * prior +
	    n * var_own) / (PRIOR_MINUTES + n);
	double sd = sqrt(var);

	return sd > floor ? sd : floor;
}

/*
 * The spread is measured on the very quantity z is made of: how far the
 * recent mean usually is from the lagged baseline.  The spread of minute
 * means around their own average would leave out how much a patient
 * drifts over the lag (a temperature's daily rise, a slow change of
 * heart rate), and make that drift look like an anomaly.
 */
static double
spread(const struct vstate *s, int v)
{
	return shrunk_sd(sd_prior[v], sd_floor[v], s->dvar, s->nd);
}

static double
trend_spread(const struct extractor *x, const struct vstate *s, int v)
{
	return shrunk_sd(trend_prior[v] * x->trend_scale, trend_floor[v],
	    s->tvar, s->nt);
}

/* The baseline z is measured from: the patient's own, drawn towards the
 * prior while they have few minutes of their own, and how uncertain it
 * still is (0 without a prior). */
static void
baseline_of(const struct extractor *x, const struct feat_patient *p, int v,
    double *base, double *unc)
{
	const struct vstate *s = &p->v[v];
	double w;

	if (x->prior_w <= 0) {
		*base = s->base;
		*unc = 0;
		return;
	}
	w = s->folded / (s->folded + x->prior_w);
	*base = w * s->base + (1 - w) * p->prior_mean[v];
	*unc = (1 - w) * p->prior_sd[v];
}

/*
 * How long a vital's last reading stands for it: 5 minutes when it is
 * streamed, and when it is charted, half as long again as the time
 * between its readings (a temperature taken 4-hourly is still the
 * patient's temperature 3 hours on), at most 6 hours.
 */
static int64_t
stale_after(const struct vstate *s)
{
	double t = 1.5 * s->gap;

	if (t < 5 * MINUTE)
		return 5 * MINUTE;
	return t > 360 * MINUTE ? 360 * MINUTE : (int64_t)t;
}

/*
 * How many minutes of evidence a minute's mean (or sample) is worth, gap
 * minutes after the last one: a minute of 5-second readings counts 1, and
 * so does each minute of a stretch, up to EVIDENCE_CAP for one reading
 * after a long gap.  So time constants follow time, not reading counts:
 * hourly charted vitals build a baseline in hours, not in 120 readings.
 * The cap because a patient's minute means stay correlated for about ten
 * minutes (the slow drifts of lib/physiology): one reading is not worth an
 * hour of monitoring.
 */
#define EVIDENCE_CAP 10.0

static double
evidence(int64_t gap)
{
	return gap <= 1 ? 1 : gap >= EVIDENCE_CAP ? EVIDENCE_CAP : (double)gap;
}

/* The weight of a sample worth e minutes in a mean that has n minutes
 * before it: a plain running mean until the window (1 / base_alpha
 * minutes) is full, so that the first minutes of a stay count fully, not
 * as 1/120th; then exponential, with base_tau's time constant. */
static double
weight_of(const struct extractor *x, double n, double e)
{
	if (n + e < 1 / x->base_alpha)
		return e / (n + e);
	return e == 1 ? x->base_alpha : 1 - pow(1 - x->base_alpha, e);
}

/* Adds a closed minute's means to the baseline. */
static void
fold(struct extractor *x, struct feat_patient *p, int64_t minute)
{
	struct bin *b = bin_at(x, p, minute);
	double any = 0;

	for (int v = 0; v < NVITALS; v++) {
		struct vstate *s = &p->v[v];
		if (b[v].n == 0)
			continue;
		double mean = b[v].sum / b[v].n;
		double e = s->folded == 0 ? 1 :
		    evidence(minute - s->fold_minute);
		double a = weight_of(x, s->folded, e);
		if (x->prior_w > 0 && s->folded < x->warmup_min) {
			/* An arrival far from the norm is measured against
			 * the norm until there is reason to believe it: a
			 * while far off in a row, then it is the patient's. */
			double base, unc, sd = spread(s, v);
			baseline_of(x, p, v, &base, &unc);
			if (fabs(mean - base) <= CLIP_PRIOR *
			    sqrt(sd * sd + unc * unc))
				s->clipped = 0;
			else if (s->clipped < CLIP_PRIOR_MINUTES) {
				s->clipped++;
				continue;
			}
		}
		if (s->folded == 0) {
			s->base = mean;
		} else {
			/* A minute far from the baseline is left out of it,
			 * so an episode that outlasts the lag still cannot
			 * become the normal. */
			double d = mean - s->base;
			if (s->folded >= x->warmup_min &&
			    fabs(d) > CLIP_SD * spread(s, v))
				continue;
			s->base += a * d;
		}
		s->folded += e;
		s->fold_minute = minute;
		any = e > any ? e : any;
	}
	p->warm += any;
}

/* Adds a sample d worth e minutes to a running mean square, unless it is
 * anomalous, as minutes are left out of the baseline. */
static void
sample_var(const struct extractor *x, double *var, double *n, double d,
    double sd, double e)
{
	if (*n >= x->warmup_min && fabs(d) > CLIP_SD * sd)
		return;
	*var += weight_of(x, *n, e) * (d * d - *var);
	*n += e;
}

/* Once a minute with readings (the patient's clock moving to minute m):
 * how far the recent mean is from the baseline, and the trend, into their
 * spreads. */
static void
sample_spread(struct extractor *x, struct feat_patient *p, int64_t m)
{
	struct bin *then = bin_at(x, p, p->minute - x->trend_min);

	for (int v = 0; v < NVITALS; v++) {
		struct vstate *s = &p->v[v];
		if (s->folded == 0 || s->fast_t == 0 ||
		    p->last_t - s->fast_t > 5 * MINUTE)
			continue;
		/* Worth the minutes since this vital's last sample (the
		 * first, since the patient's last minute). */
		double e = evidence(m - (s->sample_minute == 0 ? p->minute :
		    s->sample_minute));
		s->sample_minute = m;
		if (then[v].n)
			sample_var(x, &s->tvar, &s->nt,
			    s->fast - then[v].sum / then[v].n,
			    trend_spread(x, s, v), e);
		sample_var(x, &s->dvar, &s->nd, s->fast - s->base,
		    spread(s, v), e);
	}
}

/* Moves the patient's clock to minute m: folds what is due, clears the
 * bins of the new minutes. */
static void
advance(struct extractor *x, struct feat_patient *p, int64_t m)
{
	sample_spread(x, p, m);
	while (p->next_fold < m && (p->next_fold <= m - x->lag_min ||
	    p->warm < x->warmup_min)) {
		/* Minutes after the last reading had no data; their slots
		 * still hold older minutes until cleared below. */
		if (p->next_fold <= p->minute)
			fold(x, p, p->next_fold);
		p->next_fold++;
	}
	int64_t from = p->minute + 1;
	if (m - from >= x->ring_len)
		from = m - x->ring_len + 1;
	for (int64_t k = from; k <= m; k++)
		memset(bin_at(x, p, k), 0, NVITALS * sizeof(struct bin));
	p->minute = m;
}

static double
alpha_for(struct extractor *x, int64_t dt)
{
	if (dt != x->cached_dt) {
		x->cached_dt = dt;
		x->cached_alpha = 1 - exp(-(double)dt / (double)x->c.fast_tau);
	}
	return x->cached_alpha;
}

/* The largest |x| and the root mean square of the xs that are not NaN;
 * both NaN when none is. */
static void
max_and_norm(const double *x, double *max, double *norm)
{
	double sumsq = 0;
	int n = 0;

	*max = *norm = NAN;
	for (int v = 0; v < NVITALS; v++) {
		if (isnan(x[v]))
			continue;
		if (isnan(*max) || fabs(x[v]) > *max)
			*max = fabs(x[v]);
		sumsq += x[v] * x[v];
		n++;
	}
	if (n)
		*norm = sqrt(sumsq / n);
}

/*
 * The reference a vital's trend is measured from, and over how many
 * minutes: the minute mean trend_span ago when there is one (monitored
 * vitals); else the latest earlier minute the ring still holds, or the
 * reading before the last one, at most 4 hours back (charted vitals).
 * False when there is none.
 */
static bool
trend_ref(const struct extractor *x, struct feat_patient *p, int v,
    int64_t t, double *ref, double *span)
{
	const struct vstate *s = &p->v[v];

	for (int k = x->trend_min; k <= x->lag_min; k++) {
		const struct bin *b = bin_at(x, p, p->minute - k) + v;
		if (b->n) {
			*ref = b->sum / b->n;
			*span = k;
			return true;
		}
	}
	if (s->prev_t != 0 && t - s->prev_t >= x->c.trend_span &&
	    t - s->prev_t <= 240 * MINUTE) {
		*ref = s->prev;
		*span = (double)(t - s->prev_t) / (double)MINUTE;
		return true;
	}
	return false;
}

static void
derive(const struct extractor *x, struct feat_patient *p, int64_t t,
    struct derived *d)
{
	double in_spreads[NVITALS], unused;

	for (int v = 0; v < NVITALS; v++) {
		const struct vstate *s = &p->v[v];
		bool fresh = s->fast_t != 0 && t - s->fast_t <= stale_after(s);
		/* With a prior there is a baseline from the first reading. */
		bool based = fresh && (x->prior_w > 0 ||
		    (s->folded >= x->warmup_min && s->nd >= x->warmup_min));
		double base, unc, sd = NAN, ref, span = x->trend_min;

		if (based) {
			baseline_of(x, p, v, &base, &unc);
			sd = spread(s, v);
			sd = sqrt(sd * sd + unc * unc);
		}
		d->fast[v] = fresh ? s->fast : NAN;
		d->z[v] = based ? (s->fast - base) / sd : NAN;
		d->trend[v] = fresh && trend_ref(x, p, v, t, &ref, &span) ?
		    s->fast - ref : NAN;
		/* Trends in spreads wait for the baseline too: in the
		 * warm-up every minute is a change.  A trend over a longer
		 * span than trend_span has a wider spread, by the square
		 * root of the spans. */
		based = based && !isnan(d->trend[v]);
		d->trend_z[v] = based ? d->trend[v] / (trend_spread(x, s, v) *
		    sqrt(span / x->trend_min)) : NAN;
		in_spreads[v] = based ? d->trend[v] / sd : NAN;
	}
	max_and_norm(d->z, &d->dev_max, &d->dev_norm);
	max_and_norm(in_spreads, &d->trend_max, &unused);
	max_and_norm(d->trend_z, &d->trend_z_max, &d->trend_z_norm);
}

static double
feature(const struct derived *d, enum vital v, enum feature_kind k,
    const double *vitals)
{
	switch (k) {
	case FK_VALUE:
		return vitals[v];
	case FK_FAST:
		return d->fast[v];
	case FK_Z:
		return d->z[v];
	case FK_TREND:
		return d->trend[v];
	case FK_TREND_Z:
		return d->trend_z[v];
	case FK_DEVIATION_MAX:
		return d->dev_max;
	case FK_DEVIATION_NORM:
		return d->dev_norm;
	case FK_TREND_MAX:
		return d->trend_max;
	case FK_TREND_Z_MAX:
		return d->trend_z_max;
	case FK_TREND_Z_NORM:
		return d->trend_z_norm;
	default:
		return NAN;
	}
}

void
extractor_update(struct extractor *x, const char *id, size_t len, int64_t t,
    const double *vitals, const struct patient_facts *facts, double *out)
{
	bool added;
	struct feat_patient *p = find_or_add(x, id, len, t, &added);

	if (x->prior_w > 0 && (added || (!p->aged && facts != NULL &&
	    !isnan(facts->age))))
		set_prior(p, facts);

	if (t >= p->last_t) {
		int64_t m = t / MINUTE;
		if (m > p->minute)
			advance(x, p, m);
		struct bin *b = bin_at(x, p, m);
		for (int v = 0; v < NVITALS; v++) {
			struct vstate *s = &p->v[v];
			double val = vitals[v];
			if (isnan(val))
				continue;
			b[v].sum += (float)val;
			if (b[v].n < UINT16_MAX)
				b[v].n++;
			if (s->fast_t != 0) {
				double dt = (double)(t - s->fast_t);
				s->gap = s->gap == 0 ? dt : s->gap + 0.2 *
				    (dt - s->gap);
				s->prev = s->last;
				s->prev_t = s->fast_t;
			}
			s->last = val;
			if (s->fast_t == 0 || t - s->fast_t > 5 * MINUTE)
				s->fast = val;
			else
				s->fast += alpha_for(x, t - s->fast_t) *
				    (val - s->fast);
			s->fast_t = t;
		}
		p->last_t = t;
		unlink_recency(x, p);
		push_newest(x, p);
	}
	derive(x, p, t, &x->d);
	x->last = p;
	for (size_t i = 0; i < x->fs.n; i++)
		out[i] = feature(&x->d, x->fs.vital[i], x->fs.kind[i], vitals);

	/* Forget patients gone quiet, and the oldest beyond the cap. */
	while (x->oldest != NULL && x->oldest != p &&
	    (x->oldest->last_t < t - x->c.patient_idle ||
	    x->npatients > x->c.max_patients))
		forget(x, x->oldest);
}

void
extractor_set_tag(struct extractor *x, uint32_t tag)
{
	x->last->tag = tag;
}

#define SAVE_MAGIC "VLFEAT1"	/* 8 bytes with its NUL */

/* The bytes of a patient's state saved as they are. */
static size_t
blob_size(const struct extractor *x)
{
	return sizeof(struct feat_patient) -
	    offsetof(struct feat_patient, last_t) +
	    (size_t)x->ring_len * NVITALS * sizeof(struct bin);
}

uint64_t
extractor_fingerprint(const struct extractor *x)
{
	json_t *j = features_config_to_json(&x->c);
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = hash_bytes(text, strlen(text), blob_size(x));

	free(text);
	json_decref(j);
	return h;
}

size_t
extractor_save(const struct extractor *x, uint32_t tag, struct writer *w)
{
	uint64_t fp = extractor_fingerprint(x), n = 0;
	size_t blob = blob_size(x), at;
	const struct feat_patient *p;

	writer_mem(w, SAVE_MAGIC, 8);
	writer_mem(w, &fp, sizeof fp);
	at = w->len;
	writer_mem(w, &n, sizeof n);
	for (p = x->oldest; p != NULL; p = p->newer) {
		uint32_t len = (uint32_t)p->len;
		if (p->tag != tag)
			continue;
		writer_mem(w, &len, sizeof len);
		writer_mem(w, p->id, p->len);
		writer_mem(w, &p->last_t, blob);
		n++;
	}
	/* The count goes before the patients; a memory writer has them
	 * all in its buffer still. */
	memcpy(w->buf + at, &n, sizeof n);
	return (size_t)n;
}

int
extractor_restore(struct extractor *x, const void *buf, size_t len,
    uint32_t tag, char *err, size_t errlen)
{
	const char *b = buf, *end = b + len;
	size_t blob = blob_size(x);
	uint64_t fp, n;
	int taken = 0;

	if (len < 24 || memcmp(b, SAVE_MAGIC, 8) != 0) {
		snprintf(err, errlen, "not a saved feature state");
		return -1;
	}
	memcpy(&fp, b + 8, sizeof fp);
	memcpy(&n, b + 16, sizeof n);
	if (fp != extractor_fingerprint(x)) {
		snprintf(err, errlen, "saved for other features (another "
		    "model, or another version)");
		return -2;
	}
	b += 24;
	/* Checked in full before anything is taken. */
	for (uint64_t i = 0; i < n; i++) {
		uint32_t idlen;
		if (end - b < (ptrdiff_t)sizeof idlen)
			goto short_;
		memcpy(&idlen, b, sizeof idlen);
		if (idlen == 0 || (size_t)(end - b) - sizeof idlen < idlen ||
		    (size_t)(end - b) - sizeof idlen - idlen < blob)
			goto short_;
		b += sizeof idlen + idlen + blob;
	}
	if (b != end)
		goto short_;
	b = (const char *)buf + 24;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t idlen;
		bool added;
		memcpy(&idlen, b, sizeof idlen);
		b += sizeof idlen;
		struct feat_patient *p = find_or_add(x, b, idlen, 0, &added);
		b += idlen;
		/* A patient already seen in this run keeps what this run
		 * knows. */
		if (added) {
			memcpy(&p->last_t, b, blob);
			p->tag = tag;
			taken++;
		}
		b += blob;
	}
	return taken;
short_:
	snprintf(err, errlen, "saved feature state cut short or corrupt");
	return -1;
}

struct alert_run *
extractor_alert_run(struct extractor *x)
{
	return &x->last->alert;
}

void
extractor_deviation(const struct extractor *x, double *z, double *trend_z)
{
	memcpy(z, x->d.z, sizeof x->d.z);
	memcpy(trend_z, x->d.trend_z, sizeof x->d.trend_z);
}

void
silver_fields_init(struct silver_fields *sf, const struct schema *s)
{
	sf->patient_id = schema_need(s, "patient_id");
	sf->event_time = schema_need(s, "event_time");
	for (int v = 0; v < NVITALS; v++)
		sf->vital[v] = schema_need(s, vital_fields[v]);
	sf->age = schema_need(s, "age");
	sf->sex = schema_need(s, "sex");
	sf->conditions = schema_need(s, "conditions");
	sf->ward = schema_need(s, "ward");
}

/* The CONDBIT()s of a comma-separated list of condition names; unknown
 * names are left out. */
static uint32_t
conditions_of(const char *s, size_t len)
{
	uint32_t bits = 0;

	for (int c = 0; c < NCONDITIONS; c++) {
		const char *name = condition_name((enum condition)c);
		size_t n = strlen(name);
		for (size_t i = 0; i + n <= len; i++)
			if (memcmp(s + i, name, n) == 0 &&
			    (i == 0 || s[i - 1] == ',') &&
			    (i + n == len || s[i + n] == ','))
				bits |= CONDBIT(c);
	}
	return bits;
}

int
silver_fields_get(const struct silver_fields *sf, const struct record *r,
    const char **patient, size_t *len, int64_t *t, double *vitals,
    struct patient_facts *facts)
{
	const struct jval *p = &r->v[sf->patient_id];
	const struct jval *et = &r->v[sf->event_time];

	if (p->kind != JK_STRING || p->len == 0)
		return -1;
	if (et->kind == JK_TIME)
		*t = et->i;
	else if (et->kind != JK_STRING || iso_parse(et->s, et->len, t) != 0)
		return -1;
	*patient = p->s;
	*len = p->len;
	for (int v = 0; v < NVITALS; v++) {
		const struct jval *x = &r->v[sf->vital[v]];
		vitals[v] = x->kind == JK_INT ? (double)x->i :
		    x->kind == JK_REAL ? x->d : NAN;
	}
	if (facts != NULL) {
		const struct jval *age = &r->v[sf->age], *sex = &r->v[sf->sex];
		const struct jval *cond = &r->v[sf->conditions];
		const struct jval *ward = &r->v[sf->ward];
		facts->age = age->kind == JK_INT && age->i >= 0 &&
		    age->i < 130 ? (double)age->i + 0.5 : NAN;
		facts->sex = sex->kind == JK_STRING && sex->len == 1 &&
		    (sex->s[0] == 'M' || sex->s[0] == 'F') ? sex->s[0] : 0;
		facts->conditions = cond->kind == JK_STRING ?
		    conditions_of(cond->s, cond->len) : 0;
		facts->icu = ward->kind == JK_STRING && ward->len == 3 &&
		    memcmp(ward->s, "icu", 3) == 0;
	}
	return 0;
}
