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
#include "ndjson.h"
#include "schema.h"
#include "simulate.h"

static const char usage_text[] =
    "usage: vitals-gen [-hqvV] [-d duration] [-i seconds] [-n count] "
    "[-o file]\n"
    "                  [-p patients] [--episodes rate] [--faults rate] "
    "[--realtime]\n"
    "                  [--roster file] [--seed n] [--start time] "
    "[--synthea dir]\n"
    "                  [--truth] [--unbuffered]\n";

enum {
	OPT_SYNTHEA = OPT_TOOL_BASE, OPT_START, OPT_REALTIME, OPT_EPISODES,
	OPT_FAULTS, OPT_TRUTH, OPT_ROSTER
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_UNBUFFERED,
	{ "seed", required_argument, 0, OPT_SEED },
	{ "patients", required_argument, 0, 'p' },
	{ "synthea", required_argument, 0, OPT_SYNTHEA },
	{ "interval", required_argument, 0, 'i' },
	{ "start", required_argument, 0, OPT_START },
	{ "duration", required_argument, 0, 'd' },
	{ "count", required_argument, 0, 'n' },
	{ "realtime", no_argument, 0, OPT_REALTIME },
	{ "episodes", required_argument, 0, OPT_EPISODES },
	{ "faults", required_argument, 0, OPT_FAULTS },
	{ "truth", no_argument, 0, OPT_TRUTH },
	{ "roster", required_argument, 0, OPT_ROSTER },
	{ 0, 0, 0, 0 }
};

struct opts {
	struct cli_common c;
	uint64_t seed;
	long long patients;	/* 0: not given */
	const char *synthea;
	const char *roster;
	int64_t interval, start, duration;
	bool start_given;
	long long count;	/* -1: not given */
	bool realtime, truth;
	double episodes, faults;
};

static void
usage_error(const char *fmt, const char *arg)
{
	cli_usage_error(usage_text, fmt, arg);
}

static void
parse_options(int argc, char **argv, struct opts *o)
{
	long long v;
	int c;

	memset(o, 0, sizeof *o);
	cli_common_init(&o->c);
	o->seed = 1;
	o->interval = 5 * USEC_PER_SEC;
	o->duration = 3600 * USEC_PER_SEC;
	o->count = -1;
	iso_parse("2026-01-01T00:00:00Z", 20, &o->start);
	while ((c = getopt_long(argc, argv, "hqVvo:p:i:d:n:", longopts,
	    NULL)) != -1) {
		if (cli_common(&o->c, c, optarg, usage_text))
			continue;
		switch (c) {
		case OPT_SEED:
			if (cli_parse_int(optarg, 0, INT64_MAX, &v) != 0)
				usage_error("--seed %s: expected a whole number "
				    ">= 0", optarg);
			o->seed = (uint64_t)v;
			break;
		case 'p':
			if (cli_parse_int(optarg, 1, 1000000, &o->patients) != 0)
				usage_error("--patients %s: expected 1 to "
				    "1000000", optarg);
			break;
		case OPT_SYNTHEA:
			o->synthea = optarg;
			break;
		case 'i':
			if (cli_parse_duration(optarg, &o->interval) != 0 ||
			    o->interval < 1000 || o->interval > USEC_PER_DAY)
				usage_error("--interval %s: expected 0.001 to "
				    "86400 seconds", optarg);
			/* Timestamps carry milliseconds. */
			o->interval -= o->interval % 1000;
			break;
		case OPT_START:
			if (iso_parse(optarg, strlen(optarg), &o->start) != 0)
				usage_error("--start %s: expected an ISO 8601 "
				    "time, e.g. 2026-01-01T00:00:00Z", optarg);
			o->start_given = true;
			break;
		case 'd':
			if (cli_parse_duration(optarg, &o->duration) != 0)
				usage_error("--duration %s: expected e.g. 90s, "
				    "30m, 1h, 2d", optarg);
			break;
		case 'n':
			if (cli_parse_int(optarg, 0, INT64_MAX, &o->count) != 0)
				usage_error("--count %s: expected a whole number "
				    ">= 0", optarg);
			break;
		case OPT_REALTIME:
			o->realtime = true;
			break;
		case OPT_EPISODES:
			if (cli_parse_double(optarg, 0, 1000, &o->episodes) != 0)
				usage_error("--episodes %s: expected episodes "
				    "per patient-day, 0 to 1000", optarg);
			break;
		case OPT_FAULTS:
			if (cli_parse_double(optarg, 0, 1, &o->faults) != 0)
				usage_error("--faults %s: expected a share of "
				    "readings, 0 to 1", optarg);
			break;
		case OPT_TRUTH:
			o->truth = true;
			break;
		case OPT_ROSTER:
			o->roster = optarg;
			break;
		default:
			usage_error("%s", "unknown option");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->realtime && !o->start_given)
		o->start = now_usec() / 1000 * 1000;
}

static void
load_cohort(const struct opts *o, struct cohort *c)
{
	char err[512];

	if (o->synthea == NULL) {
		cohort_builtin(c, o->patients > 0 ? (size_t)o->patients : 20,
		    o->seed);
		return;
	}
	if (cohort_synthea(c, o->synthea, o->start, (size_t)o->patients,
	    o->seed, o->c.verbose < 0, err, sizeof err) != 0)
		cli_die(EXIT_FAIL, "%s", err);
	if (o->c.verbose > 0)
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
report(const struct sim *run, const struct opts *o)
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
	struct opts o;
	struct cohort c;
	struct sim_config cfg;
	struct sim *run;
	struct writer out;
	struct schema *schema;
	char err[512];
	int status = EXIT_OK;

	cli_init(argc, argv);
	parse_options(argc, argv, &o);
	if ((schema = schema_load("reading", err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "reading schema: %s", err);
	load_cohort(&o, &c);
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
	cfg.realtime = o.realtime;
	if (writer_open(&out, o.c.output, o.c.unbuffered || o.realtime) != 0)
		cli_die(EXIT_FAIL, "%s: %m", o.c.output);
	if ((run = sim_new(&cfg, &c, schema, &out, err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "%s", err);

	sim_run(run);
	if (writer_close(&out) != 0)
		status = EXIT_FAIL;
	if (o.c.verbose > 0)
		report(run, &o);

	sim_free(run);
	cohort_free(&c);
	schema_free(schema);
	cli_reraise();
	return status;
}
