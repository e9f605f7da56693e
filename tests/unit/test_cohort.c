/*
 * cohort: the built-in hospital mix (wards, ages, conditions, baselines),
 * per-patient streams that make a patient independent of the cohort size,
 * the Synthea cohort against the export, and the roster.
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
#include <jansson.h>

#include "cohort.h"
#include "isotime.h"
#include "writer.h"
#include "synthea.h"

#define BIG	6000

static struct cohort big;

static int
make_big(void **state)
{
	(void)state;
	cohort_builtin(&big, BIG, 42);
	return 0;
}

static int
free_big(void **state)
{
	(void)state;
	cohort_free(&big);
	return 0;
}

static bool
has(const struct patient *p, enum condition c)
{
	return (p->conditions & CONDBIT(c)) != 0;
}

/* Patient k is the same patient whatever the cohort size, and the seed
 * matters. */
static void
test_stable_patients(void **state)
{
	struct cohort a, b, c;

	(void)state;
	cohort_builtin(&a, 10, 7);
	cohort_builtin(&b, 25, 7);
	cohort_builtin(&c, 10, 8);
	for (size_t k = 0; k < 10; k++) {
		assert_string_equal(a.p[k].id, b.p[k].id);
		assert_int_equal(a.p[k].ward, b.p[k].ward);
		assert_int_equal(a.p[k].conditions, b.p[k].conditions);
		assert_true(a.p[k].age == b.p[k].age);
		assert_true(a.p[k].base.hr == b.p[k].base.hr);
		assert_true(a.p[k].base.sbp == b.p[k].base.sbp);
		assert_string_equal(a.p[k].device_id, b.p[k].device_id);
		assert_string_not_equal(a.p[k].id, c.p[k].id);
	}
	cohort_free(&a);
	cohort_free(&b);
	cohort_free(&c);
}

static void
test_ids(void **state)
{
	(void)state;
	for (size_t k = 0; k < BIG; k++) {
		const char *id = big.p[k].id;
		assert_int_equal(strlen(id), 36);
		assert_int_equal(big.p[k].id_len, 36);
		assert_true(id[8] == '-' && id[13] == '-' && id[18] == '-' &&
		    id[23] == '-');
		assert_int_equal(id[14], '4');		/* version 4 */
		assert_non_null(strchr("89ab", id[19]));	/* variant */
	}
	/* Ids and device names are unique (sorted compare would be
	 * nicer; a quadratic scan of a few hundred is enough). */
	for (size_t i = 0; i < 400; i++)
		for (size_t j = i + 1; j < 400; j++) {
			assert_string_not_equal(big.p[i].id, big.p[j].id);
			assert_string_not_equal(big.p[i].device_id,
			    big.p[j].device_id);
		}
}

/* Wards, ages, sexes: an adult hospital with a paediatric ward. */
static void
test_demographics(void **state)
{
	size_t ward[NWARDS] = { 0 }, children = 0, adults = 0, old = 0,
	    men = 0;

	(void)state;
	for (size_t k = 0; k < BIG; k++) {
		const struct patient *p = &big.p[k];
		ward[p->ward]++;
		/* Children are on the paediatric ward and only there. */
		assert_int_equal(p->ward == WARD_PAEDIATRICS, p->age < 18);
		assert_true(p->age >= 0 && p->age < 100);
		assert_int_equal(p->age_years, (int)p->age);
		assert_true(p->sex == 'M' || p->sex == 'F');
		men += p->sex == 'M';
		if (p->age < 18) {
			children++;
		} else {
			adults++;
			old += p->age >= 65;
		}
	}
	for (int w = 0; w < NWARDS; w++)
		assert_true(ward[w] > BIG / 30);
	assert_true(ward[WARD_MEDICINE] > ward[WARD_ICU]);
	assert_true(children > BIG * 5 / 100 && children < BIG * 12 / 100);
	/* Inpatients are old: about half of the adults are 65 or more. */
	assert_true(old > adults * 35 / 100 && old < adults * 65 / 100);
	assert_true(men > BIG * 40 / 100 && men < BIG * 60 / 100);
}

/* Prevalence rises with age, and wards gather their conditions. */
static void
test_conditions(void **state)
{
	size_t young = 0, young_htn = 0, aged = 0, aged_htn = 0;
	size_t resp = 0, resp_copd = 0, other = 0, other_copd = 0;
	size_t card = 0, card_hf = 0, other_hf = 0, adults = 0, obese = 0;

	(void)state;
	for (size_t k = 0; k < BIG; k++) {
		const struct patient *p = &big.p[k];
		if (p->age < 18) {
			/* Adult diseases stay out of the children's ward. */
			assert_false(has(p, COND_COPD));
			assert_false(has(p, COND_HEART_FAILURE));
			assert_false(has(p, COND_CKD));
			assert_false(has(p, COND_CAD));
			continue;
		}
		adults++;
		obese += has(p, COND_OBESITY);
		if (p->age < 45) {
			young++;
			young_htn += has(p, COND_HYPERTENSION);
		} else if (p->age >= 65) {
			aged++;
			aged_htn += has(p, COND_HYPERTENSION);
		}
		if (p->ward == WARD_RESPIRATORY) {
			resp++;
			resp_copd += has(p, COND_COPD);
		} else {
			other++;
			other_copd += has(p, COND_COPD);
		}
		if (p->ward == WARD_CARDIOLOGY) {
			card++;
			card_hf += has(p, COND_HEART_FAILURE);
		} else {
			other_hf += has(p, COND_HEART_FAILURE);
		}
	}
	assert_true(young_htn < young * 25 / 100);
	assert_true(aged_htn > aged * 45 / 100);
	assert_true((double)resp_copd / resp > 2.5 * other_copd / other);
	assert_true((double)card_hf / card > 2.5 * other_hf /
	    (adults - card));
	assert_true(obese > adults * 25 / 100 && obese < adults * 50 / 100);
}

static double
mean_of(bool (*want)(const struct patient *), size_t off)
{
	double sum = 0;
	size_t n = 0;

	for (size_t k = 0; k < BIG; k++) {
		if (!want(&big.p[k]))
			continue;
		sum += *(const double *)((const char *)&big.p[k].base + off);
		n++;
	}
	assert_true(n > 20);
	return sum / n;
}

static bool infant(const struct patient *p) { return p->age < 1; }
static bool adult(const struct patient *p) { return p->age >= 18; }
static bool hyper(const struct patient *p)
{ return p->age >= 18 && has(p, COND_HYPERTENSION); }
static bool normo(const struct patient *p)
{ return p->age >= 18 && !has(p, COND_HYPERTENSION); }
static bool copd(const struct patient *p) { return has(p, COND_COPD); }
static bool hf(const struct patient *p)
{ return p->age >= 18 && has(p, COND_HEART_FAILURE); }
static bool no_hf(const struct patient *p)
{ return p->age >= 18 && !has(p, COND_HEART_FAILURE); }
static bool inf(const struct patient *p) { return has(p, COND_INFECTION); }
static bool no_inf(const struct patient *p)
{ return p->age >= 18 && !has(p, COND_INFECTION); }
static bool no_copd(const struct patient *p)
{ return p->age >= 18 && !has(p, COND_COPD); }

#define HR	offsetof(struct vitals, hr)
#define RR	offsetof(struct vitals, rr)
#define SBP	offsetof(struct vitals, sbp)
#define DBP	offsetof(struct vitals, dbp)
#define SPO2	offsetof(struct vitals, spo2)
#define TEMP	offsetof(struct vitals, temp)

/* Baselines follow the published norms and the conditions. */
static void
test_baselines(void **state)
{
	double sd = 0, m;
	size_t n = 0;

	(void)state;
	/* Infants: HR about 130-145, RR 35-44 (Fleming et al.). */
	assert_true(mean_of(infant, HR) > 120 && mean_of(infant, HR) < 150);
	assert_true(mean_of(infant, RR) > 30);
	/* Adults: about 72/min, 16/min, 36.6 C; the inpatient SBP sits
	 * above the population's 122 (older, more hypertensive). */
	assert_true(mean_of(adult, HR) > 68 && mean_of(adult, HR) < 82);
	assert_true(mean_of(adult, RR) > 15 && mean_of(adult, RR) < 19);
	assert_true(mean_of(adult, TEMP) > 36.4 && mean_of(adult, TEMP) < 36.9);
	assert_true(mean_of(adult, SBP) > 118 && mean_of(adult, SBP) < 138);
	assert_true(mean_of(adult, DBP) > 65 && mean_of(adult, DBP) < 82);
	assert_true(mean_of(hyper, SBP) > mean_of(normo, SBP) + 12);
	assert_true(mean_of(copd, SPO2) < mean_of(no_copd, SPO2) - 3);
	assert_true(mean_of(copd, RR) > mean_of(no_copd, RR) + 2);
	assert_true(mean_of(hf, HR) > mean_of(no_hf, HR) + 3);
	assert_true(mean_of(hf, SPO2) < mean_of(no_hf, SPO2) - 0.5);
	assert_true(mean_of(inf, TEMP) > mean_of(no_inf, TEMP) + 0.15);
	/* Between-person HR spread about 10-12/min in adults. */
	m = mean_of(adult, HR);
	for (size_t k = 0; k < BIG; k++)
		if (big.p[k].age >= 18) {
			sd += pow(big.p[k].base.hr - m, 2);
			n++;
		}
	sd = sqrt(sd / (n - 1));
	assert_true(sd > 8 && sd < 14);
	for (size_t k = 0; k < BIG; k++) {
		const struct vitals *b = &big.p[k].base;
		assert_true(b->dbp < b->sbp - 15);
		assert_true(b->spo2 <= 100);
		assert_true(!isnan(big.p[k].weight_kg));
	}
}

static int
completed_years(int32_t birth, int32_t at)
{
	int64_t by, y;
	unsigned bm, bd, m, d;

	civil_from_days(birth, &by, &bm, &bd);
	civil_from_days(at, &y, &m, &d);
	return (int)(y - by - (m < bm || (m == bm && d < bd)));
}

static const struct patient *
find(const struct cohort *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->p[i].id, id) == 0)
			return &c->p[i];
	return NULL;
}

/*
 * A Synthea cohort keeps the living, with ages from the birth dates,
 * conditions from the codes and the recorded blood pressure.  The export
 * is read here with the synthea module, already tested on its own.
 */
static void
check_synthea(const char *set, size_t want_alive)
{
	const char *at;
	char path[4096], err[256];
	struct cohort c, first;
	struct synthea s;
	int64_t ref;
	size_t alive = 0, htn = 0;

	unit_need_shared(at, set);
	snprintf(path, sizeof path, "%s", at);
	iso_parse("2026-01-01T00:00:00Z", 20, &ref);
	assert_int_equal(cohort_synthea(&c, path, ref, 0, 1, true, err,
	    sizeof err), 0);
	assert_int_equal(synthea_load(&s, path, ref, true, err, sizeof err),
	    0);
	assert_true(c.from_synthea);
	assert_int_equal(c.n, want_alive);
	assert_int_equal(c.n + c.deceased + c.unborn, s.n);
	for (size_t i = 0; i < s.n; i++) {
		const struct synthea_patient *sp = &s.p[i];
		const struct patient *p = find(&c, sp->id);
		if (sp->death != INT32_MIN) {
			assert_null(p);		/* the dead stay out */
			continue;
		}
		assert_non_null(p);
		alive++;
		assert_int_equal(p->age_years,
		    completed_years(sp->birth, usec_to_days(ref)));
		assert_int_equal(p->sex, sp->sex);
		assert_int_equal(p->ward == WARD_PAEDIATRICS, p->age < 18);
		assert_int_equal(has(p, COND_HYPERTENSION),
		    synthea_has_code(sp, 59621000));
		assert_int_equal(has(p, COND_OBESITY),
		    synthea_has_code(sp, 162864005));
		htn += has(p, COND_HYPERTENSION);
		if (sp->obs[SV_SYSTOLIC].n > 0 && sp->obs[SV_DIASTOLIC].n > 0) {
			double sbp = synthea_obs_mean(&sp->obs[SV_SYSTOLIC]);
			assert_true(p->bp_recorded);
			/* Kept as recorded unless out of the clamp. */
			if (sbp >= 60 && sbp <= 200)
				assert_true(fabs(p->base.sbp - sbp) < 1e-9);
		}
	}
	assert_int_equal(alive, c.n);
	assert_true(htn > 5);

	/* --patients N with --synthea keeps the first N living. */
	assert_int_equal(cohort_synthea(&first, path, ref, 5, 1, true, err,
	    sizeof err), 0);
	assert_int_equal(first.n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(first.p[i].id, c.p[i].id);
		assert_true(first.p[i].base.hr == c.p[i].base.hr);
	}
	cohort_free(&first);
	cohort_free(&c);
	synthea_free(&s);
}

static void
test_synthea_a(void **state)
{
	(void)state;
	check_synthea("synthea", 90);
}

static void
test_synthea_b(void **state)
{
	(void)state;
	check_synthea("synthea-ca2022", 50);
}

/* A Synthea patient's numbers hang on its Id, not its place in the
 * file. */
static void
test_synthea_order(void **state)
{
	char dir[] = "/tmp/vl-cohort.XXXXXX", path[128], err[256];
	const char *rows[2] = { "aa-1,1950-01-01,,M\n", "bb-2,1960-01-01,,F\n" };
	struct cohort c[2];
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (int order = 0; order < 2; order++) {
		snprintf(path, sizeof path, "%s/patients.csv", dir);
		assert_non_null(fp = fopen(path, "w"));
		fprintf(fp, "Id,BIRTHDATE,DEATHDATE,GENDER\n%s%s",
		    rows[order], rows[1 - order]);
		fclose(fp);
		snprintf(path, sizeof path, "%s/conditions.csv", dir);
		assert_non_null(fp = fopen(path, "w"));
		fputs("START,STOP,PATIENT,CODE\n"
		    "2000-01-01,,bb-2,13645005\n", fp);
		fclose(fp);
		snprintf(path, sizeof path, "%s/observations.csv", dir);
		assert_non_null(fp = fopen(path, "w"));
		fputs("DATE,PATIENT,CODE,VALUE\n", fp);
		fclose(fp);
		assert_int_equal(cohort_synthea(&c[order], dir,
		    INT64_C(1767225600000000), 0, 3, true, err, sizeof err), 0);
	}
	const struct patient *x = find(&c[0], "bb-2"), *y = find(&c[1], "bb-2");
	assert_true(has(x, COND_COPD));
	assert_true(x->base.hr == y->base.hr);
	assert_true(x->base.spo2 == y->base.spo2);
	assert_int_equal(x->ward, y->ward);
	assert_false(x->bp_recorded);
	cohort_free(&c[0]);
	cohort_free(&c[1]);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* The roster: one JSON object per patient with what enrichment needs. */
static void
test_roster(void **state)
{
	char path[] = "/tmp/vl-roster.XXXXXX";
	struct cohort c;
	struct writer w;
	json_error_t je;
	char line[4096];
	FILE *fp;
	size_t n = 0;
	int fd;

	(void)state;
	cohort_builtin(&c, 200, 5);
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_int_equal(writer_open(&w, path, false), 0);
	cohort_write_roster(&c, &w);
	assert_int_equal(writer_close(&w), 0);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof line, fp) != NULL) {
		const struct patient *p = &c.p[n];
		json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &je), *a;
		size_t i, k = 0;
		assert_non_null(o);
		assert_string_equal(json_string_value(json_object_get(o,
		    "patient_id")), p->id);
		assert_string_equal(json_string_value(json_object_get(o,
		    "ward")), ward_name(p->ward));
		assert_int_equal(json_integer_value(json_object_get(o, "age")),
		    p->age_years);
		assert_int_equal(json_string_value(json_object_get(o,
		    "sex"))[0], p->sex);
		a = json_object_get(o, "conditions");
		assert_true(json_is_array(a));
		for (int cnd = 0; cnd < NCONDITIONS; cnd++) {
			if (!has(p, cnd))
				continue;
			assert_string_equal(json_string_value(
			    json_array_get(a, k)), condition_name(cnd));
			k++;
		}
		assert_int_equal(json_array_size(a), k);
		json_t *b = json_object_get(o, "baseline");
		assert_true(fabs(json_real_value(json_object_get(b,
		    "heart_rate")) - p->base.hr) <= 0.05 + 1e-9);
		for (i = 0; i < 6; i++)
			assert_true(json_is_real(json_object_get(b,
			    (const char *[]){ "heart_rate", "temperature",
			    "spo2", "respiration_rate", "systolic",
			    "diastolic" }[i])));
		assert_string_equal(json_string_value(json_object_get(o,
		    "source")), "builtin");
		json_decref(o);
		n++;
	}
	fclose(fp);
	unlink(path);
	assert_int_equal(n, 200);
	cohort_free(&c);
}

static void
test_snomed(void **state)
{
	(void)state;
	assert_int_equal(condition_from_snomed(59621000), COND_HYPERTENSION);
	assert_int_equal(condition_from_snomed(87433001), COND_COPD);
	assert_int_equal(condition_from_snomed(88805009), COND_HEART_FAILURE);
	assert_int_equal(condition_from_snomed(162864005), COND_OBESITY);
	assert_int_equal(condition_from_snomed(44054006), COND_DIABETES);
	/* Prediabetes is not diabetes. */
	assert_int_equal(condition_from_snomed(15777000), -1);
	assert_int_equal(condition_from_snomed(714628002), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable_patients),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_demographics),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_baselines),
		cmocka_unit_test(test_synthea_a),
		cmocka_unit_test(test_synthea_b),
		cmocka_unit_test(test_synthea_order),
		cmocka_unit_test(test_roster),
		cmocka_unit_test(test_snomed),
	};
	return cmocka_run_group_tests(tests, make_big, free_big);
}
