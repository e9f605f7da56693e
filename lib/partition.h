/*
 * partition: Hive-style partition directories and Delta `add.path` URIs,
 * escaped exactly as Spark does it, so that a partition value can never
 * name a directory outside the table: '/' and every other character Hive
 * escapes become %XX, and a value is always behind "column=".
 *
 * Two passes (see the Delta notes, section 5):
 *   on disk:   column=hive_escape(value)      e.g. x=A%2FA
 *   add.path:  uri_escape(on-disk path)       e.g. x=A%252FA/part-...
 * A reader URI-decodes add.path once to find the file.
 */
#ifndef VL_PARTITION_H
#define VL_PARTITION_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"
#include "schema.h"

#define HIVE_NULL "__HIVE_DEFAULT_PARTITION__"

/* Longest escaped directory segment we create (a file name limit is 255
 * bytes on the usual file systems). */
#define PARTITION_SEGMENT_MAX 255

/*
 * Appends hive_escape(s[0..len)) to out (at least 3 * len + 1 bytes),
 * NUL-terminates, returns the length written.
 */
size_t hive_escape(const char *s, size_t len, char *out);

/*
 * Appends the URI form of a relative path (out at least 3 * len + 1
 * bytes): '%' and the characters java.net.URI does not allow in a path
 * become %XX; '/' and non-ASCII stay.  Returns the length.
 */
size_t uri_escape_path(const char *s, size_t len, char *out);

/* Decodes %XX in place (the inverse of uri_escape_path); -1 on a bad
 * escape.  Returns the new length. */
long uri_unescape(char *s, size_t len);

/*
 * A partition value of type t, from a record slot, in two forms:
 *   value: what partitionValues holds (string as is; date YYYY-MM-DD;
 *          timestamp YYYY-MM-DDTHH:MM:SS.ffffffZ; numbers in decimal;
 *          "true"/"false"); *is_null when the slot is null or absent;
 *   dir:   what the directory name holds before escaping (Spark writes
 *          timestamps as "YYYY-MM-DD HH:MM:SS[.ffffff]").
 * Both are written into the caller's buffers (at least 64 bytes for
 * non-strings; strings are pointed at, not copied).  Returns 0, or -1 if
 * the slot does not hold a value of type t.
 */
struct pvalue {
	bool is_null;
	const char *value;
	size_t value_len;
	const char *dir;
	size_t dir_len;
	char vbuf[40], dbuf[40];
};
int partition_value(const struct jval *v, enum ftype t, struct pvalue *out);

/*
 * The directory segment "column=escaped" for a value into out (at least
 * PARTITION_SEGMENT_MAX + 1 bytes).  Returns its length, or -1 when the
 * escaped segment would be longer than PARTITION_SEGMENT_MAX.
 */
long partition_segment(const char *column, const struct pvalue *pv,
    char *out);

/* True if a relative path stays inside its root: not absolute, no "."
 * or ".." segment, no empty segment. */
bool path_is_contained(const char *path);

#endif
