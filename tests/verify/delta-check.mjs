#!/usr/bin/env node
// delta-check: checks a Delta table the way a reader would, without our C
// code: it replays the log itself and reads the data files with DuckDB.
//
//   node delta-check.mjs [-q] TABLE [--rows EXPECTED.ndjson]
//
//  1. the log: commit files 0..N contiguous, every line a JSON action,
//     version 0 holds protocol (1,2) and metaData, the schema string parses,
//     no two adds of one path in a commit, every add has path, size,
//     partitionValues (a key per partition column), modificationTime,
//     dataChange and stats (a JSON string with numRecords, minValues,
//     maxValues, nullCount); txn versions never go down; _last_checkpoint
//     (if any) names a checkpoint that exists, and that checkpoint, read by
//     DuckDB, holds exactly the replayed state of its version: its adds,
//     txns, and tombstones (the removes not re-added, each with the
//     commit's deletionTimestamp, dataChange, size and partitionValues:
//     all of those within delta.deletedFileRetentionDuration of the
//     checkpoint's time, none expired by more than a minute);
//  2. each live file: its URI-decoded path stays in the table and exists
//     with exactly add.size bytes, its directory is the Hive-escaped
//     partition values, DuckDB's row count equals numRecords, and the null
//     counts and min/max that DuckDB computes equal the stats (strings cut
//     to 32 characters with Spark's tie-breaker, timestamps to
//     milliseconds);
//  3. with --rows: the table's rows (data files plus partition values from
//     the log, null for a column a file lacks) equal the expected rows as
//     a multiset: each row exactly once.
// Prints what it checked; exits 1 on any problem, 2 on a usage error.

import fs from 'node:fs'
import path from 'node:path'
import { duckQuery } from './lib/readers.mjs'

const problems = []
const problem = (msg) => problems.push(msg)

function usage (msg) {
  if (msg) console.error(`delta-check: ${msg}`)
  console.error('usage: delta-check.mjs [-q] TABLE [--rows EXPECTED.ndjson]')
  process.exit(2)
}

const args = process.argv.slice(2)
let quiet = false
let table = null
let rowsFile = null
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-q') quiet = true
  else if (args[i] === '--rows' && i + 1 < args.length) rowsFile = args[++i]
  else if (args[i].startsWith('-')) usage(`unknown option ${args[i]}`)
  else if (table === null) table = args[i]
  else usage('one table at a time')
}
if (table === null) usage('no table')
const say = (msg) => { if (!quiet) console.log(msg) }

// ---- 1. the log ----

const logDir = path.join(table, '_delta_log')
const versions = fs.readdirSync(logDir)
  .filter(n => /^\d{20}\.json$/.test(n)).map(n => Number(n.slice(0, 20))).sort((a, b) => a - b)
if (!versions.length) { console.error(`delta-check: ${table}: no commits`); process.exit(1) }
versions.forEach((v, i) => { if (v !== i) problem(`commit versions not contiguous at ${v}`) })

const state = { protocol: null, metaData: null, files: new Map(), tombstones: new Map(), txns: new Map() }
const stateAt = new Map() // version -> snapshot for checkpoint comparison

for (const v of versions) {
  const name = path.join(logDir, `${String(v).padStart(20, '0')}.json`)
  const text = fs.readFileSync(name, 'utf8')
  if (!text.endsWith('\n')) problem(`${name}: no final newline (incomplete commit?)`)
  const seen = new Set()
  text.split('\n').filter(l => l.trim() !== '').forEach((line, i) => {
    let a
    try { a = JSON.parse(line) } catch (e) { problem(`${name}:${i + 1}: not JSON`); return }
    const kinds = Object.keys(a)
    if (kinds.length !== 1) problem(`${name}:${i + 1}: an action must have one key`)
    if (a.protocol) {
      if (a.protocol.minReaderVersion !== 1 || a.protocol.minWriterVersion !== 2) problem(`${name}: protocol is not (1,2)`)
      state.protocol = a.protocol
    } else if (a.metaData) {
      const md = a.metaData
      for (const k of ['id', 'format', 'schemaString', 'partitionColumns', 'configuration']) {
        if (!(k in md)) problem(`${name}: metaData without ${k}`)
      }
      try { md.schema = JSON.parse(md.schemaString) } catch (e) { problem(`${name}: schemaString is not JSON`) }
      state.metaData = md
    } else if (a.add) {
      const add = a.add
      if (seen.has(add.path)) problem(`${name}: two adds of ${add.path}`)
      seen.add(add.path)
      for (const k of ['path', 'partitionValues', 'size', 'modificationTime', 'dataChange', 'stats']) {
        if (!(k in add)) problem(`${name}: add without ${k}`)
      }
      if (typeof add.stats !== 'string') problem(`${name}: add.stats is not a string`)
      else {
        add.parsedStats = JSON.parse(add.stats)
        for (const k of ['numRecords', 'minValues', 'maxValues', 'nullCount']) {
          if (!(k in add.parsedStats)) problem(`${name}: stats without ${k}`)
        }
      }
      if (state.files.has(add.path)) problem(`${name}: ${add.path} added twice`)
      state.files.set(add.path, add)
      state.tombstones.delete(add.path)
    } else if (a.remove) {
      state.files.delete(a.remove.path)
      state.tombstones.set(a.remove.path, a.remove)
    } else if (a.txn) {
      const prev = state.txns.get(a.txn.appId)
      if (prev !== undefined && a.txn.version < prev) problem(`${name}: txn ${a.txn.appId} went down`)
      state.txns.set(a.txn.appId, a.txn.version)
    } else if (!a.commitInfo) {
      problem(`${name}: unexpected action ${kinds[0]}`)
    }
  })
  if (v === 0 && (!state.protocol || !state.metaData)) problem('version 0 lacks protocol or metaData')
  stateAt.set(v, { files: new Set(state.files.keys()), tombstones: new Map(state.tombstones), txns: new Map(state.txns) })
}
if (!state.metaData) { console.error('delta-check: no metaData'); process.exit(1) }
const schema = state.metaData.schema
const partCols = state.metaData.partitionColumns
say(`log  ${table}: versions 0..${versions.at(-1)}, ${state.files.size} live files, ${state.txns.size} txns`)

// delta.deletedFileRetentionDuration ("interval 7 days") in ms; 7 days
// when absent.
function retentionMs (text) {
  if (text === undefined) return 7 * 86400000
  const units = { millisecond: 1, second: 1000, minute: 60000, hour: 3600000, day: 86400000, week: 604800000 }
  const m = /^interval\s+(\d+)\s+(millisecond|second|minute|hour|day|week)s?$/i.exec(text.trim())
  if (!m) { problem(`delta.deletedFileRetentionDuration ${text} is not an interval this checker reads`); return 7 * 86400000 }
  return Number(m[1]) * units[m[2].toLowerCase()]
}

// ---- DuckDB helpers ----

function duckType (t) {
  if (typeof t === 'object') {
    if (t.type !== 'struct') throw new Error(`type ${t.type}`)
    return `STRUCT(${t.fields.map(f => `"${f.name}" ${duckType(f.type)}`).join(', ')})`
  }
  return {
    string: 'VARCHAR', integer: 'INTEGER', long: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMPTZ', date: 'DATE',
  }[t]
}
const sq = (s) => `'${String(s).replace(/'/g, "''")}'`
const ident = (s) => `"${s.replace(/"/g, '""')}"`
await duckQuery("SET TimeZone='UTC'")

// Hive escaping as Spark does it (ExternalCatalogUtils.charToEscape),
// byte-wise, keeping non-ASCII bytes as they are.
function escapeSegment (s) {
  const bytes = Buffer.from(s, 'utf8')
  const out = []
  for (const ch of bytes) {
    if (ch < 0x20 || ch === 0x7f || '"#%\'*/:=?\\{[]^'.includes(String.fromCharCode(ch))) {
      out.push(...Buffer.from('%' + ch.toString(16).toUpperCase().padStart(2, '0')))
    } else out.push(ch)
  }
  return Buffer.from(out).toString('utf8')
}

function partitionDir (values) {
  return partCols.map(c => {
    let v = values[c]
    const f = schema.fields.find(x => x.name === c)
    if (v === null || v === undefined || v === '') v = '__HIVE_DEFAULT_PARTITION__'
    else if (f.type === 'timestamp') {
      // Spark's directory form: "YYYY-MM-DD HH:MM:SS[.ffffff]".
      const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(v)
      v = m ? `${m[1]} ${m[2]}${m[3] && !/^\.0+$/.test(m[3]) ? m[3] : ''}` : v
    }
    return `${escapeSegment(c)}=${escapeSegment(v)}`
  }).join('/')
}

// ---- 2. each live file ----

function truncMin (s) { return [...s].slice(0, 32).join('') }
function truncMax (s) {
  const cps = [...s]
  if (cps.length <= 32) return s
  const next = cps[32].codePointAt(0)
  return cps.slice(0, 32).join('') + (next < 0x7f ? '\u007f' : '\u{10FFFF}')
}

// Leaves of the data schema (partition columns excluded) that get stats.
const dataFields = schema.fields.filter(f => !partCols.includes(f.name))
const numIndexed = Number(state.metaData.configuration?.['delta.dataSkippingNumIndexedCols'] ?? 32)
const leaves = []
for (const f of dataFields) {
  if (typeof f.type === 'object') for (const s of f.type.fields) leaves.push({ path: [f.name, s.name], type: s.type })
  else leaves.push({ path: [f.name], type: f.type })
}
const statLeaves = leaves.slice(0, numIndexed)
const dig = (o, p) => p.reduce((x, k) => (x == null ? undefined : x[k]), o)

function expectedStat (leaf, v, kind) {
  if (v === null || v === undefined) return undefined
  switch (leaf.type) {
    case 'string': return kind === 'min' ? truncMin(v) : truncMax(v)
    case 'timestamp': return new Date(Math.floor(Number(v) / 1000)).toISOString()
    case 'date': return v
    case 'boolean': return undefined
    default: return Number(v)
  }
}

let totalRows = 0
const fileSelects = []
for (const [p, add] of state.files) {
  const rel = decodeURIComponent(p)
  if (rel.split('/').some(s => s === '..' || s === '.' || s === '') || rel.startsWith('/')) {
    problem(`${p}: path leaves the table`)
    continue
  }
  const abs = path.join(table, rel)
  if (!fs.existsSync(abs)) { problem(`${p}: file missing`); continue }
  const size = fs.statSync(abs).size
  if (size !== add.size) problem(`${p}: size ${size} but add.size ${add.size}`)
  const keys = Object.keys(add.partitionValues).sort()
  if (keys.join() !== [...partCols].sort().join()) problem(`${p}: partitionValues keys ${keys} vs ${partCols}`)
  const dir = path.dirname(rel)
  const wantDir = partitionDir(add.partitionValues)
  if ((partCols.length ? dir : '.') !== (partCols.length ? wantDir : '.')) problem(`${p}: directory ${dir}, expected ${wantDir}`)

  const st = add.parsedStats
  const sel = statLeaves.map((l, i) => {
    const col = l.path.map(ident).join('.')
    const v = l.type === 'timestamp' ? `epoch_us(${col})` : l.type === 'date' ? `strftime(${col}, '%Y-%m-%d')` : col
    const agg = l.type === 'boolean' ? `NULL AS mn${i}, NULL AS mx${i}` : `min(${v})::VARCHAR AS mn${i}, max(${v})::VARCHAR AS mx${i}`
    return `${agg}, count(*) - count(${col}) AS n${i}`
  }).join(', ')
  const res = await duckQuery(`SELECT count(*)::BIGINT AS rows${sel ? ', ' + sel : ''} FROM read_parquet(${sq(abs)})`)
  const row = res[0]
  const nrows = Number(row.rows)
  totalRows += nrows
  if (nrows !== st.numRecords) problem(`${p}: ${nrows} rows but numRecords ${st.numRecords}`)
  statLeaves.forEach((l, i) => {
    const [mn, mx, nulls] = [row[`mn${i}`], row[`mx${i}`], row[`n${i}`]]
    const name = l.path.join('.')
    if (Number(nulls) !== dig(st.nullCount, l.path)) problem(`${p}: ${name} nullCount ${dig(st.nullCount, l.path)}, counted ${nulls}`)
    const want = { min: expectedStat(l, mn, 'min'), max: expectedStat(l, mx, 'max') }
    for (const kind of ['min', 'max']) {
      const got = dig(kind === 'min' ? st.minValues : st.maxValues, l.path)
      const w = want[kind]
      const same = (typeof w === 'number') ? (got !== undefined && Number(got) === w) : got === w
      if (!same) problem(`${p}: ${name} ${kind} in stats ${JSON.stringify(got)}, data gives ${JSON.stringify(w)}`)
    }
  })
  // The file's rows with the partition values the log gives them, and
  // null for a column the file lacks (written before the table's schema
  // gained it), as the protocol has a reader do.
  const has = new Set((await duckQuery(`DESCRIBE SELECT * FROM read_parquet(${sq(abs)})`)).map(r => r.column_name))
  const cols = schema.fields.map(f => {
    if (!partCols.includes(f.name)) return has.has(f.name) ? ident(f.name) : `NULL::${duckType(f.type)} AS ${ident(f.name)}`
    const v = add.partitionValues[f.name]
    return `${v === null ? 'NULL' : sq(v)}::${duckType(f.type)} AS ${ident(f.name)}`
  })
  fileSelects.push(`SELECT ${cols.join(', ')} FROM read_parquet(${sq(abs)})`)
}
say(`data ${state.files.size} files, ${totalRows} rows: sizes, paths, partition directories, row counts, null counts and min/max stats checked`)

// ---- the checkpoint named by _last_checkpoint ----

const lastPath = path.join(logDir, '_last_checkpoint')
if (fs.existsSync(lastPath)) {
  const last = JSON.parse(fs.readFileSync(lastPath, 'utf8'))
  const cp = path.join(logDir, `${String(last.version).padStart(20, '0')}.checkpoint.parquet`)
  if (!fs.existsSync(cp)) problem(`_last_checkpoint names version ${last.version}, whose checkpoint is missing`)
  else {
    const at = stateAt.get(last.version)
    const rows = (await duckQuery(`SELECT add.path AS a, txn.appId AS t, txn.version AS v, metaData.id AS m, protocol.minReaderVersion AS r FROM read_parquet(${sq(cp)})`))
      .map(o => [o.a, o.t, o.v, o.m, o.r])
    if (rows.length !== last.size) problem(`checkpoint ${last.version}: ${rows.length} rows, _last_checkpoint says ${last.size}`)
    const adds = new Set(rows.filter(x => x[0] !== null).map(x => x[0]))
    const txns = new Map(rows.filter(x => x[1] !== null).map(x => [x[1], Number(x[2])]))
    const same = adds.size === at.files.size && [...adds].every(a => at.files.has(a))
    if (!same) problem(`checkpoint ${last.version}: its adds differ from the log replayed to that version`)
    if (txns.size !== at.txns.size || [...txns].some(([k, v]) => at.txns.get(k) !== v)) problem(`checkpoint ${last.version}: txns differ from the log`)
    if (rows.filter(x => x[3] !== null).length !== 1 || rows.filter(x => x[4] !== null).length !== 1) problem(`checkpoint ${last.version}: needs one metaData and one protocol row`)
    // Tombstones: kept while younger than the retention when the
    // checkpoint was written (its mtime), a minute's slack either way.
    const retain = retentionMs(state.metaData.configuration?.['delta.deletedFileRetentionDuration'])
    const written = fs.statSync(cp).mtimeMs
    const removes = await duckQuery(`SELECT remove.path AS p, remove.deletionTimestamp AS ts, remove.dataChange AS dc,
        remove.extendedFileMetadata AS ext, remove.size AS size, to_json(remove.partitionValues) AS pv
        FROM read_parquet(${sq(cp)}) WHERE remove IS NOT NULL`)
    const seenRm = new Set()
    for (const r of removes) {
      const want = at.tombstones.get(r.p)
      if (seenRm.has(r.p)) problem(`checkpoint ${last.version}: two tombstones of ${r.p}`)
      seenRm.add(r.p)
      if (!want) { problem(`checkpoint ${last.version}: tombstone ${r.p} is no remove of the log (or was added again)`); continue }
      const pv = r.pv === null ? null : JSON.parse(r.pv)
      if (Number(r.ts) !== want.deletionTimestamp || r.dc !== want.dataChange ||
          (r.size === null ? undefined : Number(r.size)) !== want.size ||
          JSON.stringify(pv ?? undefined) !== JSON.stringify(want.partitionValues) ||
          r.ext !== (want.partitionValues !== undefined && want.size !== undefined ? true : (want.extendedFileMetadata ?? null))) {
        problem(`checkpoint ${last.version}: tombstone ${r.p} differs from its remove: ${JSON.stringify({ ...r, ts: Number(r.ts), size: Number(r.size) })} vs ${JSON.stringify(want)}`)
      }
      if (want.deletionTimestamp < written - retain - 60000) problem(`checkpoint ${last.version}: tombstone ${r.p} had expired`)
    }
    for (const [p, rm] of at.tombstones) {
      if (!seenRm.has(p) && rm.deletionTimestamp > written - retain + 60000) problem(`checkpoint ${last.version}: no tombstone for ${p}, removed within the retention`)
    }
    say(`ckpt version ${last.version}: ${adds.size} adds, ${txns.size} txns and ${removes.length} tombstones equal the replayed log`)
  }
}

// ---- 3. the rows ----

if (rowsFile !== null) {
  const columns = '{' + schema.fields.map(f => `${sq(f.name)}: ${sq(duckType(f.type))}`).join(', ') + '}'
  const expected = `SELECT * FROM read_json(${sq(rowsFile)}, format='newline_delimited', columns=${columns})`
  const actual = fileSelects.length ? fileSelects.join(' UNION ALL ') : expected + ' LIMIT 0'
  const count = async (q) => Number((await duckQuery(`SELECT count(*) AS c FROM (${q})`))[0].c)
  const nExpected = await count(expected)
  const missing = await count(`(${expected}) EXCEPT ALL (${actual})`)
  const extra = await count(`(${actual}) EXCEPT ALL (${expected})`)
  if (missing || extra || nExpected !== totalRows) problem(`rows: ${nExpected} expected, ${totalRows} in the table, ${missing} missing, ${extra} extra or repeated`)
  else say(`rows ${totalRows} rows equal the expected rows, each exactly once`)
}

for (const p of problems) console.error(`delta-check: ${table}: ${p}`)
process.exit(problems.length ? 1 : 0)
