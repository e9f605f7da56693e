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
#include <stdlib.h>
#include <string.h>

#include "iforest_impl.h"
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
