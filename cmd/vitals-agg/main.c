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

#include "agg_state.h"
#include "cli.h"
#include "gold.h"
#include "gold_resume.h"
#include "isotime.h"
#include "reader.h"
#include "writer.h"
#include "progress.h"
#include "record.h"
#include "rejects.h"
#include "window.h"
#include "xalloc.h"

static const char usage_text[] =
    "usage: vitals-agg [-hqvV] [-o file] [--flush] [--idle-timeout duration]\n"
    "                  [--lateness duration] [--max-line size] [--progress]\n"
    "                  [--rejects file] [--resume-from table [--state file]]\n"
    "                  [--stats] [--unbuffered] [--window duration]\n"
    "                  [file ...]\n";

enum {
	OPT_WINDOW = OPT_TOOL_BASE, OPT_LATENESS, OPT_IDLE_TIMEOUT,
	OPT_RESUME_FROM, OPT_STATE, OPT_FLUSH
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_UNBUFFERED,
	CLI_LONGOPT_REJECTS, CLI_LONGOPT_STATS, CLI_LONGOPT_PROGRESS,
	CLI_LONGOPT_MAX_LINE,
	{ "flush", no_argument, 0, OPT_FLUSH },
	{ "idle-timeout", required_argument, 0, OPT_IDLE_TIMEOUT },
	{ "lateness", required_argument, 0, OPT_LATENESS },
	{ "resume-from", required_argument, 0, OPT_RESUME_FROM },
	{ "state", required_argument, 0, OPT_STATE },
	{ "window", required_argument, 0, OPT_WINDOW },
	{ 0, 0, 0, 0 }
};

struct config {
	int64_t width, lateness, idle_timeout;	/* usec */
	const char *resume_from;		/* Gold table, or NULL */
	const char *state;			/* state file, or NULL */
	bool flush;		/* with a state: write open windows at end */
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
	int64_t last_idle;	/* wall usec of the last window_idle */
	struct gold_sources sources;	/* by window source number */
	struct gold_resume *resume;	/* NULL without --resume-from */
	uint64_t in_gold, replayed;	/* readings dropped as repeats */
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
	case OPT_RESUME_FROM:
		cfg->resume_from = arg;
		break;
	case OPT_STATE:
		cfg->state = arg;
		break;
	case OPT_FLUSH:
		cfg->flush = true;
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

/*
 * The window source number of a topic and partition.  A new one starts
 * where Gold is for it, so that a row's through_offset is, before any
 * row of this run, Gold's own.
 */
static uint32_t
source_number(struct agg *a, const char *topic, size_t len, int64_t part)
{
	bool added;
	uint32_t k = gold_source(&a->sources, topic, len, part, &added);

	if (added && a->resume != NULL)
		a->sources.pos[k].through_offset = gold_resume_through(
		    a->resume, topic, len, part);
	return k;
}

/* Writes every window that has closed.  -1 once the output has failed. */
static int
emit_closed(struct agg *a)
{
	const struct window *w;

	while ((w = window_next(a->wt)) != NULL) {
		/* The source of the window's first reading; a patient's
		 * readings all come from one. */
		struct gold_position *p = &a->sources.pos[w->source];
		p->through_offset = window_done(a->wt, w->source);
		gold_row(a->gold, w, p, a->row);
		record_print(a->row, a->out);
		a->n->out++;
		if (writer_end_record(a->out) != 0)
			return -1;
	}
	return 0;
}

/*
 * Closes the windows of the sources that have been quiet for the idle
 * timeout: event time is taken to run with the wall clock there, and the
 * windows due by then are written.  Run before each wait for input, and
 * once a second while the input streams, as one Kafka partition can go
 * quiet while the others go on.  -1 once the output has failed.
 */
static int
close_quiet(struct agg *a, int64_t now)
{
	if (a->idle_timeout <= 0)
		return 0;
	a->last_idle = now;
	window_clock(a->wt, now);
	window_idle(a->wt, a->idle_timeout);
	return emit_closed(a);
}

/* The reader's idle hook: closes what is due and returns the
 * milliseconds until the next window would fall due, or -1. */
static int
on_idle(void *arg)
{
	struct agg *a = arg;
	int64_t due;

	if (close_quiet(a, now_usec()) != 0 || writer_flush(a->out) != 0)
		return READER_HALT;	/* nothing more can be written */
	if (a->idle_timeout <= 0 ||
	    (due = window_idle_due(a->wt, a->idle_timeout)) < 0)
		return -1;
	due = (due + 999) / 1000;
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
	iso_format(wm, window_watermark(a->wt, a->sources.last));
	snprintf(buf, len, "event_time %s falls in window [%s, %s), already "
	    "written (watermark %s)", when, start, end, wm);
}

/* One record of input: rejected, dropped as a repeat, or folded into its
 * window. */
static void
take(struct agg *a, const struct line *ln)
{
	struct gold_reading rd;
	struct window *w;
	const char *reason;
	char err[512];
	uint32_t src;

	if (record_scan(a->silver, ln->text, ln->len, err) != 0) {
		reject(a, ln, "bad_json", err);
		return;
	}
	if (gold_read(a->gold, a->silver, &rd, &reason, err) != 0) {
		reject(a, ln, reason, err);
		return;
	}
	src = source_number(a, rd.topic, rd.topic_len, rd.partition);
	if (a->resume != NULL && gold_resume_has(a->resume, rd.patient_id,
	    rd.id_len, window_start_of(a->wt, rd.event_time))) {
		/* Its window is in Gold already; its position is passed. */
		if (window_pass(a->wt, src, rd.offset) || rd.offset < 0)
			a->in_gold++;
		else
			a->replayed++;
		a->n->duplicates++;
		return;
	}
	switch (window_add(a->wt, src, rd.offset, rd.patient_id, rd.id_len,
	    rd.event_time, &w)) {
	case WINDOW_LATE:
		late_detail(a, rd.event_time, err, sizeof err);
		reject(a, ln, "late_reading", err);
		break;
	case WINDOW_REPLAYED:
		a->replayed++;
		a->n->duplicates++;
		break;
	case WINDOW_OPENED:
	case WINDOW_FOUND:
		gold_fold(w->data, &rd);
		a->aggregated++;
		break;
	}
}

/* ---- the saved state ---- */

static uint32_t
hook_source(void *arg, const char *topic, size_t len, int64_t part)
{
	return source_number(arg, topic, len, part);
}

static int64_t
hook_gold_through(void *arg, const char *topic, size_t len, int64_t part)
{
	struct agg *a = arg;

	return gold_resume_through(a->resume, topic, len, part);
}

/* Takes up the windows a stopped run saved, if they fit Gold as it is. */
static void
load_state(struct agg *a, const struct config *cfg,
    const struct window_options *wo)
{
	const struct agg_state_hooks h = {
		.source = hook_source, .gold_through = hook_gold_through,
		.load = gold_load, .release = gold_release, .arg = a
	};
	char err[512];
	size_t k;

	if (agg_state_load(cfg->state, a->wt, cfg->width, cfg->lateness, &h,
	    &k, err, sizeof err) == 1) {
		if (a->verbose >= 0)
			cli_warn("%s: %zu open windows taken up", cfg->state,
			    k);
		return;
	}
	if (err[0] != '\0')
		cli_warn("state not taken up: %s; its windows are read again "
		    "from Kafka, from where Gold is", err);
	window_free(a->wt);
	a->wt = window_new(wo);
	window_clock(a->wt, now_usec());
}

/* Saves the open windows for the next run.  -1 on failure (said). */
static int
save_state(struct agg *a, const struct config *cfg)
{
	uint32_t ns = window_source_count(a->wt);
	struct agg_state_source *src = xcalloc(ns + 1, sizeof *src);
	char err[512];
	int rc;

	for (uint32_t i = 0; i < ns; i++) {
		/* Window source numbers beyond the readings' (the table
		 * always has source 0) are of no partition. */
		const struct gold_position *p = i < a->sources.keys.n ?
		    &a->sources.pos[i] : NULL;
		src[i].topic = p != NULL ? p->topic : NULL;
		src[i].topic_len = p != NULL ? p->topic_len : 0;
		src[i].partition = p != NULL ? p->partition : -1;
		src[i].gold_through = p != NULL ? p->through_offset : -1;
	}
	rc = agg_state_save(cfg->state, a->wt, cfg->width, cfg->lateness, src,
	    ns, gold_save, err, sizeof err);
	free(src);
	if (rc != 0)
		cli_warn("%s; its %zu open windows are read again from Kafka "
		    "on the next start", err, window_open_count(a->wt));
	else if (a->verbose >= 0)
		cli_warn("%s: %zu open windows saved for the next run",
		    cfg->state, window_open_count(a->wt));
	return rc;
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
	struct progress pg;
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
	if (cfg.state != NULL && cfg.resume_from == NULL)
		cli_usage_error(usage_text, "--state needs --resume-from: a "
		    "saved state is only good with the Gold table it was "
		    "saved for");
	if (writer_open(&out, opt.output, opt.unbuffered) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.output);
	if (rejects_open(&rj, opt.rejects) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.rejects);
	wo = (struct window_options){ .width = cfg.width,
	    .lateness = cfg.lateness, .data_size = gold_data_size(),
	    .release = gold_release };
	a.wt = window_new(&wo);
	/* The quiet clock of partitions taken up from a state starts now. */
	window_clock(a.wt, now_usec());
	a.gold = gold_new(silver_schema, gold_schema);
	a.silver = record_new(silver_schema);
	a.row = record_new(gold_schema);
	a.out = &out;
	a.rj = &rj;
	a.n = &n;
	a.width = cfg.width;
	a.verbose = opt.verbose;
	a.idle_timeout = cfg.idle_timeout;
	if (cfg.resume_from != NULL) {
		a.resume = gold_resume_open(cfg.resume_from, err, sizeof err);
		if (a.resume == NULL)
			cli_die(EXIT_FAIL, "--resume-from %s", err);
		if (opt.verbose > 0)
			cli_warn("%s: %llu windows of %zu patients",
			    cfg.resume_from, (unsigned long long)
			    gold_resume_rows(a.resume),
			    gold_resume_patients(a.resume));
		if (cfg.state != NULL)
			load_state(&a, &cfg, &wo);
	}
	in = reader_open(argv + optind, argc - optind, opt.max_line);
	reader_on_block(in, writer_flush_hook, &out);
	reader_on_idle(in, on_idle, &a);

	progress_init(&pg, opt.progress, opt.verbose);
	while (!cli_stop && reader_next(in, &ln) == 1) {
		progress_tick(&pg, &n, -1);
		int64_t now = now_usec();

		window_clock(a.wt, now);
		if (!counts_take(&n, &rj, &ln))
			continue;
		take(&a, &ln);
		if (emit_closed(&a) != 0)
			break;
		if (now - a.last_idle >= USEC_PER_SEC &&
		    close_quiet(&a, now) != 0)
			break;
	}
	/* End of input or a stop signal: what is open is written, as at the
	 * end of a file, so an interrupted run loses no readings; or, with a
	 * state file, saved, as the stream goes on after a restart. */
	if (out.error == 0 && cfg.state != NULL && !cfg.flush) {
		if (save_state(&a, &cfg) != 0)
			status = EXIT_FAIL;
	} else if (out.error == 0) {
		window_finish(a.wt);
		emit_closed(&a);
	}

	if (writer_close(&out) != 0 || rejects_close(&rj) != 0 ||
	    reader_failed(in))
		status = EXIT_FAIL;
	if (a.warned > MAX_WARNINGS)
		cli_warn("%llu more rejects not shown",
		    (unsigned long long)(a.warned - MAX_WARNINGS));
	progress_end(&pg);
	counts_report(&n, &rj, opt.verbose, opt.stats);
	if (opt.verbose >= 0)
		cli_warn("aggregated=%llu windows_open_peak=%zu in_gold=%llu "
		    "replayed=%llu", (unsigned long long)a.aggregated,
		    window_peak_open(a.wt), (unsigned long long)a.in_gold,
		    (unsigned long long)a.replayed);
	rejects_free(&rj);
	reader_close(in);
	window_free(a.wt);
	gold_resume_free(a.resume);
	gold_sources_free(&a.sources);
	gold_free(a.gold);
	record_free(a.row);
	record_free(a.silver);
	schema_free(gold_schema);
	schema_free(silver_schema);
	cli_reraise();
	return status;
}
