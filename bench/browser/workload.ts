// The db_bench workloads of the browser benchmark (doc/db-bench.md, "In the browser"), for any
// abstract-level database, on whichever thread calls them: a dedicated worker or the page.
// Keys are "%016d" strings, values 100-character strings of printable ASCII that compress to
// about half (Random.compressibleBytes, as db_bench draws them); utf8 is the encoding of every
// store. The random key sequences come from fixed seeds, so every store gets the same ones, and
// the reads are checked against what the fills wrote.

import { Random } from '../../src/util/random.js'
import { nextMacrotask } from '../../src/util/macrotask.js'

/** Where the benchmark's page serves the engine worker script. */
export const ENGINE_WORKER_PATH = '/engine.js'
export const KEY_SIZE = 16
export const VALUE_SIZE = 100
const YIELD_MS = 1

export const BROWSER_PHASES = ['fillseq', 'fillbatch', 'fillrandom-64', 'fillrandom', 'readrandom', 'readrandom-64', 'readseq'] as const
export type BrowserPhase = typeof BROWSER_PHASES[number]
/** Phases that write: the page's frame gaps are summarised over these. */
export const WRITE_PHASES: ReadonlySet<BrowserPhase> = new Set(['fillseq', 'fillbatch', 'fillrandom-64', 'fillrandom'])
/** Phases that start from an empty database of their own; the read phases use fillrandom's. */
const FRESH: ReadonlySet<BrowserPhase> = new Set(['fillseq', 'fillbatch', 'fillrandom-64', 'fillrandom'])
const SEEDS: Record<BrowserPhase, number> = {
  fillseq: 0, fillbatch: 0, 'fillrandom-64': 101, fillrandom: 104, readrandom: 106, 'readrandom-64': 107, readseq: 0
}

/** What the workloads call: the part of abstract-level's interface that both stores have. */
export interface BenchDb {
  open: () => Promise<void>
  close: () => Promise<void>
  put: (key: string, value: string) => Promise<void>
  get: (key: string) => Promise<string | undefined>
  batch: (ops: Array<{ type: 'put', key: string, value: string }>) => Promise<void>
  iterator: () => { nextv: (size: number) => Promise<Array<[string, string]>>, close: () => Promise<void> }
}

/** Makes, and removes, the databases of one store; `name` is unique within a run. */
export interface StoreMaker {
  make: (name: string) => Promise<BenchDb>
  remove: (name: string) => Promise<void>
  /** A line about the database after its write phase (for Shale: tables per level), or undefined. */
  describe?: (db: BenchDb) => string | undefined
}

export interface BenchConfig {
  n: number
  batch: number
  concurrency: number
}

export interface PhaseResult {
  phase: BrowserPhase
  ops: number
  ms: number
  /** Operations per second. */
  rate: number
  /** Wall-clock window (performance.timeOrigin + now(), ms), so the page can line up its frames. */
  start: number
  end: number
  found?: number
  expectedFound?: number
  note?: string
}

const now = (): number => performance.timeOrigin + performance.now()

export function keyString (k: number): string {
  return String(k).padStart(KEY_SIZE, '0')
}

function valuePool (): string[] {
  const rnd = new Random(301)
  const pool: string[] = []
  for (let i = 0; i < 1024; i++) pool.push(String.fromCharCode(...rnd.compressibleBytes(VALUE_SIZE)))
  return pool
}

/** Timed passes of readseq, after the untimed one. */
export const SCAN_PASSES = 5

/** Gives the event loop a turn at least every YIELD_MS, as bench/db-bench-worker.ts's pacer does. */
class Pacer {
  private last = performance.now()
  private count = 0

  check (weight = 1): Promise<void> | undefined {
    this.count += weight
    if (this.count < 16) return undefined
    this.count = 0
    if (performance.now() - this.last < YIELD_MS) return undefined
    return nextMacrotask().then(() => { this.last = performance.now() })
  }
}

async function inFlight (total: number, width: number, pacer: Pacer, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < total) {
      await op(next++)
      const p = pacer.check()
      if (p !== undefined) await p
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, total) }, lane))
}

/** One pass over the whole database with `nextv(1000)`: the entries read, and how many are whole. */
async function scan (db: BenchDb, pacer: Pacer): Promise<{ ops: number, found: number }> {
  const it = db.iterator()
  let ops = 0
  let found = 0
  for (;;) {
    const entries = await it.nextv(1000)
    if (entries.length === 0) break
    for (const [k, v] of entries) if (k.length === KEY_SIZE && v.length === VALUE_SIZE) found++
    ops += entries.length
    const p = pacer.check(entries.length)
    if (p !== undefined) await p
  }
  await it.close()
  return { ops, found }
}

/** The keys fillrandom leaves in the read database, and how many of `reads` draws from `seed` hit one. */
function expectedHits (n: number, seed: number, reads: number): number {
  const present = new Uint8Array(n)
  const fill = new Random(SEEDS.fillrandom)
  for (let i = 0; i < n; i++) present[fill.uniform(n)] = 1
  if (seed === 0) return present.reduce((a, b) => a + b, 0)
  const draw = new Random(seed)
  let hits = 0
  for (let i = 0; i < reads; i++) hits += present[draw.uniform(n)]!
  return hits
}

/**
 * Runs every phase on the store, in order, calling `report` after each; `runId` keeps the
 * databases of this run apart from leftovers. Databases are removed when their phases are done.
 */
export async function runWorkloads (store: StoreMaker, config: BenchConfig, runId: string, report: (r: PhaseResult) => void): Promise<void> {
  const values = valuePool()
  let nextValue = 0
  const value = (): string => values[nextValue++ & 1023]!
  const pacer = new Pacer()
  let readDb: BenchDb | undefined
  const readName = `${runId}-read`
  try {
    for (const phase of BROWSER_PHASES) {
      const name = phase === 'fillrandom' ? readName : `${runId}-${phase}`
      let db: BenchDb
      if (FRESH.has(phase)) {
        db = await store.make(name)
        if (phase === 'fillrandom') readDb = db
      } else {
        db = readDb!
      }
      const rnd = new Random(SEEDS[phase])
      const { n } = config
      let found = 0
      // A scan of this size takes tens of milliseconds, so one cold pass would time the JIT's
      // warm-up rather than the store: every store gets one untimed pass first.
      if (phase === 'readseq') await scan(db, pacer)
      const start = now()
      let ops = n
      switch (phase) {
        case 'fillseq':
          await inFlight(n, 1, pacer, async (i) => { await db.put(keyString(i), value()) })
          break
        case 'fillrandom':
          await inFlight(n, 1, pacer, async () => { await db.put(keyString(rnd.uniform(n)), value()) })
          break
        case 'fillrandom-64':
          await inFlight(n, config.concurrency, pacer, async () => { await db.put(keyString(rnd.uniform(n)), value()) })
          break
        case 'fillbatch':
          for (let b = 0; b < n; b += config.batch) {
            const ops = []
            for (let k = b; k < Math.min(n, b + config.batch); k++) ops.push({ type: 'put' as const, key: keyString(k), value: value() })
            await db.batch(ops)
            const p = pacer.check(ops.length)
            if (p !== undefined) await p
          }
          break
        case 'readrandom':
        case 'readrandom-64':
          await inFlight(n, phase === 'readrandom' ? 1 : config.concurrency, pacer, async () => {
            const v = await db.get(keyString(rnd.uniform(n)))
            if (v !== undefined && v.length === VALUE_SIZE) found++
          })
          break
        case 'readseq': {
          // Several passes timed together: one is short enough for a single pause of the
          // machine to halve its rate. Every pass must find every entry.
          ops = 0
          found = Number.MAX_SAFE_INTEGER
          for (let pass = 0; pass < SCAN_PASSES; pass++) {
            const one = await scan(db, pacer)
            ops += one.ops
            found = Math.min(found, one.found)
          }
          break
        }
      }
      const end = now()
      const result: PhaseResult = { phase, ops, ms: end - start, rate: ops / ((end - start) / 1000), start, end }
      if (!WRITE_PHASES.has(phase)) {
        result.found = found
        result.expectedFound = expectedHits(n, SEEDS[phase], n)
      } else {
        result.note = store.describe?.(db)
      }
      if (FRESH.has(phase) && phase !== 'fillrandom') {
        await db.close()
        await store.remove(name)
      }
      report(result)
    }
  } finally {
    if (readDb !== undefined) {
      await readDb.close()
      await store.remove(readName)
    }
  }
}
