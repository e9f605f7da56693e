/*
 * checkpoint: Delta classic (V1) checkpoints, so a long-running stream's
 * table stays fast to open: <version>.checkpoint.parquet holds the state
 * after that version (protocol, metaData, every txn, every live add, and
 * the tombstones: a remove whose deletionTimestamp is within
 * delta.deletedFileRetentionDuration of the time of writing) one action
 * per row, in Delta's checkpoint schema, and _last_checkpoint names it.
 * Reading one back lets a table open without replaying every commit, and
 * open at all once the early commits have been cleaned up; its
 * tombstones let a VACUUM (ours or Spark's) know when a removed file was
 * removed after the commit that says so is gone.
 */
#ifndef VL_CHECKPOINT_H
#define VL_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "delta.h"

/*
 * Writes the checkpoint of t's current version, then _last_checkpoint.
 * Both are written under temporary names and renamed into place, so a
 * reader sees a complete file or none.  Returns 0, or -1 with err; a
 * failed checkpoint leaves the table as it was (and readable).  Once it
 * is written, t forgets the tombstones the checkpoint left out as
 * expired, so that t holds what opening the table from it would: a
 * writer that runs for weeks beside compactions keeps a week of
 * tombstones in memory, not all of them.
 */
int checkpoint_write(struct delta_table *t, char *err, size_t errlen);

/*
 * Loads the newest usable classic checkpoint whose version is at most
 * newest_commit (the newest JSON commit, or the version asked for): its
 * actions, applied with delta_apply(), replace t's state (protocol,
 * metadata, files, tombstones, txns; t->version is the caller's to set).  The caller
 * then replays the JSON commits after it.
 *
 * The newest checkpoint file in the log directory is tried first: it is
 * renamed into place before _last_checkpoint is rewritten, so it may be
 * newer than what _last_checkpoint names.  _last_checkpoint, when it is
 * there, parses and names the same version, adds checks: the number of
 * actions and the file size must be what it says.  A missing, stale or
 * corrupt _last_checkpoint is therefore harmless.  A checkpoint
 * that cannot be used (corrupt, or multi-part or V2, which are not
 * supported) is passed over for an older one, and that is said on
 * stderr (cli_warn).
 *
 * Returns the checkpoint's version; -1 when there is none to use (t is
 * unchanged: replay the JSON log from version 0, with a warning when a
 * checkpoint had to be passed over); or < -1 with a message in err when
 * checkpoints exist, none can be read, and the JSON log does not start
 * at version 0 to replace them, or when the log directory cannot be
 * listed.  t is changed only on success.
 */
int64_t checkpoint_read_latest(struct delta_table *t, int64_t newest_commit,
    char *err, size_t errlen);

#endif
