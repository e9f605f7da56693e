#include "gold_resume.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "delta.h"
#include "delta_scan.h"
#include "gold.h"
#include "record.h"
#include "strindex.h"
#include "xalloc.h"

struct gold_resume {
	struct strindex patients;
	int64_t *latest;	/* latest window_start, by patient number */
	size_t cap;
	uint64_t rows;
	struct strindex sources;	/* gold_source_key */
	int64_t *through;		/* by source number */
	size_t through_cap;
	int f_patient, f_start, f_topic, f_partition, f_through;
	char *err;		/* for the row callback */
	size_t errlen;
};

/* A row's position: the highest through_offset per partition. */
static int
take_position(struct gold_resume *g, const struct record *r)
{
	const struct jval *t, *p, *o;
	char key[GOLD_SOURCE_KEY];
	uint32_t k;
	bool added;

	if (g->f_through < 0)
		return 0;
	t = &r->v[g->f_topic];
	p = &r->v[g->f_partition];
	o = &r->v[g->f_through];
	if (p->kind != JK_INT || o->kind != JK_INT)
		return 0;
	k = strindex_add(&g->sources, key, gold_source_key(key,
	    t->kind == JK_STRING ? t->s : NULL, t->kind == JK_STRING ?
	    t->len : 0, p->i), &added);
	if (added) {
		xgrow(&g->through, &g->through_cap, (size_t)k + 1,
		    sizeof *g->through);
		g->through[k] = o->i;
	} else if (o->i > g->through[k]) {
		g->through[k] = o->i;
	}
	return 0;
}

static int
take_row(const struct record *r, void *arg)
{
	struct gold_resume *g = arg;
	const struct jval *id = &r->v[g->f_patient], *ws = &r->v[g->f_start];
	uint32_t k;
	bool added;

	if (id->kind != JK_STRING || ws->kind != JK_TIME) {
		snprintf(g->err, g->errlen, "a row without patient_id or "
		    "window_start");
		return -1;
	}
	k = strindex_add(&g->patients, id->s, id->len, &added);
	if (added) {
		xgrow(&g->latest, &g->cap, (size_t)k + 1, sizeof *g->latest);
		g->latest[k] = ws->i;
	} else if (ws->i > g->latest[k]) {
		g->latest[k] = ws->i;
	}
	g->rows++;
	return take_position(g, r);
}

struct gold_resume *
gold_resume_open(const char *root, char *err, size_t errlen)
{
	static const char *const cols[] = { "patient_id", "window_start",
	    "topic", "partition", "through_offset", NULL };
	struct gold_resume *g = xcalloc(1, sizeof *g);
	struct delta_table *t;
	struct scan_totals tot;
	int rc;

	err[0] = '\0';
	if ((t = delta_open(root, err, errlen)) == NULL)
		goto fail;
	if (t->version < 0) {
		delta_free(t);
		return g;
	}
	if (scan_check_readable(t, err, errlen) != 0)
		goto fail_table;
	g->f_patient = schema_find(t->schema, "patient_id", 10);
	g->f_start = schema_find(t->schema, "window_start", 12);
	g->f_topic = schema_find(t->schema, "topic", 5);
	g->f_partition = schema_find(t->schema, "partition", 9);
	g->f_through = schema_find(t->schema, "through_offset", 14);
	/* A Gold table from before positions were kept has none. */
	if (g->f_topic < 0 || g->f_partition < 0)
		g->f_through = -1;
	if (g->f_patient < 0 || g->f_start < 0) {
		snprintf(err, errlen, "%s: not a Gold table (no patient_id "
		    "or window_start)", root);
		goto fail_table;
	}
	g->err = err;
	g->errlen = errlen;
	rc = scan_each(t, cols, take_row, g, &tot, err, errlen);
	if (rc == 0 && err[0] == '\0' && cli_stop)
		snprintf(err, errlen, "%s: interrupted while reading", root);
	if (rc != 0 || err[0] != '\0')
		goto fail_table;
	delta_free(t);
	return g;
fail_table:
	delta_free(t);
fail:
	gold_resume_free(g);
	return NULL;
}

void
gold_resume_free(struct gold_resume *g)
{
	if (g == NULL)
		return;
	strindex_free(&g->patients);
	free(g->latest);
	strindex_free(&g->sources);
	free(g->through);
	free(g);
}

bool
gold_resume_has(const struct gold_resume *g, const char *id, size_t len,
    int64_t start)
{
	uint32_t k = strindex_find(&g->patients, id, len);

	return k != STRINDEX_NONE && start <= g->latest[k];
}

int64_t
gold_resume_through(const struct gold_resume *g, const char *topic,
    size_t len, int64_t partition)
{
	char key[GOLD_SOURCE_KEY];
	uint32_t k = strindex_find(&g->sources, key, gold_source_key(key,
	    topic, len, partition));

	return k == STRINDEX_NONE ? -1 : g->through[k];
}

size_t
gold_resume_patients(const struct gold_resume *g)
{
	return g->patients.n;
}

uint64_t
gold_resume_rows(const struct gold_resume *g)
{
	return g->rows;
}
