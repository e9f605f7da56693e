/*
 * jsonw: JSON tokens written straight into a writer, without building a
 * tree.  Numbers never depend on the locale.  A double is written in the
 * fewest digits that read back to the same double (36.8, not
 * 36.799999999999997), and always with a '.' or an exponent so that it
 * reads back as a real, as jansson writes it.
 */
#ifndef VL_JSONW_H
#define VL_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writer.h"

/* Formats into buf (at least 32 bytes), returns the length.
 * fmt_double: NaN and infinities are not JSON; it writes "null". */
size_t fmt_int(char *buf, int64_t v);
size_t fmt_double(char *buf, double v);

/* s need not be NUL-terminated; it must be valid UTF-8 (the caller's
 * job: the record codec only hands out validated strings). */
void jw_string(struct writer *w, const char *s, size_t len);
/* Any bytes as a JSON string in standard base64 (RFC 4648, padded):
 * how bytes that are not UTF-8 are kept losslessly. */
void jw_base64(struct writer *w, const void *bytes, size_t n);
/* The same base64 without quotes; url: the URL-safe alphabet, unpadded
 * (RFC 4648 section 5, as JWTs use it). */
void base64_write(struct writer *w, const void *bytes, size_t n, bool url);
void jw_int(struct writer *w, int64_t v);
void jw_double(struct writer *w, double v);
void jw_bool(struct writer *w, bool v);
void jw_null(struct writer *w);
/* Writes ,"name": (or {"name": when first) for a name that needs no
 * escaping. */
void jw_key(struct writer *w, const char *name, size_t len, bool first);

/* True if the bytes are valid UTF-8 as jansson accepts it (no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

#endif
