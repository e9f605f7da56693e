#!/usr/bin/env node
// corrupt: makes a damaged copy of a Parquet file, to prove that
// parquet-check notices what readers silently accept.
//
//   node corrupt.mjs MODE IN.parquet OUT.parquet [COLUMN]
//
// MODE:
//   num-rows     footer num_rows + 1 (readers trust the row groups)
//   plain-value  one byte changed in the middle of the last data page of
//                COLUMN (default: the first column); the file stays valid
//   page-byte    one byte flipped in the middle of the first page body of
//                COLUMN, compressed or not
//   stat-max     the first byte of COLUMN's max_value in row group 0
//                changed (the footer length stays the same)

import fs from 'node:fs'
import { readStruct } from './lib/thrift-compact.mjs'

const [mode, input, output, column] = process.argv.slice(2)
if (!output) {
  console.error('usage: corrupt.mjs num-rows|plain-value|page-byte|stat-max IN OUT [COLUMN]')
  process.exit(2)
}
const bytes = new Uint8Array(fs.readFileSync(input))
const n = bytes.length
const footerLen = new DataView(bytes.buffer).getUint32(n - 8, true)
const footerStart = n - 8 - footerLen
const { value: fm } = readStruct(bytes, footerStart)
const path = (meta) => meta[3].map(p => Buffer.from(p).toString()).join('.')
const metas = fm[4].flatMap(rg => rg[1].map(cc => cc[3]))
const chosen = metas.filter(m => column === undefined ? m === metas[0] : path(m) === column)
if (!chosen.length) throw new Error(`no column ${column}`)

// Offsets of a chunk's pages: [{ at, body, size, type }].
function pages (meta) {
  const start = meta[11] !== undefined ? Number(meta[11]) : Number(meta[9])
  const end = start + Number(meta[7])
  const out = []
  for (let pos = start; pos < end;) {
    const { value: h, end: body } = readStruct(bytes, pos)
    out.push({ at: pos, body, size: h[3], type: h[1] })
    pos = body + h[3]
  }
  return out
}

// Finds bytes (an array) inside the footer; returns the absolute offset.
function findInFooter (needle) {
  outer: for (let i = footerStart; i + needle.length <= n - 8; i++) {
    for (let k = 0; k < needle.length; k++) if (bytes[i + k] !== needle[k]) continue outer
    return i
  }
  throw new Error('pattern not found in the footer')
}

const varint = (v) => {
  const out = []
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n }
  out.push(Number(v))
  return out
}

switch (mode) {
  case 'num-rows': {
    // Field 3 (i64) follows field 2 (the schema list): header 0x16.
    const rows = fm[3]
    const at = findInFooter([0x16, ...varint(rows * 2n)])
    const patched = varint((rows + 1n) * 2n)
    if (patched.length !== varint(rows * 2n).length) throw new Error('num_rows + 1 changes the varint length')
    bytes.set(patched, at + 1)
    break
  }
  case 'plain-value': {
    const data = pages(chosen[0]).filter(p => p.type === 0)
    const p = data[data.length - 1]
    bytes[p.body + Math.floor(p.size * 3 / 4)] ^= 0x01
    break
  }
  case 'page-byte': {
    const p = pages(chosen[0])[0]
    bytes[p.body + Math.floor(p.size / 2)] ^= 0xff
    break
  }
  case 'stat-max': {
    const max = chosen[0][12][5]
    const at = findInFooter([...varint(BigInt(max.length)), ...max])
    bytes[at + varint(BigInt(max.length)).length] ^= 0x01
    break
  }
  default:
    console.error(`corrupt: unknown mode ${mode}`)
    process.exit(2)
}
fs.writeFileSync(output, bytes)
