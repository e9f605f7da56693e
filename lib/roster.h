/*
 * roster: the patient roster vitals-gen --roster writes, read back for
 * enrichment: one JSON object per line with patient_id, and optionally
 * ward, age, sex and conditions (an array of short names, or a string).
 * Small and read once, so jansson reads it.
 */
#ifndef VL_ROSTER_H
#define VL_ROSTER_H

#include <stddef.h>

struct roster_entry {
	char *patient_id;
	char *ward;		/* NULL when unknown */
	int age;		/* VITAL_NONE when unknown */
	char *sex;		/* NULL when unknown */
	char *conditions;	/* comma-joined, NULL when none listed */
};

struct roster;

/*
 * Loads a roster file.  Returns NULL with a message ("FILE:LINE: ...") in
 * err when the file cannot be read or a line is not a roster entry: a
 * roster is configuration, so a bad one stops the tool rather than
 * enriching some records and not others.  A patient listed twice is an
 * error too.
 */
struct roster *roster_load(const char *path, char *err, size_t errlen);
void roster_free(struct roster *r);

/* The entry for a patient, or NULL.  Owned by the roster. */
const struct roster_entry *roster_find(const struct roster *r,
    const char *id, size_t len);
size_t roster_size(const struct roster *r);

#endif
