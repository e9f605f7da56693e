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
decimal_format_be(const uint8_t *be, size_t n, int scale, char *out)
{
	uint8_t mag[16];
	char rev[48], digits[48];
	size_t nd = 0;
	bool neg, zero;

	if (n < 1 || n > sizeof mag)
		return -1;
	neg = (be[0] & 0x80) != 0;
	memcpy(mag, be, n);
	if (neg) {
		/* The magnitude: invert and add one. */
		unsigned carry = 1;
		for (size_t i = n; i-- > 0;) {
			unsigned v = (uint8_t)~mag[i] + carry;
			mag[i] = (uint8_t)v;
			carry = v >> 8;
		}
	}
	/* Long division by ten, a byte at a time. */
	do {
		unsigned rem = 0;
		zero = true;
		for (size_t i = 0; i < n; i++) {
			unsigned cur = rem * 256 + mag[i];
			mag[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			zero &= mag[i] == 0;
		}
		if (nd >= sizeof rev)
			return -1;
		rev[nd++] = (char)('0' + rem);
	} while (!zero);
	for (size_t i = 0; i < nd; i++)
		digits[i] = rev[nd - 1 - i];
	return place(digits, nd, neg, scale, out);
}

int
decimal_format_i64(int64_t unscaled, int scale, char *out)
{
	uint64_t m = unscaled < 0 ? -(uint64_t)unscaled : (uint64_t)unscaled;
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)m);

	return place(digits, (size_t)n, unscaled < 0, scale, out);
}

int
decimal_normalize(const char *s, size_t len, int precision, int scale,
    char *out)
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
	if (start == nd)
		return place("0", 1, false, scale, out);
	if (nd - start > (size_t)precision)
		return -1;
	return place(digits + start, nd - start, neg, scale, out);
}
