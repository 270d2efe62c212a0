// Memtable benchmark: 200,000 inserts of random 16-byte keys with 100-byte values, then point
// gets of every key in random order, then a full forward scan; plus the internal-key comparator
// and WriteBatch encoding, which sit on the same write path.
//
//   npx tsc -p . && node --expose-gc dist/bench/memtable.js [--quick]
//
// Each case runs several rounds after a warm-up and reports the fastest round: on a shared
// machine other processes only ever slow a round down, so the fastest is the best estimate of
// the code's own cost. (A LevelDB-style skiplist was measured against the B+-tree with this
// script and dropped; doc/memtable.md has its figures.)

import { performance } from 'node:perf_hooks'
import { bytewiseComparator } from '../src/util/comparator.js'
import { compareBytes } from '../src/util/coding.js'
import { InternalKeyComparator, LookupKey, makeInternalKey, ValueType } from '../src/dbformat/internal-key.js'
import { WriteBatch } from '../src/dbformat/write-batch.js'
import { MemTable } from '../src/memtable/memtable.js'
import { Random } from '../src/util/random.js'

const quick = process.argv.includes('--quick')
const N = quick ? 50_000 : 200_000
const ROUNDS = quick ? 3 : 7

const rnd = new Random(301)
const keys: Uint8Array[] = []
for (let i = 0; i < N; i++) keys.push(rnd.bytes(16))
// Values are views into one pool, as db_bench draws them.
const pool = rnd.compressibleBytes(1 << 20)
const values: Uint8Array[] = []
for (let i = 0; i < N; i++) {
  const off = rnd.uniform(pool.length - 100)
  values.push(pool.subarray(off, off + 100))
}
// db_bench's keys: "%016d" of random numbers, so every key starts with the same ten '0' bytes.
const numberKeys: Uint8Array[] = []
for (let i = 0; i < N; i++) numberKeys.push(new TextEncoder().encode(String(rnd.uniform(N * 10)).padStart(16, '0')))
const getOrder = Array.from({ length: N }, (_, i) => i)
for (let i = N - 1; i > 0; i--) {
  const j = rnd.uniform(i + 1)
  const t = getOrder[i]!
  getOrder[i] = getOrder[j]!
  getOrder[j] = t
}

let sink = 0
const icmp = new InternalKeyComparator(bytewiseComparator)

function fastest (xs: number[]): number {
  return Math.min(...xs)
}

function fill (initialBytes?: number, keyList: Uint8Array[] = keys): MemTable {
  const mem = new MemTable(icmp, { initialBytes })
  for (let i = 0; i < N; i++) mem.add(i + 1, ValueType.Value, keyList[i]!, values[i]!)
  return mem
}

/** Inserts and gets of keys that share a long prefix (db_bench's). */
function benchNumberKeys (): { insert: number, get: number } {
  const ins: number[] = []
  const gets: number[] = []
  let mem = fill(undefined, numberKeys)
  for (let r = 0; r < ROUNDS; r++) {
    ins.push(timeIt(() => { mem = fill(undefined, numberKeys) }))
    const m = mem
    gets.push(timeIt(() => {
      for (let i = 0; i < N; i++) {
        const v = m.get(new LookupKey(numberKeys[getOrder[i]!]!, N + 1))
        if (v instanceof Uint8Array) sink += v.length
      }
    }))
  }
  return { insert: N / fastest(ins) * 1000, get: N / fastest(gets) * 1000 }
}

function timeIt (fn: () => void): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

function heapUsed (): number {
  const g = (globalThis as { gc?: () => void }).gc
  if (g !== undefined) { g(); g() }
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
}

interface Row { insert: number, get: number, scan: number, bytesPerEntry: number, presizedBytesPerEntry: number, accounted: number }

function benchMemTable (): Row {
  const ins: number[] = []
  const gets: number[] = []
  const scans: number[] = []
  let mem = fill() // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    ins.push(timeIt(() => { mem = fill() }))
    const m = mem
    gets.push(timeIt(() => {
      for (let i = 0; i < N; i++) {
        const k = getOrder[i]!
        const v = m.get(new LookupKey(keys[k]!, N + 1))
        if (v instanceof Uint8Array) sink += v.length
      }
    }))
    scans.push(timeIt(() => {
      const it = m.newIterator()
      for (it.seekToFirst(); it.valid(); it.next()) sink += it.key().length + it.value().length
    }))
  }
  // Memory: heap + array buffers before and after filling one more memtable (the last one of
  // the rounds stays alive so that its one-time costs are not counted), with the default
  // growing arena and with an arena sized for the data up front.
  let before = heapUsed()
  const kept = fill()
  const grownBytes = heapUsed() - before
  before = heapUsed()
  const presized = fill(N * (16 + 8 + 100))
  const presizedBytes = heapUsed() - before
  sink += mem.size + presized.size
  const row = {
    insert: N / fastest(ins) * 1000,
    get: N / fastest(gets) * 1000,
    scan: N / fastest(scans) * 1000,
    bytesPerEntry: grownBytes / N,
    presizedBytesPerEntry: presizedBytes / N,
    accounted: kept.approximateMemoryUsage() / N
  }
  sink += kept.size
  return row
}

function benchComparator (): Array<[string, number]> {
  // Internal keys of 16-byte user keys; neighbours in a sorted list share a prefix now and then.
  const ikeys = keys.slice(0, 4096).map((k, i) => makeInternalKey(k, i + 1, ValueType.Value))
  const bufs = ikeys.map((k) => Buffer.from(k.buffer, k.byteOffset, k.length))
  const M = 4096
  const results: Array<[string, number]> = []
  const cases: Array<[string, () => void]> = [
    ['InternalKeyComparator.compare', () => { for (let i = 1; i < M; i++) sink += icmp.compare(ikeys[i - 1]!, ikeys[i]!) }],
    ['compareBytes (whole key)', () => { for (let i = 1; i < M; i++) sink += compareBytes(ikeys[i - 1]!, ikeys[i]!) }],
    ['Buffer.compare (whole key)', () => { for (let i = 1; i < M; i++) sink += Buffer.compare(bufs[i - 1]!, bufs[i]!) }]
  ]
  for (const [name, fn] of cases) {
    for (let w = 0; w < 200; w++) fn()
    const times: number[] = []
    for (let r = 0; r < ROUNDS; r++) times.push(timeIt(() => { for (let j = 0; j < 50; j++) fn() }))
    results.push([name, (M - 1) * 50 / fastest(times) * 1000])
  }
  return results
}

function benchWriteBatch (): number {
  const b = new WriteBatch()
  const run = (): void => {
    b.clear()
    for (let i = 0; i < N; i++) b.put(keys[i]!, values[i]!)
    sink += b.byteSize
  }
  run()
  const times: number[] = []
  for (let r = 0; r < ROUNDS; r++) times.push(timeIt(run))
  return N / fastest(times) * 1000
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
console.log(`memtable: ${fmt(N)} random 16-byte keys, 100-byte values, fastest of ${ROUNDS} rounds, node ${process.version}`)
{
  const r = benchMemTable()
  console.log(`${'insert (add)'.padEnd(32)} ${fmt(r.insert).padStart(14)} ops/s`)
  console.log(`${'get (LookupKey + get), random'.padEnd(32)} ${fmt(r.get).padStart(14)} ops/s`)
  console.log(`${'full forward scan'.padEnd(32)} ${fmt(r.scan).padStart(14)} entries/s`)
  console.log(`memory per entry (124 B of key, tag and value): ${r.bytesPerEntry.toFixed(1)} B with the growing arena, ` +
    `${r.presizedBytesPerEntry.toFixed(1)} B presized; approximateMemoryUsage says ${r.accounted.toFixed(1)} B`)
}
{
  const r = benchNumberKeys()
  console.log(`${'insert, "%016d" keys'.padEnd(32)} ${fmt(r.insert).padStart(14)} ops/s`)
  console.log(`${'get, "%016d" keys'.padEnd(32)} ${fmt(r.get).padStart(14)} ops/s`)
}
for (const [name, rate] of benchComparator()) console.log(`${name.padEnd(32)} ${fmt(rate).padStart(14)} compares/s`)
console.log(`${'WriteBatch.put (16 B key, 100 B value)'.padEnd(32)} ${fmt(benchWriteBatch()).padStart(14)} ops/s`)
if (sink === 0.5) console.log('')
