#include "synthea.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "isotime.h"
#include "jsonw.h"
#include "strindex.h"
#include "xalloc.h"

/* Per file, the first few malformed rows are shown; the rest counted. */
#define CSV_WARN_MAX	5

/*
 * Splits s in place at commas into out[0..max).  A field that starts with
 * '"' is RFC 4180 quoted ("" is a quote inside it).  Returns the number of
 * fields (which may exceed max: the caller compares with the header), or
 * -1 with *why set when the quoting is broken.
 */
static long
split(char *s, char **out, size_t max, const char **why)
{
	size_t k = 0;
	char *p = s, *start, *w, end;

	for (;;) {
		start = p;
		if (*p == '"') {
			w = p++;
			for (;;) {
				if (*p == '\0') {
					*why = "unterminated quote";
					return -1;
				}
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			if (*p != ',' && *p != '\0') {
				*why = "text after a closing quote";
				return -1;
			}
			end = *p;
			*w = '\0';
		} else {
			while (*p != ',' && *p != '\0')
				p++;
			end = *p;
			*p = '\0';
		}
		if (k < max)
			out[k] = start;
		k++;
		if (end == '\0')
			return (long)k;
		p++;
	}
}

/* Reads one line into c->line without its line end; its length, or -1 at
 * the end of the file. */
static ssize_t
read_line(struct csv *c)
{
	ssize_t n;

	errno = 0;
	n = getline(&c->line, &c->linecap, c->fp);
	if (n < 0) {
		if (ferror(c->fp)) {
			if (!c->quiet)
				cli_warn("%s: read error: %m", c->path);
			c->bad++;
		}
		return -1;
	}
	c->lineno++;
	if (n > 0 && c->line[n - 1] == '\n')
		c->line[--n] = '\0';
	if (n > 0 && c->line[n - 1] == '\r')
		c->line[--n] = '\0';
	return n;
}

void
csv_bad_row(struct csv *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	c->bad++;
	if (c->quiet || c->bad > CSV_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cli_warn("%s:%llu: %s; row skipped", c->path,
	    (unsigned long long)c->lineno, msg);
}

int
csv_open(struct csv *c, const char *path, bool quiet, char *err,
    size_t errlen)
{
	const char *why = NULL;
	char *text, *copy;
	ssize_t n;
	long k;

	memset(c, 0, sizeof *c);
	c->path = path;
	c->quiet = quiet;
	if ((c->fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((n = read_line(c)) < 0) {
		snprintf(err, errlen, "%s: empty file (no header line)", path);
		goto fail;
	}
	text = c->line;
	if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		text += 3;
	/* Count on a copy first: split() cuts the text it works on. */
	copy = xstrdup(text);
	k = split(copy, NULL, 0, &why);
	free(copy);
	if (memchr(c->line, '\0', (size_t)n) != NULL || k < 0) {
		snprintf(err, errlen, "%s:1: unreadable header line (%s)", path,
		    why ? why : "NUL byte");
		goto fail;
	}
	c->ncol = (size_t)k;
	c->name = xcalloc(c->ncol, sizeof *c->name);
	c->field = xcalloc(c->ncol, sizeof *c->field);
	split(text, c->field, c->ncol, &why);
	for (size_t i = 0; i < c->ncol; i++)
		c->name[i] = xstrdup(c->field[i]);
	return 0;
fail:
	csv_close(c);
	return -1;
}

void
csv_close(struct csv *c)
{
	if (c->fp != NULL)
		fclose(c->fp);
	if (c->bad > CSV_WARN_MAX && !c->quiet)
		cli_warn("%s: %llu malformed rows skipped in all", c->path,
		    (unsigned long long)c->bad);
	for (size_t i = 0; i < c->ncol; i++)
		free(c->name[i]);
	free(c->name);
	free(c->field);
	free(c->line);
	memset(c, 0, sizeof *c);
}

int
csv_col(const struct csv *c, const char *name)
{
	for (size_t i = 0; i < c->ncol; i++)
		if (strcmp(c->name[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
csv_get(const struct csv *c, int col)
{
	return col < 0 ? "" : c->field[col];
}

int
csv_next(struct csv *c)
{
	const char *why;
	ssize_t n;
	long k;

	while ((n = read_line(c)) >= 0) {
		if (n == 0)
			continue;	/* a blank line carries nothing */
		if (memchr(c->line, '\0', (size_t)n) != NULL) {
			csv_bad_row(c, "NUL byte in the line");
			continue;
		}
		why = NULL;
		k = split(c->line, c->field, c->ncol, &why);
		if (k < 0) {
			csv_bad_row(c, "%s", why);
			continue;
		}
		if ((size_t)k != c->ncol) {
			csv_bad_row(c, "%ld fields, the header has %zu", k,
			    c->ncol);
			continue;
		}
		return 1;
	}
	return 0;
}

/* --- the export ------------------------------------------------------ */

/* The patient with that Id, or NULL. */
static struct synthea_patient *
find(const struct synthea *s, const char *id)
{
	uint32_t k = strindex_find(&s->ids, id, strlen(id));

	return k == STRINDEX_NONE ? NULL : &s->p[k];
}

/* A new patient; its Id is not in s yet. */
static struct synthea_patient *
add_patient(struct synthea *s, const char *id)
{
	struct synthea_patient *p;
	uint32_t k = strindex_add(&s->ids, id, strlen(id), NULL);

	xgrow(&s->p, &s->cap, s->n + 1, sizeof *s->p);
	p = &s->p[s->n];
	memset(p, 0, sizeof *p);
	p->id = s->ids.e[k].s;	/* the index's copy, freed with it */
	p->death = INT32_MIN;
	s->n++;
	return p;
}

/* Finds the columns named in names[] (NULL-terminated); a required one
 * missing refuses the file. */
static int
need_cols(const struct csv *c, const char *const *names, int *cols,
    int nrequired, char *err, size_t errlen)
{
	for (int i = 0; names[i] != NULL; i++) {
		cols[i] = csv_col(c, names[i]);
		if (cols[i] < 0 && i < nrequired) {
			snprintf(err, errlen, "%s: no column '%s' in the "
			    "header", c->path, names[i]);
			return -1;
		}
	}
	return 0;
}

static bool
usable_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 256 || !utf8_valid(id, len))
		return false;
	for (; *id; id++)
		if ((unsigned char)*id < 0x20)
			return false;
	return true;
}

/* An empty date is "none" (INT32_MIN); otherwise YYYY-MM-DD. */
static int
parse_opt_date(const char *s, int32_t *days)
{
	if (*s == '\0') {
		*days = INT32_MIN;
		return 0;
	}
	return iso_parse_date(s, strlen(s), days);
}

static int
load_patients(struct synthea *s, const char *path, bool quiet, char *err,
    size_t errlen)
{
	static const char *const names[] =
	    { "Id", "BIRTHDATE", "GENDER", "DEATHDATE", NULL };
	enum { C_ID, C_BIRTH, C_GENDER, C_DEATH };
	int col[4];
	struct csv c;
	struct synthea_patient *p;
	int32_t birth, death;
	const char *id, *g;

	if (csv_open(&c, path, quiet, err, errlen) != 0)
		return -1;
	if (need_cols(&c, names, col, 3, err, errlen) != 0) {
		csv_close(&c);
		return -1;
	}
	while (csv_next(&c)) {
		id = csv_get(&c, col[C_ID]);
		if (!usable_id(id)) {
			csv_bad_row(&c, "unusable Id");
			continue;
		}
		if (find(s, id) != NULL) {
			csv_bad_row(&c, "Id %s appears twice", id);
			continue;
		}
		if (iso_parse_date(csv_get(&c, col[C_BIRTH]),
		    strlen(csv_get(&c, col[C_BIRTH])), &birth) != 0) {
			csv_bad_row(&c, "BIRTHDATE '%s' is not a date",
			    csv_get(&c, col[C_BIRTH]));
			continue;
		}
		if (parse_opt_date(csv_get(&c, col[C_DEATH]), &death) != 0) {
			csv_bad_row(&c, "DEATHDATE '%s' is not a date",
			    csv_get(&c, col[C_DEATH]));
			continue;
		}
		p = add_patient(s, id);
		p->birth = birth;
		p->death = death;
		g = csv_get(&c, col[C_GENDER]);
		p->sex = strcmp(g, "M") == 0 ? 'M' : strcmp(g, "F") == 0 ?
		    'F' : '?';
	}
	s->bad_rows += c.bad;
	csv_close(&c);
	return 0;
}

/* SNOMED CT identifiers are 6 to 18 decimal digits. */
static int
parse_code(const char *s, uint64_t *code)
{
	uint64_t v = 0;
	size_t n = 0;

	for (; *s; s++, n++) {
		if (*s < '0' || *s > '9' || n >= 18)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (n == 0)
		return -1;
	*code = v;
	return 0;
}

static void
add_code(struct synthea_patient *p, uint64_t code)
{
	if (synthea_has_code(p, code))
		return;
	xgrow(&p->codes, &p->capcodes, p->ncodes + 1, sizeof *p->codes);
	p->codes[p->ncodes++] = code;
}

static int
load_conditions(struct synthea *s, const char *path, int32_t ref_day,
    bool quiet, char *err, size_t errlen)
{
	static const char *const names[] =
	    { "START", "STOP", "PATIENT", "CODE", NULL };
	enum { C_START, C_STOP, C_PATIENT, C_CODE };
	int col[4];
	struct csv c;
	struct synthea_patient *p;
	int32_t start, stop;
	uint64_t code;

	if (csv_open(&c, path, quiet, err, errlen) != 0)
		return -1;
	if (need_cols(&c, names, col, 4, err, errlen) != 0) {
		csv_close(&c);
		return -1;
	}
	while (csv_next(&c)) {
		if (parse_opt_date(csv_get(&c, col[C_START]), &start) != 0 ||
		    start == INT32_MIN ||
		    parse_opt_date(csv_get(&c, col[C_STOP]), &stop) != 0) {
			csv_bad_row(&c, "START or STOP is not a date");
			continue;
		}
		if (parse_code(csv_get(&c, col[C_CODE]), &code) != 0) {
			csv_bad_row(&c, "CODE '%s' is not a SNOMED CT code",
			    csv_get(&c, col[C_CODE]));
			continue;
		}
		if ((p = find(s, csv_get(&c, col[C_PATIENT]))) == NULL) {
			s->orphan_rows++;
			continue;
		}
		if (start <= ref_day && (stop == INT32_MIN || stop > ref_day))
			add_code(p, code);
	}
	s->bad_rows += c.bad;
	csv_close(&c);
	return 0;
}

static const char *const vital_loinc[SV_COUNT] = {
	[SV_SYSTOLIC] = "8480-6", [SV_DIASTOLIC] = "8462-4",
	[SV_WEIGHT] = "29463-7", [SV_HEIGHT] = "8302-2", [SV_BMI] = "39156-5",
};

/* Keeps the newest SYNTHEA_KEEP values, newest first; of equal times the
 * row read later counts as newer, as a later row in the export is. */
static void
keep_obs(struct synthea_obs *o, int64_t t, double v)
{
	int i;

	if (o->n == SYNTHEA_KEEP && t < o->t[SYNTHEA_KEEP - 1])
		return;
	if (o->n < SYNTHEA_KEEP)
		o->n++;
	for (i = o->n - 1; i > 0 && o->t[i - 1] <= t; i--) {
		o->t[i] = o->t[i - 1];
		o->v[i] = o->v[i - 1];
	}
	o->t[i] = t;
	o->v[i] = v;
}

static int
load_observations(struct synthea *s, const char *path, int64_t ref_usec,
    bool quiet, char *err, size_t errlen)
{
	static const char *const names[] = { "DATE", "PATIENT", "CODE",
	    "VALUE", "CATEGORY", "TYPE", NULL };
	enum { C_DATE, C_PATIENT, C_CODE, C_VALUE, C_CATEGORY, C_TYPE };
	int col[6], k;
	struct csv c;
	struct synthea_patient *p;
	const char *code, *val, *cat, *type, *date;
	char *end;
	int64_t t;
	double v;

	if (csv_open(&c, path, quiet, err, errlen) != 0)
		return -1;
	if (need_cols(&c, names, col, 4, err, errlen) != 0) {
		csv_close(&c);
		return -1;
	}
	while (csv_next(&c)) {
		code = csv_get(&c, col[C_CODE]);
		for (k = 0; k < SV_COUNT; k++)
			if (strcmp(code, vital_loinc[k]) == 0)
				break;
		if (k == SV_COUNT)
			continue;
		/* Older exports may lack CATEGORY or TYPE; then the value
		 * itself must be a number. */
		cat = csv_get(&c, col[C_CATEGORY]);
		type = csv_get(&c, col[C_TYPE]);
		if ((col[C_CATEGORY] >= 0 && strcmp(cat, "vital-signs") != 0) ||
		    (col[C_TYPE] >= 0 && strcmp(type, "numeric") != 0))
			continue;
		date = csv_get(&c, col[C_DATE]);
		val = csv_get(&c, col[C_VALUE]);
		if (iso_parse(date, strlen(date), &t) != 0) {
			csv_bad_row(&c, "DATE '%s' is not a timestamp", date);
			continue;
		}
		errno = 0;
		v = strtod(val, &end);
		if (*val == '\0' || *end != '\0' || errno != 0 ||
		    !isfinite(v)) {
			csv_bad_row(&c, "VALUE '%s' is not a number", val);
			continue;
		}
		if ((p = find(s, csv_get(&c, col[C_PATIENT]))) == NULL) {
			s->orphan_rows++;
			continue;
		}
		if (t <= ref_usec)
			keep_obs(&p->obs[k], t, v);
	}
	s->bad_rows += c.bad;
	csv_close(&c);
	return 0;
}

/* dir/name into buf; a name that does not fit fails to open, which is
 * reported like any other missing file. */
static const char *
join(char *buf, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
		snprintf(buf, size, "%s", name);
	return buf;
}

int
synthea_load(struct synthea *s, const char *dir, int64_t ref_usec,
    bool quiet, char *err, size_t errlen)
{
	char path[4096];
	int rc;

	memset(s, 0, sizeof *s);
	rc = load_patients(s, join(path, sizeof path, dir, "patients.csv"),
	    quiet, err, errlen);
	if (rc == 0 && s->n == 0) {
		snprintf(err, errlen, "%s: no usable patients", path);
		rc = -1;
	}
	if (rc == 0)
		rc = load_conditions(s, join(path, sizeof path, dir,
		    "conditions.csv"), usec_to_days(ref_usec), quiet, err,
		    errlen);
	if (rc == 0)
		rc = load_observations(s, join(path, sizeof path, dir,
		    "observations.csv"), ref_usec, quiet, err, errlen);
	if (rc != 0)
		synthea_free(s);
	return rc;
}

void
synthea_free(struct synthea *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->p[i].codes);
	free(s->p);
	strindex_free(&s->ids);
	memset(s, 0, sizeof *s);
}

double
synthea_obs_mean(const struct synthea_obs *o)
{
	double sum = 0;

	if (o->n == 0)
		return NAN;
	for (int i = 0; i < o->n; i++)
		sum += o->v[i];
	return sum / o->n;
}

bool
synthea_has_code(const struct synthea_patient *p, uint64_t code)
{
	for (size_t i = 0; i < p->ncodes; i++)
		if (p->codes[i] == code)
			return true;
	return false;
}

/* LOINC codes of the six monitored vitals, in the order of fn's array. */
static const struct {
	const char *loinc;
	int slot;
} monitored[] = {
	{ "8867-4", 0 }, { "9279-1", 1 }, { "2708-6", 2 }, { "59408-5", 2 },
	{ "2713-6", 2 }, { "8310-5", 3 }, { "8480-6", 4 }, { "8462-4", 5 },
};

static void
flush_encounter(double *v, void (*fn)(void *, const double *), void *arg,
    long *n)
{
	if (!isnan(v[0]) && !isnan(v[1]) && !isnan(v[4]) && !isnan(v[5])) {
		fn(arg, v);
		(*n)++;
	}
	for (int i = 0; i < 6; i++)
		v[i] = NAN;
}

long
synthea_vital_encounters(const char *dir, bool quiet,
    void (*fn)(void *arg, const double *vitals), void *arg, char *err,
    size_t errlen)
{
	char path[4096], key[256] = "";
	struct csv c;
	int date, patient, category, code, value, type;
	double v[6];
	long n = 0;

	snprintf(path, sizeof path, "%s/observations.csv", dir);
	if (csv_open(&c, path, quiet, err, errlen) != 0)
		return -1;
	date = csv_col(&c, "DATE");
	patient = csv_col(&c, "PATIENT");
	category = csv_col(&c, "CATEGORY");
	code = csv_col(&c, "CODE");
	value = csv_col(&c, "VALUE");
	type = csv_col(&c, "TYPE");
	if (date < 0 || patient < 0 || code < 0 || value < 0) {
		snprintf(err, errlen, "%s: needs DATE, PATIENT, CODE and VALUE "
		    "columns", path);
		csv_close(&c);
		return -1;
	}
	for (int i = 0; i < 6; i++)
		v[i] = NAN;
	while (csv_next(&c) == 1) {
		char k[256];
		char *end;
		double x;

		if ((category >= 0 &&
		    strcmp(csv_get(&c, category), "vital-signs") != 0) ||
		    (type >= 0 && strcmp(csv_get(&c, type), "numeric") != 0))
			continue;
		/* A newline, which no field holds, keeps patient "p 1" at
		 * date "d" apart from patient "p" at date "1 d". */
		snprintf(k, sizeof k, "%s\n%s", csv_get(&c, patient),
		    csv_get(&c, date));
		if (strcmp(k, key) != 0) {
			flush_encounter(v, fn, arg, &n);
			snprintf(key, sizeof key, "%s", k);
		}
		/* An empty VALUE is not recorded, not the 0 strtod gives. */
		x = strtod(csv_get(&c, value), &end);
		if (*csv_get(&c, value) == '\0' || *end != '\0' ||
		    !isfinite(x))
			continue;
		for (size_t i = 0; i < sizeof monitored / sizeof monitored[0];
		    i++)
			if (strcmp(csv_get(&c, code), monitored[i].loinc) == 0)
				v[monitored[i].slot] = x;
	}
	flush_encounter(v, fn, arg, &n);
	csv_close(&c);
	return n;
}
