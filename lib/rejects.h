/*
 * rejects: where bad input goes, and the counts every filter reports.
 *
 * Nothing is lost silently: a record a tool cannot use is written to the
 * rejects file (--rejects FILE) as one JSON object with a reason code, a
 * human detail, where it came from and the original text, and it is
 * counted.  At exit the tool prints its counts, which always satisfy
 *     in = out + rejected + duplicates
 * (blank lines are counted apart and are not records).
 *
 * A rejects line:
 *   {"tool":"vitals-clean","reason":"bad_json","detail":"...",
 *    "source":"<stdin>","line":12,"topic":"vitals","partition":0,
 *    "offset":42,"text":"<the original line>"}
 * "text" holds the original line when it is valid UTF-8; otherwise
 * "text_base64" holds its bytes.  A line cut at --max-line has
 * "truncated":true and "length" (its real length).
 *
 * When writing the file fails, it holds whole lines only: lines reach it
 * only in blocks of whole lines, and after a failed write it is cut back
 * (ftruncate) to the last block written in full; nothing more is written
 * to it.  So each line in it is complete, and a rejected record either
 * has its line or rejects_close says how many were not recorded and
 * fails (the tool exits 1); dying of a failed allocation (xalloc) also
 * leaves whole lines only.
 */
#ifndef VL_REJECTS_H
#define VL_REJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"
#include "writer.h"

struct counts {
	uint64_t in;		/* records read (blank lines excluded) */
	uint64_t out;		/* records written */
	uint64_t rejected;	/* records sent to the rejects */
	uint64_t duplicates;	/* records dropped as repeats */
	uint64_t blank;		/* blank lines skipped */
};

struct reason_count {
	char name[40];
	uint64_t n;
};

struct rejects {
	struct writer w;
	bool open;
	bool failed;		/* a write failed: the file is cut, closed to more */
	struct writer line;	/* the line being made, whole before w gets it */
	uint64_t kept;		/* bytes of whole lines in the file */
	uint64_t recorded;	/* lines in the file */
	uint64_t pending;	/* lines in w's buffer */
	uint64_t lost;		/* lines that will never be in the file */
	struct reason_count *reasons;
	size_t nreasons, cap;
};

/* Where a record came from in Kafka, when known (Bronze envelopes). */
struct source_pos {
	const char *topic;
	size_t topic_len;
	int64_t partition, offset;
};

/* Opens the rejects file (truncating it), or only counts when path is
 * NULL.  Returns 0, or -1 with errno set. */
int rejects_open(struct rejects *rj, const char *path);

/*
 * Records one rejected line.  reason is a short code such as "bad_json"
 * (letters, digits, '_'); detail is free text; pos may be NULL.  Never
 * fails: a failed write is reported by rejects_close().
 */
void rejects_add(struct rejects *rj, const struct line *ln,
    const char *reason, const char *detail, const struct source_pos *pos);

/* How many lines were rejected for this reason so far. */
uint64_t rejects_count(const struct rejects *rj, const char *reason);

/* Flushes and closes the file; 0, or -1 after reporting a write error
 * and how many rejected records the file does not hold.  The counts stay
 * readable until rejects_free(). */
int rejects_close(struct rejects *rj);
void rejects_free(struct rejects *rj);

/*
 * What every tool does first with a line it has read: a blank line is
 * counted (c->blank) and skipped; any other is counted in (c->in), and a
 * line cut at --max-line is rejected as "line_too_long", with its full
 * length in the detail (c->rejected).
 * True when the line is a record for the tool to process.
 */
bool counts_take(struct counts *c, struct rejects *rj, const struct line *ln);

/*
 * The summary at exit, on stderr: "tool: in=N out=N rejected=N
 * duplicates=N" (plus "blank=N" when some were skipped).  With stats,
 * also one JSON object with the counts per reject reason, for scripts.
 * Prints nothing when verbose < 0 (-q).
 */
void counts_report(const struct counts *c, const struct rejects *rj,
    int verbose, bool stats);

#endif
