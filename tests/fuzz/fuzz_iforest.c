/*
 * libFuzzer target: the model file loader (iforest_parse, lib/iforest.h)
 * on arbitrary text.
 *
 * A file that loads must score as the file says: a second scorer here
 * walks the trees as the file has them (node ids, left and right, x
 * rounded to float32 and compared with the double threshold, x <= t to
 * the left, a missing feature down both sides weighted by
 * n_node_samples, each leaf depth + c(n) as iforest.h defines it, trees
 * added in order, 2^-(sum / (T c(psi))), 0.5 when c(psi) is 0), and
 * iforest_score must give the same score, bit for bit, on rows made of
 * the file's own thresholds and their float32 neighbours, infinities,
 * values beyond float32 and missing values; iforest_score_rows the same
 * again.  Scores lie in [0, 1] and are never NaN.  The loaded model must
 * also survive iforest_dump: the text loads again, dumps to the same
 * bytes and scores the same.  A file that does not load must say why.
 * Built and run by `make fuzz`.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iforest.h"
#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROWS	12

#define check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);\
		abort();						\
	}								\
} while (0)

/* The path length of x in tree tr from node i at depth d. */
static double
ref_path(const struct iforest_tree *tr, size_t i, uint32_t d, const double *x)
{
	const struct iforest_node *nd = &tr->node[i];
	double v, nl, nr;
	size_t j;

	if (nd->left < 0)
		/* As iforest.c adds it, in scikit-learn's order. */
		return ((double)d + 1.0 + iforest_c(nd->count)) - 1.0;
	j = tr->features ? tr->features[nd->feature] : (size_t)nd->feature;
	v = (double)(float)x[j];
	if (!isnan(v))
		return ref_path(tr, (size_t)(v <= nd->threshold ? nd->left :
		    nd->right), d + 1, x);
	nl = tr->node[nd->left].count;
	nr = tr->node[nd->right].count;
	return (nl * ref_path(tr, (size_t)nd->left, d + 1, x) +
	    nr * ref_path(tr, (size_t)nd->right, d + 1, x)) / (nl + nr);
}

static double
ref_score(const struct iforest *m, const double *x)
{
	double total = 0.0, denom = (double)m->n_trees * m->c_psi;

	for (size_t t = 0; t < m->n_trees; t++)
		total += ref_path(&m->tree[t], 0, 0, x);
	return pow(2.0, -(denom != 0.0 ? total / denom : 1.0));
}

/* A small deterministic generator, seeded by the input. */
static uint64_t
next(uint64_t *s)
{
	*s = *s * 6364136223846793005u + 1442695040888963407u;
	return *s >> 33;
}

/* Rows whose values sit on and beside the model's thresholds. */
static double *
make_rows(const struct iforest *m, uint64_t seed)
{
	size_t d = m->n_features, nthr = 0;
	double *x = calloc(ROWS * d, sizeof *x), *thr;

	for (size_t t = 0; t < m->n_trees; t++)
		nthr += m->tree[t].n_nodes;
	thr = calloc(nthr + 1, sizeof *thr);
	nthr = 0;
	for (size_t t = 0; t < m->n_trees; t++)
		for (size_t i = 0; i < m->tree[t].n_nodes; i++)
			if (m->tree[t].node[i].left >= 0)
				thr[nthr++] = m->tree[t].node[i].threshold;
	for (size_t r = 0; r < ROWS; r++) {
		for (size_t j = 0; j < d; j++) {
			double t = nthr ? thr[next(&seed) % nthr] : 0.0;
			float f = (float)t;
			double *v = &x[r * d + j];
			switch (next(&seed) % 10) {
			case 0: *v = t; break;
			case 1: *v = f; break;
			case 2: *v = nextafterf(f, INFINITY); break;
			case 3: *v = nextafterf(f, -INFINITY); break;
			case 4: *v = nextafter(t, INFINITY); break;
			case 5: *v = (r & 1) ? NAN : t; break;
			case 6: *v = (next(&seed) & 1) ? INFINITY : -INFINITY;
				break;
			case 7: *v = (next(&seed) & 1) ? 1e39 : -1e39; break;
			case 8: *v = (next(&seed) & 1) ? -0.0 : 0.0; break;
			default: *v = t + (double)(next(&seed) % 201) - 100;
			}
			/* The last rows: everything missing but one value, or
			 * nothing at all. */
			if (r == ROWS - 1 || (r == ROWS - 2 && j > 0))
				*v = NAN;
		}
	}
	free(thr);
	return x;
}

static void
check_scores(const struct iforest *m, const double *x)
{
	double out[ROWS];

	iforest_score_rows(m, x, ROWS, out);
	for (size_t r = 0; r < ROWS; r++) {
		const double *row = x + r * m->n_features;
		double s = iforest_score(m, row), want = ref_score(m, row);
		if (!(s == want)) {
			fprintf(stderr, "row %zu: score %.17g, the file says "
			    "%.17g\n", r, s, want);
			abort();
		}
		check(s >= 0.0 && s <= 1.0);
		check(out[r] == s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iforest *m, *again;
	char err[512] = "", *text, *text2;
	uint64_t seed = size;
	double *x;

	if ((m = iforest_parse((const char *)data, size, err,
	    sizeof err)) == NULL) {
		check(err[0] != '\0');
		return 0;
	}
	for (size_t i = 0; i < size; i++)
		seed = seed * 31 + data[i];
	x = make_rows(m, seed);
	check_scores(m, x);

	text = iforest_dump(m);
	if ((again = iforest_parse(text, strlen(text), err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "the dump does not load: %s\n", err);
		abort();
	}
	text2 = iforest_dump(again);
	check(strcmp(text, text2) == 0);
	check_scores(again, x);
	for (size_t r = 0; r < ROWS; r++)
		check(iforest_score(again, x + r * m->n_features) ==
		    iforest_score(m, x + r * m->n_features));
	free(text2);
	free(text);
	iforest_free(again);
	iforest_free(m);
	free(x);
	return 0;
}
