/*
 * kafka-cat-in: a Kafka topic to Bronze envelopes on stdout (Kafka ->
 * the lake), with kcat's option letters.  Consuming and the envelope are
 * lib/consumer.c; this file is the options, the loop and the summary.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "consumer.h"
#include "isotime.h"
#include "kafka.h"
#include "reader.h"
#include "writer.h"
#include "progress.h"
#include "rejects.h"

static const char usage_text[] =
    "usage: kafka-cat-in [-ehqvV] -b brokers -t topic [-c count] [-F file]\n"
    "                    [-G group] [-o offset] [-p partition ...]\n"
    "                    [-X prop=value ...] [--app-id id]\n"
    "                    [--connect-timeout duration] [--progress]\n"
    "                    [--rejects file] [--resume-from table ...] [--stats]\n"
    "                    [--unbuffered] [--value-only]\n"
    "       kafka-cat-in -X list\n";

enum {
	OPT_APP_ID = OPT_TOOL_BASE, OPT_RESUME_FROM,
	OPT_VALUE_ONLY
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_REJECTS, CLI_LONGOPT_STATS,
	CLI_LONGOPT_PROGRESS,
	CLI_LONGOPT_UNBUFFERED,
	{ "partition", required_argument, 0, 'p' },
	{ "offset", required_argument, 0, 'o' },
	{ "group", required_argument, 0, 'G' },
	{ "count", required_argument, 0, 'c' },
	{ "exit", no_argument, 0, 'e' },
	{ "app-id", required_argument, 0, OPT_APP_ID },
	{ "resume-from", required_argument, 0, OPT_RESUME_FROM },
	{ "value-only", no_argument, 0, OPT_VALUE_ONLY },
	KAFKA_LONGOPTS,
	{ 0, 0, 0, 0 }
};

#define MAX_LIST 256

struct config {
	struct consumer_options co;
	int32_t parts[MAX_LIST];	/* co.partitions */
	const char *resume[MAX_LIST];	/* co.resume */
	long long count;		/* -c; -1: no limit */
	bool value_only, offset_given;
};

/* -o: beginning, end, stored, an offset, or -N (N before the end). */
static int
parse_offset(const char *s, int64_t *out)
{
	long long n;

	if (strcmp(s, "beginning") == 0)
		*out = RD_KAFKA_OFFSET_BEGINNING;
	else if (strcmp(s, "end") == 0)
		*out = RD_KAFKA_OFFSET_END;
	else if (strcmp(s, "stored") == 0)
		*out = RD_KAFKA_OFFSET_STORED;
	else if (s[0] == '-' && cli_parse_int(s + 1, 1, INT32_MAX, &n) == 0)
		*out = RD_KAFKA_OFFSET_TAIL(n);
	else if (cli_parse_int(s, 0, INT64_MAX, &n) == 0)
		*out = n;
	else
		return -1;
	return 0;
}

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	long long n;

	switch (ch) {
	case 'p':
		if (c->co.npartitions == MAX_LIST ||
		    cli_parse_int(arg, 0, INT32_MAX, &n) != 0)
			cli_usage_error(usage_text, "-p %s: expected a "
			    "partition number", arg);
		c->parts[c->co.npartitions++] = (int32_t)n;
		break;
	case 'o':
		if (parse_offset(arg, &c->co.offset) != 0)
			cli_usage_error(usage_text, "-o %s: expected "
			    "beginning, end, stored, an offset or -N", arg);
		c->offset_given = true;
		break;
	case 'G':
		c->co.group = arg;
		break;
	case 'c':
		if (cli_parse_int(arg, 1, INT64_MAX, &c->count) != 0)
			cli_usage_error(usage_text, "-c %s: expected a "
			    "positive count", arg);
		break;
	case 'e':
		c->co.exit_at_end = true;
		break;
	case OPT_APP_ID:
		if (*arg == '\0' || strchr(arg, ':') != NULL)
			cli_usage_error(usage_text, "--app-id: empty or with "
			    "':'");
		c->co.app_id = arg;
		break;
	case OPT_RESUME_FROM:
		if (c->co.nresume == MAX_LIST)
			cli_usage_error(usage_text, "too many tables");
		c->resume[c->co.nresume++] = arg;
		break;
	case OPT_VALUE_ONLY:
		c->value_only = true;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

/* --value-only: the payload as a line, when it can be one. */
static bool
print_value(const rd_kafka_message_t *m, struct writer *w,
    struct rejects *rj)
{
	const char *why = m->payload == NULL ? "no_value" :
	    memchr(m->payload, '\n', m->len) != NULL ? "newline_in_value" :
	    NULL;

	if (why != NULL) {
		struct line ln = { .text = m->payload ? m->payload : "",
		    .len = m->payload ? m->len : 0,
		    .source = rd_kafka_topic_name(m->rkt) };
		struct source_pos pos = { .topic = ln.source,
		    .topic_len = strlen(ln.source), .partition = m->partition,
		    .offset = m->offset };
		ln.full_len = ln.len;
		rejects_add(rj, &ln, why, why[0] == 'n' && why[1] == 'o' ?
		    "a message without a value is not a line" :
		    "a value holding a newline would break the lines",
		    &pos);
		return false;
	}
	writer_mem(w, m->payload, m->len);
	writer_char(w, '\n');
	return true;
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { .co = { .offset = RD_KAFKA_OFFSET_STORED,
	    .app_id = "vitals-lakehouse" }, .count = -1 };
	struct kafka_client kc;
	struct kafka_options ko = {
	    .connect_timeout_ms = KAFKA_CONNECT_TIMEOUT_MS };
	struct consumer *c;
	rd_kafka_conf_t *conf;
	rd_kafka_message_t *m;
	struct writer out;
	struct rejects rj;
	struct counts n = { 0 };
	struct progress pg;
	char err[1024];
	int ch, rc, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	conf = kafka_conf_new(&kc, 0);
	consumer_defaults(conf);
	cfg.co.partitions = cfg.parts;
	cfg.co.resume = cfg.resume;
	while ((ch = getopt_long(argc, argv, KAFKA_SHORTOPTS "c:eG:ho:p:qvV",
	    longopts, NULL)) != -1)
		/* -o is kcat's offset here, not an output file. */
		if ((ch == 'o' || !cli_common(&opt, ch, optarg, usage_text)) &&
		    !kafka_option(&ko, conf, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);
	kc.verbose = opt.verbose;
	cfg.co.topic = ko.topic;
	cfg.co.connect_timeout_ms = ko.connect_timeout_ms;
	if (cfg.co.topic == NULL)
		cli_usage_error(usage_text, "no topic given (-t)");
	if (optind != argc)
		cli_usage_error(usage_text, "unexpected argument: %s",
		    argv[optind]);
	if (cfg.co.group != NULL && cfg.co.npartitions > 0)
		cli_usage_error(usage_text, "-p and -G exclude each other: a "
		    "group decides the partitions");
	if (cfg.co.nresume > 0 && cfg.offset_given)
		cli_usage_error(usage_text, "-o and --resume-from exclude each "
		    "other: the tables say where to start");
	/* Without a group there is no stored offset: kcat's default. */
	if (cfg.co.group == NULL && cfg.co.offset == RD_KAFKA_OFFSET_STORED)
		cfg.co.offset = cfg.offset_given ? RD_KAFKA_OFFSET_STORED :
		    RD_KAFKA_OFFSET_BEGINNING;

	if (rejects_open(&rj, opt.rejects) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.rejects);
	if ((c = consumer_open(conf, &kc, &cfg.co, err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	writer_open(&out, NULL, opt.unbuffered);

	progress_init(&pg, opt.progress, opt.verbose);
	while (!cli_stop && (cfg.count < 0 || (long long)n.in < cfg.count)) {
		if (progress_due(&pg))
			progress_tick(&pg, &n, consumer_lag(c));
		/* Flush before waiting, so a live stream flows message by
		 * message while a backlog is written in large blocks. */
		if ((rc = consumer_next(c, 0, &m, err, sizeof err)) == 0) {
			if (writer_flush(&out) != 0)
				break;
			rc = consumer_next(c, 200, &m, err, sizeof err);
		}
		if (rc < 0) {
			if (err[0] != '\0') {
				cli_warn("%s", err);
				status = EXIT_FAIL;
			}
			break;
		}
		if (rc == 0)
			continue;
		n.in++;
		if (!cfg.value_only) {
			envelope_print(m, now_usec(), &out);
			n.out++;
		} else if (print_value(m, &out, &rj)) {
			n.out++;
		} else {
			n.rejected++;
		}
		consumer_release(m);
		if (writer_end_record(&out) != 0)
			break;
	}
	if (writer_close(&out) != 0 || rejects_close(&rj) != 0)
		status = EXIT_FAIL;
	consumer_close(c);
	progress_end(&pg);
	counts_report(&n, &rj, opt.verbose, opt.stats);
	rejects_free(&rj);
	cli_reraise();
	return status;
}
