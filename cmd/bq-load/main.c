/*
 * bq-load: Gold into BigQuery, incrementally and idempotently, and the
 * dashboard views over it.  The API is lib/bq.c, the credentials
 * lib/bq_auth.c, what is loaded and how it stays exactly once
 * lib/bq_load.c; this file is the options, the input and the summary.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bq.h"
#include "bq_auth.h"
#include "bq_load.h"
#include "cli.h"
#include "http.h"
#include "reader.h"
#include "writer.h"
#include "rejects.h"
#include "schema.h"

enum { EXIT_TEMPFAIL = 75 };	/* sysexits.h's EX_TEMPFAIL */

static const char usage_text[] =
    "usage: bq-load [-hnqvV] [--api url] [--create-views] [--dataset id]\n"
    "               [--from-delta table] [--location name] [--looker-url]\n"
    "               [--max-line size] [--project id] [--rejects file]\n"
    "               [--stats] [--table id] [--token-command cmd]\n"
    "               [--token-file file] [file ...]\n";

enum {
	OPT_API = OPT_TOOL_BASE, OPT_CREATE_VIEWS, OPT_DATASET, OPT_FROM_DELTA,
	OPT_LOCATION, OPT_LOOKER, OPT_PROJECT, OPT_TABLE, OPT_TOKEN_COMMAND,
	OPT_TOKEN_FILE
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_REJECTS, CLI_LONGOPT_STATS,
	CLI_LONGOPT_MAX_LINE,
	{ "api", required_argument, 0, OPT_API },
	{ "create-views", no_argument, 0, OPT_CREATE_VIEWS },
	{ "dataset", required_argument, 0, OPT_DATASET },
	{ "dry-run", no_argument, 0, 'n' },
	{ "from-delta", required_argument, 0, OPT_FROM_DELTA },
	{ "location", required_argument, 0, OPT_LOCATION },
	{ "looker-url", no_argument, 0, OPT_LOOKER },
	{ "project", required_argument, 0, OPT_PROJECT },
	{ "table", required_argument, 0, OPT_TABLE },
	{ "token-command", required_argument, 0, OPT_TOKEN_COMMAND },
	{ "token-file", required_argument, 0, OPT_TOKEN_FILE },
	{ 0, 0, 0, 0 }
};

struct config {
	struct bq_options bo;
	struct bq_auth_options ao;
	struct bq_target t;
	const char *from_delta;
	bool create_views, dry_run, looker;
};

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	switch (ch) {
	case 'n':
		c->dry_run = true;
		break;
	case OPT_API:
		c->bo.api = arg;
		break;
	case OPT_CREATE_VIEWS:
		c->create_views = true;
		break;
	case OPT_DATASET:
		c->t.dataset = arg;
		break;
	case OPT_FROM_DELTA:
		c->from_delta = arg;
		break;
	case OPT_LOCATION:
		c->bo.location = c->t.location = arg;
		break;
	case OPT_LOOKER:
		c->looker = true;
		break;
	case OPT_PROJECT:
		c->bo.project = arg;
		break;
	case OPT_TABLE:
		c->t.table = arg;
		break;
	case OPT_TOKEN_COMMAND:
		c->ao.token_command = arg;
		break;
	case OPT_TOKEN_FILE:
		c->ao.token_file = arg;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

/* The project: --project, else the environment as Google's libraries
 * read it. */
static const char *
default_project(void)
{
	const char *p = getenv("GOOGLE_CLOUD_PROJECT");

	if (p == NULL || *p == '\0')
		p = getenv("GCLOUD_PROJECT");
	return p != NULL && *p != '\0' ? p : NULL;
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { .bo.api = BQ_API_DEFAULT };
	struct schema *gold;
	struct http *h;
	struct bq_token *tok;
	struct bq *b;
	struct writer dry;
	struct bq_load_totals tot = { .from = -1, .to = -1 };
	struct counts n = { 0 };
	struct rejects rj;
	struct reader *in = NULL;
	char err[2048], url[4096];
	int ch, status = EXIT_OK, rc = 0;

	cli_init(argc, argv);
	cli_common_init(&opt);
	http_version_uses();
	while ((ch = getopt_long(argc, argv, "hnqvV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);
	if (cfg.bo.project == NULL)
		cfg.bo.project = default_project();
	if (cfg.bo.project == NULL)
		cli_usage_error(usage_text, "no --project (nor "
		    "GOOGLE_CLOUD_PROJECT)");
	if (cfg.t.dataset == NULL)
		cli_usage_error(usage_text, "no --dataset");
	if (cfg.t.table == NULL)
		cfg.t.table = "gold_patient_summary";
	if (cfg.from_delta != NULL && optind < argc)
		cli_usage_error(usage_text, "--from-delta reads a table, not "
		    "files");
	if (cfg.looker) {
		bq_looker_url(cfg.bo.project, &cfg.t, url, sizeof url);
		printf("%s\n", url);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	if ((gold = schema_load("gold", err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "schema: %s", err);
	cfg.t.schema = gold;
	if (cfg.dry_run) {
		writer_open(&dry, NULL, true);
		cfg.bo.dry = &dry;
	}
	if ((h = http_new(err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	tok = bq_token_new(&cfg.ao, h);
	if (opt.verbose > 0 && !cfg.dry_run)
		cli_warn("credentials: %s", bq_token_source(tok));
	if ((b = bq_new(&cfg.bo, tok, h, err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "--api %s", err);
	if (rejects_open(&rj, opt.rejects) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.rejects);

	rc = bq_ensure_table(b, &cfg.t, opt.verbose, err, sizeof err);
	if (rc == 0 && cfg.from_delta != NULL) {
		rc = bq_load_delta(b, &cfg.t, cfg.from_delta, opt.verbose,
		    &tot, err, sizeof err);
		n.in = tot.rows_in;
	} else if (rc == 0 && !cfg.create_views) {
		in = reader_open(argv + optind, argc - optind, opt.max_line);
		rc = bq_load_ndjson(b, &cfg.t, in, &rj, &n, opt.verbose, &tot,
		    err, sizeof err);
		if (reader_failed(in))
			status = EXIT_FAIL;
	}
	if (rc == 0 && cfg.create_views)
		rc = bq_create_views(b, &cfg.t, opt.verbose, err, sizeof err);
	if (rc != 0) {
		cli_warn("%s", err);
		status = EXIT_FAIL;
		/* EX_TEMPFAIL: a scheduler should try again later. */
		if (bq_quota_exceeded(b)) {
			cli_warn("BigQuery's quota is exceeded: try again "
			    "later (exit status 75)");
			status = EXIT_TEMPFAIL;
		}
	}
	n.out = tot.rows_loaded;
	if (rejects_close(&rj) != 0)
		status = EXIT_FAIL;
	if (cfg.dry_run && writer_close(&dry) != 0)
		status = EXIT_FAIL;
	if (opt.verbose >= 0 && !cfg.dry_run) {
		if (tot.up_to_date && cfg.from_delta != NULL)
			cli_warn("%s.%s is up to date with %s at version %lld",
			    cfg.t.dataset, cfg.t.table, cfg.from_delta,
			    (long long)tot.to);
		else if (tot.from >= 0)
			cli_warn("loaded versions %lld to %lld: jobs=%llu "
			    "adopted=%llu", (long long)tot.from,
			    (long long)tot.to, (unsigned long long)tot.jobs,
			    (unsigned long long)tot.adopted);
		else if (tot.jobs > 0)
			cli_warn("jobs=%llu adopted=%llu",
			    (unsigned long long)tot.jobs,
			    (unsigned long long)tot.adopted);
	}
	counts_report(&n, &rj, opt.verbose, opt.stats);
	rejects_free(&rj);
	if (in != NULL)
		reader_close(in);
	bq_free(b);
	bq_token_free(tok);
	http_free(h);
	schema_free(gold);
	cli_reraise();
	return status;
}
