/*
 * delta-optimize: compacts a Delta table's small files into files near a
 * target size, within each partition, optionally ordering their rows,
 * and commits the rewrite as one OPTIMIZE version that changes no data.
 * The logic is lib/delta_optimize.c.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "delta_optimize.h"
#include "writer.h"
#include "xalloc.h"

static const char usage_text[] =
    "usage: delta-optimize [-hnqvV] [--checkpoint | --no-checkpoint]\n"
    "                      [--order-by columns] [--target-size size] table\n";

enum {
	OPT_TARGET = OPT_TOOL_BASE, OPT_ORDER_BY, OPT_CHECKPOINT,
	OPT_NO_CHECKPOINT
};

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE,
	{ "checkpoint", no_argument, 0, OPT_CHECKPOINT },
	{ "dry-run", no_argument, 0, 'n' },
	{ "no-checkpoint", no_argument, 0, OPT_NO_CHECKPOINT },
	{ "order-by", required_argument, 0, OPT_ORDER_BY },
	{ "target-size", required_argument, 0, OPT_TARGET },
	{ 0, 0, 0, 0 }
};

struct config {
	struct optimize_options oo;
	char **order;
	size_t norder;
};

/* Splits "a,b" into columns; an empty name is a usage error. */
static void
split_columns(const char *list, struct config *c)
{
	char *copy = xstrdup(list), *p = copy, *comma;

	c->order = xcalloc(strlen(list) + 2, sizeof *c->order);
	c->norder = 0;
	for (;;) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		if (*p == '\0')
			cli_usage_error(usage_text, "--order-by %s: an empty "
			    "column name", list);
		c->order[c->norder++] = xstrdup(p);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	free(copy);
}

static void
parse_tool_option(int ch, const char *arg, struct config *c)
{
	switch (ch) {
	case 'n':
		c->oo.dry_run = true;
		break;
	case OPT_CHECKPOINT:
		c->oo.checkpoint = OPTIMIZE_CKPT_ALWAYS;
		break;
	case OPT_NO_CHECKPOINT:
		c->oo.checkpoint = OPTIMIZE_CKPT_INTERVAL;
		break;
	case OPT_TARGET:
		if (cli_parse_size(arg, &c->oo.target_size) != 0 ||
		    c->oo.target_size == 0)
			cli_usage_error(usage_text, "--target-size %s: expected "
			    "a size such as 128M or 1G", arg);
		break;
	case OPT_ORDER_BY:
		for (size_t i = 0; i < c->norder; i++)
			free(c->order[i]);
		free(c->order);
		split_columns(arg, c);
		break;
	default:
		cli_usage_error(usage_text, "unexpected option");
	}
}

/* A dry run's plan on stdout, one bin a line. */
static void
print_bin(json_t *bin, void *arg)
{
	struct writer *out = arg;
	char *text = json_dumps(bin, JSON_COMPACT);

	writer_str(out, text);
	writer_char(out, '\n');
	free(text);
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	struct config cfg = { 0 };
	struct optimize_totals tot;
	struct writer out;
	char err[2048];
	int ch, status = EXIT_OK;

	cli_init(argc, argv);
	cli_common_init(&opt);
	optimize_options_init(&cfg.oo);
	while ((ch = getopt_long(argc, argv, "hnqvV", longopts, NULL)) != -1)
		if (!cli_common(&opt, ch, optarg, usage_text))
			parse_tool_option(ch, optarg, &cfg);
	if (optind != argc - 1)
		cli_usage_error(usage_text, optind >= argc ? "no table given" :
		    "one table only");
	cfg.oo.order_by = cfg.order;
	cfg.oo.norder = cfg.norder;
	cfg.oo.verbose = opt.verbose;
	/* --where (partition values) will set cfg.oo.partition_filter and
	 * cfg.oo.predicate here. */
	writer_open(&out, NULL, false);
	if (cfg.oo.dry_run) {
		cfg.oo.each_bin = print_bin;
		cfg.oo.bin_arg = &out;
	}
	if (optimize_run(argv[optind], &cfg.oo, &tot, err, sizeof err) != 0) {
		cli_warn("%s", err);
		status = EXIT_FAIL;
	}
	if (writer_close(&out) != 0)
		status = EXIT_FAIL;
	/* The summary every tool prints: rows in and out, then files. */
	if (opt.verbose >= 0) {
		char ver[64] = "";
		if (tot.version >= 0)
			snprintf(ver, sizeof ver, " version=%lld",
			    (long long)tot.version);
		cli_warn("in=%llu out=%llu rejected=0 duplicates=0%s "
		    "files_read=%llu files_skipped=%llu files_written=%llu "
		    "files_removed=%llu bytes_read=%llu bytes_written=%llu "
		    "partitions=%llu attempts=%d%s",
		    (unsigned long long)tot.rows_read,
		    (unsigned long long)tot.rows_written, ver,
		    (unsigned long long)tot.files_read,
		    (unsigned long long)tot.files_skipped,
		    (unsigned long long)tot.files_written,
		    (unsigned long long)tot.files_removed,
		    (unsigned long long)tot.bytes_read,
		    (unsigned long long)tot.bytes_written,
		    (unsigned long long)tot.partitions, tot.attempts,
		    cfg.oo.dry_run ? " (dry run: nothing written)" :
		    status == EXIT_OK && tot.version < 0 ?
		    " (nothing to compact)" : "");
	}
	for (size_t i = 0; i < cfg.norder; i++)
		free(cfg.order[i]);
	free(cfg.order);
	cli_reraise();
	return status;
}
