#include "embedded.h"

#include <string.h>

#define DECLARE(sym) extern const char sym##_start[], sym##_end[]
DECLARE(vl_schema_reading);
DECLARE(vl_schema_bronze);
DECLARE(vl_schema_silver);
DECLARE(vl_schema_gold);
DECLARE(vl_model_anomaly);
DECLARE(vl_view_risk);
DECLARE(vl_view_ward);
DECLARE(vl_view_trend);
DECLARE(vl_page_html);
DECLARE(vl_page_css);
DECLARE(vl_page_js);
DECLARE(vl_uplot_js);
DECLARE(vl_uplot_css);
DECLARE(vl_uplot_license);

static const struct {
	const char *path;
	const char *start, *end;
} files[] = {
	{ "schemas/reading.json", vl_schema_reading_start, vl_schema_reading_end },
	{ "schemas/bronze.json", vl_schema_bronze_start, vl_schema_bronze_end },
	{ "schemas/silver.json", vl_schema_silver_start, vl_schema_silver_end },
	{ "schemas/gold.json", vl_schema_gold_start, vl_schema_gold_end },
	{ "models/anomaly_model.json", vl_model_anomaly_start,
	    vl_model_anomaly_end },
	{ "schemas/bigquery/patient_risk_scores.sql", vl_view_risk_start,
	    vl_view_risk_end },
	{ "schemas/bigquery/ward_alert_counts.sql", vl_view_ward_start,
	    vl_view_ward_end },
	{ "schemas/bigquery/vital_signs_hourly_trend.sql",
	    vl_view_trend_start, vl_view_trend_end },
	/* vitals-report's page (lib/report_html.c) */
	{ "report/page.html", vl_page_html_start, vl_page_html_end },
	{ "report/page.css", vl_page_css_start, vl_page_css_end },
	{ "report/page.js", vl_page_js_start, vl_page_js_end },
	{ "report/uPlot.iife.min.js", vl_uplot_js_start, vl_uplot_js_end },
	{ "report/uPlot.min.css", vl_uplot_css_start, vl_uplot_css_end },
	{ "report/uPlot.LICENSE", vl_uplot_license_start,
	    vl_uplot_license_end },
};

const char *
embedded_get(const char *path, size_t *len)
{
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (strcmp(files[i].path, path) == 0) {
			*len = (size_t)(files[i].end - files[i].start);
			return files[i].start;
		}
	}
	return NULL;
}
