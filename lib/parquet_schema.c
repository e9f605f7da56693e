/*
 * parquet_schema: the Parquet writer's schemas (the pq_schema part of
 * parquet.h): a tree of nodes with their repetition and levels, leaves
 * numbered depth-first as Parquet's columns, built by hand or from a
 * table schema.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_write_priv.h"
#include "xalloc.h"

static _Noreturn void
schema_bug(const char *fmt, ...)
{
	va_list ap;

	fputs("parquet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static struct node *
node_at(const struct pq_schema *s, int id)
{
	if (id < 0 || id >= s->nn)
		schema_bug("no node %d", id);
	return &s->n[id];
}

/* Numbers the leaves depth-first, the order of Parquet's columns. */
static void
number(struct pq_schema *s, int id)
{
	struct node *n = &s->n[id];

	n->first_col = s->nleaves;
	if (n->kind == K_LEAF) {
		n->column = s->nleaves;
		s->leaf[s->nleaves++] = id;
	}
	for (int i = 0; i < n->nkids; i++)
		number(s, n->kids[i]);
	n->ncols = s->nleaves - n->first_col;
}

static void
renumber(struct pq_schema *s)
{
	s->leaf = xrealloc(s->leaf, (size_t)s->nn * sizeof *s->leaf);
	s->nleaves = 0;
	number(s, 0);
}

static int
add_node(struct pq_schema *s, int parent, const char *name, enum kind kind,
    enum pq_rep rep)
{
	struct node *p, *n;
	int id;

	p = node_at(s, parent);
	if (name == NULL || *name == '\0')
		schema_bug("empty name under node %d", parent);
	for (int i = 0; i < p->nkids; i++)
		if (strcmp(s->n[p->kids[i]].name, name) == 0)
			schema_bug("duplicate name %s", name);
	if (rep != PQ_REQUIRED && rep != PQ_OPTIONAL && rep != PQ_REPEATED)
		schema_bug("bad repetition for %s", name);
	xgrow(&s->n, &s->cap, (size_t)s->nn + 1, sizeof *s->n);
	id = s->nn++;
	p = &s->n[parent];
	n = &s->n[id];
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	n->parent = parent;
	n->kind = kind;
	n->rep = rep;
	n->column = -1;
	n->def = p->def + (rep != PQ_REQUIRED);
	n->replvl = p->replvl + (rep == PQ_REPEATED);
	if (n->def > PQ_MAX_LEVEL)
		schema_bug("%s is nested too deeply", name);
	xgrow(&p->kids, &p->kidcap, (size_t)p->nkids + 1, sizeof *p->kids);
	p->kids[p->nkids++] = id;
	renumber(s);
	return id;
}

struct pq_schema *
pq_schema_new(void)
{
	struct pq_schema *s = xcalloc(1, sizeof *s);

	s->cap = 16;
	s->n = xcalloc((size_t)s->cap, sizeof *s->n);
	s->nn = 1;
	s->n[0].name = xstrdup("schema");
	s->n[0].kind = K_ROOT;
	s->n[0].column = -1;
	renumber(s);
	return s;
}

void
pq_schema_free(struct pq_schema *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->nn; i++) {
		free(s->n[i].name);
		free(s->n[i].kids);
	}
	free(s->n);
	free(s->leaf);
	free(s);
}

/* Users add fields to the root and to their own struct groups only: the
 * inner nodes of maps and lists have a fixed shape. */
static void
check_parent(const struct pq_schema *s, int parent)
{
	enum kind k = node_at(s, parent)->kind;

	if (k != K_ROOT && k != K_GROUP)
		schema_bug("node %d cannot have fields added", parent);
}

int
pq_leaf(struct pq_schema *s, int parent, const char *name,
    enum pq_type type, enum pq_rep rep)
{
	int id;

	check_parent(s, parent);
	if ((unsigned)type > PQ_TIMESTAMP)
		schema_bug("bad type for %s", name);
	id = add_node(s, parent, name, K_LEAF, rep);
	s->n[id].type = type;
	return id;
}

int
pq_group(struct pq_schema *s, int parent, const char *name, enum pq_rep rep)
{
	check_parent(s, parent);
	return add_node(s, parent, name, K_GROUP, rep);
}

int
pq_map(struct pq_schema *s, int parent, const char *name, enum pq_rep rep,
    bool value_nullable)
{
	int map, kv, id;

	check_parent(s, parent);
	map = add_node(s, parent, name, K_MAP, rep);
	kv = add_node(s, map, "key_value", K_INNER, PQ_REPEATED);
	id = add_node(s, kv, "key", K_LEAF, PQ_REQUIRED);
	s->n[id].type = PQ_STRING;
	id = add_node(s, kv, "value", K_LEAF,
	    value_nullable ? PQ_OPTIONAL : PQ_REQUIRED);
	s->n[id].type = PQ_STRING;
	return map;
}

int
pq_list(struct pq_schema *s, int parent, const char *name, enum pq_rep rep,
    enum pq_type elem, bool elem_nullable)
{
	int list, inner, id;

	check_parent(s, parent);
	if ((unsigned)elem > PQ_TIMESTAMP)
		schema_bug("bad element type for %s", name);
	list = add_node(s, parent, name, K_LIST, rep);
	inner = add_node(s, list, "list", K_INNER, PQ_REPEATED);
	id = add_node(s, inner, "element", K_LEAF,
	    elem_nullable ? PQ_OPTIONAL : PQ_REQUIRED);
	s->n[id].type = elem;
	return list;
}

int
pq_add_field(struct pq_schema *s, int parent, const struct field *f)
{
	static const enum pq_type map[] = {
		[FT_STRING] = PQ_STRING, [FT_INTEGER] = PQ_INT32,
		[FT_LONG] = PQ_INT64, [FT_DOUBLE] = PQ_DOUBLE,
		[FT_BOOLEAN] = PQ_BOOLEAN, [FT_TIMESTAMP] = PQ_TIMESTAMP,
		[FT_DATE] = PQ_DATE,
	};
	enum pq_rep rep = f->nullable ? PQ_OPTIONAL : PQ_REQUIRED;
	int g;

	if (f->type != FT_STRUCT)
		return pq_leaf(s, parent, f->name, map[f->type], rep);
	g = pq_group(s, parent, f->name, rep);
	for (size_t i = 0; i < f->sub->n; i++)
		pq_add_field(s, g, &f->sub->f[i]);
	return g;
}

struct pq_schema *
pq_schema_from(const struct schema *t)
{
	struct pq_schema *s = pq_schema_new();

	for (size_t i = 0; i < t->n; i++)
		pq_add_field(s, 0, &t->f[i]);
	return s;
}

int
pq_find(const struct pq_schema *s, const char *path)
{
	int id = 0;

	while (*path != '\0') {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		const struct node *n = &s->n[id];
		int next = -1;

		for (int i = 0; i < n->nkids; i++) {
			const char *name = s->n[n->kids[i]].name;
			if (strlen(name) == len && memcmp(name, path, len) == 0)
				next = n->kids[i];
		}
		if (next < 0)
			return -1;
		id = next;
		path += len;
		if (*path == '.' && *++path == '\0')
			return -1;
	}
	return id;
}

int
pq_columns(const struct pq_schema *s)
{
	return s->nleaves;
}

int
pq_nodes(const struct pq_schema *s)
{
	return s->nn;
}

void
pq_levels(const struct pq_schema *s, int node, int *def, int *rep)
{
	const struct node *n = node_at(s, node);

	*def = n->def;
	*rep = n->replvl;
}

int
pq_column_node(const struct pq_schema *s, int i)
{
	return i >= 0 && i < s->nleaves ? s->leaf[i] : -1;
}
