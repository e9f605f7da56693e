/*
 * libFuzzer target: the Parquet reader on arbitrary bytes.  Opening the
 * input and reading every row, as typed values and as JSON, must end in
 * rows or a clean error: ASan and UBSan catch anything else.  The two
 * ways of reading a flat column must also agree.  Seeds are small valid
 * files in tests/fuzz/corpus-parquet_read.  Built and run by `make fuzz`.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_read.h"
#include "sanitize.h"

/* Rows read per input: a tiny file may honestly claim billions. */
#define MAX_ROWS 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* pqr_value and pqr_json of one flat leaf must say the same thing. */
static void
agree(struct pqr_file *f, int leaf)
{
	struct pqr_value v;
	json_t *j = pqr_json(f, leaf);

	if (pqr_value(f, leaf, &v) != 0 || j == NULL) {
		/* Only a bad value (not UTF-8) may fail, and then both do
		 * or pqr_json alone. */
		json_decref(j);
		return;
	}
	switch (v.type) {
	case PQR_NULL:
		if (!json_is_null(j))
			abort();
		break;
	case PQR_BOOLEAN:
		if (!json_is_boolean(j) || json_is_true(j) != (v.i != 0))
			abort();
		break;
	case PQR_INT:
		if (json_integer_value(j) != v.i)
			abort();
		break;
	case PQR_DOUBLE:
		if (isfinite(v.d) ? json_real_value(j) != v.d :
		    !json_is_null(j))
			abort();
		break;
	case PQR_STRING:
	case PQR_BINARY:
		if (json_string_length(j) != v.len ||
		    memcmp(json_string_value(j), v.s, v.len) != 0)
			abort();
		break;
	case PQR_DECIMAL: {
		/* The reader let only values of its precision through, so
		 * the text always exists. */
		char text[DECIMAL_TEXT_MAX];
		int n = decimal_format(v.dec, pqr_node(f, leaf)->scale, text);
		if (n < 0 || !json_is_string(j) ||
		    strcmp(json_string_value(j), text) != 0)
			abort();
		break;
	}
	default:
		break;
	}
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pqr_options o;
	struct pqr_file *f;
	char err[512];
	int n, rows = 0;

	pqr_options_init(&o);
	o.max_footer = 1 << 16;
	o.max_page = 1 << 20;
	o.max_page_values = 1 << 16;
	o.max_row_values = 1 << 12;
	o.iso_time = size & 1;
	o.omit_nulls = size & 2;
	if ((f = pqr_open_mem(data, size, &o, err, sizeof err)) == NULL) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	n = pqr_nodes(f);
	for (int id = 0; id < n; id++) {
		const struct pqr_node *nd = pqr_node(f, id);
		if (nd->shape == PQR_LEAF && nd->type != PQR_UNSUPPORTED)
			pqr_select(f, id);
	}
	(void)pqr_find(f, "a.b");
	while (rows++ < MAX_ROWS && pqr_next(f) == 1) {
		json_t *row = pqr_json(f, 0);
		char *text = row ? json_dumps(row, JSON_COMPACT) : NULL;
		free(text);
		json_decref(row);
		for (int id = 1; id < n; id++) {
			const struct pqr_node *nd = pqr_node(f, id);
			if (nd->shape == PQR_LEAF && nd->parent == 0 &&
			    nd->rep != PQR_REPEATED &&
			    nd->type != PQR_UNSUPPORTED &&
			    *pqr_error(f) == '\0')
				agree(f, id);
		}
	}
	pqr_close(f);
	return 0;
}
