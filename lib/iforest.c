/*
 * iforest: the model in memory and its scoring, the hot path.  A forest,
 * however it was made (grown by lib/iforest_train.c, read by
 * lib/iforest_io.c), ends in iforest_build_layout, which lays every tree
 * out for the branch-free walks below; iforest_score and
 * iforest_score_rows are those walks.  What a score means, and why it
 * matches scikit-learn, is in iforest.h.
 */
#include "iforest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iforest_impl.h"
#include "safefile.h"
#include "xalloc.h"

/* numpy.euler_gamma; the often-quoted 0.5772156649 moves scores by 1e-13. */
#define EULER_GAMMA	0.57721566490153286061

double
iforest_c(uint64_t n)
{
	double x = (double)n;

	if (n <= 1)
		return 0.0;
	if (n == 2)
		return 1.0;
	return 2.0 * (log(x - 1.0) + EULER_GAMMA) - 2.0 * (x - 1.0) / x;
}

/*
 * scikit-learn adds (nodes on the path) + c(n) - 1.0 per tree, in that
 * order; computing depth + c(n) directly can differ in the last bit.
 */
static double
leaf_value(uint32_t depth, uint32_t count)
{
	return ((double)depth + 1.0 + iforest_c(count)) - 1.0;
}

int
iforest_check_names(const char *const *names, size_t d, char *err,
    size_t errlen)
{
	for (size_t j = 0; j < d; j++) {
		if (names[j] == NULL || names[j][0] == '\0') {
			seterr(err, errlen, "feature %zu has no name", j + 1);
			return -1;
		}
		for (size_t k = 0; k < j; k++) {
			if (strcmp(names[k], names[j]) == 0) {
				seterr(err, errlen, "feature name '%s' "
				    "appears twice", names[j]);
				return -1;
			}
		}
	}
	return 0;
}

/* The scoring layout. */

static float
float_floor(double t)
{
	float f = (float)t;

	if ((double)f > t)
		f = nextafterf(f, -INFINITY);
	return f;
}

/*
 * Maps non-NaN floats to unsigned integers in the same order, so that a
 * split is one integer compare whose carry flag steps to the right child.
 * -0 becomes +0 first, as the two compare equal.
 */
static inline uint32_t
float_key(float f)
{
	uint32_t u;

	f += 0.0f;
	memcpy(&u, &f, sizeof u);
	return u ^ ((0u - (u >> 31)) | 0x80000000u);
}

/*
 * Depth of every node of a valid tree (children come after their parent,
 * so one forward pass does it); -1 if a leaf is too deep.
 */
static int
tree_depths(const struct iforest_tree *tr, uint32_t *depth, uint32_t *max)
{
	*max = 0;
	depth[0] = 0;
	for (size_t i = 0; i < tr->n_nodes; i++) {
		const struct iforest_node *nd = &tr->node[i];
		if (nd->left >= 0) {
			depth[nd->left] = depth[nd->right] = depth[i] + 1;
			continue;
		}
		if (depth[i] > IFOREST_MAX_DEPTH)
			return -1;
		if (depth[i] > *max)
			*max = depth[i];
	}
	return 0;
}

/*
 * Lays tree t out from m->fnode[tr->base] on, breadth first: a node's
 * position is its place in the queue, and its two children, queued
 * together, sit side by side.  The top levels of every tree, which every
 * row visits, end up in a few cache lines.
 */
static void
lay_out_tree(struct iforest *m, size_t t, const uint32_t *depth)
{
	const struct iforest_tree *tr = &m->tree[t];
	int32_t *queue = xmalloc(tr->n_nodes * sizeof *queue);
	size_t head, tail = 0;

	queue[tail++] = 0;
	for (head = 0; head < tail; head++) {
		const struct iforest_node *nd = &tr->node[queue[head]];
		size_t at = tr->base + head;
		struct iforest_fnode *fn = &m->fnode[at];
		m->count[at] = nd->count;
		if (nd->left < 0) {
			fn->thr = 0;
			fn->feat = 0;
			fn->child = -1;
			m->value[at] = leaf_value(depth[queue[head]],
			    nd->count);
			continue;
		}
		fn->thr = float_key(float_floor(nd->threshold));
		fn->feat = (uint16_t)(tr->features ?
		    tr->features[nd->feature] : (uint32_t)nd->feature);
		fn->child = (int16_t)(tail - head);
		queue[tail++] = nd->left;
		queue[tail++] = nd->right;
	}
	free(queue);
}

/*
 * The bit of feature j in a `uses` mask.  Features from 63 on share the
 * last bit, which only makes the shortcut in expect() rarer, never wrong.
 */
static uint64_t
feature_bit(size_t j)
{
	return (uint64_t)1 << (j < 63 ? j : 63);
}

/*
 * Summarises each split of tree t for rows with missing features: which
 * features the subtree splits on, and the count-weighted mean of its
 * leaves, which is what expect() would compute below a node whose every
 * split is on a missing feature.  Children sit after their parent, so
 * one backward pass sees them first.
 */
static void
summarise_tree(struct iforest *m, size_t t)
{
	const struct iforest_tree *tr = &m->tree[t];

	for (size_t i = tr->n_nodes; i-- > 0;) {
		size_t at = tr->base + i, l;
		double nl, nr;
		if (m->fnode[at].child < 0)
			continue;
		l = at + (size_t)m->fnode[at].child;
		nl = m->count[l];
		nr = m->count[l + 1];
		m->uses[at] = feature_bit(m->fnode[at].feat) | m->uses[l] |
		    m->uses[l + 1];
		m->value[at] = (nl * m->value[l] + nr * m->value[l + 1]) /
		    (nl + nr);
	}
}

/* The layout's contract is in iforest_impl.h. */
int
iforest_build_layout(struct iforest *m, char *err, size_t errlen)
{
	size_t total = 0, depth_cap = 0;
	uint32_t *depth = NULL;

	for (size_t t = 0; t < m->n_trees; t++)
		total += m->tree[t].n_nodes;
	m->n_fnodes = total;
	m->fnode = xcalloc(total, sizeof *m->fnode);
	m->value = xcalloc(total, sizeof *m->value);
	m->count = xcalloc(total, sizeof *m->count);
	m->uses = xcalloc(total, sizeof *m->uses);
	total = 0;
	for (size_t t = 0; t < m->n_trees; t++) {
		struct iforest_tree *tr = &m->tree[t];
		xgrow(&depth, &depth_cap, tr->n_nodes, sizeof *depth);
		if (tree_depths(tr, depth, &tr->depth) != 0) {
			seterr(err, errlen, "tree %zu: a leaf deeper than %d",
			    t, IFOREST_MAX_DEPTH);
			free(depth);
			return -1;
		}
		tr->base = (uint32_t)total;
		lay_out_tree(m, t, depth);
		summarise_tree(m, t);
		total += tr->n_nodes;
	}
	free(depth);
	return 0;
}

/* Scoring. */

/* The score s from the sum of the trees' path lengths. */
static double
finish(const struct iforest *m, double total)
{
	double denom = (double)m->n_trees * m->c_psi;

	/* One training row per tree: no path has any length, and
	 * scikit-learn defines the ratio as 1. */
	return pow(2.0, -(denom != 0.0 ? total / denom : 1.0));
}

/*
 * One step down a tree: to the left child, or the one after it when
 * x > threshold.  A leaf is its own child (offset -1, threshold key 0,
 * below every key), so a tree takes exactly its depth in steps whatever
 * the row, and there is no branch to mispredict: the compare becomes an
 * add-with-carry.
 */
static inline const struct iforest_fnode *
step(const struct iforest_fnode *p, const uint32_t *xk)
{
	return p + ((intptr_t)p->child + (p->thr < xk[p->feat]));
}

/*
 * A single walk is a chain of dependent loads, so trees are walked
 * WALK_GROUP at a time, step by step, for the CPU to overlap the chains;
 * a last, short group is padded with an idle leaf.  The leaf values are
 * still added in tree order, as scikit-learn adds them.
 */
#define WALK_GROUP 12

static double
walk_all(const struct iforest *m, const uint32_t *xk)
{
	static const struct iforest_fnode idle = { 0, 0, -1 };
	const struct iforest_fnode *fn = m->fnode;
	double total = 0.0;

	for (size_t t = 0; t < m->n_trees; t += WALK_GROUP) {
		const struct iforest_fnode *p[WALK_GROUP];
		size_t n = m->n_trees - t;
		uint32_t depth = 0;
		if (n > WALK_GROUP)
			n = WALK_GROUP;
		for (size_t g = 0; g < WALK_GROUP; g++) {
			p[g] = &idle;
			if (g < n) {
				p[g] = fn + m->tree[t + g].base;
				if (m->tree[t + g].depth > depth)
					depth = m->tree[t + g].depth;
			}
		}
		for (; depth > 0; depth--) {
#pragma GCC unroll 12
			for (size_t g = 0; g < WALK_GROUP; g++)
				p[g] = step(p[g], xk);
		}
		for (size_t g = 0; g < n; g++)
			total += m->value[p[g] - fn];
	}
	return total;
}

/*
 * The expected leaf value under node p for a row with a missing (NaN)
 * feature: at a split on a missing feature, both sides weighted by their
 * training rows.  A subtree that splits only on missing features needs no
 * walk at all: its mean was precomputed (summarise_tree), which keeps a
 * row with every feature missing, as in a patient's first minutes, at one
 * load per tree instead of a visit to every node.  Recursion is bounded
 * by IFOREST_MAX_DEPTH.
 */
static double
expect(const struct iforest *m, const struct iforest_fnode *p,
    const float *xf, const uint32_t *xk, uint64_t known)
{
	const struct iforest_fnode *l;
	double nl, nr;

	while (p->child >= 0 && (m->uses[p - m->fnode] & known) != 0 &&
	    !isnan(xf[p->feat]))
		p = step(p, xk);
	if (p->child < 0 || (m->uses[p - m->fnode] & known) == 0)
		return m->value[p - m->fnode];
	l = p + p->child;
	nl = m->count[l - m->fnode];
	nr = m->count[l + 1 - m->fnode];
	return (nl * expect(m, l, xf, xk, known) +
	    nr * expect(m, l + 1, xf, xk, known)) / (nl + nr);
}

static double
score_keys(const struct iforest *m, const float *xf, const uint32_t *xk,
    bool missing)
{
	double total = 0.0;
	uint64_t known = 0;

	if (!missing)
		return finish(m, walk_all(m, xk));
	for (size_t j = 0; j < m->n_features; j++)
		if (!isnan(xf[j]))
			known |= feature_bit(j);
	for (size_t t = 0; t < m->n_trees; t++)
		total += expect(m, m->fnode + m->tree[t].base, xf, xk, known);
	return finish(m, total);
}

/*
 * Rounds a row to float32, as scikit-learn's input validation does, and
 * keys it.  Returns true if a value is missing (NaN).
 */
static bool
round_row(size_t d, const double *x, float *xf, uint32_t *xk)
{
	bool missing = false;

	for (size_t j = 0; j < d; j++) {
		xf[j] = (float)x[j];
		xk[j] = float_key(xf[j]);
		missing |= isnan(xf[j]);
	}
	return missing;
}

double
iforest_score(const struct iforest *m, const double *x)
{
	float xf[IFOREST_MAX_FEATURES];
	uint32_t xk[IFOREST_MAX_FEATURES];
	bool missing = round_row(m->n_features, x, xf, xk);

	return score_keys(m, xf, xk, missing);
}

void
iforest_score_rows(const struct iforest *m, const double *x, size_t n,
    double *out)
{
	float xf[IFOREST_MAX_FEATURES];
	uint32_t xk[IFOREST_MAX_FEATURES];
	size_t d = m->n_features;

	for (size_t r = 0; r < n; r++) {
		bool missing = round_row(d, x + r * d, xf, xk);
		out[r] = score_keys(m, xf, xk, missing);
	}
}

int
iforest_feature_index(const struct iforest *m, const char *name)
{
	for (size_t j = 0; j < m->n_features; j++)
		if (strcmp(m->names[j], name) == 0)
			return (int)j;
	return -1;
}

void
iforest_free(struct iforest *m)
{
	if (m == NULL)
		return;
	for (size_t j = 0; j < m->n_features && m->names; j++)
		free(m->names[j]);
	free(m->names);
	for (size_t t = 0; t < m->n_trees && m->tree; t++) {
		free(m->tree[t].node);
		free(m->tree[t].features);
	}
	free(m->tree);
	free(m->fnode);
	free(m->value);
	free(m->count);
	free(m->uses);
	json_decref(m->provenance);
	free(m);
}

/* Loading. */

struct loadctx {
	char *err;
	size_t errlen;
};

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
