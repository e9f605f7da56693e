/*
 * libFuzzer target: ISO 8601 parsing (lib/isotime.h) on arbitrary bytes.
 *
 * The oracle is a second reader written here from the grammar the header
 * states, with glibc's timegm() doing the calendar arithmetic instead of
 * days_from_civil(): iso_parse and iso_parse_date must accept exactly the
 * texts it accepts and give the same microseconds or days.  Whatever
 * parses must also survive formatting: iso_format, iso_format_ms and
 * iso_format_date read back as the same instant (milliseconds truncated
 * down for iso_format_ms), as long as it is within years 0001 to 9999,
 * which an offset can step out of.  The input is never NUL-terminated,
 * so ASan sees any read past its length.  Built and run by `make fuzz`.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isotime.h"
#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
dig(const char *s, size_t n, int *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* Days since the epoch of a date that exists, by timegm; false for one
 * that does not (timegm normalises 02-30 to 03-02: compare back). */
static bool
ref_date(const char *s, size_t len, int64_t *days)
{
	struct tm tm = { 0 }, back;
	int y, m, d;
	time_t t;

	if (len < 10 || s[4] != '-' || s[7] != '-' || !dig(s, 4, &y) ||
	    !dig(s + 5, 2, &m) || !dig(s + 8, 2, &d) || y < 1 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	if (gmtime_r(&t, &back) == NULL || back.tm_mday != d ||
	    back.tm_mon != m - 1 || back.tm_year != y - 1900)
		return false;
	*days = (int64_t)t / 86400;
	return true;
}

/* The grammar of iso_parse, as its comment states it. */
static bool
ref_parse(const char *s, size_t len, int64_t *usec)
{
	int64_t days, frac = 0, off = 0;
	int hh, mi, ss, oh = 0, om = 0, n = 0;
	size_t i = 19;

	if (len < 19 || !ref_date(s, len, &days))
		return false;
	if (strchr("Tt ", s[10]) == NULL || s[10] == '\0' || s[13] != ':' ||
	    s[16] != ':' || !dig(s + 11, 2, &hh) || !dig(s + 14, 2, &mi) ||
	    !dig(s + 17, 2, &ss) || hh > 23 || mi > 59 || ss > 59)
		return false;
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		size_t start = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (n++ < 6)
				frac = frac * 10 + (s[i] - '0');
			i++;
		}
		if (i == start)
			return false;
		for (; n < 6; n++)
			frac *= 10;
	}
	if (i < len) {
		size_t rest = len - i;
		if (rest == 1 && (s[i] == 'Z' || s[i] == 'z')) {
			/* UTC */
		} else if (s[i] == '+' || s[i] == '-') {
			if (!(rest == 3 && dig(s + i + 1, 2, &oh)) &&
			    !(rest == 5 && dig(s + i + 1, 2, &oh) &&
			    dig(s + i + 3, 2, &om)) &&
			    !(rest == 6 && s[i + 3] == ':' &&
			    dig(s + i + 1, 2, &oh) && dig(s + i + 4, 2, &om)))
				return false;
			if (oh > 23 || om > 59)
				return false;
			off = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
		} else {
			return false;
		}
	}
	*usec = (days * 86400 + hh * 3600 + mi * 60 + ss - off) *
	    USEC_PER_SEC + frac;
	return true;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Formats and reads back an instant within 0001..9999. */
static void
round_trip(int64_t us)
{
	static const int64_t lo = INT64_C(-62135596800) * USEC_PER_SEC;
	static const int64_t hi = INT64_C(253402300800) * USEC_PER_SEC;
	char buf[32];
	int64_t back;
	int32_t days;

	if (us < lo || us >= hi)
		return;
	if (iso_format(buf, us) != 27 || iso_parse(buf, 27, &back) != 0 ||
	    back != us)
		abort();
	if (iso_format_ms(buf, us) != 24 || iso_parse(buf, 24, &back) != 0 ||
	    back != floor_div(us, 1000) * 1000)
		abort();
	if (usec_to_days(us) != floor_div(us, USEC_PER_DAY))
		abort();
	if (iso_format_date(buf, usec_to_days(us)) != 10 ||
	    iso_parse_date(buf, 10, &days) != 0 || days != usec_to_days(us))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: no NUL after it to lean on. */
	char *s = malloc(size ? size : 1);
	int64_t us = 0, want = 0, wdays = 0;
	int32_t days = 0;
	bool ok, rok;

	memcpy(s, data, size);
	ok = iso_parse(s, size, &us) == 0;
	rok = ref_parse(s, size, &want);
	if (ok != rok || (ok && us != want)) {
		fprintf(stderr, "iso_parse %d %lld, reference %d %lld\n", ok,
		    (long long)us, rok, (long long)want);
		abort();
	}
	if (ok)
		round_trip(us);

	ok = iso_parse_date(s, size, &days) == 0;
	rok = size == 10 && ref_date(s, size, &wdays);
	if (ok != rok || (ok && days != wdays)) {
		fprintf(stderr, "iso_parse_date %d %d, reference %d %lld\n",
		    ok, days, rok, (long long)wdays);
		abort();
	}
	if (ok)
		round_trip(days * USEC_PER_DAY);
	free(s);
	return 0;
}
