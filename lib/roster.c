#include "roster.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strindex.h"
#include "vitals.h"
#include "xalloc.h"

struct roster {
	struct strindex ids;	/* patient_id -> its entry's index */
	struct roster_entry *e;
	size_t n, cap;
};

const struct roster_entry *
roster_find(const struct roster *r, const char *id, size_t len)
{
	uint32_t i = strindex_find(&r->ids, id, len);

	return i == STRINDEX_NONE ? NULL : &r->e[i];
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
		free(r->e[i].ward);
		free(r->e[i].sex);
		free(r->e[i].conditions);
	}
	free(r->e);
	strindex_free(&r->ids);
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
		bool added;
		uint32_t k = strindex_add(&r->ids, json_string_value(id),
		    json_string_length(id), &added);
		if (!added) {
			snprintf(err, errlen, "%s:%ld: patient %s listed twice",
			    path, lineno, json_string_value(id));
			json_decref(o);
			goto fail;
		}
		xgrow(&r->e, &r->cap, r->n + 1, sizeof *r->e);
		struct roster_entry *e = &r->e[r->n++];
		e->patient_id = r->ids.e[k].s;
		e->ward = opt_string(o, "ward");
		e->sex = opt_string(o, "sex");
		age = json_object_get(o, "age");
		e->age = json_is_integer(age) && json_integer_value(age) >= 0 &&
		    json_integer_value(age) < 150 ?
		    (int)json_integer_value(age) : VITAL_NONE;
		e->conditions = join_conditions(json_object_get(o,
		    "conditions"));
		json_decref(o);
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
