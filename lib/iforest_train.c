/*
 * iforest_train: growing a forest, as scikit-learn's IsolationForest
 * grows one (the rules are in iforest.h): the buffer of training rows,
 * the subsample of each tree, the recursive split, and the threshold a
 * contamination asks for.  The grown trees go through
 * iforest_build_layout like loaded ones, so a trained model and the same
 * model saved and read back score alike.
 */
#include "iforest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iforest_impl.h"
#include "rng.h"
#include "xalloc.h"

/* scikit-learn's FEATURE_THRESHOLD: a feature whose max is within this of
 * its min (in float32 arithmetic) is constant in the node. */
#define CONSTANT_EPS	1e-7f

/* Rows. */

struct iforest_rows *
iforest_rows_new(size_t d)
{
	struct iforest_rows *r = xcalloc(1, sizeof *r);

	r->d = d;
	return r;
}

void
iforest_rows_free(struct iforest_rows *r)
{
	if (r == NULL)
		return;
	free(r->x);
	free(r);
}

int
iforest_rows_add(struct iforest_rows *r, const double *x)
{
	float *dst;

	if (r->d == 0)
		return -1;
	for (size_t j = 0; j < r->d; j++)
		if (!isfinite((float)x[j]))
			return -1;
	if (r->n == r->cap) {
		size_t cap = r->cap * r->d;	/* xgrow counts floats */
		xgrow(&r->x, &cap, (r->n + 1) * r->d, sizeof *r->x);
		r->cap = cap / r->d;
	}
	dst = r->x + r->n * r->d;
	for (size_t j = 0; j < r->d; j++)
		dst[j] = (float)x[j];
	r->n++;
	return 0;
}

/* Growing the trees. */

struct grower {
	const struct iforest_rows *rows;
	struct rng rng;
	unsigned limit;
	uint32_t *idx;		/* the subsample, partitioned in place */
	uint32_t *cand;		/* per level: features not known constant */
	struct iforest_node *node;
	size_t n_nodes, cap;
};

/*
 * Draws psi distinct row numbers out of n (Floyd's algorithm), with a
 * small open-addressing set, so a tree costs O(psi) however many rows.
 */
static void
subsample(struct rng *rng, size_t n, size_t psi, uint32_t *out)
{
	size_t cap = 16, k = 0;
	uint32_t *set;

	while (cap < 2 * psi)
		cap *= 2;
	set = xcalloc(cap, sizeof *set);
	for (size_t j = n - psi; j < n; j++) {
		uint32_t pick = (uint32_t)rng_below(rng, j + 1), h;
		for (;;) {
			h = (uint32_t)((pick * 0x9e3779b1u) & (cap - 1));
			while (set[h] != 0 && set[h] != pick + 1)
				h = (h + 1) & (cap - 1);
			if (set[h] == 0)
				break;
			pick = (uint32_t)j;	/* taken: j itself is new */
		}
		set[h] = pick + 1;
		out[k++] = pick;
	}
	free(set);
}

static int32_t
new_node(struct grower *g, uint32_t count)
{
	struct iforest_node *nd;

	xgrow(&g->node, &g->cap, g->n_nodes + 1, sizeof *g->node);
	nd = &g->node[g->n_nodes];
	nd->threshold = 0.0;
	nd->feature = nd->left = nd->right = -1;
	nd->count = count;
	return (int32_t)g->n_nodes++;
}

static void
feature_range(const struct grower *g, size_t lo, size_t hi, uint32_t f,
    float *min, float *max)
{
	const float *x = g->rows->x;
	size_t d = g->rows->d;
	float a = x[(size_t)g->idx[lo] * d + f], b = a;

	for (size_t i = lo + 1; i < hi; i++) {
		float v = x[(size_t)g->idx[i] * d + f];
		if (v < a)
			a = v;
		if (v > b)
			b = v;
	}
	*min = a;
	*max = b;
}

/* Moves the rows with x[f] <= thr to the front; returns how many. */
static size_t
partition(struct grower *g, size_t lo, size_t hi, uint32_t f, double thr)
{
	const float *x = g->rows->x;
	size_t d = g->rows->d, i = lo, j = hi;

	while (i < j) {
		if (x[(size_t)g->idx[i] * d + f] <= thr) {
			i++;
		} else {
			uint32_t tmp = g->idx[i];
			g->idx[i] = g->idx[--j];
			g->idx[j] = tmp;
		}
	}
	return i;
}

/*
 * Grows the subtree of idx[lo, hi) at the given depth, cand[0, k) being
 * the features not yet known to be constant there.  A feature found
 * constant is dropped for the whole subtree, as scikit-learn does.
 */
static int32_t
grow(struct grower *g, size_t lo, size_t hi, unsigned depth,
    const uint32_t *cand, size_t k)
{
	size_t d = g->rows->d;
	int32_t id = new_node(g, (uint32_t)(hi - lo));
	uint32_t *mine = g->cand + (size_t)(depth + 1) * d, f = 0;
	float min = 0, max = 0;
	double thr;
	size_t mid;

	if (depth >= g->limit || hi - lo < 2)
		return id;
	memcpy(mine, cand, k * sizeof *mine);
	while (k > 0) {
		size_t j = (size_t)rng_below(&g->rng, k);
		f = mine[j];
		feature_range(g, lo, hi, f, &min, &max);
		if (!(max <= min + CONSTANT_EPS))
			break;
		mine[j] = mine[--k];
	}
	if (k == 0)
		return id;
	thr = ((double)max - (double)min) * rng_uniform(&g->rng) + min;
	if (thr == (double)max)
		thr = min;
	mid = partition(g, lo, hi, f, thr);
	g->node[id].feature = (int32_t)f;
	g->node[id].threshold = thr;
	int32_t left = grow(g, lo, mid, depth + 1, mine, k);
	int32_t right = grow(g, mid, hi, depth + 1, mine, k);
	g->node[id].left = left;
	g->node[id].right = right;
	return id;
}

static unsigned
ceil_log2(size_t n)
{
	unsigned b = 0;

	while (((size_t)1 << b) < n)
		b++;
	return b;
}

static int
by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * numpy.percentile(v, 100 * c) with its default linear interpolation,
 * step for step (q / 100, (n - 1) q, and numpy's two-sided lerp), so a
 * threshold from a contamination matches scikit-learn's offset_ rule.
 */
static double
percentile(double *v, size_t n, double c)
{
	double q = (100.0 * c) / 100.0, virt = (double)(n - 1) * q;
	double prev, gamma, a, b, diff;
	size_t i, j;

	qsort(v, n, sizeof *v, by_double);
	prev = floor(virt);
	if (virt >= (double)(n - 1)) {
		i = j = n - 1;
		prev = -1.0;
	} else {
		i = (size_t)prev;
		j = i + 1;
	}
	gamma = virt - prev;
	a = v[i];
	b = v[j];
	diff = b - a;
	if (gamma >= 0.5)
		return b - diff * (1.0 - gamma);
	return a + diff * gamma;
}

/*
 * The threshold that leaves a share c of the training rows above it.  The
 * rows are scored as any row is, through iforest_score: they are float32
 * already, so its rounding leaves them as they are, and none is missing.
 */
static double
contamination_threshold(const struct iforest *m,
    const struct iforest_rows *rows, double c)
{
	double *neg = xmalloc(rows->n * sizeof *neg), off;
	double x[IFOREST_MAX_FEATURES];

	/* scikit-learn takes the percentile of score_samples = -s. */
	for (size_t r = 0; r < rows->n; r++) {
		for (size_t j = 0; j < rows->d; j++)
			x[j] = rows->x[r * rows->d + j];
		neg[r] = -iforest_score(m, x);
	}
	off = percentile(neg, rows->n, c);
	free(neg);
	return -off;
}

static json_t *
json_u64(uint64_t v)
{
	char buf[24];

	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return json_string(buf);
}

static struct iforest *
new_model(size_t d, const char *const *names, size_t n_trees, size_t psi)
{
	struct iforest *m = xcalloc(1, sizeof *m);

	m->n_features = d;
	m->names = xcalloc(d, sizeof *m->names);
	for (size_t j = 0; j < d; j++)
		m->names[j] = xstrdup(names[j]);
	m->n_trees = n_trees;
	m->tree = xcalloc(n_trees, sizeof *m->tree);
	m->psi = psi;
	m->c_psi = iforest_c(psi);
	m->threshold = 0.5;
	return m;
}

struct iforest *
iforest_train(const struct iforest_rows *rows, const char *const *names,
    const struct iforest_params *p, char *err, size_t errlen)
{
	size_t psi = p->psi ? p->psi : 256, n_trees = p->n_trees ?
	    p->n_trees : 100, d = rows->d;
	unsigned limit;
	struct grower g;
	struct rng master;
	struct iforest *m;
	uint32_t *all;

	if (rows->n == 0) {
		seterr(err, errlen, "no training rows");
		return NULL;
	}
	if (n_trees > IFOREST_MAX_TREES) {
		seterr(err, errlen, "%zu trees, more than %d", n_trees,
		    IFOREST_MAX_TREES);
		return NULL;
	}
	if (rows->n > UINT32_MAX) {
		seterr(err, errlen, "too many training rows (%zu)", rows->n);
		return NULL;
	}
	if (d == 0 || d > IFOREST_MAX_FEATURES) {
		seterr(err, errlen, "%zu features (1 to %d)", d,
		    IFOREST_MAX_FEATURES);
		return NULL;
	}
	if (!(p->contamination >= 0 && p->contamination <= 0.5)) {
		seterr(err, errlen, "contamination must be in (0, 0.5], "
		    "or 0 for a threshold of 0.5");
		return NULL;
	}
	if (p->height_limit > IFOREST_MAX_DEPTH) {
		seterr(err, errlen, "height limit %u is above %d",
		    p->height_limit, IFOREST_MAX_DEPTH);
		return NULL;
	}
	if (iforest_check_names(names, d, err, errlen) != 0)
		return NULL;
	if (psi > IFOREST_MAX_PSI) {
		seterr(err, errlen, "subsample size %zu is above %d", psi,
		    IFOREST_MAX_PSI);
		return NULL;
	}
	if (psi > rows->n)
		psi = rows->n;
	limit = p->height_limit ? p->height_limit : ceil_log2(psi < 2 ? 2 :
	    psi);

	m = new_model(d, names, n_trees, psi);
	memset(&g, 0, sizeof g);
	g.rows = rows;
	g.limit = limit;
	g.idx = xmalloc(psi * sizeof *g.idx);
	g.cand = xmalloc((size_t)(limit + 2) * d * sizeof *g.cand);
	all = g.cand;
	for (size_t j = 0; j < d; j++)
		all[j] = (uint32_t)j;
	rng_seed(&master, p->seed);
	for (size_t t = 0; t < n_trees; t++) {
		/* Each tree its own stream: tree t does not depend on how
		 * many draws the trees before it took. */
		rng_fork(&g.rng, &master, t);
		subsample(&g.rng, rows->n, psi, g.idx);
		g.node = NULL;
		g.n_nodes = g.cap = 0;
		grow(&g, 0, psi, 0, all, d);
		m->tree[t].node = g.node;
		m->tree[t].n_nodes = g.n_nodes;
	}
	free(g.idx);
	free(g.cand);
	if (iforest_build_layout(m, err, errlen) != 0) {
		iforest_free(m);
		return NULL;
	}
	if (p->contamination > 0)
		m->threshold = contamination_threshold(m, rows,
		    p->contamination);

	m->provenance = json_object();
	json_object_set_new(m->provenance, "rows", json_u64(rows->n));
	json_t *par = json_object();
	json_object_set_new(par, "max_samples", json_u64(psi));
	json_object_set_new(par, "n_estimators", json_u64(n_trees));
	json_object_set_new(par, "height_limit", json_integer(limit));
	json_object_set_new(par, "seed", json_u64(p->seed));
	json_object_set_new(par, "contamination", p->contamination > 0 ?
	    json_real(p->contamination) : json_string("auto"));
	json_object_set_new(m->provenance, "params", par);
	return m;
}
