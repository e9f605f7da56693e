/*
 * vitals-report: the dashboards without a cloud account.  Reads Gold (a
 * Delta table as of any version, or NDJSON on stdin) and writes one
 * self-contained HTML page, prints one of the BigQuery views as NDJSON
 * (--view), or serves the page live on loopback (--serve).  Folding the
 * rows is lib/report.c, the page lib/report_html.c, the server
 * lib/report_serve.c; this file is the options, the input and the
 * summary.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conform.h"
#include "delta.h"
#include "delta_scan.h"
#include "isotime.h"
#include "reader.h"
#include "writer.h"
#include "record.h"
#include "rejects.h"
#include "report.h"
#include "report_html.h"
#include "report_serve.h"
#include "safefile.h"
#include "schema.h"

static const char usage_text[] =
    "usage: vitals-report [-hqvV] [--as-of n] [--listen address] "
    "[--max-line bytes]\n"
    "           [--port n] [--rejects file] [--serve] [--view name] "
    "[-o file]\n"
    "           [table | -]\n";

enum { OPT_AT = OPT_TOOL_BASE, OPT_VIEW, OPT_SERVE, OPT_PORT, OPT_LISTEN };

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_REJECTS,
	CLI_LONGOPT_MAX_LINE,
	{ "as-of", required_argument, 0, OPT_AT },
	{ "view", required_argument, 0, OPT_VIEW },
	{ "serve", no_argument, 0, OPT_SERVE },
	{ "port", required_argument, 0, OPT_PORT },
	{ "listen", required_argument, 0, OPT_LISTEN },
	{ 0, 0, 0, 0 }
};

struct config {
	long long at;		/* --as-of; -1: the latest version */
	int view;		/* --view; -1: the page */
	bool serve;
	long long port;		/* --port; -1: not given */
	const char *listen;	/* --listen; NULL: loopback */
};

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	switch (ch) {
	case OPT_AT:
		if (cli_parse_int(arg, 0, INT64_MAX, &c->at) != 0)
			cli_usage_error(usage_text, "--as-of %s: expected a "
			    "table version (0 or more)", arg);
		break;
	case OPT_VIEW:
		if ((c->view = report_view_by_name(arg)) < 0)
			cli_usage_error(usage_text, "--view %s: expected "
			    "patient_risk_scores, ward_alert_counts or "
			    "vital_signs_hourly_trend", arg);
		break;
	case OPT_SERVE:
		c->serve = true;
		break;
	case OPT_PORT:
		if (cli_parse_int(arg, 0, 65535, &c->port) != 0)
			cli_usage_error(usage_text, "--port %s: expected a "
			    "port number (0 for any free one)", arg);
		break;
	case OPT_LISTEN:
		c->listen = arg;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

/* scan_each's callback: one Gold row of the table into the report. */
struct take {
	struct report *r;
	char *err;
	size_t errlen;
	bool failed;
};

static int
take_row(const struct record *row, void *arg)
{
	struct take *tk = arg;

	if (report_add_scanned(tk->r, row, tk->err, tk->errlen) != 0) {
		tk->failed = true;
		return 1;
	}
	return 0;
}

/* Gold as NDJSON: each line checked against the Gold schema as
 * delta-commit would check it; what does not conform is a reject. */
static int
read_ndjson(struct report *r, const struct schema *gold,
    const struct cli_common *opt, char **paths, int npaths)
{
	struct conform *cf = conform_new(gold);
	struct record *rec = record_new(gold);
	struct reader *in = reader_open(paths, npaths, opt->max_line);
	struct counts n = { 0 };
	struct rejects rj;
	struct line ln;
	const char *reason;
	char detail[512];
	int status = EXIT_OK;

	if (rejects_open(&rj, opt->rejects) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt->rejects);
	while (!cli_stop && reader_next(in, &ln) == 1) {
		if (!counts_take(&n, &rj, &ln))
			continue;
		if (record_scan(rec, ln.text, ln.len, detail) != 0) {
			rejects_add(&rj, &ln, "bad_json", detail, NULL);
			n.rejected++;
			continue;
		}
		if (conform_check(cf, rec, &reason, detail, sizeof detail)
		    != 0) {
			rejects_add(&rj, &ln, reason, detail, NULL);
			n.rejected++;
			continue;
		}
		report_add_conformed(r, cf);
		n.out++;
	}
	if (rejects_close(&rj) != 0 || reader_failed(in))
		status = EXIT_FAIL;
	counts_report(&n, &rj, opt->verbose, false);
	rejects_free(&rj);
	reader_close(in);
	record_free(rec);
	conform_free(cf);
	return status;
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { .at = -1, .view = -1, .port = -1 };
	struct delta_table *t = NULL;
	struct schema *gold = NULL;
	struct report *r;
	struct scan_totals tot;
	struct report_page page = { .version = -1 };
	struct writer out;
	const char *table = NULL;
	char err[1024];
	int ch, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	report_serve_init();
	while ((ch = getopt_long(argc, argv, "hqo:vV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);
	if (argc - optind > 1)
		cli_usage_error(usage_text, "one table only");
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		table = argv[optind];
	if (table == NULL && cfg.at >= 0)
		cli_usage_error(usage_text, "--as-of needs a table");
	if (cfg.serve && (table == NULL || cfg.view >= 0 || cfg.at >= 0 ||
	    opt.output != NULL))
		cli_usage_error(usage_text, "--serve needs a table, and "
		    "follows its newest version (no --as-of, --view or -o)");
	if (!cfg.serve && (cfg.port >= 0 || cfg.listen != NULL))
		cli_usage_error(usage_text, "--port and --listen are for "
		    "--serve");
	if (table != NULL && opt.rejects != NULL)
		cli_usage_error(usage_text, "--rejects is for NDJSON input: a "
		    "table's rows conform already");

	if (table != NULL) {
		struct take tk = { .err = err, .errlen = sizeof err };

		t = delta_open_at(table, cfg.at, err, sizeof err);
		if (t == NULL || scan_check_readable(t, err, sizeof err) != 0)
			cli_die(EXIT_FAIL, "%s", err);
		if ((r = report_new(t->schema, err, sizeof err)) == NULL)
			cli_die(EXIT_FAIL, "%s: %s", table, err);
		tk.r = r;
		memset(&tot, 0, sizeof tot);
		if (scan_each(t, report_columns(r), take_row, &tk, &tot, err,
		    sizeof err) != 0 || tk.failed)
			cli_die(EXIT_FAIL, "%s", err);
		if (tot.mismatch)
			status = EXIT_FAIL;
		page.version = t->version;
		if (opt.verbose >= 0)
			cli_warn("version=%lld files=%llu rows=%llu",
			    (long long)t->version,
			    (unsigned long long)tot.files,
			    (unsigned long long)report_rows(r));
	} else {
		if ((gold = schema_load("gold", err, sizeof err)) == NULL ||
		    (r = report_new(gold, err, sizeof err)) == NULL)
			cli_die(EXIT_FAIL, "%s", err);
		status = read_ndjson(r, gold, &opt, argv + optind,
		    argc - optind);
	}
	if (cli_stop)
		goto done;

	page.generated = now_usec();
	if (cfg.serve) {
		struct serve_options so = {
			.listen = cfg.listen,
			.port = cfg.port < 0 ? 8750 : (int)cfg.port,
			.verbose = opt.verbose,
		};

		if (report_serve(table, t, &r, &page, &so, err, sizeof err)
		    != 0) {
			cli_warn("%s", err);
			status = EXIT_FAIL;
		}
		goto done;
	}
	/* -o FILE is made in memory and replaces the file whole, so a
	 * failure leaves the report that was there; stdout streams. */
	if (opt.output == NULL || strcmp(opt.output, "-") == 0)
		writer_open(&out, NULL, false);
	else
		writer_open_memory(&out);
	if (cfg.view >= 0)
		report_print_view(r, cfg.view, &out);
	else
		report_html_write(r, &page, &out);
	if (out.fd < 0 && safefile_write(opt.output, out.buf, out.len, err,
	    sizeof err) != 0) {
		cli_warn("%s", err);
		status = EXIT_FAIL;
	}
	if (writer_close(&out) != 0)
		status = EXIT_FAIL;
done:
	report_free(r);
	delta_free(t);
	schema_free(gold);
	cli_reraise();
	return status;
}
