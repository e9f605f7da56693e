/*
 * delta-commit: NDJSON records in, appended to a Delta Lake table in
 * atomic micro-batches.  The table logic is lib/delta_append.c.
 */
#include <getopt.h>
#include <libgen.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compress.h"
#include "delta_append.h"
#include "isotime.h"
#include "reader.h"
#include "writer.h"
#include "progress.h"
#include "rejects.h"
#include "schema.h"
#include "xalloc.h"

static const char usage_text[] =
    "usage: delta-commit [-hnqvV] [--app-id id] [--batch-bytes size]\n"
    "                    [--batch-rows n] [--batch-time duration]\n"
    "                    [--checkpoint-interval n]\n"
    "                    [--codec name] [--max-line size] [--merge-schema]\n"
    "                    [--partition-by columns] [--progress]\n"
    "                    [--rejects file] [--schema schema] [--stats] table\n"
    "                    [file ...]\n"
    "       delta-commit --positions table\n";

enum {
	OPT_APP_ID = OPT_TOOL_BASE, OPT_BATCH_BYTES, OPT_BATCH_ROWS,
	OPT_BATCH_TIME,
	OPT_CHECKPOINT, OPT_CODEC, OPT_MERGE_SCHEMA, OPT_PARTITION_BY,
	OPT_POSITIONS
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_REJECTS, CLI_LONGOPT_STATS,
	CLI_LONGOPT_PROGRESS,
	CLI_LONGOPT_MAX_LINE,
	{ "schema", required_argument, 0, OPT_SCHEMA },
	{ "app-id", required_argument, 0, OPT_APP_ID },
	{ "batch-bytes", required_argument, 0, OPT_BATCH_BYTES },
	{ "batch-rows", required_argument, 0, OPT_BATCH_ROWS },
	{ "batch-time", required_argument, 0, OPT_BATCH_TIME },
	{ "checkpoint-interval", required_argument, 0, OPT_CHECKPOINT },
	{ "codec", required_argument, 0, OPT_CODEC },
	{ "dry-run", no_argument, 0, 'n' },
	{ "partition-by", required_argument, 0, OPT_PARTITION_BY },
	{ "positions", no_argument, 0, OPT_POSITIONS },
	{ "merge-schema", no_argument, 0, OPT_MERGE_SCHEMA },
	{ 0, 0, 0, 0 }
};

struct config {
	struct append_options ao;
	const char *schema;
	const char *partition_by;	/* NULL: the default */
	bool positions;
};

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	long long n;

	switch (ch) {
	case 'n':
		c->ao.dry_run = true;
		break;
	case OPT_SCHEMA:
		c->schema = arg;
		break;
	case OPT_APP_ID:
		if (*arg == '\0' || strchr(arg, '\n') != NULL)
			cli_usage_error(usage_text, "--app-id: empty");
		c->ao.app_id = arg;
		break;
	case OPT_BATCH_BYTES:
		if (cli_parse_size(arg, &c->ao.batch_bytes) != 0 ||
		    c->ao.batch_bytes == 0)
			cli_usage_error(usage_text, "--batch-bytes %s: expected "
			    "a size such as 64M", arg);
		break;
	case OPT_BATCH_ROWS:
		if (cli_parse_int(arg, 1, INT64_C(1) << 40, &n) != 0)
			cli_usage_error(usage_text, "--batch-rows %s: expected "
			    "a positive count", arg);
		c->ao.batch_rows = (uint64_t)n;
		break;
	case OPT_BATCH_TIME:
		if (cli_parse_duration(arg, &c->ao.batch_usec) != 0 ||
		    c->ao.batch_usec <= 0)
			cli_usage_error(usage_text, "--batch-time %s: "
			    "expected a duration such as 30 or 1m", arg);
		break;
	case OPT_CHECKPOINT:
		if (cli_parse_int(arg, 0, 1000000, &n) != 0)
			cli_usage_error(usage_text, "--checkpoint-interval %s: "
			    "expected 0 (never) or a count of versions", arg);
		c->ao.checkpoint_interval = (int)n;
		break;
	case OPT_CODEC:
		if (codec_parse(arg, &c->ao.codec) != 0)
			cli_usage_error(usage_text, "--codec %s: expected zstd, "
			    "snappy, gzip or none", arg);
		break;
	case OPT_PARTITION_BY:
		c->partition_by = arg;
		break;
	case OPT_MERGE_SCHEMA:
		c->ao.merge_schema = true;
		break;
	case OPT_POSITIONS:
		c->positions = true;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

/* The schema for a new table: --schema, or the layer the directory is
 * named after (bronze, silver, gold). */
static struct schema *
new_table_schema(const char *table, const char *given)
{
	char err[512], *copy = xstrdup(table);
	const char *base = basename(copy);
	struct schema *s = NULL;

	if (given != NULL) {
		s = schema_load(given, err, sizeof err);
		if (s == NULL)
			cli_die(EXIT_FAIL, "%s", err);
	} else if (strcmp(base, "bronze") == 0 || strcmp(base, "silver") == 0 ||
	    strcmp(base, "gold") == 0) {
		s = schema_load(base, err, sizeof err);
	}
	free(copy);
	return s;
}

/* Splits "a,b" into a NULL-terminated array; "" is no partitioning. */
static char **
split_columns(const char *list, size_t *n)
{
	char **cols = xcalloc(strlen(list) + 2, sizeof *cols);
	char *copy = xstrdup(list), *tok, *save = NULL;

	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		cols[(*n)++] = xstrdup(tok);
	free(copy);
	return cols;
}

/*
 * A record counts as out only once the version holding it is committed:
 * until then it is "pending", and a failed commit loses the batch, which
 * the summary must not count as written.
 */
struct loop {
	struct appender *app;
	struct counts *n;
	uint64_t pending;	/* added to the open batch, not committed */
	int64_t first, last;	/* versions committed */
	bool failed;
	int verbose;
};

static int
commit(struct loop *l)
{
	char err[1024];
	uint64_t dropped;
	int64_t v;

	if (appender_commit(l->app, &v, &dropped, err, sizeof err) != 0) {
		cli_warn("%s", err);
		l->failed = true;
		return -1;
	}
	/* Rows another writer committed first are repeats, as if skipped
	 * on arrival. */
	if (dropped > 0 && l->verbose > 0)
		cli_warn("%llu rows were committed by another writer first "
		    "(a rebalance): left out", (unsigned long long)dropped);
	l->n->out += l->pending - dropped;
	l->n->duplicates += dropped;
	l->pending = 0;
	if (v >= 0) {
		if (l->first < 0)
			l->first = v;
		l->last = v;
	}
	return 0;
}

/* The reader's idle hook: commit a due batch while the input is quiet.
 * A failed commit halts the reader, so main reports and exits 1. */
static int
on_idle(void *arg)
{
	struct loop *l = arg;
	int ms = appender_ms_until_due(l->app);

	if (ms == 0)
		return commit(l) == 0 ? -1 : READER_HALT;
	return ms;
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { 0 };
	struct schema *schema = NULL;
	char **pcols = NULL, err[1024], detail[512];
	size_t npcols = 0;
	struct counts n = { 0 };
	struct progress pg;
	struct loop l = { .n = &n, .first = -1, .last = -1 };
	struct writer dry;
	struct reader *in;
	struct rejects rj;

#ifdef __GLIBC__
	/*
	 * Every batch's column buffers go back to the kernel when it is
	 * committed.  glibc raises its mmap threshold each time such a
	 * buffer is freed, and then serves the next batch's from the heap,
	 * where they fragment: the second batch's peak was 5 MB above the
	 * first's.  With the threshold fixed, each batch's peak is the
	 * first's, however long the stream.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
	struct line ln;
	const char *table, *reason;
	enum append_status st;
	int ch, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	append_options_init(&cfg.ao);
	while ((ch = getopt_long(argc, argv, "hnqvV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);
	l.verbose = opt.verbose;
	if (optind >= argc)
		cli_usage_error(usage_text, "no table directory given");
	table = argv[optind++];

	if (cfg.positions) {
		struct delta_table *t = delta_open(table, err, sizeof err);
		if (t == NULL)
			cli_die(EXIT_FAIL, "%s", err);
		writer_open(&dry, NULL, false);
		delta_print_positions(t, &dry);
		delta_free(t);
		return writer_close(&dry) == 0 ? EXIT_OK : EXIT_FAIL;
	}

	schema = new_table_schema(table, cfg.schema);
	if (cfg.partition_by != NULL)
		pcols = split_columns(cfg.partition_by, &npcols);
	else if (schema != NULL && schema_find(schema, "event_date", 10) >= 0)
		pcols = split_columns("event_date", &npcols);
	writer_open(&dry, NULL, false);
	cfg.ao.dry_out = &dry;
	/* Defaults only shape a new table; what was asked for is checked. */
	cfg.ao.shape_if_new = cfg.schema == NULL && cfg.partition_by == NULL;
	l.app = appender_open(table, schema, pcols, npcols, &cfg.ao, err,
	    sizeof err);
	if (l.app == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	if (rejects_open(&rj, opt.rejects) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.rejects);

	in = reader_open(argv + optind, argc - optind, opt.max_line);
	reader_on_idle(in, on_idle, &l);
	progress_init(&pg, opt.progress, opt.verbose);
	while (!cli_stop && !l.failed && reader_next(in, &ln) == 1) {
		progress_tick(&pg, &n, -1);
		if (!counts_take(&n, &rj, &ln))
			continue;
		if (appender_add(l.app, ln.text, ln.len, &st, &reason, detail,
		    sizeof detail, err, sizeof err) != 0) {
			cli_warn("%s", err);
			l.pending++;	/* lost with its batch */
			l.failed = true;
			break;
		}
		switch (st) {
		case APPEND_OK:
			l.pending++;
			break;
		case APPEND_REJECT:
			rejects_add(&rj, &ln, reason, detail, NULL);
			n.rejected++;
			break;
		case APPEND_SKIPPED:
			n.duplicates++;
			break;
		}
		if (appender_due(l.app))
			commit(&l);
	}
	/* End of input or a stop signal: what is held is committed. */
	if (!l.failed)
		commit(&l);
	/* Close everything even after a failure, so nothing leaks. */
	if (rejects_close(&rj) != 0)
		status = EXIT_FAIL;
	if (writer_close(&dry) != 0)
		status = EXIT_FAIL;
	if (l.failed || reader_failed(in))
		status = EXIT_FAIL;
	progress_end(&pg);
	counts_report(&n, &rj, opt.verbose, opt.stats);
	if (l.pending > 0)
		cli_warn("%llu records not committed: the table is as it was "
		    "before their batch", (unsigned long long)l.pending);
	if (opt.verbose > 0 && l.first >= 0) {
		struct append_totals tot;
		appender_totals(l.app, &tot);
		cli_warn("committed versions %lld to %lld: %llu rows in %llu "
		    "files, %llu bytes", (long long)l.first, (long long)l.last,
		    (unsigned long long)tot.rows, (unsigned long long)tot.files,
		    (unsigned long long)tot.bytes);
	}
	appender_free(l.app);
	schema_free(schema);
	for (size_t i = 0; i < npcols; i++)
		free(pcols[i]);
	free(pcols);
	rejects_free(&rj);
	reader_close(in);
	cli_reraise();
	return status;
}
