/*
 * gold: what a Gold row says about one patient's window of Silver
 * readings, and how a Silver record is checked and read for it.  The
 * windows themselves (which reading goes where, when a window closes) are
 * window.h's business; this module only reads, folds and writes.
 *
 * Both sides are driven by the schemas.  A "measure" is a numeric Silver
 * column (heart_rate, ..., mean_arterial_pressure, shock_index,
 * anomaly_score); for each one, the Gold columns named <measure>_mean,
 * <measure>_min and <measure>_max that the Gold schema has are filled, as
 * integers or reals as the Gold schema types them.  Besides those, a Gold
 * row holds:
 *   readings            the readings folded in;
 *   ward                of the reading with the latest event time (the
 *                       later arrival on a tie);
 *   event_date          the UTC date of window_start;
 *   news2_score_max     the highest news2_score;
 *   news2_band          the worst news2_band of any reading, so a red
 *                       single parameter (low-medium) is not hidden behind
 *                       a higher total that is still low;
 *   alert_<a>_count     readings with alert_<a> true, for each alert of
 *                       vitals.h;
 *   anomalous_readings  readings with is_anomaly true, and is_anomaly when
 *                       there was one;
 *   alerting_readings   readings with alert true (the combined detector of
 *                       lib/alert, as iforest-score writes it), alert when
 *                       there was one (both null when no reading had
 *                       alert at all), and alert_reason, that of the
 *                       latest alerting reading (as ward);
 *   topic, partition,   where the readings came from and how far the
 *   through_offset      source is done (window_done), given by the caller
 *                       to gold_row.
 * A mean, min or max is null when no reading had the value.  Means are
 * rounded to 0.001 and do not depend on the order the readings arrived in
 * (sums are exact, in millionths); min and max are values as read.
 */
#ifndef VL_GOLD_H
#define VL_GOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "writer.h"
#include "record.h"
#include "schema.h"
#include "strindex.h"
#include "vitals.h"
#include "window.h"

enum {
	GOLD_MEASURES = 9	/* see measure_names in gold.c */
};

/* One Silver reading, as much of it as a Gold row needs.  Strings point
 * into the Silver record (and so into its line). */
struct gold_reading {
	const char *patient_id;
	size_t id_len;
	int64_t event_time;		/* usec */
	const char *ward;		/* NULL when absent or null */
	size_t ward_len;
	unsigned present;		/* bit m: measure m has a value */
	double measure[GOLD_MEASURES];
	int news2_score;		/* VITAL_NONE when absent */
	int news2_band;			/* rank 0..3, -1 when absent */
	unsigned alerts;		/* bit a: alert a of vitals.h fired */
	bool is_anomaly;
	bool alert;			/* the combined detector's */
	bool alert_known;		/* alert was true or false, not
					 * absent or null */
	const char *alert_reason;	/* NULL when absent, null, or no
					 * alert */
	size_t reason_len;
	const char *topic;		/* NULL when absent or null */
	size_t topic_len;
	int64_t partition, offset;	/* -1 when absent or null */
};

/* A source's key for a string index: the topic (cut at 256 bytes; a
 * Kafka topic has at most 249), a NUL, the partition in decimal.  buf
 * holds at least GOLD_SOURCE_KEY bytes; returns the key's length. */
#define GOLD_SOURCE_KEY	300
size_t gold_source_key(char *buf, const char *topic, size_t topic_len,
    int64_t partition);

/* Where a Gold row's readings came from: the topic (NULL for none) and
 * partition, and the source's window_done. */
struct gold_position {
	const char *topic;
	size_t topic_len;
	int64_t partition, through_offset;
};

/*
 * The sources of a stream (Kafka partitions, and "none" for readings
 * without a position), numbered densely from 0 as lib/window.h wants.  A
 * zeroed struct is an empty set.  through_offset of each starts at -1.
 */
struct gold_sources {
	struct strindex keys;		/* gold_source_key */
	struct gold_position *pos;	/* by number; topics owned by keys */
	size_t cap;
	uint32_t last;			/* the number found last */
};
/* The number of a topic (NULL: none) and partition (-1: none), made when
 * new (*added says so).  The partition found last is checked first: a
 * consumer's stream mostly repeats it.  Dies on no memory. */
uint32_t gold_source(struct gold_sources *s, const char *topic,
    size_t topic_len, int64_t partition, bool *added);
void gold_sources_free(struct gold_sources *s);

struct gold;

/*
 * The mapping between a Silver and a Gold schema (both borrowed; they
 * must outlive it).  Dies with a message if a column the aggregation
 * needs is missing from Silver, or if a Gold column has no source: the
 * schemas are part of the program.
 */
struct gold *gold_new(const struct schema *silver, const struct schema *gold);
void gold_free(struct gold *g);

/*
 * Checks a scanned Silver record and reads it into *rd.  Returns 0, or -1
 * with *reason a static reject code (missing_field, bad_type,
 * bad_timestamp, bad_patient_id, bad_value) and detail (at least 160
 * bytes) saying which field and why; *rd is then unspecified.  A
 * partition and offset are read only as a pair: with either missing, both
 * are -1.
 */
int gold_read(const struct gold *g, const struct record *silver,
    struct gold_reading *rd, const char **reason, char *detail);

/* Bytes of window data a Gold aggregate takes, for window_options. */
size_t gold_data_size(void);
/* Frees what an aggregate holds beyond its bytes; for
 * window_options.release. */
void gold_release(void *data);

/* Adds a reading to a window's aggregate (zeroed bytes are an empty
 * aggregate).  Cannot fail (dies on OOM). */
void gold_fold(void *data, const struct gold_reading *rd);

/*
 * An aggregate as one JSON object, for a saved state (lib/agg_state.c),
 * and back: gold_load fills zeroed data from such an object, 0, or -1
 * when it is not one (the data is then to be released).
 */
void gold_save(const void *data, struct writer *w);
int gold_load(void *data, json_t *obj);

/*
 * Fills out (a record of the Gold schema, cleared first) with the row of
 * window w, and its position from pos (NULL: none).  Strings are borrowed
 * from w and pos, so print out before the window is freed.
 */
void gold_row(const struct gold *g, const struct window *w,
    const struct gold_position *pos, struct record *out);

#endif
