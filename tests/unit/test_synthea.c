/*
 * synthea: reading Synthea CSV exports by header name.  Small fixture
 * exports written here test the rules exactly (both layouts, quoting,
 * malformed rows, active conditions, the latest observations); the two
 * real sample exports in ../shared are then checked against a plain
 * independent reading of the same files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"

#include "isotime.h"
#include "synthea.h"

static char dir[64];

static void
put(const char *name, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/vl-synthea.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int64_t
at(const char *iso)
{
	int64_t t;

	assert_int_equal(iso_parse(iso, strlen(iso), &t), 0);
	return t;
}

static int32_t
day(const char *ymd)
{
	int32_t d;

	assert_int_equal(iso_parse_date(ymd, strlen(ymd), &d), 0);
	return d;
}

static const struct synthea_patient *
patient(const struct synthea *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->p[i].id, id) == 0)
			return &s->p[i];
	return NULL;
}

/* The current layout, with columns in Synthea's order. */
static void
test_current_layout(void **state)
{
	struct synthea s;
	const struct synthea_patient *a, *b;
	char err[256];

	(void)state;
	put("patients.csv",
	    "Id,BIRTHDATE,DEATHDATE,SSN,FIRST,MIDDLE,GENDER,FIPS,INCOME\n"
	    "p-a,1990-06-15,,999-1,Ann1,,F,25017,100\n"
	    "p-b,2025-12-31,,999-2,Bob2,X,M,,200\n"
	    "p-c,1940-01-01,2020-05-05,999-3,Cy3,,M,,300\n");
	put("conditions.csv",
	    "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION\n"
	    /* active: no stop */
	    "2010-01-01,,p-a,e1,http://snomed.info/sct,59621000,Hypertension\n"
	    /* stopped before the reference day: not active */
	    "2010-01-01,2020-01-01,p-a,e1,http://snomed.info/sct,13645005,X\n"
	    /* stops after it: active */
	    "2025-01-01,2026-02-01,p-a,e1,http://snomed.info/sct,44054006,X\n"
	    /* starts after it: not yet */
	    "2026-03-01,,p-a,e1,http://snomed.info/sct,84114007,X\n"
	    /* the same code twice is kept once */
	    "2011-01-01,,p-a,e2,http://snomed.info/sct,59621000,Again\n"
	    /* unknown patient */
	    "2010-01-01,,p-zz,e1,http://snomed.info/sct,59621000,X\n");
	put("observations.csv",
	    "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE\n"
	    "2020-01-01T10:00:00Z,p-a,e,vital-signs,8480-6,SBP,100.0,mm,numeric\n"
	    "2021-01-01T10:00:00Z,p-a,e,vital-signs,8480-6,SBP,120.0,mm,numeric\n"
	    "2022-01-01T10:00:00Z,p-a,e,vital-signs,8480-6,SBP,130.0,mm,numeric\n"
	    "2023-01-01T10:00:00Z,p-a,e,vital-signs,8480-6,SBP,140.0,mm,numeric\n"
	    /* after the reference time: ignored */
	    "2026-06-01T10:00:00Z,p-a,e,vital-signs,8480-6,SBP,200.0,mm,numeric\n"
	    /* a text row and a laboratory row with vital codes: skipped */
	    "2023-01-01T10:00:00Z,p-a,e,vital-signs,8462-4,DBP,high,,text\n"
	    "2023-01-01T10:00:00Z,p-a,e,laboratory,8462-4,DBP,50.0,mm,numeric\n"
	    "2023-01-01T10:00:00Z,p-a,e,vital-signs,8462-4,DBP,80.0,mm,numeric\n"
	    "2023-01-01T10:00:00Z,p-a,e,vital-signs,29463-7,Wt,70.5,kg,numeric\n"
	    /* a code vitals-gen does not use */
	    "2023-01-01T10:00:00Z,p-a,e,vital-signs,8867-4,HR,77.0,/min,numeric\n");

	assert_int_equal(synthea_load(&s, dir, at("2026-01-01T00:00:00Z"),
	    true, err, sizeof err), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.p[0].id, "p-a");
	assert_string_equal(s.p[2].id, "p-c");
	a = patient(&s, "p-a");
	b = patient(&s, "p-b");
	assert_int_equal(a->birth, day("1990-06-15"));
	assert_int_equal(a->death, INT32_MIN);
	assert_int_equal(patient(&s, "p-c")->death, day("2020-05-05"));
	assert_int_equal(a->sex, 'F');
	assert_int_equal(b->sex, 'M');

	assert_int_equal(a->ncodes, 2);
	assert_true(synthea_has_code(a, 59621000));
	assert_true(synthea_has_code(a, 44054006));
	assert_false(synthea_has_code(a, 13645005));
	assert_false(synthea_has_code(a, 84114007));
	assert_int_equal(b->ncodes, 0);
	assert_int_equal(s.orphan_rows, 1);

	/* The newest three systolic values before the reference time. */
	assert_int_equal(a->obs[SV_SYSTOLIC].n, 3);
	assert_true(fabs(synthea_obs_mean(&a->obs[SV_SYSTOLIC]) -
	    130.0) < 1e-9);
	assert_int_equal(a->obs[SV_SYSTOLIC].t[0],
	    at("2023-01-01T10:00:00Z"));
	assert_int_equal(a->obs[SV_DIASTOLIC].n, 1);
	assert_true(fabs(a->obs[SV_DIASTOLIC].v[0] - 80.0) < 1e-9);
	assert_true(fabs(a->obs[SV_WEIGHT].v[0] - 70.5) < 1e-9);
	assert_true(isnan(synthea_obs_mean(&b->obs[SV_SYSTOLIC])));
	assert_int_equal(s.bad_rows, 0);
	synthea_free(&s);
}

/* The older layout: no SYSTEM column in conditions, no MIDDLE, FIPS or
 * INCOME in patients, columns in another order. */
static void
test_older_layout(void **state)
{
	struct synthea s;
	char err[256];

	(void)state;
	put("patients.csv",
	    "Id,BIRTHDATE,DEATHDATE,SSN,FIRST,LAST,GENDER,ZIP\n"
	    "q-1,2000-02-29,,999,A,B,M,93291\n");
	put("conditions.csv",
	    "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION\n"
	    "2019-01-01,,q-1,e,87433001,Pulmonary emphysema (disorder)\n");
	put("observations.csv",
	    "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,VALUE,UNITS,TYPE\n"
	    "2021-01-01T00:00:00Z,q-1,e,8480-6,SBP,150.0,mm,numeric\n");
	assert_int_equal(synthea_load(&s, dir, at("2026-01-01T00:00:00Z"),
	    true, err, sizeof err), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.p[0].birth, day("2000-02-29"));
	assert_true(synthea_has_code(&s.p[0], 87433001));
	/* No CATEGORY column: the numeric row still counts. */
	assert_int_equal(s.p[0].obs[SV_SYSTOLIC].n, 1);
	synthea_free(&s);
}

/* Rows the reader cannot use are skipped and counted, never fatal; quoted
 * fields, CRLF, a byte order mark and blank lines are fine. */
static void
test_malformed_rows(void **state)
{
	struct synthea s;
	char err[256];

	(void)state;
	put("patients.csv",
	    "\xEF\xBB\xBFId,BIRTHDATE,DEATHDATE,GENDER,ADDRESS\r\n"
	    "ok-1,1980-01-01,,M,\"1 Main St, Apt 2\"\r\n"
	    "\r\n"
	    "short,1980-01-01,M\n"			/* 3 fields */
	    "long,1980-01-01,,M,x,y\n"			/* 6 fields */
	    "badq,1980-01-01,,F,\"unterminated\n"
	    "badd,1980-13-01,,F,x\n"			/* no 13th month */
	    "ok-1,1981-01-01,,F,dup\n"			/* duplicate Id */
	    ",1980-01-01,,F,x\n"			/* empty Id */
	    "\"ok \"\"2\"\"\",1999-09-09,,F,quoted id\n");
	put("conditions.csv",
	    "START,STOP,PATIENT,CODE\n"
	    "2020-01-01,,ok-1,not-a-code\n"
	    "yesterday,,ok-1,59621000\n"
	    "2020-01-01,,ok-1,59621000\n");
	put("observations.csv",
	    "DATE,PATIENT,CODE,VALUE\n"
	    "2020-01-01T00:00:00Z,ok-1,8480-6,12O\n"	/* letter O */
	    "2020-01-01,ok-1,8480-6,120\n"		/* a date, no time */
	    "2020-01-01T00:00:00Z,ok-1,8480-6,121\n");
	assert_int_equal(synthea_load(&s, dir, at("2026-01-01T00:00:00Z"),
	    true, err, sizeof err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.p[0].id, "ok-1");
	assert_string_equal(s.p[1].id, "ok \"2\"");
	assert_int_equal(s.p[0].ncodes, 1);
	assert_int_equal(s.p[0].obs[SV_SYSTOLIC].n, 1);
	assert_true(fabs(s.p[0].obs[SV_SYSTOLIC].v[0] - 121) < 1e-9);
	/* 6 patient rows, 2 condition rows, 2 observation rows. */
	assert_int_equal(s.bad_rows, 10);
	synthea_free(&s);
}

/* What refuses an export outright: a missing file, a missing column. */
static void
test_refusals(void **state)
{
	struct synthea s;
	char err[256];

	(void)state;
	put("patients.csv", "Id,BIRTHDATE,GENDER\nx,2000-01-01,M\n");
	put("conditions.csv", "START,STOP,PATIENT\n");
	put("observations.csv", "DATE,PATIENT,CODE,VALUE\n");
	assert_int_equal(synthea_load(&s, dir, 0, true, err, sizeof err), -1);
	assert_non_null(strstr(err, "conditions.csv"));
	assert_non_null(strstr(err, "'CODE'"));
	assert_int_equal(s.n, 0);

	put("patients.csv", "Id,GENDER\nx,M\n");
	assert_int_equal(synthea_load(&s, dir, 0, true, err, sizeof err), -1);
	assert_non_null(strstr(err, "'BIRTHDATE'"));

	assert_int_equal(synthea_load(&s, "/nonexistent-dir", 0, true, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "patients.csv"));

	put("patients.csv", "");
	assert_int_equal(synthea_load(&s, dir, 0, true, err, sizeof err), -1);
	assert_non_null(strstr(err, "empty"));
}

/* --- the real sample exports ----------------------------------------- */

/* Splits a line at commas (the exporter never quotes). */
static int
fields(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (char *p = line;; p++) {
		if (n < max)
			f[n] = p;
		n++;
		p = strchr(p, ',');
		if (p == NULL)
			break;
		*p = '\0';
	}
	return n;
}

static int
column(char **head, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(head[i], name) == 0)
			return i;
	fail_msg("no column %s", name);
	return -1;
}

/*
 * Reads patients.csv and conditions.csv the simple way and checks the
 * loader agrees on every patient: Id, order, birth and death dates, sex,
 * and that every active hypertension or obesity row shows up as an
 * active code (and no inactive one does).
 */
static void
check_export(const char *set, size_t want_patients, size_t want_dead)
{
	const char *shared, *found;
	char path[512], line[4096], hline[4096], *head[64], *f[64];
	int nh, ci, cb, cd, cg, cs, ce, cp, cc;
	size_t n = 0, dead = 0;
	struct synthea s;
	char err[256];
	FILE *fp;
	int64_t ref = at("2026-01-01T00:00:00Z");

	snprintf(path, sizeof path, "%s/patients.csv", set);
	unit_need_shared(found, path);
	shared = unit_shared_root();
	snprintf(path, sizeof path, "%s/%s", shared, set);
	assert_int_equal(synthea_load(&s, path, ref, true, err, sizeof err),
	    0);
	assert_int_equal(s.bad_rows, 0);

	snprintf(path, sizeof path, "%s/%s/patients.csv", shared, set);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(hline, sizeof hline, fp));
	nh = fields(hline, head, 64);
	ci = column(head, nh, "Id");
	cb = column(head, nh, "BIRTHDATE");
	cd = column(head, nh, "DEATHDATE");
	cg = column(head, nh, "GENDER");
	while (fgets(line, sizeof line, fp) != NULL) {
		assert_int_equal(fields(line, f, 64), nh);
		assert_true(n < s.n);
		assert_string_equal(s.p[n].id, f[ci]);
		assert_int_equal(strlen(s.p[n].id), 36);	/* a UUID */
		assert_int_equal(s.p[n].birth, day(f[cb]));
		if (*f[cd] != '\0') {
			assert_int_equal(s.p[n].death, day(f[cd]));
			dead++;
		} else {
			assert_int_equal(s.p[n].death, INT32_MIN);
		}
		assert_int_equal(s.p[n].sex, f[cg][0]);
		n++;
	}
	fclose(fp);
	assert_int_equal(n, s.n);
	/* The counts the project notes give for the two samples. */
	assert_int_equal(n, want_patients);
	assert_int_equal(dead, want_dead);

	snprintf(path, sizeof path, "%s/%s/conditions.csv", shared, set);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(hline, sizeof hline, fp));
	nh = fields(hline, head, 64);
	cs = column(head, nh, "START");
	ce = column(head, nh, "STOP");
	cp = column(head, nh, "PATIENT");
	cc = column(head, nh, "CODE");
	size_t active = 0;
	while (fgets(line, sizeof line, fp) != NULL) {
		assert_int_equal(fields(line, f, 64), nh);
		if (strcmp(f[cc], "59621000") != 0 &&
		    strcmp(f[cc], "162864005") != 0)
			continue;
		const struct synthea_patient *p = patient(&s, f[cp]);
		assert_non_null(p);
		bool on = day(f[cs]) <= usec_to_days(ref) &&
		    (*f[ce] == '\0' || day(f[ce]) > usec_to_days(ref));
		if (on) {
			assert_true(synthea_has_code(p, strtoull(f[cc], NULL,
			    10)));
			active++;
		}
	}
	fclose(fp);
	assert_true(active > 10);
	/* And the other way round: a code the loader holds is backed by an
	 * active row (counted per patient, each code once). */
	size_t held = 0;
	for (size_t i = 0; i < s.n; i++)
		held += synthea_has_code(&s.p[i], 59621000) +
		    synthea_has_code(&s.p[i], 162864005);
	assert_true(held <= active);
	assert_true(held > 10);

	/* Blood pressure on record for nearly everyone, within Synthea's
	 * ranges. */
	size_t with_bp = 0;
	for (size_t i = 0; i < s.n; i++) {
		double sbp = synthea_obs_mean(&s.p[i].obs[SV_SYSTOLIC]);
		if (isnan(sbp))
			continue;
		with_bp++;
		assert_true(sbp >= 60 && sbp <= 220);
	}
	assert_true(with_bp >= s.n * 9 / 10);
	synthea_free(&s);
}

static void
test_set_a(void **state)
{
	(void)state;
	check_export("synthea", 98, 8);
}

static void
test_set_b(void **state)
{
	(void)state;
	check_export("synthea-ca2022", 59, 9);
}

/* What synthea_vital_encounters hands on, for the tests below. */
struct seen {
	int n;
	double v[4][6];
};

static void
collect(void *arg, const double *v)
{
	struct seen *s = arg;

	if (s->n < 4)
		memcpy(s->v[s->n], v, sizeof s->v[0]);
	s->n++;
}

/* Found by tests/fuzz/fuzz_synthea.c's second reading: an empty VALUE was
 * taken as 0 (strtod reads nothing and stops at the end), so a heart rate
 * of 0 went into the spot checks; it is a value not recorded. */
static void
test_encounters_empty_value(void **state)
{
	struct seen s = { 0 };
	char err[256];

	(void)state;
	put("observations.csv",
	    "DATE,PATIENT,CODE,VALUE\n"
	    "2020-01-01T00:00:00Z,a,8867-4,80\n"
	    "2020-01-01T00:00:00Z,a,9279-1,14\n"
	    "2020-01-01T00:00:00Z,a,2708-6,\n"
	    "2020-01-01T00:00:00Z,a,8480-6,120\n"
	    "2020-01-01T00:00:00Z,a,8462-4,80\n"
	    "2020-01-02T00:00:00Z,a,8867-4,\n"
	    "2020-01-02T00:00:00Z,a,9279-1,14\n"
	    "2020-01-02T00:00:00Z,a,8480-6,120\n"
	    "2020-01-02T00:00:00Z,a,8462-4,80\n");
	assert_int_equal(synthea_vital_encounters(dir, true, collect, &s, err,
	    sizeof err), 1);
	assert_int_equal(s.n, 1);
	assert_true(s.v[0][0] == 80);
	assert_true(isnan(s.v[0][2]));
}

/* Found the same way: rows were grouped by "patient date" as one string,
 * so patient "p 1" at date "d" and patient "p" at date "1 d" were one
 * encounter.  The two are now told apart. */
static void
test_encounters_key_fields(void **state)
{
	struct seen s = { 0 };
	char err[256];

	(void)state;
	put("observations.csv",
	    "DATE,PATIENT,CODE,VALUE\n"
	    "2020-01-01T00:00:00Z,p 1,8867-4,80\n"
	    "2020-01-01T00:00:00Z,p 1,9279-1,14\n"
	    "1 2020-01-01T00:00:00Z,p,8480-6,120\n"
	    "1 2020-01-01T00:00:00Z,p,8462-4,80\n");
	assert_int_equal(synthea_vital_encounters(dir, true, collect, &s, err,
	    sizeof err), 0);
	assert_int_equal(s.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_current_layout, make_dir,
		    remove_dir),
		cmocka_unit_test_setup_teardown(test_older_layout, make_dir,
		    remove_dir),
		cmocka_unit_test_setup_teardown(test_malformed_rows, make_dir,
		    remove_dir),
		cmocka_unit_test_setup_teardown(test_refusals, make_dir,
		    remove_dir),
		cmocka_unit_test_setup_teardown(test_encounters_empty_value,
		    make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_encounters_key_fields,
		    make_dir, remove_dir),
		cmocka_unit_test(test_set_a),
		cmocka_unit_test(test_set_b),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
