/*
 * score_out: how a scored Silver record is written, iforest-score's
 * output.  Each record gets four fields: anomaly_score (the score, printed
 * with at most six decimals), is_anomaly (the forest's flag, which the
 * caller decides on the unrounded score), alert (the combined detector
 * of lib/alert) and alert_reason (why, or null when alert is false).
 *
 * The record goes out as it came in, byte for byte, with the two fields
 * spliced in before its closing brace: whatever wrote the line (its key
 * order, its number spellings, fields no schema knows) reaches the next
 * tool untouched, and passing bytes through is cheaper than printing the
 * record again.  A record that already has any of them (scored before)
 * is printed from its slots instead, with the four replaced, so that no
 * key appears twice.  With a feature set to show, every record is printed
 * from its slots, with a "features" object of the feature vector added,
 * for looking into why a reading scored as it did.
 *
 *	score_out_init(&so, silver, &out, show ? &fs : NULL);
 *	while (... a line ln scanned into rec ...)
 *		score_out_write(&so, ln.text, ln.len, rec, &sc, x);
 *	score_out_free(&so);
 */
#ifndef VL_SCORE_OUT_H
#define VL_SCORE_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "featurize.h"
#include "writer.h"
#include "record.h"
#include "schema.h"

struct score_out {
	struct writer *out;		/* borrowed */
	int f_score, f_flag;		/* anomaly_score, is_anomaly */
	int f_alert, f_reason;		/* alert, alert_reason */
	const struct feature_set *show;	/* borrowed, or NULL */
	struct writer tmp;		/* where "features" is built */
};

/* What iforest-score decided about one reading. */
struct scored {
	double score;		/* anomaly_score, in [0, 1] */
	bool anomalous;		/* is_anomaly */
	bool alert;
	const char *reason;	/* NUL-terminated; read only when alert */
};

/*
 * Prepares to write records of the schema silver (which must have the
 * four fields: it dies otherwise, see schema_need) to
 * out.  show, when not NULL, names the features to show; out, silver and
 * show are borrowed and must outlive so.
 */
void score_out_init(struct score_out *so, const struct schema *silver,
    struct writer *out, const struct feature_set *show);

/*
 * Writes one record and its newline.  r holds text[0..len) as
 * record_scan read it (one JSON object, so its last '}' closes it);
 * sc is borrowed for the call, and x holds the show->n features (NaN: missing)
 * when features are shown, else it is not read and may be NULL.  r's
 * slots may be changed (the four fields, "features"); the text is not.
 * Write errors are the writer's.
 */
void score_out_write(struct score_out *so, const char *text, size_t len,
    struct record *r, const struct scored *sc, const double *x);

/* Frees what so holds; out is left open. */
void score_out_free(struct score_out *so);

#endif
