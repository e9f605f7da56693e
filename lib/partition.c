#include "partition.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "isotime.h"
#include "jsonw.h"

static const char hexdig[] = "0123456789ABCDEF";

/* Spark's ExternalCatalogUtils.charToEscape (the non-Windows set). */
static bool
hive_special(unsigned char c)
{
	if (c < 0x20 || c == 0x7f)
		return true;
	return strchr("\"#%'*/:=?\\{[]^", c) != NULL;
}

size_t
hive_escape(const char *s, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (hive_special(c)) {
			out[n++] = '%';
			out[n++] = hexdig[c >> 4];
			out[n++] = hexdig[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

/* Characters java.net.URI quotes in a path: not unreserved, punct, '/',
 * '@', or non-ASCII.  '%' is always quoted because the input is a raw
 * path, not an already-escaped one. */
static bool
uri_special(unsigned char c)
{
	if (c >= 0x80)
		return false;
	if (c <= 0x20 || c == 0x7f)
		return true;
	return strchr("\"#%<>?[\\]^`{|}", c) != NULL;
}

size_t
uri_escape_path(const char *s, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (uri_special(c)) {
			out[n++] = '%';
			out[n++] = hexdig[c >> 4];
			out[n++] = hexdig[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
uri_unescape(char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			s[n++] = s[i];
			continue;
		}
		if (i + 2 >= len)
			return -1;
		int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		s[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	s[n] = '\0';
	return (long)n;
}

int
partition_value(const struct jval *v, enum ftype t, struct pvalue *pv)
{
	int64_t us;
	int32_t days;

	memset(pv, 0, sizeof *pv);
	if (v->kind == JK_ABSENT || v->kind == JK_NULL) {
		pv->is_null = true;
		pv->dir = HIVE_NULL;
		pv->dir_len = strlen(HIVE_NULL);
		return 0;
	}
	switch (t) {
	case FT_STRING:
		if (v->kind != JK_STRING)
			return -1;
		pv->value = v->s;
		pv->value_len = v->len;
		break;
	case FT_INTEGER:
	case FT_LONG:
		if (v->kind != JK_INT || (t == FT_INTEGER &&
		    (v->i < INT32_MIN || v->i > INT32_MAX)))
			return -1;
		pv->value_len = fmt_int(pv->vbuf, v->i);
		pv->value = pv->vbuf;
		break;
	case FT_BOOLEAN:
		if (v->kind != JK_TRUE && v->kind != JK_FALSE)
			return -1;
		pv->value = v->kind == JK_TRUE ? "true" : "false";
		pv->value_len = strlen(pv->value);
		break;
	case FT_DATE:
		if (v->kind == JK_DATE)
			days = (int32_t)v->i;
		else if (v->kind != JK_STRING ||
		    iso_parse_date(v->s, v->len, &days) != 0)
			return -1;
		pv->value_len = iso_format_date(pv->vbuf, days);
		pv->value = pv->vbuf;
		break;
	case FT_TIMESTAMP:
		if (v->kind == JK_TIME)
			us = v->i;
		else if (v->kind != JK_STRING || iso_parse(v->s, v->len, &us))
			return -1;
		pv->value_len = iso_format(pv->vbuf, us);
		pv->value = pv->vbuf;
		/* Spark's directory form: a space, no zone, and the
		 * fraction only when there is one. */
		memcpy(pv->dbuf, pv->vbuf, 19);
		pv->dbuf[10] = ' ';
		pv->dir_len = 19;
		if (us % USEC_PER_SEC != 0) {
			memcpy(pv->dbuf + 19, pv->vbuf + 19, 7);
			pv->dir_len = 26;
		}
		pv->dbuf[pv->dir_len] = '\0';
		pv->dir = pv->dbuf;
		return 0;
	default:
		return -1;	/* doubles and structs are not partitions */
	}
	/* An empty string is null to Hive and to Delta. */
	if (pv->value_len == 0) {
		pv->is_null = true;
		pv->dir = HIVE_NULL;
		pv->dir_len = strlen(HIVE_NULL);
		return 0;
	}
	pv->dir = pv->value;
	pv->dir_len = pv->value_len;
	return 0;
}

long
partition_segment(const char *column, const struct pvalue *pv, char *out)
{
	size_t clen = strlen(column);
	char tmp[3 * 1024 + 1];
	size_t n;

	if (pv->dir_len > 1024 || clen > 128)
		return -1;
	n = hive_escape(column, clen, tmp);
	tmp[n++] = '=';
	n += hive_escape(pv->dir, pv->dir_len, tmp + n);
	if (n > PARTITION_SEGMENT_MAX)
		return -1;
	memcpy(out, tmp, n + 1);
	return (long)n;
}

bool
path_is_contained(const char *path)
{
	const char *p = path, *seg;

	if (*p == '\0' || *p == '/')
		return false;
	while (*p != '\0') {
		seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		size_t n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (*p == '/')
			p++;
		if (*p == '\0' && p[-1] == '/')
			return false;
	}
	return true;
}
