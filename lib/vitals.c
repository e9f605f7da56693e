#include "vitals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void
vitals_init(struct vitals *v)
{
	v->heart_rate = v->respiration_rate = VITAL_NONE;
	v->bp_systolic = v->bp_diastolic = v->age = VITAL_NONE;
	v->temperature = v->spo2 = NAN;
	v->spo2_scale2 = false;
}

/* Round half away from zero, as a chart is read. */
static int
chart_int(double x)
{
	return (int)lround(x);
}

static int
points_respiration(int rr)
{
	if (rr <= 8)
		return 3;
	if (rr <= 11)
		return 1;
	if (rr <= 20)
		return 0;
	if (rr <= 24)
		return 2;
	return 3;
}

static int
points_spo2(int s)
{
	if (s <= 91)
		return 3;
	if (s <= 93)
		return 2;
	if (s <= 95)
		return 1;
	return 0;
}

/* Scale 2 on air (a monitor does not know about oxygen therapy). */
static int
points_spo2_scale2(int s)
{
	if (s <= 83)
		return 3;
	if (s <= 85)
		return 2;
	if (s <= 87)
		return 1;
	return 0;
}

static int
points_systolic(int sbp)
{
	if (sbp <= 90)
		return 3;
	if (sbp <= 100)
		return 2;
	if (sbp <= 110)
		return 1;
	if (sbp <= 219)
		return 0;
	return 3;
}

static int
points_pulse(int hr)
{
	if (hr <= 40)
		return 3;
	if (hr <= 50)
		return 1;
	if (hr <= 90)
		return 0;
	if (hr <= 110)
		return 1;
	if (hr <= 130)
		return 2;
	return 3;
}

/* t10 is the temperature in tenths of a degree. */
static int
points_temperature(int t10)
{
	if (t10 <= 350)
		return 3;
	if (t10 <= 360)
		return 1;
	if (t10 <= 380)
		return 0;
	if (t10 <= 390)
		return 1;
	return 2;
}

static void
add(struct news2 *n, int *slot, int points)
{
	*slot = points;
	n->total = (n->total == VITAL_NONE ? 0 : n->total) + points;
	n->scored++;
	if (points == 3)
		n->red = true;
}

void
news2_score(const struct vitals *v, struct news2 *n)
{
	n->respiration = n->spo2 = n->systolic = VITAL_NONE;
	n->heart_rate = n->temperature = n->total = VITAL_NONE;
	n->scored = 0;
	n->red = false;
	/* A monitor never observes consciousness or oxygen therapy. */
	n->partial = true;
	n->spo2_scale = v->spo2_scale2 ? 2 : 1;
	if (v->age != VITAL_NONE && v->age < NEWS2_MIN_AGE)
		return;
	if (v->respiration_rate != VITAL_NONE)
		add(n, &n->respiration, points_respiration(v->respiration_rate));
	if (!isnan(v->spo2))
		add(n, &n->spo2, v->spo2_scale2 ?
		    points_spo2_scale2(chart_int(v->spo2)) :
		    points_spo2(chart_int(v->spo2)));
	if (v->bp_systolic != VITAL_NONE)
		add(n, &n->systolic, points_systolic(v->bp_systolic));
	if (v->heart_rate != VITAL_NONE)
		add(n, &n->heart_rate, points_pulse(v->heart_rate));
	if (!isnan(v->temperature))
		add(n, &n->temperature,
		    points_temperature(chart_int(v->temperature * 10)));
}

static const char *const band_names[] = {
	"low", "low-medium", "medium", "high"
};

int
news2_band_rank(const struct news2 *n)
{
	if (n->total == VITAL_NONE)
		return -1;
	if (n->total >= 7)
		return 3;
	if (n->total >= 5)
		return 2;
	return n->red ? 1 : 0;
}

const char *
news2_band_name(int rank)
{
	return rank < 0 || rank > 3 ? NULL : band_names[rank];
}

const char *
news2_band(const struct news2 *n)
{
	return news2_band_name(news2_band_rank(n));
}

double
mean_arterial_pressure(int sbp, int dbp)
{
	if (sbp == VITAL_NONE || dbp == VITAL_NONE)
		return NAN;
	return round((sbp + 2.0 * dbp) / 3.0 * 10) / 10;
}

int
pulse_pressure(int sbp, int dbp)
{
	if (sbp == VITAL_NONE || dbp == VITAL_NONE)
		return VITAL_NONE;
	return sbp - dbp;
}

double
shock_index(int hr, int sbp)
{
	if (hr == VITAL_NONE || sbp == VITAL_NONE || sbp <= 0)
		return NAN;
	return round((double)hr / sbp * 1000) / 1000;
}

static const char *const alert_names[ALERT_COUNT] = {
	"tachycardia", "bradycardia", "fever", "hypothermia", "hypoxia",
	"hypotension", "hypertension", "tachypnoea",
};

const char *
alert_name(enum alert a)
{
	return alert_names[a];
}

/*
 * Heart and breathing rate limits by age band: roughly the 1st and 99th
 * centiles of Fleming et al. (2011), rounded; adults from 18.
 */
static const struct {
	int max_age;			/* band holds ages below this */
	int hr_low, hr_high, rr_high;
} child_limits[] = {
	{ 1, 100, 160, 60 },
	{ 3, 90, 150, 45 },
	{ 6, 70, 140, 35 },
	{ 12, 60, 120, 28 },
	{ 18, 50, 110, 22 },
};

unsigned
alerts_evaluate(const struct vitals *v)
{
	int hr_low = 50, hr_high = 100, rr_high = 20, sbp_low = 90;
	unsigned bits = 0;

	if (v->age != VITAL_NONE && v->age >= 0 && v->age < 18) {
		for (size_t i = 0; i < sizeof child_limits /
		    sizeof child_limits[0]; i++) {
			if (v->age < child_limits[i].max_age) {
				hr_low = child_limits[i].hr_low;
				hr_high = child_limits[i].hr_high;
				rr_high = child_limits[i].rr_high;
				break;
			}
		}
		/* Paediatric advanced life support: 70 + 2 x age. */
		if (v->age < 10)
			sbp_low = 70 + 2 * v->age;
	}
	if (v->heart_rate != VITAL_NONE) {
		if (v->heart_rate > hr_high)
			bits |= 1u << ALERT_TACHYCARDIA;
		if (v->heart_rate < hr_low)
			bits |= 1u << ALERT_BRADYCARDIA;
	}
	if (!isnan(v->temperature)) {
		if (v->temperature >= 38.0)
			bits |= 1u << ALERT_FEVER;
		if (v->temperature < 35.0)
			bits |= 1u << ALERT_HYPOTHERMIA;
	}
	if (!isnan(v->spo2) && v->spo2 < 92)
		bits |= 1u << ALERT_HYPOXIA;
	if (v->bp_systolic != VITAL_NONE && v->bp_systolic < sbp_low)
		bits |= 1u << ALERT_HYPOTENSION;
	if ((v->bp_systolic != VITAL_NONE && v->bp_systolic >= 180) ||
	    (v->bp_diastolic != VITAL_NONE && v->bp_diastolic >= 120))
		bits |= 1u << ALERT_HYPERTENSION;
	if (v->respiration_rate != VITAL_NONE && v->respiration_rate > rr_high)
		bits |= 1u << ALERT_TACHYPNOEA;
	return bits;
}

const char *
vitals_implausible(const struct vitals *v, char *buf, unsigned long n)
{
	if (v->heart_rate != VITAL_NONE && v->heart_rate != 0 &&
	    (v->heart_rate < 20 || v->heart_rate > 300)) {
		snprintf(buf, n, "heart_rate %d outside [20,300]",
		    v->heart_rate);
		return buf;
	}
	if (!isnan(v->spo2) && v->spo2 != 0 &&
	    (v->spo2 < 50 || v->spo2 > 100)) {
		snprintf(buf, n, "spo2 %g outside [50,100]", v->spo2);
		return buf;
	}
	if (!isnan(v->temperature) &&
	    (v->temperature < 25 || v->temperature > 45)) {
		snprintf(buf, n, "temperature %g outside [25,45] Celsius",
		    v->temperature);
		return buf;
	}
	if (v->respiration_rate != VITAL_NONE &&
	    (v->respiration_rate < 0 || v->respiration_rate > 70)) {
		snprintf(buf, n, "respiration_rate %d outside [0,70]",
		    v->respiration_rate);
		return buf;
	}
	if (v->bp_systolic != VITAL_NONE &&
	    (v->bp_systolic < 40 || v->bp_systolic > 300)) {
		snprintf(buf, n, "bp_systolic %d outside [40,300]",
		    v->bp_systolic);
		return buf;
	}
	if (v->bp_diastolic != VITAL_NONE &&
	    (v->bp_diastolic < 20 || v->bp_diastolic > 200)) {
		snprintf(buf, n, "bp_diastolic %d outside [20,200]",
		    v->bp_diastolic);
		return buf;
	}
	if (v->bp_systolic != VITAL_NONE && v->bp_diastolic != VITAL_NONE &&
	    v->bp_systolic <= v->bp_diastolic) {
		snprintf(buf, n, "bp_systolic %d not above bp_diastolic %d",
		    v->bp_systolic, v->bp_diastolic);
		return buf;
	}
	return NULL;
}

bool
temperature_from_fahrenheit(double *t)
{
	if (isnan(*t) || *t < 86 || *t > 113)
		return false;
	*t = round((*t - 32) * 5 / 9 * 10) / 10;
	return true;
}

static const char *
read_uint(const char *p, const char *end, int *out)
{
	int v = 0, n = 0;

	while (p < end && *p >= '0' && *p <= '9') {
		if (++n > 4)
			return NULL;
		v = v * 10 + (*p++ - '0');
	}
	if (n == 0)
		return NULL;
	*out = v;
	return p;
}

int
bp_parse(const char *s, unsigned long len, int *sys, int *dia)
{
	const char *p = s, *end = s + len;

	while (p < end && *p == ' ')
		p++;
	if ((p = read_uint(p, end, sys)) == NULL)
		return -1;
	while (p < end && *p == ' ')
		p++;
	if (p >= end || *p++ != '/')
		return -1;
	while (p < end && *p == ' ')
		p++;
	if ((p = read_uint(p, end, dia)) == NULL)
		return -1;
	while (p < end && *p == ' ')
		p++;
	return p == end ? 0 : -1;
}
