/*
 * kafka-cat-out: NDJSON records to a Kafka topic (devices -> Kafka),
 * with kcat's option letters.  Producing is lib/producer.c; this file is
 * the options, the line loop and the summary.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kafka.h"
#include "reader.h"
#include "progress.h"
#include "producer.h"
#include "rejects.h"

static const char usage_text[] =
    "usage: kafka-cat-out [-hqvV] -b brokers -t topic [-F file] [-p partition]\n"
    "                     [-X prop=value ...] [--connect-timeout duration]\n"
    "                     [--key field] [--max-line size] [--progress]\n"
    "                     [--rejects file] [--stats] [file ...]\n"
    "       kafka-cat-out -X list\n";

enum { OPT_KEY = OPT_TOOL_BASE };

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_REJECTS, CLI_LONGOPT_STATS,
	CLI_LONGOPT_PROGRESS,
	CLI_LONGOPT_MAX_LINE,
	{ "partition", required_argument, 0, 'p' },
	{ "key", required_argument, 0, OPT_KEY },
	KAFKA_LONGOPTS,
	{ 0, 0, 0, 0 }
};

static void
parse_tool_option(int ch, const char *arg, struct producer_options *po)
{
	long long n;

	switch (ch) {
	case 'p':
		if (cli_parse_int(arg, 0, INT32_MAX, &n) != 0)
			cli_usage_error(usage_text, "-p %s: expected a "
			    "partition number", arg);
		po->partition = (int32_t)n;
		break;
	case OPT_KEY:
		po->key = arg;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

struct loop {
	struct producer *p;
	bool failed;
	char err[512];
};

/* The reader's idle hook: delivery reports keep flowing while the input
 * is quiet, and a producer that failed for good stops the reading. */
static int
on_idle(void *arg)
{
	struct loop *l = arg;

	if (producer_poll(l->p, 0, l->err, sizeof l->err) != 0) {
		l->failed = true;
		return READER_HALT;
	}
	return 100;
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct kafka_client kc;
	struct kafka_options ko = {
	    .connect_timeout_ms = KAFKA_CONNECT_TIMEOUT_MS };
	struct producer_options po = { .partition = -1, .key = "patient_id" };
	struct producer_totals tot;
	struct loop l = { 0 };
	rd_kafka_conf_t *conf;
	struct reader *in;
	struct rejects rj;
	struct counts n = { 0 };
	struct progress pg;
	struct line ln;
	const char *reason;
	char err[1024], detail[256];
	int ch, rc, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	/* -q and -v may come after -X: the callbacks read kc.verbose, which
	 * is set again once all options are in. */
	conf = kafka_conf_new(&kc, 0);
	producer_defaults(conf);
	while ((ch = getopt_long(argc, argv, KAFKA_SHORTOPTS "hp:qvV",
	    longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text) &&
		    !kafka_option(&ko, conf, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &po);
	kc.verbose = opt.verbose;
	po.topic = ko.topic;
	po.connect_timeout_ms = ko.connect_timeout_ms;
	if (po.topic == NULL)
		cli_usage_error(usage_text, "no topic given (-t)");

	if ((l.p = producer_open(conf, &kc, &po, err, sizeof err)) == NULL)
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
		rc = producer_send(l.p, ln.text, ln.len, &reason, detail,
		    sizeof detail, l.err, sizeof l.err);
		if (rc == 1) {
			rejects_add(&rj, &ln, reason, detail, NULL);
			n.rejected++;
		} else if (rc < 0) {
			cli_warn("%s:%llu: not sent", ln.source,
			    (unsigned long long)ln.lineno);
			l.failed = true;
		}
	}
	/* End of input, a stop signal or a failure: what was sent is
	 * waited for, so every record read has its outcome counted. */
	if (l.failed) {
		cli_warn("%s", l.err);
		status = EXIT_FAIL;
	}
	if (producer_wait(l.p, err, sizeof err) != 0) {
		cli_warn("%s", err);
		status = EXIT_FAIL;
	}
	producer_totals(l.p, &tot);
	n.out = tot.delivered;
	if (rejects_close(&rj) != 0 || reader_failed(in))
		status = EXIT_FAIL;
	progress_end(&pg);
	counts_report(&n, &rj, opt.verbose, opt.stats);
	producer_close(l.p);
	rejects_free(&rj);
	reader_close(in);
	cli_reraise();
	return status;
}
