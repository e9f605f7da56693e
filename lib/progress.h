/*
 * progress: a long-running tool's progress on stderr: records in and
 * per second, rejects, duplicates, and a Kafka consumer's lag, redrawn
 * once a second.
 *
 * On a terminal it is one line redrawn in place and cleared at the end;
 * into a pipe or a file it is silent unless asked for (--progress), and
 * then one line a second, so a log stays readable.  -q silences it.  The
 * counts are the tool's own struct counts (lib/rejects.h), read, never
 * changed.
 *
 * progress_tick is cheap enough to call for every record: it reads the
 * coarse clock and returns.
 */
#ifndef VL_PROGRESS_H
#define VL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "rejects.h"

struct progress {
	bool on, tty;
	int64_t start, next;		/* monotonic usec */
	uint64_t last_in;
	int64_t last_t;
	bool drawn;			/* a line is on the terminal */
};

/* Shown when asked (force), or when stderr is a terminal; never when
 * verbose < 0. */
void progress_init(struct progress *p, bool force, int verbose);

/* True when the next progress_tick will draw: a tool whose lag costs
 * something to find asks first. */
bool progress_due(const struct progress *p);

/* Redraws if a second has passed since the last line; lag < 0 when
 * there is none to show. */
void progress_tick(struct progress *p, const struct counts *n, int64_t lag);

/* Clears the terminal's line (the summary follows on its own). */
void progress_end(struct progress *p);

#endif
