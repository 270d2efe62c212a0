// Micro-benchmarks for the util layer and the table layer: CRC32C and Snappy against simple
// baselines and npm alternatives, then whatever bench/micro-table.ts and bench/micro-compaction.ts
// report.
//
//   npm run build && node dist/bench/micro.js [--quick] [--only crc,snappy,table,compaction]
//     [--entries N]
//
// --only runs the sections named; --entries sets the compaction section's input entries.
//
// Each case runs a warm-up, then several timed rounds, interleaved with its competitors' rounds;
// the table shows the median round, because the machine this runs on (2 cores, shared) is noisy
// and a mean would follow the outliers.
// Native packages (@node-rs/crc32, snappy) are devDependencies used only here, for comparison;
// a case whose package is missing is left out.

import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import { crc32c } from '../src/util/crc32c.js'
import { snappyCompress, snappyUncompress } from '../src/util/snappy.js'
import { benchCompaction } from './micro-compaction.js'
import { benchTable, type BenchRow } from './micro-table.js'

const quick = process.argv.includes('--quick')
const SECTIONS = ['crc', 'snappy', 'table', 'compaction']

function flag (name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i < 0 ? undefined : process.argv[i + 1]
}

const only = flag('--only')?.split(',') ?? SECTIONS
for (const name of only) if (!SECTIONS.includes(name)) throw new Error(`unknown section '${name}'; known: ${SECTIONS.join(', ')}`)
const entriesFlag = flag('--entries')
const entries = entriesFlag === undefined ? undefined : Number(entriesFlag)
const ROUNDS = quick ? 3 : 7
const ROUND_MS = quick ? 60 : 250

const require = createRequire(import.meta.url)

interface SnappyLib {
  compress (input: Uint8Array): Uint8Array
  uncompress (input: Uint8Array): Uint8Array
}

function optional<T> (name: string): T | null {
  try {
    return require(name) as T
  } catch {
    return null
  }
}

const snappyjs = optional<SnappyLib>('snappyjs')
interface NativeSnappy {
  compressSync (b: Uint8Array, options?: { copyOutputData?: boolean }): Uint8Array
  uncompressSync (b: Uint8Array, options?: { copyOutputData?: boolean }): Uint8Array
}
const nativeSnappy = optional<NativeSnappy>('snappy')
const nodeRsCrc = optional<{ crc32c (b: Uint8Array, initial?: number): number }>('@node-rs/crc32')

// ---------------------------------------------------------------------------------------------
// Measurement

let sink = 0

interface Case {
  /** Processes `bytes` bytes; returns something derived from the result so it is not dead code. */
  op: () => number
  bytes: number
}

function roundRate (c: Case, batch: number): number {
  let ops = 0
  const t0 = performance.now()
  let now = t0
  while (now - t0 < ROUND_MS) {
    for (let i = 0; i < batch; i++) sink ^= c.op()
    ops += batch
    now = performance.now()
  }
  return (ops * c.bytes) / ((now - t0) / 1000) / 1e6
}

/**
 * Measures a group of competing cases and returns each one's median MB/s (10^6 bytes per
 * second, as db_bench reports). Rounds are interleaved (round 1 of every case, then round 2...)
 * so that a burst of load from elsewhere on the machine hits all competitors alike.
 */
function measureAll (cases: Case[]): number[] {
  const batches = cases.map(c => {
    // Warm-up: long enough for the optimizing compiler to settle on the hot loops.
    roundRate(c, 1)
    // Batch calls so that reading the clock costs little against the work itself.
    let batch = 1
    for (;;) {
      const t0 = performance.now()
      for (let i = 0; i < batch; i++) sink ^= c.op()
      if (performance.now() - t0 > 2) return batch
      batch *= 2
    }
  })
  const rates: number[][] = cases.map(() => [])
  for (let r = 0; r < ROUNDS; r++) {
    cases.forEach((c, i) => rates[i]!.push(roundRate(c, batches[i]!)))
  }
  return rates.map(list => {
    list.sort((a, b) => a - b)
    return list[Math.floor(list.length / 2)]!
  })
}

const rows: BenchRow[] = []

function report (group: string, name: string, value: number, unit: string): void {
  rows.push({ group, name, value, unit })
  const shown = unit === 'ratio' ? value.toFixed(3) : value.toFixed(1)
  console.log(`  ${name.padEnd(62)} ${shown.padStart(12)} ${unit}`)
}

// ---------------------------------------------------------------------------------------------
// Data

/** A deterministic PRNG (xorshift32), so every run measures the same bytes. */
function makeRandom (seed: number): () => number {
  let x = seed | 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
}

/**
 * db_bench's value pool: 100-byte pieces, each 50 random printable characters followed by a repeat
 * of them, so that the data compresses to about half. Blocks are successive slices of the pool.
 */
function dbBenchPool (size: number, seed: number): Uint8Array {
  const next = makeRandom(seed)
  const out = new Uint8Array(size)
  for (let piece = 0; piece < size; piece += 100) {
    const end = Math.min(piece + 100, size)
    const half = piece + 50
    for (let i = piece; i < Math.min(half, end); i++) out[i] = 32 + (next() % 95)
    for (let i = half; i < end; i++) out[i] = out[i - 50]!
  }
  return out
}

function randomBytes (size: number, seed: number): Uint8Array {
  const next = makeRandom(seed)
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = next() & 0xff
  return out
}

/** `count` consecutive slices of `size` bytes, cycling through the pool. */
function slices (pool: Uint8Array, size: number, count: number): Uint8Array[] {
  const out: Uint8Array[] = []
  let pos = 0
  for (let i = 0; i < count; i++) {
    if (pos + size > pool.length) pos = 0
    out.push(pool.subarray(pos, pos + size))
    pos += size
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// CRC32C baselines written here, for comparison with src/util/crc32c.ts

const CRC_TABLE = (() => {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[n] = c
  }
  return t
})()

/** The textbook byte-at-a-time table-driven CRC32C. */
function crc32cBytewise (data: Uint8Array): number {
  let c = -1
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

/**
 * Slicing-by-8 over eight separate 256-entry tables: what src/util/crc32c.ts used before it moved
 * to slicing-by-16 over one flat table. Kept here to show the difference.
 */
const CRC8_TABLES: Int32Array[] = (() => {
  const t = [CRC_TABLE]
  for (let k = 1; k < 8; k++) t.push(new Int32Array(256))
  for (let n = 0; n < 256; n++) {
    let c = CRC_TABLE[n]!
    for (let k = 1; k < 8; k++) {
      c = CRC_TABLE[c & 0xff]! ^ (c >>> 8)
      t[k]![n] = c
    }
  }
  return t
})()

function crc32cSlicing8 (data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC8_TABLES as [Int32Array, Int32Array, Int32Array, Int32Array,
    Int32Array, Int32Array, Int32Array, Int32Array]
  let c = -1
  let i = 0
  const end = data.length
  const fast = end - (end & 7)
  while (i < fast) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    c = t7[c & 0xff]! ^ t6[(c >>> 8) & 0xff]! ^ t5[(c >>> 16) & 0xff]! ^ t4[c >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!
    i += 8
  }
  while (i < end) c = t0[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

// ---------------------------------------------------------------------------------------------
// Sections

function crcSection (): void {
  console.log('\nCRC32C over 4 KiB blocks (MB/s, higher is better)')
  const blocks = slices(randomBytes(1 << 20, 7), 4096, 256)
  const expected = blocks.map(b => crc32c(b))
  const variants: Array<[string, (b: Uint8Array) => number]> = [
    ['shale slicing-by-16 (src/util/crc32c.ts)', b => crc32c(b)],
    ['slicing-by-8, eight tables (previous shale)', crc32cSlicing8],
    ['byte-at-a-time table (baseline)', crc32cBytewise]
  ]
  if (nodeRsCrc !== null) variants.push(['@node-rs/crc32 crc32c (native)', b => nodeRsCrc.crc32c(b)])
  for (const [name, fn] of variants) {
    // A wrong implementation must not get a fast-looking number.
    blocks.forEach((b, i) => { if (fn(b) !== expected[i]) throw new Error(`${name} disagrees with crc32c`) })
  }
  const rates = measureAll(variants.map(([, fn]) => {
    let k = 0
    return { op: () => fn(blocks[k++ & 255]!), bytes: 4096 }
  }))
  variants.forEach(([name], i) => report('crc32c', name, rates[i]!, 'MB/s'))
}

interface Codec {
  name: string
  compress (b: Uint8Array): Uint8Array
  uncompress (b: Uint8Array): Uint8Array
}

function codecs (): Codec[] {
  const list: Codec[] = [{ name: 'shale', compress: snappyCompress, uncompress: b => snappyUncompress(b) }]
  if (snappyjs !== null) list.push({ name: 'snappyjs', compress: b => snappyjs.compress(b), uncompress: b => snappyjs.uncompress(b) })
  if (nativeSnappy !== null) {
    // copyOutputData: its default hands out external buffers, whose finalizers make it 2-5 times
    // slower under a steady stream of calls (measured); copying gives the native code its best case.
    const copy = { copyOutputData: true }
    list.push({
      name: 'snappy (native)',
      compress: b => nativeSnappy.compressSync(b, copy),
      uncompress: b => nativeSnappy.uncompressSync(b, copy)
    })
  }
  return list
}

function snappySection (title: string, inputs: Uint8Array[]): void {
  console.log(`\nSnappy, ${title} (MB/s of uncompressed bytes; ratio = compressed/raw, lower is better)`)
  const size = inputs[0]!.length
  const mask = inputs.length - 1 // inputs.length is a power of two
  const list = codecs()
  const cases: Case[] = []
  const ratios: number[] = []
  for (const codec of list) {
    const compressed = inputs.map(b => codec.compress(b))
    let total = 0
    compressed.forEach((c, i) => {
      total += c.length
      // Every codec's output must decode with Shale's decoder to the same bytes.
      const back = snappyUncompress(c)
      if (Buffer.compare(back, inputs[i]!) !== 0) throw new Error(`${codec.name} output does not round-trip`)
    })
    ratios.push(total / (size * inputs.length))
    let k = 0
    let j = 0
    cases.push({ op: () => codec.compress(inputs[k++ & mask]!).length, bytes: size })
    cases.push({ op: () => codec.uncompress(compressed[j++ & mask]!).length, bytes: size })
  }
  const rates = measureAll(cases)
  list.forEach((codec, i) => {
    report('snappy', `${codec.name} compress ${title}`, rates[2 * i]!, 'MB/s')
    report('snappy', `${codec.name} uncompress ${title}`, rates[2 * i + 1]!, 'MB/s')
    report('snappy', `${codec.name} ratio ${title}`, ratios[i]!, 'ratio')
  })
}

async function main (): Promise<void> {
  console.log(`micro-benchmarks${quick ? ' (quick)' : ''}: node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms, median`)
  if (only.includes('crc')) crcSection()
  if (only.includes('snappy')) {
    const pool = dbBenchPool(1 << 20, 301)
    snappySection('100-byte values', slices(pool, 100, 4096))
    snappySection('4 KiB blocks', slices(pool, 4096, 256))
    snappySection('4 KiB random blocks', slices(randomBytes(1 << 20, 11), 4096, 256))
    snappySection('1 MiB', [pool])
  }
  if (only.includes('table')) {
    console.log('\nTable layer (bench/micro-table.ts)')
    for (const row of benchTable(quick)) report(row.group, row.name, row.value, row.unit)
  }
  if (only.includes('compaction')) {
    console.log('\nCompaction job, tables in memory (bench/micro-compaction.ts; median round)')
    for (const row of await benchCompaction(quick, entries)) report(row.group, row.name, row.value, row.unit)
  }
  if (sink === 0.5) console.log('') // keeps `sink` observable so no measured call is dead code
}

await main()
