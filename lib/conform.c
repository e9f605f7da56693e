#include "conform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "xalloc.h"

struct column {
	struct cell cell;
	struct record *sub;	/* struct: its object, scanned */
	struct cell *subcells;	/* struct: the sub-fields' cells */
};

struct conform {
	const struct schema *s;
	struct column *col;
};

struct conform *
conform_new(const struct schema *s)
{
	struct conform *c = xcalloc(1, sizeof *c);

	c->s = s;
	c->col = xcalloc(s->n, sizeof *c->col);
	for (size_t i = 0; i < s->n; i++) {
		if (s->f[i].type != FT_STRUCT)
			continue;
		c->col[i].sub = record_new(s->f[i].sub);
		c->col[i].subcells = xcalloc(s->f[i].sub->n,
		    sizeof *c->col[i].subcells);
	}
	return c;
}

void
conform_free(struct conform *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->s->n; i++) {
		record_free(c->col[i].sub);
		free(c->col[i].subcells);
	}
	free(c->col);
	free(c);
}

/* The detail of an unknown key: its name, cut to 100 bytes. */
static void
unknown_key(const struct record *r, const char *what, char *detail,
    size_t dlen)
{
	size_t n = r->extra[0].key_len > 100 ? 100 : r->extra[0].key_len;

	snprintf(detail, dlen, "%s '%.*s'", what, (int)n, r->extra[0].key);
}

/* Converts one value to a cell of field f's type. */
static int
check_value(const struct field *f, const struct jval *v, struct cell *c,
    const char **reason, char *detail, size_t dlen)
{
	memset(c, 0, sizeof *c);
	if (v->kind == JK_ABSENT || v->kind == JK_NULL) {
		c->null = true;
		if (f->nullable)
			return 0;
		*reason = "missing_field";
		snprintf(detail, dlen, "%s is required", f->name);
		return -1;
	}
	switch (f->type) {
	case FT_STRING:
		if (v->kind != JK_STRING)
			break;
		c->s = v->s;
		c->len = v->len;
		return 0;
	case FT_INTEGER:
		if (v->kind != JK_INT || v->i < INT32_MIN || v->i > INT32_MAX)
			break;
		c->i = v->i;
		return 0;
	case FT_LONG:
		if (v->kind != JK_INT)
			break;
		c->i = v->i;
		return 0;
	case FT_DOUBLE:
		if (v->kind == JK_INT)
			c->d = (double)v->i;
		else if (v->kind == JK_REAL)
			c->d = v->d;
		else
			break;
		return 0;
	case FT_BOOLEAN:
		if (v->kind != JK_TRUE && v->kind != JK_FALSE)
			break;
		c->i = v->kind == JK_TRUE;
		return 0;
	case FT_TIMESTAMP:
		if (v->kind != JK_STRING || iso_parse(v->s, v->len, &c->i) != 0)
			break;
		return 0;
	case FT_DATE: {
		int32_t d;
		if (v->kind != JK_STRING || iso_parse_date(v->s, v->len, &d))
			break;
		c->i = d;
		return 0;
	}
	case FT_STRUCT:
		/* check_column's; a struct inside a struct has no column. */
		break;
	case FT_BYTE: case FT_SHORT: case FT_FLOAT: case FT_BINARY:
	case FT_DECIMAL:
		/* Read only: a writer's schema never has them. */
		break;
	}
	*reason = "schema_mismatch";
	snprintf(detail, dlen, "%s is not a%s %s", f->name,
	    f->type == FT_INTEGER ? "n" : "", f->type == FT_INTEGER ?
	    "integer (32-bit)" : ftype_name(f->type));
	return -1;
}

/* Column i's value; a struct's object is scanned with the struct's own
 * schema and each sub-field checked by check_value's rules. */
static int
check_column(struct conform *c, size_t i, const struct jval *v,
    const char **reason, char *detail, size_t dlen)
{
	const struct field *f = &c->s->f[i];
	struct column *col = &c->col[i];
	char err[200];

	if (f->type != FT_STRUCT || v->kind == JK_ABSENT || v->kind == JK_NULL)
		return check_value(f, v, &col->cell, reason, detail, dlen);
	memset(&col->cell, 0, sizeof col->cell);
	if (v->kind != JK_RAW || v->s[0] != '{' ||
	    record_scan(col->sub, v->s, v->len, err) != 0) {
		*reason = "schema_mismatch";
		snprintf(detail, dlen, "%s is not a struct", f->name);
		return -1;
	}
	if (col->sub->nextra > 0) {
		char what[160];
		snprintf(what, sizeof what, "%.100s has no field", f->name);
		*reason = "unknown_field";
		unknown_key(col->sub, what, detail, dlen);
		return -1;
	}
	for (size_t k = 0; k < f->sub->n; k++)
		if (check_value(&f->sub->f[k], &col->sub->v[k],
		    &col->subcells[k], reason, detail, dlen) != 0)
			return -1;
	return 0;
}

int
conform_check(struct conform *c, const struct record *r, const char **reason,
    char *detail, size_t dlen)
{
	if (r->nextra > 0) {
		*reason = "unknown_field";
		unknown_key(r, "the table has no column", detail, dlen);
		return -1;
	}
	for (size_t i = 0; i < c->s->n; i++)
		if (check_column(c, i, &r->v[i], reason, detail, dlen) != 0)
			return -1;
	return 0;
}

const struct cell *
conform_cell(const struct conform *c, size_t i)
{
	return &c->col[i].cell;
}

const struct cell *
conform_subcell(const struct conform *c, size_t i, size_t k)
{
	return &c->col[i].subcells[k];
}
