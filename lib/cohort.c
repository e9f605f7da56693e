#include "cohort.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "jsonw.h"
#include "physiology.h"
#include "synthea.h"
#include "xalloc.h"

static const char *const cond_names[NCONDITIONS] = {
	[COND_HYPERTENSION] = "hypertension", [COND_DIABETES] = "diabetes",
	[COND_COPD] = "copd", [COND_ASTHMA] = "asthma",
	[COND_HEART_FAILURE] = "heart_failure", [COND_CKD] = "ckd",
	[COND_OBESITY] = "obesity", [COND_CAD] = "cad",
	[COND_INFECTION] = "infection",
};

static const struct {
	const char *name, *bed;	/* the ward, and its monitors' prefix */
} wards[NWARDS] = {
	[WARD_ICU] = { "icu", "icu" },
	[WARD_CARDIOLOGY] = { "cardiology", "card" },
	[WARD_RESPIRATORY] = { "respiratory", "resp" },
	[WARD_MEDICINE] = { "general_medicine", "med" },
	[WARD_SURGERY] = { "surgery", "surg" },
	[WARD_PAEDIATRICS] = { "paediatrics", "paed" },
};

const char *
condition_name(enum condition c)
{
	return cond_names[c];
}

const char *
ward_name(enum ward w)
{
	return wards[w].name;
}

void
patient_stream(struct rng *out, uint64_t seed, uint64_t key,
    enum stream which)
{
	struct rng run, patient;

	rng_seed(&run, seed);
	rng_fork(&patient, &run, key);
	rng_fork(out, &patient, (uint64_t)which + 1);
}

/* --- built-in cohort ------------------------------------------------- */

/*
 * Share of beds per ward [assumption: a mid-sized general hospital with a
 * paediatric ward]; the adult wards' age mix by band 18-44, 45-64, 65-79,
 * 80+ (inpatients are older than the population: about 40% are 65+ in US
 * hospital statistics) and share of men.
 */
static const struct {
	double beds;
	double age_band[4];
	double male;
} ward_mix[NWARDS] = {
	[WARD_ICU] = { 0.10, { 0.20, 0.32, 0.33, 0.15 }, 0.58 },
	[WARD_CARDIOLOGY] = { 0.17, { 0.08, 0.30, 0.38, 0.24 }, 0.60 },
	[WARD_RESPIRATORY] = { 0.14, { 0.12, 0.28, 0.38, 0.22 }, 0.50 },
	[WARD_MEDICINE] = { 0.30, { 0.18, 0.27, 0.30, 0.25 }, 0.47 },
	[WARD_SURGERY] = { 0.21, { 0.30, 0.32, 0.26, 0.12 }, 0.50 },
	[WARD_PAEDIATRICS] = { 0.08, { 0 }, 0.54 },
};
static const double band_lo[4] = { 18, 45, 65, 80 };
static const double band_hi[4] = { 45, 65, 80, 98 };

/* Paediatric admissions by age: infants are the largest group. */
static const double child_band_lo[4] = { 0, 1, 5, 12 };
static const double child_band_hi[4] = { 1, 5, 12, 18 };
static const double child_band_w[4] = { 0.25, 0.30, 0.25, 0.20 };

/*
 * Adult prevalence by the same age bands.  Sources, US adults:
 * hypertension NHANES 2017-18 (Ostchega et al., NCHS Data Brief 364:
 * 22% at 18-39, 55% at 40-59, 75% at 60+ with the 130/80 definition,
 * about 7%, 33%, 63% with 140/90; these sit near the latter); diabetes, CDC National
 * Diabetes Statistics Report 2020 (4% 18-44, 17% 45-64, 27% 65+); COPD,
 * CDC BRFSS (6% overall, 12% at 65+); asthma about 8%; heart failure,
 * AHA 2020 statistics (2.5% overall, over 10% past 80); CKD, CDC
 * surveillance (6%, 12%, 38% at 65+); obesity, NHANES 2017-2020 (40-44%
 * up to 60, less at 80+); coronary disease about 7% overall, 20%+ at 75+.
 * Acute infection on admission [assumption].
 */
static const double prevalence[NCONDITIONS][4] = {
	[COND_HYPERTENSION] = { 0.10, 0.35, 0.55, 0.65 },
	[COND_DIABETES] = { 0.05, 0.17, 0.26, 0.24 },
	[COND_COPD] = { 0.02, 0.07, 0.12, 0.13 },
	[COND_ASTHMA] = { 0.09, 0.08, 0.07, 0.06 },
	[COND_HEART_FAILURE] = { 0.005, 0.02, 0.07, 0.12 },
	[COND_CKD] = { 0.06, 0.12, 0.30, 0.45 },
	[COND_OBESITY] = { 0.40, 0.44, 0.40, 0.25 },
	[COND_CAD] = { 0.02, 0.07, 0.16, 0.24 },
	[COND_INFECTION] = { 0.12, 0.12, 0.15, 0.18 },
};

/* Why a patient is on a ward: relative risk of each condition there. */
static double
ward_risk(enum ward w, enum condition c)
{
	switch (w) {
	case WARD_ICU:
		return c == COND_INFECTION ? 2.5 : c == COND_HEART_FAILURE ||
		    c == COND_COPD ? 1.5 : c == COND_CKD ? 1.3 :
		    c == COND_DIABETES ? 1.2 : 1;
	case WARD_CARDIOLOGY:
		return c == COND_HEART_FAILURE ? 4 : c == COND_CAD ? 3 :
		    c == COND_HYPERTENSION ? 1.3 : c == COND_DIABETES ? 1.2 :
		    c == COND_INFECTION ? 0.5 : 1;
	case WARD_RESPIRATORY:
		return c == COND_COPD ? 4 : c == COND_ASTHMA ? 2.5 :
		    c == COND_INFECTION ? 2 : c == COND_HEART_FAILURE ? 1.3 : 1;
	case WARD_MEDICINE:
		return c == COND_INFECTION ? 1.5 : c == COND_DIABETES ||
		    c == COND_CKD ? 1.2 : 1;
	case WARD_SURGERY:
		return c == COND_INFECTION ? 0.7 : 1;
	default:
		return 1;
	}
}

/* Draws from weights w[0..n); they need not sum to 1. */
static int
pick(struct rng *r, const double *w, int n)
{
	double total = 0, u;
	int i;

	for (i = 0; i < n; i++)
		total += w[i];
	u = rng_uniform(r) * total;
	for (i = 0; i < n - 1; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

static bool
chance(struct rng *r, double p)
{
	return rng_uniform(r) < (p > 0.95 ? 0.95 : p);
}

/* Conditions cluster: obesity feeds diabetes and hypertension, both feed
 * kidney disease, hypertension and coronary disease feed heart failure.
 * The order below lets each draw see the ones it depends on. */
static uint32_t
adult_conditions(struct rng *r, enum ward w, int band)
{
	static const enum condition order[] = {
		COND_OBESITY, COND_DIABETES, COND_HYPERTENSION, COND_CAD,
		COND_CKD, COND_HEART_FAILURE, COND_COPD, COND_ASTHMA,
		COND_INFECTION,
	};
	uint32_t set = 0;

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		enum condition c = order[i];
		double p = prevalence[c][band] * ward_risk(w, c);
		bool htn = set & CONDBIT(COND_HYPERTENSION),
		    dm = set & CONDBIT(COND_DIABETES),
		    ob = set & CONDBIT(COND_OBESITY);
		if (c == COND_DIABETES && ob)
			p *= 1.8;
		if (c == COND_HYPERTENSION)
			p *= (ob ? 1.3 : 1) * (dm ? 1.3 : 1);
		if (c == COND_CKD)
			p *= (dm ? 1.8 : 1) * (htn ? 1.4 : 1);
		if (c == COND_HEART_FAILURE)
			p *= (htn ? 1.5 : 1) * (set & CONDBIT(COND_CAD) ? 2 : 1);
		if (chance(r, p))
			set |= CONDBIT(c);
	}
	return set;
}

/* Childhood asthma about 8%, obesity 19% from age 2 (NHANES 2017-2020),
 * and most paediatric admissions are infections. */
static uint32_t
child_conditions(struct rng *r, double age)
{
	uint32_t set = 0;

	if (age >= 2 && chance(r, 0.08))
		set |= CONDBIT(COND_ASTHMA);
	if (age >= 2 && chance(r, 0.19))
		set |= CONDBIT(COND_OBESITY);
	if (age >= 12 && chance(r, 0.03))
		set |= CONDBIT(COND_HYPERTENSION);
	if (age >= 5 && chance(r, 0.01))
		set |= CONDBIT(COND_DIABETES);
	if (chance(r, 0.30))
		set |= CONDBIT(COND_INFECTION);
	return set;
}

/* CDC growth charts, 50th centile, both sexes together. */
static const struct {
	double age, kg, cm;
} growth[] = {
	{ 0, 3.4, 50 }, { 0.5, 7.6, 67 }, { 1, 9.6, 75 }, { 2, 12.2, 87 },
	{ 5, 18.4, 109 }, { 8, 25.6, 128 }, { 10, 32, 139 }, { 12, 40.5, 150 },
	{ 15, 56, 168 }, { 18, 65, 172 },
};

static void
draw_body(struct patient *p, struct rng *r)
{
	size_t i, n = sizeof growth / sizeof growth[0];
	double f, h;

	if (p->age < 18) {
		for (i = 1; i < n - 1 && growth[i].age <= p->age; i++)
			;
		f = (p->age - growth[i - 1].age) /
		    (growth[i].age - growth[i - 1].age);
		h = growth[i - 1].cm + f * (growth[i].cm - growth[i - 1].cm);
		p->height_cm = h * (1 + 0.04 * rng_normal(r));
		p->weight_kg = (growth[i - 1].kg + f * (growth[i].kg -
		    growth[i - 1].kg)) * (1 + 0.12 * rng_normal(r)) *
		    (p->conditions & CONDBIT(COND_OBESITY) ? 1.35 : 1);
	} else {
		/* NHANES adult heights; BMI by obesity status. */
		h = p->sex == 'M' ? 175.5 + 7.5 * rng_normal(r) :
		    162 + 7 * rng_normal(r);
		double bmi = p->conditions & CONDBIT(COND_OBESITY) ?
		    30 + rng_exponential(r, 4.5) :
		    fmin(29.9, fmax(17, 25.5 + 2.8 * rng_normal(r)));
		p->height_cm = h;
		p->weight_kg = bmi * (h / 100) * (h / 100);
	}
	p->height_cm = round(p->height_cm * 10) / 10;
	p->weight_kg = round(fmax(2, p->weight_kg) * 10) / 10;
	p->bmi = round(p->weight_kg / ((p->height_cm / 100) *
	    (p->height_cm / 100)) * 10) / 10;
}

/* A version-4 UUID from r: looks like a Synthea Id, and like the ids real
 * systems hand out. */
static char *
draw_uuid(struct rng *r)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = rng_next(r), b = rng_next(r);
	char *s = xmalloc(37), *q = s;

	a = (a & ~UINT64_C(0xf000)) | UINT64_C(0x4000);
	b = (b & ~(UINT64_C(3) << 62)) | (UINT64_C(2) << 62);
	for (int i = 0; i < 32; i++) {
		uint64_t word = i < 16 ? a : b;
		int shift = 60 - 4 * (i % 16);
		if (i == 8 || i == 12 || i == 16 || i == 20)
			*q++ = '-';
		*q++ = hex[(word >> shift) & 15];
	}
	*q = '\0';
	return s;
}

static void
name_device(struct patient *p, unsigned *beds)
{
	snprintf(p->device_id, sizeof p->device_id, "mon-%s-%03u",
	    wards[p->ward].bed, ++beds[p->ward]);
}

void
cohort_builtin(struct cohort *c, size_t n, uint64_t seed)
{
	double beds[NWARDS];
	unsigned used[NWARDS] = { 0 };
	struct rng r;
	int band;

	memset(c, 0, sizeof *c);
	c->p = xcalloc(n, sizeof *c->p);
	c->n = n;
	for (int w = 0; w < NWARDS; w++)
		beds[w] = ward_mix[w].beds;
	for (size_t k = 0; k < n; k++) {
		struct patient *p = &c->p[k];
		p->key = k;
		patient_stream(&r, seed, k, STREAM_COHORT);
		p->id = draw_uuid(&r);
		p->id_len = strlen(p->id);
		p->ward = (enum ward)pick(&r, beds, NWARDS);
		p->sex = chance(&r, ward_mix[p->ward].male) ? 'M' : 'F';
		if (p->ward == WARD_PAEDIATRICS) {
			band = pick(&r, child_band_w, 4);
			p->age = rng_range(&r, child_band_lo[band],
			    child_band_hi[band]);
			p->conditions = child_conditions(&r, p->age);
		} else {
			band = pick(&r, ward_mix[p->ward].age_band, 4);
			p->age = rng_range(&r, band_lo[band], band_hi[band]);
			p->conditions = adult_conditions(&r, p->ward, band);
		}
		p->age_years = (int)p->age;
		draw_body(p, &r);
		phys_baseline(p, &r);
		name_device(p, used);
	}
}

/* --- Synthea cohort -------------------------------------------------- */

/*
 * SNOMED CT codes that Synthea writes for the conditions the simulation
 * knows, from both sample exports and the Synthea modules.
 */
static const struct {
	uint64_t code;
	enum condition cond;
} snomed[] = {
	{ 59621000, COND_HYPERTENSION },	/* essential hypertension */
	{ 38341003, COND_HYPERTENSION },	/* hypertensive disorder */
	{ 44054006, COND_DIABETES },		/* type 2 */
	{ 46635009, COND_DIABETES },		/* type 1 */
	{ 73211009, COND_DIABETES },		/* diabetes mellitus */
	{ 13645005, COND_COPD },		/* COPD */
	{ 185086009, COND_COPD },		/* chronic obstructive bronchitis */
	{ 87433001, COND_COPD },		/* pulmonary emphysema */
	{ 195967001, COND_ASTHMA },		/* asthma */
	{ 233678006, COND_ASTHMA },		/* childhood asthma */
	{ 84114007, COND_HEART_FAILURE },	/* heart failure */
	{ 88805009, COND_HEART_FAILURE },	/* chronic congestive HF */
	{ 42343007, COND_HEART_FAILURE },	/* congestive HF */
	{ 431855005, COND_CKD },		/* CKD stage 1 */
	{ 431856006, COND_CKD },		/* stage 2 */
	{ 433144002, COND_CKD },		/* stage 3 */
	{ 431857002, COND_CKD },		/* stage 4 */
	{ 46177005, COND_CKD },			/* end-stage renal disease */
	{ 709044004, COND_CKD },		/* chronic kidney disease */
	{ 127013003, COND_CKD },		/* diabetic kidney disorder */
	{ 162864005, COND_OBESITY },		/* BMI 30+ */
	{ 408512008, COND_OBESITY },		/* BMI 40+ */
	{ 414916001, COND_OBESITY },		/* obesity */
	{ 53741008, COND_CAD },			/* coronary heart disease */
	{ 414545008, COND_CAD },		/* ischemic heart disease */
	{ 22298006, COND_CAD },			/* myocardial infarction */
	{ 840539006, COND_INFECTION },		/* COVID-19 */
	{ 233604007, COND_INFECTION },		/* pneumonia */
	{ 91302008, COND_INFECTION },		/* sepsis */
	{ 770349000, COND_INFECTION },		/* sepsis caused by virus */
	{ 76571007, COND_INFECTION },		/* septic shock */
	{ 301011002, COND_INFECTION },		/* E. coli urinary infection */
	{ 307426000, COND_INFECTION },		/* acute infective cystitis */
};

int
condition_from_snomed(uint64_t code)
{
	for (size_t i = 0; i < sizeof snomed / sizeof snomed[0]; i++)
		if (snomed[i].code == code)
			return (int)snomed[i].cond;
	return -1;
}

/* Completed years between two days since the epoch. */
static int
completed_years(int32_t birth, int32_t day)
{
	int64_t by, y;
	unsigned bm, bd, m, d;

	civil_from_days(birth, &by, &bm, &bd);
	civil_from_days(day, &y, &m, &d);
	return (int)(y - by) - (m < bm || (m == bm && d < bd));
}

/* Synthea has no wards: children go to paediatrics, the others where
 * their conditions would put them. */
static enum ward
synthea_ward(struct rng *r, const struct patient *p)
{
	double w[NWARDS];

	if (p->age < 18)
		return WARD_PAEDIATRICS;
	for (int i = 0; i < NWARDS; i++)
		w[i] = ward_mix[i].beds;
	w[WARD_PAEDIATRICS] = 0;
	if (p->conditions & (CONDBIT(COND_HEART_FAILURE) | CONDBIT(COND_CAD)))
		w[WARD_CARDIOLOGY] *= 3;
	if (p->conditions & (CONDBIT(COND_COPD) | CONDBIT(COND_ASTHMA)))
		w[WARD_RESPIRATORY] *= 3;
	if (p->conditions & CONDBIT(COND_INFECTION))
		w[WARD_ICU] *= 2;
	return (enum ward)pick(r, w, NWARDS);
}

static void
from_synthea(struct patient *p, const struct synthea_patient *sp,
    int32_t ref_day, uint64_t seed)
{
	struct rng r;
	int cond;

	p->id = xstrdup(sp->id);
	p->id_len = strlen(p->id);
	p->key = rng_seed_of(sp->id);
	patient_stream(&r, seed, p->key, STREAM_COHORT);
	p->age = (ref_day - sp->birth) / 365.2425;
	p->age_years = completed_years(sp->birth, ref_day);
	p->sex = sp->sex != '?' ? sp->sex : chance(&r, 0.5) ? 'M' : 'F';
	for (size_t i = 0; i < sp->ncodes; i++)
		if ((cond = condition_from_snomed(sp->codes[i])) >= 0)
			p->conditions |= CONDBIT(cond);
	p->ward = synthea_ward(&r, p);
	p->height_cm = synthea_obs_mean(&sp->obs[SV_HEIGHT]);
	p->weight_kg = synthea_obs_mean(&sp->obs[SV_WEIGHT]);
	p->bmi = synthea_obs_mean(&sp->obs[SV_BMI]);
	p->base.sbp = synthea_obs_mean(&sp->obs[SV_SYSTOLIC]);
	p->base.dbp = synthea_obs_mean(&sp->obs[SV_DIASTOLIC]);
	p->bp_recorded = !isnan(p->base.sbp) && !isnan(p->base.dbp);
	phys_baseline(p, &r);
}

int
cohort_synthea(struct cohort *c, const char *dir, int64_t ref_usec,
    size_t limit, uint64_t seed, bool quiet, char *err, size_t errlen)
{
	struct synthea s;
	int32_t ref_day = usec_to_days(ref_usec);
	unsigned used[NWARDS] = { 0 };

	memset(c, 0, sizeof *c);
	if (synthea_load(&s, dir, ref_usec, quiet, err, errlen) != 0)
		return -1;
	c->from_synthea = true;
	c->bad_rows = s.bad_rows;
	c->p = xcalloc(s.n, sizeof *c->p);
	for (size_t i = 0; i < s.n && (limit == 0 || c->n < limit); i++) {
		const struct synthea_patient *sp = &s.p[i];
		if (sp->death != INT32_MIN && sp->death <= ref_day) {
			c->deceased++;
			continue;
		}
		if (sp->birth > ref_day) {
			c->unborn++;
			continue;
		}
		from_synthea(&c->p[c->n], sp, ref_day, seed);
		name_device(&c->p[c->n], used);
		c->n++;
	}
	synthea_free(&s);
	if (c->n == 0) {
		snprintf(err, errlen, "%s: no patient alive on the start day",
		    dir);
		cohort_free(c);
		return -1;
	}
	return 0;
}

void
cohort_free(struct cohort *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->p[i].id);
	free(c->p);
	memset(c, 0, sizeof *c);
}

/* --- roster ---------------------------------------------------------- */

static void
put_number(struct writer *w, const char *key, double v, bool first)
{
	jw_key(w, key, strlen(key), first);
	if (isnan(v))
		jw_null(w);
	else
		jw_double(w, round(v * 10) / 10);
}

static void
put_str(struct writer *w, const char *key, const char *v)
{
	jw_key(w, key, strlen(key), false);
	jw_string(w, v, strlen(v));
}

void
cohort_write_roster(const struct cohort *c, struct writer *w)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct patient *p = &c->p[i];
		char sex[2] = { p->sex, '\0' };
		bool first = true;

		jw_key(w, "patient_id", 10, true);
		jw_string(w, p->id, p->id_len);
		put_str(w, "device_id", p->device_id);
		put_str(w, "ward", ward_name(p->ward));
		jw_key(w, "age", 3, false);
		jw_int(w, p->age_years);
		put_str(w, "sex", sex);
		jw_key(w, "conditions", 10, false);
		writer_char(w, '[');
		for (int k = 0; k < NCONDITIONS; k++) {
			if (!(p->conditions & CONDBIT(k)))
				continue;
			if (!first)
				writer_char(w, ',');
			jw_string(w, cond_names[k], strlen(cond_names[k]));
			first = false;
		}
		writer_char(w, ']');
		put_number(w, "height_cm", p->height_cm, false);
		put_number(w, "weight_kg", p->weight_kg, false);
		put_number(w, "bmi", p->bmi, false);
		jw_key(w, "bp_recorded", 11, false);
		jw_bool(w, p->bp_recorded);
		jw_key(w, "baseline", 8, false);
		put_number(w, "heart_rate", p->base.hr, true);
		put_number(w, "temperature", p->base.temp, false);
		put_number(w, "spo2", p->base.spo2, false);
		put_number(w, "respiration_rate", p->base.rr, false);
		put_number(w, "systolic", p->base.sbp, false);
		put_number(w, "diastolic", p->base.dbp, false);
		writer_char(w, '}');
		put_str(w, "source", c->from_synthea ? "synthea" : "builtin");
		writer_mem(w, "}\n", 2);
		writer_end_record(w);
	}
}
