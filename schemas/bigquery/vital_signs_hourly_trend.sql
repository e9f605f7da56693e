-- vital_signs_hourly_trend: each vital's hourly trend per patient.  A
-- mean here is the mean of the hour's window means (arithmetic on
-- aggregates, as a weighted mean needs, is not allowed in a
-- materialized view); minimum and maximum are exact.  Partitioned like
-- the Gold table, clustered by patient.  bq-load --create-views replaces
-- {{project}}, {{dataset}} and {{table}}.
CREATE OR REPLACE MATERIALIZED VIEW `{{project}}.{{dataset}}.vital_signs_hourly_trend`
PARTITION BY event_date
CLUSTER BY patient_id
OPTIONS (enable_refresh = true, refresh_interval_minutes = 5)
AS
SELECT
  event_date,
  patient_id,
  TIMESTAMP_TRUNC(window_start, HOUR) AS hour,
  MAX_BY(ward, window_start) AS ward,
  SUM(readings) AS readings,
  AVG(heart_rate_mean) AS heart_rate_mean,
  MIN(heart_rate_min) AS heart_rate_min,
  MAX(heart_rate_max) AS heart_rate_max,
  AVG(temperature_mean) AS temperature_mean,
  MIN(temperature_min) AS temperature_min,
  MAX(temperature_max) AS temperature_max,
  AVG(spo2_mean) AS spo2_mean,
  MIN(spo2_min) AS spo2_min,
  MAX(spo2_max) AS spo2_max,
  AVG(respiration_rate_mean) AS respiration_rate_mean,
  MIN(respiration_rate_min) AS respiration_rate_min,
  MAX(respiration_rate_max) AS respiration_rate_max,
  AVG(bp_systolic_mean) AS bp_systolic_mean,
  MIN(bp_systolic_min) AS bp_systolic_min,
  MAX(bp_systolic_max) AS bp_systolic_max,
  AVG(bp_diastolic_mean) AS bp_diastolic_mean,
  MIN(bp_diastolic_min) AS bp_diastolic_min,
  MAX(bp_diastolic_max) AS bp_diastolic_max,
  AVG(mean_arterial_pressure_mean) AS mean_arterial_pressure_mean,
  MAX(shock_index_max) AS shock_index_max,
  MAX(news2_score_max) AS news2_score_max,
  MAX(anomaly_score_max) AS anomaly_score_max,
  SUM(anomalous_readings) AS anomalous_readings,
  SUM(alerting_readings) AS alerting_readings
FROM `{{project}}.{{dataset}}.{{table}}`
GROUP BY event_date, patient_id, hour
