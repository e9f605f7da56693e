/*
 * extsort: sorting more records than memory should hold, for
 * delta-optimize --order-by.
 *
 * Each entry is a key (compared as bytes, memcmp then length, so a key
 * that is a prefix of another sorts first) and a value carried along.
 * Entries are kept in memory up to a byte budget; when it is reached they
 * are sorted and written to a temporary file (tmpfile(3): unlinked from
 * the start, so a killed process leaves nothing behind) as a sorted run.
 * Draining merges the runs and what is still in memory.  The sort is
 * stable: entries with equal keys come out in the order they went in.
 * Memory is the budget plus one buffered entry per run.
 *
 * Nothing is shared: the caller frees the sorter with extsort_free,
 * which also closes (and so deletes) the runs.
 */
#ifndef VL_EXTSORT_H
#define VL_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

struct extsort;

/* A sorter that holds about mem_bytes in memory (at least 64 KiB are
 * used).  Never NULL. */
struct extsort *extsort_new(size_t mem_bytes);

/* Adds one entry; both buffers are copied.  0, or -1 with err when a
 * run cannot be written. */
int extsort_add(struct extsort *s, const void *key, size_t klen,
    const void *val, size_t vlen, char *err, size_t errlen);

/*
 * Calls each(val, vlen, arg) for every entry in key order; val is valid
 * during the call only.  A non-zero return from each stops the drain and
 * is returned.  -1 with err when a run cannot be read back.  The sorter
 * is empty afterwards either way.
 */
int extsort_drain(struct extsort *s, int (*each)(const void *, size_t,
    void *), void *arg, char *err, size_t errlen);

/* Entries added, and runs written to disk, since extsort_new. */
uint64_t extsort_count(const struct extsort *s);
size_t extsort_runs(const struct extsort *s);

void extsort_free(struct extsort *s);

#endif
