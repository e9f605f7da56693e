#include "schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "embedded.h"
#include "xalloc.h"

static const char *const type_names[] = {
	[FT_STRING] = "string", [FT_INTEGER] = "integer", [FT_LONG] = "long",
	[FT_DOUBLE] = "double", [FT_BOOLEAN] = "boolean",
	[FT_TIMESTAMP] = "timestamp", [FT_DATE] = "date",
	[FT_STRUCT] = "struct", [FT_BYTE] = "byte", [FT_SHORT] = "short",
	[FT_FLOAT] = "float", [FT_BINARY] = "binary", [FT_DECIMAL] = "decimal",
};
#define NTYPES	(sizeof type_names / sizeof type_names[0])

const char *
ftype_name(enum ftype t)
{
	return type_names[t];
}

int
schema_find(const struct schema *s, const char *name, size_t len)
{
	uint32_t k = strindex_find(&s->names, name, len);

	return k == STRINDEX_NONE ? -1 : (int)k;
}

int
schema_need(const struct schema *s, const char *name)
{
	int i = schema_find(s, name, strlen(name));

	if (i < 0)
		cli_die(EXIT_FAIL, "schema has no field '%s'", name);
	return i;
}

static bool
valid_name(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

void
schema_free(struct schema *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].name);
		schema_free(s->f[i].sub);
		json_decref(s->f[i].json);
	}
	free(s->f);
	strindex_free(&s->names);
	free(s);
}

static struct schema *from_json(json_t *root, char *err, size_t errlen);

static int
field_type(json_t *t, struct field *f, char *err, size_t errlen)
{
	if (json_is_object(t)) {
		f->type = FT_STRUCT;
		f->sub = from_json(t, err, errlen);
		return f->sub ? 0 : -1;
	}
	if (!json_is_string(t)) {
		snprintf(err, errlen, "field '%s': type is not a string",
		    f->name);
		return -1;
	}
	const char *name = json_string_value(t);
	for (size_t k = 0; k < NTYPES; k++) {
		if (k != FT_STRUCT && strcmp(name, type_names[k]) == 0) {
			f->type = (enum ftype)k;
			/* Spark's default: DecimalType.USER_DEFAULT */
			f->precision = 10;
			f->scale = 0;
			return 0;
		}
	}
	int p, sc, end = 0;
	if (sscanf(name, "decimal(%d ,%d )%n", &p, &sc, &end) == 2 &&
	    name[end] == '\0' && end > 0) {
		if (p < 1 || p > 38 || sc < 0 || sc > p) {
			snprintf(err, errlen, "field '%s': %s: precision must "
			    "be 1 to 38 and scale 0 to the precision", f->name,
			    name);
			return -1;
		}
		f->type = FT_DECIMAL;
		f->precision = p;
		f->scale = sc;
		return 0;
	}
	snprintf(err, errlen, "field '%s': unsupported type '%s'", f->name,
	    name);
	return -1;
}

static struct schema *
from_json(json_t *root, char *err, size_t errlen)
{
	json_t *fields, *fj, *name, *nullable;
	struct schema *s;
	size_t i;

	if (!json_is_object(root) ||
	    !json_is_string(json_object_get(root, "type")) ||
	    strcmp(json_string_value(json_object_get(root, "type")),
	    "struct") != 0 ||
	    !json_is_array(fields = json_object_get(root, "fields"))) {
		snprintf(err, errlen, "not a StructType "
		    "({\"type\":\"struct\",\"fields\":[...]})");
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->n = json_array_size(fields);
	s->f = xcalloc(s->n, sizeof *s->f);
	json_array_foreach(fields, i, fj) {
		struct field *f = &s->f[i];
		name = json_object_get(fj, "name");
		nullable = json_object_get(fj, "nullable");
		if (!json_is_string(name) || !valid_name(json_string_value(name))) {
			snprintf(err, errlen, "field %zu: missing or unusable "
			    "name (letters, digits and '_' only)", i + 1);
			goto fail;
		}
		f->name = xstrdup(json_string_value(name));
		f->name_len = strlen(f->name);
		for (size_t k = 0; k < i; k++) {
			if (strcasecmp(s->f[k].name, f->name) == 0) {
				snprintf(err, errlen, "field '%s' appears twice "
				    "(names are unique ignoring case)", f->name);
				goto fail;
			}
		}
		if (field_type(json_object_get(fj, "type"), f, err, errlen) != 0)
			goto fail;
		f->nullable = nullable == NULL || json_is_true(nullable);
		f->json = json_incref(fj);
		/* Numbered in order: the names are unique. */
		strindex_add(&s->names, f->name, f->name_len, NULL);
	}
	return s;
fail:
	schema_free(s);
	return NULL;
}

struct schema *
schema_parse(const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	struct schema *s;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "line %d: %s", je.line, je.text);
		return NULL;
	}
	s = from_json(root, err, errlen);
	json_decref(root);
	return s;
}

struct schema *
schema_load(const char *name, char *err, size_t errlen)
{
	char builtin[64];
	const char *text;
	size_t len, n = strlen(name);
	FILE *fp;
	char *buf;
	struct schema *s;

	if (strchr(name, '/') == NULL &&
	    (n < 5 || strcmp(name + n - 5, ".json") != 0)) {
		snprintf(builtin, sizeof builtin, "schemas/%s.json", name);
		text = embedded_get(builtin, &len);
		if (text == NULL) {
			snprintf(err, errlen, "no builtin schema '%s' "
			    "(reading, bronze, silver, gold; or give a path)",
			    name);
			return NULL;
		}
		return schema_parse(text, len, err, errlen);
	}
	/* The writers' schemas: see schema.h. */
	if ((fp = fopen(name, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %m", name);
		return NULL;
	}
	buf = NULL;
	len = 0;
	{
		size_t cap = 0, got;
		do {
			xgrow(&buf, &cap, len + 65536, 1);
			got = fread(buf + len, 1, cap - len, fp);
			len += got;
		} while (got > 0 && len < (64u << 20));
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", name);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	s = schema_parse(buf, len, err, errlen);
	if (s != NULL && schema_check_writable(s, err, errlen) != 0) {
		schema_free(s);
		s = NULL;
	}
	if (s == NULL) {
		char tmp[256];
		snprintf(tmp, sizeof tmp, "%s", err);
		snprintf(err, errlen, "%s: %s", name, tmp);
	}
	free(buf);
	return s;
}

int
schema_check_writable(const struct schema *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct field *f = &s->f[i];
		if (f->type == FT_STRUCT) {
			if (schema_check_writable(f->sub, err, errlen) != 0)
				return -1;
		} else if (f->type > FT_STRUCT) {
			snprintf(err, errlen, "column %s is a %s: tables with "
			    "it can be read, not written", f->name,
			    ftype_name(f->type));
			return -1;
		}
	}
	return 0;
}

/* A field's type as a schema file spells it, decimals with their
 * precision and scale, into buf. */
static const char *
type_text(const struct field *f, char *buf, size_t len)
{
	if (f->type != FT_DECIMAL)
		return type_names[f->type];
	snprintf(buf, len, "decimal(%d,%d)", f->precision, f->scale);
	return buf;
}

/* schema_compare, with the path of the struct being compared. */
static int
compare_at(const struct schema *want, const struct schema *have,
    const char *prefix, char *err, size_t errlen)
{
	char wt[32], ht[32];

	for (size_t i = 0; i < want->n || i < have->n; i++) {
		const struct field *w = i < want->n ? &want->f[i] : NULL;
		const struct field *h = i < have->n ? &have->f[i] : NULL;
		if (h == NULL || w == NULL || strcmp(w->name, h->name) != 0) {
			if (w == NULL)
				snprintf(err, errlen, "the table has column "
				    "%s%s more", prefix, h->name);
			else if (h == NULL)
				snprintf(err, errlen, "the table has no column "
				    "%s%s", prefix, w->name);
			else
				snprintf(err, errlen, "column %zu is %s%s, the "
				    "table's is %s%s", i + 1, prefix, w->name,
				    prefix, h->name);
			return -1;
		}
		if (w->type != h->type || (w->type == FT_DECIMAL &&
		    (w->precision != h->precision || w->scale != h->scale)) ||
		    w->nullable != h->nullable) {
			snprintf(err, errlen, "column %s%s is %s%s, the "
			    "table's is %s%s", prefix, w->name,
			    w->nullable ? "" : "non-null ",
			    type_text(w, wt, sizeof wt),
			    h->nullable ? "" : "non-null ",
			    type_text(h, ht, sizeof ht));
			return -1;
		}
		if (w->type == FT_STRUCT) {
			char p[256];
			snprintf(p, sizeof p, "%s%s.", prefix, w->name);
			if (compare_at(w->sub, h->sub, p, err, errlen) != 0)
				return -1;
		}
	}
	return 0;
}

int
schema_added_columns(const struct schema *want, const struct schema *have)
{
	size_t h = 0;
	int added = 0;
	char why[256];

	for (size_t w = 0; w < want->n; w++) {
		const struct field *f = &want->f[w];
		if (h < have->n && strcmp(f->name, have->f[h].name) == 0) {
			struct schema one = { .f = (struct field *)f, .n = 1 };
			struct schema other = { .f = &have->f[h], .n = 1 };
			if (compare_at(&one, &other, "", why, sizeof why) != 0)
				return -1;
			h++;
			continue;
		}
		if (!f->nullable || schema_find(have, f->name,
		    strlen(f->name)) >= 0)
			return -1;
		added++;
	}
	return h == have->n ? added : -1;
}

int
schema_compare(const struct schema *want, const struct schema *have,
    char *err, size_t errlen)
{
	return compare_at(want, have, "", err, errlen);
}

json_t *
schema_to_json(const struct schema *s)
{
	json_t *fields = json_array();

	for (size_t i = 0; i < s->n; i++) {
		const struct field *f = &s->f[i];
		json_t *md = json_object_get(f->json, "metadata");
		char buf[32];
		json_t *type = f->type == FT_STRUCT ? schema_to_json(f->sub) :
		    json_string(type_text(f, buf, sizeof buf));

		md = json_is_object(md) ? json_incref(md) : json_object();
		json_array_append_new(fields, json_pack("{s:s, s:o, s:b, s:o}",
		    "name", f->name, "type", type, "nullable", f->nullable,
		    "metadata", md));
	}
	return json_pack("{s:s, s:o}", "type", "struct", "fields", fields);
}

struct schema *
schema_merge(const struct schema *a, const struct schema *b)
{
	json_t *root = schema_to_json(a);
	json_t *fields = json_object_get(root, "fields");
	json_t *more = schema_to_json(b);
	size_t i;
	json_t *f;
	char err[256];
	struct schema *m;

	json_array_foreach(json_object_get(more, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f,
		    "name"));
		if (schema_find(a, name, strlen(name)) < 0)
			json_array_append(fields, f);
	}
	m = from_json(root, err, sizeof err);
	if (m == NULL)
		cli_die(EXIT_FAIL, "merging schemas: %s", err);
	json_decref(root);
	json_decref(more);
	return m;
}
