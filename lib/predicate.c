#include "predicate.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "isotime.h"
#include "xalloc.h"

/*
 * A float column's values compare as floats: the literal, the bounds and
 * the row's value are each rounded to float first, so that 1.1 matches
 * the float printed as 1.1.  One too large for a float stays as it is
 * (a float can only be below it).
 */
static double
as_float(double d)
{
	return fabs(d) <= FLT_MAX ? (double)(float)d : d;
}

/* U+10FFFF, the tie-breaker a truncated string maximum may end in. */
#define MAX_CODE_POINT	"\xf4\x8f\xbf\xbf"

/* ------------------------------------------------------------------ */
/* Lexing */

enum tok_kind { TK_END, TK_IDENT, TK_STRING, TK_NUMBER, TK_OP };

struct token {
	enum tok_kind kind;
	size_t at;		/* byte offset of its first character */
	const char *p;		/* its text as written */
	size_t len;
	char *str;		/* TK_STRING: the decoded text, owned */
	size_t str_len;
	enum pred_op op;	/* TK_OP */
};

struct parser {
	const struct schema *s;
	const char *text;
	size_t pos, len;
	char *err;
	size_t errlen;
};

/* Where a message points: characters, not bytes, counted from 1, so
 * that a patient name in UTF-8 before the mistake does not shift it. */
static size_t
char_at(const struct parser *ps, size_t at)
{
	size_t n = 1;

	for (size_t i = 0; i < at && i < ps->len; i++)
		n += ((unsigned char)ps->text[i] & 0xC0) != 0x80;
	return n;
}

static void __attribute__((format(printf, 3, 4)))
fail_at(struct parser *ps, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->err, ps->errlen, "at character %zu: ",
	    char_at(ps, at));
	if (n < 0 || (size_t)n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
}

static bool
is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool
is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static bool
word_is(const struct token *t, const char *w)
{
	return t->kind == TK_IDENT && t->len == strlen(w) &&
	    strncasecmp(t->p, w, t->len) == 0;
}

/* A keyword where a column or a literal may stand. */
static bool
is_literal_word(const struct token *t)
{
	return word_is(t, "true") || word_is(t, "false") ||
	    word_is(t, "null");
}

static void
skip_space(struct parser *ps)
{
	while (ps->pos < ps->len && isspace((unsigned char)ps->text[ps->pos]))
		ps->pos++;
}

/* The next token; 0, or -1 with a message for text no token starts
 * with (an unterminated string, a character of no token). */
static int
next_token(struct parser *ps, struct token *t)
{
	const char *s = ps->text;
	size_t i;
	int c;

	memset(t, 0, sizeof *t);
	skip_space(ps);
	t->at = i = ps->pos;
	t->p = s + i;
	if (i >= ps->len) {
		t->kind = TK_END;
		return 0;
	}
	c = (unsigned char)s[i];
	if (is_ident_start(c)) {
		while (i < ps->len && is_ident((unsigned char)s[i]))
			i++;
		t->kind = TK_IDENT;
	} else if (c == '\'') {
		/* '' inside is one quote, as SQL has it. */
		char *out = xmalloc(ps->len - i + 1);
		size_t n = 0;
		for (i++;; i++) {
			if (i >= ps->len) {
				free(out);
				fail_at(ps, t->at, "a string that does not end "
				    "(a quote is missing)");
				return -1;
			}
			if (s[i] == '\'') {
				if (i + 1 < ps->len && s[i + 1] == '\'') {
					out[n++] = '\'';
					i++;
					continue;
				}
				i++;
				break;
			}
			out[n++] = s[i];
		}
		out[n] = '\0';
		t->kind = TK_STRING;
		t->str = out;
		t->str_len = n;
	} else if (isdigit(c) || ((c == '-' || c == '+' || c == '.') &&
	    i + 1 < ps->len && (isdigit((unsigned char)s[i + 1]) ||
	    s[i + 1] == '.'))) {
		/* The whole run, checked when it meets its column, so that
		 * "12abc" is one bad number rather than two tokens. */
		for (i++; i < ps->len; i++) {
			int d = (unsigned char)s[i];
			if (is_ident(d) || d == '.' || ((d == '-' ||
			    d == '+') && (s[i - 1] == 'e' || s[i - 1] == 'E')))
				continue;
			break;
		}
		t->kind = TK_NUMBER;
	} else if (c == '=' || c == '<' || c == '>' || c == '!') {
		bool eq = i + 1 < ps->len && s[i + 1] == '=';
		t->kind = TK_OP;
		if ((c == '=' && eq) || c == '!' || (c == '<' &&
		    i + 1 < ps->len && s[i + 1] == '>')) {
			fail_at(ps, i, "'%.2s' is not supported: the operators "
			    "are =, <, <=, > and >=", s + i);
			return -1;
		}
		i += 1 + (eq && c != '=');
		t->op = c == '=' ? PRED_EQ : c == '<' ? (eq ? PRED_LE :
		    PRED_LT) : (eq ? PRED_GE : PRED_GT);
	} else if (c == '"') {
		fail_at(ps, i, "strings are written in single quotes, "
		    "like 'p1'");
		return -1;
	} else {
		size_t n = 1;
		while (i + n < ps->len && ((unsigned char)s[i + n] & 0xC0)
		    == 0x80)
			n++;
		fail_at(ps, i, "unexpected '%.*s'", (int)n, s + i);
		return -1;
	}
	t->len = i - t->at;
	ps->pos = i;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Literals */

/* [+-]digits, nothing else. */
static bool
integer_syntax(const char *p, size_t len)
{
	size_t i = p[0] == '-' || p[0] == '+';

	if (i >= len)
		return false;
	for (; i < len; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return true;
}

/* [+-](digits[.digits*]|.digits)[(e|E)[+-]digits]: SQL's numbers, which
 * strtod would also take with hex, inf and nan. */
static bool
decimal_syntax(const char *p, size_t len)
{
	size_t i = p[0] == '-' || p[0] == '+', digits = 0;

	while (i < len && isdigit((unsigned char)p[i]))
		i++, digits++;
	if (i < len && p[i] == '.')
		for (i++; i < len && isdigit((unsigned char)p[i]); i++)
			digits++;
	if (digits == 0)
		return false;
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		size_t e = 0;
		i++;
		if (i < len && (p[i] == '-' || p[i] == '+'))
			i++;
		while (i < len && isdigit((unsigned char)p[i]))
			i++, e++;
		if (e == 0)
			return false;
	}
	return i == len;
}

/* What a column of each type is compared with, for messages. */
static const char *
literal_hint(enum ftype t)
{
	switch (t) {
	case FT_STRING: return "a quoted string such as 'p1'";
	case FT_BYTE:
	case FT_SHORT:
	case FT_INTEGER:
	case FT_LONG: return "an integer such as 42";
	case FT_FLOAT:
	case FT_DOUBLE: return "a number such as 37.5";
	case FT_BOOLEAN: return "true or false";
	case FT_DATE: return "a quoted date such as '2026-01-01'";
	case FT_TIMESTAMP: return "a quoted ISO 8601 timestamp such as "
	    "'2026-01-01T00:00:00Z'";
	case FT_DECIMAL: return "a number such as 12.50, with no more "
	    "fraction digits than the scale";
	case FT_BINARY:
	case FT_STRUCT: break;
	}
	return "nothing";
}

/* The literal in token l as the type of term t; 0, or -1 with err. */
static int
convert(struct parser *ps, struct pred_term *t, struct token *l)
{
	char buf[400], *end;
	int64_t us;
	int32_t days;

	if (word_is(l, "null")) {
		fail_at(ps, l->at, "a comparison with NULL is never true "
		    "(and IS NULL is not supported)");
		return -1;
	}
	switch (t->type) {
	case FT_STRING:
		if (l->kind != TK_STRING)
			break;
		t->v.s = l->str;
		t->v.len = l->str_len;
		l->str = NULL;
		return 0;
	case FT_BYTE:
	case FT_SHORT:
	case FT_INTEGER:
	case FT_LONG:
		if (l->kind != TK_NUMBER || !integer_syntax(l->p, l->len))
			break;
		snprintf(buf, sizeof buf, "%.*s", (int)l->len, l->p);
		errno = 0;
		long long n = strtoll(buf, &end, 10);
		if (errno != 0 || *end != '\0') {
			fail_at(ps, l->at, "%s is out of range for column %s",
			    buf, t->name);
			return -1;
		}
		t->v.i = n;
		return 0;
	case FT_FLOAT:
	case FT_DOUBLE:
		if (l->kind != TK_NUMBER || !decimal_syntax(l->p, l->len) ||
		    l->len >= sizeof buf)
			break;
		snprintf(buf, sizeof buf, "%.*s", (int)l->len, l->p);
		errno = 0;
		t->v.d = strtod(buf, &end);
		if (*end != '\0' || !isfinite(t->v.d)) {
			fail_at(ps, l->at, "%s is out of range for column %s",
			    buf, t->name);
			return -1;
		}
		if (t->type == FT_FLOAT)
			t->v.d = as_float(t->v.d);
		return 0;
	case FT_BOOLEAN:
		if (!word_is(l, "true") && !word_is(l, "false"))
			break;
		t->v.i = word_is(l, "true");
		return 0;
	case FT_DATE:
		if (l->kind != TK_STRING)
			break;
		if (iso_parse_date(l->str, l->str_len, &days) != 0) {
			fail_at(ps, l->at, "'%s' is not a date (YYYY-MM-DD) "
			    "for column %s", l->str, t->name);
			return -1;
		}
		t->v.i = days;
		return 0;
	case FT_TIMESTAMP:
		if (l->kind != TK_STRING)
			break;
		if (iso_parse(l->str, l->str_len, &us) == 0) {
			t->v.i = us;
			return 0;
		}
		if (iso_parse_date(l->str, l->str_len, &days) == 0) {
			t->v.i = days * USEC_PER_DAY;
			return 0;
		}
		fail_at(ps, l->at, "'%s' is not an ISO 8601 timestamp for "
		    "column %s", l->str, t->name);
		return -1;
	case FT_DECIMAL:
		if (l->kind != TK_NUMBER || !decimal_syntax(l->p, l->len))
			break;
		if (decimal_parse(l->p, l->len, t->precision, t->scale,
		    &t->v.dec) != 0) {
			fail_at(ps, l->at, "%.*s is not a decimal(%d,%d) value "
			    "for column %s (more digits, or fraction digits, "
			    "than it holds)", (int)(l->len > 40 ? 40 : l->len),
			    l->p, t->precision, t->scale, t->name);
			return -1;
		}
		return 0;
	case FT_BINARY:
	case FT_STRUCT:
		break;	/* refused by comparison() */
	}
	fail_at(ps, l->at, "column %s (%s) is compared with %s, not "
	    "%.*s", t->name, ftype_name(t->type), literal_hint(t->type),
	    (int)(l->len > 40 ? 40 : l->len), l->p);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Parsing */

static enum pred_op
flip(enum pred_op op)
{
	switch (op) {
	case PRED_LT: return PRED_GT;
	case PRED_LE: return PRED_GE;
	case PRED_GT: return PRED_LT;
	case PRED_GE: return PRED_LE;
	case PRED_EQ: break;
	}
	return op;
}

static bool
is_column(const struct token *t)
{
	return t->kind == TK_IDENT && !is_literal_word(t) &&
	    !word_is(t, "and") && !word_is(t, "or");
}

static bool
is_literal(const struct token *t)
{
	return t->kind == TK_STRING || t->kind == TK_NUMBER ||
	    is_literal_word(t);
}

/* An operand; a keyword, an operator or the end is an error that says
 * what it follows. */
static int
operand(struct parser *ps, struct token *t, const char *after)
{
	if (next_token(ps, t) != 0)
		return -1;
	if (is_column(t) || is_literal(t))
		return 0;
	if (t->kind == TK_END)
		fail_at(ps, t->at, "the predicate ends where a column or a "
		    "literal should follow %s", after);
	else
		fail_at(ps, t->at, "expected a column or a literal after "
		    "%s, not '%.*s'", after, (int)t->len, t->p);
	return -1;
}

/* The column named by token c; -1 with a message naming it. */
static int
resolve(struct parser *ps, const struct token *c)
{
	int i = schema_find(ps->s, c->p, c->len);

	if (i >= 0)
		return i;
	for (size_t k = 0; k < ps->s->n; k++)
		if (ps->s->f[k].name_len == c->len &&
		    strncasecmp(ps->s->f[k].name, c->p, c->len) == 0) {
			fail_at(ps, c->at, "no column %.*s in the table "
			    "(did you mean %s?)", (int)c->len, c->p,
			    ps->s->f[k].name);
			return -1;
		}
	fail_at(ps, c->at, "no column %.*s in the table", (int)c->len, c->p);
	return -1;
}

/* One comparison into *t; 0, or -1 with err. */
static int
comparison(struct parser *ps, struct pred_term *t, const char *after)
{
	struct token a, op, b, *col, *lit;
	char what[80];
	int rc = -1, i;

	memset(&b, 0, sizeof b);
	memset(&op, 0, sizeof op);
	if (operand(ps, &a, after) != 0)
		goto out;
	snprintf(what, sizeof what, "'%.*s'", (int)(a.len > 40 ? 40 : a.len),
	    a.p);
	if (next_token(ps, &op) != 0)
		goto out;
	if (op.kind != TK_OP) {
		if (word_is(&op, "is") || word_is(&op, "in") ||
		    word_is(&op, "like") || word_is(&op, "between") ||
		    word_is(&op, "not"))
			fail_at(ps, op.at, "%.*s is not supported: the "
			    "operators are =, <, <=, > and >=", (int)op.len,
			    op.p);
		else
			fail_at(ps, op.at, "expected =, <, <=, > or >= after "
			    "%s%s", what, op.kind == TK_END ? ", at the end" :
			    "");
		goto out;
	}
	if (operand(ps, &b, pred_op_name(op.op)) != 0)
		goto out;
	if (is_column(&a) && is_literal(&b)) {
		col = &a, lit = &b;
		t->op = op.op;
	} else if (is_literal(&a) && is_column(&b)) {
		col = &b, lit = &a;
		t->op = flip(op.op);
	} else if (is_column(&a)) {
		fail_at(ps, a.at, "compares two columns (%.*s and %.*s): one "
		    "side must be a literal", (int)a.len, a.p, (int)b.len,
		    b.p);
		goto out;
	} else {
		fail_at(ps, a.at, "compares two literals: one side must be "
		    "a column");
		goto out;
	}
	if ((i = resolve(ps, col)) < 0)
		goto out;
	t->col = i;
	t->name = xstrdup(ps->s->f[i].name);
	t->type = ps->s->f[i].type;
	t->precision = ps->s->f[i].precision;
	t->scale = ps->s->f[i].scale;
	if (t->type == FT_STRUCT) {
		fail_at(ps, col->at, "column %s is a struct: only columns of "
		    "simple types can be compared", t->name);
		goto out;
	}
	if (t->type == FT_BINARY) {
		fail_at(ps, col->at, "column %s is a binary: comparing binary "
		    "columns is not supported", t->name);
		goto out;
	}
	rc = convert(ps, t, lit);
out:
	free(a.str);
	free(op.str);
	free(b.str);
	return rc;
}

struct predicate *
predicate_parse(const struct schema *s, const char *text, char *err,
    size_t errlen)
{
	struct parser ps = { .s = s, .text = text, .len = strlen(text),
	    .err = err, .errlen = errlen };
	struct predicate *p = xcalloc(1, sizeof *p);
	size_t cap = 0;
	struct token t;
	const char *after = "the start";

	skip_space(&ps);
	if (ps.pos == ps.len) {
		fail(&ps, "the predicate is empty");
		goto bad;
	}
	for (;;) {
		xgrow(&p->t, &cap, p->n + 1, sizeof *p->t);
		memset(&p->t[p->n], 0, sizeof p->t[p->n]);
		p->n++;
		if (comparison(&ps, &p->t[p->n - 1], after) != 0)
			goto bad;
		if (next_token(&ps, &t) != 0)
			goto bad;
		if (t.kind == TK_END)
			break;
		if (word_is(&t, "or")) {
			fail_at(&ps, t.at, "OR is not supported: comparisons "
			    "are joined by AND");
			goto bad;
		}
		if (!word_is(&t, "and")) {
			fail_at(&ps, t.at, "expected AND or the end of the "
			    "predicate, not '%.*s'", (int)(t.len > 40 ? 40 :
			    t.len), t.p);
			free(t.str);
			goto bad;
		}
		after = "AND";
	}
	return p;
bad:
	predicate_free(p);
	return NULL;
}

void
predicate_free(struct predicate *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->t[i].name);
		free(p->t[i].v.s);
	}
	free(p->t);
	free(p);
}

const char *
pred_op_name(enum pred_op op)
{
	switch (op) {
	case PRED_EQ: return "=";
	case PRED_LT: return "<";
	case PRED_LE: return "<=";
	case PRED_GT: return ">";
	case PRED_GE: return ">=";
	}
	return "?";
}

const char *
predicate_outside(const struct predicate *p, char *const *cols, size_t n)
{
	for (size_t i = 0; i < p->n; i++) {
		size_t k;
		for (k = 0; k < n; k++)
			if (strcmp(p->t[i].name, cols[k]) == 0)
				break;
		if (k == n)
			return p->t[i].name;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Comparing */

/* A value of a term's column, from a row, a partition value or a
 * statistic; ok is false when there is none to compare. */
struct val {
	bool ok;
	bool real;		/* an integer column's value given as a double */
	int64_t i;
	double d;
	dec128 dec;
	const char *s;
	size_t len;
};

/* The sign of (v - the term's literal); v->ok. */
static int
cmp_val(const struct pred_term *t, const struct val *v)
{
	size_t n;
	int c;

	switch (t->type) {
	case FT_STRING:
		n = v->len < t->v.len ? v->len : t->v.len;
		c = memcmp(v->s, t->v.s, n);
		if (c != 0)
			return c < 0 ? -1 : 1;
		return (v->len > t->v.len) - (v->len < t->v.len);
	case FT_FLOAT:
	case FT_DOUBLE:
		return (v->d > t->v.d) - (v->d < t->v.d);
	case FT_DECIMAL:
		return (v->dec > t->v.dec) - (v->dec < t->v.dec);
	case FT_BYTE:
	case FT_SHORT:
	case FT_INTEGER:
	case FT_LONG:
		if (v->real)
			return (v->d > (double)t->v.i) -
			    (v->d < (double)t->v.i);
		/* FALLTHROUGH */
	default:
		return (v->i > t->v.i) - (v->i < t->v.i);
	}
}

/* Whether the term holds for the value v (false when v is null). */
static bool
holds(const struct pred_term *t, const struct val *v)
{
	int c;

	if (!v->ok)
		return false;
	c = cmp_val(t, v);
	switch (t->op) {
	case PRED_EQ: return c == 0;
	case PRED_LT: return c < 0;
	case PRED_LE: return c <= 0;
	case PRED_GT: return c > 0;
	case PRED_GE: return c >= 0;
	}
	return false;
}

/* Whether some value in [lo, hi] may satisfy the term; a bound that is
 * not ok is open. */
static bool
range_may_hold(const struct pred_term *t, const struct val *lo,
    const struct val *hi)
{
	switch (t->op) {
	case PRED_EQ:
		return !(lo->ok && cmp_val(t, lo) > 0) &&
		    !(hi->ok && cmp_val(t, hi) < 0);
	case PRED_LT:
		return !(lo->ok && cmp_val(t, lo) >= 0);
	case PRED_LE:
		return !(lo->ok && cmp_val(t, lo) > 0);
	case PRED_GT:
		return !(hi->ok && cmp_val(t, hi) <= 0);
	case PRED_GE:
		return !(hi->ok && cmp_val(t, hi) < 0);
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Files */

/* Partition value text as the term's type, read as lib/delta_scan.c
 * reads it for the rows (PROTOCOL.md "Partition Value Serialization").
 * Returns 1 and *v (v->ok false for a null partition), or 0 when the
 * text is not a value of that type: then it decides nothing. */
static int
partition_val(const struct pred_term *t, const json_t *pv, struct val *v)
{
	const char *s = json_string_value(pv);
	size_t len = json_string_length(pv);
	long long n;
	int32_t days;
	char *end;

	memset(v, 0, sizeof *v);
	if (json_is_null(pv) || (json_is_string(pv) && len == 0))
		return 1;
	if (!json_is_string(pv))
		return 0;
	switch (t->type) {
	case FT_STRING:
		v->s = s;
		v->len = len;
		break;
	case FT_BYTE:
	case FT_SHORT:
	case FT_INTEGER:
	case FT_LONG: {
		int bits = t->type == FT_BYTE ? 8 : t->type == FT_SHORT ? 16 :
		    t->type == FT_INTEGER ? 32 : 64;
		long long hi = bits == 64 ? INT64_MAX :
		    (long long)((UINT64_C(1) << (bits - 1)) - 1);
		if (cli_parse_int(s, -hi - 1, hi, &n) != 0)
			return 0;
		v->i = n;
		break;
	}
	case FT_FLOAT:
	case FT_DOUBLE:
		errno = 0;
		v->d = strtod(s, &end);
		if (end == s || *end != '\0' || errno != 0 || isnan(v->d))
			return 0;
		if (t->type == FT_FLOAT)
			v->d = as_float(v->d);
		break;
	case FT_BOOLEAN:
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return 0;
		v->i = s[0] == 't';
		break;
	case FT_DATE:
		if (iso_parse_date(s, len, &days) != 0)
			return 0;
		v->i = days;
		break;
	case FT_TIMESTAMP:
		if (iso_parse(s, len, &v->i) != 0)
			return 0;
		break;
	case FT_DECIMAL:
		if (decimal_parse(s, len, t->precision, t->scale,
		    &v->dec) != 0)
			return 0;
		break;
	case FT_BINARY:
	case FT_STRUCT:
		return 0;
	}
	v->ok = true;
	return 1;
}

/* One bound of a column from minValues or maxValues (j may be NULL);
 * v->ok false when it bounds nothing. */
static void
stat_val(const struct pred_term *t, const json_t *j, bool max,
    struct val *v)
{
	const char *s = json_string_value(j);
	size_t len = json_string_length(j);
	int32_t days;

	memset(v, 0, sizeof *v);
	switch (t->type) {
	case FT_STRING:
		/* A minimum cut to a prefix is still below every value.
		 * A maximum cut to a prefix ends in a tie-breaker above the
		 * next character, unless that character was U+10FFFF:
		 * then values that begin with the bound exceed it. */
		if (s == NULL || (max && len >= 4 && memcmp(s + len - 4,
		    MAX_CODE_POINT, 4) == 0))
			return;
		v->s = s;
		v->len = len;
		break;
	case FT_BYTE:
	case FT_SHORT:
	case FT_INTEGER:
	case FT_LONG:
		if (!json_is_integer(j))
			return;
		v->i = json_integer_value(j);
		break;
	case FT_FLOAT:
	case FT_DOUBLE:
		if (!json_is_number(j))
			return;
		/* Rounding to float keeps a bound a bound: it is
		 * monotonic, and the values are floats. */
		v->d = t->type == FT_FLOAT ? as_float(json_number_value(j)) :
		    json_number_value(j);
		break;
	case FT_BOOLEAN:
		if (!json_is_boolean(j))
			return;
		v->i = json_is_true(j);
		break;
	case FT_DATE:
		if (s == NULL || iso_parse_date(s, len, &days) != 0)
			return;
		v->i = days;
		break;
	case FT_TIMESTAMP:
		/* Milliseconds, truncated: the maximum bounds the values
		 * of its millisecond. */
		if (s == NULL || iso_parse(s, len, &v->i) != 0)
			return;
		if (max)
			v->i += 999;
		break;
	case FT_DECIMAL:	/* a JSON number: not exact in jansson */
	case FT_BINARY:
	case FT_STRUCT:
		return;
	}
	v->ok = true;
}

static bool
partitions_may_match(const struct predicate *p, const json_t *pvalues,
    bool *decided)
{
	for (size_t i = 0; i < p->n; i++) {
		const json_t *pv = json_object_get(pvalues, p->t[i].name);
		struct val v;
		decided[i] = false;
		if (pv == NULL || partition_val(&p->t[i], pv, &v) == 0)
			continue;
		decided[i] = true;
		if (!holds(&p->t[i], &v))
			return false;
	}
	return true;
}

bool
predicate_may_match_partition(const struct predicate *p,
    const json_t *pvalues)
{
	bool *decided = xcalloc(p->n, sizeof *decided);
	bool may = partitions_may_match(p, pvalues, decided);

	free(decided);
	return may;
}

bool
predicate_may_match_file(const struct predicate *p, const json_t *pvalues,
    const char *stats)
{
	bool *decided = xcalloc(p->n, sizeof *decided), may;
	json_t *st = NULL, *rows, *mins, *maxs, *nulls;

	may = partitions_may_match(p, pvalues, decided);
	if (!may || stats == NULL ||
	    (st = json_loads(stats, 0, NULL)) == NULL ||
	    !json_is_object(st))
		goto out;
	rows = json_object_get(st, "numRecords");
	if (json_is_integer(rows) && json_integer_value(rows) == 0) {
		may = false;
		goto out;
	}
	mins = json_object_get(st, "minValues");
	maxs = json_object_get(st, "maxValues");
	nulls = json_object_get(st, "nullCount");
	for (size_t i = 0; i < p->n && may; i++) {
		const struct pred_term *t = &p->t[i];
		json_t *nc = json_object_get(nulls, t->name);
		struct val lo, hi;
		if (decided[i])
			continue;
		/* A comparison with null is false: a column that is null
		 * in every row matches in none. */
		if (json_is_integer(rows) && json_is_integer(nc) &&
		    json_integer_value(nc) == json_integer_value(rows)) {
			may = false;
			break;
		}
		stat_val(t, json_object_get(mins, t->name), false, &lo);
		stat_val(t, json_object_get(maxs, t->name), true, &hi);
		may = range_may_hold(t, &lo, &hi);
	}
out:
	json_decref(st);
	free(decided);
	return may;
}

bool
predicate_may_match_add(const struct predicate *p, const json_t *add)
{
	return predicate_may_match_file(p,
	    json_object_get(add, "partitionValues"),
	    json_string_value(json_object_get(add, "stats")));
}

/* ------------------------------------------------------------------ */
/* Rows */

static void
slot_val(const struct pred_term *t, const struct jval *j, struct val *v)
{
	int32_t days;

	memset(v, 0, sizeof *v);
	switch (t->type) {
	case FT_STRING:
		if (j->kind != JK_STRING)
			return;
		v->s = j->s;
		v->len = j->len;
		break;
	case FT_BYTE:
	case FT_SHORT:
	case FT_INTEGER:
	case FT_LONG:
		if (j->kind == JK_REAL) {
			if (isnan(j->d))
				return;
			v->real = true;
			v->d = j->d;
		} else if (j->kind == JK_INT) {
			v->i = j->i;
		} else {
			return;
		}
		break;
	case FT_FLOAT:
	case FT_DOUBLE:
		if (j->kind == JK_REAL && !isnan(j->d))
			v->d = j->d;
		else if (j->kind == JK_INT)
			v->d = (double)j->i;
		else
			return;
		if (t->type == FT_FLOAT)
			v->d = as_float(v->d);
		break;
	case FT_BOOLEAN:
		if (j->kind != JK_TRUE && j->kind != JK_FALSE)
			return;
		v->i = j->kind == JK_TRUE;
		break;
	case FT_DATE:
		if (j->kind == JK_DATE)
			v->i = j->i;
		else if (j->kind == JK_STRING &&
		    iso_parse_date(j->s, j->len, &days) == 0)
			v->i = days;
		else
			return;
		break;
	case FT_TIMESTAMP:
		if (j->kind == JK_TIME)
			v->i = j->i;
		else if (j->kind != JK_STRING ||
		    iso_parse(j->s, j->len, &v->i) != 0)
			return;
		break;
	case FT_DECIMAL:
		/* lib/delta_scan.c gives a decimal as its text. */
		if ((j->kind != JK_RAW && j->kind != JK_STRING) ||
		    decimal_parse(j->s, j->len, t->precision, t->scale,
		    &v->dec) != 0)
			return;
		break;
	case FT_BINARY:
	case FT_STRUCT:
		return;
	}
	v->ok = true;
}

bool
predicate_match_record(const struct predicate *p, const struct record *r)
{
	for (size_t i = 0; i < p->n; i++) {
		struct val v;
		slot_val(&p->t[i], &r->v[p->t[i].col], &v);
		if (!holds(&p->t[i], &v))
			return false;
	}
	return true;
}
