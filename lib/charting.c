/*
 * charting: each vital on its own schedule, with gaps (see charting.h).
 */
#include "charting.h"

#define MINUTE		(INT64_C(60) * 1000000)
#define DAY		(INT64_C(86400) * 1000000)
#define MISS_SCHEDULED	0.05
#define MISS_STREAMED	0.02
#define OFF_PER_DAY	3.0

/* When the next measurement of a schedule of period p is due after one
 * at t.  A vital is measured at the first reading at or after that time;
 * half an interval early, so that a period of one interval, jittered
 * late, does not skip a reading. */
static int64_t
next_due(struct chart *c, int64_t t, int64_t p)
{
	if (p < c->interval)
		p = c->interval;
	return t + (int64_t)((double)p * rng_range(&c->rng, 0.9, 1.1)) -
	    c->interval / 2;
}

static void
next_off(struct chart *c, int64_t after)
{
	c->off_from = after + (int64_t)rng_exponential(&c->rng,
	    (double)DAY / OFF_PER_DAY);
	c->off_until = c->off_from + (int64_t)rng_range(&c->rng,
	    (double)(10 * MINUTE), (double)(60 * MINUTE));
}

void
chart_init(struct chart *c, const struct rng *stream, int64_t first,
    int64_t interval)
{
	c->rng = *stream;
	c->interval = interval;
	/* A phase within each period: rounds are not at admission. */
	c->bp_due = first + (int64_t)(rng_uniform(&c->rng) *
	    (double)(CHART_BP_PERIOD > interval ? CHART_BP_PERIOD : interval));
	c->temp_due = first + (int64_t)(rng_uniform(&c->rng) *
	    (double)(CHART_TEMP_PERIOD > interval ? CHART_TEMP_PERIOD :
	    interval));
	next_off(c, first);
}

/* A scheduled vital: absent unless due, and then missed sometimes. */
static unsigned
scheduled(struct chart *c, int64_t t, int64_t *due, int64_t period,
    unsigned bit)
{
	if (t < *due)
		return bit;
	*due = next_due(c, t, period);
	return rng_uniform(&c->rng) < MISS_SCHEDULED ? bit : 0;
}

unsigned
chart_absent(struct chart *c, int64_t t)
{
	unsigned absent = 0;

	while (t >= c->off_until)
		next_off(c, c->off_until);
	if (t >= c->off_from) {
		/* Rounds due while the patient is away are done on return. */
		return ABSENT_ALL;
	}
	if (rng_uniform(&c->rng) < MISS_STREAMED)
		absent |= ABSENT_HR;
	if (rng_uniform(&c->rng) < MISS_STREAMED)
		absent |= ABSENT_SPO2;
	if (rng_uniform(&c->rng) < MISS_STREAMED)
		absent |= ABSENT_RR;
	absent |= scheduled(c, t, &c->bp_due, CHART_BP_PERIOD, ABSENT_BP);
	absent |= scheduled(c, t, &c->temp_due, CHART_TEMP_PERIOD,
	    ABSENT_TEMP);
	return absent;
}
