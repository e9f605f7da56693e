#!/usr/bin/env node
// duckdb-run: runs SQL statements in DuckDB (one in-memory database, time
// zone UTC), for tests that need a file DuckDB writes or a query it
// answers.  The rows of the last statement are printed as JSON lines,
// with BigInts as numbers and DuckDB's values as their text.
//
//   node duckdb-run.mjs SQL [SQL ...]

import { duckQuery } from './lib/readers.mjs'

const stmts = process.argv.slice(2)
if (stmts.length === 0) {
  console.error('usage: duckdb-run.mjs SQL [SQL ...]')
  process.exit(2)
}
await duckQuery("SET TimeZone='UTC'")
let rows = []
for (const s of stmts) rows = await duckQuery(s)
const plain = (v) => typeof v === 'bigint' ? Number(v)
  : v !== null && typeof v === 'object' ? String(v) : v
for (const r of rows) console.log(JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)]))))
