/*
 * synthea: reading a Synthea CSV export (patients.csv, conditions.csv,
 * observations.csv) into what vitals-gen needs to simulate those patients.
 *
 * Synthea's CSV exporter never quotes (it replaces commas and line breaks
 * in text with spaces), but its column layout changes between versions, so
 * every column is found by its header name.  The reader still accepts
 * RFC 4180 quoted fields on one line, a UTF-8 byte order mark and CRLF, so
 * that a file touched by a spreadsheet loads too.  A line it cannot use (a
 * wrong number of fields, an unterminated quote, a NUL byte, a bad date) is
 * reported as "file:line: reason" on stderr and skipped; a missing file or
 * a missing required column refuses the whole export with a message.
 *
 * Conditions are kept as SNOMED CT codes, never descriptions: descriptions
 * change between Synthea releases ("Hypertension" became "Essential
 * hypertension (disorder)"), codes do not.  What the codes mean is the
 * cohort module's business.
 */
#ifndef VL_SYNTHEA_H
#define VL_SYNTHEA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strindex.h"

/* One CSV file being read row by row. */
struct csv {
	FILE *fp;
	const char *path;	/* for messages; not owned */
	uint64_t lineno;	/* of the current row, 1-based */
	char *line;		/* the current row, split in place */
	size_t linecap;
	char **name;		/* header names (owned) */
	size_t ncol;
	char **field;		/* the current row's fields, into line */
	uint64_t bad;		/* malformed rows skipped so far */
	bool quiet;		/* no per-row warnings */
};

/*
 * Opens path and reads its header.  Returns 0, or -1 with a message in
 * err (nothing to close then).  quiet suppresses the per-row warnings of
 * csv_next; the count in c->bad is kept either way.
 */
int csv_open(struct csv *c, const char *path, bool quiet, char *err,
    size_t errlen);

/* Closes the file and frees everything; safe on a zeroed struct. */
void csv_close(struct csv *c);

/* Index of the column with that header name, or -1. */
int csv_col(const struct csv *c, const char *name);

/*
 * Reads the next usable row into c->field[0..ncol).  Returns 1, or 0 at
 * the end of the file.  Malformed rows are counted, reported (the first
 * few, unless quiet) and skipped.  A read error is reported and ends the
 * file like EOF; it sets c->bad too, so the caller can tell.
 */
int csv_next(struct csv *c);

/* The current row's value in column col, or "" when col is -1. */
const char *csv_get(const struct csv *c, int col);

/* Reports a problem with the current row ("path:line: message") unless
 * quiet, and counts it in c->bad. */
void csv_bad_row(struct csv *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The latest few values of one observation code for one patient. */
#define SYNTHEA_KEEP 3
struct synthea_obs {
	int n;				/* values kept, 0..SYNTHEA_KEEP */
	int64_t t[SYNTHEA_KEEP];	/* newest first, UTC microseconds */
	double v[SYNTHEA_KEEP];
};

enum synthea_vital {
	SV_SYSTOLIC,		/* LOINC 8480-6 */
	SV_DIASTOLIC,		/* LOINC 8462-4 */
	SV_WEIGHT,		/* LOINC 29463-7, kg */
	SV_HEIGHT,		/* LOINC 8302-2, cm */
	SV_BMI,			/* LOINC 39156-5, kg/m2 */
	SV_COUNT
};

struct synthea_patient {
	const char *id;	/* the Synthea Id, valid UTF-8 (s->ids owns it) */
	int32_t birth;		/* days since 1970-01-01 */
	int32_t death;		/* days, or INT32_MIN when not deceased */
	char sex;		/* 'M', 'F', or '?' when GENDER is neither */
	uint64_t *codes;	/* SNOMED codes of conditions active on the
				 * reference day, each once (owned) */
	size_t ncodes, capcodes;
	struct synthea_obs obs[SV_COUNT];	/* at or before the
						 * reference time */
};

struct synthea {
	struct synthea_patient *p;	/* in patients.csv order */
	size_t n, cap;
	uint64_t bad_rows;	/* malformed rows skipped, all files */
	uint64_t orphan_rows;	/* rows naming a patient not in
				 * patients.csv (ignored) */
	struct strindex ids;		/* Id -> its index in p */
};

/*
 * Loads dir/patients.csv, dir/conditions.csv and dir/observations.csv.
 * ref_usec is the moment the cohort is taken at: a condition is active if
 * it started on or before that day and has no STOP or stops after it;
 * observations after it are ignored.  Returns 0 with *s filled (free it
 * with synthea_free), or -1 with a message in err and *s empty.  Every
 * patient is returned, deceased ones included; the caller decides.
 */
int synthea_load(struct synthea *s, const char *dir, int64_t ref_usec,
    bool quiet, char *err, size_t errlen);

void synthea_free(struct synthea *s);

/* Mean of the newest up to SYNTHEA_KEEP values, or NAN if none. */
double synthea_obs_mean(const struct synthea_obs *o);

/* True if the patient has that SNOMED code active. */
bool synthea_has_code(const struct synthea_patient *p, uint64_t code);

/*
 * The vital signs Synthea recorded at each encounter of dir's
 * observations.csv, one call of fn per encounter that has at least a
 * heart rate, respiratory rate and blood pressure.  vitals[] holds heart
 * rate, respiratory rate, SpO2, temperature, systolic and diastolic, NAN
 * for what was not recorded (Synthea rarely records SpO2 or temperature
 * at a check-up).  Rows are grouped by patient and date, as the exporter
 * writes them.  Returns the number of encounters given to fn, or -1 with
 * a message in err when the file cannot be read.
 */
long synthea_vital_encounters(const char *dir, bool quiet,
    void (*fn)(void *arg, const double *vitals), void *arg, char *err,
    size_t errlen);

#endif
