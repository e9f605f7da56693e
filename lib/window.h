/*
 * window: event-time tumbling windows per patient, closed by a watermark.
 *
 * Time is cut into windows [start, start + width) aligned on the epoch
 * (so, for a width that divides a day, on UTC midnight).  Each reading
 * belongs to the window of its patient that holds its event time.
 *
 * Readings come from sources, small numbers the caller gives (a Kafka
 * partition each; 0 for a plain file), and each source has its own
 * watermark, saying how far its event time has surely got:
 *
 *     watermark = (highest event time the source delivered) - lateness
 *
 * which never goes back.  A window belongs to the source of the reading
 * that opened it and closes once that source's watermark reaches its end;
 * it is then handed out once, and a reading that still falls into it is
 * late and refused.  A reading older than the watermark whose window is
 * still open is accepted: only a closed window refuses readings.  One
 * watermark per source rather than one for the stream, because a Kafka
 * consumer reads partitions in chunks and one can be minutes behind
 * another after a restart: its readings are on time for its own stream.
 * A patient's readings are expected from one source (kafka-cat-out keys by
 * patient_id); one that moves still finds its open window.
 *
 * A reading may carry a position in its source (the Kafka offset; -1 for
 * none).  Positions rise within a source, so a reading at or below the
 * highest position seen is a replay (a consumer that went back after a
 * rebalance) and is refused as such.  window_done tells up to which
 * position every reading of a source is in a window handed out, which is
 * where a restart must begin for no window to be lost.
 *
 * Sources that go quiet are closed by the clock: the caller sets the wall
 * clock (window_clock) and asks, when it likes, for the windows of the
 * sources quiet for a timeout to be closed (window_idle): event time is
 * then taken to have run on with the wall clock since the source's latest
 * reading, and the windows open now that would have closed by then are
 * closed, so they come out on time through the night, or while the other
 * partitions stream on.  This early close touches only the windows open
 * at that moment: the watermark itself still moves with the data alone,
 * so a replay that pauses does not make the readings after the pause
 * late.  A window closed early stays remembered (its key, until the
 * watermark passes its end), and a reading that falls into it is late.
 * At end of input (or on a stop signal) window_finish closes everything.
 *
 * Windows closed together come out in a fixed order, by end time and then
 * by patient_id compared bytewise, so the same input from one source gives
 * the same output whatever the arrival order within the lateness.  A
 * patient's windows come out in time order, except after an early close
 * by window_idle, which can be followed by a window of an earlier period
 * (for a patient that had no window open in it then).
 *
 * What a window aggregates is the caller's business: each window carries
 * `data_size` bytes of the caller's, zeroed when the window opens.  The
 * module does no I/O and knows nothing of vitals.
 *
 * Memory is one allocation per open window (its bookkeeping, the caller's
 * data and a copy of the patient_id) plus two to four 8-byte hash-table
 * slots, and a small record per source; nothing grows with the length of
 * the stream.  A window is freed
 * once handed out (one closed early keeps its allocation, its data
 * released, until the watermark passes its end).  Every allocation dies
 * on OOM (xalloc), so nothing here fails.
 */
#ifndef VL_WINDOW_H
#define VL_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct window_options {
	int64_t width;		/* usec, > 0 */
	int64_t lateness;	/* usec, >= 0 */
	size_t data_size;	/* bytes of caller data per window */
	/* Called once on a window's data when the caller is done with it
	 * (after it was handed out, or by window_free); may be NULL. */
	void (*release)(void *data);
};

/* A window as the caller sees it. */
struct window {
	const char *patient_id;	/* NUL-terminated copy, id_len bytes */
	size_t id_len;
	int64_t start, end;	/* usec, [start, end) */
	uint32_t source;	/* of the reading that opened it */
	void *data;		/* data_size bytes, zeroed at open */
};

struct window_table;

/*
 * A table of open windows.  width and lateness are taken as given (the
 * tool checks what it accepts).  Never NULL (dies on OOM).
 */
struct window_table *window_new(const struct window_options *o);
/* Frees every window still open, calling release on its data. */
void window_free(struct window_table *t);

enum window_add_status {
	WINDOW_OPENED,		/* a new window: its data is all zero */
	WINDOW_FOUND,		/* the patient's window was already open */
	WINDOW_LATE,		/* that window has closed: reading refused */
	WINDOW_REPLAYED		/* position already seen: reading refused */
};

/* Sets the wall clock (usec) that window_add stamps on a source and
 * window_idle measures quiet by.  0 until set. */
void window_clock(struct window_table *t, int64_t now);

/*
 * Finds or opens the window of patient id[0..len) that holds event time
 * t_usec, for a reading of the given source at position pos (-1 for
 * none), and raises the source's watermark by it; windows it passes close.
 * On WINDOW_OPENED or WINDOW_FOUND, *w is the window (owned by the table,
 * valid until the next call to window_next); the caller folds the reading
 * into w->data.  On WINDOW_LATE nothing changes but the watermark and the
 * source's position, and *w is NULL; on WINDOW_REPLAYED nothing changes.
 * id need not be NUL-terminated and is copied.  Sources are numbered
 * densely from 0: the table keeps a record for each number up to the
 * highest used.
 */
enum window_add_status window_add(struct window_table *t, uint32_t source,
    int64_t pos, const char *id, size_t len, int64_t t_usec,
    struct window **w);

/*
 * A reading of source at position pos that the caller drops without
 * adding (one its output already holds): the position counts as passed,
 * as for a refused reading.  false, changing nothing, when pos is at or
 * below the highest position of the source (a replay), or negative.
 */
bool window_pass(struct window_table *t, uint32_t source, int64_t pos);

/*
 * Closes, for each source whose latest reading is at least timeout usec
 * of wall clock ago (quiet = now - then), the open windows whose end is at
 * most (the source's highest event time) + quiet - lateness.
 */
void window_idle(struct window_table *t, int64_t timeout);

/*
 * How long from now until window_idle(t, timeout) would close the next
 * open window: usec, 0 if one is closed already, -1 when no window is
 * open.
 */
int64_t window_idle_due(const struct window_table *t, int64_t timeout);

/* Closes every open window, as at end of input; every watermark becomes
 * infinite, so every later reading is late. */
void window_finish(struct window_table *t);

/*
 * The next closed window, in emission order, or NULL when no open window
 * has closed.  The window is the caller's to read until the next call to
 * window_next or window_add; the table then frees it.
 */
const struct window *window_next(struct window_table *t);

/*
 * The highest position p of source such that every reading of the source
 * at or before p is in a window handed out by window_next, or was refused:
 * one before the first position of the oldest window not yet handed out,
 * or the highest position seen when there is none.  -1 when there is no
 * such position.  A Gold row written after the window it holds was handed
 * out can carry it: a restart from just after it loses no window.
 */
int64_t window_done(const struct window_table *t, uint32_t source);

/*
 * Saving the table across a restart (lib/agg_state.c): what a source
 * knows, and its windows not yet handed out, in the order they opened.
 */
struct window_source_state {
	bool seen;
	int64_t max_time, wm, max_pos;
};
/* The number of sources the table has a record for (highest used + 1). */
uint32_t window_source_count(const struct window_table *t);
void window_source_get(const struct window_table *t, uint32_t source,
    struct window_source_state *st);
/* Sets a source's state, as on a fresh table before any reading. */
void window_source_set(struct window_table *t, uint32_t source,
    const struct window_source_state *st);
/* Calls fn on each open window of source, oldest first, with the
 * position of the reading that opened it.  The queue of closed windows
 * must be empty (drained with window_next). */
void window_each_open(const struct window_table *t, uint32_t source,
    void (*fn)(const struct window *w, int64_t first_pos, void *arg),
    void *arg);
/*
 * Opens the window of patient id[0..len) starting at start for source,
 * as opened by a reading at first_pos, and returns it with zeroed data
 * for the caller to fill.  Windows of a source must be restored in the
 * order they opened, after its state.  NULL when that window exists
 * already or has closed by the source's watermark, or start is not a
 * window start: a saved state that does not fit.
 */
struct window *window_restore(struct window_table *t, uint32_t source,
    int64_t first_pos, const char *id, size_t len, int64_t start);

/* The watermark of source, INT64_MIN before its first reading. */
int64_t window_watermark(const struct window_table *t, uint32_t source);
/* The start of the window that holds t_usec. */
int64_t window_start_of(const struct window_table *t, int64_t t_usec);
/* Windows open now, and the most that were open at once. */
size_t window_open_count(const struct window_table *t);
size_t window_peak_open(const struct window_table *t);
/* Windows whose memory is held now: open, closed but not yet handed out,
 * and closed early by window_idle (kept to refuse their late readings).
 * Apart from those waiting to be handed out, all end after the
 * watermark, so there are at most (patients) x (lateness / width + 2), as
 * for the open ones. */
size_t window_held_count(const struct window_table *t);

#endif
