/*
 * vitals-agg: Silver readings in, one Gold row per patient window out.
 * The windows are lib/window.c, what a row holds is lib/gold.c; this file
 * wires options, input, output, rejects, the idle clock and the counts.
 */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gold.h"
#include "isotime.h"
#include "ndjson.h"
#include "record.h"
#include "rejects.h"
#include "window.h"

static const char usage_text[] =
    "usage: vitals-agg [-hqvV] [-o file] [--idle-timeout duration]\n"
    "                  [--lateness duration] [--max-line size]\n"
    "                  [--rejects file] [--stats] [--unbuffered]\n"
    "                  [--window duration] [file ...]\n";

enum { OPT_WINDOW = OPT_TOOL_BASE, OPT_LATENESS, OPT_IDLE_TIMEOUT };

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_UNBUFFERED,
	CLI_LONGOPT_REJECTS, CLI_LONGOPT_STATS, CLI_LONGOPT_MAX_LINE,
	{ "idle-timeout", required_argument, 0, OPT_IDLE_TIMEOUT },
	{ "lateness", required_argument, 0, OPT_LATENESS },
	{ "window", required_argument, 0, OPT_WINDOW },
	{ 0, 0, 0, 0 }
};

struct config {
	int64_t width, lateness, idle_timeout;	/* usec */
};

/* Everything the loop and the idle hook share. */
struct agg {
	struct window_table *wt;
	struct gold *gold;
	struct record *silver;	/* the line being read */
	struct record *row;	/* Gold, reused for every row */
	struct writer *out;
	struct rejects *rj;
	struct counts *n;
	uint64_t aggregated;	/* readings folded into windows */
	int64_t width;		/* usec, for messages */
	int verbose;
	uint64_t warned;	/* rejects reported under -v */
	int64_t idle_timeout;	/* usec; 0: no closing by the clock */
	int64_t quiet_since;	/* wall usec when the input ran dry */
	bool busy;		/* lines arrived since the hook last ran */
};

/* Rejects reported one by one under -v before only counting them. */
#define MAX_WARNINGS	20

static void
parse_tool_option(int ch, const char *arg, struct config *cfg)
{
	switch (ch) {
	case OPT_WINDOW:
		/* Dividing a day keeps every window inside one UTC date, so
		 * event_date is the date of the whole window. */
		if (cli_parse_duration(arg, &cfg->width) != 0 ||
		    cfg->width <= 0 || USEC_PER_DAY % cfg->width != 0)
			cli_usage_error(usage_text, "--window %s: expected a "
			    "duration that divides a day, such as 1m, 5m, 1h",
			    arg);
		break;
	case OPT_LATENESS:
		if (cli_parse_duration(arg, &cfg->lateness) != 0)
			cli_usage_error(usage_text, "--lateness %s: expected "
			    "a duration such as 2m", arg);
		break;
	case OPT_IDLE_TIMEOUT:
		if (cli_parse_duration(arg, &cfg->idle_timeout) != 0)
			cli_usage_error(usage_text, "--idle-timeout %s: "
			    "expected a duration such as 30s, or 0", arg);
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

/* Writes every window that has closed.  -1 once the output has failed. */
static int
emit_closed(struct agg *a)
{
	const struct window *w;

	while ((w = window_next(a->wt)) != NULL) {
		gold_row(a->gold, w, a->row);
		record_print(a->row, a->out);
		a->n->out++;
		if (writer_end_record(a->out) != 0)
			return -1;
	}
	return 0;
}

/*
 * The reader's idle hook, run before each wait for input.  The first run
 * after lines arrived starts the quiet clock; once the input has been
 * quiet for the idle timeout, event time is taken to run with the wall
 * clock and the windows due by then are written.  Returns the
 * milliseconds until the next window would fall due, or -1.
 */
static int
on_idle(void *arg)
{
	struct agg *a = arg;
	int64_t now = now_usec(), idle, due;

	if (a->busy || a->quiet_since == 0) {
		a->quiet_since = now;
		a->busy = false;
	}
	if (a->idle_timeout <= 0)
		return -1;
	idle = now - a->quiet_since;
	if (idle >= a->idle_timeout) {
		window_idle(a->wt, idle);
		/* Nothing more can be written: stop reading. */
		if (emit_closed(a) != 0 || writer_flush(a->out) != 0)
			return READER_HALT;
	}
	if ((due = window_idle_due(a->wt)) < 0)
		return -1;
	if (due < a->idle_timeout)
		due = a->idle_timeout;
	due = (due - idle + 999) / 1000;
	return due > INT_MAX ? INT_MAX : due < 1 ? 1 : (int)due;
}

/* Sends a line to the rejects; under -v, also says why, for the first
 * few. */
static void
reject(struct agg *a, const struct line *ln, const char *reason,
    const char *detail)
{
	rejects_add(a->rj, ln, reason, detail, NULL);
	a->n->rejected++;
	if (a->verbose > 0 && a->warned++ < MAX_WARNINGS)
		cli_warn("%s:%llu: %s: %s", ln->source,
		    (unsigned long long)ln->lineno, reason, detail);
}

/* What a late reading's reject says: its window and the watermark. */
static void
late_detail(const struct agg *a, int64_t t, char *buf, size_t len)
{
	char when[32], start[32], end[32], wm[32];
	int64_t s = window_start_of(a->wt, t);

	iso_format(when, t);
	iso_format(start, s);
	iso_format(end, s + a->width);
	iso_format(wm, window_watermark(a->wt));
	snprintf(buf, len, "event_time %s falls in window [%s, %s), already "
	    "written (watermark %s)", when, start, end, wm);
}

/* One record of input: rejected, or folded into its window. */
static void
take(struct agg *a, const struct line *ln)
{
	struct gold_reading rd;
	struct window *w;
	const char *reason;
	char err[512];

	if (record_scan(a->silver, ln->text, ln->len, err) != 0) {
		reject(a, ln, "bad_json", err);
	} else if (gold_read(a->gold, a->silver, &rd, &reason, err) != 0) {
		reject(a, ln, reason, err);
	} else if (window_add(a->wt, rd.patient_id, rd.id_len, rd.event_time,
	    &w) == WINDOW_LATE) {
		late_detail(a, rd.event_time, err, sizeof err);
		reject(a, ln, "late_reading", err);
	} else {
		gold_fold(w->data, &rd);
		a->aggregated++;
	}
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = {
		.width = 60 * USEC_PER_SEC, .lateness = 120 * USEC_PER_SEC,
		.idle_timeout = 30 * USEC_PER_SEC
	};
	struct schema *silver_schema, *gold_schema;
	struct window_options wo;
	struct agg a = { 0 };
	struct reader *in;
	struct writer out;
	struct rejects rj;
	struct counts n = { 0 };
	struct line ln;
	char err[512];
	int ch, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	while ((ch = getopt_long(argc, argv, "hqo:vV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);

	if ((silver_schema = schema_load("silver", err, sizeof err)) == NULL ||
	    (gold_schema = schema_load("gold", err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "schema: %s", err);
	if (writer_open(&out, opt.output, opt.unbuffered) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.output);
	if (rejects_open(&rj, opt.rejects) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.rejects);
	wo = (struct window_options){ .width = cfg.width,
	    .lateness = cfg.lateness, .data_size = gold_data_size(),
	    .release = gold_release };
	a.wt = window_new(&wo);
	a.gold = gold_new(silver_schema, gold_schema);
	a.silver = record_new(silver_schema);
	a.row = record_new(gold_schema);
	a.out = &out;
	a.rj = &rj;
	a.n = &n;
	a.width = cfg.width;
	a.verbose = opt.verbose;
	a.idle_timeout = cfg.idle_timeout;
	in = reader_open(argv + optind, argc - optind, opt.max_line);
	reader_on_block(in, writer_flush_hook, &out);
	reader_on_idle(in, on_idle, &a);

	while (!cli_stop && reader_next(in, &ln) == 1) {
		a.busy = true;
		if (!counts_take(&n, &rj, &ln))
			continue;
		take(&a, &ln);
		if (emit_closed(&a) != 0)
			break;
	}
	/* End of input or a stop signal: what is open is written, as at the
	 * end of a file, so an interrupted run loses no readings. */
	if (out.error == 0) {
		window_finish(a.wt);
		emit_closed(&a);
	}

	if (writer_close(&out) != 0 || rejects_close(&rj) != 0 ||
	    reader_failed(in))
		status = EXIT_FAIL;
	if (a.warned > MAX_WARNINGS)
		cli_warn("%llu more rejects not shown",
		    (unsigned long long)(a.warned - MAX_WARNINGS));
	counts_report(&n, &rj, opt.verbose, opt.stats);
	if (opt.verbose >= 0)
		cli_warn("aggregated=%llu windows_open_peak=%zu",
		    (unsigned long long)a.aggregated, window_peak_open(a.wt));
	rejects_free(&rj);
	reader_close(in);
	window_free(a.wt);
	gold_free(a.gold);
	record_free(a.row);
	record_free(a.silver);
	schema_free(gold_schema);
	schema_free(silver_schema);
	cli_reraise();
	return status;
}
