/*
 * score_state: iforest-score --state DIR, the patients' feature state
 * (lib/featurize, with each patient's alert run) carried across a restart
 * or a Kafka rebalance, so that a patient's scores after it are those of
 * a run that never stopped instead of starting again from the population
 * prior.
 *
 * State is kept per Kafka partition, as a consumer group assigns
 * partitions, not patients: DIR/<topic>.<partition>.state holds the
 * patients whose latest reading came from that partition (records without
 * a topic and partition go to DIR/local.state).  A partition's file is
 * read when its first record arrives, so a consumer that takes a partition
 * over from another after a rebalance starts from where the other left
 * it.  At the end each partition's file is replaced (lib/safefile: the
 * old or the new, never part) unless the file already records a higher
 * offset of that partition than this run read, which means another
 * consumer took it over and went further; the stale state is then not
 * written over the newer.  Topic names are written with any byte outside
 * Kafka's [A-Za-z0-9._-] as %XX, so no name can leave DIR.
 *
 *	score_state_open(&ss, dir, silver);
 *	while (... a record rec ...) {
 *		tag = score_state_record(&ss, ex, rec, err, sizeof err);
 *		extractor_update(ex, ...);
 *		extractor_set_tag(ex, tag);
 *	}
 *	score_state_save(&ss, ex, err, errlen);
 *	score_state_free(&ss);
 */
#ifndef VL_SCORE_STATE_H
#define VL_SCORE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "featurize.h"
#include "record.h"
#include "schema.h"
#include "strindex.h"

struct score_state {
	const char *dir;	/* borrowed */
	int f_topic, f_partition, f_offset;	/* Silver's */
	struct strindex keys;	/* a source's file name -> its tag */
	int64_t *hi;		/* per tag: the highest offset read, -1 */
	size_t cap;
	uint64_t restored, saved;	/* patients */
	uint64_t files_read, files_written, files_kept;
	uint64_t files_stale;	/* made for other features */
};

/* Nothing is read until the first record.  silver is the records'
 * schema (topic, partition and offset are looked up in it). */
void score_state_open(struct score_state *ss, const char *dir,
    const struct schema *silver);

/*
 * The tag of a record's source (topic NULL or partition < 0: local),
 * noting its offset (< 0: none).  The first time a source is seen, its
 * file is read into ex, when there is one.  Returns the tag, or
 * UINT32_MAX with why in err when the file is there but cannot be used
 * (unreadable, corrupt or cut short): the caller should stop, rather than
 * silently start the partition's patients again.  A file made for other
 * features (the model was retrained since) is of no use but not damaged:
 * that is said on stderr, and the partition's patients start again.
 */
uint32_t score_state_source(struct score_state *ss, struct extractor *ex,
    const char *topic, size_t tlen, int64_t partition, int64_t offset,
    char *err, size_t errlen);

/* score_state_source with the topic, partition and offset of a scanned
 * record (absent, null or of the wrong type: none). */
uint32_t score_state_record(struct score_state *ss, struct extractor *ex,
    const struct record *r, char *err, size_t errlen);

/* Writes every source's file as above; 0, or -1 with why. */
int score_state_save(struct score_state *ss, const struct extractor *ex,
    char *err, size_t errlen);

void score_state_free(struct score_state *ss);

#endif
