// Table-layer micro-benchmarks, called by bench/micro.ts: block build and seek rates, table build
// rate and point-get rate, for db_bench's shape of data (16-byte keys, 100-byte values that
// compress to about half) in 4 KiB blocks. Files are in memory, so the figures are CPU cost only;
// each is the median of several timed rounds.

import { performance } from 'node:perf_hooks'
import { bytewiseComparator } from '../src/util/comparator.js'
import { LruCache } from '../src/util/lru-cache.js'
import { MemEnv } from '../src/env/mem-env.js'
import type { RandomAccessFile } from '../src/env/env.js'
import { Random } from '../src/util/random.js'
import { BlockBuilder } from '../src/table/block-builder.js'
import { Block } from '../src/table/block.js'
import { BloomFilterPolicy } from '../src/table/bloom.js'
import { TableBuilder } from '../src/table/table-builder.js'
import { Table, type BlockCacheKey } from '../src/table/table.js'

export interface BenchRow { group: string, name: string, value: number, unit: string }

export const KEY_SIZE = 16
export const VALUE_SIZE = 100

let sink = 0

/** "%016d" keys, as db_bench writes them. */
export function makeKey (i: number): Uint8Array {
  const s = String(i).padStart(KEY_SIZE, '0')
  const out = new Uint8Array(KEY_SIZE)
  for (let j = 0; j < KEY_SIZE; j++) out[j] = s.charCodeAt(j)
  return out
}

/** Values of 50 random printable bytes written twice: about 50% compressible, as in db_bench. */
function makeValues (n: number, random: () => number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < n; i++) {
    const v = new Uint8Array(VALUE_SIZE)
    for (let j = 0; j < VALUE_SIZE / 2; j++) v[j] = v[j + VALUE_SIZE / 2] = 0x20 + Math.floor(random() * 95)
    out.push(v)
  }
  return out
}

/** Median over `rounds` of operations per second; `run` does `n` operations and is timed whole. */
function medianRate (rounds: number, n: number, run: () => void): number {
  run() // warm-up
  const rates: number[] = []
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    run()
    rates.push(n / ((performance.now() - t0) / 1000))
  }
  rates.sort((a, b) => a - b)
  return rates[Math.floor(rates.length / 2)]!
}

const env = new MemEnv()
let tableCount = 0

/** Builds a table in memory and returns it opened for reading. */
function buildTable (keys: Uint8Array[], values: Uint8Array[], compression: 'snappy' | 'none', bloom: boolean): RandomAccessFile {
  const path = `/bench/${++tableCount}.ldb`
  env.createDir('/bench')
  const file = env.newWritableFile(path)
  const builder = new TableBuilder(file, {
    comparator: bytewiseComparator, compression, filterPolicy: bloom ? new BloomFilterPolicy(10) : undefined
  })
  for (let i = 0; i < keys.length; i++) builder.add(keys[i]!, values[i]!)
  builder.finish()
  file.close()
  const reader = env.newRandomAccessFile(path)
  env.removeFile(path)
  return reader
}

export function benchTable (quick: boolean): BenchRow[] {
  const rows: BenchRow[] = []
  const rounds = quick ? 3 : 7
  const n = quick ? 20000 : 100000
  const rnd = new Random(301)
  const random = (): number => rnd.nextU32() / 0x1_0000_0000
  const keys: Uint8Array[] = []
  for (let i = 0; i < n; i++) keys.push(makeKey(i))
  const values = makeValues(n, random)
  const entryBytes = KEY_SIZE + VALUE_SIZE
  const mb = (entriesPerSec: number): number => entriesPerSec * entryBytes / 1e6

  // Block build: fill 4 KiB blocks, finishing and resetting one builder as a table builder does.
  const builder = new BlockBuilder(16)
  const blockBuild = medianRate(rounds, n, () => {
    for (let i = 0; i < n; i++) {
      builder.add(keys[i]!, values[i]!)
      if (builder.currentSizeEstimate() >= 4096) {
        sink ^= builder.finish().length
        builder.reset()
      }
    }
    builder.reset()
  })
  rows.push({ group: 'table', name: 'block build (16 B keys, 100 B values, 4 KiB blocks)', value: blockBuild, unit: 'entries/s' })
  rows.push({ group: 'table', name: 'block build', value: mb(blockBuild), unit: 'MB/s' })

  // Block seek: random existing keys within one full 4 KiB block.
  const one = new BlockBuilder(16)
  let inBlock = 0
  while (one.currentSizeEstimate() < 4096) { one.add(keys[inBlock]!, values[inBlock]!); inBlock++ }
  const block = new Block(one.finish().slice())
  const it = block.newIterator(bytewiseComparator)
  const seeks = quick ? 50000 : 200000
  const targets: Uint8Array[] = []
  for (let i = 0; i < 1024; i++) targets.push(keys[Math.floor(random() * inBlock)]!)
  const blockSeek = medianRate(rounds, seeks, () => {
    for (let i = 0; i < seeks; i++) {
      it.seek(targets[i & 1023]!)
      sink ^= it.value().length
    }
  })
  rows.push({ group: 'table', name: `block seek (${inBlock} entries per block)`, value: blockSeek, unit: 'seeks/s' })

  // Table build into an in-memory file.
  for (const compression of ['none', 'snappy'] as const) {
    const rate = medianRate(rounds, n, () => { sink ^= buildTable(keys, values, compression, false).size })
    rows.push({ group: 'table', name: `table build, compression ${compression}`, value: rate, unit: 'entries/s' })
    rows.push({ group: 'table', name: `table build, compression ${compression}`, value: mb(rate), unit: 'MB/s' })
  }
  const bloomBuild = medianRate(rounds, n, () => { sink ^= buildTable(keys, values, 'snappy', true).size })
  rows.push({ group: 'table', name: 'table build, snappy + bloom filter', value: bloomBuild, unit: 'entries/s' })

  // Point gets on a snappy table with a bloom filter: every get reads, verifies and decodes one
  // block unless the block cache holds it.
  const file = buildTable(keys, values, 'snappy', true)
  const gets = quick ? 20000 : 100000
  const order: Uint8Array[] = []
  for (let i = 0; i < 4096; i++) order.push(keys[Math.floor(random() * n)]!)
  const handler = (_k: Uint8Array, v: Uint8Array): void => { sink ^= v.length }
  const cases: Array<[string, Table]> = [
    ['verify checksums, no cache', Table.open(file, file.size, { comparator: bytewiseComparator, filterPolicy: new BloomFilterPolicy(10) })],
    ['no verification, no cache', Table.open(file, file.size, { comparator: bytewiseComparator, filterPolicy: new BloomFilterPolicy(10), verifyChecksums: false })],
    ['verify checksums, block cache holding every block', Table.open(file, file.size, {
      comparator: bytewiseComparator, filterPolicy: new BloomFilterPolicy(10), blockCache: new LruCache<BlockCacheKey, Block>(64 << 20)
    })]
  ]
  for (const [name, table] of cases) {
    const rate = medianRate(rounds, gets, () => {
      for (let i = 0; i < gets; i++) table.get(order[i & 4095]!, handler)
    })
    rows.push({ group: 'table', name: `table get, ${name}`, value: rate, unit: 'gets/s' })
  }
  // Absent keys: the bloom filter answers without reading a block.
  const absent: Uint8Array[] = order.map((k) => { const a = k.slice(); a[KEY_SIZE - 1] = 0x61; return a })
  const missTable = cases[0]![1]
  const missRate = medianRate(rounds, gets, () => {
    for (let i = 0; i < gets; i++) missTable.get(absent[i & 4095]!, handler)
  })
  rows.push({ group: 'table', name: 'table get, absent key (bloom filter)', value: missRate, unit: 'gets/s' })

  if (sink === 0.5) rows.push({ group: 'table', name: 'sink', value: sink, unit: '' })
  return rows
}
