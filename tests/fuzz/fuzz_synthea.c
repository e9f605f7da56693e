/*
 * libFuzzer target: the Synthea CSV reader (lib/synthea.h) on arbitrary
 * files.  The input is up to three files, patients.csv, conditions.csv
 * and observations.csv, cut at form feeds (which CSV text never holds),
 * written to a temporary directory, since the reader takes paths.
 *
 * The oracle is a second reading written here from synthea.h's rules,
 * on the bytes in memory:
 *   - each file read with csv_open/csv_next gives the rows a plain
 *     RFC 4180 one-line splitter gives (BOM, CRLF, blank lines, NUL
 *     bytes, field counts), in order, and the same count of bad rows;
 *   - synthea_load gives the patients, in order, with the birth and death
 *     days, sex, the set of active conditions and the newest three
 *     values of each vital (newest first, a later row newer on a tie),
 *     and the same bad and orphan row counts; or fails when the reading
 *     says it must (a missing file or column, no usable patient);
 *   - synthea_vital_encounters gives the same encounters, in order, with
 *     the same values (NaN where none was recorded), unless a patient and
 *     date run past the reader's 256-byte key, which no export has.
 * Built and run by `make fuzz`.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isotime.h"
#include "sanitize.h"
#include "synthea.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const file_names[3] = {
	"patients.csv", "conditions.csv", "observations.csv"
};
static char dir[64];
static char path[3][128];

/* 2026-01-01T00:00:00Z: the cohort's reference time. */
#define REF_USEC	(INT64_C(1767225600) * USEC_PER_SEC)

#define check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);\
		abort();						\
	}								\
} while (0)

/* ---- the second reading of one CSV file ---------------------------- */

struct ref_row {
	char **f;
	size_t n;
};

struct ref_csv {
	bool ok;		/* csv_open must succeed */
	struct ref_row head;
	struct ref_row *row;
	size_t nrow;
	uint64_t bad;
};

static void
row_free(struct ref_row *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i]);
	free(r->f);
	r->f = NULL;
	r->n = 0;
}

static void
push_field(struct ref_row *r, const char *s, size_t n)
{
	r->f = realloc(r->f, (r->n + 1) * sizeof *r->f);
	r->f[r->n] = malloc(n + 1);
	memcpy(r->f[r->n], s, n);
	r->f[r->n++][n] = '\0';
}

/* s[0..len) has no NUL.  false when the quoting is broken. */
static bool
ref_split(const char *s, size_t len, struct ref_row *r)
{
	size_t i = 0;
	char *buf = malloc(len + 1);

	for (;;) {
		size_t n = 0;
		if (i < len && s[i] == '"') {
			for (i++;; i++) {
				if (i == len)
					goto broken;
				if (s[i] != '"') {
					buf[n++] = s[i];
				} else if (i + 1 < len && s[i + 1] == '"') {
					buf[n++] = '"';
					i++;
				} else {
					i++;
					break;
				}
			}
			if (i < len && s[i] != ',')
				goto broken;
		} else {
			while (i < len && s[i] != ',')
				buf[n++] = s[i++];
		}
		push_field(r, buf, n);
		if (i == len)
			break;
		i++;	/* the comma */
	}
	free(buf);
	return true;
broken:
	free(buf);
	row_free(r);
	return false;
}

static void
ref_csv_read(const char *text, size_t len, bool present, struct ref_csv *c)
{
	size_t at = 0;
	bool header = true;

	memset(c, 0, sizeof *c);
	if (!present)
		return;
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		const char *s = text + at;
		size_t n = nl ? (size_t)(nl - s) : len - at;
		struct ref_row r = { 0 };

		at += n + (nl != NULL);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (header) {
			header = false;
			if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 &&
			    memchr(s, '\0', n) == NULL) {
				s += 3;
				n -= 3;
			}
			if (memchr(s, '\0', n) != NULL ||
			    !ref_split(s, n, &c->head))
				return;
			c->ok = true;
			continue;
		}
		if (n == 0)
			continue;
		if (memchr(s, '\0', n) != NULL || !ref_split(s, n, &r) ||
		    r.n != c->head.n) {
			row_free(&r);
			c->bad++;
			continue;
		}
		c->row = realloc(c->row, (c->nrow + 1) * sizeof *c->row);
		c->row[c->nrow++] = r;
	}
}

static void
ref_csv_free(struct ref_csv *c)
{
	row_free(&c->head);
	for (size_t i = 0; i < c->nrow; i++)
		row_free(&c->row[i]);
	free(c->row);
}

static int
ref_col(const struct ref_csv *c, const char *name)
{
	for (size_t i = 0; i < c->head.n; i++)
		if (strcmp(c->head.f[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *
ref_get(const struct ref_row *r, int col)
{
	return col < 0 ? "" : r->f[col];
}

/* csv_open and csv_next against the second reading. */
static void
check_csv(const char *p, const struct ref_csv *want)
{
	struct csv c;
	char err[256];
	size_t k = 0;

	if (csv_open(&c, p, true, err, sizeof err) != 0) {
		check(!want->ok);
		check(err[0] != '\0');
		return;
	}
	check(want->ok);
	check(c.ncol == want->head.n);
	for (size_t i = 0; i < c.ncol; i++)
		check(strcmp(c.name[i], want->head.f[i]) == 0);
	while (csv_next(&c) == 1) {
		check(k < want->nrow);
		for (size_t i = 0; i < c.ncol; i++)
			check(strcmp(csv_get(&c, (int)i),
			    want->row[k].f[i]) == 0);
		check(*csv_get(&c, -1) == '\0');
		k++;
	}
	check(k == want->nrow);
	check(c.bad == want->bad);
	csv_close(&c);
}

/* ---- the second reading of the export ------------------------------ */

struct ref_obs {
	int64_t t;
	double v;
	size_t seq;
};

struct ref_patient {
	const char *id;
	int32_t birth, death;
	char sex;
	uint64_t *codes;
	size_t ncodes;
	struct ref_obs *obs[SV_COUNT];
	size_t nobs[SV_COUNT];
};

struct ref_export {
	bool ok;
	struct ref_patient *p;
	size_t n;
	uint64_t bad, orphans;
};

static struct ref_patient *
ref_find(struct ref_export *e, const char *id)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->p[i].id, id) == 0)
			return &e->p[i];
	return NULL;
}

/* 1 to 256 bytes of UTF-8 (jansson says) without control characters. */
static bool
ref_usable_id(const char *id)
{
	size_t n = strlen(id);
	json_t *j;

	if (n == 0 || n > 256)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x20)
			return false;
	if ((j = json_stringn(id, n)) == NULL)
		return false;
	json_decref(j);
	return true;
}

static bool
ref_opt_date(const char *s, int32_t *d)
{
	if (*s == '\0') {
		*d = INT32_MIN;
		return true;
	}
	return iso_parse_date(s, strlen(s), d) == 0;
}

static bool
ref_code(const char *s, uint64_t *code)
{
	size_t n = strlen(s);

	if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
		return false;
	*code = strtoull(s, NULL, 10);
	return true;
}

static bool
ref_number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return *s != '\0' && *end == '\0' && errno == 0 && isfinite(*v);
}

static const char *const loinc[SV_COUNT] = {
	[SV_SYSTOLIC] = "8480-6", [SV_DIASTOLIC] = "8462-4",
	[SV_WEIGHT] = "29463-7", [SV_HEIGHT] = "8302-2", [SV_BMI] = "39156-5",
};

static bool
has_cols(const struct ref_csv *c, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (ref_col(c, names[i]) < 0)
			return false;
	return true;
}

static void
ref_export(const struct ref_csv *f, struct ref_export *e)
{
	static const char *const pn[] = { "Id", "BIRTHDATE", "GENDER" };
	static const char *const cn[] = { "START", "STOP", "PATIENT", "CODE" };
	static const char *const on[] = { "DATE", "PATIENT", "CODE", "VALUE" };
	int32_t ref_day = usec_to_days(REF_USEC);
	const struct ref_csv *c;
	struct ref_patient *p;
	size_t seq = 0;

	memset(e, 0, sizeof *e);
	if (!f[0].ok || !has_cols(&f[0], pn, 3))
		return;
	c = &f[0];
	e->bad += c->bad;
	for (size_t i = 0; i < c->nrow; i++) {
		const struct ref_row *r = &c->row[i];
		const char *id = ref_get(r, ref_col(c, "Id"));
		const char *g = ref_get(r, ref_col(c, "GENDER"));
		int32_t birth, death;
		if (!ref_usable_id(id) || ref_find(e, id) != NULL ||
		    iso_parse_date(ref_get(r, ref_col(c, "BIRTHDATE")),
		    strlen(ref_get(r, ref_col(c, "BIRTHDATE"))), &birth) != 0 ||
		    !ref_opt_date(ref_get(r, ref_col(c, "DEATHDATE")), &death)) {
			e->bad++;
			continue;
		}
		e->p = realloc(e->p, (e->n + 1) * sizeof *e->p);
		p = &e->p[e->n++];
		memset(p, 0, sizeof *p);
		p->id = id;
		p->birth = birth;
		p->death = death;
		p->sex = strcmp(g, "M") == 0 ? 'M' : strcmp(g, "F") == 0 ?
		    'F' : '?';
	}
	if (e->n == 0 || !f[1].ok || !has_cols(&f[1], cn, 4))
		return;
	c = &f[1];
	e->bad += c->bad;
	for (size_t i = 0; i < c->nrow; i++) {
		const struct ref_row *r = &c->row[i];
		int32_t start, stop;
		uint64_t code;
		bool seen = false;
		if (!ref_opt_date(ref_get(r, ref_col(c, "START")), &start) ||
		    start == INT32_MIN ||
		    !ref_opt_date(ref_get(r, ref_col(c, "STOP")), &stop) ||
		    !ref_code(ref_get(r, ref_col(c, "CODE")), &code)) {
			e->bad++;
			continue;
		}
		if ((p = ref_find(e, ref_get(r, ref_col(c, "PATIENT")))) ==
		    NULL) {
			e->orphans++;
			continue;
		}
		if (start > ref_day || (stop != INT32_MIN && stop <= ref_day))
			continue;
		for (size_t k = 0; k < p->ncodes; k++)
			seen |= p->codes[k] == code;
		if (!seen) {
			p->codes = realloc(p->codes, (p->ncodes + 1) *
			    sizeof *p->codes);
			p->codes[p->ncodes++] = code;
		}
	}
	if (!f[2].ok || !has_cols(&f[2], on, 4))
		return;
	c = &f[2];
	e->bad += c->bad;
	int cat = ref_col(c, "CATEGORY"), type = ref_col(c, "TYPE");
	for (size_t i = 0; i < c->nrow; i++) {
		const struct ref_row *r = &c->row[i];
		const char *date = ref_get(r, ref_col(c, "DATE"));
		int k;
		int64_t t;
		double v;
		for (k = 0; k < SV_COUNT; k++)
			if (strcmp(ref_get(r, ref_col(c, "CODE")), loinc[k]) == 0)
				break;
		if (k == SV_COUNT ||
		    (cat >= 0 && strcmp(r->f[cat], "vital-signs") != 0) ||
		    (type >= 0 && strcmp(r->f[type], "numeric") != 0))
			continue;
		if (iso_parse(date, strlen(date), &t) != 0 ||
		    !ref_number(ref_get(r, ref_col(c, "VALUE")), &v)) {
			e->bad++;
			continue;
		}
		if ((p = ref_find(e, ref_get(r, ref_col(c, "PATIENT")))) ==
		    NULL) {
			e->orphans++;
			continue;
		}
		if (t > REF_USEC)
			continue;
		p->obs[k] = realloc(p->obs[k], (p->nobs[k] + 1) *
		    sizeof *p->obs[k]);
		p->obs[k][p->nobs[k]++] = (struct ref_obs){ t, v, seq++ };
	}
	e->ok = true;
}

static void
ref_export_free(struct ref_export *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->p[i].codes);
		for (int k = 0; k < SV_COUNT; k++)
			free(e->p[i].obs[k]);
	}
	free(e->p);
}

/* Newest first; of equal times the later row. */
static int
cmp_obs(const void *a, const void *b)
{
	const struct ref_obs *x = a, *y = b;

	if (x->t != y->t)
		return x->t > y->t ? -1 : 1;
	return x->seq > y->seq ? -1 : 1;
}

static void
check_export(struct ref_export *want)
{
	struct synthea s;
	char err[512];

	if (synthea_load(&s, dir, REF_USEC, true, err, sizeof err) != 0) {
		check(!want->ok);
		check(err[0] != '\0');
		check(s.n == 0 && s.p == NULL);
		return;
	}
	check(want->ok);
	check(s.n == want->n);
	check(s.bad_rows == want->bad);
	check(s.orphan_rows == want->orphans);
	for (size_t i = 0; i < s.n; i++) {
		const struct synthea_patient *p = &s.p[i];
		struct ref_patient *w = &want->p[i];
		check(strcmp(p->id, w->id) == 0);
		check(p->birth == w->birth && p->death == w->death);
		check(p->sex == w->sex);
		check(p->ncodes == w->ncodes);
		for (size_t k = 0; k < w->ncodes; k++)
			check(synthea_has_code(p, w->codes[k]));
		for (int k = 0; k < SV_COUNT; k++) {
			size_t n = w->nobs[k] < SYNTHEA_KEEP ? w->nobs[k] :
			    SYNTHEA_KEEP;
			if (w->nobs[k] > 1)
				qsort(w->obs[k], w->nobs[k],
				    sizeof *w->obs[k], cmp_obs);
			check(p->obs[k].n == (int)n);
			for (size_t j = 0; j < n; j++)
				check(p->obs[k].t[j] == w->obs[k][j].t &&
				    p->obs[k].v[j] == w->obs[k][j].v);
			check(n == 0 ? isnan(synthea_obs_mean(&p->obs[k])) :
			    isfinite(synthea_obs_mean(&p->obs[k])));
		}
	}
	synthea_free(&s);
}

/* ---- the vital-sign encounters -------------------------------------- */

struct encounters {
	double (*v)[6];
	size_t n, at;
	bool comparable;
};

static void
ref_encounters(const struct ref_csv *c, struct encounters *e)
{
	static const struct {
		const char *loinc;
		int slot;
	} mon[] = {
		{ "8867-4", 0 }, { "9279-1", 1 }, { "2708-6", 2 },
		{ "59408-5", 2 }, { "2713-6", 2 }, { "8310-5", 3 },
		{ "8480-6", 4 }, { "8462-4", 5 },
	};
	int date = ref_col(c, "DATE"), patient = ref_col(c, "PATIENT");
	int cat = ref_col(c, "CATEGORY"), code = ref_col(c, "CODE");
	int value = ref_col(c, "VALUE"), type = ref_col(c, "TYPE");
	const char *kp = NULL, *kd = NULL;
	double v[6];

	memset(e, 0, sizeof *e);
	e->comparable = true;
	for (int i = 0; i < 6; i++)
		v[i] = NAN;
	for (size_t i = 0; i <= c->nrow; i++) {
		const struct ref_row *r = i < c->nrow ? &c->row[i] : NULL;
		double x;
		if (r != NULL && ((cat >= 0 && strcmp(r->f[cat],
		    "vital-signs") != 0) || (type >= 0 &&
		    strcmp(r->f[type], "numeric") != 0)))
			continue;
		/* A key is "patient date" in 256 bytes: longer ones are cut
		 * and may run together, which is not worth a comparison. */
		if (r != NULL && strlen(r->f[patient]) + strlen(r->f[date]) >=
		    254)
			e->comparable = false;
		if (r == NULL || kp == NULL || strcmp(kp, r->f[patient]) != 0 ||
		    strcmp(kd, r->f[date]) != 0) {
			if (!isnan(v[0]) && !isnan(v[1]) && !isnan(v[4]) &&
			    !isnan(v[5])) {
				e->v = realloc(e->v, (e->n + 1) * sizeof *e->v);
				memcpy(e->v[e->n++], v, sizeof v);
			}
			for (int k = 0; k < 6; k++)
				v[k] = NAN;
			if (r == NULL)
				break;
			kp = r->f[patient];
			kd = r->f[date];
		}
		/* A value is a number written in full; an underflow is
		 * still a value. */
		char *end;
		x = strtod(r->f[value], &end);
		if (*r->f[value] == '\0' || *end != '\0' || !isfinite(x))
			continue;
		for (size_t m = 0; m < sizeof mon / sizeof mon[0]; m++)
			if (strcmp(r->f[code], mon[m].loinc) == 0)
				v[mon[m].slot] = x;
	}
}

static void
on_encounter(void *arg, const double *v)
{
	struct encounters *e = arg;

	check(!isnan(v[0]) && !isnan(v[1]) && !isnan(v[4]) && !isnan(v[5]));
	for (int i = 0; i < 6; i++)
		check(isnan(v[i]) || isfinite(v[i]));
	if (e->comparable) {
		check(e->at < e->n);
		for (int i = 0; i < 6; i++)
			check(isnan(v[i]) ? isnan(e->v[e->at][i]) :
			    v[i] == e->v[e->at][i]);
	}
	e->at++;
}

static void
check_encounters(const struct ref_csv *c)
{
	struct encounters e;
	char err[512];
	long n;
	bool usable = c->ok && ref_col(c, "DATE") >= 0 &&
	    ref_col(c, "PATIENT") >= 0 && ref_col(c, "CODE") >= 0 &&
	    ref_col(c, "VALUE") >= 0;

	memset(&e, 0, sizeof e);
	if (usable)
		ref_encounters(c, &e);
	n = synthea_vital_encounters(dir, true, on_encounter, &e, err,
	    sizeof err);
	if (!usable) {
		check(n == -1);
	} else {
		check(n >= 0 && (size_t)n == e.at);
		check(!e.comparable || e.at == e.n);
	}
	free(e.v);
}

static void
cleanup(void)
{
	for (int i = 0; i < 3; i++)
		unlink(path[i]);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *part[3] = { 0 };
	size_t len[3] = { 0 }, at = 0;
	struct ref_csv ref[3];
	struct ref_export ex;
	int nparts = 0;

	if (dir[0] == '\0') {
		strcpy(dir, "/tmp/vl-fuzz-synthea.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		for (int i = 0; i < 3; i++)
			snprintf(path[i], sizeof path[i], "%s/%s", dir,
			    file_names[i]);
		atexit(cleanup);
	}
	while (nparts < 3 && at <= size) {
		const char *ff = memchr(text + at, '\f', size - at);
		part[nparts] = text + at;
		len[nparts] = ff ? (size_t)(ff - (text + at)) : size - at;
		at += len[nparts++] + 1;
		if (ff == NULL)
			break;
	}
	for (int i = 0; i < 3; i++) {
		FILE *fp;
		unlink(path[i]);
		if (i < nparts) {
			if ((fp = fopen(path[i], "w")) == NULL)
				abort();
			fwrite(part[i], 1, len[i], fp);
			fclose(fp);
		}
		ref_csv_read(part[i], len[i], i < nparts, &ref[i]);
		if (i < nparts)
			check_csv(path[i], &ref[i]);
	}
	ref_export(ref, &ex);
	check_export(&ex);
	check_encounters(&ref[2]);
	ref_export_free(&ex);
	for (int i = 0; i < 3; i++)
		ref_csv_free(&ref[i]);
	return 0;
}
