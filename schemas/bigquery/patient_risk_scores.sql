-- patient_risk_scores: each patient's current risk, from the latest Gold
-- window (by window_end), and what the patient's windows add up to.
-- Incremental: MAX_BY, MAX and SUM are allowed in a materialized view;
-- "latest" by ROW_NUMBER() would not be.  bq-load --create-views
-- replaces {{project}}, {{dataset}} and {{table}}.
CREATE OR REPLACE MATERIALIZED VIEW `{{project}}.{{dataset}}.patient_risk_scores`
OPTIONS (enable_refresh = true, refresh_interval_minutes = 5)
AS
SELECT
  patient_id,
  MAX(window_end) AS last_window_end,
  MAX_BY(ward, window_end) AS ward,
  MAX_BY(news2_score_max, window_end) AS news2_score,
  MAX_BY(news2_band, window_end) AS news2_band,
  MAX_BY(anomaly_score_max, window_end) AS anomaly_score,
  MAX_BY(is_anomaly, window_end) AS is_anomaly,
  MAX_BY(alert, window_end) AS alert,
  MAX_BY(alert_reason, window_end) AS alert_reason,
  MAX(anomaly_score_max) AS anomaly_score_highest,
  MAX(news2_score_max) AS news2_score_highest,
  SUM(anomalous_readings) AS anomalous_readings,
  COUNTIF(is_anomaly) AS anomalous_windows,
  SUM(alerting_readings) AS alerting_readings,
  COUNTIF(alert) AS alert_windows,
  SUM(readings) AS readings,
  COUNT(*) AS windows
FROM `{{project}}.{{dataset}}.{{table}}`
GROUP BY patient_id
