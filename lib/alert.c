/*
 * alert: the persistence rule and the reasons; see alert.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "cli.h"
#include "featurize.h"

#define SECOND INT64_C(1000000)

_Static_assert(NVITALS_ALERT == NVITALS, "alert.h's NVITALS_ALERT");

/* The parameters Silver carries NEWS2 points of, and their vitals. */
static const struct {
	const char *field;
	enum vital v;
} news2_params[] = {
	{ "news2_respiration", V_RESPIRATION_RATE },
	{ "news2_spo2", V_SPO2 },
	{ "news2_systolic", V_BP_SYSTOLIC },
	{ "news2_heart_rate", V_HEART_RATE },
	{ "news2_temperature", V_TEMPERATURE },
};
#define NPARAMS (sizeof news2_params / sizeof news2_params[0])

void
alert_rule_init(struct alert_rule *r)
{
	r->persistence = 0;
	r->persistence_time = 20 * SECOND;
	r->news2_persistence = 0;
	r->news2_persistence_time = 5 * 60 * SECOND;
	r->news2_gate = 0.55;
}

bool
alert_news2_urgent(int news2, bool red)
{
	return news2 >= 5 || red;
}

unsigned
alert_step(const struct alert_rule *r, struct alert_run *run,
    const struct alert_input *in)
{
	struct alert_run copy;
	int need[NDETECTORS] = { r->persistence, r->news2_persistence,
	    r->news2_persistence };
	int64_t need_time[NDETECTORS] = { r->persistence_time,
	    r->news2_persistence_time, r->news2_persistence_time };
	bool urgent = alert_news2_urgent(in->news2, in->news2_red);
	bool flag[NDETECTORS] = { in->is_anomaly, urgent,
	    urgent && in->above_gate };
	unsigned fired = 0;
	int64_t dt;

	if (run->started && in->t < run->last_t) {
		copy = *run;
		run = &copy;
	}
	dt = run->started ? in->t - run->last_t : 0;
	for (int d = 0; d < NDETECTORS; d++) {
		run->run[d] = flag[d] ? run->run[d] + 1 : 0;
		run->covered[d] = flag[d] ? run->covered[d] + dt : 0;
		if (flag[d] && (need[d] > 0 ? run->run[d] >= need[d] :
		    run->covered[d] >= need_time[d]))
			fired |= 1u << d;
	}
	if (fired & (1u << DET_COMBINED))
		fired |= ALERT_GATED_NEWS2;
	if (fired & (1u << DET_IFOREST))
		fired |= 1u << DET_COMBINED;
	run->started = true;
	run->last_t = in->t;
	return fired;
}

void
news2_fields_init(struct news2_fields *nf, const struct schema *s)
{
	nf->total = schema_need(s, "news2_score");
	for (int v = 0; v < NVITALS; v++)
		nf->points[v] = -1;
	for (size_t i = 0; i < NPARAMS; i++)
		nf->points[news2_params[i].v] = schema_need(s,
		    news2_params[i].field);
}

int
news2_fields_get(const struct news2_fields *nf, const struct record *r,
    bool *red, int *points)
{
	const struct jval *t = &r->v[nf->total];

	*red = false;
	for (int v = 0; v < NVITALS; v++) {
		const struct jval *p = nf->points[v] < 0 ? NULL :
		    &r->v[nf->points[v]];
		int n = p != NULL && p->kind == JK_INT ? (int)p->i : -1;
		*red |= n == 3;
		if (points != NULL)
			points[v] = n;
	}
	return t->kind == JK_INT ? (int)t->i : -1;
}

/* A bare count of readings into *count, or the time they cover into
 * *usec with *count 0. */
static int
parse_persistence(const char *s, int *count, int64_t *usec)
{
	long long n;
	int64_t t;

	if (cli_parse_int(s, 1, 100000, &n) == 0) {
		*count = (int)n;
		return 0;
	}
	if (cli_parse_duration(s, &t) != 0 || t <= 0)
		return -1;
	*count = 0;
	*usec = t;
	return 0;
}

int
alert_rule_option(struct alert_rule *r, const char *name, const char *arg,
    const char **expected)
{
	if (strcmp(name, "persistence") == 0) {
		*expected = "a count of readings (4) or the time they cover "
		    "(20s)";
		return parse_persistence(arg, &r->persistence,
		    &r->persistence_time);
	}
	if (strcmp(name, "news2-persistence") == 0) {
		*expected = "a count of readings (60) or the time they cover "
		    "(5m)";
		return parse_persistence(arg, &r->news2_persistence,
		    &r->news2_persistence_time);
	}
	*expected = "a score from 0 (no gate) to 1";
	if (strcmp(name, "news2-gate") != 0)
		return -1;
	return cli_parse_double(arg, 0, 1, &r->news2_gate);
}

void
alert_persistence_text(char *buf, size_t len, int count, int64_t usec)
{
	if (count > 0)
		snprintf(buf, len, "%d readings", count);
	else
		snprintf(buf, len, "%g s", (double)usec / 1e6);
}

/* Appends to buf[*at..len), keeping it NUL-terminated and *at at most
 * len - 1. */
static void
put(char *buf, size_t len, size_t *at, const char *s)
{
	size_t n = strlen(s);

	if (*at + 1 >= len)
		return;
	if (n > len - 1 - *at)
		n = len - 1 - *at;
	memcpy(buf + *at, s, n);
	*at += n;
	buf[*at] = '\0';
}

/* The forest's part: the vitals most off, by z or trend_z. */
static void
forest_reason(char *buf, size_t len, size_t *at, const double *z,
    const double *trend_z)
{
	double how[NVITALS];
	const char *word[NVITALS];
	bool used[NVITALS] = { false };

	for (int v = 0; v < NVITALS; v++) {
		double a = isnan(z[v]) ? -1 : fabs(z[v]);
		double b = isnan(trend_z[v]) ? -1 : fabs(trend_z[v]);
		how[v] = a >= b ? a : b;
		word[v] = a >= b ? (z[v] > 0 ? "high" : "low") :
		    (trend_z[v] > 0 ? "rising" : "falling");
	}
	put(buf, len, at, "iforest:");
	for (int k = 0; k < 3; k++) {
		int best = -1;
		for (int v = 0; v < NVITALS; v++)
			if (!used[v] && how[v] >= 0 &&
			    (best < 0 || how[v] > how[best]))
				best = v;
		if (best < 0 || (k > 0 && how[best] < 2))
			break;
		used[best] = true;
		put(buf, len, at, k ? ", " : " ");
		put(buf, len, at, vital_field((enum vital)best));
		put(buf, len, at, " ");
		put(buf, len, at, word[best]);
	}
}

/* The NEWS2 part: the total, then the parameters scoring 2 or 3. */
static void
news2_reason(char *buf, size_t len, size_t *at, int news2, const int *points)
{
	char num[32];
	int k = 0;

	snprintf(num, sizeof num, "news2 %d:", news2);
	put(buf, len, at, num);
	for (int p = 3; p >= 2; p--)
		for (int v = 0; v < NVITALS; v++) {
			if (points[v] != p)
				continue;
			put(buf, len, at, k++ ? ", " : " ");
			put(buf, len, at, vital_field((enum vital)v));
			snprintf(num, sizeof num, " %d", p);
			put(buf, len, at, num);
		}
}

size_t
alert_reason(char *buf, size_t len, unsigned fired, const double *z,
    const double *trend_z, int news2, const int *points)
{
	size_t at = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (fired & (1u << DET_IFOREST))
		forest_reason(buf, len, &at, z, trend_z);
	if (fired & ALERT_GATED_NEWS2) {
		if (at > 0)
			put(buf, len, &at, "; ");
		news2_reason(buf, len, &at, news2, points);
	}
	return at;
}
