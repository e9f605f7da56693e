#!/usr/bin/env node
// views-duckdb: the three BigQuery views of schemas/bigquery/*.sql,
// computed by DuckDB over a Gold Delta table's Parquet files, without our
// C code: the log is replayed here (JSON commits from version 0) to find
// the live files and their partition values, and the view's own SQL file
// is run with the fewest changes DuckDB's dialect needs (each one below,
// with why).  Prints the rows as NDJSON the way vitals-report --view
// prints them; with --compare, checks that file's rows against them.
//
//   node views-duckdb.mjs TABLE VIEW [--as-of N] [--compare GOT.ndjson]
//
// The comparison: the same rows by their GROUP BY key, the same columns
// in the SELECT's order (a null left out), integers, strings, booleans,
// dates and timestamps exactly equal, doubles (AVG) within 1e-9 relative,
// as the two sum floating point in different orders.  Exits 1 on a
// difference, 2 on a usage error.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function usage (msg) {
  if (msg) console.error(`views-duckdb: ${msg}`)
  console.error('usage: views-duckdb.mjs TABLE VIEW [--as-of N] [--compare GOT.ndjson]')
  process.exit(2)
}

const args = process.argv.slice(2)
let table = null; let view = null; let asOf = null; let compare = null
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--as-of' && i + 1 < args.length) asOf = Number(args[++i])
  else if (args[i] === '--compare' && i + 1 < args.length) compare = args[++i]
  else if (args[i].startsWith('-')) usage(`unknown option ${args[i]}`)
  else if (table === null) table = args[i]
  else if (view === null) view = args[i]
  else usage('too many arguments')
}
if (view === null) usage('a table and a view, please')
if (!/^[a-z_]+$/.test(view)) usage(`not a view name: ${view}`)

// ---- the log: live adds as of the version asked for
const log = path.join(table, '_delta_log')
const versions = fs.readdirSync(log).filter(f => /^\d{20}\.json$/.test(f)).map(f => Number(f.slice(0, 20))).sort((a, b) => a - b)
const last = asOf ?? versions[versions.length - 1]
const files = new Map()
let schema = null; let partCols = []
for (let v = 0; v <= last; v++) {
  if (versions[v] !== v) throw new Error(`commit ${v} is not in the log (this replays JSON commits only)`)
  const text = fs.readFileSync(path.join(log, `${String(v).padStart(20, '0')}.json`), 'utf8')
  for (const line of text.split('\n').filter(l => l.trim())) {
    const a = JSON.parse(line)
    if (a.metaData) {
      schema = JSON.parse(a.metaData.schemaString)
      partCols = a.metaData.partitionColumns
    } else if (a.add) files.set(a.add.path, a.add)
    else if (a.remove) files.delete(a.remove.path)
  }
}
if (!schema) throw new Error('no metaData in the log')

const duckType = { string: 'VARCHAR', integer: 'INTEGER', long: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMPTZ', date: 'DATE' }
const sq = (s) => "'" + String(s).replaceAll("'", "''") + "'"
const selects = [...files.values()].map(add => {
  const cols = schema.fields.map(f => {
    if (!partCols.includes(f.name)) return `"${f.name}"`
    const v = add.partitionValues[f.name]
    return `CAST(${v === null || v === undefined ? 'NULL' : sq(v)} AS ${duckType[f.type]}) AS "${f.name}"`
  })
  return `SELECT ${cols.join(', ')} FROM read_parquet(${sq(path.resolve(table, decodeURIComponent(add.path)))})`
})

// ---- the view's SQL, adapted to DuckDB
let sql = fs.readFileSync(path.join(top, 'schemas/bigquery', `${view}.sql`), 'utf8')
  .replace(/--[^\n]*/g, '')
const adapted = []
function adapt (re, to, why) {
  if (re.test(sql)) adapted.push(why)
  sql = sql.replace(re, to)
}
// The SELECT itself: CREATE MATERIALIZED VIEW, PARTITION BY, CLUSTER BY
// and OPTIONS are BigQuery's storage, not the rows.
sql = sql.slice(sql.search(/\bSELECT\b/))
// The table: `project.dataset.table` is the Gold table read above.
adapt(/`[^`]*\{\{table\}\}`/g, 'gold', 'the table')
// MAX_BY(x, y) is BigQuery's ANY_VALUE(x HAVING MAX y), which keeps a
// null x of the row with the greatest y; DuckDB's max_by skips rows whose
// x is null, its arg_max_null does not.
adapt(/\bMAX_BY\(/g, 'arg_max_null(', 'MAX_BY')
// COUNTIF is count_if in DuckDB.
adapt(/\bCOUNTIF\(/g, 'count_if(', 'COUNTIF')
// TIMESTAMP_TRUNC(t, HOUR) is date_trunc('hour', t), in UTC (set below).
adapt(/\bTIMESTAMP_TRUNC\((\w+),\s*HOUR\)/g, "date_trunc('hour', $1)", 'TIMESTAMP_TRUNC')
// APPROX_COUNT_DISTINCT is an estimate in both; the exact count is what
// vitals-report computes (and what BigQuery's HLL++ gives at these sizes).
adapt(/\bAPPROX_COUNT_DISTINCT\((\w+)\)/g, 'COUNT(DISTINCT $1)', 'APPROX_COUNT_DISTINCT')
const left = sql.match(/\b(MAX_BY|COUNTIF|TIMESTAMP_TRUNC|APPROX_COUNT_DISTINCT|SAFE_\w+|IFNULL)\b|`/)
if (left) throw new Error(`the SQL of ${view} has ${left[0]}, which this script does not adapt`)
const groupBy = sql.match(/\bGROUP BY\s+([\w\s,]+?)\s*$/)[1].split(',').map(s => s.trim())

const db = await DuckDBInstance.create(':memory:', {
  threads: '1', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false',
})
const c = await db.connect()
await c.run("SET TimeZone='UTC'")
const typed = schema.fields.map(f => `CAST(NULL AS ${duckType[f.type]}) AS "${f.name}"`).join(', ')
await c.run(`CREATE TEMP VIEW gold AS ${selects.length ? selects.join(' UNION ALL ') : `SELECT ${typed} WHERE false`}`)
const reader = await c.runAndReadAll(sql)
const names = reader.columnNames()

// Values as vitals-report prints them.
function iso (micros) {
  const us = BigInt(micros)
  const ms = Number(us / 1000n)
  const frac = String(((us % 1000000n) + 1000000n) % 1000000n).padStart(6, '0')
  return new Date(ms).toISOString().slice(0, 19) + '.' + frac + 'Z'
}
function plain (v) {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'object' && 'micros' in v) return iso(v.micros)
  if (typeof v === 'object' && 'days' in v) return new Date(v.days * 86400000).toISOString().slice(0, 10)
  return v
}
const want = reader.getRows().map(row => {
  const o = {}
  row.forEach((v, i) => { const p = plain(v); if (p !== null) o[names[i]] = p })
  return o
})

if (!compare) {
  for (const o of want) process.stdout.write(JSON.stringify(o) + '\n')
  process.exit(0)
}

const got = fs.readFileSync(compare, 'utf8').split('\n').filter(l => l.trim()).map(l => JSON.parse(l))
const keyOf = (o) => JSON.stringify(groupBy.map(k => o[k] ?? null))
const problems = []
const byKey = new Map(want.map(o => [keyOf(o), o]))
if (byKey.size !== want.length) problems.push('DuckDB has two rows of one key')
const seen = new Set()
for (const g of got) {
  const k = keyOf(g)
  const w = byKey.get(k)
  if (seen.has(k)) { problems.push(`${k}: twice`); continue }
  seen.add(k)
  if (!w) { problems.push(`${k}: not in DuckDB's rows`); continue }
  const order = names.filter(n => n in w)
  if (Object.keys(g).join() !== order.join()) problems.push(`${k}: columns ${Object.keys(g)} vs ${order}`)
  for (const n of order) {
    const a = g[n]; const b = w[n]
    const same = typeof a === 'number' && typeof b === 'number' && !(Number.isInteger(a) && Number.isInteger(b))
      ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
      : a === b
    if (!same) problems.push(`${k}: ${n} is ${JSON.stringify(a)}, DuckDB says ${JSON.stringify(b)}`)
  }
}
for (const k of byKey.keys()) if (!seen.has(k)) problems.push(`${k}: missing`)
if (problems.length) {
  for (const p of problems.slice(0, 20)) console.error(`views-duckdb: ${view}: ${p}`)
  console.error(`views-duckdb: ${view}: ${problems.length} differences`)
  process.exit(1)
}
console.log(`views-duckdb: ${view}: ${got.length} rows equal (adapted: ${adapted.join(', ')})`)
