/*
 * iforest_check: the C side of the scikit-learn cross-checks in
 * tests/cli/iforest_sklearn.sh and iforest_odds.sh, and a scoring
 * benchmark.  Not installed.
 *
 *   iforest_check score MODEL CSV
 *       one line per row: "%.17g %d", the score s and the anomaly flag
 *   iforest_check train CSV OUT [psi trees seed contamination]
 *       grows a forest on every row of CSV and saves it to OUT
 *   iforest_check seeds CSV FIRST COUNT [SCORES]
 *       for seeds FIRST.. FIRST+COUNT-1: a forest with the defaults grown
 *       on every row, ROC-AUC and average precision of its scores
 *       against the "label" column, one line per seed, then the means;
 *       SCORES gets the first seed's scores for an outside check
 *   iforest_check metrics CSV
 *       ROC-AUC and AP of the "score" column against "label"
 *   iforest_check bench MODEL CSV [SECONDS]
 *       rows per second scoring the CSV's rows over and over
 *
 * CSV: a header line of column names, then numbers; a column named
 * "label" (0/1, or nominal/anomaly) is the ground truth, every other
 * column a feature.  An empty or non-numeric cell is NaN, i.e. missing.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "iforest.h"
#include "metrics.h"
#include "xalloc.h"

struct table {
	size_t d, n, cap;	/* d features */
	char **names;
	double *x;		/* n * d */
	bool *label;		/* n, when has_label */
	bool has_label;
	double *extra;		/* the "score" column for metrics */
};

static double
cell(const char *s)
{
	char *end;
	double v;

	if (*s == '\0')
		return NAN;
	v = strtod(s, &end);
	return *end == '\0' ? v : NAN;
}

static void
read_table(const char *path, struct table *t, const char *extra_col)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *p;
	size_t lcap = 0, ncols = 0;
	ssize_t len;
	int label_col = -1, extra = -1;
	int *map = NULL;	/* column -> feature index, or -1 */

	memset(t, 0, sizeof *t);
	if (fp == NULL)
		cli_die(EXIT_FAIL, "%s: %m", path);
	if ((len = getline(&line, &lcap, fp)) <= 0)
		cli_die(EXIT_FAIL, "%s: no header", path);
	line[strcspn(line, "\r\n")] = '\0';
	t->names = xcalloc(strlen(line) + 1, sizeof *t->names);
	map = xcalloc(strlen(line) + 1, sizeof *map);
	p = line;
	for (char *f; (f = strsep(&p, ",")) != NULL; ncols++) {
		if (strcmp(f, "label") == 0) {
			label_col = (int)ncols;
			map[ncols] = -1;
		} else if (extra_col && strcmp(f, extra_col) == 0) {
			extra = (int)ncols;
			map[ncols] = -1;
		} else {
			map[ncols] = (int)t->d;
			t->names[t->d++] = xstrdup(f);
		}
	}
	t->has_label = label_col >= 0;
	while ((len = getline(&line, &lcap, fp)) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (t->n == t->cap) {
			size_t c = t->cap;
			xgrow(&t->label, &c, t->n + 1, sizeof *t->label);
			c = t->cap;
			xgrow(&t->extra, &c, t->n + 1, sizeof *t->extra);
			c = t->cap * t->d;
			xgrow(&t->x, &c, (t->n + 1) * t->d, sizeof *t->x);
			t->cap = c / t->d;
		}
		p = line;
		for (size_t c = 0; c < ncols; c++) {
			char *f = p ? strsep(&p, ",") : (char *)"";
			if ((int)c == label_col)
				t->label[t->n] = strcmp(f, "1") == 0 ||
				    strcmp(f, "anomaly") == 0;
			else if ((int)c == extra)
				t->extra[t->n] = cell(f);
			else
				t->x[t->n * t->d + (size_t)map[c]] = cell(f);
		}
		t->n++;
	}
	free(line);
	free(map);
	fclose(fp);
}

static void
free_table(struct table *t)
{
	for (size_t j = 0; j < t->d; j++)
		free(t->names[j]);
	free(t->names);
	free(t->x);
	free(t->label);
	free(t->extra);
}

static struct iforest *
load(const char *path)
{
	char err[512];
	struct iforest *m = iforest_load(path, err, sizeof err);

	if (m == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	return m;
}

static int
cmd_score(int argc, char **argv)
{
	struct table t;
	struct iforest *m;

	if (argc != 2)
		return EXIT_USAGE;
	m = load(argv[0]);
	read_table(argv[1], &t, NULL);
	if (t.d != m->n_features)
		cli_die(EXIT_FAIL, "%zu features in the CSV, %zu in the model",
		    t.d, m->n_features);
	for (size_t r = 0; r < t.n; r++) {
		double s = iforest_score(m, t.x + r * t.d);
		printf("%.17g %d\n", s, iforest_is_anomaly(m, s));
	}
	iforest_free(m);
	free_table(&t);
	return 0;
}

static struct iforest *
train(const struct table *t, const struct iforest_params *p)
{
	struct iforest_rows *rows = iforest_rows_new(t->d);
	struct iforest *m;
	char err[512];
	size_t refused = 0;

	for (size_t r = 0; r < t->n; r++)
		refused += iforest_rows_add(rows, t->x + r * t->d) != 0;
	if (refused)
		cli_warn("%zu rows refused", refused);
	m = iforest_train(rows, (const char *const *)t->names, p, err,
	    sizeof err);
	if (m == NULL)
		cli_die(EXIT_FAIL, "train: %s", err);
	iforest_rows_free(rows);
	return m;
}

static int
cmd_train(int argc, char **argv)
{
	struct iforest_params p = { 0 };
	struct table t;
	struct iforest *m;
	char err[512];

	if (argc < 2 || argc > 6)
		return EXIT_USAGE;
	if (argc > 2)
		p.psi = strtoull(argv[2], NULL, 10);
	if (argc > 3)
		p.n_trees = strtoull(argv[3], NULL, 10);
	if (argc > 4)
		p.seed = strtoull(argv[4], NULL, 10);
	if (argc > 5)
		p.contamination = strtod(argv[5], NULL);
	read_table(argv[0], &t, NULL);
	m = train(&t, &p);
	if (iforest_save(m, argv[1], err, sizeof err) != 0)
		cli_die(EXIT_FAIL, "%s", err);
	printf("%.17g\n", m->threshold);
	iforest_free(m);
	free_table(&t);
	return 0;
}

static int
cmd_seeds(int argc, char **argv)
{
	struct table t;
	unsigned long long first, count;
	double sum_auc = 0, sum_ap = 0, *s;
	FILE *out = NULL;

	if (argc < 3 || argc > 4)
		return EXIT_USAGE;
	first = strtoull(argv[1], NULL, 10);
	count = strtoull(argv[2], NULL, 10);
	read_table(argv[0], &t, NULL);
	if (!t.has_label || count == 0)
		cli_die(EXIT_FAIL, "%s: needs a label column", argv[0]);
	if (argc == 4 && (out = fopen(argv[3], "w")) == NULL)
		cli_die(EXIT_FAIL, "%s: %m", argv[3]);
	s = xmalloc(t.n * sizeof *s);
	for (unsigned long long k = 0; k < count; k++) {
		struct iforest_params p = { .seed = first + k };
		struct iforest *m = train(&t, &p);
		double auc, ap;
		iforest_score_rows(m, t.x, t.n, s);
		if (metrics_roc_auc(s, t.label, t.n, &auc) != 0 ||
		    metrics_average_precision(s, t.label, t.n, &ap) != 0)
			cli_die(EXIT_FAIL, "metrics undefined");
		printf("seed %llu auc %.17g ap %.17g\n", first + k, auc, ap);
		sum_auc += auc;
		sum_ap += ap;
		if (out != NULL && k == 0)
			for (size_t r = 0; r < t.n; r++)
				fprintf(out, "%.17g,%d\n", s[r], t.label[r]);
		iforest_free(m);
	}
	if (out != NULL)
		fclose(out);
	printf("mean auc %.6f ap %.6f\n", sum_auc / (double)count,
	    sum_ap / (double)count);
	free(s);
	free_table(&t);
	return 0;
}

static int
cmd_metrics(int argc, char **argv)
{
	struct table t;
	double auc, ap;

	if (argc != 1)
		return EXIT_USAGE;
	read_table(argv[0], &t, "score");
	if (metrics_roc_auc(t.extra, t.label, t.n, &auc) != 0 ||
	    metrics_average_precision(t.extra, t.label, t.n, &ap) != 0)
		cli_die(EXIT_FAIL, "metrics undefined");
	printf("%.17g %.17g\n", auc, ap);
	free_table(&t);
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmd_bench(int argc, char **argv)
{
	struct table t;
	struct iforest *m;
	double secs = argc > 2 ? strtod(argv[2], NULL) : 1.0, t0, el;
	double sink = 0;
	size_t rows = 0;

	if (argc < 2 || argc > 3)
		return EXIT_USAGE;
	m = load(argv[0]);
	read_table(argv[1], &t, NULL);
	if (t.d != m->n_features)
		cli_die(EXIT_FAIL, "feature count differs from the model's");
	t0 = now();
	do {
		for (size_t r = 0; r < t.n; r++)
			sink += iforest_score(m, t.x + r * t.d);
		rows += t.n;
	} while ((el = now() - t0) < secs);
	printf("%zu trees, %zu features: %.0f rows/s, %.1f ns/row "
	    "(checksum %.6g)\n", m->n_trees, m->n_features, rows / el,
	    el / rows * 1e9, sink / rows);
	iforest_free(m);
	free_table(&t);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc = EXIT_USAGE;

	cli_init(argc, argv);
	if (argc >= 2) {
		const char *c = argv[1];
		if (strcmp(c, "score") == 0)
			rc = cmd_score(argc - 2, argv + 2);
		else if (strcmp(c, "train") == 0)
			rc = cmd_train(argc - 2, argv + 2);
		else if (strcmp(c, "seeds") == 0)
			rc = cmd_seeds(argc - 2, argv + 2);
		else if (strcmp(c, "metrics") == 0)
			rc = cmd_metrics(argc - 2, argv + 2);
		else if (strcmp(c, "bench") == 0)
			rc = cmd_bench(argc - 2, argv + 2);
	}
	if (rc == EXIT_USAGE)
		fprintf(stderr, "usage: iforest_check score|train|seeds|"
		    "metrics|bench ... (see the source)\n");
	return rc;
}
