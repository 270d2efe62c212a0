// CRC32C (Castagnoli), as LevelDB stores it in log records and table block trailers, plus
// LevelDB's mask (doc/format.md, "Checksums").
//
// Slicing-by-8 over eight 256-entry tables: the fastest pure-JavaScript variant measured by
// bench/micro.ts (see doc/performance.md), and several times faster than byte-at-a-time tables.

const POLY = 0x82f63b78

const TABLES: Int32Array[] = (() => {
  const t: Int32Array[] = []
  for (let k = 0; k < 8; k++) t.push(new Int32Array(256))
  const t0 = t[0]!
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let i = 0; i < 8; i++) c = (c & 1) !== 0 ? (c >>> 1) ^ POLY : c >>> 1
    t0[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n]!
    for (let k = 1; k < 8; k++) {
      c = t0[c & 0xff]! ^ (c >>> 8)
      t[k]![n] = c
    }
  }
  return t
})()

const T0 = TABLES[0]!
const T1 = TABLES[1]!
const T2 = TABLES[2]!
const T3 = TABLES[3]!
const T4 = TABLES[4]!
const T5 = TABLES[5]!
const T6 = TABLES[6]!
const T7 = TABLES[7]!

/**
 * Continues a CRC32C over `data[start, end)`. `crc` is a finished CRC (0 to begin), so
 * `extend(crc32c(a), b)` equals `crc32c(a ++ b)`.
 */
export function crc32cExtend (crc: number, data: Uint8Array, start = 0, end = data.length): number {
  let c = ~crc
  let i = start
  const fast = end - ((end - i) & 7)
  while (i < fast) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    c = T7[c & 0xff]! ^ T6[(c >>> 8) & 0xff]! ^ T5[(c >>> 16) & 0xff]! ^ T4[c >>> 24]! ^
      T3[data[i + 4]!]! ^ T2[data[i + 5]!]! ^ T1[data[i + 6]!]! ^ T0[data[i + 7]!]!
    i += 8
  }
  while (i < end) c = T0[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

export function crc32c (data: Uint8Array, start = 0, end = data.length): number {
  return crc32cExtend(0, data, start, end)
}

const MASK_DELTA = 0xa282ead8

/**
 * LevelDB stores masked CRCs: computing the CRC of a string that itself contains CRCs is
 * problematic, so the stored value is rotated right by 15 bits and offset by a constant.
 */
export function maskCrc (crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0
}

export function unmaskCrc (masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0
  return ((rot >>> 17) | (rot << 15)) >>> 0
}
