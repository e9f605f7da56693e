/*
 * agg_state: vitals-agg's open windows, saved when it stops and read
 * back when it starts, so that a stream stopped and started again gives
 * Gold the same windows as one that ran on.
 *
 * Without it, a vitals-agg that reaches the end of its input must either
 * write its open windows (as a file's end asks), which a restart would
 * then miss the rest of, or drop them and have them read again from
 * Kafka, scored again by a detector that has forgotten the patient.
 * With a state file, the end of input (or a stop signal) saves the open
 * windows instead of writing them, and the next start takes them up.
 *
 * A saved state is only good for the Gold table as it was when it was
 * saved: it records, for each Kafka partition, the position that the
 * Gold rows written before it take the table to.  If Gold is elsewhere
 * (the last rows were never committed, or the state is stale), the state
 * is ignored with a warning, and the windows are built again from Kafka,
 * from Gold's own position: safe, only slower.  Any file that cannot be
 * read as a state is ignored the same way.  The file is replaced whole
 * (lib/safefile.h), never left half-written.
 *
 * Windows that window_idle closed early are not saved; Gold holds them,
 * and lib/gold_resume.h refuses their readings after a restart.
 */
#ifndef VL_AGG_STATE_H
#define VL_AGG_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "writer.h"
#include "window.h"

/* A source as the state names it, and the Gold position it expects. */
struct agg_state_source {
	const char *topic;	/* NULL: none */
	size_t topic_len;
	int64_t partition;	/* -1: none */
	int64_t gold_through;	/* -1: Gold has none for it */
};

/*
 * Saves the open windows of t (its closed ones must have been drained
 * with window_next), with src[0..nsrc) describing its sources by number
 * and save(data, writer) writing a window's data as one JSON value.  0,
 * or -1 with err.
 */
int agg_state_save(const char *path, const struct window_table *t,
    int64_t width, int64_t lateness, const struct agg_state_source *src,
    uint32_t nsrc, void (*save)(const void *, struct writer *),
    char *err, size_t errlen);

/* What agg_state_load needs from its caller. */
struct agg_state_hooks {
	/* The caller's source number for this topic and partition. */
	uint32_t (*source)(void *arg, const char *topic, size_t len,
	    int64_t partition);
	/* Where Gold is now for it: -1 for nowhere. */
	int64_t (*gold_through)(void *arg, const char *topic, size_t len,
	    int64_t partition);
	/* Fills zeroed window data from its saved JSON; 0 or -1. */
	int (*load)(void *data, json_t *saved);
	/* Frees what a window's data holds (window_options.release). */
	void (*release)(void *data);
	void *arg;
};

/*
 * Takes up the state saved at path into t, a table that has had no
 * reading yet.  1 when it was taken up (*windows says how many), 0 when
 * there is none or it does not fit (err then says why, starting with
 * path, or is empty for no file).  On 0, t may hold part of it: free it
 * and start from a new table.
 */
int agg_state_load(const char *path, struct window_table *t, int64_t width,
    int64_t lateness, const struct agg_state_hooks *h, size_t *windows,
    char *err, size_t errlen);

#endif
