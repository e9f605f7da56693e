/*
 * window: event-time tumbling windows per patient, closed by a watermark.
 *
 * Time is cut into windows [start, start + width) aligned on the epoch
 * (so, for a width that divides a day, on UTC midnight).  Each reading
 * belongs to the window of its patient that holds its event time.  The
 * watermark says how far event time has surely got:
 *
 *     watermark = (highest event time seen) - lateness
 *
 * and never goes back.  A window closes once the watermark reaches its
 * end; it is then handed out once, and a reading that still falls into it
 * is late and refused.  A reading older than the watermark whose window is
 * still open (it belongs to a window that ends after the watermark) is
 * accepted: only a closed window refuses readings.
 *
 * When the input goes quiet, the caller may say so (window_idle): event
 * time is then taken to have run on with the wall clock, and the windows
 * open now that would have closed by then are closed, so they come out on
 * time through the night.  This early close touches only the windows open
 * at that moment: the watermark itself still moves with the data alone, so
 * a replay that pauses does not make the readings after the pause late.
 * A window closed early stays remembered (its key, until the watermark
 * passes its end), and a reading that falls into it is late.  At end of
 * input (or on a stop signal) window_finish closes everything.
 *
 * Closed windows come out in a fixed order, by end time and then by
 * patient_id compared bytewise, so the same input gives the same output
 * whatever the arrival order within the lateness.  Only an early close by
 * window_idle can be followed by a window of an earlier period (for a
 * patient that had no window open in it then).
 *
 * What a window aggregates is the caller's business: each window carries
 * `data_size` bytes of the caller's, zeroed when the window opens.  The
 * module does no I/O and knows nothing of vitals.
 *
 * Memory is one allocation per open window (its bookkeeping, the caller's
 * data and a copy of the patient_id) plus two to four 8-byte hash-table
 * slots; nothing grows with the length of the stream.  A window is freed
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
	WINDOW_LATE		/* that window has closed: reading refused */
};

/*
 * Finds or opens the window of patient id[0..len) that holds event time
 * t_usec, and raises the watermark by it.  On WINDOW_OPENED or WINDOW_FOUND, *w is
 * the window (owned by the table, valid until the next call to
 * window_next); the caller folds the reading into w->data.  On WINDOW_LATE
 * nothing changes but the watermark and *w is NULL.  id need not be
 * NUL-terminated and is copied.
 */
enum window_add_status window_add(struct window_table *t, const char *id,
    size_t len, int64_t t_usec, struct window **w);

/*
 * The input has been quiet for idle usec of wall-clock time: closes the
 * open windows whose end is at most (highest event time seen) + idle -
 * lateness.  Does nothing before the first reading.
 */
void window_idle(struct window_table *t, int64_t idle);

/*
 * How long the input must stay quiet before window_idle would close the
 * next open window: usec, 0 if one is closed already, -1 when no window
 * is open.
 */
int64_t window_idle_due(const struct window_table *t);

/* Closes every open window, as at end of input; the watermark becomes
 * infinite, so every later reading is late. */
void window_finish(struct window_table *t);

/*
 * The next closed window, in emission order, or NULL when no open window
 * has closed.  The window is the caller's to read until the next call to
 * window_next or window_add; the table then frees it.
 */
const struct window *window_next(struct window_table *t);

/* The watermark, INT64_MIN before the first reading. */
int64_t window_watermark(const struct window_table *t);
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
