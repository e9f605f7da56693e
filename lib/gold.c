#include "gold.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "isotime.h"
#include "jsonw.h"
#include "xalloc.h"

/* The numeric Silver columns a window summarises, in gold_reading order. */
static const char *const measure_names[GOLD_MEASURES] = {
	"heart_rate", "temperature", "spo2", "respiration_rate",
	"bp_systolic", "bp_diastolic", "mean_arterial_pressure",
	"shock_index", "anomaly_score"
};

enum { ST_MEAN, ST_MIN, ST_MAX, ST_COUNT };
static const char *const stat_suffix[ST_COUNT] = { "mean", "min", "max" };

/* Column indexes; a Gold one is -1 when the Gold schema lacks it. */
struct gold {
	const struct schema *silver, *gold;
	int s_patient, s_time, s_ward, s_news2, s_band, s_anomaly;
	int s_alert_flag, s_reason;
	int s_topic, s_partition, s_offset;
	int s_measure[GOLD_MEASURES];
	int s_alert[ALERT_COUNT];
	int g_patient, g_ward, g_start, g_end, g_date, g_readings;
	int g_news2, g_band, g_anomalous, g_anomaly;
	int g_alerting, g_alert_flag, g_reason;
	int g_topic, g_partition, g_through;
	int g_stat[GOLD_MEASURES][ST_COUNT];
	int g_alert[ALERT_COUNT];
};

/*
 * One measure over a window; n == 0 means no value yet.  The sum is kept
 * in whole millionths: integers that a double holds exactly (up to 2^53,
 * some nine billion units), so it is the same whatever order the readings
 * arrived in, and so is the mean.
 */
struct stat {
	uint32_t n;
	double sum, min, max;
};

#define MICRO	1e6

/* x in whole millionths.  round() is a library call on the base x86-64
 * instruction set, nine times per reading; a cast is one instruction.
 * Beyond 2^53 millionths exactness is gone anyway. */
static inline double
millionths(double x)
{
	double y = x * MICRO;

	if (!(y > -9e15 && y < 9e15))
		return y;
	return (double)(int64_t)(y < 0 ? y - 0.5 : y + 0.5);
}

/*
 * A string a window keeps, of the reading with the latest event time (the
 * later arrival on a tie).  It is copied, as the reading's line is gone
 * when the window closes; short ones fit in buf, so most windows never
 * allocate.  All-zero bytes are none.
 */
struct latest {
	char *s;		/* NULL, buf, or heap */
	size_t len;
	int64_t time;
	char buf[32];
};

/*
 * A window's aggregate.  All-zero bytes are the empty aggregate, because
 * the window table hands out zeroed data.
 */
struct agg {
	uint64_t readings;
	struct stat m[GOLD_MEASURES];
	struct latest ward;
	uint32_t news2_n;
	int news2_max;
	int band;		/* worst rank + 1; 0: none seen */
	uint32_t alerts[ALERT_COUNT];
	uint32_t anomalous;
	uint32_t alerting;	/* readings with alert */
	uint32_t alert_known;	/* readings with alert true or false */
	struct latest reason;	/* of the latest alerting reading */
};

/* ---- the mapping ---- */

static int
gold_col(const struct gold *g, bool *covered, const char *name)
{
	int i = schema_find(g->gold, name, strlen(name));

	if (i >= 0)
		covered[i] = true;
	return i;
}

struct gold *
gold_new(const struct schema *silver, const struct schema *gs)
{
	struct gold *g = xcalloc(1, sizeof *g);
	bool *covered = xcalloc(gs->n, sizeof *covered);
	char name[64];

	g->silver = silver;
	g->gold = gs;
	g->s_patient = schema_need(silver, "patient_id");
	g->s_time = schema_need(silver, "event_time");
	g->s_ward = schema_need(silver, "ward");
	g->s_news2 = schema_need(silver, "news2_score");
	g->s_band = schema_need(silver, "news2_band");
	g->s_anomaly = schema_need(silver, "is_anomaly");
	g->s_alert_flag = schema_need(silver, "alert");
	g->s_reason = schema_need(silver, "alert_reason");
	g->s_topic = schema_need(silver, "topic");
	g->s_partition = schema_need(silver, "partition");
	g->s_offset = schema_need(silver, "offset");
	for (int m = 0; m < GOLD_MEASURES; m++) {
		g->s_measure[m] = schema_need(silver, measure_names[m]);
		for (int k = 0; k < ST_COUNT; k++) {
			snprintf(name, sizeof name, "%s_%s", measure_names[m],
			    stat_suffix[k]);
			g->g_stat[m][k] = gold_col(g, covered, name);
		}
	}
	for (int a = 0; a < ALERT_COUNT; a++) {
		snprintf(name, sizeof name, "alert_%s", alert_name(a));
		g->s_alert[a] = schema_need(silver, name);
		snprintf(name, sizeof name, "alert_%s_count", alert_name(a));
		g->g_alert[a] = gold_col(g, covered, name);
	}
	g->g_patient = gold_col(g, covered, "patient_id");
	g->g_ward = gold_col(g, covered, "ward");
	g->g_start = gold_col(g, covered, "window_start");
	g->g_end = gold_col(g, covered, "window_end");
	g->g_date = gold_col(g, covered, "event_date");
	g->g_readings = gold_col(g, covered, "readings");
	g->g_news2 = gold_col(g, covered, "news2_score_max");
	g->g_band = gold_col(g, covered, "news2_band");
	g->g_anomalous = gold_col(g, covered, "anomalous_readings");
	g->g_anomaly = gold_col(g, covered, "is_anomaly");
	g->g_alerting = gold_col(g, covered, "alerting_readings");
	g->g_alert_flag = gold_col(g, covered, "alert");
	g->g_reason = gold_col(g, covered, "alert_reason");
	g->g_topic = gold_col(g, covered, "topic");
	g->g_partition = gold_col(g, covered, "partition");
	g->g_through = gold_col(g, covered, "through_offset");
	/* A Gold column nothing fills would be null in every row: that is
	 * a mistake in the schema or here, not something to run with. */
	for (size_t i = 0; i < gs->n; i++)
		if (!covered[i])
			cli_die(EXIT_FAIL, "gold schema column '%s' has no "
			    "source in the aggregation", gs->f[i].name);
	if (g->g_patient < 0 || g->g_start < 0 || g->g_end < 0)
		cli_die(EXIT_FAIL, "gold schema lacks patient_id, "
		    "window_start or window_end");
	free(covered);
	return g;
}

void
gold_free(struct gold *g)
{
	free(g);
}

/* ---- reading Silver ---- */

static const char *
kind_name(int kind)
{
	switch (kind) {
	case JK_FALSE:
	case JK_TRUE:
		return "a boolean";
	case JK_INT:
		return "an integer";
	case JK_REAL:
		return "a real number";
	case JK_STRING:
		return "a string";
	default:
		return "an object or array";
	}
}

static int
wrong_type(const struct field *f, const struct jval *v, const char *want,
    const char **reason, char *detail)
{
	*reason = "bad_type";
	snprintf(detail, 160, "%s: expected %s, got %s", f->name, want,
	    kind_name(v->kind));
	return -1;
}

static bool
missing(const struct jval *v)
{
	return v->kind == JK_ABSENT || v->kind == JK_NULL;
}

/* A numeric column by its Silver type: 1 and *out, 0 when missing, -1
 * (reason set) when it is not a number of that type. */
static int
read_number(const struct field *f, const struct jval *v, double *out,
    const char **reason, char *detail)
{
	if (missing(v))
		return 0;
	if (f->type == FT_DOUBLE && v->kind == JK_REAL) {
		*out = v->d;
		return 1;
	}
	if (v->kind != JK_INT)
		return wrong_type(f, v, f->type == FT_DOUBLE ? "a number" :
		    "an integer", reason, detail);
	if (f->type == FT_INTEGER && (v->i < INT32_MIN || v->i > INT32_MAX)) {
		*reason = "bad_value";
		snprintf(detail, 160, "%s: %lld is out of integer range",
		    f->name, (long long)v->i);
		return -1;
	}
	*out = (double)v->i;
	return 1;
}

/* A boolean column: 1 true, 0 false or missing, -1 wrong type. */
static int
read_bool(const struct field *f, const struct jval *v, const char **reason,
    char *detail)
{
	if (missing(v) || v->kind == JK_FALSE)
		return 0;
	if (v->kind == JK_TRUE)
		return 1;
	return wrong_type(f, v, "a boolean", reason, detail);
}

static int
read_band(const struct field *f, const struct jval *v, int *rank,
    const char **reason, char *detail)
{
	const char *name;

	*rank = -1;
	if (missing(v))
		return 0;
	if (v->kind != JK_STRING)
		return wrong_type(f, v, "a string", reason, detail);
	for (int r = 0; (name = news2_band_name(r)) != NULL; r++) {
		if (strlen(name) == v->len && memcmp(name, v->s, v->len) == 0) {
			*rank = r;
			return 0;
		}
	}
	*reason = "bad_value";
	snprintf(detail, 160, "%s: \"%.*s\" is not a NEWS2 band", f->name,
	    v->len > 40 ? 40 : (int)v->len, v->s);
	return -1;
}

static int
read_keys(const struct gold *g, const struct record *r,
    struct gold_reading *rd, const char **reason, char *detail)
{
	const struct jval *id = &r->v[g->s_patient], *t = &r->v[g->s_time];
	const struct jval *ward = &r->v[g->s_ward];

	if (missing(id) || missing(t)) {
		*reason = "missing_field";
		snprintf(detail, 160, "no %s", missing(id) ? "patient_id" :
		    "event_time");
		return -1;
	}
	if (id->kind != JK_STRING)
		return wrong_type(&g->silver->f[g->s_patient], id, "a string",
		    reason, detail);
	if (id->len == 0) {
		*reason = "bad_patient_id";
		snprintf(detail, 160, "patient_id is empty");
		return -1;
	}
	if (t->kind != JK_STRING)
		return wrong_type(&g->silver->f[g->s_time], t, "a string",
		    reason, detail);
	if (iso_parse(t->s, t->len, &rd->event_time) != 0) {
		*reason = "bad_timestamp";
		snprintf(detail, 160, "event_time \"%.*s\" is not an ISO 8601 "
		    "time", t->len > 40 ? 40 : (int)t->len, t->s);
		return -1;
	}
	rd->patient_id = id->s;
	rd->id_len = id->len;
	rd->ward = NULL;
	rd->ward_len = 0;
	if (!missing(ward)) {
		if (ward->kind != JK_STRING)
			return wrong_type(&g->silver->f[g->s_ward], ward,
			    "a string", reason, detail);
		rd->ward = ward->s;
		rd->ward_len = ward->len;
	}
	return 0;
}

/* The Kafka position of a reading, when it has one. */
static int
read_position(const struct gold *g, const struct record *r,
    struct gold_reading *rd, const char **reason, char *detail)
{
	const struct jval *t = &r->v[g->s_topic];
	const struct jval *p = &r->v[g->s_partition], *o = &r->v[g->s_offset];

	rd->topic = NULL;
	rd->topic_len = 0;
	rd->partition = rd->offset = -1;
	if (!missing(t)) {
		if (t->kind != JK_STRING)
			return wrong_type(&g->silver->f[g->s_topic], t,
			    "a string", reason, detail);
		rd->topic = t->s;
		rd->topic_len = t->len;
	}
	if (missing(p) || missing(o))
		return 0;
	if (p->kind != JK_INT)
		return wrong_type(&g->silver->f[g->s_partition], p,
		    "an integer", reason, detail);
	if (o->kind != JK_INT)
		return wrong_type(&g->silver->f[g->s_offset], o,
		    "an integer", reason, detail);
	if (p->i < 0 || p->i > INT32_MAX || o->i < 0) {
		*reason = "bad_value";
		snprintf(detail, 160, "partition %lld, offset %lld: a Kafka "
		    "position is not negative", (long long)p->i,
		    (long long)o->i);
		return -1;
	}
	rd->partition = p->i;
	rd->offset = o->i;
	return 0;
}

int
gold_read(const struct gold *g, const struct record *r,
    struct gold_reading *rd, const char **reason, char *detail)
{
	const struct field *f = g->silver->f;
	const struct jval *v;
	double x;
	int rc;

	if (read_keys(g, r, rd, reason, detail) != 0)
		return -1;
	rd->present = 0;
	for (int m = 0; m < GOLD_MEASURES; m++) {
		int i = g->s_measure[m];
		if ((rc = read_number(&f[i], &r->v[i], &rd->measure[m], reason,
		    detail)) < 0)
			return -1;
		rd->present |= (unsigned)rc << m;
	}
	rc = read_number(&f[g->s_news2], &r->v[g->s_news2], &x, reason,
	    detail);
	if (rc < 0)
		return -1;
	rd->news2_score = rc > 0 ? (int)x : VITAL_NONE;
	if (read_band(&f[g->s_band], &r->v[g->s_band], &rd->news2_band,
	    reason, detail) != 0)
		return -1;
	rd->alerts = 0;
	for (int a = 0; a < ALERT_COUNT; a++) {
		int i = g->s_alert[a];
		if ((rc = read_bool(&f[i], &r->v[i], reason, detail)) < 0)
			return -1;
		rd->alerts |= (unsigned)rc << a;
	}
	rc = read_bool(&f[g->s_anomaly], &r->v[g->s_anomaly], reason, detail);
	if (rc < 0)
		return -1;
	rd->is_anomaly = rc > 0;
	rc = read_bool(&f[g->s_alert_flag], &r->v[g->s_alert_flag], reason,
	    detail);
	if (rc < 0)
		return -1;
	rd->alert = rc > 0;
	rd->alert_known = !missing(&r->v[g->s_alert_flag]);
	rd->alert_reason = NULL;
	rd->reason_len = 0;
	v = &r->v[g->s_reason];
	if (rd->alert && !missing(v)) {
		if (v->kind != JK_STRING)
			return wrong_type(&f[g->s_reason], v, "a string",
			    reason, detail);
		rd->alert_reason = v->s;
		rd->reason_len = v->len;
	}
	return read_position(g, r, rd, reason, detail);
}

/* ---- folding ---- */

size_t
gold_data_size(void)
{
	return sizeof(struct agg);
}

static void
latest_free(struct latest *l)
{
	if (l->s != NULL && l->s != l->buf)
		free(l->s);
	l->s = NULL;
}

void
gold_release(void *data)
{
	struct agg *a = data;

	latest_free(&a->ward);
	latest_free(&a->reason);
}

static void
latest_copy(struct latest *l, const char *s, size_t n)
{
	if (l->s != NULL && l->len == n && memcmp(l->s, s, n) == 0)
		return;
	latest_free(l);
	l->s = n < sizeof l->buf ? l->buf : xmalloc(n);
	memcpy(l->s, s, n);
	l->len = n;
}

/* Keeps s when it is of a reading at least as late as the one kept. */
static void
latest_offer(struct latest *l, const char *s, size_t n, int64_t t)
{
	if (s == NULL || (l->s != NULL && t < l->time))
		return;
	latest_copy(l, s, n);
	l->time = t;
}

void
gold_fold(void *data, const struct gold_reading *rd)
{
	struct agg *a = data;

	for (int m = 0; m < GOLD_MEASURES; m++) {
		struct stat *st = &a->m[m];
		double x = rd->measure[m];
		if (!(rd->present >> m & 1))
			continue;
		if (st->n == 0 || x < st->min)
			st->min = x;
		if (st->n == 0 || x > st->max)
			st->max = x;
		st->sum += millionths(x);
		st->n++;
	}
	latest_offer(&a->ward, rd->ward, rd->ward_len, rd->event_time);
	if (rd->news2_score != VITAL_NONE) {
		if (a->news2_n == 0 || rd->news2_score > a->news2_max)
			a->news2_max = rd->news2_score;
		a->news2_n++;
	}
	if (rd->news2_band + 1 > a->band)
		a->band = rd->news2_band + 1;
	for (int i = 0; i < ALERT_COUNT; i++)
		a->alerts[i] += rd->alerts >> i & 1;
	a->anomalous += rd->is_anomaly;
	a->alerting += rd->alert;
	a->alert_known += rd->alert_known;
	if (rd->alert)
		latest_offer(&a->reason, rd->alert_reason, rd->reason_len,
		    rd->event_time);
	a->readings++;
}

size_t
gold_source_key(char *buf, const char *topic, size_t topic_len,
    int64_t partition)
{
	size_t n = topic_len > 256 ? 256 : topic_len;

	if (n > 0)
		memcpy(buf, topic, n);
	return n + (size_t)snprintf(buf + n, GOLD_SOURCE_KEY - n, "%c%lld",
	    '\0', (long long)partition);
}

uint32_t
gold_source(struct gold_sources *s, const char *topic, size_t topic_len,
    int64_t partition, bool *added)
{
	char key[GOLD_SOURCE_KEY];
	const struct gold_position *last;
	struct gold_position *p;
	size_t n = topic_len > 256 ? 256 : topic_len;
	uint32_t k;

	*added = false;
	if (s->keys.n > 0) {
		last = &s->pos[s->last];
		if (last->partition == partition && last->topic_len == n &&
		    (last->topic == NULL) == (topic == NULL) &&
		    (n == 0 || memcmp(last->topic, topic, n) == 0))
			return s->last;
	}
	k = strindex_add(&s->keys, key, gold_source_key(key, topic, n,
	    partition), added);
	if (*added) {
		xgrow(&s->pos, &s->cap, (size_t)k + 1, sizeof *s->pos);
		p = &s->pos[k];
		p->topic = topic == NULL ? NULL : s->keys.e[k].s;
		p->topic_len = n;
		p->partition = partition;
		p->through_offset = -1;
	}
	s->last = k;
	return k;
}

void
gold_sources_free(struct gold_sources *s)
{
	strindex_free(&s->keys);
	free(s->pos);
	memset(s, 0, sizeof *s);
}

/* ---- saving an aggregate ---- */

/* A struct latest in the saved form: the string or null. */
static void
save_latest(struct writer *w, const struct latest *l)
{
	if (l->s != NULL)
		jw_string(w, l->s, l->len);
	else
		jw_null(w);
}

/* ... and back, with its time; -1 when they are not a string or null and
 * an integer. */
static int
load_latest(struct latest *l, json_t *s, json_t *t)
{
	if (!json_is_integer(t))
		return -1;
	if (json_is_string(s))
		latest_copy(l, json_string_value(s), json_string_length(s));
	else if (!json_is_null(s))
		return -1;
	l->time = json_integer_value(t);
	return 0;
}

void
gold_save(const void *data, struct writer *w)
{
	const struct agg *a = data;

	writer_str(w, "{\"readings\":");
	jw_int(w, (int64_t)a->readings);
	writer_str(w, ",\"measures\":[");
	for (int m = 0; m < GOLD_MEASURES; m++) {
		const struct stat *st = &a->m[m];
		writer_str(w, m ? ",[" : "[");
		jw_int(w, st->n);
		writer_char(w, ',');
		jw_double(w, st->sum);
		writer_char(w, ',');
		jw_double(w, st->min);
		writer_char(w, ',');
		jw_double(w, st->max);
		writer_char(w, ']');
	}
	writer_str(w, "],\"ward\":");
	save_latest(w, &a->ward);
	writer_str(w, ",\"ward_time\":");
	jw_int(w, a->ward.time);
	writer_str(w, ",\"news2\":[");
	jw_int(w, a->news2_n);
	writer_char(w, ',');
	jw_int(w, a->news2_max);
	writer_str(w, "],\"band\":");
	jw_int(w, a->band);
	writer_str(w, ",\"alerts\":[");
	for (int i = 0; i < ALERT_COUNT; i++) {
		if (i > 0)
			writer_char(w, ',');
		jw_int(w, a->alerts[i]);
	}
	writer_str(w, "],\"anomalous\":");
	jw_int(w, a->anomalous);
	writer_str(w, ",\"alerting\":");
	jw_int(w, a->alerting);
	writer_str(w, ",\"alert_known\":");
	jw_int(w, a->alert_known);
	writer_str(w, ",\"alert_reason\":");
	save_latest(w, &a->reason);
	writer_str(w, ",\"alert_reason_time\":");
	jw_int(w, a->reason.time);
	writer_char(w, '}');
}

/* A count of the saved form: a JSON integer in [0, max]. */
static int
load_count(json_t *v, int64_t max, int64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

int
gold_load(void *data, json_t *o)
{
	struct agg *a = data;
	json_t *ms = json_object_get(o, "measures");
	json_t *al = json_object_get(o, "alerts");
	json_t *n2 = json_object_get(o, "news2");
	json_t *ward = json_object_get(o, "ward");
	json_t *wt = json_object_get(o, "ward_time");
	json_t *alerting = json_object_get(o, "alerting");
	int64_t x;

	if (load_count(json_object_get(o, "readings"), INT64_MAX, &x) != 0 ||
	    x == 0)
		return -1;
	a->readings = (uint64_t)x;
	if (json_array_size(ms) != GOLD_MEASURES ||
	    json_array_size(al) != ALERT_COUNT || json_array_size(n2) != 2)
		return -1;
	for (int m = 0; m < GOLD_MEASURES; m++) {
		json_t *st = json_array_get(ms, (size_t)m);
		if (json_array_size(st) != 4 || load_count(json_array_get(st,
		    0), UINT32_MAX, &x) != 0 ||
		    !json_is_number(json_array_get(st, 1)) ||
		    !json_is_number(json_array_get(st, 2)) ||
		    !json_is_number(json_array_get(st, 3)))
			return -1;
		a->m[m].n = (uint32_t)x;
		a->m[m].sum = json_number_value(json_array_get(st, 1));
		a->m[m].min = json_number_value(json_array_get(st, 2));
		a->m[m].max = json_number_value(json_array_get(st, 3));
	}
	if (load_latest(&a->ward, ward, wt) != 0)
		return -1;
	if (load_count(json_array_get(n2, 0), UINT32_MAX, &x) != 0)
		return -1;
	a->news2_n = (uint32_t)x;
	if (!json_is_integer(json_array_get(n2, 1)))
		return -1;
	a->news2_max = (int)json_integer_value(json_array_get(n2, 1));
	if (load_count(json_object_get(o, "band"), 4, &x) != 0)
		return -1;
	a->band = (int)x;
	for (int i = 0; i < ALERT_COUNT; i++) {
		if (load_count(json_array_get(al, (size_t)i), UINT32_MAX,
		    &x) != 0)
			return -1;
		a->alerts[i] = (uint32_t)x;
	}
	if (load_count(json_object_get(o, "anomalous"), UINT32_MAX, &x) != 0)
		return -1;
	a->anomalous = (uint32_t)x;
	/* State saved before Silver had alerts has none of them. */
	if (alerting == NULL)
		return 0;
	if (load_count(alerting, UINT32_MAX, &x) != 0)
		return -1;
	a->alerting = (uint32_t)x;
	if (load_count(json_object_get(o, "alert_known"), UINT32_MAX, &x) != 0)
		return -1;
	a->alert_known = (uint32_t)x;
	return load_latest(&a->reason, json_object_get(o, "alert_reason"),
	    json_object_get(o, "alert_reason_time"));
}

/* ---- writing Gold ---- */

/* Sets a number as the Gold column types it. */
static void
set_number(const struct gold *g, struct record *out, int col, double x)
{
	enum ftype t = g->gold->f[col].type;

	if (t == FT_INTEGER || t == FT_LONG)
		rec_set_int(out, col, (int64_t)llround(x));
	else
		rec_set_real(out, col, x);
}

static void
set_stat(const struct gold *g, struct record *out, int m,
    const struct stat *st)
{
	double v[ST_COUNT];

	if (st->n > 0) {
		v[ST_MEAN] = round(st->sum / ((double)st->n * MICRO / 1000)) /
		    1000;
		v[ST_MIN] = st->min;
		v[ST_MAX] = st->max;
	}
	for (int k = 0; k < ST_COUNT; k++) {
		int col = g->g_stat[m][k];
		if (col < 0)
			continue;
		if (st->n > 0)
			set_number(g, out, col, v[k]);
		else
			rec_set_null(out, col);
	}
}

/* Sets column col (when the schema has it) to an integer. */
static void
set_count(struct record *out, int col, uint64_t n)
{
	if (col >= 0)
		rec_set_int(out, col, (int64_t)n);
}

/* Sets column col (when the schema has it) to s[0..len), or null when s
 * is NULL. */
static void
set_string(struct record *out, int col, const char *s, size_t len)
{
	if (col < 0)
		return;
	if (s != NULL)
		rec_set_str(out, col, s, len);
	else
		rec_set_null(out, col);
}

/* The position columns: null where unknown. */
static void
set_position(const struct gold *g, const struct gold_position *pos,
    struct record *out)
{
	bool known = pos != NULL && pos->partition >= 0;

	if (g->g_topic >= 0) {
		if (known && pos->topic != NULL)
			rec_set_str(out, g->g_topic, pos->topic,
			    pos->topic_len);
		else
			rec_set_null(out, g->g_topic);
	}
	if (g->g_partition >= 0) {
		if (known)
			rec_set_int(out, g->g_partition, pos->partition);
		else
			rec_set_null(out, g->g_partition);
	}
	if (g->g_through >= 0) {
		if (known && pos->through_offset >= 0)
			rec_set_int(out, g->g_through, pos->through_offset);
		else
			rec_set_null(out, g->g_through);
	}
}

void
gold_row(const struct gold *g, const struct window *w,
    const struct gold_position *pos, struct record *out)
{
	const struct agg *a = w->data;
	const char *band = news2_band_name(a->band - 1);

	record_clear(out);
	rec_set_str(out, g->g_patient, w->patient_id, w->id_len);
	rec_set_time(out, g->g_start, w->start);
	rec_set_time(out, g->g_end, w->end);
	if (g->g_date >= 0)
		rec_set_date(out, g->g_date, usec_to_days(w->start));
	set_string(out, g->g_ward, a->ward.s, a->ward.len);
	set_count(out, g->g_readings, a->readings);
	for (int m = 0; m < GOLD_MEASURES; m++)
		set_stat(g, out, m, &a->m[m]);
	if (g->g_news2 >= 0) {
		if (a->news2_n > 0)
			rec_set_int(out, g->g_news2, a->news2_max);
		else
			rec_set_null(out, g->g_news2);
	}
	set_string(out, g->g_band, band, band != NULL ? strlen(band) : 0);
	for (int i = 0; i < ALERT_COUNT; i++)
		set_count(out, g->g_alert[i], a->alerts[i]);
	set_count(out, g->g_anomalous, a->anomalous);
	if (g->g_anomaly >= 0)
		rec_set_bool(out, g->g_anomaly, a->anomalous > 0);
	/* Unknown, not false, where no reading said (Silver scored by an
	 * iforest-score that did not write alerts, or not scored). */
	if (g->g_alerting >= 0) {
		if (a->alert_known > 0)
			set_count(out, g->g_alerting, a->alerting);
		else
			rec_set_null(out, g->g_alerting);
	}
	if (g->g_alert_flag >= 0) {
		if (a->alert_known > 0)
			rec_set_bool(out, g->g_alert_flag, a->alerting > 0);
		else
			rec_set_null(out, g->g_alert_flag);
	}
	set_string(out, g->g_reason, a->reason.s, a->reason.len);
	set_position(g, pos, out);
}
