/*
 * iforest-score: adds anomaly_score and is_anomaly to Silver records,
 * with an Isolation Forest model and per-patient features (lib/featurize,
 * lib/iforest), and the combined alert with its reason (lib/alert); how
 * a scored record is written is lib/score_out's.  This file is the
 * options, the model, the loop and the counts.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "alert.h"
#include "cli.h"
#include "embedded.h"
#include "featurize.h"
#include "iforest.h"
#include "reader.h"
#include "writer.h"
#include "progress.h"
#include "record.h"
#include "rejects.h"
#include "schema.h"
#include "score_out.h"
#include "score_state.h"

static const char usage_text[] =
    "usage: iforest-score [-hqvV] [-o file] [--max-line size] [--model file]\n"
    "                     [--news2-gate s] [--news2-persistence time]\n"
    "                     [--persistence time] [--progress] [--rejects file]\n"
    "                     [--show-features] [--state dir] [--stats]\n"
    "                     [--threshold s] [--unbuffered] [file ...]\n";

enum {
	OPT_MODEL = OPT_TOOL_BASE, OPT_NEWS2_GATE, OPT_NEWS2_PERSISTENCE,
	OPT_PERSISTENCE, OPT_SHOW_FEATURES, OPT_STATE, OPT_THRESHOLD
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_UNBUFFERED,
	CLI_LONGOPT_REJECTS, CLI_LONGOPT_STATS, CLI_LONGOPT_PROGRESS,
	CLI_LONGOPT_MAX_LINE,
	{ "model", required_argument, 0, OPT_MODEL },
	{ "news2-gate", required_argument, 0, OPT_NEWS2_GATE },
	{ "news2-persistence", required_argument, 0, OPT_NEWS2_PERSISTENCE },
	{ "persistence", required_argument, 0, OPT_PERSISTENCE },
	{ "show-features", no_argument, 0, OPT_SHOW_FEATURES },
	{ "state", required_argument, 0, OPT_STATE },
	{ "threshold", required_argument, 0, OPT_THRESHOLD },
	{ 0, 0, 0, 0 }
};

static struct iforest *
load_model(const char *path)
{
	char err[512];
	struct iforest *m;
	size_t len;
	const char *text;

	if (path != NULL) {
		m = iforest_load(path, err, sizeof err);
	} else {
		text = embedded_get("models/anomaly_model.json", &len);
		if (text == NULL)
			cli_die(EXIT_FAIL, "no model built in; give --model");
		m = iforest_parse(text, len, err, sizeof err);
	}
	if (m == NULL)
		cli_die(EXIT_FAIL, "model %s: %s", path ? path : "(built in)",
		    err);
	return m;
}

/* What the options set. */
struct config {
	const char *model;	/* --model, NULL for the built-in one */
	bool show;		/* --show-features */
	const char *state;	/* --state, or NULL */
	double threshold;	/* --threshold, NaN for the model's */
	struct alert_rule rule;	/* --persistence, --news2-* */
};

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	const char *name, *expected;

	switch (ch) {
	case OPT_MODEL:
		c->model = arg;
		break;
	case OPT_NEWS2_GATE:
	case OPT_NEWS2_PERSISTENCE:
	case OPT_PERSISTENCE:
		name = ch == OPT_NEWS2_GATE ? "news2-gate" :
		    ch == OPT_PERSISTENCE ? "persistence" : "news2-persistence";
		if (alert_rule_option(&c->rule, name, arg, &expected) != 0)
			cli_usage_error(usage_text, "--%s %s: expected %s", name,
			    arg, expected);
		break;
	case OPT_SHOW_FEATURES:
		c->show = true;
		break;
	case OPT_STATE:
		c->state = arg;
		break;
	case OPT_THRESHOLD:
		if (cli_parse_double(arg, 0, 1, &c->threshold) != 0)
			cli_usage_error(usage_text, "--threshold %s: expected a "
			    "score between 0 and 1", arg);
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { .model = NULL, .threshold = NAN };
	struct iforest *m;
	struct feature_set fs;
	struct features_config fc;
	struct extractor *ex;
	struct silver_fields sf;
	struct news2_fields nf;
	struct score_state ss;
	struct schema *silver;
	struct record *rec;
	struct reader *in;
	struct writer out;
	struct score_out so;
	struct rejects rj;
	struct counts n = { 0 };
	struct progress pg;
	struct line ln;
	char err[512];
	double vitals[NVITALS], x[FEATURES_MAX], z[NVITALS], tz[NVITALS];
	char reason[256];
	int points[NVITALS];
	struct patient_facts facts;
	int ch, status = EXIT_OK;
	uint64_t anomalies = 0, alerts = 0;

	cli_init(argc, argv);
	cli_common_init(&opt);
	alert_rule_init(&cfg.rule);
	while ((ch = getopt_long(argc, argv, "hqo:vV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);

	m = load_model(cfg.model);
	if (!isnan(cfg.threshold))
		m->threshold = cfg.threshold;
	if (feature_set_from_names(m->names, m->n_features, &fs, err,
	    sizeof err) != 0)
		cli_die(EXIT_FAIL, "model: %s", err);
	features_config_init(&fc);
	if (features_config_from_json(json_object_get(m->provenance,
	    "featurize"), &fc, err, sizeof err) != 0)
		cli_die(EXIT_FAIL, "model: featurize: %s", err);
	ex = extractor_new(&fc, &fs);
	if ((silver = schema_load("silver", err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	silver_fields_init(&sf, silver);
	news2_fields_init(&nf, silver);
	score_state_open(&ss, cfg.state, silver);
	rec = record_new(silver);
	if (writer_open(&out, opt.output, opt.unbuffered) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.output);
	if (rejects_open(&rj, opt.rejects) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.rejects);
	in = reader_open(argv + optind, argc - optind, opt.max_line);
	reader_on_block(in, writer_flush_hook, &out);
	score_out_init(&so, silver, &out, cfg.show ? &fs : NULL);

	progress_init(&pg, opt.progress, opt.verbose);
	while (!cli_stop && reader_next(in, &ln) == 1) {
		progress_tick(&pg, &n, -1);
		const char *pid;
		size_t plen;
		int64_t t;

		if (!counts_take(&n, &rj, &ln))
			continue;
		if (record_scan(rec, ln.text, ln.len, err) != 0) {
			rejects_add(&rj, &ln, "bad_json", err, NULL);
			n.rejected++;
			continue;
		}
		if (silver_fields_get(&sf, rec, &pid, &plen, &t, vitals, &facts) != 0) {
			rejects_add(&rj, &ln, "missing_field", "a Silver record "
			    "needs patient_id and event_time", NULL);
			n.rejected++;
			continue;
		}
		uint32_t tag = 0;
		if (cfg.state != NULL && (tag = score_state_record(&ss, ex, rec,
		    err, sizeof err)) == UINT32_MAX) {
			/* Scoring the partition's patients from nothing
			 * would be silently worse: stop, and say why. */
			cli_warn("--state %s", err);
			status = EXIT_FAIL;
			break;
		}
		extractor_update(ex, pid, plen, t, vitals, &facts, x);
		extractor_set_tag(ex, tag);
		struct scored sc = { .score = iforest_score(m, x) };
		struct alert_input ai = { .t = t };
		sc.anomalous = iforest_is_anomaly(m, sc.score);
		ai.is_anomaly = sc.anomalous;
		ai.above_gate = sc.score > cfg.rule.news2_gate;
		ai.news2 = news2_fields_get(&nf, rec, &ai.news2_red, points);
		unsigned fired = alert_step(&cfg.rule, extractor_alert_run(ex),
		    &ai);
		sc.alert = fired & (1u << DET_COMBINED);
		if (sc.alert) {
			extractor_deviation(ex, z, tz);
			alert_reason(reason, sizeof reason, fired, z, tz,
			    ai.news2, points);
			sc.reason = reason;
		}
		anomalies += sc.anomalous;
		alerts += sc.alert;
		score_out_write(&so, ln.text, ln.len, rec, &sc, x);
		n.out++;
		if (writer_end_record(&out) != 0)
			break;
	}

	if (writer_close(&out) != 0 || rejects_close(&rj) != 0 ||
	    reader_failed(in))
		status = EXIT_FAIL;
	/* Only the state of records that went out: those that did not will
	 * be read again. */
	if (cfg.state != NULL && status == EXIT_OK &&
	    score_state_save(&ss, ex, err, sizeof err) != 0) {
		cli_warn("--state: %s", err);
		status = EXIT_FAIL;
	}
	progress_end(&pg);
	counts_report(&n, &rj, opt.verbose, opt.stats);
	if (opt.verbose > 0)
		cli_warn("%llu anomalous readings, %llu alerting; %zu "
		    "patients held", (unsigned long long)anomalies,
		    (unsigned long long)alerts, extractor_patients(ex));
	if (opt.verbose > 0 && cfg.state != NULL)
		cli_warn("state: %llu patients restored from %llu files, %llu "
		    "saved in %llu files (%llu left as another consumer "
		    "wrote them)", (unsigned long long)ss.restored,
		    (unsigned long long)ss.files_read,
		    (unsigned long long)ss.saved,
		    (unsigned long long)ss.files_written,
		    (unsigned long long)ss.files_kept);
	score_state_free(&ss);
	rejects_free(&rj);
	reader_close(in);
	score_out_free(&so);
	record_free(rec);
	schema_free(silver);
	extractor_free(ex);
	iforest_free(m);
	cli_reraise();
	return status;
}
