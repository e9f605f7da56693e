/*
 * strindex: distinct strings, numbered in the order they were first added
 * (0, 1, 2, ...) and found again by hashing.  For tables that are filled
 * and read but never pruned: the patients and episode types of an
 * evaluation, the patients of a roster.  (Tables that forget entries, the
 * patients of lib/featurize and the windows of lib/window, keep their own
 * chains, made for deleting.)
 *
 * A zeroed struct is an empty index.  The index owns a copy of each
 * string, NUL-terminated and compared by length and bytes, so a string
 * may hold any byte; the copies live until strindex_free().
 */
#ifndef VL_STRINDEX_H
#define VL_STRINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRINDEX_NONE UINT32_MAX

struct strindex {
	struct strindex_entry {
		char *s;	/* the string numbered i, NUL-terminated */
		size_t len;
	} *e;			/* e[i], i < n */
	size_t n, cap;
	uint32_t *slot;		/* open addressing: number + 1, 0 empty */
	size_t mask;
};

/* The number of s, adding it when it is new (*added says which, when
 * added is not NULL).  Dies on no memory. */
uint32_t strindex_add(struct strindex *t, const char *s, size_t len,
    bool *added);

/* The number of s, or STRINDEX_NONE. */
uint32_t strindex_find(const struct strindex *t, const char *s, size_t len);

/* Frees the copies and the table; t is an empty index again. */
void strindex_free(struct strindex *t);

#endif
