// LevelDB's 32-bit murmur-like hash, used by the bloom filter (doc/format.md, "Bloom filter").
// Its tail bytes are treated as unsigned, as in LevelDB 1.20 and later.

export function hash (data: Uint8Array, seed: number, start = 0, end = data.length): number {
  const m = 0xc6a4a793
  const n = end - start
  let h = (seed ^ Math.imul(n, m)) >>> 0
  let i = start
  const limit = start + (n & ~3)
  while (i < limit) {
    const w = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0
    i += 4
    h = (h + w) >>> 0
    h = Math.imul(h, m) >>> 0
    h = (h ^ (h >>> 16)) >>> 0
  }
  const rest = end - i
  if (rest > 0) {
    if (rest === 3) h = (h + (data[i + 2]! << 16)) >>> 0
    if (rest >= 2) h = (h + (data[i + 1]! << 8)) >>> 0
    h = (h + data[i]!) >>> 0
    h = Math.imul(h, m) >>> 0
    h = (h ^ (h >>> 24)) >>> 0
  }
  return h
}
