#!/usr/bin/env node
// delta-where: the rows of a Delta table that satisfy a SQL predicate, as
// DuckDB finds them without our C code, against the rows a reader gave.
//
//   node delta-where.mjs TABLE PREDICATE GOT.ndjson [PREDICATE GOT.ndjson ...]
//
// Replays the JSON log (adds minus removes; every commit must be there),
// reads every live file with read_parquet, the partition columns from
// partitionValues cast to the schema's types, runs SELECT * ... WHERE
// PREDICATE over all of them, and compares the result with GOT (NDJSON,
// typed by the same schema) as a multiset; each pair in turn.  Prints
// the counts; exits 1 when one differs, 2 on a usage error.

import fs from 'node:fs'
import path from 'node:path'
import { duckQuery } from './lib/readers.mjs'

const [table, ...pairs] = process.argv.slice(2)
if (!table || pairs.length === 0 || pairs.length % 2 !== 0) {
  console.error('usage: delta-where.mjs TABLE PREDICATE GOT.ndjson [PREDICATE GOT.ndjson ...]')
  process.exit(2)
}

const logDir = path.join(table, '_delta_log')
const versions = fs.readdirSync(logDir).filter(n => /^\d{20}\.json$/.test(n)).sort()
let metaData = null
const files = new Map()
for (const name of versions) {
  for (const line of fs.readFileSync(path.join(logDir, name), 'utf8').split('\n')) {
    if (line.trim() === '') continue
    const a = JSON.parse(line)
    if (a.metaData) metaData = a.metaData
    else if (a.add) files.set(a.add.path, a.add)
    else if (a.remove) files.delete(a.remove.path)
  }
}
const schema = JSON.parse(metaData.schemaString)
const partCols = metaData.partitionColumns

function duckType (t) {
  if (typeof t === 'object') return `STRUCT(${t.fields.map(f => `"${f.name}" ${duckType(f.type)}`).join(', ')})`
  return {
    string: 'VARCHAR', integer: 'INTEGER', long: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMPTZ', date: 'DATE',
  }[t]
}
const sq = (s) => `'${String(s).replace(/'/g, "''")}'`
const ident = (s) => `"${s.replace(/"/g, '""')}"`
await duckQuery("SET TimeZone='UTC'")

const selects = [...files.values()].map(add => {
  const abs = path.join(table, decodeURIComponent(add.path))
  const cols = schema.fields.map(f => {
    if (!partCols.includes(f.name)) return ident(f.name)
    const v = add.partitionValues[f.name]
    return `${v === null || v === '' ? 'NULL' : sq(v)}::${duckType(f.type)} AS ${ident(f.name)}`
  })
  return `SELECT ${cols.join(', ')} FROM read_parquet(${sq(abs)})`
})
const columns = '{' + schema.fields.map(f => `${sq(f.name)}: ${sq(duckType(f.type))}`).join(', ') + '}'
const all = selects.length ? selects.join(' UNION ALL ') : null
const count = async (q) => Number((await duckQuery(`SELECT count(*) AS c FROM (${q})`))[0].c)
let status = 0
for (let i = 0; i < pairs.length; i += 2) {
  const [pred, gotFile] = [pairs[i], pairs[i + 1]]
  const got = `SELECT * FROM read_json(${sq(gotFile)}, format='newline_delimited', columns=${columns})`
  const want = `SELECT * FROM (${all ?? `${got} LIMIT 0`}) WHERE ${pred}`
  const nWant = await count(want)
  const nGot = fs.statSync(gotFile).size ? await count(got) : 0
  const missing = nGot ? await count(`(${want}) EXCEPT ALL (${got})`) : nWant
  const extra = nGot ? await count(`(${got}) EXCEPT ALL (${want})`) : 0
  if (missing || extra || nWant !== nGot) {
    console.error(`delta-where: ${table}: WHERE ${pred}: DuckDB finds ${nWant} rows, given ${nGot}: ${missing} missing, ${extra} extra or repeated`)
    status = 1
  } else {
    console.log(`delta-where: WHERE ${pred}: ${nWant} rows, the same as DuckDB's`)
  }
}
process.exit(status)
