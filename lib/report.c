/*
 * report: Gold rows into the three views and the page's windows; see
 * report.h.  Every value a row brings is first turned into a struct val
 * by its column's schema type, whether it came from a Parquet scan or
 * from a conformed NDJSON line, so the folding below sees one form.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "jsonw.h"
#include "strindex.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ */
/* The views, as their SQL writes them                                 */

enum agg {
	A_KEY,		/* a GROUP BY column */
	A_HOUR,		/* TIMESTAMP_TRUNC(src, HOUR), a GROUP BY column */
	A_SUM, A_AVG, A_MIN, A_MAX,
	A_MAX_BY,	/* MAX_BY(src, arg) */
	A_COUNT,	/* COUNT(*) */
	A_COUNTIF,	/* COUNTIF(src) */
	A_COUNTIF_EQ,	/* COUNTIF(src = 'arg') */
	A_DISTINCT	/* APPROX_COUNT_DISTINCT(src) */
};

struct vcol {
	const char *name;	/* the AS name */
	enum agg agg;
	const char *src;	/* the Gold column; NULL for COUNT(*) */
	const char *arg;	/* MAX_BY's ordering column, COUNTIF's string */
};

/* schemas/bigquery/patient_risk_scores.sql */
static const struct vcol risk_cols[] = {
	{ "patient_id", A_KEY, "patient_id", NULL },
	{ "last_window_end", A_MAX, "window_end", NULL },
	{ "ward", A_MAX_BY, "ward", "window_end" },
	{ "news2_score", A_MAX_BY, "news2_score_max", "window_end" },
	{ "news2_band", A_MAX_BY, "news2_band", "window_end" },
	{ "anomaly_score", A_MAX_BY, "anomaly_score_max", "window_end" },
	{ "is_anomaly", A_MAX_BY, "is_anomaly", "window_end" },
	{ "alert", A_MAX_BY, "alert", "window_end" },
	{ "alert_reason", A_MAX_BY, "alert_reason", "window_end" },
	{ "anomaly_score_highest", A_MAX, "anomaly_score_max", NULL },
	{ "news2_score_highest", A_MAX, "news2_score_max", NULL },
	{ "anomalous_readings", A_SUM, "anomalous_readings", NULL },
	{ "anomalous_windows", A_COUNTIF, "is_anomaly", NULL },
	{ "alerting_readings", A_SUM, "alerting_readings", NULL },
	{ "alert_windows", A_COUNTIF, "alert", NULL },
	{ "readings", A_SUM, "readings", NULL },
	{ "windows", A_COUNT, NULL, NULL },
};

/* schemas/bigquery/ward_alert_counts.sql */
static const struct vcol ward_cols[] = {
	{ "event_date", A_KEY, "event_date", NULL },
	{ "ward", A_KEY, "ward", NULL },
	{ "hour", A_HOUR, "window_start", NULL },
	{ "windows", A_COUNT, NULL, NULL },
	{ "readings", A_SUM, "readings", NULL },
	{ "patients", A_DISTINCT, "patient_id", NULL },
	{ "anomalous_readings", A_SUM, "anomalous_readings", NULL },
	{ "anomalous_windows", A_COUNTIF, "is_anomaly", NULL },
	{ "alerting_readings", A_SUM, "alerting_readings", NULL },
	{ "alert_windows", A_COUNTIF, "alert", NULL },
	{ "news2_high_windows", A_COUNTIF_EQ, "news2_band", "high" },
	{ "news2_medium_windows", A_COUNTIF_EQ, "news2_band", "medium" },
	{ "tachycardia", A_SUM, "alert_tachycardia_count", NULL },
	{ "bradycardia", A_SUM, "alert_bradycardia_count", NULL },
	{ "fever", A_SUM, "alert_fever_count", NULL },
	{ "hypothermia", A_SUM, "alert_hypothermia_count", NULL },
	{ "hypoxia", A_SUM, "alert_hypoxia_count", NULL },
	{ "hypotension", A_SUM, "alert_hypotension_count", NULL },
	{ "hypertension", A_SUM, "alert_hypertension_count", NULL },
	{ "tachypnoea", A_SUM, "alert_tachypnoea_count", NULL },
};

/* schemas/bigquery/vital_signs_hourly_trend.sql */
#define TREND_VITAL(v) \
	{ v "_mean", A_AVG, v "_mean", NULL }, \
	{ v "_min", A_MIN, v "_min", NULL }, \
	{ v "_max", A_MAX, v "_max", NULL }
static const struct vcol trend_cols[] = {
	{ "event_date", A_KEY, "event_date", NULL },
	{ "patient_id", A_KEY, "patient_id", NULL },
	{ "hour", A_HOUR, "window_start", NULL },
	{ "ward", A_MAX_BY, "ward", "window_start" },
	{ "readings", A_SUM, "readings", NULL },
	TREND_VITAL("heart_rate"),
	TREND_VITAL("temperature"),
	TREND_VITAL("spo2"),
	TREND_VITAL("respiration_rate"),
	TREND_VITAL("bp_systolic"),
	TREND_VITAL("bp_diastolic"),
	{ "mean_arterial_pressure_mean", A_AVG, "mean_arterial_pressure_mean",
	    NULL },
	{ "shock_index_max", A_MAX, "shock_index_max", NULL },
	{ "news2_score_max", A_MAX, "news2_score_max", NULL },
	{ "anomaly_score_max", A_MAX, "anomaly_score_max", NULL },
	{ "anomalous_readings", A_SUM, "anomalous_readings", NULL },
	{ "alerting_readings", A_SUM, "alerting_readings", NULL },
};

static const struct {
	const char *name;
	const struct vcol *cols;
	size_t ncols;
} view_defs[VIEW_COUNT] = {
	{ "patient_risk_scores", risk_cols,
	    sizeof risk_cols / sizeof risk_cols[0] },
	{ "ward_alert_counts", ward_cols,
	    sizeof ward_cols / sizeof ward_cols[0] },
	{ "vital_signs_hourly_trend", trend_cols,
	    sizeof trend_cols / sizeof trend_cols[0] },
};

/* ------------------------------------------------------------------ */
/* The page's windows                                                  */

/* A trend window's values, as integers in units of 1/scale, INT32_MIN
 * for null.  The scale is the precision the page shows (report/page.js's
 * VITALS digits), not Gold's 0.001: a day of 500 patients is 720,000
 * windows, and every digit more is megabytes of page. */
struct pcol {
	const char *name;
	int scale;		/* decimal places */
};
static const struct pcol point_cols[] = {
	{ "readings", 0 },
	{ "heart_rate_mean", 1 }, { "respiration_rate_mean", 1 },
	{ "spo2_mean", 1 }, { "temperature_mean", 2 },
	{ "bp_systolic_mean", 0 }, { "bp_diastolic_mean", 0 },
	{ "mean_arterial_pressure_mean", 0 },
	{ "news2_score_max", 0 }, { "anomaly_score_max", 3 },
	{ "is_anomaly", 0 }, { "anomalous_readings", 0 },
};
enum { NPOINT = sizeof point_cols / sizeof point_cols[0] };
#define P_NULL INT32_MIN

struct point {
	int64_t t;		/* window_start, usec */
	int32_t v[NPOINT];
};

struct series {
	struct point *p;
	size_t n, cap;
};

/* A window that alerted (Gold's alert: the combined detector of
 * lib/alert held), what the alert list shows of it and no more: a day
 * of 500 patients has some 40,000 such windows.  The extremes are those
 * of the vitals NEWS2 scores, which the list names as the drivers. */
static const char *const alert_cols[] = {
	"window_start", "window_end", "patient_id", "ward",
	"anomaly_score_max", "alert_reason", "news2_score_max", "news2_band",
	"heart_rate_min", "heart_rate_max",
	"respiration_rate_min", "respiration_rate_max",
	"spo2_min", "spo2_max", "temperature_min", "temperature_max",
	"bp_systolic_min", "bp_systolic_max",
	"alert_tachycardia_count", "alert_bradycardia_count",
	"alert_fever_count", "alert_hypothermia_count", "alert_hypoxia_count",
	"alert_hypotension_count", "alert_hypertension_count",
	"alert_tachypnoea_count",
};
enum { NALERT = sizeof alert_cols / sizeof alert_cols[0] };

/* ------------------------------------------------------------------ */

/* One value of a row, by its column's type: strings as their number in
 * the report's string index, integers, booleans, times (usec) and dates
 * (days) in i, doubles in d. */
struct val {
	bool null;
	int64_t i;
	double d;
};

struct acc {
	struct val v;	/* a key; MIN, MAX, MAX_BY: the value so far */
	struct val by;	/* MAX_BY: the greatest ordering value so far */
	int64_t n;	/* SUM, COUNT, COUNTIF, DISTINCT; AVG: values */
	double sum;	/* AVG */
	bool any;	/* SUM: some value was not null */
};

struct view {
	const struct vcol *cols;
	size_t ncols, nkeys;
	int *src;		/* schema indexes; -1 for none */
	int *arg;		/* MAX_BY: the schema index of y; COUNTIF_EQ:
				 * the number of the string */
	struct strindex groups;	/* key bytes -> group number */
	struct acc *acc;	/* ncols per group */
	size_t cap;		/* groups acc has room for */
};

struct report {
	const struct schema *s;
	struct val *row;	/* the row being added, by schema index */
	bool *need;		/* by schema index */
	const char **cols;	/* report_columns, NULL-terminated */
	struct strindex strs;	/* every string seen */
	struct view v[VIEW_COUNT];
	struct strindex pairs;	/* (view, group, string): DISTINCT */
	int patient, ward, wstart, wend, date, alert;
	int pcol[NPOINT], acol[NALERT];
	struct series *series;	/* by patient string number */
	size_t nseries;
	double *alerts;		/* NALERT per alerting window */
	size_t nalerts, alerts_cap;
	uint64_t rows;
};

static bool
is_num(enum ftype t)
{
	return t == FT_INTEGER || t == FT_LONG || t == FT_DOUBLE;
}

static bool
is_int(enum ftype t)
{
	return t == FT_INTEGER || t == FT_LONG;
}

/* The schema index of a column the report reads, checked to have one of
 * the types ok accepts; -1 with err. */
static int
need_col(struct report *r, const char *name, bool (*ok)(enum ftype),
    char *err, size_t errlen)
{
	int i = schema_find(r->s, name, strlen(name));

	if (i < 0) {
		snprintf(err, errlen, "the Gold rows have no column %s", name);
		return -1;
	}
	if (!ok(r->s->f[i].type)) {
		snprintf(err, errlen, "column %s is %s, not a type the "
		    "report reads there", name, ftype_name(r->s->f[i].type));
		return -1;
	}
	r->need[i] = true;
	return i;
}

static bool ok_any(enum ftype t) { return t != FT_STRUCT; }
static bool ok_time(enum ftype t) { return t == FT_TIMESTAMP; }
static bool ok_date(enum ftype t) { return t == FT_DATE; }
static bool ok_str(enum ftype t) { return t == FT_STRING; }
static bool ok_bool(enum ftype t) { return t == FT_BOOLEAN; }
static bool ok_sum(enum ftype t) { return is_int(t); }
static bool ok_num(enum ftype t) { return is_num(t); }
static bool ok_order(enum ftype t) { return is_num(t) || t == FT_TIMESTAMP ||
    t == FT_DATE; }
static bool ok_point(enum ftype t) { return is_num(t) || t == FT_BOOLEAN; }

static bool (*const agg_ok[])(enum ftype) = {
	[A_KEY] = ok_any, [A_HOUR] = ok_time, [A_SUM] = ok_sum,
	[A_AVG] = ok_num, [A_MIN] = ok_order, [A_MAX] = ok_order,
	[A_MAX_BY] = ok_any, [A_COUNT] = ok_any, [A_COUNTIF] = ok_bool,
	[A_COUNTIF_EQ] = ok_str, [A_DISTINCT] = ok_any,
};

struct report *
report_new(const struct schema *s, char *err, size_t errlen)
{
	struct report *r = xcalloc(1, sizeof *r);
	size_t nc = 0;

	r->s = s;
	r->row = xcalloc(s->n, sizeof *r->row);
	r->need = xcalloc(s->n, sizeof *r->need);
	if ((r->patient = need_col(r, "patient_id", ok_str, err, errlen)) < 0 ||
	    (r->ward = need_col(r, "ward", ok_str, err, errlen)) < 0 ||
	    (r->wstart = need_col(r, "window_start", ok_time, err,
	    errlen)) < 0 ||
	    (r->wend = need_col(r, "window_end", ok_time, err, errlen)) < 0 ||
	    (r->date = need_col(r, "event_date", ok_date, err, errlen)) < 0 ||
	    (r->alert = need_col(r, "alert", ok_bool, err, errlen)) < 0)
		goto fail;
	for (int k = 0; k < VIEW_COUNT; k++) {
		struct view *v = &r->v[k];

		v->cols = view_defs[k].cols;
		v->ncols = view_defs[k].ncols;
		v->src = xcalloc(v->ncols, sizeof *v->src);
		v->arg = xcalloc(v->ncols, sizeof *v->arg);
		for (size_t c = 0; c < v->ncols; c++) {
			const struct vcol *vc = &v->cols[c];

			v->src[c] = v->arg[c] = -1;
			if (vc->agg == A_KEY || vc->agg == A_HOUR)
				v->nkeys = c + 1;
			if (vc->src != NULL && (v->src[c] = need_col(r, vc->src,
			    agg_ok[vc->agg], err, errlen)) < 0)
				goto fail;
			if (vc->agg == A_MAX_BY && (v->arg[c] = need_col(r,
			    vc->arg, ok_order, err, errlen)) < 0)
				goto fail;
			if (vc->agg == A_COUNTIF_EQ)
				v->arg[c] = (int)strindex_add(&r->strs,
				    vc->arg, strlen(vc->arg), NULL);
		}
	}
	for (size_t c = 0; c < NPOINT; c++)
		if ((r->pcol[c] = need_col(r, point_cols[c].name, ok_point,
		    err, errlen)) < 0)
			goto fail;
	for (size_t c = 0; c < NALERT; c++)
		if ((r->acol[c] = need_col(r, alert_cols[c], ok_any, err,
		    errlen)) < 0)
			goto fail;
	r->cols = xcalloc(s->n + 1, sizeof *r->cols);
	for (size_t i = 0; i < s->n; i++)
		if (r->need[i])
			r->cols[nc++] = s->f[i].name;
	return r;
fail:
	report_free(r);
	return NULL;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (int k = 0; k < VIEW_COUNT; k++) {
		free(r->v[k].src);
		free(r->v[k].arg);
		free(r->v[k].acc);
		strindex_free(&r->v[k].groups);
	}
	for (size_t i = 0; i < r->nseries; i++)
		free(r->series[i].p);
	free(r->series);
	free(r->alerts);
	strindex_free(&r->strs);
	strindex_free(&r->pairs);
	free(r->row);
	free(r->need);
	free(r->cols);
	free(r);
}

const char *const *
report_columns(const struct report *r)
{
	return r->cols;
}

uint64_t
report_rows(const struct report *r)
{
	return r->rows;
}

int
report_view_by_name(const char *name)
{
	for (int k = 0; k < VIEW_COUNT; k++)
		if (strcmp(view_defs[k].name, name) == 0)
			return k;
	return -1;
}

const char *
report_view_name(enum report_view v)
{
	return view_defs[v].name;
}

/* ------------------------------------------------------------------ */
/* Folding a row                                                       */

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* <0, 0, >0 as a is below, equal to or above b, both of type t and not
 * null: numbers by value, strings in byte order. */
static int
val_cmp(const struct report *r, enum ftype t, const struct val *a,
    const struct val *b)
{
	if (t == FT_DOUBLE)
		return (a->d > b->d) - (a->d < b->d);
	if (t == FT_STRING) {
		const struct strindex_entry *x = &r->strs.e[a->i];
		const struct strindex_entry *y = &r->strs.e[b->i];
		int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);

		return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
	}
	return (a->i > b->i) - (a->i < b->i);
}

static double
val_num(enum ftype t, const struct val *v)
{
	return t == FT_DOUBLE ? v->d : (double)v->i;
}

/* The group of the row in view v, made when new. */
static size_t
group_of(struct report *r, struct view *v)
{
	unsigned char key[9 * 4];
	size_t len = 0;
	uint32_t g;
	bool added;

	for (size_t c = 0; c < v->nkeys; c++) {
		struct val x = r->row[v->src[c]];

		if (v->cols[c].agg == A_HOUR && !x.null)
			x.i = floor_div(x.i, 3600 * INT64_C(1000000)) *
			    3600 * INT64_C(1000000);
		key[len++] = x.null;
		memcpy(key + len, &x.i, 8);
		len += 8;
	}
	g = strindex_add(&v->groups, (const char *)key, len, &added);
	if (added) {
		if (g >= v->cap) {
			v->cap = v->cap ? 2 * v->cap : 64;
			v->acc = xrealloc(v->acc, v->cap * v->ncols *
			    sizeof *v->acc);
		}
		memset(v->acc + g * v->ncols, 0, v->ncols * sizeof *v->acc);
		for (size_t c = 0; c < v->ncols; c++) {
			struct acc *a = &v->acc[g * v->ncols + c];

			a->v.null = a->by.null = true;
			if (c < v->nkeys) {
				memcpy(&a->v.i, key + 9 * c + 1, 8);
				a->v.null = key[9 * c];
			}
		}
	}
	return g;
}

static void
fold_view(struct report *r, int k)
{
	struct view *v = &r->v[k];
	size_t g = group_of(r, v);

	for (size_t c = v->nkeys; c < v->ncols; c++) {
		struct acc *a = &v->acc[g * v->ncols + c];
		const struct val *x = v->src[c] >= 0 ? &r->row[v->src[c]] :
		    NULL;
		enum ftype t = x != NULL ? r->s->f[v->src[c]].type : FT_LONG;
		unsigned char pair[16];
		uint32_t gg = (uint32_t)g;

		switch (v->cols[c].agg) {
		case A_COUNT:
			a->n++;
			break;
		case A_SUM:
			if (!x->null) {
				a->n += x->i;
				a->any = true;
			}
			break;
		case A_AVG:
			if (!x->null) {
				a->sum += val_num(t, x);
				a->n++;
			}
			break;
		case A_MIN:
		case A_MAX:
			if (x->null)
				break;
			if (a->v.null || (v->cols[c].agg == A_MIN ?
			    val_cmp(r, t, x, &a->v) < 0 :
			    val_cmp(r, t, x, &a->v) > 0))
				a->v = *x;
			break;
		case A_MAX_BY: {
			const struct val *y = &r->row[v->arg[c]];
			enum ftype yt = r->s->f[v->arg[c]].type;
			int cmp;

			/* MAX(y) passes over null ys: such a row is never
			 * the one with the greatest y. */
			if (y->null)
				break;
			cmp = a->by.null ? 1 : val_cmp(r, yt, y, &a->by);
			if (cmp > 0) {
				a->by = *y;
				a->v = *x;
			} else if (cmp == 0 && !x->null && (a->v.null ||
			    val_cmp(r, t, x, &a->v) > 0))
				a->v = *x;
			break;
		}
		case A_COUNTIF:
			if (!x->null && x->i)
				a->n++;
			break;
		case A_COUNTIF_EQ:
			if (!x->null && x->i == v->arg[c])
				a->n++;
			break;
		case A_DISTINCT: {
			bool added;
			uint32_t sid;

			if (x->null)
				break;
			/* (view, group, string) pairs: a new pair is one
			 * more distinct value in the group. */
			sid = (uint32_t)x->i;
			pair[0] = (unsigned char)k;
			memcpy(pair + 1, &gg, 4);
			memcpy(pair + 5, &sid, 4);
			strindex_add(&r->pairs, (const char *)pair, 9, &added);
			if (added)
				a->n++;
			break;
		}
		case A_KEY:
		case A_HOUR:
			break;
		}
	}
}

static int32_t
quantize(const struct report *r, int col, int scale)
{
	const struct val *x = &r->row[col];
	enum ftype t = r->s->f[col].type;
	double d;

	if (x->null)
		return P_NULL;
	if (t != FT_DOUBLE && scale == 0)
		return x->i > INT32_MAX ? INT32_MAX : x->i < -INT32_MAX ?
		    -INT32_MAX : (int32_t)x->i;
	d = round(val_num(t, x) * pow(10, scale));
	if (!(d > -INT32_MAX && d < INT32_MAX))
		return P_NULL;	/* out of what a chart shows; NaN too */
	return (int32_t)d;
}

static void
fold_windows(struct report *r)
{
	uint32_t p = (uint32_t)r->row[r->patient].i;
	struct series *s;
	struct point *pt;

	if (p >= r->nseries) {
		size_t n = r->strs.n;

		r->series = xrealloc(r->series, n * sizeof *r->series);
		memset(r->series + r->nseries, 0,
		    (n - r->nseries) * sizeof *r->series);
		r->nseries = n;
	}
	s = &r->series[p];
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->p = xrealloc(s->p, s->cap * sizeof *s->p);
	}
	pt = &s->p[s->n++];
	pt->t = r->row[r->wstart].i;
	for (size_t c = 0; c < NPOINT; c++)
		pt->v[c] = quantize(r, r->pcol[c], point_cols[c].scale);

	if (r->row[r->alert].null || !r->row[r->alert].i)
		return;
	if (r->nalerts == r->alerts_cap) {
		r->alerts_cap = r->alerts_cap ? 2 * r->alerts_cap : 64;
		r->alerts = xrealloc(r->alerts, r->alerts_cap * NALERT *
		    sizeof *r->alerts);
	}
	for (size_t c = 0; c < NALERT; c++) {
		const struct val *x = &r->row[r->acol[c]];
		enum ftype t = r->s->f[r->acol[c]].type;

		/* Times in usec and string numbers are exact in a
		 * double (below 2^53). */
		r->alerts[r->nalerts * NALERT + c] = x->null ? NAN :
		    val_num(t, x);
	}
	r->nalerts++;
}

static void
fold(struct report *r)
{
	for (int k = 0; k < VIEW_COUNT; k++)
		fold_view(r, k);
	fold_windows(r);
	r->rows++;
}

static uint32_t
intern(struct report *r, const char *s, size_t len)
{
	return strindex_add(&r->strs, s, len, NULL);
}

/* The columns no row may leave null: the ones every group and window
 * is keyed by. */
static int
check_keys(const struct report *r, char *err, size_t errlen)
{
	const int keys[] = { r->patient, r->wstart, r->wend, r->date };

	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		if (r->row[keys[k]].null) {
			snprintf(err, errlen, "a Gold row without %s",
			    r->s->f[keys[k]].name);
			return -1;
		}
	return 0;
}

int
report_add_scanned(struct report *r, const struct record *row, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < r->s->n; i++) {
		const struct jval *j = &row->v[i];
		struct val *x = &r->row[i];
		bool ok;

		if (!r->need[i])
			continue;
		memset(x, 0, sizeof *x);
		if (j->kind == JK_NULL || j->kind == JK_ABSENT) {
			x->null = true;
			continue;
		}
		switch (r->s->f[i].type) {
		case FT_STRING:
			if ((ok = j->kind == JK_STRING))
				x->i = intern(r, j->s, j->len);
			break;
		case FT_INTEGER:
		case FT_LONG:
			if ((ok = j->kind == JK_INT))
				x->i = j->i;
			break;
		case FT_DOUBLE:
			ok = j->kind == JK_REAL || j->kind == JK_INT;
			x->d = j->kind == JK_REAL ? j->d : (double)j->i;
			break;
		case FT_BOOLEAN:
			ok = j->kind == JK_TRUE || j->kind == JK_FALSE;
			x->i = j->kind == JK_TRUE;
			break;
		case FT_TIMESTAMP:
			if ((ok = j->kind == JK_TIME))
				x->i = j->i;
			break;
		case FT_DATE:
			if ((ok = j->kind == JK_DATE))
				x->i = j->i;
			break;
		default:
			ok = false;
		}
		if (!ok) {
			snprintf(err, errlen, "column %s: not a value of type "
			    "%s", r->s->f[i].name, ftype_name(r->s->f[i].type));
			return -1;
		}
	}
	if (check_keys(r, err, errlen) != 0)
		return -1;
	fold(r);
	return 0;
}

void
report_add_conformed(struct report *r, const struct conform *c)
{
	for (size_t i = 0; i < r->s->n; i++) {
		const struct cell *cl;
		struct val *x = &r->row[i];

		if (!r->need[i])
			continue;
		cl = conform_cell(c, i);
		x->null = cl->null;
		x->i = cl->i;
		x->d = cl->d;
		if (!cl->null && r->s->f[i].type == FT_STRING)
			x->i = intern(r, cl->s, cl->len);
	}
	/* Conformed rows have every column the Gold schema requires. */
	fold(r);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

/* The type a view column's values have. */
static enum ftype
vcol_type(const struct report *r, const struct view *v, size_t c)
{
	switch (v->cols[c].agg) {
	case A_KEY:
	case A_MIN:
	case A_MAX:
	case A_MAX_BY:
		return r->s->f[v->src[c]].type;
	case A_HOUR:
		return FT_TIMESTAMP;
	case A_AVG:
		return FT_DOUBLE;
	default:
		return FT_LONG;
	}
}

/* The value of view column c of a group; false for null. */
static bool
vcol_value(const struct view *v, size_t g, size_t c, struct val *out)
{
	const struct acc *a = &v->acc[g * v->ncols + c];

	memset(out, 0, sizeof *out);
	switch (v->cols[c].agg) {
	case A_SUM:
		out->i = a->n;
		return a->any;
	case A_COUNT:
	case A_COUNTIF:
	case A_COUNTIF_EQ:
	case A_DISTINCT:
		out->i = a->n;
		return true;
	case A_AVG:
		if (a->n == 0)
			return false;
		out->d = a->sum / (double)a->n;
		return true;
	default:
		*out = a->v;
		return !a->v.null;
	}
}

/* page: times as seconds since the epoch (the charts' unit), else as
 * ISO 8601 text. */
static void
write_val(const struct report *r, enum ftype t, const struct val *x,
    bool page, struct writer *w)
{
	char buf[64];

	switch (t) {
	case FT_STRING:
		jw_string(w, r->strs.e[x->i].s, r->strs.e[x->i].len);
		break;
	case FT_DOUBLE:
		jw_double(w, x->d);
		break;
	case FT_BOOLEAN:
		jw_bool(w, x->i != 0);
		break;
	case FT_TIMESTAMP:
		if (page) {
			if (x->i % 1000000 == 0)
				jw_int(w, x->i / 1000000);
			else
				jw_double(w, (double)x->i / 1e6);
		} else
			jw_string(w, buf, iso_format(buf, x->i));
		break;
	case FT_DATE:
		jw_string(w, buf, iso_format_date(buf, (int32_t)x->i));
		break;
	default:
		jw_int(w, x->i);
	}
}

/* qsort_r's context: the view whose groups are sorted. */
struct sort_ctx {
	const struct report *r;
	const struct view *v;
};

static int
group_cmp(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *sc = arg;
	const struct view *v = sc->v;
	uint32_t ga = *(const uint32_t *)pa, gb = *(const uint32_t *)pb;

	for (size_t c = 0; c < v->nkeys; c++) {
		const struct val *a = &v->acc[ga * v->ncols + c].v;
		const struct val *b = &v->acc[gb * v->ncols + c].v;
		int cmp;

		if (a->null || b->null)
			cmp = b->null - a->null;
		else
			cmp = val_cmp(sc->r, vcol_type(sc->r, v, c), a, b);
		if (cmp != 0)
			return cmp;
	}
	return (ga > gb) - (ga < gb);
}

static uint32_t *
sorted_groups(const struct report *r, const struct view *v)
{
	uint32_t *order = xmalloc((v->groups.n + 1) * sizeof *order);
	struct sort_ctx sc = { r, v };

	for (size_t g = 0; g < v->groups.n; g++)
		order[g] = (uint32_t)g;
	qsort_r(order, v->groups.n, sizeof *order, group_cmp, &sc);
	return order;
}

uint64_t
report_print_view(const struct report *r, enum report_view k,
    struct writer *w)
{
	const struct view *v = &r->v[k];
	uint32_t *order = sorted_groups(r, v);
	struct val x;

	for (size_t i = 0; i < v->groups.n; i++) {
		bool first = true;

		for (size_t c = 0; c < v->ncols; c++) {
			if (!vcol_value(v, order[i], c, &x))
				continue;	/* a null is left out */
			jw_key(w, v->cols[c].name, strlen(v->cols[c].name),
			    first);
			first = false;
			write_val(r, vcol_type(r, v, c), &x, false, w);
		}
		writer_str(w, first ? "{}\n" : "}\n");
		if (writer_end_record(w) != 0)
			break;
	}
	free(order);
	return v->groups.n;
}

/* "columns":[...],"rows":[[...],...] of a view, nulls as null. */
static void
write_view_rows(const struct report *r, enum report_view k, struct writer *w)
{
	const struct view *v = &r->v[k];
	uint32_t *order = sorted_groups(r, v);
	struct val x;

	writer_str(w, "{\"columns\":[");
	for (size_t c = 0; c < v->ncols; c++) {
		if (c > 0)
			writer_char(w, ',');
		jw_string(w, v->cols[c].name, strlen(v->cols[c].name));
	}
	writer_str(w, "],\"rows\":[");
	for (size_t i = 0; i < v->groups.n; i++) {
		writer_str(w, i > 0 ? ",[" : "[");
		for (size_t c = 0; c < v->ncols; c++) {
			if (c > 0)
				writer_char(w, ',');
			if (vcol_value(v, order[i], c, &x))
				write_val(r, vcol_type(r, v, c), &x, true, w);
			else
				jw_null(w);
		}
		writer_char(w, ']');
	}
	writer_str(w, "]}");
	free(order);
}

/* A quantized value in decimal: 96083 with 3 places is 96.083. */
static void
write_scaled(struct writer *w, int32_t v, int places)
{
	char buf[32];
	int64_t a = v < 0 ? -(int64_t)v : v, p = 1;
	int n, len;

	if (v == P_NULL) {
		jw_null(w);
		return;
	}
	for (int i = 0; i < places; i++)
		p *= 10;
	len = snprintf(buf, sizeof buf, "%s%lld", v < 0 ? "-" : "",
	    (long long)(a / p));
	if (a % p != 0) {
		n = snprintf(buf + len, sizeof buf - len, ".%0*lld", places,
		    (long long)(a % p));
		len += n;
		while (buf[len - 1] == '0')
			len--;
	}
	writer_mem(w, buf, len);
}

static int
point_cmp(const void *pa, const void *pb)
{
	const struct point *a = pa, *b = pb;

	return (a->t > b->t) - (a->t < b->t);
}

static int
series_cmp(const void *pa, const void *pb, void *arg)
{
	const struct report *r = arg;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	struct val va = { .i = a }, vb = { .i = b };

	return val_cmp(r, FT_STRING, &va, &vb);
}

static void
write_time(struct writer *w, int64_t usec)
{
	if (usec % 1000000 == 0)
		jw_int(w, usec / 1000000);
	else
		jw_double(w, (double)usec / 1e6);
}

/* "trends":{"columns":[...],"series":[[id,[t...],[col...]...],...]}:
 * each patient's windows in time order, one array a column; the times
 * after the first are steps from the one before ("60" a minute), which
 * takes a fifth off a day's page. */
static void
write_trends(struct report *r, struct writer *w)
{
	uint32_t *ids = xmalloc((r->nseries + 1) * sizeof *ids);
	size_t n = 0;

	for (size_t i = 0; i < r->nseries; i++)
		if (r->series[i].n > 0) {
			ids[n++] = (uint32_t)i;
			/* Files come in path order, not time order. */
			qsort(r->series[i].p, r->series[i].n,
			    sizeof *r->series[i].p, point_cmp);
		}
	qsort_r(ids, n, sizeof *ids, series_cmp, r);
	writer_str(w, "{\"columns\":[\"window_start\"");
	for (size_t c = 0; c < NPOINT; c++) {
		writer_char(w, ',');
		jw_string(w, point_cols[c].name, strlen(point_cols[c].name));
	}
	writer_str(w, "],\"series\":[");
	for (size_t i = 0; i < n; i++) {
		const struct series *s = &r->series[ids[i]];

		writer_str(w, i > 0 ? ",[" : "[");
		jw_string(w, r->strs.e[ids[i]].s, r->strs.e[ids[i]].len);
		writer_str(w, ",[");
		for (size_t k = 0; k < s->n; k++) {
			if (k > 0)
				writer_char(w, ',');
			write_time(w, s->p[k].t - (k > 0 ? s->p[k - 1].t : 0));
		}
		writer_char(w, ']');
		for (size_t c = 0; c < NPOINT; c++) {
			writer_str(w, ",[");
			for (size_t k = 0; k < s->n; k++) {
				if (k > 0)
					writer_char(w, ',');
				write_scaled(w, s->p[k].v[c],
				    point_cols[c].scale);
			}
			writer_char(w, ']');
		}
		writer_char(w, ']');
	}
	writer_str(w, "]}");
	free(ids);
}

/* "alerts":{"columns":[...],"rows":[[...],...]}: the alerting windows,
 * newest first (the page orders them by risk). */
static int
alert_cmp(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb;

	return (a[0] < b[0]) - (a[0] > b[0]);
}

static void
write_alerts(struct report *r, struct writer *w)
{
	if (r->nalerts > 0)	/* qsort wants an array, even of none */
		qsort(r->alerts, r->nalerts, NALERT * sizeof *r->alerts,
		    alert_cmp);
	writer_str(w, "{\"columns\":[");
	for (size_t c = 0; c < NALERT; c++) {
		if (c > 0)
			writer_char(w, ',');
		jw_string(w, alert_cols[c], strlen(alert_cols[c]));
	}
	writer_str(w, "],\"rows\":[");
	for (size_t i = 0; i < r->nalerts; i++) {
		writer_str(w, i > 0 ? ",[" : "[");
		for (size_t c = 0; c < NALERT; c++) {
			double d = r->alerts[i * NALERT + c];
			enum ftype t = r->s->f[r->acol[c]].type;
			struct val x = { .i = (int64_t)d, .d = d };

			if (c > 0)
				writer_char(w, ',');
			if (isnan(d))
				jw_null(w);
			else
				write_val(r, t, &x, true, w);
		}
		writer_char(w, ']');
	}
	writer_str(w, "]}");
}

void
report_write_data(struct report *r, unsigned parts, struct writer *w)
{

	if (parts & REPORT_DATA_VIEWS) {
		writer_str(w, ",\"patient_risk_scores\":");
		write_view_rows(r, VIEW_PATIENT_RISK, w);
		writer_str(w, ",\"ward_alert_counts\":");
		write_view_rows(r, VIEW_WARD_ALERTS, w);
	}
	if (parts & REPORT_DATA_WINDOWS) {
		writer_str(w, ",\"trends\":");
		write_trends(r, w);
		writer_str(w, ",\"alerts\":");
		write_alerts(r, w);
	}
}
