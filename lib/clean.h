/*
 * clean: one raw reading (or a Bronze envelope holding one) in, one
 * Silver record out, or a reason why not.  This is all of vitals-clean's
 * logic; the tool itself only reads lines, writes records and counts.
 *
 * What it does, in order:
 *   1. parse the line (record codec); a Bronze envelope ("value" holding
 *      the raw reading as text, with topic/partition/offset) is opened and
 *      its coordinates kept;
 *   2. enforce the reading's types, coercing only where the meaning is
 *      unambiguous ("88" -> 88, 88.0 -> 88, "121/79" or
 *      {"systolic":121,"diastolic":79} -> 121 and 79);
 *   3. normalise units (Fahrenheit to Celsius) and time (any ISO 8601
 *      offset to UTC microseconds, event_date), bound future skew;
 *   4. keep sensor dropouts (heart rate 0, SpO2 0) as missing values with
 *      a quality flag, reject impossible values;
 *   5. drop repeats (bounded memory, see dedup.h), reject conflicting
 *      repeats;
 *   6. enrich from the roster, derive MAP, pulse pressure, shock index,
 *      NEWS2 and the alert flags.
 * Fields of the reading that Silver does not have are ignored and counted.
 */
#ifndef VL_CLEAN_H
#define VL_CLEAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "rejects.h"
#include "roster.h"

struct clean_options {
	int64_t max_future;	/* usec ahead of the reference clock */
	int64_t min_time;	/* earliest plausible event time, usec */
	int64_t now;		/* reference clock for raw input; 0 = wall */
	const struct roster *roster;	/* NULL for none; borrowed */
	size_t dedup_capacity;
	int64_t dedup_window;	/* usec */
};

/* Defaults: 5 minutes of future skew, nothing before 2000-01-01, wall
 * clock, no roster, 1,048,576 keys over a 10-minute window. */
void clean_options_init(struct clean_options *o);

enum clean_status { CLEAN_OUT, CLEAN_REJECT, CLEAN_DUPLICATE };

struct clean_result {
	const char *reason;	/* reject reason code (static string) */
	char detail[200];	/* human detail */
	struct source_pos pos;	/* Kafka coordinates, if has_pos */
	bool has_pos;
};

struct cleaner;

/* Never NULL (dies on OOM).  The options' roster must outlive it. */
struct cleaner *cleaner_new(const struct clean_options *o);
void cleaner_free(struct cleaner *c);

/* Sets (or replaces) the roster records are enriched from from now on;
 * borrowed, it must outlive the cleaner. */
void cleaner_set_roster(struct cleaner *c, const struct roster *r);

/*
 * Cleans one line.  On CLEAN_OUT, *out is the Silver record, owned by the
 * cleaner and valid (with line) until the next call.  On CLEAN_REJECT,
 * res says why; on CLEAN_DUPLICATE the line repeated an earlier one.
 */
enum clean_status cleaner_run(struct cleaner *c, const char *line,
    size_t len, const struct record **out, struct clean_result *res);

/* The Silver schema the cleaner writes (owned by the cleaner). */
const struct schema *cleaner_schema(const struct cleaner *c);

/* Input fields that Silver has no place for, counted since start. */
uint64_t cleaner_unknown_fields(const struct cleaner *c);

#endif
