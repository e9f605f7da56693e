#include "roster.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
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

/* One line of the roster: a patient, listed once. */
static int
add_entry(json_t *o, void *arg, char *why, size_t whylen)
{
	struct roster *r = arg;
	json_t *id = json_object_get(o, "patient_id"), *age;
	struct roster_entry *e;
	bool added;
	uint32_t k;

	if (!json_is_string(id) || json_string_length(id) == 0) {
		snprintf(why, whylen, "no patient_id string");
		return -1;
	}
	k = strindex_add(&r->ids, json_string_value(id),
	    json_string_length(id), &added);
	if (!added) {
		snprintf(why, whylen, "patient %s listed twice",
		    json_string_value(id));
		return -1;
	}
	xgrow(&r->e, &r->cap, r->n + 1, sizeof *r->e);
	e = &r->e[r->n++];
	e->patient_id = r->ids.e[k].s;
	e->ward = opt_string(o, "ward");
	e->sex = opt_string(o, "sex");
	age = json_object_get(o, "age");
	e->age = json_is_integer(age) && json_integer_value(age) >= 0 &&
	    json_integer_value(age) < 150 ? (int)json_integer_value(age) :
	    VITAL_NONE;
	e->conditions = join_conditions(json_object_get(o, "conditions"));
	return 0;
}

struct roster *
roster_load(const char *path, char *err, size_t errlen)
{
	struct roster *r = xcalloc(1, sizeof *r);

	if (jsonl_read(path, 0, add_entry, r, err, errlen) < 0) {
		roster_free(r);
		return NULL;
	}
	return r;
}
