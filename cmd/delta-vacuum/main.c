/*
 * delta-vacuum: deletes the data files of a Delta table that no version
 * within the retention references, and the log files older than the log
 * retention that a checkpoint covers.  The logic is lib/delta_vacuum.c.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "delta_vacuum.h"
#include "writer.h"

static const char usage_text[] =
    "usage: delta-vacuum [-hnqvV] [--force-retention] [--retain duration] table\n";

enum { OPT_RETAIN = OPT_TOOL_BASE, OPT_FORCE };

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE,
	{ "dry-run", no_argument, 0, 'n' },
	{ "retain", required_argument, 0, OPT_RETAIN },
	{ "force-retention", no_argument, 0, OPT_FORCE },
	{ 0, 0, 0, 0 }
};

static void
parse_tool_option(int ch, const char *arg, struct vacuum_options *o)
{
	switch (ch) {
	case 'n':
		o->dry_run = true;
		break;
	case OPT_RETAIN:
		if (cli_parse_duration(arg, &o->retain_usec) != 0)
			cli_usage_error(usage_text, "--retain %s: expected a "
			    "duration such as 7d or 168h", arg);
		break;
	case OPT_FORCE:
		o->force = true;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

/* Each file deleted (or, with -n, to be deleted), on stdout: the list a
 * dry run promises is the list the real run prints. */
static void
print_file(const char *rel, const char *why, void *arg)
{
	struct writer *out = arg;

	(void)why;
	writer_str(out, rel);
	writer_char(out, '\n');
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct vacuum_options vo;
	struct vacuum_totals tot;
	struct writer out;
	char err[1024];
	int ch, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	vacuum_options_init(&vo);
	while ((ch = getopt_long(argc, argv, "hnqvV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &vo);
	if (optind != argc - 1)
		cli_usage_error(usage_text, optind >= argc ? "no table given" :
		    "one table only");
	writer_open(&out, NULL, false);
	vo.each = print_file;
	vo.arg = &out;
	vo.verbose = opt.verbose;
	if (vacuum_run(argv[optind], &vo, &tot, err, sizeof err) != 0) {
		cli_warn("%s", err);
		status = EXIT_FAIL;
	}
	if (writer_close(&out) != 0)
		status = EXIT_FAIL;
	/* The summary every tool prints, counting files instead of rows. */
	if (opt.verbose >= 0)
		cli_warn("in=%llu out=%llu rejected=0 duplicates=0 version=%lld "
		    "files_read=%llu files_skipped=%llu files_written=0 "
		    "files_removed=%llu bytes_removed=%llu live=%llu "
		    "retained=%llu log_removed=%llu%s",
		    (unsigned long long)tot.files,
		    (unsigned long long)(tot.files - tot.deleted),
		    (long long)tot.version, (unsigned long long)tot.files,
		    (unsigned long long)tot.skipped,
		    (unsigned long long)tot.deleted,
		    (unsigned long long)tot.bytes,
		    (unsigned long long)tot.live,
		    (unsigned long long)tot.retained,
		    (unsigned long long)tot.log_deleted,
		    vo.dry_run ? " (dry run: nothing deleted)" : "");
	cli_reraise();
	return status;
}
