#!/usr/bin/env node
// parquet-check: checks Parquet files the way no single reader does.
//
//   node parquet-check.mjs [-q] FILE.parquet [--rows EXPECTED.ndjson] ...
//
// For each file (--rows applies to the file before it):
//  1. structure, from the bytes with our own Thrift/page decoder
//     (lib/parquet-raw.mjs): magic, footer length, num_rows = sum of the
//     row groups, no empty row group, every page decompressed to exactly
//     uncompressed_page_size, pages exactly filling each chunk, offsets,
//     value counts, RLE levels, encodings listed, null_count / nan_count /
//     min / max recomputed from the data and equal to the statistics,
//     column_orders, created_by, type annotations;
//  2. values, from hyparquet, DuckDB and parquet-wasm (lib/readers.mjs):
//     each reader's row count equals num_rows and all three agree value by
//     value (dates as days, timestamps as microseconds, strings as bytes,
//     int64 exactly);
//  3. with --rows, the rows equal the expected NDJSON (format in
//     lib/readers.mjs, expectedLeaf).
// Prints what it checked; exits 1 on any mismatch, 2 on a usage error.
// Deliberately corrupted files are read by all three readers without an
// error, so the counts and statistics checks are the point, not "it reads".

import fs from 'node:fs'
import { checkRaw } from './lib/parquet-raw.mjs'
import {
  canonicalText, expectedRows, readDuckDB, readHyparquet, readParquetWasm,
} from './lib/readers.mjs'

function usage (msg) {
  if (msg) console.error(`parquet-check: ${msg}`)
  console.error('usage: parquet-check.mjs [-q] FILE.parquet [--rows EXPECTED.ndjson] ...')
  process.exit(2)
}

function parseArgs (argv) {
  const files = []
  let quiet = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-q') quiet = true
    else if (a === '-h' || a === '--help') usage()
    else if (a === '--rows') {
      if (!files.length || i + 1 >= argv.length) usage('--rows needs a Parquet file before it and a file after it')
      files[files.length - 1].rows = argv[++i]
    } else if (a.startsWith('-')) usage(`unknown option ${a}`)
    else files.push({ path: a })
  }
  if (!files.length) usage('no files')
  return { files, quiet }
}

// The first place two canonical values differ: [path, a, b], or null.
function firstDifference (a, b, path) {
  if (canonicalText(a) === canonicalText(b)) return null
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a) ? [...Array(Math.max(a.length, b.length)).keys()] : Object.keys(a)
    for (const k of keys) {
      const d = firstDifference(a[k], b[k], `${path}${Array.isArray(a) ? `[${k}]` : `.${k}`}`)
      if (d) return d
    }
  }
  return [path, a, b]
}

// Compares reader outputs row by row; reports the first few differences.
function compareRows (what, a, b, problems) {
  if (a.length !== b.length) {
    problems.push(`${what}: ${a.length} rows against ${b.length}`)
    return
  }
  let shown = 0
  for (let i = 0; i < a.length; i++) {
    const d = firstDifference(a[i], b[i], '')
    if (d && shown++ < 5) {
      const [path, x, y] = d
      problems.push(`${what}: row ${i}, ${path.slice(1)}: ${canonicalText(x).slice(0, 120)} against ${canonicalText(y).slice(0, 120)}`)
    }
  }
  if (shown > 5) problems.push(`${what}: ${shown - 5} more rows differ`)
}

async function checkFile (f) {
  const problems = []
  const notes = []
  const bytes = new Uint8Array(fs.readFileSync(f.path))
  let raw
  try {
    raw = checkRaw(bytes, problems)
  } catch (e) {
    problems.push(`structure: ${e.message}`)
  }
  if (!raw) return { problems, notes }
  notes.push(`${raw.numRows} rows, ${raw.rowGroups} row groups, ${raw.columns} columns, ${raw.pages} pages: structure and statistics ok` +
    (problems.length ? ' (see problems)' : ''))

  const readers = {}
  for (const [name, read] of [
    ['hyparquet', () => readHyparquet(bytes, raw.root)],
    ['duckdb', () => readDuckDB(f.path, raw.root)],
    ['parquet-wasm', () => {
      const r = readParquetWasm(bytes, raw.root)
      if (r.numRows !== raw.numRows) problems.push(`parquet-wasm: numRows ${r.numRows}, footer says ${raw.numRows}`)
      return r.rows
    }],
  ]) {
    try {
      readers[name] = await read()
      if (readers[name].length !== raw.numRows) problems.push(`${name}: read ${readers[name].length} rows, footer says ${raw.numRows}`)
    } catch (e) {
      problems.push(`${name}: cannot read the file: ${e.message}`)
    }
  }
  const names = Object.keys(readers)
  for (const n of names.slice(1)) compareRows(`${names[0]} vs ${n}`, readers[names[0]], readers[n], problems)
  if (names.length === 3) notes.push('hyparquet, duckdb and parquet-wasm read every row' + (problems.length ? '' : ' and agree value by value'))

  if (f.rows) {
    try {
      const want = expectedRows(fs.readFileSync(f.rows, 'utf8'), raw.root)
      if (names.length) compareRows(`expected vs ${names[0]}`, want, readers[names[0]], problems)
      notes.push(`rows compared with ${f.rows}`)
    } catch (e) {
      problems.push(`expected rows ${f.rows}: ${e.message}`)
    }
  }
  return { problems, notes }
}

const { files, quiet } = parseArgs(process.argv.slice(2))
let failed = 0
for (const f of files) {
  const { problems, notes } = await checkFile(f)
  if (problems.length) {
    failed++
    console.log(`FAIL ${f.path}`)
    for (const p of problems.slice(0, 40)) console.log(`  ${p}`)
    if (problems.length > 40) console.log(`  ... ${problems.length - 40} more`)
  } else {
    console.log(`ok   ${f.path}`)
  }
  if (!quiet) for (const n of notes) console.log(`     ${n}`)
}
console.log(`parquet-check: ${files.length - failed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
