/*
 * iforest_io: the model file (its format is in iforest.h) read into a
 * model and written back.  Loading checks everything the scorer relies
 * on, so that a corrupt file is an error and never a crash; saving
 * writes keys in one order with no timestamp of its own, so the same
 * model is the same bytes, and goes through lib/safefile.h, so a reader
 * never sees half a model.
 */
#include "iforest.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iforest_impl.h"
#include "safefile.h"
#include "xalloc.h"

/* Loading. */

static const char *const top_keys[] = {
	"format", "version", "features", "n_estimators", "max_samples",
	"c_max_samples", "threshold", "provenance", "trees", NULL
};
static const char *const tree_keys[] = {
	"feature", "threshold", "left", "right", "n_node_samples", "features",
	NULL
};

static int
only_keys(json_t *obj, const char *const *keys, const char *where,
    char *err, size_t errlen)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		size_t i;
		for (i = 0; keys[i] && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL) {
			seterr(err, errlen, "%sunknown key '%s'", where, k);
			return -1;
		}
	}
	return 0;
}

/* An integer in [min, max]. */
static int
get_int(json_t *v, long long min, long long max, long long *out)
{
	if (!json_is_integer(v))
		return -1;
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int
load_names(struct iforest *m, json_t *a, char *err, size_t errlen)
{
	size_t d = json_array_size(a);
	const char **names;
	int rc = 0;

	if (!json_is_array(a) || d == 0 || d > IFOREST_MAX_FEATURES) {
		seterr(err, errlen, "\"features\" must be an array of 1 to "
		    "%d names", IFOREST_MAX_FEATURES);
		return -1;
	}
	names = xcalloc(d, sizeof *names);
	for (size_t j = 0; j < d; j++) {
		json_t *s = json_array_get(a, j);
		names[j] = json_is_string(s) ? json_string_value(s) : NULL;
	}
	if (iforest_check_names(names, d, err, errlen) != 0) {
		rc = -1;
	} else {
		m->n_features = d;
		m->names = xcalloc(d, sizeof *m->names);
		for (size_t j = 0; j < d; j++)
			m->names[j] = xstrdup(names[j]);
	}
	free(names);
	return rc;
}

/*
 * Reads the optional feature list and the five node arrays of tree t.
 * Structure (children after parents, one parent each, counts that add
 * up) is checked by check_tree.
 */
static int
load_nodes(struct iforest *m, size_t t, json_t *jt, char *err, size_t errlen)
{
	static const char *const arrays[] = {
		"feature", "threshold", "left", "right", "n_node_samples"
	};
	struct iforest_tree *tr = &m->tree[t];
	json_t *col[5], *fl = json_object_get(jt, "features");
	size_t n, nf = m->n_features;
	long long v;

	if (fl != NULL) {
		if (!json_is_array(fl) || json_array_size(fl) == 0 ||
		    json_array_size(fl) > m->n_features) {
			seterr(err, errlen, "tree %zu: \"features\" must be an "
			    "array of 1 to %zu feature indices", t, nf);
			return -1;
		}
		tr->n_features = json_array_size(fl);
		tr->features = xcalloc(tr->n_features, sizeof *tr->features);
		for (size_t j = 0; j < tr->n_features; j++) {
			if (get_int(json_array_get(fl, j), 0,
			    (long long)m->n_features - 1, &v) != 0) {
				seterr(err, errlen, "tree %zu: \"features\" "
				    "entry %zu is not a feature index "
				    "(0 to %zu)", t, j, m->n_features - 1);
				return -1;
			}
			tr->features[j] = (uint32_t)v;
		}
		nf = tr->n_features;
	}
	for (size_t k = 0; k < 5; k++) {
		col[k] = json_object_get(jt, arrays[k]);
		if (!json_is_array(col[k])) {
			seterr(err, errlen, "tree %zu: \"%s\" is missing or "
			    "not an array", t, arrays[k]);
			return -1;
		}
	}
	n = json_array_size(col[0]);
	if (n == 0 || n > IFOREST_MAX_NODES) {
		seterr(err, errlen, "tree %zu: %zu nodes (1 to %d)", t, n,
		    IFOREST_MAX_NODES);
		return -1;
	}
	for (size_t k = 1; k < 5; k++) {
		if (json_array_size(col[k]) != n) {
			seterr(err, errlen, "tree %zu: \"%s\" has %zu entries, "
			    "\"feature\" has %zu", t, arrays[k],
			    json_array_size(col[k]), n);
			return -1;
		}
	}
	tr->n_nodes = n;
	tr->node = xcalloc(n, sizeof *tr->node);
	for (size_t i = 0; i < n; i++) {
		struct iforest_node *nd = &tr->node[i];
		json_t *thr = json_array_get(col[1], i);
		long long f, l, r, c;
		if (get_int(json_array_get(col[0], i), -1, (long long)nf - 1,
		    &f) != 0 ||
		    get_int(json_array_get(col[2], i), -1, INT32_MAX, &l) ||
		    get_int(json_array_get(col[3], i), -1, INT32_MAX, &r) ||
		    get_int(json_array_get(col[4], i), 1, UINT32_MAX, &c)) {
			seterr(err, errlen, "tree %zu node %zu: feature, left, "
			    "right and n_node_samples must be integers (a "
			    "feature below %zu, counts >= 1)", t, i, nf);
			return -1;
		}
		nd->feature = (int32_t)f;
		nd->left = (int32_t)l;
		nd->right = (int32_t)r;
		nd->count = (uint32_t)c;
		if (l < 0) {
			if (r != -1 || f != -1 || !json_is_null(thr)) {
				seterr(err, errlen, "tree %zu node %zu: a leaf "
				    "must have left, right and feature -1 and "
				    "threshold null", t, i);
				return -1;
			}
			continue;
		}
		if (f < 0 || !json_is_number(thr)) {
			seterr(err, errlen, "tree %zu node %zu: a split needs "
			    "a feature and a numeric threshold", t, i);
			return -1;
		}
		nd->threshold = json_number_value(thr);
	}
	return 0;
}

static int
check_tree(const struct iforest *m, size_t t, char *err, size_t errlen)
{
	const struct iforest_tree *tr = &m->tree[t];
	size_t n = tr->n_nodes;
	unsigned char *seen = xcalloc(n, 1);
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		const struct iforest_node *nd = &tr->node[i];
		if (nd->left < 0)
			continue;
		if ((size_t)nd->left <= i || (size_t)nd->right <= i ||
		    (size_t)nd->left >= n || (size_t)nd->right >= n ||
		    nd->left == nd->right) {
			seterr(err, errlen, "tree %zu node %zu: children %d "
			    "and %d must be distinct nodes after it (below "
			    "%zu)", t, i, nd->left, nd->right, n);
			goto out;
		}
		if (seen[nd->left]++ || seen[nd->right]++) {
			seterr(err, errlen, "tree %zu node %zu: a child of "
			    "two nodes", t, (size_t)(seen[nd->left] > 1 ?
			    nd->left : nd->right));
			goto out;
		}
		if ((uint64_t)tr->node[nd->left].count +
		    tr->node[nd->right].count != nd->count) {
			seterr(err, errlen, "tree %zu node %zu: "
			    "n_node_samples %u is not the sum of its "
			    "children's", t, i, nd->count);
			goto out;
		}
	}
	for (size_t i = 1; i < n; i++) {
		if (!seen[i]) {
			seterr(err, errlen, "tree %zu node %zu: not reachable "
			    "from the root", t, i);
			goto out;
		}
	}
	if (tr->node[0].count > m->psi) {
		seterr(err, errlen, "tree %zu: %u rows at the root, more than "
		    "max_samples", t, tr->node[0].count);
		goto out;
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

static int
load_header(struct iforest *m, json_t *root, char *err, size_t errlen)
{
	json_t *fmt = json_object_get(root, "format"), *v;
	long long n;

	if (!json_is_string(fmt) ||
	    strcmp(json_string_value(fmt), IFOREST_FORMAT) != 0) {
		seterr(err, errlen, "not a model file (\"format\" is not "
		    "\"%s\")", IFOREST_FORMAT);
		return -1;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != IFOREST_VERSION) {
		seterr(err, errlen, "unsupported model version (this build "
		    "reads version %d)", IFOREST_VERSION);
		return -1;
	}
	if (only_keys(root, top_keys, "", err, errlen) != 0)
		return -1;
	if (load_names(m, json_object_get(root, "features"), err, errlen) != 0)
		return -1;
	if (get_int(json_object_get(root, "max_samples"), 1, UINT32_MAX,
	    &n) != 0) {
		seterr(err, errlen, "\"max_samples\" must be an integer >= 1");
		return -1;
	}
	m->psi = (size_t)n;
	v = json_object_get(root, "c_max_samples");
	m->c_psi = json_number_value(v);
	if (!json_is_number(v) || !(fabs(m->c_psi - iforest_c(m->psi)) <=
	    1e-9 * fmax(1.0, iforest_c(m->psi)))) {
		seterr(err, errlen, "\"c_max_samples\" must be c(%zu) = %.17g",
		    m->psi, iforest_c(m->psi));
		return -1;
	}
	v = json_object_get(root, "threshold");
	if (!json_is_number(v)) {
		seterr(err, errlen, "\"threshold\" must be a number");
		return -1;
	}
	m->threshold = json_number_value(v);
	v = json_object_get(root, "provenance");
	if (!json_is_object(v)) {
		seterr(err, errlen, "\"provenance\" must be an object");
		return -1;
	}
	m->provenance = json_incref(v);
	return 0;
}

static struct iforest *
from_json(json_t *root, char *err, size_t errlen)
{
	struct iforest *m = xcalloc(1, sizeof *m);
	json_t *trees, *jt;
	long long n;

	if (!json_is_object(root)) {
		seterr(err, errlen, "not a model file (not a JSON object)");
		goto fail;
	}
	if (load_header(m, root, err, errlen) != 0)
		goto fail;
	trees = json_object_get(root, "trees");
	if (get_int(json_object_get(root, "n_estimators"), 1,
	    IFOREST_MAX_TREES, &n) != 0 || !json_is_array(trees) ||
	    json_array_size(trees) != (size_t)n) {
		seterr(err, errlen, "\"n_estimators\" must be an integer "
		    "from 1 to %d and \"trees\" an array of that many trees",
		    IFOREST_MAX_TREES);
		goto fail;
	}
	m->n_trees = (size_t)n;
	m->tree = xcalloc(m->n_trees, sizeof *m->tree);
	for (size_t t = 0; t < m->n_trees; t++) {
		char where[40];
		jt = json_array_get(trees, t);
		snprintf(where, sizeof where, "tree %zu: ", t);
		if (!json_is_object(jt)) {
			seterr(err, errlen, "tree %zu is not an object", t);
			goto fail;
		}
		if (only_keys(jt, tree_keys, where, err, errlen) != 0 ||
		    load_nodes(m, t, jt, err, errlen) != 0 ||
		    check_tree(m, t, err, errlen) != 0)
			goto fail;
	}
	size_t total = 0;
	for (size_t t = 0; t < m->n_trees; t++) {
		total += m->tree[t].n_nodes;
		if (total > UINT32_MAX) {
			seterr(err, errlen, "too many nodes");
			goto fail;
		}
	}
	if (iforest_build_layout(m, err, errlen) != 0)
		goto fail;
	return m;
fail:
	iforest_free(m);
	return NULL;
}

struct iforest *
iforest_parse(const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	struct iforest *m;

	if (root == NULL) {
		seterr(err, errlen, "line %d column %d: %s", je.line,
		    je.column, je.text);
		return NULL;
	}
	m = from_json(root, err, errlen);
	json_decref(root);
	return m;
}

struct iforest *
iforest_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	struct iforest *m;
	char msg[512];

	if (root == NULL) {
		if (je.line < 1)	/* could not read the file */
			seterr(err, errlen, "%s", je.text);
		else
			seterr(err, errlen, "%s: line %d column %d: %s", path,
			    je.line, je.column, je.text);
		return NULL;
	}
	m = from_json(root, msg, sizeof msg);
	json_decref(root);
	if (m == NULL)
		seterr(err, errlen, "%s: %s", path, msg);
	return m;
}

/* Saving. */

struct strbuf {
	char *s;
	size_t len, cap;
};

static void
sb_add(struct strbuf *b, const char *s, size_t n)
{
	xgrow(&b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_str(struct strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static int
sb_dump_cb(const char *s, size_t n, void *arg)
{
	sb_add(arg, s, n);
	return 0;
}

/* Compact JSON; reals with 17 significant digits, which read back as the
 * same double. */
static void
sb_json(struct strbuf *b, const json_t *v)
{
	json_dump_callback(v, sb_dump_cb, b, JSON_COMPACT |
	    JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY);
}

static void
sb_key(struct strbuf *b, const char *key, json_t *v, bool last)
{
	sb_str(b, "  \"");
	sb_str(b, key);
	sb_str(b, "\": ");
	sb_json(b, v);
	sb_str(b, last ? "\n" : ",\n");
	json_decref(v);
}

static json_t *
tree_json(const struct iforest_tree *tr)
{
	json_t *o = json_object(), *f = json_array(), *thr = json_array(),
	    *l = json_array(), *r = json_array(), *c = json_array();

	for (size_t i = 0; i < tr->n_nodes; i++) {
		const struct iforest_node *nd = &tr->node[i];
		json_array_append_new(f, json_integer(nd->feature));
		json_array_append_new(thr, nd->left < 0 ? json_null() :
		    json_real(nd->threshold));
		json_array_append_new(l, json_integer(nd->left));
		json_array_append_new(r, json_integer(nd->right));
		json_array_append_new(c, json_integer(nd->count));
	}
	if (tr->features != NULL) {
		json_t *fl = json_array();
		for (size_t j = 0; j < tr->n_features; j++)
			json_array_append_new(fl,
			    json_integer(tr->features[j]));
		json_object_set_new(o, "features", fl);
	}
	json_object_set_new(o, "feature", f);
	json_object_set_new(o, "threshold", thr);
	json_object_set_new(o, "left", l);
	json_object_set_new(o, "right", r);
	json_object_set_new(o, "n_node_samples", c);
	return o;
}

char *
iforest_dump(const struct iforest *m)
{
	struct strbuf b = { NULL, 0, 0 };
	json_t *names = json_array();

	for (size_t j = 0; j < m->n_features; j++)
		json_array_append_new(names, json_string(m->names[j]));
	sb_str(&b, "{\n");
	sb_key(&b, "format", json_string(IFOREST_FORMAT), false);
	sb_key(&b, "version", json_integer(IFOREST_VERSION), false);
	sb_key(&b, "features", names, false);
	sb_key(&b, "n_estimators", json_integer((json_int_t)m->n_trees),
	    false);
	sb_key(&b, "max_samples", json_integer((json_int_t)m->psi), false);
	sb_key(&b, "c_max_samples", json_real(m->c_psi), false);
	sb_key(&b, "threshold", json_real(m->threshold), false);
	sb_key(&b, "provenance", m->provenance ? json_incref(m->provenance) :
	    json_object(), false);
	sb_str(&b, "  \"trees\": [\n");
	for (size_t t = 0; t < m->n_trees; t++) {
		json_t *o = tree_json(&m->tree[t]);
		sb_str(&b, "    ");
		sb_json(&b, o);
		sb_str(&b, t + 1 < m->n_trees ? ",\n" : "\n");
		json_decref(o);
	}
	sb_str(&b, "  ]\n}\n");
	return b.s;
}

int
iforest_save(const struct iforest *m, const char *path, char *err,
    size_t errlen)
{
	char *text = iforest_dump(m);
	int rc = safefile_write(path, text, strlen(text), err, errlen);

	free(text);
	return rc;
}
