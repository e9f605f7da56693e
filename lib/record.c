#include "record.h"

#include <endian.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "jsonw.h"
#include "xalloc.h"

uint64_t record_scans, record_slow_scans;

/*
 * The arena is a chain of blocks, so a pointer handed out stays valid
 * until record_clear() even when later copies need a new block.
 */
struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

#define ARENA_MIN	4096

const char *
record_copy(struct record *r, const char *s, size_t len)
{
	struct arena_block *b = r->arena;
	char *p;

	if (b == NULL || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > ARENA_MIN ? len + 1 : ARENA_MIN;
		if (b != NULL && b->cap * 2 > cap)
			cap = b->cap * 2;
		struct arena_block *nb = xmalloc(sizeof *nb + cap);
		nb->next = b;
		nb->used = 0;
		nb->cap = cap;
		r->arena = b = nb;
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

struct record *
record_new(const struct schema *s)
{
	struct record *r = xcalloc(1, sizeof *r);

	r->schema = s;
	r->v = xcalloc(s->n ? s->n : 1, sizeof *r->v);
	return r;
}

static void
arena_reset(struct record *r)
{
	struct arena_block *b = r->arena, *next;

	if (b == NULL)
		return;
	/* Keep the newest (largest) block, free the rest. */
	for (next = b->next; next != NULL; ) {
		struct arena_block *n = next->next;
		free(next);
		next = n;
	}
	b->next = NULL;
	b->used = 0;
}

void
record_clear(struct record *r)
{
	memset(r->v, 0, r->schema->n * sizeof *r->v);
	r->nextra = 0;
	r->slow = false;
	arena_reset(r);
}

void
record_free(struct record *r)
{
	struct arena_block *b, *next;

	if (r == NULL)
		return;
	for (b = r->arena; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(r->v);
	free(r->extra);
	free(r);
}

/* Finds the slot for a key whose schema index is i (-1: not in the
 * schema): a schema slot, or a new extra.  NULL if the key is already
 * present (a duplicate). */
static struct jval *
slot_for_at(struct record *r, int i, const char *key, size_t len,
    bool copy_key)
{
	if (i >= 0)
		return r->v[i].kind == JK_ABSENT ? &r->v[i] : NULL;
	for (size_t k = 0; k < r->nextra; k++)
		if (r->extra[k].key_len == len &&
		    memcmp(r->extra[k].key, key, len) == 0)
			return NULL;
	xgrow(&r->extra, &r->extra_cap, r->nextra + 1, sizeof *r->extra);
	struct rec_extra *e = &r->extra[r->nextra++];
	e->key = copy_key ? record_copy(r, key, len) : key;
	e->key_len = (uint32_t)len;
	return &e->v;
}

static struct jval *
slot_for(struct record *r, const char *key, size_t len, bool copy_key)
{
	return slot_for_at(r, schema_find(r->schema, key, len), key, len,
	    copy_key);
}

/*
 * Keys nearly always come in schema order, because the tools print them
 * that way, leaving out the null ones: try the next few fields after the
 * last one matched before hashing.
 */
static inline int
find_hinted(const struct schema *s, const char *key, size_t len,
    size_t *hint)
{
	int i;

	for (size_t h = *hint; h < s->n && h < *hint + 4; h++) {
		if (s->f[h].name_len == len &&
		    memcmp(s->f[h].name, key, len) == 0) {
			*hint = h + 1;
			return (int)h;
		}
	}
	if ((i = schema_find(s, key, len)) >= 0)
		*hint = (size_t)i + 1;
	return i;
}

void
record_set_extra(struct record *r, const char *key, const struct jval *v)
{
	size_t len = strlen(key);
	struct jval *slot = slot_for(r, key, len, true);

	if (slot == NULL) {
		for (size_t k = 0; k < r->nextra; k++)
			if (r->extra[k].key_len == len &&
			    memcmp(r->extra[k].key, key, len) == 0)
				slot = &r->extra[k].v;
	}
	if (slot != NULL)
		*slot = *v;
}

/* ---- the slow path: jansson decides ---- */

static int
from_json_value(struct record *r, struct jval *v, json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_NULL:
		v->kind = JK_NULL;
		break;
	case JSON_TRUE:
		v->kind = JK_TRUE;
		break;
	case JSON_FALSE:
		v->kind = JK_FALSE;
		break;
	case JSON_INTEGER:
		v->kind = JK_INT;
		v->i = json_integer_value(j);
		break;
	case JSON_REAL:
		v->kind = JK_REAL;
		v->d = json_real_value(j);
		break;
	case JSON_STRING:
		v->kind = JK_STRING;
		v->len = (uint32_t)json_string_length(j);
		v->s = record_copy(r, json_string_value(j), v->len);
		break;
	default: {
		char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_REAL_PRECISION(17));
		if (text == NULL)
			return -1;
		v->kind = JK_RAW;
		v->len = (uint32_t)strlen(text);
		v->s = record_copy(r, text, v->len);
		free(text);
	}
	}
	return 0;
}

int
record_from_json(struct record *r, json_t *obj)
{
	const char *key;
	json_t *val;

	record_clear(r);
	if (!json_is_object(obj))
		return -1;
	json_object_foreach(obj, key, val) {
		struct jval *v = slot_for(r, key, strlen(key), true);
		if (v == NULL || from_json_value(r, v, val) != 0)
			return -1;
	}
	return 0;
}

static int
scan_slow(struct record *r, const char *line, size_t len, char *err)
{
	json_error_t je;
	json_t *root;
	int rc;

	record_slow_scans++;
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		if (err != NULL)
			snprintf(err, 160, "%.120s (at byte %d)", je.text,
			    je.position);
		record_clear(r);
		return -1;
	}
	if (!json_is_object(root)) {
		if (err != NULL)
			snprintf(err, 160, "not a JSON object");
		json_decref(root);
		record_clear(r);
		return -1;
	}
	rc = record_from_json(r, root);
	json_decref(root);
	r->slow = true;
	return rc;
}

/* ---- the fast path ---- */

static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Bytes a plain string run may contain: printable ASCII except '"' and
 * '\\'.  Anything else ends the run. */
static unsigned char plain[256];

static void __attribute__((constructor))
init_plain(void)
{
	for (int c = 0x20; c < 0x80; c++)
		plain[c] = c != '"' && c != '\\';
}

/*
 * The end of a run of plain bytes from p.  Keys and values are mostly
 * tens of plain bytes, so eight are tested at once: a byte below 0x20,
 * from 0x80, '"' or '\\' anywhere in the word sets its top bit in m (the
 * usual has-zero-byte tricks).  Those tricks can also flag bytes above
 * a true one, never below it, so m's lowest bit is the first byte that
 * ends the run.  The exact loop takes the last few bytes.
 */
static inline const char *
plain_run(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101u, tops = ones << 7;

	while (end - p >= 8) {
		uint64_t x, q, b, m;
		memcpy(&x, p, sizeof x);
		x = le64toh(x);		/* byte i at bits 8i..8i+7 */
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		m = (((q - ones) & ~q) | ((b - ones) & ~b) |
		    ((x - ones * 0x20) & ~x) | x) & tops;
		if (m != 0)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
	while (p < end && plain[(unsigned char)*p])
		p++;
	return p;
}

/*
 * Reads a string at p (just past the opening quote).  Plain strings are
 * borrowed from the line; simple escapes are decoded into the arena.
 * Returns the byte after the closing quote, or NULL to give up.
 */
static const char *
fast_string(struct record *r, const char *p, const char *end,
    const char **s, size_t *len)
{
	const char *start = p;

	p = plain_run(p, end);
	if (p < end && *p == '"') {
		*s = start;
		*len = (size_t)(p - start);
		return p + 1;
	}
	if (p >= end || *p != '\\')
		return NULL;	/* control, non-ASCII or unterminated */

	/*
	 * Escapes: decode into a scratch copy; \u is left to jansson.  The
	 * plain runs between escapes are found a word at a time and copied
	 * whole: a Bronze envelope's value is a reading with an escaped
	 * quote every few bytes.
	 */
	char *buf = (char *)record_copy(r, start, (size_t)(end - start));
	size_t n = (size_t)(p - start);
	while (p < end) {
		const char *run;
		if (*p == '"') {
			*s = buf;
			*len = n;
			buf[n] = '\0';
			return p + 1;
		}
		if (*p != '\\' || p + 1 >= end)
			return NULL;	/* control, non-ASCII or unterminated */
		switch (p[1]) {
		case '"': buf[n++] = '"'; break;
		case '\\': buf[n++] = '\\'; break;
		case '/': buf[n++] = '/'; break;
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		default: return NULL;
		}
		p += 2;
		run = plain_run(p, end);
		memcpy(buf + n, p, (size_t)(run - p));
		n += (size_t)(run - p);
		p = run;
	}
	return NULL;
}

static const double exact_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * Reads a number by the JSON grammar.  Integers of up to 18 digits and
 * decimals of up to 15 significant digits without exponent are computed
 * here exactly (a mantissa below 2^53 divided by an exact power of ten is
 * correctly rounded, so it equals strtod's answer); other reals go to
 * strtod, as jansson does.  Returns NULL to give up.
 */
static const char *
fast_number(const char *p, const char *end, struct jval *v)
{
	const char *start = p;
	bool neg = false, is_real = false;
	uint64_t mant = 0;
	int digits = 0, frac = 0;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= end)
		return NULL;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9') {
			mant = mant * 10 + (uint64_t)(*p - '0');
			if (++digits > 18)
				return NULL;
			p++;
		}
	} else {
		return NULL;
	}
	if (p < end && *p == '.') {
		is_real = true;
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9') {
			if (mant != 0 || *p != '0')
				digits++;
			mant = mant * 10 + (uint64_t)(*p - '0');
			frac++;
			if (digits > 15 || frac > 22)
				return NULL;
			p++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		char buf[64];
		size_t n;
		double d;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		n = (size_t)(p - start);
		if (n >= sizeof buf)
			return NULL;
		memcpy(buf, start, n);
		buf[n] = '\0';
		errno = 0;
		d = strtod(buf, NULL);
		if (!isfinite(d))
			return NULL;
		v->kind = JK_REAL;
		v->d = d;
		return p;
	}
	if (is_real) {
		double d = (double)mant / exact_pow10[frac];
		v->kind = JK_REAL;
		v->d = neg ? -d : d;
	} else {
		v->kind = JK_INT;
		v->i = neg ? -(int64_t)mant : (int64_t)mant;
	}
	return p;
}

/*
 * Finds the end of a nested object or array at p, minding strings, and
 * lets jansson validate just that span.  Returns the byte after it, or
 * NULL to give up.
 */
static const char *
fast_nested(const char *p, const char *end, struct jval *v)
{
	const char *start = p;
	size_t depth = 0;
	json_t *j;

	for (; p < end; p++) {
		char c = *p;
		if (c == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return NULL;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				break;
		}
	}
	if (p >= end)
		return NULL;
	p++;
	j = json_loadb(start, (size_t)(p - start),
	    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	if (j == NULL)
		return NULL;
	json_decref(j);
	v->kind = JK_RAW;
	v->s = start;
	v->len = (uint32_t)(p - start);
	return p;
}

static int
scan_fast(struct record *r, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	const char *key, *s;
	size_t klen, slen;
	struct jval *v;
	size_t hint = 0;

	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}') {
		p = skip_ws(p + 1, end);
		return p == end ? 0 : -1;
	}
	for (;;) {
		if (p >= end || *p != '"')
			return -1;
		key = ++p;
		p = plain_run(p, end);
		if (p >= end || *p != '"')
			return -1;
		klen = (size_t)(p - key);
		p = skip_ws(p + 1, end);
		if (p >= end || *p != ':')
			return -1;
		p = skip_ws(p + 1, end);
		if (p >= end || (v = slot_for_at(r, find_hinted(r->schema, key,
		    klen, &hint), key, klen, false)) == NULL)
			return -1;
		switch (*p) {
		case '"':
			p = fast_string(r, p + 1, end, &s, &slen);
			if (p == NULL)
				return -1;
			v->kind = JK_STRING;
			v->s = s;
			v->len = (uint32_t)slen;
			break;
		case 't':
			if (end - p < 4 || memcmp(p, "true", 4) != 0)
				return -1;
			v->kind = JK_TRUE;
			p += 4;
			break;
		case 'f':
			if (end - p < 5 || memcmp(p, "false", 5) != 0)
				return -1;
			v->kind = JK_FALSE;
			p += 5;
			break;
		case 'n':
			if (end - p < 4 || memcmp(p, "null", 4) != 0)
				return -1;
			v->kind = JK_NULL;
			p += 4;
			break;
		case '{':
		case '[':
			p = fast_nested(p, end, v);
			break;
		default:
			p = fast_number(p, end, v);
			break;
		}
		if (p == NULL)
			return -1;
		p = skip_ws(p, end);
		if (p >= end)
			return -1;
		if (*p == '}')
			break;
		if (*p != ',')
			return -1;
		p = skip_ws(p + 1, end);
	}
	p = skip_ws(p + 1, end);
	return p == end ? 0 : -1;
}

int
record_scan(struct record *r, const char *line, size_t len, char *err)
{
	record_scans++;
	record_clear(r);
	if (scan_fast(r, line, len) == 0)
		return 0;
	return scan_slow(r, line, len, err);
}

/* ---- output ---- */

void
jval_print(const struct jval *v, struct writer *w)
{
	char *p;

	switch (v->kind) {
	case JK_ABSENT:
	case JK_NULL:
		jw_null(w);
		break;
	case JK_FALSE:
		jw_bool(w, false);
		break;
	case JK_TRUE:
		jw_bool(w, true);
		break;
	case JK_INT:
		jw_int(w, v->i);
		break;
	case JK_REAL:
		jw_double(w, v->d);
		break;
	case JK_STRING:
		jw_string(w, v->s, v->len);
		break;
	case JK_RAW:
		writer_mem(w, v->s, v->len);
		break;
	case JK_TIME:
		p = writer_reserve(w, 30);
		p[0] = '"';
		iso_format(p + 1, v->i);
		p[28] = '"';
		w->len += 29;
		break;
	case JK_DATE:
		p = writer_reserve(w, 13);
		p[0] = '"';
		iso_format_date(p + 1, (int32_t)v->i);
		p[11] = '"';
		w->len += 12;
		break;
	}
}

void
record_print(const struct record *r, struct writer *w)
{
	const struct schema *s = r->schema;
	bool first = true;

	for (size_t i = 0; i < s->n; i++) {
		if (r->v[i].kind == JK_ABSENT)
			continue;
		jw_key(w, s->f[i].name, s->f[i].name_len, first);
		jval_print(&r->v[i], w);
		first = false;
	}
	for (size_t k = 0; k < r->nextra; k++) {
		writer_char(w, first ? '{' : ',');
		jw_string(w, r->extra[k].key, r->extra[k].key_len);
		writer_char(w, ':');
		jval_print(&r->extra[k].v, w);
		first = false;
	}
	if (first)
		writer_char(w, '{');
	writer_mem(w, "}\n", 2);
}

static json_t *
jval_to_json(const struct jval *v)
{
	char buf[32];

	switch (v->kind) {
	case JK_NULL: return json_null();
	case JK_FALSE: return json_false();
	case JK_TRUE: return json_true();
	case JK_INT: return json_integer(v->i);
	case JK_REAL: return isfinite(v->d) ? json_real(v->d) : json_null();
	case JK_STRING: return json_stringn(v->s, v->len);
	case JK_RAW:
		return json_loadb(v->s, v->len, JSON_DECODE_ANY, NULL);
	case JK_TIME:
		iso_format(buf, v->i);
		return json_string(buf);
	case JK_DATE:
		iso_format_date(buf, (int32_t)v->i);
		return json_string(buf);
	default:
		return NULL;
	}
}

json_t *
record_to_json(const struct record *r)
{
	json_t *o = json_object();
	char key[256];

	for (size_t i = 0; i < r->schema->n; i++)
		if (r->v[i].kind != JK_ABSENT)
			json_object_set_new(o, r->schema->f[i].name,
			    jval_to_json(&r->v[i]));
	for (size_t k = 0; k < r->nextra; k++) {
		/* Keys are NUL-free (jansson refuses \u0000 in keys). */
		json_t *val = jval_to_json(&r->extra[k].v);
		if (r->extra[k].key_len < sizeof key) {
			memcpy(key, r->extra[k].key, r->extra[k].key_len);
			key[r->extra[k].key_len] = '\0';
			json_object_set_new(o, key, val);
		} else {
			char *big = xstrndup(r->extra[k].key,
			    r->extra[k].key_len);
			json_object_set_new(o, big, val);
			free(big);
		}
	}
	return o;
}
