#!/usr/bin/env node
// duckdb-agg: the reference side of the system benchmark's aggregation
// (bench/system.sh). DuckDB does vitals-agg's job as one query: Silver
// NDJSON in, Gold NDJSON out, one row per patient and 1-minute window of
// event time with Gold's columns, in (window_end, patient_id) order.
//
//   node duckdb-agg.mjs IN.ndjson OUT.ndjson [THREADS]
//
// THREADS: 1 (default), or 0 for as many as the machine has. Output, one
// line:   duckdb-agg threads=T rows=N seconds=S
// seconds is the query alone (not Node's start). Unlike vitals-agg, it
// sees the whole input at once: no watermark, no lateness, no window
// closed before the end, and its memory is not bounded by the open
// windows.

import os from 'node:os'
import fs from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'

const [input, output, threadsArg = '1'] = process.argv.slice(2)
if (!output) {
  console.error('usage: duckdb-agg.mjs IN.ndjson OUT.ndjson [THREADS]')
  process.exit(2)
}
const threads = Number(threadsArg) > 0 ? Number(threadsArg) : os.cpus().length

// The Silver columns the job reads, with their Silver types.
const measures = ['heart_rate', 'temperature', 'spo2', 'respiration_rate',
  'bp_systolic', 'bp_diastolic']
const alerts = ['tachycardia', 'bradycardia', 'fever', 'hypothermia',
  'hypoxia', 'hypotension', 'hypertension', 'tachypnoea']
const columns = {
  patient_id: 'VARCHAR', ward: 'VARCHAR', event_time: 'TIMESTAMPTZ',
  heart_rate: 'INTEGER', temperature: 'DOUBLE', spo2: 'DOUBLE',
  respiration_rate: 'INTEGER', bp_systolic: 'INTEGER', bp_diastolic: 'INTEGER',
  mean_arterial_pressure: 'DOUBLE', shock_index: 'DOUBLE', news2_score: 'INTEGER',
  news2_band: 'VARCHAR', anomaly_score: 'DOUBLE', is_anomaly: 'BOOLEAN',
}
for (const a of alerts) columns['alert_' + a] = 'BOOLEAN'
const q = (s) => "'" + s.replaceAll("'", "''") + "'"
const struct = '{' + Object.entries(columns).map(([k, v]) => `${q(k)}: ${q(v)}`).join(', ') + '}'
const source = `read_json(${q(input)}, format='newline_delimited', columns=${struct})`
const iso = (e) => `strftime(${e}, '%Y-%m-%dT%H:%M:%S.%fZ')`

const select = [
  'patient_id',
  'arg_max(ward, event_time) AS ward',
  `${iso('w')} AS window_start`,
  `${iso("w + INTERVAL '1 minute'")} AS window_end`,
  "strftime(w, '%Y-%m-%d') AS event_date",
  'count(*) AS readings',
  ...measures.flatMap(m => [`round(avg(${m}), 3) AS ${m}_mean`, `min(${m}) AS ${m}_min`,
    `max(${m}) AS ${m}_max`]),
  'round(avg(mean_arterial_pressure), 3) AS mean_arterial_pressure_mean',
  'max(shock_index) AS shock_index_max',
  'max(news2_score) AS news2_score_max',
  "(['low', 'low-medium', 'medium', 'high'])[max(CASE news2_band WHEN 'low' THEN 1 " +
    "WHEN 'low-medium' THEN 2 WHEN 'medium' THEN 3 WHEN 'high' THEN 4 END)] AS news2_band",
  ...alerts.map(a => `count_if(alert_${a}) AS alert_${a}_count`),
  'max(anomaly_score) AS anomaly_score_max',
  'round(avg(anomaly_score), 3) AS anomaly_score_mean',
  'count_if(is_anomaly) AS anomalous_readings',
  'count_if(is_anomaly) > 0 AS is_anomaly',
]
const sql = `COPY (SELECT ${select.join(', ')}
  FROM (SELECT *, time_bucket(INTERVAL '1 minute', event_time) AS w FROM ${source})
  GROUP BY patient_id, w ORDER BY w, patient_id) TO ${q(output)} (FORMAT json)`

const db = await DuckDBInstance.create(':memory:', {
  threads: String(threads),
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
})
const c = await db.connect()
await c.run("SET TimeZone='UTC'")
const t0 = performance.now()
await c.run(sql)
const seconds = (performance.now() - t0) / 1000
const rows = fs.readFileSync(output, 'utf8').split('\n').filter(Boolean).length
console.log(`duckdb-agg threads=${threads} rows=${rows} seconds=${seconds.toFixed(3)}`)
