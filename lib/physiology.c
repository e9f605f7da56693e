#include "physiology.h"

#include <math.h>
#include <string.h>

#include "isotime.h"

/*
 * The noise processes: correlation time (seconds) and long-run SD.  Heart
 * rate gets a slow drift plus a fast beat-averaging wobble, about 4/min in
 * all as the notes suggest (AR(1) with SD 3-5); the rest are sized so a
 * stable patient looks stable on a monitor.
 */
static const struct {
	double tau, sd;
} proc[NPROC] = {
	[PP_AROUSAL] = { 600, 1.0 },	/* unitless; loaded below */
	[PP_HR_SLOW] = { 2700, 3.0 },
	[PP_HR_FAST] = { 20, 1.2 },
	[PP_RR] = { 120, 0.9 },
	[PP_TEMP] = { 3600, 0.08 },
	[PP_SPO2_SLOW] = { 1200, 0.5 },
	[PP_SPO2_FAST] = { 15, 0.6 },
	[PP_BP] = { 1200, 1.0 },	/* unitless; loaded below */
	[PP_SBP] = { 60, 2.5 },
	[PP_DBP] = { 60, 1.8 },
};

/* How much one SD of arousal moves each vital: moving, talking, pain. */
#define AROUSAL_HR	2.0
#define AROUSAL_RR	0.8
#define AROUSAL_SPO2	(-0.2)
#define AROUSAL_SBP	2.0
#define AROUSAL_DBP	1.2
/* The shared pressure process, so SBP and DBP move together. */
#define BP_SBP		5.0
#define BP_DBP		3.0

/* Minute of the day at which each vital peaks; the trough is twelve hours
 * later.  Temperature peaks late afternoon and is lowest before dawn;
 * blood pressure dips at night. */
#define PEAK_HR		(14 * 60)
#define PEAK_TEMP	(17 * 60)
#define PEAK_BP		(11 * 60)

void
phys_model_init(struct phys_model *m, int64_t interval_usec)
{
	double dt = (double)interval_usec / 1e6;

	for (int i = 0; i < NPROC; i++) {
		m->phi[i] = exp(-dt / proc[i].tau);
		m->innov[i] = proc[i].sd * sqrt(1 - m->phi[i] * m->phi[i]);
	}
	for (int i = 0; i < 2 * 1440; i++)
		m->daily[i] = (float)cos(2 * M_PI * i / 1440.0);
}

/*
 * Children's medians by age.  Heart and respiratory rate: Fleming et al.,
 * Lancet 377:1011-18 (2011) centile charts (HR 127 at birth, 145 at one
 * month, 113 at two years; RR 44 at birth, 26 at two years), with NHANES
 * pulse for older children (96 at five, 78 in the early teens).  Blood
 * pressure: about the 50th centile at median height of the 2017 AAP
 * tables (Flynn et al., Pediatrics 140:e20171904) from one year on;
 * neonatal values from the usual reference ranges.
 */
static const struct {
	double age, hr, rr, sbp, dbp;
} child[] = {
	{ 0.00, 127, 44, 70, 40 },
	{ 0.08, 145, 42, 76, 41 },
	{ 0.25, 143, 40, 80, 42 },
	{ 0.50, 138, 37, 83, 41 },
	{ 1.00, 128, 33, 86, 41 },
	{ 1.50, 121, 29, 87, 43 },
	{ 2.00, 113, 26, 88, 45 },
	{ 3.00, 108, 24, 90, 48 },
	{ 4.00, 103, 23, 92, 51 },
	{ 6.00, 97, 21, 95, 56 },
	{ 8.00, 91, 20, 98, 59 },
	{ 10.0, 86, 19, 101, 61 },
	{ 12.0, 82, 18, 105, 62 },
	{ 15.0, 77, 17, 111, 64 },
	{ 18.0, 73, 16, 112, 68 },
};
#define NCHILD	(sizeof child / sizeof child[0])

void
phys_norms(double age, char sex, struct vitals *out)
{
	size_t i;
	double f;

	if (age < 18) {
		if (age < 0)
			age = 0;
		for (i = 1; i < NCHILD - 1 && child[i].age <= age; i++)
			;
		f = (age - child[i - 1].age) / (child[i].age - child[i - 1].age);
#define LERP(x) (child[i - 1].x + f * (child[i].x - child[i - 1].x))
		out->hr = LERP(hr);
		out->rr = LERP(rr);
		out->sbp = LERP(sbp);
		out->dbp = LERP(dbp);
#undef LERP
		out->temp = age < 2 ? 36.8 : 36.7;
		out->spo2 = 98;
		return;
	}
	/* NHANES 1999-2008 resting pulse: women 74, men 71. */
	out->hr = sex == 'F' ? 74 : 71;
	out->rr = 16;
	/* Obermeyer et al., BMJ 2017: 36.6 C, -0.021 C per decade. */
	out->temp = 36.6 - 0.021 * (age - 50) / 10;
	/* Lower with age; 91% is the lower limit of normal at 65+. */
	out->spo2 = fmin(99, 97.5 - 0.03 * (age - 40));
	/* Normotensive adults: systolic rises with age, diastolic peaks in
	 * the fifties (NHANES 2001-2008 means 122/71 include the
	 * hypertensive, who get their own shift below). */
	out->sbp = 106 + 0.28 * (age - 18) + (sex == 'M' ? 4 : 0);
	out->dbp = (age < 55 ? 66 + 0.2 * (age - 18) :
	    73.4 - 0.25 * (age - 55)) + (sex == 'M' ? 2 : 0);
}

/*
 * What each condition does to the resting means [assumption, sized from
 * the clinical picture]: COPD patients sit near their 88-92% target with a
 * faster breathing rate; heart failure means a faster pulse, lower SpO2 and
 * a lower systolic; hypertension, mostly treated, +18/+8 (NHANES:
 * untreated hypertensives average 146/85, treated ones less); an acute infection a little
 * fever and tachycardia even between episodes.
 */
static const struct vitals cond_effect[NCONDITIONS] = {
	[COND_HYPERTENSION] = { .sbp = 18, .dbp = 8 },
	[COND_DIABETES] = { .hr = 3, .sbp = 3, .dbp = 1 },
	[COND_COPD] = { .hr = 5, .rr = 3, .spo2 = -4.5 },
	[COND_ASTHMA] = { .rr = 1, .spo2 = -0.5 },
	[COND_HEART_FAILURE] = { .hr = 6, .rr = 2, .spo2 = -1.5, .sbp = -8,
	    .dbp = -4 },
	[COND_CKD] = { .sbp = 6, .dbp = 2 },
	[COND_OBESITY] = { .hr = 3, .rr = 1, .spo2 = -0.7, .sbp = 4,
	    .dbp = 3 },
	[COND_CAD] = { .hr = -3, .sbp = 2 },	/* beta-blockers */
	[COND_INFECTION] = { .hr = 6, .rr = 1.5, .temp = 0.3, .spo2 = -0.5 },
};

static double
clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Between-person SDs: HR N(72, 10) in adults; RR about 1.8, so that with
 * the within-person noise it is the notes' N(16, 2.5); wider in small
 * children. */
static double
hr_spread(double age)
{
	return age < 2 ? 12 : age < 12 ? 10 : 9.5;
}

static double
rr_spread(double age)
{
	return age < 2 ? 4 : age < 6 ? 3 : age < 18 ? 2.2 : 1.8;
}

void
phys_between_sd(double age, struct vitals *out)
{
	bool young = age < 18;

	out->hr = hr_spread(age);
	out->rr = rr_spread(age);
	out->temp = 0.15;
	out->spo2 = 0.8;
	out->sbp = young ? 8 : 11;
	out->dbp = young ? 6 : 8;
}

void
phys_expected(double age, char sex, uint32_t conditions, bool icu,
    struct vitals *out)
{
	phys_norms(age, sex, out);
	for (int c = 0; c < NCONDITIONS; c++) {
		const struct vitals *e = &cond_effect[c];
		if (!(conditions & CONDBIT(c)))
			continue;
		out->hr += e->hr;
		out->rr += e->rr;
		out->temp += e->temp;
		out->spo2 += e->spo2;
		out->sbp += e->sbp;
		out->dbp += e->dbp;
	}
	if (icu) {
		out->hr += 5;
		out->rr += 2;
		out->spo2 -= 1;
	}
}

void
phys_baseline(struct patient *p, struct rng *r)
{
	struct vitals n, sd, *b = &p->base;
	double z1, z2;

	phys_norms(p->age, p->sex, &n);
	phys_between_sd(p->age, &sd);
	b->hr = n.hr + sd.hr * rng_normal(r);
	b->rr = n.rr + sd.rr * rng_normal(r);
	b->temp = n.temp + sd.temp * rng_normal(r);
	b->spo2 = n.spo2 + sd.spo2 * rng_normal(r);
	/* Systolic and diastolic correlate about 0.6 between people. */
	z1 = rng_normal(r);
	z2 = 0.6 * z1 + 0.8 * rng_normal(r);
	if (!p->bp_recorded) {
		b->sbp = n.sbp + sd.sbp * z1;
		b->dbp = n.dbp + sd.dbp * z2;
	}
	for (int c = 0; c < NCONDITIONS; c++) {
		const struct vitals *e = &cond_effect[c];
		if (!(p->conditions & CONDBIT(c)))
			continue;
		b->hr += e->hr;
		b->rr += e->rr;
		b->temp += e->temp;
		b->spo2 += e->spo2;
		if (!p->bp_recorded) {
			b->sbp += e->sbp;
			b->dbp += e->dbp;
		}
	}
	if (p->ward == WARD_ICU) {
		b->hr += 5;
		b->rr += 2;
		b->spo2 -= 1;
	}
	b->hr = clamp(b->hr, 45, 170);
	b->rr = clamp(b->rr, 8, 60);
	b->temp = clamp(b->temp, 35.8, 37.6);
	b->spo2 = clamp(b->spo2, 86, 99.5);
	b->sbp = clamp(b->sbp, 60, 200);
	b->dbp = clamp(b->dbp, 30, fmin(120, b->sbp - 20));
}

void
phys_init(struct phys *s, const struct phys_model *m,
    const struct patient *p, const struct rng *stream)
{
	double scale[NPROC], rhythm;

	memset(s, 0, sizeof *s);
	s->patient = p;
	s->rng = *stream;
	for (int i = 0; i < NPROC; i++)
		scale[i] = p->ward == WARD_ICU ? 1.15 : 1;
	if (p->age < 12) {
		double f = p->age < 5 ? 1.4 : 1.2;
		scale[PP_HR_SLOW] *= f;
		scale[PP_HR_FAST] *= f;
		scale[PP_RR] *= f;
	}
	if (p->conditions & CONDBIT(COND_COPD)) {
		scale[PP_SPO2_SLOW] *= 1.5;
		scale[PP_SPO2_FAST] *= 1.5;
		scale[PP_RR] *= 1.2;
	}
	if (p->conditions & CONDBIT(COND_HEART_FAILURE)) {
		scale[PP_HR_SLOW] *= 1.2;
		scale[PP_HR_FAST] *= 1.2;
	}
	if (p->conditions & CONDBIT(COND_DIABETES))
		scale[PP_HR_FAST] *= 0.7;	/* autonomic neuropathy */
	for (int i = 0; i < NPROC; i++) {
		s->k[i] = m->innov[i] * scale[i];
		s->x[i] = proc[i].sd * scale[i] * rng_normal(&s->rng);
	}

	/* Daily rhythm: about +-4/min, +-0.3 C, +-6/4 mmHg in adults,
	 * weaker in the ICU (sedation, light and care round the clock) and
	 * in infants, who have not settled into one yet. */
	rhythm = rng_range(&s->rng, 0.6, 1.4);
	if (p->ward == WARD_ICU)
		rhythm *= 0.5;
	if (p->age < 1)
		rhythm *= 0.3;
	else if (p->age < 5)
		rhythm *= 0.7;
	s->amp.hr = 4 * rhythm;
	s->amp.temp = 0.3 * rhythm;
	s->amp.spo2 = 0.3 * rhythm;
	s->amp.rr = 1 * rhythm;
	s->amp.sbp = 6 * rhythm;
	s->amp.dbp = 4 * rhythm;
	s->shift = (int)rng_below(&s->rng, 121) - 60;
}

/*
 * A cheap standard normal: the sum of four 16-bit uniforms (Irwin-Hall),
 * one generator call instead of a log and a sqrt.  It drives AR(1)
 * processes, whose values sum many innovations, so the missing tails of
 * one innovation do not show.
 */
static inline double
quick_normal(struct rng *r)
{
	uint64_t x = rng_next(r);
	double sum = (double)((x & 0xffff) + ((x >> 16) & 0xffff) +
	    ((x >> 32) & 0xffff) + (x >> 48));

	/* Mean 2 * 65535, SD sqrt((65536^2 - 1) / 3). */
	return (sum - 131070.0) * (1 / 37837.2265);
}

void
phys_next(struct phys *s, const struct phys_model *m, int64_t t,
    struct vitals *out)
{
	const struct vitals *b = &s->patient->base;
	double *x = s->x;
	int64_t sod = t % USEC_PER_DAY;
	int minute, i0;

	for (int i = 0; i < NPROC; i++)
		x[i] = m->phi[i] * x[i] + s->k[i] * quick_normal(&s->rng);

	if (sod < 0)
		sod += USEC_PER_DAY;
	minute = (int)(sod / (60 * USEC_PER_SEC));
	i0 = minute - s->shift;
	i0 = i0 < 0 ? i0 + 1440 : i0 >= 1440 ? i0 - 1440 : i0;
	/* daily[i0 + 1440 - peak] = cos(2 pi (minute - shift - peak) / day) */
	double c_hr = m->daily[i0 + 1440 - PEAK_HR];
	double c_temp = m->daily[i0 + 1440 - PEAK_TEMP];
	double c_bp = m->daily[i0 + 1440 - PEAK_BP];
	double a = x[PP_AROUSAL];

	out->hr = b->hr + s->amp.hr * c_hr + AROUSAL_HR * a + x[PP_HR_SLOW] +
	    x[PP_HR_FAST];
	out->rr = b->rr + s->amp.rr * c_hr + AROUSAL_RR * a + x[PP_RR];
	out->temp = b->temp + s->amp.temp * c_temp + x[PP_TEMP];
	out->spo2 = b->spo2 + s->amp.spo2 * c_hr + AROUSAL_SPO2 * a +
	    x[PP_SPO2_SLOW] + x[PP_SPO2_FAST];
	out->sbp = b->sbp + s->amp.sbp * c_bp + AROUSAL_SBP * a +
	    BP_SBP * x[PP_BP] + x[PP_SBP];
	out->dbp = b->dbp + s->amp.dbp * c_bp + AROUSAL_DBP * a +
	    BP_DBP * x[PP_BP] + x[PP_DBP];
}

/* Round half away from zero without a libm call. */
static inline int
iround(double v)
{
	return v >= 0 ? (int)(v + 0.5) : -(int)(0.5 - v);
}

void
phys_round(const struct vitals *v, struct reading *r)
{
	/* Clamped to what a body can do and a monitor can show; the
	 * device-fault module makes the impossible values on purpose. */
	r->hr = iround(clamp(v->hr, 25, 250));
	r->rr = iround(clamp(v->rr, 3, 70));
	r->temp = iround(clamp(v->temp, 30, 44) * 10) / 10.0;
	r->spo2 = iround(clamp(v->spo2, 50, 100));
	r->sbp = iround(clamp(v->sbp, 40, 280));
	r->dbp = iround(clamp(v->dbp, 20, 180));
	if (r->dbp > r->sbp - 10)
		r->dbp = r->sbp - 10;
}
