/*
 * iforest-train: Silver readings of patients without episodes in, an
 * Isolation Forest model out.  Which readings train and how they are
 * sampled is lib/trainset's business, the features lib/featurize's, the
 * forest lib/iforest's.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli.h"
#include "featurize.h"
#include "iforest.h"
#include "reader.h"
#include "writer.h"
#include "trainset.h"

static const char usage_text[] =
    "usage: iforest-train [-hqvV] [-o file] [--contamination c]\n"
    "                     [--evaluation file] [--feature-settings json]\n"
    "                     [--features list] [--height n] [--max-line size]\n"
    "                     [--max-rows n] [--max-samples n] [--seed n]\n"
    "                     [--synthea dir] [--trees n] [file ...]\n";

enum {
	OPT_CONTAMINATION = OPT_TOOL_BASE, OPT_EVALUATION, OPT_FEATURE_SETTINGS,
	OPT_FEATURES,
	OPT_HEIGHT, OPT_MAX_ROWS, OPT_MAX_SAMPLES, OPT_SYNTHEA, OPT_TREES
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_MAX_LINE,
	{ "seed", required_argument, 0, OPT_SEED },
	{ "contamination", required_argument, 0, OPT_CONTAMINATION },
	{ "evaluation", required_argument, 0, OPT_EVALUATION },
	{ "feature-settings", required_argument, 0, OPT_FEATURE_SETTINGS },
	{ "features", required_argument, 0, OPT_FEATURES },
	{ "height", required_argument, 0, OPT_HEIGHT },
	{ "max-rows", required_argument, 0, OPT_MAX_ROWS },
	{ "max-samples", required_argument, 0, OPT_MAX_SAMPLES },
	{ "synthea", required_argument, 0, OPT_SYNTHEA },
	{ "trees", required_argument, 0, OPT_TREES },
	{ 0, 0, 0, 0 }
};

struct config {
	struct iforest_params p;
	const char *features, *synthea, *evaluation,
	    *feature_settings;
	size_t max_rows;
};

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	long long n;
	double d;

	switch (ch) {
	case OPT_SEED:
		if (cli_parse_int(arg, 0, INT64_MAX, &n) != 0)
			cli_usage_error(usage_text, "--seed %s: expected a "
			    "whole number >= 0", arg);
		c->p.seed = (uint64_t)n;
		break;
	case OPT_CONTAMINATION:
		if (cli_parse_double(arg, 0, 0.5, &d) != 0)
			cli_usage_error(usage_text, "--contamination %s: "
			    "expected 0 (auto) to 0.5", arg);
		c->p.contamination = d;
		break;
	case OPT_EVALUATION:
		c->evaluation = arg;
		break;
	case OPT_FEATURES:
		c->features = arg;
		break;
	case OPT_FEATURE_SETTINGS:
		c->feature_settings = arg;
		break;
	case OPT_HEIGHT:
		if (cli_parse_int(arg, 1, IFOREST_MAX_DEPTH, &n) != 0)
			cli_usage_error(usage_text, "--height %s", arg);
		c->p.height_limit = (unsigned)n;
		break;
	case OPT_MAX_ROWS:
		if (cli_parse_int(arg, 1, 100000000, &n) != 0)
			cli_usage_error(usage_text, "--max-rows %s", arg);
		c->max_rows = (size_t)n;
		break;
	case OPT_MAX_SAMPLES:
		if (cli_parse_int(arg, 1, IFOREST_MAX_PSI, &n) != 0)
			cli_usage_error(usage_text, "--max-samples %s", arg);
		c->p.psi = (size_t)n;
		break;
	case OPT_SYNTHEA:
		c->synthea = arg;
		break;
	case OPT_TREES:
		if (cli_parse_int(arg, 1, IFOREST_MAX_TREES, &n) != 0)
			cli_usage_error(usage_text, "--trees %s", arg);
		c->p.n_trees = (size_t)n;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { .max_rows = 1000000 };
	struct feature_set fs;
	struct features_config fc;
	const struct trainset_counts *n;
	struct trainset *ts;
	struct reader *in;
	struct line ln;
	struct iforest_rows *rows;
	struct iforest *m;
	char err[512];
	uint64_t refused;
	int ch;

	cli_init(argc, argv);
	cli_common_init(&opt);
	while ((ch = getopt_long(argc, argv, "hqo:vV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);
	if (feature_set_parse(cfg.features ? cfg.features : "default", &fs,
	    err, sizeof err) != 0)
		cli_usage_error(usage_text, "--features: %s", err);
	features_config_init(&fc);
	if (cfg.feature_settings != NULL) {
		json_error_t je;
		json_t *j = json_loads(cfg.feature_settings, 0, &je);
		if (j == NULL || features_config_from_json(j, &fc, err,
		    sizeof err) != 0)
			cli_usage_error(usage_text, "--feature-settings: %s",
			    j == NULL ? je.text : err);
		json_decref(j);
	}
	ts = trainset_new(&fs, &fc, cfg.max_rows, cfg.p.seed, err, sizeof err);
	if (ts == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	n = trainset_counts(ts);

	in = reader_open(argv + optind, argc - optind, opt.max_line);
	while (!cli_stop && reader_next(in, &ln) == 1)
		trainset_add_line(ts, &ln);
	if (cli_stop)
		cli_reraise();
	/* A model from part of its history would look like a good one. */
	if (reader_failed(in))
		cli_die(EXIT_FAIL, "an input could not be read; "
		    "no model written");
	reader_close(in);
	if (n->rows == 0)
		cli_die(EXIT_FAIL, "no complete feature rows to train on "
		    "(%llu readings read)", (unsigned long long)n->read);
	if (cfg.synthea != NULL && trainset_add_synthea(ts, cfg.synthea,
	    opt.verbose < 1, err, sizeof err) < 0)
		cli_die(EXIT_FAIL, "%s", err);

	rows = trainset_rows(ts, &refused);
	m = iforest_train(rows, trainset_names(ts), &cfg.p, err, sizeof err);
	if (m == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	if (trainset_provenance(ts, m->provenance, "iforest-train " VL_VERSION,
	    cfg.evaluation, err, sizeof err) != 0)
		cli_die(EXIT_FAIL, "%s", err);

	if (opt.output != NULL) {
		if (iforest_save(m, opt.output, err, sizeof err) != 0)
			cli_die(EXIT_FAIL, "%s", err);
	} else {
		struct writer w;
		char *text = iforest_dump(m);
		writer_open(&w, NULL, false);
		writer_str(&w, text);
		free(text);
		if (writer_close(&w) != 0)
			return EXIT_FAIL;
	}
	if (opt.verbose >= 0)
		cli_warn("in=%llu rows=%zu (sampled from %llu; %llu in "
		    "episodes, %llu incomplete, %llu unusable) spot_checks=%ld "
		    "threshold=%.6f", (unsigned long long)n->read, n->rows,
		    (unsigned long long)n->offered,
		    (unsigned long long)n->in_episodes,
		    (unsigned long long)n->incomplete,
		    (unsigned long long)n->unusable, n->spot_checks,
		    m->threshold);
	iforest_rows_free(rows);
	iforest_free(m);
	trainset_free(ts);
	if (refused > 0)
		cli_warn("%llu rows had values beyond float32 and were left "
		    "out", (unsigned long long)refused);
	return EXIT_OK;
}
