/*
 * vitals-eval: scored Silver readings with ground truth in, detection
 * quality out, for the Isolation Forest, the NEWS2 rules and the two
 * combined (lib/evaluate.c).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evaluate.h"
#include "reader.h"
#include "record.h"
#include "rejects.h"
#include "schema.h"

static const char usage_text[] =
    "usage: vitals-eval [-hqvV] [-o file] [--grace duration] [--json]\n"
    "                   [--max-line size] [--news2-gate s]\n"
    "                   [--news2-persistence time]\n"
    "                   [--persistence time] [--refractory duration] [file ...]\n";

enum {
	OPT_GRACE = OPT_TOOL_BASE, OPT_JSON, OPT_NEWS2_GATE,
	OPT_NEWS2_PERSISTENCE,
	OPT_PERSISTENCE, OPT_REFRACTORY
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_MAX_LINE,
	{ "grace", required_argument, 0, OPT_GRACE },
	{ "json", no_argument, 0, OPT_JSON },
	{ "news2-gate", required_argument, 0, OPT_NEWS2_GATE },
	{ "news2-persistence", required_argument, 0, OPT_NEWS2_PERSISTENCE },
	{ "persistence", required_argument, 0, OPT_PERSISTENCE },
	{ "refractory", required_argument, 0, OPT_REFRACTORY },
	{ 0, 0, 0, 0 }
};

struct config {
	struct eval_options eo;
	bool json;		/* --json: the figures as JSON, not a table */
};

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	const char *name, *expected;

	switch (ch) {
	case OPT_GRACE:
		if (cli_parse_duration(arg, &c->eo.grace) != 0)
			cli_usage_error(usage_text, "--grace %s", arg);
		break;
	case OPT_JSON:
		c->json = true;
		break;
	case OPT_NEWS2_GATE:
	case OPT_NEWS2_PERSISTENCE:
	case OPT_PERSISTENCE:
		/* A bare number of persistence counts readings (as before
		 * persistence followed time). */
		name = ch == OPT_NEWS2_GATE ? "news2-gate" :
		    ch == OPT_PERSISTENCE ? "persistence" : "news2-persistence";
		if (alert_rule_option(&c->eo.rule, name, arg, &expected) != 0)
			cli_usage_error(usage_text, "--%s %s: expected %s", name,
			    arg, expected);
		break;
	case OPT_REFRACTORY:
		if (cli_parse_duration(arg, &c->eo.refractory) != 0)
			cli_usage_error(usage_text, "--refractory %s", arg);
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

static void
print_table(FILE *f, const struct eval_result *r, const struct eval_options *o)
{
	char p1[32], p2[32];

	fprintf(f, "%llu readings (%.1f%% in episodes), %llu patients, %.1f "
	    "patient-days, %llu episodes\n", (unsigned long long)r->readings,
	    100.0 * (double)r->positives / (double)r->readings,
	    (unsigned long long)r->patients, r->patient_days,
	    (unsigned long long)r->episodes);
	alert_persistence_text(p1, sizeof p1, o->rule.persistence,
	    o->rule.persistence_time);
	alert_persistence_text(p2, sizeof p2, o->rule.news2_persistence,
	    o->rule.news2_persistence_time);
	fprintf(f, "readings every %.0f s (median); alerts: flagged readings "
	    "in a row covering %s (NEWS2 rule: %s); onsets %lld min apart; "
	    "%lld min grace after an episode\n\n", r->cadence_seconds, p1, p2,
	    (long long)(o->refractory / 60000000),
	    (long long)(o->grace / 60000000));
	fprintf(f, "%-10s %8s %8s %8s %14s %22s\n", "detector", "ROC-AUC", "AP",
	    "recall", "false/pt-day", "latency min (IQR)");
	for (int d = 0; d < NDETECTORS; d++) {
		const struct eval_detector *x = &r->det[d];
		fprintf(f, "%-10s %8.4f %8.4f %8.3f %14.3f %8.1f (%.1f-%.1f)\n",
		    eval_detector_name(d), x->roc_auc, x->average_precision,
		    x->recall, x->false_alerts_per_patient_day,
		    x->latency_median, x->latency_q1, x->latency_q3);
	}
	fprintf(f, "\nepisode recall (median latency, min) by type\n%-20s %5s",
	    "type", "n");
	for (int d = 0; d < NDETECTORS; d++)
		fprintf(f, " %16s", eval_detector_name(d));
	fputc('\n', f);
	for (size_t t = 0; t < r->ntypes; t++) {
		fprintf(f, "%-20s %5llu", r->type_name[t],
		    (unsigned long long)r->type_episodes[t]);
		for (int d = 0; d < NDETECTORS; d++)
			fprintf(f, "    %5.3f (%5.1f)", r->det[d].type_recall[t],
			    r->det[d].type_latency[t]);
		fputc('\n', f);
	}
	fprintf(f, "\nby time since admission (the patient's first "
	    "reading)\n%-18s %8s %5s", "band", "readings", "eps");
	for (int d = 0; d < NDETECTORS; d++)
		fprintf(f, " %24s", eval_detector_name(d));
	fprintf(f, "\n%-18s %8s %5s", "", "", "");
	for (int d = 0; d < NDETECTORS; d++)
		fprintf(f, " %24s", "AUC recall false/pt-day");
	fputc('\n', f);
	for (int b = 0; b < NBANDS; b++) {
		const struct eval_band *x = &r->band[b];
		fprintf(f, "%-18s %8llu %5llu", eval_band_name(b),
		    (unsigned long long)x->readings,
		    (unsigned long long)x->episodes);
		for (int d = 0; d < NDETECTORS; d++)
			fprintf(f, "    %6.3f %6.3f %8.3f", x->det[d].roc_auc,
			    x->det[d].recall,
			    x->det[d].false_alerts_per_patient_day);
		fputc('\n', f);
	}
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { 0 };
	struct eval_result res;
	struct evaluation *ev;
	struct schema *silver;
	struct record *rec;
	struct reader *in;
	struct line ln;
	struct counts n = { 0 };
	struct rejects rj;	/* counts only: vitals-eval reports, not filters */
	char err[512];
	bool failed;
	int ch;
	FILE *out = stdout;

	cli_init(argc, argv);
	cli_common_init(&opt);
	eval_options_init(&cfg.eo);
	while ((ch = getopt_long(argc, argv, "hqo:vV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);
	if (opt.output != NULL && (out = fopen(opt.output, "w")) == NULL)
		cli_die(EXIT_FAIL, "%s: %m", opt.output);
	if ((silver = schema_load("silver", err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	rec = record_new(silver);
	ev = eval_new(&cfg.eo);
	rejects_open(&rj, NULL);

	in = reader_open(argv + optind, argc - optind, opt.max_line);
	while (!cli_stop && reader_next(in, &ln) == 1) {
		if (!counts_take(&n, &rj, &ln))
			continue;
		if (record_scan(rec, ln.text, ln.len, err) != 0 ||
		    !eval_add_silver(ev, rec))
			n.rejected++;
		else
			n.out++;
	}
	failed = reader_failed(in);
	reader_close(in);
	if (eval_compute(ev, &res, err, sizeof err) != 0)
		cli_die(EXIT_FAIL, "%s", err);
	if (cfg.json) {
		json_t *j = eval_to_json(&res, &cfg.eo);
		json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
		fputc('\n', out);
		json_decref(j);
	} else {
		print_table(out, &res, &cfg.eo);
	}
	if (opt.verbose >= 0 && n.rejected > 0)
		cli_warn("%llu lines were not scored Silver readings and were "
		    "skipped", (unsigned long long)n.rejected);
	rejects_free(&rj);
	eval_free(ev);
	record_free(rec);
	schema_free(silver);
	if (fflush(out) != 0 || ferror(out) || (out != stdout && fclose(out)))
		cli_die(EXIT_FAIL, "write error: %s: %m",
		    opt.output ? opt.output : "<stdout>");
	cli_reraise();
	return failed ? EXIT_FAIL : EXIT_OK;
}
