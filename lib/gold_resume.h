/*
 * gold_resume: what a Gold table already holds, so that vitals-agg, fed
 * again from an earlier Kafka position after a crash, does not write a
 * window twice.
 *
 * A patient's windows are written in time order (lib/window.h), so Gold
 * holding a patient's window that starts at S means it holds every window
 * of that patient that starts at or before S.  A restart begins at the
 * Kafka position Gold's txn actions record (the window_done of the last
 * committed row), so every window not in Gold is read again in full, and
 * a reading that falls into a window at or before the patient's latest in
 * Gold is one Gold has counted already.
 *
 * The table is read once, a few columns of every live file, at open:
 * memory is one entry per patient and one per Kafka partition in the
 * table.
 */
#ifndef VL_GOLD_RESUME_H
#define VL_GOLD_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gold_resume;

/*
 * Reads the Gold table at root.  Returns a new set (gold_resume_free), or
 * NULL with the reason in err.  A directory that is not a table yet is an
 * empty set: the first run of a pipeline resumes from nothing.
 */
struct gold_resume *gold_resume_open(const char *root, char *err,
    size_t errlen);
void gold_resume_free(struct gold_resume *g);

/* Whether Gold holds the window of patient id[0..len) that starts at
 * start (usec). */
bool gold_resume_has(const struct gold_resume *g, const char *id,
    size_t len, int64_t start);

/* The highest through_offset of the table's rows from this topic (NULL:
 * none) and partition: where Gold is for it.  -1 when it has none. */
int64_t gold_resume_through(const struct gold_resume *g, const char *topic,
    size_t len, int64_t partition);

/* Patients and windows the table held. */
size_t gold_resume_patients(const struct gold_resume *g);
uint64_t gold_resume_rows(const struct gold_resume *g);

#endif
