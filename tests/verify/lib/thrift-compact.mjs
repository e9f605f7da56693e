// A small, generic decoder for the Thrift compact protocol, written from
// apache/thrift doc/specs/thrift-compact-protocol.md and independent of
// the C encoder it checks. It knows no IDL: a struct decodes to a plain
// object keyed by field id ({1: 1, 2: [...], ...}); the callers name the
// fields. Values: i8/i16/i32 -> number, i64 -> BigInt, double -> number,
// binary -> Uint8Array, bool -> boolean, list/set -> array, map -> array of
// [key, value], struct -> object.

const T = {
  STOP: 0, TRUE: 1, FALSE: 2, I8: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7,
  BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12,
}

export class ThriftError extends Error {}

class Reader {
  constructor (bytes, pos) {
    this.b = bytes
    this.pos = pos
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  byte () {
    if (this.pos >= this.b.length) throw new ThriftError(`thrift: read past the end at ${this.pos}`)
    return this.b[this.pos++]
  }

  // ULEB128, as a BigInt so that 64-bit values survive.
  varint () {
    let result = 0n
    let shift = 0n
    for (;;) {
      const byte = this.byte()
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
      if (shift > 70n) throw new ThriftError('thrift: varint too long')
    }
  }

  zigzag () {
    const v = this.varint()
    return (v >> 1n) ^ -(v & 1n)
  }

  value (type) {
    switch (type) {
      case T.TRUE: return true
      case T.FALSE: return false
      case T.I8: {
        const v = this.byte()
        return v > 127 ? v - 256 : v
      }
      case T.I16:
      case T.I32: return Number(this.zigzag())
      case T.I64: return this.zigzag()
      case T.DOUBLE: {
        if (this.pos + 8 > this.b.length) throw new ThriftError('thrift: double past the end')
        const v = this.view.getFloat64(this.pos, true)
        this.pos += 8
        return v
      }
      case T.BINARY: {
        const n = Number(this.varint())
        if (this.pos + n > this.b.length) throw new ThriftError(`thrift: binary of ${n} bytes past the end`)
        const v = this.b.subarray(this.pos, this.pos + n)
        this.pos += n
        return v
      }
      case T.LIST:
      case T.SET: return this.list()
      case T.MAP: return this.map()
      case T.STRUCT: return this.struct()
      default: throw new ThriftError(`thrift: unknown type ${type} at ${this.pos}`)
    }
  }

  list () {
    const header = this.byte()
    let size = header >> 4
    const type = header & 0x0f
    if (size === 15) size = Number(this.varint())
    const out = []
    for (let i = 0; i < size; i++) {
      // In a list, a bool is a whole byte: 1 true, anything else false.
      if (type === T.TRUE || type === T.FALSE) out.push(this.byte() === 1)
      else out.push(this.value(type))
    }
    return out
  }

  map () {
    const size = Number(this.varint())
    if (size === 0) return []
    const types = this.byte()
    const out = []
    for (let i = 0; i < size; i++) out.push([this.value(types >> 4), this.value(types & 0x0f)])
    return out
  }

  struct () {
    const out = {}
    let last = 0
    for (;;) {
      const header = this.byte()
      if (header === T.STOP) return out
      const type = header & 0x0f
      const delta = header >> 4
      const id = delta === 0 ? Number(this.zigzag()) : last + delta
      if (id <= last) throw new ThriftError(`thrift: field ids not increasing (${last} then ${id})`)
      out[id] = this.value(type)
      last = id
    }
  }
}

// Decodes one struct starting at bytes[pos]; returns { value, end } where
// end is the offset just past the struct's stop byte.
export function readStruct (bytes, pos = 0) {
  const r = new Reader(bytes, pos)
  const value = r.struct()
  return { value, end: r.pos }
}
