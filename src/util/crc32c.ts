// CRC32C (Castagnoli), as LevelDB stores it in log records and table block trailers, plus
// LevelDB's mask (doc/format.md, "Checksums").
//
// Slicing-by-16: sixteen 256-entry tables let one step fold sixteen input bytes into the CRC
// with sixteen independent lookups. The tables live in one flat Int32Array, which V8 indexes
// faster than an array of sixteen arrays. bench/micro.ts compares it with slicing-by-8 and a
// byte-at-a-time table (doc/snappy.md has the figures).

const POLY = 0x82f63b78

/** TABLES[k * 256 + b]: the CRC contribution of byte b followed by k zero bytes. */
const TABLES: Int32Array = (() => {
  const t = new Int32Array(16 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let i = 0; i < 8; i++) c = (c & 1) !== 0 ? (c >>> 1) ^ POLY : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!
    for (let k = 1; k < 16; k++) {
      c = t[c & 0xff]! ^ (c >>> 8)
      t[k * 256 + n] = c
    }
  }
  return t
})()

/**
 * Continues a CRC32C over `data[start, end)`. `crc` is a finished CRC (0 to begin), so
 * `extend(crc32c(a), b)` equals `crc32c(a ++ b)`.
 */
export function crc32cExtend (crc: number, data: Uint8Array, start = 0, end = data.length): number {
  if (end - start >= WORD_READS_FROM) return crc32cExtendWords(crc, data, start, end)
  const t = TABLES
  let c = ~crc
  let i = start
  const fast = end - ((end - i) & 15)
  while (i < fast) {
    // The first four bytes are XORed into the running CRC; the other twelve enter through the
    // tables for their distance from the end of the step.
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    c = t[3840 + (c & 0xff)]! ^ t[3584 + ((c >>> 8) & 0xff)]! ^
      t[3328 + ((c >>> 16) & 0xff)]! ^ t[3072 + (c >>> 24)]! ^
      t[2816 + data[i + 4]!]! ^ t[2560 + data[i + 5]!]! ^ t[2304 + data[i + 6]!]! ^ t[2048 + data[i + 7]!]! ^
      t[1792 + data[i + 8]!]! ^ t[1536 + data[i + 9]!]! ^ t[1280 + data[i + 10]!]! ^ t[1024 + data[i + 11]!]! ^
      t[768 + data[i + 12]!]! ^ t[512 + data[i + 13]!]! ^ t[256 + data[i + 14]!]! ^ t[data[i + 15]!]!
    i += 16
  }
  while (i < end) c = t[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

/**
 * From this many bytes on, the sixteen bytes of a step are read as four little-endian words
 * through a DataView: about 20% faster on table blocks (doc/performance.md, "Read path"), but
 * making the DataView costs more than it saves on short inputs.
 */
const WORD_READS_FROM = 256

/** crc32cExtend for long inputs: the same steps, with word reads. */
function crc32cExtendWords (crc: number, data: Uint8Array, start: number, end: number): number {
  const t = TABLES
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let c = ~crc
  let i = start
  const fast = end - ((end - i) & 15)
  while (i < fast) {
    c ^= v.getInt32(i, true)
    const w1 = v.getInt32(i + 4, true)
    const w2 = v.getInt32(i + 8, true)
    const w3 = v.getInt32(i + 12, true)
    c = t[3840 + (c & 0xff)]! ^ t[3584 + ((c >>> 8) & 0xff)]! ^ t[3328 + ((c >>> 16) & 0xff)]! ^ t[3072 + (c >>> 24)]! ^
      t[2816 + (w1 & 0xff)]! ^ t[2560 + ((w1 >>> 8) & 0xff)]! ^ t[2304 + ((w1 >>> 16) & 0xff)]! ^ t[2048 + (w1 >>> 24)]! ^
      t[1792 + (w2 & 0xff)]! ^ t[1536 + ((w2 >>> 8) & 0xff)]! ^ t[1280 + ((w2 >>> 16) & 0xff)]! ^ t[1024 + (w2 >>> 24)]! ^
      t[768 + (w3 & 0xff)]! ^ t[512 + ((w3 >>> 8) & 0xff)]! ^ t[256 + ((w3 >>> 16) & 0xff)]! ^ t[w3 >>> 24]!
    i += 16
  }
  while (i < end) c = t[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8)
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
