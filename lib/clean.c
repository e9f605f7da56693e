#include "clean.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dedup.h"
#include "hash.h"
#include "isotime.h"
#include "jsonw.h"
#include "vitals.h"
#include "xalloc.h"

/* Slots of the input schema (reading + Bronze envelope) we read. */
struct in_fields {
	int patient_id, device_id, ward, timestamp, heart_rate, temperature,
	    spo2, respiration_rate, blood_pressure, truth;
	int topic, partition, offset, value, value_base64, kafka_timestamp;
};

/* Slots of the Silver schema we write. */
struct out_fields {
	int patient_id, device_id, ward, event_time, event_date, heart_rate,
	    temperature, spo2, respiration_rate, bp_systolic, bp_diastolic,
	    map, pulse_pressure, shock_index, news2_score, news2_band,
	    news2_respiration, news2_spo2, news2_spo2_scale, news2_systolic,
	    news2_heart_rate,
	    news2_temperature, news2_partial, alert[ALERT_COUNT],
	    quality_flags, age, sex, conditions, topic, partition, offset,
	    kafka_timestamp, truth;
};

struct cleaner {
	struct clean_options opt;
	struct schema *in_schema, *silver;
	struct record *in, *value, *out;
	struct in_fields fi;
	struct out_fields fo;
	struct dedup *dedup;
	uint64_t unknown;
	char flags[160];	/* quality_flags text */
	size_t flags_len;
	char idbuf[3][24];	/* integer ids coerced to text */
};

void
clean_options_init(struct clean_options *o)
{
	memset(o, 0, sizeof *o);
	o->max_future = 5 * 60 * USEC_PER_SEC;
	o->min_time = days_from_civil(2000, 1, 1) * USEC_PER_DAY;
	o->dedup_capacity = 1u << 20;
	o->dedup_window = 10 * 60 * USEC_PER_SEC;
}

static struct schema *
load(const char *name)
{
	char err[256];
	struct schema *s = schema_load(name, err, sizeof err);

	if (s == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	return s;
}

struct cleaner *
cleaner_new(const struct clean_options *o)
{
	struct cleaner *c = xcalloc(1, sizeof *c);
	struct schema *reading = load("reading"), *bronze = load("bronze");
	const struct schema *s;

	c->opt = *o;
	c->in_schema = schema_merge(reading, bronze);
	schema_free(reading);
	schema_free(bronze);
	c->silver = load("silver");
	c->in = record_new(c->in_schema);
	c->value = record_new(c->in_schema);
	c->out = record_new(c->silver);
	c->dedup = dedup_new(o->dedup_capacity, o->dedup_window);

	s = c->in_schema;
	c->fi.patient_id = schema_need(s, "patient_id");
	c->fi.device_id = schema_need(s, "device_id");
	c->fi.ward = schema_need(s, "ward");
	c->fi.timestamp = schema_need(s, "timestamp");
	c->fi.heart_rate = schema_need(s, "heart_rate");
	c->fi.temperature = schema_need(s, "temperature");
	c->fi.spo2 = schema_need(s, "spo2");
	c->fi.respiration_rate = schema_need(s, "respiration_rate");
	c->fi.blood_pressure = schema_need(s, "blood_pressure");
	c->fi.truth = schema_need(s, "truth");
	c->fi.topic = schema_need(s, "topic");
	c->fi.partition = schema_need(s, "partition");
	c->fi.offset = schema_need(s, "offset");
	c->fi.value = schema_need(s, "value");
	c->fi.value_base64 = schema_need(s, "value_base64");
	c->fi.kafka_timestamp = schema_need(s, "kafka_timestamp");

	s = c->silver;
	c->fo.patient_id = schema_need(s, "patient_id");
	c->fo.device_id = schema_need(s, "device_id");
	c->fo.ward = schema_need(s, "ward");
	c->fo.event_time = schema_need(s, "event_time");
	c->fo.event_date = schema_need(s, "event_date");
	c->fo.heart_rate = schema_need(s, "heart_rate");
	c->fo.temperature = schema_need(s, "temperature");
	c->fo.spo2 = schema_need(s, "spo2");
	c->fo.respiration_rate = schema_need(s, "respiration_rate");
	c->fo.bp_systolic = schema_need(s, "bp_systolic");
	c->fo.bp_diastolic = schema_need(s, "bp_diastolic");
	c->fo.map = schema_need(s, "mean_arterial_pressure");
	c->fo.pulse_pressure = schema_need(s, "pulse_pressure");
	c->fo.shock_index = schema_need(s, "shock_index");
	c->fo.news2_score = schema_need(s, "news2_score");
	c->fo.news2_band = schema_need(s, "news2_band");
	c->fo.news2_respiration = schema_need(s, "news2_respiration");
	c->fo.news2_spo2 = schema_need(s, "news2_spo2");
	c->fo.news2_spo2_scale = schema_need(s, "news2_spo2_scale");
	c->fo.news2_systolic = schema_need(s, "news2_systolic");
	c->fo.news2_heart_rate = schema_need(s, "news2_heart_rate");
	c->fo.news2_temperature = schema_need(s, "news2_temperature");
	c->fo.news2_partial = schema_need(s, "news2_partial");
	for (int a = 0; a < ALERT_COUNT; a++) {
		char name[40];
		snprintf(name, sizeof name, "alert_%s", alert_name(a));
		c->fo.alert[a] = schema_need(s, name);
	}
	c->fo.quality_flags = schema_need(s, "quality_flags");
	c->fo.age = schema_need(s, "age");
	c->fo.sex = schema_need(s, "sex");
	c->fo.conditions = schema_need(s, "conditions");
	c->fo.topic = schema_need(s, "topic");
	c->fo.partition = schema_need(s, "partition");
	c->fo.offset = schema_need(s, "offset");
	c->fo.kafka_timestamp = schema_need(s, "kafka_timestamp");
	c->fo.truth = schema_need(s, "truth");
	return c;
}

void
cleaner_set_roster(struct cleaner *c, const struct roster *r)
{
	c->opt.roster = r;
}

void
cleaner_free(struct cleaner *c)
{
	if (c == NULL)
		return;
	record_free(c->in);
	record_free(c->value);
	record_free(c->out);
	schema_free(c->in_schema);
	schema_free(c->silver);
	dedup_free(c->dedup);
	free(c);
}

const struct schema *
cleaner_schema(const struct cleaner *c)
{
	return c->silver;
}

uint64_t
cleaner_unknown_fields(const struct cleaner *c)
{
	return c->unknown;
}

/* ---- reading typed values out of lexical slots ---- */

enum got { GOT_NONE, GOT_OK, GOT_BAD };

static bool
numeric_text(const struct jval *v, double *out)
{
	char buf[48], *end;

	if (v->len == 0 || v->len >= sizeof buf)
		return false;
	memcpy(buf, v->s, v->len);
	buf[v->len] = '\0';
	/* Plain decimal only: no hex, inf, nan or surrounding space. */
	if (strspn(buf, "0123456789.-+eE") != v->len)
		return false;
	errno = 0;
	*out = strtod(buf, &end);
	return *end == '\0' && errno == 0 && isfinite(*out);
}

static enum got
get_int(const struct jval *v, int *out)
{
	double d;

	switch (v->kind) {
	case JK_ABSENT:
	case JK_NULL:
		return GOT_NONE;
	case JK_INT:
		if (v->i < -1000000 || v->i > 1000000)
			return GOT_BAD;
		*out = (int)v->i;
		return GOT_OK;
	case JK_REAL:
		d = v->d;
		break;
	case JK_STRING:
		if (!numeric_text(v, &d))
			return GOT_BAD;
		break;
	default:
		return GOT_BAD;
	}
	/* 88.0 is 88; 88.5 is not an integer reading and we don't guess. */
	if (d != floor(d) || d < -1000000 || d > 1000000)
		return GOT_BAD;
	*out = (int)d;
	return GOT_OK;
}

static enum got
get_real(const struct jval *v, double *out)
{
	switch (v->kind) {
	case JK_ABSENT:
	case JK_NULL:
		return GOT_NONE;
	case JK_INT:
		*out = (double)v->i;
		return GOT_OK;
	case JK_REAL:
		*out = v->d;
		return isfinite(*out) ? GOT_OK : GOT_BAD;
	case JK_STRING:
		return numeric_text(v, out) ? GOT_OK : GOT_BAD;
	default:
		return GOT_BAD;
	}
}

/* A string, or an integer written as text (ids are sometimes numbers). */
static enum got
get_text(const struct jval *v, char *numbuf, const char **s, size_t *len)
{
	switch (v->kind) {
	case JK_ABSENT:
	case JK_NULL:
		return GOT_NONE;
	case JK_STRING:
		*s = v->s;
		*len = v->len;
		return GOT_OK;
	case JK_INT:
		*len = fmt_int(numbuf, v->i);
		*s = numbuf;
		return GOT_OK;
	default:
		return GOT_BAD;
	}
}

/* Temperature: a number, numeric text, or text with a unit ("98.6F",
 * "37.1 C").  *explicit_f is set when the text said Fahrenheit. */
static enum got
get_temperature(const struct jval *v, double *t, bool *explicit_f)
{
	*explicit_f = false;
	if (v->kind == JK_STRING && v->len > 1) {
		size_t n = v->len;
		char unit = v->s[n - 1];
		if (unit == 'F' || unit == 'f' || unit == 'C' || unit == 'c') {
			struct jval num = *v;
			num.len = (uint32_t)(n - 1);
			while (num.len > 0 && num.s[num.len - 1] == ' ')
				num.len--;
			if (!numeric_text(&num, t))
				return GOT_BAD;
			*explicit_f = unit == 'F' || unit == 'f';
			return GOT_OK;
		}
	}
	return get_real(v, t);
}

static bool
id_acceptable(const char *s, size_t len)
{
	if (len == 0 || len > 128)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return utf8_valid(s, len);
}

/* True if the comma-joined list names the condition. */
static bool
has_condition(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p != NULL && *p != '\0'; ) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && memcmp(p, name, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

static void
add_flag(struct cleaner *c, const char *flag)
{
	size_t n = strlen(flag);

	if (c->flags_len + n + 2 > sizeof c->flags)
		return;
	if (c->flags_len > 0)
		c->flags[c->flags_len++] = ',';
	memcpy(c->flags + c->flags_len, flag, n);
	c->flags_len += n;
}

static enum clean_status
reject(struct clean_result *res, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum clean_status
reject(struct clean_result *res, const char *reason, const char *fmt, ...)
{
	va_list ap;

	res->reason = reason;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof res->detail, fmt, ap);
	va_end(ap);
	return CLEAN_REJECT;
}

/* Blood pressure from "121/79", {"systolic":121,"diastolic":79}, or the
 * fields bp_systolic/bp_diastolic. */
static enum got
get_bp(const struct record *rd, const struct jval *bp, int *sys, int *dia)
{
	if (bp->kind == JK_STRING)
		return bp_parse(bp->s, bp->len, sys, dia) == 0 ? GOT_OK :
		    GOT_BAD;
	if (bp->kind == JK_RAW) {
		json_t *o = json_loadb(bp->s, bp->len, 0, NULL);
		json_t *s = json_object_get(o, "systolic");
		json_t *d = json_object_get(o, "diastolic");
		enum got g = GOT_BAD;
		if (json_is_integer(s) && json_is_integer(d) &&
		    json_integer_value(s) >= 0 && json_integer_value(s) < 1000 &&
		    json_integer_value(d) >= 0 && json_integer_value(d) < 1000) {
			*sys = (int)json_integer_value(s);
			*dia = (int)json_integer_value(d);
			g = GOT_OK;
		}
		json_decref(o);
		return g;
	}
	if (bp->kind != JK_ABSENT && bp->kind != JK_NULL)
		return GOT_BAD;
	/* Separate fields, as some gateways send them. */
	const struct jval *s = NULL, *d = NULL;
	for (size_t k = 0; k < rd->nextra; k++) {
		const struct rec_extra *e = &rd->extra[k];
		if (e->key_len == 11 && memcmp(e->key, "bp_systolic", 11) == 0)
			s = &e->v;
		else if (e->key_len == 12 &&
		    memcmp(e->key, "bp_diastolic", 12) == 0)
			d = &e->v;
	}
	if (s == NULL && d == NULL)
		return GOT_NONE;
	if (s == NULL || d == NULL || get_int(s, sys) != GOT_OK ||
	    get_int(d, dia) != GOT_OK)
		return GOT_BAD;
	return GOT_OK;
}

/* Extras that are not ignored: the separate blood pressure fields, which
 * get_bp reads. */
static size_t
unknown_extras(const struct record *rd)
{
	size_t n = 0;

	for (size_t k = 0; k < rd->nextra; k++) {
		const struct rec_extra *e = &rd->extra[k];
		n += !((e->key_len == 11 &&
		    memcmp(e->key, "bp_systolic", 11) == 0) ||
		    (e->key_len == 12 &&
		    memcmp(e->key, "bp_diastolic", 12) == 0));
	}
	return n;
}

/* Opens a Bronze envelope: checks its coordinates and scans its value. */
static enum clean_status
open_envelope(struct cleaner *c, struct clean_result *res,
    int64_t *kafka_ts, bool *has_kafka_ts)
{
	const struct jval *topic = &c->in->v[c->fi.topic];
	const struct jval *part = &c->in->v[c->fi.partition];
	const struct jval *off = &c->in->v[c->fi.offset];
	const struct jval *val = &c->in->v[c->fi.value];
	const struct jval *kts = &c->in->v[c->fi.kafka_timestamp];
	char err[160];

	if (topic->kind != JK_STRING || part->kind != JK_INT ||
	    off->kind != JK_INT || part->i < 0 || part->i > INT32_MAX ||
	    off->i < 0)
		return reject(res, "bad_envelope", "a Bronze envelope needs "
		    "topic (string), partition and offset (integers >= 0)");
	res->has_pos = true;
	res->pos.topic = topic->s;
	res->pos.topic_len = topic->len;
	res->pos.partition = part->i;
	res->pos.offset = off->i;
	*has_kafka_ts = false;
	if (kts->kind == JK_STRING) {
		if (iso_parse(kts->s, kts->len, kafka_ts) != 0)
			return reject(res, "bad_envelope",
			    "kafka_timestamp is not an ISO 8601 time");
		*has_kafka_ts = true;
	} else if (kts->kind == JK_INT) {
		/* Kafka's own unit: milliseconds since the epoch. */
		if (kts->i < 0 || kts->i > INT64_C(253402300799999))
			return reject(res, "bad_envelope",
			    "kafka_timestamp out of range");
		*kafka_ts = kts->i * 1000;
		*has_kafka_ts = true;
	} else if (kts->kind != JK_ABSENT && kts->kind != JK_NULL) {
		return reject(res, "bad_envelope",
		    "kafka_timestamp must be a time string or milliseconds");
	}
	if (c->in->v[c->fi.value_base64].kind == JK_STRING)
		return reject(res, "bad_utf8", "the message is not UTF-8 text "
		    "or holds a NUL byte (Bronze keeps its bytes in "
		    "value_base64)");
	if (val->kind != JK_STRING)
		return reject(res, "bad_envelope",
		    "value must be the reading as a JSON string");
	if (record_scan(c->value, val->s, val->len, err) != 0)
		return reject(res, "bad_json", "value: %s", err);
	return CLEAN_OUT;
}

enum clean_status
cleaner_run(struct cleaner *c, const char *line, size_t len,
    const struct record **out, struct clean_result *res)
{
	const struct in_fields *fi = &c->fi;
	const struct out_fields *fo = &c->fo;
	const struct record *rd = c->in;
	struct record *o = c->out;
	struct vitals v;
	struct news2 nw;
	const char *pid, *did = NULL, *ward = NULL, *why;
	size_t pid_len, did_len = 0, ward_len = 0;
	int64_t t, kafka_ts = 0, ref;
	bool has_kafka_ts = false, explicit_f;
	char err[160], buf[96];
	enum got g;

	res->reason = NULL;
	res->detail[0] = '\0';
	res->has_pos = false;
	if (record_scan(c->in, line, len, err) != 0)
		return reject(res, "bad_json", "%s", err);
	if (c->in->v[fi->value].kind != JK_ABSENT ||
	    c->in->v[fi->value_base64].kind != JK_ABSENT) {
		enum clean_status st = open_envelope(c, res, &kafka_ts,
		    &has_kafka_ts);
		if (st != CLEAN_OUT)
			return st;
		rd = c->value;
	}
	c->unknown += unknown_extras(rd);

	/* Identity and time: without them a reading means nothing. */
	g = get_text(&rd->v[fi->patient_id], c->idbuf[0], &pid, &pid_len);
	if (g == GOT_NONE)
		return reject(res, "missing_field", "no patient_id");
	if (g == GOT_BAD || !id_acceptable(pid, pid_len))
		return reject(res, "bad_patient_id", "patient_id must be text "
		    "of 1 to 128 characters without control characters");
	g = get_text(&rd->v[fi->device_id], c->idbuf[1], &did, &did_len);
	if (g == GOT_BAD || (g == GOT_OK && !id_acceptable(did, did_len)))
		return reject(res, "bad_type", "device_id must be text");
	g = get_text(&rd->v[fi->ward], c->idbuf[2], &ward, &ward_len);
	if (g == GOT_BAD || (g == GOT_OK && !id_acceptable(ward, ward_len)))
		return reject(res, "bad_type", "ward must be text");
	const struct jval *ts = &rd->v[fi->timestamp];
	if (ts->kind == JK_ABSENT || ts->kind == JK_NULL)
		return reject(res, "missing_field", "no timestamp");
	if (ts->kind != JK_STRING)
		return reject(res, "bad_type", "timestamp must be an ISO 8601 "
		    "string (a bare number could be seconds or milliseconds)");
	if (iso_parse(ts->s, ts->len, &t) != 0)
		return reject(res, "bad_timestamp", "timestamp is not an ISO "
		    "8601 date and time");
	if (t < c->opt.min_time)
		return reject(res, "implausible_timestamp", "timestamp before "
		    "the earliest accepted time (device clock reset?)");
	ref = has_kafka_ts ? kafka_ts : c->opt.now ? c->opt.now : now_usec();
	if (t > ref + c->opt.max_future)
		return reject(res, "future_timestamp", "timestamp more than "
		    "%lld s ahead of the %s", (long long)(c->opt.max_future /
		    USEC_PER_SEC), has_kafka_ts ? "Kafka timestamp" : "clock");

	/* The vitals, coerced only where the meaning is certain. */
	vitals_init(&v);
	c->flags_len = 0;
	if (get_int(&rd->v[fi->heart_rate], &v.heart_rate) == GOT_BAD)
		return reject(res, "bad_type", "heart_rate is not an integer in range");
	if (get_int(&rd->v[fi->respiration_rate], &v.respiration_rate) ==
	    GOT_BAD)
		return reject(res, "bad_type",
		    "respiration_rate is not an integer in range");
	if (get_real(&rd->v[fi->spo2], &v.spo2) == GOT_BAD)
		return reject(res, "bad_type", "spo2 is not a number");
	if (get_temperature(&rd->v[fi->temperature], &v.temperature,
	    &explicit_f) == GOT_BAD)
		return reject(res, "bad_type", "temperature is not a number");
	if (get_bp(rd, &rd->v[fi->blood_pressure], &v.bp_systolic,
	    &v.bp_diastolic) == GOT_BAD)
		return reject(res, "bad_type", "blood_pressure is not "
		    "\"systolic/diastolic\" or {\"systolic\",\"diastolic\"}");
	const struct jval *truth = &rd->v[fi->truth];
	if (truth->kind != JK_ABSENT && truth->kind != JK_NULL &&
	    !(truth->kind == JK_RAW && truth->s[0] == '{'))
		return reject(res, "bad_type", "truth must be an object or null");

	if (explicit_f) {
		v.temperature = round((v.temperature - 32) * 5 / 9 * 10) / 10;
		add_flag(c, "temperature_fahrenheit");
	} else if (temperature_from_fahrenheit(&v.temperature)) {
		add_flag(c, "temperature_fahrenheit");
	}
	/* Zero is a lead-off or an arrest: keep the reading, flag it. */
	if (v.heart_rate == 0) {
		v.heart_rate = VITAL_NONE;
		add_flag(c, "heart_rate_zero");
	}
	if (v.spo2 == 0) {
		v.spo2 = NAN;
		add_flag(c, "spo2_lead_off");
	}
	if ((why = vitals_implausible(&v, buf, sizeof buf)) != NULL)
		return reject(res, "implausible_value", "%s", why);

	/* Repeats: same patient, device and time. */
	uint64_t key = hash_bytes(pid, pid_len, 0);
	key = hash_bytes(did ? did : "", did_len, key);
	key = hash_bytes(&t, sizeof t, key);
	double vals[6] = { v.heart_rate, v.temperature, v.spo2,
	    v.respiration_rate, v.bp_systolic, v.bp_diastolic };
	uint64_t fp = hash_bytes(vals, sizeof vals, 0);
	switch (dedup_check(c->dedup, key, fp, t)) {
	case DEDUP_REPEAT:
		return CLEAN_DUPLICATE;
	case DEDUP_CONFLICT:
		return reject(res, "conflicting_duplicate", "same patient, "
		    "device and timestamp as an earlier reading, other values");
	case DEDUP_NEW:
		break;
	}

	/* Enrichment. */
	const struct roster_entry *re = c->opt.roster ?
	    roster_find(c->opt.roster, pid, pid_len) : NULL;
	record_clear(o);
	if (re != NULL) {
		v.age = re->age;
		v.spo2_scale2 = has_condition(re->conditions, "copd");
		if (ward == NULL && re->ward != NULL) {
			ward = re->ward;
			ward_len = strlen(ward);
		}
		if (re->age != VITAL_NONE)
			rec_set_int(o, fo->age, re->age);
		if (re->sex != NULL)
			rec_set_str(o, fo->sex, re->sex, strlen(re->sex));
		if (re->conditions != NULL)
			rec_set_str(o, fo->conditions, re->conditions,
			    strlen(re->conditions));
	}

	rec_set_str(o, fo->patient_id, pid, pid_len);
	if (did != NULL)
		rec_set_str(o, fo->device_id, did, did_len);
	if (ward != NULL)
		rec_set_str(o, fo->ward, ward, ward_len);
	rec_set_time(o, fo->event_time, t);
	rec_set_date(o, fo->event_date, usec_to_days(t));
	if (v.heart_rate != VITAL_NONE)
		rec_set_int(o, fo->heart_rate, v.heart_rate);
	if (!isnan(v.temperature))
		rec_set_real(o, fo->temperature, v.temperature);
	if (!isnan(v.spo2))
		rec_set_real(o, fo->spo2, v.spo2);
	if (v.respiration_rate != VITAL_NONE)
		rec_set_int(o, fo->respiration_rate, v.respiration_rate);
	if (v.bp_systolic != VITAL_NONE) {
		rec_set_int(o, fo->bp_systolic, v.bp_systolic);
		rec_set_int(o, fo->bp_diastolic, v.bp_diastolic);
		rec_set_real(o, fo->map,
		    mean_arterial_pressure(v.bp_systolic, v.bp_diastolic));
		rec_set_int(o, fo->pulse_pressure,
		    pulse_pressure(v.bp_systolic, v.bp_diastolic));
		if (v.heart_rate != VITAL_NONE)
			rec_set_real(o, fo->shock_index,
			    shock_index(v.heart_rate, v.bp_systolic));
	}

	news2_score(&v, &nw);
	if (nw.total != VITAL_NONE) {
		const char *band = news2_band(&nw);
		rec_set_int(o, fo->news2_score, nw.total);
		rec_set_str(o, fo->news2_band, band, strlen(band));
	}
	if (nw.respiration != VITAL_NONE)
		rec_set_int(o, fo->news2_respiration, nw.respiration);
	if (nw.spo2 != VITAL_NONE) {
		rec_set_int(o, fo->news2_spo2, nw.spo2);
		rec_set_int(o, fo->news2_spo2_scale, nw.spo2_scale);
	}
	if (nw.systolic != VITAL_NONE)
		rec_set_int(o, fo->news2_systolic, nw.systolic);
	if (nw.heart_rate != VITAL_NONE)
		rec_set_int(o, fo->news2_heart_rate, nw.heart_rate);
	if (nw.temperature != VITAL_NONE)
		rec_set_int(o, fo->news2_temperature, nw.temperature);
	rec_set_bool(o, fo->news2_partial, nw.partial);
	unsigned alerts = alerts_evaluate(&v);
	for (int a = 0; a < ALERT_COUNT; a++)
		rec_set_bool(o, fo->alert[a], alerts & (1u << a));
	if (c->flags_len > 0)
		rec_set_str(o, fo->quality_flags, c->flags, c->flags_len);

	if (res->has_pos) {
		rec_set_str(o, fo->topic, res->pos.topic, res->pos.topic_len);
		rec_set_int(o, fo->partition, res->pos.partition);
		rec_set_int(o, fo->offset, res->pos.offset);
		if (has_kafka_ts)
			rec_set_time(o, fo->kafka_timestamp, kafka_ts);
	}
	if (truth->kind != JK_ABSENT)
		rec_set_val(o, fo->truth, truth);
	*out = o;
	return CLEAN_OUT;
}
