/*
 * iforest: Isolation Forest (Liu, Ting and Zhou, ICDM 2008) training,
 * scoring that reproduces scikit-learn's IsolationForest.score_samples,
 * and the model file that carries a forest from iforest-train (or from
 * models/export_sklearn.py) to iforest-score.
 *
 * One header, three modules: lib/iforest.c is the model in memory and
 * its scoring, the hot path; lib/iforest_train.c grows forests;
 * lib/iforest_io.c reads and writes the model file.
 *
 * Score.  For a row x, each tree gives the depth of the leaf x falls in
 * plus c(n), n being the number of training rows that reached that leaf;
 * the sum over trees, divided by n_trees * c(psi), is the ratio, and the
 * score is s = 2^-ratio in [0, 1]: near 1 is anomalous, about 0.5 is
 * ordinary.  (scikit-learn's score_samples returns -s.)  The row is an
 * anomaly when s > threshold.  To match scikit-learn bit for bit where it
 * matters, every feature is rounded to float32 before it is compared (the
 * trees were grown on float32 data: without the rounding, a value between
 * a threshold and the next float32 goes the wrong way), c(n) uses the ln
 * approximation for every n >= 3 as scikit-learn does, with c(1) = 0 and
 * c(2) = 1, and tree values are added in tree order.  When c(psi) = 0
 * (psi = 1) the ratio is 1 and every row scores 0.5.  Measured against
 * scikit-learn 1.2.1 the scores agree to about 1e-16: numpy's SIMD log()
 * and pow() differ from glibc's in the last bit, nothing more.
 *
 * Missing values.  A NaN feature is missing (the caller maps an absent or
 * non-numeric field to NaN).  At a split on a missing feature the row
 * follows both children and takes their values weighted by the number of
 * training rows that went each way, so a tree gives the expected path
 * length of x over the training rows that agree with x on everything x
 * does have.  This was chosen over imputing a stored value because an
 * imputed median puts the row at the densest point of that feature, which
 * makes it look more normal than the features it does have say, while the
 * weighted walk neither adds nor hides evidence; it needs no extra data in
 * the model, and a row with nothing missing is scored exactly as
 * scikit-learn would.  The score is never NaN, even when every feature is
 * missing (each tree then gives its mean path length over its training
 * rows).  Infinities are values, not missing: +inf goes right at every
 * split.  Rows with missing features take a slower path (every node under
 * a missing split is visited).
 *
 * Model file, format "vitals-iforest" version 1: one JSON object.
 *
 *   "format": "vitals-iforest", "version": 1
 *   "features": ["hr", "spo2", ...]    the feature vector's names, in
 *                                      order; unique, non-empty, at
 *                                      most IFOREST_MAX_FEATURES
 *   "n_estimators": T                  the number of trees, 1 to
 *                                      IFOREST_MAX_TREES
 *   "max_samples": psi                 the subsample size, >= 1, and at
 *                                      least the root's n_node_samples
 *   "c_max_samples": c(psi)            as the writer computed it; it must
 *                                      agree with c(psi) to 1e-9 and is
 *                                      used as written
 *   "threshold": t                     anomaly if s > t (0.5 matches
 *                                      scikit-learn's contamination="auto";
 *                                      for a contamination c it is minus
 *                                      scikit-learn's offset_)
 *   "provenance": {...}                free-form object filled by whoever
 *                                      trained the model: data hash, row
 *                                      count, parameters, seed, date,
 *                                      evaluation figures
 *   "trees": [tree, ...]               T trees, in scoring order
 *
 * A tree is an object of equal-length arrays indexed by node id, node 0
 * the root (scikit-learn's tree_ arrays):
 *
 *   "feature":        split feature, or -1 at a leaf
 *   "threshold":      split threshold (x <= threshold goes left), null at
 *                     a leaf; written with 17 significant digits, so that
 *                     it reads back as the same double
 *   "left", "right":  child node ids, greater than the node's own id; -1
 *                     and -1 at a leaf
 *   "n_node_samples": training rows that reached the node, >= 1; at a
 *                     split it is the sum of its children's
 *   "features":       optional: the tree's own feature list, for forests
 *                     whose trees see a subset of the features (sklearn's
 *                     max_features < 1).  Node features then index this
 *                     list, which holds indices into "features" above.
 *                     Written first when present.
 *
 * Every node but the root has exactly one parent, no leaf is deeper than
 * IFOREST_MAX_DEPTH and no tree has more than IFOREST_MAX_NODES nodes
 * (enough for psi up to IFOREST_MAX_PSI).  The loader checks all of this
 * and refuses anything else (unknown keys included) with a message naming
 * the tree and node: a corrupt file is an error, never a crash or a
 * silent misscore.  The writer emits keys in the order above, one tree
 * per line, with no timestamp of its own, so the same model always gives
 * the same bytes.
 *
 * Training follows scikit-learn's IsolationForest so that our forests
 * behave like its forests: psi rows drawn without replacement per tree, a
 * height limit of ceil(log2(max(psi, 2))), at each node a feature drawn
 * uniformly among those not constant in the node (constant meaning
 * max <= min + 1e-7 in float32), a threshold uniform in [min, max) (a draw
 * that rounds to max becomes min), and a node with no usable feature
 * becomes a leaf, so a leaf can hold many duplicate rows.  Rows are
 * rounded to float32 when they are added.  The random streams are ours
 * (lib/rng.h), so the trees differ from scikit-learn's for the same seed,
 * but the same seed and rows give the same model, byte for byte.
 */
#ifndef VL_IFOREST_H
#define VL_IFOREST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IFOREST_FORMAT		"vitals-iforest"
#define IFOREST_VERSION		1
/* Limits of the scoring layout: 16-bit feature numbers and node offsets.
 * A tree of psi rows has at most 2 psi - 1 nodes. */
#define IFOREST_MAX_FEATURES	1024
#define IFOREST_MAX_DEPTH	64
#define IFOREST_MAX_NODES	32767
#define IFOREST_MAX_PSI		16384
#define IFOREST_MAX_TREES	100000

/* Training options.  A zeroed struct asks for every default (and seed 0). */
struct iforest_params {
	size_t psi;		/* subsample size; 0: 256.  Capped at the
				 * number of rows, as scikit-learn does; at
				 * most IFOREST_MAX_PSI */
	size_t n_trees;		/* 0: 100 */
	unsigned height_limit;	/* 0: ceil(log2(max(psi, 2))); at most
				 * IFOREST_MAX_DEPTH */
	uint64_t seed;
	double contamination;	/* 0: threshold 0.5 ("auto"); in (0, 0.5]:
				 * the threshold leaves this share of the
				 * training rows above it, computed as
				 * scikit-learn computes offset_ */
};

/* A growing buffer of training rows, kept as float32.  Callers read d
 * and n; the rows are only added to through iforest_rows_add. */
struct iforest_rows {
	size_t d;		/* features per row */
	size_t n;		/* rows held */
	size_t cap;
	float *x;		/* n * d, row-major */
};

/*
 * A node of the scoring layout, 8 bytes.  Each tree is laid out breadth
 * first, so a split's two children sit side by side, child nodes after
 * it.  Rows are compared as order-preserving integer keys of their
 * float32 values.
 */
struct iforest_fnode {
	uint32_t thr;		/* key of the largest float32 <= the split
				 * threshold: for a float32 x, key(x) > thr
				 * exactly when x > the double threshold.
				 * 0 at a leaf */
	uint16_t feat;		/* index into the row */
	int16_t child;		/* offset of the left child, the right one
				 * next to it; -1 at a leaf, which is thus
				 * its own right child */
};

/* A tree as the file has it, kept so that save writes back what load read. */
struct iforest_node {
	double threshold;
	int32_t feature;	/* into the tree's feature list; -1 at a leaf */
	int32_t left, right;	/* tree-local ids; -1 at a leaf */
	uint32_t count;		/* n_node_samples */
};

struct iforest_tree {
	size_t n_nodes;
	struct iforest_node *node;
	size_t n_features;	/* 0 when the tree sees every feature */
	uint32_t *features;	/* its feature list, or NULL */
	uint32_t base;		/* its node 0 in the scoring layout */
	uint32_t depth;		/* its deepest leaf */
};

/*
 * A forest.  Callers read the fields in the first group, may change
 * threshold, and may add to provenance (an object the model owns; it is
 * saved as it stands).  The rest is the scoring layout: every tree's
 * nodes in one array, renumbered so that traversal is a fixed number of
 * branch-free steps, and each leaf's depth + c(n) precomputed.
 */
struct iforest {
	size_t n_features;
	char **names;
	size_t n_trees;
	size_t psi;
	double c_psi;		/* c(psi), the normaliser */
	double threshold;	/* anomaly if s > threshold */
	json_t *provenance;

	struct iforest_tree *tree;
	struct iforest_fnode *fnode;	/* every tree's nodes */
	double *value;		/* per scoring node: leaf depth + c(n); at
				 * a split, the count-weighted mean of the
				 * values of the leaves under it */
	uint32_t *count;	/* per scoring node: n_node_samples */
	uint64_t *uses;		/* per scoring node: feature_bit() of every
				 * feature split on under it */
	size_t n_fnodes;
};

/*
 * c(n), the average path length of an unsuccessful search in a binary
 * search tree of n keys, as scikit-learn computes it: 0 for n <= 1, 1 for
 * n = 2, else 2 (ln(n - 1) + Euler's gamma) - 2 (n - 1) / n.
 */
double iforest_c(uint64_t n);

/* An empty row buffer for d features (1 <= d <= IFOREST_MAX_FEATURES).
 * Never NULL (dies on no memory).  Free with iforest_rows_free. */
struct iforest_rows *iforest_rows_new(size_t d);
void iforest_rows_free(struct iforest_rows *r);

/*
 * Appends a row of r->d values, rounded to float32.  Returns 0, or -1
 * without adding it when a value is NaN, infinite or too large for
 * float32: scikit-learn refuses such training data, and a forest grown on
 * them would split on nothing useful.  The caller counts the refusals.
 */
int iforest_rows_add(struct iforest_rows *r, const double *x);

/*
 * Grows a forest on the rows.  names holds rows->d feature names (copied).
 * Returns the model (free with iforest_free), or NULL with a message in
 * err when there are no rows, a parameter is out of range or a name is
 * empty or repeated.  The provenance is filled with the parameters as
 * resolved (psi after capping, the height limit, seed, contamination) and
 * the row count; the caller adds the rest.
 */
struct iforest *iforest_train(const struct iforest_rows *rows,
    const char *const *names, const struct iforest_params *p, char *err,
    size_t errlen);

/*
 * Reads a model from JSON text (iforest_parse) or a file (iforest_load).
 * Returns the model, or NULL with a message in err; nothing is left to
 * free after a failure.
 */
struct iforest *iforest_parse(const char *text, size_t len, char *err,
    size_t errlen);
struct iforest *iforest_load(const char *path, char *err, size_t errlen);

/* The model file's text, NUL-terminated; the caller frees it.  Never
 * NULL (dies on no memory).  m->threshold must be finite (JSON has no
 * NaN; a file written with one would not load). */
char *iforest_dump(const struct iforest *m);

/* Writes the model file to path, through a temporary file renamed into
 * place, so a reader never sees half a model.  Returns 0, or -1 with a
 * message in err (path is then untouched). */
int iforest_save(const struct iforest *m, const char *path, char *err,
    size_t errlen);

/* Frees the model and everything in it; NULL is allowed. */
void iforest_free(struct iforest *m);

/* The index of the named feature, or -1. */
int iforest_feature_index(const struct iforest *m, const char *name);

/*
 * The score s in [0, 1] of one row of m->n_features values (NaN =
 * missing, see above).  Never fails; m is not modified, so threads may
 * share a model.
 */
double iforest_score(const struct iforest *m, const double *x);

/* Scores n rows (row-major, n * m->n_features values) into out. */
void iforest_score_rows(const struct iforest *m, const double *x, size_t n,
    double *out);

static inline bool
iforest_is_anomaly(const struct iforest *m, double s)
{
	return s > m->threshold;
}

#endif
