/*
 * vitals-gen: simulated bedside monitors.  Writes one JSON reading per
 * patient per interval (schemas/reading.json), in timestamp order, on a
 * simulated clock or paced to the wall clock, optionally with labelled
 * clinical episodes and device faults.  The simulation lives in lib/:
 * the engine (beds, pacing, the loop) in simulate, what it draws on in
 * cohort, physiology, episodes and faults.  This file is the options,
 * the cohort and the output, the run and its report.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cohort.h"
#include "episodes.h"
#include "faults.h"
#include "isotime.h"
#include "writer.h"
#include "schema.h"
#include "simulate.h"

static const char usage_text[] =
    "usage: vitals-gen [-hqvV] [-c count] [-d duration] [-i seconds] "
    "[-o file]\n"
    "                  [--admissions duration] [--charted] "
    "[--episodes rate]\n"
    "                  [--faults rate] [--patients n] [--realtime]\n"
    "                  [--roster file] [--seed n] [--start time] "
    "[--synthea dir]\n"
    "                  [--truth] [--unbuffered]\n";

enum {
	OPT_SYNTHEA = OPT_TOOL_BASE, OPT_START, OPT_REALTIME, OPT_EPISODES,
	OPT_FAULTS, OPT_TRUTH, OPT_ROSTER, OPT_PATIENTS, OPT_ADMISSIONS,
	OPT_CHARTED
};

/* -c is kcat's count, as in kafka-cat-in; --patients has no letter, as
 * -p is a Kafka partition in the Kafka tools. */
static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_UNBUFFERED,
	{ "seed", required_argument, 0, OPT_SEED },
	{ "patients", required_argument, 0, OPT_PATIENTS },
	{ "synthea", required_argument, 0, OPT_SYNTHEA },
	{ "interval", required_argument, 0, 'i' },
	{ "start", required_argument, 0, OPT_START },
	{ "duration", required_argument, 0, 'd' },
	{ "count", required_argument, 0, 'c' },
	{ "realtime", no_argument, 0, OPT_REALTIME },
	{ "episodes", required_argument, 0, OPT_EPISODES },
	{ "faults", required_argument, 0, OPT_FAULTS },
	{ "truth", no_argument, 0, OPT_TRUTH },
	{ "roster", required_argument, 0, OPT_ROSTER },
	{ "admissions", required_argument, 0, OPT_ADMISSIONS },
	{ "charted", no_argument, 0, OPT_CHARTED },
	{ 0, 0, 0, 0 }
};

/* What the options set. */
struct config {
	uint64_t seed;
	long long patients;	/* 0: not given */
	const char *synthea;
	const char *roster;
	int64_t interval, start, duration;
	bool start_given;
	long long count;	/* -1: not given */
	int64_t admissions;	/* 0: all there from the start */
	bool realtime, truth, charted;
	double episodes, faults;
};

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	long long v;

	switch (ch) {
	case OPT_SEED:
		if (cli_parse_int(arg, 0, INT64_MAX, &v) != 0)
			cli_usage_error(usage_text, "--seed %s: expected a "
			    "whole number >= 0", arg);
		c->seed = (uint64_t)v;
		break;
	case OPT_PATIENTS:
		if (cli_parse_int(arg, 1, 1000000, &c->patients) != 0)
			cli_usage_error(usage_text, "--patients %s: expected "
			    "1 to 1000000", arg);
		break;
	case OPT_SYNTHEA:
		c->synthea = arg;
		break;
	case 'i':
		if (cli_parse_duration(arg, &c->interval) != 0 ||
		    c->interval < 1000 || c->interval > USEC_PER_DAY)
			cli_usage_error(usage_text, "--interval %s: expected "
			    "0.001 to 86400 seconds", arg);
		/* Timestamps carry milliseconds. */
		c->interval -= c->interval % 1000;
		break;
	case OPT_START:
		if (iso_parse(arg, strlen(arg), &c->start) != 0)
			cli_usage_error(usage_text, "--start %s: expected an "
			    "ISO 8601 time, e.g. 2026-01-01T00:00:00Z", arg);
		c->start_given = true;
		break;
	case 'd':
		if (cli_parse_duration(arg, &c->duration) != 0)
			cli_usage_error(usage_text, "--duration %s: expected "
			    "e.g. 90s, 30m, 1h, 2d", arg);
		break;
	case 'c':
		if (cli_parse_int(arg, 0, INT64_MAX, &c->count) != 0)
			cli_usage_error(usage_text, "--count %s: expected a "
			    "whole number >= 0", arg);
		break;
	case OPT_REALTIME:
		c->realtime = true;
		break;
	case OPT_EPISODES:
		if (cli_parse_double(arg, 0, 1000, &c->episodes) != 0)
			cli_usage_error(usage_text, "--episodes %s: expected "
			    "episodes per patient-day, 0 to 1000", arg);
		break;
	case OPT_FAULTS:
		if (cli_parse_double(arg, 0, 1, &c->faults) != 0)
			cli_usage_error(usage_text, "--faults %s: expected a "
			    "share of readings, 0 to 1", arg);
		break;
	case OPT_TRUTH:
		c->truth = true;
		break;
	case OPT_ROSTER:
		c->roster = arg;
		break;
	case OPT_ADMISSIONS:
		if (cli_parse_duration(arg, &c->admissions) != 0 ||
		    c->admissions > 366 * USEC_PER_DAY)
			cli_usage_error(usage_text, "--admissions %s: expected "
			    "a duration up to 366d, e.g. 2h", arg);
		break;
	case OPT_CHARTED:
		c->charted = true;
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

static void
load_cohort(const struct config *o, int verbose, struct cohort *c)
{
	char err[512];

	if (o->synthea == NULL) {
		cohort_builtin(c, o->patients > 0 ? (size_t)o->patients : 20,
		    o->seed);
		return;
	}
	if (cohort_synthea(c, o->synthea, o->start, (size_t)o->patients,
	    o->seed, verbose < 0, err, sizeof err) != 0)
		cli_die(EXIT_FAIL, "%s", err);
	if (verbose > 0)
		cli_warn("synthea: %zu patients from %s (left out: %zu "
		    "deceased, %zu born after the start; %" PRIu64
		    " malformed rows skipped)", c->n, o->synthea, c->deceased,
		    c->unborn, c->bad_rows);
}

static void
write_roster(const char *path, const struct cohort *c)
{
	struct writer w;

	if (writer_open(&w, path, false) != 0)
		cli_die(EXIT_FAIL, "%s: %m", path);
	cohort_write_roster(c, &w);
	if (writer_close(&w) != 0)
		exit(EXIT_FAIL);
}

static void
report(const struct sim *run, const struct config *o)
{
	char buf[512];
	size_t n;

	cli_warn("patients=%zu readings=%" PRIu64 " lines=%" PRIu64
	    " episodes=%" PRId64, run->nbed, run->readings, run->lines,
	    run->episodes.last_id);
	if (o->episodes > 0) {
		n = (size_t)snprintf(buf, sizeof buf, "episodes:");
		for (int k = 0; k < NEPISODES; k++)
			n += (size_t)snprintf(buf + n, sizeof buf - n,
			    " %s=%" PRIu64, episode_name(k),
			    run->episodes.count[k]);
		cli_warn("%s", buf);
	}
	if (o->faults > 0) {
		n = (size_t)snprintf(buf, sizeof buf, "faults:");
		for (int k = 1; k < NFAULTS; k++)
			n += (size_t)snprintf(buf + n, sizeof buf - n,
			    " %s=%" PRIu64, fault_name(k),
			    faults_count(run->faults, k));
		cli_warn("%s", buf);
	}
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config o = { .seed = 1, .interval = 5 * USEC_PER_SEC,
	    .duration = 3600 * USEC_PER_SEC, .count = -1 };
	struct cohort c;
	struct sim_config cfg;
	struct sim *run;
	struct writer out;
	struct schema *schema;
	char err[512];
	int ch, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	iso_parse("2026-01-01T00:00:00Z", 20, &o.start);
	while ((ch = getopt_long(argc, argv, "c:d:hi:o:qvV", longopts,
	    NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &o);
	if (optind < argc)
		cli_usage_error(usage_text, "unexpected argument '%s'",
		    argv[optind]);
	if (o.realtime && !o.start_given)
		o.start = now_usec() / 1000 * 1000;

	if ((schema = schema_load("reading", err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "reading schema: %s", err);
	load_cohort(&o, opt.verbose, &c);
	if (o.roster != NULL)
		write_roster(o.roster, &c);

	memset(&cfg, 0, sizeof cfg);
	cfg.seed = o.seed;
	cfg.start = o.start;
	cfg.interval = o.interval;
	cfg.duration = o.duration;
	cfg.count = o.count;
	cfg.episodes = o.episodes;
	cfg.faults = o.faults;
	cfg.truth = o.truth;
	cfg.admissions = o.admissions;
	cfg.charted = o.charted;
	cfg.realtime = o.realtime;
	if (writer_open(&out, opt.output, opt.unbuffered || o.realtime) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.output);
	if ((run = sim_new(&cfg, &c, schema, &out, err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "%s", err);

	sim_run(run);
	if (writer_close(&out) != 0)
		status = EXIT_FAIL;
	if (opt.verbose > 0)
		report(run, &o);

	sim_free(run);
	cohort_free(&c);
	schema_free(schema);
	cli_reraise();
	return status;
}
