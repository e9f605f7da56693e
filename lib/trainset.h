/*
 * trainset: the training set of an Isolation Forest: feature rows sampled
 * from Silver history, with the counts and hash that go into the model's
 * provenance.  iforest-train reads lines and grows the forest; what is
 * learned from which reading is decided here.
 *
 * Every Silver reading goes through a lib/featurize extractor, so that a
 * patient's baseline follows their whole history, and then trains or not:
 *   - a reading labelled with an episode (vitals-gen --truth writes
 *     "truth":{"episode":"sepsis",...}) is not normal history and stays
 *     out.  It still moves the patient's baseline, as it would when the
 *     model scores it;
 *   - a reading with a feature undefined (the warm-up before a patient has
 *     a baseline, a vital missing) teaches nothing about complete ones and
 *     stays out, so the forest only ever sees complete rows;
 *   - a line that is not a Silver reading (not JSON, cut at the reader's
 *     max_line, no patient_id or event_time) is counted as unusable.
 * The rows that do train are a reservoir sample (Vitter's algorithm R) of
 * at most max_rows: every row has the same chance to be kept, and memory
 * is bounded (max_rows * features * 4 bytes, taken at the start) however
 * long the history is.  The reservoir draws from its own stream, derived
 * from the forest's seed, so the same lines and seed give the same rows.
 *
 * Synthea's spot checks (trainset_add_synthea) add the vital signs that
 * Synthea itself recorded, one row per encounter, as a patient at rest;
 * they go through the same reservoir.
 *
 * The provenance hash is the SHA-256 of every non-blank line as the reader
 * gave it (without its line end, cut at max_line when truncated), each
 * followed by "\n": for an NDJSON file with Unix line ends, no blank lines
 * and no over-long line, that is the file's sha256sum.
 */
#ifndef VL_TRAINSET_H
#define VL_TRAINSET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "featurize.h"
#include "iforest.h"
#include "reader.h"

struct trainset;

/* What the training set has seen so far.  Always read = unusable +
 * in_episodes + incomplete + offered - spot_checks. */
struct trainset_counts {
	uint64_t read;		/* non-blank lines */
	uint64_t unusable;	/* not Silver readings */
	uint64_t in_episodes;	/* labelled with an episode */
	uint64_t incomplete;	/* a feature undefined */
	uint64_t offered;	/* rows offered to the reservoir, spot
				 * checks included */
	size_t rows;		/* rows held: min(offered, max_rows) */
	long spot_checks;	/* Synthea encounters added */
};

/*
 * An empty training set of the features fs computed as fc says (both
 * copied), holding at most max_rows (>= 1) rows, sampled with a stream
 * derived from seed (the forest's).  Returns it (free with trainset_free),
 * or NULL with a message in err when the Silver schema cannot be loaded;
 * nothing is left to free then.  Dies on no memory.
 */
struct trainset *trainset_new(const struct feature_set *fs,
    const struct features_config *fc, size_t max_rows, uint64_t seed,
    char *err, size_t errlen);

/* Frees the set and everything in it; NULL is allowed. */
void trainset_free(struct trainset *ts);

/*
 * Takes one line of Silver as the reader gave it: hashes it (unless it is
 * blank, which is skipped and not counted), featurizes it and offers it to
 * the reservoir when it trains (see above).  Nothing of ln is kept.  Never
 * fails: a line it cannot use is counted.
 */
void trainset_add_line(struct trainset *ts, const struct line *ln);

/*
 * Adds Synthea's spot checks from dir's observations.csv, one row per
 * encounter: the vitals Synthea recorded as the patient's level, no
 * deviation from baseline and no trend, and for what it did not record the
 * median of the rows held at the call (0 for each feature if none are held:
 * call it after the history).  quiet silences the per-row warnings about
 * malformed CSV.  Returns the encounters added (also added to
 * counts.spot_checks), or -1 with a message in err when the file cannot be
 * read; nothing has been added then.
 */
long trainset_add_synthea(struct trainset *ts, const char *dir, bool quiet,
    char *err, size_t errlen);

/* The counts, owned by the set and current until its next change. */
const struct trainset_counts *trainset_counts(const struct trainset *ts);

/* The feature names, fs->n of them in row order, for iforest_train; owned
 * by the set and valid until trainset_free. */
const char *const *trainset_names(const struct trainset *ts);

/*
 * The rows held, in reservoir order, as a new row buffer (free it with
 * iforest_rows_free; never NULL, dies on no memory).  A row with a value
 * beyond float32 (possible only from a reading or spot check that large)
 * is refused by iforest_rows_add: *refused gets how many were.
 */
struct iforest_rows *trainset_rows(const struct trainset *ts,
    uint64_t *refused);

/*
 * Adds to prov (a model's provenance object), in this order:
 * training_data_sha256, readings_read, readings_in_episodes,
 * readings_incomplete, synthea_spot_checks, rows_sampled, featurize (fc as
 * features_config_to_json gives it), date (the UTC day of
 * $SOURCE_DATE_EPOCH when set, for reproducible builds, else of now),
 * trainer (the string given) and, when evaluation is not NULL, evaluation:
 * that JSON file's contents.  Keys already there are replaced.  Returns 0,
 * or -1 with "path: reason" in err when the evaluation file cannot be read
 * or parsed; every key but evaluation has been set then.  The set is not
 * changed: lines may still be added and this called again.
 */
int trainset_provenance(const struct trainset *ts, json_t *prov,
    const char *trainer, const char *evaluation, char *err, size_t errlen);

#endif
