#include "episodes.h"

#include <string.h>

#define MINUTE	(INT64_C(60) * 1000000)
#define DAY	(INT64_C(86400) * 1000000)

static const char *const names[NEPISODES] = {
	[EP_TACHYCARDIA] = "tachycardia", [EP_BRADYCARDIA] = "bradycardia",
	[EP_FEVER] = "fever", [EP_HYPOTHERMIA] = "hypothermia",
	[EP_HYPOXIA] = "hypoxia", [EP_HYPOTENSION] = "hypotension",
	[EP_HYPERTENSIVE_CRISIS] = "hypertensive_crisis",
	[EP_TACHYPNOEA] = "tachypnoea", [EP_SEPSIS] = "sepsis",
};

/*
 * Shifts at the mildest and at the most severe, from the notes' section 9
 * table; a severity drawn per episode picks a point between them for every
 * vital at once.
 */
static const struct {
	struct vitals mild, severe;
} shifts[NEPISODES] = {
	[EP_TACHYCARDIA] = { { .hr = 35 }, { .hr = 60 } },
	[EP_BRADYCARDIA] = { { .hr = -25 }, { .hr = -35 } },
	[EP_FEVER] = { { .temp = 1.5, .hr = 10 }, { .temp = 2.5, .hr = 20 } },
	[EP_HYPOTHERMIA] = { { .temp = -2, .hr = 0 },
	    { .temp = -3, .hr = -10 } },
	[EP_HYPOXIA] = { { .spo2 = -6, .rr = 4, .hr = 5 },
	    { .spo2 = -12, .rr = 8, .hr = 15 } },
	[EP_HYPOTENSION] = { { .sbp = -35, .dbp = -15, .hr = 25 },
	    { .sbp = -50, .dbp = -25, .hr = 40 } },
	[EP_HYPERTENSIVE_CRISIS] = { { .sbp = 60, .dbp = 30 },
	    { .sbp = 80, .dbp = 45 } },
	[EP_TACHYPNOEA] = { { .rr = 10 }, { .rr = 16 } },
	[EP_SEPSIS] = { { .hr = 20, .rr = 6, .temp = 1.2, .sbp = -20,
	    .dbp = -8, .spo2 = -2 }, { .hr = 30, .rr = 10, .temp = 2.0,
	    .sbp = -30, .dbp = -15, .spo2 = -4 } },
};

/*
 * How fast each kind of episode sets in, in minutes [assumption, after
 * the usual clinical course]: an arrhythmia starts within a minute or
 * two; a desaturation, a bleed or a bronchospasm within minutes; a fever
 * climbs over half an hour or so; a patient cools and a sepsis evolves
 * over hours.  A single 30-120 minute ramp for all of them would make
 * every episode look like a slow deterioration, and make early detection
 * meaningless for the fast ones.
 */
static const struct {
	double lo, hi;
} onset_minutes[NEPISODES] = {
	[EP_TACHYCARDIA] = { 0.5, 3 }, [EP_BRADYCARDIA] = { 0.5, 3 },
	[EP_HYPOXIA] = { 2, 10 }, [EP_HYPOTENSION] = { 5, 20 },
	[EP_TACHYPNOEA] = { 5, 15 }, [EP_HYPERTENSIVE_CRISIS] = { 10, 30 },
	[EP_FEVER] = { 15, 45 }, [EP_HYPOTHERMIA] = { 30, 90 },
	[EP_SEPSIS] = { 30, 120 },
};

/* How common each type is on a general ward before a patient's own risks
 * [assumption]: fever and arrhythmias are everyday, hypothermia rare. */
static const double base_weight[NEPISODES] = {
	[EP_TACHYCARDIA] = 1.0, [EP_BRADYCARDIA] = 0.6, [EP_FEVER] = 1.2,
	[EP_HYPOTHERMIA] = 0.4, [EP_HYPOXIA] = 1.0, [EP_HYPOTENSION] = 0.7,
	[EP_HYPERTENSIVE_CRISIS] = 0.5, [EP_TACHYPNOEA] = 0.8,
	[EP_SEPSIS] = 0.7,
};

const char *
episode_name(enum episode_type t)
{
	return names[t];
}

void
episode_weights(const struct patient *p, double *w)
{
	uint32_t c = p->conditions;

	memcpy(w, base_weight, sizeof base_weight);
	if (c & CONDBIT(COND_HYPERTENSION))
		w[EP_HYPERTENSIVE_CRISIS] *= 4;
	if (c & CONDBIT(COND_CKD)) {
		w[EP_HYPERTENSIVE_CRISIS] *= 1.5;
		w[EP_SEPSIS] *= 1.3;
	}
	if (c & CONDBIT(COND_COPD)) {
		w[EP_HYPOXIA] *= 3;
		w[EP_TACHYPNOEA] *= 2;
	}
	if (c & CONDBIT(COND_ASTHMA)) {
		w[EP_HYPOXIA] *= 2;
		w[EP_TACHYPNOEA] *= 2;
	}
	if (c & CONDBIT(COND_HEART_FAILURE)) {
		w[EP_HYPOXIA] *= 2;
		w[EP_HYPOTENSION] *= 1.5;
		w[EP_TACHYCARDIA] *= 1.5;
	}
	if (c & CONDBIT(COND_CAD)) {
		w[EP_BRADYCARDIA] *= 1.5;
		w[EP_TACHYCARDIA] *= 1.5;
	}
	if (c & CONDBIT(COND_DIABETES))
		w[EP_SEPSIS] *= 1.5;
	if (c & CONDBIT(COND_INFECTION)) {
		w[EP_FEVER] *= 2.5;
		w[EP_SEPSIS] *= 3;
	}
	if (p->ward == WARD_ICU) {
		w[EP_SEPSIS] *= 2;
		w[EP_HYPOTENSION] *= 2;
	}
	if (p->age < 18) {
		/* Children: fevers, rarely a hypertensive crisis. */
		w[EP_HYPERTENSIVE_CRISIS] *= 0.1;
		w[EP_FEVER] *= 2;
		w[EP_BRADYCARDIA] *= 0.5;
		if (p->age < 1)
			w[EP_HYPOTHERMIA] *= 2;
	} else if (p->age >= 75) {
		w[EP_HYPOTHERMIA] *= 1.5;
		w[EP_BRADYCARDIA] *= 1.5;
	}
}

void
ep_make(struct episode *ep, enum episode_type type, int64_t onset,
    struct rng *r)
{
	const struct vitals *lo = &shifts[type].mild, *hi = &shifts[type].severe;
	double sev = rng_uniform(r);
	int64_t ramp = (int64_t)(rng_range(r, onset_minutes[type].lo,
	    onset_minutes[type].hi) * (double)MINUTE);
	int64_t span = (int64_t)rng_range(r, 120 * MINUTE, 240 * MINUTE);
	int64_t fade = (int64_t)rng_range(r, 10 * MINUTE, 30 * MINUTE);

	memset(ep, 0, sizeof *ep);
	ep->type = type;
	ep->onset = onset;
	ep->full = onset + ramp;
	ep->fade = onset + (span > ramp ? span : ramp);
	ep->end = ep->fade + fade;
#define SEV(x) (lo->x + sev * (hi->x - lo->x))
	ep->shift.hr = SEV(hr);
	ep->shift.temp = SEV(temp);
	ep->shift.spo2 = SEV(spo2);
	ep->shift.rr = SEV(rr);
	ep->shift.sbp = SEV(sbp);
	ep->shift.dbp = SEV(dbp);
#undef SEV
}

double
ep_strength(const struct episode *ep, int64_t t)
{
	if (t < ep->onset || t >= ep->end)
		return 0;
	if (t < ep->full)
		return (double)(t - ep->onset) / (double)(ep->full - ep->onset);
	if (t < ep->fade)
		return 1;
	return (double)(ep->end - t) / (double)(ep->end - ep->fade);
}

/* The wait to the next onset: exponential, so onsets are a Poisson
 * process. */
static int64_t
gap(struct ep_track *e)
{
	return (int64_t)rng_exponential(&e->rng, e->mean_gap);
}

void
ep_track_init(struct ep_track *e, const struct patient *p,
    const struct rng *stream, double per_day, int64_t start)
{
	memset(e, 0, sizeof *e);
	e->rng = *stream;
	episode_weights(p, e->weight);
	if (per_day <= 0) {
		e->next_onset = INT64_MAX;
		return;
	}
	e->mean_gap = (double)DAY / per_day;
	e->next_onset = start + EP_SETTLE + gap(e);
}

void
ep_track_admit(struct ep_track *e, int64_t admit)
{
	if (e->mean_gap == 0)
		return;
	if (rng_uniform(&e->rng) < EP_ARRIVE_ILL)
		e->next_onset = admit + (int64_t)rng_range(&e->rng,
		    -3600e6, 3600e6);
	else
		e->next_onset = admit + gap(e);
}

/* Draws the type from the patient's weights. */
static enum episode_type
draw_type(struct ep_track *e)
{
	double total = 0, u;
	int i;

	for (i = 0; i < NEPISODES; i++)
		total += e->weight[i];
	u = rng_uniform(&e->rng) * total;
	for (i = 0; i < NEPISODES - 1; i++) {
		if (u < e->weight[i])
			break;
		u -= e->weight[i];
	}
	return (enum episode_type)i;
}

double
ep_apply(struct ep_track *e, int64_t t, struct ep_run *run,
    struct vitals *v, struct reading *r)
{
	double s;

	/* Catch up: with readings far apart, a whole episode can fall
	 * between two of them; it then never shows and gets no id. */
	for (;;) {
		if (!e->active) {
			if (t < e->next_onset) {
				r->episode = NULL;
				r->episode_id = 0;
				return 0;
			}
			ep_make(&e->ep, draw_type(e), e->next_onset, &e->rng);
			e->active = true;
		}
		if (t < e->ep.end)
			break;
		e->active = false;
		e->next_onset = e->ep.onset + gap(e);
		if (e->next_onset < e->ep.end + EP_GAP)
			e->next_onset = e->ep.end + EP_GAP;
	}
	if (e->ep.id == 0) {
		e->ep.id = ++run->last_id;
		run->count[e->ep.type]++;
	}
	s = ep_strength(&e->ep, t);
	v->hr += s * e->ep.shift.hr;
	v->temp += s * e->ep.shift.temp;
	v->spo2 += s * e->ep.shift.spo2;
	v->rr += s * e->ep.shift.rr;
	v->sbp += s * e->ep.shift.sbp;
	v->dbp += s * e->ep.shift.dbp;
	r->episode = names[e->ep.type];
	r->episode_id = e->ep.id;
	return s;
}
