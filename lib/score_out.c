/*
 * score_out: a scored Silver record written out, its bytes passed
 * through with the two fields spliced in, or printed from its slots
 * (see score_out.h for when and why).
 */
#include "score_out.h"

#include <math.h>
#include <string.h>

#include "jsonw.h"

void
score_out_init(struct score_out *so, const struct schema *silver,
    struct writer *out, const struct feature_set *show)
{
	memset(so, 0, sizeof *so);
	so->out = out;
	so->f_score = schema_need(silver, "anomaly_score");
	so->f_flag = schema_need(silver, "is_anomaly");
	so->f_alert = schema_need(silver, "alert");
	so->f_reason = schema_need(silver, "alert_reason");
	so->show = show;
	writer_open_memory(&so->tmp);
}

void
score_out_free(struct score_out *so)
{
	writer_close(&so->tmp);
}

/* The record from its slots, with the four fields set. */
static void
print_record(struct score_out *so, struct record *r, const struct scored *sc)
{
	rec_set_real(r, so->f_score, sc->score);
	rec_set_bool(r, so->f_flag, sc->anomalous);
	rec_set_bool(r, so->f_alert, sc->alert);
	if (sc->alert)
		rec_set_str(r, so->f_reason, sc->reason, strlen(sc->reason));
	else
		rec_set_null(r, so->f_reason);
	record_print(r, so->out);
}

/*
 * The line with the four fields added before its closing brace, so
 * everything else passes through byte for byte; falls back to printing
 * the record when the fields are already there.  What follows the brace
 * (blanks) is dropped, as the newline ends the record.
 */
static void
splice(struct score_out *so, const char *text, size_t len, struct record *r,
    const struct scored *sc)
{
	struct writer *w = so->out;
	const char *end = text + len;
	char num[32];
	bool empty;

	while (end > text && end[-1] != '}')
		end--;
	if (r->v[so->f_score].kind != JK_ABSENT ||
	    r->v[so->f_flag].kind != JK_ABSENT ||
	    r->v[so->f_alert].kind != JK_ABSENT ||
	    r->v[so->f_reason].kind != JK_ABSENT || end - text < 2) {
		print_record(so, r, sc);
		return;
	}
	/* "{}" has no field to put a comma after. */
	empty = r->nextra == 0;
	for (size_t i = 0; i < r->schema->n && empty; i++)
		empty = r->v[i].kind == JK_ABSENT;
	writer_mem(w, text, (size_t)(end - 1 - text));
	writer_str(w, empty ? "\"anomaly_score\":" : ",\"anomaly_score\":");
	writer_mem(w, num, fmt_double(num, sc->score));
	writer_str(w, sc->anomalous ? ",\"is_anomaly\":true" :
	    ",\"is_anomaly\":false");
	if (sc->alert) {
		writer_str(w, ",\"alert\":true,\"alert_reason\":");
		jw_string(w, sc->reason, strlen(sc->reason));
		writer_str(w, "}\n");
	} else {
		writer_str(w, ",\"alert\":false,\"alert_reason\":null}\n");
	}
}

/* The feature vector as a "features" object in the record, each value
 * rounded to three decimals, a missing one null. */
static void
add_features(struct score_out *so, struct record *r, const double *x)
{
	const struct feature_set *fs = so->show;
	struct writer *tmp = &so->tmp;
	struct jval v = { .kind = JK_RAW };

	tmp->len = 0;
	for (size_t i = 0; i < fs->n; i++) {
		jw_key(tmp, fs->name[i], strlen(fs->name[i]), i == 0);
		if (isnan(x[i]))
			jw_null(tmp);
		else
			jw_double(tmp, round(x[i] * 1000) / 1000);
	}
	writer_char(tmp, '}');
	v.s = record_copy(r, tmp->buf, tmp->len);
	v.len = (uint32_t)tmp->len;
	record_set_extra(r, "features", &v);
}

void
score_out_write(struct score_out *so, const char *text, size_t len,
    struct record *r, const struct scored *sc, const double *x)
{
	struct scored out = *sc;

	/* Six decimals are plenty for a score in [0, 1], and print
	 * without the slow general path. */
	out.score = round(sc->score * 1e6) / 1e6;
	if (so->show != NULL) {
		add_features(so, r, x);
		print_record(so, r, &out);
	} else {
		splice(so, text, len, r, &out);
	}
}
