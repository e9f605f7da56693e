/*
 * parquet_read_schema: the Parquet reader's schema tree, rebuilt from the
 * footer's depth-first list with an explicit stack; the levels of every
 * node; what each leaf's values mean, from its LogicalType or else its
 * ConvertedType (LogicalTypes.md), with the reason for those it refuses;
 * LIST and MAP groups by the backward-compatibility rules; and the row
 * groups checked against the tree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parquet_format.h"
#include "parquet_read_priv.h"
#include "xalloc.h"

/* A node's repetition is the footer's. */
_Static_assert((int)PQR_REQUIRED == FRT_REQUIRED &&
    (int)PQR_OPTIONAL == FRT_OPTIONAL && (int)PQR_REPEATED == FRT_REPEATED,
    "enum pqr_rep is FieldRepetitionType");

static void
unsupported(struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n->why, sizeof n->why, fmt, ap);
	va_end(ap);
	n->pub.type = PQR_UNSUPPORTED;
	n->pub.why = n->why;
}

static void
int_type(struct node *n, int bits, bool is_signed)
{
	int width = n->pub.physical == PT_INT32 ? 32 : 64;

	if (bits != 8 && bits != 16 && bits != 32 && bits != 64) {
		unsupported(n, "INTEGER(%d)", bits);
	} else if (bits > width) {
		unsupported(n, "INTEGER(%d) in %d bits", bits, width);
	} else if (!is_signed && bits == 64) {
		unsupported(n, "unsigned 64-bit integer");
	} else {
		n->pub.type = PQR_INT;
		if (!is_signed && width == 32)
			n->conv = CV_UNSIGNED;
	}
}

static void
timestamp_type(struct node *n, int unit, bool utc)
{
	if (n->pub.physical != PT_INT64) {
		unsupported(n, "TIMESTAMP not in INT64");
		return;
	}
	n->pub.type = PQR_TIMESTAMP;
	n->pub.utc = utc;
	if (unit == UNIT_MILLIS)
		n->conv = CV_MILLIS;
	else if (unit == UNIT_NANOS)
		n->conv = CV_NANOS;
	else if (unit != UNIT_MICROS)
		unsupported(n, "TIMESTAMP in an unknown unit");
}

/* DECIMAL(precision, scale) in any of the four physical types that
 * LogicalTypes.md allows; a precision beyond 38 does not fit 128 bits. */
static void
decimal_type(struct node *n, int precision, int scale)
{
	int phys = n->pub.physical;

	if (phys != PT_INT32 && phys != PT_INT64 && phys != PT_BYTE_ARRAY &&
	    phys != PT_FIXED_LEN_BYTE_ARRAY) {
		unsupported(n, "DECIMAL(%d,%d) in physical type %d", precision,
		    scale, phys);
	} else if (precision < 1 || precision > 38 || scale < 0 ||
	    scale > precision) {
		unsupported(n, "DECIMAL(%d,%d)", precision, scale);
	} else {
		n->pub.type = PQR_DECIMAL;
		n->pub.precision = precision;
		n->pub.scale = scale;
	}
}

/* What a leaf's values mean, from the LogicalType when there is one and
 * the ConvertedType otherwise (LogicalTypes.md). */
static void
leaf_type(struct node *n, const struct elem *e)
{
	int phys = e->type;

	n->pub.physical = phys;
	n->pub.type = PQR_UNSUPPORTED;
	switch (phys) {
	case PT_BOOLEAN:
		n->pub.type = PQR_BOOLEAN;
		break;
	case PT_INT32:
	case PT_INT64:
		n->pub.type = PQR_INT;
		break;
	case PT_INT96:
		/* Spark's legacy timestamps, always UTC instants. */
		n->pub.type = PQR_TIMESTAMP;
		n->pub.utc = true;
		n->conv = CV_INT96;
		break;
	case PT_FLOAT:
		n->pub.type = PQR_DOUBLE;
		n->conv = CV_FLOAT;
		break;
	case PT_DOUBLE:
		n->pub.type = PQR_DOUBLE;
		break;
	case PT_BYTE_ARRAY:
	case PT_FIXED_LEN_BYTE_ARRAY:
		n->pub.type = PQR_BINARY;
		break;
	default:
		unsupported(n, "physical type %d", phys);
		return;
	}
	if (e->logical != 0) {
		switch (e->logical) {
		case LT_STRING:
		case LT_ENUM:
		case LT_JSON:
			if (phys == PT_BYTE_ARRAY)
				n->pub.type = PQR_STRING;
			else
				unsupported(n, "STRING not in BYTE_ARRAY");
			break;
		case LT_BSON:
		case LT_UUID:
		case LT_UNKNOWN:
			break;
		case LT_DATE:
			if (phys == PT_INT32)
				n->pub.type = PQR_DATE;
			else
				unsupported(n, "DATE not in INT32");
			break;
		case LT_TIMESTAMP:
			timestamp_type(n, e->unit, e->utc);
			break;
		case LT_INTEGER:
			if (phys == PT_INT32 || phys == PT_INT64)
				int_type(n, e->int_bits, e->is_signed);
			else
				unsupported(n, "INTEGER not in INT32/INT64");
			break;
		case LT_DECIMAL:
			decimal_type(n, e->lprecision, e->lscale);
			break;
		case LT_TIME:
			unsupported(n, "TIME");
			break;
		default:
			unsupported(n, "logical type %d", e->logical);
			break;
		}
		return;
	}
	switch (e->converted) {
	case -1:
		break;
	case CT_UTF8:
	case CT_ENUM:
	case CT_JSON:
		if (phys == PT_BYTE_ARRAY)
			n->pub.type = PQR_STRING;
		break;
	case CT_BSON:
		break;
	case CT_DATE:
		if (phys == PT_INT32)
			n->pub.type = PQR_DATE;
		else
			unsupported(n, "DATE not in INT32");
		break;
	case CT_TIMESTAMP_MILLIS:
	case CT_TIMESTAMP_MICROS:
		timestamp_type(n, e->converted == CT_TIMESTAMP_MILLIS ?
		    UNIT_MILLIS : UNIT_MICROS, true);
		break;
	case CT_INT_8: case CT_INT_16: case CT_INT_32: case CT_INT_64:
		if (phys == PT_INT32 || phys == PT_INT64)
			int_type(n, 8 << (e->converted - CT_INT_8), true);
		else
			unsupported(n, "INT not in INT32/INT64");
		break;
	case CT_UINT_8: case CT_UINT_16: case CT_UINT_32: case CT_UINT_64:
		if (phys == PT_INT32 || phys == PT_INT64)
			int_type(n, 8 << (e->converted - CT_UINT_8), false);
		else
			unsupported(n, "UINT not in INT32/INT64");
		break;
	case CT_DECIMAL:
		decimal_type(n, e->precision, e->scale);
		break;
	case CT_TIME_MILLIS:
	case CT_TIME_MICROS:
		unsupported(n, "TIME");
		break;
	case CT_INTERVAL:
		unsupported(n, "INTERVAL");
		break;
	default:
		unsupported(n, "converted type %d", e->converted);
		break;
	}
}

/* LIST and MAP groups by the backward-compatibility rules of
 * LogicalTypes.md; a group that does not have their shape is a struct. */
static void
group_shape(struct pqr_file *f, struct node *n, const struct elem *e)
{
	bool list = e->logical == LT_LIST || (e->logical == 0 &&
	    e->converted == CT_LIST);
	bool map = e->logical == LT_MAP || (e->logical == 0 &&
	    (e->converted == CT_MAP || e->converted == CT_MAP_KEY_VALUE));
	const struct node *r, *k;
	char tuple[300];

	n->pub.shape = PQR_STRUCT;
	if ((!list && !map) || n->pub.nkids != 1)
		return;
	r = &f->nodes[n->kids[0]];
	if (r->pub.rep != PQR_REPEATED)
		return;
	if (list) {
		n->pub.shape = PQR_LIST;
		snprintf(tuple, sizeof tuple, "%s_tuple", n->name);
		n->three_level = r->pub.shape != PQR_LEAF &&
		    r->pub.nkids == 1 && strcmp(r->name, "array") != 0 &&
		    strcmp(r->name, tuple) != 0 &&
		    f->nodes[r->kids[0]].pub.rep != PQR_REPEATED;
		return;
	}
	if (r->pub.shape == PQR_LEAF || r->pub.nkids < 1 || r->pub.nkids > 2)
		return;
	k = &f->nodes[r->kids[0]];
	if (k->pub.shape != PQR_LEAF || k->pub.rep == PQR_REPEATED)
		return;
	if (r->pub.nkids == 2 &&
	    f->nodes[r->kids[1]].pub.rep == PQR_REPEATED)
		return;
	n->pub.shape = PQR_MAP;
}

/* Node id from its element; a group may have at most max_kids children
 * (the elements left in the list). */
static int
make_node(struct pqr_file *f, int id, int parent, const struct elem *e,
    size_t max_kids)
{
	struct node *n = &f->nodes[id];
	const struct node *p = parent >= 0 ? &f->nodes[parent] : NULL;

	n->name = e->name ? e->name : xstrdup("");
	n->pub.name = n->name;
	n->pub.parent = parent;
	n->pub.column = -1;
	n->sel_first = -1;
	n->pub.rep = PQR_REQUIRED;
	if (p != NULL) {
		if (!e->has_rep || e->rep < FRT_REQUIRED ||
		    e->rep > FRT_REPEATED)
			return pqrd_fail(f,
			    "schema: %s has no valid repetition", n->name);
		n->pub.rep = (enum pqr_rep)e->rep;
		n->pub.def = p->pub.def + (e->rep != PQR_REQUIRED);
		n->pub.replvl = p->pub.replvl + (e->rep == PQR_REPEATED);
	}
	if (e->has_kids && e->nkids > 0) {
		if ((size_t)e->nkids > max_kids)
			return pqrd_fail(f, "schema: %s claims %d children, "
			    "the list has %zu more elements", n->name, e->nkids,
			    max_kids);
		n->pub.shape = PQR_STRUCT;
		n->kids = xcalloc((size_t)e->nkids, sizeof *n->kids);
		n->pub.kids = n->kids;
		return 0;
	}
	if (!e->has_type)
		return pqrd_fail(f, "schema: %s is neither a group nor a typed "
		    "column", n->name);
	if (p == NULL)
		return pqrd_fail(f, "schema: the root is not a group");
	n->pub.shape = PQR_LEAF;
	n->pub.column = f->nleaves++;
	if (e->type == PT_FIXED_LEN_BYTE_ARRAY) {
		if (e->type_length <= 0 ||
		    (size_t)e->type_length > f->o.max_page)
			return pqrd_fail(f, "schema: %s has fixed length %d",
			    n->name, e->type_length);
		n->type_length = e->type_length;
	}
	leaf_type(n, e);
	return 0;
}

/*
 * The footer lists the schema depth-first with child counts; the tree is
 * rebuilt with an explicit stack, so a hostile count can neither recurse
 * nor reach past the list.
 */
int
pqrd_build_tree(struct pqr_file *f, struct elem *e, size_t ne)
{
	int stack[MAX_DEPTH + 1], left[MAX_DEPTH + 1], sp = 0, rc;

	if (ne == 0)
		return pqrd_fail(f, "schema: empty");
	if ((size_t)INT32_MAX < ne)
		return pqrd_fail(f, "schema: too many elements");
	f->nodes = xcalloc(ne, sizeof *f->nodes);
	f->nnodes = (int)ne;
	for (size_t i = 0; i < ne; i++) {
		int parent = -1;

		if (i > 0) {
			if (sp == 0)
				return pqrd_fail(f, "schema: %zu elements but "
				    "the tree ends after %zu", ne, i);
			parent = stack[sp - 1];
			f->nodes[parent].kids[f->nodes[parent].pub.nkids++] =
			    (int)i;
			left[sp - 1]--;
		}
		rc = make_node(f, (int)i, parent, &e[i], ne - i - 1);
		e[i].name = NULL;	/* the node owns it now */
		if (rc != 0)
			return -1;
		if (f->nodes[i].pub.shape != PQR_LEAF) {
			if (sp == MAX_DEPTH)
				return pqrd_fail(f,
				    "schema: nested deeper than %d", MAX_DEPTH);
			stack[sp] = (int)i;
			left[sp++] = e[i].nkids;
		}
		while (sp > 0 && left[sp - 1] == 0)
			sp--;
	}
	if (sp != 0)
		return pqrd_fail(f, "schema: the list ends inside the tree");
	if (f->nleaves == 0)
		return pqrd_fail(f, "schema: no columns");
	/* Shapes bottom-up (a map's inner group must be known first), and
	 * the columns under each node: its subtree is the ids that follow
	 * it, so the leaves there are a range of columns. */
	f->leaf = xcalloc((size_t)f->nleaves, sizeof *f->leaf);
	for (int i = f->nnodes - 1; i >= 0; i--) {
		struct node *n = &f->nodes[i];
		if (n->pub.shape == PQR_LEAF) {
			f->leaf[n->pub.column] = i;
			n->col_lo = n->pub.column;
			n->col_hi = n->pub.column + 1;
			continue;
		}
		group_shape(f, n, &e[i]);
		n->col_lo = f->nodes[n->kids[0]].col_lo;
		n->col_hi = f->nodes[n->kids[n->pub.nkids - 1]].col_hi;
	}
	return 0;
}

/* Row groups against the schema: a chunk per column, of its type. */
int
pqrd_check_row_groups(struct pqr_file *f)
{
	int64_t rows = 0;

	for (size_t g = 0; g < f->nrgs; g++) {
		const struct rowgroup *rg = &f->rgs[g];
		if (rg->n != (size_t)f->nleaves)
			return pqrd_fail(f, "footer: row group %zu has %zu "
			    "columns, the schema %d", g, rg->n, f->nleaves);
		if (rg->rows < 0 || rows > INT64_MAX - rg->rows)
			return pqrd_fail(f,
			    "footer: row group %zu has %lld rows", g,
			    (long long)rg->rows);
		rows += rg->rows;
		for (int c = 0; c < f->nleaves; c++) {
			const struct chunk *k = &f->chunks[rg->first + c];
			if (k->type != f->nodes[f->leaf[c]].pub.physical)
				return pqrd_fail(f,
				    "footer: column %s has type %d in row "
				    "group %zu, %d in the schema",
				    pqrd_node_path(f, f->leaf[c]), k->type, g,
				    f->nodes[f->leaf[c]].pub.physical);
		}
	}
	if (rows != f->num_rows)
		return pqrd_fail(f,
		    "footer: num_rows is %lld but the row groups hold %lld",
		    (long long)f->num_rows, (long long)rows);
	return 0;
}
