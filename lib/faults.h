/*
 * faults: the device end of the wire.  Each reading becomes the JSON line
 * a bedside monitor sends, with the fields of schemas/reading.json in the
 * schema's order; at a given rate it becomes what a faulty monitor, gateway
 * or network sends instead:
 *
 *   malformed      a truncated line, trailing garbage, or a quote gone
 *                  wrong: never valid JSON
 *   missing_field  one field left out
 *   wrong_type     "heart_rate":"88", "spo2":"n/a", a number where the
 *                  blood pressure string belongs, epoch milliseconds for
 *                  the timestamp
 *   fahrenheit     the temperature in degrees Fahrenheit
 *   duplicate      the same line twice, byte for byte
 *   out_of_order   held back one to three reading intervals, so it comes
 *                  after readings taken later
 *   late           held back one to ten minutes
 *   dropout        a lead off: heart_rate 0, spo2 0, or spo2 null
 *   impossible     a heart rate of 350-449, a temperature of 46-60 C,
 *                  SpO2 over 100, a respiration rate of 90-149, or a
 *                  systolic below the diastolic
 *
 * Every faulty reading gets one kind, drawn uniformly.  With truth on, a
 * "truth" field labels each line: null, or {"episode","episode_id",
 * "fault"} with all three keys (a truncated line may of course lose it).
 */
#ifndef VL_FAULTS_H
#define VL_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "writer.h"
#include "physiology.h"
#include "rng.h"
#include "schema.h"

enum fault_kind {
	FAULT_NONE, FAULT_MALFORMED, FAULT_MISSING_FIELD, FAULT_WRONG_TYPE,
	FAULT_FAHRENHEIT, FAULT_DUPLICATE, FAULT_OUT_OF_ORDER, FAULT_LATE,
	FAULT_DROPOUT, FAULT_IMPOSSIBLE, NFAULTS
};

struct faults;

/* "malformed", "missing_field", ...; "none" for FAULT_NONE. */
const char *fault_name(enum fault_kind k);

/*
 * Prepares to write readings to w (which must outlive it) with the fields
 * of schema s (which must outlive it too), in its order.  rate is the
 * share of readings made faulty (0 to 1); truth adds the truth field;
 * interval is the reading interval, which sizes the out-of-order hold.
 * Returns NULL with a message in err when the schema has a non-nullable
 * field this module cannot fill.
 */
struct faults *faults_new(const struct schema *s, struct writer *w,
    double rate, bool truth, int64_t interval, char *err, size_t errlen);

void faults_free(struct faults *f);

/*
 * Prepares the constant leading fields of the readings of patients
 * p[0..n) (which must outlive f), so their lines start with one copy.
 * Optional: readings of other patients are written field by field.
 */
void faults_add_patients(struct faults *f, const struct patient *p,
    size_t n);

/*
 * Writes the held-back readings due by r->t, then r (or a faulty version
 * of it, or nothing yet if it is held back), drawing the fault decision
 * from rng, the reading's patient's own stream.  Writes at most budget
 * lines and returns how many it wrote.  Write errors are the writer's.
 */
uint64_t faults_emit(struct faults *f, const struct reading *r,
    struct rng *rng, uint64_t budget);

/* Writes the readings still held back, in the order they fall due, at
 * most budget lines; returns how many it wrote. */
uint64_t faults_drain(struct faults *f, uint64_t budget);

/* Faulty readings written so far, by kind (a duplicate counts once). */
uint64_t faults_count(const struct faults *f, enum fault_kind k);

#endif
