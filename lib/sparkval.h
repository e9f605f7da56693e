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
 * The text of the decimal whose unscaled value is the two's-complement
 * big-endian integer be[0..n) (Parquet's DECIMAL on FIXED_LEN_BYTE_ARRAY
 * and BINARY; 1 <= n <= 16) at scale (0..38), into out (at least
 * DECIMAL_TEXT_MAX bytes).  Returns its length, or -1 when n is out of
 * range or the value has more than 38 digits.
 */
int decimal_format_be(const uint8_t *be, size_t n, int scale, char *out);

/* The same for an unscaled value that fits 64 bits (DECIMAL on INT32
 * and INT64). */
int decimal_format_i64(int64_t unscaled, int scale, char *out);

/*
 * A decimal written as text (a partition value: [+-]digits[.digits]
 * with an optional exponent, as Java's BigDecimal.toString may give it)
 * as decimal(precision, scale) text into out (DECIMAL_TEXT_MAX bytes).
 * Returns its length, or -1 when s is not such a number, needs more
 * fraction digits than scale, or more digits than precision.
 */
int decimal_normalize(const char *s, size_t len, int precision, int scale,
    char *out);

#endif
