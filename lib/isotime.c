#include "isotime.h"

#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil / civil_from_days, proleptic
 * Gregorian, exact for all years here. */
int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dim[] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* Reads exactly n digits at s; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
parse_ymd(const char *s, size_t len, int64_t *days)
{
	int y, m, d;

	if (len < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if ((y = digits(s, 4)) < 1 || (m = digits(s + 5, 2)) < 1 || m > 12 ||
	    (d = digits(s + 8, 2)) < 1 || d > days_in_month(y, (unsigned)m))
		return -1;
	*days = days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

int
iso_parse_date(const char *s, size_t len, int32_t *days)
{
	int64_t d;

	if (len != 10 || parse_ymd(s, len, &d) != 0)
		return -1;
	*days = (int32_t)d;
	return 0;
}

int
iso_parse(const char *s, size_t len, int64_t *usec)
{
	int64_t days, frac = 0, off = 0;
	int hh, mi, ss;
	size_t i;

	if (len < 19 || parse_ymd(s, len, &days) != 0)
		return -1;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return -1;
	if (s[13] != ':' || s[16] != ':')
		return -1;
	if ((hh = digits(s + 11, 2)) < 0 || hh > 23 ||
	    (mi = digits(s + 14, 2)) < 0 || mi > 59 ||
	    (ss = digits(s + 17, 2)) < 0 || ss > 59)
		return -1;
	i = 19;
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		int n = 0;
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return -1;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (n < 6) {
				frac = frac * 10 + (s[i] - '0');
				n++;
			}
			i++;
		}
		for (; n < 6; n++)
			frac *= 10;
	}
	if (i < len) {
		int oh, om = 0, sign;
		if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
			i++;
		} else if (s[i] == '+' || s[i] == '-') {
			sign = s[i] == '-' ? -1 : 1;
			if (len - i == 3) {			/* +HH */
				oh = digits(s + i + 1, 2);
			} else if (len - i == 5) {		/* +HHMM */
				oh = digits(s + i + 1, 2);
				om = digits(s + i + 3, 2);
			} else if (len - i == 6 && s[i + 3] == ':') {
				oh = digits(s + i + 1, 2);
				om = digits(s + i + 4, 2);
			} else {
				return -1;
			}
			if (oh < 0 || oh > 23 || om < 0 || om > 59)
				return -1;
			off = sign * ((int64_t)oh * 3600 + om * 60);
			i = len;
		} else {
			return -1;
		}
	}
	if (i != len)
		return -1;
	*usec = ((days * 86400 + hh * 3600 + mi * 60 + ss) - off) *
	    USEC_PER_SEC + frac;
	return 0;
}

int32_t
usec_to_days(int64_t usec)
{
	int64_t d = usec / USEC_PER_DAY;

	if (usec % USEC_PER_DAY < 0)
		d--;
	return (int32_t)d;
}

static void
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t
iso_format_date(char *buf, int32_t days)
{
	int64_t y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	put2(buf, (unsigned)(y / 100));
	put2(buf + 2, (unsigned)(y % 100));
	buf[4] = '-';
	put2(buf + 5, m);
	buf[7] = '-';
	put2(buf + 8, d);
	buf[10] = '\0';
	return 10;
}

static size_t
format_hms(char *buf, int64_t usec, int64_t *sub)
{
	int32_t days = usec_to_days(usec);
	int64_t rem = usec - (int64_t)days * USEC_PER_DAY;
	int64_t secs = rem / USEC_PER_SEC;

	*sub = rem % USEC_PER_SEC;
	iso_format_date(buf, days);
	buf[10] = 'T';
	put2(buf + 11, (unsigned)(secs / 3600));
	buf[13] = ':';
	put2(buf + 14, (unsigned)(secs / 60 % 60));
	buf[16] = ':';
	put2(buf + 17, (unsigned)(secs % 60));
	buf[19] = '.';
	return 20;
}

size_t
iso_format(char *buf, int64_t usec)
{
	int64_t sub;
	size_t n = format_hms(buf, usec, &sub);

	for (int i = 5; i >= 0; i--) {
		buf[n + i] = (char)('0' + sub % 10);
		sub /= 10;
	}
	buf[n + 6] = 'Z';
	buf[n + 7] = '\0';
	return n + 7;
}

size_t
iso_format_ms(char *buf, int64_t usec)
{
	int64_t sub;
	size_t n = format_hms(buf, usec, &sub);

	sub /= 1000;
	for (int i = 2; i >= 0; i--) {
		buf[n + i] = (char)('0' + sub % 10);
		sub /= 10;
	}
	buf[n + 3] = 'Z';
	buf[n + 4] = '\0';
	return n + 4;
}

int64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}
