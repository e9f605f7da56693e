/*
 * iforest-score: adds anomaly_score and is_anomaly to Silver records,
 * with an Isolation Forest model and per-patient features (lib/featurize,
 * lib/iforest).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "embedded.h"
#include "featurize.h"
#include "iforest.h"
#include "jsonw.h"
#include "ndjson.h"
#include "record.h"
#include "rejects.h"
#include "schema.h"

static const char usage_text[] =
    "usage: iforest-score [-hqvV] [-o file] [--max-line size] [--model file]\n"
    "                     [--rejects file] [--show-features] [--stats]\n"
    "                     [--threshold s] [--unbuffered] [file ...]\n";

enum { OPT_MODEL = OPT_TOOL_BASE, OPT_SHOW_FEATURES, OPT_THRESHOLD };

static const struct option longopts[] = {
	CLI_LONGOPT_HELP, CLI_LONGOPT_VERSION, CLI_LONGOPT_QUIET,
	CLI_LONGOPT_VERBOSE, CLI_LONGOPT_OUTPUT, CLI_LONGOPT_UNBUFFERED,
	CLI_LONGOPT_REJECTS, CLI_LONGOPT_STATS, CLI_LONGOPT_MAX_LINE,
	{ "model", required_argument, 0, OPT_MODEL },
	{ "show-features", no_argument, 0, OPT_SHOW_FEATURES },
	{ "threshold", required_argument, 0, OPT_THRESHOLD },
	{ 0, 0, 0, 0 }
};

static struct iforest *
load_model(const char *path)
{
	char err[512];
	struct iforest *m;
	size_t len;
	const char *text;

	if (path != NULL) {
		m = iforest_load(path, err, sizeof err);
	} else {
		text = embedded_get("models/anomaly_model.json", &len);
		if (text == NULL)
			cli_die(EXIT_FAIL, "no model built in; give --model");
		m = iforest_parse(text, len, err, sizeof err);
	}
	if (m == NULL)
		cli_die(EXIT_FAIL, "model %s: %s", path ? path : "(built in)",
		    err);
	return m;
}

/*
 * Writes the line with the two fields added before its closing brace, so
 * everything else passes through byte for byte; falls back to printing
 * the record when the fields are already there.
 */
static void
emit(struct writer *w, const struct line *ln, struct record *r, int f_score,
    int f_flag, double score, bool anomalous)
{
	const char *end = ln->text + ln->len;
	char num[32];

	while (end > ln->text && end[-1] != '}')
		end--;
	if (r->v[f_score].kind != JK_ABSENT || r->v[f_flag].kind != JK_ABSENT ||
	    end - ln->text < 2) {
		rec_set_real(r, f_score, score);
		rec_set_bool(r, f_flag, anomalous);
		record_print(r, w);
		return;
	}
	/* "{}" has no field to put a comma after. */
	bool empty = r->nextra == 0;
	for (size_t i = 0; i < r->schema->n && empty; i++)
		empty = r->v[i].kind == JK_ABSENT;
	wr_mem(w, ln->text, (size_t)(end - 1 - ln->text));
	wr_str(w, empty ? "\"anomaly_score\":" : ",\"anomaly_score\":");
	wr_mem(w, num, fmt_double(num, score));
	wr_str(w, anomalous ? ",\"is_anomaly\":true}\n" :
	    ",\"is_anomaly\":false}\n");
}

/* --show-features: the feature vector as a "features" object in the
 * record, for looking into why a reading scored as it did. */
static void
show_features(struct writer *tmp, struct record *r,
    const struct feature_set *fs, const double *x)
{
	struct jval v = { .kind = JK_RAW };

	tmp->len = 0;
	for (size_t i = 0; i < fs->n; i++) {
		jw_key(tmp, fs->name[i], strlen(fs->name[i]), i == 0);
		if (isnan(x[i]))
			jw_null(tmp);
		else
			jw_double(tmp, round(x[i] * 1000) / 1000);
	}
	wr_char(tmp, '}');
	v.s = record_copy(r, tmp->buf, tmp->len);
	v.len = (uint32_t)tmp->len;
	record_set_extra(r, "features", &v);
}

int
main(int argc, char **argv)
{
	struct cli_common opt;
	const char *model_path = NULL;
	bool show = false;
	double threshold = NAN;
	struct iforest *m;
	struct feature_set fs;
	struct features_config fc;
	struct extractor *ex;
	struct silver_fields sf;
	struct schema *silver;
	struct record *rec;
	struct reader *in;
	struct writer out, tmp;
	struct rejects rj;
	struct counts n = { 0 };
	struct line ln;
	char err[512];
	double vitals[NVITALS], x[FEATURES_MAX];
	int ch, f_score, f_flag, status = EXIT_OK;
	uint64_t anomalies = 0;

	cli_init(argc, argv);
	cli_common_init(&opt);
	while ((ch = getopt_long(argc, argv, "hqo:vV", longopts, NULL)) != -1) {
		if (cli_common(&opt, ch, optarg, usage_text))
			continue;
		if (ch == OPT_MODEL)
			model_path = optarg;
		else if (ch == OPT_SHOW_FEATURES)
			show = true;
		else if (ch == OPT_THRESHOLD &&
		    cli_parse_double(optarg, 0, 1, &threshold) != 0)
			cli_usage_error(usage_text, "--threshold %s: expected a "
			    "score between 0 and 1", optarg);
	}

	m = load_model(model_path);
	if (!isnan(threshold))
		m->threshold = threshold;
	if (feature_set_from_names(m->names, m->n_features, &fs, err,
	    sizeof err) != 0)
		cli_die(EXIT_FAIL, "model: %s", err);
	features_config_init(&fc);
	if (features_config_from_json(json_object_get(m->provenance,
	    "featurize"), &fc, err, sizeof err) != 0)
		cli_die(EXIT_FAIL, "model: featurize: %s", err);
	ex = extractor_new(&fc, &fs);
	if ((silver = schema_load("silver", err, sizeof err)) == NULL)
		cli_die(EXIT_FAIL, "%s", err);
	silver_fields_init(&sf, silver);
	f_score = schema_need(silver, "anomaly_score");
	f_flag = schema_need(silver, "is_anomaly");
	rec = record_new(silver);
	if (writer_open(&out, opt.output, opt.unbuffered) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.output);
	if (rejects_open(&rj, opt.rejects) != 0)
		cli_die(EXIT_FAIL, "%s: %m", opt.rejects);
	in = reader_open(argv + optind, argc - optind, opt.max_line);
	reader_on_block(in, writer_flush_hook, &out);
	writer_open_memory(&tmp);

	while (!cli_stop && reader_next(in, &ln) == 1) {
		const char *pid;
		size_t plen;
		int64_t t;

		if (!counts_take(&n, &rj, &ln))
			continue;
		if (record_scan(rec, ln.text, ln.len, err) != 0) {
			rejects_add(&rj, &ln, "bad_json", err, NULL);
			n.rejected++;
			continue;
		}
		if (silver_fields_get(&sf, rec, &pid, &plen, &t, vitals) != 0) {
			rejects_add(&rj, &ln, "missing_field", "a Silver record "
			    "needs patient_id and event_time", NULL);
			n.rejected++;
			continue;
		}
		extractor_update(ex, pid, plen, t, vitals, x);
		double s = iforest_score(m, x);
		bool a = iforest_is_anomaly(m, s);
		anomalies += a;
		/* Six decimals are plenty for a score in [0, 1], and print
		 * without the slow general path. */
		s = round(s * 1e6) / 1e6;
		if (show) {
			show_features(&tmp, rec, &fs, x);
			rec_set_real(rec, f_score, s);
			rec_set_bool(rec, f_flag, a);
			record_print(rec, &out);
		} else {
			emit(&out, &ln, rec, f_score, f_flag, s, a);
		}
		n.out++;
		if (writer_end_record(&out) != 0)
			break;
	}

	if (writer_close(&out) != 0 || rejects_close(&rj) != 0 ||
	    reader_failed(in))
		status = EXIT_FAIL;
	counts_report(&n, &rj, opt.verbose, opt.stats);
	if (opt.verbose > 0)
		cli_warn("%llu anomalous readings; %zu patients held",
		    (unsigned long long)anomalies, extractor_patients(ex));
	rejects_free(&rj);
	reader_close(in);
	writer_close(&tmp);
	record_free(rec);
	schema_free(silver);
	extractor_free(ex);
	iforest_free(m);
	cli_reraise();
	return status;
}
