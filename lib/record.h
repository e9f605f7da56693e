/*
 * record: the flat record codec every tool uses on the hot path.
 *
 * A record is one JSON object read against a schema: each schema field has
 * a slot holding the value as it was written (string, integer, real,
 * boolean, null, or a nested object/array kept as its JSON text), and keys
 * the schema does not name are kept, in order, as "extras".  Scanning does
 * not build a JSON tree: a line is read straight into the slots, and a
 * record is printed straight from them.
 *
 * The scanner agrees with jansson on every input: whatever jansson
 * (json_loadb with JSON_REJECT_DUPLICATES) refuses, it refuses with
 * jansson's own message, and whatever jansson accepts, it reads to the
 * same values.  It gets there by handling the common case itself (ASCII
 * keys, plain strings, numbers whose value it can compute exactly) and
 * handing anything else -- escapes it does not decode, non-ASCII text,
 * errors, huge numbers -- to jansson.  tests/unit/test_record.c holds the
 * two to the same answers.
 *
 * Slots are typed only lexically.  What a value means (is "88" a heart
 * rate?) is the business of the tool that reads it.
 */
#ifndef VL_RECORD_H
#define VL_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writer.h"
#include "schema.h"

enum jkind {
	JK_ABSENT = 0,	/* the key was not there: printed as nothing */
	JK_NULL, JK_FALSE, JK_TRUE,
	JK_INT,		/* i */
	JK_REAL,	/* d; NaN or infinite prints as null */
	JK_STRING,	/* s, len: UTF-8, no NUL, not escaped */
	JK_RAW,		/* s, len: an object or array as valid JSON text */
	JK_TIME,	/* i: microseconds since the epoch, printed ISO 8601 */
	JK_DATE,	/* i: days since 1970-01-01, printed YYYY-MM-DD */
};

struct jval {
	uint8_t kind;
	uint32_t len;
	const char *s;
	union {
		int64_t i;
		double d;
	};
};

struct rec_extra {
	const char *key;
	uint32_t key_len;
	struct jval v;
};

struct arena_block;

struct record {
	const struct schema *schema;	/* borrowed; must outlive the record */
	struct jval *v;			/* one slot per schema field */
	struct rec_extra *extra;	/* keys not in the schema */
	size_t nextra, extra_cap;
	struct arena_block *arena;	/* decoded strings and copies */
	bool slow;			/* the last scan needed jansson */
};

/* A new empty record for schema s (all slots JK_ABSENT).  Never NULL. */
struct record *record_new(const struct schema *s);
void record_free(struct record *r);
/* Empties every slot and the extras; keeps memory for reuse. */
void record_clear(struct record *r);

/*
 * Reads one JSON object from line[0..len) into r (cleared first).
 * Returns 0, or -1 when the text is not valid JSON or not an object; err
 * (at least 160 bytes, may be NULL) then holds the reason.  String values
 * may point into line, so line must stay unchanged while r is used.
 */
int record_scan(struct record *r, const char *line, size_t len, char *err);

/* Fills r (cleared first) from a jansson object; the record copies what
 * it needs, so obj may be freed afterwards.  Returns 0, -1 if obj is not
 * an object. */
int record_from_json(struct record *r, json_t *obj);

/* The record as a new jansson object (caller owns it): slots in schema
 * order, then extras.  JK_ABSENT slots are left out. */
json_t *record_to_json(const struct record *r);

/* Writes r as one line: present slots in schema order, then extras. */
void record_print(const struct record *r, struct writer *w);
/* Writes one value as JSON. */
void jval_print(const struct jval *v, struct writer *w);

/* Adds (or replaces) a key the schema does not name; the key is copied,
 * v is copied as a value (its string, if any, is borrowed). */
void record_set_extra(struct record *r, const char *key, const struct jval *v);

/* Copies len bytes into r's arena; the copy lives until record_clear. */
const char *record_copy(struct record *r, const char *s, size_t len);

static inline void
rec_set_null(struct record *r, int i)
{
	r->v[i].kind = JK_NULL;
}

static inline void
rec_set_bool(struct record *r, int i, bool b)
{
	r->v[i].kind = b ? JK_TRUE : JK_FALSE;
}

static inline void
rec_set_int(struct record *r, int i, int64_t x)
{
	r->v[i].kind = JK_INT;
	r->v[i].i = x;
}

static inline void
rec_set_real(struct record *r, int i, double x)
{
	r->v[i].kind = JK_REAL;
	r->v[i].d = x;
}

static inline void
rec_set_time(struct record *r, int i, int64_t usec)
{
	r->v[i].kind = JK_TIME;
	r->v[i].i = usec;
}

static inline void
rec_set_date(struct record *r, int i, int32_t days)
{
	r->v[i].kind = JK_DATE;
	r->v[i].i = days;
}

/* Borrows s: it must stay valid until r is printed or cleared. */
static inline void
rec_set_str(struct record *r, int i, const char *s, size_t len)
{
	r->v[i].kind = JK_STRING;
	r->v[i].s = s;
	r->v[i].len = (uint32_t)len;
}

/* Copies a value from another record (strings are borrowed). */
static inline void
rec_set_val(struct record *r, int i, const struct jval *v)
{
	r->v[i] = *v;
}

/* Counts of scans, and of those that needed jansson, since start. */
extern uint64_t record_scans, record_slow_scans;

#endif
