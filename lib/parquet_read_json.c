/*
 * parquet_read_json: record assembly in the Parquet reader (pqr_json):
 * the current row, or a node of it, rebuilt from the selected columns'
 * repetition and definition levels as a JSON value, with every level
 * checked against the schema and against the other columns.
 */
#include <math.h>
#include <stdlib.h>

#include "isotime.h"
#include "jsonw.h"
#include "parquet_read_priv.h"

/*
 * Assembly walks the schema under a node for the current row.  Every
 * selected leaf has a cursor (take) into its row slots; a node's value
 * is decided by the levels of its first selected leaf, and every slot
 * taken from any leaf must carry the repetition level the walk expects
 * (rep: where this occurrence started) and a definition level that fits,
 * so that columns which disagree with each other, or with the schema,
 * are an error rather than a wrong value.  Recursion is bounded by the
 * schema depth (MAX_DEPTH).
 */

static int
bad_levels(struct pqr_file *f, const struct col *c)
{
	return pqrd_col_fail(f, c, "levels at row %lld do not fit the schema",
	    (long long)f->row);
}

/* The definition level of the node's next slot, checking where it
 * repeats; -1 on error. */
static int
peek_def(struct pqr_file *f, int node, int rep)
{
	struct col *c = pqrd_col_of_node(f, node);
	const struct slot *s;

	if (c->take >= c->nrow)
		return bad_levels(f, c);
	s = &c->row[c->take];
	if (s->rep != rep)
		return bad_levels(f, c);
	return s->def;
}

/* A null (or empty) node at level def: one slot in every selected leaf
 * under it, all alike. */
static int
skip_null(struct pqr_file *f, int node, int rep, int def)
{
	const struct node *n = &f->nodes[node];

	for (int k = n->col_lo; k < n->col_hi; k++) {
		struct col *c;
		if (!f->selected[k])
			continue;
		c = &f->cols[f->col_of[k]];
		if (c->take >= c->nrow || c->row[c->take].rep != rep ||
		    c->row[c->take].def != def)
			return bad_levels(f, c);
		c->take++;
	}
	return 0;
}

static json_t *field_json(struct pqr_file *f, int node, int rep, int depth);

static json_t *
leaf_json(struct pqr_file *f, struct col *c, const struct val *v)
{
	char buf[DECIMAL_TEXT_MAX];
	dec128 dec;

	switch (c->n->pub.type) {
	case PQR_BOOLEAN:
		return json_boolean(v->i != 0);
	case PQR_INT:
		return json_integer(v->i);
	case PQR_DOUBLE:
		return isfinite(v->d) ? json_real(v->d) : json_null();
	case PQR_DATE:
		if (f->o.iso_time && v->i >= -719162 && v->i <= 2932896)
			return json_stringn(buf, iso_format_date(buf,
			    (int32_t)v->i));
		return json_integer(v->i);
	case PQR_TIMESTAMP:
		if (f->o.iso_time && v->i >= INT64_C(-62135596800000000) &&
		    v->i <= INT64_C(253402300799999999))
			return json_stringn(buf, iso_format(buf, v->i));
		return json_integer(v->i);
	case PQR_DECIMAL:
		if (pqrd_decimal(f, c, v, &dec) != 0)
			return NULL;
		return json_stringn(buf, (size_t)decimal_format(dec,
		    c->n->pub.scale, buf));
	default:
		if (!utf8_valid((const char *)v->s, v->len)) {
			pqrd_col_fail(f, c, "a value at row %lld is not valid "
			    "UTF-8", (long long)f->row);
			return NULL;
		}
		return json_stringn((const char *)v->s, v->len);
	}
}

/* One occurrence of node, known to be present. */
static json_t *
instance_json(struct pqr_file *f, int node, int rep, int depth)
{
	const struct node *n = &f->nodes[node];
	json_t *out, *v;

	if (n->pub.shape == PQR_LEAF) {
		struct col *c = pqrd_col_of_node(f, node);
		const struct slot *s;
		if (c->take >= c->nrow)
			return bad_levels(f, c), NULL;
		s = &c->row[c->take];
		if (s->rep != rep || s->def != c->max_def)
			return bad_levels(f, c), NULL;
		c->take++;
		return leaf_json(f, c, &s->v);
	}
	if (n->pub.shape == PQR_STRUCT) {
		out = json_object();
		for (int i = 0; i < n->pub.nkids; i++) {
			int k = n->kids[i];
			if (f->nodes[k].sel_first < 0)
				continue;
			if ((v = field_json(f, k, rep, depth + 1)) == NULL) {
				json_decref(out);
				return NULL;
			}
			if (f->o.omit_nulls && json_is_null(v))
				json_decref(v);
			else
				json_object_set_new(out, f->nodes[k].name, v);
		}
		return out;
	}
	/* LIST and MAP: the repetition is at the one child. */
	return field_json(f, n->kids[0], rep, depth + 1);
}

/* One entry of a list or map whose repeated group is r. */
static int
entry_json(struct pqr_file *f, const struct node *owner, int r, int rep,
    int depth, json_t *out)
{
	const struct node *rn = &f->nodes[r];
	json_t *k, *v;
	char *text;

	if (owner == NULL || owner->pub.shape == PQR_LIST) {
		int e = owner != NULL && owner->three_level ? rn->kids[0] : r;
		v = e == r ? instance_json(f, r, rep, depth) :
		    field_json(f, e, rep, depth + 1);
		return v == NULL ? -1 : json_array_append_new(out, v);
	}
	if (f->nodes[rn->kids[0]].sel_first < 0)
		return pqrd_fail(f, "%s: a map's values without its keys",
		    pqrd_node_path(f, r));
	if ((k = field_json(f, rn->kids[0], rep, depth + 1)) == NULL)
		return -1;
	if (rn->pub.nkids < 2 || f->nodes[rn->kids[1]].sel_first < 0)
		v = json_null();
	else if ((v = field_json(f, rn->kids[1], rep, depth + 1)) == NULL) {
		json_decref(k);
		return -1;
	}
	/* Object keys are strings; other keys go in as their JSON text. */
	if (json_is_string(k)) {
		json_object_set_new(out, json_string_value(k), v);
	} else {
		text = json_dumps(k, JSON_ENCODE_ANY | JSON_COMPACT);
		json_object_set_new(out, text ? text : "", v);
		free(text);
	}
	json_decref(k);
	return 0;
}

/*
 * The value of node as a field of its parent: null when it is an optional
 * node that is not there, an array when it repeats, else its instance.
 * A repeated node r holds entries for its owner (a LIST or MAP group) or
 * is a bare repeated field (owner NULL: a list).
 */
static json_t *
field_json(struct pqr_file *f, int node, int rep, int depth)
{
	const struct node *n = &f->nodes[node];
	const struct node *owner = n->pub.parent >= 0 ?
	    &f->nodes[n->pub.parent] : NULL;
	struct col *lead;
	json_t *out;
	int d;

	if (depth > MAX_DEPTH + 1) {
		pqrd_fail(f, "schema nested too deeply");
		return NULL;
	}
	if (n->pub.rep == PQR_OPTIONAL) {
		if ((d = peek_def(f, node, rep)) < 0)
			return NULL;
		if (d < n->pub.def)
			return skip_null(f, node, rep, d) == 0 ? json_null() :
			    NULL;
	}
	if (n->pub.rep != PQR_REPEATED)
		return instance_json(f, node, rep, depth);

	if (owner != NULL && owner->pub.shape != PQR_LIST &&
	    owner->pub.shape != PQR_MAP)
		owner = NULL;
	out = owner != NULL && owner->pub.shape == PQR_MAP ? json_object() :
	    json_array();
	if ((d = peek_def(f, node, rep)) < 0)
		goto fail;
	if (d < n->pub.def) {
		if (skip_null(f, node, rep, d) != 0)
			goto fail;
		return out;	/* empty */
	}
	lead = pqrd_col_of_node(f, node);
	for (;;) {
		if (entry_json(f, owner, node, rep, depth, out) != 0)
			goto fail;
		/* Another entry repeats at this node's level. */
		if (lead->take >= lead->nrow ||
		    lead->row[lead->take].rep != n->pub.replvl)
			break;
		rep = n->pub.replvl;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

json_t *
pqr_json(struct pqr_file *f, int node)
{
	const struct node *n;
	json_t *v;

	if (f->failed)
		return NULL;
	if (!pqrd_have_row(f)) {
		pqrd_fail(f, "pqr_json without a current row");
		return NULL;
	}
	if (node < 0 || node >= f->nnodes || f->nodes[node].sel_first < 0 ||
	    (node > 0 && f->nodes[f->nodes[node].pub.parent].pub.replvl > 0)) {
		pqrd_fail(f, "pqr_json: node %d has no selected column or is "
		    "inside a repeated group", node);
		return NULL;
	}
	n = &f->nodes[node];
	for (int k = n->col_lo; k < n->col_hi; k++)
		if (f->selected[k])
			f->cols[f->col_of[k]].take = 0;
	v = node == 0 ? instance_json(f, 0, 0, 0) : field_json(f, node, 0, 0);
	if (v == NULL)
		return NULL;
	for (int k = n->col_lo; k < n->col_hi; k++) {
		struct col *c;
		if (!f->selected[k])
			continue;
		c = &f->cols[f->col_of[k]];
		if (c->take != c->nrow) {
			bad_levels(f, c);
			json_decref(v);
			return NULL;
		}
	}
	return v;
}
