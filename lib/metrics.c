#include "metrics.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "xalloc.h"

struct pair {
	double score;
	bool label;
};

static int
by_score_desc(const void *a, const void *b)
{
	double x = ((const struct pair *)a)->score;
	double y = ((const struct pair *)b)->score;

	return (x < y) - (x > y);
}

/*
 * The pairs sorted by descending score, and the class counts; NULL when
 * the input cannot be ranked (empty, too long, or a NaN score).
 */
static struct pair *
ranked(const double *score, const bool *label, size_t n, uint64_t *pos,
    uint64_t *neg)
{
	struct pair *p;

	if (n == 0 || n > UINT32_MAX)
		return NULL;
	*pos = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(score[i]))
			return NULL;
		*pos += label[i] != 0;
	}
	*neg = n - *pos;
	p = xmalloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++) {
		p[i].score = score[i];
		p[i].label = label[i];
	}
	qsort(p, n, sizeof *p, by_score_desc);
	return p;
}

/*
 * Walks the thresholds: [*i, return) is the next run of equal scores,
 * holding *tp positives and *fp negatives.
 */
static size_t
next_run(const struct pair *p, size_t n, size_t i, uint64_t *tp,
    uint64_t *fp)
{
	size_t j = i;

	*tp = *fp = 0;
	for (; j < n && p[j].score == p[i].score; j++) {
		if (p[j].label)
			++*tp;
		else
			++*fp;
	}
	return j;
}

int
metrics_roc_auc(const double *score, const bool *label, size_t n,
    double *out)
{
	uint64_t pos, neg, tp, fp, tp_above = 0, twice_area = 0;
	struct pair *p = ranked(score, label, n, &pos, &neg);

	if (p == NULL)
		return -1;
	if (pos == 0 || neg == 0) {
		free(p);
		return -1;
	}
	/*
	 * Each negative scores below tp_above positives and ties with tp:
	 * it contributes tp_above + tp / 2 to the pairs ranked right.
	 * Doubled to stay in integers: at most 2 pos neg < 2^63.
	 */
	for (size_t i = 0; i < n;) {
		i = next_run(p, n, i, &tp, &fp);
		twice_area += fp * (2 * tp_above + tp);
		tp_above += tp;
	}
	free(p);
	*out = (double)twice_area / (2.0 * (double)pos * (double)neg);
	return 0;
}

int
metrics_average_precision(const double *score, const bool *label, size_t n,
    double *out)
{
	uint64_t pos, neg, tp, fp, tp_sum = 0, fp_sum = 0;
	struct pair *p = ranked(score, label, n, &pos, &neg);
	double sum = 0.0;

	if (p == NULL)
		return -1;
	if (pos == 0) {
		free(p);
		return -1;
	}
	for (size_t i = 0; i < n;) {
		i = next_run(p, n, i, &tp, &fp);
		tp_sum += tp;
		fp_sum += fp;
		if (tp > 0)
			sum += (double)tp * ((double)tp_sum /
			    (double)(tp_sum + fp_sum));
	}
	free(p);
	*out = sum / (double)pos;
	return 0;
}
