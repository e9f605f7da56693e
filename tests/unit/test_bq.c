/*
 * The parts of bq-load that need no server: which URLs may carry a
 * token, escaping for URLs, and the Looker Studio link.  The API itself
 * is tested against the loopback server in tests/cli/bq_load.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bq_load.h"
#include "http.h"

static void
test_check_url(void **state)
{
	(void)state;
	char err[300];

	assert_int_equal(http_check_url("https://bigquery.googleapis.com",
	    err, sizeof err), 0);
	assert_int_equal(http_check_url("http://127.0.0.1:8080/x", err,
	    sizeof err), 0);
	assert_int_equal(http_check_url("http://127.3.4.5", err, sizeof err),
	    0);
	assert_int_equal(http_check_url("http://localhost:9/", err,
	    sizeof err), 0);
	assert_int_equal(http_check_url("http://[::1]:9/", err, sizeof err),
	    0);
	/* A name that only starts like a loopback address, another host,
	 * another scheme: refused. */
	assert_int_equal(http_check_url("http://127.0.0.1.example.com/", err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "loopback"));
	assert_int_equal(http_check_url("http://example.com", err,
	    sizeof err), -1);
	assert_int_equal(http_check_url("http://localhost.example.com", err,
	    sizeof err), -1);
	assert_int_equal(http_check_url("ftp://127.0.0.1/", err, sizeof err),
	    -1);
	assert_int_equal(http_check_url("file:///etc/passwd", err,
	    sizeof err), -1);
}

static void
test_url_escape(void **state)
{
	(void)state;
	char buf[64];
	size_t n = 0;

	assert_int_equal(url_escape(buf, sizeof buf, &n, "a b/c?d=e&f~g.h"),
	    0);
	assert_string_equal(buf, "a%20b%2Fc%3Fd%3De%26f~g.h");
	/* What does not fit is refused, not cut. */
	n = 0;
	assert_int_equal(url_escape(buf, 8, &n, "//////"), -1);
}

static void
test_looker_url(void **state)
{
	(void)state;
	struct bq_target t = { .dataset = "vitals", .table = "gold" };
	char url[4096];

	bq_looker_url("my-proj", &t, url, sizeof url);
	assert_true(strncmp(url, "https://lookerstudio.google.com/reporting/"
	    "create?", 46) == 0);
	assert_non_null(strstr(url, "&ds.ds0.connector=bigQuery&ds.ds0.type="
	    "TABLE&ds.ds0.projectId=my-proj&ds.ds0.datasetId=vitals&"
	    "ds.ds0.tableId=gold"));
	assert_non_null(strstr(url, "ds.ds1.tableId=patient_risk_scores"));
	assert_non_null(strstr(url, "ds.ds2.tableId=ward_alert_counts"));
	assert_non_null(strstr(url, "ds.ds3.tableId=vital_signs_hourly_trend"));
	assert_non_null(strstr(url, "r.reportName=vitals-lakehouse%20gold"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_url),
		cmocka_unit_test(test_url_escape),
		cmocka_unit_test(test_looker_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
