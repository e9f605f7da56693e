// The structural half of the checker: reads a Parquet file byte by byte,
// with its own Thrift decoder, page walker and leaf decoder (no Parquet
// library), and checks what a reader would silently accept: sizes and
// offsets, page counts, level encodings, and the footer statistics against
// values recomputed from the pages. parquet-writer.md section 11 in the
// project notes is the list this follows.
//
// checkRaw(bytes, problems) returns a summary ({ numRows, rowGroups,
// columns, pages, schema }) and pushes one string per problem found.

import { compressors } from 'hyparquet-compressors'
import { readStruct } from './thrift-compact.mjs'

export const TYPE = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY']
export const CODEC = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW']
const ENC = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, BIT_PACKED: 4, RLE_DICTIONARY: 8 }
const ENC_NAME = { 0: 'PLAIN', 2: 'PLAIN_DICTIONARY', 3: 'RLE', 4: 'BIT_PACKED', 8: 'RLE_DICTIONARY' }
const PAGE = { DATA: 0, DICTIONARY: 2, DATA_V2: 3 }
const REP = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 }
// ConvertedType ids that go with each LogicalType (LogicalTypes.md).
const CT = { UTF8: 0, MAP: 1, LIST: 3, DATE: 6, TIMESTAMP_MILLIS: 9, TIMESTAMP_MICROS: 10, INT_8: 15, INT_16: 16, INT_32: 17, INT_64: 18 }
// parquet-java's VersionParser accepts "<app> version <version> (build <hash>)".
const CREATED_BY = /^(.+?)\s+version\s+(\S+)\s+\(build\s+([^)]+)\)$/
const MAX_BOUND_BYTES = 4096 // longer exact bounds may be left out

const decoder = new TextDecoder('utf-8', { fatal: true })

// ---------------------------------------------------------------- schema

// Turns the flat, depth-first schema list into a tree and annotates every
// leaf with its path, levels and type facts.
export function schemaTree (elements, problems) {
  let next = 0
  const leaves = []
  function node (parent, def, rep, path) {
    const el = elements[next++]
    if (el === undefined) throw new Error('schema: fewer elements than num_children promise')
    const name = decoder.decode(el[4])
    const repetition = el[3]
    const isRoot = parent === null
    const d = def + (repetition === REP.OPTIONAL || repetition === REP.REPEATED ? 1 : 0)
    const r = rep + (repetition === REP.REPEATED ? 1 : 0)
    const n = {
      name, repetition, el, isRoot, parent,
      path: isRoot ? [] : [...path, name],
      maxDef: isRoot ? 0 : d,
      maxRep: isRoot ? 0 : r,
      children: [],
      logical: el[10] ?? null,
      converted: el[6] ?? null,
    }
    if (!isRoot && repetition === undefined) problems.push(`schema: ${n.path.join('.')} has no repetition_type`)
    if (el[5] !== undefined) {
      for (let i = 0; i < el[5]; i++) n.children.push(node(n, n.maxDef, n.maxRep, n.path))
    } else {
      n.type = el[1]
      n.typeLength = el[2]
      n.column = leaves.length
      leaves.push(n)
    }
    return n
  }
  const root = node(null, 0, 0, [])
  if (next !== elements.length) problems.push(`schema: ${elements.length - next} elements left after the tree`)
  for (const n of walk(root)) checkAnnotation(n, problems)
  return { root, leaves }
}

function * walk (n) {
  yield n
  for (const c of n.children) yield * walk(c)
}

// LogicalType and ConvertedType must agree, and strings must be annotated
// (arrow-rs reads a bare BYTE_ARRAY as binary).
function checkAnnotation (n, problems) {
  if (n.isRoot) return
  const where = `schema: ${n.path.join('.')}`
  const lt = n.logical
  const want = (ct, what) => {
    if (n.converted !== ct) problems.push(`${where}: ${what} without converted type ${ct} (has ${n.converted})`)
  }
  if (n.type === 6 && !(lt && lt[1])) problems.push(`${where}: BYTE_ARRAY without the STRING logical type`)
  if (!lt) return
  if (lt[1]) want(CT.UTF8, 'STRING')
  if (lt[2]) want(CT.MAP, 'MAP')
  if (lt[3]) want(CT.LIST, 'LIST')
  if (lt[6]) want(CT.DATE, 'DATE')
  if (lt[8]) {
    const unit = lt[8][2] ?? {}
    if (unit[2]) want(CT.TIMESTAMP_MICROS, 'TIMESTAMP(MICROS)')
    else if (unit[1]) want(CT.TIMESTAMP_MILLIS, 'TIMESTAMP(MILLIS)')
    else problems.push(`${where}: TIMESTAMP in nanoseconds (BigQuery cannot map it)`)
    if (lt[8][1] !== true) problems.push(`${where}: TIMESTAMP with isAdjustedToUTC=false is timestamp_ntz to Delta`)
  }
  if (lt[10]) {
    const bits = lt[10][1]
    const signed = lt[10][2]
    if (signed) want({ 8: CT.INT_8, 16: CT.INT_16, 32: CT.INT_32, 64: CT.INT_64 }[bits], `INTEGER(${bits})`)
  }
}

// ---------------------------------------------------------------- decoding

// The RLE/bit-packed hybrid (Encodings.md): n values of `width` bits from
// bytes[pos..end). Returns { values, end } with end the offset after the
// last run read; a run that crosses `end` is an error.
export function decodeHybrid (bytes, pos, end, width, n) {
  const values = new Array(n)
  let got = 0
  const vbytes = Math.ceil(width / 8)
  while (got < n) {
    if (pos >= end) throw new Error(`hybrid: ran out of bytes after ${got} of ${n} values`)
    let header = 0
    let shift = 0
    for (;;) {
      const b = bytes[pos++]
      header += (b & 0x7f) * 2 ** shift
      shift += 7
      if ((b & 0x80) === 0) break
    }
    if (header % 2 === 0) {
      const count = header / 2
      if (count === 0) throw new Error('hybrid: RLE run of length 0')
      let v = 0
      for (let k = 0; k < vbytes; k++) v += bytes[pos + k] * 2 ** (8 * k)
      pos += vbytes
      for (let k = 0; k < count && got < n; k++) values[got++] = v
    } else {
      const groups = (header - 1) / 2
      const nbytes = groups * width
      if (pos + nbytes > end) throw new Error('hybrid: bit-packed run past the end')
      let bit = 0
      for (let k = 0; k < groups * 8; k++) {
        let v = 0
        for (let b = 0; b < width; b++, bit++) {
          if (bytes[pos + (bit >> 3)] & (1 << (bit & 7))) v += 2 ** b
        }
        if (got < n) values[got++] = v
      }
      pos += nbytes
    }
    if (pos > end) throw new Error('hybrid: run past the end')
  }
  return { values, end: pos }
}

function bitWidth (max) {
  let w = 0
  while (max >= 2 ** w) w++
  return w
}

// PLAIN values of a physical type: numbers, BigInts, booleans or byte
// arrays. Returns { values, end }.
export function decodePlain (bytes, pos, end, type, n, typeLength) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const values = new Array(n)
  const need = (k) => { if (pos + k > end) throw new Error(`plain ${TYPE[type]}: value past the end`) }
  for (let i = 0; i < n; i++) {
    switch (type) {
      case 0: need(i % 8 === 0 ? 1 : 0); values[i] = ((bytes[pos + (i >> 3)] >> (i & 7)) & 1) === 1; break
      case 1: need(4); values[i] = view.getInt32(pos, true); pos += 4; break
      case 2: need(8); values[i] = view.getBigInt64(pos, true); pos += 8; break
      case 4: need(4); values[i] = view.getFloat32(pos, true); pos += 4; break
      case 5: need(8); values[i] = view.getFloat64(pos, true); pos += 8; break
      case 6: {
        need(4)
        const len = view.getUint32(pos, true)
        pos += 4
        need(len)
        values[i] = bytes.subarray(pos, pos + len)
        pos += len
        break
      }
      case 7: need(typeLength); values[i] = bytes.subarray(pos, pos + typeLength); pos += typeLength; break
      default: throw new Error(`plain: unsupported type ${TYPE[type]}`)
    }
  }
  if (type === 0) pos += Math.ceil(n / 8)
  return { values, end: pos }
}

// ---------------------------------------------------------------- ordering

export function compareBytes (a, b) {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

// Column order TYPE_ORDER for our types: signed numbers, false < true,
// unsigned bytewise strings.
function compare (type, a, b) {
  if (type === 6 || type === 7) return compareBytes(a, b)
  if (type === 0) return (a ? 1 : 0) - (b ? 1 : 0)
  return a < b ? -1 : a > b ? 1 : 0
}

// Decodes a PLAIN statistics bound (no length prefix for byte arrays).
function decodeBound (type, bytes) {
  if (type === 6 || type === 7) return bytes
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const size = { 0: 1, 1: 4, 2: 8, 4: 4, 5: 8 }[type]
  if (bytes.length !== size) throw new Error(`bound of ${bytes.length} bytes for ${TYPE[type]}`)
  switch (type) {
    case 0: return bytes[0] !== 0
    case 1: return view.getInt32(0, true)
    case 2: return view.getBigInt64(0, true)
    case 4: return view.getFloat32(0, true)
    default: return view.getFloat64(0, true)
  }
}

export function show (v) {
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString('utf8'))
  if (typeof v === 'number' && Object.is(v, -0)) return '-0'
  return String(v)
}

// ---------------------------------------------------------------- chunks

function decompress (codec, data, size) {
  switch (codec) {
    case 0: return data
    case 1: return compressors.SNAPPY(data, size)
    case 2: return compressors.GZIP(data, size)
    case 6: return compressors.ZSTD(data, size)
    default: throw new Error(`codec ${CODEC[codec] ?? codec} not supported by this checker`)
  }
}

// Walks one column chunk's pages and decodes every level and value.
// Returns { pages, rep, def, values } (values: the non-null ones, in order).
function readChunk (bytes, meta, leaf, where, problems) {
  const codec = meta[4]
  const dictOff = meta[11] === undefined ? -1 : Number(meta[11])
  const dataOff = Number(meta[9])
  const start = dictOff >= 0 ? dictOff : dataOff
  const end = start + Number(meta[7])
  const out = { pages: 0, rep: [], def: [], values: [], used: new Set() }
  let dict = null
  let uncompressed = 0
  let slots = 0
  let pos = start
  let sawData = false
  if (dictOff >= 0 && dictOff > dataOff) problems.push(`${where}: dictionary page after the data pages`)
  if (end > bytes.length) throw new Error(`${where}: chunk ends at ${end}, past the file (${bytes.length})`)
  while (pos < end) {
    const { value: h, end: bodyStart } = readStruct(bytes, pos)
    const type = h[1]
    const rawSize = h[2]
    const compSize = h[3]
    if (bodyStart + compSize > end) throw new Error(`${where}: page at ${pos} runs past the chunk`)
    if (type === PAGE.DATA && !sawData && pos !== dataOff) problems.push(`${where}: data_page_offset ${dataOff} is not the first data page (${pos})`)
    if (type === PAGE.DICTIONARY && pos !== dictOff) problems.push(`${where}: dictionary page at ${pos}, dictionary_page_offset says ${dictOff}`)
    const page = decompress(codec, bytes.subarray(bodyStart, bodyStart + compSize), rawSize)
    if (page.length !== rawSize) problems.push(`${where}: page at ${pos} decompresses to ${page.length} bytes, header says ${rawSize}`)
    uncompressed += bodyStart - pos + rawSize
    out.pages++
    if (type === PAGE.DICTIONARY) {
      if (sawData || dict) problems.push(`${where}: dictionary page not first, or twice`)
      const dh = h[7]
      const enc = dh[2]
      if (enc !== ENC.PLAIN && enc !== ENC.PLAIN_DICTIONARY) problems.push(`${where}: dictionary page encoding ${enc}`)
      out.used.add(enc)
      const r = decodePlain(page, 0, page.length, leaf.type, dh[1], leaf.typeLength)
      if (r.end !== page.length) problems.push(`${where}: dictionary page has ${page.length - r.end} bytes left over`)
      dict = r.values
    } else if (type === PAGE.DATA) {
      sawData = true
      const dh = h[5]
      const n = dh[1]
      slots += n
      let p = 0
      const levels = (max, what) => {
        if (max === 0) return new Array(n).fill(0)
        if (dh[what === 'repetition' ? 4 : 3] !== ENC.RLE) problems.push(`${where}: ${what} levels not RLE (Spark needs RLE in v1 pages)`)
        out.used.add(ENC.RLE)
        const len = new DataView(page.buffer, page.byteOffset).getUint32(p, true)
        const r = decodeHybrid(page, p + 4, p + 4 + len, bitWidth(max), n)
        if (r.end !== p + 4 + len) problems.push(`${where}: ${what} levels use ${r.end - p - 4} of their ${len} bytes`)
        if (r.values.some(v => v > max)) problems.push(`${where}: ${what} level above ${max}`)
        p += 4 + len
        return r.values
      }
      const rep = levels(leaf.maxRep, 'repetition')
      const def = levels(leaf.maxDef, 'definition')
      if (leaf.maxRep > 0 && rep[0] !== 0) problems.push(`${where}: page at ${pos} does not start at a row boundary`)
      const present = def.filter(d => d === leaf.maxDef).length
      const enc = dh[2]
      out.used.add(enc)
      let vals
      if (enc === ENC.PLAIN) {
        const r = decodePlain(page, p, page.length, leaf.type, present, leaf.typeLength)
        if (r.end !== page.length) problems.push(`${where}: page at ${pos} has ${page.length - r.end} bytes after its values`)
        vals = r.values
      } else if (enc === ENC.RLE_DICTIONARY || enc === ENC.PLAIN_DICTIONARY) {
        if (!dict) throw new Error(`${where}: dictionary-encoded page without a dictionary`)
        const width = page[p]
        const r = present > 0 ? decodeHybrid(page, p + 1, page.length, width, present) : { values: [], end: p + 1 }
        if (r.end !== page.length) problems.push(`${where}: page at ${pos} has ${page.length - r.end} bytes after its indices`)
        if (r.values.some(i => i >= dict.length)) problems.push(`${where}: dictionary index out of range`)
        vals = r.values.map(i => dict[i])
      } else {
        throw new Error(`${where}: encoding ${ENC_NAME[enc] ?? enc} not supported by this checker`)
      }
      out.rep.push(...rep)
      out.def.push(...def)
      for (const v of vals) out.values.push(v)
    } else if (type === PAGE.DATA_V2) {
      throw new Error(`${where}: data page v2 (this project writes v1 only)`)
    } else {
      problems.push(`${where}: unexpected page type ${type}`)
    }
    pos = bodyStart + compSize
  }
  if (pos !== end) problems.push(`${where}: pages end at ${pos}, total_compressed_size says ${end}`)
  if (uncompressed !== Number(meta[6])) problems.push(`${where}: pages hold ${uncompressed} uncompressed bytes (headers included), total_uncompressed_size says ${meta[6]}`)
  if (slots !== Number(meta[5])) problems.push(`${where}: pages hold ${slots} values, num_values says ${meta[5]}`)
  const listed = new Set(meta[2])
  for (const e of out.used) if (!listed.has(e)) problems.push(`${where}: encoding ${ENC_NAME[e] ?? e} used but not listed in encodings`)
  return out
}

// Recomputes null_count, nan_count and min/max and compares them with the
// chunk's Statistics.
function checkStats (meta, leaf, data, where, problems) {
  const st = meta[12]
  if (!st) { problems.push(`${where}: no statistics`); return }
  const nulls = data.def.filter(d => d < leaf.maxDef).length
  if (st[3] === undefined) problems.push(`${where}: null_count missing (readers must not assume 0)`)
  else if (Number(st[3]) !== nulls) problems.push(`${where}: null_count ${st[3]}, data has ${nulls}`)
  const isFloat = leaf.type === 4 || leaf.type === 5
  let vals = data.values
  if (isFloat) {
    const nans = vals.filter(v => Number.isNaN(v)).length
    if (st[9] === undefined) problems.push(`${where}: nan_count missing`)
    else if (Number(st[9]) !== nans) problems.push(`${where}: nan_count ${st[9]}, data has ${nans}`)
    vals = vals.filter(v => !Number.isNaN(v))
  }
  let min, max
  for (const v of vals) {
    if (min === undefined || compare(leaf.type, v, min) < 0) min = v
    if (max === undefined || compare(leaf.type, v, max) > 0) max = v
  }
  if (isFloat && min !== undefined) {
    if (min === 0) min = -0 // the spec's rule for zero bounds
    if (max === 0) max = 0
  }
  const has = st[6] !== undefined && st[5] !== undefined
  if (min === undefined) {
    if (st[5] !== undefined || st[6] !== undefined) problems.push(`${where}: bounds written for a chunk with no (non-NaN) values`)
    return
  }
  if (!has) {
    const long = leaf.type === 6 && (min.length > MAX_BOUND_BYTES || max.length > MAX_BOUND_BYTES)
    if (!long) problems.push(`${where}: min_value/max_value missing`)
    return
  }
  const smin = decodeBound(leaf.type, st[6])
  const smax = decodeBound(leaf.type, st[5])
  const same = (a, b) => isFloat ? Object.is(a, b) : compare(leaf.type, a, b) === 0
  if (!same(smin, min)) problems.push(`${where}: min_value ${show(smin)}, data has ${show(min)}`)
  if (!same(smax, max)) problems.push(`${where}: max_value ${show(smax)}, data has ${show(max)}`)
  if (st[8] === false || st[7] === false) problems.push(`${where}: bounds marked inexact`)
  // The deprecated min/max, if written, are signed-order bounds; for
  // numbers they must agree with the new ones.
  if (st[1] !== undefined && leaf.type !== 6) {
    if (!same(decodeBound(leaf.type, st[2]), min) || !same(decodeBound(leaf.type, st[1]), max)) problems.push(`${where}: legacy min/max differ from min_value/max_value`)
  }
}

// ---------------------------------------------------------------- file

export function checkRaw (bytes, problems) {
  const n = bytes.length
  const text = (a, b) => Buffer.from(bytes.subarray(a, b)).toString('latin1')
  if (n < 12 || text(0, 4) !== 'PAR1' || text(n - 4, n) !== 'PAR1') {
    problems.push('magic: the file does not start and end with PAR1')
    return null
  }
  const footerLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(n - 8, true)
  const footerStart = n - 8 - footerLen
  if (footerStart < 4) {
    problems.push(`footer: length ${footerLen} does not fit the file`)
    return null
  }
  const { value: fm, end } = readStruct(bytes, footerStart)
  if (end !== n - 8) problems.push(`footer: FileMetaData is ${end - footerStart} bytes, the length field says ${footerLen}`)
  if (fm[1] !== 1 && fm[1] !== 2) problems.push(`footer: version ${fm[1]}`)
  const { root, leaves } = schemaTree(fm[2], problems)
  const rowGroups = fm[4] ?? []
  const numRows = Number(fm[3])
  let sum = 0
  let pages = 0
  const createdBy = fm[6] ? decoder.decode(fm[6]) : ''
  if (!CREATED_BY.test(createdBy)) problems.push(`footer: created_by ${JSON.stringify(createdBy)} does not parse as "<app> version <v> (build <hash>)"`)
  const orders = fm[7]
  if (!orders || orders.length !== leaves.length || orders.some(o => !o[1])) problems.push('footer: column_orders is not TYPE_ORDER for every leaf')
  let lastEnd = 4
  rowGroups.forEach((rg, g) => {
    const rows = Number(rg[3])
    sum += rows
    if (rows === 0) problems.push(`row group ${g}: empty (Spark fails on empty row groups)`)
    const cols = rg[1]
    if (cols.length !== leaves.length) problems.push(`row group ${g}: ${cols.length} column chunks for ${leaves.length} leaves`)
    let comp = 0
    let uncomp = 0
    cols.forEach((cc, i) => {
      const meta = cc[3]
      const leaf = leaves[i]
      const where = `row group ${g}, column ${leaf.path.join('.')}`
      if (!meta) { problems.push(`${where}: no meta_data`); return }
      const path = meta[3].map(p => decoder.decode(p)).join('.')
      if (path !== leaf.path.join('.')) problems.push(`${where}: path_in_schema ${path}`)
      if (meta[1] !== leaf.type) problems.push(`${where}: type ${TYPE[meta[1]]}, schema says ${TYPE[leaf.type]}`)
      const start = meta[11] !== undefined ? Number(meta[11]) : Number(meta[9])
      if (start < lastEnd) problems.push(`${where}: chunk at ${start} overlaps the previous one (ends ${lastEnd})`)
      lastEnd = start + Number(meta[7])
      if (lastEnd > footerStart) problems.push(`${where}: chunk runs into the footer`)
      comp += Number(meta[7])
      uncomp += Number(meta[6])
      const data = readChunk(bytes, meta, leaf, where, problems)
      pages += data.pages
      const starts = data.rep.filter(r => r === 0).length
      if (starts !== rows) problems.push(`${where}: ${starts} rows begin in the pages, the row group has ${rows}`)
      checkStats(meta, leaf, data, where, problems)
    })
    if (rg[2] !== undefined && Number(rg[2]) !== uncomp) problems.push(`row group ${g}: total_byte_size ${rg[2]}, chunks hold ${uncomp} uncompressed bytes`)
    if (rg[6] !== undefined && Number(rg[6]) !== comp) problems.push(`row group ${g}: total_compressed_size ${rg[6]}, chunks hold ${comp}`)
  })
  if (sum !== numRows) problems.push(`footer: num_rows ${numRows}, row groups hold ${sum}`)
  if (lastEnd !== footerStart) problems.push(`layout: ${footerStart - lastEnd} bytes between the last chunk and the footer`)
  return { numRows, rowGroups: rowGroups.length, columns: leaves.length, pages, root, leaves, createdBy, footer: fm }
}
