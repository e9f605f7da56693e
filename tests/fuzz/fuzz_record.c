/*
 * libFuzzer target: the record codec and jansson must agree on every
 * input (valid object or not, and the same values), and the cleaner must
 * survive it.  Built and run by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "record.h"
#include "sanitize.h"
#include "schema.h"

static struct schema *schema;
static struct record *rec;
static struct cleaner *cleaner;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	json_error_t je;
	struct clean_options co;
	struct clean_result res;
	const struct record *out;

	if (schema == NULL) {
		schema = schema_load("reading", err, sizeof err);
		rec = record_new(schema);
		clean_options_init(&co);
		co.now = INT64_C(1772359200000000);
		cleaner = cleaner_new(&co);
	}
	const char *line = (const char *)data;
	json_t *ref = json_loadb(line, size, JSON_REJECT_DUPLICATES, &je);
	int ref_ok = ref != NULL && json_is_object(ref);
	int rc = record_scan(rec, line, size, err);

	if ((rc == 0) != ref_ok) {
		fprintf(stderr, "codec %d, jansson %d\n", rc, ref_ok);
		abort();
	}
	if (ref_ok) {
		json_t *got = record_to_json(rec);
		if (!json_equal(got, ref))
			abort();
		json_decref(got);
	}
	json_decref(ref);
	(void)cleaner_run(cleaner, line, size, &out, &res);
	return 0;
}
