/*
 * vitals-clean: raw readings or Bronze envelopes in, Silver records out.
 * The cleaning itself is lib/clean.c; this file wires options, input,
 * output, rejects and counts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "cli.h"
#include "isotime.h"
#include "reader.h"
#include "writer.h"
#include "progress.h"
#include "record.h"
#include "rejects.h"
#include "roster.h"

static const char usage_text[] =
    "usage: vitals-clean [-hqvV] [-o file] [--dedup-capacity n]\n"
    "                    [--dedup-window duration] [--max-future duration]\n"
    "                    [--max-line size] [--now time] [--progress]\n"
    "                    [--rejects file] [--roster file] [--stats]\n"
    "                    [--unbuffered] [file ...]\n";

enum {
	OPT_ROSTER = OPT_TOOL_BASE, OPT_MAX_FUTURE, OPT_NOW,
	OPT_DEDUP_CAPACITY, OPT_DEDUP_WINDOW
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_UNBUFFERED,
	CLI_LONGOPT_REJECTS, CLI_LONGOPT_STATS, CLI_LONGOPT_PROGRESS,
	CLI_LONGOPT_MAX_LINE,
	{ "dedup-capacity", required_argument, 0, OPT_DEDUP_CAPACITY },
	{ "dedup-window", required_argument, 0, OPT_DEDUP_WINDOW },
	{ "max-future", required_argument, 0, OPT_MAX_FUTURE },
	{ "now", required_argument, 0, OPT_NOW },
	{ "roster", required_argument, 0, OPT_ROSTER },
	{ 0, 0, 0, 0 }
};

/* What the options set. */
struct config {
	struct clean_options co;
	const char *roster;	/* --roster */
};

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	long long n;

	switch (ch) {
	case OPT_ROSTER:
		c->roster = arg;
		break;
	case OPT_MAX_FUTURE:
		if (cli_parse_duration(arg, &c->co.max_future) != 0)
			cli_usage_error(usage_text, "--max-future %s: "
			    "expected a duration such as 5m", arg);
		break;
	case OPT_NOW:
		if (iso_parse(arg, strlen(arg), &c->co.now) != 0)
			cli_usage_error(usage_text, "--now %s: expected an "
			    "ISO 8601 time", arg);
		break;
	case OPT_DEDUP_CAPACITY:
		if (cli_parse_int(arg, 1, 1 << 28, &n) != 0)
			cli_usage_error(usage_text, "--dedup-capacity %s: "
			    "expected 1 to 268435456", arg);
		c->co.dedup_capacity = (size_t)n;
		break;
	case OPT_DEDUP_WINDOW:
		if (cli_parse_duration(arg, &c->co.dedup_window) != 0)
			cli_usage_error(usage_text, "--dedup-window %s: "
			    "expected a duration such as 10m", arg);
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

/*
 * The roster is read when the first record arrives, not at start-up:
 * in `vitals-gen --roster r | vitals-clean --roster r` both start at
 * once, and vitals-gen writes the whole roster before its first reading.
 */
static struct roster *
load_roster(struct cleaner *c, const char *path)
{
	char err[512];
	struct roster *r = roster_load(path, err, sizeof err);

	if (r == NULL)
		cli_die(EXIT_FAIL, "roster: %s", err);
	cleaner_set_roster(c, r);
	return r;
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { .roster = NULL };
	struct roster *roster = NULL;
	struct cleaner *cleaner;
	struct reader *in;
	struct writer out;
	struct rejects rj;
	struct counts n = { 0 };
	struct progress pg;
	struct line ln;
	struct clean_result res;
	const struct record *rec;
	int ch, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	clean_options_init(&cfg.co);
	while ((ch = getopt_long(argc, argv, "hqo:vV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);

	if (writer_open(&out, opt.output, opt.unbuffered) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.output);
	if (rejects_open(&rj, opt.rejects) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.rejects);
	cleaner = cleaner_new(&cfg.co);
	in = reader_open(argv + optind, argc - optind, opt.max_line);
	reader_on_block(in, writer_flush_hook, &out);

	progress_init(&pg, opt.progress, opt.verbose);
	while (!cli_stop && reader_next(in, &ln) == 1) {
		progress_tick(&pg, &n, -1);
		/* The roster is read when the first record arrives, so that
		 * vitals-gen --roster can write it in the same pipeline. */
		if (n.in == 0 && !reader_line_blank(&ln) && cfg.roster != NULL)
			roster = load_roster(cleaner, cfg.roster);
		if (!counts_take(&n, &rj, &ln))
			continue;
		switch (cleaner_run(cleaner, ln.text, ln.len, &rec, &res)) {
		case CLEAN_OUT:
			record_print(rec, &out);
			n.out++;
			break;
		case CLEAN_REJECT:
			rejects_add(&rj, &ln, res.reason, res.detail,
			    res.has_pos ? &res.pos : NULL);
			n.rejected++;
			break;
		case CLEAN_DUPLICATE:
			n.duplicates++;
			break;
		}
		if (writer_end_record(&out) != 0)
			break;
	}
	/* No input at all: a roster that cannot be read is still an error. */
	if (roster == NULL && cfg.roster != NULL && !cli_stop)
		roster = load_roster(cleaner, cfg.roster);

	if (writer_close(&out) != 0 || rejects_close(&rj) != 0 ||
	    reader_failed(in))
		status = EXIT_FAIL;
	if (opt.verbose > 0 && cleaner_unknown_fields(cleaner) > 0)
		cli_warn("ignored %llu input fields that Silver has no column "
		    "for", (unsigned long long)cleaner_unknown_fields(cleaner));
	progress_end(&pg);
	counts_report(&n, &rj, opt.verbose, opt.stats);
	rejects_free(&rj);
	cleaner_free(cleaner);
	reader_close(in);
	roster_free(roster);
	cli_reraise();
	return status;
}
