-- ward_alert_counts: alerts per ward and hour.  Partitioned like the Gold
-- table (by event_date, a day), clustered by ward.  "The last 24 hours"
-- cannot be part of a materialized view (CURRENT_TIMESTAMP is not
-- allowed): filter on hour in the report.  Patients are counted with
-- APPROX_COUNT_DISTINCT, as COUNT(DISTINCT) is not incremental.
-- bq-load --create-views replaces {{project}}, {{dataset}} and {{table}}.
CREATE OR REPLACE MATERIALIZED VIEW `{{project}}.{{dataset}}.ward_alert_counts`
PARTITION BY event_date
CLUSTER BY ward
OPTIONS (enable_refresh = true, refresh_interval_minutes = 5)
AS
SELECT
  event_date,
  ward,
  TIMESTAMP_TRUNC(window_start, HOUR) AS hour,
  COUNT(*) AS windows,
  SUM(readings) AS readings,
  APPROX_COUNT_DISTINCT(patient_id) AS patients,
  SUM(anomalous_readings) AS anomalous_readings,
  COUNTIF(is_anomaly) AS anomalous_windows,
  SUM(alerting_readings) AS alerting_readings,
  COUNTIF(alert) AS alert_windows,
  COUNTIF(news2_band = 'high') AS news2_high_windows,
  COUNTIF(news2_band = 'medium') AS news2_medium_windows,
  SUM(alert_tachycardia_count) AS tachycardia,
  SUM(alert_bradycardia_count) AS bradycardia,
  SUM(alert_fever_count) AS fever,
  SUM(alert_hypothermia_count) AS hypothermia,
  SUM(alert_hypoxia_count) AS hypoxia,
  SUM(alert_hypotension_count) AS hypotension,
  SUM(alert_hypertension_count) AS hypertension,
  SUM(alert_tachypnoea_count) AS tachypnoea
FROM `{{project}}.{{dataset}}.{{table}}`
GROUP BY event_date, ward, hour
