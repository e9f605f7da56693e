#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

static size_t
fmt_uint(char *buf, uint64_t v)
{
	char tmp[24];
	char *p = tmp + sizeof tmp;
	size_t n;

	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;
		v /= 100;
		*--p = digit_pairs[i + 1];
		*--p = digit_pairs[i];
	}
	if (v >= 10) {
		*--p = digit_pairs[v * 2 + 1];
		*--p = digit_pairs[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof tmp - p);
	memcpy(buf, p, n);
	return n;
}

size_t
fmt_int(char *buf, int64_t v)
{
	if (v < 0) {
		buf[0] = '-';
		return 1 + fmt_uint(buf + 1, (uint64_t)0 - (uint64_t)v);
	}
	return fmt_uint(buf, (uint64_t)v);
}

static const double pow10_table[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6 };

size_t
fmt_double(char *buf, double v)
{
	size_t n;

	if (!isfinite(v)) {
		memcpy(buf, "null", 4);
		return 4;
	}
	/*
	 * Most vitals have a few decimals.  If v is m / 10^k for an integer
	 * m that a double holds exactly, the division is correctly rounded,
	 * so printing m with k decimals reads back as v; the smallest such
	 * k gives the shortest text.  This avoids printf on the hot path.
	 */
	if (fabs(v) < 1e9) {
		for (int k = 0; k <= 6; k++) {
			double m = nearbyint(v * pow10_table[k]);
			if (m / pow10_table[k] != v)
				continue;
			uint64_t um = (uint64_t)fabs(m);
			char digits[24];
			size_t nd = fmt_uint(digits, um);
			char *p = buf;
			if (signbit(v))
				*p++ = '-';
			if (k == 0) {
				memcpy(p, digits, nd);
				p += nd;
				memcpy(p, ".0", 2);
				return (size_t)(p + 2 - buf);
			}
			if (nd <= (size_t)k) {
				*p++ = '0';
				*p++ = '.';
				for (size_t z = nd; z < (size_t)k; z++)
					*p++ = '0';
				memcpy(p, digits, nd);
				p += nd;
			} else {
				memcpy(p, digits, nd - k);
				p += nd - k;
				*p++ = '.';
				memcpy(p, digits + nd - k, k);
				p += k;
			}
			return (size_t)(p - buf);
		}
	}
	for (int prec = 15; prec <= 17; prec++) {
		n = (size_t)snprintf(buf, 32, "%.*g", prec, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			break;
	}
	if (strpbrk(buf, ".eE") == NULL) {
		memcpy(buf + n, ".0", 2);
		n += 2;
	}
	return n;
}

void
jw_int(struct writer *w, int64_t v)
{
	char *p = writer_reserve(w, 24);
	w->len += fmt_int(p, v);
}

void
jw_double(struct writer *w, double v)
{
	char *p = writer_reserve(w, 32);
	w->len += fmt_double(p, v);
}

void
jw_bool(struct writer *w, bool v)
{
	if (v)
		writer_mem(w, "true", 4);
	else
		writer_mem(w, "false", 5);
}

void
jw_null(struct writer *w)
{
	writer_mem(w, "null", 4);
}

void
jw_key(struct writer *w, const char *name, size_t len, bool first)
{
	char *p = writer_reserve(w, len + 4);

	*p++ = first ? '{' : ',';
	*p++ = '"';
	memcpy(p, name, len);
	p += len;
	*p++ = '"';
	*p++ = ':';
	w->len += len + 4;
}

/* Bytes that need escaping in a JSON string: controls, '"' and '\\'. */
static inline bool
needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

void
jw_string(struct writer *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run;

	writer_char(w, '"');
	while (i < len) {
		run = i;
		while (run < len && !needs_escape((unsigned char)s[run]))
			run++;
		if (run > i) {
			writer_mem(w, s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = (unsigned char)s[i++];
		switch (c) {
		case '"': writer_mem(w, "\\\"", 2); break;
		case '\\': writer_mem(w, "\\\\", 2); break;
		case '\b': writer_mem(w, "\\b", 2); break;
		case '\f': writer_mem(w, "\\f", 2); break;
		case '\n': writer_mem(w, "\\n", 2); break;
		case '\r': writer_mem(w, "\\r", 2); break;
		case '\t': writer_mem(w, "\\t", 2); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };
			writer_mem(w, e, 6);
		}
		}
	}
	writer_char(w, '"');
}

bool
utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		uint32_t cp;
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

void
base64_write(struct writer *w, const void *bytes, size_t n, bool url)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char safe[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *tab = url ? safe : std;
	const unsigned char *s = bytes;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		char q[4] = { tab[s[i] >> 2], tab[(s[i] & 3) << 4 | s[i + 1] >> 4],
		    tab[(s[i + 1] & 15) << 2 | s[i + 2] >> 6], tab[s[i + 2] & 63] };
		writer_mem(w, q, 4);
	}
	/* RFC 4648: padded; its URL form (JWT, RFC 7515) unpadded. */
	if (n - i == 1) {
		char q[4] = { tab[s[i] >> 2], tab[(s[i] & 3) << 4], '=', '=' };
		writer_mem(w, q, url ? 2 : 4);
	} else if (n - i == 2) {
		char q[4] = { tab[s[i] >> 2], tab[(s[i] & 3) << 4 | s[i + 1] >> 4],
		    tab[(s[i + 1] & 15) << 2], '=' };
		writer_mem(w, q, url ? 3 : 4);
	}
}

void
jw_base64(struct writer *w, const void *bytes, size_t n)
{
	writer_char(w, '"');
	base64_write(w, bytes, n, false);
	writer_char(w, '"');
}
