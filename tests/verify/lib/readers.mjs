// The value half of the checker: the same file read by three independent
// readers (hyparquet in JS, DuckDB in C++, parquet-wasm = arrow-rs in
// WASM), every row turned into one canonical form so they can be compared
// value by value, and expected rows (NDJSON) turned into the same form.
//
// Canonical values, driven by the Parquet schema tree from parquet-raw.mjs:
//   BOOLEAN -> boolean; INT32 and DATE -> number (days for dates);
//   INT64 and TIMESTAMP -> BigInt (microseconds for timestamps);
//   DOUBLE -> number (NaN and -0 kept); BYTE_ARRAY -> "hex:<bytes in hex>"
//   (strings compared as raw bytes); struct -> object in schema order;
//   LIST -> array; MAP -> array of [key, value]; null -> null.
// canonicalText() prints one as a stable string for comparing and showing.

import { parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { readParquet } from 'parquet-wasm'
import { tableFromIPC } from 'apache-arrow'
import {
  DuckDBInstance, DuckDBDateValue, DuckDBListValue, DuckDBMapValue,
  DuckDBStructValue, DuckDBTimestampTZValue, DuckDBTimestampValue,
} from '@duckdb/node-api'

const hex = (bytes) => 'hex:' + Buffer.from(bytes).toString('hex')
const hexText = (s) => hex(Buffer.from(s, 'utf8'))

function kind (node) {
  if (!node.children.length) return 'leaf'
  if ((node.logical && node.logical[3]) || node.converted === 3) return 'list'
  if ((node.logical && node.logical[2]) || node.converted === 1 || node.converted === 2) return 'map'
  return 'struct'
}

// The leaf under a 3-level LIST (list -> repeated group -> element), and
// the key and value under a MAP (map -> repeated key_value -> key, value).
const listElement = (node) => node.children[0].children[0]
const mapKeyValue = (node) => node.children[0].children

export function canonicalText (v) {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'bigint') return v + 'n'
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v)
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return '[' + v.map(canonicalText).join(',') + ']'
  return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + canonicalText(x)).join(',') + '}'
}

// Applies `leaf(node, value)` at the leaves and rebuilds containers, with
// per-reader accessors for structs, lists and maps.
function convert (node, v, r) {
  if (v === null || v === undefined) return null
  switch (kind(node)) {
    case 'leaf': return r.leaf(node, v)
    case 'struct': {
      const out = {}
      for (const c of node.children) out[c.name] = convert(c, r.field(v, c.name), r)
      return out
    }
    case 'list': return r.items(v).map(x => convert(listElement(node), x, r))
    default: {
      const [k, val] = mapKeyValue(node)
      return r.entries(v).map(([a, b]) => [convert(k, a, r), convert(val, b, r)])
    }
  }
}

function rowsOf (root, objects, r) {
  return objects.map(o => {
    const row = {}
    for (const c of root.children) row[c.name] = convert(c, r.field(o, c.name), r)
    return row
  })
}

// ---------------------------------------------------------------- hyparquet

const hyparquetParsers = {
  timestampFromMilliseconds: (ms) => ms * 1000n,
  timestampFromMicroseconds: (us) => us,
  timestampFromNanoseconds: (ns) => ns / 1000n,
  dateFromDays: (days) => days,
  stringFromBytes: (bytes) => hex(bytes),
}

export async function readHyparquet (bytes, root) {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const objects = await parquetReadObjects({ file, compressors, parsers: hyparquetParsers })
  return rowsOf(root, objects, {
    field: (o, name) => o[name],
    items: (a) => a,
    // hyparquet builds a map as an object; with the hex parser its keys
    // are "hex:..." strings, which keep insertion order.
    entries: (o) => Object.entries(o),
    leaf: (node, v) => (node.type === 1 && typeof v === 'bigint') ? Number(v) : v,
  })
}

// ---------------------------------------------------------------- DuckDB

let duck = null
async function duckConnection () {
  if (!duck) {
    const db = await DuckDBInstance.create(':memory:', {
      threads: '1',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    })
    duck = await db.connect()
  }
  return duck
}

const sqlString = (s) => "'" + s.replaceAll("'", "''") + "'"

export async function duckQuery (sql) {
  const c = await duckConnection()
  return (await c.runAndReadAll(sql)).getRowObjects()
}

export async function readDuckDB (path, root) {
  const c = await duckConnection()
  const reader = await c.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(path)}, binary_as_string=false)`)
  const names = reader.columnNames()
  const objects = reader.getRows().map(row => Object.fromEntries(row.map((v, i) => [names[i], v])))
  return rowsOf(root, objects, {
    field: (o, name) => o instanceof DuckDBStructValue ? o.entries[name] : o[name],
    items: (l) => l instanceof DuckDBListValue ? [...l.items] : l,
    entries: (m) => m instanceof DuckDBMapValue ? m.entries.map(e => [e.key, e.value]) : m,
    leaf: (node, v) => {
      if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) return v.micros
      if (v instanceof DuckDBDateValue) return v.days
      if (typeof v === 'string') return hexText(v)
      if (v instanceof Uint8Array) return hex(v)
      if (v && typeof v === 'object' && v.bytes instanceof Uint8Array) return hex(v.bytes) // BLOB
      return v
    },
  })
}

// ---------------------------------------------------------------- parquet-wasm

// Arrow's get() turns timestamps into milliseconds, so values are read from
// the column buffers (arrow Data objects) instead.
function arrowValue (data, i, node) {
  const at = data.offset + i
  if (data.nullBitmap && data.nullBitmap.length > 0 && data.nullCount !== 0 &&
      !((data.nullBitmap[at >> 3] >> (at & 7)) & 1)) return null
  switch (kind(node)) {
    case 'leaf': {
      const v = data.values
      if (node.type === 0) return ((v[at >> 3] >> (at & 7)) & 1) === 1
      if (node.type === 6) return hex(v.subarray(data.valueOffsets[at], data.valueOffsets[at + 1]))
      return v[at] // Int32Array, BigInt64Array, Float64Array: raw days / micros
    }
    case 'struct': {
      const out = {}
      node.children.forEach((c, k) => { out[c.name] = arrowValue(data.children[k], i, c) })
      return out
    }
    case 'list': {
      const out = []
      for (let k = data.valueOffsets[at]; k < data.valueOffsets[at + 1]; k++) out.push(arrowValue(data.children[0], k, listElement(node)))
      return out
    }
    default: {
      const [kn, vn] = mapKeyValue(node)
      const entries = data.children[0]
      const out = []
      for (let k = data.valueOffsets[at]; k < data.valueOffsets[at + 1]; k++) {
        out.push([arrowValue(entries.children[0], k, kn), arrowValue(entries.children[1], k, vn)])
      }
      return out
    }
  }
}

export function readParquetWasm (bytes, root) {
  const table = tableFromIPC(readParquet(new Uint8Array(bytes)).intoIPCStream())
  const rows = []
  for (const batch of table.batches) {
    for (let i = 0; i < batch.numRows; i++) {
      const row = {}
      root.children.forEach((c, k) => { row[c.name] = arrowValue(batch.data.children[k], i, c) })
      rows.push(row)
    }
  }
  return { rows, numRows: table.numRows }
}

// ---------------------------------------------------------------- expected rows

// Microseconds since the epoch from ISO 8601 ("2026-01-01T00:00:05.5Z",
// offsets allowed, no zone = UTC).
export function isoMicros (s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(s)
  if (!m) throw new Error(`not an ISO 8601 timestamp: ${s}`)
  const d = new Date(0)
  d.setUTCFullYear(+m[1], +m[2] - 1, +m[3])
  d.setUTCHours(+m[4], +m[5], +m[6], 0)
  let us = BigInt(d.getTime()) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6))
  if (m[8] && m[8].toUpperCase() !== 'Z') {
    const sign = m[8][0] === '-' ? -1n : 1n
    const digits = m[8].slice(1).replace(':', '')
    us -= sign * (BigInt(+digits.slice(0, 2) * 3600 + +digits.slice(2) * 60) * 1000000n)
  }
  return us
}

function isoDays (s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) throw new Error(`not a date: ${s}`)
  const d = new Date(0)
  d.setUTCFullYear(+m[1], +m[2] - 1, +m[3])
  return Math.round(d.getTime() / 86400000)
}

// One JSON value as the project's NDJSON writes it: strings, numbers (an
// int64 beyond 2^53 may be a decimal string), "NaN"/"Infinity"/"-Infinity"
// for doubles, ISO timestamps and dates, objects for structs and maps.
function expectedLeaf (node, v) {
  const lt = node.logical ?? {}
  switch (node.type) {
    case 0: return v
    case 1: return lt[6] || node.converted === 6 ? isoDays(v) : v
    case 2:
      if (lt[8] || node.converted === 10 || node.converted === 9) return isoMicros(v)
      if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error(`int64 ${v} is not exact in JSON: write it as a string`)
      return BigInt(v)
    case 4:
    case 5: return typeof v === 'string' ? Number(v) : v
    case 6: return hexText(v)
    default: throw new Error(`expected rows: unsupported type ${node.type}`)
  }
}

export function expectedRows (text, root) {
  const lines = text.split('\n').filter(l => l.trim() !== '')
  return rowsOf(root, lines.map(l => JSON.parse(l)), {
    field: (o, name) => o[name],
    items: (a) => a,
    entries: (o) => Object.entries(o),
    leaf: expectedLeaf,
  })
}
