// A small seeded PRNG (mulberry32): deterministic workloads for tests and benchmarks, and the
// engine's own sampling decisions, replay exactly from a seed.

export class Random {
  private state: number
  readonly seed: number

  constructor (seed: number) {
    this.seed = seed >>> 0
    this.state = this.seed
  }

  /** Uniform in [0, 2^32). */
  nextU32 (): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** Uniform in [0, n). */
  uniform (n: number): number {
    return Math.floor((this.nextU32() / 0x1_0000_0000) * n)
  }

  /** Uniform in [lo, hi]. */
  range (lo: number, hi: number): number {
    return lo + this.uniform(hi - lo + 1)
  }

  /** True with probability 1/n. */
  oneIn (n: number): boolean {
    return this.uniform(n) === 0
  }

  bytes (n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.nextU32() & 0xff
    return out
  }

  /** Bytes that compress to about half their size, like db_bench's values. */
  compressibleBytes (n: number): Uint8Array {
    const out = new Uint8Array(n)
    const half = Math.ceil(n / 2)
    for (let i = 0; i < half; i++) out[i] = 32 + this.uniform(95)
    for (let i = half; i < n; i++) out[i] = out[i - half]!
    return out
  }

  pick<T> (items: readonly T[]): T {
    return items[this.uniform(items.length)]!
  }
}

/** `bytes` bytes from the platform's cryptographic generator, as hex: names no one else picks. */
export function randomHex (bytes: number): string {
  const buf = new Uint8Array(bytes)
  globalThis.crypto.getRandomValues(buf)
  let hex = ''
  for (const b of buf) hex += b.toString(16).padStart(2, '0')
  return hex
}
