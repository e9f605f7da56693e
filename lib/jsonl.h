/*
 * jsonl: the JSON objects of a small file read whole, one per line: a
 * roster, a Delta commit, a saved aggregation state.
 *
 * Unlike the stream reader of lib/reader, which rejects a bad line and
 * reads on, one bad line here makes the whole file unusable: these are
 * files a tool wrote or a person keeps, and a part of one is wrong.  One
 * rule for all of them: a line of JSON whitespace only is skipped; every
 * other line is one JSON object with no key twice.
 */
#ifndef VL_JSONL_H
#define VL_JSONL_H

#include <stddef.h>

#include <jansson.h>

enum {
	JSONL_MISSING_OK = 1,	/* a file that does not exist is no error */
	JSONL_WHOLE_LINES = 2,	/* a last line without its newline is a
				 * torn write, and an error */
};

/* Called with each object in order, borrowed (json_incref to keep it).
 * Returns 0 to go on, or nonzero with the reason in why. */
typedef int (*jsonl_fn)(json_t *obj, void *arg, char *why, size_t whylen);

/* A jsonl_fn that appends each object to the JSON array arg. */
int jsonl_append(json_t *obj, void *array, char *why, size_t whylen);

/*
 * Calls fn for each object of the file at path.  Returns 1 when it read
 * the file to its end, 0 when the file does not exist and flags has
 * JSONL_MISSING_OK, and -1 with err: "PATH: why" when the file cannot be
 * read, "PATH:LINE: why" for a bad line or fn's refusal (then fn is not
 * called again).
 */
int jsonl_read(const char *path, int flags, jsonl_fn fn, void *arg, char *err,
    size_t errlen);

#endif
