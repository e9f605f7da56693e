/*
 * sparkval: the values of the types only other writers' tables have
 * (lib/schema.h: byte, short, float, binary, decimal) as Spark's to_json
 * prints them, for the readers.  Bytes and shorts are integers, printed
 * as such by the record codec; binary is standard base64 (jsonw.h's
 * base64_write); what needs work is here:
 *
 *   float    the fewest digits that read back to the same float, as
 *            Java's Float.toString gives them (1.1f is 1.1, not the
 *            1.100000023841858 of the double it widens to);
 *   decimal  a JSON number with exactly the column's scale of fraction
 *            digits (decimal(5,2) 1.5 is 1.50), never an exponent.
 *
 * Nothing here allocates or fails except where stated.
 */
#ifndef VL_SPARKVAL_H
#define VL_SPARKVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The double nearest the shortest decimal of float f: a double whose
 * shortest round-trip text (what the record codec prints) is f's.  NaN
 * and the infinities come back as they are.
 */
double float_shortest(float f);

/* Longest decimal text: 38 digits, a sign, a point, a leading "0." and
 * the NUL. */
#define DECIMAL_TEXT_MAX	48

/*
 * An unscaled decimal value.  Every decimal(38, s) fits: 10^38 - 1 is
 * below 2^127.  128-bit integers (a GCC and Clang extension on 64-bit
 * targets) keep all 38 digits exact, which no double does.
 */
typedef __int128 dec128;

/*
 * The two's-complement big-endian integer be[0..n) (Parquet's DECIMAL on
 * FIXED_LEN_BYTE_ARRAY and BYTE_ARRAY) into *v.  More than 16 bytes are
 * taken when the extra leading ones only repeat the sign.  0, or -1 when
 * n is 0 or the value does not fit 128 bits.
 */
int decimal_from_be(const uint8_t *be, size_t n, dec128 *v);

/* True when unscaled has at most precision digits (1..38). */
bool decimal_fits(dec128 unscaled, int precision);

/*
 * The text of the decimal unscaled / 10^scale (scale 0..38) into out (at
 * least DECIMAL_TEXT_MAX bytes): a sign if negative, at least one digit
 * before the point, exactly scale digits after it, no exponent.  Returns
 * its length, or -1 when scale is out of range or unscaled has more than
 * 38 digits.
 */
int decimal_format(dec128 unscaled, int scale, char *out);

/*
 * A decimal written as text (a partition value: [+-]digits[.digits]
 * with an optional exponent, as Java's BigDecimal.toString may give it)
 * as decimal(precision, scale) text into out (DECIMAL_TEXT_MAX bytes).
 * Returns its length, or -1 when s is not such a number, needs more
 * fraction digits than scale, or more digits than precision.
 */
int decimal_normalize(const char *s, size_t len, int precision, int scale,
    char *out);
/* The same text's unscaled value at scale into *v: 0, or -1 as above. */
int decimal_parse(const char *s, size_t len, int precision, int scale,
    dec128 *v);

#endif
