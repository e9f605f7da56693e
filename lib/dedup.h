/*
 * dedup: remembers recently seen readings in bounded memory, to drop the
 * repeats that at-least-once delivery (a device resending, a producer
 * retrying) puts into a stream.
 *
 * A reading is identified by a 64-bit key (a hash of patient, device and
 * event time) and carries a 64-bit fingerprint of its values, so a repeat
 * with the same values is told apart from a conflicting one.  Memory is
 * fixed at creation: at most `capacity` keys, forgotten oldest first, and
 * keys whose event time is more than `window` older than the newest seen
 * are forgotten too.  A repeat arriving after its first copy was forgotten
 * is not detected; that is the price of bounded memory.
 * A 64-bit key collision between different readings (odds about n^2/2^65)
 * would drop one of them as a duplicate.
 */
#ifndef VL_DEDUP_H
#define VL_DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct dedup;

enum dedup_result { DEDUP_NEW, DEDUP_REPEAT, DEDUP_CONFLICT };

/* capacity >= 1; window in microseconds.  Never NULL (dies on OOM). */
struct dedup *dedup_new(size_t capacity, int64_t window_us);
void dedup_free(struct dedup *d);

/* Looks up key; if new, remembers it with its fingerprint and time. */
enum dedup_result dedup_check(struct dedup *d, uint64_t key,
    uint64_t fingerprint, int64_t time_us);

/* Keys held now. */
size_t dedup_size(const struct dedup *d);

#endif
