#include "roster.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "vitals.h"
#include "xalloc.h"

struct roster {
	struct roster_entry *e;
	size_t n, cap;
	uint32_t *table;	/* entry index + 1 */
	size_t mask;
};

static size_t
slot(const struct roster *r, const char *id, size_t len)
{
	size_t i = (size_t)hash_bytes(id, len, 0) & r->mask;

	while (r->table[i] != 0) {
		const char *k = r->e[r->table[i] - 1].patient_id;
		if (strlen(k) == len && memcmp(k, id, len) == 0)
			break;
		i = (i + 1) & r->mask;
	}
	return i;
}

const struct roster_entry *
roster_find(const struct roster *r, const char *id, size_t len)
{
	size_t i = slot(r, id, len);

	return r->table[i] ? &r->e[r->table[i] - 1] : NULL;
}

size_t
roster_size(const struct roster *r)
{
	return r->n;
}

void
roster_free(struct roster *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->e[i].patient_id);
		free(r->e[i].ward);
		free(r->e[i].sex);
		free(r->e[i].conditions);
	}
	free(r->e);
	free(r->table);
	free(r);
}

static char *
opt_string(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static char *
join_conditions(json_t *c)
{
	size_t i, len = 0;
	json_t *v;
	char *s;

	if (json_is_string(c))
		return json_string_length(c) ? xstrdup(json_string_value(c)) :
		    NULL;
	if (!json_is_array(c) || json_array_size(c) == 0)
		return NULL;
	json_array_foreach(c, i, v)
		len += json_is_string(v) ? json_string_length(v) + 1 : 0;
	if (len == 0)
		return NULL;
	s = xmalloc(len);
	s[0] = '\0';
	json_array_foreach(c, i, v) {
		if (!json_is_string(v))
			continue;
		if (s[0] != '\0')
			strcat(s, ",");
		strcat(s, json_string_value(v));
	}
	return s;
}

static void
rebuild_table(struct roster *r)
{
	size_t size = 16;

	while (size < r->n * 2 + 2)
		size *= 2;
	free(r->table);
	r->table = xcalloc(size, sizeof *r->table);
	r->mask = size - 1;
	for (size_t k = 0; k < r->n; k++) {
		const char *id = r->e[k].patient_id;
		r->table[slot(r, id, strlen(id))] = (uint32_t)k + 1;
	}
}

struct roster *
roster_load(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	struct roster *r;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	long lineno = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %m", path);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	rebuild_table(r);
	while ((len = getline(&line, &lcap, fp)) >= 0) {
		json_error_t je;
		json_t *o, *id, *age;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		o = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &je);
		id = json_object_get(o, "patient_id");
		if (!json_is_string(id) || json_string_length(id) == 0) {
			snprintf(err, errlen, "%s:%ld: %s", path, lineno,
			    o == NULL ? je.text : "no patient_id string");
			json_decref(o);
			goto fail;
		}
		if (roster_find(r, json_string_value(id),
		    json_string_length(id)) != NULL) {
			snprintf(err, errlen, "%s:%ld: patient %s listed twice",
			    path, lineno, json_string_value(id));
			json_decref(o);
			goto fail;
		}
		xgrow(&r->e, &r->cap, r->n + 1, sizeof *r->e);
		struct roster_entry *e = &r->e[r->n++];
		e->patient_id = xstrdup(json_string_value(id));
		e->ward = opt_string(o, "ward");
		e->sex = opt_string(o, "sex");
		age = json_object_get(o, "age");
		e->age = json_is_integer(age) && json_integer_value(age) >= 0 &&
		    json_integer_value(age) < 150 ?
		    (int)json_integer_value(age) : VITAL_NONE;
		e->conditions = join_conditions(json_object_get(o,
		    "conditions"));
		json_decref(o);
		if (r->n * 2 + 2 > r->mask + 1)
			rebuild_table(r);
		else
			r->table[slot(r, e->patient_id,
			    strlen(e->patient_id))] = (uint32_t)r->n;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	free(line);
	fclose(fp);
	return r;
fail:
	free(line);
	fclose(fp);
	roster_free(r);
	return NULL;
}
