/*
 * delta-cat: a Delta Lake table's live rows as NDJSON, now or as of a
 * version, for debugging and replays.  Reading the table back (the
 * snapshot, its live files, their rows as records) is lib/delta_scan.c;
 * this file is the options, the output and the summary.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "delta.h"
#include "delta_scan.h"
#include "predicate.h"
#include "writer.h"

static const char usage_text[] =
    "usage: delta-cat [-hqvV] [--as-of n] [--files] [-o file] "
    "[--where predicate] table\n";

enum { OPT_AT = OPT_TOOL_BASE, OPT_FILES, OPT_WHERE };

/* --as-of is the table version to read (Delta's "version as of"). */
static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT,
	{ "as-of", required_argument, 0, OPT_AT },
	{ "files", no_argument, 0, OPT_FILES },
	{ "where", required_argument, 0, OPT_WHERE },
	{ 0, 0, 0, 0 }
};

struct config {
	long long at;		/* --as-of; -1: the latest version */
	bool files;		/* --files: the live files, not their rows */
	const char *where;	/* --where: the predicate's text, or NULL */
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
	case OPT_FILES:
		c->files = true;
		break;
	case OPT_WHERE:
		c->where = arg;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { .at = -1 };
	struct delta_table *t;
	struct predicate *where = NULL;
	struct scan_totals tot;
	struct writer out;
	char err[1024];
	int ch, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	while ((ch = getopt_long(argc, argv, "hqo:vV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);
	if (optind != argc - 1)
		cli_usage_error(usage_text, optind >= argc ? "no table given" :
		    "one table only");

	t = delta_open_at(argv[optind], cfg.at, err, sizeof err);
	if (t == NULL || scan_check_readable(t, err, sizeof err) != 0)
		cli_die(EXIT_FAIL, "%s", err);
	/* Only now: the columns and their types are the table's. */
	if (cfg.where != NULL &&
	    (where = predicate_parse(t->schema, cfg.where, err, sizeof err))
	    == NULL)
		cli_usage_error(usage_text, "--where: %s", err);
	if (writer_open(&out, opt.output, false) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.output);

	memset(&tot, 0, sizeof tot);
	if (cfg.files) {
		scan_print_adds_where(t, where, &out);
	} else if (scan_rows_where(t, where, &out, opt.verbose, &tot, err,
	    sizeof err) != 0) {
		cli_warn("%s", err);
		status = EXIT_FAIL;
	}
	if (writer_close(&out) != 0 || tot.mismatch)
		status = EXIT_FAIL;
	if (opt.verbose >= 0 && !cfg.files && where != NULL)
		cli_warn("version=%lld files=%llu skipped=%llu rows=%llu",
		    (long long)t->version, (unsigned long long)tot.files,
		    (unsigned long long)tot.skipped,
		    (unsigned long long)tot.rows);
	else if (opt.verbose >= 0 && !cfg.files)
		cli_warn("version=%lld files=%llu rows=%llu",
		    (long long)t->version, (unsigned long long)tot.files,
		    (unsigned long long)tot.rows);
	predicate_free(where);
	delta_free(t);
	cli_reraise();
	return status;
}
