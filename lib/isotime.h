/*
 * isotime: ISO 8601 timestamps to UTC microseconds and back, and dates.
 * No locale, no time zone database, no mktime: UTC offsets are written in
 * the text or it is UTC.  Valid for years 0001 to 9999.
 */
#ifndef VL_ISOTIME_H
#define VL_ISOTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USEC_PER_SEC	INT64_C(1000000)
#define USEC_PER_DAY	(INT64_C(86400) * USEC_PER_SEC)

/*
 * Parses "YYYY-MM-DDTHH:MM:SS[.f...][Z|+HH:MM|+HHMM|+HH]" (also 't', a space
 * instead of 'T', a lower-case 'z', and a ',' before the fraction).  A
 * missing zone means UTC.  Fraction digits beyond microseconds are
 * truncated; a leap second (:60) is refused.  Returns 0 and the
 * microseconds since 1970-01-01T00:00:00Z, or -1 if the text is not such
 * a timestamp or names a day that does not exist.
 */
int iso_parse(const char *s, size_t len, int64_t *usec);

/* Parses "YYYY-MM-DD"; returns 0 and days since 1970-01-01, or -1. */
int iso_parse_date(const char *s, size_t len, int32_t *days);

/* "2026-01-01T00:00:05.000000Z": 27 bytes, always microseconds, always Z.
 * buf must hold 28 bytes; returns 27 (not counting the NUL). */
size_t iso_format(char *buf, int64_t usec);
/* "2026-01-01T00:00:05.000Z": 24 bytes, milliseconds truncated down, as
 * Delta statistics want them. */
size_t iso_format_ms(char *buf, int64_t usec);
/* "2026-01-01": 10 bytes; buf holds 11. */
size_t iso_format_date(char *buf, int32_t days);

/* Floor division of microseconds into days since the epoch. */
int32_t usec_to_days(int64_t usec);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Wall-clock now, in microseconds since the epoch. */
int64_t now_usec(void);

#endif
