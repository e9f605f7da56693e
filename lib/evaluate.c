#include "evaluate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "metrics.h"
#include "schema.h"
#include "strindex.h"
#include "xalloc.h"

#define MINUTE	(INT64_C(60) * 1000000)
#define DAY	(INT64_C(86400) * 1000000)

static const char *const det_names[NDETECTORS] = {
	"iforest", "news2", "combined"
};

static const char *const band_names[NBANDS] = {
	"first_15_minutes", "first_90_minutes", "later"
};

const char *
eval_detector_name(int d)
{
	return det_names[d];
}

const char *
eval_band_name(int b)
{
	return band_names[b];
}

/* Whether a time since admission falls in band b; the first two bands
 * overlap (the first 15 minutes are in the first 90). */
static bool
in_band(int b, int64_t since)
{
	return b == BAND_FIRST_15 ? since < 15 * MINUTE :
	    b == BAND_FIRST_90 ? since < 90 * MINUTE : since >= 90 * MINUTE;
}

/* The time of [0, span] that band b covers. */
static int64_t
band_overlap(int b, int64_t span)
{
	int64_t end = b == BAND_FIRST_15 ? 15 * MINUTE : 90 * MINUTE;

	if (b == BAND_LATER)
		return span > end ? span - end : 0;
	return span < end ? span : end;
}

void
eval_options_init(struct eval_options *o)
{
	alert_rule_init(&o->rule);
	o->refractory = 30 * MINUTE;
	o->grace = 60 * MINUTE;
}

struct obs {
	int64_t t;
	int64_t since;		/* since the patient's first reading; set by
				 * eval_compute */
	uint32_t patient;
	int32_t episode;	/* index into episodes, -1 outside */
	float score;
	int8_t news2;		/* -1: none */
	uint8_t flags;		/* bit 0 is_anomaly, bit 1 NEWS2 red, bit 2
				 * score above news2_gate (compared as a
				 * double: the float kept is not the score) */
};

struct episode {
	int64_t id, first, last, detected_at[NDETECTORS];
	int64_t since;		/* first - its patient's first reading */
	uint32_t patient;
	int type;
};

struct evaluation {
	struct eval_options o;
	struct obs *obs;
	size_t nobs, obs_cap;
	struct strindex patients, types;
	struct strindex ep_ids;	/* an episode id's 8 bytes -> its index */
	struct episode *ep;
	size_t nep, ep_cap;
	const struct schema *silver;	/* the fields below are its */
	int f_pid, f_time, f_score, f_flag, f_truth;
	struct news2_fields f_news2;
};

struct evaluation *
eval_new(const struct eval_options *o)
{
	struct evaluation *e = xcalloc(1, sizeof *e);

	e->o = *o;
	return e;
}

void
eval_free(struct evaluation *e)
{
	if (e == NULL)
		return;
	free(e->obs);
	strindex_free(&e->patients);
	strindex_free(&e->types);
	strindex_free(&e->ep_ids);
	free(e->ep);
	free(e);
}

static int32_t
episode_index(struct evaluation *e, int64_t id, uint32_t patient, int type,
    int64_t t)
{
	bool added;
	uint32_t k = strindex_add(&e->ep_ids, (const char *)&id, sizeof id,
	    &added);
	struct episode *ep;

	if (!added) {
		ep = &e->ep[k];
		if (t < ep->first)
			ep->first = t;
		if (t > ep->last)
			ep->last = t;
		return (int32_t)k;
	}
	xgrow(&e->ep, &e->ep_cap, e->nep + 1, sizeof *e->ep);
	ep = &e->ep[e->nep];
	memset(ep, 0, sizeof *ep);
	ep->id = id;
	ep->first = ep->last = t;
	ep->patient = patient;
	ep->type = type;
	for (int d = 0; d < NDETECTORS; d++)
		ep->detected_at[d] = INT64_MAX;
	return (int32_t)e->nep++;
}

bool
truth_episode(const struct jval *truth, char *type, size_t typelen,
    int64_t *id)
{
	json_t *j, *e, *n;
	bool in;

	if (truth->kind != JK_RAW)
		return false;
	j = json_loadb(truth->s, truth->len, 0, NULL);
	e = json_object_get(j, "episode");
	n = json_object_get(j, "episode_id");
	in = json_is_string(e);
	if (in) {
		snprintf(type, typelen, "%s", json_string_value(e));
		*id = json_is_integer(n) ? json_integer_value(n) : -1;
	}
	json_decref(j);
	return in;
}

void
eval_add(struct evaluation *e, const char *patient, size_t plen, int64_t t,
    double score, bool is_anomaly, int news2, bool red, const char *episode,
    size_t elen, int64_t episode_id)
{
	struct obs *o;
	uint32_t p = strindex_add(&e->patients, patient, plen, NULL);

	xgrow(&e->obs, &e->obs_cap, e->nobs + 1, sizeof *e->obs);
	o = &e->obs[e->nobs++];
	o->t = t;
	o->patient = p;
	o->score = isnan(score) ? 0 : (float)score;
	o->news2 = news2 < 0 ? -1 : news2 > 100 ? 100 : (int8_t)news2;
	o->flags = (is_anomaly ? 1 : 0) | (red ? 2 : 0) |
	    (score > e->o.rule.news2_gate ? 4 : 0);
	o->episode = -1;
	if (episode != NULL) {
		uint32_t type = strindex_add(&e->types, episode, elen,
		    NULL);
		if (type < EVAL_MAX_TYPES)
			o->episode = episode_index(e, episode_id, p, (int)type,
			    t);
	}
}

bool
eval_add_silver(struct evaluation *e, const struct record *rec)
{
	const struct jval *pid, *et, *sc;
	const char *episode = NULL;
	char type[64];
	int64_t t, eid = -1;
	bool red;
	int news2;

	if (e->silver == NULL) {
		const struct schema *s = rec->schema;
		e->silver = s;
		e->f_pid = schema_need(s, "patient_id");
		e->f_time = schema_need(s, "event_time");
		e->f_score = schema_need(s, "anomaly_score");
		e->f_flag = schema_need(s, "is_anomaly");
		e->f_truth = schema_need(s, "truth");
		news2_fields_init(&e->f_news2, s);
	}
	pid = &rec->v[e->f_pid];
	et = &rec->v[e->f_time];
	sc = &rec->v[e->f_score];
	if (pid->kind != JK_STRING || et->kind != JK_STRING ||
	    iso_parse(et->s, et->len, &t) != 0 ||
	    (sc->kind != JK_REAL && sc->kind != JK_INT))
		return false;
	if (truth_episode(&rec->v[e->f_truth], type, sizeof type, &eid) &&
	    eid >= 0)
		episode = type;
	news2 = news2_fields_get(&e->f_news2, rec, &red, NULL);
	eval_add(e, pid->s, pid->len, t, sc->kind == JK_REAL ? sc->d :
	    (double)sc->i, rec->v[e->f_flag].kind == JK_TRUE, news2, red,
	    episode, episode ? strlen(episode) : 0, eid);
	return true;
}

static int
cmp_obs(const void *a, const void *b)
{
	const struct obs *x = a, *y = b;

	if (x->patient != y->patient)
		return x->patient < y->patient ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The fraction of values <= v, by binary search in the sorted copy. */
static double
ecdf(const double *sorted, size_t n, double v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sorted[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (double)lo / (double)n;
}

/* The q-quantile of n sorted values, interpolated; NaN when n is 0. */
static double
quantile(const double *v, size_t n, double q)
{
	if (n == 0)
		return NAN;
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

/* ROC-AUC and average precision of the scores s[d][i] of the readings
 * i that `keep` selects (all when keep is NULL), into the out pointers. */
static void
score_metrics(double *const *s, const bool *label, const bool *keep, size_t n,
    double *auc, double *ap, size_t stride)
{
	double *sub = xmalloc(n * sizeof *sub);
	bool *lab = xmalloc(n * sizeof *lab);

	for (int d = 0; d < NDETECTORS; d++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			if (keep != NULL && !keep[i])
				continue;
			sub[m] = s[d][i];
			lab[m++] = label[i];
		}
		double *a = (double *)((char *)auc + (size_t)d * stride);
		double *p = (double *)((char *)ap + (size_t)d * stride);
		if (metrics_roc_auc(sub, lab, m, a) != 0)
			*a = NAN;
		if (metrics_average_precision(sub, lab, m, p) != 0)
			*p = NAN;
	}
	free(sub);
	free(lab);
}

static void
per_reading_metrics(struct evaluation *e, struct eval_result *r)
{
	size_t n = e->nobs;
	double *s[NDETECTORS], *sorted_if, *sorted_n2;
	bool *label = xmalloc(n * sizeof *label);
	bool *keep = xmalloc(n * sizeof *keep);

	for (int d = 0; d < NDETECTORS; d++)
		s[d] = xmalloc(n * sizeof *s[d]);
	for (size_t i = 0; i < n; i++) {
		const struct obs *o = &e->obs[i];
		label[i] = o->episode >= 0;
		s[DET_IFOREST][i] = o->score;
		s[DET_NEWS2][i] = o->news2 < 0 ? -1 :
		    o->news2 + ((o->flags & 2) ? 0.5 : 0);
	}
	sorted_if = xmalloc(n * sizeof *sorted_if);
	sorted_n2 = xmalloc(n * sizeof *sorted_n2);
	memcpy(sorted_if, s[DET_IFOREST], n * sizeof *sorted_if);
	memcpy(sorted_n2, s[DET_NEWS2], n * sizeof *sorted_n2);
	qsort(sorted_if, n, sizeof *sorted_if, cmp_double);
	qsort(sorted_n2, n, sizeof *sorted_n2, cmp_double);
	for (size_t i = 0; i < n; i++) {
		double a = ecdf(sorted_if, n, s[DET_IFOREST][i]);
		double b = ecdf(sorted_n2, n, s[DET_NEWS2][i]);
		s[DET_COMBINED][i] = (e->obs[i].flags & 4) && b > a ? b : a;
	}
	score_metrics(s, label, NULL, n, &r->det[0].roc_auc,
	    &r->det[0].average_precision, sizeof r->det[0]);
	/* In a band, the scores keep their ranks among all readings. */
	for (int b = 0; b < NBANDS; b++) {
		struct eval_band *x = &r->band[b];
		for (size_t i = 0; i < n; i++) {
			keep[i] = in_band(b, e->obs[i].since);
			x->readings += keep[i];
			x->positives += keep[i] && label[i];
		}
		score_metrics(s, label, keep, n, &x->det[0].roc_auc,
		    &x->det[0].average_precision, sizeof x->det[0]);
	}
	for (int d = 0; d < NDETECTORS; d++)
		free(s[d]);
	free(sorted_if);
	free(sorted_n2);
	free(label);
	free(keep);
}

/* Episodes of one patient that ended within grace before t, or are
 * running at t: an alert then is not false. */
static bool
near_episode(const struct evaluation *e, const uint32_t *order, size_t from,
    size_t to, int64_t t, int64_t grace)
{
	for (size_t k = from; k < to; k++) {
		const struct episode *ep = &e->ep[order[k]];
		if (t >= ep->first && t <= ep->last + grace)
			return true;
	}
	return false;
}

static int
cmp_episode_patient(const void *a, const void *b, void *arg)
{
	const struct episode *ep = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (ep[x].patient != ep[y].patient)
		return ep[x].patient < ep[y].patient ? -1 : 1;
	return ep[x].first < ep[y].first ? -1 : ep[x].first > ep[y].first;
}

/* Each reading's time since its patient's first, and the median time
 * between a patient's readings. */
static void
since_admission(struct evaluation *e, struct eval_result *r)
{
	double *gap = xmalloc(e->nobs * sizeof *gap);
	int64_t *first = xcalloc(e->patients.n, sizeof *first);
	size_t ng = 0;

	for (size_t i = 0; i < e->nobs; i++) {
		struct obs *o = &e->obs[i];
		if (i == 0 || o->patient != e->obs[i - 1].patient)
			first[o->patient] = o->t;
		else if (o->t > e->obs[i - 1].t)
			gap[ng++] = (double)(o->t - e->obs[i - 1].t) / 1e6;
		o->since = o->t - first[o->patient];
	}
	for (size_t k = 0; k < e->nep; k++) {
		struct episode *ep = &e->ep[k];
		ep->since = ep->first - first[ep->patient];
		for (int b = 0; b < NBANDS; b++)
			r->band[b].episodes += in_band(b, ep->since);
	}
	qsort(gap, ng, sizeof *gap, cmp_double);
	r->cadence_seconds = quantile(gap, ng, 0.5);
	free(gap);
	free(first);
}

/* The latencies, in minutes and sorted, of the episodes detector d
 * detected, of type `type` and in band `band` (-1: any); their count. */
static size_t
latencies(const struct evaluation *e, int d, int type, int band, double *lat)
{
	size_t nl = 0;

	for (size_t k = 0; k < e->nep; k++) {
		const struct episode *ep = &e->ep[k];
		if (ep->detected_at[d] == INT64_MAX ||
		    (type >= 0 && ep->type != type) ||
		    (band >= 0 && !in_band(band, ep->since)))
			continue;
		lat[nl++] = (double)(ep->detected_at[d] - ep->first) /
		    (double)MINUTE;
	}
	qsort(lat, nl, sizeof *lat, cmp_double);
	return nl;
}

int
eval_compute(struct evaluation *e, struct eval_result *r, char *err,
    size_t errlen)
{
	uint32_t *eorder;
	size_t i, j, ek = 0;

	memset(r, 0, sizeof *r);
	if (e->nobs == 0 || e->nep == 0) {
		snprintf(err, errlen, "%s", e->nobs == 0 ? "no readings" :
		    "no episode labels (generate with vitals-gen --truth "
		    "--episodes RATE)");
		return -1;
	}
	r->readings = e->nobs;
	r->patients = e->patients.n;
	r->episodes = e->nep;
	r->ntypes = e->types.n < EVAL_MAX_TYPES ? e->types.n : EVAL_MAX_TYPES;
	for (size_t t = 0; t < r->ntypes; t++)
		snprintf(r->type_name[t], sizeof r->type_name[t], "%s",
		    e->types.e[t].s);
	for (size_t k = 0; k < e->nep; k++)
		r->type_episodes[e->ep[k].type]++;
	for (i = 0; i < e->nobs; i++)
		r->positives += e->obs[i].episode >= 0;

	qsort(e->obs, e->nobs, sizeof *e->obs, cmp_obs);
	since_admission(e, r);
	per_reading_metrics(e, r);
	eorder = xmalloc(e->nep * sizeof *eorder);
	for (size_t k = 0; k < e->nep; k++)
		eorder[k] = (uint32_t)k;
	qsort_r(eorder, e->nep, sizeof *eorder, cmp_episode_patient, e->ep);

	/* One patient at a time, in time order. */
	for (i = 0; i < e->nobs; i = j) {
		uint32_t p = e->obs[i].patient;
		size_t efrom = ek;
		struct alert_run run = { 0 };
		int64_t last_alert[NDETECTORS];

		for (j = i; j < e->nobs && e->obs[j].patient == p; j++)
			;
		while (ek < e->nep && e->ep[eorder[ek]].patient == p)
			ek++;
		r->patient_days += (double)(e->obs[j - 1].t - e->obs[i].t) /
		    (double)DAY;
		for (int b = 0; b < NBANDS; b++)
			r->band[b].patient_days += (double)band_overlap(b,
			    e->obs[j - 1].t - e->obs[i].t) / (double)DAY;
		for (int d = 0; d < NDETECTORS; d++)
			last_alert[d] = INT64_MIN / 2;
		for (size_t k = i; k < j; k++) {
			const struct obs *o = &e->obs[k];
			struct alert_input in = {
				.t = o->t, .is_anomaly = o->flags & 1,
				.above_gate = o->flags & 4, .news2 = o->news2,
				.news2_red = o->flags & 2,
			};
			unsigned fired = alert_step(&e->o.rule, &run, &in);
			for (int d = 0; d < NDETECTORS; d++) {
				if (!(fired & (1u << d)))
					continue;
				bool onset = o->t - last_alert[d] >=
				    e->o.refractory;
				last_alert[d] = o->t;
				if (o->episode >= 0) {
					struct episode *ep = &e->ep[o->episode];
					if (o->t < ep->detected_at[d])
						ep->detected_at[d] = o->t;
				} else if (onset && !near_episode(e, eorder,
				    efrom, ek, o->t, e->o.grace)) {
					r->det[d].false_alerts++;
					for (int b = 0; b < NBANDS; b++)
						if (in_band(b, o->since))
							r->band[b].det[d].
							    false_alerts++;
				}
			}
		}
	}

	/* Each detected episode's latency: by type for the types' medians,
	 * then all of them for the quartiles, then by band. */
	double *lat = xmalloc(e->nep * sizeof *lat);
	for (int d = 0; d < NDETECTORS; d++) {
		struct eval_detector *x = &r->det[d];
		size_t nl;
		for (size_t t = 0; t < r->ntypes; t++) {
			nl = latencies(e, d, (int)t, -1, lat);
			x->type_recall[t] = r->type_episodes[t] ?
			    (double)nl / (double)r->type_episodes[t] : NAN;
			x->type_latency[t] = quantile(lat, nl, 0.5);
		}
		nl = latencies(e, d, -1, -1, lat);
		x->detected = nl;
		x->recall = (double)x->detected / (double)e->nep;
		x->latency_median = quantile(lat, nl, 0.5);
		x->latency_q1 = quantile(lat, nl, 0.25);
		x->latency_q3 = quantile(lat, nl, 0.75);
		x->false_alerts_per_patient_day = r->patient_days > 0 ?
		    (double)x->false_alerts / r->patient_days : NAN;
		for (int b = 0; b < NBANDS; b++) {
			struct eval_band *band = &r->band[b];
			struct eval_band_detector *y = &band->det[d];
			nl = latencies(e, d, -1, b, lat);
			y->detected = nl;
			y->recall = band->episodes ? (double)nl /
			    (double)band->episodes : NAN;
			y->latency_median = quantile(lat, nl, 0.5);
			y->false_alerts_per_patient_day =
			    band->patient_days > 0 ? (double)y->false_alerts /
			    band->patient_days : NAN;
		}
	}
	free(lat);
	free(eorder);
	return 0;
}

static json_t *
num(double v)
{
	return isfinite(v) ? json_real(round(v * 10000) / 10000) : json_null();
}

/* A persistence as it was given: a count of readings (key), or the
 * seconds they cover (key_seconds). */
static void
put_persistence(json_t *root, const char *key, int count, int64_t usec)
{
	char k[64];

	if (count > 0) {
		json_object_set_new(root, key, json_integer(count));
		return;
	}
	snprintf(k, sizeof k, "%s_seconds", key);
	json_object_set_new(root, k, num((double)usec / 1e6));
}

json_t *
eval_to_json(const struct eval_result *r, const struct eval_options *o)
{
	json_t *root = json_object(), *dets = json_object();

	json_object_set_new(root, "readings", json_integer(r->readings));
	json_object_set_new(root, "positive_readings",
	    json_integer(r->positives));
	json_object_set_new(root, "patients", json_integer(r->patients));
	json_object_set_new(root, "patient_days", num(r->patient_days));
	json_object_set_new(root, "episodes", json_integer(r->episodes));
	json_object_set_new(root, "cadence_seconds", num(r->cadence_seconds));
	put_persistence(root, "persistence", o->rule.persistence,
	    o->rule.persistence_time);
	put_persistence(root, "news2_persistence", o->rule.news2_persistence,
	    o->rule.news2_persistence_time);
	json_object_set_new(root, "news2_gate", json_real(o->rule.news2_gate));
	json_object_set_new(root, "refractory_minutes",
	    json_integer(o->refractory / MINUTE));
	json_object_set_new(root, "grace_minutes",
	    json_integer(o->grace / MINUTE));
	for (int d = 0; d < NDETECTORS; d++) {
		const struct eval_detector *x = &r->det[d];
		json_t *types = json_object(), *lat = json_object();
		for (size_t t = 0; t < r->ntypes; t++) {
			json_object_set_new(types, r->type_name[t],
			    num(x->type_recall[t]));
			json_object_set_new(lat, r->type_name[t],
			    num(x->type_latency[t]));
		}
		json_object_set_new(dets, det_names[d], json_pack(
		    "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		    "roc_auc", num(x->roc_auc),
		    "average_precision", num(x->average_precision),
		    "episode_recall", num(x->recall),
		    "episode_recall_by_type", types,
		    "false_alerts_per_patient_day",
		    num(x->false_alerts_per_patient_day),
		    "latency_median_minutes", num(x->latency_median),
		    "latency_q1_minutes", num(x->latency_q1),
		    "latency_q3_minutes", num(x->latency_q3),
		    "latency_median_minutes_by_type", lat));
	}
	json_object_set_new(root, "detectors", dets);
	json_t *bands = json_object();
	for (int b = 0; b < NBANDS; b++) {
		const struct eval_band *x = &r->band[b];
		json_t *bd = json_object();
		for (int d = 0; d < NDETECTORS; d++) {
			const struct eval_band_detector *y = &x->det[d];
			json_object_set_new(bd, det_names[d], json_pack(
			    "{s:o, s:o, s:o, s:o, s:o}",
			    "roc_auc", num(y->roc_auc),
			    "average_precision", num(y->average_precision),
			    "episode_recall", num(y->recall),
			    "false_alerts_per_patient_day",
			    num(y->false_alerts_per_patient_day),
			    "latency_median_minutes", num(y->latency_median)));
		}
		json_object_set_new(bands, band_names[b], json_pack(
		    "{s:I, s:I, s:I, s:o, s:o}",
		    "readings", (json_int_t)x->readings,
		    "positive_readings", (json_int_t)x->positives,
		    "episodes", (json_int_t)x->episodes,
		    "patient_days", num(x->patient_days),
		    "detectors", bd));
	}
	json_object_set_new(root, "by_time_since_admission", bands);
	return root;
}
