/* Files compiled into libvitals; see embedded.h.  Each is followed by a NUL
 * so it can be used as a C string, and bracketed by start/end symbols. */
#define EMBED(sym, file) \
	.global sym##_start; .global sym##_end; \
	.balign 16; sym##_start: .incbin file; sym##_end: .byte 0

	.section .rodata
EMBED(vl_schema_reading, "schemas/reading.json")
EMBED(vl_schema_bronze, "schemas/bronze.json")
EMBED(vl_schema_silver, "schemas/silver.json")
EMBED(vl_schema_gold, "schemas/gold.json")
EMBED(vl_model_anomaly, "models/anomaly_model.json")
EMBED(vl_view_risk, "schemas/bigquery/patient_risk_scores.sql")
EMBED(vl_view_ward, "schemas/bigquery/ward_alert_counts.sql")
EMBED(vl_view_trend, "schemas/bigquery/vital_signs_hourly_trend.sql")
EMBED(vl_page_html, "report/page.html")
EMBED(vl_page_css, "report/page.css")
EMBED(vl_page_js, "report/page.js")
EMBED(vl_uplot_js, "report/uPlot.iife.min.js")
EMBED(vl_uplot_css, "report/uPlot.min.css")
EMBED(vl_uplot_license, "report/uPlot.LICENSE")
	.section .note.GNU-stack,"",@progbits
