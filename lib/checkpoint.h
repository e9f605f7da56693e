/*
 * checkpoint: Delta classic (V1) checkpoints, so a long-running stream's
 * table stays fast to open: <version>.checkpoint.parquet holds the state
 * after that version (protocol, metaData, every txn, every live add) one
 * action per row, in Delta's checkpoint schema, and _last_checkpoint
 * names it.
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
 * failed checkpoint leaves the table as it was (and readable).
 */
int checkpoint_write(const struct delta_table *t, char *err, size_t errlen);

#endif
