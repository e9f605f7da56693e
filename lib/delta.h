/*
 * delta: a Delta Lake table's transaction log, read and written.
 *
 * Reading replays the log into the table's current state: protocol,
 * metadata (schema, partition columns, configuration), the live files
 * (adds minus removes) and the transaction ids (txn).  It starts from the
 * newest checkpoint that can be read and applies the JSON commits after
 * it; commit versions must be contiguous.
 *
 * Writing appends one commit: the actions are written to a temporary file
 * in _delta_log, fsynced, and published under the next version with
 * link(2) (or renameat2 RENAME_NOREPLACE), which fails if another writer
 * took that version first.  The commit file therefore appears complete or
 * not at all, and never replaces another.  On such a conflict the log is
 * re-read and the commit retried at the next version, unless the new
 * commits change the protocol or metadata, or record a txn that overlaps
 * ours (then the caller must give up: see delta_commit).
 *
 * This writer supports protocol (1, 2) tables: minReaderVersion 1,
 * minWriterVersion up to 2, no column invariants.  Anything newer is
 * refused for writing with a message saying what it has.
 */
#ifndef VL_DELTA_H
#define VL_DELTA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safefile.h"
#include "schema.h"

struct delta_txn {
	char *app_id;
	int64_t version;
};

struct delta_table {
	char *root;		/* table directory, as given */
	int64_t version;	/* newest version; -1 when there is no table */
	int min_reader, min_writer;
	json_t *protocol;	/* the protocol action, or NULL */
	json_t *metadata;	/* the metaData action, or NULL */
	struct schema *schema;	/* parsed metadata schemaString */
	char **partition_cols;
	size_t npartition;
	json_t *files;		/* live files: object path -> add action */
	json_t *tombstones;	/* removed files: object path -> the newest
				 * remove action, until an add brings the
				 * path back (PROTOCOL.md "Action
				 * Reconciliation"); what VACUUM needs once
				 * the commits are cleaned up.  NULL until a
				 * remove is applied.  checkpoint_write
				 * leaves out the expired and drops them. */
	struct delta_txn *txns;
	size_t ntxns, txn_cap;
	int64_t checkpoint;	/* version replay started from, or -1 */
};

/*
 * Reads the table at root.  A directory without _delta_log (or none at
 * all) is a table that does not exist yet: version -1.  Returns the table
 * (free with delta_free), or NULL with a message in err when the log is
 * unreadable or inconsistent (a commit that is not valid JSON, versions
 * that are not contiguous, no protocol or metadata).
 */
struct delta_table *delta_open(const char *root, char *err, size_t errlen);

/*
 * The table as it was at version `at`: the newest usable checkpoint at or
 * below it, then its commits up to `at`, which must all be in the log.
 * With at < 0, delta_open().  For at >= 0 a table that does not exist, or
 * does not reach `at`, is an error.
 */
struct delta_table *delta_open_at(const char *root, int64_t at, char *err,
    size_t errlen);
void delta_free(struct delta_table *t);
/* Frees the replayed state of t (protocol, metadata, schema, partition
 * columns, files, tombstones, txns) but not t, its root or its version: for a state
 * read apart from a table, as the checkpoint reader does. */
void delta_state_free(struct delta_table *t);

/* Applies the commits written after t->version.  0, or -1 with err. */
int delta_update(struct delta_table *t, char *err, size_t errlen);

/* The actions of commit file `version` of the table at root, as a new
 * JSON array in *actions (the caller's to json_decref): 1, 0 when there
 * is no such commit (*actions NULL), -1 error (with err). */
int delta_read_commit(const char *root, int64_t version, json_t **actions,
    char *err, size_t errlen);

/* Applies commit file `version` and makes it t->version: 1 applied, 0 no
 * such commit, -1 error (with err). */
int delta_apply_commit(struct delta_table *t, int64_t version, char *err,
    size_t errlen);

/* Applies one action (commit or checkpoint line) to the state: protocol,
 * metaData, add, remove (a live file becomes a tombstone) and txn change
 * it; others are ignored.  0, or -1
 * with err for a malformed action. */
int delta_apply(struct delta_table *t, json_t *action, char *err,
    size_t errlen);

/* 0 if this writer may append to t; -1 with the reason otherwise. */
int delta_check_writable(const struct delta_table *t, char *err,
    size_t errlen);

/* The newest txn version for an application id, or -1. */
int64_t delta_txn_version(const struct delta_table *t, const char *app_id);

/*
 * Everything a new table's first commit holds besides data: protocol
 * (1, 2) and metaData (a fresh id, the schema as a string, the partition
 * columns, the configuration map of strings).  Returns a new JSON array
 * of two actions; the caller owns it.
 */
json_t *delta_create_actions(const struct schema *s,
    char *const *partition_cols, size_t npartition, json_t *configuration);

enum delta_commit_result {
	DELTA_COMMITTED,	/* *version is the new version */
	DELTA_TXN_OVERLAP,	/* another writer committed some of our
				 * source offsets: nothing was written */
	DELTA_CONFLICT,		/* a file the commit removes is no longer
				 * live (another writer removed it first):
				 * nothing was written, t is the newer
				 * state */
	DELTA_FAILED,		/* I/O error, a changed protocol or schema, or
				 * too many conflicts: err says which */
};

/*
 * Commits the actions (a JSON array; a commitInfo, if any, should be
 * first) as the next version.  Before each attempt the txn actions in
 * the commit are checked against the table: a txn whose appId already
 * has a version at or above `txn_floor[i]` (the lowest source offset this
 * commit holds for the i-th txn action, in order) means the records were
 * committed by someone else.  Likewise every remove action's path must
 * still be a live file of t: a compaction that rewrote a file another
 * writer removed meanwhile would bring its rows back (DELTA_CONFLICT).
 * Applies the commit to t on success.
 */
enum delta_commit_result delta_commit(struct delta_table *t, json_t *actions,
    const int64_t *txn_floor, int64_t *version, char *err, size_t errlen);


/* Milliseconds since the epoch, for modificationTime and commit times. */
int64_t delta_now_ms(void);

#endif
