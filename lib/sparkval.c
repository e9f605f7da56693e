#include "sparkval.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double
float_shortest(float f)
{
	char buf[32];
	double d;

	if (!isfinite(f))
		return f;
	/* Nine significant digits always read back to the same float. */
	for (int p = 1; p <= 9; p++) {
		snprintf(buf, sizeof buf, "%.*g", p, (double)f);
		d = strtod(buf, NULL);
		if ((float)d == f)
			return d;
	}
	return f;
}

/*
 * Writes digits[0..n) (most significant first, no leading zeros unless
 * the value is 0) as a decimal at scale, with a sign, into out.  Returns
 * the length, or -1 when there are more than 38 digits.
 */
static int
place(const char *digits, size_t n, bool neg, int scale, char *out)
{
	char *p = out;
	size_t width;

	if (n > 38 || scale < 0 || scale > 38)
		return -1;
	if (neg && !(n == 1 && digits[0] == '0'))
		*p++ = '-';
	/* At least one digit before the point. */
	width = n > (size_t)scale ? n : (size_t)scale + 1;
	for (size_t i = 0; i < width; i++) {
		if (scale > 0 && i == width - (size_t)scale)
			*p++ = '.';
		*p++ = i < width - n ? '0' : digits[i - (width - n)];
	}
	*p = '\0';
	return (int)(p - out);
}

int
decimal_from_be(const uint8_t *be, size_t n, dec128 *v)
{
	uint8_t sign;
	unsigned __int128 u;

	if (n == 0)
		return -1;
	/* Leading bytes that only repeat the sign say nothing (a writer
	 * may pad to a fixed length longer than 16). */
	sign = (be[0] & 0x80) ? 0xff : 0x00;
	while (n > 16 && be[0] == sign && ((be[1] ^ sign) & 0x80) == 0) {
		be++;
		n--;
	}
	if (n > 16)
		return -1;
	/* Sign-extended, then the bytes shifted in; the conversion of the
	 * unsigned result to signed is two's complement on every target
	 * that has __int128. */
	u = sign ? ~(unsigned __int128)0 : 0;
	for (size_t i = 0; i < n; i++)
		u = u << 8 | be[i];
	*v = (dec128)u;
	return 0;
}

/* 10^k, k 0..38: the first value of k + 1 digits. */
static unsigned __int128
pow10_u128(int k)
{
	unsigned __int128 p = 1;

	while (k-- > 0)
		p *= 10;
	return p;
}

/* |v| without overflow: the magnitude of -2^127 is a valid unsigned. */
static unsigned __int128
magnitude(dec128 v)
{
	return v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
}

bool
decimal_fits(dec128 unscaled, int precision)
{
	return precision >= 1 && precision <= 38 &&
	    magnitude(unscaled) < pow10_u128(precision);
}

int
decimal_format(dec128 unscaled, int scale, char *out)
{
	unsigned __int128 m = magnitude(unscaled);
	char rev[40], digits[40];
	size_t nd = 0;

	if (m >= pow10_u128(38))
		return -1;
	do {
		rev[nd++] = (char)('0' + (int)(m % 10));
		m /= 10;
	} while (m != 0);
	for (size_t i = 0; i < nd; i++)
		digits[i] = rev[nd - 1 - i];
	return place(digits, nd, unscaled < 0, scale, out);
}

int
decimal_normalize(const char *s, size_t len, int precision, int scale,
    char *out)
{
	dec128 v;

	if (decimal_parse(s, len, precision, scale, &v) != 0)
		return -1;
	return decimal_format(v, scale, out);
}

int
decimal_parse(const char *s, size_t len, int precision, int scale,
    dec128 *v)
{
	char digits[128];
	size_t i = 0, nd = 0, nfrac = 0, start;
	long exp = 0, k;
	bool neg = false, any = false;

	if (precision < 1 || precision > 38 || scale < 0 || scale > precision)
		return -1;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (bool frac = false; i < len; i++) {
		if (s[i] == '.' && !frac) {
			frac = true;
			continue;
		}
		if (!isdigit((unsigned char)s[i]))
			break;
		any = true;
		if (nd == 0 && s[i] == '0' && !frac)
			continue;	/* a leading zero says nothing */
		if (nd >= 80)
			return -1;
		digits[nd++] = s[i];
		nfrac += frac;
	}
	if (!any)
		return -1;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		bool eneg = false, edig = false;
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		for (; i < len && isdigit((unsigned char)s[i]); i++) {
			exp = exp * 10 + (s[i] - '0');
			edig = true;
			if (exp > 100)
				return -1;
		}
		if (!edig)
			return -1;
		if (eneg)
			exp = -exp;
	}
	if (i != len)
		return -1;
	/* unscaled = digits * 10^(exp - nfrac + scale) */
	k = exp - (long)nfrac + scale;
	for (; k > 0; k--) {
		if (nd >= 80)
			return -1;
		digits[nd++] = '0';
	}
	for (; k < 0; k++) {
		if (nd == 0)
			break;
		if (digits[nd - 1] != '0')
			return -1;	/* more fraction than the scale */
		nd--;
	}
	for (start = 0; start < nd && digits[start] == '0'; start++)
		;
	if (nd - start > (size_t)precision)
		return -1;
	*v = 0;
	for (size_t d = start; d < nd; d++)
		*v = *v * 10 + (digits[d] - '0');
	if (neg)
		*v = -*v;
	return 0;
}
