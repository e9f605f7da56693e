#!/usr/bin/env node
// duckdb-convert: the reference side of the Parquet benchmarks. DuckDB
// converts NDJSON to Parquet on ONE thread, with the column types taken
// from a Spark schema file (schemas/*.json), so both sides write the same
// types; prints the time and the output size.
//
//   node duckdb-convert.mjs IN.ndjson SCHEMA.json OUT.parquet [CODEC]
//
// CODEC: zstd (default), snappy, gzip or uncompressed. Output, one line:
//   duckdb codec=zstd rows=N seconds=S parse_seconds=P bytes=B
// where parse_seconds is a separate run that only reads and counts the
// JSON, so the writing part is roughly seconds - parse_seconds.

import fs from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'

const [input, schemaPath, output, codec = 'zstd'] = process.argv.slice(2)
if (!output) {
  console.error('usage: duckdb-convert.mjs IN.ndjson SCHEMA.json OUT.parquet [zstd|snappy|gzip|uncompressed]')
  process.exit(2)
}

// Spark StructType JSON -> DuckDB type names.
function duckType (t) {
  if (typeof t === 'object') {
    if (t.type !== 'struct') throw new Error(`unsupported type ${JSON.stringify(t)}`)
    return 'STRUCT(' + t.fields.map(f => `"${f.name}" ${duckType(f.type)}`).join(', ') + ')'
  }
  const map = {
    string: 'VARCHAR', integer: 'INTEGER', long: 'BIGINT', double: 'DOUBLE',
    boolean: 'BOOLEAN', timestamp: 'TIMESTAMPTZ', date: 'DATE',
  }
  if (!map[t]) throw new Error(`unsupported type ${t}`)
  return map[t]
}

const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'))
const columns = '{' + schema.fields.map(f => `'${f.name}': '${duckType(f.type)}'`).join(', ') + '}'
const q = (s) => "'" + s.replaceAll("'", "''") + "'"
const source = `read_json(${q(input)}, format='newline_delimited', columns=${columns})`

const db = await DuckDBInstance.create(':memory:', {
  threads: '1',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
})
const c = await db.connect()
await c.run("SET TimeZone='UTC'")

let t0 = performance.now()
const rows = (await c.runAndReadAll(`SELECT count(*) AS n FROM ${source}`)).getRowObjects()[0].n
const parse = (performance.now() - t0) / 1000

t0 = performance.now()
await c.run(`COPY (SELECT * FROM ${source}) TO ${q(output)} (FORMAT parquet, CODEC '${codec}')`)
const seconds = (performance.now() - t0) / 1000
const bytes = fs.statSync(output).size
console.log(`duckdb codec=${codec} rows=${rows} seconds=${seconds.toFixed(3)} parse_seconds=${parse.toFixed(3)} bytes=${bytes}`)
