/*
 * metrics: ranking quality of an anomaly score against 0/1 ground truth,
 * as scikit-learn defines it, so figures from the evaluation command can
 * be set beside figures from Python.  A higher score means "more likely
 * positive" (anomalous).
 *
 * Both functions take n (score, label) pairs, copy and sort them
 * (O(n log n), n + 16 bytes per pair on the heap, dies on no memory) and
 * treat equal scores as one threshold, so the order of tied rows never
 * matters.  They return 0 with the value in *out, or -1 with *out
 * untouched when the value is undefined: n = 0 or above UINT32_MAX, a NaN
 * score, or a class missing (see each).  Infinite scores are allowed.
 */
#ifndef VL_METRICS_H
#define VL_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Area under the ROC curve, ties counted half (the average-rank
 * Mann-Whitney statistic), as sklearn.metrics.roc_auc_score.  Needs at
 * least one positive and one negative (sklearn raises otherwise).  The
 * area is counted exactly in integers, then divided; sklearn's
 * trapezoid sum in floating point agrees to about 1e-15.
 */
int metrics_roc_auc(const double *score, const bool *label, size_t n,
    double *out);

/*
 * Average precision, sum over distinct thresholds (from the highest
 * score down) of (recall gained) * (precision there), without
 * interpolation, as sklearn.metrics.average_precision_score.  Needs at
 * least one positive (sklearn warns and returns 0 otherwise).  Equals the
 * prevalence for a useless score, 1 for a perfect one.
 */
int metrics_average_precision(const double *score, const bool *label,
    size_t n, double *out);

#endif
