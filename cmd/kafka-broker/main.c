/*
 * kafka-broker: a Kafka cluster on loopback for demos and tests,
 * librdkafka's mock cluster behind a command.  It speaks the real Kafka
 * protocol, so kcat and the toolkit's Kafka tools connect to it as to
 * any cluster; it keeps messages in memory only.  The cluster is
 * lib/kafka_broker.c; this file is the options, the address and the
 * signals.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kafka.h"
#include "kafka_broker.h"

static const char usage_text[] =
    "usage: kafka-broker [-hqvV] [--bootstrap-file file] [--brokers n]\n"
    "                    [--partitions n] [--produce-errors n] [-t topic ...]\n";

enum {
	OPT_BOOTSTRAP_FILE = OPT_TOOL_BASE, OPT_BROKERS, OPT_PARTITIONS,
	OPT_PRODUCE_ERRORS
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE,
	{ "bootstrap-file", required_argument, 0, OPT_BOOTSTRAP_FILE },
	{ "brokers", required_argument, 0, OPT_BROKERS },
	{ "partitions", required_argument, 0, OPT_PARTITIONS },
	{ "produce-errors", required_argument, 0, OPT_PRODUCE_ERRORS },
	{ "topic", required_argument, 0, 't' },
	{ 0, 0, 0, 0 }
};

#define MAX_TOPICS 64

struct config {
	struct broker_options bo;
	const char *topics[MAX_TOPICS];	/* bo.topics */
	const char *bootstrap_file;	/* NULL: none */
};

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	long long n;

	switch (ch) {
	case 't':
		if (c->bo.ntopics == MAX_TOPICS)
			cli_usage_error(usage_text, "at most %d topics",
			    MAX_TOPICS);
		c->topics[c->bo.ntopics++] = arg;
		break;
	case OPT_BOOTSTRAP_FILE:
		c->bootstrap_file = arg;
		break;
	case OPT_BROKERS:
		if (cli_parse_int(arg, 1, 16, &n) != 0)
			cli_usage_error(usage_text, "--brokers %s: expected 1 "
			    "to 16", arg);
		c->bo.brokers = (int)n;
		break;
	case OPT_PARTITIONS:
		if (cli_parse_int(arg, 1, 1024, &n) != 0)
			cli_usage_error(usage_text, "--partitions %s: expected "
			    "1 to 1024", arg);
		c->bo.partitions = (int)n;
		break;
	case OPT_PRODUCE_ERRORS:
		if (cli_parse_int(arg, 0, 1000000, &n) != 0)
			cli_usage_error(usage_text, "--produce-errors %s: "
			    "expected a count", arg);
		c->bo.produce_errors = (int)n;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

/* SIGUSR1 takes every broker down, SIGUSR2 brings them back: a test
 * stages an outage with kill(1). */
static volatile sig_atomic_t want_down = -1;

static void
on_usr(int sig)
{
	want_down = sig == SIGUSR1;
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { .bo = { .brokers = 1, .partitions = 4 } };
	struct kafka_broker *kb;
	struct sigaction sa;
	char err[1024];
	int ch, down = 0;

	cli_init(argc, argv);
	cli_common_init(&opt);
	kafka_version_uses();
	cfg.bo.topics = cfg.topics;
	while ((ch = getopt_long(argc, argv, "hqt:vV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);
	if (optind != argc)
		cli_usage_error(usage_text, "unexpected argument: %s",
		    argv[optind]);

	if ((kb = kafka_broker_start(&cfg.bo, err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	if (cfg.bootstrap_file != NULL && kafka_broker_write_bootstrap(kb,
	    cfg.bootstrap_file, err, sizeof err) != 0) {
		kafka_broker_stop(kb);
		cli_die(EXIT_FAIL, "%s", err);
	}
	signal(SIGPIPE, SIG_IGN);
	printf("%s\n", kafka_broker_bootstraps(kb));
	fflush(stdout);
	if (opt.verbose >= 0)
		cli_warn("%d broker%s at %s; stop with SIGINT or SIGTERM",
		    cfg.bo.brokers, cfg.bo.brokers == 1 ? "" : "s",
		    kafka_broker_bootstraps(kb));

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	/* Polled, not pause(): a signal that lands between the check and
	 * pause() would otherwise wait for the next one. */
	while (!cli_stop) {
		usleep(100 * 1000);
		if (want_down >= 0 && want_down != down) {
			down = want_down;
			kafka_broker_set_down(kb, down);
			if (opt.verbose >= 0)
				cli_warn("brokers %s", down ? "down" : "up");
		}
	}
	if (cfg.bootstrap_file != NULL)
		unlink(cfg.bootstrap_file);
	kafka_broker_stop(kb);
	if (opt.verbose >= 0)
		cli_warn("stopped; its messages are gone (memory only)");
	cli_reraise();
	return EXIT_OK;
}
